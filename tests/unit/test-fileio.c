/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fileio.h"
#include "tap.h"

static char *path_join(const char *a, const char *b) {
        char *p;

        if (asprintf(&p, "%s/%s", a, b) < 0)
                abort();
        return p;
}

static unsigned count_entries(const char *dir) {
        unsigned n = 0;
        DIR *d = opendir(dir);

        if (!d)
                return 0;
        for (struct dirent *de; (de = readdir(d)); )
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        n++;
        closedir(d);
        return n;
}

static void test_atomic(const char *dir) {
        _cleanup_free_ char *p = path_join(dir, "f"), *text = NULL, *missing = path_join(dir, "nodir/f");
        struct stat st;
        size_t size = 0;

        is_int(write_file_atomic(p, "one\n", 4, 0600), 0, "atomic write");
        is_int(read_full_file(p, &text, &size), 0, "read back");
        is_str(text, "one\n", "content");
        is_int(size, 4, "size");
        ok(stat(p, &st) == 0 && (st.st_mode & 07777) == 0600, "mode 0600");
        free(text);
        text = NULL;

        is_int(write_file_atomic(p, "two", 3, 0644), 0, "atomic overwrite");
        is_int(read_full_file(p, &text, NULL), 0, "read back");
        is_str(text, "two", "new content");
        ok(stat(p, &st) == 0 && (st.st_mode & 07777) == 0644, "mode 0644 after overwrite");
        is_int(count_entries(dir), 1, "no temporary file left behind");

        is_int(write_file_atomic(missing, "x", 1, 0600), -ENOENT, "write into a missing directory fails");
        is_int(count_entries(dir), 1, "still only one file");

        free(text);
        text = NULL;
        is_int(write_file_atomic(p, "", 0, 0600), 0, "empty write");
        is_int(read_full_file(p, &text, &size), 0, "read empty file");
        ok(text && text[0] == '\0' && size == 0, "empty content is NUL-terminated");
        ok(unlink(p) == 0, "cleanup file");
}

static void test_mkdir_p(const char *dir) {
        _cleanup_free_ char *p = path_join(dir, "a/b/c"), *top = path_join(dir, "a");
        struct stat st;

        is_int(mkdir_p(p, 0700), 0, "mkdir_p creates a/b/c");
        ok(stat(p, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700,
           "directory with mode 0700");
        is_int(mkdir_p(p, 0700), 0, "mkdir_p on an existing tree succeeds");
        is_int(rm_rf(top), 0, "rm_rf the tree");
        ok(stat(top, &st) < 0 && errno == ENOENT, "tree is gone");
        is_int(rm_rf(top), 0, "rm_rf on a missing path succeeds");
}

static void test_rm_rf_symlinks(const char *dir) {
        _cleanup_free_ char *outside = path_join(dir, "outside"), *keep = path_join(dir, "outside/keep"),
                *tree = path_join(dir, "tree"), *sub = path_join(dir, "tree/sub"),
                *link1 = path_join(dir, "tree/sub/to-outside"), *link2 = path_join(dir, "tree/to-file"),
                *file = path_join(dir, "tree/sub/file"), *toplink = path_join(dir, "toplink");
        struct stat st;

        ok(mkdir(outside, 0755) == 0, "make outside/");
        is_int(write_file_atomic(keep, "keep", 4, 0644), 0, "make outside/keep");
        is_int(mkdir_p(sub, 0755), 0, "make tree/sub");
        is_int(write_file_atomic(file, "x", 1, 0644), 0, "make tree/sub/file");
        ok(symlink(outside, link1) == 0, "symlink tree/sub/to-outside → outside");
        ok(symlink(keep, link2) == 0, "symlink tree/to-file → outside/keep");

        is_int(rm_rf(tree), 0, "rm_rf tree");
        ok(lstat(tree, &st) < 0 && errno == ENOENT, "tree is gone");
        ok(stat(keep, &st) == 0 && S_ISREG(st.st_mode), "outside/keep survived");

        ok(symlink(outside, toplink) == 0, "symlink toplink → outside");
        is_int(rm_rf(toplink), 0, "rm_rf on a symlink");
        ok(lstat(toplink, &st) < 0, "the symlink is gone");
        ok(stat(keep, &st) == 0, "its target survived");

        is_int(rm_rf(outside), 0, "cleanup outside");
}

static void test_string_file(const char *dir) {
        _cleanup_free_ char *p = path_join(dir, "attr"), *text = NULL;
        int fd;

        fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        ok(fd >= 0, "create attr");
        safe_close(fd);
        is_int(write_string_file(p, "max"), 0, "write_string_file");
        is_int(read_full_file(p, &text, NULL), 0, "read it");
        is_str(text, "max", "content");
        is_int(fsync_directory_of(p), 0, "fsync_directory_of a file");
        is_int(fsync_directory_of(dir), 0, "fsync_directory_of a directory");
        ok(unlink(p) == 0, "cleanup");
        is_int(write_string_file(p, "x"), -ENOENT, "write_string_file does not create files");
}

int main(void) {
        _cleanup_free_ char *dir = test_mkdtemp("test-fileio");

        if (!dir) {
                printf("1..0 # SKIP cannot make a temporary directory\n");
                return 0;
        }

        test_atomic(dir);
        test_mkdir_p(dir);
        test_rm_rf_symlinks(dir);
        test_string_file(dir);

        is_int(count_entries(dir), 0, "everything cleaned up");
        ok(rmdir(dir) == 0, "remove the temporary directory");
        return done_testing();
}
