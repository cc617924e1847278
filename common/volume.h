/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

/* Volumes and tmpfs mounts (docs/storage.md): what a container's config says of them, and what a
 * volume's directory says of itself. Shared by sysctrd (which makes volumes) and the agent (which
 * mounts them).
 *
 * A volume is <state>/volumes/NAME/ with volume.info (KEY=VALUE: BACKEND, SIZE, CREATED) and:
 *   BACKEND=directory  data/, the volume's files, on the state file system (no size limit)
 *   BACKEND=loop       disk.img, an ext4 file system of SIZE bytes whose data/ is the volume's files;
 *                      it is mounted through a loop device by whoever needs it, never on a path
 *
 * The files of a volume are stored with the container-neutral IDs 0..65535 (as images are) and
 * every container sees them through an idmapped mount of its own user namespace: what root wrote in
 * one container is root's in the next, whatever its ID range. */

/* In config.yaml: volumes: ["data:/srv/data", "logs:/var/log/app:ro"] */
typedef struct VolumeSpec {
        char *name;
        char *target;
        bool read_only;
} VolumeSpec;

void volume_spec_done(VolumeSpec *v);
/* -EINVAL for an invalid spec: NAME (volume_name_is_valid) ":" TARGET (bind_target_is_valid) [":ro"|":rw"]. */
int volume_spec_parse(const char *s, VolumeSpec *ret);
bool volume_spec_is_valid(const char *s);

/* In config.yaml: tmpfs: ["/scratch", "/cache:size=64M", "/x:size=1G,mode=0700"]. Mode defaults to
 * 1777 and size to the kernel's (half the RAM). */
typedef struct TmpfsSpec {
        char *target;
        uint64_t size;          /* bytes, 0: the kernel's default */
        unsigned mode;
} TmpfsSpec;

void tmpfs_spec_done(TmpfsSpec *t);
int tmpfs_spec_parse(const char *s, TmpfsSpec *ret);
bool tmpfs_spec_is_valid(const char *s);
/* The tmpfs mount options for it ("mode=1777,size=67108864"); NULL on OOM. */
char *tmpfs_spec_options(const TmpfsSpec *t);

typedef enum VolumeBackend {
        VOLUME_DIRECTORY,
        VOLUME_LOOP,
        _VOLUME_BACKEND_MAX,
        _VOLUME_BACKEND_INVALID = -EINVAL,
} VolumeBackend;

const char *volume_backend_to_string(VolumeBackend b) _const_;
VolumeBackend volume_backend_from_string(const char *s) _pure_;

typedef struct VolumeInfo {
        VolumeBackend backend;
        uint64_t size;          /* bytes; 0 for a directory (no limit) */
        uint64_t created_usec;
} VolumeInfo;

#define VOLUME_INFO_FILE "volume.info"
#define VOLUME_DATA_DIR "data"
#define VOLUME_IMAGE_FILE "disk.img"
/* In a volume that an import put in place before its container: a crash between the two leaves it
 * marked, and sysctrd removes it at its next start (transfer.c). */
#define VOLUME_PENDING_FILE ".#import-pending"

/* volume.info in the volume directory dir_fd. -EINVAL if it is not ours (unknown keys are fine). */
int volume_info_read_at(int dir_fd, VolumeInfo *ret);
int volume_info_write_at(int dir_fd, const VolumeInfo *info);

/* A detached tree of the volume's files (for move_mount()): the data/ directory, or the data/ of its
 * file system on a loop device (shared with every other user of the volume: one loop device, one
 * super block, however many containers mount it). With userns_fd >= 0, idmapped through that user
 * namespace. nosuid and nodev. Needs CAP_SYS_ADMIN in the host's user namespace. */
int volume_open_tree(const char *volume_dir, int userns_fd, int *ret_fd);
