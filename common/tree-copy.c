/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <endian.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "tree-copy.h"

/* Deeper trees are refused (ELOOP) rather than using up descriptors and stack: each level holds two
 * directory descriptors. No sane layer comes near. */
#define TREE_DEPTH_MAX 256

typedef struct HardLink {
        dev_t dev;
        ino_t ino;
        char *path;             /* relative to the target's root */
} HardLink;

typedef struct CopyContext {
        const TreeCopyShift *shift;
        int dst_root_fd;
        HardLink *links;
        size_t n_links;
        uint64_t bytes, reported;
        void (*progress)(uint64_t bytes, void *userdata);
        void *userdata;
        char path[PATH_MAX];    /* of the entry being copied, relative to the roots */
} CopyContext;

static uint32_t shift_id(const TreeCopyShift *s, uint32_t id) {
        if (!s || s->count == 0)
                return id;
        if (id >= s->from && id - s->from < s->count)
                return id - s->from + s->to;
        return s->to + 65534;   /* nobody in the target block */
}

/* A revision 3 file capability carries the host ID of its namespace's root (capability.h). */
static void shift_capability(const TreeCopyShift *s, uint8_t *v, ssize_t n) {
        uint32_t magic, rootid;

        if (!s || s->count == 0 || n != 24)
                return;
        memcpy(&magic, v, 4);
        if ((le32toh(magic) & 0xFF000000U) != 0x03000000U)
                return;
        memcpy(&rootid, v + 20, 4);
        rootid = htole32(shift_id(s, le32toh(rootid)));
        memcpy(v + 20, &rootid, 4);
}

/* Extended attributes of the entry name in src_dir, onto the same name in dst_dir (through /proc
 * paths, with the l* calls: a symlink's own attributes, never its target's). */
static int copy_xattrs(const CopyContext *c, int src_dir, int dst_dir, const char *name) {
        char src[PATH_MAX], dst[PATH_MAX], list[8192];
        ssize_t n;

        (void) snprintf(src, sizeof(src), "/proc/self/fd/%d/%s", src_dir, name);
        (void) snprintf(dst, sizeof(dst), "/proc/self/fd/%d/%s", dst_dir, name);
        n = llistxattr(src, list, sizeof(list));
        if (n < 0)
                return errno == ENOTSUP ? 0 : -errno;
        for (char *k = list; k < list + n; k += strlen(k) + 1) {
                uint8_t value[65536];
                ssize_t m = lgetxattr(src, k, value, sizeof(value));

                if (m < 0)
                        return -errno;
                if (streq(k, "security.capability"))
                        shift_capability(c->shift, value, m);
                if (lsetxattr(dst, k, value, (size_t) m, 0) < 0)
                        return -errno;
        }
        return 0;
}

static int copy_data(CopyContext *c, int in, int out, off_t size) {
        while (size > 0) {
                ssize_t k = copy_file_range(in, NULL, out, NULL, (size_t) MIN(size, (off_t) (1 << 30)), 0);

                if (k < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL)) {
                        char buf[65536];

                        k = read(in, buf, sizeof(buf));
                        if (k > 0 && write(out, buf, (size_t) k) != k)
                                return errno ? -errno : -EIO;
                }
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;  /* shrank meanwhile */
                size -= k;
                c->bytes += (uint64_t) k;
                if (c->progress && c->bytes - c->reported >= (64U << 20)) {
                        c->reported = c->bytes;
                        c->progress(c->bytes, c->userdata);
                }
        }
        return 0;
}

static int copy_regular(CopyContext *c, int src_dir, int dst_dir, const char *name, const struct stat *st) {
        _cleanup_close_ int in = -EBADF, out = -EBADF;

        in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (in < 0)
                return -errno;
        out = openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0)
                return -errno;
        return copy_data(c, in, out, st->st_size);
}

/* A second name of an inode already copied: the same link in the copy. */
static int copy_hard_link(CopyContext *c, int dst_dir, const char *name, const struct stat *st, bool *ret_done) {
        HardLink *l;

        *ret_done = false;
        if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
                return 0;
        for (size_t i = 0; i < c->n_links; i++)
                if (c->links[i].dev == st->st_dev && c->links[i].ino == st->st_ino) {
                        *ret_done = true;
                        return RET_NERRNO(linkat(c->dst_root_fd, c->links[i].path, dst_dir, name, 0));
                }
        l = reallocarray(c->links, c->n_links + 1, sizeof(HardLink));
        if (!l)
                return -ENOMEM;
        c->links = l;
        l[c->n_links] = (HardLink) { .dev = st->st_dev, .ino = st->st_ino, .path = strdup(c->path) };
        if (!l[c->n_links].path)
                return -ENOMEM;
        c->n_links++;
        return 0;
}

/* Owner, mode, extended attributes and times, once the entry (and a directory's children) is there. */
static int copy_metadata(const CopyContext *c, int src_dir, int dst_dir, const char *name, const struct stat *st) {
        struct timespec times[2] = { st->st_atim, st->st_mtim };
        int r;

        if (fchownat(dst_dir, name, shift_id(c->shift, st->st_uid), shift_id(c->shift, st->st_gid),
                     AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        /* chown clears set-user-ID bits: the mode comes after it. Symlinks have no mode of their own. */
        if (!S_ISLNK(st->st_mode) && fchmodat(dst_dir, name, st->st_mode & 07777, 0) < 0)
                return -errno;
        r = copy_xattrs(c, src_dir, dst_dir, name);
        if (r < 0)
                return r;
        return RET_NERRNO(utimensat(dst_dir, name, times, AT_SYMLINK_NOFOLLOW));
}

static int copy_dir_contents(CopyContext *c, int src_fd, int dst_fd, unsigned depth);

static int copy_entry(CopyContext *c, int src_dir, int dst_dir, const char *name, unsigned depth) {
        struct stat st;
        size_t len = strlen(c->path);
        bool done;
        int r;

        if (len + 1 + strlen(name) + 1 > sizeof(c->path))
                return -ENAMETOOLONG;
        (void) snprintf(c->path + len, sizeof(c->path) - len, "%s%s", len ? "/" : "", name);
        if (fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        r = copy_hard_link(c, dst_dir, name, &st, &done);
        if (r < 0 || done)
                goto finish;

        if (S_ISDIR(st.st_mode)) {
                _cleanup_close_ int s = -EBADF, d = -EBADF;
                struct stat root;

                /* Never into another file system (a mount in the tree is not the layer's). */
                if (fstat(src_dir, &root) < 0) {
                        r = -errno;
                        goto finish;
                }
                if (st.st_dev != root.st_dev || depth >= TREE_DEPTH_MAX) {
                        r = st.st_dev != root.st_dev ? -EXDEV : -ELOOP;
                        goto finish;
                }
                if (mkdirat(dst_dir, name, 0700) < 0) {
                        r = -errno;
                        goto finish;
                }
                s = openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                d = openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                r = s < 0 || d < 0 ? -errno : copy_dir_contents(c, s, d, depth + 1);
        } else if (S_ISREG(st.st_mode))
                r = copy_regular(c, src_dir, dst_dir, name, &st);
        else if (S_ISLNK(st.st_mode)) {
                char target[PATH_MAX];
                ssize_t k = readlinkat(src_dir, name, target, sizeof(target) - 1);

                if (k >= 0)
                        target[k] = '\0';
                r = k < 0 ? -errno : RET_NERRNO(symlinkat(target, dst_dir, name));
        } else
                /* Devices (overlayfs' whiteouts are 0:0), FIFOs, sockets. */
                r = RET_NERRNO(mknodat(dst_dir, name, st.st_mode & (S_IFMT | 0600), st.st_rdev));
        if (r >= 0)
                r = copy_metadata(c, src_dir, dst_dir, name, &st);
finish:
        c->path[len] = '\0';
        return r;
}

static int copy_dir_contents(CopyContext *c, int src_fd, int dst_fd, unsigned depth) {
        DIR *d;
        int r = 0;

        d = fdopendir(fcntl(src_fd, F_DUPFD_CLOEXEC, 3));
        if (!d)
                return -errno;
        for (struct dirent *de; r >= 0 && (errno = 0, de = readdir(d));) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                r = copy_entry(c, src_fd, dst_fd, de->d_name, depth);
        }
        if (r >= 0 && errno != 0)
                r = -errno;
        closedir(d);
        return r;
}

int tree_copy(int src_fd, int dst_parent_fd, const char *dst_name, const TreeCopyShift *shift,
              void (*progress)(uint64_t bytes, void *userdata), void *userdata) {
        _cleanup_close_ int dst_fd = -EBADF;
        CopyContext c = { .shift = shift, .progress = progress, .userdata = userdata };
        struct stat st;
        int r;

        if (fstat(src_fd, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        if (mkdirat(dst_parent_fd, dst_name, 0700) < 0)
                return -errno;
        dst_fd = openat(dst_parent_fd, dst_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dst_fd < 0)
                return -errno;
        c.dst_root_fd = dst_fd;
        r = copy_dir_contents(&c, src_fd, dst_fd, 0);
        if (r >= 0) {
                /* The root's own metadata: "." relative to the roots. */
                struct timespec times[2] = { st.st_atim, st.st_mtim };

                if (fchown(dst_fd, shift_id(shift, st.st_uid), shift_id(shift, st.st_gid)) < 0 ||
                    fchmod(dst_fd, st.st_mode & 07777) < 0)
                        r = -errno;
                if (r >= 0)
                        r = copy_xattrs(&c, src_fd, dst_fd, ".");
                if (r >= 0 && futimens(dst_fd, times) < 0)
                        r = -errno;
        }
        for (size_t i = 0; i < c.n_links; i++)
                free(c.links[i].path);
        free(c.links);
        if (progress)
                progress(c.bytes, userdata);
        return r;
}

static int usage_dir(int fd, dev_t dev, unsigned depth, uint64_t *bytes, uint64_t *inodes) {
        DIR *d;
        int r = 0;

        if (depth >= TREE_DEPTH_MAX)
                return -ELOOP;
        d = fdopendir(fcntl(fd, F_DUPFD_CLOEXEC, 3));
        if (!d)
                return -errno;
        for (struct dirent *de; r >= 0 && (de = readdir(d));) {
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
                        continue;
                *bytes += (uint64_t) st.st_blocks * 512;
                (*inodes)++;
                if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

                        if (sub >= 0)
                                r = usage_dir(sub, dev, depth + 1, bytes, inodes);
                }
        }
        closedir(d);
        return r;
}

int tree_usage(int dir_fd, uint64_t *ret_bytes, uint64_t *ret_inodes) {
        struct stat st;

        *ret_bytes = *ret_inodes = 0;
        if (fstat(dir_fd, &st) < 0)
                return -errno;
        return usage_dir(dir_fd, st.st_dev, 0, ret_bytes, ret_inodes);
}
