/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "crash-point.h"
#include "log.h"
#include "worker.h"

struct Worker {
        Worker *next;
        Manager *manager;
        pid_t pid;
        int fd;                         /* the child's reports */
        sd_event_source *child_source, *io_source;
        Job *job;
        WorkerDone done;
        void *userdata;
        char line[1024];
        size_t line_len;
        char *message;                  /* the child's last ERROR= */
        bool canceled;
};

/* In the child: the pipe's write end. */
static int report_fd = -EBADF;

static Worker *worker_free(Worker *w) {
        if (!w)
                return NULL;
        sd_event_source_disable_unref(w->child_source);
        sd_event_source_disable_unref(w->io_source);
        safe_close(w->fd);
        free(w->message);
        free(w);
        return NULL;
}

static void worker_unlink(Worker *w) {
        for (Worker **p = (Worker **) &w->manager->workers; *p; p = &(*p)->next)
                if (*p == w) {
                        *p = w->next;
                        return;
                }
}

static void worker_line(Worker *w) {
        w->line[w->line_len] = '\0';
        w->line_len = 0;
        if (strneq(w->line, "PROGRESS=", 9)) {
                double p = strtod(w->line + 9, NULL);

                if (w->job && p >= 0 && p <= 1)
                        job_set_progress(w->job, p);
        } else if (strneq(w->line, "ERROR=", 6)) {
                free(w->message);
                w->message = strdup(w->line + 6);
        }
}

static void worker_read(Worker *w) {
        char buf[4096];
        ssize_t n;

        if (w->fd < 0)
                return;
        while ((n = read(w->fd, buf, sizeof(buf))) > 0)
                for (ssize_t i = 0; i < n; i++) {
                        if (buf[i] == '\n' || w->line_len >= sizeof(w->line) - 1)
                                worker_line(w);
                        if (buf[i] != '\n')
                                w->line[w->line_len++] = buf[i];
                }
        if (n == 0) {
                /* EOF: the child is gone or going; its exit ends the worker. */
                w->io_source = sd_event_source_disable_unref(w->io_source);
                w->fd = safe_close(w->fd);
        }
}

static int on_worker_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        worker_read(userdata);
        return 0;
}

static int on_worker_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        Worker *w = userdata;
        int error = 0;

        worker_read(w);
        if (w->line_len > 0)
                worker_line(w);
        if (w->canceled)
                error = -ECANCELED;
        else if (si->si_code != CLD_EXITED)
                error = -EINTR;
        else if (si->si_status != 0)
                error = -si->si_status;
        worker_unlink(w);
        w->done(w->manager, error, w->message, w->userdata);
        worker_free(w);
        return 0;
}

/* Everything from 3 up but the report pipe and keep. */
static void close_others(int report, int keep) {
        int lo = MIN(report, keep < 0 ? report : keep), hi = MAX(report, keep);

        (void) close_range(3, (unsigned) lo - 1, 0);
        if (hi > lo + 1)
                (void) close_range((unsigned) lo + 1, (unsigned) hi - 1, 0);
        (void) close_range((unsigned) hi + 1, ~0U, 0);
}

_noreturn_ static void worker_child(WorkerFunc func, void *userdata, int fd, int keep) {
        sigset_t ss;
        int r;

        close_others(fd, keep);
        /* sysctrd's death (a crash, kill -9) ends us too: what we made is a temporary it removes. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                _exit(EXIT_FAILURE);
        sigemptyset(&ss);
        (void) sigprocmask(SIG_SETMASK, &ss, NULL);
        (void) signal(SIGPIPE, SIG_IGN);
        report_fd = fd;
        crash_point_set_worker();
        r = func(userdata);
        _exit(r < 0 ? MIN(-r, 255) : 0);
}

int worker_start_full(Manager *m, WorkerFunc func, void *func_userdata, int keep_fd, Job *job, WorkerDone done,
                      void *userdata, Worker **ret) {
        _cleanup_close_pair_ int pipe_fds[2] = { -EBADF, -EBADF };
        Worker *w;
        int r;

        if (pipe2(pipe_fds, O_CLOEXEC) < 0)
                return -errno;
        w = calloc(1, sizeof(Worker));
        if (!w)
                return -ENOMEM;
        *w = (Worker) { .manager = m, .fd = -EBADF, .job = job, .done = done, .userdata = userdata };
        w->pid = fork();
        if (w->pid < 0) {
                r = -errno;
                worker_free(w);
                return r;
        }
        if (w->pid == 0) {
                pipe_fds[0] = safe_close(pipe_fds[0]);
                worker_child(func, func_userdata, pipe_fds[1], keep_fd);
        }
        pipe_fds[1] = safe_close(pipe_fds[1]);
        (void) fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
        w->fd = TAKE_FD(pipe_fds[0]);
        r = sd_event_add_io(m->event, &w->io_source, w->fd, EPOLLIN, on_worker_io, w);
        if (r >= 0)
                r = sd_event_add_child(m->event, &w->child_source, w->pid, WEXITED, on_worker_exit, w);
        if (r < 0) {
                (void) kill(w->pid, SIGKILL);
                (void) waitpid(w->pid, NULL, 0);
                worker_free(w);
                return r;
        }
        /* The child exits before its pipe is drained: read what is left when it does. */
        (void) sd_event_source_set_priority(w->io_source, SD_EVENT_PRIORITY_NORMAL - 1);
        w->next = m->workers;
        m->workers = w;
        if (ret)
                *ret = w;
        return 0;
}

void worker_cancel(Worker *w) {
        if (!w || w->canceled)
                return;
        w->canceled = true;
        (void) kill(w->pid, SIGKILL);
}

void manager_free_workers(Manager *m) {
        while (m->workers) {
                Worker *w = m->workers;

                m->workers = w->next;
                (void) kill(w->pid, SIGKILL);
                (void) waitpid(w->pid, NULL, 0);
                worker_free(w);
        }
}

void worker_report_progress(double progress) {
        if (report_fd >= 0)
                (void) dprintf(report_fd, "PROGRESS=%.3f\n", progress);
}

void worker_report_error(const char *format, ...) {
        char buf[900];
        va_list ap;

        va_start(ap, format);
        (void) vsnprintf(buf, sizeof(buf), format, ap);
        va_end(ap);
        for (char *p = buf; *p; p++)
                if (*p == '\n')
                        *p = ' ';
        if (report_fd >= 0)
                (void) dprintf(report_fd, "ERROR=%s\n", buf);
        log_debug("%s", buf);
}
