/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/close_range.h>

#include "cgroup-util.h"
#include "exec.h"
#include "log.h"
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
        EXEC_STAGE_EXEC,
        EXEC_STAGE_INTERPRETER,
} ExecStage;

typedef struct ExecReport {
        int stage;
        int error;              /* positive errno */
} ExecReport;

typedef struct ExecContext {
        int pidfd;
        int root_fd;            /* the init's root directory (/proc/LEADER/root), opened on the host */
        const char *cgroup;     /* the init's cgroup2 path, NULL if the host has no cgroup2 */
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

/* The place where the command is confined before exec: signal state now; the capability bounding
 * set and the seccomp filter of the container go here too. */
static int exec_child_confine(void) {
        sigset_t empty;

        /* Blocked signals survive execve(): give the command a clean mask. */
        sigemptyset(&empty);
        if (sigprocmask(SIG_SETMASK, &empty, NULL) < 0)
                return -errno;

        /* Descriptors the caller of sysctr leaked to us must not reach the container (stdio stays). */
        if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
                return -errno;
        return 0;
}

static _noreturn_ void grandchild_exec(const ExecContext *c) {
        int r;

        r = exec_child_confine();
        if (r < 0)
                child_fail(c, EXEC_STAGE_EXEC, r, EXIT_EXEC_CANNOT_INVOKE);

        /* execvp() searches the PATH of the current environment, so the command's environment has
         * to be ours first. */
        environ = c->params->env;
        execvp(c->params->argv[0], c->params->argv);
        r = errno;

        /* A script whose "#!" interpreter is missing fails with ENOENT too; like the shell, call
         * that "cannot execute", not "not found". */
        if (r == ENOENT && strchr(c->params->argv[0], '/') && access(c->params->argv[0], F_OK) >= 0)
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
        pid_t pid;
        int r;

        /* The command lives as long as sysctr does: if sysctr is killed outright, so is the command
         * (through this process), rather than lingering in the container with nobody waiting. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(EXIT_EXEC_TOOL);

        if (c->cgroup) {
                r = cg_attach(c->cgroup, 0);
                if (r < 0)
                        child_fail(c, EXEC_STAGE_CGROUP, r, EXIT_EXEC_TOOL);
        }

        if (setns(c->pidfd, CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
                                    CLONE_NEWCGROUP) < 0)
                child_fail(c, EXEC_STAGE_SETNS, errno, EXIT_EXEC_TOOL);

        /* setns(CLONE_NEWNS) puts us at the root of the mount namespace, which need not be the root of
         * the init (pivot_root vs. chroot): use the init's own, opened before we entered. */
        if (fchdir(c->root_fd) < 0 || chroot(".") < 0)
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

        /* The command holds the pipe now; our copy would keep the top-level waiting for EOF. */
        safe_close(c->report_fd);

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
        case EXEC_STAGE_EXEC:
                if (e == ENOENT)
                        log_error(_("Command \"%s\" not found in the container."), p->argv[0]);
                else
                        log_error_errno(e, _("Failed to execute \"%s\" in the container: %m"), p->argv[0]);
                return status;
        case EXEC_STAGE_INTERPRETER:
                log_error(_("Failed to execute \"%s\" in the container: its interpreter was not found."),
                          p->argv[0]);
                return status;
        default:
                return log_error_errno(EIO, _("Unexpected report from the child process."));
        }
}

/* Everything that names the container's init is resolved on the host, before entering and while the
 * pidfd pins the init: afterwards the init's PID may already mean another process. */
static int exec_prepare(int pidfd, pid_t leader, int *ret_root_fd, char **ret_cgroup) {
        _cleanup_close_ int root_fd = -EBADF;
        _cleanup_free_ char *cgroup = NULL;
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

        /* Still alive, so /proc/LEADER was the process of the pidfd, not a successor with its PID. */
        if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
                return log_error_errno(errno, _("The init of the container went away: %m"));

        *ret_root_fd = TAKE_FD(root_fd);
        *ret_cgroup = TAKE_PTR(cgroup);
        return 0;
}

static void block_signals(sigset_t *ret_old) {
        sigset_t set;

        sigemptyset(&set);
        for (size_t i = 0; i < ELEMENTSOF(forward_signals); i++)
                sigaddset(&set, forward_signals[i]);
        sigaddset(&set, SIGCHLD);
        (void) sigprocmask(SIG_BLOCK, &set, ret_old);
}

int exec_in_container(int leader_pidfd, pid_t leader, const ExecParams *p) {
        _cleanup_close_pair_ int pipe_fds[2] = { -EBADF, -EBADF };
        _cleanup_close_ int root_fd = -EBADF;
        _cleanup_free_ char *cgroup = NULL;
        ExecReport report = {};
        pid_t pid, self = getpid();
        sigset_t old_mask;
        ssize_t n;
        int r;

        assert(p && p->argv && p->argv[0]);

        r = exec_prepare(leader_pidfd, leader, &root_fd, &cgroup);
        if (r < 0)
                return r;

        if (pipe2(pipe_fds, O_CLOEXEC) < 0)
                return log_error_errno(errno, _("Failed to create a pipe: %m"));

        /* Blocked before the fork so that no signal is lost between fork and wait; waited for with
         * sigwaitinfo(), no handlers needed. */
        block_signals(&old_mask);

        pid = fork();
        if (pid < 0) {
                r = log_error_errno(errno, _("Failed to fork: %m"));
                (void) sigprocmask(SIG_SETMASK, &old_mask, NULL);
                return r;
        }
        if (pid == 0) {
                ExecContext c = {
                        .pidfd = leader_pidfd,
                        .root_fd = root_fd,
                        .cgroup = cgroup,
                        .report_fd = pipe_fds[1],
                        .params = p,
                };

                pipe_fds[0] = safe_close(pipe_fds[0]);
                child_enter(&c, self);
        }

        pipe_fds[1] = safe_close(pipe_fds[1]);
        do
                n = read(pipe_fds[0], &report, sizeof(report));
        while (n < 0 && errno == EINTR);

        r = wait_forwarding_signals(pid);
        (void) sigprocmask(SIG_SETMASK, &old_mask, NULL);
        if (r < 0)
                return log_error_errno(r, _("Failed to wait for the child process: %m"));

        if (n == (ssize_t) sizeof(report))
                return log_report(&report, p, r);
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

int verb_exec(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_close_ int pidfd = -EBADF;
        pid_t leader = 0;
        int r;

        r = ctl_check_container_name(args[0]);
        if (r < 0)
                return r;

        r = exec_build_environment(o->env, &env);
        if (r < 0)
                return log_oom();

        r = ctl_bus_open(&bus);
        if (r < 0)
                return r;
        r = open_leader(bus, args[0], &pidfd, &leader);
        if (r < 0)
                return r;
        /* The command may run for days: do not hold a connection to the bus meanwhile. */
        bus = sd_bus_flush_close_unref(bus);

        return exec_in_container(pidfd, leader,
                                 &(const ExecParams) {
                                         .argv = args + 1,
                                         .env = env,
                                         .workdir = o->workdir,
                                 });
}
