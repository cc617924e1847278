/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>

#include "console.h"
#include "log.h"

int console_open_log(Console *c, const char *log_path) {
        struct stat st;
        char *p;
        int fd;

        p = strdup(log_path);
        if (!p)
                return -ENOMEM;
        fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
        if (fd < 0 || fstat(fd, &st) < 0) {
                int r = -errno;

                safe_close(fd);
                free(p);
                return r;
        }
        free(c->log_path);
        safe_close(c->log_fd);
        c->log_path = p;
        c->log_fd = fd;
        c->log_size = (uint64_t) st.st_size;
        return 0;
}

int console_open_pty(Console *c) {
        _cleanup_close_ int fd = -EBADF;
        struct winsize ws = { .ws_row = 24, .ws_col = 80 };
        char name[64];
        char *p;

        console_close_pty(c);
        fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (unlockpt(fd) < 0)
                return -errno;
        if ((errno = ptsname_r(fd, name, sizeof(name))) != 0)
                return -errno;
        /* Full-screen programs on the console misbehave with the 0x0 size a fresh pty has. */
        (void) ioctl(fd, TIOCSWINSZ, &ws);
        p = strdup(name);
        if (!p)
                return -ENOMEM;
        free(c->slave_path);
        c->slave_path = p;
        c->master_fd = TAKE_FD(fd);
        return 0;
}

static void console_rotate(Console *c) {
        _cleanup_free_ char *old = NULL;

        if (asprintf(&old, "%s.1", c->log_path) < 0)
                return;
        if (rename(c->log_path, old) < 0)
                log_debug_errno(errno, "Failed to rotate %s, truncating it instead: %m", c->log_path);
        c->log_fd = safe_close(c->log_fd);
        (void) console_open_log(c, c->log_path);
        if (c->log_fd >= 0 && c->log_size > 0 && ftruncate(c->log_fd, 0) >= 0)
                c->log_size = 0;
}

static void console_log_write(Console *c, const char *buf, size_t n) {
        ssize_t k;

        if (c->log_fd < 0)
                return;
        if (c->log_size + n > CONSOLE_LOG_MAX)
                console_rotate(c);
        if (c->log_fd < 0)
                return;
        /* A full disk loses console output rather than stalling the guest. */
        k = write(c->log_fd, buf, n);
        if (k > 0)
                c->log_size += (uint64_t) k;
}

int console_drain(Console *c) {
        char buf[4096];

        if (c->master_fd < 0)
                return 0;
        /* The master is watched edge-triggered and read until EAGAIN. EIO means no slave is open at
         * the moment (the guest closed it, or a getty's vhangup): with a level-triggered watch that
         * would spin; edge-triggered, the next write of a reopened slave wakes us again. */
        for (;;) {
                ssize_t k = read(c->master_fd, buf, sizeof(buf));

                if (k > 0) {
                        console_log_write(c, buf, (size_t) k);
                        continue;
                }
                if (k < 0 && errno == EINTR)
                        continue;
                if (k == 0 || errno == EAGAIN || errno == EIO)
                        return 0;
                return -errno;
        }
}

void console_close_pty(Console *c) {
        if (c->master_fd < 0)
                return;
        (void) console_drain(c);
        c->master_fd = safe_close(c->master_fd);
        free(c->slave_path);
        c->slave_path = NULL;
}

void console_done(Console *c) {
        console_close_pty(c);
        c->log_fd = safe_close(c->log_fd);
        free(c->log_path);
        free(c->slave_path);
        *c = CONSOLE_INIT;
}
