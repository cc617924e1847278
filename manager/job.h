/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "macro.h"
#include "manager.h"

/* Jobs: the operations that may take longer than a D-Bus client waits for a reply (25 s for GDBus and
 * libdbus), as systemd's StartUnit does it. The method returns the job's path at once; the job is an
 * object (/org/sysctr1/job/ID, org.sysctr1.Job) with Progress and Cancel(), and JobRemoved announces
 * its end with a result. Whoever does the work (containers, image builds) owns the job's outcome:
 * it calls job_finish(), and gets a cancel callback. */

typedef enum JobType {
        JOB_CREATE,
        JOB_START,
        JOB_STOP,
        JOB_RESTART,
        JOB_BUILD,
        JOB_SNAPSHOT,
        JOB_RESTORE,
        JOB_CLONE,
        JOB_EXPORT,
        JOB_IMPORT,
        _JOB_TYPE_MAX,
        _JOB_TYPE_INVALID = -EINVAL,
} JobType;

typedef enum JobResult {
        JOB_DONE,
        JOB_FAILED,
        JOB_CANCELED,
        _JOB_RESULT_MAX,
        _JOB_RESULT_INVALID = -EINVAL,
} JobResult;

typedef enum JobState {
        JOB_WAITING,            /* queued behind others of its kind (the start queue) */
        JOB_RUNNING,
        _JOB_STATE_MAX,
        _JOB_STATE_INVALID = -EINVAL,
} JobState;

const char *job_type_to_string(JobType t) _const_;
JobType job_type_from_string(const char *s) _pure_;
const char *job_result_to_string(JobResult r) _const_;
JobResult job_result_from_string(const char *s) _pure_;
const char *job_state_to_string(JobState s) _const_;

typedef struct Job Job;

/* Asked to give up: undo what can be undone, then job_finish(JOB_CANCELED) (now or later). A < 0
 * return leaves the job running and is the error of the Cancel() call. */
typedef int (*JobCancelFunc)(Job *j, sd_bus_error *error);
/* A waiting job may run now (the start queue). */
typedef void (*JobRunFunc)(Job *j);

struct Job {
        Manager *manager;
        uint32_t id;
        char *path;
        JobType type;
        JobState state;
        char *target;           /* the container's or image's name */
        char *object;           /* the container's object path, or "/" */
        double progress;        /* 0..1, or -1 when unknown */
        bool finished;          /* job_finish() was called; the job goes away once announced */
        bool has_slot;          /* holds a place of the start queue */
        sd_event_source *defer; /* the deferred end of a job that finished at once */

        JobCancelFunc cancel;
        JobRunFunc run;
        void *userdata;         /* the owner's: a Container, an ImageBuild */
};

/* A new job, registered on the bus (JobNew, InterfacesAdded). */
int job_new(Manager *m, JobType type, const char *target, const char *object, Job **ret);

/* The job is over: JobRemoved(result, error name, message), InterfacesRemoved, and it is freed. With
 * JOB_DONE, error_name and message are NULL. */
void job_finish(Job *j, JobResult result, const char *error_name, const char *format, ...) _printf_(4, 5);
/* The same, but after the current method call has been answered (a job that is done at once: the
 * caller learns its path before it hears of its end). */
void job_finish_later(Job *j);

void job_set_progress(Job *j, double progress);

/* The start queue: at most m->max_parallel_starts start (and restart) jobs run at once; the others
 * wait, in order, and their run callback is called when a place is free. Returns true if j may run
 * now (it has a place), false if it waits. job_release() gives the place back. */
bool job_acquire_start_slot(Job *j);
void job_release_start_slot(Job *j);

int job_cancel(Job *j, sd_bus_error *error);
Job *manager_get_job(Manager *m, uint32_t id);
/* All jobs at shutdown: they end with "canceled"/"sysctrd is shutting down". */
void manager_free_jobs(Manager *m);

/* job-dbus.c */
extern const sd_bus_vtable job_vtable[];
int job_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                    sd_bus_error *error);
int job_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error);
