/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_ __attribute__((noreturn))
#define _const_ __attribute__((const))
#define _sentinel_ __attribute__((sentinel))
#define _pure_ __attribute__((pure))
#define _likely_(x) (__builtin_expect(!!(x), 1))
#define _unlikely_(x) (__builtin_expect(!!(x), 0))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Hand a resource over to a new owner: the cleanup variable forgets it. */
#define TAKE_PTR(p)                             \
        ({                                      \
                typeof(p) _p_ = (p);            \
                (p) = NULL;                     \
                _p_;                            \
        })
#define TAKE_FD(fd)                             \
        ({                                      \
                int _fd_ = (fd);                \
                (fd) = -EBADF;                  \
                _fd_;                           \
        })

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)
static inline bool streq_ptr(const char *a, const char *b) {
        return a && b ? strcmp(a, b) == 0 : a == b;
}
#define isempty(s) (!(s) || (s)[0] == '\0')
/* The rest of s after prefix, or NULL if s does not start with it. */
static inline const char *startswith(const char *s, const char *prefix) {
        size_t n = strlen(prefix);

        return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}
#define strempty(s) ((s) ?: "")
#define strna(s) ((s) ?: "n/a")
#define yes_no(b) ((b) ? "yes" : "no")

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define USEC_PER_SEC ((uint64_t) 1000000ULL)
#define USEC_PER_MSEC ((uint64_t) 1000ULL)
#define NSEC_PER_USEC ((uint64_t) 1000ULL)

/* Negative errno from a libc call that sets errno: "return RET_NERRNO(mkdir(...));" */
#define RET_NERRNO(expr)                        \
        ({                                      \
                long _r_ = (expr);              \
                _r_ < 0 ? -errno : (int) _r_;   \
        })

static inline int negative_errno(void) {
        /* errno is always positive after a failure, but be defensive so callers can return it. */
        return errno > 0 ? -errno : -EIO;
}

static inline void *mfree(void *p) {
        free(p);
        return NULL;
}

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

/* Close keeping errno, so "if (x < 0) { safe_close(fd); return -errno; }" works. */
static inline int safe_close(int fd) {
        if (fd >= 0) {
                int saved = errno;
                (void) close(fd);
                errno = saved;
        }
        return -EBADF;
}
static inline void closep(int *fd) {
        safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void close_pairp(int (*p)[2]) {
        safe_close((*p)[0]);
        safe_close((*p)[1]);
}
#define _cleanup_close_pair_ _cleanup_(close_pairp)

static inline void fclosep(FILE **f) {
        if (*f)
                (void) fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Define "static inline void func##p(type *p)" calling func(*p) when non-NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)         \
        static inline void func##p(type *p) {           \
                if (*p)                                 \
                        (void) func(*p);                \
        }

#define DEFINE_STRING_TABLE_LOOKUP(name, type, max)                             \
        const char *name##_to_string(type i) {                                  \
                if (i < 0 || i >= (type) ELEMENTSOF(name##_table))              \
                        return NULL;                                            \
                return name##_table[i];                                         \
        }                                                                       \
        type name##_from_string(const char *s) {                                \
                if (!s)                                                         \
                        return (type) -EINVAL;                                  \
                for (size_t _i = 0; _i < ELEMENTSOF(name##_table); _i++)        \
                        if (name##_table[_i] && streq(name##_table[_i], s))     \
                                return (type) _i;                               \
                return (type) -EINVAL;                                          \
        }
