/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "container.h"
#include "manager.h"

/* CreateContainer: check everything, reserve the name, make sure the image exists (building it if
 * need be), then create the container directory atomically and answer. */
int manager_create_container(Manager *m, sd_bus_message *message, sd_bus_error *error);

/* Remove a stopped container's directory atomically (rename away, then delete) and its files. */
int container_delete(Container *c, sd_bus_error *error);
