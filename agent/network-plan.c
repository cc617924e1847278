/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "network.h"
#include "paths.h"
#include "strv.h"

NetPlan *net_plan_free(NetPlan *p) {
        if (!p)
                return NULL;
        free(p->join_container);
        free(p->links);
        free(p->resolv_conf);
        free(p);
        return NULL;
}

_printf_(2, 3) static int plan_fail(char **ret_error, const char *format, ...) {
        va_list ap;

        if (ret_error) {
                va_start(ap, format);
                if (vasprintf(ret_error, format, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return -EINVAL;
}

/* One address of the container on network n: the subnet's prefix length, which gives the on-link
 * route with it. */
static int plan_address(NetLink *l, const NetworkConfig *n, int family, const union in_addr_union *a,
                        char **ret_error) {
        const InAddrPrefix *subnet = family == AF_INET ? &n->subnet4 : &n->subnet6;
        char buf[IN_ADDR_STRLEN];

        if (subnet->family != family)
                return plan_fail(ret_error, "Network %s has no %s subnet for the address %s", n->name,
                                 family == AF_INET ? "IPv4" : "IPv6", in_addr_to_string(family, a, buf));
        if (!in_addr_prefix_contains(subnet, family, a))
                return plan_fail(ret_error, "Address %s is outside network %s", in_addr_to_string(family, a, buf),
                                 n->name);
        l->addresses[l->n_addresses++] = (InAddrPrefix) { family, *a, subnet->prefixlen };
        return 0;
}

static int plan_link(const ContainerConfig *c, size_t i, const NetworkConfig *n, NetLink *l, char **ret_error) {
        const ContainerNetwork *att = &c->networks[i];
        char host[SYSCTR_IFNAMSIZ];
        int r;

        *l = (NetLink) { .kind = network_type_is_bridged(n->type) ? NET_LINK_VETH : NET_LINK_MACVLAN,
                         .macvlan_mode = n->mode,
                         .has_mac = att->has_mac,
                         .mac = att->mac,
                         .mtu = n->mtu };
        (void) snprintf(l->network, sizeof(l->network), "%s", n->name);
        (void) snprintf(l->guest_name, sizeof(l->guest_name), SYSCTR_GUEST_LINK_FORMAT, (unsigned) i);
        (void) snprintf(l->master, sizeof(l->master), "%s",
                        network_type_is_bridged(n->type) ? n->bridge : n->parent);
        if (network_type_is_bridged(n->type)) {
                if (!sysctr_veth_name(c->id, (unsigned) i, host))
                        return plan_fail(ret_error, "No link name for network %s of container %s", n->name, c->name);
                memcpy(l->host_name, host, sizeof(l->host_name));
        }
        if (att->has_ip4 && (r = plan_address(l, n, AF_INET, &att->ip4, ret_error)) < 0)
                return r;
        if (att->has_ip6 && (r = plan_address(l, n, AF_INET6, &att->ip6, ret_error)) < 0)
                return r;
        /* The first network carries the default routes, where the container has an address to use
         * them with. */
        if (i == 0) {
                l->has_gateway4 = att->has_ip4 && n->has_gateway4;
                l->gateway4 = n->gateway4;
                l->has_gateway6 = att->has_ip6 && n->has_gateway6;
                l->gateway6 = n->gateway6;
        }
        return 0;
}

char *resolv_conf_nameservers(const char *text, bool keep_loopback) {
        _cleanup_free_ char *out = NULL;
        size_t size = 0;
        FILE *f;

        if (!text)
                return NULL;
        f = open_memstream(&out, &size);
        if (!f)
                return NULL;
        for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                char word[16], address[64];
                union in_addr_union a;
                int family;

                if (sscanf(line, "%15s %63s", word, address) != 2 || !streq(word, "nameserver"))
                        continue;
                if (in_addr_from_string(AF_UNSPEC, address, &family, &a) < 0)
                        continue;       /* "fe80::1%eth0": a link of the host's, useless inside */
                if (!keep_loopback && ((family == AF_INET && (ntohl(a.in.s_addr) >> 24) == 127) ||
                                       (family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&a.in6))))
                        continue;
                fprintf(f, "nameserver %s\n", address);
        }
        if (fclose(f) != 0)
                return NULL;
        return size > 0 ? TAKE_PTR(out) : NULL;
}

/* The resolver of the guest: the DNS server of its first network if it has one (the bridge's
 * dnsmasq, which knows the network's names and forwards the rest), else the host's upstream
 * servers. */
static int plan_resolv_conf(NetPlan *p, const ContainerConfig *c, NetworkConfig * const *networks,
                            const char *host_resolv_conf) {
        _cleanup_free_ char *servers = NULL, *text = NULL;
        const NetworkConfig *n = c->n_networks > 0 ? networks[0] : NULL;
        char a[IN_ADDR_STRLEN], b[IN_ADDR_STRLEN];
        int k;

        if (p->mode == NETWORK_MODE_HOST)
                servers = resolv_conf_nameservers(host_resolv_conf, true);
        else if (!n)
                return 0;
        else if (n->dns && network_type_is_bridged(n->type)) {
                k = asprintf(&servers, "%s%s%s%s%s%s", n->has_gateway4 ? "nameserver " : "",
                             n->has_gateway4 ? in_addr_to_string(AF_INET, &n->gateway4, a) : "",
                             n->has_gateway4 ? "\n" : "", n->has_gateway6 ? "nameserver " : "",
                             n->has_gateway6 ? in_addr_to_string(AF_INET6, &n->gateway6, b) : "",
                             n->has_gateway6 ? "\n" : "");
                if (k < 0)
                        return -ENOMEM;
        } else
                servers = resolv_conf_nameservers(host_resolv_conf, false);
        if (!servers)
                return 0;       /* nothing to say: the guest keeps what it has */
        k = asprintf(&text, "# Written by sysctr at each start of the container (see sysctr.yaml(5), networks).\n"
                     "# Make this file a symlink (or manage it with resolvconf, systemd-resolved) to keep\n"
                     "# your own.\n%s%s%s%s",
                     servers, n && n->dns && network_type_is_bridged(n->type) ? "search " : "",
                     n && n->dns && network_type_is_bridged(n->type) ? network_config_domain(n) : "",
                     n && n->dns && network_type_is_bridged(n->type) ? "\n" : "");
        if (k < 0)
                return -ENOMEM;
        p->resolv_conf = TAKE_PTR(text);
        return 0;
}

int net_plan_build(const ContainerConfig *c, NetworkConfig * const *networks, const char *host_resolv_conf,
                   NetPlan **ret, char **ret_error) {
        _cleanup_(net_plan_freep) NetPlan *p = NULL;
        int r;

        if (ret_error)
                *ret_error = NULL;
        p = calloc(1, sizeof(NetPlan));
        if (!p)
                return -ENOMEM;
        p->mode = c->network_mode;
        if (c->network_container && !(p->join_container = strdup(c->network_container)))
                return -ENOMEM;
        if (c->n_networks > 0) {
                p->links = calloc(c->n_networks, sizeof(NetLink));
                if (!p->links)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < c->n_networks; i++) {
                const NetworkConfig *n = networks[i];

                if (!n || !streq(n->name, c->networks[i].name))
                        return plan_fail(ret_error, "No network %s", c->networks[i].name);
                r = plan_link(c, i, n, &p->links[i], ret_error);
                if (r < 0)
                        return r;
                p->n_links++;
        }
        r = plan_resolv_conf(p, c, networks, host_resolv_conf);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}
