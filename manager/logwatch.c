/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>

#include "bus-names.h"
#include "log.h"
#include "logs.h"
#include "strv.h"

/* WatchContainerLogs: the logs of GetContainerLogs for a client that cannot receive a file
 * descriptor (Cockpit's D-Bus channel). The pipe's lines are sent as the watch object's signal
 * Lines(as), addressed to its caller alone (a unicast signal: nobody else on the bus sees a guest's
 * logs), once the caller has subscribed and called Start(). */

/* Lines are sent together, up to this many (the bus limits a message to 128 MiB; a line of the
 * short format is short). */
#define LOG_WATCH_BATCH 512
#define LOG_WATCH_LINE_MAX 4096

typedef struct LogWatch {
        Manager *manager;
        uint32_t id;
        char *path;
        char *owner;                    /* the caller's unique bus name */
        sd_bus_track *track;
        LogsRequest request;
        char *container;                /* request.name points here */
        int fd;
        sd_event_source *source;
        char line[LOG_WATCH_LINE_MAX];
        size_t line_len;
        char **batch;
        size_t n_batch;
} LogWatch;

static LogWatch *log_watch_free(LogWatch *w) {
        if (!w)
                return NULL;
        (void) hashmap_remove_value(w->manager->log_watches, UINT_TO_PTR(w->id), w);
        sd_event_source_disable_unref(w->source);
        safe_close(w->fd);
        sd_bus_track_unref(w->track);
        strv_free(w->batch);
        free(w->container);
        free(w->owner);
        free(w->path);
        free(w);
        return NULL;
}

static void log_watch_drop(LogWatch *w) {
        manager_emit_object_removed(w->manager, w->path);
        log_watch_free(w);
}

void manager_free_log_watches(Manager *m) {
        LogWatch *w;

        for (;;) {
                size_t i = 0;

                if (!hashmap_next(m->log_watches, &i, (void **) &w))
                        break;
                log_watch_free(w);
        }
}

static int send_to_owner(LogWatch *w, const char *member, char **lines) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_signal(w->manager->bus, &m, w->path, SYSCTR_LOGWATCH_INTERFACE, member);
        if (r >= 0)
                r = sd_bus_message_set_destination(m, w->owner);
        if (r >= 0 && lines)
                r = sd_bus_message_append_strv(m, lines);
        if (r >= 0)
                r = sd_bus_send(w->manager->bus, m, NULL);
        return r;
}

static void flush_batch(LogWatch *w) {
        if (w->n_batch == 0)
                return;
        (void) send_to_owner(w, "Lines", w->batch);
        w->batch = strv_free(w->batch);
        w->n_batch = 0;
}

static void add_line(LogWatch *w) {
        w->line[w->line_len] = '\0';
        w->line_len = 0;
        if (strv_extend(&w->batch, w->line) < 0)
                return;
        if (++w->n_batch >= LOG_WATCH_BATCH)
                flush_batch(w);
}

static int on_pipe(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        LogWatch *w = userdata;
        char buf[8192];
        ssize_t n;

        for (;;) {
                n = read(fd, buf, sizeof(buf));
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        break;
                if (n <= 0) {
                        /* The end (or trouble, which the stream itself has said): the rest, Done(). */
                        if (w->line_len > 0)
                                add_line(w);
                        flush_batch(w);
                        (void) send_to_owner(w, "Done", NULL);
                        log_watch_drop(w);
                        return 0;
                }
                for (ssize_t i = 0; i < n; i++) {
                        if (buf[i] == '\n' || w->line_len >= sizeof(w->line) - 1)
                                add_line(w);
                        if (buf[i] != '\n')
                                w->line[w->line_len++] = buf[i];
                }
        }
        flush_batch(w);
        return 0;
}

static int on_owner_gone(sd_bus_track *track, void *userdata) {
        log_watch_drop(userdata);
        return 0;
}

static int check_owner(LogWatch *w, sd_bus_message *message, sd_bus_error *error) {
        if (streq_ptr(sd_bus_message_get_sender(message), w->owner))
                return 0;
        return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                 "Only the caller that made log watch %" PRIu32 " may use it.", w->id);
}

static int method_start(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        LogWatch *w = userdata;
        int r;

        r = check_owner(w, message, error);
        if (r < 0)
                return r;
        if (w->fd >= 0)
                return sd_bus_error_setf(error, SYSCTR_ERROR_BUSY, "Log watch %" PRIu32 " runs already.", w->id);
        r = logs_spawn(w->manager, &w->request, &w->fd);
        if (r >= 0 && fcntl(w->fd, F_SETFL, O_NONBLOCK) < 0)
                r = -errno;
        if (r >= 0)
                r = sd_event_add_io(w->manager->event, &w->source, w->fd, EPOLLIN, on_pipe, w);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to read the logs of \"%s\": %m", w->container);
        return sd_bus_reply_method_return(message, NULL);
}

static int method_stop(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        LogWatch *w = userdata;
        int r;

        r = check_owner(w, message, error);
        if (r < 0)
                return r;
        r = sd_bus_reply_method_return(message, NULL);
        /* Closing the pipe ends the child that writes it. */
        log_watch_drop(w);
        return r;
}

const sd_bus_vtable log_watch_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "u", NULL, offsetof(LogWatch, id), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Container", "s", NULL, offsetof(LogWatch, container), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD("Start", NULL, NULL, method_start, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Stop", NULL, NULL, method_stop, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("Lines", SD_BUS_ARGS("as", lines), 0),
        SD_BUS_SIGNAL("Done", NULL, 0),
        SD_BUS_VTABLE_END,
};

int container_method_watch_logs(Container *c, sd_bus_message *message, sd_bus_error *error) {
        Manager *m = c->manager;
        LogWatch *w;
        int r;

        w = calloc(1, sizeof(LogWatch));
        if (!w)
                return -ENOMEM;
        w->manager = m;
        w->fd = -EBADF;
        w->id = ++m->last_log_watch_id;
        w->container = strdup(c->name);
        w->owner = strdup(strempty(sd_bus_message_get_sender(message)));
        if (!w->container || !w->owner ||
            asprintf(&w->path, SYSCTR_LOGWATCH_PATH_PREFIX "/%" PRIu32, w->id) < 0) {
                log_watch_free(w);
                return -ENOMEM;
        }
        r = logs_request_init(c, message, &w->request, error);
        if (r >= 0)
                w->request.name = w->container;
        if (r >= 0)
                r = sd_bus_track_new(m->bus, &w->track, on_owner_gone, w);
        if (r >= 0)
                r = sd_bus_track_add_sender(w->track, message);
        if (r >= 0)
                r = hashmap_put(m->log_watches, UINT_TO_PTR(w->id), w);
        if (r < 0) {
                log_watch_free(w);
                return r;
        }
        r = sd_bus_reply_method_return(message, "o", w->path);
        manager_emit_object_added(m, w->path);
        return r;
}

int log_watch_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                          sd_bus_error *error) {
        _cleanup_free_ char *e = NULL;
        unsigned long id;
        char *end;
        LogWatch *w;

        if (sd_bus_path_decode(path, SYSCTR_LOGWATCH_PATH_PREFIX, &e) <= 0)
                return 0;
        errno = 0;
        id = strtoul(e, &end, 10);
        if (errno != 0 || *end || end == e || id == 0 || id > UINT32_MAX)
                return 0;
        w = hashmap_get(((Manager *) userdata)->log_watches, UINT_TO_PTR(id));
        if (!w)
                return 0;
        *found = w;
        return 1;
}

int log_watch_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        _cleanup_strv_free_ char **l = NULL;
        Manager *m = userdata;
        LogWatch *w;
        int r;

        for (size_t i = 0; hashmap_next(m->log_watches, &i, (void **) &w);) {
                r = strv_extend(&l, w->path);
                if (r < 0)
                        return r;
        }
        *nodes = TAKE_PTR(l);
        return 1;
}
