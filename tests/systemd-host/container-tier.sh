#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The fast tier of the systemd-host tests: a Debian container booted by sysctr itself (standalone
# mode, the integration harness's private instance) is the systemd host; the build under test is
# installed into it, and every inside test of the "container" tier runs there as root: units and
# their cgroup layout, machined and the -M tools, the journal, polkit, sysctrd's activation, restart
# and SIGKILL, the agent's SIGKILL, autostart, nested busybox and Debian containers. What needs cgroup
# controllers or a reboot is the VM tier's (tests/systemd-host/vm/).
#
# Run by hand: sudo top_builddir=$PWD/build-X tests/systemd-host/container-tier.sh
#              SYSCTR_TEST_INSIDE="test-units test-journal" to run only those inside tests,
#              SYSCTR_TEST_TRACE=1 to trace them (set -x, with timestamps, as diagnostics).
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"
sdhost_require
setup_instance
sdhost_setup
sdhost_boot

tests=$(sdhost_inside_tests container)
isnt "$tests" "" "there are inside tests for the container tier"
for t in $tests; do
        sdhost_run_inside "$t"
done

run sysctr exec "$SDHOST" -- systemctl --failed --no-legend --plain
is "$out" "" "no unit of $SDHOST failed while the tests ran"
sdhost_shutdown
diag "the container tier took $SECONDS s"
