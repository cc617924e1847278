# SPDX-License-Identifier: LGPL-2.1-or-later
# Unit tests (no root), D-Bus API tests (private dbus-daemon), integration tests (root; they report
# "skip" with the reason when not root). All are TAP through automake's tap-driver.
include $(srcdir)/tests/unit/local.mk
include $(srcdir)/tests/dbus/local.mk
include $(srcdir)/tests/integration/local.mk
include $(srcdir)/tests/cockpit/local.mk
include $(srcdir)/tests/systemd-host/local.mk
include $(srcdir)/tests/fuzz/local.mk
EXTRA_DIST += tests/README tests/tap.sh
