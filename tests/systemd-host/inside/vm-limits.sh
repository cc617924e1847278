#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Full tier (in the VM, systemd as PID 1, cgroup2 with controllers): a container's limits are unit
# properties (MemoryMax=, CPUQuota=, TasksMax=), land in the unit's cgroup, change live with
# "sysctr set", survive a restart, and "sysctr info" shows them with the current usage.
. /usr/lib/sysctr-tests/lib-vm.sh

c=lim1
unit=sysctr@$c.service
on_exit "sysctr delete --force $c"

prop() { systemctl show -P "$1" "$unit"; }
cgfile() { cat "$(unit_cgroup "$unit")/$1" 2>&1; }

ok "create busybox $c --memory 64M --cpus 0.5 --pids 100" \
        sysctr create busybox "$c" --memory 64M --cpus 0.5 --pids 100 || bail "cannot create $c"
is "$(prop MemoryMax)" 67108864 "MemoryMax= of $unit is 64M"
is "$(prop CPUQuotaPerSecUSec)" 500ms "CPUQuota= of $unit is 50% (0.5 CPUs)"
is "$(prop TasksMax)" 100 "TasksMax= of $unit is 100"

ok "start $c" sysctr start "$c" || { diag_unit "$unit"; bail "cannot start $c"; }
is "$(systemctl is-active "$unit")" active "$unit is active"
is "$(cgfile memory.max)" 67108864 "memory.max of the unit's cgroup is 64M"
is "$(cgfile cpu.max)" "50000 100000" "cpu.max of the unit's cgroup is 50ms per 100ms"
is "$(cgfile pids.max)" 100 "pids.max of the unit's cgroup is 100"

# Live: the container keeps running (same init) while its limits change.
leader=$(systemctl show -P MainPID "$unit")
ok "sysctr set $c memory=128M" sysctr set "$c" memory=128M
is "$(cgfile memory.max)" 134217728 "memory.max is 128M at once, while the container runs"
is "$(prop MemoryMax)" 134217728 "MemoryMax= of the unit is 128M"
ok "sysctr set $c cpus=1 pids=200" sysctr set "$c" cpus=1 pids=200
is "$(cgfile cpu.max)" "100000 100000" "cpu.max is one CPU at once"
is "$(cgfile pids.max)" 200 "pids.max is 200 at once"
is "$(systemctl show -P MainPID "$unit")" "$leader" "the container was not restarted for it"
ok "$c still runs commands" sysctr exec "$c" -- true

# Kept: in systemd's persistent drop-ins (and the container's config), not only in the cgroup.
ok "systemctl daemon-reload" systemctl daemon-reload
is "$(prop MemoryMax)" 134217728 "MemoryMax= is still 128M after a daemon-reload"
ok "sysctr restart $c" sysctr restart "$c" || diag_unit "$unit"
is "$(cgfile memory.max)" 134217728 "memory.max is still 128M after the restart"
is "$(cgfile cpu.max)" "100000 100000" "cpu.max is still one CPU after the restart"
is "$(cgfile pids.max)" 200 "pids.max is still 200 after the restart"

# What a user reads: the limits and what the container uses now.
run sysctr info "$c"
is "$rc" 0 "sysctr info $c"
# e.g. "Memory: 128M (current 912.0K)", "CPUs: 1", "Tasks: 200 (current 3)", "CPUTime: 0.6s"
like "$out" '^memory[^:]*: *(128(\.0)? ?M|134217728)' "info shows the memory limit (128M)"
like "$out" '^cpus?[^:]*: *(1(\.0+)?|100%)( |$)' "info shows the CPU limit (1 CPU)"
like "$out" '^(pids|tasks)[^:]*: *200( |$)' "info shows the task limit (200)"
like "$out" '^memory[^:]*:.*(current|used|usage)[: ]+[0-9.]+ ?[KMGT]?' "info shows the memory in use"
like "$out" '^cpu[^:]*:.*[0-9.]+ ?(n|u|m)?s(\)| |$)' "info shows the CPU time used"
like "$out" '^(pids|tasks)[^:]*:.*(current|used)[: ]+[0-9]+' "info shows the tasks in use"

# "infinity" removes a limit (docs/dbus-api.md).
ok "sysctr set $c memory=infinity" sysctr set "$c" memory=infinity
is "$(cgfile memory.max)" max "memory.max is 'max' again"
is "$(prop MemoryMax)" infinity "MemoryMax= of the unit is infinity"
