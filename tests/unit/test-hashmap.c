/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* common/hashmap.c against a plain array that says what the table must hold: many random puts,
 * replaces and removes, with growth from empty, and keys whose hashes collide on purpose so that
 * probe runs are long and wrap around the end of the table (backward-shift deletion). */

#include <errno.h>
#include <stdio.h>

#include "hashmap.h"
#include "tap.h"

/* Every key lands in one of the first four buckets: long probe runs. */
static uint64_t first_buckets_hash(const void *key) {
        return (uint64_t) (uintptr_t) key % 4;
}

/* ... or of the last four: runs that cross the end of the table. */
static uint64_t last_buckets_hash(const void *key) {
        return UINT64_MAX - (uint64_t) (uintptr_t) key % 4;
}

/* Everything in the last bucket: each run starts at the end and wraps at once. */
static uint64_t last_bucket_hash(const void *key) {
        return UINT64_MAX;
}

static int ptr_compare(const void *a, const void *b) {
        return a < b ? -1 : a > b;
}

static const HashOps first_buckets_hash_ops = { first_buckets_hash, ptr_compare };
static const HashOps last_buckets_hash_ops = { last_buckets_hash, ptr_compare };
static const HashOps last_bucket_hash_ops = { last_bucket_hash, ptr_compare };

static void test_basics(void) {
        _cleanup_(hashmap_freep) Hashmap *h = hashmap_new(&string_hash_ops);
        char a[] = "web1", b[] = "web2";
        char key_copy[] = "web1";
        void *v;
        size_t i = 0;

        require(h);
        ok(!hashmap_get(h, "web1"), "an empty table has nothing");
        ok(!hashmap_remove(h, "web1"), "removing from an empty table gives NULL");
        ok(!hashmap_next(h, &i, &v), "an empty table has nothing to iterate");
        is_int(hashmap_put(h, a, a), 0, "put");
        is_int(hashmap_put(h, key_copy, b), -EEXIST, "a second put of an equal key is refused");
        ok(hashmap_get(h, "web1") == a, "the first value stays");
        is_int(hashmap_replace(h, key_copy, b), 0, "replace");
        ok(hashmap_get(h, "web1") == b, "replace changes the value");
        is_int(hashmap_size(h), 1, "replace adds no entry");
        ok(!hashmap_remove_value(h, "web1", a), "remove_value with another value leaves the entry");
        ok(hashmap_remove_value(h, "web1", b), "remove_value with its value removes it");
        is_int(hashmap_size(h), 0, "the table is empty again");

        _cleanup_free_ void **sorted = hashmap_sorted_values(h, ptr_compare);
        ok(sorted, "sorted values of an empty table are an array");
        ok(!hashmap_get(NULL, "x") && hashmap_size(NULL) == 0 && !hashmap_remove(NULL, "x"),
           "a NULL table is an empty one");
}

typedef struct Model {
        bool present[4096];
        uintptr_t value[4096];
        size_t n;
} Model;

static bool check_model(const Hashmap *h, const Model *mo, size_t n_keys, const char *what, unsigned round) {
        static unsigned seen[4096];
        size_t count = 0;
        void *v;

        memset(seen, 0, sizeof(seen));
        if (hashmap_size(h) != mo->n)
                return ok(false, "%s, round %u: size %zu, expected %zu", what, round, hashmap_size(h), mo->n);
        for (size_t k = 1; k < n_keys; k++) {
                void *got = hashmap_get(h, UINT_TO_PTR(k));

                if (mo->present[k] ? got != (void *) mo->value[k] : got != NULL)
                        return ok(false, "%s, round %u: key %zu gives %p", what, round, k, got);
        }
        /* Iteration visits every entry once (values are unique: key * 8 + generation). */
        for (size_t i = 0; hashmap_next(h, &i, &v);) {
                size_t k = (uintptr_t) v >> 3;

                if (k == 0 || k >= n_keys || !mo->present[k] || seen[k]++ > 0)
                        return ok(false, "%s, round %u: iteration gives %p", what, round, v);
                count++;
        }
        if (count != mo->n)
                return ok(false, "%s, round %u: iteration gives %zu entries, expected %zu", what, round, count,
                          mo->n);
        return true;
}

/* Random puts, replaces and removes of keys 1..n_keys-1 (0 would be the NULL pointer), checked
 * against the model after every few steps. */
static void test_random(const HashOps *ops, const char *what, size_t n_keys, unsigned steps) {
        _cleanup_(hashmap_freep) Hashmap *h = hashmap_new(ops);
        Model *mo = calloc(1, sizeof(Model));
        unsigned failed_at = 0, generation = 0;
        size_t max_n = 0;

        require(h && mo && n_keys <= ELEMENTSOF(mo->present));
        srandom(7);
        for (unsigned s = 1; s <= steps && failed_at == 0; s++) {
                size_t k = 1 + (size_t) random() % (n_keys - 1);
                int op = (int) (random() % 8);
                uintptr_t value = (uintptr_t) k << 3 | (++generation & 7);

                /* More puts than removes while filling, the other way round later: the table grows
                 * through several resizes, then shrinks to few entries in a big table. */
                if (s < steps / 2 ? op < 5 : op < 2) {
                        int r = hashmap_put(h, UINT_TO_PTR(k), (void *) value);

                        if (r != (mo->present[k] ? -EEXIST : 0))
                                failed_at = s;
                        if (!mo->present[k]) {
                                mo->present[k] = true;
                                mo->value[k] = value;
                                mo->n++;
                        }
                } else if (op == 7 || (s < steps / 2 && op == 5)) {
                        if (hashmap_replace(h, UINT_TO_PTR(k), (void *) value) < 0)
                                failed_at = s;
                        if (!mo->present[k])
                                mo->n++;
                        mo->present[k] = true;
                        mo->value[k] = value;
                } else {
                        void *got = hashmap_remove(h, UINT_TO_PTR(k));

                        if (got != (mo->present[k] ? (void *) mo->value[k] : NULL))
                                failed_at = s;
                        if (mo->present[k])
                                mo->n--;
                        mo->present[k] = false;
                }
                max_n = MAX(max_n, mo->n);
                if (failed_at == 0 && s % 97 == 0 && !check_model(h, mo, n_keys, what, s))
                        failed_at = s;
        }
        ok(failed_at == 0, "%s: %u random operations agree with the model (failed at %u)", what, steps, failed_at);
        ok(check_model(h, mo, n_keys, what, steps), "%s: the final table agrees (%zu entries, at most %zu)", what,
           mo->n, max_n);

        /* Empty it through a list collected first, as manager_free() does. */
        for (size_t k = 1; k < n_keys; k++)
                if (mo->present[k] && hashmap_remove(h, UINT_TO_PTR(k)) != (void *) mo->value[k])
                        failed_at = 1;
        ok(failed_at == 0 && hashmap_size(h) == 0, "%s: removing every key empties it", what);
        free(mo);
}

static int str_compare(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

/* Many string keys: growth from 16 buckets to thousands, and sorted values. */
static void test_strings(void) {
        _cleanup_(hashmap_freep) Hashmap *h = hashmap_new(&string_hash_ops);
        enum { N = 5000 };
        char **names = calloc(N, sizeof(char *));
        bool all = true;

        require(h && names);
        for (unsigned i = 0; i < N; i++) {
                require(asprintf(&names[i], "c%05u", (i * 7919) % N) >= 0);
                if (hashmap_put(h, names[i], names[i]) < 0)
                        all = false;
        }
        ok(all && hashmap_size(h) == N, "%u string keys put", (unsigned) N);
        for (unsigned i = 0; i < N; i++) {
                char key[16];

                (void) snprintf(key, sizeof(key), "c%05u", i);
                if (!hashmap_get(h, key) || !streq(hashmap_get(h, key), key))
                        all = false;
        }
        ok(all, "each is found by an equal key");

        _cleanup_free_ char **sorted = (char **) hashmap_sorted_values(h, str_compare);
        require(sorted);
        for (unsigned i = 0; i < N; i++) {
                char key[16];

                (void) snprintf(key, sizeof(key), "c%05u", i);
                if (!streq(sorted[i], key))
                        all = false;
        }
        ok(all, "sorted values come in order");

        for (unsigned i = 0; i < N; i += 2) {
                char key[16];

                (void) snprintf(key, sizeof(key), "c%05u", i);
                if (!hashmap_remove(h, key))
                        all = false;
        }
        for (unsigned i = 0; i < N; i++) {
                char key[16];

                (void) snprintf(key, sizeof(key), "c%05u", i);
                if (!hashmap_get(h, key) != (i % 2 == 0))
                        all = false;
        }
        ok(all && hashmap_size(h) == N / 2, "after removing every other key the rest are all found");
        for (unsigned i = 0; i < N; i++)
                free(names[i]);
        free(names);
}

int main(void) {
        test_basics();
        test_random(&trivial_hash_ops, "integer keys", 4096, 200000);
        test_random(&first_buckets_hash_ops, "keys in the first four buckets", 400, 40000);
        test_random(&last_buckets_hash_ops, "keys in the last four buckets", 400, 40000);
        test_random(&last_bucket_hash_ops, "keys all in the last bucket", 200, 20000);
        test_strings();
        return done_testing();
}
