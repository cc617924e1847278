/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <assert.h>
#include <sys/socket.h>

#include "in-addr-util.h"

size_t in_addr_size(int family) {
        return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

unsigned in_addr_bits(int family) {
        return in_addr_size(family) * 8;
}

int in_addr_from_string(int family, const char *s, int *ret_family, union in_addr_union *ret) {
        union in_addr_union a = {};

        if (isempty(s))
                return -EINVAL;
        if (family == AF_UNSPEC) {
                family = strchr(s, ':') ? AF_INET6 : AF_INET;
                assert(ret_family);
        } else if (family != AF_INET && family != AF_INET6)
                return -EAFNOSUPPORT;

        /* inet_pton() takes only the numeric forms: "10.1", "0x0a.0.0.1" and " 10.0.0.1" fail. */
        if (inet_pton(family, s, &a) != 1)
                return -EINVAL;
        if (ret_family)
                *ret_family = family;
        if (ret)
                *ret = a;
        return 0;
}

static int parse_prefixlen(const char *s, unsigned max, unsigned char *ret) {
        unsigned v = 0;

        /* Plain decimal: no sign, no spaces, no leading zero (so "024" is not silently 24). */
        if (isempty(s) || strlen(s) > 3 || (s[0] == '0' && s[1]))
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned) (*p - '0');
        }
        if (v > max)
                return -ERANGE;
        *ret = (unsigned char) v;
        return 0;
}

int in_addr_prefix_from_string(int family, const char *s, InAddrPrefix *ret) {
        char buf[IN_ADDR_PREFIX_STRLEN];
        InAddrPrefix p = {};
        const char *slash;
        int r;

        if (isempty(s))
                return -EINVAL;
        slash = strchr(s, '/');
        if (!slash || (size_t) (slash - s) >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, slash - s);
        buf[slash - s] = '\0';

        r = in_addr_from_string(family, buf, &p.family, &p.address);
        if (r < 0)
                return r;
        r = parse_prefixlen(slash + 1, in_addr_bits(p.family), &p.prefixlen);
        if (r < 0)
                return r;
        *ret = p;
        return 0;
}

const char *in_addr_to_string(int family, const union in_addr_union *a, char buf[static IN_ADDR_STRLEN]) {
        if (!inet_ntop(family, a, buf, IN_ADDR_STRLEN))
                return "(invalid)";
        return buf;
}

const char *in_addr_prefix_to_string(const InAddrPrefix *p, char buf[static IN_ADDR_PREFIX_STRLEN]) {
        char a[IN_ADDR_STRLEN];

        snprintf(buf, IN_ADDR_PREFIX_STRLEN, "%s/%u", in_addr_to_string(p->family, &p->address, a),
                 p->prefixlen);
        return buf;
}

bool in_addr_equal(int family, const union in_addr_union *a, const union in_addr_union *b) {
        size_t n = in_addr_size(family);

        return n > 0 && memcmp(a->bytes, b->bytes, n) == 0;
}

bool in_addr_is_null(int family, const union in_addr_union *a) {
        static const union in_addr_union null = {};

        return in_addr_equal(family, a, &null);
}

void in_addr_mask(int family, union in_addr_union *a, unsigned prefixlen) {
        size_t n = in_addr_size(family);

        assert(prefixlen <= n * 8);
        for (size_t i = 0; i < n; i++) {
                unsigned bits = prefixlen > i * 8 ? prefixlen - i * 8 : 0;

                if (bits < 8)
                        a->bytes[i] &= (uint8_t) (0xff00u >> bits);
        }
}

bool in_addr_prefix_contains(const InAddrPrefix *p, int family, const union in_addr_union *a) {
        union in_addr_union x = *a, y = p->address;

        if (family != p->family)
                return false;
        in_addr_mask(family, &x, p->prefixlen);
        in_addr_mask(family, &y, p->prefixlen);
        return in_addr_equal(family, &x, &y);
}

bool in_addr_prefix_is_network(const InAddrPrefix *p) {
        union in_addr_union x = p->address;

        in_addr_mask(p->family, &x, p->prefixlen);
        return in_addr_equal(p->family, &x, &p->address);
}

uint64_t in_addr_host_offset(int family, const union in_addr_union *a, unsigned prefixlen) {
        size_t n = in_addr_size(family);
        unsigned host_bits = n * 8 - prefixlen;
        uint64_t v = 0;

        /* The last (up to) 8 bytes, big endian, then only the host bits of them. */
        for (size_t i = n > 8 ? n - 8 : 0; i < n; i++)
                v = (v << 8) | a->bytes[i];
        if (host_bits < 64)
                v &= (UINT64_C(1) << host_bits) - 1;
        return v;
}

int in_addr_from_offset(const InAddrPrefix *network, uint64_t offset, union in_addr_union *ret) {
        size_t n = in_addr_size(network->family);
        unsigned host_bits = n * 8 - network->prefixlen;
        union in_addr_union a = network->address;

        if (host_bits < 64 && offset >> host_bits != 0)
                return -ERANGE;
        in_addr_mask(network->family, &a, network->prefixlen);
        for (size_t i = n; i > 0 && offset > 0; i--, offset >>= 8)
                a.bytes[i - 1] |= (uint8_t) (offset & 0xff);
        *ret = a;
        return 0;
}
