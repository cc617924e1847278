#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark: COUNT Debian guests at once (default 100), the test suite's cached debian image, booted
# by sysctr (unprivileged, the default: one "sysctr start" of every name) and, if it is installed, by
# LXC (lxc-start -d of each, then waiting for every guest's systemd to be running), one after the
# other in one run. Reported:
#   - wall time from the start until every guest runs (sysctr: "sysctr start" returns once each
#     guest's systemd sent READY=1; LXC: polled with "systemctl is-system-running --wait");
#   - host memory per idle guest: the drop of MemAvailable from before the start to 10 s after the
#     last guest runs, divided by COUNT (what the guests cost the host, page cache included);
#   - that every guest is "running" with no failed unit.
# The guests share the host's inotify limits: the run applies sysctr's sysctl.d values for its
# duration where the host has less. Needs root; LXC optional (package lxc). Not run by "make check".
#
# Usage: sudo top_builddir=BUILD-DIR bench/bench-scale.sh [COUNT]
. "$(dirname "$0")/../tests/integration/lib.sh"

count=${1:-100}
case $count in
''|*[!0-9]*|0) echo "Usage: $0 [COUNT]" >&2; _tap_skip_all=1; exit 2 ;;
esac
require_root
require_commands nsenter
setup_instance
use_cached_image debian bookworm
image_root=$(readlink -f "$SYSCTR_STATE_DIR/images/$IMAGE/rootfs")
have_lxc=
command -v lxc-start >/dev/null && have_lxc=1

raise_sysctl() {        # NAME VALUE: at least VALUE for the run
        local f=/proc/sys/${1//.//} old
        old=$(cat "$f")
        [ "$old" -lt "$2" ] || return 0
        at_cleanup "echo $old > $f"
        echo "$2" > "$f"
}
raise_sysctl fs.inotify.max_user_instances 8192
raise_sysctl fs.inotify.max_user_watches 1048576
raise_sysctl kernel.keys.maxkeys 2000
raise_sysctl kernel.keys.maxbytes 2000000

mem_available_kib() { awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo; }
settle() { sync; sleep 2; }
names=$(seq -f 'g%03g' 1 "$count")

# Every guest "running" with no failed unit: prints the number of those that are not.
count_unhealthy() {     # PID...
        local p s f n=0
        for p in "$@"; do
                s=$(timeout 120 nsenter -t "$p" -a systemctl is-system-running --wait 2>/dev/null)
                f=$(timeout 10 nsenter -t "$p" -a systemctl --failed --no-legend --plain 2>/dev/null | grep -c .)
                [ "$s" = running ] && [ "$f" -eq 0 ] || n=$((n + 1))
        done
        echo "$n"
}

# --- sysctr
for n in $names; do "$top_builddir/sysctr" create debian "$n" >/dev/null || bail "create $n"; done
settle
m0=$(mem_available_kib)
t0=$(now_s)
SYSCTR_TEST_TIMEOUT=1800 run sysctr start $names
[ "$rc" -eq 0 ] || diag "sysctr start: $(printf '%s\n' "$err" | head -n 5)"
s_wall=$(elapsed_s "$t0")
leaders=()
for n in $names; do leaders+=("$(leader_of "$n")"); done
s_bad=$(count_unhealthy "${leaders[@]}")
sleep 10
settle
s_mem=$(( (m0 - $(mem_available_kib)) / count ))
SYSCTR_TEST_TIMEOUT=1800 run sysctr delete --force $names

# --- LXC: privileged containers (its default), each on an overlay of its own over the same image
l_wall=n/a l_bad=n/a l_mem=n/a
if [ -n "$have_lxc" ]; then
        mkdir -p "$T/lxc" "$T/ov"
        for n in $names; do
                mkdir -p "$T/ov/$n/upper" "$T/ov/$n/work" "$T/ov/$n/merged" "$T/lxc/$n"
                mount -t overlay overlay -o "lowerdir=$image_root,upperdir=$T/ov/$n/upper,workdir=$T/ov/$n/work" \
                        "$T/ov/$n/merged" || bail "overlay for $n"
                at_cleanup "umount -l '$T/ov/$n/merged' 2>/dev/null"
                cat > "$T/lxc/$n/config" <<LXCCONF
lxc.uts.name = $n
lxc.rootfs.path = dir:$T/ov/$n/merged
lxc.net.0.type = empty
lxc.mount.auto = proc:mixed sys:ro cgroup:mixed
lxc.autodev = 1
lxc.tty.max = 0
lxc.pty.max = 16
lxc.console.path = none
lxc.apparmor.profile = unconfined
lxc.cap.drop = sys_module sys_rawio sys_time mac_admin mac_override audit_control
lxc.init.cmd = /sbin/init
lxc.signal.halt = SIGRTMIN+3
LXCCONF
        done
        at_cleanup "for n in $names; do lxc-stop -P '$T/lxc' -n \$n -k >/dev/null 2>&1; done"
        settle
        m0=$(mem_available_kib)
        t0=$(now_s)
        for n in $names; do
                lxc-start -P "$T/lxc" -n "$n" -d -o "$T/lxc/$n.log" -l WARN &
        done
        wait
        leaders=()
        for n in $names; do leaders+=("$(lxc-info -P "$T/lxc" -n "$n" -p -H 2>/dev/null)"); done
        for p in "${leaders[@]}"; do
                wait_for 120 nsenter -t "$p" -m test -S /run/systemd/private
                timeout 120 nsenter -t "$p" -a systemctl is-system-running --wait >/dev/null 2>&1
        done
        l_wall=$(elapsed_s "$t0")
        l_bad=$(count_unhealthy "${leaders[@]}")
        sleep 10
        settle
        l_mem=$(( (m0 - $(mem_available_kib)) / count ))
        for n in $names; do lxc-stop -P "$T/lxc" -n "$n" -t 30 >/dev/null 2>&1 & done
        wait
        for n in $names; do umount "$T/ov/$n/merged" 2>/dev/null || umount -l "$T/ov/$n/merged"; done
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0 || b == "n/a") print "n/a"; else printf "%.2f", a / b }'; }
diag "$(cat <<REPORT
bench-scale: $count Debian guests at once, image $IMAGE ($(uname -r), $(nproc) CPUs, $(awk '$1 == "MemTotal:" { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo))
wall time until all run (s)   sysctr $s_wall   lxc ${l_wall}   sysctr / lxc $(ratio "$s_wall" "$l_wall")
guests not running cleanly     sysctr $s_bad   lxc $l_bad
host memory per idle guest     sysctr $((s_mem / 1024)) MiB   lxc $( [ "$l_mem" = n/a ] && echo n/a || echo "$((l_mem / 1024)) MiB")
REPORT
)"
