/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-names.h"
#include "container.h"
#include "job.h"
#include "log.h"
#include "name.h"
#include "polkit.h"
#include "snapshot.h"
#include "storage-dbus.h"
#include "strv.h"

/* The manager's snapshot methods (docs/dbus-api.md): CreateSnapshot, RestoreSnapshot, DeleteSnapshot,
 * ListSnapshots. Taking and restoring are jobs like every operation on a container's data, although
 * with layers they are done by the time the call returns (the job ends right after the reply). */

static int lookup(Manager *m, sd_bus_message *message, Container **ret, const char **ret_snapshot,
                  sd_bus_error *error) {
        const char *name, *snapshot = NULL;
        Container *c;
        int r;

        r = ret_snapshot ? sd_bus_message_read(message, "ss", &name, &snapshot) : sd_bus_message_read(message, "s", &name);
        if (r < 0)
                return r;
        if (!container_name_is_valid(name))
                return sd_bus_error_setf(error, SYSCTR_ERROR_INVALID_NAME, "Invalid container name \"%s\".", name);
        if (snapshot && !snapshot_name_is_valid(snapshot))
                return sd_bus_error_setf(error, SYSCTR_ERROR_INVALID_NAME,
                                         "Invalid snapshot name \"%s\": 1-63 characters of a-z, 0-9, \".\", \"_\" and "
                                         "\"-\", beginning and ending with a letter or digit.", snapshot);
        c = manager_get_container(m, name);
        if (!c)
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_CONTAINER, "No container \"%s\".", name);
        *ret = c;
        if (ret_snapshot)
                *ret_snapshot = snapshot;
        return 0;
}

/* A job that is over by the time the caller learns of it. */
static int reply_done_job(Manager *m, sd_bus_message *message, JobType type, Container *c) {
        Job *j;
        int r;

        r = job_new(m, type, c->name, c->path, &j);
        if (r < 0)
                return r;
        job_finish_later(j);
        return sd_bus_reply_method_return(message, "o", j->path);
}

int method_create_snapshot(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        const char *snapshot;
        Container *c;
        int r;

        r = lookup(userdata, message, &c, &snapshot, error);
        if (r < 0)
                return r;
        AUTHORIZE_BY_NAME(userdata, message, SYSCTR_POLKIT_MANAGE_VOLUMES,
                          method_create_snapshot, c->name, error);
        r = container_snapshot_create(c, snapshot, error);
        return r < 0 ? r : reply_done_job(userdata, message, JOB_SNAPSHOT, c);
}

int method_restore_snapshot(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        const char *snapshot;
        Container *c;
        int r;

        r = lookup(userdata, message, &c, &snapshot, error);
        if (r < 0)
                return r;
        AUTHORIZE_BY_NAME(userdata, message, SYSCTR_POLKIT_MANAGE_VOLUMES,
                          method_restore_snapshot, c->name, error);
        r = container_snapshot_restore(c, snapshot, error);
        return r < 0 ? r : reply_done_job(userdata, message, JOB_RESTORE, c);
}

int method_delete_snapshot(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        const char *snapshot;
        Container *c;
        int r;

        r = lookup(userdata, message, &c, &snapshot, error);
        if (r < 0)
                return r;
        AUTHORIZE_BY_NAME(userdata, message, SYSCTR_POLKIT_MANAGE_VOLUMES,
                          method_delete_snapshot, c->name, error);
        r = container_snapshot_delete(c, snapshot, error);
        return r < 0 ? r : sd_bus_reply_method_return(message, NULL);
}

int method_list_snapshots(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ uint64_t *created = NULL;
        Container *c;
        int r;

        r = lookup(userdata, message, &c, NULL, error);
        if (r < 0)
                return r;
        r = container_snapshot_list(c, &names, &created, error);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(message, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(st)");
        for (size_t i = 0; r >= 0 && names[i]; i++)
                r = sd_bus_message_append(reply, "(st)", names[i], created[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}
