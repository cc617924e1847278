# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# What the tests that run inside the full tier's VM (tests/systemd-host/inside/vm-*.sh) source: the
# TAP helpers of tests/tap.sh and a few of their own. There, sysctr is installed (/usr), systemd is
# PID 1 and sysctrd is D-Bus activated: the tests drive the real thing with no private instance
# around it, so this file is small on purpose; tests/integration/lib.sh is not in the guest.
#
#       . /usr/lib/sysctr-tests/lib-vm.sh
#       on_exit 'sysctr delete --force t1'      # cleanup, run in reverse order at exit
#       ok "create" sysctr create busybox t1
#       ...                                      # the plan is printed at exit
#
# The runner (vm/vm-run) sets SYSCTR_VM_BOOT to the boot's number (1, 2, ...) and
# SYSCTR_VM_STATE to a directory on the root file system that survives a reboot; a test that needs
# one writes its name to "$SYSCTR_VM_STATE/reboot" (request_reboot) and is run again after it.

export LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin
: "${SYSCTR_VM_BOOT:=1}"
: "${SYSCTR_VM_STATE:=/var/lib/sysctr-tests}"
TEST_NAME=$(basename "$0" .sh)

# TAP: ok, not_ok, is, isnt, like, unlike, cmp_ok, pass, fail, skip, diag, bail, skip_all, installed
# next to this file by vm/mkimage.
# shellcheck source=../../tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh"
# These tests match what sysctr and systemctl print ("Memory: 128M", "autostart: yes") whatever its
# case.
TAP_LIKE_IGNORE_CASE=1
_tap_cleanups=()

# Cleanups run at exit, last registered first; each is bounded and its failure only a diagnostic.
on_exit() { _tap_cleanups+=("$1"); }

_tap_exit() {
        local i o
        for ((i = ${#_tap_cleanups[@]} - 1; i >= 0; i--)); do
                o=$(timeout -k 5 120 bash -c "${_tap_cleanups[i]}" 2>&1) || \
                        diag "cleanup '${_tap_cleanups[i]}' failed:" "$o"
        done
        [ -n "$_tap_skip_all" ] && return
        echo "1..$_tap_n"
        [ "$_tap_failed" -eq 0 ] || exit 1
}
trap _tap_exit EXIT

# Every sysctr call is bounded: a hang fails the test instead of the whole VM run.
sysctr() { timeout -k 5 "${SYSCTR_TEST_TIMEOUT:-300}" /usr/bin/sysctr "$@"; }

# run CMD...: sets $out (stdout), $err (stderr) and $rc without stopping.
# shellcheck disable=SC2034 # for the caller
run() {
        local e
        e=$(mktemp)
        out=$("$@" 2>"$e")
        rc=$?
        err=$(cat "$e")
        rm -f "$e"
}

# wait_for SECONDS CMD...: polls CMD every 0.2 s until it succeeds; non-zero on timeout.
wait_for() {
        local end=$((SECONDS + $1))
        shift
        until "$@" >/dev/null 2>&1; do
                [ "$SECONDS" -lt "$end" ] || return 1
                sleep 0.2
        done
}

# The cgroup2 directory of a unit (empty if the unit has no cgroup).
unit_cgroup() {
        local cg
        cg=$(systemctl show -P ControlGroup "$1" 2>/dev/null)
        [ -n "$cg" ] && echo "/sys/fs/cgroup$cg"
}

# What a test should show when a container misbehaves: its unit's state and the last journal lines.
diag_unit() {
        diag "$(systemctl status --no-pager --lines=0 "$1" 2>&1)"
        diag "$(journalctl -b --no-pager -o short-monotonic -n 30 -u "$1" 2>&1)"
}

# A test that goes on across a reboot asks for it; the runner reboots once every test of this boot
# has run and calls the asking ones again with SYSCTR_VM_BOOT incremented.
request_reboot() {
        mkdir -p "$SYSCTR_VM_STATE"
        echo "$TEST_NAME" >> "$SYSCTR_VM_STATE/reboot"
}
