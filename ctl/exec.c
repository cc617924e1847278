/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>

#include "bus-names.h"
#include "log.h"
#include "relay.h"
#include "strv.h"
#include "sysctr.h"

/* "sysctr exec", "sysctr shell" and "sysctr console": sessions in a container, through sysctrd's API
 * (docs/dbus-api.md), which hands us file descriptors: the pipes of a command (ExecContainer), the
 * master of its terminal (ExecContainerPTY, OpenContainerShell) or the console's socket. We relay
 * between them and our own standard streams, and ask the command's process object for its exit
 * status. sysctrd enters the container, not we: this works for anyone polkit allows, as root or not.
 *
 * The bus connection stays open for the whole session: the process object belongs to it, and sysctrd
 * ends a command whose caller left. */

/* Without a terminal (a test pipes a line in): once the input has ended, the console's answer is
 * awaited until it has been quiet this long, at most CONSOLE_LINGER_MAX_USEC. */
#define CONSOLE_LINGER_QUIET_USEC USEC_PER_SEC
#define CONSOLE_LINGER_MAX_USEC (10 * USEC_PER_SEC)

/* The shell's convention: 128+N for a command killed by signal N. */
static int exit_status_of(const char *code, int status) {
        return streq(code, "exited") ? status : 128 + status;
}

/* A signal sent to sysctr alone (kill(1), timeout(1)) is passed on to the command. */
static void process_signal(sd_bus *bus, const char *path, int sig) {
        (void) sd_bus_call_method(bus, SYSCTR_BUS_NAME, path, SYSCTR_PROCESS_INTERFACE, "Kill", NULL, NULL, "i",
                                  (int32_t) sig);
}

/* The caller's environment entries: VAR=VALUE as given, a bare VAR copies the caller's value (as
 * docker does), and TERM comes along when we have a terminal. */
static int build_environment(char * const *user_env, bool terminal, char ***ret) {
        _cleanup_strv_free_ char **env = NULL;
        const char *term = getenv("TERM");
        int r = 0;

        if (terminal && !isempty(term)) {
                _cleanup_free_ char *t = NULL;

                if (asprintf(&t, "TERM=%s", term) < 0)
                        return -ENOMEM;
                r = strv_push(&env, TAKE_PTR(t));
        }
        STRV_FOREACH(e, user_env) {
                _cleanup_free_ char *copy = NULL;
                const char *value;

                if (r < 0)
                        break;
                if (strchr(*e, '=')) {
                        r = strv_extend(&env, *e);
                        continue;
                }
                value = getenv(*e);
                if (!value)
                        continue;
                if (asprintf(&copy, "%s=%s", *e, value) < 0)
                        return -ENOMEM;
                r = strv_push(&env, TAKE_PTR(copy));
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(env);
        return 0;
}

static int append_terminal_size(sd_bus_message *m, const char *user) {
        struct winsize ws = {};
        int r;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        if (user) {
                r = sd_bus_message_append(m, "{sv}", "user", "s", user);
                if (r < 0)
                        return r;
        }
        if ((ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) >= 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) >= 0) &&
            ws.ws_row > 0 && ws.ws_col > 0) {
                r = sd_bus_message_append(m, "{sv}{sv}", "rows", "u", (uint32_t) ws.ws_row, "columns", "u",
                                          (uint32_t) ws.ws_col);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(m);
}

/* Exit statuses for what sysctrd could not even start: as a shell gives them. */
static int start_failure_status(const sd_bus_error *error) {
        if (sd_bus_error_has_name(error, SYSCTR_ERROR_COMMAND_NOT_FOUND))
                return EXIT_EXEC_NOT_FOUND;
        if (sd_bus_error_has_name(error, SYSCTR_ERROR_COMMAND_NOT_EXECUTABLE))
                return EXIT_EXEC_CANNOT_INVOKE;
        return -EIO;
}

static int call_start(sd_bus *bus, sd_bus_message *m, sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        ctl_polkit_agent_open();
        r = sd_bus_call(bus, m, CTL_TIMEOUT_DEFAULT, &error, ret_reply);
        if (r < 0) {
                (void) ctl_log_bus_error(&error, r, strna(sd_bus_message_get_member(m)));
                r = start_failure_status(&error);
                return r < 0 ? r : r;
        }
        return 0;
}

/* --- terminal sessions: exec with a terminal, shell --- */

/* Wait() answers when the command ends, which may be days away. */
static int call_wait_async(sd_bus *bus, const char *process, sd_bus_slot **slot, sd_bus_message_handler_t cb,
                           void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, SYSCTR_BUS_NAME, process, SYSCTR_PROCESS_INTERFACE, "Wait");
        if (r < 0)
                return r;
        return sd_bus_call_async(bus, slot, m, cb, userdata, UINT64_MAX);
}

/* The command's end, asked for at the start of the session: the relay watches the bus for the answer
 * (a pty master reads EIO also for a moment while login(1) hangs its terminal up, so the terminal
 * alone cannot tell). */
typedef struct Waiter {
        sd_bus *bus;
        sd_bus_slot *slot;
        bool done;
        int status;             /* exit status, or negative errno */
} Waiter;

static int on_wait_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Waiter *w = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        const char *code;
        int32_t status;

        w->done = true;
        if (e) {
                w->status = ctl_log_bus_error(e, -EIO, "Wait");
                return 0;
        }
        if (sd_bus_message_read(reply, "si", &code, &status) < 0)
                w->status = log_error_errno(EBADMSG, _("Failed to parse the reply of sysctrd: %m"));
        else
                w->status = exit_status_of(code, status);
        return 0;
}

static int waiter_check(void *userdata) {
        Waiter *w = userdata;
        int r;

        do
                r = sd_bus_process(w->bus, NULL);
        while (r > 0 && !w->done);
        if (r < 0)
                return log_error_errno(r, _("Failed to talk to sysctrd: %m"));
        return w->done;
}

static int waiter_finish(Waiter *w) {
        int r;

        while (!w->done) {
                r = sd_bus_process(w->bus, NULL);
                if (r > 0)
                        continue;
                if (r >= 0)
                        r = sd_bus_wait(w->bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        return log_error_errno(r, _("Failed to talk to sysctrd: %m"));
        }
        return w->status;
}

static int terminal_session(sd_bus *bus, int master, const char *process) {
        _cleanup_(terminal_restore) TerminalState term = TERMINAL_STATE_NULL;
        Waiter w = { .bus = bus };
        int r, sig = 0, status;

        r = call_wait_async(bus, process, &w.slot, on_wait_reply, &w);
        if (r >= 0)
                r = sd_bus_flush(bus);
        if (r < 0)
                return log_error_errno(r, _("Failed to talk to sysctrd: %m"));
        r = terminal_save(STDIN_FILENO, &term);
        if (r < 0)
                return log_error_errno(r, _("Failed to read the mode of the terminal: %m"));
        r = terminal_make_raw(&term);
        if (r < 0)
                return log_error_errno(r, _("Failed to set up the terminal: %m"));
        r = relay_run(&(const RelayParams) {
                              .peer_fd = master,
                              .peer_is_pty = true,
                              .child_fd = sd_bus_get_fd(bus),
                              .child_check = waiter_check,
                              .userdata = &w,
                      },
                      &sig);
        terminal_restore(&term);
        /* A session asked to end by a signal: the command gets it too, and closing the master hangs
         * up its terminal; the status is the signal's. */
        if (r == RELAY_SIGNAL || r == RELAY_OUTPUT_CLOSED)
                process_signal(bus, process, r == RELAY_SIGNAL ? sig : SIGHUP);
        (void) close(master);
        status = waiter_finish(&w);
        sd_bus_slot_unref(w.slot);
        if (r == RELAY_SIGNAL)
                return 128 + sig;
        return r < 0 ? r : status;
}

static int run_pty(sd_bus *bus, sd_bus_message *m) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *process_path = NULL;
        const char *pty_path, *process;
        int master, r;
        sigset_t set, old;

        r = call_start(bus, m, &reply);
        if (r != 0)
                return r;
        r = sd_bus_message_read(reply, "hso", &master, &pty_path, &process);
        if (r < 0)
                return log_error_errno(r, _("Failed to parse the reply of sysctrd: %m"));
        master = fcntl(master, F_DUPFD_CLOEXEC, 3);
        if (master < 0)
                return log_error_errno(errno, _("Failed to receive the terminal: %m"));
        /* Closing the master must hang up the terminal: no copy stays in the message. */
        process = process_path = strdup(process);
        if (!process_path) {
                safe_close(master);
                return log_oom();
        }
        reply = sd_bus_message_unref(reply);

        relay_signals(&set);
        (void) sigprocmask(SIG_BLOCK, &set, &old);
        r = terminal_session(bus, master, process);
        (void) sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}

/* --- exec without a terminal: pipes --- */

static int run_pipes(sd_bus *bus, sd_bus_message *m) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_close_ int in = -EBADF, out = -EBADF, err = -EBADF;
        _cleanup_free_ char *process_path = NULL;
        const char *process;
        Waiter w = { .bus = bus };
        int fds[3], r, sig = 0, status;
        sigset_t set, old;

        r = call_start(bus, m, &reply);
        if (r != 0)
                return r;
        r = sd_bus_message_read(reply, "hhho", &fds[0], &fds[1], &fds[2], &process);
        if (r < 0)
                return log_error_errno(r, _("Failed to parse the reply of sysctrd: %m"));
        in = fcntl(fds[0], F_DUPFD_CLOEXEC, 3);
        out = fcntl(fds[1], F_DUPFD_CLOEXEC, 3);
        err = fcntl(fds[2], F_DUPFD_CLOEXEC, 3);
        if (in < 0 || out < 0 || err < 0)
                return log_error_errno(errno, _("Failed to receive the streams of the command: %m"));
        /* The message holds its own copies of the descriptors: the command would never see the end of
         * its input while the write end stays open here. */
        process = process_path = strdup(process);
        if (!process_path)
                return log_oom();
        reply = sd_bus_message_unref(reply);
        r = call_wait_async(bus, process, &w.slot, on_wait_reply, &w);
        if (r < 0)
                return log_error_errno(r, _("Failed to talk to sysctrd: %m"));

        relay_signals(&set);
        (void) sigprocmask(SIG_BLOCK, &set, &old);
        r = relay_pipes(TAKE_FD(in), TAKE_FD(out), TAKE_FD(err), &sig);
        (void) sigprocmask(SIG_SETMASK, &old, NULL);
        if (r == RELAY_SIGNAL)
                process_signal(bus, process, sig);
        status = waiter_finish(&w);
        sd_bus_slot_unref(w.slot);
        if (r == RELAY_SIGNAL && status < 0)
                return 128 + sig;
        return r < 0 ? r : status;
}

int verb_exec(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_strv_free_ char **env = NULL;
        /* On a terminal, the command gets a terminal of the container's own, never ours (TIOCSTI). */
        bool terminal = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
        int r;

        r = ctl_check_container_name(args[0]);
        if (r < 0)
                return r;
        r = build_environment(o->env, terminal, &env);
        if (r < 0)
                return log_oom();
        r = ctl_bus_open(&bus);
        if (r < 0)
                return r;
        r = ctl_new_manager_call(bus, terminal ? "ExecContainerPTY" : "ExecContainer", &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "s", args[0]);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, args + 1);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, env);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", strempty(o->workdir));
        if (r >= 0)
                r = append_terminal_size(m, o->user);
        if (r < 0)
                return log_error_errno(r, _("Failed to create a bus message: %m"));
        return terminal ? run_pty(bus, m) : run_pipes(bus, m);
}

int verb_shell(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_strv_free_ char **env = NULL;
        int r;

        r = ctl_check_container_name(args[0]);
        if (r < 0)
                return r;
        r = build_environment(NULL, true, &env);
        if (r < 0)
                return log_oom();
        r = ctl_bus_open(&bus);
        if (r < 0)
                return r;
        r = ctl_new_manager_call(bus, "OpenContainerShell", &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "ss", args[0], strempty(args[1]));
        if (r >= 0)
                r = sd_bus_message_append_strv(m, env);
        if (r >= 0)
                r = append_terminal_size(m, NULL);
        if (r < 0)
                return log_error_errno(r, _("Failed to create a bus message: %m"));
        return run_pty(bus, m);
}

/* --- the console --- */

static int console_session(int fd, const char *name) {
        _cleanup_(terminal_restore) TerminalState term = TERMINAL_STATE_NULL;
        bool tty;
        int r, sig = 0;

        r = terminal_save(STDIN_FILENO, &term);
        if (r < 0)
                return log_error_errno(r, _("Failed to read the mode of the terminal: %m"));
        tty = term.fd >= 0;

        fprintf(stderr, _("Connected to the console of %s. Press ^] three times within 1s to detach.\n"), name);
        fflush(stderr);

        r = terminal_make_raw(&term);
        if (r < 0)
                return log_error_errno(r, _("Failed to set up the terminal: %m"));
        r = relay_run(&(const RelayParams) {
                              .peer_fd = fd,
                              .escape = tty,
                              .child_fd = -EBADF,
                              .linger_quiet_usec = tty ? 0 : CONSOLE_LINGER_QUIET_USEC,
                              .linger_max_usec = tty ? 0 : CONSOLE_LINGER_MAX_USEC,
                      },
                      &sig);
        terminal_restore(&term);
        if (r < 0)
                return r;

        switch (r) {
        case RELAY_DETACHED:
                fputc('\n', stderr);
                fprintf(stderr, _("Detached from the console of %s.\n"), name);
                return 0;
        case RELAY_PEER_CLOSED:
                /* The agent closed it: the container stopped, or another client is attached (the
                 * agent said so on the connection). Not what the user asked for: a failure. */
                if (tty)
                        fputc('\n', stderr);
                fprintf(stderr, _("The console of %s was closed.\n"), name);
                return EXIT_FAILURE;
        case RELAY_SIGNAL:
                return 128 + sig;
        default:
                return 0;
        }
}

int verb_console(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_close_ int fd = -EBADF;
        sigset_t set, old;
        int received, r;

        r = ctl_check_container_name(args[0]);
        if (r < 0)
                return r;
        r = ctl_bus_open(&bus);
        if (r < 0)
                return r;
        r = ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, &reply, "OpenContainerConsole", "s", args[0]);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "h", &received);
        if (r < 0)
                return log_error_errno(r, _("Failed to parse the reply of sysctrd: %m"));
        fd = fcntl(received, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return log_error_errno(errno, _("Failed to receive the console: %m"));
        /* The console is a connection of its own (and only ours: the message's copy goes). */
        reply = sd_bus_message_unref(reply);
        bus = sd_bus_flush_close_unref(bus);

        relay_signals(&set);
        (void) sigprocmask(SIG_BLOCK, &set, &old);
        r = console_session(fd, args[0]);
        (void) sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}

/* --- logs --- */

int verb_logs(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_close_ int fd = -EBADF;
        int received, r;

        r = ctl_check_container_name(args[0]);
        if (r < 0)
                return r;
        r = ctl_bus_open(&bus);
        if (r < 0)
                return r;
        r = ctl_new_manager_call(bus, "GetContainerLogs", &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "s", args[0]);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0 && o->lines_set)
                r = sd_bus_message_append(m, "{sv}", "lines", "t", (uint64_t) o->lines);
        if (r >= 0 && o->follow)
                r = sd_bus_message_append(m, "{sv}", "follow", "b", 1);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return log_error_errno(r, _("Failed to create a bus message: %m"));
        r = ctl_call(bus, m, CTL_TIMEOUT_DEFAULT, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "h", &received);
        if (r < 0)
                return log_error_errno(r, _("Failed to parse the reply of sysctrd: %m"));
        fd = fcntl(received, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return log_error_errno(errno, _("Failed to receive the logs: %m"));
        reply = sd_bus_message_unref(reply);
        bus = sd_bus_flush_close_unref(bus);
        /* Until the writer is done, or -f until interrupted (SIGINT, SIGTERM, SIGHUP end it cleanly). */
        return relay_copy_to_stdout(fd);
}
