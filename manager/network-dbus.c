/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stddef.h>
#include <sys/socket.h>

#include "bus-names.h"
#include "ipam.h"
#include "name.h"
#include "network.h"
#include "polkit.h"
#include "strv.h"

/* org.sysctr1.Network objects (/org/sysctr1/network/NAME) and the manager's network methods:
 * CreateNetwork, DeleteNetwork, ListNetworks, GetNetwork, NetworkDoctor (docs/dbus-api.md). */

#define NETWORK_NAME_RULES                                                                                  \
        "names are 1-63 characters of a-z, 0-9 and \"-\", start and end with a letter or digit, are not all " \
        "digits, and are not host, none, container or private"

static int lookup(Manager *m, const char *name, Network **ret, sd_bus_error *error) {
        Network *n;

        if (!network_name_is_valid(name))
                return sd_bus_error_setf(error, SYSCTR_ERROR_INVALID_NAME, "Invalid network name \"%s\": %s.", name,
                                         NETWORK_NAME_RULES);
        n = manager_get_network(m, name);
        if (!n)
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_NETWORK, "No network \"%s\".", name);
        *ret = n;
        return 0;
}

/* --- properties --- */

static int property_get_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const NetworkConfig *c = ((Network *) userdata)->config;
        const char *v = NULL;

        if (streq(property, "Name"))
                v = c->name;
        else if (streq(property, "Type"))
                v = network_type_to_string(c->type);
        else if (streq(property, "Bridge"))
                v = c->bridge;
        else if (streq(property, "Domain"))
                v = network_type_is_bridged(c->type) && c->dns ? network_config_domain(c) : NULL;
        else if (streq(property, "Parent"))
                v = c->parent;
        else if (streq(property, "MacvlanMode"))
                v = c->type == NETWORK_MACVLAN ? network_macvlan_mode_to_string(c->mode) : NULL;
        else if (streq(property, "Problem"))
                v = ((Network *) userdata)->problem;
        return sd_bus_message_append(reply, "s", strempty(v));
}

static int property_get_address(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const NetworkConfig *c = ((Network *) userdata)->config;
        char buf[IN_ADDR_PREFIX_STRLEN] = "";

        if (streq(property, "Subnet") && c->subnet4.family != 0)
                in_addr_prefix_to_string(&c->subnet4, buf);
        else if (streq(property, "Subnet6") && c->subnet6.family != 0)
                in_addr_prefix_to_string(&c->subnet6, buf);
        else if (streq(property, "Gateway") && c->has_gateway4)
                in_addr_to_string(AF_INET, &c->gateway4, buf);
        else if (streq(property, "Gateway6") && c->has_gateway6)
                in_addr_to_string(AF_INET6, &c->gateway6, buf);
        else if (streq(property, "Local") && c->local_family != 0)
                in_addr_to_string(c->local_family, &c->local, buf);
        else if (streq(property, "PoolStart") && c->has_pool)
                in_addr_to_string(AF_INET, &c->pool_start, buf);
        else if (streq(property, "PoolEnd") && c->has_pool)
                in_addr_to_string(AF_INET, &c->pool_end, buf);
        return sd_bus_message_append(reply, "s", buf);
}

static int property_get_bool(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const NetworkConfig *c = ((Network *) userdata)->config;

        return sd_bus_message_append(reply, "b", streq(property, "NAT") ? c->nat :
                                                 streq(property, "DNS") ? c->dns : c->host_access);
}

static int property_get_mtu(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const NetworkConfig *c = ((Network *) userdata)->config;

        return sd_bus_message_append(reply, "u", streq(property, "VNI") ? c->vni : c->mtu);
}

static int property_get_peers(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append_strv(reply, ((Network *) userdata)->config->peers);
}

static int property_get_containers(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_strv_free_ char **l = network_container_names(userdata);

        if (!l)
                return -ENOMEM;
        return sd_bus_message_append_strv(reply, l);
}

#define CONST SD_BUS_VTABLE_PROPERTY_CONST

const sd_bus_vtable network_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", property_get_string, 0, CONST),
        SD_BUS_PROPERTY("Type", "s", property_get_string, 0, CONST),
        SD_BUS_PROPERTY("Bridge", "s", property_get_string, 0, CONST),
        SD_BUS_PROPERTY("Subnet", "s", property_get_address, 0, CONST),
        SD_BUS_PROPERTY("Gateway", "s", property_get_address, 0, CONST),
        SD_BUS_PROPERTY("Subnet6", "s", property_get_address, 0, CONST),
        SD_BUS_PROPERTY("Gateway6", "s", property_get_address, 0, CONST),
        SD_BUS_PROPERTY("NAT", "b", property_get_bool, 0, CONST),
        SD_BUS_PROPERTY("DNS", "b", property_get_bool, 0, CONST),
        SD_BUS_PROPERTY("Domain", "s", property_get_string, 0, CONST),
        SD_BUS_PROPERTY("MTU", "u", property_get_mtu, 0, CONST),
        SD_BUS_PROPERTY("Parent", "s", property_get_string, 0, CONST),
        SD_BUS_PROPERTY("MacvlanMode", "s", property_get_string, 0, CONST),
        SD_BUS_PROPERTY("HostAccess", "b", property_get_bool, 0, CONST),
        SD_BUS_PROPERTY("VNI", "u", property_get_mtu, 0, CONST),
        SD_BUS_PROPERTY("Local", "s", property_get_address, 0, CONST),
        SD_BUS_PROPERTY("Peers", "as", property_get_peers, 0, CONST),
        SD_BUS_PROPERTY("PoolStart", "s", property_get_address, 0, CONST),
        SD_BUS_PROPERTY("PoolEnd", "s", property_get_address, 0, CONST),
        SD_BUS_PROPERTY("Containers", "as", property_get_containers, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Problem", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END,
};

int network_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                        sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        Network *n;
        int r;

        r = sd_bus_path_decode(path, SYSCTR_NETWORK_PATH_PREFIX, &name);
        if (r <= 0)
                return 0;
        n = manager_get_network(userdata, name);
        if (!n)
                return 0;
        *found = n;
        return 1;
}

int network_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_free_ Network **all = manager_sorted_networks(m);
        _cleanup_strv_free_ char **l = NULL;

        if (!all)
                return -ENOMEM;
        for (size_t i = 0; i < hashmap_size(m->networks); i++)
                if (strv_extend(&l, all[i]->path) < 0)
                        return -ENOMEM;
        *nodes = TAKE_PTR(l);
        return 1;
}

/* --- CreateNetwork's options --- */

typedef struct NetworkRequest {
        NetworkConfig *config;
        const char *subnet, *subnet6;           /* "auto", "none" or a subnet; NULL: the type's default */
        bool type_given;
} NetworkRequest;

static int invalid(sd_bus_error *error, const char *key, const char *value, const char *hint) {
        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid value \"%s\" for \"%s\": %s.", value, key,
                                 hint);
}

static int parse_gateway(NetworkConfig *c, int family, const char *s, sd_bus_error *error) {
        union in_addr_union *a = family == AF_INET ? &c->gateway4 : &c->gateway6;

        if (in_addr_from_string(family, s, NULL, a) < 0)
                return invalid(error, family == AF_INET ? "gateway" : "gateway6", s,
                               family == AF_INET ? "expected an IPv4 address" : "expected an IPv6 address");
        if (family == AF_INET)
                c->has_gateway4 = true;
        else
                c->has_gateway6 = true;
        return 0;
}

static int parse_string_option(NetworkRequest *q, const char *key, const char *s, sd_bus_error *error) {
        NetworkConfig *c = q->config;
        char **target = NULL;
        int v;

        if (streq(key, "type")) {
                v = network_type_from_string(s);
                if (v < 0)
                        return invalid(error, key, s, "expected bridge, macvlan or vxlan");
                c->type = (NetworkType) v;
                q->type_given = true;
                return 0;
        }
        if (streq(key, "mode")) {
                v = network_macvlan_mode_from_string(s);
                if (v < 0)
                        return invalid(error, key, s, "expected bridge, private or vepa");
                c->mode = (NetworkMacvlanMode) v;
                return 0;
        }
        if (streq(key, "subnet") || streq(key, "subnet6")) {
                *(streq(key, "subnet") ? &q->subnet : &q->subnet6) = s;
                return 0;
        }
        if (streq(key, "gateway") || streq(key, "gateway6"))
                return parse_gateway(c, streq(key, "gateway") ? AF_INET : AF_INET6, s, error);
        if (streq(key, "local")) {
                if (in_addr_from_string(AF_UNSPEC, s, &c->local_family, &c->local) < 0)
                        return invalid(error, key, s, "expected an IPv4 or IPv6 address");
                return 0;
        }
        if (streq(key, "domain")) {
                if (!hostname_is_valid(s))
                        return invalid(error, key, s, "expected a DNS domain such as lan0.internal");
                target = &c->domain;
        } else if (streq(key, "parent")) {
                if (!ifname_is_valid(s))
                        return invalid(error, key, s, "expected the name of a network interface");
                target = &c->parent;
        }
        free(*target);
        *target = strdup(s);
        return *target ? 0 : -ENOMEM;
}

static const struct {
        const char *key;
        char type;
} network_options[] = {
        { "type", 's' },    { "subnet", 's' }, { "gateway", 's' }, { "subnet6", 's' }, { "gateway6", 's' },
        { "nat", 'b' },     { "dns", 'b' },    { "domain", 's' },  { "mtu", 'u' },     { "parent", 's' },
        { "mode", 's' },    { "host-access", 'b' }, { "vni", 'u' },     { "local", 's' },   { "peers", 'a' },
};

/* "peers": addresses of one family, each once (host names are the caller's to resolve: sysctrd does
 * not wait on DNS in a method call). */
static int parse_peers(NetworkRequest *q, sd_bus_message *m, sd_bus_error *error) {
        _cleanup_strv_free_ char **l = NULL;
        int family = AF_UNSPEC, r;

        r = sd_bus_message_enter_container(m, 'v', "as");
        if (r >= 0)
                r = sd_bus_message_read_strv(m, &l);
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        if (strv_length(l) == 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Option \"peers\" is empty.");
        STRV_FOREACH(p, l) {
                union in_addr_union a;
                int f;

                if (in_addr_from_string(AF_UNSPEC, *p, &f, &a) < 0)
                        return invalid(error, "peers", *p, "expected an IPv4 or IPv6 address");
                if (family != AF_UNSPEC && f != family)
                        return invalid(error, "peers", *p, "peers are all IPv4 or all IPv6");
                family = f;
                for (char **o = l; o < p; o++)
                        if (streq(*o, *p))
                                return invalid(error, "peers", *p, "listed twice");
        }
        strv_free(q->config->peers);
        q->config->peers = TAKE_PTR(l);
        return 0;
}

static int parse_option(NetworkRequest *q, sd_bus_message *m, const char *key, sd_bus_error *error) {
        const char *contents, *s;
        size_t i;
        uint32_t u;
        int b, r;

        for (i = 0; i < ELEMENTSOF(network_options); i++)
                if (streq(network_options[i].key, key))
                        break;
        if (i >= ELEMENTSOF(network_options))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Unknown option \"%s\" (known: type, subnet, gateway, subnet6, gateway6, "
                                         "nat, dns, domain, mtu, parent, mode, host-access, vni, local, peers).", key);
        r = sd_bus_message_peek_type(m, NULL, &contents);
        if (r < 0)
                return r;
        if (network_options[i].type == 'a' && streq(contents, "as"))
                return parse_peers(q, m, error);
        if (contents[0] != network_options[i].type || contents[1] != '\0')
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Option \"%s\" cannot be of type '%s'.", key,
                                         contents);
        switch (network_options[i].type) {
        case 's':
                r = sd_bus_message_read(m, "v", "s", &s);
                return r < 0 ? r : parse_string_option(q, key, s, error);
        case 'u':
                r = sd_bus_message_read(m, "v", "u", &u);
                if (r < 0)
                        return r;
                if (streq(key, "vni")) {
                        if (u < 1 || u > NETWORK_VXLAN_VNI_MAX)
                                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                         "Invalid VNI %u: expected 1 to %u.", u, NETWORK_VXLAN_VNI_MAX);
                        q->config->vni = u;
                        return 0;
                }
                if (u < 68 || u > 65535)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Invalid MTU %u: expected 68 to 65535.", u);
                q->config->mtu = u;
                return 0;
        default:
                r = sd_bus_message_read(m, "v", "b", &b);
                if (r < 0)
                        return r;
                if (streq(key, "nat"))
                        q->config->nat = b;
                else if (streq(key, "dns"))
                        q->config->dns = b;
                else
                        q->config->host_access = b;
                return 0;
        }
}

static int parse_options(NetworkRequest *q, sd_bus_message *m, sd_bus_error *error) {
        _cleanup_strv_free_ char **seen = NULL;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                if (strv_contains(seen, key))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Option \"%s\" is given twice.", key);
                if (strv_extend(&seen, key) < 0)
                        return -ENOMEM;
                r = parse_option(q, m, key, error);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

/* "auto", "none" or a subnet of family, strictly (ipam.h); *ret_auto for "auto". */
static int request_subnet(const char *s, int family, bool *ret_auto, InAddrPrefix *ret, sd_bus_error *error) {
        const char *reason = NULL;

        *ret_auto = streq(s, "auto");
        if (*ret_auto || streq(s, "none"))
                return 0;
        if (ipam_subnet_from_string(s, family, ret, &reason) < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid %s subnet \"%s\": %s.",
                                         family == AF_INET ? "IPv4" : "IPv6", s, reason ?: "not a subnet");
        return 0;
}

int method_create_network(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(network_config_freep) NetworkConfig *cfg = NULL;
        Manager *m = userdata;
        NetworkRequest q = {};
        const char *name;
        bool auto4 = false, auto6 = false;
        Network *n;
        int r;

        r = sd_bus_message_read(message, "s", &name);
        if (r < 0)
                return r;
        if (!network_name_is_valid(name))
                return sd_bus_error_setf(error, SYSCTR_ERROR_INVALID_NAME, "Invalid network name \"%s\": %s.", name,
                                         NETWORK_NAME_RULES);
        AUTHORIZE_NETWORK(m, message, method_create_network, name, error);
        cfg = network_config_new();
        if (!cfg || !(cfg->name = strdup(name)))
                return -ENOMEM;
        cfg->type = NETWORK_BRIDGE;
        q.config = cfg;
        r = parse_options(&q, message, error);
        if (r < 0)
                return r;
        /* A bridge is dual stack unless told otherwise (as Incus does); a macvlan network knows its
         * LAN's subnets only if told. */
        r = request_subnet(q.subnet ?: (cfg->type == NETWORK_BRIDGE ? "auto" : "none"), AF_INET, &auto4, &cfg->subnet4,
                           error);
        if (r >= 0)
                r = request_subnet(q.subnet6 ?: (cfg->type == NETWORK_BRIDGE ? "auto" : "none"), AF_INET6, &auto6,
                                   &cfg->subnet6, error);
        if (r < 0)
                return r;
        if (cfg->type == NETWORK_VXLAN && (!q.subnet || auto4 || auto6 || cfg->subnet6.family != 0))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "A vxlan network needs its IPv4 subnet given (the same on every host), and no "
                                         "IPv6 subnet (each host's ULA prefix is its own).");
        if (cfg->type != NETWORK_VXLAN && (cfg->vni || cfg->local_family || cfg->peers))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Options vni, local and peers are for vxlan networks.");
        if (cfg->type == NETWORK_MACVLAN && (auto4 || auto6))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "A macvlan network cannot pick a subnet: give its LAN's subnet, or none.");
        r = manager_create_network(m, TAKE_PTR(cfg), auto4, auto6, true, &n, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, "o", n->path);
}

int method_delete_network(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *name;
        Network *n;
        int r;

        r = sd_bus_message_read(message, "s", &name);
        if (r < 0)
                return r;
        r = lookup(m, name, &n, error);
        if (r < 0)
                return r;
        AUTHORIZE_NETWORK(m, message, method_delete_network, name, error);
        r = network_delete(n, error);
        return r < 0 ? r : sd_bus_reply_method_return(message, NULL);
}

int method_get_network(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        const char *name;
        Network *n;
        int r;

        r = sd_bus_message_read(message, "s", &name);
        if (r < 0)
                return r;
        r = lookup(userdata, name, &n, error);
        return r < 0 ? r : sd_bus_reply_method_return(message, "o", n->path);
}

int method_list_networks(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        _cleanup_free_ Network **all = manager_sorted_networks(m);
        int r;

        if (!all)
                return -ENOMEM;
        r = sd_bus_message_new_method_return(message, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssso)");
        for (size_t i = 0; r >= 0 && i < hashmap_size(m->networks); i++) {
                const NetworkConfig *c = all[i]->config;
                char buf[IN_ADDR_PREFIX_STRLEN] = "";

                /* What it is on: its IPv4 subnet (else IPv6), or the parent link of a macvlan network. */
                if (c->type == NETWORK_MACVLAN)
                        (void) snprintf(buf, sizeof(buf), "%s", c->parent);
                else if (c->subnet4.family != 0)
                        in_addr_prefix_to_string(&c->subnet4, buf);
                else if (c->subnet6.family != 0)
                        in_addr_prefix_to_string(&c->subnet6, buf);
                r = sd_bus_message_append(reply, "(ssso)", c->name, network_type_to_string(c->type), buf,
                                          all[i]->path);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}

int method_network_doctor(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        NftFinding *f = NULL;
        size_t n = 0;
        int r;

        r = manager_network_doctor(userdata, &f, &n);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to examine the host's firewall: %m");
        r = sd_bus_message_new_method_return(message, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sss)");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(reply, "(sss)", nft_severity_to_string(f[i].severity), f[i].problem,
                                          f[i].remedy);
        nft_findings_free(f, n);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}
