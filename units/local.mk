# SPDX-License-Identifier: LGPL-2.1-or-later
systemdsystemunit_DATA = units/sysctr@.service units/sysctrd.service
dbussystemservice_DATA = units/org.sysctr1.service
dist_dbuspolicy_DATA = units/org.sysctr1.conf
tmpfilesdir = $(prefix)/lib/tmpfiles.d
dist_tmpfiles_DATA = units/tmpfiles.d/sysctr.conf
# Host limits for many containers (manager/host-limits.c names it in its hints: SYSCTR_SYSCTL_DROPIN).
sysctldir = $(prefix)/lib/sysctl.d
dist_sysctl_DATA = units/sysctl.d/60-sysctr.conf

polkitaction_DATA = units/org.sysctr1.policy
EXTRA_DIST += units/org.sysctr1.policy.in po/its/polkit.its po/its/polkit.loc
CLEANFILES += units/org.sysctr1.policy

# The action file, with its messages translated from po/ (msgfmt --xml, our ITS rules).
units/org.sysctr1.policy: $(srcdir)/units/org.sysctr1.policy.in $(wildcard $(srcdir)/po/*.po)
	$(AM_V_GEN)$(MKDIR_P) units && GETTEXTDATADIRS=$(srcdir)/po $(MSGFMT) --xml --template $< \
		-d $(srcdir)/po -o $@.tmp && mv $@.tmp $@

EXTRA_DIST += units/sysctr@.service.in units/sysctrd.service.in units/org.sysctr1.service.in
CLEANFILES += units/sysctr@.service units/sysctrd.service units/org.sysctr1.service

units_edit = $(SED) \
	-e 's|@pkglibexecdir[@]|$(pkglibexecdir)|g' \
	-e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@localstatedir[@]|$(localstatedir)|g'

units/%: $(srcdir)/units/%.in Makefile
	$(AM_V_GEN)$(MKDIR_P) units && $(units_edit) $< > $@.tmp && mv $@.tmp $@
