# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# The TAP helpers of every shell test, in one place: tests/integration/lib.sh (the private-instance
# harness, which the unit, D-Bus, cockpit and systemd-host tests source too), the inside tests'
# tests/systemd-host/inside/lib.sh and the VM tier's tests/systemd-host/vm/lib.sh source it. It is
# installed next to the inside tests in the systemd hosts of both tiers (/usr/lib/sysctr-tests/tap.sh),
# so it must not depend on anything of the source tree.
#
#       ok "DESC" CMD...        passes if CMD succeeds (its output becomes diagnostics if not)
#       not_ok "DESC" CMD...    passes if CMD fails
#       is GOT EXPECTED "DESC"  isnt GOT UNEXPECTED "DESC"
#       like GOT ERE "DESC"     unlike GOT ERE "DESC"   (TAP_LIKE_IGNORE_CASE=1: case-insensitive)
#       cmp_ok GOT OP EXPECTED "DESC"   numbers, decimals allowed; OP < <= > >= == != or -lt -le ...
#       pass/fail/skip "DESC", diag TEXT..., bail REASON, skip_all REASON
#       tap_end STATUS          prints the plan (unless bailed out or skipped) and exits: 0 only if
#                               every test passed and STATUS is 0. For the file's exit trap.
#
# Each helper returns 0 if its test passed, non-zero if not, so "is ... || diag ..." works.

_tap_n=0                # tests run
_tap_failed=0           # of which failed
_tap_done=0             # the TAP is complete (bail out, skip_all): no plan at the end
_tap_skip_all=

# Each argument, and each line of it, as a TAP comment.
diag() {
        local l
        printf '%s\n' "$@" | while IFS= read -r l; do echo "# $l"; done
}

_tap_result() {         # _tap_result STATUS(0=ok) DESCRIPTION
        _tap_n=$((_tap_n + 1))
        if [ "$1" -eq 0 ]; then
                echo "ok $_tap_n - $2"
        else
                echo "not ok $_tap_n - $2"
                _tap_failed=$((_tap_failed + 1))
        fi
        return "$1"
}

pass() { _tap_result 0 "$1"; }
fail() { _tap_result 1 "$1"; [ $# -lt 2 ] || diag "$2"; return 1; }
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n # SKIP $1"; }

ok() {                  # ok DESCRIPTION CMD...
        local desc=$1 o s
        shift
        o=$("$@" 2>&1)
        s=$?
        _tap_result "$s" "$desc" || diag "command: $* (exit $s)" "$o"
        return "$s"
}

not_ok() {              # not_ok DESCRIPTION CMD...
        local desc=$1 o s
        shift
        o=$("$@" 2>&1)
        s=$?
        [ "$s" -ne 0 ]
        _tap_result $? "$desc" || { diag "command: $* unexpectedly succeeded" "$o"; return 1; }
}

is() {                  # is GOT EXPECTED DESCRIPTION
        [ "$1" = "$2" ]
        _tap_result $? "$3" || { diag "got:      '$1'" "expected: '$2'"; return 1; }
}

isnt() {                # isnt GOT UNEXPECTED DESCRIPTION
        [ "$1" != "$2" ]
        _tap_result $? "$3" || { diag "got '$1', expected anything else"; return 1; }
}

_tap_grep() {           # _tap_grep TEXT ERE
        if [ -n "${TAP_LIKE_IGNORE_CASE:-}" ]; then
                printf '%s\n' "$1" | grep -Eiq -- "$2"
        else
                printf '%s\n' "$1" | grep -Eq -- "$2"
        fi
}

like() {                # like GOT ERE DESCRIPTION
        _tap_grep "$1" "$2"
        _tap_result $? "$3" || { diag "got:      '$1'" "expected to match /$2/"; return 1; }
}

unlike() {              # unlike GOT ERE DESCRIPTION
        ! _tap_grep "$1" "$2"
        _tap_result $? "$3" || { diag "got:      '$1'" "expected not to match /$2/"; return 1; }
}

cmp_ok() {              # cmp_ok GOT OP EXPECTED DESCRIPTION
        local op=$2
        case $op in
        -lt) op="<" ;; -le) op="<=" ;; -gt) op=">" ;; -ge) op=">=" ;; -eq) op="==" ;; -ne) op="!=" ;;
        esac
        awk -v a="$1" -v b="$3" -v op="$op" 'BEGIN {
                if (a !~ /^-?[0-9]+(\.[0-9]+)?$/) exit 1
                r = (op == "<") ? a < b : (op == "<=") ? a <= b : (op == ">") ? a > b : \
                    (op == ">=") ? a >= b : (op == "==") ? a == b : (op == "!=") ? a != b : 0
                exit !r }'
        _tap_result $? "$4" || { diag "got '$1', expected $2 $3"; return 1; }
}

bail() {
        echo "Bail out! $*"
        _tap_done=1     # no plan: the driver reports the bail-out
        exit 1
}

skip_all() {
        echo "1..0 # SKIP $*"
        _tap_skip_all=1
        _tap_done=1
        exit 0
}

tap_end() {             # tap_end STATUS
        if [ "$_tap_done" -eq 0 ]; then
                echo "1..$_tap_n"
                [ "$1" -eq 0 ] || diag "exited with status $1"
        fi
        [ "$_tap_failed" -eq 0 ] && [ "$1" -eq 0 ] && exit 0
        exit 1
}
