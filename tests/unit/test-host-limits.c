/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* manager/host-limits.c against fake /proc/sys trees, and units/sysctl.d/60-sysctr.conf against it. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fileio.h"
#include "host-limits.h"
#include "strv.h"
#include "tap.h"

typedef struct Value {
        const char *name;
        const char *value;
} Value;

/* This project's test machines (24 GiB, 2 CPUs, no systemd as PID 1). */
static const Value host_defaults[] = {
        { "fs.inotify.max_user_instances", "128" },
        { "fs.inotify.max_user_watches", "192536" },
        { "user.max_user_namespaces", "96364" },
        { "kernel.keys.root_maxkeys", "1000000" },
        { "kernel.keys.root_maxbytes", "25000000" },
        { "kernel.keys.maxkeys", "200" },
        { "kernel.keys.maxbytes", "20000" },
        { "kernel.pid_max", "32768" },
        { "kernel.threads-max", "192729" },
        { "fs.file-max", "2466160" },
        { "fs.nr_open", "1048576" },
};

static char *tree_root;
static unsigned n_trees;

/* A fresh fake /proc/sys with the host's defaults, then the overrides (value NULL: no such file). */
static char *make_tree(const Value *overrides, size_t n_overrides) {
        char *dir;

        require(asprintf(&dir, "%s/tree%u", tree_root, n_trees++) >= 0);
        require(mkdir(dir, 0755) >= 0);
        for (size_t pass = 0; pass < 2; pass++) {
                const Value *v = pass == 0 ? host_defaults : overrides;
                size_t n = pass == 0 ? ELEMENTSOF(host_defaults) : n_overrides;

                for (size_t i = 0; i < n; i++) {
                        _cleanup_free_ char *path = NULL, *text = NULL;

                        require(asprintf(&path, "%s/%s", dir, v[i].name) >= 0);
                        for (char *p = path + strlen(dir) + 1; *p; p++)
                                if (*p == '.')
                                        *p = '/';
                        if (!v[i].value) {
                                require(unlink(path) >= 0);
                                continue;
                        }
                        *strrchr(path, '/') = '\0';
                        require(mkdir_p(path, 0755) >= 0);
                        path[strlen(path)] = '/';
                        require(asprintf(&text, "%s\n", v[i].value) >= 0);
                        require(write_file_atomic(path, text, strlen(text), 0644) >= 0);
                }
        }
        return dir;
}

typedef struct Result {
        HostShortfall *s;
        size_t n;
        char **messages;
} Result;

static void result_done(Result *r) {
        host_shortfalls_free(r->s, r->n);
        strv_free(r->messages);
        *r = (Result) {};
}

static int check(const char *tree, unsigned p, unsigned u, bool owned_by_root, Result *ret) {
        HostDemand d = { .n_privileged = p, .n_unprivileged = u, .userns_owned_by_root = owned_by_root };
        int r;

        result_done(ret);
        r = host_limits_check(tree, &d, &ret->s, &ret->n);
        for (size_t i = 0; r >= 0 && i < ret->n; i++) {
                char *m;

                require(host_shortfall_format(&ret->s[i], &m) >= 0);
                require(strv_push(&ret->messages, m) >= 0);
        }
        return r;
}

static const char *message(const Result *r, size_t i) {
        return r->messages && i < strv_length(r->messages) ? r->messages[i] : NULL;
}

static void test_this_host(void) {
        _cleanup_free_ char *tree = make_tree(NULL, 0), *expected = NULL;
        _cleanup_(result_done) Result r = {};

        is_int(check(tree, 30, 0, true, &r), 0, "30 privileged containers on this host's defaults");
        is_int(r.n, 1, "... one limit is short");
        is_str(r.n > 0 ? r.s[0].sysctl : NULL, "fs.inotify.max_user_instances", "... inotify instances");
        is_int(r.n > 0 ? r.s[0].current : 0, 128, "... current");
        is_int(r.n > 0 ? r.s[0].needed : 0, 32 + 14 * 30, "... needed: the host's 32 and 14 per guest");
        is_int(r.n > 0 ? r.s[0].suggested : 0, 8192, "... suggested: the drop-in's value");
        require(asprintf(&expected, "fs.inotify.max_user_instances is 128; 30 privileged containers need about 452: "
                                    "run sysctl -w fs.inotify.max_user_instances=8192, or apply sysctr's settings: "
                                    "sysctl -p %s",
                         SYSCTR_SYSCTL_DROPIN) >= 0);
        is_str(message(&r, 0), expected, "... and the message");

        is_int(check(tree, 6, 0, true, &r), 0, "6 privileged containers");
        is_int(r.n, 0, "... fit in 128 instances (116)");
        is_int(check(tree, 7, 0, true, &r), 0, "7 privileged containers");
        is_int(r.n, 1, "... do not (130)");

        is_int(check(tree, 0, 30, true, &r), 0, "30 unprivileged containers, user namespaces owned by root");
        is_int(r.n, 1, "... are short of root's inotify instances too");
        ok(message(&r, 0) && strstr(message(&r, 0), "is 128; 30 unprivileged containers (all counted against "
                                                    "root) need about 452:"),
           "... the message says why they count against root");
        diag("%s", strna(message(&r, 0)));

        is_int(check(tree, 0, 30, false, &r), 0, "30 unprivileged containers with user namespaces of their own");
        is_int(r.n, 0, "... each has counters of its own: nothing is short");

        is_int(check(tree, 1, 1, true, &r), 0, "one of each");
        is_int(r.n, 0, "... nothing is short");
        is_int(check(tree, 0, 0, true, &r), 0, "no container");
        is_int(r.n, 0, "... nothing is short");
        ok(!r.s, "... and no list");
}

static void test_grammar(void) {
        static const Value low[] = { { "fs.inotify.max_user_instances", "40" } };
        _cleanup_free_ char *tree = make_tree(low, ELEMENTSOF(low));
        _cleanup_(result_done) Result r = {};

        is_int(check(tree, 1, 0, true, &r), 0, "1 privileged container, 40 instances");
        ok(message(&r, 0) && strstr(message(&r, 0), "is 40; 1 privileged container needs about 46:"),
           "... \"1 privileged container needs\"");
        is_int(check(tree, 1, 1, true, &r), 0, "one of each");
        ok(message(&r, 0) && strstr(message(&r, 0), "is 40; 1 privileged and 1 unprivileged containers (all counted "
                                                    "against root) need about 60:"),
           "... both counted");
}

static void test_everything_low(void) {
        static const Value low[] = {
                { "user.max_user_namespaces", "0" },   { "kernel.keys.root_maxkeys", "100" },
                { "kernel.keys.maxkeys", "10" },       { "kernel.pid_max", "5000" },
                { "kernel.threads-max", "5000" },      { "fs.file-max", "70000" },
                { "fs.nr_open", "1024" },
        };
        _cleanup_free_ char *tree = make_tree(low, ELEMENTSOF(low)), *pid = NULL;
        _cleanup_(result_done) Result r = {};
        const char *expected[] = {
                "fs.inotify.max_user_instances is 128; 10 privileged and 10 unprivileged containers (all counted "
                "against root) need about 312: run sysctl -w fs.inotify.max_user_instances=8192, or apply "
                "sysctr's settings: sysctl -p " SYSCTR_SYSCTL_DROPIN,
                "user.max_user_namespaces is 0; 10 privileged and 10 unprivileged containers (all counted against "
                "root) need about 114: run sysctl -w user.max_user_namespaces=128 and keep it in a file in "
                "/etc/sysctl.d/",
                "kernel.keys.root_maxkeys is 100; 10 privileged containers need about 520: run sysctl -w "
                "kernel.keys.root_maxkeys=1000000, or apply sysctr's settings: sysctl -p " SYSCTR_SYSCTL_DROPIN,
                "kernel.keys.maxkeys is 10; 10 privileged containers need about 56: run sysctl -w "
                "kernel.keys.maxkeys=2000, or apply sysctr's settings: sysctl -p " SYSCTR_SYSCTL_DROPIN,
                "kernel.pid_max is 5000; 10 privileged and 10 unprivileged containers need about 6656: run sysctl "
                "-w kernel.pid_max=4194304, or apply sysctr's settings: sysctl -p " SYSCTR_SYSCTL_DROPIN,
                "kernel.threads-max is 5000; 10 privileged and 10 unprivileged containers need about 6656: run "
                "sysctl -w kernel.threads-max=8192 and keep it in a file in /etc/sysctl.d/",
                "fs.file-max is 70000; 10 privileged and 10 unprivileged containers need about 75776: run sysctl "
                "-w fs.file-max=131072 and keep it in a file in /etc/sysctl.d/",
                "fs.nr_open is 1024; a guest's systemd needs about 524288: run sysctl -w fs.nr_open=524288 and "
                "keep it in a file in /etc/sysctl.d/",
        };

        is_int(check(tree, 10, 10, true, &r), 0, "10 + 10 containers on a host with low limits");
        is_int(r.n, ELEMENTSOF(expected), "... %zu limits are short", ELEMENTSOF(expected));
        for (size_t i = 0; i < ELEMENTSOF(expected); i++)
                is_str(message(&r, i), expected[i], "... message %zu", i);

        is_int(check(tree, 40000, 0, true, &r), 0, "40000 privileged containers");
        for (size_t i = 0; i < r.n; i++)
                if (streq(r.s[i].sysctl, "kernel.pid_max"))
                        pid = strdup(message(&r, i));
        ok(pid && strstr(pid, "need about 5124096: run sysctl -w kernel.pid_max=4194304 "),
           "... kernel.pid_max is not suggested beyond the kernel's maximum");
        diag("%s", strna(pid));
}

static void test_user_keys(void) {
        static const Value low[] = { { "kernel.keys.maxkeys", "20" }, { "kernel.keys.maxbytes", "500" } };
        _cleanup_free_ char *tree = make_tree(low, ELEMENTSOF(low));
        _cleanup_(result_done) Result r = {};

        is_int(check(tree, 0, 5, false, &r), 0, "5 unprivileged containers, key quotas of 20 keys, 500 bytes");
        is_int(r.n, 2, "... both are short");
        is_str(message(&r, 0), "kernel.keys.maxkeys is 20; each unprivileged container's root needs about 32: run "
                               "sysctl -w kernel.keys.maxkeys=2000, or apply sysctr's settings: sysctl -p "
                               SYSCTR_SYSCTL_DROPIN,
               "... per guest root, not per number of containers");
        is_int(r.n > 1 ? r.s[1].needed : 0, 1024, "... and 1024 bytes");
        is_int(check(tree, 0, 500, false, &r), 0, "500 unprivileged containers");
        is_int(r.n > 0 ? r.s[0].needed : 0, 32, "... still 32 keys: each guest's root is a UID of its own");
}

static void test_missing_and_garbage(void) {
        static const Value no_keys[] = {
                { "kernel.keys.root_maxkeys", NULL }, { "kernel.keys.root_maxbytes", NULL },
                { "kernel.keys.maxkeys", NULL },      { "kernel.keys.maxbytes", NULL },
                { "fs.inotify.max_user_instances", "1" },
        };
        static const char * const garbage[] = { "abc", "-5", "", "12 13", "99999999999999999999999" };
        _cleanup_free_ char *tree = make_tree(no_keys, ELEMENTSOF(no_keys));
        _cleanup_(result_done) Result r = {};

        is_int(check(tree, 1, 1, true, &r), 0, "a kernel without keys (no kernel/keys/)");
        is_int(r.n, 1, "... is checked for the rest");
        is_str(r.n > 0 ? r.s[0].sysctl : NULL, "fs.inotify.max_user_instances", "... which is short here");
        is_int(check("/nonexistent", 1, 1, true, &r), 0, "no tree at all");
        is_int(r.n, 0, "... nothing to say");

        for (size_t i = 0; i < ELEMENTSOF(garbage); i++) {
                Value v = { "kernel.pid_max", garbage[i] };
                _cleanup_free_ char *bad = make_tree(&v, 1);

                is_int(check(bad, 1, 0, true, &r), -EBADMSG, "kernel.pid_max \"%s\" is -EBADMSG", garbage[i]);
        }
}

/* The drop-in: every value it sets is the one host-limits.c suggests, and it holds 150 + 150
 * containers (unprivileged ones counted against root, the worst case). */
static void test_dropin(void) {
        _cleanup_free_ char *path = NULL, *text = NULL, *tree = NULL, *ones_tree = NULL;
        _cleanup_(result_done) Result r = {};
        const char *srcdir = getenv("top_srcdir");
        Value values[32], ones[ELEMENTSOF(host_defaults)];
        size_t n = 0, found = 0;

        require(asprintf(&path, "%s/units/sysctl.d/60-sysctr.conf", isempty(srcdir) ? "." : srcdir) >= 0);
        require(read_full_file(path, &text, NULL) >= 0);
        for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *eq = strchr(l, '=');

                if (l[0] == '#' || !eq)
                        continue;
                require(n < ELEMENTSOF(values));
                eq[-1] = eq[1] = '\0';
                values[n++] = (Value) { l, eq + 2 };
        }
        ok(n >= 5, "the drop-in sets %zu limits", n);

        for (size_t i = 0; i < ELEMENTSOF(host_defaults); i++)
                ones[i] = (Value) { host_defaults[i].name, "1" };
        ones_tree = make_tree(ones, ELEMENTSOF(ones));
        is_int(check(ones_tree, 1, 1, true, &r), 0, "every limit at 1");
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < r.n; j++)
                        if (streq(r.s[j].sysctl, values[i].name)) {
                                char v[32];

                                found++;
                                snprintf(v, sizeof(v), "%" PRIu64, r.s[j].suggested);
                                is_str(v, values[i].value, "%s: the suggestion is the drop-in's value", values[i].name);
                                ok(strstr(message(&r, j), "sysctl -p " SYSCTR_SYSCTL_DROPIN),
                                   "... and the message points at the drop-in");
                        }
        is_int(found, n, "every key of the drop-in is a limit that host-limits.c checks");

        tree = make_tree(values, n);
        is_int(check(tree, 150, 150, true, &r), 0, "150 privileged and 150 unprivileged containers with the drop-in");
        is_int(r.n, 0, "... nothing is short");
        if (r.n > 0)
                diag("%s", message(&r, 0));
}

static void rm_tree(void) {
        if (tree_root)
                (void) rm_rf(tree_root);
}

int main(void) {
        tree_root = test_mkdtemp("test-host-limits");
        require(tree_root);
        require(atexit(rm_tree) == 0);

        test_this_host();
        test_grammar();
        test_everything_low();
        test_user_keys();
        test_missing_and_garbage();
        test_dropin();
        return done_testing();
}
