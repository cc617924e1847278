#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Image builds never leave a half-built image that looks complete: a builder that fails, and one
# whose manager is killed (SIGKILL) in the middle, leave no image and, once sysctrd runs again, no
# temporary either; a good build appears whole, with its image.info. Small templates of the test's
# own (a copy of the template directory plus three fake builders), so this takes seconds; the
# debian template's real build is exercised by the first debian test that needs its image.
. "$(dirname "$0")/lib.sh"
require_root
setup_instance

# --- a template directory of our own: sysctrd reads SYSCTR_TEMPLATE_DIR when it starts
stop_sysctrd
mkdir -p "$T/templates"
cp -r "$SYSCTR_TEMPLATE_DIR/busybox" "$T/templates/"
fake_template() {       # NAME BUILD-SCRIPT-BODY
        mkdir -p "$T/templates/$1"
        printf 'description: "test: %s"\ninit: [/sbin/init]\n' "$1" > "$T/templates/$1/template.yaml"
        printf '#!/bin/sh\n# fake builder of the test %s\nset -e\n%s\n' "$TEST_NAME" "$2" > "$T/templates/$1/build"
        chmod 0755 "$T/templates/$1/build"
}
# Both take --rootfs DIR as their 4th argument (see exec_builder): "--name N --rootfs DIR ...".
fake_template broken 'mkdir -p "$4/etc" "$4/sbin"; echo "broken: half way there"; echo "broken: giving up" >&2; exit 3'
fake_template slow 'mkdir -p "$4/etc"; echo "slow: started"; sleep 60; mkdir -p "$4/sbin"; echo done'
fake_template quick 'mkdir -p "$4/etc" "$4/sbin"; : > "$4/etc/os-release"; ln -s /bin/busybox "$4/sbin/init"; echo "quick: done"'
export SYSCTR_TEMPLATE_DIR="$T/templates"
start_sysctrd
images="$SYSCTR_STATE_DIR/images"

run sysctr template list
ok "template list shows the test's templates" eval 'mentions "$out" broken && mentions "$out" quick'

# --- a builder that fails
run sysctr template build broken
isnt "$rc" 0 "a failing builder: template build fails"
like "$err$out" 'giving up' "... and shows the builder's last words"
is "$(ls -A "$images")" "" "... and leaves nothing in images/ (no image, no temporary)"
run sysctr template list
unlike "$out" 'broken-' "... and lists no image of it"

# --- a manager killed in the middle of a build
timeout 120 "$top_builddir/sysctr" template build slow >"$T/slow.out" 2>&1 &
client=$!
ok "the slow build has started (a temporary in images/)" wait_for 10 eval \
        'ls -A "$images" | grep -q "^\.#" && grep -qs "slow: started" "$images"/.#*/build.log'
builder=$(pgrep -f "$T/templates/slow/build")
kill -KILL "$SYSCTRD_PID"
wait "$SYSCTRD_PID" 2>/dev/null
wait "$client" 2>/dev/null
isnt "$?" 0 "the waiting client fails when sysctrd dies"
# The builder outlives its manager (it is a child, not in our process group); it is ours to end.
for p in $builder $(for b in $builder; do ps -o pid= --ppid "$b"; done); do kill_wait "$p" 5; done
ok "while sysctrd is down, only a temporary (.#...) is in images/" eval \
        '[ -z "$(ls "$images")" ]'
start_sysctrd
ok "sysctrd removes the interrupted build's temporary when it starts" wait_for 5 eval \
        '[ -z "$(ls -A "$images")" ]'
run sysctr template list
unlike "$out" 'slow-' "no image of the interrupted build is listed"

# --- a good build: whole, with its metadata, listed
run sysctr template build quick
is "$rc" 0 "a good build succeeds" || diag "$err"
img=$(ls "$images" | grep -v @)
isnt "$img" "" "it is in images/ as $img"
like "$(readlink "$images/$img")" "^$img@[0-9]+" "... a link to its first version (image versions)"
ok "... with rootfs/ and image.info" eval '[ -d "$images/$img/rootfs/etc" ] && [ -f "$images/$img/image.info" ]'
ok "... and its build.log" grep -q "quick: done" "$images/$img/build.log"
is "$(ls -A "$images" | grep -c '^\.#')" 0 "no temporary is left"
run sysctr template list
ok "template list shows $img" mentions "$out" "$img"
run sysctr template build quick
is "$rc" 0 "building it again (cached) succeeds at once"
run sysctr template remove "$img"
is "$rc" 0 "an unused image can be removed" || diag "$err"
is "$(ls -A "$images")" "" "... and nothing of it is left"
