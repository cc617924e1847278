/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
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

static void console_client_write(Console *c, const char *buf, size_t n) {
        ssize_t k;

        if (c->client_fd < 0)
                return;
        /* Non-blocking: a client that does not read loses output (console.log still has it), the
         * guest never waits for it. A dead client is noticed on its own fd (EPOLLHUP). */
        k = send(c->client_fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (k < 0 && errno != EAGAIN && errno != EINTR)
                log_debug_errno(errno, "Failed to write to the console client: %m");
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
                        console_client_write(c, buf, (size_t) k);
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
        /* Typed for the old boot: the new one starts from a clean line. */
        c->n_input = 0;
        c->master_fd = safe_close(c->master_fd);
        free(c->slave_path);
        c->slave_path = NULL;
}

void console_done(Console *c) {
        console_close_pty(c);
        console_detach(c);
        c->listen_fd = safe_close(c->listen_fd);
        c->log_fd = safe_close(c->log_fd);
        free(c->log_path);
        free(c->slave_path);
        *c = CONSOLE_INIT;
}

int console_listen(Console *c, int dir_fd, const char *name) {
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int k;

        if (unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT)
                return -errno;
        /* Through /proc/self/fd: the runtime directory's path may not fit in sun_path. */
        k = snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dir_fd, name);
        if (k < 0 || (size_t) k >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        /* The directory is 0700 already; the socket's own mode says the same to whoever looks. */
        if (fchmodat(dir_fd, name, 0600, 0) < 0 || listen(fd, 4) < 0)
                return -errno;
        safe_close(c->listen_fd);
        c->listen_fd = TAKE_FD(fd);
        return 0;
}

static void console_replay(Console *c) {
        _cleanup_close_ int fd = -EBADF;
        char buf[CONSOLE_REPLAY_MAX];
        const char *start = buf;
        struct stat st;
        ssize_t k;
        off_t offset;

        if (!c->log_path)
                return;
        fd = open(c->log_path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0)
                return;
        offset = st.st_size > (off_t) sizeof(buf) ? st.st_size - (off_t) sizeof(buf) : 0;
        k = pread(fd, buf, sizeof(buf), offset);
        if (k <= 0)
                return;
        /* Start at a line: half an escape sequence would garble the client's terminal. */
        if (offset > 0) {
                const char *nl = memchr(buf, '\n', (size_t) k);

                if (!nl)
                        return;
                start = nl + 1;
        }
        console_client_write(c, start, (size_t) (buf + k - start));
}

int console_accept(Console *c) {
        _cleanup_close_ int fd = -EBADF;

        fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
                return errno == EAGAIN || errno == EINTR || errno == ECONNABORTED ? 0 : -errno;
        if (c->client_fd >= 0) {
                (void) send(fd, CONSOLE_BUSY_MESSAGE, strlen(CONSOLE_BUSY_MESSAGE),
                            MSG_DONTWAIT | MSG_NOSIGNAL);
                return 0;
        }
        c->client_fd = TAKE_FD(fd);
        c->n_input = 0;
        console_replay(c);
        return 1;
}

void console_flush_input(Console *c) {
        ssize_t k;

        if (c->n_input == 0)
                return;
        if (c->master_fd < 0) {
                c->n_input = 0;
                return;
        }
        k = write(c->master_fd, c->input, c->n_input);
        if (k < 0) {
                /* EIO: no slave is open right now (a getty in between); the bytes have nowhere to go. */
                if (errno != EAGAIN && errno != EINTR)
                        c->n_input = 0;
                return;
        }
        memmove(c->input, c->input + k, c->n_input - (size_t) k);
        c->n_input -= (size_t) k;
}

int console_client_input(Console *c) {
        ssize_t k;

        if (c->client_fd < 0)
                return -ECONNRESET;
        if (c->n_input > 0)
                return 0;       /* the pty has not taken the last chunk yet */
        k = recv(c->client_fd, c->input, sizeof(c->input), MSG_DONTWAIT);
        if (k < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (k <= 0) {
                console_detach(c);
                return -ECONNRESET;
        }
        c->n_input = (size_t) k;
        console_flush_input(c);
        return 0;
}

void console_detach(Console *c) {
        c->client_fd = safe_close(c->client_fd);
        c->n_input = 0;
}
