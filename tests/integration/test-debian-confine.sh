#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What a booted debian guest sees of the host and what it may do to it: the mounts (/proc, /sys,
# /dev, /run, propagation both ways), the capability bounding set and seccomp of init and of exec'd
# processes, writes to kernel settings, device nodes, modules, new cgroup hierarchies; and symlinks
# planted in the guest's tree while it is stopped, which the agent must not follow on the host.
#
# Every write to /proc or /sys (inside or out) writes back the value just read: should the
# confinement fail, the host is left as it was. The host's values are compared before and after.
. "$(dirname "$0")/lib.sh"
require_root
setup_instance
use_cached_image debian bookworm

host_settings() {
        local f
        # Not the host's mounts or ip_forward: other tests running at the same time change them.
        for f in /proc/sys/kernel/core_pattern /proc/sys/kernel/hostname /sys/kernel/mm/ksm/pages_to_scan \
                 /proc/sys/kernel/pid_max /proc/sys/kernel/modprobe /proc/modules; do
                [ -r "$f" ] && printf '%s: %s\n' "$f" "$(cat "$f")"
        done
}
host_before=$(host_settings)

# --- symlinks planted in the stopped guest's upper layer: /etc/hostname and /etc/machine-id point
# at host files (empty, so an agent that followed them would write its values there).
run sysctr create debian sym1
is "$rc" 0 "create sym1" || diag "$err"
upper="$SYSCTR_STATE_DIR/containers/sym1/upper"
mkdir -p "$upper/etc" "$T/host"
: > "$T/host/hostname-target"
: > "$T/host/machine-id-target"
touch -d '2001-01-01 00:00:00' "$T/host/hostname-target" "$T/host/machine-id-target"
ln -s "$T/host/hostname-target" "$upper/etc/hostname"
ln -s "$T/host/machine-id-target" "$upper/etc/machine-id"
# Planted as the guest's root would: owned by the container's first host ID.
base=$(config_field sym1 id-base)
chown -h "$base:$base" "$upper/etc" "$upper/etc/hostname" "$upper/etc/machine-id"
stamp() { stat -c '%s %Y' "$1"; }
before=$(stamp "$T/host/hostname-target")/$(stamp "$T/host/machine-id-target")
run sysctr start sym1
is "$rc" 0 "sym1 starts with symlinked /etc/hostname and /etc/machine-id (the agent warns, boots anyway)" ||
        diag "$err" "$(tail -n 20 "$SYSCTR_LOG_DIR/sym1.log" 2>/dev/null)"
after=$(stamp "$T/host/hostname-target")/$(stamp "$T/host/machine-id-target")
is "$after" "$before" "the host files the symlinks name are untouched (size, mtime)"
ok "the symlinks are still symlinks" eval '[ -L "$upper/etc/hostname" ] && [ -L "$upper/etc/machine-id" ]'
is "$(cat "$T/host/hostname-target" "$T/host/machine-id-target")" "" "... and the host files are still empty"
ok "the agent's log says why it did not write them" grep -qi symlink "$SYSCTR_LOG_DIR/sym1.log"
run sysctr stop sym1
is "$rc" 0 "stop sym1"
run sysctr delete sym1
is "$rc" 0 "delete sym1"

# --- one boot for everything else
run sysctr create debian sec1
is "$rc" 0 "create sec1" || diag "$err"
run sysctr start sec1
is "$rc" 0 "start sec1" || { diag "$err" "$(tail -n 30 "$SYSCTR_LOG_DIR/sec1.log" 2>/dev/null)"; bail "sec1 did not start"; }
booted=$(guest_wait_booted sec1)
is "$booted" running "sec1 boots to running"

# A static busybox from the host, for the tools the minimal image lacks (insmod, modprobe).
run sysctr exec sec1 -- sh -c 'cat > /tmp/busybox && chmod 0755 /tmp/busybox' < /bin/busybox
ok "a static busybox copied into the guest runs" sysctr exec sec1 -- /tmp/busybox true

# mountinfo of the guest: "mountpoint fstype options"
run sysctr exec sec1 -- cat /proc/self/mountinfo
mi=$(printf '%s\n' "$out" | awk '{ for (i = 7; $i != "-"; i++); print $5, $(i + 1), $6 }')
mount_of() { printf '%s\n' "$mi" | awk -v m="$1" '$1 == m { l = $0 } END { print l }'; }   # the top one

# --- /proc
like "$(mount_of /proc)" '^/proc proc rw' "/proc is a read-write proc"
like "$(mount_of /proc/sys)" '^/proc/sys [^ ]+ ro(,|$)' "/proc/sys is read-only"
guest_sh sec1 'v=$(cat /proc/sys/kernel/core_pattern) && printf "%s\n" "$v" > /proc/sys/kernel/core_pattern'
isnt "$rc" 0 "writing kernel.core_pattern back fails"
guest_sh sec1 'v=$(cat /proc/sys/kernel/pid_max) && printf "%s\n" "$v" > /proc/sys/kernel/pid_max'
isnt "$rc" 0 "writing kernel.pid_max back fails"
guest_sh sec1 'v=$(cat /proc/sys/net/ipv4/ip_forward) && printf "%s\n" "$v" > /proc/sys/net/ipv4/ip_forward'
is "$rc" 0 "/proc/sys/net is writable (the container's own network namespace)" || diag "$err"
like "$(mount_of /proc/sys/net)" '^/proc/sys/net [^ ]+ rw(,|$)' "/proc/sys/net is mounted read-write"
for f in /proc/kcore /proc/keys /proc/timer_list; do
        guest_sh sec1 "[ ! -e $f ] || [ \$( (head -c 1 $f 2>/dev/null || true) | wc -c) -eq 0 ]"
        is "$rc" 0 "$f is masked (absent, empty or unreadable)"
done
guest_sh sec1 '[ ! -e /proc/sysrq-trigger ] || ! (exec 3>>/proc/sysrq-trigger) 2>/dev/null'
is "$rc" 0 "/proc/sysrq-trigger is absent or not writable"

# --- /sys
like "$(mount_of /sys)" '^/sys sysfs ro(,|$)' "/sys is a read-only sysfs"
guest_sh sec1 'cat /sys/kernel/mm/ksm/pages_to_scan'
like "$out" '^[0-9]+$' "/sys/kernel/mm/ksm/pages_to_scan is readable"
guest_sh sec1 'v=$(cat /sys/kernel/mm/ksm/pages_to_scan) && printf "%s\n" "$v" > /sys/kernel/mm/ksm/pages_to_scan'
isnt "$rc" 0 "writing /sys/kernel/mm/ksm/pages_to_scan back fails"
guest_sh sec1 'touch /sys/sctest'
isnt "$rc" 0 "nothing can be created in /sys"

# --- /dev
run sysctr exec sec1 -- ls -A /dev
devs=$(printf '%s\n' "$out" | sort)
standard="console fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero"
# What the guest's systemd adds itself: journald's /dev/log link, tmpfiles' /dev/core link, the
# hugepages mount, the initctl fifo of systemd-initctl.
by_systemd="core hugepages initctl log"
missing=$(comm -13 <(printf '%s\n' "$devs") <(printf '%s\n' $standard | sort))
is "$missing" "" "/dev holds the standard nodes: $standard"
extra=$(comm -23 <(printf '%s\n' "$devs") <(printf '%s\n' $standard $by_systemd | sort) | tr '\n' ' ')
is "$extra" "" "/dev holds nothing else (but what systemd adds: $by_systemd)"
run sysctr exec sec1 -- find /dev -xdev -type b
is "$out" "" "no block device in /dev"
run sysctr exec sec1 -- sh -c 'ls /dev/sda /dev/vda /dev/mem /dev/kmsg 2>/dev/null'
is "$out" "" "no /dev/sda, /dev/vda, /dev/mem or /dev/kmsg"
like "$(mount_of /dev)" '^/dev tmpfs ' "/dev is a tmpfs"
like "$(mount_of /dev/pts)" '^/dev/pts devpts ' "/dev/pts is a devpts"
like "$(mount_of /dev/shm)" '^/dev/shm tmpfs rw' "/dev/shm is a writable tmpfs"
like "$(mount_of /dev/mqueue)" '^/dev/mqueue mqueue ' "/dev/mqueue is an mqueue"
run sysctr exec sec1 -- stat -L -c '%F %t' /dev/console
like "$out" '^character special file 8[89a-f]$' "/dev/console is a pty (Unix98 major 136-143)"
run sysctr exec sec1 -- sh -c 'echo sysctr-test-console > /dev/console'
is "$rc" 0 "writing to /dev/console works (the agent keeps the pty's other end open)"
ok "... and it reaches the console log" wait_for 3 grep -q sysctr-test-console \
        "$SYSCTR_RUNTIME_DIR/containers/sec1/console.log"
for n in null zero full random urandom tty ptmx; do
        guest_sh sec1 "[ -c /dev/$n ]"
        is "$rc" 0 "/dev/$n is a character device"
done

# --- /run, /tmp
like "$(mount_of /run)" '^/run tmpfs rw' "/run is a writable tmpfs"
like "$(mount_of /run/host)" '^/run/host tmpfs ro' "/run/host is a read-only tmpfs"
run sysctr exec sec1 -- stat -c %a /tmp
is "$out" 1777 "/tmp is world-writable and sticky"

# --- mount propagation, both ways
run sysctr exec sec1 -- mount -t tmpfs sctest-inside-$$ /mnt
is "$rc" 0 "a tmpfs can be mounted inside" || diag "$err"
unlike "$(cat /proc/self/mountinfo)" "sctest-inside-$$" "the mount made inside does not appear on the host"
ok "... nor in any other host mount namespace we can see" eval \
        '! grep -qs "sctest-inside-$$" /proc/1/mountinfo /proc/$SYSCTRD_PID/mountinfo'
run sysctr exec sec1 -- umount /mnt
mkdir -p "$T/hostmnt"
mount -t tmpfs "sctest-host-$$" "$T/hostmnt" || diag "mount on the host failed"
run sysctr exec sec1 -- cat /proc/self/mountinfo
unlike "$out" "sctest-host-$$" "a mount made on the host does not appear inside"
umount "$T/hostmnt"

# --- capabilities and seccomp, of init and of an exec'd process
# 16 SYS_MODULE, 17 SYS_RAWIO, 25 SYS_TIME, 30 AUDIT_CONTROL, 32 MAC_OVERRIDE, 33 MAC_ADMIN
forbidden="16 17 25 30 32 33"
run sysctr exec sec1 -- cat /proc/1/status
init_status=$out
run sysctr exec sec1 -- cat /proc/self/status
exec_status=$out
for who in init exec; do
        [ "$who" = init ] && st=$init_status || st=$exec_status
        bnd=$(status_field "$st" CapBnd)
        like "$bnd" '^[0-9a-f]{16}$' "$who: CapBnd is readable ($bnd)"
        # shellcheck disable=SC2086
        is "$(cap_bits "${bnd:-0}" $forbidden)" "" "$who: the bounding set lacks SYS_MODULE SYS_RAWIO SYS_TIME AUDIT_CONTROL MAC_OVERRIDE MAC_ADMIN"
        is "$(cap_bits "${bnd:-0}" 21)" 21 "$who: the bounding set keeps SYS_ADMIN (systemd needs it)"
        is "$(status_field "$st" Seccomp)" 2 "$who: seccomp is in filter mode"
done

# --- what root inside must not do to the host
run sysctr exec sec1 -- /tmp/busybox modprobe dummy
isnt "$rc" 0 "modprobe dummy fails"
# A file that is no module: with CAP_SYS_MODULE the kernel would parse it and say "invalid
# format"; without it (or with seccomp) the call is refused before the file is read.
run sysctr exec sec1 -- sh -c 'head -c 4096 /dev/zero > /tmp/junk.ko && /tmp/busybox insmod /tmp/junk.ko'
isnt "$rc" 0 "insmod fails"
like "$err$out" 'not permitted|Operation not permitted' "... refused (EPERM), not merely a bad module"
run sysctr exec sec1 -- mknod /tmp/sda b 8 0
isnt "$rc" 0 "mknod /tmp/sda b 8 0 fails"
ok "... and left no node" sysctr exec sec1 -- sh -c '! [ -b /tmp/sda ]'
run sysctr exec sec1 -- mount -t cgroup -o none,name=sctest none /mnt
isnt "$rc" 0 "mounting a new cgroup v1 hierarchy fails"
ok "... and no such hierarchy appeared on the host" eval '! grep -q "name=sctest" /proc/self/mountinfo /proc/*/cgroup 2>/dev/null'
run sysctr exec sec1 -- sh -c 'v=$(cat /proc/sys/kernel/hostname) && hostname "$v"'
is "$rc" 0 "setting the hostname to itself works (the guest's own UTS namespace)" || diag "$err"

host_after=$(host_settings)
is "$host_after" "$host_before" "the host's kernel settings and modules are as before"

run sysctr stop sec1
is "$rc" 0 "stop sec1"
