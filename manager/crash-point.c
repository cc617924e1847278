/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "crash-point.h"
#include "log.h"
#include "macro.h"

static bool in_worker = false;

void crash_point_set_worker(void) {
        in_worker = true;
}

void crash_point(const char *name) {
        const char *want = getenv("SYSCTR_TEST_CRASH_AT");
        pid_t daemon;

        if (isempty(want) || !streq(want, name))
                return;
        log_warning("SYSCTR_TEST_CRASH_AT=%s: killing sysctrd here.", name);
        /* A worker (a child of sysctrd that dies with it) takes its parent along. */
        daemon = in_worker ? getppid() : getpid();
        (void) kill(daemon, SIGKILL);
        (void) raise(SIGKILL);
}
