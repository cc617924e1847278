/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* SHA-256 (FIPS 180-4), for the integrity digest of archives and the content hash of images
 * (docs/storage.md). Written here rather than taken from a crypto library: nothing else needs one. */

#define SHA256_DIGEST_SIZE 32U
#define SHA256_HEX_SIZE (2U * SHA256_DIGEST_SIZE + 1U)

typedef struct Sha256 {
        uint32_t h[8];
        uint64_t length;
        uint8_t buffer[64];
        size_t used;
} Sha256;

void sha256_init(Sha256 *s);
void sha256_update(Sha256 *s, const void *data, size_t n);
void sha256_final(Sha256 *s, uint8_t ret[static SHA256_DIGEST_SIZE]);
void sha256_final_hex(Sha256 *s, char ret[static SHA256_HEX_SIZE]);
/* Where the CPU has SHA extensions (x86-64 SHA-NI) they are used; true: the portable code instead,
 * for the unit test, which checks both. */
void sha256_set_portable(bool b);
