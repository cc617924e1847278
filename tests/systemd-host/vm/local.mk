# SPDX-License-Identifier: LGPL-2.1-or-later
# The systemd-host tests' full tier: a qemu VM booting systemd with the build installed
# (tests/systemd-host/vm-tier.sh). It takes minutes under emulation (and builds its cached base
# image on first use), so it is not part of "make check" but a target of its own, run once per CI
# run (not for the sanitizer build, whose programs the guest could not run):
#
#       sudo make check-vm
#
# The TAP goes through automake's tap-driver; the whole log is tests/systemd-host/vm-tier.log.
VM_TIER_FILES = \
	tests/systemd-host/vm-tier.sh \
	tests/systemd-host/vm/build-base \
	tests/systemd-host/vm/mkimage \
	tests/systemd-host/vm/boot \
	tests/systemd-host/vm/vm-run \
	tests/systemd-host/vm/lib.sh \
	tests/systemd-host/vm/sysctr-vm-tests.service \
	tests/systemd-host/inside/vm-limits.sh \
	tests/systemd-host/inside/vm-oom.sh \
	tests/systemd-host/inside/vm-delegate.sh \
	tests/systemd-host/inside/vm-reboot-autostart.sh
EXTRA_DIST += $(VM_TIER_FILES) tests/systemd-host/vm/local.mk
CLEANFILES += tests/systemd-host/vm-tier.log tests/systemd-host/vm-tier.trs

check-vm: all
	@$(MKDIR_P) tests/systemd-host
	@$(AM_TESTS_ENVIRONMENT) $(LOG_DRIVER) --test-name tests/systemd-host/vm-tier.sh \
		--log-file tests/systemd-host/vm-tier.log --trs-file tests/systemd-host/vm-tier.trs \
		--color-tests no --enable-hard-errors yes --expect-failure no -- \
		$(srcdir)/tests/systemd-host/vm-tier.sh
	@if grep -q '^:test-result: \(FAIL\|ERROR\|XPASS\)' tests/systemd-host/vm-tier.trs; then \
		echo "check-vm: failures; see tests/systemd-host/vm-tier.log" >&2; exit 1; fi
.PHONY: check-vm
