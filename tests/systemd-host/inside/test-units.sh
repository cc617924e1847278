#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tiers: container vm
# sysctr@NAME.service: "systemctl start/stop" work with sysctrd stopped and with it running; "sysctr
# start/stop" go through the same unit and the manager follows the unit; the unit is active only once
# the guest is up; the agent sits in supervisor/, the container in payload/, the unit's own cgroup
# holds no process; a stop through either path leaves nothing behind.
. "$(dirname "$0")/lib.sh"

# cgls_group OUTPUT PID: the group (payload or supervisor) under which systemd-cgls lists PID. Its
# lines: "|-payload (#40666)" (the cgroup's inode since systemd 252), "| |-1347 init".
cgls_group() {
        printf '%s\n' "$1" | awk -v pid="$2" '
                /[^a-z](payload|supervisor)( \(#[0-9]+\))?$/ {
                        g = $0; sub(/ \(#[0-9]+\)$/, "", g); sub(/.*[^a-z]/, "", g); next }
                index($0, "-" pid " ") || index($0, "─" pid " ") { print g; exit }'
}

# stopped_clean NAME AGENT LEADER HOW: what a stop must leave: nothing.
stopped_clean() {
        is "$(systemctl is-active "$(unit_of "$1")")" inactive "$4: the unit is inactive, not failed"
        ok "$4: the container's init is gone" wait_for 5 pid_dead "$3"
        ok "$4: the agent is gone" wait_for 5 pid_dead "$2"
        ok "$4: the unit's cgroup is gone" wait_for 5 unit_gone "$1"
        is "$(grep -F "/containers/$1/" /proc/self/mountinfo)" "" "$4: no mount of the container is left"
}

# layout NAME: the cgroup layout of a running container's unit.
layout() {
        local unit cg agent leader
        unit=$(unit_of "$1")
        cg=$(unit_cgroup "$1")
        agent=$(main_pid "$1")
        leader=$(leader_of "$1")
        is "$(systemctl show -P ControlGroup "$unit")" "/machine.slice/$unit" "$unit's cgroup is in machine.slice"
        is "$(cat "$cg/cgroup.procs" 2>&1)" "" "the unit's own cgroup holds no process"
        is "$(pid_cgroup "$agent")" "/machine.slice/$unit/supervisor" "the agent (the unit's main process) is in supervisor/"
        like "$(pid_cgroup "$leader")" "^/machine.slice/$unit/payload(/|$)" "the container's init is in payload/"
        run systemctl status --no-pager --full "$unit"
        like "$out" "supervisor" "systemctl status shows supervisor/"
        like "$out" "payload" "systemctl status shows payload/"
        run systemd-cgls --no-pager --full -u "$unit"
        is "$(cgls_group "$out" "$agent")" supervisor "systemd-cgls lists the agent under supervisor/" || diag "$out"
        is "$(cgls_group "$out" "$leader")" payload "systemd-cgls lists the init under payload/"
}

new_container busybox t1 || bail "cannot create t1"
unit=$(unit_of t1)

# --- without sysctrd: the agent reads the container's config itself
ok "sysctrd is stopped" sysctrd_stop
run systemctl start "$unit"
# The rest checks a running container: without one it would only repeat the failure.
is "$rc" 0 "systemctl start $unit works without sysctrd" ||
        { diag "$err" "$(journalctl -u "$unit" -n 30 --no-pager)"; bail "cannot start t1"; }
leader=$(leader_of t1)
agent=$(main_pid t1)
# Type=notify: start returns once the agent sent READY=1, which for busybox is once init is exec'd.
is "$(pid_comm "$leader")" init "the container's init runs when systemctl start returns (ready only then)"
is "$(systemctl is-active "$unit")" active "$unit is active"
is "$(agent_field t1 AGENT_PID)" "$agent" "the unit's main process is the agent"
layout t1
ok "sysctrd was not needed: it is still stopped" eval '! sysctrd_running'
run systemctl stop "$unit"
is "$rc" 0 "systemctl stop $unit works without sysctrd" || diag "$err"
stopped_clean t1 "$agent" "$leader" "systemctl stop"
ok "sysctrd is still stopped" eval '! sysctrd_running'

# --- with sysctrd: the same unit
run sysctr start t1
is "$rc" 0 "sysctr start t1" || { diag "$err"; bail "sysctr start t1 failed"; }
is "$(systemctl is-active "$unit")" active "sysctr start started $unit"
agent=$(main_pid t1)
leader=$(leader_of t1)
is "$(agent_field t1 AGENT_PID)" "$agent" "the agent is the unit's main process (not one sysctrd spawned)"
is "$(prop t1 Unit)" "$unit" "the Unit property names $unit"
is "$(prop t1 State)" running "State is running"
is "$(prop t1 Leader)" "$leader" "the Leader property is the init's PID"
layout t1

run systemctl stop "$unit"
is "$rc" 0 "systemctl stop $unit with sysctrd running" || diag "$err"
ok "sysctrd follows: t1 is stopped" wait_for 10 state_is t1 stopped
stopped_clean t1 "$agent" "$leader" "systemctl stop with sysctrd"
run systemctl start "$unit"
is "$rc" 0 "systemctl start $unit with sysctrd running" || diag "$err"
ok "sysctrd follows: t1 is running" wait_for 10 state_is t1 running
leader=$(leader_of t1)
agent=$(main_pid t1)
is "$(prop t1 Leader)" "$leader" "sysctrd knows the new leader"

run sysctr stop t1
is "$rc" 0 "sysctr stop t1" || diag "$err"
stopped_clean t1 "$agent" "$leader" "sysctr stop"
is "$(prop t1 State)" stopped "State is stopped"

run sysctr restart t1
is "$rc" 0 "sysctr restart t1 (stopped: it starts)" || diag "$err"
old=$(leader_of t1)
run sysctr restart t1
is "$rc" 0 "sysctr restart t1 (running)" || diag "$err"
is "$(systemctl is-active "$unit")" active "$unit is active after the restart"
leader=$(leader_of t1)
ok "the restart made a new init" eval '[ -n "$leader" ] && [ "$leader" != "$old" ] && pid_dead "$old"'
agent=$(main_pid t1)
run sysctr stop t1
is "$rc" 0 "sysctr stop t1 after the restart" || diag "$err"
stopped_clean t1 "$agent" "$leader" "sysctr stop after restart"
