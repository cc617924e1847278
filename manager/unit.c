/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "errors.h"
#include "log.h"
#include "unit.h"

static Container *find_by_job(Manager *m, const char *job) {
        for (Container *c = m->containers; c; c = c->next)
                if (c->job && streq(c->job, job))
                        return c;
        return NULL;
}

static void job_finished(Container *c, const char *result) {
        char unit[256];

        free(c->job);
        c->job = NULL;
        c->job_slot = sd_bus_slot_unref(c->job_slot);
        if (streq(result, "done"))
                return;
        /* A failed start job: the agent never got to say so itself (e.g. the unit is missing). */
        if (c->state == CONTAINER_STARTING && c->agent_pidfd < 0) {
                _cleanup_free_ char *why = NULL;

                if (asprintf(&why, "%s's start job ended with result \"%s\"", container_unit_name(c, unit),
                             result) < 0)
                        return;
                container_fail(c, why);
        }
}

static int on_job_removed(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        const char *job, *unit, *result;
        Container *c;
        uint32_t id;
        int r;

        r = sd_bus_message_read(message, "uoss", &id, &job, &unit, &result);
        if (r < 0)
                return 0;
        c = find_by_job(userdata, job);
        if (c)
                job_finished(c, result);
        return 0;
}

int unit_subscribe(Manager *m) {
        int r;

        r = sd_bus_match_signal_async(m->bus, &m->job_removed_slot, "org.freedesktop.systemd1",
                                      "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager",
                                      "JobRemoved", on_job_removed, NULL, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch systemd's jobs: %m");
        r = sd_bus_call_method_async(m->bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                     "org.freedesktop.systemd1.Manager", "Subscribe", NULL, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to subscribe to systemd: %m");
        return 0;
}

static int on_job_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Container *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        const char *job;

        c->job_slot = sd_bus_slot_unref(c->job_slot);
        if (e) {
                _cleanup_free_ char *why = NULL;

                log_container_error(c->name, "systemd refused the job for container %s: %s", c->name, e->message);
                if (asprintf(&why, "systemd refused the job: %s", e->message) >= 0)
                        container_fail(c, why);
                return 0;
        }
        if (sd_bus_message_read(reply, "o", &job) >= 0) {
                free(c->job);
                c->job = strdup(job);
        }
        return 0;
}

static int unit_job(Container *c, const char *method) {
        char unit[256];

        c->job_slot = sd_bus_slot_unref(c->job_slot);
        return sd_bus_call_method_async(c->manager->bus, &c->job_slot, "org.freedesktop.systemd1",
                                        "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager",
                                        method, on_job_reply, c, "ss", container_unit_name(c, unit),
                                        "replace");
}

int unit_start(Container *c) {
        return unit_job(c, "StartUnit");
}

int unit_stop(Container *c) {
        return unit_job(c, "StopUnit");
}
