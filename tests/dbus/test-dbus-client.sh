#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The API through libdbus-1 (tests/dbus/dbus-client.c), a client that shares no code with sd-bus.
# Needs no root: nothing is started.
. "$(dirname "$0")/../integration/lib.sh"
client="$top_builddir/tests/dbus/dbus-client"
[ -x "$client" ] || bail "$client is not built"
setup_instance

run "$client" list
is "$rc" 0 "list succeeds"
is "$out" "" "no containers at first"

run "$client" create c1 busybox
is "$rc" 0 "create c1" || diag "$err"
is "$out" /org/sysctr1/container/c1 "create returns the object path"
run "$client" create c-2 busybox
is "$out" /org/sysctr1/container/c_2d2 "the path of c-2 is escaped"

run "$client" list
is "$out" "c-2 stopped busybox /org/sysctr1/container/c_2d2
c1 stopped busybox /org/sysctr1/container/c1" "list shows both, sorted by name"

run "$client" get c1 State
is "$out" stopped "get c1 State"
run "$client" get c1 Template
is "$out" busybox "get c1 Template"
run "$client" get c1 Id
is "$out" "$(config_field c1 id)" "get c1 Id matches config.yaml"
run "$client" get c1 Leader
is "$out" 0 "get c1 Leader (u)"
run "$client" get c1 Autostart
is "$out" false "get c1 Autostart (b)"
run "$client" get c1 StopTimeoutUSec
is "$out" 10000000 "get c1 StopTimeoutUSec (t)"

run "$client" create c1 busybox
is "$rc" 1 "a duplicate is refused"
like "$err" '^org\.sysctr1\.Error\.ContainerExists: .*c1' "... as ContainerExists naming c1"
run "$client" create ../x busybox
like "$err" '^(org\.sysctr1\.Error\.InvalidName|org\.freedesktop\.DBus\.Error\.InvalidArgs): ' \
        "an invalid name is InvalidName"
run "$client" create x1 nosuchtemplate
like "$err" '^org\.sysctr1\.Error\.NoSuchTemplate: .*nosuchtemplate' "an unknown template is NoSuchTemplate"
run "$client" get nosuch State
like "$err" '^org\.sysctr1\.Error\.NoSuchContainer: .*nosuch' "a missing container is NoSuchContainer"

run "$client" delete c1
is "$rc" 0 "delete c1"
run "$client" delete c-2
is "$rc" 0 "delete c-2"
run "$client" delete c1
like "$err" '^org\.sysctr1\.Error\.NoSuchContainer: ' "delete again: NoSuchContainer"
run "$client" list
is "$out" "" "no containers at the end"
ok "no container directories are left" test -z "$(ls -A "$SYSCTR_STATE_DIR/containers")"
