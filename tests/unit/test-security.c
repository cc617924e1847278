/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's security baseline (common/security.c) and the host side's writes into the guest's
 * tree (agent/guest.c). No root needed: the seccomp filter is loaded in a child that set
 * NO_NEW_PRIVS itself; what needs root (capabilities, a filter without NO_NEW_PRIVS) is skipped
 * without it. */
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <linux/netlink.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "fileio.h"
#include "guest-path.h"
#include "guest.h"
#include "security.h"
#include "tap.h"

/* dir + "/" + name in one of a few static buffers: enough for one expression. */
static const char *path_in(const char *dir, const char *name) {
        static char buf[4][PATH_MAX];
        static unsigned i;
        char *b = buf[i++ % ELEMENTSOF(buf)];

        (void) snprintf(b, PATH_MAX, "%s/%s", dir, name);
        return b;
}

static void skip(const char *why) {
        tap_count++;
        printf("ok %u # SKIP %s\n", tap_count, why);
}

static const SecuritySyscallRule *find_rule(const char *name) {
        size_t n;
        const SecuritySyscallRule *rules = security_syscall_rules(&n);

        for (size_t i = 0; i < n; i++)
                if (streq(rules[i].name, name))
                        return &rules[i];
        return NULL;
}

static bool cap_dropped(int cap) {
        size_t n;
        const int *caps = security_dropped_capabilities(&n);

        for (size_t i = 0; i < n; i++)
                if (caps[i] == cap)
                        return true;
        return false;
}

static void test_tables(void) {
        static const char * const denied[] = {
                "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
                "open_by_handle_at", "add_key", "request_key", "keyctl", "swapon", "swapoff", "acct",
                "bpf", "perf_event_open", "quotactl", "lookup_dcookie", "uselib",
        };
        static const int dropped[] = {
                CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_TIME, CAP_MAC_ADMIN, CAP_MAC_OVERRIDE,
                CAP_AUDIT_CONTROL, CAP_SYSLOG, CAP_WAKE_ALARM, CAP_BLOCK_SUSPEND,
        };
        static const int kept[] = {
                CAP_SYS_ADMIN, CAP_SYS_BOOT, CAP_NET_ADMIN, CAP_MKNOD, CAP_SETFCAP, CAP_SYS_CHROOT,
                CAP_SYS_PTRACE, CAP_SYS_RESOURCE, CAP_SETUID, CAP_SETGID, CAP_CHOWN, CAP_DAC_OVERRIDE,
                CAP_KILL, CAP_AUDIT_WRITE, CAP_NET_BIND_SERVICE, CAP_SETPCAP, CAP_SYS_NICE,
        };
        const SecuritySyscallRule *sock = find_rule("socket"), *mknod = find_rule("mknod"),
                                  *mknodat = find_rule("mknodat");
        bool all = true;

        for (size_t i = 0; i < ELEMENTSOF(denied); i++) {
                const SecuritySyscallRule *r = find_rule(denied[i]);

                if (!r || r->match != SECURITY_ARGS_ANY || r->error != EPERM) {
                        diag("%s is not denied with EPERM", denied[i]);
                        all = false;
                }
        }
        ok(all, "kernel, keyring, bpf and host-wide calls are denied with EPERM");
        ok(sock && sock->match == SECURITY_ARGS_NETLINK_AUDIT && sock->error == EAFNOSUPPORT,
           "socket() is refused for NETLINK_AUDIT only, with EAFNOSUPPORT");
        ok(mknod && mknodat && mknod->match == SECURITY_ARGS_BLOCK_DEVICE &&
                   mknodat->match == SECURITY_ARGS_BLOCK_DEVICE && !find_rule("reboot") &&
                   !find_rule("mount") && !find_rule("unshare"),
           "mknod is refused for block devices only; reboot, mount and unshare stay allowed");

        all = true;
        for (size_t i = 0; i < ELEMENTSOF(dropped); i++)
                all = all && cap_dropped(dropped[i]);
        ok(all, "module, raw I/O, time, MAC, audit control and syslog capabilities are dropped");
        all = true;
        for (size_t i = 0; i < ELEMENTSOF(kept); i++)
                if (cap_dropped(kept[i])) {
                        diag("capability %i is dropped but systemd needs it", kept[i]);
                        all = false;
                }
        ok(all, "what a systemd guest needs is kept (SYS_ADMIN, SYS_BOOT, NET_ADMIN, MKNOD, ...)");
}

/* --- the filter, loaded in a child --- */

enum {
        CHECK_INIT_MODULE,
        CHECK_KEYCTL,
        CHECK_BPF,
        CHECK_AUDIT_SOCKET,
        CHECK_ROUTE_SOCKET,
        CHECK_MKNOD_BLOCK,
        CHECK_MKNOD_BLOCK_HIGH_BITS,
        CHECK_MKNOD_FIFO,
        CHECK_I386_GETPID,
        CHECK_I386_KEYCTL,
        CHECK_X32_KEYCTL,
        CHECK_LOAD,
        _CHECK_MAX,
};

/* -errno of a raw system call, or its result. */
#define SYSCALL_RESULT(expr) ({ long _r = (expr); _r < 0 ? -errno : _r; })

static bool have_i386;

#if defined(__x86_64__)
static long i386_syscall(long nr, long a, long b, long c) {
        long ret;

        /* int $0x80 enters the kernel's i386 compat table (if IA32 emulation is on), the way a
         * 32-bit program would: a filter that covered only x86-64 would let this through. */
        __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
        return ret;
}
#endif

static void run_checks(int dir_fd, long results[static _CHECK_MAX]) {
        int fd;

        results[CHECK_INIT_MODULE] = SYSCALL_RESULT(syscall(SYS_init_module, NULL, 0, ""));
        results[CHECK_KEYCTL] = SYSCALL_RESULT(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID,
                                                       KEY_SPEC_SESSION_KEYRING, 0));
        results[CHECK_BPF] = SYSCALL_RESULT(syscall(SYS_bpf, 0, NULL, 0));
        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
        results[CHECK_AUDIT_SOCKET] = fd < 0 ? -errno : 0;
        safe_close(fd);
        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        results[CHECK_ROUTE_SOCKET] = fd < 0 ? -errno : 0;
        safe_close(fd);
        results[CHECK_MKNOD_BLOCK] = SYSCALL_RESULT(mknodat(dir_fd, "sda", S_IFBLK | 0600, makedev(8, 0)));
        /* Bits above the 16 the kernel looks at must not hide S_IFBLK from the filter. */
        results[CHECK_MKNOD_BLOCK_HIGH_BITS] = SYSCALL_RESULT(
                syscall(SYS_mknodat, dir_fd, "sdb", 0xffff0000UL | S_IFBLK | 0600, makedev(8, 16)));
        results[CHECK_MKNOD_FIFO] = SYSCALL_RESULT(mknodat(dir_fd, "fifo", S_IFIFO | 0600, 0));
#if defined(__x86_64__)
        if (have_i386) {
                results[CHECK_I386_GETPID] = i386_syscall(20, 0, 0, 0);                 /* getpid */
                results[CHECK_I386_KEYCTL] = i386_syscall(288, KEYCTL_GET_KEYRING_ID,   /* keyctl */
                                                          KEY_SPEC_SESSION_KEYRING, 0);
        }
        /* x32 numbers have bit 30 set; the filter runs before the kernel checks x32 is enabled. */
        results[CHECK_X32_KEYCTL] = SYSCALL_RESULT(syscall(0x40000000L | SYS_keyctl, KEYCTL_GET_KEYRING_ID,
                                                           KEY_SPEC_SESSION_KEYRING, 0));
#endif
}

static int seccomp_child(int dir_fd, int out_fd, bool set_nnp) {
        long results[_CHECK_MAX] = {};

        if (set_nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return EXIT_FAILURE;
        results[CHECK_LOAD] = set_nnp ? security_apply_seccomp() : security_apply_container_baseline();
        if (results[CHECK_LOAD] >= 0)
                run_checks(dir_fd, results);
        return write(out_fd, results, sizeof(results)) == sizeof(results) ? EXIT_SUCCESS : EXIT_FAILURE;
}

static bool run_in_child(int dir_fd, bool set_nnp, long results[static _CHECK_MAX]) {
        _cleanup_close_pair_ int pipe_fds[2] = { -EBADF, -EBADF };
        int status;
        pid_t pid;

        if (pipe2(pipe_fds, O_CLOEXEC) < 0)
                return false;
        fflush(stdout);
        pid = fork();
        if (pid < 0)
                return false;
        if (pid == 0)
                _exit(seccomp_child(dir_fd, pipe_fds[1], set_nnp));
        pipe_fds[1] = safe_close(pipe_fds[1]);
        if (read(pipe_fds[0], results, sizeof(long) * _CHECK_MAX) != (ssize_t) (sizeof(long) * _CHECK_MAX))
                return false;
        return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Some kernels (or hypervisors) have no int 0x80 gate: the probe then dies of SIGSEGV. */
static bool probe_i386(void) {
#if defined(__x86_64__)
        int status;
        pid_t pid;

        fflush(stdout);
        pid = fork();
        if (pid == 0)
                _exit(i386_syscall(20, 0, 0, 0) > 0 ? 0 : 1);
        return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
#else
        return false;
#endif
}

static void test_seccomp(const char *tmp, bool set_nnp) {
        _cleanup_close_ int dir_fd = -EBADF;
        long r[_CHECK_MAX] = {};
        const char *how = set_nnp ? "with NO_NEW_PRIVS" : "as root, without NO_NEW_PRIVS";

        dir_fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (!ok(dir_fd >= 0 && run_in_child(dir_fd, set_nnp, r), "child with the filter ran (%s)", how))
                return;
        if (!is_int(r[CHECK_LOAD], 0, "the filter loads (%s)", how))
                return;
        ok(r[CHECK_INIT_MODULE] == -EPERM && r[CHECK_KEYCTL] == -EPERM && r[CHECK_BPF] == -EPERM,
           "init_module, keyctl and bpf fail with EPERM (%ld, %ld, %ld)", r[CHECK_INIT_MODULE],
           r[CHECK_KEYCTL], r[CHECK_BPF]);
        is_int(r[CHECK_AUDIT_SOCKET], -EAFNOSUPPORT, "a NETLINK_AUDIT socket fails with EAFNOSUPPORT");
        is_int(r[CHECK_ROUTE_SOCKET], 0, "a NETLINK_ROUTE socket still works");
        ok(r[CHECK_MKNOD_BLOCK] == -EPERM && r[CHECK_MKNOD_BLOCK_HIGH_BITS] == -EPERM,
           "mknod of a block device fails with EPERM, junk in the high mode bits too");
        is_int(r[CHECK_MKNOD_FIFO], 0, "mknod of a FIFO still works");
        (void) unlinkat(dir_fd, "fifo", 0);
        (void) unlinkat(dir_fd, "sda", 0);
        (void) unlinkat(dir_fd, "sdb", 0);
#if defined(__x86_64__)
        if (have_i386)
                ok(r[CHECK_I386_GETPID] > 0 && r[CHECK_I386_KEYCTL] == -EPERM,
                   "i386 keyctl through int 0x80 fails with EPERM, getpid works");
        else
                skip("no int 0x80 (IA32 emulation) on this machine");
        is_int(r[CHECK_X32_KEYCTL], -EPERM, "x32 keyctl fails with EPERM");
#endif
}

static void test_capabilities(void) {
        int status;
        pid_t pid;

        if (geteuid() != 0) {
                skip("dropping capabilities needs root");
                return;
        }
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
                struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
                struct __user_cap_data_struct d[2] = {};

                if (security_drop_bounding_set() < 0 || syscall(SYS_capget, &h, d) < 0)
                        _exit(2);
                if (prctl(PR_CAPBSET_READ, CAP_SYS_MODULE, 0, 0, 0) != 0 ||
                    prctl(PR_CAPBSET_READ, CAP_SYS_TIME, 0, 0, 0) != 0 ||
                    prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 1 ||
                    prctl(PR_CAPBSET_READ, CAP_SYS_BOOT, 0, 0, 0) != 1 ||
                    (d[0].inheritable & (1U << CAP_SYS_MODULE)))
                        _exit(3);
                _exit(0);
        }
        ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "bounding set: SYS_MODULE and SYS_TIME gone, SYS_ADMIN and SYS_BOOT kept");
}

/* --- guest files --- */

static char *read_file(const char *dir, const char *name) {
        _cleanup_free_ char *path = NULL;
        char *s = NULL;

        if (asprintf(&path, "%s/%s", dir, name) < 0 || read_full_file(path, &s, NULL) < 0)
                return NULL;
        return s;
}

static int make_file(const char *dir, const char *name, const char *content) {
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        return write_file_atomic(path, content, strlen(content), 0644);
}

static int mkdir_in(const char *dir, const char *name) {
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        return mkdir_p(path, 0755);
}

static int symlink_in(const char *target, const char *dir, const char *name) {
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        return RET_NERRNO(symlink(target, path));
}

static void test_hostname(const char *tmp) {
        _cleanup_free_ char *root = NULL, *a = NULL, *b = NULL, *c = NULL;
        _cleanup_close_ int root_fd = -EBADF;
        int r1, r2, r3;

        if (asprintf(&root, "%s/root1", tmp) < 0 || mkdir_in(root, "etc") < 0) {
                ok(false, "temp tree");
                return;
        }
        root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        r1 = guest_setup_hostname(root_fd, "web1");
        a = read_file(root, "etc/hostname");
        r2 = guest_setup_hostname(root_fd, "other");
        b = read_file(root, "etc/hostname");
        ok(r1 == 1 && r2 == 0 && a && streq(a, "web1\n") && b && streq(b, "web1\n"),
           "a missing /etc/hostname is written, an existing one kept");
        (void) make_file(root, "etc/hostname", "# no name yet\n\n");
        r3 = guest_setup_hostname(root_fd, "web2");
        c = read_file(root, "etc/hostname");
        ok(r3 == 1 && c && streq(c, "web2\n"), "an empty (comments only) /etc/hostname is written");
        is_int(guest_setup_hostname(root_fd, "a/b"), -EINVAL, "a host name with '/' is refused");
        {
                _cleanup_close_ int fd = guest_open(root_fd, "/etc/hostname", O_RDONLY, 0);
                char buf[16] = "";

                ok(fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 && streq(buf, "web2\n"),
                   "an absolute path is resolved inside the root, not on the host");
        }
}

static void test_planted_symlinks(const char *tmp) {
        _cleanup_free_ char *root = NULL, *outside = NULL, *o1 = NULL, *o2 = NULL, *fifo = NULL;
        _cleanup_close_ int root_fd = -EBADF;
        struct stat st;
        int r;

        if (asprintf(&root, "%s/root2", tmp) < 0 || asprintf(&outside, "%s/outside-file", tmp) < 0 ||
            mkdir_in(root, "etc") < 0 || make_file(tmp, "outside-file", "precious\n") < 0) {
                ok(false, "temp tree");
                return;
        }
        root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);

        /* etc/hostname -> /tmp/.../outside-file (absolute: a host path, seen from outside) */
        (void) symlink_in(outside, root, "etc/hostname");
        r = guest_setup_hostname(root_fd, "web1");
        o1 = read_file(tmp, "outside-file");
        ok(r == -ELOOP && o1 && streq(o1, "precious\n"), "etc/hostname -> outside file: refused (%s), "
           "the outside file is unchanged", strerror(-r));
        ok(lstat(path_in(root, "etc/hostname"), &st) == 0 && S_ISLNK(st.st_mode),
           "the planted symlink itself is left alone");

        /* etc/machine-id -> ../../outside-file (relative, climbing out) */
        (void) symlink_in("../../outside-file", root, "etc/machine-id");
        r = guest_setup_machine_id(root_fd, "0b0c1d2e3f4041528364758697a8b9ca");
        o2 = read_file(tmp, "outside-file");
        ok(r == -ELOOP && o2 && streq(o2, "precious\n"), "etc/machine-id -> ../../outside-file: refused");

        /* etc -> a directory outside */
        free(root);
        if (asprintf(&root, "%s/root3", tmp) < 0 || mkdir_in(tmp, "outside-dir") < 0 ||
            mkdir_p(root, 0755) < 0) {
                ok(false, "temp tree");
                return;
        }
        (void) symlink_in(path_in(tmp, "outside-dir"), root, "etc");
        safe_close(root_fd);
        root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        r = guest_setup_hostname(root_fd, "web1");
        ok((r == -ELOOP || r == -ENOTDIR) && access(path_in(tmp, "outside-dir/hostname"), F_OK) < 0,
           "etc -> outside dir: refused (%s), nothing written there", strerror(-r));

        /* a FIFO where the file belongs: no blocking read */
        if (asprintf(&fifo, "%s/root2/etc/hostname", tmp) < 0)
                return;
        (void) unlink(fifo);
        (void) mkfifo(fifo, 0644);
        safe_close(root_fd);
        root_fd = open(path_in(tmp, "root2"), O_PATH | O_DIRECTORY | O_CLOEXEC);
        is_int(guest_setup_hostname(root_fd, "web1"), -EBADFD, "a FIFO at etc/hostname is refused");
}

static void test_machine_id(const char *tmp) {
        _cleanup_free_ char *root = NULL, *a = NULL, *b = NULL;
        _cleanup_close_ int root_fd = -EBADF;
        const char *id = "0b0c1d2e3f4041528364758697a8b9ca";
        struct stat st;
        int r1, r2;

        if (asprintf(&root, "%s/root4", tmp) < 0 || mkdir_in(root, "etc") < 0 ||
            make_file(root, "etc/machine-id", "uninitialized\n") < 0) {
                ok(false, "temp tree");
                return;
        }
        root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        r1 = guest_setup_machine_id(root_fd, id);
        a = read_file(root, "etc/machine-id");
        ok(r1 == 1 && a && streq(a, "0b0c1d2e3f4041528364758697a8b9ca\n") &&
                   stat(path_in(root, "etc/machine-id"), &st) == 0 && (st.st_mode & 07777) == 0444,
           "\"uninitialized\" machine-id is replaced by the container's id, mode 0444");
        (void) make_file(root, "etc/machine-id", "ffffffffffffffffffffffffffffffff\n");
        r2 = guest_setup_machine_id(root_fd, id);
        b = read_file(root, "etc/machine-id");
        ok(r2 == 0 && b && streq(b, "ffffffffffffffffffffffffffffffff\n"), "an existing machine-id is kept");
        is_int(guest_setup_machine_id(root_fd, "0b0c1d2e-3f40"), -EINVAL, "a malformed id is refused");
}

static void test_init_kind(const char *tmp) {
        _cleanup_free_ char *root = NULL;
        _cleanup_close_ int root_fd = -EBADF;

        if (asprintf(&root, "%s/root5", tmp) < 0 || mkdir_in(root, "usr/lib/systemd") < 0 ||
            mkdir_in(root, "sbin") < 0 || mkdir_in(root, "bin") < 0 ||
            make_file(root, "usr/lib/systemd/systemd", "") < 0 || make_file(root, "bin/busybox", "") < 0 ||
            symlink_in("usr/lib", root, "lib") < 0 ||
            symlink_in("/lib/systemd/systemd", root, "sbin/init") < 0 ||
            symlink_in("/bin/busybox", root, "sbin/bbinit") < 0 ||
            symlink_in("/../../../../lib/systemd/systemd", root, "sbin/climb") < 0) {
                ok(false, "temp tree");
                return;
        }
        root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        is_int(guest_init_is_systemd(root_fd, "/sbin/init"), 1,
               "/sbin/init -> /lib/systemd/systemd (with /lib -> usr/lib) is systemd, resolved in the root");
        is_int(guest_init_is_systemd(root_fd, "/usr/lib/systemd/systemd"), 1, "systemd named directly");
        is_int(guest_init_is_systemd(root_fd, "/sbin/bbinit"), 0, "/sbin/init -> /bin/busybox is not");
        is_int(guest_init_is_systemd(root_fd, "/sbin/climb"), 1, "'..' in a symlink stays inside the root");
        is_int(guest_init_is_systemd(root_fd, "/sbin/missing"), -ENOENT, "a missing init is -ENOENT");
}

int main(void) {
        _cleanup_free_ char *tmp = test_mkdtemp("test-security");

        if (!tmp) {
                printf("1..0 # SKIP cannot make a temporary directory\n");
                return EXIT_SUCCESS;
        }
        test_tables();
        have_i386 = probe_i386();
        test_seccomp(tmp, true);
        if (geteuid() == 0)
                test_seccomp(tmp, false);
        else
                skip("a filter without NO_NEW_PRIVS needs root");
        test_capabilities();
        test_hostname(tmp);
        test_planted_symlinks(tmp);
        test_machine_id(tmp);
        test_init_kind(tmp);
        (void) rm_rf(tmp);
        return done_testing();
}
