/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <net/ethernet.h>
#include <stdbool.h>
#include <stdint.h>

#include "in-addr-util.h"

/* DNS and DHCP of one bridge network: sysctrd runs one dnsmasq per bridge with a configuration this
 * module writes, as text (checked by tests/unit/test-dnsmasq-config.c, and by "dnsmasq --test").
 *
 * Decisions (docs/networking.md has them with the reasons):
 * - dnsmasq binds only the bridge's own addresses (interface= with bind-dynamic, except-interface=lo),
 *   never 0.0.0.0:53: the host's own resolver and other networks' dnsmasqs keep their ports.
 * - Names: each container as NAME.DOMAIN (the network's name unless it names a domain) and NAME, from a hosts file that sysctrd writes
 *   (addn-hosts=, reread on SIGHUP). The host's /etc/hosts is not served to containers (no-hosts):
 *   it holds the host's private names. Queries for NETWORK never go upstream (local=/NETWORK/), and
 *   neither do plain names (domain-needed) nor private reverse lookups (bogus-priv).
 * - Upstream: the servers the caller lists, or else the nameserver lines of a resolv.conf (the host's
 *   /etc/resolv.conf by default); dnsmasq reads nothing else from it.
 * - DHCP hands out static leases only (dhcp-range=...,static): one per container, keyed by its MAC,
 *   with the address sysctr allocated, so a guest that runs its own DHCP client ends up with the
 *   same address sysctr configured. sysctr is the only allocator of the subnet: there is no
 *   dynamic pool to collide with. The leases are in a file of their own (dhcp-hostsfile=, reread on
 *   SIGHUP), so a container joining or leaving never restarts dnsmasq.
 * - IPv6: router advertisements that tell guests to ask DHCPv6 (enable-ra, managed), and the same
 *   static leases over DHCPv6 (dnsmasq matches the MAC of clients on the link). */

typedef struct DnsmasqHost {
        const char *name; /* the container's name: NAME and NAME.NETWORK */
        bool has_mac;     /* without a MAC: DNS only, no static lease */
        struct ether_addr mac;
        bool has_in4, has_in6;
        struct in_addr in4;
        struct in6_addr in6;
} DnsmasqHost;

typedef struct DnsmasqNetwork {
        const char *name;                       /* the network's name */
        const char *domain;                     /* the containers' DNS domain; NULL: the name */
        const char *ifname;                     /* its bridge */
        InAddrPrefix subnet4, subnet6;          /* family 0: none (at least one is required) */
        union in_addr_union gateway4, gateway6; /* the bridge's addresses in them */
        uint32_t lease_seconds;                 /* 0: one hour */
        /* Absolute paths, chosen by the caller (the runtime directory of the network). */
        const char *pid_file, *lease_file, *hosts_file, *dhcp_hosts_file;
        /* Upstream DNS servers (IPv4 or IPv6 addresses); NULL: the nameservers of resolv_file. */
        char * const *servers;
        const char *resolv_file; /* NULL: /etc/resolv.conf */
        /* The bridge is shared with other hosts' dnsmasqs (a vxlan network): answer only for our own
         * containers, never NAK another host's (so not dhcp-authoritative). */
        bool shared_link;
} DnsmasqNetwork;

/* The main configuration file. -EINVAL if a value is unusable (a bad name, a path that is not
 * absolute or holds a control character, a gateway outside its subnet, a server that is not an
 * address). */
int dnsmasq_config_build(const DnsmasqNetwork *n, char **ret);

/* The hosts file (addn-hosts=): "ADDRESS NAME.DOMAIN NAME" per address of each host. -EDOM if an
 * address is outside the network's subnets, -EINVAL for a bad name. */
int dnsmasq_hosts_build(const DnsmasqNetwork *n, const DnsmasqHost *hosts, size_t n_hosts, char **ret);

/* The static leases (dhcp-hostsfile=): "MAC,IPV4,[IPV6],NAME" per host that has a MAC. */
int dnsmasq_dhcp_hosts_build(const DnsmasqNetwork *n, const DnsmasqHost *hosts, size_t n_hosts, char **ret);

/* The command line that runs dnsmasq on that configuration, in the foreground (sysctrd supervises it
 * and collects its log from stderr). --conf-file on the command line keeps dnsmasq from reading
 * /etc/dnsmasq.conf and /etc/dnsmasq.d, which belong to a system-wide dnsmasq if there is one. */
int dnsmasq_argv(const char *binary, const char *config_path, char ***ret);
