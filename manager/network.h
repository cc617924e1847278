/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "container.h"
#include "manager.h"
#include "network-config.h"
#include "nft.h"

/* sysctrd's networks (docs/networking.md). Each is a file, <state>/networks/NAME.yaml (the agent
 * reads it too), and on the host: a bridge with the gateway addresses, elements of our nftables
 * table and a dnsmasq (bridge networks), or the host's own macvlan link on the parent and a route
 * to each container (macvlan networks with host-access).
 *
 *   network.c          the set: load, the default network, create, delete, the containers' side
 *                      (addresses, published ports, host access), the object's properties
 *   network-link.c     links, addresses and routes on the host (common/rtnl.h), forwarding
 *   network-nft.c      our table (nft.h): the whole of it at start, elements as things change
 *   dnsmasq.c          one dnsmasq per bridge network with DNS: files, start, adopt, supervise
 *   network-dbus.c     org.sysctr1.Network objects and the manager's network methods
 *
 * sysctrd owns all of that; the agent owns a container's own links (agent/network.c). Whenever
 * sysctrd starts it makes the host match the files and the running containers again: what a crash
 * left over goes, what is missing comes back, running containers keep their connectivity. */

/* The network "sysctr create" attaches containers to when told nothing else: a bridge with NAT and
 * DNS, IPv4 from the pool of ipam.h, an IPv6 /64 of the host's ULA prefix. Made when missing. */
#define NETWORK_DEFAULT_NAME "sysctr0"

typedef struct Network {
        Manager *manager;
        NetworkConfig *config;
        char *path;                             /* D-Bus object path */
        char *problem;                          /* what keeps it from working, NULL: nothing */
        bool users_changed;                     /* Containers changed: sent after the current call */

        /* dnsmasq (dnsmasq.c) */
        pid_t dnsmasq_pid;
        bool dnsmasq_child;                     /* ours (sd-event reaps it), or adopted */
        int dnsmasq_pidfd;
        sd_event_source *dnsmasq_exit_source;
        sd_event_source *dnsmasq_restart_timer;
        unsigned dnsmasq_failures;              /* unexpected exits in the current window */
        uint64_t dnsmasq_window_usec;
} Network;

Network *network_free(Network *n);
DEFINE_TRIVIAL_CLEANUP_FUNC(Network *, network_free);

/* network.c */
/* At start, after the containers are loaded (their state is known): the networks, the default one,
 * then the host made to match them (links, our table, dnsmasq). Trouble with one network is logged
 * and kept as its problem; only a failure to read the state fails sysctrd. */
int manager_networks_startup(Manager *m);
void manager_networks_free(Manager *m);
Network *manager_get_network(Manager *m, const char *name);
/* Sorted by name (free() the array only); NULL on OOM. */
Network **manager_sorted_networks(Manager *m);

/* CreateNetwork: everything checked first (name, subnets, overlaps, the parent link), then the file,
 * then the host; on failure nothing remains (must_work), or the network stays with its problem (the
 * default network: it is configuration, and a later start of sysctrd may bring it up). config is
 * taken; auto4/auto6: pick a free subnet of that family (a bridge's gateway is its first host
 * address unless given). */
int manager_create_network(Manager *m, NetworkConfig *config, bool auto4, bool auto6, bool must_work,
                           Network **ret, sd_bus_error *error);
/* DeleteNetwork: refused while a container is attached (any state). */
int network_delete(Network *n, sd_bus_error *error);
/* The names of the containers attached to n, sorted. */
char **network_container_names(Network *n);
/* Sets (or with NULL clears) what keeps n from working, and tells the bus (the Problem property). */
void network_set_problem(Network *n, const char *problem);

/* The containers' side. cfg is a container's new config (CreateContainer, SetContainer) and old its
 * current one (NULL when creating): without networks given and in the default mode, a new
 * container joins the default network; networks must exist, ports must be free, "container:NAME"
 * must name another container; addresses and MACs are filled in (network-alloc.h). */
int network_prepare_container(Manager *m, ContainerConfig *cfg, const ContainerConfig *old, bool networks_given,
                              sd_bus_error *error);
/* A container that comes from another host (sysctr import, move, copy): its attachments were
 * allocated there. Each network must exist here; what it had (address, MAC) is kept where it is
 * valid and free on this host's network, else allocated anew (e.g. another host's share of a vxlan
 * network, or another host's ULA prefix on sysctr0). Call before the container is added. */
int network_adopt_container(Manager *m, ContainerConfig *cfg, sd_bus_error *error);
/* Container c's config changed from old (NULL: c was just created on disk; c->config NULL-like:
 * see network_container_removed()): DNS names and leases, host-access routes, and, while it runs,
 * its published ports and host access, all in one nft batch. */
void network_container_changed(Container *c, const ContainerConfig *old);
/* c is deleted: its names, leases, routes go. */
void network_container_removed(Container *c);
/* c's state changed: its elements go into our table as it starts, and out as it stops. */
void network_container_state_changed(Container *c);
/* StartContainer: refused now rather than in the agent if c joins a container that does not run. */
int network_check_start(Container *c, sd_bus_error *error);
/* The addresses of its attachments ("10.88.0.2", "fd42:...::2"), for the Addresses property. */
int network_container_addresses(const Container *c, char ***ret);

/* The doctor's findings about this host (and the sysctrd log at start). */
int manager_network_doctor(Manager *m, NftFinding **ret, size_t *ret_n);

/* network-link.c */
int network_link_up(Network *n);                /* the bridge or host-access link, made if missing */
int network_link_down(Network *n);
/* Routes of macvlan host access to one container's addresses on n (add: true) or away. */
int network_link_route_container(Network *n, const ContainerNetwork *att, bool add);
/* Links of ours that nothing explains any more (a crash's leftovers). */
void manager_remove_stale_links(Manager *m);
/* net.ipv4.ip_forward (and IPv6 forwarding, keeping router advertisements where they are used). */
void manager_enable_forwarding(Manager *m);
/* The prefixes of the host's own addresses, for picking subnets that do not clash. */
int manager_host_prefixes(Manager *m, InAddrPrefix **ret, size_t *ret_n);
/* 0 if a link of that name exists, -ENODEV if not; also tells whether it is a bridge. */
int manager_link_exists(Manager *m, const char *name, bool *ret_is_bridge);

/* network-nft.c */
/* The whole table from the networks and the running containers, in one batch. */
int manager_nft_sync(Manager *m);
int network_nft_add(Network *n);
int network_nft_remove(Network *n);
/* c's elements on its bridge networks: in (add) or out; cfg: the config they came from. */
int container_nft_update(Container *c, const ContainerConfig *remove, const ContainerConfig *add);

/* dnsmasq.c */
bool dnsmasq_available(void);
/* Names and leases of n's containers (but exclude, if not NULL) rewritten, dnsmasq told (SIGHUP). */
int network_dnsmasq_update(Network *n, const Container *exclude);
/* Start it, or adopt the one a previous sysctrd started (restarted if its configuration changed). */
int network_dnsmasq_start(Network *n);
void network_dnsmasq_stop(Network *n);

/* network-dbus.c */
extern const sd_bus_vtable network_vtable[];
int network_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                        sd_bus_error *error);
int network_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error);
int method_create_network(sd_bus_message *message, void *userdata, sd_bus_error *error);
int method_delete_network(sd_bus_message *message, void *userdata, sd_bus_error *error);
int method_list_networks(sd_bus_message *message, void *userdata, sd_bus_error *error);
int method_get_network(sd_bus_message *message, void *userdata, sd_bus_error *error);
int method_network_doctor(sd_bus_message *message, void *userdata, sd_bus_error *error);
