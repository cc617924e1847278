/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Write the whole of data to path atomically: a temporary file in the same directory, fsync, rename
 * over path, fsync the directory. A crash leaves either the old or the new file, never a mix. */
int write_file_atomic(const char *path, const void *data, size_t size, mode_t mode);

/* Same, relative to a directory fd. */
int write_file_atomic_at(int dir_fd, const char *name, const void *data, size_t size, mode_t mode);

/* Read a whole (regular, small) file; the result is NUL-terminated. ret_size may be NULL. */
int read_full_file(const char *path, char **ret, size_t *ret_size);
int read_full_file_at(int dir_fd, const char *name, char **ret, size_t *ret_size);

/* Write a short string to an existing file, e.g. a cgroup or /proc attribute. No atomicity. */
int write_string_file(const char *path, const char *s);

/* fsync the directory that holds path (or the directory itself when path is a directory). */
int fsync_directory_of(const char *path);

/* Remove a directory tree below dir_fd/name without following symlinks or crossing into other
 * file systems. Missing is not an error. */
int rm_rf_at(int dir_fd, const char *name);
int rm_rf(const char *path);

/* mkdir -p, mode applied to the directories created. */
int mkdir_p(const char *path, mode_t mode);
