/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/syscall.h>

#include "container.h"
#include "errors.h"
#include "fileio.h"
#include "log.h"
#include "manager.h"
#include "paths.h"
#include "spawn.h"
#include "unit.h"

/* Give the agent this long beyond the stop timeout to finish on its own before we SIGKILL it (its
 * death takes the container with it: the init has PR_SET_PDEATHSIG). */
#define AGENT_STOP_GRACE_USEC (15 * USEC_PER_SEC)

int waiters_add(Waiters *w, sd_bus_message *m) {
        sd_bus_message **a;

        if (!m)
                return 0;
        a = realloc(w->messages, (w->n + 1) * sizeof(*a));
        if (!a)
                return -ENOMEM;
        w->messages = a;
        w->messages[w->n++] = sd_bus_message_ref(m);
        /* > 0 tells sd-bus the call is taken care of (0 would mean "no such method"). */
        return 1;
}

/* Answer every waiting call: success when error_name is NULL. */
void waiters_reply(Waiters *w, const char *error_name, const char *format, ...) {
        char text[1024] = "";

        if (format) {
                va_list ap;

                va_start(ap, format);
                (void) vsnprintf(text, sizeof(text), format, ap);
                va_end(ap);
        }
        for (size_t i = 0; i < w->n; i++) {
                int r;

                if (error_name)
                        r = sd_bus_reply_method_errorf(w->messages[i], error_name, "%s", text);
                else
                        r = sd_bus_reply_method_return(w->messages[i], NULL);
                if (r < 0)
                        log_debug_errno(r, "Failed to reply to a waiting call: %m");
        }
        waiters_done(w);
}

void waiters_done(Waiters *w) {
        for (size_t i = 0; i < w->n; i++)
                sd_bus_message_unref(w->messages[i]);
        free(w->messages);
        *w = (Waiters) {};
}

const char *container_unit_name(const Container *c, char buf[static 256]) {
        (void) snprintf(buf, 256, "sysctr@%s.service", c->name);
        return buf;
}

bool container_is_active(const Container *c) {
        return c->state == CONTAINER_STARTING || c->state == CONTAINER_RUNNING || c->state == CONTAINER_STOPPING;
}

int container_new(Manager *m, const char *name, ContainerConfig *config, Container **ret) {
        _cleanup_(container_freep) Container *c = NULL;
        int r;

        c = calloc(1, sizeof(Container));
        if (!c) {
                container_config_free(config);
                return -ENOMEM;
        }
        c->manager = m;
        c->config = config;
        c->state = CONTAINER_STOPPED;
        c->agent_pidfd = -EBADF;
        c->name = strdup(name);
        if (!c->name)
                return -ENOMEM;
        r = sd_bus_path_encode("/org/sysctr1/container", name, &c->path);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

static void container_forget_agent(Container *c) {
        c->agent_exit_source = sd_event_source_disable_unref(c->agent_exit_source);
        c->stop_timer = sd_event_source_disable_unref(c->stop_timer);
        c->agent_pidfd = safe_close(c->agent_pidfd);
        c->agent_pid = 0;
}

Container *container_free(Container *c) {
        if (!c)
                return NULL;
        waiters_reply(&c->start_waiters, SYSCTR_ERROR_START_FAILED, "sysctrd is shutting down.");
        waiters_reply(&c->stop_waiters, SYSCTR_ERROR_STOP_FAILED, "sysctrd is shutting down.");
        waiters_reply(&c->restart_waiters, SYSCTR_ERROR_START_FAILED, "sysctrd is shutting down.");
        container_forget_agent(c);
        sd_bus_slot_unref(c->job_slot);
        free(c->job);
        container_config_free(c->config);
        free(c->result);
        free(c->path);
        free(c->name);
        free(c);
        return NULL;
}

/* State, Leader and Result change together. */
static void container_send_changed(Container *c) {
        /* Nothing to tell before we are on the bus, or while the container is not yet visible. */
        if (!c->manager->bus || c->creating)
                return;
        (void) sd_bus_emit_properties_changed(c->manager->bus, c->path, "org.sysctr1.Container", "State",
                                              "Leader", "Result", NULL);
}

static void container_finish_stop(Container *c);

static void container_set_state(Container *c, ContainerState state, pid_t leader, const char *result) {
        bool changed = c->state != state || c->leader != leader || !streq(strempty(c->result), strempty(result));

        c->state = state;
        c->leader = leader;
        if (!streq(strempty(c->result), strempty(result))) {
                free(c->result);
                c->result = result ? strdup(result) : NULL;
        }
        if (changed) {
                log_debug("Container %s is now %s (leader %d).", c->name, container_state_to_string(state),
                          (int) leader);
                container_send_changed(c);
        }

        switch (state) {
        case CONTAINER_RUNNING:
                waiters_reply(&c->start_waiters, NULL, NULL);
                break;
        case CONTAINER_STOPPED:
        case CONTAINER_FAILED:
                container_finish_stop(c);
                break;
        default:
                break;
        }
}

static void container_finish_stop(Container *c) {
        char unit[256];

        if (c->start_waiters.n > 0)
                waiters_reply(&c->start_waiters, SYSCTR_ERROR_START_FAILED,
                              "Container \"%s\" failed to start: %s. See journalctl -u %s or %s/%s.log.",
                              c->name, c->result ?: "its init exited", container_unit_name(c, unit),
                              sysctr_log_dir(), c->name);
        waiters_reply(&c->stop_waiters, NULL, NULL);

        /* The second half of a restart. */
        if (c->restart_waiters.n > 0) {
                Waiters w = c->restart_waiters;

                c->restart_waiters = (Waiters) {};
                for (size_t i = 0; i < w.n; i++) {
                        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

                        if (container_start(c, w.messages[i], &error) < 0)
                                (void) sd_bus_reply_method_error(w.messages[i], &error);
                }
                waiters_done(&w);
        }
}

void container_fail(Container *c, const char *why) {
        container_set_state(c, CONTAINER_FAILED, 0, why);
}

/* The agent is gone: decide from what it left behind whether it stopped cleanly. */
static void container_agent_gone(Container *c) {
        _cleanup_free_ char *path = sysctr_agent_state_path(c->name);
        _cleanup_(agent_state_done) AgentState s = {};
        int r;

        container_forget_agent(c);
        if (!path)
                return (void) log_oom();

        /* Standalone, the agent's cgroup is ours to remove: it cannot remove the cgroup it sits in. */
        spawn_cleanup_after_agent(c);
        r = agent_state_read(path, &s);
        if (r == -ENOENT) {
                container_set_state(c, CONTAINER_STOPPED, 0, NULL);
                return;
        }
        if (r >= 0 && s.state == CONTAINER_FAILED) {
                container_set_state(c, CONTAINER_FAILED, 0, s.result);
                return;
        }

        /* It died without saying goodbye (SIGKILL, crash): nothing cleaned up behind it. */
        log_container_warning(c->name, "The agent of container %s exited unexpectedly.", c->name);
        agent_state_done(&s);
        s = (AgentState) { .state = CONTAINER_FAILED, .agent_pid = 1,
                           .result = strdup("the agent exited unexpectedly") };
        (void) agent_state_write(path, &s);
        container_set_state(c, CONTAINER_FAILED, 0, "the agent exited unexpectedly");
}

static int on_agent_exit(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        container_agent_gone(userdata);
        return 0;
}

static bool pid_is_agent(pid_t pid) {
        char p[64], comm[32] = "";
        _cleanup_fclose_ FILE *f = NULL;

        (void) snprintf(p, sizeof(p), "/proc/%d/comm", (int) pid);
        f = fopen(p, "re");
        if (!f || !fgets(comm, sizeof(comm), f))
                return false;
        return streq(comm, "sysctr-agent\n");
}

/* Follow the agent with a pidfd, which works whether or not it is our child: after a restart of
 * sysctrd, or under systemd, it never is. */
int container_watch_agent(Container *c, pid_t pid) {
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (c->agent_pidfd >= 0 && c->agent_pid == pid)
                return 0;
        container_forget_agent(c);

        fd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (fd < 0)
                return -errno;
        if (!pid_is_agent(pid))
                return -ESRCH;
        r = sd_event_add_io(c->manager->event, &c->agent_exit_source, fd, EPOLLIN, on_agent_exit, c);
        if (r < 0)
                return r;
        c->agent_pidfd = TAKE_FD(fd);
        c->agent_pid = pid;
        return 0;
}

int container_refresh(Container *c) {
        _cleanup_free_ char *path = sysctr_agent_state_path(c->name);
        _cleanup_(agent_state_done) AgentState s = {};
        int r;

        if (!path)
                return log_oom();
        r = agent_state_read(path, &s);
        if (r == -ENOENT) {
                /* Removed by an agent on its way out: its exit (pidfd) finishes the transition. */
                if (c->agent_pidfd < 0 && container_is_active(c) && c->state != CONTAINER_STARTING)
                        container_set_state(c, CONTAINER_STOPPED, 0, NULL);
                return 0;
        }
        if (r < 0)
                return log_warning_errno(r, "Failed to read %s, ignoring: %m", path);

        if (s.state == CONTAINER_FAILED && c->agent_pidfd < 0) {
                container_set_state(c, CONTAINER_FAILED, 0, s.result);
                return 0;
        }
        r = container_watch_agent(c, s.agent_pid);
        if (r < 0) {
                container_agent_gone(c);
                return 0;
        }
        container_set_state(c, s.state, s.state == CONTAINER_STOPPED ? 0 : s.leader_pid, s.result);
        return 0;
}

int container_start(Container *c, sd_bus_message *message, sd_bus_error *error) {
        _cleanup_free_ char *path = NULL;
        int r;

        if (c->state == CONTAINER_RUNNING)
                return message ? sd_bus_reply_method_return(message, NULL) : 0;
        if (c->state == CONTAINER_STARTING)
                return waiters_add(&c->start_waiters, message);
        if (c->state == CONTAINER_STOPPING)
                return sd_bus_error_setf(error, SYSCTR_ERROR_BUSY,
                                         "Container \"%s\" is stopping; start it once it has stopped.",
                                         c->name);

        /* A failed run leaves its state file behind; a new run starts clean. */
        path = sysctr_agent_state_path(c->name);
        if (!path)
                return -ENOMEM;
        (void) unlink(path);

        if (c->manager->mode == MANAGER_SYSTEMD)
                r = unit_start(c);
        else
                r = spawn_agent(c);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to start container \"%s\": %m", c->name);

        r = waiters_add(&c->start_waiters, message);
        if (r < 0)
                return r;
        container_set_state(c, CONTAINER_STARTING, 0, NULL);
        return 1;
}

static int on_stop_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Container *c = userdata;

        log_container_warning(c->name, "The agent of container %s did not stop in time, killing it.", c->name);
        if (c->agent_pidfd >= 0)
                (void) syscall(SYS_pidfd_send_signal, c->agent_pidfd, SIGKILL, NULL, 0);
        return 0;
}

/* Ask the agent to stop. With an explicit timeout, it travels as the signal's value (sigqueue(3)):
 * the agent kills the init after that many seconds. */
static int signal_agent_stop(Container *c, uint64_t timeout_usec, bool use_default) {
        siginfo_t si = {
                .si_signo = SIGTERM,
                .si_code = SI_QUEUE,
                .si_pid = getpid(),
                .si_uid = getuid(),
        };

        if (use_default)
                return RET_NERRNO(syscall(SYS_pidfd_send_signal, c->agent_pidfd, SIGTERM, NULL, 0));
        si.si_value.sival_int = (int) MIN(timeout_usec / USEC_PER_SEC, (uint64_t) INT32_MAX);
        return RET_NERRNO(syscall(SYS_pidfd_send_signal, c->agent_pidfd, SIGTERM, &si, 0));
}

int container_stop(Container *c, uint64_t timeout_usec, bool use_default, sd_bus_message *message,
                   sd_bus_error *error) {
        uint64_t deadline;
        int r;

        if (!container_is_active(c))
                return message ? sd_bus_reply_method_return(message, NULL) : 0;

        if (use_default)
                timeout_usec = (uint64_t) c->config->stop_timeout_sec * USEC_PER_SEC;

        if (c->manager->mode == MANAGER_SYSTEMD && (use_default || c->agent_pidfd < 0))
                r = unit_stop(c);
        else if (c->agent_pidfd >= 0)
                r = signal_agent_stop(c, timeout_usec, use_default);
        else
                /* Standalone, the agent we spawned has not yet been confirmed: it will be shortly. */
                r = -EAGAIN;
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to stop container \"%s\": %m", c->name);

        r = waiters_add(&c->stop_waiters, message);
        if (r < 0)
                return r;

        if (c->agent_pidfd >= 0 && !c->stop_timer) {
                deadline = timeout_usec + AGENT_STOP_GRACE_USEC;
                r = sd_event_add_time_relative(c->manager->event, &c->stop_timer, CLOCK_MONOTONIC, deadline,
                                               USEC_PER_SEC / 10, on_stop_timeout, c);
                if (r < 0)
                        log_container_warning_errno(c->name, r, "Failed to arm the stop timer of %s: %m", c->name);
        }
        container_set_state(c, CONTAINER_STOPPING, c->leader, NULL);
        return 1;
}

int container_restart(Container *c, sd_bus_message *message, sd_bus_error *error) {
        int r;

        if (!container_is_active(c))
                return container_start(c, message, error);
        r = container_stop(c, 0, true, NULL, error);
        if (r < 0)
                return r;
        return waiters_add(&c->restart_waiters, message);
}

int container_kill(Container *c, int signo, sd_bus_error *error) {
        _cleanup_close_ int fd = -EBADF;

        if (c->leader <= 0)
                return sd_bus_error_setf(error, SYSCTR_ERROR_CONTAINER_NOT_RUNNING,
                                         "Container \"%s\" is not running.", c->name);
        fd = (int) syscall(SYS_pidfd_open, c->leader, 0);
        if (fd < 0 || syscall(SYS_pidfd_send_signal, fd, signo, NULL, 0) < 0)
                return sd_bus_error_set_errnof(error, errno, "Failed to send signal %d to container \"%s\": %m",
                                               signo, c->name);
        return 0;
}
