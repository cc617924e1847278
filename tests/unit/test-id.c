/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "id.h"
#include "tap.h"

static void test_generate(void) {
        char a[ID_STRING_MAX], b[ID_STRING_MAX], m[ID_MACHINE_ID_STRING_MAX];

        is_int(id_generate(a), 0, "id_generate() works");
        is_int(id_generate(b), 0, "id_generate() works twice");
        ok(id_is_valid(a), "generated id %s is valid", a);
        ok(!streq(a, b), "two ids differ");
        is_int(strlen(a), 36, "36 characters");
        ok(a[14] == '4', "version 4 (random)");
        ok(strchr("89ab", a[19]), "RFC 4122 variant");
        ok(!strpbrk(a, "ABCDEF"), "lower case");

        is_int(id_to_machine_id(a, m), 0, "id_to_machine_id()");
        is_int(strlen(m), 32, "machine id has 32 characters");
        ok(!strchr(m, '-'), "machine id has no dashes");
        ok(strneq(m, a, 8) && strneq(m + 8, a + 9, 4), "machine id keeps the digits in order");
}

static void test_valid(void) {
        static const char * const bad[] = {
                "", "0b0c1d2e-3f40-4152-8637-48596a7b8c9", "0b0c1d2e-3f40-4152-8637-48596a7b8c9d0",
                "0B0C1D2E-3F40-4152-8637-48596A7B8C9D", "0b0c1d2e3f4041528637-48596a7b8c9d0000",
                "0b0c1d2e_3f40-4152-8637-48596a7b8c9d", "0b0c1d2e-3f40-4152-8637-48596a7b8c9g",
                "00000000-0000-0000-0000-000000000000", "{0b0c1d2e-3f40-4152-8637-48596a7b8c9d}",
                "0b0c1d2e3f40415286374859 6a7b8c9d",
        };
        char m[ID_MACHINE_ID_STRING_MAX];

        ok(id_is_valid("0b0c1d2e-3f40-4152-8637-48596a7b8c9d"), "canonical id is valid");
        ok(!id_is_valid(NULL), "NULL is not an id");
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ok(!id_is_valid(bad[i]), "\"%s\" is not an id", bad[i]);

        is_int(id_to_machine_id("0b0c1d2e-3f40-4152-8637-48596a7b8c9d", m), 0, "known id converts");
        is_str(m, "0b0c1d2e3f40415286374859" "6a7b8c9d", "known machine id");
        is_int(id_to_machine_id("nope", m), -EINVAL, "bad id does not convert");
}

int main(void) {
        test_generate();
        test_valid();
        return done_testing();
}
