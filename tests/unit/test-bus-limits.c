/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* common/bus-limits.c: the messages for dbus-daemon's refusals, first from the texts dbus-daemon 1.14
 * uses, then from real refusals of a private dbus-daemon (no root needed) started with tiny limits. */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "bus-limits.h"
#include "fileio.h"
#include "tap.h"

#define DROPIN "/etc/dbus-1/system.d/sysctr-limits.conf"

static char *explain(const char *name, const char *message, int r) {
        sd_bus_error e = SD_BUS_ERROR_MAKE_CONST(name, message);
        char *m = NULL;
        int k;

        k = bus_limits_explain(name ? &e : NULL, r, &m);
        require(k >= 0);
        require((k == 1) == !!m);
        return m;
}

static bool has(const char *text, const char *needle) {
        if (text && strstr(text, needle))
                return true;
        diag("expected \"%s\" in \"%s\"", needle, strna(text));
        return false;
}

static void test_texts(void) {
        static const struct {
                const char *daemon_text, *limit, *advice;
        } cases[] = {
                { "The maximum number of pending replies for \":1.5\" (uid=0 pid=77 comm=\"sysctrd\") has been "
                  "reached (max_replies_per_connection=128)",
                  "max_replies_per_connection", "batches of fewer than 128" },
                { "The maximum number of pending replies per connection has been reached",
                  "max_replies_per_connection", "batches of fewer than 128" },
                { "The maximum number of active connections for UID 0 has been reached",
                  "max_connections_per_user", "Pass many names to one command (sysctr start web1 web2 ...)" },
                { "The maximum number of active connections has been reached", "max_completed_connections",
                  "To allow more, raise the limit" },
                { "Connection \":1.9\" is not allowed to add more match rules (increase limits in configuration "
                  "file if required; max_match_rules_per_connection=512)",
                  "max_match_rules_per_connection", "To allow more, raise the limit" },
                { "Connection \":1.9\" is not allowed to own more services (increase limits in configuration file "
                  "if required; max_names_per_connection=512)",
                  "max_names_per_connection", "To allow more, raise the limit" },
                { "The maximum number of pending activations has been reached, activation of org.sysctr1 failed "
                  "(max_pending_service_starts=512)",
                  "max_pending_service_starts", "To allow more, raise the limit" },
        };
        _cleanup_free_ char *replies = NULL, *generic = NULL, *plain = NULL, *other = NULL, *enobufs_named = NULL;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *m = explain(SD_BUS_ERROR_LIMITS_EXCEEDED, cases[i].daemon_text, -ENOBUFS);
                _cleanup_free_ char *limit = NULL;

                require(asprintf(&limit, "<limit name=\"%s\">", cases[i].limit) >= 0);
                ok(has(m, cases[i].limit) && has(m, limit) && has(m, DROPIN) && has(m, cases[i].advice) &&
                           has(m, "systemctl reload dbus") && has(m, cases[i].daemon_text),
                   "%s: names the limit, the drop-in and the remedy, and quotes the daemon", cases[i].limit);
        }

        replies = explain(SD_BUS_ERROR_LIMITS_EXCEEDED,
                          "The maximum number of pending replies per connection has been reached", -ENOBUFS);
        is_str(replies,
               "The D-Bus system bus refused: one connection has too many calls waiting for their replies "
               "(dbus-daemon's max_replies_per_connection, 128 by default; it says \"The maximum number of pending "
               "replies per connection has been reached\"). Start or stop containers in batches of fewer than 128. "
               "Or raise the limit: put <busconfig><limit name=\"max_replies_per_connection\">1024</limit>"
               "</busconfig> in /etc/dbus-1/system.d/sysctr-limits.conf and reload the bus (systemctl reload "
               "dbus).",
               "the whole message for max_replies_per_connection");

        /* What sd-bus reports when the daemon dropped a new connection (max_connections_per_user). */
        generic = explain(SD_BUS_ERROR_LIMITS_EXCEEDED, "No buffer space available", -ENOBUFS);
        is_str(generic,
               "The D-Bus system bus refused a request for one of its limits (No buffer space available). With "
               "many sysctr commands at once this is most likely dbus-daemon's max_connections_per_user (256 by "
               "default): Pass many names to one command (sysctr start web1 web2 ...) rather than running one "
               "sysctr command per container at the same time. Or raise the limit: put <busconfig><limit "
               "name=\"max_connections_per_user\">1024</limit></busconfig> in "
               "/etc/dbus-1/system.d/sysctr-limits.conf and reload the bus (systemctl reload dbus). The other "
               "limits are listed in /usr/share/dbus-1/system.conf.",
               "sd-bus's own text: the likeliest limit, per-user connections");

        plain = explain(NULL, NULL, -ENOBUFS);
        ok(has(plain, "(No buffer space available)") && has(plain, "max_connections_per_user"),
           "-ENOBUFS without an error: the same");

        other = explain(SD_BUS_ERROR_ACCESS_DENIED, "Rejected send message", -EACCES);
        ok(!other, "AccessDenied is not a limit");
        enobufs_named = explain("org.sysctr1.Error.NoSuchContainer", "No buffer space available", -ENOBUFS);
        ok(!enobufs_named, "another error name with -ENOBUFS is not either");
        ok(!explain(NULL, NULL, -EIO), "-EIO without an error is not either");
}

/* --- a private dbus-daemon --- */

static char *dir, *sock;
static pid_t daemon_pid;

static void stop_daemon(void) {
        if (daemon_pid > 0) {
                (void) kill(daemon_pid, SIGTERM);
                (void) waitpid(daemon_pid, NULL, 0);
                daemon_pid = 0;
        }
        if (dir)
                (void) rm_rf(dir);
}

static bool start_daemon(void) {
        _cleanup_free_ char *conf = NULL, *text = NULL;

        dir = test_mkdtemp("test-bus-limits");
        require(dir);
        require(asprintf(&sock, "%s/bus", dir) >= 0 && asprintf(&conf, "%s/bus.conf", dir) >= 0);
        require(asprintf(&text,
                         "<busconfig>\n"
                         "  <type>system</type>\n"
                         "  <listen>unix:path=%s</listen>\n"
                         "  <auth>EXTERNAL</auth>\n"
                         "  <policy context=\"default\">\n"
                         "    <allow send_destination=\"*\"/><allow receive_sender=\"*\"/><allow own=\"*\"/>\n"
                         "    <allow user=\"*\"/>\n"
                         "  </policy>\n"
                         "  <limit name=\"max_connections_per_user\">2</limit>\n"
                         "  <limit name=\"max_replies_per_connection\">2</limit>\n"
                         "  <limit name=\"max_match_rules_per_connection\">2</limit>\n"
                         "  <limit name=\"max_names_per_connection\">2</limit>\n"
                         "</busconfig>\n",
                         sock) >= 0);
        require(write_file_atomic(conf, text, strlen(text), 0644) >= 0);
        require(atexit(stop_daemon) == 0);

        daemon_pid = fork();
        require(daemon_pid >= 0);
        if (daemon_pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);

                if (null >= 0) {
                        (void) dup2(null, STDOUT_FILENO);
                        (void) dup2(null, STDERR_FILENO);
                }
                execlp("dbus-daemon", "dbus-daemon", "--nofork", "--nopidfile", "--config-file", conf, NULL);
                _exit(127);
        }
        for (unsigned i = 0; i < 200; i++) {
                int status;

                if (access(sock, F_OK) >= 0)
                        return true;
                if (waitpid(daemon_pid, &status, WNOHANG) == daemon_pid) {
                        daemon_pid = 0;
                        return false;
                }
                usleep(10 * 1000);
        }
        return false;
}

static sd_bus *connect_bus(void) {
        _cleanup_free_ char *address = NULL;
        sd_bus *b = NULL;

        require(asprintf(&address, "unix:path=%s", sock) >= 0);
        require(sd_bus_new(&b) >= 0);
        require(sd_bus_set_address(b, address) >= 0);
        require(sd_bus_set_bus_client(b, true) >= 0);
        require(sd_bus_start(b) >= 0);
        return b;
}

static int call_bus(sd_bus *b, const char *member, sd_bus_error *e, const char *types, const char *arg) {
        return sd_bus_call_method(b, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                  member, e, NULL, types, arg);
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        char **first_error = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        if (e && !*first_error)
                require(bus_limits_explain(e, -sd_bus_message_get_errno(m), first_error) >= 0);
        return 0;
}

static void test_daemon(void) {
        _cleanup_free_ char *conn_msg = NULL, *reply_msg = NULL, *match_msg = NULL, *name_msg = NULL;
        sd_bus *a, *b, *c;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        if (!start_daemon()) {
                printf("ok %u # SKIP dbus-daemon could not be started\n", ++tap_count);
                return;
        }
        a = connect_bus();
        b = connect_bus();
        ok(call_bus(a, "GetId", NULL, "", NULL) >= 0 && call_bus(b, "GetId", NULL, "", NULL) >= 0,
           "two connections of this user work");

        c = connect_bus();
        r = call_bus(c, "GetId", &e, "", NULL);
        is_int(r, -ENOBUFS, "the third is refused: max_connections_per_user=2");
        is_str(e.name, SD_BUS_ERROR_LIMITS_EXCEEDED, "... as LimitsExceeded");
        require(bus_limits_explain(&e, r, &conn_msg) >= 0);
        ok(has(conn_msg, "max_connections_per_user") && has(conn_msg, "sysctr start web1 web2"),
           "... explained as per-user connections, with the remedy");
        sd_bus_error_free(&e);
        c = sd_bus_flush_close_unref(c);

        /* b owns a name and never answers: a's calls to it stay pending. */
        r = sd_bus_call_method(b, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "RequestName", NULL, NULL, "su", "org.sysctr1.Test", 0);
        require(r >= 0);
        for (unsigned i = 0; i < 3; i++)
                require(sd_bus_call_method_async(a, NULL, "org.sysctr1.Test", "/", "org.sysctr1.Test", "Wait",
                                                 on_reply, &reply_msg, "") >= 0);
        for (unsigned i = 0; i < 100 && !reply_msg; i++) {
                r = sd_bus_process(a, NULL);
                require(r >= 0);
                if (r == 0)
                        (void) sd_bus_wait(a, 20 * 1000);
        }
        ok(has(reply_msg, "max_replies_per_connection") && has(reply_msg, "pending replies"),
           "the third pending call is refused and explained as max_replies_per_connection");

        /* The first refusal of each kind (a set sd_bus_error must be freed before it is used again). */
        for (unsigned i = 0; i < 3; i++) {
                char rule[64];

                snprintf(rule, sizeof(rule), "type='signal',member='M%u'", i);
                r = call_bus(a, "AddMatch", &e, "s", rule);
                if (r < 0) {
                        is_int(i, 2, "the third match rule is refused");
                        break;
                }
        }
        is_int(r, -ENOBUFS, "... with -ENOBUFS");
        require(bus_limits_explain(&e, r, &match_msg) >= 0);
        ok(has(match_msg, "max_match_rules_per_connection") && has(match_msg, "<limit name=\"max_match_rules_"
                                                                              "per_connection\">4096</limit>"),
           "... and explained as max_match_rules_per_connection");
        sd_bus_error_free(&e);

        /* The connection's unique name counts as one of its names. */
        for (unsigned i = 0; i < 3; i++) {
                char name[64];

                snprintf(name, sizeof(name), "org.sysctr1.Test%u", i);
                r = sd_bus_call_method(a, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "RequestName", &e, NULL, "su", name, 0);
                if (r < 0) {
                        is_int(i, 1, "a second well-known name (the third name) is refused");
                        break;
                }
        }
        is_int(r, -ENOBUFS, "... with -ENOBUFS");
        require(bus_limits_explain(&e, r, &name_msg) >= 0);
        ok(has(name_msg, "max_names_per_connection"), "... and explained as max_names_per_connection");
        sd_bus_error_free(&e);

        sd_bus_flush_close_unref(a);
        sd_bus_flush_close_unref(b);
        stop_daemon();
}

int main(void) {
        test_texts();
        test_daemon();
        return done_testing();
}
