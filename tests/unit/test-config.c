/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "config.h"
#include "fileio.h"
#include "strv.h"
#include "tap.h"

#define ID "0b0c1d2e-3f40-4152-8637-48596a7b8c9d"
#define GOOD                                    \
        "name: web1\n"                          \
        "id: " ID "\n"                          \
        "template: debian\n"                    \
        "image: debian-bookworm-amd64\n"

static int parse(const char *text, ContainerConfig **ret, char **ret_error) {
        return container_config_parse(text, strlen(text), "c.yaml", ret, ret_error);
}

/* Parses text and expects -EINVAL with exactly the message expected. */
static void expect_error(const char *text, const char *expected, const char *desc) {
        _cleanup_(container_config_freep) ContainerConfig *c = NULL;
        _cleanup_free_ char *err = NULL;

        is_int(parse(text, &c, &err), -EINVAL, "%s: refused", desc);
        is_str(err, expected, "%s: message", desc);
        ok(!c, "%s: no result", desc);
}

/* For libyaml's own syntax messages, whose wording is libyaml's: only "FILE:LINE: " is ours. */
static void expect_error_prefix(const char *text, const char *prefix, const char *desc) {
        _cleanup_(container_config_freep) ContainerConfig *c = NULL;
        _cleanup_free_ char *err = NULL;

        is_int(parse(text, &c, &err), -EINVAL, "%s: refused", desc);
        ok(err && strneq(err, prefix, strlen(prefix)) && strlen(err) > strlen(prefix) + 5,
           "%s: message starts with \"%s\"", desc, prefix);
        if (err)
                diag("%s", err);
        ok(!c, "%s: no result", desc);
}

static void test_defaults(void) {
        _cleanup_(container_config_freep) ContainerConfig *c = NULL;
        _cleanup_free_ char *err = NULL;

        is_int(parse(GOOD, &c, &err), 0, "minimal config parses");
        ok(!err, "no error message on success");
        if (!c)
                return;
        is_str(c->name, "web1", "name");
        is_str(c->id, ID, "id");
        is_str(c->template, "debian", "template");
        is_str(c->image, "debian-bookworm-amd64", "image");
        ok(!c->release && !c->hostname, "release and hostname unset");
        ok(strv_length(c->init) == 1 && streq(c->init[0], "/sbin/init"), "init defaults to /sbin/init");
        is_int(c->stop_signal, SIGRTMIN + 3, "stop-signal defaults to SIGRTMIN+3");
        is_int(c->stop_timeout_sec, 10, "stop-timeout defaults to 10");
        ok(!c->autostart, "autostart defaults to false");
}

static void test_full(void) {
        _cleanup_(container_config_freep) ContainerConfig *c = NULL;
        _cleanup_free_ char *err = NULL;

        is_int(parse("# comment\n" GOOD "release: bookworm\nhostname: web1.example.org\n"
                     "init: [/sbin/init, --log-level=debug, \"quoted: yes\"]\n"
                     "stop-signal: SIGUSR2\nstop-timeout: 42\nautostart: true\n", &c, &err),
               0, "full config parses");
        if (!c)
                return;
        is_str(c->release, "bookworm", "release");
        is_str(c->hostname, "web1.example.org", "hostname");
        is_int(strv_length(c->init), 3, "three init arguments");
        is_str(c->init[2], "quoted: yes", "quoted init argument");
        is_int(c->stop_signal, SIGUSR2, "stop-signal");
        is_int(c->stop_timeout_sec, 42, "stop-timeout");
        ok(c->autostart, "autostart");
}

static void round_trip(ContainerConfig *c, const char *desc) {
        _cleanup_(container_config_freep) ContainerConfig *d = NULL;
        _cleanup_free_ char *text = NULL, *text2 = NULL, *err = NULL;

        is_int(container_config_format(c, &text), 0, "%s: formats", desc);
        if (!text)
                return;
        is_int(parse(text, &d, &err), 0, "%s: parses back", desc);
        if (err)
                diag("%s\n%s", err, text);
        if (!d)
                return;
        ok(streq(c->name, d->name) && streq(c->id, d->id) && streq(c->template, d->template) &&
           streq(c->image, d->image), "%s: required fields survive", desc);
        is_str(d->release, c->release, "%s: release survives", desc);
        is_str(d->hostname, c->hostname, "%s: hostname survives", desc);
        ok(strv_equal(c->init, d->init), "%s: init survives", desc);
        ok(c->stop_signal == d->stop_signal && c->stop_timeout_sec == d->stop_timeout_sec &&
           c->autostart == d->autostart, "%s: signal, timeout and autostart survive", desc);
        ok(c->memory_max == d->memory_max && c->cpu_millis == d->cpu_millis && c->tasks_max == d->tasks_max,
           "%s: limits survive", desc);
        ok(strv_equal(c->binds, d->binds), "%s: binds survive", desc);
        is_int(container_config_format(d, &text2), 0, "%s: formats again", desc);
        is_str(text2, text, "%s: formatting is stable", desc);
}

static void test_round_trip(void) {
        _cleanup_(container_config_freep) ContainerConfig *c = container_config_new();
        _cleanup_free_ char *text = NULL;

        ok(c, "container_config_new()");
        if (!c)
                return;
        c->name = strdup("web1");
        c->id = strdup(ID);
        c->template = strdup("debian");
        c->image = strdup("debian-bookworm-amd64");
        round_trip(c, "minimal");

        is_int(container_config_format(c, &text), 0, "minimal formats");
        is_str(text,
               "# sysctr container configuration, see sysctr.yaml(5).\n"
               "name: web1\n"
               "id: \"" ID "\"\n"
               "template: debian\n"
               "image: debian-bookworm-amd64\n"
               "init: [/sbin/init]\n"
               "stop-signal: SIGRTMIN+3\n"
               "stop-timeout: 10\n"
               "autostart: false\n", "minimal output is as documented");

        /* Values that would change meaning or break the syntax when written unquoted. */
        c->release = strdup("12");
        c->hostname = strdup("Web1.example.org");
        strv_free(c->init);
        c->init = NULL;
        strv_extend(&c->init, "/bin/sh");
        strv_extend(&c->init, "-c");
        strv_extend(&c->init, "echo \"a, b\" [x] {y}: #z 'q' \\ \t\n\x01 ünï");
        strv_extend(&c->init, "true");
        strv_extend(&c->init, "null");
        strv_extend(&c->init, "~");
        strv_extend(&c->init, "");
        strv_extend(&c->init, "- item");
        strv_extend(&c->init, "010");
        strv_extend(&c->init, "yes");
        c->stop_signal = SIGTERM;
        c->stop_timeout_sec = 4000000000U;
        c->autostart = true;
        round_trip(c, "awkward values");

        c->memory_max = 512ULL << 20;
        c->cpu_millis = 1500;
        c->tasks_max = 2048;
        strv_extend(&c->binds, "/srv/web1:/srv");
        strv_extend(&c->binds, "/etc/ssl/certs:/etc/ssl/certs:ro");
        round_trip(c, "limits");
        free(text);
        text = NULL;
        is_int(container_config_format(c, &text), 0, "limits format");
        ok(text && strstr(text, "\nmemory: 512M\ncpus: 1.5\npids: 2048\n"), "limits are written as users write them");
}

static void test_format_invalid(void) {
        _cleanup_(container_config_freep) ContainerConfig *c = container_config_new();
        _cleanup_free_ char *text = NULL, *err = NULL;

        is_int(container_config_format(c, &text), -EINVAL, "an incomplete config does not format");
        c->name = strdup("A_b");
        c->id = strdup(ID);
        c->template = strdup("debian");
        c->image = strdup("img");
        is_int(container_config_verify(c, &err), -EINVAL, "verify refuses a bad name");
        is_str(err, "Invalid container name \"A_b\"", "verify names the bad value");
}

static void test_syntax_errors(void) {
        expect_error("", "c.yaml:1: Empty file, expected a mapping", "empty file");
        expect_error("# only a comment\n", "c.yaml:1: Empty file, expected a mapping", "only a comment");
        expect_error("- a\n- b\n", "c.yaml:1: Expected a mapping, got a sequence", "top-level sequence");
        expect_error("web1\n", "c.yaml:1: Expected a mapping, got a scalar", "top-level scalar");
        expect_error(GOOD "---\nname: x\n", "c.yaml:5: Only one YAML document is allowed", "two documents");
        expect_error_prefix(GOOD "name: [x\n", "c.yaml:6: ", "broken YAML");
        expect_error_prefix(GOOD "\tbad: 1\n", "c.yaml:5: ", "tab indentation");
        expect_error_prefix(GOOD "name: \"unterminated\n", "c.yaml:6: ", "unterminated string");
        expect_error_prefix(GOOD "x: \xff\n", "c.yaml:5: ", "invalid UTF-8");
}

static void test_key_errors(void) {
        expect_error(GOOD "colour: blue\n", "c.yaml:5: Unknown key \"colour\"", "unknown key");
        expect_error("name: web1\n" GOOD, "c.yaml:2: Duplicate key \"name\"", "duplicate key");
        expect_error(GOOD "[a]: b\n", "c.yaml:5: Expected a key name, got a sequence", "non-scalar key");
        expect_error("id: " ID "\ntemplate: debian\nimage: img\n",
                     "c.yaml: Missing required key \"name\"", "missing name");
        expect_error("name: web1\ntemplate: debian\nimage: img\n",
                     "c.yaml: Missing required key \"id\"", "missing id");
        expect_error("name: web1\nid: " ID "\nimage: img\n",
                     "c.yaml: Missing required key \"template\"", "missing template");
        expect_error("name: web1\nid: " ID "\ntemplate: debian\n",
                     "c.yaml: Missing required key \"image\"", "missing image");
}

static void test_type_errors(void) {
        expect_error(GOOD "hostname: [a, b]\n",
                     "c.yaml:5: Expected a string for \"hostname\", got a sequence",
                     "sequence for a string");
        expect_error(GOOD "hostname: {a: b}\n",
                     "c.yaml:5: Expected a string for \"hostname\", got a mapping",
                     "mapping for a string");
        expect_error(GOOD "hostname:\n", "c.yaml:5: Expected a string for \"hostname\", got null",
                     "null for a string");
        expect_error(GOOD "release: true\n",
                     "c.yaml:5: Expected a string for \"release\", got the boolean true "
                     "(quote it to make it a string)", "bool for a string");
        expect_error(GOOD "init: /sbin/init\n", "c.yaml:5: Expected a sequence for \"init\", got a scalar",
                     "string for a sequence");
        expect_error(GOOD "init: []\n", "c.yaml:5: \"init\" must not be empty", "empty init");
        expect_error(GOOD "init: [sbin/init]\n",
                     "c.yaml:5: Invalid init \"sbin/init\": must be an absolute path", "relative init");
        expect_error(GOOD "init:\n  - /sbin/init\n  - [x]\n",
                     "c.yaml:7: Expected a string for \"init\", got a sequence", "nested sequence in init");
        expect_error(GOOD "stop-timeout: ten\n",
                     "c.yaml:5: Invalid stop-timeout \"ten\": expected a positive integer (seconds)",
                     "non-integer timeout");
        expect_error(GOOD "stop-timeout: \"10\"\n",
                     "c.yaml:5: Invalid stop-timeout \"10\": expected a positive integer (seconds)",
                     "quoted timeout");
        expect_error(GOOD "stop-timeout: 0\n",
                     "c.yaml:5: Invalid stop-timeout \"0\": expected a positive integer (seconds)",
                     "zero timeout");
        expect_error(GOOD "stop-timeout: -1\n",
                     "c.yaml:5: Invalid stop-timeout \"-1\": expected a positive integer (seconds)",
                     "negative timeout");
        expect_error(GOOD "stop-timeout: 1.5\n",
                     "c.yaml:5: Invalid stop-timeout \"1.5\": expected a positive integer (seconds)",
                     "fractional timeout");
        expect_error(GOOD "stop-timeout: 99999999999\n",
                     "c.yaml:5: Invalid stop-timeout \"99999999999\": too large", "huge timeout");
        expect_error(GOOD "stop-timeout: [1]\n",
                     "c.yaml:5: Expected an integer for \"stop-timeout\", got a sequence",
                     "sequence timeout");
        expect_error(GOOD "autostart: yes\n",
                     "c.yaml:5: Invalid autostart \"yes\": expected true or false", "yes for a bool");
        expect_error(GOOD "autostart: \"true\"\n",
                     "c.yaml:5: Invalid autostart \"true\": expected true or false", "quoted bool");
        expect_error(GOOD "autostart: 1\n",
                     "c.yaml:5: Invalid autostart \"1\": expected true or false", "number for a bool");
        expect_error(GOOD "stop-signal: SIGFOO\n",
                     "c.yaml:5: Invalid stop-signal \"SIGFOO\": "
                     "expected a signal such as SIGRTMIN+3 or SIGTERM",
                     "unknown signal");
        expect_error(GOOD "stop-signal: SIGKILL\n",
                     "c.yaml: Invalid stop signal SIGKILL: it cannot be caught", "SIGKILL as stop signal");
        expect_error(GOOD "hostname: !!int 5\n",
                     "c.yaml:5: Unsupported tag tag:yaml.org,2002:int for \"hostname\"", "explicit tag");
        expect_error(GOOD "hostname: \"a\\0b\"\n",
                     "c.yaml:5: Value of \"hostname\" contains a NUL byte", "NUL byte");
}

static void test_value_errors(void) {
        expect_error("name: A_b\nid: " ID "\ntemplate: debian\nimage: img\n",
                     "c.yaml:1: Invalid container name \"A_b\"", "bad name");
        expect_error("name: \"../x\"\nid: " ID "\ntemplate: debian\nimage: img\n",
                     "c.yaml:1: Invalid container name \"../x\"", "path as name");
        expect_error("name: 1234\nid: " ID "\ntemplate: debian\nimage: img\n",
                     "c.yaml:1: Invalid container name \"1234\"", "digits as name");
        expect_error("name: \"a\\nb\"\nid: " ID "\ntemplate: debian\nimage: img\n",
                     "c.yaml:1: Invalid container name \"a\\nb\"", "newline in a name is escaped");
        expect_error("name: web1\nid: 0B0C\ntemplate: debian\nimage: img\n",
                     "c.yaml:2: Invalid id \"0B0C\"", "bad id");
        expect_error("name: web1\nid: " ID "\ntemplate: Debian\nimage: img\n",
                     "c.yaml:3: Invalid template name \"Debian\"", "bad template");
        expect_error("name: web1\nid: " ID "\ntemplate: debian\nimage: ../img\n",
                     "c.yaml:4: Invalid image name \"../img\"", "bad image");
        expect_error(GOOD "release: \"a/b\"\n", "c.yaml:5: Invalid release \"a/b\"", "bad release");
        expect_error(GOOD "hostname: -x\n", "c.yaml:5: Invalid hostname \"-x\"", "bad hostname");
        expect_error(GOOD "memory: 12X\n", "c.yaml:5: Invalid memory \"12X\": expected a size such as 512M or 2G",
                     "bad memory");
        expect_error(GOOD "cpus: 0\n", "c.yaml:5: Invalid cpus \"0\": expected a number of CPUs such as 1 or 1.5",
                     "zero cpus");
        expect_error(GOOD "pids: many\n", "c.yaml:5: Invalid pids \"many\": expected a positive integer",
                     "bad pids");
        expect_error_prefix(GOOD "memory: [1G]\n", "c.yaml:5: ", "memory as a sequence");
        expect_error(GOOD "binds: [\"/a:/proc/x\"]\n", "c.yaml:5: Invalid bind \"/a:/proc/x\"", "bind into /proc");
        expect_error(GOOD "binds: [\"/a:/x\", \"/b:/x\"]\n", "c.yaml: Two binds mount on /x",
                     "two binds on one target");
}

static void test_save_load(void) {
        _cleanup_(container_config_freep) ContainerConfig *c = NULL, *d = NULL;
        _cleanup_free_ char *err = NULL, *path = NULL, *dir = test_mkdtemp("test-config");
        struct stat st;
        unsigned entries = 0;
        DIR *dd;

        if (!ok(dir, "temporary directory"))
                return;
        is_int(parse(GOOD "autostart: true\n", &c, &err), 0, "parse for saving");
        if (!c)
                return;
        ok(asprintf(&path, "%s/config.yaml", dir) > 0, "path");
        is_int(container_config_save(c, path), 0, "save");
        ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600, "saved with mode 0600");
        is_int(container_config_load(path, &d, &err), 0, "load");
        ok(d && d->autostart && streq(d->name, "web1"), "loaded what was saved");

        dd = opendir(dir);
        for (struct dirent *de; dd && (de = readdir(dd)); )
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        entries++;
        if (dd)
                closedir(dd);
        is_int(entries, 1, "no temporary file left behind");

        container_config_free(d);
        d = NULL;
        ok(unlink(path) == 0, "remove config");
        is_int(container_config_load(path, &d, &err), -ENOENT, "loading a missing file is -ENOENT");
        ok(!err, "no message for a system error");
        ok(rmdir(dir) == 0, "remove temporary directory");
}

int main(void) {
        test_defaults();
        test_full();
        test_round_trip();
        test_format_invalid();
        test_syntax_errors();
        test_key_errors();
        test_type_errors();
        test_value_errors();
        test_save_load();
        return done_testing();
}
