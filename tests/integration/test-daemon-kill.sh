#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kill -9 of sysctrd never touches running containers, and a new sysctrd picks them up.
. "$(dirname "$0")/lib.sh"
require_root
setup_instance

for n in k1 k2; do
        run sysctr create busybox "$n"
        is "$rc" 0 "create $n"
        run sysctr start "$n"
        is "$rc" 0 "start $n" || diag "$err"
done
l1=$(leader_of k1)
l2=$(leader_of k2)
a1=$(agent_field k1 AGENT_PID)
a2=$(agent_field k2 AGENT_PID)
ok "both leaders are alive" eval 'pid_alive "$l1" && pid_alive "$l2"'

old=$SYSCTRD_PID
kill -KILL "$old"
wait "$old" 2>/dev/null
ok "sysctrd is gone" wait_for 5 pid_dead "$old"
sleep 0.5
ok "k1's leader survives the daemon" pid_alive "$l1"
ok "k2's leader survives the daemon" pid_alive "$l2"
ok "the agents survive the daemon" eval 'pid_alive "$a1" && pid_alive "$a2"'
run sysctr list
isnt "$rc" 0 "the CLI fails while no daemon runs"
ok "... with a message" test -n "$err"

start_sysctrd
isnt "$SYSCTRD_PID" "$old" "a new sysctrd runs"
run sysctr list --json
is "$(printf '%s' "$out" | json_query 'field(find(j, "k1"), "state")')" running "the new daemon sees k1 running"
is "$(printf '%s' "$out" | json_query 'field(find(j, "k2"), "state")')" running "the new daemon sees k2 running"
run sysctr info k1 --json
is "$(printf '%s' "$out" | json_query 'field(j, "leader")')" "$l1" "the new daemon knows k1's leader"
ok "k1's leader is unchanged" pid_alive "$l1"

run sysctr exec k1 -- hostname
is "$out" k1 "exec works after the daemon restart"
run sysctr stop k2
is "$rc" 0 "stop works after the daemon restart" || diag "$err"
ok "k2's leader is gone" wait_for 2 pid_dead "$l2"
ok "k2's agent is gone" wait_for 5 pid_dead "$a2"
is "$(container_state k2)" stopped "k2 is stopped"

# The agent itself dies: the daemon notices, and the container does not keep running unsupervised.
kill -KILL "$a1"
ok "k1 is no longer running after its agent was killed" \
        wait_for 10 eval 'state_is k1 failed || state_is k1 stopped'
ok "k1's guest is gone with its agent" wait_for 5 pid_dead "$l1"
run sysctr start k1
is "$rc" 0 "k1 starts again after its agent was killed" || diag "$err"
run sysctr stop k1
is "$rc" 0 "stop k1"
