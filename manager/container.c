/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <time.h>

#include "backend.h"
#include "bus-names.h"
#include "container.h"
#include "guestcheck.h"
#include "fileio.h"
#include "job.h"
#include "log.h"
#include "manager.h"
#include "network.h"
#include "paths.h"
#include "strv.h"

/* Give the agent this long beyond the stop timeout to finish on its own before we SIGKILL it (its
 * death takes the container with it: the init has PR_SET_PDEATHSIG). */
#define AGENT_STOP_GRACE_USEC (15 * USEC_PER_SEC)

static int container_alloc(Manager *m, const char *name, Container **ret) {
        _cleanup_(container_freep) Container *c = NULL;
        int r;

        c = calloc(1, sizeof(Container));
        if (!c)
                return -ENOMEM;
        c->manager = m;
        c->state = CONTAINER_STOPPED;
        c->agent_pidfd = -EBADF;
        c->name = strdup(name);
        c->unit = sysctr_unit_name(name);
        if (!c->name || !c->unit)
                return -ENOMEM;
        r = sd_bus_path_encode(SYSCTR_CONTAINER_PATH_PREFIX, name, &c->path);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

static void container_load_status(Container *c) {
        _cleanup_free_ char *path = sysctr_container_status_path(c->name), *text = NULL;
        const char *v;

        if (!path || read_full_file(path, &text, NULL) < 0)
                return;
        v = strstr(text, "LAST_START=");
        if (v)
                c->last_start_usec = strtoull(v + strlen("LAST_START="), NULL, 10);
}

int container_new(Manager *m, const char *name, ContainerConfig *config, Container **ret) {
        _cleanup_(container_config_freep) ContainerConfig *cfg = config;
        Container *c;
        int r;

        r = container_alloc(m, name, &c);
        if (r < 0)
                return r;
        c->config = TAKE_PTR(cfg);
        container_load_status(c);
        *ret = c;
        return 0;
}

int container_new_broken(Manager *m, const char *name, const char *reason, Container **ret) {
        _cleanup_(container_freep) Container *c = NULL;
        int r;

        r = container_alloc(m, name, &c);
        if (r < 0)
                return r;
        /* A stand-in, so that properties and listings need no special case. */
        c->config = container_config_new();
        if (!c->config || !(c->config->name = strdup(name)) || !(c->result = strdup(reason)))
                return -ENOMEM;
        c->state = CONTAINER_BROKEN;
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
        if (c->job)
                job_finish(c->job, JOB_CANCELED, SYSCTR_ERROR_CANCELED, "sysctrd is shutting down.");
        container_forget_agent(c);
        sd_bus_slot_unref(c->unit_job_slot);
        free(c->unit_job);
        container_config_free(c->config);
        free(c->result);
        free(c->guest_state);
        free(c->unit);
        free(c->path);
        free(c->name);
        free(c);
        return NULL;
}

void container_send_changed(Container *c, const char *property, ...) {
        _cleanup_strv_free_ char **l = NULL;
        va_list ap;

        /* Nothing to tell before we are on the bus. */
        if (!c->manager->bus)
                return;
        va_start(ap, property);
        for (const char *p = property; p; p = va_arg(ap, const char *))
                if (strv_extend(&l, p) < 0) {
                        va_end(ap);
                        return;
                }
        va_end(ap);
        (void) sd_bus_emit_properties_changed_strv(c->manager->bus, c->path, SYSCTR_CONTAINER_INTERFACE, l);
}

static void container_set_job(Container *c, Job *j) {
        if (c->job == j)
                return;
        c->job = j;
        c->restart_stopping = false;
        container_send_changed(c, "Job", NULL);
}

/* The container's job ends, with what the state change tells. */
static void container_finish_job(Container *c, JobResult result, const char *error_name, const char *message) {
        Job *j = c->job;

        if (!j)
                return;
        container_set_job(c, NULL);
        job_finish(j, result, error_name, "%s", strempty(message));
}

static void container_set_leader(Container *c, pid_t leader) {
        if (c->leader == leader)
                return;
        if (c->leader > 0)
                (void) hashmap_remove_value(c->manager->container_leaders, UINT_TO_PTR(c->leader), c);
        c->leader = leader;
        if (leader > 0)
                (void) hashmap_replace(c->manager->container_leaders, UINT_TO_PTR(leader), c);
}

static int container_do_start(Container *c);

/* The state machine's consequences for the container's job. */
static void container_state_reached(Container *c) {
        _cleanup_free_ char *why = NULL;
        Job *j = c->job;

        if (!j)
                return;
        switch (c->state) {
        case CONTAINER_RUNNING:
                if (j->type == JOB_START || (j->type == JOB_RESTART && !c->restart_stopping))
                        container_finish_job(c, JOB_DONE, NULL, NULL);
                break;
        case CONTAINER_STOPPED:
        case CONTAINER_FAILED:
                if (j->type == JOB_STOP) {
                        container_finish_job(c, JOB_DONE, NULL, NULL);
                        break;
                }
                if (j->type == JOB_RESTART && c->restart_stopping) {
                        /* The second half of a restart. */
                        c->restart_stopping = false;
                        if (job_acquire_start_slot(j) && container_do_start(c) < 0)
                                container_finish_job(c, JOB_FAILED, SYSCTR_ERROR_START_FAILED,
                                                     "Failed to start the container again.");
                        break;
                }
                if (j->type != JOB_START && j->type != JOB_RESTART)
                        break;
                (void) asprintf(&why, "Container \"%s\" failed to start: %s. See \"sysctr logs %s\".", c->name,
                                c->result ?: "its init exited", c->name);
                container_finish_job(c, JOB_FAILED, SYSCTR_ERROR_START_FAILED, why ?: "The container failed to start.");
                break;
        default:
                break;
        }
}

static void container_record_start(Container *c, uint64_t started_usec) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        int r;

        if (started_usec == 0 || started_usec == c->last_start_usec || !c->on_disk)
                return;
        c->last_start_usec = started_usec;
        container_send_changed(c, "LastStartTimestamp", NULL);
        path = sysctr_container_status_path(c->name);
        if (!path || asprintf(&text, "LAST_START=%llu\n", (unsigned long long) started_usec) < 0)
                return (void) log_oom();
        r = write_file_atomic(path, text, strlen(text), 0600);
        if (r < 0)
                log_container_warning_errno(c->name, r, "Failed to write %s: %m", path);
}

void container_set_state(Container *c, ContainerState state, pid_t leader, const char *result) {
        bool state_changed = c->state != state, leader_changed = c->leader != leader,
             result_changed = !streq(strempty(c->result), strempty(result));

        c->state = state;
        container_set_leader(c, leader);
        if (result_changed) {
                free(c->result);
                c->result = result ? strdup(result) : NULL;
        }
        if (state_changed || leader_changed || result_changed) {
                log_debug("Container %s is now %s (leader %d).", c->name, container_state_to_string(state),
                          (int) leader);
                container_send_changed(c, "State", "Leader", "Result", NULL);
        }
        /* A new run (a start, a reboot) has a guest of its own to ask. */
        if ((state_changed || leader_changed) && c->guest_state) {
                c->guest_state = mfree(c->guest_state);
                container_send_changed(c, "GuestState", NULL);
        }
        if (state == CONTAINER_RUNNING && (state_changed || leader_changed) && leader > 0) {
                int r = container_check_guest(c);
                if (r < 0)
                        log_debug_errno(r, "Failed to ask the guest of %s how its boot went: %m", c->name);
        }
        network_container_state_changed(c);
        container_state_reached(c);
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

        c->manager->backend->agent_gone(c);
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
        container_record_start(c, s.started_usec);
        container_set_state(c, s.state, s.state == CONTAINER_STOPPED ? 0 : s.leader_pid, s.result);
        return 0;
}

bool container_is_active(const Container *c) {
        return c->state == CONTAINER_STARTING || c->state == CONTAINER_RUNNING || c->state == CONTAINER_STOPPING;
}

int container_check_usable(const Container *c, sd_bus_error *error) {
        if (c->state == CONTAINER_BROKEN)
                return sd_bus_error_setf(error, SYSCTR_ERROR_CONTAINER_BROKEN,
                                         "Container \"%s\" is broken (%s); delete it, or repair its config.yaml "
                                         "and restart sysctrd.", c->name, strna(c->result));
        if (c->state == CONTAINER_CREATING)
                return sd_bus_error_setf(error, SYSCTR_ERROR_BUSY, "Container \"%s\" is being created.", c->name);
        return 0;
}

/* --- start --- */

static int container_do_start(Container *c) {
        _cleanup_free_ char *path = sysctr_agent_state_path(c->name);
        int r;

        if (!path)
                return -ENOMEM;
        /* A failed run leaves its state file behind; a new run starts clean. */
        (void) unlink(path);
        r = c->manager->backend->start(c);
        if (r < 0) {
                log_container_error_errno(c->name, r, "Failed to start container %s: %m", c->name);
                return r;
        }
        container_set_state(c, CONTAINER_STARTING, 0, NULL);
        return 0;
}

/* A queued start job got its turn. */
static void container_job_run(Job *j) {
        Container *c = j->userdata;

        if (container_do_start(c) < 0)
                container_finish_job(c, JOB_FAILED, SYSCTR_ERROR_START_FAILED, "Failed to start the container.");
}

static int container_job_cancel(Job *j, sd_bus_error *error) {
        Container *c = j->userdata;
        JobType type = j->type;
        bool queued = j->state == JOB_WAITING, stopping_half = type == JOB_RESTART && c->restart_stopping;

        container_finish_job(c, JOB_CANCELED, SYSCTR_ERROR_CANCELED, "The job was canceled.");   /* frees j */
        if (type == JOB_STOP || stopping_half)
                return 0;       /* a stop cannot be taken back: it goes on, without a job */
        if (queued) {
                /* Still in the queue: nothing ran. */
                if (c->state == CONTAINER_STARTING)
                        container_set_state(c, CONTAINER_STOPPED, 0, NULL);
                return 0;
        }
        /* Undo the start: the container is stopped again, as it was. */
        if (container_is_active(c) && container_stop(c, 0, true, NULL, error) < 0)
                return -EIO;
        return 0;
}

static int container_new_job(Container *c, JobType type, Job **ret) {
        Job *j;
        int r;

        r = job_new(c->manager, type, c->name, c->path, &j);
        if (r < 0)
                return r;
        j->userdata = c;
        j->cancel = container_job_cancel;
        j->run = container_job_run;
        container_set_job(c, j);
        *ret = j;
        return 0;
}

int container_start(Container *c, Job **ret_job, sd_bus_error *error) {
        Job *j;
        int r;

        r = container_check_usable(c, error);
        if (r < 0)
                return r;
        if (c->job && (c->job->type == JOB_START || c->job->type == JOB_RESTART)) {
                if (ret_job)
                        *ret_job = c->job;
                return 0;
        }
        if (c->state == CONTAINER_STOPPING || c->job)
                return sd_bus_error_setf(error, SYSCTR_ERROR_BUSY,
                                         "Container \"%s\" is stopping; start it once it has stopped.", c->name);
        if (!container_is_active(c)) {
                r = network_check_start(c, error);
                if (r < 0)
                        return r;
        }

        r = container_new_job(c, JOB_START, &j);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to make a job: %m");
        if (c->state == CONTAINER_RUNNING || c->state == CONTAINER_STARTING) {
                /* Nothing to do (a start from outside, e.g. systemctl, is on its way: follow it). */
                if (c->state == CONTAINER_RUNNING) {
                        container_set_job(c, NULL);
                        job_finish_later(j);
                }
        } else {
                /* Shown as starting at once, also while it waits for its turn. */
                container_set_state(c, CONTAINER_STARTING, 0, NULL);
                manager_check_host_limits(c->manager, false);
                if (job_acquire_start_slot(j)) {
                        r = container_do_start(c);
                        if (r < 0) {
                                /* Off the container first: the state change would end the job itself
                                 * (and free it), with a reason that is not this one. */
                                container_set_job(c, NULL);
                                container_set_state(c, CONTAINER_STOPPED, 0, NULL);
                                job_finish(j, JOB_FAILED, SYSCTR_ERROR_START_FAILED,
                                           "Failed to start container \"%s\": %s", c->name, strerror(-r));
                                return sd_bus_error_set_errnof(error, r, "Failed to start container \"%s\": %m",
                                                               c->name);
                        }
                }
        }
        if (ret_job)
                *ret_job = j;
        return 0;
}

/* --- stop --- */

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

static int container_do_stop(Container *c, uint64_t timeout_usec, bool use_default) {
        int r;

        if (use_default)
                timeout_usec = (uint64_t) c->config->stop_timeout_sec * USEC_PER_SEC;
        /* Under systemd a plain stop goes through the unit, so that systemd knows; an explicit timeout
         * goes to the agent directly, which systemd's StopUnit cannot carry. */
        if (c->agent_pidfd >= 0 && !(use_default && c->manager->backend->units))
                r = signal_agent_stop(c, timeout_usec, use_default);
        else
                r = c->manager->backend->stop(c);
        if (r < 0)
                return r;

        if (c->agent_pidfd >= 0 && !c->stop_timer) {
                r = sd_event_add_time_relative(c->manager->event, &c->stop_timer, CLOCK_MONOTONIC,
                                               timeout_usec + AGENT_STOP_GRACE_USEC, USEC_PER_SEC / 10,
                                               on_stop_timeout, c);
                if (r < 0)
                        log_container_warning_errno(c->name, r, "Failed to arm the stop timer of %s: %m", c->name);
        }
        container_set_state(c, CONTAINER_STOPPING, c->leader, NULL);
        return 0;
}

int container_stop(Container *c, uint64_t timeout_usec, bool use_default, Job **ret_job, sd_bus_error *error) {
        Job *j;
        int r;

        r = container_check_usable(c, error);
        if (r < 0)
                return r;
        if (c->job && c->job->type == JOB_STOP && use_default) {
                if (ret_job)
                        *ret_job = c->job;
                return 0;
        }
        if (c->job && c->job->type != JOB_STOP) {
                /* A stop takes the place of a start or restart on its way, as in systemd. */
                bool queued = c->job->state == JOB_WAITING;

                container_finish_job(c, JOB_CANCELED, SYSCTR_ERROR_CANCELED, "The container was stopped meanwhile.");
                if (queued && c->state == CONTAINER_STARTING)
                        container_set_state(c, CONTAINER_STOPPED, 0, NULL);
        }
        j = c->job;
        if (!j) {
                r = container_new_job(c, JOB_STOP, &j);
                if (r < 0)
                        return sd_bus_error_set_errnof(error, r, "Failed to make a job: %m");
        }
        if (!container_is_active(c)) {
                container_set_job(c, NULL);
                job_finish_later(j);
        } else {
                r = container_do_stop(c, timeout_usec, use_default);
                if (r < 0) {
                        container_finish_job(c, JOB_FAILED, SYSCTR_ERROR_STOP_FAILED, "Failed to stop the container.");
                        return sd_bus_error_set_errnof(error, r, r == -EAGAIN ?
                                                       "Container \"%s\" is just starting; stop it again in a moment." :
                                                       "Failed to stop container \"%s\": %m", c->name);
                }
        }
        if (ret_job)
                *ret_job = j;
        return 0;
}

int container_restart(Container *c, Job **ret_job, sd_bus_error *error) {
        Job *j;
        int r;

        r = container_check_usable(c, error);
        if (r < 0)
                return r;
        if (!container_is_active(c))
                return container_start(c, ret_job, error);
        if (c->job && c->job->type == JOB_RESTART) {
                if (ret_job)
                        *ret_job = c->job;
                return 0;
        }
        if (c->job)
                container_finish_job(c, JOB_CANCELED, SYSCTR_ERROR_CANCELED, "The container is restarted instead.");

        r = container_new_job(c, JOB_RESTART, &j);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to make a job: %m");
        c->restart_stopping = true;
        r = container_do_stop(c, 0, true);
        if (r < 0) {
                container_finish_job(c, JOB_FAILED, SYSCTR_ERROR_STOP_FAILED, "Failed to stop the container.");
                return sd_bus_error_set_errnof(error, r, "Failed to stop container \"%s\": %m", c->name);
        }
        if (ret_job)
                *ret_job = j;
        return 0;
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

int container_open_leader(Container *c, int *ret_pidfd, sd_bus_error *error) {
        _cleanup_close_ int fd = -EBADF;
        pid_t leader = c->leader;

        if (c->state != CONTAINER_RUNNING || leader <= 0)
                return sd_bus_error_setf(error, SYSCTR_ERROR_CONTAINER_NOT_RUNNING,
                                         "Container \"%s\" is not running.", c->name);
        fd = (int) syscall(SYS_pidfd_open, leader, 0);
        if (fd < 0)
                return sd_bus_error_set_errnof(error, errno, "Failed to open the init of container \"%s\": %m",
                                               c->name);
        /* The pidfd pins the process it was opened for; it is the init only if the init has not died
         * between our knowing its PID and opening it: we would have heard, through the agent's state,
         * but not yet, so look at what the process is. */
        if (c->leader != leader || c->state != CONTAINER_RUNNING)
                return sd_bus_error_setf(error, SYSCTR_ERROR_CONTAINER_NOT_RUNNING,
                                         "Container \"%s\" is not running.", c->name);
        *ret_pidfd = TAKE_FD(fd);
        return 0;
}
