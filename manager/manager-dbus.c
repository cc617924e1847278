/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-names.h"
#include "container.h"
#include "create.h"
#include "image.h"
#include "image-dbus.h"
#include "job.h"
#include "log.h"
#include "logs.h"
#include "manager.h"
#include "name.h"
#include "network.h"
#include "polkit.h"
#include "process.h"
#include "strv.h"

/* The manager object: /org/sysctr1, org.sysctr1.Manager, and the ObjectManager of everything below. */

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
        if (!c)
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_CONTAINER, "No container \"%s\".", name);
        *ret = c;
        return 0;
}

static int method_create(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        AUTHORIZE(userdata, message, SYSCTR_POLKIT_MANAGE_CONTAINERS, method_create, NULL, error);
        return manager_create_container(userdata, message, error);
}

/* A method about the container named by its first argument: look it up, check that the caller may
 * do this to it, then the container's own implementation. */
#define MANAGER_CONTAINER_METHOD(fname, action, impl)                                           \
        static int fname(sd_bus_message *message, void *userdata, sd_bus_error *error) {       \
                Container *c;                                                                   \
                int _q_ = lookup(userdata, message, &c, error);                                 \
                if (_q_ < 0)                                                                    \
                        return _q_;                                                             \
                AUTHORIZE_BY_NAME(userdata, message, action, fname, c->name, error);            \
                return impl(c, message, error);                                                 \
        }

MANAGER_CONTAINER_METHOD(method_delete, SYSCTR_POLKIT_MANAGE_CONTAINERS, container_method_delete)
MANAGER_CONTAINER_METHOD(method_start, SYSCTR_POLKIT_MANAGE_CONTAINERS, container_method_start)
MANAGER_CONTAINER_METHOD(method_stop, SYSCTR_POLKIT_MANAGE_CONTAINERS, container_method_stop)
MANAGER_CONTAINER_METHOD(method_stop_with_timeout, SYSCTR_POLKIT_MANAGE_CONTAINERS,
                         container_method_stop_with_timeout)
MANAGER_CONTAINER_METHOD(method_restart, SYSCTR_POLKIT_MANAGE_CONTAINERS, container_method_restart)
MANAGER_CONTAINER_METHOD(method_kill, SYSCTR_POLKIT_MANAGE_CONTAINERS, container_method_kill)
MANAGER_CONTAINER_METHOD(method_set, SYSCTR_POLKIT_MANAGE_CONTAINERS, container_method_set)
MANAGER_CONTAINER_METHOD(method_exec, SYSCTR_POLKIT_SHELL, container_method_exec)
MANAGER_CONTAINER_METHOD(method_exec_pty, SYSCTR_POLKIT_SHELL, container_method_exec_pty)
MANAGER_CONTAINER_METHOD(method_open_shell, SYSCTR_POLKIT_SHELL, container_method_open_shell)
MANAGER_CONTAINER_METHOD(method_open_console, SYSCTR_POLKIT_CONSOLE, container_method_open_console)
MANAGER_CONTAINER_METHOD(method_get_logs, SYSCTR_POLKIT_LOGS, container_method_get_logs)
MANAGER_CONTAINER_METHOD(method_watch_logs, SYSCTR_POLKIT_LOGS, container_method_watch_logs)

static int method_get(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Container *c;
        int r;

        r = lookup(userdata, message, &c, error);
        return r < 0 ? r : sd_bus_reply_method_return(message, "o", c->path);
}

static int method_get_config(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Container *c;
        int r;

        r = lookup(userdata, message, &c, error);
        return r < 0 ? r : container_method_get_config(c, message, error);
}

static int method_get_by_pid(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Container *c;
        uint32_t pid;
        int r;

        r = sd_bus_message_read(message, "u", &pid);
        if (r < 0)
                return r;
        if (pid == 0 || pid > INT32_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid process id %" PRIu32 ".", pid);
        c = manager_get_container_by_pid(userdata, (pid_t) pid);
        if (!c)
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_CONTAINER,
                                         "Process %" PRIu32 " does not belong to any container.", pid);
        return sd_bus_reply_method_return(message, "o", c->path);
}

static int method_list(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ Container **all = NULL;
        Manager *m = userdata;
        size_t n = hashmap_size(m->containers);
        int r;

        all = manager_sorted_containers(m);
        if (!all)
                return -ENOMEM;
        r = sd_bus_message_new_method_return(message, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ssso)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                r = sd_bus_message_append(reply, "(ssso)", all[i]->name, container_state_to_string(all[i]->state),
                                          strempty(all[i]->config->template), all[i]->path);
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

static int job_compare(const void *a, const void *b) {
        uint32_t x = (*(Job * const *) a)->id, y = (*(Job * const *) b)->id;

        return x < y ? -1 : x > y;
}

static int method_list_jobs(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ Job **all = NULL;
        Manager *m = userdata;
        size_t n = hashmap_size(m->jobs);
        int r;

        all = (Job **) hashmap_sorted_values(m->jobs, job_compare);
        if (!all)
                return -ENOMEM;
        r = sd_bus_message_new_method_return(message, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ussso)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                if (all[i]->finished)
                        continue;
                r = sd_bus_message_append(reply, "(ussso)", all[i]->id, job_type_to_string(all[i]->type),
                                          all[i]->target, job_state_to_string(all[i]->state), all[i]->path);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int read_job(Manager *m, sd_bus_message *message, Job **ret, sd_bus_error *error) {
        uint32_t id;
        Job *j;
        int r;

        r = sd_bus_message_read(message, "u", &id);
        if (r < 0)
                return r;
        j = manager_get_job(m, id);
        if (!j || j->finished)
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_JOB, "No job %" PRIu32 ".", id);
        *ret = j;
        return 0;
}

static int method_get_job(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Job *j;
        int r;

        r = read_job(userdata, message, &j, error);
        return r < 0 ? r : sd_bus_reply_method_return(message, "o", j->path);
}

static int method_cancel_job(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Job *j;
        int r;

        r = read_job(userdata, message, &j, error);
        if (r < 0)
                return r;
        AUTHORIZE_BY_NAME(userdata, message, SYSCTR_POLKIT_MANAGE_CONTAINERS, method_cancel_job,
                          streq(j->object, "/") ? NULL : j->target, error);
        r = job_cancel(j, error);
        return r < 0 ? r : sd_bus_reply_method_return(message, NULL);
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

static int property_get_host_warnings(sd_bus *bus, const char *path, const char *interface, const char *property,
                                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append_strv(reply, m->host_warnings);
}

#define UNPRIV SD_BUS_VTABLE_UNPRIVILEGED

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Mode", "s", property_get_mode, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("HostWarnings", "as", property_get_host_warnings, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_ARGS("CreateContainer", SD_BUS_ARGS("s", name, "s", template, "a{sv}", options),
                                SD_BUS_RESULT("o", container), method_create, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("DeleteContainer", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_delete, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("StartContainer", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", job), method_start,
                                UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("StopContainer", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", job), method_stop,
                                UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("StopContainerWithTimeout", SD_BUS_ARGS("s", name, "t", timeout_usec),
                                SD_BUS_RESULT("o", job), method_stop_with_timeout, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("RestartContainer", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", job),
                                method_restart, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("KillContainer", SD_BUS_ARGS("s", name, "i", signal), SD_BUS_NO_RESULT,
                                method_kill, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("SetContainer", SD_BUS_ARGS("s", name, "a{sv}", settings), SD_BUS_NO_RESULT,
                                method_set, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("GetContainer", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", container), method_get,
                                UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("GetContainerByPID", SD_BUS_ARGS("u", pid), SD_BUS_RESULT("o", container),
                                method_get_by_pid, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("ListContainers", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssso)", containers),
                                method_list, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("GetContainerConfig", SD_BUS_ARGS("s", name), SD_BUS_RESULT("s", yaml),
                                method_get_config, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("ExecContainer",
                                SD_BUS_ARGS("s", name, "as", command, "as", environment, "s", working_directory,
                                            "a{sv}", options),
                                SD_BUS_RESULT("h", stdin, "h", stdout, "h", stderr, "o", process), method_exec,
                                UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("ExecContainerPTY",
                                SD_BUS_ARGS("s", name, "as", command, "as", environment, "s", working_directory,
                                            "a{sv}", options),
                                SD_BUS_RESULT("h", pty, "s", pty_path, "o", process), method_exec_pty, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("OpenContainerShell",
                                SD_BUS_ARGS("s", name, "s", user, "as", environment, "a{sv}", options),
                                SD_BUS_RESULT("h", pty, "s", pty_path, "o", process), method_open_shell, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("OpenContainerConsole", SD_BUS_ARGS("s", name), SD_BUS_RESULT("h", console),
                                method_open_console, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("GetContainerLogs", SD_BUS_ARGS("s", name, "a{sv}", options),
                                SD_BUS_RESULT("h", logs), method_get_logs, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("WatchContainerLogs", SD_BUS_ARGS("s", name, "a{sv}", options),
                                SD_BUS_RESULT("o", watch), method_watch_logs, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("ListTemplates", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ss)", templates),
                                method_list_templates, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("ListImages", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(sssst)", images), method_list_images,
                                UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("BuildImage", SD_BUS_ARGS("s", template, "s", release, "b", rebuild),
                                SD_BUS_RESULT("s", image, "o", job), method_build_image, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("RemoveImage", SD_BUS_ARGS("s", image), SD_BUS_NO_RESULT, method_remove_image,
                                UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("ListJobs", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ussso)", jobs), method_list_jobs,
                                UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("GetJob", SD_BUS_ARGS("u", id), SD_BUS_RESULT("o", job), method_get_job, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("CancelJob", SD_BUS_ARGS("u", id), SD_BUS_NO_RESULT, method_cancel_job, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("CreateNetwork", SD_BUS_ARGS("s", name, "a{sv}", options), SD_BUS_RESULT("o", network),
                                method_create_network, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("DeleteNetwork", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_delete_network,
                                UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("GetNetwork", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", network), method_get_network,
                                UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("ListNetworks", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssso)", networks),
                                method_list_networks, UNPRIV),
        SD_BUS_METHOD_WITH_ARGS("NetworkDoctor", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(sss)", findings),
                                method_network_doctor, UNPRIV),
        SD_BUS_SIGNAL_WITH_ARGS("ImageBuildProgress", SD_BUS_ARGS("s", image, "s", line), 0),
        SD_BUS_SIGNAL_WITH_ARGS("ContainerNew", SD_BUS_ARGS("s", name, "o", container), 0),
        SD_BUS_SIGNAL_WITH_ARGS("ContainerRemoved", SD_BUS_ARGS("s", name, "o", container), 0),
        SD_BUS_SIGNAL_WITH_ARGS("JobNew", SD_BUS_ARGS("u", id, "o", job, "s", type, "s", target), 0),
        SD_BUS_SIGNAL_WITH_ARGS("JobRemoved",
                                SD_BUS_ARGS("u", id, "o", job, "s", target, "s", result, "s", error_name, "s",
                                            error_message),
                                0),
        SD_BUS_VTABLE_END,
};

typedef struct ObjectType {
        const char *prefix, *interface;
        const sd_bus_vtable *vtable;
        sd_bus_object_find_t find;
        sd_bus_node_enumerator_t enumerate;
} ObjectType;

static const ObjectType object_types[] = {
        { SYSCTR_CONTAINER_PATH_PREFIX, SYSCTR_CONTAINER_INTERFACE, container_vtable, container_object_find,
          container_node_enumerator },
        { SYSCTR_JOB_PATH_PREFIX, SYSCTR_JOB_INTERFACE, job_vtable, job_object_find, job_node_enumerator },
        { SYSCTR_PROCESS_PATH_PREFIX, SYSCTR_PROCESS_INTERFACE, process_vtable, process_object_find,
          process_node_enumerator },
        { SYSCTR_LOGWATCH_PATH_PREFIX, SYSCTR_LOGWATCH_INTERFACE, log_watch_vtable, log_watch_object_find,
          log_watch_node_enumerator },
        { SYSCTR_NETWORK_PATH_PREFIX, SYSCTR_NETWORK_INTERFACE, network_vtable, network_object_find,
          network_node_enumerator },
};

int manager_bus_register(Manager *m) {
        int r;

        r = sd_bus_add_object_vtable(m->bus, NULL, SYSCTR_MANAGER_PATH, SYSCTR_MANAGER_INTERFACE, manager_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register the manager object: %m");
        /* GetManagedObjects and InterfacesAdded/Removed for everything below /org/sysctr1, as GDBus'
         * and Qt's object manager clients expect. */
        r = sd_bus_add_object_manager(m->bus, NULL, SYSCTR_MANAGER_PATH);
        if (r < 0)
                return log_error_errno(r, "Failed to register the object manager: %m");
        for (size_t i = 0; i < ELEMENTSOF(object_types); i++) {
                const ObjectType *t = &object_types[i];

                r = sd_bus_add_fallback_vtable(m->bus, NULL, t->prefix, t->interface, t->vtable, t->find, m);
                if (r >= 0)
                        r = sd_bus_add_node_enumerator(m->bus, NULL, t->prefix, t->enumerate, m);
                if (r < 0)
                        return log_error_errno(r, "Failed to register the objects below %s: %m", t->prefix);
        }
        return 0;
}

void manager_emit_object_added(Manager *m, const char *path) {
        if (m->bus)
                (void) sd_bus_emit_object_added(m->bus, path);
}

void manager_emit_object_removed(Manager *m, const char *path) {
        if (m->bus)
                (void) sd_bus_emit_object_removed(m->bus, path);
}
