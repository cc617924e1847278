/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fileio.h"
#include "guest-path.h"
#include "guest.h"

/* Longer than any sensible /etc/hostname or /etc/machine-id; a bigger file is the guest's business
 * and is kept as it is. */
#define GUEST_FILE_MAX 4096

/* The file's content, or NULL (and 0) if it does not exist. -EBADFD for a FIFO, a device or a
 * directory: never block on, or read from, something the guest put there instead of a file. */
static int read_guest_file(int root_fd, const char *path, char **ret) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        ssize_t k;

        *ret = NULL;
        fd = guest_open(root_fd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
        if (fd == -ENOENT)
                return 0;
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        buf = malloc(GUEST_FILE_MAX + 1);
        if (!buf)
                return -ENOMEM;
        k = read(fd, buf, GUEST_FILE_MAX);
        if (k < 0)
                return -errno;
        buf[k] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

/* True if s holds nothing but white space and '#' comment lines, as systemd reads /etc/hostname. */
static bool text_is_unset(const char *s) {
        bool comment = false;

        for (; s && *s; s++) {
                if (*s == '\n')
                        comment = false;
                else if (*s == '#')
                        comment = true;
                else if (!comment && !isspace((unsigned char) *s))
                        return false;
        }
        return true;
}

static bool machine_id_is_unset(const char *s) {
        size_t n;

        if (text_is_unset(s))
                return true;
        /* "uninitialized" marks a first boot in the making (machine-id(5)). */
        n = strspn(s, " \t\n");
        return strneq(s + n, "uninitialized", 13) && text_is_unset(s + n + 13);
}

static int write_if_unset(int root_fd, const char *path, const char *content, mode_t mode,
                          bool (*is_unset)(const char *s)) {
        _cleanup_free_ char *old = NULL;
        _cleanup_close_ int dir_fd = -EBADF;
        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *dir = NULL;
        int r;

        assert(slash);
        /* The directory first: it is where the temporary file and the rename happen, so it must be
         * the guest's own etc/ and not a symlink to somewhere else. */
        dir = strndup(path, (size_t) (slash - path));
        if (!dir)
                return -ENOMEM;
        dir_fd = guest_open(root_fd, dir, O_RDONLY | O_DIRECTORY, 0);
        if (dir_fd < 0)
                return dir_fd;
        r = read_guest_file(dir_fd, slash + 1, &old);
        if (r < 0)
                return r;
        if (old && !is_unset(old))
                return 0;
        /* write_file_atomic_at() works below dir_fd only: O_EXCL|O_NOFOLLOW temporary, renameat(). */
        r = write_file_atomic_at(dir_fd, slash + 1, content, strlen(content), mode);
        return r < 0 ? r : 1;
}

int guest_setup_hostname(int root_fd, const char *hostname) {
        _cleanup_free_ char *text = NULL;

        if (isempty(hostname) || strpbrk(hostname, "\n/"))
                return -EINVAL;
        if (asprintf(&text, "%s\n", hostname) < 0)
                return -ENOMEM;
        return write_if_unset(root_fd, "etc/hostname", text, 0644, text_is_unset);
}

int guest_setup_machine_id(int root_fd, const char *machine_id) {
        char text[34];

        if (!machine_id || strlen(machine_id) != 32 || strspn(machine_id, "0123456789abcdef") != 32)
                return -EINVAL;
        (void) snprintf(text, sizeof(text), "%s\n", machine_id);
        return write_if_unset(root_fd, "etc/machine-id", text, 0444, machine_id_is_unset);
}

int guest_setup_resolv_conf(int root_fd, const char *text) {
        _cleanup_close_ int dir_fd = -EBADF;
        struct stat st;
        int r;

        dir_fd = guest_open(root_fd, "etc", O_RDONLY | O_DIRECTORY, 0);
        if (dir_fd < 0)
                return dir_fd;
        if (fstatat(dir_fd, "resolv.conf", &st, AT_SYMLINK_NOFOLLOW) >= 0) {
                if (S_ISLNK(st.st_mode))
                        return 0;
                if (!S_ISREG(st.st_mode))
                        return -EBADFD;
        } else if (errno != ENOENT)
                return -errno;
        r = write_file_atomic_at(dir_fd, "resolv.conf", text, strlen(text), 0644);
        return r < 0 ? r : 1;
}

int guest_init_is_systemd(int root_fd, const char *init) {
        _cleanup_close_ int fd = -EBADF;
        char proc[32], target[PATH_MAX];
        const char *base;
        ssize_t k;

        if (isempty(init) || init[0] != '/')
                return -EINVAL;
        /* Here symlinks are followed (/sbin/init -> /lib/systemd/systemd, /lib -> usr/lib), but only
         * inside the root, and nothing is written: the name of what it resolves to is all we need. */
        fd = guest_open_follow(root_fd, init, O_PATH, 0);
        if (fd < 0)
                return fd;
        (void) snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        k = readlink(proc, target, sizeof(target) - 1);
        if (k < 0)
                return -errno;
        target[k] = '\0';
        base = strrchr(target, '/');
        return streq(base ? base + 1 : target, "systemd");
}
