#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The oci template: sysctr create oci:PATH[:TAG] NAME turns an OCI image layout on disk (made here
# with umoci, offline) into a cached image named after its manifest, whose entrypoint becomes the
# container's init; layers apply in order (whiteouts too); a bad reference or tag is one clear error.
. "$(dirname "$0")/lib.sh"
require_root
require_commands umoci
setup_instance
L="$T/layout"
images="$SYSCTR_STATE_DIR/images"

# --- a layout with two layers: a busybox system, then one that adds a file and deletes one
ok "umoci makes an empty image" eval 'umoci init --layout "$L" && umoci new --image "$L:v1"'
umoci unpack --image "$L:v1" "$T/bundle" >/dev/null 2>&1
"$top_srcdir/templates/busybox/build" --name x --rootfs "$T/bundle/rootfs" >/dev/null
echo gone-later > "$T/bundle/rootfs/etc/doomed"
ok "layer 1: a busybox system" umoci repack --image "$L:v1" "$T/bundle"
rm -rf "$T/bundle"
umoci unpack --image "$L:v1" "$T/bundle" >/dev/null 2>&1
echo from-oci > "$T/bundle/rootfs/etc/oci-marker"
rm "$T/bundle/rootfs/etc/doomed"
ok "layer 2: a file added, one deleted (a whiteout)" umoci repack --image "$L:v1" "$T/bundle"
ok "entrypoint /sbin/init, no command" umoci config --image "$L:v1" --config.entrypoint /sbin/init --clear=config.cmd
umoci tag --image "$L:v1" v2 >/dev/null 2>&1

run sysctr create oci:"$L":v1 app1 --stop-signal SIGUSR2
is "$rc" 0 "create oci:LAYOUT:v1 app1" || diag "$err"
is "$(config_field app1 template)" oci "its template is oci"
image=$(config_field app1 image)
like "$image" '^oci-[0-9a-f]{16}@' "its image is named after the manifest ($image)"
digest=$(sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*"v1".*/\1/p' "$L/index.json" | head -c 16)
like "$image" "^oci-$digest" "... the digest index.json gives v1"
is "$(sed -n 's/^init: *//p' "$SYSCTR_STATE_DIR/containers/app1/config.yaml")" "[/sbin/init]" "its init is the image's entrypoint"
run sysctr start app1
is "$rc" 0 "start app1" || diag "$err" "$(tail -n 5 "$SYSCTR_LOG_DIR/app1.log")"
guest_sh app1 'cat /etc/oci-marker; test -e /etc/doomed || echo doomed-gone; cat /proc/1/comm'
is "$out" "from-oci
doomed-gone
init" "the layers are applied in order, the whiteout too, and init runs"
run sysctr stop app1
is "$rc" 0 "stop app1"

# --- the same image under another tag is the same cached image; no rebuild
run sysctr create oci:"$L":v2 app2 --init /bin/sh
is "$rc" 0 "create oci:LAYOUT:v2 app2 --init /bin/sh" || diag "$err"
is "$(config_field app2 image)" "$image" "the same manifest: the same image version"
is "$(sed -n 's/^init: *//p' "$SYSCTR_STATE_DIR/containers/app2/config.yaml")" "[/bin/sh]" "--init wins over the entrypoint"
is "$(ls "$images" | grep -c @)" 1 "one image version for both"

# --- mistakes
run sysctr create oci:"$L":nosuch app3
isnt "$rc" 0 "a tag the layout does not have is refused"
like "$err" 'no image tagged "nosuch"' "... naming it"
run sysctr create oci:relative/path app3
isnt "$rc" 0 "a relative path is refused"
like "$err" 'oci:relative/path' "... naming it"
run sysctr create oci:"$T/nothing" app3
isnt "$rc" 0 "a path without a layout is refused"
like "$err" 'No OCI image layout' "... saying so"
ok "none of them left a container" test ! -e "$SYSCTR_STATE_DIR/containers/app3"
