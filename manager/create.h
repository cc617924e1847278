/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "container.h"
#include "manager.h"

/* CreateContainer: check everything, reserve the name, then create the container directory
 * atomically, at once if its image is cached, else as a "create" job once the image is built. The
 * reply is sent (or an error returned). */
int manager_create_container(Manager *m, sd_bus_message *message, sd_bus_error *error);

/* For the other ways containers come to be (clone, import, storage.c): */
/* ContainerNew and InterfacesAdded (added) or their opposites. */
void container_announce(Container *c, bool added);
/* Gone from the bus and from memory (not from disk). */
void container_drop(Container *c);
/* The lowest free block of 65,536 host IDs for an unprivileged container (set in cfg->id_base). */
int container_assign_new_ids(Manager *m, ContainerConfig *cfg, sd_bus_error *error);
/* A copy of another container's config (clone, import) on this host: the same networks with new
 * addresses and MACs allocated here; its published ports are kept only if keep_ports (an import: the
 * source is on another host; a clone's would collide with its source's). */
int container_assign_new_addresses(Manager *m, ContainerConfig *cfg, bool keep_ports, sd_bus_error *error);
