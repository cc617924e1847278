/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A tiny TAP producer for the unit tests, read by automake's tap-driver.sh:
 *
 *     ok(x > 0, "x is positive");
 *     is_int(f(), -EINVAL, "f() refuses %s", what);
 *     is_str(s, "web1", "name");
 *     return done_testing();
 *
 * done_testing() prints the plan ("1..N") if plan() was not called, and returns the exit status:
 * non-zero if any test failed or the count does not match the plan. */

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

static unsigned tap_count, tap_failures, tap_planned;

static inline void plan(unsigned n) {
        tap_planned = n;
        printf("1..%u\n", n);
        fflush(stdout);
}

static inline void diag(const char *format, ...) _printf_(1, 2);
static inline void diag(const char *format, ...) {
        va_list ap;

        fputs("# ", stdout);
        va_start(ap, format);
        vprintf(format, ap);
        va_end(ap);
        fputc('\n', stdout);
        fflush(stdout);
}

static inline bool tap_vok(bool cond, const char *file, int line, const char *format, va_list ap) {
        tap_count++;
        printf("%sok %u - ", cond ? "" : "not ", tap_count);
        vprintf(format, ap);
        fputc('\n', stdout);
        if (!cond) {
                tap_failures++;
                printf("# failed at %s:%d\n", file, line);
        }
        fflush(stdout);
        return cond;
}

static inline bool tap_ok(bool cond, const char *file, int line, const char *format, ...) _printf_(4, 5);
static inline bool tap_ok(bool cond, const char *file, int line, const char *format, ...) {
        va_list ap;
        bool b;

        va_start(ap, format);
        b = tap_vok(cond, file, line, format, ap);
        va_end(ap);
        return b;
}

static inline bool tap_is_int(long long got, long long expected, const char *file, int line,
                              const char *format, ...) _printf_(5, 6);
static inline bool tap_is_int(long long got, long long expected, const char *file, int line,
                              const char *format, ...) {
        va_list ap;
        bool b;

        va_start(ap, format);
        b = tap_vok(got == expected, file, line, format, ap);
        va_end(ap);
        if (!b)
                printf("#   got:      %lld\n#   expected: %lld\n", got, expected);
        return b;
}

static inline bool tap_is_str(const char *got, const char *expected, const char *file, int line,
                              const char *format, ...) _printf_(5, 6);
static inline bool tap_is_str(const char *got, const char *expected, const char *file, int line,
                              const char *format, ...) {
        bool same = (!got && !expected) || (got && expected && streq(got, expected));
        va_list ap;

        va_start(ap, format);
        tap_vok(same, file, line, format, ap);
        va_end(ap);
        if (!same)
                printf("#   got:      %s%s%s\n#   expected: %s%s%s\n",
                       got ? "\"" : "", got ?: "NULL", got ? "\"" : "",
                       expected ? "\"" : "", expected ?: "NULL", expected ? "\"" : "");
        return same;
}

/* A setup step the rest of the test depends on: on failure print "Bail out!" with the reason (the
 * tap driver reports it as an error) and exit. Not a test of its own. */
static inline void tap_require(bool cond, const char *expr, const char *file, int line) {
        if (cond)
                return;
        printf("Bail out! %s:%d: %s failed\n", file, line, expr);
        fflush(stdout);
        exit(1);
}
#define require(cond) tap_require(!!(cond), #cond, __FILE__, __LINE__)

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, expected, ...) \
        tap_is_int((long long) (got), (long long) (expected), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, expected, ...) tap_is_str((got), (expected), __FILE__, __LINE__, __VA_ARGS__)

/* A fresh directory below $TMPDIR (or /tmp); malloc'ed path, NULL on failure. The test removes it. */
static inline char *test_mkdtemp(const char *prefix) {
        const char *tmp = getenv("TMPDIR");
        char *p;

        if (asprintf(&p, "%s/%s.XXXXXX", isempty(tmp) ? "/tmp" : tmp, prefix) < 0)
                return NULL;
        if (!mkdtemp(p)) {
                free(p);
                return NULL;
        }
        return p;
}

static inline int done_testing(void) {
        if (tap_planned == 0)
                plan(tap_count);
        else if (tap_count != tap_planned) {
                diag("planned %u tests but ran %u", tap_planned, tap_count);
                return 1;
        }
        if (tap_failures > 0)
                diag("%u of %u tests failed", tap_failures, tap_count);
        return tap_failures > 0 ? 1 : 0;
}
