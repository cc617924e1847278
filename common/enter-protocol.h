/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* How sysctrd and sysctr-enter talk: sysctrd forks, and the child executes a sealed in-memory copy
 * of sysctr-enter (so that no host binary is reachable through /proc/PID/exe from inside the
 * container) with these file descriptors and arguments:
 *
 *   fd 0, 1, 2   the command's standard streams (pipes), or /dev/null for a terminal session
 *   fd 3         ENTER_CONTROL_FD: a SOCK_SEQPACKET socket to sysctrd, for EnterMessage records
 *   fd 4         ENTER_LEADER_FD: a pidfd of the container's init
 *
 *   sysctr-enter --leader=PID --mode=exec|pty|shell [--user=NAME] [--workdir=DIR] [--rows=N]
 *                [--columns=N] [--env=VAR=VALUE]... [--test-delay-ms=N] -- COMMAND [ARG]...
 *
 * (--mode=shell takes no command: the user's login session is chosen inside.) sysctr-enter answers
 * with exactly one ENTER_STARTED (for pty and shell with the terminal's master attached by
 * SCM_RIGHTS) or one ENTER_FAILED, and after ENTER_STARTED with one ENTER_EXITED when the command
 * has ended. */

#define ENTER_CONTROL_FD 3
#define ENTER_LEADER_FD 4

typedef enum EnterMessageType {
        ENTER_STARTED,          /* pid: the command's host PID; text: the pty's name inside */
        ENTER_FAILED,           /* failure, error, text: what went wrong */
        ENTER_EXITED,           /* code (CLD_EXITED, CLD_KILLED, CLD_DUMPED), status */
} EnterMessageType;

typedef enum EnterFailure {
        ENTER_FAILURE_ENTER,            /* joining the container (cgroup, namespaces, root) */
        ENTER_FAILURE_NOT_FOUND,        /* the command is not in the container */
        ENTER_FAILURE_NOT_EXECUTABLE,   /* it is there but cannot be executed */
        ENTER_FAILURE_NO_USER,          /* no such user in the guest's /etc/passwd */
        ENTER_FAILURE_WORKDIR,          /* the working directory cannot be entered */
        ENTER_FAILURE_TERMINAL,         /* no terminal could be made in the container */
        ENTER_FAILURE_CONFINE,          /* the container's capabilities and seccomp filter */
} EnterFailure;

typedef struct EnterMessage {
        int32_t type;
        int32_t failure;
        int32_t error;          /* positive errno, or 0 */
        int32_t pid;
        int32_t code;
        int32_t status;
        char text[256];         /* NUL-terminated */
} EnterMessage;
