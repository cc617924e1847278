/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "bind.h"
#include "mount.h"
#include "strv.h"

/* The container's API file systems, modelled on what systemd's container interface
 * (docs/CONTAINER_INTERFACE.md) promises a guest: /proc with /proc/sys read-only except
 * /proc/sys/net, a read-only /sys with a writable cgroup2 tree, a private /dev, /run as tmpfs. */

#define PROC_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)

static const char * const mount_kind_table[_MOUNT_KIND_MAX] = {
        [MOUNT_FS] = "fs",
        [MOUNT_BIND] = "bind",
        [MOUNT_READ_ONLY] = "read-only",
        [MOUNT_MKDIR] = "mkdir",
        [MOUNT_MKNOD] = "mknod",
        [MOUNT_SYMLINK] = "symlink",
        [MOUNT_WRITE_FILE] = "write-file",
};

DEFINE_STRING_TABLE_LOOKUP(mount_kind, MountKind, _MOUNT_KIND_MAX);

/* Kernel information that a guest must not read, or that lets it act on the host. Masked with
 * /dev/null when present (which ones exist depends on the kernel configuration). */
static const char * const proc_masked_files[] = {
        "proc/kallsyms", "proc/kcore", "proc/keys", "proc/latency_stats", "proc/sched_debug",
        "proc/sysrq-trigger", "proc/timer_list", "proc/timer_stats",
};

/* Host hardware and driver knobs: hidden under an empty read-only tmpfs... */
static const char * const proc_hidden_dirs[] = { "proc/acpi", "proc/scsi" };
/* ...or kept readable but made read-only. */
static const char * const proc_read_only_dirs[] = { "proc/asound", "proc/bus", "proc/fs", "proc/irq" };

typedef struct DevNode {
        const char *name;
        unsigned major, minor;
} DevNode;

/* The nodes of devices.txt that every container may use; the rest of /dev stays empty. */
static const DevNode dev_nodes[] = {
        { "null", 1, 3 }, { "zero", 1, 5 },    { "full", 1, 7 },
        { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static const char * const dev_symlinks[][2] = {
        { "dev/fd", "/proc/self/fd" },    { "dev/stdin", "/proc/self/fd/0" },
        { "dev/stdout", "/proc/self/fd/1" }, { "dev/stderr", "/proc/self/fd/2" },
        { "dev/ptmx", "pts/ptmx" },
};

MountPlan *mount_plan_free(MountPlan *p) {
        if (!p)
                return NULL;
        free(p->entries);
        strv_free(p->strings);
        free(p);
        return NULL;
}

static int plan_add(MountPlan *p, MountEntry e) {
        MountEntry *n;

        assert(mount_target_is_valid(e.target));
        n = realloc(p->entries, (p->n_entries + 1) * sizeof(MountEntry));
        if (!n)
                return -ENOMEM;
        p->entries = n;
        p->entries[p->n_entries++] = e;
        return 0;
}

/* A copy of s that lives as long as the plan. */
static const char *plan_keep(MountPlan *p, const char *s) {
        char *c = strdup(s);

        if (!c || strv_push(&p->strings, c) < 0)
                return NULL;
        return c;
}

static int plan_proc(MountPlan *p) {
        int r;

        r = plan_add(p, (MountEntry) { MOUNT_FS, MOUNT_MKDIR_TARGET, "proc", "proc", "proc", PROC_FLAGS });
        /* Like systemd-nspawn: bind /proc/sys and /proc/sys/net onto themselves, then make only the
         * /proc/sys mount read-only, so the guest can still configure its own network namespace but
         * not host-wide settings such as kernel.pid_max. */
        if (r >= 0)
                r = plan_add(p, (MountEntry) { MOUNT_BIND, MOUNT_SOURCE_IN_ROOT, "proc/sys", "proc/sys" });
        if (r >= 0)
                r = plan_add(p, (MountEntry) { MOUNT_BIND, MOUNT_SOURCE_IN_ROOT, "proc/sys/net",
                                               "proc/sys/net" });
        if (r >= 0)
                r = plan_add(p, (MountEntry) { MOUNT_READ_ONLY, 0, "proc/sys" });
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(proc_masked_files); i++)
                r = plan_add(p, (MountEntry) { MOUNT_BIND, MOUNT_IF_EXISTS, proc_masked_files[i],
                                               "/dev/null" });
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(proc_hidden_dirs); i++)
                r = plan_add(p, (MountEntry) { MOUNT_FS, MOUNT_IF_EXISTS, proc_hidden_dirs[i], "tmpfs",
                                               "tmpfs", MS_RDONLY | PROC_FLAGS, "mode=0555" });
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(proc_read_only_dirs); i++) {
                r = plan_add(p, (MountEntry) { MOUNT_BIND, MOUNT_IF_EXISTS | MOUNT_SOURCE_IN_ROOT,
                                               proc_read_only_dirs[i], proc_read_only_dirs[i] });
                if (r >= 0)
                        r = plan_add(p, (MountEntry) { MOUNT_READ_ONLY, MOUNT_IF_EXISTS,
                                                       proc_read_only_dirs[i] });
        }
        return r;
}

static int plan_sys(MountPlan *p) {
        int r;

        r = plan_add(p, (MountEntry) { MOUNT_FS, MOUNT_MKDIR_TARGET, "sys", "sysfs", "sysfs",
                                       MS_RDONLY | PROC_FLAGS, .fallback = "/sys" });
        /* The child is in its own cgroup namespace by now, so this cgroup2 mount is rooted at
         * payload/. It stays writable: the guest's systemd manages its delegated subtree. Never
         * leave it empty: a guest systemd would then mount the host's v1 hierarchies itself. */
        if (r >= 0)
                r = plan_add(p, (MountEntry) { MOUNT_FS, 0, "sys/fs/cgroup", "cgroup2", "cgroup2",
                                               PROC_FLAGS });
        return r;
}

static int plan_dev(MountPlan *p, const char *console) {
        int r;

        r = plan_add(p, (MountEntry) { MOUNT_FS, MOUNT_MKDIR_TARGET, "dev", "tmpfs", "tmpfs",
                                       MS_NOSUID | MS_STRICTATIME, "mode=0755,size=4m,nr_inodes=64k" });
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(dev_nodes); i++) {
                char target[32], host[32];
                const char *t, *h;

                (void) snprintf(target, sizeof(target), "dev/%s", dev_nodes[i].name);
                (void) snprintf(host, sizeof(host), "/dev/%s", dev_nodes[i].name);
                t = plan_keep(p, target);
                h = plan_keep(p, host);
                if (!t || !h)
                        return -ENOMEM;
                r = plan_add(p, (MountEntry) { MOUNT_MKNOD, 0, t, h, .mode = S_IFCHR | 0666,
                                               .dev = makedev(dev_nodes[i].major, dev_nodes[i].minor) });
        }
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(dev_symlinks); i++)
                r = plan_add(p, (MountEntry) { MOUNT_SYMLINK, 0, dev_symlinks[i][0], dev_symlinks[i][1] });
        /* A devpts instance of its own (newinstance is implied since Linux 4.7): the guest's ptys are
         * not the host's. gid=5 is "tty" on every distribution we boot. */
        if (r >= 0)
                r = plan_add(p, (MountEntry) { MOUNT_FS, MOUNT_MKDIR_TARGET, "dev/pts", "devpts", "devpts",
                                               MS_NOSUID | MS_NOEXEC,
                                               "newinstance,ptmxmode=0666,mode=0620,gid=5" });
        if (r >= 0)
                r = plan_add(p, (MountEntry) { MOUNT_FS, MOUNT_MKDIR_TARGET, "dev/shm", "tmpfs", "tmpfs",
                                               MS_NOSUID | MS_NODEV | MS_STRICTATIME, "mode=1777" });
        if (r >= 0)
                r = plan_add(p, (MountEntry) { MOUNT_FS, MOUNT_MKDIR_TARGET | MOUNT_BEST_EFFORT,
                                               "dev/mqueue", "mqueue", "mqueue", PROC_FLAGS });
        if (r >= 0 && console) {
                const char *c = plan_keep(p, console);

                if (!c)
                        return -ENOMEM;
                r = plan_add(p, (MountEntry) { MOUNT_BIND, MOUNT_TOUCH_TARGET, "dev/console", c });
        }
        return r;
}

/* A copy of text, as a plan string; NULL on OOM. */
static const char *plan_keep_line(MountPlan *p, const char *text, bool add_newline) {
        _cleanup_free_ char *t = NULL;

        if (asprintf(&t, "%s%s", text, add_newline ? "\n" : "") < 0)
                return NULL;
        return plan_keep(p, t);
}

static int plan_run_host(MountPlan *p, const MountPlanParams *params) {
        const char *k;
        int r;

        /* systemd's container interface: /run/host/ tells the guest who runs it. A tmpfs of its own,
         * read-only once filled, so the guest cannot forge what its tools read there. */
        r = plan_add(p, (MountEntry) { MOUNT_FS, MOUNT_MKDIR_TARGET, "run/host", "tmpfs", "tmpfs",
                                       MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=1m,nr_inodes=1k" });
        if (r >= 0)
                r = plan_add(p, (MountEntry) { MOUNT_WRITE_FILE, 0, "run/host/container-manager", "sysctr\n",
                                               .mode = 0444 });
        if (r >= 0 && params->container_uuid) {
                k = plan_keep_line(p, params->container_uuid, true);
                if (!k)
                        return -ENOMEM;
                r = plan_add(p, (MountEntry) { MOUNT_WRITE_FILE, 0, "run/host/container-uuid", k,
                                               .mode = 0444 });
        }
        /* The host's os-release, as nspawn provides it: the guest learns what it runs on. */
        if (r >= 0 && params->os_release) {
                k = plan_keep_line(p, params->os_release, false);
                if (!k)
                        return -ENOMEM;
                r = plan_add(p, (MountEntry) { MOUNT_WRITE_FILE, 0, "run/host/os-release", k,
                                               .mode = 0444 });
        }
        /* The notify socket's own directory, read-only: the guest can talk on the socket (a socket
         * inode works on a read-only mount) but not replace it. */
        if (r >= 0 && params->notify_dir) {
                k = plan_keep(p, params->notify_dir);
                if (!k)
                        return -ENOMEM;
                r = plan_add(p, (MountEntry) { MOUNT_BIND, MOUNT_MKDIR_TARGET, "run/host/notify", k });
                if (r >= 0)
                        r = plan_add(p, (MountEntry) { MOUNT_READ_ONLY, 0, "run/host/notify" });
        }
        /* A boot ID of its own for each boot of the guest, as nspawn gives it: otherwise the guest
         * sees the host's, and its journal cannot tell one boot from the next. */
        if (r >= 0 && params->boot_id) {
                k = plan_keep_line(p, params->boot_id, true);
                if (!k)
                        return -ENOMEM;
                r = plan_add(p, (MountEntry) { MOUNT_WRITE_FILE, 0, "run/host/boot-id", k, .mode = 0444 });
                if (r >= 0)
                        r = plan_add(p, (MountEntry) { MOUNT_BIND, MOUNT_SOURCE_IN_ROOT | MOUNT_IF_EXISTS,
                                                       "proc/sys/kernel/random/boot_id", "run/host/boot-id" });
        }
        if (r >= 0)
                r = plan_add(p, (MountEntry) { MOUNT_READ_ONLY, 0, "run/host" });
        return r;
}

static int plan_run(MountPlan *p, const MountPlanParams *params) {
        int r;

        r = plan_add(p, (MountEntry) { MOUNT_FS, MOUNT_MKDIR_TARGET, "run", "tmpfs", "tmpfs",
                                       MS_NOSUID | MS_NODEV | MS_STRICTATIME,
                                       "mode=0755,size=20%,nr_inodes=800k" });
        if (r >= 0)
                r = plan_run_host(p, params);
        return r;
}

/* The user's binds, last, so that they can sit on the standard mounts (e.g. below /run) and on
 * each other in the order given. A directory is mounted on a directory, anything else on a file;
 * the mount point is made in the container's own layer if missing. Recursive, as Docker's. */
static int plan_binds(MountPlan *p, char * const *binds) {
        STRV_FOREACH(b, binds) {
                _cleanup_(bind_spec_done) BindSpec spec = {};
                const char *source, *target;
                struct stat st;
                int r;

                r = bind_spec_parse(*b, &spec);
                if (r < 0)
                        return r;
                source = plan_keep(p, spec.source);
                target = plan_keep(p, spec.target + 1);         /* relative to the new root */
                if (!source || !target)
                        return -ENOMEM;
                if (stat(spec.source, &st) < 0)
                        return -errno;
                r = plan_add(p, (MountEntry) { MOUNT_BIND,
                                               MOUNT_RECURSIVE | (spec.idmap ? MOUNT_IDMAP : 0) |
                                               (S_ISDIR(st.st_mode) ? MOUNT_MKDIR_TARGET : MOUNT_TOUCH_TARGET),
                                               target, source });
                if (r >= 0 && spec.read_only)
                        r = plan_add(p, (MountEntry) { MOUNT_READ_ONLY, MOUNT_RECURSIVE, target });
                if (r < 0)
                        return r;
        }
        return 0;
}

int mount_plan_build(const MountPlanParams *params, MountPlan **ret) {
        _cleanup_(mount_plan_freep) MountPlan *p = NULL;
        int r;

        if (params->console && params->console[0] != '/')
                return -EINVAL;
        if (params->container_uuid && strchr(params->container_uuid, '\n'))
                return -EINVAL;
        if (params->notify_dir && params->notify_dir[0] != '/')
                return -EINVAL;
        p = calloc(1, sizeof(MountPlan));
        if (!p)
                return -ENOMEM;
        /* Order matters within each part: /proc/sys/net is bound before /proc/sys is made read-only,
         * the nodes and /dev/console come after the /dev tmpfs, /run/host after /run. */
        r = plan_proc(p);
        if (r >= 0)
                r = plan_sys(p);
        if (r >= 0)
                r = plan_dev(p, params->console);
        if (r >= 0)
                r = plan_run(p, params);
        if (r >= 0)
                r = plan_binds(p, params->binds);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

int mount_plan_find(const MountPlan *p, MountKind kind, const char *target, size_t start) {
        for (size_t i = start; i < p->n_entries; i++)
                if (p->entries[i].kind == kind && streq(p->entries[i].target, target))
                        return (int) i;
        return -ENOENT;
}

bool mount_target_is_valid(const char *target) {
        const char *s = target;

        if (isempty(target) || target[0] == '/')
                return false;
        for (;;) {
                size_t n = strcspn(s, "/");

                if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
                        return false;
                if (s[n] == '\0')
                        return true;
                s += n + 1;
        }
}

static void flags_to_string(unsigned long f, char *buf, size_t size) {
        static const struct {
                unsigned long flag;
                const char *name;
        } names[] = {
                { MS_RDONLY, "ro" },       { MS_NOSUID, "nosuid" }, { MS_NODEV, "nodev" },
                { MS_NOEXEC, "noexec" },   { MS_STRICTATIME, "strictatime" },
        };
        size_t n = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (f & names[i].flag)
                        n += (size_t) snprintf(buf + n, n < size ? size - n : 0, "%s%s", n ? "," : "",
                                               names[i].name);
}

int mount_entry_to_string(const MountEntry *e, char **ret) {
        char flags[64];
        int k;

        flags_to_string(e->ms_flags, flags, sizeof(flags));
        switch (e->kind) {
        case MOUNT_FS:
                k = asprintf(ret, "fs %s on %s (%s%s%s)", e->fstype, e->target, flags,
                             flags[0] && e->options ? "," : "", strempty(e->options));
                break;
        case MOUNT_BIND:
                k = asprintf(ret, "bind %s%s onto %s", e->flags & MOUNT_SOURCE_IN_ROOT ? "root:" : "",
                             e->source, e->target);
                break;
        case MOUNT_MKNOD:
                k = asprintf(ret, "mknod %s %u:%u", e->target, major(e->dev), minor(e->dev));
                break;
        case MOUNT_SYMLINK:
                k = asprintf(ret, "symlink %s -> %s", e->target, e->source);
                break;
        case MOUNT_READ_ONLY:
        case MOUNT_MKDIR:
        case MOUNT_WRITE_FILE:
                k = asprintf(ret, "%s %s", mount_kind_to_string(e->kind), e->target);
                break;
        default:
                return -EINVAL;
        }
        return k < 0 ? -ENOMEM : 0;
}

static bool overlay_path_is_safe(const char *p) {
        return p && p[0] == '/' && !strpbrk(p, ",:\\=\n");
}

int mount_overlay_options(const char *lower, const char *upper, const char *work, bool userxattr, char **ret) {
        if (!overlay_path_is_safe(lower) || !overlay_path_is_safe(upper) || !overlay_path_is_safe(work))
                return -EINVAL;
        /* index=off: with the index on, overlayfs refuses (EBUSY) an upper dir that is still marked in
         * use, which can happen for a moment when a guest reboots and the old mount namespace is
         * still being torn down. xino=off: lower and upper may live on different file systems. */
        if (asprintf(ret, "lowerdir=%s,upperdir=%s,workdir=%s,index=off,xino=off%s", lower, upper, work,
                     userxattr ? ",userxattr" : "") < 0)
                return -ENOMEM;
        return 0;
}
