/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <sys/types.h>

#include "container.h"
#include "manager.h"

/* A container's logs (logs.c): what the host recorded about it and what its guest recorded itself,
 * written as journalctl's short format into a pipe by a child of sysctrd. */

typedef struct LogsRequest {
        const char *name;
        bool systemd;           /* the agent logs to the journal, not to <log dir>/NAME.log */
        pid_t leader;           /* the running init, or 0 */
        bool lines_set;
        uint32_t lines;
        bool follow;
} LogsRequest;

/* The request for container c from a call's a{sv} options (lines t, follow b). */
int logs_request_init(Container *c, sd_bus_message *message, LogsRequest *ret, sd_bus_error *error);
/* The child that writes them; *ret_fd is the pipe's read end. */
int logs_spawn(Manager *m, const LogsRequest *req, int *ret_fd);

/* logwatch.c: WatchContainerLogs, the same as signals of an object, for clients without fd passing. */
int container_method_watch_logs(Container *c, sd_bus_message *message, sd_bus_error *error);
void manager_free_log_watches(Manager *m);
extern const sd_bus_vtable log_watch_vtable[];
int log_watch_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                          sd_bus_error *error);
int log_watch_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error);
