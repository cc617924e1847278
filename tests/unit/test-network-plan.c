/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The agent's network plan (agent/network-plan.c): what links a container gets, with which names,
 * addresses and routes, and its resolv.conf, from its config and the network files. No root. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "config.h"
#include "network.h"
#include "strv.h"
#include "tap.h"

#define ID "0b0c1d2e-3f40-4152-8637-48596a7b8c9d"
#define CONTAINER                               \
        "name: web1\n"                          \
        "id: " ID "\n"                          \
        "template: debian\n"                    \
        "image: debian-bookworm-amd64\n"

static ContainerConfig *container(const char *extra) {
        _cleanup_free_ char *text = NULL, *err = NULL;
        ContainerConfig *c = NULL;

        if (asprintf(&text, CONTAINER "%s", extra) < 0)
                return NULL;
        if (container_config_parse(text, strlen(text), "c.yaml", &c, &err) < 0)
                diag("%s", strna(err));
        return c;
}

static NetworkConfig *network(const char *text) {
        _cleanup_free_ char *err = NULL;
        NetworkConfig *n = NULL;

        if (network_config_parse(text, strlen(text), "n.yaml", &n, &err) < 0)
                diag("%s", strna(err));
        return n;
}

static const char *prefix(const InAddrPrefix *p) {
        static char buf[4][IN_ADDR_PREFIX_STRLEN];
        static unsigned i;

        return in_addr_prefix_to_string(p, buf[i++ % 4]);
}

#define LAN0 "name: lan0\ntype: bridge\nbridge: br-lan0\nsubnet: 10.88.0.0/24\ngateway: 10.88.0.1\n" \
             "subnet6: \"fd42::/64\"\ngateway6: \"fd42::1\"\nnat: true\ndns: true\nmtu: 1400\n"
#define PHYS "name: phys\ntype: macvlan\nparent: eth1\nmode: private\nsubnet: 192.168.1.0/24\n" \
             "gateway: 192.168.1.1\n"
#define HOST_RESOLV "# the host's\nnameserver 127.0.0.53\nnameserver 192.0.2.53\nnameserver ::1\nsearch corp\n"

static void test_two_networks(void) {
        _cleanup_(container_config_freep) ContainerConfig *c = container(
                "networks:\n  - name: lan0\n    ip: 10.88.0.5\n    ip6: \"fd42::5\"\n    mac: \"52:54:00:00:00:05\"\n"
                "  - name: phys\n    ip: 192.168.1.50\n");
        _cleanup_(network_config_freep) NetworkConfig *lan0 = network(LAN0), *phys = network(PHYS);
        NetworkConfig *networks[] = { lan0, phys };
        _cleanup_(net_plan_freep) NetPlan *p = NULL;
        _cleanup_free_ char *err = NULL;
        char gw[IN_ADDR_STRLEN];

        assert(c && lan0 && phys);
        is_int(net_plan_build(c, networks, HOST_RESOLV, &p, &err), 0, "a plan for two networks");
        if (!p)
                return (void) diag("%s", strna(err));
        is_int(p->n_links, 2, "two links");
        is_int(p->links[0].kind, NET_LINK_VETH, "a veth on the bridge network");
        is_str(p->links[0].host_name, "vsx0b0c1d2e3f00", "...its host side named after the container's id");
        is_str(p->links[0].guest_name, "eth0", "...eth0 inside");
        is_str(p->links[0].master, "br-lan0", "...a port of the network's bridge");
        is_int(p->links[0].mtu, 1400, "...with the network's MTU");
        ok(p->links[0].has_mac, "...and the MAC of the config");
        is_int(p->links[0].n_addresses, 2, "...two addresses");
        is_str(prefix(&p->links[0].addresses[0]), "10.88.0.5/24", "...IPv4 with the subnet's length");
        is_str(prefix(&p->links[0].addresses[1]), "fd42::5/64", "...IPv6 too");
        ok(p->links[0].has_gateway4 && streq(in_addr_to_string(AF_INET, &p->links[0].gateway4, gw), "10.88.0.1"),
           "...the default route through the bridge (the first network)");
        ok(p->links[0].has_gateway6, "...in both families");

        is_int(p->links[1].kind, NET_LINK_MACVLAN, "a macvlan on the macvlan network");
        is_str(p->links[1].guest_name, "eth1", "...eth1");
        is_str(p->links[1].master, "eth1", "...on the parent");
        is_int(p->links[1].macvlan_mode, NETWORK_MACVLAN_PRIVATE, "...in its mode");
        is_str(prefix(&p->links[1].addresses[0]), "192.168.1.50/24", "...with the LAN's prefix");
        ok(!p->links[1].has_gateway4, "...and no default route: the second network");

        is_str(p->resolv_conf,
               "# Written by sysctr at each start of the container (see sysctr.yaml(5), networks).\n"
               "# Make this file a symlink (or manage it with resolvconf, systemd-resolved) to keep\n"
               "# your own.\n"
               "nameserver 10.88.0.1\nnameserver fd42::1\nsearch lan0\n",
               "resolv.conf: the bridge's DNS server, in both families, and its domain");
}

static void test_macvlan_first(void) {
        _cleanup_(container_config_freep) ContainerConfig *c = container("networks:\n  - name: phys\n    ip: 192.168.1.50\n");
        _cleanup_(network_config_freep) NetworkConfig *phys = network(PHYS);
        NetworkConfig *networks[] = { phys };
        _cleanup_(net_plan_freep) NetPlan *p = NULL;

        assert(c && phys);
        is_int(net_plan_build(c, networks, HOST_RESOLV, &p, NULL), 0, "a macvlan network first");
        ok(p && p->links[0].has_gateway4, "...its router is the default route");
        ok(p && p->resolv_conf && strstr(p->resolv_conf, "\nnameserver 192.0.2.53\n") &&
                   !strstr(p->resolv_conf, "127.0.0.53") && !strstr(p->resolv_conf, "::1") &&
                   !strstr(p->resolv_conf, "search"),
           "...the host's upstream servers, not its loopback resolver");
}

static void test_modes(void) {
        _cleanup_(container_config_freep) ContainerConfig *none = container("network-mode: none\n"),
                                                          *host = container("privileged: true\nnetwork-mode: host\n"),
                                                          *joined = container("network-mode: container:db1\n"),
                                                          *old = container("");
        _cleanup_(net_plan_freep) NetPlan *p = NULL, *q = NULL, *r = NULL, *s = NULL;

        assert(none && host && joined && old);
        is_int(net_plan_build(none, NULL, HOST_RESOLV, &p, NULL), 0, "mode none");
        ok(p && p->mode == NETWORK_MODE_NONE && p->n_links == 0 && !p->resolv_conf, "...no link, resolv.conf untouched");
        is_int(net_plan_build(host, NULL, HOST_RESOLV, &q, NULL), 0, "mode host");
        ok(q && q->mode == NETWORK_MODE_HOST && q->n_links == 0, "...no link");
        ok(q && q->resolv_conf && strstr(q->resolv_conf, "nameserver 127.0.0.53\n"),
           "...and the host's resolvers, loopback ones too (it shares the host's namespace)");
        is_int(net_plan_build(joined, NULL, HOST_RESOLV, &r, NULL), 0, "mode container:db1");
        ok(r && r->mode == NETWORK_MODE_CONTAINER && streq_ptr(r->join_container, "db1") && !r->resolv_conf,
           "...joins db1, leaves resolv.conf to the guest");
        is_int(net_plan_build(old, NULL, HOST_RESOLV, &s, NULL), 0, "a config from before networking");
        ok(s && s->mode == NETWORK_MODE_PRIVATE && s->n_links == 0 && !s->resolv_conf, "...only lo, as before");
}

static void test_errors(void) {
        _cleanup_(container_config_freep) ContainerConfig *c = container("networks:\n  - name: lan0\n    ip: 10.89.0.5\n"),
                                                          *v6 = container("networks:\n  - name: phys\n    ip6: \"fd00::5\"\n");
        _cleanup_(network_config_freep) NetworkConfig *lan0 = network(LAN0), *phys = network(PHYS);
        NetworkConfig *networks[] = { lan0 }, *wrong[] = { phys }, *macvlan[] = { phys };
        _cleanup_(net_plan_freep) NetPlan *p = NULL;
        _cleanup_free_ char *err = NULL;

        assert(c && v6 && lan0 && phys);
        is_int(net_plan_build(c, networks, NULL, &p, &err), -EINVAL, "an address outside the network");
        is_str(err, "Address 10.89.0.5 is outside network lan0", "...named");
        err = mfree(err);
        is_int(net_plan_build(c, wrong, NULL, &p, &err), -EINVAL, "the wrong network file");
        is_str(err, "No network lan0", "...named");
        err = mfree(err);
        is_int(net_plan_build(v6, macvlan, NULL, &p, &err), -EINVAL, "an IPv6 address without an IPv6 subnet");
        is_str(err, "Network phys has no IPv6 subnet for the address fd00::5", "...named");
}

static void test_nameservers(void) {
        _cleanup_free_ char *a = resolv_conf_nameservers("nameserver 127.0.0.53\noptions edns0\n", false),
                            *b = resolv_conf_nameservers("nameserver  192.0.2.1\nnameserver fe80::1%eth0\n"
                                                         "#nameserver 192.0.2.9\nnameserver 2001:db8::53", false);

        ok(!a, "only the host's stub resolver: nothing for a container");
        is_str(b, "nameserver 192.0.2.1\nnameserver 2001:db8::53\n",
               "addresses only, no zone-scoped ones, no comments, the last line without a newline");
}

int main(void) {
        test_two_networks();
        test_macvlan_first();
        test_modes();
        test_errors();
        test_nameservers();
        return done_testing();
}
