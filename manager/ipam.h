/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "in-addr-util.h"

/* IP address management of sysctr's networks: which subnets a network may have, which addresses a
 * container may get, and picking free ones. Pure logic on common/in-addr-util.h; the state (which
 * subnets and addresses are taken) belongs to the caller, which hands it in as plain arrays.
 *
 * Functions that check user input return a negative errno and, through ret_reason (may be NULL),
 * a static English phrase saying what is wrong, for a message that also names the bad value:
 *     "Invalid subnet 10.88.0.1/24: host bits are set". */

/* Bounds of subnet prefix lengths, for bridges and the LANs of macvlan networks alike. IPv4: /8 to
 * /30 (a /31 or /32 has no room for a gateway and a container besides the network and broadcast
 * addresses). IPv6: /48 to /120; /64 is what SLAAC and most guests expect, and what sysctr picks. */
#define IPAM_IPV4_PREFIX_MIN 8U
#define IPAM_IPV4_PREFIX_MAX 30U
#define IPAM_IPV6_PREFIX_MIN 48U
#define IPAM_IPV6_PREFIX_MAX 120U

/* Where sysctr looks for a free subnet when the user gives none: 10.88.0.0/24, 10.88.1.0/24, ...
 * up to 10.95.255.0/24 (2048 networks), skipping what overlaps anything taken. IPv6: /64s of the
 * host's ULA /48 (fdXX:XXXX:XXXX::/48, RFC 4193), subnet IDs from 0. */
#define IPAM_POOL_IPV4 "10.88.0.0/13"
#define IPAM_POOL_IPV4_PREFIXLEN 24U
#define IPAM_POOL_IPV6_PREFIXLEN 64U

/* A subnet as the user writes it: "10.88.0.0/24", "fd42:1:2:3::/64". Strict: the host bits must be
 * zero, the prefix length within the bounds above, and the range usable for hosts (not loopback,
 * link-local, multicast, unspecified, IPv4-mapped, or 0.0.0.0/8 / 240.0.0.0/4). family: AF_INET,
 * AF_INET6 or AF_UNSPEC. */
int ipam_subnet_from_string(const char *s, int family, InAddrPrefix *ret, const char **ret_reason);
/* The same checks on a value already parsed (e.g. read back from state). */
int ipam_subnet_check(const InAddrPrefix *subnet, const char **ret_reason);

/* True if the two share any address (same family, one contains the other's network). */
bool ipam_subnets_overlap(const InAddrPrefix *a, const InAddrPrefix *b) _pure_;
/* Index of the first of others[] that s overlaps, or -ENOENT. */
int ipam_subnet_find_overlap(const InAddrPrefix *s, const InAddrPrefix *others, size_t n_others);

/* The gateway sysctr gives a bridge: the first host address (10.88.0.1, fd42::1). */
int ipam_default_gateway(const InAddrPrefix *subnet, union in_addr_union *ret);

/* Whether a may be a container's address in subnet: inside it (-EDOM otherwise), and not the
 * network address, the IPv4 broadcast address or the gateway (-EADDRNOTAVAIL). gateway may be NULL. */
int ipam_address_check(const InAddrPrefix *subnet, const union in_addr_union *gateway,
                       const union in_addr_union *a, const char **ret_reason);

/* The lowest address of subnet that ipam_address_check() accepts and that is not in used[]
 * (entries outside the subnet are ignored). O(n_used), whatever the size of the subnet.
 * -ENOSPC when the subnet is full. */
int ipam_allocate(const InAddrPrefix *subnet, const union in_addr_union *gateway,
                  const union in_addr_union *used, size_t n_used, union in_addr_union *ret);
/* The same within host offsets first..last of subnet (a vxlan network's share on this host). */
int ipam_allocate_range(const InAddrPrefix *subnet, const union in_addr_union *gateway, uint64_t first,
                        uint64_t last, const union in_addr_union *used, size_t n_used, union in_addr_union *ret);

/* The first subnet of length prefixlen inside pool, in address order, that overlaps none of
 * taken[] (the other networks, and the host's own addresses and routes). At most 65536 candidates
 * are tried. -ENOSPC when none is free. */
int ipam_pick_subnet(const InAddrPrefix *pool, unsigned prefixlen, const InAddrPrefix *taken, size_t n_taken,
                     InAddrPrefix *ret);

/* RFC 4193 Unique Local Addresses: fd00::/8, then a 40-bit Global ID chosen at random once per host
 * (and kept in sysctr's state, so the host's networks keep their prefixes), then a 16-bit subnet ID.
 * The RFC's own algorithm (section 3.2.2) is a way to get 40 pseudo-random bits from a clock and an
 * EUI-64; getrandom(2) gives better ones directly, which section 3.2 allows. */
#define IPAM_ULA_GLOBAL_ID_SIZE 5U
#define IPAM_ULA_GLOBAL_ID_STRLEN (IPAM_ULA_GLOBAL_ID_SIZE * 2 + 1)

int ipam_ula_global_id_generate(uint8_t ret[static IPAM_ULA_GLOBAL_ID_SIZE]);
/* Exactly 10 hex digits, as kept in the state ("a1b2c3d4e5"). */
int ipam_ula_global_id_from_string(const char *s, uint8_t ret[static IPAM_ULA_GLOBAL_ID_SIZE]);
const char *ipam_ula_global_id_to_string(const uint8_t id[static IPAM_ULA_GLOBAL_ID_SIZE],
                                         char buf[static IPAM_ULA_GLOBAL_ID_STRLEN]);
/* fdXX:XXXX:XXXX::/48 of that Global ID: the pool for ipam_pick_subnet(..., 64, ...). */
void ipam_ula_prefix(const uint8_t id[static IPAM_ULA_GLOBAL_ID_SIZE], InAddrPrefix *ret);
