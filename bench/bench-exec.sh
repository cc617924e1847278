#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark: "sysctr exec NAME -- true" end to end (the CLI, D-Bus, sysctrd, sysctr-enter, the
# command's exit status back), against "nsenter" into the same container (all its namespaces and
# root, as root on the host: no D-Bus, no authorization, no confinement), COUNT runs each (default
# 50), interleaved, in a booted Debian container of a private instance, unprivileged (the default).
# Reported: the medians and the ratio. systemd-run -M and machinectl shell need a systemd host; the
# systemd-host tier's test-machined.sh measures them next to sysctr exec there.
#
# Usage: sudo top_builddir=BUILD-DIR bench/bench-exec.sh [COUNT]
. "$(dirname "$0")/../tests/integration/lib.sh"

count=${1:-50}
case $count in
''|*[!0-9]*|0) echo "Usage: $0 [COUNT]" >&2; _tap_skip_all=1; exit 2 ;;
esac
require_root
require_commands nsenter
setup_instance
use_cached_image debian bookworm

run sysctr create debian ex1
[ "$rc" -eq 0 ] || bail "create: $err"
run sysctr start ex1
[ "$rc" -eq 0 ] || bail "start: $err"
leader=$(leader_of ex1)
timeout 60 "$top_builddir/sysctr" exec ex1 -- systemctl is-system-running --wait >/dev/null 2>&1

median() { sort -n | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); printf "%.4f\n", (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'; }
s=() n=()
for i in $(seq "$count"); do
        t0=$(now_s)
        "$top_builddir/sysctr" exec ex1 -- true || bail "sysctr exec failed"
        s+=("$(elapsed_s "$t0")")
        t0=$(now_s)
        nsenter -t "$leader" -a -r -w true || bail "nsenter failed"
        n+=("$(elapsed_s "$t0")")
done
sm=$(printf '%s\n' "${s[@]}" | median)
nm=$(printf '%s\n' "${n[@]}" | median)
diag "$(cat <<REPORT
bench-exec: "exec -- true" in a booted Debian container, $count runs each ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))
  sysctr exec (median s)   $sm
  nsenter -a (median s)    $nm
  sysctr / nsenter         $(awk -v a="$sm" -v b="$nm" 'BEGIN { printf "%.2f", a / b }')
REPORT
)"
run sysctr delete --force ex1
