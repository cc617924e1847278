/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include "create.h"
#include "errors.h"
#include "fileio.h"
#include "id.h"
#include "image.h"
#include "limits.h"
#include "settings.h"
#include "log.h"
#include "name.h"
#include "options.h"
#include "paths.h"
#include "signal-util.h"
#include "strv.h"

#define NAME_RULES "names are 1-63 characters of a-z, 0-9 and \"-\", start and end with a letter or digit, " \
                   "and are not all digits"

typedef struct CreateRequest {
        Container *container;
        sd_bus_message *message;
} CreateRequest;

/* Fill in what the template decides: image, default release, init and stop signal. */
static int apply_template(ContainerConfig *cfg, bool have_init, bool have_signal, sd_bus_error *error) {
        _cleanup_(template_info_freep) TemplateInfo *t = NULL;
        _cleanup_free_ char *err = NULL, *image = NULL;
        int r;

        r = template_load(cfg->template, &t, &err);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_TEMPLATE,
                                         "No template \"%s\" (templates are in %s).", cfg->template,
                                         sysctr_template_dir());
        if (r < 0)
                return sd_bus_error_setf(error, SYSCTR_ERROR_INVALID_CONFIG, "Template \"%s\" is broken: %s",
                                         cfg->template, err ?: strerror(-r));

        r = template_info_image_name(t, cfg->release, image_native_arch(), &image, &err);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s", err ?: strerror(-r));
        free(cfg->image);
        cfg->image = TAKE_PTR(image);
        if (!cfg->release && strv_length(t->releases) > 0) {
                cfg->release = strdup(t->releases[0]);
                if (!cfg->release)
                        return -ENOMEM;
        }
        if (!have_init) {
                char **l = strv_copy(t->init);

                if (!l)
                        return -ENOMEM;
                strv_free(cfg->init);
                cfg->init = l;
        }
        if (!have_signal)
                cfg->stop_signal = t->stop_signal;
        return 0;
}

static int container_disk_create(const ContainerConfig *cfg) {
        _cleanup_free_ char *dir = NULL, *tmp = NULL, *p = NULL, *target = NULL;
        int r;

        if (asprintf(&dir, "%s/containers", sysctr_state_dir()) < 0 ||
            asprintf(&tmp, "%s/.#new-%s-XXXXXX", dir, cfg->name) < 0 ||
            asprintf(&target, "%s/%s", dir, cfg->name) < 0)
                return -ENOMEM;
        if (!mkdtemp(tmp))
                return -errno;

        /* upper/ becomes the container's "/": it must not be 0700. */
        if (asprintf(&p, "%s/upper", tmp) < 0) {
                r = -ENOMEM;
                goto fail;
        }
        if (mkdir(p, 0755) < 0 || chmod(p, 0755) < 0) {
                r = -errno;
                goto fail;
        }
        free(p);
        if (asprintf(&p, "%s/work", tmp) < 0) {
                p = NULL;
                r = -ENOMEM;
                goto fail;
        }
        if (mkdir(p, 0700) < 0) {
                r = -errno;
                goto fail;
        }
        free(p);
        if (asprintf(&p, "%s/config.yaml", tmp) < 0) {
                p = NULL;
                r = -ENOMEM;
                goto fail;
        }
        r = container_config_save(cfg, p);
        if (r < 0)
                goto fail;
        r = fsync_directory_of(tmp);
        if (r < 0)
                goto fail;
        /* The container appears whole, or not at all. */
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, target, RENAME_NOREPLACE) < 0) {
                r = -errno;
                goto fail;
        }
        return fsync_directory_of(dir);
fail:
        (void) rm_rf(tmp);
        return r;
}

/* Under systemd, autostart and limits live in the unit's configuration. A failure here leaves a
 * usable container: log it, and "sysctr set" can try again. */
static void create_apply_unit_settings(Container *c) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const ContainerConfig *cfg = c->config;

        if (c->manager->mode != MANAGER_SYSTEMD)
                return;
        if (cfg->autostart && container_unit_enable(c, true, &error) < 0)
                log_container_warning(c->name, "Failed to enable the unit of %s: %s", c->name, strna(error.message));
        sd_bus_error_free(&error);
        if ((cfg->memory_max || cfg->cpu_millis || cfg->tasks_max) && limits_apply(c, &error) < 0)
                log_container_warning(c->name, "Failed to set the limits of %s: %s", c->name, strna(error.message));
}

/* Under systemd: forget the unit's enablement and the drop-ins SetUnitProperties wrote. */
static void delete_unit_settings(Container *c) {
        char unit[256];

        if (c->manager->mode != MANAGER_SYSTEMD)
                return;
        (void) container_unit_enable(c, false, NULL);
        (void) sd_bus_call_method(c->manager->bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                  "org.freedesktop.systemd1.Manager", "RevertUnitFiles", NULL, NULL, "as", 1,
                                  container_unit_name(c, unit));
}

/* The agent linked the guest's journal from the host's /var/log/journal/<machine-id> (nspawn's
 * try-guest): remove that link if it points into the container we delete. */
static void unlink_journal(Container *c, const char *container_dir) {
        char machine_id[ID_MACHINE_ID_STRING_MAX], link[PATH_MAX], target[PATH_MAX];
        ssize_t n;

        if (id_to_machine_id(c->config->id, machine_id) < 0)
                return;
        (void) snprintf(link, sizeof(link), "/var/log/journal/%s", machine_id);
        n = readlink(link, target, sizeof(target) - 1);
        if (n < 0)
                return;
        target[n] = '\0';
        if (strneq(target, container_dir, strlen(container_dir)) && target[strlen(container_dir)] == '/')
                (void) unlink(link);
}

static void create_request_free(CreateRequest *req) {
        sd_bus_message_unref(req->message);
        free(req);
}

static void create_abandon(Manager *m, CreateRequest *req) {
        manager_remove_container(m, req->container);
        container_free(req->container);
        create_request_free(req);
}

static void create_finish(Manager *m, int error, const char *message, void *userdata) {
        CreateRequest *req = userdata;
        Container *c = req->container;
        int r;

        if (error < 0) {
                (void) sd_bus_reply_method_errorf(req->message, SYSCTR_ERROR_TEMPLATE_FAILED, "%s",
                                                  message ?: "Building the template image failed.");
                return create_abandon(m, req);
        }
        r = container_disk_create(c->config);
        if (r < 0) {
                log_container_error_errno(c->name, r, "Failed to create container %s: %m", c->name);
                if (r == -EEXIST)
                        (void) sd_bus_reply_method_errorf(req->message, SYSCTR_ERROR_CONTAINER_EXISTS,
                                                          "Container \"%s\" already exists.", c->name);
                else
                        (void) sd_bus_reply_method_errnof(req->message, r,
                                                          "Failed to create container \"%s\": %m", c->name);
                return create_abandon(m, req);
        }
        c->creating = false;
        create_apply_unit_settings(c);
        log_container_info(c->name, "Created container %s (%s) from template %s, image %s.", c->name, c->config->id,
                 c->config->template, c->config->image);
        (void) sd_bus_emit_signal(m->bus, "/org/sysctr1", "org.sysctr1.Manager", "ContainerNew", "so", c->name,
                                  c->path);
        (void) sd_bus_reply_method_return(req->message, "o", c->path);
        create_request_free(req);
}

static bool container_dir_exists(const char *name) {
        _cleanup_free_ char *d = sysctr_container_dir(name);
        struct stat st;

        return d && lstat(d, &st) >= 0;
}

int manager_create_container(Manager *m, sd_bus_message *message, sd_bus_error *error) {
        _cleanup_(container_config_freep) ContainerConfig *cfg = NULL;
        _cleanup_free_ char *err = NULL;
        const char *name, *template;
        char id[ID_STRING_MAX];
        OptionMask given;
        CreateRequest *req;
        Container *c;
        int r;

        r = sd_bus_message_read(message, "ss", &name, &template);
        if (r < 0)
                return r;
        if (!container_name_is_valid(name))
                return sd_bus_error_setf(error, SYSCTR_ERROR_INVALID_NAME, "Invalid container name \"%s\": %s.",
                                         name, NAME_RULES);
        if (!template_name_is_valid(template))
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_TEMPLATE, "No template \"%s\".", template);

        cfg = container_config_new();
        if (!cfg)
                return -ENOMEM;
        r = options_parse(cfg, message, OPTIONS_CREATE, &given, error);
        if (r < 0)
                return r;
        if (manager_get_container(m, name) || container_dir_exists(name))
                return sd_bus_error_setf(error, SYSCTR_ERROR_CONTAINER_EXISTS, "Container \"%s\" already exists.",
                                         name);

        r = id_generate(id);
        if (r < 0)
                return r;
        cfg->name = strdup(name);
        cfg->template = strdup(template);
        cfg->id = strdup(id);
        if (!cfg->name || !cfg->template || !cfg->id)
                return -ENOMEM;
        r = apply_template(cfg, given & OPTION_INIT, given & OPTION_STOP_SIGNAL, error);
        if (r < 0)
                return r;
        r = container_config_verify(cfg, &err);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s", err ?: "Invalid configuration.");

        /* Reserve the name: a second create of it fails at once, even while the image builds. */
        r = container_new(m, name, TAKE_PTR(cfg), &c);
        if (r < 0)
                return r;
        c->creating = true;
        manager_add_container(m, c);
        req = calloc(1, sizeof(CreateRequest));
        if (!req) {
                manager_remove_container(m, c);
                container_free(c);
                return -ENOMEM;
        }
        req->container = c;
        req->message = sd_bus_message_ref(message);

        r = image_ensure(m, c->config->template, c->config->release, c->config->image, false, create_finish, req);
        if (r < 0) {
                create_abandon(m, req);
                return sd_bus_error_set_errnof(error, r, "Failed to build the image of template \"%s\": %m",
                                               template);
        }
        if (r > 0)
                create_finish(m, 0, NULL, req);
        return 1;
}

int container_delete(Container *c, sd_bus_error *error) {
        Manager *m = c->manager;
        _cleanup_free_ char *dir = NULL, *tmp = NULL, *target = NULL, *state = NULL, *log_path = NULL,
                            *runtime = NULL, *path = NULL, *name = NULL;
        int r;

        if (container_is_active(c) || c->start_waiters.n + c->stop_waiters.n + c->restart_waiters.n > 0)
                return sd_bus_error_setf(error, SYSCTR_ERROR_CONTAINER_RUNNING,
                                         "Container \"%s\" is %s; stop it first (or use --force).", c->name,
                                         container_state_to_string(c->state));

        if (asprintf(&dir, "%s/containers", sysctr_state_dir()) < 0 ||
            asprintf(&target, "%s/%s", dir, c->name) < 0 ||
            asprintf(&tmp, "%s/.#deleted-%s-%08lx", dir, c->name, random()) < 0 ||
            asprintf(&log_path, "%s/%s.log", sysctr_log_dir(), c->name) < 0)
                return -ENOMEM;
        state = sysctr_agent_state_path(c->name);
        runtime = sysctr_container_runtime_dir(c->name);
        if (!state || !runtime)
                return -ENOMEM;

        /* Rename first: from this instant the container is gone, even if we crash while deleting. */
        if (renameat2(AT_FDCWD, target, AT_FDCWD, tmp, RENAME_NOREPLACE) < 0)
                return sd_bus_error_set_errnof(error, errno, "Failed to delete container \"%s\": %m", c->name);
        (void) fsync_directory_of(dir);
        r = rm_rf(tmp);
        if (r < 0)
                log_warning_errno(r, "Failed to remove %s, it will be removed at the next start: %m", tmp);
        (void) unlink(state);
        (void) unlink(log_path);
        (void) rm_rf(runtime);
        delete_unit_settings(c);
        unlink_journal(c, target);

        log_container_info(c->name, "Deleted container %s.", c->name);
        name = strdup(c->name);
        path = strdup(c->path);
        manager_remove_container(m, c);
        container_free(c);
        if (name && path)
                (void) sd_bus_emit_signal(m->bus, "/org/sysctr1", "org.sysctr1.Manager", "ContainerRemoved", "so",
                                          name, path);
        return 0;
}
