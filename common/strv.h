/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

/* NULL-terminated string vectors ("strv"), as in systemd. */

char **strv_free(char **l);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char * const *l);
char **strv_copy(char * const *l);
/* Appends a copy of s; returns 0 or -ENOMEM (l left unchanged on failure). */
int strv_extend(char ***l, const char *s);
/* Takes ownership of s (freed on failure). */
int strv_push(char ***l, char *s);
bool strv_contains(char * const *l, const char *s);
bool strv_equal(char * const *a, char * const *b);
/* Joins with sep; NULL on OOM. An empty or NULL vector gives "". */
char *strv_join(char * const *l, const char *sep);

/* A NULL-terminated vector of the arguments, on the stack. */
#define STRV_MAKE(...) ((char * const *) ((const char *[]) { __VA_ARGS__, NULL }))

#define STRV_FOREACH(s, l) for (char * const *s = (l); s && *s; s++)
