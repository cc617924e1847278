#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Run as root inside a container by test-hostile-root.sh: one attack of a hostile guest root on the
# host, named by $1. Exit status 0: the attack worked; 1: it was refused (the line printed says at
# which step); 2: the probe could not run (a file or tool it needs is missing), which the test counts
# as a failure, never as a refusal. Whatever a probe writes is the value it just read there, so that
# an attack that works changes nothing on the host.
set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin:/tmp
W=/tmp/hostile-probe
mkdir -p "$W"

say() { printf '%s\n' "$*"; }

# writeback FILE: read FILE and write the value back. 0 written, 1 refused, 2 unreadable.
writeback() {
        if ! v=$(cat "$1" 2>/dev/null); then
                say "cannot read $1"
                return 2
        fi
        if ! err=$( (printf '%s\n' "$v" >"$1") 2>&1); then
                say "writing $1 refused: $err"
                return 1
        fi
        say "wrote $1 (its own value back)"
        return 0
}

# try_mount WHAT TYPE [OPTIONS]: mount a TYPE file system on $W/WHAT. 0 mounted, 1 refused.
try_mount() {
        mkdir -p "$W/$1"
        if ! err=$(mount -t "$2" ${3:+-o "$3"} "$2" "$W/$1" 2>&1); then
                say "mount -t $2 refused: $err"
                return 1
        fi
        say "mounted $2 on $W/$1"
        return 0
}

# A sysctl and a sysfs file that root of the host may write, with their current values.
SYSCTL=/proc/sys/kernel/core_pattern
SYSFS=/sys/kernel/mm/ksm/pages_to_scan

case $1 in
remount-proc-sys)
        mount -o remount,bind,rw /proc/sys 2>/dev/null || mount -o remount,rw /proc/sys 2>/dev/null ||
                say "remount of /proc/sys refused"
        writeback "$SYSCTL"
        ;;
remount-sys)
        mount -o remount,bind,rw /sys 2>/dev/null || mount -o remount,rw /sys 2>/dev/null ||
                say "remount of /sys refused"
        writeback "$SYSFS"
        ;;
fresh-proc)
        try_mount proc proc || exit 1
        writeback "$W/proc/${SYSCTL#/proc/}"
        r=$?
        umount "$W/proc"
        exit $r
        ;;
fresh-sysfs)
        try_mount sys sysfs || exit 1
        writeback "$W/sys/${SYSFS#/sys/}"
        r=$?
        umount "$W/sys"
        exit $r
        ;;
unmask)
        # A masked file of /proc: unmount the mask, then read what it hid.
        [ -e /proc/timer_list ] || { say "no /proc/timer_list"; exit 2; }
        umount /proc/timer_list 2>/dev/null && say "unmounted the mask of /proc/timer_list" ||
                say "unmounting the mask of /proc/timer_list refused"
        if ! n=$(head -c 64 /proc/timer_list 2>/dev/null | wc -c) || [ "$n" -eq 0 ]; then
                say "reading /proc/timer_list refused (or it is empty)"
                exit 1
        fi
        say "read the host's /proc/timer_list"
        exit 0
        ;;
devtmpfs | debugfs | tracefs)
        try_mount "$1" "$1" || exit 1
        umount "$W/$1"
        exit 0
        ;;
binfmt_misc)
        # Mount it and register a handler. Kernels since 6.7 give a user namespace an instance of
        # its own: the attack worked only if the host's instance has the handler (the test looks).
        try_mount binfmt binfmt_misc || exit 1
        if ! err=$( (echo ':sysctr-probe:E::sysctrprobe::/bin/false:' >"$W/binfmt/register") 2>&1); then
                say "registering a handler refused: $err"
                umount "$W/binfmt"
                exit 1
        fi
        say "registered sysctr-probe in the binfmt_misc instance mounted here"
        exit 0
        ;;
binfmt_misc-cleanup)
        [ -e "$W/binfmt/sysctr-probe" ] && echo -1 >"$W/binfmt/sysctr-probe"
        umount "$W/binfmt" 2>/dev/null
        exit 0
        ;;
mknod-block)
        # $2: MAJOR:MINOR of the host's root file system device.
        if ! err=$(mknod "$W/blk" b "${2%:*}" "${2#*:}" 2>&1); then
                say "mknod b $2 refused: $err"
                exit 1
        fi
        if ! head -c 1 "$W/blk" >/dev/null 2>&1; then
                say "mknod b $2 worked, opening it was refused"
                rm -f "$W/blk"
                exit 1
        fi
        rm -f "$W/blk"
        say "read the host's block device $2"
        exit 0
        ;;
mknod-kmsg)
        if ! err=$(mknod "$W/kmsg" c 1 11 2>&1); then
                say "mknod c 1 11 refused: $err"
                exit 1
        fi
        if ! timeout 2 head -c 1 "$W/kmsg" >/dev/null 2>&1; then
                say "mknod c 1 11 worked, reading it was refused"
                rm -f "$W/kmsg"
                exit 1
        fi
        rm -f "$W/kmsg"
        say "read the host's kernel log through a /dev/kmsg of our own"
        exit 0
        ;;
release-agent)
        # A new named v1 hierarchy, else one of the kernel's existing v1 hierarchies (on a hybrid
        # host their root is the host's, with its release_agent).
        if ! try_mount cgroup cgroup none,name=sysctrprobe; then
                for c in $(awk '!/^#/ && $4 == 1 { print $1 }' /proc/cgroups); do
                        try_mount cgroup cgroup "$c" && break
                done
        fi
        mountpoint -q "$W/cgroup" || exit 1
        if [ ! -e "$W/cgroup/release_agent" ]; then
                say "mounted, but no release_agent there (the mount's root is our cgroup namespace's)"
                umount "$W/cgroup"
                exit 1
        fi
        writeback "$W/cgroup/release_agent"
        r=$?
        umount "$W/cgroup"
        exit $r
        ;;
module)
        [ -x /tmp/busybox ] || { say "no /tmp/busybox"; exit 2; }
        head -c 4096 /dev/zero >"$W/junk.ko"
        # With CAP_SYS_MODULE the kernel reads the file and says it is no module; without it the
        # call is refused first.
        err=$(/tmp/busybox insmod "$W/junk.ko" 2>&1)
        case $err in
        *"not permitted"*) say "insmod refused: $err"; exit 1 ;;
        esac
        say "the kernel read the module: $err"
        exit 0
        ;;
dmesg-read)
        if ! n=$(dmesg 2>/dev/null | wc -l) || [ "$n" -eq 0 ]; then
                say "reading the kernel log refused"
                exit 1
        fi
        say "read $n lines of the host's kernel log"
        exit 0
        ;;
dmesg-clear)
        # Clearing the log cannot be undone: setting the console log level to the one it has is
        # checked the same way (syslog(2): both need CAP_SYSLOG), and changes nothing.
        level=$(cut -f1 /proc/sys/kernel/printk) || exit 2
        if ! err=$(dmesg -n "$level" 2>&1); then
                say "syslog(SYSLOG_ACTION_CONSOLE_LEVEL), checked as SYSLOG_ACTION_CLEAR, refused: $err"
                exit 1
        fi
        say "set the console log level (so could clear the kernel log)"
        exit 0
        ;;
host-process)
        # Every process we can see is in our PID namespace; a process of another could be signalled.
        own=$(readlink /proc/1/ns/pid)
        for d in /proc/[0-9]*; do
                ns=$(readlink "$d/ns/pid" 2>/dev/null) || continue
                if [ "$ns" != "$own" ]; then
                        say "$d is in $ns, not our $own"
                        kill -0 "${d#/proc/}" 2>/dev/null && say "and can be signalled"
                        exit 0
                fi
        done
        say "only processes of our own PID namespace are visible"
        exit 1
        ;;
*)
        say "unknown probe $1"
        exit 2
        ;;
esac
