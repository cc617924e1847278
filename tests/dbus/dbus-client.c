/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A second, independent client of sysctrd's D-Bus API, on libdbus-1 (the reference implementation)
 * instead of sd-bus: what the daemon offers must work for any client, not only for the library it
 * was written with (DESIGN.md, "Dependencies"). test-dbus-client.sh drives it.
 *
 *   dbus-client list                       ListContainers: "NAME STATE TEMPLATE PATH" lines
 *   dbus-client create NAME TEMPLATE       CreateContainer with no options: prints the object path
 *   dbus-client delete NAME                DeleteContainer
 *   dbus-client get NAME PROPERTY          GetContainer, then Properties.Get on the container
 *
 * Exit status: 0 success, 1 the daemon answered with an error (printed as "ERROR.NAME: message" on
 * stderr), 2 usage or protocol errors. The bus is the system bus: DBUS_SYSTEM_BUS_ADDRESS. */
#include <dbus/dbus.h>
#include <inttypes.h>

#include "macro.h"

#define BUS_NAME "org.sysctr1"
#define MANAGER_PATH "/org/sysctr1"
#define MANAGER_INTERFACE "org.sysctr1.Manager"
#define CONTAINER_INTERFACE "org.sysctr1.Container"
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
        return 0;
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

static const struct {
        const char *name;
        int n_args;
        int (*run)(DBusConnection *bus, char **args);
} verbs[] = {
        { "list", 0, verb_list },
        { "create", 2, verb_create },
        { "delete", 1, verb_delete },
        { "get", 2, verb_get },
};

int main(int argc, char *argv[]) {
        _cleanup_(bus_closep) DBusConnection *bus = NULL;
        DBusError error = DBUS_ERROR_INIT;

        for (size_t i = 0; argc >= 2 && i < ELEMENTSOF(verbs); i++) {
                if (!streq(argv[1], verbs[i].name))
                        continue;
                if (argc - 2 != verbs[i].n_args) {
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
        fprintf(stderr, "Usage: %s list | create NAME TEMPLATE | delete NAME | get NAME PROPERTY\n",
                argv[0]);
        return EXIT_USAGE;
}
