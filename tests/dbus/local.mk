# SPDX-License-Identifier: LGPL-2.1-or-later
# D-Bus API tests against a private dbus-daemon and sysctrd (tests/integration/lib.sh). Without
# root they run sysctrd as the current user and test everything that starts no container.
# They need gdbus (Debian: libglib2.0-bin) and busctl (systemd).
check_PROGRAMS += tests/dbus/dbus-client
tests_dbus_dbus_client_SOURCES = tests/dbus/dbus-client.c
tests_dbus_dbus_client_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS)
tests_dbus_dbus_client_LDADD = $(DBUS_LIBS)

DBUS_TESTS = \
	tests/dbus/test-dbus-api.sh \
	tests/dbus/test-dbus-client.sh \
	tests/dbus/test-exec-api.sh

TESTS += $(DBUS_TESTS)
EXTRA_DIST += $(DBUS_TESTS)
