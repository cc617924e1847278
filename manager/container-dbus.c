/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "container.h"
#include "create.h"
#include "limits.h"
#include "manager.h"
#include "polkit.h"
#include "settings.h"
#include "signal-util.h"
#include "strv.h"

static int property_get_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        char unit[256];
        const char *v = NULL;

        if (streq(property, "Name"))
                v = c->name;
        else if (streq(property, "Id"))
                v = c->config->id;
        else if (streq(property, "Template"))
                v = c->config->template;
        else if (streq(property, "Release"))
                v = c->config->release;
        else if (streq(property, "Image"))
                v = c->config->image;
        else if (streq(property, "State"))
                v = container_state_to_string(c->state);
        else if (streq(property, "Result"))
                v = c->result;
        else if (streq(property, "Unit"))
                v = container_unit_name(c, unit);
        return sd_bus_message_append(reply, "s", strempty(v));
}

static int property_get_leader(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;

        return sd_bus_message_append(reply, "u", (uint32_t) c->leader);
}

static int property_get_addresses(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        /* No networking yet: a container only has its loopback. */
        return sd_bus_message_append_strv(reply, NULL);
}

static int property_get_autostart(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;

        return sd_bus_message_append(reply, "b", c->config->autostart);
}

static int property_get_stop_signal(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        char buf[SIGNAL_STRING_MAX];

        return sd_bus_message_append(reply, "s", signal_to_string(c->config->stop_signal, buf));
}

static int property_get_stop_timeout(sd_bus *bus, const char *path, const char *interface, const char *property,
                                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;

        return sd_bus_message_append(reply, "t", (uint64_t) c->config->stop_timeout_sec * USEC_PER_SEC);
}

static int property_get_limit(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        uint64_t v;

        if (streq(property, "MemoryMax"))
                v = c->config->memory_max;
        else if (streq(property, "CPUQuotaPerSecUSec"))
                v = (uint64_t) c->config->cpu_millis * 1000;
        else
                v = c->config->tasks_max;
        return sd_bus_message_append(reply, "t", v > 0 ? v : UINT64_MAX);
}

static int property_get_usage(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        CgroupUsage u;

        limits_usage(userdata, &u);
        return sd_bus_message_append(reply, "t",
                                     streq(property, "MemoryCurrent") ? u.memory_current :
                                     streq(property, "CPUUsageNSec") ? u.cpu_usage_nsec : u.tasks_current);
}

static int method_set(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Container *c = userdata;

        AUTHORIZE(c->manager, message, POLKIT_ACTION_MANAGE_CONTAINERS, method_set, c->name, error);
        return container_set(c, message, error);
}

static int method_start(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Container *c = userdata;

        AUTHORIZE(c->manager, message, POLKIT_ACTION_MANAGE_CONTAINERS, method_start, c->name, error);
        return container_start(c, message, error);
}

static int method_stop(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Container *c = userdata;

        AUTHORIZE(c->manager, message, POLKIT_ACTION_MANAGE_CONTAINERS, method_stop, c->name, error);
        return container_stop(c, 0, true, message, error);
}

static int method_restart(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Container *c = userdata;

        AUTHORIZE(c->manager, message, POLKIT_ACTION_MANAGE_CONTAINERS, method_restart, c->name, error);
        return container_restart(c, message, error);
}

/* The rest of a Kill call, shared with the manager's KillContainer: the signal, then the reply. */
int container_method_kill_signal(Container *c, sd_bus_message *message, sd_bus_error *error) {
        int32_t signo;
        int r;

        r = sd_bus_message_read(message, "i", &signo);
        if (r < 0)
                return r;
        if (signo <= 0 || signo >= _NSIG)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid signal number %d.", signo);
        r = container_kill(c, signo, error);
        return r < 0 ? r : sd_bus_reply_method_return(message, NULL);
}

static int method_kill(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Container *c = userdata;

        AUTHORIZE(c->manager, message, POLKIT_ACTION_MANAGE_CONTAINERS, method_kill, c->name, error);
        return container_method_kill_signal(c, message, error);
}

static int method_delete(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        int r;

        AUTHORIZE(c->manager, message, POLKIT_ACTION_MANAGE_CONTAINERS, method_delete, c->name, error);
        r = container_delete(c, error);
        return r < 0 ? r : sd_bus_reply_method_return(message, NULL);
}

const sd_bus_vtable container_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Id", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Template", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Release", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Image", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("State", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Result", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Leader", "u", property_get_leader, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Unit", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Addresses", "as", property_get_addresses, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Autostart", "b", property_get_autostart, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("StopSignal", "s", property_get_stop_signal, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("StopTimeoutUSec", "t", property_get_stop_timeout, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MemoryMax", "t", property_get_limit, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("CPUQuotaPerSecUSec", "t", property_get_limit, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("TasksMax", "t", property_get_limit, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MemoryCurrent", "t", property_get_usage, 0, 0),
        SD_BUS_PROPERTY("CPUUsageNSec", "t", property_get_usage, 0, 0),
        SD_BUS_PROPERTY("TasksCurrent", "t", property_get_usage, 0, 0),
        SD_BUS_METHOD_WITH_ARGS("Set", SD_BUS_ARGS("a{sv}", settings), SD_BUS_NO_RESULT, method_set,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Start", NULL, NULL, method_start, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Stop", NULL, NULL, method_stop, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Restart", NULL, NULL, method_restart, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Kill", SD_BUS_ARGS("i", signal), SD_BUS_NO_RESULT, method_kill,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Delete", NULL, NULL, method_delete, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int container_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                          sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        Manager *m = userdata;
        Container *c;
        int r;

        r = sd_bus_path_decode(path, "/org/sysctr1/container", &name);
        if (r <= 0)
                return 0;
        c = manager_get_container(m, name);
        if (!c || c->creating)
                return 0;
        *found = c;
        return 1;
}

int container_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                              sd_bus_error *error) {
        _cleanup_strv_free_ char **l = NULL;
        Manager *m = userdata;
        int r;

        for (Container *c = m->containers; c; c = c->next) {
                if (c->creating)
                        continue;
                r = strv_extend(&l, c->path);
                if (r < 0)
                        return r;
        }
        *nodes = TAKE_PTR(l);
        return 1;
}
