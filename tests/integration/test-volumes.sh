#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Volumes and tmpfs mounts: create, list, show, delete (refused while a container uses one); attach at
# create and later while stopped; a volume outlives its containers and keeps ownership right across
# unprivileged containers of different ID ranges and privileged ones (idmapped mounts over neutral
# IDs); --size is enforced (a loop-mounted ext4); mount targets are made without following symlinks
# the guest planted.
. "$(dirname "$0")/lib.sh"
require_root
require_commands gdbus
setup_instance
vols="$SYSCTR_STATE_DIR/volumes"

# Signals: gdbus monitor subscribes before it asks who owns the name, so once it prints the owner
# every later signal is in its log.
timeout 600 gdbus monitor --system --dest org.sysctr1 >"$T/monitor.log" 2>&1 &
MONITOR=$!
at_cleanup 'kill_wait "$MONITOR" 2'
ok "gdbus monitor is ready" wait_for 10 grep -q 'is owned by' "$T/monitor.log"
# used_by_sent VOLUME GDBUS-VALUE: a PropertiesChanged of the volume's UsedBy with that value.
used_by_sent() {
        grep -F "/org/sysctr1/volume/$1: org.freedesktop.DBus.Properties.PropertiesChanged" "$T/monitor.log" |
                grep -qF "{'UsedBy': <$2>}"
}

# --- create, list, show
run sysctr volume create data
is "$rc" 0 "volume create data" || diag "$err"
run sysctr volume create big --size 32M
is "$rc" 0 "volume create big --size 32M" || diag "$err"
run sysctr volume create data
isnt "$rc" 0 "a second volume named data is refused"
like "$err" 'data.*already exists' "... saying so"
run sysctr volume create Bad_Name
isnt "$rc" 0 "an invalid volume name is refused"
like "$err" 'Bad_Name' "... naming it"
run sysctr volume create tiny --size 1M
isnt "$rc" 0 "a volume smaller than 16M is refused"
ok "nothing of it is left" test ! -e "$vols/tiny"
run sysctr volume list
like "$out" '^data +directory' "volume list shows data (a directory)"
like "$out" 'big +loop +32M' "volume list shows big (loop, 32M)"
run sysctr volume show big
like "$out" 'Backend: loop' "volume show says how the size is enforced"
run sysctr volume show big --json
is "$(printf '%s' "$out" | json_query 'field(j, "size")')" 33554432 "volume show --json: size"
is "$(printf '%s' "$out" | json_query 'field(j, "backend")')" loop "volume show --json: backend"
run busctl --system --json=short call org.sysctr1 /org/sysctr1 org.freedesktop.DBus.ObjectManager GetManagedObjects
like "$out" '/org/sysctr1/volume/data' "the ObjectManager lists the volume objects"
run busctl --system get-property org.sysctr1 /org/sysctr1/volume/big org.sysctr1.Volume Backend
is "$out" 's "loop"' "org.sysctr1.Volume Backend property"

# --- attach at create: a volume, a nested target, a loop volume, a tmpfs
run sysctr create busybox c1 --volume data:/srv/app/data --volume big:/big --tmpfs /scratch:size=8M
is "$rc" 0 "create c1 with two volumes and a tmpfs" || diag "$err"
ok "data's UsedBy is sent: c1" wait_for 5 used_by_sent data "['c1']"
run sysctr start c1
is "$rc" 0 "start c1" || diag "$err" "$(tail -n 5 "$SYSCTR_LOG_DIR/c1.log")"
guest_sh c1 'echo from-c1 > /srv/app/data/f1 && mkdir /srv/app/data/d && stat -c %u:%g /srv/app/data/f1'
is "$out" "0:0" "a file root writes in c1 is root's inside"
is "$(stat -c %u:%g "$vols/data/data/f1")" "0:0" "... and stored with the neutral IDs (0:0), not c1's ($(config_field c1 id-base))"
guest_sh c1 'grep " /scratch " /proc/mounts'
like "$out" '^tmpfs /scratch tmpfs .*size=8192k' "/scratch is a tmpfs of 8M"
guest_sh c1 'dd if=/dev/zero of=/big/fill bs=1M count=64 2>&1'
isnt "$rc" 0 "writing 64M into the 32M volume fails"
like "$out" 'No space left' "... with no space left"
is "$(container_state c1)" running "... and c1 goes on running"
guest_sh c1 'rm /big/fill && echo ok'
is "$out" ok "space comes back once the file is removed"

# --- a second container with another ID range sees the same files as its own root's
run sysctr create busybox c2 --volume data:/data --volume data:/data-ro:ro
is "$rc" 0 "create c2 with the same volume (twice, once read-only)"
isnt "$(config_field c2 id-base)" "$(config_field c1 id-base)" "c2 has an ID range of its own"
run sysctr start c2
is "$rc" 0 "start c2" || diag "$err"
guest_sh c2 'cat /data/f1 && stat -c %u:%g /data/f1 /data/d'
is "$out" "from-c1
0:0
0:0" "c2 reads c1's file, owned by its own root"
guest_sh c2 'echo from-c2 >> /data/f1 && chown 1000:1000 /data/d && echo ok'
is "$out" ok "c2's root may write and chown it"
guest_sh c1 'cat /srv/app/data/f1; stat -c %u /srv/app/data/d'
is "$out" "from-c1
from-c2
1000" "c1 sees c2's write, and uid 1000 as 1000"
guest_sh c2 'touch /data-ro/x'
isnt "$rc" 0 "a :ro volume cannot be written"

# --- a privileged container agrees on the owners
run sysctr create busybox p1 --privileged --volume data:/data
run sysctr start p1
is "$rc" 0 "start privileged p1 with the volume" || diag "$err"
guest_sh p1 'stat -c %u:%g /data/f1; echo p1 > /data/f2; stat -c %u /data/d'
is "$out" "0:0
1000" "p1 sees the same owners"
guest_sh c1 'stat -c %u:%g /srv/app/data/f2'
is "$out" "0:0" "p1's root's file is c1's root's"

# --- in use: no delete, no change while running
run sysctr volume delete data
isnt "$rc" 0 "deleting a volume in use is refused"
like "$err" 'c1.*c2|c2.*c1' "... naming the containers"
ok "... and its files are there" test -f "$vols/data/data/f1"
run sysctr set c2 volume=
isnt "$rc" 0 "changing the volumes of a running container is refused"
like "$err" 'stop' "... saying to stop it"
run sysctr create busybox c9 --volume nosuch:/x
isnt "$rc" 0 "create with a volume that does not exist is refused"
ok "... and makes no container" test ! -e "$SYSCTR_STATE_DIR/containers/c9"

# --- attach later, while stopped; deleting containers keeps the volume
run sysctr stop c2 p1
run sysctr set c2 volume=nosuch:/x
isnt "$rc" 0 "attaching a volume that does not exist is refused"
like "$err" 'nosuch' "... naming it"
run sysctr set c2 volume= tmpfs=/tmp/work:size=4M
is "$rc" 0 "detach c2's volumes and add a tmpfs while stopped" || diag "$err"
ok "data's UsedBy is sent without c2" wait_for 5 used_by_sent data "['c1', 'p1']"
run sysctr start c2
guest_sh c2 'test -e /data/f1 || echo gone; grep -c " /tmp/work tmpfs" /proc/mounts'
is "$out" "gone
1" "c2 starts without the volume and with its new tmpfs"
run sysctr delete --force c1 p1
is "$rc" 0 "delete c1 and p1"
ok "data's UsedBy is sent empty once they are deleted" wait_for 5 used_by_sent data "@as []"
ok "the volume survives the containers that used it" test -f "$vols/data/data/f2"

# --- targets are made without following the guest's symlinks
run sysctr stop c2
run sysctr start c2
guest_sh c2 'rm -rf /srv && ln -s /etc /srv && echo planted'
is "$out" planted "the guest replaces /srv with a symlink to /etc"
run sysctr stop c2
run sysctr set c2 volume=data:/srv/data
is "$rc" 0 "attach data on /srv/data" || diag "$err"
run sysctr start c2
isnt "$rc" 0 "the start fails rather than follow /srv -> /etc"
ok "nothing was made in the guest's /etc" test ! -e "$SYSCTR_STATE_DIR/containers/c2/upper/etc/data"
run sysctr set c2 volume=
run sysctr delete c2
is "$rc" 0 "delete c2"

# --- delete
run sysctr volume delete data big
is "$rc" 0 "volumes nobody uses can be deleted" || diag "$err"
is "$(ls -A "$vols")" "" "nothing is left in volumes/"
run sysctr volume list --json
is "$out" "[]" "volume list is empty"
