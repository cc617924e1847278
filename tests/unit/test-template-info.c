/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "strv.h"
#include "tap.h"

static int parse(const char *text, const char *name, TemplateInfo **ret, char **ret_error) {
        return template_info_parse(text, strlen(text), "template.yaml", name, ret, ret_error);
}

static void expect_error(const char *text, const char *expected, const char *desc) {
        _cleanup_(template_info_freep) TemplateInfo *t = NULL;
        _cleanup_free_ char *err = NULL;

        is_int(parse(text, "debian", &t, &err), -EINVAL, "%s: refused", desc);
        is_str(err, expected, "%s: message", desc);
        ok(!t, "%s: no result", desc);
}

/* Expects image name result for (release, arch), or an error message. */
static void expect_image(const TemplateInfo *t, const char *release, const char *arch, const char *expected,
                         const char *expected_error) {
        _cleanup_free_ char *name = NULL, *err = NULL;
        int r;

        r = template_info_image_name(t, release, arch, &name, &err);
        is_int(r, expected ? 0 : -EINVAL, "%s release=%s arch=%s: %s", t->name, strna(release), strna(arch),
               expected ? "works" : "refused");
        is_str(name, expected, "%s release=%s arch=%s: image name", t->name, strna(release), strna(arch));
        is_str(err, expected_error, "%s release=%s arch=%s: message", t->name, strna(release), strna(arch));
}

static void test_parse(void) {
        _cleanup_(template_info_freep) TemplateInfo *t = NULL, *b = NULL;
        _cleanup_free_ char *err = NULL;

        is_int(parse("description: \"Debian GNU/Linux\"\ninit: [/lib/systemd/systemd]\n"
                     "stop-signal: SIGRTMIN+4\nreleases: [bookworm, trixie]\n", "debian", &t, &err),
               0, "full template.yaml parses");
        if (t) {
                is_str(t->name, "debian", "name comes from the caller");
                is_str(t->description, "Debian GNU/Linux", "description");
                is_str(t->init[0], "/lib/systemd/systemd", "init");
                is_int(t->stop_signal, SIGRTMIN + 4, "stop-signal");
                is_int(strv_length(t->releases), 2, "two releases");
                ok(!t->image_name, "no image-name");
        }

        is_int(parse("description: BusyBox\n", "busybox", &b, &err), 0, "minimal template.yaml parses");
        if (b) {
                is_str(b->init[0], "/sbin/init", "init defaults to /sbin/init");
                is_int(b->stop_signal, SIGRTMIN + 3, "stop-signal defaults to SIGRTMIN+3");
                ok(!b->releases, "no releases");
        }
}

static void test_parse_errors(void) {
        _cleanup_(template_info_freep) TemplateInfo *t = NULL;
        _cleanup_free_ char *err = NULL;

        expect_error("description: x\nname: debian\n", "template.yaml:2: Unknown key \"name\"",
                     "unknown key");
        expect_error("releases: bookworm\n",
                     "template.yaml:1: Expected a sequence for \"releases\", got a scalar",
                     "string for releases");
        expect_error("releases: [bookworm, Trixie]\n", "template.yaml:1: Invalid release \"Trixie\"",
                     "bad release");
        expect_error("releases:\n  - bookworm\n  - bookworm\n",
                     "template.yaml:3: Invalid release \"bookworm\": listed twice", "duplicate release");
        expect_error("releases: []\n", "template.yaml:1: \"releases\" must not be empty", "empty releases");
        expect_error("image-name: \"x/%r\"\n", "template.yaml: Invalid image-name pattern \"x/%r\"",
                     "image-name with '/'");
        expect_error("image-name: \"x-%z\"\n", "template.yaml: Invalid image-name pattern \"x-%z\"",
                     "image-name with an unknown %-sequence");
        expect_error("description: [a]\n",
                     "template.yaml:1: Expected a string for \"description\", got a sequence",
                     "wrong type");
        expect_error("", "template.yaml:1: Empty file, expected a mapping", "empty file");

        is_int(parse("description: x\n", "Bad_Name", &t, &err), -EINVAL, "bad template name refused");
        is_str(err, "template.yaml: Invalid template name \"Bad_Name\"", "message names the template");
}

static void test_image_names(void) {
        _cleanup_(template_info_freep) TemplateInfo *debian = template_info_new(),
                *busybox = template_info_new(), *pat = template_info_new();

        ok(debian && busybox && pat, "template_info_new()");
        if (!debian || !busybox || !pat)
                return;

        debian->name = strdup("debian");
        strv_extend(&debian->releases, "bookworm");
        strv_extend(&debian->releases, "trixie");
        expect_image(debian, NULL, "amd64", "debian-bookworm-amd64", NULL);
        expect_image(debian, "trixie", "arm64", "debian-trixie-arm64", NULL);
        expect_image(debian, "sid", "amd64", NULL,
                     "Template \"debian\" has no release \"sid\" (valid releases: bookworm, trixie)");
        expect_image(debian, "bookworm", NULL, "debian-bookworm", NULL);
        expect_image(debian, "bookworm", "x/y", NULL,
                     "Template \"debian\": image-name pattern \"debian-%r-%a\" gives no valid image "
                     "name for release \"bookworm\" and architecture \"x/y\"");

        busybox->name = strdup("busybox");
        expect_image(busybox, NULL, "amd64", "busybox", NULL);
        expect_image(busybox, "bookworm", "amd64", NULL,
                     "Template \"busybox\" has no releases, cannot use release \"bookworm\"");

        pat->name = strdup("ubuntu");
        pat->image_name = strdup("ubuntu-%r_%a");
        /* No release: the separator before "%r" goes with it. */
        expect_image(pat, NULL, "amd64", "ubuntu_amd64", NULL);
        strv_extend(&pat->releases, "24.04");
        expect_image(pat, NULL, "amd64", "ubuntu-24.04_amd64", NULL);
        free(pat->image_name);
        pat->image_name = strdup("%a.%r.img");
        expect_image(pat, "24.04", NULL, "24.04.img", NULL);
}

int main(void) {
        test_parse();
        test_parse_errors();
        test_image_names();
        return done_testing();
}
