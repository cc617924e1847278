/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "fileio.h"
#include "userns.h"

int userns_write_maps(pid_t pid, uint32_t base, uint32_t count) {
        char path[64], map[64];
        int r;

        (void) snprintf(map, sizeof(map), "0 %" PRIu32 " %" PRIu32 "\n", base, count);
        (void) snprintf(path, sizeof(path), "/proc/%d/uid_map", (int) pid);
        r = write_string_file(path, map);
        if (r < 0)
                return r;
        (void) snprintf(path, sizeof(path), "/proc/%d/gid_map", (int) pid);
        return write_string_file(path, map);
}

int userns_idmapped_tree(pid_t pid, const char *path, bool recursive, int *ret_fd) {
        _cleanup_close_ int userns_fd = -EBADF, tree_fd = -EBADF;
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };
        char ns[64];

        (void) snprintf(ns, sizeof(ns), "/proc/%d/ns/user", (int) pid);
        userns_fd = open(ns, O_RDONLY | O_CLOEXEC);
        if (userns_fd < 0)
                return -errno;
        /* No glibc wrappers for the new mount API on Debian 12. */
        tree_fd = (int) syscall(SYS_open_tree, AT_FDCWD, path,
                                OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
        if (tree_fd < 0)
                return -errno;
        attr.userns_fd = (uint64_t) userns_fd;
        if (syscall(SYS_mount_setattr, tree_fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
                    sizeof(attr)) < 0)
                return -errno;
        *ret_fd = TAKE_FD(tree_fd);
        return 0;
}

int userns_chown_cgroup(const char *dir, uint32_t base) {
        static const char * const files[] = { "cgroup.procs", "cgroup.subtree_control", "cgroup.threads" };
        _cleanup_close_ int fd = -EBADF;

        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fchown(fd, base, base) < 0)
                return -errno;
        for (size_t i = 0; i < ELEMENTSOF(files); i++)
                if (fchownat(fd, files[i], base, base, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
                        return -errno;
        return 0;
}

int userns_nested_apivfs(const char *dir) {
        _cleanup_free_ char *proc = NULL, *sys = NULL;

        if (asprintf(&proc, "%s/proc", dir) < 0 || asprintf(&sys, "%s/sys", dir) < 0)
                return -ENOMEM;
        if ((mkdir(dir, 0700) < 0 && errno != EEXIST) || (mkdir(proc, 0755) < 0 && errno != EEXIST) ||
            (mkdir(sys, 0755) < 0 && errno != EEXIST))
                return -errno;
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
                return -errno;
        if (mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
            mount("sysfs", sys, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL) < 0)
                return -errno;
        return 0;
}

int userns_nested_apivfs_release(const char *dir) {
        _cleanup_free_ char *proc = NULL, *sys = NULL;

        if (asprintf(&proc, "%s/proc", dir) < 0 || asprintf(&sys, "%s/sys", dir) < 0)
                return -ENOMEM;
        (void) umount2(proc, MNT_DETACH);
        (void) umount2(sys, MNT_DETACH);
        (void) rmdir(proc);
        (void) rmdir(sys);
        return rmdir(dir) < 0 && errno != ENOENT ? -errno : 0;
}
