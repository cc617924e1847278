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
/* The same, with KEY=VALUE strings added to the builder's environment. */
int image_ensure_env(Manager *m, const char *template, const char *release, const char *image, bool rebuild,
                     char * const *env, ImageReadyCallback callback, void *userdata, Job **ret_job);
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

/* image-store.c: versions. The version <state>/images/IMAGE names now ("IMAGE@TAG", or IMAGE itself for
 * an image published before versions); a version names itself. -ENOENT if there is none. */
int image_resolve(const char *image, char **ret_version);
/* The tree at tmpdir (a temporary in <state>/images with rootfs/ and image.info) becomes a new version
 * of image, and the current one. Then unused versions go (image_gc). */
int image_publish(Manager *m, const char *image, const char *tmpdir, char **ret_version);
/* Forget which version IMAGE names (the versions stay while they are used). */
int image_unlink_current(const char *image);
/* The container that uses this version (or, for a bare IMAGE in an old config, its current one). */
Container *image_version_user(Manager *m, const char *version);
/* Remove every version that is neither current nor used. */
void image_gc(Manager *m);
/* At startup: containers whose config names an image bare while IMAGE is a link to a version now
 * (an interrupted first rebuild) are made to name that version. */
void image_fix_refs(Manager *m);

/* Drop a caller's interest in a build (e.g. its container was abandoned); a build nobody wants any
 * more is canceled. */
void image_forget_waiter(Manager *m, void *userdata);

int image_cleanup_leftovers(Manager *m);
void image_builds_free(Manager *m);
