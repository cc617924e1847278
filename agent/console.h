/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "macro.h"

/* The container's console: a pty pair opened on the host. The slave becomes the guest's
 * /dev/console (and its init's stdin/stdout/stderr); the agent keeps the master and drains it into
 * a size-capped log file, so the guest never blocks writing to its console. Each boot gets a fresh
 * pair; the size is fixed at 80x24.
 *
 * The relay for "sysctr console": a stream socket, <runtime>/containers/NAME/console.sock (0600, in
 * the 0700 runtime directory: root only). One client at a time; a second one gets one line saying
 * the console is busy and is closed (no take-over: a console is not stolen from under someone).
 * On attach the client gets the tail of console.log (from the start of a line, at most
 * CONSOLE_REPLAY_MAX bytes) so it sees the last prompt; then what the guest writes goes to the log
 * and to the client, and the client's bytes go to the guest, raw: no in-band protocol, no window
 * size changes. A client that does not keep up loses output (the log keeps it) rather than stall
 * the guest; the client's input waits while the pty does not take it. Detach: the client closes
 * its end. The client stays attached across guest reboots. */

#define CONSOLE_REPLAY_MAX 4096U
#define CONSOLE_INPUT_MAX 4096U
#define CONSOLE_BUSY_MESSAGE "sysctr: the console is in use by another client.\r\n"

typedef struct Console {
        int master_fd;          /* O_NONBLOCK, watched edge-triggered (see console_drain()) */
        char *slave_path;       /* host path of the slave, e.g. /dev/pts/7 */
        int log_fd;
        char *log_path;
        uint64_t log_size;
        int listen_fd;          /* console.sock, -EBADF until console_listen() */
        int client_fd;          /* the attached client, -EBADF if none */
        size_t n_input;         /* bytes of input the pty did not take yet */
        char input[CONSOLE_INPUT_MAX];
} Console;

#define CONSOLE_INIT \
        ((Console) { .master_fd = -EBADF, .log_fd = -EBADF, .listen_fd = -EBADF, .client_fd = -EBADF })

/* Older output moves to "<log>.1" when the log would grow beyond this. */
#define CONSOLE_LOG_MAX (1024U * 1024U)

/* Open (append to) the log at log_path. */
int console_open_log(Console *c, const char *log_path);
/* Open a new pty pair; the master replaces any previous one. */
int console_open_pty(Console *c);
/* Read whatever the master has into the log (and to the client). Never fails on a hung-up or closed
 * slave. */
int console_drain(Console *c);
/* Drain and close the pty master (the guest is gone). */
void console_close_pty(Console *c);
void console_done(Console *c);

/* Listen on name in the directory dir_fd (a stale socket is replaced), mode 0600. */
int console_listen(Console *c, int dir_fd, const char *name);
/* Accept a client: 1 attached (client_fd is new), 0 refused (busy) or none waiting, <0 error. */
int console_accept(Console *c);
/* The client's bytes to the pty. -ECONNRESET when the client went away (then it is detached). */
int console_client_input(Console *c);
/* Write pending input to the pty when it can take it again. */
void console_flush_input(Console *c);
void console_detach(Console *c);

