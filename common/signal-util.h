/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Signal names as they appear in config files, D-Bus properties and on the command line. */

/* Long enough for "SIGRTMIN+NN" and any "SIG<name>" of the table, plus the NUL. */
#define SIGNAL_STRING_MAX 16U

/* Accepts "SIGUSR2", "USR2", "12", "SIGRTMIN+3", "RTMIN+3", "SIGRTMAX-2", "SIGRTMIN", "RTMAX".
 * Upper case only. Real-time offsets are checked against SIGRTMIN/SIGRTMAX of this process at run
 * time (glibc reserves a few). Returns the signal number (> 0) or -EINVAL. */
int signal_from_string(const char *s);

/* "SIGUSR2", "SIGRTMIN+3" (real-time signals always as an offset from SIGRTMIN), or NULL if sig
 * is not a valid signal number. Returns buf on success. */
const char *signal_to_string(int sig, char buf[static SIGNAL_STRING_MAX]);

/* True if sig is a signal number that kill(2) accepts (1..SIGRTMAX). */
bool signal_is_valid(int sig);
