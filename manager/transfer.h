/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

/* ExportContainer(s name, h archive, a{sv} options) → o job       options: volumes b, image b
 * ImportContainer(h archive, s name, a{sv} options) → o job       name "": the archive's
 * (docs/dbus-api.md; the archive's layout in archive.h) */
int method_export_container(sd_bus_message *message, void *userdata, sd_bus_error *error);
int method_import_container(sd_bus_message *message, void *userdata, sd_bus_error *error);
