/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "fileio.h"
#include "layers.h"
#include "strv.h"
#include "tap.h"
#include "tree-copy.h"

static void test_ids_and_files(int dir_fd) {
        _cleanup_strv_free_ char **none = NULL, **back = NULL;
        char a[LAYER_ID_LEN + 1], b[LAYER_ID_LEN + 1];
        _cleanup_(snapshot_info_done) SnapshotInfo s = {};
        _cleanup_close_ int snaps = -EBADF;

        ok(layer_id_new(a) >= 0 && layer_id_new(b) >= 0 && layer_id_is_valid(a) && !streq(a, b), "fresh layer IDs");
        ok(!layer_id_is_valid("l00") && !layer_id_is_valid("x0123456789abcdef") && !layer_id_is_valid("../etc"),
           "malformed layer IDs are refused");
        is_int(layers_read_lower(dir_fd, &none), 0, "no \"lower\": the image alone");
        is_int((long long) strv_length(none), 0, "... an empty chain");
        is_int(layers_write_lower(dir_fd, STRV_MAKE(a, b)), 0, "write a chain");
        is_int(layers_read_lower(dir_fd, &back), 0, "read it back");
        ok(strv_equal(back, STRV_MAKE(a, b)), "... the same, in order");
        ok(write_file_atomic_at(dir_fd, "lower", "../etc\n", 7, 0600) >= 0 && layers_read_lower(dir_fd, &none) == -EBADMSG,
           "a \"lower\" naming something else is refused");
        ok(mkdirat(dir_fd, "snapshots", 0700) >= 0 && (snaps = openat(dir_fd, "snapshots", O_RDONLY | O_DIRECTORY)) >= 0,
           "a snapshots/ directory");
        is_int(snapshot_info_write(snaps, "s1", &(SnapshotInfo) { .created_usec = 42, .layers = (char **) STRV_MAKE(b) }), 0,
               "write a snapshot record");
        is_int(snapshot_info_read(dir_fd, "s1", &s), 0, "read it");
        ok(s.created_usec == 42 && strv_equal(s.layers, STRV_MAKE(b)), "... as written");
}

static void test_tree_copy(int dir_fd) {
        _cleanup_close_ int src = -EBADF, dst = -EBADF;
        struct stat a, b, l1, l2;
        char target[64] = "", value[16] = "";
        ssize_t k;
        bool root = geteuid() == 0;

        ok(mkdirat(dir_fd, "src", 0755) >= 0 && (src = openat(dir_fd, "src", O_RDONLY | O_DIRECTORY)) >= 0, "a tree");
        ok(write_file_atomic_at(src, "file", "hello", 5, 0640) >= 0 && mkdirat(src, "dir", 0711) >= 0 &&
           symlinkat("/etc/passwd", src, "link") >= 0 && linkat(src, "file", src, "hard", 0) >= 0 &&
           mkfifoat(src, "fifo", 0600) >= 0, "with a file, a directory, a symlink, a hard link and a FIFO");
        (void) fsetxattr(src, "user.overlay.opaque", "y", 1, 0);
        if (root) {
                ok(mknodat(src, "whiteout", S_IFCHR | 0, makedev(0, 0)) >= 0 &&
                   fchownat(src, "file", 1073741824 + 1000, 1073741824 + 1000, AT_SYMLINK_NOFOLLOW) >= 0 &&
                   fchownat(src, "link", 1073741824, 1073741824, AT_SYMLINK_NOFOLLOW) >= 0 &&
                   fchownat(src, "dir", 5, 5, AT_SYMLINK_NOFOLLOW) >= 0,
                   "as root: a whiteout and owners in one ID block");
        }
        /* Without root, the owners stay as they are (chown to another's IDs is root's). */
        is_int(tree_copy(src, dir_fd, "dst", root ? &(TreeCopyShift) { .from = 1073741824, .to = 1073807360,
                                                                     .count = 65536 } : NULL,
                         NULL, NULL), 0, "tree_copy");
        dst = openat(dir_fd, "dst", O_RDONLY | O_DIRECTORY);
        ok(dst >= 0, "the copy is there");
        ok(fstatat(src, "file", &a, 0) >= 0 && fstatat(dst, "file", &b, 0) >= 0 && b.st_size == 5 &&
           (b.st_mode & 07777) == 0640 && a.st_mtim.tv_sec == b.st_mtim.tv_sec, "the file: content size, mode, time");
        k = readlinkat(dst, "link", target, sizeof(target) - 1);
        ok(k > 0 && streq(target, "/etc/passwd"), "the symlink is copied as a symlink, not followed");
        ok(fstatat(dst, "file", &l1, 0) >= 0 && fstatat(dst, "hard", &l2, 0) >= 0 && l1.st_ino == l2.st_ino,
           "the hard link is a hard link in the copy");
        ok(fstatat(dst, "fifo", &l1, AT_SYMLINK_NOFOLLOW) >= 0 && S_ISFIFO(l1.st_mode), "the FIFO");
        ok(fstatat(dst, "dir", &l1, 0) >= 0 && (l1.st_mode & 07777) == 0711, "the directory's mode");
        k = fgetxattr(dst, "user.overlay.opaque", value, sizeof(value));
        ok(k == 1 || (k < 0 && errno == ENODATA && fgetxattr(src, "user.overlay.opaque", value, 1) < 0),
           "an extended attribute of the root");
        if (root) {
                ok(fstatat(dst, "whiteout", &l1, AT_SYMLINK_NOFOLLOW) >= 0 && S_ISCHR(l1.st_mode) && l1.st_rdev == 0,
                   "the whiteout (0:0)");
                ok(fstatat(dst, "file", &l1, 0) >= 0 && l1.st_uid == 1073807360 + 1000 && l1.st_gid == 1073807360 + 1000,
                   "owners move to the target block");
                ok(fstatat(dst, "link", &l1, AT_SYMLINK_NOFOLLOW) >= 0 && l1.st_uid == 1073807360,
                   "... a symlink's too");
                ok(fstatat(dst, "dir", &l1, 0) >= 0 && l1.st_uid == 1073807360 + 65534,
                   "an owner outside the block becomes the target's nobody");
        }
}

int main(void) {
        char dir[] = "/tmp/test-layers-XXXXXX";
        _cleanup_close_ int fd = -EBADF;

        ok(mkdtemp(dir) != NULL, "a temp dir");
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        test_ids_and_files(fd);
        test_tree_copy(fd);
        (void) rm_rf(dir);
        return done_testing();
}
