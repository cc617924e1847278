#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The fuzz targets over their seed corpus (and anything a fuzzing run added there): each input must
# be handled without a crash or an assertion; the targets check the contract of their parser.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
status=0
out=$("$top_builddir/fuzz-fleet" "$top_srcdir/tests/fuzz/corpus/fleet" 2>&1) || status=1
n=$(printf '%s\n' "$out" | grep -c '^ok')
out2=$("$top_builddir/fuzz-options" "$top_srcdir/tests/fuzz/corpus/options" 2>&1) || status=1
n2=$(printf '%s\n' "$out2" | grep -c '^ok')
echo "1..2"
if [ "$status" = 0 ] && [ "$n" -gt 0 ] && [ "$n2" -gt 0 ]; then
        echo "ok 1 - fuzz-fleet: $n corpus inputs"
        echo "ok 2 - fuzz-options: $n2 corpus inputs"
else
        echo "not ok 1 - fuzz-fleet: $n corpus inputs"
        printf '%s\n' "$out" | sed 's/^/# /'
        echo "not ok 2 - fuzz-options: $n2 corpus inputs"
        printf '%s\n' "$out2" | sed 's/^/# /'
fi
exit 0
