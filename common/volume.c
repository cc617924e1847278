/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/loop.h>
#include <linux/mount.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "bind.h"
#include "fileio.h"
#include "name.h"
#include "parse-util.h"
#include "volume.h"

static const char * const volume_backend_table[_VOLUME_BACKEND_MAX] = {
        [VOLUME_DIRECTORY] = "directory",
        [VOLUME_LOOP] = "loop",
};

DEFINE_STRING_TABLE_LOOKUP(volume_backend, VolumeBackend, _VOLUME_BACKEND_MAX);

void volume_spec_done(VolumeSpec *v) {
        free(v->name);
        free(v->target);
        *v = (VolumeSpec) {};
}

int volume_spec_parse(const char *s, VolumeSpec *ret) {
        _cleanup_free_ char *copy = NULL;
        char *name, *target, *opt;
        bool ro = false;

        if (!s || strlen(s) > 4096)
                return -EINVAL;
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        name = copy;
        target = strchr(name, ':');
        if (!target)
                return -EINVAL;
        *target++ = '\0';
        opt = strchr(target, ':');
        if (opt) {
                *opt++ = '\0';
                if (streq(opt, "ro"))
                        ro = true;
                else if (!streq(opt, "rw"))
                        return -EINVAL;
        }
        if (!volume_name_is_valid(name) || !bind_target_is_valid(target))
                return -EINVAL;
        if (ret) {
                *ret = (VolumeSpec) { .name = strdup(name), .target = strdup(target), .read_only = ro };
                if (!ret->name || !ret->target) {
                        volume_spec_done(ret);
                        return -ENOMEM;
                }
        }
        return 0;
}

bool volume_spec_is_valid(const char *s) {
        return volume_spec_parse(s, NULL) >= 0;
}

void tmpfs_spec_done(TmpfsSpec *t) {
        free(t->target);
        *t = (TmpfsSpec) {};
}

/* "size=64M", "mode=0700", comma-separated, each at most once. */
static int tmpfs_parse_options(char *opts, uint64_t *size, unsigned *mode) {
        bool have_size = false, have_mode = false;

        if (opts[0] == '\0' || opts[strlen(opts) - 1] == ',' || strstr(opts, ",,"))
                return -EINVAL;
        for (char *save = NULL, *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                if (strneq(o, "size=", 5) && !have_size) {
                        if (parse_size(o + 5, size) < 0 || *size == 0)
                                return -EINVAL;
                        have_size = true;
                } else if (strneq(o, "mode=", 5) && !have_mode) {
                        char *end;
                        unsigned long m;

                        errno = 0;
                        m = strtoul(o + 5, &end, 8);
                        if (errno != 0 || end == o + 5 || *end || m > 07777)
                                return -EINVAL;
                        *mode = (unsigned) m;
                        have_mode = true;
                } else
                        return -EINVAL;
        }
        return 0;
}

int tmpfs_spec_parse(const char *s, TmpfsSpec *ret) {
        _cleanup_free_ char *copy = NULL;
        uint64_t size = 0;
        unsigned mode = 01777;
        char *opts;
        int r;

        if (!s || strlen(s) > 4096)
                return -EINVAL;
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        opts = strchr(copy, ':');
        if (opts) {
                *opts++ = '\0';
                r = tmpfs_parse_options(opts, &size, &mode);
                if (r < 0)
                        return r;
        }
        if (!bind_target_is_valid(copy))
                return -EINVAL;
        if (ret) {
                *ret = (TmpfsSpec) { .target = strdup(copy), .size = size, .mode = mode };
                if (!ret->target)
                        return -ENOMEM;
        }
        return 0;
}

bool tmpfs_spec_is_valid(const char *s) {
        return tmpfs_spec_parse(s, NULL) >= 0;
}

char *tmpfs_spec_options(const TmpfsSpec *t) {
        char *s;

        if (t->size > 0 ? asprintf(&s, "mode=%04o,size=%" PRIu64, t->mode, t->size) < 0
                        : asprintf(&s, "mode=%04o", t->mode) < 0)
                return NULL;
        return s;
}

int volume_info_read_at(int dir_fd, VolumeInfo *ret) {
        _cleanup_free_ char *text = NULL;
        VolumeInfo i = { .backend = _VOLUME_BACKEND_INVALID };
        char *save = NULL;
        int r;

        r = read_full_file_at(dir_fd, VOLUME_INFO_FILE, &text, NULL);
        if (r < 0)
                return r;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *v = strchr(l, '=');

                if (!v)
                        return -EINVAL;
                *v++ = '\0';
                if (streq(l, "BACKEND"))
                        i.backend = volume_backend_from_string(v);
                else if (streq(l, "SIZE") && parse_count(v, &i.size) < 0 && !streq(v, "0"))
                        return -EINVAL;
                else if (streq(l, "CREATED"))
                        i.created_usec = strtoull(v, NULL, 10);
        }
        if (i.backend < 0 || (i.backend == VOLUME_LOOP && i.size == 0))
                return -EINVAL;
        *ret = i;
        return 0;
}

int volume_info_write_at(int dir_fd, const VolumeInfo *info) {
        _cleanup_free_ char *text = NULL;

        if (asprintf(&text, "BACKEND=%s\nSIZE=%" PRIu64 "\nCREATED=%" PRIu64 "\n",
                     volume_backend_to_string(info->backend), info->size, info->created_usec) < 0)
                return -ENOMEM;
        return write_file_atomic_at(dir_fd, VOLUME_INFO_FILE, text, strlen(text), 0644);
}

/* The loop device that already serves the image (st): a second one over the same file would be a
 * second super block of one ext4, which corrupts it. -ENOENT if there is none. */
static int loop_find(const struct stat *st) {
        DIR *d;
        int fd = -ENOENT;

        d = opendir("/sys/block");
        if (!d)
                return -errno;
        for (struct dirent *de; (de = readdir(d));) {
                struct loop_info64 info = {};
                char dev[300];
                int k;

                if (!strneq(de->d_name, "loop", 4))
                        continue;
                (void) snprintf(dev, sizeof(dev), "/dev/%s", de->d_name);
                k = open(dev, O_RDWR | O_CLOEXEC);
                if (k < 0)
                        continue;
                if (ioctl(k, LOOP_GET_STATUS64, &info) >= 0 && info.lo_device == st->st_dev &&
                    info.lo_inode == st->st_ino) {
                        fd = k;
                        break;
                }
                safe_close(k);
        }
        closedir(d);
        return fd;
}

/* A new loop device over the image, gone again when its last user closes it (AUTOCLEAR). */
static int loop_attach(int image_fd) {
        _cleanup_close_ int control = -EBADF;
        struct loop_config config = {
                .fd = (uint32_t) image_fd,
                .info.lo_flags = LO_FLAGS_AUTOCLEAR,
        };

        control = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
        if (control < 0)
                return -errno;
        /* Another process may take the free device first: then ask again. */
        for (int attempt = 0; attempt < 64; attempt++) {
                _cleanup_close_ int fd = -EBADF;
                char dev[32];
                int n;

                n = ioctl(control, LOOP_CTL_GET_FREE);
                if (n < 0)
                        return -errno;
                (void) snprintf(dev, sizeof(dev), "/dev/loop%d", n);
                fd = open(dev, O_RDWR | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                if (ioctl(fd, LOOP_CONFIGURE, &config) >= 0)
                        return TAKE_FD(fd);
                if (errno != EBUSY)
                        return -errno;
        }
        return -EBUSY;
}

/* The ext4 on the volume's image, mounted nowhere: a detached mount (fsmount(2), Linux 5.2). */
static int loop_fsmount(int dir_fd) {
        _cleanup_close_ int image_fd = -EBADF, loop_fd = -EBADF, fs_fd = -EBADF;
        struct stat st;
        char dev[64];

        image_fd = openat(dir_fd, VOLUME_IMAGE_FILE, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (image_fd < 0)
                return -errno;
        /* One finder and attacher at a time per volume (agents of several containers, sysctrd). */
        if (flock(image_fd, LOCK_EX) < 0 || fstat(image_fd, &st) < 0)
                return -errno;
        loop_fd = loop_find(&st);
        if (loop_fd == -ENOENT)
                loop_fd = loop_attach(image_fd);
        if (loop_fd < 0)
                return loop_fd;
        (void) snprintf(dev, sizeof(dev), "/proc/self/fd/%d", loop_fd);
        fs_fd = (int) syscall(SYS_fsopen, "ext4", FSOPEN_CLOEXEC);
        if (fs_fd < 0)
                return -errno;
        if (syscall(SYS_fsconfig, fs_fd, FSCONFIG_SET_STRING, "source", dev, 0) < 0 ||
            syscall(SYS_fsconfig, fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return -errno;
        return RET_NERRNO(syscall(SYS_fsmount, fs_fd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV));
}

int volume_open_tree(const char *volume_dir, int userns_fd, int *ret_fd) {
        _cleanup_close_ int dir_fd = -EBADF, mnt_fd = -EBADF, tree_fd = -EBADF;
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
        VolumeInfo info;
        int r;

        dir_fd = open(volume_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir_fd < 0)
                return -errno;
        r = volume_info_read_at(dir_fd, &info);
        if (r < 0)
                return r;
        if (info.backend == VOLUME_LOOP) {
                mnt_fd = loop_fsmount(dir_fd);
                if (mnt_fd < 0)
                        return mnt_fd;
        }
        /* data/ of the volume directory, or of the file system: lost+found stays out of sight. */
        tree_fd = (int) syscall(SYS_open_tree, mnt_fd >= 0 ? mnt_fd : dir_fd, VOLUME_DATA_DIR,
                                OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW);
        if (tree_fd < 0)
                return -errno;
        if (userns_fd >= 0) {
                attr.attr_set |= MOUNT_ATTR_IDMAP;
                attr.userns_fd = (uint64_t) userns_fd;
        }
        if (syscall(SYS_mount_setattr, tree_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
                return -errno;
        *ret_fd = TAKE_FD(tree_fd);
        return 0;
}
