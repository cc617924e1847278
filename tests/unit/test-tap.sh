#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/tap.sh, which every shell test uses: what each helper prints and returns, the plan, and the
# exit status, checked on scripts run in a shell of their own. No root needed.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
# shellcheck source=../tap.sh
. "$top_srcdir/tests/tap.sh"

# tap_run SCRIPT: run SCRIPT (after sourcing tap.sh, with tap_end as its exit trap) in a new bash;
# $out is its output, $rc its exit status.
tap_run() {
        out=$(bash -c ". '$top_srcdir/tests/tap.sh'; trap 'tap_end \$?' EXIT; $1" 2>&1)
        rc=$?
}

tap_run 'ok "true passes" true; ok "false fails" false; echo "ok returned $?"'
is "$out" "ok 1 - true passes
not ok 2 - false fails
# command: false (exit 1)
# 
ok returned 1
1..2" "ok: a line per test, the command's status returned, diagnostics when it fails"
is "$rc" 1 "a failed test makes the exit status 1"

tap_run 'not_ok "false" false; not_ok "echo hi" echo hi; echo "returned $?"'
is "$out" "ok 1 - false
not ok 2 - echo hi
# command: echo hi unexpectedly succeeded
# hi
returned 1
1..2" "not_ok: the command's output when it unexpectedly succeeds"

tap_run 'is a a same || echo no; is a b differ; isnt a b isnt; isnt a a "isnt same"; true'
is "$out" "ok 1 - same
not ok 2 - differ
# got:      'a'
# expected: 'b'
ok 3 - isnt
not ok 4 - isnt same
# got 'a', expected anything else
1..4" "is and isnt, got and expected on lines of their own"

tap_run 'like "Memory: 1G" "^memory" lower; TAP_LIKE_IGNORE_CASE=1; like "Memory: 1G" "^memory" ignorecase
unlike abc b unlike; true'
is "$out" "not ok 1 - lower
# got:      'Memory: 1G'
# expected to match /^memory/
ok 2 - ignorecase
not ok 3 - unlike
# got:      'abc'
# expected not to match /b/
1..3" "like and unlike: case-sensitive, unless TAP_LIKE_IGNORE_CASE is set"

tap_run 'cmp_ok 1.5 "<" 2 a; cmp_ok 3 -ge 3 b; cmp_ok 2 -lt 1 c; cmp_ok x "==" 1 d; cmp_ok 10 ">" 9 e'
is "$out" "ok 1 - a
ok 2 - b
not ok 3 - c
# got '2', expected -lt 1
not ok 4 - d
# got 'x', expected == 1
ok 5 - e
1..5" "cmp_ok: decimals, both kinds of operator, numbers only, compared as numbers"

tap_run 'pass p; fail f "why"; echo "fail returned $?"; skip "not here"; diag "one" "two
three"'
is "$out" "ok 1 - p
not ok 2 - f
# why
fail returned 1
ok 3 # SKIP not here
# one
# two
# three
1..3" "pass, fail, skip and diag"

tap_run 'pass p; exit 3'
is "$out" "ok 1 - p
1..1
# exited with status 3" "a script that exits non-zero: the plan and why"
is "$rc" 1 "its exit status is 1"

tap_run 'pass p; bail "no way"; pass never'
is "$out" "ok 1 - p
Bail out! no way" "bail: no plan after the bail-out"
is "$rc" 1 "bail exits 1"

tap_run 'skip_all "needs root"; pass never'
is "$out" "1..0 # SKIP needs root" "skip_all: a plan of 0 with the reason"
is "$rc" 0 "skip_all exits 0"

tap_run 'pass a; pass b'
is "$rc" 0 "all passed: exit status 0"

tap_end 0
