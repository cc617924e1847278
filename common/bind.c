/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "bind.h"

void bind_spec_done(BindSpec *b) {
        free(b->source);
        free(b->target);
        *b = (BindSpec) {};
}

static bool path_is_normalized_absolute(const char *p) {
        if (p[0] != '/')
                return false;
        if (streq(p, "/"))
                return true;
        for (const char *c = p; *c; ) {
                const char *next;
                size_t n;

                c++;                    /* past the '/' */
                next = strchrnul(c, '/');
                n = (size_t) (next - c);
                if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                        return false;   /* "//", trailing "/", ".", ".." */
                c = next;
        }
        return true;
}

static bool path_startswith_dir(const char *p, const char *dir) {
        size_t n = strlen(dir);

        return strneq(p, dir, n) && (p[n] == '\0' || p[n] == '/');
}

int bind_spec_parse(const char *s, BindSpec *ret) {
        _cleanup_free_ char *copy = NULL;
        char *src, *dst, *opt;
        bool ro = false, idmap = false, mode_given = false;

        if (!s || strlen(s) > 4096)
                return -EINVAL;
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        src = copy;
        dst = strchr(src, ':');
        if (!dst)
                return -EINVAL;
        *dst++ = '\0';
        opt = strchr(dst, ':');
        if (opt) {
                *opt++ = '\0';
                if (opt[0] == '\0' || opt[0] == ',' || opt[strlen(opt) - 1] == ',' || strstr(opt, ",,"))
                        return -EINVAL;
                /* A comma-separated list: rw or ro, and idmap; each at most once. */
                for (char *save = NULL, *o = strtok_r(opt, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                        bool *flag = streq(o, "ro") || streq(o, "rw") ? &ro : streq(o, "idmap") ? &idmap : NULL;

                        bool *given = flag == &ro ? &mode_given : &idmap;

                        if (!flag || *given)
                                return -EINVAL;
                        *flag = !streq(o, "rw");
                        *given = true;
                }
        }
        if (!path_is_normalized_absolute(src) || !path_is_normalized_absolute(dst) || streq(dst, "/") ||
            path_startswith_dir(dst, "/proc") || path_startswith_dir(dst, "/sys") ||
            path_startswith_dir(dst, "/dev"))
                return -EINVAL;
        if (strpbrk(src, "\n") || strpbrk(dst, "\n"))
                return -EINVAL;

        if (ret) {
                ret->source = strdup(src);
                ret->target = strdup(dst);
                ret->read_only = ro;
                ret->idmap = idmap;
                if (!ret->source || !ret->target) {
                        bind_spec_done(ret);
                        return -ENOMEM;
                }
        }
        return 0;
}

bool bind_spec_is_valid(const char *s) {
        return bind_spec_parse(s, NULL) >= 0;
}
