#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tiers: container vm
# Logs: the agent's and the manager's messages are in the journal with the container's name in a
# field of its own (SYSCTR_CONTAINER=); "sysctr logs NAME" shows the unit's and the guest's messages
# and "sysctr logs -f" follows them.
. "$(dirname "$0")/lib.sh"

# journal_has WHAT MATCHES...: journalctl finds at least one message for MATCHES (flushed first).
journal_has() {
        shift
        [ -n "$(journalctl -q --no-pager -o cat "$@" 2>/dev/null | head -n 1)" ]
}

new_container busybox j1 || bail "cannot create j1"
unit=$(unit_of j1)
run systemctl start "$unit"
is "$rc" 0 "systemctl start $unit" || { diag "$err"; bail "cannot start j1"; }
ok "the agent's messages carry SYSCTR_CONTAINER=j1" wait_for 10 journal_has agent \
        SYSCTR_CONTAINER=j1 _SYSTEMD_UNIT="$unit"
run systemctl stop "$unit"
run sysctr start j1
is "$rc" 0 "sysctr start j1" || diag "$err"
ok "the manager's messages carry SYSCTR_CONTAINER=j1" wait_for 10 journal_has manager \
        SYSCTR_CONTAINER=j1 _SYSTEMD_UNIT=sysctrd.service
run journalctl -q --no-pager SYSCTR_CONTAINER=j1
diag "journalctl SYSCTR_CONTAINER=j1:" "$(printf '%s\n' "$out" | tail -n 8)"
units=$(journalctl -q --no-pager -o json --output-fields=_SYSTEMD_UNIT SYSCTR_CONTAINER=j1 |
        grep -o '"_SYSTEMD_UNIT":"[^"]*"' | cut -d '"' -f 4 | sort -u | grep -vxF -e "$unit" -e sysctrd.service)
is "$units" "" "the messages with SYSCTR_CONTAINER=j1 come from j1's unit and sysctrd only"

# One line the agent logged: "sysctr logs" must show it (whatever its wording).
agent_line=$(journalctl -q --no-pager -o cat SYSCTR_CONTAINER=j1 _SYSTEMD_UNIT="$unit" | tail -n 1)
run sysctr logs j1
is "$rc" 0 "sysctr logs j1" || diag "$err"
ok "sysctr logs j1 shows the unit's messages" eval 'printf "%s\n" "$out" | grep -qF -- "$agent_line"' ||
        diag "looked for: $agent_line" "in: $(printf '%s\n' "$out" | tail -n 10)"
run sysctr logs nosuchcontainer
isnt "$rc" 0 "sysctr logs of an unknown container fails"
run sysctr stop j1

if ! have_debian_image; then
        skip "sysctr logs shows the guest's journal: needs a Debian guest (no debian image here)"
        skip "sysctr logs -f: needs a Debian guest"
        exit 0
fi

new_container debian j2 || bail "cannot create j2"
run sysctr start j2
is "$rc" 0 "sysctr start j2 (Debian)" || diag "$err"
marker="sysctr-test-$$-$RANDOM"
sysctr exec j2 -- logger -t sysctr-test "$marker"
ok "sysctr logs j2 shows a message logged in the guest" wait_for 15 eval \
        "sysctr logs j2 2>/dev/null | grep -qF -- '$marker'"
agent_line=$(journalctl -q --no-pager -o cat SYSCTR_CONTAINER=j2 _SYSTEMD_UNIT=sysctr@j2.service | tail -n 1)
run sysctr logs j2
ok "... and the unit's messages" eval 'printf "%s\n" "$out" | grep -qF -- "$agent_line"' ||
        diag "looked for: $agent_line"

# Follow: a message logged after "sysctr logs -f" started shows up while it runs.
follow=$(mktemp /tmp/sysctr-logs.XXXXXX)
at_cleanup "rm -f '$follow'"
timeout 60 /usr/bin/sysctr logs -f j2 >"$follow" 2>&1 &
fpid=$!
ok "sysctr logs -f prints what is there" wait_for 10 test -s "$follow"
marker2="sysctr-test-follow-$$-$RANDOM"
sysctr exec j2 -- logger -t sysctr-test "$marker2"
ok "sysctr logs -f shows a new guest message as it comes" wait_for 15 grep -qF -- "$marker2" "$follow"
ok "sysctr logs -f is still following" pid_alive "$fpid"
kill "$fpid" 2>/dev/null
wait "$fpid" 2>/dev/null
run sysctr stop j2
is "$rc" 0 "sysctr stop j2" || diag "$err"
