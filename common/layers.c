/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/random.h>

#include "fileio.h"
#include "layers.h"
#include "paths.h"
#include "strv.h"

bool layer_id_is_valid(const char *s) {
        if (!s || strlen(s) != LAYER_ID_LEN || s[0] != 'l')
                return false;
        return strspn(s + 1, "0123456789abcdef") == LAYER_ID_LEN - 1;
}

int layer_id_new(char ret[static LAYER_ID_LEN + 1]) {
        uint64_t v;

        if (getrandom(&v, sizeof(v), 0) != sizeof(v))
                return -EIO;
        (void) snprintf(ret, LAYER_ID_LEN + 1, "l%016" PRIx64, v);
        return 0;
}

/* Whitespace-separated layer IDs, each checked. */
static int parse_ids(char *text, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        char *save = NULL;

        for (char *w = strtok_r(text, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
                if (!layer_id_is_valid(w) || strv_contains(l, w))
                        return -EBADMSG;
                if (strv_extend(&l, w) < 0)
                        return -ENOMEM;
        }
        if (!l && !(l = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

int layers_read_lower(int dir_fd, char ***ret) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = read_full_file_at(dir_fd, SYSCTR_LOWER_FILE, &text, NULL);
        if (r == -ENOENT)
                text = strdup("");
        else if (r < 0)
                return r;
        if (!text)
                return -ENOMEM;
        return parse_ids(text, ret);
}

int layers_write_lower(int dir_fd, char * const *ids) {
        _cleanup_free_ char *text = strv_join(ids, "\n");
        _cleanup_free_ char *line = NULL;

        if (!text || asprintf(&line, "%s%s", text, isempty(text) ? "" : "\n") < 0)
                return -ENOMEM;
        return write_file_atomic_at(dir_fd, SYSCTR_LOWER_FILE, line, strlen(line), 0600);
}

void snapshot_info_done(SnapshotInfo *s) {
        s->layers = strv_free(s->layers);
}

int snapshot_info_read(int dir_fd, const char *name, SnapshotInfo *ret) {
        _cleanup_free_ char *text = NULL, *path = NULL;
        _cleanup_strv_free_ char **layers = NULL;
        SnapshotInfo s = {};
        char *save = NULL;
        int r;

        if (asprintf(&path, SYSCTR_SNAPSHOTS_DIR "/%s", name) < 0)
                return -ENOMEM;
        r = read_full_file_at(dir_fd, path, &text, NULL);
        if (r < 0)
                return r;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                if (strneq(l, "CREATED=", 8))
                        s.created_usec = strtoull(l + 8, NULL, 10);
                else if (strneq(l, "LAYERS=", 7)) {
                        r = parse_ids(l + 7, &layers);
                        if (r < 0)
                                return r;
                }
        }
        if (!layers)
                return -EBADMSG;
        s.layers = TAKE_PTR(layers);
        *ret = s;
        return 0;
}

int snapshot_info_write(int snapshots_fd, const char *file, const SnapshotInfo *s) {
        _cleanup_free_ char *ids = strv_join(s->layers, " "), *text = NULL;

        if (!ids || asprintf(&text, "CREATED=%" PRIu64 "\nLAYERS=%s\n", s->created_usec, ids) < 0)
                return -ENOMEM;
        return write_file_atomic_at(snapshots_fd, file, text, strlen(text), 0600);
}
