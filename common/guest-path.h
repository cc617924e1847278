/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* Opening paths inside a tree that a container controls (its root, or its writable layer) from the
 * host, without ever leaving that tree. The one helper for this: the agent (mounts, guest files),
 * sysctr-enter (the shell's user and program) and sysctrd (logs) all use it.
 *
 * Paths are resolved with openat2(2) (Linux 5.6) relative to root_fd with RESOLVE_IN_ROOT (".." and
 * absolute symlinks stay inside; a leading "/" means root_fd) and RESOLVE_NO_MAGICLINKS (no
 * /proc/PID/fd jumps). O_CLOEXEC is always added; O_NOCTTY too, unless O_PATH is given. Nothing here
 * logs. */

/* No symlink is followed at all (RESOLVE_NO_SYMLINKS | O_NOFOLLOW): one that the guest planted on
 * the way, the last component included, fails with -ELOOP. For what we write or mount onto. */
int guest_open(int root_fd, const char *path, int flags, mode_t mode);

/* Symlinks are followed, but only inside the tree (/sbin/init -> /lib/systemd/systemd, /lib ->
 * usr/lib). For what we only read or look at. */
int guest_open_follow(int root_fd, const char *path, int flags, mode_t mode);

/* The directory that holds path (O_PATH | O_DIRECTORY, no symlinks followed), and in *ret_base a
 * pointer to path's last component. "a" → root_fd's own directory. */
int guest_open_parent(int root_fd, const char *path, const char **ret_base);
