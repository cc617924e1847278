/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <linux/netlink.h>
#include <stddef.h>

/* What the two netlink users share (common/rtnl.c for rtnetlink, manager/nft.c for nf_tables),
 * without a library: sockets inside another network namespace, and the kernel's error replies. */

/* A socket created inside the network namespace netns_fd refers to (-1: the caller's own). A socket
 * stays in the namespace it was created in, so the caller can use it from anywhere: the calling
 * thread enters the namespace for the socket() call only and comes back. Returns the fd (O_CLOEXEC)
 * or a negative errno; -EPERM without CAP_SYS_ADMIN over that namespace. */
int netns_socket(int netns_fd, int domain, int type, int protocol);

/* Call f(userdata) with the calling thread inside netns_fd (-1: right here), e.g. to open files of
 * /proc/sys/net, which show the namespace of whoever opens them. Returns what f returns. */
int netns_run(int netns_fd, int (*f)(void *userdata), void *userdata);

/* Open a namespace file such as /run/netns/NAME or /proc/PID/ns/net, checking that it is a network
 * namespace (-EINVAL otherwise). */
int netns_open(const char *path);

/* A kernel error reply (NLMSG_ERROR) of len bytes: *ret_error is 0 for an ack or a negative errno;
 * *ret_message the extended ack's text (NLMSGERR_ATTR_MSG, kernel >= 4.12, asked for with
 * NETLINK_EXT_ACK) pointing into the message, or NULL. Returns -EBADMSG if it is truncated. */
int netlink_error_parse(const struct nlmsghdr *nlh, size_t len, int *ret_error, const char **ret_message);
