/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "container.h"
#include "bus-names.h"
#include "image.h"
#include "image-dbus.h"
#include "job.h"
#include "log.h"
#include "name.h"
#include "polkit.h"
#include "strv.h"

/* Template images on the bus: ListImages, BuildImage, RemoveImage (methods of the manager). */

/* The image names (with what their current version says of itself), then the versions that are not
 * current but still used, as IMAGE@TAG. */
static int list_entries(char ***ret) {
        _cleanup_strv_free_ char **names = NULL, **all = NULL, **current = NULL;
        int r;

        r = image_list_names(&names);
        if (r < 0)
                return r;
        STRV_FOREACH(n, names) {
                char *v = NULL;

                if (!strchr(*n, '@') && image_resolve(*n, &v) >= 0 && strv_push(&current, v) < 0)
                        return -ENOMEM;
        }
        STRV_FOREACH(n, names)
                if ((!strchr(*n, '@') || !strv_contains(current, *n)) && strv_extend(&all, *n) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(all);
        return 0;
}

int method_list_images(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = list_entries(&names);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(message, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(sssst)");
        if (r < 0)
                return r;
        STRV_FOREACH(n, names) {
                _cleanup_(image_info_done) ImageInfo i = {};

                (void) image_info_read(*n, &i);
                r = sd_bus_message_append(reply, "(sssst)", *n, strempty(i.template), strempty(i.release),
                                          strempty(i.arch), i.created);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int method_build_image(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(template_info_freep) TemplateInfo *t = NULL;
        _cleanup_free_ char *err = NULL, *image = NULL;
        const char *template, *release;
        Manager *m = userdata;
        Job *j = NULL;
        int rebuild, r;

        AUTHORIZE(m, message, SYSCTR_POLKIT_MANAGE_CONTAINERS, method_build_image, NULL, error);
        r = sd_bus_message_read(message, "ssb", &template, &release, &rebuild);
        if (r < 0)
                return r;
        if (!template_name_is_valid(template))
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_TEMPLATE, "No template \"%s\".", template);
        r = template_load(template, &t, &err);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_TEMPLATE, "No template \"%s\".", template);
        if (r < 0)
                return sd_bus_error_setf(error, SYSCTR_ERROR_INVALID_CONFIG, "Template \"%s\" is broken: %s",
                                         template, err ?: strerror(-r));
        r = template_info_image_name(t, isempty(release) ? NULL : release, image_native_arch(), &image, &err);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s", err ?: strerror(-r));

        /* A rebuild is a new version: the containers made from the old one keep it (image-store.c). */
        r = image_ensure(m, template, isempty(release) ? (strv_length(t->releases) ? t->releases[0] : NULL)
                                                       : release,
                         image, rebuild, NULL, NULL, &j);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to build image of template \"%s\": %m", template);
        if (!j) {
                /* Cached already (or no job could be made for the build): a job done at once. */
                r = job_new(m, JOB_BUILD, image, "/", &j);
                if (r < 0)
                        return r;
                job_finish_later(j);
        }
        return sd_bus_reply_method_return(message, "so", image, j->path);
}

int method_remove_image(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *version = NULL, *name = NULL;
        Manager *m = userdata;
        const char *image;
        Container *c;
        int r;

        AUTHORIZE(m, message, SYSCTR_POLKIT_MANAGE_CONTAINERS, method_remove_image, NULL, error);
        r = sd_bus_message_read(message, "s", &image);
        if (r < 0)
                return r;
        if (!image_ref_is_valid(image) || !image_exists(image) || image_resolve(image, &version) < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "No cached image \"%s\".", image);
        name = strndup(image, strcspn(image, "@"));
        if (!name)
                return -ENOMEM;
        if (image_is_building(m, name))
                return sd_bus_error_setf(error, SYSCTR_ERROR_BUSY, "Image \"%s\" is being built.", name);
        c = image_version_user(m, version);
        if (c)
                return sd_bus_error_setf(error, SYSCTR_ERROR_CONTAINER_EXISTS,
                                         "Image \"%s\" is used by container \"%s\"; delete it first.", image,
                                         c->name);
        /* The name forgets its version; a version asked for by name goes itself. Unused versions go. */
        if (!strchr(image, '@'))
                r = image_unlink_current(image);
        else {
                _cleanup_free_ char *current = NULL;

                r = image_remove(image);
                if (r >= 0 && image_resolve(name, &current) >= 0 && streq(current, image))
                        r = image_unlink_current(name);
        }
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to remove image \"%s\": %m", image);
        image_gc(m);
        log_info("Removed image %s.", image);
        return sd_bus_reply_method_return(message, NULL);
}
