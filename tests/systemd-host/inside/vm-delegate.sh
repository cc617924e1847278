#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Full tier: a container's unit has Delegate=yes; the agent splits the unit's cgroup into
# supervisor/ (itself) and payload/ (the container), leaves the unit's own cgroup without processes
# and enables the controllers for payload/, so that the guest sees memory and pids in its cgroup
# tree and can manage it.
. /usr/lib/sysctr-tests/lib-vm.sh

c=dlg1
unit=sysctr@$c.service
on_exit "sysctr delete --force $c"

ok "create busybox $c --memory 256M --pids 500" sysctr create busybox "$c" --memory 256M --pids 500 ||
        bail "cannot create $c"
ok "start $c" sysctr start "$c" || { diag_unit "$unit"; bail "cannot start $c"; }
cg=$(unit_cgroup "$unit")
like "$cg" "^/sys/fs/cgroup/machine.slice/sysctr@$c.service$" "the unit's cgroup is in machine.slice ($cg)"
is "$(systemctl show -P Delegate "$unit")" yes "$unit has Delegate=yes"
ok "the unit's cgroup has supervisor/" test -d "$cg/supervisor"
ok "the unit's cgroup has payload/" test -d "$cg/payload"
is "$(cat "$cg/cgroup.procs")" "" "the unit's own cgroup holds no process"

agent=$(systemctl show -P MainPID "$unit")
run sysctr info "$c"
leader=$(printf '%s\n' "$out" | sed -n 's/^Leader: *//p')
is "$(cat "/proc/$agent/cgroup")" "0::/machine.slice/$unit/supervisor" "the agent ($agent) is in supervisor/"
like "$(cat "/proc/$leader/cgroup" 2>&1)" "^0::/machine.slice/$unit/payload(/.*)?$" \
        "the container's init ($leader) is in payload/"

ctl=$(cat "$cg/payload/cgroup.controllers" 2>&1)
like "$ctl" '(^| )memory( |$)' "payload/ has the memory controller ($ctl)"
like "$ctl" '(^| )pids( |$)' "payload/ has the pids controller"
like "$(cat "$cg/cgroup.subtree_control")" 'memory.*pids|pids.*memory' \
        "the unit's cgroup enables memory and pids for its children"

# The guest's view: its own cgroup namespace rooted at payload/, with the controllers, writable.
run sysctr exec "$c" -- cat /proc/self/cgroup
is "$out" "0::/" "inside, the container's cgroup is the root of its own namespace"
run sysctr exec "$c" -- cat /sys/fs/cgroup/cgroup.controllers
like "$out" '(^| )memory( |$)' "inside, /sys/fs/cgroup lists the memory controller" || diag "$err"
like "$out" '(^| )pids( |$)' "inside, /sys/fs/cgroup lists the pids controller"
ok "inside, the guest can make a cgroup of its own" sysctr exec "$c" -- mkdir /sys/fs/cgroup/probe
ok "... and see it from the host in payload/" test -d "$cg/payload/probe"
ok "... and remove it" sysctr exec "$c" -- rmdir /sys/fs/cgroup/probe
is "$(cat "$cg/memory.max")" 268435456 "the limit sits on the unit's cgroup, out of the guest's reach (256M)"

# systemd sees the same tree: "systemctl status" shows both parts.
run systemctl status --no-pager "$unit"
like "$out" 'supervisor' "systemctl status shows supervisor/"
like "$out" 'payload' "systemctl status shows payload/"

ok "stop $c" sysctr stop "$c"
ok "the unit's cgroup is gone after the stop" wait_for 10 test ! -d "$cg"
