# SPDX-License-Identifier: LGPL-2.1-or-later
bin_PROGRAMS += sysctr

sysctr_SOURCES = \
	ctl/sysctr.c ctl/sysctr.h \
	ctl/ctl-bus.c \
	ctl/verbs-container.c \
	ctl/verbs-show.c \
	ctl/verbs-set.c \
	ctl/logs.c \
	ctl/polkit-agent.c \
	ctl/verbs-template.c \
	ctl/progress.c \
	ctl/exec.c ctl/exec.h \
	ctl/shell.c \
	ctl/console.c \
	ctl/relay.c ctl/relay.h \
	ctl/json.c
# exec and shell confine what they run as the container is confined (common/security.h).
sysctr_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS) $(SECCOMP_CFLAGS)
sysctr_LDADD = $(SECURITY_LIBS) $(COMMON_LIBS) $(LIBINTL)
