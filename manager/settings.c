/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "errors.h"
#include "limits.h"
#include "log.h"
#include "manager.h"
#include "options.h"
#include "paths.h"
#include "settings.h"

static int config_copy(const ContainerConfig *c, ContainerConfig **ret) {
        _cleanup_free_ char *text = NULL, *err = NULL;
        int r;

        /* The YAML form is the config's complete serialization, so it is also its deep copy. */
        r = container_config_format(c, &text);
        if (r < 0)
                return r;
        return container_config_parse(text, strlen(text), "config.yaml", ret, &err);
}

int container_unit_enable(Container *c, bool enable, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char unit[256];
        int r;

        if (c->manager->mode != MANAGER_SYSTEMD)
                return 0;       /* standalone: sysctrd starts autostart containers itself */

        if (enable)
                r = sd_bus_call_method(c->manager->bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                       "org.freedesktop.systemd1.Manager", "EnableUnitFiles", error, &reply,
                                       "asbb", 1, container_unit_name(c, unit), false, true);
        else
                r = sd_bus_call_method(c->manager->bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                       "org.freedesktop.systemd1.Manager", "DisableUnitFiles", error, &reply,
                                       "asb", 1, container_unit_name(c, unit), false);
        if (r < 0)
                return r;
        return sd_bus_call_method(c->manager->bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                  "org.freedesktop.systemd1.Manager", "Reload", error, NULL, NULL);
}

int container_set(Container *c, sd_bus_message *message, sd_bus_error *error) {
        _cleanup_(container_config_freep) ContainerConfig *new = NULL, *old = NULL;
        _cleanup_free_ char *err = NULL, *path = NULL;
        OptionMask given;
        int r;

        r = config_copy(c->config, &new);
        if (r < 0)
                return r;
        r = options_parse(new, message, OPTIONS_SET, &given, error);
        if (r < 0)
                return r;
        r = container_config_verify(new, &err);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s", err ?: "Invalid configuration.");
        path = sysctr_container_config_path(c->name);
        if (!path)
                return -ENOMEM;

        /* Apply first, then record: if systemd or the cgroups refuse, nothing is saved. */
        old = c->config;
        c->config = new;
        if (given & OPTION_LIMITS)
                r = limits_apply(c, error);
        if (r >= 0 && (given & OPTION_AUTOSTART) && new->autostart != old->autostart)
                r = container_unit_enable(c, new->autostart, error);
        if (r >= 0)
                r = container_config_save(new, path);
        if (r < 0) {
                /* Back to what was: the old config, and its limits. */
                c->config = TAKE_PTR(old);
                if (given & OPTION_LIMITS)
                        (void) limits_apply(c, NULL);
                if (!sd_bus_error_is_set(error))
                        return sd_bus_error_set_errnof(error, r, "Failed to change container \"%s\": %m", c->name);
                return r;
        }
        TAKE_PTR(new);
        log_container_info(c->name, "Changed the configuration of container %s.", c->name);
        (void) sd_bus_emit_properties_changed(c->manager->bus, c->path, "org.sysctr1.Container", "Autostart",
                                              "StopSignal", "StopTimeoutUSec", "MemoryMax", "CPUQuotaPerSecUSec",
                                              "TasksMax", NULL);
        return sd_bus_reply_method_return(message, NULL);
}
