/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"
#include "network-config.h"

/* The container configuration model: the whole of /var/lib/sysctr/containers/NAME/config.yaml, the
 * same schema as a container entry of a fleet file (documented in man/sysctr.yaml.5). The agent
 * reads it by itself, so it must be complete: defaults that came from the template are copied in at
 * create time.
 *
 *   name: web1                 # required, container_name_is_valid()
 *   id: 0b0c...-...            # required, UUID (lower case, with dashes)
 *   template: debian           # required, template_name_is_valid()
 *   release: bookworm          # optional
 *   image: debian-bookworm-amd64   # required: directory name under <state>/images/
 *   created: 2026-11-30T08:36:15Z  # optional, set by sysctrd: when the container was created (UTC)
 *   hostname: web1             # optional, defaults to name
 *   init: [/sbin/init]         # optional sequence of strings, default [/sbin/init]
 *   stop-signal: SIGRTMIN+3    # optional, default SIGRTMIN+3
 *   stop-timeout: 10           # optional, seconds (integer > 0), default 10
 *   privileged: false          # optional bool: no user namespace (not safe against a hostile root)
 *   id-base: 1073741824        # unprivileged only, set by sysctrd: host ID of the container's root;
 *                              # its IDs 0..65535 are host IDs id-base..id-base+65535
 *   autostart: false           # optional bool
 *   memory: 512M               # optional memory limit (K, M, G, T suffixes, powers of 1024)
 *   cpus: 1.5                  # optional CPU limit, in CPUs (up to three decimals)
 *   pids: 2048                 # optional limit of processes/threads
 *   binds: ["/srv/data:/data", "/etc/ssl/certs:/etc/ssl/certs:ro"]   # optional bind mounts (bind.h)
 *   volumes: ["data:/srv/data", "logs:/var/log/app:ro"]   # optional volumes (volume.h)
 *   tmpfs: ["/scratch:size=64M"]                           # optional tmpfs mounts (volume.h)
 *   network-mode: private      # optional: private (default) | none | host | container:NAME
 *   networks:                  # private mode: a link per entry, in order (eth0, eth1...); the
 *     - name: lan0             #   first carries the default routes. sysctrd fills in ip, ip6 and
 *       ip: 10.88.0.2          #   mac at create time (bridge networks); each is optional here
 *       ip6: fd42:1:2:3::2
 *       mac: "52:54:00:12:34:56"
 *     - phys                   #   (a plain name is an entry with only the name)
 *   publish: ["8080:80", "127.0.0.1:5353:53/udp"]    # ports published on the first bridge network
 *   allow-host: false          # optional bool: may reach every service of the host
 *
 * Unknown keys and wrong types are errors with "FILE:LINE: message" naming the key or value. */

#define CONFIG_DEFAULT_STOP_TIMEOUT_SEC 10U
/* An unprivileged container's user namespace maps this many IDs. */
#define CONFIG_ID_COUNT 65536U
/* id-base: above the host's own IDs; its last ID below (uid_t) -1. */
#define CONFIG_ID_BASE_MIN CONFIG_ID_COUNT
#define CONFIG_ID_BASE_MAX (UINT32_MAX - CONFIG_ID_COUNT)

typedef struct ContainerConfig {
        char *name;
        char *id;
        char *template;
        char *release;          /* NULL if unset */
        char *image;
        uint64_t created_usec;  /* µs since the epoch (whole seconds), 0: unknown */
        char *hostname;         /* NULL: use name */
        char **init;            /* strv, never empty after load/defaults */
        int stop_signal;
        unsigned stop_timeout_sec;
        bool privileged;
        uint32_t id_base;       /* unprivileged: host ID of the container's root, 0: not allocated */
        bool autostart;
        uint64_t memory_max;    /* bytes, 0: no limit */
        uint32_t cpu_millis;    /* thousandths of a CPU, 0: no limit */
        uint64_t tasks_max;     /* 0: no limit */
        char **binds;           /* "SRC:DST[:ro]" specs (bind.h), NULL: none */
        char **volumes;         /* "NAME:DST[:ro]" specs (volume.h), NULL: none */
        char **tmpfs;           /* "DST[:size=N,mode=M]" specs (volume.h), NULL: none */
        /* Networking (network-config.h) */
        NetworkMode network_mode;
        char *network_container;        /* NETWORK_MODE_CONTAINER: whose namespace it joins */
        ContainerNetwork *networks;
        size_t n_networks;
        char **publish;                 /* port-spec.h specs, NULL: none */
        bool allow_host;
} ContainerConfig;

/* More would not fit the host-side link names (paths.h: sysctr_veth_name()). */
#define CONTAINER_NETWORKS_MAX 32U

/* Allocated with defaults (init [/sbin/init], SIGRTMIN+3, 10 s, no autostart); strings NULL. */
ContainerConfig *container_config_new(void);
ContainerConfig *container_config_free(ContainerConfig *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(ContainerConfig *, container_config_free);

/* Checks required fields and each value (name, id, template, image, init absolute, signal,
 * timeout, binds, networks: names unique, only in private mode, host mode only if privileged, no
 * container joining itself; published ports valid and not conflicting). On error returns -EINVAL and, if ret_error, a message naming the bad field and value. */
int container_config_verify(const ContainerConfig *c, char **ret_error);
/* The same for a container entry of a fleet file, where the keys that sysctrd generates (id, image)
 * may be left out. */
int container_config_verify_entry(const ContainerConfig *c, char **ret_error);

/* Parse YAML text; filename is used in messages only. Returns -EINVAL with *ret_error
 * "FILE:LINE: message" for bad input, other negative errno for system errors. */
int container_config_parse(const char *text, size_t size, const char *filename, ContainerConfig **ret,
                           char **ret_error);
int container_config_load(const char *path, ContainerConfig **ret, char **ret_error);

/* Format as YAML (malloc'ed, NUL-terminated) / save atomically (mode 0600). */
int container_config_format(const ContainerConfig *c, char **ret);
int container_config_save(const ContainerConfig *c, const char *path);

/* A template's metadata: <template dir>/NAME/template.yaml.
 *
 *   description: "Minimal BusyBox system (offline)"
 *   init: [/sbin/init]
 *   stop-signal: SIGUSR2
 *   releases: [bookworm, trixie]   # optional; the first is the default
 *   image-name: "busybox"          # optional printf-less pattern; "%r" → release, "%a" → arch
 */
typedef struct TemplateInfo {
        char *name;
        char *description;
        char **init;
        int stop_signal;
        char **releases;
        char *image_name;
} TemplateInfo;

/* Allocated with defaults (init [/sbin/init], SIGRTMIN+3); strings NULL. */
TemplateInfo *template_info_new(void);
TemplateInfo *template_info_free(TemplateInfo *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(TemplateInfo *, template_info_free);
/* Checks the name, init, stop signal, releases (valid names, no duplicates) and the image-name
 * pattern ("%r", "%a", "%%" only). -EINVAL with *ret_error naming the field and value. */
int template_info_verify(const TemplateInfo *t, char **ret_error);
int template_info_parse(const char *text, size_t size, const char *filename, const char *name,
                        TemplateInfo **ret, char **ret_error);
int template_info_load(const char *path, const char *name, TemplateInfo **ret, char **ret_error);
/* Image directory name for a template, release (NULL: default) and arch, e.g. "debian-bookworm-amd64".
 * -EINVAL with *ret_error if release is not one of releases. */
int template_info_image_name(const TemplateInfo *t, const char *release, const char *arch, char **ret,
                             char **ret_error);

/* For the config modules: s double-quoted for an error message, with C escapes for '"', '\\' and
 * control characters and cut after 64 characters, so that a hostile value cannot forge log lines.
 * NULL on OOM. */
char *config_quote(const char *s);
