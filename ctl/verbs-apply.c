/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* "sysctr apply FILE [--dry-run] [--prune] [--yes]": read the fleet file (common/fleet.h), read what
 * each host's sysctrd has (GetManagedObjects, GetContainerConfig: read-only calls), compute the plan
 * (common/fleet-plan.h), print it, and carry it out in its order, stopping at the first failure with
 * an account of what was done and what was not. A second run computes a new plan from what is there,
 * so it converges; with nothing to do it makes no call that changes anything. */
#include <stdio.h>
#include <stdlib.h>

#include "bus-names.h"
#include "fleet-plan.h"
#include "log.h"
#include "parse-util.h"
#include "signal-util.h"
#include "strv.h"
#include "sysctr.h"

typedef struct ApplyHost {
        const char *name;       /* the fleet's host name, NULL without hosts */
        const char *address;    /* NULL: the host sysctr talks to (-H or this one) */
        sd_bus *bus;
        const Fleet *fleet;
} ApplyHost;

static void apply_hosts_free(ApplyHost *h, HostState *s, size_t n) {
        for (size_t i = 0; i < n; i++) {
                sd_bus_flush_close_unref(h[i].bus);
                host_state_done(&s[i]);
        }
        free(h);
        free(s);
}

static const char *host_label(const ApplyHost *h) {
        return h->name ?: (h->address ?: _("this host"));
}

/* ------------------------------------------------------------------------------------------------
 * Reading what a host has */

/* A property wanted of an interface: a string ('s') or a list of strings ('a'). */
typedef struct Prop {
        const char *key;
        char type;
        char *string;
        char **strv;
} Prop;

static void props_done(Prop *props, size_t n) {
        for (size_t i = 0; i < n; i++) {
                props[i].string = mfree(props[i].string);
                props[i].strv = strv_free(props[i].strv);
        }
}

static int read_prop(sd_bus_message *m, Prop *p, const char *contents) {
        const char *v;
        int r;

        if (p->type == 's' && streq(contents, "s")) {
                r = sd_bus_message_read(m, "v", "s", &v);
                if (r < 0)
                        return r;
                p->string = strdup(v);
                return p->string ? 1 : -ENOMEM;
        }
        if (p->type == 'a' && streq(contents, "as")) {
                r = sd_bus_message_enter_container(m, 'v', "as");
                if (r >= 0)
                        r = sd_bus_message_read_strv(m, &p->strv);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                return r < 0 ? r : 1;
        }
        return 0;
}

/* The properties wanted of one interface's a{sv}; the others skipped. */
static int read_properties(sd_bus_message *m, Prop *props, size_t n) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *contents;
                int taken = 0;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n && taken == 0; i++)
                        if (streq(key, props[i].key) && !props[i].string && !props[i].strv) {
                                taken = read_prop(m, &props[i], contents);
                                if (taken < 0)
                                        return taken;
                        }
                if (taken == 0 && (r = sd_bus_message_skip(m, "v")) < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

/* One interface of an object of GetManagedObjects: its container, network or volume into s
 * (containers without their config yet). The network and storage work's properties: a network's
 * Name, Type, Subnet and Containers, a volume's Name and UsedBy. */
static int read_interface(sd_bus_message *m, const char *iface, HostState *s) {
        Prop p[4] = { { "Name", 's' } };
        int r;

        if (streq(iface, SYSCTR_CONTAINER_INTERFACE)) {
                p[1] = (Prop) { "State", 's' };
                r = read_properties(m, p, 2);
                if (r >= 0 && p[0].string) {
                        r = host_state_add_container(s, p[0].string, p[1].string, NULL);
                        if (r >= 0)
                                p[0].string = p[1].string = NULL;
                }
        } else if (streq(iface, SYSCTR_NETWORK_INTERFACE)) {
                p[1] = (Prop) { "Type", 's' };
                p[2] = (Prop) { "Subnet", 's' };
                p[3] = (Prop) { "Containers", 'a' };
                r = read_properties(m, p, 4);
                if (r >= 0 && p[0].string)
                        r = host_state_add_network(s, p[0].string, p[1].string, isempty(p[2].string) ? NULL : p[2].string,
                                                   p[3].strv);
        } else if (streq(iface, SYSCTR_VOLUME_INTERFACE)) {
                p[1] = (Prop) { "UsedBy", 'a' };
                r = read_properties(m, p, 2);
                if (r >= 0 && p[0].string)
                        r = host_state_add_volume(s, p[0].string, p[1].strv);
        } else
                r = sd_bus_message_skip(m, "a{sv}");
        props_done(p, ELEMENTSOF(p));
        return r;
}

static int read_object(sd_bus_message *m, HostState *s) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
                const char *iface;

                r = sd_bus_message_read(m, "s", &iface);
                if (r >= 0)
                        r = read_interface(m, iface, s);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int read_managed_objects(sd_bus *bus, HostState *s) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(bus, SYSCTR_BUS_NAME, SYSCTR_MANAGER_PATH, "org.freedesktop.DBus.ObjectManager",
                               "GetManagedObjects", &error, &reply, NULL);
        if (r < 0) {
                if (asprintf(&s->error, "%s", error.message ?: strerror(-r)) < 0)
                        return log_oom();
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}")) > 0) {
                r = sd_bus_message_skip(reply, "o");
                if (r >= 0)
                        r = read_object(reply, s);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
        }
        if (r < 0)
                return log_error_errno(r, _("Failed to parse the objects of sysctrd: %m"));
        return 0;
}

/* The config of each container the fleet names that the host has; unreadable ones stay NULL (a
 * broken container, a conflict in the plan). */
static int read_configs(sd_bus *bus, const Fleet *f, HostState *s) {
        for (size_t i = 0; i < s->n_containers; i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_free_ char *err = NULL;
                HostContainer *c = &s->containers[i];
                const char *yaml;
                int r;

                if (!fleet_get_container(f, c->name))
                        continue;
                r = sd_bus_call_method(bus, SYSCTR_BUS_NAME, SYSCTR_MANAGER_PATH, SYSCTR_MANAGER_INTERFACE,
                                       "GetContainerConfig", &error, &reply, "s", c->name);
                if (r < 0) {
                        log_debug("No config of %s: %s", c->name, error.message ?: strerror(-r));
                        continue;
                }
                r = sd_bus_message_read(reply, "s", &yaml);
                if (r < 0)
                        return log_error_errno(r, _("Failed to parse the reply of sysctrd: %m"));
                if (container_config_parse(yaml, strlen(yaml), c->name, &c->config, &err) < 0)
                        log_debug("Config of %s unreadable: %s", c->name, strna(err));
        }
        return 0;
}

/* Connects and reads; a host that cannot be reached is marked so, with the reason. */
static int read_host(ApplyHost *h, const Fleet *f, HostState *s) {
        int r;

        r = ctl_bus_open_host(h->address, &h->bus);
        if (r >= 0)
                r = read_managed_objects(h->bus, s);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                if (!s->error && asprintf(&s->error, "%s", strerror(-r)) < 0)
                        return log_oom();
                h->bus = sd_bus_flush_close_unref(h->bus);
                return 0;
        }
        r = read_configs(h->bus, f, s);
        if (r < 0)
                return r;
        s->reachable = true;
        return 0;
}

static int open_hosts(const Fleet *f, ApplyHost **ret_hosts, HostState **ret_states, size_t *ret_n) {
        size_t n = MAX(f->n_hosts, (size_t) 1);
        ApplyHost *hosts;
        HostState *states;
        int r = 0;

        hosts = calloc(n, sizeof(ApplyHost));
        states = calloc(n, sizeof(HostState));
        if (!hosts || !states) {
                free(hosts);
                free(states);
                return log_oom();
        }
        if (f->n_hosts == 0)
                hosts[0].address = ctl_get_host();
        for (size_t i = 0; i < n; i++)
                hosts[i].fleet = f;
        for (size_t i = 0; i < f->n_hosts; i++) {
                hosts[i].name = f->hosts[i].name;
                hosts[i].address = f->hosts[i].address;
                states[i].host = strdup(f->hosts[i].name);
                if (!states[i].host)
                        r = log_oom();
        }
        for (size_t i = 0; i < n && r >= 0; i++)
                r = read_host(&hosts[i], f, &states[i]);
        if (r < 0) {
                apply_hosts_free(hosts, states, n);
                return r;
        }
        *ret_hosts = hosts;
        *ret_states = states;
        *ret_n = n;
        return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Printing */

static char plan_symbol(PlanOp op) {
        return "+~>-!"[op];
}

static void print_action(const PlanAction *a, bool hosts) {
        const FleetContainer *c = a->container;
        char size[FORMAT_SIZE_MAX];

        printf("  %c %s %s", plan_symbol(a->op), plan_kind_to_string(a->kind), a->name);
        if (hosts && a->op == PLAN_MOVE)
                printf(_(" from %s to %s"), a->from_host, a->host);
        else if (hosts)
                printf(_(" on %s"), a->host);
        if (a->op == PLAN_CREATE && a->kind == PLAN_NETWORK)
                printf(" (%s%s%s)", a->network->type, a->network->subnet ? ", " : "", strempty(a->network->subnet));
        else if (a->op == PLAN_CREATE && a->kind == PLAN_VOLUME && a->volume->size > 0)
                printf(" (%s)", format_size(a->volume->size, size));
        else if ((a->op == PLAN_CREATE || a->op == PLAN_MOVE) && c)
                printf(_(" (template %s%s%s)"), c->config->template,
                       a->op == PLAN_MOVE && a->running ? _(", stopped for the move") : "",
                       c->config->autostart || (a->op == PLAN_MOVE && a->running) ? _(", started") : "");
        else if (a->op == PLAN_DELETE && a->running)
                printf(_(" (running: stopped first)"));
        if (a->op == PLAN_CONFLICT)
                printf(": %s", a->reason);
        printf("\n");

        for (size_t i = 0; i < a->n_changes; i++) {
                const PlanChange *ch = &a->changes[i];
                const char *when = ch->when == CHANGE_LIVE    ? _("live")
                                 : ch->when == CHANGE_NEVER   ? _("cannot change in place")
                                 : ch->when == CHANGE_STOPPED && a->running ? _("stopped and started again")
                                 : ch->when == CHANGE_STOPPED ? _("while stopped")
                                 : a->running                 ? _("needs a restart")
                                                              : _("at the next start");

                printf("      %s: %s -> %s (%s)\n", ch->key, ch->old_value, ch->new_value, when);
        }
}

static void print_plan(const Plan *p, const char *filename, const ApplyHost *h, const HostState *s, size_t n,
                       bool hosts) {
        size_t counts[_PLAN_OP_MAX] = {}, unreachable = 0;

        for (size_t i = 0; i < n; i++)
                if (!s[i].reachable) {
                        printf(_("%s (%s) cannot be reached: %s. Nothing is planned for it.\n"), host_label(&h[i]),
                               strna(h[i].address), strna(s[i].error));
                        unreachable++;
                }
        if (p->n_actions == 0) {
                if (unreachable > 0)
                        printf(_("Nothing to do on the hosts that could be reached.\n"));
                else
                        printf(_("Nothing to do: %s is applied.\n"), filename);
                return;
        }
        printf(_("Plan for %s:\n"), filename);
        for (size_t i = 0; i < p->n_actions; i++) {
                print_action(&p->actions[i], hosts);
                counts[p->actions[i].op]++;
        }
        printf(_("%zu to create, %zu to change, %zu to move, %zu to delete"), counts[PLAN_CREATE],
               counts[PLAN_CHANGE], counts[PLAN_MOVE], counts[PLAN_DELETE]);
        if (counts[PLAN_CONFLICT] > 0)
                printf(_(", %zu conflicting"), counts[PLAN_CONFLICT]);
        printf(".\n");
}

/* ------------------------------------------------------------------------------------------------
 * Carrying out */

static int append_sv(sd_bus_message *m, const char *key, const char *type, ...) {
        va_list ap;
        int r;

        va_start(ap, type);
        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", key);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', type);
        if (r >= 0)
                r = sd_bus_message_appendv(m, type, ap);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        va_end(ap);
        return r;
}

/* The networks option as --network takes it, with what the entry gives of addresses and MACs. */
static int append_networks(sd_bus_message *m, const ContainerConfig *c) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        r = container_networks_strv(c, c, &l);
        if (r < 0)
                return r;
        return ctl_append_strv_option(m, "networks", l);
}

/* One setting of the desired config as an option of CreateContainer/SetContainer ("infinity" for no
 * limit, which SetContainer takes to remove one). */
static int append_setting(sd_bus_message *m, const ContainerConfig *c, const char *key) {
        char sig[SIGNAL_STRING_MAX];

        if (streq(key, "hostname"))
                return append_sv(m, key, "s", c->hostname ?: c->name);
        if (streq(key, "init"))
                return ctl_append_strv_option(m, key, c->init);
        if (streq(key, "stop-signal"))
                return append_sv(m, key, "s", signal_to_string(c->stop_signal, sig) ?: "SIGRTMIN+3");
        if (streq(key, "stop-timeout"))
                return append_sv(m, key, "u", c->stop_timeout_sec);
        if (streq(key, "autostart"))
                return append_sv(m, key, "b", c->autostart);
        if (streq(key, "memory"))
                return c->memory_max > 0 ? append_sv(m, key, "t", c->memory_max) : append_sv(m, key, "s", "infinity");
        if (streq(key, "cpus"))
                return c->cpu_millis > 0 ? append_sv(m, key, "d", (double) c->cpu_millis / 1000.0)
                                         : append_sv(m, key, "s", "infinity");
        if (streq(key, "pids"))
                return c->tasks_max > 0 ? append_sv(m, key, "t", c->tasks_max) : append_sv(m, key, "s", "infinity");
        if (streq(key, "binds"))
                return ctl_append_strv_option(m, key, c->binds);
        if (streq(key, "networks"))
                return append_networks(m, c);
        if (streq(key, "publish"))
                return ctl_append_strv_option(m, key, c->publish);
        if (streq(key, "allow-host"))
                return append_sv(m, key, "b", c->allow_host);
        if (streq(key, "volumes"))
                return ctl_append_strv_option(m, key, c->volumes);
        if (streq(key, "tmpfs"))
                return ctl_append_strv_option(m, key, c->tmpfs);
        return -EINVAL;
}

static int append_mounts(sd_bus_message *m, const FleetContainer *c) {
        _cleanup_strv_free_ char **l = NULL;

        for (size_t i = 0; i < c->n_mounts; i++) {
                _cleanup_free_ char *s = NULL;

                if (asprintf(&s, "%s:%s%s", c->mounts[i].volume, c->mounts[i].target,
                             c->mounts[i].read_only ? ":ro" : "") < 0 ||
                    strv_push(&l, TAKE_PTR(s)) < 0)
                        return -ENOMEM;
        }
        return ctl_append_strv_option(m, "volumes", l);
}

/* CreateContainer's options: what the entry gives (the rest is the template's default). */
static int append_create_options(sd_bus_message *m, const FleetContainer *fc) {
        static const char * const settings[] = { "hostname", "init", "stop-signal", "stop-timeout", "autostart",
                                                 "memory", "cpus", "pids", "binds", NULL };
        const ContainerConfig *c = fc->config;
        int r;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0 && c->release)
                r = append_sv(m, "release", "s", c->release);
        for (size_t i = 0; settings[i] && r >= 0; i++)
                if (fleet_container_gives(fc, settings[i]))
                        r = append_setting(m, c, settings[i]);
        if (r >= 0 && c->privileged)
                r = append_sv(m, "privileged", "b", true);
        if (r >= 0 && c->id_base > 0)
                r = append_sv(m, "id-base", "u", c->id_base);
        /* Networking and storage, where the entry gives them (the rest: sysctrd's defaults). */
        if (r >= 0 && (fleet_container_gives(fc, "networks") || fleet_container_gives(fc, "network-mode")))
                r = append_networks(m, c);
        if (r >= 0 && fc->n_mounts > 0)
                r = append_mounts(m, fc);
        if (r >= 0 && c->tmpfs)
                r = ctl_append_strv_option(m, "tmpfs", c->tmpfs);
        if (r >= 0 && c->publish)
                r = ctl_append_strv_option(m, "publish", c->publish);
        if (r >= 0 && c->allow_host)
                r = append_sv(m, "allow-host", "b", true);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

static int wait_job_reply(JobWait *w, sd_bus_message *reply, const char *name) {
        const char *job;
        int r;

        r = sd_bus_message_read(reply, "o", &job);
        if (r < 0)
                return log_error_errno(r, _("Failed to parse the reply of sysctrd: %m"));
        r = job_wait_add(w, job, name);
        if (r < 0)
                return r;
        return job_wait_run(w);
}

static int container_job(sd_bus *bus, const char *method, const char *name) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(job_wait_freep) JobWait *w = NULL;
        int r;

        r = job_wait_new(bus, &w);
        if (r >= 0)
                r = ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, &reply, method, "s", name);
        if (r < 0)
                return r;
        return wait_job_reply(w, reply, name);
}

static int create_container(sd_bus *bus, const FleetContainer *c) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(job_wait_freep) JobWait *w = NULL;
        int r;

        r = job_wait_new(bus, &w);
        if (r >= 0)
                r = job_wait_expect_create(w, c->config->name);
        if (r >= 0)
                r = ctl_new_manager_call(bus, "CreateContainer", &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "ss", c->config->name, c->config->template);
        if (r >= 0)
                r = append_create_options(m, c);
        if (r < 0)
                return log_error_errno(r, _("Failed to create a bus message: %m"));
        r = ctl_call(bus, m, CTL_TIMEOUT_DEFAULT, NULL);
        if (r >= 0)
                r = job_wait_run(w);
        if (r < 0)
                return r;
        /* As "systemctl enable --now": a container that starts with the host runs once declared. */
        return c->config->autostart ? container_job(bus, "StartContainer", c->config->name) : 0;
}

static bool changes_need_stop(const PlanAction *a) {
        for (size_t i = 0; i < a->n_changes; i++)
                if (a->changes[i].when == CHANGE_STOPPED)
                        return true;
        return false;
}

static int change_container(sd_bus *bus, const PlanAction *a) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        bool restart = a->running && changes_need_stop(a);
        int r;

        /* Networks and mounts are made at start: a running container is stopped for them, changed,
         * and started again (the plan said so). */
        if (restart) {
                r = container_job(bus, "StopContainer", a->name);
                if (r < 0)
                        return r;
        }
        r = ctl_new_manager_call(bus, "SetContainer", &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "s", a->name);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        for (size_t i = 0; i < a->n_changes && r >= 0; i++)
                r = append_setting(m, a->container->config, a->changes[i].key);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return log_error_errno(r, _("Failed to create a bus message: %m"));
        r = ctl_call(bus, m, CTL_TIMEOUT_DEFAULT, NULL);
        /* Started again also when the change was refused: it was running before. */
        if (restart) {
                int k = container_job(bus, "StartContainer", a->name);
                if (r >= 0)
                        r = k;
        }
        return r;
}

static int delete_container(sd_bus *bus, const PlanAction *a) {
        int r;

        if (a->running) {
                r = container_job(bus, "StopContainer", a->name);
                if (r < 0)
                        return r;
        }
        return ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, NULL, "DeleteContainer", "s", a->name);
}

/* A vxlan network's peers on host h: the other hosts that get it, as addresses. */
static int append_peers(sd_bus_message *m, const ApplyHost *h, const PlanAction *a) {
        _cleanup_strv_free_ char **names = NULL, **addresses = NULL;
        int r;

        r = fleet_network_peers(h->fleet, a->network, h->name, &names);
        if (r < 0)
                return r;
        if (!names) {
                log_error(_("Network %s is of type vxlan but no other host gets it: it has no peers on %s."),
                          a->name, host_label(h));
                return -EINVAL;
        }
        r = ctl_resolve_peers(names, NULL, &addresses);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "peers");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "as");
        if (r >= 0)
                r = sd_bus_message_append_strv(m, addresses);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r < 0 ? log_error_errno(r, _("Failed to create a bus message: %m")) : 0;
}

/* Networks and volumes: methods of the network and storage work, which an older sysctrd lacks. */
static int call_object_method(const ApplyHost *h, const char *method, const PlanAction *a) {
        sd_bus *bus = h->bus;
        const char *host = host_label(h);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = ctl_new_manager_call(bus, method, &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "s", a->name);
        if (r >= 0 && a->op == PLAN_CREATE) {
                r = sd_bus_message_open_container(m, 'a', "{sv}");
                if (r >= 0 && a->kind == PLAN_NETWORK)
                        r = append_sv(m, "type", "s", a->network->type);
                if (r >= 0 && a->kind == PLAN_NETWORK && a->network->subnet)
                        r = append_sv(m, "subnet", "s", a->network->subnet);
                if (r >= 0 && a->kind == PLAN_NETWORK && streq(a->network->type, "vxlan")) {
                        r = append_peers(m, h, a);
                        if (r < 0)
                                return r;
                }
                if (r >= 0 && a->kind == PLAN_VOLUME && a->volume->size > 0)
                        r = append_sv(m, "size", "t", a->volume->size);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        }
        if (r < 0)
                return log_error_errno(r, _("Failed to create a bus message: %m"));

        r = sd_bus_call(bus, m, CTL_TIMEOUT_DEFAULT, &error, NULL);
        if (r < 0 && sd_bus_error_has_names(&error, SD_BUS_ERROR_UNKNOWN_METHOD, SD_BUS_ERROR_UNKNOWN_INTERFACE)) {
                log_error(_("The sysctrd of %s has no %ss: it does not know the method %s of %s."), host,
                          plan_kind_to_string(a->kind), method, SYSCTR_MANAGER_INTERFACE);
                return -EOPNOTSUPP;
        }
        if (r < 0)
                return ctl_log_bus_error(&error, r, method);
        return 0;
}

/* Stopped first if it runs; started on the target if it ran or starts with its host; started again
 * where it was if the move fails (the source is intact then). */
static int move_container(const PlanAction *a, const ApplyHost *from, const ApplyHost *to) {
        int r;

        if (a->running) {
                r = container_job(from->bus, "StopContainer", a->name);
                if (r < 0)
                        return r;
        }
        r = ctl_transfer_container(from->bus, from->address, to->bus, to->address, a->name, a->name,
                                   a->container->n_mounts > 0, true);
        if (r < 0) {
                if (a->running)
                        (void) container_job(from->bus, "StartContainer", a->name);
                return r;
        }
        if (a->running || a->container->config->autostart)
                return container_job(to->bus, "StartContainer", a->name);
        return 0;
}

static int execute_action(const PlanAction *a, const ApplyHost *h, const ApplyHost *from) {
        switch (a->kind) {
        case PLAN_NETWORK:
                return call_object_method(h, a->op == PLAN_CREATE ? "CreateNetwork" : "DeleteNetwork", a);
        case PLAN_VOLUME:
                return call_object_method(h, a->op == PLAN_CREATE ? "CreateVolume" : "DeleteVolume", a);
        default:
                break;
        }
        switch (a->op) {
        case PLAN_CREATE:
                return create_container(h->bus, a->container);
        case PLAN_CHANGE:
                return change_container(h->bus, a);
        case PLAN_MOVE:
                return move_container(a, from, h);
        case PLAN_DELETE:
                return delete_container(h->bus, a);
        default:
                return -EINVAL;
        }
}

static const ApplyHost *find_apply_host(const ApplyHost *hosts, size_t n, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (streq_ptr(hosts[i].name, name))
                        return &hosts[i];
        return NULL;
}

static void print_list(const char *title, const Plan *p, size_t from, size_t to, bool hosts) {
        if (from >= to)
                return;
        printf("%s\n", title);
        for (size_t i = from; i < to; i++)
                print_action(&p->actions[i], hosts);
}

static int execute_plan(const Plan *p, const ApplyHost *hosts, size_t n, bool with_hosts) {
        for (size_t i = 0; i < p->n_actions; i++) {
                const PlanAction *a = &p->actions[i];
                const ApplyHost *h = find_apply_host(hosts, n, a->host);
                int r;

                r = execute_action(a, h, a->from_host ? find_apply_host(hosts, n, a->from_host) : NULL);
                if (r < 0) {
                        print_list(_("Done:"), p, 0, i, with_hosts);
                        print_list(_("Failed:"), p, i, i + 1, with_hosts);
                        print_list(_("Not done:"), p, i + 1, p->n_actions, with_hosts);
                        printf(_("Run \"sysctr apply\" again to go on from here.\n"));
                        return r;
                }
                printf(_("Done: %s %s %s%s%s\n"), plan_op_to_string(a->op), plan_kind_to_string(a->kind), a->name,
                       with_hosts ? _(" on ") : "", with_hosts ? a->host : "");
        }
        return 0;
}

/* On a terminal: ask, unless --yes. Elsewhere: deletions need --yes, the rest goes ahead. */
static int confirm(const Plan *p, const CtlOptions *o) {
        char answer[16] = "";

        if (o->yes)
                return 0;
        if (!isatty(STDIN_FILENO)) {
                if (p->n_deletes == 0)
                        return 0;
                log_error(ngettext("The plan deletes %zu object: run with --yes to confirm.",
                                   "The plan deletes %zu objects: run with --yes to confirm.", p->n_deletes),
                          p->n_deletes);
                return -ECANCELED;
        }
        printf(_("Apply this plan? [y/N] "));
        fflush(stdout);
        if (!fgets(answer, sizeof(answer), stdin) || !(answer[0] == 'y' || answer[0] == 'Y')) {
                log_error(_("Nothing was changed."));
                return -ECANCELED;
        }
        return 0;
}

int verb_apply(char **args, const CtlOptions *o) {
        _cleanup_(fleet_freep) Fleet *f = NULL;
        _cleanup_(plan_freep) Plan *p = NULL;
        _cleanup_free_ char *err = NULL;
        ApplyHost *hosts = NULL;
        HostState *states = NULL;
        size_t n = 0, unreachable = 0;
        int r;

        r = fleet_load(args[0], &f, &err);
        if (r == -EINVAL)
                return log_error_errno(r, "%s", err);
        if (r < 0)
                return log_error_errno(r, _("Failed to read %s: %m"), args[0]);

        r = open_hosts(f, &hosts, &states, &n);
        if (r < 0)
                return r;
        r = fleet_plan(f, states, n, o->prune, &p);
        if (r < 0) {
                apply_hosts_free(hosts, states, n);
                return log_error_errno(r, _("Failed to compute the plan: %m"));
        }
        for (size_t i = 0; i < n; i++)
                unreachable += !states[i].reachable;

        print_plan(p, args[0], hosts, states, n, f->n_hosts > 0);
        if (p->n_conflicts > 0) {
                log_error(_("The plan has conflicts: nothing was changed."));
                r = -EINVAL;
        } else if (!o->dry_run && p->n_actions > 0) {
                r = confirm(p, o);
                if (r >= 0)
                        r = execute_plan(p, hosts, n, f->n_hosts > 0);
        }
        if (r >= 0 && unreachable > 0) {
                log_error(_("%zu of %zu hosts could not be reached; run \"sysctr apply\" again once they can."),
                          unreachable, n);
                r = -EHOSTUNREACH;
        }
        apply_hosts_free(hosts, states, n);
        return r;
}
