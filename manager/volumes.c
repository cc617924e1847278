/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "bus-names.h"
#include "container.h"
#include "fileio.h"
#include "log.h"
#include "name.h"
#include "paths.h"
#include "strv.h"
#include "volumes.h"

static Volume *volume_free(Volume *v) {
        if (!v)
                return NULL;
        free(v->name);
        free(v->path);
        free(v);
        return NULL;
}

int volume_new(Manager *m, const char *name, const VolumeInfo *info, bool reserved, Volume **ret) {
        Volume *v;
        int r;

        v = calloc(1, sizeof(Volume));
        if (!v)
                return -ENOMEM;
        v->manager = m;
        v->info = *info;
        v->name = strdup(name);
        r = !v->name ? -ENOMEM : reserved ? 0 : sd_bus_path_encode(SYSCTR_VOLUME_PATH_PREFIX, name, &v->path);
        if (r >= 0)
                r = hashmap_put(m->volumes, v->name, v);
        if (r < 0) {
                volume_free(v);
                return r;
        }
        if (ret)
                *ret = v;
        return 0;
}

void volume_drop(Volume *v) {
        (void) hashmap_remove_value(v->manager->volumes, v->name, v);
        volume_free(v);
}

Volume *manager_get_volume(Manager *m, const char *name) {
        return hashmap_get(m->volumes, name);
}

static bool volume_import_pending(int dir_fd, const char *name) {
        _cleanup_free_ char *p = NULL;

        return asprintf(&p, "%s/" VOLUME_PENDING_FILE, name) >= 0 &&
               faccessat(dir_fd, p, F_OK, AT_SYMLINK_NOFOLLOW) >= 0;
}

/* Temporaries of an interrupted create or delete go; every other valid entry is a volume. */
static int load_one(Manager *m, int dir_fd, const char *name) {
        _cleanup_close_ int fd = -EBADF;
        VolumeInfo info;
        int r;

        fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return log_warning_errno(-errno, "Ignoring volume %s: %m", name);
        r = volume_info_read_at(fd, &info);
        if (r < 0)
                return log_warning_errno(r, "Ignoring volume %s: its " VOLUME_INFO_FILE " cannot be read: %m", name);
        r = volume_new(m, name, &info, false, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to load volume %s: %m", name);
        return 0;
}

int manager_load_volumes(Manager *m) {
        _cleanup_free_ char *dir = sysctr_volumes_dir();
        _cleanup_close_ int fd = -EBADF;
        DIR *d;

        if (!dir)
                return log_oom();
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return log_error_errno(-errno, "Failed to create %s: %m", dir);
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(-errno, "Failed to open %s: %m", dir);
        d = fdopendir(fcntl(fd, F_DUPFD_CLOEXEC, 3));
        if (!d)
                return log_error_errno(-errno, "Failed to open %s: %m", dir);
        for (struct dirent *de; (de = readdir(d));) {
                if (strneq(de->d_name, SYSCTR_TEMP_PREFIX, strlen(SYSCTR_TEMP_PREFIX))) {
                        int r = rm_rf_at(fd, de->d_name);

                        if (r < 0)
                                log_warning_errno(r, "Failed to remove leftover %s/%s: %m", dir, de->d_name);
                        else
                                log_info("Removed leftover %s/%s from an interrupted operation.", dir, de->d_name);
                        continue;
                }
                if (de->d_name[0] == '.')
                        continue;
                if (volume_import_pending(fd, de->d_name)) {
                        int r = rm_rf_at(fd, de->d_name);

                        if (r < 0)
                                log_warning_errno(r, "Failed to remove volume %s of an interrupted import: %m", de->d_name);
                        else
                                log_info("Removed volume %s, left by an interrupted import.", de->d_name);
                        continue;
                }
                if (!volume_name_is_valid(de->d_name)) {
                        log_warning("Ignoring %s/%s: not a valid volume name.", dir, de->d_name);
                        continue;
                }
                (void) load_one(m, fd, de->d_name);
        }
        closedir(d);
        return 0;
}

void manager_free_volumes(Manager *m) {
        Volume *v;

        m->volume_users_defer = sd_event_source_disable_unref(m->volume_users_defer);
        for (;;) {
                size_t i = 0;

                if (!hashmap_next(m->volumes, &i, (void **) &v))
                        break;
                volume_drop(v);
        }
}

static bool config_uses_volume(const ContainerConfig *c, const char *name) {
        STRV_FOREACH(s, c->volumes) {
                _cleanup_(volume_spec_done) VolumeSpec v = {};

                if (volume_spec_parse(*s, &v) >= 0 && streq(v.name, name))
                        return true;
        }
        return false;
}

char **volume_users(Manager *m, const char *name) {
        _cleanup_free_ Container **all = manager_sorted_containers(m);
        _cleanup_strv_free_ char **l = NULL;

        for (size_t i = 0; all && i < hashmap_size(m->containers); i++)
                if (config_uses_volume(all[i]->config, name) && strv_extend(&l, all[i]->name) < 0)
                        return NULL;
        return TAKE_PTR(l);
}

/* UsedBy is computed from the manager's containers, and a deleted one leaves them only after it was
 * announced: so the change is sent once the current dispatch is done, for every volume (a burst of
 * changes is one signal each). */
static int on_volume_users_changed(sd_event_source *s, void *userdata) {
        Manager *m = userdata;
        Volume *v;

        m->volume_users_defer = sd_event_source_unref(m->volume_users_defer);
        for (size_t i = 0; m->bus && hashmap_next(m->volumes, &i, (void **) &v); )
                if (v->path)
                        (void) sd_bus_emit_properties_changed(m->bus, v->path, SYSCTR_VOLUME_INTERFACE, "UsedBy", NULL);
        return 0;
}

void manager_volume_users_changed(Manager *m) {
        if (!m->bus || m->volume_users_defer || hashmap_size(m->volumes) == 0)
                return;
        if (sd_event_add_defer(m->event, &m->volume_users_defer, on_volume_users_changed, m) < 0)
                log_debug("Cannot send the change of the volumes' users.");
}

int volumes_check_exist(Manager *m, char * const *volumes, sd_bus_error *error) {
        STRV_FOREACH(s, volumes) {
                _cleanup_(volume_spec_done) VolumeSpec v = {};
                int r;

                r = volume_spec_parse(*s, &v);
                if (r < 0)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid volume \"%s\".", *s);
                if (!manager_get_volume(m, v.name))
                        return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_VOLUME,
                                                 "No volume \"%s\" (make it with \"sysctr volume create %s\").",
                                                 v.name, v.name);
        }
        return 0;
}
