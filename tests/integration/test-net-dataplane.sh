#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The network data plane for real, in network namespaces this test makes (and removes):
#
#   upstream ── veth ── HOST (bridges lan0, lan1; our nft table; dnsmasq; a Docker-like table)
#   192.168.100.254      192.168.100.1 on up0                 │
#   fd00:100::fe         fd00:100::1           lan0 10.88.0.0/24 fd42:88::/64, NAT:  web, peer, stranger
#                                              lan1 10.89.0.0/24 fd42:89::/64, NAT, isolated:  other
#   macvlan containers mv (bridge mode) and mvp (private mode) on up0, the host's LAN link
#
# Every step goes through the modules themselves (net-driver: common/rtnl, manager/nft, ipam,
# dnsmasq-config); the checks are traffic (net-peer.py: servers that answer with the peer address
# they see), "nft -j" and what the driver reads back. Traffic goes only to these namespaces' own
# addresses; nothing outside them is touched.
. "$(dirname "$0")/lib.sh"
require_root
require_commands ip nft dnsmasq busybox ss "$PYTHON"
DRIVER=$top_builddir/net-driver
PEER="$top_srcdir/tests/integration/net-peer.py"
[ -x "$DRIVER" ] || bail "$DRIVER is not built"

S=$$                                    # namespaces and temp dir are named after this test's pid
H=sxnet-host-$S U=sxnet-up-$S
W=$(mktemp -d "${TMPDIR:-/tmp}/sxnet.XXXXXX") || bail "mktemp failed"
chmod 0755 "$W"                         # dnsmasq rereads its hosts files as user dnsmasq
NAMESPACES=()
BACKGROUND=()

# Every process in our namespaces is one this test started (servers, dnsmasq): end them by pid,
# then the namespaces (their links go with them), then the temp dir.
ns_pids() { local n; for n in "${NAMESPACES[@]}"; do ip netns pids "$n" 2>/dev/null; done; }
teardown() {
        local p n
        for p in "${BACKGROUND[@]}" $(ns_pids); do kill_wait "$p" 2; done
        for n in "${NAMESPACES[@]}"; do ip netns del "$n" 2>/dev/null; done
        rm -rf "$W"
}
at_cleanup teardown

# --- helpers -----------------------------------------------------------------------------------
in_ns() { local n=$1; shift; ip netns exec "$n" "$@"; }
drv() { local n=$1; shift; ip netns exec "$n" "$DRIVER" "$@"; }
new_ns() { ip netns add "$1" && NAMESPACES+=("$1") && ip -n "$1" link set lo up; }

# serve NS TAG PORT [tcp|udp] [ADDRESS]: a server answering "TAG PEER-ADDRESS", in the background.
serve() {
        local ns=$1 tag=$2 port=$3 proto=${4:-tcp} opt=-lnt
        ip netns exec "$ns" "$PYTHON" "$PEER" serve "$tag" "$port" "$proto" ${5:+"$5"} >>"$W/servers.log" 2>&1 &
        BACKGROUND+=($!)
        [ "$proto" = udp ] && opt=-lnu
        wait_for 5 eval "ip netns exec '$ns' ss -H $opt 'sport = :$port' | grep -q ."
}

# ask NS ADDRESS PORT [tcp|udp]: prints the server's answer or "error ERRNO NAME".
ask() { ip netns exec "$1" "$PYTHON" "$PEER" ask "$2" "$3" "${4:-tcp}"; }
# reaches DESCRIPTION NS ADDRESS PORT EXPECTED-ANSWER [tcp|udp]
reaches() { is "$(ask "$2" "$3" "$4" "${6:-tcp}")" "$5" "$1"; }
# blocked DESCRIPTION NS ADDRESS PORT [tcp|udp]: no answer (timeout or refusal) within 1.5 s
blocked() { like "$(NET_PEER_TIMEOUT=1.5 ask "$2" "$3" "$4" "${5:-tcp}")" '^error ' "$1"; }

nft_json() { ip netns exec "$H" nft -j list table inet sysctr; }
# rule_count / element_count SET from "nft -j list table inet sysctr"
rule_count() {
        nft_json | "$PYTHON" -c 'import json,sys; print(sum(1 for o in json.load(sys.stdin)["nftables"] if "rule" in o))'
}
element_count() {
        nft_json | "$PYTHON" -c '
import json, sys
for o in json.load(sys.stdin)["nftables"]:
    s = o.get("set") or o.get("map")
    if s and s["name"] == sys.argv[1]:
        print(len(s.get("elem", [])))' "$1"
}
foreign_table() { ip netns exec "$H" nft list table ip dockerlike 2>&1; }

# --- the namespaces ------------------------------------------------------------------------------
new_ns "$H" && new_ns "$U" || bail "cannot create network namespaces"
ip -n "$H" link add up0 type veth peer name eth0 netns "$U" &&
        ip -n "$H" addr add 192.168.100.1/24 dev up0 && ip -n "$H" addr add fd00:100::1/64 dev up0 nodad &&
        ip -n "$U" addr add 192.168.100.254/24 dev eth0 && ip -n "$U" addr add fd00:100::fe/64 dev eth0 nodad &&
        ip -n "$H" link set up0 up && ip -n "$U" link set eth0 up || bail "cannot make the upstream LAN"
# The host routes (sysctrd has to make sure of it; here it is the namespace's own setting).
in_ns "$H" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || bail "sysctl"
BRNF=/proc/sys/net/bridge/bridge-nf-call-iptables
BRNF_MODE=$(in_ns "$H" cat "$BRNF" 2>/dev/null || echo absent)
diag "br_netfilter in the host namespace: bridge-nf-call-iptables=$BRNF_MODE"

# A Docker-like table of someone else's, there before us: FORWARD drops by default, and the admin
# accepts sysctr's bridges in DOCKER-USER, as Docker's documentation says to do for other bridges.
in_ns "$H" nft -f - <<'EOF' || bail "cannot create the foreign table"
table ip dockerlike {
        chain DOCKER-USER {
                iifname { "lan0", "lan1" } accept
                oifname { "lan0", "lan1" } accept
        }
        chain FORWARD {
                type filter hook forward priority filter; policy drop;
                jump DOCKER-USER
                ct state established,related accept
        }
}
EOF
FOREIGN_BEFORE=$(foreign_table)

# --- bridges and the table -----------------------------------------------------------------------
LAN0="name=lan0,bridge=lan0,subnet=10.88.0.0/24,subnet6=fd42:88::/64,nat"
LAN1="name=lan1,bridge=lan1,subnet=10.89.0.0/24,subnet6=fd42:89::/64,nat,isolated"
WEB="name=web,network=lan0,address=10.88.0.2,address6=fd42:88::2,mac=52:54:00:88:00:02"
WEB_PORTS="publish=8080:80/tcp,publish=9053:9053/udp,publish=192.168.100.1:8081:80/tcp"
PEER_C="name=peer,network=lan0,address=10.88.0.3,address6=fd42:88::3,mac=52:54:00:88:00:03,allow-host"
OTHER="name=other,network=lan1,address=10.89.0.2,address6=fd42:89::2,mac=52:54:00:89:00:02"

ok "bridge lan0 over rtnetlink" drv "$H" bridge-up --name lan0 --address 10.88.0.1/24 --address fd42:88::1/64
ok "bridge lan1" drv "$H" bridge-up --name lan1 --address 10.89.0.1/24 --address fd42:89::1/64
like "$(ip -n "$H" -d link show lan0)" 'stp_state 0.*' "lan0: STP off"
like "$(ip -n "$H" -d link show lan0)" 'forward_delay 0 ' "lan0: forward delay 0"
is "$(in_ns "$H" cat /proc/sys/net/ipv4/conf/lan0/route_localnet)" 1 "lan0: route_localnet on (set over rtnetlink)"
run_err=$(drv "$H" bridge-up --name lanx --mtu 30 2>&1)
like "$run_err" 'creating bridge lanx: Invalid argument \(.+\)' "a refused request carries the kernel's own explanation"

ok "sync the table: lan0 and lan1, no container yet" drv "$H" nft-sync --network "$LAN0" --network "$LAN1"
is "$(rule_count)" 31 "31 rules"

# --- containers ----------------------------------------------------------------------------------
attach() {      # NS HOST-IF BRIDGE MAC ADDR4 ADDR6 GW4 GW6
        drv "$H" attach --netns "/run/netns/$1" --host-if "$2" --bridge "$3" --mac "$4" \
                --address "$5" --address "$6" --gateway "$7" --gateway "$8"
}
CWEB=sxnet-web-$S CPEER=sxnet-peer-$S COTHER=sxnet-other-$S
# Made here, not inside "ok" (a subshell), so that teardown knows them.
new_ns "$CWEB" && new_ns "$CPEER" && new_ns "$COTHER" || bail "cannot create the containers' namespaces"
ok "container web: veth born in its namespace as eth0, addresses, routes" \
        attach "$CWEB" vweb lan0 52:54:00:88:00:02 10.88.0.2/24 fd42:88::2/64 10.88.0.1 fd42:88::1
ok "container peer" attach "$CPEER" vpeer lan0 52:54:00:88:00:03 10.88.0.3/24 fd42:88::3/64 10.88.0.1 fd42:88::1
ok "container other (lan1)" attach "$COTHER" vother lan1 52:54:00:89:00:02 10.89.0.2/24 fd42:89::2/64 10.89.0.1 fd42:89::1
is "$(ip -n "$CWEB" -br link show eth0 | awk '{print $1}')" "eth0@if$(ip -n "$H" -o link show vweb | cut -d: -f1)" \
        "web's eth0 is the peer of vweb on the host"
ok "web's host side is a port of lan0" eval "ip -n '$H' link show vweb | grep -q 'master lan0'"
ok "web's eth0 has the MAC sysctr chose" eval "ip -n '$CWEB' link show eth0 | grep -q 52:54:00:88:00:02"
like "$(ip -n "$CWEB" -6 addr show dev eth0)" 'fd42:88::2/64 scope global nodad' "IPv6 address without DAD"
like "$(ip -n "$CWEB" route show default)" 'default via 10.88.0.1 dev eth0' "default route (IPv4)"
like "$(ip -n "$CWEB" -6 route show default)" 'default via fd42:88::1 dev eth0' "default route (IPv6)"
like "$(drv "$H" links)" 'link vweb index [0-9]+ kind veth master [0-9]+ up' "rtnl lists the links for reconciliation"

ok "web's elements: published ports (one batch)" \
        drv "$H" nft-endpoint --network "$LAN0" --container "$WEB,$WEB_PORTS"
ok "peer's elements: host access" drv "$H" nft-endpoint --network "$LAN0" --container "$PEER_C"
is "$(rule_count)" 31 "still 31 rules with three containers' elements"

serve "$CWEB" web 80 || bail "server in web"
serve "$CWEB" web-udp 9053 udp || bail "udp server in web"
serve "$CPEER" peer 80 || bail "server in peer"
serve "$COTHER" other 80 || bail "server in other"
serve "$U" up 9000 || bail "server upstream"
serve "$H" host 7000 || bail "server on the host"
serve "$H" host2 7001 || bail "server on the host"

# --- one bridge, and NAT to the outside -----------------------------------------------------------
reaches "web -> peer over IPv4" "$CWEB" 10.88.0.3 80 "peer 10.88.0.2"
reaches "web -> peer over IPv6" "$CWEB" fd42:88::3 80 "peer fd42:88::2"
reaches "web -> upstream: the upstream sees the host's address (NAT)" "$CWEB" 192.168.100.254 9000 "up 192.168.100.1"
reaches "web -> upstream over IPv6: NAT66 of the ULA subnet" "$CWEB" fd00:100::fe 9000 "up fd00:100::1"
ip -n "$U" route add 10.88.0.0/24 via 192.168.100.1 && ip -n "$U" route add fd42:88::/64 via fd00:100::1
blocked "a NAT network takes no connection from outside, even from a router of its subnet" "$U" 10.88.0.2 80
blocked "...nor over IPv6" "$U" fd42:88::2 80

# --- published ports ------------------------------------------------------------------------------
check_published() {     # SUFFIX: the br_netfilter mode the checks run in
        reaches "upstream -> host:8080 reaches web, which sees the real client$1" "$U" 192.168.100.1 8080 "web 192.168.100.254"
        reaches "upstream -> [host]:8080 over IPv6$1" "$U" fd00:100::1 8080 "web fd00:100::fe"
        reaches "upstream -> host:9053/udp$1" "$U" 192.168.100.1 9053 "web-udp 192.168.100.254" udp
        reaches "the host itself -> 127.0.0.1:8080 (route_localnet + masquerade)$1" "$H" 127.0.0.1 8080 "web 10.88.0.1"
        reaches "the host itself -> its own address:8080$1" "$H" 192.168.100.1 8080 "web 192.168.100.1"
        reaches "the host itself -> its own IPv6 address:8080$1" "$H" fd00:100::1 8080 "web fd00:100::1"
        reaches "hairpin: peer -> host:8080 on the same bridge$1" "$CPEER" 192.168.100.1 8080 "web 10.88.0.1"
        reaches "hairpin: peer -> gateway:8080$1" "$CPEER" 10.88.0.1 8080 "web 10.88.0.1"
        reaches "hairpin over IPv6: peer -> [host]:8080$1" "$CPEER" fd00:100::1 8080 "web fd42:88::1"
        reaches "hairpin: web -> its own published port$1" "$CWEB" 192.168.100.1 8080 "web 10.88.0.1"
        reaches "another bridge's container -> host:8080 (published ports are public)$1" "$COTHER" 192.168.100.1 8080 "web 10.88.0.1"
}
check_published ""
if [ "$BRNF_MODE" != absent ]; then
        other_mode=$((1 - BRNF_MODE))
        in_ns "$H" sysctl -qw "net.bridge.bridge-nf-call-iptables=$other_mode" "net.bridge.bridge-nf-call-ip6tables=$other_mode"
        check_published " (bridge-nf-call-iptables=$other_mode)"
        in_ns "$H" sysctl -qw "net.bridge.bridge-nf-call-iptables=$BRNF_MODE" "net.bridge.bridge-nf-call-ip6tables=$BRNF_MODE"
fi
like "$(NET_PEER_TIMEOUT=1 ask "$H" ::1 8080)" '^error [0-9]+ ECONNREFUSED' \
        "[::1]:8080 is left alone (no route_localnet in IPv6): refused, not a black hole"
reaches "a port published on one address: upstream -> 192.168.100.1:8081" "$U" 192.168.100.1 8081 "web 192.168.100.254"
like "$(NET_PEER_TIMEOUT=1.5 ask "$CWEB" 10.88.0.1 8081)" '^error 113 EHOSTUNREACH' \
        "...and not on another address (the host refuses it to containers)"
like "$(NET_PEER_TIMEOUT=1.5 ask "$U" fd00:100::1 8081)" '^error ' "...nor over IPv6"

out=$(drv "$H" nft-publish --delete --network "$LAN0" --container "$WEB,publish=8080:80/tcp")
like "$out" 'nft-publish: 2 commands in one batch, applied in [0-9]+ us' "unpublish 8080 (both families, one batch)"
blocked "upstream -> host:8080 no longer reaches web" "$U" 192.168.100.1 8080
out=$(drv "$H" nft-publish --network "$LAN0" --container "$WEB,publish=8080:80/tcp")
like "$out" 'applied in [0-9]+ us' "publish 8080 again"
PUBLISH_US=$(sed -n 's/.*applied in \([0-9]*\) us/\1/p' <<<"$out")
diag "publishing a port (2 map elements, one batch): ${PUBLISH_US} us in the driver"
reaches "upstream -> host:8080 reaches web again" "$U" 192.168.100.1 8080 "web 192.168.100.254"
like "$(drv "$H" nft-publish --network "$LAN0" --container "name=peer,network=lan0,address=10.88.0.3,publish=8080:80/tcp" 2>&1)" \
        'failed: add element inet sysctr ports_v4 \{ tcp \. 8080 comment "peer" : 10\.88\.0\.3 \. 80 \}: File exists' \
        "publishing a taken port fails, naming the element"
reaches "...and changes nothing" "$U" 192.168.100.1 8080 "web 192.168.100.254"

# --- isolation ------------------------------------------------------------------------------------
blocked "isolation: other (lan1) cannot reach web (lan0)" "$COTHER" 10.88.0.2 80
blocked "...nor over IPv6" "$COTHER" fd42:88::2 80
blocked "...nor web reach other" "$CWEB" 10.89.0.2 80
reaches "...while other reaches the outside" "$COTHER" 192.168.100.254 9000 "up 192.168.100.1"

# --- containers and the host's own services ---------------------------------------------------------
like "$(ask "$CWEB" 10.88.0.1 7000)" '^error 113 EHOSTUNREACH' "the host's services are closed to containers (rejected)"
like "$(ask "$CWEB" 192.168.100.1 7000)" '^error 113 EHOSTUNREACH' "...on every host address"
reaches "a container with allow-host reaches them" "$CPEER" 10.88.0.1 7001 "host2 10.88.0.3"
ok "open tcp/7000 to lan0's containers" drv "$H" nft-host-service --network "$LAN0,service=tcp/7000"
reaches "web reaches the opened port" "$CWEB" 10.88.0.1 7000 "host 10.88.0.2"
like "$(ask "$CWEB" 10.88.0.1 7001)" '^error 113' "...and still not the others"
like "$(ask "$COTHER" 10.89.0.1 7000)" '^error 113' "...and lan1's containers not even that one"

# route_localnet lets DNATed 127.0.0.1 leave through the bridges; it must not let containers in to
# the host's loopback (kube-proxy's CVE-2020-8558). A hand-made SYN to 127.0.0.1 from web, counted
# by a probe table of the test's own where it would reach the host's input.
in_ns "$H" nft -f - <<'EOF' || bail "cannot create the probe table"
table ip sxprobe {
        chain input {
                type filter hook input priority -500; policy accept;
                iifname "lan0" ip daddr 127.0.0.1 tcp dport 7002 counter
        }
}
EOF
probe_count() { in_ns "$H" nft -j list table ip sxprobe | "$PYTHON" -c '
import json, sys
for o in json.load(sys.stdin)["nftables"]:
    if "rule" in o:
        print(next(e["counter"]["packets"] for e in o["rule"]["expr"] if "counter" in e))'; }
LAN0_MAC=$(in_ns "$H" cat /sys/class/net/lan0/address)
syn_to_loopback() { in_ns "$CWEB" "$PYTHON" "$PEER" syn eth0 "$LAN0_MAC" 10.88.0.2 127.0.0.1 7002; }
ok "send a SYN to the host's 127.0.0.1 from web" syn_to_loopback
sleep 0.2
is "$(probe_count)" 0 "it never reaches the host's input"
# The control: the same SYN without our table would get in.
ok "without our table (the control)" drv "$H" nft-delete
ok "send the SYN again" syn_to_loopback
sleep 0.2
is "$(probe_count)" 1 "...it reaches the host's loopback: the rule is what keeps it out"
in_ns "$H" nft delete table ip sxprobe

# --- reconciliation: the whole state again, in one batch --------------------------------------------
ok "sync the whole state (reconciliation after a crash)" drv "$H" nft-sync --network "$LAN0,service=tcp/7000" \
        --network "$LAN1" --container "$WEB,$WEB_PORTS" --container "$PEER_C" --container "$OTHER"
reaches "published port after the sync" "$U" 192.168.100.1 8080 "web 192.168.100.254"
show=$(drv "$H" nft-show)
is "$(head -n 4 <<<"$show")" $'exists yes\nchains 7\nrules 31\nsets 16' "the reader sees the table: 7 chains, 31 rules, 16 sets"
like "$show" 'element ports_v4 tcp \. 8080 comment "web" : 10\.88\.0\.2 \. 80' "...and who owns each element"
like "$show" 'element subnets_v4 10\.88\.0\.0/24 comment "lan0"' "...and the subnets, as prefixes"

# --- the table as nft sees it -------------------------------------------------------------------------
structure=$(nft_json | "$PYTHON" -c '
import json, sys
objs = json.load(sys.stdin)["nftables"]
chains = sorted((o["chain"]["name"], o["chain"].get("hook", "-"), o["chain"].get("policy", "-")) for o in objs if "chain" in o)
sets = sorted(o.get("set", o.get("map", {})).get("name") for o in objs if "set" in o or "map" in o)
print(" ".join("%s:%s:%s" % c for c in chains))
print(" ".join(sets))')
is "$(sed -n 1p <<<"$structure")" \
        "forward:forward:accept from_bridge:-:- input:input:accept output:output:accept postrouting:postrouting:accept prerouting:prerouting:accept prerouting_filter:prerouting:accept" \
        "nft -j: the chains, their hooks, policy accept everywhere"
is "$(sed -n 2p <<<"$structure")" \
        "allow_host_ports allow_host_v4 allow_host_v6 bridge_pairs bridge_services bridges gateway_services gateways_v4 gateways_v6 nat_bridges ports_addr_v4 ports_addr_v6 ports_v4 ports_v6 subnets_v4 subnets_v6" \
        "nft -j: the sets and maps"
# nft decompiles our bytecode back into exactly the rules the design prints.
listed=$(in_ns "$H" nft list table inet sysctr | awk '
        /^\t(set|map) / { chain = "" }
        /^\tchain / { chain = $2 }
        /^\t\t/ && chain != "" && !/^\t\t(type|comment) / { sub(/^\t\t/, ""); print chain "\t" $0 }')
is "$listed" "$(drv "$H" nft-rules)" "nft list shows every rule exactly as nft-plan.c writes it"

RULES_3=$(rule_count)
PORTS_3=$(element_count ports_v4)
out=$(drv "$H" nft-bulk --network "$LAN0" --count 50 --base-port 20000)
like "$out" 'bulk: 50 containers' "50 more containers' elements, a batch each"
diag "$out"
is "$(rule_count)" "$RULES_3" "the rule count does not grow with 50 more containers ($RULES_3)"
is "$(element_count ports_v4)" $((PORTS_3 + 50)) "their published ports are 50 more map elements"
is "$(element_count allow_host_v4)" 51 "their host access, 50 more set elements"
out=$(drv "$H" nft-bulk --network "$LAN0" --first 50 --count 47 --base-port 20000)
like "$out" 'bulk: 47 containers' "...and 47 more: 100 containers in all"
diag "$out"
is "$(rule_count)" "$RULES_3" "the same rule count with 100 containers"
ok "remove the 97 bulk containers again" drv "$H" nft-bulk --delete --network "$LAN0" --count 97 --base-port 20000
is "$(element_count ports_v4)" "$PORTS_3" "their elements are gone"
reaches "web is still published" "$U" 192.168.100.1 8080 "web 192.168.100.254"

# --- macvlan ---------------------------------------------------------------------------------------------
CMV=sxnet-mv-$S CMVP=sxnet-mvp-$S
new_ns "$CMV" && new_ns "$CMVP" || bail "cannot create the macvlan namespaces"
ok "macvlan container mv (bridge mode) on up0, born in its namespace" \
        drv "$H" macvlan-attach --netns "/run/netns/$CMV" --parent up0 --mode bridge \
        --address 192.168.100.50/24 --address fd00:100::50/64 --gateway 192.168.100.254
ok "macvlan container mvp (private mode)" drv "$H" macvlan-attach --netns "/run/netns/$CMVP" --parent up0 \
        --mode private --address 192.168.100.51/24
like "$(ip -n "$CMV" -d link show eth0)" 'macvlan mode bridge' "mv's eth0 is a macvlan in bridge mode"
serve "$CMV" mv 80 || bail "server in mv"
reaches "upstream -> mv: a peer on the LAN" "$U" 192.168.100.50 80 "mv 192.168.100.254"
reaches "mv -> upstream, with its own address" "$CMV" 192.168.100.254 9000 "up 192.168.100.50"
reaches "mv -> upstream over IPv6" "$CMV" fd00:100::fe 9000 "up fd00:100::50"
blocked "private mode: mvp cannot reach mv" "$CMVP" 192.168.100.50 80
reaches "...but the LAN" "$CMVP" 192.168.100.254 9000 "up 192.168.100.51"
blocked "the host cannot reach its own macvlan container (the parent never sees them)" "$H" 192.168.100.50 80
ok "host access: a macvlan of the host on up0, and a route to mv through it" \
        drv "$H" host-access --parent up0 --name mvh0 --route 192.168.100.50/32 --src 192.168.100.1
reaches "the host reaches mv through it" "$H" 192.168.100.50 80 "mv 192.168.100.1"
reaches "mv reaches the host" "$CMV" 192.168.100.1 7000 "host 192.168.100.50"

# --- DNS and DHCP ------------------------------------------------------------------------------------------
mkdir -m 0755 "$W/dnsmasq"
cmdline=$(drv "$H" dnsmasq-config --network "$LAN0" --container "$WEB" --container "$PEER_C" --dir "$W/dnsmasq")
is "$cmdline" "dnsmasq --conf-file=$W/dnsmasq/dnsmasq.conf --keep-in-foreground" "the command line of lan0's dnsmasq"
ok "dnsmasq --test accepts the configuration" in_ns "$H" dnsmasq --conf-file="$W/dnsmasq/dnsmasq.conf" --test
ip netns exec "$H" dnsmasq --conf-file="$W/dnsmasq/dnsmasq.conf" --keep-in-foreground >"$W/dnsmasq.log" 2>&1 &
BACKGROUND+=($!)
DNSMASQ_PID=$!
ok "dnsmasq listens on lan0's addresses" wait_for 10 eval "in_ns '$H' ss -H -lnu 'sport = :53' | grep -q '10.88.0.1:53'"
wait_for 5 eval "in_ns '$H' ss -H -lnu 'sport = :53' | grep -q 'fd42:88::1'"
listening=$(in_ns "$H" ss -H -lntu 'sport = :53' | awk '{print $5}' | sort -u | tr '\n' ' ')
diag "dnsmasq's port 53 sockets: $listening"
unlike "$listening" '(^| )(0\.0\.0\.0|\*|\[::\]):53' "never the wildcard address"
unlike "$listening" '192\.168\.100\.1|127\.0\.0\.1|fd00:100::1|\[::1\]' "never another interface's address"
like "$listening" '\[fd42:88::1\]:53' "lan0's IPv6 address too"
like "$(in_ns "$CWEB" busybox nslookup peer.lan0 10.88.0.1 2>&1)" 'Address: 10\.88\.0\.3' "web resolves peer.lan0"
like "$(in_ns "$CWEB" busybox nslookup -type=AAAA peer.lan0 10.88.0.1 2>&1)" 'fd42:88::3' "...and its IPv6 address"
like "$(in_ns "$CWEB" busybox nslookup peer 10.88.0.1 2>&1)" 'Address: 10\.88\.0\.3' "...and the plain name peer"
like "$(in_ns "$CPEER" busybox nslookup web.lan0 fd42:88::1 2>&1)" 'Address: 10\.88\.0\.2' "peer asks over IPv6"
unlike "$(in_ns "$CWEB" busybox nslookup nosuch.lan0 10.88.0.1 2>&1)" 'Address: [0-9]' \
        "an unknown name of the domain is not made up"
cat > "$W/udhcpc.sh" <<EOF
#!/bin/sh
[ "\$1" = bound ] && echo "\$ip \$router \$dns \$domain" > "$W/lease.\$interface.\$\$"
exit 0
EOF
chmod +x "$W/udhcpc.sh"
lease() {       # NS: the lease udhcpc gets on eth0 (without applying it), or nothing
        rm -f "$W"/lease.*
        in_ns "$1" busybox udhcpc -i eth0 -n -q -f -t 3 -T 1 -s "$W/udhcpc.sh" >>"$W/udhcpc.log" 2>&1
        cat "$W"/lease.* 2>/dev/null
}
is "$(lease "$CWEB")" "10.88.0.2 10.88.0.1 10.88.0.1 lan0" "web's own DHCP client gets the address sysctr allocated"
is "$(lease "$CPEER")" "10.88.0.3 10.88.0.1 10.88.0.1 lan0" "...and peer its own"
CSTRANGER=sxnet-stranger-$S
new_ns "$CSTRANGER" || bail "cannot create the stranger's namespace"
ok "a stranger on lan0, plugged the other way: pair on the host, peer moved in and renamed eth0" \
        drv "$H" attach --move --netns "/run/netns/$CSTRANGER" --host-if vstranger --bridge lan0 \
        --mac 52:54:00:88:00:99 --mtu 1400
like "$(ip -o -n "$CSTRANGER" link show eth0)" 'mtu 1400 .*state UP.*link/ether 52:54:00:88:00:99' \
        "...with its MTU and MAC set inside, and up"
ok "no trace of the peer's temporary name on the host" eval "! ip -n '$H' link show vstranger-p 2>/dev/null"
is "$(lease "$CSTRANGER")" "" "a MAC sysctr does not know gets no lease (static leases only)"

# --- the doctor -----------------------------------------------------------------------------------------
findings=$(drv "$H" doctor)
like "$findings" 'table ip dockerlike, chain FORWARD: hook forward, policy drop' "the doctor names the foreign drop policy"
unlike "$findings" 'table inet sysctr' "...and nothing of ours"
in_ns "$H" nft add table ip sxblocker && in_ns "$H" nft add chain ip sxblocker fw \
        '{ type filter hook forward priority 10; policy drop; }' || bail "cannot make the blocker table"
like "$(drv "$H" doctor)" 'table ip sxblocker, chain fw: hook forward, policy drop' "a new obstacle is found"
blocked "...and it is real: with it web cannot reach the outside over IPv4" "$CWEB" 192.168.100.254 9000
in_ns "$H" nft delete table ip sxblocker
reaches "without it, web reaches the outside again" "$CWEB" 192.168.100.254 9000 "up 192.168.100.1"

# --- stop and clean up --------------------------------------------------------------------------------------
ok "rename a link" drv "$H" rename --name vpeer --new-name vpeer2
ok "...it is renamed" eval "ip -n '$H' link show vpeer2 | grep -q 'master lan0'"
ok "detach web: delete the host side of its veth" drv "$H" detach --host-if vweb
ok "...which takes eth0 with it" eval "! ip -n '$CWEB' link show eth0 2>/dev/null"
ok "delete our table" drv "$H" nft-delete
not_ok "it is gone" in_ns "$H" nft list table inet sysctr
ok "deleting it again is no error" drv "$H" nft-delete
is "$(foreign_table)" "$FOREIGN_BEFORE" "the foreign table is exactly as it was before sysctr came"
is "$(cat "$W/dnsmasq/dnsmasq.pid" 2>/dev/null)" "$DNSMASQ_PID" "dnsmasq wrote the pid file the configuration names"
RUNNING=$(ns_pids)      # everything that runs in our namespaces now
teardown
NAMESPACES_LEFT=$(ip netns list | grep -c -- "-$S\b")
is "$NAMESPACES_LEFT" 0 "no namespace of this test is left"
left=""
for p in "${BACKGROUND[@]}" $RUNNING; do pid_alive "$p" && left="$left $p"; done
is "$left" "" "no process of this test is left"
ok "no temp dir left" test ! -e "$W"
