/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <termios.h>

#include "macro.h"

/* The caller's terminal, switched to raw mode for an interactive session and put back afterwards. */
typedef struct TerminalState {
        int fd;                 /* -EBADF: not a terminal, nothing to restore */
        struct termios saved;
} TerminalState;

#define TERMINAL_STATE_NULL ((TerminalState) { .fd = -EBADF })

/* Saves the mode of fd (if it is a terminal: returns 0 and leaves ret->fd at -EBADF otherwise). */
int terminal_save(int fd, TerminalState *ret);
/* Raw mode (cfmakeraw(3)): every byte, ^C and ^Z included, goes to the other side. */
int terminal_make_raw(const TerminalState *s);
/* Puts the saved mode back, after the output so far has been written. Safe to call twice. */
void terminal_restore(TerminalState *s);

typedef enum RelayEnd {
        RELAY_CHILD_EXITED,     /* the process of the session exited */
        RELAY_PEER_CLOSED,      /* the other side closed the connection */
        RELAY_DETACHED,         /* the user pressed the escape sequence */
        RELAY_INPUT_DONE,       /* end of input, and the output went quiet */
        RELAY_OUTPUT_CLOSED,    /* standard output went away (EPIPE) */
        RELAY_SIGNAL,           /* a terminating signal arrived */
} RelayEnd;

/* The escape of "sysctr console": ^] (0x1d) three times within a second, as systemd-nspawn. */
#define RELAY_ESCAPE_CHAR 0x1d
#define RELAY_ESCAPE_COUNT 3
#define RELAY_ESCAPE_USEC USEC_PER_SEC

typedef struct RelayParams {
        int peer_fd;            /* a pty master or a connected socket; made non-blocking */
        bool peer_is_pty;       /* window size changes go to it; the end of input is sent as VEOF */
        bool escape;            /* the escape sequence ends the relay */
        /* The process of the session: the relay ends (after draining) once child_check() returns > 0,
         * which it calls when child_fd (e.g. a bus connection waiting for the process's end) has
         * something to read. -EBADF: none, the relay ends when the peer goes away. */
        int child_fd;
        int (*child_check)(void *userdata);
        void *userdata;
        /* After the end of standard input (a socket peer only): end once the peer has sent nothing
         * for this long, and at the latest after linger_max_usec. */
        uint64_t linger_quiet_usec, linger_max_usec;
} RelayParams;

/* The signals the relay handles (block them before the session starts; see relay_run()). */
void relay_signals(sigset_t *ret);

/* Copies standard input to the peer and the peer to standard output until one of RelayEnd happens
 * (returned), or a negative errno after logging. relay_signals() must be blocked: SIGWINCH resizes a
 * pty peer to the caller's terminal, the others end the relay (*ret_signal says which). */
int relay_run(const RelayParams *p, int *ret_signal);

/* A command's pipes: our stdin to in (closed at its end), out to our stdout, err to our stderr, until
 * both are at their end (RELAY_CHILD_EXITED) or a signal of relay_signals() but SIGWINCH comes
 * (RELAY_SIGNAL). Takes the three descriptors. */
int relay_pipes(int in, int out, int err, int *ret_signal);

/* fd to our stdout until its end, or until SIGINT, SIGTERM or SIGHUP (0 either way). */
int relay_copy_to_stdout(int fd);
