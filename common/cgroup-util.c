/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

#include "cgroup-util.h"
#include "fileio.h"

/* A guest owns its delegated subtree and may nest it deeply; bound our recursion (fds and stack). */
#define CG_MAX_DEPTH 128

static bool is_cgroup2(const char *path) {
        struct statfs fs;

        return statfs(path, &fs) >= 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

int cg_mount_point(const char **ret) {
        static const char *cached = NULL;

        /* On a hybrid host (systemd's "hybrid" layout, as on this project's test machines) the v1
         * controllers own /sys/fs/cgroup and cgroup2 sits at .../unified without controllers. */
        if (!cached) {
                if (is_cgroup2("/sys/fs/cgroup"))
                        cached = "/sys/fs/cgroup";
                else if (is_cgroup2("/sys/fs/cgroup/unified"))
                        cached = "/sys/fs/cgroup/unified";
                else
                        return -ENOMEDIUM;
        }
        *ret = cached;
        return 0;
}

int cg_pid_get_path(pid_t pid, char **ret) {
        _cleanup_free_ char *text = NULL;
        char path[64];
        char *line, *end;
        int r;

        if (pid == 0)
                (void) snprintf(path, sizeof(path), "/proc/self/cgroup");
        else
                (void) snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) pid);
        r = read_full_file(path, &text, NULL);
        if (r == -ENOENT)
                return -ESRCH;
        if (r < 0)
                return r;

        /* cgroups(7): the cgroup2 entry is the one with hierarchy ID 0 and no controller list. */
        for (line = text; line && *line; line = end ? end + 1 : NULL) {
                end = strchr(line, '\n');
                if (end)
                        *end = '\0';
                if (strneq(line, "0::", 3)) {
                        char *p = strdup(line + 3);

                        if (!p)
                                return -ENOMEM;
                        *ret = p;
                        return 0;
                }
        }
        return -ENODATA;
}

int cg_v1_attach_like(pid_t leader, pid_t pid) {
        _cleanup_free_ char *text = NULL;
        char path[64];
        int r;

        (void) snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) leader);
        r = read_full_file(path, &text, NULL);
        if (r < 0)
                return r == -ENOENT ? -ESRCH : r;

        for (char *line = text, *end; line && *line; line = end ? end + 1 : NULL) {
                _cleanup_free_ char *procs = NULL;
                char *controllers, *cgroup, w[32];

                end = strchr(line, '\n');
                if (end)
                        *end = '\0';
                /* "ID:controllers:path"; ID 0 is cgroup2, which the caller handles. */
                controllers = strchr(line, ':');
                cgroup = controllers ? strchr(controllers + 1, ':') : NULL;
                if (!cgroup || strneq(line, "0:", 2))
                        continue;
                *cgroup++ = '\0';
                controllers++;
                if (streq(cgroup, "/"))
                        continue;
                if (strneq(controllers, "name=", 5))
                        controllers += 5;
                if (asprintf(&procs, "/sys/fs/cgroup/%s%s/cgroup.procs", controllers, cgroup) < 0)
                        return -ENOMEM;
                (void) snprintf(w, sizeof(w), "%d", (int) (pid ?: getpid()));
                r = write_string_file(procs, w);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        return 0;
}

int cg_full_path(const char *cgroup, const char *attribute, char **ret) {
        const char *mnt;
        char *p;
        int r;

        if (!cgroup || cgroup[0] != '/')
                return -EINVAL;
        r = cg_mount_point(&mnt);
        if (r < 0)
                return r;
        /* "/" is the root: skip it so that we don't produce "//" in paths that show up in messages. */
        if (asprintf(&p, "%s%s%s%s", mnt, streq(cgroup, "/") ? "" : cgroup, attribute ? "/" : "",
                     strempty(attribute)) < 0)
                return -ENOMEM;
        *ret = p;
        return 0;
}

int cg_join(const char *cgroup, const char *child, char **ret) {
        char *p;

        if (!cgroup || cgroup[0] != '/' || isempty(child) || strchr(child, '/') || streq(child, "..") ||
            streq(child, "."))
                return -EINVAL;
        if (asprintf(&p, "%s/%s", streq(cgroup, "/") ? "" : cgroup, child) < 0)
                return -ENOMEM;
        *ret = p;
        return 0;
}

int cg_create(const char *cgroup) {
        _cleanup_free_ char *p = NULL;
        int r;

        r = cg_full_path(cgroup, NULL, &p);
        if (r < 0)
                return r;
        if (mkdir(p, 0755) < 0)
                return errno == EEXIST ? 0 : -errno;
        return 1;
}

static int cg_write(const char *cgroup, const char *attribute, const char *value) {
        _cleanup_free_ char *p = NULL;
        int r;

        r = cg_full_path(cgroup, attribute, &p);
        if (r < 0)
                return r;
        return write_string_file(p, value);
}

int cg_attach(const char *cgroup, pid_t pid) {
        char buf[32];

        (void) snprintf(buf, sizeof(buf), "%d", (int) pid);
        return cg_write(cgroup, "cgroup.procs", buf);
}

/* Fallback for kernels without cgroup.kill: SIGKILL every pid listed, in this cgroup and below. */
static int cg_kill_procs_at(int dir_fd, unsigned depth) {
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_close_ int procs_fd = -EBADF, dup_fd = -EBADF;
        DIR *d;
        int r = 0, pid;

        if (depth > CG_MAX_DEPTH)
                return -ELOOP;
        procs_fd = openat(dir_fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
        if (procs_fd < 0)
                return -errno;
        f = fdopen(procs_fd, "re");
        if (!f)
                return -errno;
        TAKE_FD(procs_fd);
        while (fscanf(f, "%d", &pid) == 1)
                if (pid > 0 && kill(pid, SIGKILL) < 0 && errno != ESRCH)
                        r = -errno;

        dup_fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
        if (dup_fd < 0)
                return r;
        d = fdopendir(dup_fd);
        if (!d)
                return r;
        TAKE_FD(dup_fd);
        for (struct dirent *de; (de = readdir(d));) {
                _cleanup_close_ int child_fd = -EBADF;
                int q;

                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                child_fd = openat(dirfd(d), de->d_name, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                if (child_fd < 0)
                        continue;
                q = cg_kill_procs_at(child_fd, depth + 1);
                if (q < 0 && r >= 0)
                        r = q;
        }
        closedir(d);
        return r;
}

int cg_kill(const char *cgroup) {
        _cleanup_close_ int fd = -EBADF;
        int r;

        /* cgroup.kill (Linux 5.14) kills the whole subtree atomically, including processes that fork
         * while we look; it does not exist in the root cgroup. */
        r = cg_write(cgroup, "cgroup.kill", "1");
        if (r != -ENOENT)
                return r;
        fd = cg_open(cgroup);
        if (fd < 0)
                return fd;
        return cg_kill_procs_at(fd, 0);
}

int cg_is_populated(const char *cgroup) {
        _cleanup_free_ char *p = NULL, *text = NULL;
        const char *s;
        int r;

        r = cg_full_path(cgroup, "cgroup.events", &p);
        if (r < 0)
                return r;
        r = read_full_file(p, &text, NULL);
        if (r < 0)
                return r;
        for (s = text; s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL)
                if (strneq(s, "populated ", 10))
                        return s[10] == '1';
        return -ENODATA;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

int cg_wait_empty(const char *cgroup, uint64_t timeout_usec) {
        uint64_t deadline = now_usec() + timeout_usec;

        /* A short poll: SIGKILLed tasks leave within milliseconds, so an inotify watch on
         * cgroup.events would only add fds and code. */
        for (;;) {
                int r = cg_is_populated(cgroup);

                if (r <= 0)
                        return r == -ENOENT ? 0 : r;
                if (now_usec() >= deadline)
                        return -ETIMEDOUT;
                (void) nanosleep(&(struct timespec) { .tv_nsec = 5 * 1000 * 1000 }, NULL);
        }
}

static int cg_remove_children_at(int dir_fd, unsigned depth) {
        DIR *d;
        int r = 0;

        if (depth > CG_MAX_DEPTH)
                return -ELOOP;
        dir_fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
        if (dir_fd < 0)
                return -errno;
        d = fdopendir(dir_fd);
        if (!d) {
                safe_close(dir_fd);
                return -errno;
        }
        for (struct dirent *de; (de = readdir(d));) {
                _cleanup_close_ int child_fd = -EBADF;
                int q;

                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                child_fd = openat(dirfd(d), de->d_name, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                if (child_fd < 0) {
                        if (errno != ENOENT && r >= 0)
                                r = -errno;
                        continue;
                }
                q = cg_remove_children_at(child_fd, depth + 1);
                if (q >= 0 && unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                        q = -errno;
                if (q < 0 && r >= 0)
                        r = q;
        }
        closedir(d);
        return r;
}

int cg_remove(const char *cgroup) {
        _cleanup_free_ char *p = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = cg_full_path(cgroup, NULL, &p);
        if (r < 0)
                return r;
        fd = open(p, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        r = cg_remove_children_at(fd, 0);
        if (r < 0)
                return r;
        if (rmdir(p) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

int cg_kill_and_remove(const char *cgroup, uint64_t timeout_usec) {
        uint64_t deadline = now_usec() + timeout_usec;
        int r;

        for (;;) {
                r = cg_is_populated(cgroup);
                if (r == -ENOENT)
                        return 0;
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = cg_kill(cgroup);
                if (r < 0 && r != -ESRCH)
                        return r;
                /* Repeat the kill now and then: the fallback without cgroup.kill races with fork(). */
                r = cg_wait_empty(cgroup, MIN(100 * USEC_PER_MSEC, timeout_usec));
                if (r == 0)
                        break;
                if (r != -ETIMEDOUT)
                        return r;
                if (now_usec() >= deadline)
                        return -ETIMEDOUT;
        }
        return cg_remove(cgroup);
}

int cg_open(const char *cgroup) {
        _cleanup_free_ char *p = NULL;
        int r, fd;

        r = cg_full_path(cgroup, NULL, &p);
        if (r < 0)
                return r;
        fd = open(p, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}
