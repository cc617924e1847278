#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Settings through the CLI: "create --memory/--cpus/--pids/--bind" and "sysctr set" (SetContainer).
# They land in config.yaml and "sysctr info"; limits reach the cgroup files of a running busybox
# container at once (on a hybrid host the v1 memory, pids and cpu hierarchies, on a cgroup2 host
# memory.max, pids.max, cpu.max); a process past the memory limit is OOM-killed and the container
# keeps running; bad values are refused by the CLI naming them, before anything changes; autostart
# containers start when sysctrd starts (standalone mode); binds show host directories inside,
# read-only with ":ro"; "sysctr logs" shows the agent's log (and a systemd guest's journal).
. "$(dirname "$0")/lib.sh"
require_root
setup_instance

# --- where the limits of a running container are, on this host
CG2=$(_cg2_mount)
if [ -n "$CG2" ] && grep -qw memory "$CG2/cgroup.controllers" 2>/dev/null; then
        CGV=2
elif [ "$(stat -f -c %T /sys/fs/cgroup/memory 2>/dev/null)" = cgroupfs ]; then
        CGV=1
else
        CGV=
fi
diag "limits through cgroup v${CGV:-? (none: the live checks are skipped)}"

# limit NAME memory|pids|cpu: the limit in force (bytes, tasks, µs of CPU per 100 ms), "max" if none
limit() {
        local d v
        if [ "$CGV" = 2 ]; then
                d=$(unit_cgroup "$1")
                case $2 in
                memory) v=$(cat "$d/memory.max") ;;
                pids) v=$(cat "$d/pids.max") ;;
                cpu) v=$(cut -d ' ' -f 1 "$d/cpu.max") ;;
                esac
        else
                d="/sys/fs/cgroup/$2/$CG_NAME/sysctr@$1.service"
                case $2 in
                memory) v=$(cat "$d/memory.limit_in_bytes")
                        [ "${v:-0}" -lt 4611686018427387904 ] || v=max ;;
                pids) v=$(cat "$d/pids.max") ;;
                cpu) v=$(cat "$d/cpu.cfs_quota_us")
                     [ "$v" != -1 ] || v=max ;;
                esac
        fi 2>/dev/null
        echo "$v"
}

info_line() { printf '%s\n' "$out" | grep -E "^$1:"; }       # after "run sysctr info NAME"

# --- create with limits
run sysctr create busybox t1 --memory 64M --cpus 0.5 --pids 100
is "$rc" 0 "create t1 --memory 64M --cpus 0.5 --pids 100" || diag "$err"
is "$(config_field t1 memory)" 64M "config.yaml: memory: 64M"
is "$(config_field t1 cpus)" 0.5 "config.yaml: cpus: 0.5"
is "$(config_field t1 pids)" 100 "config.yaml: pids: 100"
run sysctr info t1
is "$(info_line Memory)" "Memory: 64M" "info: Memory: 64M (no usage while stopped)"
is "$(info_line CPUs)" "CPUs: 0.5" "info: CPUs: 0.5"
is "$(info_line Tasks)" "Tasks: 100" "info: Tasks: 100"
run sysctr info t1 --json
is "$(printf '%s' "$out" | json_query 'field(j, "memory_max")')" 67108864 "info --json: memory_max"
is "$(printf '%s' "$out" | json_query 'field(j, "cpus")')" 0.5 "info --json: cpus"
is "$(printf '%s' "$out" | json_query 'field(j, "tasks_max")')" 100 "info --json: tasks_max"
is "$(printf '%s' "$out" | json_query 'field(j, "memory_current")')" "" \
        "info --json: no memory_current while stopped"

run sysctr create busybox t0
run sysctr info t0
is "$(info_line Memory)" "Memory: no limit" "info without limits: Memory: no limit"
is "$(info_line Tasks)" "Tasks: no limit" "info without limits: Tasks: no limit"

# --- bad values: refused by the CLI, naming the value, nothing created
listing() { ls -A "$SYSCTR_STATE_DIR/containers" "$SYSCTR_STATE_DIR/images" 2>&1; }
before=$(listing)
for bad in "--memory 12X" "--memory 0" "--cpus 0" "--cpus 1.2345" "--cpus x" "--pids -1" "--pids 0" \
           "--bind relative:/x" "--bind /a:/proc" "--bind /a:/" "--bind /a:/b:rx" "--bind /a/../b:/c"; do
        opt=${bad%% *} val=${bad#* }
        run sysctr create busybox bad1 "$opt" "$val"
        is "$rc" 1 "create $bad fails with 1"
        ok "create $bad: the message names '$val'" mentions "$err" "$val"
done
is "$(listing)" "$before" "nothing was created by the refused creates"

# --- set: live on a running container
run sysctr start t1
is "$rc" 0 "start t1" || bail "t1 does not start: $err"
if [ -n "$CGV" ]; then
        is "$(limit t1 memory)" 67108864 "the memory limit of running t1 is 64M"
        is "$(limit t1 pids)" 100 "the task limit of running t1 is 100"
        is "$(limit t1 cpu)" 50000 "the CPU quota of running t1 is 50 ms per 100 ms"
fi
run sysctr info t1
like "$(info_line Memory)" '^Memory: 64M \(current [0-9.]+[BKMG]\)$' "info while running: memory and usage"
like "$(info_line Tasks)" '^Tasks: 100 \(current [0-9]+\)$' "info while running: tasks and usage"
like "$(info_line CPUTime)" '^CPUTime: [0-9]+\.[0-9]s$' "info while running: the CPU time used"

cfg="$SYSCTR_STATE_DIR/containers/t1/config.yaml"
run sysctr set t1 memory=128M cpus=1.5 pids=200
is "$rc" 0 "set t1 memory=128M cpus=1.5 pids=200" || diag "$err"
is "$(config_field t1 memory)" 128M "config.yaml: memory: 128M"
is "$(config_field t1 cpus)" 1.5 "config.yaml: cpus: 1.5"
is "$(config_field t1 pids)" 200 "config.yaml: pids: 200"
if [ -n "$CGV" ]; then
        is "$(limit t1 memory)" 134217728 "the memory limit changed live to 128M"
        is "$(limit t1 pids)" 200 "the task limit changed live to 200"
        is "$(limit t1 cpu)" 150000 "the CPU quota changed live to 1.5 CPUs"
fi
run sysctr info t1
like "$(info_line Memory)" '^Memory: 128M \(' "info: Memory: 128M"
is "$(info_line CPUs | sed 's/ (.*//')" "CPUs: 1.5" "info: CPUs: 1.5"

run sysctr set t1 memory=infinity
is "$rc" 0 "set t1 memory=infinity" || diag "$err"
is "$(config_field t1 memory)" "" "config.yaml has no memory limit any more"
[ -z "$CGV" ] || is "$(limit t1 memory)" max "the memory limit is gone from the cgroup"
is "$(limit t1 pids)" 200 "the other limits stay"
run sysctr info t1
like "$(info_line Memory)" '^Memory: no limit \(current ' "info: Memory: no limit"

# --- bad keys and values change nothing: the CLI refuses them, sysctrd checks everything first
cp "$cfg" "$T/t1.config.before"
# ARGUMENT|what the message must name
for bad in "bogus=1|bogus" "memory=12X|12X" "cpus=0|0" "pids=-1|-1" "autostart=maybe|maybe" \
           "stop-signal=SIGFOO|SIGFOO" "stop-timeout=0|0" "bind=relative:/x|relative:/x" "memory|memory"; do
        run sysctr set t1 hostname=other "${bad%|*}"
        is "$rc" 1 "set t1 hostname=other ${bad%|*} fails with 1"
        ok "set ${bad%|*}: the message names '${bad#*|}'" mentions "$err" "${bad#*|}"
done
ok "config.yaml is byte for byte what it was" cmp "$cfg" "$T/t1.config.before"
is "$(limit t1 pids)" 200 "the task limit did not change"
# Past the CLI: one SetContainer call with a good and a bad value changes nothing.
o=$(busctl --system call org.sysctr1 /org/sysctr1 org.sysctr1.Manager SetContainer 'sa{sv}' t1 2 \
        pids t 300 memory s 12X 2>&1)
isnt "$?" 0 "SetContainer with pids=300 and memory=12X fails" || diag "$o"
ok "config.yaml is unchanged after the refused SetContainer" cmp "$cfg" "$T/t1.config.before"
is "$(limit t1 pids)" 200 "the task limit did not change either"

# --- OOM: a process past the memory limit is killed, the container keeps running
run sysctr set t1 memory=64M
is "$rc" 0 "set t1 memory=64M" || diag "$err"
leader=$(leader_of t1)
if [ -n "$CGV" ]; then
        run sysctr exec t1 -- dd if=/dev/zero of=/dev/null bs=200M count=1
        is "$rc" 137 "dd with a 200M buffer is killed (137)" || diag "$err"
        is "$(container_state t1)" running "t1 keeps running after the OOM kill"
        is "$(leader_of t1)" "$leader" "its init is still the same process"
        run sysctr exec t1 -- dd if=/dev/zero of=/dev/null bs=8M count=1
        is "$rc" 0 "dd with an 8M buffer runs"
else
        skip "no memory controller on this host: OOM not tested"
fi

# --- autostart: sysctrd starts the container when it starts (standalone: its "boot")
run sysctr set t0 autostart=true
is "$rc" 0 "set t0 autostart=true" || diag "$err"
is "$(config_field t0 autostart)" true "config.yaml: autostart: true"
run sysctr info t0
is "$(info_line Autostart)" "Autostart: yes" "info: Autostart: yes"
is "$(container_state t0)" stopped "setting autostart does not start t0"
stop_sysctrd
start_sysctrd
ok "t0 is started when sysctrd starts" wait_for 30 state_is t0 running
is "$(container_state t1)" running "t1 (no autostart) still runs"
is "$(leader_of t1)" "$leader" "t1 was not touched by the restart of sysctrd"
run sysctr set t0 autostart=false
is "$(config_field t0 autostart)" false "set t0 autostart=false"

# --- binds (t2 is unprivileged: a plain bind shows host owners through its ID mapping, an idmap
# bind shows host root's files as its root's)
src="$T/bind-src" rosrc="$T/bind-ro" plain="$T/bind-plain"
mkdir -p "$src" "$rosrc" "$plain" && echo hello-from-host > "$src/file" && echo read-only > "$rosrc/file"
echo root-owned > "$plain/root-file" && echo mapped > "$plain/mapped-file"
run sysctr create busybox t2 --bind "$src:/mnt/data:idmap" --bind "$rosrc:/mnt/ro:ro" --bind "$plain:/mnt/plain"
is "$rc" 0 "create t2 with three binds" || diag "$err"
binds=$(sed -n '/^binds:/,/^[^ -]/p' "$SYSCTR_STATE_DIR/containers/t2/config.yaml")
ok "config.yaml lists $src:/mnt/data:idmap" mentions "$binds" "$src:/mnt/data:idmap"
ok "config.yaml lists $rosrc:/mnt/ro:ro" mentions "$binds" "$rosrc:/mnt/ro:ro"
base=$(config_field t2 id-base)
like "$base" '^[0-9]+$' "t2 has an id-base ($base)"
chown "$((base + 1000)):$((base + 1000))" "$plain/mapped-file"
run sysctr start t2
is "$rc" 0 "start t2" || diag "$err" "$(tail -n 20 "$SYSCTR_LOG_DIR/t2.log" 2>/dev/null)"
run sysctr exec t2 -- cat /mnt/data/file
is "$out" hello-from-host "the host's file shows in /mnt/data" || diag "$err"
run sysctr exec t2 -- stat -c '%u:%g' /mnt/data/file
is "$out" 0:0 "through the idmap bind, host root's file is the container root's"
run sysctr exec t2 -- sh -c 'echo from-guest > /mnt/data/new'
is "$rc" 0 "the guest writes to /mnt/data" || diag "$err"
is "$(cat "$src/new" 2>/dev/null)" from-guest "the host sees what the guest wrote"
is "$(stat -c '%u:%g' "$src/new" 2>/dev/null)" 0:0 "... owned by host root (the idmap bind maps it back)"
run sysctr exec t2 -- stat -c '%u:%g' /mnt/plain/root-file /mnt/plain/mapped-file
is "$out" "65534:65534
1000:1000" "through a plain bind, host root's file is nobody's, a file of a mapped ID its user's"
run sysctr exec t2 -- sh -c 'echo x >> /mnt/plain/root-file'
isnt "$rc" 0 "the guest's root cannot write host root's file through a plain bind"
is "$(cat "$plain/root-file")" root-owned "... which is unchanged"
run sysctr exec t2 -- cat /mnt/ro/file
is "$out" read-only "the read-only bind shows the host's file"
run sysctr exec t2 -- sh -c 'echo x > /mnt/ro/new'
isnt "$rc" 0 "writing to the read-only bind fails"
ok "nothing was written to the read-only source" test ! -e "$rosrc/new"
run sysctr set t2 bind=
is "$rc" 0 "set t2 bind= (remove all binds)" || diag "$err"
ok "config.yaml has no binds any more" \
        eval "! grep -q '^binds:' '$SYSCTR_STATE_DIR/containers/t2/config.yaml'"
run sysctr set t2 "bind=$src:/mnt/a" "bind=$rosrc:/mnt/b:ro"
binds=$(sed -n '/^binds:/,/^[^ -]/p' "$SYSCTR_STATE_DIR/containers/t2/config.yaml")
ok "set with two bind= keys: the first is kept" mentions "$binds" "$src:/mnt/a"
ok "set with two bind= keys: the second is kept" mentions "$binds" "$rosrc:/mnt/b:ro"

# --- logs (standalone: the agent's log file)
run sysctr logs t1
is "$rc" 0 "logs t1" || diag "$err"
like "$out" 'Container started' "logs t1 shows the agent's \"Container started\""
run sysctr logs t1 -n 1
is "$(printf '%s\n' "$out" | grep -c .)" 1 "logs -n 1 shows one line"
run sysctr logs nosuch1
isnt "$rc" 0 "logs of an unknown container fails"
ok "the message names it" mentions "$err" nosuch1
run sysctr create busybox t3
run sysctr logs t3
is "$rc$out" 0 "logs of a container that never ran: nothing, status 0"

"$top_builddir/sysctr" logs -f t2 > "$T/follow.out" 2>&1 &
follow_pid=$!
ok "logs -f shows the log so far" wait_for 10 grep -q 'Container started' "$T/follow.out"
lines=$(wc -l < "$T/follow.out")
run sysctr stop t2
ok "logs -f shows what the agent logs on stop" wait_for 10 eval "[ \$(wc -l < '$T/follow.out') -gt $lines ]"
ok "logs -f is still running" pid_alive "$follow_pid"
kill -INT "$follow_pid"
wait "$follow_pid"
is "$?" 0 "logs -f ends with status 0 on SIGINT"

# --- logs of a systemd guest: the agent's log and the guest's journal, while it runs and after
use_cached_image debian bookworm
run sysctr create debian d1
is "$rc" 0 "create debian d1" || diag "$err"
run sysctr start d1
is "$rc" 0 "start d1" || diag "$err"
guest_wait_booted d1 >/dev/null
run sysctr logs d1
is "$rc" 0 "logs d1" || diag "$err"
like "$out" 'Container started' "logs d1 shows the agent's log"
like "$out" '^[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} d1 systemd\[1\]: ' \
        "logs d1 shows the guest's journal in journalctl's short format"
"$top_builddir/sysctr" logs -f -n 0 d1 > "$T/follow-d1.out" 2>&1 &
follow_pid=$!
sleep 0.5
run sysctr exec d1 -- logger -t sysctr-test "hello from the guest"
ok "logs -f shows a message logged in the guest" \
        wait_for 10 grep -q 'd1 sysctr-test\[[0-9]*\]: hello from the guest$' "$T/follow-d1.out"
kill -INT "$follow_pid"
wait "$follow_pid"
is "$?" 0 "logs -f ends with status 0 on SIGINT"
run sysctr stop d1
is "$rc" 0 "stop d1"
run sysctr logs d1
like "$out" 'sysctr-test\[[0-9]+\]: hello from the guest' "logs of the stopped d1 still show its journal"
like "$out" 'Container stopped' "and the agent's log of the stop"
run sysctr logs d1 -n 3
is "$(printf '%s\n' "$out" | grep -c '^[A-Z][a-z][a-z] ')" 3 "logs -n 3: the last three journal entries"
