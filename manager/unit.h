/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "container.h"
#include "manager.h"

/* systemd mode: containers are sysctr@NAME.service units. We ask systemd to start and stop them and
 * follow the jobs; the agent's state file tells the rest, the same way as in standalone mode. */
int unit_subscribe(Manager *m);
int unit_start(Container *c);
int unit_stop(Container *c);
