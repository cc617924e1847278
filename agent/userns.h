/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "macro.h"

/* The host side of an unprivileged container's user namespace, done by the agent (host root) while
 * the freshly cloned child waits: the ID maps, the idmapped trees the child cannot make itself
 * (idmapping a mount of the host's file system needs CAP_SYS_ADMIN in the host's user namespace),
 * and the ownership of what the guest's root must be able to use. Nothing here logs. */

/* "0 BASE COUNT" into /proc/PID/uid_map and gid_map: the container's IDs 0..COUNT-1 are the host's
 * BASE..BASE+COUNT-1. */
int userns_write_maps(pid_t pid, uint32_t base, uint32_t count);

/* A detached copy of the tree at path (open_tree(OPEN_TREE_CLONE), recursive if asked), idmapped
 * through pid's user namespace (mount_setattr(MOUNT_ATTR_IDMAP), Linux 5.12; overlayfs takes such a
 * tree as a lower layer since 5.19): what the host sees as owned by 0 the container sees as owned by
 * its root. The child attaches it with move_mount(). */
int userns_idmapped_tree(pid_t pid, const char *path, bool recursive, int *ret_fd);

/* The container's cgroup (payload/), delegated to its root as systemd delegates a unit's cgroup to
 * its user (docs/CGROUP_DELEGATION.md): the directory and the files that create, fill and enable
 * controllers below it. */
int userns_chown_cgroup(const char *dir, uint32_t base);

/* Inside another container, /proc and /sys are usually not "fully visible" (masked files, read-only
 * binds over parts of them): the kernel then refuses the fresh proc and sysfs mounts of a user
 * namespace (mount_too_revealing()), which the container needs. A proc and a sysfs of our own in dir
 * (made here), in a mount namespace of the agent's own (a slave of the host's), are what the check
 * looks for: the container's mount namespace, a copy, has them too, locked below its old root, which
 * it detaches. For the agent of an unprivileged container on a host that is a container itself. */
int userns_nested_apivfs(const char *dir);
/* Unmount them (in the agent's mount namespace) and remove dir. */
int userns_nested_apivfs_release(const char *dir);
