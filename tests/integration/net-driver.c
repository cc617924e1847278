/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The test driver of the network data plane: each verb does, with the real modules, one step of
 * what sysctrd and the agent will do (rtnl.h for links and addresses, nft.h for the table, ipam.h
 * for subnets and gateways, dnsmasq-config.h for DNS and DHCP). tests/integration/
 * test-net-dataplane.sh runs it inside network namespaces of its own ("ip netns exec HOST ...").
 *
 * Networks and containers are given as specs on the command line:
 *   --network name=lan0,bridge=lan0,subnet=10.88.0.0/24,subnet6=fd42::/64,nat,isolated,service=tcp/7000
 *   --container name=web1,network=lan0,address=10.88.0.2,address6=fd42::2,mac=..,publish=8080:80,allow-host
 * The gateway of each subnet is the first host address (ipam_default_gateway()). */
#include <getopt.h>
#include <netinet/ether.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

#include "dnsmasq-config.h"
#include "fileio.h"
#include "ipam.h"
#include "name.h"
#include "netlink-util.h"
#include "nft.h"
#include "rtnl.h"
#include "strv.h"

#define MAX_ITEMS 512

typedef struct Spec {
        NftNetwork networks[MAX_ITEMS];
        size_t n_networks;
        NftEndpoint endpoints[MAX_ITEMS]; /* grouped per network before use */
        const char *endpoint_network[MAX_ITEMS];
        struct ether_addr mac[MAX_ITEMS];
        bool has_mac[MAX_ITEMS];
        size_t n_endpoints;
        NftPort ports[MAX_ITEMS * 4];
        size_t n_ports;
        NftHostService services[MAX_ITEMS];
        size_t n_services;
        char **strings;
} Spec;

static int fail(int r, const char *what, const char *value) {
        fprintf(stderr, "net-driver: %s%s%s: %s\n", what, value ? " " : "", strempty(value),
                strerror(r < 0 ? -r : r));
        return r < 0 ? r : -r;
}

static const char *keep(Spec *s, const char *v) {
        char *c = strdup(v);

        if (!c || strv_push(&s->strings, c) < 0)
                return NULL;
        return c;
}

static int parse_service(const char *v, NftHostService *ret) {
        const char *slash = strchr(v, '/');
        NftPort p;
        char buf[64];

        /* "tcp/7000": reuse the port parser on "7000:7000/tcp". */
        if (!slash || snprintf(buf, sizeof(buf), "%s:%s/%.*s", slash + 1, slash + 1, (int) (slash - v), v) >=
                              (int) sizeof(buf))
                return -EINVAL;
        if (nft_port_from_string(buf, &p) < 0)
                return -EINVAL;
        *ret = (NftHostService) { p.protocol, p.host_port };
        return 0;
}

static int network_option(Spec *s, NftNetwork *n, const char *key, const char *value) {
        const char *reason = NULL;
        InAddrPrefix p;
        int r;

        if (streq(key, "name") && value)
                n->name = keep(s, value);
        else if (streq(key, "bridge") && value)
                n->ifname = keep(s, value);
        else if (streq(key, "type") && value)
                n->type = nft_network_type_from_string(value);
        else if ((streq(key, "subnet") || streq(key, "subnet6")) && value) {
                r = ipam_subnet_from_string(value, streq(key, "subnet") ? AF_INET : AF_INET6, &p, &reason);
                if (r < 0) {
                        fprintf(stderr, "net-driver: invalid subnet %s: %s\n", value, strna(reason));
                        return r;
                }
                if (p.family == AF_INET) {
                        n->subnet4 = p;
                        return ipam_default_gateway(&p, &n->gateway4);
                }
                n->subnet6 = p;
                return ipam_default_gateway(&p, &n->gateway6);
        } else if (streq(key, "nat") && !value)
                n->nat = true;
        else if (streq(key, "isolated") && !value)
                n->isolated = true;
        else if (streq(key, "service") && value) {
                if (s->n_services >= MAX_ITEMS || parse_service(value, &s->services[s->n_services]) < 0)
                        return -EINVAL;
                if (!n->host_services)
                        n->host_services = &s->services[s->n_services];
                n->n_host_services++;
                s->n_services++;
        } else
                return -EINVAL;
        return 0;
}

static int endpoint_option(Spec *s, size_t i, const char *key, const char *value) {
        NftEndpoint *e = &s->endpoints[i];

        if (streq(key, "name") && value)
                e->owner = keep(s, value);
        else if (streq(key, "network") && value)
                s->endpoint_network[i] = keep(s, value);
        else if (streq(key, "address") && value) {
                e->has_address4 = true;
                return in_addr_from_string(AF_INET, value, NULL, &e->address4);
        } else if (streq(key, "address6") && value) {
                e->has_address6 = true;
                return in_addr_from_string(AF_INET6, value, NULL, &e->address6);
        } else if (streq(key, "mac") && value) {
                s->has_mac[i] = ether_aton_r(value, &s->mac[i]) != NULL;
                return s->has_mac[i] ? 0 : -EINVAL;
        } else if (streq(key, "publish") && value) {
                /* Ports of one endpoint are consecutive: endpoints are parsed one after the other. */
                if (s->n_ports >= ELEMENTSOF(s->ports) ||
                    nft_port_from_string(value, &s->ports[s->n_ports]) < 0)
                        return -EINVAL;
                if (!e->ports)
                        e->ports = &s->ports[s->n_ports];
                e->n_ports++;
                s->n_ports++;
        } else if (streq(key, "allow-host") && !value)
                e->allow_host = true;
        else
                return -EINVAL;
        return 0;
}

/* "k=v,k,k=v": ports and addresses hold no commas, so a plain split works. */
static int parse_spec(Spec *s, const char *text, bool network) {
        _cleanup_free_ char *copy = strdup(text);
        char *save = NULL;
        size_t i;
        int r;

        if (!copy)
                return -ENOMEM;
        if (network ? s->n_networks >= MAX_ITEMS : s->n_endpoints >= MAX_ITEMS)
                return -E2BIG;
        i = network ? s->n_networks++ : s->n_endpoints++;
        if (network)
                s->networks[i] = (NftNetwork) { .type = NFT_NETWORK_BRIDGE };
        for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(kv, '=');

                if (eq)
                        *eq++ = '\0';
                r = network ? network_option(s, &s->networks[i], kv, eq) : endpoint_option(s, i, kv, eq);
                if (r < 0)
                        return fail(r, network ? "bad network option" : "bad container option", kv);
        }
        return 0;
}

/* Group the endpoints under their networks (the order within a network is kept). */
static int spec_finish(Spec *s) {
        static NftEndpoint grouped[MAX_ITEMS];
        size_t k = 0;

        for (size_t n = 0; n < s->n_networks; n++) {
                NftNetwork *net = &s->networks[n];

                net->endpoints = &grouped[k];
                for (size_t i = 0; i < s->n_endpoints; i++)
                        if (s->endpoint_network[i] && net->name &&
                            streq(s->endpoint_network[i], net->name)) {
                                grouped[k++] = s->endpoints[i];
                                net->n_endpoints++;
                        }
        }
        for (size_t i = 0; i < s->n_endpoints; i++) {
                bool found = false;

                for (size_t n = 0; n < s->n_networks; n++)
                        found = found || (s->endpoint_network[i] &&
                                          streq(s->endpoint_network[i], s->networks[n].name));
                if (!found)
                        return fail(-ENOENT, "container on an unknown network", s->endpoints[i].owner);
        }
        return 0;
}

static double now_us(void) {
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double) t.tv_sec * 1e6 + (double) t.tv_nsec / 1e3;
}

static int apply(NftPlan *p, const char *what) {
        _cleanup_free_ char *error = NULL;
        double t0 = now_us();
        int r;

        r = nft_plan_apply(p, -1, &error);
        if (r < 0) {
                fprintf(stderr, "net-driver: %s failed: %s\n", what, error ?: strerror(-r));
                return r;
        }
        printf("%s: %zu commands in one batch, applied in %.0f us\n", what, p->n_commands, now_us() - t0);
        return 0;
}

/* ------------------------------------------------------------------------------------------------
 * nft verbs */

static int verb_nft_sync(Spec *s) {
        _cleanup_(nft_plan_freep) NftPlan *p = NULL;
        _cleanup_free_ char *error = NULL;
        NftRuleset rs = { s->networks, s->n_networks };
        int r;

        r = nft_plan_new(&p);
        if (r >= 0)
                r = nft_plan_sync(p, &rs, &error);
        if (r < 0) {
                fprintf(stderr, "net-driver: %s\n", error ?: strerror(-r));
                return r;
        }
        return apply(p, "sync");
}

static int verb_nft_change(Spec *s, const char *what, NftVerb verb) {
        _cleanup_(nft_plan_freep) NftPlan *p = NULL;
        NftRuleset rs = { s->networks, s->n_networks };
        int r;

        if (s->n_networks == 0)
                return fail(-EINVAL, "no --network", NULL);
        r = nft_plan_new(&p);
        if (r < 0)
                return r;
        if (streq(what, "nft-network"))
                /* The first network changes; all are its peers. */
                r = nft_plan_network(p, verb, &rs, &s->networks[0]);
        else if (streq(what, "nft-endpoint"))
                for (size_t i = 0; r >= 0 && i < s->networks[0].n_endpoints; i++)
                        r = nft_plan_endpoint(p, verb, &s->networks[0], &s->networks[0].endpoints[i]);
        else if (streq(what, "nft-publish")) {
                const NftNetwork *n = &s->networks[0];

                for (size_t i = 0; r >= 0 && i < n->n_endpoints; i++)
                        for (size_t j = 0; r >= 0 && j < n->endpoints[i].n_ports; j++)
                                r = nft_plan_port(p, verb, n, &n->endpoints[i], &n->endpoints[i].ports[j]);
        } else if (streq(what, "nft-host-service"))
                for (size_t i = 0; r >= 0 && i < s->networks[0].n_host_services; i++)
                        r = nft_plan_host_service(p, verb, &s->networks[0],
                                                  &s->networks[0].host_services[i]);
        else
                return -EINVAL;
        if (r < 0)
                return fail(r, "planning failed:", what);
        return apply(p, what);
}

/* count fake containers on the first network, numbered from first, each added (or deleted) as a
 * batch of its own: one published port (container k: host port base + k) and host access.
 * Prints the mean time per batch. */
static int verb_nft_bulk(Spec *s, unsigned first, unsigned count, unsigned base, NftVerb verb) {
        const NftNetwork *n = &s->networks[0];
        double total = 0;

        if (s->n_networks == 0 || n->subnet4.family != AF_INET)
                return fail(-EINVAL, "nft-bulk needs an IPv4 network", NULL);
        for (unsigned i = first; i < first + count; i++) {
                _cleanup_(nft_plan_freep) NftPlan *p = NULL;
                _cleanup_free_ char *error = NULL;
                NftPort port = { .protocol = IPPROTO_TCP,
                                 .host_port = (uint16_t) (base + i),
                                 .container_port = 80 };
                char owner[32];
                NftEndpoint e = { .owner = owner,
                                  .has_address4 = true,
                                  .ports = &port,
                                  .n_ports = 1,
                                  .allow_host = true };
                double t0;
                int r;

                snprintf(owner, sizeof(owner), "bulk%u", i);
                /* Addresses from the top of the subnet down, away from the test's real containers. */
                r = in_addr_from_offset(&n->subnet4, (1u << (32 - n->subnet4.prefixlen)) - 2 - i,
                                        &e.address4);
                if (r < 0)
                        return fail(r, "subnet too small for", owner);
                t0 = now_us();
                r = nft_plan_new(&p);
                if (r >= 0)
                        r = nft_plan_endpoint(p, verb, n, &e);
                if (r >= 0)
                        r = nft_plan_apply(p, -1, &error);
                if (r < 0) {
                        fprintf(stderr, "net-driver: bulk %s: %s\n", owner, error ?: strerror(-r));
                        return r;
                }
                total += now_us() - t0;
        }
        printf("bulk: %u containers' elements %s, one batch each, %.0f us per batch\n", count,
               verb == NFT_VERB_ADD ? "added" : "deleted", count ? total / count : 0);
        return 0;
}

static int verb_nft_show(void) {
        _cleanup_(nft_table_state_freep) NftTableState *st = NULL;
        int r;

        r = nft_table_read(-1, &st);
        if (r < 0)
                return fail(r, "reading the table", NULL);
        printf("exists %s\nchains %zu\nrules %zu\nsets %zu\n", yes_no(st->exists), st->n_chains, st->n_rules,
               st->n_sets);
        for (size_t i = 0; i < st->n_chains; i++)
                printf("chain %s hook %d rules %zu\n", st->chains[i].name, st->chains[i].hook,
                       st->chains[i].n_rules);
        for (size_t i = 0; i < st->n_sets; i++)
                for (size_t j = 0; j < st->sets[i].n_elements; j++) {
                        _cleanup_free_ char *e = NULL;

                        if (nft_element_to_string(&st->sets[i].elements[j], &e) < 0)
                                return -ENOMEM;
                        printf("element %s %s\n", st->sets[i].name, e);
                }
        return 0;
}

static int verb_nft_rules(void) {
        size_t n;
        const NftRuleDef *rules = nft_rules(&n);

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *text = NULL;

                if (nft_rule_to_string(&rules[i], &text) < 0)
                        return -ENOMEM;
                printf("%s\t%s\n", rules[i].chain, text);
        }
        return 0;
}

static int verb_nft_delete(void) {
        _cleanup_(nft_plan_freep) NftPlan *p = NULL;
        int r;

        r = nft_plan_new(&p);
        if (r >= 0)
                r = nft_plan_delete_table(p);
        return r < 0 ? r : apply(p, "delete");
}

static int verb_doctor(void) {
        NftDoctorFacts facts = {};
        NftChainInfo *chains = NULL;
        NftFinding *findings = NULL;
        size_t n = 0, n_findings = 0;
        int r;

        r = nft_chains_list(-1, &chains, &n);
        if (r < 0)
                return fail(r, "listing chains", NULL);
        r = nft_doctor_facts_read(-1, &facts);
        facts.chains = chains;
        facts.n_chains = n;
        if (r >= 0)
                r = nft_doctor(&facts, &findings, &n_findings);
        nft_chain_infos_free(chains, n);
        if (r < 0)
                return fail(r, "doctor", NULL);
        for (size_t i = 0; i < n_findings; i++)
                printf("%s: %s\n  remedy: %s\n", nft_severity_to_string(findings[i].severity), findings[i].problem,
                       findings[i].remedy);
        nft_findings_free(findings, n_findings);
        return 0;
}

/* ------------------------------------------------------------------------------------------------
 * rtnl verbs */

typedef struct LinkArgs {
        const char *netns; /* the container's namespace file (/run/netns/NAME) */
        const char *host_if, *bridge, *parent, *name, *mode;
        char **addresses; /* CIDRs */
        char **gateways;  /* default routes */
        char **routes;    /* host-access: CIDRs routed through the link */
        const char *src;  /* ...with this preferred source */
        const char *mac;
        const char *new_name; /* rename */
        uint32_t mtu;
        bool move; /* attach: make the pair on the host, then move the peer */
} LinkArgs;

static int rtnl_fail(Rtnl *rt, int r, const char *what, const char *value) {
        fprintf(stderr, "net-driver: %s %s: %s%s%s%s\n", what, strempty(value), strerror(-r),
                rt && rtnl_error_message(rt) ? " (" : "", rt ? strempty(rtnl_error_message(rt)) : "",
                rt && rtnl_error_message(rt) ? ")" : "");
        return r;
}

static int add_addresses(Rtnl *rt, const char *ifname, char **addresses) {
        STRV_FOREACH (a, addresses) {
                InAddrPrefix p;
                int r;

                r = in_addr_prefix_from_string(AF_UNSPEC, *a, &p);
                if (r < 0)
                        return fail(r, "bad address", *a);
                /* Addresses sysctr allocated on links it owns: no duplicate address detection. */
                r = rtnl_address_add(rt, ifname, &p, RTNL_ADDRESS_NODAD);
                if (r < 0)
                        return rtnl_fail(rt, r, "adding address", *a);
        }
        return 0;
}

static int add_default_routes(Rtnl *rt, const char *ifname, char **gateways) {
        STRV_FOREACH (g, gateways) {
                RtnlRoute route = { .has_gateway = true, .ifname = ifname };
                int r;

                r = in_addr_from_string(AF_UNSPEC, *g, &route.dst.family, &route.gateway);
                if (r < 0)
                        return fail(r, "bad gateway", *g);
                r = rtnl_route_add(rt, &route);
                if (r < 0)
                        return rtnl_fail(rt, r, "adding default route via", *g);
        }
        return 0;
}

static int verb_bridge_up(const LinkArgs *a) {
        _cleanup_(rtnl_freep) Rtnl *rt = NULL;
        int r;

        r = rtnl_open(-1, &rt);
        if (r < 0)
                return fail(r, "rtnl", NULL);
        r = rtnl_bridge_create(rt, a->name, &(RtnlLinkParams) { .mtu = a->mtu });
        if (r < 0)
                return rtnl_fail(rt, r, "creating bridge", a->name);
        r = add_addresses(rt, a->name, a->addresses);
        if (r >= 0)
                /* 127.0.0.1 may reach published ports: DNATed loopback traffic may leave by it. */
                r = rtnl_link_set_route_localnet(rt, a->name, true);
        if (r < 0)
                return rtnl_fail(rt, r, "route_localnet on", a->name);
        r = rtnl_link_set_up(rt, a->name, true);
        return r < 0 ? rtnl_fail(rt, r, "bringing up", a->name) : 0;
}

/* Inside the container: lo up, eth0's addresses, eth0 up, default routes. */
static int configure_inside(int netns_fd, const char *ifname, const LinkArgs *a) {
        _cleanup_(rtnl_freep) Rtnl *in = NULL;
        int r;

        r = rtnl_open(netns_fd, &in);
        if (r < 0)
                return fail(r, "rtnl in", a->netns);
        r = rtnl_link_set_up(in, "lo", true);
        if (r >= 0)
                r = add_addresses(in, ifname, a->addresses);
        if (r >= 0)
                r = rtnl_link_set_up(in, ifname, true);
        if (r < 0)
                return rtnl_fail(in, r, "configuring", ifname);
        return add_default_routes(in, ifname, a->gateways);
}

/* The other way to plug a container, for kernels or callers that need it: the pair is made on the
 * host, the peer moved into the container and renamed eth0 in the same request, then given its
 * MTU and MAC there. */
static int attach_by_move(Rtnl *host, int netns_fd, const LinkArgs *a, const struct ether_addr *mac) {
        _cleanup_(rtnl_freep) Rtnl *in = NULL;
        char tmp[IFNAMSIZ];
        int r;

        snprintf(tmp, sizeof(tmp), "%.13s-p", a->host_if);
        r = rtnl_veth_create(host, a->host_if, &(RtnlLinkParams) { .mtu = a->mtu }, tmp, -1, NULL);
        if (r < 0)
                return rtnl_fail(host, r, "creating veth", a->host_if);
        r = rtnl_link_move(host, tmp, netns_fd, "eth0");
        if (r < 0)
                return rtnl_fail(host, r, "moving", tmp);
        r = rtnl_open(netns_fd, &in);
        if (r < 0)
                return fail(r, "rtnl in", a->netns);
        if (a->mtu > 0)
                r = rtnl_link_set_mtu(in, "eth0", a->mtu);
        if (r >= 0 && mac)
                r = rtnl_link_set_mac(in, "eth0", mac);
        return r < 0 ? rtnl_fail(in, r, "setting up eth0 in", a->netns) : 0;
}

static int verb_attach(const LinkArgs *a) {
        _cleanup_(rtnl_freep) Rtnl *host = NULL;
        _cleanup_close_ int netns_fd = -EBADF;
        struct ether_addr mac;
        int r;

        if (a->mac && !ether_aton_r(a->mac, &mac))
                return fail(-EINVAL, "bad MAC", a->mac);
        netns_fd = netns_open(a->netns);
        if (netns_fd < 0)
                return fail(netns_fd, "opening", a->netns);
        r = rtnl_open(-1, &host);
        if (r < 0)
                return fail(r, "rtnl", NULL);
        if (a->move)
                r = attach_by_move(host, netns_fd, a, a->mac ? &mac : NULL);
        else {
                /* The peer is born in the container, as eth0: it never shows up on the host. */
                r = rtnl_veth_create(host, a->host_if, &(RtnlLinkParams) { .mtu = a->mtu }, "eth0", netns_fd,
                                     &(RtnlLinkParams) { .mtu = a->mtu, .mac = a->mac ? &mac : NULL });
                if (r < 0)
                        return rtnl_fail(host, r, "creating veth", a->host_if);
        }
        if (r < 0)
                return r;
        r = rtnl_link_set_master(host, a->host_if, a->bridge);
        if (r >= 0)
                /* A container reaching its own published port with br_netfilter on (see rtnl.h). */
                r = rtnl_bridge_port_set_hairpin(host, a->host_if, true);
        if (r >= 0)
                r = rtnl_link_set_up(host, a->host_if, true);
        if (r < 0)
                return rtnl_fail(host, r, "plugging", a->host_if);
        return configure_inside(netns_fd, "eth0", a);
}

static int verb_rename(const LinkArgs *a) {
        _cleanup_(rtnl_freep) Rtnl *host = NULL;
        int r;

        r = rtnl_open(-1, &host);
        if (r >= 0)
                r = rtnl_link_rename(host, a->name, a->new_name);
        return r < 0 ? rtnl_fail(host, r, "renaming", a->name) : 0;
}

static int verb_detach(const LinkArgs *a) {
        _cleanup_(rtnl_freep) Rtnl *host = NULL;
        int r;

        r = rtnl_open(-1, &host);
        if (r >= 0)
                r = rtnl_link_delete(host, a->host_if);
        return r < 0 ? rtnl_fail(host, r, "deleting", a->host_if) : 0;
}

static int verb_macvlan_attach(const LinkArgs *a) {
        _cleanup_(rtnl_freep) Rtnl *host = NULL;
        _cleanup_close_ int netns_fd = -EBADF;
        RtnlMacvlanMode mode = rtnl_macvlan_mode_from_string(a->mode ?: "bridge");
        int r;

        if (mode < 0)
                return fail(-EINVAL, "bad macvlan mode", a->mode);
        netns_fd = netns_open(a->netns);
        if (netns_fd < 0)
                return fail(netns_fd, "opening", a->netns);
        r = rtnl_open(-1, &host);
        if (r < 0)
                return fail(r, "rtnl", NULL);
        r = rtnl_macvlan_create(host, "eth0", a->parent, mode, netns_fd, NULL);
        if (r < 0)
                return rtnl_fail(host, r, "creating macvlan on", a->parent);
        return configure_inside(netns_fd, "eth0", a);
}

/* The host reaching its own macvlan containers: a macvlan of its own on the same parent (bridge
 * mode: macvlans of a parent reach each other, the parent never reaches them), and a route to
 * each container through it, with the host's address on the parent as source. */
static int verb_host_access(const LinkArgs *a) {
        _cleanup_(rtnl_freep) Rtnl *host = NULL;
        int r;

        r = rtnl_open(-1, &host);
        if (r < 0)
                return fail(r, "rtnl", NULL);
        if (rtnl_link_index(host, a->name) == -ENODEV) {
                r = rtnl_macvlan_create(host, a->name, a->parent, RTNL_MACVLAN_BRIDGE, -1, NULL);
                if (r >= 0)
                        r = rtnl_link_set_up(host, a->name, true);
                if (r < 0)
                        return rtnl_fail(host, r, "creating host-access link", a->name);
        }
        STRV_FOREACH (route, a->routes) {
                RtnlRoute rt = { .ifname = a->name };

                r = in_addr_prefix_from_string(AF_UNSPEC, *route, &rt.dst);
                if (r >= 0 && a->src) {
                        rt.has_prefsrc = true;
                        r = in_addr_from_string(rt.dst.family, a->src, NULL, &rt.prefsrc);
                }
                if (r < 0)
                        return fail(r, "bad route", *route);
                r = rtnl_route_add(host, &rt);
                if (r < 0)
                        return rtnl_fail(host, r, "adding route", *route);
        }
        return 0;
}

static int verb_links(void) {
        _cleanup_(rtnl_freep) Rtnl *rt = NULL;
        _cleanup_free_ RtnlLink *links = NULL;
        _cleanup_free_ RtnlAddress *addresses = NULL;
        size_t n_links, n_addresses;
        int r;

        r = rtnl_open(-1, &rt);
        if (r >= 0)
                r = rtnl_link_list(rt, &links, &n_links);
        if (r >= 0)
                r = rtnl_address_list(rt, AF_UNSPEC, &addresses, &n_addresses);
        if (r < 0)
                return fail(r, "listing links", NULL);
        for (size_t i = 0; i < n_links; i++) {
                printf("link %s index %d kind %s master %d %s mtu %u\n", links[i].name, links[i].ifindex,
                       isempty(links[i].kind) ? "-" : links[i].kind, links[i].master,
                       links[i].flags & IFF_UP ? "up" : "down", links[i].mtu);
                for (size_t j = 0; j < n_addresses; j++) {
                        char buf[IN_ADDR_PREFIX_STRLEN];

                        if (addresses[j].ifindex == links[i].ifindex)
                                printf("address %s %s\n", links[i].name,
                                       in_addr_prefix_to_string(&addresses[j].prefix, buf));
                }
        }
        return 0;
}

/* ------------------------------------------------------------------------------------------------
 * dnsmasq */

static int write_text(const char *dir, const char *name, const char *text) {
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        return write_file_atomic(path, text, strlen(text), 0644);
}

static int verb_dnsmasq_config(Spec *s, const char *dir) {
        _cleanup_free_ char *conf = NULL, *hosts = NULL, *leases = NULL, *pid = NULL, *lease = NULL,
                            *hf = NULL, *df = NULL, *cf = NULL;
        _cleanup_strv_free_ char **argv = NULL, **servers = NULL;
        DnsmasqHost h[MAX_ITEMS];
        const NftNetwork *n = &s->networks[0];
        DnsmasqNetwork d;
        size_t k = 0;
        int r;

        if (!dir || s->n_networks == 0)
                return fail(-EINVAL, "dnsmasq-config needs --dir and --network", NULL);
        if (asprintf(&pid, "%s/dnsmasq.pid", dir) < 0 || asprintf(&lease, "%s/leases", dir) < 0 ||
            asprintf(&hf, "%s/hosts", dir) < 0 || asprintf(&df, "%s/dhcp-hosts", dir) < 0 ||
            asprintf(&cf, "%s/dnsmasq.conf", dir) < 0)
                return -ENOMEM;
        /* No upstream in the test's namespaces: a server nobody answers at, never the host's. */
        if (strv_extend(&servers, "192.0.2.53") < 0)
                return -ENOMEM;
        d = (DnsmasqNetwork) { .name = n->name,
                              .ifname = n->ifname,
                              .subnet4 = n->subnet4,
                              .subnet6 = n->subnet6,
                              .gateway4 = n->gateway4,
                              .gateway6 = n->gateway6,
                              .pid_file = pid,
                              .lease_file = lease,
                              .hosts_file = hf,
                              .dhcp_hosts_file = df,
                              .servers = servers };
        for (size_t i = 0; i < s->n_endpoints; i++) {
                const NftEndpoint *e = &s->endpoints[i];

                if (!streq(strempty(s->endpoint_network[i]), n->name))
                        continue;
                h[k] = (DnsmasqHost) { .name = e->owner,
                                      .has_mac = s->has_mac[i],
                                      .mac = s->mac[i],
                                      .has_in4 = e->has_address4,
                                      .in4 = e->address4.in,
                                      .has_in6 = e->has_address6,
                                      .in6 = e->address6.in6 };
                k++;
        }
        r = dnsmasq_config_build(&d, &conf);
        if (r >= 0)
                r = dnsmasq_hosts_build(&d, h, k, &hosts);
        if (r >= 0)
                r = dnsmasq_dhcp_hosts_build(&d, h, k, &leases);
        if (r >= 0)
                r = write_text(dir, "dnsmasq.conf", conf);
        if (r >= 0)
                r = write_text(dir, "hosts", hosts);
        if (r >= 0)
                r = write_text(dir, "dhcp-hosts", leases);
        if (r >= 0)
                r = dnsmasq_argv("dnsmasq", cf, &argv);
        if (r < 0)
                return fail(r, "dnsmasq configuration", n->name);
        STRV_FOREACH (arg, argv)
                printf("%s%s", arg == argv ? "" : " ", *arg);
        putchar('\n');
        return 0;
}

/* ------------------------------------------------------------------------------------------------ */

static int usage(void) {
        fputs("usage: net-driver VERB [OPTIONS]\n"
              "  bridge-up --name BR [--address CIDR]... [--mtu N]\n"
              "  attach --netns FILE --host-if IF --bridge BR [--mac MAC] [--mtu N] [--move] [--address "
              "CIDR]...\n"
              "         [--gateway IP]...\n"
              "  detach --host-if IF\n"
              "  rename --name IF --new-name IF\n"
              "  macvlan-attach --netns FILE --parent IF [--mode M] [--address CIDR]... [--gateway IP]...\n"
              "  host-access --parent IF --name IF [--route CIDR]... [--src IP]\n"
              "  links\n"
              "  nft-sync|nft-network|nft-endpoint|nft-publish|nft-host-service [--delete]\n"
              "      --network SPEC... [--container SPEC...]\n"
              "  nft-bulk --network SPEC --count N [--first K] --base-port P [--delete]\n"
              "  nft-show | nft-rules | nft-delete | doctor\n"
              "  dnsmasq-config --network SPEC --container SPEC... --dir DIR\n",
              stderr);
        return 2;
}

int main(int argc, char **argv) {
        enum {
                ARG_NETWORK = 0x100,
                ARG_CONTAINER,
                ARG_DELETE,
                ARG_NETNS,
                ARG_HOST_IF,
                ARG_BRIDGE,
                ARG_PARENT,
                ARG_NAME,
                ARG_MODE,
                ARG_ADDRESS,
                ARG_GATEWAY,
                ARG_ROUTE,
                ARG_SRC,
                ARG_MAC,
                ARG_MTU,
                ARG_COUNT,
                ARG_BASE_PORT,
                ARG_FIRST,
                ARG_DIR,
                ARG_MOVE,
                ARG_NEW_NAME
        };
        static const struct option options[] = { { "network", required_argument, NULL, ARG_NETWORK },
                                                 { "container", required_argument, NULL, ARG_CONTAINER },
                                                 { "delete", no_argument, NULL, ARG_DELETE },
                                                 { "netns", required_argument, NULL, ARG_NETNS },
                                                 { "host-if", required_argument, NULL, ARG_HOST_IF },
                                                 { "bridge", required_argument, NULL, ARG_BRIDGE },
                                                 { "parent", required_argument, NULL, ARG_PARENT },
                                                 { "name", required_argument, NULL, ARG_NAME },
                                                 { "mode", required_argument, NULL, ARG_MODE },
                                                 { "address", required_argument, NULL, ARG_ADDRESS },
                                                 { "gateway", required_argument, NULL, ARG_GATEWAY },
                                                 { "route", required_argument, NULL, ARG_ROUTE },
                                                 { "src", required_argument, NULL, ARG_SRC },
                                                 { "mac", required_argument, NULL, ARG_MAC },
                                                 { "mtu", required_argument, NULL, ARG_MTU },
                                                 { "count", required_argument, NULL, ARG_COUNT },
                                                 { "base-port", required_argument, NULL, ARG_BASE_PORT },
                                                 { "first", required_argument, NULL, ARG_FIRST },
                                                 { "dir", required_argument, NULL, ARG_DIR },
                                                 { "move", no_argument, NULL, ARG_MOVE },
                                                 { "new-name", required_argument, NULL, ARG_NEW_NAME },
                                                 {} };
        static Spec spec;
        LinkArgs link = {};
        NftVerb verb = NFT_VERB_ADD;
        unsigned count = 0, first = 0, base_port = 20000;
        const char *dir = NULL, *cmd;
        int c, r = 0;

        if (argc < 2)
                return usage();
        cmd = argv[1];
        optind = 2;
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                switch (c) {
                case ARG_NETWORK:
                case ARG_CONTAINER:
                        r = parse_spec(&spec, optarg, c == ARG_NETWORK);
                        break;
                case ARG_DELETE:
                        verb = NFT_VERB_DELETE;
                        break;
                case ARG_NETNS:
                        link.netns = optarg;
                        break;
                case ARG_HOST_IF:
                        link.host_if = optarg;
                        break;
                case ARG_BRIDGE:
                        link.bridge = optarg;
                        break;
                case ARG_PARENT:
                        link.parent = optarg;
                        break;
                case ARG_NAME:
                        link.name = optarg;
                        break;
                case ARG_MODE:
                        link.mode = optarg;
                        break;
                case ARG_ADDRESS:
                        r = strv_extend(&link.addresses, optarg);
                        break;
                case ARG_GATEWAY:
                        r = strv_extend(&link.gateways, optarg);
                        break;
                case ARG_ROUTE:
                        r = strv_extend(&link.routes, optarg);
                        break;
                case ARG_SRC:
                        link.src = optarg;
                        break;
                case ARG_MAC:
                        link.mac = optarg;
                        break;
                case ARG_MTU:
                        link.mtu = (uint32_t) strtoul(optarg, NULL, 10);
                        break;
                case ARG_COUNT:
                        count = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case ARG_BASE_PORT:
                        base_port = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case ARG_FIRST:
                        first = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case ARG_DIR:
                        dir = optarg;
                        break;
                case ARG_MOVE:
                        link.move = true;
                        break;
                case ARG_NEW_NAME:
                        link.new_name = optarg;
                        break;
                default:
                        return usage();
                }
                if (r < 0)
                        return 1;
        }
        if (spec_finish(&spec) < 0)
                return 1;

        if (streq(cmd, "bridge-up"))
                r = verb_bridge_up(&link);
        else if (streq(cmd, "attach"))
                r = verb_attach(&link);
        else if (streq(cmd, "detach"))
                r = verb_detach(&link);
        else if (streq(cmd, "rename"))
                r = verb_rename(&link);
        else if (streq(cmd, "macvlan-attach"))
                r = verb_macvlan_attach(&link);
        else if (streq(cmd, "host-access"))
                r = verb_host_access(&link);
        else if (streq(cmd, "links"))
                r = verb_links();
        else if (streq(cmd, "nft-sync"))
                r = verb_nft_sync(&spec);
        else if (streq(cmd, "nft-network") || streq(cmd, "nft-endpoint") || streq(cmd, "nft-publish") ||
                 streq(cmd, "nft-host-service"))
                r = verb_nft_change(&spec, cmd, verb);
        else if (streq(cmd, "nft-bulk"))
                r = verb_nft_bulk(&spec, first, count, base_port, verb);
        else if (streq(cmd, "nft-show"))
                r = verb_nft_show();
        else if (streq(cmd, "nft-rules"))
                r = verb_nft_rules();
        else if (streq(cmd, "nft-delete"))
                r = verb_nft_delete();
        else if (streq(cmd, "doctor"))
                r = verb_doctor();
        else if (streq(cmd, "dnsmasq-config"))
                r = verb_dnsmasq_config(&spec, dir);
        else
                return usage();
        strv_free(link.addresses);
        strv_free(link.gateways);
        strv_free(link.routes);
        strv_free(spec.strings);
        return r < 0 ? 1 : 0;
}
