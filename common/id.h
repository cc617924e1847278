/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Container IDs: random (version 4) UUIDs in the canonical lower-case dashed form,
 * "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx". The same 128 bits, as 32 hex digits without dashes,
 * become the guest's /etc/machine-id and the machined registration id. */

#define ID_STRING_MAX 37U               /* 36 characters + NUL */
#define ID_MACHINE_ID_STRING_MAX 33U    /* 32 hex digits + NUL */

/* Returns 0, or a negative errno. */
int id_generate(char ret[static ID_STRING_MAX]);

/* Canonical form only: 36 characters, lower-case hex, dashes at 8, 13, 18 and 23. Any UUID
 * version is accepted (ids made elsewhere are fine), but not the nil UUID. */
bool id_is_valid(const char *s);

/* "0b0c…-…" → "0b0c…" (32 lower-case hex digits). -EINVAL if id is not valid. */
int id_to_machine_id(const char *id, char ret[static ID_MACHINE_ID_STRING_MAX]);
