/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The plan of "sysctr apply" (fleet-plan.h): a pure function of the fleet and of the hosts' state. */
#include <assert.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "fleet-plan.h"
#include "parse-util.h"
#include "signal-util.h"
#include "strv.h"

static const char * const plan_op_table[_PLAN_OP_MAX] = {
        [PLAN_CREATE] = "create",
        [PLAN_CHANGE] = "change",
        [PLAN_MOVE] = "move",
        [PLAN_DELETE] = "delete",
        [PLAN_CONFLICT] = "conflict",
};
static const char * const plan_kind_table[_PLAN_KIND_MAX] = {
        [PLAN_NETWORK] = "network",
        [PLAN_VOLUME] = "volume",
        [PLAN_CONTAINER] = "container",
};
static const char * const change_when_table[_CHANGE_WHEN_MAX] = {
        [CHANGE_LIVE] = "live",
        [CHANGE_RESTART] = "at the next start",
        [CHANGE_NEVER] = "cannot change in place",
        [CHANGE_STOPPED] = "while stopped",
};

PlanOp plan_op_from_string(const char *s);
PlanKind plan_kind_from_string(const char *s);
ChangeWhen change_when_from_string(const char *s);
DEFINE_STRING_TABLE_LOOKUP(plan_op, PlanOp, _PLAN_OP_MAX)
DEFINE_STRING_TABLE_LOOKUP(plan_kind, PlanKind, _PLAN_KIND_MAX)
DEFINE_STRING_TABLE_LOOKUP(change_when, ChangeWhen, _CHANGE_WHEN_MAX)

/* ------------------------------------------------------------------------------------------------
 * Host state */

void host_state_done(HostState *s) {
        for (size_t i = 0; i < s->n_containers; i++) {
                free(s->containers[i].name);
                free(s->containers[i].state);
                container_config_free(s->containers[i].config);
        }
        s->containers = mfree(s->containers);
        s->n_containers = 0;
        for (size_t i = 0; i < s->n_networks; i++) {
                free(s->networks[i].name);
                free(s->networks[i].type);
                free(s->networks[i].subnet);
                strv_free(s->networks[i].used_by);
        }
        s->networks = mfree(s->networks);
        s->n_networks = 0;
        for (size_t i = 0; i < s->n_volumes; i++) {
                free(s->volumes[i].name);
                strv_free(s->volumes[i].used_by);
        }
        s->volumes = mfree(s->volumes);
        s->n_volumes = 0;
        s->host = mfree(s->host);
        s->error = mfree(s->error);
}

int host_state_add_container(HostState *s, char *name, char *state, ContainerConfig *config) {
        HostContainer *l;

        l = reallocarray(s->containers, s->n_containers + 1, sizeof(HostContainer));
        if (!l)
                return -ENOMEM;
        s->containers = l;
        l[s->n_containers++] = (HostContainer) { .name = name, .state = state, .config = config };
        return 0;
}

static int strdup_opt(const char *s, char **ret) {
        *ret = NULL;
        if (!s)
                return 0;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

int host_state_add_network(HostState *s, const char *name, const char *type, const char *subnet,
                           char * const *used_by) {
        HostNetwork n = {};
        HostNetwork *l = NULL;

        if (strdup_opt(name, &n.name) >= 0 && strdup_opt(type, &n.type) >= 0 && strdup_opt(subnet, &n.subnet) >= 0 &&
            (!used_by || (n.used_by = strv_copy(used_by))))
                l = reallocarray(s->networks, s->n_networks + 1, sizeof(HostNetwork));
        if (!l) {
                free(n.name);
                free(n.type);
                free(n.subnet);
                strv_free(n.used_by);
                return -ENOMEM;
        }
        s->networks = l;
        l[s->n_networks++] = n;
        return 0;
}

int host_state_add_volume(HostState *s, const char *name, char * const *used_by) {
        HostVolume v = {}, *l = NULL;

        v.name = strdup(name);
        if (v.name && (!used_by || (v.used_by = strv_copy(used_by))))
                l = reallocarray(s->volumes, s->n_volumes + 1, sizeof(HostVolume));
        if (!l) {
                free(v.name);
                strv_free(v.used_by);
                return -ENOMEM;
        }
        s->volumes = l;
        l[s->n_volumes++] = v;
        return 0;
}

const HostContainer *host_state_get_container(const HostState *s, const char *name) {
        for (size_t i = 0; i < s->n_containers; i++)
                if (streq(s->containers[i].name, name))
                        return &s->containers[i];
        return NULL;
}

static const HostNetwork *host_state_get_network(const HostState *s, const char *name) {
        for (size_t i = 0; i < s->n_networks; i++)
                if (streq(s->networks[i].name, name))
                        return &s->networks[i];
        return NULL;
}

static bool host_state_has_volume(const HostState *s, const char *name) {
        for (size_t i = 0; i < s->n_volumes; i++)
                if (streq(s->volumes[i].name, name))
                        return true;
        return false;
}

/* ------------------------------------------------------------------------------------------------
 * Container diff */

void plan_changes_free(PlanChange *c, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(c[i].old_value);
                free(c[i].new_value);
        }
        free(c);
}

typedef struct ChangeList {
        PlanChange *items;
        size_t n;
} ChangeList;

static int change_add(ChangeList *l, const char *key, const char *old_value, const char *new_value,
                      ChangeWhen when) {
        PlanChange *items;
        char *o, *n;

        if (streq(old_value, new_value))
                return 0;
        o = strdup(old_value);
        n = strdup(new_value);
        items = o && n ? reallocarray(l->items, l->n + 1, sizeof(PlanChange)) : NULL;
        if (!items) {
                free(o);
                free(n);
                return -ENOMEM;
        }
        l->items = items;
        l->items[l->n++] = (PlanChange) { .key = key, .old_value = o, .new_value = n, .when = when };
        return 0;
}

static int change_add_strv(ChangeList *l, const char *key, char * const *old_value, char * const *new_value,
                           ChangeWhen when) {
        _cleanup_free_ char *o = NULL, *n = NULL, *oj = NULL, *nj = NULL;

        if (strv_equal(old_value, new_value))
                return 0;
        oj = strv_join(old_value, ", ");
        nj = strv_join(new_value, ", ");
        if (!oj || !nj)
                return -ENOMEM;
        if (asprintf(&o, strv_length(old_value) ? "[%s]" : "none", oj) < 0 ||
            asprintf(&n, strv_length(new_value) ? "[%s]" : "none", nj) < 0)
                return -ENOMEM;
        return change_add(l, key, o, n, when);
}

static const char *size_or_none(uint64_t v, char buf[static FORMAT_SIZE_MAX]) {
        return v > 0 ? format_size(v, buf) : "none";
}

static const char *cpus_or_none(uint32_t v, char buf[static FORMAT_CPUS_MAX]) {
        return v > 0 ? format_cpus(v, buf) : "none";
}

static const char *count_or_none(uint64_t v, char buf[static 24]) {
        if (v == 0)
                return "none";
        (void) snprintf(buf, 24, "%llu", (unsigned long long) v);
        return buf;
}

static const char *bool_str(bool b) {
        return b ? "true" : "false";
}

/* Keys that cannot change in place: the image a container is made of, and its ID mapping. */
static int diff_fixed(ChangeList *l, const FleetContainer *want, const ContainerConfig *have) {
        const ContainerConfig *w = want->config;
        char a[16], b[16];
        int r;

        r = change_add(l, "template", have->template, w->template, CHANGE_NEVER);
        if (r >= 0 && fleet_container_gives(want, "release"))
                r = change_add(l, "release", strempty(have->release), strempty(w->release), CHANGE_NEVER);
        if (r >= 0)
                r = change_add(l, "privileged", bool_str(have->privileged), bool_str(w->privileged),
                               CHANGE_NEVER);
        if (r >= 0 && fleet_container_gives(want, "id-base")) {
                (void) snprintf(a, sizeof(a), "%u", (unsigned) have->id_base);
                (void) snprintf(b, sizeof(b), "%u", (unsigned) w->id_base);
                r = change_add(l, "id-base", a, b, CHANGE_NEVER);
        }
        return r;
}

static int diff_start_settings(ChangeList *l, const FleetContainer *want, const ContainerConfig *have) {
        const ContainerConfig *w = want->config;
        char a[SIGNAL_STRING_MAX], b[SIGNAL_STRING_MAX], ta[16], tb[16];
        int r;

        /* The host name defaults to the name: compare what the guest gets. */
        r = change_add(l, "hostname", have->hostname ?: have->name, w->hostname ?: w->name, CHANGE_RESTART);
        if (r >= 0 && fleet_container_gives(want, "init"))
                r = change_add_strv(l, "init", have->init, w->init, CHANGE_RESTART);
        if (r >= 0 && fleet_container_gives(want, "stop-signal")) {
                if (!signal_to_string(have->stop_signal, a) || !signal_to_string(w->stop_signal, b))
                        return -EINVAL;
                r = change_add(l, "stop-signal", a, b, CHANGE_RESTART);
        }
        if (r >= 0) {
                (void) snprintf(ta, sizeof(ta), "%u", have->stop_timeout_sec);
                (void) snprintf(tb, sizeof(tb), "%u", w->stop_timeout_sec);
                r = change_add(l, "stop-timeout", ta, tb, CHANGE_RESTART);
        }
        return r;
}

static int diff_live_settings(ChangeList *l, const FleetContainer *want, const ContainerConfig *have) {
        const ContainerConfig *w = want->config;
        char sa[FORMAT_SIZE_MAX], sb[FORMAT_SIZE_MAX], ca[FORMAT_CPUS_MAX], cb[FORMAT_CPUS_MAX], pa[24], pb[24];
        int r;

        r = change_add(l, "autostart", bool_str(have->autostart), bool_str(w->autostart), CHANGE_LIVE);
        if (r >= 0)
                r = change_add(l, "memory", size_or_none(have->memory_max, sa), size_or_none(w->memory_max, sb),
                               CHANGE_LIVE);
        if (r >= 0)
                r = change_add(l, "cpus", cpus_or_none(have->cpu_millis, ca), cpus_or_none(w->cpu_millis, cb),
                               CHANGE_LIVE);
        if (r >= 0)
                r = change_add(l, "pids", count_or_none(have->tasks_max, pa), count_or_none(w->tasks_max, pb),
                               CHANGE_LIVE);
        return r;
}

int container_networks_strv(const ContainerConfig *c, const ContainerConfig *want, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        if (c->network_mode == NETWORK_MODE_CONTAINER) {
                _cleanup_free_ char *s = NULL;

                if (asprintf(&s, "container:%s", strempty(c->network_container)) < 0 ||
                    strv_push(&l, TAKE_PTR(s)) < 0)
                        return -ENOMEM;
        } else if (c->network_mode != NETWORK_MODE_PRIVATE) {
                r = strv_extend(&l, network_mode_to_string(c->network_mode));
                if (r < 0)
                        return r;
        } else
                for (size_t i = 0; i < c->n_networks; i++) {
                        const ContainerNetwork *w = want->network_mode == NETWORK_MODE_PRIVATE && i < want->n_networks &&
                                                    streq(want->networks[i].name, c->networks[i].name) ?
                                                    &want->networks[i] : NULL;
                        ContainerNetwork shown = { .name = c->networks[i].name };
                        _cleanup_free_ char *s = NULL;

                        if (w) {
                                shown.has_ip4 = w->has_ip4 && c->networks[i].has_ip4;
                                shown.has_ip6 = w->has_ip6 && c->networks[i].has_ip6;
                                shown.has_mac = w->has_mac && c->networks[i].has_mac;
                                shown.ip4 = c->networks[i].ip4;
                                shown.ip6 = c->networks[i].ip6;
                                shown.mac = c->networks[i].mac;
                        }
                        r = network_attachment_to_string(&shown, &s);
                        if (r < 0)
                                return r;
                        r = strv_push(&l, TAKE_PTR(s));
                        if (r < 0)
                                return r;
                }
        *ret = TAKE_PTR(l);
        return 0;
}

/* Networking and storage: published ports and host access change live; networks, volumes and tmpfs
 * mounts while the container is stopped. A key the entry does not give keeps what the container has. */
static int diff_attachments(ChangeList *l, const FleetContainer *want, const ContainerConfig *have) {
        const ContainerConfig *w = want->config;
        int r = 0;

        if (fleet_container_gives(want, "networks") || fleet_container_gives(want, "network-mode")) {
                _cleanup_strv_free_ char **a = NULL, **b = NULL;

                r = container_networks_strv(have, w, &a);
                if (r >= 0)
                        r = container_networks_strv(w, w, &b);
                if (r >= 0)
                        r = change_add_strv(l, "networks", a, b, CHANGE_STOPPED);
        }
        if (r >= 0 && fleet_container_gives(want, "publish"))
                r = change_add_strv(l, "publish", have->publish, w->publish, CHANGE_LIVE);
        if (r >= 0 && fleet_container_gives(want, "allow-host"))
                r = change_add(l, "allow-host", bool_str(have->allow_host), bool_str(w->allow_host), CHANGE_LIVE);
        if (r >= 0 && fleet_container_gives(want, "volumes"))
                r = change_add_strv(l, "volumes", have->volumes, w->volumes, CHANGE_STOPPED);
        if (r >= 0 && fleet_container_gives(want, "tmpfs"))
                r = change_add_strv(l, "tmpfs", have->tmpfs, w->tmpfs, CHANGE_STOPPED);
        return r;
}

int container_config_diff(const FleetContainer *want, const ContainerConfig *have, PlanChange **ret,
                          size_t *ret_n) {
        ChangeList l = {};
        int r;

        assert(want);
        assert(have);

        r = diff_fixed(&l, want, have);
        if (r >= 0)
                r = diff_start_settings(&l, want, have);
        if (r >= 0)
                r = diff_live_settings(&l, want, have);
        if (r >= 0)
                r = change_add_strv(&l, "binds", have->binds, want->config->binds, CHANGE_RESTART);
        if (r >= 0)
                r = diff_attachments(&l, want, have);
        if (r < 0) {
                plan_changes_free(l.items, l.n);
                return r;
        }
        *ret = l.items;
        *ret_n = l.n;
        return 0;
}

/* ------------------------------------------------------------------------------------------------
 * The plan */

Plan *plan_free(Plan *p) {
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n_actions; i++) {
                plan_changes_free(p->actions[i].changes, p->actions[i].n_changes);
                free(p->actions[i].reason);
        }
        free(p->actions);
        free(p);
        return NULL;
}

static int plan_add(Plan *p, const PlanAction *a) {
        PlanAction *l;

        l = reallocarray(p->actions, p->n_actions + 1, sizeof(PlanAction));
        if (!l)
                return -ENOMEM;
        p->actions = l;
        l[p->n_actions++] = *a;
        if (a->op == PLAN_CONFLICT)
                p->n_conflicts++;
        if (a->op == PLAN_DELETE)
                p->n_deletes++;
        return 0;
}

static int plan_add_conflict(Plan *p, PlanAction a, const char *format, ...) _printf_(3, 4);
static int plan_add_conflict(Plan *p, PlanAction a, const char *format, ...) {
        va_list ap;
        int k, r;

        va_start(ap, format);
        k = vasprintf(&a.reason, format, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        a.op = PLAN_CONFLICT;
        r = plan_add(p, &a);
        if (r < 0)
                free(a.reason);
        return r;
}

/* Whether host h (NULL without hosts) is where container c belongs. */
static bool placed_on(const FleetContainer *c, const char *h) {
        return !h || streq_ptr(c->host, h);
}

static bool container_uses_network(const FleetContainer *c, const char *name) {
        return strv_contains(c->networks, name);
}

static bool container_uses_volume(const FleetContainer *c, const char *name) {
        for (size_t i = 0; i < c->n_mounts; i++)
                if (streq(c->mounts[i].volume, name))
                        return true;
        return false;
}

bool fleet_network_wanted_on(const Fleet *f, const FleetNetwork *n, const char *h) {
        bool used = false;

        if (!h)
                return true;
        for (size_t i = 0; i < f->n_containers; i++)
                if (container_uses_network(&f->containers[i], n->name)) {
                        if (placed_on(&f->containers[i], h))
                                return true;
                        used = true;
                }
        return !used;
}

int fleet_network_peers(const Fleet *f, const FleetNetwork *n, const char *h, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        for (size_t i = 0; i < f->n_hosts; i++) {
                char *host = NULL;

                if (streq_ptr(f->hosts[i].name, h) || !fleet_network_wanted_on(f, n, f->hosts[i].name))
                        continue;
                r = host_address_parse(f->hosts[i].address, NULL, &host, NULL);
                if (r < 0)
                        return r;
                r = strv_push(&l, host);
                if (r < 0) {
                        free(host);
                        return r;
                }
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static bool volume_wanted_on(const Fleet *f, const FleetVolume *v, const char *h) {
        bool used = false;

        if (!h)
                return true;
        for (size_t i = 0; i < f->n_containers; i++)
                if (container_uses_volume(&f->containers[i], v->name)) {
                        if (placed_on(&f->containers[i], h))
                                return true;
                        used = true;
                }
        return !used;
}

static int plan_network(Plan *p, const FleetNetwork *n, const HostState *s) {
        const HostNetwork *have = host_state_get_network(s, n->name);
        PlanAction a = { .kind = PLAN_NETWORK, .name = n->name, .host = s->host, .network = n };

        if (!have) {
                a.op = PLAN_CREATE;
                return plan_add(p, &a);
        }
        /* A network's type and subnet are its identity: containers hold addresses in it. */
        if (have->type && !streq(have->type, n->type))
                return plan_add_conflict(p, a, "network %s is of type %s, the file says %s: delete it first",
                                         n->name, have->type, n->type);
        if (n->subnet && have->subnet && !streq(have->subnet, n->subnet))
                return plan_add_conflict(p, a, "network %s has subnet %s, the file says %s: delete it first",
                                         n->name, have->subnet, n->subnet);
        return 0;
}

static int plan_volume(Plan *p, const FleetVolume *v, const HostState *s) {
        PlanAction a = { .op = PLAN_CREATE, .kind = PLAN_VOLUME, .name = v->name, .host = s->host, .volume = v };

        return host_state_has_volume(s, v->name) ? 0 : plan_add(p, &a);
}

/* The reachable host other than s that has container name, if any. */
static const HostState *find_elsewhere(const HostState *hosts, size_t n_hosts, const HostState *s,
                                       const char *name) {
        for (size_t i = 0; i < n_hosts; i++)
                if (&hosts[i] != s && hosts[i].reachable && host_state_get_container(&hosts[i], name))
                        return &hosts[i];
        return NULL;
}

static int plan_container(Plan *p, const FleetContainer *c, const HostState *s, const HostState *hosts,
                          size_t n_hosts) {
        const HostContainer *have = host_state_get_container(s, c->config->name);
        PlanAction a = { .kind = PLAN_CONTAINER, .name = c->config->name, .host = s->host, .container = c };
        const HostState *other;
        bool never = false;
        int r;

        if (!have) {
                other = find_elsewhere(hosts, n_hosts, s, c->config->name);
                a.op = other ? PLAN_MOVE : PLAN_CREATE;
                a.from_host = other ? other->host : NULL;
                /* A move stops it first: say so of a running one. */
                a.running = other && streq_ptr(host_state_get_container(other, c->config->name)->state, "running");
                return plan_add(p, &a);
        }
        a.running = streq_ptr(have->state, "running");
        if (!have->config)
                return plan_add_conflict(p, a, "container %s is broken (its configuration cannot be read): "
                                         "repair or delete it first", a.name);

        r = container_config_diff(c, have->config, &a.changes, &a.n_changes);
        if (r < 0)
                return r;
        if (a.n_changes == 0)
                return 0;
        for (size_t i = 0; i < a.n_changes; i++)
                never = never || a.changes[i].when == CHANGE_NEVER;
        if (never)
                r = plan_add_conflict(p, a, "container %s: %s cannot change in place: delete the container first "
                                      "(or give the new one another name)", a.name,
                                      a.changes[0].key);
        else {
                a.op = PLAN_CHANGE;
                r = plan_add(p, &a);
        }
        if (r < 0)
                plan_changes_free(a.changes, a.n_changes);
        return r;
}

static const HostState *find_host(const HostState *hosts, size_t n_hosts, const char *name) {
        for (size_t i = 0; i < n_hosts; i++)
                if (streq_ptr(hosts[i].host, name))
                        return &hosts[i];
        return NULL;
}

/* Whether the copy of container c on host s is to be deleted: c belongs elsewhere, and the host it
 * belongs on has it already (otherwise it is the source of a move, or that host is down and
 * nothing can be told). */
static bool copy_is_stray(const FleetContainer *c, const HostState *s, const HostState *hosts, size_t n_hosts) {
        const HostState *target;

        if (placed_on(c, s->host))
                return false;
        target = find_host(hosts, n_hosts, c->host);
        return target && target->reachable && host_state_get_container(target, c->config->name);
}

/* What no entry names any more on host s (moves away are not deletes: the move removes them). */
static int plan_prune(Plan *p, const Fleet *f, const HostState *s, const HostState *hosts, size_t n_hosts) {
        for (size_t i = 0; i < s->n_containers; i++) {
                const FleetContainer *c = fleet_get_container(f, s->containers[i].name);
                PlanAction a = { .op = PLAN_DELETE, .kind = PLAN_CONTAINER, .name = s->containers[i].name,
                                 .host = s->host, .running = streq_ptr(s->containers[i].state, "running") };
                int r;

                if (c && !copy_is_stray(c, s, hosts, n_hosts))
                        continue;
                r = plan_add(p, &a);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Whether one of users stays on host s once the plan is carried out: a container the file places
 * there. The others are deleted (prune) or moved away before networks and volumes are deleted. */
static bool used_by_staying(const Fleet *f, const HostState *s, char * const *users) {
        STRV_FOREACH(u, users) {
                const FleetContainer *c = fleet_get_container(f, *u);

                if (c && placed_on(c, s->host))
                        return true;
        }
        return false;
}

static int plan_prune_storage(Plan *p, const Fleet *f, const HostState *s) {
        int r;

        for (size_t i = 0; i < s->n_volumes; i++) {
                const FleetVolume *v = fleet_get_volume(f, s->volumes[i].name);
                PlanAction a = { .op = PLAN_DELETE, .kind = PLAN_VOLUME, .name = s->volumes[i].name, .host = s->host };

                if ((v && volume_wanted_on(f, v, s->host)) || used_by_staying(f, s, s->volumes[i].used_by))
                        continue;
                r = plan_add(p, &a);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < s->n_networks; i++) {
                const FleetNetwork *n = fleet_get_network(f, s->networks[i].name);
                PlanAction a = { .op = PLAN_DELETE, .kind = PLAN_NETWORK, .name = s->networks[i].name, .host = s->host };

                if ((n && fleet_network_wanted_on(f, n, s->host)) ||
                    used_by_staying(f, s, s->networks[i].used_by))
                        continue;
                r = plan_add(p, &a);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int plan_host_create(Plan *p, const Fleet *f, const HostState *s) {
        int r;

        for (size_t i = 0; i < f->n_networks; i++)
                if (fleet_network_wanted_on(f, &f->networks[i], s->host)) {
                        r = plan_network(p, &f->networks[i], s);
                        if (r < 0)
                                return r;
                }
        for (size_t i = 0; i < f->n_volumes; i++)
                if (volume_wanted_on(f, &f->volumes[i], s->host)) {
                        r = plan_volume(p, &f->volumes[i], s);
                        if (r < 0)
                                return r;
                }
        return 0;
}

int fleet_plan(const Fleet *f, const HostState *hosts, size_t n_hosts, bool prune, Plan **ret) {
        _cleanup_(plan_freep) Plan *p = NULL;
        int r;

        assert(f);
        assert(hosts);
        assert(n_hosts == MAX(f->n_hosts, (size_t) 1));

        p = calloc(1, sizeof(Plan));
        if (!p)
                return -ENOMEM;

        /* In execution order: what containers need, then containers, then what goes away. */
        for (size_t h = 0; h < n_hosts; h++)
                if (hosts[h].reachable && (r = plan_host_create(p, f, &hosts[h])) < 0)
                        return r;
        for (size_t h = 0; h < n_hosts; h++) {
                if (!hosts[h].reachable)
                        continue;
                for (size_t i = 0; i < f->n_containers; i++)
                        if (placed_on(&f->containers[i], hosts[h].host) &&
                            (r = plan_container(p, &f->containers[i], &hosts[h], hosts, n_hosts)) < 0)
                                return r;
        }
        if (prune) {
                for (size_t h = 0; h < n_hosts; h++)
                        if (hosts[h].reachable && (r = plan_prune(p, f, &hosts[h], hosts, n_hosts)) < 0)
                                return r;
                for (size_t h = 0; h < n_hosts; h++)
                        if (hosts[h].reachable && (r = plan_prune_storage(p, f, &hosts[h])) < 0)
                                return r;
        }

        *ret = TAKE_PTR(p);
        return 0;
}
