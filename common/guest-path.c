/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "guest-path.h"
#include "macro.h"

#define GUEST_OPEN_EAGAIN_TRIES 64U

static int open_in_root(int root_fd, const char *path, int flags, mode_t mode, uint64_t resolve) {
        struct open_how how = {
                /* openat2() refuses O_NOCTTY together with O_PATH, where it means nothing anyway. */
                .flags = (uint64_t) (flags | O_CLOEXEC | (flags & O_PATH ? 0 : O_NOCTTY)),
                .mode = flags & (O_CREAT | O_TMPFILE) ? mode : 0,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | resolve,
        };
        long fd;

        if (isempty(path))
                return -EINVAL;
        /* No glibc wrapper. With RESOLVE_IN_ROOT the kernel answers EAGAIN when a mount or rename
         * anywhere on the system raced with a ".." on the way (busybox's "../../bin/busybox" links,
         * say, while other containers start): it cannot prove the walk stayed inside, and asks us to
         * try again. Seen under load as a command "not found". */
        for (unsigned attempt = 0;; attempt++) {
                fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
                if (fd >= 0 || errno != EAGAIN || attempt >= GUEST_OPEN_EAGAIN_TRIES)
                        break;
        }
        return fd < 0 ? -errno : (int) fd;
}

int guest_open(int root_fd, const char *path, int flags, mode_t mode) {
        return open_in_root(root_fd, path, flags | O_NOFOLLOW, mode, RESOLVE_NO_SYMLINKS);
}

int guest_open_follow(int root_fd, const char *path, int flags, mode_t mode) {
        return open_in_root(root_fd, path, flags, mode, 0);
}

int guest_open_parent(int root_fd, const char *path, const char **ret_base) {
        const char *slash = strrchr(path, '/');
        _cleanup_free_ char *dir = NULL;

        *ret_base = slash ? slash + 1 : path;
        if (!slash)
                return guest_open(root_fd, ".", O_PATH | O_DIRECTORY, 0);
        dir = slash == path ? strdup("/") : strndup(path, (size_t) (slash - path));
        if (!dir)
                return -ENOMEM;
        return guest_open(root_fd, dir, O_PATH | O_DIRECTORY, 0);
}
