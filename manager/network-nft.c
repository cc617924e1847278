/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <sys/socket.h>

#include "log.h"
#include "network.h"
#include "port-spec.h"
#include "strv.h"

/* Our nftables table (nft.h, docs/networking.md) from sysctrd's state: every bridge network's
 * elements, and each running container's published ports and host access. Macvlan networks have
 * nothing in it. Each change is one batch; at start, the whole table in one. */

typedef struct RulesetData {
        NftNetwork *networks;
        size_t n_networks;
        NftEndpoint *endpoints;
        size_t n_endpoints;
        NftPort *ports;
        size_t n_ports;
} RulesetData;

static void ruleset_data_done(RulesetData *d) {
        free(d->networks);
        free(d->endpoints);
        free(d->ports);
}

static NftNetwork network_def(const Network *n) {
        const NetworkConfig *c = n->config;

        /* Every network is isolated from the others: containers of two bridges never talk, except
         * through published ports (which are public). */
        return (NftNetwork) { .name = c->name,
                              .type = NFT_NETWORK_BRIDGE,
                              .ifname = c->bridge,
                              .subnet4 = c->subnet4,
                              .subnet6 = c->subnet6,
                              .gateway4 = c->gateway4,
                              .gateway6 = c->gateway6,
                              .nat = c->nat,
                              .isolated = true };
}

static const ContainerNetwork *attachment_of(const ContainerConfig *c, const char *network) {
        for (size_t i = 0; c && i < c->n_networks; i++)
                if (streq(c->networks[i].name, network))
                        return &c->networks[i];
        return NULL;
}

/* Ports are published on the container's first bridge network. */
static bool is_first_bridge(Manager *m, const ContainerConfig *cfg, const char *network) {
        for (size_t i = 0; i < cfg->n_networks; i++) {
                Network *n = manager_get_network(m, cfg->networks[i].name);

                if (n && network_type_is_bridged(n->config->type))
                        return streq(n->config->name, network);
        }
        return false;
}

/* cfg's endpoint on bridge network n; its ports go to ports[] (room for all of cfg's). */
static int endpoint_def(Manager *m, const ContainerConfig *cfg, const Network *n, NftPort *ports, NftEndpoint *ret) {
        const ContainerNetwork *a = attachment_of(cfg, n->config->name);
        size_t k = 0;

        if (!a)
                return -ENOENT;
        if (is_first_bridge(m, cfg, n->config->name))
                STRV_FOREACH(p, cfg->publish)
                        if (port_spec_from_string(*p, &ports[k]) >= 0)
                                k++;
        *ret = (NftEndpoint) { .owner = cfg->name,
                               .has_address4 = a->has_ip4,
                               .has_address6 = a->has_ip6,
                               .address4 = a->ip4,
                               .address6 = a->ip6,
                               .ports = ports,
                               .n_ports = k,
                               .allow_host = cfg->allow_host };
        return 0;
}

/* Every bridge network, with the endpoints of the containers that run. */
static int ruleset_build(Manager *m, RulesetData *d) {
        _cleanup_free_ Network **networks = manager_sorted_networks(m);
        _cleanup_free_ Container **containers = manager_sorted_containers(m);
        size_t nn = hashmap_size(m->networks), nc = hashmap_size(m->containers), n_ports = 0;

        if (!networks || !containers)
                return -ENOMEM;
        for (size_t i = 0; i < nc; i++)
                n_ports += strv_length(containers[i]->config->publish);
        d->networks = calloc(nn + 1, sizeof(NftNetwork));
        d->endpoints = calloc(nn * nc + 1, sizeof(NftEndpoint));
        d->ports = calloc(nn * n_ports + 1, sizeof(NftPort));
        if (!d->networks || !d->endpoints || !d->ports)
                return -ENOMEM;
        for (size_t i = 0; i < nn; i++) {
                NftNetwork *def;

                if (!network_type_is_bridged(networks[i]->config->type))
                        continue;
                def = &d->networks[d->n_networks++];
                *def = network_def(networks[i]);
                def->endpoints = &d->endpoints[d->n_endpoints];
                for (size_t j = 0; j < nc; j++) {
                        NftEndpoint *e = &d->endpoints[d->n_endpoints];

                        if (!container_is_active(containers[j]) ||
                            endpoint_def(m, containers[j]->config, networks[i], &d->ports[d->n_ports], e) < 0)
                                continue;
                        d->n_ports += e->n_ports;
                        d->n_endpoints++;
                        def->n_endpoints++;
                }
        }
        return 0;
}

static int plan_apply(NftPlan *p, const char *what) {
        _cleanup_free_ char *error = NULL;
        int r;

        if (p->n_commands == 0)
                return 0;
        r = nft_plan_apply(p, -1, &error);
        if (r < 0)
                log_error("Failed to %s in the nftables table " NFT_TABLE_FAMILY_NAME " " NFT_TABLE_NAME ": %s", what,
                          error ?: strerror(-r));
        return r;
}

int manager_nft_sync(Manager *m) {
        _cleanup_(nft_plan_freep) NftPlan *p = NULL;
        _cleanup_(ruleset_data_done) RulesetData d = {};
        _cleanup_free_ Container **containers = NULL;
        _cleanup_free_ char *error = NULL;
        NftRuleset rs;
        int r;

        r = ruleset_build(m, &d);
        if (r < 0)
                return r;
        rs = (NftRuleset) { d.networks, d.n_networks };
        r = nft_plan_new(&p);
        if (r < 0)
                return r;
        /* Add, delete, add: the table replaced in one batch, whatever was there (a crash's leftovers,
         * someone's edits), and never a moment without it. */
        r = nft_plan_sync(p, &rs, &error);
        if (r < 0) {
                log_error("The networks' state is inconsistent: %s", error ?: strerror(-r));
                return r;
        }
        r = plan_apply(p, "replace the table");
        if (r < 0)
                return r;
        containers = manager_sorted_containers(m);
        for (size_t i = 0; containers && i < hashmap_size(m->containers); i++)
                containers[i]->net_published = container_is_active(containers[i]);
        log_debug("nftables table " NFT_TABLE_NAME ": %zu bridge networks, %zu endpoints, %zu commands.",
                  d.n_networks, d.n_endpoints, p->n_commands);
        return 0;
}

/* A plan of n's own elements, its peers being the other bridge networks. */
static int network_plan(Network *n, NftVerb verb) {
        _cleanup_(nft_plan_freep) NftPlan *p = NULL;
        _cleanup_free_ Network **all = manager_sorted_networks(n->manager);
        _cleanup_free_ NftNetwork *peers = NULL;
        NftNetwork def = network_def(n);
        size_t k = 0;
        int r;

        if (!all)
                return -ENOMEM;
        peers = calloc(hashmap_size(n->manager->networks) + 1, sizeof(NftNetwork));
        if (!peers)
                return -ENOMEM;
        for (size_t i = 0; i < hashmap_size(n->manager->networks); i++)
                if (network_type_is_bridged(all[i]->config->type))
                        peers[k++] = network_def(all[i]);
        r = nft_plan_new(&p);
        if (r >= 0)
                r = nft_plan_network(p, verb, &(NftRuleset) { peers, k }, &def);
        if (r < 0)
                return r;
        return plan_apply(p, verb == NFT_VERB_ADD ? "add a network" : "remove a network");
}

int network_nft_add(Network *n) {
        int r = network_plan(n, NFT_VERB_ADD);

        if (r < 0) {
                network_set_problem(n, "its elements could not be added to the nftables table");
        }
        return r;
}

int network_nft_remove(Network *n) {
        return network_plan(n, NFT_VERB_DELETE);
}

/* The endpoints of cfg on each of its bridge networks into p. */
static int plan_container(Manager *m, NftPlan *p, NftVerb verb, const ContainerConfig *cfg) {
        _cleanup_free_ NftPort *ports = NULL;

        if (!cfg)
                return 0;
        ports = calloc(strv_length(cfg->publish) + 1, sizeof(NftPort));
        if (!ports)
                return -ENOMEM;
        for (size_t i = 0; i < cfg->n_networks; i++) {
                Network *n = manager_get_network(m, cfg->networks[i].name);
                NftNetwork def;
                NftEndpoint e;
                int r;

                if (!n || !network_type_is_bridged(n->config->type))
                        continue;
                def = network_def(n);
                r = endpoint_def(m, cfg, n, ports, &e);
                if (r >= 0)
                        r = nft_plan_endpoint(p, verb, &def, &e);
                if (r < 0)
                        return r;
        }
        return 0;
}

int container_nft_update(Container *c, const ContainerConfig *remove, const ContainerConfig *add) {
        _cleanup_(nft_plan_freep) NftPlan *p = NULL;
        int r;

        /* What the table is to show from now on; a failed batch is made good by a full sync of it. */
        c->net_published = add != NULL;
        r = nft_plan_new(&p);
        if (r >= 0)
                r = plan_container(c->manager, p, NFT_VERB_DELETE, remove);
        if (r >= 0)
                r = plan_container(c->manager, p, NFT_VERB_ADD, add);
        if (r >= 0)
                r = plan_apply(p, add ? "publish a container's ports" : "withdraw a container's ports");
        if (r < 0) {
                log_container_warning(c->name, "Rebuilding the nftables table after a failed change for %s.", c->name);
                r = manager_nft_sync(c->manager);
        }
        return r;
}
