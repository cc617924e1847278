/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "config.h"
#include "network-config.h"

/* A container's addresses and MACs on its networks, allocated from the containers' configs: there is
 * no allocation database to get out of step with them. What a config.yaml says is taken; deleting
 * the container frees it; sysctrd rebuilds the picture from the configs whenever it starts. Pure
 * (ipam.h underneath), tested by tests/unit/test-network-alloc.c.
 *
 * containers[] is every container sysctrd knows (the one being allocated for, named self, is
 * skipped: its old config is what previous comes from). Messages name the value and its owner:
 *     "Address 10.88.0.5 on network lan0 is taken by container db1". */

/* Fills in what att lacks, and checks what it has:
 * - bridge networks: ip (and ip6) on each subnet the network has: the one given (inside the subnet,
 *   not the gateway, the network or the broadcast address, free), else the one it had (previous),
 *   else the lowest free one;
 * - macvlan networks: sysctr cannot know which addresses of a LAN are free, so on each subnet the
 *   network names an address must be given (or kept from previous), and is checked the same way;
 * - a MAC on either: the one given or kept, else a random locally administered one; no two alike on
 *   a network (dnsmasq's static leases key on them).
 * -EINVAL (bad or taken value), -ENOSPC (the subnet is full), with *ret_error. */
int network_alloc_attachment(const NetworkConfig *n, const char *self, ContainerConfig * const *containers,
                             size_t n_containers, const ContainerNetwork *previous, ContainerNetwork *att,
                             char **ret_error);

/* No port of c's "publish:" conflicts with one of another container's (port-spec.h):
 *     "Port 8080:80/tcp is already published by container web1 (as 8080:8080/tcp)". */
int network_check_ports(const ContainerConfig *c, ContainerConfig * const *containers, size_t n_containers,
                        char **ret_error);

/* A random locally administered unicast MAC (the 52:54:00 prefix is QEMU's; ours is random). */
int network_random_mac(struct ether_addr *ret);
