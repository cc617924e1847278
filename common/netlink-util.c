/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "macro.h"
#include "netlink-util.h"

int netns_run(int netns_fd, int (*f)(void *userdata), void *userdata) {
        _cleanup_close_ int self = -EBADF;
        int r;

        if (netns_fd < 0)
                return f(userdata);

        /* setns() moves only the calling thread; the thread's own namespace first, to come back. */
        self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return -errno;
        if (setns(netns_fd, CLONE_NEWNET) < 0)
                return -errno;
        r = f(userdata);
        /* We were allowed into the other namespace and hold an fd of our own one: coming back
         * cannot fail for lack of rights. Should it fail anyway, going on would make every later
         * socket, route and address of this thread silently land in the wrong namespace. */
        if (setns(self, CLONE_NEWNET) < 0)
                abort();
        return r;
}

typedef struct SocketArgs {
        int domain, type, protocol;
} SocketArgs;

static int socket_in_netns(void *userdata) {
        SocketArgs *a = userdata;

        return RET_NERRNO(socket(a->domain, a->type | SOCK_CLOEXEC, a->protocol));
}

int netns_socket(int netns_fd, int domain, int type, int protocol) {
        return netns_run(netns_fd, socket_in_netns, &(SocketArgs) { domain, type, protocol });
}

int netns_open(const char *path) {
        _cleanup_close_ int fd = -EBADF;
        int t;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        /* NS_GET_NSTYPE: kernel >= 4.11. */
        t = ioctl(fd, NS_GET_NSTYPE);
        if (t < 0)
                return errno == ENOTTY ? -EINVAL : -errno;
        if (t != CLONE_NEWNET)
                return -EINVAL;
        return TAKE_FD(fd);
}

int netlink_error_parse(const struct nlmsghdr *nlh, size_t len, int *ret_error, const char **ret_message) {
        const struct nlmsgerr *e;
        const char *message = NULL;
        size_t offset;

        if (len < NLMSG_HDRLEN + sizeof(struct nlmsgerr) || nlh->nlmsg_len > len ||
            nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct nlmsgerr))
                return -EBADMSG;
        e = NLMSG_DATA(nlh);

        if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
                /* The TLVs follow the request (or just its header, when the kernel capped it). */
                offset = NLMSG_HDRLEN + sizeof(int) +
                         ((nlh->nlmsg_flags & NLM_F_CAPPED) ? sizeof(struct nlmsghdr)
                                                            : NLMSG_ALIGN(e->msg.nlmsg_len));
                while (offset + NLA_HDRLEN <= nlh->nlmsg_len) {
                        const struct nlattr *a = (const struct nlattr *) ((const uint8_t *) nlh + offset);

                        if (a->nla_len < NLA_HDRLEN || offset + a->nla_len > nlh->nlmsg_len)
                                break;
                        if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG && a->nla_len > NLA_HDRLEN) {
                                const char *s = (const char *) a + NLA_HDRLEN;

                                /* Only a properly terminated string. */
                                if (memchr(s, '\0', a->nla_len - NLA_HDRLEN))
                                        message = s;
                        }
                        offset += NLA_ALIGN(a->nla_len);
                }
        }
        *ret_error = e->error;
        if (ret_message)
                *ret_message = isempty(message) ? NULL : message;
        return 0;
}
