/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent-state.h"
#include "config.h"
#include "console.h"
#include "macro.h"

/* sysctr-agent: the supervisor of one container (ExecStart= of sysctr@NAME.service, or spawned by
 * sysctrd in standalone mode). agent.c: main, setup and teardown; cgroup.c: the supervisor/ +
 * payload/ split of the agent's delegated cgroup (cgroup-v1.c: its v1 shadow on hybrid hosts);
 * loop.c: signals, stop, reboot, the notify socket; container.c: the container's namespaces and init;
 * mount*.c: its file systems; guest.c: files in its tree; notify.c: its notify socket; console.c:
 * its console and the console relay; network*.c: its links (network.h). common/security.c:
 * capabilities and seccomp. */

typedef struct Agent {
        char *name;
        ContainerConfig *config;

        char *state_path;       /* <runtime>/agents/NAME, read by the manager */
        char *runtime_dir;      /* <runtime>/containers/NAME (0700): rootfs/, console.log */
        char *rootfs_dir;       /* overlay mount point, only ever mounted in the child's namespace */
        char *lower_stage;      /* unprivileged: where the child attaches the idmapped image */
        char *lower, *upper, *work;
        char *unit;             /* NULL in standalone mode */
        uint64_t started_usec;  /* CLOCK_REALTIME of our start: the container's last start */
        int lock_fd;            /* flock on runtime_dir: one agent per container */

        char *cgroup;           /* our delegated (unit) cgroup, relative to the cgroup2 mount */
        char *supervisor_cgroup, *payload_cgroup;
        bool in_supervisor;
        char **payload_v1;      /* hybrid hosts: absolute payload dirs in the v1 hierarchies */
        char **v1_bases;        /* ... and our own cgroup in each (cleanup stops there) */

        char *notify_dir;       /* <runtime_dir>/notify, bound onto the guest's /run/host/notify */
        int notify_fd;
        char *os_release;       /* the host's, for the guest's /run/host/os-release */
        bool wait_ready;        /* the init is systemd: "running" only after its READY=1 */
        unsigned ready_timeout_sec;

        Console console;
        bool console_input_blocked;     /* see console_update_watch() */
        pid_t leader;           /* host pid of the container's init, 0 if none */
        bool registered;        /* with systemd-machined (machined.h) */
        bool stop_requested;
        unsigned n_reboots;
        uint64_t reboot_window_start;
        bool done;
        char *result;           /* why the container failed, NULL on success */

        int epoll_fd, signal_fd, timer_fd;
        bool nested_apivfs;             /* mounted proc and sysfs in <runtime>/apivfs (userns.h) */

        /* Networking (network.c) */
        struct NetPlan *net;
        int net_join_fd;        /* network-mode container:NAME: that container's namespace */
        int net_saved_fd;       /* ours, while we are in that one for the clone */
        int *net_ifindices;     /* the host sides of the veths, for machined */
        size_t n_net_ifindices;
} Agent;

#define AGENT_STOP_CLEANUP_TIMEOUT_USEC (10 * USEC_PER_SEC)
/* How long a systemd guest may take to report READY=1: systemd's DefaultTimeoutStartSec=. The unit's
 * own TimeoutStartSec= may end things earlier. SYSCTR_READY_TIMEOUT_SEC overrides it (tests). */
#define AGENT_READY_TIMEOUT_SEC 90U

/* agent.c */
/* Log the error once and remember it as the container's RESULT= (first failure wins). */
int agent_fail(Agent *a, int error, const char *format, ...) _printf_(3, 4);
void agent_write_state(Agent *a, ContainerState state);
int agent_start_container(Agent *a);

/* cgroup.c */
int agent_cgroup_setup(Agent *a);
int agent_cgroup_reset_payload(Agent *a);
void agent_cgroup_cleanup(Agent *a);

/* cgroup-v1.c */
int agent_cgroup_v1_setup(Agent *a);
void agent_cgroup_v1_cleanup(Agent *a);

/* loop.c */
int agent_signals_setup(Agent *a);
int agent_watch_console(Agent *a);
int agent_watch_sockets(Agent *a);
/* The container's init runs: wait for its READY=1 (systemd) or call it ready now. */
void agent_container_started(Agent *a);
int agent_run(Agent *a);
