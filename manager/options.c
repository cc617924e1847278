/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdio.h>

#include "bind.h"
#include "network-config.h"
#include "options.h"
#include "port-spec.h"
#include "parse-util.h"
#include "signal-util.h"
#include "strv.h"
#include "volume.h"

typedef struct Option {
        const char *key;
        OptionMask mask;
        const char *types;      /* accepted D-Bus types: one of these letters ("init": exactly "as") */
} Option;

static const Option options[] = {
        { "release", OPTION_RELEASE, "s" },
        { "hostname", OPTION_HOSTNAME, "s" },
        { "init", OPTION_INIT, "as" },
        { "stop-signal", OPTION_STOP_SIGNAL, "s" },
        { "stop-timeout", OPTION_STOP_TIMEOUT, "u" },
        { "autostart", OPTION_AUTOSTART, "b" },
        { "memory", OPTION_MEMORY, "ts" },
        { "cpus", OPTION_CPUS, "ds" },
        { "pids", OPTION_PIDS, "ts" },
        { "binds", OPTION_BINDS, "as" },
        { "privileged", OPTION_PRIVILEGED, "b" },
        { "id-base", OPTION_ID_BASE, "u" },
        { "shared-ids", OPTION_SHARED_IDS, "b" },
        { "volumes", OPTION_VOLUMES, "as" },
        { "tmpfs", OPTION_TMPFS, "as" },
        { "networks", OPTION_NETWORKS, "as" },
        { "publish", OPTION_PUBLISH, "as" },
        { "allow-host", OPTION_ALLOW_HOST, "b" },
};

#define STRV_OPTIONS (OPTION_INIT | OPTION_BINDS | OPTION_MOUNTS | OPTION_NETWORKS | OPTION_PUBLISH)

static int invalid(sd_bus_error *error, const char *key, const char *value, const char *hint) {
        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid value \"%s\" for \"%s\": %s.", value,
                                 key, hint);
}

static bool is_unlimited(const char *s) {
        return streq(s, "infinity") || streq(s, "none") || streq(s, "0");
}

/* memory, cpus, pids: a number of the natural D-Bus type, or a string as users write it. */
static int parse_limit(ContainerConfig *cfg, sd_bus_message *m, const Option *o, char type, sd_bus_error *error) {
        const char *s = NULL;
        uint64_t v = 0;
        uint32_t millis = 0;
        double d;
        int r;

        if (type == 's') {
                r = sd_bus_message_read(m, "v", "s", &s);
                if (r < 0)
                        return r;
                if (is_unlimited(s))
                        v = 0, millis = 0;
                else if (o->mask == OPTION_MEMORY && parse_size(s, &v) < 0)
                        return invalid(error, o->key, s, "expected a size such as 512M or 2G, or infinity");
                else if (o->mask == OPTION_CPUS && parse_cpus(s, &millis) < 0)
                        return invalid(error, o->key, s, "expected a number of CPUs such as 1.5, or infinity");
                else if (o->mask == OPTION_PIDS && parse_count(s, &v) < 0)
                        return invalid(error, o->key, s, "expected a positive integer, or infinity");
        } else if (type == 'd') {
                char buf[32];

                r = sd_bus_message_read(m, "v", "d", &d);
                if (r < 0)
                        return r;
                (void) snprintf(buf, sizeof(buf), "%g", d);
                /* Written so that NaN fails too (every comparison with NaN is false): converting
                 * it to an integer is undefined behaviour. Found by tests/fuzz/fuzz-options.c. */
                if (!(d >= 0 && d <= 10000) || (d > 0 && d < 0.001))
                        return invalid(error, o->key, buf, "expected a number of CPUs between 0.001 and 10000");
                millis = (uint32_t) (d * 1000 + 0.5);
        } else {
                r = sd_bus_message_read(m, "v", "t", &v);
                if (r < 0)
                        return r;
        }

        if (o->mask == OPTION_MEMORY)
                cfg->memory_max = v;
        else if (o->mask == OPTION_CPUS)
                cfg->cpu_millis = millis;
        else
                cfg->tasks_max = v;
        return 0;
}

/* A variant holding "as". */
static int read_strv_variant(sd_bus_message *m, char ***ret) {
        int r;

        r = sd_bus_message_enter_container(m, 'v', "as");
        if (r < 0)
                return r;
        r = sd_bus_message_read_strv(m, ret);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int parse_binds(ContainerConfig *cfg, sd_bus_message *m, sd_bus_error *error) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        r = read_strv_variant(m, &l);
        if (r < 0)
                return r;
        STRV_FOREACH(b, l)
                if (!bind_spec_is_valid(*b))
                        return invalid(error, "binds", *b,
                                       "expected SOURCE:TARGET[:OPTIONS] (options ro, rw, idmap) with absolute "
                                       "paths, the target not /, /proc, /sys or /dev");
        strv_free(cfg->binds);
        cfg->binds = strv_length(l) > 0 ? TAKE_PTR(l) : NULL;
        return 0;
}

/* volumes, tmpfs: each spec valid (whether the volume exists is the caller's to check). */
static int parse_mount_list(ContainerConfig *cfg, sd_bus_message *m, OptionMask which, sd_bus_error *error) {
        _cleanup_strv_free_ char **l = NULL;
        char ***target = which == OPTION_VOLUMES ? &cfg->volumes : &cfg->tmpfs;
        int r;

        r = read_strv_variant(m, &l);
        if (r < 0)
                return r;
        STRV_FOREACH(s, l)
                if (which == OPTION_VOLUMES ? !volume_spec_is_valid(*s) : !tmpfs_spec_is_valid(*s))
                        return invalid(error, which == OPTION_VOLUMES ? "volumes" : "tmpfs", *s,
                                       which == OPTION_VOLUMES ?
                                       "expected VOLUME:TARGET[:ro] with an absolute, normalized target, not /, "
                                       "/proc, /sys or /dev" :
                                       "expected TARGET[:size=SIZE,mode=OCTAL] with an absolute, normalized target, "
                                       "not /, /proc, /sys or /dev");
        strv_free(*target);
        *target = strv_length(l) > 0 ? TAKE_PTR(l) : NULL;
        return 0;
}

/* The attachments, or one mode word alone; what the networks were before is replaced. */
static int parse_networks(ContainerConfig *cfg, sd_bus_message *m, sd_bus_error *error) {
        _cleanup_strv_free_ char **l = NULL;
        ContainerNetwork *list = NULL;
        size_t n = 0;
        int r;

        r = read_strv_variant(m, &l);
        if (r < 0)
                return r;
        list = calloc(strv_length(l) + 1, sizeof(ContainerNetwork));
        if (!list)
                return -ENOMEM;
        cfg->network_mode = NETWORK_MODE_PRIVATE;
        cfg->network_container = mfree(cfg->network_container);
        STRV_FOREACH(s, l) {
                _cleanup_free_ char *err = NULL, *other = NULL;
                NetworkMode mode;

                r = network_attachment_from_string(*s, &mode, &list[n], &other, &err);
                if (r == -EINVAL)
                        r = sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid network \"%s\": %s.", *s,
                                              strna(err));
                else if (r >= 0 && mode != NETWORK_MODE_PRIVATE && strv_length(l) > 1)
                        r = sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                              "Network \"%s\" must be the only one: it names the namespace itself "
                                              "(host, none or container:NAME).", *s);
                if (r < 0) {
                        container_networks_free(list, n);
                        return r;
                }
                if (mode == NETWORK_MODE_PRIVATE)
                        n++;
                else {
                        cfg->network_mode = mode;
                        cfg->network_container = TAKE_PTR(other);
                }
        }
        container_networks_free(cfg->networks, cfg->n_networks);
        cfg->networks = list;
        cfg->n_networks = n;
        return 0;
}

static int parse_publish(ContainerConfig *cfg, sd_bus_message *m, sd_bus_error *error) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        r = read_strv_variant(m, &l);
        if (r < 0)
                return r;
        STRV_FOREACH(p, l) {
                PortSpec spec;

                if (port_spec_from_string(*p, &spec) < 0)
                        return invalid(error, "publish", *p,
                                       "expected [ADDRESS:]HOST-PORT:CONTAINER-PORT[/tcp|/udp] such as 8080:80");
        }
        strv_free(cfg->publish);
        cfg->publish = strv_length(l) > 0 ? TAKE_PTR(l) : NULL;
        return 0;
}

static int parse_init(ContainerConfig *cfg, sd_bus_message *m, sd_bus_error *error) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        r = read_strv_variant(m, &l);
        if (r < 0)
                return r;
        if (strv_length(l) == 0 || l[0][0] != '/')
                return invalid(error, "init", l && l[0] ? l[0] : "", "expected a command starting with an absolute path");
        strv_free(cfg->init);
        cfg->init = TAKE_PTR(l);
        return 0;
}

static int parse_one(ContainerConfig *cfg, OptionExtra *extra, sd_bus_message *m, const Option *o, char type,
                     sd_bus_error *error) {
        const char *s;
        uint32_t u;
        int b, r;

        switch (o->mask) {
        case OPTION_RELEASE:
        case OPTION_HOSTNAME: {
                char **target = o->mask == OPTION_RELEASE ? &cfg->release : &cfg->hostname;

                r = sd_bus_message_read(m, "v", "s", &s);
                if (r < 0)
                        return r;
                free(*target);
                *target = strdup(s);
                return *target ? 0 : -ENOMEM;
        }
        case OPTION_INIT:
                return parse_init(cfg, m, error);
        case OPTION_BINDS:
                return parse_binds(cfg, m, error);
        case OPTION_VOLUMES:
        case OPTION_TMPFS:
                return parse_mount_list(cfg, m, o->mask, error);
        case OPTION_NETWORKS:
                return parse_networks(cfg, m, error);
        case OPTION_PUBLISH:
                return parse_publish(cfg, m, error);
        case OPTION_ALLOW_HOST:
                r = sd_bus_message_read(m, "v", "b", &b);
                if (r < 0)
                        return r;
                cfg->allow_host = b;
                return 0;
        case OPTION_STOP_SIGNAL:
                r = sd_bus_message_read(m, "v", "s", &s);
                if (r < 0)
                        return r;
                r = signal_from_string(s);
                if (r < 0 || r == SIGKILL || r == SIGSTOP)
                        return invalid(error, o->key, s, "expected a signal name such as SIGRTMIN+3 or SIGUSR2");
                cfg->stop_signal = r;
                return 0;
        case OPTION_STOP_TIMEOUT:
                r = sd_bus_message_read(m, "v", "u", &u);
                if (r < 0)
                        return r;
                if (u == 0)
                        return invalid(error, o->key, "0", "expected at least 1 second");
                cfg->stop_timeout_sec = u;
                return 0;
        case OPTION_AUTOSTART:
        case OPTION_PRIVILEGED:
        case OPTION_SHARED_IDS:
                r = sd_bus_message_read(m, "v", "b", &b);
                if (r < 0)
                        return r;
                if (o->mask == OPTION_AUTOSTART)
                        cfg->autostart = b;
                else if (o->mask == OPTION_PRIVILEGED)
                        cfg->privileged = b;
                else
                        extra->shared_ids = b;
                return 0;
        case OPTION_ID_BASE: {
                char buf[16];

                r = sd_bus_message_read(m, "v", "u", &u);
                if (r < 0)
                        return r;
                (void) snprintf(buf, sizeof(buf), "%" PRIu32, u);
                if (u < CONFIG_ID_BASE_MIN || u > CONFIG_ID_BASE_MAX)
                        return invalid(error, o->key, buf, "expected a host ID from 65536 to 4294901759");
                cfg->id_base = u;
                return 0;
        }
        default:
                return parse_limit(cfg, m, o, type, error);
        }
}

static const Option *option_find(const char *key) {
        for (size_t i = 0; i < ELEMENTSOF(options); i++)
                if (streq(options[i].key, key))
                        return &options[i];
        return NULL;
}

int options_parse(ContainerConfig *cfg, sd_bus_message *message, OptionMask allowed, OptionMask *ret_given,
                  OptionExtra *extra, sd_bus_error *error) {
        OptionMask given = 0;
        int r;

        r = sd_bus_message_enter_container(message, 'a', "{sv}");
        if (r < 0)
                return r;
        for (;;) {
                const char *key, *contents;
                const Option *o;

                r = sd_bus_message_enter_container(message, 'e', "sv");
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = sd_bus_message_read(message, "s", &key);
                if (r < 0)
                        return r;
                o = option_find(key);
                if (!o || !(o->mask & allowed))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Unknown option \"%s\" (known: %s).", key,
                                                 allowed & OPTION_RELEASE ?
                                                 "release, hostname, init, stop-signal, stop-timeout, autostart, "
                                                 "memory, cpus, pids, binds, privileged, id-base, shared-ids, "
                                                 "volumes, tmpfs, networks, publish, allow-host" :
                                                 "hostname, init, stop-signal, stop-timeout, autostart, memory, "
                                                 "cpus, pids, binds, volumes, tmpfs, networks, publish, allow-host");
                if (given & o->mask)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Option \"%s\" is given twice.",
                                                 key);
                r = sd_bus_message_peek_type(message, NULL, &contents);
                if (r < 0)
                        return r;
                if (o->mask & STRV_OPTIONS ? !streq(contents, "as")
                                           : strlen(contents) != 1 || !strchr(o->types, contents[0]))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Option \"%s\" cannot be of type '%s'.", key, contents);
                r = parse_one(cfg, extra, message, o, contents[0], error);
                if (r < 0)
                        return r;
                given |= o->mask;
                r = sd_bus_message_exit_container(message);
                if (r < 0)
                        return r;
        }
        *ret_given = given;
        return sd_bus_message_exit_container(message);
}
