/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "bus-names.h"
#include "container.h"
#include "crash-point.h"
#include "fileio.h"
#include "layers.h"
#include "log.h"
#include "name.h"
#include "paths.h"
#include "snapshot.h"
#include "strv.h"

/* Snapshots as read-only layers (common/layers.h, docs/storage.md). Each operation that changes
 * more than one name first writes "journal" (what it is about to do), so that sysctrd, at its next
 * start, can finish it or undo it: never a container whose data went missing between two renames.
 *
 *   snapshot S (layer X)  mkdir layers/X (empty); journal "snapshot S X"; exchange upper/ and
 *                         layers/X; write snapshots/S and lower ([X] + lower); remove journal.
 *   restore S             journal "restore S" with the old chain; write lower (S's layers); journal
 *                         "restored S" (the commit: the chain may be the same before and after);
 *                         empty upper/ (exchange with a fresh directory, then remove that); remove
 *                         journal.
 *   delete S              remove snapshots/S.
 *
 * Then layers that neither "lower" nor a snapshot names go (layers_gc). */

static int open_container_dir(const char *name) {
        _cleanup_free_ char *dir = sysctr_container_dir(name);

        if (!dir)
                return -ENOMEM;
        return RET_NERRNO(open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

static int write_journal(int dir_fd, const char *text) {
        return write_file_atomic_at(dir_fd, SYSCTR_JOURNAL_FILE, text, strlen(text), 0600);
}

static int remove_journal(int dir_fd) {
        if (unlinkat(dir_fd, SYSCTR_JOURNAL_FILE, 0) < 0 && errno != ENOENT)
                return -errno;
        return RET_NERRNO(fsync(dir_fd));
}

/* An empty directory like upper/ (owner, mode) at name: what a fresh upper layer starts from. */
static int make_like_upper(int dir_fd, int at_fd, const char *name) {
        struct stat st;

        if (fstatat(dir_fd, SYSCTR_UPPER_DIR, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (mkdirat(at_fd, name, 0700) < 0)
                return -errno;
        if (fchownat(at_fd, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
            fchmodat(at_fd, name, st.st_mode & 07777, 0) < 0)
                return -errno;
        return 0;
}

static int dir_is_empty_at(int dir_fd, const char *name) {
        _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d;
        int empty = 1;

        if (fd < 0)
                return -errno;
        d = fdopendir(TAKE_FD(fd));
        if (!d)
                return -errno;
        for (struct dirent *de; (de = readdir(d));)
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..")) {
                        empty = 0;
                        break;
                }
        closedir(d);
        return empty;
}

static int open_subdir(int dir_fd, const char *name, bool create) {
        if (create && mkdirat(dir_fd, name, 0700) < 0 && errno != EEXIST)
                return -errno;
        return RET_NERRNO(openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

/* The names of the snapshots (sorted), and every layer that something still names. */
int snapshot_list_names(int dir_fd, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_close_ int fd = -EBADF;
        DIR *d;

        fd = open_subdir(dir_fd, SYSCTR_SNAPSHOTS_DIR, false);
        if (fd == -ENOENT) {
                *ret = calloc(1, sizeof(char *));
                return *ret ? 0 : -ENOMEM;
        }
        if (fd < 0)
                return fd;
        d = fdopendir(TAKE_FD(fd));
        if (!d)
                return -errno;
        for (struct dirent *de; (de = readdir(d));)
                if (snapshot_name_is_valid(de->d_name) && strv_extend(&l, de->d_name) < 0) {
                        closedir(d);
                        return -ENOMEM;
                }
        closedir(d);
        if (!l && !(l = calloc(1, sizeof(char *))))
                return -ENOMEM;
        for (size_t i = 1; l[0] && l[i]; i++)  /* a few names: insertion sort */
                for (size_t j = i; j > 0 && strcmp(l[j - 1], l[j]) > 0; j--) {
                        char *t = l[j];
                        l[j] = l[j - 1];
                        l[j - 1] = t;
                }
        *ret = TAKE_PTR(l);
        return 0;
}

static int referenced_layers(int dir_fd, char ***ret) {
        _cleanup_strv_free_ char **used = NULL, **names = NULL;
        int r;

        r = layers_read_lower(dir_fd, &used);
        if (r < 0)
                return r;
        r = snapshot_list_names(dir_fd, &names);
        if (r < 0)
                return r;
        STRV_FOREACH(n, names) {
                _cleanup_(snapshot_info_done) SnapshotInfo s = {};

                r = snapshot_info_read(dir_fd, *n, &s);
                if (r < 0)
                        return r;
                STRV_FOREACH(id, s.layers)
                        if (!strv_contains(used, *id) && strv_extend(&used, *id) < 0)
                                return -ENOMEM;
        }
        *ret = TAKE_PTR(used);
        return 0;
}

int layers_gc(int dir_fd) {
        _cleanup_strv_free_ char **used = NULL, **doomed = NULL;
        _cleanup_close_ int fd = -EBADF;
        DIR *d;
        int r;

        /* Never while an operation is half done: its new layer is named by nothing yet. */
        if (faccessat(dir_fd, SYSCTR_JOURNAL_FILE, F_OK, AT_SYMLINK_NOFOLLOW) >= 0)
                return 0;
        r = referenced_layers(dir_fd, &used);
        if (r < 0)
                return r;
        fd = open_subdir(dir_fd, SYSCTR_LAYERS_DIR, false);
        if (fd == -ENOENT)
                return 0;
        if (fd < 0)
                return fd;
        d = fdopendir(fcntl(fd, F_DUPFD_CLOEXEC, 3));
        if (!d)
                return -errno;
        for (struct dirent *de; (de = readdir(d));)
                if (layer_id_is_valid(de->d_name) && !strv_contains(used, de->d_name) &&
                    strv_extend(&doomed, de->d_name) < 0) {
                        closedir(d);
                        return -ENOMEM;
                }
        closedir(d);
        STRV_FOREACH(id, doomed) {
                r = rm_rf_at(fd, *id);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A create that failed half way (no space for the records, say) is undone at once: upper/ back,
 * the new layer and its snapshot record gone, the journal last. */
static void snapshot_undo_create(int dir_fd, const char *name, const char *id, bool exchanged) {
        _cleanup_free_ char *layer_path = NULL, *snap = NULL;
        _cleanup_(snapshot_info_done) SnapshotInfo s = {};

        if (asprintf(&layer_path, SYSCTR_LAYERS_DIR "/%s", id) < 0 ||
            asprintf(&snap, SYSCTR_SNAPSHOTS_DIR "/%s", name) < 0)
                return;
        if (exchanged && renameat2(dir_fd, SYSCTR_UPPER_DIR, dir_fd, layer_path, RENAME_EXCHANGE) < 0)
                return;         /* the journal stays: the next start of sysctrd finishes it */
        (void) rm_rf_at(dir_fd, layer_path);
        if (snapshot_info_read(dir_fd, name, &s) >= 0 && s.layers[0] && streq(s.layers[0], id))
                (void) unlinkat(dir_fd, snap, 0);
        (void) remove_journal(dir_fd);
}

static int snapshot_do_create(int dir_fd, const char *name) {
        _cleanup_strv_free_ char **lower = NULL, **chain = NULL;
        _cleanup_close_ int layers_fd = -EBADF, snapshots_fd = -EBADF;
        _cleanup_free_ char *journal = NULL, *layer_path = NULL;
        char id[LAYER_ID_LEN + 1];
        bool exchanged = false;
        struct timespec ts;
        int r;

        r = layers_read_lower(dir_fd, &lower);
        if (r < 0)
                return r;
        r = layer_id_new(id);
        if (r < 0)
                return r;
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        if (strv_extend(&chain, id) < 0)
                return -ENOMEM;
        STRV_FOREACH(l, lower)
                if (strv_extend(&chain, *l) < 0)
                        return -ENOMEM;
        if (asprintf(&journal, "snapshot %s %s\n", name, id) < 0 ||
            asprintf(&layer_path, SYSCTR_LAYERS_DIR "/%s", id) < 0)
                return -ENOMEM;
        layers_fd = open_subdir(dir_fd, SYSCTR_LAYERS_DIR, true);
        snapshots_fd = open_subdir(dir_fd, SYSCTR_SNAPSHOTS_DIR, true);
        if (layers_fd < 0 || snapshots_fd < 0)
                return layers_fd < 0 ? layers_fd : snapshots_fd;
        /* An empty directory with upper/'s owner: upper/ after the exchange. */
        r = make_like_upper(dir_fd, layers_fd, id);
        if (r < 0)
                return r;
        r = write_journal(dir_fd, journal);
        if (r < 0)
                goto fail;
        crash_point("snapshot-journal");
        if (renameat2(dir_fd, SYSCTR_UPPER_DIR, dir_fd, layer_path, RENAME_EXCHANGE) < 0) {
                r = -errno;
                goto fail;
        }
        exchanged = true;
        crash_point("snapshot-exchanged");
        r = snapshot_info_write(snapshots_fd, name, &(SnapshotInfo) {
                .created_usec = (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000,
                .layers = chain });
        if (r < 0)
                goto fail;
        crash_point("snapshot-recorded");
        r = layers_write_lower(dir_fd, chain);
        if (r < 0)
                goto fail;
        crash_point("snapshot-lower");
        return remove_journal(dir_fd);
fail:
        snapshot_undo_create(dir_fd, name, id, exchanged);
        return r;
}

/* At recovery: upper/ becomes empty (exchanged with a fresh directory, which then goes with the old
 * content), unless it is already. */
static int empty_upper(int dir_fd) {
        const char *fresh = SYSCTR_TEMP_PREFIX "upper-new", *old = SYSCTR_TEMP_PREFIX "upper-old";
        int r;

        r = dir_is_empty_at(dir_fd, SYSCTR_UPPER_DIR);
        if (r != 0)
                return r < 0 ? r : 0;
        (void) rm_rf_at(dir_fd, fresh);
        r = make_like_upper(dir_fd, dir_fd, fresh);
        if (r < 0)
                return r;
        if (renameat2(dir_fd, SYSCTR_UPPER_DIR, dir_fd, fresh, RENAME_EXCHANGE) < 0)
                return -errno;
        if (renameat(dir_fd, fresh, dir_fd, old) < 0)
                return -errno;
        return rm_rf_at(dir_fd, old);
}

/* Everything that needs space first (the fresh upper/, the journal, the new "lower"), so that a full
 * file system fails the restore before anything changed; the exchange and removals need none. */
static int snapshot_do_restore(int dir_fd, const char *name) {
        const char *fresh = SYSCTR_TEMP_PREFIX "upper-new", *old = SYSCTR_TEMP_PREFIX "upper-old";
        _cleanup_(snapshot_info_done) SnapshotInfo s = {};
        _cleanup_strv_free_ char **before = NULL;
        _cleanup_free_ char *journal = NULL;
        int r;

        r = snapshot_info_read(dir_fd, name, &s);
        if (r >= 0)
                r = layers_read_lower(dir_fd, &before);
        if (r < 0)
                return r;
        {
                _cleanup_free_ char *old_chain = strv_join(before, " ");

                if (!old_chain || asprintf(&journal, "restore %s %s\n", name, old_chain) < 0)
                        return -ENOMEM;
        }
        (void) rm_rf_at(dir_fd, fresh);
        r = make_like_upper(dir_fd, dir_fd, fresh);
        if (r < 0)
                return r;
        r = write_journal(dir_fd, journal);
        if (r < 0)
                goto fail;
        crash_point("restore-journal");
        r = layers_write_lower(dir_fd, s.layers);
        if (r < 0)
                goto fail;
        crash_point("restore-lower");
        free(journal);
        if (asprintf(&journal, "restored %s\n", name) < 0) {
                r = -ENOMEM;
                (void) layers_write_lower(dir_fd, before);
                goto fail;
        }
        r = write_journal(dir_fd, journal);
        if (r < 0) {
                (void) layers_write_lower(dir_fd, before);
                goto fail;
        }
        crash_point("restore-committed");
        if (renameat2(dir_fd, SYSCTR_UPPER_DIR, dir_fd, fresh, RENAME_EXCHANGE) < 0) {
                r = -errno;
                (void) layers_write_lower(dir_fd, before);
                goto fail;
        }
        crash_point("restore-exchanged");
        /* Renamed out of the way first: a crash leaves a temporary, not a half-removed tree. */
        if (renameat(dir_fd, fresh, dir_fd, old) >= 0)
                (void) rm_rf_at(dir_fd, old);
        return remove_journal(dir_fd);
fail:
        (void) rm_rf_at(dir_fd, fresh);
        (void) remove_journal(dir_fd);
        return r;
}

/* --- at sysctrd's start --- */

static int recover_snapshot(int dir_fd, const char *name, const char *id) {
        _cleanup_strv_free_ char **lower = NULL;
        _cleanup_free_ char *layer_path = NULL;
        int r, empty;

        if (!snapshot_name_is_valid(name) || !layer_id_is_valid(id))
                return -EBADMSG;
        if (asprintf(&layer_path, SYSCTR_LAYERS_DIR "/%s", id) < 0)
                return -ENOMEM;
        r = layers_read_lower(dir_fd, &lower);
        if (r < 0)
                return r;
        if (lower[0] && streq(lower[0], id))
                return remove_journal(dir_fd);          /* done but for the journal */
        empty = dir_is_empty_at(dir_fd, layer_path);
        if (empty == -ENOENT || empty > 0) {
                /* The exchange did not happen (or both were empty): undo. */
                (void) rm_rf_at(dir_fd, layer_path);
                {
                        _cleanup_free_ char *snap = NULL;

                        if (asprintf(&snap, SYSCTR_SNAPSHOTS_DIR "/%s", name) >= 0) {
                                _cleanup_(snapshot_info_done) SnapshotInfo s = {};

                                /* Only if it is the one this operation wrote (its chain's top). */
                                if (snapshot_info_read(dir_fd, name, &s) >= 0 && s.layers[0] &&
                                    streq(s.layers[0], id))
                                        (void) unlinkat(dir_fd, snap, 0);
                        }
                }
                return remove_journal(dir_fd);
        }
        if (empty < 0)
                return empty;
        /* The data is in the new layer: finish. */
        {
                _cleanup_strv_free_ char **chain = NULL;
                _cleanup_close_ int snapshots_fd = open_subdir(dir_fd, SYSCTR_SNAPSHOTS_DIR, true);
                struct timespec ts;

                if (snapshots_fd < 0)
                        return snapshots_fd;
                if (strv_extend(&chain, id) < 0)
                        return -ENOMEM;
                STRV_FOREACH(l, lower)
                        if (strv_extend(&chain, *l) < 0)
                                return -ENOMEM;
                (void) clock_gettime(CLOCK_REALTIME, &ts);
                r = snapshot_info_write(snapshots_fd, name, &(SnapshotInfo) {
                        .created_usec = (uint64_t) ts.tv_sec * USEC_PER_SEC, .layers = chain });
                if (r >= 0)
                        r = layers_write_lower(dir_fd, chain);
                if (r < 0)
                        return r;
        }
        return remove_journal(dir_fd);
}

/* "restore S OLD-CHAIN": not committed; the old chain goes back. "restored S": committed; upper/ is
 * emptied if that had not happened yet. */
static int recover_restore(int dir_fd, const char *text, bool committed) {
        _cleanup_strv_free_ char **old = NULL;
        int r;

        if (committed) {
                r = empty_upper(dir_fd);
                if (r < 0)
                        return r;
        } else {
                /* "restore NAME" then the chain: past the second space. */
                const char *chain = strchr(text, ' ');
                _cleanup_free_ char *copy = NULL;

                chain = chain ? strchr(chain + 1, ' ') : NULL;
                copy = strdup(chain ? chain + 1 : "");
                if (!copy)
                        return -ENOMEM;
                for (char *save = NULL, *w = strtok_r(copy, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
                        if (!layer_id_is_valid(w) || strv_extend(&old, w) < 0)
                                return -EBADMSG;
                r = layers_write_lower(dir_fd, old ?: STRV_MAKE(NULL));
                if (r < 0)
                        return r;
        }
        (void) rm_rf_at(dir_fd, SYSCTR_TEMP_PREFIX "upper-new");
        return remove_journal(dir_fd);
}

int container_storage_recover(const char *name, char **ret_done) {
        _cleanup_close_ int dir_fd = open_container_dir(name);
        _cleanup_free_ char *text = NULL;
        char what[16] = "", a[256] = "", b[64] = "";
        int r;

        *ret_done = NULL;
        if (dir_fd < 0)
                return dir_fd;
        (void) rm_rf_at(dir_fd, SYSCTR_TEMP_PREFIX "upper-old");
        r = read_full_file_at(dir_fd, SYSCTR_JOURNAL_FILE, &text, NULL);
        if (r == -ENOENT)
                return layers_gc(dir_fd);
        if (r < 0)
                return r;
        if (sscanf(text, "%15s %255s %63s", what, a, b) < 2)
                return -EBADMSG;
        if (streq(what, "snapshot"))
                r = recover_snapshot(dir_fd, a, b);
        else if (streq(what, "restore") || streq(what, "restored"))
                r = recover_restore(dir_fd, text, streq(what, "restored"));
        else
                return -EBADMSG;
        if (r < 0)
                return r;
        if (asprintf(ret_done, "an interrupted %s of snapshot %s", streq(what, "snapshot") ? "snapshot" : "restore",
                     a) < 0)
                return -ENOMEM;
        return layers_gc(dir_fd);
}

/* --- the operations --- */

static int check_stopped(Container *c, const char *what, sd_bus_error *error) {
        int r;

        r = container_check_usable(c, error);
        if (r < 0)
                return r;
        if (container_is_active(c) || c->job || c->storage_job)
                return sd_bus_error_setf(error, SYSCTR_ERROR_CONTAINER_RUNNING,
                                         "Container \"%s\" is %s; stop it to %s.", c->name,
                                         c->job || c->storage_job ? "busy" : container_state_to_string(c->state), what);
        return 0;
}

static int snapshot_exists(int dir_fd, const char *name) {
        _cleanup_free_ char *p = NULL;

        if (asprintf(&p, SYSCTR_SNAPSHOTS_DIR "/%s", name) < 0)
                return -ENOMEM;
        return faccessat(dir_fd, p, F_OK, AT_SYMLINK_NOFOLLOW) >= 0;
}

static int space_error(sd_bus_error *error, int r, const char *what, Container *c) {
        if (r == -ENOSPC)
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SPACE,
                                         "Failed to %s of container \"%s\": no space left on the state file system.",
                                         what, c->name);
        return sd_bus_error_set_errnof(error, r, "Failed to %s of container \"%s\": %m", what, c->name);
}

int container_snapshot_create(Container *c, const char *name, sd_bus_error *error) {
        _cleanup_close_ int dir_fd = -EBADF;
        int r;

        r = check_stopped(c, "take a snapshot", error);
        if (r < 0)
                return r;
        dir_fd = open_container_dir(c->name);
        if (dir_fd < 0)
                return sd_bus_error_set_errnof(error, dir_fd, "Failed to open container \"%s\": %m", c->name);
        r = snapshot_exists(dir_fd, name);
        if (r != 0)
                return r < 0 ? r : sd_bus_error_setf(error, SYSCTR_ERROR_SNAPSHOT_EXISTS,
                                                     "Container \"%s\" has a snapshot \"%s\" already.", c->name, name);
        r = snapshot_do_create(dir_fd, name);
        if (r < 0)
                return space_error(error, r, "take a snapshot", c);
        log_container_info(c->name, "Took snapshot %s of container %s.", name, c->name);
        return 0;
}

int container_snapshot_restore(Container *c, const char *name, sd_bus_error *error) {
        _cleanup_close_ int dir_fd = -EBADF;
        int r;

        r = check_stopped(c, "restore a snapshot", error);
        if (r < 0)
                return r;
        dir_fd = open_container_dir(c->name);
        if (dir_fd < 0)
                return sd_bus_error_set_errnof(error, dir_fd, "Failed to open container \"%s\": %m", c->name);
        r = snapshot_exists(dir_fd, name);
        if (r == 0)
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_SNAPSHOT, "Container \"%s\" has no snapshot \"%s\".",
                                         c->name, name);
        if (r < 0)
                return r;
        r = snapshot_do_restore(dir_fd, name);
        if (r < 0)
                return space_error(error, r, "restore a snapshot", c);
        (void) layers_gc(dir_fd);
        log_container_info(c->name, "Restored container %s to snapshot %s.", c->name, name);
        return 0;
}

int container_snapshot_delete(Container *c, const char *name, sd_bus_error *error) {
        _cleanup_close_ int dir_fd = -EBADF;
        _cleanup_free_ char *p = NULL;
        int r;

        r = container_check_usable(c, error);
        if (r < 0)
                return r;
        if (c->storage_job)
                return sd_bus_error_setf(error, SYSCTR_ERROR_BUSY, "Container \"%s\" is busy.", c->name);
        dir_fd = open_container_dir(c->name);
        if (dir_fd < 0)
                return sd_bus_error_set_errnof(error, dir_fd, "Failed to open container \"%s\": %m", c->name);
        if (asprintf(&p, SYSCTR_SNAPSHOTS_DIR "/%s", name) < 0)
                return -ENOMEM;
        if (unlinkat(dir_fd, p, 0) < 0)
                return errno == ENOENT ? sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_SNAPSHOT,
                                                           "Container \"%s\" has no snapshot \"%s\".", c->name, name)
                                       : sd_bus_error_set_errnof(error, errno, "Failed to delete snapshot: %m");
        (void) fsync(dir_fd);
        crash_point("snapshot-deleted");
        /* A running container's layers are in use: only what nothing names goes, which excludes them. */
        r = layers_gc(dir_fd);
        if (r < 0)
                log_container_warning_errno(c->name, r, "Failed to remove unused layers of %s: %m", c->name);
        log_container_info(c->name, "Deleted snapshot %s of container %s.", name, c->name);
        return 0;
}

int container_snapshot_list(Container *c, char ***ret_names, uint64_t **ret_created, sd_bus_error *error) {
        _cleanup_close_ int dir_fd = -EBADF;
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ uint64_t *created = NULL;
        int r;

        r = container_check_usable(c, error);
        if (r < 0)
                return r;
        dir_fd = open_container_dir(c->name);
        if (dir_fd < 0)
                return sd_bus_error_set_errnof(error, dir_fd, "Failed to open container \"%s\": %m", c->name);
        r = snapshot_list_names(dir_fd, &names);
        if (r < 0)
                return r;
        created = calloc(strv_length(names) + 1, sizeof(uint64_t));
        if (!created)
                return -ENOMEM;
        for (size_t i = 0; names[i]; i++) {
                _cleanup_(snapshot_info_done) SnapshotInfo s = {};

                if (snapshot_info_read(dir_fd, names[i], &s) >= 0)
                        created[i] = s.created_usec;
        }
        *ret_names = TAKE_PTR(names);
        *ret_created = TAKE_PTR(created);
        return 0;
}
