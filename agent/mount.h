/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "macro.h"

/* The container's file system setup, as plain data: mount-plan.c builds the list of operations
 * (checked by tests/unit/test-mount-plan.c without root), mount.c applies it inside the child's
 * private mount namespace, relative to the new root, before pivot_root. */

typedef enum MountKind {
        MOUNT_FS,               /* mount a file system (fstype, source, ms_flags, options) on target */
        MOUNT_BIND,             /* bind source onto target (MS_REC with MOUNT_RECURSIVE) */
        MOUNT_READ_ONLY,        /* make the mount at target read-only (its whole subtree with
                                 * MOUNT_RECURSIVE), keeping its other flags */
        MOUNT_MKDIR,            /* create directory target (mode) */
        MOUNT_MKNOD,            /* create device node target (mode, dev); if mknod is refused, bind
                                 * the host's node named by source over an empty file instead */
        MOUNT_SYMLINK,          /* create symlink target pointing to source */
        MOUNT_WRITE_FILE,       /* create/replace file target (mode) holding the text source */
        _MOUNT_KIND_MAX,
        _MOUNT_KIND_INVALID = -EINVAL,
} MountKind;

typedef enum MountEntryFlags {
        MOUNT_IF_EXISTS = 1 << 0,       /* skip when the target does not exist (e.g. /proc/kcore) */
        MOUNT_BEST_EFFORT = 1 << 1,     /* a failure is not fatal (e.g. mqueue) */
        MOUNT_MKDIR_TARGET = 1 << 2,    /* create the mount point directory if missing */
        MOUNT_TOUCH_TARGET = 1 << 3,    /* create the mount point as an empty file if missing */
        MOUNT_SOURCE_IN_ROOT = 1 << 4,  /* source is a path in the new root, not a host path */
        MOUNT_RECURSIVE = 1 << 5,
        /* MOUNT_BIND of a host path through an idmapped tree that the agent makes (bind.h ":idmap"):
         * host root's files are the container root's. Without a user namespace, a plain bind. */
        MOUNT_IDMAP = 1 << 6,
} MountEntryFlags;

typedef struct MountEntry {
        MountKind kind;
        MountEntryFlags flags;
        /* Relative to the new root: no leading "/", no "." or ".." components. Resolved with
         * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS): a symlink the guest planted on the way is
         * an error (ELOOP), never followed. */
        const char *target;
        const char *source;
        const char *fstype;
        unsigned long ms_flags;
        const char *options;
        mode_t mode;
        dev_t dev;
        /* MOUNT_FS only: a host path to bind (recursively) instead if the file system cannot be
         * mounted, e.g. sysfs in a network namespace on some kernels. */
        const char *fallback;
} MountEntry;

typedef struct MountPlanParams {
        const char *console;            /* host path of the pty slave for /dev/console, or NULL */
        const char *container_uuid;     /* written to /run/host/container-uuid, or NULL */
        const char *notify_dir;         /* host dir bound read-only onto /run/host/notify, or NULL */
        const char *os_release;         /* written to /run/host/os-release, or NULL */
        char * const *binds;            /* the config's "SRC:DST[:ro]" (bind.h), mounted last, or NULL */
        const char *boot_id;            /* a fresh UUID for /proc/sys/kernel/random/boot_id, or NULL */
} MountPlanParams;

typedef struct MountPlan {
        MountEntry *entries;
        size_t n_entries;
        char **strings;                 /* owns the non-literal strings the entries point to */
} MountPlan;

MountPlan *mount_plan_free(MountPlan *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(MountPlan *, mount_plan_free);

int mount_plan_build(const MountPlanParams *params, MountPlan **ret);

/* Index of the first entry of kind with this target at or after start, or -ENOENT. */
int mount_plan_find(const MountPlan *p, MountKind kind, const char *target, size_t start);

/* One line for messages and tests, e.g. "fs proc on proc (nosuid,nodev,noexec)". */
int mount_entry_to_string(const MountEntry *e, char **ret);

const char *mount_kind_to_string(MountKind k) _const_;
MountKind mount_kind_from_string(const char *s) _pure_;

/* True if target is a clean relative path: not empty, no leading "/", no "", "." or ".." parts. */
bool mount_target_is_valid(const char *target);

/* The overlay mount options for the container's root. Layer paths that contain characters with a
 * meaning in overlayfs' option syntax (",", ":", "\", "=", newline) are refused with -EINVAL rather
 * than escaped: escaping rules differ between kernel versions. */
int mount_overlay_options(const char *lower, const char *upper, const char *work, bool userxattr, char **ret);

/* --- mount.c: the apply layer (needs privileges; runs in the container's child) --- */

/* Mount the overlay on where (a directory on the host side, in the child's private namespace). */
int mount_overlay(const char *options, const char *where);

/* The host side of the binds, one slot per plan entry: a descriptor of the source opened in advance
 * (-errno where that failed, -EBADF where there is none), or a detached tree to attach instead. */
typedef struct MountSources {
        int *fds;
        bool *trees;
        size_t n;
} MountSources;

/* Open the host paths the plan binds (sources of MOUNT_BIND without MOUNT_SOURCE_IN_ROOT, and of
 * MOUNT_MKNOD's fallback) as O_PATH descriptors: a child that is about to become the root of a user
 * namespace opens them while it still may. */
int mount_sources_open(const MountPlan *p, MountSources *ret);
/* Entry i takes the detached tree fd (an idmapped bind), which it owns from now on. */
void mount_sources_set_tree(MountSources *s, size_t i, int fd);
void mount_sources_done(MountSources *s);

/* Apply every entry relative to root_fd. sources: from mount_sources_open(), or NULL to open sources
 * as they are needed. On failure, *ret_failed (if not NULL) is the index of the failing entry. */
int mount_plan_apply(const MountPlan *p, int root_fd, const MountSources *sources, size_t *ret_failed);

/* Switch the calling process's root to the directory root_fd refers to (a mount point) and detach
 * the old root. */
int mount_pivot_root(int root_fd);
