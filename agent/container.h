/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "macro.h"

/* Starting the container's init: clone into new namespaces (directly into payload/ with
 * clone3(CLONE_INTO_CGROUP)), then a list of named steps in the child (container.c) that the parent
 * follows over a socketpair, LXC start.c style. Everything the child needs is computed before the
 * clone, so a failing step can be reported by name with its errno. */

typedef struct ContainerLaunch {
        const char *lower, *upper, *work;       /* overlay layers (host paths) */
        const char *rootfs;                     /* host directory the overlay is mounted on */
        const char *hostname;
        char * const *init;                     /* argv of the container's init */
        const char *id;                         /* UUID, as in the config */
        const char *console;                    /* pty slave that becomes /dev/console, or NULL */
        const char *payload_cgroup;             /* cgroup2 path for the container */
        char * const *payload_v1;               /* absolute v1 cgroup dirs to join first, or NULL */
        const char *notify_dir;                 /* host dir bound onto /run/host/notify, or NULL */
        const char *os_release;                 /* text for /run/host/os-release, or NULL */
        char * const *binds;                    /* the config's bind specs, or NULL */
        /* Unprivileged containers: a user namespace maps the container's IDs 0..65535 to the host's
         * id_base..id_base+65535 (0: privileged, no user namespace), and the image is seen through
         * an idmapped tree attached at lower_stage (a directory the container's root can reach). */
        uint32_t id_base;
        const char *lower_stage;
        /* Networking (network.h) */
        bool share_netns;                       /* no network namespace of its own: the caller's */
        int (*network_setup)(pid_t child, void *userdata);     /* the child's new namespace is there
                                                                * and the child waits: plumb it */
        void *network_userdata;
        const char *resolv_conf;                /* text for the guest's etc/resolv.conf, or NULL */
} ContainerLaunch;

typedef struct ContainerStarted {
        pid_t pid;                              /* host pid of the init */
        bool init_is_systemd;                   /* it will send READY=1 on the notify socket */
} ContainerStarted;

/* Returns once the child has exec'd the init, or failed; on failure the child is reaped and
 * *ret_error (if not NULL) is a one-line reason naming the failed step. */
int container_launch(const ContainerLaunch *l, ContainerStarted *ret, char **ret_error);
