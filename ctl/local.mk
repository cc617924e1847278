# SPDX-License-Identifier: LGPL-2.1-or-later
# sysctr: a pure D-Bus client of sysctrd (DESIGN.md): it never enters a container itself.
bin_PROGRAMS += sysctr

sysctr_SOURCES = \
	ctl/sysctr.c ctl/sysctr.h \
	ctl/ctl-bus.c \
	ctl/jobs.c \
	ctl/verbs-container.c \
	ctl/verbs-show.c \
	ctl/verbs-set.c \
	ctl/verbs-apply.c \
	ctl/remote.c \
	ctl/verbs-move.c \
	ctl/polkit-agent.c \
	ctl/verbs-template.c \
	ctl/verbs-storage.c \
	ctl/verbs-network.c \
	ctl/exec.c \
	ctl/relay.c ctl/relay.h \
	ctl/json.c
sysctr_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)
sysctr_LDADD = $(COMMON_LIBS) $(LIBINTL)
