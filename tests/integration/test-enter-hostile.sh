#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The process that enters a container (sysctr-enter's child, before it executes the command) against
# a hostile root already inside (the runc CVE-2019-5736 class). sysctrd holds each entering process
# for a while before its execve() (SYSCTR_TEST_ENTER_DELAY_MS, a test hook), and root inside the
# guest looks at it meanwhile: it must find no host binary behind /proc/PID/exe, no host descriptor
# in /proc/PID/fd, no way to read its memory or environment, no way to ptrace it, and the guest's
# capability bounding set and seccomp filter already in place.
. "$(dirname "$0")/lib.sh"
require_root
require_programs ptrace-probe
setup_instance
use_cached_image debian bookworm

stop_sysctrd
SYSCTR_TEST_ENTER_DELAY_MS=8000 start_sysctrd

# What root inside sees of the entering process: the one other process that, like the probe's own
# shell, has its parent outside the guest (PPid 0) and is not PID 1.
probe_script='
self=$$
for d in /proc/[0-9]*; do
        p=${d#/proc/}
        [ "$p" = 1 ] || [ "$p" = "$self" ] && continue
        [ "$(sed -n "s/^PPid:[[:space:]]*//p" "$d/status" 2>/dev/null)" = 0 ] || continue
        target=$p
done
[ -n "$target" ] || { echo "no-target"; exit 0; }
echo "target=$target"
echo "exe=$(readlink /proc/$target/exe 2>&1 || echo REFUSED)"
head -c 1 /proc/$target/exe >/dev/null 2>&1 && echo "exe-open=yes" || echo "exe-open=no"
(: >> /proc/$target/exe) 2>/dev/null && echo "exe-write=yes" || echo "exe-write=no"
ls /proc/$target/fd >/dev/null 2>&1 && echo "fds=$(ls /proc/$target/fd | tr "\n" " ")" || echo "fds=REFUSED"
head -c 1 /proc/$target/environ >/dev/null 2>&1 && echo "environ=yes" || echo "environ=no"
dd if=/proc/$target/mem bs=1 count=1 skip=4194304 >/dev/null 2>&1 && echo "mem=yes" || echo "mem=no"
echo "capbnd=$(sed -n "s/^CapBnd:[[:space:]]*//p" /proc/$target/status)"
echo "init-capbnd=$(sed -n "s/^CapBnd:[[:space:]]*//p" /proc/1/status)"
echo "seccomp=$(sed -n "s/^Seccomp:[[:space:]]*//p" /proc/$target/status)"
/tmp/ptrace-probe "$target" >/dev/null 2>&1 && echo "ptrace=yes" || echo "ptrace=no"
'

field() { printf '%s\n' "$1" | sed -n "s/^$2=//p"; }

for mode in unprivileged privileged; do
        name=h-$mode
        opt=
        [ "$mode" = privileged ] && opt=--privileged
        run sysctr create debian "$name" $opt
        is "$rc" 0 "create $name" || diag "$err"
        run sysctr start "$name"
        is "$rc" 0 "start $name" || { diag "$err"; continue; }
        "$top_builddir/sysctr" exec "$name" -- sh -c 'cat > /tmp/ptrace-probe && chmod 0755 /tmp/ptrace-probe' \
                < "$top_builddir/ptrace-probe"
        # Every exec waits 8 s before its execve(). The probe goes first (running from t=8 s, it
        # looks at t=8.5 s); the target goes in at t=3 s, so it waits from then until t=11 s.
        "$top_builddir/sysctr" exec "$name" -- sh -c "sleep 0.5; $probe_script" > "$T/probe.out" 2>&1 &
        probe_exec=$!
        sleep 3
        "$top_builddir/sysctr" exec "$name" -- true >/dev/null 2>&1 &
        target_exec=$!
        wait "$probe_exec" "$target_exec"
        out=$(cat "$T/probe.out")
        diag "$mode: $(echo $out)"
        like "$(field "$out" target)" '^[0-9]+$' "$mode: root inside sees the entering process before its execve()"
        exe=$(field "$out" exe)
        if [ "$mode" = unprivileged ]; then
                is "$exe" REFUSED "$mode: /proc/PID/exe cannot be read (not dumpable)"
                is "$(field "$out" fds)" REFUSED "$mode: /proc/PID/fd cannot be listed"
                is "$(field "$out" ptrace)" no "$mode: it cannot be ptraced"
                is "$(field "$out" exe-open)" no "$mode: /proc/PID/exe cannot be opened"
                is "$(field "$out" environ)" no "$mode: its environment cannot be read"
                is "$(field "$out" mem)" no "$mode: its memory cannot be read"
        else
                # The host's root inside (CAP_SYS_PTRACE of the host's user namespace: privileged is not
                # safe against a hostile root, docs/security.md) can follow the link and read what
                # it leads to; but that is a sealed memfd, never a host binary it could overwrite.
                like "$exe" '^(REFUSED|/memfd:sysctr-enter.*)$' "$mode: /proc/PID/exe is a memfd, never a host binary ($exe)"
                fds=$(field "$out" fds)
                like "$fds" '^(REFUSED|0 1 2 ?)$' "$mode: it holds no descriptor but its standard streams ($fds)"
        fi
        is "$(field "$out" exe-write)" no "$mode: what /proc/PID/exe leads to cannot be written"
        is "$(field "$out" capbnd)" "$(field "$out" init-capbnd)" "$mode: it has the guest's capability bounding set already"
        is "$(field "$out" seccomp)" 2 "$mode: and a seccomp filter"
        run sysctr delete --force "$name"
done
