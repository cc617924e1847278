/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stddef.h>

#include "bus-names.h"
#include "container.h"
#include "job.h"
#include "polkit.h"
#include "strv.h"

static int property_get_type(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Job *j = userdata;

        return sd_bus_message_append(reply, "s", job_type_to_string(j->type));
}

static int property_get_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Job *j = userdata;

        return sd_bus_message_append(reply, "s", job_state_to_string(j->state));
}

static int property_get_object(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Job *j = userdata;

        return sd_bus_message_append(reply, "o", j->object);
}

static int method_cancel(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Job *j = userdata;
        int r;

        /* A job of a container is that container's business; an image build, anyone's who may manage
         * containers. */
        AUTHORIZE_FULL(j->manager, message, SYSCTR_POLKIT_MANAGE_CONTAINERS, method_cancel,
                       streq(j->object, "/") ? NULL : j->target, POLKIT_RERUN_JOB, error);
        r = job_cancel(j, error);
        return r < 0 ? r : sd_bus_reply_method_return(message, NULL);
}

const sd_bus_vtable job_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "u", NULL, offsetof(Job, id), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Type", "s", property_get_type, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Target", "s", NULL, offsetof(Job, target), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Object", "o", property_get_object, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("State", "s", property_get_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Progress", "d", NULL, offsetof(Job, progress), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD("Cancel", NULL, NULL, method_cancel, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

static int job_id_from_path(const char *path, uint32_t *ret) {
        _cleanup_free_ char *e = NULL;
        char *end;
        unsigned long v;
        int r;

        r = sd_bus_path_decode(path, SYSCTR_JOB_PATH_PREFIX, &e);
        if (r <= 0)
                return -ENOENT;
        errno = 0;
        v = strtoul(e, &end, 10);
        if (errno != 0 || *end || end == e || v == 0 || v > UINT32_MAX)
                return -ENOENT;
        *ret = (uint32_t) v;
        return 0;
}

int job_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                    sd_bus_error *error) {
        uint32_t id;
        Job *j;

        if (job_id_from_path(path, &id) < 0)
                return 0;
        j = manager_get_job(userdata, id);
        /* A job that finished but is not yet announced is still there for its caller to see. */
        if (!j)
                return 0;
        *found = j;
        return 1;
}

int job_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        _cleanup_strv_free_ char **l = NULL;
        Manager *m = userdata;
        Job *j;
        int r;

        for (size_t i = 0; hashmap_next(m->jobs, &i, (void **) &j);) {
                r = strv_extend(&l, j->path);
                if (r < 0)
                        return r;
        }
        *nodes = TAKE_PTR(l);
        return 1;
}
