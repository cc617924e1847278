/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "container.h"
#include "create.h"
#include "errors.h"
#include "image.h"
#include "image-dbus.h"
#include "log.h"
#include "manager.h"
#include "name.h"
#include "polkit.h"
#include "settings.h"
#include "strv.h"

static int lookup(Manager *m, sd_bus_message *message, Container **ret, sd_bus_error *error) {
        const char *name;
        Container *c;
        int r;

        r = sd_bus_message_read(message, "s", &name);
        if (r < 0)
                return r;
        if (!container_name_is_valid(name))
                return sd_bus_error_setf(error, SYSCTR_ERROR_INVALID_NAME, "Invalid container name \"%s\".", name);
        c = manager_get_container(m, name);
        if (!c || c->creating)
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_CONTAINER, "No container \"%s\".", name);
        *ret = c;
        return 0;
}

#define ACTION POLKIT_ACTION_MANAGE_CONTAINERS

static int method_create(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        AUTHORIZE(userdata, message, ACTION, method_create, NULL, error);
        return manager_create_container(userdata, message, error);
}

/* Look the container up by the method's first argument, then check the caller may change it. */
#define LOOKUP_AUTHORIZED(handler)                                              \
        do {                                                                    \
                int _q_ = lookup(userdata, message, &c, error);                 \
                if (_q_ < 0)                                                    \
                        return _q_;                                             \
                AUTHORIZE(userdata, message, ACTION, handler, NULL, error);     \
        } while (0)

static int method_delete(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Container *c;
        int r;

        LOOKUP_AUTHORIZED(method_delete);
        r = container_delete(c, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, NULL);
}

static int method_start(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Container *c;

        LOOKUP_AUTHORIZED(method_start);
        return container_start(c, message, error);
}

static int method_stop(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Container *c;

        LOOKUP_AUTHORIZED(method_stop);
        return container_stop(c, 0, true, message, error);
}

static int method_stop_with_timeout(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        uint64_t timeout;
        Container *c;
        int r;

        LOOKUP_AUTHORIZED(method_stop_with_timeout);
        r = sd_bus_message_read(message, "t", &timeout);
        if (r < 0)
                return r;
        return container_stop(c, timeout, false, message, error);
}

static int method_restart(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Container *c;

        LOOKUP_AUTHORIZED(method_restart);
        return container_restart(c, message, error);
}

static int method_kill(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Container *c;

        LOOKUP_AUTHORIZED(method_kill);
        return container_method_kill_signal(c, message, error);
}

static int method_set(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Container *c;

        LOOKUP_AUTHORIZED(method_set);
        return container_set(c, message, error);
}

static int method_get(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Container *c;
        int r;

        r = lookup(userdata, message, &c, error);
        return r < 0 ? r : sd_bus_reply_method_return(message, "o", c->path);
}

static int method_list(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_new_method_return(message, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ssso)");
        if (r < 0)
                return r;
        for (Container *c = m->containers; c; c = c->next) {
                if (c->creating)
                        continue;
                r = sd_bus_message_append(reply, "(ssso)", c->name, container_state_to_string(c->state),
                                          c->config->template, c->path);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_list_templates(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = template_list_names(&names);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(message, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ss)");
        if (r < 0)
                return r;
        STRV_FOREACH(n, names) {
                _cleanup_(template_info_freep) TemplateInfo *t = NULL;
                _cleanup_free_ char *err = NULL;

                if (template_load(*n, &t, &err) < 0) {
                        log_warning("Ignoring template %s: %s", *n, strna(err));
                        continue;
                }
                r = sd_bus_message_append(reply, "(ss)", *n, strempty(t->description));
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int property_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", PACKAGE_VERSION);
}

static int property_get_mode(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "s", manager_mode_to_string(m->mode));
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Mode", "s", property_get_mode, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD_WITH_ARGS("CreateContainer",
                                SD_BUS_ARGS("s", name, "s", template, "a{sv}", options),
                                SD_BUS_RESULT("o", container), method_create, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("DeleteContainer", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_delete,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("StartContainer", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_start,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("StopContainer", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_stop,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("StopContainerWithTimeout", SD_BUS_ARGS("s", name, "t", timeout_usec),
                                SD_BUS_NO_RESULT, method_stop_with_timeout, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RestartContainer", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_restart,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("KillContainer", SD_BUS_ARGS("s", name, "i", signal), SD_BUS_NO_RESULT,
                                method_kill, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetContainer", SD_BUS_ARGS("s", name, "a{sv}", settings), SD_BUS_NO_RESULT,
                                method_set, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetContainer", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", container),
                                method_get, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListContainers", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssso)", containers),
                                method_list, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListTemplates", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ss)", templates),
                                method_list_templates, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListImages", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a(sssst)", images), method_list_images,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("BuildImage", SD_BUS_ARGS("s", template, "s", release, "b", rebuild),
                                SD_BUS_RESULT("s", image), method_build_image, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RemoveImage", SD_BUS_ARGS("s", image), SD_BUS_NO_RESULT, method_remove_image,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("ImageBuildProgress", SD_BUS_ARGS("s", image, "s", line), 0),
        SD_BUS_SIGNAL_WITH_ARGS("ContainerNew", SD_BUS_ARGS("s", name, "o", container), 0),
        SD_BUS_SIGNAL_WITH_ARGS("ContainerRemoved", SD_BUS_ARGS("s", name, "o", container), 0),
        SD_BUS_VTABLE_END,
};

int manager_bus_register(Manager *m) {
        int r;

        r = sd_bus_add_object_vtable(m->bus, NULL, "/org/sysctr1", "org.sysctr1.Manager", manager_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register the manager object: %m");
        r = sd_bus_add_fallback_vtable(m->bus, NULL, "/org/sysctr1/container", "org.sysctr1.Container",
                                       container_vtable, container_object_find, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register container objects: %m");
        r = sd_bus_add_node_enumerator(m->bus, NULL, "/org/sysctr1/container", container_node_enumerator, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register the container enumerator: %m");
        return 0;
}
