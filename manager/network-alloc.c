/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <endian.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "ipam.h"
#include "network-alloc.h"
#include "port-spec.h"
#include "strv.h"

_printf_(2, 3) static int alloc_fail(char **ret_error, const char *format, ...) {
        va_list ap;

        if (ret_error) {
                va_start(ap, format);
                if (vasprintf(ret_error, format, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return -EINVAL;
}

int network_random_mac(struct ether_addr *ret) {
        ssize_t k;

        k = getrandom(ret->ether_addr_octet, sizeof(ret->ether_addr_octet), 0);
        if (k != (ssize_t) sizeof(ret->ether_addr_octet))
                return k < 0 ? -errno : -EIO;
        ret->ether_addr_octet[0] &= 0xfe;       /* unicast */
        ret->ether_addr_octet[0] |= 0x02;       /* locally administered */
        return 0;
}

/* The attachment of c to the network called name, or NULL. */
static const ContainerNetwork *attachment_of(const ContainerConfig *c, const char *name) {
        for (size_t i = 0; i < c->n_networks; i++)
                if (streq(c->networks[i].name, name))
                        return &c->networks[i];
        return NULL;
}

typedef struct Used {
        union in_addr_union *addresses;
        const char **owners;
        size_t n;
} Used;

static void used_done(Used *u) {
        free(u->addresses);
        free(u->owners);
}

/* The addresses of one family that the other containers hold on network n. */
static int collect_used(const NetworkConfig *n, const char *self, ContainerConfig * const *containers,
                        size_t n_containers, int family, Used *ret) {
        Used u = {};

        u.addresses = calloc(n_containers + 1, sizeof(union in_addr_union));
        u.owners = calloc(n_containers + 1, sizeof(char *));
        if (!u.addresses || !u.owners) {
                used_done(&u);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n_containers; i++) {
                const ContainerNetwork *a;

                if (streq_ptr(containers[i]->name, self) || !(a = attachment_of(containers[i], n->name)))
                        continue;
                if (family == AF_INET ? !a->has_ip4 : !a->has_ip6)
                        continue;
                u.addresses[u.n] = family == AF_INET ? a->ip4 : a->ip6;
                u.owners[u.n++] = containers[i]->name;
        }
        *ret = u;
        return 0;
}

static const char *used_by(const Used *u, int family, const union in_addr_union *a) {
        for (size_t i = 0; i < u->n; i++)
                if (in_addr_equal(family, &u->addresses[i], a))
                        return u->owners[i];
        return NULL;
}

/* A vxlan network's IPv4 addresses on this host come from its share of the subnet only: the other
 * hosts hand out theirs (network-config.h: network_vxlan_pool()). */
static bool in_pool(const NetworkConfig *n, int family, const union in_addr_union *a) {
        if (family != AF_INET || !n->has_pool)
                return true;
        return be32toh(a->in.s_addr) >= be32toh(n->pool_start.in.s_addr) &&
               be32toh(a->in.s_addr) <= be32toh(n->pool_end.in.s_addr);
}

/* One family of att on n. */
static int alloc_address(const NetworkConfig *n, const char *self, ContainerConfig * const *containers,
                         size_t n_containers, const ContainerNetwork *previous, int family, ContainerNetwork *att,
                         char **ret_error) {
        const InAddrPrefix *subnet = family == AF_INET ? &n->subnet4 : &n->subnet6;
        const union in_addr_union *gateway = family == AF_INET ? (n->has_gateway4 ? &n->gateway4 : NULL)
                                                               : (n->has_gateway6 ? &n->gateway6 : NULL);
        bool *has = family == AF_INET ? &att->has_ip4 : &att->has_ip6;
        union in_addr_union *a = family == AF_INET ? &att->ip4 : &att->ip6;
        const char *v = family == AF_INET ? "IPv4" : "IPv6", *reason = NULL, *owner;
        _cleanup_(used_done) Used used = {};
        char buf[IN_ADDR_STRLEN], net[IN_ADDR_PREFIX_STRLEN], pool_end[IN_ADDR_STRLEN];
        int r;

        if (subnet->family == 0) {
                if (*has)
                        return alloc_fail(ret_error, "Network %s has no %s subnet for the address %s", n->name, v,
                                          in_addr_to_string(family, a, buf));
                return 0;
        }
        r = collect_used(n, self, containers, n_containers, family, &used);
        if (r < 0)
                return r;
        if (*has && !in_pool(n, family, a))
                return alloc_fail(ret_error, "Address %s on network %s is outside this host's share of it (%s to %s): "
                                  "the other hosts of the overlay hand out the rest",
                                  in_addr_to_string(family, a, buf), n->name,
                                  in_addr_to_string(AF_INET, &n->pool_start, net),
                                  in_addr_to_string(AF_INET, &n->pool_end, pool_end));
        if (*has) {
                r = ipam_address_check(subnet, gateway, a, &reason);
                if (r < 0)
                        return alloc_fail(ret_error, "Address %s cannot be a container's on network %s (%s): %s",
                                          in_addr_to_string(family, a, buf), n->name,
                                          in_addr_prefix_to_string(subnet, net), reason);
                owner = used_by(&used, family, a);
                if (owner)
                        return alloc_fail(ret_error, "Address %s on network %s is taken by container %s",
                                          in_addr_to_string(family, a, buf), n->name, owner);
                return 0;
        }
        /* Stable: what it had on this network stays its own while it is free and valid. */
        if (previous && (family == AF_INET ? previous->has_ip4 : previous->has_ip6)) {
                const union in_addr_union *old = family == AF_INET ? &previous->ip4 : &previous->ip6;

                if (ipam_address_check(subnet, gateway, old, NULL) >= 0 && in_pool(n, family, old) &&
                    !used_by(&used, family, old)) {
                        *a = *old;
                        *has = true;
                        return 0;
                }
        }
        if (n->type == NETWORK_MACVLAN)
                return alloc_fail(ret_error,
                                  "Network %s is a macvlan network on the LAN of %s: give the container's %s address "
                                  "on it (--network %s:%s=ADDRESS); sysctr cannot know which addresses of that LAN "
                                  "are free",
                                  n->name, n->parent, v, n->name, family == AF_INET ? "ip" : "ip6");
        if (family == AF_INET && n->has_pool)
                r = ipam_allocate_range(subnet, gateway, in_addr_host_offset(AF_INET, &n->pool_start, subnet->prefixlen),
                                        in_addr_host_offset(AF_INET, &n->pool_end, subnet->prefixlen), used.addresses,
                                        used.n, a);
        else
                r = ipam_allocate(subnet, gateway, used.addresses, used.n, a);
        if (r == -ENOSPC) {
                (void) alloc_fail(ret_error, "Network %s has no free %s address left (%s)", n->name, v,
                                  in_addr_prefix_to_string(subnet, net));
                return -ENOSPC;
        }
        if (r < 0)
                return r;
        *has = true;
        return 0;
}

static const char *mac_used_by(const NetworkConfig *n, const char *self, ContainerConfig * const *containers,
                               size_t n_containers, const struct ether_addr *mac) {
        for (size_t i = 0; i < n_containers; i++) {
                const ContainerNetwork *a;

                if (streq_ptr(containers[i]->name, self) || !(a = attachment_of(containers[i], n->name)))
                        continue;
                if (a->has_mac && memcmp(&a->mac, mac, sizeof(*mac)) == 0)
                        return containers[i]->name;
        }
        return NULL;
}

static int alloc_mac(const NetworkConfig *n, const char *self, ContainerConfig * const *containers,
                     size_t n_containers, const ContainerNetwork *previous, ContainerNetwork *att,
                     char **ret_error) {
        char buf[ETHER_ADDR_STRLEN];
        const char *owner;
        int r;

        if (att->has_mac) {
                owner = mac_used_by(n, self, containers, n_containers, &att->mac);
                if (owner)
                        return alloc_fail(ret_error, "MAC address %s on network %s is taken by container %s",
                                          ether_addr_to_str(&att->mac, buf), n->name, owner);
                return 0;
        }
        if (previous && previous->has_mac && !mac_used_by(n, self, containers, n_containers, &previous->mac)) {
                att->mac = previous->mac;
                att->has_mac = true;
                return 0;
        }
        /* 46 random bits: a clash is a curiosity, but a cheap one to avoid. */
        do {
                r = network_random_mac(&att->mac);
                if (r < 0)
                        return r;
        } while (mac_used_by(n, self, containers, n_containers, &att->mac));
        att->has_mac = true;
        return 0;
}

int network_alloc_attachment(const NetworkConfig *n, const char *self, ContainerConfig * const *containers,
                             size_t n_containers, const ContainerNetwork *previous, ContainerNetwork *att,
                             char **ret_error) {
        int r;

        if (ret_error)
                *ret_error = NULL;
        if (!streq(n->name, att->name) || (previous && !streq(previous->name, att->name)))
                return -EINVAL;
        r = alloc_address(n, self, containers, n_containers, previous, AF_INET, att, ret_error);
        if (r >= 0)
                r = alloc_address(n, self, containers, n_containers, previous, AF_INET6, att, ret_error);
        if (r >= 0)
                r = alloc_mac(n, self, containers, n_containers, previous, att, ret_error);
        return r;
}

int network_check_ports(const ContainerConfig *c, ContainerConfig * const *containers, size_t n_containers,
                        char **ret_error) {
        if (ret_error)
                *ret_error = NULL;
        STRV_FOREACH(p, c->publish) {
                PortSpec mine, theirs;

                if (port_spec_from_string(*p, &mine) < 0)
                        return alloc_fail(ret_error, "Invalid published port \"%s\"", *p);
                for (size_t i = 0; i < n_containers; i++) {
                        if (streq_ptr(containers[i]->name, c->name))
                                continue;
                        STRV_FOREACH(q, containers[i]->publish)
                                if (port_spec_from_string(*q, &theirs) >= 0 && port_specs_conflict(&mine, &theirs))
                                        return alloc_fail(ret_error,
                                                          "Port %s is already published by container %s (as %s)",
                                                          *p, containers[i]->name, *q);
                }
        }
        return 0;
}
