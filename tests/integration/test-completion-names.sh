#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bash completion of the names that only sysctrd knows: containers, templates and cached images,
# from a private instance (verbs and options: tests/unit/test-completion.sh, no root).
. "$(dirname "$0")/lib.sh"
require_root
setup_instance
. "$top_srcdir/tests/unit/complete-bash.sh"
SYSCTR_COMPLETE_COMMAND=$top_builddir/sysctr

run sysctr create busybox web1
is "$rc" 0 "create busybox web1" || diag "$err"
run sysctr create busybox web2
is "$rc" 0 "create busybox web2" || diag "$err"
run sysctr create busybox db1
is "$rc" 0 "create busybox db1" || diag "$err"

words() { bash_complete "$1" | tr '\n' ' '; }

is "$(words 'sysctr start ')" "db1 web1 web2 " "start: every container"
is "$(words 'sysctr start w')" "web1 web2 " "start w: the containers starting with w"
is "$(words 'sysctr start web1 ')" "db1 web1 web2 " "start takes more names"
is "$(words 'sysctr info d')" "db1 " "info: a container"
is "$(words 'sysctr info db1 ')" "" "info takes one name"
is "$(words 'sysctr exec -u root web')" "web1 web2 " "exec: the container after an option and its value"
is "$(words 'sysctr config show ')" "db1 web1 web2 " "config show: containers"
like "$(words 'sysctr create ')" '(^| )busybox( |$)' "create: the templates"
like "$(words 'sysctr create ')" '(^| )debian( |$)' "create: every template"
is "$(words 'sysctr create busybox ')" "" "create: no name is offered for the new container"
like "$(words 'sysctr template build ')" '(^| )busybox( |$)' "template build: the templates"
run sysctr template list --json
image=$(printf '%s' "$out" | json_query 'j["images"][0]["name"]')
like "$image" '^busybox' "a cached image is listed ($image)"
is "$(words 'sysctr template remove ')" "$image " "template remove: the cached images"

run sysctr delete web2
is "$(words 'sysctr start ')" "db1 web1 " "a deleted container is no longer offered"

# sysctrd gone: nothing, and quietly.
stop_sysctrd
o=$(bash_complete 'sysctr start ' 2>&1)
is "$o" "" "without sysctrd: no names and no message"
