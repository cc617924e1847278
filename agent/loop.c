/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "agent.h"
#include "cgroup-util.h"
#include "log.h"
#include "machined.h"
#include "notify.h"
#include "signal-util.h"
#include "time-util.h"

/* The agent's event loop: a signalfd, a timerfd (the stop timeout, or the wait for a systemd guest's
 * READY=1), the notify socket, the console's pty master, the console socket and its client in one
 * epoll set. sd-event would do the same in far more memory; the agent stays small because one runs
 * per container. */

enum {
        SOURCE_SIGNAL,
        SOURCE_TIMER,
        SOURCE_CONSOLE,
        SOURCE_NOTIFY,
        SOURCE_CONSOLE_LISTEN,
        SOURCE_CONSOLE_CLIENT,
};

/* A guest that keeps rebooting at once (a broken init that calls reboot) is a failure, not a loop. */
#define REBOOT_BURST 5
#define REBOOT_WINDOW_USEC (10 * USEC_PER_SEC)

static int epoll_add(Agent *a, int fd, uint32_t events, uint32_t source) {
        struct epoll_event ev = { .events = events, .data.u32 = source };

        return RET_NERRNO(epoll_ctl(a->epoll_fd, EPOLL_CTL_ADD, fd, &ev));
}

int agent_signals_setup(Agent *a) {
        sigset_t mask;

        /* Blocked before the first clone, so a SIGCHLD of an init that dies at once waits in the
         * signalfd instead of being lost. SIGHUP (a closed terminal, when run by hand) must not kill
         * the supervisor of a running container. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        (void) signal(SIGPIPE, SIG_IGN);
        (void) signal(SIGHUP, SIG_IGN);

        a->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
        if (a->signal_fd < 0)
                return -errno;
        a->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (a->timer_fd < 0)
                return -errno;
        a->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (a->epoll_fd < 0)
                return -errno;
        if (epoll_add(a, a->signal_fd, EPOLLIN, SOURCE_SIGNAL) < 0 ||
            epoll_add(a, a->timer_fd, EPOLLIN, SOURCE_TIMER) < 0)
                return -errno;
        return 0;
}

int agent_watch_console(Agent *a) {
        /* Edge-triggered: see console_drain(). A closed previous master left the set by itself. */
        return epoll_add(a, a->console.master_fd, EPOLLIN | EPOLLET, SOURCE_CONSOLE);
}

int agent_watch_sockets(Agent *a) {
        int r;

        r = epoll_add(a, a->notify_fd, EPOLLIN, SOURCE_NOTIFY);
        if (r >= 0)
                r = epoll_add(a, a->console.listen_fd, EPOLLIN, SOURCE_CONSOLE_LISTEN);
        return r;
}

static void epoll_modify(Agent *a, int fd, uint32_t events, uint32_t source) {
        struct epoll_event ev = { .events = events, .data.u32 = source };

        if (fd >= 0 && epoll_ctl(a->epoll_fd, EPOLL_CTL_MOD, fd, &ev) < 0)
                log_debug_errno(errno, "Failed to change the events watched on fd %i: %m", fd);
}

static void console_update_watch(Agent *a) {
        bool blocked = a->console.n_input > 0;

        /* While the pty has not taken the client's last bytes, stop reading the client and wait for
         * the pty to become writable; then the other way round again. */
        if (blocked == a->console_input_blocked)
                return;
        a->console_input_blocked = blocked;
        epoll_modify(a, a->console.client_fd, blocked ? 0 : EPOLLIN, SOURCE_CONSOLE_CLIENT);
        epoll_modify(a, a->console.master_fd, EPOLLIN | EPOLLET | (blocked ? EPOLLOUT : 0), SOURCE_CONSOLE);
}

static void on_console_listen(Agent *a) {
        int r;

        r = console_accept(&a->console);
        if (r < 0)
                log_warning_errno(r, "Failed to accept a console client: %m");
        if (r <= 0)
                return;
        log_info("Console client attached.");
        if (epoll_add(a, a->console.client_fd, EPOLLIN, SOURCE_CONSOLE_CLIENT) < 0) {
                log_warning_errno(errno, "Failed to watch the console client: %m");
                console_detach(&a->console);
        }
        a->console_input_blocked = false;
}

static void on_console_client(Agent *a) {
        /* Closing the fd takes it out of the epoll set. */
        if (console_client_input(&a->console) == -ECONNRESET)
                log_info("Console client detached.");
}

static void timer_arm(Agent *a, uint64_t usec) {
        struct itimerspec its = {
                .it_value.tv_sec = (time_t) (usec / USEC_PER_SEC),
                .it_value.tv_nsec = (long) (usec % USEC_PER_SEC * NSEC_PER_USEC),
        };

        /* A zero it_value would disarm it: kill "now" is 1 ns from now. */
        if (usec == 0)
                its.it_value.tv_nsec = 1;
        if (timerfd_settime(a->timer_fd, 0, &its, NULL) < 0)
                log_warning_errno(errno, "Failed to arm the timer: %m");
}

static void timer_disarm(Agent *a) {
        (void) timerfd_settime(a->timer_fd, 0, &(struct itimerspec) {}, NULL);
}

static void agent_set_ready(Agent *a) {
        a->wait_ready = false;
        if (a->stop_requested)
                return;
        timer_disarm(a);
        agent_write_state(a, CONTAINER_RUNNING);
        (void) sd_notifyf(0, "READY=1\nSTATUS=Container running.\nMAINPID=%i", (int) getpid());
}

void agent_container_started(Agent *a) {
        /* A non-systemd init is ready once exec'd. A systemd one says so itself, on the notify
         * socket; until then the container is "starting" (with its LEADER_PID already known). */
        if (!a->wait_ready) {
                agent_set_ready(a);
                return;
        }
        agent_write_state(a, CONTAINER_STARTING);
        (void) sd_notify(0, "STATUS=Container booting.");
        if (!a->stop_requested)
                timer_arm(a, (uint64_t) a->ready_timeout_sec * USEC_PER_SEC);
}

static uint64_t timer_remaining(Agent *a) {
        struct itimerspec its = {};

        (void) timerfd_gettime(a->timer_fd, &its);
        return (uint64_t) its.it_value.tv_sec * USEC_PER_SEC +
               (uint64_t) its.it_value.tv_nsec / NSEC_PER_USEC;
}

static void kill_container(Agent *a) {
        if (a->leader <= 0)
                return;
        /* SIGKILL to the pid namespace's init takes the whole namespace with it; cgroup.kill also
         * catches what joined payload/ from outside it (sysctr exec). */
        log_notice("Killing the container.");
        (void) kill(a->leader, SIGKILL);
        (void) cg_kill(a->payload_cgroup);
}

/* timeout_sec < 0: the configured stop timeout. */
static void agent_stop(Agent *a, int timeout_sec) {
        uint64_t usec = timeout_sec >= 0 ? (uint64_t) timeout_sec * USEC_PER_SEC
                                         : (uint64_t) a->config->stop_timeout_sec * USEC_PER_SEC;
        char buf[SIGNAL_STRING_MAX];

        if (a->stop_requested) {
                /* A second request may only hurry things up ("sysctr stop --timeout 0" after a plain
                 * stop), never extend the deadline. */
                if (timeout_sec >= 0 && usec < timer_remaining(a))
                        timer_arm(a, usec);
                return;
        }
        a->stop_requested = true;
        if (a->leader <= 0) {
                a->done = true;
                return;
        }
        log_info("Stopping container (%s to its init, killing it after %" PRIu64 " s).",
                 signal_to_string(a->config->stop_signal, buf) ?: "its stop signal", usec / USEC_PER_SEC);
        agent_write_state(a, CONTAINER_STOPPING);
        (void) sd_notify(0, "STOPPING=1\nSTATUS=Stopping container.");
        if (usec > 0 && kill(a->leader, a->config->stop_signal) < 0)
                log_warning_errno(errno, "Failed to send the stop signal to the container's init: %m");
        timer_arm(a, usec);
}

static bool reboot_allowed(Agent *a) {
        uint64_t t = now(CLOCK_MONOTONIC);

        if (a->n_reboots == 0 || t - a->reboot_window_start > REBOOT_WINDOW_USEC) {
                a->reboot_window_start = t;
                a->n_reboots = 0;
        }
        return ++a->n_reboots <= REBOOT_BURST;
}

static void on_leader_exit(Agent *a, int status) {
        bool reboot = WIFSIGNALED(status) && WTERMSIG(status) == SIGHUP && !a->stop_requested;
        bool clean = a->stop_requested || (WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
                     (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
        char buf[SIGNAL_STRING_MAX];

        /* reboot(2) in a pid namespace: RB_AUTOBOOT kills init with SIGHUP, RB_POWER_OFF and
         * RB_HALT_SYSTEM with SIGINT. */
        a->leader = 0;
        a->wait_ready = false;
        timer_disarm(a);
        console_close_pty(&a->console);
        if (a->registered) {
                machined_unregister(a->name);
                a->registered = false;
        }
        if (a->result) {
                /* We killed it ourselves after a failure (the READY=1 timeout) that is logged. */
                a->done = true;
                return;
        }

        if (reboot) {
                if (!reboot_allowed(a)) {
                        (void) agent_fail(a, 0, "Container rebooted %u times within %" PRIu64
                                          " s, giving up.", REBOOT_BURST, REBOOT_WINDOW_USEC / USEC_PER_SEC);
                        a->done = true;
                        return;
                }
                log_info("Container is rebooting.");
                if (agent_cgroup_reset_payload(a) < 0 || agent_start_container(a) < 0)
                        a->done = true;
                return;
        }
        a->done = true;
        if (clean)
                log_info("Container stopped.");
        else if (WIFEXITED(status))
                (void) agent_fail(a, 0, "Container's init exited with status %i.", WEXITSTATUS(status));
        else
                (void) agent_fail(a, 0, "Container's init was killed by %s.",
                                  signal_to_string(WTERMSIG(status), buf) ?: "a signal");
}

static void on_sigchld(Agent *a) {
        for (;;) {
                int status;
                pid_t pid = waitpid(-1, &status, WNOHANG);

                if (pid <= 0)
                        return;
                if (pid == a->leader)
                        on_leader_exit(a, status);
        }
}

static int on_signal(Agent *a) {
        struct signalfd_siginfo si;

        for (;;) {
                ssize_t k = read(a->signal_fd, &si, sizeof(si));

                if (k < 0)
                        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
                if (k != sizeof(si))
                        return -EIO;
                switch (si.ssi_signo) {
                case SIGTERM:
                case SIGINT:
                        /* sysctrd passes "sysctr stop --timeout N" as sigqueue(3)'s value. */
                        agent_stop(a, si.ssi_code == SI_QUEUE && si.ssi_int >= 0 ? si.ssi_int : -1);
                        break;
                case SIGCHLD:
                        on_sigchld(a);
                        break;
                }
        }
}

static void on_timer(Agent *a) {
        uint64_t expirations;

        if (read(a->timer_fd, &expirations, sizeof(expirations)) < 0)
                return;
        if (!a->stop_requested && a->wait_ready)
                (void) agent_fail(a, -ETIMEDOUT, "Container did not report READY=1 within %u s "
                                  "(its systemd did not finish booting).", a->ready_timeout_sec);
        else if (!a->stop_requested)
                return;
        kill_container(a);
}

static void on_notify_message(Agent *a, const NotifyMessage *m) {
        /* The guest's own words become the unit's status line ("sysctr@NAME.service: Startup
         * finished in ..."). */
        if (m->has_status)
                (void) sd_notifyf(0, "STATUS=%s", m->status);
        if (m->ready && a->wait_ready) {
                log_info("Container's init reported READY=1.");
                agent_set_ready(a);
        }
        /* The guest's systemd began a poweroff or a reboot by itself ("systemctl poweroff" inside).
         * Our service manager hears nothing of it: a reboot comes back "running". */
        if (m->stopping && !a->stop_requested) {
                log_info("Container's init is shutting down.");
                agent_write_state(a, CONTAINER_STOPPING);
        }
}

static void on_notify(Agent *a) {
        for (;;) {
                NotifyMessage m;
                int r = notify_receive(a->notify_fd, a->leader, &m);

                if (r == -EAGAIN)
                        return;
                if (r < 0) {
                        log_debug_errno(r, "Failed to read from the notify socket: %m");
                        return;
                }
                if (r == 0)
                        log_debug("Ignored a notify message that did not come from the container's init.");
                else
                        on_notify_message(a, &m);
        }
}

int agent_run(Agent *a) {
        while (!a->done) {
                struct epoll_event ev[8];
                int n, r;

                n = epoll_wait(a->epoll_fd, ev, ELEMENTSOF(ev), -1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return agent_fail(a, errno, "epoll_wait() failed: %m");
                }
                for (int i = 0; i < n; i++)
                        switch (ev[i].data.u32) {
                        case SOURCE_SIGNAL:
                                r = on_signal(a);
                                if (r < 0)
                                        return agent_fail(a, r, "Failed to read signals: %m");
                                break;
                        case SOURCE_TIMER:
                                on_timer(a);
                                break;
                        case SOURCE_CONSOLE:
                                if (ev[i].events & EPOLLOUT)
                                        console_flush_input(&a->console);
                                r = console_drain(&a->console);
                                if (r < 0)
                                        log_debug_errno(r, "Failed to read the console: %m");
                                break;
                        case SOURCE_NOTIFY:
                                on_notify(a);
                                break;
                        case SOURCE_CONSOLE_LISTEN:
                                on_console_listen(a);
                                break;
                        case SOURCE_CONSOLE_CLIENT:
                                on_console_client(a);
                                break;
                        }
                console_update_watch(a);
        }
        return 0;
}
