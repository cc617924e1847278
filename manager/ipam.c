/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <assert.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "ipam.h"

static int fail(const char *reason, const char **ret_reason, int error) {
        if (ret_reason)
                *ret_reason = reason;
        return error;
}

typedef struct Reserved {
        int family;
        const char *prefix;
        const char *reason;
} Reserved;

/* Ranges no network of containers may use: they mean something else to every host on the path. */
static const Reserved reserved[] = {
        { AF_INET, "0.0.0.0/8", "0.0.0.0/8 means \"this network\" (RFC 1122)" },
        { AF_INET, "127.0.0.0/8", "it is loopback" },
        { AF_INET, "169.254.0.0/16", "it is link-local" },
        { AF_INET, "224.0.0.0/4", "it is multicast" },
        { AF_INET, "240.0.0.0/4", "it is reserved (240.0.0.0/4)" },
        { AF_INET6, "::/96", "it is unspecified, loopback or IPv4-compatible" },
        { AF_INET6, "::ffff:0:0/96", "it is IPv4-mapped" },
        { AF_INET6, "fe80::/10", "it is link-local" },
        { AF_INET6, "ff00::/8", "it is multicast" },
};

int ipam_subnet_check(const InAddrPrefix *s, const char **ret_reason) {
        unsigned min = s->family == AF_INET ? IPAM_IPV4_PREFIX_MIN : IPAM_IPV6_PREFIX_MIN;
        unsigned max = s->family == AF_INET ? IPAM_IPV4_PREFIX_MAX : IPAM_IPV6_PREFIX_MAX;

        if (s->family != AF_INET && s->family != AF_INET6)
                return fail("not an IPv4 or IPv6 subnet", ret_reason, -EAFNOSUPPORT);
        if (s->prefixlen < min)
                return fail(s->family == AF_INET ? "the prefix is shorter than /8"
                                                 : "the prefix is shorter than /48",
                            ret_reason, -ERANGE);
        if (s->prefixlen > max)
                return fail(s->family == AF_INET
                                    ? "the prefix is longer than /30: no room for a gateway and a container"
                                    : "the prefix is longer than /120",
                            ret_reason, -ERANGE);
        if (!in_addr_prefix_is_network(s))
                return fail("host bits are set", ret_reason, -EINVAL);

        for (size_t i = 0; i < ELEMENTSOF(reserved); i++) {
                InAddrPrefix r;

                if (reserved[i].family != s->family)
                        continue;
                assert(in_addr_prefix_from_string(reserved[i].family, reserved[i].prefix, &r) >= 0);
                if (ipam_subnets_overlap(s, &r))
                        return fail(reserved[i].reason, ret_reason, -EADDRNOTAVAIL);
        }
        return 0;
}

int ipam_subnet_from_string(const char *s, int family, InAddrPrefix *ret, const char **ret_reason) {
        InAddrPrefix p;
        int r;

        r = in_addr_prefix_from_string(family, s, &p);
        if (r == -ERANGE)
                return fail("the prefix length is out of range", ret_reason, r);
        if (r < 0)
                return fail(family == AF_INET    ? "not an IPv4 subnet (ADDRESS/LENGTH)"
                            : family == AF_INET6 ? "not an IPv6 subnet (ADDRESS/LENGTH)"
                                                 : "not a subnet (ADDRESS/LENGTH)",
                            ret_reason, r);
        r = ipam_subnet_check(&p, ret_reason);
        if (r < 0)
                return r;
        *ret = p;
        return 0;
}

bool ipam_subnets_overlap(const InAddrPrefix *a, const InAddrPrefix *b) {
        InAddrPrefix shorter;

        if (a->family != b->family)
                return false;
        shorter = a->prefixlen <= b->prefixlen ? *a : *b;
        return in_addr_prefix_contains(&shorter, a->family,
                                       a->prefixlen <= b->prefixlen ? &b->address : &a->address);
}

int ipam_subnet_find_overlap(const InAddrPrefix *s, const InAddrPrefix *others, size_t n_others) {
        for (size_t i = 0; i < n_others; i++)
                if (ipam_subnets_overlap(s, &others[i]))
                        return (int) i;
        return -ENOENT;
}

/* The host offsets that may be handed out: 1 .. last. IPv4 drops the broadcast address; IPv6 has
 * none, but offset 0 is the Subnet-Router anycast address there (RFC 4291 2.6.1). Past 64 host
 * bits, an allocator never gets beyond the low 64 anyway. */
static uint64_t last_host_offset(const InAddrPrefix *subnet) {
        unsigned host_bits = in_addr_bits(subnet->family) - subnet->prefixlen;
        uint64_t last = host_bits >= 64 ? UINT64_MAX : (UINT64_C(1) << host_bits) - 1;

        return subnet->family == AF_INET ? last - 1 : last;
}

int ipam_default_gateway(const InAddrPrefix *subnet, union in_addr_union *ret) {
        if (last_host_offset(subnet) < 1)
                return -ERANGE;
        return in_addr_from_offset(subnet, 1, ret);
}

int ipam_address_check(const InAddrPrefix *subnet, const union in_addr_union *gateway,
                       const union in_addr_union *a, const char **ret_reason) {
        uint64_t offset;

        if (!in_addr_prefix_contains(subnet, subnet->family, a))
                return fail("it is outside the network's subnet", ret_reason, -EDOM);
        if (gateway && in_addr_equal(subnet->family, gateway, a))
                return fail("it is the network's gateway", ret_reason, -EADDRNOTAVAIL);

        /* Past the low 64 bits (IPv6 prefixes shorter than /64), any high bit set is fine. */
        offset = in_addr_host_offset(subnet->family, a, subnet->prefixlen);
        if (offset == 0) {
                union in_addr_union network = subnet->address;

                in_addr_mask(subnet->family, &network, subnet->prefixlen);
                if (in_addr_equal(subnet->family, &network, a))
                        return fail("it is the network address", ret_reason, -EADDRNOTAVAIL);
        }
        if (subnet->family == AF_INET && offset == last_host_offset(subnet) + 1)
                return fail("it is the broadcast address", ret_reason, -EADDRNOTAVAIL);
        return 0;
}

int ipam_allocate(const InAddrPrefix *subnet, const union in_addr_union *gateway,
                  const union in_addr_union *used, size_t n_used, union in_addr_union *ret) {
        return ipam_allocate_range(subnet, gateway, 1, last_host_offset(subnet), used, n_used, ret);
}

int ipam_allocate_range(const InAddrPrefix *subnet, const union in_addr_union *gateway, uint64_t first,
                        uint64_t last, const union in_addr_union *used, size_t n_used, union in_addr_union *ret) {
        _cleanup_free_ bool *taken = NULL;
        uint64_t limit;

        /* Pigeonhole: among offsets first..first+n_used+1 at most n_used + 1 are taken (the used ones
         * and the gateway), so the lowest free offset is one of them, unless the range ends first. */
        if (first < 1 || last > last_host_offset(subnet) || first > last)
                return first > last ? -ENOSPC : -EINVAL;
        limit = MIN(last, first + (uint64_t) n_used + 1);
        taken = calloc(limit - first + 1, sizeof(bool));
        if (!taken)
                return -ENOMEM;

        for (size_t i = 0; i <= n_used; i++) {
                const union in_addr_union *a = i < n_used ? &used[i] : gateway;
                uint64_t offset;

                if (!a || !in_addr_prefix_contains(subnet, subnet->family, a))
                        continue;
                /* With more than 64 host bits, an address collides with a candidate only if its
                 * host bits above the low 64 are zero, as the candidates' are. */
                if (subnet->family == AF_INET6 && subnet->prefixlen < 64) {
                        union in_addr_union high = *a, network = subnet->address;

                        in_addr_mask(AF_INET6, &high, 64);
                        in_addr_mask(AF_INET6, &network, 64);
                        if (!in_addr_equal(AF_INET6, &high, &network))
                                continue;
                }
                offset = in_addr_host_offset(subnet->family, a, subnet->prefixlen);
                if (offset >= first && offset <= limit)
                        taken[offset - first] = true;
        }

        for (uint64_t o = first; o <= limit; o++)
                if (!taken[o - first])
                        return in_addr_from_offset(subnet, o, ret);
        return -ENOSPC;
}

int ipam_pick_subnet(const InAddrPrefix *pool, unsigned prefixlen, const InAddrPrefix *taken, size_t n_taken,
                     InAddrPrefix *ret) {
        unsigned bits = in_addr_bits(pool->family);
        uint64_t count;

        if (bits == 0 || prefixlen < pool->prefixlen || prefixlen > bits)
                return -EINVAL;
        /* Candidates: pool's network plus i << (bits - prefixlen), i < 2^(prefixlen - poollen). */
        count = prefixlen - pool->prefixlen >= 16 ? 65536 : UINT64_C(1) << (prefixlen - pool->prefixlen);

        for (uint64_t i = 0; i < count; i++) {
                InAddrPrefix c = { .family = pool->family,
                                   .address = pool->address,
                                   .prefixlen = prefixlen };
                unsigned shift = bits - prefixlen;

                in_addr_mask(pool->family, &c.address, pool->prefixlen);
                /* Add i at bit position `shift`, byte by byte from the right. */
                for (uint64_t v = i, pos = shift; v > 0; v >>= 1, pos++)
                        if (v & 1)
                                c.address.bytes[(bits - 1 - pos) / 8] |= (uint8_t) (1u << (pos % 8));
                if (ipam_subnet_find_overlap(&c, taken, n_taken) >= 0)
                        continue;
                *ret = c;
                return 0;
        }
        return -ENOSPC;
}

int ipam_ula_global_id_generate(uint8_t ret[static IPAM_ULA_GLOBAL_ID_SIZE]) {
        ssize_t n = getrandom(ret, IPAM_ULA_GLOBAL_ID_SIZE, 0);

        if (n < 0)
                return -errno;
        return n == IPAM_ULA_GLOBAL_ID_SIZE ? 0 : -EIO;
}

static int unhex(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -EINVAL;
}

int ipam_ula_global_id_from_string(const char *s, uint8_t ret[static IPAM_ULA_GLOBAL_ID_SIZE]) {
        uint8_t id[IPAM_ULA_GLOBAL_ID_SIZE];

        if (!s || strlen(s) != IPAM_ULA_GLOBAL_ID_SIZE * 2)
                return -EINVAL;
        for (size_t i = 0; i < IPAM_ULA_GLOBAL_ID_SIZE; i++) {
                int hi = unhex(s[2 * i]), lo = unhex(s[2 * i + 1]);

                if (hi < 0 || lo < 0)
                        return -EINVAL;
                id[i] = (uint8_t) (hi << 4 | lo);
        }
        memcpy(ret, id, sizeof(id));
        return 0;
}

const char *ipam_ula_global_id_to_string(const uint8_t id[static IPAM_ULA_GLOBAL_ID_SIZE],
                                         char buf[static IPAM_ULA_GLOBAL_ID_STRLEN]) {
        for (size_t i = 0; i < IPAM_ULA_GLOBAL_ID_SIZE; i++)
                snprintf(buf + 2 * i, 3, "%02x", id[i]);
        return buf;
}

void ipam_ula_prefix(const uint8_t id[static IPAM_ULA_GLOBAL_ID_SIZE], InAddrPrefix *ret) {
        *ret = (InAddrPrefix) { .family = AF_INET6, .prefixlen = 48 };
        ret->address.bytes[0] = 0xfd; /* fc00::/7 with the L bit set: locally assigned */
        memcpy(ret->address.bytes + 1, id, IPAM_ULA_GLOBAL_ID_SIZE);
}
