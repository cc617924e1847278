# SPDX-License-Identifier: LGPL-2.1-or-later
# Integration tests: real containers in a private instance (tests/integration/lib.sh): busybox ones
# built offline per test, and debian ones booting systemd from an image that the first test needing
# it builds through sysctr and caches in /var/cache/sysctr-tests/images for later tests and runs.
# They need root and the built programs; as another user they report "1..0 # SKIP needs root".
# The debian tests come first: they take longest, so "make -j" starts them early.
INTEGRATION_TESTS = \
	tests/integration/test-debian-boot.sh \
	tests/integration/test-debian-confine.sh \
	tests/integration/test-hostile-root.sh \
	tests/integration/test-enter-hostile.sh \
	tests/integration/test-debian-stop.sh \
	tests/integration/test-debian-interactive.sh \
	tests/integration/test-image-build.sh \
	tests/integration/test-image-versions.sh \
	tests/integration/test-volumes.sh \
	tests/integration/test-snapshots.sh \
	tests/integration/test-export-import.sh \
	tests/integration/test-storage-crash.sh \
	tests/integration/test-storage-nospace.sh \
	tests/integration/test-oci.sh \
	tests/integration/test-settings.sh \
	tests/integration/test-host-limits.sh \
	tests/integration/test-lifecycle.sh \
	tests/integration/test-stop-timeout.sh \
	tests/integration/test-reboot.sh \
	tests/integration/test-bad-input.sh \
	tests/integration/test-daemon-kill.sh \
	tests/integration/test-parallel-create.sh \
	tests/integration/test-net-dataplane.sh \
	tests/integration/test-network.sh \
	tests/integration/test-apply.sh \
	tests/integration/test-hosts.sh \
	tests/integration/test-move.sh \
	tests/integration/test-vxlan.sh

TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += tests/integration/lib.sh tests/integration/hosts-lib.sh $(INTEGRATION_TESTS) tests/integration/net-peer.py \
	tests/integration/hostile-probe.sh

# The network data plane (root; network namespaces of its own): the driver does each step with the
# real modules (common/rtnl, manager/nft, ipam, dnsmasq-config), the script checks traffic.
check_PROGRAMS += net-driver
net_driver_SOURCES = tests/integration/net-driver.c
net_driver_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/manager
net_driver_LDADD = $(NET_LIBS) $(RTNL_LIBS) $(COMMON_LIBS)

# Load and scale (tests/integration/test-load.sh: 1,000 lifecycles and races; test-scale.sh: 100
# Debian guests at once): minutes each on this 2-CPU machine, so a target of their own that
# tools/run-tests runs after "make check".
SCALE_TESTS = tests/integration/test-load.sh tests/integration/test-scale.sh
EXTRA_DIST += $(SCALE_TESTS)
CLEANFILES += $(SCALE_TESTS:.sh=.log) $(SCALE_TESTS:.sh=.trs)

check-scale: all
	@$(MKDIR_P) tests/integration
	@failed=; for t in $(SCALE_TESTS); do \
		$(AM_TESTS_ENVIRONMENT) $(LOG_DRIVER) --test-name $$t \
			--log-file $${t%.sh}.log --trs-file $${t%.sh}.trs \
			--color-tests no --enable-hard-errors yes --expect-failure no -- \
			$(srcdir)/$$t; \
		grep -q '^:test-result: \(FAIL\|ERROR\|XPASS\)' $${t%.sh}.trs && failed="$$failed $$t"; \
	done; \
	if test -n "$$failed"; then echo "check-scale: failures in$$failed; see their .log files" >&2; exit 1; fi
.PHONY: check-scale

# A static ptrace(2) probe for test-enter-hostile.sh, run inside guests.
check_PROGRAMS += ptrace-probe
ptrace_probe_SOURCES = tests/integration/ptrace-probe.c
# Static and without the sanitizers (a static ASan binary cannot be linked; the guest has no libasan).
ptrace_probe_CFLAGS = $(WARN_CFLAGS) -std=gnu11
ptrace_probe_LDFLAGS = -static

# Bash completion of container, template and image names from a running sysctrd.
TESTS += tests/integration/test-completion-names.sh
EXTRA_DIST += tests/integration/test-completion-names.sh
