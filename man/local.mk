# SPDX-License-Identifier: LGPL-2.1-or-later
dist_man_MANS += \
	man/sysctr.1 \
	man/sysctrd.8 \
	man/sysctr.yaml.5
# The D-Bus API (the same content as docs/dbus-api.md; tests/unit/test-dbus-docs.sh keeps both
# complete).
dist_man_MANS += man/org.sysctr1.5
