/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>

#include "bus-names.h"
#include "log.h"
#include "name.h"
#include "signal-util.h"
#include "strv.h"
#include "sysctr.h"

static int append_create_options(sd_bus_message *m, const CtlOptions *o) {
        int r;

        /* Only what the user gave: everything else is the template's default, chosen by sysctrd. */
        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0 && o->release)
                r = sd_bus_message_append(m, "{sv}", "release", "s", o->release);
        if (r >= 0 && o->hostname)
                r = sd_bus_message_append(m, "{sv}", "hostname", "s", o->hostname);
        if (r >= 0 && o->init)
                r = sd_bus_message_append(m, "{sv}", "init", "as", 1, o->init);
        if (r >= 0 && o->stop_signal)
                r = sd_bus_message_append(m, "{sv}", "stop-signal", "s", o->stop_signal);
        if (r >= 0 && o->stop_timeout_set)
                r = sd_bus_message_append(m, "{sv}", "stop-timeout", "u", o->stop_timeout_sec);
        if (r >= 0 && o->autostart)
                r = sd_bus_message_append(m, "{sv}", "autostart", "b", 1);
        /* The limits in their natural types (bytes, CPUs, a count), checked by the option parser. */
        if (r >= 0 && o->memory_max > 0)
                r = sd_bus_message_append(m, "{sv}", "memory", "t", o->memory_max);
        if (r >= 0 && o->cpu_millis > 0)
                r = sd_bus_message_append(m, "{sv}", "cpus", "d", (double) o->cpu_millis / 1000.0);
        if (r >= 0 && o->tasks_max > 0)
                r = sd_bus_message_append(m, "{sv}", "pids", "t", o->tasks_max);
        if (r >= 0 && o->binds)
                r = ctl_append_binds(m, o->binds);
        if (r >= 0 && o->privileged)
                r = sd_bus_message_append(m, "{sv}", "privileged", "b", 1);
        if (r >= 0 && o->id_base > 0)
                r = sd_bus_message_append(m, "{sv}", "id-base", "u", o->id_base);
        if (r >= 0 && o->shared_ids)
                r = sd_bus_message_append(m, "{sv}", "shared-ids", "b", 1);
        /* Without --network sysctrd attaches the default network. */
        if (r >= 0 && o->networks)
                r = ctl_append_strv_option(m, "networks", o->networks);
        if (r >= 0 && o->publish)
                r = ctl_append_strv_option(m, "publish", o->publish);
        if (r >= 0 && o->allow_host)
                r = sd_bus_message_append(m, "{sv}", "allow-host", "b", 1);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

int verb_create(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(job_wait_freep) JobWait *w = NULL;
        const char *template = args[0], *name = args[1];
        int r;

        if (!template_name_is_valid(template)) {
                log_error(_("Invalid template name \"%s\"."), template);
                return -EINVAL;
        }
        r = ctl_check_container_name(name);
        if (r < 0)
                return r;

        r = ctl_bus_open(&bus);
        if (r < 0)
                return r;
        /* A container whose image must be built first is created by a job, announced (JobNew) before
         * the call's reply: watch for it from before the call. */
        r = job_wait_new(bus, &w);
        if (r >= 0)
                r = job_wait_expect_create(w, name);
        if (r < 0)
                return r;

        r = ctl_new_manager_call(bus, "CreateContainer", &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "ss", name, template);
        if (r >= 0)
                r = append_create_options(m, o);
        if (r < 0)
                return log_error_errno(r, _("Failed to create a bus message: %m"));
        r = ctl_call(bus, m, CTL_TIMEOUT_DEFAULT, NULL);
        if (r < 0)
                return r;
        return job_wait_run(w);
}

static int start_one(sd_bus *bus, const char *name, const CtlOptions *o, sd_bus_message **ret_reply);
static int restart_one(sd_bus *bus, const char *name, const CtlOptions *o, sd_bus_message **ret_reply);

static void print_host_warnings(sd_bus *bus) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_strv_free_ char **warnings = NULL;

        if (sd_bus_get_property_strv(bus, SYSCTR_BUS_NAME, SYSCTR_MANAGER_PATH, SYSCTR_MANAGER_INTERFACE,
                                     "HostWarnings", &error, &warnings) < 0)
                return;         /* an older sysctrd */
        STRV_FOREACH(w, warnings)
                log_warning(_("Warning: %s"), *w);
}

/* Checks every name, then makes the calls (each returns a job, or fails at once with its own
 * message), then waits for all the jobs: many containers start together, as sysctrd allows. The result
 * is the first error. */
static int for_each_container_job(char **names, const CtlOptions *o,
                                  int (*fn)(sd_bus *bus, const char *name, const CtlOptions *o,
                                            sd_bus_message **ret_reply)) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(job_wait_freep) JobWait *w = NULL;
        int r, ret = 0;

        STRV_FOREACH(n, names) {
                r = ctl_check_container_name(*n);
                if (r < 0)
                        return r;
        }
        r = ctl_bus_open(&bus);
        if (r < 0)
                return r;
        r = job_wait_new(bus, &w);
        if (r < 0)
                return r;

        STRV_FOREACH(n, names) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                const char *job;

                r = fn(bus, *n, o, &reply);
                if (r >= 0 && reply && sd_bus_message_read(reply, "o", &job) >= 0)
                        r = job_wait_add(w, job, *n);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        /* What sysctrd found short for the containers it now runs: said before the wait, since
         * guests may hang or degrade for it. */
        if (fn == start_one || fn == restart_one)
                print_host_warnings(bus);
        r = job_wait_run(w);
        return ret < 0 ? ret : r;
}

static int start_one(sd_bus *bus, const char *name, const CtlOptions *o, sd_bus_message **ret_reply) {
        return ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, ret_reply, "StartContainer", "s", name);
}

static int stop_one(sd_bus *bus, const char *name, const CtlOptions *o, sd_bus_message **ret_reply) {
        if (o->timeout_set)
                return ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, ret_reply, "StopContainerWithTimeout", "st", name,
                                        o->timeout_usec);
        return ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, ret_reply, "StopContainer", "s", name);
}

static int restart_one(sd_bus *bus, const char *name, const CtlOptions *o, sd_bus_message **ret_reply) {
        return ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, ret_reply, "RestartContainer", "s", name);
}

static bool state_is_active(const char *state) {
        return streq(state, "running") || streq(state, "starting") || streq(state, "stopping");
}

/* --force: a running one is stopped first; the delete itself comes once every stop is done. */
static int stop_for_delete(sd_bus *bus, const char *name, const CtlOptions *o, sd_bus_message **ret_reply) {
        _cleanup_free_ char *path = NULL, *state = NULL;
        int r;

        if (!o->force)
                return 0;
        r = ctl_get_container_path(bus, name, &path);
        if (r < 0)
                return r;
        r = ctl_get_container_state(bus, path, &state, NULL);
        if (r < 0)
                return r;
        /* "stopping" too: its stop job then ends when it has stopped, and the delete does not race it. */
        if (!state_is_active(state))
                return 0;
        return ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, ret_reply, "StopContainer", "s", name);
}

int verb_start(char **args, const CtlOptions *o) {
        return for_each_container_job(args, o, start_one);
}

int verb_stop(char **args, const CtlOptions *o) {
        return for_each_container_job(args, o, stop_one);
}

int verb_restart(char **args, const CtlOptions *o) {
        return for_each_container_job(args, o, restart_one);
}

int verb_delete(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r, ret;

        ret = for_each_container_job(args, o, stop_for_delete);
        r = ctl_bus_open(&bus);
        if (r < 0)
                return r;
        STRV_FOREACH(n, args) {
                r = ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, NULL, "DeleteContainer", "s", *n);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}

int verb_kill(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r, sig = SIGKILL;

        r = ctl_check_container_name(args[0]);
        if (r < 0)
                return r;

        if (args[1]) {
                sig = signal_from_string(args[1]);
                if (sig <= 0) {
                        log_error(_("Invalid signal \"%s\"."), args[1]);
                        return -EINVAL;
                }
        }

        r = ctl_bus_open(&bus);
        if (r < 0)
                return r;

        return ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, NULL, "KillContainer", "si", args[0],
                                (int32_t) sig);
}
