/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"

/* cgroup2 helpers shared by the agent (payload/ + supervisor/), the manager (standalone mode: a cgroup
 * of its own for each agent) and the CLI (exec joins the container's cgroup). Paths called "cgroup"
 * are relative to the cgroup2 mount and start with "/" (as in /proc/PID/cgroup's "0::" line).
 * Nothing here logs above debug level; every function returns 0 (or the value documented) or a
 * negative errno. */

/* "/sys/fs/cgroup" on a pure cgroup2 host, "/sys/fs/cgroup/unified" on a hybrid one; -ENOMEDIUM if
 * there is no cgroup2 hierarchy. The result is static. */
int cg_mount_point(const char **ret);

/* The cgroup2 path of pid (0 = self), from /proc/PID/cgroup. -ENODATA if the process is in no cgroup2
 * hierarchy (pure v1 host), -ESRCH if it does not exist. */
int cg_pid_get_path(pid_t pid, char **ret);

/* Absolute file system path of a cgroup (and optional attribute file; NULL for the directory). */
int cg_full_path(const char *cgroup, const char *attribute, char **ret);

/* "/a/b" + "c" → "/a/b/c"; "/" + "c" → "/c". */
int cg_join(const char *cgroup, const char *child, char **ret);

/* On a hybrid host: join pid (0 = self) to every cgroup v1 hierarchy where leader sits below the
 * root (the container's memory, pids, cpu... cgroups), so that it shares the container's limits. */
int cg_v1_attach_like(pid_t leader, pid_t pid);

int cg_create(const char *cgroup);                      /* mkdir: 1 created, 0 existed */
int cg_attach(const char *cgroup, pid_t pid);           /* write to cgroup.procs (0 = self) */
/* SIGKILL everything in the cgroup and below: cgroup.kill (kernel >= 5.14), else each pid listed in
 * cgroup.procs, recursively (racy against forks, so callers repeat until the cgroup is empty). */
int cg_kill(const char *cgroup);
int cg_is_populated(const char *cgroup);                /* cgroup.events "populated": 1, 0, or -errno */
/* Wait (bounded by timeout_usec) until the cgroup holds no process; -ETIMEDOUT if it still does. */
int cg_wait_empty(const char *cgroup, uint64_t timeout_usec);
/* Remove the cgroup and its children, deepest first (the processes must be gone). Missing is fine. */
int cg_remove(const char *cgroup);
/* Kill everything, wait (bounded by timeout_usec) until empty, then remove the cgroup and its
 * children, deepest first. Missing is fine. */
int cg_kill_and_remove(const char *cgroup, uint64_t timeout_usec);
/* Open the cgroup's directory (O_DIRECTORY|O_CLOEXEC), e.g. for clone3(CLONE_INTO_CGROUP). */
int cg_open(const char *cgroup);
