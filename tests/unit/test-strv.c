/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>

#include "strv.h"
#include "tap.h"

int main(void) {
        _cleanup_strv_free_ char **l = NULL, **c = NULL;
        _cleanup_free_ char *j = NULL, *e = NULL;
        char *s;

        is_int(strv_length(NULL), 0, "NULL has length 0");
        ok(!strv_contains(NULL, "a"), "NULL contains nothing");
        e = strv_join(NULL, ",");
        is_str(e, "", "joining NULL gives \"\"");

        is_int(strv_extend(&l, "a"), 0, "extend");
        is_int(strv_extend(&l, "b"), 0, "extend again");
        s = strdup("c");
        is_int(strv_push(&l, s), 0, "push takes ownership");
        is_int(strv_length(l), 3, "three items");
        ok(l[3] == NULL, "NULL-terminated");
        ok(strv_contains(l, "b") && !strv_contains(l, "d"), "contains");

        j = strv_join(l, ", ");
        is_str(j, "a, b, c", "join");

        c = strv_copy(l);
        ok(c && c != l && c[0] != l[0], "copy is deep");
        ok(strv_equal(c, l), "copy is equal");
        free(c[2]);
        c[2] = strdup("x");
        ok(!strv_equal(c, l), "changed copy is not equal");
        ok(!strv_equal(c, NULL) && strv_equal(NULL, NULL), "equal with NULL");

        STRV_FOREACH(i, l)
                ok(*i && strlen(*i) == 1, "STRV_FOREACH visits %s", *i);

        ok(strv_free(NULL) == NULL, "strv_free(NULL)");
        return done_testing();
}
