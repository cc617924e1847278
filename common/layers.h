/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

/* A container's layers (docs/storage.md, "Snapshots"). In its directory:
 *
 *   upper/              the writable layer, as always
 *   layers/ID/          read-only layers: former upper layers, never changed again
 *   lower               the layers the container runs on, below upper/, top first, one ID a line
 *                       (missing: none, the image alone)
 *   snapshots/NAME      a snapshot: CREATED=µs and LAYERS=ID... (its chain, top first)
 *   journal             a snapshot operation under way, finished or undone by sysctrd at its start
 *
 * The overlay is upper/ over lower's layers over the image. Taking a snapshot turns upper/ into a
 * layer (a rename) and starts an empty upper/ above it: the cost does not depend on the data.
 * sysctrd writes all of it; the agent only reads "lower" (and refuses to start while "journal" is
 * there). Layer IDs are "l" and 16 hex digits. */

#define LAYER_ID_LEN 17U

bool layer_id_is_valid(const char *s);
/* A fresh random layer ID. */
int layer_id_new(char ret[static LAYER_ID_LEN + 1]);

/* The container's chain from "lower" in its directory dir_fd; none (an empty strv) if it is missing.
 * -EBADMSG for a file that is not ours. */
int layers_read_lower(int dir_fd, char ***ret);
int layers_write_lower(int dir_fd, char * const *ids);

typedef struct SnapshotInfo {
        uint64_t created_usec;
        char **layers;          /* top first */
} SnapshotInfo;

void snapshot_info_done(SnapshotInfo *s);
/* snapshots/NAME in the container's directory dir_fd. */
int snapshot_info_read(int dir_fd, const char *name, SnapshotInfo *ret);
/* Atomically, as file (a name in the snapshots/ directory snapshots_fd). */
int snapshot_info_write(int snapshots_fd, const char *file, const SnapshotInfo *s);
