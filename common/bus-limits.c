/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <stdio.h>

#include "bus-limits.h"
#include "macro.h"

#define BUS_LIMITS_DROPIN "/etc/dbus-1/system.d/sysctr-limits.conf"

typedef struct BusLimit {
        const char *name;       /* as in dbus-daemon's configuration */
        const char *text;       /* what dbus-daemon 1.14's refusal says */
        unsigned default_value, raise_to;
        const char *what;       /* what was refused */
        const char *instead;    /* how to stay below it, or NULL */
} BusLimit;

/* In the order they are recognized: "active connections for UID" before "active connections". */
static const BusLimit bus_limits[] = {
        {
                "max_connections_per_user", "active connections for UID", 256, 1024,
                "one user (root, for sysctr) has too many connections to the system bus open",
                "Pass many names to one command (sysctr start web1 web2 ...) rather than running one sysctr "
                "command per container at the same time.",
        },
        {
                "max_completed_connections", "maximum number of active connections", 2048, 4096,
                "the system bus has too many connections open in all",
                NULL,
        },
        {
                "max_replies_per_connection", "pending replies", 128, 1024,
                "one connection has too many calls waiting for their replies",
                "Start or stop containers in batches of fewer than 128.",
        },
        {
                "max_match_rules_per_connection", "match rules", 512, 4096,
                "one connection watches too many signals",
                NULL,
        },
        {
                "max_names_per_connection", "own more services", 512, 2048,
                "one connection owns too many bus names",
                NULL,
        },
        {
                "max_pending_service_starts", "pending activations", 512, 1024,
                "too many services are being started by the bus at once",
                NULL,
        },
};

static const BusLimit *bus_limit_find(const char *message) {
        if (isempty(message))
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(bus_limits); i++)
                if (strstr(message, bus_limits[i].name) || strstr(message, bus_limits[i].text))
                        return &bus_limits[i];
        return NULL;
}

static int raise_advice(const BusLimit *l, const char *lead, char **ret) {
        return asprintf(ret, "%s raise the limit: put <busconfig><limit name=\"%s\">%u</limit></busconfig> in "
                        BUS_LIMITS_DROPIN " and reload the bus (systemctl reload dbus).",
                        lead, l->name, l->raise_to) < 0 ? -ENOMEM : 0;
}

int bus_limits_explain(const sd_bus_error *error, int r, char **ret) {
        _cleanup_free_ char *advice = NULL;
        const char *name = error ? error->name : NULL, *message = error ? error->message : NULL;
        const BusLimit *l;
        int k;

        assert(ret);

        *ret = NULL;
        if (name ? !streq(name, SD_BUS_ERROR_LIMITS_EXCEEDED) : r != -ENOBUFS)
                return 0;

        l = bus_limit_find(message);
        if (l) {
                k = raise_advice(l, l->instead ? "Or" : "To allow more,", &advice);
                if (k < 0)
                        return k;
                k = asprintf(ret, "The D-Bus system bus refused: %s (dbus-daemon's %s, %u by default; it says "
                             "\"%s\"). %s%s%s",
                             l->what, l->name, l->default_value, message, strempty(l->instead),
                             l->instead ? " " : "", advice);
                return k < 0 ? -ENOMEM : 1;
        }

        /* No text of the daemon's: sd-bus's own ("No buffer space available") after the daemon dropped a
         * new connection, or a bus of another kind. With sysctr the per-user connections are the
         * likeliest. */
        k = raise_advice(&bus_limits[0], "Or", &advice);
        if (k < 0)
                return k;
        k = asprintf(ret, "The D-Bus system bus refused a request for one of its limits (%s). With many sysctr "
                     "commands at once this is most likely dbus-daemon's max_connections_per_user (256 by "
                     "default): %s %s The other limits are listed in /usr/share/dbus-1/system.conf.",
                     isempty(message) ? strerror(ENOBUFS) : message, bus_limits[0].instead, advice);
        return k < 0 ? -ENOMEM : 1;
}
