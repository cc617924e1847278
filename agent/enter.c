/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#include "cgroup-util.h"
#include "enter.h"
#include "guest-path.h"
#include "security.h"
#include "strv.h"

/* sysctr-enter (common/enter-protocol.h): executed by sysctrd from a sealed memfd, it joins a running
 * container and runs one command there. The order is the point (runc's CVE-2019-5736 and its kin):
 *
 *   1. not dumpable, first of all: nothing in the container may ptrace us or open our /proc files;
 *   2. the container's cgroups, namespaces and root, while we are still invisible to it (setns() of
 *      the PID namespace applies to our children only);
 *   3. what to execute is decided (the guest's users and PATH) and the terminal made;
 *   4. the container's capability bounding set and seccomp filter: ours, and so the command's;
 *   5. only then fork: the child appears in the container's PID namespace, closes the last descriptor
 *      it does not need, and executes the guest's program. Our /proc/PID/exe is the memfd, never a
 *      host file; we hold no host descriptor but the command's own streams and, for the instant
 *      until the child closes it, the socket to sysctrd.
 *
 * We stay outside the container's PID namespace as the command's parent, and report its end. */

typedef struct EnterArgs {
        pid_t leader;
        EnterMode mode;
        const char *user;
        const char *workdir;
        unsigned rows, columns;
        char **env;
        char **command;
        unsigned test_delay_ms;
} EnterArgs;

static int report(const EnterMessage *m, int fd) {
        union {
                struct cmsghdr cmsghdr;
                uint8_t buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct iovec iov = { .iov_base = (void *) m, .iov_len = sizeof(*m) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

        if (fd >= 0) {
                struct cmsghdr *c;

                mh.msg_control = &control;
                mh.msg_controllen = sizeof(control);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        return sendmsg(ENTER_CONTROL_FD, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

_noreturn_ static void report_failure(EnterFailure failure, int error, const char *what) {
        EnterMessage m = { .type = ENTER_FAILED, .failure = failure, .error = error < 0 ? -error : error };

        (void) snprintf(m.text, sizeof(m.text), "%s", strempty(what));
        (void) report(&m, -EBADF);
        _exit(EXIT_FAILURE);
}

static int parse_uint(const char *s, unsigned *ret) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno != 0 || *end || end == s || v > UINT32_MAX)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

static int parse_args(int argc, char *argv[], EnterArgs *a) {
        enum { ARG_LEADER = 0x100, ARG_MODE, ARG_USER, ARG_WORKDIR, ARG_ROWS, ARG_COLUMNS, ARG_ENV, ARG_DELAY };
        static const struct option options[] = {
                { "leader", required_argument, NULL, ARG_LEADER },
                { "mode", required_argument, NULL, ARG_MODE },
                { "user", required_argument, NULL, ARG_USER },
                { "workdir", required_argument, NULL, ARG_WORKDIR },
                { "rows", required_argument, NULL, ARG_ROWS },
                { "columns", required_argument, NULL, ARG_COLUMNS },
                { "env", required_argument, NULL, ARG_ENV },
                { "test-delay-ms", required_argument, NULL, ARG_DELAY },
                {}
        };
        unsigned leader = 0;
        int c, r = 0;

        a->mode = _ENTER_MODE_INVALID;
        opterr = 0;
        while (r >= 0 && (c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case ARG_LEADER:
                        r = parse_uint(optarg, &leader);
                        a->leader = (pid_t) leader;
                        break;
                case ARG_MODE:
                        a->mode = streq(optarg, "exec") ? ENTER_MODE_EXEC : streq(optarg, "pty") ? ENTER_MODE_PTY :
                                  streq(optarg, "shell") ? ENTER_MODE_SHELL : _ENTER_MODE_INVALID;
                        break;
                case ARG_USER:
                        a->user = optarg;
                        break;
                case ARG_WORKDIR:
                        a->workdir = optarg;
                        break;
                case ARG_ROWS:
                        r = parse_uint(optarg, &a->rows);
                        break;
                case ARG_COLUMNS:
                        r = parse_uint(optarg, &a->columns);
                        break;
                case ARG_ENV:
                        r = strv_extend(&a->env, optarg);
                        break;
                case ARG_DELAY:
                        r = parse_uint(optarg, &a->test_delay_ms);
                        break;
                default:
                        r = -EINVAL;
                }
        if (r < 0 || a->leader <= 1 || a->mode < 0)
                return -EINVAL;
        a->command = argv + optind;
        if ((a->mode == ENTER_MODE_SHELL) != (strv_length(a->command) == 0))
                return -EINVAL;
        return 0;
}

/* --- 2. entering --- */

/* The init's root, opened on the host while the pidfd pins the init: afterwards its PID may mean
 * another process. */
static int open_leader_root(pid_t leader, int pidfd) {
        _cleanup_close_ int fd = -EBADF;
        char path[64];

        (void) snprintf(path, sizeof(path), "/proc/%d/root", (int) leader);
        fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
                return -errno;
        return TAKE_FD(fd);
}

/* Whether the init lives in a user namespace other than ours (an unprivileged container). */
static int leader_has_own_userns(pid_t leader) {
        struct stat ours, theirs;
        char path[64];

        (void) snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) leader);
        if (stat("/proc/self/ns/user", &ours) < 0 || stat(path, &theirs) < 0)
                return -errno;
        if (syscall(SYS_pidfd_send_signal, ENTER_LEADER_FD, 0, NULL, 0) < 0)
                return -errno;
        return ours.st_dev != theirs.st_dev || ours.st_ino != theirs.st_ino;
}

static int enter_container(const EnterArgs *a) {
        _cleanup_free_ char *cgroup = NULL;
        _cleanup_close_ int root_fd = -EBADF;
        bool userns;
        int r;

        root_fd = open_leader_root(a->leader, ENTER_LEADER_FD);
        if (root_fd < 0)
                report_failure(ENTER_FAILURE_ENTER, root_fd, "open the container's root");

        /* Its cgroup2 cgroup and, on a hybrid host, its v1 cgroups (where its limits are): what we
         * start counts against the container, and dies with it. */
        r = cg_pid_get_path(a->leader, &cgroup);
        if (r >= 0)
                r = cg_attach(cgroup, 0);
        else if (r == -ENODATA || r == -ENOMEDIUM)
                r = 0;
        if (r >= 0)
                r = cg_v1_attach_like(a->leader, 0);
        if (r < 0)
                report_failure(ENTER_FAILURE_ENTER, r, "join the container's cgroup");

        r = leader_has_own_userns(a->leader);
        if (r < 0)
                report_failure(ENTER_FAILURE_ENTER, r, "look at the container's user namespace");
        userns = r > 0;
        /* With CLONE_NEWUSER the kernel joins the user namespace first, and the others as its root. */
        if (setns(ENTER_LEADER_FD, CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
                                           CLONE_NEWCGROUP | (userns ? CLONE_NEWUSER : 0)) < 0)
                report_failure(ENTER_FAILURE_ENTER, errno, "enter the container's namespaces");
        /* Our host UID 0 means nobody in there: become the guest's root (the container's first host
         * ID), which also leaves the host's supplementary groups behind. */
        if (userns && (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
                report_failure(ENTER_FAILURE_ENTER, errno, "become root of the container's user namespace");
        /* setns(CLONE_NEWNS) puts us at the root of the mount namespace, which need not be the init's
         * root (pivot_root vs. chroot): use the init's own, opened before we entered. */
        if (fchdir(root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
                report_failure(ENTER_FAILURE_ENTER, errno, "enter the container's root directory");
        return RET_NERRNO(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
}

/* --- 3. the terminal --- */

/* The slave of a pty that was just unlocked. TIOCGPTPEER (Linux 4.13) opens it without a path lookup
 * in /dev/pts, where the guest could have planted something else. */
static int pty_open_slave(int master_fd) {
        int fd = ioctl(master_fd, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);

        return fd < 0 ? -errno : fd;
}

/* A new pty from the container's own devpts (so that "tty" names a /dev/pts/N the guest knows, and
 * logind can register the session). */
static int make_terminal(int root_fd, const EnterArgs *a, const EnterPlan *p, int *ret_master, int *ret_slave,
                         char ret_name[static 32]) {
        _cleanup_close_ int master = -EBADF, slave = -EBADF;
        struct winsize ws = { .ws_row = (unsigned short) a->rows, .ws_col = (unsigned short) a->columns };
        struct stat st;
        int n;

        /* /dev/ptmx is the guest's: a symlink to pts/ptmx, followed inside its root. O_NONBLOCK: it
         * could be a FIFO, checked just below. */
        master = guest_open_follow(root_fd, "/dev/ptmx", O_RDWR | O_NONBLOCK, 0);
        if (master < 0)
                return master;
        if (fstat(master, &st) < 0)
                return -errno;
        if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 || minor(st.st_rdev) != 2)
                return -ENOTTY;
        if (unlockpt(master) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
                return -errno;
        slave = pty_open_slave(master);
        if (slave < 0)
                return slave;
        if ((a->rows > 0 || a->columns > 0) && ioctl(slave, TIOCSWINSZ, &ws) < 0)
                return -errno;
        if (p->set_credentials && (fchown(slave, p->uid, (gid_t) -1) < 0 || fchmod(slave, 0620) < 0))
                return -errno;
        /* The master stays in blocking mode for its reader. */
        if (fcntl(master, F_SETFL, O_RDWR) < 0)
                return -errno;
        (void) snprintf(ret_name, 32, "/dev/pts/%d", n);
        *ret_master = TAKE_FD(master);
        *ret_slave = TAKE_FD(slave);
        return 0;
}

/* --- 5. the command --- */

/* In the child, visible in the container now: only what the command needs, then the command. Its
 * streams (the terminal, if any) are 0, 1 and 2 already. */
_noreturn_ static void run_command(const EnterArgs *a, const EnterPlan *p, bool terminal) {
        const char *step;
        sigset_t none;
        int e;

        /* First: the socket to sysctrd is not for the guest's eyes. */
        step = "close";
        if (syscall(SYS_close_range, ENTER_CONTROL_FD, ~0U, 0) < 0)
                goto fail;
        step = "terminal";
        if (terminal && (setsid() < 0 || ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0))
                goto fail;
        step = "credentials";
        if (p->set_credentials && (setgroups(p->n_groups, p->groups) < 0 || setresgid(p->gid, p->gid, p->gid) < 0 ||
                                   setresuid(p->uid, p->uid, p->uid) < 0))
                goto fail;
        step = "working directory";
        if (chdir(p->workdir) < 0)
                goto fail;
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        if (a->test_delay_ms > 0) {
                struct timespec ts = { a->test_delay_ms / 1000, (long) (a->test_delay_ms % 1000) * 1000000L };

                (void) nanosleep(&ts, NULL);
        }
        execve(p->path, p->argv, p->env);
        step = NULL;
fail:
        e = errno;
        /* To the user's own stream, as a shell says it. The command was found before: ENOENT from
         * execve() means its "#!" interpreter is missing. */
        if (!step)
                dprintf(STDERR_FILENO, "sysctr: Failed to execute %s in the container: %s\n", p->path,
                        e == ENOENT ? "its interpreter was not found" : strerror(e));
        else
                dprintf(STDERR_FILENO, "sysctr: Failed to set up the %s of the command: %s\n", step, strerror(e));
        _exit(126);
}

static int wait_and_report(pid_t child) {
        EnterMessage m = { .type = ENTER_EXITED };
        siginfo_t si = {};

        for (;;) {
                if (waitid(P_PID, child, &si, WEXITED) >= 0)
                        break;
                if (errno != EINTR)
                        return -errno;
        }
        m.code = si.si_code;
        m.status = si.si_status;
        return report(&m, -EBADF);
}

#ifdef __SANITIZE_ADDRESS__
/* LeakSanitizer's check at exit stops the process by ptracing it from a thread of its own; this
 * process is undumpable and under the guest's seccomp filter by design, so the check would spin
 * forever in sched_yield(). The sanitizer build checks everything else of it. */
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void) {
        return 1;
}
#endif

int main(int argc, char *argv[]) {
        _cleanup_(enter_plan_done) EnterPlan plan = {};
        _cleanup_close_ int root_fd = -EBADF, master = -EBADF, slave = -EBADF;
        EnterMessage started = { .type = ENTER_STARTED };
        EnterFailureInfo f = {};
        EnterArgs a = {};
        char pty_name[32] = "";
        pid_t child;
        int r;

        /* 1. Before anything else: not dumpable, so /proc/PID/{mem,fd,environ,...} and ptrace are for
         * those with CAP_SYS_PTRACE in the host's user namespace only. */
        if (prctl(PR_SET_DUMPABLE, 0) < 0)
                report_failure(ENTER_FAILURE_ENTER, errno, "make the process undumpable");
        if (parse_args(argc, argv, &a) < 0)
                report_failure(ENTER_FAILURE_ENTER, EINVAL, "bad arguments from sysctrd");

        root_fd = enter_container(&a);
        if (root_fd < 0)
                report_failure(ENTER_FAILURE_ENTER, root_fd, "open the container's root");

        if (a.mode == ENTER_MODE_SHELL)
                r = enter_plan_shell(root_fd, a.user, a.env, &plan, &f);
        else
                r = enter_plan_command(root_fd, a.user, a.command, a.env, a.workdir, a.mode == ENTER_MODE_PTY,
                                       &plan, &f);
        if (r < 0)
                report_failure(f.failure, f.error, f.what);
        if (a.mode != ENTER_MODE_EXEC) {
                r = make_terminal(root_fd, &a, &plan, &master, &slave, pty_name);
                if (r < 0)
                        report_failure(ENTER_FAILURE_TERMINAL, r, "make a terminal");
        }
        root_fd = safe_close(root_fd);

        /* 4. The container's confinement, for us and so for the command. */
        r = security_apply_container_baseline();
        if (r < 0)
                report_failure(ENTER_FAILURE_CONFINE, r, "apply the container's security restrictions");
        /* Nothing but the streams, the socket and the terminal goes further; the terminal becomes our
         * (and so the child's) standard streams. */
        (void) close(ENTER_LEADER_FD);
        if (slave >= 0) {
                for (int i = 0; i < 3; i++)
                        if (dup2(slave, i) < 0)
                                report_failure(ENTER_FAILURE_TERMINAL, errno, "set up the terminal");
                slave = safe_close(slave);
        }

        child = fork();
        if (child < 0)
                report_failure(ENTER_FAILURE_ENTER, errno, "fork");
        if (child == 0)
                run_command(&a, &plan, a.mode != ENTER_MODE_EXEC);

        started.pid = child;
        (void) snprintf(started.text, sizeof(started.text), "%s", pty_name);
        r = report(&started, master);
        master = safe_close(master);
        if (r < 0) {
                /* sysctrd is gone: nobody will hear of the command; let it run on (reparented to the
                 * container's init), as a command of a stopped sysctrd would. */
                return EXIT_FAILURE;
        }
        /* Our own streams are the command's: keep none of them open. */
        for (int i = 0; i < 3; i++)
                (void) close(i);
        return wait_and_report(child) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
