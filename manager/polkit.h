/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "manager.h"

/* Authorization of callers that are not root, through polkit's D-Bus API (no libpolkit): we ask
 * org.freedesktop.PolicyKit1.Authority.CheckAuthorization with the caller's bus name as subject,
 * allowing interactive authentication when the caller allows it. While polkit thinks, the call waits;
 * once polkit says yes, the method handler runs again from the start (the message rewound), and this
 * time manager_authorize() returns 1 at once.
 *
 * The actions are in bus-names.h (units/org.sysctr1.policy defines them). The check's details carry
 * "container" = the container's name when there is one, so that a rule can grant one user one
 * container. */

typedef int (*AuthorizedHandler)(sd_bus_message *message, void *userdata, sd_bus_error *error);

/* What the handler gets as userdata when it runs again: looked up anew, since it may be gone by the
 * time polkit answers (then the caller gets the NoSuch... error). */
typedef enum PolkitRerun {
        POLKIT_RERUN_MANAGER,
        POLKIT_RERUN_CONTAINER,         /* the container called container_name */
        POLKIT_RERUN_JOB,               /* the job whose object the message was sent to */
} PolkitRerun;

/* 1: go on; 0: a polkit query is running, return 1 from the method handler; < 0: error is set. */
int manager_authorize(Manager *m, sd_bus_message *message, const char *action, AuthorizedHandler handler,
                      const char *container_name, PolkitRerun rerun, sd_bus_error *error);
/* The same about another kind of object: the details carry key = name ("network" = "lan0"); the
 * handler runs again with the manager. */
int manager_authorize_object(Manager *m, sd_bus_message *message, const char *action, AuthorizedHandler handler,
                             const char *key, const char *name, sd_bus_error *error);

void polkit_queries_free(Manager *m);
