#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# sysctrd checks the host limits that guests share before each start, and says which one is short
# and by how much: in its log, on the bus (HostWarnings) and through "sysctr start". The limits are
# read from a fake /proc/sys of the test's own (SYSCTR_PROC_SYS), with the kernel's default of 128
# inotify instances per user; nothing of the host's is changed.
. "$(dirname "$0")/lib.sh"
require_root
setup_instance

mkdir -p "$T/proc-sys/fs/inotify" && echo 128 > "$T/proc-sys/fs/inotify/max_user_instances" &&
        echo 1048576 > "$T/proc-sys/fs/inotify/max_user_watches" || bail "cannot make $T/proc-sys"
stop_sysctrd
SYSCTR_PROC_SYS=$T/proc-sys start_sysctrd

warnings() { busctl --system get-property org.sysctr1 /org/sysctr1 org.sysctr1.Manager HostWarnings; }
is "$(warnings)" "as 0" "no warning while nothing runs"

names=$(seq -f 'l%g' 1 3)
for n in $names; do run sysctr create busybox "$n"; done
run sysctr start $names
is "$rc" 0 "start 3 containers" || diag "$err"
unlike "$err" 'Warning' "3 containers fit in 128 inotify instances: no warning"

more=$(seq -f 'm%g' 1 6)
for n in $more; do run sysctr create busybox "$n"; done
run sysctr start $more
is "$rc" 0 "start 6 more (the containers start all the same)" || diag "$err"
like "$err" 'Warning: fs\.inotify\.max_user_instances is 128; 9 unprivileged containers .*need about [0-9]+' \
        "sysctr start says which limit is short, and by how much" || diag "$err"
like "$err" 'sysctl -w fs\.inotify\.max_user_instances=[0-9]+.*/60-sysctr\.conf' "... and what to set, or which drop-in to apply"
like "$(warnings)" '^as 1 ".*max_user_instances is 128' "HostWarnings names the limit"
like "$(cat "$T/sysctrd.log")" 'Host limit short: fs\.inotify\.max_user_instances' "sysctrd's log says it too"
unlike "$(warnings)" 'max_user_watches' "a limit that suffices is not named"

run sysctr stop $names $more
run sysctr delete $names $more
