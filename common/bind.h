/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "macro.h"

/* Bind mounts from the host into a container, as Docker's "-v SRC:DST[:ro]": "SRC:DST" or
 * "SRC:DST:ro" (or ":rw"). Both paths absolute and normalized (no "." or ".." components, no "//",
 * no trailing "/"), no ':' in them; DST not "/" and not inside /proc, /sys or /dev, which the agent
 * owns. The config keeps the spec strings ("binds:" in config.yaml). */

typedef struct BindSpec {
        char *source;
        char *target;
        bool read_only;
} BindSpec;

void bind_spec_done(BindSpec *b);
/* -EINVAL for an invalid spec. */
int bind_spec_parse(const char *s, BindSpec *ret);
bool bind_spec_is_valid(const char *s);
