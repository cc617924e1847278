# SPDX-License-Identifier: LGPL-2.1-or-later
# The documentation ships with the sources: every docs/*.md and every screenshot, whoever added
# it (a new document needs no line here).
EXTRA_DIST += \
	$(wildcard $(srcdir)/docs/*.md) \
	$(wildcard $(srcdir)/docs/screenshots/*.png)
