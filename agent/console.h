/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "macro.h"

/* The container's console: a pty pair opened on the host. The slave becomes the guest's
 * /dev/console (and its init's stdin/stdout/stderr); the agent keeps the master and drains it into
 * a size-capped log file, so the guest never blocks writing to its console. Each boot gets a fresh
 * pair. A later "sysctr console" relay hooks in at console_drain(): what it reads goes to the log
 * and to the attached client, and the client's input is written to master_fd. */

typedef struct Console {
        int master_fd;          /* O_NONBLOCK, watched edge-triggered (see console_drain()) */
        char *slave_path;       /* host path of the slave, e.g. /dev/pts/7 */
        int log_fd;
        char *log_path;
        uint64_t log_size;
} Console;

#define CONSOLE_INIT ((Console) { .master_fd = -EBADF, .log_fd = -EBADF })

/* Older output moves to "<log>.1" when the log would grow beyond this. */
#define CONSOLE_LOG_MAX (1024U * 1024U)

/* Open (append to) the log at log_path. */
int console_open_log(Console *c, const char *log_path);
/* Open a new pty pair; the master replaces any previous one. */
int console_open_pty(Console *c);
/* Read whatever the master has into the log. Never fails on a hung-up or closed slave. */
int console_drain(Console *c);
/* Drain and close the pty master (the guest is gone). */
void console_close_pty(Console *c);
void console_done(Console *c);
