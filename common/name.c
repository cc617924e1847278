/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "macro.h"
#include "name.h"

static bool char_is_lower_alnum(char c) {
        /* Not islower()/isdigit(): those depend on the locale. */
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool string_is_all_digits(const char *s) {
        for (const char *p = s; *p; p++)
                if (*p < '0' || *p > '9')
                        return false;
        return true;
}

/* First and last character from [a-z0-9], every character from [a-z0-9] or extra, length 1..max,
 * and (unless allow_digits) not all digits. */
static bool name_check(const char *s, size_t max, const char *extra, bool allow_digits) {
        size_t n;

        if (!s)
                return false;

        n = strlen(s);
        if (n == 0 || n > max)
                return false;

        if (!char_is_lower_alnum(s[0]) || !char_is_lower_alnum(s[n - 1]))
                return false;

        for (size_t i = 0; i < n; i++)
                if (!char_is_lower_alnum(s[i]) && !strchr(extra, s[i]))
                        return false;

        return allow_digits || !string_is_all_digits(s);
}

bool container_name_is_valid(const char *s) {
        return name_check(s, CONTAINER_NAME_MAX, "-", false);
}

bool template_name_is_valid(const char *s) {
        return name_check(s, CONTAINER_NAME_MAX, "-", false);
}

bool image_name_is_valid(const char *s) {
        return name_check(s, IMAGE_NAME_MAX, "-._", false);
}

bool release_name_is_valid(const char *s) {
        return name_check(s, CONTAINER_NAME_MAX, "-._", true);
}

static bool char_is_alnum(char c) {
        return char_is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

bool hostname_is_valid(const char *s) {
        size_t label = 0;

        if (!s || !s[0] || strlen(s) > HOSTNAME_MAX)
                return false;

        for (const char *p = s; *p; p++) {
                if (*p == '.') {
                        /* Empty label, or one that ends in '-'. */
                        if (label == 0 || p[-1] == '-')
                                return false;
                        label = 0;
                        continue;
                }
                if (!char_is_alnum(*p) && *p != '-')
                        return false;
                if (label == 0 && *p == '-')
                        return false;
                if (++label > 63)
                        return false;
        }

        return label > 0 && s[strlen(s) - 1] != '-';
}

bool network_name_is_valid(const char *s) {
        /* --network takes these words for namespace modes (network-config.h), never as names. */
        if (s && (streq(s, "host") || streq(s, "none") || streq(s, "container") || streq(s, "private")))
                return false;
        return name_check(s, CONTAINER_NAME_MAX, "-", false);
}

bool ifname_is_valid(const char *s) {
        size_t n;

        if (isempty(s) || streq(s, ".") || streq(s, ".."))
                return false;
        n = strlen(s);
        if (n > IFNAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];

                if (c <= ' ' || c >= 0x7f || c == '/' || c == ':' || c == '%')
                        return false;
        }
        return true;
}
