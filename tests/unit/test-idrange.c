/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* manager/idrange.c: the subuid(5)/subgid(5) parser and the allocator of 65,536-ID blocks. */
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fileio.h"
#include "idrange.h"
#include "tap.h"

#define B ((uint64_t) IDRANGE_BLOCK_SIZE)
#define G30 (UINT64_C(1) << 30)
/* tools/setup-subids' default range: 2^30 up to systemd's foreign range at 0x7FFE0000. */
#define DEFAULT_LINE "root:1073741824:1073610752\n"

static SubIdFile *parse(const char *text, const char *path) {
        _cleanup_free_ char *error = NULL;
        SubIdFile *f = NULL;

        if (subid_file_parse(text, path, &f, &error) < 0) {
                printf("Bail out! cannot parse test input %s: %s\n", path, strna(error));
                exit(1);
        }
        return f;
}

/* Both files from text; returns the allocation's result, the base and the message. */
static int allocate(const char *subuid, const char *subgid, const uint32_t *used, size_t n_used, uint32_t *ret_base,
                    char **ret_error) {
        _cleanup_(subid_file_freep) SubIdFile *u = parse(subuid, "/etc/subuid");
        _cleanup_(subid_file_freep) SubIdFile *g = parse(subgid, "/etc/subgid");

        *ret_base = 0;
        return idrange_allocate(u, g, used, n_used, ret_base, ret_error);
}

static bool contains(const char *haystack, const char *needle) {
        bool found = haystack && strstr(haystack, needle);

        if (!found)
                diag("expected to find \"%s\" in \"%s\"", needle, strna(haystack));
        return found;
}

static void test_parse(void) {
        _cleanup_(subid_file_freep) SubIdFile *f = NULL;

        f = parse("# subordinate IDs\n"
                  "\n"
                  "alice:100000:65536\n"
                  "   \t\n"
                  "  root:1073741824:1073610752  \r\n"
                  "    # indented comment\n"
                  "1000:165536:65536\n"
                  "0:0:4294967296",
                  "/etc/subuid");
        is_int(f->n_entries, 4, "comments, blank lines, blanks around and CRLF are skipped: 4 entries");
        is_str(f->entries[0].owner, "alice", "first owner");
        is_int(f->entries[0].start, 100000, "first start");
        is_int(f->entries[0].count, 65536, "first count");
        is_int(f->entries[0].line, 3, "first line number");
        is_str(f->entries[1].owner, "root", "second owner, trimmed");
        is_int(f->entries[1].start, G30, "second start");
        is_int(f->entries[1].line, 5, "second line number");
        is_str(f->entries[2].owner, "1000", "a UID as owner");
        is_int(f->entries[3].count, UINT64_C(1) << 32, "a count of 2^32 from 0 (no newline at the end)");
        f = subid_file_free(f);

        f = parse("", "/etc/subgid");
        is_int(f->n_entries, 0, "an empty file has no entries");
        is_str(f->path, "/etc/subgid", "the path is kept for messages");

        ok(subid_owner_is_root("root") && subid_owner_is_root("0"), "root and 0 are root");
        ok(!subid_owner_is_root("rooty") && !subid_owner_is_root("") && !subid_owner_is_root("1000") &&
                   !subid_owner_is_root(NULL),
           "rooty, \"\", 1000 and NULL are not");
}

static void test_parse_errors(void) {
        static const struct {
                const char *line, *message;
        } bad[] = {
                { "root:100000", "/etc/subuid:2: expected NAME-OR-UID:START:COUNT, got \"root:100000\"" },
                { "root:1:2:3", "/etc/subuid:2: expected NAME-OR-UID:START:COUNT, got \"root:1:2:3\"" },
                { "garbage", "/etc/subuid:2: expected NAME-OR-UID:START:COUNT, got \"garbage\"" },
                { ":1:2", "/etc/subuid:2: the owner is empty or has blanks in \":1:2\"" },
                { "ro ot:1:2", "/etc/subuid:2: the owner is empty or has blanks in \"ro ot:1:2\"" },
                { "root:abc:65536", "/etc/subuid:2: the start is not a number from 0 to 4294967295 in "
                                    "\"root:abc:65536\"" },
                { "root:-1:65536", "/etc/subuid:2: the start is not a number from 0 to 4294967295 in "
                                   "\"root:-1:65536\"" },
                { "root:+5:65536", "/etc/subuid:2: the start is not a number from 0 to 4294967295 in "
                                   "\"root:+5:65536\"" },
                { "root: 5:65536", "/etc/subuid:2: the start is not a number from 0 to 4294967295 in "
                                   "\"root: 5:65536\"" },
                { "root:4294967296:1", "/etc/subuid:2: the start is not a number from 0 to 4294967295 in "
                                       "\"root:4294967296:1\"" },
                { "root:100000:0", "/etc/subuid:2: the count is not a number from 1 to 4294967296 in "
                                   "\"root:100000:0\"" },
                { "root:100000:", "/etc/subuid:2: the count is not a number from 1 to 4294967296 in "
                                  "\"root:100000:\"" },
                { "root:100000:99999999999", "/etc/subuid:2: the count is not a number from 1 to 4294967296 in "
                                             "\"root:100000:99999999999\"" },
                { "root:4294967295:2", "/etc/subuid:2: the range goes beyond ID 4294967295 in "
                                       "\"root:4294967295:2\"" },
                { "root:\x1b[31m:1", "/etc/subuid:2: the start is not a number from 0 to 4294967295 in "
                                     "\"root:\\x1b[31m:1\"" },
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *text = NULL, *error = NULL;
                SubIdFile *f = NULL;

                require(asprintf(&text, "alice:100000:65536\n%s\nbob:165536:65536\n", bad[i].line) >= 0);
                is_int(subid_file_parse(text, "/etc/subuid", &f, &error), -EINVAL, "garbage line %zu is refused", i);
                is_str(error, bad[i].message, "... with file:line and the line");
                ok(!f, "... and no result");
        }
}

static void test_load(void) {
        _cleanup_free_ char *dir = test_mkdtemp("test-idrange"), *path = NULL, *error = NULL, *missing = NULL;
        _cleanup_(subid_file_freep) SubIdFile *f = NULL, *m = NULL;

        require(dir);
        require(asprintf(&path, "%s/subuid", dir) >= 0 && asprintf(&missing, "%s/subgid", dir) >= 0);
        require(write_file_atomic(path, "root:1073741824:65536\nx:y\n", 26, 0644) >= 0);
        is_int(subid_file_load(path, &f, &error), -EINVAL, "subid_file_load() refuses a bad file");
        _cleanup_free_ char *expected = NULL;
        require(asprintf(&expected, "%s:2: expected NAME-OR-UID:START:COUNT, got \"x:y\"", path) >= 0);
        is_str(error, expected, "... naming the file and line");
        require(write_file_atomic(path, DEFAULT_LINE, strlen(DEFAULT_LINE), 0644) >= 0);
        is_int(subid_file_load(path, &f, NULL), 0, "subid_file_load() reads a file");
        is_int(f ? f->n_entries : 0, 1, "... with its entry");
        is_int(subid_file_load(missing, &m, NULL), 0, "a missing file loads");
        is_int(m ? m->n_entries : 99, 0, "... as no entries");
        unlink(path);
        rmdir(dir);
}

static void test_allocate(void) {
        _cleanup_free_ char *error = NULL;
        uint32_t base, used[4];
        char uid[256], gid[256];

        is_int(allocate(DEFAULT_LINE, DEFAULT_LINE, NULL, 0, &base, &error), 0, "the default range gives a block");
        is_int(base, G30, "... the lowest: 2^30");

        used[0] = (uint32_t) G30;
        is_int(allocate(DEFAULT_LINE, DEFAULT_LINE, used, 1, &base, NULL), 0, "with 2^30 in use");
        is_int(base, G30 + B, "... the next block");

        used[0] = (uint32_t) (G30 + 2 * B);
        used[1] = (uint32_t) G30;
        is_int(allocate(DEFAULT_LINE, DEFAULT_LINE, used, 2, &base, NULL), 0, "with blocks 0 and 2 in use");
        is_int(base, G30 + B, "... the gap between them, lowest first");

        used[0] = (uint32_t) G30 + 100;
        is_int(allocate(DEFAULT_LINE, DEFAULT_LINE, used, 1, &base, NULL), 0, "with an unaligned base in use");
        is_int(base, G30 + 2 * B, "... both blocks it touches are skipped");

        /* Root's ranges differ between the files: only what both have counts. */
        snprintf(uid, sizeof(uid), "root:%" PRIu64 ":%" PRIu64 "\n", 20000 * B, 100 * B);
        snprintf(gid, sizeof(gid), "root:%" PRIu64 ":%" PRIu64 "\nroot:1:2\n", 20050 * B, 100 * B);
        is_int(allocate(uid, gid, NULL, 0, &base, NULL), 0, "ranges that overlap between the files");
        is_int(base, 20050 * B, "... the first block in both");

        snprintf(uid, sizeof(uid), "0:%" PRIu64 ":%" PRIu64 "\n", 20000 * B, 10 * B);
        is_int(allocate(uid, uid, NULL, 0, &base, NULL), 0, "owner \"0\" counts as root");
        is_int(base, 20000 * B, "... its block");

        /* Another user's range inside root's (in either file) is skipped. */
        snprintf(uid, sizeof(uid), "root:%" PRIu64 ":%" PRIu64 "\n", 20000 * B, 10 * B);
        snprintf(gid, sizeof(gid), "root:%" PRIu64 ":%" PRIu64 "\nalice:%" PRIu64 ":10\n", 20000 * B, 10 * B,
                 20002 * B + 5);
        used[0] = (uint32_t) (20000 * B);
        used[1] = (uint32_t) (20001 * B);
        is_int(allocate(uid, gid, used, 2, &base, NULL), 0, "another user's range inside root's");
        is_int(base, 20003 * B, "... the block it touches is skipped");

        /* The host's own IDs and (uid_t) -1 are never part of a block. */
        is_int(allocate("root:0:200000\n", "root:0:200000\n", NULL, 0, &base, NULL), 0, "a range from 0");
        is_int(base, B, "... starts above the host's IDs below 65536");
        free(error);
        error = NULL;
        is_int(allocate("root:4294901760:65536\n", "root:4294901760:65536\n", NULL, 0, &base, &error), -ERANGE,
               "the last block, which holds 4294967295, is not usable");
}

static void test_allocate_errors(void) {
        _cleanup_free_ char *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL, *e5 = NULL, *e6 = NULL, *e7 = NULL,
                            *e8 = NULL;
        uint32_t base, used[3] = { (uint32_t) G30, (uint32_t) (G30 + B), (uint32_t) (G30 + 2 * B) };

        is_int(allocate("alice:100000:65536\n", "alice:100000:65536\n", NULL, 0, &base, &e1), -ENOENT,
               "root without ranges: -ENOENT");
        ok(contains(e1, "root has no subordinate ID range in /etc/subuid or /etc/subgid: unprivileged "
                        "containers need one in both."),
           "... the message says root has none");
        ok(contains(e1, "Add a line such as \"root:1073741824:1073610752\" (room for 16382 containers) to both "
                        "files."),
           "... and gives the default line to add");

        is_int(allocate(DEFAULT_LINE, "", NULL, 0, &base, &e2), -ENOENT, "root in /etc/subuid only: -ENOENT");
        is_str(e2, "root has subordinate IDs in /etc/subuid (1073741824-2147352575) but none in /etc/subgid: "
                   "unprivileged containers need the same range in both. Add \"root:1073741824:1073610752\" to "
                   "/etc/subgid as well.",
               "... the message says which file lacks it and suggests the same line");
        is_int(allocate("alice:100000:65536\n", "root:1073741824:65536\n0:1073872896:65536\n", NULL, 0, &base,
                        &e7),
               -ENOENT, "root in /etc/subgid only, two lines");
        is_str(e7, "root has subordinate IDs in /etc/subgid (1073741824-1073807359, 1073872896-1073938431) but "
                   "none in /etc/subuid: unprivileged containers need the same range in both. Add "
                   "\"root:1073741824:65536\", \"0:1073872896:65536\" to /etc/subuid as well.",
               "... both lines are suggested");
        is_int(allocate("alice:1073741824:65536\n", DEFAULT_LINE, NULL, 0, &base, &e8), -ENOENT,
               "root in /etc/subgid only, where /etc/subuid has another user's range");
        ok(contains(e8, "Add a line such as \"root:2147418112:2147483648\" (room for 32768 containers) to both "
                        "files."),
           "... a fresh range above all entries is suggested, past systemd's foreign range");

        is_int(allocate("root:100000:65536\n", "root:100000:65536\n", NULL, 0, &base, &e3), -ERANGE,
               "LXC's classic root:100000:65536 holds no aligned block: -ERANGE");
        ok(contains(e3, "root's ranges in /etc/subuid (100000-165535) and /etc/subgid (100000-165535) hold no "
                        "block of 65536 IDs aligned to 65536"),
           "... the message names the ranges and the rule");
        ok(contains(e3, "\"root:1073741824:1073610752\""), "... and suggests the default line");

        is_int(allocate("root:1073741824:65536\n", "root:1073807360:65536\n", NULL, 0, &base, &e4), -ERANGE,
               "different ranges in the two files: -ERANGE");
        ok(contains(e4, "/etc/subuid (1073741824-1073807359) and /etc/subgid (1073807360-1073872895)"),
           "... the message shows both");

        is_int(allocate("root:1073741824:196608\n", "root:1073741824:196608\n", used, 3, &base, &e5), -ENOSPC,
               "every block in use: -ENOSPC");
        ok(contains(e5, "No free block of 65536 IDs is left for a new container: root's ranges in /etc/subuid "
                        "and /etc/subgid hold 3 containers and all of them are in use."),
           "... the message says how many the ranges hold");
        ok(contains(e5, "Add a line such as \"root:1073938432:1073414144\" (room for 16379 containers) to both "
                        "/etc/subuid and /etc/subgid."),
           "... and what to add: a range above the existing one, clear of every entry");

        is_int(allocate("root:1073741824:196608\nbob:2000000000:65536\n", "root:1073741824:196608\n", used, 3, &base,
                        &e6),
               -ENOSPC, "full, with another user's range higher up");
        ok(contains(e6, "root:2000093184:147259392"), "... the suggestion starts above it, aligned");
}

static void test_many(void) {
        _cleanup_free_ uint32_t *used = NULL;
        _cleanup_(subid_file_freep) SubIdFile *u = parse(DEFAULT_LINE, "/etc/subuid");
        size_t capacity = 0;
        uint32_t base;

        is_int(idrange_capacity(u, u, &capacity), 0, "idrange_capacity()");
        is_int(capacity, 16382, "the default range holds 16382 containers");
        used = calloc(capacity - 1, sizeof(uint32_t));
        require(used);
        /* All but block 7000, in descending order. */
        for (size_t i = 0, k = 0; i < capacity; i++)
                if (i != 7000)
                        used[k++] = (uint32_t) (G30 + (capacity - 1 - i) * B);
        is_int(idrange_allocate(u, u, used, capacity - 1, &base, NULL), 0, "with 16381 of them in use");
        is_int(base, G30 + (capacity - 1 - 7000) * B, "... the one left is found");
}

static void test_check_base(void) {
        _cleanup_(subid_file_freep) SubIdFile *u = parse(DEFAULT_LINE "alice:100000:65536\n", "/etc/subuid");
        _cleanup_(subid_file_freep) SubIdFile *g = parse("root:1073741824:65536\nroot:1073872896:131072\n"
                                                         "bob:1073971200:1\n",
                                                         "/etc/subgid");
        _cleanup_free_ char *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL, *e5 = NULL;

        is_int(idrange_check_base(u, g, G30, NULL), 0, "a block in root's ranges of both files is fine");
        is_int(idrange_check_base(u, g, G30 + 2 * B - 100, NULL), -ERANGE, "a block across a gap in subgid is not");
        is_int(idrange_check_base(u, g, G30 + B, &e1), -ERANGE, "a block outside subgid's ranges is not");
        is_str(e1, "The ID range 1073807360-1073872895 is not inside a range that root has in /etc/subgid (root has: "
                   "1073741824-1073807359, 1073872896-1074003967).",
               "... the message names the file and root's ranges there");
        is_int(idrange_check_base(u, g, 50000000, &e2), -ERANGE, "a block outside subuid's ranges is not");
        is_str(e2, "The ID range 50000000-50065535 is not inside a range that root has in /etc/subuid (root has: "
                   "1073741824-2147352575).",
               "... the message names subuid");
        is_int(idrange_check_base(u, g, G30 + 2 * B + 10, NULL), 0, "an unaligned block is fine");
        is_int(idrange_check_base(u, g, G30 + 3 * B - 10, &e3), -ERANGE, "a block over another user's range is not");
        is_str(e3, "The ID range 1073938422-1074003957 overlaps another user's range in /etc/subuid or /etc/subgid.",
               "... and says so");
        is_int(idrange_check_base(u, u, 1000, &e4), -ERANGE, "a block over the host's IDs is not");
        is_str(e4, "The ID range 1000-66535 overlaps the host's own IDs below 65536.", "... and says so");
        is_int(idrange_check_base(u, u, 4294967295u, &e5), -ERANGE, "a block past the last ID is not");
        is_str(e5, "The ID range 4294967295-4295032830 goes beyond the last ID, 4294967294.", "... and says so");
}

static void test_overlap(void) {
        uint32_t used[] = { (uint32_t) G30 + 1000, (uint32_t) (G30 + 5 * B) }, other = 0;

        ok(idrange_find_overlap((uint32_t) (G30 + B), used, 2, &other), "a block overlapping an unaligned one");
        is_int(other, G30 + 1000, "... names it");
        ok(idrange_find_overlap((uint32_t) (G30 + 5 * B), used, 2, &other), "the same base overlaps");
        is_int(other, G30 + 5 * B, "... names it");
        ok(!idrange_find_overlap((uint32_t) (G30 + 4 * B), used, 2, NULL), "an adjacent block does not");
        ok(!idrange_find_overlap((uint32_t) (G30 + 2 * B), used, 2, NULL), "a block in between does not");
        ok(!idrange_find_overlap((uint32_t) G30, NULL, 0, NULL), "nothing in use: no overlap");
}

int main(void) {
        test_parse();
        test_parse_errors();
        test_load();
        test_allocate();
        test_allocate_errors();
        test_many();
        test_check_base();
        test_overlap();
        return done_testing();
}
