/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "macro.h"

/* Copying a container's layer (a tree the guest wrote) as it is: every file type (overlayfs' whiteouts
 * are character devices 0:0), owners, modes, times, extended attributes (overlayfs keeps opaque
 * markers and redirects in them) and hard links inside the tree. Nothing is followed: symlinks are
 * copied as symlinks, and the copy never leaves the source tree or its file system.
 *
 * With a shift, the owners move from one block of 65,536 IDs to another: a layer of an unprivileged
 * container is owned by the host IDs of its range (id-base + the container's ID), and a clone has a
 * range of its own. Owners outside the source block become the target block's nobody (65534), and
 * the root ID inside a namespaced file capability (security.capability, revision 3) moves too.
 *
 * Nothing here logs. */

typedef struct TreeCopyShift {
        uint32_t from, to;      /* first IDs of the blocks; from == to: no shift */
        uint32_t count;         /* 0: no shift at all */
} TreeCopyShift;

/* Copy the directory src_fd (the tree's root) to a new directory dst_name below dst_parent_fd (which
 * must not exist). progress (may be NULL) is called now and then with the bytes copied so far. */
int tree_copy(int src_fd, int dst_parent_fd, const char *dst_name, const TreeCopyShift *shift,
              void (*progress)(uint64_t bytes, void *userdata), void *userdata);

/* Bytes and inodes below dir_fd (st_blocks * 512), not crossing file systems. */
int tree_usage(int dir_fd, uint64_t *ret_bytes, uint64_t *ret_inodes);
