#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark: storage on a Debian container (the test suite's cached debian image) with 1 GiB of
# changed files (256 files of 4 MiB, half random bytes, half base64 text, owned by the guest's root),
# COUNT runs each (default 3), medians:
#   - snapshot: "sysctr snapshot create" (a rename of the upper layer) against "lxc-snapshot" of an
#     LXC container (directory backend) whose rootfs holds the same image and the same 1 GiB: LXC
#     copies its whole rootfs, image included.
#   - clone: "sysctr clone" (copies the container's own layers, never the image) against "lxc-copy"
#     (directory backend: a copy of the whole rootfs); and "sysctr clone" of the same container
#     without the 1 GiB, to show that the time follows the changed data, not the image.
#   - export and import throughput (MiB of tree per second) of "sysctr export" (default: with the
#     image) and "sysctr import" against "tar -c | zstd -T2" and "zstd -d | tar -x" of the same
#     trees (the container's directory and the image's) on the same disk.
# Goals (issue 10): snapshot and clone beat LXC's directory backend and scale with the changed data;
# export and import within 10 % of tar | zstd.
#
# Needs root, zstd, tar; LXC optional (package lxc: lxc-snapshot, lxc-copy; it uses rsync). Not run
# by "make check". Runs in a private sysctr instance (tests/integration/lib.sh), which removes
# everything it made at exit.
#
# Usage: sudo top_builddir=BUILD-DIR bench/bench-storage.sh [COUNT]
. "$(dirname "$0")/../tests/integration/lib.sh"

count=${1:-3}
case $count in
''|*[!0-9]*|0) echo "Usage: $0 [COUNT]" >&2; _tap_skip_all=1; exit 2 ;;
esac
require_root
require_commands zstd tar
setup_instance
use_cached_image debian bookworm
image_root=$(readlink -f "$SYSCTR_STATE_DIR/images/$IMAGE/rootfs")
have_lxc=
command -v lxc-snapshot >/dev/null && command -v lxc-copy >/dev/null && have_lxc=1
. "$(dirname "$0")/bench-lib.sh"
cdir=$SYSCTR_STATE_DIR/containers

# fill DIR UID: the 1 GiB of changed data, owned by UID.
fill() {
        local i
        mkdir -p "$1/srv/data" || return 1
        for ((i = 0; i < 128; i++)); do
                head -c 4M /dev/urandom > "$1/srv/data/bin-$i" || return 1
                base64 -w 76 /dev/urandom | head -c 4M > "$1/srv/data/text-$i" || return 1
        done
        chown -R "$2:$2" "$1/srv"
        sync -f "$1"
}
timed() {               # ARRAY CMD...: append CMD's time to ARRAY; bail if it fails
        local -n _a=$1
        local t0
        shift
        sync
        t0=$(now_s)
        "$@" >/dev/null 2>"$T/bench.err" || bail "$*: $(tail -n 5 "$T/bench.err")"
        _a+=("$(elapsed_s "$t0")")
}
mib() { du -sm --apparent-size "$@" | awk '{ s += $1 } END { print s }'; }
rate() { awk -v m="$1" -v s="$2" 'BEGIN { if (s == "n/a" || s + 0 == 0) print "n/a"; else printf "%.0f", m / s }'; }

# --- the container: the image and 1 GiB of its own
run sysctr create debian src
is "$rc" 0 "create the debian container src" || bail "$err"
run sysctr create debian empty
is "$rc" 0 "create a debian container without changed data" || bail "$err"
id_base=$(config_field src id-base)
fill "$cdir/src/upper" "${id_base:-0}" || bail "could not write the data"
changed=$(mib "$cdir/src/upper")
diag "src: $changed MiB of its own over a $(mib "$image_root") MiB image; load $(cut -d' ' -f1-3 /proc/loadavg)"

# --- the same tree as an LXC container (directory backend): the image and the data in its rootfs
if [ -n "$have_lxc" ]; then
        mkdir -p "$T/lxc/lsrc"
        cp -a "$image_root" "$T/lxc/lsrc/rootfs" && cp -a "$cdir/src/upper/srv" "$T/lxc/lsrc/rootfs/" &&
                chown -R 0:0 "$T/lxc/lsrc/rootfs/srv" || bail "could not make the LXC tree"
        cat > "$T/lxc/lsrc/config" <<LXCCONF
lxc.uts.name = lsrc
lxc.rootfs.path = dir:$T/lxc/lsrc/rootfs
lxc.net.0.type = empty
lxc.apparmor.profile = unconfined
LXCCONF
fi

# --- snapshot and clone, interleaved
snap=() clone=() clone_empty=() clone_snap=() lsnap=() lcopy=()
for ((i = 1; i <= count; i++)); do
        timed snap "$top_builddir/sysctr" snapshot create src "s$i"
        timed clone "$top_builddir/sysctr" clone src "c$i"
        timed clone_snap "$top_builddir/sysctr" clone "src/s$i" "cs$i"
        timed clone_empty "$top_builddir/sysctr" clone empty "ce$i"
        for c in "c$i" "cs$i" "ce$i"; do "$top_builddir/sysctr" delete "$c" >/dev/null 2>&1; done
        if [ -n "$have_lxc" ]; then
                timed lsnap lxc-snapshot -P "$T/lxc" -n lsrc
                timed lcopy lxc-copy -P "$T/lxc" -n lsrc -N "lc$i"
                lxc-destroy -P "$T/lxc" -n "lc$i" >/dev/null 2>&1 || rm -rf --one-file-system "$T/lxc/lc$i"
                lxc-snapshot -P "$T/lxc" -n lsrc -d "snap0" >/dev/null 2>&1
        fi
done
# The clones' files go in the background: wait until they are gone before the throughput runs.
wait_for 120 eval '[ -z "$(ls -A "$cdir" | grep "^\.#")" ]'
snap_med=$(printf '%s\n' "${snap[@]}" | median)
clone_med=$(printf '%s\n' "${clone[@]}" | median)
clone_snap_med=$(printf '%s\n' "${clone_snap[@]}" | median)
clone_empty_med=$(printf '%s\n' "${clone_empty[@]}" | median)
lsnap_med=$(printf '%s\n' "${lsnap[@]}" | median)
lcopy_med=$(printf '%s\n' "${lcopy[@]}" | median)
diag "snapshot: sysctr $snap_med s, lxc-snapshot (dir) $lsnap_med s (sysctr/LXC $(ratio "$snap_med" "$lsnap_med"))"
diag "clone: sysctr $clone_med s (of a snapshot: $clone_snap_med s; of the container without the 1 GiB:" \
     "$clone_empty_med s), lxc-copy (dir) $lcopy_med s (sysctr/LXC $(ratio "$clone_med" "$lcopy_med"))"
ok "every snapshot and clone worked" test "${#snap[@]}" = "$count" -a "${#clone[@]}" = "$count"

# --- export and import against tar | zstd of the same trees
for c in $(ls "$cdir"); do [ "$c" = src ] || "$top_builddir/sysctr" delete "$c" >/dev/null 2>&1; done
run sysctr snapshot list src --json
for s in $(printf '%s' "$out" | json_query '[x["name"] for x in j]'); do
        "$top_builddir/sysctr" snapshot delete src "$s" >/dev/null 2>&1
done
tree_mib=$(mib "$cdir/src" "$image_root")
exp=() imp=() tar_c=() tar_x=()
for ((i = 1; i <= count; i++)); do
        timed exp "$top_builddir/sysctr" export src "$T/src.tar.zst"
        timed imp "$top_builddir/sysctr" import "$T/src.tar.zst" "imp$i"
        arch_mib=$(mib "$T/src.tar.zst")
        rm -f "$T/src.tar.zst"
        "$top_builddir/sysctr" delete "imp$i" >/dev/null 2>&1
        timed tar_c sh -c "tar -C '$SYSCTR_STATE_DIR' --xattrs -cf - 'containers/src' -C '$image_root/..' rootfs |
                zstd -q -T2 -3 > '$T/tar.tar.zst'"
        mkdir -p "$T/untar"
        timed tar_x sh -c "zstd -q -d -T2 < '$T/tar.tar.zst' | tar -C '$T/untar' --xattrs -xf -"
        rm -rf --one-file-system "$T/untar" "$T/tar.tar.zst"
done
exp_med=$(printf '%s\n' "${exp[@]}" | median)
imp_med=$(printf '%s\n' "${imp[@]}" | median)
tc_med=$(printf '%s\n' "${tar_c[@]}" | median)
tx_med=$(printf '%s\n' "${tar_x[@]}" | median)
diag "tree: $tree_mib MiB (container $changed MiB + image), archive $arch_mib MiB"
diag "export: sysctr $exp_med s = $(rate "$tree_mib" "$exp_med") MiB/s; tar | zstd -T2 $tc_med s =" \
     "$(rate "$tree_mib" "$tc_med") MiB/s (time sysctr/tar $(ratio "$exp_med" "$tc_med"))"
diag "import: sysctr $imp_med s = $(rate "$tree_mib" "$imp_med") MiB/s; zstd -d | tar -x $tx_med s =" \
     "$(rate "$tree_mib" "$tx_med") MiB/s (time sysctr/tar $(ratio "$imp_med" "$tx_med"))"
ok "every export and import worked" test "${#exp[@]}" = "$count" -a "${#imp[@]}" = "$count"
diag "goals: snapshot $(verdict "$(ratio "$snap_med" "$lsnap_med")" 1) LXC's, clone $(verdict \
     "$(ratio "$clone_med" "$lcopy_med")" 1) LXC's, export $(verdict "$(ratio "$exp_med" "$tc_med")" 1.1) and" \
     "import $(verdict "$(ratio "$imp_med" "$tx_med")" 1.1) tar | zstd within 10 %"
