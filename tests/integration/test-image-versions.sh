#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Images never move under a container: a rebuild publishes a new, immutable version of the image;
# every container keeps the version it was made from (recorded in its config.yaml), running or
# stopped; a version goes once nothing uses it; an image published before versions existed becomes
# a version of its own on its first rebuild, and the containers that named it keep it.
. "$(dirname "$0")/lib.sh"
require_root
setup_instance

# A busybox template of the test's own whose images say which build they are (/etc/build-stamp).
stop_sysctrd
mkdir -p "$T/templates/vbox"
cp "$SYSCTR_TEMPLATE_DIR/busybox/template.yaml" "$T/templates/vbox/"
cat > "$T/templates/vbox/build" <<SCRIPT
#!/bin/sh
set -e
"$SYSCTR_TEMPLATE_DIR/busybox/build" "\$@"
cat "$T/next-stamp" > "\$4/etc/build-stamp"
SCRIPT
chmod 0755 "$T/templates/vbox/build"
export SYSCTR_TEMPLATE_DIR="$T/templates"
start_sysctrd
images="$SYSCTR_STATE_DIR/images"
stamp_in() { sysctr exec "$1" -- cat /etc/build-stamp 2>&1; }

echo one > "$T/next-stamp"
run sysctr create vbox c1
is "$rc" 0 "create c1 (builds the image)" || diag "$err"
v1=$(config_field c1 image)
like "$v1" '^vbox@[0-9]{14}(-[0-9]+)?$' "c1's config.yaml names an image version ($v1)"
is "$(readlink "$images/vbox")" "$v1" "images/vbox is a link to that version"
run sysctr start c1
is "$rc" 0 "start c1" || diag "$err"
is "$(stamp_in c1)" one "c1 sees build one"

# --- a rebuild while c1 runs, and another while it is stopped
echo two > "$T/next-stamp"
run sysctr template build vbox --rebuild
is "$rc" 0 "rebuild while c1 runs" || diag "$err"
v2=$(readlink "$images/vbox")
isnt "$v2" "$v1" "the rebuild is a new version ($v2)"
ok "version $v1 is still there (c1 uses it)" test -d "$images/$v1/rootfs"
is "$(stamp_in c1)" one "running c1 still sees build one"
run sysctr stop c1
is "$rc" 0 "stop c1"
echo three > "$T/next-stamp"
run sysctr template build vbox --rebuild
is "$rc" 0 "rebuild while c1 is stopped" || diag "$err"
v3=$(readlink "$images/vbox")
isnt "$v3" "$v2" "... another version ($v3)"
ok "version $v2 is gone: nothing used it" test ! -e "$images/$v2"
run sysctr start c1
is "$rc" 0 "start c1 again" || diag "$err"
is "$(stamp_in c1)" one "c1 still sees build one after two rebuilds"
is "$(config_field c1 image)" "$v1" "c1's config.yaml still names $v1"

run sysctr create vbox c2
is "$rc" 0 "create c2"
is "$(config_field c2 image)" "$v3" "c2 is made from the current version"
run sysctr start c2
is "$(stamp_in c2)" three "c2 sees build three"
run sysctr info c1 --json
is "$(printf '%s' "$out" | json_query 'field(j, "image")')" "$v1" "info shows c1's image version"

run sysctr template list
ok "template list shows $v1 (in use, not current)" mentions "$out" "$v1"
run sysctr template remove "$v1"
isnt "$rc" 0 "removing a version in use is refused"
like "$err" 'c1' "... naming the container"
run sysctr template remove vbox
isnt "$rc" 0 "removing the image whose current version c2 uses is refused"

# --- deleting the last user removes the version
run sysctr delete --force c1
is "$rc" 0 "delete c1"
ok "version $v1 went with its last user" test ! -e "$images/$v1"
ok "version $v3 stays (current, and c2 uses it)" test -d "$images/$v3/rootfs"

# --- an image from before versions: a directory named vbox, a container naming it bare
run sysctr stop c2
run sysctr create vbox c3
stop_sysctrd
rm "$images/vbox" && mv "$images/$v3" "$images/vbox"
sed -i "s/^image: .*/image: vbox/" "$SYSCTR_STATE_DIR/containers/c2/config.yaml" \
        "$SYSCTR_STATE_DIR/containers/c3/config.yaml"
start_sysctrd
run sysctr start c2
is "$rc" 0 "a container that names an unversioned image starts" || diag "$err"
is "$(stamp_in c2)" three "... on that image"
echo four > "$T/next-stamp"
run sysctr template build vbox --rebuild
is "$rc" 0 "rebuild of an unversioned image" || diag "$err"
v4=$(readlink "$images/vbox")
old=$(config_field c3 image)
like "$old" '^vbox@' "the old tree became a version of its own ($old), recorded in c3's config"
is "$(config_field c2 image)" "$old" "... and in c2's, which runs"
isnt "$v4" "$old" "the rebuild is the current version"
is "$(stamp_in c2)" three "running c2 still sees build three"
run sysctr stop c2
run sysctr start c3
is "$(stamp_in c3)" three "c3 starts on build three"
run sysctr create vbox c4
run sysctr start c4
is "$(stamp_in c4)" four "a new container gets build four"
run sysctr delete --force c2 c3 c4
is "$rc" 0 "delete every container"
is "$(ls "$images" | sort | tr '\n' ' ')" "vbox $v4 " "only the current version is left"
