/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's device policy as data (agent/devices.c), no root: the BPF program is run through a
 * small interpreter of the few instructions it may use (anything else fails the test, as does a
 * backward or out-of-range jump or a read of a register never written) against a table of accesses
 * written by hand from devices.txt; the cgroup v1 lines are compared with the expected list, and
 * both plans are checked to agree with each other. test-devices-cgroup proves it in the kernel. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <sys/stat.h>

#include "devices.h"
#include "strv.h"
#include "tap.h"

#define M BPF_DEVCG_ACC_MKNOD
#define R BPF_DEVCG_ACC_READ
#define W BPF_DEVCG_ACC_WRITE
#define C BPF_DEVCG_DEV_CHAR
#define B BPF_DEVCG_DEV_BLOCK

/* --- the interpreter --- */

#define RUN_BAD_PROGRAM -1

static const char *run_error;

static int64_t run_fail(const char *why) {
        run_error = why;
        return RUN_BAD_PROGRAM;
}

/* Runs prog on ctx; returns r0 (0 or 1 for a sound device program) or RUN_BAD_PROGRAM. */
static int64_t run(const struct bpf_insn *p, size_t n, const struct bpf_cgroup_dev_ctx *ctx) {
        uint64_t reg[11] = {};
        bool set[11] = { [BPF_REG_1] = true };  /* r1: the context */

        for (size_t pc = 0; pc < n; pc++) {
                const struct bpf_insn *i = &p[pc];
                uint64_t imm = (uint64_t) (int64_t) i->imm;     /* the kernel sign-extends */
                bool jump = false;

                if (i->dst_reg > BPF_REG_10 || i->src_reg > BPF_REG_10)
                        return run_fail("bad register");
                switch (i->code) {
                case BPF_LDX | BPF_MEM | BPF_W:
                        if (i->src_reg != BPF_REG_1 || i->off < 0 || i->off % 4 != 0 ||
                            (size_t) i->off + 4 > sizeof(*ctx))
                                return run_fail("load outside the context");
                        reg[i->dst_reg] = *(const uint32_t *) ((const uint8_t *) ctx + i->off);
                        set[i->dst_reg] = true;
                        continue;
                case BPF_ALU64 | BPF_MOV | BPF_X:
                        if (!set[i->src_reg] || i->src_reg == BPF_REG_1)
                                return run_fail("copy of an unset register or of the context");
                        reg[i->dst_reg] = reg[i->src_reg];
                        set[i->dst_reg] = true;
                        continue;
                case BPF_ALU64 | BPF_MOV | BPF_K:
                        reg[i->dst_reg] = imm;
                        set[i->dst_reg] = true;
                        continue;
                case BPF_JMP | BPF_EXIT:
                        if (!set[BPF_REG_0])
                                return run_fail("exit with r0 unset");
                        return (int64_t) reg[BPF_REG_0];
                case BPF_JMP | BPF_JA:
                        jump = true;
                        break;
                default:
                        break;
                }
                if (!jump) {
                        if (!set[i->dst_reg] || i->dst_reg == BPF_REG_1)
                                return run_fail("use of an unset register or of the context");
                        switch (i->code) {
                        case BPF_ALU64 | BPF_AND | BPF_K:
                                reg[i->dst_reg] &= imm;
                                continue;
                        case BPF_ALU64 | BPF_RSH | BPF_K:
                                if (i->imm < 0 || i->imm > 63)
                                        return run_fail("bad shift");
                                reg[i->dst_reg] >>= i->imm;
                                continue;
                        case BPF_JMP | BPF_JNE | BPF_K:
                                jump = reg[i->dst_reg] != imm;
                                break;
                        case BPF_JMP | BPF_JLT | BPF_K:
                                jump = reg[i->dst_reg] < imm;
                                break;
                        case BPF_JMP | BPF_JGT | BPF_K:
                                jump = reg[i->dst_reg] > imm;
                                break;
                        case BPF_JMP | BPF_JSET | BPF_K:
                                jump = (reg[i->dst_reg] & imm) != 0;
                                break;
                        default:
                                return run_fail("unexpected opcode");
                        }
                }
                if (i->off <= 0 || pc + 1 + (size_t) i->off >= n + 1)
                        return run_fail("jump backwards or out of the program");
                if (jump)
                        pc += (size_t) i->off;
        }
        return run_fail("fell off the end");
}

static int64_t run_access(const struct bpf_insn *p, size_t n, unsigned type, uint32_t major, uint32_t minor,
                          unsigned access) {
        struct bpf_cgroup_dev_ctx ctx = {
                .access_type = (access << 16) | type,
                .major = major,
                .minor = minor,
        };

        return run(p, n, &ctx);
}

/* --- the expectations, written from devices.txt, not from the rule table --- */

typedef struct Case {
        const char *what;
        unsigned type;
        uint32_t major, minor;
        unsigned access;
        bool allowed;
} Case;

static const Case cases[] = {
        { "null rw", C, 1, 3, R | W, true },
        { "null read", C, 1, 3, R, true },
        { "null mknod", C, 1, 3, M, true },
        { "null rwm", C, 1, 3, M | R | W, true },
        { "zero", C, 1, 5, R | W, true },
        { "full", C, 1, 7, R | W, true },
        { "random", C, 1, 8, R, true },
        { "urandom mknod", C, 1, 9, M, true },
        { "tty", C, 5, 0, R | W, true },
        { "ptmx", C, 5, 2, R | W, true },
        { "ptmx mknod", C, 5, 2, M, true },
        { "pts 0", C, 136, 0, R | W, true },
        { "pts 255", C, 136, 255, R | W, true },
        { "pts on 137", C, 137, 1, R | W, true },
        { "pts, last major and minor", C, 143, 1048575, R | W | M, true },
        { "tun", C, 10, 200, R | W, true },
        { "tun mknod", C, 10, 200, M, true },
        { "mem read", C, 1, 1, R, false },
        { "mem mknod", C, 1, 1, M, false },
        { "kmem", C, 1, 2, R | W, false },
        { "port", C, 1, 4, R | W, false },
        { "1:6 (no device)", C, 1, 6, R, false },
        { "kmsg", C, 1, 11, R, false },
        { "console", C, 5, 1, R | W, false },
        { "ptyp (5:3)", C, 5, 3, R | W, false },
        { "tty0", C, 4, 0, R | W, false },
        { "ttyS0", C, 4, 64, R | W, false },
        { "135:0, below the pts majors", C, 135, 0, R | W, false },
        { "144:0, above the pts majors", C, 144, 0, R | W, false },
        { "psaux (10:1)", C, 10, 1, R, false },
        { "10:201", C, 10, 201, R | W, false },
        { "fuse", C, 10, 229, R | W, false },
        { "dri card0", C, 226, 0, R | W, false },
        { "input event0", C, 13, 64, R, false },
        { "0:0", C, 0, 0, R, false },
        { "major 2^31", C, 0x80000000u, 3, R, false },
        { "block 1:3 (the null numbers, as a block device)", B, 1, 3, R | W, false },
        { "block loop0", B, 7, 0, R, false },
        { "block loop0 mknod", B, 7, 0, M, false },
        { "block sda", B, 8, 0, R | W, false },
        { "block pts numbers", B, 136, 0, R, false },
        { "null with an access bit the kernel does not define", C, 1, 3, R | 8, false },
        { "char and block bits at once", C | B, 1, 3, R, false },
};

static void test_program_against_cases(void) {
        _cleanup_free_ struct bpf_insn *p = NULL;
        size_t n = 0;

        is_int(device_bpf_plan(device_rules, device_rules_count, &p, &n), 0, "the program is planned");
        ok(n > 0 && n < 4096, "it has %zu instructions, within the kernel's limit for unprivileged loaders", n);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const Case *c = &cases[i];
                int64_t got;

                run_error = NULL;
                got = run_access(p, n, c->type, c->major, c->minor, c->access);
                if (!is_int(got, c->allowed, "%s (%s %" PRIu32 ":%" PRIu32 ") is %s", c->what,
                            c->type == C ? "c" : c->type == B ? "b" : "?", c->major, c->minor,
                            c->allowed ? "allowed" : "denied"))
                        diag("interpreter: %s", strna(run_error));
        }
}

/* Every context the kernel can pass is answered, with 0 or 1 and nothing else. */
static void test_program_is_total(void) {
        _cleanup_free_ struct bpf_insn *p = NULL;
        static const uint32_t majors[] = { 0, 1, 5, 7, 10, 135, 136, 140, 143, 144, 4095, UINT32_MAX };
        static const uint32_t minors[] = { 0, 1, 2, 3, 9, 200, 1048575, UINT32_MAX };
        unsigned bad = 0, runs = 0;
        size_t n = 0;

        require(device_bpf_plan(device_rules, device_rules_count, &p, &n) == 0);
        for (unsigned type = 0; type <= 3; type++)
                for (size_t a = 0; a < ELEMENTSOF(majors); a++)
                        for (size_t b = 0; b < ELEMENTSOF(minors); b++)
                                for (unsigned access = 0; access <= 15; access++) {
                                        int64_t r = run_access(p, n, type, majors[a], minors[b], access);

                                        runs++;
                                        if (r != 0 && r != 1)
                                                bad++;
                                }
        is_int(bad, 0, "all %u contexts run to an exit with 0 or 1 (last error: %s)", runs, strna(run_error));
}

static void test_custom_rules(void) {
        static const DeviceRule loop_read[] = {
                { "loop", DEVICE_BLOCK, 7, 7, DEVICE_MINOR_ANY, DEVICE_ACCESS_READ },
        };
        _cleanup_free_ struct bpf_insn *p = NULL, *empty = NULL;
        size_t n = 0, n_empty = 0;

        is_int(device_bpf_plan(loop_read, 1, &p, &n), 0, "a block rule with any minor is planned");
        is_int(run_access(p, n, B, 7, 3, R), 1, "... b 7:3 read is allowed");
        is_int(run_access(p, n, B, 7, 3, R | W), 0, "... b 7:3 read+write is not (write is not granted)");
        is_int(run_access(p, n, C, 7, 3, R), 0, "... c 7:3 is not (type)");
        is_int(run_access(p, n, B, 8, 3, R), 0, "... b 8:3 is not (major)");

        is_int(device_bpf_plan(NULL, 0, &empty, &n_empty), 0, "an empty rule list is planned");
        is_int(run_access(empty, n_empty, C, 1, 3, R), 0, "... and denies everything");
}

static void test_bad_rules(void) {
        static const DeviceRule bad[] = {
                { "majors reversed", DEVICE_CHAR, 5, 4, 0, DEVICE_ACCESS_ALL },
                { "no access", DEVICE_CHAR, 1, 1, 3, 0 },
                { "unknown access bit", DEVICE_CHAR, 1, 1, 3, DEVICE_ACCESS_READ | 8 },
                { "bad type", (DeviceType) 7, 1, 1, 3, DEVICE_ACCESS_ALL },
                { "major beyond 32-bit immediates", DEVICE_CHAR, 0x80000000u, 0x80000000u, 3, DEVICE_ACCESS_ALL },
                { "minor beyond 32-bit immediates", DEVICE_CHAR, 1, 1, 0x80000000u, DEVICE_ACCESS_ALL },
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_strv_free_ char **lines = NULL;
                struct bpf_insn *p = NULL;
                size_t n = 0;

                is_int(device_bpf_plan(&bad[i], 1, &p, &n), -EINVAL, "BPF plan refuses a rule with %s",
                       bad[i].what);
                is_int(device_v1_plan(&bad[i], 1, &lines), -EINVAL, "v1 plan refuses a rule with %s", bad[i].what);
                free(p);
        }
}

static void test_v1_lines(void) {
        static const char * const expected[] = {
                "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:2 rwm",
                "c 136:* rwm", "c 137:* rwm", "c 138:* rwm", "c 139:* rwm", "c 140:* rwm", "c 141:* rwm",
                "c 142:* rwm", "c 143:* rwm", "c 10:200 rwm", NULL,
        };
        static const DeviceRule partial[] = {
                { "loop", DEVICE_BLOCK, 7, 7, DEVICE_MINOR_ANY, DEVICE_ACCESS_READ },
                { "null", DEVICE_CHAR, 1, 1, 3, DEVICE_ACCESS_RW },
                { "tun", DEVICE_CHAR, 10, 10, 200, DEVICE_ACCESS_MKNOD | DEVICE_ACCESS_WRITE },
        };
        _cleanup_strv_free_ char **lines = NULL, **other = NULL, **none = NULL;
        _cleanup_free_ char *joined = NULL, *joined_other = NULL;

        is_int(device_v1_plan(device_rules, device_rules_count, &lines), 0, "the v1 lines are planned");
        joined = strv_join(lines, ", ");
        ok(strv_equal(lines, (char **) expected), "the v1 lines are the allow list, one line per pts major");
        diag("%s", strna(joined));

        is_int(device_v1_plan(partial, ELEMENTSOF(partial), &other), 0, "partial access rules are planned");
        joined_other = strv_join(other, "|");
        is_str(joined_other, "b 7:* r|c 1:3 rw|c 10:200 wm", "... with their letters in the kernel's order");

        is_int(device_v1_plan(NULL, 0, &none), 0, "an empty rule list is planned");
        ok(none && !none[0], "... as no line at all (\"a\" alone is written to devices.deny)");
}

/* A v1 line ("c 136:* rwm") covers the access? The kernel's matching, for the cross-check. */
static bool v1_line_allows(const char *line, unsigned type, uint32_t major, uint32_t minor, unsigned access) {
        char t, minor_s[16], letters[8];
        unsigned granted = 0;
        uint32_t ma;

        if (sscanf(line, "%c %" SCNu32 ":%15[0-9*] %7s", &t, &ma, minor_s, letters) != 4)
                return false;
        if ((t == 'c' ? C : B) != type || ma != major)
                return false;
        if (!streq(minor_s, "*") && strtoul(minor_s, NULL, 10) != minor)
                return false;
        for (const char *l = letters; *l; l++)
                granted |= *l == 'r' ? R : *l == 'w' ? W : *l == 'm' ? M : 0;
        return (access & ~granted) == 0;
}

/* Both plans come from one table: they must agree on every access. */
static void test_plans_agree(void) {
        _cleanup_free_ struct bpf_insn *p = NULL;
        _cleanup_strv_free_ char **lines = NULL;
        unsigned disagree = 0, runs = 0;
        size_t n = 0;

        require(device_bpf_plan(device_rules, device_rules_count, &p, &n) == 0);
        require(device_v1_plan(device_rules, device_rules_count, &lines) == 0);
        for (unsigned type = B; type <= C; type++)
                for (uint32_t major = 0; major < 300; major++)
                        for (uint32_t minor = 0; minor < 260; minor++)
                                for (unsigned access = 1; access <= 7; access++) {
                                        bool v1 = false;

                                        STRV_FOREACH(l, lines)
                                                v1 = v1 || v1_line_allows(*l, type, major, minor, access);
                                        runs++;
                                        if (run_access(p, n, type, major, minor, access) != v1) {
                                                if (disagree++ == 0)
                                                        diag("first disagreement: %u %u:%u access %u", type,
                                                             major, minor, access);
                                        }
                                }
        is_int(disagree, 0, "the BPF program and the v1 lines agree on all %u accesses", runs);
}

static void test_v1_find(void) {
        _cleanup_free_ char *root = test_mkdtemp("test-devices");
        _cleanup_free_ char *mem = NULL, *dev = NULL, *file = NULL;
        const char *found = NULL;
        int fd;

        require(root);
        require(asprintf(&mem, "%s/memory", root) >= 0 && asprintf(&dev, "%s/devices", root) >= 0);
        require(mkdir(mem, 0755) >= 0 && mkdir(dev, 0755) >= 0);
        require(asprintf(&file, "%s/devices.allow", dev) >= 0);
        fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        require(fd >= 0);
        safe_close(fd);

        char *dirs[] = { mem, dev, NULL }, *no_devices[] = { mem, NULL };
        is_int(device_v1_find(dirs, &found), 0, "device_v1_find() finds the devices cgroup");
        is_str(found, dev, "... the one with devices.allow");
        is_int(device_v1_find(no_devices, &found), -ENOENT, "... -ENOENT when there is none");
        is_int(device_v1_find(NULL, &found), -ENOENT, "... and for no directory at all");
        is_int(device_v1_apply(mem, NULL, NULL), -ENOENT, "device_v1_apply() on a dir without devices.deny fails");

        unlink(file);
        rmdir(dev);
        rmdir(mem);
        rmdir(root);
}

int main(void) {
        test_program_against_cases();
        test_program_is_total();
        test_custom_rules();
        test_bad_rules();
        test_v1_lines();
        test_plans_agree();
        test_v1_find();
        return done_testing();
}
