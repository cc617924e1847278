/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/stat.h>

#include "enter.h"
#include "guest-path.h"
#include "strv.h"

/* The guest's own files, read as files: its /etc/passwd and /etc/group are parsed with fgetpwent(3)
 * (getpwnam(3) would ask NSS, and so load the guest's libraries into a root process of the host's);
 * its PATH is searched for the command. Everything is opened with common/guest-path.h: the guest's
 * symlinks are followed, but never out of its root and never through /proc magic links. */

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define DEFAULT_PATH_USER "PATH=/usr/local/bin:/usr/bin:/bin"
/* What a terminal session gets without a TERM of its caller: what nspawn gives a container's console. */
#define DEFAULT_TERM "TERM=vt220"

void enter_plan_done(EnterPlan *p) {
        free(p->path);
        strv_free(p->argv);
        strv_free(p->env);
        free(p->workdir);
        free(p->groups);
        *p = (EnterPlan) {};
}

static int fail(EnterFailureInfo *f, EnterFailure failure, int error, const char *what) {
        *f = (EnterFailureInfo) { failure, error < 0 ? -error : error, what };
        return error < 0 ? error : -error;
}

/* A regular file of the guest as a stream. O_NONBLOCK and the type check: the guest could have put a
 * FIFO there, which would block us. */
static int fopen_in_root(int root_fd, const char *path, FILE **ret) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        FILE *f;

        fd = guest_open_follow(root_fd, path, O_RDONLY | O_NONBLOCK, 0);
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

/* An executable regular file, and whether it is one: 1 yes, 0 there but not executable, -ENOENT. */
static int executable_in_root(int root_fd, const char *path) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        fd = guest_open_follow(root_fd, path, O_PATH, 0);
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return -errno;
        return S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

static bool directory_in_root(int root_fd, const char *path) {
        _cleanup_close_ int fd = -EBADF;

        fd = guest_open_follow(root_fd, path, O_PATH | O_DIRECTORY, 0);
        return fd >= 0;
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

/* env with VAR=VALUE put in, replacing an earlier VAR. */
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

static const char *env_get(char * const *env, const char *name) {
        size_t n = strlen(name);

        STRV_FOREACH(e, env)
                if (strneq(*e, name, n) && (*e)[n] == '=')
                        return *e + n + 1;
        return NULL;
}

static int env_put_pair(char ***env, const char *name, const char *value) {
        _cleanup_free_ char *s = NULL;

        if (asprintf(&s, "%s=%s", name, value) < 0)
                return -ENOMEM;
        return env_put(env, s);
}

/* The credentials of user (its uid, gid and groups) into the plan. */
static int plan_credentials(int root_fd, const GuestUser *u, EnterPlan *p) {
        p->set_credentials = true;
        p->uid = u->uid;
        p->gid = u->gid;
        return guest_user_groups(root_fd, u, &p->groups, &p->n_groups);
}

static int lookup_user(int root_fd, const char *user, GuestUser *u, EnterFailureInfo *f) {
        int r;

        r = guest_user_find(root_fd, user, u);
        if (r == -ESRCH)
                return fail(f, ENTER_FAILURE_NO_USER, ESRCH, user);
        if (r < 0)
                return fail(f, ENTER_FAILURE_NO_USER, r, user);
        return 0;
}

/* The user's shell as a login shell ("-bash"), logged in by ourselves. */
static int plan_login_shell(int root_fd, const GuestUser *u, EnterPlan *p) {
        const char *base = strrchr(u->shell, '/');
        _cleanup_free_ char *argv0 = NULL;
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
        if ((r = env_put_pair(&p->env, "HOME", u->home)) < 0 || (r = env_put_pair(&p->env, "SHELL", u->shell)) < 0 ||
            (r = env_put_pair(&p->env, "USER", u->name)) < 0 || (r = env_put_pair(&p->env, "LOGNAME", u->name)) < 0 ||
            (r = env_put(&p->env, u->uid == 0 ? DEFAULT_PATH : DEFAULT_PATH_USER)) < 0)
                return r;
        return plan_credentials(root_fd, u, p);
}

int enter_plan_shell(int root_fd, const char *user, char * const *env, EnterPlan *plan, EnterFailureInfo *f) {
        static const char *const sus[] = { "/bin/su", "/usr/bin/su" };
        static const char *const logins[] = { "/bin/login", "/usr/bin/login" };
        _cleanup_(guest_user_done) GuestUser u = {};
        _cleanup_(enter_plan_done) EnterPlan p = {};
        const char *term;
        int r;

        user = user ?: "root";
        r = lookup_user(root_fd, user, &u, f);
        if (r < 0)
                return r;
        term = env_get(env, "TERM");
        r = term ? env_put_pair(&p.env, "TERM", term) : env_put(&p.env, DEFAULT_TERM);
        if (r >= 0)
                r = env_put(&p.env, DEFAULT_PATH);
        if (r < 0)
                return fail(f, ENTER_FAILURE_ENTER, r, "environment");

        /* su(1) first: it opens a PAM session (systemd-logind registers it, pam_limits applies) and,
         * unlike util-linux' login(1), which always exits 0, it exits with the shell's status. Then
         * login(1) (a minimal image without su; busybox's login execs the shell itself), then the
         * user's shell, logged in by ourselves. */
        for (size_t i = 0; i < ELEMENTSOF(sus) && !p.argv; i++)
                if (executable_in_root(root_fd, sus[i]) > 0) {
                        p.argv = strv_copy((char *[]) { (char *) "su", (char *) "-l", (char *) user, NULL });
                        p.path = strdup(sus[i]);
                }
        for (size_t i = 0; i < ELEMENTSOF(logins) && !p.argv; i++)
                if (executable_in_root(root_fd, logins[i]) > 0) {
                        p.argv = strv_copy((char *[]) { (char *) "login", (char *) "-f", (char *) user, NULL });
                        p.path = strdup(logins[i]);
                }
        if (!p.argv) {
                p.env = strv_free(p.env);
                r = term ? env_put_pair(&p.env, "TERM", term) : env_put(&p.env, DEFAULT_TERM);
                if (r >= 0)
                        r = plan_login_shell(root_fd, &u, &p);
                if (r < 0)
                        return fail(f, ENTER_FAILURE_ENTER, r, "login shell");
        }
        if (!p.argv || !p.path || (!p.workdir && !(p.workdir = strdup("/"))))
                return fail(f, ENTER_FAILURE_ENTER, -ENOMEM, "login");
        *plan = p;
        p = (EnterPlan) {};
        return 0;
}

/* The command's absolute path: argv[0] itself if it has a "/" (relative to workdir), else the first
 * executable of that name along PATH, as execvp(3) would search it. */
static int find_command(int root_fd, const char *name, const char *path_var, const char *workdir, char **ret,
                        EnterFailureInfo *f) {
        _cleanup_free_ char *copy = NULL;
        bool seen = false;
        int r;

        if (strchr(name, '/')) {
                _cleanup_free_ char *p = NULL;

                if (name[0] == '/')
                        p = strdup(name);
                else if (asprintf(&p, "%s/%s", workdir, name) < 0)
                        p = NULL;
                if (!p)
                        return fail(f, ENTER_FAILURE_ENTER, -ENOMEM, name);
                r = executable_in_root(root_fd, p);
                if (r == 0)
                        return fail(f, ENTER_FAILURE_NOT_EXECUTABLE, EACCES, name);
                if (r < 0)
                        return fail(f, r == -ENOENT || r == -ENOTDIR ? ENTER_FAILURE_NOT_FOUND :
                                    ENTER_FAILURE_NOT_EXECUTABLE, r, name);
                *ret = TAKE_PTR(p);
                return 0;
        }
        copy = strdup(path_var);
        if (!copy)
                return fail(f, ENTER_FAILURE_ENTER, -ENOMEM, name);
        for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
                _cleanup_free_ char *p = NULL;

                if (dir[0] != '/')
                        continue;       /* a relative PATH entry means the caller's directory: not ours */
                if (asprintf(&p, "%s/%s", dir, name) < 0)
                        return fail(f, ENTER_FAILURE_ENTER, -ENOMEM, name);
                r = executable_in_root(root_fd, p);
                if (r > 0) {
                        *ret = TAKE_PTR(p);
                        return 0;
                }
                seen = seen || r == 0;
        }
        return fail(f, seen ? ENTER_FAILURE_NOT_EXECUTABLE : ENTER_FAILURE_NOT_FOUND, seen ? EACCES : ENOENT, name);
}

int enter_plan_command(int root_fd, const char *user, char * const *command, char * const *env,
                       const char *workdir, bool terminal, EnterPlan *plan, EnterFailureInfo *f) {
        _cleanup_(guest_user_done) GuestUser u = {};
        _cleanup_(enter_plan_done) EnterPlan p = {};
        int r;

        if (user) {
                r = lookup_user(root_fd, user, &u, f);
                if (r < 0)
                        return r;
        }
        /* Ours first, then the caller's, which may replace any of them. */
        r = env_put(&p.env, u.uid > 0 ? DEFAULT_PATH_USER : DEFAULT_PATH);
        if (r >= 0)
                r = env_put_pair(&p.env, "HOME", user ? u.home : "/root");
        if (r >= 0)
                r = env_put(&p.env, "container=sysctr");
        if (r >= 0 && user)
                r = env_put_pair(&p.env, "USER", u.name);
        if (r >= 0 && terminal && !env_get(env, "TERM"))
                r = env_put(&p.env, DEFAULT_TERM);
        STRV_FOREACH(e, env)
                if (r >= 0)
                        r = env_put(&p.env, *e);
        if (r < 0)
                return fail(f, ENTER_FAILURE_ENTER, r, "environment");

        p.workdir = strdup(!isempty(workdir) ? workdir : "/");
        if (!p.workdir)
                return fail(f, ENTER_FAILURE_ENTER, -ENOMEM, "workdir");
        if (!directory_in_root(root_fd, p.workdir))
                return fail(f, ENTER_FAILURE_WORKDIR, ENOENT, workdir);
        r = find_command(root_fd, command[0], env_get(p.env, "PATH") ?: "", p.workdir, &p.path, f);
        if (r < 0)
                return r;
        p.argv = strv_copy(command);
        if (!p.argv)
                return fail(f, ENTER_FAILURE_ENTER, -ENOMEM, "argv");
        if (user) {
                r = plan_credentials(root_fd, &u, &p);
                if (r < 0)
                        return fail(f, ENTER_FAILURE_ENTER, r, "groups");
        }
        *plan = p;
        p = (EnterPlan) {};
        return 0;
}
