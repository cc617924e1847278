/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "job.h"
#include "manager.h"

/* Long storage work (copying layers, writing and reading archives, making file systems) in a child
 * process, so that sysctrd goes on answering while it runs. The child dies with sysctrd
 * (PR_SET_PDEATHSIG): whatever it was making is a temporary ("<dir>/.#..."), removed at the next
 * start. It reports progress and a last error message through a pipe; its end is reported once, to
 * done(), in the event loop.
 *
 * In the child, only plain system calls: it is a fork of sysctrd, whose bus and event loop it must
 * not touch. */

typedef struct Worker Worker;

/* Runs in the child. 0 or a negative errno; worker_report_*() say more. */
typedef int (*WorkerFunc)(void *userdata);
/* In sysctrd: error 0, or negative errno (-ECANCELED when canceled), with the child's last message. */
typedef void (*WorkerDone)(Manager *m, int error, const char *message, void *userdata);

/* Starts func(func_userdata) in a child. job (may be NULL) shows its progress. The child keeps no
 * descriptor of sysctrd's but keep_fd (may be -EBADF): another client's pipe must not stay open in
 * it, or that pipe's reader never sees its end. */
int worker_start_full(Manager *m, WorkerFunc func, void *func_userdata, int keep_fd, Job *job, WorkerDone done,
                      void *userdata, Worker **ret);
static inline int worker_start(Manager *m, WorkerFunc func, void *func_userdata, Job *job, WorkerDone done,
                               void *userdata, Worker **ret) {
        return worker_start_full(m, func, func_userdata, -EBADF, job, done, userdata, ret);
}
/* Kill the child; done() follows with -ECANCELED. */
void worker_cancel(Worker *w);
/* At shutdown: kill every child, call nobody. */
void manager_free_workers(Manager *m);

/* For the child: progress (0..1) and the message that explains a failure. */
void worker_report_progress(double progress);
void worker_report_error(const char *format, ...) _printf_(1, 2);
