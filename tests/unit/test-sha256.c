/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sha256.h"
#include "tap.h"

static void check(const char *input, size_t repeat, const char *expected) {
        char hex[SHA256_HEX_SIZE];
        Sha256 s;

        sha256_init(&s);
        for (size_t i = 0; i < repeat; i++)
                sha256_update(&s, input, strlen(input));
        sha256_final_hex(&s, hex);
        is_str(hex, expected, "sha256 of \"%.20s\" x %zu", input, repeat);
}

static void check_all(void) {
        /* FIPS 180-4 examples; the last, 189 bytes across block boundaries, checked with sha256sum(1). */
        check("", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        check("abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        check("a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
        check("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", 3,
              "95403ae5e4aae7e73c3b3cbd7a863ae944928b7705584893f6b3f18a457f0e74");
}

int main(void) {
        /* The CPU's SHA extensions where it has them, then the portable code: the same digests. */
        check_all();
        sha256_set_portable(true);
        check_all();
        return done_testing();
}
