#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Snapshots and clones: snapshot create|list|restore|delete on a stopped container (restore keeps
# later snapshots; taking one is a rename, not a copy), and sysctr clone SRC[/SNAPSHOT] DST: a new
# container with its own UUID, machine ID, ID range and host name, whose files keep their owners
# inside.
. "$(dirname "$0")/lib.sh"
require_root
setup_instance
cdir="$SYSCTR_STATE_DIR/containers"

run sysctr create busybox s1
is "$rc" 0 "create s1"
run sysctr start s1
guest_sh s1 'echo one > /root/A && mkdir -p /home/u && chown 1000:1000 /home/u && echo u > /home/u/f && chown 1000:1000 /home/u/f'
is "$rc" 0 "write files in s1 (one of them uid 1000's)"

# --- snapshot create: refused while running; nearly free (a rename) when stopped
run sysctr snapshot create s1 first
isnt "$rc" 0 "a snapshot of a running container is refused"
like "$err" 'stop it' "... saying to stop it"
run sysctr stop s1
# 64 MiB of changed data: a snapshot must not copy it.
run sysctr start s1
guest_sh s1 'dd if=/dev/zero of=/root/big bs=1M count=64 2>/dev/null && sync && echo ok'
is "$out" ok "64 MiB more in s1"
run sysctr stop s1
upper_ino=$(stat -c %i "$cdir/s1/upper/root/big")
t0=$(now_s)
run sysctr snapshot create s1 first
dt=$(elapsed_s "$t0")
is "$rc" 0 "snapshot create s1 first" || diag "$err"
cmp_ok "$dt" '<' 2 "taking it took $dt s"
layer=$(head -n 1 "$cdir/s1/lower")
is "$(stat -c %i "$cdir/s1/layers/$layer/root/big")" "$upper_ino" "the data moved into a layer without a copy (same inode)"
is "$(ls -A "$cdir/s1/upper")" "" "s1 goes on with an empty upper layer"
run sysctr snapshot create s1 first
isnt "$rc" 0 "a second snapshot named first is refused"
run sysctr snapshot create s1 ../x
isnt "$rc" 0 "an invalid snapshot name is refused"

# --- changes after the snapshot, a second snapshot, more changes
run sysctr start s1
guest_sh s1 'cat /root/A && rm /root/A /root/big && echo two > /root/B && echo ok'
is "$out" "one
ok" "s1 still sees its files after the snapshot, and changes them"
run sysctr stop s1
run sysctr snapshot create s1 second
is "$rc" 0 "snapshot create s1 second"
run sysctr start s1
guest_sh s1 'echo three > /root/C'
run sysctr stop s1
run sysctr snapshot list s1
like "$out" 'first' "snapshot list shows first"
like "$out" 'second' "... and second"
run sysctr snapshot list s1 --json
is "$(printf '%s' "$out" | json_query '[x["name"] for x in j]')" "first
second" "snapshot list --json, sorted"

# --- restore: later snapshots are kept, later changes go
run sysctr start s1
run sysctr snapshot restore s1 first
isnt "$rc" 0 "restoring a running container is refused"
run sysctr stop s1
run sysctr snapshot restore s1 first
is "$rc" 0 "restore s1 to first" || diag "$err"
run sysctr start s1
guest_sh s1 'ls /root; stat -c %u /home/u/f'
is "$out" "A
big
1000" "s1 is as it was at first (uid 1000's file too)"
run sysctr stop s1
run sysctr snapshot restore s1 second
is "$rc" 0 "restore s1 to second (taken after first: kept)"
ok "the changes made after second went" test ! -e "$cdir/s1/upper/root/C"
run sysctr start s1
guest_sh s1 'ls /root'
is "$out" "B" "s1 is as it was at second (the deletions too)"
run sysctr stop s1
run sysctr snapshot restore s1 nosuch
isnt "$rc" 0 "restoring a snapshot that does not exist fails"
like "$err" 'nosuch' "... naming it"

# --- delete: a layer goes only when nothing names it
run sysctr snapshot delete s1 first
is "$rc" 0 "delete snapshot first"
ok "the layer of first stays: second and s1 run on it" test -d "$cdir/s1/layers/$layer"
run sysctr snapshot restore s1 second
run sysctr snapshot delete s1 second
is "$rc" 0 "delete snapshot second"
ok "... the layers stay while s1 runs on them" test -d "$cdir/s1/layers/$layer"
run sysctr snapshot list s1 --json
is "$out" "[]" "no snapshots left"
run sysctr snapshot create s1 third
is "$rc" 0 "take another snapshot"

# --- clone
run sysctr start s1
guest_sh s1 'echo four > /root/D'
run sysctr clone s1 c1
isnt "$rc" 0 "cloning a running container is refused"
like "$err" 'stop it' "... saying to stop it (or to clone a snapshot)"
run sysctr stop s1
run sysctr clone s1 c1
is "$rc" 0 "clone s1 c1" || diag "$err"
run sysctr clone s1/third c2
is "$rc" 0 "clone s1/third c2 (from a snapshot)" || diag "$err"
run sysctr clone s1/nosuch c3
isnt "$rc" 0 "cloning a snapshot that does not exist fails"
ok "... and leaves no container" test ! -e "$cdir/c3"
run sysctr clone s1 c1
isnt "$rc" 0 "cloning onto an existing name fails"
for c in c1 c2; do
        isnt "$(config_field $c id)" "$(config_field s1 id)" "$c has a UUID of its own"
        isnt "$(config_field $c id-base)" "$(config_field s1 id-base)" "$c has an ID range of its own"
        is "$(config_field $c image)" "$(config_field s1 image)" "$c keeps s1's image version"
done
run sysctr start s1 c1 c2
is "$rc" 0 "start s1, c1 and c2 together" || diag "$err"
guest_sh c1 'ls /root; stat -c %u:%g /home/u/f /root/D; hostname; cat /etc/hostname /etc/machine-id'
c1_mid=$(config_field c1 id | tr -d -)
is "$out" "B
D
1000:1000
0:0
c1
c1
$c1_mid" "c1 has s1's files with their owners, its own host name and machine ID"
guest_sh c2 'ls /root; cat /etc/machine-id'
c2_mid=$(config_field c2 id | tr -d -)
is "$out" "B
$c2_mid" "c2 is s1 as at snapshot third, with its own machine ID"
guest_sh s1 'cat /etc/machine-id'
s1_mid=$(config_field s1 id | tr -d -)
is "$out" "$s1_mid" "s1 keeps its machine ID"
guest_sh c1 'echo c1 > /root/D'
guest_sh s1 'cat /root/D'
is "$out" four "a clone's changes are its own"
run sysctr delete --force s1
is "$rc" 0 "delete the source"
guest_sh c1 'cat /root/B'
is "$out" two "the clone lives on without it"
