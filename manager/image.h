/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "config.h"
#include "manager.h"

/* Template images: <state>/images/IMAGE/rootfs, built once by the template's builder and then
 * shared read-only by every container made from it (the overlay's lower layer). */

/* Called once the image is there (error == 0) or its build failed (error < 0, message says why). */
typedef void (*ImageReadyCallback)(Manager *m, int error, const char *message, void *userdata);

/* Load <template dir>/NAME/template.yaml. -ENOENT if there is no such template. */
int template_load(const char *name, TemplateInfo **ret, char **ret_error);

/* Names of the templates installed (directories with a template.yaml), sorted. */
int template_list_names(char ***ret);

/* The architecture in Debian's naming (amd64, arm64, ...). */
const char *image_native_arch(void);

/* Returns 1 if the image exists already (callback not called), 0 if a build was started or joined
 * (callback called later), negative errno if a build could not be started. *ret_job (if not NULL) is
 * the build's job. Without a callback, the build was asked for by itself (BuildImage) and goes on
 * even when no container waits for it any more. */
int image_ensure(Manager *m, const char *template, const char *release, const char *image, bool rebuild,
                 ImageReadyCallback callback, void *userdata, Job **ret_job);
/* The waiter with this userdata shows the build's progress in follower (its own job). */
void image_follow_progress(Manager *m, void *userdata, Job *follower);

bool image_exists(const char *image);
bool image_is_building(Manager *m, const char *image);

/* What image.info says of an image (KEY=VALUE, written when it was built). */
typedef struct ImageInfo {
        char *name, *template, *release, *arch;
        uint64_t created;       /* seconds since the epoch */
} ImageInfo;
void image_info_done(ImageInfo *i);
int image_info_read(const char *image, ImageInfo *ret);
/* Names of the cached images, sorted. */
int image_list_names(char ***ret);
/* Remove a cached image (atomically: renamed away first). */
int image_remove(const char *image);

/* Drop a caller's interest in a build (e.g. its container was abandoned); a build nobody wants any
 * more is canceled. */
void image_forget_waiter(Manager *m, void *userdata);

int image_cleanup_leftovers(Manager *m);
void image_builds_free(Manager *m);
