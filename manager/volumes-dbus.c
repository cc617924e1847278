/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "bus-names.h"
#include "crash-point.h"
#include "fileio.h"
#include "log.h"
#include "name.h"
#include "parse-util.h"
#include "paths.h"
#include "polkit.h"
#include "strv.h"
#include "volumes.h"
#include "worker.h"

/* org.sysctr1.Volume objects and the manager's volume methods: CreateVolume, DeleteVolume,
 * ListVolumes, GetVolume. */

/* The smallest ext4 that mkfs makes with room for files. */
#define VOLUME_SIZE_MIN (16ULL << 20)


static int property_get_backend(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Volume *v = userdata;

        return sd_bus_message_append(reply, "s", volume_backend_to_string(v->info.backend));
}

static int property_get_used_by(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Volume *v = userdata;
        _cleanup_strv_free_ char **l = volume_users(v->manager, v->name);

        return sd_bus_message_append_strv(reply, l);
}

static int volume_do_delete(Volume *v, sd_bus_error *error) {
        Manager *m = v->manager;
        _cleanup_strv_free_ char **users = volume_users(m, v->name);
        _cleanup_free_ char *dir = sysctr_volumes_dir(), *target = sysctr_volume_dir(v->name), *tmp = NULL,
                            *joined = NULL;

        if (users) {
                joined = strv_join(users, ", ");
                return sd_bus_error_setf(error, SYSCTR_ERROR_VOLUME_IN_USE,
                                         "Volume \"%s\" is used by container%s %s; detach it first "
                                         "(sysctr set NAME volume=...).", v->name, users[1] ? "s" : "",
                                         strna(joined));
        }
        if (!dir || !target || asprintf(&tmp, "%s/" SYSCTR_TEMP_PREFIX "deleted-%s-%08lx", dir, v->name, random()) < 0)
                return -ENOMEM;
        /* Gone the instant it is renamed; the files go after (a crash leaves a temporary). */
        if (renameat2(AT_FDCWD, target, AT_FDCWD, tmp, RENAME_NOREPLACE) < 0)
                return sd_bus_error_set_errnof(error, errno, "Failed to delete volume \"%s\": %m", v->name);
        (void) fsync_directory_of(dir);
        (void) rm_rf(tmp);
        log_info("Deleted volume %s.", v->name);
        manager_emit_object_removed(m, v->path);
        if (m->bus)
                (void) sd_bus_emit_signal(m->bus, SYSCTR_MANAGER_PATH, SYSCTR_MANAGER_INTERFACE, "VolumeRemoved",
                                          "so", v->name, v->path);
        volume_drop(v);
        return 0;
}

static int method_delete(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Volume *v = userdata;
        int r;

        AUTHORIZE_VOLUME(v->manager, message, method_delete, v->name, error);
        r = volume_do_delete(v, error);
        return r < 0 ? r : sd_bus_reply_method_return(message, NULL);
}

#define CONST SD_BUS_VTABLE_PROPERTY_CONST
#define UNPRIV SD_BUS_VTABLE_UNPRIVILEGED

const sd_bus_vtable volume_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", NULL, offsetof(Volume, name), CONST),
        SD_BUS_PROPERTY("Backend", "s", property_get_backend, 0, CONST),
        SD_BUS_PROPERTY("Size", "t", NULL, offsetof(Volume, info.size), CONST),
        SD_BUS_PROPERTY("CreationTimestamp", "t", NULL, offsetof(Volume, info.created_usec), CONST),
        SD_BUS_PROPERTY("UsedBy", "as", property_get_used_by, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD("Delete", NULL, NULL, method_delete, UNPRIV),
        SD_BUS_VTABLE_END,
};

int volume_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                       sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        Volume *v;

        if (sd_bus_path_decode(path, SYSCTR_VOLUME_PATH_PREFIX, &name) <= 0)
                return 0;
        v = manager_get_volume(userdata, name);
        if (!v || !v->path)
                return 0;
        *found = v;
        return 1;
}

static int volume_compare(const void *a, const void *b) {
        return strcmp((*(Volume * const *) a)->name, (*(Volume * const *) b)->name);
}

static Volume **sorted_volumes(Manager *m) {
        return (Volume **) hashmap_sorted_values(m->volumes, volume_compare);
}

int volume_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_free_ Volume **all = sorted_volumes(m);
        _cleanup_strv_free_ char **l = NULL;

        for (size_t i = 0; all && i < hashmap_size(m->volumes); i++)
                if (all[i]->path && strv_extend(&l, all[i]->path) < 0)
                        return -ENOMEM;
        *nodes = TAKE_PTR(l);
        return 1;
}

/* --- CreateVolume --- */

typedef struct VolumeCreate {
        Manager *manager;
        sd_bus_message *message;
        char *name;
        char *tmpdir;           /* <state>/volumes/.#new-NAME-XXXXXX */
        VolumeInfo info;
} VolumeCreate;

static VolumeCreate *volume_create_free(VolumeCreate *vc) {
        if (!vc)
                return NULL;
        sd_bus_message_unref(vc->message);
        free(vc->name);
        free(vc->tmpdir);
        free(vc);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(VolumeCreate *, volume_create_free);

/* Reads the options: size t (bytes) or s ("2G"). */
static int read_create_options(sd_bus_message *message, uint64_t *ret_size, sd_bus_error *error) {
        uint64_t size = 0;
        int r;

        r = sd_bus_message_enter_container(message, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(message, 'e', "sv")) > 0) {
                const char *key, *contents, *s;

                r = sd_bus_message_read(message, "s", &key);
                if (r < 0)
                        return r;
                if (!streq(key, "size"))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Unknown option \"%s\" (known: size).", key);
                r = sd_bus_message_peek_type(message, NULL, &contents);
                if (r < 0)
                        return r;
                if (streq(contents, "t"))
                        r = sd_bus_message_read(message, "v", "t", &size);
                else if (streq(contents, "s")) {
                        r = sd_bus_message_read(message, "v", "s", &s);
                        if (r >= 0 && parse_size(s, &size) < 0)
                                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                         "Invalid value \"%s\" for \"size\": expected a size such as "
                                                         "512M or 2G.", s);
                } else
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Option \"size\" cannot be of type '%s'.", contents);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(message);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        if (size > 0 && size < VOLUME_SIZE_MIN)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Invalid size %" PRIu64 " for a volume: at least 16M.", size);
        *ret_size = size;
        return sd_bus_message_exit_container(message);
}

/* In the worker: an image of the size, with an ext4 whose root holds data/ (owned by the neutral
 * root, 0:0, mode 0755). mkfs.ext4 -d copies data/ from a seed directory. */
static int make_loop_fs(void *userdata) {
        VolumeCreate *vc = userdata;
        _cleanup_free_ char *seed = NULL, *data = NULL;

        if (asprintf(&seed, "%s/seed", vc->tmpdir) < 0 || asprintf(&data, "%s/seed/" VOLUME_DATA_DIR, vc->tmpdir) < 0)
                return -ENOMEM;
        if (mkdir(seed, 0755) < 0 || mkdir(data, 0755) < 0 || chmod(data, 0755) < 0)
                return -errno;
        return volume_make_loop_image(vc->tmpdir, vc->info.size);
}

/* All of the size is allocated now, not sparse: once made, a volume never meets a full state file
 * system (that would turn the guest's writes into I/O errors of its ext4, not ENOSPC), and a state
 * file system without room fails the create with "no space" instead. */
static int image_reserve(int fd, uint64_t size) {
        if (fallocate(fd, 0, 0, (off_t) size) >= 0)
                return 0;
        if (errno != EOPNOTSUPP)
                return -errno;
        return ftruncate(fd, (off_t) size) < 0 ? -errno : 0;
}

int volume_make_loop_image(const char *dir, uint64_t size) {
        _cleanup_free_ char *image = NULL, *seed = NULL;
        _cleanup_close_ int fd = -EBADF;
        int status, r;
        pid_t pid;

        if (asprintf(&image, "%s/" VOLUME_IMAGE_FILE, dir) < 0 || asprintf(&seed, "%s/seed", dir) < 0)
                return -ENOMEM;
        fd = open(image, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        r = fd < 0 ? -errno : image_reserve(fd, size);
        if (r < 0) {
                errno = -r;
                worker_report_error("Failed to make the volume's image %s: %m", image);
                return r;
        }
        fd = safe_close(fd);
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);

                if (null >= 0)
                        (void) dup2(null, STDIN_FILENO), (void) dup2(null, STDOUT_FILENO);
                /* No reserved blocks: the volume's size is all the guest's. No discard: on a file,
                 * mke2fs would punch the allocated blocks out again. */
                execlp("mkfs.ext4", "mkfs.ext4", "-q", "-F", "-m", "0", "-E", "root_owner=0:0,nodiscard", "-d", seed,
                       image,
                       (char *) NULL);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                worker_report_error("mkfs.ext4 failed on the volume's image (%s %d)%s",
                                    WIFEXITED(status) ? "exit status" : "signal",
                                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                                    WIFEXITED(status) && WEXITSTATUS(status) == 127 ? ": is e2fsprogs installed?" : "");
                return -EIO;
        }
        return rm_rf(seed);
}

/* The directory becomes the volume (rename), and an object. */
static int volume_create_publish(VolumeCreate *vc, sd_bus_error *error) {
        _cleanup_free_ char *target = sysctr_volume_dir(vc->name);
        _cleanup_close_ int fd = -EBADF;
        Volume *v;
        int r;

        if (!target)
                return -ENOMEM;
        fd = open(vc->tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = volume_info_write_at(fd, &vc->info);
        if (r < 0)
                return r;
        crash_point("volume-before-rename");
        if (renameat2(AT_FDCWD, vc->tmpdir, AT_FDCWD, target, RENAME_NOREPLACE) < 0)
                return errno == EEXIST ? sd_bus_error_setf(error, SYSCTR_ERROR_VOLUME_EXISTS,
                                                           "Volume \"%s\" already exists.", vc->name) : -errno;
        (void) fsync_directory_of(target);
        v = manager_get_volume(vc->manager, vc->name);
        if (!v)
                return -ESRCH;
        r = sd_bus_path_encode(SYSCTR_VOLUME_PATH_PREFIX, vc->name, &v->path);
        if (r < 0)
                return r;
        v->info = vc->info;
        log_info("Created volume %s (%s).", vc->name, volume_backend_to_string(vc->info.backend));
        manager_emit_object_added(vc->manager, v->path);
        if (vc->manager->bus)
                (void) sd_bus_emit_signal(vc->manager->bus, SYSCTR_MANAGER_PATH, SYSCTR_MANAGER_INTERFACE, "VolumeNew",
                                          "so", v->name, v->path);
        return 0;
}

/* Ends a create: the reply, and the reservation of the name goes if it failed. */
static void volume_create_finish(VolumeCreate *vc, int r, sd_bus_error *error, const char *message) {
        Volume *v = manager_get_volume(vc->manager, vc->name);

        if (r >= 0) {
                (void) sd_bus_reply_method_return(vc->message, "o", v->path);
                return;
        }
        (void) rm_rf(vc->tmpdir);
        if (v && !v->path)
                volume_drop(v);
        if (error && sd_bus_error_is_set(error))
                (void) sd_bus_reply_method_error(vc->message, error);
        else if (r == -ENOSPC)
                (void) sd_bus_reply_method_errorf(vc->message, SYSCTR_ERROR_NO_SPACE,
                                                  "Failed to create volume \"%s\": no space left on the state file "
                                                  "system.", vc->name);
        else
                (void) sd_bus_reply_method_errnof(vc->message, r, "Failed to create volume \"%s\": %s",
                                                  vc->name, message ?: strerror(-r));
}

static void on_loop_fs_done(Manager *m, int error, const char *message, void *userdata) {
        _cleanup_(volume_create_freep) VolumeCreate *vc = userdata;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = error;

        if (r >= 0)
                r = volume_create_publish(vc, &e);
        volume_create_finish(vc, r, &e, message);
}

static int volume_create_start(Manager *m, VolumeCreate *vc, sd_bus_error *error) {
        _cleanup_free_ char *dir = sysctr_volumes_dir(), *data = NULL;
        int r;

        if (!dir || asprintf(&vc->tmpdir, "%s/" SYSCTR_TEMP_PREFIX "new-%s-XXXXXX", dir, vc->name) < 0)
                return -ENOMEM;
        if (!mkdtemp(vc->tmpdir)) {
                r = -errno;
                free(vc->tmpdir);
                vc->tmpdir = NULL;
                return r;
        }
        if (vc->info.backend == VOLUME_LOOP)
                return worker_start(m, make_loop_fs, vc, NULL, on_loop_fs_done, vc, NULL);
        /* A directory: owned by the neutral root, 0755 (volume.h). */
        if (asprintf(&data, "%s/" VOLUME_DATA_DIR, vc->tmpdir) < 0)
                return -ENOMEM;
        if (mkdir(data, 0755) < 0 || chmod(data, 0755) < 0)
                return -errno;
        r = volume_create_publish(vc, error);
        return r < 0 ? r : 1;
}

int method_create_volume(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(volume_create_freep) VolumeCreate *vc = NULL;
        Manager *m = userdata;
        const char *name;
        uint64_t size = 0;
        struct timespec ts;
        int r;

        r = sd_bus_message_read(message, "s", &name);
        if (r < 0)
                return r;
        if (!volume_name_is_valid(name))
                return sd_bus_error_setf(error, SYSCTR_ERROR_INVALID_NAME,
                                         "Invalid volume name \"%s\": names are 1-63 characters of a-z, 0-9 and \"-\", "
                                         "start and end with a letter or digit, and are not all digits.", name);
        AUTHORIZE_VOLUME(m, message, method_create_volume, name, error);
        r = read_create_options(message, &size, error);
        if (r < 0)
                return r;
        if (manager_get_volume(m, name))
                return sd_bus_error_setf(error, SYSCTR_ERROR_VOLUME_EXISTS, "Volume \"%s\" already exists.", name);

        vc = calloc(1, sizeof(VolumeCreate));
        if (!vc)
                return -ENOMEM;
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        *vc = (VolumeCreate) {
                .manager = m, .message = sd_bus_message_ref(message), .name = strdup(name),
                .info = { .backend = size > 0 ? VOLUME_LOOP : VOLUME_DIRECTORY, .size = size,
                          .created_usec = (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000 },
        };
        if (!vc->name)
                return -ENOMEM;
        /* Reserved (no object yet): a second create of the name fails at once. */
        r = volume_new(m, name, &vc->info, true, NULL);
        if (r < 0)
                return r;
        r = volume_create_start(m, vc, error);
        if (r == 0) {
                TAKE_PTR(vc);   /* the worker's now: it answers */
                return 1;
        }
        volume_create_finish(vc, r, error, NULL);
        return 1;               /* answered */
}

/* --- the others --- */

static int lookup_volume(Manager *m, sd_bus_message *message, Volume **ret, sd_bus_error *error) {
        const char *name;
        Volume *v;
        int r;

        r = sd_bus_message_read(message, "s", &name);
        if (r < 0)
                return r;
        if (!volume_name_is_valid(name))
                return sd_bus_error_setf(error, SYSCTR_ERROR_INVALID_NAME, "Invalid volume name \"%s\".", name);
        v = manager_get_volume(m, name);
        if (!v || !v->path)
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_VOLUME, "No volume \"%s\".", name);
        *ret = v;
        return 0;
}

int method_delete_volume(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Volume *v;
        int r;

        r = lookup_volume(userdata, message, &v, error);
        if (r < 0)
                return r;
        AUTHORIZE_VOLUME(userdata, message, method_delete_volume, v->name, error);
        r = volume_do_delete(v, error);
        return r < 0 ? r : sd_bus_reply_method_return(message, NULL);
}

int method_get_volume(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Volume *v;
        int r;

        r = lookup_volume(userdata, message, &v, error);
        return r < 0 ? r : sd_bus_reply_method_return(message, "o", v->path);
}

int method_list_volumes(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        _cleanup_free_ Volume **all = sorted_volumes(m);
        int r;

        if (!all && hashmap_size(m->volumes) > 0)
                return -ENOMEM;
        r = sd_bus_message_new_method_return(message, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(sstaso)");
        for (size_t i = 0; r >= 0 && i < hashmap_size(m->volumes); i++) {
                _cleanup_strv_free_ char **users = NULL;

                if (!all[i]->path)
                        continue;
                users = volume_users(m, all[i]->name);
                r = sd_bus_message_open_container(reply, 'r', "sstaso");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "sst", all[i]->name,
                                                  volume_backend_to_string(all[i]->info.backend), all[i]->info.size);
                if (r >= 0)
                        r = sd_bus_message_append_strv(reply, users);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "o", all[i]->path);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}
