/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "cgroup-util.h"
#include "fileio.h"
#include "limits.h"
#include "log.h"
#include "manager.h"
#include "backend.h"
#include "paths.h"

#define CPU_PERIOD_USEC 100000ULL

static const char * const v2_controllers[] = { "memory", "pids", "cpu" };

/* v1 hierarchies we use on a hybrid host, when cgroup2 has no controllers. */
static const char * const v1_controllers[] = { "memory", "pids", "cpu", "cpuacct" };

static bool v1_present(const char *controller) {
        char p[128];
        struct statfs fs;

        (void) snprintf(p, sizeof(p), "/sys/fs/cgroup/%s", controller);
        return statfs(p, &fs) >= 0 && fs.f_type == CGROUP_SUPER_MAGIC;
}

static char *v1_path(const char *controller, const char *cgroup, const char *attribute) {
        char *p;

        if (asprintf(&p, "/sys/fs/cgroup/%s%s%s%s", controller, cgroup, attribute ? "/" : "",
                     strempty(attribute)) < 0)
                return NULL;
        return p;
}

/* Does cgroup2 carry this controller for our cgroups? */
static bool v2_has(const char *controller) {
        _cleanup_free_ char *p = NULL, *text = NULL;
        const char *mnt;

        if (cg_mount_point(&mnt) < 0 || asprintf(&p, "%s/cgroup.controllers", mnt) < 0 ||
            read_full_file(p, &text, NULL) < 0)
                return false;
        for (char *w = strtok(text, " \n"); w; w = strtok(NULL, " \n"))
                if (streq(w, controller))
                        return true;
        return false;
}

/* Enable memory, pids, cpu in every ancestor of the cgroup (root first), so that its files exist. */
static void v2_enable_controllers(const char *cgroup) {
        size_t n = strlen(cgroup);

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *ancestor = NULL, *path = NULL;

                if (cgroup[i] != '/')
                        continue;
                ancestor = i == 0 ? strdup("/") : strndup(cgroup, i);
                if (!ancestor || cg_full_path(ancestor, "cgroup.subtree_control", &path) < 0)
                        return;
                for (size_t k = 0; k < ELEMENTSOF(v2_controllers); k++)
                        if (v2_has(v2_controllers[k])) {
                                char w[32];

                                (void) snprintf(w, sizeof(w), "+%s", v2_controllers[k]);
                                (void) write_string_file(path, w);
                        }
        }
}

int limits_standalone_prepare(const char *cgroup) {
        v2_enable_controllers(cgroup);
        for (size_t i = 0; i < ELEMENTSOF(v1_controllers); i++) {
                _cleanup_free_ char *p = NULL;

                if (v2_has(v1_controllers[i]) || !v1_present(v1_controllers[i]))
                        continue;
                p = v1_path(v1_controllers[i], cgroup, NULL);
                if (!p)
                        return -ENOMEM;
                /* The parent first ("sysctr.slice"), then ours. */
                *strrchr(p, '/') = '\0';
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        return -errno;
                p[strlen(p)] = '/';
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        return -errno;
        }
        return 0;
}

int limits_standalone_attach(const char *cgroup, pid_t pid) {
        for (size_t i = 0; i < ELEMENTSOF(v1_controllers); i++) {
                _cleanup_free_ char *p = NULL;
                char w[32];
                int r;

                if (v2_has(v1_controllers[i]) || !v1_present(v1_controllers[i]))
                        continue;
                p = v1_path(v1_controllers[i], cgroup, "cgroup.procs");
                if (!p)
                        return -ENOMEM;
                (void) snprintf(w, sizeof(w), "%d", (int) (pid ?: getpid()));
                r = write_string_file(p, w);
                if (r < 0)
                        return r;
        }
        return 0;
}

void limits_standalone_cleanup(const char *cgroup) {
        for (size_t i = 0; i < ELEMENTSOF(v1_controllers); i++) {
                _cleanup_free_ char *p = NULL;

                if (!v1_present(v1_controllers[i]))
                        continue;
                p = v1_path(v1_controllers[i], cgroup, NULL);
                /* Empty by now: the v2 cgroup was killed and waited for, and it held the same tasks. */
                if (p && rmdir(p) < 0 && errno != ENOENT)
                        log_debug_errno(-errno, "Failed to remove %s: %m", p);
        }
}

static int write_limit(const char *controller, const char *cgroup, const char *attribute, const char *value) {
        _cleanup_free_ char *p = NULL;

        if (v2_has(controller)) {
                if (cg_full_path(cgroup, attribute, &p) < 0)
                        return -ENOMEM;
        } else if (v1_present(controller))
                p = v1_path(controller, cgroup, attribute);
        else
                return -EOPNOTSUPP;
        if (!p)
                return -ENOMEM;
        return write_string_file(p, value);
}

int limits_standalone_write(Container *c) {
        _cleanup_free_ char *cgroup = sysctr_unit_cgroup(c->name, false);
        const ContainerConfig *cfg = c->config;
        bool v2_mem = v2_has("memory"), v2_cpu = v2_has("cpu");
        char buf[64];
        int r = 0, q;

        if (!cgroup)
                return -ENOMEM;

        if (cfg->memory_max > 0)
                (void) snprintf(buf, sizeof(buf), "%llu", (unsigned long long) cfg->memory_max);
        else
                (void) snprintf(buf, sizeof(buf), "%s", v2_mem ? "max" : "-1");
        q = write_limit("memory", cgroup, v2_mem ? "memory.max" : "memory.limit_in_bytes", buf);
        if (q < 0 && (q != -EOPNOTSUPP || cfg->memory_max > 0))
                r = q;

        if (cfg->tasks_max > 0)
                (void) snprintf(buf, sizeof(buf), "%llu", (unsigned long long) cfg->tasks_max);
        else
                (void) snprintf(buf, sizeof(buf), "max");
        q = write_limit("pids", cgroup, "pids.max", buf);
        if (q < 0 && (q != -EOPNOTSUPP || cfg->tasks_max > 0))
                r = q;

        if (v2_cpu) {
                if (cfg->cpu_millis > 0)
                        (void) snprintf(buf, sizeof(buf), "%llu %llu",
                                        (unsigned long long) cfg->cpu_millis * CPU_PERIOD_USEC / 1000, CPU_PERIOD_USEC);
                else
                        (void) snprintf(buf, sizeof(buf), "max %llu", CPU_PERIOD_USEC);
                q = write_limit("cpu", cgroup, "cpu.max", buf);
        } else {
                (void) snprintf(buf, sizeof(buf), "%llu", CPU_PERIOD_USEC);
                q = write_limit("cpu", cgroup, "cpu.cfs_period_us", buf);
                if (q >= 0) {
                        if (cfg->cpu_millis > 0)
                                (void) snprintf(buf, sizeof(buf), "%llu",
                                                (unsigned long long) cfg->cpu_millis * CPU_PERIOD_USEC / 1000);
                        else
                                (void) snprintf(buf, sizeof(buf), "-1");
                        q = write_limit("cpu", cgroup, "cpu.cfs_quota_us", buf);
                }
        }
        if (q < 0 && (q != -EOPNOTSUPP || cfg->cpu_millis > 0))
                r = q;
        return r;
}

static uint64_t read_u64(const char *path, const char *key) {
        _cleanup_free_ char *text = NULL;
        char *p;

        if (!path || read_full_file(path, &text, NULL) < 0)
                return UINT64_MAX;
        if (!key)
                return strtoull(text, NULL, 10);
        for (p = strtok(text, "\n"); p; p = strtok(NULL, "\n"))
                if (strneq(p, key, strlen(key)) && p[strlen(key)] == ' ')
                        return strtoull(p + strlen(key) + 1, NULL, 10);
        return UINT64_MAX;
}

void limits_usage(Container *c, CgroupUsage *ret) {
        _cleanup_free_ char *cgroup = NULL, *p = NULL;
        uint64_t v;

        *ret = (CgroupUsage) { UINT64_MAX, UINT64_MAX, UINT64_MAX };
        if (!container_is_active(c))
                return;
        cgroup = backend_unit_cgroup(c);
        if (!cgroup)
                return;

        if (v2_has("memory") && cg_full_path(cgroup, "memory.current", &p) >= 0)
                ret->memory_current = read_u64(p, NULL);
        else if (v1_present("memory"))
                ret->memory_current = read_u64((p = v1_path("memory", cgroup, "memory.usage_in_bytes")), NULL);
        free(p);
        p = NULL;
        if (cg_full_path(cgroup, "cpu.stat", &p) >= 0 && (v = read_u64(p, "usage_usec")) != UINT64_MAX)
                ret->cpu_usage_nsec = v * 1000;
        else if (v1_present("cpuacct")) {
                free(p);
                ret->cpu_usage_nsec = read_u64((p = v1_path("cpuacct", cgroup, "cpuacct.usage")), NULL);
        }
        free(p);
        p = NULL;
        if (v2_has("pids") && cg_full_path(cgroup, "pids.current", &p) >= 0)
                ret->tasks_current = read_u64(p, NULL);
        else if (v1_present("pids"))
                ret->tasks_current = read_u64((p = v1_path("pids", cgroup, "pids.current")), NULL);
}
