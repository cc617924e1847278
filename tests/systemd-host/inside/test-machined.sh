#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tiers: container vm
# Registration with systemd-machined: "machinectl list/status" show the container (class container,
# service sysctr, its unit and leader); with a Debian guest, "machinectl shell", "systemd-run -M",
# "systemctl -M" and "journalctl -M" work; the machine is gone once the container stops.
. "$(dirname "$0")/lib.sh"
command -v machinectl >/dev/null || bail "machinectl is missing (Debian package systemd-container)"

if have_debian_image; then
        n=d1 template=debian
else
        n=m1 template=busybox
        diag "no debian image: machinectl shell and the -M tools are skipped"
fi
new_container "$template" "$n" || bail "cannot create $n"
unit=$(unit_of "$n")
# machinectl 252 has no -P.
machine_prop() { machinectl show "$1" -p "$2" --value 2>&1; }
run systemctl start "$unit"
is "$rc" 0 "systemctl start $unit" || { diag "$err" "$(journalctl -u "$unit" -n 30 --no-pager)"; bail "cannot start $n"; }
leader=$(leader_of "$n")
if [ "$template" = debian ]; then
        # The agent's READY=1 follows the guest's own: when start returns, the guest has booted.
        run sysctr exec "$n" -- systemctl is-system-running
        is "$out" running "the guest is running when systemctl start returns (no --wait)"
fi

# --- registration
run machinectl list --no-legend --no-pager
like "$out" "^ *$n +container +sysctr( |$)" "machinectl list shows $n, class container, service sysctr"
is "$(machine_prop "$n" Class 2>&1)" container "the machine's class is container"
is "$(machine_prop "$n" Service 2>&1)" sysctr "the machine's service is sysctr"
is "$(machine_prop "$n" Leader 2>&1)" "$leader" "the machine's leader is the container's init"
is "$(machine_prop "$n" Unit 2>&1)" "$unit" "the machine's unit is $unit"
is "$(machine_prop "$n" Id 2>&1)" "$(prop "$n" Id | tr -d -)" "the machine's ID is the container's UUID"
run machinectl status --no-pager "$n"
is "$rc" 0 "machinectl status $n" || diag "$err"
like "$out" "$unit" "machinectl status names the unit"

# --- the tools that reach into the guest through machined
if [ "$template" = debian ]; then
        # machinectl shell ends the session as soon as its stdin ends (systemd 252), before the
        # guest's output arrives: with the tests' stdin at /dev/null (CI) it would print nothing.
        # Give it a stdin that stays open, as a terminal would.
        run timeout 60 machinectl shell "$n" /bin/sh -c 'echo "shell in $(hostname)"' < <(sleep 60)
        like "$out" "shell in $n" "machinectl shell $n runs a command in the guest" || diag "$err"
        run systemctl -M "$n" is-system-running
        is "$out" running "systemctl -M $n is-system-running" || diag "$err"
        run timeout 60 systemd-run -M "$n" --wait --quiet /bin/true
        is "$rc" 0 "systemd-run -M $n --wait true" || diag "$err"
        # --collect: the failed transient unit must not leave the guest "degraded".
        run timeout 60 systemd-run -M "$n" --wait --quiet --collect /bin/sh -c 'exit 3'
        is "$rc" 3 "systemd-run -M $n returns the guest command's status"
        # A measurement for bench/bench-exec.sh (no assertion): the median of 10 runs of each way
        # to run "true" in the guest, on this systemd host.
        med() { sort -n | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); printf "%.3f", (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'; }
        for i in 1 2 3 4 5 6 7 8 9 10; do
                t0=$EPOCHREALTIME; sysctr exec "$n" -- true; awk -v a="$EPOCHREALTIME" -v b="$t0" "BEGIN { print a - b }" >> /tmp/sx.$$
                t0=$EPOCHREALTIME; systemd-run -M "$n" --wait --quiet --collect /bin/true; awk -v a="$EPOCHREALTIME" -v b="$t0" "BEGIN { print a - b }" >> /tmp/sr.$$
        done 2>/dev/null
        diag "exec of true, median of 10: sysctr exec $(med < /tmp/sx.$$) s, systemd-run -M $(med < /tmp/sr.$$) s"
        rm -f /tmp/sx.$$ /tmp/sr.$$
        marker="sysctr-test-$$-$RANDOM"
        run sysctr exec "$n" -- logger -t sysctr-test "$marker"
        ok "journalctl -M $n shows a message logged in the guest" wait_for 15 eval \
                "journalctl -M '$n' -q --no-pager -t sysctr-test | grep -q '$marker'"
else
        for t in "machinectl shell" "systemd-run -M" "systemctl -M" "journalctl -M"; do
                skip "$t: needs a Debian guest (no debian image on this host)"
        done
fi

# --- unregistered on stop, through either path
run systemctl stop "$unit"
is "$rc" 0 "systemctl stop $unit" || diag "$err"
ok "$n is unregistered after systemctl stop" wait_for 10 eval "! machine_known '$n'"
run machinectl list --no-legend --no-pager
unlike "$out" "^ *$n " "machinectl list no longer shows $n"
run sysctr start "$n"
is "$rc" 0 "sysctr start $n" || diag "$err"
ok "$n is registered again" wait_for 10 machine_known "$n"
is "$(machine_prop "$n" Leader 2>&1)" "$(leader_of "$n")" "... with the new leader"
run sysctr stop "$n"
is "$rc" 0 "sysctr stop $n" || diag "$err"
ok "$n is unregistered after sysctr stop" wait_for 10 eval "! machine_known '$n'"
