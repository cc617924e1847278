/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: sysctrd's parser of the options a{sv} of CreateContainer and SetContainer
 * (manager/options.c). The input is read as a list of entries, each becoming one {sv}:
 *
 *   byte  flags: bit 0 set: SetContainer's options, else CreateContainer's (first byte only)
 *   then per entry:
 *   byte  key: an index into the known keys (and a few unknown ones)
 *   byte  type: s t d b u as i y (others end the input)
 *   ...   the value: s: a length byte and the bytes; t, d: 8 bytes; u, i: 4; b, y: 1;
 *         as: a count byte, then strings as for s
 *
 * The message is built on a bus connected to nothing but a socketpair (sd-bus needs one to make a
 * message), sealed and read back as sysctrd reads a method call. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>

#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char * const keys[] = {
        "release", "hostname", "init", "stop-signal", "stop-timeout", "autostart", "memory", "cpus", "pids",
        "binds", "privileged", "id-base", "shared-ids", "", "unknown", "networks", "memory\xff",
};

typedef struct Input {
        const uint8_t *p;
        size_t left;
} Input;

static bool take(Input *in, void *buf, size_t n) {
        if (in->left < n)
                return false;
        memcpy(buf, in->p, n);
        in->p += n;
        in->left -= n;
        return true;
}

static char *take_string(Input *in) {
        uint8_t n;
        char *s;

        if (!take(in, &n, 1))
                return NULL;
        s = calloc(1, (size_t) n + 1);
        if (s && !take(in, s, n))
                s = mfree(s);
        return s;
}

static int append_value(sd_bus_message *m, Input *in, char type) {
        uint64_t t;
        uint32_t u;
        uint8_t b, n;
        double d;
        int r;

        switch (type) {
        case 's': {
                _cleanup_free_ char *s = take_string(in);

                return s ? sd_bus_message_append(m, "v", "s", s) : -ENODATA;
        }
        case 't':
                return take(in, &t, 8) ? sd_bus_message_append(m, "v", "t", t) : -ENODATA;
        case 'd':
                return take(in, &d, 8) ? sd_bus_message_append(m, "v", "d", d) : -ENODATA;
        case 'u':
        case 'i':
                return take(in, &u, 4) ? sd_bus_message_append(m, "v", type == 'u' ? "u" : "i", u) : -ENODATA;
        case 'b':
        case 'y':
                return take(in, &b, 1) ? sd_bus_message_append(m, "v", type == 'b' ? "b" : "y", b) : -ENODATA;
        default:
                if (!take(in, &n, 1))
                        return -ENODATA;
                r = sd_bus_message_open_container(m, 'v', "as");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', "s");
                for (unsigned i = 0; i < n && r >= 0; i++) {
                        _cleanup_free_ char *s = take_string(in);

                        r = s ? sd_bus_message_append(m, "s", s) : -ENODATA;
                }
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                return r;
        }
}

/* The options as a{sv}; -ENODATA when the input ends inside an entry, another error when sd-bus
 * refuses a value (invalid UTF-8...): such inputs are not method calls sysctrd could receive. */
static int build(sd_bus_message *m, Input *in) {
        int r;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        while (r >= 0 && in->left >= 2) {
                uint8_t k, t;
                const char *type;

                (void) take(in, &k, 1);
                (void) take(in, &t, 1);
                type = strchr("stdbuiya", (char) t) ? (const char[]) { (char) t, 0 } : NULL;
                if (!type)
                        break;
                r = sd_bus_message_open_container(m, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", keys[k % ELEMENTSOF(keys)]);
                if (r >= 0)
                        r = append_value(m, in, type[0]);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

static sd_bus *fuzz_bus(void) {
        static sd_bus *bus = NULL;
        int s[2];

        if (bus)
                return bus;
        assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s) >= 0);
        assert(sd_bus_new(&bus) >= 0);
        assert(sd_bus_set_fd(bus, s[0], s[0]) >= 0);
        assert(sd_bus_start(bus) >= 0);
        return bus;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(container_config_freep) ContainerConfig *c = NULL;
        Input in = { data, size };
        OptionExtra extra = {};
        OptionMask given = 0;
        uint8_t flags = 0;
        int r;

        (void) take(&in, &flags, 1);
        assert(sd_bus_message_new_method_call(fuzz_bus(), &m, "org.sysctr1", "/org/sysctr1", "org.sysctr1.Manager",
                                              "CreateContainer") >= 0);
        if (build(m, &in) < 0 || sd_bus_message_seal(m, 1, 0) < 0 || sd_bus_message_rewind(m, true) < 0)
                return 0;

        c = container_config_new();
        assert(c);
        r = options_parse(c, m, flags & 1 ? OPTIONS_SET : OPTIONS_CREATE, &given, &extra, &error);
        /* A refusal always says why, with an error name sysctr can show. */
        assert(r >= 0 || r == -ENOMEM || sd_bus_error_is_set(&error));
        return 0;
}
