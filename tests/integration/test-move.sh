#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Moving and copying containers between hosts (hosts-lib.sh): "sysctr -H A move NAME B" takes a
# stopped container with its layers and its image (which host B lacks) and, with --volumes, its
# volumes; copy keeps the source and gives a copy under another name a new UUID; a running
# container, or a name the target has already, is refused before anything happens; a stream cut
# midway (on the import side, then on the export side) leaves the target with nothing of it (no
# container, no temporary directory, no volume) and the source as it was; "apply" moves a container
# whose entry of hosts: changed, and starts it there. Needs sysctrd's ExportContainer and
# ImportContainer (the storage work).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hosts-lib.sh"
require_root
setup_instance
busctl --system introspect org.sysctr1 /org/sysctr1 org.sysctr1.Manager 2>/dev/null | grep -q '^\.ImportContainer ' ||
        skip_all "this sysctrd cannot export and import containers (ExportContainer, ImportContainer)"
start_host 1
start_host 2
A1=root@$(host_address 1)
A2=root@$(host_address 2)
state_on() { on_host "$1" list --json | json_query 'field(find(j, argv[0]), "state")' "$2"; }
id_on() { on_host "$1" info "$2" --json | json_query 'field(j, "id")'; }
# What a host holds of the containers besides the containers: temporaries of an import.
leftovers_on() { find "$(host_dir "$1")/state/containers" "$(host_dir "$1")/state/volumes" -mindepth 1 -maxdepth 1 \
        -name '.#*' 2>/dev/null; }

# --- a container with data of its own and a volume, on host 1
run hsysctr -H "$A1" volume create data1
is "$rc" 0 "volume data1 on host 1" || diag "$err"
run hsysctr -H "$A1" create busybox c1 --memory 64M --volume data1:/data
is "$rc" 0 "c1 on host 1" || diag "$err"
hsysctr -H "$A1" start c1 >/dev/null 2>&1
run hsysctr -H "$A1" exec c1 -- sh -c 'echo layer-mark > /mark; echo volume-mark > /data/mark'
is "$rc" 0 "c1 writes to its layer and to its volume" || diag "$err"
hsysctr -H "$A1" stop c1 >/dev/null 2>&1
id1=$(id_on 1 c1)
config1=$(on_host 1 config show c1)
ok "host 2 has no busybox image" test ! -e "$(host_dir 2)/state/images/busybox"

# --- refusals before anything happens
hsysctr -H "$A1" start c1 >/dev/null 2>&1
run hsysctr -H "$A1" move c1 "$A2"
isnt "$rc" 0 "a running container is not moved"
like "$err" 'is running: stop it before' "... saying why"
is "$(state_on 2 c1)" "" "... host 2 has nothing"
hsysctr -H "$A1" stop c1 >/dev/null 2>&1
hsysctr -H "$A2" template build busybox >/dev/null 2>&1
hsysctr -H "$A2" create busybox c1 >/dev/null 2>&1
run hsysctr -H "$A1" move c1 "$A2"
isnt "$rc" 0 "a name the target has is refused"
like "$err" 'has a container "c1" already' "... saying so"
hsysctr -H "$A2" delete c1 >/dev/null 2>&1
hsysctr -H "$A2" template remove busybox >/dev/null 2>&1

# --- failures midway: the import side's stream cut, then the export side's
real_sysctr="$top_builddir/sysctr"
cut_stream() {          # HOST-N import|export: that side of host N's sysctr gets or gives 64 KiB only
        cat > "$(host_dir "$1")/bin/sysctr" <<EOF
#!/bin/sh
if [ "\$1" = import ] && [ "$2" = import ]; then
        head -c 65536 | "$real_sysctr" "\$@"
        exit \$?
fi
if [ "\$1" = export ] && [ "$2" = export ]; then
        "$real_sysctr" "\$@" | head -c 65536
        exit 1
fi
exec "$real_sysctr" "\$@"
EOF
}
uncut() { printf '#!/bin/sh\nexec %s "$@"\n' "$real_sysctr" > "$(host_dir "$1")/bin/sysctr"; }

cut_stream 2 import
run hsysctr -H "$A1" move c1 "$A2" --volumes
isnt "$rc" 0 "a move whose import is cut fails"
like "$err" "Nothing was changed" "... and says nothing was changed"
is "$(state_on 2 c1)" "" "... host 2 has no c1"
is "$(leftovers_on 2)" "" "... nor anything half-made"
ok "... nor the volume" test ! -e "$(host_dir 2)/state/volumes/data1"
is "$(state_on 1 c1)" stopped "... c1 is still on host 1"
is "$(on_host 1 config show c1)" "$config1" "... with the same config"
uncut 2

cut_stream 1 export
run hsysctr -H "$A1" move c1 "$A2" --volumes
isnt "$rc" 0 "a move whose export is cut fails"
is "$(state_on 2 c1)" "" "... host 2 has no c1"
is "$(leftovers_on 2)" "" "... nor anything half-made"
is "$(state_on 1 c1)" stopped "... c1 is still on host 1"
uncut 1

# --- the move
run hsysctr -H "$A1" move c1 "$A2" --volumes
is "$rc" 0 "move c1 to host 2 with its volumes" || diag "$err"
is "$out" "Moved c1 to $A2." "... says so"
is "$(state_on 1 c1)" "" "c1 is gone from host 1"
is "$(state_on 2 c1)" stopped "c1 is on host 2, stopped"
is "$(id_on 2 c1)" "$id1" "... with its UUID"
ok "... and its image came along" test -e "$(host_dir 2)/state/images/busybox" -o -n \
        "$(ls -d "$(host_dir 2)"/state/images/busybox* 2>/dev/null)"
run hsysctr -H "$A2" start c1
is "$rc" 0 "c1 starts on host 2" || diag "$err"
run hsysctr -H "$A2" exec c1 -- cat /mark /data/mark
is "$out" "layer-mark
volume-mark" "... with its layer and its volume"
hsysctr -H "$A2" stop c1 >/dev/null 2>&1

# --- copy
run hsysctr -H "$A2" copy c1 "$A1" c1copy
is "$rc" 0 "copy c1 back to host 1 as c1copy" || diag "$err"
is "$(state_on 2 c1)" stopped "c1 stays on host 2"
is "$(state_on 1 c1copy)" stopped "c1copy is on host 1"
isnt "$(id_on 1 c1copy)" "$id1" "... with a UUID of its own"

# --- apply moves a container when its host changes
F=$T/fleet.yaml
cat > "$F" <<EOF
containers:
  - {name: web, template: busybox, autostart: true}
hosts:
  - {name: one, address: $A1, containers: [web]}
  - {name: two, address: $A2, containers: []}
EOF
run hsysctr apply "$F"
is "$rc" 0 "apply: web on host one" || diag "$err"
is "$(state_on 1 web)" running "web runs on host one"
hsysctr -H "$A1" exec web -- sh -c 'echo apply-mark > /mark' >/dev/null 2>&1
sed -i 's/containers: \[web\]}/containers: []}/; s/address: '"$A2"', containers: \[\]}/address: '"$A2"', containers: [web]}/' "$F"
run hsysctr apply --dry-run "$F"
like "$out" "^  > container web from one to two \(template busybox, stopped for the move, started\)$" \
        "the plan moves web, stopping and starting it"
run hsysctr apply "$F"
is "$rc" 0 "apply the move" || diag "$err"
is "$(state_on 1 web)" "" "web is gone from host one"
is "$(state_on 2 web)" running "web runs on host two"
run hsysctr -H "$A2" exec web -- cat /mark
is "$out" apply-mark "... with its data"
run hsysctr apply "$F"
is "$out" "Nothing to do: $F is applied." "and the file is applied"
