/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The security baseline of every process that enters a container: the container's init (applied by
 * sysctr-agent in its child right before execve()) and each "sysctr exec" command. It is a baseline
 * for a container WITHOUT a user namespace, whose root keeps CAP_SYS_ADMIN because systemd needs it:
 * it keeps the guest from loading kernel modules, setting the host's clock, kexec, swapon, keyrings,
 * BPF and perf programs, block device nodes, and the audit subsystem, by accident or by ordinary
 * tools. It is not a boundary against a hostile root in the guest (one that remounts /proc/sys
 * read-write, say): that needs a user namespace, as with LXC's "privileged containers".
 *
 * This is the only module that includes <seccomp.h>; it never logs. Programs that call it link
 * $(SECCOMP_LIBS). */

/* One entry of the seccomp deny list. */
typedef enum SecurityArgMatch {
        SECURITY_ARGS_ANY,              /* every call */
        SECURITY_ARGS_NETLINK_AUDIT,    /* socket(AF_NETLINK, *, NETLINK_AUDIT) */
        SECURITY_ARGS_BLOCK_DEVICE,     /* mknod()/mknodat() whose mode has S_IFMT == S_IFBLK */
        _SECURITY_ARGS_MAX,
        _SECURITY_ARGS_INVALID = -1,
} SecurityArgMatch;

typedef struct SecuritySyscallRule {
        const char *name;               /* libseccomp's name of the system call */
        int error;                      /* the errno it fails with */
        SecurityArgMatch match;
} SecuritySyscallRule;

/* The deny list, and the capabilities removed from the bounding, inheritable and ambient sets.
 * Exposed (read-only) for the unit tests and for documentation tools. */
const SecuritySyscallRule *security_syscall_rules(size_t *ret_n);
const int *security_dropped_capabilities(size_t *ret_n);

/* Drop the dropped capabilities from the bounding set (PR_CAPBSET_DROP) and from the inheritable and
 * ambient sets, so no later execve() can regain them. Capabilities this kernel does not know are
 * skipped. Needs CAP_SETPCAP. The effective set of the caller is left alone until its execve(). */
int security_drop_bounding_set(void);

/* Load the deny list as seccomp filters: one for the native architecture and one for each compat
 * architecture the kernel may run on it (x86-64: i386 and x32; arm64: arm), so a 32-bit call
 * cannot go around it. NO_NEW_PRIVS is deliberately not set (it would break su, login and other
 * setuid programs in the guest), so the caller needs CAP_SYS_ADMIN; or, for tests, has set
 * NO_NEW_PRIVS itself. */
int security_apply_seccomp(void);

/* Both of the above, capabilities first (prctl() stays allowed either way). */
int security_apply_container_baseline(void);
