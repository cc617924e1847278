/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "macro.h"
#include "paths.h"

/* The container's notify socket (systemd's docs/CONTAINER_INTERFACE.md, as systemd-nspawn does it):
 * a datagram socket in a directory of its own, <runtime>/containers/NAME/notify/, which the mount plan
 * binds read-only onto the guest's /run/host/notify; the init finds it through
 * NOTIFY_SOCKET=/run/host/notify/notify. Only the container's init may talk on it: with SO_PASSCRED
 * the kernel attaches the sender's pid, translated into our pid namespace, and it must be the
 * leader's host pid. (A guest root with CAP_SYS_ADMIN could forge that pid: without a user namespace
 * nothing stops it; the socket's 0700 directory keeps every other guest user out.) */

/* The names: SYSCTR_NOTIFY_DIR, SYSCTR_NOTIFY_SOCKET, SYSCTR_NOTIFY_GUEST_SOCKET (common/paths.h). */

/* STATUS= is passed on to our own service manager; longer text is cut. */
#define NOTIFY_STATUS_MAX 256U

typedef struct NotifyMessage {
        bool ready;                     /* READY=1 */
        bool stopping;                  /* STOPPING=1 */
        bool has_status;
        char status[NOTIFY_STATUS_MAX]; /* STATUS=..., control characters replaced by ' ' */
} NotifyMessage;

/* Parse a datagram's text: "KEY=VALUE" lines; unknown keys are ignored, the last STATUS= wins. */
void notify_parse(const char *buf, size_t n, NotifyMessage *ret);

/* Create (replacing a stale one) the socket named name in the directory dir_fd, non-blocking, with
 * SO_PASSCRED. Bound through /proc/self/fd, so the directory's path may be longer than sun_path. */
int notify_socket_open(int dir_fd, const char *name, int *ret_fd);

/* Read one datagram. 1: a message from the process leader (host pid), parsed into *ret; 0: one was
 * read but ignored (another sender, no credentials, truncated); -EAGAIN: none is waiting. Passed
 * file descriptors (FDSTORE=1) are closed: we keep nothing for the guest. */
int notify_receive(int fd, pid_t leader, NotifyMessage *ret);
