/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "name.h"
#include "network-config.h"
#include "strv.h"

static const char * const network_type_table[_NETWORK_TYPE_MAX] = {
        [NETWORK_BRIDGE] = "bridge",
        [NETWORK_MACVLAN] = "macvlan",
        [NETWORK_VXLAN] = "vxlan",
};

DEFINE_STRING_TABLE_LOOKUP(network_type, NetworkType, _NETWORK_TYPE_MAX);

static const char * const network_macvlan_mode_table[_NETWORK_MACVLAN_MODE_MAX] = {
        [NETWORK_MACVLAN_BRIDGE] = "bridge",
        [NETWORK_MACVLAN_PRIVATE] = "private",
        [NETWORK_MACVLAN_VEPA] = "vepa",
};

DEFINE_STRING_TABLE_LOOKUP(network_macvlan_mode, NetworkMacvlanMode, _NETWORK_MACVLAN_MODE_MAX);

static const char * const network_mode_table[_NETWORK_MODE_MAX] = {
        [NETWORK_MODE_PRIVATE] = "private",
        [NETWORK_MODE_NONE] = NETWORK_MODE_NONE_WORD,
        [NETWORK_MODE_HOST] = NETWORK_MODE_HOST_WORD,
        [NETWORK_MODE_CONTAINER] = "container",
};

const char *network_mode_to_string(NetworkMode m) {
        return m >= 0 && m < _NETWORK_MODE_MAX ? network_mode_table[m] : NULL;
}

_printf_(2, 3) static int fail(char **ret_error, const char *format, ...) {
        va_list ap;

        if (!ret_error)
                return -EINVAL;
        va_start(ap, format);
        if (vasprintf(ret_error, format, ap) < 0)
                *ret_error = NULL;
        va_end(ap);
        return *ret_error ? -EINVAL : -ENOMEM;
}

NetworkConfig *network_config_new(void) {
        NetworkConfig *n = calloc(1, sizeof(NetworkConfig));

        if (n)
                n->type = _NETWORK_TYPE_INVALID;        /* "type:" is required */
        return n;
}

NetworkConfig *network_config_free(NetworkConfig *n) {
        if (!n)
                return NULL;
        free(n->name);
        free(n->bridge);
        free(n->domain);
        free(n->parent);
        strv_free(n->peers);
        free(n);
        return NULL;
}

/* A gateway inside its subnet, and not the subnet's own network address. */
static bool gateway_fits(const InAddrPrefix *subnet, const union in_addr_union *gw) {
        union in_addr_union network = subnet->address;

        in_addr_mask(subnet->family, &network, subnet->prefixlen);
        return in_addr_prefix_contains(subnet, subnet->family, gw) && !in_addr_equal(subnet->family, &network, gw);
}

static int verify_family(const NetworkConfig *n, const InAddrPrefix *subnet, bool has_gateway,
                         const union in_addr_union *gateway, const char *key, char **ret_error) {
        char a[IN_ADDR_PREFIX_STRLEN], g[IN_ADDR_STRLEN];
        int family = streq(key, "subnet") ? AF_INET : AF_INET6;

        if (subnet->family == 0) {
                if (has_gateway)
                        return fail(ret_error, "Network %s: a gateway%s without a %s", n->name,
                                    family == AF_INET ? "" : "6", key);
                return 0;
        }
        if (subnet->family != family || !in_addr_prefix_is_network(subnet))
                return fail(ret_error, "Network %s: invalid %s %s", n->name, key,
                            in_addr_prefix_to_string(subnet, a));
        if (network_type_is_bridged(n->type) && !has_gateway)
                return fail(ret_error, "Network %s: no gateway%s for %s %s", n->name,
                            family == AF_INET ? "" : "6", key, in_addr_prefix_to_string(subnet, a));
        if (has_gateway && !gateway_fits(subnet, gateway))
                return fail(ret_error, "Network %s: gateway %s is not a host address of %s %s", n->name,
                            in_addr_to_string(family, gateway, g), key, in_addr_prefix_to_string(subnet, a));
        return 0;
}

static int verify_bridge(const NetworkConfig *n, char **ret_error) {
        if (!n->bridge)
                return fail(ret_error, "Network %s: missing required key \"bridge\"", n->name);
        if (!ifname_is_valid(n->bridge))
                return fail(ret_error, "Network %s: invalid bridge name \"%s\"", n->name, n->bridge);
        if (n->subnet4.family == 0 && n->subnet6.family == 0)
                return fail(ret_error, "Network %s: a bridge network needs a subnet or a subnet6", n->name);
        if (n->parent || n->host_access || n->mode != NETWORK_MACVLAN_BRIDGE)
                return fail(ret_error, "Network %s: parent, mode and host-access are for macvlan networks",
                            n->name);
        if (n->domain && !hostname_is_valid(n->domain))
                return fail(ret_error, "Network %s: invalid domain \"%s\"", n->name, n->domain);
        if (n->type != NETWORK_VXLAN && (n->vni || n->local_family || n->peers || n->has_pool))
                return fail(ret_error, "Network %s: vni, local, peers, pool-start and pool-end are for vxlan "
                            "networks", n->name);
        return 0;
}

uint32_t network_vxlan_default_vni(const char *name) {
        uint32_t h = 2166136261U;       /* FNV-1a, as paths.c names links */

        for (const char *p = name; *p; p++) {
                h ^= (uint8_t) *p;
                h *= 16777619U;
        }
        h = (h >> 24) ^ (h & NETWORK_VXLAN_VNI_MAX);
        return h == 0 ? 1 : h;
}

static int address_compare(int family, const union in_addr_union *a, const union in_addr_union *b) {
        return memcmp(a, b, in_addr_size(family));
}

int network_vxlan_pool(const InAddrPrefix *subnet, int family, const union in_addr_union *local,
                       char * const *peers, union in_addr_union *ret_start, union in_addr_union *ret_end) {
        unsigned host_bits, index = 0, count = 1;
        uint64_t hosts, share;
        int r;

        if (subnet->family != AF_INET || (family != AF_INET && family != AF_INET6))
                return -EINVAL;
        STRV_FOREACH(p, peers) {
                union in_addr_union a;

                if (in_addr_from_string(family, *p, NULL, &a) < 0)
                        return -EINVAL;
                r = address_compare(family, &a, local);
                if (r == 0)
                        return -EINVAL;
                for (char * const *q = peers; q < p; q++)
                        if (streq(*q, *p))
                                return -EINVAL;
                index += r < 0;
                count++;
        }
        /* Host offsets 1 .. 2^bits - 2 (not the network and broadcast addresses), in count shares. */
        host_bits = 32 - subnet->prefixlen;
        hosts = (UINT64_C(1) << host_bits) - 2;
        share = hosts / count;
        if (share < 2)
                return -ENOSPC;
        r = in_addr_from_offset(subnet, 1 + index * share, ret_start);
        if (r < 0)
                return r;
        return in_addr_from_offset(subnet, index + 1 == count ? hosts : (index + 1) * share, ret_end);
}

static int verify_vxlan(const NetworkConfig *n, char **ret_error) {
        union in_addr_union start, end;
        char a[IN_ADDR_STRLEN], b[IN_ADDR_STRLEN];
        int r;

        r = verify_bridge(n, ret_error);
        if (r < 0)
                return r;
        if (n->vni < 1 || n->vni > NETWORK_VXLAN_VNI_MAX)
                return fail(ret_error, "Network %s: invalid vni %u (1 to %u)", n->name, n->vni,
                            NETWORK_VXLAN_VNI_MAX);
        if (n->local_family == 0)
                return fail(ret_error, "Network %s: missing required key \"local\"", n->name);
        if (strv_length(n->peers) == 0)
                return fail(ret_error, "Network %s: a vxlan network needs peers", n->name);
        if (strv_length(n->peers) > NETWORK_VXLAN_PEERS_MAX)
                return fail(ret_error, "Network %s: too many peers (%zu, at most %u)", n->name, strv_length(n->peers),
                            NETWORK_VXLAN_PEERS_MAX);
        STRV_FOREACH(p, n->peers)
                if (in_addr_from_string(n->local_family, *p, NULL, &start) < 0)
                        return fail(ret_error, "Network %s: invalid peer \"%s\" (an %s address, as local)", n->name,
                                    *p, n->local_family == AF_INET ? "IPv4" : "IPv6");
        /* Shares of IPv4 only: the IPv6 ULA prefix differs from host to host. */
        if (n->subnet4.family == 0 || n->subnet6.family != 0)
                return fail(ret_error, "Network %s: a vxlan network has an IPv4 subnet and no subnet6 (yet)", n->name);
        r = network_vxlan_pool(&n->subnet4, n->local_family, &n->local, n->peers, &start, &end);
        if (r == -ENOSPC)
                return fail(ret_error, "Network %s: subnet too small for %zu hosts", n->name,
                            strv_length(n->peers) + 1);
        if (r < 0)
                return fail(ret_error, "Network %s: local %s is among the peers, or a peer is listed twice", n->name,
                            in_addr_to_string(n->local_family, &n->local, a));
        if (!n->has_pool || !in_addr_equal(AF_INET, &start, &n->pool_start) ||
            !in_addr_equal(AF_INET, &end, &n->pool_end))
                return fail(ret_error, "Network %s: pool-start and pool-end must be %s and %s (this host's share of "
                            "the subnet among its peers)", n->name, in_addr_to_string(AF_INET, &start, a),
                            in_addr_to_string(AF_INET, &end, b));
        return 0;
}

static int verify_macvlan(const NetworkConfig *n, char **ret_error) {
        if (!n->parent)
                return fail(ret_error, "Network %s: missing required key \"parent\"", n->name);
        if (!ifname_is_valid(n->parent))
                return fail(ret_error, "Network %s: invalid parent link name \"%s\"", n->name, n->parent);
        if (n->bridge || n->nat || n->dns || n->domain)
                return fail(ret_error, "Network %s: bridge, nat, dns and domain are for bridge networks", n->name);
        if (n->mode < 0 || n->mode >= _NETWORK_MACVLAN_MODE_MAX)
                return fail(ret_error, "Network %s: invalid macvlan mode", n->name);
        if (n->host_access && n->subnet4.family == 0 && n->subnet6.family == 0)
                return fail(ret_error, "Network %s: host-access needs the LAN's subnet (or subnet6)", n->name);
        if (n->vni || n->local_family || n->peers || n->has_pool)
                return fail(ret_error, "Network %s: vni, local, peers, pool-start and pool-end are for vxlan "
                            "networks", n->name);
        return 0;
}

int network_config_verify(const NetworkConfig *n, char **ret_error) {
        int r;

        assert(n);
        if (ret_error)
                *ret_error = NULL;
        if (!n->name)
                return fail(ret_error, "Missing required key \"name\"");
        if (!network_name_is_valid(n->name))
                return fail(ret_error, "Invalid network name \"%s\"", n->name);
        if (n->type < 0 || n->type >= _NETWORK_TYPE_MAX)
                return fail(ret_error, "Network %s: missing or invalid type (bridge, macvlan or vxlan)", n->name);
        if (n->mtu != 0 && (n->mtu < 68 || n->mtu > 65535))
                return fail(ret_error, "Network %s: invalid mtu %u (68 to 65535)", n->name, n->mtu);
        r = verify_family(n, &n->subnet4, n->has_gateway4, &n->gateway4, "subnet", ret_error);
        if (r < 0)
                return r;
        r = verify_family(n, &n->subnet6, n->has_gateway6, &n->gateway6, "subnet6", ret_error);
        if (r < 0)
                return r;
        switch (n->type) {
        case NETWORK_BRIDGE:
                return verify_bridge(n, ret_error);
        case NETWORK_VXLAN:
                return verify_vxlan(n, ret_error);
        default:
                return verify_macvlan(n, ret_error);
        }
}

/* ------------------------------------------------------------------------------------------------
 * Attachments */

void container_network_done(ContainerNetwork *n) {
        n->name = mfree(n->name);
}

void container_networks_free(ContainerNetwork *l, size_t n) {
        for (size_t i = 0; i < n; i++)
                container_network_done(&l[i]);
        free(l);
}

int container_networks_copy(const ContainerNetwork *l, size_t n, ContainerNetwork **ret) {
        ContainerNetwork *c;

        if (n == 0) {
                *ret = NULL;
                return 0;
        }
        c = calloc(n, sizeof(ContainerNetwork));
        if (!c)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                c[i] = l[i];
                c[i].name = strdup(l[i].name);
                if (!c[i].name) {
                        container_networks_free(c, i);
                        return -ENOMEM;
                }
        }
        *ret = c;
        return 0;
}

const char *ether_addr_to_str(const struct ether_addr *a, char buf[static ETHER_ADDR_STRLEN]) {
        const uint8_t *m = a->ether_addr_octet;

        (void) snprintf(buf, ETHER_ADDR_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
                        m[5]);
        return buf;
}

static int hex_digit(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -EINVAL;
}

int ether_addr_from_str(const char *s, struct ether_addr *ret) {
        struct ether_addr a;

        /* Exactly "xx:xx:xx:xx:xx:xx": ether_aton() also takes "1:2:3:4:5:6". */
        if (!s || strlen(s) != ETHER_ADDR_STRLEN - 1)
                return -EINVAL;
        for (size_t i = 0; i < 6; i++) {
                int hi = hex_digit(s[i * 3]), lo = hex_digit(s[i * 3 + 1]);

                if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':'))
                        return -EINVAL;
                a.ether_addr_octet[i] = (uint8_t) (hi << 4 | lo);
        }
        if (a.ether_addr_octet[0] & 0x01)
                return -EINVAL;         /* multicast: never an interface's own address */
        *ret = a;
        return 0;
}

/* One "key=value" of an attachment. */
static int attachment_option(ContainerNetwork *n, const char *kv, char **ret_error) {
        const char *eq = strchr(kv, '=');
        const char *v = eq ? eq + 1 : NULL;

        if (eq && strneq(kv, "ip=", 3)) {
                if (n->has_ip4 || in_addr_from_string(AF_INET, v, NULL, &n->ip4) < 0)
                        return fail(ret_error, "Invalid IPv4 address \"%s\" for network %s", v, n->name);
                n->has_ip4 = true;
        } else if (eq && strneq(kv, "ip6=", 4)) {
                if (n->has_ip6 || in_addr_from_string(AF_INET6, v, NULL, &n->ip6) < 0)
                        return fail(ret_error, "Invalid IPv6 address \"%s\" for network %s", v, n->name);
                n->has_ip6 = true;
        } else if (eq && strneq(kv, "mac=", 4)) {
                if (n->has_mac || ether_addr_from_str(v, &n->mac) < 0)
                        return fail(ret_error, "Invalid MAC address \"%s\" for network %s (expected a unicast "
                                    "address such as 52:54:00:12:34:56)", v, n->name);
                n->has_mac = true;
        } else
                return fail(ret_error, "Invalid setting \"%s\" for network %s (known: ip=, ip6=, mac=)", kv,
                            n->name);
        return 0;
}

static int attachment_parse(const char *s, ContainerNetwork *ret, char **ret_error) {
        _cleanup_(container_network_done) ContainerNetwork n = {};
        _cleanup_free_ char *copy = strdup(s);
        char *colon, *save = NULL;
        int r;

        if (!copy)
                return -ENOMEM;
        colon = strchr(copy, ':');
        if (colon)
                *colon = '\0';
        if (!network_name_is_valid(copy))
                return fail(ret_error, "Invalid network name \"%s\"", copy);
        n.name = strdup(copy);
        if (!n.name)
                return -ENOMEM;
        if (colon) {
                if (isempty(colon + 1))
                        return fail(ret_error, "Nothing after \"%s:\" (expected ip=, ip6= or mac=)", n.name);
                for (char *kv = strtok_r(colon + 1, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
                        r = attachment_option(&n, kv, ret_error);
                        if (r < 0)
                                return r;
                }
        }
        *ret = n;
        n = (ContainerNetwork) {};
        return 0;
}

int network_attachment_from_string(const char *s, NetworkMode *ret_mode, ContainerNetwork *ret,
                                   char **ret_container, char **ret_error) {
        const char *other;

        if (ret_error)
                *ret_error = NULL;
        if (isempty(s))
                return fail(ret_error, "Empty network");
        *ret = (ContainerNetwork) {};
        *ret_container = NULL;
        if (streq(s, NETWORK_MODE_HOST_WORD) || streq(s, NETWORK_MODE_NONE_WORD)) {
                *ret_mode = streq(s, NETWORK_MODE_HOST_WORD) ? NETWORK_MODE_HOST : NETWORK_MODE_NONE;
                return 0;
        }
        other = startswith(s, NETWORK_MODE_CONTAINER_PREFIX);
        if (other) {
                if (!container_name_is_valid(other))
                        return fail(ret_error, "Invalid container name \"%s\" in \"%s\"", other, s);
                *ret_container = strdup(other);
                if (!*ret_container)
                        return -ENOMEM;
                *ret_mode = NETWORK_MODE_CONTAINER;
                return 0;
        }
        *ret_mode = NETWORK_MODE_PRIVATE;
        return attachment_parse(s, ret, ret_error);
}

int network_attachment_to_string(const ContainerNetwork *n, char **ret) {
        char a[IN_ADDR_STRLEN], b[IN_ADDR_STRLEN], m[ETHER_ADDR_STRLEN];
        const char *sep = ":";
        char *s;

        if (asprintf(&s, "%s%s%s%s%s%s%s%s%s%s", n->name,
                     n->has_ip4 ? sep : "", n->has_ip4 ? "ip=" : "", n->has_ip4 ? in_addr_to_string(AF_INET, &n->ip4, a) : "",
                     n->has_ip6 ? (n->has_ip4 ? "," : sep) : "", n->has_ip6 ? "ip6=" : "",
                     n->has_ip6 ? in_addr_to_string(AF_INET6, &n->ip6, b) : "",
                     n->has_mac ? (n->has_ip4 || n->has_ip6 ? "," : sep) : "", n->has_mac ? "mac=" : "",
                     n->has_mac ? ether_addr_to_str(&n->mac, m) : "") < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}
