/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"
#include "sha256.h"

/* Container archives (docs/storage.md, "Export and import"): a pax tar, zstd-compressed, written and
 * read with libarchive. This module is libarchive's only user. Both directions run in a worker
 * (worker.c): they block, and report progress and the reason of a failure through worker_report_*().
 *
 *   sysctr-manifest                  first: FORMAT, NAME, ID, PRIVILEGED, IMAGE, IMAGE_HASH,
 *                                    IMAGE_INCLUDED, VOLUMES (KEY=VALUE lines)
 *   container/config.yaml, lower, snapshots/NAME
 *   container/layers/ID/..., container/upper/...   the container's layers, owners relative to its
 *                                    ID range (0..65535: the IDs inside)
 *   image/image.info, image/rootfs/...             the image version, unless left out
 *   volumes/NAME/volume.info, volumes/NAME/data/... with --volumes (their neutral owners)
 *   sysctr-digest                    last: SHA-256 of every entry before it (names, types, owners,
 *                                    modes, times, links, extended attributes, data)
 *
 * Reading refuses, with a message naming the entry and before writing it: anything but the paths
 * above, "." or ".." components, absolute paths, symlinks that point out of their tree through
 * "..", hard links to outside their tree, device nodes (but overlayfs' 0:0 whiteouts in layers),
 * owners outside 0..65535, a second manifest, anything after the digest, and a digest that does not
 * match; libarchive's secure extraction flags stand behind that. A truncated archive fails where it
 * ends. Everything is extracted below the directory given, which nothing else uses. */

#define ARCHIVE_MANIFEST "sysctr-manifest"
#define ARCHIVE_DIGEST "sysctr-digest"
#define ARCHIVE_FORMAT_VERSION 1

typedef struct ExportSpec {
        int fd;                         /* the archive goes here */
        const char *container_dir;      /* <state>/containers/NAME */
        const char *name, *id;
        char **layers;                  /* every layer to carry: the chain's and the snapshots' */
        bool privileged;
        uint32_t id_base;               /* unprivileged: owners are stored relative to it */
        const char *image_version;      /* IMAGE@TAG */
        const char *image_dir;          /* <state>/images/IMAGE@TAG */
        bool include_image;
        char **volumes;                 /* names of the volumes to carry, or NULL */
        const char *volumes_dir;        /* <state>/volumes */
} ExportSpec;

int archive_export(const ExportSpec *spec);

/* Extract the archive read from fd into dir (empty), as container/, image/, volumes/NAME/, and the
 * manifest as dir/sysctr-manifest. Owners as stored (relative). */
int archive_import(int fd, const char *dir);

/* The manifest, as archive_import() left it (and checked it). */
typedef struct ArchiveManifest {
        char *name, *id, *image, *image_hash;
        bool privileged, image_included;
        char **volumes;
} ArchiveManifest;

void archive_manifest_done(ArchiveManifest *m);
int archive_manifest_read(const char *dir, ArchiveManifest *ret);

/* The content hash of an image's rootfs/ (every entry in name order: path, type, mode, owner, size,
 * link target, extended attributes, data; device nodes left out, as /dev is the agent's): what an
 * import looks for when the archive leaves the image out. Cached in the version's directory
 * (content.sha256), which never changes. */
int image_content_hash(const char *image_dir, char ret[static SHA256_HEX_SIZE]);
