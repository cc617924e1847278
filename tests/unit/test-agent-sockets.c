/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The agent's two sockets, without root and without a container: the notify socket
 * (agent/notify.c: who may talk, what is understood, nothing leaks) and the console relay
 * (agent/console.c: replay, one client at a time, both directions, a pty that does not keep up). */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>

#include "console.h"
#include "fileio.h"
#include "notify.h"
#include "tap.h"

/* A string literal and its length, without the terminating NUL. */
#define TEXT(s) (s), (sizeof(s) - 1)

static void test_parse(void) {
        NotifyMessage m;
        char long_status[1000];
        static const char with_nul[] = "READY=1\0junk\nSTOPPING=1";

        notify_parse(TEXT("READY=1\nSTATUS=Startup finished in 1.2s.\n"), &m);
        ok(m.ready && !m.stopping && m.has_status && streq(m.status, "Startup finished in 1.2s."),
           "READY=1 and STATUS= are understood");
        notify_parse(TEXT("READY=10\nSTOPPING=1\nX_SYSTEMD_UNIT_ACTIVE=basic.target"), &m);
        ok(!m.ready && m.stopping && !m.has_status, "READY=10 is not READY=1; unknown keys are ignored");
        notify_parse(TEXT("STATUS=a\x01" "b\x7f" "c\nSTATUS="), &m);
        ok(m.has_status && streq(m.status, ""), "the last STATUS= wins");
        notify_parse(TEXT("STATUS=a\x01" "b\x7f" "c"), &m);
        ok(streq(m.status, "a b c"), "control characters in STATUS= become spaces");
        memset(long_status, 'x', sizeof(long_status));
        memcpy(long_status, "STATUS=", 7);
        notify_parse(long_status, sizeof(long_status), &m);
        is_int(strlen(m.status), NOTIFY_STATUS_MAX - 1, "a long STATUS= is cut");
        notify_parse(with_nul, sizeof(with_nul) - 1, &m);
        ok(!m.ready && m.stopping, "a NUL inside a line spoils that line only");
}

static unsigned count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        unsigned n = 0;

        if (!d)
                return 0;
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

static int send_notify(int dir_fd, const char *text, int pass_fd) {
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct iovec iov = { .iov_base = (void *) text, .iov_len = strlen(text) };
        union {
                struct cmsghdr align;
                char space[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov, .msg_iovlen = 1 };

        (void) snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/" SYSCTR_NOTIFY_SOCKET, dir_fd);
        if (pass_fd >= 0) {
                struct cmsghdr *c;

                mh.msg_control = &control;
                mh.msg_controllen = sizeof(control);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
        }
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        return sendmsg(fd, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static void test_notify_socket(const char *tmp) {
        _cleanup_close_ int dir_fd = -EBADF, fd = -EBADF, again = -EBADF;
        _cleanup_close_pair_ int p[2] = { -EBADF, -EBADF };
        _cleanup_free_ char *dir = NULL;
        NotifyMessage m;
        unsigned before;
        int r;

        /* Longer than sun_path: the socket is bound through /proc/self/fd. */
        if (asprintf(&dir, "%s/%0120d/notify", tmp, 0) < 0 || mkdir_p(dir, 0700) < 0) {
                ok(false, "temp dir");
                return;
        }
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        r = notify_socket_open(dir_fd, SYSCTR_NOTIFY_SOCKET, &fd);
        is_int(r, 0, "the notify socket is made in a directory with a %zu character path", strlen(dir));
        if (r < 0)
                return;
        is_int(notify_receive(fd, getpid(), &m), -EAGAIN, "nothing waiting: -EAGAIN");

        (void) send_notify(dir_fd, "READY=1\nSTATUS=up", -1);
        r = notify_receive(fd, getpid(), &m);
        ok(r == 1 && m.ready && streq(m.status, "up"), "a message from the leader is accepted");

        (void) send_notify(dir_fd, "READY=1", -1);
        is_int(notify_receive(fd, getppid(), &m), 0, "a message from another process is ignored");

        if (pipe2(p, O_CLOEXEC) < 0) {
                ok(false, "pipe");
                return;
        }
        before = count_fds();
        (void) send_notify(dir_fd, "FDSTORE=1", p[0]);
        r = notify_receive(fd, getpid(), &m);
        ok(r == 1 && count_fds() == before, "file descriptors passed along (FDSTORE=1) are closed");

        r = notify_socket_open(dir_fd, SYSCTR_NOTIFY_SOCKET, &again);
        is_int(r, 0, "a stale socket of the same name is replaced");
}

/* --- the console relay --- */

static int connect_to(int dir_fd, const char *name) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        (void) snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dir_fd, name);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                fd = safe_close(fd);
        return fd;
}

/* Read what is there within timeout_msec into buf (NUL-terminated); the byte count, -1 on EOF first. */
static ssize_t read_some(int fd, char *buf, size_t size, int timeout_msec) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        size_t n = 0;

        while (n + 1 < size && poll(&pfd, 1, timeout_msec) > 0) {
                ssize_t k = read(fd, buf + n, size - 1 - n);

                if (k <= 0) {
                        if (n == 0)
                                return -1;
                        break;
                }
                n += (size_t) k;
                timeout_msec = 50;
        }
        buf[n] = '\0';
        return (ssize_t) n;
}

static int open_raw_slave(const Console *c) {
        struct termios t;
        int fd = open(c->slave_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

        /* Raw: no echo back to the master, no line editing; what the client types arrives as is. */
        if (fd >= 0 && tcgetattr(fd, &t) >= 0) {
                cfmakeraw(&t);
                (void) tcsetattr(fd, TCSANOW, &t);
        }
        return fd;
}

static void test_console_two_clients(Console *c, int dir_fd, int slave) {
        _cleanup_close_ int a = -EBADF, b = -EBADF;
        char buf[8192];
        ssize_t k;

        a = connect_to(dir_fd, SYSCTR_CONSOLE_SOCKET);
        is_int(console_accept(c), 1, "the first client is attached");
        k = read_some(a, buf, sizeof(buf), 1000);
        ok(k > 0 && strstr(buf, "web1 login: ") && !strstr(buf, "line 0000"),
           "it gets the tail of console.log (%zd bytes), ending with the prompt", k);
        ok(k > 0 && k <= (ssize_t) CONSOLE_REPLAY_MAX && strneq(buf, "line ", 5),
           "the replay starts at a line and is at most %u bytes", CONSOLE_REPLAY_MAX);

        b = connect_to(dir_fd, SYSCTR_CONSOLE_SOCKET);
        is_int(console_accept(c), 0, "a second client is not attached");
        k = read_some(b, buf, sizeof(buf), 1000);
        ok(k > 0 && streq(buf, CONSOLE_BUSY_MESSAGE) && read_some(b, buf, sizeof(buf), 1000) == -1,
           "it is told the console is busy, then closed");

        (void) write(slave, "guest says hi\r\n", 15);
        (void) console_drain(c);
        k = read_some(a, buf, sizeof(buf), 1000);
        ok(k == 15 && streq(buf, "guest says hi\r\n"), "guest output reaches the client");

        (void) send(a, "ls\r", 3, MSG_NOSIGNAL);
        (void) console_client_input(c);
        k = read_some(slave, buf, sizeof(buf), 1000);
        ok(k == 3 && streq(buf, "ls\r"), "client input reaches the guest");
}

static void test_console_backpressure(Console *c, int dir_fd, int slave) {
        _cleanup_close_ int a = -EBADF;
        static char big[1024 * 1024], got[sizeof(big) + 1];
        size_t sent = 0, received = 0;
        bool waited = false;
        char buf[4096];

        /* More than the pty's input buffer: the relay must hold back, not drop. */
        a = connect_to(dir_fd, SYSCTR_CONSOLE_SOCKET);
        if (console_accept(c) != 1) {
                ok(false, "attach");
                return;
        }
        while (read_some(a, buf, sizeof(buf), 100) > 0)
                ;
        memset(big, 'x', sizeof(big));
        /* Phase one: nobody reads the guest's side, the pty fills up and the relay must wait. */
        for (unsigned loops = 0; !waited && loops < 100000; loops++) {
                ssize_t k = send(a, big + sent, sizeof(big) - sent, MSG_DONTWAIT | MSG_NOSIGNAL);

                if (k > 0)
                        sent += (size_t) k;
                (void) console_client_input(c);
                waited = c->n_input > 0;
        }
        /* Phase two: the guest reads, everything arrives. */
        for (unsigned loops = 0; received < sizeof(big) && loops < 100000; loops++) {
                ssize_t k;

                if (sent < sizeof(big)) {
                        k = send(a, big + sent, sizeof(big) - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
                        if (k > 0)
                                sent += (size_t) k;
                }
                k = read(slave, got + received, sizeof(big) - received);
                if (k > 0)
                        received += (size_t) k;
                console_flush_input(c);
                (void) console_client_input(c);
        }
        if (received != sizeof(big) || !waited)
                diag("sent %zu, received %zu, waited %s", sent, received, yes_no(waited));
        ok(received == sizeof(big) && waited, "%zu KiB of input arrive whole; the relay held back while "
           "the pty was full", received / 1024);

        a = safe_close(a);
        is_int(console_client_input(c), -ECONNRESET, "a client that closes is detached");
        ok(c->client_fd < 0 && c->n_input == 0, "and forgotten");
}

static void test_console(const char *tmp) {
        _cleanup_(console_done) Console c = CONSOLE_INIT;
        _cleanup_close_ int dir_fd = -EBADF, slave = -EBADF;
        _cleanup_free_ char *log = NULL, *text = NULL;
        struct stat st;
        size_t n = 0;

        /* An old log: longer than the replay, so the replay has to cut it. */
        text = malloc(600 * 10 + 64);
        if (!text || asprintf(&log, "%s/console.log", tmp) < 0) {
                ok(false, "OOM");
                return;
        }
        for (unsigned i = 0; i < 600; i++)
                n += (size_t) sprintf(text + n, "line %04u\n", i);
        n += (size_t) sprintf(text + n, "web1 login: ");
        dir_fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (write_file_atomic(log, text, n, 0600) < 0 || console_open_log(&c, log) < 0 ||
            console_open_pty(&c) < 0 || (slave = open_raw_slave(&c)) < 0) {
                ok(false, "console set up");
                return;
        }
        is_int(console_listen(&c, dir_fd, SYSCTR_CONSOLE_SOCKET), 0, "console.sock listens");
        ok(fstatat(dir_fd, SYSCTR_CONSOLE_SOCKET, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode) &&
                   (st.st_mode & 07777) == 0600,
           "console.sock is a socket, mode 0600");
        test_console_two_clients(&c, dir_fd, slave);
        console_detach(&c);
        test_console_backpressure(&c, dir_fd, slave);
}

int main(void) {
        _cleanup_free_ char *tmp = test_mkdtemp("test-agent-sockets");

        if (!tmp) {
                printf("1..0 # SKIP cannot make a temporary directory\n");
                return EXIT_SUCCESS;
        }
        test_parse();
        test_notify_socket(tmp);
        test_console(tmp);
        (void) rm_rf(tmp);
        return done_testing();
}
