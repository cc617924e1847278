#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Many Debian guests at once (SYSCTR_SCALE_N, 100 by default): all started by one "sysctr start" of
# every name, then again by as many parallel "sysctr start NAME" calls (unless
# SYSCTR_SCALE_PARALLEL_CALLS=0, as tools/run-tests sets it); each must be running with no
# failed unit, without a time-out, and sysctrd must see no host limit short. Not part of "make
# check" (it takes minutes): "make check-scale", which tools/run-tests (and so .ci/run) runs.
#
# The guests share the host's inotify limits (their user namespaces are root's): the test applies
# what sysctr's sysctl.d drop-in sets, for its own duration, where the host has less, and puts the
# old values back afterwards.
. "$(dirname "$0")/lib.sh"
require_root
setup_instance
use_cached_image debian bookworm

N=${SYSCTR_SCALE_N:-100}
names=$(seq -f 'sc%03g' 1 "$N")

# raise_sysctl NAME VALUE: at least VALUE until the test ends.
raise_sysctl() {
        local f=/proc/sys/${1//.//} old
        old=$(cat "$f") || bail "cannot read $f"
        [ "$old" -lt "$2" ] || return 0
        at_cleanup "echo $old > $f"
        echo "$2" > "$f" || bail "cannot set $1"
        diag "$1: $old -> $2 for this test (sysctr's drop-in value)"
}
dropin_value() { sed -n "s/^$1 *= *//p" "$top_srcdir/units/sysctl.d/60-sysctr.conf"; }
for s in fs.inotify.max_user_instances fs.inotify.max_user_watches; do
        raise_sysctl "$s" "$(dropin_value "$s")"
done

for n in $names; do
        sysctr create debian "$n" >/dev/null 2>"$T/create.err" || { fail "create $n" "$(cat "$T/create.err")"; bail "create failed"; }
done
pass "create $N debian containers"

all_running() {
        local out
        out=$(sysctr list --json) || return 1
        [ "$(printf '%s' "$out" | grep -o '"state":"running"' | wc -l)" -eq "$N" ]
}

# Every guest's systemd reached "running" (no failed unit): the list of those that did not, empty.
not_running_guests() {
        local n st
        for n in $names; do
                st=$(timeout 120 "$top_builddir/sysctr" exec "$n" -- systemctl is-system-running --wait 2>/dev/null)
                [ "$st" = running ] || printf '%s=%s ' "$n" "${st:-?}"
        done
}

warnings() { busctl --system get-property org.sysctr1 /org/sysctr1 org.sysctr1.Manager HostWarnings; }

# --- one "sysctr start" of every name
t0=$(now_s)
SYSCTR_TEST_TIMEOUT=900 run sysctr start $names
is "$rc" 0 "one sysctr start of $N names" || diag "$(printf '%s\n' "$err" | head -n 20)"
diag "$N guests started (READY=1 each) in $(elapsed_s "$t0") s"
ok "all $N are running" all_running
is "$(not_running_guests)" "" "every guest's systemd is running, with no failed unit"
is "$(warnings)" "as 0" "sysctrd finds no host limit short"
mem=$(cat "$CG_ROOT"/sysctr@sc*.service/memory.current 2>/dev/null | awk '{ s += $1 } END { if (NR) printf "%d", s / NR / 1048576 }')
[ -z "$mem" ] || diag "memory per guest (cgroup memory.current): about $mem MiB"

SYSCTR_TEST_TIMEOUT=900 run sysctr stop $names
is "$rc" 0 "one sysctr stop of $N names" || diag "$(printf '%s\n' "$err" | head -n 20)"

# --- as many parallel calls (SYSCTR_SCALE_PARALLEL_CALLS=0 leaves this round out: tools/run-tests
# does, to keep CI's time; the issue asks for one of the two ways, and the first one is the one that
# scales)
if [ "${SYSCTR_SCALE_PARALLEL_CALLS:-1}" != 0 ]; then
        t0=$(now_s)
        pids=()
        for n in $names; do
                timeout -k 5 900 "$top_builddir/sysctr" start "$n" >"$T/start-$n.out" 2>&1 &
                pids+=($!)
        done
        failed=0
        for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
        is "$failed" 0 "$N parallel sysctr start calls all succeed" ||
                diag "$(cat "$T"/start-*.out | sort | uniq -c | sort -rn | head -n 5)"
        diag "$N guests started by parallel calls in $(elapsed_s "$t0") s"
        ok "all $N are running" all_running
        is "$(not_running_guests)" "" "every guest's systemd is running, with no failed unit"
else
        diag "the round of $N parallel sysctr start calls is left out (SYSCTR_SCALE_PARALLEL_CALLS=0)"
fi

SYSCTR_TEST_TIMEOUT=900 run sysctr delete --force $names
is "$rc" 0 "one sysctr delete --force of $N names" || diag "$(printf '%s\n' "$err" | head -n 20)"
ok "none is left" eval '[ -z "$(ls "$SYSCTR_STATE_DIR/containers")" ]'
