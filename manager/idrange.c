/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

#include "config.h"
#include "fileio.h"
#include "idrange.h"

/* Where a suggested range for root starts at the lowest, and where it must stop: tools/setup-subids
 * uses the same figures (see its header for why). systemd >= 257 keeps 0x7FFE0000-0x7FFEFFFF for
 * its "foreign" UID range; the last full block below (uid_t) -1 ends at 2^32 - 65536. */
#define SUGGEST_START (UINT64_C(1) << 30)
#define SYSTEMD_FOREIGN_FIRST UINT64_C(0x7FFE0000)
#define SYSTEMD_FOREIGN_END UINT64_C(0x7FFF0000)
#define ID_SPACE_END ((UINT64_C(1) << 32) - IDRANGE_BLOCK_SIZE)

SubIdFile *subid_file_free(SubIdFile *f) {
        if (!f)
                return NULL;
        for (size_t i = 0; i < f->n_entries; i++)
                free(f->entries[i].owner);
        free(f->entries);
        free(f->path);
        free(f);
        return NULL;
}

bool subid_owner_is_root(const char *owner) {
        return owner && (streq(owner, "root") || streq(owner, "0"));
}

/* --- parsing --- */

/* Plain decimal, no sign, no blanks, at most max. */
static bool parse_id(const char *s, uint64_t max, uint64_t *ret) {
        uint64_t v = 0;

        if (isempty(s) || strlen(s) > 10)
                return false;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return false;
                v = v * 10 + (uint64_t) (*p - '0');
        }
        if (v > max)
                return false;
        *ret = v;
        return true;
}

static int line_error(char **ret_error, const char *path, unsigned line, const char *what, const char *value) {
        _cleanup_free_ char *q = value ? config_quote(value) : NULL;

        if (value && !q)
                return -ENOMEM;
        if (ret_error && asprintf(ret_error, "%s:%u: %s%s%s", path, line, what, q ? " " : "", strempty(q)) < 0)
                return -ENOMEM;
        return -EINVAL;
}

/* One non-blank, non-comment line (trimmed). */
static int parse_entry(char *s, const char *path, unsigned line, SubIdEntry *ret, char **ret_error) {
        _cleanup_free_ char *copy = strdup(s);
        char *start_s, *count_s;
        uint64_t start, count;

        if (!copy)
                return -ENOMEM;
        start_s = strchr(s, ':');
        count_s = start_s ? strchr(start_s + 1, ':') : NULL;
        if (!count_s || strchr(count_s + 1, ':'))
                return line_error(ret_error, path, line, "expected NAME-OR-UID:START:COUNT, got", copy);
        *start_s++ = '\0';
        *count_s++ = '\0';
        if (isempty(s) || s[strcspn(s, " \t")])
                return line_error(ret_error, path, line, "the owner is empty or has blanks in", copy);
        if (!parse_id(start_s, UINT32_MAX, &start))
                return line_error(ret_error, path, line, "the start is not a number from 0 to 4294967295 in",
                                  copy);
        if (!parse_id(count_s, UINT64_C(1) << 32, &count) || count == 0)
                return line_error(ret_error, path, line, "the count is not a number from 1 to 4294967296 in",
                                  copy);
        if (start + count > UINT64_C(1) << 32)
                return line_error(ret_error, path, line, "the range goes beyond ID 4294967295 in", copy);

        *ret = (SubIdEntry) {
                .owner = strdup(s),
                .start = (uint32_t) start,
                .count = count,
                .line = line,
        };
        return ret->owner ? 0 : -ENOMEM;
}

static char *trim(char *s) {
        char *e;

        s += strspn(s, " \t\r");
        e = s + strlen(s);
        while (e > s && strchr(" \t\r", e[-1]))
                *--e = '\0';
        return s;
}

int subid_file_parse(const char *text, const char *path, SubIdFile **ret, char **ret_error) {
        _cleanup_(subid_file_freep) SubIdFile *f = NULL;
        _cleanup_free_ char *copy = NULL;
        char *next;
        unsigned line = 0;
        int r;

        assert(text && path && ret);

        f = calloc(1, sizeof(*f));
        if (!f || !(f->path = strdup(path)) || !(copy = strdup(text)))
                return -ENOMEM;
        for (char *s = copy; s; s = next) {
                SubIdEntry *n;
                char *t;

                next = strchr(s, '\n');
                if (next)
                        *next++ = '\0';
                line++;
                t = trim(s);
                if (isempty(t) || t[0] == '#')
                        continue;
                n = realloc(f->entries, (f->n_entries + 1) * sizeof(SubIdEntry));
                if (!n)
                        return -ENOMEM;
                f->entries = n;
                r = parse_entry(t, path, line, &f->entries[f->n_entries], ret_error);
                if (r < 0)
                        return r;
                f->n_entries++;
        }
        *ret = TAKE_PTR(f);
        return 0;
}

int subid_file_load(const char *path, SubIdFile **ret, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = read_full_file(path, &text, NULL);
        if (r == -ENOENT)
                return subid_file_parse("", path, ret, ret_error);
        if (r < 0) {
                if (ret_error && asprintf(ret_error, "Failed to read %s: %s", path, strerror(-r)) < 0)
                        return -ENOMEM;
                return r;
        }
        return subid_file_parse(text, path, ret, ret_error);
}

/* --- sets of IDs as sorted, disjoint [lo, hi) intervals --- */

typedef struct Interval {
        uint64_t lo, hi;
} Interval;

typedef struct IdSet {
        Interval *v;
        size_t n;
} IdSet;

static void id_set_done(IdSet *s) {
        free(s->v);
        *s = (IdSet) {};
}

static int id_set_push(IdSet *s, uint64_t lo, uint64_t hi) {
        Interval *n;

        if (lo >= hi)
                return 0;
        n = realloc(s->v, (s->n + 1) * sizeof(Interval));
        if (!n)
                return -ENOMEM;
        s->v = n;
        s->v[s->n++] = (Interval) { lo, hi };
        return 0;
}

static int interval_cmp(const void *a, const void *b) {
        const Interval *x = a, *y = b;

        return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sort and merge what overlaps or touches. */
static void id_set_normalize(IdSet *s) {
        size_t k = 0;

        if (s->n == 0)
                return;
        qsort(s->v, s->n, sizeof(Interval), interval_cmp);
        for (size_t i = 1; i < s->n; i++) {
                if (s->v[i].lo <= s->v[k].hi)
                        s->v[k].hi = MAX(s->v[k].hi, s->v[i].hi);
                else
                        s->v[++k] = s->v[i];
        }
        s->n = k + 1;
}

/* The IDs of the file's entries whose owner is (or is not) root. */
static int id_set_add_file(IdSet *s, const SubIdFile *f, bool root) {
        for (size_t i = 0; i < f->n_entries; i++) {
                const SubIdEntry *e = &f->entries[i];
                int r;

                if (subid_owner_is_root(e->owner) != root)
                        continue;
                r = id_set_push(s, e->start, (uint64_t) e->start + e->count);
                if (r < 0)
                        return r;
        }
        id_set_normalize(s);
        return 0;
}

static int id_set_intersect(const IdSet *a, const IdSet *b, IdSet *ret) {
        IdSet out = {};

        for (size_t i = 0, j = 0; i < a->n && j < b->n;) {
                uint64_t lo = MAX(a->v[i].lo, b->v[j].lo), hi = MIN(a->v[i].hi, b->v[j].hi);

                if (id_set_push(&out, lo, hi) < 0) {
                        id_set_done(&out);
                        return -ENOMEM;
                }
                if (a->v[i].hi < b->v[j].hi)
                        i++;
                else
                        j++;
        }
        *ret = out;
        return 0;
}

static int id_set_subtract(const IdSet *a, const IdSet *b, IdSet *ret) {
        IdSet out = {};
        size_t j = 0;

        for (size_t i = 0; i < a->n; i++) {
                uint64_t lo = a->v[i].lo, hi = a->v[i].hi;

                while (j < b->n && b->v[j].hi <= lo)
                        j++;
                for (size_t k = j; k < b->n && b->v[k].lo < hi; k++) {
                        if (id_set_push(&out, lo, MIN(hi, b->v[k].lo)) < 0)
                                goto oom;
                        lo = MAX(lo, b->v[k].hi);
                }
                if (id_set_push(&out, lo, hi) < 0)
                        goto oom;
        }
        *ret = out;
        return 0;
oom:
        id_set_done(&out);
        return -ENOMEM;
}

static bool id_set_contains(const IdSet *s, uint64_t lo, uint64_t hi) {
        for (size_t i = 0; i < s->n; i++)
                if (s->v[i].lo <= lo && hi <= s->v[i].hi)
                        return true;
        return false;
}

static bool id_set_overlaps(const IdSet *s, uint64_t lo, uint64_t hi) {
        for (size_t i = 0; i < s->n; i++)
                if (s->v[i].lo < hi && lo < s->v[i].hi)
                        return true;
        return false;
}

static uint64_t align_up(uint64_t v) {
        return (v + IDRANGE_BLOCK_SIZE - 1) / IDRANGE_BLOCK_SIZE * IDRANGE_BLOCK_SIZE;
}

static uint64_t interval_blocks(const Interval *i) {
        uint64_t first = align_up(i->lo);

        return i->hi >= first ? (i->hi - first) / IDRANGE_BLOCK_SIZE : 0;
}

/* --- what root may use --- */

typedef struct RootIds {
        IdSet uid, gid;         /* root's ranges in each file */
        IdSet common;           /* in both */
        IdSet others;           /* every other owner's, in either file */
        IdSet usable;           /* common minus others minus reserved */
} RootIds;

static void root_ids_done(RootIds *r) {
        id_set_done(&r->uid);
        id_set_done(&r->gid);
        id_set_done(&r->common);
        id_set_done(&r->others);
        id_set_done(&r->usable);
}

static int root_ids_build(const SubIdFile *uids, const SubIdFile *gids, RootIds *ret) {
        _cleanup_(id_set_done) IdSet excluded = {}, reserved = {};
        RootIds r = {};

        if (id_set_add_file(&r.uid, uids, true) < 0 || id_set_add_file(&r.gid, gids, true) < 0 ||
            id_set_add_file(&r.others, uids, false) < 0 || id_set_add_file(&r.others, gids, false) < 0 ||
            id_set_intersect(&r.uid, &r.gid, &r.common) < 0 ||
            id_set_push(&reserved, 0, IDRANGE_HOST_RESERVED) < 0 ||
            id_set_push(&reserved, (uint64_t) IDRANGE_ID_MAX + 1, UINT64_C(1) << 32) < 0 ||
            id_set_subtract(&r.common, &r.others, &excluded) < 0 ||
            id_set_subtract(&excluded, &reserved, &r.usable) < 0) {
                root_ids_done(&r);
                return -ENOMEM;
        }
        *ret = r;
        return 0;
}

static uint64_t root_ids_capacity(const RootIds *r) {
        uint64_t n = 0;

        for (size_t i = 0; i < r->usable.n; i++)
                n += interval_blocks(&r->usable.v[i]);
        return n;
}

/* A "root:START:COUNT" line that overlaps nobody's entries, the same on both files: from 2^30 up (as
 * tools/setup-subids), above every entry of either file, skipping systemd's foreign range. */
static int suggest_line(const SubIdFile *uids, const SubIdFile *gids, char **ret) {
        const SubIdFile *files[] = { uids, gids };
        uint64_t start = SUGGEST_START, end;

        for (size_t f = 0; f < ELEMENTSOF(files); f++)
                for (size_t i = 0; i < files[f]->n_entries; i++)
                        start = MAX(start, (uint64_t) files[f]->entries[i].start + files[f]->entries[i].count);
        start = align_up(start);
        if (start < SYSTEMD_FOREIGN_END && start + IDRANGE_BLOCK_SIZE > SYSTEMD_FOREIGN_FIRST)
                start = SYSTEMD_FOREIGN_END;
        end = start < SYSTEMD_FOREIGN_FIRST ? SYSTEMD_FOREIGN_FIRST : ID_SPACE_END;
        if (start + IDRANGE_BLOCK_SIZE > end) {
                *ret = strdup("a range for root (there is no room left above the existing entries)");
                return *ret ? 0 : -ENOMEM;
        }
        if (asprintf(ret, "a line such as \"root:%" PRIu64 ":%" PRIu64 "\" (room for %" PRIu64 " containers)",
                     start, end - start, (end - start) / IDRANGE_BLOCK_SIZE) < 0)
                return -ENOMEM;
        return 0;
}

/* "100000-165535, 1073741824-2147352575" or "none". */
static char *format_set(const IdSet *s) {
        char *out = strdup(s->n == 0 ? "none" : "");

        for (size_t i = 0; out && i < s->n; i++) {
                char *n;

                if (asprintf(&n, "%s%s%" PRIu64 "-%" PRIu64, out, i > 0 ? ", " : "", s->v[i].lo,
                             s->v[i].hi - 1) < 0)
                        n = NULL;
                free(out);
                out = n;
        }
        return out;
}

int idrange_capacity(const SubIdFile *uids, const SubIdFile *gids, size_t *ret) {
        _cleanup_(root_ids_done) RootIds r = {};
        int k;

        assert(uids && gids && ret);

        k = root_ids_build(uids, gids, &r);
        if (k < 0)
                return k;
        *ret = (size_t) root_ids_capacity(&r);
        return 0;
}

/* --- allocation --- */

static int uint32_cmp(const void *a, const void *b) {
        uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

        return x < y ? -1 : x > y;
}

/* used is sorted: is there a u with base - 65536 < u < base + 65536? */
static bool sorted_overlap(uint64_t base, const uint32_t *used, size_t n_used, uint32_t *ret_other) {
        uint64_t after = base >= IDRANGE_BLOCK_SIZE ? base - IDRANGE_BLOCK_SIZE + 1 : 0;
        size_t lo = 0, hi = n_used;

        /* The first used base >= after. */
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (used[mid] < after)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo < n_used && used[lo] < base + IDRANGE_BLOCK_SIZE) {
                if (ret_other)
                        *ret_other = used[lo];
                return true;
        }
        return false;
}

bool idrange_find_overlap(uint32_t base, const uint32_t *used, size_t n_used, uint32_t *ret_other) {
        for (size_t i = 0; i < n_used; i++)
                if (used[i] < (uint64_t) base + IDRANGE_BLOCK_SIZE &&
                    base < (uint64_t) used[i] + IDRANGE_BLOCK_SIZE) {
                        if (ret_other)
                                *ret_other = used[i];
                        return true;
                }
        return false;
}

/* Root has ranges in one file only: the same lines belong in the other one, if they fit there. */
static int missing_in_one_error(const SubIdFile *uids, const SubIdFile *gids, const RootIds *r,
                                const char *suggestion, char **ret_error) {
        const SubIdFile *has = r->uid.n > 0 ? uids : gids, *lacks = r->uid.n > 0 ? gids : uids;
        _cleanup_(id_set_done) IdSet others = {};
        _cleanup_free_ char *ranges = NULL, *lines = strdup("");
        int k;

        if (!lines || id_set_add_file(&others, lacks, false) < 0)
                return -ENOMEM;
        ranges = format_set(r->uid.n > 0 ? &r->uid : &r->gid);
        if (!ranges)
                return -ENOMEM;
        for (size_t i = 0; i < has->n_entries; i++) {
                const SubIdEntry *e = &has->entries[i];
                char *n;

                if (!subid_owner_is_root(e->owner))
                        continue;
                if (id_set_overlaps(&others, e->start, (uint64_t) e->start + e->count)) {
                        /* Copying would clash with another user there: a fresh range instead. */
                        k = asprintf(ret_error, "root has subordinate IDs in %s (%s) but none in %s: "
                                     "unprivileged containers need the same range in both. Add %s to both "
                                     "files.", has->path, ranges, lacks->path, suggestion);
                        return k < 0 ? -ENOMEM : -ENOENT;
                }
                if (asprintf(&n, "%s%s\"%s:%" PRIu32 ":%" PRIu64 "\"", lines, isempty(lines) ? "" : ", ",
                             e->owner, e->start, e->count) < 0)
                        return -ENOMEM;
                free(lines);
                lines = n;
        }
        k = asprintf(ret_error, "root has subordinate IDs in %s (%s) but none in %s: unprivileged containers "
                     "need the same range in both. Add %s to %s as well.", has->path, ranges, lacks->path,
                     lines, lacks->path);
        return k < 0 ? -ENOMEM : -ENOENT;
}

static int allocate_error(const SubIdFile *uids, const SubIdFile *gids, const RootIds *r, uint64_t capacity,
                          int error, char **ret_error) {
        _cleanup_free_ char *suggestion = NULL, *u = NULL, *g = NULL;
        int k;

        if (!ret_error)
                return error;
        k = suggest_line(uids, gids, &suggestion);
        if (k < 0)
                return k;
        u = format_set(&r->uid);
        g = format_set(&r->gid);
        if (!u || !g)
                return -ENOMEM;
        if (error == -ENOENT && r->uid.n == 0 && r->gid.n == 0)
                k = asprintf(ret_error, "root has no subordinate ID range in %s or %s: unprivileged containers "
                             "need one in both. Add %s to both files.", uids->path, gids->path, suggestion);
        else if (error == -ENOENT)
                return missing_in_one_error(uids, gids, r, suggestion, ret_error);
        else if (error == -ENOSPC)
                k = asprintf(ret_error, "No free block of %u IDs is left for a new container: root's ranges in "
                             "%s and %s hold %" PRIu64 " containers and all of them are in use. Add %s to "
                             "both %s and %s.",
                             IDRANGE_BLOCK_SIZE, uids->path, gids->path, capacity, suggestion, uids->path,
                             gids->path);
        else
                k = asprintf(ret_error, "root's ranges in %s (%s) and %s (%s) hold no block of %u IDs "
                             "aligned to %u that is in both files, clear of other users' ranges and of the "
                             "host's IDs below %u. Add %s to both files.",
                             uids->path, u, gids->path, g, IDRANGE_BLOCK_SIZE, IDRANGE_BLOCK_SIZE,
                             IDRANGE_HOST_RESERVED, suggestion);
        return k < 0 ? -ENOMEM : error;
}

int idrange_allocate(const SubIdFile *uids, const SubIdFile *gids, const uint32_t *used, size_t n_used,
                     uint32_t *ret_base, char **ret_error) {
        _cleanup_(root_ids_done) RootIds r = {};
        _cleanup_free_ uint32_t *sorted = NULL;
        uint64_t capacity;
        int k;

        assert(uids && gids && ret_base);
        assert(used || n_used == 0);

        k = root_ids_build(uids, gids, &r);
        if (k < 0)
                return k;
        if (r.uid.n == 0 || r.gid.n == 0)
                return allocate_error(uids, gids, &r, 0, -ENOENT, ret_error);
        capacity = root_ids_capacity(&r);
        if (capacity == 0)
                return allocate_error(uids, gids, &r, 0, -ERANGE, ret_error);

        sorted = n_used > 0 ? malloc(n_used * sizeof(uint32_t)) : NULL;
        if (n_used > 0 && !sorted)
                return -ENOMEM;
        if (n_used > 0) {
                memcpy(sorted, used, n_used * sizeof(uint32_t));
                qsort(sorted, n_used, sizeof(uint32_t), uint32_cmp);
        }
        for (size_t i = 0; i < r.usable.n; i++)
                for (uint64_t b = align_up(r.usable.v[i].lo); b + IDRANGE_BLOCK_SIZE <= r.usable.v[i].hi;
                     b += IDRANGE_BLOCK_SIZE)
                        if (!sorted_overlap(b, sorted, n_used, NULL)) {
                                *ret_base = (uint32_t) b;
                                return 0;
                        }
        return allocate_error(uids, gids, &r, capacity, -ENOSPC, ret_error);
}

int idrange_check_base(const SubIdFile *uids, const SubIdFile *gids, uint64_t base, char **ret_error) {
        _cleanup_(root_ids_done) RootIds r = {};
        _cleanup_free_ char *why = NULL, *has = NULL;
        uint64_t end = base + IDRANGE_BLOCK_SIZE;
        int k = 0;

        assert(uids && gids);

        k = root_ids_build(uids, gids, &r);
        if (k < 0)
                return k;
        if (end > (uint64_t) IDRANGE_ID_MAX + 1)
                k = asprintf(&why, "goes beyond the last ID, %u", IDRANGE_ID_MAX);
        else if (base < IDRANGE_HOST_RESERVED)
                k = asprintf(&why, "overlaps the host's own IDs below %u", IDRANGE_HOST_RESERVED);
        else if (!id_set_contains(&r.uid, base, end))
                k = (has = format_set(&r.uid)) ? asprintf(&why, "is not inside a range that root has in %s "
                                                          "(root has: %s)", uids->path, has) : -1;
        else if (!id_set_contains(&r.gid, base, end))
                k = (has = format_set(&r.gid)) ? asprintf(&why, "is not inside a range that root has in %s "
                                                          "(root has: %s)", gids->path, has) : -1;
        else if (id_set_overlaps(&r.others, base, end))
                k = asprintf(&why, "overlaps another user's range in %s or %s", uids->path, gids->path);
        if (k < 0)
                return -ENOMEM;
        if (!why)
                return 0;
        if (ret_error &&
            asprintf(ret_error, "The ID range %" PRIu64 "-%" PRIu64 " %s.", base, end - 1, why) < 0)
                return -ENOMEM;
        return -ERANGE;
}
