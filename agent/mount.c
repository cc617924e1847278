/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <linux/mount.h>
#include <stdlib.h>

#include "guest-path.h"
#include "mount.h"

/* The apply layer of the mount plan. Runs in the container's child, in its private mount namespace,
 * before pivot_root: the new root is a tree the guest controls (its overlay upper layer), so every
 * path in it is resolved with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS) and mounted onto
 * through /proc/self/fd/N, and what we create there is made with *at() calls and O_NOFOLLOW below
 * such a directory fd. A symlink the guest planted on a target (/dev -> /etc, /run -> /) fails the
 * start with ELOOP, as LXC's safe mounts do, rather than moving our mounts where the guest wants
 * them. No mount target of the plan is a symlink in any sane image. */

typedef struct FdPath {
        char buf[32];
} FdPath;

static const char *fd_path(int fd, FdPath *p) {
        (void) snprintf(p->buf, sizeof(p->buf), "/proc/self/fd/%d", fd);
        return p->buf;
}

static int open_in_root(int root_fd, const char *path, int flags) {
        return guest_open(root_fd, path, flags | O_PATH, 0);
}

static int make_mount_point(int root_fd, const MountEntry *e) {
        _cleanup_close_ int parent_fd = -EBADF, fd = -EBADF;
        const char *base;

        if (!(e->flags & (MOUNT_MKDIR_TARGET | MOUNT_TOUCH_TARGET)))
                return 0;
        parent_fd = guest_open_parent(root_fd, e->target, &base);
        if (parent_fd < 0)
                return parent_fd;
        if (e->flags & MOUNT_MKDIR_TARGET)
                return mkdirat(parent_fd, base, 0755) < 0 && errno != EEXIST ? -errno : 0;
        fd = openat(parent_fd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        return fd < 0 && errno != EEXIST ? -errno : 0;
}

static int make_read_only(int root_fd, const char *target, bool recursive) {
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
        _cleanup_close_ int fd = -EBADF;
        struct statvfs sv;
        unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
        FdPath p;

        fd = open_in_root(root_fd, target, 0);
        if (fd < 0)
                return fd;
        /* mount_setattr (Linux 5.12) changes only the read-only bit; a classic remount would reset
         * nosuid/nodev/noexec unless we pass them again, which is what the fallback does. */
        if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)) >= 0)
                return 0;
        if (errno != ENOSYS)
                return -errno;
        if (fstatvfs(fd, &sv) < 0)
                return -errno;
        flags |= (sv.f_flag & ST_NOSUID ? MS_NOSUID : 0) | (sv.f_flag & ST_NODEV ? MS_NODEV : 0) |
                 (sv.f_flag & ST_NOEXEC ? MS_NOEXEC : 0);
        return RET_NERRNO(mount(NULL, fd_path(fd, &p), NULL, flags, NULL));
}

static int apply_fs(int root_fd, const MountEntry *e) {
        _cleanup_close_ int fd = -EBADF;
        FdPath p;
        int r;

        fd = open_in_root(root_fd, e->target, 0);
        if (fd < 0)
                return fd;
        if (mount(e->source, fd_path(fd, &p), e->fstype, e->ms_flags, e->options) >= 0)
                return 0;
        r = -errno;
        if (!e->fallback)
                return r;
        if (mount(e->fallback, p.buf, NULL, MS_BIND | MS_REC, NULL) < 0)
                return r;
        return e->ms_flags & MS_RDONLY ? make_read_only(root_fd, e->target, true) : 0;
}

static bool source_is_host(const MountEntry *e) {
        return (e->kind == MOUNT_BIND && !(e->flags & MOUNT_SOURCE_IN_ROOT)) || e->kind == MOUNT_MKNOD;
}

int mount_sources_open(const MountPlan *p, MountSources *ret) {
        MountSources s = { .n = p->n_entries };

        s.fds = malloc(MAX(s.n, (size_t) 1) * sizeof(int));
        s.trees = calloc(MAX(s.n, (size_t) 1), sizeof(bool));
        if (!s.fds || !s.trees) {
                free(s.fds);
                free(s.trees);
                return -ENOMEM;
        }
        for (size_t i = 0; i < s.n; i++) {
                const MountEntry *e = &p->entries[i];

                s.fds[i] = -EBADF;
                if (source_is_host(e) && e->source && e->source[0] == '/')
                        s.fds[i] = RET_NERRNO(open(e->source, O_PATH | O_CLOEXEC));
        }
        *ret = s;
        return 0;
}

void mount_sources_set_tree(MountSources *s, size_t i, int fd) {
        safe_close(s->fds[i]);
        s->fds[i] = fd;
        s->trees[i] = true;
}

void mount_sources_done(MountSources *s) {
        for (size_t i = 0; s->fds && i < s->n; i++)
                safe_close(s->fds[i]);
        free(s->fds);
        free(s->trees);
        *s = (MountSources) {};
}

/* The source of a host bind: given (opened early, or an idmapped tree), or opened now. Returns a
 * descriptor to close (ret_owned) or to borrow. */
static int bind_source(int root_fd, const MountEntry *e, int given, int *ret_owned) {
        *ret_owned = -EBADF;
        if (e->flags & MOUNT_SOURCE_IN_ROOT)
                return *ret_owned = open_in_root(root_fd, e->source, 0);
        if (given != -EBADF)
                return given;   /* opened in advance (or the error of that) */
        return *ret_owned = RET_NERRNO(open(e->source, O_PATH | O_CLOEXEC));
}

static int apply_bind(int root_fd, const MountEntry *e, int given_source, bool tree) {
        _cleanup_close_ int fd = -EBADF, owned = -EBADF;
        int source_fd;
        FdPath p, s;

        fd = open_in_root(root_fd, e->target, 0);
        if (fd < 0)
                return fd;
        source_fd = bind_source(root_fd, e, given_source, &owned);
        if (source_fd < 0)
                return source_fd;
        /* A detached (idmapped) tree is attached where it belongs, not bound. */
        if (tree)
                return RET_NERRNO(syscall(SYS_move_mount, source_fd, "", fd, "",
                                          MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH));
        return RET_NERRNO(mount(fd_path(source_fd, &s), fd_path(fd, &p), NULL,
                                MS_BIND | (e->flags & MOUNT_RECURSIVE ? MS_REC : 0), NULL));
}

static int apply_create(int root_fd, const MountEntry *e, int given_source) {
        _cleanup_close_ int parent_fd = -EBADF, fd = -EBADF;
        const char *base;
        size_t n;

        parent_fd = guest_open_parent(root_fd, e->target, &base);
        if (parent_fd < 0)
                return parent_fd;
        switch (e->kind) {
        case MOUNT_MKDIR:
                return mkdirat(parent_fd, base, e->mode) < 0 && errno != EEXIST ? -errno : 0;
        case MOUNT_SYMLINK:
                return symlinkat(e->source, parent_fd, base) < 0 && errno != EEXIST ? -errno : 0;
        case MOUNT_MKNOD:
                /* fchmodat: the mode must not depend on the agent's umask. It follows symlinks, but
                 * the node was just made by us, in a /dev tmpfs that no guest process has seen. */
                if (mknodat(parent_fd, base, e->mode, e->dev) >= 0)
                        return RET_NERRNO(fchmodat(parent_fd, base, e->mode & 07777, 0));
                if (errno == EEXIST)
                        return 0;
                /* No CAP_MKNOD (or a nodev mount): bind the host's node over an empty file. */
                fd = openat(parent_fd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (fd < 0)
                        return -errno;
                return apply_bind(root_fd, e, given_source, false);
        case MOUNT_WRITE_FILE:
                fd = openat(parent_fd, base, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, e->mode);
                if (fd < 0)
                        return -errno;
                n = strlen(e->source);
                if (write(fd, e->source, n) != (ssize_t) n)
                        return negative_errno();
                return RET_NERRNO(fchmod(fd, e->mode));
        default:
                return -EINVAL;
        }
}

static int apply_entry(int root_fd, const MountEntry *e, int given_source, bool tree) {
        int r;

        r = make_mount_point(root_fd, e);
        if (r < 0)
                return r;
        switch (e->kind) {
        case MOUNT_FS:
                r = apply_fs(root_fd, e);
                break;
        case MOUNT_BIND:
                r = apply_bind(root_fd, e, given_source, tree);
                break;
        case MOUNT_READ_ONLY:
                r = make_read_only(root_fd, e->target, e->flags & MOUNT_RECURSIVE);
                break;
        default:
                r = apply_create(root_fd, e, given_source);
        }
        /* Only a missing target is excused: "/proc/kcore" may not exist, but a present one that we
         * fail to mask is a hole. */
        if (r == -ENOENT && (e->flags & MOUNT_IF_EXISTS))
                return 0;
        return r;
}

int mount_plan_apply(const MountPlan *p, int root_fd, const MountSources *sources, size_t *ret_failed) {
        for (size_t i = 0; i < p->n_entries; i++) {
                int r = apply_entry(root_fd, &p->entries[i], sources ? sources->fds[i] : -EBADF,
                                    sources && sources->trees[i]);

                if (r >= 0 || (p->entries[i].flags & MOUNT_BEST_EFFORT))
                        continue;
                if (ret_failed)
                        *ret_failed = i;
                return r;
        }
        return 0;
}

int mount_overlay(const char *options, const char *where) {
        return RET_NERRNO(mount("overlay", where, "overlay", 0, options));
}

int mount_pivot_root(int root_fd) {
        /* pivot_root(".", ".") stacks the old root on top of the new one; detaching "." then drops
         * it without needing a directory for it inside the guest's tree (pivot_root(2), NOTES). */
        if (fchdir(root_fd) < 0)
                return -errno;
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return -errno;
        if (umount2(".", MNT_DETACH) < 0)
                return -errno;
        return RET_NERRNO(chdir("/"));
}
