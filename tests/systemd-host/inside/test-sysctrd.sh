#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tiers: container vm
# sysctrd on a systemd host: D-Bus activated as sysctrd.service, in systemd mode; "systemctl restart
# sysctrd" and its SIGKILL never touch running containers; the SIGKILL of an agent ends its unit and
# its container, leaves no cgroup, and the container starts again.
. "$(dirname "$0")/lib.sh"

# --- activation
ok "sysctrd is stopped" sysctrd_stop
is "$(pidof sysctrd)" "" "no sysctrd process runs"
run sysctr list
is "$rc" 0 "sysctr list works with sysctrd stopped: D-Bus activates it" ||
        diag "$err" "$(journalctl -u dbus.service -n 20 --no-pager)"
ok "sysctrd.service is active" sysctrd_running
is "$(pidof sysctrd)" "$(sysctrd_pid)" "the activated sysctrd is sysctrd.service's main process (SystemdService=)"
like "$(systemctl show -P Type sysctrd.service)" '^(dbus|notify)$' "sysctrd.service is Type=dbus or Type=notify"
run busctl --system get-property org.sysctr1 /org/sysctr1 org.sysctr1.Manager Mode
is "$out" 's "systemd"' "sysctrd runs in systemd mode"

new_container busybox k1 || bail "cannot create k1"
new_container busybox k2 || bail "cannot create k2"
run sysctr start k1 k2
is "$rc" 0 "start k1 and k2" || { diag "$err"; bail "cannot start k1 and k2"; }
l1=$(leader_of k1)
l2=$(leader_of k2)
a1=$(main_pid k1)
a2=$(main_pid k2)
ok "both inits run" eval 'pid_alive "$l1" && pid_alive "$l2"'

# containers_untouched WHAT: the containers run on as they did, and the new sysctrd sees them.
containers_untouched() {
        ok "$1: k1's and k2's inits are the same processes" eval \
                'pid_alive "$l1" && pid_alive "$l2" && [ "$(leader_of k1)" = "$l1" ] && [ "$(leader_of k2)" = "$l2" ]'
        ok "$1: the agents are the same processes" eval '[ "$(main_pid k1)" = "$a1" ] && [ "$(main_pid k2)" = "$a2" ]'
        ok "$1: both units are active" eval 'unit_active k1 active && unit_active k2 active'
        ok "$1: sysctrd sees k1 running" wait_for 15 state_is k1 running
        ok "$1: sysctrd sees k2 running" state_is k2 running
        is "$(prop k1 Leader)" "$l1" "$1: sysctrd knows k1's leader"
}

# --- systemctl restart sysctrd
old=$(sysctrd_pid)
run systemctl restart sysctrd.service
is "$rc" 0 "systemctl restart sysctrd" || diag "$err"
new=$(sysctrd_pid)
ok "a new sysctrd runs" eval '[ -n "$new" ] && [ "$new" != 0 ] && [ "$new" != "$old" ]'
containers_untouched "after systemctl restart sysctrd"

# --- SIGKILL of sysctrd
old=$(sysctrd_pid)
kill -KILL "$old"
ok "sysctrd is gone after SIGKILL" wait_for 5 pid_dead "$old"
sleep 0.5
run sysctr list
is "$rc" 0 "sysctr list works again (restarted or activated)" || diag "$err"
new=$(sysctrd_pid)
ok "a new sysctrd runs" eval '[ -n "$new" ] && [ "$new" != 0 ] && [ "$new" != "$old" ]'
containers_untouched "after sysctrd's SIGKILL"
run sysctr exec k1 -- hostname
is "$out" k1 "exec works after sysctrd's SIGKILL"

# --- SIGKILL of an agent: its unit and container end, nothing is left, and it can start again
kill -KILL "$a1"
ok "k1's unit ends (failed or inactive)" wait_for 15 eval 'unit_active k1 failed || unit_active k1 inactive'
ok "k1's init is gone" wait_for 10 pid_dead "$l1"
ok "k1's cgroup is gone" wait_for 10 unit_gone k1
ok "sysctrd sees k1 failed or stopped" wait_for 10 eval 'state_is k1 failed || state_is k1 stopped'
ok "k2 runs on" eval 'pid_alive "$l2" && unit_active k2 active'
run sysctr start k1
is "$rc" 0 "k1 starts again" || diag "$err"
ok "k1's unit is active" unit_active k1 active
run sysctr exec k1 -- hostname
is "$out" k1 "exec works in the restarted k1"
run sysctr stop k1 k2
is "$rc" 0 "stop k1 and k2" || diag "$err"
