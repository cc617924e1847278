/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "config.h"
#include "container.h"
#include "job.h"
#include "worker.h"

/* Containers that come from other containers' data: clones (clone.c) and imports (archive-import.c).
 * Both reserve the name at once (a container "creating", with a job), fill a temporary directory
 * <state>/containers/.#new-NAME-XXXXXX in a worker, and rename it into place when the worker is done:
 * the container appears whole, or not at all, also if sysctrd is killed on the way (the temporary
 * goes at its next start). */

typedef struct NewContainer NewContainer;
/* What the worker did is in place (tmpdir renamed): last words before the container is announced.
 * May change the config (import: the archive's). */
typedef int (*NewContainerFinish)(NewContainer *n, sd_bus_error *error);

struct NewContainer {
        Manager *manager;
        Container *container;           /* reserved, "creating" */
        Container *source;              /* a clone's source, held (storage_job) until the end */
        Job *job;
        Worker *worker;
        char *tmpdir;
        void *data;                     /* the operation's own */
        const char *error_name;         /* of a failure (NULL: org.freedesktop.DBus.Error.Failed) */
        void (*free_data)(void *data);
};

/* Reserve name with cfg (taken over) and make the job (type) and the temporary directory. */
int new_container_begin(Manager *m, ContainerConfig *cfg, JobType type, Container *source, NewContainer **ret,
                        sd_bus_error *error);
/* The worker is done (error < 0: failed, message says why): publish or clean up, end the job, free n. */
void new_container_end(NewContainer *n, int error, const char *message);
/* Cancel callback of the job. */
int new_container_cancel(Job *j, sd_bus_error *error);

/* CloneContainer(s source, s snapshot, s name, a{sv} options) → (o container, o job) */
int method_clone_container(sd_bus_message *message, void *userdata, sd_bus_error *error);

/* Write /etc/hostname and /etc/machine-id into a fresh copy of an upper layer (upper_fd), owned by
 * uid (the container's root): a clone or an import is a machine of its own. Never through a symlink:
 * what is in the way is replaced. */
int upper_write_identity(int upper_fd, uid_t uid, const char *hostname, const char *machine_id);
