/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <endian.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "archive.h"
#include "crash-point.h"
#include "fileio.h"
#include "layers.h"
#include "name.h"
#include "paths.h"
#include "strv.h"
#include "tree-copy.h"
#include "volume.h"
#include "worker.h"

#define ID_COUNT 65536U
#define NOBODY 65534U
#define TREE_DEPTH_MAX 256
#define IO_CHUNK (256U * 1024U)

/* --- the digest: the same bytes on both sides --- */

static void digest_u64(Sha256 *d, uint64_t v) {
        uint8_t b[8];

        for (size_t i = 0; i < 8; i++)
                b[i] = (uint8_t) (v >> (8 * i));
        sha256_update(d, b, sizeof(b));
}

static void digest_str(Sha256 *d, const char *s) {
        s = strempty(s);
        sha256_update(d, s, strlen(s) + 1);
}

static int strcmp_ptr(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

/* A pax archive carries each attribute twice (LIBARCHIVE.xattr and SCHILY.xattr), and reading gives
 * both, in another order than they were written: each name counts once, in name order. */
static void digest_xattrs(Sha256 *d, struct archive_entry *e) {
        const char *names[128], *name;
        const void *value;
        size_t size, n = 0;

        archive_entry_xattr_reset(e);
        while (n < ELEMENTSOF(names) && archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
                bool seen = false;

                for (size_t k = 0; k < n; k++)
                        seen = seen || streq(names[k], name);
                if (!seen)
                        names[n++] = name;
        }
        qsort(names, n, sizeof(char *), strcmp_ptr);
        for (size_t k = 0; k < n; k++) {
                archive_entry_xattr_reset(e);
                while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
                        if (streq(name, names[k]))
                                break;
                digest_str(d, names[k]);
                digest_u64(d, size);
                sha256_update(d, value, size);
        }
}

static void digest_entry(Sha256 *d, struct archive_entry *e) {
        /* A hard link reads back with no file type: it has none of its own. */
        bool link = archive_entry_hardlink(e);

        digest_str(d, archive_entry_pathname(e));
        digest_u64(d, link ? 0 : (uint64_t) archive_entry_filetype(e));
        digest_u64(d, (uint64_t) archive_entry_perm(e));
        digest_u64(d, (uint64_t) archive_entry_uid(e));
        digest_u64(d, (uint64_t) archive_entry_gid(e));
        digest_u64(d, link ? 0 : (uint64_t) archive_entry_size(e));
        digest_u64(d, (uint64_t) archive_entry_mtime(e));
        digest_str(d, archive_entry_symlink(e));
        digest_str(d, archive_entry_hardlink(e));
        digest_u64(d, (uint64_t) archive_entry_rdev(e));
        digest_xattrs(d, e);
}

/* --- IDs: relative to a container's block in the archive, absolute on disk --- */

static uint32_t id_to_archive(uint32_t id, uint32_t base, bool relative) {
        if (!relative)
                return id < ID_COUNT ? id : NOBODY;
        return id >= base && id - base < ID_COUNT ? id - base : NOBODY;
}

/* A revision 3 file capability names the host ID of its namespace's root (capability.h). */
static void capability_rootid(uint8_t *v, size_t n, uint32_t base, bool relative) {
        uint32_t magic, rootid;

        if (n != 24)
                return;
        memcpy(&magic, v, 4);
        if ((le32toh(magic) & 0xFF000000U) != 0x03000000U)
                return;
        memcpy(&rootid, v + 20, 4);
        rootid = htole32(id_to_archive(le32toh(rootid), base, relative));
        memcpy(v + 20, &rootid, 4);
}

/* --- export --- */

typedef struct Seen {
        dev_t dev;
        ino_t ino;
        char *path;
} Seen;

typedef struct ExportContext {
        const ExportSpec *spec;
        struct archive *a;
        Sha256 digest;
        Seen *seen;
        size_t n_seen;
        uint64_t done, total;
        double last;
        char buf[IO_CHUNK];
} ExportContext;

/* How a tree is written. */
typedef struct TreeRules {
        bool relative_ids;      /* a container's layer */
        bool skip_devices;      /* an image: /dev is the agent's */
} TreeRules;

static int archive_fail(struct archive *a, int r, const char *what) {
        worker_report_error("%s: %s", what, archive_error_string(a) ?: strerror(archive_errno(a)));
        return archive_errno(a) > 0 ? -archive_errno(a) : r;
}

static void export_progress(ExportContext *x, uint64_t n) {
        double p;

        x->done += n;
        if (x->total == 0)
                return;
        p = MIN(0.99, (double) x->done / (double) x->total);
        if (p - x->last >= 0.01) {
                x->last = p;
                worker_report_progress(p);
        }
}

static int export_xattrs(ExportContext *x, int dir_fd, const char *name, struct archive_entry *e,
                         const TreeRules *rules) {
        char path[PATH_MAX], list[8192];
        ssize_t n;

        (void) snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dir_fd, name);
        n = llistxattr(path, list, sizeof(list));
        if (n < 0)
                return errno == ENOTSUP ? 0 : -errno;
        for (char *k = list; k < list + n; k += strlen(k) + 1) {
                uint8_t value[65536];
                ssize_t m = lgetxattr(path, k, value, sizeof(value));

                if (m < 0)
                        return -errno;
                if (streq(k, "security.capability"))
                        capability_rootid(value, (size_t) m, x->spec->id_base, rules->relative_ids);
                archive_entry_xattr_add_entry(e, k, value, (size_t) m);
        }
        return 0;
}

static int export_data(ExportContext *x, int dir_fd, const char *name) {
        _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        ssize_t k;

        if (fd < 0)
                return -errno;
        (void) posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        while ((k = read(fd, x->buf, sizeof(x->buf))) > 0) {
                sha256_update(&x->digest, x->buf, (size_t) k);
                if (archive_write_data(x->a, x->buf, (size_t) k) != k)
                        return archive_fail(x->a, -EIO, "Failed to write the archive");
                export_progress(x, (uint64_t) k);
        }
        return k < 0 ? -errno : 0;
}

/* A hard link to an inode written before: the entry names the first path. */
static const char *export_seen(ExportContext *x, const struct stat *st, const char *path) {
        Seen *s;

        if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
                return NULL;
        for (size_t i = 0; i < x->n_seen; i++)
                if (x->seen[i].dev == st->st_dev && x->seen[i].ino == st->st_ino)
                        return x->seen[i].path;
        s = reallocarray(x->seen, x->n_seen + 1, sizeof(Seen));
        if (s) {
                x->seen = s;
                s[x->n_seen] = (Seen) { st->st_dev, st->st_ino, strdup(path) };
                if (s[x->n_seen].path)
                        x->n_seen++;
        }
        return NULL;
}

static int export_entry(ExportContext *x, int dir_fd, const char *name, const char *path, const struct stat *st,
                        const TreeRules *rules) {
        struct archive_entry *e;
        const char *first;
        char target[PATH_MAX];
        int r;

        if (S_ISSOCK(st->st_mode) || ((S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) && rules->skip_devices))
                return 0;
        e = archive_entry_new();
        if (!e)
                return -ENOMEM;
        archive_entry_set_pathname(e, path);
        archive_entry_set_mode(e, st->st_mode);
        archive_entry_set_uid(e, id_to_archive(st->st_uid, x->spec->id_base, rules->relative_ids));
        archive_entry_set_gid(e, id_to_archive(st->st_gid, x->spec->id_base, rules->relative_ids));
        archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
        first = export_seen(x, st, path);
        if (first)
                archive_entry_set_hardlink(e, first);
        else if (S_ISREG(st->st_mode))
                archive_entry_set_size(e, st->st_size);
        else if (S_ISLNK(st->st_mode)) {
                ssize_t k = readlinkat(dir_fd, name, target, sizeof(target) - 1);

                if (k < 0) {
                        archive_entry_free(e);
                        return -errno;
                }
                target[k] = '\0';
                archive_entry_set_symlink(e, target);
        } else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
                archive_entry_set_rdev(e, st->st_rdev);
        r = export_xattrs(x, dir_fd, name, e, rules);
        if (r >= 0) {
                digest_entry(&x->digest, e);
                if (archive_write_header(x->a, e) != ARCHIVE_OK)
                        r = archive_fail(x->a, -EIO, "Failed to write the archive");
        }
        archive_entry_free(e);
        if (r >= 0 && !first && S_ISREG(st->st_mode) && st->st_size > 0)
                r = export_data(x, dir_fd, name);
        return r;
}

static int export_tree(ExportContext *x, int dir_fd, const char *prefix, const TreeRules *rules, unsigned depth) {
        struct stat root;
        DIR *d;
        int r = 0;

        if (depth >= TREE_DEPTH_MAX)
                return -ELOOP;
        if (fstat(dir_fd, &root) < 0)
                return -errno;
        d = fdopendir(fcntl(dir_fd, F_DUPFD_CLOEXEC, 3));
        if (!d)
                return -errno;
        for (struct dirent *de; r >= 0 && (de = readdir(d));) {
                _cleanup_free_ char *path = NULL;
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = -errno;
                        break;
                }
                if (st.st_dev != root.st_dev)
                        continue;       /* a mount inside the tree is not the tree's */
                if (asprintf(&path, "%s/%s", prefix, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                r = export_entry(x, dir_fd, de->d_name, path, &st, rules);
                if (r >= 0 && S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub = openat(dir_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

                        r = sub < 0 ? -errno : export_tree(x, sub, path, rules, depth + 1);
                }
        }
        closedir(d);
        return r;
}

/* A directory as an entry of its own, then what is in it. */
static int export_dir(ExportContext *x, int parent_fd, const char *name, const char *path, const TreeRules *rules) {
        _cleanup_close_ int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        int r;

        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        r = export_entry(x, parent_fd, name, path, &st, rules);
        return r < 0 ? r : export_tree(x, fd, path, rules, 0);
}

static int export_file(ExportContext *x, int dir_fd, const char *name, const char *path) {
        struct stat st;

        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADMSG;
        return export_entry(x, dir_fd, name, path, &st, &(TreeRules) {});
}

/* A file of the archive's own (manifest, digest): root's, 0644, now. */
static int export_text(ExportContext *x, const char *path, const char *text, bool digest) {
        struct archive_entry *e = archive_entry_new();
        size_t n = strlen(text);
        int r = 0;

        if (!e)
                return -ENOMEM;
        archive_entry_set_pathname(e, path);
        archive_entry_set_mode(e, S_IFREG | 0644);
        archive_entry_set_size(e, (la_int64_t) n);
        archive_entry_set_mtime(e, time(NULL), 0);
        if (digest) {
                digest_entry(&x->digest, e);
                sha256_update(&x->digest, text, n);
        }
        if (archive_write_header(x->a, e) != ARCHIVE_OK || archive_write_data(x->a, text, n) != (la_ssize_t) n)
                r = archive_fail(x->a, -EIO, "Failed to write the archive");
        archive_entry_free(e);
        return r;
}

static int export_manifest(ExportContext *x, const char *image_hash) {
        const ExportSpec *s = x->spec;
        _cleanup_free_ char *volumes = strv_join(s->volumes, " "), *text = NULL;

        if (!volumes || asprintf(&text, "FORMAT=%d\nNAME=%s\nID=%s\nPRIVILEGED=%d\nIMAGE=%s\nIMAGE_HASH=%s\n"
                                 "IMAGE_INCLUDED=%d\nVOLUMES=%s\n", ARCHIVE_FORMAT_VERSION, s->name, s->id,
                                 s->privileged, s->image_version, image_hash, s->include_image, volumes) < 0)
                return -ENOMEM;
        return export_text(x, ARCHIVE_MANIFEST, text, true);
}

static int export_container(ExportContext *x, int dir_fd) {
        const TreeRules layer = { .relative_ids = !x->spec->privileged };
        _cleanup_strv_free_ char **snapshots = NULL;
        int r;

        r = export_file(x, dir_fd, SYSCTR_CONFIG_FILE, "container/" SYSCTR_CONFIG_FILE);
        if (r >= 0)
                r = export_file(x, dir_fd, SYSCTR_LOWER_FILE, "container/" SYSCTR_LOWER_FILE);
        if (r < 0)
                return r;
        {
                _cleanup_close_ int snaps = openat(dir_fd, SYSCTR_SNAPSHOTS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                DIR *d = snaps >= 0 ? fdopendir(fcntl(snaps, F_DUPFD_CLOEXEC, 3)) : NULL;

                for (struct dirent *de; d && r >= 0 && (de = readdir(d));) {
                        _cleanup_free_ char *path = NULL;

                        if (!snapshot_name_is_valid(de->d_name))
                                continue;
                        if (asprintf(&path, "container/" SYSCTR_SNAPSHOTS_DIR "/%s", de->d_name) < 0)
                                r = -ENOMEM;
                        else
                                r = export_file(x, snaps, de->d_name, path);
                }
                if (d)
                        closedir(d);
        }
        STRV_FOREACH(id, x->spec->layers) {
                _cleanup_close_ int layers = openat(dir_fd, SYSCTR_LAYERS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                _cleanup_free_ char *path = NULL;

                if (r < 0)
                        break;
                if (layers < 0 || asprintf(&path, "container/" SYSCTR_LAYERS_DIR "/%s", *id) < 0)
                        return layers < 0 ? -errno : -ENOMEM;
                r = export_dir(x, layers, *id, path, &layer);
        }
        if (r >= 0)
                r = export_dir(x, dir_fd, SYSCTR_UPPER_DIR, "container/" SYSCTR_UPPER_DIR, &layer);
        return r;
}

static int export_image(ExportContext *x) {
        _cleanup_close_ int fd = open(x->spec->image_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int r;

        if (fd < 0)
                return -errno;
        r = export_file(x, fd, SYSCTR_IMAGE_INFO_FILE, "image/" SYSCTR_IMAGE_INFO_FILE);
        if (r >= 0)
                r = export_dir(x, fd, SYSCTR_IMAGE_ROOTFS, "image/" SYSCTR_IMAGE_ROOTFS,
                               &(TreeRules) { .skip_devices = true });
        return r;
}

/* A loop volume's files are in its file system: mounted in a mount namespace of this worker's own. */
static int volume_data_fd(const char *volume_dir, int *ret) {
        _cleanup_close_ int dir_fd = open(volume_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), tree = -EBADF;
        VolumeInfo info;
        int r;

        if (dir_fd < 0)
                return -errno;
        r = volume_info_read_at(dir_fd, &info);
        if (r < 0)
                return r;
        if (info.backend == VOLUME_DIRECTORY)
                return *ret = RET_NERRNO(openat(dir_fd, VOLUME_DATA_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        r = volume_open_tree(volume_dir, -EBADF, &tree);
        if (r < 0)
                return r;
        /* A detached mount is read through a descriptor of its root (open_tree gives an O_PATH one). */
        return *ret = RET_NERRNO(openat(tree, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

static int export_volumes(ExportContext *x) {
        STRV_FOREACH(v, x->spec->volumes) {
                _cleanup_free_ char *dir = NULL, *info_path = NULL, *data_path = NULL;
                _cleanup_close_ int dir_fd = -EBADF, data = -EBADF;
                struct stat st;
                int r;

                if (asprintf(&dir, "%s/%s", x->spec->volumes_dir, *v) < 0 ||
                    asprintf(&info_path, "volumes/%s/" VOLUME_INFO_FILE, *v) < 0 ||
                    asprintf(&data_path, "volumes/%s/" VOLUME_DATA_DIR, *v) < 0)
                        return -ENOMEM;
                dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dir_fd < 0)
                        return -errno;
                r = export_file(x, dir_fd, VOLUME_INFO_FILE, info_path);
                if (r >= 0)
                        r = volume_data_fd(dir, &data);
                if (r >= 0 && fstat(data, &st) < 0)
                        r = -errno;
                if (r >= 0)
                        r = export_entry(x, data, ".", data_path, &st, &(TreeRules) {});
                if (r >= 0)
                        r = export_tree(x, data, data_path, &(TreeRules) {}, 0);
                if (r < 0) {
                        worker_report_error("Failed to write volume %s into the archive: %s", *v, strerror(-r));
                        return r;
                }
        }
        return 0;
}

static uint64_t export_estimate(const ExportSpec *s, int dir_fd) {
        uint64_t total = 0, bytes, inodes;

        if (tree_usage(dir_fd, &bytes, &inodes) >= 0)
                total += bytes;
        if (s->include_image) {
                _cleanup_close_ int fd = open(s->image_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                if (fd >= 0 && tree_usage(fd, &bytes, &inodes) >= 0)
                        total += bytes;
        }
        return total;
}

int archive_export(const ExportSpec *spec) {
        _cleanup_close_ int dir_fd = open(spec->container_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_free_ ExportContext *x = calloc(1, sizeof(ExportContext));
        char hash[SHA256_HEX_SIZE], digest[SHA256_HEX_SIZE];
        int r;

        if (!x)
                return -ENOMEM;
        if (dir_fd < 0)
                return -errno;
        x->spec = spec;
        sha256_init(&x->digest);
        r = image_content_hash(spec->image_dir, hash);
        if (r < 0) {
                worker_report_error("Failed to hash image %s: %s", spec->image_version, strerror(-r));
                return r;
        }
        x->total = export_estimate(spec, dir_fd);
        x->a = archive_write_new();
        if (!x->a)
                return -ENOMEM;
        /* pax: owners, nanoseconds and extended attributes as they are; zstd on both CPUs. Names
         * are bytes, stored as they are (hdrcharset=BINARY): a guest's file names need not be
         * UTF-8, and sysctrd's C locale could not convert them anyway. */
        if (archive_write_set_format_pax_restricted(x->a) != ARCHIVE_OK ||
            archive_write_set_format_option(x->a, "pax", "hdrcharset", "BINARY") != ARCHIVE_OK ||
            archive_write_add_filter_zstd(x->a) != ARCHIVE_OK ||
            archive_write_set_bytes_in_last_block(x->a, 1) != ARCHIVE_OK) {
                r = archive_fail(x->a, -EIO, "Failed to set up the archive");
                goto finish;
        }
        (void) archive_write_set_filter_option(x->a, "zstd", "threads", "2");
        if (archive_write_open_fd(x->a, spec->fd) != ARCHIVE_OK) {
                r = archive_fail(x->a, -EIO, "Failed to start the archive");
                goto finish;
        }
        r = export_manifest(x, hash);
        if (r >= 0)
                r = export_container(x, dir_fd);
        if (r >= 0 && spec->include_image)
                r = export_image(x);
        if (r >= 0)
                r = export_volumes(x);
        crash_point("export-written");
        if (r >= 0) {
                sha256_final_hex(&x->digest, digest);
                r = export_text(x, ARCHIVE_DIGEST, digest, false);
        }
        if (r >= 0 && archive_write_close(x->a) != ARCHIVE_OK)
                r = archive_fail(x->a, -EIO, "Failed to finish the archive");
        if (r >= 0)
                worker_report_progress(1.0);
finish:
        archive_write_free(x->a);
        for (size_t i = 0; i < x->n_seen; i++)
                free(x->seen[i].path);
        free(x->seen);
        return r;
}

/* --- import --- */

typedef enum Section {
        SECTION_META,           /* config.yaml, lower, snapshots/NAME, image.info, volume.info */
        SECTION_LAYER,          /* a container layer: a guest's tree, whiteouts allowed */
        SECTION_IMAGE,          /* image/rootfs */
        SECTION_VOLUME,         /* volumes/NAME/data */
} Section;

typedef struct EntryPlace {
        Section section;
        char root[PATH_MAX];    /* the tree the entry belongs to ("container/upper", ...) */
        unsigned depth;         /* of the entry's directory below that root */
} EntryPlace;

static bool path_components_ok(const char *p) {
        if (isempty(p) || p[0] == '/')
                return false;
        for (const char *c = p;;) {
                size_t n = strcspn(c, "/");

                if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                        return false;
                if (c[n] == '\0')
                        return true;
                c += n + 1;
        }
}

static unsigned count_components(const char *p) {
        unsigned n = 1;

        for (; *p; p++)
                if (*p == '/')
                        n++;
        return n;
}

/* Below root (a prefix of p, then '/' or the end); the depth of p's directory below root. */
static bool under(const char *p, const char *root, unsigned *ret_depth) {
        size_t n = strlen(root);

        if (!strneq(p, root, n) || (p[n] != '\0' && p[n] != '/'))
                return false;
        *ret_depth = p[n] == '\0' ? 0 : count_components(p + n + 1) - 1;
        return true;
}

/* Where an entry may be, and what it is then; false for anything else. */
static bool classify(const char *p, bool is_dir, EntryPlace *ret) {
        char first[80];
        unsigned depth;

        if (!path_components_ok(p) || strlen(p) >= PATH_MAX)
                return false;
        if (streq(p, "container") || streq(p, "image") || streq(p, "volumes") ||
            streq(p, "container/" SYSCTR_LAYERS_DIR) || streq(p, "container/" SYSCTR_SNAPSHOTS_DIR))
                return is_dir && (*ret = (EntryPlace) { SECTION_META }, true);
        if (!is_dir && (streq(p, "container/" SYSCTR_CONFIG_FILE) || streq(p, "container/" SYSCTR_LOWER_FILE) ||
                        streq(p, "image/" SYSCTR_IMAGE_INFO_FILE)))
                return *ret = (EntryPlace) { SECTION_META }, true;
        if (strneq(p, "container/" SYSCTR_SNAPSHOTS_DIR "/", strlen("container/" SYSCTR_SNAPSHOTS_DIR "/")))
                return !is_dir && snapshot_name_is_valid(p + strlen("container/" SYSCTR_SNAPSHOTS_DIR "/")) &&
                       (*ret = (EntryPlace) { SECTION_META }, true);
        if (under(p, "container/" SYSCTR_UPPER_DIR, &depth)) {
                *ret = (EntryPlace) { SECTION_LAYER, "container/" SYSCTR_UPPER_DIR, depth };
                return true;
        }
        if (under(p, "image/" SYSCTR_IMAGE_ROOTFS, &depth)) {
                *ret = (EntryPlace) { SECTION_IMAGE, "image/" SYSCTR_IMAGE_ROOTFS, depth };
                return true;
        }
        if (strneq(p, "container/" SYSCTR_LAYERS_DIR "/", strlen("container/" SYSCTR_LAYERS_DIR "/"))) {
                const char *id = p + strlen("container/" SYSCTR_LAYERS_DIR "/");
                size_t n = strcspn(id, "/");

                if (n >= sizeof(first))
                        return false;
                (void) snprintf(first, sizeof(first), "%.*s", (int) n, id);
                if (!layer_id_is_valid(first))
                        return false;
                (void) snprintf(ret->root, sizeof(ret->root), "container/" SYSCTR_LAYERS_DIR "/%s", first);
                ret->section = SECTION_LAYER;
                return under(p, ret->root, &ret->depth);
        }
        if (strneq(p, "volumes/", 8)) {
                const char *name = p + 8;
                size_t n = strcspn(name, "/");

                if (n >= sizeof(first))
                        return false;
                (void) snprintf(first, sizeof(first), "%.*s", (int) n, name);
                if (!volume_name_is_valid(first))
                        return false;
                if (name[n] == '\0')
                        return is_dir && (*ret = (EntryPlace) { SECTION_META }, true);
                if (streq(name + n, "/" VOLUME_INFO_FILE))
                        return !is_dir && (*ret = (EntryPlace) { SECTION_META }, true);
                (void) snprintf(ret->root, sizeof(ret->root), "volumes/%s/" VOLUME_DATA_DIR, first);
                ret->section = SECTION_VOLUME;
                return under(p, ret->root, &ret->depth);
        }
        return false;
}

/* A relative symlink must not climb out of its tree; an absolute one is the guest's own business
 * (the guest resolves it in its root; extraction never follows it). */
static bool symlink_ok(const char *target, unsigned depth) {
        int level = (int) depth;

        if (isempty(target) || target[0] == '/')
                return !isempty(target);
        for (const char *c = target; *c;) {
                size_t n = strcspn(c, "/");

                if (n == 2 && c[0] == '.' && c[1] == '.')
                        level--;
                else if (n > 0 && !(n == 1 && c[0] == '.'))
                        level++;
                if (level < 0)
                        return false;
                c += n;
                if (*c == '/')
                        c++;
        }
        return true;
}

typedef struct ImportContext {
        struct archive *a, *disk;
        Sha256 digest;
        char *dir;
        const char *path;               /* of the entry at hand, for messages */
        uint64_t input_size;            /* of a regular file, for progress; 0 if unknown */
        double last;
        bool have_manifest, have_digest;
} ImportContext;

static int refuse(ImportContext *x, const char *why) {
        _cleanup_free_ char *q = NULL;

        /* The path is the archive's: quote it so that it cannot forge a message. */
        (void) asprintf(&q, "%s", x->path);
        for (char *c = q; c && *c; c++)
                if ((unsigned char) *c < 0x20 || *c == 0x7f)
                        *c = '?';
        worker_report_error("Refusing the archive: entry \"%s\": %s", strna(q), why);
        return -EBADMSG;
}

static int check_entry(ImportContext *x, struct archive_entry *e) {
        mode_t type = archive_entry_filetype(e);
        const char *hardlink = archive_entry_hardlink(e), *symlink = archive_entry_symlink(e);
        EntryPlace place, target;

        if (!classify(x->path, type == AE_IFDIR, &place))
                return refuse(x, "not a path of a sysctr archive (absolute, with \".\" or \"..\", or unknown)");
        if (hardlink) {
                if (!classify(hardlink, false, &target) || target.section != place.section ||
                    !streq(target.root, place.root) || place.section == SECTION_META)
                        return refuse(x, "a hard link to outside its own tree");
        } else if (type == AE_IFLNK) {
                if (place.section == SECTION_META || !symlink_ok(symlink, place.depth))
                        return refuse(x, "a symbolic link that leaves its tree");
        } else if (type == AE_IFCHR) {
                if (place.section != SECTION_LAYER || archive_entry_rdev(e) != 0)
                        return refuse(x, "a device node (only overlayfs' 0:0 whiteouts belong in layers)");
        } else if (type == AE_IFBLK || type == AE_IFSOCK)
                return refuse(x, "a device node or socket");
        else if (type == AE_IFIFO && place.section == SECTION_META)
                return refuse(x, "a FIFO where a file belongs");
        if (place.section == SECTION_META && type != AE_IFREG && type != AE_IFDIR)
                return refuse(x, "not a plain file or directory");
        if ((uint64_t) archive_entry_uid(e) >= ID_COUNT || (uint64_t) archive_entry_gid(e) >= ID_COUNT)
                return refuse(x, "an owner outside the IDs 0-65535");
        if (type == AE_IFREG && archive_entry_size(e) < 0)
                return refuse(x, "a negative size");
        return 0;
}

static void import_progress(ImportContext *x) {
        double p;

        if (x->input_size == 0)
                return;
        p = MIN(0.99, (double) archive_filter_bytes(x->a, -1) / (double) x->input_size);
        if (p - x->last >= 0.01) {
                x->last = p;
                worker_report_progress(p);
        }
}

static int import_data(ImportContext *x) {
        const void *buf;
        size_t size;
        la_int64_t offset;
        int k;

        while ((k = archive_read_data_block(x->a, &buf, &size, &offset)) == ARCHIVE_OK) {
                sha256_update(&x->digest, buf, size);
                if (archive_write_data_block(x->disk, buf, size, offset) != ARCHIVE_OK)
                        return archive_fail(x->disk, -EIO, "Failed to write what the archive holds");
                import_progress(x);
        }
        if (k != ARCHIVE_EOF)
                return archive_fail(x->a, -EBADMSG, "The archive is truncated or damaged");
        return 0;
}

/* The first entry: the manifest, checked, kept as dir/sysctr-manifest. */
static int import_manifest(ImportContext *x, struct archive_entry *e) {
        _cleanup_free_ char *text = NULL, *path = NULL;
        _cleanup_(archive_manifest_done) ArchiveManifest m = {};
        la_int64_t size = archive_entry_size(e);
        int r;

        if (!streq(x->path, ARCHIVE_MANIFEST) || archive_entry_filetype(e) != AE_IFREG || size <= 0 || size > 65536) {
                worker_report_error("Not a sysctr archive (it does not begin with its manifest).");
                return -EBADMSG;
        }
        text = calloc(1, (size_t) size + 1);
        if (!text)
                return -ENOMEM;
        if (archive_read_data(x->a, text, (size_t) size) != size)
                return archive_fail(x->a, -EBADMSG, "The archive is truncated or damaged");
        digest_entry(&x->digest, e);
        sha256_update(&x->digest, text, (size_t) size);
        if (asprintf(&path, "%s/" ARCHIVE_MANIFEST, x->dir) < 0)
                return -ENOMEM;
        r = write_file_atomic(path, text, (size_t) size, 0600);
        if (r < 0)
                return r;
        r = archive_manifest_read(x->dir, &m);
        if (r < 0) {
                worker_report_error("The archive's manifest is not valid (format %d expected).", ARCHIVE_FORMAT_VERSION);
                return -EBADMSG;
        }
        x->have_manifest = true;
        return 0;
}

static int import_digest(ImportContext *x, struct archive_entry *e) {
        char expected[SHA256_HEX_SIZE], got[SHA256_HEX_SIZE] = "";

        sha256_final_hex(&x->digest, expected);
        if (archive_entry_filetype(e) != AE_IFREG || archive_entry_size(e) != SHA256_HEX_SIZE - 1 ||
            archive_read_data(x->a, got, SHA256_HEX_SIZE - 1) != SHA256_HEX_SIZE - 1 || !streq(got, expected)) {
                worker_report_error("Refusing the archive: its content does not match its digest (altered or damaged).");
                return -EBADMSG;
        }
        x->have_digest = true;
        return 0;
}

static int import_entry(ImportContext *x, struct archive_entry *e) {
        int r;

        x->path = archive_entry_pathname(e);
        if (!x->path)
                return refuse(x, "no name");
        if (!x->have_manifest)
                return import_manifest(x, e);
        if (x->have_digest)
                return refuse(x, "more after the digest, which must come last");
        if (streq(x->path, ARCHIVE_DIGEST))
                return import_digest(x, e);
        /* Directories come with a trailing "/" from some writers. */
        if (archive_entry_filetype(e) == AE_IFDIR && x->path[strlen(x->path) - 1] == '/') {
                _cleanup_free_ char *p = strndup(x->path, strlen(x->path) - 1);

                if (!p)
                        return -ENOMEM;
                archive_entry_set_pathname(e, p);
                x->path = archive_entry_pathname(e);
        }
        r = check_entry(x, e);
        if (r < 0)
                return r;
        digest_entry(&x->digest, e);
        if (archive_write_header(x->disk, e) != ARCHIVE_OK)
                return archive_fail(x->disk, -EIO, "Failed to extract the archive");
        if (archive_entry_size(e) > 0 && !archive_entry_hardlink(e)) {
                r = import_data(x);
                if (r < 0)
                        return r;
        }
        if (archive_write_finish_entry(x->disk) != ARCHIVE_OK)
                return archive_fail(x->disk, -EIO, "Failed to extract the archive");
        return 0;
}

int archive_import(int fd, const char *dir) {
        ImportContext x = { .dir = (char *) dir };
        struct archive_entry *e;
        struct stat st;
        int r = 0, k;

        /* Relative paths below dir, nowhere else (SECURE_NOABSOLUTEPATHS refuses others anyway). */
        if (chdir(dir) < 0)
                return -errno;
        if (fstat(fd, &st) >= 0 && S_ISREG(st.st_mode))
                x.input_size = (uint64_t) st.st_size;
        sha256_init(&x.digest);
        x.a = archive_read_new();
        x.disk = archive_write_disk_new();
        if (!x.a || !x.disk) {
                r = -ENOMEM;
                goto finish;
        }
        /* zstd-compressed pax only: no other decompressor is exposed to what comes in. */
        (void) archive_read_support_filter_zstd(x.a);
        (void) archive_read_support_format_tar(x.a);
        (void) archive_write_disk_set_options(x.disk, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
                                              ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_NO_OVERWRITE |
                                              ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                              ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
        if (archive_read_open_fd(x.a, fd, IO_CHUNK) != ARCHIVE_OK) {
                r = archive_fail(x.a, -EBADMSG, "Not a sysctr archive (a zstd-compressed tar)");
                goto finish;
        }
        while ((k = archive_read_next_header(x.a, &e)) == ARCHIVE_OK) {
                r = import_entry(&x, e);
                if (r < 0)
                        goto finish;
        }
        if (k != ARCHIVE_EOF)
                r = archive_fail(x.a, -EBADMSG, "The archive is truncated or damaged");
        else if (!x.have_digest) {
                worker_report_error("Refusing the archive: it ends before its digest (truncated).");
                r = -EBADMSG;
        } else if (archive_write_close(x.disk) != ARCHIVE_OK)
                r = archive_fail(x.disk, -EIO, "Failed to extract the archive");
        if (r >= 0)
                worker_report_progress(1.0);
finish:
        if (x.a)
                archive_read_free(x.a);
        if (x.disk)
                archive_write_free(x.disk);
        return r;
}

/* --- manifest --- */

void archive_manifest_done(ArchiveManifest *m) {
        free(m->name);
        free(m->id);
        free(m->image);
        free(m->image_hash);
        strv_free(m->volumes);
        *m = (ArchiveManifest) {};
}

static int manifest_field(ArchiveManifest *m, const char *key, const char *v, int *format) {
        char **target = streq(key, "NAME") ? &m->name : streq(key, "ID") ? &m->id : streq(key, "IMAGE") ? &m->image :
                        streq(key, "IMAGE_HASH") ? &m->image_hash : NULL;

        if (target) {
                free(*target);
                *target = strdup(v);
                return *target ? 0 : -ENOMEM;
        }
        if (streq(key, "FORMAT"))
                *format = atoi(v);
        else if (streq(key, "PRIVILEGED"))
                m->privileged = streq(v, "1");
        else if (streq(key, "IMAGE_INCLUDED"))
                m->image_included = streq(v, "1");
        else if (streq(key, "VOLUMES")) {
                _cleanup_free_ char *copy = strdup(v);
                char *save = NULL;

                if (!copy)
                        return -ENOMEM;
                for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
                        if (!volume_name_is_valid(w) || strv_contains(m->volumes, w) || strv_extend(&m->volumes, w) < 0)
                                return -EBADMSG;
        }
        return 0;
}

int archive_manifest_read(const char *dir, ArchiveManifest *ret) {
        _cleanup_(archive_manifest_done) ArchiveManifest m = {};
        _cleanup_free_ char *path = NULL, *text = NULL;
        char *save = NULL;
        int format = 0, r;

        if (asprintf(&path, "%s/" ARCHIVE_MANIFEST, dir) < 0)
                return -ENOMEM;
        r = read_full_file(path, &text, NULL);
        if (r < 0)
                return r;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *v = strchr(l, '=');

                if (!v)
                        return -EBADMSG;
                *v++ = '\0';
                r = manifest_field(&m, l, v, &format);
                if (r < 0)
                        return r;
        }
        if (format != ARCHIVE_FORMAT_VERSION || !container_name_is_valid(m.name) || !image_ref_is_valid(m.image) ||
            !m.image_hash || strlen(m.image_hash) != SHA256_HEX_SIZE - 1 ||
            strspn(m.image_hash, "0123456789abcdef") != SHA256_HEX_SIZE - 1 || !m.id)
                return -EBADMSG;
        *ret = m;
        m = (ArchiveManifest) {};
        return 0;
}

/* --- the content hash of an image --- */



static int hash_tree(Sha256 *d, int dir_fd, const char *prefix, unsigned depth, char *buf) {
        _cleanup_strv_free_ char **names = NULL;
        DIR *dir;
        int r = 0;

        if (depth >= TREE_DEPTH_MAX)
                return -ELOOP;
        dir = fdopendir(fcntl(dir_fd, F_DUPFD_CLOEXEC, 3));
        if (!dir)
                return -errno;
        for (struct dirent *de; (de = readdir(dir));)
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..") && strv_extend(&names, de->d_name) < 0) {
                        closedir(dir);
                        return -ENOMEM;
                }
        closedir(dir);
        if (names)
                qsort(names, strv_length(names), sizeof(char *), strcmp_ptr);
        STRV_FOREACH(n, names) {
                _cleanup_free_ char *path = NULL;
                struct stat st;

                if (fstatat(dir_fd, *n, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
                if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode))
                        continue;
                if (asprintf(&path, "%s/%s", prefix, *n) < 0)
                        return -ENOMEM;
                digest_str(d, path);
                digest_u64(d, st.st_mode);
                digest_u64(d, st.st_uid);
                digest_u64(d, st.st_gid);
                if (S_ISLNK(st.st_mode)) {
                        ssize_t k = readlinkat(dir_fd, *n, buf, IO_CHUNK - 1);

                        if (k < 0)
                                return -errno;
                        buf[k] = '\0';
                        digest_str(d, buf);
                } else if (S_ISREG(st.st_mode)) {
                        _cleanup_close_ int fd = openat(dir_fd, *n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
                        ssize_t k;

                        if (fd < 0)
                                return -errno;
                        digest_u64(d, (uint64_t) st.st_size);
                        while ((k = read(fd, buf, IO_CHUNK)) > 0)
                                sha256_update(d, buf, (size_t) k);
                        if (k < 0)
                                return -errno;
                } else if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub = openat(dir_fd, *n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

                        r = sub < 0 ? -errno : hash_tree(d, sub, path, depth + 1, buf);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int image_content_hash(const char *image_dir, char ret[static SHA256_HEX_SIZE]) {
        _cleanup_close_ int dir_fd = open(image_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rootfs = -EBADF;
        _cleanup_free_ char *cached = NULL, *buf = NULL;
        Sha256 d;
        int r;

        if (dir_fd < 0)
                return -errno;
        if (read_full_file_at(dir_fd, "content.sha256", &cached, NULL) >= 0 && strlen(cached) >= SHA256_HEX_SIZE - 1) {
                memcpy(ret, cached, SHA256_HEX_SIZE - 1);
                ret[SHA256_HEX_SIZE - 1] = '\0';
                return 0;
        }
        rootfs = openat(dir_fd, SYSCTR_IMAGE_ROOTFS, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        buf = malloc(IO_CHUNK);
        if (rootfs < 0 || !buf)
                return rootfs < 0 ? -errno : -ENOMEM;
        sha256_init(&d);
        r = hash_tree(&d, rootfs, "", 0, buf);
        if (r < 0)
                return r;
        sha256_final_hex(&d, ret);
        /* A cache of what never changes; failing to write it only costs the next hash. */
        {
                char line[SHA256_HEX_SIZE + 1];

                (void) snprintf(line, sizeof(line), "%s\n", ret);
                (void) write_file_atomic_at(dir_fd, "content.sha256", line, strlen(line), 0644);
        }
        return 0;
}
