#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A hostile root inside a Debian guest, against the host: the attacks of hostile-probe.sh as root in
# a default (unprivileged) container, where every one must fail, and in a --privileged one, where the
# test pins down which of them work (docs/security.md lists the same). Every write is of a value just
# read there; the host's values are compared before and after all the same.
#
# Also what makes a container unprivileged: its ID mapping, the owners of its files on disk, the
# untouched image, disjoint ranges, freeing on delete, and the error when no range is left.
. "$(dirname "$0")/lib.sh"
require_root
require_commands unshare findmnt
setup_instance
use_cached_image debian bookworm

probe_src="$top_srcdir/tests/integration/hostile-probe.sh"
rootdev=$(findmnt -no MAJ:MIN / | tr -d ' ')
like "$rootdev" '^[0-9]+:[0-9]+$' "the host's root file system is on device $rootdev"

host_settings() {
        local f
        for f in /proc/sys/kernel/core_pattern /sys/kernel/mm/ksm/pages_to_scan /proc/sys/kernel/printk \
                 /proc/modules; do
                [ -r "$f" ] && printf '%s: %s\n' "$f" "$(cat "$f")"
        done
}
host_before=$(host_settings)

# The host's own binfmt_misc instance, looked at in a mount namespace of our own.
host_binfmt_has_probe() {
        unshare -m sh -c 'mount -t binfmt_misc binfmt_misc /mnt 2>/dev/null && test -e /mnt/sysctr-probe'
}
host_binfmt_remove_probe() {
        unshare -m sh -c 'mount -t binfmt_misc binfmt_misc /mnt 2>/dev/null &&
                { [ ! -e /mnt/sysctr-probe ] || echo -1 > /mnt/sysctr-probe; }' || true
}
at_cleanup host_binfmt_remove_probe

# The checksum of an image tree: names, types, owners, modes, sizes and contents.
tree_sum() {
        (cd "$1" && find . -printf '%p %y %U:%G %m %s %l\n' | LC_ALL=C sort &&
                find . -type f -print0 | LC_ALL=C sort -z | xargs -0 cat) | sha256sum | cut -d' ' -f1
}

image_root=$(readlink -f "$SYSCTR_STATE_DIR/images/$IMAGE")/rootfs
[ -d "$image_root" ] || image_root=$(readlink -f "$SYSCTR_STATE_DIR/images/$IMAGE/rootfs")
image_sum_before=$(tree_sum "$image_root")

boot() {                # NAME [CREATE-OPTION...]
        local name=$1
        shift
        run sysctr create debian "$name" "$@"
        is "$rc" 0 "create $name $*" || diag "$err"
        run sysctr start "$name"
        is "$rc" 0 "start $name" || { diag "$err" "$(tail -n 30 "$SYSCTR_LOG_DIR/$name.log" 2>/dev/null)"; bail "$name did not start"; }
        is "$(guest_wait_booted "$name")" running "$name boots to running"
        run sysctr exec "$name" -- sh -c 'cat > /tmp/busybox && chmod 0755 /tmp/busybox' < /bin/busybox
        run sysctr exec "$name" -- sh -c 'cat > /tmp/probe && chmod 0755 /tmp/probe' < "$probe_src"
        is "$rc" 0 "the probes are in $name"
}

# probe NAME ATTACK [ARG]: run one attack; $rc is its status (0 worked, 1 refused, 2 broken).
probe() {
        run sysctr exec "$1" -- /tmp/probe "${@:2}"
        [ "$2" != binfmt_misc ] || [ "$rc" -ne 0 ] || host_binfmt_has_probe || rc=1 out="$out (its own instance: the host's has no handler)"
}

attacks="remount-proc-sys remount-sys fresh-proc fresh-sysfs unmask devtmpfs binfmt_misc debugfs tracefs
         mknod-block mknod-kmsg release-agent module dmesg-read dmesg-clear host-process"

# --- the default: unprivileged
boot u1
base=$(config_field u1 id-base)
like "$base" '^[0-9]+$' "u1 has an id-base in its config.yaml ($base)"
run sysctr exec u1 -- cat /proc/self/uid_map
is "$(echo $out)" "0 $base 65536" "u1's root is host UID $base, for 65536 IDs"
run sysctr exec u1 -- cat /proc/self/gid_map
is "$(echo $out)" "0 $base 65536" "... and the same GIDs"
run sysctr info u1
like "$out" 'Privileged: no' "sysctr info says u1 is not privileged"
like "$out" "IDs: $base-$((base + 65535))" "sysctr info shows u1's host IDs"
run sysctr list
like "$out" 'u1 +running +debian +no' "sysctr list shows u1 as not privileged"

for a in $attacks; do
        arg=
        [ "$a" = mknod-block ] && arg=$rootdev
        probe u1 "$a" $arg
        is "$rc" 1 "unprivileged: $a is refused" || diag "$out" "$err"
        [ "$rc" -eq 1 ] || diag "$out"
        [ "$a" != binfmt_misc ] || run sysctr exec u1 -- /tmp/probe binfmt_misc-cleanup
done
ok "the host's binfmt_misc has no handler of the guest's" eval '! host_binfmt_has_probe'

# Files the guest writes are its mapped IDs' on disk; the image is untouched.
run sysctr exec u1 -- sh -c 'useradd -u 1000 -m sctuser && echo data > /root/f && su sctuser -c "echo x > /home/sctuser/g" &&
        find / -xdev -type d -writable 2>/dev/null | while read -r d; do : > "$d/.sctest-written"; done;
        find /etc /usr/share -xdev -type f -size -64k 2>/dev/null | head -n 2000 | while read -r f; do echo >> "$f"; done; true'
is "$rc" 0 "u1 adds a user, writes files as root and as the user, in every directory, and appends to 2000 image files" || diag "$err"
upper=$SYSCTR_STATE_DIR/containers/u1/upper
is "$(stat -c '%u:%g' "$upper/root/f" 2>/dev/null)" "$base:$base" "root's file is host $base:$base on disk"
is "$(stat -c '%u:%g' "$upper/home/sctuser/g" 2>/dev/null)" "$((base + 1000)):$((base + 1000))" \
        "UID 1000's file is host $((base + 1000)) on disk"
outside=$(find "$upper" "$SYSCTR_STATE_DIR/containers/u1/work" \( -uid -"$base" -o -uid +"$((base + 65535))" \
        -o -gid -"$base" -o -gid +"$((base + 65535))" \) -print 2>/dev/null | head -n 3)
is "$outside" "" "nothing in u1's layers belongs to a host ID outside its range"
run sysctr stop u1
is "$rc" 0 "stop u1"
is "$(tree_sum "$image_root")" "$image_sum_before" "the image is unchanged (checksum of its tree) after a boot that wrote everywhere"

# --- ranges: disjoint, freed on delete, and none left
boot u2
base2=$(config_field u2 id-base)
ok "u1 and u2 have disjoint ranges ($base, $base2)" eval "[ $((base2 >= base + 65536 || base >= base2 + 65536)) = 1 ]"
run sysctr stop u2
run sysctr delete u1
is "$rc" 0 "delete u1"
run sysctr create busybox u3
is "$(config_field u3 id-base)" "$base" "u1's range is free again: the next container gets it"
run sysctr create busybox u4 --id-base "$base2"
isnt "$rc" 0 "an --id-base that overlaps u2's is refused"
like "$err" "u2" "... naming u2" || diag "$err"
run sysctr create busybox u4 --id-base "$base2" --shared-ids
is "$rc" 0 "... and allowed with --shared-ids" || diag "$err"
run sysctr delete u3 u4
# Room for two blocks only, both taken: the third create fails, and stays failed.
stop_sysctrd
echo "root:$base:131072" > "$T/subuid-small" && cp "$T/subuid-small" "$T/subgid-small"
SYSCTR_SUBUID=$T/subuid-small SYSCTR_SUBGID=$T/subgid-small start_sysctrd
run sysctr create busybox f1
is "$rc" 0 "with room for two ranges (one is u2's), one more container can be made" || diag "$err"
run sysctr create busybox f2
isnt "$rc" 0 "out of ranges: create fails"
like "$err" 'subuid|subgid|range|ID' "... saying why: $err"
ok "... and nothing is left of f2" test ! -e "$SYSCTR_STATE_DIR/containers/f2"
run sysctr info f2
isnt "$rc" 0 "... not even on the bus"
run sysctr create busybox f2 --privileged
is "$rc" 0 "a privileged container needs no range" || diag "$err"
run sysctr delete f1 f2
stop_sysctrd
start_sysctrd

# --- --privileged: the host's root inside. Which attacks work is pinned down here (and listed in
# docs/security.md): this mode is for trusted guests only.
boot p1 --privileged
run sysctr exec p1 -- cat /proc/self/uid_map
is "$(echo $out)" "0 0 4294967295" "p1's IDs are the host's"
run sysctr info p1
like "$out" 'Privileged: yes' "sysctr info says p1 is privileged"
run sysctr list
like "$out" 'p1 +running +debian +yes' "sysctr list shows p1 as privileged"
# What works there: mounts and writes of a root with CAP_SYS_ADMIN of the host's user namespace
# (a sysctl written through a remounted /proc/sys or a fresh proc, a masked file read, devtmpfs,
# debugfs and tracefs mounted, a binfmt_misc handler registered on the host). What does not: sysfs
# stays read-only (it belongs to the container's network namespace), the device policy (a node can
# be made, not opened), the cgroup namespace (no new v1 hierarchy, no release_agent in view), the
# capability bounding set and seccomp (modules, the kernel log), the PID namespace.
works="remount-proc-sys fresh-proc unmask devtmpfs binfmt_misc debugfs tracefs"
for a in $attacks; do
        arg=
        [ "$a" = mknod-block ] && arg=$rootdev
        probe p1 "$a" $arg
        case " $(echo $works) " in
        *" $a "*) is "$rc" 0 "privileged: $a works (documented)" || diag "$out" ;;
        *) is "$rc" 1 "privileged: $a is refused" || diag "$out" ;;
        esac
        [ "$a" != binfmt_misc ] || run sysctr exec p1 -- /tmp/probe binfmt_misc-cleanup
done
ok "the probe's handler is gone from the host's binfmt_misc" eval '! host_binfmt_has_probe'
run sysctr stop p1
is "$rc" 0 "stop p1"

is "$(host_settings)" "$host_before" "the host's kernel settings and modules are as before"
