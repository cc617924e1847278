/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "backend.h"
#include "bus-names.h"
#include "container.h"
#include "log.h"
#include "manager.h"
#include "network.h"
#include "options.h"
#include "paths.h"
#include "volumes.h"

/* SetContainer(s name, a{sv} settings) and Container.Set(a{sv}): change a container's configuration.
 * Everything is checked before anything changes; limits apply live; autostart enables or disables
 * the unit under systemd. */

static int config_copy(const ContainerConfig *c, ContainerConfig **ret) {
        _cleanup_free_ char *text = NULL, *err = NULL;
        int r;

        /* The YAML form is the config's complete serialization, so it is also its deep copy. */
        r = container_config_format(c, &text);
        if (r < 0)
                return r;
        return container_config_parse(text, strlen(text), SYSCTR_CONFIG_FILE, ret, &err);
}

int container_method_set(Container *c, sd_bus_message *message, sd_bus_error *error) {
        _cleanup_(container_config_freep) ContainerConfig *new = NULL, *old = NULL;
        _cleanup_free_ char *err = NULL, *path = NULL;
        const Backend *backend = c->manager->backend;
        OptionMask given;
        int r;

        r = container_check_usable(c, error);
        if (r < 0)
                return r;
        r = config_copy(c->config, &new);
        if (r < 0)
                return r;
        r = options_parse(new, message, OPTIONS_SET, &given, NULL, error);
        if (r < 0)
                return r;
        r = container_config_verify(new, &err);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s", err ?: "Invalid configuration.");
        /* Volumes and tmpfs mounts are attached at start: change them while it is stopped. */
        if ((given & OPTION_MOUNTS) && container_is_active(c))
                return sd_bus_error_setf(error, SYSCTR_ERROR_CONTAINER_RUNNING,
                                         "Container \"%s\" is %s; stop it to change its volumes or tmpfs mounts.",
                                         c->name, container_state_to_string(c->state));
        if (given & OPTION_VOLUMES) {
                r = volumes_check_exist(c->manager, new->volumes, error);
                if (r < 0)
                        return r;
        }
        /* Its links are made when it starts: they change while it is stopped. Published ports and host
         * access are elements of our table, which change at once. */
        if ((given & OPTION_NETWORKS) && container_is_active(c))
                return sd_bus_error_setf(error, SYSCTR_ERROR_CONTAINER_RUNNING,
                                         "Container \"%s\" is %s: its networks change while it is stopped.", c->name,
                                         container_state_to_string(c->state));
        if (given & OPTION_NETWORKING) {
                r = network_prepare_container(c->manager, new, c->config, given & OPTION_NETWORKS, error);
                if (r < 0)
                        return r;
        }
        path = sysctr_container_config_path(c->name);
        if (!path)
                return -ENOMEM;

        /* Apply first, then record: if systemd or the cgroups refuse, nothing is saved. */
        old = c->config;
        c->config = new;
        r = 0;
        if (given & OPTION_LIMITS)
                r = backend->apply_limits(c, error);
        if (r >= 0 && (given & OPTION_AUTOSTART) && new->autostart != old->autostart)
                r = backend->set_autostart(c, new->autostart, error);
        if (r >= 0)
                r = container_config_save(new, path);
        if (r < 0) {
                /* Back to what was: the old config, and its limits. */
                c->config = TAKE_PTR(old);
                if (given & OPTION_LIMITS)
                        (void) backend->apply_limits(c, NULL);
                if (!sd_bus_error_is_set(error))
                        return sd_bus_error_set_errnof(error, r, "Failed to change container \"%s\": %m", c->name);
                return r;
        }
        TAKE_PTR(new);
        if (given & OPTION_NETWORKING)
                network_container_changed(c, old);
        if (given & OPTION_VOLUMES)
                manager_volume_users_changed(c->manager);
        log_container_info(c->name, "Changed the configuration of container %s.", c->name);
        container_send_changed(c, "Hostname", "Init", "Binds", "Volumes", "Tmpfs", "Autostart", "StopSignal",
                               "StopTimeoutUSec", "MemoryMax", "CPUQuotaPerSecUSec", "TasksMax", "Addresses",
                               "Networks", "NetworkMode", "Publish", "AllowHost", NULL);
        return sd_bus_reply_method_return(message, NULL);
}
