/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's mount plan (agent/mount-plan.c), checked as data: no root, no mounts. */
#include <stdarg.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "mount.h"

static unsigned n_tests, n_failed;

static void ok(bool pass, const char *format, ...) _printf_(2, 3);
static void ok(bool pass, const char *format, ...) {
        va_list ap;

        n_tests++;
        if (!pass)
                n_failed++;
        printf("%sok %u - ", pass ? "" : "not ", n_tests);
        va_start(ap, format);
        vprintf(format, ap);
        va_end(ap);
        putchar('\n');
}

static const MountEntry *find(const MountPlan *p, MountKind kind, const char *target, int *ret_index) {
        int i = mount_plan_find(p, kind, target, 0);

        if (ret_index)
                *ret_index = i;
        return i < 0 ? NULL : &p->entries[i];
}

static bool str_eq(const char *a, const char *b) {
        return a && b && streq(a, b);
}

static void test_targets(const MountPlan *p) {
        bool valid = true, kinds = true;

        for (size_t i = 0; i < p->n_entries; i++) {
                valid = valid && mount_target_is_valid(p->entries[i].target);
                kinds = kinds && mount_kind_to_string(p->entries[i].kind);
        }
        ok(p->n_entries > 20, "plan has %zu entries", p->n_entries);
        ok(valid, "every target is a clean path relative to the new root");
        ok(kinds, "every entry has a known kind");
        ok(!mount_target_is_valid("") && !mount_target_is_valid("/proc") && !mount_target_is_valid(".") &&
                   !mount_target_is_valid("a/../b") && !mount_target_is_valid("a//b") &&
                   !mount_target_is_valid("a/") && !mount_target_is_valid("..") &&
                   mount_target_is_valid("dev/pts") && mount_target_is_valid(".hidden/x"),
           "mount_target_is_valid() refuses absolute, empty and dot-dot paths");
}

static void test_proc(const MountPlan *p) {
        int i_proc, i_sys, i_net, i_ro;
        const MountEntry *proc = find(p, MOUNT_FS, "proc", &i_proc);
        const MountEntry *ro = find(p, MOUNT_READ_ONLY, "proc/sys", &i_ro);
        bool masks = true;

        ok(i_proc == 0 && str_eq(proc->fstype, "proc") &&
                   proc->ms_flags == (MS_NOSUID | MS_NODEV | MS_NOEXEC) &&
                   (proc->flags & MOUNT_MKDIR_TARGET),
           "proc is mounted first, nosuid,nodev,noexec");
        (void) find(p, MOUNT_BIND, "proc/sys", &i_sys);
        (void) find(p, MOUNT_BIND, "proc/sys/net", &i_net);
        ok(i_sys > i_proc && i_net > i_sys && i_ro > i_net &&
                   (p->entries[i_sys].flags & MOUNT_SOURCE_IN_ROOT) &&
                   str_eq(p->entries[i_net].source, "proc/sys/net"),
           "proc/sys and proc/sys/net are bound onto themselves before proc/sys goes read-only");
        ok(ro && !(ro->flags & MOUNT_RECURSIVE),
           "only the proc/sys mount is read-only: proc/sys/net stays writable");
        ok(mount_plan_find(p, MOUNT_READ_ONLY, "proc/sys/net", 0) < 0,
           "proc/sys/net is never made read-only");

        {
                static const char *const files[] = {"proc/kcore", "proc/keys", "proc/timer_list",
                                                    "proc/sysrq-trigger", "proc/kallsyms"};

                for (size_t k = 0; k < ELEMENTSOF(files); k++) {
                        const MountEntry *e = find(p, MOUNT_BIND, files[k], NULL);

                        masks = masks && e && str_eq(e->source, "/dev/null") &&
                                (e->flags & MOUNT_IF_EXISTS) &&
                                !(e->flags & (MOUNT_SOURCE_IN_ROOT | MOUNT_BEST_EFFORT));
                }
        }
        ok(masks,
           "dangerous /proc files are masked with /dev/null when present, and the mask is not optional");

        {
                const MountEntry *acpi = find(p, MOUNT_FS, "proc/acpi", NULL);
                const MountEntry *scsi = find(p, MOUNT_FS, "proc/scsi", NULL);

                ok(acpi && scsi && str_eq(acpi->fstype, "tmpfs") && (acpi->ms_flags & MS_RDONLY) &&
                           (scsi->ms_flags & MS_RDONLY) && (acpi->flags & MOUNT_IF_EXISTS),
                   "proc/acpi and proc/scsi are hidden under a read-only tmpfs");
        }
}

static void test_sys(const MountPlan *p) {
        int i_sys, i_cg;
        const MountEntry *sys = find(p, MOUNT_FS, "sys", &i_sys);
        const MountEntry *cg = find(p, MOUNT_FS, "sys/fs/cgroup", &i_cg);

        ok(sys && str_eq(sys->fstype, "sysfs") && (sys->ms_flags & MS_RDONLY) &&
                   str_eq(sys->fallback, "/sys"),
           "sysfs is read-only, with the host's /sys (bound read-only) as fallback");
        ok(cg && i_cg > i_sys && str_eq(cg->fstype, "cgroup2") && !(cg->ms_flags & MS_RDONLY) &&
                   mount_plan_find(p, MOUNT_READ_ONLY, "sys/fs/cgroup", 0) < 0,
           "cgroup2 is mounted writable on sys/fs/cgroup, after sysfs");
}

static void test_dev(const MountPlan *p, const char *console) {
        int i_dev, i_pts, i_console, i_null;
        const MountEntry *dev = find(p, MOUNT_FS, "dev", &i_dev);
        const MountEntry *pts = find(p, MOUNT_FS, "dev/pts", &i_pts);
        const MountEntry *null = find(p, MOUNT_MKNOD, "dev/null", &i_null);
        const MountEntry *c = find(p, MOUNT_BIND, "dev/console", &i_console);
        const MountEntry *ptmx = find(p, MOUNT_SYMLINK, "dev/ptmx", NULL);
        const MountEntry *fd = find(p, MOUNT_SYMLINK, "dev/fd", NULL);
        const MountEntry *tty = find(p, MOUNT_MKNOD, "dev/tty", NULL);
        const MountEntry *shm = find(p, MOUNT_FS, "dev/shm", NULL);
        const MountEntry *mq = find(p, MOUNT_FS, "dev/mqueue", NULL);

        ok(dev && str_eq(dev->fstype, "tmpfs") && (dev->ms_flags & MS_NOSUID) &&
                   !(dev->ms_flags & MS_NODEV) && strstr(dev->options, "mode=0755") &&
                   strstr(dev->options, "size="),
           "dev is a size-limited tmpfs, mode 0755, nosuid (but device nodes allowed)");
        ok(null && i_null > i_dev && null->dev == makedev(1, 3) && null->mode == (S_IFCHR | 0666) &&
                   str_eq(null->source, "/dev/null") && tty && tty->dev == makedev(5, 0),
           "device nodes are created after the tmpfs, with the host node as mknod fallback");
        ok(pts && i_pts > i_dev && str_eq(pts->fstype, "devpts") && strstr(pts->options, "newinstance") &&
                   strstr(pts->options, "ptmxmode=0666") && strstr(pts->options, "gid=5"),
           "dev/pts is a devpts instance of its own");
        ok(ptmx && str_eq(ptmx->source, "pts/ptmx") && fd && str_eq(fd->source, "/proc/self/fd"),
           "dev/ptmx and dev/fd symlinks");
        ok(shm && strstr(shm->options, "mode=1777") && (shm->ms_flags & MS_NODEV) && mq &&
                   (mq->flags & MOUNT_BEST_EFFORT),
           "dev/shm is a 1777 tmpfs; dev/mqueue is best effort");
        ok(c && i_console > i_dev && str_eq(c->source, console) && (c->flags & MOUNT_TOUCH_TARGET) &&
                   !(c->flags & MOUNT_SOURCE_IN_ROOT),
           "dev/console is the host pty slave, bound after the dev tmpfs");
}

static void test_run(const MountPlan *p) {
        int i_run, i_host, i_mgr, i_uuid, i_osr, i_notify, i_notify_ro, i_host_ro;
        const MountEntry *run = find(p, MOUNT_FS, "run", &i_run);
        const MountEntry *host = find(p, MOUNT_FS, "run/host", &i_host);
        const MountEntry *mgr, *uuid, *osr, *notify;

        mgr = find(p, MOUNT_WRITE_FILE, "run/host/container-manager", &i_mgr);
        uuid = find(p, MOUNT_WRITE_FILE, "run/host/container-uuid", &i_uuid);
        osr = find(p, MOUNT_WRITE_FILE, "run/host/os-release", &i_osr);
        notify = find(p, MOUNT_BIND, "run/host/notify", &i_notify);
        (void) find(p, MOUNT_READ_ONLY, "run/host/notify", &i_notify_ro);
        (void) find(p, MOUNT_READ_ONLY, "run/host", &i_host_ro);
        ok(run && str_eq(run->fstype, "tmpfs") && (run->ms_flags & MS_NODEV) &&
                   strstr(run->options, "mode=0755"),
           "run is a tmpfs, mode 0755, nodev");
        ok(host && i_host > i_run && str_eq(host->fstype, "tmpfs") && (host->flags & MOUNT_MKDIR_TARGET),
           "run/host is a tmpfs of its own, on /run");
        ok(i_mgr > i_host && i_uuid > i_host && str_eq(mgr->source, "sysctr\n") &&
                   str_eq(uuid->source, "0b0c1d2e-3f40-4152-8364-758697a8b9ca\n") && mgr->mode == 0444,
           "run/host/container-manager and container-uuid are written after /run/host is mounted");
        ok(osr && i_osr > i_host && str_eq(osr->source, "ID=test\n") && osr->mode == 0444,
           "run/host/os-release holds the host's os-release");
        ok(notify && i_notify > i_host && str_eq(notify->source, "/run/sysctr/containers/t/notify") &&
                   (notify->flags & MOUNT_MKDIR_TARGET) && !(notify->flags & MOUNT_SOURCE_IN_ROOT) &&
                   i_notify_ro > i_notify,
           "the notify socket's directory is bound read-only onto run/host/notify");
        ok(i_host_ro > i_mgr && i_host_ro > i_uuid && i_host_ro > i_osr && i_host_ro > i_notify_ro &&
                   !(p->entries[i_host_ro].flags & MOUNT_RECURSIVE),
           "run/host goes read-only last, once filled");
        ok(mount_plan_find(p, MOUNT_FS, "tmp", 0) < 0, "tmp is left to the guest");
}

static void test_host_sources(const MountPlan *p, const char *console) {
        bool only_known = true;

        /* A bind from the host is a hole in the container; only these may appear. */
        for (size_t i = 0; i < p->n_entries; i++) {
                const MountEntry *e = &p->entries[i];

                if (e->kind != MOUNT_BIND || (e->flags & MOUNT_SOURCE_IN_ROOT))
                        continue;
                only_known = only_known && (str_eq(e->source, "/dev/null") || str_eq(e->source, console) ||
                                            str_eq(e->source, "/run/sysctr/containers/t/notify"));
        }
        ok(only_known, "the only host paths bound into the container are /dev/null, the console and the "
                       "notify socket's directory");
}

static void test_no_console(void) {
        _cleanup_(mount_plan_freep) MountPlan *p = NULL;
        MountPlan *bad = NULL;
        int r;

        r = mount_plan_build(&(MountPlanParams){}, &p);
        ok(r == 0 && mount_plan_find(p, MOUNT_BIND, "dev/console", 0) < 0 &&
                   mount_plan_find(p, MOUNT_WRITE_FILE, "run/host/container-uuid", 0) < 0 &&
                   mount_plan_find(p, MOUNT_WRITE_FILE, "run/host/os-release", 0) < 0 &&
                   mount_plan_find(p, MOUNT_BIND, "run/host/notify", 0) < 0 &&
                   mount_plan_find(p, MOUNT_WRITE_FILE, "run/host/container-manager", 0) >= 0,
           "without console, UUID, os-release and notify dir: only container-manager");
        r = mount_plan_build(&(MountPlanParams){.console = "pts/3"}, &bad);
        ok(r == -EINVAL && !bad, "a relative console path is refused");
        r = mount_plan_build(&(MountPlanParams){.container_uuid = "x\ny"}, &bad);
        ok(r == -EINVAL && !bad, "a UUID with a newline is refused");
        r = mount_plan_build(&(MountPlanParams){.notify_dir = "run/notify"}, &bad);
        ok(r == -EINVAL && !bad, "a relative notify dir is refused");
}

static void test_overlay(void) {
        _cleanup_free_ char *o = NULL;
        char *bad = NULL;
        int r;

        r = mount_overlay_options("/i/rootfs", "/c/upper", "/c/work", false, &o);
        ok(r == 0 && str_eq(o, "lowerdir=/i/rootfs,upperdir=/c/upper,workdir=/c/work,index=off,xino=off"),
           "overlay options: %s", strna(o));
        o = mfree(o);
        r = mount_overlay_options("/r/lower", "/proc/self/fd/7", "/proc/self/fd/8", true, &o);
        ok(r == 0 && str_eq(o, "lowerdir=/r/lower,upperdir=/proc/self/fd/7,workdir=/proc/self/fd/8,index=off,xino=off,"
                               "userxattr"),
           "overlay options in a user namespace: %s", strna(o));
        ok(mount_overlay_options("/i,x", "/u", "/w", false, &bad) == -EINVAL &&
                   mount_overlay_options("/i", "/u:x", "/w", false, &bad) == -EINVAL &&
                   mount_overlay_options("/i", "/u", "w", false, &bad) == -EINVAL &&
                   mount_overlay_options("/i", "/u", "/w\\", false, &bad) == -EINVAL && !bad,
           "overlay layer paths with option syntax characters or relative paths are refused");
}

static void test_strings(const MountPlan *p) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

        (void) mount_entry_to_string(&p->entries[0], &a);
        (void) mount_entry_to_string(find(p, MOUNT_BIND, "proc/sys", NULL), &b);
        (void) mount_entry_to_string(find(p, MOUNT_MKNOD, "dev/null", NULL), &c);
        ok(str_eq(a, "fs proc on proc (nosuid,nodev,noexec)") &&
                   str_eq(b, "bind root:proc/sys onto proc/sys") && str_eq(c, "mknod dev/null 1:3"),
           "entries describe themselves for error messages: '%s', '%s', '%s'", strna(a), strna(b), strna(c));
        ok(mount_kind_from_string("read-only") == MOUNT_READ_ONLY && mount_kind_from_string("nope") < 0 &&
                   str_eq(mount_kind_to_string(MOUNT_WRITE_FILE), "write-file") && !mount_kind_to_string(-1),
           "mount kind string table");
}

static void test_binds(void) {
        /* Sources must exist (directory or file decides the mount point's kind); "/" and /dev/null
         * exist everywhere. */
        char *binds[] = { (char *) "/:/mnt/host:ro", (char *) "/dev/null:/etc/blank", NULL };
        char *bad[] = { (char *) "/:/proc/x", NULL };
        _cleanup_(mount_plan_freep) MountPlan *p = NULL;
        MountPlan *q = NULL;
        int i_std, i_dir, i_ro, i_file;
        const MountEntry *dir, *ro, *file;

        ok(mount_plan_build(&(MountPlanParams) { .binds = binds }, &p) == 0, "a plan with binds builds");
        if (!p)
                return;
        (void) find(p, MOUNT_FS, "run", &i_std);
        dir = find(p, MOUNT_BIND, "mnt/host", &i_dir);
        ro = find(p, MOUNT_READ_ONLY, "mnt/host", &i_ro);
        file = find(p, MOUNT_BIND, "etc/blank", &i_file);
        ok(dir && str_eq(dir->source, "/") && (dir->flags & MOUNT_MKDIR_TARGET) && (dir->flags & MOUNT_RECURSIVE) &&
                   !(dir->flags & MOUNT_SOURCE_IN_ROOT),
           "a directory is bound recursively from the host onto a directory made if missing");
        ok(ro && (ro->flags & MOUNT_RECURSIVE) && i_ro > i_dir, ":ro makes the bind (and below) read-only after it");
        ok(file && str_eq(file->source, "/dev/null") && (file->flags & MOUNT_TOUCH_TARGET),
           "a file is bound onto a file made if missing");
        ok(i_std < i_dir && i_dir < i_file, "binds come after the standard mounts, in the order given");
        ok(mount_plan_build(&(MountPlanParams) { .binds = bad }, &q) == -EINVAL && !q,
           "a bind into /proc is refused");
}

int main(void) {
        const char *console = "/dev/pts/7";
        _cleanup_(mount_plan_freep) MountPlan *p = NULL;
        int r;

        r = mount_plan_build(&(MountPlanParams){.console = console,
                                                .container_uuid = "0b0c1d2e-3f40-4152-8364-758697a8b9ca",
                                                .notify_dir = "/run/sysctr/containers/t/notify",
                                                .os_release = "ID=test\n"},
                             &p);
        if (r < 0) {
                printf("1..1\nnot ok 1 - mount_plan_build() failed: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        test_targets(p);
        test_proc(p);
        test_sys(p);
        test_dev(p, console);
        test_run(p);
        test_host_sources(p, console);
        test_no_console();
        test_overlay();
        test_strings(p);
        test_binds();
        /* TAP allows the plan at the end: no count to keep in sync by hand. */
        printf("1..%u\n", n_tests);
        return n_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
