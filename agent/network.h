/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "macro.h"
#include "network-config.h"

/* A container's network plumbing, done by the agent itself (sysctrd may be stopped): plan, then
 * execute (STYLE.md rule 9).
 *
 * network-plan.c (pure, tests/unit/test-network-plan.c): from the container's config and the
 * network files it names, the list of links to make (a veth pair whose host side is a port of the
 * network's bridge, or a macvlan on the network's parent), each with its name inside (eth0,
 * eth1...), MAC, MTU and addresses, the default routes of the first network, and the guest's
 * /etc/resolv.conf.
 *
 * network.c (rtnetlink, common/rtnl.h): makes them in the child's fresh network namespace between
 * the clone and the child's SYNC_GO, so they are there before the init runs; removes the host sides
 * at the end. For network-mode host and container:NAME there is no namespace of the container's
 * own: the child is cloned into the host's or the other container's, and nothing is plumbed. */

typedef enum NetLinkKind {
        NET_LINK_VETH,          /* host side a port of the bridge, peer born in the container */
        NET_LINK_MACVLAN,       /* on the parent, born in the container */
        _NET_LINK_KIND_MAX,
        _NET_LINK_KIND_INVALID = -EINVAL,
} NetLinkKind;

typedef struct NetLink {
        NetLinkKind kind;
        char network[64];               /* its network's name, for messages */
        char host_name[IFNAMSIZ];       /* veth: the host side (paths.h: sysctr_veth_name()) */
        char guest_name[IFNAMSIZ];      /* eth0, eth1... */
        char master[IFNAMSIZ];          /* veth: the bridge; macvlan: the parent */
        int master_ifindex;             /* looked up by the executor before the clone */
        NetworkMacvlanMode macvlan_mode;
        bool has_mac;
        struct ether_addr mac;
        uint32_t mtu;                   /* 0: the kernel's default */
        InAddrPrefix addresses[2];      /* with the subnet's prefix length */
        size_t n_addresses;
        /* The first network only: default routes through the gateways. */
        bool has_gateway4, has_gateway6;
        union in_addr_union gateway4, gateway6;
} NetLink;

typedef struct NetPlan {
        NetworkMode mode;
        char *join_container;           /* NETWORK_MODE_CONTAINER */
        NetLink *links;
        size_t n_links;
        char *resolv_conf;              /* the guest's /etc/resolv.conf, NULL: leave it alone */
} NetPlan;

NetPlan *net_plan_free(NetPlan *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(NetPlan *, net_plan_free);

/* networks[i] is the network file of c->networks[i] (the caller loads them). host_resolv_conf is
 * the text of the host's resolv.conf with upstream servers (NULL: none known), for networks without
 * a DNS server of their own. -EINVAL with *ret_error naming the problem (an address the network has
 * no subnet for, a MAC on a network whose file is missing...). */
int net_plan_build(const ContainerConfig *c, NetworkConfig * const *networks, const char *host_resolv_conf,
                   NetPlan **ret, char **ret_error);

/* The nameserver lines of a resolv.conf: "nameserver ADDR\n" for each address that is not a
 * loopback one (127.0.0.53, ::1: those of the host's own resolver, unreachable from a container's
 * namespace) unless keep_loopback. NULL if none. */
char *resolv_conf_nameservers(const char *text, bool keep_loopback);

/* network.c, the executor. */
typedef struct Agent Agent;

/* Read the network files, build the plan, check what must exist (the bridges, the parents, the
 * container whose namespace is joined). Before the clone; fails with agent_fail(). */
int agent_network_prepare(Agent *a);
/* The mode's namespace for the clone: enter the joined container's namespace (the child is then
 * cloned into it without a namespace of its own), and come back after it. No-ops otherwise. */
int agent_network_enter(Agent *a);
void agent_network_leave(Agent *a);
/* ContainerLaunch.network_setup: the child pid's new namespace exists and the child waits. */
int agent_network_setup(pid_t child, void *userdata);
/* The host sides of the container's links (normally gone with its namespace already). */
void agent_network_cleanup(Agent *a);
