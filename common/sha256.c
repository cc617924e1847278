/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "sha256.h"

/* SHA-256 as FIPS 180-4 specifies it: the first 32 bits of the fractional parts of the cube roots of
 * the first 64 primes (K) and of the square roots of the first 8 (the initial hash). */

static const uint32_t K[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

void sha256_init(Sha256 *s) {
        static const uint32_t h0[8] = {
                0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
        };

        memcpy(s->h, h0, sizeof(h0));
        s->length = 0;
        s->used = 0;
}

static void sha256_block(Sha256 *s, const uint8_t *p) {
        uint32_t w[64], a, b, c, d, e, f, g, h;

        for (size_t i = 0; i < 16; i++)
                w[i] = (uint32_t) p[4 * i] << 24 | (uint32_t) p[4 * i + 1] << 16 | (uint32_t) p[4 * i + 2] << 8 |
                       (uint32_t) p[4 * i + 3];
        for (size_t i = 16; i < 64; i++) {
                uint32_t s0 = ROTR(w[i - 15], 7) ^ ROTR(w[i - 15], 18) ^ (w[i - 15] >> 3),
                         s1 = ROTR(w[i - 2], 17) ^ ROTR(w[i - 2], 19) ^ (w[i - 2] >> 10);

                w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
        for (size_t i = 0; i < 64; i++) {
                uint32_t t1 = h + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i],
                         t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));

                h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
        }
        s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d;
        s->h[4] += e, s->h[5] += f, s->h[6] += g, s->h[7] += h;
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

/* The same compression with the CPU's SHA extensions (SHA-NI), several times faster: the archives'
 * digest and the images' content hash go over every byte of a container. The state is kept as the
 * instructions want it, in two registers: (A, B, E, F) and (C, D, G, H), A in the top lane. */
__attribute__((target("sha,sse4.1"))) static void sha256_block_shani(Sha256 *s, const uint8_t *p) {
        const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
        __m128i abcd, efgh, abef, cdgh, abef_saved, cdgh_saved, x[4], msg;

        abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *) &s->h[0]), 0xB1);   /* B A D C */
        efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *) &s->h[4]), 0x1B);   /* H G F E */
        abef = _mm_alignr_epi8(abcd, efgh, 8);                                          /* F E B A */
        cdgh = _mm_blend_epi16(efgh, abcd, 0xF0);                                       /* H G D C */
        abef_saved = abef, cdgh_saved = cdgh;

        for (size_t i = 0; i < 16; i++) {
                /* x[i % 4]: the message words 4i..4i+3, the first 16 from the block, the others
                 * W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16] four at a time. */
                if (i < 4)
                        x[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *) (p + 16 * i)), bswap);
                else
                        x[i % 4] = _mm_sha256msg2_epu32(
                                _mm_add_epi32(_mm_sha256msg1_epu32(x[i % 4], x[(i + 1) % 4]),
                                              _mm_alignr_epi8(x[(i + 3) % 4], x[(i + 2) % 4], 4)),
                                x[(i + 3) % 4]);
                msg = _mm_add_epi32(x[i % 4], _mm_loadu_si128((const __m128i *) &K[4 * i]));
                cdgh = _mm_sha256rnds2_epu32(cdgh, abef, msg);
                abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(msg, 0x0E));
        }
        abef = _mm_add_epi32(abef, abef_saved);
        cdgh = _mm_add_epi32(cdgh, cdgh_saved);

        abef = _mm_shuffle_epi32(abef, 0x1B);                                           /* A B E F */
        cdgh = _mm_shuffle_epi32(cdgh, 0xB1);                                           /* G H C D */
        _mm_storeu_si128((__m128i *) &s->h[0], _mm_blend_epi16(abef, cdgh, 0xF0));     /* A B C D */
        _mm_storeu_si128((__m128i *) &s->h[4], _mm_alignr_epi8(cdgh, abef, 8));        /* E F G H */
}

static bool portable_only = false;

void sha256_set_portable(bool b) {
        portable_only = b;
}

static bool cpu_has_shani(void) {
        static int cached = -1;
        unsigned a, b, c, d;

        if (portable_only)
                return false;
        if (cached < 0)
                cached = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1U << 29)) &&    /* SHA */
                         __get_cpuid(1, &a, &b, &c, &d) && (c & (1U << 19));             /* SSE4.1 */
        return cached;
}
#else
void sha256_set_portable(bool b) {
        (void) b;       /* the portable code is all there is */
}
#endif

static void compress(Sha256 *s, const uint8_t *p) {
#if defined(__x86_64__)
        if (cpu_has_shani()) {
                sha256_block_shani(s, p);
                return;
        }
#endif
        sha256_block(s, p);
}

void sha256_update(Sha256 *s, const void *data, size_t n) {
        const uint8_t *p = data;

        s->length += n;
        if (s->used > 0) {
                size_t k = MIN(n, sizeof(s->buffer) - s->used);

                memcpy(s->buffer + s->used, p, k);
                s->used += k, p += k, n -= k;
                if (s->used < sizeof(s->buffer))
                        return;
                compress(s, s->buffer);
                s->used = 0;
        }
        for (; n >= 64; p += 64, n -= 64)
                compress(s, p);
        memcpy(s->buffer, p, n);
        s->used = n;
}

void sha256_final(Sha256 *s, uint8_t ret[static SHA256_DIGEST_SIZE]) {
        uint64_t bits = s->length * 8;
        uint8_t pad = 0x80, len[8];

        sha256_update(s, &pad, 1);
        pad = 0;
        while (s->used != 56)
                sha256_update(s, &pad, 1);
        for (size_t i = 0; i < 8; i++)
                len[i] = (uint8_t) (bits >> (56 - 8 * i));
        sha256_update(s, len, 8);
        for (size_t i = 0; i < 8; i++) {
                ret[4 * i] = (uint8_t) (s->h[i] >> 24);
                ret[4 * i + 1] = (uint8_t) (s->h[i] >> 16);
                ret[4 * i + 2] = (uint8_t) (s->h[i] >> 8);
                ret[4 * i + 3] = (uint8_t) s->h[i];
        }
}

void sha256_final_hex(Sha256 *s, char ret[static SHA256_HEX_SIZE]) {
        uint8_t d[SHA256_DIGEST_SIZE];

        sha256_final(s, d);
        for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++)
                (void) snprintf(ret + 2 * i, 3, "%02x", d[i]);
}
