/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>

#include "bus-names.h"
#include "container.h"
#include "process.h"
#include "signal-util.h"
#include "strv.h"

/* The Exec, ExecPTY and OpenShell methods of containers and the org.sysctr1.Process objects they make. */

#define ENVIRONMENT_MAX 1024U
#define ARGUMENT_MAX (128U * 1024U)

static bool environment_is_valid(char **env) {
        size_t n = 0;

        STRV_FOREACH(e, env) {
                const char *eq = strchr(*e, '=');

                /* VAR=VALUE with a name that a shell would take. */
                if (!eq || eq == *e || strspn(*e, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") !=
                                               (size_t) (eq - *e) || (**e >= '0' && **e <= '9'))
                        return false;
                if (++n > ENVIRONMENT_MAX)
                        return false;
        }
        return true;
}

static bool strv_fits(char **l) {
        size_t n = 0;

        STRV_FOREACH(s, l)
                n += strlen(*s) + 1;
        return n <= ARGUMENT_MAX;
}

/* User names as useradd(8) allows them (NAME_REGEX of Debian's adduser, plus the Samba "$"); above
 * all, never beginning with "-", as the name ends up in the argument list of login(1) or su(1). */
static bool user_name_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > 32)
                return false;
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_", s[0]))
                return false;
        if (s[n - 1] == '$')
                n--;
        for (size_t i = 1; i < n; i++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", s[i]))
                        return false;
        return true;
}

/* The options of Exec, ExecPTY and OpenShell: user s, rows u, columns u. */
static int read_options(sd_bus_message *m, ProcessRequest *req, const char **ret_user, sd_bus_error *error) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        for (;;) {
                const char *key;

                r = sd_bus_message_enter_container(m, 'e', "sv");
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                if (streq(key, "user") && ret_user)
                        r = sd_bus_message_read(m, "v", "s", ret_user);
                else if (streq(key, "rows"))
                        r = sd_bus_message_read(m, "v", "u", &req->rows);
                else if (streq(key, "columns"))
                        r = sd_bus_message_read(m, "v", "u", &req->columns);
                else
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Unknown option \"%s\" (known: %s).",
                                                 key, ret_user ? "user, rows, columns" : "rows, columns");
                if (r < 0)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Option \"%s\" has the wrong type.", key);
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (req->rows > USHRT_MAX || req->columns > USHRT_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid terminal size %ux%u.",
                                         req->columns, req->rows);
        return sd_bus_message_exit_container(m);
}

static int check_request(Container *c, ProcessRequest *req, sd_bus_error *error) {
        int r;

        r = container_check_usable(c, error);
        if (r < 0)
                return r;
        if (req->mode != PROCESS_SHELL && (strv_length(req->command) == 0 || isempty(req->command[0])))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "No command given.");
        if (!strv_fits(req->command) || !strv_fits(req->environment))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "The command line is too long.");
        if (!environment_is_valid(req->environment))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Invalid environment: expected entries VAR=VALUE.");
        if (!isempty(req->workdir) && req->workdir[0] != '/')
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Invalid working directory \"%s\": expected an absolute path.", req->workdir);
        if (!isempty(req->user) && !user_name_is_valid(req->user))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid user name \"%s\".", req->user);
        return 0;
}

static int method_run(Container *c, sd_bus_message *message, ProcessMode mode, sd_bus_error *error) {
        _cleanup_strv_free_ char **command = NULL, **environment = NULL;
        ProcessRequest req = { .mode = mode };
        int r;

        if (mode == PROCESS_SHELL) {
                r = sd_bus_message_read(message, "s", &req.user);
                if (r >= 0)
                        r = sd_bus_message_read_strv(message, &environment);
                if (r >= 0)
                        r = read_options(message, &req, NULL, error);
        } else {
                r = sd_bus_message_read_strv(message, &command);
                if (r >= 0)
                        r = sd_bus_message_read_strv(message, &environment);
                if (r >= 0)
                        r = sd_bus_message_read(message, "s", &req.workdir);
                if (r >= 0)
                        r = read_options(message, &req, &req.user, error);
        }
        if (r < 0)
                return r;
        req.command = command;
        req.environment = environment;
        r = check_request(c, &req, error);
        if (r < 0)
                return r;
        return process_start(c, message, &req, error);
}

int container_method_exec(Container *c, sd_bus_message *message, sd_bus_error *error) {
        return method_run(c, message, PROCESS_EXEC, error);
}

int container_method_exec_pty(Container *c, sd_bus_message *message, sd_bus_error *error) {
        return method_run(c, message, PROCESS_PTY, error);
}

int container_method_open_shell(Container *c, sd_bus_message *message, sd_bus_error *error) {
        return method_run(c, message, PROCESS_SHELL, error);
}

/* --- org.sysctr1.Process --- */

int process_check_owner(Process *p, sd_bus_message *message, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;
        int r;

        if (p->track && sd_bus_track_contains(p->track, sd_bus_message_get_sender(message)))
                return 0;
        r = sd_bus_query_sender_creds(message, SD_BUS_CREDS_EUID, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return r;
        if (uid == 0 || uid == geteuid())
                return 0;
        return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                 "Only the caller that started process %" PRIu32 " may do this.", p->id);
}

static int method_wait(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Process *p = userdata;
        sd_bus_message **a;
        int r;

        r = process_check_owner(p, message, error);
        if (r < 0)
                return r;
        a = reallocarray(p->wait_calls, p->n_wait_calls + 1, sizeof(sd_bus_message *));
        if (!a)
                return -ENOMEM;
        p->wait_calls = a;
        p->wait_calls[p->n_wait_calls++] = sd_bus_message_ref(message);
        if (p->exited) {
                process_reply_waiters(p);
                process_maybe_drop(p);
        }
        return 1;
}

static int method_kill(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Process *p = userdata;
        int32_t sig;
        int r;

        r = process_check_owner(p, message, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(message, "i", &sig);
        if (r < 0)
                return r;
        if (!signal_is_valid(sig))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid signal number %d.", sig);
        if (p->exited)
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_PROCESS, "Process %" PRIu32 " has ended.",
                                         p->id);
        r = process_kill(p, sig);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to send signal %d: %m", sig);
        return sd_bus_reply_method_return(message, NULL);
}

static int property_get_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Process *p = userdata;

        return sd_bus_message_append(reply, "s", p->exited ? "exited" : "running");
}

static int property_get_exit_code(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Process *p = userdata;

        return sd_bus_message_append(reply, "s", !p->exited ? "" : p->exit_code == CLD_EXITED ? "exited" :
                                                 p->exit_code == CLD_DUMPED ? "dumped" : "killed");
}

const sd_bus_vtable process_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "u", NULL, offsetof(Process, id), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Container", "s", NULL, offsetof(Process, container), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Command", "as", NULL, offsetof(Process, command), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("PID", "u", NULL, offsetof(Process, pid), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("State", "s", property_get_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ExitCode", "s", property_get_exit_code, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ExitStatus", "i", NULL, offsetof(Process, exit_status), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_ARGS("Wait", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", code, "i", status), method_wait,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Kill", SD_BUS_ARGS("i", signal), SD_BUS_NO_RESULT, method_kill,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int process_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                        sd_bus_error *error) {
        _cleanup_free_ char *e = NULL;
        unsigned long id;
        char *end;
        Process *p;

        if (sd_bus_path_decode(path, SYSCTR_PROCESS_PATH_PREFIX, &e) <= 0)
                return 0;
        errno = 0;
        id = strtoul(e, &end, 10);
        if (errno != 0 || *end || end == e || id == 0 || id > UINT32_MAX)
                return 0;
        p = manager_get_process(userdata, (uint32_t) id);
        /* Only once it runs: before, it is a call in progress, not an object. */
        if (!p || !p->track)
                return 0;
        *found = p;
        return 1;
}

int process_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                            sd_bus_error *error) {
        _cleanup_strv_free_ char **l = NULL;
        Manager *m = userdata;
        Process *p;
        int r;

        for (size_t i = 0; hashmap_next(m->processes, &i, (void **) &p);) {
                if (!p->track)
                        continue;
                r = strv_extend(&l, p->path);
                if (r < 0)
                        return r;
        }
        *nodes = TAKE_PTR(l);
        return 1;
}
