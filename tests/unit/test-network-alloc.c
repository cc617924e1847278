/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Addresses, MACs and published ports of containers, from the containers' configs
 * (manager/network-alloc.h): no database, so what the configs say is all there is. No root. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "config.h"
#include "network-alloc.h"
#include "strv.h"
#include "tap.h"

#define LAN0 "name: lan0\ntype: bridge\nbridge: lan0\nsubnet: 10.88.0.0/29\ngateway: 10.88.0.1\n" \
             "subnet6: \"fd42::/64\"\ngateway6: \"fd42::1\"\n"
#define PHYS "name: phys\ntype: macvlan\nparent: eth1\nsubnet: 192.168.1.0/24\ngateway: 192.168.1.1\n"

static NetworkConfig *network(const char *text) {
        NetworkConfig *n = NULL;

        (void) network_config_parse(text, strlen(text), "n.yaml", &n, NULL);
        return n;
}

/* A container "NAME" with id number i and extra config. */
static ContainerConfig *container(const char *name, unsigned i, const char *extra) {
        _cleanup_free_ char *text = NULL, *err = NULL;
        ContainerConfig *c = NULL;

        if (asprintf(&text, "name: %s\nid: 0b0c1d2e-3f40-4152-8637-48596a7b8c%02x\ntemplate: debian\nimage: d\n%s", name,
                     i, extra) < 0)
                return NULL;
        if (container_config_parse(text, strlen(text), "c.yaml", &c, &err) < 0)
                diag("%s", strna(err));
        return c;
}

static const char *ip4(const ContainerNetwork *a) {
        static char buf[IN_ADDR_STRLEN];

        return a->has_ip4 ? in_addr_to_string(AF_INET, &a->ip4, buf) : "-";
}

static const char *ip6(const ContainerNetwork *a) {
        static char buf[IN_ADDR_STRLEN];

        return a->has_ip6 ? in_addr_to_string(AF_INET6, &a->ip6, buf) : "-";
}

static ContainerNetwork attachment(const char *name) {
        return (ContainerNetwork) { .name = (char *) name };
}

static void test_bridge(void) {
        _cleanup_(network_config_freep) NetworkConfig *n = network(LAN0);
        ContainerConfig *a = container("a", 1, "networks:\n  - name: lan0\n    ip: 10.88.0.2\n    ip6: \"fd42::2\"\n"
                                               "    mac: \"02:00:00:00:00:02\"\n"),
                        *b = container("b", 2, "networks:\n  - name: lan0\n    ip: 10.88.0.4\n    ip6: \"fd42::3\"\n"),
                        *other = container("other", 3, "networks:\n  - name: lan9\n    ip: 10.88.0.3\n");
        ContainerConfig *all[] = { a, b, other };
        ContainerNetwork x = attachment("lan0");
        _cleanup_free_ char *err = NULL;
        char mac[ETHER_ADDR_STRLEN];

        assert(n && a && b && other);
        is_int(network_alloc_attachment(n, "new", all, 3, NULL, &x, &err), 0, "allocate on a bridge network");
        is_str(ip4(&x), "10.88.0.3", "the lowest free IPv4 address (another network's holder does not count)");
        is_str(ip6(&x), "fd42::4", "the lowest free IPv6 address");
        ok(x.has_mac && (x.mac.ether_addr_octet[0] & 0x03) == 0x02, "a locally administered unicast MAC (%s)",
           ether_addr_to_str(&x.mac, mac));

        x = attachment("lan0");
        x.has_ip4 = true;
        in_addr_from_string(AF_INET, "10.88.0.4", NULL, &x.ip4);
        is_int(network_alloc_attachment(n, "new", all, 3, NULL, &x, &err), -EINVAL, "an address that is taken");
        is_str(err, "Address 10.88.0.4 on network lan0 is taken by container b", "...says by whom");
        err = mfree(err);
        in_addr_from_string(AF_INET, "10.88.0.1", NULL, &x.ip4);
        is_int(network_alloc_attachment(n, "new", all, 3, NULL, &x, &err), -EINVAL, "the gateway");
        is_str(err, "Address 10.88.0.1 cannot be a container's on network lan0 (10.88.0.0/29): it is the network's "
                    "gateway", "...named");
        err = mfree(err);
        in_addr_from_string(AF_INET, "10.88.1.5", NULL, &x.ip4);
        is_int(network_alloc_attachment(n, "new", all, 3, NULL, &x, &err), -EINVAL, "an address outside the subnet");
        err = mfree(err);
        in_addr_from_string(AF_INET, "10.88.0.4", NULL, &x.ip4);
        is_int(network_alloc_attachment(n, "b", all, 3, NULL, &x, &err), 0, "...but b may keep its own");

        x = attachment("lan0");
        x.has_mac = true;
        ether_addr_from_str("02:00:00:00:00:02", &x.mac);
        is_int(network_alloc_attachment(n, "new", all, 3, NULL, &x, &err), -EINVAL, "a MAC that is taken");
        is_str(err, "MAC address 02:00:00:00:00:02 on network lan0 is taken by container a", "...named");
        err = mfree(err);

        for (unsigned i = 0; i < 3; i++)
                container_config_free(all[i]);
}

static void test_stable_and_full(void) {
        _cleanup_(network_config_freep) NetworkConfig *n = network(LAN0);
        ContainerConfig *l[5] = {};
        ContainerNetwork prev = attachment("lan0"), x = attachment("lan0");
        _cleanup_free_ char *err = NULL;
        char extra[128];

        assert(n);
        /* 10.88.0.0/29: .2 to .6 for containers (.1 the gateway, .7 the broadcast). */
        for (unsigned i = 0; i < 5; i++) {
                (void) snprintf(extra, sizeof(extra), "networks:\n  - name: lan0\n    ip: 10.88.0.%u\n", i + 2);
                l[i] = container(i == 0 ? "keep" : (const char *[]) { "", "c2", "c3", "c4", "c5" }[i], i, extra);
                assert(l[i]);
        }
        prev.has_ip4 = true;
        in_addr_from_string(AF_INET, "10.88.0.2", NULL, &prev.ip4);
        is_int(network_alloc_attachment(n, "keep", l, 5, &prev, &x, &err), 0, "a container changed (sysctr set)");
        is_str(ip4(&x), "10.88.0.2", "...keeps its address on the network");
        x = attachment("lan0");
        is_int(network_alloc_attachment(n, "new", l, 5, NULL, &x, &err), -ENOSPC, "a full network");
        is_str(err, "Network lan0 has no free IPv4 address left (10.88.0.0/29)", "...says so");
        err = mfree(err);
        for (unsigned i = 0; i < 5; i++)
                container_config_free(l[i]);
        /* Deleted: nothing holds the address any more, the next container gets it. */
        x = attachment("lan0");
        is_int(network_alloc_attachment(n, "new", NULL, 0, NULL, &x, &err), 0, "with the containers gone");
        is_str(ip4(&x), "10.88.0.2", "...their addresses are free again");
}

/* Host 2 of two (its address sorts second): 10.99.0.128-10.99.0.254, its bridge .128. */
#define OV0 "name: ov0\ntype: vxlan\nbridge: ov0\nsubnet: 10.99.0.0/24\ngateway: 10.99.0.128\nvni: 7\n" \
            "local: 192.0.2.20\npeers: [192.0.2.10]\npool-start: 10.99.0.128\npool-end: 10.99.0.254\n"

static void test_vxlan_share(void) {
        _cleanup_(network_config_freep) NetworkConfig *n = network(OV0);
        ContainerConfig *a = container("a", 1, "networks:\n  - name: ov0\n    ip: 10.99.0.129\n");
        ContainerConfig *all[] = { a };
        ContainerNetwork x = attachment("ov0"), prev = attachment("ov0");
        _cleanup_free_ char *err = NULL;

        assert(n && a);
        is_int(network_alloc_attachment(n, "new", all, 1, NULL, &x, &err), 0, "allocate on a vxlan network");
        is_str(ip4(&x), "10.99.0.130", "...from this host's share only, past its bridge and the taken .129");
        x = attachment("ov0");
        x.has_ip4 = true;
        in_addr_from_string(AF_INET, "10.99.0.5", NULL, &x.ip4);
        is_int(network_alloc_attachment(n, "new", all, 1, NULL, &x, &err), -EINVAL,
               "an address of the other host's share is refused");
        is_str(err, "Address 10.99.0.5 on network ov0 is outside this host's share of it (10.99.0.128 to 10.99.0.254): "
                    "the other hosts of the overlay hand out the rest", "...saying why");
        err = mfree(err);
        /* A config from before the share (or from the other host): its address is not kept. */
        x = attachment("ov0");
        prev.has_ip4 = true;
        in_addr_from_string(AF_INET, "10.99.0.7", NULL, &prev.ip4);
        is_int(network_alloc_attachment(n, "new", all, 1, &prev, &x, &err), 0, "a previous address outside the share");
        is_str(ip4(&x), "10.99.0.130", "...is given up for one of the share");
        container_config_free(a);
}

static void test_macvlan(void) {
        _cleanup_(network_config_freep) NetworkConfig *n = network(PHYS), *dhcp = network("name: lan\ntype: macvlan\nparent: eth1\n");
        ContainerNetwork x = attachment("phys"), y = attachment("lan");
        _cleanup_free_ char *err = NULL;

        assert(n && dhcp);
        is_int(network_alloc_attachment(n, "new", NULL, 0, NULL, &x, &err), -EINVAL,
               "a macvlan network: no address picked on a LAN sysctr does not own");
        is_str(err, "Network phys is a macvlan network on the LAN of eth1: give the container's IPv4 address on it "
                    "(--network phys:ip=ADDRESS); sysctr cannot know which addresses of that LAN are free", "...says what to do");
        err = mfree(err);
        x.has_ip4 = true;
        in_addr_from_string(AF_INET, "192.168.1.50", NULL, &x.ip4);
        is_int(network_alloc_attachment(n, "new", NULL, 0, NULL, &x, &err), 0, "with the address given");
        ok(x.has_mac, "...and a stable MAC for the LAN's switches and DHCP servers");
        is_int(network_alloc_attachment(dhcp, "new", NULL, 0, NULL, &y, &err), 0,
               "a macvlan network without a subnet (the guest asks the LAN's DHCP)");
        ok(!y.has_ip4 && !y.has_ip6 && y.has_mac, "...only a MAC");
        y.has_ip6 = true;
        in_addr_from_string(AF_INET6, "fd00::5", NULL, &y.ip6);
        is_int(network_alloc_attachment(dhcp, "new", NULL, 0, NULL, &y, &err), -EINVAL,
               "an address where the network has no subnet");
        is_str(err, "Network lan has no IPv6 subnet for the address fd00::5", "...named");
}

static void test_ports(void) {
        ContainerConfig *web = container("web", 1, "networks: [lan0]\npublish: [\"8080:80\", \"127.0.0.1:5353:53/udp\"]\n"),
                        *api = container("api", 2, "networks: [lan0]\npublish: [\"192.0.2.1:8080:8080\"]\n"),
                        *dns = container("dns", 3, "networks: [lan0]\npublish: [\"5353:53/udp\"]\n"),
                        *tcp = container("tcp", 4, "networks: [lan0]\npublish: [\"5353:53\", \"127.0.0.2:8081:80\"]\n");
        ContainerConfig *all[] = { web };
        _cleanup_free_ char *err = NULL;

        assert(web && api && dns && tcp);
        is_int(network_check_ports(api, all, 1, &err), -EINVAL, "a port on one address against one on all");
        is_str(err, "Port 192.0.2.1:8080:8080 is already published by container web (as 8080:80)", "...says where");
        err = mfree(err);
        is_int(network_check_ports(dns, all, 1, &err), -EINVAL, "udp on all against udp on 127.0.0.1");
        err = mfree(err);
        is_int(network_check_ports(tcp, all, 1, &err), 0, "the same number over TCP, another port on another address");
        is_int(network_check_ports(web, all, 1, &err), 0, "a container does not conflict with itself");
        container_config_free(web);
        container_config_free(api);
        container_config_free(dns);
        container_config_free(tcp);
}

int main(void) {
        test_bridge();
        test_stable_and_full();
        test_vxlan_share();
        test_macvlan();
        test_ports();
        return done_testing();
}
