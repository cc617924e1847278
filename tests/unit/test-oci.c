/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "oci.h"
#include "strv.h"
#include "tap.h"

static void test_refs(void) {
        _cleanup_free_ char *p = NULL, *t = NULL, *p2 = NULL, *t2 = NULL, *x = NULL, *y = NULL;

        is_int(oci_ref_parse("oci:/srv/app:1.0", &p, &t), 0, "oci:PATH:TAG parses");
        is_str(p, "/srv/app", "the path");
        is_str(t, "1.0", "the tag");
        is_int(oci_ref_parse("oci:/srv/app", &p2, &t2), 0, "oci:PATH parses");
        is_str(t2, "latest", "... tag latest");
        is_int(oci_ref_parse("oci:srv/app:1", &x, &y), -EINVAL, "a relative path is refused");
        is_int(oci_ref_parse("oci:/srv/app:a b", &x, &y), -EINVAL, "a tag with a space is refused");
        is_int(oci_ref_parse("docker:/x", &x, &y), -EINVAL, "another transport is refused");
}

static void test_index(void) {
        static const char index[] =
                "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                "\"digest\":\"sha256:8ec3b7d4e9516c25dbdf7e1c50319187a4d1cf95e6c7c385b331aca5bd99f056\",\"size\":192,"
                "\"annotations\":{\"org.opencontainers.image.ref.name\":\"latest\"}},"
                "{\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\","
                "\"annotations\":{\"org.opencontainers.image.ref.name\":\"v\\u0031\"}}]}";
        static const char bad_digest[] =
                "{\"manifests\":[{\"digest\":\"sha256:../../x\",\"annotations\":{\"org.opencontainers.image.ref.name\":\"x\"}}]}";
        _cleanup_free_ char *d = NULL, *d2 = NULL, *d3 = NULL;

        is_int(oci_index_find(index, sizeof(index) - 1, "latest", &d), 0, "find the tag in index.json");
        is_str(d, "8ec3b7d4e9516c25dbdf7e1c50319187a4d1cf95e6c7c385b331aca5bd99f056", "its manifest digest");
        is_int(oci_index_find(index, sizeof(index) - 1, "v1", &d2), 0, "a \\u escape in a tag");
        is_int(oci_index_find(index, sizeof(index) - 1, "v2", &d3), -ENOENT, "a missing tag");
        is_int(oci_index_find(bad_digest, sizeof(bad_digest) - 1, "x", &d3), -EBADMSG, "a digest that is not one");
        is_int(oci_index_find("{\"manifests\":[", 14, "x", &d3), -EBADMSG, "truncated JSON");
        is_int(oci_index_find("{} x", 4, "x", &d3), -EBADMSG, "trailing garbage");
}

static void test_args(void) {
        static const char config[] = "{\"ociVersion\":\"1.0.0\",\"process\":{\"terminal\":false,\"user\":{\"uid\":0},"
                                     "\"args\":[\"/bin/app\",\"--flag\",\"a \\\"b\\\"\"],\"cwd\":\"/\"},\"root\":{}}";
        _cleanup_strv_free_ char **args = NULL, **none = NULL;

        is_int(oci_runtime_args(config, sizeof(config) - 1, &args), 0, "process.args of a runtime config");
        ok(strv_equal(args, STRV_MAKE("/bin/app", "--flag", "a \"b\"")), "... in order, unescaped");
        is_int(oci_runtime_args("{\"process\":{}}", 14, &none), -ENOENT, "no args");
}

int main(void) {
        test_refs();
        test_index();
        test_args();
        return done_testing();
}
