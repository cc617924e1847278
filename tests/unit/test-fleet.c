/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fleet files (common/fleet.h): what a good file gives, one exact "FILE:LINE: message" per kind of
 * mistake, and a corpus of hostile YAML refused quickly and in bounded memory (measured). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "fleet.h"
#include "strv.h"
#include "tap.h"

#ifndef STRV_MAKE
#define STRV_MAKE(...) ((char *[]) { __VA_ARGS__, NULL })
#endif

static int parse(const char *text, Fleet **ret, char **ret_error) {
        return fleet_parse(text, strlen(text), "f.yaml", ret, ret_error);
}

static void expect_error(const char *text, const char *expected, const char *desc) {
        _cleanup_(fleet_freep) Fleet *f = NULL;
        _cleanup_free_ char *err = NULL;

        is_int(parse(text, &f, &err), -EINVAL, "%s: refused", desc);
        is_str(err, expected, "%s: message", desc);
        ok(!f, "%s: no result", desc);
}

#define GOOD                                            \
        "networks:\n"                                   \
        "  - name: lan0\n"                              \
        "    type: bridge\n"                            \
        "    subnet: 10.88.0.0/24\n"                    \
        "  - name: back\n"                              \
        "volumes:\n"                                    \
        "  - name: data\n"                              \
        "    size: 1G\n"                                \
        "containers:\n"                                 \
        "  - name: web1\n"                              \
        "    template: debian\n"                        \
        "    memory: 512M\n"                            \
        "    networks: [lan0, back]\n"                  \
        "    volumes: [\"data:/srv/data\", \"data:/srv/ro:ro\"]\n" \
        "  - name: db1\n"                               \
        "    template: busybox\n"                       \
        "    init: [/bin/sh]\n"

static void test_good(void) {
        _cleanup_(fleet_freep) Fleet *f = NULL;
        _cleanup_free_ char *err = NULL;
        const FleetContainer *c;

        is_int(parse(GOOD, &f, &err), 0, "a good fleet parses");
        if (err)
                diag("%s", err);
        if (!f)
                return;
        is_int(f->n_networks, 2, "two networks");
        is_str(f->networks[0].name, "lan0", "network name");
        is_str(f->networks[0].type, "bridge", "network type");
        is_str(f->networks[0].subnet, "10.88.0.0/24", "network subnet");
        is_int(f->networks[0].line, 2, "network line");
        is_str(f->networks[1].type, "bridge", "type defaults to bridge");
        ok(!f->networks[1].subnet, "no subnet: sysctrd chooses");
        is_int(f->n_volumes, 1, "one volume");
        is_int(f->volumes[0].size, 1024 * 1024 * 1024, "volume size");
        is_int(f->n_containers, 2, "two containers");
        c = fleet_get_container(f, "web1");
        ok(c, "web1 found");
        if (!c)
                return;
        is_int(c->line, 10, "container line");
        is_int(c->config->memory_max, 512 * 1024 * 1024, "memory from config.yaml's parser");
        ok(!c->config->id && !c->config->image, "id and image may be left out");
        ok(fleet_container_gives(c, "memory") && !fleet_container_gives(c, "init"), "given keys recorded");
        ok(strv_equal(c->networks, STRV_MAKE("lan0", "back")), "networks");
        is_int(c->n_mounts, 2, "two mounts");
        is_str(c->mounts[1].volume, "data", "mount volume");
        is_str(c->mounts[1].target, "/srv/ro", "mount target");
        ok(c->mounts[1].read_only && !c->mounts[0].read_only, "mount read-only flag");
        ok(!c->host, "no hosts: no placement");
        c = fleet_get_container(f, "db1");
        ok(c && strv_equal(c->config->init, STRV_MAKE("/bin/sh")), "db1's init");
}

static void test_hosts(void) {
        _cleanup_(fleet_freep) Fleet *f = NULL;
        _cleanup_free_ char *err = NULL;

        is_int(parse("containers:\n"
                     "  - {name: a, template: busybox}\n"
                     "  - {name: b, template: busybox}\n"
                     "hosts:\n"
                     "  - name: h1\n"
                     "    address: root@10.0.0.1:2222\n"
                     "    containers: [a]\n"
                     "  - name: h2\n"
                     "    address: \"[fd00::2]\"\n"
                     "    containers: [b]\n", &f, &err), 0, "a fleet with hosts parses");
        if (err)
                diag("%s", err);
        if (!f)
                return;
        is_str(fleet_get_container(f, "a")->host, "h1", "a on h1");
        is_str(fleet_get_container(f, "b")->host, "h2", "b on h2");
        is_str(fleet_get_host(f, "h2")->address, "[fd00::2]", "IPv6 address");
}

static void test_empty_and_aliases(void) {
        _cleanup_(fleet_freep) Fleet *f = NULL, *g = NULL;
        _cleanup_free_ char *err = NULL;

        is_int(parse("networks:\ncontainers: []\n", &f, &err), 0, "empty lists are fine");
        /* Aliases within the limits are fine: shared settings written once. */
        is_int(parse("containers:\n"
                     "  - name: a\n"
                     "    template: busybox\n"
                     "    binds: &b [\"/srv/a:/a\", \"/srv/b:/b\"]\n"
                     "  - name: b\n"
                     "    template: busybox\n"
                     "    binds: *b\n", &g, &err), 0, "a shared alias is fine");
        ok(g && strv_length(fleet_get_container(g, "b")->config->binds) == 2, "the alias gives its value");
}

static void test_addresses(void) {
        _cleanup_free_ char *user = NULL, *host = NULL;
        uint16_t port;

        is_int(host_address_parse("admin@host2.example:2222", &user, &host, &port), 0, "user@host:port");
        is_str(user, "admin", "user");
        is_str(host, "host2.example", "host");
        is_int(port, 2222, "port");
        ok(host_address_is_valid("10.0.0.1"), "bare IPv4");
        ok(host_address_is_valid("[::1]:22"), "IPv6 with port");
        ok(!host_address_is_valid("::1"), "IPv6 without brackets refused");
        ok(!host_address_is_valid("host:0"), "port 0 refused");
        ok(!host_address_is_valid("host:65536"), "port 65536 refused");
        ok(!host_address_is_valid("-oProxyCommand=x"), "an ssh option refused");
        ok(!host_address_is_valid("Root@host"), "upper-case user refused");
        ok(!host_address_is_valid("a b"), "space refused");
        ok(!host_address_is_valid(""), "empty refused");
}

static void test_errors(void) {
        expect_error("[1, 2]\n", "f.yaml:1: Expected a mapping for a fleet file, got a sequence", "root a sequence");
        expect_error("network:\n", "f.yaml:1: Unknown key \"network\" in a fleet file", "unknown top-level key");
        expect_error("containers: []\ncontainers: []\n", "f.yaml:2: Duplicate key \"containers\"",
                     "duplicate top-level key");
        expect_error("containers: {name: a}\n", "f.yaml:1: Expected a sequence for \"containers\", got a mapping",
                     "containers not a sequence");
        expect_error("containers:\n  - name: a\n    template: busybox\n    memroy: 1G\n",
                     "f.yaml:4: Unknown key \"memroy\"", "unknown container key (config.yaml's parser)");
        expect_error("containers:\n  - name: a\n    template: busybox\n    memory: [1G]\n",
                     "f.yaml:4: Expected a scalar for \"memory\", got a sequence", "wrong type");
        expect_error("containers:\n  - name: a\n    template: busybox\n    cpus: lots\n",
                     "f.yaml:4: Invalid cpus \"lots\": expected a number of CPUs such as 1 or 1.5", "bad value");
        expect_error("containers:\n  - name: Web_1\n    template: busybox\n",
                     "f.yaml:2: Invalid container name \"Web_1\"", "bad container name");
        expect_error("containers:\n  - name: a\n",
                     "f.yaml:2: Container a: Missing required key \"template\"", "template required");
        expect_error("containers:\n  - template: busybox\n",
                     "f.yaml:2: Missing required key \"name\" in a container", "name required");
        expect_error("containers:\n  - {name: a, template: busybox}\n  - {name: a, template: debian}\n",
                     "f.yaml:3: Container \"a\" is declared twice (first at line 2)", "duplicate container");
        expect_error("networks:\n  - name: n\n  - name: n\n",
                     "f.yaml:3: Network \"n\" is declared twice (first at line 2)", "duplicate network");
        expect_error("volumes:\n  - name: v\n  - name: v\n",
                     "f.yaml:3: Volume \"v\" is declared twice (first at line 2)", "duplicate volume");
        expect_error("networks:\n  - name: n\n    colour: blue\n",
                     "f.yaml:3: Unknown key \"colour\" in a network", "unknown network key");
        expect_error("networks:\n  - name: n\n    subnet: 10.88.0.1/24\n",
                     "f.yaml:3: Invalid subnet \"10.88.0.1/24\": expected an IPv4 subnet such as 10.88.0.0/24",
                     "subnet with host bits");
        expect_error("networks:\n  - type: bridge\n", "f.yaml:2: Missing required key \"name\" in a network",
                     "network without a name");
        expect_error("volumes:\n  - name: v\n    size: big\n",
                     "f.yaml:3: Invalid size \"big\": expected a size such as 512M or 2G", "bad volume size");
        expect_error("volumes:\n  - name: V\n", "f.yaml:2: Invalid volume name \"V\"", "bad volume name");
        expect_error("containers:\n  - name: a\n    template: busybox\n    networks: [lan9]\n",
                     "f.yaml:2: Container \"a\" uses network \"lan9\", which the file does not declare under "
                     "\"networks\"", "dangling network");
        expect_error("containers:\n  - name: a\n    template: busybox\n    volumes: [\"gone:/srv\"]\n",
                     "f.yaml:2: Container \"a\" uses volume \"gone\", which the file does not declare under "
                     "\"volumes\"", "dangling volume");
        expect_error("containers:\n  - name: a\n    template: busybox\n    volumes: [\"data:srv\"]\n",
                     "f.yaml:4: Invalid volume \"data:srv\"", "bad mount");
        expect_error("containers:\n  - name: a\n    template: busybox\n    networks: [n]\n    networks: [n]\n",
                     "f.yaml:5: Duplicate key \"networks\"", "networks given twice");
        expect_error("networks:\n  - name: ov0\n    type: vxlan\n    subnet: 10.99.0.0/24\n",
                     "f.yaml:2: Network \"ov0\" is of type vxlan, which spans hosts: the file has no \"hosts\"",
                     "a vxlan network without hosts");
        expect_error("networks:\n  - name: ov0\n    type: vxlan\nhosts:\n  - name: h\n    address: h1\n",
                     "f.yaml:2: Network \"ov0\" is of type vxlan: it needs its \"subnet\", the same on every host",
                     "a vxlan network without a subnet");
        expect_error("networks:\n  - name: n\n    type: bond\n",
                     "f.yaml:3: Invalid network type \"bond\": expected bridge, macvlan or vxlan", "an unknown network type");
        expect_error("containers:\n  - name: a\n    template: busybox\n    networks: [n, n]\n",
                     "f.yaml:4: Invalid networks entry \"n\": listed twice", "network listed twice");
        expect_error("hosts:\n  - name: h\n    address: \"-oProxyCommand=sh\"\n",
                     "f.yaml:3: Invalid host address \"-oProxyCommand=sh\": expected [USER@]HOST[:PORT]",
                     "an ssh option as an address");
        expect_error("hosts:\n  - name: h\n", "f.yaml:2: Missing required key \"address\" in host \"h\"",
                     "host without an address");
        expect_error("hosts:\n  - {name: h, address: h, containers: [x]}\n",
                     "f.yaml:2: Host \"h\" runs container \"x\", which the file does not declare under "
                     "\"containers\"", "host runs an undeclared container");
        expect_error("containers:\n  - {name: a, template: busybox}\n"
                     "hosts:\n  - {name: h1, address: h1, containers: [a]}\n"
                     "  - {name: h2, address: h2, containers: [a]}\n",
                     "f.yaml:5: Container \"a\" is placed on two hosts, \"h1\" and \"h2\"", "on two hosts");
        expect_error("containers:\n  - {name: a, template: busybox}\n  - {name: b, template: busybox}\n"
                     "hosts:\n  - {name: h1, address: h1, containers: [a]}\n",
                     "f.yaml:3: Container \"b\" is placed on no host (list it under the \"containers\" of one "
                     "entry of \"hosts\")", "on no host");
        expect_error("volumes:\n  - name: v\n"
                     "containers:\n  - {name: a, template: busybox, volumes: [\"v:/v\"]}\n"
                     "  - {name: b, template: busybox, volumes: [\"v:/w\"]}\n"
                     "hosts:\n  - {name: h1, address: h1, containers: [a]}\n"
                     "  - {name: h2, address: h2, containers: [b]}\n",
                     "f.yaml:5: Volume \"v\" is used on two hosts (by \"a\" on \"h1\" and \"b\" on \"h2\"): a "
                     "volume lives on one host", "volume on two hosts");
        expect_error("containers:\n  - name: a\n    template: !!python/object busybox\n",
                     "f.yaml:3: Unsupported tag tag:yaml.org,2002:python/object for \"template\"", "foreign tag");
        expect_error("a: *nothing\n", "f.yaml:1: Alias *nothing refers to no anchor", "unknown alias");
        expect_error("containers: &c\n  - name: a\n    template: busybox\n    binds: *c\n",
                     "f.yaml:4: Alias *c refers to a node that contains it: a cycle", "cyclic alias");
}

/* ------------------------------------------------------------------------------------------------
 * Hostile YAML: each refused with a clear message, quickly, in bounded memory. */

static double now_sec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static long maxrss_kib(void) {
        struct rusage ru;

        getrusage(RUSAGE_SELF, &ru);
        return ru.ru_maxrss;
}

/* The maximum RSS may only grow, so the cases run from the cheapest up; each reports how much it
 * raised it. Limits: 1 s each (measured: milliseconds) and 64 MiB above the start. */
static long rss_start;

static void expect_hostile(const char *text, size_t size, const char *path, const char *expected_prefix,
                           const char *desc) {
        _cleanup_(fleet_freep) Fleet *f = NULL;
        _cleanup_free_ char *err = NULL;
        double t0, dt;
        long rss;
        int r;

        t0 = now_sec();
        r = path ? fleet_load(path, &f, &err) : fleet_parse(text, size, "f.yaml", &f, &err);
        dt = now_sec() - t0;
        rss = maxrss_kib();

        is_int(r, -EINVAL, "%s: refused", desc);
        ok(err && strneq(err, expected_prefix, strlen(expected_prefix)), "%s: message \"%s...\"", desc,
           expected_prefix);
        if (err)
                diag("%s", err);
        ok(dt < 1.0, "%s: refused in %.1f ms", desc, dt * 1000);
        ok(rss - rss_start < 64 * 1024, "%s: max RSS %ld KiB above the start", desc, rss - rss_start);
}

/* "a0: &a0 [x, x, ...]", then each level a list of aliases of the one before: 10^levels nodes. */
static char *billion_laughs(unsigned levels) {
        char *s = NULL;
        size_t n = 0;
        FILE *m = open_memstream(&s, &n);

        fputs("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n", m);
        for (unsigned i = 1; i <= levels; i++) {
                fprintf(m, "a%u: &a%u [", i, i);
                for (unsigned j = 0; j < 10; j++)
                        fprintf(m, "%s*a%u", j ? ", " : "", i - 1);
                fputs("]\n", m);
        }
        fclose(m);
        return s;
}

static char *repeated(const char *head, const char *unit, size_t count, const char *tail) {
        size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
        char *s = malloc(hl + ul * count + tl + 1), *p;

        if (!s)
                return NULL;
        p = stpcpy(s, head);
        for (size_t i = 0; i < count; i++)
                p = stpcpy(p, unit);
        strcpy(p, tail);
        return s;
}

static void test_hostile(void) {
        _cleanup_free_ char *laughs = billion_laughs(9), *deep = NULL, *deep_map = NULL, *wide = NULL,
                            *aliases = NULL;
        char path[] = "/tmp/test-fleet-big.XXXXXX";
        _cleanup_close_ int fd = -EBADF;
        char chunk[65536];

        rss_start = maxrss_kib();
        diag("max RSS at the start: %ld KiB", rss_start);

        expect_hostile(laughs, strlen(laughs), NULL, "f.yaml:", "billion laughs (10^9 nodes through aliases)");
        ok(strstr(laughs, "a9") != NULL, "the bomb has its 9 levels");

        deep = repeated("containers: ", "[", 100000, "");
        expect_hostile(deep, strlen(deep), NULL, "f.yaml:1: Nesting deeper than 32 levels",
                       "100,000 nested sequences");
        deep_map = repeated("", "{a: ", 50000, "");
        expect_hostile(deep_map, strlen(deep_map), NULL, "f.yaml:1: Nesting deeper than 32 levels",
                       "50,000 nested mappings");

        /* Just under the size limit, but too many nodes to load: 1.9 million scalars. */
        wide = repeated("containers: [", "a,", 1900000, "a]\n");
        expect_hostile(wide, strlen(wide), NULL, "f.yaml:1: The file has more than 100000 nodes",
                       "3.8 MB of scalars in one sequence");

        /* One anchor of 1,000 nodes aliased 1,000 times: 1,000,000 nodes to walk. */
        aliases = repeated("x: &x [a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a]\n"
                           "y: &y [*x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, "
                           "*x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, "
                           "*x, *x, *x, *x, *x, *x, *x, *x]\n"
                           "z: [", "*y, ", 1000, "*y]\n");
        expect_hostile(aliases, strlen(aliases), NULL, "f.yaml:3: The file has more than 100000 nodes",
                       "an anchor of 1,000 nodes aliased 1,000 times");

        /* 10 MB on disk: refused after reading 4 MiB + 1 byte. */
        fd = mkstemp(path);
        ok(fd >= 0, "temp file");
        if (fd < 0)
                return;
        memset(chunk, '#', sizeof(chunk));
        chunk[sizeof(chunk) - 1] = '\n';
        for (size_t written = 0; written < 10 * 1000 * 1000; written += sizeof(chunk))
                if (write(fd, chunk, sizeof(chunk)) != (ssize_t) sizeof(chunk))
                        break;
        expect_hostile(NULL, 0, path, "/tmp/test-fleet-big.", "a 10 MB file");
        (void) unlink(path);

        expect_hostile("containers: [{name: \"a\\0b\", template: busybox}]\n", 47, NULL,
                       "f.yaml:1: Value of \"name\" contains a NUL byte", "a NUL byte in a value");
        expect_hostile("\xff\xfe\x00garbage", 10, NULL, "f.yaml:1: ", "binary garbage");
        expect_hostile("containers: []\n---\ncontainers: []\n", 33, NULL, "f.yaml:2: Only one YAML document",
                       "two documents");
        diag("max RSS at the end: %ld KiB", maxrss_kib());
}

int main(void) {
        test_good();
        test_hosts();
        test_empty_and_aliases();
        test_addresses();
        test_errors();
        test_hostile();
        return done_testing();
}
