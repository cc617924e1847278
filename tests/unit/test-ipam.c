/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <assert.h>
#include <sys/socket.h>
#include <time.h>

#include "ipam.h"
#include "tap.h"

static InAddrPrefix prefix(const char *s) {
        InAddrPrefix p;

        assert(in_addr_prefix_from_string(AF_UNSPEC, s, &p) == 0);
        return p;
}

static union in_addr_union addr(const char *s) {
        union in_addr_union a;
        int family;

        assert(in_addr_from_string(AF_UNSPEC, s, &family, &a) == 0);
        return a;
}

static const char *fmt(int family, const union in_addr_union *a) {
        static char buf[IN_ADDR_STRLEN];

        return in_addr_to_string(family, a, buf);
}

static void test_subnets(void) {
        static const char * const good[] = { "10.88.0.0/24",  "10.0.0.0/8",      "192.168.1.0/30",
                                             "172.16.0.0/12", "fd42:1:2:3::/64", "2001:db8::/48",
                                             "fd00::/120" };
        static const struct {
                const char *s;
                int error;
        } bad[] = {
                { "10.88.0.1/24", -EINVAL },        { "10.88.0.0/31", -ERANGE },
                { "10.88.0.0/32", -ERANGE },        { "10.0.0.0/7", -ERANGE },
                { "127.0.0.0/8", -EADDRNOTAVAIL },  { "169.254.0.0/16", -EADDRNOTAVAIL },
                { "224.0.0.0/24", -EADDRNOTAVAIL }, { "0.0.0.0/8", -EADDRNOTAVAIL },
                { "fe80::/64", -EADDRNOTAVAIL },    { "ff02::/64", -EADDRNOTAVAIL },
                { "fd42::/121", -ERANGE },          { "fd00::/40", -ERANGE },
                { "fd42::1/64", -EINVAL },          { "::ffff:0:0/96", -EADDRNOTAVAIL },
                { "10.88.0.0", -EINVAL },           { "lan0", -EINVAL },
        };
        const char *reason;
        InAddrPrefix p;

        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                ok(ipam_subnet_from_string(good[i], AF_UNSPEC, &p, NULL) == 0, "subnet %s accepted",
                   good[i]);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int r;

                reason = NULL;
                r = ipam_subnet_from_string(bad[i].s, AF_UNSPEC, &p, &reason);
                is_int(r, bad[i].error, "subnet %s refused (%s)", bad[i].s, strna(reason));
                ok(reason, "with a reason");
        }
        ok(ipam_subnet_from_string("fd42::/64", AF_INET, &p, &reason) < 0, "AF_INET refuses an IPv6 subnet");
        is_str(reason, "not an IPv4 subnet (ADDRESS/LENGTH)", "and says so");
}

static void test_overlap(void) {
        InAddrPrefix a = prefix("10.88.0.0/16"), b = prefix("10.88.4.0/24"), c = prefix("10.89.0.0/24"),
                     d = prefix("fd42::/64");
        InAddrPrefix all[] = { c, d, b };

        ok(ipam_subnets_overlap(&a, &b) && ipam_subnets_overlap(&b, &a),
           "10.88.0.0/16 and 10.88.4.0/24 overlap");
        ok(!ipam_subnets_overlap(&a, &c), "10.88.0.0/16 and 10.89.0.0/24 do not");
        ok(!ipam_subnets_overlap(&a, &d), "different families never overlap");
        ok(ipam_subnets_overlap(&a, &a), "a subnet overlaps itself");
        is_int(ipam_subnet_find_overlap(&a, all, ELEMENTSOF(all)), 2, "find the overlapping one");
        is_int(ipam_subnet_find_overlap(&c, all, 1), 0, "first match");
        is_int(ipam_subnet_find_overlap(&a, all, 2), -ENOENT, "none");
}

static void test_address_check(void) {
        InAddrPrefix s = prefix("10.88.0.0/24"), s6 = prefix("fd42::/64");
        union in_addr_union gw, gw6, a;
        const char *reason;

        ok(ipam_default_gateway(&s, &gw) == 0, "gateway of a /24");
        is_str(fmt(AF_INET, &gw), "10.88.0.1", "is the first host");
        ok(ipam_default_gateway(&s6, &gw6) == 0, "gateway of a /64");
        is_str(fmt(AF_INET6, &gw6), "fd42::1", "is ::1");

        a = addr("10.88.0.2");
        is_int(ipam_address_check(&s, &gw, &a, NULL), 0, "10.88.0.2 is fine");
        a = addr("10.88.0.254");
        is_int(ipam_address_check(&s, &gw, &a, NULL), 0, "10.88.0.254 is fine");
        a = addr("10.88.0.0");
        is_int(ipam_address_check(&s, &gw, &a, &reason), -EADDRNOTAVAIL, "network address refused");
        is_str(reason, "it is the network address", "reason");
        a = addr("10.88.0.255");
        is_int(ipam_address_check(&s, &gw, &a, &reason), -EADDRNOTAVAIL, "broadcast refused");
        is_str(reason, "it is the broadcast address", "reason");
        is_int(ipam_address_check(&s, &gw, &gw, &reason), -EADDRNOTAVAIL, "gateway refused");
        a = addr("10.88.1.2");
        is_int(ipam_address_check(&s, &gw, &a, &reason), -EDOM, "outside refused");
        a = addr("fd42::ffff:ffff:ffff:ffff");
        is_int(ipam_address_check(&s6, &gw6, &a, NULL), 0, "IPv6 has no broadcast address");
        a = addr("fd42::");
        is_int(ipam_address_check(&s6, &gw6, &a, NULL), -EADDRNOTAVAIL,
               "IPv6 subnet-router anycast refused");
}

static void test_allocate(void) {
        InAddrPrefix s = prefix("10.88.0.0/24"), s30 = prefix("10.88.0.4/30"), s6 = prefix("fd42::/64"),
                     s48 = prefix("fd42::/48");
        union in_addr_union gw = addr("10.88.0.1"), a, used[4];
        union in_addr_union *many;
        struct timespec t0, t1;
        double ms;

        ok(ipam_allocate(&s, &gw, NULL, 0, &a) == 0, "allocate from an empty /24");
        is_str(fmt(AF_INET, &a), "10.88.0.2", "lowest free is .2");

        used[0] = addr("10.88.0.2");
        used[1] = addr("10.88.0.4");
        used[2] = addr("192.168.0.3"); /* outside: ignored */
        used[3] = addr("10.88.0.3");
        ok(ipam_allocate(&s, &gw, used, 2, &a) == 0, "allocate with .2 and .4 used");
        is_str(fmt(AF_INET, &a), "10.88.0.3", "fills the hole at .3");
        ok(ipam_allocate(&s, &gw, used, 4, &a) == 0, "allocate with .2 .3 .4 used");
        is_str(fmt(AF_INET, &a), "10.88.0.5", "then .5");

        gw = addr("10.88.0.5");
        ok(ipam_allocate(&s30, &gw, NULL, 0, &a) == 0, "a /30 with its gateway at .5");
        is_str(fmt(AF_INET, &a), "10.88.0.6", "has room for .6");
        used[0] = addr("10.88.0.6");
        is_int(ipam_allocate(&s30, &gw, used, 1, &a), -ENOSPC, "and nothing more (.7 is broadcast)");

        a = addr("fd42::1");
        ok(ipam_allocate(&s6, &a, NULL, 0, &a) == 0, "allocate from a /64");
        is_str(fmt(AF_INET6, &a), "fd42::2", "fd42::2");
        gw = addr("fd42::1");
        used[0] = addr("fd42:0:0:1::2"); /* inside the /48, not inside the /64 at offset 2 */
        used[1] = addr("fd42::2");
        ok(ipam_allocate(&s48, &gw, used, 2, &a) == 0, "allocate from a /48");
        is_str(fmt(AF_INET6, &a), "fd42::3", "high host bits do not collide with low offsets");

        /* Thousands of used addresses, in reverse order, with one hole. */
        many = calloc(60000, sizeof(*many));
        assert(many);
        s = prefix("10.0.0.0/8");
        gw = addr("10.0.0.1");
        for (size_t i = 0; i < 60000; i++) {
                uint64_t off = 60001 - i; /* 60001 .. 2 */

                if (off == 40000)
                        off = 70000; /* the hole */
                assert(in_addr_from_offset(&s, off, &many[i]) == 0);
        }
        clock_gettime(CLOCK_MONOTONIC, &t0);
        ok(ipam_allocate(&s, &gw, many, 60000, &a) == 0, "allocate among 60000 used addresses");
        clock_gettime(CLOCK_MONOTONIC, &t1);
        is_str(fmt(AF_INET, &a), "10.0.156.64", "finds the hole at offset 40000");
        ms = (double) (t1.tv_sec - t0.tv_sec) * 1e3 + (double) (t1.tv_nsec - t0.tv_nsec) / 1e6;
        diag("allocation among 60000 used addresses took %.3f ms", ms);
        ok(ms < 100, "fast (%.3f ms)", ms);
        free(many);
}

static void test_allocate_range(void) {
        InAddrPrefix s = prefix("10.99.0.0/24");
        union in_addr_union gw = addr("10.99.0.128"), a, used[2];

        ok(ipam_allocate_range(&s, &gw, 128, 254, NULL, 0, &a) == 0, "allocate within a range (a vxlan share)");
        is_str(fmt(AF_INET, &a), "10.99.0.129", "its lowest free address, past the gateway at its start");
        used[0] = addr("10.99.0.2");    /* below the range: ignored */
        used[1] = addr("10.99.0.129");
        ok(ipam_allocate_range(&s, &gw, 128, 254, used, 2, &a) == 0, "with .129 used");
        is_str(fmt(AF_INET, &a), "10.99.0.130", "then .130");
        used[0] = addr("10.99.0.126");
        gw = addr("10.99.0.1");
        is_int(ipam_allocate_range(&s, &gw, 126, 126, used, 1, &a), -ENOSPC, "a full range");
        is_int(ipam_allocate_range(&s, &gw, 1, 255, NULL, 0, &a), -EINVAL, "a range past the broadcast address");
        is_int(ipam_allocate_range(&s, &gw, 0, 10, NULL, 0, &a), -EINVAL, "a range with the network address");
}

static void test_pick(void) {
        InAddrPrefix pool = prefix(IPAM_POOL_IPV4), taken[3], r;
        uint8_t id[IPAM_ULA_GLOBAL_ID_SIZE], id2[IPAM_ULA_GLOBAL_ID_SIZE];
        char buf[IN_ADDR_PREFIX_STRLEN], hex[IPAM_ULA_GLOBAL_ID_STRLEN];

        ok(ipam_pick_subnet(&pool, IPAM_POOL_IPV4_PREFIXLEN, NULL, 0, &r) == 0, "pick from an empty pool");
        is_str(in_addr_prefix_to_string(&r, buf), "10.88.0.0/24", "first subnet");
        taken[0] = prefix("10.88.0.0/24");
        taken[1] = prefix("10.88.1.128/25"); /* e.g. an address of the host */
        taken[2] = prefix("10.88.2.0/24");
        ok(ipam_pick_subnet(&pool, 24, taken, 3, &r) == 0, "pick with three taken");
        is_str(in_addr_prefix_to_string(&r, buf), "10.88.3.0/24", "skips what overlaps");
        taken[0] = prefix("10.0.0.0/8");
        is_int(ipam_pick_subnet(&pool, 24, taken, 1, &r), -ENOSPC, "pool covered by a host route");

        ok(ipam_ula_global_id_generate(id) == 0, "generate a ULA global ID");
        ok(ipam_ula_global_id_from_string(ipam_ula_global_id_to_string(id, hex), id2) == 0 &&
                   memcmp(id, id2, sizeof(id)) == 0,
           "its string form round-trips (%s)", hex);
        ok(ipam_ula_global_id_from_string("a1b2c3d4e5", id) == 0, "parse a1b2c3d4e5");
        ok(ipam_ula_global_id_from_string("a1b2c3d4e", id2) < 0, "9 digits refused");
        ok(ipam_ula_global_id_from_string("a1b2c3d4eg", id2) < 0, "non-hex refused");
        ipam_ula_prefix(id, &pool);
        is_str(in_addr_prefix_to_string(&pool, buf), "fda1:b2c3:d4e5::/48", "ULA /48 of the ID");
        ok(ipam_pick_subnet(&pool, IPAM_POOL_IPV6_PREFIXLEN, NULL, 0, &r) == 0, "pick a /64");
        is_str(in_addr_prefix_to_string(&r, buf), "fda1:b2c3:d4e5::/64", "subnet ID 0");
        taken[0] = r;
        ok(ipam_pick_subnet(&pool, 64, taken, 1, &r) == 0, "pick the next /64");
        is_str(in_addr_prefix_to_string(&r, buf), "fda1:b2c3:d4e5:1::/64", "subnet ID 1");
        ok(ipam_subnet_check(&r, NULL) == 0, "a picked ULA subnet passes the subnet check");
}

int main(void) {
        test_subnets();
        test_overlap();
        test_address_check();
        test_allocate();
        test_allocate_range();
        test_pick();
        return done_testing();
}
