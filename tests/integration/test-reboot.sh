#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A reboot inside the guest: init exits with SIGHUP (pid namespace semantics) and the agent starts
# the container again, with a new init.
. "$(dirname "$0")/lib.sh"
require_root
setup_instance

run sysctr create busybox rb
run sysctr start rb
is "$rc" 0 "start rb" || { diag "$err"; bail "rb did not start"; }
leader1=$(leader_of rb)
agent1=$(agent_field rb AGENT_PID)

# busybox reboot signals init (SIGTERM); init runs its shutdown actions, then reboot(2). The exec'd
# command may be killed on the way down, so its status is not checked.
run timeout 20 "$top_builddir/sysctr" exec rb -- reboot
new_leader() {
        local l
        l=$(leader_of rb)
        [ -n "$l" ] && [ "$l" != "$leader1" ] && [ "$(pid_comm "$l")" = init ] && state_is rb running
}
ok "rb comes back running with a new leader" wait_for 15 new_leader
leader2=$(leader_of rb)
isnt "$leader2" "$leader1" "the leader changed ($leader1 -> $leader2)"
ok "the old leader is gone" pid_dead "$leader1"
is "$(agent_field rb AGENT_PID)" "$agent1" "the same agent supervises the new boot"
ok "the guest went through its shutdown actions" \
        test -e "$SYSCTR_STATE_DIR/containers/rb/upper/var/log/shutdown-ran"
run sysctr exec rb -- cat /proc/1/comm
is "$out" init "exec works in the rebooted guest"

# A forced reboot (reboot(2) from a process other than init) has the same effect.
run timeout 20 "$top_builddir/sysctr" exec rb -- reboot -f
leader1=$leader2
ok "rb comes back after reboot -f" wait_for 15 new_leader

run sysctr stop rb
is "$rc" 0 "stop rb"
is "$(container_state rb)" stopped "rb is stopped (a stop is not a reboot)"
