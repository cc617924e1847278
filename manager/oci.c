/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fileio.h"
#include "oci.h"
#include "strv.h"

/* Just enough JSON (RFC 8259) for index.json and a runtime config: a tree of values, parsed whole,
 * strict (a malformed file is an error, not a guess). */

typedef enum JsonType { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } JsonType;

typedef struct Json Json;
struct Json {
        JsonType type;
        char *string;           /* JSON_STRING; for members of an object, key holds the name */
        char *key;
        Json **items;           /* JSON_ARRAY, JSON_OBJECT */
        size_t n_items;
};

#define JSON_DEPTH_MAX 64

static Json *json_free(Json *j) {
        if (!j)
                return NULL;
        for (size_t i = 0; i < j->n_items; i++)
                json_free(j->items[i]);
        free(j->items);
        free(j->string);
        free(j->key);
        free(j);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Json *, json_free);

typedef struct JsonParser {
        const char *p, *end;
} JsonParser;

static void skip_ws(JsonParser *s) {
        while (s->p < s->end && strchr(" \t\r\n", *s->p))
                s->p++;
}

static int parse_value(JsonParser *s, unsigned depth, Json **ret);

static int parse_hex4(const char *p, unsigned *ret) {
        unsigned v = 0;

        for (int i = 0; i < 4; i++) {
                char c = p[i];

                v <<= 4;
                if (c >= '0' && c <= '9')
                        v |= (unsigned) (c - '0');
                else if (c >= 'a' && c <= 'f')
                        v |= (unsigned) (c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        v |= (unsigned) (c - 'A' + 10);
                else
                        return -EINVAL;
        }
        *ret = v;
        return 0;
}

/* A string; \u escapes become UTF-8 (a NUL is refused: our strings are C strings). */
static int parse_string(JsonParser *s, char **ret) {
        _cleanup_free_ char *out = NULL;
        size_t n = 0;

        if (s->p >= s->end || *s->p != '"')
                return -EINVAL;
        out = malloc((size_t) (s->end - s->p) * 2 + 1);
        if (!out)
                return -ENOMEM;
        for (s->p++; s->p < s->end && *s->p != '"'; s->p++) {
                unsigned char c = (unsigned char) *s->p;
                unsigned u;

                if (c < 0x20)
                        return -EINVAL;
                if (c != '\\') {
                        out[n++] = (char) c;
                        continue;
                }
                if (++s->p >= s->end)
                        return -EINVAL;
                switch (*s->p) {
                case '"': case '\\': case '/': out[n++] = *s->p; break;
                case 'b': out[n++] = '\b'; break;
                case 'f': out[n++] = '\f'; break;
                case 'n': out[n++] = '\n'; break;
                case 'r': out[n++] = '\r'; break;
                case 't': out[n++] = '\t'; break;
                case 'u':
                        if (s->end - s->p < 5 || parse_hex4(s->p + 1, &u) < 0 || u == 0 || (u >= 0xD800 && u <= 0xDFFF))
                                return -EINVAL;     /* surrogate pairs: not in the files we read */
                        s->p += 4;
                        if (u < 0x80)
                                out[n++] = (char) u;
                        else if (u < 0x800) {
                                out[n++] = (char) (0xC0 | (u >> 6));
                                out[n++] = (char) (0x80 | (u & 0x3F));
                        } else {
                                out[n++] = (char) (0xE0 | (u >> 12));
                                out[n++] = (char) (0x80 | ((u >> 6) & 0x3F));
                                out[n++] = (char) (0x80 | (u & 0x3F));
                        }
                        break;
                default:
                        return -EINVAL;
                }
        }
        if (s->p >= s->end)
                return -EINVAL;
        s->p++;
        out[n] = '\0';
        *ret = TAKE_PTR(out);
        return 0;
}

static int add_item(Json *parent, Json *item) {
        Json **a = reallocarray(parent->items, parent->n_items + 1, sizeof(Json *));

        if (!a)
                return -ENOMEM;
        parent->items = a;
        a[parent->n_items++] = item;
        return 0;
}

/* [ value, ... ] or { "key": value, ... } */
static int parse_container(JsonParser *s, unsigned depth, bool object, Json *j) {
        char close = object ? '}' : ']';
        int r;

        s->p++;
        skip_ws(s);
        if (s->p < s->end && *s->p == close) {
                s->p++;
                return 0;
        }
        for (;;) {
                _cleanup_(json_freep) Json *item = NULL;
                _cleanup_free_ char *key = NULL;

                skip_ws(s);
                if (object) {
                        r = parse_string(s, &key);
                        if (r < 0)
                                return r;
                        skip_ws(s);
                        if (s->p >= s->end || *s->p++ != ':')
                                return -EINVAL;
                }
                r = parse_value(s, depth + 1, &item);
                if (r < 0)
                        return r;
                item->key = TAKE_PTR(key);
                r = add_item(j, item);
                if (r < 0)
                        return r;
                TAKE_PTR(item);
                skip_ws(s);
                if (s->p < s->end && *s->p == ',') {
                        s->p++;
                        continue;
                }
                if (s->p < s->end && *s->p == close) {
                        s->p++;
                        return 0;
                }
                return -EINVAL;
        }
}

static int parse_value(JsonParser *s, unsigned depth, Json **ret) {
        _cleanup_(json_freep) Json *j = NULL;
        int r = 0;

        if (depth > JSON_DEPTH_MAX)
                return -E2BIG;
        skip_ws(s);
        if (s->p >= s->end)
                return -EINVAL;
        j = calloc(1, sizeof(Json));
        if (!j)
                return -ENOMEM;
        if (*s->p == '{' || *s->p == '[') {
                j->type = *s->p == '{' ? JSON_OBJECT : JSON_ARRAY;
                r = parse_container(s, depth, j->type == JSON_OBJECT, j);
        } else if (*s->p == '"') {
                j->type = JSON_STRING;
                r = parse_string(s, &j->string);
        } else if (s->end - s->p >= 4 && (strneq(s->p, "true", 4) || strneq(s->p, "null", 4))) {
                j->type = *s->p == 't' ? JSON_BOOL : JSON_NULL;
                s->p += 4;
        } else if (s->end - s->p >= 5 && strneq(s->p, "false", 5)) {
                j->type = JSON_BOOL;
                s->p += 5;
        } else if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9')) {
                j->type = JSON_NUMBER;
                while (s->p < s->end && strchr("+-0123456789.eE", *s->p))
                        s->p++;
        } else
                r = -EINVAL;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(j);
        return 0;
}

static int json_parse(const char *text, size_t n, Json **ret) {
        JsonParser s = { text, text + n };
        _cleanup_(json_freep) Json *j = NULL;
        int r;

        r = parse_value(&s, 0, &j);
        if (r < 0)
                return r;
        skip_ws(&s);
        if (s.p != s.end)
                return -EINVAL;
        *ret = TAKE_PTR(j);
        return 0;
}

static const Json *json_get(const Json *j, const char *key) {
        if (!j || j->type != JSON_OBJECT)
                return NULL;
        for (size_t i = 0; i < j->n_items; i++)
                if (streq(j->items[i]->key, key))
                        return j->items[i];
        return NULL;
}

static const char *json_string(const Json *j) {
        return j && j->type == JSON_STRING ? j->string : NULL;
}

/* --- OCI --- */

int oci_ref_parse(const char *s, char **ret_path, char **ret_tag) {
        _cleanup_free_ char *path = NULL, *tag = NULL;
        const char *colon;

        if (!s || !strneq(s, "oci:", 4))
                return -EINVAL;
        s += 4;
        colon = strrchr(s, ':');
        path = colon ? strndup(s, (size_t) (colon - s)) : strdup(s);
        tag = strdup(colon ? colon + 1 : "latest");
        if (!path || !tag)
                return -ENOMEM;
        /* A tag as OCI's image-spec allows a ref.name component; a path as the builder can take it. */
        if (path[0] != '/' || strlen(path) > 1024 || strpbrk(path, "\n\"\\") || isempty(tag) || strlen(tag) > 128 ||
            strspn(tag, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(tag))
                return -EINVAL;
        *ret_path = TAKE_PTR(path);
        *ret_tag = TAKE_PTR(tag);
        return 0;
}

int oci_index_find(const char *index_text, size_t n, const char *tag, char **ret_digest) {
        _cleanup_(json_freep) Json *j = NULL;
        const Json *manifests;
        int r;

        r = json_parse(index_text, n, &j);
        if (r < 0)
                return r == -ENOMEM ? r : -EBADMSG;
        manifests = json_get(j, "manifests");
        if (!manifests || manifests->type != JSON_ARRAY)
                return -EBADMSG;
        for (size_t i = 0; i < manifests->n_items; i++) {
                const Json *m = manifests->items[i];
                const char *name = json_string(json_get(json_get(m, "annotations"), "org.opencontainers.image.ref.name"));
                const char *digest = json_string(json_get(m, "digest"));

                if (!name || !streq(name, tag))
                        continue;
                /* "sha256:" and 64 hex digits: it becomes part of the image's name. */
                if (!digest || !strneq(digest, "sha256:", 7) || strlen(digest) != 71 ||
                    strspn(digest + 7, "0123456789abcdef") != 64)
                        return -EBADMSG;
                *ret_digest = strdup(digest + 7);
                return *ret_digest ? 0 : -ENOMEM;
        }
        return -ENOENT;
}

int oci_runtime_args(const char *config_text, size_t n, char ***ret) {
        _cleanup_(json_freep) Json *j = NULL;
        _cleanup_strv_free_ char **l = NULL;
        const Json *args;
        int r;

        r = json_parse(config_text, n, &j);
        if (r < 0)
                return r == -ENOMEM ? r : -EBADMSG;
        args = json_get(json_get(j, "process"), "args");
        if (!args || args->type != JSON_ARRAY || args->n_items == 0)
                return -ENOENT;
        for (size_t i = 0; i < args->n_items; i++) {
                const char *a = json_string(args->items[i]);

                if (!a)
                        return -EBADMSG;
                if (strv_extend(&l, a) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int oci_image_name(const char *path, const char *tag, char **ret_image, char **ret_error) {
        _cleanup_free_ char *index = NULL, *text = NULL, *digest = NULL;
        size_t n;
        int r;

        if (asprintf(&index, "%s/index.json", path) < 0)
                return -ENOMEM;
        r = read_full_file(index, &text, &n);
        if (r < 0)
                return asprintf(ret_error, "No OCI image layout at %s (%s: %s).", path, index, strerror(-r)) < 0 ? -ENOMEM : r;
        r = oci_index_find(text, n, tag, &digest);
        if (r == -ENOENT)
                return asprintf(ret_error, "The OCI image layout at %s has no image tagged \"%s\".", path, tag) < 0
                               ? -ENOMEM : r;
        if (r < 0)
                return asprintf(ret_error, "%s is not a valid OCI index.", index) < 0 ? -ENOMEM : r;
        /* Named by its manifest's digest: the same image from any path or tag is one image. */
        if (asprintf(ret_image, "oci-%.16s", digest) < 0)
                return -ENOMEM;
        return 0;
}
