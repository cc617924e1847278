/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the fleet loader (common/fleet-yaml.c, and through it config.yaml's container parser).
 * Every input must give a fleet or -EINVAL with a message, never a crash, a leak or a hang. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fleet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(fleet_freep) Fleet *f = NULL;
        _cleanup_free_ char *err = NULL;
        int r;

        r = fleet_parse((const char *) data, size, "fuzz.yaml", &f, &err);
        if (r == -ENOMEM)
                return 0;
        /* Refused with a message, or parsed with no message. */
        assert(r == 0 || r == -EINVAL);
        assert(r < 0 ? err && !f : f && !err);
        return 0;
}
