#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tools/setup-subids on fake /etc trees (--root), no root needed: the default range, idempotence,
# other users' entries kept and avoided, one-sided files, mode and owner kept, atomic replacement,
# a stale shadow lock, and the errors.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
SCRIPT=$top_srcdir/tools/setup-subids
DEFAULT=root:1073741824:1073610752

# shellcheck source=../tap.sh
. "$top_srcdir/tests/tap.sh"
contains() { printf '%s\n' "$1" | grep -qF -- "$2"; }

T=$(mktemp -d "${TMPDIR:-/tmp}/test-setup-subids.XXXXXX") || { echo "Bail out! mktemp"; exit 1; }
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM

# fresh NAME: an empty fake root with an etc/ directory
fresh() {
        R=$T/$1
        mkdir -p "$R/etc"
}
run() {                 # run ARGS...: $out (stdout and stderr) and $rc
        out=$(sh "$SCRIPT" "$@" 2>&1)
        rc=$?
}
# The whole file, newlines shown as "|".
content() { tr '\n' '|' < "$1"; }
# line_clear LINE FILE...: LINE overlaps no entry of the files but its own copies.
line_clear() {
        line=$1
        shift
        cat "$@" | awk -F: -v line="$line" 'BEGIN { split(line, l, ":"); s = l[2]; e = l[2] + l[3] }
                NF == 3 && $0 != line && $2 < e && s < $2 + $3 { exit 1 }'
}
leftovers() {           # the names in ROOT/etc other than subuid and subgid
        for f in "$1"/etc/* "$1"/etc/.[!.]*; do
                [ -e "$f" ] || continue
                case ${f##*/} in subuid | subgid) ;; *) printf '%s ' "${f##*/}" ;; esac
        done
}

# --- usage and errors
run --help
is "$rc" 0 "--help"
run --frobnicate
is "$rc" 2 "an unknown argument is a usage error"
ok "... naming it" contains "$out" "unknown argument '--frobnicate'"
run --root "$T/nonexistent"
is "$rc" 1 "a root without etc/ fails"
ok "... naming the directory" contains "$out" "$T/nonexistent/etc is not a directory"

# --- no files at all: the default range in both, 0644
fresh a
run --root "$R"
is "$rc" 0 "no subuid/subgid files: success" || echo "# $out"
is "$(content "$R/etc/subuid")" "$DEFAULT|" "subuid gets the default range"
is "$(content "$R/etc/subgid")" "$DEFAULT|" "subgid gets the same range"
is "$(stat -c %a "$R/etc/subuid") $(stat -c %a "$R/etc/subgid")" "644 644" "new files are mode 0644"
ok "the message says how many containers fit" contains "$out" "(room for 16382 containers)"
is "$(leftovers "$R")" "" "no temp or lock file is left"

# --- idempotent
cp "$R/etc/subuid" "$T/a-subuid"
ino=$(stat -c %i "$R/etc/subuid")
run --root "$R"
is "$rc" 0 "a second run succeeds"
ok "... says there is nothing to do" contains "$out" "nothing to do"
ok "... and changes nothing" cmp -s "$R/etc/subuid" "$T/a-subuid"
is "$(stat -c %i "$R/etc/subuid")" "$ino" "... not even the inode"

# --- other users' entries are kept; a last line without newline; mode and owner kept; atomic rename
fresh b
printf '# rootless users\nalice:100000:65536\nbob:165536:65536' > "$R/etc/subuid"
printf 'alice:100000:65536\nbob:165536:65536\n' > "$R/etc/subgid"
chmod 0600 "$R/etc/subuid"
owner=$(stat -c %u:%g "$R/etc/subuid")
ino=$(stat -c %i "$R/etc/subuid")
run --root "$R" --root="$R"
is "$rc" 0 "with other users' entries: success" || echo "# $out"
is "$(content "$R/etc/subuid")" "# rootless users|alice:100000:65536|bob:165536:65536|$DEFAULT|" \
        "subuid keeps its lines and comment, gets a newline before ours"
is "$(content "$R/etc/subgid")" "alice:100000:65536|bob:165536:65536|$DEFAULT|" "subgid likewise"
is "$(stat -c %a "$R/etc/subuid")" 600 "the mode is kept"
is "$(stat -c %u:%g "$R/etc/subuid")" "$owner" "the owner is kept"
ok "the file was replaced by a rename (new inode)" [ "$(stat -c %i "$R/etc/subuid")" != "$ino" ]
is "$(leftovers "$R")" "" "no temp or lock file is left"

# --- another user's range inside the default span: the largest free gap, aligned
fresh c
echo carol:1500000000:65536 > "$R/etc/subuid"
: > "$R/etc/subgid"
run --root "$R"
is "$rc" 0 "with carol inside the default span: success" || echo "# $out"
is "$(tail -n 1 "$R/etc/subuid")" root:1500119040:647233536 "root gets the larger gap above carol, aligned"
is "$(content "$R/etc/subgid")" "root:1500119040:647233536|" "the same in subgid"
ok "root's range overlaps no other entry" line_clear root:1500119040:647233536 "$R/etc/subuid" "$R/etc/subgid"

# --- root in one file only: copied to the other
fresh d
printf 'root:1073741824:65536\n0:1073872896:65536\n' > "$R/etc/subuid"
echo alice:100000:65536 > "$R/etc/subgid"
run --root "$R"
is "$rc" 0 "root in subuid only: success" || echo "# $out"
is "$(content "$R/etc/subgid")" "alice:100000:65536|root:1073741824:65536|0:1073872896:65536|" \
        "root's lines are copied to subgid"
is "$(content "$R/etc/subuid")" "root:1073741824:65536|0:1073872896:65536|" "subuid is unchanged"
ok "... and the message says so" contains "$out" "copied root's subordinate IDs from $R/etc/subuid to $R/etc/subgid"

# --- root in one file only, clashing with another user in the other: a new range in both
fresh e
echo alice:1073741824:10 > "$R/etc/subuid"
echo root:1073741824:65536 > "$R/etc/subgid"
run --root "$R"
is "$rc" 0 "root in subgid only, over alice's range in subuid: success" || echo "# $out"
is "$(content "$R/etc/subuid")" "alice:1073741824:10|root:1073807360:1073545216|" \
        "subuid gets a fresh range above both entries"
is "$(content "$R/etc/subgid")" "root:1073741824:65536|root:1073807360:1073545216|" "subgid gets the same"
ok "the new range overlaps no other entry" line_clear root:1073807360:1073545216 "$R/etc/subuid" "$R/etc/subgid"

# --- no room left in the span
fresh f
echo dave:1073741824:1073610752 > "$R/etc/subuid"
echo dave:1073741824:1073610752 > "$R/etc/subgid"
cp "$R/etc/subuid" "$T/f-subuid"
run --root "$R"
is "$rc" 1 "no free range: failure"
ok "... with a message saying what to do" contains "$out" "no free range of 65536 IDs between 1073741824 and 2147352576"
ok "... and the files are unchanged" cmp -s "$R/etc/subuid" "$T/f-subuid"
is "$(leftovers "$R")" "" "... and no lock or temp file is left"

# --- a stale lock (its holder is gone) is taken over, as shadow's tools do
fresh g
sh -c 'exit 0' &
dead=$!
wait "$dead"
echo "$dead" > "$R/etc/subuid.lock"
run --root "$R"
is "$rc" 0 "a stale subuid.lock is taken over" || echo "# $out"
is "$(content "$R/etc/subuid")" "$DEFAULT|" "... and subuid gets the range"
is "$(leftovers "$R")" "" "... and the lock is gone afterwards"

tap_end 0
