/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

int method_list_images(sd_bus_message *message, void *userdata, sd_bus_error *error);
int method_build_image(sd_bus_message *message, void *userdata, sd_bus_error *error);
int method_remove_image(sd_bus_message *message, void *userdata, sd_bus_error *error);
