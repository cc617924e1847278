/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>

#include "bind.h"
#include "log.h"
#include "name.h"
#include "parse-util.h"
#include "signal-util.h"
#include "strv.h"
#include "sysctr.h"

/* "sysctr set NAME KEY=VALUE...": every assignment is checked here first, with a message naming the
 * bad one, then all go to sysctrd in one SetContainer call, which applies all of them or none. */

typedef enum SetKey {
        SET_AUTOSTART,
        SET_MEMORY,
        SET_CPUS,
        SET_PIDS,
        SET_STOP_SIGNAL,
        SET_STOP_TIMEOUT,
        SET_HOSTNAME,
        SET_INIT,
        SET_BIND,
        SET_NETWORK,
        SET_PUBLISH,
        SET_ALLOW_HOST,
        _SET_KEY_MAX,
} SetKey;

/* The keys on the command line, and the option of SetContainer each one becomes. */
static const struct {
        const char *key;
        const char *option;
} set_keys[_SET_KEY_MAX] = {
        [SET_AUTOSTART] = { "autostart", "autostart" },
        [SET_MEMORY] = { "memory", "memory" },
        [SET_CPUS] = { "cpus", "cpus" },
        [SET_PIDS] = { "pids", "pids" },
        [SET_STOP_SIGNAL] = { "stop-signal", "stop-signal" },
        [SET_STOP_TIMEOUT] = { "stop-timeout", "stop-timeout" },
        [SET_HOSTNAME] = { "hostname", "hostname" },
        [SET_INIT] = { "init", "init" },
        [SET_BIND] = { "bind", "binds" },
        [SET_NETWORK] = { "network", "networks" },
        [SET_PUBLISH] = { "publish", "publish" },
        [SET_ALLOW_HOST] = { "allow-host", "allow-host" },
};

/* The keys whose values are collected into a list ("bind=" alone empties it). */
#define SET_LIST_KEYS ((1U << SET_BIND) | (1U << SET_NETWORK) | (1U << SET_PUBLISH))

int ctl_append_binds(sd_bus_message *m, char * const *binds) {
        int r;

        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "binds");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "as");
        if (r >= 0)
                r = sd_bus_message_append_strv(m, (char **) binds);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

/* Appends {"option": <value>} to m ("{sv}" with option, type, value...); with m NULL, only the checks
 * run (the first pass, before the bus is opened). */
static int append_entry(sd_bus_message *m, const char *option, const char *type, ...) {
        va_list ap;
        int r;

        if (!m)
                return 0;
        va_start(ap, type);
        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", option);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', type);
        if (r >= 0)
                r = sd_bus_message_appendv(m, type, ap);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        va_end(ap);
        return r < 0 ? -ENOMEM : 0;
}

static int parse_boolean(const char *s) {
        if (streq(s, "true") || streq(s, "yes") || streq(s, "on") || streq(s, "1"))
                return 1;
        if (streq(s, "false") || streq(s, "no") || streq(s, "off") || streq(s, "0"))
                return 0;
        return -EINVAL;
}

static int log_bad_value(const char *key, const char *value, const char *expected) {
        log_error(_("Invalid value \"%s\" for \"%s\": expected %s."), value, key, expected);
        return -EINVAL;
}

/* memory, cpus, pids: "infinity" goes as a string (sysctrd removes the limit), a number in the
 * option's natural type. */
static int append_limit(sd_bus_message *m, SetKey k, const char *value) {
        const char *option = set_keys[k].option;
        uint64_t v;
        uint32_t millis;

        if (streq(value, "infinity"))
                return append_entry(m, option, "s", "infinity");

        switch (k) {
        case SET_MEMORY:
                if (parse_size(value, &v) < 0)
                        return log_bad_value("memory", value, _("a size such as 512M or 2G, or infinity"));
                return append_entry(m, option, "t", v);
        case SET_CPUS:
                if (parse_cpus(value, &millis) < 0)
                        return log_bad_value("cpus", value, _("a number of CPUs such as 1.5, or infinity"));
                return append_entry(m, option, "d", (double) millis / 1000.0);
        default:
                if (parse_count(value, &v) < 0)
                        return log_bad_value("pids", value, _("a positive integer, or infinity"));
                return append_entry(m, option, "t", v);
        }
}

/* bind=, network=, publish=: one value more for the list, or "" to empty it. */
static int collect_list_value(SetKey k, const char *value, char ***list) {
        int r;

        if (isempty(value)) {
                *list = strv_free(*list);
                return 0;
        }
        switch (k) {
        case SET_BIND:
                if (!bind_spec_is_valid(value))
                        return log_bad_value("bind", value,
                                             _("SOURCE:TARGET[:OPTIONS] (options ro, rw, idmap) with "
                                               "absolute paths, the target not /, nor in /proc, /sys or /dev"));
                break;
        case SET_NETWORK:
                r = ctl_check_network_arg(value);
                if (r < 0)
                        return r;
                break;
        default:
                r = ctl_check_publish_arg(value);
                if (r < 0)
                        return r;
                break;
        }
        return strv_extend(list, value);
}

/* Checks one assignment and appends its {sv} to m; list values are only collected. */
static int append_setting(sd_bus_message *m, SetKey k, const char *value, char ***lists) {
        const char *option = set_keys[k].option;
        uint32_t u;
        int b, r;

        switch (k) {
        case SET_AUTOSTART:
                b = parse_boolean(value);
                if (b < 0)
                        return log_bad_value("autostart", value, _("true or false"));
                r = append_entry(m, option, "b", b);
                break;
        case SET_MEMORY:
        case SET_CPUS:
        case SET_PIDS:
                return append_limit(m, k, value);
        case SET_STOP_SIGNAL:
                if (signal_from_string(value) <= 0)
                        return log_bad_value("stop-signal", value,
                                             _("a signal such as SIGRTMIN+3 or SIGUSR2"));
                r = append_entry(m, option, "s", value);
                break;
        case SET_STOP_TIMEOUT:
                if (ctl_parse_uint32(value, &u) < 0 || u == 0)
                        return log_bad_value("stop-timeout", value, _("a number of seconds, at least 1"));
                r = append_entry(m, option, "u", u);
                break;
        case SET_HOSTNAME:
                if (!hostname_is_valid(value))
                        return log_bad_value("hostname", value, _("a host name such as web1"));
                r = append_entry(m, option, "s", value);
                break;
        case SET_INIT:
                if (value[0] != '/')
                        return log_bad_value("init", value, _("an absolute path"));
                r = append_entry(m, option, "as", 1, value);
                break;
        case SET_BIND:
        case SET_NETWORK:
        case SET_PUBLISH:
                /* "bind=" alone removes the binds given before it and those of the config. */
                return collect_list_value(k, value, &lists[k]);
        case SET_ALLOW_HOST:
                b = parse_boolean(value);
                if (b < 0)
                        return log_bad_value("allow-host", value, _("true or false"));
                r = append_entry(m, option, "b", b);
                break;
        default:
                return -EINVAL;
        }
        return r;
}

static int set_key_from_string(const char *s, size_t n) {
        for (size_t i = 0; i < _SET_KEY_MAX; i++)
                if (strlen(set_keys[i].key) == n && strneq(set_keys[i].key, s, n))
                        return (int) i;
        return -EINVAL;
}

/* The options a{sv} of SetContainer from the assignments, or a message about the first bad one.
 * With m NULL: the checks alone. */
static int append_settings(sd_bus_message *m, char **assignments) {
        char **lists[_SET_KEY_MAX] = {};
        unsigned given = 0;
        int r = 0;

        if (m) {
                r = sd_bus_message_open_container(m, 'a', "{sv}");
                if (r < 0)
                        return log_error_errno(r, _("Failed to create a bus message: %m"));
        }

        STRV_FOREACH(a, assignments) {
                const char *eq = strchr(*a, '=');
                int k;

                if (!eq || eq == *a) {
                        log_error(_("Invalid setting \"%s\": expected KEY=VALUE."), *a);
                        r = -EINVAL;
                        break;
                }
                k = set_key_from_string(*a, (size_t) (eq - *a));
                if (k < 0) {
                        log_error(_("Unknown setting \"%.*s\" (known: autostart, memory, cpus, pids, "
                                    "stop-signal, stop-timeout, hostname, init, bind, network, publish, "
                                    "allow-host)."),
                                  (int) (eq - *a), *a);
                        r = -EINVAL;
                        break;
                }
                if (!(SET_LIST_KEYS & (1U << k)) && (given & (1U << k))) {
                        log_error(_("Setting \"%s\" is given twice."), set_keys[k].key);
                        r = -EINVAL;
                        break;
                }
                given |= 1U << k;

                r = append_setting(m, (SetKey) k, eq + 1, lists);
                if (r == -EINVAL)
                        break;          /* the message is out */
                if (r < 0) {
                        r = log_error_errno(r, _("Failed to create a bus message: %m"));
                        break;
                }
                r = 0;
        }
        for (size_t k = 0; r >= 0 && m && k < _SET_KEY_MAX; k++)
                if ((SET_LIST_KEYS & given & (1U << k)) &&
                    (r = ctl_append_strv_option(m, set_keys[k].option, lists[k])) < 0)
                        r = log_error_errno(r, _("Failed to create a bus message: %m"));
        for (size_t k = 0; k < _SET_KEY_MAX; k++)
                strv_free(lists[k]);
        if (r < 0 || !m)
                return r;
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return log_error_errno(r, _("Failed to create a bus message: %m"));
        return 0;
}

int verb_set(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = ctl_check_container_name(args[0]);
        if (r < 0)
                return r;
        r = append_settings(NULL, args + 1);
        if (r < 0)
                return r;

        r = ctl_bus_open(&bus);
        if (r < 0)
                return r;

        r = ctl_new_manager_call(bus, "SetContainer", &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "s", args[0]);
        if (r < 0)
                return log_error_errno(r, _("Failed to create a bus message: %m"));
        r = append_settings(m, args + 1);
        if (r < 0)
                return r;

        return ctl_call(bus, m, CTL_TIMEOUT_DEFAULT, NULL);
}
