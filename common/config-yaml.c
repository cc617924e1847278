/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The YAML side of the configuration model (config.h): the only user of libyaml. Parsing loads the
 * whole document into a node tree and walks it with a table of fields per schema, so that the
 * container entry parser (config_node_to_container()) can later be reused for the entries of a
 * fleet file. */
#include <assert.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <yaml.h>

#include "bind.h"
#include "config.h"
#include "config-yaml-private.h"
#include "fileio.h"
#include "id.h"
#include "parse-util.h"
#include "name.h"
#include "network-config.h"
#include "port-spec.h"
#include "signal-util.h"
#include "strv.h"
#include "volume.h"

typedef enum FieldType {
        FIELD_STRING,           /* char *, any non-null scalar but an unquoted true/false */
        FIELD_STRV,             /* char **, a non-empty sequence of strings */
        FIELD_COMMAND,          /* char **, a non-empty sequence, the first an absolute path */
        FIELD_SIGNAL,           /* int, a signal name or number */
        FIELD_SECONDS,          /* unsigned, a plain positive integer */
        FIELD_BOOL,             /* bool, plain true or false */
        FIELD_SIZE,             /* uint64_t, bytes: "512M" (parse_size()) */
        FIELD_CPUS,             /* uint32_t, thousandths of a CPU: "1.5" (parse_cpus()) */
        FIELD_COUNT,            /* uint64_t, a plain positive integer (parse_count()) */
        FIELD_TIMESTAMP,        /* uint64_t, µs since the epoch: "2026-11-30T08:36:15Z" (UTC) */
        FIELD_ID,               /* uint32_t, a host ID: a plain integer from 65536 to 4294901759 */
        FIELD_CUSTOM,           /* parsed by the field's own parse() */
} FieldType;

typedef struct Field Field;
typedef int (*FieldParser)(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj);

struct Field {
        const char *key;
        FieldType type;
        size_t offset;
        /* FIELD_STRING: the value, FIELD_STRV: each item; NULL: anything goes. */
        bool (*is_valid)(const char *s);
        const char *what;       /* for "Invalid <what> <value>" */
        bool unique;            /* FIELD_STRV: no duplicate items */
        FieldParser parse;      /* FIELD_CUSTOM */
};

static int parse_network_mode(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj);
static int parse_networks(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj);

static bool port_spec_is_valid(const char *s) {
        PortSpec p;

        return port_spec_from_string(s, &p) >= 0;
}

static const Field container_fields[] = {
        { "name",         FIELD_STRING,  offsetof(ContainerConfig, name),     container_name_is_valid,
          "container name" },
        { "id",           FIELD_STRING,  offsetof(ContainerConfig, id),       id_is_valid, "id" },
        { "template",     FIELD_STRING,  offsetof(ContainerConfig, template), template_name_is_valid,
          "template name" },
        { "release",      FIELD_STRING,  offsetof(ContainerConfig, release),  release_name_is_valid,
          "release" },
        { "image",        FIELD_STRING,  offsetof(ContainerConfig, image),    image_ref_is_valid,
          "image name" },
        { "created",      FIELD_TIMESTAMP, offsetof(ContainerConfig, created_usec) },
        { "hostname",     FIELD_STRING,  offsetof(ContainerConfig, hostname), hostname_is_valid,
          "hostname" },
        { "init",         FIELD_COMMAND, offsetof(ContainerConfig, init) },
        { "stop-signal",  FIELD_SIGNAL,  offsetof(ContainerConfig, stop_signal) },
        { "stop-timeout", FIELD_SECONDS, offsetof(ContainerConfig, stop_timeout_sec) },
        { "privileged",   FIELD_BOOL,    offsetof(ContainerConfig, privileged) },
        { "id-base",      FIELD_ID,      offsetof(ContainerConfig, id_base) },
        { "autostart",    FIELD_BOOL,    offsetof(ContainerConfig, autostart) },
        { "memory",       FIELD_SIZE,    offsetof(ContainerConfig, memory_max) },
        { "cpus",         FIELD_CPUS,    offsetof(ContainerConfig, cpu_millis) },
        { "pids",         FIELD_COUNT,   offsetof(ContainerConfig, tasks_max) },
        { "binds",        FIELD_STRV,    offsetof(ContainerConfig, binds),    bind_spec_is_valid,
          "bind", .unique = true },
        { "volumes",      FIELD_STRV,    offsetof(ContainerConfig, volumes),  volume_spec_is_valid,
          "volume", .unique = true },
        { "tmpfs",        FIELD_STRV,    offsetof(ContainerConfig, tmpfs),    tmpfs_spec_is_valid,
          "tmpfs", .unique = true },
        { "network-mode", FIELD_CUSTOM,  0, .parse = parse_network_mode },
        { "networks",     FIELD_CUSTOM,  0, .parse = parse_networks },
        { "publish",      FIELD_STRV,    offsetof(ContainerConfig, publish),  port_spec_is_valid,
          "published port", .unique = true },
        { "allow-host",   FIELD_BOOL,    offsetof(ContainerConfig, allow_host) },
};

static const Field template_fields[] = {
        { "description",  FIELD_STRING,  offsetof(TemplateInfo, description) },
        { "init",         FIELD_COMMAND, offsetof(TemplateInfo, init) },
        { "stop-signal",  FIELD_SIGNAL,  offsetof(TemplateInfo, stop_signal) },
        { "releases",     FIELD_STRV,    offsetof(TemplateInfo, releases),   release_name_is_valid,
          "release", .unique = true },
        { "image-name",   FIELD_STRING,  offsetof(TemplateInfo, image_name) },
};

static bool str_in_list(const char *s, const char * const *list) {
        for (; *list; list++)
                if (streq(s, *list))
                        return true;
        return false;
}
#define STR_IN_SET(s, ...) str_in_list((s), (const char * const[]) { __VA_ARGS__, NULL })

int parse_error(const ParseContext *ctx, const yaml_node_t *node, const char *format, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int k;

        if (!ctx->ret_error)
                return -EINVAL;

        va_start(ap, format);
        k = vasprintf(&msg, format, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;

        /* libyaml counts lines from 0. */
        if (asprintf(ctx->ret_error, "%s:%zu: %s", ctx->filename, node->start_mark.line + 1, msg) < 0) {
                *ctx->ret_error = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

/* "Invalid container name \"A_b\"", the same wording as container_config_verify(). */
int parse_error_value(const ParseContext *ctx, const yaml_node_t *node, const char *what,
                             const char *value, const char *hint) {
        _cleanup_free_ char *q = config_quote(value);

        if (!q)
                return -ENOMEM;
        return parse_error(ctx, node, "Invalid %s %s%s%s", what, q, hint ? ": " : "", strempty(hint));
}

static const char *scalar_value(const yaml_node_t *node) {
        return (const char *) node->data.scalar.value;
}

static bool scalar_is_plain(const yaml_node_t *node) {
        return node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* YAML's null: an empty value, "~" or "null" written without quotes. */
bool node_is_null(const yaml_node_t *node) {
        const char *v;

        if (node->type != YAML_SCALAR_NODE || !scalar_is_plain(node))
                return false;
        v = scalar_value(node);
        return STR_IN_SET(v, "", "~", "null", "Null", "NULL");
}

const char *node_type_name(const yaml_node_t *node) {
        if (node_is_null(node))
                return "null";
        switch (node->type) {
        case YAML_SCALAR_NODE:
                return "a scalar";
        case YAML_SEQUENCE_NODE:
                return "a sequence";
        case YAML_MAPPING_NODE:
                return "a mapping";
        default:
                return "nothing";
        }
}

/* Checks the node is a scalar we can treat as a string: no explicit tag other than !!str (libyaml
 * gives untagged scalars the !!str tag), no NUL byte inside. */
static int check_scalar(const ParseContext *ctx, const yaml_node_t *node, const char *key,
                        const char *expected) {
        if (node->type != YAML_SCALAR_NODE || node_is_null(node))
                return parse_error(ctx, node, "Expected %s for \"%s\", got %s", expected, key,
                                   node_type_name(node));
        if (!node->tag || !streq((const char *) node->tag, YAML_STR_TAG))
                return parse_error(ctx, node, "Unsupported tag %s for \"%s\"",
                                   node->tag ? (const char *) node->tag : "(none)", key);
        if (strlen(scalar_value(node)) != node->data.scalar.length)
                return parse_error(ctx, node, "Value of \"%s\" contains a NUL byte", key);
        return 0;
}

int node_to_string(const ParseContext *ctx, const yaml_node_t *node, const char *key, char **ret) {
        const char *v;
        char *s;
        int r;

        r = check_scalar(ctx, node, key, "a string");
        if (r < 0)
                return r;

        /* An unquoted true/false is a boolean to every other YAML reader: refuse to read it as a
         * string, so that the file means the same everywhere. Quoting it makes it a string. */
        v = scalar_value(node);
        if (scalar_is_plain(node) && STR_IN_SET(v, "true", "false", "True", "False", "TRUE", "FALSE"))
                return parse_error(ctx, node, "Expected a string for \"%s\", got the boolean %s "
                                   "(quote it to make it a string)", key, v);

        s = strdup(v);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static int parse_string(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        char **target = (char **) ((uint8_t *) obj + f->offset);
        _cleanup_free_ char *s = NULL;
        int r;

        r = node_to_string(ctx, node, f->key, &s);
        if (r < 0)
                return r;

        if (f->is_valid && !f->is_valid(s))
                return parse_error_value(ctx, node, f->what, s, NULL);

        free(*target);
        *target = TAKE_PTR(s);
        return 0;
}

static int parse_strv(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        char ***target = (char ***) ((uint8_t *) obj + f->offset);
        _cleanup_strv_free_ char **l = NULL;
        int r;

        if (node->type != YAML_SEQUENCE_NODE)
                return parse_error(ctx, node, "Expected a sequence for \"%s\", got %s", f->key,
                                   node_type_name(node));
        if (node->data.sequence.items.start == node->data.sequence.items.top)
                return parse_error(ctx, node, "\"%s\" must not be empty", f->key);

        for (yaml_node_item_t *i = node->data.sequence.items.start; i < node->data.sequence.items.top; i++) {
                yaml_node_t *item = yaml_document_get_node(ctx->doc, *i);
                _cleanup_free_ char *s = NULL;

                r = node_to_string(ctx, item, f->key, &s);
                if (r < 0)
                        return r;

                if (f->type == FIELD_COMMAND && !l && s[0] != '/')
                        return parse_error_value(ctx, item, "init", s, "must be an absolute path");
                if (f->is_valid && !f->is_valid(s))
                        return parse_error_value(ctx, item, f->what, s, NULL);
                if (f->unique && strv_contains(l, s))
                        return parse_error_value(ctx, item, f->what, s, "listed twice");

                r = strv_push(&l, TAKE_PTR(s));
                if (r < 0)
                        return r;
        }

        strv_free(*target);
        *target = TAKE_PTR(l);
        return 0;
}

static int parse_signal(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        int *target = (int *) ((uint8_t *) obj + f->offset);
        int r, sig;

        r = check_scalar(ctx, node, f->key, "a signal name");
        if (r < 0)
                return r;

        sig = signal_from_string(scalar_value(node));
        if (sig < 0)
                return parse_error_value(ctx, node, f->key, scalar_value(node),
                                         "expected a signal such as SIGRTMIN+3 or SIGTERM");
        *target = sig;
        return 0;
}

static int parse_seconds(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        unsigned *target = (unsigned *) ((uint8_t *) obj + f->offset);
        const char *hint = "expected a positive integer (seconds)";
        unsigned long long v = 0;
        const char *s;
        int r;

        r = check_scalar(ctx, node, f->key, "an integer");
        if (r < 0)
                return r;

        /* Plain decimal only: a quoted "10" is a string, "010" is octal to YAML 1.1 readers,
         * and "10s" or "1e3" would need units we do not have. */
        s = scalar_value(node);
        if (!scalar_is_plain(node) || s[0] < '1' || s[0] > '9')
                return parse_error_value(ctx, node, f->key, s, hint);
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return parse_error_value(ctx, node, f->key, s, hint);
                v = v * 10 + (unsigned) (*p - '0');
                if (v > UINT_MAX)
                        return parse_error_value(ctx, node, f->key, s, "too large");
        }

        *target = (unsigned) v;
        return 0;
}

/* memory, cpus, pids: written as users write them ("512M", "1.5", "2048"), plain scalars only. */
static int parse_limit(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        void *target = (uint8_t *) obj + f->offset;
        const char *s, *hint;
        uint64_t v;
        uint32_t m;
        int r;

        r = check_scalar(ctx, node, f->key, "a scalar");
        if (r < 0)
                return r;
        s = scalar_value(node);
        switch (f->type) {
        case FIELD_SIZE:
                hint = "expected a size such as 512M or 2G";
                r = parse_size(s, &v);
                if (r >= 0)
                        *(uint64_t *) target = v;
                break;
        case FIELD_CPUS:
                hint = "expected a number of CPUs such as 1 or 1.5";
                r = parse_cpus(s, &m);
                if (r >= 0)
                        *(uint32_t *) target = m;
                break;
        default:
                hint = "expected a positive integer";
                r = parse_count(s, &v);
                if (r >= 0)
                        *(uint64_t *) target = v;
                break;
        }
        if (r < 0 || !scalar_is_plain(node))
                return parse_error_value(ctx, node, f->key, s, hint);
        return 0;
}

static int parse_bool(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        bool *target = (bool *) ((uint8_t *) obj + f->offset);
        const char *s;
        int r;

        r = check_scalar(ctx, node, f->key, "true or false");
        if (r < 0)
                return r;

        /* Not yes/no/on/off: YAML 1.2 dropped them and readers disagree about them. */
        s = scalar_value(node);
        if (scalar_is_plain(node) && streq(s, "true"))
                *target = true;
        else if (scalar_is_plain(node) && streq(s, "false"))
                *target = false;
        else
                return parse_error_value(ctx, node, f->key, s, "expected true or false");
        return 0;
}

static int parse_timestamp(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        uint64_t *target = (uint64_t *) ((uint8_t *) obj + f->offset);
        const char *s;
        int r;

        r = check_scalar(ctx, node, f->key, "a time stamp");
        if (r < 0)
                return r;
        s = scalar_value(node);
        if (parse_timestamp_utc(s, target) < 0)
                return parse_error_value(ctx, node, f->key, s, "expected a time in UTC such as 2026-11-30T08:36:15Z");
        return 0;
}

static int parse_id(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        uint32_t *target = (uint32_t *) ((uint8_t *) obj + f->offset);
        const char *s;
        uint64_t v;
        int r;

        r = check_scalar(ctx, node, f->key, "a host ID");
        if (r < 0)
                return r;
        s = scalar_value(node);
        /* The block of 65,536 IDs must lie above the host's own IDs and below (uid_t) -1. */
        if (!scalar_is_plain(node) || parse_count(s, &v) < 0 || v < CONFIG_ID_BASE_MIN ||
            v > CONFIG_ID_BASE_MAX)
                return parse_error_value(ctx, node, f->key, s, "expected a host ID from 65536 to 4294901759");
        *target = (uint32_t) v;
        return 0;
}

static int parse_field(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        switch (f->type) {
        case FIELD_STRING:
                return parse_string(ctx, f, node, obj);
        case FIELD_STRV:
        case FIELD_COMMAND:
                return parse_strv(ctx, f, node, obj);
        case FIELD_SIGNAL:
                return parse_signal(ctx, f, node, obj);
        case FIELD_SECONDS:
                return parse_seconds(ctx, f, node, obj);
        case FIELD_BOOL:
                return parse_bool(ctx, f, node, obj);
        case FIELD_SIZE:
        case FIELD_CPUS:
        case FIELD_COUNT:
                return parse_limit(ctx, f, node, obj);
        case FIELD_TIMESTAMP:
                return parse_timestamp(ctx, f, node, obj);
        case FIELD_ID:
                return parse_id(ctx, f, node, obj);
        case FIELD_CUSTOM:
                return f->parse(ctx, f, node, obj);
        }
        assert(false);
        return -EINVAL;
}

/* Fills obj from a mapping node, field by field. Unknown and duplicate keys are errors. */
static int parse_mapping(const ParseContext *ctx, const yaml_node_t *node, const Field *fields,
                         size_t n_fields, void *obj) {
        uint64_t seen = 0;
        int r;

        assert(n_fields <= 64);

        if (node->type != YAML_MAPPING_NODE)
                return parse_error(ctx, node, "Expected a mapping, got %s", node_type_name(node));

        for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
                yaml_node_t *key = yaml_document_get_node(ctx->doc, p->key),
                        *value = yaml_document_get_node(ctx->doc, p->value);
                const char *k;
                size_t i;

                if (key->type != YAML_SCALAR_NODE || node_is_null(key))
                        return parse_error(ctx, key, "Expected a key name, got %s", node_type_name(key));

                k = scalar_value(key);
                for (i = 0; i < n_fields; i++)
                        if (streq(fields[i].key, k))
                                break;
                if (i >= n_fields && ctx->unknown_key) {
                        /* A key of the enclosing document's own (a fleet file's container entry). */
                        r = ctx->unknown_key(ctx, key, value, obj);
                        if (r != -ENOENT) {
                                if (r < 0)
                                        return r;
                                continue;
                        }
                }
                if (i >= n_fields) {
                        _cleanup_free_ char *q = config_quote(k);

                        if (!q)
                                return -ENOMEM;
                        return parse_error(ctx, key, "Unknown key %s", q);
                }
                if (seen & (UINT64_C(1) << i))
                        return parse_error(ctx, key, "Duplicate key \"%s\"", fields[i].key);
                seen |= UINT64_C(1) << i;

                r = parse_field(ctx, &fields[i], value, obj);
                if (r < 0)
                        return r;
        }

        return 0;
}

/* --- networking: custom fields (network-config.h) --- */

static int parse_enum_value(const ParseContext *ctx, const yaml_node_t *node, const char *key, const char *expected,
                            int value, int *target) {
        if (value < 0)
                return parse_error_value(ctx, node, key, scalar_value(node), expected);
        *target = value;
        return 0;
}

static int parse_network_mode(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        ContainerConfig *c = obj;
        const char *s, *other;
        int r;

        r = check_scalar(ctx, node, f->key, "a network mode");
        if (r < 0)
                return r;
        s = scalar_value(node);
        c->network_container = mfree(c->network_container);
        other = startswith(s, NETWORK_MODE_CONTAINER_PREFIX);
        if (other) {
                if (!container_name_is_valid(other))
                        return parse_error_value(ctx, node, f->key, s, "not a valid container name after container:");
                c->network_container = strdup(other);
                if (!c->network_container)
                        return -ENOMEM;
                c->network_mode = NETWORK_MODE_CONTAINER;
                return 0;
        }
        if (streq(s, "private"))
                c->network_mode = NETWORK_MODE_PRIVATE;
        else if (streq(s, NETWORK_MODE_NONE_WORD))
                c->network_mode = NETWORK_MODE_NONE;
        else if (streq(s, NETWORK_MODE_HOST_WORD))
                c->network_mode = NETWORK_MODE_HOST;
        else
                return parse_error_value(ctx, node, f->key, s, "expected private, none, host or container:NAME");
        return 0;
}

/* An address of one family into *target, *has set. */
static int parse_address(const ParseContext *ctx, const Field *f, const yaml_node_t *node, int family,
                         union in_addr_union *target, bool *has) {
        int r;

        r = check_scalar(ctx, node, f->key, "an address");
        if (r < 0)
                return r;
        if (in_addr_from_string(family, scalar_value(node), NULL, target) < 0)
                return parse_error_value(ctx, node, f->key, scalar_value(node),
                                         family == AF_INET ? "expected an IPv4 address" : "expected an IPv6 address");
        *has = true;
        return 0;
}

static int parse_ip4(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        ContainerNetwork *n = obj;

        return parse_address(ctx, f, node, AF_INET, &n->ip4, &n->has_ip4);
}

static int parse_ip6(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        ContainerNetwork *n = obj;

        return parse_address(ctx, f, node, AF_INET6, &n->ip6, &n->has_ip6);
}

static int parse_mac(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        ContainerNetwork *n = obj;
        int r;

        r = check_scalar(ctx, node, f->key, "a MAC address");
        if (r < 0)
                return r;
        if (ether_addr_from_str(scalar_value(node), &n->mac) < 0)
                return parse_error_value(ctx, node, f->key, scalar_value(node),
                                         "expected a unicast MAC address such as \"52:54:00:12:34:56\"");
        n->has_mac = true;
        return 0;
}

static const Field attachment_fields[] = {
        { "name", FIELD_STRING, offsetof(ContainerNetwork, name), network_name_is_valid, "network name" },
        { "ip",   FIELD_CUSTOM, 0, .parse = parse_ip4 },
        { "ip6",  FIELD_CUSTOM, 0, .parse = parse_ip6 },
        { "mac",  FIELD_CUSTOM, 0, .parse = parse_mac },
};

/* One item of "networks:": a plain network name, or a mapping with name, ip, ip6, mac. */
static int parse_attachment(const ParseContext *ctx, const yaml_node_t *item, ContainerNetwork *ret) {
        _cleanup_(container_network_done) ContainerNetwork n = {};
        int r;

        if (item->type == YAML_SCALAR_NODE) {
                r = parse_string(ctx, &attachment_fields[0], item, &n);
                if (r < 0)
                        return r;
        } else {
                r = parse_mapping(ctx, item, attachment_fields, ELEMENTSOF(attachment_fields), &n);
                if (r < 0)
                        return r;
                if (!n.name)
                        return parse_error(ctx, item, "Missing required key \"name\" in an entry of \"networks\"");
        }
        *ret = n;
        n = (ContainerNetwork) {};
        return 0;
}

static int parse_networks(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        ContainerConfig *c = obj;
        ContainerNetwork *l = NULL;
        size_t n = 0;
        int r = 0;

        if (node->type != YAML_SEQUENCE_NODE)
                return parse_error(ctx, node, "Expected a sequence for \"%s\", got %s", f->key, node_type_name(node));
        for (yaml_node_item_t *i = node->data.sequence.items.start; i < node->data.sequence.items.top; i++) {
                yaml_node_t *item = yaml_document_get_node(ctx->doc, *i);
                ContainerNetwork *grown;

                grown = reallocarray(l, n + 1, sizeof(ContainerNetwork));
                if (!grown) {
                        r = -ENOMEM;
                        break;
                }
                l = grown;
                r = parse_attachment(ctx, item, &l[n]);
                if (r < 0)
                        break;
                for (size_t j = 0; j < n && r >= 0; j++)
                        if (streq(l[j].name, l[n].name))
                                r = parse_error_value(ctx, item, "networks entry", l[n].name, "listed twice");
                n++;
                if (r < 0)
                        break;
        }
        if (r < 0) {
                container_networks_free(l, n);
                return r;
        }
        container_networks_free(c->networks, c->n_networks);
        c->networks = l;
        c->n_networks = n;
        return 0;
}

static int parse_network_type(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        NetworkConfig *n = obj;
        int r, v = 0;

        r = check_scalar(ctx, node, f->key, "a network type");
        if (r < 0)
                return r;
        r = parse_enum_value(ctx, node, f->key, "expected bridge, macvlan or vxlan",
                             network_type_from_string(scalar_value(node)), &v);
        n->type = (NetworkType) v;
        return r;
}

static int parse_macvlan_mode(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        NetworkConfig *n = obj;
        int r, v = 0;

        r = check_scalar(ctx, node, f->key, "a macvlan mode");
        if (r < 0)
                return r;
        r = parse_enum_value(ctx, node, f->key, "expected bridge, private or vepa",
                             network_macvlan_mode_from_string(scalar_value(node)), &v);
        n->mode = (NetworkMacvlanMode) v;
        return r;
}

/* A subnet as written in the file: the network address and its length (host bits clear). */
static int parse_subnet_of(const ParseContext *ctx, const Field *f, const yaml_node_t *node, int family,
                           InAddrPrefix *target) {
        int r;

        r = check_scalar(ctx, node, f->key, "a subnet");
        if (r < 0)
                return r;
        if (in_addr_prefix_from_string(family, scalar_value(node), target) < 0 || !in_addr_prefix_is_network(target))
                return parse_error_value(ctx, node, f->key, scalar_value(node),
                                         family == AF_INET ? "expected an IPv4 subnet such as 10.88.0.0/24"
                                                           : "expected an IPv6 subnet such as fd42:1:2:3::/64");
        return 0;
}

static int parse_subnet4(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        return parse_subnet_of(ctx, f, node, AF_INET, &((NetworkConfig *) obj)->subnet4);
}

static int parse_subnet6(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        return parse_subnet_of(ctx, f, node, AF_INET6, &((NetworkConfig *) obj)->subnet6);
}

static int parse_gateway4(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        NetworkConfig *n = obj;

        return parse_address(ctx, f, node, AF_INET, &n->gateway4, &n->has_gateway4);
}

static int parse_gateway6(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        NetworkConfig *n = obj;

        return parse_address(ctx, f, node, AF_INET6, &n->gateway6, &n->has_gateway6);
}

static int parse_mtu(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        NetworkConfig *n = obj;
        uint64_t v;
        int r;

        r = check_scalar(ctx, node, f->key, "an integer");
        if (r < 0)
                return r;
        if (!scalar_is_plain(node) || parse_count(scalar_value(node), &v) < 0 || v < 68 || v > 65535)
                return parse_error_value(ctx, node, f->key, scalar_value(node), "expected an MTU from 68 to 65535");
        n->mtu = (uint32_t) v;
        return 0;
}

static int parse_vni(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        NetworkConfig *n = obj;
        uint64_t v;
        int r;

        r = check_scalar(ctx, node, f->key, "an integer");
        if (r < 0)
                return r;
        if (!scalar_is_plain(node) || parse_count(scalar_value(node), &v) < 0 || v < 1 ||
            v > NETWORK_VXLAN_VNI_MAX)
                return parse_error_value(ctx, node, f->key, scalar_value(node),
                                         "expected a VNI from 1 to 16777215");
        n->vni = (uint32_t) v;
        return 0;
}

static int parse_local(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        NetworkConfig *n = obj;
        int r;

        r = check_scalar(ctx, node, f->key, "an address");
        if (r < 0)
                return r;
        if (in_addr_from_string(AF_UNSPEC, scalar_value(node), &n->local_family, &n->local) < 0)
                return parse_error_value(ctx, node, f->key, scalar_value(node),
                                         "expected an IPv4 or IPv6 address");
        return 0;
}

static int parse_pool_start(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        NetworkConfig *n = obj;

        return parse_address(ctx, f, node, AF_INET, &n->pool_start, &n->has_pool);
}

static int parse_pool_end(const ParseContext *ctx, const Field *f, const yaml_node_t *node, void *obj) {
        NetworkConfig *n = obj;

        return parse_address(ctx, f, node, AF_INET, &n->pool_end, &n->has_pool);
}

static bool address_is_valid(const char *s) {
        union in_addr_union a;
        int family;

        return in_addr_from_string(AF_UNSPEC, s, &family, &a) >= 0;
}

static const Field network_fields[] = {
        { "name",        FIELD_STRING, offsetof(NetworkConfig, name),   network_name_is_valid, "network name" },
        { "type",        FIELD_CUSTOM, 0, .parse = parse_network_type },
        { "bridge",      FIELD_STRING, offsetof(NetworkConfig, bridge), ifname_is_valid, "bridge name" },
        { "subnet",      FIELD_CUSTOM, 0, .parse = parse_subnet4 },
        { "gateway",     FIELD_CUSTOM, 0, .parse = parse_gateway4 },
        { "subnet6",     FIELD_CUSTOM, 0, .parse = parse_subnet6 },
        { "gateway6",    FIELD_CUSTOM, 0, .parse = parse_gateway6 },
        { "nat",         FIELD_BOOL,   offsetof(NetworkConfig, nat) },
        { "dns",         FIELD_BOOL,   offsetof(NetworkConfig, dns) },
        { "domain",      FIELD_STRING, offsetof(NetworkConfig, domain), hostname_is_valid, "domain" },
        { "mtu",         FIELD_CUSTOM, 0, .parse = parse_mtu },
        { "parent",      FIELD_STRING, offsetof(NetworkConfig, parent), ifname_is_valid, "parent link name" },
        { "mode",        FIELD_CUSTOM, 0, .parse = parse_macvlan_mode },
        { "host-access", FIELD_BOOL,   offsetof(NetworkConfig, host_access) },
        { "vni",         FIELD_CUSTOM, 0, .parse = parse_vni },
        { "local",       FIELD_CUSTOM, 0, .parse = parse_local },
        { "peers",       FIELD_STRV,   offsetof(NetworkConfig, peers), address_is_valid, "peer address",
          .unique = true },
        { "pool-start",  FIELD_CUSTOM, 0, .parse = parse_pool_start },
        { "pool-end",    FIELD_CUSTOM, 0, .parse = parse_pool_end },
};

/* One container entry: a mapping node of a config.yaml, or of a fleet file. Not verified:
 * the caller checks the result as a whole and reports where the entry is. */
int config_node_to_container(const ParseContext *ctx, const yaml_node_t *node,
                                    ContainerConfig **ret) {
        _cleanup_(container_config_freep) ContainerConfig *c = NULL;
        int r;

        c = container_config_new();
        if (!c)
                return -ENOMEM;

        r = parse_mapping(ctx, node, container_fields, ELEMENTSOF(container_fields), c);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(c);
        return 0;
}

static void yaml_parser_deletep(yaml_parser_t *p) {
        yaml_parser_delete(p);
}

static int parser_error(const yaml_parser_t *parser, const char *text, const char *filename,
                        char **ret_error) {
        size_t line;
        int k;

        if (parser->error == YAML_MEMORY_ERROR)
                return -ENOMEM;
        if (!ret_error)
                return -EINVAL;

        if (parser->error == YAML_READER_ERROR) {
                /* Encoding errors carry a byte offset, not a mark. */
                line = 1;
                for (size_t i = 0; i < parser->problem_offset && text[i]; i++)
                        if (text[i] == '\n')
                                line++;
                k = asprintf(ret_error, "%s:%zu: %s", filename, line, parser->problem ?: "invalid input");
        } else if (parser->context && parser->context_mark.line != parser->problem_mark.line)
                /* "found unexpected end of stream" is reported where the stream ends; say where the
                 * unfinished thing began too. */
                k = asprintf(ret_error, "%s:%zu: %s (line %zu): %s", filename, parser->problem_mark.line + 1,
                             parser->context, parser->context_mark.line + 1, strempty(parser->problem));
        else
                k = asprintf(ret_error, "%s:%zu: %s%s%s", filename, parser->problem_mark.line + 1,
                             strempty(parser->context), parser->context ? ": " : "",
                             parser->problem ?: "invalid YAML");
        if (k < 0) {
                *ret_error = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

/* Loads exactly one YAML document whose root is a mapping. On success the caller owns *doc. */
int document_load(const char *text, size_t size, const char *filename, yaml_document_t *doc,
                         char **ret_error) {
        _cleanup_(yaml_parser_deletep) yaml_parser_t parser = {};
        yaml_document_t extra = {};
        yaml_node_t *root;
        bool more;

        if (!yaml_parser_initialize(&parser))
                return -ENOMEM;
        yaml_parser_set_input_string(&parser, (const unsigned char *) text, size);

        if (!yaml_parser_load(&parser, doc))
                return parser_error(&parser, text, filename, ret_error);

        root = yaml_document_get_root_node(doc);
        if (!root) {
                yaml_document_delete(doc);
                if (ret_error && asprintf(ret_error, "%s:1: Empty file, expected a mapping", filename) < 0) {
                        *ret_error = NULL;
                        return -ENOMEM;
                }
                return -EINVAL;
        }

        /* A second document ("---") would be silently ignored otherwise. */
        if (!yaml_parser_load(&parser, &extra)) {
                yaml_document_delete(doc);
                return parser_error(&parser, text, filename, ret_error);
        }
        more = yaml_document_get_root_node(&extra);
        if (more) {
                size_t line = extra.start_mark.line + 1;

                yaml_document_delete(&extra);
                yaml_document_delete(doc);
                if (ret_error && asprintf(ret_error, "%s:%zu: Only one YAML document is allowed",
                                          filename, line) < 0) {
                        *ret_error = NULL;
                        return -ENOMEM;
                }
                return -EINVAL;
        }
        yaml_document_delete(&extra);
        return 0;
}

void yaml_document_deletep(yaml_document_t **d) {
        if (*d)
                yaml_document_delete(*d);
}

/* The message of a whole-object check, prefixed with "FILE: ". */
static int verify_error(const char *filename, char **ret_error, int r) {
        _cleanup_free_ char *msg = NULL;

        if (!ret_error)
                return r;

        msg = TAKE_PTR(*ret_error);
        if (r == -EINVAL && msg && asprintf(ret_error, "%s: %s", filename, msg) < 0) {
                *ret_error = NULL;
                return -ENOMEM;
        }
        return r;
}

int container_config_parse(const char *text, size_t size, const char *filename, ContainerConfig **ret,
                           char **ret_error) {
        _cleanup_(container_config_freep) ContainerConfig *c = NULL;
        _cleanup_(yaml_document_deletep) yaml_document_t *docp = NULL;
        yaml_document_t doc;
        ParseContext ctx;
        int r;

        assert(text || size == 0);
        assert(ret);

        if (ret_error)
                *ret_error = NULL;
        filename = filename ?: "(string)";

        r = document_load(text ?: "", size, filename, &doc, ret_error);
        if (r < 0)
                return r;
        docp = &doc;

        ctx = (ParseContext) { .doc = &doc, .filename = filename, .ret_error = ret_error };
        r = config_node_to_container(&ctx, yaml_document_get_root_node(&doc), &c);
        if (r < 0)
                return r;

        r = container_config_verify(c, ret_error);
        if (r < 0)
                return verify_error(filename, ret_error, r);

        *ret = TAKE_PTR(c);
        return 0;
}

int container_config_load(const char *path, ContainerConfig **ret, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        if (ret_error)
                *ret_error = NULL;

        r = read_full_file(path, &text, &size);
        if (r < 0)
                return r;

        return container_config_parse(text, size, path, ret, ret_error);
}

int network_config_parse(const char *text, size_t size, const char *filename, NetworkConfig **ret,
                         char **ret_error) {
        _cleanup_(network_config_freep) NetworkConfig *n = NULL;
        _cleanup_(yaml_document_deletep) yaml_document_t *docp = NULL;
        yaml_document_t doc;
        ParseContext ctx;
        int r;

        assert(text || size == 0);
        assert(ret);

        if (ret_error)
                *ret_error = NULL;
        filename = filename ?: "(string)";

        n = network_config_new();
        if (!n)
                return -ENOMEM;
        r = document_load(text ?: "", size, filename, &doc, ret_error);
        if (r < 0)
                return r;
        docp = &doc;

        ctx = (ParseContext) { .doc = &doc, .filename = filename, .ret_error = ret_error };
        r = parse_mapping(&ctx, yaml_document_get_root_node(&doc), network_fields, ELEMENTSOF(network_fields), n);
        if (r < 0)
                return r;
        r = network_config_verify(n, ret_error);
        if (r < 0)
                return verify_error(filename, ret_error, r);
        *ret = TAKE_PTR(n);
        return 0;
}

int network_config_load(const char *path, NetworkConfig **ret, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        if (ret_error)
                *ret_error = NULL;
        r = read_full_file(path, &text, &size);
        if (r < 0)
                return r;
        return network_config_parse(text, size, path, ret, ret_error);
}

int template_info_parse(const char *text, size_t size, const char *filename, const char *name,
                        TemplateInfo **ret, char **ret_error) {
        _cleanup_(template_info_freep) TemplateInfo *t = NULL;
        _cleanup_(yaml_document_deletep) yaml_document_t *docp = NULL;
        yaml_document_t doc;
        ParseContext ctx;
        int r;

        assert(text || size == 0);
        assert(name);
        assert(ret);

        if (ret_error)
                *ret_error = NULL;
        filename = filename ?: "(string)";

        t = template_info_new();
        if (!t)
                return -ENOMEM;
        t->name = strdup(name);
        if (!t->name)
                return -ENOMEM;

        r = document_load(text ?: "", size, filename, &doc, ret_error);
        if (r < 0)
                return r;
        docp = &doc;

        ctx = (ParseContext) { .doc = &doc, .filename = filename, .ret_error = ret_error };
        r = parse_mapping(&ctx, yaml_document_get_root_node(&doc), template_fields,
                          ELEMENTSOF(template_fields), t);
        if (r < 0)
                return r;

        r = template_info_verify(t, ret_error);
        if (r < 0)
                return verify_error(filename, ret_error, r);

        *ret = TAKE_PTR(t);
        return 0;
}

int template_info_load(const char *path, const char *name, TemplateInfo **ret, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        if (ret_error)
                *ret_error = NULL;

        r = read_full_file(path, &text, &size);
        if (r < 0)
                return r;

        return template_info_parse(text, size, path, name, ret, ret_error);
}

typedef struct OutputBuffer {
        char *data;
        size_t size, allocated;
        bool failed;
} OutputBuffer;

static int output_write(void *userdata, unsigned char *buffer, size_t size) {
        OutputBuffer *o = userdata;

        if (o->size + size + 1 > o->allocated) {
                size_t n = MAX(o->allocated * 2, o->size + size + 1);
                char *p;

                n = MAX(n, (size_t) 1024);
                p = realloc(o->data, n);
                if (!p) {
                        o->failed = true;
                        return 0;
                }
                o->data = p;
                o->allocated = n;
        }
        memcpy(o->data + o->size, buffer, size);
        o->size += size;
        o->data[o->size] = '\0';
        return 1;
}

static void yaml_emitter_deletep(yaml_emitter_t *e) {
        yaml_emitter_delete(e);
}

/* yaml_emitter_emit() takes the event over, also when it fails. */
static int emit(yaml_emitter_t *e, yaml_event_t *ev, int initialized) {
        if (!initialized)
                return -ENOMEM;
        if (!yaml_emitter_emit(e, ev))
                return e->error == YAML_MEMORY_ERROR || e->error == YAML_WRITER_ERROR ? -ENOMEM : -EINVAL;
        return 0;
}

/* Whether s can be written without quotes and still read back as the same string by any YAML
 * 1.1 or 1.2 reader: a conservative character set, a letter or '/' first (so nothing looks like a
 * number, "-" item or ".inf"), and none of the words that readers take for booleans or null. */
static bool string_is_plain_safe(const char *s) {
        if (!s[0] || !(strchr("/", s[0]) || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
                return false;
        for (const char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr("/._+-", *p)))
                        return false;
        return !STR_IN_SET(s, "y", "Y", "n", "N", "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON",
                           "off", "Off", "OFF", "true", "True", "TRUE", "false", "False", "FALSE",
                           "null", "Null", "NULL");
}

static int emit_scalar(yaml_emitter_t *e, const char *s, yaml_scalar_style_t style) {
        yaml_event_t ev;

        return emit(e, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *) s, (int) strlen(s),
                                                         1, 1, style));
}

static int emit_string(yaml_emitter_t *e, const char *s) {
        return emit_scalar(e, s, string_is_plain_safe(s) ? YAML_PLAIN_SCALAR_STYLE
                                                         : YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}

static int emit_key_string(yaml_emitter_t *e, const char *key, const char *value) {
        int r;

        if (!value)
                return 0;
        r = emit_scalar(e, key, YAML_PLAIN_SCALAR_STYLE);
        if (r < 0)
                return r;
        return emit_string(e, value);
}

static int emit_key_strv(yaml_emitter_t *e, const char *key, char * const *l) {
        yaml_event_t ev;
        int r;

        r = emit_scalar(e, key, YAML_PLAIN_SCALAR_STYLE);
        if (r < 0)
                return r;
        r = emit(e, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_FLOW_SEQUENCE_STYLE));
        if (r < 0)
                return r;
        STRV_FOREACH(s, l) {
                r = emit_string(e, *s);
                if (r < 0)
                        return r;
        }
        return emit(e, &ev, yaml_sequence_end_event_initialize(&ev));
}

static int emit_key_plain(yaml_emitter_t *e, const char *key, const char *value) {
        int r = emit_scalar(e, key, YAML_PLAIN_SCALAR_STYLE);

        return r < 0 ? r : emit_scalar(e, value, YAML_PLAIN_SCALAR_STYLE);
}

/* Limits appear only when set. */
static int emit_limits(yaml_emitter_t *e, const ContainerConfig *c) {
        char size[FORMAT_SIZE_MAX], cpus[FORMAT_CPUS_MAX], count[24];
        int r;

        if (c->memory_max > 0 && (r = emit_key_plain(e, "memory", format_size(c->memory_max, size))) < 0)
                return r;
        if (c->cpu_millis > 0 && (r = emit_key_plain(e, "cpus", format_cpus(c->cpu_millis, cpus))) < 0)
                return r;
        (void) snprintf(count, sizeof(count), "%llu", (unsigned long long) c->tasks_max);
        if (c->tasks_max > 0 && (r = emit_key_plain(e, "pids", count)) < 0)
                return r;
        if (c->binds && (r = emit_key_strv(e, "binds", c->binds)) < 0)
                return r;
        if (c->volumes && (r = emit_key_strv(e, "volumes", c->volumes)) < 0)
                return r;
        if (c->tmpfs && (r = emit_key_strv(e, "tmpfs", c->tmpfs)) < 0)
                return r;
        return 0;
}

static int emit_key_bool(yaml_emitter_t *e, const char *key, bool b) {
        return emit_key_plain(e, key, b ? "true" : "false");
}

static int emit_key_address(yaml_emitter_t *e, const char *key, int family, const union in_addr_union *a) {
        char buf[IN_ADDR_STRLEN];

        return emit_key_string(e, key, in_addr_to_string(family, a, buf));
}

static int emit_attachment(yaml_emitter_t *e, const ContainerNetwork *n) {
        char mac[ETHER_ADDR_STRLEN];
        yaml_event_t ev;
        int r;

        r = emit(e, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE));
        if (r >= 0)
                r = emit_key_string(e, "name", n->name);
        if (r >= 0 && n->has_ip4)
                r = emit_key_address(e, "ip", AF_INET, &n->ip4);
        if (r >= 0 && n->has_ip6)
                r = emit_key_address(e, "ip6", AF_INET6, &n->ip6);
        /* Always quoted: a MAC of digits reads as a base-60 number to YAML 1.1 readers. */
        if (r >= 0 && n->has_mac && (r = emit_scalar(e, "mac", YAML_PLAIN_SCALAR_STYLE)) >= 0)
                r = emit_scalar(e, ether_addr_to_str(&n->mac, mac), YAML_DOUBLE_QUOTED_SCALAR_STYLE);
        if (r < 0)
                return r;
        return emit(e, &ev, yaml_mapping_end_event_initialize(&ev));
}

/* What is not the default only: a config without networking looks as it always did. */
static int emit_networking(yaml_emitter_t *e, const ContainerConfig *c) {
        _cleanup_free_ char *mode = NULL;
        yaml_event_t ev;
        int r = 0;

        if (c->network_mode != NETWORK_MODE_PRIVATE) {
                if (c->network_mode == NETWORK_MODE_CONTAINER)
                        r = asprintf(&mode, NETWORK_MODE_CONTAINER_PREFIX "%s", c->network_container);
                else
                        r = (mode = strdup(network_mode_to_string(c->network_mode))) ? 0 : -1;
                if (r < 0)
                        return -ENOMEM;
                r = emit_key_string(e, "network-mode", mode);
                if (r < 0)
                        return r;
        }
        if (c->n_networks > 0) {
                r = emit_scalar(e, "networks", YAML_PLAIN_SCALAR_STYLE);
                if (r >= 0)
                        r = emit(e, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                                                             YAML_BLOCK_SEQUENCE_STYLE));
                for (size_t i = 0; r >= 0 && i < c->n_networks; i++)
                        r = emit_attachment(e, &c->networks[i]);
                if (r >= 0)
                        r = emit(e, &ev, yaml_sequence_end_event_initialize(&ev));
                if (r < 0)
                        return r;
        }
        if (c->publish && (r = emit_key_strv(e, "publish", c->publish)) < 0)
                return r;
        if (c->allow_host && (r = emit_key_bool(e, "allow-host", true)) < 0)
                return r;
        return 0;
}

static int emit_container_fields(yaml_emitter_t *e, const ContainerConfig *c) {
        char sig[SIGNAL_STRING_MAX], timeout[16], created[FORMAT_TIMESTAMP_MAX], id_base[16];
        int r;

        snprintf(timeout, sizeof(timeout), "%u", c->stop_timeout_sec);
        snprintf(id_base, sizeof(id_base), "%" PRIu32, c->id_base);
        if (!signal_to_string(c->stop_signal, sig))
                return -EINVAL;

        /* The order of container_fields, which is the documented order. */
        if ((r = emit_key_string(e, "name", c->name)) < 0 ||
            (r = emit_key_string(e, "id", c->id)) < 0 ||
            (r = emit_key_string(e, "template", c->template)) < 0 ||
            (r = emit_key_string(e, "release", c->release)) < 0 ||
            (r = emit_key_string(e, "image", c->image)) < 0 ||
            (c->created_usec > 0 &&
             (r = emit_key_plain(e, "created", format_timestamp_utc(c->created_usec, created))) < 0) ||
            (r = emit_key_string(e, "hostname", c->hostname)) < 0 ||
            (r = emit_key_strv(e, "init", c->init)) < 0 ||
            (r = emit_key_string(e, "stop-signal", sig)) < 0 ||
            (r = emit_scalar(e, "stop-timeout", YAML_PLAIN_SCALAR_STYLE)) < 0 ||
            (r = emit_scalar(e, timeout, YAML_PLAIN_SCALAR_STYLE)) < 0 ||
            (c->privileged && (r = emit_key_plain(e, "privileged", "true")) < 0) ||
            (c->id_base > 0 && (r = emit_key_plain(e, "id-base", id_base)) < 0) ||
            (r = emit_scalar(e, "autostart", YAML_PLAIN_SCALAR_STYLE)) < 0 ||
            (r = emit_scalar(e, c->autostart ? "true" : "false", YAML_PLAIN_SCALAR_STYLE)) < 0)
                return r;
        r = emit_limits(e, c);
        if (r < 0)
                return r;
        return emit_networking(e, c);
}

static int emit_vxlan_fields(yaml_emitter_t *e, const NetworkConfig *n) {
        char vni[16];
        int r = 0;

        if (n->type != NETWORK_VXLAN)
                return 0;
        (void) snprintf(vni, sizeof(vni), "%u", n->vni);
        r = emit_key_plain(e, "vni", vni);
        if (r >= 0 && n->local_family != 0)
                r = emit_key_address(e, "local", n->local_family, &n->local);
        if (r >= 0)
                r = emit_key_strv(e, "peers", n->peers);
        if (r >= 0 && n->has_pool)
                r = emit_key_address(e, "pool-start", AF_INET, &n->pool_start);
        if (r >= 0 && n->has_pool)
                r = emit_key_address(e, "pool-end", AF_INET, &n->pool_end);
        return r;
}

static int emit_network_fields(yaml_emitter_t *e, const NetworkConfig *n) {
        char buf[IN_ADDR_PREFIX_STRLEN], mtu[16];
        int r;

        /* The order of network_fields. */
        r = emit_key_string(e, "name", n->name);
        if (r >= 0)
                r = emit_key_string(e, "type", network_type_to_string(n->type));
        if (r >= 0)
                r = emit_key_string(e, "bridge", n->bridge);
        if (r >= 0 && n->subnet4.family != 0)
                r = emit_key_string(e, "subnet", in_addr_prefix_to_string(&n->subnet4, buf));
        if (r >= 0 && n->has_gateway4)
                r = emit_key_address(e, "gateway", AF_INET, &n->gateway4);
        if (r >= 0 && n->subnet6.family != 0)
                r = emit_key_string(e, "subnet6", in_addr_prefix_to_string(&n->subnet6, buf));
        if (r >= 0 && n->has_gateway6)
                r = emit_key_address(e, "gateway6", AF_INET6, &n->gateway6);
        if (r >= 0 && network_type_is_bridged(n->type))
                r = emit_key_bool(e, "nat", n->nat);
        if (r >= 0 && network_type_is_bridged(n->type))
                r = emit_key_bool(e, "dns", n->dns);
        if (r >= 0)
                r = emit_key_string(e, "domain", n->domain);
        (void) snprintf(mtu, sizeof(mtu), "%u", n->mtu);
        if (r >= 0 && n->mtu > 0)
                r = emit_key_plain(e, "mtu", mtu);
        if (r >= 0)
                r = emit_key_string(e, "parent", n->parent);
        if (r >= 0 && n->type == NETWORK_MACVLAN)
                r = emit_key_string(e, "mode", network_macvlan_mode_to_string(n->mode));
        if (r >= 0 && n->type == NETWORK_MACVLAN)
                r = emit_key_bool(e, "host-access", n->host_access);
        return r < 0 ? r : emit_vxlan_fields(e, n);
}

typedef int (*EmitFields)(yaml_emitter_t *e, const void *obj);

static int emit_container_v(yaml_emitter_t *e, const void *obj) {
        return emit_container_fields(e, obj);
}

static int emit_network_v(yaml_emitter_t *e, const void *obj) {
        return emit_network_fields(e, obj);
}

/* One document whose root is a block mapping with the fields fields() emits. */
static int emit_document(yaml_emitter_t *e, EmitFields fields, const void *obj) {
        yaml_event_t ev;
        int r;

        r = emit(e, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
        if (r < 0)
                return r;
        r = emit(e, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
        if (r < 0)
                return r;
        r = emit(e, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE));
        if (r < 0)
                return r;
        r = fields(e, obj);
        if (r < 0)
                return r;
        r = emit(e, &ev, yaml_mapping_end_event_initialize(&ev));
        if (r < 0)
                return r;
        r = emit(e, &ev, yaml_document_end_event_initialize(&ev, 1));
        if (r < 0)
                return r;
        return emit(e, &ev, yaml_stream_end_event_initialize(&ev));
}

static int format_document(const char *header, EmitFields fields, const void *obj, char **ret) {
        _cleanup_(yaml_emitter_deletep) yaml_emitter_t e = {};
        _cleanup_free_ char *out = NULL;
        OutputBuffer o = {};
        int r;

        if (!yaml_emitter_initialize(&e))
                return -ENOMEM;
        yaml_emitter_set_output(&e, output_write, &o);
        yaml_emitter_set_unicode(&e, 1);
        /* No line folding: long values stay on one line, readable and greppable. */
        yaml_emitter_set_width(&e, -1);

        r = emit_document(&e, fields, obj);
        if (r >= 0 && !yaml_emitter_flush(&e))
                r = -ENOMEM;
        if (r >= 0 && o.failed)
                r = -ENOMEM;
        if (r < 0) {
                free(o.data);
                return r;
        }

        if (asprintf(&out, "%s%s", header, strempty(o.data)) < 0)
                out = NULL;
        free(o.data);
        if (!out)
                return -ENOMEM;

        *ret = TAKE_PTR(out);
        return 0;
}

int container_config_format(const ContainerConfig *c, char **ret) {
        int r;

        assert(c);
        assert(ret);

        /* Only what loads again is written. */
        r = container_config_verify(c, NULL);
        if (r < 0)
                return r;
        return format_document("# sysctr container configuration, see sysctr.yaml(5).\n", emit_container_v, c, ret);
}

int network_config_format(const NetworkConfig *n, char **ret) {
        int r;

        assert(n);
        assert(ret);

        r = network_config_verify(n, NULL);
        if (r < 0)
                return r;
        return format_document("# sysctr network, written by sysctrd; see sysctr.yaml(5).\n", emit_network_v, n, ret);
}

int network_config_save(const NetworkConfig *n, const char *path) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = network_config_format(n, &text);
        if (r < 0)
                return r;
        /* 0644: the agents read it (and it holds nothing secret). */
        return write_file_atomic(path, text, strlen(text), 0644);
}

int container_config_save(const ContainerConfig *c, const char *path) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = container_config_format(c, &text);
        if (r < 0)
                return r;

        /* 0600: the config is the manager's business; the container's files are elsewhere. */
        return write_file_atomic(path, text, strlen(text), 0600);
}
