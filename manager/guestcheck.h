/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "container.h"

/* Ask a container that just reached "running" how its guest's boot went ("systemctl
 * is-system-running" inside): the answer becomes its GuestState and, when degraded, a warning in the
 * log that names the host limits that are short. In the background; 0 or a negative errno. */
int container_check_guest(Container *c);

/* At shutdown: the checks still running. */
void manager_free_guest_checks(Manager *m);
