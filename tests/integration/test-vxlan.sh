#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The overlay network: "sysctr network create ov0 --type vxlan --peer HOST" on two hosts
# (hosts-lib.sh: network namespaces with their own sysctrd, routed to each other through the client
# namespace, the "network between them"), a container on each, and traffic between the containers
# across the hosts, by address, through the kernel's VXLAN links. Also: each host hands out addresses
# only from its own share of the subnet (so no address is given twice across hosts), the VNI and
# shares agree without the hosts talking, bad input is refused with one clear message, a restarted
# sysctrd makes the overlay again from the network's file, delete removes the VXLAN link, and a
# fleet file with a vxlan network applied from the client gives each host the other as its peer.
# Traffic only between the test's own namespaces.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hosts-lib.sh"
require_root
setup_instance
require_commands ip bridge busybox
start_host 1
start_host 2
H1=$(host_address 1)
H2=$(host_address 2)
NS1="sysctr-t$$-host1"
NS2="sysctr-t$$-host2"
SUBNET=10.99.$((HOSTS_NET)).0/24
P=10.99.$((HOSTS_NET))

# The underlay: each host reaches the other through the client namespace, which routes (its own
# forwarding setting: a namespace of the test's).
ip netns exec "$HOSTS_NS_CLIENT" sysctl -qw net.ipv4.ip_forward=1 || bail "cannot turn on forwarding in the client namespace"
ip -n "$NS1" route add "10.$HOSTS_NET.0.0/16" via "10.$HOSTS_NET.1.1" || bail "route on host 1"
ip -n "$NS2" route add "10.$HOSTS_NET.0.0/16" via "10.$HOSTS_NET.2.1" || bail "route on host 2"
ok "the hosts reach each other (the underlay)" ip netns exec "$NS1" busybox ping -c 1 -W 2 "$H2"

for n in 1 2; do
        run on_host "$n" template build busybox
        is "$rc" 0 "host $n: busybox image" || diag "$err"
done

# --- bad input: one clear message each, nothing made
bad() {         # DESC EXPECTED-ERROR COMMAND...
        local desc=$1 want=$2
        shift 2
        run "$@"
        isnt "$rc" 0 "$desc: refused"
        like "$err" "$want" "$desc: $want"
}
bad "vxlan without peers" 'needs --peer' on_host 1 network create ov9 --type vxlan --subnet 10.98.0.0/24
bad "vxlan without a subnet" 'needs --peer .* and --subnet' on_host 1 network create ov9 --type vxlan --peer "$H2"
bad "--peer on a bridge network" '--peer, --vni and --local are for vxlan networks' \
        on_host 1 network create ov9 --peer "$H2" --subnet 10.98.0.0/24
bad "a bad VNI" 'Invalid VNI "0"' on_host 1 network create ov9 --type vxlan --vni 0 --peer "$H2" --subnet 10.98.0.0/24
bad "this host as its own peer" 'none of them this host' \
        on_host 1 network create ov9 --type vxlan --peer "$H1" --subnet 10.98.0.0/24
bad "an unresolvable peer" 'Failed to resolve peer "no-such-host.invalid"' \
        on_host 1 network create ov9 --type vxlan --peer no-such-host.invalid --subnet 10.98.0.0/24
bad "an IPv6 subnet on vxlan" 'no IPv6 subnet' \
        on_host 1 network create ov9 --type vxlan --peer "$H2" --subnet 10.98.0.0/24 --ipv6 fd42:98::/64
run on_host 1 network list
unlike "$out" "ov9" "... and no network was made"

# --- the overlay on both hosts, each naming the other
t0=$(now_ms)
run on_host 1 network create ov0 --type vxlan --subnet "$SUBNET" --peer "$H2"
is "$rc" 0 "host 1: network create ov0 --type vxlan" || diag "$err"
diag "measured: network create --type vxlan took $(( $(now_ms) - t0 )) ms"
run on_host 2 network create ov0 --type vxlan --subnet "$SUBNET" --peer "$H1"
is "$rc" 0 "host 2: network create ov0 --type vxlan" || diag "$err"

run on_host 1 network show ov0
S1=$out
like "$S1" "^Type: vxlan$" "network show: its type"
like "$S1" "^Local: $H1$" "... this host's address, found from the route to the peer"
like "$S1" "^Peers: $H2$" "... its peer"
like "$S1" "^Pool: $P\.1 - $P\.127$" "... host 1's share: the first half (its address sorts first)"
like "$S1" "^Gateway: $P\.1$" "... its bridge's address: the first of its share"
like "$S1" "^MTU: 1450$" "... an MTU that leaves room for the encapsulation"
run on_host 2 network show ov0
S2=$out
like "$S2" "^Pool: $P\.128 - $P\.254$" "host 2's share: the second half"
like "$S2" "^Gateway: $P\.128$" "... its bridge's address"
VNI1=$(sed -n 's/^VNI: //p' <<< "$S1")
VNI2=$(sed -n 's/^VNI: //p' <<< "$S2")
ok "both hosts derived the same VNI from the name ($VNI1)" test -n "$VNI1" -a "$VNI1" = "$VNI2"
run on_host 1 network show ov0 --json
is "$(json_query 'field(j, "pool_start") + " " + field(j, "pool_end") + " " + ",".join(field(j, "peers"))' <<< "$out")" \
        "$P.1 $P.127 $H2" "network show --json: pool and peers"

# What the kernel has: a VXLAN port of the bridge, unicast to the peer.
VX=$(ip -n "$NS1" -o link show master ov0 type vxlan | awk -F': ' '{print $2}' | cut -d@ -f1)
like "$VX" '^sxv[0-9a-f]{8}$' "host 1: a VXLAN link of sysctr's name ($VX) is a port of ov0"
run ip -n "$NS1" -d link show "$VX"
like "$out" "vxlan id $VNI1 local $H1 .*dstport 4789" "... with the VNI, the local address, IANA's port"
run bridge -n "$NS1" fdb show dev "$VX"
like "$out" "^00:00:00:00:00:00 dst $H2 self permanent" "... and head-end replication to the peer"

# --- a container on each host; addresses from each host's share
run on_host 1 create busybox a --network ov0
is "$rc" 0 "host 1: a container on ov0" || diag "$err"
run on_host 2 create busybox b --network ov0
is "$rc" 0 "host 2: a container on ov0" || diag "$err"
run on_host 2 create busybox b2 --network ov0
is "$rc" 0 "host 2: a second container on ov0" || diag "$err"
ip_of() { on_host "$1" config show "$2" | sed -n 's/^ *ip: "\{0,1\}\([0-9.]*\)"\{0,1\}$/\1/p'; }
A=$(ip_of 1 a)
B=$(ip_of 2 b)
B2=$(ip_of 2 b2)
is "$A" "$P.2" "a got the first free address of host 1's share"
is "$B" "$P.129" "b got the first free address of host 2's share (not $P.2 again)"
is "$B2" "$P.130" "b2 the next one"
bad "an address of the other host's share" "outside this host's share of it \\($P\\.128 to $P\\.254\\)" \
        on_host 2 create busybox c --network "ov0:ip=$P.5"

for x in "1 a" "2 b"; do
        read -r h c <<< "$x"
        run on_host "$h" start "$c"
        is "$rc" 0 "host $h: start $c" || diag "$err"
done

# --- across the hosts, by address
run on_host 1 exec a -- ping -c 3 -W 2 "$B"
is "$rc" 0 "a (host 1) reaches b (host 2) over ov0" || diag "$out $err"
run on_host 2 exec b -- ping -c 3 -W 2 "$A"
is "$rc" 0 "b (host 2) reaches a (host 1)" || diag "$out $err"
# Measured (diagnostics only): round trips over the overlay and over the underlay beneath it.
rtt() { sed -n 's|.*min/avg/max = \([0-9.]*\)/\([0-9.]*\)/.*|min \1 avg \2 ms|p'; }
diag "measured: ping a -> b over ov0: $(on_host 1 exec a -- ping -c 20 -i 0.05 -q "$B" 2>&1 | rtt)"
diag "measured: ping host 1 -> host 2 (underlay): $(ip netns exec "$NS1" busybox ping -c 20 -i 0.05 -q "$H2" 2>&1 | rtt)"
run on_host 2 exec b -- ping -c 1 -W 2 "$P.1"
is "$rc" 0 "b reaches host 1's bridge too (one layer-2 network)"
tx=$(ip -n "$NS1" -s -j link show "$VX" | json_query 'j[0]["stats64"]["tx"]["packets"]')
ok "the frames went through host 1's VXLAN link ($tx sent)" test "${tx:-0}" -gt 0
run on_host 1 exec a -- ip route show default
like "$out" "via $P\.1 " "a's default route is its own host's bridge"

# --- sysctrd restarted on host 1: the overlay is made again from the network's file (the VXLAN link
# removed behind its back first)
ip -n "$NS1" link del "$VX"
run on_host 1 exec a -- ping -c 1 -W 1 "$B"
isnt "$rc" 0 "without host 1's VXLAN link, a does not reach b"
restart_host_sysctrd 1
run bridge -n "$NS1" fdb show dev "$VX"
like "$out" "^00:00:00:00:00:00 dst $H2 self permanent" "after a restart of host 1's sysctrd: the VXLAN link and its peer"
run ip -n "$NS1" -o link show master ov0 type vxlan
like "$out" "$VX" "... a port of ov0 again"
run on_host 1 exec a -- ping -c 2 -W 2 "$B"
is "$rc" 0 "... and a still reaches b" || diag "$out $err"

# --- delete: the VXLAN link goes with the network
for x in "1 a" "2 b" "2 b2"; do
        read -r h c <<< "$x"
        on_host "$h" delete --force "$c" >/dev/null 2>&1
done
run on_host 1 network delete ov0
is "$rc" 0 "host 1: network delete ov0" || diag "$err"
run ip -n "$NS1" link show "$VX"
isnt "$rc" 0 "... its VXLAN link is gone"
run on_host 2 network delete ov0
is "$rc" 0 "host 2: network delete ov0" || diag "$err"

# --- the same through a fleet file, applied from the client: apply gives each host the other as peer
P1=10.98.$((HOSTS_NET))
F=$T/overlay.yaml
cat > "$F" <<EOF
networks:
  - name: ov1
    type: vxlan
    subnet: $P1.0/24
containers:
  - name: fa
    template: busybox
    autostart: true
    networks: [ov1]
  - name: fb
    template: busybox
    autostart: true
    networks: [ov1]
hosts:
  - name: one
    address: root@$H1
    containers: [fa]
  - name: two
    address: root@$H2
    containers: [fb]
EOF
run hsysctr apply --yes "$F"
is "$rc" 0 "apply a fleet with a vxlan network over two hosts" || diag "$out $err"
like "$out" "create network ov1" "... it creates the network on the hosts"
run on_host 2 network show ov1
like "$out" "^Peers: $H1$" "host 2's peer is host 1, from hosts:"
like "$out" "^Pool: $P1\.128 - $P1\.254$" "... with its share"
FB=$(ip_of 2 fb)
is "$FB" "$P1.129" "fb got an address of host 2's share"
run on_host 1 exec fa -- ping -c 2 -W 2 "$FB"
is "$rc" 0 "fa (host 1) reaches fb (host 2) over the applied overlay" || diag "$out $err"
run hsysctr apply "$F"
is "$out" "Nothing to do: $F is applied." "a second apply: nothing to do"
for x in "1 fa" "2 fb"; do
        read -r h c <<< "$x"
        on_host "$h" delete --force "$c" >/dev/null 2>&1
        on_host "$h" network delete ov1 >/dev/null 2>&1
done
