/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "macro.h"

/* A fleet file (sysctr apply FILE; documented in man/sysctr.yaml.5 and docs/fleet.md): which
 * networks, volumes and containers exist, and on which hosts.
 *
 *   networks:                  # optional
 *     - name: lan0             #   network_name_is_valid()
 *       type: bridge           #   optional, default bridge
 *       subnet: 10.88.0.0/24   #   optional IPv4 subnet
 *   volumes:                   # optional
 *     - name: data             #   the container name rule
 *       size: 1G               #   optional size limit
 *   containers:                # optional; each entry has exactly the keys of config.yaml
 *     - name: web1             #   (config.h), where id, image, created and id-base may be left out,
 *       template: debian       #   plus, until the network and storage work defines them in
 *       memory: 512M           #   config.yaml itself, "networks: [NAME...]" and
 *       networks: [lan0]       #   "volumes: [VOLUME:/path[:ro]...]"
 *       volumes: ["data:/srv"]
 *   hosts:                     # optional; without it everything goes to the host sysctr talks to
 *     - name: host1            #   the container name rule
 *       address: root@10.0.0.1:22   # [user@]host[:port], as "sysctr -H" takes it
 *       containers: [web1]     #   which containers run there (each on exactly one host)
 *
 * Every error names the file and line: "fleet.yaml:12: Unknown key \"memroy\"". */

/* Hostile input is refused before it is loaded: bigger files, more nodes (aliases counted as
 * many times as they are used, so "billion laughs" documents are refused too), deeper nesting. */
#define FLEET_FILE_SIZE_MAX (4U * 1024U * 1024U)
#define FLEET_NODES_MAX 100000U
#define FLEET_DEPTH_MAX 32U

/* The network and volume entries: their keys are parsed in one place (fleet-yaml.c:
 * fleet_network_from_node(), fleet_volume_from_node()), to be aligned with the network and volume
 * objects of sysctrd. */
typedef struct FleetNetwork {
        char *name;
        char *type;             /* "bridge" unless given */
        char *subnet;           /* "10.88.0.0/24", NULL: sysctrd chooses */
        unsigned line;
} FleetNetwork;

typedef struct FleetVolume {
        char *name;
        uint64_t size;          /* bytes, 0: no limit */
        unsigned line;
} FleetVolume;

/* A volume mounted in a container: "VOLUME:/path[:ro]". */
typedef struct FleetMount {
        char *volume;
        char *target;
        bool read_only;
} FleetMount;

typedef struct FleetContainer {
        ContainerConfig *config;
        char **keys;            /* the keys the entry gives, in file order (the others keep defaults) */
        char **networks;        /* names of networks, in order */
        FleetMount *mounts;
        size_t n_mounts;
        const char *host;       /* the name of the host it runs on (FleetHost.name), NULL: no hosts */
        unsigned line;
} FleetContainer;

typedef struct FleetHost {
        char *name;
        char *address;          /* [user@]host[:port] */
        char **containers;
        unsigned line;
} FleetHost;

typedef struct Fleet {
        char *filename;
        FleetNetwork *networks;
        size_t n_networks;
        FleetVolume *volumes;
        size_t n_volumes;
        FleetContainer *containers;
        size_t n_containers;
        FleetHost *hosts;
        size_t n_hosts;
} Fleet;

Fleet *fleet_free(Fleet *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(Fleet *, fleet_free);

/* fleet-yaml.c. Parses and checks the whole file (fleet_verify() included). -EINVAL with *ret_error
 * "FILE:LINE: message" for bad input (including input over the limits above), other negative errno
 * for system errors. */
int fleet_parse(const char *text, size_t size, const char *filename, Fleet **ret, char **ret_error);
/* Reads at most FLEET_FILE_SIZE_MAX bytes: a bigger file is refused before it is read. */
int fleet_load(const char *path, Fleet **ret, char **ret_error);

/* fleet.c. Checks what spans entries: names unique in each list, every network and volume that a
 * container names declared, hosts' containers declared and each placed on one host (every one, if
 * there are hosts), a volume used on one host only, addresses well-formed. */
int fleet_verify(Fleet *f, char **ret_error);

/* Lookups by name, NULL if absent. */
const FleetNetwork *fleet_get_network(const Fleet *f, const char *name);
const FleetVolume *fleet_get_volume(const Fleet *f, const char *name);
const FleetContainer *fleet_get_container(const Fleet *f, const char *name);
const FleetHost *fleet_get_host(const Fleet *f, const char *name);
/* Whether entry c gives key (e.g. "init"); a key left out keeps its default. */
bool fleet_container_gives(const FleetContainer *c, const char *key);

/* "[user@]host[:port]": user [a-z_][a-z0-9_.-]*, host a host name, an IPv4 address or an IPv6
 * address in brackets, port 1-65535. Components into ret_* (each may be NULL; freshly allocated;
 * *ret_port 0 when not given). */
int host_address_parse(const char *s, char **ret_user, char **ret_host, uint16_t *ret_port);
bool host_address_is_valid(const char *s);

/* "data:/srv[:ro]" */
int fleet_mount_parse(const char *s, FleetMount *ret);
void fleet_mount_done(FleetMount *m);
