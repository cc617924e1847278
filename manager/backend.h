/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "container.h"
#include "manager.h"

/* How containers are run on this host, chosen once when sysctrd starts (STYLE.md rule 17, as
 * systemd's UnitVTable): under systemd, each is the unit sysctr@NAME.service and systemd runs its
 * agent; elsewhere sysctrd spawns the agents itself. Everything that differs between the two is
 * here; nothing else branches on the mode. */

struct Backend {
        const char *name;
        bool units;             /* containers are systemd units ("Unit" property, cgroup layout) */

        /* Once on the bus: what the backend needs to follow (systemd's job signals). */
        int (*connected)(Manager *m);
        /* Make the agent of c run. Its state file tells the rest, in both modes. */
        int (*start)(Container *c);
        /* Stop c with its own stop-timeout when its agent cannot be signalled directly. -EAGAIN: not
         * possible yet (a spawned agent not confirmed). */
        int (*stop)(Container *c);
        /* The agent is gone: clean up what it could not (its cgroup, when it was ours). */
        void (*agent_gone)(Container *c);
        /* Put c's limits (memory, cpus, pids) in force: live if it runs, and for its next start. */
        int (*apply_limits)(Container *c, sd_bus_error *error);
        /* Start c when the host boots, or not. */
        int (*set_autostart)(Container *c, bool enable, sd_bus_error *error);
        /* c was created: make the unit's configuration match its config (limits, autostart). */
        void (*created)(Container *c);
        /* c is being deleted: forget what the backend keeps about it (unit drop-ins, enablement). */
        void (*deleted)(Container *c);
        /* sysctrd has started: reconcile what the backend keeps with each container's config, and
         * start the containers that should run. */
        void (*startup)(Manager *m);
};

extern const Backend backend_systemd;
extern const Backend backend_standalone;

/* The unit cgroup of c in this mode, relative to the cgroup2 mount. NULL on OOM. */
char *backend_unit_cgroup(const Container *c);
