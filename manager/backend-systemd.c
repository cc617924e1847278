/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "backend.h"
#include "bus-names.h"
#include "fileio.h"
#include "log.h"
#include "paths.h"

/* systemd mode: containers are sysctr@NAME.service units. We ask systemd to start and stop them and
 * follow the jobs; the agent's state file tells the rest, the same way as in standalone mode. Limits
 * are unit properties (persistent drop-ins), autostart is the unit's enablement. */

#define SYSTEMD_BUS "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER "org.freedesktop.systemd1.Manager"

static Container *find_by_unit_job(Manager *m, const char *job) {
        Container *c;

        /* Few containers have a unit job at any time, and JobRemoved is rare: a scan is fine. */
        for (size_t i = 0; hashmap_next(m->containers, &i, (void **) &c);)
                if (c->unit_job && streq(c->unit_job, job))
                        return c;
        return NULL;
}

static void unit_job_finished(Container *c, const char *result) {
        c->unit_job = mfree(c->unit_job);
        c->unit_job_slot = sd_bus_slot_unref(c->unit_job_slot);
        if (streq(result, "done"))
                return;
        /* A failed start job: the agent never got to say so itself (e.g. the unit is missing). */
        if (c->state == CONTAINER_STARTING && c->agent_pidfd < 0) {
                _cleanup_free_ char *why = NULL;

                if (asprintf(&why, "%s's start job ended with result \"%s\"", c->unit, result) < 0)
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
        c = find_by_unit_job(userdata, job);
        if (c)
                unit_job_finished(c, result);
        return 0;
}

static int systemd_connected(Manager *m) {
        int r;

        r = sd_bus_match_signal_async(m->bus, &m->job_removed_slot, SYSTEMD_BUS, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                      "JobRemoved", on_job_removed, NULL, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch systemd's jobs: %m");
        r = sd_bus_call_method_async(m->bus, NULL, SYSTEMD_BUS, SYSTEMD_PATH, SYSTEMD_MANAGER, "Subscribe", NULL,
                                     NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to subscribe to systemd: %m");
        return 0;
}

static int on_unit_job_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Container *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        const char *job;

        c->unit_job_slot = sd_bus_slot_unref(c->unit_job_slot);
        if (e) {
                _cleanup_free_ char *why = NULL;

                log_container_error(c->name, "systemd refused the job for container %s: %s", c->name, e->message);
                if (asprintf(&why, "systemd refused the job: %s", e->message) >= 0)
                        container_fail(c, why);
                return 0;
        }
        if (sd_bus_message_read(reply, "o", &job) >= 0) {
                free(c->unit_job);
                c->unit_job = strdup(job);
        }
        return 0;
}

static int unit_job(Container *c, const char *method) {
        c->unit_job_slot = sd_bus_slot_unref(c->unit_job_slot);
        return sd_bus_call_method_async(c->manager->bus, &c->unit_job_slot, SYSTEMD_BUS, SYSTEMD_PATH,
                                        SYSTEMD_MANAGER, method, on_unit_job_reply, c, "ss", c->unit, "replace");
}

static int systemd_start(Container *c) {
        return unit_job(c, "StartUnit");
}

static int systemd_stop(Container *c) {
        return unit_job(c, "StopUnit");
}

static void systemd_agent_gone(Container *c) {
        _cleanup_free_ char *runtime = sysctr_container_runtime_dir(c->name);

        /* systemd removes the unit's cgroup itself. */
        if (runtime)
                (void) rm_rf(runtime);
}

static int systemd_apply_limits(Container *c, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        const ContainerConfig *cfg = c->config;
        int r;

        r = sd_bus_message_new_method_call(c->manager->bus, &m, SYSTEMD_BUS, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                           "SetUnitProperties");
        if (r < 0)
                return r;
        /* runtime=false: systemd keeps them in a drop-in, for every later start too. */
        r = sd_bus_message_append(m, "sb", c->unit, false);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "a(sv)", 3,
                                  "MemoryMax", "t", cfg->memory_max > 0 ? cfg->memory_max : UINT64_MAX,
                                  "CPUQuotaPerSecUSec", "t",
                                  cfg->cpu_millis > 0 ? (uint64_t) cfg->cpu_millis * 1000 : UINT64_MAX,
                                  "TasksMax", "t", cfg->tasks_max > 0 ? cfg->tasks_max : UINT64_MAX);
        if (r < 0)
                return r;
        return sd_bus_call(c->manager->bus, m, 0, error, &reply);
}

static int systemd_set_autostart(Container *c, bool enable, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        if (enable)
                r = sd_bus_call_method(c->manager->bus, SYSTEMD_BUS, SYSTEMD_PATH, SYSTEMD_MANAGER, "EnableUnitFiles",
                                       error, &reply, "asbb", 1, c->unit, false, true);
        else
                r = sd_bus_call_method(c->manager->bus, SYSTEMD_BUS, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                       "DisableUnitFiles", error, &reply, "asb", 1, c->unit, false);
        if (r < 0)
                return r;
        return sd_bus_call_method(c->manager->bus, SYSTEMD_BUS, SYSTEMD_PATH, SYSTEMD_MANAGER, "Reload", error,
                                  NULL, NULL);
}

/* Under systemd, autostart and limits live in the unit's configuration. A failure here leaves a
 * usable container: log it, and "sysctr set" can try again. */
static void systemd_created(Container *c) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const ContainerConfig *cfg = c->config;

        if (cfg->autostart && systemd_set_autostart(c, true, &error) < 0)
                log_container_warning(c->name, "Failed to enable the unit of %s: %s", c->name, strna(error.message));
        sd_bus_error_free(&error);
        if ((cfg->memory_max || cfg->cpu_millis || cfg->tasks_max) && systemd_apply_limits(c, &error) < 0)
                log_container_warning(c->name, "Failed to set the limits of %s: %s", c->name, strna(error.message));
}

/* Forget the unit's enablement and the drop-ins SetUnitProperties wrote. */
static void systemd_deleted(Container *c) {
        (void) systemd_set_autostart(c, false, NULL);
        (void) sd_bus_call_method(c->manager->bus, SYSTEMD_BUS, SYSTEMD_PATH, SYSTEMD_MANAGER, "RevertUnitFiles",
                                  NULL, NULL, "as", 1, c->unit);
}

/* Is the unit enabled? 1, 0, or negative errno. */
static int unit_is_enabled(Container *c) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *state;
        int r;

        r = sd_bus_call_method(c->manager->bus, SYSTEMD_BUS, SYSTEMD_PATH, SYSTEMD_MANAGER, "GetUnitFileState",
                               NULL, &reply, "s", c->unit);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "s", &state);
        if (r < 0)
                return r;
        return streq(state, "enabled") || streq(state, "enabled-runtime");
}

/* The config says what autostart is; the unit's enablement follows it (someone may have run
 * "systemctl disable sysctr@web1", or a container was restored with its config). systemd itself
 * starts the enabled units at boot. */
static void systemd_startup(Manager *m) {
        Container *c;

        for (size_t i = 0; hashmap_next(m->containers, &i, (void **) &c);) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                int enabled;

                if (c->state == CONTAINER_BROKEN)
                        continue;
                enabled = unit_is_enabled(c);
                if (enabled < 0 || enabled == c->config->autostart)
                        continue;
                log_container_info(c->name, "%s the unit of %s to match its autostart setting.",
                                   c->config->autostart ? "Enabling" : "Disabling", c->name);
                if (systemd_set_autostart(c, c->config->autostart, &error) < 0)
                        log_container_warning(c->name, "Failed to change the unit of %s: %s", c->name,
                                              strna(error.message));
        }
}

const Backend backend_systemd = {
        .name = "systemd",
        .units = true,
        .connected = systemd_connected,
        .start = systemd_start,
        .stop = systemd_stop,
        .agent_gone = systemd_agent_gone,
        .apply_limits = systemd_apply_limits,
        .set_autostart = systemd_set_autostart,
        .created = systemd_created,
        .deleted = systemd_deleted,
        .startup = systemd_startup,
};

char *backend_unit_cgroup(const Container *c) {
        return sysctr_unit_cgroup(c->name, c->manager->backend->units);
}
