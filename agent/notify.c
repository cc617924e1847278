/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "notify.h"

/* sd_notify() messages fit in a pipe buffer (systemd's own limit, NOTIFY_BUFFER_MAX). */
#define NOTIFY_BUFFER_MAX 4096

/* Room for the credentials and a few file descriptors. Descriptors beyond that are dropped by the
 * kernel (MSG_CTRUNC) and closed with the datagram, so nothing leaks into the agent. */
#define NOTIFY_CMSG_SPACE (CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 16))

void notify_parse(const char *buf, size_t n, NotifyMessage *ret) {
        *ret = (NotifyMessage) {};
        while (n > 0) {
                const char *eol = memchr(buf, '\n', n);
                size_t len = eol ? (size_t) (eol - buf) : n;

                if (len == 7 && strneq(buf, "READY=1", 7))
                        ret->ready = true;
                else if (len == 10 && strneq(buf, "STOPPING=1", 10))
                        ret->stopping = true;
                else if (len >= 7 && strneq(buf, "STATUS=", 7)) {
                        size_t k = MIN(len - 7, (size_t) NOTIFY_STATUS_MAX - 1);

                        memcpy(ret->status, buf + 7, k);
                        ret->status[k] = '\0';
                        /* It becomes one line of our own STATUS= and of logs: no control characters,
                         * no NUL that would cut it short. */
                        for (size_t i = 0; i < k; i++)
                                if ((unsigned char) ret->status[i] < ' ' || ret->status[i] == 0x7f)
                                        ret->status[i] = ' ';
                        ret->has_status = true;
                }
                if (!eol)
                        break;
                n -= len + 1;
                buf = eol + 1;
        }
}

int notify_socket_open(int dir_fd, const char *name, int *ret_fd) {
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int one = 1, k;

        /* A socket left over by a SIGKILLed agent would make bind() fail with EADDRINUSE. */
        if (unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT)
                return -errno;
        k = snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dir_fd, name);
        if (k < 0 || (size_t) k >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static void close_passed_fds(struct msghdr *mh) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
                        int fd;

                        memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        safe_close(fd);
                }
        }
}

static const struct ucred *find_credentials(struct msghdr *mh) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
                    c->cmsg_len == CMSG_LEN(sizeof(struct ucred)))
                        return (const struct ucred *) (const void *) CMSG_DATA(c);
        return NULL;
}

int notify_receive(int fd, pid_t leader, NotifyMessage *ret) {
        char buf[NOTIFY_BUFFER_MAX];
        union {
                struct cmsghdr align;
                char space[NOTIFY_CMSG_SPACE];
        } control = {};
        struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof(control),
        };
        const struct ucred *cred;
        ssize_t k;

        k = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
        if (k < 0)
                return errno == EINTR ? -EAGAIN : -errno;
        close_passed_fds(&mh);
        cred = find_credentials(&mh);
        if (!cred || leader <= 0 || cred->pid != leader)
                return 0;
        if ((size_t) k > sizeof(buf))
                return 0;       /* MSG_TRUNC: longer than any message systemd sends */
        notify_parse(buf, (size_t) k, ret);
        return 1;
}
