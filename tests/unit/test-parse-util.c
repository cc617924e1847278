/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "parse-util.h"
#include "tap.h"

static void test_size(void) {
        static const struct {
                const char *s;
                uint64_t v;
        } good[] = {
                { "1", 1 }, { "512M", 512ULL << 20 }, { "1G", 1ULL << 30 }, { "1.5G", 3ULL << 29 },
                { "2k", 2048 }, { "4MiB", 4ULL << 20 }, { "100B", 100 }, { "1T", 1ULL << 40 },
        };
        static const char * const bad[] = { "", "0", "M", "-1", "1X", "1.5", "1.G", "1.2345G", "512 M",
                                            "99999999999999999999", "17000000000000P", "1GiBx" };
        uint64_t v;

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                ok(parse_size(good[i].s, &v) == 0, "parse_size(\"%s\") succeeds", good[i].s);
                is_int((long long) v, (long long) good[i].v, "parse_size(\"%s\")", good[i].s);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ok(parse_size(bad[i], &v) < 0, "parse_size(\"%s\") fails", bad[i]);
}

static void test_cpus(void) {
        uint32_t m;

        ok(parse_cpus("1.5", &m) == 0 && m == 1500, "1.5 CPUs");
        ok(parse_cpus("2", &m) == 0 && m == 2000, "2 CPUs");
        ok(parse_cpus("0.25", &m) == 0 && m == 250, "0.25 CPUs");
        ok(parse_cpus("0.001", &m) == 0 && m == 1, "0.001 CPUs");
        ok(parse_cpus("0", &m) < 0, "0 CPUs fails");
        ok(parse_cpus("1.", &m) < 0, "1. fails");
        ok(parse_cpus("1.0001", &m) < 0, "four decimals fail");
        ok(parse_cpus("-1", &m) < 0, "-1 fails");
        ok(parse_cpus("20000", &m) < 0, "20000 CPUs fail");
        ok(parse_cpus("1,5", &m) < 0, "1,5 fails");
}

static void test_count(void) {
        uint64_t v;

        ok(parse_count("2048", &v) == 0 && v == 2048, "2048");
        ok(parse_count("0", &v) < 0, "0 fails");
        ok(parse_count("12a", &v) < 0, "12a fails");
        ok(parse_count("", &v) < 0, "empty fails");
}

static void test_format(void) {
        char b[FORMAT_SIZE_MAX], c[FORMAT_CPUS_MAX];

        is_str(format_size(512ULL << 20, b), "512M", "format 512M");
        is_str(format_size(1ULL << 30, b), "1G", "format 1G");
        is_str(format_size(3ULL << 29, b), "1536M", "format 1.5G as 1536M");
        is_str(format_size(1000, b), "1000", "format 1000 bytes");
        is_str(format_cpus(1500, c), "1.5", "format 1.5 CPUs");
        is_str(format_cpus(2000, c), "2", "format 2 CPUs");
        is_str(format_cpus(250, c), "0.25", "format 0.25 CPUs");
        is_str(format_cpus(1, c), "0.001", "format 0.001 CPUs");
}

int main(void) {
        test_size();
        test_cpus();
        test_count();
        test_format();
        return done_testing();
}
