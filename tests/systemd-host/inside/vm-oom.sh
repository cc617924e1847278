#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Full tier: a process inside a container that allocates past the container's memory limit is
# killed by the kernel's OOM killer inside the container, and the container goes on running (the
# unit is not stopped for it, as systemd's default OOMPolicy=stop would).
. /usr/lib/sysctr-tests/lib-vm.sh

c=oom1
unit=sysctr@$c.service
on_exit "sysctr delete --force $c"

oom_kills() {           # oom_kill of memory.events: hierarchical, so the whole container counts
        sed -n 's/^oom_kill //p' "$(unit_cgroup "$unit")/memory.events" 2>/dev/null
}

ok "create busybox $c --memory 64M" sysctr create busybox "$c" --memory 64M || bail "cannot create $c"
ok "start $c" sysctr start "$c" || { diag_unit "$unit"; bail "cannot start $c"; }
is "$(cat "$(unit_cgroup "$unit")/memory.max")" 67108864 "memory.max of the unit's cgroup is 64M"
leader=$(systemctl show -P MainPID "$unit")
before=$(oom_kills)
cmp_ok "${before:--1}" -ge 0 "memory.events counts OOM kills ($before so far)"

# Within the limit: busybox dd allocates a buffer of bs bytes and fills it from /dev/zero.
run sysctr exec "$c" -- dd if=/dev/zero of=/dev/null bs=16M count=1
is "$rc" 0 "a 16M allocation inside succeeds" || diag "$err"

# Past it: the kernel kills dd with SIGKILL, and sysctr exec reports it as a shell would (128 + 9).
run sysctr exec "$c" -- dd if=/dev/zero of=/dev/null bs=200M count=1
is "$rc" 137 "a 200M allocation inside is killed by SIGKILL (exit status 137)" || diag "$out" "$err"
after=$(oom_kills)
cmp_ok "$((${after:-0} - ${before:-0}))" -ge 1 "memory.events of the unit counts the OOM kill (oom_kill $after)"
like "$(journalctl -k -b --no-pager -g 'Killed process' 2>&1 | tail -n 3)" 'Killed process [0-9]+ \(dd\)' \
        "the kernel log names the process it killed: dd"

# The container is unharmed.
sleep 1
is "$(systemctl is-active "$unit")" active "$unit is still active"
is "$(systemctl show -P MainPID "$unit")" "$leader" "its agent is the same process"
run sysctr info "$c"
like "$out" '^state: *running' "sysctr info: the container is still running"
ok "sysctr exec $c true works after the OOM kill" sysctr exec "$c" -- true
run sysctr exec "$c" -- cat /proc/1/comm
is "$out" init "the container's init is still PID 1"
run sysctr exec "$c" -- dd if=/dev/zero of=/dev/null bs=16M count=1
is "$rc" 0 "a 16M allocation inside works again"

ok "stop $c" sysctr stop "$c"
