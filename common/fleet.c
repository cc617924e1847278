/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fleet model (fleet.h): what spans entries is checked here, after fleet-yaml.c has read each
 * entry. Lists are short by nature (a file of a few hundred entries at most is read once), so
 * lookups scan them. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "bind.h"
#include "fleet.h"
#include "in-addr-util.h"
#include "name.h"
#include "strv.h"

void fleet_mount_done(FleetMount *m) {
        m->volume = mfree(m->volume);
        m->target = mfree(m->target);
}

/* "data:/srv[:ro]": a volume's name where a bind has its source; the target and options follow
 * bind.h's rules, which are checked by bind.h itself on the same spec with a stand-in source. */
int fleet_mount_parse(const char *s, FleetMount *ret) {
        _cleanup_(bind_spec_done) BindSpec b = {};
        _cleanup_free_ char *volume = NULL, *spec = NULL;
        const char *colon;
        int r;

        colon = strchr(s, ':');
        if (!colon)
                return -EINVAL;
        volume = strndup(s, (size_t) (colon - s));
        if (!volume)
                return -ENOMEM;
        if (!container_name_is_valid(volume))
                return -EINVAL;

        if (asprintf(&spec, "/volume%s", colon) < 0)
                return -ENOMEM;
        r = bind_spec_parse(spec, &b);
        if (r < 0)
                return r;
        if (b.idmap)
                return -EINVAL;

        *ret = (FleetMount) { .volume = TAKE_PTR(volume), .target = TAKE_PTR(b.target), .read_only = b.read_only };
        return 0;
}

static void fleet_container_done(FleetContainer *c) {
        c->config = container_config_free(c->config);
        c->keys = strv_free(c->keys);
        c->networks = strv_free(c->networks);
        for (size_t i = 0; i < c->n_mounts; i++)
                fleet_mount_done(&c->mounts[i]);
        c->mounts = mfree(c->mounts);
}

Fleet *fleet_free(Fleet *f) {
        if (!f)
                return NULL;

        for (size_t i = 0; i < f->n_networks; i++) {
                free(f->networks[i].name);
                free(f->networks[i].type);
                free(f->networks[i].subnet);
        }
        free(f->networks);
        for (size_t i = 0; i < f->n_volumes; i++)
                free(f->volumes[i].name);
        free(f->volumes);
        for (size_t i = 0; i < f->n_containers; i++)
                fleet_container_done(&f->containers[i]);
        free(f->containers);
        for (size_t i = 0; i < f->n_hosts; i++) {
                free(f->hosts[i].name);
                free(f->hosts[i].address);
                strv_free(f->hosts[i].containers);
        }
        free(f->hosts);
        free(f->filename);
        free(f);
        return NULL;
}

const FleetNetwork *fleet_get_network(const Fleet *f, const char *name) {
        for (size_t i = 0; i < f->n_networks; i++)
                if (streq(f->networks[i].name, name))
                        return &f->networks[i];
        return NULL;
}

const FleetVolume *fleet_get_volume(const Fleet *f, const char *name) {
        for (size_t i = 0; i < f->n_volumes; i++)
                if (streq(f->volumes[i].name, name))
                        return &f->volumes[i];
        return NULL;
}

const FleetContainer *fleet_get_container(const Fleet *f, const char *name) {
        for (size_t i = 0; i < f->n_containers; i++)
                if (streq(f->containers[i].config->name, name))
                        return &f->containers[i];
        return NULL;
}

const FleetHost *fleet_get_host(const Fleet *f, const char *name) {
        for (size_t i = 0; i < f->n_hosts; i++)
                if (streq(f->hosts[i].name, name))
                        return &f->hosts[i];
        return NULL;
}

bool fleet_container_gives(const FleetContainer *c, const char *key) {
        return strv_contains(c->keys, key);
}

static bool user_name_is_valid(const char *s) {
        if (isempty(s) || strlen(s) > 32 || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
                return false;
        for (const char *c = s; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || strchr("_.-", *c)))
                        return false;
        return true;
}

int host_address_parse(const char *s, char **ret_user, char **ret_host, uint16_t *ret_port) {
        _cleanup_free_ char *user = NULL, *host = NULL;
        const char *at, *h, *port = NULL;
        union in_addr_union a;
        unsigned long p = 0;

        if (isempty(s))
                return -EINVAL;

        at = strchr(s, '@');
        if (at) {
                user = strndup(s, (size_t) (at - s));
                if (!user)
                        return -ENOMEM;
                if (!user_name_is_valid(user))
                        return -EINVAL;
        }
        h = at ? at + 1 : s;

        if (h[0] == '[') {
                const char *end = strchr(h, ']');

                if (!end)
                        return -EINVAL;
                host = strndup(h + 1, (size_t) (end - h - 1));
                if (!host)
                        return -ENOMEM;
                if (in_addr_from_string(AF_INET6, host, NULL, &a) < 0)
                        return -EINVAL;
                if (end[1] == ':')
                        port = end + 2;
                else if (end[1])
                        return -EINVAL;
        } else {
                const char *colon = strchr(h, ':');

                host = colon ? strndup(h, (size_t) (colon - h)) : strdup(h);
                if (!host)
                        return -ENOMEM;
                if (colon)
                        port = colon + 1;
                /* A host name or an IPv4 address; an IPv6 address needs brackets to carry a port. */
                if (!hostname_is_valid(host) && in_addr_from_string(AF_INET, host, NULL, &a) < 0)
                        return -EINVAL;
        }

        if (port) {
                char *end;

                if (port[0] < '1' || port[0] > '9')
                        return -EINVAL;
                errno = 0;
                p = strtoul(port, &end, 10);
                if (errno != 0 || *end || p == 0 || p > 65535)
                        return -EINVAL;
        }

        if (ret_user)
                *ret_user = TAKE_PTR(user);
        if (ret_host)
                *ret_host = TAKE_PTR(host);
        if (ret_port)
                *ret_port = (uint16_t) p;
        return 0;
}

bool host_address_is_valid(const char *s) {
        return host_address_parse(s, NULL, NULL, NULL) >= 0;
}

static int fleet_error(const Fleet *f, unsigned line, char **ret_error, const char *format, ...) _printf_(4, 5);
static int fleet_error(const Fleet *f, unsigned line, char **ret_error, const char *format, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int k;

        if (!ret_error)
                return -EINVAL;
        va_start(ap, format);
        k = vasprintf(&msg, format, ap);
        va_end(ap);
        if (k < 0 || asprintf(ret_error, "%s:%u: %s", f->filename, line, msg) < 0) {
                *ret_error = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

static int verify_unique_names(const Fleet *f, char **ret_error) {
        for (size_t i = 0; i < f->n_networks; i++)
                for (size_t j = 0; j < i; j++)
                        if (streq(f->networks[i].name, f->networks[j].name))
                                return fleet_error(f, f->networks[i].line, ret_error,
                                                   "Network \"%s\" is declared twice (first at line %u)",
                                                   f->networks[i].name, f->networks[j].line);
        for (size_t i = 0; i < f->n_volumes; i++)
                for (size_t j = 0; j < i; j++)
                        if (streq(f->volumes[i].name, f->volumes[j].name))
                                return fleet_error(f, f->volumes[i].line, ret_error,
                                                   "Volume \"%s\" is declared twice (first at line %u)",
                                                   f->volumes[i].name, f->volumes[j].line);
        for (size_t i = 0; i < f->n_containers; i++)
                for (size_t j = 0; j < i; j++)
                        if (streq(f->containers[i].config->name, f->containers[j].config->name))
                                return fleet_error(f, f->containers[i].line, ret_error,
                                                   "Container \"%s\" is declared twice (first at line %u)",
                                                   f->containers[i].config->name, f->containers[j].line);
        for (size_t i = 0; i < f->n_hosts; i++)
                for (size_t j = 0; j < i; j++)
                        if (streq(f->hosts[i].name, f->hosts[j].name))
                                return fleet_error(f, f->hosts[i].line, ret_error,
                                                   "Host \"%s\" is declared twice (first at line %u)",
                                                   f->hosts[i].name, f->hosts[j].line);
        return 0;
}

/* Every network and volume a container names is declared; no two mounts on one target. */
static int verify_references(const Fleet *f, char **ret_error) {
        for (size_t i = 0; i < f->n_containers; i++) {
                const FleetContainer *c = &f->containers[i];

                STRV_FOREACH(n, c->networks)
                        if (!fleet_get_network(f, *n))
                                return fleet_error(f, c->line, ret_error,
                                                   "Container \"%s\" uses network \"%s\", which the file does "
                                                   "not declare under \"networks\"",
                                                   c->config->name, *n);
                for (size_t m = 0; m < c->n_mounts; m++) {
                        if (!fleet_get_volume(f, c->mounts[m].volume))
                                return fleet_error(f, c->line, ret_error,
                                                   "Container \"%s\" uses volume \"%s\", which the file does "
                                                   "not declare under \"volumes\"",
                                                   c->config->name, c->mounts[m].volume);
                        for (size_t o = 0; o < m; o++)
                                if (streq(c->mounts[o].target, c->mounts[m].target))
                                        return fleet_error(f, c->line, ret_error,
                                                           "Container \"%s\" mounts two volumes on %s",
                                                           c->config->name, c->mounts[m].target);
                }
        }
        return 0;
}

/* A vxlan network spans the hosts that get it, which are each other's peers: it needs hosts, and a
 * subnet that every host shares out the same way. */
static int verify_overlays(const Fleet *f, char **ret_error) {
        for (size_t i = 0; i < f->n_networks; i++) {
                const FleetNetwork *n = &f->networks[i];

                if (!streq(n->type, "vxlan"))
                        continue;
                if (f->n_hosts == 0)
                        return fleet_error(f, n->line, ret_error,
                                           "Network \"%s\" is of type vxlan, which spans hosts: the file has no "
                                           "\"hosts\"", n->name);
                if (!n->subnet)
                        return fleet_error(f, n->line, ret_error,
                                           "Network \"%s\" is of type vxlan: it needs its \"subnet\", the same on "
                                           "every host", n->name);
        }
        return 0;
}

/* Each container of a host is declared and placed once; with hosts, every container is placed. */
static int verify_placement(Fleet *f, char **ret_error) {
        for (size_t i = 0; i < f->n_hosts; i++) {
                const FleetHost *h = &f->hosts[i];

                STRV_FOREACH(n, h->containers) {
                        FleetContainer *c = (FleetContainer *) fleet_get_container(f, *n);

                        if (!c)
                                return fleet_error(f, h->line, ret_error,
                                                   "Host \"%s\" runs container \"%s\", which the file does not "
                                                   "declare under \"containers\"",
                                                   h->name, *n);
                        if (c->host)
                                return fleet_error(f, h->line, ret_error,
                                                   "Container \"%s\" is placed on two hosts, \"%s\" and \"%s\"",
                                                   *n, c->host, h->name);
                        c->host = h->name;
                }
        }
        if (f->n_hosts == 0)
                return 0;
        for (size_t i = 0; i < f->n_containers; i++)
                if (!f->containers[i].host)
                        return fleet_error(f, f->containers[i].line, ret_error,
                                           "Container \"%s\" is placed on no host (list it under the "
                                           "\"containers\" of one entry of \"hosts\")",
                                           f->containers[i].config->name);
        return 0;
}

/* A volume lives on one host: the containers that share it must run there. */
static int verify_volume_hosts(const Fleet *f, char **ret_error) {
        for (size_t v = 0; v < f->n_volumes; v++) {
                const FleetContainer *first = NULL;

                for (size_t i = 0; i < f->n_containers; i++) {
                        const FleetContainer *c = &f->containers[i];
                        bool uses = false;

                        for (size_t m = 0; m < c->n_mounts; m++)
                                uses = uses || streq(c->mounts[m].volume, f->volumes[v].name);
                        if (!uses)
                                continue;
                        if (!first)
                                first = c;
                        else if (!streq_ptr(first->host, c->host))
                                return fleet_error(f, c->line, ret_error,
                                                   "Volume \"%s\" is used on two hosts (by \"%s\" on \"%s\" and "
                                                   "\"%s\" on \"%s\"): a volume lives on one host",
                                                   f->volumes[v].name, first->config->name, first->host,
                                                   c->config->name, c->host);
                }
        }
        return 0;
}

int fleet_verify(Fleet *f, char **ret_error) {
        int r;

        assert(f);

        if (ret_error)
                *ret_error = NULL;

        r = verify_unique_names(f, ret_error);
        if (r < 0)
                return r;
        r = verify_references(f, ret_error);
        if (r < 0)
                return r;
        r = verify_placement(f, ret_error);
        if (r < 0)
                return r;
        r = verify_volume_hosts(f, ret_error);
        if (r < 0)
                return r;
        return verify_overlays(f, ret_error);
}
