/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The network model (common/network-config.h): network files, the networking keys of config.yaml,
 * the --network syntax, and the names of the links sysctr makes (paths.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "network-config.h"
#include "paths.h"
#include "strv.h"
#include "tap.h"

#define ID "0b0c1d2e-3f40-4152-8637-48596a7b8c9d"
#define CONTAINER                               \
        "name: web1\n"                          \
        "id: " ID "\n"                          \
        "template: debian\n"                    \
        "image: debian-bookworm-amd64\n"

#define BRIDGE                                  \
        "name: lan0\n"                          \
        "type: bridge\n"                        \
        "bridge: lan0\n"                        \
        "subnet: 10.88.0.0/24\n"                \
        "gateway: 10.88.0.1\n"

static int parse_network(const char *text, NetworkConfig **ret, char **ret_error) {
        return network_config_parse(text, strlen(text), "n.yaml", ret, ret_error);
}

static int parse_container(const char *text, ContainerConfig **ret, char **ret_error) {
        return container_config_parse(text, strlen(text), "c.yaml", ret, ret_error);
}

static void network_error(const char *text, const char *expected, const char *desc) {
        _cleanup_(network_config_freep) NetworkConfig *n = NULL;
        _cleanup_free_ char *err = NULL;

        is_int(parse_network(text, &n, &err), -EINVAL, "%s: refused", desc);
        is_str(err, expected, "%s: message", desc);
        ok(!n, "%s: no result", desc);
}

static void container_error(const char *text, const char *expected, const char *desc) {
        _cleanup_(container_config_freep) ContainerConfig *c = NULL;
        _cleanup_free_ char *err = NULL;

        is_int(parse_container(text, &c, &err), -EINVAL, "%s: refused", desc);
        is_str(err, expected, "%s: message", desc);
        ok(!c, "%s: no result", desc);
}

static void test_bridge(void) {
        _cleanup_(network_config_freep) NetworkConfig *n = NULL, *back = NULL;
        _cleanup_free_ char *err = NULL, *text = NULL, *text2 = NULL;
        char buf[IN_ADDR_PREFIX_STRLEN];

        is_int(parse_network(BRIDGE "subnet6: \"fd42:1:2:3::/64\"\ngateway6: fd42:1:2:3::1\nnat: true\n"
                             "dns: true\ndomain: example.internal\nmtu: 1400\n", &n, &err),
               0, "a bridge network parses");
        if (!n)
                return (void) diag("%s", strna(err));
        is_int(n->type, NETWORK_BRIDGE, "type");
        is_str(n->bridge, "lan0", "bridge");
        is_str(in_addr_prefix_to_string(&n->subnet4, buf), "10.88.0.0/24", "subnet");
        is_str(in_addr_prefix_to_string(&n->subnet6, buf), "fd42:1:2:3::/64", "subnet6");
        ok(n->has_gateway4 && n->has_gateway6, "both gateways");
        ok(n->nat && n->dns, "nat and dns");
        is_str(network_config_domain(n), "example.internal", "domain");
        is_int(n->mtu, 1400, "mtu");

        is_int(network_config_format(n, &text), 0, "formatted");
        is_int(network_config_parse(text, strlen(text), "n.yaml", &back, NULL), 0, "...and read back");
        is_int(network_config_format(back, &text2), 0, "formatted again");
        is_str(text2, text, "the round trip changes nothing");
        if (text)
                diag("%s", text);
}

static void test_macvlan(void) {
        _cleanup_(network_config_freep) NetworkConfig *n = NULL;
        _cleanup_free_ char *err = NULL, *text = NULL;

        is_int(parse_network("name: phys\ntype: macvlan\nparent: eth1\nmode: private\nsubnet: 192.168.1.0/24\n"
                             "gateway: 192.168.1.1\nhost-access: true\n", &n, &err),
               0, "a macvlan network parses");
        if (!n)
                return (void) diag("%s", strna(err));
        is_int(n->type, NETWORK_MACVLAN, "type");
        is_str(n->parent, "eth1", "parent");
        is_int(n->mode, NETWORK_MACVLAN_PRIVATE, "mode");
        ok(n->host_access, "host-access");
        is_int(network_config_format(n, &text), 0, "formatted");
        ok(text && strstr(text, "mode: private\n") && strstr(text, "host-access: true\n") && !strstr(text, "nat:"),
           "only macvlan keys written");
        network_config_free(n);
        n = NULL;
        is_int(parse_network("name: phys\ntype: macvlan\nparent: eth1\n", &n, NULL), 0,
               "a macvlan network without a subnet (its guests use the LAN's DHCP)");
        ok(n && n->mode == NETWORK_MACVLAN_BRIDGE, "mode defaults to bridge");
}

static void test_network_errors(void) {
        network_error(BRIDGE "colour: blue\n", "n.yaml:6: Unknown key \"colour\"", "unknown key");
        network_error(BRIDGE "nat: yes\n", "n.yaml:6: Invalid nat \"yes\": expected true or false", "yes is no bool");
        network_error(BRIDGE "mtu: 20\n", "n.yaml:6: Invalid mtu \"20\": expected an MTU from 68 to 65535", "mtu");
        network_error("name: lan0\ntype: bridge\nbridge: lan0\nsubnet: 10.88.0.1/24\ngateway: 10.88.0.1\n",
                      "n.yaml:4: Invalid subnet \"10.88.0.1/24\": expected an IPv4 subnet such as 10.88.0.0/24",
                      "host bits in a subnet");
        network_error("name: lan0\ntype: bridge\nbridge: lan0\nsubnet: fd42::/64\n",
                      "n.yaml:4: Invalid subnet \"fd42::/64\": expected an IPv4 subnet such as 10.88.0.0/24",
                      "IPv6 under subnet");
        network_error("name: lan0\ntype: bridge\nbridge: lan0\nsubnet: 10.88.0.0/24\ngateway: 10.89.0.1\n",
                      "n.yaml: Network lan0: gateway 10.89.0.1 is not a host address of subnet 10.88.0.0/24",
                      "gateway outside the subnet");
        network_error("name: lan0\ntype: bridge\nbridge: lan0\n",
                      "n.yaml: Network lan0: a bridge network needs a subnet or a subnet6", "bridge without subnet");
        network_error("name: lan0\nbridge: lan0\nsubnet: 10.88.0.0/24\ngateway: 10.88.0.1\n",
                      "n.yaml: Network lan0: missing or invalid type (bridge, macvlan or vxlan)", "type is required");
        network_error("name: lan0\ntype: bond\n", "n.yaml:2: Invalid type \"bond\": expected bridge, macvlan or vxlan",
                      "unknown type");
        network_error(BRIDGE "parent: eth0\n",
                      "n.yaml: Network lan0: parent, mode and host-access are for macvlan networks",
                      "macvlan keys on a bridge");
        network_error("name: phys\ntype: macvlan\nparent: eth1\nnat: true\n",
                      "n.yaml: Network phys: bridge, nat, dns and domain are for bridge networks",
                      "bridge keys on a macvlan");
        network_error("name: phys\ntype: macvlan\nparent: eth1\nhost-access: true\n",
                      "n.yaml: Network phys: host-access needs the LAN's subnet (or subnet6)",
                      "host access without a subnet");
        network_error("name: host\ntype: macvlan\nparent: eth1\n", "n.yaml:1: Invalid network name \"host\"",
                      "a word of --network is no network name");
        network_error("name: lan0\ntype: bridge\nbridge: \"a/b\"\nsubnet: 10.88.0.0/24\ngateway: 10.88.0.1\n",
                      "n.yaml:3: Invalid bridge name \"a/b\"", "bad bridge name");
}

static void test_container_networks(void) {
        _cleanup_(container_config_freep) ContainerConfig *c = NULL, *back = NULL;
        _cleanup_free_ char *err = NULL, *text = NULL, *text2 = NULL;
        char buf[IN_ADDR_STRLEN], mac[ETHER_ADDR_STRLEN];

        is_int(parse_container(CONTAINER "networks:\n"
                               "  - name: lan0\n    ip: 10.88.0.2\n    ip6: \"fd42::2\"\n    mac: \"52:54:00:00:00:01\"\n"
                               "  - phys\n"
                               "publish: [\"8080:80\", \"127.0.0.1:5353:53/udp\"]\nallow-host: true\n",
                               &c, &err),
               0, "networks, publish and allow-host parse");
        if (!c)
                return (void) diag("%s", strna(err));
        is_int(c->network_mode, NETWORK_MODE_PRIVATE, "private mode by default");
        is_int(c->n_networks, 2, "two networks");
        is_str(c->networks[0].name, "lan0", "the first");
        ok(c->networks[0].has_ip4 && streq(in_addr_to_string(AF_INET, &c->networks[0].ip4, buf), "10.88.0.2"), "its ip");
        ok(c->networks[0].has_ip6 && streq(in_addr_to_string(AF_INET6, &c->networks[0].ip6, buf), "fd42::2"), "its ip6");
        ok(c->networks[0].has_mac && streq(ether_addr_to_str(&c->networks[0].mac, mac), "52:54:00:00:00:01"), "its mac");
        ok(streq(c->networks[1].name, "phys") && !c->networks[1].has_ip4 && !c->networks[1].has_mac,
           "a plain name is an entry with only the name");
        is_int(strv_length(c->publish), 2, "two published ports");
        ok(c->allow_host, "allow-host");

        is_int(container_config_format(c, &text), 0, "formatted");
        is_int(container_config_parse(text, strlen(text), "c.yaml", &back, NULL), 0, "...and read back");
        is_int(container_config_format(back, &text2), 0, "formatted again");
        is_str(text2, text, "the round trip changes nothing");
        ok(text && strstr(text, "mac: \"52:54:00:00:00:01\"\n"), "MACs are quoted (base 60 to YAML 1.1)");
        if (text)
                diag("%s", text);
}

static void test_network_modes(void) {
        _cleanup_(container_config_freep) ContainerConfig *c = NULL;
        _cleanup_free_ char *text = NULL;

        is_int(parse_container(CONTAINER "network-mode: container:db1\n", &c, NULL), 0, "container:NAME parses");
        ok(c && c->network_mode == NETWORK_MODE_CONTAINER && streq_ptr(c->network_container, "db1"), "...as the mode");
        if (c)
                is_int(container_config_format(c, &text), 0, "formatted");
        ok(text && strstr(text, "network-mode: \"container:db1\"\n"), "...written back");
        container_config_free(c);
        c = NULL;
        is_int(parse_container(CONTAINER "network-mode: none\n", &c, NULL), 0, "none parses");
        ok(c && c->network_mode == NETWORK_MODE_NONE, "...as the mode");
        container_config_free(c);
        c = NULL;
        is_int(parse_container(CONTAINER "privileged: true\nnetwork-mode: host\n", &c, NULL), 0,
               "host for a privileged container");

        container_error(CONTAINER "network-mode: host\n",
                        "c.yaml: Network mode host is for privileged containers only: it gives the container the "
                        "host's network namespace",
                        "host for an unprivileged container");
        container_error(CONTAINER "network-mode: bridged\n",
                        "c.yaml:5: Invalid network-mode \"bridged\": expected private, none, host or container:NAME",
                        "unknown mode");
        container_error(CONTAINER "network-mode: container:web1\n",
                        "c.yaml: Container web1 cannot join its own network namespace", "joining itself");
        container_error(CONTAINER "network-mode: none\nnetworks: [lan0]\n",
                        "c.yaml: Network mode none takes no networks, published ports or host access (they belong "
                        "to the namespace it uses)",
                        "networks in mode none");
        container_error(CONTAINER "networks: [lan0, lan0]\n",
                        "c.yaml:5: Invalid networks entry \"lan0\": listed twice", "a network twice");
        container_error(CONTAINER "networks:\n  - name: lan0\n    ip: 10.88.0.300\n",
                        "c.yaml:7: Invalid ip \"10.88.0.300\": expected an IPv4 address", "bad ip");
        container_error(CONTAINER "networks:\n  - name: lan0\n    mac: \"01:00:5e:00:00:01\"\n",
                        "c.yaml:7: Invalid mac \"01:00:5e:00:00:01\": expected a unicast MAC address such as "
                        "\"52:54:00:12:34:56\"",
                        "multicast mac");
        container_error(CONTAINER "networks:\n  - ip: 10.88.0.2\n",
                        "c.yaml:6: Missing required key \"name\" in an entry of \"networks\"", "entry without name");
        container_error(CONTAINER "networks:\n  - name: lan0\n    vlan: 4\n", "c.yaml:7: Unknown key \"vlan\"",
                        "unknown key in an entry");
        container_error(CONTAINER "networks: [lan0]\npublish: [\"80\"]\n",
                        "c.yaml:6: Invalid published port \"80\"", "bad port");
        container_error(CONTAINER "networks: [lan0]\npublish: [\"8080:80\", \"127.0.0.1:8080:81\"]\n",
                        "c.yaml: Published ports 8080:80 and 127.0.0.1:8080:81 use the same host port",
                        "conflicting ports");
        container_error(CONTAINER "publish: [\"8080:80\"]\n", "c.yaml: Published ports need a network to publish from",
                        "ports without a network");
        container_error(CONTAINER "allow-host: 1\n", "c.yaml:5: Invalid allow-host \"1\": expected true or false",
                        "allow-host is a bool");
}

static void test_attachment_syntax(void) {
        ContainerNetwork n = {};
        NetworkMode mode;
        char *other = NULL, *err = NULL, *s = NULL;

        is_int(network_attachment_from_string("lan0", &mode, &n, &other, &err), 0, "lan0");
        ok(mode == NETWORK_MODE_PRIVATE && streq_ptr(n.name, "lan0") && !n.has_ip4 && !other, "...an attachment");
        container_network_done(&n);
        is_int(network_attachment_from_string("lan0:ip=10.88.0.10,ip6=fd42::10,mac=52:54:00:aa:bb:cc", &mode, &n,
                                              &other, &err),
               0, "with ip, ip6 and mac");
        ok(n.has_ip4 && n.has_ip6 && n.has_mac, "...all three");
        is_int(network_attachment_to_string(&n, &s), 0, "formatted");
        is_str(s, "lan0:ip=10.88.0.10,ip6=fd42::10,mac=52:54:00:aa:bb:cc", "...the same");
        s = mfree(s);
        container_network_done(&n);
        is_int(network_attachment_from_string("lan0:mac=52:54:00:aa:bb:cc", &mode, &n, &other, &err), 0, "mac alone");
        is_int(network_attachment_to_string(&n, &s), 0, "formatted");
        is_str(s, "lan0:mac=52:54:00:aa:bb:cc", "...the same");
        s = mfree(s);
        container_network_done(&n);

        is_int(network_attachment_from_string("host", &mode, &n, &other, &err), 0, "host");
        ok(mode == NETWORK_MODE_HOST && !n.name, "...a mode");
        is_int(network_attachment_from_string("none", &mode, &n, &other, &err), 0, "none");
        ok(mode == NETWORK_MODE_NONE, "...a mode");
        is_int(network_attachment_from_string("container:web1", &mode, &n, &other, &err), 0, "container:web1");
        ok(mode == NETWORK_MODE_CONTAINER && streq_ptr(other, "web1"), "...a mode and the container");
        other = mfree(other);

        is_int(network_attachment_from_string("lan0:ip=10.88.0.300", &mode, &n, &other, &err), -EINVAL, "bad ip");
        is_str(err, "Invalid IPv4 address \"10.88.0.300\" for network lan0", "...named");
        err = mfree(err);
        is_int(network_attachment_from_string("lan0:vlan=3", &mode, &n, &other, &err), -EINVAL, "unknown key");
        is_str(err, "Invalid setting \"vlan=3\" for network lan0 (known: ip=, ip6=, mac=)", "...named");
        err = mfree(err);
        is_int(network_attachment_from_string("lan0:ip=10.88.0.2,ip=10.88.0.3", &mode, &n, &other, &err), -EINVAL,
               "ip twice");
        err = mfree(err);
        is_int(network_attachment_from_string("Lan0", &mode, &n, &other, &err), -EINVAL, "bad network name");
        is_str(err, "Invalid network name \"Lan0\"", "...named");
        err = mfree(err);
        is_int(network_attachment_from_string("container:", &mode, &n, &other, &err), -EINVAL, "container: alone");
        err = mfree(err);
        is_int(network_attachment_from_string("lan0:", &mode, &n, &other, &err), -EINVAL, "nothing after the colon");
        err = mfree(err);
        is_int(network_attachment_from_string("lan0:mac=1:2:3:4:5:6", &mode, &n, &other, &err), -EINVAL,
               "a short MAC");
        err = mfree(err);
}

static void test_link_names(void) {
        char buf[SYSCTR_IFNAMSIZ], other[SYSCTR_IFNAMSIZ];

        is_str(sysctr_veth_name(ID, 0, buf), "vsx0b0c1d2e3f00", "the host side of a veth");
        is_str(sysctr_veth_name(ID, 31, buf), "vsx0b0c1d2e3f1f", "...of the 32nd network");
        is_int(strlen(buf), 15, "...fits IFNAMSIZ");
        ok(!sysctr_veth_name("not-a-uuid", 0, buf), "refused for a bad id");
        ok(!sysctr_veth_name(ID, 256, buf), "refused for a bad index");
        ok(sysctr_host_access_link_name("phys", buf) && strlen(buf) == 11 && strneq(buf, "sxh", 3),
           "the host-access link: sxh and 8 hex digits (%s)", buf);
        sysctr_host_access_link_name("phys2", other);
        ok(!streq(buf, other), "...different per network");
}

#define VXLAN                                   \
        "name: ov0\n"                           \
        "type: vxlan\n"                         \
        "bridge: ov0\n"                         \
        "subnet: 10.99.0.0/24\n"                \
        "gateway: 10.99.0.128\n"                \
        "mtu: 1450\n"                           \
        "vni: 4711\n"                           \
        "local: 192.0.2.20\n"                   \
        "peers: [192.0.2.10]\n"

/* peers: space-separated. */
static const char *pool(const char *subnet, const char *local, const char *peer_list) {
        static char buf[2 * IN_ADDR_STRLEN + 4];
        char a[IN_ADDR_STRLEN], b[IN_ADDR_STRLEN], copy[256], *peers[8] = {}, *save = NULL;
        union in_addr_union l, start, end;
        InAddrPrefix p;
        int family, r;
        size_t n = 0;

        (void) snprintf(copy, sizeof(copy), "%s", peer_list);
        for (char *w = strtok_r(copy, " ", &save); w && n < 7; w = strtok_r(NULL, " ", &save))
                peers[n++] = w;

        if (in_addr_prefix_from_string(AF_INET, subnet, &p) < 0 || in_addr_from_string(AF_UNSPEC, local, &family, &l) < 0)
                return "bad test input";
        r = network_vxlan_pool(&p, family, &l, peers, &start, &end);
        if (r < 0) {
                (void) snprintf(buf, sizeof(buf), "%s", strerror(-r));
                return buf;
        }
        (void) snprintf(buf, sizeof(buf), "%s-%s", in_addr_to_string(AF_INET, &start, a),
                        in_addr_to_string(AF_INET, &end, b));
        return buf;
}

static void test_vxlan(void) {
        _cleanup_(network_config_freep) NetworkConfig *n = NULL, *back = NULL;
        _cleanup_free_ char *err = NULL, *text = NULL;

        /* Shares: the hosts in address order, equal slices of .1 to .254, the last one to the end. */
        is_str(pool("10.99.0.0/24", "192.0.2.10", "192.0.2.20"), "10.99.0.1-10.99.0.127",
               "vxlan share: the lower address takes the first half");
        is_str(pool("10.99.0.0/24", "192.0.2.20", "192.0.2.10"), "10.99.0.128-10.99.0.254",
               "...its peer the second: the two shares do not meet");
        is_str(pool("10.99.0.0/24", "192.0.2.2", "192.0.2.30 192.0.2.10"), "10.99.0.1-10.99.0.84",
               "three hosts: the first third (peers in any order)");
        is_str(pool("10.99.0.0/24", "192.0.2.10", "192.0.2.30 192.0.2.2"), "10.99.0.85-10.99.0.168",
               "...the second");
        is_str(pool("10.99.0.0/24", "192.0.2.30", "192.0.2.2 192.0.2.10"), "10.99.0.169-10.99.0.254",
               "...the third, to the end");
        is_str(pool("10.99.0.0/24", "192.0.2.9", "192.0.2.10"), "10.99.0.1-10.99.0.127",
               "addresses compare as numbers (.9 before .10), not as text");
        is_str(pool("10.99.0.0/24", "fd00::2", "fd00::1"), "10.99.0.128-10.99.0.254",
               "an IPv6 underlay");
        is_str(pool("10.99.0.0/24", "192.0.2.10", "192.0.2.10"), strerror(EINVAL),
               "this host among its peers is refused");
        is_str(pool("10.99.0.0/24", "192.0.2.10", "192.0.2.1 192.0.2.1"), strerror(EINVAL),
               "a peer twice is refused");
        is_str(pool("10.99.0.0/30", "192.0.2.10", "192.0.2.1"), strerror(ENOSPC),
               "a subnet too small for the hosts");
        is_int(network_vxlan_default_vni("ov0"), network_vxlan_default_vni("ov0"), "the default VNI is stable");
        ok(network_vxlan_default_vni("ov0") != network_vxlan_default_vni("ov1") &&
           network_vxlan_default_vni("ov0") >= 1 && network_vxlan_default_vni("ov0") <= NETWORK_VXLAN_VNI_MAX,
           "...differs by name, and is a VNI (%u)", network_vxlan_default_vni("ov0"));

        is_int(parse_network(VXLAN "pool-start: 10.99.0.128\npool-end: 10.99.0.254\n", &n, &err), 0,
               "a vxlan network file");
        ok(n && n->type == NETWORK_VXLAN && n->vni == 4711 && n->local_family == AF_INET &&
           n->peers && streq_ptr(n->peers[0], "192.0.2.10") && !n->peers[1] && n->has_pool, "...its keys");
        ok(n && network_type_is_bridged(n->type), "...a network with a bridge (veths, NAT, DNS, our table)");
        is_int(n ? network_config_format(n, &text) : -1, 0, "...formatted");
        is_int(text ? network_config_parse(text, strlen(text), "back.yaml", &back, NULL) : -1, 0, "...and read back");
        ok(back && back->vni == 4711 && strv_equal(back->peers, n->peers) &&
           in_addr_equal(AF_INET, &back->pool_start, &n->pool_start) &&
           in_addr_equal(AF_INET, &back->pool_end, &n->pool_end), "...the same");

        network_error(VXLAN "pool-start: 10.99.0.1\npool-end: 10.99.0.127\n",
                      "n.yaml: Network ov0: pool-start and pool-end must be 10.99.0.128 and 10.99.0.254 (this host's "
                      "share of the subnet among its peers)", "a share that is not this host's");
        network_error("name: ov0\ntype: vxlan\nbridge: ov0\nsubnet: 10.99.0.0/24\ngateway: 10.99.0.1\nvni: 7\n"
                      "local: 192.0.2.20\n",
                      "n.yaml: Network ov0: a vxlan network needs peers", "vxlan without peers");
        network_error(VXLAN "subnet6: \"fd42::/64\"\ngateway6: \"fd42::1\"\n",
                      "n.yaml: Network ov0: a vxlan network has an IPv4 subnet and no subnet6 (yet)", "vxlan with IPv6");
        network_error("name: ov0\ntype: vxlan\nvni: 0\n", "n.yaml:3: Invalid vni \"0\": expected a VNI from 1 to 16777215",
                      "VNI 0");
        network_error("name: ov0\ntype: vxlan\npeers: [\"not an address\"]\n",
                      "n.yaml:3: Invalid peer address \"not an address\"", "a peer that is no address");
        network_error(BRIDGE "vni: 5\n",
                      "n.yaml: Network lan0: vni, local, peers, pool-start and pool-end are for vxlan networks",
                      "vxlan keys on a bridge");
}

int main(void) {
        test_bridge();
        test_vxlan();
        test_macvlan();
        test_network_errors();
        test_container_networks();
        test_network_modes();
        test_attachment_syntax();
        test_link_names();
        return done_testing();
}
