/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>

#include "port-spec.h"

static int parse_port(const char *s, size_t n, uint16_t *ret) {
        unsigned v = 0;

        if (n == 0 || n > 5 || (s[0] == '0'))
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned) (s[i] - '0');
        }
        if (v == 0 || v > 65535)
                return -EINVAL;
        *ret = (uint16_t) v;
        return 0;
}

static int parse_protocol(const char *s, uint8_t *ret) {
        if (!s || streq(s, "tcp"))
                *ret = IPPROTO_TCP;
        else if (streq(s, "udp"))
                *ret = IPPROTO_UDP;
        else
                return -EINVAL;
        return 0;
}

const char *port_spec_protocol_name(uint8_t protocol) {
        return protocol == IPPROTO_TCP ? "tcp" : protocol == IPPROTO_UDP ? "udp" : NULL;
}

/* "HOST:CONTAINER" into the two ports. */
static int parse_port_pair(const char *s, PortSpec *p) {
        const char *colon = strchr(s, ':');

        if (!colon || strchr(colon + 1, ':'))
                return -EINVAL;
        if (parse_port(s, colon - s, &p->host_port) < 0 ||
            parse_port(colon + 1, strlen(colon + 1), &p->container_port) < 0)
                return -EINVAL;
        return 0;
}

int port_spec_from_string(const char *s, PortSpec *ret) {
        _cleanup_free_ char *copy = NULL;
        PortSpec p = {};
        char *proto, *rest;

        if (isempty(s))
                return -EINVAL;
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        proto = strchr(copy, '/');
        if (proto)
                *proto++ = '\0';
        if (parse_protocol(proto, &p.protocol) < 0)
                return -EINVAL;

        if (copy[0] == '[') {
                /* An IPv6 host address, in brackets as in URLs: it holds colons itself. */
                char *end = strstr(copy, "]:");

                if (!end)
                        return -EINVAL;
                *end = '\0';
                rest = end + 2;
                if (in_addr_from_string(AF_INET6, copy + 1, NULL, &p.host_address) < 0)
                        return -EINVAL;
                p.host_family = AF_INET6;
        } else {
                char *first = strchr(copy, ':');

                rest = copy;
                if (first && strchr(first + 1, ':')) {
                        /* Three fields: an IPv4 host address first. */
                        *first = '\0';
                        rest = first + 1;
                        if (in_addr_from_string(AF_INET, copy, NULL, &p.host_address) < 0)
                                return -EINVAL;
                        p.host_family = AF_INET;
                }
        }
        if (parse_port_pair(rest, &p) < 0)
                return -EINVAL;
        *ret = p;
        return 0;
}

const char *port_spec_to_string(const PortSpec *p, char buf[static PORT_SPEC_STRLEN]) {
        char a[IN_ADDR_STRLEN];

        if (p->host_family == AF_INET6)
                snprintf(buf, PORT_SPEC_STRLEN, "[%s]:", in_addr_to_string(AF_INET6, &p->host_address, a));
        else if (p->host_family == AF_INET)
                snprintf(buf, PORT_SPEC_STRLEN, "%s:", in_addr_to_string(AF_INET, &p->host_address, a));
        else
                buf[0] = '\0';
        snprintf(buf + strlen(buf), PORT_SPEC_STRLEN - strlen(buf), "%u:%u/%s", p->host_port,
                 p->container_port, strna(port_spec_protocol_name(p->protocol)));
        return buf;
}

bool port_specs_conflict(const PortSpec *a, const PortSpec *b) {
        if (a->protocol != b->protocol || a->host_port != b->host_port)
                return false;
        if (a->host_family == 0 || b->host_family == 0)
                return true;
        return a->host_family == b->host_family &&
               in_addr_equal(a->host_family, &a->host_address, &b->host_address);
}
