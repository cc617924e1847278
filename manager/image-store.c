/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "container.h"
#include "fileio.h"
#include "image.h"
#include "log.h"
#include "name.h"
#include "paths.h"
#include "strv.h"

/* Image versions (docs/storage.md, "Images never move under a container"). Every build is published
 * as an immutable directory <state>/images/IMAGE@TAG (TAG: the UTC time of the build, YYYYmmddHHMMSS),
 * and <state>/images/IMAGE is a symlink to the current one. A container records the version it was
 * made from in its config.yaml (image: IMAGE@TAG) and keeps it until it is deleted; a rebuild only
 * moves the symlink. A version is removed once it is neither current nor used by a container (its
 * snapshots and clones: a clone records the same version, snapshots are layers over the container's).
 *
 * Images published before versions existed are a directory (or a symlink of someone else's) named
 * IMAGE, which containers record as a bare "image: IMAGE". The first rebuild renames such a
 * directory to a version of its own, points IMAGE at it, and rewrites the configs that named it, all
 * before IMAGE moves on: a crash in between leaves every container on the tree it was made from
 * (image_fix_refs() finishes the rewrite at the next start). */

static char *images_dir(void) {
        return sysctr_images_dir();
}

/* "IMAGE@TAG" if the symlink's target is a version of image; NULL otherwise. */
static char *managed_link_target(int dir_fd, const char *image) {
        char target[IMAGE_NAME_MAX + IMAGE_VERSION_TAG_MAX + 2];
        size_t n = strlen(image);
        ssize_t k;

        k = readlinkat(dir_fd, image, target, sizeof(target) - 1);
        if (k < 0)
                return NULL;
        target[k] = '\0';
        if (!strneq(target, image, n) || target[n] != '@' || !image_version_tag_is_valid(target + n + 1))
                return NULL;
        return strdup(target);
}

static int resolve_at(int dir_fd, const char *image, char **ret) {
        struct stat st;
        char *v;

        if (fstatat(dir_fd, image, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        v = S_ISLNK(st.st_mode) ? managed_link_target(dir_fd, image) : NULL;
        if (!v)
                v = strdup(image);      /* a version of its own, from before versions */
        if (!v)
                return -ENOMEM;
        *ret = v;
        return 0;
}

static int open_images_dir(void) {
        _cleanup_free_ char *dir = images_dir();

        if (!dir)
                return -ENOMEM;
        return RET_NERRNO(open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

int image_resolve(const char *image, char **ret_version) {
        _cleanup_close_ int fd = -EBADF;

        if (strchr(image, '@')) {
                /* A version already: it names itself. */
                *ret_version = strdup(image);
                return *ret_version ? 0 : -ENOMEM;
        }
        fd = open_images_dir();
        if (fd < 0)
                return fd;
        return resolve_at(fd, image, ret_version);
}

Container *image_version_user(Manager *m, const char *version) {
        _cleanup_free_ char *current = NULL;
        const char *at = strchr(version, '@');
        Container *c;

        /* A bare "image: IMAGE" of an old container follows the symlink: it uses the current one. */
        if (at) {
                _cleanup_free_ char *name = strndup(version, (size_t) (at - version));

                if (name && image_resolve(name, &current) < 0)
                        current = NULL;
        }
        for (size_t i = 0; hashmap_next(m->containers, &i, (void **) &c);) {
                const char *ref = c->config->image;

                if (!ref)
                        continue;
                if (streq(ref, version))
                        return c;
                if (current && streq(current, version) && !strchr(ref, '@') &&
                    strlen(ref) == (size_t) (at - version) && strneq(ref, version, strlen(ref)))
                        return c;
        }
        return NULL;
}

/* Point IMAGE at version: a new symlink under a temporary name, renamed over the old entry. */
static int link_current(int dir_fd, const char *image, const char *version) {
        char tmp[IMAGE_NAME_MAX + 32];

        (void) snprintf(tmp, sizeof(tmp), SYSCTR_TEMP_PREFIX "link-%s-%08lx", image, random());
        if (symlinkat(version, dir_fd, tmp) < 0)
                return -errno;
        if (renameat(dir_fd, tmp, dir_fd, image) < 0) {
                int r = -errno;

                (void) unlinkat(dir_fd, tmp, 0);
                return r;
        }
        return RET_NERRNO(fsync(dir_fd));
}

static void format_tag(time_t t, unsigned n, char buf[static IMAGE_VERSION_TAG_MAX + 1]) {
        struct tm tm;

        if (!gmtime_r(&t, &tm) || strftime(buf, IMAGE_VERSION_TAG_MAX + 1, "%Y%m%d%H%M%S", &tm) == 0)
                (void) snprintf(buf, IMAGE_VERSION_TAG_MAX + 1, "%llu", (unsigned long long) t);
        if (n > 0)
                (void) snprintf(buf + strlen(buf), IMAGE_VERSION_TAG_MAX + 1 - strlen(buf), "-%u", n);
}

/* Rename from (in dir_fd) to a new version of image; *ret_version its name. */
static int rename_to_version(int dir_fd, const char *from, const char *image, time_t t, char **ret_version) {
        for (unsigned n = 0; n < 100; n++) {
                char tag[IMAGE_VERSION_TAG_MAX + 1];
                _cleanup_free_ char *v = NULL;

                format_tag(t, n, tag);
                if (asprintf(&v, "%s@%s", image, tag) < 0)
                        return -ENOMEM;
                if (renameat2(dir_fd, from, dir_fd, v, RENAME_NOREPLACE) >= 0) {
                        *ret_version = TAKE_PTR(v);
                        return 0;
                }
                if (errno != EEXIST)
                        return -errno;
        }
        return -EEXIST;
}

/* Containers that name image bare (made from an old, unversioned image) now name version. */
static int rewrite_refs(Manager *m, const char *image, const char *version) {
        Container *c;

        for (size_t i = 0; hashmap_next(m->containers, &i, (void **) &c);) {
                _cleanup_free_ char *path = NULL, *old = NULL;
                int r;

                if (!c->on_disk || !c->config->image || !streq(c->config->image, image))
                        continue;
                path = sysctr_container_config_path(c->name);
                old = c->config->image;
                c->config->image = strdup(version);
                if (!path || !c->config->image) {
                        free(c->config->image);
                        c->config->image = TAKE_PTR(old);
                        return -ENOMEM;
                }
                r = container_config_save(c->config, path);
                if (r < 0) {
                        free(c->config->image);
                        c->config->image = TAKE_PTR(old);
                        return log_container_error_errno(c->name, r, "Failed to record image %s in %s: %m",
                                                         version, path);
                }
                log_container_info(c->name, "Container %s now names its image version %s.", c->name, version);
        }
        return 0;
}

/* An unversioned IMAGE becomes a version of its own before anything new is published. */
static int migrate_unversioned(Manager *m, int dir_fd, const char *image) {
        _cleanup_free_ char *version = NULL;
        _cleanup_(image_info_done) ImageInfo info = {};
        struct stat st;
        int r;

        if (fstatat(dir_fd, image, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (S_ISLNK(st.st_mode) && (version = managed_link_target(dir_fd, image)))
                return 0;
        (void) image_info_read(image, &info);
        r = rename_to_version(dir_fd, image, image, info.created > 0 ? (time_t) info.created : st.st_mtime,
                              &version);
        if (r >= 0)
                r = link_current(dir_fd, image, version);
        if (r < 0)
                return r;
        log_info("Image %s is now version %s.", image, version);
        return rewrite_refs(m, image, version);
}

int image_publish(Manager *m, const char *image, const char *tmpdir, char **ret_version) {
        _cleanup_free_ char *version = NULL, *tmp_base = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *base;
        int r;

        fd = open_images_dir();
        if (fd < 0)
                return fd;
        /* tmpdir is a temporary in the images directory itself. */
        base = strrchr(tmpdir, '/');
        base = base ? base + 1 : tmpdir;
        r = migrate_unversioned(m, fd, image);
        if (r < 0)
                return r;
        r = rename_to_version(fd, base, image, time(NULL), &version);
        if (r < 0)
                return r;
        r = link_current(fd, image, version);
        if (r < 0)
                return r;
        log_info("Image %s is now version %s.", image, version);
        image_gc(m);
        if (ret_version)
                *ret_version = TAKE_PTR(version);
        return 0;
}

int image_unlink_current(const char *image) {
        _cleanup_close_ int fd = open_images_dir();
        _cleanup_free_ char *v = NULL;
        struct stat st;

        if (fd < 0)
                return fd;
        if (fstatat(fd, image, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (!S_ISLNK(st.st_mode) || !(v = managed_link_target(fd, image)))
                return image_remove(image);     /* unversioned: the tree itself */
        if (unlinkat(fd, image, 0) < 0)
                return -errno;
        return RET_NERRNO(fsync(fd));
}

void image_gc(Manager *m) {
        _cleanup_close_ int fd = open_images_dir();
        _cleanup_strv_free_ char **doomed = NULL;
        DIR *d;

        if (fd < 0)
                return;
        d = fdopendir(fcntl(fd, F_DUPFD_CLOEXEC, 3));
        if (!d)
                return;
        for (struct dirent *de; (de = readdir(d));) {
                _cleanup_free_ char *name = NULL, *current = NULL;
                const char *at = strchr(de->d_name, '@');

                if (de->d_name[0] == '.' || !at || !image_ref_is_valid(de->d_name))
                        continue;
                name = strndup(de->d_name, (size_t) (at - de->d_name));
                if (!name)
                        break;
                if (resolve_at(fd, name, &current) >= 0 && streq(current, de->d_name))
                        continue;
                if (image_version_user(m, de->d_name) || image_is_building(m, de->d_name))
                        continue;
                if (strv_extend(&doomed, de->d_name) < 0)
                        break;
        }
        closedir(d);
        STRV_FOREACH(v, doomed) {
                int r = image_remove(*v);

                if (r < 0)
                        log_warning_errno(r, "Failed to remove image version %s: %m", *v);
                else
                        log_info("Removed image version %s: nothing uses it any more.", *v);
        }
}

void image_fix_refs(Manager *m) {
        _cleanup_close_ int fd = open_images_dir();
        Container *c;

        if (fd < 0)
                return;
        for (size_t i = 0; hashmap_next(m->containers, &i, (void **) &c);) {
                _cleanup_free_ char *v = NULL, *image = NULL;
                struct stat st;

                if (!c->on_disk || !c->config->image || strchr(c->config->image, '@'))
                        continue;
                if (fstatat(fd, c->config->image, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(st.st_mode) ||
                    !(v = managed_link_target(fd, c->config->image)))
                        continue;
                /* An interrupted migration (migrate_unversioned): the link still points at the tree the
                 * container was made from, since it moves on only once every config is rewritten. */
                image = strdup(c->config->image);
                if (!image || rewrite_refs(m, image, v) < 0)
                        return;
        }
}
