/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Test-only fault injection for the data-safety tests (tests/integration/test-storage-crash.sh):
 * with SYSCTR_TEST_CRASH_AT=NAME in sysctrd's environment, the step named NAME kills sysctrd with
 * SIGKILL right there, as a power cut would between two writes. In a worker (worker.c) it kills
 * sysctrd and the worker both. Without the variable it costs one getenv(). The names are listed in
 * docs/storage.md. */
void crash_point(const char *name);
/* In a worker's child: crash_point() kills the parent (sysctrd) too. */
void crash_point_set_worker(void);
