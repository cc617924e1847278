#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# sysctr on other hosts (hosts-lib.sh: network namespaces with their own mounts, system bus, sysctrd
# and Debian's sshd, reached from a client namespace):
# - "-H root@ADDRESS VERB" for every verb, through sd-bus's SSH transport (systemd-stdio-bridge), and
#   for exec, shell, console and logs through sysctr run on the host by ssh (file descriptors
#   cannot cross the bus connection): output, messages and exit statuses as they are locally;
#   $SYSCTR_HOST as the default; an unreachable host is an error that names it.
# - "apply" of a fleet with hosts: each container on its host, a second apply with nothing to do, a
#   host that is down reported while the others converge. (Moves: test-move.sh.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hosts-lib.sh"
require_root
setup_instance
require_commands tmux
start_host 1
start_host 2
A1=root@$(host_address 1)
A2=root@$(host_address 2)
hctl="ip netns exec $HOSTS_NS_CLIENT env PATH=$T/bin:$PATH $top_builddir/sysctr"
on_host_state() { on_host "$1" list --json | json_query 'field(find(j, argv[0]), "state")' "$2"; }

# --- every verb through -H
run hsysctr -H "$A1" template list
is "$rc" 0 "-H template list" || diag "$err"
like "$out" "busybox" "... lists the host's templates"
run hsysctr -H "$A1" template build busybox
is "$rc" 0 "-H template build busybox" || diag "$err"
ok "... the image is on host 1" test -d "$(host_dir 1)/state/images/busybox"
ok "... and not here" test ! -e "$SYSCTR_STATE_DIR/images/busybox"
run hsysctr -H "$A1" create busybox c1 --memory 64M
is "$rc" 0 "-H create" || diag "$err"
ok "... c1 exists on host 1" test -f "$(host_dir 1)/state/containers/c1/config.yaml"
run hsysctr -H "$A1" list
is "$rc" 0 "-H list"
like "$out" "^c1 +stopped +busybox" "... shows c1 stopped"
run hsysctr -H "$A1" start c1
is "$rc" 0 "-H start" || diag "$err"
is "$(on_host_state 1 c1)" running "... c1 runs on host 1"
run hsysctr -H "$A1" info c1
like "$out" "^Memory: 64M" "-H info"
run hsysctr -H "$A1" set c1 memory=128M
is "$rc" 0 "-H set" || diag "$err"
is "$(on_host 1 config show c1 | sed -n 's/^memory: //p')" 128M "... changed on host 1"
run hsysctr -H "$A1" config show c1
like "$out" "^memory: 128M$" "-H config show"
run hsysctr -H "$A1" exec c1 -- sh -c 'echo "out=$((6*7))"; echo "err=$((5*5))" >&2; exit 7'
is "$rc" 7 "-H exec: the command's exit status"
is "$out" "out=42" "... its stdout"
is "$err" "err=25" "... its stderr"
run hsysctr -H "$A1" exec c1 -- cat <<< "piped-stdin"
is "$out" "piped-stdin" "-H exec: stdin reaches the command"
run hsysctr -H "$A1" exec c1 -- nosuchcmd
is "$rc" 127 "-H exec of a missing command: 127 as locally"
is "$err" 'sysctr: Command "nosuchcmd" not found in container "c1".' "... with the same message"
run hsysctr -H "$A1" exec c1 -- sh -c 'echo console-mark-$((3*3)) > /dev/console'
run hsysctr -H "$A1" logs c1
is "$rc" 0 "-H logs"
like "$out" "Container started" "... shows c1's log"

tmux_start sh "$hctl -H $A1 shell c1"
tmx send-keys -t sh -l 'echo "S=$((6*7))=$(hostname)"; exit 3' && tmx send-keys -t sh Enter
ok "-H shell: a shell on a terminal in c1" tmux_wait sh '^S=42=c1' 15 || diag "$(tmux_screen sh)"
ok "... that ends with it" wait_for 10 tmux_exited sh
is "$(tmux_exit_status sh)" 3 "... with its exit status"
tmux_start con "$hctl -H $A1 console c1"
sleep 1
hsysctr -H "$A1" exec c1 -- sh -c 'echo console-mark-$((4*4)) > /dev/console'
ok "-H console: shows c1's console" tmux_wait con 'console-mark-16' 15 || diag "$(tmux_screen con)"
tmx send-keys -t con C-] C-] C-]
ok "... and detaches on ^] ^] ^]" wait_for 10 tmux_exited con
is "$(tmux_exit_status con)" 0 "... with status 0"

run hsysctr -H "$A1" kill c1 SIGUSR1
is "$rc" 0 "-H kill" || diag "$err"
run hsysctr -H "$A1" restart c1
is "$rc" 0 "-H restart" || diag "$err"
is "$(on_host_state 1 c1)" running "... c1 runs again"
run hsysctr -H "$A1" stop c1
is "$rc" 0 "-H stop" || diag "$err"
is "$(on_host_state 1 c1)" stopped "... c1 is stopped on host 1"

# --- errors from the remote side, as locally
run sysctr start nosuch
local_err=$err local_rc=$rc
run hsysctr -H "$A1" start nosuch
is "$err" "$local_err" "-H: sysctrd's error message as it is locally"
is "$rc" "$local_rc" "... and the same exit status"
run hsysctr -H "$A1" exec nosuch -- true
is "$err" 'sysctr: No container "nosuch".' "-H exec: the remote sysctr's message"
is "$rc" 125 "... and its exit status"
run hsysctr -H "$A1" exec c1 --bogus -- true
like "$err" 'Unknown option "--bogus"' "-H exec: a bad option is refused here, before ssh"
run hsysctr -H "root@$(host_address 1):2999" list
isnt "$rc" 0 "-H with a port where nothing listens fails"
like "$err" "$(host_address 1)" "... naming the host"

# --- SYSCTR_HOST
run ip netns exec "$HOSTS_NS_CLIENT" env PATH="$T/bin:$PATH" SYSCTR_HOST="$A1" "$top_builddir/sysctr" list
like "$out" "^c1 +stopped" "SYSCTR_HOST: the default host"
run ip netns exec "$HOSTS_NS_CLIENT" env PATH="$T/bin:$PATH" SYSCTR_HOST="$A1" "$top_builddir/sysctr" -H "$A2" list
unlike "$out" "c1" "-H wins over SYSCTR_HOST"

run hsysctr -H "$A1" delete c1
is "$rc" 0 "-H delete" || diag "$err"
ok "... c1 is gone from host 1" test ! -e "$(host_dir 1)/state/containers/c1"
run hsysctr -H "$A1" template remove busybox
is "$rc" 0 "-H template remove" || diag "$err"

# --- apply with hosts
F=$T/fleet.yaml
cat > "$F" <<EOF
containers:
  - {name: web1, template: busybox, memory: 64M, autostart: true}
  - {name: web2, template: busybox}
  - {name: db1, template: busybox}
hosts:
  - name: one
    address: $A1
    containers: [web1, db1]
  - name: two
    address: $A2
    containers: [web2]
EOF
run hsysctr apply "$F"
is "$rc" 0 "apply a fleet of 2 hosts" || diag "$err"
like "$out" "^  \+ container web2 on two" "the plan places web2 on two"
is "$(on_host_state 1 web1)" running "web1 runs on host one"
is "$(on_host_state 1 db1)" stopped "db1 is on host one"
is "$(on_host_state 2 web2)" stopped "web2 is on host two"
is "$(on_host_state 2 web1)" "" "web1 is not on host two"
run hsysctr apply "$F"
is "$out" "Nothing to do: $F is applied." "second apply: nothing to do on either host"

# A host that is down: the other converges, the down one is reported, the status says so.
sed -i "s/memory: 64M/memory: 96M/; s|address: $A2|address: $A2:2999|" "$F"
run hsysctr apply "$F"
isnt "$rc" 0 "with a host down, apply fails"
like "$out" "^two \($A2:2999\) cannot be reached: " "... it names the host that is down"
like "$err" "1 of 2 hosts could not be reached" "... and says how many"
is "$(on_host 1 config show web1 | sed -n 's/^memory: //p')" 96M "... the reachable host converged"
sed -i "s|address: $A2:2999|address: $A2|" "$F"
