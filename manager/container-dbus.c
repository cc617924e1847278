/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stddef.h>

#include "bus-names.h"
#include "container.h"
#include "create.h"
#include "fileio.h"
#include "job.h"
#include "limits.h"
#include "logs.h"
#include "manager.h"
#include "network.h"
#include "paths.h"
#include "polkit.h"
#include "signal-util.h"
#include "strv.h"

/* The org.sysctr1.Container object. Properties that mirror a field are read from it through
 * offsetof() (the config's through a getter of the config); the methods are shared with the
 * manager's by-name methods (manager-dbus.c), which authorize and then call container_method_*(). */

static int property_get_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;

        return sd_bus_message_append(reply, "s", container_state_to_string(c->state));
}

static int property_get_job(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;

        return sd_bus_message_append(reply, "o", c->job ? c->job->path : "/");
}

/* A string field of the config, "" when unset. */
static int property_get_config_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        static const struct {
                const char *property;
                size_t offset;
        } fields[] = {
                { "Id", offsetof(ContainerConfig, id) },
                { "Template", offsetof(ContainerConfig, template) },
                { "Release", offsetof(ContainerConfig, release) },
                { "Image", offsetof(ContainerConfig, image) },
        };

        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                if (streq(property, fields[i].property))
                        return sd_bus_message_append(
                                reply, "s", strempty(*(char **) ((uint8_t *) c->config + fields[i].offset)));
        return -EINVAL;
}

static int property_get_hostname(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;

        return sd_bus_message_append(reply, "s", c->config->hostname ?: c->name);
}

static int property_get_init(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;

        return sd_bus_message_append_strv(reply, streq(property, "Init") ? c->config->init : c->config->binds);
}

static int property_get_addresses(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        /* What sysctrd allocated on its networks, whether it runs or not (they are its own until it is
         * deleted). */
        r = network_container_addresses(userdata, &l);
        if (r < 0)
                return r;
        return sd_bus_message_append_strv(reply, l);
}

/* "lan0:ip=10.88.0.2,ip6=...,mac=..." each, as --network takes them. */
static int property_get_networks(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        _cleanup_strv_free_ char **l = NULL;

        for (size_t i = 0; i < c->config->n_networks; i++) {
                char *s;

                if (network_attachment_to_string(&c->config->networks[i], &s) < 0 || strv_push(&l, s) < 0)
                        return -ENOMEM;
        }
        return sd_bus_message_append_strv(reply, l);
}

static int property_get_network_mode(sd_bus *bus, const char *path, const char *interface, const char *property,
                                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        _cleanup_free_ char *s = NULL;

        if (c->config->network_mode == NETWORK_MODE_CONTAINER) {
                if (asprintf(&s, NETWORK_MODE_CONTAINER_PREFIX "%s", c->config->network_container) < 0)
                        return -ENOMEM;
                return sd_bus_message_append(reply, "s", s);
        }
        return sd_bus_message_append(reply, "s", network_mode_to_string(c->config->network_mode));
}

static int property_get_publish(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;

        return sd_bus_message_append_strv(reply, c->config->publish);
}

static int property_get_autostart(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;

        return sd_bus_message_append(reply, "b", streq(property, "AllowHost") ? c->config->allow_host :
                                                 c->config->autostart);
}

static int property_get_guest_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;

        return sd_bus_message_append(reply, "s", strempty(c->guest_state));
}

static int property_get_privileged(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;

        return sd_bus_message_append(reply, "b", c->config->privileged);
}

/* IdBase, IdCount: the host IDs that the container's IDs 0..IdCount-1 map to; 0 and 0 when privileged. */
static int property_get_ids(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        bool mapped = !c->config->privileged && c->config->id_base > 0;

        if (streq(property, "IdBase"))
                return sd_bus_message_append(reply, "u", mapped ? c->config->id_base : 0);
        return sd_bus_message_append(reply, "u", mapped ? CONFIG_ID_COUNT : 0);
}

static int property_get_stop_signal(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        char buf[SIGNAL_STRING_MAX];

        return sd_bus_message_append(reply, "s", strempty(signal_to_string(c->config->stop_signal, buf)));
}

static int property_get_usec(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Container *c = userdata;
        uint64_t v;

        if (streq(property, "StopTimeoutUSec"))
                v = (uint64_t) c->config->stop_timeout_sec * USEC_PER_SEC;
        else if (streq(property, "CreationTimestamp"))
                v = c->config->created_usec;
        else
                v = c->last_start_usec;
        return sd_bus_message_append(reply, "t", v);
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

/* --- methods shared with the manager's by-name ones --- */

static int reply_job(sd_bus_message *message, Job *j) {
        return sd_bus_reply_method_return(message, "o", j->path);
}

int container_method_start(Container *c, sd_bus_message *message, sd_bus_error *error) {
        Job *j;
        int r;

        r = container_start(c, &j, error);
        return r < 0 ? r : reply_job(message, j);
}

int container_method_stop(Container *c, sd_bus_message *message, sd_bus_error *error) {
        Job *j;
        int r;

        r = container_stop(c, 0, true, &j, error);
        return r < 0 ? r : reply_job(message, j);
}

int container_method_stop_with_timeout(Container *c, sd_bus_message *message, sd_bus_error *error) {
        uint64_t timeout;
        Job *j;
        int r;

        r = sd_bus_message_read(message, "t", &timeout);
        if (r < 0)
                return r;
        r = container_stop(c, timeout, false, &j, error);
        return r < 0 ? r : reply_job(message, j);
}

int container_method_restart(Container *c, sd_bus_message *message, sd_bus_error *error) {
        Job *j;
        int r;

        r = container_restart(c, &j, error);
        return r < 0 ? r : reply_job(message, j);
}

int container_method_kill(Container *c, sd_bus_message *message, sd_bus_error *error) {
        int32_t signo;
        int r;

        r = sd_bus_message_read(message, "i", &signo);
        if (r < 0)
                return r;
        if (!signal_is_valid(signo))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid signal number %d.", signo);
        r = container_kill(c, signo, error);
        return r < 0 ? r : sd_bus_reply_method_return(message, NULL);
}

int container_method_delete(Container *c, sd_bus_message *message, sd_bus_error *error) {
        int r;

        r = container_delete(c, error);       /* c may be gone after this */
        return r < 0 ? r : sd_bus_reply_method_return(message, NULL);
}

int container_method_get_config(Container *c, sd_bus_message *message, sd_bus_error *error) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        int r;

        if (c->state == CONTAINER_CREATING)
                r = container_config_format(c->config, &text);
        else {
                /* As stored, byte for byte (a broken one too: that is where its fault shows). */
                path = sysctr_container_config_path(c->name);
                if (!path)
                        return -ENOMEM;
                r = read_full_file(path, &text, NULL);
        }
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to read the configuration of \"%s\": %m", c->name);
        return sd_bus_reply_method_return(message, "s", text);
}

/* The container's own object: authorize (the handler runs again with the container once polkit
 * agrees), then the shared implementation. */
#define CONTAINER_OBJECT_METHOD(fname, action, impl)                                            \
        static int fname(sd_bus_message *message, void *userdata, sd_bus_error *error) {       \
                Container *c = userdata;                                                        \
                AUTHORIZE(c->manager, message, action, fname, c->name, error);                  \
                return impl(c, message, error);                                                 \
        }

CONTAINER_OBJECT_METHOD(method_start, SYSCTR_POLKIT_MANAGE_CONTAINERS, container_method_start)
CONTAINER_OBJECT_METHOD(method_stop, SYSCTR_POLKIT_MANAGE_CONTAINERS, container_method_stop)
CONTAINER_OBJECT_METHOD(method_restart, SYSCTR_POLKIT_MANAGE_CONTAINERS, container_method_restart)
CONTAINER_OBJECT_METHOD(method_kill, SYSCTR_POLKIT_MANAGE_CONTAINERS, container_method_kill)
CONTAINER_OBJECT_METHOD(method_delete, SYSCTR_POLKIT_MANAGE_CONTAINERS, container_method_delete)
CONTAINER_OBJECT_METHOD(method_set, SYSCTR_POLKIT_MANAGE_CONTAINERS, container_method_set)
CONTAINER_OBJECT_METHOD(method_exec, SYSCTR_POLKIT_SHELL, container_method_exec)
CONTAINER_OBJECT_METHOD(method_exec_pty, SYSCTR_POLKIT_SHELL, container_method_exec_pty)
CONTAINER_OBJECT_METHOD(method_open_shell, SYSCTR_POLKIT_SHELL, container_method_open_shell)
CONTAINER_OBJECT_METHOD(method_open_console, SYSCTR_POLKIT_CONSOLE, container_method_open_console)
CONTAINER_OBJECT_METHOD(method_get_logs, SYSCTR_POLKIT_LOGS, container_method_get_logs)
CONTAINER_OBJECT_METHOD(method_watch_logs, SYSCTR_POLKIT_LOGS, container_method_watch_logs)

static int method_get_config(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        return container_method_get_config(userdata, message, error);
}

#define CONST SD_BUS_VTABLE_PROPERTY_CONST
#define CHANGE SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE
#define UNPRIV SD_BUS_VTABLE_UNPRIVILEGED

const sd_bus_vtable container_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", NULL, offsetof(Container, name), CONST),
        SD_BUS_PROPERTY("Id", "s", property_get_config_string, 0, CONST),
        SD_BUS_PROPERTY("Template", "s", property_get_config_string, 0, CONST),
        SD_BUS_PROPERTY("Release", "s", property_get_config_string, 0, CHANGE),
        SD_BUS_PROPERTY("Image", "s", property_get_config_string, 0, CHANGE),
        SD_BUS_PROPERTY("State", "s", property_get_state, 0, CHANGE),
        SD_BUS_PROPERTY("Result", "s", NULL, offsetof(Container, result), CHANGE),
        SD_BUS_PROPERTY("GuestState", "s", property_get_guest_state, 0, CHANGE),
        SD_BUS_PROPERTY("Job", "o", property_get_job, 0, CHANGE),
        SD_BUS_PROPERTY("Leader", "u", NULL, offsetof(Container, leader), CHANGE),
        SD_BUS_PROPERTY("Unit", "s", NULL, offsetof(Container, unit), CONST),
        SD_BUS_PROPERTY("Hostname", "s", property_get_hostname, 0, CHANGE),
        SD_BUS_PROPERTY("Init", "as", property_get_init, 0, CHANGE),
        SD_BUS_PROPERTY("Binds", "as", property_get_init, 0, CHANGE),
        SD_BUS_PROPERTY("Addresses", "as", property_get_addresses, 0, CHANGE),
        SD_BUS_PROPERTY("NetworkMode", "s", property_get_network_mode, 0, CHANGE),
        SD_BUS_PROPERTY("Networks", "as", property_get_networks, 0, CHANGE),
        SD_BUS_PROPERTY("Publish", "as", property_get_publish, 0, CHANGE),
        SD_BUS_PROPERTY("AllowHost", "b", property_get_autostart, 0, CHANGE),
        SD_BUS_PROPERTY("Autostart", "b", property_get_autostart, 0, CHANGE),
        SD_BUS_PROPERTY("Privileged", "b", property_get_privileged, 0, CONST),
        SD_BUS_PROPERTY("IdBase", "u", property_get_ids, 0, CONST),
        SD_BUS_PROPERTY("IdCount", "u", property_get_ids, 0, CONST),
        SD_BUS_PROPERTY("StopSignal", "s", property_get_stop_signal, 0, CHANGE),
        SD_BUS_PROPERTY("StopTimeoutUSec", "t", property_get_usec, 0, CHANGE),
        SD_BUS_PROPERTY("MemoryMax", "t", property_get_limit, 0, CHANGE),
        SD_BUS_PROPERTY("CPUQuotaPerSecUSec", "t", property_get_limit, 0, CHANGE),
        SD_BUS_PROPERTY("TasksMax", "t", property_get_limit, 0, CHANGE),
        SD_BUS_PROPERTY("MemoryCurrent", "t", property_get_usage, 0, 0),
        SD_BUS_PROPERTY("CPUUsageNSec", "t", property_get_usage, 0, 0),
        SD_BUS_PROPERTY("TasksCurrent", "t", property_get_usage, 0, 0),
        SD_BUS_PROPERTY("CreationTimestamp", "t", property_get_usec, 0, CONST),
        SD_BUS_PROPERTY("LastStartTimestamp", "t", property_get_usec, 0, CHANGE),
        SD_BUS_METHOD_WITH_ARGS("Start", SD_BUS_NO_ARGS, SD_BUS_RESULT("o", job), method_start, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("Stop", SD_BUS_NO_ARGS, SD_BUS_RESULT("o", job), method_stop, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("Restart", SD_BUS_NO_ARGS, SD_BUS_RESULT("o", job), method_restart, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("Kill", SD_BUS_ARGS("i", signal), SD_BUS_NO_RESULT, method_kill, UNPRIV),
        SD_BUS_METHOD("Delete", NULL, NULL, method_delete, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("Set", SD_BUS_ARGS("a{sv}", settings), SD_BUS_NO_RESULT, method_set, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("GetConfig", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", yaml), method_get_config, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("Exec",
                                SD_BUS_ARGS("as", command, "as", environment, "s", working_directory, "a{sv}",
                                            options),
                                SD_BUS_RESULT("h", stdin, "h", stdout, "h", stderr, "o", process), method_exec,
                                UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("ExecPTY",
                                SD_BUS_ARGS("as", command, "as", environment, "s", working_directory, "a{sv}",
                                            options),
                                SD_BUS_RESULT("h", pty, "s", pty_path, "o", process), method_exec_pty, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("OpenShell", SD_BUS_ARGS("s", user, "as", environment, "a{sv}", options),
                                SD_BUS_RESULT("h", pty, "s", pty_path, "o", process), method_open_shell, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("OpenConsole", SD_BUS_NO_ARGS, SD_BUS_RESULT("h", console), method_open_console,
                                UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("GetLogs", SD_BUS_ARGS("a{sv}", options), SD_BUS_RESULT("h", logs), method_get_logs,
                                UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("WatchLogs", SD_BUS_ARGS("a{sv}", options), SD_BUS_RESULT("o", watch),
                                method_watch_logs, UNPRIV),
        SD_BUS_VTABLE_END,
};

int container_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                          sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        Container *c;
        int r;

        r = sd_bus_path_decode(path, SYSCTR_CONTAINER_PATH_PREFIX, &name);
        if (r <= 0)
                return 0;
        c = manager_get_container(userdata, name);
        if (!c)
                return 0;
        *found = c;
        return 1;
}

int container_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                              sd_bus_error *error) {
        _cleanup_free_ Container **all = NULL;
        _cleanup_strv_free_ char **l = NULL;
        Manager *m = userdata;
        size_t n = hashmap_size(m->containers);
        int r;

        all = manager_sorted_containers(m);
        if (!all)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                r = strv_extend(&l, all[i]->path);
                if (r < 0)
                        return r;
        }
        *nodes = TAKE_PTR(l);
        return 1;
}
