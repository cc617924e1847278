/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "hashmap.h"
#include "ipam.h"
#include "macro.h"

/* sysctrd's core. manager.c: the Manager, startup and the event loop; manager-dbus.c: its bus
 * object; container*.c: containers; job*.c: jobs; process*.c: commands run in containers;
 * backend-*.c: how containers are run (systemd units or our own spawning); the rest as named.
 * All of it but sysctrd.c is the library libsysctrd.a, which the unit tests link too. */

typedef struct Backend Backend;
typedef struct Container Container;
typedef struct ImageBuild ImageBuild;
typedef struct Job Job;
typedef struct Network Network;
typedef struct PolkitQuery PolkitQuery;
typedef struct Process Process;
typedef struct Volume Volume;
typedef struct Worker Worker;

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
        const Backend *backend;         /* chosen once, from the mode (backend.h) */

        Hashmap *containers;            /* name → Container */
        Hashmap *container_leaders;     /* PID of the init → Container (running ones) */
        ImageBuild *builds;             /* image builds in progress */

        Hashmap *jobs;                  /* id → Job */
        uint32_t last_job_id;
        unsigned n_running_starts;      /* start jobs that hold a place (job.c) */
        unsigned max_parallel_starts;
        uint32_t *start_queue;          /* ids of the start jobs waiting for a place, oldest first */
        size_t n_start_queue;

        Hashmap *processes;             /* id → Process */
        uint32_t last_process_id;
        int enter_fd;                   /* a sealed in-memory copy of sysctr-enter (process.c) */

        Hashmap *log_watches;           /* id → LogWatch (logwatch.c) */
        uint32_t last_log_watch_id;

        int inotify_fd;
        sd_event_source *inotify_source;

        char **host_warnings;           /* host limits that are short (HostWarnings), NULL: none */
        void *guest_checks;             /* guestcheck.c: the checks still running */

        Hashmap *volumes;               /* name → Volume (volume.c) */
        sd_event_source *volume_users_defer; /* sends the volumes' changed UsedBy (volumes.c) */
        Worker *workers;                /* storage work in child processes (worker.c) */

        sd_bus_slot *job_removed_slot;  /* systemd mode */
        PolkitQuery *polkit_queries;    /* callers waiting for polkit's answer */

        /* Networks (network.h) */
        Hashmap *networks;              /* name → Network */
        bool networks_ready;            /* set up at start: changes now go to the host */
        sd_event_source *network_users_defer; /* sends the networks' changed Containers (network.c) */
        bool has_ula_global_id;
        uint8_t ula_global_id[IPAM_ULA_GLOBAL_ID_SIZE];
} Manager;

int manager_new(ManagerMode mode, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/* Load containers from disk, recover the state of running agents (no bus needed). */
int manager_load(Manager *m);
/* Connect to the bus (or use the one in m->bus already, for tests), register our objects and take
 * the name. */
int manager_connect(Manager *m);
/* Both, then what is done once everything is there (autostart, reconciliation). */
int manager_startup(Manager *m);
int manager_run(Manager *m);

/* Check the host limits that guests share (host-limits.h) for the containers that are active now
 * (starting ones included): the shortfalls, as text, become HostWarnings and are logged when they
 * change (always when log_all). */
void manager_check_host_limits(Manager *m, bool log_all);

Container *manager_get_container(Manager *m, const char *name);
int manager_add_container(Manager *m, Container *c);
void manager_remove_container(Manager *m, Container *c);
/* The containers, sorted by name (free() the array, not the containers); NULL on OOM. */
Container **manager_sorted_containers(Manager *m);
/* The container a host process belongs to, from its cgroup; NULL if none. */
Container *manager_get_container_by_pid(Manager *m, pid_t pid);

/* manager-dbus.c */
int manager_bus_register(Manager *m);
/* Announce a new object (InterfacesAdded) or one going away (InterfacesRemoved: call it while the
 * object can still be found). No-ops before we are on the bus. */
void manager_emit_object_added(Manager *m, const char *path);
void manager_emit_object_removed(Manager *m, const char *path);

/* In a method handler: go on only once the caller is authorized for action (polkit.h). The details
 * name the container, if any. AUTHORIZE: the handler belongs to the container's object (run again
 * with the container as userdata) or, with container_name NULL, to the manager's.
 * AUTHORIZE_BY_NAME: a manager method about a container named in its arguments. */
#define AUTHORIZE_FULL(m, message, action, handler, container_name, on_container, error)               \
        do {                                                                                            \
                int _r_ = manager_authorize((m), (message), (action), (handler), (container_name),     \
                                            (on_container), (error));                                  \
                if (_r_ <= 0)                                                                           \
                        return _r_ < 0 ? _r_ : 1;                                                       \
        } while (0)
#define AUTHORIZE(m, message, action, handler, container_name, error) \
        AUTHORIZE_FULL(m, message, action, handler, container_name,                                   \
                       (container_name) ? POLKIT_RERUN_CONTAINER : POLKIT_RERUN_MANAGER, error)
#define AUTHORIZE_BY_NAME(m, message, action, handler, container_name, error) \
        AUTHORIZE_FULL(m, message, action, handler, container_name, POLKIT_RERUN_MANAGER, error)
/* A method about the volume named in its arguments (org.sysctr1.manage-volumes). */
#define AUTHORIZE_VOLUME(m, message, handler, volume_name, error)                                       \
        do {                                                                                            \
                int _r_ = manager_authorize_object((m), (message), SYSCTR_POLKIT_MANAGE_VOLUMES,        \
                                                   (handler), "volume", (volume_name), (error));        \
                if (_r_ <= 0)                                                                           \
                        return _r_ < 0 ? _r_ : 1;                                                       \
        } while (0)
/* A manager method about the network named in its arguments (org.sysctr1.manage-networks). */
#define AUTHORIZE_NETWORK(m, message, handler, network_name, error)                                     \
        do {                                                                                            \
                int _r_ = manager_authorize_object((m), (message), SYSCTR_POLKIT_MANAGE_NETWORKS,       \
                                                   (handler), "network", (network_name), (error));      \
                if (_r_ <= 0)                                                                           \
                        return _r_ < 0 ? _r_ : 1;                                                       \
        } while (0)
