/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/openat2.h>

#include "exec.h"
#include "log.h"
#include "relay.h"
#include "strv.h"
#include "sysctr.h"

/* "sysctr shell": a login session in a running container, on a pty of the container's own devpts.
 * What runs there is chosen on the host, looking into the container's root through the init's root
 * directory (never following a symlink out of it), and never with the host's NSS: the guest's
 * /etc/passwd is parsed as a file, so no guest library is loaded into this root process. */

#define SHELL_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define SHELL_PATH_USER "PATH=/usr/local/bin:/usr/bin:/bin"

/* How long a session that was asked to end by a signal may take before it is killed. */
#define SHELL_STOP_TIMEOUT_MSEC 2000

typedef struct ShellPlan {
        char **argv;
        char *path;             /* what to execute: argv[0] may be "-sh" */
        char **env;
        char *workdir;
        bool set_credentials;
        uid_t uid;
        gid_t gid;
        gid_t *groups;
        size_t n_groups;
} ShellPlan;

static void shell_plan_done(ShellPlan *p) {
        p->argv = strv_free(p->argv);
        p->env = strv_free(p->env);
        free(p->path);
        free(p->workdir);
        free(p->groups);
        *p = (ShellPlan) {};
}

/* User names as useradd(8) allows them (NAME_REGEX of Debian's adduser, plus the Samba "$"); above
 * all, never beginning with "-", as the name ends up in the argument list of login(1) or su(1). */
static bool user_name_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > 32)
                return false;
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_", s[0]))
                return false;
        if (s[n - 1] == '$')
                n--;
        for (size_t i = 1; i < n; i++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", s[i]))
                        return false;
        return true;
}

static int open_in_root(int root_fd, const char *path, int flags) {
        struct open_how how = {
                /* openat2() refuses O_NOCTTY with O_PATH, where it means nothing anyway. */
                .flags = (uint64_t) (flags | O_CLOEXEC | (flags & O_PATH ? 0 : O_NOCTTY)),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        int fd;

        /* openat2(2): Linux 5.6, no glibc wrapper. */
        fd = (int) syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
        return fd < 0 ? -errno : fd;
}

/* An executable regular file at path in the container. */
static bool executable_in_root(int root_fd, const char *path) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        fd = open_in_root(root_fd, path, O_PATH);
        return fd >= 0 && fstat(fd, &st) >= 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

static bool directory_in_root(int root_fd, const char *path) {
        _cleanup_close_ int fd = -EBADF;

        fd = open_in_root(root_fd, path, O_PATH | O_DIRECTORY);
        return fd >= 0;
}

/* A regular file of the guest as a stream. O_NONBLOCK and the type check: the guest could have put a
 * FIFO there, which would block us. */
static int fopen_in_root(int root_fd, const char *path, FILE **ret) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        FILE *f;

        fd = open_in_root(root_fd, path, O_RDONLY | O_NONBLOCK);
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        f = fdopen(fd, "re");
        if (!f)
                return -errno;
        TAKE_FD(fd);
        *ret = f;
        return 0;
}

typedef struct GuestUser {
        char *name, *home, *shell;
        uid_t uid;
        gid_t gid;
} GuestUser;

static void guest_user_done(GuestUser *u) {
        free(u->name);
        free(u->home);
        free(u->shell);
        *u = (GuestUser) {};
}

/* fgetpwent(3) parses the file it is given; getpwnam(3) would ask the host's NSS. */
static int guest_user_find(int root_fd, const char *name, GuestUser *ret) {
        _cleanup_fclose_ FILE *f = NULL;
        struct passwd *pw;
        int r;

        r = fopen_in_root(root_fd, "/etc/passwd", &f);
        if (r < 0)
                return r;
        while ((pw = fgetpwent(f)))
                if (streq(pw->pw_name, name)) {
                        ret->name = strdup(pw->pw_name);
                        ret->home = strdup(isempty(pw->pw_dir) ? "/" : pw->pw_dir);
                        ret->shell = strdup(isempty(pw->pw_shell) ? "/bin/sh" : pw->pw_shell);
                        ret->uid = pw->pw_uid;
                        ret->gid = pw->pw_gid;
                        if (!ret->name || !ret->home || !ret->shell)
                                return -ENOMEM;
                        return 0;
                }
        return -ESRCH;
}

/* The user's supplementary groups from the guest's /etc/group (none if it cannot be read). */
static int guest_user_groups(int root_fd, const GuestUser *u, gid_t **ret, size_t *ret_n) {
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ gid_t *groups = NULL;
        size_t n = 0;
        struct group *gr;

        groups = malloc(sizeof(gid_t));
        if (!groups)
                return -ENOMEM;
        groups[n++] = u->gid;

        if (fopen_in_root(root_fd, "/etc/group", &f) >= 0)
                while ((gr = fgetgrent(f)) && n < NGROUPS_MAX) {
                        gid_t *g;

                        if (gr->gr_gid == u->gid || !strv_contains(gr->gr_mem, u->name))
                                continue;
                        g = reallocarray(groups, n + 1, sizeof(gid_t));
                        if (!g)
                                return -ENOMEM;
                        groups = g;
                        groups[n++] = gr->gr_gid;
                }

        *ret = TAKE_PTR(groups);
        *ret_n = n;
        return 0;
}

static char **argv_make(const char *a, const char *b, const char *c) {
        return strv_copy((char *[]) { (char *) a, (char *) b, (char *) c, NULL });
}

static int env_term(char ***env) {
        _cleanup_free_ char *t = NULL;
        const char *term = getenv("TERM");

        if (isempty(term))
                return 0;
        if (asprintf(&t, "TERM=%s", term) < 0)
                return -ENOMEM;
        return strv_push(env, TAKE_PTR(t));
}

/* login -f, su -l or the user's shell as a login shell, logged in by ourselves. */
static int shell_plan_login_shell(int root_fd, const GuestUser *u, ShellPlan *p) {
        const char *base = strrchr(u->shell, '/');
        _cleanup_free_ char *argv0 = NULL;
        char *e;
        int r;

        if (asprintf(&argv0, "-%s", base ? base + 1 : u->shell) < 0)
                return -ENOMEM;
        r = strv_push(&p->argv, TAKE_PTR(argv0));
        if (r < 0)
                return r;
        p->path = strdup(u->shell);
        p->workdir = strdup(directory_in_root(root_fd, u->home) ? u->home : "/");
        if (!p->path || !p->workdir)
                return -ENOMEM;

        const char *vars[][2] = { { "HOME", u->home }, { "SHELL", u->shell }, { "USER", u->name },
                                  { "LOGNAME", u->name } };
        for (size_t i = 0; i < ELEMENTSOF(vars); i++) {
                if (asprintf(&e, "%s=%s", vars[i][0], vars[i][1]) < 0)
                        return -ENOMEM;
                r = strv_push(&p->env, e);
                if (r < 0)
                        return r;
        }
        r = strv_extend(&p->env, u->uid == 0 ? SHELL_PATH : SHELL_PATH_USER);
        if (r < 0)
                return r;

        p->set_credentials = true;
        p->uid = u->uid;
        p->gid = u->gid;
        return guest_user_groups(root_fd, u, &p->groups, &p->n_groups);
}

static int shell_plan_make(int root_fd, const char *container, const char *user, ShellPlan *ret) {
        static const char *const logins[] = { "/bin/login", "/usr/bin/login" };
        static const char *const sus[] = { "/bin/su", "/usr/bin/su" };
        _cleanup_(guest_user_done) GuestUser u = {};
        _cleanup_(shell_plan_done) ShellPlan p = {};
        int r;

        r = guest_user_find(root_fd, user, &u);
        if (r == -ESRCH) {
                log_error(_("There is no user \"%s\" in container \"%s\"."), user, container);
                return r;
        }
        if (r < 0)
                return log_error_errno(r, _("Failed to read /etc/passwd of container \"%s\": %m"),
                                       container);

        r = env_term(&p.env);
        if (r >= 0)
                r = strv_extend(&p.env, SHELL_PATH);
        if (r < 0)
                return log_oom();

        /* su(1) first: it opens a PAM session (systemd-logind registers it, pam_limits applies) and,
         * unlike util-linux' login(1), which always exits 0, it exits with the shell's status. Then
         * login(1) (a minimal image without su; busybox's login execs the shell itself), then the
         * user's shell, logged in by ourselves. */
        for (size_t i = 0; i < ELEMENTSOF(sus) && !p.argv; i++)
                if (executable_in_root(root_fd, sus[i])) {
                        p.argv = argv_make("su", "-l", user);
                        p.path = strdup(sus[i]);
                }
        for (size_t i = 0; i < ELEMENTSOF(logins) && !p.argv; i++)
                if (executable_in_root(root_fd, logins[i])) {
                        p.argv = argv_make("login", "-f", user);
                        p.path = strdup(logins[i]);
                }
        if (!p.argv) {
                p.env = strv_free(p.env);
                r = env_term(&p.env);
                if (r >= 0)
                        r = shell_plan_login_shell(root_fd, &u, &p);
                if (r < 0)
                        return log_oom();
        }
        if (!p.argv || !p.path)
                return log_oom();

        *ret = p;
        p = (ShellPlan) {};
        return 0;
}

static int receive_fd(int socket_fd, int *ret) {
        union {
                struct cmsghdr cmsghdr;
                uint8_t buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        char byte;
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof(control),
        };
        struct cmsghdr *cmsg;
        ssize_t n;

        do
                n = recvmsg(socket_fd, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        cmsg = CMSG_FIRSTHDR(&mh);
        if (n == 0 || !cmsg || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS ||
            cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
                return -EBADMSG;        /* the child failed before: it says why in its report */
        memcpy(ret, CMSG_DATA(cmsg), sizeof(int));
        return 0;
}

/* A session asked to end by a signal: the hangup of its terminal (we close the master) ends a shell;
 * the signal goes to the child too, and a child that still lingers is killed. */
static void shell_stop(ExecChild *child, int *master, int sig) {
        struct pollfd pfd = { .fd = child->pidfd, .events = POLLIN };

        *master = safe_close(*master);
        (void) kill(child->pid, sig);
        if (poll(&pfd, 1, SHELL_STOP_TIMEOUT_MSEC) <= 0)
                (void) kill(child->pid, SIGKILL);
}

static int shell_session(ExecChild *child, int socket_fd, TerminalState *term) {
        _cleanup_close_ int master = -EBADF;
        int r, sig = 0;

        r = receive_fd(socket_fd, &master);
        if (r < 0)
                return r == -EBADMSG ? 0 : log_error_errno(r, _("Failed to receive the terminal: %m"));

        r = terminal_make_raw(term);
        if (r < 0)
                return log_error_errno(r, _("Failed to set up the terminal: %m"));

        r = relay_run(&(const RelayParams) {
                              .peer_fd = master,
                              .peer_is_pty = true,
                              .child_pidfd = child->pidfd,
                      },
                      &sig);
        terminal_restore(term);

        if (r == RELAY_SIGNAL || r == RELAY_OUTPUT_CLOSED || r < 0)
                shell_stop(child, &master, r == RELAY_SIGNAL ? sig : SIGHUP);
        if (r == RELAY_SIGNAL)
                return 128 + sig;
        return r < 0 ? r : 0;
}

int verb_shell(char **args, const CtlOptions *o) {
        _cleanup_(exec_target_done) ExecTarget t = EXEC_TARGET_NULL;
        _cleanup_(shell_plan_done) ShellPlan plan = {};
        _cleanup_(exec_child_done) ExecChild child = EXEC_CHILD_NULL;
        _cleanup_close_pair_ int sk[2] = { -EBADF, -EBADF };
        _cleanup_(terminal_restore) TerminalState term = TERMINAL_STATE_NULL;
        const char *name = args[0], *user = args[1] ?: "root";
        struct winsize ws;
        bool have_ws;
        sigset_t set, relay_set, old_mask;
        int r, status;

        r = ctl_check_container_name(name);
        if (r < 0)
                return r;
        if (!user_name_is_valid(user)) {
                log_error(_("Invalid user name \"%s\"."), user);
                return -EINVAL;
        }

        r = exec_target_open(name, &t);
        if (r < 0)
                return r;
        r = shell_plan_make(t.root_fd, name, user, &plan);
        if (r < 0)
                return r;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sk) < 0)
                return log_error_errno(errno, _("Failed to create a socket pair: %m"));
        r = terminal_save(STDIN_FILENO, &term);
        if (r < 0)
                return log_error_errno(r, _("Failed to read the mode of the terminal: %m"));
        have_ws = ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) >= 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) >= 0;

        const ExecParams params = {
                .argv = plan.argv,
                .path = plan.path,
                .env = plan.env,
                .workdir = plan.workdir,
                .new_pty = true,
                .pty_socket = sk[1],
                .termios = term.fd >= 0 ? &term.saved : NULL,
                .winsize = have_ws ? &ws : NULL,
                .set_credentials = plan.set_credentials,
                .uid = plan.uid,
                .gid = plan.gid,
                .groups = plan.groups,
                .n_groups = plan.n_groups,
        };

        exec_signals(&set);
        relay_signals(&relay_set);
        sigorset(&set, &set, &relay_set);
        (void) sigprocmask(SIG_BLOCK, &set, &old_mask);

        r = exec_spawn(&t, &params, &child);
        if (r >= 0) {
                sk[1] = safe_close(sk[1]);
                r = shell_session(&child, sk[0], &term);
                status = exec_child_wait(&child, &params);
                /* A signal that ended the session decides the status; else the shell's does. */
                if (r == 0 || status < 0)
                        r = status;
        }

        exec_child_done(&child);
        (void) sigprocmask(SIG_SETMASK, &old_mask, NULL);
        return r;
}
