/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>

#include "hashmap.h"

typedef struct Entry {
        const void *key;
        void *value;
        bool used;
} Entry;

struct Hashmap {
        const HashOps *ops;
        Entry *entries;
        size_t n_buckets;       /* a power of two, or 0 before the first put */
        size_t n_entries;
};

/* FNV-1a: keys come from root (container names) or from the kernel (PIDs); nobody can flood us. */
static uint64_t string_hash(const void *key) {
        uint64_t h = UINT64_C(14695981039346656037);

        for (const unsigned char *p = key; *p; p++) {
                h ^= *p;
                h *= UINT64_C(1099511628211);
        }
        return h;
}

static int string_compare(const void *a, const void *b) {
        return strcmp(a, b);
}

static uint64_t trivial_hash(const void *key) {
        /* A multiplicative mix, so that consecutive integers spread over the table. */
        return (uint64_t) (uintptr_t) key * UINT64_C(0x9e3779b97f4a7c15);
}

static int trivial_compare(const void *a, const void *b) {
        return a < b ? -1 : a > b ? 1 : 0;
}

const HashOps string_hash_ops = { string_hash, string_compare };
const HashOps trivial_hash_ops = { trivial_hash, trivial_compare };

Hashmap *hashmap_new(const HashOps *ops) {
        Hashmap *h = calloc(1, sizeof(Hashmap));

        if (h)
                h->ops = ops;
        return h;
}

Hashmap *hashmap_free(Hashmap *h) {
        if (!h)
                return NULL;
        free(h->entries);
        free(h);
        return NULL;
}

static size_t bucket_of(const Hashmap *h, const void *key) {
        return (size_t) (h->ops->hash(key) & (h->n_buckets - 1));
}

/* The bucket holding key, or the empty bucket where it would go. */
static size_t find(const Hashmap *h, const void *key) {
        size_t i = bucket_of(h, key);

        while (h->entries[i].used && h->ops->compare(h->entries[i].key, key) != 0)
                i = (i + 1) & (h->n_buckets - 1);
        return i;
}

static int resize(Hashmap *h, size_t n_buckets) {
        Entry *old = h->entries;
        size_t n_old = h->n_buckets;

        h->entries = calloc(n_buckets, sizeof(Entry));
        if (!h->entries) {
                h->entries = old;
                return -ENOMEM;
        }
        h->n_buckets = n_buckets;
        for (size_t i = 0; i < n_old; i++)
                if (old[i].used)
                        h->entries[find(h, old[i].key)] = old[i];
        free(old);
        return 0;
}

static int put(Hashmap *h, const void *key, void *value, bool replace) {
        size_t i;
        int r;

        /* At most 3/4 full, so that probes stay short and find() always meets an empty bucket. */
        if ((h->n_entries + 1) * 4 > h->n_buckets * 3) {
                r = resize(h, h->n_buckets ? h->n_buckets * 2 : 16);
                if (r < 0)
                        return r;
        }
        i = find(h, key);
        if (h->entries[i].used) {
                if (!replace)
                        return -EEXIST;
                h->entries[i].key = key;
                h->entries[i].value = value;
                return 0;
        }
        h->entries[i] = (Entry) { .key = key, .value = value, .used = true };
        h->n_entries++;
        return 0;
}

int hashmap_put(Hashmap *h, const void *key, void *value) {
        return put(h, key, value, false);
}

int hashmap_replace(Hashmap *h, const void *key, void *value) {
        return put(h, key, value, true);
}

void *hashmap_get(const Hashmap *h, const void *key) {
        size_t i;

        if (!h || h->n_entries == 0)
                return NULL;
        i = find(h, key);
        return h->entries[i].used ? h->entries[i].value : NULL;
}

static void remove_at(Hashmap *h, size_t i) {
        size_t mask = h->n_buckets - 1, j = i;

        /* Backward-shift deletion: move later entries of the probe run into the hole, unless their
         * home bucket lies (cyclically) after the hole, where find() would no longer reach them. */
        h->entries[i].used = false;
        for (;;) {
                size_t home;

                j = (j + 1) & mask;
                if (!h->entries[j].used)
                        break;
                home = bucket_of(h, h->entries[j].key);
                if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
                        h->entries[i] = h->entries[j];
                        h->entries[j].used = false;
                        i = j;
                }
        }
        h->n_entries--;
}

void *hashmap_remove(Hashmap *h, const void *key) {
        void *v;
        size_t i;

        if (!h || h->n_entries == 0)
                return NULL;
        i = find(h, key);
        if (!h->entries[i].used)
                return NULL;
        v = h->entries[i].value;
        remove_at(h, i);
        return v;
}

bool hashmap_remove_value(Hashmap *h, const void *key, void *value) {
        size_t i;

        if (!h || h->n_entries == 0)
                return false;
        i = find(h, key);
        if (!h->entries[i].used || h->entries[i].value != value)
                return false;
        remove_at(h, i);
        return true;
}

size_t hashmap_size(const Hashmap *h) {
        return h ? h->n_entries : 0;
}

bool hashmap_next(const Hashmap *h, size_t *i, void **ret_value) {
        for (; h && *i < h->n_buckets; (*i)++)
                if (h->entries[*i].used) {
                        *ret_value = h->entries[(*i)++].value;
                        return true;
                }
        return false;
}

void **hashmap_sorted_values(const Hashmap *h, int (*cmp)(const void *a, const void *b)) {
        size_t n = 0;
        void **a, *v;

        a = malloc(MAX(hashmap_size(h), (size_t) 1) * sizeof(void *));
        if (!a)
                return NULL;
        for (size_t i = 0; hashmap_next(h, &i, &v);)
                a[n++] = v;
        qsort(a, n, sizeof(void *), cmp);
        return a;
}
