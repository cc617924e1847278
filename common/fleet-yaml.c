/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The YAML side of fleet files (fleet.h), the second half of the YAML module (config-yaml.c is the
 * first). A file is first scanned as a stream of events in bounded memory, which refuses what would
 * cost too much to load or to walk (size, nodes with aliases expanded, depth, cycles); only then is
 * it loaded as a node tree and walked entry by entry, container entries by config.yaml's own parser. */
#include <assert.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config-yaml-private.h"
#include "fleet.h"
#include "hashmap.h"
#include "in-addr-util.h"
#include "name.h"
#include "parse-util.h"
#include "strv.h"

/* ---------------------------------------------------------------------------------------------------
 * The scan before the load */

typedef struct Anchor {
        uint64_t size;          /* nodes in the anchored node, its aliases expanded */
        char name[];
} Anchor;

typedef struct ScanFrame {
        char *anchor;           /* of the open collection, NULL if none */
        uint64_t start;         /* nodes counted before it */
} ScanFrame;

typedef struct Scan {
        const char *filename;
        char **ret_error;
        Hashmap *anchors;       /* name → Anchor */
        ScanFrame stack[FLEET_DEPTH_MAX];
        unsigned depth;
        uint64_t nodes;
} Scan;

static void scan_done(Scan *s) {
        void *v;

        for (size_t i = 0; s->anchors && hashmap_next(s->anchors, &i, &v);)
                free(v);
        s->anchors = hashmap_free(s->anchors);
        for (unsigned i = 0; i < s->depth; i++)
                free(s->stack[i].anchor);
        s->depth = 0;
}

static int scan_error(const Scan *s, const yaml_mark_t *mark, const char *format, ...) _printf_(3, 4);
static int scan_error(const Scan *s, const yaml_mark_t *mark, const char *format, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int k;

        if (!s->ret_error)
                return -EINVAL;
        va_start(ap, format);
        k = vasprintf(&msg, format, ap);
        va_end(ap);
        if (k < 0 || asprintf(s->ret_error, "%s:%zu: %s", s->filename, mark->line + 1, msg) < 0) {
                *s->ret_error = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

static int scan_count(Scan *s, const yaml_mark_t *mark, uint64_t n) {
        s->nodes += n;
        if (s->nodes > FLEET_NODES_MAX)
                return scan_error(s, mark, "The file has more than %u nodes (aliases count as many times "
                                  "as they are used): refusing to load it", FLEET_NODES_MAX);
        return 0;
}

static int scan_anchor_set(Scan *s, const char *name, uint64_t size) {
        _cleanup_free_ Anchor *a = NULL;
        Anchor *old;
        int r;

        a = malloc(sizeof(Anchor) + strlen(name) + 1);
        if (!a)
                return -ENOMEM;
        a->size = size;
        strcpy(a->name, name);

        /* A later anchor of the same name replaces the earlier one (YAML 1.1, 3.2.2.2). */
        old = hashmap_remove(s->anchors, name);
        free(old);
        r = hashmap_put(s->anchors, a->name, a);
        if (r < 0)
                return r;
        TAKE_PTR(a);
        return 0;
}

static int scan_alias(Scan *s, const yaml_event_t *ev) {
        const char *name = (const char *) ev->data.alias.anchor;
        const Anchor *a = hashmap_get(s->anchors, name);

        if (!a) {
                for (unsigned i = 0; i < s->depth; i++)
                        if (s->stack[i].anchor && streq(s->stack[i].anchor, name))
                                return scan_error(s, &ev->start_mark, "Alias *%s refers to a node that contains "
                                                  "it: a cycle", name);
                return scan_error(s, &ev->start_mark, "Alias *%s refers to no anchor", name);
        }
        return scan_count(s, &ev->start_mark, a->size);
}

static int scan_open(Scan *s, const yaml_event_t *ev, const yaml_char_t *anchor) {
        if (s->depth >= FLEET_DEPTH_MAX)
                return scan_error(s, &ev->start_mark, "Nesting deeper than %u levels: refusing to load it",
                                  FLEET_DEPTH_MAX);
        s->stack[s->depth] = (ScanFrame) { .start = s->nodes };
        if (anchor) {
                s->stack[s->depth].anchor = strdup((const char *) anchor);
                if (!s->stack[s->depth].anchor)
                        return -ENOMEM;
        }
        s->depth++;
        return scan_count(s, &ev->start_mark, 1);
}

static int scan_close(Scan *s) {
        _cleanup_free_ char *anchor = NULL;

        assert(s->depth > 0);
        s->depth--;
        anchor = TAKE_PTR(s->stack[s->depth].anchor);
        return anchor ? scan_anchor_set(s, anchor, s->nodes - s->stack[s->depth].start) : 0;
}

static int scan_event(Scan *s, const yaml_event_t *ev) {
        int r;

        switch (ev->type) {
        case YAML_SCALAR_EVENT:
                r = scan_count(s, &ev->start_mark, 1);
                if (r >= 0 && ev->data.scalar.anchor)
                        r = scan_anchor_set(s, (const char *) ev->data.scalar.anchor, 1);
                return r;
        case YAML_ALIAS_EVENT:
                return scan_alias(s, ev);
        case YAML_SEQUENCE_START_EVENT:
                return scan_open(s, ev, ev->data.sequence_start.anchor);
        case YAML_MAPPING_START_EVENT:
                return scan_open(s, ev, ev->data.mapping_start.anchor);
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
                return scan_close(s);
        default:
                return 0;
        }
}

static void yaml_parser_deletep(yaml_parser_t *p) {
        yaml_parser_delete(p);
}

/* Whether the text may be loaded. Syntax errors are left to the load, which reports them: up to
 * the point of the error, the text was within the limits. */
static int fleet_scan(const char *text, size_t size, const char *filename, char **ret_error) {
        _cleanup_(yaml_parser_deletep) yaml_parser_t parser = {};
        _cleanup_(scan_done) Scan s = { .filename = filename, .ret_error = ret_error };
        int r;

        s.anchors = hashmap_new(&string_hash_ops);
        if (!s.anchors)
                return -ENOMEM;
        if (!yaml_parser_initialize(&parser))
                return -ENOMEM;
        yaml_parser_set_input_string(&parser, (const unsigned char *) text, size);

        for (;;) {
                yaml_event_t ev;
                bool end;

                if (!yaml_parser_parse(&parser, &ev))
                        return parser.error == YAML_MEMORY_ERROR ? -ENOMEM : 0;
                r = scan_event(&s, &ev);
                end = ev.type == YAML_STREAM_END_EVENT;
                yaml_event_delete(&ev);
                if (r < 0)
                        return r;
                if (end)
                        return 0;
        }
}

/* ---------------------------------------------------------------------------------------------------
 * Entries */

static unsigned node_line(const yaml_node_t *node) {
        return (unsigned) node->start_mark.line + 1;
}

static yaml_node_t *get_node(const ParseContext *ctx, int id) {
        return yaml_document_get_node(ctx->doc, id);
}

/* A name, checked with is_valid, for messages named what. */
static int node_to_name(const ParseContext *ctx, const yaml_node_t *node, const char *key,
                        bool (*is_valid)(const char *), const char *what, const char *hint, char **ret) {
        _cleanup_free_ char *s = NULL;
        int r;

        r = node_to_string(ctx, node, key, &s);
        if (r < 0)
                return r;
        if (!is_valid(s))
                return parse_error_value(ctx, node, what, s, hint);
        *ret = TAKE_PTR(s);
        return 0;
}

/* A sequence (null: empty) into n items; each item's node id in *ret_items. */
static int node_to_items(const ParseContext *ctx, const yaml_node_t *node, const char *key,
                         yaml_node_item_t **ret_items, size_t *ret_n) {
        if (node_is_null(node)) {
                *ret_items = NULL;
                *ret_n = 0;
                return 0;
        }
        if (node->type != YAML_SEQUENCE_NODE)
                return parse_error(ctx, node, "Expected a sequence for \"%s\", got %s", key, node_type_name(node));
        *ret_items = node->data.sequence.items.start;
        *ret_n = (size_t) (node->data.sequence.items.top - node->data.sequence.items.start);
        return 0;
}

static int node_to_name_list(const ParseContext *ctx, const yaml_node_t *node, const char *key,
                             bool (*is_valid)(const char *), const char *what, const char *hint, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        yaml_node_item_t *items = NULL;
        size_t n = 0;
        int r;

        r = node_to_items(ctx, node, key, &items, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                yaml_node_t *item = get_node(ctx, items[i]);
                _cleanup_free_ char *s = NULL;

                r = node_to_name(ctx, item, key, is_valid, what, hint, &s);
                if (r < 0)
                        return r;
                if (strv_contains(l, s))
                        return parse_error_value(ctx, item, what, s, "listed twice");
                r = strv_push(&l, TAKE_PTR(s));
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* Walks a mapping's pairs, refusing non-scalar and duplicate keys; handle() gets each key's index in
 * keys[] (or -1 for a key not in it). */
typedef int (*PairHandler)(const ParseContext *ctx, int index, const yaml_node_t *key, const yaml_node_t *value,
                           void *obj);

static int walk_mapping(const ParseContext *ctx, const yaml_node_t *node, const char *what,
                        const char * const *keys, PairHandler handle, void *obj) {
        uint32_t seen = 0;
        int r;

        if (node->type != YAML_MAPPING_NODE)
                return parse_error(ctx, node, "Expected a mapping for %s, got %s", what, node_type_name(node));

        for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
                yaml_node_t *key = get_node(ctx, p->key), *value = get_node(ctx, p->value);
                const char *k;
                int i = -1;

                if (key->type != YAML_SCALAR_NODE || node_is_null(key))
                        return parse_error(ctx, key, "Expected a key name, got %s", node_type_name(key));
                k = (const char *) key->data.scalar.value;
                for (int j = 0; keys[j]; j++)
                        if (streq(keys[j], k))
                                i = j;
                if (i < 0) {
                        _cleanup_free_ char *q = config_quote(k);

                        if (!q)
                                return -ENOMEM;
                        return parse_error(ctx, key, "Unknown key %s in %s", q, what);
                }
                if (seen & (UINT32_C(1) << i))
                        return parse_error(ctx, key, "Duplicate key \"%s\"", k);
                seen |= UINT32_C(1) << i;

                r = handle(ctx, i, key, value, obj);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int missing_name(const ParseContext *ctx, const yaml_node_t *node, const char *what) {
        return parse_error(ctx, node, "Missing required key \"name\" in %s", what);
}

/* --- networks: the one place that knows the keys of a network entry --- */

enum { NETWORK_KEY_NAME, NETWORK_KEY_TYPE, NETWORK_KEY_SUBNET };
static const char * const network_keys[] = { "name", "type", "subnet", NULL };

/* The types of sysctrd's networks (network-config.h: NetworkType). */
static bool network_type_is_valid(const char *s) {
        return network_type_from_string(s) >= 0;
}

static bool subnet4_is_valid(const char *s) {
        InAddrPrefix p;
        uint32_t host;

        if (in_addr_prefix_from_string(AF_INET, s, &p) < 0)
                return false;
        /* A subnet, not an address in one: no host bits. */
        host = p.prefixlen >= 32 ? 0 : (UINT32_MAX >> p.prefixlen);
        return (be32toh(p.address.in.s_addr) & host) == 0;
}

static int network_pair(const ParseContext *ctx, int index, const yaml_node_t *key, const yaml_node_t *value,
                        void *obj) {
        FleetNetwork *n = obj;

        (void) key;
        switch (index) {
        case NETWORK_KEY_NAME:
                return node_to_name(ctx, value, "name", network_name_is_valid, "network name", NULL, &n->name);
        case NETWORK_KEY_TYPE:
                free(n->type);
                n->type = NULL;
                return node_to_name(ctx, value, "type", network_type_is_valid, "network type",
                                    "expected bridge, macvlan or vxlan", &n->type);
        default:
                return node_to_name(ctx, value, "subnet", subnet4_is_valid, "subnet",
                                    "expected an IPv4 subnet such as 10.88.0.0/24", &n->subnet);
        }
}

static int fleet_network_from_node(const ParseContext *ctx, const yaml_node_t *node, FleetNetwork *n) {
        int r;

        n->line = node_line(node);
        r = walk_mapping(ctx, node, "a network", network_keys, network_pair, n);
        if (r < 0)
                return r;
        if (!n->name)
                return missing_name(ctx, node, "a network");
        if (!n->type) {
                n->type = strdup("bridge");
                if (!n->type)
                        return -ENOMEM;
        }
        return 0;
}

/* --- volumes: the one place that knows the keys of a volume entry --- */

enum { VOLUME_KEY_NAME, VOLUME_KEY_SIZE };
static const char * const volume_keys[] = { "name", "size", NULL };

static int volume_pair(const ParseContext *ctx, int index, const yaml_node_t *key, const yaml_node_t *value,
                       void *obj) {
        FleetVolume *v = obj;
        _cleanup_free_ char *s = NULL;
        int r;

        (void) key;
        if (index == VOLUME_KEY_NAME)
                return node_to_name(ctx, value, "name", container_name_is_valid, "volume name", NULL, &v->name);

        r = node_to_string(ctx, value, "size", &s);
        if (r < 0)
                return r;
        if (value->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || parse_size(s, &v->size) < 0)
                return parse_error_value(ctx, value, "size", s, "expected a size such as 512M or 2G");
        return 0;
}

static int fleet_volume_from_node(const ParseContext *ctx, const yaml_node_t *node, FleetVolume *v) {
        int r;

        v->line = node_line(node);
        r = walk_mapping(ctx, node, "a volume", volume_keys, volume_pair, v);
        if (r < 0)
                return r;
        if (!v->name)
                return missing_name(ctx, node, "a volume");
        return 0;
}

/* --- containers --- */

static bool mount_spec_is_valid(const char *s) {
        _cleanup_(fleet_mount_done) FleetMount m = {};

        return fleet_mount_parse(s, &m) >= 0;
}

/* The keys of a container entry that config.yaml does not have. "networks" and "volumes" are
 * config.yaml's own since the network and the storage work: this sees them no more, and
 * fleet_container_from_node() takes them from the config. */
static int container_extra_key(const ParseContext *ctx, const yaml_node_t *key, const yaml_node_t *value,
                               void *obj) {
        FleetContainer *c = ctx->userdata;
        const char *k = (const char *) key->data.scalar.value;
        _cleanup_strv_free_ char **l = NULL;
        int r;

        (void) obj;
        if (streq(k, "networks")) {
                if (c->networks)
                        return parse_error(ctx, key, "Duplicate key \"%s\"", k);
                return node_to_name_list(ctx, value, k, network_name_is_valid, "network name", NULL,
                                         &c->networks);
        }
        if (!streq(k, "volumes"))
                return -ENOENT;
        if (c->mounts)
                return parse_error(ctx, key, "Duplicate key \"%s\"", k);

        r = node_to_name_list(ctx, value, k, mount_spec_is_valid, "volume mount", "expected VOLUME:/PATH[:ro]",
                              &l);
        if (r < 0)
                return r;
        c->mounts = calloc(MAX(strv_length(l), (size_t) 1), sizeof(FleetMount));
        if (!c->mounts)
                return -ENOMEM;
        STRV_FOREACH(s, l) {
                r = fleet_mount_parse(*s, &c->mounts[c->n_mounts]);
                if (r < 0)
                        return r;
                c->n_mounts++;
        }
        return 0;
}

static int container_keys(const ParseContext *ctx, const yaml_node_t *node, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top; p++) {
                yaml_node_t *key = get_node(ctx, p->key);

                r = strv_extend(&l, (const char *) key->data.scalar.value);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int fleet_container_from_node(const ParseContext *parent, const yaml_node_t *node, FleetContainer *c) {
        ParseContext ctx = *parent;
        _cleanup_free_ char *err = NULL;
        int r;

        c->line = node_line(node);
        ctx.unknown_key = container_extra_key;
        ctx.userdata = c;
        r = config_node_to_container(&ctx, node, &c->config);
        if (r < 0)
                return r;
        r = container_keys(&ctx, node, &c->keys);
        if (r < 0)
                return r;
        /* config.yaml's own "volumes:" (the storage work) took the key: the plan works on mounts. */
        if (!c->mounts && c->config->volumes) {
                c->mounts = calloc(strv_length(c->config->volumes), sizeof(FleetMount));
                if (!c->mounts)
                        return -ENOMEM;
                STRV_FOREACH(v, c->config->volumes) {
                        r = fleet_mount_parse(*v, &c->mounts[c->n_mounts]);
                        if (r < 0)
                                return parse_error(&ctx, node, "Invalid volume mount \"%s\"", *v);
                        c->n_mounts++;
                }
        }
        /* config.yaml's own "networks:" (the network work) took the key: the plan works on names. */
        if (!c->networks)
                for (size_t i = 0; i < c->config->n_networks; i++) {
                        r = strv_extend(&c->networks, c->config->networks[i].name);
                        if (r < 0)
                                return r;
                }

        if (!c->config->name)
                return missing_name(&ctx, node, "a container");
        r = container_config_verify_entry(c->config, &err);
        if (r == -EINVAL)
                return parse_error(&ctx, node, "Container %s: %s", c->config->name, strna(err));
        return r;
}

/* --- hosts --- */

enum { HOST_KEY_NAME, HOST_KEY_ADDRESS, HOST_KEY_CONTAINERS };
static const char * const host_keys[] = { "name", "address", "containers", NULL };

static int host_pair(const ParseContext *ctx, int index, const yaml_node_t *key, const yaml_node_t *value,
                     void *obj) {
        FleetHost *h = obj;

        (void) key;
        switch (index) {
        case HOST_KEY_NAME:
                return node_to_name(ctx, value, "name", container_name_is_valid, "host name", NULL, &h->name);
        case HOST_KEY_ADDRESS:
                return node_to_name(ctx, value, "address", host_address_is_valid, "host address",
                                    "expected [USER@]HOST[:PORT]", &h->address);
        default:
                return node_to_name_list(ctx, value, "containers", container_name_is_valid, "container name",
                                         NULL, &h->containers);
        }
}

static int fleet_host_from_node(const ParseContext *ctx, const yaml_node_t *node, FleetHost *h) {
        int r;

        h->line = node_line(node);
        r = walk_mapping(ctx, node, "a host", host_keys, host_pair, h);
        if (r < 0)
                return r;
        if (!h->name)
                return missing_name(ctx, node, "a host");
        if (!h->address)
                return parse_error(ctx, node, "Missing required key \"address\" in host \"%s\"", h->name);
        return 0;
}

/* --- the document --- */

enum { FLEET_KEY_NETWORKS, FLEET_KEY_VOLUMES, FLEET_KEY_CONTAINERS, FLEET_KEY_HOSTS };
static const char * const fleet_keys[] = { "networks", "volumes", "containers", "hosts", NULL };

/* A list of entries of elem_size bytes, each filled by from_node. */
static int parse_entries(const ParseContext *ctx, const yaml_node_t *node, const char *key, size_t elem_size,
                         int (*from_node)(const ParseContext *ctx, const yaml_node_t *node, void *elem),
                         void **array, size_t *n) {
        yaml_node_item_t *items = NULL;
        size_t count = 0;
        int r;

        r = node_to_items(ctx, node, key, &items, &count);
        if (r < 0)
                return r;
        *array = calloc(MAX(count, (size_t) 1), elem_size);
        if (!*array)
                return -ENOMEM;
        for (size_t i = 0; i < count; i++) {
                /* Counted first: whatever the entry holds so far is freed with the fleet. */
                (*n)++;
                r = from_node(ctx, get_node(ctx, items[i]), (uint8_t *) *array + i * elem_size);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int network_from_node(const ParseContext *ctx, const yaml_node_t *node, void *elem) {
        return fleet_network_from_node(ctx, node, elem);
}
static int volume_from_node(const ParseContext *ctx, const yaml_node_t *node, void *elem) {
        return fleet_volume_from_node(ctx, node, elem);
}
static int container_from_node(const ParseContext *ctx, const yaml_node_t *node, void *elem) {
        return fleet_container_from_node(ctx, node, elem);
}
static int host_from_node(const ParseContext *ctx, const yaml_node_t *node, void *elem) {
        return fleet_host_from_node(ctx, node, elem);
}

static int fleet_pair(const ParseContext *ctx, int index, const yaml_node_t *key, const yaml_node_t *value,
                      void *obj) {
        Fleet *f = obj;
        const char *k = (const char *) key->data.scalar.value;

        switch (index) {
        case FLEET_KEY_NETWORKS:
                return parse_entries(ctx, value, k, sizeof(FleetNetwork), network_from_node, (void **) &f->networks,
                                     &f->n_networks);
        case FLEET_KEY_VOLUMES:
                return parse_entries(ctx, value, k, sizeof(FleetVolume), volume_from_node, (void **) &f->volumes,
                                     &f->n_volumes);
        case FLEET_KEY_CONTAINERS:
                return parse_entries(ctx, value, k, sizeof(FleetContainer), container_from_node,
                                     (void **) &f->containers, &f->n_containers);
        default:
                return parse_entries(ctx, value, k, sizeof(FleetHost), host_from_node, (void **) &f->hosts,
                                     &f->n_hosts);
        }
}

int fleet_parse(const char *text, size_t size, const char *filename, Fleet **ret, char **ret_error) {
        _cleanup_(yaml_document_deletep) yaml_document_t *docp = NULL;
        _cleanup_(fleet_freep) Fleet *f = NULL;
        yaml_document_t doc;
        ParseContext ctx;
        int r;

        assert(text || size == 0);
        assert(ret);

        if (ret_error)
                *ret_error = NULL;
        filename = filename ?: "(string)";

        if (size > FLEET_FILE_SIZE_MAX) {
                if (ret_error && asprintf(ret_error, "%s: The file is larger than %u MiB: refusing to load it",
                                          filename, FLEET_FILE_SIZE_MAX / 1024 / 1024) < 0) {
                        *ret_error = NULL;
                        return -ENOMEM;
                }
                return -EINVAL;
        }

        r = fleet_scan(text ?: "", size, filename, ret_error);
        if (r < 0)
                return r;
        r = document_load(text ?: "", size, filename, &doc, ret_error);
        if (r < 0)
                return r;
        docp = &doc;

        f = calloc(1, sizeof(Fleet));
        if (!f)
                return -ENOMEM;
        f->filename = strdup(filename);
        if (!f->filename)
                return -ENOMEM;

        ctx = (ParseContext) { .doc = &doc, .filename = filename, .ret_error = ret_error };
        r = walk_mapping(&ctx, yaml_document_get_root_node(&doc), "a fleet file", fleet_keys, fleet_pair, f);
        if (r < 0)
                return r;

        r = fleet_verify(f, ret_error);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(f);
        return 0;
}

int fleet_load(const char *path, Fleet **ret, char **ret_error) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *text = NULL;
        size_t n = 0;
        struct stat st;

        if (ret_error)
                *ret_error = NULL;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
                return S_ISDIR(st.st_mode) ? -EISDIR : -EBADFD;

        /* One byte more than allowed: enough to know that the file is too big, without reading it
         * (or a pipe) to its end. */
        text = malloc(FLEET_FILE_SIZE_MAX + 2);
        if (!text)
                return -ENOMEM;
        while (n <= FLEET_FILE_SIZE_MAX) {
                ssize_t k = read(fd, text + n, FLEET_FILE_SIZE_MAX + 1 - n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        text[n] = '\0';

        return fleet_parse(text, n, path, ret, ret_error);
}
