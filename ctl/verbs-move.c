/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* "sysctr move NAME HOST [--volumes]" and "sysctr copy NAME HOST [NEW-NAME] [--volumes]": a stopped
 * container goes to another host as the archive of "sysctr export" (its config, its layers, its
 * image, with --volumes its volumes; docs/storage.md), read there by "sysctr import". Each side runs
 * as a process of its own: this sysctr for this host, sysctr run through ssh for another (the
 * archive is a stream, which an SSH bus connection could not carry as a file descriptor), joined by
 * a pipe. What makes it all or nothing is the import: it extracts into a temporary directory and
 * renames into place only once everything was read and checked, so a cut stream leaves nothing on
 * the target. The source is deleted (move) only after the target has the container; its autostart
 * flag goes along (an import has none). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus-names.h"
#include "fleet.h"
#include "log.h"
#include "name.h"
#include "strv.h"
#include "sysctr.h"

/* The argv that runs "sysctr WORDS..." on the host at address (NULL: this host, this binary). */
static int side_argv(const char *address, char * const *words, char ***ret) {
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_free_ char *self = NULL;

        if (address)
                return ctl_ssh_argv(address, words, false, ret);

        self = realpath("/proc/self/exe", NULL);
        if (!self)
                return log_error_errno(errno, _("Failed to find the sysctr program: %m"));
        if (strv_push(&argv, TAKE_PTR(self)) < 0)
                return log_oom();
        STRV_FOREACH(w, words + 1)
                if (strv_extend(&argv, *w) < 0)
                        return log_oom();
        *ret = TAKE_PTR(argv);
        return 0;
}

/* Starts argv with in_fd as its stdin and out_fd as its stdout (-1: ours). */
static int spawn(char **argv, int in_fd, int out_fd, pid_t *ret) {
        pid_t pid;

        pid = fork();
        if (pid < 0)
                return log_error_errno(errno, _("Failed to start %s: %m"), argv[0]);
        if (pid == 0) {
                if ((in_fd >= 0 && dup2(in_fd, STDIN_FILENO) < 0) || (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0))
                        _exit(EXIT_FAILURE);
                execvp(argv[0], argv);
                log_error_errno(errno, _("Failed to run %s: %m"), argv[0]);
                _exit(EXIT_FAILURE);
        }
        *ret = pid;
        return 0;
}

static int wait_status(pid_t pid) {
        int status;

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* export | import, both ended: 0, or -EIO after saying which side failed. */
static int run_pipeline(const char *from, const char *to, const char *name, const char *new_name, bool volumes) {
        _cleanup_strv_free_ char **export_argv = NULL, **import_argv = NULL;
        _cleanup_close_pair_ int p[2] = { -EBADF, -EBADF };
        _cleanup_close_ int devnull = -EBADF, devnull_in = -EBADF;
        char *export_words[] = { (char *) "sysctr", (char *) "export", (char *) name, (char *) "-",
                                 volumes ? (char *) "--volumes" : NULL, NULL };
        char *import_words[] = { (char *) "sysctr", (char *) "import", (char *) "-", (char *) new_name, NULL };
        pid_t exporter = 0, importer = 0;
        int r, e, i;

        r = side_argv(from, export_words, &export_argv);
        if (r >= 0)
                r = side_argv(to, import_words, &import_argv);
        if (r < 0)
                return r;
        if (pipe2(p, O_CLOEXEC) < 0)
                return log_error_errno(errno, _("Failed to make a pipe: %m"));
        /* Neither side reads our input (ssh would forward it) nor writes to our output. */
        devnull = open("/dev/null", O_WRONLY | O_CLOEXEC | O_NOCTTY);
        devnull_in = open("/dev/null", O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (devnull < 0 || devnull_in < 0)
                return log_error_errno(errno, _("Failed to open /dev/null: %m"));

        fflush(stdout);
        r = spawn(import_argv, p[0], devnull, &importer);
        if (r >= 0)
                r = spawn(export_argv, devnull_in, p[1], &exporter);
        /* Only the two sides may hold the pipe: an end left open here would keep either waiting. */
        p[0] = safe_close(p[0]);
        p[1] = safe_close(p[1]);
        if (r < 0) {
                if (importer > 0)
                        (void) wait_status(importer);
                return r;
        }

        /* ^C reaches both sides (same process group); their statuses tell what happened. */
        (void) signal(SIGINT, SIG_IGN);
        e = wait_status(exporter);
        i = wait_status(importer);
        (void) signal(SIGINT, SIG_DFL);
        if (e == 0 && i == 0)
                return 0;
        if (e != 0)
                log_error(_("Exporting %s from %s failed (status %d)."), name, from ?: _("this host"), e);
        if (i != 0)
                log_error(_("Importing %s on %s failed (status %d)."), new_name, to ?: _("this host"), i);
        return -EIO;
}

/* The state and the autostart flag of container name (either may be NULL); -ENOENT if there is none. */
static int container_state(sd_bus *bus, const char *name, char **ret_state, bool *ret_autostart) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *path;
        int r, b = 0;

        r = sd_bus_call_method(bus, SYSCTR_BUS_NAME, SYSCTR_MANAGER_PATH, SYSCTR_MANAGER_INTERFACE, "GetContainer",
                               &error, &reply, "s", name);
        if (r < 0 && sd_bus_error_has_name(&error, SYSCTR_ERROR_NO_SUCH_CONTAINER))
                return -ENOENT;
        if (r < 0)
                return ctl_log_bus_error(&error, r, "GetContainer");
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return log_error_errno(r, _("Failed to parse the reply of sysctrd: %m"));
        if (ret_autostart) {
                r = sd_bus_get_property_trivial(bus, SYSCTR_BUS_NAME, path, SYSCTR_CONTAINER_INTERFACE, "Autostart",
                                                &error, 'b', &b);
                if (r < 0)
                        return ctl_log_bus_error(&error, r, "Autostart");
                *ret_autostart = b;
        }
        return ctl_get_container_state(bus, path, ret_state, NULL);
}

/* What must hold before anything is done: the source has it stopped, the target has no such name. */
static int check_sides(sd_bus *from_bus, const char *from, sd_bus *to_bus, const char *to, const char *name,
                       const char *new_name, bool *ret_autostart) {
        _cleanup_free_ char *state = NULL;
        int r;

        r = container_state(from_bus, name, &state, ret_autostart);
        if (r == -ENOENT) {
                log_error(_("No container \"%s\" on %s."), name, from ?: _("this host"));
                return r;
        }
        if (r < 0)
                return r;
        if (!streq(state, "stopped")) {
                log_error(_("Container \"%s\" is %s: stop it before it goes to another host."), name, state);
                return -EBUSY;
        }
        r = container_state(to_bus, new_name, NULL, NULL);
        if (r >= 0) {
                log_error(_("%s has a container \"%s\" already."), to ?: _("This host"), new_name);
                return -EEXIST;
        }
        return r == -ENOENT ? 0 : r;
}

int ctl_transfer_container(sd_bus *from_bus, const char *from, sd_bus *to_bus, const char *to, const char *name,
                           const char *new_name, bool volumes, bool remove_source) {
        bool autostart = false;
        int r;

        r = check_sides(from_bus, from, to_bus, to, name, new_name, &autostart);
        if (r < 0)
                return r;
        r = run_pipeline(from, to, name, new_name, volumes);
        if (r < 0) {
                log_error(_("Nothing was changed: %s is as it was on %s."), name, from ?: _("this host"));
                return r;
        }
        /* The import said it is done; the target's sysctrd has the last word. */
        r = container_state(to_bus, new_name, NULL, NULL);
        if (r < 0) {
                log_error(_("%s does not show container \"%s\" after the import; %s is left as it was."),
                          to ?: _("This host"), new_name, name);
                return r == -ENOENT ? -EIO : r;
        }
        if (!remove_source)
                return 0;
        /* An import never comes up with its host (docs/storage.md); a moved container starts where
         * it is now as it did where it was. */
        if (autostart) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;

                r = ctl_new_manager_call(to_bus, "SetContainer", &m);
                if (r >= 0)
                        r = sd_bus_message_append(m, "sa{sv}", new_name, 1, "autostart", "b", 1);
                if (r >= 0)
                        r = ctl_call(to_bus, m, CTL_TIMEOUT_DEFAULT, NULL);
                if (r < 0) {
                        log_error(_("Container \"%s\" is on %s now, but without autostart; it is still on %s too."),
                                  new_name, to ?: _("this host"), from ?: _("this host"));
                        return r;
                }
        }
        r = ctl_call_manager(from_bus, CTL_TIMEOUT_DEFAULT, NULL, "DeleteContainer", "s", name);
        if (r < 0)
                log_error(_("Container \"%s\" is on %s now, but could not be deleted from %s."), new_name,
                          to ?: _("this host"), from ?: _("this host"));
        return r;
}

static int check_destination(const char *address) {
        if (host_address_is_valid(address))
                return 0;
        log_error(_("Invalid host \"%s\": expected [USER@]HOST[:PORT]."), address);
        return -EINVAL;
}

static int transfer_verb(const char *name, const char *to, const char *new_name, const CtlOptions *o, bool move) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *from_bus = NULL, *to_bus = NULL;
        const char *from = ctl_get_host();
        int r;

        r = ctl_check_container_name(name);
        if (r >= 0)
                r = ctl_check_container_name(new_name);
        if (r >= 0)
                r = check_destination(to);
        if (r < 0)
                return r;
        if (streq_ptr(from, to) && streq(name, new_name)) {
                log_error(_("Container \"%s\" is on %s already."), name, to);
                return -EINVAL;
        }
        r = ctl_bus_open(&from_bus);
        if (r >= 0)
                r = ctl_bus_open_host(to, &to_bus);
        if (r < 0)
                return r;
        r = ctl_transfer_container(from_bus, from, to_bus, to, name, new_name, o->export_volumes, move);
        if (r >= 0)
                printf(move ? _("Moved %s to %s.\n") : _("Copied %s to %s.\n"), name, to);
        return r;
}

int verb_move(char **args, const CtlOptions *o) {
        return transfer_verb(args[0], args[1], args[0], o, true);
}

int verb_copy(char **args, const CtlOptions *o) {
        return transfer_verb(args[0], args[1], args[2] ?: args[0], o, false);
}
