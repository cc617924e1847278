/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A second, independent client of sysctrd's D-Bus API, on libdbus-1 (the reference implementation)
 * instead of sd-bus: what the daemon offers must work for any client, not only for the library it
 * was written with (DESIGN.md, "Dependencies"). test-dbus-client.sh drives it.
 *
 *   dbus-client list                       ListContainers: "NAME STATE TEMPLATE PATH" lines
 *   dbus-client create NAME TEMPLATE       CreateContainer with no options: prints the object path
 *   dbus-client delete NAME                DeleteContainer
 *   dbus-client get NAME PROPERTY          GetContainer, then Properties.Get on the container
 *   dbus-client start NAME / stop NAME     StartContainer / StopContainer, then waits for the job's
 *                                          JobRemoved signal: prints its result, exit 0 if "done"
 *   dbus-client watch-logs NAME            WatchContainerLogs, then Start(): prints the lines that come
 *                                          as Lines signals, until Done
 *   dbus-client exec NAME CMD [ARG...]     ExecContainer: the command's stdout and stderr (from the
 *                                          pipes handed back) on ours; Process.Wait() gives its
 *                                          status, which is our exit status (128+N for signal N)
 *
 * Exit status: 0 success, 1 the daemon answered with an error (printed as "ERROR.NAME: message" on
 * stderr), 2 usage or protocol errors. The bus is the system bus: DBUS_SYSTEM_BUS_ADDRESS. */
#include <dbus/dbus.h>
#include <stdio.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>

#include "macro.h"

#define BUS_NAME "org.sysctr1"
#define MANAGER_PATH "/org/sysctr1"
#define MANAGER_INTERFACE "org.sysctr1.Manager"
#define CONTAINER_INTERFACE "org.sysctr1.Container"
#define PROCESS_INTERFACE "org.sysctr1.Process"
/* CreateContainer may build the template's image first. */
#define CALL_TIMEOUT_MSEC (5 * 60 * 1000)

enum {
        EXIT_DBUS_ERROR = 1,
        EXIT_USAGE = 2,
};

DEFINE_TRIVIAL_CLEANUP_FUNC(DBusMessage *, dbus_message_unref);

static void bus_closep(DBusConnection **bus) {
        if (!*bus)
                return;
        dbus_connection_close(*bus);
        dbus_connection_unref(*bus);
}

/* Send and wait; a D-Bus error reply is printed with its name, which is what callers match on. */
static int call(DBusConnection *bus, DBusMessage *m, DBusMessage **ret) {
        DBusError error = DBUS_ERROR_INIT;
        DBusMessage *reply;

        reply = dbus_connection_send_with_reply_and_block(bus, m, CALL_TIMEOUT_MSEC, &error);
        if (!reply) {
                fprintf(stderr, "%s: %s\n", error.name, error.message);
                dbus_error_free(&error);
                return EXIT_DBUS_ERROR;
        }
        *ret = reply;
        return 0;
}

static int call_manager(DBusConnection *bus, const char *method, const char *name, DBusMessage **ret) {
        _cleanup_(dbus_message_unrefp) DBusMessage *m = NULL;

        m = dbus_message_new_method_call(BUS_NAME, MANAGER_PATH, MANAGER_INTERFACE, method);
        if (!m || !dbus_message_append_args(m, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID))
                return EXIT_USAGE;
        return call(bus, m, ret);
}

static int bad_reply(const char *method, DBusMessage *reply) {
        fprintf(stderr, "%s: unexpected reply signature '%s'\n", method, dbus_message_get_signature(reply));
        return EXIT_USAGE;
}

static int verb_list(DBusConnection *bus, char **args) {
        _cleanup_(dbus_message_unrefp) DBusMessage *m = NULL, *reply = NULL;
        DBusMessageIter it, array;
        int r;

        m = dbus_message_new_method_call(BUS_NAME, MANAGER_PATH, MANAGER_INTERFACE, "ListContainers");
        if (!m)
                return EXIT_USAGE;
        r = call(bus, m, &reply);
        if (r != 0)
                return r;
        if (!dbus_message_has_signature(reply, "a(ssso)"))
                return bad_reply("ListContainers", reply);

        dbus_message_iter_init(reply, &it);
        dbus_message_iter_recurse(&it, &array);
        while (dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT) {
                const char *field[4];
                DBusMessageIter st;

                dbus_message_iter_recurse(&array, &st);
                for (size_t i = 0; i < ELEMENTSOF(field); i++) {
                        dbus_message_iter_get_basic(&st, &field[i]);
                        dbus_message_iter_next(&st);
                }
                printf("%s %s %s %s\n", field[0], field[1], field[2], field[3]);
                dbus_message_iter_next(&array);
        }
        return 0;
}

/* The State property of a container, as a malloc'ed string; NULL if the object is gone. */
static char *get_state(DBusConnection *bus, const char *path) {
        _cleanup_(dbus_message_unrefp) DBusMessage *m = NULL, *reply = NULL;
        const char *interface = CONTAINER_INTERFACE, *property = "State", *state;
        DBusMessageIter it, v;

        m = dbus_message_new_method_call(BUS_NAME, path, DBUS_INTERFACE_PROPERTIES, "Get");
        if (!m || !dbus_message_append_args(m, DBUS_TYPE_STRING, &interface, DBUS_TYPE_STRING, &property,
                                            DBUS_TYPE_INVALID))
                return NULL;
        reply = dbus_connection_send_with_reply_and_block(bus, m, CALL_TIMEOUT_MSEC, NULL);
        if (!reply || !dbus_message_has_signature(reply, "v"))
                return NULL;
        dbus_message_iter_init(reply, &it);
        dbus_message_iter_recurse(&it, &v);
        if (dbus_message_iter_get_arg_type(&v) != DBUS_TYPE_STRING)
                return NULL;
        dbus_message_iter_get_basic(&v, &state);
        return strdup(state);
}

static int wait_not_creating(DBusConnection *bus, const char *path) {
        for (int i = 0; i < CALL_TIMEOUT_MSEC / 50; i++) {
                _cleanup_free_ char *state = get_state(bus, path);

                if (!state) {
                        fprintf(stderr, "The container went away: its creation failed.\n");
                        return EXIT_DBUS_ERROR;
                }
                if (!streq(state, "creating"))
                        return 0;
                (void) usleep(50 * 1000);
        }
        fprintf(stderr, "The container is still being created.\n");
        return EXIT_DBUS_ERROR;
}

static int verb_create(DBusConnection *bus, char **args) {
        _cleanup_(dbus_message_unrefp) DBusMessage *m = NULL, *reply = NULL;
        DBusMessageIter it, options;
        const char *path;
        int r;

        m = dbus_message_new_method_call(BUS_NAME, MANAGER_PATH, MANAGER_INTERFACE, "CreateContainer");
        if (!m || !dbus_message_append_args(m, DBUS_TYPE_STRING, &args[0], DBUS_TYPE_STRING, &args[1],
                                            DBUS_TYPE_INVALID))
                return EXIT_USAGE;
        /* An empty a{sv}: the template's defaults. */
        dbus_message_iter_init_append(m, &it);
        if (!dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &options) ||
            !dbus_message_iter_close_container(&it, &options))
                return EXIT_USAGE;

        r = call(bus, m, &reply);
        if (r != 0)
                return r;
        if (!dbus_message_get_args(reply, NULL, DBUS_TYPE_OBJECT_PATH, &path, DBUS_TYPE_INVALID))
                return bad_reply("CreateContainer", reply);
        printf("%s\n", path);
        /* A container whose image is being built is "creating" until its create job ends. */
        return wait_not_creating(bus, path);
}

static int verb_delete(DBusConnection *bus, char **args) {
        _cleanup_(dbus_message_unrefp) DBusMessage *reply = NULL;

        return call_manager(bus, "DeleteContainer", args[0], &reply);
}

static int print_variant(DBusMessageIter *v) {
        DBusBasicValue value;
        DBusMessageIter array;
        int type = dbus_message_iter_get_arg_type(v);

        switch (type) {
        case DBUS_TYPE_STRING:
        case DBUS_TYPE_OBJECT_PATH:
                dbus_message_iter_get_basic(v, &value);
                printf("%s\n", value.str);
                return 0;
        case DBUS_TYPE_UINT32:
                dbus_message_iter_get_basic(v, &value);
                printf("%" PRIu32 "\n", value.u32);
                return 0;
        case DBUS_TYPE_UINT64:
                dbus_message_iter_get_basic(v, &value);
                printf("%" PRIu64 "\n", value.u64);
                return 0;
        case DBUS_TYPE_BOOLEAN:
                dbus_message_iter_get_basic(v, &value);
                printf("%s\n", value.bool_val ? "true" : "false");
                return 0;
        case DBUS_TYPE_ARRAY:
                if (dbus_message_iter_get_element_type(v) != DBUS_TYPE_STRING)
                        break;
                dbus_message_iter_recurse(v, &array);
                for (; dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRING;
                     dbus_message_iter_next(&array)) {
                        dbus_message_iter_get_basic(&array, &value);
                        printf("%s\n", value.str);
                }
                return 0;
        }
        fprintf(stderr, "Property of unexpected type '%c'\n", type);
        return EXIT_USAGE;
}

static int verb_get(DBusConnection *bus, char **args) {
        _cleanup_(dbus_message_unrefp) DBusMessage *found = NULL, *m = NULL, *reply = NULL;
        const char *path, *interface = CONTAINER_INTERFACE;
        DBusMessageIter it, v;
        int r;

        /* Ask for the path rather than escaping the name here: the daemon owns the encoding. */
        r = call_manager(bus, "GetContainer", args[0], &found);
        if (r != 0)
                return r;
        if (!dbus_message_get_args(found, NULL, DBUS_TYPE_OBJECT_PATH, &path, DBUS_TYPE_INVALID))
                return bad_reply("GetContainer", found);

        m = dbus_message_new_method_call(BUS_NAME, path, DBUS_INTERFACE_PROPERTIES, "Get");
        if (!m || !dbus_message_append_args(m, DBUS_TYPE_STRING, &interface, DBUS_TYPE_STRING, &args[1],
                                            DBUS_TYPE_INVALID))
                return EXIT_USAGE;
        r = call(bus, m, &reply);
        if (r != 0)
                return r;
        if (!dbus_message_has_signature(reply, "v"))
                return bad_reply("Get", reply);
        dbus_message_iter_init(reply, &it);
        dbus_message_iter_recurse(&it, &v);
        return print_variant(&v);
}

/* start, stop: the call returns a job; its end comes as the manager's JobRemoved signal. The match is
 * added before the call, so the signal cannot pass unseen. */
static int run_job(DBusConnection *bus, const char *method, const char *name) {
        _cleanup_(dbus_message_unrefp) DBusMessage *reply = NULL;
        DBusError error = DBUS_ERROR_INIT;
        const char *job;
        int r;

        dbus_bus_add_match(bus, "type='signal',sender='" BUS_NAME "',interface='" MANAGER_INTERFACE "',"
                                "member='JobRemoved'", &error);
        if (dbus_error_is_set(&error)) {
                fprintf(stderr, "%s: %s\n", error.name, error.message);
                dbus_error_free(&error);
                return EXIT_USAGE;
        }
        r = call_manager(bus, method, name, &reply);
        if (r != 0)
                return r;
        if (!dbus_message_get_args(reply, NULL, DBUS_TYPE_OBJECT_PATH, &job, DBUS_TYPE_INVALID))
                return bad_reply(method, reply);

        while (dbus_connection_read_write(bus, CALL_TIMEOUT_MSEC)) {
                DBusMessage *m;

                while ((m = dbus_connection_pop_message(bus))) {
                        _cleanup_(dbus_message_unrefp) DBusMessage *signal = m;
                        const char *path, *target, *result, *error_name, *message;
                        uint32_t id;

                        if (!dbus_message_is_signal(signal, MANAGER_INTERFACE, "JobRemoved") ||
                            !dbus_message_get_args(signal, NULL, DBUS_TYPE_UINT32, &id, DBUS_TYPE_OBJECT_PATH, &path,
                                                   DBUS_TYPE_STRING, &target, DBUS_TYPE_STRING, &result,
                                                   DBUS_TYPE_STRING, &error_name, DBUS_TYPE_STRING, &message,
                                                   DBUS_TYPE_INVALID) ||
                            !streq(path, job))
                                continue;
                        printf("%s\n", result);
                        if (streq(result, "done"))
                                return 0;
                        fprintf(stderr, "%s: %s\n", error_name, message);
                        return EXIT_DBUS_ERROR;
                }
        }
        fprintf(stderr, "The connection to the bus was lost.\n");
        return EXIT_USAGE;
}

static int verb_start(DBusConnection *bus, char **args) {
        return run_job(bus, "StartContainer", args[0]);
}

static int verb_stop(DBusConnection *bus, char **args) {
        return run_job(bus, "StopContainer", args[0]);
}

/* Copies the command's output, both pipes at once, until both are at their end. */
static void copy_output(int out, int err) {
        struct pollfd p[2] = { { .fd = out, .events = POLLIN }, { .fd = err, .events = POLLIN } };
        char buf[4096];

        while (p[0].fd >= 0 || p[1].fd >= 0) {
                if (poll(p, 2, -1) < 0)
                        return;
                for (int i = 0; i < 2; i++) {
                        ssize_t n;

                        if (p[i].fd < 0 || !p[i].revents)
                                continue;
                        n = read(p[i].fd, buf, sizeof(buf));
                        if (n <= 0)
                                p[i].fd = -1;
                        else
                                (void) !write(i == 0 ? STDOUT_FILENO : STDERR_FILENO, buf, (size_t) n);
                }
        }
}

static int verb_exec(DBusConnection *bus, char **args) {
        _cleanup_(dbus_message_unrefp) DBusMessage *m = NULL, *reply = NULL, *wait = NULL, *status = NULL;
        _cleanup_close_ int in = -EBADF, out = -EBADF, err = -EBADF;
        DBusMessageIter it, a;
        const char *empty = "", *process, *code;
        int32_t exit_status;
        int r;

        m = dbus_message_new_method_call(BUS_NAME, MANAGER_PATH, MANAGER_INTERFACE, "ExecContainer");
        if (!m)
                return EXIT_USAGE;
        dbus_message_iter_init_append(m, &it);
        if (!dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &args[0]) ||
            !dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "s", &a))
                return EXIT_USAGE;
        for (char **c = args + 1; *c; c++)
                if (!dbus_message_iter_append_basic(&a, DBUS_TYPE_STRING, c))
                        return EXIT_USAGE;
        if (!dbus_message_iter_close_container(&it, &a) ||
            !dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "s", &a) ||    /* environment */
            !dbus_message_iter_close_container(&it, &a) ||
            !dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &empty) ||    /* working directory */
            !dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &a) ||
            !dbus_message_iter_close_container(&it, &a))
                return EXIT_USAGE;
        r = call(bus, m, &reply);
        if (r != 0)
                return r;
        if (!dbus_message_get_args(reply, NULL, DBUS_TYPE_UNIX_FD, &in, DBUS_TYPE_UNIX_FD, &out, DBUS_TYPE_UNIX_FD,
                                   &err, DBUS_TYPE_OBJECT_PATH, &process, DBUS_TYPE_INVALID))
                return bad_reply("ExecContainer", reply);

        /* No input: its end at once. Then everything it writes, then its status. */
        in = safe_close(in);
        copy_output(out, err);
        wait = dbus_message_new_method_call(BUS_NAME, process, PROCESS_INTERFACE, "Wait");
        if (!wait)
                return EXIT_USAGE;
        r = call(bus, wait, &status);
        if (r != 0)
                return r;
        if (!dbus_message_get_args(status, NULL, DBUS_TYPE_STRING, &code, DBUS_TYPE_INT32, &exit_status,
                                   DBUS_TYPE_INVALID))
                return bad_reply("Wait", status);
        return streq(code, "exited") ? exit_status : 128 + exit_status;
}

static int verb_watch_logs(DBusConnection *bus, char **args) {
        _cleanup_(dbus_message_unrefp) DBusMessage *m = NULL, *reply = NULL, *start = NULL, *started = NULL;
        DBusError error = DBUS_ERROR_INIT;
        DBusMessageIter it, a;
        const char *watch;
        char match[512];
        int r;

        m = dbus_message_new_method_call(BUS_NAME, MANAGER_PATH, MANAGER_INTERFACE, "WatchContainerLogs");
        if (!m)
                return EXIT_USAGE;
        dbus_message_iter_init_append(m, &it);
        if (!dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &args[0]) ||
            !dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &a) ||
            !dbus_message_iter_close_container(&it, &a))
                return EXIT_USAGE;
        r = call(bus, m, &reply);
        if (r != 0)
                return r;
        if (!dbus_message_get_args(reply, NULL, DBUS_TYPE_OBJECT_PATH, &watch, DBUS_TYPE_INVALID))
                return bad_reply("WatchContainerLogs", reply);
        /* Subscribed before Start(): no line can pass unseen. */
        (void) snprintf(match, sizeof(match), "type='signal',sender='" BUS_NAME "',path='%s'", watch);
        dbus_bus_add_match(bus, match, &error);
        if (dbus_error_is_set(&error)) {
                fprintf(stderr, "%s: %s\n", error.name, error.message);
                dbus_error_free(&error);
                return EXIT_USAGE;
        }
        start = dbus_message_new_method_call(BUS_NAME, watch, "org.sysctr1.LogWatch", "Start");
        if (!start)
                return EXIT_USAGE;
        r = call(bus, start, &started);
        if (r != 0)
                return r;

        while (dbus_connection_read_write(bus, CALL_TIMEOUT_MSEC)) {
                DBusMessage *msg;

                while ((msg = dbus_connection_pop_message(bus))) {
                        _cleanup_(dbus_message_unrefp) DBusMessage *signal = msg;
                        DBusMessageIter si, lines;

                        if (dbus_message_is_signal(signal, "org.sysctr1.LogWatch", "Done"))
                                return 0;
                        if (!dbus_message_is_signal(signal, "org.sysctr1.LogWatch", "Lines") ||
                            !dbus_message_has_signature(signal, "as"))
                                continue;
                        dbus_message_iter_init(signal, &si);
                        dbus_message_iter_recurse(&si, &lines);
                        for (; dbus_message_iter_get_arg_type(&lines) == DBUS_TYPE_STRING;
                             dbus_message_iter_next(&lines)) {
                                const char *line;

                                dbus_message_iter_get_basic(&lines, &line);
                                printf("%s\n", line);
                        }
                }
        }
        fprintf(stderr, "The connection to the bus was lost.\n");
        return EXIT_USAGE;
}

static const struct {
        const char *name;
        int n_args;             /* -1: at least one more, the rest is a command */
        int (*run)(DBusConnection *bus, char **args);
} verbs[] = {
        { "list", 0, verb_list },
        { "create", 2, verb_create },
        { "delete", 1, verb_delete },
        { "get", 2, verb_get },
        { "start", 1, verb_start },
        { "stop", 1, verb_stop },
        { "exec", -1, verb_exec },
        { "watch-logs", 1, verb_watch_logs },
};

int main(int argc, char *argv[]) {
        _cleanup_(bus_closep) DBusConnection *bus = NULL;
        DBusError error = DBUS_ERROR_INIT;

        for (size_t i = 0; argc >= 2 && i < ELEMENTSOF(verbs); i++) {
                if (!streq(argv[1], verbs[i].name))
                        continue;
                if (verbs[i].n_args < 0 ? argc < 4 : argc - 2 != verbs[i].n_args) {
                        fprintf(stderr, "%s takes %d argument(s)\n", verbs[i].name, verbs[i].n_args);
                        return EXIT_USAGE;
                }
                /* A private connection, so it can be closed (shared ones must not be). */
                bus = dbus_bus_get_private(DBUS_BUS_SYSTEM, &error);
                if (!bus) {
                        fprintf(stderr, "Failed to connect to the system bus: %s\n", error.message);
                        dbus_error_free(&error);
                        return EXIT_USAGE;
                }
                dbus_connection_set_exit_on_disconnect(bus, false);
                return verbs[i].run(bus, argv + 2);
        }
        fprintf(stderr, "Usage: %s list | create NAME TEMPLATE | delete NAME | get NAME PROPERTY | start NAME | "
                "stop NAME | exec NAME CMD [ARG...] | watch-logs NAME\n", argv[0]);
        return EXIT_USAGE;
}
