/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The nftables plan without root: the ruleset's structure (rules fixed, containers and networks as
 * elements), the text of every rule, the checks, and the netlink batch itself, built in memory and
 * parsed back with libnftnl as libnftnl's own tests do. The expected bytecode below is what nft 1.0.6
 * generates for the same rule text ("nft --debug=netlink add rule inet sysctr CHAIN TEXT"): our
 * table is byte for byte the one nft would make, so "nft list" shows it as nft-plan.c prints it. */
#include <arpa/inet.h>
#include <assert.h>
#include <net/if.h>
#include <netinet/in.h>
#include <libmnl/libmnl.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>
#include <time.h>

#include "nft.h"
#include "strv.h"
#include "tap.h"

/* Each rule of nft_rules(): its chain and its text as "nft list" prints it (without the comment). */
static const struct {
        const char *chain;
        const char *text;
} expected_rules[] = {
        { "prerouting_filter", "iifname @bridges ip daddr 127.0.0.0/8 drop" },
        { "prerouting_filter", "iifname @bridges fib saddr . iif oif missing drop" },
        { "prerouting", "dnat ip to ip daddr . meta l4proto . th dport map @ports_addr_v4" },
        { "prerouting",
          "meta nfproto ipv4 fib daddr type local dnat ip to meta l4proto . th dport map @ports_v4" },
        { "prerouting", "dnat ip6 to ip6 daddr . meta l4proto . th dport map @ports_addr_v6" },
        { "prerouting",
          "meta nfproto ipv6 fib daddr type local dnat ip6 to meta l4proto . th dport map @ports_v6" },
        { "output", "dnat ip to ip daddr . meta l4proto . th dport map @ports_addr_v4" },
        { "output",
          "meta nfproto ipv4 fib daddr type local dnat ip to meta l4proto . th dport map @ports_v4" },
        { "output", "ip6 daddr != ::1 dnat ip6 to ip6 daddr . meta l4proto . th dport map @ports_addr_v6" },
        { "output",
          "ip6 daddr != ::1 fib daddr type local dnat ip6 to meta l4proto . th dport map @ports_v6" },
        { "postrouting", "iifname @nat_bridges oifname != @bridges masquerade" },
        { "postrouting", "ct status dnat oifname @bridges ip saddr @subnets_v4 masquerade" },
        { "postrouting", "ct status dnat oifname @bridges ip6 saddr @subnets_v6 masquerade" },
        { "postrouting", "oifname @bridges ip saddr 127.0.0.0/8 masquerade" },
        { "forward", "ct state established,related accept" },
        { "forward", "iifname @bridges ct state invalid drop" },
        { "forward", "oifname @bridges ct status dnat accept" },
        { "forward", "iifname @bridges oifname @bridges iifname . oifname != @bridge_pairs drop" },
        { "forward", "oifname @nat_bridges iifname != @bridges drop" },
        { "input", "iifname @bridges jump from_bridge" },
        { "from_bridge", "ct state established,related accept" },
        { "from_bridge", "ct state invalid drop" },
        { "from_bridge", "meta l4proto . th dport @bridge_services accept" },
        { "from_bridge",
          "iifname . ip daddr @gateways_v4 meta l4proto . th dport @gateway_services accept" },
        { "from_bridge",
          "iifname . ip6 daddr @gateways_v6 meta l4proto . th dport @gateway_services accept" },
        { "from_bridge", "meta l4proto icmp accept" },
        { "from_bridge", "meta l4proto ipv6-icmp accept" },
        { "from_bridge", "ip saddr @allow_host_v4 accept" },
        { "from_bridge", "ip6 saddr @allow_host_v6 accept" },
        { "from_bridge", "iifname . meta l4proto . th dport @allow_host_ports accept" },
        { "from_bridge", "reject with icmpx admin-prohibited" },
};

/* ...and the bytecode nft makes of that text. */
static const char * const expected_bytecode[] = {
        "[ meta load iifname => reg 1 ] [ lookup reg 1 set bridges ] [ meta load nfproto => reg 1 ] [ cmp "
        "eq reg 1 0x00000002 ] [ payload load 1b @ network header + 16 => reg 1 ] [ cmp eq reg 1 0x0000007f "
        "] [ immediate reg 0 drop ]",
        "[ meta load iifname => reg 1 ] [ lookup reg 1 set bridges ] [ fib saddr . iif oif present => reg 1 "
        "] [ cmp eq reg 1 0x00000000 ] [ immediate reg 0 drop ]",
        "[ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ] [ payload load 4b @ network header + 16 "
        "=> reg 1 ] [ meta load l4proto => reg 9 ] [ payload load 2b @ transport header + 2 => reg 10 ] [ "
        "lookup reg 1 set ports_addr_v4 dreg 1 ] [ nat dnat ip addr_min reg 1 proto_min reg 9 ]",
        "[ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ] [ fib daddr type => reg 1 ] [ cmp eq "
        "reg 1 0x00000002 ] [ meta load l4proto => reg 1 ] [ payload load 2b @ transport header + 2 => reg "
        "9 ] [ lookup reg 1 set ports_v4 dreg 1 ] [ nat dnat ip addr_min reg 1 proto_min reg 9 ]",
        "[ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x0000000a ] [ payload load 16b @ network header + "
        "24 => reg 1 ] [ meta load l4proto => reg 2 ] [ payload load 2b @ transport header + 2 => reg 13 ] "
        "[ lookup reg 1 set ports_addr_v6 dreg 1 ] [ nat dnat ip6 addr_min reg 1 proto_min reg 2 ]",
        "[ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x0000000a ] [ fib daddr type => reg 1 ] [ cmp eq "
        "reg 1 0x00000002 ] [ meta load l4proto => reg 1 ] [ payload load 2b @ transport header + 2 => reg "
        "9 ] [ lookup reg 1 set ports_v6 dreg 1 ] [ nat dnat ip6 addr_min reg 1 proto_min reg 2 ]",
        "[ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ] [ payload load 4b @ network header + 16 "
        "=> reg 1 ] [ meta load l4proto => reg 9 ] [ payload load 2b @ transport header + 2 => reg 10 ] [ "
        "lookup reg 1 set ports_addr_v4 dreg 1 ] [ nat dnat ip addr_min reg 1 proto_min reg 9 ]",
        "[ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ] [ fib daddr type => reg 1 ] [ cmp eq "
        "reg 1 0x00000002 ] [ meta load l4proto => reg 1 ] [ payload load 2b @ transport header + 2 => reg "
        "9 ] [ lookup reg 1 set ports_v4 dreg 1 ] [ nat dnat ip addr_min reg 1 proto_min reg 9 ]",
        "[ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x0000000a ] [ payload load 16b @ network header + "
        "24 => reg 1 ] [ cmp neq reg 1 0x00000000 0x00000000 0x00000000 0x01000000 ] [ payload load 16b @ "
        "network header + 24 => reg 1 ] [ meta load l4proto => reg 2 ] [ payload load 2b @ transport header "
        "+ 2 => reg 13 ] [ lookup reg 1 set ports_addr_v6 dreg 1 ] [ nat dnat ip6 addr_min reg 1 proto_min "
        "reg 2 ]",
        "[ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x0000000a ] [ payload load 16b @ network header + "
        "24 => reg 1 ] [ cmp neq reg 1 0x00000000 0x00000000 0x00000000 0x01000000 ] [ fib daddr type => "
        "reg 1 ] [ cmp eq reg 1 0x00000002 ] [ meta load l4proto => reg 1 ] [ payload load 2b @ transport "
        "header + 2 => reg 9 ] [ lookup reg 1 set ports_v6 dreg 1 ] [ nat dnat ip6 addr_min reg 1 proto_min "
        "reg 2 ]",
        "[ meta load iifname => reg 1 ] [ lookup reg 1 set nat_bridges ] [ meta load oifname => reg 1 ] [ "
        "lookup reg 1 set bridges 0x1 ] [ masq ]",
        "[ ct load status => reg 1 ] [ bitwise reg 1 = ( reg 1 & 0x00000020 ) ^ 0x00000000 ] [ cmp neq reg "
        "1 0x00000000 ] [ meta load oifname => reg 1 ] [ lookup reg 1 set bridges ] [ meta load nfproto => "
        "reg 1 ] [ cmp eq reg 1 0x00000002 ] [ payload load 4b @ network header + 12 => reg 1 ] [ lookup "
        "reg 1 set subnets_v4 ] [ masq ]",
        "[ ct load status => reg 1 ] [ bitwise reg 1 = ( reg 1 & 0x00000020 ) ^ 0x00000000 ] [ cmp neq reg "
        "1 0x00000000 ] [ meta load oifname => reg 1 ] [ lookup reg 1 set bridges ] [ meta load nfproto => "
        "reg 1 ] [ cmp eq reg 1 0x0000000a ] [ payload load 16b @ network header + 8 => reg 1 ] [ lookup "
        "reg 1 set subnets_v6 ] [ masq ]",
        "[ meta load oifname => reg 1 ] [ lookup reg 1 set bridges ] [ meta load nfproto => reg 1 ] [ cmp "
        "eq reg 1 0x00000002 ] [ payload load 1b @ network header + 12 => reg 1 ] [ cmp eq reg 1 0x0000007f "
        "] [ masq ]",
        "[ ct load state => reg 1 ] [ bitwise reg 1 = ( reg 1 & 0x00000006 ) ^ 0x00000000 ] [ cmp neq reg 1 "
        "0x00000000 ] [ immediate reg 0 accept ]",
        "[ meta load iifname => reg 1 ] [ lookup reg 1 set bridges ] [ ct load state => reg 1 ] [ bitwise "
        "reg 1 = ( reg 1 & 0x00000001 ) ^ 0x00000000 ] [ cmp neq reg 1 0x00000000 ] [ immediate reg 0 drop "
        "]",
        "[ meta load oifname => reg 1 ] [ lookup reg 1 set bridges ] [ ct load status => reg 1 ] [ bitwise "
        "reg 1 = ( reg 1 & 0x00000020 ) ^ 0x00000000 ] [ cmp neq reg 1 0x00000000 ] [ immediate reg 0 "
        "accept ]",
        "[ meta load iifname => reg 1 ] [ lookup reg 1 set bridges ] [ meta load oifname => reg 1 ] [ "
        "lookup reg 1 set bridges ] [ meta load iifname => reg 1 ] [ meta load oifname => reg 2 ] [ lookup "
        "reg 1 set bridge_pairs 0x1 ] [ immediate reg 0 drop ]",
        "[ meta load oifname => reg 1 ] [ lookup reg 1 set nat_bridges ] [ meta load iifname => reg 1 ] [ "
        "lookup reg 1 set bridges 0x1 ] [ immediate reg 0 drop ]",
        "[ meta load iifname => reg 1 ] [ lookup reg 1 set bridges ] [ immediate reg 0 jump -> from_bridge "
        "]",
        "[ ct load state => reg 1 ] [ bitwise reg 1 = ( reg 1 & 0x00000006 ) ^ 0x00000000 ] [ cmp neq reg 1 "
        "0x00000000 ] [ immediate reg 0 accept ]",
        "[ ct load state => reg 1 ] [ bitwise reg 1 = ( reg 1 & 0x00000001 ) ^ 0x00000000 ] [ cmp neq reg 1 "
        "0x00000000 ] [ immediate reg 0 drop ]",
        "[ meta load l4proto => reg 1 ] [ payload load 2b @ transport header + 2 => reg 9 ] [ lookup reg 1 "
        "set bridge_services ] [ immediate reg 0 accept ]",
        "[ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ] [ meta load iifname => reg 1 ] [ "
        "payload load 4b @ network header + 16 => reg 2 ] [ lookup reg 1 set gateways_v4 ] [ meta load "
        "l4proto => reg 1 ] [ payload load 2b @ transport header + 2 => reg 9 ] [ lookup reg 1 set "
        "gateway_services ] [ immediate reg 0 accept ]",
        "[ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x0000000a ] [ meta load iifname => reg 1 ] [ "
        "payload load 16b @ network header + 24 => reg 2 ] [ lookup reg 1 set gateways_v6 ] [ meta load "
        "l4proto => reg 1 ] [ payload load 2b @ transport header + 2 => reg 9 ] [ lookup reg 1 set "
        "gateway_services ] [ immediate reg 0 accept ]",
        "[ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000001 ] [ immediate reg 0 accept ]",
        "[ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x0000003a ] [ immediate reg 0 accept ]",
        "[ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ] [ payload load 4b @ network header + 12 "
        "=> reg 1 ] [ lookup reg 1 set allow_host_v4 ] [ immediate reg 0 accept ]",
        "[ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x0000000a ] [ payload load 16b @ network header + 8 "
        "=> reg 1 ] [ lookup reg 1 set allow_host_v6 ] [ immediate reg 0 accept ]",
        "[ meta load iifname => reg 1 ] [ meta load l4proto => reg 2 ] [ payload load 2b @ transport header "
        "+ 2 => reg 13 ] [ lookup reg 1 set allow_host_ports ] [ immediate reg 0 accept ]",
        "[ reject type 2 code 3 ]",
};

static char *mfree_text(char *p) {
        free(p);
        return NULL;
}

static InAddrPrefix prefix(const char *s) {
        InAddrPrefix p;

        assert(in_addr_prefix_from_string(AF_UNSPEC, s, &p) == 0);
        return p;
}

static union in_addr_union addr(const char *s) {
        union in_addr_union a;
        int family;

        assert(in_addr_from_string(AF_UNSPEC, s, &family, &a) == 0);
        return a;
}

static NftPort port(const char *s) {
        NftPort p;

        assert(nft_port_from_string(s, &p) == 0);
        return p;
}

static NftNetwork bridge(const char *name, const char *subnet4, const char *subnet6, bool nat,
                         bool isolated) {
        NftNetwork n = {
                .name = name, .type = NFT_NETWORK_BRIDGE, .ifname = name, .nat = nat, .isolated = isolated
        };

        if (subnet4) {
                n.subnet4 = prefix(subnet4);
                assert(in_addr_from_offset(&n.subnet4, 1, &n.gateway4) == 0);
        }
        if (subnet6) {
                n.subnet6 = prefix(subnet6);
                assert(in_addr_from_offset(&n.subnet6, 1, &n.gateway6) == 0);
        }
        return n;
}

/* count endpoints "c0".."cN" with addresses from offset 2 on, each publishing one port. */
static NftEndpoint *endpoints(const NftNetwork *n, size_t count, NftPort *ports, char ***names) {
        NftEndpoint *e = calloc(count, sizeof(NftEndpoint));

        assert(e);
        for (size_t i = 0; i < count; i++) {
                char *name;

                assert(asprintf(&name, "c%zu", i) > 0 && strv_push(names, name) == 0);
                e[i].owner = name;
                e[i].has_address4 = true;
                assert(in_addr_from_offset(&n->subnet4, 2 + i, &e[i].address4) == 0);
                if (n->subnet6.family) {
                        e[i].has_address6 = true;
                        assert(in_addr_from_offset(&n->subnet6, 2 + i, &e[i].address6) == 0);
                }
                ports[i] = (NftPort) { .protocol = IPPROTO_TCP,
                                      .host_port = (uint16_t) (10000 + i),
                                      .container_port = 80 };
                e[i].ports = &ports[i];
                e[i].n_ports = 1;
                e[i].allow_host = i % 2 == 0;
        }
        return e;
}

static void test_design(void) {
        size_t n_rules, n_chains, n_sets;
        const NftRuleDef *rules = nft_rules(&n_rules);

        nft_chains(&n_chains);
        nft_sets(&n_sets);
        is_int(n_rules, ELEMENTSOF(expected_rules), "%zu rules in the design", n_rules);
        is_int(n_chains, 7, "7 chains");
        is_int(n_sets, 16, "16 sets and maps");
        for (size_t i = 0; i < MIN(n_rules, ELEMENTSOF(expected_rules)); i++) {
                NftRuleDef bare = rules[i];
                _cleanup_free_ char *s = NULL;

                bare.comment = NULL;
                assert(nft_rule_to_string(&bare, &s) == 0);
                is_str(rules[i].chain, expected_rules[i].chain, "rule %zu is in chain %s", i,
                       expected_rules[i].chain);
                is_str(s, expected_rules[i].text, "rule %zu: %s", i, expected_rules[i].text);
                ok(!rules[i].comment || strlen(rules[i].comment) < 128, "rule %zu: comment fits nft's limit",
                   i);
        }
}

static void test_ports(void) {
        static const char * const bad[] = { "",
                                            "80",
                                            "0:80",
                                            "8080:0",
                                            "65536:80",
                                            "8080:80/sctp",
                                            "8080:80/",
                                            "a:80",
                                            "1.2.3:8080:80",
                                            "fd00::1:8080:80",
                                            "[fd00::1]8080:80",
                                            "[10.0.0.1]:8080:80",
                                            "8080:80:90",
                                            "08080:80",
                                            "-1:80",
                                            " 8080:80" };
        char buf[NFT_PORT_STRLEN];
        NftPort p, q;

        ok(nft_port_from_string("8080:80", &p) == 0 && p.protocol == IPPROTO_TCP && p.host_port == 8080 &&
                   p.container_port == 80 && p.host_family == 0,
           "8080:80 is tcp on every address");
        is_str(nft_port_to_string(&p, buf), "8080:80/tcp", "formatted back");
        ok(nft_port_from_string("53:5353/udp", &p) == 0 && p.protocol == IPPROTO_UDP, "53:5353/udp");
        ok(nft_port_from_string("127.0.0.1:8080:80/tcp", &p) == 0 && p.host_family == AF_INET,
           "on 127.0.0.1");
        is_str(nft_port_to_string(&p, buf), "127.0.0.1:8080:80/tcp", "formatted back");
        ok(nft_port_from_string("[fd00::1]:8080:80", &p) == 0 && p.host_family == AF_INET6, "on [fd00::1]");
        is_str(nft_port_to_string(&p, buf), "[fd00::1]:8080:80/tcp", "formatted back");
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ok(nft_port_from_string(bad[i], &p) < 0, "refuse \"%s\"", bad[i]);

        p = port("8080:80");
        q = port("192.0.2.1:8080:81");
        ok(nft_ports_conflict(&p, &q), "every address meets one address");
        q = port("8080:80/udp");
        ok(!nft_ports_conflict(&p, &q), "tcp and udp do not meet");
        p = port("192.0.2.1:8080:80");
        q = port("192.0.2.2:8080:80");
        ok(!nft_ports_conflict(&p, &q), "two addresses do not meet");
        q = port("[fd00::1]:8080:80");
        ok(!nft_ports_conflict(&p, &q), "two families do not meet");
}

static void test_check(void) {
        NftNetwork n[2] = { bridge("lan0", "10.88.0.0/24", "fd42::/64", true, true),
                            bridge("lan1", "10.89.0.0/24", NULL, true, true) };
        NftPort p1 = port("8080:80"), p2 = port("192.0.2.1:8080:81"), p3 = port("[fd00::1]:9090:80");
        NftEndpoint a = { .owner = "web1",
                          .has_address4 = true,
                          .address4 = addr("10.88.0.2"),
                          .ports = &p1,
                          .n_ports = 1 };
        NftEndpoint b = { .owner = "web2",
                          .has_address4 = true,
                          .address4 = addr("10.89.0.2"),
                          .ports = &p2,
                          .n_ports = 1 };
        NftRuleset rs = { n, 2 };
        _cleanup_free_ char *error = NULL;

        n[0].endpoints = &a;
        n[0].n_endpoints = 1;
        n[1].endpoints = &b;
        n[1].n_endpoints = 1;
        is_int(nft_ruleset_check(&rs, &error), -EINVAL, "a port published twice across networks is refused");
        is_str(error, "Port 8080:80/tcp of web1 conflicts with port 192.0.2.1:8080:81/tcp of web2",
               "and named");
        b.ports = &p3;
        is_int(nft_ruleset_check(&rs, &error), -EINVAL, "an IPv6 host address for a container without IPv6");
        ok(error && strstr(error, "web2 has no address of the family of port [fd00::1]:9090:80/tcp"),
           "named: %s", error);
        b.n_ports = 0;
        ok(nft_ruleset_check(&rs, NULL) == 0, "fine once fixed");
        b.address4 = addr("10.88.0.9");
        is_int(nft_ruleset_check(&rs, &error), -EINVAL, "an address outside its network");
        ok(error && strstr(error, "10.88.0.9 is outside"), "named: %s", error);
        b.address4 = addr("10.89.0.2");
        n[1].ifname = "lan0";
        is_int(nft_ruleset_check(&rs, &error), -EINVAL, "two networks on one bridge");
        n[1].ifname = "lan1-but-too-long";
        is_int(nft_ruleset_check(&rs, &error), -EINVAL, "a bridge name longer than 15");
        n[1].ifname = "lan1";
        n[1].name = "Lan1";
        is_int(nft_ruleset_check(&rs, &error), -EINVAL, "a bad network name");
        n[1].name = "lan1";
        n[1].type = NFT_NETWORK_MACVLAN;
        b.n_ports = 1;
        b.ports = &p2;
        is_int(nft_ruleset_check(&rs, &error), -EINVAL, "ports on a macvlan network");
        b.n_ports = 0;
        ok(nft_ruleset_check(&rs, &error) == 0, "a plain macvlan network is fine");
}

/* The rule count of the table does not depend on containers (nor on networks): only elements do. */
static void test_constant_rules(void) {
        NftNetwork n[2] = { bridge("lan0", "10.88.0.0/16", "fd42::/64", true, false),
                            bridge("lan1", "10.89.0.0/24", NULL, false, false) };
        NftPort ports[100];
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ NftEndpoint *e = endpoints(&n[0], 100, ports, &names);
        size_t rules_1, rules_100, elements_1, elements_100;
        NftRuleset rs = { n, 1 };
        NftPlan *p;

        n[0].endpoints = e;
        n[0].n_endpoints = 1;
        assert(nft_plan_new(&p) == 0);
        ok(nft_plan_sync(p, &rs, NULL) == 0, "sync plan, 1 container");
        rules_1 = nft_plan_count(p, NFT_VERB_ADD, NFT_OBJECT_RULE, NULL);
        elements_1 = nft_plan_count(p, NFT_VERB_ADD, NFT_OBJECT_ELEMENT, NULL);
        p = nft_plan_free(p);

        n[0].n_endpoints = 100;
        rs.n_networks = 2;
        assert(nft_plan_new(&p) == 0);
        ok(nft_plan_sync(p, &rs, NULL) == 0, "sync plan, 100 containers, 2 networks");
        rules_100 = nft_plan_count(p, NFT_VERB_ADD, NFT_OBJECT_RULE, NULL);
        elements_100 = nft_plan_count(p, NFT_VERB_ADD, NFT_OBJECT_ELEMENT, NULL);
        is_int(rules_100, rules_1, "the same %zu rules with 1 or 100 containers", rules_1);
        diag("elements: %zu with 1 container, %zu with 100 containers and a second network", elements_1,
             elements_100);
        /* 100 containers, each a port in both families and every second one host access in both. */
        is_int(nft_plan_count(p, NFT_VERB_ADD, NFT_OBJECT_ELEMENT, "ports_v4"), 100,
               "100 IPv4 port elements");
        is_int(nft_plan_count(p, NFT_VERB_ADD, NFT_OBJECT_ELEMENT, "ports_v6"), 100,
               "100 IPv6 port elements");
        is_int(nft_plan_count(p, NFT_VERB_ADD, NFT_OBJECT_ELEMENT, "allow_host_v4"), 50,
               "50 host-access elements");
        is_int(nft_plan_count(p, NFT_VERB_ADD, NFT_OBJECT_ELEMENT, "bridge_pairs"), 4,
               "bridge pairs: each with itself, and both ways between the two non-isolated networks");
        is_int(nft_plan_count(p, NFT_VERB_ADD, NFT_OBJECT_ELEMENT, "nat_bridges"), 1, "only lan0 has NAT");
        is_int(nft_plan_count(p, NFT_VERB_DELETE, NFT_OBJECT_TABLE, NULL), 1, "sync deletes the old table");
        is_int(nft_plan_count(p, NFT_VERB_ADD, NFT_OBJECT_TABLE, NULL), 2, "after making sure it exists");
        is_int(nft_plan_count(p, NFT_VERB_ADD, NFT_OBJECT_CHAIN, "forward"), 1, "forward chain");
        is_int(nft_plan_count(p, NFT_VERB_ADD, NFT_OBJECT_RULE, "forward"), 5, "5 forward rules");
        p = nft_plan_free(p);
}

static void test_incremental(void) {
        NftNetwork n[2] = { bridge("lan0", "10.88.0.0/24", "fd42::/64", true, false),
                            bridge("lan1", "10.89.0.0/24", NULL, true, false) };
        NftPort p80 = port("8080:80"), pa = port("192.0.2.1:8081:80/udp");
        NftEndpoint e = { .owner = "web1",
                          .has_address4 = true,
                          .address4 = addr("10.88.0.2"),
                          .has_address6 = true,
                          .address6 = addr("fd42::2"),
                          .ports = &p80,
                          .n_ports = 1 };
        NftRuleset rs = { n, 2 };
        _cleanup_free_ char *text = NULL;
        NftPlan *p;

        assert(nft_plan_new(&p) == 0);
        ok(nft_plan_port(p, NFT_VERB_ADD, &n[0], &e, &p80) == 0,
           "publish 8080:80 on a dual-stack container");
        is_int(p->n_commands, 2, "two map elements, one per family, and nothing else");
        ok(nft_plan_to_string(p, &text) == 0, "printable");
        is_str(text,
               "add element inet sysctr ports_v4 { tcp . 8080 comment \"web1\" : 10.88.0.2 . 80 }\n"
               "add element inet sysctr ports_v6 { tcp . 8080 comment \"web1\" : fd42::2 . 80 }\n",
               "the plan's text");
        text = mfree_text(text);
        p = nft_plan_free(p);

        assert(nft_plan_new(&p) == 0);
        ok(nft_plan_port(p, NFT_VERB_DELETE, &n[0], &e, &pa) == 0, "unpublish a port of one IPv4 address");
        ok(nft_plan_to_string(p, &text) == 0, "printable");
        is_str(text,
               "delete element inet sysctr ports_addr_v4 { 192.0.2.1 . udp . 8081 : 10.88.0.2 . 80 }\n",
               "one element of the address map");
        text = mfree_text(text);
        p = nft_plan_free(p);

        assert(nft_plan_new(&p) == 0);
        ok(nft_plan_network(p, NFT_VERB_ADD, &rs, &n[0]) == 0, "add network lan0 next to lan1");
        ok(nft_plan_to_string(p, &text) == 0, "printable");
        is_str(text,
               "add element inet sysctr bridges { \"lan0\" comment \"lan0\" }\n"
               "add element inet sysctr nat_bridges { \"lan0\" comment \"lan0\" }\n"
               "add element inet sysctr bridge_pairs { \"lan0\" . \"lan0\" comment \"lan0\" }\n"
               "add element inet sysctr bridge_pairs { \"lan0\" . \"lan1\" comment \"lan0\" }\n"
               "add element inet sysctr bridge_pairs { \"lan1\" . \"lan0\" comment \"lan1\" }\n"
               "add element inet sysctr subnets_v4 { 10.88.0.0/24 comment \"lan0\" }\n"
               "add element inet sysctr gateways_v4 { \"lan0\" . 10.88.0.1 comment \"lan0\" }\n"
               "add element inet sysctr subnets_v6 { fd42::/64 comment \"lan0\" }\n"
               "add element inet sysctr gateways_v6 { \"lan0\" . fd42::1 comment \"lan0\" }\n",
               "a network is elements only");
        ok(nft_plan_count(p, NFT_VERB_ADD, NFT_OBJECT_RULE, NULL) == 0, "no rule");
        text = mfree_text(text);
        p = nft_plan_free(p);

        n[0].isolated = true;
        assert(nft_plan_new(&p) == 0);
        ok(nft_plan_network(p, NFT_VERB_DELETE, &rs, &n[0]) == 0, "remove an isolated network");
        is_int(nft_plan_count(p, NFT_VERB_DELETE, NFT_OBJECT_ELEMENT, "bridge_pairs"), 1,
               "only its own pair");
        p = nft_plan_free(p);

        assert(nft_plan_new(&p) == 0);
        e.allow_host = true;
        ok(nft_plan_endpoint(p, NFT_VERB_ADD, &n[0], &e) == 0, "a container's elements");
        is_int(nft_plan_count(p, NFT_VERB_ADD, NFT_OBJECT_ELEMENT, "allow_host_v4") +
                       nft_plan_count(p, NFT_VERB_ADD, NFT_OBJECT_ELEMENT, "allow_host_v6"),
               2, "host access in both families");
        ok(nft_plan_host_service(p, NFT_VERB_ADD, &n[0], &(NftHostService) { IPPROTO_TCP, 22 }) == 0,
           "open tcp/22 to lan0");
        ok(nft_plan_delete_table(p) == 0, "and delete the table, all in one plan");
        p = nft_plan_free(p);
        e.owner = "Bad_Name";
        assert(nft_plan_new(&p) == 0);
        is_int(nft_plan_endpoint(p, NFT_VERB_ADD, &n[0], &e), -EINVAL, "a bad container name is refused");
        is_int(p->n_commands, 0, "and nothing planned");
        p = nft_plan_free(p);
}

/* ------------------------------------------------------------------------------------------------
 * The batch, parsed back */

typedef struct Parsed {
        size_t begin, end, tables, deltables, chains, sets, rules, elements;
        size_t rules_matching;
        size_t sets_matching;
        bool ports_v4_element_ok;
        bool interval_ok;
        bool sequence_ok;
        bool ack_only_last;
} Parsed;

static const struct {
        const char *name;
        uint32_t flags, key_type, key_len, data_type, data_len;
} expected_sets[] = {
        /* What nft 1.0.6 itself makes of the same declarations. */
        { "bridges", 0, 41, 16, 0, 0 },
        { "nat_bridges", 0, 41, 16, 0, 0 },
        { "bridge_pairs", 0, 2665, 32, 0, 0 },
        { "subnets_v4", NFT_SET_INTERVAL, 7, 4, 0, 0 },
        { "subnets_v6", NFT_SET_INTERVAL, 8, 16, 0, 0 },
        { "gateways_v4", 0, 2631, 20, 0, 0 },
        { "gateways_v6", 0, 2632, 32, 0, 0 },
        { "bridge_services", 0, 781, 8, 0, 0 },
        { "gateway_services", 0, 781, 8, 0, 0 },
        { "allow_host_v4", 0, 7, 4, 0, 0 },
        { "allow_host_v6", 0, 8, 16, 0, 0 },
        { "allow_host_ports", 0, 168717, 24, 0, 0 },
        { "ports_v4", NFT_SET_MAP, 781, 8, 461, 8 },
        { "ports_v6", NFT_SET_MAP, 781, 8, 525, 20 },
        { "ports_addr_v4", NFT_SET_MAP, 29453, 12, 461, 8 },
        { "ports_addr_v6", NFT_SET_MAP, 33549, 24, 525, 20 },
};

static void rule_bytecode(struct nftnl_rule *r, char *buf, size_t size) {
        char raw[8192], *p = buf;
        const char *line;

        /* nftnl's text: a header line, "  [ expr ]" lines, maybe a userdata line; keep the exprs. */
        nftnl_rule_snprintf(raw, sizeof(raw), r, NFTNL_OUTPUT_DEFAULT, 0);
        buf[0] = '\0';
        for (line = strchr(raw, '\n'); line; line = strchr(line + 1, '\n')) {
                const char *start = line + 1, *stop = strchr(start, '\n');
                size_t n = stop ? (size_t) (stop - start) : strlen(start);

                while (n > 0 && *start == ' ')
                        start++, n--;
                if (n == 0 || *start != '[')
                        continue;
                if (p != buf && (size_t) (p - buf) + 1 < size)
                        *p++ = ' ';
                n = MIN(n, size - (size_t) (p - buf) - 1);
                memcpy(p, start, n);
                p += n;
                *p = '\0';
        }
}

static void check_rule(const struct nlmsghdr *nlh, Parsed *res) {
        struct nftnl_rule *r = nftnl_rule_alloc();
        char code[4096];

        assert(r && nftnl_rule_nlmsg_parse(nlh, r) >= 0);
        rule_bytecode(r, code, sizeof(code));
        if (res->rules < ELEMENTSOF(expected_bytecode) && streq(code, expected_bytecode[res->rules]))
                res->rules_matching++;
        else
                diag("rule %zu: %s", res->rules, code);
        res->rules++;
        nftnl_rule_free(r);
}

static void check_set(const struct nlmsghdr *nlh, Parsed *res) {
        struct nftnl_set *s = nftnl_set_alloc();
        const char *name;

        assert(s && nftnl_set_nlmsg_parse(nlh, s) >= 0);
        name = nftnl_set_get_str(s, NFTNL_SET_NAME);
        for (size_t i = 0; i < ELEMENTSOF(expected_sets); i++)
                if (name && streq(name, expected_sets[i].name) &&
                    nftnl_set_get_u32(s, NFTNL_SET_FLAGS) == expected_sets[i].flags &&
                    nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE) == expected_sets[i].key_type &&
                    nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN) == expected_sets[i].key_len &&
                    (expected_sets[i].data_len == 0 ||
                     (nftnl_set_get_u32(s, NFTNL_SET_DATA_TYPE) == expected_sets[i].data_type &&
                      nftnl_set_get_u32(s, NFTNL_SET_DATA_LEN) == expected_sets[i].data_len)))
                        res->sets_matching++;
        res->sets++;
        nftnl_set_free(s);
}

/* The elements of a NEWSETELEM message, read with libmnl: libnftnl numbers the entries of the list
 * 1, 2, 3... when it builds one (the kernel ignores the number) but parses back only entries
 * numbered NFTA_LIST_ELEM, so a message of two elements (an interval) is read here directly. */
typedef struct RawElements {
        char set[64];
        size_t n;
        uint8_t key[4][64], data[4][64];
        uint16_t key_len[4], data_len[4];
        uint32_t flags[4];
} RawElements;

static void data_value(const struct nlattr *a, uint8_t *buf, uint16_t *len) {
        const struct nlattr *v;

        mnl_attr_for_each_nested(v, a) if (mnl_attr_get_type(v) == NFTA_DATA_VALUE &&
                                           mnl_attr_get_payload_len(v) <= 64) {
                *len = mnl_attr_get_payload_len(v);
                memcpy(buf, mnl_attr_get_payload(v), *len);
        }
}

static void raw_elements(const struct nlmsghdr *nlh, RawElements *r) {
        const struct nlattr *a, *entry, *f;

        memset(r, 0, sizeof(*r));
        mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
                if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_SET)
                        snprintf(r->set, sizeof(r->set), "%s", mnl_attr_get_str(a));
                if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
                        continue;
                mnl_attr_for_each_nested(entry, a) {
                        if (r->n >= 4)
                                break;
                        mnl_attr_for_each_nested(f, entry) {
                                if (mnl_attr_get_type(f) == NFTA_SET_ELEM_KEY)
                                        data_value(f, r->key[r->n], &r->key_len[r->n]);
                                else if (mnl_attr_get_type(f) == NFTA_SET_ELEM_DATA)
                                        data_value(f, r->data[r->n], &r->data_len[r->n]);
                                else if (mnl_attr_get_type(f) == NFTA_SET_ELEM_FLAGS)
                                        r->flags[r->n] = ntohl(mnl_attr_get_u32(f));
                        }
                        r->n++;
                }
        }
}

static void check_elements(const struct nlmsghdr *nlh, Parsed *res) {
        static const uint8_t key_v4[8] = { IPPROTO_TCP, 0, 0, 0, 0x1f, 0x90, 0, 0 }; /* tcp . 8080 */
        static const uint8_t data_v4[8] = { 10, 88, 0, 2, 0, 80, 0, 0 };             /* 10.88.0.2 . 80 */
        static const uint8_t start[4] = { 10, 88, 0, 0 }, end[4] = { 10, 89, 0, 0 };
        RawElements r;

        raw_elements(nlh, &r);
        if (streq(r.set, "ports_v4") && r.n == 1 && r.key_len[0] == 8 && r.data_len[0] == 8 &&
            memcmp(r.key[0], key_v4, 8) == 0 && memcmp(r.data[0], data_v4, 8) == 0)
                res->ports_v4_element_ok = true;
        /* 10.88.0.0/16: its first address, and the first one after it as the interval's end. */
        if (streq(r.set, "subnets_v4") && r.n == 2 && r.key_len[0] == 4 && memcmp(r.key[0], start, 4) == 0 &&
            r.flags[0] == 0 && memcmp(r.key[1], end, 4) == 0 && r.flags[1] == NFT_SET_ELEM_INTERVAL_END)
                res->interval_ok = true;
        res->elements++;
}

static void test_batch(void) {
        NftNetwork n = bridge("lan0", "10.88.0.0/16", "fd42::/64", true, true);
        NftPort ports[1];
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ NftEndpoint *e = endpoints(&n, 1, ports, &names);
        NftRuleset rs = { &n, 1 };
        _cleanup_free_ void *buf = NULL;
        Parsed res = { .sequence_ok = true, .ack_only_last = true };
        uint32_t seq = 4000, expect_seq = seq;
        size_t size, messages = 0;
        NftPlan *p;
        int len;

        ports[0] = port("8080:80");
        n.endpoints = e;
        n.n_endpoints = 1;
        assert(nft_plan_new(&p) == 0);
        assert(nft_plan_sync(p, &rs, NULL) == 0);
        ok(nft_plan_to_batch(p, seq, &buf, &size) == 0, "build the batch in memory (%zu bytes)", size);

        len = (int) size;
        for (const struct nlmsghdr *nlh = buf; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
                uint16_t type = nlh->nlmsg_type;
                bool is_last = messages == p->n_commands; /* command messages are 1..n */

                if (nlh->nlmsg_seq != expect_seq++)
                        res.sequence_ok = false;
                if (messages >= 1 && messages <= p->n_commands &&
                    !!(nlh->nlmsg_flags & NLM_F_ACK) != is_last)
                        res.ack_only_last = false;
                messages++;
                if (type == NFNL_MSG_BATCH_BEGIN) {
                        res.begin++;
                        continue;
                }
                if (type == NFNL_MSG_BATCH_END) {
                        res.end++;
                        continue;
                }
                switch (type & 0xff) {
                case NFT_MSG_NEWTABLE:
                        res.tables++;
                        break;
                case NFT_MSG_DELTABLE:
                        res.deltables++;
                        break;
                case NFT_MSG_NEWCHAIN:
                        res.chains++;
                        break;
                case NFT_MSG_NEWSET:
                        check_set(nlh, &res);
                        break;
                case NFT_MSG_NEWRULE:
                        check_rule(nlh, &res);
                        break;
                case NFT_MSG_NEWSETELEM:
                        check_elements(nlh, &res);
                        break;
                }
        }
        is_int(len, 0, "the batch parses to its end");
        is_int(messages, p->n_commands + 2, "one message per command, between begin and end");
        ok(res.begin == 1 && res.end == 1, "one BATCH_BEGIN, one BATCH_END");
        ok(res.sequence_ok, "consecutive sequence numbers from %u", seq);
        ok(res.ack_only_last, "only the last command asks for an ack");
        ok(res.tables == 2 && res.deltables == 1, "add, delete, add the table");
        is_int(res.chains, 7, "7 chains");
        is_int(res.sets, 16, "16 sets");
        is_int(res.sets_matching, 16, "every set has the types, lengths and flags nft gives it");
        is_int(res.rules, ELEMENTSOF(expected_bytecode), "%zu rules", ELEMENTSOF(expected_bytecode));
        is_int(res.rules_matching, ELEMENTSOF(expected_bytecode),
               "every rule's bytecode is what nft makes of its text");
        ok(res.ports_v4_element_ok,
           "the published port is the map element tcp . 8080 : 10.88.0.2 . 80, in bytes");
        ok(res.interval_ok, "10.88.0.0/16 is the interval [10.88.0.0, 10.89.0.0)");
        p = nft_plan_free(p);
}

/* The time to build a one-port batch: what publishing costs before the kernel's share. */
static void test_batch_speed(void) {
        NftNetwork n = bridge("lan0", "10.88.0.0/16", NULL, true, true);
        NftEndpoint e = { .owner = "web1", .has_address4 = true, .address4 = addr("10.88.0.2") };
        NftPort p80 = port("8080:80");
        struct timespec t0, t1;
        double us;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (int i = 0; i < 1000; i++) {
                _cleanup_free_ void *buf = NULL;
                size_t size;
                NftPlan *p;

                assert(nft_plan_new(&p) == 0 && nft_plan_port(p, NFT_VERB_ADD, &n, &e, &p80) == 0);
                assert(nft_plan_to_batch(p, 1, &buf, &size) == 0);
                nft_plan_free(p);
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        us = ((double) (t1.tv_sec - t0.tv_sec) * 1e9 + (double) (t1.tv_nsec - t0.tv_nsec)) / 1e3 / 1000;
        diag("planning and encoding a publish batch: %.1f us", us);
        ok(us < 1000, "a publish batch is built in well under a millisecond (%.1f us)", us);
}

static void test_doctor(void) {
        NftChainInfo chains[] = {
                { .table = (char *) "sysctr",
                  .family = NFPROTO_INET,
                  .name = (char *) "forward",
                  .type = (char *) "filter",
                  .hook = NF_INET_FORWARD },
                { .table = (char *) "filter",
                  .family = NFPROTO_IPV4,
                  .name = (char *) "FORWARD",
                  .type = (char *) "filter",
                  .hook = NF_INET_FORWARD,
                  .policy_drop = true },
                { .table = (char *) "firewalld",
                  .family = NFPROTO_INET,
                  .name = (char *) "filter_INPUT",
                  .type = (char *) "filter",
                  .hook = NF_INET_LOCAL_IN,
                  .policy_drop = true },
                { .table = (char *) "x",
                  .family = NFPROTO_INET,
                  .name = (char *) "output",
                  .type = (char *) "filter",
                  .hook = NF_INET_LOCAL_OUT,
                  .policy_drop = true },
                { .table = (char *) "x", .family = NFPROTO_INET, .name = (char *) "regular", .hook = -1 },
        };
        char *bridges[] = { (char *) "sysctr0", (char *) "lan0", NULL };
        NftDoctorFacts facts = { .chains = chains,
                                 .n_chains = ELEMENTSOF(chains),
                                 .ip_forward = 1,
                                 .ipv6_forwarding = 1,
                                 .bridge_nf_call_iptables = 1,
                                 .bridges = bridges };
        NftFinding *f = NULL;
        size_t n = 0;

        ok(nft_doctor(&facts, &f, &n) == 0, "the doctor runs");
        is_int(n, 3, "three findings");
        if (n == 3) {
                is_str(nft_severity_to_string(f[0].severity), "error", "the forward drop first, an error");
                ok(strstr(f[0].problem, "table ip filter, chain FORWARD: hook forward, policy drop") &&
                           strstr(f[0].problem, "even between containers of one bridge"),
                   "Docker's FORWARD policy (with br_netfilter)");
                is_str(f[0].remedy,
                       "nft insert rule ip filter FORWARD iifname { \"sysctr0\", \"lan0\" } accept; nft insert rule "
                       "ip filter FORWARD oifname { \"sysctr0\", \"lan0\" } accept (or the same in the "
                       "configuration that makes that table)",
                       "...with the rules that fix it, for our bridges");
                is_str(nft_severity_to_string(f[1].severity), "warning", "the input drop, a warning");
                ok(strstr(f[1].problem, "table inet firewalld, chain filter_INPUT: hook input, policy drop") != NULL,
                   "a firewall's input policy");
                is_str(f[1].remedy,
                       "firewall-cmd --permanent --zone=trusted --add-interface=sysctr0; firewall-cmd --permanent "
                       "--zone=trusted --add-interface=lan0",
                       "...firewalld's cure");
                is_str(nft_severity_to_string(f[2].severity), "info", "br_netfilter, for the record");
        }
        nft_findings_free(f, n);

        /* Docker's table, recognized by its DOCKER-USER chain. */
        chains[4] = (NftChainInfo) { .table = (char *) "filter", .family = NFPROTO_IPV4, .name = (char *) "DOCKER-USER",
                                     .hook = -1 };
        facts.n_chains = 2;
        facts.bridge_nf_call_iptables = -1;
        facts.bridges = NULL;
        ok(nft_doctor(&facts, &f, &n) == 0 && n == 1, "Docker alone: one finding");
        facts.n_chains = 5;
        nft_findings_free(f, n);
        ok(nft_doctor(&facts, &f, &n) == 0 && n == 2 &&
                   streq(f[0].remedy, "iptables -I DOCKER-USER -i BRIDGE -j ACCEPT; iptables -I DOCKER-USER -o "
                                      "BRIDGE -j ACCEPT (and the same with ip6tables)"),
           "...Docker's own place for such rules");
        nft_findings_free(f, n);

        facts.n_chains = 1;
        facts.ip_forward = 0;
        ok(nft_doctor(&facts, &f, &n) == 0 && n == 1 && strstr(f[0].problem, "net.ipv4.ip_forward is 0") &&
                   f[0].severity == NFT_SEVERITY_ERROR,
           "forwarding off");
        nft_findings_free(f, n);
        facts.ip_forward = 1;
        ok(nft_doctor(&facts, &f, &n) == 0 && n == 0, "nothing to say about our own table");
        nft_findings_free(f, n);
}

int main(void) {
        test_design();
        test_ports();
        test_check();
        test_constant_rules();
        test_incremental();
        test_batch();
        test_batch_speed();
        test_doctor();
        return done_testing();
}
