#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Ending a debian guest: "sysctr stop" powers it off through systemd (SIGRTMIN+3, a clean shutdown,
# quickly); "systemctl poweroff" inside stops the container for good; "systemctl reboot" inside
# boots the same machine again (new init, same UUID and machine-id).
. "$(dirname "$0")/lib.sh"
require_root
setup_instance
use_cached_image debian bookworm

run sysctr create debian st1
is "$rc" 0 "create st1" || diag "$err"
id=$(config_field st1 id)
machine_id=${id//-/}

start_booted() {        # DESCRIPTION
        run sysctr start st1
        is "$rc" 0 "$1" || { diag "$err" "$(tail -n 30 "$SYSCTR_LOG_DIR/st1.log" 2>/dev/null)"; bail "st1 did not start"; }
        is "$(guest_wait_booted st1)" running "... and boots to running"
}

# --- sysctr stop
start_booted "start st1"
run sysctr info st1
ok "info shows the stop signal SIGRTMIN+3" mentions "$out" SIGRTMIN+3
run sysctr info st1 --json
is "$(printf '%s' "$out" | json_query 'field(j, "stopsignal")')" SIGRTMIN+3 "info --json: StopSignal SIGRTMIN+3"
leader=$(leader_of st1)
# The console log goes with a clean stop: read it through an open descriptor while it lasts.
console="$SYSCTR_RUNTIME_DIR/containers/st1/console.log"
tail -n +1 -f "$console" > "$T/console-stop.txt" 2>/dev/null &
tail_pid=$!
sleep 0.2
t0=$(now_s)
run sysctr stop st1
dt=$(elapsed_s "$t0")
is "$rc" 0 "stop st1" || diag "$err"
cmp_ok "$dt" '<' 10 "stop returns within 10 s (took $dt s)"
diag "stop took $dt s"
is "$(container_state st1)" stopped "st1 is stopped once stop returns"
ok "the old init is gone" pid_dead "$leader"
ok "no process is left in the payload cgroup" wait_for 2 payload_empty st1
sleep 0.3
kill_wait "$tail_pid" 2
wait "$tail_pid" 2>/dev/null
journal_dir="$SYSCTR_STATE_DIR/containers/st1/upper/var/log/journal"
shutdown_log=$(cat "$T/console-stop.txt"
               [ -d "$journal_dir" ] && journalctl -D "$journal_dir" --no-pager -q -o cat 2>/dev/null)
# SIGRTMIN+3 asks systemd for halt.target (as systemd-nspawn's stop does); in a container, halt and
# poweroff both end with PID 1 leaving the pid namespace. What shows a clean shutdown is that the
# shutdown targets were reached and systemd-shutdown ran to its end.
like "$shutdown_log" 'Reached target.*(shutdown\.target|System Shutdown)' \
        "systemd shut down in order: shutdown.target was reached" ||
        diag "console during the stop:" "$(tail -n 20 "$T/console-stop.txt")"
like "$shutdown_log" '^(Halting system|Powering off)\.' "systemd-shutdown ran to its end (Halting system / Powering off)"
unlike "$(tail -n 20 "$SYSCTR_LOG_DIR/st1.log" 2>/dev/null)" 'Killing the container' \
        "the agent did not have to kill the guest"

# --- systemctl poweroff inside: stopped for good
start_booted "start st1 again"
leader=$(leader_of st1)
agent=$(agent_field st1 AGENT_PID)
run timeout 30 "$top_builddir/sysctr" exec st1 -- systemctl poweroff
ok "systemctl poweroff inside stops the container" wait_for 20 state_is st1 stopped ||
        diag "state: $(container_state st1)"
ok "its init is gone" wait_for 2 pid_dead "$leader"
ok "its agent exited" wait_for 5 pid_dead "$agent"
sleep 2
is "$(container_state st1)" stopped "... and it stays stopped (no restart)"
is "$(agent_field st1 STATE)" "" "no agent state is left (a clean stop, not a failure)"

# --- systemctl reboot inside: the same machine boots again
start_booted "start st1 for the reboot"
leader1=$(leader_of st1)
agent1=$(agent_field st1 AGENT_PID)
run timeout 30 "$top_builddir/sysctr" exec st1 -- systemctl reboot
new_boot() {
        local l
        l=$(leader_of st1)
        [ -n "$l" ] && [ "$l" != "$leader1" ] && state_is st1 running
}
ok "systemctl reboot inside: st1 comes back with a new init" wait_for 30 new_boot ||
        diag "state $(container_state st1), leader $(leader_of st1)" "$(tail -n 20 "$SYSCTR_LOG_DIR/st1.log")"
is "$(guest_wait_booted st1)" running "the new boot reaches running"
is "$(agent_field st1 AGENT_PID)" "$agent1" "the same agent supervises the new boot"
ok "the old init is gone" pid_dead "$leader1"
run sysctr info st1 --json
is "$(printf '%s' "$out" | json_query 'field(j, "id")')" "$id" "the UUID is unchanged"
run sysctr exec st1 -- cat /etc/machine-id
is "$out" "$machine_id" "the machine-id is unchanged"
run sysctr exec st1 -- systemctl --failed --no-legend --plain
is "$out" "" "no failed units after the reboot"

run sysctr stop st1
is "$rc" 0 "stop st1 after the reboot"
is "$(container_state st1)" stopped "st1 is stopped"
