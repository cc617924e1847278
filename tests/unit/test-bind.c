/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bind.h"
#include "tap.h"

int main(void) {
        static const char * const bad[] = {
                "", "/a", "a:/b", "/a:b", "/a:/", "/a:/proc", "/a:/proc/x", "/a:/sys/fs", "/a:/dev/sda",
                "/a:/b:rx", "/a:/b:ro:x", "/a/../b:/c", "/a:/b/./c", "/a//b:/c", "/a/:/c", "/a:/b/",
                "/a:/b\n", "/a:/b:",
        };
        _cleanup_(bind_spec_done) BindSpec b = {};

        is_int(bind_spec_parse("/srv/data:/data", &b), 0, "plain bind parses");
        is_str(b.source, "/srv/data", "source");
        is_str(b.target, "/data", "target");
        ok(!b.read_only, "read-write by default");
        bind_spec_done(&b);
        is_int(bind_spec_parse("/etc/ssl:/etc/ssl:ro", &b), 0, "read-only bind parses");
        ok(b.read_only, "read-only");
        bind_spec_done(&b);
        is_int(bind_spec_parse("/:/host:rw", &b), 0, "the host's / may be bound, :rw");
        ok(!b.read_only, ":rw is read-write");
        ok(bind_spec_is_valid("/a:/procx"), "/procx is not /proc");
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ok(!bind_spec_is_valid(bad[i]), "bad spec #%zu is refused", i);
        return done_testing();
}
