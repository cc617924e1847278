/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/capability.h>
#include <linux/netlink.h>
#include <seccomp.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "macro.h"
#include "security.h"

/* Compared with systemd-nspawn's default set and LXC's default drops: we drop what both drop (module
 * loading, raw I/O, the clock, MAC policy) plus what only nspawn drops and a systemd guest does not
 * need (syslog, wake alarms, suspend blocking, process accounting, BPF, perf, checkpoint/restore,
 * audit control and reading). Kept, because a systemd guest uses them: CAP_SYS_ADMIN (mounts,
 * namespaces of its services), CAP_SYS_BOOT (reboot(2) ends only the container's pid namespace),
 * CAP_NET_ADMIN (its own network namespace), CAP_MKNOD (char devices; block devices are refused by
 * seccomp below), CAP_SETFCAP, CAP_SYS_CHROOT, CAP_SYS_PTRACE, CAP_SYS_RESOURCE, CAP_SYS_NICE,
 * CAP_IPC_LOCK, CAP_LEASE, CAP_AUDIT_WRITE (login writes records; the netlink socket is refused). */
static const int dropped_capabilities[] = {
        CAP_SYS_MODULE,  CAP_SYS_RAWIO,   CAP_SYS_TIME,  CAP_MAC_ADMIN, CAP_MAC_OVERRIDE,
        CAP_AUDIT_CONTROL, CAP_AUDIT_READ, CAP_SYSLOG,  CAP_WAKE_ALARM, CAP_BLOCK_SUSPEND,
        CAP_SYS_PACCT,   CAP_PERFMON,     CAP_BPF,       CAP_CHECKPOINT_RESTORE,
};

/* Every failure is an errno the guest's programs already handle: systemd treats EPERM from the
 * keyring, bpf() and perf calls as "not available here" (the same as under nspawn or docker), and
 * journald skips audit on EAFNOSUPPORT. The legacy calls are refused in case a 32-bit compat table
 * still has them. */
static const SecuritySyscallRule syscall_rules[] = {
        /* Kernel code and the running kernel. */
        { "init_module", EPERM },       { "finit_module", EPERM },      { "delete_module", EPERM },
        { "create_module", EPERM },     { "query_module", EPERM },      { "get_kernel_syms", EPERM },
        { "kexec_load", EPERM },        { "kexec_file_load", EPERM },
        /* Host-wide state a container has no business changing. */
        { "swapon", EPERM },            { "swapoff", EPERM },           { "acct", EPERM },
        { "quotactl", EPERM },          { "quotactl_fd", EPERM },       { "lookup_dcookie", EPERM },
        { "iopl", EPERM },              { "ioperm", EPERM },
        /* Escape from a bind mount through a file handle (CVE-2014-9357-era "shocker"). */
        { "open_by_handle_at", EPERM },
        /* Kernel keyrings are not namespaced. */
        { "add_key", EPERM },           { "request_key", EPERM },       { "keyctl", EPERM },
        /* Programs in the host kernel: attack surface and, with tracing, the host's memory. */
        { "bpf", EPERM },               { "perf_event_open", EPERM },
        /* Old interfaces. */
        { "uselib", EPERM },            { "_sysctl", EPERM },           { "nfsservctl", EPERM },
        { "vm86", EPERM },              { "vm86old", EPERM },
        /* Disks: a block device node is the host's disk. Character devices stay allowed. */
        { "mknod", EPERM, SECURITY_ARGS_BLOCK_DEVICE },
        { "mknodat", EPERM, SECURITY_ARGS_BLOCK_DEVICE },
        /* The audit subsystem is not namespaced either. */
        { "socket", EAFNOSUPPORT, SECURITY_ARGS_NETLINK_AUDIT },
};

const SecuritySyscallRule *security_syscall_rules(size_t *ret_n) {
        *ret_n = ELEMENTSOF(syscall_rules);
        return syscall_rules;
}

const int *security_dropped_capabilities(size_t *ret_n) {
        *ret_n = ELEMENTSOF(dropped_capabilities);
        return dropped_capabilities;
}

static int drop_inheritable(void) {
        struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};

        /* For root, execve() gives permitted = bounding | (inheritable & file inheritable), so a
         * capability left in the inheritable set would come back. Lowering it there also lowers the
         * ambient set (which must stay a subset). No glibc wrapper: capget(2) needs libcap otherwise. */
        if (syscall(SYS_capget, &header, data) < 0)
                return -errno;
        for (size_t i = 0; i < ELEMENTSOF(dropped_capabilities); i++) {
                int cap = dropped_capabilities[i];

                data[cap / 32].inheritable &= ~(UINT32_C(1) << (cap % 32));
        }
        return RET_NERRNO(syscall(SYS_capset, &header, data));
}

int security_drop_bounding_set(void) {
        for (size_t i = 0; i < ELEMENTSOF(dropped_capabilities); i++) {
                int cap = dropped_capabilities[i];

                /* EINVAL: this kernel predates the capability (CAP_BPF is 5.8), nothing to drop. */
                if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) {
                        if (errno == EINVAL)
                                continue;
                        return -errno;
                }
                if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
                        return -errno;
        }
        return drop_inheritable();
}

/* Architectures whose system calls may reach a kernel of the native one. */
static size_t seccomp_arches(uint32_t ret[static 3]) {
        uint32_t native = seccomp_arch_native();
        size_t n = 0;

        ret[n++] = native;
        if (native == SCMP_ARCH_X86_64) {
                ret[n++] = SCMP_ARCH_X86;
                ret[n++] = SCMP_ARCH_X32;
        } else if (native == SCMP_ARCH_AARCH64)
                ret[n++] = SCMP_ARCH_ARM;
        return n;
}

static bool arch_has_plain_socket_call(uint32_t arch) {
        /* i386 (and s390, ppc, ...) may reach socket() through the socketcall(2) multiplexer, whose
         * arguments are behind a pointer that seccomp cannot read. There the audit rule would either
         * be void or, applied to socketcall as a whole, break every socket: skip it, as systemd's
         * RestrictAddressFamilies= does. The kernel refuses audit requests from a pid namespace other
         * than the initial one anyway; the rule only keeps journald from trying. */
        return arch == SCMP_ARCH_X86_64 || arch == SCMP_ARCH_X32 || arch == SCMP_ARCH_AARCH64 ||
               arch == SCMP_ARCH_ARM;
}

static int seccomp_add_rule(scmp_filter_ctx ctx, uint32_t arch, const SecuritySyscallRule *rule) {
        uint32_t action = SCMP_ACT_ERRNO((uint32_t) rule->error);
        /* Native number; libseccomp translates it for the filter's architecture (by name). */
        int nr = seccomp_syscall_resolve_name(rule->name);

        if (nr == __NR_SCMP_ERROR)
                return 0;       /* a name this libseccomp does not know */
        switch (rule->match) {
        case SECURITY_ARGS_ANY:
                return seccomp_rule_add(ctx, action, nr, 0);
        case SECURITY_ARGS_NETLINK_AUDIT:
                if (!arch_has_plain_socket_call(arch))
                        return 0;
                return seccomp_rule_add(ctx, action, nr, 2, SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
                                        SCMP_A2(SCMP_CMP_EQ, NETLINK_AUDIT));
        case SECURITY_ARGS_BLOCK_DEVICE:
                /* The mode is argument 1 of mknod() and 2 of mknodat(). The kernel reads it as a
                 * 16-bit umode_t; masking with S_IFMT ignores the bits it ignores too. */
                if (streq(rule->name, "mknod"))
                        return seccomp_rule_add(ctx, action, nr, 1,
                                                SCMP_A1(SCMP_CMP_MASKED_EQ, S_IFMT, S_IFBLK));
                return seccomp_rule_add(ctx, action, nr, 1, SCMP_A2(SCMP_CMP_MASKED_EQ, S_IFMT, S_IFBLK));
        default:
                return -EINVAL;
        }
}

static int seccomp_load_arch(uint32_t arch) {
        scmp_filter_ctx ctx;
        int r;

        /* One filter per architecture, as systemd does: a rule that cannot be expressed for one
         * architecture (see arch_has_plain_socket_call()) then does not weaken the others. Calls of
         * other architectures pass this filter and meet their own. */
        ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx)
                return -ENOMEM;
        r = seccomp_arch_add(ctx, arch);
        if (r == -EEXIST)
                r = 0;
        if (r >= 0 && arch != seccomp_arch_native())
                r = seccomp_arch_remove(ctx, seccomp_arch_native());
        if (r >= 0)
                r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
        /* libseccomp sets NO_NEW_PRIVS on load by default; see security.h for why we must not. */
        if (r >= 0)
                r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(syscall_rules); i++)
                r = seccomp_add_rule(ctx, arch, &syscall_rules[i]);
        if (r >= 0)
                r = seccomp_load(ctx);
        seccomp_release(ctx);
        return r < 0 ? r : 0;
}

int security_apply_seccomp(void) {
        uint32_t arches[3];
        size_t n = seccomp_arches(arches);

        for (size_t i = 0; i < n; i++) {
                int r = seccomp_load_arch(arches[i]);

                if (r < 0)
                        return r;
        }
        return 0;
}

int security_apply_container_baseline(void) {
        int r;

        r = security_drop_bounding_set();
        if (r < 0)
                return r;
        return security_apply_seccomp();
}
