/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* The container's device policy: which device nodes its processes may open (read, write) and create
 * (mknod). The agent installs it itself, in systemd and standalone mode alike, from one table
 * (device_rules[]), planned as data and then applied:
 *
 *   cgroup2:    device_bpf_plan() → a BPF_PROG_TYPE_CGROUP_DEVICE program, device_bpf_install() loads
 *               it and attaches it to payload/ with BPF_F_ALLOW_MULTI (why: devices.c).
 *   cgroup v1:  device_v1_plan() → "c 1:3 rwm" lines, device_v1_apply() writes "a" to devices.deny and
 *               the lines to devices.allow of the container's v1 devices cgroup (hybrid hosts).
 *
 * The kernel asks both (devcgroup_check_permission(): the cgroup2 programs first, then the v1
 * controller): a device is usable only if both allow it. Everything here returns 0 or a negative
 * errno and logs at debug level at most; the caller logs once. */

typedef enum DeviceType {
        DEVICE_CHAR,
        DEVICE_BLOCK,
        _DEVICE_TYPE_MAX,
        _DEVICE_TYPE_INVALID = -EINVAL,
} DeviceType;

/* The kernel's BPF_DEVCG_ACC_* bits, also used for v1's "r", "w", "m". */
typedef enum DeviceAccess {
        DEVICE_ACCESS_MKNOD = BPF_DEVCG_ACC_MKNOD,
        DEVICE_ACCESS_READ = BPF_DEVCG_ACC_READ,
        DEVICE_ACCESS_WRITE = BPF_DEVCG_ACC_WRITE,
        DEVICE_ACCESS_RW = DEVICE_ACCESS_READ | DEVICE_ACCESS_WRITE,
        DEVICE_ACCESS_ALL = DEVICE_ACCESS_MKNOD | DEVICE_ACCESS_READ | DEVICE_ACCESS_WRITE,
} DeviceAccess;

#define DEVICE_MINOR_ANY UINT32_MAX

/* One allowed device, or a range of majors (the pts majors): type, major_first..major_last, one
 * minor or DEVICE_MINOR_ANY (cgroup v1 can express no other minor range). */
typedef struct DeviceRule {
        const char *what;       /* for messages and the reader: "/dev/null", "pts" */
        DeviceType type;
        uint32_t major_first, major_last;
        uint32_t minor;
        unsigned access;        /* DeviceAccess bits */
} DeviceRule;

/* The container's allow list (everything else is denied). */
extern const DeviceRule device_rules[];
extern const size_t device_rules_count;

/* --- cgroup2: a BPF_PROG_TYPE_CGROUP_DEVICE program ---
 * The instructions, built from rules; the program returns 1 (allow) for an access that one rule
 * covers entirely (type, major, minor, and every requested access bit), else 0. */
int device_bpf_plan(const DeviceRule *rules, size_t n_rules, struct bpf_insn **ret, size_t *ret_n);

/* bpf(BPF_PROG_LOAD) the program (license "GPL"), then bpf(BPF_PROG_ATTACH) it to the cgroup2
 * directory cgroup_fd with BPF_F_ALLOW_MULTI. The attachment keeps the program alive: it goes with
 * the cgroup (rmdir), nothing to detach. -EPERM without CAP_SYS_ADMIN/CAP_BPF; on a verifier
 * refusal the verifier's log is logged at debug level. */
int device_bpf_install(int cgroup_fd, const struct bpf_insn *insns, size_t n_insns);

/* Both steps for the container's cgroup2 cgroup dir (an absolute path, e.g.
 * /sys/fs/cgroup/unified/.../payload). */
int device_bpf_apply(const char *cgroup_dir);

/* --- cgroup v1 (hybrid hosts): the devices controller ---
 * The devices.allow lines of rules ("c 1:3 rwm", one per major of a range, "*" for any minor). */
int device_v1_plan(const DeviceRule *rules, size_t n_rules, char ***ret);

/* Write "a" to dir/devices.deny (deny everything, forget inherited exceptions: the kernel refuses it
 * with -EINVAL once dir has child cgroups, so apply this before the guest runs), then each line to
 * dir/devices.allow. A v1 devices cgroup can never allow more than its parent: where the parent
 * (under systemd: the unit's DevicePolicy=) allows the device without "m", the line is retried
 * without "m"; a line the parent refuses altogether is left out (returned in *ret_refused, may be
 * NULL) and is no error. */
int device_v1_apply(const char *dir, char * const *lines, char ***ret_refused);

/* The directory among dirs (the agent's payload_v1: the container's cgroup in each v1 hierarchy)
 * that belongs to the v1 devices hierarchy: the one with a devices.allow file. -ENOENT if none. */
int device_v1_find(char * const *dirs, const char **ret);
