/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "container.h"
#include "manager.h"

/* CreateContainer: check everything, reserve the name, then create the container directory
 * atomically, at once if its image is cached, else as a "create" job once the image is built. The
 * reply is sent (or an error returned). */
int manager_create_container(Manager *m, sd_bus_message *message, sd_bus_error *error);
