#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark: create and start N busybox containers one after another in a private instance (the
# test harness, tests/integration/lib.sh) and report medians of
#   - create time        (sysctr create; the first, which builds the image, is reported apart)
#   - start-to-ready     (sysctr start returns once the container is running)
#   - agent memory       (sysctr-agent RSS, and private memory: Private_Clean + Private_Dirty of
#                         /proc/PID/smaps_rollup, measured with all N running)
# against the goals create <= 50 ms, start <= 150 ms, agent private <= 1 MiB. Needs root; not run
# by "make check". Everything it makes is removed at exit (the harness checks that too).
#
# Usage: sudo top_builddir=BUILD-DIR bench/bench-busybox.sh [COUNT]   (default 20)
. "$(dirname "$0")/../tests/integration/lib.sh"

count=${1:-20}
case $count in
''|*[!0-9]*|0) echo "Usage: $0 [COUNT]" >&2; _tap_skip_all=1; exit 2 ;;
esac
require_root
setup_instance

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; m = int((NR + 1) / 2);
        printf "%s\n", (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'; }
maximum() { sort -n | tail -n 1; }
kib_field() { awk -v k="$2:" '$1 == k { s += $2 } END { print s + 0 }' "$1"; }

# The image is built by the first create; keep it out of the create median.
t0=$(now_ms)
run sysctr create busybox warmup
[ "$rc" -eq 0 ] || bail "create failed: $err"
first_ms=$(( $(now_ms) - t0 ))
run sysctr delete warmup

# Timed without the harness's "run" (a subshell and a file): only the CLI's own round trip counts.
creates=() starts=()
for i in $(seq "$count"); do
        t0=$(now_ms)
        "$top_builddir/sysctr" create busybox "b$i" >/dev/null 2>"$T/bench.err" ||
                bail "create b$i failed: $(< "$T/bench.err")"
        t1=$(now_ms)
        "$top_builddir/sysctr" start "b$i" >/dev/null 2>"$T/bench.err" ||
                bail "start b$i failed: $(< "$T/bench.err")"
        t2=$(now_ms)
        creates+=($((t1 - t0)))
        starts+=($((t2 - t1)))
done

rss=() priv=()
for i in $(seq "$count"); do
        p=$(agent_field "b$i" AGENT_PID)
        [ "$(pid_comm "$p")" = sysctr-agent ] || bail "no agent for b$i"
        rss+=("$(kib_field "/proc/$p/status" VmRSS)")
        priv+=($(( $(kib_field "/proc/$p/smaps_rollup" Private_Clean) + \
                   $(kib_field "/proc/$p/smaps_rollup" Private_Dirty) )))
done

# Stop them all at once (busybox init alone takes 2 s to power off: it sleeps 1 s after each of
# its SIGTERM and SIGKILL rounds).
t0=$(now_ms)
pids=()
for i in $(seq "$count"); do
        timeout 60 "$top_builddir/sysctr" stop "b$i" >/dev/null 2>&1 &
        pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
stop_ms=$(( $(now_ms) - t0 ))
[ "$failed" -eq 0 ] || diag "$failed stops failed"
names=()
for i in $(seq "$count"); do names+=("b$i"); done
run sysctr delete "${names[@]}"
[ "$rc" -eq 0 ] || diag "delete: $err"

c_med=$(printf '%s\n' "${creates[@]}" | median)
s_med=$(printf '%s\n' "${starts[@]}" | median)
r_med=$(printf '%s\n' "${rss[@]}" | median)
p_med=$(printf '%s\n' "${priv[@]}" | median)
verdict() { awk -v v="$1" -v g="$2" 'BEGIN { print (v <= g) ? "meets" : "MISSES" }'; }

diag "$(cat <<REPORT
bench-busybox: $count busybox containers, one after another ($(uname -r), $(nproc) CPUs)
  first create (builds the image)  ${first_ms} ms
  create             median ${c_med} ms  (max $(printf '%s\n' "${creates[@]}" | maximum))   goal <= 50 ms: $(verdict "$c_med" 50)
  start-to-ready     median ${s_med} ms  (max $(printf '%s\n' "${starts[@]}" | maximum))   goal <= 150 ms: $(verdict "$s_med" 150)
  agent RSS          median ${r_med} KiB
  agent private      median ${p_med} KiB   goal <= 1024 KiB: $(verdict "$p_med" 1024)
  stop all $count at once (wall)    ${stop_ms} ms
REPORT
)"
