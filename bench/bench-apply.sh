#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark: "sysctr apply" of a fleet of N busybox containers on one host (a private instance), then
# the same file again (goal: the no-op apply under 1 s), then a change of one key in every
# container; and the latency of "sysctr -H HOST list" over SSH (a host made by
# tests/integration/hosts-lib.sh) against the same call made by busctl -H, which is the transport
# machinectl -H uses (the test hosts run no systemd-machined to ask machinectl itself), and against
# a local "sysctr list". Medians of 10 runs. Needs root; not run by "make check".
#
# Usage: sudo top_builddir=BUILD-DIR bench/bench-apply.sh [COUNT]   (default 100)
. "$(dirname "$0")/../tests/integration/lib.sh"
. "$(dirname "$0")/../tests/integration/hosts-lib.sh"

count=${1:-100}
case $count in
''|*[!0-9]*|0) echo "Usage: $0 [COUNT]" >&2; _tap_skip_all=1; exit 2 ;;
esac
require_root
setup_instance

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; m = int((NR + 1) / 2);
        printf "%s\n", (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'; }
timed_ms() { local t0; t0=$(now_ms); "$@" >/dev/null 2>"$T/bench.err" || bail "$* failed: $(< "$T/bench.err")";
        echo $(( $(now_ms) - t0 )); }

F=$T/fleet.yaml
write_fleet() {         # MEMORY
        { echo "containers:"
          for i in $(seq "$count"); do
                printf '  - {name: c%s, template: busybox, memory: %s, pids: 500}\n' "$i" "$1"
          done; } > "$F"
}

run sysctr template build busybox
write_fleet 64M
create_ms=$(timed_ms "$top_builddir/sysctr" apply "$F")
noop=()
for i in $(seq 10); do noop+=("$(timed_ms "$top_builddir/sysctr" apply "$F")"); done
noop_ms=$(printf '%s\n' "${noop[@]}" | median)
write_fleet 128M
change_ms=$(timed_ms "$top_builddir/sysctr" apply "$F")
run sysctr apply "$F"
is "$out" "Nothing to do: $F is applied." "the fleet is applied"
cmp_ok "$noop_ms" "<" 1000 "no-op apply of $count containers under 1 s (median ${noop_ms} ms)"

start_host 1
A=root@$(host_address 1)
remote=() bridge=() local_list=()
for i in $(seq 10); do
        remote+=("$(timed_ms hsysctr -H "$A" list)")
        bridge+=("$(timed_ms ip netns exec "$HOSTS_NS_CLIENT" env PATH="$T/bin:$PATH" \
                busctl -H "$A" call org.sysctr1 /org/sysctr1 org.sysctr1.Manager ListContainers)")
        local_list+=("$(timed_ms "$top_builddir/sysctr" list)")
done
remote_ms=$(printf '%s\n' "${remote[@]}" | median)
bridge_ms=$(printf '%s\n' "${bridge[@]}" | median)
local_ms=$(printf '%s\n' "${local_list[@]}" | median)

diag "apply of $count containers from scratch: ${create_ms} ms"
diag "no-op apply of $count containers:      ${noop_ms} ms (median of 10)"
diag "apply of a memory change in all $count: ${change_ms} ms"
diag "sysctr -H list (SSH):                    ${remote_ms} ms (median of 10)"
diag "busctl -H call ListContainers (SSH):     ${bridge_ms} ms (machinectl -H's transport)"
diag "sysctr list (local):                     ${local_ms} ms"
