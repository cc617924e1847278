/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdarg.h>
#include <syslog.h>

#include "macro.h"

/* Logging for the programs (sysctrd, sysctr-agent, sysctr). Code in common/ logs at debug level at
 * most; it returns errors and lets the program log once. Messages go to the journal with structured
 * fields when stderr is connected to it (JOURNAL_STREAM), else to stderr as "ident: message". */

void log_open(const char *ident);
void log_set_max_level(int level);
int log_get_max_level(void);
/* One extra structured field for every journal message, e.g. ("SYSCTR_CONTAINER", "web1"). */
void log_set_field(const char *key, const char *value);

/* Returns -abs(error) (or 0 when error is 0), so "return log_error_errno(r, ...);" works.
 * "%m" in the format prints strerror(abs(error)). */
int log_internal(int level, int error, const char *file, int line, const char *func, const char *format,
                 ...) _printf_(6, 7);

/* The same, with one more structured field for this message, e.g. the container it is about. */
int log_internal_field(int level, int error, const char *key, const char *value, const char *file, int line,
                       const char *func, const char *format, ...) _printf_(8, 9);

#define log_full_errno(level, error, ...) \
        log_internal((level), (error), __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_full(level, ...) ((void) log_full_errno((level), 0, __VA_ARGS__))

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, (e), __VA_ARGS__)

#define log_oom() log_error_errno(-ENOMEM, "Out of memory.")

/* sysctrd: messages about one container carry SYSCTR_CONTAINER=NAME, as the agent's do, so that
 * "journalctl SYSCTR_CONTAINER=web1" finds everything about web1. */
#define log_container_full_errno(name, level, error, ...) \
        log_internal_field((level), (error), "SYSCTR_CONTAINER", (name), __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_container_info(name, ...) ((void) log_container_full_errno((name), LOG_INFO, 0, __VA_ARGS__))
#define log_container_warning(name, ...) ((void) log_container_full_errno((name), LOG_WARNING, 0, __VA_ARGS__))
#define log_container_error(name, ...) ((void) log_container_full_errno((name), LOG_ERR, 0, __VA_ARGS__))
#define log_container_error_errno(name, e, ...) log_container_full_errno((name), LOG_ERR, (e), __VA_ARGS__)
#define log_container_warning_errno(name, e, ...) log_container_full_errno((name), LOG_WARNING, (e), __VA_ARGS__)
