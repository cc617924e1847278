/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "macro.h"

/* What the host side reads and writes in the guest's own tree (its overlay root) before the init
 * starts: /etc/hostname, /etc/machine-id, and which init it is. The tree belongs to the guest, so
 * every path is resolved with openat2() inside root_fd, without following any symlink: one that
 * the guest planted (/etc/hostname -> /etc/shadow, or /etc -> /) makes us refuse, never write
 * elsewhere (common/guest-path.h). Nothing here logs; the caller does. */

/* Write "hostname\n" to etc/hostname unless the file already names a host (so that hostnamectl
 * set-hostname in the guest persists): 1 written, 0 kept, -ELOOP for a symlink, -EBADFD for
 * something other than a regular file, -ENOENT without etc/. Atomic (temp file and rename). */
int guest_setup_hostname(int root_fd, const char *hostname);

/* Write the 32 hex digits of machine_id + "\n" to etc/machine-id (mode 0444) if it is missing,
 * empty or "uninitialized": 1 written, 0 kept, errors as above. */
int guest_setup_machine_id(int root_fd, const char *machine_id);

/* Write text to etc/resolv.conf, replacing what is there, unless that is a symlink: a guest whose
 * resolver manages the file (systemd-resolved, resolvconf) links it elsewhere, and keeps it.
 * 1 written, 0 kept, -EBADFD for something other than a regular file, -ENOENT without etc/. */
int guest_setup_resolv_conf(int root_fd, const char *text);

/* Whether the init (an absolute path in the guest) is systemd, i.e. resolves, following the
 * guest's symlinks but only inside its root, to a file named "systemd" (/sbin/init ->
 * /lib/systemd/systemd): 1 yes, 0 no, negative errno if it cannot be resolved. */
int guest_init_is_systemd(int root_fd, const char *init);
