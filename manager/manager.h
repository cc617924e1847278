/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "macro.h"

typedef struct Container Container;
typedef struct ImageBuild ImageBuild;
typedef struct PolkitQuery PolkitQuery;

typedef enum ManagerMode {
        MANAGER_SYSTEMD,        /* PID 1 is systemd: containers are sysctr@NAME.service units */
        MANAGER_STANDALONE,     /* we spawn the agents ourselves, each in a cgroup of its own */
        _MANAGER_MODE_MAX,
        _MANAGER_MODE_INVALID = -EINVAL,
} ManagerMode;

const char *manager_mode_to_string(ManagerMode m) _const_;
ManagerMode manager_mode_from_string(const char *s) _pure_;

typedef struct Manager {
        sd_event *event;
        sd_bus *bus;
        ManagerMode mode;

        Container *containers;          /* singly linked, sorted by name */
        ImageBuild *builds;             /* image builds in progress */

        int inotify_fd;
        sd_event_source *inotify_source;

        sd_bus_slot *job_removed_slot;  /* systemd mode */
        PolkitQuery *polkit_queries;    /* callers waiting for polkit's answer */
} Manager;

int manager_new(ManagerMode mode, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/* Load containers from disk, recover the state of running agents, connect to the bus. */
int manager_startup(Manager *m);
int manager_run(Manager *m);

Container *manager_get_container(Manager *m, const char *name);
void manager_add_container(Manager *m, Container *c);
void manager_remove_container(Manager *m, Container *c);

/* Manager D-Bus object: manager-dbus.c */
int manager_bus_register(Manager *m);

/* In a method handler: go on only once the caller is authorized for action (polkit.h). */
#define AUTHORIZE(m, message, action, handler, container_name, error)                                  \
        do {                                                                                            \
                int _r_ = manager_authorize((m), (message), (action), (handler), (container_name), (error)); \
                if (_r_ <= 0)                                                                           \
                        return _r_ < 0 ? _r_ : 1;                                                       \
        } while (0)
