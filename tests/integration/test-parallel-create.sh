#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Ten creates of the same name at once: exactly one wins, the others say the name already exists,
# and one container directory results (no half-created leftovers). Once with the image still to be
# built, once with it cached.
. "$(dirname "$0")/lib.sh"
require_root
setup_instance

race() {
        local name=$1 i pids=() wins=0 losses=0 bad=0
        for i in $(seq 10); do
                "$top_builddir/sysctr" create busybox "$name" >"$T/race.$i.out" 2>&1 &
                pids+=($!)
        done
        for i in $(seq 10); do
                if wait "${pids[$((i - 1))]}"; then
                        wins=$((wins + 1))
                else
                        losses=$((losses + 1))
                        grep -q 'already exists' "$T/race.$i.out" || { bad=$((bad + 1)); diag "$(cat "$T/race.$i.out")"; }
                fi
        done
        rm -f "$T"/race.*.out
        is "$wins" 1 "$2: exactly one create of '$name' succeeds"
        is "$losses" 9 "$2: nine fail"
        is "$bad" 0 "$2: each failure says 'already exists'"
}

race same "uncached image"
is "$(ls -A "$SYSCTR_STATE_DIR/containers")" same "one container directory, nothing else"
ok "it is complete" test -f "$SYSCTR_STATE_DIR/containers/same/config.yaml"
# One build: the image's link and the one version it names (images are versions: busybox@TAG).
images=$(ls -A "$SYSCTR_STATE_DIR/images")
is "$(printf '%s\n' "$images" | sed 's/@[0-9]*$/@VERSION/' | tr '\n' ' ')" "busybox busybox@VERSION " \
        "one image: busybox and one version of it"
is "$(basename "$(readlink "$SYSCTR_STATE_DIR/images/busybox")")" "$(printf '%s\n' "$images" | sed -n 2p)" \
        "busybox names that version"

race same2 "cached image"
is "$(ls -A "$SYSCTR_STATE_DIR/containers" | tr '\n' ' ')" "same same2 " "two container directories, nothing else"
run sysctr list --json
is "$(printf '%s' "$out" | json_query '[field(c, "name") for c in containers(j)]' | tr '\n' ' ')" \
        "same same2 " "the daemon lists both, once each"

run sysctr start same
is "$rc" 0 "the winner starts" || diag "$err"
run sysctr stop same
is "$rc" 0 "and stops"
for n in same same2; do
        run sysctr delete "$n"
        is "$rc" 0 "delete $n"
done
