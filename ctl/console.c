/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "log.h"
#include "paths.h"
#include "relay.h"
#include "sysctr.h"

/* "sysctr console": the container's console (/dev/console of the guest, where a Debian guest runs its
 * getty) through the agent's relay socket <runtime>/containers/NAME/console.sock: raw bytes both
 * ways, root only (see agent/README.md). */

#define CONSOLE_SOCKET "console.sock"

/* Without a terminal (a test pipes a line in): once the input has ended, the answer is awaited until
 * the console has been quiet this long, at most CONSOLE_LINGER_MAX_USEC. */
#define CONSOLE_LINGER_QUIET_USEC USEC_PER_SEC
#define CONSOLE_LINGER_MAX_USEC (10 * USEC_PER_SEC)

static int console_check_running(const char *name) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *path = NULL, *state = NULL;
        int r;

        r = ctl_bus_open(&bus);
        if (r < 0)
                return r;
        r = ctl_get_container_path(bus, name, &path);
        if (r < 0)
                return r;
        r = ctl_get_container_state(bus, path, &state, NULL);
        if (r < 0)
                return r;
        if (!streq(state, "running")) {
                log_error(_("Container \"%s\" is not running."), name);
                return -ESRCH;
        }
        return 0;
}

/* sun_path holds 108 bytes: a longer runtime directory is reached through /proc/self/fd. */
static int console_connect(const char *dir) {
        _cleanup_close_ int fd = -EBADF, dir_fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int n;

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;

        n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, CONSOLE_SOCKET);
        if (n < 0 || (size_t) n >= sizeof(sa.sun_path)) {
                dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (dir_fd < 0)
                        return -errno;
                (void) snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%i/%s", dir_fd,
                                CONSOLE_SOCKET);
        }

        if (connect(fd, (const struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        return TAKE_FD(fd);
}

static int console_session(int fd, const char *name) {
        _cleanup_(terminal_restore) TerminalState term = TERMINAL_STATE_NULL;
        bool tty;
        int r, sig = 0;

        r = terminal_save(STDIN_FILENO, &term);
        if (r < 0)
                return log_error_errno(r, _("Failed to read the mode of the terminal: %m"));
        tty = term.fd >= 0;

        fprintf(stderr, _("Connected to the console of %s. Press ^] three times within 1s to detach.\n"),
                name);
        fflush(stderr);

        r = terminal_make_raw(&term);
        if (r < 0)
                return log_error_errno(r, _("Failed to set up the terminal: %m"));

        r = relay_run(&(const RelayParams) {
                              .peer_fd = fd,
                              .escape = tty,
                              .child_pidfd = -EBADF,
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
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *name = args[0];
        sigset_t set, old_mask;
        int r;

        r = ctl_check_container_name(name);
        if (r < 0)
                return r;
        r = console_check_running(name);
        if (r < 0)
                return r;

        dir = sysctr_container_runtime_dir(name);
        if (!dir)
                return log_oom();
        fd = console_connect(dir);
        if (fd == -ENOENT || fd == -ECONNREFUSED) {
                log_error(_("The console of container \"%s\" is not available: %s/%s does not accept "
                            "connections."),
                          name, dir, CONSOLE_SOCKET);
                return fd;
        }
        if (fd < 0)
                return log_error_errno(fd, _("Failed to connect to the console of container \"%s\": %m"),
                                       name);

        relay_signals(&set);
        (void) sigprocmask(SIG_BLOCK, &set, &old_mask);
        r = console_session(fd, name);
        (void) sigprocmask(SIG_SETMASK, &old_mask, NULL);
        return r;
}
