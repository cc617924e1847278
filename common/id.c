/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <uuid/uuid.h>

#include "id.h"
#include "macro.h"

int id_generate(char ret[static ID_STRING_MAX]) {
        uuid_t u;

        /* uuid_generate_random() reads getrandom()/urandom; never the time/MAC based variant,
         * which would leak the host's MAC address into every guest's machine-id. */
        uuid_generate_random(u);
        if (uuid_is_null(u))
                return -EIO;

        uuid_unparse_lower(u, ret);
        return 0;
}

static bool is_dash_position(size_t i) {
        return i == 8 || i == 13 || i == 18 || i == 23;
}

static bool char_is_lower_hex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool id_is_valid(const char *s) {
        bool nonzero = false;

        if (!s || strlen(s) != ID_STRING_MAX - 1)
                return false;

        /* Not uuid_parse(): it also accepts upper case, and we want one spelling per id so that
         * ids compare with streq(). */
        for (size_t i = 0; i < ID_STRING_MAX - 1; i++) {
                if (is_dash_position(i)) {
                        if (s[i] != '-')
                                return false;
                        continue;
                }
                if (!char_is_lower_hex(s[i]))
                        return false;
                if (s[i] != '0')
                        nonzero = true;
        }

        return nonzero;
}

int id_to_machine_id(const char *id, char ret[static ID_MACHINE_ID_STRING_MAX]) {
        size_t k = 0;

        if (!id_is_valid(id))
                return -EINVAL;

        for (const char *p = id; *p; p++)
                if (*p != '-')
                        ret[k++] = *p;
        ret[k] = '\0';

        return 0;
}
