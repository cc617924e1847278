/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

/* The manager's methods for a container's data (docs/dbus-api.md, "Storage"). */
int method_create_snapshot(sd_bus_message *message, void *userdata, sd_bus_error *error);
int method_restore_snapshot(sd_bus_message *message, void *userdata, sd_bus_error *error);
int method_delete_snapshot(sd_bus_message *message, void *userdata, sd_bus_error *error);
int method_list_snapshots(sd_bus_message *message, void *userdata, sd_bus_error *error);
