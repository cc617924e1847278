/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

/* IPv4 and IPv6 addresses and prefixes, the one representation that the network code shares: the
 * agent (addresses of a container's links, common/rtnl.h), sysctrd (manager/ipam.h, the nft ruleset,
 * dnsmasq) and the config. Pure functions, no allocation. */

union in_addr_union {
        struct in_addr in;
        struct in6_addr in6;
        uint8_t bytes[16];
};

/* An address with a prefix length: an interface address ("10.88.0.2/24", host bits set) or a
 * subnet ("10.88.0.0/24"); which one is up to the user of the value (manager/ipam.h is strict
 * about subnets). family is AF_INET or AF_INET6; 0 means "none" in structs with optional values. */
typedef struct InAddrPrefix {
        int family;
        union in_addr_union address;
        unsigned char prefixlen;
} InAddrPrefix;

/* "255.255.255.255/32" and "ffff:...:ffff/128" with the terminating NUL. */
#define IN_ADDR_STRLEN INET6_ADDRSTRLEN
#define IN_ADDR_PREFIX_STRLEN (INET6_ADDRSTRLEN + 4)

/* 4 or 16; 0 for any other family. */
size_t in_addr_size(int family) _const_;
unsigned in_addr_bits(int family) _const_;

/* family AF_INET, AF_INET6 or AF_UNSPEC (either, the result's family in *ret_family, which may be
 * NULL if family is given). Only the plain numeric forms: no "%zone", no brackets, no spaces,
 * no shortened IPv4 forms such as "10.1" (inet_pton's rules). -EINVAL otherwise. */
int in_addr_from_string(int family, const char *s, int *ret_family, union in_addr_union *ret);

/* "ADDRESS/LEN" with 0 <= LEN <= 32 or 128, decimal without sign or leading zeros; a missing
 * "/LEN" is an error (a bare address is never a prefix by accident). Host bits are kept. */
int in_addr_prefix_from_string(int family, const char *s, InAddrPrefix *ret);

const char *in_addr_to_string(int family, const union in_addr_union *a, char buf[static IN_ADDR_STRLEN]);
const char *in_addr_prefix_to_string(const InAddrPrefix *p, char buf[static IN_ADDR_PREFIX_STRLEN]);

bool in_addr_equal(int family, const union in_addr_union *a, const union in_addr_union *b) _pure_;
bool in_addr_is_null(int family, const union in_addr_union *a) _pure_;

/* The network address: host bits cleared. */
void in_addr_mask(int family, union in_addr_union *a, unsigned prefixlen);
/* True if a lies inside p (same family, same bits under p's prefix). */
bool in_addr_prefix_contains(const InAddrPrefix *p, int family, const union in_addr_union *a) _pure_;
/* True if p's host bits are all zero. */
bool in_addr_prefix_is_network(const InAddrPrefix *p) _pure_;

/* The host part of a (relative to prefixlen) as a number, and back: network + offset. Only the
 * low 64 bits of the host part count, which is all an allocator ever walks: offset_set returns
 * -ERANGE if offset does not fit in the host part. */
uint64_t in_addr_host_offset(int family, const union in_addr_union *a, unsigned prefixlen) _pure_;
int in_addr_from_offset(const InAddrPrefix *network, uint64_t offset, union in_addr_union *ret);
