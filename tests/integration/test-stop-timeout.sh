#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A stop signal the guest ignores: stop escalates to a kill after the timeout. busybox init has no
# handler for SIGURG, and the kernel drops handler-less signals to a pid namespace's init (only
# SIGKILL/SIGSTOP from an ancestor namespace get through), so SIGURG is a stop signal that does
# nothing.
. "$(dirname "$0")/lib.sh"
require_root
setup_instance

run sysctr create busybox deaf --stop-signal SIGURG
is "$rc" 0 "create with --stop-signal SIGURG" || diag "$err"
is "$(config_field deaf stop-signal)" SIGURG "config.yaml records the stop signal"
run sysctr start deaf
is "$rc" 0 "start deaf" || { diag "$err"; bail "deaf did not start"; }
leader=$(leader_of deaf)

t0=$(now_s)
run sysctr stop --timeout 1 deaf
dt=$(elapsed_s "$t0")
is "$rc" 0 "stop --timeout 1" || diag "$err"
cmp_ok "$dt" '>=' 0.9 "stop waited for the timeout ($dt s): the guest ignored the signal"
cmp_ok "$dt" '<' 4 "and then killed it within 1 s + slack"
is "$(container_state deaf)" stopped "deaf is stopped"
ok "the leader $leader is gone" wait_for 2 pid_dead "$leader"
ok "no process is left in the payload cgroup" wait_for 2 payload_empty deaf
ok "init did not shut down by itself (no shutdown marker)" \
        test ! -e "$SYSCTR_STATE_DIR/containers/deaf/upper/var/log/shutdown-ran"

# The template's own stop signal for comparison: SIGUSR2, an orderly poweroff before any timeout.
run sysctr create busybox polite
run sysctr start polite
is "$rc" 0 "start polite"
t0=$(now_s)
run sysctr stop --timeout 8 polite
dt=$(elapsed_s "$t0")
is "$rc" 0 "stop polite"
cmp_ok "$dt" '<' 8 "the template's stop signal stops busybox before the timeout ($dt s)"
ok "polite ran its shutdown actions" test -e "$SYSCTR_STATE_DIR/containers/polite/upper/var/log/shutdown-ran"
