/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The plan of "sysctr apply" (common/fleet-plan.h), from fleets and host states made up here. */
#include <stdio.h>
#include <stdlib.h>

#include "fleet-plan.h"
#include "strv.h"
#include "tap.h"

#ifndef STRV_MAKE
#define STRV_MAKE(...) ((char *[]) { __VA_ARGS__, NULL })
#endif

#define ID "0b0c1d2e-3f40-4152-8637-48596a7b8c9d"

static Fleet *fleet(const char *text) {
        _cleanup_free_ char *err = NULL;
        Fleet *f = NULL;

        if (fleet_parse(text, strlen(text), "f.yaml", &f, &err) < 0)
                diag("fleet: %s", strna(err));
        return f;
}

/* A container as sysctrd would have it: the config.yaml it keeps (YAML lines after the name). */
static void have_container(HostState *s, const char *name, const char *state, const char *yaml) {
        _cleanup_free_ char *text = NULL, *err = NULL;
        ContainerConfig *c = NULL;

        if (asprintf(&text, "name: %s\nid: " ID "\nimage: img\n%s", name, yaml) < 0)
                abort();
        if (container_config_parse(text, strlen(text), "config.yaml", &c, &err) < 0)
                diag("config: %s", strna(err));
        if (host_state_add_container(s, strdup(name), strdup(state), c) < 0)
                abort();
}

static const char *describe(const PlanAction *a, char *buf, size_t size) {
        snprintf(buf, size, "%s %s %s%s%s%s%s", plan_op_to_string(a->op), plan_kind_to_string(a->kind), a->name,
                 a->host ? "@" : "", strempty(a->host), a->from_host ? "<" : "", strempty(a->from_host));
        return buf;
}

/* The plan as one line: "create network lan0; create container web1@h1..." */
static char *plan_string(const Plan *p) {
        char *s = NULL, buf[256];
        size_t n = 0;
        FILE *m = open_memstream(&s, &n);

        for (size_t i = 0; i < p->n_actions; i++)
                fprintf(m, "%s%s", i ? "; " : "", describe(&p->actions[i], buf, sizeof(buf)));
        fclose(m);
        return s;
}

static void expect_plan(const Fleet *f, const HostState *hosts, size_t n, bool prune, const char *expected,
                        const char *desc) {
        _cleanup_(plan_freep) Plan *p = NULL;
        _cleanup_free_ char *s = NULL;

        is_int(fleet_plan(f, hosts, n, prune, &p), 0, "%s: planned", desc);
        if (!p)
                return;
        s = plan_string(p);
        is_str(s, expected, "%s", desc);
}

#define FLEET1                                          \
        "networks:\n"                                   \
        "  - {name: lan0, subnet: 10.88.0.0/24}\n"      \
        "volumes:\n"                                    \
        "  - {name: data}\n"                            \
        "containers:\n"                                 \
        "  - name: web1\n"                              \
        "    template: busybox\n"                       \
        "    memory: 512M\n"                            \
        "    networks: [lan0]\n"                        \
        "    volumes: [\"data:/srv\"]\n"                \
        "  - name: db1\n"                               \
        "    template: busybox\n"

static void test_from_scratch_and_noop(void) {
        _cleanup_(fleet_freep) Fleet *f = fleet(FLEET1);
        HostState s = { .reachable = true };

        expect_plan(f, &s, 1, false,
                    "create network lan0; create volume data; create container web1; create container db1",
                    "from scratch: networks and volumes first, containers in file order");

        host_state_add_network(&s, "lan0", "bridge", "10.88.0.0/24", NULL);
        host_state_add_volume(&s, "data", NULL);
        /* Its address, which sysctrd allocated, is not the file's to compare. */
        have_container(&s, "web1", "running",
                       "template: busybox\nmemory: 512M\nvolumes: [\"data:/srv\"]\n"
                       "networks:\n- name: lan0\n  ip: 10.88.0.2\n  mac: \"6e:2c:11:8a:90:3d\"\n");
        /* Keys whose default is the template's, left out of the file: not compared. */
        have_container(&s, "db1", "stopped", "template: busybox\ninit: [/bin/sh]\nstop-signal: SIGUSR2\n");
        expect_plan(f, &s, 1, true, "", "everything there: nothing to do, even with prune");
        host_state_done(&s);
}

static void test_changes(void) {
        _cleanup_(fleet_freep) Fleet *f = fleet("containers:\n"
                                                "  - name: web1\n"
                                                "    template: busybox\n"
                                                "    memory: 1G\n"
                                                "    hostname: www\n"
                                                "    init: [/sbin/init]\n"
                                                "    binds: [\"/srv:/srv\"]\n");
        _cleanup_(plan_freep) Plan *p = NULL;
        HostState s = { .reachable = true };
        const PlanAction *a;

        have_container(&s, "web1", "running",
                       "template: busybox\nmemory: 512M\ncpus: 1.5\ninit: [/bin/sh]\nautostart: true\n");
        is_int(fleet_plan(f, &s, 1, false, &p), 0, "changes planned");
        if (!p || p->n_actions != 1) {
                ok(false, "one action");
                host_state_done(&s);
                return;
        }
        a = &p->actions[0];
        is_int(a->op, PLAN_CHANGE, "a change");
        ok(a->running, "of a running container");
        is_int(a->n_changes, 6, "six keys differ");
        if (a->n_changes == 6) {
                /* config.yaml's order; a key left out of the file means its default. */
                is_str(a->changes[0].key, "hostname", "hostname");
                is_str(a->changes[0].old_value, "web1", "old hostname: the name");
                is_str(a->changes[0].new_value, "www", "new hostname");
                is_int(a->changes[0].when, CHANGE_RESTART, "hostname at the next start");
                is_str(a->changes[1].key, "init", "init (given)");
                is_str(a->changes[1].old_value, "[/bin/sh]", "old init");
                is_str(a->changes[2].key, "autostart", "autostart left out: false");
                is_str(a->changes[2].new_value, "false", "autostart new");
                is_int(a->changes[2].when, CHANGE_LIVE, "autostart live");
                is_str(a->changes[3].key, "memory", "memory");
                is_str(a->changes[3].old_value, "512M", "old memory");
                is_str(a->changes[3].new_value, "1G", "new memory");
                is_int(a->changes[3].when, CHANGE_LIVE, "memory live");
                is_str(a->changes[4].key, "cpus", "cpus left out: no limit");
                is_str(a->changes[4].new_value, "none", "cpus new");
                is_str(a->changes[5].key, "binds", "binds");
                is_str(a->changes[5].old_value, "none", "old binds");
                is_str(a->changes[5].new_value, "[/srv:/srv]", "new binds");
        }
        host_state_done(&s);
}

static void test_attachment_changes(void) {
        _cleanup_(fleet_freep) Fleet *f = fleet("networks:\n"
                                                "  - {name: lan0, subnet: 10.88.0.0/24}\n"
                                                "volumes:\n"
                                                "  - {name: data}\n"
                                                "containers:\n"
                                                "  - name: web1\n"
                                                "    template: busybox\n"
                                                "    networks: [lan0]\n"
                                                "    publish: [\"8080:80\"]\n"
                                                "    allow-host: true\n"
                                                "    volumes: [\"data:/srv\"]\n"
                                                "    tmpfs: [\"/scratch:size=64M\"]\n");
        _cleanup_(plan_freep) Plan *p = NULL;
        HostState s = { .reachable = true };
        const PlanAction *a;

        host_state_add_network(&s, "lan0", "bridge", "10.88.0.0/24", NULL);
        host_state_add_volume(&s, "data", NULL);
        have_container(&s, "web1", "running",
                       "template: busybox\nnetworks:\n- name: sysctr0\n  ip: 10.88.1.2\n");
        is_int(fleet_plan(f, &s, 1, false, &p), 0, "attachment changes planned");
        if (!p || p->n_actions != 1) {
                ok(false, "one action");
                host_state_done(&s);
                return;
        }
        a = &p->actions[0];
        is_int(a->op, PLAN_CHANGE, "a change of the networks, ports and mounts");
        is_int(a->n_changes, 5, "five keys differ");
        if (a->n_changes == 5) {
                is_str(a->changes[0].key, "networks", "networks");
                is_str(a->changes[0].old_value, "[sysctr0]", "old networks: names, not sysctrd's addresses");
                is_str(a->changes[0].new_value, "[lan0]", "new networks");
                is_int(a->changes[0].when, CHANGE_STOPPED, "networks change while stopped");
                is_str(a->changes[1].key, "publish", "publish");
                is_str(a->changes[1].new_value, "[8080:80]", "new published ports");
                is_int(a->changes[1].when, CHANGE_LIVE, "published ports change live");
                is_str(a->changes[2].key, "allow-host", "allow-host");
                is_int(a->changes[2].when, CHANGE_LIVE, "host access changes live");
                is_str(a->changes[3].key, "volumes", "volumes");
                is_str(a->changes[3].new_value, "[data:/srv]", "new volumes");
                is_int(a->changes[3].when, CHANGE_STOPPED, "volumes change while stopped");
                is_str(a->changes[4].key, "tmpfs", "tmpfs");
                is_int(a->changes[4].when, CHANGE_STOPPED, "tmpfs mounts change while stopped");
        }
        is_str(change_when_to_string(CHANGE_STOPPED), "while stopped", "CHANGE_STOPPED's name");
        host_state_done(&s);
}

static void test_conflicts(void) {
        _cleanup_(fleet_freep) Fleet *f = fleet("networks:\n  - {name: lan0, subnet: 10.99.0.0/24}\n"
                                                "containers:\n  - {name: web1, template: debian}\n");
        _cleanup_(plan_freep) Plan *p = NULL;
        HostState s = { .reachable = true };

        host_state_add_network(&s, "lan0", "bridge", "10.88.0.0/24", NULL);
        have_container(&s, "web1", "stopped", "template: busybox\n");
        is_int(fleet_plan(f, &s, 1, false, &p), 0, "planned");
        if (p) {
                is_int(p->n_conflicts, 2, "two conflicts");
                ok(p->n_actions == 2 && p->actions[0].op == PLAN_CONFLICT && p->actions[1].op == PLAN_CONFLICT,
                   "both are conflicts");
                if (p->n_actions == 2) {
                        is_str(p->actions[0].reason,
                               "network lan0 has subnet 10.88.0.0/24, the file says 10.99.0.0/24: delete it first",
                               "subnet conflict");
                        is_str(p->actions[1].reason,
                               "container web1: template cannot change in place: delete the container first (or "
                               "give the new one another name)", "template conflict");
                }
        }
        host_state_done(&s);
}

static void test_prune(void) {
        _cleanup_(fleet_freep) Fleet *f = fleet("containers:\n  - {name: web1, template: busybox}\n");
        HostState s = { .reachable = true };

        have_container(&s, "web1", "stopped", "template: busybox\n");
        have_container(&s, "old1", "running", "template: busybox\n");
        host_state_add_network(&s, "lan9", "bridge", NULL, NULL);
        host_state_add_volume(&s, "junk", NULL);
        expect_plan(f, &s, 1, false, "", "without prune, what the file does not name stays");
        expect_plan(f, &s, 1, true, "delete container old1; delete volume junk; delete network lan9",
                    "prune: containers first, then volumes, then networks");
        /* sysctrd's default network and a volume, used by web1, which stays; and by old1, which goes. */
        host_state_add_network(&s, "sysctr0", "bridge", "10.100.0.0/24", STRV_MAKE("web1", "old1"));
        host_state_add_network(&s, "lan8", "bridge", NULL, STRV_MAKE("old1"));
        host_state_add_volume(&s, "web-data", STRV_MAKE("web1"));
        expect_plan(f, &s, 1, true,
                    "delete container old1; delete volume junk; delete network lan9; delete network lan8",
                    "prune keeps what a staying container uses, deletes what only a deleted one used");
        host_state_done(&s);
}

#define FLEET2                                                  \
        "networks:\n  - {name: lan0}\n  - {name: spare}\n"      \
        "volumes:\n  - {name: data}\n"                          \
        "containers:\n"                                         \
        "  - {name: a, template: busybox, networks: [lan0], volumes: [\"data:/d\"]}\n" \
        "  - {name: b, template: busybox, networks: [lan0]}\n"  \
        "hosts:\n"                                              \
        "  - {name: h1, address: h1, containers: [a]}\n"        \
        "  - {name: h2, address: h2, containers: [b]}\n"

static void test_hosts(void) {
        _cleanup_(fleet_freep) Fleet *f = fleet(FLEET2);
        HostState s[2] = { { .host = strdup("h1"), .reachable = true }, { .host = strdup("h2"), .reachable = true } };

        expect_plan(f, s, 2, false,
                    "create network lan0@h1; create network spare@h1; create volume data@h1; "
                    "create network lan0@h2; create network spare@h2; create container a@h1; create container b@h2",
                    "two hosts: a network where it is used (an unused one everywhere), a volume where it is used");

        host_state_add_network(&s[0], "lan0", NULL, NULL, NULL);
        host_state_add_network(&s[0], "spare", NULL, NULL, NULL);
        host_state_add_volume(&s[0], "data", NULL);
        host_state_add_network(&s[1], "lan0", NULL, NULL, NULL);
        host_state_add_network(&s[1], "spare", NULL, NULL, NULL);
        have_container(&s[0], "a", "running",
                       "template: busybox\nvolumes: [\"data:/d\"]\nnetworks:\n- name: lan0\n  ip: 10.88.0.2\n");
        /* b still on h1: the file moved it to h2. */
        have_container(&s[0], "b", "stopped", "template: busybox\nnetworks:\n- name: lan0\n");
        expect_plan(f, s, 2, true, "move container b@h2<h1", "a container the file moved: a move, not a delete");

        s[1].reachable = false;
        expect_plan(f, s, 2, true, "", "a host that is down: nothing planned for it or moved to it");
        s[1].reachable = true;

        have_container(&s[1], "b", "stopped", "template: busybox\nnetworks:\n- name: lan0\n");
        expect_plan(f, s, 2, false, "", "b on both hosts, no prune: the stray copy stays");
        expect_plan(f, s, 2, true, "delete container b@h1", "prune: the stray copy on h1 goes");
        host_state_done(&s[0]);
        host_state_done(&s[1]);
}

static void test_overlay_peers(void) {
        _cleanup_(fleet_freep) Fleet *f = fleet(
                "networks:\n  - name: ov0\n    type: vxlan\n    subnet: 10.99.0.0/24\n  - name: lan0\n"
                "containers:\n  - name: a\n    template: busybox\n    networks: [ov0]\n"
                "  - name: b\n    template: busybox\n    networks: [ov0]\n"
                "  - name: c\n    template: busybox\n    networks: [lan0]\n"
                "hosts:\n  - name: h1\n    address: root@192.0.2.1\n    containers: [a]\n"
                "  - name: h2\n    address: \"root@[2001:db8::2]:2222\"\n    containers: [b]\n"
                "  - name: h3\n    address: host3.example\n    containers: [c]\n");
        _cleanup_strv_free_ char **p1 = NULL, **p2 = NULL, **p3 = NULL;
        _cleanup_free_ char *j1 = NULL, *j2 = NULL;

        if (!f)
                return;
        ok(fleet_network_wanted_on(f, fleet_get_network(f, "ov0"), "h1") &&
           fleet_network_wanted_on(f, fleet_get_network(f, "ov0"), "h2") &&
           !fleet_network_wanted_on(f, fleet_get_network(f, "ov0"), "h3"),
           "a vxlan network goes to the hosts whose containers use it");
        is_int(fleet_network_peers(f, fleet_get_network(f, "ov0"), "h1", &p1), 0, "peers of h1");
        is_str(j1 = strv_join(p1, " "), "2001:db8::2", "...the other host that gets it, its address's host part");
        is_int(fleet_network_peers(f, fleet_get_network(f, "ov0"), "h2", &p2), 0, "peers of h2");
        is_str(j2 = strv_join(p2, " "), "192.0.2.1", "...and back");
        is_int(fleet_network_peers(f, fleet_get_network(f, "ov0"), "h3", &p3), 0, "a host that does not get it");
        ok(p3 && strv_length(p3) == 2, "...would see both as peers");
}

int main(void) {
        test_from_scratch_and_noop();
        test_changes();
        test_attachment_changes();
        test_conflicts();
        test_prune();
        test_hosts();
        test_overlay_peers();
        return done_testing();
}
