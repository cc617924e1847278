/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Resource limits as users write them (CLI, YAML, D-Bus strings), as systemd does: sizes with the
 * suffixes K, M, G, T (powers of 1024, an optional "B"/"iB"), CPUs as a decimal with up to three
 * places ("1.5"), counts as plain positive integers. All reject garbage, zero and overflow. */

int parse_size(const char *s, uint64_t *ret);           /* "512M" → 536870912 */
int parse_cpus(const char *s, uint32_t *ret_millis);    /* "1.5" → 1500 */
int parse_count(const char *s, uint64_t *ret);          /* "2048" → 2048 */

/* "512M", "1G", "1536K", or plain bytes; buf of at least FORMAT_SIZE_MAX. */
#define FORMAT_SIZE_MAX 32
const char *format_size(uint64_t bytes, char buf[static FORMAT_SIZE_MAX]);
/* "1.5", "2", "0.25"; buf of at least FORMAT_CPUS_MAX. */
#define FORMAT_CPUS_MAX 16
const char *format_cpus(uint32_t millis, char buf[static FORMAT_CPUS_MAX]);

/* Time stamps as config.yaml keeps them: RFC 3339 in UTC with whole seconds, "2026-11-30T08:36:15Z".
 * µs since the epoch (a multiple of 1000000). */
#define FORMAT_TIMESTAMP_MAX 32
int parse_timestamp_utc(const char *s, uint64_t *ret_usec);
const char *format_timestamp_utc(uint64_t usec, char buf[static FORMAT_TIMESTAMP_MAX]);
