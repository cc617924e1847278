/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>

#include "bus-limits.h"
#include "bus-names.h"
#include "log.h"
#include "name.h"
#include "sysctr.h"

int ctl_check_container_name(const char *name) {
        if (container_name_is_valid(name))
                return 0;

        log_error(_("Invalid container name \"%s\": names are 1-63 characters of a-z, 0-9 and \"-\", "
                    "begin and end with a letter or digit, and are not all digits."),
                  name);
        return -EINVAL;
}

/* "sysctr -H HOST" (or $SYSCTR_HOST): the host every verb talks to, NULL for this one. Set once by
 * main(), before any bus is opened. */
static const char *ctl_host = NULL;

void ctl_set_host(const char *address) {
        ctl_host = address;
}

const char *ctl_get_host(void) {
        return ctl_host;
}

int ctl_bus_open_host(const char *address, sd_bus **ret) {
        int r;

        if (!address)
                /* sd_bus_open_system() honours DBUS_SYSTEM_BUS_ADDRESS, which the tests point at a
                 * private dbus-daemon. */
                r = sd_bus_open_system(ret);
        else
                /* As machinectl -H: "ssh -xT [-p PORT] -- [USER@]HOST systemd-stdio-bridge", the
                 * remote system bus over the SSH connection; ssh asks for what it needs itself. */
                r = sd_bus_open_system_remote(ret, address);
        if (r < 0)
                return address ? log_error_errno(r, _("Failed to connect to the system bus of %s: %m"), address)
                               : log_error_errno(r, _("Failed to connect to the system bus: %m"));
        return 0;
}

int ctl_bus_open(sd_bus **ret) {
        int r;

        r = ctl_bus_open_host(ctl_host, ret);
        if (r < 0)
                return r;

        /* As systemctl: someone at a terminal can answer a password prompt, so polkit may ask for
         * one (through an agent, ours or the desktop's); a script gets a quick refusal instead. */
        if (isatty(STDIN_FILENO)) {
                r = sd_bus_set_allow_interactive_authorization(*ret, true);
                if (r < 0)
                        return log_error_errno(r, _("Failed to allow interactive authorization: %m"));
        }
        return 0;
}

/* What to do about a refusal: the bus' message says what was refused, not how to get it. */
static void log_access_hint(const sd_bus_error *error) {
        if (sd_bus_error_has_name(error, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED))
                log_error(_("Run the command as root, or on a terminal to authenticate via polkit."));
        else if (sd_bus_error_has_name(error, SD_BUS_ERROR_ACCESS_DENIED))
                log_error(_("Run the command as root, or authenticate via polkit as a user who may manage "
                            "containers."));
}

/* The bus (or sysctrd) explains what went wrong in the error's message, naming the bad value: print
 * that alone. Only errors without a message (local failures, e.g. a timeout) get our own wording. */
int ctl_log_bus_error(const sd_bus_error *error, int r, const char *what) {
        _cleanup_free_ char *limit = NULL;

        /* A limit of the bus (too many connections at once, say): which one, and what to change. */
        if (bus_limits_explain(error, r, &limit) > 0) {
                log_error("%s", limit);
                return r < 0 ? r : -ENOBUFS;
        }
        if (error && !isempty(error->message))
                log_error("%s", error->message);
        else
                log_error_errno(r, _("Failed to call %s: %m"), what);
        if (error)
                log_access_hint(error);
        return r < 0 ? r : -EIO;
}

int ctl_new_manager_call(sd_bus *bus, const char *member, sd_bus_message **ret) {
        int r;

        r = sd_bus_message_new_method_call(bus, ret, SYSCTR_BUS_NAME, SYSCTR_MANAGER_PATH,
                                           SYSCTR_MANAGER_INTERFACE, member);
        if (r < 0)
                return log_error_errno(r, _("Failed to create a bus message: %m"));
        return 0;
}

/* The calls everyone may make (docs/dbus-api.md, "Access"): no password prompt is ever needed. */
static bool method_is_read_only(const char *member) {
        static const char *const read_only[] = { "ListContainers", "GetContainer", "GetContainerByPID",
                                                 "GetContainerConfig", "ListTemplates", "ListImages", "ListJobs",
                                                 "GetJob", "ListVolumes", "GetVolume", "ListSnapshots" };

        for (size_t i = 0; i < ELEMENTSOF(read_only); i++)
                if (member && streq(member, read_only[i]))
                        return true;
        return false;
}

int ctl_call(sd_bus *bus, sd_bus_message *m, uint64_t timeout_usec, sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        /* A local agent cannot answer for a remote host's polkit. */
        if (!method_is_read_only(sd_bus_message_get_member(m)) && !ctl_host)
                ctl_polkit_agent_open();

        r = sd_bus_call(bus, m, timeout_usec, &error, ret_reply);
        if (r < 0)
                return ctl_log_bus_error(&error, r, strna(sd_bus_message_get_member(m)));
        return 0;
}

int ctl_call_manager(sd_bus *bus, uint64_t timeout_usec, sd_bus_message **ret_reply, const char *member,
                     const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        r = ctl_new_manager_call(bus, member, &m);
        if (r < 0)
                return r;

        if (types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r < 0)
                        return log_error_errno(r, _("Failed to create a bus message: %m"));
        }

        return ctl_call(bus, m, timeout_usec, ret_reply);
}

int ctl_get_container_path(sd_bus *bus, const char *name, char **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *path;
        int r;

        r = ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, &reply, "GetContainer", "s", name);
        if (r < 0)
                return r;

        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return log_error_errno(r, _("Failed to parse the reply of sysctrd: %m"));

        *ret = strdup(path);
        if (!*ret)
                return log_oom();
        return 0;
}

int ctl_get_container_state(sd_bus *bus, const char *path, char **ret_state, uint32_t *ret_leader) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (ret_state) {
                r = sd_bus_get_property_string(bus, SYSCTR_BUS_NAME, path, SYSCTR_CONTAINER_INTERFACE,
                                               "State", &error, ret_state);
                if (r < 0)
                        return ctl_log_bus_error(&error, r, "State");
        }

        if (ret_leader) {
                r = sd_bus_get_property_trivial(bus, SYSCTR_BUS_NAME, path, SYSCTR_CONTAINER_INTERFACE,
                                                "Leader", &error, 'u', ret_leader);
                if (r < 0)
                        return ctl_log_bus_error(&error, r, "Leader");
        }

        return 0;
}

/* The reply of Properties.GetAll, an a{sv}, positioned at its start. */
int ctl_get_container_properties(sd_bus *bus, const char *path, sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(bus, SYSCTR_BUS_NAME, path, "org.freedesktop.DBus.Properties", "GetAll",
                               &error, ret_reply, "s", SYSCTR_CONTAINER_INTERFACE);
        if (r < 0)
                return ctl_log_bus_error(&error, r, "GetAll");
        return 0;
}

int ctl_get_manager_mode(sd_bus *bus, char **ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_get_property_string(bus, SYSCTR_BUS_NAME, SYSCTR_MANAGER_PATH, SYSCTR_MANAGER_INTERFACE,
                                       "Mode", &error, ret);
        if (r < 0)
                return ctl_log_bus_error(&error, r, "Mode");
        return 0;
}
