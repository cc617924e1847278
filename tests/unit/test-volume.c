/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "config.h"
#include "name.h"
#include "tap.h"
#include "volume.h"

static void test_volume_specs(void) {
        static const char * const bad[] = {
                "", "data", "data:", ":/x", "Data:/x", "data:x", "data:/", "data:/proc/x", "data:/x:rx",
                "data:/x/../y", "data:/x:ro:ro", "1234:/x", "data:/a//b",
        };
        _cleanup_(volume_spec_done) VolumeSpec v = {};

        is_int(volume_spec_parse("data:/srv/data", &v), 0, "a volume spec parses");
        is_str(v.name, "data", "its name");
        is_str(v.target, "/srv/data", "its target");
        ok(!v.read_only, "read-write by default");
        volume_spec_done(&v);
        is_int(volume_spec_parse("logs:/var/log/app:ro", &v), 0, ":ro parses");
        ok(v.read_only, "... read-only");
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ok(!volume_spec_is_valid(bad[i]), "bad volume spec \"%s\" is refused", bad[i]);
}

static void test_tmpfs_specs(void) {
        static const char * const bad[] = {
                "", "scratch", "/", "/dev/shm2:size=1M", "/x:size=", "/x:size=0", "/x:size=1M,size=2M", "/x:mode=9",
                "/x:foo=1", "/x:", "/x:size=1M,", "/proc/x",
        };
        _cleanup_(tmpfs_spec_done) TmpfsSpec t = {};
        _cleanup_free_ char *o = NULL, *o2 = NULL;

        is_int(tmpfs_spec_parse("/scratch", &t), 0, "a bare tmpfs spec parses");
        o = tmpfs_spec_options(&t);
        is_str(o, "mode=1777", "default options: mode 1777, the kernel's size");
        tmpfs_spec_done(&t);
        is_int(tmpfs_spec_parse("/cache:size=64M,mode=0700", &t), 0, "size and mode parse");
        is_int((long long) t.size, 64LL << 20, "size in bytes");
        o2 = tmpfs_spec_options(&t);
        is_str(o2, "mode=0700,size=67108864", "the options");
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ok(!tmpfs_spec_is_valid(bad[i]), "bad tmpfs spec \"%s\" is refused", bad[i]);
}

static void test_config(void) {
        static const char yaml[] =
                "name: c1\nid: 0b0c1e3f-3c4e-4d34-9a37-8f1d6a4e2b10\ntemplate: busybox\nimage: busybox@20261130103823\n"
                "volumes: [\"data:/srv/data\", \"logs:/var/log:ro\"]\ntmpfs: [\"/scratch:size=64M\"]\n";
        static const char clash[] =
                "name: c1\nid: 0b0c1e3f-3c4e-4d34-9a37-8f1d6a4e2b10\ntemplate: busybox\nimage: busybox\n"
                "binds: [\"/srv:/data\"]\nvolumes: [\"data:/data\"]\n";
        _cleanup_(container_config_freep) ContainerConfig *c = NULL, *c2 = NULL, *c3 = NULL;
        _cleanup_free_ char *err = NULL, *text = NULL, *err2 = NULL;

        is_int(container_config_parse(yaml, sizeof(yaml) - 1, "config.yaml", &c, &err), 0,
               "a config with volumes, tmpfs and a versioned image parses");
        is_str(c->volumes[1], "logs:/var/log:ro", "volumes kept as given");
        is_str(c->tmpfs[0], "/scratch:size=64M", "tmpfs kept as given");
        is_int(container_config_format(c, &text), 0, "it formats");
        is_int(container_config_parse(text, strlen(text), "again", &c2, NULL), 0, "and parses back");
        is_str(c2->volumes[0], "data:/srv/data", "... the same volumes");
        is_int(container_config_parse(clash, sizeof(clash) - 1, "config.yaml", &c3, &err2), -EINVAL,
               "a bind and a volume on one target are refused");
        ok(err2 && strstr(err2, "/data"), "... naming the target (%s)", strna(err2));
}

static void test_names(void) {
        ok(image_ref_is_valid("debian-bookworm-amd64@20261130102218"), "a versioned image ref");
        ok(image_ref_is_valid("debian-bookworm-amd64"), "a bare image ref");
        ok(!image_ref_is_valid("debian@"), "an empty tag is refused");
        ok(!image_ref_is_valid("@x"), "an empty name is refused");
        ok(!image_ref_is_valid("a@b@c"), "two tags are refused");
        ok(!image_ref_is_valid("a@B"), "an upper-case tag is refused");
        ok(snapshot_name_is_valid("before-upgrade"), "a snapshot name");
        ok(snapshot_name_is_valid("1"), "digits are a snapshot name");
        ok(!snapshot_name_is_valid("a/b"), "no '/' in a snapshot name");
        ok(volume_name_is_valid("data"), "a volume name");
        ok(!volume_name_is_valid("data.1"), "no '.' in a volume name");
}

int main(void) {
        test_volume_specs();
        test_tmpfs_specs();
        test_config();
        test_names();
        return done_testing();
}
