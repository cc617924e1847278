# SPDX-License-Identifier: LGPL-2.1-or-later
# sysctrd's logic that needs no bus and no root: a library that the daemon and the unit tests link.
noinst_LIBRARIES += manager/libsysctrd-core.a
manager_libsysctrd_core_a_SOURCES = \
	manager/idrange.c manager/idrange.h \
	manager/host-limits.c manager/host-limits.h
manager_libsysctrd_core_a_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)
SYSCTRD_CORE_LIBS = manager/libsysctrd-core.a $(COMMON_LIBS)

sbin_PROGRAMS += sysctrd
sysctrd_SOURCES = \
	manager/sysctrd.c \
	manager/manager.c manager/manager.h \
	manager/manager-dbus.c \
	manager/container.c manager/container.h \
	manager/container-dbus.c \
	manager/create.c manager/create.h \
	manager/options.c manager/options.h \
	manager/limits.c manager/limits.h \
	manager/settings.c manager/settings.h \
	manager/polkit.c manager/polkit.h \
	manager/image.c manager/image.h \
	manager/image-dbus.c manager/image-dbus.h \
	manager/spawn.c manager/spawn.h \
	manager/unit.c manager/unit.h \
	manager/errors.h
sysctrd_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)
sysctrd_LDADD = $(SYSCTRD_CORE_LIBS)

# Subordinate ID ranges (subuid/subgid parser, block allocator); tools/setup-subids.
check_PROGRAMS += test-idrange
TESTS += test-idrange tests/unit/test-setup-subids.sh
test_idrange_SOURCES = tests/unit/test-idrange.c tests/unit/tap.h
test_idrange_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/manager
test_idrange_LDADD = $(SYSCTRD_CORE_LIBS)
EXTRA_DIST += tools/setup-subids tests/unit/test-setup-subids.sh

# Host limits that guests share, against fake /proc/sys trees and units/sysctl.d/60-sysctr.conf.
check_PROGRAMS += test-host-limits
TESTS += test-host-limits
test_host_limits_SOURCES = tests/unit/test-host-limits.c tests/unit/tap.h
test_host_limits_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/manager
test_host_limits_LDADD = $(SYSCTRD_CORE_LIBS)
