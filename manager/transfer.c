/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "archive.h"
#include "backend.h"
#include "bus-names.h"
#include "clone.h"
#include "container.h"
#include "crash-point.h"
#include "create.h"
#include "fileio.h"
#include "id.h"
#include "image.h"
#include "layers.h"
#include "log.h"
#include "name.h"
#include "paths.h"
#include "polkit.h"
#include "snapshot.h"
#include "strv.h"
#include "transfer.h"
#include "volumes.h"
#include "worker.h"

/* ExportContainer and ImportContainer (docs/dbus-api.md). The caller hands over a descriptor (the file
 * it opened, or its stdout/stdin): sysctrd never opens a path of the caller's. The archive is written
 * and read by workers (archive.c); an import is extracted into a temporary directory of its own and
 * only renamed into place once everything in it was checked, so a bad archive writes nothing
 * anywhere else. */

static int read_bool_options(sd_bus_message *message, const char * const *keys, bool *values, sd_bus_error *error) {
        int r;

        r = sd_bus_message_enter_container(message, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(message, 'e', "sv")) > 0) {
                const char *key;
                size_t i;
                int b;

                r = sd_bus_message_read(message, "s", &key);
                if (r < 0)
                        return r;
                for (i = 0; keys[i] && !streq(keys[i], key); i++)
                        ;
                if (!keys[i])
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Unknown option \"%s\".", key);
                r = sd_bus_message_read(message, "v", "b", &b);
                if (r < 0)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Option \"%s\" must be a boolean.", key);
                values[i] = b;
                r = sd_bus_message_exit_container(message);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(message);
}

/* --- export --- */

typedef struct ExportOp {
        Manager *manager;
        Container *container;
        Job *job;
        Worker *worker;
        ExportSpec spec;
        char *container_dir, *image_dir, *volumes_dir;
} ExportOp;

static void export_op_free(ExportOp *op) {
        if (!op)
                return;
        safe_close(op->spec.fd);
        strv_free(op->spec.layers);
        strv_free(op->spec.volumes);
        free(op->container_dir);
        free(op->image_dir);
        free(op->volumes_dir);
        free(op);
}

static int export_run(void *userdata) {
        return archive_export(&((ExportOp *) userdata)->spec);
}

static void export_done(Manager *m, int error, const char *message, void *userdata) {
        ExportOp *op = userdata;
        Container *c = op->container;

        op->spec.fd = safe_close(op->spec.fd);
        if (c->storage_job == op->job)
                c->storage_job = NULL;
        if (error == -ECANCELED)
                job_finish(op->job, JOB_CANCELED, SYSCTR_ERROR_CANCELED, "The export of \"%s\" was canceled.", c->name);
        else if (error == -ENOSPC)
                job_finish(op->job, JOB_FAILED, SYSCTR_ERROR_NO_SPACE,
                           "Failed to export container \"%s\": no space left where the archive goes%s%s%s", c->name,
                           message ? " (" : "", strempty(message), message ? ")." : ".");
        else if (error < 0)
                job_finish(op->job, JOB_FAILED, SD_BUS_ERROR_FAILED, "Failed to export container \"%s\": %s", c->name,
                           message ?: strerror(-error));
        else {
                log_container_info(c->name, "Exported container %s.", c->name);
                job_finish(op->job, JOB_DONE, NULL, NULL);
        }
        export_op_free(op);
}

static int export_cancel(Job *j, sd_bus_error *error) {
        worker_cancel(((ExportOp *) j->userdata)->worker);
        return 0;
}

/* The layers of the chain and of every snapshot, once each. */
static int export_layers(const char *container_dir, char ***ret) {
        _cleanup_close_ int fd = open(container_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_strv_free_ char **all = NULL, **names = NULL;
        int r;

        if (fd < 0)
                return -errno;
        r = layers_read_lower(fd, &all);
        if (r >= 0)
                r = snapshot_list_names(fd, &names);
        if (r < 0)
                return r;
        STRV_FOREACH(n, names) {
                _cleanup_(snapshot_info_done) SnapshotInfo s = {};

                r = snapshot_info_read(fd, *n, &s);
                if (r < 0)
                        return r;
                STRV_FOREACH(id, s.layers)
                        if (!strv_contains(all, *id) && strv_extend(&all, *id) < 0)
                                return -ENOMEM;
        }
        *ret = TAKE_PTR(all);
        return 0;
}

static int export_volume_names(const ContainerConfig *cfg, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;

        STRV_FOREACH(s, cfg->volumes) {
                _cleanup_(volume_spec_done) VolumeSpec v = {};

                if (volume_spec_parse(*s, &v) < 0)
                        return -EINVAL;
                if (!strv_contains(l, v.name) && strv_extend(&l, v.name) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int export_prepare(ExportOp *op, int fd, bool volumes, bool image, sd_bus_error *error) {
        Container *c = op->container;
        int r;

        op->spec.fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (op->spec.fd < 0)
                return -errno;
        r = fcntl(op->spec.fd, F_GETFL);
        if (r < 0 || (r & O_ACCMODE) == O_RDONLY)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "The descriptor for the archive is not writable.");
        op->container_dir = sysctr_container_dir(c->name);
        op->image_dir = sysctr_image_dir(c->config->image);
        op->volumes_dir = sysctr_volumes_dir();
        if (!op->container_dir || !op->image_dir || !op->volumes_dir)
                return -ENOMEM;
        r = export_layers(op->container_dir, &op->spec.layers);
        if (r >= 0 && volumes)
                r = export_volume_names(c->config, &op->spec.volumes);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to read the layers of container \"%s\": %m", c->name);
        op->spec.container_dir = op->container_dir;
        op->spec.name = c->name;
        op->spec.id = c->config->id;
        op->spec.privileged = c->config->privileged;
        op->spec.id_base = c->config->id_base;
        op->spec.image_version = c->config->image;
        op->spec.image_dir = op->image_dir;
        op->spec.include_image = image;
        op->spec.volumes_dir = op->volumes_dir;
        return 0;
}

int method_export_container(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        static const char * const keys[] = { "volumes", "image", NULL };
        bool values[2] = { false, true };
        Manager *m = userdata;
        const char *name;
        ExportOp *op;
        Container *c;
        int fd, r;

        r = sd_bus_message_read(message, "sh", &name, &fd);
        if (r < 0)
                return r;
        c = container_name_is_valid(name) ? manager_get_container(m, name) : NULL;
        if (!c)
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_CONTAINER, "No container \"%s\".", name);
        AUTHORIZE_BY_NAME(m, message, SYSCTR_POLKIT_MANAGE_VOLUMES, method_export_container, c->name, error);
        r = read_bool_options(message, keys, values, error);
        if (r < 0)
                return r;
        r = container_check_usable(c, error);
        if (r < 0)
                return r;
        /* The layers must hold still: a running container's upper layer changes under the reader. */
        if (container_is_active(c) || c->job || c->storage_job)
                return sd_bus_error_setf(error, SYSCTR_ERROR_CONTAINER_RUNNING, "Container \"%s\" is %s; stop it to "
                                         "export it.", c->name, container_is_active(c) ?
                                         container_state_to_string(c->state) : "busy");
        op = calloc(1, sizeof(ExportOp));
        if (!op)
                return -ENOMEM;
        *op = (ExportOp) { .manager = m, .container = c, .spec.fd = -EBADF };
        r = export_prepare(op, fd, values[0], values[1], error);
        if (r >= 0)
                r = job_new(m, JOB_EXPORT, c->name, c->path, &op->job);
        if (r < 0) {
                export_op_free(op);
                return r;
        }
        op->job->userdata = op;
        op->job->cancel = export_cancel;
        c->storage_job = op->job;
        r = worker_start_full(m, export_run, op, op->spec.fd, op->job, export_done, op, &op->worker);
        if (r < 0) {
                c->storage_job = NULL;
                job_finish(op->job, JOB_FAILED, SD_BUS_ERROR_FAILED, "Failed to start the export.");
                export_op_free(op);
                return sd_bus_error_set_errnof(error, r, "Failed to export container \"%s\": %m", name);
        }
        log_container_info(c->name, "Exporting container %s%s%s.", c->name, values[0] ? " with its volumes" : "",
                           values[1] ? "" : " without its image");
        return sd_bus_reply_method_return(message, "o", op->job->path);
}

/* --- import --- */

typedef struct ImportOp {
        Manager *manager;
        Job *job;
        Worker *worker;
        int fd;
        char *tmpdir;                   /* <state>/containers/.#import-XXXXXX */
        char *name_given;
        ArchiveManifest manifest;
        char *local_image;              /* a version here with the archive's image hash, or NULL */
        char *image_version;            /* the version the container will name */
        Container *container;           /* reserved once the archive is read */
        bool new_identity;
        char *config_text;
        uint32_t id_base;
} ImportOp;

static void import_op_free(ImportOp *op) {
        if (!op)
                return;
        safe_close(op->fd);
        if (op->tmpdir)
                (void) rm_rf(op->tmpdir);
        free(op->tmpdir);
        free(op->name_given);
        archive_manifest_done(&op->manifest);
        free(op->local_image);
        free(op->image_version);
        free(op->config_text);
        free(op);
}

/* Volumes this import put in place before it failed (still marked pending) go again. */
static void import_unpublish_volumes(ImportOp *op) {
        STRV_FOREACH(v, op->manifest.volumes) {
                _cleanup_free_ char *dir = sysctr_volume_dir(*v), *mark = NULL;
                Volume *vol = manager_get_volume(op->manager, *v);

                if (!dir || asprintf(&mark, "%s/" VOLUME_PENDING_FILE, dir) < 0 || access(mark, F_OK) < 0)
                        continue;
                (void) rm_rf(dir);
                if (vol) {
                        manager_emit_object_removed(op->manager, vol->path);
                        volume_drop(vol);
                }
        }
}

static void import_fail(ImportOp *op, int error, const char *error_name, const char *message) {
        /* Gone before the caller hears of the end. */
        if (op->tmpdir)
                (void) rm_rf(op->tmpdir);
        import_unpublish_volumes(op);
        if (op->container) {
                op->container->job = NULL;
                container_drop(op->container);
                op->container = NULL;
        }
        if (error == -ECANCELED)
                job_finish(op->job, JOB_CANCELED, SYSCTR_ERROR_CANCELED, "The import was canceled.");
        else if (error == -ENOSPC && !error_name)
                /* libarchive's words for it ("Write failed") do not say why: that comes first. */
                job_finish(op->job, JOB_FAILED, SYSCTR_ERROR_NO_SPACE,
                           "Failed to import: no space left on the state file system%s%s%s", message ? " (" : "",
                           strempty(message), message ? ")." : ".");
        else
                job_finish(op->job, JOB_FAILED,
                           error_name ?: error == -EBADMSG ? SYSCTR_ERROR_BAD_ARCHIVE : SD_BUS_ERROR_FAILED,
                           "Failed to import: %s", message ?: strerror(-error));
        log_warning("Import failed: %s", message ?: strerror(-error));
        import_op_free(op);
}

static int import_cancel(Job *j, sd_bus_error *error) {
        worker_cancel(((ImportOp *) j->userdata)->worker);
        return 0;
}

/* In the worker, after the archive: the image it needs, found here by its content hash or extracted. */
static int find_local_image(const char *hash, char **ret) {
        _cleanup_free_ char *dir = sysctr_images_dir();
        DIR *d;
        int r = -ENOENT;

        if (!dir)
                return -ENOMEM;
        d = opendir(dir);
        if (!d)
                return -errno;
        for (struct dirent *de; (de = readdir(d));) {
                _cleanup_free_ char *path = NULL;
                char h[SHA256_HEX_SIZE];

                if (de->d_name[0] == '.' || !image_ref_is_valid(de->d_name))
                        continue;
                if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (image_content_hash(path, h) >= 0 && streq(h, hash)) {
                        /* A name resolves to its current version: the container names that. */
                        r = image_resolve(de->d_name, ret);
                        break;
                }
        }
        closedir(d);
        return r;
}

static int import_read_run(void *userdata) {
        ImportOp *op = userdata;
        _cleanup_(archive_manifest_done) ArchiveManifest m = {};
        _cleanup_free_ char *local = NULL, *image_dir = NULL, *path = NULL;
        char hash[SHA256_HEX_SIZE];
        int r;

        r = archive_import(op->fd, op->tmpdir);
        if (r < 0)
                return r;
        crash_point("import-extracted");
        r = archive_manifest_read(op->tmpdir, &m);
        if (r < 0)
                return r;
        if (m.image_included) {
                if (asprintf(&image_dir, "%s/image", op->tmpdir) < 0)
                        return -ENOMEM;
                r = image_content_hash(image_dir, hash);
                if (r < 0)
                        return r;
                if (!streq(hash, m.image_hash)) {
                        worker_report_error("Refusing the archive: its image does not match the hash its manifest gives.");
                        return -EBADMSG;
                }
        }
        r = find_local_image(m.image_hash, &local);
        if (r == -ENOENT && !m.image_included) {
                worker_report_error("The archive leaves its image %s out, and no image with its content hash %.12s... "
                                    "is on this host; export it with its image.", m.image, m.image_hash);
                return -ENOENT;
        }
        if (r < 0 && r != -ENOENT)
                return r;
        if (local && (asprintf(&path, "%s/local-image", op->tmpdir) < 0 ||
                      write_file_atomic(path, local, strlen(local), 0600) < 0))
                return -EIO;
        return 0;
}

/* In the worker, once the name and ID range are known: owners into the container's block, its work
 * directory, a new identity if asked, its config. */
static int shift_tree(int dir_fd, uint32_t base, unsigned depth) {
        DIR *d;
        int r = 0;

        if (depth > 256)
                return -ELOOP;
        d = fdopendir(fcntl(dir_fd, F_DUPFD_CLOEXEC, 3));
        if (!d)
                return -errno;
        for (struct dirent *de; r >= 0 && (de = readdir(d));) {
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = -errno;
                        break;
                }
                if (fchownat(dir_fd, de->d_name, st.st_uid + base, st.st_gid + base, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = -errno;
                        break;
                }
                /* chown cleared set-ID bits (and file capabilities: those need a new rootid anyway). */
                if (!S_ISLNK(st.st_mode) && (st.st_mode & 06000) &&
                    fchmodat(dir_fd, de->d_name, st.st_mode & 07777, 0) < 0) {
                        r = -errno;
                        break;
                }
                if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub = openat(dir_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

                        r = sub < 0 ? -errno : shift_tree(sub, base, depth + 1);
                }
        }
        closedir(d);
        return r;
}

static int shift_layer(int parent_fd, const char *name, uint32_t base) {
        _cleanup_close_ int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0 || fchown(fd, st.st_uid + base, st.st_gid + base) < 0)
                return -errno;
        return shift_tree(fd, base, 0);
}

/* A volume with a size comes as its files: they go back into an ext4 of that size (mkfs.ext4 -d). */
static int import_loop_volumes(ImportOp *op) {
        STRV_FOREACH(v, op->manifest.volumes) {
                _cleanup_free_ char *dir = NULL;
                _cleanup_close_ int fd = -EBADF;
                VolumeInfo info;
                int r;

                if (asprintf(&dir, "%s/volumes/%s", op->tmpdir, *v) < 0)
                        return -ENOMEM;
                fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                r = volume_info_read_at(fd, &info);
                if (r < 0)
                        return r;
                r = write_file_atomic_at(fd, VOLUME_PENDING_FILE, "", 0, 0600);
                if (r < 0)
                        return r;
                if (info.backend != VOLUME_LOOP)
                        continue;
                if (mkdirat(fd, "seed", 0755) < 0 || renameat(fd, VOLUME_DATA_DIR, fd, "seed/" VOLUME_DATA_DIR) < 0)
                        return -errno;
                r = volume_make_loop_image(dir, info.size);
                if (r < 0) {
                        worker_report_error("Failed to make volume %s's file system again: %s", *v, strerror(-r));
                        return r;
                }
        }
        return 0;
}

static int import_finish_run(void *userdata) {
        ImportOp *op = userdata;
        _cleanup_free_ char *cdir = NULL;
        _cleanup_close_ int fd = -EBADF, upper = -EBADF;
        uid_t root = op->manifest.privileged ? 0 : op->id_base;
        int r;

        if (asprintf(&cdir, "%s/container", op->tmpdir) < 0)
                return -ENOMEM;
        fd = open(cdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (!op->manifest.privileged) {
                _cleanup_close_ int layers = openat(fd, SYSCTR_LAYERS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                DIR *d = layers >= 0 ? fdopendir(fcntl(layers, F_DUPFD_CLOEXEC, 3)) : NULL;

                r = 0;
                for (struct dirent *de; d && r >= 0 && (de = readdir(d));)
                        if (layer_id_is_valid(de->d_name))
                                r = shift_layer(layers, de->d_name, op->id_base);
                if (d)
                        closedir(d);
                if (r >= 0)
                        r = shift_layer(fd, SYSCTR_UPPER_DIR, op->id_base);
                if (r < 0)
                        return r;
        }
        if (mkdirat(fd, SYSCTR_WORK_DIR, 0700) < 0 || fchownat(fd, SYSCTR_WORK_DIR, root, root, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (op->new_identity) {
                char machine_id[ID_MACHINE_ID_STRING_MAX];
                _cleanup_(container_config_freep) ContainerConfig *cfg = NULL;

                upper = openat(fd, SYSCTR_UPPER_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                r = container_config_parse(op->config_text, strlen(op->config_text), "config", &cfg, NULL);
                if (upper >= 0 && r >= 0 && id_to_machine_id(cfg->id, machine_id) >= 0)
                        (void) upper_write_identity(upper, root, cfg->hostname ?: cfg->name, machine_id);
        }
        r = import_loop_volumes(op);
        if (r < 0)
                return r;
        crash_point("import-shifted");
        return write_file_atomic_at(fd, SYSCTR_CONFIG_FILE, op->config_text, strlen(op->config_text), 0600);
}

/* The archive's config, as this host's container: its name, ID range and image version here. */
static int import_config(ImportOp *op, const char *name, sd_bus_error *error) {
        _cleanup_(container_config_freep) ContainerConfig *cfg = NULL;
        _cleanup_free_ char *path = NULL, *err = NULL;
        Container *other;
        int r;

        if (asprintf(&path, "%s/container/" SYSCTR_CONFIG_FILE, op->tmpdir) < 0)
                return -ENOMEM;
        r = container_config_load(path, &cfg, &err);
        if (r < 0)
                return sd_bus_error_setf(error, SYSCTR_ERROR_BAD_ARCHIVE, "The archive's config.yaml is not valid: %s",
                                         err ?: strerror(-r));
        if (cfg->privileged != op->manifest.privileged)
                return sd_bus_error_setf(error, SYSCTR_ERROR_BAD_ARCHIVE, "The archive's config and manifest disagree.");
        /* Another name, or a container with this UUID here already: a machine of its own. */
        other = NULL;
        for (size_t i = 0; hashmap_next(op->manager->containers, &i, (void **) &other);)
                if (other->config->id && streq(other->config->id, cfg->id))
                        break;
                else
                        other = NULL;
        op->new_identity = other || !streq(name, cfg->name);
        if (op->new_identity) {
                char id[ID_STRING_MAX];

                r = id_generate(id);
                if (r < 0)
                        return r;
                free(cfg->id);
                cfg->id = strdup(id);
                cfg->hostname = mfree(cfg->hostname);
        }
        free(cfg->name);
        free(cfg->image);
        cfg->name = strdup(name);
        cfg->image = strdup(op->image_version);
        if (!cfg->name || !cfg->image || (op->new_identity && !cfg->id))
                return -ENOMEM;
        cfg->autostart = false;
        if (!cfg->privileged) {
                r = container_assign_new_ids(op->manager, cfg, error);
                if (r < 0)
                        return r;
                op->id_base = cfg->id_base;
        }
        r = container_assign_new_addresses(op->manager, cfg, true, error);
        if (r < 0)
                return r;
        r = container_config_format(cfg, &op->config_text);
        if (r < 0)
                return r;
        r = container_new(op->manager, name, TAKE_PTR(cfg), &op->container);
        if (r < 0)
                return r;
        op->container->state = CONTAINER_CREATING;
        op->container->job = op->job;
        r = manager_add_container(op->manager, op->container);
        if (r < 0) {
                op->container = container_free(op->container);
                return r;
        }
        container_announce(op->container, true);
        return 0;
}

/* The version the container names: the one found here, or the archive's, under its own name if that is
 * free (else a name of its own). Decided before the rename (image_publish_version). */
static int import_image_version(ImportOp *op) {
        _cleanup_free_ char *path = NULL, *local = NULL;

        if (asprintf(&path, "%s/local-image", op->tmpdir) < 0)
                return -ENOMEM;
        if (read_full_file(path, &local, NULL) >= 0 && image_ref_is_valid(local)) {
                op->image_version = TAKE_PTR(local);
                return 0;
        }
        /* Its own version name if that is free here, else one made of its content hash. */
        if (strchr(op->manifest.image, '@') && !image_exists(op->manifest.image))
                op->image_version = strdup(op->manifest.image);
        else if (asprintf(&op->image_version, "%.*s@imported-%.12s", (int) strcspn(op->manifest.image, "@"),
                          op->manifest.image, op->manifest.image_hash) < 0)
                op->image_version = NULL;
        return op->image_version ? 0 : -ENOMEM;
}

static void import_finish_done(Manager *m, int error, const char *message, void *userdata);

static int import_check_volumes(ImportOp *op, sd_bus_error *error) {
        STRV_FOREACH(v, op->manifest.volumes)
                if (manager_get_volume(op->manager, *v))
                        return sd_bus_error_setf(error, SYSCTR_ERROR_VOLUME_EXISTS,
                                                 "The archive carries volume \"%s\", and this host has a volume of that "
                                                 "name already.", *v);
        return 0;
}

static void import_read_done(Manager *m, int error, const char *message, void *userdata) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        ImportOp *op = userdata;
        _cleanup_free_ char *dir = NULL;
        const char *name;
        int r;

        op->worker = NULL;
        op->fd = safe_close(op->fd);    /* read: the writer's end of a pipe must see us go */
        if (error < 0)
                return import_fail(op, error, NULL, message);
        r = archive_manifest_read(op->tmpdir, &op->manifest);
        if (r < 0)
                return import_fail(op, r, SYSCTR_ERROR_BAD_ARCHIVE, "the archive's manifest is not valid");
        name = op->name_given ?: op->manifest.name;
        dir = sysctr_container_dir(name);
        if (!dir)
                return import_fail(op, -ENOMEM, NULL, NULL);
        if (manager_get_container(m, name) || access(dir, F_OK) >= 0) {
                _cleanup_free_ char *msg = NULL;

                (void) asprintf(&msg, "container \"%s\" exists already; give the import another name.", name);
                return import_fail(op, -EEXIST, SYSCTR_ERROR_CONTAINER_EXISTS, msg);
        }
        r = import_check_volumes(op, &e);
        if (r >= 0)
                r = import_image_version(op);
        if (r >= 0)
                r = import_config(op, name, &e);
        if (r < 0)
                return import_fail(op, r, e.name, e.message);
        r = worker_start(m, import_finish_run, op, op->job, import_finish_done, op, &op->worker);
        if (r < 0)
                return import_fail(op, r, NULL, "Failed to start a worker.");
}

/* Everything in place, the image first: a crash between leaves an unused version, which goes. */
static int import_publish_image(ImportOp *op) {
        _cleanup_free_ char *src = NULL, *images = sysctr_images_dir(), *target = NULL;
        int r;

        if (!op->manifest.image_included || image_exists(op->image_version))
                return 0;       /* one of ours serves */
        if (!images || asprintf(&src, "%s/image", op->tmpdir) < 0 || asprintf(&target, "%s/%s", images, op->image_version) < 0)
                return -ENOMEM;
        if (chmod(src, 0755) < 0 || renameat2(AT_FDCWD, src, AT_FDCWD, target, RENAME_NOREPLACE) < 0) {
                r = -errno;
                return r;
        }
        log_info("Imported image version %s.", op->image_version);
        return fsync_directory_of(images);
}

static int import_publish_volumes(ImportOp *op) {
        _cleanup_free_ char *dir = sysctr_volumes_dir();

        if (!dir)
                return -ENOMEM;
        STRV_FOREACH(v, op->manifest.volumes) {
                _cleanup_free_ char *src = NULL, *target = NULL;
                _cleanup_close_ int fd = -EBADF;
                VolumeInfo info;
                Volume *vol;
                int r;

                if (asprintf(&src, "%s/volumes/%s", op->tmpdir, *v) < 0 || asprintf(&target, "%s/%s", dir, *v) < 0)
                        return -ENOMEM;
                fd = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                r = volume_info_read_at(fd, &info);
                if (r < 0)
                        return r;
                if (renameat2(AT_FDCWD, src, AT_FDCWD, target, RENAME_NOREPLACE) < 0)
                        return -errno;
                r = volume_new(op->manager, *v, &info, false, &vol);
                if (r < 0)
                        return r;
                manager_emit_object_added(op->manager, vol->path);
                log_info("Imported volume %s.", *v);
        }
        return 0;
}

static void import_finish_done(Manager *m, int error, const char *message, void *userdata) {
        ImportOp *op = userdata;
        Container *c = op->container;
        _cleanup_free_ char *src = NULL, *target = NULL, *dir = sysctr_containers_dir();
        int r = error;

        op->worker = NULL;
        if (r < 0)
                return import_fail(op, r, NULL, message);
        if (!dir || asprintf(&src, "%s/container", op->tmpdir) < 0 || !(target = sysctr_container_dir(c->name)))
                return import_fail(op, -ENOMEM, NULL, NULL);
        r = import_publish_image(op);
        if (r >= 0)
                r = import_publish_volumes(op);
        crash_point("import-before-rename");
        if (r >= 0 && renameat2(AT_FDCWD, src, AT_FDCWD, target, RENAME_NOREPLACE) < 0)
                r = -errno;
        if (r < 0)
                return import_fail(op, r, NULL, "Failed to put the imported files in place.");
        (void) fsync_directory_of(dir);
        /* The container is there: its volumes are no longer an unfinished import's. */
        STRV_FOREACH(v, op->manifest.volumes) {
                _cleanup_free_ char *mark = NULL, *vdir = sysctr_volume_dir(*v);

                if (vdir && asprintf(&mark, "%s/" VOLUME_PENDING_FILE, vdir) >= 0)
                        (void) unlink(mark);
        }
        c->on_disk = true;
        c->job = NULL;
        m->backend->created(c);
        container_set_state(c, CONTAINER_STOPPED, 0, NULL);
        container_send_changed(c, "Job", NULL);
        log_container_info(c->name, "Imported container %s (%s), image %s.", c->name, c->config->id, c->config->image);
        /* JobRemoved names the container made (docs/dbus-api.md). */
        free(op->job->target);
        op->job->target = strdup(c->name);
        if (!op->job->target)
                op->job->target = strdup("");
        job_finish(op->job, JOB_DONE, NULL, NULL);
        op->container = NULL;
        import_op_free(op);
}

int method_import_container(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        static const char * const keys[] = { NULL };
        Manager *m = userdata;
        _cleanup_free_ char *containers = sysctr_containers_dir();
        const char *name;
        ImportOp *op;
        int fd, r;

        r = sd_bus_message_read(message, "hs", &fd, &name);
        if (r < 0)
                return r;
        if (!isempty(name) && !container_name_is_valid(name))
                return sd_bus_error_setf(error, SYSCTR_ERROR_INVALID_NAME, "Invalid container name \"%s\".", name);
        AUTHORIZE_BY_NAME(m, message, SYSCTR_POLKIT_MANAGE_VOLUMES, method_import_container,
                          isempty(name) ? NULL : name, error);
        r = read_bool_options(message, keys, NULL, error);
        if (r < 0)
                return r;
        if (!isempty(name) && manager_get_container(m, name))
                return sd_bus_error_setf(error, SYSCTR_ERROR_CONTAINER_EXISTS, "Container \"%s\" already exists.", name);
        if (!containers)
                return -ENOMEM;
        op = calloc(1, sizeof(ImportOp));
        if (!op)
                return -ENOMEM;
        *op = (ImportOp) { .manager = m, .fd = fcntl(fd, F_DUPFD_CLOEXEC, 3) };
        if (op->fd < 0 || (!isempty(name) && !(op->name_given = strdup(name))) ||
            asprintf(&op->tmpdir, "%s/" SYSCTR_TEMP_PREFIX "import-XXXXXX", containers) < 0) {
                r = op->fd < 0 ? -errno : -ENOMEM;
                import_op_free(op);
                return r;
        }
        if (!mkdtemp(op->tmpdir)) {
                r = -errno;
                op->tmpdir = mfree(op->tmpdir);
                import_op_free(op);
                return sd_bus_error_set_errnof(error, r, "Failed to make a directory for the import: %m");
        }
        r = job_new(m, JOB_IMPORT, isempty(name) ? "archive" : name, "/", &op->job);
        if (r < 0) {
                import_op_free(op);
                return r;
        }
        op->job->userdata = op;
        op->job->cancel = import_cancel;
        r = worker_start_full(m, import_read_run, op, op->fd, op->job, import_read_done, op, &op->worker);
        if (r < 0) {
                Job *j = op->job;

                job_finish(j, JOB_FAILED, SD_BUS_ERROR_FAILED, "Failed to start the import.");
                op->job = NULL;
                import_op_free(op);
                return sd_bus_error_set_errnof(error, r, "Failed to import: %m");
        }
        log_info("Importing a container%s%s.", isempty(name) ? "" : " as ", name);
        return sd_bus_reply_method_return(message, "o", op->job->path);
}
