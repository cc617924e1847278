/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "container.h"

/* SetContainer(s name, a{sv} settings): change a container's configuration. Everything is checked
 * before anything changes; limits apply live; autostart enables or disables the unit under systemd. */
int container_set(Container *c, sd_bus_message *message, sd_bus_error *error);

/* systemd mode: enable (WantedBy=machines.target) or disable sysctr@NAME.service. */
int container_unit_enable(Container *c, bool enable, sd_bus_error *error);
