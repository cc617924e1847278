/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <linux/close_range.h>

#include "cgroup-util.h"
#include "exec.h"
#include "fileio.h"
#include "log.h"
#include "security.h"
#include "strv.h"
#include "sysctr.h"

/* How the top-level process learns what failed in a child: one record, written at most once, through
 * a close-on-exec pipe. EOF without a record means the command was exec'd. */
typedef enum ExecStage {
        EXEC_STAGE_CGROUP,
        EXEC_STAGE_SETNS,
        EXEC_STAGE_ROOT,
        EXEC_STAGE_WORKDIR,
        EXEC_STAGE_FORK,
        EXEC_STAGE_PTY,
        EXEC_STAGE_CONFINE,
        EXEC_STAGE_CREDENTIALS,
        EXEC_STAGE_EXEC,
        EXEC_STAGE_INTERPRETER,
} ExecStage;

typedef struct ExecReport {
        int stage;
        int error;              /* positive errno */
} ExecReport;

typedef struct ExecContext {
        const ExecTarget *target;
        int report_fd;
        const ExecParams *params;
} ExecContext;

/* The signals we pass on: a terminal sends them to the whole foreground process group, the
 * command included, so only those sent to us alone (kill(1), timeout(1)...) are forwarded. */
static const int forward_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

static int env_put(char ***env, const char *assignment) {
        size_t n = strcspn(assignment, "=");

        for (char **e = *env; e && *e; e++)
                if (strneq(*e, assignment, n) && (*e)[n] == '=') {
                        char *copy = strdup(assignment);

                        if (!copy)
                                return -ENOMEM;
                        free(*e);
                        *e = copy;
                        return 0;
                }
        return strv_extend(env, assignment);
}

int exec_build_environment(char * const *user_env, char ***ret) {
        _cleanup_strv_free_ char **env = NULL;
        const char *term = getenv("TERM");
        int r;

        r = env_put(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        if (r >= 0)
                r = env_put(&env, "HOME=/root");
        if (r >= 0)
                r = env_put(&env, "container=sysctr");
        if (r >= 0 && term) {
                _cleanup_free_ char *t = NULL;

                if (asprintf(&t, "TERM=%s", term) < 0)
                        return -ENOMEM;
                r = env_put(&env, t);
        }

        STRV_FOREACH(e, user_env) {
                _cleanup_free_ char *copy = NULL;
                const char *value;

                if (r < 0)
                        break;
                if (strchr(*e, '=')) {
                        r = env_put(&env, *e);
                        continue;
                }
                /* "--env VAR": the caller's value, as docker does; nothing if the caller has none. */
                value = getenv(*e);
                if (!value)
                        continue;
                if (asprintf(&copy, "%s=%s", *e, value) < 0)
                        return -ENOMEM;
                r = env_put(&env, copy);
        }
        if (r < 0)
                return r;

        *ret = TAKE_PTR(env);
        return 0;
}

static _noreturn_ void child_fail(const ExecContext *c, ExecStage stage, int error, int status) {
        ExecReport report = { .stage = stage, .error = error < 0 ? -error : error };

        /* Nothing to do if it fails: the parent then reports the bare exit status. */
        (void) !write(c->report_fd, &report, sizeof(report));
        _exit(status);
}

/* The command is confined as the container's init is (common/security.h): the same capability
 * bounding set and seccomp filter, so that entering from the host gives no more than the guest has. */
static int exec_child_confine(void) {
        sigset_t empty;
        int r;

        /* Blocked signals survive execve(): give the command a clean mask. */
        sigemptyset(&empty);
        if (sigprocmask(SIG_SETMASK, &empty, NULL) < 0)
                return -errno;

        /* Descriptors the caller of sysctr leaked to us must not reach the container (stdio stays). */
        if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
                return -errno;

        r = security_apply_container_baseline();
        if (r < 0)
                return r;
        return 0;
}

static int send_fd(int socket_fd, int fd) {
        union {
                struct cmsghdr cmsghdr;
                uint8_t buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        char byte = 0;
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof(control),
        };
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&mh);

        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));

        if (sendmsg(socket_fd, &mh, MSG_NOSIGNAL) < 0)
                return -errno;
        return 0;
}

/* The slave of a pty that was just unlocked. TIOCGPTPEER (Linux 4.13) opens it without a path lookup
 * in /dev/pts, where the guest could have planted something else; older kernels get the path. */
static int pty_open_slave(int master_fd) {
        char name[64];
        int fd;

        fd = ioctl(master_fd, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd >= 0)
                return fd;
        if (errno != EINVAL && errno != ENOTTY)
                return -errno;
        if (ptsname_r(master_fd, name, sizeof(name)) != 0)
                return -errno;
        fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

/* In the container: a new pty from the container's own devpts (so that "tty" names a /dev/pts/N the
 * guest knows, and logind can register the session), its master sent to the host, its slave the
 * controlling terminal and stdio of a new session. */
static int child_setup_pty(const ExecParams *p) {
        _cleanup_close_ int master = -EBADF, slave = -EBADF;
        struct stat st;
        int r;

        /* O_NONBLOCK: the guest owns /dev and could have put a FIFO there; checked just below. */
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (master < 0)
                return -errno;
        if (fstat(master, &st) < 0)
                return -errno;
        if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 || minor(st.st_rdev) != 2)
                return -ENOTTY;
        if (unlockpt(master) < 0)
                return -errno;
        slave = pty_open_slave(master);
        if (slave < 0)
                return slave;

        if (p->termios && tcsetattr(slave, TCSANOW, p->termios) < 0)
                return -errno;
        if (p->winsize && ioctl(slave, TIOCSWINSZ, p->winsize) < 0)
                return -errno;
        if (p->set_credentials && (fchown(slave, p->uid, (gid_t) -1) < 0 || fchmod(slave, 0620) < 0))
                return -errno;

        r = send_fd(p->pty_socket, master);
        if (r < 0)
                return r;
        master = safe_close(master);

        if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
                return -errno;
        for (int i = 0; i < 3; i++)
                if (dup2(slave, i) < 0)
                        return -errno;
        return 0;
}

static int child_set_credentials(const ExecParams *p) {
        if (setgroups(p->n_groups, p->groups) < 0 || setresgid(p->gid, p->gid, p->gid) < 0 ||
            setresuid(p->uid, p->uid, p->uid) < 0)
                return -errno;
        return 0;
}

static _noreturn_ void grandchild_exec(const ExecContext *c) {
        const ExecParams *p = c->params;
        const char *path = p->path ?: p->argv[0];
        int r;

        if (p->new_pty) {
                r = child_setup_pty(p);
                if (r < 0)
                        child_fail(c, EXEC_STAGE_PTY, r, EXIT_EXEC_TOOL);
        }

        r = exec_child_confine();
        if (r < 0)
                child_fail(c, EXEC_STAGE_CONFINE, r, EXIT_EXEC_TOOL);

        if (p->set_credentials) {
                r = child_set_credentials(p);
                if (r < 0)
                        child_fail(c, EXEC_STAGE_CREDENTIALS, r, EXIT_EXEC_TOOL);
        }

        /* execvp() searches the PATH of the current environment, so the command's environment has
         * to be ours first. */
        environ = p->env;
        if (p->path)
                execv(p->path, p->argv);
        else
                execvp(p->argv[0], p->argv);
        r = errno;

        /* A script whose "#!" interpreter is missing fails with ENOENT too; like the shell, call
         * that "cannot execute", not "not found". */
        if (r == ENOENT && strchr(path, '/') && access(path, F_OK) >= 0)
                child_fail(c, EXEC_STAGE_INTERPRETER, r, EXIT_EXEC_CANNOT_INVOKE);
        child_fail(c, EXEC_STAGE_EXEC, r, r == ENOENT ? EXIT_EXEC_NOT_FOUND : EXIT_EXEC_CANNOT_INVOKE);
}

static int wait_forwarding_signals(pid_t pid) {
        sigset_t set;

        sigemptyset(&set);
        for (size_t i = 0; i < ELEMENTSOF(forward_signals); i++)
                sigaddset(&set, forward_signals[i]);
        sigaddset(&set, SIGCHLD);

        for (;;) {
                siginfo_t si = {};

                if (waitid(P_PID, pid, &si, WEXITED | WNOHANG) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (si.si_pid == pid)
                        /* The shell's convention: 128+N for a command killed by signal N. */
                        return si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;

                if (sigwaitinfo(&set, &si) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (si.si_signo != SIGCHLD && si.si_code != SI_KERNEL)
                        (void) kill(pid, si.si_signo);
        }
}

/* The middle process: joins the container and forks the command into its PID namespace, which
 * setns() applies to children only. It stays outside that namespace, waiting. */
static _noreturn_ void child_enter(const ExecContext *c, pid_t parent) {
        const ExecTarget *t = c->target;
        pid_t pid;
        int r;

        /* The command lives as long as sysctr does: if sysctr is killed outright, so is the command
         * (through this process), rather than lingering in the container with nobody waiting. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(EXIT_EXEC_TOOL);

        if (t->cgroup) {
                r = cg_attach(t->cgroup, 0);
                if (r < 0)
                        child_fail(c, EXEC_STAGE_CGROUP, r, EXIT_EXEC_TOOL);
        }
        STRV_FOREACH(procs, t->cgroups_v1) {
                r = write_string_file(*procs, "0");
                if (r < 0)
                        child_fail(c, EXEC_STAGE_CGROUP, r, EXIT_EXEC_TOOL);
        }

        if (setns(t->pidfd, CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
                                    CLONE_NEWCGROUP) < 0)
                child_fail(c, EXEC_STAGE_SETNS, errno, EXIT_EXEC_TOOL);

        /* setns(CLONE_NEWNS) puts us at the root of the mount namespace, which need not be the root of
         * the init (pivot_root vs. chroot): use the init's own, opened before we entered. */
        if (fchdir(t->root_fd) < 0 || chroot(".") < 0)
                child_fail(c, EXEC_STAGE_ROOT, errno, EXIT_EXEC_TOOL);
        if (chdir(c->params->workdir ?: "/") < 0)
                child_fail(c, EXEC_STAGE_WORKDIR, errno, EXIT_EXEC_TOOL);

        pid = fork();
        if (pid < 0)
                child_fail(c, EXEC_STAGE_FORK, errno, EXIT_EXEC_TOOL);
        if (pid == 0) {
                /* The middle process sits outside the container's PID namespace: getppid() gives 0. */
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                        child_fail(c, EXEC_STAGE_FORK, errno, EXIT_EXEC_TOOL);
                grandchild_exec(c);
        }

        /* The command holds the pipe and the socket now; our copies would keep the top-level waiting
         * for an EOF. */
        safe_close(c->report_fd);
        if (c->params->new_pty)
                safe_close(c->params->pty_socket);

        r = wait_forwarding_signals(pid);
        _exit(r < 0 ? EXIT_EXEC_TOOL : r);
}

static int log_report(const ExecReport *report, const ExecParams *p, int status) {
        int e = report->error;

        switch (report->stage) {
        case EXEC_STAGE_CGROUP:
                return log_error_errno(e, _("Failed to join the cgroup of the container: %m"));
        case EXEC_STAGE_SETNS:
                return log_error_errno(e, _("Failed to enter the namespaces of the container: %m"));
        case EXEC_STAGE_ROOT:
                return log_error_errno(e, _("Failed to enter the root directory of the container: %m"));
        case EXEC_STAGE_WORKDIR:
                return log_error_errno(e, _("Failed to change to directory \"%s\" in the container: %m"),
                                       p->workdir);
        case EXEC_STAGE_FORK:
                return log_error_errno(e, _("Failed to fork: %m"));
        case EXEC_STAGE_PTY:
                return log_error_errno(e, _("Failed to allocate a terminal in the container: %m"));
        case EXEC_STAGE_CONFINE:
                return log_error_errno(e,
                                       _("Failed to apply the security restrictions of the container: %m"));
        case EXEC_STAGE_CREDENTIALS:
                return log_error_errno(e, _("Failed to change to the user in the container: %m"));
        case EXEC_STAGE_EXEC:
                if (e == ENOENT)
                        log_error(_("Command \"%s\" not found in the container."), p->path ?: p->argv[0]);
                else
                        log_error_errno(e, _("Failed to execute \"%s\" in the container: %m"),
                                        p->path ?: p->argv[0]);
                return status;
        case EXEC_STAGE_INTERPRETER:
                log_error(_("Failed to execute \"%s\" in the container: its interpreter was not found."),
                          p->path ?: p->argv[0]);
                return status;
        default:
                return log_error_errno(EIO, _("Unexpected report from the child process."));
        }
}

/* On a hybrid host the container's limits live in cgroup v1 hierarchies (memory, pids, cpu; see
 * manager/limits.c): the command joins the init's cgroup in each v1 hierarchy too, or it would escape
 * them. The cgroup.procs files, of the hierarchies where the init is below the root. */
static int cg_v1_procs_files(pid_t leader, char ***ret) {
        _cleanup_strv_free_ char **files = NULL;
        _cleanup_free_ char *text = NULL;
        char path[64], *line, *save = NULL;
        int r;

        (void) snprintf(path, sizeof(path), "/proc/%i/cgroup", (int) leader);
        r = read_full_file(path, &text, NULL);
        if (r < 0)
                return r;

        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                /* "ID:controllers:path"; ID 0 is cgroup2. */
                char *controllers = strchr(line, ':'), *cg, *file;

                if (!controllers || strneq(line, "0:", 2))
                        continue;
                controllers++;
                cg = strchr(controllers, ':');
                if (!cg)
                        continue;
                *cg++ = '\0';
                /* The root has no limits to keep; "/.." is outside our cgroup namespace. */
                if (isempty(controllers) || streq(cg, "/") || strneq(cg, "/..", 3))
                        continue;
                if (strneq(controllers, "name=", 5))
                        controllers += 5;
                if (asprintf(&file, "/sys/fs/cgroup/%s%s/cgroup.procs", controllers, cg) < 0)
                        return -ENOMEM;
                if (access(file, W_OK) < 0) {
                        free(file);
                        continue;
                }
                r = strv_push(&files, file);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(files);
        return 0;
}

/* Everything that names the container's init is resolved on the host, before entering and while the
 * pidfd pins the init: afterwards the init's PID may already mean another process. */
static int exec_prepare(int pidfd, pid_t leader, int *ret_root_fd, char **ret_cgroup,
                        char ***ret_cgroups_v1) {
        _cleanup_close_ int root_fd = -EBADF;
        _cleanup_free_ char *cgroup = NULL;
        _cleanup_strv_free_ char **cgroups_v1 = NULL;
        char path[64];
        int r;

        (void) snprintf(path, sizeof(path), "/proc/%i/root", (int) leader);
        root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return log_error_errno(errno, _("Failed to open the root directory of process %i: %m"),
                                       (int) leader);

        r = cg_pid_get_path(leader, &cgroup);
        if (r < 0 && r != -ENOMEDIUM)
                return log_error_errno(r, _("Failed to find the cgroup of process %i: %m"), (int) leader);
        r = cg_v1_procs_files(leader, &cgroups_v1);
        if (r < 0)
                return log_error_errno(r, _("Failed to find the cgroup of process %i: %m"), (int) leader);

        /* Still alive, so /proc/LEADER was the process of the pidfd, not a successor with its PID. */
        if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
                return log_error_errno(errno, _("The init of the container went away: %m"));

        *ret_root_fd = TAKE_FD(root_fd);
        *ret_cgroup = TAKE_PTR(cgroup);
        *ret_cgroups_v1 = TAKE_PTR(cgroups_v1);
        return 0;
}

void exec_signals(sigset_t *ret) {
        sigemptyset(ret);
        for (size_t i = 0; i < ELEMENTSOF(forward_signals); i++)
                sigaddset(ret, forward_signals[i]);
        sigaddset(ret, SIGCHLD);
}

int exec_spawn(const ExecTarget *t, const ExecParams *p, ExecChild *ret) {
        _cleanup_close_pair_ int pipe_fds[2] = { -EBADF, -EBADF };
        _cleanup_close_ int pidfd = -EBADF;
        pid_t pid, self = getpid();
        int r;

        assert(t && p && p->argv && p->argv[0]);

        /* Non-blocking: the report is read after the wait, when it is there or never will be. */
        if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) < 0)
                return log_error_errno(errno, _("Failed to create a pipe: %m"));

        pid = fork();
        if (pid < 0)
                return log_error_errno(errno, _("Failed to fork: %m"));
        if (pid == 0) {
                ExecContext c = {
                        .target = t,
                        .report_fd = pipe_fds[1],
                        .params = p,
                };

                pipe_fds[0] = safe_close(pipe_fds[0]);
                child_enter(&c, self);
        }

        pipe_fds[1] = safe_close(pipe_fds[1]);

        /* Our own unwaited child: its PID cannot be reused yet. */
        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0) {
                r = log_error_errno(errno, _("Failed to open the child process: %m"));
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                return r;
        }

        *ret = (ExecChild) {
                .pid = pid,
                .pidfd = TAKE_FD(pidfd),
                .report_fd = TAKE_FD(pipe_fds[0]),
        };
        return 0;
}

int exec_child_wait(ExecChild *c, const ExecParams *p) {
        ExecReport report = {};
        ssize_t n;
        int r;

        r = wait_forwarding_signals(c->pid);
        if (r < 0)
                return log_error_errno(r, _("Failed to wait for the child process: %m"));
        c->pid = 0;

        n = read(c->report_fd, &report, sizeof(report));
        if (n == (ssize_t) sizeof(report))
                return log_report(&report, p, r);
        return r;
}

void exec_child_done(ExecChild *c) {
        if (c->pid > 0) {
                /* Not waited for: an error path. Through it, the command dies too (PDEATHSIG). */
                (void) kill(c->pid, SIGKILL);
                (void) waitpid(c->pid, NULL, 0);
                c->pid = 0;
        }
        c->pidfd = safe_close(c->pidfd);
        c->report_fd = safe_close(c->report_fd);
}

int exec_in_container(const ExecTarget *t, const ExecParams *p) {
        _cleanup_(exec_child_done) ExecChild child = EXEC_CHILD_NULL;
        sigset_t set, old_mask;
        int r;

        /* Blocked before the fork so that no signal is lost between fork and wait; waited for with
         * sigwaitinfo(), no handlers needed. */
        exec_signals(&set);
        (void) sigprocmask(SIG_BLOCK, &set, &old_mask);

        r = exec_spawn(t, p, &child);
        if (r >= 0)
                r = exec_child_wait(&child, p);

        exec_child_done(&child);
        (void) sigprocmask(SIG_SETMASK, &old_mask, NULL);
        return r;
}

static int log_not_running(const char *name) {
        log_error(_("Container \"%s\" is not running."), name);
        return -ESRCH;
}

/* The leader's PID as sysctrd knows it, pinned with a pidfd. sysctrd is asked again once the pidfd is
 * open: if the init died in between and its PID went to another process, the answers differ. */
static int open_leader(sd_bus *bus, const char *name, int *ret_pidfd, pid_t *ret_leader) {
        _cleanup_free_ char *path = NULL, *state = NULL, *state_after = NULL;
        _cleanup_close_ int pidfd = -EBADF;
        uint32_t leader = 0, leader_after = 0;
        int r;

        r = ctl_get_container_path(bus, name, &path);
        if (r < 0)
                return r;
        r = ctl_get_container_state(bus, path, &state, &leader);
        if (r < 0)
                return r;
        if (!streq(state, "running") || leader == 0)
                return log_not_running(name);

        pidfd = (int) syscall(SYS_pidfd_open, (pid_t) leader, 0);     /* always O_CLOEXEC */
        if (pidfd < 0) {
                if (errno == ESRCH)
                        return log_not_running(name);
                return log_error_errno(errno, _("Failed to open the init process of container \"%s\": %m"),
                                       name);
        }

        r = ctl_get_container_state(bus, path, &state_after, &leader_after);
        if (r < 0)
                return r;
        if (!streq(state_after, "running") || leader_after != leader)
                return log_not_running(name);

        *ret_pidfd = TAKE_FD(pidfd);
        *ret_leader = (pid_t) leader;
        return 0;
}

int exec_target_open(const char *name, ExecTarget *ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(exec_target_done) ExecTarget t = EXEC_TARGET_NULL;
        int r;

        r = ctl_bus_open(&bus);
        if (r < 0)
                return r;
        r = open_leader(bus, name, &t.pidfd, &t.leader);
        if (r < 0)
                return r;
        /* The command may run for days: do not hold a connection to the bus meanwhile. */
        bus = sd_bus_flush_close_unref(bus);

        r = exec_prepare(t.pidfd, t.leader, &t.root_fd, &t.cgroup, &t.cgroups_v1);
        if (r < 0)
                return r;

        *ret = t;
        t = EXEC_TARGET_NULL;
        return 0;
}

void exec_target_done(ExecTarget *t) {
        t->pidfd = safe_close(t->pidfd);
        t->root_fd = safe_close(t->root_fd);
        free(t->cgroup);
        t->cgroup = NULL;
        t->cgroups_v1 = strv_free(t->cgroups_v1);
}

int verb_exec(char **args, const CtlOptions *o) {
        _cleanup_(exec_target_done) ExecTarget t = EXEC_TARGET_NULL;
        _cleanup_strv_free_ char **env = NULL;
        int r;

        r = ctl_check_container_name(args[0]);
        if (r < 0)
                return r;

        r = exec_build_environment(o->env, &env);
        if (r < 0)
                return log_oom();

        r = exec_target_open(args[0], &t);
        if (r < 0)
                return r;

        return exec_in_container(&t,
                                 &(const ExecParams) {
                                         .argv = args + 1,
                                         .env = env,
                                         .workdir = o->workdir,
                                 });
}
