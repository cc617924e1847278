/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "agent.h"
#include "devices.h"
#include "fileio.h"
#include "log.h"
#include "strv.h"

/* Hybrid hosts (v1 controllers next to a cgroup2 tree) only. The container's cgroup namespace is
 * rooted, in every hierarchy, at the cgroup its init is in when it unshares it. Left where the agent
 * is, which is often a v1 hierarchy's root, a guest root can "mount -t cgroup -o memory none /mnt"
 * (CAP_SYS_ADMIN is enough, the mount is allowed from a cgroup namespace for an existing hierarchy)
 * and gets the host's whole hierarchy, release_agent included: a way out of the container. So the
 * init first joins a cgroup of its own, below ours, in each v1 hierarchy: a guest's v1 mount then
 * shows only that subtree. (New hierarchies cannot be made from a non-initial cgroup namespace at
 * all: "mount -t cgroup -o none,name=x" fails with EPERM.) On a pure cgroup2 host there is nothing
 * to do. Limits through v1 controllers belong on the parent of these dirs, out of the guest's
 * reach. */

#define V1_MKDIR_ATTEMPTS 5

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir);

typedef struct V1Hierarchy {
        char *mount_point;      /* where the hierarchy's root is mounted */
        bool cpuset;
} V1Hierarchy;

/* Find the mount of the v1 hierarchy with this controller list ("cpu,cpuacct", "name=systemd") in
 * mountinfo: its super options must carry each of them, and it must show the hierarchy's root. */
static int find_v1_mount(const char *controllers, V1Hierarchy *ret) {
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t size = 0;

        f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return -errno;
        while (getline(&line, &size, f) > 0) {
                char root[PATH_MAX], where[PATH_MAX], fstype[32], options[512];
                const char *sep = strstr(line, " - ");
                bool all = true;

                if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", root, where) != 2 ||
                    sscanf(sep, " - %31s %*s %511s", fstype, options) != 2)
                        continue;
                if (!streq(fstype, "cgroup") || !streq(root, "/"))
                        continue;
                for (const char *c = controllers; *c && all;) {
                        size_t n = strcspn(c, ",");
                        const char *o = options;

                        all = false;
                        while (*o && !all) {
                                size_t m = strcspn(o, ",");

                                all = m == n && strneq(o, c, n);
                                o += m + (o[m] == ',');
                        }
                        c += n + (c[n] == ',');
                }
                if (!all)
                        continue;
                ret->mount_point = strdup(where);
                ret->cpuset = strstr(options, "cpuset") != NULL;
                return ret->mount_point ? 0 : -ENOMEM;
        }
        return -ENOENT;
}

/* A new cpuset cgroup starts with no CPUs and no memory nodes, and nothing can join it; take the
 * parent's, as cgroup.clone_children would (without changing that flag of a cgroup not ours). Also
 * for a level that exists already: another agent may have just made it and not yet filled it (agents
 * start in parallel), and a child of an empty cpuset stays empty. */
static int cpuset_copy_parent(const char *dir) {
        static const char * const files[] = { "cpuset.cpus", "cpuset.mems" };

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *path = NULL, *parent = NULL, *value = NULL, *own = NULL;
                int r;

                if (asprintf(&path, "%s/%s", dir, files[i]) < 0 ||
                    asprintf(&parent, "%s/../%s", dir, files[i]) < 0)
                        return -ENOMEM;
                if (read_full_file(path, &own, NULL) >= 0 && !isempty(own) && !streq(own, "\n"))
                        continue;
                r = read_full_file(parent, &value, NULL);
                if (r < 0)
                        return r;
                value[strcspn(value, "\n")] = '\0';
                if (!isempty(value) && (r = write_string_file(path, value)) < 0)
                        return r;
        }
        return 0;
}

/* mkdir -p of base + sub, each new level set up for cpuset. Another agent may remove an empty parent
 * we share (its cleanup) between our mkdirs: start over then. */
static int v1_mkdir(const char *base, const char *sub, bool cpuset) {
        for (unsigned attempt = 0; attempt < V1_MKDIR_ATTEMPTS; attempt++) {
                _cleanup_free_ char *path = strdup(base);
                const char *p = sub;
                int r = 0;

                if (!path)
                        return -ENOMEM;
                while (*p && r >= 0) {
                        size_t n;
                        char *q;

                        p += strspn(p, "/");
                        n = strcspn(p, "/");
                        if (n == 0)
                                break;
                        if (asprintf(&q, "%s/%.*s", path, (int) n, p) < 0)
                                return -ENOMEM;
                        free(path);
                        path = q;
                        p += n;
                        if (mkdir(path, 0755) < 0 && errno != EEXIST)
                                r = -errno;
                        else if (cpuset)
                                r = cpuset_copy_parent(path);
                }
                if (r != -ENOENT)
                        return r;
        }
        return -ENOENT;
}

static int v1_add(Agent *a, const char *controllers, const char *own) {
        _cleanup_free_ char *base = NULL, *sub = NULL, *leaf = NULL;
        V1Hierarchy h = {};
        int r;

        r = find_v1_mount(controllers, &h);
        /* Not mounted at all is normal where cgroup2 alone is mounted (a systemd host in a container
         * on a hybrid host still lists the kernel's v1 hierarchies in /proc/self/cgroup). */
        if (r == -ENOENT)
                return log_debug_errno(r, "cgroup v1 hierarchy %s is not mounted here, skipping it.",
                                       controllers);
        if (r < 0)
                return log_warning_errno(r, "Cannot find the mount of cgroup v1 hierarchy %s, the "
                                         "container shares our cgroup there: %m", controllers);
        /* Below our own cgroup in that hierarchy. Under systemd (Delegate=yes) it has the path of our
         * cgroup2 cgroup: mirror the cgroup2 layout. Elsewhere mirror the whole payload/ path below it,
         * which is unique per container. */
        r = asprintf(&base, "%s%s", h.mount_point, streq(own, "/") ? "" : own);
        if (r >= 0)
                r = asprintf(&sub, "%s", streq(own, a->cgroup) ? "/payload" : a->payload_cgroup);
        free(h.mount_point);
        if (r < 0 || asprintf(&leaf, "%s%s", base, sub) < 0)
                return log_oom();
        r = v1_mkdir(base, sub, h.cpuset);
        if (r < 0)
                return log_warning_errno(r, "Failed to create %s, the container shares our cgroup in "
                                         "hierarchy %s: %m", leaf, controllers);
        if (strv_push(&a->payload_v1, TAKE_PTR(leaf)) < 0 || strv_push(&a->v1_bases, TAKE_PTR(base)) < 0)
                return log_oom();
        return 0;
}

/* On a hybrid host the v1 devices controller checks each access too: the same policy there. Before
 * the guest runs (devices.deny "a" is refused once the cgroup has children). */
static int v1_device_policy(Agent *a) {
        _cleanup_strv_free_ char **lines = NULL, **refused = NULL;
        const char *dir;
        int r;

        r = device_v1_find(a->payload_v1, &dir);
        if (r == -ENOENT)
                return 0;
        if (r >= 0)
                r = device_v1_plan(device_rules, device_rules_count, &lines);
        if (r >= 0)
                r = device_v1_apply(dir, lines, &refused);
        if (r < 0)
                return agent_fail(a, r, "Failed to set the device policy in %s: %m", dir);
        STRV_FOREACH(l, refused)
                log_debug("The parent of %s does not allow \"%s\", left out.", dir, *l);
        return 0;
}

int agent_cgroup_v1_setup(Agent *a) {
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t size = 0;

        f = fopen("/proc/self/cgroup", "re");
        if (!f)
                return agent_fail(a, errno, "Failed to read /proc/self/cgroup: %m");
        /* "ID:CONTROLLERS:PATH"; ID 0 is cgroup2. A hierarchy we cannot shadow is a warning, not a
         * failure: it is no worse than before. */
        while (getline(&line, &size, f) > 0) {
                char *controllers, *path;

                line[strcspn(line, "\n")] = '\0';
                controllers = strchr(line, ':');
                path = controllers ? strchr(controllers + 1, ':') : NULL;
                if (!path || strneq(line, "0:", 2))
                        continue;
                *controllers++ = '\0';
                *path++ = '\0';
                if (isempty(controllers) || path[0] != '/')
                        continue;
                if (v1_add(a, controllers, path) == -ENOMEM)
                        return agent_fail(a, -ENOMEM, "Out of memory.");
        }
        return v1_device_policy(a);
}

/* rmdir dir and the cgroups the guest may have made below it, deepest first. */
static int v1_remove_tree(const char *dir) {
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;

        d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d))) {
                _cleanup_free_ char *sub = NULL;

                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (asprintf(&sub, "%s/%s", dir, de->d_name) < 0)
                        return -ENOMEM;
                (void) v1_remove_tree(sub);
        }
        return rmdir(dir) < 0 && errno != ENOENT ? -errno : 0;
}

void agent_cgroup_v1_cleanup(Agent *a) {
        for (size_t i = 0; a->payload_v1 && a->payload_v1[i]; i++) {
                _cleanup_free_ char *p = strdup(a->payload_v1[i]);
                const char *base = a->v1_bases[i];
                int r;

                /* The container's processes are gone (its cgroup2 payload/ was emptied first). */
                r = v1_remove_tree(a->payload_v1[i]);
                if (r < 0) {
                        log_warning_errno(r, "Failed to remove cgroup %s: %m", a->payload_v1[i]);
                        continue;
                }
                /* And the levels between it and our own cgroup, once nobody else uses them. */
                while (p) {
                        char *slash = strrchr(p, '/');

                        if (!slash)
                                break;
                        *slash = '\0';
                        if (strlen(p) <= strlen(base) || rmdir(p) < 0)
                                break;
                }
        }
        a->payload_v1 = strv_free(a->payload_v1);
        a->v1_bases = strv_free(a->v1_bases);
}
