/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* Host ID ranges for unprivileged containers. Each container's user namespace maps its IDs 0..65535
 * to a block of 65,536 host IDs of its own (the same numbers for UIDs and GIDs), taken from the
 * subordinate ranges that /etc/subuid and /etc/subgid give root (subuid(5), subgid(5)). The block
 * is recorded in the container's config.yaml; the caller collects the bases in use from there.
 *
 * A block is usable when it lies
 *   - inside a range root has in /etc/subuid AND in /etc/subgid (owner "root" or "0"),
 *   - clear of every other owner's range in either file (their rootless containers use those IDs:
 *     a shared ID would let them reach our container's files),
 *   - clear of the host's own IDs below 65,536 (root, system and login users, nobody) and of
 *     4294967295, (uid_t) -1, which is no ID.
 * New containers get the lowest usable block aligned to 65,536 that overlaps no block in use. A base
 * given explicitly needs no alignment, and may be shared with another container when the user asks
 * for it: idrange_check_base() + idrange_find_overlap() let the caller decide.
 *
 * Pure logic apart from subid_file_load(). Errors are negative errno, with a message for the user in
 * *ret_error where one is asked for; nothing here logs. */

#define IDRANGE_BLOCK_SIZE 65536U
/* Host IDs below this are never part of a block. */
#define IDRANGE_HOST_RESERVED 65536U
#define IDRANGE_ID_MAX 4294967294U

typedef struct SubIdEntry {
        char *owner;            /* user name or decimal UID, as written */
        uint32_t start;
        uint64_t count;         /* >= 1, start + count <= 2^32 */
        unsigned line;
} SubIdEntry;

typedef struct SubIdFile {
        char *path;             /* for messages */
        SubIdEntry *entries;
        size_t n_entries;
} SubIdFile;

SubIdFile *subid_file_free(SubIdFile *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(SubIdFile *, subid_file_free);

/* "NAME-OR-UID:START:COUNT" lines; blank lines and lines starting with '#' (after blanks) are
 * skipped. Anything else is -EINVAL with *ret_error "PATH:LINE: ..." naming the bad value. path is
 * used in messages only. */
int subid_file_parse(const char *text, const char *path, SubIdFile **ret, char **ret_error);
/* The same from a file; a missing file has no entries. */
int subid_file_load(const char *path, SubIdFile **ret, char **ret_error);

/* "root" or "0" (a UID written in decimal, as subuid(5) allows). */
bool subid_owner_is_root(const char *owner);

/* How many aligned blocks the usable ranges hold (in use or not). */
int idrange_capacity(const SubIdFile *uids, const SubIdFile *gids, size_t *ret);

/* The lowest usable aligned block that overlaps none of the n_used blocks starting at used[] (any
 * order, unaligned bases allowed). Errors, with *ret_error saying why and what line to add to both
 * files: -ENOENT root has no range in one of the files, -ERANGE root's ranges hold no usable block
 * (different numbers in the two files, unaligned, overlapping other owners), -ENOSPC every block is
 * in use. */
int idrange_allocate(const SubIdFile *uids, const SubIdFile *gids, const uint32_t *used, size_t n_used,
                     uint32_t *ret_base, char **ret_error);

/* Whether [base, base + 65536) is usable (see above; no alignment needed): 0, or -ERANGE with
 * *ret_error naming the base and what is wrong with it. Blocks in use are not looked at. */
int idrange_check_base(const SubIdFile *uids, const SubIdFile *gids, uint64_t base, char **ret_error);

/* Whether the block at base overlaps one of the used blocks; the first such base in *ret_other (may
 * be NULL). For a shared base: allowed only when the user asked for it. */
bool idrange_find_overlap(uint32_t base, const uint32_t *used, size_t n_used, uint32_t *ret_other);
