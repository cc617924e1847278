/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <limits.h>
#include <stdio.h>
#include <sys/socket.h>

#include "fileio.h"
#include "log.h"
#include "network.h"
#include "paths.h"
#include "rtnl.h"
#include "strv.h"

/* Links, addresses and routes of sysctrd's networks on the host (network.h), through rtnetlink in
 * sysctrd's own network namespace. */

/* The problem of n, with the kernel's explanation: "bridge lan0: Invalid argument (Invalid MTU)". */
static int link_problem(Network *n, Rtnl *rt, int r, const char *what) {
        const char *kernel = rt ? rtnl_error_message(rt) : NULL;
        char buf[512];

        (void) snprintf(buf, sizeof(buf), "%s: %s%s%s%s", what, strerror(-r), kernel ? " (" : "", strempty(kernel),
                        kernel ? ")" : "");
        network_set_problem(n, buf);
        return r;
}

static int find_link(Rtnl *rt, const char *name, RtnlLink *ret) {
        _cleanup_free_ RtnlLink *links = NULL;
        size_t n = 0;
        int r;

        r = rtnl_link_list(rt, &links, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (streq(links[i].name, name)) {
                        if (ret)
                                *ret = links[i];
                        return 0;
                }
        return -ENODEV;
}

int manager_link_exists(Manager *m, const char *name, bool *ret_is_bridge) {
        _cleanup_(rtnl_freep) Rtnl *rt = NULL;
        RtnlLink l;
        int r;

        r = rtnl_open(-1, &rt);
        if (r >= 0)
                r = find_link(rt, name, &l);
        if (r >= 0 && ret_is_bridge)
                *ret_is_bridge = streq(l.kind, "bridge");
        return r;
}

static int add_address(Rtnl *rt, const char *ifname, const InAddrPrefix *subnet, const union in_addr_union *a) {
        InAddrPrefix p = { subnet->family, *a, subnet->prefixlen };
        int r;

        /* The bridge's own address: ours, so no duplicate address detection. */
        r = rtnl_address_add(rt, ifname, &p, RTNL_ADDRESS_NODAD);
        return r == -EEXIST ? 0 : r;
}

static int read_sysctl(const char *path) {
        _cleanup_free_ char *text = NULL;

        if (read_full_file(path, &text, NULL) < 0)
                return -1;
        return atoi(text);
}

/* Never router advertisements on our bridges: a container could make itself the host's router. */
static void bridge_refuse_router_advertisements(const char *bridge) {
        char path[PATH_MAX];

        (void) snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_ra", bridge);
        if (read_sysctl(path) > 0 && write_string_file(path, "0") < 0)
                log_warning("Failed to turn off %s.", path);
}

/* A vxlan network's bridge gets a VXLAN port: frames for MACs it has not learned (and broadcasts,
 * ARP among them) go to every peer by unicast (one all-zero FDB entry per peer), so the underlay
 * needs no multicast. Made anew when its settings may have changed (it holds no state of value). */
static int vxlan_up(Network *n, Rtnl *rt) {
        const NetworkConfig *c = n->config;
        char name[SYSCTR_IFNAMSIZ], what[64];
        RtnlLink l;
        int r;

        sysctr_vxlan_link_name(c->name, name);
        (void) snprintf(what, sizeof(what), "VXLAN link %s", name);
        if (find_link(rt, name, &l) >= 0) {
                r = rtnl_link_delete(rt, name);
                if (r < 0 && r != -ENODEV)
                        return link_problem(n, rt, r, what);
        }
        r = rtnl_vxlan_create(rt, name, c->vni, c->local_family, &c->local, NETWORK_VXLAN_PORT,
                              &(RtnlLinkParams) { .mtu = c->mtu, .master = rtnl_link_index(rt, c->bridge) });
        STRV_FOREACH(p, c->peers) {
                union in_addr_union dst;

                if (r < 0)
                        break;
                r = in_addr_from_string(c->local_family, *p, NULL, &dst);
                if (r >= 0)
                        r = rtnl_fdb_append(rt, name, c->local_family, &dst);
                if (r == -EEXIST)
                        r = 0;
        }
        if (r >= 0)
                r = rtnl_link_set_up(rt, name, true);
        if (r < 0)
                return link_problem(n, rt, r, what);
        log_debug("Network %s: VXLAN %u on %s to %zu peers.", c->name, c->vni, name, strv_length(c->peers));
        return 0;
}

static int bridge_up(Network *n, Rtnl *rt) {
        const NetworkConfig *c = n->config;
        char what[64];
        RtnlLink l;
        int r;

        (void) snprintf(what, sizeof(what), "bridge %s", c->bridge);
        r = find_link(rt, c->bridge, &l);
        if (r == -ENODEV) {
                r = rtnl_bridge_create(rt, c->bridge, &(RtnlLinkParams) { .mtu = c->mtu });
                if (r >= 0)
                        log_info("Network %s: created bridge %s.", c->name, c->bridge);
        } else if (r >= 0 && !streq(l.kind, "bridge")) {
                network_set_problem(n, "a link of its bridge's name exists and is not a bridge");
                return -EEXIST;
        }
        if (r >= 0 && c->subnet4.family != 0)
                r = add_address(rt, c->bridge, &c->subnet4, &c->gateway4);
        if (r >= 0 && c->subnet6.family != 0)
                r = add_address(rt, c->bridge, &c->subnet6, &c->gateway6);
        /* The host's 127.0.0.1 may reach published ports: DNATed loopback traffic may leave by the
         * bridge (the table keeps containers away from the host's loopback, docs/networking.md). */
        if (r >= 0)
                r = rtnl_link_set_route_localnet(rt, c->bridge, true);
        if (r >= 0)
                bridge_refuse_router_advertisements(c->bridge);
        if (r >= 0)
                r = rtnl_link_set_up(rt, c->bridge, true);
        if (r < 0)
                return link_problem(n, rt, r, what);
        return c->type == NETWORK_VXLAN ? vxlan_up(n, rt) : 0;
}

/* The host's own address on the parent in the subnet of family, for the source of its traffic to
 * macvlan containers (which must be able to answer it on the LAN). */
static int parent_address(Rtnl *rt, const NetworkConfig *c, int family, union in_addr_union *ret) {
        _cleanup_free_ RtnlAddress *a = NULL;
        const InAddrPrefix *subnet = family == AF_INET ? &c->subnet4 : &c->subnet6;
        size_t n = 0;
        int index, r;

        index = rtnl_link_index(rt, c->parent);
        if (index < 0)
                return index;
        r = rtnl_address_list(rt, family, &a, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (a[i].ifindex == index && in_addr_prefix_contains(subnet, family, &a[i].prefix.address)) {
                        *ret = a[i].prefix.address;
                        return 0;
                }
        return -ENOENT;
}

static int route_one(Network *n, Rtnl *rt, int family, const union in_addr_union *a, bool add) {
        char name[SYSCTR_IFNAMSIZ];
        RtnlRoute route = { .dst = { family, *a, family == AF_INET ? 32 : 128 },
                            .ifname = sysctr_host_access_link_name(n->config->name, name) };
        int r;

        route.has_prefsrc = parent_address(rt, n->config, family, &route.prefsrc) >= 0;
        r = add ? rtnl_route_add(rt, &route) : rtnl_route_del(rt, &route);
        if (r == (add ? -EEXIST : -ESRCH) || (!add && r == -ENODEV))
                return 0;
        return r;
}

int network_link_route_container(Network *n, const ContainerNetwork *att, bool add) {
        _cleanup_(rtnl_freep) Rtnl *rt = NULL;
        char buf[IN_ADDR_STRLEN];
        int r;

        if (n->config->type != NETWORK_MACVLAN || !n->config->host_access)
                return 0;
        r = rtnl_open(-1, &rt);
        if (r >= 0 && att->has_ip4 && n->config->subnet4.family == AF_INET)
                r = route_one(n, rt, AF_INET, &att->ip4, add);
        if (r >= 0 && att->has_ip6 && n->config->subnet6.family == AF_INET6)
                r = route_one(n, rt, AF_INET6, &att->ip6, add);
        if (r < 0)
                log_warning("Network %s: failed to %s the host's route to %s: %s%s%s%s", n->config->name,
                            add ? "add" : "remove",
                            in_addr_to_string(att->has_ip4 ? AF_INET : AF_INET6, att->has_ip4 ? &att->ip4 : &att->ip6,
                                              buf),
                            strerror(-r), rt && rtnl_error_message(rt) ? " (" : "",
                            rt ? strempty(rtnl_error_message(rt)) : "", rt && rtnl_error_message(rt) ? ")" : "");
        return r;
}

/* Host access: a macvlan of the host's own on the parent (bridge mode: the macvlans of one parent
 * reach each other directly, while the parent itself never sees them), and a route to each
 * container through it. */
static int host_access_up(Network *n, Rtnl *rt) {
        _cleanup_strv_free_ char **users = NULL;
        char name[SYSCTR_IFNAMSIZ], what[64];
        int r;

        sysctr_host_access_link_name(n->config->name, name);
        (void) snprintf(what, sizeof(what), "host-access link %s on %s", name, n->config->parent);
        r = find_link(rt, name, NULL);
        if (r == -ENODEV)
                r = rtnl_macvlan_create(rt, name, n->config->parent, RTNL_MACVLAN_BRIDGE, -1,
                                        &(RtnlLinkParams) { .mtu = n->config->mtu });
        if (r >= 0)
                r = rtnl_link_set_up(rt, name, true);
        if (r < 0)
                return link_problem(n, rt, r, what);
        users = network_container_names(n);
        STRV_FOREACH(u, users) {
                Container *c = manager_get_container(n->manager, *u);

                for (size_t i = 0; c && i < c->config->n_networks; i++)
                        if (streq(c->config->networks[i].name, n->config->name))
                                (void) network_link_route_container(n, &c->config->networks[i], true);
        }
        return 0;
}

int network_link_up(Network *n) {
        _cleanup_(rtnl_freep) Rtnl *rt = NULL;
        int r;

        network_set_problem(n, NULL);
        r = rtnl_open(-1, &rt);
        if (r < 0)
                return link_problem(n, NULL, r, "rtnetlink");
        if (network_type_is_bridged(n->config->type))
                return bridge_up(n, rt);
        r = find_link(rt, n->config->parent, NULL);
        if (r < 0)
                return link_problem(n, NULL, r, "its parent link");
        return n->config->host_access ? host_access_up(n, rt) : 0;
}

int network_link_down(Network *n) {
        _cleanup_(rtnl_freep) Rtnl *rt = NULL;
        char name[SYSCTR_IFNAMSIZ];
        const char *link = NULL;
        int r;

        if (network_type_is_bridged(n->config->type))
                link = n->config->bridge;
        else if (n->config->host_access)
                link = sysctr_host_access_link_name(n->config->name, name);
        if (!link)
                return 0;
        r = rtnl_open(-1, &rt);
        if (r >= 0 && n->config->type == NETWORK_VXLAN) {
                r = rtnl_link_delete(rt, sysctr_vxlan_link_name(n->config->name, name));
                if (r < 0 && r != -ENODEV)
                        log_warning_errno(r, "Network %s: failed to remove %s: %m", n->config->name, name);
                r = 0;
        }
        if (r >= 0)
                r = rtnl_link_delete(rt, link);
        if (r < 0 && r != -ENODEV)
                return log_warning_errno(r, "Network %s: failed to remove %s: %m", n->config->name, link);
        return 0;
}

/* The host sides of the veths of the containers that run (or start, or stop), and the host-access
 * links of the macvlan networks: what explains a link of ours. */
static int expected_links(Manager *m, char ***ret) {
        _cleanup_free_ Container **containers = manager_sorted_containers(m);
        _cleanup_free_ Network **networks = manager_sorted_networks(m);
        _cleanup_strv_free_ char **l = NULL;
        char name[SYSCTR_IFNAMSIZ];

        if (!containers || !networks)
                return -ENOMEM;
        for (size_t i = 0; i < hashmap_size(m->containers); i++) {
                const Container *c = containers[i];

                if (!container_is_active(c))
                        continue;
                for (size_t j = 0; j < c->config->n_networks; j++)
                        if (sysctr_veth_name(c->config->id, (unsigned) j, name) && strv_extend(&l, name) < 0)
                                return -ENOMEM;
        }
        for (size_t i = 0; i < hashmap_size(m->networks); i++)
                if (networks[i]->config->type == NETWORK_MACVLAN && networks[i]->config->host_access &&
                    strv_extend(&l, sysctr_host_access_link_name(networks[i]->config->name, name)) < 0)
                        return -ENOMEM;
                else if (networks[i]->config->type == NETWORK_VXLAN &&
                         strv_extend(&l, sysctr_vxlan_link_name(networks[i]->config->name, name)) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

void manager_remove_stale_links(Manager *m) {
        _cleanup_(rtnl_freep) Rtnl *rt = NULL;
        _cleanup_free_ RtnlLink *links = NULL;
        _cleanup_strv_free_ char **expected = NULL;
        size_t n = 0;

        if (rtnl_open(-1, &rt) < 0 || rtnl_link_list(rt, &links, &n) < 0 || expected_links(m, &expected) < 0) {
                log_warning("Failed to look for leftover links of sysctr's.");
                return;
        }
        for (size_t i = 0; i < n; i++) {
                const char *name = links[i].name;
                int r;

                if ((!startswith(name, SYSCTR_VETH_PREFIX) && !startswith(name, SYSCTR_HOST_ACCESS_PREFIX) &&
                     !startswith(name, SYSCTR_VXLAN_PREFIX)) ||
                    strv_contains(expected, name))
                        continue;
                r = rtnl_link_delete(rt, name);
                if (r < 0 && r != -ENODEV)
                        log_warning_errno(r, "Failed to remove the leftover link %s: %m", name);
                else
                        log_info("Removed the leftover link %s.", name);
        }
}


/* Forwarding on makes the kernel ignore router advertisements on links with accept_ra=1; 2 keeps
 * them, so a link that the host configures by SLAAC keeps its address and default route. Only such
 * links (a global IPv6 address that is not permanent, i.e. autoconfigured): accepting router
 * advertisements anywhere else (on a bridge of containers) would let a guest route the host. */
static void keep_router_advertisements(void) {
        _cleanup_(rtnl_freep) Rtnl *rt = NULL;
        _cleanup_free_ RtnlAddress *a = NULL;
        _cleanup_free_ RtnlLink *links = NULL;
        size_t n = 0, n_links = 0;

        if (rtnl_open(-1, &rt) < 0 || rtnl_address_list(rt, AF_INET6, &a, &n) < 0 ||
            rtnl_link_list(rt, &links, &n_links) < 0)
                return;
        for (size_t i = 0; i < n_links; i++) {
                char path[PATH_MAX];
                bool slaac = false;

                for (size_t j = 0; j < n; j++)
                        slaac = slaac || (a[j].ifindex == links[i].ifindex && a[j].scope == RT_SCOPE_UNIVERSE &&
                                          !(a[j].flags & IFA_F_PERMANENT));
                if (!slaac)
                        continue;
                (void) snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_ra", links[i].name);
                if (read_sysctl(path) == 1 && write_string_file(path, "2") >= 0)
                        log_info("Set %s to 2: the link keeps its router advertisements with forwarding on.", path);
        }
}


void manager_enable_forwarding(Manager *m) {
        _cleanup_free_ Network **all = manager_sorted_networks(m);
        bool bridge4 = false, bridge6 = false;

        for (size_t i = 0; all && i < hashmap_size(m->networks); i++)
                if (network_type_is_bridged(all[i]->config->type)) {
                        bridge4 = bridge4 || all[i]->config->subnet4.family != 0;
                        bridge6 = bridge6 || all[i]->config->subnet6.family != 0;
                }
        /* The host routes for its bridge networks, as a router must (docs/networking.md). */
        if (bridge4 && read_sysctl("/proc/sys/net/ipv4/ip_forward") == 0) {
                if (write_string_file("/proc/sys/net/ipv4/ip_forward", "1") < 0)
                        log_warning("Failed to turn on net.ipv4.ip_forward: bridge networks reach nothing beyond the host.");
                else
                        log_info("Turned on net.ipv4.ip_forward for the bridge networks.");
        }
        if (bridge6 && read_sysctl("/proc/sys/net/ipv6/conf/all/forwarding") == 0) {
                keep_router_advertisements();
                if (write_string_file("/proc/sys/net/ipv6/conf/all/forwarding", "1") < 0)
                        log_warning("Failed to turn on net.ipv6.conf.all.forwarding.");
                else
                        log_info("Turned on net.ipv6.conf.all.forwarding for the bridge networks.");
        }
}

int manager_host_prefixes(Manager *m, InAddrPrefix **ret, size_t *ret_n) {
        _cleanup_(rtnl_freep) Rtnl *rt = NULL;
        _cleanup_free_ RtnlAddress *a = NULL;
        InAddrPrefix *l;
        size_t n = 0, k = 0;
        int r;

        r = rtnl_open(-1, &rt);
        if (r >= 0)
                r = rtnl_address_list(rt, AF_UNSPEC, &a, &n);
        if (r < 0)
                return r;
        l = calloc(n + 1, sizeof(InAddrPrefix));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                /* Link-local and loopback addresses are never a network's. */
                if (a[i].scope == RT_SCOPE_LINK || a[i].scope == RT_SCOPE_HOST)
                        continue;
                l[k] = a[i].prefix;
                in_addr_mask(l[k].family, &l[k].address, l[k].prefixlen);
                k++;
        }
        *ret = l;
        *ret_n = k;
        return 0;
}
