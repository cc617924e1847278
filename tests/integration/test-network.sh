#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Networking through sysctr itself (sysctr network ..., create --network/--publish, set), with real
# traffic between real containers. The topology, all in network namespaces of the test's own:
#
#   upstream (U) ── veth ── the instance's namespace ("the host": sysctrd, its bridges, our table,
#   192.168.100.254       192.168.100.1 on up0           dnsmasq; lib.sh makes it)
#   fd00:100::fe          fd00:100::1                    sysctr0 (default), lan0 (NAT, DNS), lan1
#                         up0 is also the parent of the macvlan network phys (host access)
#
# Servers answer with the address they see their client at (net-peer.py), so NAT, DNAT and
# masquerading are proven by what arrives. Traffic goes only to these namespaces' own addresses.
. "$(dirname "$0")/lib.sh"
require_root
require_commands ip nft nsenter ss busybox "$PYTHON"
PEER="$top_srcdir/tests/integration/net-peer.py"

U=sxnet-up-$$
BACKGROUND=()
teardown_upstream() {
        local p
        for p in "${BACKGROUND[@]}"; do kill_wait "$p" 2; done
        for p in $(ip netns pids "$U" 2>/dev/null); do kill_wait "$p" 2; done
        ip netns del "$U" 2>/dev/null
}
at_cleanup teardown_upstream
setup_instance

# --- helpers -----------------------------------------------------------------------------------
leader() { agent_field "$1" LEADER_PID; }
# The namespace file of WHERE: "host" (the instance's namespace), "up" (upstream), or a container.
netns_of() {
        case $1 in
        host) echo "/run/netns/$NETNS" ;;
        up) echo "/run/netns/$U" ;;
        *) echo "/proc/$(leader "$1")/ns/net" ;;
        esac
}
# in_where WHERE CMD...: CMD (a program of the host) in that network namespace, nothing else of it.
in_where() { local w=$1; shift; nsenter --net="$(netns_of "$w")" "$@"; }
in_ctr() { in_where "$@"; }
in_up() { in_where up "$@"; }
# serve WHERE TAG PORT [tcp|udp]: a server answering "TAG PEER-ADDRESS", in the background (nsenter
# execs it: $! is the server itself).
serve() {
        local w=$1 tag=$2 port=$3 proto=${4:-tcp} opt=-lnt
        nsenter --net="$(netns_of "$w")" "$PYTHON" "$PEER" serve "$tag" "$port" "$proto" >>"$T/servers.log" 2>&1 &
        BACKGROUND+=($!)
        [ "$proto" = udp ] && opt=-lnu
        wait_for 5 eval "in_where '$w' ss -H $opt 'sport = :$port' | grep -q ."
}
# End our servers in a container's namespace, before it stops (they would keep it alive).
stop_servers() {
        local c ns p
        for c in "$@"; do
                ns=$(readlink "$(netns_of "$c")")
                for p in "${BACKGROUND[@]}"; do
                        [ "$(readlink "/proc/$p/ns/net" 2>/dev/null)" = "$ns" ] && kill_wait "$p" 2
                done
        done
        return 0
}
ask() { in_where "$1" "$PYTHON" "$PEER" ask "$2" "$3" "${4:-tcp}"; }
reaches() { is "$(ask "$2" "$3" "$4" "${6:-tcp}")" "$5" "$1"; }          # DESC WHERE ADDR PORT ANSWER [proto]
blocked() { like "$(NET_PEER_TIMEOUT=1.5 ask "$2" "$3" "$4")" '^error ' "$1"; }   # DESC WHERE ADDR PORT
# The container's address on its first network, from "sysctr info --json".
info_field() { sysctr info "$1" --json | json_query "field(j, argv[0])" "$2"; }
nft_json() { in_netns nft -j list table inet sysctr; }
rule_count() { nft_json | "$PYTHON" -c 'import json,sys; print(sum(1 for o in json.load(sys.stdin)["nftables"] if "rule" in o))'; }
elements() {    # SET: its elements as nft -j shows them, one a line
        nft_json | "$PYTHON" -c '
import json, sys
for o in json.load(sys.stdin)["nftables"]:
    s = o.get("set") or o.get("map")
    if s and s["name"] == sys.argv[1]:
        for e in s.get("elem", []):
            print(json.dumps(e, sort_keys=True))' "$1"
}
dnsmasq_pid() { cat "$SYSCTR_RUNTIME_DIR/networks/$1/dnsmasq.pid" 2>/dev/null; }
start_ok() { run sysctr start "$@"; is "$rc" 0 "start $*" || diag "$err" "$(tail -n 20 "$T/sysctrd.log")"; }

# --- the upstream LAN -----------------------------------------------------------------------------
ip netns add "$U" && ip -n "$U" link set lo up || bail "cannot make the upstream namespace"
in_netns ip link add up0 type veth peer name eth0 netns "$U" &&
        in_netns ip addr add 192.168.100.1/24 dev up0 && in_netns ip addr add fd00:100::1/64 dev up0 nodad &&
        ip -n "$U" addr add 192.168.100.254/24 dev eth0 && ip -n "$U" addr add fd00:100::fe/64 dev eth0 nodad &&
        in_netns ip link set up0 up && ip -n "$U" link set eth0 up || bail "cannot make the upstream LAN"
serve up up 9000 || bail "no server upstream"
nsenter --net="/run/netns/$U" "$PYTHON" "$PEER" echo up-echo 9001 >>"$T/servers.log" 2>&1 &
BACKGROUND+=($!)
serve host host 7000 || bail "no server on the host"

# --- the default network ----------------------------------------------------------------------------
run sysctr network list --json
is "$(json_query '[n["name"] + " " + n["type"] for n in j]' <<<"$out")" "sysctr0 bridge" \
        "a default bridge network exists out of the box"
like "$(sysctr network show sysctr0)" $'NAT: yes\nDNS: yes' "...with NAT and DNS"
run sysctr create busybox web1
is "$rc" 0 "create web1 without --network" || diag "$err"
start_ok web1
like "$(sysctr exec web1 -- ip -o addr show dev eth0 | tr '\n' ' ')" 'inet 10\.88\.0\.2/24.*inet6 fd[0-9a-f:]+::2/64' \
        "web1 has eth0 on the default network, IPv4 and an IPv6 ULA address, before its init ran"
reaches "web1 -> upstream through NAT: the upstream sees the host's address" web1 192.168.100.254 9000 "up 192.168.100.1"
reaches "...over IPv6 too (NAT66 of the ULA subnet)" web1 fd00:100::fe 9000 "up fd00:100::1"
like "$(sysctr exec web1 -- cat /etc/resolv.conf)" $'nameserver 10.88.0.1\nnameserver fd[0-9a-f:]+::1\nsearch sysctr0' \
        "its resolv.conf names the bridge's DNS server"
is "$(info_field web1 addresses | head -n 1)" 10.88.0.2 "sysctr info shows its addresses"
is "$(busctl --system get-property org.sysctr1 /org/sysctr1/container/web1 org.sysctr1.Container Addresses | cut -d' ' -f1-3)" \
        'as 2 "10.88.0.2"' "...and so does the Addresses property"

# --- a network of our own: lan0, and a second one, lan1 ------------------------------------------------
run sysctr network create lan0 --subnet 10.77.0.0/24 --ipv6 fd42:77::/64 --nat --dns --domain corp.test
is "$rc" 0 "network create lan0 --nat --dns" || diag "$err"
run sysctr network create lan1 --subnet 10.78.0.0/24 --nat --dns
is "$rc" 0 "network create lan1" || diag "$err"
like "$(in_netns ip -br addr show dev lan0)" '10\.77\.0\.1/24 fd42:77::1/64' "lan0's bridge has its gateway addresses"
ok "sysctr network show --json" eval "sysctr network show lan0 --json | json_query 'j[\"subnet6\"]' | grep -qx fd42:77::/64"
RULES0=$(rule_count)
is "$RULES0" 31 "our table has its 31 rules"
listening=$(in_netns ss -H -lntu 'sport = :53' | awk '{print $5}' | sort -u | tr '\n' ' ')
diag "port 53 sockets on the host: $listening"
unlike "$listening" '(^| )(0\.0\.0\.0|\*|\[::\]):53' "no DNS server on the wildcard address"
like "$listening" '10\.77\.0\.1:53.*10\.78\.0\.1:53' "each bridge's dnsmasq on its own address"

run sysctr create busybox a1 --network lan0:ip=10.77.0.10 --publish 8080:80 --publish 9053:9053/udp
is "$rc" 0 "create a1 on lan0 with an address of its choosing and published ports" || diag "$err"
run sysctr create busybox a2 --network lan0
is "$rc" 0 "create a2 on lan0" || diag "$err"
is "$(info_field a2 addresses | head -n 1)" 10.77.0.2 "a2 gets the lowest free address"
run sysctr create busybox b1 --network lan1
is "$rc" 0 "create b1 on lan1" || diag "$err"
run sysctr create busybox guest --network lan0 --allow-host
is "$rc" 0 "create guest on lan0 with --allow-host" || diag "$err"
start_ok a1 a2 b1 guest
serve a1 a1 80 || bail "no server in a1"
serve a1 a1-udp 9053 udp || bail "no udp server in a1"
serve a2 a2 80 || bail "no server in a2"
serve b1 b1 80 || bail "no server in b1"

reaches "a2 -> a1 on one bridge, IPv4" a2 10.77.0.10 80 "a1 10.77.0.2"
A1_V6=$(info_field a1 addresses | sed -n 2p)
A2_V6=$(info_field a2 addresses | sed -n 2p)
reaches "a2 -> a1 on one bridge, IPv6" a2 "$A1_V6" 80 "a1 $A2_V6"
ok "the guest's own ping reaches its peer" sysctr exec a2 -- ping -c 1 -W 2 10.77.0.10
reaches "a1 -> upstream through NAT" a1 192.168.100.254 9000 "up 192.168.100.1"

# Published ports, from everywhere.
reaches "upstream -> host:8080 reaches a1, which sees the real client" up 192.168.100.1 8080 "a1 192.168.100.254"
reaches "upstream -> host:9053/udp" up 192.168.100.1 9053 "a1-udp 192.168.100.254" udp
reaches "the host itself -> 127.0.0.1:8080" host 127.0.0.1 8080 "a1 10.77.0.1"
reaches "the host itself -> its own address:8080" host 192.168.100.1 8080 "a1 192.168.100.1"
reaches "hairpin: a2 (same bridge) -> host:8080" a2 192.168.100.1 8080 "a1 10.77.0.1"
reaches "b1 (another bridge) -> host:8080: a published port is public" b1 192.168.100.1 8080 "a1 10.77.0.1"

# Isolation.
blocked "isolation: b1 (lan1) cannot reach a1 (lan0)" b1 10.77.0.10 80
blocked "...nor a1 reach b1" a1 10.78.0.2 80
blocked "...nor web1 (sysctr0) reach a2" web1 10.77.0.2 80
blocked "a NAT network takes no connection from outside" up 10.77.0.10 80

# The host's own services.
like "$(ask a1 10.77.0.1 7000)" '^error 113 EHOSTUNREACH' "the host's services are closed to containers"
reaches "...but open to a container with --allow-host" guest 10.77.0.1 7000 "host 10.77.0.3"

# Names and leases.
like "$(sysctr exec a2 -- nslookup a1.corp.test 2>&1)" 'Address: 10\.77\.0\.10' \
        "a2 resolves a1.corp.test (the network's domain) with its own resolv.conf"
like "$(sysctr exec a2 -- nslookup a1 2>&1)" 'Address: 10\.77\.0\.10' "...and the plain name a1"
cat > "$T/udhcpc.sh" <<EOF
#!/bin/sh
[ "\$1" = bound ] && echo "\$ip \$router \$dns" > "$T/lease"
exit 0
EOF
chmod +x "$T/udhcpc.sh"
rm -f "$T/lease"
in_ctr a2 busybox udhcpc -i eth0 -n -q -f -t 3 -T 1 -s "$T/udhcpc.sh" >>"$T/udhcpc.log" 2>&1
is "$(cat "$T/lease" 2>/dev/null)" "10.77.0.2 10.77.0.1 10.77.0.1" \
        "a guest's own DHCP client gets the address sysctr allocated"

# The rule count does not grow with containers.
for i in 1 2 3 4 5 6; do
        run sysctr create busybox n$i --network lan0 --publish $((20000 + i)):80
        [ "$rc" -eq 0 ] || diag "create n$i: $err"
done
start_ok n1 n2 n3 n4 n5 n6
is "$(rule_count)" "$RULES0" "the same $RULES0 rules with ten running containers"
is "$(elements ports_v4 | grep -c '"comment": "n')" 6 "their ports are six map elements"
stop_servers n1 n2 n3 n4 n5 n6
run sysctr stop n1 n2 n3 n4 n5 n6
is "$(elements ports_v4 | grep -c '"comment": "n')" 0 "...gone when they stop"
for i in 1 2 3 4 5 6; do sysctr delete n$i >/dev/null 2>&1; done

# --- changes ---------------------------------------------------------------------------------------
run sysctr set a2 publish=8082:80
is "$rc" 0 "publish a port of the running a2" || diag "$err"
reaches "...it works at once" up 192.168.100.1 8082 "a2 192.168.100.254"
run sysctr set a2 publish=
is "$rc" 0 "unpublish it" || diag "$err"
blocked "...and it is gone" up 192.168.100.1 8082
run sysctr set a2 network=lan1
is "$rc" 1 "networks do not change while the container runs"
like "$err" 'is running: its networks change while it is stopped' "...says so"

# --- bad input: a clear error, and nothing changes --------------------------------------------------------
before=$(sysctr network list; in_netns ip -br link; nft_json | "$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)["nftables"]))')
bad() {         # DESC EXPECTED-ERROR sysctr ARGS...
        local desc=$1 want=$2
        shift 2
        run "$@"
        isnt "$rc" 0 "$desc: refused"
        like "$err" "$want" "$desc: $want"
}
bad "an overlapping subnet" 'Subnet 10\.77\.0\.128/25 overlaps 10\.77\.0\.0/24' sysctr network create lan9 --subnet 10.77.0.128/25
bad "a subnet with host bits" 'Invalid subnet "10\.79\.0\.1/24"' sysctr network create lan9 --subnet 10.79.0.1/24
bad "a loopback subnet" 'Invalid IPv4 subnet "127\.1\.0\.0/16": it is loopback' sysctr network create lan9 --subnet 127.1.0.0/16
bad "a missing parent link" 'The parent link "eth9" does not exist' sysctr network create lan9 --type macvlan --parent eth9
bad "an existing name" 'Network "lan0" already exists' sysctr network create lan0
bad "an address outside the subnet" 'Address 10\.99\.0\.5 cannot be a container.s on network lan0' \
        sysctr create busybox x1 --network lan0:ip=10.99.0.5
bad "an address that is taken" 'Address 10\.77\.0\.10 on network lan0 is taken by container a1' \
        sysctr create busybox x1 --network lan0:ip=10.77.0.10
bad "a port already published" 'Port 8080:81/tcp is already published by container a1' \
        sysctr create busybox x1 --network lan0 --publish 8080:81/tcp
bad "an unknown network" 'No network "nosuch"' sysctr create busybox x1 --network nosuch
bad "the host's namespace for an unprivileged container" 'privileged containers only' \
        sysctr create busybox x1 --network host
bad "deleting a network in use" 'Network "lan0" is used by containers a1, a2, guest' sysctr network delete lan0
is "$(sysctr network list; in_netns ip -br link; nft_json | "$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)["nftables"]))')" \
        "$before" "none of them changed a network, a link or the table"
not_ok "...nor made a container" test -e "$SYSCTR_STATE_DIR/containers/x1"

# --- macvlan -------------------------------------------------------------------------------------------
run sysctr network create phys --type macvlan --parent up0 --subnet 192.168.100.0/24 \
        --gateway 192.168.100.254 --host-access
is "$rc" 0 "network create phys --type macvlan --parent up0 --host-access" || diag "$err"
run sysctr create busybox m1 --network phys:ip=192.168.100.50
is "$rc" 0 "create m1 on phys" || diag "$err"
start_ok m1
like "$(in_ctr m1 ip -d link show eth0)" 'macvlan mode bridge' "m1's eth0 is a macvlan"
serve m1 m1 80 || bail "no server in m1"
reaches "upstream -> m1: a peer on the LAN" up 192.168.100.50 80 "m1 192.168.100.254"
reaches "m1 -> upstream with its own address" m1 192.168.100.254 9000 "up 192.168.100.50"
reaches "the host reaches its own macvlan container (--host-access)" host 192.168.100.50 80 "m1 192.168.100.1"
reaches "...and m1 the host" m1 192.168.100.1 7000 "host 192.168.100.50"

# --- namespace modes -------------------------------------------------------------------------------------
run sysctr create busybox lonely --network none
is "$rc" 0 "create --network none" || diag "$err"
start_ok lonely
is "$(sysctr exec lonely -- ip -o link | awk '{print $2}' | tr -d ':' | tr '\n' ' ')" "lo " "...only lo"
run sysctr create busybox side --network container:a1
is "$rc" 0 "create --network container:a1" || diag "$err"
start_ok side
like "$(sysctr exec side -- ip -o addr show dev eth0)" 'inet 10\.77\.0\.10/24' "side shares a1's eth0"
reaches "...and reaches a1's server on localhost" side 127.0.0.1 80 "a1 127.0.0.1"
stop_servers a1
run sysctr stop side a1
run sysctr start side
isnt "$rc" 0 "side does not start while a1 does not run"
like "$err" 'shares the network namespace of "a1", which is not running' "...says so"
start_ok a1
serve a1 a1 80 || bail "no server in a1"

# host mode, for a privileged container only.
run sysctr create busybox hostc --privileged --network host
is "$rc" 0 "create --privileged --network host" || diag "$err"
start_ok hostc
like "$(sysctr exec hostc -- ip -o link)" 'up0' "a privileged container with --network host sees the host's links"

# --- the doctor ----------------------------------------------------------------------------------------------
run sysctr network doctor
is "$rc" 0 "the doctor finds nothing to stop the traffic"
# Docker's own FORWARD setup (iptables-nft), there before sysctr's traffic: policy drop, and the
# DOCKER-USER chain where Docker's documentation says the administrator's accepts go.
in_netns iptables -N DOCKER-USER && in_netns iptables -A DOCKER-USER -j RETURN &&
        in_netns iptables -A FORWARD -j DOCKER-USER &&
        in_netns iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT &&
        in_netns iptables -P FORWARD DROP || bail "cannot make Docker's FORWARD chain"
blocked "Docker's forward policy drops a1's traffic to the outside" a1 192.168.100.254 9000
run sysctr network doctor
is "$rc" 1 "the doctor reports it (exit status 1)"
like "$out" 'error: table ip filter, chain FORWARD: hook forward, policy drop' "...names the chain"
fix=$(sed -n 's/^  Fix: \(iptables -I DOCKER-USER.*\) (and the same with ip6tables)\.$/\1/p' <<<"$out")
like "$fix" 'iptables -I DOCKER-USER -i lan0 -j ACCEPT; iptables -I DOCKER-USER -o lan0 -j ACCEPT' \
        "...and says what to do, in Docker's own chain, for our bridges"
run sysctr network create lan2 --subnet 10.79.0.0/24
like "$err" 'Warning: table ip filter, chain FORWARD' "network create warns about it"
sysctr network delete lan2 >/dev/null 2>&1
ok "the doctor's cure, word for word" in_netns sh -c "$fix"
reaches "...and a1 reaches the outside again" a1 192.168.100.254 9000 "up 192.168.100.1"
# Its counters count; anything else of it must stay as it is.
foreign_table() { in_netns nft list table ip filter | sed 's/counter packets [0-9]* bytes [0-9]*/counter/'; }
FOREIGN=$(foreign_table)

# --- sysctrd SIGKILLed: what a crash leaves is put right ----------------------------------------------------
rm -f "$T/go"
in_ctr a1 "$PYTHON" "$PEER" hold 192.168.100.254 9001 "$T/go" >"$T/hold.out" 2>&1 &
HOLD=$!
BACKGROUND+=($HOLD)
wait_for 5 test -s "$T/hold.out"
is "$(head -n 1 "$T/hold.out")" "up-echo 192.168.100.1 first" "a1 holds a connection to upstream through NAT"
DNS0=$(dnsmasq_pid sysctr0)
DNS_LAN0=$(dnsmasq_pid lan0)
kill -KILL "$SYSCTRD_PID"
wait "$SYSCTRD_PID" 2>/dev/null
# What a crash (or a hand) leaves: a stale element, a missing one, a stale link, a dead dnsmasq.
in_netns nft add element inet sysctr ports_v4 '{ tcp . 4444 comment "gone" : 10.77.0.99 . 80 }'
in_netns nft delete element inet sysctr ports_v4 '{ tcp . 8080 }'
blocked "(with a1's port element deleted, 8080 is dead)" up 192.168.100.1 8080
in_netns ip link add vsx0000000000ff type veth peer name vsx0000000000fe
kill -KILL "$DNS_LAN0"
start_sysctrd
reaches "sysctrd back: a1's published port is back" up 192.168.100.1 8080 "a1 192.168.100.254"
is "$(elements ports_v4 | grep -c '"gone"')" 0 "...the stale element is gone"
is "$(rule_count)" "$RULES0" "...and the rules are the $RULES0 of the design"
not_ok "...the stale link is gone" in_netns ip link show vsx0000000000ff
ok "lan0's dnsmasq runs again" wait_for 5 eval '[ -n "$(dnsmasq_pid lan0)" ] && [ "$(dnsmasq_pid lan0)" != "$DNS_LAN0" ] && kill -0 "$(dnsmasq_pid lan0)"'
is "$(dnsmasq_pid sysctr0)" "$DNS0" "sysctr0's dnsmasq, alive all along, was adopted (not restarted)"
like "$(sysctr exec a2 -- nslookup a1 2>&1)" 'Address: 10\.77\.0\.10' "names resolve again"
touch "$T/go"
wait "$HOLD"
is "$(sed -n 2p "$T/hold.out")" "up-echo 192.168.100.1 second" "a1's connection survived the crash and the rebuild"

is "$(foreign_table)" "$FOREIGN" "Docker's table is just as it was: never touched"

# --- delete: nothing of it remains ---------------------------------------------------------------------------
LAN0_DNS=$(dnsmasq_pid lan0)
stop_servers m1 a1 a2 b1
run sysctr stop hostc side lonely m1 a1 a2 b1 guest web1
is "$rc" 0 "stop everything" || diag "$err"
is "$(in_netns ip -br link | awk '$1 ~ /^vsx/' )" "" "no veth is left after the stop"
run sysctr delete hostc side lonely m1 a1 a2 b1 guest web1
is "$rc" 0 "delete the containers" || diag "$err"
run sysctr network delete lan0 lan1 phys
is "$rc" 0 "delete the networks" || diag "$err"
is "$(in_netns ip -br link | awk '{print $1}' | sed 's/@.*//' | sort | tr '\n' ' ')" "lo sysctr0 up0 " \
        "no bridge or host-access link of theirs is left"
is "$(in_netns ip -br addr show dev up0 | awk '{print $3, $4}')" "192.168.100.1/24 fd00:100::1/64" \
        "the parent keeps its addresses"
is "$(elements subnets_v4 | grep -c 'lan')" 0 "no element of theirs is left in the table"
is "$(rule_count)" "$RULES0" "...which keeps its rules for the default network"
ok "lan0's dnsmasq is gone" wait_for 5 eval "! kill -0 $LAN0_DNS 2>/dev/null"
ok "...and so are the networks' runtime files" eval "[ ! -e '$SYSCTR_RUNTIME_DIR/networks/lan0' ]"
teardown_upstream
not_ok "the upstream namespace is gone" ip netns pids "$U"
