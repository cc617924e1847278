/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

#include "bus-names.h"
#include "log.h"
#include "name.h"
#include "network-config.h"
#include "port-spec.h"
#include "strv.h"
#include "sysctr.h"

/* sysctr network create|list|show|delete|doctor, and the networking options of create and set. */

static void freeaddrinfop(struct addrinfo **ai) {
        if (*ai)
                freeaddrinfo(*ai);
}

int ctl_check_network_arg(const char *arg) {
        _cleanup_free_ char *err = NULL, *other = NULL;
        ContainerNetwork n = {};
        NetworkMode mode;
        int r;

        r = network_attachment_from_string(arg, &mode, &n, &other, &err);
        container_network_done(&n);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                log_error(_("Invalid network \"%s\": %s."), arg, strna(err));
                return -EINVAL;
        }
        return 0;
}

int ctl_check_publish_arg(const char *arg) {
        PortSpec p;

        if (port_spec_from_string(arg, &p) < 0) {
                log_error(_("Invalid port \"%s\": expected [ADDRESS:]HOST-PORT:CONTAINER-PORT[/tcp|/udp], such as "
                            "8080:80 or 127.0.0.1:5353:53/udp."),
                          arg);
                return -EINVAL;
        }
        return 0;
}

int ctl_append_strv_option(sd_bus_message *m, const char *key, char * const *l) {
        int r;

        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", key);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "as");
        if (r >= 0)
                r = sd_bus_message_append_strv(m, (char **) l);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

/* --- network create --- */

static int append_gateways(sd_bus_message *m, char * const *gateways) {
        bool seen4 = false, seen6 = false;

        STRV_FOREACH(g, gateways) {
                int family = 0, r;

                (void) in_addr_from_string(AF_UNSPEC, *g, &family, NULL);
                if ((family == AF_INET && seen4) || (family == AF_INET6 && seen6)) {
                        log_error(_("Only one --gateway of each family (IPv4, IPv6) may be given."));
                        return -EINVAL;
                }
                seen4 = seen4 || family == AF_INET;
                seen6 = seen6 || family == AF_INET6;
                r = sd_bus_message_append(m, "{sv}", family == AF_INET ? "gateway" : "gateway6", "s", *g);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A peer as sysctrd takes it: an address. A host name is resolved here (sysctrd does not wait on
 * DNS), to an address of the family of --local or of the peers given as addresses, else IPv4 if it
 * has one. */
static int resolve_peer(const char *peer, int family, char **ret) {
        _cleanup_(freeaddrinfop) struct addrinfo *ai = NULL;
        const struct addrinfo *pick = NULL;
        union in_addr_union a;
        char buf[IN_ADDR_STRLEN];
        int f, r;

        if (in_addr_from_string(AF_UNSPEC, peer, &f, &a) >= 0) {
                *ret = strdup(peer);
                return *ret ? 0 : log_oom();
        }
        r = getaddrinfo(peer, NULL, &(struct addrinfo) { .ai_family = family, .ai_socktype = SOCK_DGRAM }, &ai);
        if (r != 0) {
                log_error(_("Failed to resolve peer \"%s\": %s"), peer, gai_strerror(r));
                return -EHOSTUNREACH;
        }
        for (const struct addrinfo *i = ai; i && !pick; i = i->ai_next)
                if (i->ai_family == AF_INET)
                        pick = i;
        if (!pick)
                pick = ai;
        if (pick->ai_family == AF_INET)
                a.in = ((const struct sockaddr_in *) pick->ai_addr)->sin_addr;
        else
                a.in6 = ((const struct sockaddr_in6 *) pick->ai_addr)->sin6_addr;
        *ret = strdup(in_addr_to_string(pick->ai_family, &a, buf));
        return *ret ? 0 : log_oom();
}

int ctl_resolve_peers(char * const *peers, const char *local, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int family = AF_UNSPEC, r;

        if (local)
                (void) in_addr_from_string(AF_UNSPEC, local, &family, NULL);
        STRV_FOREACH(p, peers)
                if (family == AF_UNSPEC)
                        (void) in_addr_from_string(AF_UNSPEC, *p, &family, NULL);
        STRV_FOREACH(p, peers) {
                char *a = NULL;

                r = resolve_peer(*p, family, &a);
                if (r < 0)
                        return r;
                r = strv_push(&l, a);
                if (r < 0) {
                        free(a);
                        return log_oom();
                }
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int append_peers(sd_bus_message *m, const CtlOptions *o) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        if (!o->peers)
                return 0;
        r = ctl_resolve_peers(o->peers, o->local, &l);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "peers");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "as");
        if (r >= 0)
                r = sd_bus_message_append_strv(m, l);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

static int append_network_options(sd_bus_message *m, const CtlOptions *o) {
        int r;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0 && o->type)
                r = sd_bus_message_append(m, "{sv}", "type", "s", o->type);
        if (r >= 0 && o->subnet)
                r = sd_bus_message_append(m, "{sv}", "subnet", "s", o->subnet);
        if (r >= 0 && o->ipv6)
                r = sd_bus_message_append(m, "{sv}", "subnet6", "s", o->ipv6);
        if (r >= 0)
                r = append_gateways(m, o->gateways);
        if (r >= 0 && o->nat)
                r = sd_bus_message_append(m, "{sv}", "nat", "b", 1);
        if (r >= 0 && o->dns)
                r = sd_bus_message_append(m, "{sv}", "dns", "b", 1);
        if (r >= 0 && o->domain)
                r = sd_bus_message_append(m, "{sv}", "domain", "s", o->domain);
        if (r >= 0 && o->mtu > 0)
                r = sd_bus_message_append(m, "{sv}", "mtu", "u", o->mtu);
        if (r >= 0 && o->parent)
                r = sd_bus_message_append(m, "{sv}", "parent", "s", o->parent);
        if (r >= 0 && o->mode)
                r = sd_bus_message_append(m, "{sv}", "mode", "s", o->mode);
        if (r >= 0 && o->host_access)
                r = sd_bus_message_append(m, "{sv}", "host-access", "b", 1);
        if (r >= 0 && o->vni > 0)
                r = sd_bus_message_append(m, "{sv}", "vni", "u", o->vni);
        if (r >= 0 && o->local)
                r = sd_bus_message_append(m, "{sv}", "local", "s", o->local);
        if (r >= 0)
                r = append_peers(m, o);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

/* What the doctor finds, as warnings: a new network is no use if the host drops its traffic. */
static void warn_doctor(sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *severity, *problem, *remedy;

        if (ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, &reply, "NetworkDoctor", NULL) < 0 ||
            sd_bus_message_enter_container(reply, 'a', "(sss)") < 0)
                return;
        while (sd_bus_message_read(reply, "(sss)", &severity, &problem, &remedy) > 0)
                if (!streq(severity, "info"))
                        log_warning(_("Warning: %s.\n  Fix: %s."), problem, remedy);
}

int verb_network_create(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        if (!network_name_is_valid(args[0])) {
                log_error(_("Invalid network name \"%s\": names are 1-63 characters of a-z, 0-9 and \"-\", start and "
                            "end with a letter or digit, are not all digits, and are not host, none, container or "
                            "private."),
                          args[0]);
                return -EINVAL;
        }
        if (o->parent && !streq_ptr(o->type, "macvlan")) {
                log_error(_("--parent is for macvlan networks (--type macvlan)."));
                return -EINVAL;
        }
        if ((o->peers || o->vni || o->local) && !streq_ptr(o->type, "vxlan")) {
                log_error(_("--peer, --vni and --local are for vxlan networks (--type vxlan)."));
                return -EINVAL;
        }
        if (streq_ptr(o->type, "vxlan") && (!o->peers || !o->subnet)) {
                log_error(_("A vxlan network needs --peer (each other host) and --subnet (the same on every host)."));
                return -EINVAL;
        }
        r = ctl_bus_open(&bus);
        if (r < 0)
                return r;
        r = ctl_new_manager_call(bus, "CreateNetwork", &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "s", args[0]);
        if (r >= 0)
                r = append_network_options(m, o);
        if (r == -EINVAL)
                return r;
        if (r < 0)
                return log_error_errno(r, _("Failed to create a bus message: %m"));
        r = ctl_call(bus, m, CTL_TIMEOUT_DEFAULT, NULL);
        if (r < 0)
                return r;
        warn_doctor(bus);
        return 0;
}

/* --- network list --- */

static int log_parse_error(int r) {
        return log_error_errno(r, _("Failed to parse the reply of sysctrd: %m"));
}

int verb_network_list(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *name, *type, *on;
        size_t w[2] = { strlen("NAME"), strlen("TYPE") };
        bool first = true;
        int r;

        r = ctl_bus_open(&bus);
        if (r >= 0)
                r = ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, &reply, "ListNetworks", NULL);
        if (r < 0)
                return r;
        /* Two passes over the reply: the widths, then the lines. */
        for (int pass = 0; pass < 2; pass++) {
                r = sd_bus_message_enter_container(reply, 'a', "(ssso)");
                if (r < 0)
                        return log_parse_error(r);
                if (pass == 1 && o->json)
                        fputc('[', stdout);
                else if (pass == 1)
                        printf("%-*s %-*s %s\n", (int) w[0], "NAME", (int) w[1], "TYPE", "ON");
                while ((r = sd_bus_message_read(reply, "(ssso)", &name, &type, &on, NULL)) > 0) {
                        if (pass == 0) {
                                w[0] = MAX(w[0], strlen(name));
                                w[1] = MAX(w[1], strlen(type));
                        } else if (o->json) {
                                fputs(first ? "{\"name\":" : ",{\"name\":", stdout);
                                json_print_string(stdout, name);
                                fputs(",\"type\":", stdout);
                                json_print_string(stdout, type);
                                fputs(streq(type, "macvlan") ? ",\"parent\":" : ",\"subnet\":", stdout);
                                json_print_string(stdout, on);
                                fputc('}', stdout);
                                first = false;
                        } else
                                printf("%-*s %-*s %s\n", (int) w[0], name, (int) w[1], type, on);
                }
                if (r < 0)
                        return log_parse_error(r);
                r = sd_bus_message_exit_container(reply);
                if (r >= 0 && pass == 0)
                        r = sd_bus_message_rewind(reply, true);
                if (r < 0)
                        return log_parse_error(r);
        }
        if (o->json)
                fputs("]\n", stdout);
        return 0;
}

/* --- network show --- */

typedef struct NetworkInfo {
        const char *name, *type, *bridge, *subnet, *gateway, *subnet6, *gateway6, *domain, *parent, *mode, *problem;
        int nat, dns, host_access;
        uint32_t mtu;
        uint32_t vni;
        const char *local, *pool_start, *pool_end;
        char **containers;
        char **peers;
} NetworkInfo;

static const struct {
        const char *key;        /* the property, and (lower case, "-" for "_") the JSON field and text key */
        char type;
        size_t offset;
} network_properties[] = {
        { "Name", 's', offsetof(NetworkInfo, name) },
        { "Type", 's', offsetof(NetworkInfo, type) },
        { "Bridge", 's', offsetof(NetworkInfo, bridge) },
        { "Subnet", 's', offsetof(NetworkInfo, subnet) },
        { "Gateway", 's', offsetof(NetworkInfo, gateway) },
        { "Subnet6", 's', offsetof(NetworkInfo, subnet6) },
        { "Gateway6", 's', offsetof(NetworkInfo, gateway6) },
        { "NAT", 'b', offsetof(NetworkInfo, nat) },
        { "DNS", 'b', offsetof(NetworkInfo, dns) },
        { "Domain", 's', offsetof(NetworkInfo, domain) },
        { "MTU", 'u', offsetof(NetworkInfo, mtu) },
        { "Parent", 's', offsetof(NetworkInfo, parent) },
        { "MacvlanMode", 's', offsetof(NetworkInfo, mode) },
        { "HostAccess", 'b', offsetof(NetworkInfo, host_access) },
        { "VNI", 'u', offsetof(NetworkInfo, vni) },
        { "Local", 's', offsetof(NetworkInfo, local) },
        { "PoolStart", 's', offsetof(NetworkInfo, pool_start) },
        { "PoolEnd", 's', offsetof(NetworkInfo, pool_end) },
        { "Problem", 's', offsetof(NetworkInfo, problem) },
};

static int network_info_read(sd_bus_message *reply, NetworkInfo *info) {
        const char *key;
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                size_t i;

                r = sd_bus_message_read(reply, "s", &key);
                if (r < 0)
                        return r;
                for (i = 0; i < ELEMENTSOF(network_properties); i++)
                        if (streq(key, network_properties[i].key))
                                break;
                if (streq(key, "Containers") || streq(key, "Peers")) {
                        r = sd_bus_message_enter_container(reply, 'v', "as");
                        if (r >= 0)
                                r = sd_bus_message_read_strv(reply, streq(key, "Peers") ? &info->peers
                                                                                        : &info->containers);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(reply);
                } else if (i < ELEMENTSOF(network_properties)) {
                        char sig[2] = { network_properties[i].type, 0 };

                        r = sd_bus_message_read(reply, "v", sig, (uint8_t *) info + network_properties[i].offset);
                } else
                        r = sd_bus_message_skip(reply, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(reply);
}

static void network_info_print_text(const NetworkInfo *i) {
        _cleanup_free_ char *containers = strv_join(i->containers, " "), *peers = strv_join(i->peers, " ");
        bool bridge = streq_ptr(i->type, "bridge") || streq_ptr(i->type, "vxlan");

        printf("Name: %s\nType: %s\n", strempty(i->name), strempty(i->type));
        if (bridge)
                printf("Bridge: %s\n", strempty(i->bridge));
        else
                printf("Parent: %s\nMode: %s\nHostAccess: %s\n", strempty(i->parent), strempty(i->mode),
                       yes_no(i->host_access));
        printf("Subnet: %s\nGateway: %s\nSubnet6: %s\nGateway6: %s\n", strempty(i->subnet), strempty(i->gateway),
               strempty(i->subnet6), strempty(i->gateway6));
        if (bridge) {
                printf("NAT: %s\nDNS: %s", yes_no(i->nat), yes_no(i->dns));
                if (!isempty(i->domain))
                        printf(" (domain %s)", i->domain);
                putchar('\n');
        }
        if (i->mtu > 0)
                printf("MTU: %" PRIu32 "\n", i->mtu);
        if (streq_ptr(i->type, "vxlan"))
                printf("VNI: %" PRIu32 "\nLocal: %s\nPeers: %s\nPool: %s - %s\n", i->vni, strempty(i->local),
                       strempty(peers), strempty(i->pool_start), strempty(i->pool_end));
        printf("Containers:%s%s\n", isempty(containers) ? "" : " ", strempty(containers));
        if (!isempty(i->problem))
                printf("Problem: %s\n", i->problem);
}

static void network_info_print_json(const NetworkInfo *i) {
        for (size_t k = 0; k < ELEMENTSOF(network_properties); k++) {
                const void *v = (const uint8_t *) i + network_properties[k].offset;
                char field[32];
                size_t n = 0;

                /* "MacvlanMode" → "macvlan_mode", "NAT" → "nat", "Subnet6" → "subnet6". */
                for (const char *p = network_properties[k].key; *p && n < sizeof(field) - 2; p++) {
                        if (*p >= 'A' && *p <= 'Z' && p != network_properties[k].key && p[-1] >= 'a' && p[-1] <= 'z')
                                field[n++] = '_';
                        field[n++] = (char) (*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
                }
                field[n] = '\0';
                fputs(k == 0 ? "{" : ",", stdout);
                json_print_string(stdout, field);
                fputc(':', stdout);
                if (network_properties[k].type == 's')
                        json_print_string(stdout, *(const char * const *) v);
                else if (network_properties[k].type == 'b')
                        fputs(*(const int *) v ? "true" : "false", stdout);
                else
                        printf("%" PRIu32, *(const uint32_t *) v);
        }
        fputs(",\"containers\":[", stdout);
        STRV_FOREACH(c, i->containers) {
                if (c != i->containers)
                        fputc(',', stdout);
                json_print_string(stdout, *c);
        }
        fputs("],\"peers\":[", stdout);
        STRV_FOREACH(p, i->peers) {
                if (p != i->peers)
                        fputc(',', stdout);
                json_print_string(stdout, *p);
        }
        fputs("]}\n", stdout);
}

int verb_network_show(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *props = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        NetworkInfo info = {};
        const char *path;
        int r;

        r = ctl_bus_open(&bus);
        if (r >= 0)
                r = ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, &reply, "GetNetwork", "s", args[0]);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return log_parse_error(r);
        r = sd_bus_call_method(bus, SYSCTR_BUS_NAME, path, "org.freedesktop.DBus.Properties", "GetAll", &error, &props,
                               "s", SYSCTR_NETWORK_INTERFACE);
        if (r < 0)
                return ctl_log_bus_error(&error, r, "GetAll");
        r = network_info_read(props, &info);
        if (r >= 0 && o->json)
                network_info_print_json(&info);
        else if (r >= 0)
                network_info_print_text(&info);
        strv_free(info.containers);
        strv_free(info.peers);
        return r < 0 ? log_parse_error(r) : 0;
}

/* --- network delete, network doctor --- */

int verb_network_delete(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r, ret = 0;

        r = ctl_bus_open(&bus);
        if (r < 0)
                return r;
        STRV_FOREACH(n, args) {
                r = ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, NULL, "DeleteNetwork", "s", *n);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}

int verb_network_doctor(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *severity, *problem, *remedy;
        unsigned n = 0, errors = 0;
        int r;

        r = ctl_bus_open(&bus);
        if (r >= 0)
                r = ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, &reply, "NetworkDoctor", NULL);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(sss)");
        if (r < 0)
                return log_parse_error(r);
        /* The severity and the text stay untranslated: they come from sysctrd (and scripts match them). */
        while ((r = sd_bus_message_read(reply, "(sss)", &severity, &problem, &remedy)) > 0) {
                printf("%s: %s.\n  %s %s.\n", severity, problem, _("Fix:"), remedy);
                n++;
                errors += streq(severity, "error");
        }
        if (r < 0)
                return log_parse_error(r);
        if (n == 0)
                printf("%s\n", _("Nothing on this host gets in the way of sysctr's networks."));
        return errors > 0 ? 1 : 0;
}
