#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Full tier, across a reboot of the VM: "sysctr create --autostart" enables the container's unit
# (WantedBy=machines.target), and after the reboot it runs; a container that cannot start does not
# hold up the boot (the system ends "degraded", its unit "failed"); one without autostart stays
# stopped. Boot 1 sets up and asks for the reboot; boot 2 checks. (Named so that it runs last.)
. /usr/lib/sysctr-tests/lib-vm.sh

good=boot1 bad=bootfail1 off=bootoff1

boot_1() {
        ok "create busybox $good --autostart" sysctr create busybox "$good" --autostart
        ok "create busybox $bad --autostart --init /nonexistent" \
                sysctr create busybox "$bad" --autostart --init /nonexistent
        ok "create busybox $off" sysctr create busybox "$off"
        is "$(systemctl is-enabled "sysctr@$good.service" 2>&1)" enabled "sysctr@$good is enabled"
        is "$(systemctl is-enabled "sysctr@$bad.service" 2>&1)" enabled "sysctr@$bad is enabled"
        is "$(systemctl is-enabled "sysctr@$off.service" 2>&1)" disabled "sysctr@$off is not enabled"
        run sysctr info "$good"
        like "$out" '^autostart: *(yes|true)' "sysctr info shows Autostart: yes"
        ok "the enablement is a link in machines.target.wants" \
                test -L "/etc/systemd/system/machines.target.wants/sysctr@$good.service"
        # "sysctr set NAME autostart=..." turns it off and on again.
        ok "sysctr set $good autostart=false" sysctr set "$good" autostart=false
        is "$(systemctl is-enabled "sysctr@$good.service" 2>&1)" disabled "... disables the unit"
        ok "sysctr set $good autostart=true" sysctr set "$good" autostart=true
        is "$(systemctl is-enabled "sysctr@$good.service" 2>&1)" enabled "... and enables it again"
        request_reboot
}

boot_2() {
        on_exit "sysctr delete --force $good $bad $off"
        local s
        # The runner waited for the boot to settle before running us.
        s=$(systemctl is-system-running 2>&1)
        like "$s" '^(running|degraded)$' "the boot finished despite the failing container ($s)"
        is "$(systemctl list-jobs --no-legend 2>&1)" "" "no boot job is left waiting"
        ok "systemd-analyze: startup finished" systemd-analyze time
        is "$(systemctl is-active machines.target)" active "machines.target is active"

        is "$(systemctl is-active "sysctr@$good.service")" active "sysctr@$good was started at boot" ||
                diag_unit "sysctr@$good.service"
        run sysctr list
        like "$out" "^$good +running" "sysctr list shows $good running" || diag "$err"
        run sysctr exec "$good" -- cat /proc/1/comm
        is "$out" init "$good runs its init"

        is "$(systemctl is-active "sysctr@$bad.service")" failed "sysctr@$bad failed at boot" ||
                diag_unit "sysctr@$bad.service"
        like "$(systemctl --failed --no-legend --plain 2>&1)" "sysctr@$bad.service" \
                "systemctl --failed lists sysctr@$bad"
        run sysctr info "$bad"
        like "$out" '^state: *(failed|stopped)' "sysctr info: $bad is not running"

        is "$(systemctl is-active "sysctr@$off.service")" inactive "sysctr@$off (no autostart) was not started"
        run sysctr info "$off"
        like "$out" '^state: *stopped' "sysctr info: $off is stopped"
}

case "$SYSCTR_VM_BOOT" in
1) boot_1 ;;
2) boot_2 ;;
*) bail "unexpected boot $SYSCTR_VM_BOOT" ;;
esac
