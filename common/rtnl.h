/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <net/ethernet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "in-addr-util.h"
#include "macro.h"

/* Links, addresses and routes through rtnetlink: the only user of libmnl for NETLINK_ROUTE (the
 * agent plumbs a container's links with it, sysctrd its bridges). Every call is one request that
 * the kernel acknowledges before the call returns; errors are negative errno, and the kernel's own
 * explanation (its extended ack, e.g. "Invalid MTU") is kept for messages: rtnl_error_message().
 *
 * An Rtnl handle works in one network namespace, the one given to rtnl_open(): the agent holds one
 * for the host and one for the container, and never has to switch namespaces itself. Names are
 * interface names as the kernel takes them (name.h: ifname_is_valid()); code in common/ does not log. */

typedef struct Rtnl Rtnl;

/* netns_fd: a network namespace (netlink-util.h: netns_open()), or -1 for the caller's. */
int rtnl_open(int netns_fd, Rtnl **ret);
Rtnl *rtnl_free(Rtnl *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(Rtnl *, rtnl_free);

/* The kernel's extended ack text of the last failed request, or NULL (older kernels, or the error
 * did not come from the kernel). Valid until the next request on r. */
const char *rtnl_error_message(const Rtnl *r);

typedef enum RtnlMacvlanMode {
        RTNL_MACVLAN_BRIDGE,  /* macvlans of one parent reach each other directly */
        RTNL_MACVLAN_PRIVATE, /* ...never, not even through the outside switch */
        RTNL_MACVLAN_VEPA,    /* ...only through the outside switch (hairpin on its port) */
        _RTNL_MACVLAN_MAX,
        _RTNL_MACVLAN_INVALID = -EINVAL,
} RtnlMacvlanMode;

const char *rtnl_macvlan_mode_to_string(RtnlMacvlanMode m) _const_;
RtnlMacvlanMode rtnl_macvlan_mode_from_string(const char *s) _pure_;

/* What a new link gets at creation; zero/NULL fields are the kernel's default. Giving the master
 * and the up state here saves a request each (a container's start makes several links). */
typedef struct RtnlLinkParams {
        uint32_t mtu;
        const struct ether_addr *mac;
        int master;     /* ifindex of the bridge the link becomes a port of, 0: none */
        bool up;        /* created up */
} RtnlLinkParams;

/* The interface index of name in r's namespace, or -ENODEV. */
int rtnl_link_index(Rtnl *r, const char *name);

/* A bridge with STP off and forward delay 0 (a port forwards as soon as it is up: containers are
 * leaves, there is no loop to find). Without p->mac the bridge gets a random locally administered
 * address of its own: a bridge whose address is not set follows the lowest address of its ports,
 * and so changes (and breaks every neighbour cache) as containers come and go. */
int rtnl_bridge_create(Rtnl *r, const char *name, const RtnlLinkParams *p);

/* A veth pair: name in r's namespace, peer created directly in peer_netns_fd (-1: r's namespace)
 * under the name peer, so it never appears on the host side. p and peer_p may be NULL. */
int rtnl_veth_create(Rtnl *r, const char *name, const RtnlLinkParams *p, const char *peer, int peer_netns_fd,
                     const RtnlLinkParams *peer_p);

/* A macvlan link named name on the link parent (in r's namespace), created directly in netns_fd
 * (-1: r's namespace). */
int rtnl_macvlan_create(Rtnl *r, const char *name, const char *parent, RtnlMacvlanMode mode, int netns_fd,
                        const RtnlLinkParams *p);

/* A VXLAN link (RFC 7348) with identifier vni, sending from local (of family) to UDP port, learning
 * where the MACs behind its remote ends are. Its remote ends are given by rtnl_fdb_append(). */
int rtnl_vxlan_create(Rtnl *r, const char *name, uint32_t vni, int family, const union in_addr_union *local,
                      uint16_t port, const RtnlLinkParams *p);

/* An entry of the forwarding database of the VXLAN link name: frames for the all-zero MAC (unknown
 * unicast, broadcast and multicast) go to dst too, as "bridge fdb append 00:00:00:00:00:00 dev NAME
 * dst DST" does: head-end replication to each peer, no multicast needed. -EEXIST if it is there. */
int rtnl_fdb_append(Rtnl *r, const char *name, int family, const union in_addr_union *dst);

int rtnl_link_set_up(Rtnl *r, const char *name, bool up);
int rtnl_link_set_mtu(Rtnl *r, const char *name, uint32_t mtu);
int rtnl_link_set_mac(Rtnl *r, const char *name, const struct ether_addr *mac);
/* Enslave to the bridge master; NULL releases the link from its master. */
int rtnl_link_set_master(Rtnl *r, const char *name, const char *master);
int rtnl_link_rename(Rtnl *r, const char *name, const char *new_name);
/* Move into netns_fd, renamed to new_name on the way if it is not NULL (one request: the link
 * never shows up in the target under its old name, where that name may be taken). */
int rtnl_link_move(Rtnl *r, const char *name, int netns_fd, const char *new_name);
/* Deleting one end of a veth pair deletes both. */
int rtnl_link_delete(Rtnl *r, const char *name);

/* Bridge port setting: let frames that came in through this port go out through it again. Needed
 * when br_netfilter is active on the host: a container reaching its own published port is then
 * DNATed on the bridge path and the frame must return through the port it came from. */
int rtnl_bridge_port_set_hairpin(Rtnl *r, const char *name, bool on);

/* IPv4 setting net.ipv4.conf.NAME.route_localnet, through rtnetlink (no /proc/sys write, so it
 * lands in r's namespace): lets packets from 127.0.0.0/8 that were DNATed leave by this link. */
int rtnl_link_set_route_localnet(Rtnl *r, const char *name, bool on);

typedef enum RtnlAddressFlags {
        /* IPv6: no duplicate address detection. For addresses that sysctr allocated itself on a
         * link it owns: nobody else can hold them, and DAD would keep them "tentative" (unusable)
         * for a second or more after every start. */
        RTNL_ADDRESS_NODAD = 1 << 0,
} RtnlAddressFlags;

/* a: the interface address with its prefix length ("10.88.0.2/24"); IPv4 gets the broadcast
 * address of the prefix. -EEXIST if the link has it already. */
int rtnl_address_add(Rtnl *r, const char *ifname, const InAddrPrefix *a, RtnlAddressFlags flags);
int rtnl_address_del(Rtnl *r, const char *ifname, const InAddrPrefix *a);

typedef struct RtnlRoute {
        InAddrPrefix dst;            /* prefixlen 0: the default route */
        bool has_gateway;            /* false: on-link through ifname */
        union in_addr_union gateway; /* of dst.family */
        const char *ifname;          /* required for on-link routes */
        bool has_prefsrc;
        union in_addr_union prefsrc; /* source address for traffic the host sends */
        uint32_t metric;
} RtnlRoute;

/* In the main table, protocol "static". -EEXIST if that route exists. */
int rtnl_route_add(Rtnl *r, const RtnlRoute *route);
int rtnl_route_del(Rtnl *r, const RtnlRoute *route);

/* What a dump tells about a link, for reconciliation (what is ours and still there). */
typedef struct RtnlLink {
        int ifindex;
        char name[IFNAMSIZ];
        char kind[16];  /* "bridge", "veth", "macvlan"...; "" if none */
        int master;     /* ifindex of the master, 0 if none */
        unsigned flags; /* IFF_UP, ... */
        uint32_t mtu;
        bool has_mac;
        struct ether_addr mac;
} RtnlLink;

typedef struct RtnlAddress {
        int ifindex;
        InAddrPrefix prefix; /* the interface address with its prefix length */
        uint32_t flags;      /* IFA_F_* */
        unsigned char scope;
} RtnlAddress;

int rtnl_link_list(Rtnl *r, RtnlLink **ret, size_t *ret_n);
/* family AF_INET, AF_INET6 or AF_UNSPEC (both). */
int rtnl_address_list(Rtnl *r, int family, RtnlAddress **ret, size_t *ret_n);
