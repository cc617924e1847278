/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "fleet.h"
#include "macro.h"

/* What "sysctr apply" must do to make hosts match a fleet file: pure data, computed from the fleet
 * and from what each host's sysctrd has (read over D-Bus by the CLI), without a bus, so that unit
 * tests check it. The CLI prints the plan and carries it out in the order of its actions.
 *
 * Rules (docs/fleet.md): a container entry is the container's whole configuration, so a key left
 * out means its default (no limit, no binds, autostart false...), except the keys whose default
 * comes from the template or that sysctrd generates (release, init, stop-signal, id, image,
 * created, id-base), which are compared only when given. template, release, privileged and id-base
 * cannot change in place: a difference there is a conflict, and a plan with a conflict is not
 * carried out at all. --prune deletes what the file does not name on a host, but never a network or
 * volume that a container staying there uses (sysctrd's default network, for one). */

/* ----------------------------------------------------------------------------------------------
 * What a host has */

typedef struct HostContainer {
        char *name;
        char *state;                    /* "running", "stopped"... */
        ContainerConfig *config;        /* NULL if its config.yaml could not be read (broken) */
} HostContainer;

typedef struct HostNetwork {
        char *name;
        char *type;                     /* NULL: unknown */
        char *subnet;                   /* NULL: unknown or none */
        char **used_by;                 /* the containers attached to it */
} HostNetwork;

typedef struct HostVolume {
        char *name;
        char **used_by;                 /* the containers that mount it */
} HostVolume;

typedef struct HostState {
        char *host;                     /* the fleet's host name, NULL without hosts */
        bool reachable;                 /* false: nothing is planned for it (error says why) */
        char *error;
        HostContainer *containers;
        size_t n_containers;
        HostNetwork *networks;
        size_t n_networks;
        HostVolume *volumes;
        size_t n_volumes;
} HostState;

/* With hosts, a network goes to the hosts whose containers use it; one that none uses, to every
 * host. h: the fleet's host name, NULL without hosts (then: here). */
bool fleet_network_wanted_on(const Fleet *f, const FleetNetwork *n, const char *h);
/* A vxlan network's peers as host h sees them: the host part of the address of every other host
 * that gets n (a name or an address; the caller resolves names), in the file's order. */
int fleet_network_peers(const Fleet *f, const FleetNetwork *n, const char *h, char ***ret);

void host_state_done(HostState *s);
/* Take ownership of the strings/config (set to NULL on success). */
int host_state_add_container(HostState *s, char *name, char *state, ContainerConfig *config);
int host_state_add_network(HostState *s, const char *name, const char *type, const char *subnet,
                           char * const *used_by);
int host_state_add_volume(HostState *s, const char *name, char * const *used_by);
const HostContainer *host_state_get_container(const HostState *s, const char *name);

/* ----------------------------------------------------------------------------------------------
 * The plan */

typedef enum PlanOp {
        PLAN_CREATE,
        PLAN_CHANGE,
        PLAN_MOVE,              /* a container goes from from_host to host */
        PLAN_DELETE,            /* --prune only */
        PLAN_CONFLICT,          /* cannot be done in place: the whole plan is refused */
        _PLAN_OP_MAX,
        _PLAN_OP_INVALID = -EINVAL,
} PlanOp;

typedef enum PlanKind {
        PLAN_NETWORK,
        PLAN_VOLUME,
        PLAN_CONTAINER,
        _PLAN_KIND_MAX,
        _PLAN_KIND_INVALID = -EINVAL,
} PlanKind;

typedef enum ChangeWhen {
        CHANGE_LIVE,            /* SetContainer applies it to a running container at once */
        CHANGE_RESTART,         /* at the next start */
        CHANGE_NEVER,           /* cannot change in place (a conflict) */
        CHANGE_STOPPED,         /* SetContainer takes it only while the container is stopped (its
                                 * links and mounts are made at start): apply stops a running one,
                                 * changes it and starts it again */
        _CHANGE_WHEN_MAX,
        _CHANGE_WHEN_INVALID = -EINVAL,
} ChangeWhen;

const char *plan_op_to_string(PlanOp op) _const_;
const char *plan_kind_to_string(PlanKind k) _const_;
const char *change_when_to_string(ChangeWhen w) _const_;

typedef struct PlanChange {
        const char *key;        /* config.yaml's key, also the option of SetContainer */
        char *old_value;        /* as config.yaml writes it; "none" for no value */
        char *new_value;
        ChangeWhen when;
} PlanChange;

typedef struct PlanAction {
        PlanOp op;
        PlanKind kind;
        const char *name;
        const char *host;       /* fleet host name, NULL without hosts */
        const char *from_host;  /* PLAN_MOVE */
        const FleetContainer *container;        /* desired: create, change, move */
        const FleetNetwork *network;
        const FleetVolume *volume;
        bool running;           /* the container runs now (PLAN_MOVE: on from_host) */
        PlanChange *changes;    /* PLAN_CHANGE and PLAN_CONFLICT of a container */
        size_t n_changes;
        char *reason;           /* PLAN_CONFLICT */
} PlanAction;

typedef struct Plan {
        PlanAction *actions;
        size_t n_actions;
        size_t n_conflicts;
        size_t n_deletes;
} Plan;

Plan *plan_free(Plan *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(Plan *, plan_free);

/* hosts: one per fleet host, in the fleet's order (f->n_hosts of them), or exactly one with host NULL
 * when the fleet has no hosts. Actions are ordered for execution: networks and volumes created,
 * containers created, moved and changed, then (prune) containers, volumes and networks deleted.
 * The plan points into f and hosts, which must outlive it. */
int fleet_plan(const Fleet *f, const HostState *hosts, size_t n_hosts, bool prune, Plan **ret);

/* The keys that differ between a desired entry and a container's config, in config.yaml's order.
 * Exposed for tests. */
int container_config_diff(const FleetContainer *want, const ContainerConfig *have, PlanChange **ret,
                          size_t *ret_n);
void plan_changes_free(PlanChange *c, size_t n);

/* A container's networks as the networks option takes them: the mode word (none, host,
 * container:NAME), or each attachment's network name with the addresses and MAC that want gives for
 * it (with want == c: all of c's own; what sysctrd allocated is not a fleet file's to compare). */
int container_networks_strv(const ContainerConfig *c, const ContainerConfig *want, char ***ret);
