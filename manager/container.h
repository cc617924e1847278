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

/* Method calls waiting for a container to reach a state; answered when it does (or fails). */
typedef struct Waiters {
        sd_bus_message **messages;
        size_t n;
} Waiters;

typedef struct Container {
        Manager *manager;
        struct Container *next;

        char *name;
        char *path;                     /* D-Bus object path */
        ContainerConfig *config;
        bool creating;                  /* name reserved, not yet on disk nor on the bus */

        ContainerState state;
        char *result;                   /* why it failed, or NULL */
        pid_t leader;
        pid_t agent_pid;
        int agent_pidfd;
        sd_event_source *agent_exit_source;
        sd_event_source *stop_timer;    /* last-resort kill if the agent does not stop */

        char *job;                      /* systemd mode: the StartUnit/StopUnit job we wait for */
        sd_bus_slot *job_slot;

        Waiters start_waiters;
        Waiters stop_waiters;
        Waiters restart_waiters;        /* waiting for the stop half of a restart */
} Container;

int container_new(Manager *m, const char *name, ContainerConfig *config, Container **ret);
Container *container_free(Container *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Container *, container_free);

/* Re-read <runtime>/agents/NAME and follow the agent it names. Called at startup and on inotify. */
int container_refresh(Container *c);
int container_watch_agent(Container *c, pid_t pid);
void container_fail(Container *c, const char *why);

/* Operations. Each completes asynchronously; "message" (may be NULL) is answered when done. */
int container_start(Container *c, sd_bus_message *message, sd_bus_error *error);
int container_stop(Container *c, uint64_t timeout_usec, bool use_default, sd_bus_message *message,
                   sd_bus_error *error);
int container_restart(Container *c, sd_bus_message *message, sd_bus_error *error);
int container_kill(Container *c, int signo, sd_bus_error *error);
int container_delete(Container *c, sd_bus_error *error);

bool container_is_active(const Container *c);
const char *container_unit_name(const Container *c, char buf[static 256]);

/* container-dbus.c */
extern const sd_bus_vtable container_vtable[];
int container_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                          sd_bus_error *error);
int container_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                              sd_bus_error *error);
/* Reads a Kill/KillContainer call's signal argument, sends it, replies. */
int container_method_kill_signal(Container *c, sd_bus_message *message, sd_bus_error *error);

/* waiters */
int waiters_add(Waiters *w, sd_bus_message *m);
void waiters_reply(Waiters *w, const char *error_name, const char *format, ...) _printf_(3, 4);
void waiters_done(Waiters *w);
