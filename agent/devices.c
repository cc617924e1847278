/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "devices.h"
#include "fileio.h"
#include "log.h"
#include "strv.h"

/* The nodes every container may use, by their numbers in the kernel's devices.txt. Not here:
 * /dev/console (5:1) is the host's console (the guest's /dev/console is a pty of the agent, so it is
 * one of the pts below); 4:* virtual consoles and serial ports, 1:1 mem, 1:2 kmem, 1:4 port,
 * 1:11 kmsg, every block device (a disk of the host), fuse (10:229), dri, input, ... A container
 * gets the same policy, with or without a user namespace: the user namespace changes who may
 * mknod, not which nodes are safe to open. */
const DeviceRule device_rules[] = {
        { "/dev/null", DEVICE_CHAR, 1, 1, 3, DEVICE_ACCESS_ALL },
        { "/dev/zero", DEVICE_CHAR, 1, 1, 5, DEVICE_ACCESS_ALL },
        { "/dev/full", DEVICE_CHAR, 1, 1, 7, DEVICE_ACCESS_ALL },
        { "/dev/random", DEVICE_CHAR, 1, 1, 8, DEVICE_ACCESS_ALL },
        { "/dev/urandom", DEVICE_CHAR, 1, 1, 9, DEVICE_ACCESS_ALL },
        /* The opener's own controlling terminal, whatever it is. */
        { "/dev/tty", DEVICE_CHAR, 5, 5, 0, DEVICE_ACCESS_ALL },
        /* The pty multiplexer. Since Linux 4.7 a ptmx node opens the devpts instance found next to it
         * ("pts/" in the same directory), so even a copy made with mknod reaches only the guest's own
         * devpts. */
        { "/dev/ptmx", DEVICE_CHAR, 5, 5, 2, DEVICE_ACCESS_ALL },
        /* pty slaves (devices.txt gives them majors 136-143; Linux allocates them all on 136 today),
         * the guest's console among them. A slave node opens only where it lies inside a devpts
         * mount (pts_unix98_lookup() finds the tty through the dentry, -EIO elsewhere), so a
         * "mknod x c 136 N" cannot reach a terminal of the host or of another container. */
        { "pts", DEVICE_CHAR, 136, 143, DEVICE_MINOR_ANY, DEVICE_ACCESS_ALL },
        /* tun/tap: the interfaces it makes live in the container's own network namespace. */
        { "/dev/net/tun", DEVICE_CHAR, 10, 10, 200, DEVICE_ACCESS_ALL },
};
const size_t device_rules_count = ELEMENTSOF(device_rules);

static bool device_rule_is_valid(const DeviceRule *r) {
        /* The program compares with 32-bit immediates that the kernel sign-extends. */
        return r->type >= 0 && r->type < _DEVICE_TYPE_MAX && r->major_first <= r->major_last &&
               r->major_last <= INT32_MAX && (r->minor == DEVICE_MINOR_ANY || r->minor <= INT32_MAX) &&
               r->access != 0 && (r->access & ~(unsigned) DEVICE_ACCESS_ALL) == 0;
}

/* --- The BPF program ---
 *
 * The context (struct bpf_cgroup_dev_ctx) is read once into registers, then one block per rule tests
 * it and jumps to the next block on the first mismatch; a block that matches returns 1. Falling off
 * the last block returns 0. Only forward jumps: the verifier sees a straight, finite program.
 *
 *   r2 = ctx->access_type; r3 = r2 & 0xffff (BPF_DEVCG_DEV_*); r2 >>= 16 (BPF_DEVCG_ACC_*)
 *   r4 = ctx->major; r5 = ctx->minor
 *   rule: if r3 != type goto next; if r4 != major (or r4 < first, r4 > last) goto next;
 *         [if r5 != minor goto next;] if r2 & ~access goto next; r0 = 1; exit
 *   r0 = 0; exit */

enum {
        REG_ACCESS = BPF_REG_2,
        REG_TYPE = BPF_REG_3,
        REG_MAJOR = BPF_REG_4,
        REG_MINOR = BPF_REG_5,
};

#define DEVICE_BPF_PROLOGUE 6
#define DEVICE_BPF_MAX_PER_RULE 7
#define DEVICE_BPF_EPILOGUE 2

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
        return (struct bpf_insn) { .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

static struct bpf_insn load_ctx_u32(uint8_t dst, size_t offset) {
        return insn(BPF_LDX | BPF_MEM | BPF_W, dst, BPF_REG_1, (int16_t) offset, 0);
}

/* A conditional jump to the next rule; its offset is patched when the block's end is known. */
static struct bpf_insn jump_next(uint8_t op, uint8_t dst, int32_t imm) {
        return insn(BPF_JMP | op | BPF_K, dst, 0, 0, imm);
}

static size_t emit_rule(struct bpf_insn *p, const DeviceRule *r) {
        size_t k = 0;

        p[k++] = jump_next(BPF_JNE, REG_TYPE,
                           r->type == DEVICE_CHAR ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
        if (r->major_first == r->major_last)
                p[k++] = jump_next(BPF_JNE, REG_MAJOR, (int32_t) r->major_first);
        else {
                p[k++] = jump_next(BPF_JLT, REG_MAJOR, (int32_t) r->major_first);
                p[k++] = jump_next(BPF_JGT, REG_MAJOR, (int32_t) r->major_last);
        }
        if (r->minor != DEVICE_MINOR_ANY)
                p[k++] = jump_next(BPF_JNE, REG_MINOR, (int32_t) r->minor);
        /* Any requested bit the rule does not grant, including bits a later kernel may add. */
        p[k++] = jump_next(BPF_JSET, REG_ACCESS, (int32_t) ~r->access);
        /* Every jump above lands right after this block. */
        for (size_t j = 0; j < k; j++)
                p[j].off = (int16_t) (k + 2 - (j + 1));
        p[k++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
        p[k++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        return k;
}

int device_bpf_plan(const DeviceRule *rules, size_t n_rules, struct bpf_insn **ret, size_t *ret_n) {
        _cleanup_free_ struct bpf_insn *p = NULL;
        size_t k = 0;

        assert(rules || n_rules == 0);
        assert(ret && ret_n);

        for (size_t i = 0; i < n_rules; i++)
                if (!device_rule_is_valid(&rules[i]))
                        return -EINVAL;
        p = calloc(DEVICE_BPF_PROLOGUE + n_rules * DEVICE_BPF_MAX_PER_RULE + DEVICE_BPF_EPILOGUE, sizeof(*p));
        if (!p)
                return -ENOMEM;

        p[k++] = load_ctx_u32(REG_ACCESS, offsetof(struct bpf_cgroup_dev_ctx, access_type));
        p[k++] = insn(BPF_ALU64 | BPF_MOV | BPF_X, REG_TYPE, REG_ACCESS, 0, 0);
        p[k++] = insn(BPF_ALU64 | BPF_AND | BPF_K, REG_TYPE, 0, 0, 0xffff);
        p[k++] = insn(BPF_ALU64 | BPF_RSH | BPF_K, REG_ACCESS, 0, 0, 16);
        p[k++] = load_ctx_u32(REG_MAJOR, offsetof(struct bpf_cgroup_dev_ctx, major));
        p[k++] = load_ctx_u32(REG_MINOR, offsetof(struct bpf_cgroup_dev_ctx, minor));
        for (size_t i = 0; i < n_rules; i++)
                k += emit_rule(p + k, &rules[i]);
        p[k++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
        p[k++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

        *ret = TAKE_PTR(p);
        *ret_n = k;
        return 0;
}

static int bpf_call(int cmd, union bpf_attr *attr) {
        return RET_NERRNO(syscall(__NR_bpf, cmd, attr, sizeof(*attr)));
}

/* Load again with a log buffer, only to say why the verifier refused the program. */
static void log_verifier(const struct bpf_insn *insns, size_t n_insns) {
        _cleanup_free_ char *log = calloc(1, 64 * 1024);
        union bpf_attr attr = {
                .prog_type = BPF_PROG_TYPE_CGROUP_DEVICE,
                .insns = (uintptr_t) insns,
                .insn_cnt = (uint32_t) n_insns,
                .license = (uintptr_t) "GPL",
                .log_level = 1,
                .log_buf = (uintptr_t) log,
                .log_size = 64 * 1024,
        };
        int fd;

        if (!log)
                return;
        fd = bpf_call(BPF_PROG_LOAD, &attr);
        if (fd >= 0)
                safe_close(fd);
        log_debug("BPF verifier: %s", log);
}

/* How ours combines with the other device programs of the hierarchy (kernel/bpf/cgroup.c): a cgroup
 * runs its own programs plus those of every ancestor that attached with BPF_F_ALLOW_MULTI, and an
 * access is allowed only if each of them returns 1.
 *
 * - Under systemd the unit's cgroup already has systemd's program for DevicePolicy=/DeviceAllow=,
 *   attached with BPF_F_ALLOW_MULTI, so it keeps running for all of the unit's subtree whatever we
 *   attach below. Ours on payload/ runs in addition to it: the container gets the intersection, ours
 *   can only narrow the unit's policy, never widen it (and the agent in supervisor/ keeps the unit's
 *   policy alone).
 * - The flag we choose matters for what lies below us: the guest's own tree, where its systemd
 *   attaches programs for its units. With MULTI on payload/ any program below can only narrow ours,
 *   whatever flag it uses. With BPF_F_ALLOW_OVERRIDE a program attached further down would replace
 *   ours for its cgroup (an ancestor's override program yields to the cgroup's own): a way around
 *   the policy for a guest that may attach programs. With no flag nothing could be attached below
 *   at all, and the guest's systemd would lose its own DevicePolicy=.
 * Detaching is never needed: the attachment goes with payload/ when it is removed, and a fresh
 * payload/ (a guest reboot) needs the program attached again. */
int device_bpf_install(int cgroup_fd, const struct bpf_insn *insns, size_t n_insns) {
        union bpf_attr attr = {
                .prog_type = BPF_PROG_TYPE_CGROUP_DEVICE,
                .insns = (uintptr_t) insns,
                .insn_cnt = (uint32_t) n_insns,
                .license = (uintptr_t) "GPL",
                .prog_name = "sysctr_devices",
        };
        _cleanup_close_ int prog_fd = -EBADF;
        int r;

        assert(cgroup_fd >= 0);
        assert(insns && n_insns > 0);

        /* The kernel opens the program fd O_CLOEXEC. */
        prog_fd = bpf_call(BPF_PROG_LOAD, &attr);
        if (prog_fd < 0) {
                r = prog_fd;
                if (r == -EINVAL || r == -EACCES)
                        log_verifier(insns, n_insns);
                return log_debug_errno(r, "BPF_PROG_LOAD of the device program failed: %m");
        }

        attr = (union bpf_attr) {
                .target_fd = (uint32_t) cgroup_fd,
                .attach_bpf_fd = (uint32_t) prog_fd,
                .attach_type = BPF_CGROUP_DEVICE,
                .attach_flags = BPF_F_ALLOW_MULTI,
        };
        r = bpf_call(BPF_PROG_ATTACH, &attr);
        if (r < 0)
                return log_debug_errno(r, "BPF_PROG_ATTACH of the device program failed: %m");
        return 0;
}

int device_bpf_apply(const char *cgroup_dir) {
        _cleanup_free_ struct bpf_insn *insns = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t n;
        int r;

        r = device_bpf_plan(device_rules, device_rules_count, &insns, &n);
        if (r < 0)
                return r;
        fd = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return device_bpf_install(fd, insns, n);
}

/* --- cgroup v1 --- */

static void access_letters(unsigned access, char buf[static 4]) {
        char *p = buf;

        if (access & DEVICE_ACCESS_READ)
                *p++ = 'r';
        if (access & DEVICE_ACCESS_WRITE)
                *p++ = 'w';
        if (access & DEVICE_ACCESS_MKNOD)
                *p++ = 'm';
        *p = '\0';
}

int device_v1_plan(const DeviceRule *rules, size_t n_rules, char ***ret) {
        _cleanup_strv_free_ char **lines = NULL;

        assert(rules || n_rules == 0);
        assert(ret);

        for (size_t i = 0; i < n_rules; i++) {
                const DeviceRule *r = &rules[i];
                char letters[4], minor[16];

                if (!device_rule_is_valid(r))
                        return -EINVAL;
                access_letters(r->access, letters);
                if (r->minor == DEVICE_MINOR_ANY)
                        strcpy(minor, "*");
                else
                        (void) snprintf(minor, sizeof(minor), "%" PRIu32, r->minor);
                /* v1 has no major ranges: one line per major. */
                for (uint32_t major = r->major_first; major <= r->major_last; major++) {
                        char *line;

                        if (asprintf(&line, "%c %" PRIu32 ":%s %s", r->type == DEVICE_CHAR ? 'c' : 'b', major,
                                     minor, letters) < 0)
                                return -ENOMEM;
                        if (strv_push(&lines, line) < 0)
                                return -ENOMEM;
                }
        }
        /* An empty list is a valid plan: deny everything. */
        if (!lines && !(lines = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = TAKE_PTR(lines);
        return 0;
}

/* "c 136:* rwm" → "c 136:* rw"; NULL if there is nothing left to try. */
static char *line_without_mknod(const char *line) {
        size_t n = strlen(line);

        if (n < 2 || line[n - 1] != 'm' || line[n - 2] == ' ')
                return NULL;
        return strndup(line, n - 1);
}

int device_v1_apply(const char *dir, char * const *lines, char ***ret_refused) {
        _cleanup_free_ char *deny = NULL, *allow = NULL;
        _cleanup_strv_free_ char **refused = NULL;
        int r;

        assert(dir);

        if (asprintf(&deny, "%s/devices.deny", dir) < 0 || asprintf(&allow, "%s/devices.allow", dir) < 0)
                return -ENOMEM;
        r = write_string_file(deny, "a");
        if (r < 0)
                return log_debug_errno(r, "Failed to write \"a\" to %s: %m", deny);

        STRV_FOREACH(line, lines) {
                r = write_string_file(allow, *line);
                if (r == -EPERM) {
                        _cleanup_free_ char *weaker = line_without_mknod(*line);

                        if (weaker)
                                r = write_string_file(allow, weaker);
                }
                if (r == -EPERM) {
                        log_debug("The parent of %s does not allow \"%s\", leaving it out.", dir, *line);
                        if (strv_extend(&refused, *line) < 0)
                                return -ENOMEM;
                        continue;
                }
                if (r < 0)
                        return log_debug_errno(r, "Failed to write \"%s\" to %s: %m", *line, allow);
        }
        if (ret_refused)
                *ret_refused = TAKE_PTR(refused);
        return 0;
}

int device_v1_find(char * const *dirs, const char **ret) {
        assert(ret);

        STRV_FOREACH(d, dirs) {
                _cleanup_free_ char *p = NULL;

                if (asprintf(&p, "%s/devices.allow", *d) < 0)
                        return -ENOMEM;
                if (access(p, F_OK) >= 0) {
                        *ret = *d;
                        return 0;
                }
        }
        return -ENOENT;
}
