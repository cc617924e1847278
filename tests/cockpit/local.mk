# SPDX-License-Identifier: LGPL-2.1-or-later
# The Cockpit page in headless Chromium on cockpit-ws/cockpit-bridge (root; it reports "skip" with
# the reason when Chromium, Cockpit or selenium is missing: tools/install-deps installs them).
COCKPIT_TESTS = tests/cockpit/test-cockpit.sh

TESTS += $(COCKPIT_TESTS)
EXTRA_DIST += $(COCKPIT_TESTS) tests/cockpit/browser.py
