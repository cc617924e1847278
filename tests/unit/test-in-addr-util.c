/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <assert.h>
#include <sys/socket.h>

#include "in-addr-util.h"
#include "tap.h"

static void test_parse(void) {
        static const char * const good[] = { "10.88.0.2/24",       "0.0.0.0/0", "255.255.255.255/32",
                                             "fd42::1/64",         "::/0",      "2001:db8::/32",
                                             "::ffff:10.0.0.1/128" };
        static const char * const bad[] = { "",
                                            "10.88.0.2",
                                            "10.88.0.2/",
                                            "10.88.0.2/33",
                                            "10.88.0.2/024",
                                            "10.88.0.2/-1",
                                            "10.88.0.2/+8",
                                            "10.88/16",
                                            "10.88.0.2 /24",
                                            "fd42::1/129",
                                            "fd42::1%eth0/64",
                                            "[fd42::1]/64",
                                            "x/8",
                                            "10.88.0.2/24/1",
                                            "10.0.0.1/2 4" };
        char buf[IN_ADDR_PREFIX_STRLEN];
        InAddrPrefix p;

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                ok(in_addr_prefix_from_string(AF_UNSPEC, good[i], &p) == 0, "parse %s", good[i]);
                is_str(in_addr_prefix_to_string(&p, buf), good[i], "%s round-trips", good[i]);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ok(in_addr_prefix_from_string(AF_UNSPEC, bad[i], &p) < 0, "refuse \"%s\"", bad[i]);
        ok(in_addr_prefix_from_string(AF_INET, "fd42::/64", &p) < 0, "AF_INET refuses an IPv6 prefix");
        ok(in_addr_prefix_from_string(AF_INET6, "10.0.0.0/8", &p) < 0, "AF_INET6 refuses an IPv4 prefix");
        ok(in_addr_prefix_from_string(AF_INET6, "fd42::/64", &p) == 0 && p.family == AF_INET6,
           "AF_INET6 takes it");
}

static void test_mask_contains(void) {
        InAddrPrefix p, q;
        union in_addr_union a;
        char buf[IN_ADDR_STRLEN];
        int family;

        assert(in_addr_prefix_from_string(AF_UNSPEC, "10.88.7.9/21", &p) == 0);
        a = p.address;
        in_addr_mask(AF_INET, &a, 21);
        is_str(in_addr_to_string(AF_INET, &a, buf), "10.88.0.0", "mask /21");
        ok(!in_addr_prefix_is_network(&p), "10.88.7.9/21 is not a network");
        assert(in_addr_from_string(AF_UNSPEC, "10.88.7.255", &family, &a) == 0);
        ok(in_addr_prefix_contains(&p, AF_INET, &a), "10.88.7.255 in 10.88.0.0/21");
        assert(in_addr_from_string(AF_INET, "10.88.8.0", NULL, &a) == 0);
        ok(!in_addr_prefix_contains(&p, AF_INET, &a), "10.88.8.0 not in 10.88.0.0/21");

        assert(in_addr_prefix_from_string(AF_UNSPEC, "fd42:1:2:3::/64", &q) == 0);
        ok(in_addr_prefix_is_network(&q), "fd42:1:2:3::/64 is a network");
        assert(in_addr_from_string(AF_INET6, "fd42:1:2:3:ffff::1", NULL, &a) == 0);
        ok(in_addr_prefix_contains(&q, AF_INET6, &a), "fd42:1:2:3:ffff::1 in it");
        ok(!in_addr_prefix_contains(&q, AF_INET, &a), "a family mismatch is never contained");
        is_int(in_addr_host_offset(AF_INET6, &a, 64), 0xffff000000000001ULL, "IPv6 host offset");

        assert(in_addr_prefix_from_string(AF_UNSPEC, "10.88.0.0/24", &p) == 0);
        ok(in_addr_from_offset(&p, 254, &a) == 0, "offset 254 fits a /24");
        is_str(in_addr_to_string(AF_INET, &a, buf), "10.88.0.254", "network + 254");
        is_int(in_addr_from_offset(&p, 256, &a), -ERANGE, "offset 256 does not fit a /24");
        assert(in_addr_prefix_from_string(AF_UNSPEC, "fd00::/8", &q) == 0);
        ok(in_addr_from_offset(&q, UINT64_MAX, &a) == 0, "any 64-bit offset fits a /8");
        is_str(in_addr_to_string(AF_INET6, &a, buf), "fd00::ffff:ffff:ffff:ffff", "fd00:: + 2^64-1");
}

int main(void) {
        test_parse();
        test_mask_contains();
        return done_testing();
}
