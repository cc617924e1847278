/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <sys/types.h>

#include "agent-state.h"
#include "config.h"
#include "macro.h"

typedef struct Manager Manager;
typedef struct Job Job;

typedef struct Container {
        Manager *manager;

        char *name;
        char *path;                     /* D-Bus object path */
        char *unit;                     /* sysctr@NAME.service */
        /* Never NULL: for a broken container (config.yaml unreadable), a stand-in with its name. */
        ContainerConfig *config;
        bool on_disk;                   /* its directory exists (not while "creating") */

        ContainerState state;
        char *result;                   /* why it failed or is broken, or NULL */
        char *guest_state;              /* its systemd's "is-system-running" once running, or NULL */
        pid_t leader;
        pid_t agent_pid;
        int agent_pidfd;
        uint64_t agent_started_usec;    /* STARTED= of the agent's state file */
        uint64_t last_start_usec;       /* recorded in <container>/status */
        sd_event_source *agent_exit_source;
        sd_event_source *stop_timer;    /* last-resort kill if the agent does not stop */

        Job *job;                       /* its create, start, stop or restart job, if any */
        bool restart_stopping;          /* a restart job, in its stop half */

        char *unit_job;                 /* systemd mode: the StartUnit/StopUnit job we wait for */
        sd_bus_slot *unit_job_slot;

        bool net_published;             /* its published ports and host access are in our nft table */
} Container;

int container_new(Manager *m, const char *name, ContainerConfig *config, Container **ret);
/* A container whose config.yaml could not be loaded: state "broken", reason in Result. */
int container_new_broken(Manager *m, const char *name, const char *reason, Container **ret);
Container *container_free(Container *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Container *, container_free);

/* Re-read <runtime>/agents/NAME and follow the agent it names. Called at startup and on inotify. */
int container_refresh(Container *c);
int container_watch_agent(Container *c, pid_t pid);
void container_fail(Container *c, const char *why);
void container_set_state(Container *c, ContainerState state, pid_t leader, const char *result);

/* Operations that take time return (through *ret_job, if not NULL) the job that tracks them. A
 * failure to even begin is an error of the call (error set, negative errno returned). */
int container_start(Container *c, Job **ret_job, sd_bus_error *error);
int container_stop(Container *c, uint64_t timeout_usec, bool use_default, Job **ret_job, sd_bus_error *error);
int container_restart(Container *c, Job **ret_job, sd_bus_error *error);
int container_kill(Container *c, int signo, sd_bus_error *error);
int container_delete(Container *c, sd_bus_error *error);

bool container_is_active(const Container *c);
/* An error for operations that need a container which is neither broken nor being created. */
int container_check_usable(const Container *c, sd_bus_error *error);
/* The running container's init, for those that enter it: its PID, pinned by a pidfd. */
int container_open_leader(Container *c, int *ret_pidfd, sd_bus_error *error);

void container_send_changed(Container *c, const char *property, ...) _sentinel_;

/* container-dbus.c */
extern const sd_bus_vtable container_vtable[];
int container_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                          sd_bus_error *error);
int container_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                              sd_bus_error *error);
/* The method implementations shared by the manager's by-name methods and the container's own. Each
 * reads the rest of the message (after the name), authorizes the caller and replies. */
int container_method_start(Container *c, sd_bus_message *message, sd_bus_error *error);
int container_method_stop(Container *c, sd_bus_message *message, sd_bus_error *error);
int container_method_stop_with_timeout(Container *c, sd_bus_message *message, sd_bus_error *error);
int container_method_restart(Container *c, sd_bus_message *message, sd_bus_error *error);
int container_method_kill(Container *c, sd_bus_message *message, sd_bus_error *error);
int container_method_delete(Container *c, sd_bus_message *message, sd_bus_error *error);
int container_method_set(Container *c, sd_bus_message *message, sd_bus_error *error);
int container_method_get_config(Container *c, sd_bus_message *message, sd_bus_error *error);
int container_method_exec(Container *c, sd_bus_message *message, sd_bus_error *error);
int container_method_exec_pty(Container *c, sd_bus_message *message, sd_bus_error *error);
int container_method_open_shell(Container *c, sd_bus_message *message, sd_bus_error *error);
int container_method_open_console(Container *c, sd_bus_message *message, sd_bus_error *error);
int container_method_get_logs(Container *c, sd_bus_message *message, sd_bus_error *error);
/* logs.h has container_method_watch_logs(). */
