#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tiers: container vm
# Autostart: "sysctr set NAME autostart=true" and "sysctr create --autostart" enable sysctr@NAME
# (WantedBy=machines.target), false disables it, delete disables it. (That it starts at boot is the
# VM tier's test: it reboots.)
. "$(dirname "$0")/lib.sh"

wants() { echo "/etc/systemd/system/machines.target.wants/$(unit_of "$1")"; }
enabled() { systemctl is-enabled "$(unit_of "$1")" 2>/dev/null; }
config_autostart() { sed -n 's/^autostart: *//p' "$STATE_DIR/containers/$1/config.yaml" 2>/dev/null; }

new_container busybox a1 || bail "cannot create a1"
is "$(enabled a1)" disabled "a new container's unit is not enabled"
is "$(prop a1 Autostart)" false "Autostart is false"

run sysctr set a1 autostart=true
is "$rc" 0 "sysctr set a1 autostart=true" || diag "$err"
is "$(enabled a1)" enabled "sysctr@a1 is enabled"
ok "machines.target wants it" test -L "$(wants a1)"
like "$(systemctl show -P WantedBy "$(unit_of a1)")" "machines\.target" "systemd sees it wanted by machines.target"
is "$(prop a1 Autostart)" true "Autostart is true"
is "$(config_autostart a1)" true "the config says autostart: true"
is "$(systemctl is-enabled machines.target 2>&1)" enabled "machines.target is enabled, so it takes effect at boot"

run sysctr set a1 autostart=false
is "$rc" 0 "sysctr set a1 autostart=false" || diag "$err"
is "$(enabled a1)" disabled "sysctr@a1 is disabled"
ok "machines.target no longer wants it" test ! -e "$(wants a1)"
is "$(prop a1 Autostart)" false "Autostart is false again"

new_container busybox a2 --autostart || bail "cannot create a2 --autostart"
is "$(enabled a2)" enabled "create --autostart enables sysctr@a2"
run sysctr delete a2
is "$rc" 0 "delete a2" || diag "$err"
ok "deleting it disables the unit" test ! -e "$(wants a2)"
