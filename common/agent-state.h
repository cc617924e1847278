/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "macro.h"

/* The agent's runtime state file, <runtime>/agents/NAME, written atomically by the agent at each
 * transition and read by the manager (which watches the directory with inotify) and by tools.
 * Format: KEY=VALUE lines (STATE, AGENT_PID, LEADER_PID, ID, UNIT, CGROUP, STARTED, RESULT). It is rebuilt on
 * every start and never trusted blindly: readers check that AGENT_PID is alive and is the agent. */

typedef enum ContainerState {
        CONTAINER_STOPPED,
        CONTAINER_STARTING,
        CONTAINER_RUNNING,
        CONTAINER_STOPPING,
        CONTAINER_FAILED,
        /* Only sysctrd's, never in a state file: a container whose image is being built for its
         * creation, and one whose config.yaml cannot be read. */
        CONTAINER_CREATING,
        CONTAINER_BROKEN,
        _CONTAINER_STATE_MAX,
        _CONTAINER_STATE_INVALID = -EINVAL,
} ContainerState;

const char *container_state_to_string(ContainerState s) _const_;
ContainerState container_state_from_string(const char *s) _pure_;

typedef struct AgentState {
        ContainerState state;
        pid_t agent_pid;
        pid_t leader_pid;       /* 0 when there is none */
        char *id;
        char *unit;             /* systemd unit name, or NULL in standalone mode */
        char *cgroup;           /* the agent's unit cgroup, relative to the cgroup2 mount ("/a/b") */
        uint64_t started_usec;  /* CLOCK_REALTIME when the agent began this run, 0 if unknown */
        char *result;           /* failure reason or NULL */
} AgentState;

void agent_state_done(AgentState *s);
int agent_state_format(const AgentState *s, char **ret);
int agent_state_parse(const char *text, AgentState *ret);
int agent_state_write(const char *path, const AgentState *s);
int agent_state_read(const char *path, AgentState *ret);
