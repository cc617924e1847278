/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "in-addr-util.h"
#include "macro.h"

/* A published port as users write it (--publish, "publish:" in config.yaml), Docker's syntax:
 *   "8080:80", "8080:80/udp", "127.0.0.1:8080:80/tcp", "[fd00::1]:8080:80"
 * host port 8080 (on every host address, or only on the one given) to port 80 of the container,
 * TCP unless "/udp" is said. Ports 1..65535, decimal without leading zeros. The config checks it,
 * sysctrd turns it into map elements of its nft table (manager/nft.h: NftPort is this type). */

typedef struct PortSpec {
        uint8_t protocol;                 /* IPPROTO_TCP or IPPROTO_UDP */
        int host_family;                  /* 0: every host address, both families; else only */
        union in_addr_union host_address; /* this address (and so only this family) */
        uint16_t host_port;
        uint16_t container_port;
} PortSpec;

/* -EINVAL for anything but the syntax above, -ENOMEM. */
int port_spec_from_string(const char *s, PortSpec *ret);
/* The same syntax back, always with the protocol: "[fd00::1]:8080:80/tcp". */
#define PORT_SPEC_STRLEN (IN_ADDR_STRLEN + 24)
const char *port_spec_to_string(const PortSpec *p, char buf[static PORT_SPEC_STRLEN]);
/* Two ports that cannot both be published: same protocol and host port, and host addresses that
 * meet (every address meets every address). */
bool port_specs_conflict(const PortSpec *a, const PortSpec *b) _pure_;
/* "tcp", "udp", or NULL for another protocol. */
const char *port_spec_protocol_name(uint8_t protocol) _const_;
