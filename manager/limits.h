/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <systemd/sd-bus.h>
#include <sys/types.h>

#include "container.h"

/* A container's limits (memory, cpus, pids in its config) live where systemd would keep them (the
 * backend's apply_limits() puts them in force):
 *  - systemd mode: properties of sysctr@NAME.service (MemoryMax=, CPUQuota=, TasksMax=), set
 *    persistently with SetUnitProperties, so they hold across restarts and apply live;
 *  - standalone mode: the files of the container's unit cgroup, written by us at each start and on
 *    change: cgroup2 controllers where the host has them, else the v1 memory, pids, cpu and cpuacct
 *    hierarchies of a hybrid host (a cgroup of the same name in each, which the agent and so the
 *    whole container joins before it starts). */

typedef struct CgroupUsage {
        uint64_t memory_current;        /* bytes; UINT64_MAX if unknown */
        uint64_t cpu_usage_nsec;
        uint64_t tasks_current;
} CgroupUsage;

/* Standalone: before spawning (v1 cgroups, v2 controllers), in the spawned child, after the agent. */
int limits_standalone_prepare(const char *cgroup);
int limits_standalone_attach(const char *cgroup, pid_t pid);
void limits_standalone_cleanup(const char *cgroup);
/* Write the config's limits into the cgroup files (the cgroups must exist). */
int limits_standalone_write(Container *c);

/* Read current usage; fields the host cannot tell are UINT64_MAX. */
void limits_usage(Container *c, CgroupUsage *ret);
