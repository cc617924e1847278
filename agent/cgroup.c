/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <unistd.h>

#include "agent.h"
#include "cgroup-util.h"
#include "devices.h"
#include "fileio.h"
#include "log.h"
#include "paths.h"

/* systemd's cgroup delegation rules (docs/CGROUP_DELEGATION.md): the unit's delegated cgroup holds no
 * process itself; the agent lives in supervisor/, the container in payload/. In standalone mode
 * sysctrd gives the agent a fresh cgroup of its own with the same layout. */

/* Pass every controller that was delegated to us on to payload/, so that the guest (a systemd that
 * manages its own subtree, CGROUP_DELEGATION.md) can use them. Possible now that our cgroup holds no
 * process itself. A controller the kernel refuses here is not fatal: the container runs without it. */
static void delegate_controllers(Agent *a) {
        _cleanup_free_ char *available = NULL, *path = NULL, *subtree = NULL;
        int r;

        if (cg_full_path(a->cgroup, "cgroup.controllers", &path) < 0 ||
            read_full_file(path, &available, NULL) < 0 ||
            cg_full_path(a->cgroup, "cgroup.subtree_control", &subtree) < 0)
                return;
        for (char *save = NULL, *c = strtok_r(available, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
                char w[64];

                (void) snprintf(w, sizeof(w), "+%s", c);
                r = write_string_file(subtree, w);
                if (r < 0)
                        log_debug_errno(r, "Could not enable controller %s for payload/: %m", c);
        }
}

/* The device policy on payload/ (agent/devices.h): ours in both modes, whatever the unit says. A
 * container whose policy cannot be installed does not start. */
static int install_device_policy(Agent *a) {
        _cleanup_free_ char *dir = NULL;
        int r;

        r = cg_full_path(a->payload_cgroup, NULL, &dir);
        if (r >= 0)
                r = device_bpf_apply(dir);
        /* Nested in a container (ours, nspawn's, LXC's), bpf() is usually not ours to call. What the
         * enclosing container allows is then the limit: its program applies to all of its cgroups,
         * ours included, as systemd's DevicePolicy= does in a container. */
        if (r == -EPERM && (access("/run/host/container-manager", F_OK) >= 0 ||
                            access("/run/systemd/container", F_OK) >= 0)) {
                log_warning("Cannot install a BPF device program inside this container: the device policy "
                            "of the enclosing container applies to container %s.", a->name);
                return 0;
        }
        if (r < 0)
                return agent_fail(a, r, "Failed to install the device policy (a BPF device program) on %s: %m",
                                  strna(dir));
        return 0;
}

int agent_cgroup_setup(Agent *a) {
        const char *mnt;
        int r;

        r = cg_mount_point(&mnt);
        if (r < 0)
                return agent_fail(a, r, "No cgroup2 hierarchy found (looked at /sys/fs/cgroup and "
                                        "/sys/fs/cgroup/unified).");
        r = cg_pid_get_path(0, &a->cgroup);
        if (r < 0)
                return agent_fail(a, r, "Failed to find our own cgroup2 cgroup: %m");
        /* Run by hand from a shell we would take over (and later empty) whatever cgroup the shell is
         * in, so insist on the root-less layout that sysctr@.service (Delegate=yes) or sysctrd
         * provide. */
        if (streq(a->cgroup, "/"))
                return agent_fail(a, -EPERM, "Refusing to run in the root cgroup: sysctr-agent needs a "
                                             "delegated cgroup of its own (start it through "
                                             "sysctr@%s.service or sysctrd).", a->name);

        r = cg_join(a->cgroup, SYSCTR_CGROUP_SUPERVISOR, &a->supervisor_cgroup);
        if (r >= 0)
                r = cg_join(a->cgroup, SYSCTR_CGROUP_PAYLOAD, &a->payload_cgroup);
        if (r < 0)
                return agent_fail(a, r, "Failed to build cgroup paths below %s: %m", a->cgroup);

        /* A previous agent of this unit that was SIGKILLed leaves payload/ behind, perhaps with the
         * container's last processes still dying. */
        r = cg_kill_and_remove(a->payload_cgroup, AGENT_STOP_CLEANUP_TIMEOUT_USEC);
        if (r < 0)
                return agent_fail(a, r, "Failed to clean up stale cgroup %s%s: %m", mnt, a->payload_cgroup);

        r = cg_create(a->supervisor_cgroup);
        if (r >= 0)
                r = cg_attach(a->supervisor_cgroup, 0);
        if (r < 0)
                return agent_fail(a, r, "Failed to move into cgroup %s%s: %m", mnt, a->supervisor_cgroup);
        a->in_supervisor = true;
        r = cg_create(a->payload_cgroup);
        if (r < 0)
                return agent_fail(a, r, "Failed to create cgroup %s%s: %m", mnt, a->payload_cgroup);
        delegate_controllers(a);
        return install_device_policy(a);
}

int agent_cgroup_reset_payload(Agent *a) {
        int r;

        /* A rebooting guest starts with an empty payload/, as after a fresh start: its systemd
         * rebuilds its own hierarchy below it. */
        r = cg_kill_and_remove(a->payload_cgroup, AGENT_STOP_CLEANUP_TIMEOUT_USEC);
        if (r >= 0)
                r = cg_create(a->payload_cgroup);
        if (r < 0)
                return agent_fail(a, r, "Failed to reset cgroup %s for the reboot: %m", a->payload_cgroup);
        return install_device_policy(a);
}

void agent_cgroup_cleanup(Agent *a) {
        int r;

        if (a->payload_cgroup) {
                r = cg_kill_and_remove(a->payload_cgroup, AGENT_STOP_CLEANUP_TIMEOUT_USEC);
                if (r < 0)
                        log_warning_errno(r, "Failed to remove cgroup %s: %m", a->payload_cgroup);
        }
        if (!a->in_supervisor)
                return;
        /* supervisor/ can only go once we left it. Moving back fails if controllers were enabled in
         * the unit's cgroup ("no internal processes"): then systemd (or sysctrd) removes the whole
         * unit cgroup after we exited anyway. */
        r = cg_attach(a->cgroup, 0);
        if (r < 0) {
                log_debug_errno(r, "Failed to move back to %s, leaving %s to the service manager: %m",
                                a->cgroup, a->supervisor_cgroup);
                return;
        }
        a->in_supervisor = false;
        r = cg_remove(a->supervisor_cgroup);
        if (r < 0)
                log_warning_errno(r, "Failed to remove cgroup %s: %m", a->supervisor_cgroup);
}
