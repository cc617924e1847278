# SPDX-License-Identifier: LGPL-2.1-or-later
# The Cockpit page (issue 12): plain files, no bundler and no download. Installed under
# $(datadir)/cockpit/sysctr, where cockpit-bridge finds packages ($XDG_DATA_DIRS/cockpit).
# Made at "make" time from Debian packages only:
#   xterm.js   one ES module made from node-xterm's CommonJS files (cockpit/bundle-cjs.py)
#   xterm.css  node-xterm's, copied
#   po.LANG.js the page's entries of po/LANG.po, in Cockpit's format (msggrep, msgfmt, po2js.py)
if ENABLE_COCKPIT
cockpitdir = $(datadir)/cockpit/sysctr
cockpitsrcdir = $(cockpitdir)/src

dist_cockpit_DATA = \
	cockpit/manifest.json \
	cockpit/index.html \
	cockpit/sysctr.css

dist_cockpitsrc_DATA = \
	cockpit/src/api.js \
	cockpit/src/app.js \
	cockpit/src/create.js \
	cockpit/src/details.js \
	cockpit/src/dom.js \
	cockpit/src/format.js \
	cockpit/src/i18n.js \
	cockpit/src/list.js \
	cockpit/src/logs.js \
	cockpit/src/names.js \
	cockpit/src/networks.js \
	cockpit/src/terminal.js \
	cockpit/src/ui.js \
	cockpit/src/volumes.js

COCKPIT_LANGUAGES = de
COCKPIT_PO_JS = $(COCKPIT_LANGUAGES:%=cockpit/po.%.js)
nodist_cockpit_DATA = cockpit/xterm.js cockpit/xterm.css $(COCKPIT_PO_JS)
CLEANFILES += $(nodist_cockpit_DATA) $(COCKPIT_LANGUAGES:%=cockpit/po.%.mo)

cockpit/xterm.js: $(srcdir)/cockpit/bundle-cjs.py $(srcdir)/cockpit/xterm-notice.txt $(XTERM_DIR)/public/Terminal.js
	$(AM_V_GEN)$(MKDIR_P) cockpit && \
	$(PYTHON3) $(srcdir)/cockpit/bundle-cjs.py --notice $(srcdir)/cockpit/xterm-notice.txt \
		$(XTERM_DIR) $@ xterm=public/Terminal fit=addons/fit/fit

cockpit/xterm.css: $(XTERM_DIR)/xterm.css
	$(AM_V_GEN)$(MKDIR_P) cockpit && cp $(XTERM_DIR)/xterm.css $@

# Only the entries that the page uses (a location in cockpit/src/), not fuzzy ones (msgfmt skips them).
cockpit/po.%.js: $(top_srcdir)/po/%.po $(srcdir)/cockpit/po2js.py
	$(AM_V_GEN)$(MKDIR_P) cockpit && \
	$(MSGGREP) --location='cockpit/src/*' $< | $(MSGFMT) -o cockpit/po.$*.mo - && \
	$(PYTHON3) $(srcdir)/cockpit/po2js.py $* cockpit/po.$*.mo $@ && rm -f cockpit/po.$*.mo

# The page alone, for tests/cockpit: make install-cockpit-page DESTDIR=DIR cockpitdir=/sysctr
install-cockpit-page: install-dist_cockpitDATA install-dist_cockpitsrcDATA install-nodist_cockpitDATA
endif

EXTRA_DIST += cockpit/bundle-cjs.py cockpit/po2js.py cockpit/xterm-notice.txt
EXTRA_DIST += docs/cockpit.md \
	docs/screenshots/list.png docs/screenshots/create-progress.png docs/screenshots/details.png \
	docs/screenshots/terminal.png docs/screenshots/logs.png docs/screenshots/read-only.png
