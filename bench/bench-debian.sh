#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark: the debian template's image (Debian + systemd, the test suite's cached copy) booted by
# sysctr, by systemd-nspawn --boot and, if it is installed, by LXC, in one run, one container at a
# time, COUNT runs each (default 10). Every run boots a fresh copy-on-write view of the same image
# (sysctr: a new container; nspawn and LXC: an overlay of our own over the image), so no run
# changes the image. Reported, as medians:
#   - start-to-running: until the guest's systemd reported READY=1, i.e. "systemctl
#     is-system-running" says running (sysctr: "sysctr start" returns then; nspawn:
#     --notify-ready=yes passes the guest's READY=1 on to us; LXC has no readiness protocol:
#     lxc-start -d, then "systemctl is-system-running --wait" in the guest once systemd listens, polled
#     every 50 ms: up to that much later than the guest was ready). Each boot is then
#     checked to be "running" with no failed unit.
#   - create: "sysctr create debian" with the image cached, next to "sysctr create busybox" (a tiny
#     image): the same time, as nothing is copied.
#   - idle memory per container, 3 s after boot: the supervisor's private memory (sysctr-agent;
#     the systemd-nspawn process; LXC's monitor) and the container's memory cgroup.
#   - the same start-to-running of sysctr --privileged and of systemd-nspawn -U (a user namespace
#     with a picked range, the tree idmapped, not chowned), against sysctr's default (unprivileged).
# Goals: start-to-running <= 0.9 x nspawn -U's and within 10 % of --privileged, create <= 50 ms,
# agent private memory <= 1 MiB.
#
# Needs root, systemd-nspawn (package systemd-container); LXC optional (package lxc). Not run by
# "make check". Runs in a private sysctr instance (tests/integration/lib.sh), which removes
# everything it made at exit; this host's PID 1 need not be systemd: nspawn runs with
# --register=no --keep-unit from cgroups of our own (below the instance's), as does LXC.
#
# Usage: sudo top_builddir=BUILD-DIR bench/bench-debian.sh [COUNT]
. "$(dirname "$0")/../tests/integration/lib.sh"

count=${1:-10}
case $count in
''|*[!0-9]*|0) echo "Usage: $0 [COUNT]" >&2; _tap_skip_all=1; exit 2 ;;
esac
require_root
require_commands systemd-nspawn nsenter
setup_instance
use_cached_image debian bookworm
image_root=$(readlink -f "$SYSCTR_STATE_DIR/images/$IMAGE/rootfs")
have_lxc=
command -v lxc-start >/dev/null && have_lxc=1

. "$(dirname "$0")/bench-lib.sh"
check_health() {        # "MANAGER RUN" LEADER: notes the guest's boot time; counts and shows a bad boot
        local h
        h=$(guest_health "$2")
        case $h in
        "running 0 "*) ;;
        *) bad=$((bad + 1)); diag "$1: the guest is '$h' after the start" ;;
        esac
        case $1 in *idle) ;; *) printf '%s\n' "${h##* }" >> "$T/userspace-${1%% *}" ;; esac
}

# ---------------------------------------------------------------------------------------------------
# One boot with each manager. RUN is a number, or "idle": then the supervisor's and the container's
# memory are measured 3 s after the boot, instead of the times.

sysctr_run() {          # RUN [--privileged]
        local name="s$1" t0 agent v1mem d
        "$top_builddir/sysctr" create debian "$name" ${2:+"$2"} >/dev/null 2>"$T/bench.err" || bail "create $name: $(< "$T/bench.err")"
        t0=$(now_s)
        "$top_builddir/sysctr" start "$name" >/dev/null 2>"$T/bench.err" || bail "start $name: $(< "$T/bench.err")"
        if [ -n "${2:-}" ]; then
                # Privileged: its start time only, for the comparison with the default.
                [ "$1" = idle ] || sysctr_priv_start+=("$(elapsed_s "$t0")")
                check_health "sysctr-privileged $1" "$(leader_of "$name")"
                "$top_builddir/sysctr" delete --force "$name" >/dev/null 2>&1
                return
        fi
        [ "$1" = idle ] || sysctr_start+=("$(elapsed_s "$t0")")
        check_health "sysctr $1" "$(leader_of "$name")"
        if [ "$1" = idle ]; then
                sleep 3
                agent=$(agent_field "$name" AGENT_PID)
                sysctr_priv=$(private_kib "$agent")
                sysctr_rss=$(kib_field "/proc/$agent/status" VmRSS)
                d="$(unit_cgroup "$name")/payload"
                v1mem="/sys/fs/cgroup/memory/$CG_NAME/sysctr@$name.service"
                if [ -f "$d/memory.current" ]; then
                        sysctr_cg="$(($(cat "$d/memory.current") / 1024)) $(($(awk '$1 == "anon" || $1 == "shmem" { s += $2 } END { print s + 0 }' "$d/memory.stat") / 1024))"
                        sysctr_cg_what="cgroup2 memory.current of payload/"
                elif [ -f "$v1mem/memory.usage_in_bytes" ]; then
                        sysctr_cg="$(($(cat "$v1mem/memory.usage_in_bytes") / 1024)) $(($(awk '$1 == "total_rss" || $1 == "total_shmem" { s += $2 } END { print s + 0 }' "$v1mem/memory.stat") / 1024))"
                        sysctr_cg_what="v1 memory cgroup of the unit, agent included"
                else
                        # No memory controller for us: the guest's processes' RSS (shared pages in each).
                        sysctr_cg="$(for p in $(find "$d" -name cgroup.procs -exec cat {} +); do
                                kib_field "/proc/$p/status" VmRSS; done | awk '{ s += $1 } END { print s + 0 }') n/a"
                        sysctr_cg_what="no memory controller: the sum of the guest's RSS"
                fi
        fi
        t0=$(now_s)
        "$top_builddir/sysctr" stop "$name" >/dev/null 2>&1
        [ "$1" = idle ] || sysctr_stop+=("$(elapsed_s "$t0")")
        "$top_builddir/sysctr" delete "$name" >/dev/null 2>&1
}

# systemd-nspawn --boot, told to pass the guest's READY=1 on (--notify-ready=yes): a small listener
# binds NOTIFY_SOCKET, starts it from our cgroups and prints "seconds pid" at READY=1.
nspawn_launch() {       # SUB ARGS...
        local sub=$1
        shift
        (
                cg_enter "$sub" || exit 1
                exec "$PYTHON" -S -c '
import os, socket, subprocess, sys, time
path, log, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
s.bind(path)
s.settimeout(90)
t0 = time.monotonic()
p = subprocess.Popen(argv, env=dict(os.environ, NOTIFY_SOCKET=path), stdin=subprocess.DEVNULL,
                     stdout=open(log, "ab"), stderr=subprocess.STDOUT, start_new_session=True)
while True:
    if b"READY=1" in s.recv(4096).split(b"\n"):
        break
print("%.3f %d" % (time.monotonic() - t0, p.pid))' "$T/$sub.notify" "$T/$sub.log" "$@"
        )
}

nspawn_run() {          # RUN [-U]
        local sub="nspawn-$1${2:-}" r pid leader t0 dir
        # -U: a user namespace with a range nspawn picks, the tree shown through an idmapped mount
        # (as sysctr shows its image), not chowned. overlayfs cannot be idmapped: nspawn gets a copy
        # of the image on the host's file system instead, made before the clock starts.
        if [ -n "${2:-}" ]; then
                dir=$T/nsu/$sub
                mkdir -p "$T/nsu" && cp -a "$image_root" "$dir" || bail "copy of the image for nspawn -U failed"
        else
                overlay_mount "$sub" || bail "overlay for nspawn failed"
                dir=$T/ov/$sub/merged
        fi
        r=$(nspawn_launch "$sub" systemd-nspawn --quiet --boot --register=no --keep-unit --notify-ready=yes \
                --private-network --machine="bench$1" --uuid="$(cat /proc/sys/kernel/random/uuid)" \
                ${2:+--private-users=pick --private-users-ownership=map} \
                --directory="$dir")
        pid=${r#* }
        if [ -z "$r" ] || ! pid_alive "$pid"; then
                diag "nspawn${2:-} run $1 failed:" "$(tail -n 20 "$T/$sub.log")"
                bad=$((bad + 1))
        elif [ -n "${2:-}" ]; then
                [ "$1" = idle ] || nspawn_u_start+=("${r% *}")
                leader=$(ps -o pid= --ppid "$pid" | head -n 1 | tr -d ' ')
                check_health "nspawn-U $1" "$leader"
                kill -TERM "$pid"
                wait_for 30 pid_dead "$pid" || diag "nspawn -U $1 did not stop in 30 s"
        else
                [ "$1" = idle ] || nspawn_start+=("${r% *}")
                leader=$(ps -o pid= --ppid "$pid" | head -n 1 | tr -d ' ')
                check_health "nspawn $1" "$leader"
                if [ "$1" = idle ]; then
                        sleep 3
                        nspawn_priv=$(private_kib "$pid")
                        nspawn_cg=$(cg_memory "$sub")
                fi
                # SIGTERM to nspawn: it sends the guest SIGRTMIN+3 (halt) and waits for it.
                t0=$(now_s)
                kill -TERM "$pid"
                wait_for 30 pid_dead "$pid" || diag "nspawn $1 did not stop in 30 s"
                [ "$1" = idle ] || nspawn_stop+=("$(elapsed_s "$t0")")
        fi
        cg_remove "$sub"
        if [ -n "${2:-}" ]; then rm -rf --one-file-system "$dir"; else overlay_umount "$sub"; fi
}

# LXC: lxc-start -d, then wait in the guest for "running" (LXC passes no READY=1 on).
lxc_run() {             # RUN
        local sub="lxc-$1" name="bench$1" t0 leader mon
        overlay_mount "$sub" || bail "overlay for LXC failed"
        mkdir -p "$T/lxc/$name"
        cat > "$T/lxc/$name/config" <<LXCCONF
lxc.uts.name = $name
lxc.rootfs.path = dir:$T/ov/$sub/merged
lxc.net.0.type = empty
lxc.mount.auto = proc:mixed sys:ro cgroup:mixed
lxc.autodev = 1
lxc.tty.max = 0
lxc.pty.max = 16
lxc.console.path = none
lxc.apparmor.profile = unconfined
lxc.cap.drop = sys_module sys_rawio sys_time mac_admin mac_override audit_control
lxc.cgroup.relative = 1
lxc.init.cmd = /sbin/init
lxc.signal.halt = SIGRTMIN+3
LXCCONF
        t0=$(now_s)
        ( cg_enter "$sub" && exec lxc-start -P "$T/lxc" -n "$name" -d -o "$T/lxc/$name.log" -l INFO ) ||
                { diag "lxc-start $1 failed:" "$(tail -n 20 "$T/lxc/$name.log")"; bad=$((bad + 1)); }
        leader=$(lxc-info -P "$T/lxc" -n "$name" -p -H 2>/dev/null)
        if [ -n "$leader" ]; then
                # systemctl cannot wait before systemd listens on its private socket.
                wait_for 60 nsenter -t "$leader" -m test -S /run/systemd/private
                timeout 60 nsenter -t "$leader" -a systemctl is-system-running --wait >/dev/null 2>&1
                [ "$1" = idle ] || lxc_start+=("$(elapsed_s "$t0")")
                check_health "lxc $1" "$leader"
                if [ "$1" = idle ]; then
                        sleep 3
                        mon=$(pgrep -f "^\[lxc monitor\] $T/lxc $name\$" | head -n 1)
                        [ -n "$mon" ] && lxc_priv=$(private_kib "$mon")
                        lxc_cg=$(cg_memory "$sub/lxc.payload.$name")
                fi
                t0=$(now_s)
                lxc-stop -P "$T/lxc" -n "$name" -t 30 >/dev/null 2>&1
                [ "$1" = idle ] || lxc_stop+=("$(elapsed_s "$t0")")
        fi
        cg_remove "$sub"
        overlay_umount "$sub"
}

# ---------------------------------------------------------------------------------------------------
# The runs, interleaved (sysctr, nspawn, lxc, sysctr, ...) so that other load on the machine falls
# on each of them alike.
sysctr_start=() sysctr_stop=() nspawn_start=() nspawn_stop=() lxc_start=() lxc_stop=() bad=0
sysctr_priv_start=() nspawn_u_start=()
sysctr_priv=n/a sysctr_rss=n/a sysctr_cg="n/a n/a" sysctr_cg_what=
nspawn_priv=n/a nspawn_cg="n/a n/a" lxc_priv=n/a lxc_cg="n/a n/a"
mkdir -p "$T/lxc"
for i in $(seq "$count") idle; do
        sysctr_run "$i"
        nspawn_run "$i"
        [ -z "$have_lxc" ] || lxc_run "$i"
        [ "$i" = idle ] && continue
        sysctr_run "$i" --privileged
        nspawn_run "$i" -U
done
[ "$bad" -eq 0 ] || diag "$bad boots were not clean (see above)"

# --- create, warm cache: debian (221 MB image) against busybox (a few hundred KiB)
run sysctr create busybox warm
[ "$rc" -eq 0 ] || bail "create busybox: $err"
run sysctr delete warm
create_debian=() create_busybox=() names=()
for i in $(seq "$count"); do
        for t in debian busybox; do
                t0=$(now_s)
                "$top_builddir/sysctr" create "$t" "c$t$i" >/dev/null 2>"$T/bench.err" || bail "create $t: $(< "$T/bench.err")"
                if [ "$t" = debian ]; then create_debian+=("$(elapsed_s "$t0")"); else create_busybox+=("$(elapsed_s "$t0")"); fi
                names+=("c$t$i")
        done
done
run sysctr delete "${names[@]}"

# ---------------------------------------------------------------------------------------------------
s_med=$(printf '%s\n' "${sysctr_start[@]}" | median)
n_med=$(printf '%s\n' "${nspawn_start[@]}" | median)
l_med=$(printf '%s\n' "${lxc_start[@]}" | median)
cd_ms=$(awk -v s="$(printf '%s\n' "${create_debian[@]}" | median)" 'BEGIN { printf "%.0f", s * 1000 }')
cb_ms=$(awk -v s="$(printf '%s\n' "${create_busybox[@]}" | median)" 'BEGIN { printf "%.0f", s * 1000 }')
r=$(ratio "$s_med" "$n_med")
sp_med=$(printf '%s\n' "${sysctr_priv_start[@]}" | median)
nu_med=$(printf '%s\n' "${nspawn_u_start[@]}" | median)
ru=$(ratio "$s_med" "$nu_med")
rp=$(ratio "$s_med" "$sp_med")
mib() { awk -v k="$1" 'BEGIN { if (k == "n/a") print "n/a"; else printf "%.1f MiB", k / 1024 }'; }
userspace() { if [ -f "$T/userspace-$1" ]; then grep -v n/a "$T/userspace-$1" | median; else echo n/a; fi; }
read -r s_cg s_anon <<< "$sysctr_cg"
read -r n_cg n_anon <<< "$nspawn_cg"
read -r l_cg l_anon <<< "$lxc_cg"
lxc_note="not installed"
[ -z "$have_lxc" ] || lxc_note=$l_med

diag "$(cat <<REPORT
bench-debian: image $IMAGE, $count runs each, interleaved ($(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))
start-to-running (median s)      sysctr $s_med   nspawn $n_med   lxc $lxc_note
  sysctr / nspawn                $r
unprivileged (the default): a user namespace, the image idmapped
  start (median s)               sysctr $s_med   sysctr --privileged $sp_med   nspawn -U (pick, idmapped) $nu_med
  sysctr / nspawn -U             $ru   goal <= 0.90: $(verdict "$ru" 0.9)
  sysctr / sysctr --privileged   $rp   goal <= 1.10: $(verdict "$rp" 1.1)
  sysctr / lxc                   $(ratio "$s_med" "$l_med")   (lxc: no READY=1; polled, up to 50 ms late)
  guest's own boot (median s, systemd-analyze userspace)   sysctr $(userspace sysctr)   nspawn $(userspace nspawn)   lxc $(userspace lxc)
stop (median s)                  sysctr $(printf '%s\n' "${sysctr_stop[@]}" | median)   nspawn $(printf '%s\n' "${nspawn_stop[@]}" | median)   lxc $(printf '%s\n' "${lxc_stop[@]}" | median)
create, image cached (median)    debian $cd_ms ms   busybox $cb_ms ms   goal debian <= 50 ms: $(verdict "$cd_ms" 50)
idle memory, 3 s after boot
  supervisor private             sysctr-agent $sysctr_priv KiB (RSS $sysctr_rss KiB)   goal <= 1024 KiB: $(verdict "$sysctr_priv" 1024)
                                 systemd-nspawn $nspawn_priv KiB   lxc monitor $lxc_priv KiB
  container cgroup               sysctr $(mib "$s_cg") (anon+shmem $(mib "$s_anon"); $sysctr_cg_what)
                                 nspawn $(mib "$n_cg") (anon+shmem $(mib "$n_anon"))   lxc $(mib "$l_cg") (anon+shmem $(mib "$l_anon"))
per run (s)  sysctr ${sysctr_start[*]}
             nspawn ${nspawn_start[*]}
             lxc    ${lxc_start[*]:-n/a}
REPORT
)"
