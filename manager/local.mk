# SPDX-License-Identifier: LGPL-2.1-or-later
# sysctrd's logic is a library of its own (STYLE.md rule 18): sysctrd links it, and so do the unit
# tests, which run it without root, a system bus or systemd.
noinst_LIBRARIES += manager/libsysctrd.a
manager_libsysctrd_a_SOURCES = \
	manager/manager.c manager/manager.h \
	manager/manager-dbus.c \
	manager/backend.h \
	manager/backend-systemd.c \
	manager/backend-standalone.c \
	manager/container.c manager/container.h \
	manager/container-dbus.c \
	manager/create.c manager/create.h \
	manager/job.c manager/job.h \
	manager/job-dbus.c \
	manager/process.c manager/process.h \
	manager/guestcheck.c manager/guestcheck.h \
	manager/process-dbus.c \
	manager/console.c \
	manager/logs.c manager/logs.h \
	manager/logwatch.c \
	manager/options.c manager/options.h \
	manager/limits.c manager/limits.h \
	manager/settings.c \
	manager/polkit.c manager/polkit.h \
	manager/image.c manager/image.h \
	manager/image-dbus.c manager/image-dbus.h \
	manager/idrange.c manager/idrange.h \
	manager/host-limits.c manager/host-limits.h \
	manager/network.c manager/network.h \
	manager/network-link.c \
	manager/network-nft.c \
	manager/dnsmasq.c \
	manager/network-dbus.c
manager_libsysctrd_a_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)
SYSCTRD_LIBS = manager/libsysctrd.a $(NET_LIBS) $(RTNL_LIBS) $(COMMON_LIBS)

sbin_PROGRAMS += sysctrd
sysctrd_SOURCES = manager/sysctrd.c
sysctrd_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)
sysctrd_LDADD = $(SYSCTRD_LIBS)

# Subordinate ID ranges (subuid/subgid parser, block allocator); tools/setup-subids.
check_PROGRAMS += test-idrange
TESTS += test-idrange tests/unit/test-setup-subids.sh
test_idrange_SOURCES = tests/unit/test-idrange.c tests/unit/tap.h
test_idrange_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/manager
test_idrange_LDADD = $(SYSCTRD_LIBS)
EXTRA_DIST += tests/unit/test-setup-subids.sh
dist_pkglibexec_SCRIPTS = tools/setup-subids

# An install onto this system (no DESTDIR, /etc, as root) gives root its subordinate IDs, which
# unprivileged containers need; a staged install (packages, distcheck) leaves that to the package's
# postinst: "$(pkglibexecdir)/setup-subids".
install-exec-hook:
	@if test -z "$(DESTDIR)" && test "$(sysconfdir)" = /etc && test "$$(id -u)" = 0; then \
		echo "  SETUP    /etc/subuid /etc/subgid (root's subordinate IDs)"; \
		$(SHELL) $(srcdir)/tools/setup-subids; \
	fi

# Host limits that guests share, against fake /proc/sys trees and units/sysctl.d/60-sysctr.conf.
check_PROGRAMS += test-host-limits
TESTS += test-host-limits
test_host_limits_SOURCES = tests/unit/test-host-limits.c tests/unit/tap.h
test_host_limits_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/manager
test_host_limits_LDADD = $(SYSCTRD_LIBS)

# The networking data plane of sysctrd (not wired into it yet): address management, the dnsmasq
# configuration of a bridge, and our nftables table. A library of its own, so that the unit tests
# (no root) and the integration driver link exactly what sysctrd will. nft.c is the only user of
# libnftnl; it talks nfnetlink through libmnl.
noinst_LIBRARIES += manager/libsysctr-net.a
manager_libsysctr_net_a_SOURCES = \
	manager/ipam.c manager/ipam.h \
	manager/network-alloc.c manager/network-alloc.h \
	manager/dnsmasq-config.c manager/dnsmasq-config.h \
	manager/nft.h manager/nft-plan.c manager/nft-doctor.c manager/nft.c
manager_libsysctr_net_a_CFLAGS = $(AM_CFLAGS) $(NFTNL_CFLAGS) $(MNL_CFLAGS)
NET_LIBS = manager/libsysctr-net.a $(NFTNL_LIBS) $(MNL_LIBS)
EXTRA_DIST += docs/networking.md
