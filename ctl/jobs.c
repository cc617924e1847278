/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>

#include "bus-names.h"
#include "log.h"
#include "strv.h"
#include "sysctr.h"

/* Waiting for sysctrd's jobs (docs/dbus-api.md, "Jobs"): subscribe to JobNew and JobRemoved before
 * the calls that make jobs, then wait until every job we care about has been announced as removed.
 * On a terminal, a job's progress is shown on one line of stderr that is rewritten as it comes
 * (Progress properties and the image builder's lines); elsewhere, progress is plain lines. Ctrl-C
 * cancels the jobs (and a second one gives up waiting). */

typedef struct JobEntry {
        char *path;
        char *target;
        bool done;
        bool wanted;            /* one of ours (not merely seen going by) */
        char *result, *error_name, *message;
        char *final_target;     /* as JobRemoved says (an import names the container it made) */
        double progress;
} JobEntry;

struct JobWait {
        sd_bus *bus;
        sd_bus_slot *removed_slot, *new_slot, *changed_slot, *build_slot;
        JobEntry *entries;
        size_t n_entries;
        bool tty;
        bool shown;             /* a progress line is on the screen */
        int last_percent;       /* of the plain lines */
        char *build_line;       /* the builder's last line */
        char *create_target;    /* JobWait for a create job of this container (job_wait_take_new()) */
        sd_bus_slot *owner_slot;
        bool daemon_gone;       /* sysctrd left the bus: its jobs will never be announced as ended */
};

static JobEntry *entry_find(JobWait *w, const char *path) {
        for (size_t i = 0; i < w->n_entries; i++)
                if (streq(w->entries[i].path, path))
                        return &w->entries[i];
        return NULL;
}

static JobEntry *entry_add(JobWait *w, const char *path, const char *target) {
        JobEntry *e = entry_find(w, path), *a;

        if (e)
                return e;
        a = reallocarray(w->entries, w->n_entries + 1, sizeof(JobEntry));
        if (!a)
                return NULL;
        w->entries = a;
        e = &w->entries[w->n_entries];
        *e = (JobEntry) { .path = strdup(path), .target = strdup(strempty(target)), .progress = -1 };
        if (!e->path || !e->target) {
                free(e->path);
                free(e->target);
                return NULL;
        }
        w->n_entries++;
        return e;
}

static unsigned terminal_columns(void) {
        struct winsize ws;

        if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0)
                return 80;
        return ws.ws_col;
}

static void progress_clear(JobWait *w) {
        if (!w->shown)
                return;
        fputs("\r\033[K", stderr);
        fflush(stderr);
        w->shown = false;
}

/* The progress of the jobs we wait for: the least advanced one known decides. */
static double overall_progress(JobWait *w, const char **ret_target) {
        double p = -1;

        *ret_target = NULL;
        for (size_t i = 0; i < w->n_entries; i++) {
                const JobEntry *e = &w->entries[i];

                if (!e->wanted || e->done || e->progress < 0)
                        continue;
                if (p < 0 || e->progress < p) {
                        p = e->progress;
                        *ret_target = e->target;
                }
        }
        return p;
}

/* "[#####.....]  42% debian-bookworm-amd64: I: extracting ...", cut to the terminal's width so that
 * it never wraps (and "\r" can rewrite it); control characters of the builder's output replaced. */
static void progress_show(JobWait *w) {
        const char *target;
        double p = overall_progress(w, &target);
        unsigned width = terminal_columns(), used = 0;
        char bar[24];

        if (!w->tty) {
                int percent = p < 0 ? -1 : (int) (p * 100);

                /* Plain lines, one per tenth, for logs and pipes. */
                if (percent >= 0 && percent / 10 != w->last_percent / 10 && target) {
                        fprintf(stderr, _("%s: %d%% done\n"), target, percent);
                        w->last_percent = percent;
                }
                return;
        }
        if (p < 0 && !w->build_line)
                return;
        fputs("\r\033[K", stderr);
        if (p >= 0 && width > 40) {
                int filled = (int) (p * 20 + 0.5);

                for (int i = 0; i < 20; i++)
                        bar[i] = i < filled ? '#' : '.';
                bar[20] = '\0';
                used += (unsigned) fprintf(stderr, "[%s] %3d%% ", bar, (int) (p * 100 + 0.5));
        }
        for (const unsigned char *c = (const unsigned char *) strempty(w->build_line); *c; c++) {
                /* One column for each character: a UTF-8 continuation byte adds none. */
                if ((*c & 0xc0) != 0x80 && ++used >= width)
                        break;
                fputc(*c < 0x20 || *c == 0x7f ? ' ' : *c, stderr);
        }
        fflush(stderr);
        w->shown = true;
}

static int on_job_new(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        JobWait *w = userdata;
        const char *path, *type, *target;
        uint32_t id;
        JobEntry *e;

        if (sd_bus_message_read(m, "uoss", &id, &path, &type, &target) < 0)
                return 0;
        /* A create job of the container we are creating: ours, though no reply names it. */
        if (w->create_target && streq(type, "create") && streq(target, w->create_target)) {
                e = entry_add(w, path, target);
                if (e)
                        e->wanted = true;
        }
        return 0;
}

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        JobWait *w = userdata;
        const char *path, *target, *result, *error_name, *message;
        uint32_t id;
        JobEntry *e;

        if (sd_bus_message_read(m, "uossss", &id, &path, &target, &result, &error_name, &message) < 0)
                return 0;
        /* Kept even if not (yet) ours: the reply that names it may come after this signal. */
        e = entry_add(w, path, target);
        if (!e)
                return 0;
        e->done = true;
        e->final_target = strdup(target);
        e->result = strdup(result);
        e->error_name = isempty(error_name) ? NULL : strdup(error_name);
        e->message = isempty(message) ? NULL : strdup(message);
        return 0;
}

static int on_job_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        JobWait *w = userdata;
        const char *interface, *property;
        JobEntry *e = entry_find(w, sd_bus_message_get_path(m));
        int r;

        if (!e || sd_bus_message_read(m, "s", &interface) < 0 || sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
                return 0;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                double p;

                if (sd_bus_message_read(m, "s", &property) < 0)
                        return 0;
                if (streq(property, "Progress") && sd_bus_message_read(m, "v", "d", &p) >= 0)
                        e->progress = p;
                else if (sd_bus_message_skip(m, "v") < 0)
                        return 0;
                if (sd_bus_message_exit_container(m) < 0)
                        return 0;
        }
        progress_show(w);
        return 0;
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        JobWait *w = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) >= 0 && isempty(new_owner))
                w->daemon_gone = true;
        return 0;
}

static int on_build_line(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        JobWait *w = userdata;
        const char *image, *line;

        if (sd_bus_message_read(m, "ss", &image, &line) < 0 || isempty(line) || !w->tty)
                return 0;
        free(w->build_line);
        if (asprintf(&w->build_line, "%s: %s", image, line) < 0)
                w->build_line = NULL;
        progress_show(w);
        return 0;
}

int job_wait_new(sd_bus *bus, JobWait **ret) {
        _cleanup_(job_wait_freep) JobWait *w = NULL;
        int r;

        w = calloc(1, sizeof(JobWait));
        if (!w)
                return log_oom();
        w->bus = sd_bus_ref(bus);
        w->tty = isatty(STDERR_FILENO);
        w->last_percent = -10;
        /* Synchronous matches: in place before the calls that make the jobs. */
        r = sd_bus_match_signal(bus, &w->removed_slot, SYSCTR_BUS_NAME, SYSCTR_MANAGER_PATH,
                                SYSCTR_MANAGER_INTERFACE, "JobRemoved", on_job_removed, w);
        if (r >= 0)
                r = sd_bus_match_signal(bus, &w->new_slot, SYSCTR_BUS_NAME, SYSCTR_MANAGER_PATH,
                                        SYSCTR_MANAGER_INTERFACE, "JobNew", on_job_new, w);
        if (r >= 0)
                r = sd_bus_add_match(bus, &w->changed_slot,
                                     "type='signal',sender='" SYSCTR_BUS_NAME "',"
                                     "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
                                     "arg0='" SYSCTR_JOB_INTERFACE "'",
                                     on_job_changed, w);
        if (r >= 0)
                r = sd_bus_match_signal(bus, &w->build_slot, SYSCTR_BUS_NAME, SYSCTR_MANAGER_PATH,
                                        SYSCTR_MANAGER_INTERFACE, "ImageBuildProgress", on_build_line, w);
        /* sysctrd killed or stopped while we wait: no JobRemoved will ever come. */
        if (r >= 0)
                r = sd_bus_add_match(bus, &w->owner_slot,
                                     "type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged',"
                                     "arg0='" SYSCTR_BUS_NAME "'",
                                     on_owner_changed, w);
        if (r < 0)
                return log_error_errno(r, _("Failed to subscribe to the jobs of sysctrd: %m"));
        *ret = TAKE_PTR(w);
        return 0;
}

JobWait *job_wait_free(JobWait *w) {
        if (!w)
                return NULL;
        progress_clear(w);
        for (size_t i = 0; i < w->n_entries; i++) {
                free(w->entries[i].path);
                free(w->entries[i].target);
                free(w->entries[i].result);
                free(w->entries[i].error_name);
                free(w->entries[i].message);
                free(w->entries[i].final_target);
        }
        free(w->entries);
        free(w->build_line);
        free(w->create_target);
        sd_bus_slot_unref(w->removed_slot);
        sd_bus_slot_unref(w->new_slot);
        sd_bus_slot_unref(w->changed_slot);
        sd_bus_slot_unref(w->build_slot);
        sd_bus_slot_unref(w->owner_slot);
        sd_bus_unref(w->bus);
        free(w);
        return NULL;
}

int job_wait_add(JobWait *w, const char *path, const char *target) {
        JobEntry *e = entry_add(w, path, target);

        if (!e)
                return log_oom();
        e->wanted = true;
        return 0;
}

int job_wait_expect_create(JobWait *w, const char *name) {
        free(w->create_target);
        w->create_target = strdup(name);
        return w->create_target ? 0 : log_oom();
}

static size_t pending(JobWait *w) {
        size_t n = 0;

        for (size_t i = 0; i < w->n_entries; i++)
                n += w->entries[i].wanted && !w->entries[i].done;
        return n;
}

static void cancel_pending(JobWait *w) {
        for (size_t i = 0; i < w->n_entries; i++) {
                if (!w->entries[i].wanted || w->entries[i].done)
                        continue;
                /* Asynchronous: the answer that matters is the job's end. */
                (void) sd_bus_call_method_async(w->bus, NULL, SYSCTR_BUS_NAME, w->entries[i].path,
                                                SYSCTR_JOB_INTERFACE, "Cancel", NULL, NULL, NULL);
        }
}

/* One pass of the bus, or a wait on it and the signal fd. 1: interrupted. */
static int wait_once(JobWait *w, int signal_fd) {
        struct pollfd p[2];
        uint64_t timeout;
        int r;

        r = sd_bus_process(w->bus, NULL);
        if (r != 0)
                return r < 0 ? r : 0;
        r = sd_bus_get_timeout(w->bus, &timeout);
        if (r < 0)
                return r;
        p[0] = (struct pollfd) { .fd = sd_bus_get_fd(w->bus), .events = (short) sd_bus_get_events(w->bus) };
        p[1] = (struct pollfd) { .fd = signal_fd, .events = POLLIN };
        r = poll(p, 2, timeout == UINT64_MAX ? -1 : 100);
        if (r < 0)
                return errno == EINTR ? 0 : -errno;
        if (p[1].revents) {
                struct signalfd_siginfo si;

                (void) !read(signal_fd, &si, sizeof(si));
                return 1;
        }
        return 0;
}

const char *job_wait_final_target(JobWait *w, const char *path) {
        JobEntry *e = entry_find(w, path);

        return e && e->done ? e->final_target : NULL;
}

int job_wait_run(JobWait *w) {
        _cleanup_close_ int signal_fd = -EBADF;
        sigset_t mask, old;
        unsigned interrupts = 0;
        int r = 0;

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        (void) sigprocmask(SIG_BLOCK, &mask, &old);
        signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

        /* What came while we waited for the replies (JobNew, JobRemoved) is queued, not yet seen. */
        while ((r = sd_bus_process(w->bus, NULL)) > 0)
                ;
        if (r < 0)
                log_error_errno(r, _("Failed to talk to sysctrd: %m"));
        while (r >= 0 && pending(w) > 0) {
                if (w->daemon_gone) {
                        progress_clear(w);
                        log_error(_("sysctrd went away before its job ended (it was stopped or it crashed)."));
                        r = -ECONNRESET;
                        break;
                }
                r = wait_once(w, signal_fd);
                if (r < 0) {
                        progress_clear(w);
                        log_error_errno(r, _("Failed to talk to sysctrd: %m"));
                        break;
                }
                if (r > 0 && ++interrupts == 1) {
                        progress_clear(w);
                        fprintf(stderr, _("Canceling... (press ^C again to stop waiting)\n"));
                        cancel_pending(w);
                } else if (r > 0) {
                        r = -ECANCELED;
                        break;
                }
                r = 0;
        }
        progress_clear(w);
        (void) sigprocmask(SIG_SETMASK, &old, NULL);
        if (r < 0)
                return r;

        /* Each failure with its own message; the first decides. */
        for (size_t i = 0; i < w->n_entries; i++) {
                const JobEntry *e = &w->entries[i];

                if (!e->wanted || streq_ptr(e->result, "done"))
                        continue;
                if (streq_ptr(e->result, "canceled") && interrupts > 0)
                        log_error(_("%s: canceled."), e->target);
                else
                        log_error("%s", e->message ?: e->result ?: "?");
                if (r == 0)
                        r = streq_ptr(e->result, "canceled") ? -ECANCELED : -EIO;
        }
        return r;
}
