/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "config.h"

/* The a{sv} of CreateContainer and SetContainer, into a ContainerConfig. Each key may be given once;
 * a wrong type or value is InvalidArgs naming the key and the value.
 *
 *   release s (create only)  hostname s   init as   stop-signal s   stop-timeout u   autostart b
 *   memory t|s ("512M")      cpus d|s ("1.5")       pids t|s ("2048")
 *   binds as ("SRC:DST[:ro][,idmap]", replaces the list; bind.h)
 *   privileged b (create only: no user namespace; the guest's root is the host's)
 *   id-base u (create only: the first of the 65,536 host IDs of its user namespace, instead of one
 *              that sysctrd allocates)     shared-ids b (create only: id-base may overlap another's)
 *   networks as ("NETWORK[:ip=A,ip6=A,mac=M]" each, or one of "host", "none", "container:NAME";
 *                replaces the list; network-config.h)
 *   publish as ("[ADDR:]HOST:CONTAINER[/tcp|/udp]", replaces the list; port-spec.h)
 *   allow-host b
 *
 * For SetContainer, memory/cpus/pids "infinity" (or 0) removes the limit. */

typedef enum OptionMask {
        OPTION_RELEASE = 1 << 0,
        OPTION_HOSTNAME = 1 << 1,
        OPTION_INIT = 1 << 2,
        OPTION_STOP_SIGNAL = 1 << 3,
        OPTION_STOP_TIMEOUT = 1 << 4,
        OPTION_AUTOSTART = 1 << 5,
        OPTION_MEMORY = 1 << 6,
        OPTION_CPUS = 1 << 7,
        OPTION_PIDS = 1 << 8,
        OPTION_BINDS = 1 << 9,
        OPTION_PRIVILEGED = 1 << 10,
        OPTION_ID_BASE = 1 << 11,
        OPTION_SHARED_IDS = 1 << 12,
        OPTION_NETWORKS = 1 << 13,
        OPTION_PUBLISH = 1 << 14,
        OPTION_ALLOW_HOST = 1 << 15,
        OPTION_LIMITS = OPTION_MEMORY | OPTION_CPUS | OPTION_PIDS,
        OPTION_NETWORKING = OPTION_NETWORKS | OPTION_PUBLISH | OPTION_ALLOW_HOST,
        OPTIONS_CREATE = (1 << 16) - 1,
        OPTIONS_SET = OPTIONS_CREATE & ~(OPTION_RELEASE | OPTION_PRIVILEGED | OPTION_ID_BASE | OPTION_SHARED_IDS),
} OptionMask;

/* allowed: which keys are accepted here. *ret_given: which were given. */
typedef struct OptionExtra {
        bool shared_ids;
} OptionExtra;

/* extra: what is not part of the config (may be NULL when allowed has none of it). */
int options_parse(ContainerConfig *cfg, sd_bus_message *message, OptionMask allowed, OptionMask *ret_given,
                  OptionExtra *extra, sd_bus_error *error);
