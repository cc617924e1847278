#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A busybox container through its whole life: create, start, look inside, list/info, stop, restart,
# kill, delete.
. "$(dirname "$0")/lib.sh"
require_root
setup_instance

# --- create and start
run sysctr create busybox t1
is "$rc" 0 "create busybox t1" || diag "$err"
ok "t1 has a config.yaml" test -f "$SYSCTR_STATE_DIR/containers/t1/config.yaml"
id=$(config_field t1 id)
like "$id" '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' "config.yaml has a UUID id"
is "$(container_state t1)" stopped "a new container is stopped"

run sysctr start t1
is "$rc" 0 "start t1" || diag "$err" "$(tail -n 20 "$SYSCTR_LOG_DIR/t1.log" 2>/dev/null)"
is "$(container_state t1)" running "t1 is running once start returns"
[ "$rc" -eq 0 ] || bail "t1 did not start"

# --- inside
run sysctr exec t1 -- cat /proc/1/comm
is "$out" init "PID 1 inside is init"
is "$rc" 0 "exec returns 0 for a command that succeeds"

run sysctr exec t1 -- sh -c 'exit 7'
is "$rc" 7 "exec returns the guest command's exit status"

run sysctr exec t1 -- /no/such/command
is "$rc" 127 "exec of a missing command exits 127"

run sysctr exec t1 -- hostname
is "$out" t1 "the hostname inside is the container's name"

run sysctr exec t1 -- ps
is "$rc" 0 "ps runs inside"
guest_pids=$(printf '%s\n' "$out" | awk 'NR > 1 { print $1 }')
host_count=$(/bin/busybox ps | awk 'NR > 1' | wc -l)
inside_count=$(printf '%s\n' "$guest_pids" | grep -c .)
cmp_ok "$inside_count" '<' "$host_count" "ps inside lists fewer processes ($inside_count) than on the host"
cmp_ok "$(printf '%s\n' "$guest_pids" | sort -n | tail -n 1)" '<' 100 "every PID inside is small"
like "$out" '(^|[ /])init( |$)' "ps inside shows init"
unlike "$out" 'sysctrd|sysctr-agent|dbus-daemon' "ps inside shows no host process"

run sysctr exec t1 -- ip -o link
links=$(printf '%s\n' "$out" | awk -F': ' '/^[0-9]+:/ { print $2 }' | sed 's/@.*//')
# Its own namespace: lo, and the eth0 of the default network it joined (nothing of the host's).
is "$(echo $links)" "lo eth0" "ip link inside shows only lo and its own eth0"

run sysctr exec t1 -- cat /proc/1/cgroup
is "$rc" 0 "/proc/1/cgroup is readable inside"
isnt "$out" "" "/proc/1/cgroup inside is not empty"
bad=$(printf '%s\n' "$out" | grep -v ':/$')
is "$bad" "" "every line of /proc/1/cgroup inside ends in ':/'"

# --- list and info
run sysctr list
like "$out" '(^|[[:space:]])t1[[:space:]].*running' "sysctr list shows t1 running"
run sysctr list --json
is "$(printf '%s' "$out" | json_query 'field(find(j, "t1"), "state")')" running "list --json: t1 running"
is "$(printf '%s' "$out" | json_query 'field(find(j, "t1"), "template")')" busybox "list --json: template busybox"

leader=$(leader_of t1)
like "$leader" '^[0-9]+$' "the agent state file names the leader"
is "$(pid_comm "$leader")" init "the leader is a live process called init"
run sysctr info t1
is "$rc" 0 "info t1"
ok "info shows the UUID $id" mentions "$out" "$id"
ok "info shows template busybox" mentions "$out" busybox
ok "info shows state running" mentions "$out" running
ok "info shows the leader PID $leader" mentions "$out" "$leader"
ok "info shows unit sysctr@t1.service" mentions "$out" "sysctr@t1.service"
run sysctr info t1 --json
is "$(printf '%s' "$out" | json_query 'field(j, "id")')" "$id" "info --json: id"
is "$(printf '%s' "$out" | json_query 'field(j, "leader")')" "$leader" "info --json: leader"

# --- stop: orderly (SIGUSR2 → busybox init powers off, running its shutdown actions)
marker="$SYSCTR_STATE_DIR/containers/t1/upper/var/log/shutdown-ran"
ok "no shutdown marker before the stop" test ! -e "$marker"
t0=$(now_s)
run sysctr stop t1
dt=$(elapsed_s "$t0")
is "$rc" 0 "stop t1" || diag "$err"
cmp_ok "$dt" '<' 10 "stop returns within 10 s (took $dt s)"
is "$(container_state t1)" stopped "t1 is stopped once stop returns"
ok "init ran its shutdown actions (powered off by the stop signal)" test -e "$marker"
ok "the old leader $leader is gone" wait_for 2 pid_dead "$leader"
ok "no process is left in the payload cgroup" wait_for 2 payload_empty t1

run sysctr exec t1 -- true
is "$rc" 125 "exec on a stopped container exits 125"
ok "... with a message" test -n "$err"

run sysctr stop t1
is "$rc" 0 "stopping a stopped container succeeds"

# --- restart
run sysctr start t1
is "$rc" 0 "start t1 again"
leader1=$(leader_of t1)
run sysctr restart t1
is "$rc" 0 "restart t1" || diag "$err"
is "$(container_state t1)" running "t1 is running after restart"
leader2=$(leader_of t1)
isnt "$leader2" "$leader1" "restart gives a new leader"
is "$(pid_comm "$leader2")" init "the new leader is init"
ok "the old leader is gone" pid_dead "$leader1"

# --- kill
run sysctr kill t1 SIGKILL
is "$rc" 0 "kill t1 SIGKILL" || diag "$err"
ok "t1 stops after SIGKILL" wait_for 10 eval 'state_is t1 stopped || state_is t1 failed'
ok "the leader is gone after SIGKILL" wait_for 2 pid_dead "$leader2"
ok "no process is left after SIGKILL" wait_for 2 payload_empty t1
run sysctr kill t1 SIGTERM
isnt "$rc" 0 "kill on a stopped container fails"

# --- delete
run sysctr start t1
is "$rc" 0 "start t1 after the kill"
run sysctr delete t1
isnt "$rc" 0 "delete of a running container is refused"
ok "... with a message naming it" mentions "$err$out" t1
ok "... and the container is still there" test -f "$SYSCTR_STATE_DIR/containers/t1/config.yaml"
is "$(container_state t1)" running "... and still running"

leader=$(leader_of t1)
run sysctr delete --force t1
is "$rc" 0 "delete --force of a running container" || diag "$err"
ok "its leader is gone" wait_for 2 pid_dead "$leader"
ok "no state dir is left" test ! -e "$SYSCTR_STATE_DIR/containers/t1"
ok "no agent state file is left" test ! -e "$SYSCTR_RUNTIME_DIR/agents/t1"
ok "no runtime dir is left" test ! -e "$SYSCTR_RUNTIME_DIR/containers/t1"
ok "no log file is left" test ! -e "$SYSCTR_LOG_DIR/t1.log"
ok "no cgroup is left" test ! -e "$(unit_cgroup t1)"
is "$(grep -F "containers/t1" /proc/self/mountinfo)" "" "no mount mentions it"
run sysctr list --json
is "$(printf '%s' "$out" | json_query 'field(find(j, "t1"), "name")')" "" "list does not show it"

# delete of a stopped container needs no --force
run sysctr create busybox t2
is "$rc" 0 "create t2"
run sysctr delete t2
is "$rc" 0 "delete of a stopped container"
ok "t2's state dir is gone" test ! -e "$SYSCTR_STATE_DIR/containers/t2"
run sysctr delete t2
isnt "$rc" 0 "delete of a missing container fails"
ok "... naming it" mentions "$err$out" t2
