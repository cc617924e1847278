/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* Host limits that guests draw on together. sysctrd checks them at start and before each container
 * start, and says which limit is short and by how much, instead of leaving guests to fail one by one
 * ("Failed to create inotify object: Too many open files" deep in a guest's journal). The figures
 * each guest needs are estimates measured on a booted Debian 12 guest (host-limits.c says where each
 * comes from); the check is about guests booting and running their services, not about sizing a
 * workload.
 *
 * Who is charged matters as much as how much:
 *   - system-wide limits (kernel.pid_max, kernel.threads-max, fs.file-max) count every container;
 *   - per-user counters kept as ucounts (fs.inotify.*, user.max_user_namespaces) count host root for
 *     privileged containers, and also for unprivileged ones whose user namespace root created: the
 *     kernel charges what happens inside a user namespace to the namespace's owner in the parent
 *     namespace as well (kernel/ucount.c, inc_ucount()). Measured here: with root holding 100 of
 *     128 inotify instances, a process in a user namespace created by root could open 28 more, in
 *     one created by UID 100000 128. So an unprivileged container has counters of its own only
 *     when its user namespace is created by a process running as the container's host root UID;
 *   - key quotas (kernel.keys.*) are per host UID and not ucounts: root_maxkeys/root_maxbytes for UID
 *     0 (privileged guests' root), maxkeys/maxbytes for each other UID (an unprivileged guest's root
 *     is a UID of its own; a privileged guest's UID 1000 is the host's UID 1000 in every privileged
 *     container at once). */

typedef struct HostDemand {
        unsigned n_privileged;
        unsigned n_unprivileged;
        /* True when the agent creates the containers' user namespaces as root (clone(CLONE_NEWUSER)
         * from the agent): their inotify instances and watches then count against root's limits, as
         * a privileged container's do. False when each is created by a process whose euid is the
         * container's host root UID: each container then has counters of its own. */
        bool userns_owned_by_root;
} HostDemand;

typedef struct HostShortfall {
        const char *sysctl;     /* "fs.inotify.max_user_instances" (static) */
        uint64_t current;
        uint64_t needed;        /* about: the estimate for the demand */
        uint64_t suggested;     /* a value to set: the drop-in's when that is enough */
        char *who;              /* "30 privileged containers", "each unprivileged container" */
        bool plural;            /* who "need" (or "needs") */
        char *hint;             /* "run sysctl -w ...=N, or install .../60-sysctr.conf" */
} HostShortfall;

void host_shortfalls_free(HostShortfall *s, size_t n);

/* Read the limits below proc_sys (the directory that stands for /proc/sys; NULL: "/proc/sys") and
 * return those that are short for the demand, in a fixed order (*ret NULL and *ret_n 0 if none). A
 * limit whose file is missing (kernel without it) is skipped. -EBADMSG if a file holds no number. */
int host_limits_check(const char *proc_sys, const HostDemand *demand, HostShortfall **ret, size_t *ret_n);

/* "fs.inotify.max_user_instances is 128; 30 privileged containers need about 452: run sysctl -w
 * fs.inotify.max_user_instances=8192, or install /usr/lib/sysctl.d/60-sysctr.conf" */
int host_shortfall_format(const HostShortfall *s, char **ret);
