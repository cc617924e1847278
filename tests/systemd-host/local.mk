# SPDX-License-Identifier: LGPL-2.1-or-later
# systemd-host tests (tests/systemd-host/lib.sh). The container tier boots a Debian systemd host as a
# sysctr container on this machine and runs the inside tests there; it needs root and a build
# configured with --prefix=/usr --sysconfdir=/etc --localstatedir=/var --runstatedir=/run.
SYSTEMD_HOST_TESTS = \
	tests/systemd-host/container-tier.sh

SYSTEMD_HOST_INSIDE_TESTS = \
	tests/systemd-host/inside/test-units.sh \
	tests/systemd-host/inside/test-sysctrd.sh \
	tests/systemd-host/inside/test-machined.sh \
	tests/systemd-host/inside/test-journal.sh \
	tests/systemd-host/inside/test-polkit.sh \
	tests/systemd-host/inside/test-autostart.sh

TESTS += $(SYSTEMD_HOST_TESTS)
EXTRA_DIST += \
	tests/systemd-host/lib.sh \
	tests/systemd-host/inside/lib.sh \
	tests/systemd-host/sdhost/build \
	tests/systemd-host/sdhost/template.yaml \
	$(SYSTEMD_HOST_TESTS) \
	$(SYSTEMD_HOST_INSIDE_TESTS)
include $(srcdir)/tests/systemd-host/vm/local.mk
