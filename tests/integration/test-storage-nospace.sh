#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Data safety: a full state file system (a small loop-mounted ext4 as the state directory) during
# create, volume create, writes into a volume, snapshot, clone and import fails with one clear "no
# space" error, leaves nothing half-made, does not disturb a running container, and the same command
# succeeds once space is freed.
. "$(dirname "$0")/lib.sh"
require_root
require_commands mkfs.ext4 losetup fallocate
setup_instance
state=$SYSCTR_STATE_DIR
cdir="$state/containers"

# --- the state directory moves onto a 96 MiB ext4 of its own
stop_sysctrd
truncate -s 96M "$T/state.img"
mkfs.ext4 -q -F -m 0 "$T/state.img" || bail "mkfs.ext4 failed"
mv "$state" "$T/state.old"
mkdir -m 0700 "$state"
loopdev=$(losetup --find --show "$T/state.img") || bail "losetup failed"
mount "$loopdev" "$state" || { losetup -d "$loopdev"; bail "mount of $loopdev failed"; }
# At exit, before the common cleanup: the containers and sysctrd go first, then the mount.
teardown() {
        _stop_containers
        kill_wait "$SYSCTRD_PID" 10
        wait "$SYSCTRD_PID" 2>/dev/null
        SYSCTRD_PID=
        umount "$state" || umount -l "$state"
        losetup -d "$loopdev"
}
at_cleanup teardown
cp -a "$T/state.old/." "$state/" && chmod 0700 "$state"
start_sysctrd

# fill KIB: leave KIB KiB (and up to 512 more) free on the state file system (0: none at all).
fill() {
        local avail
        rm -f "$state/filler" "$state/filler2"
        sync -f "$state"
        avail=$(df --output=avail -B1024 "$state" | tail -n 1)
        # 512 KiB less: the file's own extent blocks need room too.
        if [ "$avail" -gt "$(( $1 + 512 ))" ]; then
                fallocate -l "$(( (avail - $1 - 512) * 1024 ))" "$state/filler" || bail "fallocate failed"
        fi
        if [ "$1" = 0 ]; then
                # What fallocate could not take (metadata rounding): to the last block.
                dd if=/dev/zero of="$state/filler2" bs=4k status=none 2>/dev/null
                sync -f "$state"
        fi
}
free_space() { rm -f "$state/filler" "$state/filler2"; sync -f "$state"; }
no_leftovers() { ! find "$state" -maxdepth 2 -name '.#*' | grep -q .; }
names() { printf '%s' "$1" | json_query '" ".join(sorted(str(field(x, "name")) for x in containers(j)))'; }

# A running container that must not notice any of it, and a stopped one with 8 MiB of its own data.
run sysctr create busybox bystander
run sysctr start bystander
is "$rc" 0 "start the bystander" || diag "$err"
leader=$(leader_of bystander)
run sysctr create busybox src
run sysctr start src
guest_sh src 'dd if=/dev/urandom of=/root/data bs=1M count=8 2>/dev/null && md5sum /root/data'
sum=$out
run sysctr stop src
run sysctr export src "$T/src.tar.zst"
is "$rc" 0 "export src (to a file off the state file system)" || diag "$err"

# --- create
fill 0
run sysctr create busybox c1
isnt "$rc" 0 "create on a full state file system fails"
like "$err" '[Nn]o space' "... saying there is no space" || diag "$err"
ok "... and leaves nothing" eval '[ ! -e "$cdir/c1" ] && no_leftovers'
run sysctr list --json
unlike "$(names "$out")" 'c1' "... not even a name in the list"
free_space
run sysctr create busybox c1
is "$rc" 0 "create succeeds once space is freed" || diag "$err"

# --- volume create (a sized volume takes all of its size at once)
fill 4096
run sysctr volume create v1 --size 32M
isnt "$rc" 0 "a 32M volume with 4M free fails"
like "$err" '[Nn]o space' "... saying there is no space" || diag "$err"
ok "... and leaves nothing" eval '[ ! -e "$state/volumes/v1" ] && no_leftovers'
free_space
run sysctr volume create v1 --size 32M
is "$rc" 0 "volume create succeeds once space is freed" || diag "$err"
ok "... and its image holds all of its size" \
        test "$(( $(stat -c %b "$state/volumes/v1/disk.img") * $(stat -c %B "$state/volumes/v1/disk.img") ))" -ge 33554432

# --- writes into volumes: a directory volume on the full state file system, a sized one beside it
run sysctr volume create vd
run sysctr set c1 volume=vd:/vd volume=v1:/v1
is "$rc" 0 "attach a directory volume and the sized one to c1" || diag "$err"
run sysctr start c1
is "$rc" 0 "start c1" || diag "$err"
fill 0
guest_sh c1 'dd if=/dev/zero of=/vd/f bs=1M count=4 2>&1'
isnt "$rc" 0 "a write into the directory volume fails on a full state file system"
like "$out" 'No space left' "... with no space left, inside the container"
guest_sh c1 'dd if=/dev/zero of=/v1/f bs=1M count=4 2>&1 && echo written'
like "$out" 'written' "the sized volume still takes writes: its space was its own from the start"
is "$(container_state c1)" running "c1 goes on running"
free_space
guest_sh c1 'rm -f /vd/f; dd if=/dev/zero of=/vd/f bs=1M count=4 2>&1 && echo written'
like "$out" 'written' "the same write succeeds once space is freed"
run sysctr stop c1

# --- snapshot
fill 0
run sysctr snapshot create src s1
isnt "$rc" 0 "snapshot on a full state file system fails"
like "$err" '[Nn]o space' "... saying there is no space" || diag "$err"
run sysctr snapshot list src --json
is "$out" "[]" "... and makes no snapshot"
ok "... no journal, no temporary, no new layer" eval \
        '[ ! -e "$cdir/src/journal" ] && no_leftovers && [ -z "$(ls -A "$cdir/src/layers" 2>/dev/null)" ]'
free_space
run sysctr snapshot create src s1
is "$rc" 0 "snapshot succeeds once space is freed" || diag "$err"

# --- clone: 8 MiB to copy, 2 MiB free
fill 2048
run sysctr clone src c2
isnt "$rc" 0 "clone without room for the copy fails"
like "$err" '[Nn]o space' "... saying there is no space" || diag "$err"
ok "... and leaves nothing" eval '[ ! -e "$cdir/c2" ] && no_leftovers'
run sysctr list --json
unlike "$(names "$out")" 'c2' "... not even a name in the list"
free_space
run sysctr clone src c2
is "$rc" 0 "clone succeeds once space is freed" || diag "$err"

# --- import: 8 MiB to extract, 2 MiB free
fill 2048
run sysctr import "$T/src.tar.zst" c3
isnt "$rc" 0 "import without room fails"
like "$err" '[Nn]o space' "... saying there is no space" || diag "$err"
ok "... and leaves nothing" eval '[ ! -e "$cdir/c3" ] && no_leftovers'
free_space
run sysctr import "$T/src.tar.zst" c3
is "$rc" 0 "import succeeds once space is freed" || diag "$err"

# --- what was there is whole
for c in src c2 c3; do
        run sysctr start $c
        guest_sh $c 'md5sum /root/data'
        is "$out" "$sum" "$c has src's data, whole"
        run sysctr stop $c
done
is "$(container_state bystander)" running "the running container is still running"
is "$(leader_of bystander)" "$leader" "... with the same init"
