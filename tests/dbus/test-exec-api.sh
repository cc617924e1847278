#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Running commands in a container through the API (ExecContainer, OpenContainerShell...), as a client
# that is not sysctr would: tests/dbus/dbus-client.c, on libdbus-1. As root, then as users that a
# polkit rule of the test's own allows or refuses (a polkitd of its own, see start_polkit).
. "$(dirname "$0")/../integration/lib.sh"
require_root
client="$top_builddir/tests/dbus/dbus-client"
[ -x "$client" ] || bail "$client is not built"
require_commands setpriv tmux
setup_instance

run "$client" create t1 busybox
is "$rc" 0 "libdbus: create t1 (waits out its create job)" || diag "$err"
run "$client" create t2 busybox
is "$rc" 0 "libdbus: create t2"
run "$client" start t1
is "$rc:$out" "0:done" "libdbus: start t1, its job is done"
run "$client" start t2
is "$rc:$out" "0:done" "libdbus: start t2"

# --- as root
run "$client" exec t1 sh -c 'echo out; echo err >&2; echo "$container"; cat /proc/1/comm; exit 7'
is "$rc" 7 "exec: the exit status is the command's"
is "$out" "out
sysctr
init" "exec: its standard output, its environment, inside the container"
is "$err" "err" "exec: its standard error, apart"
run "$client" exec t1 sh -c 'kill -TERM $$'
is "$rc" 143 "exec: a command killed by SIGTERM gives 128+15"
run "$client" exec t1 nosuch-command
is "$rc" 1 "exec: a missing command is an error of the call"
like "$err" '^org\.sysctr1\.Error\.CommandNotFound: .*nosuch-command' "... CommandNotFound naming it"
run "$client" exec t9 true
like "$err" '^org\.sysctr1\.Error\.NoSuchContainer: ' "exec in a container that does not exist: NoSuchContainer"
run "$client" stop t2
is "$rc:$out" "0:done" "libdbus: stop t2"
run "$client" exec t2 true
like "$err" '^org\.sysctr1\.Error\.ContainerNotRunning: ' "exec in a stopped container: ContainerNotRunning"
run "$client" start t2
is "$rc" 0 "libdbus: start t2 again"

# Logs for clients without file descriptors: Lines signals of a watch object, to its caller alone.
run "$client" watch-logs t1
is "$rc" 0 "watch-logs: the watch ends with Done"
like "$out" 'Container started' "watch-logs: the agent's lines come as signals"
is "$(busctl --system call org.sysctr1 /org/sysctr1 org.freedesktop.DBus.ObjectManager GetManagedObjects 2>&1 |
      grep -c logwatch)" 0 "... and the watch object is gone after Done"

# The command runs in the container's cgroup, so GetContainerByPID finds its container.
"$client" exec t1 sleep 30 > /dev/null 2>&1 &
client_pid=$!
ok "a command runs in t1" wait_for 10 pgrep -f -x 'sleep 30'
sleeper=$(pgrep -f -x 'sleep 30' | head -n 1)
is "$(busctl --system call org.sysctr1 /org/sysctr1 org.sysctr1.Manager GetContainerByPID u "$sleeper" 2>&1)" \
        'o "/org/sysctr1/container/t1"' "GetContainerByPID of the command: t1"
o=$(busctl --system call org.sysctr1 /org/sysctr1 org.freedesktop.DBus.ObjectManager GetManagedObjects 2>&1)
like "$o" '"/org/sysctr1/process/[0-9]+"' "the command is a process object"
proc=$(grep -oE '/org/sysctr1/process/[0-9]+' <<< "$o" | head -n 1)
is "$(busctl --system get-property org.sysctr1 "$proc" org.sysctr1.Process PID)" "u $sleeper" "... with its host PID"
is "$(busctl --system get-property org.sysctr1 "$proc" org.sysctr1.Process State)" 's "running"' "... running"
like "$(as_user 65534 busctl --system call org.sysctr1 "$proc" org.sysctr1.Process Kill i 9 2>&1)" 'Access ?[dD]enied' \
        "another user may not signal it"
# Its caller leaves: the command is ended too (SIGHUP, then SIGKILL).
kill -KILL "$client_pid"
wait "$client_pid" 2>/dev/null
ok "the command of a caller that left the bus is ended" wait_for 10 eval '! pid_alive '"$sleeper"
ok "... and its process object is gone" wait_for 5 eval \
        '! busctl --system get-property org.sysctr1 '"$proc"' org.sysctr1.Process State'

# --- as users polkit allows, or not
start_polkit '
polkit.addRule(function(action, subject) {
        if (action.id == "org.sysctr1.shell" && action.lookup("container") == "t1" &&
            subject.isInGroup("nogroup"))
                return polkit.Result.YES;
        if (action.id == "org.sysctr1.manage-containers" && action.lookup("container") == "slowjob" &&
            subject.isInGroup("nogroup"))
                return polkit.Result.YES;
        if (subject.user == "daemon")
                return polkit.Result.NO;
});'
run as_user 65534 "$client" exec t1 sh -c 'id -u; echo ok > /tmp/by-nobody'
is "$rc:$out" "0:0" "nobody (in nogroup, allowed for t1) runs a command in t1, as the guest's root"
ok "... which ran" test -f "$SYSCTR_STATE_DIR/containers/t1/upper/tmp/by-nobody"
run as_user 65534 "$client" exec t2 sh -c 'echo ok > /tmp/by-nobody'
like "$err" '^org\.freedesktop\.DBus\.Error\.(InteractiveAuthorizationRequired|AccessDenied): ' \
        "nobody may not run a command in t2"
ok "... and nothing ran there" test ! -e "$SYSCTR_STATE_DIR/containers/t2/upper/tmp/by-nobody"
run as_user daemon "$client" exec t1 sh -c 'echo ok > /tmp/by-daemon'
like "$err" '^org\.freedesktop\.DBus\.Error\.AccessDenied: ' "daemon (refused by the rule) gets AccessDenied"
ok "... and nothing ran" test ! -e "$SYSCTR_STATE_DIR/containers/t1/upper/tmp/by-daemon"
run as_user 65534 "$client" stop t1
like "$err" 'AccessDenied|InteractiveAuthorizationRequired' "the shell action does not allow stopping it"
is "$(container_state t1)" running "... t1 runs on"

# sysctr shell, without root, on a terminal.
tmux_start nobody "setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/ TERM=xterm $top_builddir/sysctr shell t1"
ok "nobody gets a shell in t1 with sysctr shell" tmux_wait nobody '#' 15 || diag "$(tmux_screen nobody)"
tmx send-keys -t nobody 'echo "in=$(cat /etc/hostname)"; exit 3' Enter
ok "the shell runs in t1" tmux_wait nobody '^in=t1' 10 || diag "$(tmux_screen nobody)"
ok "sysctr shell ends with the shell" wait_for 10 tmux_exited nobody
is "$(tmux_exit_status nobody)" 3 "... and its exit status"
tmux_start daemon "setpriv --reuid=1 --regid=1 --clear-groups env HOME=/ TERM=xterm $top_builddir/sysctr shell t1"
ok "daemon's sysctr shell ends" wait_for 15 tmux_exited daemon
isnt "$(tmux_exit_status daemon)" 0 "... with a failure"
like "$(tmux_screen daemon)" 'Access denied' "... saying access was denied"

# --- Job.Cancel by a user whom polkit allows: once polkit has answered, the method runs again on
# the job (which must still be looked up: it may have ended meanwhile).
mkdir -p "$T/templates/slowbox" && cp -r "$top_srcdir/templates/busybox" "$T/templates/" &&
        cp "$top_srcdir/templates/busybox/template.yaml" "$T/templates/slowbox/" || bail "cannot make templates"
printf '#!/bin/sh\nfor p in 10 20 30 40 50 60 70 80 90; do echo "PROGRESS=$p"; sleep 1; done\nexec "$(dirname "$0")/../busybox/build" "$@"\n' \
        > "$T/templates/slowbox/build"
chmod -R a+rX "$T/templates" && chmod +x "$T/templates/slowbox/build"
export SYSCTR_TEMPLATE_DIR="$T/templates"
stop_sysctrd
start_sysctrd
busctl --system call org.sysctr1 /org/sysctr1 org.sysctr1.Manager CreateContainer 'ssa{sv}' slowjob slowbox 0 >/dev/null
job=$(busctl --system get-property org.sysctr1 /org/sysctr1/container/slowjob org.sysctr1.Container Job | sed 's/^o "\(.*\)"$/\1/')
like "$job" '^/org/sysctr1/job/[0-9]+$' "creating slowjob from a slow template is a job ($job)"
run as_user 65534 busctl --system call org.sysctr1 "$job" org.sysctr1.Job Cancel
is "$rc" 0 "nobody (allowed by polkit for slowjob) cancels the job with Job.Cancel" || diag "$err"
ok "sysctrd is still there" pid_alive "$SYSCTRD_PID"
ok "... and slowjob is gone" wait_for 10 eval '! busctl --system call org.sysctr1 /org/sysctr1 org.sysctr1.Manager GetContainer s slowjob >/dev/null 2>&1'
