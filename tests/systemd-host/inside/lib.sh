# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# What every inside test sources. Inside tests run as root on a real systemd host (PID 1 is systemd)
# where sysctr is installed under /usr: the container tier's systemd host (a sysctr container on the
# build machine) or the VM tier's VM. They use the host's own system bus, systemd and sysctrd, print
# TAP on stdout and clean up what they made on every exit path: each container a test creates with
# new_container is stopped and deleted at exit, and checked to leave no unit, cgroup, machine or state
# behind (as TAP tests of their own).
#
# Each test names the tiers it runs in on a line of its own near the top, e.g.
#       # tiers: container vm
# Usage:
#       . "$(dirname "$0")/lib.sh"
#       new_container busybox t1 || bail "cannot create t1"
#       ok "start" systemctl start sysctr@t1
#       ...                             # the plan ("1..N") is printed at exit

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C
# The host's real system bus, whatever the caller's environment says.
unset DBUS_SYSTEM_BUS_ADDRESS DBUS_SESSION_BUS_ADDRESS SYSCTR_STATE_DIR SYSCTR_RUNTIME_DIR SYSCTR_LOG_DIR \
        SYSCTR_TEMPLATE_DIR SYSCTR_AGENT SYSCTR_CGROUP_PARENT
TEST_NAME=$(basename "$0" .sh)
_t_start=$EPOCHREALTIME
CGROUP_ROOT=/sys/fs/cgroup      # systemd hosts of both tiers are pure cgroup2
RUNTIME_DIR=/run/sysctr
STATE_DIR=/var/lib/sysctr

# ---------------------------------------------------------------------------------------------------
# TAP: ok, not_ok, is, isnt, like, unlike, cmp_ok, pass, fail, skip, diag, bail, skip_all, tap_end.
# tap.sh is installed next to this file (tests/systemd-host/lib.sh, sdhost_install_tree, and the VM
# tier's mkimage); in the source tree it is two levels up.
_tap_lib=$(dirname "${BASH_SOURCE[0]}")/tap.sh
[ -f "$_tap_lib" ] || _tap_lib=$(dirname "${BASH_SOURCE[0]}")/../../tap.sh
# shellcheck source=../../tap.sh
. "$_tap_lib"

# ---------------------------------------------------------------------------------------------------
# Running things

# run CMD...: sets $out (stdout), $err (stderr) and $rc without stopping on failure.
_run_err=$(mktemp /tmp/sysctr-inside.XXXXXX) || bail "mktemp failed"
# shellcheck disable=SC2034 # out, err and rc are for the caller
run() {
        out=$("$@" 2>"$_run_err")
        rc=$?
        err=$(< "$_run_err")
        return 0
}

# Waits are for the container tier's speed; under qemu's software emulation (the full tier's VM:
# "qemu", where KVM would say "kvm") they are longer. A container reports its host's hypervisor
# too, so it is asked first. SYSCTR_TEST_TIME_FACTOR overrides.
if [ -z "${SYSCTR_TEST_TIME_FACTOR:-}" ]; then
        SYSCTR_TEST_TIME_FACTOR=1
        if ! systemd-detect-virt --container --quiet && [ "$(systemd-detect-virt --vm)" = qemu ]; then
                SYSCTR_TEST_TIME_FACTOR=5
        fi
fi

# Every call is bounded: a hang fails the test instead of stalling the suite (124: timed out).
sysctr() { timeout -k 5 "$((${SYSCTR_TEST_TIMEOUT:-120} * SYSCTR_TEST_TIME_FACTOR))" /usr/bin/sysctr "$@"; }
systemctl() { timeout -k 5 "$((120 * SYSCTR_TEST_TIME_FACTOR))" /usr/bin/systemctl "$@"; }

# wait_for SECONDS CMD...: run CMD every 100 ms until it succeeds; 1 if it did not within SECONDS
# (whole seconds, times the time factor; a deadline, however long CMD itself takes).
wait_for() {
        local end=$(( ${EPOCHREALTIME/./} + $1 * SYSCTR_TEST_TIME_FACTOR * 1000000 ))
        shift
        until "$@" >/dev/null 2>&1; do
                [ "${EPOCHREALTIME/./}" -lt "$end" ] || return 1
                sleep 0.1
        done
}

pid_alive() { [ -n "$1" ] && [ "$1" -gt 0 ] && kill -0 "$1" 2>/dev/null; }
pid_dead() { ! pid_alive "$1"; }
pid_comm() { cat "/proc/$1/comm" 2>/dev/null; }
# The cgroup of a process, relative to the cgroup2 mount ("0::PATH" of /proc/PID/cgroup).
pid_cgroup() { sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null; }

# ---------------------------------------------------------------------------------------------------
# sysctr on a systemd host

unit_of() { echo "sysctr@$1.service"; }
# Where systemd puts the unit's cgroup: Slice=machine.slice.
unit_cgroup() { echo "$CGROUP_ROOT/machine.slice/sysctr@$1.service"; }
unit_active() { [ "$(systemctl is-active "$(unit_of "$1")")" = "$2" ]; }
unit_gone() { [ ! -d "$(unit_cgroup "$1")" ]; }
main_pid() { systemctl show -P MainPID "$(unit_of "$1")"; }

# The agent's state file (/run/sysctr/agents/NAME, KEY=VALUE): readable without sysctrd.
agent_field() { sed -n "s/^$2=//p" "$RUNTIME_DIR/agents/$1" 2>/dev/null; }
leader_of() { agent_field "$1" LEADER_PID; }

# A property of the container object (this talks to sysctrd: D-Bus activates it when it is not
# running). Names in these tests need no escaping in the object path.
prop() {                # NAME PROPERTY
        busctl --system --timeout=30 get-property org.sysctr1 "/org/sysctr1/container/$1" \
                org.sysctr1.Container "$2" 2>/dev/null | sed -e 's/^[a-z]* //' -e 's/^"\(.*\)"$/\1/'
}
state_is() { [ "$(prop "$1" State)" = "$2" ]; }

sysctrd_pid() { systemctl show -P MainPID sysctrd.service; }
sysctrd_running() { [ "$(systemctl is-active sysctrd.service)" = active ]; }
# Stop sysctrd and make sure it stays stopped: nothing in these tests calls it until asked to.
sysctrd_stop() { systemctl stop sysctrd.service && ! sysctrd_running; }

machine_known() { machinectl show "$1" >/dev/null 2>&1; }

# The image of the debian template, if this host has it (the container tier binds the build
# machine's cached image in; the VM tier puts one into the VM's image).
debian_image() { echo "debian-bookworm-$(dpkg --print-architecture)"; }
have_debian_image() { [ -d "$STATE_DIR/images/$(debian_image)/rootfs/usr" ]; }

# Wait until a systemd guest finished booting; prints its state (running, degraded...).
guest_wait_booted() {
        timeout "$((90 * SYSCTR_TEST_TIME_FACTOR))" /usr/bin/sysctr exec "$1" -- \
                systemctl is-system-running --wait 2>/dev/null
}

# new_container TEMPLATE NAME [CREATE-OPTIONS...]: create it (sysctr create) and remove it at exit.
_containers=()
new_container() {
        local o s
        _containers+=("$2")
        o=$(sysctr create "$1" "$2" "${@:3}" 2>&1)
        s=$?
        [ "$s" -eq 0 ] || diag "sysctr create $* failed (exit $s): $o"
        return "$s"
}

# ---------------------------------------------------------------------------------------------------
# Cleanup

_cleanup_hooks=()
at_cleanup() { _cleanup_hooks+=("$1"); }

# Stop through systemd (works without sysctrd), then delete through sysctr; then check that nothing
# of the container is left.
_remove_container() {
        local n=$1 unit
        unit=$(unit_of "$n")
        systemctl stop "$unit" >/dev/null 2>&1
        systemctl reset-failed "$unit" >/dev/null 2>&1
        sysctr delete --force "$n" >/dev/null 2>&1
        ok "cleanup: $unit is not active" eval "! unit_active '$n' active && ! unit_active '$n' activating"
        ok "cleanup: $unit's cgroup is gone" wait_for 10 unit_gone "$n"
        if command -v machinectl >/dev/null; then
                ok "cleanup: $n is not registered with machined" wait_for 5 eval "! machine_known '$n'"
        fi
        ok "cleanup: $n's state is gone" test ! -e "$STATE_DIR/containers/$n"
        ok "cleanup: $n's unit is not enabled" test ! -e "/etc/systemd/system/machines.target.wants/$unit"
}

# sysctrd must not have crashed while the test ran (a SIGKILL that a test sent is no crash). Systemd
# restarts it, so the crash would go unseen; reset its failed state either way, so that the next
# test starts with a sysctrd that D-Bus can activate.
_check_sysctrd() {
        local crashes
        crashes=$(journalctl -q --no-pager -o cat -u sysctrd.service --since "@$_t_start" 2>/dev/null |
                grep -E 'Main process exited, code=(dumped|killed, status=(4|6|7|8|11|31)/)')
        is "$crashes" "" "cleanup: sysctrd did not crash during $TEST_NAME"
        systemctl reset-failed sysctrd.service >/dev/null 2>&1
}

_cleanup() {
        local s=$? p n
        trap - EXIT INT TERM
        [ -z "$_tap_skip_all" ] || exit 0
        # Background helpers a test left running (ours), before the hooks: a user with a process
        # left cannot be removed.
        for p in $(jobs -p); do
                kill "$p" 2>/dev/null
        done
        wait 2>/dev/null
        for p in "${_cleanup_hooks[@]}"; do
                eval "$p" >/dev/null 2>&1
        done
        for n in "${_containers[@]}"; do
                _remove_container "$n"
        done
        _check_sysctrd
        rm -f "$_run_err"
        tap_end "$s"
}

[ "$(id -u)" -eq 0 ] || skip_all "needs root"
# sd_booted(3): systemd as PID 1 made this directory.
[ -d /run/systemd/system ] || skip_all "PID 1 is not systemd"
command -v sysctr >/dev/null || bail "sysctr is not installed"

# Tracing for a post-mortem: every command with the time it started, on stderr.
if [ -n "${SYSCTR_TEST_TRACE:-}" ]; then
        PS4='+ ${EPOCHREALTIME} '
        set -x
fi

trap _cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
