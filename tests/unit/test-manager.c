/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysctrd's logic (libsysctrd.a) through its D-Bus API, without root, a bus daemon or systemd, as
 * systemd tests libmachine_core: the Manager serves one end of a socketpair (a direct sd-bus
 * connection), the test calls org.sysctr1 from the other end, and a fake Backend stands in for
 * systemd units and agents. Its start and stop only record the call; the test moves the containers'
 * state as an agent's state file would (container_set_state()). State, runtime, log and template
 * directories are in a temporary directory. */

#include <dirent.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <systemd/sd-id128.h>
#include <time.h>

#include "backend.h"
#include "bus-names.h"
#include "container.h"
#include "fileio.h"
#include "job.h"
#include "manager.h"
#include "paths.h"
#include "strv.h"
#include "tap.h"
#include "time-util.h"

/* The PID of a running container's init: above any pid_max (at most 2^22), so no real process. */
#define FAKE_LEADER (1 << 30)

/* --- the fake backend --- */

static char **started, **stopped;      /* names, in the order the backend was asked */
static int start_result;                /* what the next starts return */
static char **limits_applied;           /* names, for apply_limits */
static int limits_result;               /* what apply_limits returns */
static char **autostart_set;            /* "NAME yes|no", for set_autostart */

static int fake_start(Container *c) {
        require(strv_extend(&started, c->name) >= 0);
        return start_result;
}

static int fake_stop(Container *c) {
        require(strv_extend(&stopped, c->name) >= 0);
        return 0;
}

static void fake_nothing(Container *c) {
}

static int fake_apply_limits(Container *c, sd_bus_error *error) {
        require(strv_extend(&limits_applied, c->name) >= 0);
        if (limits_result < 0)
                return sd_bus_error_set_errnof(error, limits_result, "Failed to apply the limits of \"%s\": %m",
                                               c->name);
        return 0;
}

static int fake_set_autostart(Container *c, bool enable, sd_bus_error *error) {
        char *l;

        require(asprintf(&l, "%s %s", c->name, enable ? "yes" : "no") >= 0);
        require(strv_push(&autostart_set, l) >= 0);
        return 0;
}

static void fake_startup(Manager *m) {
}

static const Backend fake_backend = {
        .name = "fake",
        .units = false,
        .start = fake_start,
        .stop = fake_stop,
        .agent_gone = fake_nothing,
        .apply_limits = fake_apply_limits,
        .set_autostart = fake_set_autostart,
        .created = fake_nothing,
        .deleted = fake_nothing,
        .startup = fake_startup,
};

/* --- the fixture: a Manager on one end of a socketpair, our client on the other --- */

static char *tmp;
static Manager *manager;
static sd_bus *client;
static char **heard;                    /* the signals the client got, as text (see on_signal()) */

static char *tmp_path(const char *suffix) {
        char *p;

        require(asprintf(&p, "%s/%s", tmp, suffix) >= 0);
        return p;
}

static void setenv_tmp(const char *var, const char *suffix) {
        _cleanup_free_ char *p = tmp_path(suffix);

        require(setenv(var, p, 1) >= 0);
}

static void write_tmp_file(const char *suffix, const char *text) {
        _cleanup_free_ char *p = tmp_path(suffix), *dir = strdup(p);

        require(dir);
        *strrchr(dir, '/') = '\0';
        require(mkdir_p(dir, 0755) >= 0);
        require(write_file_atomic(p, text, strlen(text), 0644) >= 0);
}

/* Each signal as one line: "JobNew PATH TYPE TARGET", "JobRemoved PATH TARGET RESULT[ ERROR: MESSAGE]",
 * "ContainerNew NAME PATH", "InterfacesAdded PATH", ... */
static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *member = sd_bus_message_get_member(m), *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;
        char *line = NULL;
        uint32_t id;
        int r;

        if (streq(member, "JobRemoved")) {
                r = sd_bus_message_read(m, "uossss", &id, &a, &b, &c, &d, &e);
                require(r >= 0);
                r = isempty(d) ? asprintf(&line, "%s %s %s %s", member, a, b, c)
                               : asprintf(&line, "%s %s %s %s %s: %s", member, a, b, c, d, e);
        } else if (streq(member, "JobNew")) {
                require(sd_bus_message_read(m, "uoss", &id, &a, &b, &c) >= 0);
                r = asprintf(&line, "%s %s %s %s", member, a, b, c);
        } else if (streq(member, "ContainerNew") || streq(member, "ContainerRemoved")) {
                require(sd_bus_message_read(m, "so", &a, &b) >= 0);
                r = asprintf(&line, "%s %s %s", member, a, b);
        } else if (streq(member, "InterfacesAdded") || streq(member, "InterfacesRemoved")) {
                require(sd_bus_message_read(m, "o", &a) >= 0);
                r = asprintf(&line, "%s %s", member, a);
        } else
                return 0;
        require(r >= 0);
        require(strv_push(&heard, line) >= 0);
        return 0;
}

static bool ends_with(const char *s, const char *suffix) {
        return s && strlen(s) >= strlen(suffix) && streq(s + strlen(s) - strlen(suffix), suffix);
}

static int strcmp_ptr(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

/* Run both ends until cond() holds, at most 10 s. */
static bool run_until(bool (*cond)(const void *arg), const void *arg) {
        uint64_t deadline = now(CLOCK_MONOTONIC) + 10 * USEC_PER_SEC;

        while (!cond(arg)) {
                if (now(CLOCK_MONOTONIC) > deadline)
                        return false;
                require(sd_event_run(manager->event, 100 * 1000) >= 0);
        }
        return true;
}

/* Let everything that is due now happen (deferred job ends, queued signals). */
static void settle(void) {
        for (int i = 0; i < 20; i++)
                require(sd_event_run(manager->event, 1000) >= 0);
}

static bool heard_prefix_cond(const void *arg) {
        STRV_FOREACH(l, heard)
                if (strneq(*l, arg, strlen(arg)))
                        return true;
        return false;
}

/* The first signal heard that starts with prefix (waiting for it), taken off the list; NULL if none
 * came. */
static char *take_signal(const char *prefix) {
        if (!run_until(heard_prefix_cond, prefix))
                return NULL;
        for (size_t i = 0; heard[i]; i++)
                if (strneq(heard[i], prefix, strlen(prefix))) {
                        char *l = heard[i];

                        memmove(heard + i, heard + i + 1, (strv_length(heard + i + 1) + 1) * sizeof(char *));
                        return l;
                }
        return NULL;
}

static bool heard_any(const char *prefix) {
        return heard_prefix_cond(prefix);
}

static void forget_signals(void) {
        heard = strv_free(heard);
}

typedef struct Call {
        sd_bus_message *reply;
} Call;

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Call *c = userdata;

        c->reply = sd_bus_message_ref(m);
        return 0;
}

static bool call_done(const void *arg) {
        return ((const Call *) arg)->reply;
}

/* Call member of path and run both ends until the answer is there. 0 and the reply, or < 0 and the
 * error (both are freed by the caller). */
static int callv(const char *path, const char *interface, const char *member, sd_bus_message **ret_reply,
                 sd_bus_error *ret_error, const char *types, va_list ap) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        Call c = {};
        int r;

        require(sd_bus_message_new_method_call(client, &m, NULL, path, interface, member) >= 0);
        if (types)
                require(sd_bus_message_appendv(m, types, ap) >= 0);
        require(sd_bus_call_async(client, NULL, m, on_reply, &c, 0) >= 0);
        require(run_until(call_done, &c));
        if (sd_bus_message_is_method_error(c.reply, NULL)) {
                r = sd_bus_error_copy(ret_error, sd_bus_message_get_error(c.reply));
                sd_bus_message_unref(c.reply);
                return r < 0 ? r : -EIO;
        }
        if (ret_reply)
                *ret_reply = c.reply;
        else
                sd_bus_message_unref(c.reply);
        return 0;
}

static int call(const char *path, const char *interface, const char *member, sd_bus_message **ret_reply,
                sd_bus_error *ret_error, const char *types, ...) {
        va_list ap;
        int r;

        va_start(ap, types);
        r = callv(path, interface, member, ret_reply, ret_error, types, ap);
        va_end(ap);
        return r;
}

/* A manager method; the error, if any, as "Name: message" in *ret_error_text. */
static int manager_call(const char *member, sd_bus_message **ret_reply, char **ret_error_text, const char *types,
                        ...) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        va_list ap;
        int r;

        va_start(ap, types);
        r = callv(SYSCTR_MANAGER_PATH, SYSCTR_MANAGER_INTERFACE, member, ret_reply, &e, types, ap);
        va_end(ap);
        if (ret_error_text) {
                *ret_error_text = NULL;
                if (r < 0)
                        require(asprintf(ret_error_text, "%s: %s", e.name, strna(e.message)) >= 0);
        }
        return r;
}

/* A string, object path or the text of an unsigned property; NULL on error. */
static char *get_property(const char *path, const char *interface, const char *property) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *contents, *s;
        char *ret = NULL;
        uint32_t u;

        if (call(path, "org.freedesktop.DBus.Properties", "Get", &reply, &e, "ss", interface, property) < 0)
                return NULL;
        require(sd_bus_message_peek_type(reply, NULL, &contents) >= 0);
        if (streq(contents, "s") || streq(contents, "o")) {
                require(sd_bus_message_read(reply, "v", contents, &s) >= 0);
                ret = strdup(s);
        } else if (streq(contents, "u")) {
                require(sd_bus_message_read(reply, "v", "u", &u) >= 0);
                require(asprintf(&ret, "%u", u) >= 0);
        } else if (streq(contents, "b")) {
                int b;

                require(sd_bus_message_read(reply, "v", "b", &b) >= 0);
                ret = strdup(b ? "yes" : "no");
        } else if (streq(contents, "t")) {
                uint64_t t;

                require(sd_bus_message_read(reply, "v", "t", &t) >= 0);
                require(asprintf(&ret, "%" PRIu64, t) >= 0);
        } else if (streq(contents, "d")) {
                double d;

                require(sd_bus_message_read(reply, "v", "d", &d) >= 0);
                require(asprintf(&ret, "%g", d) >= 0);
        }
        return ret;
}

static char *container_state(const char *name) {
        _cleanup_free_ char *path = NULL;

        require(sd_bus_path_encode(SYSCTR_CONTAINER_PATH_PREFIX, name, &path) >= 0);
        return get_property(path, SYSCTR_CONTAINER_INTERFACE, "State");
}

static Container *container(const char *name) {
        Container *c = manager_get_container(manager, name);

        require(c);
        return c;
}

/* The entries of <state>/containers, sorted, joined by blanks ("" if none). */
static char *containers_on_disk(void) {
        _cleanup_free_ char *dir = tmp_path("state/containers");
        _cleanup_strv_free_ char **l = NULL;
        struct dirent **names = NULL;
        int n;

        n = scandir(dir, &names, NULL, alphasort);
        require(n >= 0);
        for (int i = 0; i < n; i++) {
                if (!streq(names[i]->d_name, ".") && !streq(names[i]->d_name, ".."))
                        require(strv_extend(&l, names[i]->d_name) >= 0);
                free(names[i]);
        }
        free(names);
        return l ? strv_join(l, " ") : strdup("");
}

static bool no_leftovers_cond(const void *arg) {
        _cleanup_free_ char *all = containers_on_disk();

        return !strstr(all, SYSCTR_TEMP_PREFIX);
}

static void setup(void) {
        _cleanup_close_pair_ int pair[2] = { -EBADF, -EBADF };
        sd_bus *server = NULL;
        sd_id128_t id;

        tmp = test_mkdtemp("test-manager");
        require(tmp);
        setenv_tmp("SYSCTR_STATE_DIR", "state");
        setenv_tmp("SYSCTR_RUNTIME_DIR", "run");
        setenv_tmp("SYSCTR_LOG_DIR", "log");
        setenv_tmp("SYSCTR_TEMPLATE_DIR", "templates");
        setenv_tmp("SYSCTR_SUBUID", "subuid");
        setenv_tmp("SYSCTR_SUBGID", "subgid");
        setenv_tmp("SYSCTR_PROC_SYS", "proc-sys");
        require(setenv("SYSCTR_AGENT", "/nonexistent/sysctr-agent", 1) >= 0);

        /* A template whose image is cached, and one whose builder is a script of ours. */
        write_tmp_file("templates/fake/template.yaml",
                       "description: \"Fake, its image is cached\"\ninit: [/sbin/init]\n");
        write_tmp_file("state/images/fake/image.info", "TEMPLATE=fake\nRELEASE=\nARCH=amd64\nCREATED=1\n");
        _cleanup_free_ char *rootfs = tmp_path("state/images/fake/rootfs");
        require(mkdir_p(rootfs, 0755) >= 0);
        write_tmp_file("templates/slow/template.yaml", "description: \"Built by a script\"\ninit: [/sbin/init]\n");
        /* The builder contract: --name --rootfs --release --arch; "PROGRESS=NN" lines. It waits for a
         * file of ours, so that the test sees the create job while it runs. */
        _cleanup_free_ char *go = tmp_path("go"), *script = NULL;
        require(asprintf(&script,
                         "#!/bin/sh\nset -e\n"
                         /* SIGPIPE (bit 13) must not be ignored, as it is in sysctrd. */
                         "ign=$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$$/status)\n"
                         "[ $((0x$ign & 0x1000)) -eq 0 ] || { echo \"SIGPIPE is ignored\"; exit 1; }\n"
                         "echo PROGRESS=50\nwhile [ ! -e %s ]; do sleep 0.05; done\n"
                         "mkdir \"$4\"\necho built\n", go) >= 0);
        write_tmp_file("templates/slow/build", script);
        _cleanup_free_ char *build = tmp_path("templates/slow/build");
        require(chmod(build, 0755) >= 0);
        /* No ranges of IDs for root: unprivileged creates must fail cleanly. */
        write_tmp_file("subuid", "");
        write_tmp_file("subgid", "");
        _cleanup_free_ char *proc_sys = tmp_path("proc-sys");
        require(mkdir_p(proc_sys, 0755) >= 0);

        /* A container whose config.yaml is not YAML, there before sysctrd starts. */
        write_tmp_file("state/containers/bad/config.yaml", "name: bad\ntemplate: [fake\n");

        /* As sysctrd does (manager_run()): what it runs must not inherit that. */
        require(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
        require(manager_new(MANAGER_STANDALONE, &manager) >= 0);
        manager->backend = &fake_backend;
        require(manager_load(manager) >= 0);

        require(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) >= 0);
        require(sd_id128_randomize(&id) >= 0);
        require(sd_bus_new(&server) >= 0);
        require(sd_bus_set_fd(server, pair[0], pair[0]) >= 0);
        pair[0] = -EBADF;
        require(sd_bus_set_server(server, true, id) >= 0);
        require(sd_bus_start(server) >= 0);
        manager->bus = server;
        require(manager_connect(manager) >= 0);

        require(sd_bus_new(&client) >= 0);
        require(sd_bus_set_fd(client, pair[1], pair[1]) >= 0);
        pair[1] = -EBADF;
        require(sd_bus_start(client) >= 0);
        require(sd_bus_attach_event(client, manager->event, SD_EVENT_PRIORITY_NORMAL) >= 0);
        require(sd_bus_add_match(client, NULL, "type='signal'", on_signal, NULL) >= 0);
}

static void teardown(void) {
        client = sd_bus_flush_close_unref(client);
        manager = manager_free(manager);
        (void) rm_rf(tmp);
        free(tmp);
        strv_free(heard);
        strv_free(started);
        strv_free(stopped);
        strv_free(limits_applied);
        strv_free(autostart_set);
}

/* --- the tests --- */

static void test_broken(void) {
        int r;
        _cleanup_free_ char *state = container_state("bad"), *err = NULL, *yaml = NULL, *on_disk = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *text;

        is_str(state, "broken", "a container whose config.yaml is not YAML is \"broken\"");
        _cleanup_free_ char *result = get_property(container("bad")->path, SYSCTR_CONTAINER_INTERFACE, "Result");
        ok(result && strstr(result, "/bad/config.yaml:3: "),
           "its Result says why, with file and line: %s", strna(result));

        r = manager_call("StartContainer", NULL, &err, "s", "bad");
        ok(r < 0 &&
           strneq(err, SYSCTR_ERROR_CONTAINER_BROKEN ": ", strlen(SYSCTR_ERROR_CONTAINER_BROKEN) + 2),
           "starting it gives ContainerBroken: %s", strna(err));
        ok(manager_call("GetContainerConfig", &reply, NULL, "s", "bad") >= 0 &&
           sd_bus_message_read(reply, "s", &text) >= 0 && streq(text, "name: bad\ntemplate: [fake\n"),
           "GetContainerConfig gives its config.yaml as stored");
        err = mfree(err);
        r = manager_call("CreateContainer", NULL, &err, "ssa{sv}", "bad", "fake", 2, "networks", "as", 1, "none", "privileged", "b", 1);
        ok(r < 0 &&
           strneq(err, SYSCTR_ERROR_CONTAINER_EXISTS, strlen(SYSCTR_ERROR_CONTAINER_EXISTS)),
           "its name is taken while it is there: %s", strna(err));

        forget_signals();
        ok(manager_call("DeleteContainer", NULL, NULL, "s", "bad") >= 0, "a broken container can be deleted");
        _cleanup_free_ char *removed = take_signal("ContainerRemoved bad");
        ok(removed, "ContainerRemoved is sent for it");
        ok(run_until(no_leftovers_cond, NULL), "its files are removed (in the background)");
        on_disk = containers_on_disk();
        is_str(on_disk, "", "nothing of it is left on disk");
        ok(!manager_get_container(manager, "bad"), "it is gone from the manager");

        ok(manager_call("CreateContainer", NULL, NULL, "ssa{sv}", "bad", "fake", 2, "networks", "as", 1, "none", "privileged", "b", 1) >= 0,
           "its name can be used again");
        ok(manager_call("DeleteContainer", NULL, NULL, "s", "bad") >= 0, "and deleted again");
        ok(run_until(no_leftovers_cond, NULL), "leaving nothing behind");
}

static void test_create_cached(void) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *expected = NULL, *on_disk = NULL, *state = NULL, *added = NULL, *new = NULL;
        const char *path;

        forget_signals();
        ok(manager_call("CreateContainer", &reply, NULL, "ssa{sv}", "web1", "fake", 3, "networks", "as", 1, "none", "privileged", "b", 1,
                        "memory", "s", "512M") >= 0 &&
           sd_bus_message_read(reply, "o", &path) >= 0,
           "CreateContainer of a cached image answers at once");
        require(sd_bus_path_encode(SYSCTR_CONTAINER_PATH_PREFIX, "web1", &expected) >= 0);
        is_str(path, expected, "with the container's object path");
        on_disk = containers_on_disk();
        is_str(on_disk, "web1", "its directory is there");
        _cleanup_free_ char *config = tmp_path("state/containers/web1/config.yaml"), *upper =
                tmp_path("state/containers/web1/upper"), *work = tmp_path("state/containers/web1/work");
        ok(access(config, F_OK) >= 0 && access(upper, F_OK) >= 0 && access(work, F_OK) >= 0,
           "with config.yaml, upper/ and work/");
        state = container_state("web1");
        is_str(state, "stopped", "its state is \"stopped\"");
        new = take_signal("ContainerNew web1");
        ok(new, "ContainerNew is sent");
        added = take_signal("InterfacesAdded ");
        is_str(added ? added + strlen("InterfacesAdded ") : NULL, expected, "InterfacesAdded names its object");
        ok(!heard_any("JobNew"), "no job for a create that is done at once");
        _cleanup_free_ char *memory = get_property(expected, SYSCTR_CONTAINER_INTERFACE, "Name");
        is_str(memory, "web1", "its Name property");
        ok(manager_call("CreateContainer", NULL, NULL, "ssa{sv}", "web2", "fake", 2, "networks", "as", 1, "none", "privileged", "b", 1) >= 0,
           "a second container");
}

static void test_lookups(void) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *list = NULL, *objects = NULL;
        _cleanup_free_ char *err = NULL, *expected = NULL;
        _cleanup_strv_free_ char **rows = NULL, **managed = NULL;
        const char *path, *name, *state, *template;
        int r;

        require(sd_bus_path_encode(SYSCTR_CONTAINER_PATH_PREFIX, "web1", &expected) >= 0);
        ok(manager_call("GetContainer", &reply, NULL, "s", "web1") >= 0 &&
           sd_bus_message_read(reply, "o", &path) >= 0 && streq(path, expected), "GetContainer");
        r = manager_call("GetContainer", NULL, &err, "s", "nosuch");
        ok(r < 0 &&
           streq(err, SYSCTR_ERROR_NO_SUCH_CONTAINER ": No container \"nosuch\"."),
           "GetContainer of an unknown name: %s", strna(err));
        err = mfree(err);
        r = manager_call("GetContainer", NULL, &err, "s", "Not/Valid");
        ok(r < 0 &&
           strneq(err, SYSCTR_ERROR_INVALID_NAME, strlen(SYSCTR_ERROR_INVALID_NAME)) && strstr(err, "Not/Valid"),
           "GetContainer of an invalid name: %s", strna(err));
        err = mfree(err);
        r = manager_call("GetContainerByPID", NULL, &err, "u", (uint32_t) getpid());
        ok(r < 0 &&
           strneq(err, SYSCTR_ERROR_NO_SUCH_CONTAINER, strlen(SYSCTR_ERROR_NO_SUCH_CONTAINER)),
           "GetContainerByPID of a process of no container: %s", strna(err));

        require(manager_call("ListContainers", &list, NULL, NULL) >= 0);
        require(sd_bus_message_enter_container(list, 'a', "(ssso)") >= 0);
        while ((r = sd_bus_message_read(list, "(ssso)", &name, &state, &template, &path)) > 0) {
                char *row;

                require(asprintf(&row, "%s %s %s %s", name, state, template, path) >= 0);
                require(strv_push(&rows, row) >= 0);
        }
        require(r >= 0);
        _cleanup_free_ char *joined = strv_join(rows, "|");
        is_str(joined,
               "web1 stopped fake " SYSCTR_CONTAINER_PATH_PREFIX "/web1|web2 stopped fake " SYSCTR_CONTAINER_PATH_PREFIX
               "/web2", "ListContainers: name, state, template and path, sorted by name");

        /* GetManagedObjects: every container with its properties. */
        require(call(SYSCTR_MANAGER_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", &objects, NULL,
                     NULL) >= 0);
        require(sd_bus_message_enter_container(objects, 'a', "{oa{sa{sv}}}") >= 0);
        while ((r = sd_bus_message_enter_container(objects, 'e', "oa{sa{sv}}")) > 0) {
                require(sd_bus_message_read(objects, "o", &path) >= 0);
                require(sd_bus_message_enter_container(objects, 'a', "{sa{sv}}") >= 0);
                while ((r = sd_bus_message_enter_container(objects, 'e', "sa{sv}")) > 0) {
                        const char *interface, *property;
                        char *row;

                        require(sd_bus_message_read(objects, "s", &interface) >= 0);
                        if (!streq(interface, SYSCTR_CONTAINER_INTERFACE)) {
                                require(sd_bus_message_skip(objects, "a{sv}") >= 0);
                                require(sd_bus_message_exit_container(objects) >= 0);
                                continue;
                        }
                        require(sd_bus_message_enter_container(objects, 'a', "{sv}") >= 0);
                        while ((r = sd_bus_message_enter_container(objects, 'e', "sv")) > 0) {
                                require(sd_bus_message_read(objects, "s", &property) >= 0);
                                if (streq(property, "Name") || streq(property, "State")) {
                                        require(sd_bus_message_read(objects, "v", "s", &name) >= 0);
                                        require(asprintf(&row, "%s %s=%s", path, property, name) >= 0);
                                        require(strv_push(&managed, row) >= 0);
                                } else
                                        require(sd_bus_message_skip(objects, "v") >= 0);
                                require(sd_bus_message_exit_container(objects) >= 0);
                        }
                        require(r >= 0);
                        require(sd_bus_message_exit_container(objects) >= 0);
                        require(sd_bus_message_exit_container(objects) >= 0);
                }
                require(r >= 0);
                require(sd_bus_message_exit_container(objects) >= 0);
                require(sd_bus_message_exit_container(objects) >= 0);
        }
        require(r >= 0);
        qsort(managed, strv_length(managed), sizeof(char *), strcmp_ptr);
        joined = mfree(joined);
        joined = strv_join(managed, "|");
        is_str(joined,
               SYSCTR_CONTAINER_PATH_PREFIX "/web1 Name=web1|" SYSCTR_CONTAINER_PATH_PREFIX "/web1 State=stopped|"
               SYSCTR_CONTAINER_PATH_PREFIX "/web2 Name=web2|" SYSCTR_CONTAINER_PATH_PREFIX "/web2 State=stopped",
               "GetManagedObjects gives every container with its properties");
}

/* A call that must fail with error_name and a message naming bad, leaving the disk and the
 * manager as they were. */
static void check_refused(const char *what, const char *error_name, const char *bad, const char *name,
                          const char *template, const char *key, const char *type, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *before = containers_on_disk(), *after = NULL;
        size_t n_before = hashmap_size(manager->containers);
        Call c = {};
        va_list ap;

        require(sd_bus_message_new_method_call(client, &m, NULL, SYSCTR_MANAGER_PATH, SYSCTR_MANAGER_INTERFACE,
                                               "CreateContainer") >= 0);
        require(sd_bus_message_append(m, "ss", name, template) >= 0);
        require(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
        if (key) {
                require(sd_bus_message_open_container(m, 'e', "sv") >= 0);
                require(sd_bus_message_append(m, "s", key) >= 0);
                require(sd_bus_message_open_container(m, 'v', type) >= 0);
                va_start(ap, type);
                require(sd_bus_message_appendv(m, type, ap) >= 0);
                va_end(ap);
                require(sd_bus_message_close_container(m) >= 0);
                require(sd_bus_message_close_container(m) >= 0);
        }
        require(sd_bus_message_close_container(m) >= 0);
        require(sd_bus_call_async(client, NULL, m, on_reply, &c, 0) >= 0);
        require(run_until(call_done, &c));
        reply = c.reply;
        after = containers_on_disk();

        const sd_bus_error *got = sd_bus_message_get_error(reply);
        ok(got && streq(got->name, error_name) && got->message && strstr(got->message, bad) && streq(before, after) &&
           hashmap_size(manager->containers) == n_before,
           "%s: %s naming \"%s\", nothing created: %s: %s", what, error_name, bad, got ? got->name : "no error",
           got ? strna(got->message) : "");
}

static void test_bad_input(void) {
        static const char * const bad_names[] = {
                "Web1", "web_1", "-web", "web-", "12345", "", "a/b",
                "a234567890123456789012345678901234567890123456789012345678901234",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad_names); i++) {
                _cleanup_free_ char *what = NULL;

                require(asprintf(&what, "name \"%s\"", bad_names[i]) >= 0);
                check_refused(what, SYSCTR_ERROR_INVALID_NAME, bad_names[i], bad_names[i], "fake", NULL, NULL);
        }
        check_refused("an unknown option", SD_BUS_ERROR_INVALID_ARGS, "frobnicate", "c1", "fake", "frobnicate", "b",
                      1);
        check_refused("a bad memory size", SD_BUS_ERROR_INVALID_ARGS, "lots", "c1", "fake", "memory", "s", "lots");
        check_refused("a bad CPU count", SD_BUS_ERROR_INVALID_ARGS, "-1", "c1", "fake", "cpus", "d", -1.0);
        check_refused("an option of the wrong type", SD_BUS_ERROR_INVALID_ARGS, "autostart", "c1", "fake",
                      "autostart", "s", "yes");
        check_refused("a relative init", SD_BUS_ERROR_INVALID_ARGS, "sbin/init", "c1", "fake", "init", "as", 1,
                      "sbin/init");
        check_refused("a bad stop signal", SD_BUS_ERROR_INVALID_ARGS, "SIGKILL", "c1", "fake", "stop-signal", "s",
                      "SIGKILL");
        check_refused("a bad bind", SD_BUS_ERROR_INVALID_ARGS, "relative:/mnt", "c1", "fake", "binds", "as", 1,
                      "relative:/mnt");
        check_refused("an id-base too low", SD_BUS_ERROR_INVALID_ARGS, "5", "c1", "fake", "id-base", "u", 5);
        check_refused("a release the template does not have", SD_BUS_ERROR_INVALID_ARGS, "sid", "c1", "fake",
                      "release", "s", "sid");
        check_refused("an unknown template", SYSCTR_ERROR_NO_SUCH_TEMPLATE, "nosuch", "c1", "nosuch", NULL, NULL);
        check_refused("an invalid template name", SYSCTR_ERROR_NO_SUCH_TEMPLATE, "../fake", "c1", "../fake", NULL,
                      NULL);
        check_refused("an existing name", SYSCTR_ERROR_CONTAINER_EXISTS, "web1", "web1", "fake", "privileged", "b",
                      1);
        /* subuid/subgid give root no range here. */
        check_refused("unprivileged without IDs for root", SYSCTR_ERROR_NO_ID_RANGE, "c1", "c1", "fake", NULL, NULL);
}

static uint32_t job_id_of(const char *path) {
        const char *p = strrchr(path, '/');

        return p ? (uint32_t) strtoul(p + 1, NULL, 10) : 0;
}

/* "JobRemoved PATH TARGET RESULT[ ERROR: MESSAGE]" of the job at path. */
static char *job_removed(const char *path) {
        _cleanup_free_ char *prefix = NULL;

        require(asprintf(&prefix, "JobRemoved %s ", path) >= 0);
        return take_signal(prefix);
}

static char *start(const char *name, char **ret_job) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char *err = NULL;
        const char *path;

        if (manager_call("StartContainer", &reply, &err, "s", name) < 0)
                return err;
        require(sd_bus_message_read(reply, "o", &path) >= 0);
        *ret_job = strdup(path);
        require(*ret_job);
        return NULL;
}

static void test_start_stop(void) {
        int r;
        _cleanup_free_ char *job = NULL, *removed = NULL, *state = NULL, *new = NULL, *err = NULL, *expected = NULL,
                            *job_state = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *path;

        forget_signals();
        err = start("web1", &job);
        ok(!err && job && strneq(job, SYSCTR_JOB_PATH_PREFIX "/", strlen(SYSCTR_JOB_PATH_PREFIX) + 1),
           "StartContainer returns a job: %s", job ?: strna(err));
        _cleanup_free_ char *started_list = strv_join(started, " ");
        is_str(started_list, "web1", "the backend was asked to start it");
        state = container_state("web1");
        is_str(state, "starting", "the container is \"starting\"");
        _cleanup_free_ char *job_type = get_property(job, SYSCTR_JOB_INTERFACE, "Type"),
                            *target = get_property(job, SYSCTR_JOB_INTERFACE, "Target"),
                            *object = get_property(job, SYSCTR_JOB_INTERFACE, "Object");
        ok(streq_ptr(job_type, "start") && streq_ptr(target, "web1") &&
           streq_ptr(object, container("web1")->path), "the job object: Type start, Target web1, Object");
        require(asprintf(&expected, "JobNew %s start web1", job) >= 0);
        new = take_signal("JobNew ");
        is_str(new, expected, "JobNew announced it");
        free(new);
        new = take_signal("InterfacesAdded " SYSCTR_JOB_PATH_PREFIX);
        ok(new, "so did InterfacesAdded");
        ok(manager_call("GetJob", &reply, NULL, "u", job_id_of(job)) >= 0 &&
           sd_bus_message_read(reply, "o", &path) >= 0 && streq(path, job), "GetJob finds it by id");
        ok(!heard_any("JobRemoved"), "the job runs until the container runs");

        /* The agent reports the container running. */
        container_set_state(container("web1"), CONTAINER_RUNNING, FAKE_LEADER, NULL);
        removed = job_removed(job);
        free(expected);
        require(asprintf(&expected, "JobRemoved %s web1 done", job) >= 0);
        is_str(removed, expected, "once it runs, JobRemoved says \"done\"");
        ok(!manager_get_job(manager, job_id_of(job)), "the job is gone");
        job_state = get_property(job, SYSCTR_JOB_INTERFACE, "State");
        ok(!job_state, "its object too");
        free(state);
        state = container_state("web1");
        is_str(state, "running", "the container is \"running\"");
        sd_bus_message_unref(reply);
        reply = NULL;
        ok(manager_call("GetContainerByPID", &reply, NULL, "u", (uint32_t) FAKE_LEADER) >= 0 &&
           sd_bus_message_read(reply, "o", &path) >= 0 && streq(path, container("web1")->path),
           "GetContainerByPID finds it by its init");
        r = manager_call("DeleteContainer", NULL, &err, "s", "web1");
        ok(r < 0 &&
           strneq(err, SYSCTR_ERROR_CONTAINER_RUNNING, strlen(SYSCTR_ERROR_CONTAINER_RUNNING)),
           "a running container cannot be deleted: %s", strna(err));

        /* A start of a running container: a job that is done at once. */
        job = mfree(job);
        err = mfree(err);
        err = start("web1", &job);
        free(removed);
        removed = job ? job_removed(job) : NULL;
        ok(removed && ends_with(removed, " web1 done"), "starting it again is done at once: %s", strna(removed));
        is_int(strv_length(started), 1, "without asking the backend again");

        /* Stop. */
        sd_bus_message_unref(reply);
        reply = NULL;
        ok(manager_call("StopContainer", &reply, NULL, "s", "web1") >= 0 && sd_bus_message_read(reply, "o", &path) >= 0,
           "StopContainer returns a job");
        free(job);
        job = strdup(path);
        _cleanup_free_ char *stopped_list = strv_join(stopped, " ");
        is_str(stopped_list, "web1", "the backend was asked to stop it");
        free(state);
        state = container_state("web1");
        is_str(state, "stopping", "the container is \"stopping\"");
        container_set_state(container("web1"), CONTAINER_STOPPED, 0, NULL);
        free(removed);
        removed = job_removed(job);
        ok(removed && ends_with(removed, " web1 done"), "once it stopped, JobRemoved says \"done\": %s",
           strna(removed));
        free(err);
        err = NULL;
        r = manager_call("GetContainerByPID", NULL, &err, "u", (uint32_t) FAKE_LEADER);
        ok(r < 0,
           "its init's PID is forgotten: %s", strna(err));
}

static void test_start_fails(void) {
        _cleanup_free_ char *job = NULL, *removed = NULL, *state = NULL, *err = NULL, *new = NULL;

        /* The agent cannot even be run. */
        forget_signals();
        start_result = -EIO;
        err = start("web1", &job);
        start_result = 0;
        ok(err && strstr(err, "web1") && strstr(err, "Input/output error"),
           "a start the backend refuses is an error of the call: %s", strna(err));
        new = take_signal("JobNew ");
        removed = take_signal("JobRemoved ");
        ok(removed && strstr(removed, " web1 failed " SYSCTR_ERROR_START_FAILED ": ") &&
           strstr(removed, "Input/output error"), "its job ends \"failed\", saying why: %s", strna(removed));
        state = container_state("web1");
        is_str(state, "stopped", "the container is \"stopped\" again");

        /* The agent starts, but the container fails. */
        err = mfree(err);
        job = mfree(job);
        err = start("web1", &job);
        ok(!err, "a start");
        container_set_state(container("web1"), CONTAINER_FAILED, 0, "the init exited with status 1");
        free(removed);
        removed = job_removed(job);
        ok(removed && strstr(removed, " web1 failed " SYSCTR_ERROR_START_FAILED ": ") &&
           strstr(removed, "the init exited with status 1"),
           "a container that fails while starting fails its job, saying why: %s", strna(removed));
        free(state);
        state = container_state("web1");
        is_str(state, "failed", "the container is \"failed\"");
        _cleanup_free_ char *result = get_property(container("web1")->path, SYSCTR_CONTAINER_INTERFACE, "Result");
        is_str(result, "the init exited with status 1", "its Result says why");
}

static void test_cancel(void) {
        int r;
        _cleanup_free_ char *job1 = NULL, *job2 = NULL, *err = NULL, *removed = NULL, *state = NULL,
                            *job_state = NULL;

        strv_free(started);
        started = NULL;
        strv_free(stopped);
        stopped = NULL;
        forget_signals();

        /* One start at a time: the second waits for its turn. */
        manager->max_parallel_starts = 1;
        err = start("web1", &job1);
        ok(!err, "start web1");
        err = start("web2", &job2);
        ok(!err, "start web2");
        job_state = get_property(job2, SYSCTR_JOB_INTERFACE, "State");
        is_str(job_state, "waiting", "with one start at a time, the second job waits");
        _cleanup_free_ char *list = strv_join(started, " ");
        is_str(list, "web1", "the backend was asked to start only the first");
        state = container_state("web2");
        is_str(state, "starting", "the waiting container shows as \"starting\"");

        /* Cancel the waiting one through the job's own object. */
        ok(call(job2, SYSCTR_JOB_INTERFACE, "Cancel", NULL, NULL, NULL) >= 0, "Job.Cancel of the waiting job");
        removed = job_removed(job2);
        ok(removed && strstr(removed, " web2 canceled " SYSCTR_ERROR_CANCELED ": "),
           "JobRemoved says \"canceled\": %s", strna(removed));
        free(state);
        state = container_state("web2");
        is_str(state, "stopped", "the container is \"stopped\" again, nothing was run");

        /* Queue it again; it runs once the first is done. */
        job2 = mfree(job2);
        err = start("web2", &job2);
        ok(!err, "start web2 again");
        container_set_state(container("web1"), CONTAINER_RUNNING, FAKE_LEADER, NULL);
        free(removed);
        removed = job_removed(job1);
        ok(removed && ends_with(removed, " web1 done"), "the first start is done");
        free(list);
        list = strv_join(started, " ");
        is_str(list, "web1 web2", "then the second runs: the backend is asked to start it");
        free(job_state);
        job_state = get_property(job2, SYSCTR_JOB_INTERFACE, "State");
        is_str(job_state, "running", "its job is \"running\"");

        /* Cancel a start on its way, through the manager: the container is stopped again. */
        r = manager_call("CancelJob", NULL, &err, "u", job_id_of(job2));
        ok(r >= 0, "CancelJob of the running start: %s",
           strna(err));
        free(removed);
        removed = job_removed(job2);
        ok(removed && strstr(removed, " web2 canceled "), "JobRemoved says \"canceled\": %s", strna(removed));
        free(list);
        list = strv_join(stopped, " ");
        is_str(list, "web2", "the backend is asked to stop it");
        free(state);
        state = container_state("web2");
        is_str(state, "stopping", "it is \"stopping\"");
        container_set_state(container("web2"), CONTAINER_STOPPED, 0, NULL);

        err = mfree(err);
        r = manager_call("CancelJob", NULL, &err, "u", job_id_of(job2));
        ok(r < 0 && err &&
           strneq(err, SYSCTR_ERROR_NO_SUCH_JOB, strlen(SYSCTR_ERROR_NO_SUCH_JOB)),
           "a job that ended cannot be canceled: %s", strna(err));

        /* A stop takes the place of a start on its way. */
        err = mfree(err);
        job2 = mfree(job2);
        err = start("web2", &job2);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        ok(manager_call("StopContainer", &reply, NULL, "s", "web2") >= 0, "a stop while it starts");
        free(removed);
        removed = job_removed(job2);
        ok(removed && strstr(removed, " web2 canceled "), "cancels the start: %s", strna(removed));
        container_set_state(container("web2"), CONTAINER_STOPPED, 0, NULL);

        ok(manager_call("StopContainer", NULL, NULL, "s", "web1") >= 0, "stop web1");
        container_set_state(container("web1"), CONTAINER_STOPPED, 0, NULL);
        settle();
        ok(hashmap_size(manager->jobs) == 0, "no job is left");
        manager->max_parallel_starts = 4;
}

static char *config_text(const char *name) {
        _cleanup_free_ char *suffix = NULL, *path = NULL;
        char *text = NULL;

        require(asprintf(&suffix, "state/containers/%s/config.yaml", name) >= 0);
        path = tmp_path(suffix);
        require(read_full_file(path, &text, NULL) >= 0);
        return text;
}

static void test_set(void) {
        _cleanup_free_ char *before = config_text("web2"), *after = NULL, *err = NULL, *memory = NULL,
                            *autostart = NULL, *list = NULL;
        const char *path = container("web2")->path;
        int r;

        r = manager_call("SetContainer", NULL, &err, "sa{sv}", "web2", 1, "memory", "s", "lots");
        ok(r < 0 && strstr(err, SD_BUS_ERROR_INVALID_ARGS) && strstr(err, "\"lots\""),
           "SetContainer with a bad value: InvalidArgs naming it: %s", strna(err));
        after = config_text("web2");
        is_str(after, before, "config.yaml is unchanged");
        ok(!limits_applied, "nothing was applied");

        r = manager_call("SetContainer", NULL, NULL, "sa{sv}", "web2", 2, "memory", "s", "1G", "autostart", "b", 1);
        ok(r >= 0, "SetContainer memory=1G autostart=true");
        memory = get_property(path, SYSCTR_CONTAINER_INTERFACE, "MemoryMax");
        is_str(memory, "1073741824", "MemoryMax follows");
        autostart = get_property(path, SYSCTR_CONTAINER_INTERFACE, "Autostart");
        is_str(autostart, "yes", "Autostart follows");
        list = strv_join(limits_applied, " ");
        is_str(list, "web2", "the backend applied the limits");
        free(list);
        list = strv_join(autostart_set, ",");
        is_str(list, "web2 yes", "the backend enabled autostart");
        free(after);
        after = config_text("web2");
        ok(strstr(after, "autostart: true") && strstr(after, "memory: 1G"), "config.yaml records both");

        /* The backend refuses the limits: nothing changes. */
        free(before);
        before = config_text("web2");
        limits_result = -EPERM;
        err = mfree(err);
        r = manager_call("SetContainer", NULL, &err, "sa{sv}", "web2", 1, "memory", "s", "2G");
        limits_result = 0;
        ok(r < 0 && strstr(err, "Operation not permitted"), "limits the backend refuses fail the call: %s",
           strna(err));
        free(after);
        after = config_text("web2");
        is_str(after, before, "config.yaml is unchanged");
        free(memory);
        memory = get_property(path, SYSCTR_CONTAINER_INTERFACE, "MemoryMax");
        is_str(memory, "1073741824", "MemoryMax is as it was");
        is_int(strv_length(limits_applied), 3, "the old limits were applied again");
}

static void test_restart_kill(void) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *job = NULL, *err = NULL, *state = NULL, *removed = NULL, *list = NULL;
        const char *path;
        int r;

        strv_free(started);
        started = NULL;
        strv_free(stopped);
        stopped = NULL;
        forget_signals();
        r = manager_call("KillContainer", NULL, &err, "si", "web1", (int32_t) SIGTERM);
        ok(r < 0 && strstr(err, SYSCTR_ERROR_CONTAINER_NOT_RUNNING), "KillContainer of a stopped container: %s",
           strna(err));
        err = mfree(err);
        r = manager_call("KillContainer", NULL, &err, "si", "web1", (int32_t) 12345);
        ok(r < 0 && strstr(err, SD_BUS_ERROR_INVALID_ARGS) && strstr(err, "12345"),
           "KillContainer with a bad signal number names it: %s", strna(err));

        ok(!start("web1", &job), "start web1");
        container_set_state(container("web1"), CONTAINER_RUNNING, FAKE_LEADER, NULL);
        removed = job_removed(job);
        ok(removed && ends_with(removed, " web1 done"), "it runs");

        r = manager_call("RestartContainer", &reply, NULL, "s", "web1");
        ok(r >= 0 && sd_bus_message_read(reply, "o", &path) >= 0, "RestartContainer returns a job");
        free(job);
        job = strdup(path);
        _cleanup_free_ char *type = get_property(job, SYSCTR_JOB_INTERFACE, "Type");
        is_str(type, "restart", "a restart job");
        list = strv_join(stopped, " ");
        is_str(list, "web1", "first the backend stops it");
        container_set_state(container("web1"), CONTAINER_STOPPED, 0, NULL);
        free(list);
        list = strv_join(started, " ");
        is_str(list, "web1 web1", "once stopped, the backend starts it again");
        state = container_state("web1");
        is_str(state, "starting", "it is \"starting\"");
        ok(!heard_any("JobRemoved " SYSCTR_JOB_PATH_PREFIX), "the job goes on between the two halves");
        container_set_state(container("web1"), CONTAINER_RUNNING, FAKE_LEADER, NULL);
        free(removed);
        removed = job_removed(job);
        ok(removed && ends_with(removed, " web1 done"), "once it runs again, the restart is done: %s", strna(removed));

        r = manager_call("StopContainer", NULL, NULL, "s", "web1");
        ok(r >= 0, "stop web1");
        container_set_state(container("web1"), CONTAINER_STOPPED, 0, NULL);
        settle();
}

static bool file_exists_cond(const void *arg) {
        return access(arg, F_OK) >= 0;
}

static bool no_builds_cond(const void *arg) {
        return !manager->builds;
}

/* A create whose image must be built first: a "create" job, the container visible as "creating". */
static void test_create_job(void) {
        int r;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *new = NULL, *state = NULL, *removed = NULL, *err = NULL, *job = NULL,
                            *go = tmp_path("go"), *image = tmp_path("state/images/slow/rootfs"), *on_disk = NULL,
                            *progress = NULL;
        const char *path;

        forget_signals();
        ok(manager_call("CreateContainer", &reply, NULL, "ssa{sv}", "db1", "slow", 2, "networks", "as", 1, "none", "privileged", "b", 1) >= 0 &&
           sd_bus_message_read(reply, "o", &path) >= 0, "CreateContainer of an image not built yet answers at once");
        state = container_state("db1");
        is_str(state, "creating", "the container is \"creating\"");
        new = take_signal("JobNew " SYSCTR_JOB_PATH_PREFIX);
        ok(new && ends_with(new, " build slow"), "a job builds the image: %s", strna(new));
        free(new);
        new = take_signal("JobNew " SYSCTR_JOB_PATH_PREFIX);
        ok(new && ends_with(new, " create db1"), "a job creates the container: %s", strna(new));
        free(new);
        new = take_signal("ContainerNew db1");
        ok(new, "ContainerNew is sent at once");
        job = get_property(container("db1")->path, SYSCTR_CONTAINER_INTERFACE, "Job");
        ok(job && !streq(job, "/"), "the container's Job property names its job: %s", strna(job));
        on_disk = containers_on_disk();
        is_str(on_disk, "web1 web2", "nothing is on disk yet");
        r = manager_call("StartContainer", NULL, &err, "s", "db1");
        ok(r < 0 && strstr(err, SYSCTR_ERROR_BUSY),
           "it cannot be started while it is created: %s", strna(err));
        err = mfree(err);
        ok(manager_call("CreateContainer", NULL, &err, "ssa{sv}", "db1", "slow", 2, "networks", "as", 1, "none", "privileged", "b", 1) < 0 &&
           strstr(err, SYSCTR_ERROR_CONTAINER_EXISTS), "its name is taken while it is created");

        /* The builder goes on. */
        for (int i = 0; i < 500; i++) {
                progress = get_property(job, SYSCTR_JOB_INTERFACE, "Progress");
                if (!progress || streq(progress, "0.5"))
                        break;
                progress = mfree(progress);
                settle();
        }
        is_str(progress, "0.5", "the job's Progress follows the builder's PROGRESS=50");
        write_tmp_file("go", "");
        removed = job_removed(job);
        ok(removed && ends_with(removed, " db1 done"), "JobRemoved says \"done\" once built: %s", strna(removed));
        free(state);
        state = container_state("db1");
        is_str(state, "stopped", "the container is \"stopped\"");
        ok(file_exists_cond(image), "the image is stored");
        free(on_disk);
        on_disk = containers_on_disk();
        is_str(on_disk, "db1 web1 web2", "the container is on disk");
        ok(manager_call("DeleteContainer", NULL, NULL, "s", "db1") >= 0, "delete it");

        /* Cancel a create: nothing of it stays. */
        require(unlink(go) >= 0);
        _cleanup_free_ char *image_dir = tmp_path("state/images/slow");
        require(rm_rf(image_dir) >= 0);
        sd_bus_message_unref(reply);
        reply = NULL;
        forget_signals();
        ok(manager_call("CreateContainer", &reply, NULL, "ssa{sv}", "db2", "slow", 2, "networks", "as", 1, "none", "privileged", "b", 1) >= 0,
           "create another");
        free(job);
        job = get_property(container("db2")->path, SYSCTR_CONTAINER_INTERFACE, "Job");
        require(job);
        ok(call(job, SYSCTR_JOB_INTERFACE, "Cancel", NULL, NULL, NULL) >= 0, "cancel its job");
        free(removed);
        removed = job_removed(job);
        ok(removed && strstr(removed, " db2 canceled "), "JobRemoved says \"canceled\": %s", strna(removed));
        free(new);
        new = take_signal("ContainerRemoved db2");
        ok(new, "ContainerRemoved is sent");
        ok(!manager_get_container(manager, "db2"), "the container is gone");
        /* The build nobody waits for is stopped, and its temporary tree removed. */
        ok(run_until(no_leftovers_cond, NULL), "nothing is left in containers/");
        ok(run_until(no_builds_cond, NULL), "the build nobody waits for is stopped");
        _cleanup_free_ char *slow = tmp_path("state/images/slow");
        ok(access(slow, F_OK) < 0, "no image was stored");
        free(on_disk);
        on_disk = containers_on_disk();
        is_str(on_disk, "web1 web2", "nothing of it is on disk");
}

int main(void) {
        setup();
        test_broken();
        test_create_cached();
        test_lookups();
        test_bad_input();
        test_start_stop();
        test_start_fails();
        test_cancel();
        test_set();
        test_restart_kill();
        test_create_job();
        teardown();
        return done_testing();
}
