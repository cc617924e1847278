/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <net/ethernet.h>
#include <stdbool.h>
#include <stdint.h>

#include "in-addr-util.h"
#include "macro.h"

/* The network model: a network of sysctrd (<state>/networks/NAME.yaml, the same schema as an entry
 * of a fleet file's "networks:" list, documented in man/sysctr.yaml.5), and how a container is
 * attached to networks (the "network-mode:", "networks:", "publish:" and "allow-host:" keys of its
 * config.yaml, config.h). sysctrd writes both; the agent reads both to plumb a container's links
 * by itself, so they hold everything it needs (bridge, addresses, MAC, MTU, gateways, DNS).
 *
 *   name: lan0                 # required, network_name_is_valid(), not "host", "none", "container"
 *   type: bridge               # required: bridge | macvlan
 *   bridge: lan0               # bridge: the bridge's interface name (sysctrd: the network's name)
 *   subnet: 10.88.0.0/24       # IPv4 subnet; bridge: of the bridge, macvlan: of the parent's LAN
 *   gateway: 10.88.0.1         # bridge: the bridge's own address; macvlan: the LAN's router
 *   subnet6: fdXX:...::/64     # IPv6, the same
 *   gateway6: fdXX:...::1
 *   nat: true                  # bridge: masquerade what leaves for the outside
 *   dns: true                  # bridge: run dnsmasq (DNS names, DHCP leases) on the bridge
 *   domain: lan0               # bridge with dns: the containers' DNS domain (default: the name)
 *   mtu: 1500                  # optional: MTU of the bridge and the containers' links
 *   parent: eth1               # macvlan: the host's link the containers sit on
 *   mode: bridge               # macvlan: bridge | private | vepa (default bridge)
 *   host-access: true          # macvlan: the host reaches its containers (a link of its own)
 *   vni: 4711                  # vxlan: the VXLAN network identifier, the same on every host
 *   local: 192.0.2.1           # vxlan: this host's address on the network between the hosts
 *   peers: [192.0.2.2]         # vxlan: the other hosts' addresses (every host lists all others)
 *   pool-start: 10.99.0.1      # vxlan: this host's share of the subnet (its bridge's address and its
 *   pool-end: 10.99.0.127      #   containers'), derived from its place among local and peers
 *
 * Unknown keys and wrong types are errors with "FILE:LINE: message" (config-yaml.c). */

/* Words that --network takes for the namespace modes: never network names. */
#define NETWORK_MODE_HOST_WORD "host"
#define NETWORK_MODE_NONE_WORD "none"
#define NETWORK_MODE_CONTAINER_PREFIX "container:"

typedef enum NetworkType {
        NETWORK_BRIDGE,
        NETWORK_MACVLAN,
        NETWORK_VXLAN,          /* a bridge, joined to the bridges of the same network on other hosts */
        _NETWORK_TYPE_MAX,
        _NETWORK_TYPE_INVALID = -EINVAL,
} NetworkType;

const char *network_type_to_string(NetworkType t) _const_;
NetworkType network_type_from_string(const char *s) _pure_;

/* Types whose containers sit on a bridge of the host's (veths, NAT, DNS, our nft table). */
static inline bool network_type_is_bridged(NetworkType t) {
        return t == NETWORK_BRIDGE || t == NETWORK_VXLAN;
}

/* VXLAN: IANA's UDP port (RFC 7348), the identifiers a VNI may take, the headers it adds to each
 * frame over IPv4 (outer IP 20, UDP 8, VXLAN 8, inner Ethernet 14), and so the MTU that fits a
 * 1500-byte underlay, which sysctr gives a vxlan network unless told otherwise. At most
 * NETWORK_VXLAN_PEERS_MAX peers: head-end replication sends each broadcast once per peer. */
#define NETWORK_VXLAN_PORT 4789U
#define NETWORK_VXLAN_VNI_MAX 16777215U
#define NETWORK_VXLAN_OVERHEAD 50U
#define NETWORK_VXLAN_MTU_DEFAULT (1500U - NETWORK_VXLAN_OVERHEAD)
#define NETWORK_VXLAN_PEERS_MAX 64U

/* The same order as common/rtnl.h's RtnlMacvlanMode. */
typedef enum NetworkMacvlanMode {
        NETWORK_MACVLAN_BRIDGE,
        NETWORK_MACVLAN_PRIVATE,
        NETWORK_MACVLAN_VEPA,
        _NETWORK_MACVLAN_MODE_MAX,
        _NETWORK_MACVLAN_MODE_INVALID = -EINVAL,
} NetworkMacvlanMode;

const char *network_macvlan_mode_to_string(NetworkMacvlanMode m) _const_;
NetworkMacvlanMode network_macvlan_mode_from_string(const char *s) _pure_;

typedef struct NetworkConfig {
        char *name;
        NetworkType type;
        char *bridge;
        InAddrPrefix subnet4, subnet6;          /* family 0: none */
        bool has_gateway4, has_gateway6;
        union in_addr_union gateway4, gateway6;
        bool nat;
        bool dns;
        char *domain;                           /* NULL: the name */
        uint32_t mtu;                           /* 0: the kernel's default */
        char *parent;
        NetworkMacvlanMode mode;
        bool host_access;
        /* vxlan */
        uint32_t vni;                           /* 0: not given */
        int local_family;                       /* 0: not given */
        union in_addr_union local;
        char **peers;                           /* addresses, of local's family */
        bool has_pool;                          /* IPv4: this host's share of subnet */
        union in_addr_union pool_start, pool_end;
} NetworkConfig;

NetworkConfig *network_config_new(void);
NetworkConfig *network_config_free(NetworkConfig *n);
DEFINE_TRIVIAL_CLEANUP_FUNC(NetworkConfig *, network_config_free);

/* The whole network checked (required keys, the keys of its type only, gateways inside their
 * subnets and not their network address, a bridge with at least one subnet and a gateway in each).
 * -EINVAL with *ret_error naming the bad key and value. */
int network_config_verify(const NetworkConfig *n, char **ret_error);

/* VXLAN: the VNI a network gets unless told: derived from its name (FNV-1a, folded to 24 bits,
 * never 0), so that hosts which create the network under the same name agree without talking. */
uint32_t network_vxlan_default_vni(const char *name) _pure_;

/* VXLAN: this host's share of subnet (IPv4), so that no two hosts of an overlay hand out one
 * address: the hosts (local and peers, of one family) in address order, and the subnet's host
 * addresses cut into as many equal slices; local gets the slice of its place. The first address
 * of a slice is the host's bridge's (the gateway of its containers). -EINVAL: local among peers,
 * or a peer twice; -ENOSPC: slices of fewer than 2 addresses. */
int network_vxlan_pool(const InAddrPrefix *subnet, int family, const union in_addr_union *local,
                       char * const *peers, union in_addr_union *ret_start, union in_addr_union *ret_end);

/* The DNS domain of the network's containers. */
static inline const char *network_config_domain(const NetworkConfig *n) {
        return n->domain ?: n->name;
}

/* config-yaml.c. filename is for messages only. */
int network_config_parse(const char *text, size_t size, const char *filename, NetworkConfig **ret,
                         char **ret_error);
int network_config_load(const char *path, NetworkConfig **ret, char **ret_error);
int network_config_format(const NetworkConfig *n, char **ret);
/* Atomically, mode 0644 (the agent reads it; it holds nothing secret). */
int network_config_save(const NetworkConfig *n, const char *path);

/* ------------------------------------------------------------------------------------------------
 * A container's attachment */

/* Whose network namespace the container's processes live in. */
typedef enum NetworkMode {
        NETWORK_MODE_PRIVATE,   /* its own, with a link per entry of "networks:" (none: only lo) */
        NETWORK_MODE_NONE,      /* its own with only lo, said explicitly (--network none) */
        NETWORK_MODE_HOST,      /* the host's (privileged containers only) */
        NETWORK_MODE_CONTAINER, /* that of another running container (--network container:NAME) */
        _NETWORK_MODE_MAX,
        _NETWORK_MODE_INVALID = -EINVAL,
} NetworkMode;

/* "private", "none", "host"; "container" for NETWORK_MODE_CONTAINER, written "container:NAME". */
const char *network_mode_to_string(NetworkMode m) _const_;

/* One entry of "networks:": the network, and what sysctrd allocated on it (or the user asked for). */
typedef struct ContainerNetwork {
        char *name;
        bool has_ip4, has_ip6, has_mac;
        union in_addr_union ip4, ip6;
        struct ether_addr mac;
} ContainerNetwork;

void container_network_done(ContainerNetwork *n);
void container_networks_free(ContainerNetwork *l, size_t n);
int container_networks_copy(const ContainerNetwork *l, size_t n, ContainerNetwork **ret);

/* What --network takes, one word at a time:
 *   "NETWORK[:ip=A,ip6=A,mac=M]"  an attachment (ret_mode PRIVATE, *ret filled)
 *   "none", "host"                 a mode (*ret left empty)
 *   "container:NAME"               a mode; the container's name in *ret_container
 * -EINVAL with *ret_error (may be NULL) naming the bad part. */
int network_attachment_from_string(const char *s, NetworkMode *ret_mode, ContainerNetwork *ret,
                                   char **ret_container, char **ret_error);
/* "lan0:ip=10.88.0.2,ip6=fd42::2,mac=52:54:00:00:00:01", the same syntax back. */
int network_attachment_to_string(const ContainerNetwork *n, char **ret);

/* "52:54:00:12:34:56", lower case. */
#define ETHER_ADDR_STRLEN 18
const char *ether_addr_to_str(const struct ether_addr *a, char buf[static ETHER_ADDR_STRLEN]);
/* Six colon-separated pairs of hex digits; a unicast address (the multicast bit clear). */
int ether_addr_from_str(const char *s, struct ether_addr *ret);
