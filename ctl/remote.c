/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* "sysctr -H HOST exec|shell|console|logs ...": these verbs get file descriptors from sysctrd (a pty,
 * pipes, a socket), which a D-Bus connection carried over SSH cannot pass (systemd-stdio-bridge
 * refuses them). For them, sysctr runs itself on the remote host through ssh, which carries the
 * terminal and the streams, so they behave there as they do locally: same output, same messages on
 * stderr, same exit status (ssh passes the remote command's on; 255 is ssh's own failure). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fleet.h"
#include "log.h"
#include "strv.h"
#include "sysctr.h"

/* A word for the remote shell, which ssh hands the command line to: in single quotes, each ' as '\''. */
static char *shell_quote(const char *s) {
        size_t n = 2;
        char *r, *p;

        for (const char *c = s; *c; c++)
                n += *c == '\'' ? 4 : 1;
        r = malloc(n + 1);
        if (!r)
                return NULL;
        p = r;
        *p++ = '\'';
        for (const char *c = s; *c; c++)
                if (*c == '\'')
                        p = stpcpy(p, "'\\''");
                else
                        *p++ = *c;
        *p++ = '\'';
        *p = '\0';
        return r;
}

int ctl_remote_command_line(char * const *words, char **ret) {
        _cleanup_strv_free_ char **quoted = NULL;

        STRV_FOREACH(w, words) {
                char *q = shell_quote(*w);

                if (!q || strv_push(&quoted, q) < 0) {
                        free(q);
                        return -ENOMEM;
                }
        }
        *ret = strv_join(quoted, " ");
        return *ret ? 0 : -ENOMEM;
}

/* ssh's arguments for address: "[-p PORT] -- [USER@]HOST", as sd-bus's remote transport builds them. */
static int ssh_destination(const char *address, char ***argv) {
        _cleanup_free_ char *user = NULL, *host = NULL, *dest = NULL;
        uint16_t port;
        char p[8];
        int r;

        r = host_address_parse(address, &user, &host, &port);
        if (r < 0)
                return r;
        if (port > 0) {
                (void) snprintf(p, sizeof(p), "%u", (unsigned) port);
                if (strv_extend(argv, "-p") < 0 || strv_extend(argv, p) < 0)
                        return -ENOMEM;
        }
        if (asprintf(&dest, "%s%s%s", strempty(user), user ? "@" : "", host) < 0)
                return -ENOMEM;
        if (strv_extend(argv, "--") < 0 || strv_push(argv, TAKE_PTR(dest)) < 0)
                return -ENOMEM;
        return 0;
}

int ctl_ssh_argv(const char *address, char * const *words, bool terminal, char ***ret) {
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_free_ char *command = NULL;
        int r;

        /* -x: no X11; -t only with a terminal at both ends (a shell, a console, exec on a terminal). */
        r = strv_extend(&argv, "ssh");
        if (r >= 0)
                r = strv_extend(&argv, terminal ? "-xt" : "-xT");
        if (r >= 0)
                r = ssh_destination(address, &argv);
        if (r >= 0)
                r = ctl_remote_command_line(words, &command);
        if (r >= 0)
                r = strv_push(&argv, TAKE_PTR(command));
        if (r == -EINVAL) {
                log_error(_("Invalid host \"%s\": expected [USER@]HOST[:PORT]."), address);
                return r;
        }
        if (r < 0)
                return log_oom();
        *ret = TAKE_PTR(argv);
        return 0;
}

int ctl_run_remote(const char *address, char * const *words, bool terminal) {
        _cleanup_strv_free_ char **argv = NULL;
        int status, r;
        pid_t pid;

        r = ctl_ssh_argv(address, words, terminal, &argv);
        if (r < 0)
                return r;

        fflush(stdout);
        pid = fork();
        if (pid < 0)
                return log_error_errno(errno, _("Failed to start ssh: %m"));
        if (pid == 0) {
                execvp("ssh", argv);
                log_error_errno(errno, _("Failed to run ssh: %m"));
                _exit(EXIT_EXEC_NOT_FOUND);
        }
        /* ^C reaches ssh (same process group) and through it the remote side: its status is ours. */
        (void) signal(SIGINT, SIG_IGN);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_error_errno(errno, _("Failed to wait for ssh: %m"));
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        return 128 + WTERMSIG(status);
}
