/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>

#include "bus-names.h"
#include "job.h"
#include "log.h"

static const char * const job_type_table[_JOB_TYPE_MAX] = {
        [JOB_CREATE] = "create",
        [JOB_START] = "start",
        [JOB_STOP] = "stop",
        [JOB_RESTART] = "restart",
        [JOB_BUILD] = "build",
};

DEFINE_STRING_TABLE_LOOKUP(job_type, JobType, _JOB_TYPE_MAX);

static const char * const job_result_table[_JOB_RESULT_MAX] = {
        [JOB_DONE] = "done",
        [JOB_FAILED] = "failed",
        [JOB_CANCELED] = "canceled",
};

DEFINE_STRING_TABLE_LOOKUP(job_result, JobResult, _JOB_RESULT_MAX);

static const char * const job_state_table[_JOB_STATE_MAX] = {
        [JOB_WAITING] = "waiting",
        [JOB_RUNNING] = "running",
};

const char *job_state_to_string(JobState s) {
        return s >= 0 && s < _JOB_STATE_MAX ? job_state_table[s] : NULL;
}

static Job *job_free(Job *j) {
        if (!j)
                return NULL;
        sd_event_source_disable_unref(j->defer);
        free(j->path);
        free(j->target);
        free(j->object);
        free(j);
        return NULL;
}

int job_new(Manager *m, JobType type, const char *target, const char *object, Job **ret) {
        Job *j;
        int r;

        j = calloc(1, sizeof(Job));
        if (!j)
                return -ENOMEM;
        j->manager = m;
        j->id = ++m->last_job_id;
        j->type = type;
        j->state = JOB_RUNNING;
        j->progress = -1;
        j->target = strdup(target);
        j->object = strdup(object ?: "/");
        if (!j->target || !j->object || asprintf(&j->path, SYSCTR_JOB_PATH_PREFIX "/%" PRIu32, j->id) < 0) {
                job_free(j);
                return -ENOMEM;
        }
        r = hashmap_put(m->jobs, UINT_TO_PTR(j->id), j);
        if (r < 0) {
                job_free(j);
                return r;
        }
        log_debug("New %s job %" PRIu32 " for %s.", strna(job_type_to_string(type)), j->id, j->target);
        if (m->bus) {
                (void) sd_bus_emit_signal(m->bus, SYSCTR_MANAGER_PATH, SYSCTR_MANAGER_INTERFACE, "JobNew", "uoss",
                                          j->id, j->path, strna(job_type_to_string(type)), j->target);
                manager_emit_object_added(m, j->path);
        }
        *ret = j;
        return 0;
}

static void start_queue_remove(Manager *m, uint32_t id) {
        for (size_t i = 0; i < m->n_start_queue; i++)
                if (m->start_queue[i] == id) {
                        memmove(m->start_queue + i, m->start_queue + i + 1,
                                (m->n_start_queue - i - 1) * sizeof(uint32_t));
                        m->n_start_queue--;
                        return;
                }
}

static void job_take_slot(Job *j) {
        j->has_slot = true;
        j->state = JOB_RUNNING;
        j->manager->n_running_starts++;
}

/* A place came free: the oldest waiting job takes it. */
static void start_queue_advance(Manager *m) {
        while (m->n_start_queue > 0 && m->n_running_starts < m->max_parallel_starts) {
                Job *j = manager_get_job(m, m->start_queue[0]);

                start_queue_remove(m, m->start_queue[0]);
                if (!j || j->finished)
                        continue;
                job_take_slot(j);
                if (m->bus)
                        (void) sd_bus_emit_properties_changed(m->bus, j->path, SYSCTR_JOB_INTERFACE, "State", NULL);
                if (j->run)
                        j->run(j);
        }
}

bool job_acquire_start_slot(Job *j) {
        Manager *m = j->manager;
        uint32_t *a;

        if (j->has_slot)
                return true;
        if (m->n_running_starts < m->max_parallel_starts && m->n_start_queue == 0) {
                job_take_slot(j);
                return true;
        }
        a = realloc(m->start_queue, (m->n_start_queue + 1) * sizeof(uint32_t));
        if (!a) {
                /* No memory to queue it: run it rather than lose it. */
                job_take_slot(j);
                return true;
        }
        m->start_queue = a;
        m->start_queue[m->n_start_queue++] = j->id;
        j->state = JOB_WAITING;
        if (m->bus)
                (void) sd_bus_emit_properties_changed(m->bus, j->path, SYSCTR_JOB_INTERFACE, "State", NULL);
        return false;
}

void job_release_start_slot(Job *j) {
        if (j->state == JOB_WAITING)
                start_queue_remove(j->manager, j->id);
        if (!j->has_slot)
                return;
        j->has_slot = false;
        j->manager->n_running_starts--;
        start_queue_advance(j->manager);
}

static void job_announce_and_free(Job *j, JobResult result, const char *error_name, const char *message) {
        Manager *m = j->manager;

        log_debug("Job %" PRIu32 " (%s %s) ended: %s%s%s.", j->id, strna(job_type_to_string(j->type)), j->target,
                  job_result_to_string(result), message ? ": " : "", strempty(message));
        if (m->bus) {
                manager_emit_object_removed(m, j->path);
                (void) sd_bus_emit_signal(m->bus, SYSCTR_MANAGER_PATH, SYSCTR_MANAGER_INTERFACE, "JobRemoved",
                                          "uossss", j->id, j->path, j->target, job_result_to_string(result),
                                          strempty(error_name), strempty(message));
        }
        (void) hashmap_remove_value(m->jobs, UINT_TO_PTR(j->id), j);
        job_free(j);
}

void job_finish(Job *j, JobResult result, const char *error_name, const char *format, ...) {
        _cleanup_free_ char *message = NULL;

        if (!j || j->finished)
                return;
        j->finished = true;
        if (format && result != JOB_DONE) {
                va_list ap;

                va_start(ap, format);
                if (vasprintf(&message, format, ap) < 0)
                        message = NULL;
                va_end(ap);
        }
        job_release_start_slot(j);
        job_announce_and_free(j, result, error_name, isempty(message) ? NULL : message);
}

static int on_finish_later(sd_event_source *s, void *userdata) {
        Job *j = userdata;

        job_announce_and_free(j, JOB_DONE, NULL, NULL);
        return 0;
}

void job_finish_later(Job *j) {
        int r;

        /* Marked finished at once, so that nobody else ends it meanwhile; sd-event runs the deferred
         * source after the current dispatch, by which time the method's reply is out. */
        if (j->finished)
                return;
        j->finished = true;
        job_release_start_slot(j);
        r = sd_event_add_defer(j->manager->event, &j->defer, on_finish_later, j);
        if (r < 0)
                job_announce_and_free(j, JOB_DONE, NULL, NULL);
}

void job_set_progress(Job *j, double progress) {
        if (j->finished || j->progress == progress)
                return;
        j->progress = progress;
        if (j->manager->bus)
                (void) sd_bus_emit_properties_changed(j->manager->bus, j->path, SYSCTR_JOB_INTERFACE, "Progress",
                                                      NULL);
}

int job_cancel(Job *j, sd_bus_error *error) {
        if (j->finished)
                return 0;
        if (!j->cancel)
                return sd_bus_error_setf(error, SD_BUS_ERROR_NOT_SUPPORTED, "Job %" PRIu32 " cannot be canceled.",
                                         j->id);
        log_info("Canceling %s job %" PRIu32 " of %s.", job_type_to_string(j->type), j->id, j->target);
        return j->cancel(j, error);
}

Job *manager_get_job(Manager *m, uint32_t id) {
        return hashmap_get(m->jobs, UINT_TO_PTR(id));
}

void manager_free_jobs(Manager *m) {
        Job *j;

        /* What is left when everything else is gone: jobs that were about to be announced. */
        for (;;) {
                size_t i = 0;

                if (!hashmap_next(m->jobs, &i, (void **) &j))
                        break;
                if (j->finished)
                        job_announce_and_free(j, JOB_DONE, NULL, NULL);
                else
                        job_finish(j, JOB_CANCELED, SYSCTR_ERROR_CANCELED, "sysctrd is shutting down.");
        }
        m->start_queue = mfree(m->start_queue);
        m->n_start_queue = 0;
}
