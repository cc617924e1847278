/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#include "bus-names.h"
#include "fileio.h"
#include "image.h"
#include "job.h"
#include "log.h"
#include "paths.h"
#include "strv.h"

typedef struct ImageWaiter {
        ImageReadyCallback callback;
        void *userdata;
        Job *follower;                  /* a job that shows the build's progress as its own, or NULL */
} ImageWaiter;

struct ImageBuild {
        ImageBuild *next;
        Manager *manager;
        char *image;
        char *tmpdir;
        char *template, *release;
        char **env;                     /* extra KEY=VALUE for the builder (the oci template's image) */
        bool replace;                   /* a rebuild: a new version even if the image exists */
        pid_t pid;
        sd_event_source *child_source;
        int output_fd;                  /* the builder's stdout + stderr */
        sd_event_source *output_source;
        int log_fd;                     /* build.log */
        char line[1024];                /* a partial output line */
        size_t line_len;
        ImageWaiter *waiters;
        size_t n_waiters;
        Job *job;                       /* the "build" job */
        bool requested;                 /* by BuildImage: goes on when the last waiter leaves */
        bool canceled;
};

int template_load(const char *name, TemplateInfo **ret, char **ret_error) {
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/%s/template.yaml", sysctr_template_dir(), name) < 0)
                return -ENOMEM;
        return template_info_load(path, name, ret, ret_error);
}

static int strcmp_ptr(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

/* The sorted names of the entries of dir that are not hidden and that keep() accepts; a missing
 * dir has none. */
static int list_dir_names(const char *dir, bool (*keep)(const char *name), char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        DIR *d;
        int r = 0;

        d = opendir(dir);
        if (!d && errno != ENOENT)
                return -errno;
        for (struct dirent *de; d && (de = readdir(d)); ) {
                if (de->d_name[0] == '.' || !keep(de->d_name))
                        continue;
                r = strv_extend(&l, de->d_name);
                if (r < 0)
                        break;
        }
        if (d)
                closedir(d);
        if (r < 0)
                return r;
        if (!l && !(l = calloc(1, sizeof(char *))))
                return -ENOMEM;
        qsort(l, strv_length(l), sizeof(char *), strcmp_ptr);
        *ret = TAKE_PTR(l);
        return 0;
}

static bool template_exists(const char *name) {
        char p[PATH_MAX];

        (void) snprintf(p, sizeof(p), "%s/%s/template.yaml", sysctr_template_dir(), name);
        return access(p, R_OK) >= 0;
}

int template_list_names(char ***ret) {
        return list_dir_names(sysctr_template_dir(), template_exists, ret);
}

const char *image_native_arch(void) {
        static const struct {
                const char *machine, *arch;
        } table[] = {
                { "x86_64", "amd64" }, { "aarch64", "arm64" }, { "i686", "i386" }, { "armv7l", "armhf" },
                { "ppc64le", "ppc64el" }, { "s390x", "s390x" }, { "riscv64", "riscv64" },
        };
        static struct utsname u;

        if (uname(&u) < 0)
                return "unknown";
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(u.machine, table[i].machine))
                        return table[i].arch;
        return u.machine;
}

static char *images_dir(void) {
        return sysctr_images_dir();
}

static ImageBuild *image_build_free(ImageBuild *b) {
        if (!b)
                return NULL;
        sd_event_source_disable_unref(b->child_source);
        sd_event_source_disable_unref(b->output_source);
        safe_close(b->output_fd);
        safe_close(b->log_fd);
        free(b->waiters);
        free(b->template);
        free(b->release);
        strv_free(b->env);
        free(b->image);
        free(b->tmpdir);
        free(b);
        return NULL;
}

static void build_finish(ImageBuild *b, int error, const char *message);

void image_builds_free(Manager *m) {
        while (m->builds) {
                ImageBuild *b = m->builds;

                /* The builder is ours; it must not go on writing into a directory nobody will rename. */
                if (b->pid > 0)
                        (void) kill(-b->pid, SIGTERM);
                b->pid = 0;
                b->canceled = true;
                build_finish(b, -ECANCELED, "sysctrd is shutting down.");
        }
}

/* Stop the builder (its whole process group: mmdebstrap runs apt and dpkg); its exit finishes the
 * build as canceled and removes the temporary tree. */
static void build_cancel(ImageBuild *b) {
        if (b->canceled || b->pid <= 0)
                return;
        b->canceled = true;
        log_info("Canceling the build of image %s.", b->image);
        (void) kill(-b->pid, SIGTERM);
}

static int build_job_cancel(Job *j, sd_bus_error *error) {
        build_cancel(j->userdata);
        return 0;
}

int image_cleanup_leftovers(Manager *m) {
        _cleanup_free_ char *dir = images_dir();
        _cleanup_close_ int fd = -EBADF;
        DIR *d;

        if (!dir)
                return log_oom();
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(-errno, "Failed to open %s: %m", dir);
        d = fdopendir(fcntl(fd, F_DUPFD_CLOEXEC, 3));
        if (!d)
                return log_error_errno(-errno, "Failed to open %s: %m", dir);
        for (struct dirent *de; (de = readdir(d)); )
                if (strneq(de->d_name, ".#", 2)) {
                        log_info("Removing %s/%s, left by an interrupted image build.", dir, de->d_name);
                        (void) rm_rf_at(fd, de->d_name);
                }
        closedir(d);
        return 0;
}

static void build_unlink(Manager *m, ImageBuild *b) {
        for (ImageBuild **p = &m->builds; *p; p = &(*p)->next)
                if (*p == b) {
                        *p = b->next;
                        return;
                }
}

/* The last lines of the build log: what a user needs to see why a build failed. */
static char *build_log_tail(const char *tmpdir) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        size_t n;
        char *p;
        int lines = 0;

        if (asprintf(&path, "%s/build.log", tmpdir) < 0 || read_full_file(path, &text, &n) < 0)
                return NULL;
        while (n > 0 && text[n - 1] == '\n')
                text[--n] = '\0';
        for (p = text + n; p > text; p--)
                if (p[-1] == '\n' && ++lines >= 5)
                        break;
        return strdup(p);
}

static void build_set_progress(ImageBuild *b, double progress) {
        if (b->job)
                job_set_progress(b->job, progress);
        for (size_t i = 0; i < b->n_waiters; i++)
                if (b->waiters[i].follower)
                        job_set_progress(b->waiters[i].follower, progress);
}

/* One line of the builder's output: into build.log, and to whoever listens (sysctr shows it as
 * progress on a terminal). Progress bars redraw with '\r': keep only the last state of a line. */
static void build_emit_line(ImageBuild *b) {
        char *p = b->line, *cr;

        b->line[b->line_len] = '\0';
        while ((cr = strchr(p, '\r')) && cr[1])
                p = cr + 1;
        if (cr)
                *cr = '\0';
        b->line_len = 0;
        /* The template contract: "PROGRESS=NN" (percent) says how far the build is. */
        if (strneq(p, "PROGRESS=", 9)) {
                char *end;
                unsigned long v = strtoul(p + 9, &end, 10);

                if (*end == '\0' && end != p + 9 && v <= 100)
                        build_set_progress(b, (double) v / 100.0);
                return;
        }
        if (b->log_fd >= 0)
                (void) !dprintf(b->log_fd, "%s\n", p);
        if (b->manager->bus)
                (void) sd_bus_emit_signal(b->manager->bus, SYSCTR_MANAGER_PATH, SYSCTR_MANAGER_INTERFACE,
                                          "ImageBuildProgress", "ss", b->image, p);
}

static int build_read_output(ImageBuild *b) {
        char buf[4096];
        ssize_t n;

        for (;;) {
                n = read(b->output_fd, buf, sizeof(buf));
                if (n < 0)
                        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
                if (n == 0)
                        break;
                for (ssize_t i = 0; i < n; i++) {
                        if (buf[i] == '\n' || b->line_len >= sizeof(b->line) - 1)
                                build_emit_line(b);
                        if (buf[i] != '\n')
                                b->line[b->line_len++] = buf[i];
                }
        }
        /* EOF */
        if (b->line_len > 0)
                build_emit_line(b);
        b->output_source = sd_event_source_disable_unref(b->output_source);
        b->output_fd = safe_close(b->output_fd);
        return 0;
}

static int on_build_output(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        return build_read_output(userdata), 0;
}

static int write_image_info(ImageBuild *b) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        struct timespec ts;

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        if (asprintf(&path, "%s/image.info", b->tmpdir) < 0 ||
            asprintf(&text, "TEMPLATE=%s\nRELEASE=%s\nARCH=%s\nCREATED=%llu\n", b->template, strempty(b->release),
                     image_native_arch(), (unsigned long long) ts.tv_sec) < 0)
                return -ENOMEM;
        return write_file_atomic(path, text, strlen(text), 0644);
}

static void build_finish(ImageBuild *b, int error, const char *message) {
        Manager *m = b->manager;
        Job *j = TAKE_PTR(b->job);

        build_unlink(m, b);
        if (b->canceled)
                error = -ECANCELED, message = "The image build was canceled.";
        for (size_t i = 0; i < b->n_waiters; i++)
                b->waiters[i].callback(m, error, message, b->waiters[i].userdata);
        if (b->canceled)
                job_finish(j, JOB_CANCELED, SYSCTR_ERROR_CANCELED, "%s", message);
        else if (error < 0)
                job_finish(j, JOB_FAILED, SYSCTR_ERROR_TEMPLATE_FAILED, "%s", message ?: "The image build failed.");
        else
                job_finish(j, JOB_DONE, NULL, NULL);
        image_build_free(b);
}

/* Publish atomically, as a new version (image-store.c): the image appears whole or not at all, and
 * a rebuild leaves the version that containers were made from where it is. A first build that finds
 * the image published meanwhile (by another path) keeps that one. */
static int build_publish(ImageBuild *b) {
        int r;

        r = write_image_info(b);
        if (r < 0)
                return r;
        if (!b->replace && image_exists(b->image))
                return rm_rf(b->tmpdir);
        return image_publish(b->manager, b->image, b->tmpdir, NULL);
}

static int on_build_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        ImageBuild *b = userdata;
        _cleanup_free_ char *tail = NULL, *msg = NULL;
        int r;

        b->pid = 0;
        /* Whatever the builder said last is still in the pipe. */
        if (b->output_fd >= 0)
                (void) build_read_output(b);
        b->log_fd = safe_close(b->log_fd);

        if (si->si_code != CLD_EXITED || si->si_status != 0) {
                tail = build_log_tail(b->tmpdir);
                (void) asprintf(&msg, "Building image \"%s\" failed (%s %d)%s%s", b->image,
                                si->si_code == CLD_EXITED ? "exit status" : "signal", si->si_status,
                                tail ? ":\n" : ".", strempty(tail));
                log_error("%s", msg ?: "Building an image failed.");
                (void) rm_rf(b->tmpdir);
                build_finish(b, -EIO, msg ?: "Building the image failed.");
                return 0;
        }
        r = build_publish(b);
        if (r < 0) {
                log_error_errno(r, "Failed to store image %s from %s: %m", b->image, b->tmpdir);
                (void) rm_rf(b->tmpdir);
                build_finish(b, r, r == -ENOSPC ? "Failed to store the built image: no space left on the state "
                                                  "file system." : "Failed to store the built image.");
                return 0;
        }
        log_info("Image %s is ready.", b->image);
        build_finish(b, 0, NULL);
        return 0;
}

_noreturn_ static void exec_builder(const char *template, const char *image, const char *release,
                                    char * const *env, const char *tmpdir, int output_fd) {
        _cleanup_free_ char *builder = NULL, *rootfs = NULL;
        sigset_t ss;
        int fd;

        sigemptyset(&ss);
        (void) sigprocmask(SIG_SETMASK, &ss, NULL);
        /* sysctrd ignores SIGPIPE, and exec keeps that: the builder's pipelines ("... | head") would
         * see EPIPE errors instead of the quiet end that shells expect. */
        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void) signal(sig, SIG_DFL);
        /* A process group of its own, so that a cancel reaches everything the builder runs. */
        (void) setpgid(0, 0);
        if (asprintf(&builder, "%s/%s/build", sysctr_template_dir(), template) < 0 ||
            asprintf(&rootfs, "%s/rootfs", tmpdir) < 0)
                _exit(EXIT_FAILURE);
        if (dup2(output_fd, STDOUT_FILENO) < 0 || dup2(output_fd, STDERR_FILENO) < 0)
                _exit(EXIT_FAILURE);
        fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
                _exit(EXIT_FAILURE);
        /* $SYSCTR_BUILD_NETNS: the network namespace the builders fetch their packages from, when
         * sysctrd itself runs in one without a way out (the test suite's instances do). */
        const char *netns = getenv("SYSCTR_BUILD_NETNS");
        if (netns) {
                int ns = open(netns, O_RDONLY | O_CLOEXEC);
                if (ns < 0 || setns(ns, CLONE_NEWNET) < 0) {
                        fprintf(stderr, "Failed to enter the network namespace %s: %m\n", netns);
                        _exit(EXIT_FAILURE);
                }
                safe_close(ns);
                (void) unsetenv("SYSCTR_BUILD_NETNS");
        }
        (void) unsetenv("NOTIFY_SOCKET");
        STRV_FOREACH(e, env)
                (void) putenv(*e);
        execl(builder, builder, "--name", image, "--rootfs", rootfs, "--release", strempty(release), "--arch",
              image_native_arch(), (char *) NULL);
        fprintf(stderr, "Failed to execute %s: %m\n", builder);
        _exit(127);
}

static int image_build_start(Manager *m, const char *template, const char *release, const char *image,
                             bool replace, char * const *env, ImageBuild **ret) {
        _cleanup_free_ char *images = images_dir(), *log_path = NULL;
        _cleanup_close_pair_ int output[2] = { -EBADF, -EBADF };
        ImageBuild *b;
        int r;

        if (!images)
                return -ENOMEM;
        b = calloc(1, sizeof(ImageBuild));
        if (!b)
                return -ENOMEM;
        b->manager = m;
        b->output_fd = b->log_fd = -EBADF;
        b->replace = replace;
        b->image = strdup(image);
        b->template = strdup(template);
        b->release = release ? strdup(release) : NULL;
        b->env = env ? strv_copy(env) : NULL;
        if (!b->image || !b->template || (release && !b->release) || (env && !b->env) ||
            asprintf(&b->tmpdir, "%s/.#build-%s-XXXXXX", images, image) < 0) {
                image_build_free(b);
                return -ENOMEM;
        }
        if (!mkdtemp(b->tmpdir)) {
                r = -errno;
                image_build_free(b);
                return r;
        }
        /* The image directory is what the overlay's lower layer hangs from: readable by the guest. */
        (void) chmod(b->tmpdir, 0755);

        if (asprintf(&log_path, "%s/build.log", b->tmpdir) < 0 || pipe2(output, O_CLOEXEC) < 0) {
                r = log_path ? -errno : -ENOMEM;
                (void) rm_rf(b->tmpdir);
                image_build_free(b);
                return r;
        }
        b->log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        b->pid = fork();
        if (b->pid < 0) {
                r = -errno;
                (void) rm_rf(b->tmpdir);
                image_build_free(b);
                return r;
        }
        if (b->pid == 0)
                exec_builder(template, image, release, b->env, b->tmpdir, output[1]);

        output[1] = safe_close(output[1]);
        (void) fcntl(output[0], F_SETFL, O_NONBLOCK);
        b->output_fd = TAKE_FD(output[0]);
        r = sd_event_add_io(m->event, &b->output_source, b->output_fd, EPOLLIN, on_build_output, b);
        if (r >= 0)
                r = sd_event_add_child(m->event, &b->child_source, b->pid, WEXITED, on_build_exit, b);
        if (r < 0) {
                (void) kill(b->pid, SIGKILL);
                (void) waitpid(b->pid, NULL, 0);
                (void) rm_rf(b->tmpdir);
                image_build_free(b);
                return r;
        }
        (void) setpgid(b->pid, b->pid);
        r = job_new(m, JOB_BUILD, image, "/", &b->job);
        if (r >= 0) {
                b->job->userdata = b;
                b->job->cancel = build_job_cancel;
        } else
                log_warning_errno(r, "Failed to make a job for the build of %s: %m", image);
        log_info("Building image %s from template %s (pid %d).", image, template, (int) b->pid);
        b->next = m->builds;
        m->builds = b;
        *ret = b;
        return 0;
}

bool image_exists(const char *image) {
        _cleanup_free_ char *rootfs = NULL;
        struct stat st;

        if (asprintf(&rootfs, "%s/images/%s/rootfs", sysctr_state_dir(), image) < 0)
                return false;
        return stat(rootfs, &st) >= 0 && S_ISDIR(st.st_mode);
}

bool image_is_building(Manager *m, const char *image) {
        for (ImageBuild *b = m->builds; b; b = b->next)
                if (streq(b->image, image))
                        return true;
        return false;
}

static ImageBuild *build_find(Manager *m, const char *image) {
        for (ImageBuild *b = m->builds; b; b = b->next)
                if (streq(b->image, image))
                        return b;
        return NULL;
}

int image_ensure(Manager *m, const char *template, const char *release, const char *image, bool rebuild,
                 ImageReadyCallback callback, void *userdata, Job **ret_job) {
        return image_ensure_env(m, template, release, image, rebuild, NULL, callback, userdata, ret_job);
}

int image_ensure_env(Manager *m, const char *template, const char *release, const char *image, bool rebuild,
                     char * const *env, ImageReadyCallback callback, void *userdata, Job **ret_job) {
        ImageBuild *b;
        ImageWaiter *w;
        int r;

        if (!rebuild && image_exists(image))
                return 1;

        b = build_find(m, image);
        if (!b) {
                r = image_build_start(m, template, release, image, rebuild, env, &b);
                if (r < 0)
                        return r;
        }
        if (!callback) {
                b->requested = true;
        } else {
                w = realloc(b->waiters, (b->n_waiters + 1) * sizeof(ImageWaiter));
                if (!w)
                        return -ENOMEM;
                b->waiters = w;
                b->waiters[b->n_waiters++] = (ImageWaiter) { callback, userdata, NULL };
        }
        if (ret_job)
                *ret_job = b->job;
        return 0;
}

void image_follow_progress(Manager *m, void *userdata, Job *follower) {
        for (ImageBuild *b = m->builds; b; b = b->next)
                for (size_t i = 0; i < b->n_waiters; i++)
                        if (b->waiters[i].userdata == userdata) {
                                b->waiters[i].follower = follower;
                                if (b->job && b->job->progress >= 0)
                                        job_set_progress(follower, b->job->progress);
                        }
}

void image_forget_waiter(Manager *m, void *userdata) {
        for (ImageBuild *b = m->builds; b; b = b->next) {
                for (size_t i = 0; i < b->n_waiters; i++)
                        if (b->waiters[i].userdata == userdata) {
                                memmove(b->waiters + i, b->waiters + i + 1,
                                        (b->n_waiters - i - 1) * sizeof(ImageWaiter));
                                b->n_waiters--;
                                i--;
                        }
                /* Nobody wants it any more. */
                if (b->n_waiters == 0 && !b->requested)
                        build_cancel(b);
        }
}

void image_info_done(ImageInfo *i) {
        free(i->name);
        free(i->template);
        free(i->release);
        free(i->arch);
        *i = (ImageInfo) {};
}

int image_info_read(const char *image, ImageInfo *ret) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        ImageInfo i = {};
        char *saveptr = NULL;
        int r;

        if (asprintf(&path, "%s/images/%s/image.info", sysctr_state_dir(), image) < 0)
                return -ENOMEM;
        r = read_full_file(path, &text, NULL);
        if (r < 0)
                return r;
        i.name = strdup(image);
        if (!i.name)
                return -ENOMEM;
        for (char *l = strtok_r(text, "\n", &saveptr); l; l = strtok_r(NULL, "\n", &saveptr)) {
                char **target = NULL, *v = strchr(l, '=');

                if (!v)
                        continue;
                *v++ = '\0';
                if (streq(l, "TEMPLATE"))
                        target = &i.template;
                else if (streq(l, "RELEASE"))
                        target = &i.release;
                else if (streq(l, "ARCH"))
                        target = &i.arch;
                else if (streq(l, "CREATED"))
                        i.created = strtoull(v, NULL, 10);
                if (target) {
                        free(*target);
                        *target = strdup(v);
                        if (!*target) {
                                image_info_done(&i);
                                return -ENOMEM;
                        }
                }
        }
        *ret = i;
        return 0;
}

int image_list_names(char ***ret) {
        _cleanup_free_ char *dir = images_dir();

        if (!dir)
                return -ENOMEM;
        return list_dir_names(dir, image_exists, ret);
}

int image_remove(const char *image) {
        _cleanup_free_ char *dir = images_dir(), *target = NULL, *tmp = NULL;

        if (!dir || asprintf(&target, "%s/%s", dir, image) < 0 ||
            asprintf(&tmp, "%s/.#removed-%s-%08lx", dir, image, random()) < 0)
                return -ENOMEM;
        if (renameat2(AT_FDCWD, target, AT_FDCWD, tmp, RENAME_NOREPLACE) < 0)
                return -errno;
        (void) fsync_directory_of(dir);
        return rm_rf(tmp);
}
