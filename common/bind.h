/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "macro.h"

/* Bind mounts from the host into a container, as Docker's "-v SRC:DST[:OPTIONS]": "SRC:DST" or
 * "SRC:DST:ro" (or ":rw"), and ":idmap" (also "ro,idmap"): in an unprivileged container the files
 * are seen through the container's ID mapping (an idmapped mount), so that what host root owns is
 * owned by the container's root; without it they keep their host owners, as nobody where those are
 * outside the container's range. Both paths absolute and normalized (no "." or ".." components, no "//",
 * no trailing "/"), no ':' in them; DST not "/" and not inside /proc, /sys or /dev, which the agent
 * owns. The config keeps the spec strings ("binds:" in config.yaml). */

typedef struct BindSpec {
        char *source;
        char *target;
        bool read_only;
        bool idmap;             /* unprivileged containers: host root's files are the container root's */
} BindSpec;

void bind_spec_done(BindSpec *b);
/* -EINVAL for an invalid spec. */
int bind_spec_parse(const char *s, BindSpec *ret);
bool bind_spec_is_valid(const char *s);
