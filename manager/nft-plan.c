/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
/* net/if.h and netinet/in.h before the kernel's headers, which then leave struct in_addr & co. to libc. */
#include <net/if.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>

#include "name.h"
#include "nft.h"
#include "strv.h"

/* The design of "table inet sysctr". docs/networking.md has the whole picture; here every rule says
 * why it exists, next to it.
 *
 * The principles:
 * - Every rule matches only traffic that enters or leaves one of our bridges (or was DNATed by a
 *   published port of ours): the host's own traffic and other interfaces are none of our business.
 *   Our base chains have policy accept; we never decide for traffic that is not ours.
 * - Everything that belongs to a network or a container is an element of a set or a map, never a
 *   rule of its own: the rules below are all there is, with 1 container or 10,000 (and with 1
 *   network or 100). Adding a container, publishing a port, creating a network: elements only.
 * - Both families in one table (inet): one rule serves IPv4 and IPv6 where it can.
 * - Two host configurations must both work: routed bridges (plain Linux), and br_netfilter loaded
 *   (Docker loads it), where frames within a bridge also pass the inet hooks and a DNATed frame to
 *   a container on the same bridge is bridged back instead of routed. The hairpin rules are written
 *   so that both paths are masqueraded, which is why they match source subnets (the bridged path
 *   has no input interface in postrouting) rather than input interfaces. */

static const char * const nft_verb_table[_NFT_VERB_MAX] = {
        [NFT_VERB_ADD] = "add",
        [NFT_VERB_DELETE] = "delete",
};

static const char * const nft_object_type_table[_NFT_OBJECT_TYPE_MAX] = {
        [NFT_OBJECT_TABLE] = "table", [NFT_OBJECT_CHAIN] = "chain",     [NFT_OBJECT_SET] = "set",
        [NFT_OBJECT_RULE] = "rule",   [NFT_OBJECT_ELEMENT] = "element",
};

static const char * const nft_network_type_table[_NFT_NETWORK_TYPE_MAX] = {
        [NFT_NETWORK_BRIDGE] = "bridge",
        [NFT_NETWORK_MACVLAN] = "macvlan",
};

const char *nft_verb_to_string(NftVerb v) {
        return v >= 0 && v < _NFT_VERB_MAX ? nft_verb_table[v] : NULL;
}

const char *nft_object_type_to_string(NftObjectType t) {
        return t >= 0 && t < _NFT_OBJECT_TYPE_MAX ? nft_object_type_table[t] : NULL;
}

DEFINE_STRING_TABLE_LOOKUP(nft_network_type, NftNetworkType, _NFT_NETWORK_TYPE_MAX);

/* ------------------------------------------------------------------------------------------------
 * Chains */

static const NftChainDef chains[] = {
        /* Before conntrack (raw, -300): drop what must never be routed, before it costs an entry. */
        { "prerouting_filter", "filter", NF_INET_PRE_ROUTING, -300, "sysctr: what containers may not send" },
        { "prerouting", "nat", NF_INET_PRE_ROUTING, -100, "sysctr: published ports" },
        /* The host reaching a published port itself (its own addresses, 127.0.0.1). */
        { "output", "nat", NF_INET_LOCAL_OUT, -100, "sysctr: published ports, from the host" },
        { "postrouting", "nat", NF_INET_POST_ROUTING, 100, "sysctr: masquerading" },
        { "forward", "filter", NF_INET_FORWARD, 0, "sysctr: isolation of the bridges" },
        { "input", "filter", NF_INET_LOCAL_IN, 0, "sysctr: what containers may reach on the host" },
        { "from_bridge", NULL, -1, 0, "sysctr: traffic from a bridge to the host" },
};

const NftChainDef *nft_chains(size_t *ret_n) {
        *ret_n = ELEMENTSOF(chains);
        return chains;
}

/* ------------------------------------------------------------------------------------------------
 * Sets and maps: where networks and containers live */

static const NftSetDef sets[] = {
        /* The bridges of bridge networks. Every rule starts from "is this one of ours". */
        { "bridges", { NFT_TYPE_IFNAME }, 1, .comment = "sysctr bridges" },
        /* Bridges whose traffic to the outside is masqueraded, and that take no connection from the
         * outside except through published ports. */
        { "nat_bridges", { NFT_TYPE_IFNAME }, 1, .comment = "bridges with NAT" },
        /* (in, out) bridge pairs that may talk: each bridge with itself (a DNATed hairpin, or any
         * frame within the bridge when br_netfilter is on), and pairs of non-isolated networks. */
        { "bridge_pairs", { NFT_TYPE_IFNAME, NFT_TYPE_IFNAME }, 2, .comment = "bridges that may talk" },
        /* The subnets of the bridges, to recognize containers as sources on the bridged path. */
        { "subnets_v4", { NFT_TYPE_IPV4 }, 1, .interval = true, .comment = "bridge subnets" },
        { "subnets_v6", { NFT_TYPE_IPV6 }, 1, .interval = true, .comment = "bridge subnets" },
        /* Each bridge's own addresses: the only host addresses that serve DNS to its containers. */
        { "gateways_v4", { NFT_TYPE_IFNAME, NFT_TYPE_IPV4 }, 2, .comment = "bridge addresses" },
        { "gateways_v6", { NFT_TYPE_IFNAME, NFT_TYPE_IPV6 }, 2, .comment = "bridge addresses" },
        /* Constant: what every container may send to the host whatever the address (DHCP goes to
         * broadcast and multicast addresses), and what it may ask its gateway address (DNS). */
        { "bridge_services", { NFT_TYPE_PROTO, NFT_TYPE_PORT }, 2, .comment = "DHCP, DHCPv6" },
        { "gateway_services", { NFT_TYPE_PROTO, NFT_TYPE_PORT }, 2, .comment = "DNS" },
        /* Containers allowed to reach every service of the host (allow-host). */
        { "allow_host_v4", { NFT_TYPE_IPV4 }, 1, .comment = "containers with host access" },
        { "allow_host_v6", { NFT_TYPE_IPV6 }, 1, .comment = "containers with host access" },
        /* Host services opened to all containers of one network. */
        { "allow_host_ports",
          { NFT_TYPE_IFNAME, NFT_TYPE_PROTO, NFT_TYPE_PORT },
          3,
          .comment = "host ports open to a bridge" },
        /* Published ports: on every host address, or on one. */
        { "ports_v4",
          { NFT_TYPE_PROTO, NFT_TYPE_PORT },
          2,
          { NFT_TYPE_IPV4, NFT_TYPE_PORT },
          2,
          .comment = "published ports" },
        { "ports_v6",
          { NFT_TYPE_PROTO, NFT_TYPE_PORT },
          2,
          { NFT_TYPE_IPV6, NFT_TYPE_PORT },
          2,
          .comment = "published ports" },
        { "ports_addr_v4",
          { NFT_TYPE_IPV4, NFT_TYPE_PROTO, NFT_TYPE_PORT },
          3,
          { NFT_TYPE_IPV4, NFT_TYPE_PORT },
          2,
          .comment = "ports published on one address" },
        { "ports_addr_v6",
          { NFT_TYPE_IPV6, NFT_TYPE_PROTO, NFT_TYPE_PORT },
          3,
          { NFT_TYPE_IPV6, NFT_TYPE_PORT },
          2,
          .comment = "ports published on one address" },
};

const NftSetDef *nft_sets(size_t *ret_n) {
        *ret_n = ELEMENTSOF(sets);
        return sets;
}

const NftSetDef *nft_set_find(const char *name) {
        for (size_t i = 0; name && i < ELEMENTSOF(sets); i++)
                if (streq(sets[i].name, name))
                        return &sets[i];
        return NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Rules */

#define CT_ESTABLISHED_RELATED (NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED))

/* clang-format off */
#define IIF_IN(s) { NFT_TERM_IIFNAME_IN, .set = (s) }
#define IIF_NOT_IN(s) { NFT_TERM_IIFNAME_IN, .set = (s), .negate = true }
#define OIF_IN(s) { NFT_TERM_OIFNAME_IN, .set = (s) }
#define OIF_NOT_IN(s) { NFT_TERM_OIFNAME_IN, .set = (s), .negate = true }
#define NFPROTO(f) { NFT_TERM_NFPROTO, .family = (f) }
#define L4PROTO(p) { NFT_TERM_L4PROTO, .value = (p) }
#define CT_STATE(bits) { NFT_TERM_CT_STATE, .value = (bits) }
#define CT_STATUS_DNAT { NFT_TERM_CT_STATUS_DNAT }
#define ACCEPT { NFT_TERM_ACCEPT }
#define DROP { NFT_TERM_DROP }
#define MASQUERADE { NFT_TERM_MASQUERADE }
/* clang-format on */

static const NftRuleDef rules[] = {
        /* --- prerouting_filter ---
         * Bridges carry route_localnet=1 (so that 127.0.0.1 can reach a published port), which
         * would also let a container send to the host's 127.0.0.0/8 services through its gateway
         * (kube-proxy's CVE-2020-8558). Nothing from a bridge may be addressed there. */
        { "prerouting_filter",
          { IIF_IN("bridges"), { NFT_TERM_DADDR, .family = AF_INET, .address = "127.0.0.0/8" }, DROP },
          "no loopback from containers (route_localnet)" },
        /* Anti-spoofing: a container's source address must route back through the bridge it came
         * from. Without it a container could send as another network's container (or as the
         * host's loopback, see above) and leave un-NATed with a made-up address. */
        { "prerouting_filter",
          { IIF_IN("bridges"), { NFT_TERM_FIB_SADDR_IIF_MISSING }, DROP },
          "no spoofed sources from containers" },

        /* --- prerouting: published ports (DNAT), from anywhere but the host itself ---
         * A port published on one host address first (more specific)... */
        { "prerouting",
          { { NFT_TERM_DNAT_ADDR_PORTS, .family = AF_INET, .set = "ports_addr_v4" } },
          "ports published on one address" },
        /* ...then on every address the host has ("type local": never for traffic that only passes
         * through the host to somewhere else). */
        { "prerouting",
          { NFPROTO(AF_INET),
            { NFT_TERM_FIB_DADDR_LOCAL },
            { NFT_TERM_DNAT_PORTS, .family = AF_INET, .set = "ports_v4" } },
          "ports published on every address" },
        { "prerouting",
          { { NFT_TERM_DNAT_ADDR_PORTS, .family = AF_INET6, .set = "ports_addr_v6" } },
          "ports published on one address" },
        { "prerouting",
          { NFPROTO(AF_INET6),
            { NFT_TERM_FIB_DADDR_LOCAL },
            { NFT_TERM_DNAT_PORTS, .family = AF_INET6, .set = "ports_v6" } },
          "ports published on every address" },

        /* --- output: the host itself reaching a published port ---
         * The same maps, in the kernel (no userland proxy). For 127.0.0.1 this needs route_localnet
         * on the bridge and the masquerade below. IPv6 has no route_localnet: ::1 can never leave
         * the loopback device, so ::1 is left alone rather than DNATed into a black hole. */
        { "output",
          { { NFT_TERM_DNAT_ADDR_PORTS, .family = AF_INET, .set = "ports_addr_v4" } },
          "ports published on one address" },
        { "output",
          { NFPROTO(AF_INET),
            { NFT_TERM_FIB_DADDR_LOCAL },
            { NFT_TERM_DNAT_PORTS, .family = AF_INET, .set = "ports_v4" } },
          "ports published on every address" },
        { "output",
          { { NFT_TERM_DADDR, .family = AF_INET6, .negate = true, .address = "::1/128" },
            { NFT_TERM_DNAT_ADDR_PORTS, .family = AF_INET6, .set = "ports_addr_v6" } },
          "ports published on one address" },
        { "output",
          { { NFT_TERM_DADDR, .family = AF_INET6, .negate = true, .address = "::1/128" },
            { NFT_TERM_FIB_DADDR_LOCAL },
            { NFT_TERM_DNAT_PORTS, .family = AF_INET6, .set = "ports_v6" } },
          "ports published on every address" },

        /* --- postrouting: source NAT ---
         * Containers of a NAT network leaving for anything but one of our bridges appear as the
         * host. (Forwarded traffic always has an input interface here.) */
        { "postrouting",
          { IIF_IN("nat_bridges"), OIF_NOT_IN("bridges"), MASQUERADE },
          "NAT to the outside" },
        /* Hairpin: a container reaching a published port of its own bridge (or its own one) must
         * get the answer back through the host, where conntrack undoes the DNAT: so it must appear
         * as the host (the gateway address). Matched by source subnet, not input interface, so it
         * also catches the br_netfilter path, where a DNATed frame is bridged, not routed. */
        { "postrouting",
          { CT_STATUS_DNAT,
            OIF_IN("bridges"),
            { NFT_TERM_SADDR_IN, .family = AF_INET, .set = "subnets_v4" },
            MASQUERADE },
          "hairpin to a published port" },
        { "postrouting",
          { CT_STATUS_DNAT,
            OIF_IN("bridges"),
            { NFT_TERM_SADDR_IN, .family = AF_INET6, .set = "subnets_v6" },
            MASQUERADE },
          "hairpin to a published port" },
        /* The host's 127.0.0.1 reaching a published port: the container could not answer to
         * 127.0.0.1, so it gets the bridge's address as source. */
        { "postrouting",
          { OIF_IN("bridges"), { NFT_TERM_SADDR, .family = AF_INET, .address = "127.0.0.0/8" }, MASQUERADE },
          "localhost to a published port" },

        /* --- forward ---
         * Answers of allowed connections, first and cheap. */
        { "forward", { CT_STATE(CT_ESTABLISHED_RELATED), ACCEPT }, "answers" },
        /* Packets conntrack cannot place would skip NAT and leave with a container's private source
         * (the masquerade leak Kubernetes fixed the same way). */
        { "forward", { IIF_IN("bridges"), CT_STATE(NF_CT_STATE_INVALID_BIT), DROP }, "no un-NATed leaks" },
        /* A published port is reachable from wherever the host's address is: other bridges too. */
        { "forward", { OIF_IN("bridges"), CT_STATUS_DNAT, ACCEPT }, "published ports" },
        /* Isolation: from one bridge to another only for pairs in bridge_pairs. */
        { "forward",
          { IIF_IN("bridges"),
            OIF_IN("bridges"),
            { NFT_TERM_IIFNAME_OIFNAME_IN, .set = "bridge_pairs", .negate = true },
            DROP },
          "isolation between bridges" },
        /* A NAT network is private: from the outside only through published ports (above), even
         * for a neighbour that routes the subnet to us. */
        { "forward",
          { OIF_IN("nat_bridges"), IIF_NOT_IN("bridges"), DROP },
          "NAT networks take no inbound" },

        /* --- input: containers reaching the host --- */
        { "input", { IIF_IN("bridges"), { NFT_TERM_JUMP, .set = "from_bridge" } }, NULL },

        { "from_bridge", { CT_STATE(CT_ESTABLISHED_RELATED), ACCEPT }, "answers to the host" },
        { "from_bridge", { CT_STATE(NF_CT_STATE_INVALID_BIT), DROP }, NULL },
        /* DHCP and DHCPv6 go to broadcast and multicast addresses: by port only. */
        { "from_bridge", { { NFT_TERM_L4PROTO_DPORT_IN, .set = "bridge_services" }, ACCEPT }, "DHCP" },
        /* DNS only on the bridge's own addresses, where its dnsmasq listens. */
        { "from_bridge",
          { { NFT_TERM_IIFNAME_DADDR_IN, .family = AF_INET, .set = "gateways_v4" },
            { NFT_TERM_L4PROTO_DPORT_IN, .set = "gateway_services" },
            ACCEPT },
          "DNS" },
        { "from_bridge",
          { { NFT_TERM_IIFNAME_DADDR_IN, .family = AF_INET6, .set = "gateways_v6" },
            { NFT_TERM_L4PROTO_DPORT_IN, .set = "gateway_services" },
            ACCEPT },
          "DNS" },
        /* ICMP is the network's own control protocol: neighbour discovery, router solicitation,
         * MLD, path MTU, a ping of the gateway. It opens no service. */
        { "from_bridge", { L4PROTO(IPPROTO_ICMP), ACCEPT }, NULL },
        { "from_bridge", { L4PROTO(IPPROTO_ICMPV6), ACCEPT }, "ND, RS, MLD, PMTU" },
        { "from_bridge",
          { { NFT_TERM_SADDR_IN, .family = AF_INET, .set = "allow_host_v4" }, ACCEPT },
          "allow-host" },
        { "from_bridge",
          { { NFT_TERM_SADDR_IN, .family = AF_INET6, .set = "allow_host_v6" }, ACCEPT },
          "allow-host" },
        { "from_bridge",
          { { NFT_TERM_IIFNAME_L4PROTO_DPORT_IN, .set = "allow_host_ports" }, ACCEPT },
          "allow-host" },
        /* Everything else of the host is closed to containers. Rejected, not dropped: a container
         * learns at once (EHOSTUNREACH, "administratively prohibited") instead of timing out, and
         * the host is no secret to its own containers. */
        { "from_bridge", { { NFT_TERM_REJECT } }, "the host is closed to containers" },
};

const NftRuleDef *nft_rules(size_t *ret_n) {
        *ret_n = ELEMENTSOF(rules);
        return rules;
}

/* ------------------------------------------------------------------------------------------------
 * Protocols */

static const char *protocol_name(uint8_t p) {
        switch (p) {
        case IPPROTO_TCP:
                return "tcp";
        case IPPROTO_UDP:
                return "udp";
        case IPPROTO_ICMP:
                return "icmp";
        case IPPROTO_ICMPV6:
                return "ipv6-icmp";
        default:
                return NULL;
        }
}

/* ------------------------------------------------------------------------------------------------
 * Checking a ruleset */

_printf_(2, 3) static int check_fail(char **ret_error, const char *format, ...) {
        va_list ap;

        if (ret_error) {
                free(*ret_error);
                *ret_error = NULL;
                va_start(ap, format);
                if (vasprintf(ret_error, format, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return -EINVAL;
}

static bool gateway_ok(const InAddrPrefix *subnet, const union in_addr_union *gw) {
        union in_addr_union network = subnet->address;

        in_addr_mask(subnet->family, &network, subnet->prefixlen);
        return in_addr_prefix_contains(subnet, subnet->family, gw) &&
               !in_addr_equal(subnet->family, &network, gw);
}

static int check_network(const NftNetwork *n, char **ret_error) {
        if (!network_name_is_valid(n->name))
                return check_fail(ret_error, "Invalid network name \"%s\"", strna(n->name));
        if (n->type < 0 || n->type >= _NFT_NETWORK_TYPE_MAX)
                return check_fail(ret_error, "Network %s: invalid type", n->name);
        if (n->type == NFT_NETWORK_MACVLAN) {
                for (size_t i = 0; i < n->n_endpoints; i++)
                        if (n->endpoints[i].n_ports > 0 || n->endpoints[i].allow_host)
                                return check_fail(ret_error,
                                                  "Network %s: %s publishes ports or asks for host access "
                                                  "on a macvlan "
                                                  "network, where it has an address of the LAN itself",
                                                  n->name, strna(n->endpoints[i].owner));
                return n->n_host_services > 0
                               ? check_fail(ret_error, "Network %s: host services on a macvlan network",
                                            n->name)
                               : 0;
        }
        if (!ifname_is_valid(n->ifname))
                return check_fail(ret_error, "Network %s: invalid bridge name \"%s\"", n->name,
                                  strna(n->ifname));
        if (n->subnet4.family == 0 && n->subnet6.family == 0)
                return check_fail(ret_error, "Network %s: no subnet", n->name);
        if (n->subnet4.family != 0 &&
            (n->subnet4.family != AF_INET || !gateway_ok(&n->subnet4, &n->gateway4)))
                return check_fail(ret_error, "Network %s: bad IPv4 subnet or gateway", n->name);
        if (n->subnet6.family != 0 &&
            (n->subnet6.family != AF_INET6 || !gateway_ok(&n->subnet6, &n->gateway6)))
                return check_fail(ret_error, "Network %s: bad IPv6 subnet or gateway", n->name);
        for (size_t i = 0; i < n->n_host_services; i++)
                if (!protocol_name(n->host_services[i].protocol) || n->host_services[i].port == 0 ||
                    (n->host_services[i].protocol != IPPROTO_TCP &&
                     n->host_services[i].protocol != IPPROTO_UDP))
                        return check_fail(ret_error, "Network %s: bad host service", n->name);
        return 0;
}

static int check_endpoint(const NftNetwork *n, const NftEndpoint *e, char **ret_error) {
        char buf[IN_ADDR_STRLEN], pbuf[NFT_PORT_STRLEN];

        if (!container_name_is_valid(e->owner))
                return check_fail(ret_error, "Network %s: invalid container name \"%s\"", n->name,
                                  strna(e->owner));
        if (e->has_address4 && !in_addr_prefix_contains(&n->subnet4, AF_INET, &e->address4))
                return check_fail(ret_error, "Network %s: %s's address %s is outside the network", n->name,
                                  e->owner, in_addr_to_string(AF_INET, &e->address4, buf));
        if (e->has_address6 && !in_addr_prefix_contains(&n->subnet6, AF_INET6, &e->address6))
                return check_fail(ret_error, "Network %s: %s's address %s is outside the network", n->name,
                                  e->owner, in_addr_to_string(AF_INET6, &e->address6, buf));
        for (size_t i = 0; i < e->n_ports; i++) {
                const NftPort *p = &e->ports[i];

                if ((p->protocol != IPPROTO_TCP && p->protocol != IPPROTO_UDP) || p->host_port == 0 ||
                    p->container_port == 0 ||
                    (p->host_family != 0 && p->host_family != AF_INET && p->host_family != AF_INET6))
                        return check_fail(ret_error, "Network %s: %s: invalid published port", n->name,
                                          e->owner);
                if ((p->host_family == AF_INET && !e->has_address4) ||
                    (p->host_family == AF_INET6 && !e->has_address6) ||
                    (!e->has_address4 && !e->has_address6))
                        return check_fail(ret_error,
                                          "Network %s: %s has no address of the family of port %s", n->name,
                                          e->owner, nft_port_to_string(p, pbuf));
        }
        return 0;
}

/* Every published port of the ruleset against every other: they share the host's addresses. */
static int check_port_conflicts(const NftRuleset *rs, char **ret_error) {
        typedef struct {
                const NftPort *port;
                const char *owner;
        } Item;
        _cleanup_free_ Item *items = NULL;
        char a[NFT_PORT_STRLEN], b[NFT_PORT_STRLEN];
        size_t n = 0, m = 0;

        for (size_t i = 0; i < rs->n_networks; i++)
                for (size_t j = 0; j < rs->networks[i].n_endpoints; j++)
                        n += rs->networks[i].endpoints[j].n_ports;
        items = calloc(n ?: 1, sizeof(Item));
        if (!items)
                return -ENOMEM;
        for (size_t i = 0; i < rs->n_networks; i++)
                for (size_t j = 0; j < rs->networks[i].n_endpoints; j++) {
                        const NftEndpoint *e = &rs->networks[i].endpoints[j];

                        for (size_t k = 0; k < e->n_ports; k++)
                                items[m++] = (Item) { &e->ports[k], e->owner };
                }
        for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++)
                        if (nft_ports_conflict(items[i].port, items[j].port))
                                return check_fail(ret_error, "Port %s of %s conflicts with port %s of %s",
                                                  nft_port_to_string(items[i].port, a), items[i].owner,
                                                  nft_port_to_string(items[j].port, b), items[j].owner);
        return 0;
}

int nft_ruleset_check(const NftRuleset *rs, char **ret_error) {
        int r;

        for (size_t i = 0; i < rs->n_networks; i++) {
                const NftNetwork *n = &rs->networks[i];

                r = check_network(n, ret_error);
                if (r < 0)
                        return r;
                for (size_t j = 0; j < i; j++) {
                        const NftNetwork *o = &rs->networks[j];

                        if (streq(o->name, n->name))
                                return check_fail(ret_error, "Network %s is listed twice", n->name);
                        if (o->type == NFT_NETWORK_BRIDGE && n->type == NFT_NETWORK_BRIDGE &&
                            streq(o->ifname, n->ifname))
                                return check_fail(ret_error, "Networks %s and %s share the bridge %s",
                                                  o->name, n->name, n->ifname);
                }
                for (size_t j = 0; j < n->n_endpoints; j++) {
                        r = check_endpoint(n, &n->endpoints[j], ret_error);
                        if (r < 0)
                                return r;
                }
        }
        return check_port_conflicts(rs, ret_error);
}

/* ------------------------------------------------------------------------------------------------
 * Plans */

int nft_plan_new(NftPlan **ret) {
        NftPlan *p = calloc(1, sizeof(NftPlan));

        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

NftPlan *nft_plan_free(NftPlan *p) {
        if (!p)
                return NULL;
        free(p->commands);
        strv_free(p->strings);
        free(p);
        return NULL;
}

static int plan_push(NftPlan *p, const NftCommand *c) {
        NftCommand *n;

        n = realloc(p->commands, (p->n_commands + 1) * sizeof(NftCommand));
        if (!n)
                return -ENOMEM;
        p->commands = n;
        p->commands[p->n_commands++] = *c;
        return 0;
}

static NftValue value_ifname(const char *s) {
        NftValue v = { .type = NFT_TYPE_IFNAME };

        assert(strlen(s) < sizeof(v.ifname));
        strncpy(v.ifname, s, sizeof(v.ifname) - 1);
        return v;
}

static NftValue value_address(int family, const union in_addr_union *a) {
        return (NftValue) { .type = family == AF_INET ? NFT_TYPE_IPV4 : NFT_TYPE_IPV6, .address = *a };
}

static NftValue value_protocol(uint8_t protocol) {
        return (NftValue) { .type = NFT_TYPE_PROTO, .protocol = protocol };
}

static NftValue value_port(uint16_t port) {
        return (NftValue) { .type = NFT_TYPE_PORT, .port = port };
}

#define VALUES(...) ((const NftValue[]){ __VA_ARGS__ })

static int plan_element(NftPlan *p, NftVerb verb, const char *set_name, const NftValue *key,
                        const NftValue *data, unsigned char prefixlen, const char *comment) {
        NftCommand c = { .verb = verb, .type = NFT_OBJECT_ELEMENT };
        NftElement *e = &c.element;

        e->set = nft_set_find(set_name);
        assert(e->set);
        for (size_t i = 0; i < e->set->n_key; i++) {
                assert(key[i].type == e->set->key[i]);
                e->key[i] = key[i];
        }
        for (size_t i = 0; i < e->set->n_data; i++) {
                assert(data && data[i].type == e->set->data[i]);
                e->data[i] = data[i];
        }
        e->prefixlen = prefixlen;
        /* Comments name the owner (network or container), for people and for reconciliation.
         * The kernel finds an element by its key: a deletion needs nothing else. */
        if (comment && verb == NFT_VERB_ADD) {
                char *s = strndup(comment, 127);

                if (!s || strv_push(&p->strings, s) < 0)
                        return -ENOMEM;
                e->comment = s;
        }
        return plan_push(p, &c);
}

static int plan_prefix(NftPlan *p, NftVerb verb, const char *set, const InAddrPrefix *prefix,
                       const char *comment) {
        union in_addr_union network = prefix->address;

        in_addr_mask(prefix->family, &network, prefix->prefixlen);
        return plan_element(p, verb, set, VALUES(value_address(prefix->family, &network)), NULL,
                            prefix->prefixlen, comment);
}

static int plan_port_elements(NftPlan *p, NftVerb verb, const NftEndpoint *e, const NftPort *port) {
        static const int families[] = { AF_INET, AF_INET6 };
        int r;

        for (size_t i = 0; i < ELEMENTSOF(families); i++) {
                int family = families[i];
                bool v4 = family == AF_INET;
                const union in_addr_union *caddr = v4 ? &e->address4 : &e->address6;

                if (!(v4 ? e->has_address4 : e->has_address6))
                        continue;
                if (port->host_family != 0 && port->host_family != family)
                        continue;
                if (port->host_family == 0)
                        r = plan_element(
                                p, verb, v4 ? "ports_v4" : "ports_v6",
                                VALUES(value_protocol(port->protocol), value_port(port->host_port)),
                                VALUES(value_address(family, caddr), value_port(port->container_port)), 0,
                                e->owner);
                else
                        r = plan_element(
                                p, verb, v4 ? "ports_addr_v4" : "ports_addr_v6",
                                VALUES(value_address(family, &port->host_address),
                                       value_protocol(port->protocol), value_port(port->host_port)),
                                VALUES(value_address(family, caddr), value_port(port->container_port)), 0,
                                e->owner);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int plan_endpoint_elements(NftPlan *p, NftVerb verb, const NftEndpoint *e) {
        int r = 0;

        for (size_t i = 0; r >= 0 && i < e->n_ports; i++)
                r = plan_port_elements(p, verb, e, &e->ports[i]);
        if (r >= 0 && e->allow_host && e->has_address4)
                r = plan_element(p, verb, "allow_host_v4", VALUES(value_address(AF_INET, &e->address4)),
                                 NULL, 0, e->owner);
        if (r >= 0 && e->allow_host && e->has_address6)
                r = plan_element(p, verb, "allow_host_v6", VALUES(value_address(AF_INET6, &e->address6)),
                                 NULL, 0, e->owner);
        return r;
}

static int plan_host_service_element(NftPlan *p, NftVerb verb, const NftNetwork *n,
                                     const NftHostService *s) {
        return plan_element(
                p, verb, "allow_host_ports",
                VALUES(value_ifname(n->ifname), value_protocol(s->protocol), value_port(s->port)), NULL, 0,
                n->name);
}

static int plan_pair(NftPlan *p, NftVerb verb, const NftNetwork *a, const NftNetwork *b) {
        return plan_element(p, verb, "bridge_pairs",
                            VALUES(value_ifname(a->ifname), value_ifname(b->ifname)), NULL, 0, a->name);
}

/* n's elements. peers: the networks n may pair with (the pairs of non-isolated networks). */
static int plan_network_elements(NftPlan *p, NftVerb verb, const NftNetwork *peers, size_t n_peers,
                                 const NftNetwork *n) {
        int r;

        if (n->type != NFT_NETWORK_BRIDGE)
                return 0; /* macvlan containers are on the LAN: nothing of theirs is here */

        r = plan_element(p, verb, "bridges", VALUES(value_ifname(n->ifname)), NULL, 0, n->name);
        if (r >= 0 && n->nat)
                r = plan_element(p, verb, "nat_bridges", VALUES(value_ifname(n->ifname)), NULL, 0, n->name);
        if (r >= 0)
                r = plan_pair(p, verb, n, n);
        for (size_t i = 0; r >= 0 && !n->isolated && i < n_peers; i++) {
                const NftNetwork *o = &peers[i];

                if (o->type != NFT_NETWORK_BRIDGE || o->isolated || streq(o->name, n->name))
                        continue;
                r = plan_pair(p, verb, n, o);
                if (r >= 0)
                        r = plan_pair(p, verb, o, n);
        }
        if (r >= 0 && n->subnet4.family == AF_INET) {
                r = plan_prefix(p, verb, "subnets_v4", &n->subnet4, n->name);
                if (r >= 0)
                        r = plan_element(
                                p, verb, "gateways_v4",
                                VALUES(value_ifname(n->ifname), value_address(AF_INET, &n->gateway4)), NULL,
                                0, n->name);
        }
        if (r >= 0 && n->subnet6.family == AF_INET6) {
                r = plan_prefix(p, verb, "subnets_v6", &n->subnet6, n->name);
                if (r >= 0)
                        r = plan_element(
                                p, verb, "gateways_v6",
                                VALUES(value_ifname(n->ifname), value_address(AF_INET6, &n->gateway6)), NULL,
                                0, n->name);
        }
        for (size_t i = 0; r >= 0 && i < n->n_host_services; i++)
                r = plan_host_service_element(p, verb, n, &n->host_services[i]);
        for (size_t i = 0; r >= 0 && i < n->n_endpoints; i++)
                r = plan_endpoint_elements(p, verb, &n->endpoints[i]);
        return r;
}

static int plan_object(NftPlan *p, NftVerb verb, NftObjectType type, const void *def) {
        NftCommand c = { .verb = verb, .type = type };

        if (type == NFT_OBJECT_CHAIN)
                c.chain = def;
        else if (type == NFT_OBJECT_SET)
                c.set = def;
        else if (type == NFT_OBJECT_RULE)
                c.rule = def;
        return plan_push(p, &c);
}

/* The elements the table always holds. */
static int plan_constant_elements(NftPlan *p) {
        static const struct {
                const char *set;
                uint8_t protocol;
                uint16_t port;
        } services[] = {
                { "bridge_services", IPPROTO_UDP, 67 },  /* DHCP server */
                { "bridge_services", IPPROTO_UDP, 547 }, /* DHCPv6 server */
                { "gateway_services", IPPROTO_UDP, 53 }, /* DNS */
                { "gateway_services", IPPROTO_TCP, 53 }, /* DNS, long answers */
        };
        int r = 0;

        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(services); i++)
                r = plan_element(p, NFT_VERB_ADD, services[i].set,
                                 VALUES(value_protocol(services[i].protocol), value_port(services[i].port)),
                                 NULL, 0, NULL);
        /* An interval set starts with an "end" element at the lowest key: the kernel's rbtree marks
         * where intervals stop, and nothing starts below the first one (as nft does it). */
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(sets); i++)
                if (sets[i].interval) {
                        NftCommand c = { .verb = NFT_VERB_ADD, .type = NFT_OBJECT_ELEMENT };

                        c.element.set = &sets[i];
                        c.element.key[0].type = sets[i].key[0];
                        c.element.interval_end_only = true;
                        r = plan_push(p, &c);
                }
        return r;
}

int nft_plan_sync(NftPlan *p, const NftRuleset *rs, char **ret_error) {
        int r;

        r = nft_ruleset_check(rs, ret_error);
        if (r < 0)
                return r;
        /* "add" makes sure the table exists, so that "delete" succeeds either way; the second "add"
         * makes it anew. One batch: nobody ever sees the host without our rules in between. */
        r = plan_object(p, NFT_VERB_ADD, NFT_OBJECT_TABLE, NULL);
        if (r >= 0)
                r = plan_object(p, NFT_VERB_DELETE, NFT_OBJECT_TABLE, NULL);
        if (r >= 0)
                r = plan_object(p, NFT_VERB_ADD, NFT_OBJECT_TABLE, NULL);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(chains); i++)
                r = plan_object(p, NFT_VERB_ADD, NFT_OBJECT_CHAIN, &chains[i]);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(sets); i++)
                r = plan_object(p, NFT_VERB_ADD, NFT_OBJECT_SET, &sets[i]);
        if (r >= 0)
                r = plan_constant_elements(p);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(rules); i++)
                r = plan_object(p, NFT_VERB_ADD, NFT_OBJECT_RULE, &rules[i]);
        /* Each pair of non-isolated networks once: every network pairs with those before it. */
        for (size_t i = 0; r >= 0 && i < rs->n_networks; i++)
                r = plan_network_elements(p, NFT_VERB_ADD, rs->networks, i, &rs->networks[i]);
        return r;
}

int nft_plan_delete_table(NftPlan *p) {
        int r;

        r = plan_object(p, NFT_VERB_ADD, NFT_OBJECT_TABLE, NULL);
        if (r < 0)
                return r;
        return plan_object(p, NFT_VERB_DELETE, NFT_OBJECT_TABLE, NULL);
}

static int verb_check(NftVerb verb) {
        return verb == NFT_VERB_ADD || verb == NFT_VERB_DELETE ? 0 : -EINVAL;
}

int nft_plan_network(NftPlan *p, NftVerb verb, const NftRuleset *rs, const NftNetwork *n) {
        int r;

        r = verb_check(verb);
        if (r >= 0)
                r = check_network(n, NULL);
        for (size_t i = 0; r >= 0 && i < n->n_endpoints; i++)
                r = check_endpoint(n, &n->endpoints[i], NULL);
        if (r < 0)
                return r;
        return plan_network_elements(p, verb, rs ? rs->networks : NULL, rs ? rs->n_networks : 0, n);
}

int nft_plan_endpoint(NftPlan *p, NftVerb verb, const NftNetwork *n, const NftEndpoint *e) {
        int r;

        r = verb_check(verb);
        if (r >= 0)
                r = check_network(n, NULL);
        if (r >= 0)
                r = check_endpoint(n, e, NULL);
        if (r < 0)
                return r;
        if (n->type != NFT_NETWORK_BRIDGE)
                return 0;
        return plan_endpoint_elements(p, verb, e);
}

int nft_plan_port(NftPlan *p, NftVerb verb, const NftNetwork *n, const NftEndpoint *e, const NftPort *port) {
        NftEndpoint one = *e;
        int r;

        /* Check the endpoint as if this were its only port. */
        one.ports = port;
        one.n_ports = 1;
        one.allow_host = false;
        r = nft_plan_endpoint(p, verb, n, &one);
        return r;
}

int nft_plan_host_service(NftPlan *p, NftVerb verb, const NftNetwork *n, const NftHostService *s) {
        NftNetwork one = *n;
        int r;

        one.host_services = s;
        one.n_host_services = 1;
        r = verb_check(verb);
        if (r >= 0)
                r = check_network(&one, NULL);
        if (r < 0)
                return r;
        if (n->type != NFT_NETWORK_BRIDGE)
                return -EINVAL;
        return plan_host_service_element(p, verb, n, s);
}

size_t nft_plan_count(const NftPlan *p, NftVerb verb, NftObjectType type, const char *name) {
        size_t n = 0;

        for (size_t i = 0; i < p->n_commands; i++) {
                const NftCommand *c = &p->commands[i];
                const char *cname = NULL;

                if (c->verb != verb || c->type != type)
                        continue;
                if (type == NFT_OBJECT_CHAIN)
                        cname = c->chain->name;
                else if (type == NFT_OBJECT_SET)
                        cname = c->set->name;
                else if (type == NFT_OBJECT_RULE)
                        cname = c->rule->chain;
                else if (type == NFT_OBJECT_ELEMENT)
                        cname = c->element.set->name;
                if (!name || (cname && streq(cname, name)))
                        n++;
        }
        return n;
}

/* ------------------------------------------------------------------------------------------------
 * Text, as nft writes it */

static const char * const type_names[_NFT_TYPE_MAX] = {
        [NFT_TYPE_IFNAME] = "ifname",    [NFT_TYPE_IPV4] = "ipv4_addr",    [NFT_TYPE_IPV6] = "ipv6_addr",
        [NFT_TYPE_PROTO] = "inet_proto", [NFT_TYPE_PORT] = "inet_service",
};

static const char * const hook_names[] = {
        [NF_INET_PRE_ROUTING] = "prerouting",   [NF_INET_LOCAL_IN] = "input",
        [NF_INET_FORWARD] = "forward",          [NF_INET_LOCAL_OUT] = "output",
        [NF_INET_POST_ROUTING] = "postrouting",
};

static void fclose_memstream(FILE **f) {
        if (*f)
                (void) fclose(*f);
}

static int memstream_finish(FILE **f, char **buf, char **ret) {
        if (fclose(*f) != 0) {
                *f = NULL;
                return -ENOMEM;
        }
        *f = NULL;
        *ret = *buf;
        *buf = NULL;
        return 0;
}

static void print_address(FILE *f, const char *prefix_string) {
        char buf[IN_ADDR_PREFIX_STRLEN];
        InAddrPrefix p;

        assert(in_addr_prefix_from_string(AF_UNSPEC, prefix_string, &p) >= 0);
        if (p.prefixlen == in_addr_bits(p.family))
                fputs(in_addr_to_string(p.family, &p.address, buf), f);
        else
                fputs(in_addr_prefix_to_string(&p, buf), f);
}

static void print_ct_state(FILE *f, uint32_t bits) {
        static const struct {
                uint32_t bit;
                const char *name;
        } names[] = {
                { NF_CT_STATE_INVALID_BIT, "invalid" },
                { NF_CT_STATE_BIT(IP_CT_ESTABLISHED), "established" },
                { NF_CT_STATE_BIT(IP_CT_RELATED), "related" },
                { NF_CT_STATE_BIT(IP_CT_NEW), "new" },
                { NF_CT_STATE_UNTRACKED_BIT, "untracked" },
        };
        bool first = true;

        fputs("ct state ", f);
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (bits & names[i].bit) {
                        fprintf(f, "%s%s", first ? "" : ",", names[i].name);
                        first = false;
                }
}

static void print_term(FILE *f, const NftTerm *t) {
        const char *ip = t->family == AF_INET6 ? "ip6" : "ip", *neg = t->negate ? "!= " : "";

        switch (t->kind) {
        case NFT_TERM_NFPROTO:
                fprintf(f, "meta nfproto %s", t->family == AF_INET6 ? "ipv6" : "ipv4");
                break;
        case NFT_TERM_L4PROTO:
                fprintf(f, "meta l4proto %s", strna(protocol_name((uint8_t) t->value)));
                break;
        case NFT_TERM_IIFNAME_IN:
                fprintf(f, "iifname %s@%s", neg, t->set);
                break;
        case NFT_TERM_OIFNAME_IN:
                fprintf(f, "oifname %s@%s", neg, t->set);
                break;
        case NFT_TERM_IIFNAME_OIFNAME_IN:
                fprintf(f, "iifname . oifname %s@%s", neg, t->set);
                break;
        case NFT_TERM_CT_STATE:
                print_ct_state(f, t->value);
                break;
        case NFT_TERM_CT_STATUS_DNAT:
                fputs("ct status dnat", f);
                break;
        case NFT_TERM_SADDR:
        case NFT_TERM_DADDR:
                fprintf(f, "%s %s %s", ip, t->kind == NFT_TERM_SADDR ? "saddr" : "daddr", neg);
                print_address(f, t->address);
                break;
        case NFT_TERM_SADDR_IN:
                fprintf(f, "%s saddr %s@%s", ip, neg, t->set);
                break;
        case NFT_TERM_FIB_DADDR_LOCAL:
                fputs("fib daddr type local", f);
                break;
        case NFT_TERM_FIB_SADDR_IIF_MISSING:
                fputs("fib saddr . iif oif missing", f);
                break;
        case NFT_TERM_IIFNAME_DADDR_IN:
                fprintf(f, "iifname . %s daddr @%s", ip, t->set);
                break;
        case NFT_TERM_L4PROTO_DPORT_IN:
                fprintf(f, "meta l4proto . th dport @%s", t->set);
                break;
        case NFT_TERM_IIFNAME_L4PROTO_DPORT_IN:
                fprintf(f, "iifname . meta l4proto . th dport @%s", t->set);
                break;
        case NFT_TERM_ACCEPT:
                fputs("accept", f);
                break;
        case NFT_TERM_DROP:
                fputs("drop", f);
                break;
        case NFT_TERM_JUMP:
                fprintf(f, "jump %s", t->set);
                break;
        case NFT_TERM_REJECT:
                fputs("reject with icmpx admin-prohibited", f);
                break;
        case NFT_TERM_MASQUERADE:
                fputs("masquerade", f);
                break;
        case NFT_TERM_DNAT_PORTS:
                fprintf(f, "dnat %s to meta l4proto . th dport map @%s", ip, t->set);
                break;
        case NFT_TERM_DNAT_ADDR_PORTS:
                fprintf(f, "dnat %s to %s daddr . meta l4proto . th dport map @%s", ip, ip, t->set);
                break;
        default:
                assert(!"unknown term");
        }
}

int nft_rule_to_string(const NftRuleDef *r, char **ret) {
        _cleanup_(fclose_memstream) FILE *f = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t size;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < NFT_RULE_TERMS_MAX && r->terms[i].kind != NFT_TERM_END; i++) {
                if (i > 0)
                        fputc(' ', f);
                print_term(f, &r->terms[i]);
        }
        if (r->comment)
                fprintf(f, " comment \"%s\"", r->comment);
        return memstream_finish(&f, &buf, ret);
}

static void print_value(FILE *f, const NftValue *v, unsigned char prefixlen) {
        char buf[IN_ADDR_STRLEN];
        int family = v->type == NFT_TYPE_IPV4 ? AF_INET : AF_INET6;

        switch (v->type) {
        case NFT_TYPE_IFNAME:
                fprintf(f, "\"%s\"", v->ifname);
                break;
        case NFT_TYPE_IPV4:
        case NFT_TYPE_IPV6:
                fputs(in_addr_to_string(family, &v->address, buf), f);
                if (prefixlen > 0 && prefixlen < in_addr_bits(family))
                        fprintf(f, "/%u", prefixlen);
                break;
        case NFT_TYPE_PROTO:
                if (protocol_name(v->protocol))
                        fputs(protocol_name(v->protocol), f);
                else
                        fprintf(f, "%u", v->protocol);
                break;
        case NFT_TYPE_PORT:
                fprintf(f, "%u", v->port);
                break;
        default:
                assert(!"unknown type");
        }
}

static void print_element(FILE *f, const NftElement *e) {
        if (e->interval_end_only) {
                /* Not nft syntax: nft makes and hides this element itself. */
                fputs("(start of the interval set)", f);
                return;
        }
        for (size_t i = 0; i < e->set->n_key; i++) {
                if (i > 0)
                        fputs(" . ", f);
                print_value(f, &e->key[i], e->set->interval ? e->prefixlen : 0);
        }
        if (e->comment)
                fprintf(f, " comment \"%s\"", e->comment);
        for (size_t i = 0; i < e->set->n_data; i++) {
                fputs(i == 0 ? " : " : " . ", f);
                print_value(f, &e->data[i], 0);
        }
}

int nft_element_to_string(const NftElement *e, char **ret) {
        _cleanup_(fclose_memstream) FILE *f = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t size;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        print_element(f, e);
        return memstream_finish(&f, &buf, ret);
}

static void print_types(FILE *f, const NftType *types, size_t n) {
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%s%s", i > 0 ? " . " : "", type_names[types[i]]);
}

static void print_command(FILE *f, const NftCommand *c) {
        const char *verb = nft_verb_to_string(c->verb);
        _cleanup_free_ char *rule = NULL;

        switch (c->type) {
        case NFT_OBJECT_TABLE:
                fprintf(f, "%s table inet %s", verb, NFT_TABLE_NAME);
                break;
        case NFT_OBJECT_CHAIN:
                fprintf(f, "%s chain inet %s %s", verb, NFT_TABLE_NAME, c->chain->name);
                if (c->chain->hook >= 0)
                        fprintf(f, " { type %s hook %s priority %d; policy accept; }", c->chain->type,
                                hook_names[c->chain->hook], c->chain->priority);
                break;
        case NFT_OBJECT_SET:
                fprintf(f, "%s %s inet %s %s { type ", verb, c->set->n_data > 0 ? "map" : "set",
                        NFT_TABLE_NAME, c->set->name);
                print_types(f, c->set->key, c->set->n_key);
                if (c->set->n_data > 0) {
                        fputs(" : ", f);
                        print_types(f, c->set->data, c->set->n_data);
                }
                fprintf(f, ";%s }", c->set->interval ? " flags interval;" : "");
                break;
        case NFT_OBJECT_RULE:
                if (nft_rule_to_string(c->rule, &rule) < 0)
                        rule = NULL;
                fprintf(f, "%s rule inet %s %s %s", verb, NFT_TABLE_NAME, c->rule->chain, strna(rule));
                break;
        case NFT_OBJECT_ELEMENT:
                fprintf(f, "%s element inet %s %s { ", verb, NFT_TABLE_NAME, c->element.set->name);
                print_element(f, &c->element);
                fputs(" }", f);
                break;
        default:
                assert(!"unknown object type");
        }
}

int nft_command_to_string(const NftCommand *c, char **ret) {
        _cleanup_(fclose_memstream) FILE *f = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t size;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        print_command(f, c);
        return memstream_finish(&f, &buf, ret);
}

int nft_plan_to_string(const NftPlan *p, char **ret) {
        _cleanup_(fclose_memstream) FILE *f = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t size;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < p->n_commands; i++) {
                print_command(f, &p->commands[i]);
                fputc('\n', f);
        }
        return memstream_finish(&f, &buf, ret);
}
