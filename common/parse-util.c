/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "macro.h"
#include "parse-util.h"

static int parse_digits(const char **p, uint64_t *ret) {
        uint64_t v = 0;
        const char *s = *p;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        for (; *s >= '0' && *s <= '9'; s++) {
                if (v > (UINT64_MAX - (uint64_t) (*s - '0')) / 10)
                        return -ERANGE;
                v = v * 10 + (uint64_t) (*s - '0');
        }
        *p = s;
        *ret = v;
        return 0;
}

int parse_count(const char *s, uint64_t *ret) {
        uint64_t v;
        int r;

        r = parse_digits(&s, &v);
        if (r < 0)
                return r;
        if (*s || v == 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

int parse_size(const char *s, uint64_t *ret) {
        static const struct {
                char suffix;
                unsigned shift;
        } units[] = { { 'K', 10 }, { 'M', 20 }, { 'G', 30 }, { 'T', 40 }, { 'P', 50 } };
        uint64_t v, frac = 0, frac_div = 1;
        unsigned shift = 0;
        int r;

        r = parse_digits(&s, &v);
        if (r < 0)
                return r;
        /* "1.5G" is fine, as with systemd; up to three decimals. */
        if (*s == '.') {
                s++;
                for (int i = 0; *s >= '0' && *s <= '9'; s++, i++) {
                        if (i >= 3)
                                return -EINVAL;
                        frac = frac * 10 + (uint64_t) (*s - '0');
                        frac_div *= 10;
                }
                if (frac_div == 1)
                        return -EINVAL;
        }
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (*s == units[i].suffix || *s == units[i].suffix + ('a' - 'A')) {
                        shift = units[i].shift;
                        s++;
                        break;
                }
        if (streq(s, "iB") && shift > 0)
                s += 2;
        else if (streq(s, "B"))
                s++;
        if (*s || (shift == 0 && frac > 0))
                return -EINVAL;
        if (shift > 0 && v > (UINT64_MAX >> shift))
                return -ERANGE;
        v = (v << shift) + ((frac << shift) / frac_div);
        if (v == 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

int parse_cpus(const char *s, uint32_t *ret_millis) {
        uint64_t whole, frac = 0;
        int r, places = 0;

        r = parse_digits(&s, &whole);
        if (r < 0)
                return r;
        if (*s == '.') {
                s++;
                for (; *s >= '0' && *s <= '9'; s++) {
                        if (++places > 3)
                                return -EINVAL;
                        frac = frac * 10 + (uint64_t) (*s - '0');
                }
                if (places == 0)
                        return -EINVAL;
        }
        if (*s)
                return -EINVAL;
        for (; places < 3; places++)
                frac *= 10;
        /* 10000 CPUs is more than any machine; it keeps the arithmetic far from overflow. */
        if (whole > 10000)
                return -ERANGE;
        if (whole * 1000 + frac == 0)
                return -EINVAL;
        *ret_millis = (uint32_t) (whole * 1000 + frac);
        return 0;
}

const char *format_size(uint64_t bytes, char buf[static FORMAT_SIZE_MAX]) {
        static const char suffixes[] = "KMGTP";

        for (int i = 4; i >= 0; i--) {
                unsigned shift = 10 * (unsigned) (i + 1);

                if (bytes >= (1ULL << shift) && bytes % (1ULL << shift) == 0) {
                        (void) snprintf(buf, FORMAT_SIZE_MAX, "%llu%c", (unsigned long long) (bytes >> shift),
                                        suffixes[i]);
                        return buf;
                }
        }
        (void) snprintf(buf, FORMAT_SIZE_MAX, "%llu", (unsigned long long) bytes);
        return buf;
}

const char *format_cpus(uint32_t millis, char buf[static FORMAT_CPUS_MAX]) {
        if (millis % 1000 == 0)
                (void) snprintf(buf, FORMAT_CPUS_MAX, "%u", millis / 1000);
        else if (millis % 100 == 0)
                (void) snprintf(buf, FORMAT_CPUS_MAX, "%u.%u", millis / 1000, (millis % 1000) / 100);
        else if (millis % 10 == 0)
                (void) snprintf(buf, FORMAT_CPUS_MAX, "%u.%02u", millis / 1000, (millis % 1000) / 10);
        else
                (void) snprintf(buf, FORMAT_CPUS_MAX, "%u.%03u", millis / 1000, millis % 1000);
        return buf;
}

int parse_timestamp_utc(const char *s, uint64_t *ret_usec) {
        struct tm tm = {};
        const char *end;
        time_t t;

        /* strptime() accepts one-digit fields and blanks; check the exact form first. */
        if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
            s[19] != 'Z')
                return -EINVAL;
        end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (!end || *end)
                return -EINVAL;
        t = timegm(&tm);
        if (t <= 0)
                return -EINVAL;
        *ret_usec = (uint64_t) t * USEC_PER_SEC;
        return 0;
}

const char *format_timestamp_utc(uint64_t usec, char buf[static FORMAT_TIMESTAMP_MAX]) {
        time_t t = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;

        if (!gmtime_r(&t, &tm) || strftime(buf, FORMAT_TIMESTAMP_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                buf[0] = '\0';
        return buf;
}
