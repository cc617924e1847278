#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# sysctrd under load, with busybox containers:
#   - 20 containers, each through create/start/exec/stop/delete by a worker of its own, all at once,
#     5 rounds: every step of every one succeeds;
#   - a delete racing a start of the same container ends in one consistent state (gone, with
#     nothing left of it; or there and stopped or running, as its agent says), 10 times;
#   - a corrupt config.yaml makes a container "broken" with the reason, and delete removes it;
#   - 1,000 lifecycles (create/start/exec/stop/delete, 10 workers): afterwards sysctrd holds as many
#     open files as before and its RSS has grown by at most 1 MiB (measured after a warm-up).
# Not part of "make check" (minutes): "make check-scale" runs it, as tools/run-tests does.
. "$(dirname "$0")/lib.sh"
require_root
setup_instance

S() { "$top_builddir/sysctr" "$@"; }

# NAME [STOP-OPTION]: one container's life; prints the step that failed, if one did. busybox's init
# takes 2 s to halt (it sleeps after its SIGTERM and its SIGKILL to all); the 1,000 lifecycles use
# "stop --timeout 0" (kill at once), which takes the agent through the same exit.
lifecycle() {
        S create busybox "$1" >/dev/null 2>&1 || { echo "create $1"; return 1; }
        S start "$1" >/dev/null 2>&1 || { echo "start $1"; return 1; }
        [ "$(S exec "$1" -- hostname 2>/dev/null)" = "$1" ] || { echo "exec $1"; return 1; }
        S stop ${2:+"$2"} "$1" >/dev/null 2>&1 || { echo "stop $1"; return 1; }
        S delete "$1" >/dev/null 2>&1 || { echo "delete $1"; return 1; }
}

# --- 20 at once, 5 rounds
for round in 1 2 3 4 5; do
        pids=()
        for i in $(seq 1 20); do
                lifecycle "r$round-$i" > "$T/round-$round-$i.out" 2>&1 &
                pids+=($!)
        done
        failed=0
        for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
        is "$failed" 0 "round $round: 20 containers through create/start/exec/stop/delete at once" ||
                diag "$(cat "$T"/round-"$round"-*.out)"
done
is "$(ls "$SYSCTR_STATE_DIR/containers")" "" "nothing is left of them"

# --- delete racing start
consistent() {          # NAME: the container is gone with nothing left, or its state matches its agent
        local n=$1 st
        if ! S info "$n" >/dev/null 2>&1; then
                [ ! -e "$SYSCTR_STATE_DIR/containers/$n" ] && [ ! -e "$SYSCTR_RUNTIME_DIR/agents/$n" ] &&
                        [ ! -d "$(unit_cgroup "$n")" ]
                return
        fi
        st=$(container_state "$n")
        case $st in
        stopped) [ ! -e "$SYSCTR_RUNTIME_DIR/agents/$n" ] || [ "$(agent_field "$n" STATE)" != running ] ;;
        running) pid_alive "$(agent_field "$n" AGENT_PID)" ;;
        *) return 1 ;;
        esac
}
bad=
for i in $(seq 1 10); do
        S create busybox race >/dev/null 2>&1 || { bad+="create$i "; continue; }
        S start race >/dev/null 2>&1 &
        sp=$!
        S delete --force race >/dev/null 2>&1 &
        dp=$!
        wait "$sp" "$dp"
        # Whatever won, the container settles.
        wait_for 20 consistent race || bad+="$i:$(container_state race) "
        S delete --force race >/dev/null 2>&1
        wait_for 10 eval '! S info race >/dev/null 2>&1' || bad+="left$i "
done
is "$bad" "" "10 deletes racing a start each end in one consistent state"

# --- a corrupt config.yaml
S create busybox broken1 >/dev/null 2>&1
printf 'name: broken1\nmemory: [unclosed\n' > "$SYSCTR_STATE_DIR/containers/broken1/config.yaml"
stop_sysctrd
start_sysctrd
is "$(container_state broken1)" broken "a container whose config.yaml is corrupt is broken"
run sysctr info broken1
like "$out" 'Result: .*config\.yaml' "... and info says why" || diag "$out"
run sysctr start broken1
isnt "$rc" 0 "... it cannot be started"
like "$err" 'broken' "... which says it is broken"
run sysctr delete broken1
is "$rc" 0 "... and delete removes it" || diag "$err"
ok "... with its directory" test ! -e "$SYSCTR_STATE_DIR/containers/broken1"
run sysctr create busybox broken1
is "$rc" 0 "... and the name can be used again" || diag "$err"
S delete broken1 >/dev/null 2>&1

# --- 1,000 lifecycles: no leak of files or memory
fds() { find "/proc/$SYSCTRD_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$SYSCTRD_PID/status"; }
worker() {              # W COUNT
        local i
        for i in $(seq 1 "$2"); do lifecycle "w$1-$i" --timeout=0 || return 1; done
}
many() {                # COUNT-PER-WORKER
        local pids=() p failed=0
        for w in $(seq 0 9); do worker "$w" "$1" > "$T/worker-$w.out" 2>&1 & pids+=($!); done
        for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
        echo "$failed"
}
is "$(many 5)" 0 "warm-up: 50 lifecycles in 10 workers"
fds0=$(fds) rss0=$(rss)
t0=$(now_s)
is "$(many 100)" 0 "1,000 lifecycles in 10 workers" || diag "$(cat "$T"/worker-*.out)"
diag "1,000 lifecycles in $(elapsed_s "$t0") s; sysctrd: fds $fds0 -> $(fds), RSS $rss0 -> $(rss) KiB"
is "$(fds)" "$fds0" "sysctrd holds as many open files as before"
cmp_ok "$(( $(rss) - rss0 ))" '<=' 1024 "sysctrd's RSS grew by at most 1 MiB"
is "$(ls "$SYSCTR_STATE_DIR/containers")" "" "nothing is left of them"
