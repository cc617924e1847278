/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "backend.h"
#include "bus-names.h"
#include "clone.h"
#include "crash-point.h"
#include "create.h"
#include "fileio.h"
#include "guest-path.h"
#include "id.h"
#include "layers.h"
#include "log.h"
#include "name.h"
#include "paths.h"
#include "polkit.h"
#include "strv.h"
#include "tree-copy.h"

/* --- the life of a container made from data (shared with import) --- */

static NewContainer *new_container_free(NewContainer *n) {
        if (!n)
                return NULL;
        if (n->free_data)
                n->free_data(n->data);
        free(n->tmpdir);
        free(n);
        return NULL;
}

int new_container_begin(Manager *m, ContainerConfig *cfg, JobType type, Container *source, NewContainer **ret,
                        sd_bus_error *error) {
        _cleanup_(container_config_freep) ContainerConfig *config = cfg;
        _cleanup_free_ char *dir = sysctr_containers_dir();
        NewContainer *n;
        const char *name = config->name;
        Container *c;
        int r;

        if (!dir)
                return -ENOMEM;
        n = calloc(1, sizeof(NewContainer));
        if (!n)
                return -ENOMEM;
        n->manager = m;
        if (asprintf(&n->tmpdir, "%s/" SYSCTR_TEMP_PREFIX "new-%s-XXXXXX", dir, name) < 0) {
                free(n);
                return -ENOMEM;
        }
        if (!mkdtemp(n->tmpdir)) {
                r = -errno;
                new_container_free(n);
                return sd_bus_error_set_errnof(error, r, "Failed to make a directory for container \"%s\": %m", name);
        }
        r = container_new(m, name, TAKE_PTR(config), &c);
        if (r >= 0) {
                c->state = CONTAINER_CREATING;
                r = manager_add_container(m, c);
                if (r < 0)
                        container_free(c);
        }
        if (r >= 0) {
                r = job_new(m, type, c->name, c->path, &n->job);
                if (r < 0) {
                        manager_remove_container(m, c);
                        container_free(c);
                }
        }
        if (r < 0) {
                (void) rm_rf(n->tmpdir);
                new_container_free(n);
                return r;
        }
        n->container = c;
        n->job->userdata = n;
        n->job->cancel = new_container_cancel;
        c->job = n->job;
        if (source) {
                n->source = source;
                source->storage_job = n->job;
        }
        container_announce(c, true);
        *ret = n;
        return 0;
}

static int new_container_publish(NewContainer *n) {
        _cleanup_free_ char *dir = sysctr_containers_dir(), *target = sysctr_container_dir(n->container->name);

        if (!dir || !target)
                return -ENOMEM;
        crash_point("new-container-rename");
        if (renameat2(AT_FDCWD, n->tmpdir, AT_FDCWD, target, RENAME_NOREPLACE) < 0)
                return -errno;
        return fsync_directory_of(dir);
}

void new_container_end(NewContainer *n, int error, const char *message) {
        Container *c = n->container;
        Job *j = TAKE_PTR(n->job);
        const char *what = j ? job_type_to_string(j->type) : "make";
        int r = error;

        if (n->source && n->source->storage_job == j)
                n->source->storage_job = NULL;
        c->job = NULL;
        if (r >= 0)
                r = new_container_publish(n);
        if (r < 0) {
                (void) rm_rf(n->tmpdir);
                if (r == -ECANCELED)
                        job_finish(j, JOB_CANCELED, SYSCTR_ERROR_CANCELED, "The %s of container \"%s\" was canceled.",
                                   what, c->name);
                else if (r == -ENOSPC)
                        job_finish(j, JOB_FAILED, SYSCTR_ERROR_NO_SPACE, "Failed to %s container \"%s\": no space "
                                   "left on the state file system.", what, c->name);
                else
                        job_finish(j, JOB_FAILED, n->error_name ?: SD_BUS_ERROR_FAILED,
                                   "Failed to %s container \"%s\": %s", what, c->name, message ?: strerror(-r));
                log_container_warning(c->name, "Failed to %s container %s: %s", what, c->name, message ?: strerror(-r));
                container_drop(c);
                new_container_free(n);
                return;
        }
        c->on_disk = true;
        n->manager->backend->created(c);
        container_set_state(c, CONTAINER_STOPPED, 0, NULL);
        container_send_changed(c, "Job", NULL);
        log_container_info(c->name, "Made container %s (%s) by %s.", c->name, c->config->id, what);
        job_finish(j, JOB_DONE, NULL, NULL);
        new_container_free(n);
}

int new_container_cancel(Job *j, sd_bus_error *error) {
        NewContainer *n = j->userdata;

        /* The worker's end (killed) finishes the job as canceled. */
        worker_cancel(n->worker);
        return 0;
}

/* --- identity --- */

static int write_guest_file(int etc_fd, const char *name, const char *text, mode_t mode, uid_t uid) {
        _cleanup_close_ int fd = -EBADF;
        size_t n = strlen(text);

        /* Whatever is there (a symlink, a directory) goes: this copy is ours until it is published. */
        if (unlinkat(etc_fd, name, 0) < 0 && errno != ENOENT && errno != EISDIR)
                return -errno;
        if (errno == EISDIR)
                (void) rm_rf_at(etc_fd, name);
        fd = openat(etc_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0)
                return -errno;
        if (write(fd, text, n) != (ssize_t) n)
                return errno ? -errno : -EIO;
        if (fchown(fd, uid, uid) < 0 || fchmod(fd, mode) < 0)
                return -errno;
        return 0;
}

int upper_write_identity(int upper_fd, uid_t uid, const char *hostname, const char *machine_id) {
        _cleanup_free_ char *h = NULL, *m = NULL;
        _cleanup_close_ int etc_fd = -EBADF;
        int r;

        etc_fd = guest_open(upper_fd, "etc", O_RDONLY | O_DIRECTORY, 0);
        if (etc_fd == -ENOENT) {
                /* A plain directory in the upper layer merges with the lower layers' /etc. */
                if (mkdirat(upper_fd, "etc", 0755) < 0 || fchownat(upper_fd, "etc", uid, uid, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
                etc_fd = guest_open(upper_fd, "etc", O_RDONLY | O_DIRECTORY, 0);
        }
        if (etc_fd < 0)
                return etc_fd;
        if (asprintf(&h, "%s\n", hostname) < 0 || asprintf(&m, "%s\n", machine_id) < 0)
                return -ENOMEM;
        r = write_guest_file(etc_fd, "hostname", h, 0644, uid);
        if (r >= 0)
                r = write_guest_file(etc_fd, "machine-id", m, 0444, uid);
        return r;
}

/* --- clone --- */

typedef struct CloneWork {
        char *src_dir;
        char *tmpdir;
        char **layers;          /* the chain to copy, top first */
        bool copy_upper;        /* the source's current state (no snapshot) */
        TreeCopyShift shift;
        uid_t root;             /* the clone's root on the host */
        char *hostname;
        char machine_id[ID_MACHINE_ID_STRING_MAX];
        char *config_text;
        size_t step, n_steps;
} CloneWork;

static void clone_work_free(void *p) {
        CloneWork *w = p;

        if (!w)
                return;
        free(w->src_dir);
        free(w->tmpdir);
        strv_free(w->layers);
        free(w->hostname);
        free(w->config_text);
        free(w);
}

static int copy_layer(CloneWork *w, int src_fd, const char *src_name, int dst_fd, const char *dst_name) {
        _cleanup_close_ int fd = openat(src_fd, src_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int r;

        if (fd < 0)
                return -errno;
        r = tree_copy(fd, dst_fd, dst_name, &w->shift, NULL, NULL);
        worker_report_progress((double) ++w->step / (double) w->n_steps);
        return r;
}

/* In the worker: the clone's directory, complete but for its name. */
static int clone_run(void *userdata) {
        CloneWork *w = userdata;
        _cleanup_close_ int src = -EBADF, dst = -EBADF, src_layers = -EBADF, dst_layers = -EBADF, upper = -EBADF;
        int r;

        src = open(w->src_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        dst = open(w->tmpdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (src < 0 || dst < 0)
                return -errno;
        w->n_steps = strv_length(w->layers) + 2;
        if (w->layers && w->layers[0]) {
                src_layers = openat(src, SYSCTR_LAYERS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (src_layers < 0 || mkdirat(dst, SYSCTR_LAYERS_DIR, 0700) < 0)
                        return -errno;
                dst_layers = openat(dst, SYSCTR_LAYERS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dst_layers < 0)
                        return -errno;
                STRV_FOREACH(id, w->layers) {
                        r = copy_layer(w, src_layers, *id, dst_layers, *id);
                        if (r < 0) {
                                worker_report_error("Failed to copy layer %s: %s", *id, strerror(-r));
                                return r;
                        }
                }
                r = layers_write_lower(dst, w->layers);
                if (r < 0)
                        return r;
        }
        if (w->copy_upper)
                r = copy_layer(w, src, SYSCTR_UPPER_DIR, dst, SYSCTR_UPPER_DIR);
        else if (mkdirat(dst, SYSCTR_UPPER_DIR, 0755) < 0 || fchmodat(dst, SYSCTR_UPPER_DIR, 0755, 0) < 0 ||
                 fchownat(dst, SYSCTR_UPPER_DIR, w->root, w->root, AT_SYMLINK_NOFOLLOW) < 0)
                r = -errno;
        else
                r = 0;
        if (r < 0) {
                worker_report_error("Failed to copy the upper layer: %s", strerror(-r));
                return r;
        }
        if (mkdirat(dst, SYSCTR_WORK_DIR, 0700) < 0 ||
            fchownat(dst, SYSCTR_WORK_DIR, w->root, w->root, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        upper = openat(dst, SYSCTR_UPPER_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (upper < 0)
                return -errno;
        r = upper_write_identity(upper, w->root, w->hostname, w->machine_id);
        if (r < 0)
                log_debug_errno(r, "Failed to write the clone's /etc/hostname and /etc/machine-id: %m");
        crash_point("clone-copied");
        r = write_file_atomic_at(dst, SYSCTR_CONFIG_FILE, w->config_text, strlen(w->config_text), 0600);
        if (r >= 0)
                worker_report_progress(1.0);
        return r;
}

static void clone_done(Manager *m, int error, const char *message, void *userdata) {
        new_container_end(userdata, error, message);
}

/* The source's config, as the clone's: its own name, UUID, ID range, host name; not autostarted. */
static int clone_config(Manager *m, Container *source, const char *name, ContainerConfig **ret, sd_bus_error *error) {
        _cleanup_(container_config_freep) ContainerConfig *cfg = NULL;
        _cleanup_free_ char *text = NULL;
        char id[ID_STRING_MAX];
        struct timespec now;
        int r;

        r = container_config_format(source->config, &text);
        if (r >= 0)
                r = container_config_parse(text, strlen(text), SYSCTR_CONFIG_FILE, &cfg, NULL);
        if (r >= 0)
                r = id_generate(id);
        if (r < 0)
                return r;
        (void) clock_gettime(CLOCK_REALTIME, &now);
        free(cfg->name);
        free(cfg->id);
        cfg->hostname = mfree(cfg->hostname);
        cfg->name = strdup(name);
        cfg->id = strdup(id);
        if (!cfg->name || !cfg->id)
                return -ENOMEM;
        cfg->created_usec = (uint64_t) now.tv_sec * USEC_PER_SEC;
        cfg->autostart = false;
        if (!cfg->privileged) {
                r = container_assign_new_ids(m, cfg, error);
                if (r < 0)
                        return r;
        }
        r = container_assign_new_addresses(m, cfg, false, error);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(cfg);
        return 0;
}

/* What to copy: a snapshot's chain, or the stopped source's chain and upper layer. */
static int clone_plan(Container *source, const char *snapshot, CloneWork *w, sd_bus_error *error) {
        _cleanup_close_ int fd = -EBADF;
        int r;

        w->src_dir = sysctr_container_dir(source->name);
        if (!w->src_dir)
                return -ENOMEM;
        fd = open(w->src_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return sd_bus_error_set_errnof(error, errno, "Failed to open container \"%s\": %m", source->name);
        if (isempty(snapshot)) {
                w->copy_upper = true;
                return layers_read_lower(fd, &w->layers);
        }
        {
                _cleanup_(snapshot_info_done) SnapshotInfo s = {};

                r = snapshot_info_read(fd, snapshot, &s);
                if (r == -ENOENT)
                        return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_SNAPSHOT,
                                                 "Container \"%s\" has no snapshot \"%s\".", source->name, snapshot);
                if (r < 0)
                        return r;
                w->layers = TAKE_PTR(s.layers);
        }
        return 0;
}

static int clone_check(Manager *m, const char *source_name, const char *snapshot, const char *name, Container **ret,
                       sd_bus_error *error) {
        _cleanup_free_ char *dir = NULL;
        Container *source;
        int r;

        if (!container_name_is_valid(source_name) || !container_name_is_valid(name))
                return sd_bus_error_setf(error, SYSCTR_ERROR_INVALID_NAME, "Invalid container name \"%s\".",
                                         container_name_is_valid(name) ? source_name : name);
        if (!isempty(snapshot) && !snapshot_name_is_valid(snapshot))
                return sd_bus_error_setf(error, SYSCTR_ERROR_INVALID_NAME, "Invalid snapshot name \"%s\".", snapshot);
        source = manager_get_container(m, source_name);
        if (!source)
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_CONTAINER, "No container \"%s\".", source_name);
        r = container_check_usable(source, error);
        if (r < 0)
                return r;
        if (isempty(snapshot) && (container_is_active(source) || source->job || source->storage_job))
                return sd_bus_error_setf(error, SYSCTR_ERROR_CONTAINER_RUNNING,
                                         "Container \"%s\" is %s; stop it to clone it (or clone a snapshot of it: "
                                         "%s/SNAPSHOT).", source_name,
                                         container_is_active(source) ? container_state_to_string(source->state) : "busy",
                                         source_name);
        if (!isempty(snapshot) && source->storage_job)
                return sd_bus_error_setf(error, SYSCTR_ERROR_BUSY, "Container \"%s\" is busy.", source_name);
        dir = sysctr_container_dir(name);
        if (!dir)
                return -ENOMEM;
        if (manager_get_container(m, name) || access(dir, F_OK) >= 0)
                return sd_bus_error_setf(error, SYSCTR_ERROR_CONTAINER_EXISTS, "Container \"%s\" already exists.", name);
        *ret = source;
        return 0;
}

int method_clone_container(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(container_config_freep) ContainerConfig *cfg = NULL;
        CloneWork *w = NULL;
        const char *source_name, *snapshot, *name;
        Container *source = NULL;
        NewContainer *n;
        int r;

        r = sd_bus_message_read(message, "sss", &source_name, &snapshot, &name);
        if (r < 0)
                return r;
        r = clone_check(m, source_name, snapshot, name, &source, error);
        if (r < 0)
                return r;
        AUTHORIZE_BY_NAME(m, message, SYSCTR_POLKIT_MANAGE_VOLUMES, method_clone_container, name, error);
        /* No options yet: the a{sv} is there for what a clone may change later (limits, volumes). */
        r = sd_bus_message_enter_container(message, 'a', "{sv}");
        if (r < 0)
                return r;
        if (sd_bus_message_at_end(message, false) == 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "CloneContainer takes no options yet.");

        w = calloc(1, sizeof(CloneWork));
        if (!w)
                return -ENOMEM;
        r = clone_plan(source, snapshot, w, error);
        if (r >= 0)
                r = clone_config(m, source, name, &cfg, error);
        if (r >= 0)
                r = container_config_format(cfg, &w->config_text);
        if (r >= 0)
                r = id_to_machine_id(cfg->id, w->machine_id);
        if (r >= 0 && !(w->hostname = strdup(name)))
                r = -ENOMEM;
        if (r < 0) {
                clone_work_free(w);
                return r;
        }
        w->root = cfg->privileged ? 0 : cfg->id_base;
        if (!cfg->privileged)
                w->shift = (TreeCopyShift) { .from = source->config->id_base, .to = cfg->id_base, .count = CONFIG_ID_COUNT };

        r = new_container_begin(m, TAKE_PTR(cfg), JOB_CLONE, source, &n, error);
        if (r < 0) {
                clone_work_free(w);
                return r;
        }
        n->data = w;
        n->free_data = clone_work_free;
        w->tmpdir = strdup(n->tmpdir);
        r = w->tmpdir ? worker_start(m, clone_run, w, n->job, clone_done, n, &n->worker) : -ENOMEM;
        if (r < 0) {
                new_container_end(n, r, "Failed to start the copy.");
                return sd_bus_error_set_errnof(error, r, "Failed to clone container \"%s\": %m", source_name);
        }
        log_container_info(name, "Cloning container %s%s%s as %s.", source_name, isempty(snapshot) ? "" : "/",
                           snapshot, name);
        return sd_bus_reply_method_return(message, "oo", n->container->path, n->job->path);
}
