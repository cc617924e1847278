/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "container.h"

/* Standalone mode: run the agent ourselves, detached (it survives us), in a cgroup2 cgroup of its
 * own, "<cgroup2 mount>/<SYSCTR_CGROUP_PARENT>/sysctr@NAME.service", as systemd would. */
int spawn_agent(Container *c);

/* After an agent died without cleaning up: kill what is left in its cgroup and remove it (standalone
 * mode; systemd does that for units), and remove its runtime directory. */
void spawn_cleanup_after_agent(Container *c);

/* "/sysctr.slice/sysctr@NAME.service" */
char *spawn_unit_cgroup(const char *name);
