/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include "log.h"
#include "sysctr.h"

/* polkit asks for a password only through an authentication agent registered for the caller's
 * session. A desktop runs one; on a text console or over ssh nobody does, so, like systemctl, we start
 * polkit's text agent for the duration of the command. "--fallback": a desktop's agent, if there is
 * one, keeps precedence. */

#define PKTTYAGENT "/usr/bin/pkttyagent"
/* How long we wait for the agent to register before making the call anyway. */
#define AGENT_REGISTER_TIMEOUT_MS 5000

static pid_t agent_pid;
static pid_t agent_owner;       /* the process that started it: a forked child must not end it */

static void polkit_agent_close(void) {
        if (agent_pid <= 0 || getpid() != agent_owner)
                return;
        (void) kill(agent_pid, SIGTERM);
        (void) waitpid(agent_pid, NULL, 0);
        agent_pid = 0;
}

static _noreturn_ void agent_exec(int notify_fd) {
        char fd_arg[16];

        /* The agent closes the fd once it is registered: it must survive the exec. */
        if (fcntl(notify_fd, F_SETFD, 0) < 0)
                _exit(EXIT_FAILURE);
        (void) snprintf(fd_arg, sizeof(fd_arg), "%i", notify_fd);
        execl(PKTTYAGENT, PKTTYAGENT, "--notify-fd", fd_arg, "--fallback", (char *) NULL);
        _exit(EXIT_FAILURE);
}

void ctl_polkit_agent_open(void) {
        _cleanup_close_pair_ int notify[2] = { -EBADF, -EBADF };
        struct pollfd p;
        pid_t pid;

        /* Root is never asked; without a terminal there is nobody to ask. */
        if (agent_pid > 0 || geteuid() == 0 || !isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
                return;
        if (access(PKTTYAGENT, X_OK) < 0)
                return;
        if (pipe2(notify, O_CLOEXEC) < 0)
                return;

        pid = fork();
        if (pid < 0) {
                log_debug_errno(-errno, "Failed to start %s: %m", PKTTYAGENT);
                return;
        }
        if (pid == 0) {
                notify[0] = safe_close(notify[0]);
                agent_exec(notify[1]);
        }
        notify[1] = safe_close(notify[1]);
        agent_pid = pid;
        if (agent_owner == 0)
                (void) atexit(polkit_agent_close);
        agent_owner = getpid();

        /* EOF once it registered, or when it failed and exited: either way, go on. */
        p = (struct pollfd) { .fd = notify[0], .events = POLLIN };
        while (poll(&p, 1, AGENT_REGISTER_TIMEOUT_MS) < 0 && errno == EINTR)
                ;
}
