# SPDX-License-Identifier: LGPL-2.1-or-later
bin_PROGRAMS += sysctr

sysctr_SOURCES = \
	ctl/sysctr.c ctl/sysctr.h \
	ctl/ctl-bus.c \
	ctl/verbs-container.c \
	ctl/verbs-show.c \
	ctl/exec.c ctl/exec.h \
	ctl/json.c
sysctr_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)
sysctr_LDADD = $(COMMON_LIBS) $(LIBINTL)
