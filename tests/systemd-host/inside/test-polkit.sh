#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tiers: container vm
# Authorization through polkit: a user who is not root may list and read, is refused what changes
# state (no authentication agent: not authorized), and may do it once a polkit rule allows
# org.sysctr1.manage-containers; without the rule, refused again.
. "$(dirname "$0")/lib.sh"
user=sysctr-test
rules=/etc/polkit-1/rules.d/50-sysctr-test.rules
action=org.sysctr1.manage-containers
command -v pkaction >/dev/null || bail "polkit's tools are missing (Debian package polkitd)"

ok "polkit knows the action $action" pkaction --action-id "$action"
for a in org.sysctr1.manage-networks org.sysctr1.manage-volumes; do
        ok "polkit knows the action $a" pkaction --action-id "$a"
done

if id "$user" >/dev/null 2>&1; then
        userdel "$user" || bail "cannot remove the user $user left by an earlier run"
fi
useradd --no-create-home --home-dir /nonexistent --shell /bin/sh "$user" || bail "useradd $user failed"
at_cleanup "rm -f '$rules'; userdel '$user'"
as_user() { timeout -k 5 60 runuser -u "$user" -- /usr/bin/sysctr "$@"; }

# A process of the user, to ask polkit about: its answer changes once it read the rules anew.
# (setpriv execs the command; runuser would stay its parent, a process of root.)
setpriv --reuid="$user" --regid="$user" --init-groups sleep 600 &
subject=$!
polkit_allows() { pkcheck --action-id "$action" --process "$subject" >/dev/null 2>&1; }

new_container busybox p1 || bail "cannot create p1"
run as_user list
is "$rc" 0 "$user may list containers" || diag "$err"
like "$out" "p1" "... and sees p1"
run as_user info p1
is "$rc" 0 "$user may read a container's properties" || diag "$err"
run as_user start p1
isnt "$rc" 0 "$user may not start p1 without authorization"
like "$err" "[Aa]uthori[sz]|[Nn]ot allowed|[Pp]ermission|[Dd]enied" "... with a message that says so" || diag "$out"
ok "p1 is still stopped" state_is p1 stopped
ok "... and its unit was not started" eval '! unit_active p1 active'
run as_user create busybox p2
isnt "$rc" 0 "$user may not create a container"
ok "... and none appears" test ! -e "$STATE_DIR/containers/p2"

printf '%s\n' \
        '// Written by the sysctr test suite (test-polkit.sh); removed when it ends.' \
        'polkit.addRule(function(action, subject) {' \
        "        if (action.id == \"$action\" && subject.user == \"$user\")" \
        '                return polkit.Result.YES;' \
        '});' > "$rules"
ok "polkitd reads the rule" wait_for 15 polkit_allows
run as_user start p1
is "$rc" 0 "with the rule, $user may start p1" || diag "$err"
ok "p1 runs" state_is p1 running
ok "p1's unit is active" unit_active p1 active
run as_user stop p1
is "$rc" 0 "with the rule, $user may stop p1" || diag "$err"
ok "p1 is stopped" state_is p1 stopped

rm -f "$rules"
ok "polkitd forgets the rule" wait_for 15 eval '! polkit_allows'
run as_user start p1
isnt "$rc" 0 "without the rule, $user is refused again"
ok "p1 is still stopped" state_is p1 stopped
