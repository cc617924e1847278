#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark: what networking costs, in a private sysctr instance (tests/integration/lib.sh: sysctrd
# and everything it plumbs in a network namespace of the instance's own).
#
# 1. Start-to-running of the debian image (its systemd reported READY=1), COUNT runs each (default
#    10), interleaved: sysctr with --network none, sysctr on the default bridge network (a veth,
#    its addresses, routes and resolv.conf made by the agent before the init runs; ports and host
#    access in the nft table), the same --privileged (no user namespace, as LXC runs here), and LXC
#    with a veth on a bridge of its own, addresses configured by LXC (lxc-start -d, then polled
#    until "systemctl is-system-running" says running: up to 50 ms late).
#    Goals: the bridge adds <= 15 ms to sysctr's start; sysctr with a bridge is faster than LXC.
# 2. 100 busybox containers on one bridge network: the nft rule count with 0 and 100 running
#    (constant), the time of "sysctr set NAME publish=..." on a running container (one nft batch),
#    and TCP throughput container -> container across the bridge against the host's loopback
#    (goal >= 0.8x), with a plain socket sender and receiver in each network namespace; for
#    comparison, the same across a network with --mtu 65535 (the loopback's MTU), and across a bare
#    bridge of the benchmark's own between two namespaces, without sysctr (what the kernel's
#    veth-and-bridge path gives by itself on this machine).
#    Also the agent's own time to plumb a container's link (from its log).
#
# Needs root and the cached debian image (the integration tests build it); LXC optional (package
# lxc). Not run by "make check".
#
# Usage: sudo top_builddir=BUILD-DIR bench/bench-network.sh [COUNT]
. "$(dirname "$0")/../tests/integration/lib.sh"

count=${1:-10}
case $count in
''|*[!0-9]*|0) echo "Usage: $0 [COUNT]" >&2; _tap_skip_all=1; exit 2 ;;
esac
require_root
require_commands nsenter ip nft
setup_instance
use_cached_image debian bookworm
image_root=$(readlink -f "$SYSCTR_STATE_DIR/images/$IMAGE/rootfs")
have_lxc=
command -v lxc-start >/dev/null && have_lxc=1
. "$(dirname "$0")/bench-lib.sh"

bad=0
check_health() {        # WHAT LEADER
        local h
        h=$(guest_health "$2")
        case $h in
        "running 0 "*) ;;
        *) bad=$((bad + 1)); diag "$1: the guest is '$h' after the start" ;;
        esac
}
ms() { awk -v s="$1" 'BEGIN { if (s == "n/a") print "n/a"; else printf "%.0f", s * 1000 }'; }

# --- 1. start-to-running ----------------------------------------------------------------------------
sysctr_run() {          # VARIANT RUN, VARIANT: none | bridge | privileged
        local name="$1$2" t0 args=()
        case $1 in
        none) args=(--network none) ;;
        privileged) args=(--privileged) ;;
        esac
        "$top_builddir/sysctr" create debian "$name" "${args[@]}" >/dev/null 2>"$T/bench.err" ||
                bail "create $name: $(< "$T/bench.err")"
        t0=$(now_s)
        "$top_builddir/sysctr" start "$name" >/dev/null 2>"$T/bench.err" || bail "start $name: $(< "$T/bench.err")"
        eval "start_$1+=(\"\$(elapsed_s \"\$t0\")\")"
        sed -n 's/.*Network: 1 link plumbed in \([0-9.]*\) ms.*/\1/p' "$SYSCTR_LOG_DIR/$name.log" >> "$T/plumb-$1"
        check_health "sysctr $1 $2" "$(leader_of "$name")"
        "$top_builddir/sysctr" stop "$name" >/dev/null 2>&1
        "$top_builddir/sysctr" delete "$name" >/dev/null 2>&1
}

# LXC in the instance's namespace, its veth on lxcbr0 there, with an address and a default route.
lxc_run() {             # RUN
        local sub="lxc-$1" name="lxbench$1" t0 leader
        overlay_mount "$sub" || bail "overlay for LXC failed"
        mkdir -p "$T/lxc/$name"
        cat > "$T/lxc/$name/config" <<LXCCONF
lxc.uts.name = $name
lxc.rootfs.path = dir:$T/ov/$sub/merged
lxc.net.0.type = veth
lxc.net.0.link = lxcbr0
lxc.net.0.flags = up
lxc.net.0.name = eth0
lxc.net.0.ipv4.address = 10.99.0.$((10 + $1))/24
lxc.net.0.ipv4.gateway = 10.99.0.1
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
        # In the instance's network namespace, where lxcbr0 is; LXC looks for bridges in /sys, so a
        # mount namespace of its own with a sysfs of that namespace (the cgroup mounts moved over to
        # it). The clock starts right before lxc-start.
        ( cg_enter "$sub" && exec nsenter --net="/run/netns/$NETNS" unshare -m --propagation slave sh -c '
                mkdir -p "$1" && mount --rbind /sys/fs/cgroup "$1" && mount -t sysfs sysfs /sys &&
                mount --move "$1" /sys/fs/cgroup && date +%s.%N > "$2" &&
                exec lxc-start -P "$3" -n "$4" -d -o "$5" -l INFO' \
                sh "$T/cgsave-$name" "$T/t0-$name" "$T/lxc" "$name" "$T/lxc/$name.log" ) ||
                { diag "lxc-start $1 failed:" "$(tail -n 20 "$T/lxc/$name.log")"; bad=$((bad + 1)); }
        t0=$(cat "$T/t0-$name" 2>/dev/null)
        # Its command socket is an abstract one, in the instance's network namespace.
        leader=$(in_netns lxc-info -P "$T/lxc" -n "$name" -p -H 2>/dev/null)
        if [ -n "$leader" ]; then
                wait_for 60 nsenter -t "$leader" -m test -S /run/systemd/private
                timeout 60 nsenter -t "$leader" -a systemctl is-system-running --wait >/dev/null 2>&1
                start_lxc+=("$(elapsed_s "$t0")")
                check_health "lxc $1" "$leader"
                in_netns lxc-stop -P "$T/lxc" -n "$name" -t 30 >/dev/null 2>&1
        fi
        cg_remove "$sub"
        overlay_umount "$sub"
}

start_none=() start_bridge=() start_privileged=() start_lxc=()
if [ -n "$have_lxc" ]; then
        mkdir -p "$T/lxc"
        in_netns ip link add lxcbr0 type bridge && in_netns ip addr add 10.99.0.1/24 dev lxcbr0 &&
                in_netns ip link set lxcbr0 up || bail "cannot make LXC's bridge"
fi
for i in $(seq "$count"); do
        sysctr_run none "$i"
        sysctr_run bridge "$i"
        sysctr_run privileged "$i"
        [ -z "$have_lxc" ] || lxc_run "$i"
done
[ "$bad" -eq 0 ] || diag "$bad boots were not clean (see above)"
none_med=$(printf '%s\n' "${start_none[@]}" | median)
bridge_med=$(printf '%s\n' "${start_bridge[@]}" | median)
priv_med=$(printf '%s\n' "${start_privileged[@]}" | median)
lxc_med=$(printf '%s\n' "${start_lxc[@]}" | median)
added_ms=$(awk -v a="$bridge_med" -v b="$none_med" 'BEGIN { printf "%.0f", (a - b) * 1000 }')
plumb_ms=$(median < "$T/plumb-bridge" 2>/dev/null)

# --- 2. 100 containers on one bridge ------------------------------------------------------------------
run sysctr network create lan0 --subnet 10.77.0.0/24 --nat --dns
[ "$rc" -eq 0 ] || bail "network create: $err"
rule_count() { in_netns nft -j list table inet sysctr |
        "$PYTHON" -c 'import json,sys; print(sum(1 for o in json.load(sys.stdin)["nftables"] if "rule" in o))'; }
element_count() { in_netns nft -j list table inet sysctr | "$PYTHON" -c '
import json, sys
print(sum(len((o.get("set") or o.get("map") or {}).get("elem", [])) for o in json.load(sys.stdin)["nftables"]))'; }
rules_0=$(rule_count)
elements_0=$(element_count)
names=()
for i in $(seq 100); do
        "$top_builddir/sysctr" create busybox "c$i" --network lan0 --publish $((20000 + i)):80 >/dev/null 2>"$T/bench.err" ||
                bail "create c$i: $(< "$T/bench.err")"
        names+=("c$i")
done
t0=$(now_s)
"$top_builddir/sysctr" start "${names[@]}" >/dev/null 2>"$T/bench.err" || bail "start: $(< "$T/bench.err")"
start_100=$(elapsed_s "$t0")
rules_100=$(rule_count)
elements_100=$(element_count)

# Publishing a port on a running container: one SetContainer call, one nft batch.
publish=()
for i in $(seq 20); do
        t0=$(now_s)
        "$top_builddir/sysctr" set "c$i" publish=$((30000 + i)):80 >/dev/null 2>"$T/bench.err" ||
                bail "set c$i: $(< "$T/bench.err")"
        publish+=("$(elapsed_s "$t0")")
done
publish_ms=$(ms "$(printf '%s\n' "${publish[@]}" | median)")

# Throughput: a receiver counting bytes for SECONDS, a sender writing 1 MiB buffers, in the network
# namespaces given; prints Gbit/s as the receiver saw them.
THROUGHPUT='
import socket, sys, time
role, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if role == "recv":
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(1)
    print("ready", flush=True)
    c, _ = s.accept()
    buf = bytearray(1 << 20); n = 0; t0 = None
    while True:
        k = c.recv_into(buf)
        if not k: break
        if t0 is None: t0 = time.monotonic()
        n += k
    print("%.2f" % (n * 8 / (time.monotonic() - t0) / 1e9))
else:
    c = socket.create_connection((addr, port))
    data = b"\0" * (1 << 20); end = time.monotonic() + float(sys.argv[4])
    while time.monotonic() < end: c.sendall(data)
    c.close()
'
throughput() {          # RECV-NETNS SEND-NETNS ADDRESS
        local port=5201 out
        nsenter --net="$1" "$PYTHON" -c "$THROUGHPUT" recv "$3" "$port" > "$T/tp.out" 2>&1 &
        local pid=$!
        wait_for 5 grep -q ready "$T/tp.out" || { echo n/a; return; }
        nsenter --net="$2" "$PYTHON" -c "$THROUGHPUT" send "$3" "$port" 3
        wait "$pid"
        out=$(tail -n 1 "$T/tp.out")
        echo "${out:-n/a}"
}
netns_of() { echo "/proc/$(leader_of "$1")/ns/net"; }
addr_of() { "$top_builddir/sysctr" info "$1" --json | json_query 'field(j, "addresses")' | head -n 1; }
# The comparisons: a network with the loopback's MTU, and a bare bridge without sysctr.
run sysctr network create jumbo --subnet 10.78.0.0/24 --ipv6 none --mtu 65535
[ "$rc" -eq 0 ] || bail "network create jumbo: $err"
run sysctr create busybox j1 --network jumbo
run sysctr create busybox j2 --network jumbo
run sysctr start j1 j2
[ "$rc" -eq 0 ] || bail "start j1 j2: $err"
CA=sxbench-a-$$ CB=sxbench-b-$$
at_cleanup "ip netns del $CA; ip netns del $CB"
ip netns add "$CA" && ip netns add "$CB" &&
        in_netns ip link add ctlbr type bridge && in_netns ip link set ctlbr up &&
        in_netns ip link add ctla master ctlbr up type veth peer name eth0 netns "$CA" &&
        in_netns ip link add ctlb master ctlbr up type veth peer name eth0 netns "$CB" &&
        ip -n "$CA" addr add 10.98.0.2/24 dev eth0 && ip -n "$CA" link set eth0 up &&
        ip -n "$CB" addr add 10.98.0.3/24 dev eth0 && ip -n "$CB" link set eth0 up || bail "cannot make the bare bridge"
bridge_tp=() loop_tp=() jumbo_tp=() bare_tp=()
for i in 1 2 3; do
        bridge_tp+=("$(throughput "$(netns_of c2)" "$(netns_of c1)" "$(addr_of c2)")")
        loop_tp+=("$(throughput "/run/netns/$NETNS" "/run/netns/$NETNS" 127.0.0.1)")
        jumbo_tp+=("$(throughput "$(netns_of j2)" "$(netns_of j1)" "$(addr_of j2)")")
        bare_tp+=("$(throughput "/run/netns/$CB" "/run/netns/$CA" 10.98.0.3)")
done
bridge_gbit=$(printf '%s\n' "${bridge_tp[@]}" | median)
loop_gbit=$(printf '%s\n' "${loop_tp[@]}" | median)
jumbo_gbit=$(printf '%s\n' "${jumbo_tp[@]}" | median)
bare_gbit=$(printf '%s\n' "${bare_tp[@]}" | median)
tp_ratio=$(ratio "$bridge_gbit" "$loop_gbit")
in_netns ip link del ctlbr
ip netns del "$CA"; ip netns del "$CB"
run sysctr stop j1 j2
run sysctr delete j1 j2
run sysctr network delete jumbo
run sysctr stop "${names[@]}"
rules_after=$(rule_count)
run sysctr delete "${names[@]}"
run sysctr network delete lan0

at_least() { awk -v v="$1" -v g="$2" 'BEGIN { print (v != "n/a" && v + 0 >= g + 0) ? "meets" : "MISSES" }'; }
diag "$(cat <<REPORT
bench-network: $count runs each, interleaved ($(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))
start-to-running, debian image (median s)
  sysctr --network none           $none_med
  sysctr, default bridge          $bridge_med   the bridge adds $added_ms ms   goal <= 15 ms: $(verdict "$added_ms" 15)
    (the agent's plumbing of the link itself: $plumb_ms ms, median, from its log)
  sysctr --privileged, bridge     $priv_med
  lxc, veth on a bridge           ${lxc_med}   sysctr bridge / lxc $(ratio "$bridge_med" "$lxc_med"), privileged / lxc $(ratio "$priv_med" "$lxc_med")   goal < 1: $(verdict "$(ratio "$priv_med" "$lxc_med")" 0.999)
100 busybox containers on lan0 (started at once in $start_100 s)
  nft rules                       $rules_0 with none running, $rules_100 with 100, $rules_after after they stopped   constant: $( [ "$rules_0" = "$rules_100" ] && [ "$rules_0" = "$rules_after" ] && echo meets || echo MISSES)
  nft elements                    $elements_0 -> $elements_100
  publish a port (sysctr set, running container, median of 20)   $publish_ms ms
  TCP throughput (median of 3, 3 s each, Gbit/s)
    container -> container         $bridge_gbit   host loopback $loop_gbit   ratio $tp_ratio   goal >= 0.8: $(at_least "$tp_ratio" 0.8)
    ...with --mtu 65535            $jumbo_gbit   ratio $(ratio "$jumbo_gbit" "$loop_gbit")
    bare bridge, no sysctr          $bare_gbit   ratio $(ratio "$bare_gbit" "$loop_gbit") (the kernel's veth and bridge path alone)
per run (s)  none       ${start_none[*]}
             bridge     ${start_bridge[*]}
             privileged ${start_privileged[*]}
             lxc        ${start_lxc[*]:-n/a}
             publish    ${publish[*]}
             throughput bridge ${bridge_tp[*]}  loopback ${loop_tp[*]}  jumbo ${jumbo_tp[*]}  bare ${bare_tp[*]}
REPORT
)"
