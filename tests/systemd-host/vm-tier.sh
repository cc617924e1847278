#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The systemd-host tests' full tier: a VM under qemu (software emulation) booting the Debian kernel
# with systemd as PID 1 on a pure cgroup2 hierarchy with controllers, and the build under test
# installed in it. It runs what needs controllers or a reboot (tests/systemd-host/inside/vm-*.sh):
# limits applied live, the OOM behaviour, Delegate=yes with controllers in payload/, autostart
# across a reboot; and the shared inside tests that name this tier (a line "# tiers: ... vm").
# One TAP program for automake: the guest's TAP comes back on the second serial port and is passed
# through here, renumbered, each test's name prefixed with its file's.
#
#   sudo top_builddir=$PWD/build tests/systemd-host/vm-tier.sh      ("make check-vm" does this)
#
# Environment:
#   SYSCTR_VM_CACHE      where the base image is cached (default /var/cache/sysctr-tests/vm; the
#                        first run builds it with mmdebstrap, a few minutes)
#   SYSCTR_VM_TIMEOUT    seconds one boot may take, its tests included (default 600)
#   SYSCTR_VM_BUDGET     seconds the tier may take once the base is there (default 840: a run
#                        must stay under 15 min)
#   SYSCTR_VM_TESTS      run only these in-VM tests (e.g. vm-limits,vm-oom), for debugging
#   SYSCTR_TEST_KEEP=1   keep the work dir (root.img, console and TAP logs) for a post-mortem
#
# Needs root (mount, mkfs of a tree of root's files), qemu-system-x86_64, mmdebstrap and a build
# configured with --prefix=/usr --sysconfdir=/etc --localstatedir=/var --runstatedir=/run: the
# guest runs "make install" of it. Otherwise it reports "skip" with the reason.
set -u
export LC_ALL=C PATH=$PATH:/usr/sbin:/sbin

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
vm=$top_srcdir/tests/systemd-host/vm
cache=${SYSCTR_VM_CACHE:-/var/cache/sysctr-tests/vm}
boot_timeout=${SYSCTR_VM_TIMEOUT:-600}
budget=${SYSCTR_VM_BUDGET:-840}
max_boots=3

work=
qemu_pid=
debian_image= debian_disk=
started=$SECONDS

# TAP: diag, skip_all and the count of tests; the guest's tests pass through result.
# shellcheck source=../tap.sh
. "$top_srcdir/tests/tap.sh"
result() { _tap_result "$1" "$2" || true; }     # result STATUS DESCRIPTION

cleanup() {
        local s=$?
        # vm/boot is timeout(1) running qemu: it passes the signal on and waits for qemu.
        if [ -n "$qemu_pid" ]; then
                kill "$qemu_pid" 2>/dev/null
                wait "$qemu_pid" 2>/dev/null
        fi
        if [ -n "$work" ]; then
                # mkimage unmounts itself; this is for a kill in the middle of it.
                mountpoint -q "$work/merged" 2>/dev/null && umount "$work/merged"
                if [ -n "${SYSCTR_TEST_KEEP:-}" ]; then
                        echo "# kept $work"
                else
                        rm -rf "$work"
                fi
        fi
        exit "$s"
}

# ---------------------------------------------------------------------------------------------------
# What this tier needs: it runs where it can and says why where it cannot.
check_requirements() {
        local v want
        [ "$(id -u)" = 0 ] || skip_all "needs root (mounts, mkfs of root's files)"
        command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
        command -v mmdebstrap >/dev/null || skip_all "mmdebstrap missing (apt-get install mmdebstrap)"
        command -v mkfs.ext4 >/dev/null || skip_all "mkfs.ext4 missing (apt-get install e2fsprogs)"
        [ "$(uname -m)" = x86_64 ] || skip_all "the VM is x86_64 only for now"
        [ -f "$top_builddir/Makefile" ] || skip_all "no build in $top_builddir"
        for want in prefix=/usr sysconfdir=/etc localstatedir=/var runstatedir=/run; do
                v=$(sed -n "s/^${want%%=*} = //p" "$top_builddir/Makefile")
                [ "$v" = "${want#*=}" ] || \
                        skip_all "the build is configured with ${want%%=*}=$v; the VM installs it, so it needs --$want"
        done
}

# The cached base (built on first use), under the cache lock: exclusive while it may be built,
# then shared for as long as this run reads it, so that no other run removes it meanwhile.
get_base() {
        mkdir -p "$cache" || return 1
        exec 9>"$cache/.lock"
        flock -x 9
        base=$(SYSCTR_VM_LOCKED=1 "$vm/build-base") || return 1
        flock -s 9
}

# The debian image from the integration tests' image cache, for the inside tests that boot nested
# Debian guests: made into a second disk that the guest mounts at /var/lib/sysctr/images/NAME
# (qemu's snapshot=on: the guest's writes are discarded). Optional: without it those tests skip
# that part. Sets $debian_image and $debian_disk.
make_debian_disk() {
        local cache=${SYSCTR_TEST_IMAGE_CACHE:-/var/cache/sysctr-tests/images} img e entry= mb
        img=debian-bookworm-$(dpkg --print-architecture)
        # shellcheck disable=SC2045 # the names are ours: IMAGE@KEY
        for e in $(ls -dt "$cache/$img@"* 2>/dev/null); do
                [ -f "$e/image.info" ] && [ -d "$e/rootfs/usr" ] && entry=$e && break
        done
        [ -n "$entry" ] || return 0
        # The cache's "in use" lock (tests/integration/lib.sh): no pruning while we read it.
        exec 8>>"$entry.use"
        flock -s 8
        mb=$(du -sm "$entry" | cut -f1)
        if mkfs.ext4 -q -F -L sysctr-debian -d "$entry" "$work/debian.img" "$((mb * 12 / 10 + 64))M" \
                >"$work/mkfs-debian.log" 2>&1; then
                debian_image=$img debian_disk=$work/debian.img
        else
                diag "could not make a disk of $entry: $(cat "$work/mkfs-debian.log")"
        fi
        exec 8>&-
}

# ---------------------------------------------------------------------------------------------------
# Passing the guest's TAP through. Lines starting "#@" are the runner's frame (vm/vm-run); what
# lies between "#@ begin NAME" and "#@ end NAME RC" is test NAME's own TAP.
declare -A planned ran failed ended bailed
cur=

begin_test() {
        cur=$1
        ran[$cur]=0 failed[$cur]=0 planned[$cur]= ended[$cur]= bailed[$cur]=
}

end_test() {            # end_test NAME RC "BOOT, TIME"
        local t=$1 rc=$2 s=0 why=
        [ "$t" = "$cur" ] || return
        if [ -n "${bailed[$t]}" ]; then
                s=1 why="bailed out"
        elif [ -z "${planned[$t]}" ]; then
                s=1 why="printed no plan"
        elif [ "${planned[$t]}" != "${ran[$t]}" ]; then
                s=1 why="planned ${planned[$t]} tests, ran ${ran[$t]}"
        elif [ "$rc" != 0 ] && [ "${failed[$t]}" = 0 ]; then
                s=1 why="exited $rc with no failed test"
        fi
        result "$s" "$t: ran to completion (boot $3)${why:+: $why}"
        ended[$t]=1
        cur=
}

tap_line() {            # one line of a test's own TAP
        local l=$1 re='^(not )?ok [0-9]*( - | )?(.*)$' desc
        if [[ "$l" =~ $re ]]; then
                ran[$cur]=$((ran[$cur] + 1))
                desc=${BASH_REMATCH[3]}
                [ -n "${BASH_REMATCH[1]}" ] && failed[$cur]=$((failed[$cur] + 1))
                if [[ "$desc" == \#* ]]; then
                        desc="$cur $desc"
                else
                        desc="$cur: $desc"
                fi
                result "$([ -z "${BASH_REMATCH[1]}" ]; echo $?)" "$desc"
        elif [[ "$l" =~ ^1\.\.([0-9]+) ]]; then
                planned[$cur]=${BASH_REMATCH[1]}
                [[ "$l" != *"# SKIP"* ]] || diag "$cur: ${l#*# }"
        elif [[ "$l" == "Bail out!"* ]]; then
                bailed[$cur]=1
                diag "$cur: $l"
        elif [[ "$l" == \#* ]]; then
                echo "$l"
        elif [ -n "$l" ]; then
                echo "# $l"
        fi
}

# pass_tap BOOT FILE: prints the TAP of one boot; sets $next to "reboot", "done" or "" (the VM
# stopped without saying: a crash or a timeout) and $sysstate to the boot's system state.
pass_tap() {
        local boot=$1 l t rc secs
        next= sysstate=
        while IFS= read -r l || [ -n "$l" ]; do
                l=${l%$'\r'}
                case "$l" in
                "#@ boot "*) ;;
                "#@ system "*) sysstate=${l#\#@ system }; diag "boot $boot: system $sysstate" ;;
                "#@ begin "*) begin_test "${l#\#@ begin }" ;;
                "#@ end "*) read -r t rc secs <<< "${l#\#@ end }"; end_test "$t" "$rc" "$boot, ${secs}s" ;;
                "#@ reboot") next=reboot ;;
                "#@ done") next=done ;;
                "#"*) [ -n "$cur" ] && tap_line "$l" || echo "$l" ;;
                *) if [ -n "$cur" ]; then tap_line "$l"; elif [ -n "$l" ]; then echo "# $l"; fi ;;
                esac
        done < "$2"
        if [ -n "$cur" ]; then
                result 1 "$cur: ran to completion (boot $boot): the VM stopped in the middle of it"
                ended[$cur]=1
                cur=
        fi
}

console_tail() {        # the end of a boot's console log, without terminal escapes
        diag "last lines of the console (boot $1):"
        tail -n "${2:-60}" "$work/console.$1.log" 2>/dev/null |
                sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' -e 's/\r$//' -e 's/^/# /'
}

# ---------------------------------------------------------------------------------------------------
run_boots() {
        local boot s t0 limit args="sysctr.tests=${SYSCTR_VM_TESTS:-1}"
        for ((boot = 1; boot <= max_boots; boot++)); do
                t0=$SECONDS
                limit=$((budget - (SECONDS - started)))
                [ "$limit" -le "$boot_timeout" ] || limit=$boot_timeout
                if [ "$limit" -lt 60 ]; then
                        result 1 "boot $boot: time left in the tier's budget of ${budget}s"
                        return 1
                fi
                diag "boot $boot: starting qemu (at most ${limit}s)"
                # In the background: a signal to this script then stops qemu at once (cleanup).
                SYSCTR_VM_DISK2=$debian_disk "$vm/boot" "$base" "$work/root.img" "$work/console.$boot.log" \
                        "$work/tap.$boot.log" "$limit" "$args" >"$work/qemu.$boot.log" 2>&1 &
                qemu_pid=$!
                wait "$qemu_pid"
                s=$?
                qemu_pid=
                diag "boot $boot: qemu exited $s after $((SECONDS - t0))s"
                # "-cpu max" under TCG warns about each feature it cannot emulate: noise.
                grep -v "host doesn.t support requested feature" "$work/qemu.$boot.log" | sed 's/^/# qemu: /'
                touch "$work/tap.$boot.log"
                pass_tap "$boot" "$work/tap.$boot.log"
                if [ "$boot" = 1 ]; then
                        is_running=1
                        [ "$sysstate" = running ] && is_running=0
                        result "$is_running" "boot 1: systemd reached 'running' with no failed unit (got '$sysstate')"
                fi
                case "$next" in
                done) result 0 "boot $boot: the tests ran and the VM powered off"; return 0 ;;
                reboot) result 0 "boot $boot: the VM rebooted for the tests that asked" ;;
                *)
                        [ "$s" = 124 ] && s="timed out after ${limit}s" || s="qemu exited $s"
                        result 1 "boot $boot: the VM finished its tests ($s)"
                        console_tail "$boot"
                        return 1 ;;
                esac
        done
        result 1 "the VM asked for more than $max_boots boots"
}

main() {
        local t name
        check_requirements
        trap cleanup EXIT
        trap 'exit 143' TERM INT HUP
        work=$(mktemp -d /var/tmp/sysctr-vm.XXXXXX)

        if ! get_base >"$work/base.log" 2>&1; then
                result 1 "the VM's base image is built or cached"
                diag "$(tail -n 40 "$work/base.log")"
                echo "1..$_tap_n"
                exit 1
        fi
        diag "base: $base ($((SECONDS - started))s)"
        # The budget is for a run with the base cached: building it is a one-off of a few minutes.
        started=$SECONDS
        t=$SECONDS
        make_debian_disk
        if ! "$vm/mkimage" "$base" "$top_builddir" "$top_srcdir" "$work" $debian_image \
                >"$work/mkimage.log" 2>&1; then
                result 1 "the VM's root image is made with the build installed"
                diag "$(tail -n 40 "$work/mkimage.log")"
                echo "1..$_tap_n"
                exit 1
        fi
        result 0 "the VM's root image is made with the build installed ($((SECONDS - t))s)"
        [ -n "$debian_image" ] && diag "nested Debian guests get $debian_image" ||
                diag "no cached debian image (tests/integration's cache): nested Debian guests skip"

        run_boots
        # Every in-VM test must have run (and, across reboots, finished).
        for t in "$top_srcdir"/tests/systemd-host/inside/vm-*.sh "$top_srcdir"/tests/systemd-host/inside/test-*.sh; do
                [ -f "$t" ] || continue
                name=$(basename "$t" .sh)
                [[ $name == vm-* ]] || grep -qE '^# tiers:.*( |^)vm( |$)' "$t" || continue
                [ -z "${SYSCTR_VM_TESTS:-}" ] || [[ ",${SYSCTR_VM_TESTS//.sh/}," == *",$name,"* ]] || continue
                [ -n "${ended[$name]:-}" ] || result 1 "$name: ran in the VM"
        done
        diag "the full tier took ${SECONDS}s, $((SECONDS - started))s of it with the base ready"
        echo "1..$_tap_n"
}

main "$@"
exit
