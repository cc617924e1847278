# SPDX-License-Identifier: LGPL-2.1-or-later
sbin_PROGRAMS += sysctrd
sysctrd_SOURCES = manager/sysctrd.c
sysctrd_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)
sysctrd_LDADD = $(COMMON_LIBS)
