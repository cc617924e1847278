/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's device policy in the kernel (needs root). The test makes cgroups of its own (below
 * its own cgroup, in the cgroup2 hierarchy and, where there is one, the v1 devices hierarchy),
 * installs the policy with agent/devices.c, and lets a child process in them open and mknod device
 * nodes on a tmpfs of the test's own (in a private mount namespace, so nothing shows outside):
 *
 *   control    no cgroup of ours: everything opens (or fails for another reason than EPERM)
 *   bpf        cgroup2 program alone (the v1 devices cgroup stays the host's root, which allows all):
 *              proves that BPF device programs take effect on this host
 *   v1         v1 devices cgroup alone
 *   both       both, as the agent sets them up on a hybrid host
 *   guest      a program of the "guest" that allows everything, attached below ours with
 *              BPF_F_ALLOW_OVERRIDE: ours still applies (ours is BPF_F_ALLOW_MULTI)
 *   unit       ours below a BPF_F_ALLOW_MULTI parent program that is narrower in one point (no
 *              /dev/zero) and wider in another (/dev/mem), as systemd's DevicePolicy= on the unit:
 *              the result is the intersection
 *   v1-unit    ours in a v1 devices cgroup whose parent allows less (as a unit's DevicePolicy= does
 *              on a hybrid host): what the parent refuses is left out, "rwm" falls back to "rw"
 *
 * Everything it made is removed at the end, also when a test fails. */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "cgroup-util.h"
#include "devices.h"
#include "fileio.h"
#include "strv.h"
#include "tap.h"

#define CG_RMDIR_ATTEMPTS 50

static char *tmp;               /* the node directory, a tmpfs in our mount namespace */
static bool tmp_mounted;
static char **cgroups;          /* every cgroup dir we made, in creation order */

/* --- setup and cleanup --- */

static char *join_path(const char *a, const char *b) {
        char *p;

        require(asprintf(&p, "%s/%s", a, b) >= 0);
        return p;
}

static char *make_cgroup(const char *parent, const char *name) {
        char *p = join_path(parent, name);

        require(mkdir(p, 0755) >= 0);
        require(strv_extend(&cgroups, p) >= 0);
        return p;
}

static void cleanup(void) {
        /* Deepest first; a child that just exited may keep a cgroup busy for a moment. */
        for (size_t i = strv_length(cgroups); i > 0; i--)
                for (unsigned a = 0; a < CG_RMDIR_ATTEMPTS; a++) {
                        if (rmdir(cgroups[i - 1]) >= 0 || errno == ENOENT)
                                break;
                        usleep(20 * 1000);
                }
        cgroups = strv_free(cgroups);
        if (tmp_mounted && umount2(tmp, MNT_DETACH) >= 0)
                tmp_mounted = false;
        if (tmp && !tmp_mounted && rmdir(tmp) >= 0) {
                free(tmp);
                tmp = NULL;
        }
}

/* The mount point of the v1 hierarchy with the devices controller, and our cgroup in it. */
static int find_v1_devices(char **ret) {
        _cleanup_fclose_ FILE *f = NULL, *g = NULL;
        _cleanup_free_ char *line = NULL, *mnt = NULL, *own = NULL;
        size_t size = 0;

        f = fopen("/proc/self/mountinfo", "re");
        require(f);
        while (!mnt && getline(&line, &size, f) > 0) {
                char where[PATH_MAX], fstype[32], options[512];
                const char *sep = strstr(line, " - ");

                if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", where) != 1 ||
                    sscanf(sep, " - %31s %*s %511s", fstype, options) != 2)
                        continue;
                if (streq(fstype, "cgroup") && strstr(options, "devices"))
                        require(mnt = strdup(where));
        }
        if (!mnt)
                return -ENOENT;
        g = fopen("/proc/self/cgroup", "re");
        require(g);
        while (!own && getline(&line, &size, g) > 0) {
                char *c = strchr(line, ':'), *p = c ? strchr(c + 1, ':') : NULL;

                if (!p)
                        continue;
                *p++ = '\0';
                p[strcspn(p, "\n")] = '\0';
                for (char *save = NULL, *t = strtok_r(c + 1, ",", &save); t; t = strtok_r(NULL, ",", &save))
                        if (streq(t, "devices"))
                                require(own = strdup(p));
        }
        require(own);
        require(asprintf(ret, "%s%s", mnt, streq(own, "/") ? "" : own) >= 0);
        return 0;
}

static void make_node(const char *name, mode_t type, unsigned ma, unsigned mi) {
        _cleanup_free_ char *p = join_path(tmp, name);

        require(mknod(p, type | 0666, makedev(ma, mi)) >= 0);
}

/* A copy, outside devpts, of the slave of a pty that the test holds open. */
static int make_pts_copy(void) {
        _cleanup_free_ char *p = join_path(tmp, "pts-copy");
        int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        struct stat st;

        require(master >= 0);
        require(unlockpt(master) >= 0);
        require(stat(ptsname(master), &st) >= 0);
        require(mknod(p, S_IFCHR | 0666, st.st_rdev) >= 0);
        return master;
}

/* --- probing from a child --- */

typedef enum Op {
        OP_OPEN_NULL,
        OP_OPEN_ZERO,
        OP_OPEN_MEM,
        OP_OPEN_FUSE,
        OP_OPEN_CONSOLE,
        OP_OPEN_TUN,
        OP_OPEN_LOOP,
        OP_OPEN_PTY,
        OP_OPEN_PTS_COPY,
        OP_MKNOD_NULL,
        OP_MKNOD_MEM,
        OP_MKNOD_LOOP,
        _OP_MAX,
} Op;

static const char * const op_names[_OP_MAX] = {
        [OP_OPEN_NULL] = "open null (1:3)",
        [OP_OPEN_ZERO] = "open zero (1:5)",
        [OP_OPEN_MEM] = "open mem (1:1)",
        [OP_OPEN_FUSE] = "open fuse (10:229)",
        [OP_OPEN_CONSOLE] = "open the host's console (5:1)",
        [OP_OPEN_TUN] = "open tun (10:200)",
        [OP_OPEN_LOOP] = "open block loop0 (7:0)",
        [OP_OPEN_PTY] = "open /dev/ptmx and its new pts slave",
        [OP_OPEN_PTS_COPY] = "open a copy of a pts slave outside devpts",
        [OP_MKNOD_NULL] = "mknod null (1:3) and open it",
        [OP_MKNOD_MEM] = "mknod mem (1:1)",
        [OP_MKNOD_LOOP] = "mknod block loop0 (7:0)",
};

#define NOT_EPERM 1     /* expectation: any result but -EPERM (refused by something else than us) */

static int open_node(const char *name, int flags) {
        _cleanup_free_ char *p = join_path(tmp, name);
        int fd = open(p, flags | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        safe_close(fd);
        return 0;
}

static int open_pty(void) {
        _cleanup_close_ int master = -EBADF, slave = -EBADF;

        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return -errno;
        if (unlockpt(master) < 0)
                return -errno;
        slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
        return slave < 0 ? -errno : 0;
}

static int mknod_node(const char *what, mode_t type, unsigned ma, unsigned mi, bool then_open) {
        _cleanup_free_ char *name = NULL;

        require(asprintf(&name, "%s-%d", what, (int) getpid()) >= 0);
        _cleanup_free_ char *p = join_path(tmp, name);
        if (mknod(p, type | 0666, makedev(ma, mi)) < 0)
                return -errno;
        return then_open ? open_node(name, O_RDWR) : 0;
}

static int run_op(Op op) {
        switch (op) {
        case OP_OPEN_NULL:
                return open_node("null", O_RDWR);
        case OP_OPEN_ZERO:
                return open_node("zero", O_RDONLY);
        case OP_OPEN_MEM:
                return open_node("mem", O_RDONLY);
        case OP_OPEN_FUSE:
                return open_node("fuse", O_RDWR);
        case OP_OPEN_CONSOLE:
                return open_node("console", O_RDWR);
        case OP_OPEN_TUN:
                return open_node("tun", O_RDWR);
        case OP_OPEN_LOOP:
                return open_node("loop0", O_RDONLY);
        case OP_OPEN_PTY:
                return open_pty();
        case OP_OPEN_PTS_COPY:
                return open_node("pts-copy", O_RDWR);
        case OP_MKNOD_NULL:
                return mknod_node("null", S_IFCHR, 1, 3, true);
        case OP_MKNOD_MEM:
                return mknod_node("mem", S_IFCHR, 1, 1, false);
        case OP_MKNOD_LOOP:
                return mknod_node("loop0", S_IFBLK, 7, 0, false);
        default:
                abort();
        }
}

/* Fork a child that joins the given cgroup dirs (NULL: stays where it is) and runs every op. */
static void probe(const char *scenario, const char *cg2, const char *v1, const int expected[_OP_MAX]) {
        int results[_OP_MAX], pipe_fds[2], status;
        ssize_t n;
        pid_t pid;

        require(pipe2(pipe_fds, O_CLOEXEC) >= 0);
        pid = fork();
        require(pid >= 0);
        if (pid == 0) {
                _cleanup_free_ char *p2 = cg2 ? join_path(cg2, "cgroup.procs") : NULL;
                _cleanup_free_ char *p1 = v1 ? join_path(v1, "cgroup.procs") : NULL;

                if ((p2 && write_string_file(p2, "0") < 0) || (p1 && write_string_file(p1, "0") < 0))
                        _exit(2);
                for (Op op = 0; op < _OP_MAX; op++)
                        results[op] = run_op(op);
                _exit(write(pipe_fds[1], results, sizeof(results)) == sizeof(results) ? 0 : 3);
        }
        safe_close(pipe_fds[1]);
        n = read(pipe_fds[0], results, sizeof(results));
        require(waitpid(pid, &status, 0) == pid);
        safe_close(pipe_fds[0]);
        if (!ok(n == sizeof(results) && WIFEXITED(status) && WEXITSTATUS(status) == 0,
                "%s: the probe joined its cgroups and ran", scenario))
                return;
        for (Op op = 0; op < _OP_MAX; op++) {
                if (expected[op] == NOT_EPERM) {
                        if (!ok(results[op] != -EPERM, "%s: %s is not refused with EPERM", scenario, op_names[op]))
                                diag("got %s", strerror(-results[op]));
                } else if (!is_int(results[op], expected[op], "%s: %s %s%s", scenario, op_names[op],
                                   expected[op] == 0 ? "works" : "fails with ",
                                   expected[op] == 0 ? "" : strerror(-expected[op])))
                        diag("got %s, expected %s", results[op] ? strerror(-results[op]) : "success",
                             expected[op] ? strerror(-expected[op]) : "success");
        }
}

/* --- programs of "others": systemd on the unit, the guest below us --- */

static int attach_other(const char *dir, const DeviceRule *rules, size_t n_rules, uint32_t flags) {
        _cleanup_free_ struct bpf_insn *insns = NULL;
        _cleanup_close_ int fd = -EBADF, prog = -EBADF;
        union bpf_attr attr = {};
        size_t n;
        int r;

        r = device_bpf_plan(rules, n_rules, &insns, &n);
        if (r < 0)
                return r;
        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = (uintptr_t) insns;
        attr.insn_cnt = (uint32_t) n;
        attr.license = (uintptr_t) "GPL";
        prog = (int) syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
        if (prog < 0)
                return -errno;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        attr = (union bpf_attr) {
                .target_fd = (uint32_t) fd,
                .attach_bpf_fd = (uint32_t) prog,
                .attach_type = BPF_CGROUP_DEVICE,
                .attach_flags = flags,
        };
        return syscall(__NR_bpf, BPF_PROG_ATTACH, &attr, sizeof(attr)) < 0 ? -errno : 0;
}

static const DeviceRule allow_everything[] = {
        { "any char", DEVICE_CHAR, 0, INT32_MAX, DEVICE_MINOR_ANY, DEVICE_ACCESS_ALL },
        { "any block", DEVICE_BLOCK, 0, INT32_MAX, DEVICE_MINOR_ANY, DEVICE_ACCESS_ALL },
};

/* A unit policy like systemd's: ours without /dev/zero, plus /dev/mem. */
static size_t unit_rules(DeviceRule *ret) {
        size_t n = 0;

        for (size_t i = 0; i < device_rules_count; i++)
                if (!streq(device_rules[i].what, "/dev/zero"))
                        ret[n++] = device_rules[i];
        ret[n++] = (DeviceRule) { "/dev/mem", DEVICE_CHAR, 1, 1, 1, DEVICE_ACCESS_ALL };
        return n;
}

/* --- the scenarios --- */

static void expect_policy(int e[_OP_MAX]) {
        e[OP_OPEN_NULL] = e[OP_OPEN_ZERO] = e[OP_OPEN_TUN] = e[OP_OPEN_PTY] = e[OP_MKNOD_NULL] = 0;
        e[OP_OPEN_MEM] = e[OP_OPEN_FUSE] = e[OP_OPEN_CONSOLE] = e[OP_OPEN_LOOP] = -EPERM;
        e[OP_MKNOD_MEM] = e[OP_MKNOD_LOOP] = -EPERM;
        /* Allowed by the policy, refused by devpts: the node is not inside a devpts mount. */
        e[OP_OPEN_PTS_COPY] = -EIO;
}

static void test_cgroup2(const char *base2, const char *v1_payload) {
        _cleanup_free_ DeviceRule *unit = calloc(device_rules_count + 1, sizeof(DeviceRule));
        _cleanup_free_ char *alone = NULL, *guest = NULL, *unit_cg = NULL, *unit_payload = NULL;
        int e[_OP_MAX];
        size_t n;

        require(unit);
        alone = make_cgroup(base2, "alone");
        is_int(device_bpf_apply(alone), 0, "device_bpf_apply() loads and attaches the program");
        expect_policy(e);
        probe("bpf", alone, NULL, e);
        if (v1_payload)
                probe("both", alone, v1_payload, e);

        guest = make_cgroup(alone, "guest");
        is_int(attach_other(guest, allow_everything, ELEMENTSOF(allow_everything), BPF_F_ALLOW_OVERRIDE), 0,
               "a guest's allow-all program attaches below ours with BPF_F_ALLOW_OVERRIDE");
        probe("guest", guest, NULL, e);

        unit_cg = make_cgroup(base2, "unit");
        n = unit_rules(unit);
        is_int(attach_other(unit_cg, unit, n, BPF_F_ALLOW_MULTI), 0,
               "a unit program (as systemd's DevicePolicy=) attaches with BPF_F_ALLOW_MULTI");
        unit_payload = make_cgroup(unit_cg, "payload");
        is_int(device_bpf_apply(unit_payload), 0, "ours attaches to payload/ below it");
        e[OP_OPEN_ZERO] = -EPERM;       /* the unit's policy has no /dev/zero; ours has no /dev/mem */
        probe("unit", unit_payload, NULL, e);
}

static void test_v1(const char *base1) {
        _cleanup_strv_free_ char **lines = NULL, **refused = NULL, **none = NULL;
        _cleanup_free_ char *payload = NULL, *unit = NULL, *unit_payload = NULL, *list = NULL, *list2 = NULL;
        _cleanup_free_ char *expected = NULL, *joined = NULL;
        int e[_OP_MAX];

        require(device_v1_plan(device_rules, device_rules_count, &lines) >= 0);
        payload = make_cgroup(base1, "payload");
        is_int(device_v1_apply(payload, lines, &refused), 0, "device_v1_apply() on a v1 devices cgroup");
        ok(strv_length(refused) == 0, "... the host's root allows every line");
        _cleanup_free_ char *list_path = join_path(payload, "devices.list");
        require(read_full_file(list_path, &list, NULL) >= 0);
        expected = strv_join(lines, "\n");
        require(expected);
        if (strlen(list) > 0 && list[strlen(list) - 1] == '\n')
                list[strlen(list) - 1] = '\0';
        is_str(list, expected, "... devices.list is exactly our lines");
        expect_policy(e);
        probe("v1", NULL, payload, e);

        /* A parent that allows less, made before its child (a v1 child inherits at mkdir). */
        unit = make_cgroup(base1, "unit");
        char *unit_lines[] = { (char *) "c 1:3 rwm", (char *) "c 5:2 rw", (char *) "c 136:* rw", NULL };
        require(device_v1_apply(unit, unit_lines, &none) >= 0);
        unit_payload = make_cgroup(unit, "payload");
        refused = strv_free(refused);
        is_int(device_v1_apply(unit_payload, lines, &refused), 0, "device_v1_apply() below a narrower parent");
        joined = strv_join(refused, ", ");
        is_str(joined, "c 1:5 rwm, c 1:7 rwm, c 1:8 rwm, c 1:9 rwm, c 5:0 rwm, c 137:* rwm, c 138:* rwm, "
                       "c 139:* rwm, c 140:* rwm, c 141:* rwm, c 142:* rwm, c 143:* rwm, c 10:200 rwm",
               "... what the parent does not allow is left out and reported");
        _cleanup_free_ char *list2_path = join_path(unit_payload, "devices.list");
        require(read_full_file(list2_path, &list2, NULL) >= 0);
        is_str(list2, "c 1:3 rwm\nc 5:2 rw\nc 136:* rw\n", "... \"rwm\" fell back to the parent's \"rw\"");
        e[OP_OPEN_ZERO] = e[OP_OPEN_TUN] = -EPERM;
        e[OP_MKNOD_NULL] = 0;
        probe("v1-unit", NULL, unit_payload, e);
}

int main(void) {
        _cleanup_free_ char *own2 = NULL, *base2 = NULL, *base1 = NULL, *v1_root = NULL, *name = NULL;
        int control[_OP_MAX], master, r;
        const char *mnt;

        if (geteuid() != 0) {
                printf("1..0 # SKIP needs root\n");
                return 0;
        }
        require(atexit(cleanup) == 0);
        require(asprintf(&name, "sysctr-test-devices-%d", (int) getpid()) >= 0);

        /* Device nodes on a tmpfs of our own (no "nodev"), in a mount namespace of our own. */
        tmp = test_mkdtemp("test-devices-cgroup");
        require(tmp);
        require(unshare(CLONE_NEWNS) >= 0);
        require(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) >= 0);
        require(mount("tmpfs", tmp, "tmpfs", MS_NOSUID, "mode=0755") >= 0);
        tmp_mounted = true;
        make_node("null", S_IFCHR, 1, 3);
        make_node("zero", S_IFCHR, 1, 5);
        make_node("mem", S_IFCHR, 1, 1);
        make_node("fuse", S_IFCHR, 10, 229);
        make_node("console", S_IFCHR, 5, 1);
        make_node("tun", S_IFCHR, 10, 200);
        make_node("loop0", S_IFBLK, 7, 0);
        master = make_pts_copy();

        require(cg_mount_point(&mnt) >= 0);
        require(cg_pid_get_path(0, &own2) >= 0);
        require(asprintf(&base2, "%s%s", mnt, streq(own2, "/") ? "" : own2) >= 0);
        _cleanup_free_ char *test2 = make_cgroup(base2, name);
        r = find_v1_devices(&v1_root);
        if (r >= 0)
                base1 = make_cgroup(v1_root, name);
        diag("cgroup2: %s, v1 devices: %s", test2, base1 ?: "none (pure cgroup2 host)");

        /* Nothing of ours: the nodes the policy refuses can be opened or made, or fail for another
         * reason (no such device here), so an EPERM below is the policy's doing. */
        for (Op op = 0; op < _OP_MAX; op++)
                control[op] = NOT_EPERM;
        control[OP_OPEN_NULL] = control[OP_OPEN_PTY] = control[OP_MKNOD_NULL] = 0;
        control[OP_MKNOD_MEM] = control[OP_MKNOD_LOOP] = 0;
        control[OP_OPEN_PTS_COPY] = -EIO;
        probe("control", NULL, NULL, control);

        if (base1)
                test_v1(base1);
        else
                printf("ok %u # SKIP no cgroup v1 devices hierarchy on this host\n", ++tap_count);
        _cleanup_free_ char *v1_payload = base1 ? join_path(base1, "payload") : NULL;
        test_cgroup2(test2, v1_payload);

        safe_close(master);
        cleanup();
        ok(access(test2, F_OK) < 0 && errno == ENOENT, "cleanup: %s is gone", test2);
        if (base1)
                ok(access(base1, F_OK) < 0 && errno == ENOENT, "cleanup: %s is gone", base1);
        ok(!tmp, "cleanup: the node directory is unmounted and gone");
        return done_testing();
}
