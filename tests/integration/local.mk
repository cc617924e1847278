# SPDX-License-Identifier: LGPL-2.1-or-later
# Integration tests: real busybox containers in a private instance (tests/integration/lib.sh).
# They need root and the built programs; as another user they report "1..0 # SKIP needs root".
INTEGRATION_TESTS = \
	tests/integration/test-lifecycle.sh \
	tests/integration/test-stop-timeout.sh \
	tests/integration/test-reboot.sh \
	tests/integration/test-bad-input.sh \
	tests/integration/test-daemon-kill.sh \
	tests/integration/test-parallel-create.sh

TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += tests/integration/lib.sh $(INTEGRATION_TESTS)
