/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <endian.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bus-names.h"
#include "fileio.h"
#include "ipam.h"
#include "log.h"
#include "name.h"
#include "network-alloc.h"
#include "network.h"
#include "paths.h"
#include "strv.h"

/* The set of networks and the containers' side of them (network.h). */

Network *network_free(Network *n) {
        if (!n)
                return NULL;
        n->dnsmasq_exit_source = sd_event_source_disable_unref(n->dnsmasq_exit_source);
        n->dnsmasq_restart_timer = sd_event_source_disable_unref(n->dnsmasq_restart_timer);
        safe_close(n->dnsmasq_pidfd);
        network_config_free(n->config);
        free(n->problem);
        free(n->path);
        free(n);
        return NULL;
}

static int network_new(Manager *m, NetworkConfig *config, Network **ret) {
        _cleanup_(network_freep) Network *n = NULL;
        int r;

        n = calloc(1, sizeof(Network));
        if (!n)
                return -ENOMEM;
        n->manager = m;
        n->dnsmasq_pidfd = -EBADF;
        r = sd_bus_path_encode(SYSCTR_NETWORK_PATH_PREFIX, config->name, &n->path);
        if (r < 0)
                return r;
        n->config = config;
        *ret = TAKE_PTR(n);
        return 0;
}

Network *manager_get_network(Manager *m, const char *name) {
        return hashmap_get(m->networks, name);
}

static int network_compare(const void *a, const void *b) {
        return strcmp((*(Network * const *) a)->config->name, (*(Network * const *) b)->config->name);
}

Network **manager_sorted_networks(Manager *m) {
        return (Network **) hashmap_sorted_values(m->networks, network_compare);
}

void manager_networks_free(Manager *m) {
        Network *n;

        m->network_users_defer = sd_event_source_disable_unref(m->network_users_defer);

        while (hashmap_size(m->networks) > 0) {
                size_t i = 0;

                if (!hashmap_next(m->networks, &i, (void **) &n))
                        break;
                (void) hashmap_remove_value(m->networks, n->config->name, n);
                network_free(n);
        }
}

/* The containers sysctrd knows, their configs (for allocations), and how many. */
static int all_configs(Manager *m, ContainerConfig ***ret, size_t *ret_n) {
        _cleanup_free_ Container **all = manager_sorted_containers(m);
        size_t n = hashmap_size(m->containers);
        ContainerConfig **l;

        if (!all)
                return -ENOMEM;
        l = calloc(n + 1, sizeof(ContainerConfig *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                l[i] = all[i]->config;
        *ret = l;
        *ret_n = n;
        return 0;
}

static const ContainerNetwork *attachment_of(const ContainerConfig *c, const char *network) {
        for (size_t i = 0; c && i < c->n_networks; i++)
                if (streq(c->networks[i].name, network))
                        return &c->networks[i];
        return NULL;
}

char **network_container_names(Network *n) {
        _cleanup_free_ Container **all = manager_sorted_containers(n->manager);
        _cleanup_strv_free_ char **l = NULL;

        if (!all)
                return NULL;
        for (size_t i = 0; i < hashmap_size(n->manager->containers); i++)
                if (attachment_of(all[i]->config, n->config->name) && strv_extend(&l, all[i]->name) < 0)
                        return NULL;
        if (!l)
                l = calloc(1, sizeof(char *));
        return TAKE_PTR(l);
}

/* --- subnets sysctrd picks --- */

/* The host's RFC 4193 Global ID: made once, kept in the state, so networks keep their prefixes. */
static int ula_prefix(Manager *m, InAddrPrefix *ret) {
        _cleanup_free_ char *path = sysctr_ula_global_id_path(), *text = NULL;
        char buf[IPAM_ULA_GLOBAL_ID_STRLEN];
        int r;

        if (!path)
                return -ENOMEM;
        if (!m->has_ula_global_id) {
                r = read_full_file(path, &text, NULL);
                if (r >= 0) {
                        text[strcspn(text, "\n")] = '\0';
                        r = ipam_ula_global_id_from_string(text, m->ula_global_id);
                        if (r < 0)
                                return log_error_errno(r, "%s holds no valid Global ID: %m", path);
                } else if (r == -ENOENT) {
                        r = ipam_ula_global_id_generate(m->ula_global_id);
                        if (r >= 0 && asprintf(&text, "%s\n", ipam_ula_global_id_to_string(m->ula_global_id, buf)) < 0)
                                r = -ENOMEM;
                        if (r >= 0)
                                r = write_file_atomic(path, text, strlen(text), 0644);
                        if (r < 0)
                                return log_error_errno(r, "Failed to write %s: %m", path);
                } else
                        return log_error_errno(r, "Failed to read %s: %m", path);
                m->has_ula_global_id = true;
        }
        ipam_ula_prefix(m->ula_global_id, ret);
        return 0;
}

/* What a new subnet must not overlap: the other networks' subnets and the host's addresses. */
static int taken_prefixes(Manager *m, const char *except, InAddrPrefix **ret, size_t *ret_n) {
        _cleanup_free_ Network **all = manager_sorted_networks(m);
        InAddrPrefix *l = NULL, *grown;
        size_t n = 0;
        int r;

        if (!all)
                return -ENOMEM;
        r = manager_host_prefixes(m, &l, &n);
        if (r < 0)
                return r;
        grown = reallocarray(l, n + 2 * hashmap_size(m->networks) + 1, sizeof(InAddrPrefix));
        if (!grown) {
                free(l);
                return -ENOMEM;
        }
        l = grown;
        for (size_t i = 0; i < hashmap_size(m->networks); i++) {
                if (except && streq(all[i]->config->name, except))
                        continue;
                if (all[i]->config->subnet4.family != 0)
                        l[n++] = all[i]->config->subnet4;
                if (all[i]->config->subnet6.family != 0)
                        l[n++] = all[i]->config->subnet6;
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

static int pick_subnet(Manager *m, NetworkConfig *cfg, int family, sd_bus_error *error) {
        _cleanup_free_ InAddrPrefix *taken = NULL;
        InAddrPrefix pool, *subnet = family == AF_INET ? &cfg->subnet4 : &cfg->subnet6;
        size_t n_taken = 0;
        int r;

        if (family == AF_INET)
                r = in_addr_prefix_from_string(AF_INET, IPAM_POOL_IPV4, &pool);
        else
                r = ula_prefix(m, &pool);
        if (r >= 0)
                r = taken_prefixes(m, cfg->name, &taken, &n_taken);
        if (r >= 0)
                r = ipam_pick_subnet(&pool, family == AF_INET ? IPAM_POOL_IPV4_PREFIXLEN : IPAM_POOL_IPV6_PREFIXLEN,
                                     taken, n_taken, subnet);
        if (r == -ENOSPC)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "No free %s subnet left for network \"%s\"; give one.",
                                         family == AF_INET ? "IPv4" : "IPv6", cfg->name);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to pick a subnet for network \"%s\": %m", cfg->name);
        return 0;
}

/* A subnet given by the user: usable for hosts, and clear of everything else. */
static int check_subnet(Manager *m, const NetworkConfig *cfg, const InAddrPrefix *subnet, sd_bus_error *error) {
        _cleanup_free_ InAddrPrefix *taken = NULL;
        char a[IN_ADDR_PREFIX_STRLEN], b[IN_ADDR_PREFIX_STRLEN];
        const char *reason = NULL;
        size_t n_taken = 0;
        int r;

        if (subnet->family == 0)
                return 0;
        r = ipam_subnet_check(subnet, &reason);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid subnet %s: %s.",
                                         in_addr_prefix_to_string(subnet, a), reason);
        /* A macvlan network's subnet is its LAN's, which the host is on: only other networks count. */
        if (network_type_is_bridged(cfg->type))
                r = taken_prefixes(m, cfg->name, &taken, &n_taken);
        else {
                _cleanup_free_ Network **all = manager_sorted_networks(m);

                taken = calloc(2 * hashmap_size(m->networks) + 1, sizeof(InAddrPrefix));
                r = taken && all ? 0 : -ENOMEM;
                for (size_t i = 0; r >= 0 && i < hashmap_size(m->networks); i++) {
                        if (all[i]->config->subnet4.family != 0)
                                taken[n_taken++] = all[i]->config->subnet4;
                        if (all[i]->config->subnet6.family != 0)
                                taken[n_taken++] = all[i]->config->subnet6;
                }
        }
        if (r < 0)
                return r;
        r = ipam_subnet_find_overlap(subnet, taken, n_taken);
        if (r >= 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Subnet %s overlaps %s, which is in use on this host (a network or an "
                                         "address of the host).",
                                         in_addr_prefix_to_string(subnet, a), in_addr_prefix_to_string(&taken[r], b));
        return 0;
}

/* The address this host sends from to peer: what the kernel's routes choose for a UDP socket
 * connected there (connect() on UDP sends nothing). */
static int local_address_towards(int family, const union in_addr_union *peer, union in_addr_union *ret) {
        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
        } sa = {};
        socklen_t len = family == AF_INET ? sizeof(sa.in) : sizeof(sa.in6);
        _cleanup_close_ int fd = -EBADF;

        fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (family == AF_INET)
                sa.in = (struct sockaddr_in) { .sin_family = AF_INET, .sin_port = htons(NETWORK_VXLAN_PORT),
                                               .sin_addr = peer->in };
        else
                sa.in6 = (struct sockaddr_in6) { .sin6_family = AF_INET6, .sin6_port = htons(NETWORK_VXLAN_PORT),
                                                 .sin6_addr = peer->in6 };
        if (connect(fd, &sa.sa, len) < 0 || getsockname(fd, &sa.sa, &len) < 0)
                return -errno;
        if (family == AF_INET)
                ret->in = sa.in.sin_addr;
        else
                ret->in6 = sa.in6.sin6_addr;
        return 0;
}

/* A vxlan network as the hosts agree on it: its VNI (from the name unless given), this host's
 * address among them (the one it reaches the first peer from, unless given), its share of the
 * subnet and its bridge's address (the first of the share), an MTU that fits the encapsulation. */
static int vxlan_complete(NetworkConfig *cfg, sd_bus_error *error) {
        char a[IN_ADDR_STRLEN], b[IN_ADDR_STRLEN], c[IN_ADDR_STRLEN];
        union in_addr_union peer;
        int family, r;

        if (strv_length(cfg->peers) == 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "A vxlan network needs peers: the addresses of the other hosts.");
        if (cfg->subnet4.family == 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "A vxlan network needs its IPv4 subnet, the same on every host.");
        if (cfg->vni == 0)
                cfg->vni = network_vxlan_default_vni(cfg->name);
        if (cfg->mtu == 0)
                cfg->mtu = NETWORK_VXLAN_MTU_DEFAULT;
        if (in_addr_from_string(AF_UNSPEC, cfg->peers[0], &family, &peer) < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid peer \"%s\": not an address.",
                                         cfg->peers[0]);
        if (cfg->local_family == 0) {
                r = local_address_towards(family, &peer, &cfg->local);
                if (r < 0)
                        return sd_bus_error_set_errnof(error, r, "Failed to find this host's address towards peer "
                                                       "%s: %m", cfg->peers[0]);
                cfg->local_family = family;
        }
        r = network_vxlan_pool(&cfg->subnet4, cfg->local_family, &cfg->local, cfg->peers, &cfg->pool_start,
                               &cfg->pool_end);
        if (r == -ENOSPC)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Subnet too small to share among %zu hosts.", strv_length(cfg->peers) + 1);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Peers must be addresses of the family of this host's (%s), each once and "
                                         "none of them this host's.",
                                         in_addr_to_string(cfg->local_family, &cfg->local, a));
        cfg->has_pool = true;
        if (!cfg->has_gateway4) {
                cfg->gateway4 = cfg->pool_start;
                cfg->has_gateway4 = true;
        } else if (be32toh(cfg->gateway4.in.s_addr) < be32toh(cfg->pool_start.in.s_addr) ||
                   be32toh(cfg->gateway4.in.s_addr) > be32toh(cfg->pool_end.in.s_addr))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Gateway %s is outside this host's share of the subnet (%s to %s).",
                                         in_addr_to_string(AF_INET, &cfg->gateway4, a),
                                         in_addr_to_string(AF_INET, &cfg->pool_start, b),
                                         in_addr_to_string(AF_INET, &cfg->pool_end, c));
        return 0;
}

/* Subnets and gateways, as asked: picked, or checked. */
static int network_config_complete(Manager *m, NetworkConfig *cfg, bool auto4, bool auto6, sd_bus_error *error) {
        int r;

        if (auto4 && (r = pick_subnet(m, cfg, AF_INET, error)) < 0)
                return r;
        if (auto6 && (r = pick_subnet(m, cfg, AF_INET6, error)) < 0)
                return r;
        if (!auto4 && (r = check_subnet(m, cfg, &cfg->subnet4, error)) < 0)
                return r;
        if (!auto6 && (r = check_subnet(m, cfg, &cfg->subnet6, error)) < 0)
                return r;
        if (cfg->type == NETWORK_VXLAN && (r = vxlan_complete(cfg, error)) < 0)
                return r;
        if (!network_type_is_bridged(cfg->type))
                return 0;
        /* The bridge's own address: the first host address unless one was given. */
        if (cfg->subnet4.family != 0 && !cfg->has_gateway4) {
                r = ipam_default_gateway(&cfg->subnet4, &cfg->gateway4);
                if (r < 0)
                        return r;
                cfg->has_gateway4 = true;
        }
        if (cfg->subnet6.family != 0 && !cfg->has_gateway6) {
                r = ipam_default_gateway(&cfg->subnet6, &cfg->gateway6);
                if (r < 0)
                        return r;
                cfg->has_gateway6 = true;
        }
        return 0;
}

/* The host side: what a bridge or macvlan network needs on the host besides its file. */
static int network_check_links(Manager *m, const NetworkConfig *cfg, sd_bus_error *error) {
        bool is_bridge;
        int r;

        if (network_type_is_bridged(cfg->type)) {
                r = manager_link_exists(m, cfg->bridge, &is_bridge);
                if (r >= 0)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "A network interface named \"%s\" exists already on this host.",
                                                 cfg->bridge);
                if (cfg->dns && !dnsmasq_available())
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "DNS needs dnsmasq, which is not installed (Debian: dnsmasq-base).");
                return 0;
        }
        r = manager_link_exists(m, cfg->parent, &is_bridge);
        if (r == -ENODEV)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "The parent link \"%s\" does not exist.",
                                         cfg->parent);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to look up link \"%s\": %m", cfg->parent);
        _cleanup_free_ Network **all = manager_sorted_networks(m);
        if (!all)
                return -ENOMEM;
        for (size_t i = 0; i < hashmap_size(m->networks); i++) {
                if (network_type_is_bridged(all[i]->config->type) && streq(all[i]->config->bridge, cfg->parent))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "The parent link \"%s\" is the bridge of network %s.", cfg->parent,
                                                 all[i]->config->name);
        }
        return 0;
}

static int network_save(const NetworkConfig *cfg) {
        _cleanup_free_ char *path = sysctr_network_config_path(cfg->name);

        if (!path)
                return -ENOMEM;
        return network_config_save(cfg, path);
}

static void network_announce(Network *n, bool added) {
        if (added)
                manager_emit_object_added(n->manager, n->path);
        else
                manager_emit_object_removed(n->manager, n->path);
}

/* The host made to match one network: link, table elements (when the table is not synced as a whole
 * afterwards), dnsmasq. The first failure is the network's problem. */
static int network_bring_up(Network *n, bool elements) {
        int r;

        r = network_link_up(n);
        if (r >= 0 && elements && network_type_is_bridged(n->config->type))
                r = network_nft_add(n);
        if (r >= 0 && n->config->dns)
                r = network_dnsmasq_start(n);
        return r;
}

static void network_tear_down(Network *n, bool elements) {
        network_dnsmasq_stop(n);
        if (elements && network_type_is_bridged(n->config->type))
                (void) network_nft_remove(n);
        (void) network_link_down(n);
}

int manager_create_network(Manager *m, NetworkConfig *config, bool auto4, bool auto6, bool must_work,
                           Network **ret, sd_bus_error *error) {
        _cleanup_(network_config_freep) NetworkConfig *cfg = config;
        _cleanup_free_ char *err = NULL, *path = NULL;
        Network *n;
        int r;

        if (manager_get_network(m, cfg->name))
                return sd_bus_error_setf(error, SYSCTR_ERROR_NETWORK_EXISTS, "Network \"%s\" already exists.", cfg->name);
        if (network_type_is_bridged(cfg->type) && !cfg->bridge && !(cfg->bridge = strdup(cfg->name)))
                return -ENOMEM;
        if (network_type_is_bridged(cfg->type) && !ifname_is_valid(cfg->bridge))
                return sd_bus_error_setf(error, SYSCTR_ERROR_INVALID_NAME,
                                         "Network name \"%s\" is too long for its bridge: bridge networks have names "
                                         "of at most 15 characters.", cfg->name);
        r = network_config_complete(m, cfg, auto4, auto6, error);
        if (r >= 0)
                r = network_config_verify(cfg, &err);
        if (r == -EINVAL && !sd_bus_error_is_set(error))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s.", strna(err));
        if (r < 0)
                return r;
        r = network_check_links(m, cfg, error);
        if (r < 0)
                return r;

        /* The file first: a crash from here on leaves a network that the next start brings up. */
        r = network_save(cfg);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to save network \"%s\": %m", cfg->name);
        r = network_new(m, TAKE_PTR(cfg), &n);
        if (r >= 0) {
                r = hashmap_put(m->networks, n->config->name, n);
                if (r < 0)
                        network_free(n);
        }
        if (r < 0)
                return r;
        /* At start the networks are brought up together, once all are known. */
        r = m->networks_ready ? network_bring_up(n, true) : 0;
        if (r < 0 && !must_work)
                log_error("Network %s cannot be set up: %s", n->config->name, n->problem ?: strerror(-r));
        else if (r < 0) {
                const char *why = n->problem ?: strerror(-r);

                (void) sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "Failed to set up network \"%s\": %s",
                                         n->config->name, why);
                network_tear_down(n, true);
                path = sysctr_network_config_path(n->config->name);
                if (path)
                        (void) unlink(path);
                (void) hashmap_remove_value(m->networks, n->config->name, n);
                network_free(n);
                return -EIO;
        }
        log_info("Created network %s (%s).", n->config->name, network_type_to_string(n->config->type));
        network_announce(n, true);
        if (ret)
                *ret = n;
        return 0;
}

int network_delete(Network *n, sd_bus_error *error) {
        _cleanup_strv_free_ char **users = network_container_names(n);
        _cleanup_free_ char *path = sysctr_network_config_path(n->config->name),
                            *runtime = sysctr_network_runtime_dir(n->config->name), *list = NULL;
        Manager *m = n->manager;

        if (!users || !path || !runtime)
                return -ENOMEM;
        if (users[0]) {
                list = strv_join(users, ", ");
                return sd_bus_error_setf(error, SYSCTR_ERROR_NETWORK_IN_USE,
                                         "Network \"%s\" is used by container%s %s; detach %s first (\"sysctr set NAME "
                                         "network=...\" while stopped) or delete %s.",
                                         n->config->name, users[1] ? "s" : "", strna(list), users[1] ? "them" : "it",
                                         users[1] ? "them" : "it");
        }
        /* The host first, the file last: a crash in between leaves a network that can be deleted again. */
        network_tear_down(n, true);
        (void) rm_rf(runtime);
        if (unlink(path) < 0 && errno != ENOENT)
                return sd_bus_error_set_errnof(error, errno, "Failed to remove %s: %m", path);
        log_info("Deleted network %s.", n->config->name);
        network_announce(n, false);
        (void) hashmap_remove_value(m->networks, n->config->name, n);
        network_free(n);
        return 0;
}

/* --- startup --- */

static int load_network(Manager *m, const char *dir, const char *file) {
        _cleanup_(network_config_freep) NetworkConfig *cfg = NULL;
        _cleanup_free_ char *path = NULL, *name = NULL, *err = NULL;
        size_t len = strlen(file), suffix = strlen(SYSCTR_NETWORK_SUFFIX);
        Network *n;
        int r;

        if (len <= suffix || !streq(file + len - suffix, SYSCTR_NETWORK_SUFFIX))
                return 0;
        name = strndup(file, len - suffix);
        if (!name || asprintf(&path, "%s/%s", dir, file) < 0)
                return log_oom();
        if (!network_name_is_valid(name)) {
                log_warning("Ignoring %s: not a valid network name.", path);
                return 0;
        }
        r = network_config_load(path, &cfg, &err);
        if (r < 0) {
                log_error("Network %s is broken, ignoring it: %s", name, err ?: strerror(-r));
                return 0;
        }
        if (!streq(cfg->name, name)) {
                log_error("Ignoring %s: it names the network \"%s\".", path, cfg->name);
                return 0;
        }
        r = network_new(m, TAKE_PTR(cfg), &n);
        if (r < 0)
                return log_oom();
        r = hashmap_put(m->networks, n->config->name, n);
        if (r < 0) {
                network_free(n);
                return log_error_errno(r, "Failed to add network %s: %m", name);
        }
        return 0;
}

static int load_networks(Manager *m) {
        _cleanup_free_ char *dir = sysctr_networks_dir(), *runtime = sysctr_runtime_networks_dir();
        DIR *d;
        int r = 0;

        if (!dir || !runtime)
                return log_oom();
        r = mkdir_p(dir, 0755);
        if (r >= 0)
                r = mkdir_p(runtime, 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create the network directories: %m");
        d = opendir(dir);
        if (!d)
                return log_error_errno(-errno, "Failed to open %s: %m", dir);
        for (struct dirent *de; r >= 0 && (de = readdir(d));)
                if (de->d_name[0] != '.')
                        r = load_network(m, dir, de->d_name);
        closedir(d);
        return r;
}

/* The default network, as "sysctr create" uses it when told nothing: made when missing. */
static int ensure_default_network(Manager *m, Network **ret, sd_bus_error *error) {
        _cleanup_(network_config_freep) NetworkConfig *cfg = NULL;
        Network *n = manager_get_network(m, NETWORK_DEFAULT_NAME);

        if (n) {
                if (ret)
                        *ret = n;
                return 0;
        }
        cfg = network_config_new();
        if (!cfg || !(cfg->name = strdup(NETWORK_DEFAULT_NAME)))
                return -ENOMEM;
        cfg->type = NETWORK_BRIDGE;
        cfg->nat = true;
        cfg->dns = dnsmasq_available();
        if (!cfg->dns)
                log_warning("dnsmasq is not installed: the default network %s has no DNS and DHCP.",
                            NETWORK_DEFAULT_NAME);
        return manager_create_network(m, TAKE_PTR(cfg), true, true, false, ret, error);
}

static void log_doctor(Manager *m) {
        NftFinding *f = NULL;
        size_t n = 0;

        if (manager_network_doctor(m, &f, &n) < 0)
                return;
        for (size_t i = 0; i < n; i++)
                if (f[i].severity != NFT_SEVERITY_INFO)
                        log_warning("Network doctor: %s. Fix: %s.", f[i].problem, f[i].remedy);
        nft_findings_free(f, n);
}

int manager_networks_startup(Manager *m) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ Network **all = NULL;
        int r;

        r = load_networks(m);
        if (r < 0)
                return r;
        r = ensure_default_network(m, NULL, &error);
        if (r < 0)
                log_error("Failed to make the default network %s: %s", NETWORK_DEFAULT_NAME,
                          error.message ?: strerror(-r));
        /* Links first (the table names the bridges), then the whole table in one batch, then the
         * DNS servers: in that order a container that runs keeps its traffic throughout. */
        all = manager_sorted_networks(m);
        if (!all)
                return log_oom();
        for (size_t i = 0; i < hashmap_size(m->networks); i++) {
                r = network_link_up(all[i]);
                if (r < 0)
                        log_error("Network %s: %s", all[i]->config->name, strna(all[i]->problem));
        }
        manager_remove_stale_links(m);
        manager_enable_forwarding(m);
        r = manager_nft_sync(m);
        if (r < 0)
                log_error_errno(r, "Failed to set up the nftables table " NFT_TABLE_FAMILY_NAME " " NFT_TABLE_NAME ": %m");
        for (size_t i = 0; i < hashmap_size(m->networks); i++)
                if (all[i]->config->dns && !all[i]->problem)
                        (void) network_dnsmasq_start(all[i]);
        m->networks_ready = true;
        log_doctor(m);
        return 0;
}

/* --- the containers' side --- */

static int default_attachment(Manager *m, ContainerConfig *cfg, sd_bus_error *error) {
        Network *n;
        int r;

        r = ensure_default_network(m, &n, error);
        if (r < 0)
                return r;
        cfg->networks = calloc(1, sizeof(ContainerNetwork));
        if (!cfg->networks || !(cfg->networks[0].name = strdup(n->config->name)))
                return -ENOMEM;
        cfg->n_networks = 1;
        return 0;
}

static int check_attachments(Manager *m, const ContainerConfig *cfg, sd_bus_error *error) {
        bool bridge = false;

        for (size_t i = 0; i < cfg->n_networks; i++) {
                Network *n = manager_get_network(m, cfg->networks[i].name);

                if (!n)
                        return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_NETWORK, "No network \"%s\".",
                                                 cfg->networks[i].name);
                bridge = bridge || network_type_is_bridged(n->config->type);
        }
        if (cfg->publish && !bridge)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Published ports need a bridge network (on a macvlan network the container "
                                         "has an address of the LAN itself).");
        if (cfg->network_mode == NETWORK_MODE_CONTAINER) {
                Container *other = manager_get_container(m, cfg->network_container);

                if (!other)
                        return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_CONTAINER,
                                                 "No container \"%s\" to share the network namespace of.",
                                                 cfg->network_container);
        }
        return 0;
}

int network_prepare_container(Manager *m, ContainerConfig *cfg, const ContainerConfig *old, bool networks_given,
                              sd_bus_error *error) {
        _cleanup_free_ ContainerConfig **configs = NULL;
        _cleanup_free_ char *err = NULL;
        size_t n_configs = 0;
        int r;

        if (!old && !networks_given && cfg->network_mode == NETWORK_MODE_PRIVATE && cfg->n_networks == 0) {
                r = default_attachment(m, cfg, error);
                if (r < 0)
                        return r;
        }
        r = check_attachments(m, cfg, error);
        if (r < 0)
                return r;
        r = all_configs(m, &configs, &n_configs);
        if (r < 0)
                return r;
        for (size_t i = 0; i < cfg->n_networks; i++) {
                Network *n = manager_get_network(m, cfg->networks[i].name);

                r = network_alloc_attachment(n->config, cfg->name, configs, n_configs,
                                             attachment_of(old, cfg->networks[i].name), &cfg->networks[i], &err);
                if (r == -EINVAL || r == -ENOSPC)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s.", strna(err));
                if (r < 0)
                        return r;
        }
        r = network_check_ports(cfg, configs, n_configs, &err);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s.", strna(err));
        return r;
}

int network_adopt_container(Manager *m, ContainerConfig *cfg, sd_bus_error *error) {
        ContainerNetwork *previous = NULL;
        size_t n = cfg->n_networks;
        int r;

        if (n == 0)
                return 0;
        r = container_networks_copy(cfg->networks, n, &previous);
        if (r < 0)
                return r;
        /* What it had becomes "previous": kept by the allocation where it fits, as for sysctr set. */
        for (size_t i = 0; i < n; i++)
                cfg->networks[i].has_ip4 = cfg->networks[i].has_ip6 = cfg->networks[i].has_mac = false;
        r = network_prepare_container(m, cfg, &(ContainerConfig) { .networks = previous, .n_networks = n }, true,
                                      error);
        container_networks_free(previous, n);
        return r;
}

/* DNS names and leases, host-access routes: of every network that c is or was on. exclude: a
 * container on its way out, whose names are not written any more. */
void network_set_problem(Network *n, const char *problem) {
        char *copy = NULL;

        if (streq_ptr(n->problem, problem))
                return;
        /* Out of memory: "something" is a better answer than "nothing". */
        if (problem && !(copy = strdup(problem)))
                copy = strdup("out of memory");
        free(n->problem);
        n->problem = copy;
        if (n->manager->bus)
                (void) sd_bus_emit_properties_changed(n->manager->bus, n->path, SYSCTR_NETWORK_INTERFACE, "Problem",
                                                      NULL);
}

/* Containers is computed from the manager's containers, and a deleted container leaves them only
 * after its networks were told: so the change is sent once the current dispatch is done (one
 * signal per network for a burst of changes). */
static int on_network_users_changed(sd_event_source *s, void *userdata) {
        Manager *m = userdata;
        _cleanup_free_ Network **all = manager_sorted_networks(m);

        m->network_users_defer = sd_event_source_unref(m->network_users_defer);
        for (size_t i = 0; all && i < hashmap_size(m->networks); i++) {
                if (!all[i]->users_changed)
                        continue;
                all[i]->users_changed = false;
                if (m->bus)
                        (void) sd_bus_emit_properties_changed(m->bus, all[i]->path, SYSCTR_NETWORK_INTERFACE,
                                                              "Containers", NULL);
        }
        return 0;
}

static void network_users_changed(Network *n) {
        Manager *m = n->manager;

        n->users_changed = true;
        if (!m->network_users_defer && sd_event_add_defer(m->event, &m->network_users_defer,
                                                          on_network_users_changed, m) < 0)
                log_debug("Network %s: cannot send the change of its containers.", n->config->name);
}

static void update_networks(Container *c, const ContainerConfig *old, const ContainerConfig *new,
                            const Container *exclude) {
        Manager *m = c->manager;
        _cleanup_free_ Network **all = manager_sorted_networks(m);

        for (size_t i = 0; all && i < hashmap_size(m->networks); i++) {
                Network *n = all[i];
                const ContainerNetwork *was = attachment_of(old, n->config->name),
                                       *is = attachment_of(new, n->config->name);

                if (!was && !is)
                        continue;
                if (!was != !is)
                        network_users_changed(n);
                if (n->config->dns)
                        (void) network_dnsmasq_update(n, exclude);
                if (n->config->type == NETWORK_MACVLAN && n->config->host_access) {
                        if (was)
                                (void) network_link_route_container(n, was, false);
                        if (is)
                                (void) network_link_route_container(n, is, true);
                }
        }
}

void network_container_changed(Container *c, const ContainerConfig *old) {
        if (!c->manager->networks_ready)
                return;
        update_networks(c, old, c->config, NULL);
        /* Running: published ports and host access change now, in one batch. */
        if (old && c->net_published && container_nft_update(c, old, c->config) < 0)
                log_container_warning(c->name, "Failed to update the published ports of %s.", c->name);
}

void network_container_removed(Container *c) {
        if (!c->manager->networks_ready)
                return;
        if (c->net_published)
                (void) container_nft_update(c, c->config, NULL);
        update_networks(c, c->config, NULL, c);
}

void network_container_state_changed(Container *c) {
        bool active = container_is_active(c);

        if (!c->manager->networks_ready || active == c->net_published)
                return;
        if (container_nft_update(c, active ? NULL : c->config, active ? c->config : NULL) < 0)
                log_container_warning(c->name, "Failed to %s the published ports and host access of %s.",
                                      active ? "add" : "remove", c->name);
}

int network_check_start(Container *c, sd_bus_error *error) {
        Container *other;

        if (c->config->network_mode != NETWORK_MODE_CONTAINER)
                return 0;
        other = manager_get_container(c->manager, c->config->network_container);
        if (!other || other->state != CONTAINER_RUNNING)
                return sd_bus_error_setf(error, SYSCTR_ERROR_CONTAINER_NOT_RUNNING,
                                         "Container \"%s\" shares the network namespace of \"%s\", which is not "
                                         "running; start it first.",
                                         c->name, c->config->network_container);
        return 0;
}

int network_container_addresses(const Container *c, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        char buf[IN_ADDR_STRLEN];

        for (size_t i = 0; i < c->config->n_networks; i++) {
                const ContainerNetwork *a = &c->config->networks[i];

                if (a->has_ip4 && strv_extend(&l, in_addr_to_string(AF_INET, &a->ip4, buf)) < 0)
                        return -ENOMEM;
                if (a->has_ip6 && strv_extend(&l, in_addr_to_string(AF_INET6, &a->ip6, buf)) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int manager_network_doctor(Manager *m, NftFinding **ret, size_t *ret_n) {
        _cleanup_free_ Network **all = manager_sorted_networks(m);
        _cleanup_strv_free_ char **bridges = NULL;
        NftChainInfo *chains = NULL;
        NftDoctorFacts facts = {};
        size_t n_chains = 0;
        int r;

        if (!all)
                return -ENOMEM;
        for (size_t i = 0; i < hashmap_size(m->networks); i++)
                if (network_type_is_bridged(all[i]->config->type) && strv_extend(&bridges, all[i]->config->bridge) < 0)
                        return -ENOMEM;
        r = nft_chains_list(-1, &chains, &n_chains);
        if (r < 0)
                return r;
        r = nft_doctor_facts_read(-1, &facts);
        facts.chains = chains;
        facts.n_chains = n_chains;
        facts.bridges = bridges;
        if (r >= 0)
                r = nft_doctor(&facts, ret, ret_n);
        nft_chain_infos_free(chains, n_chains);
        return r;
}
