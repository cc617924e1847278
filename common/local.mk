# SPDX-License-Identifier: LGPL-2.1-or-later
noinst_LIBRARIES += common/libsysctr-common.a

common_libsysctr_common_a_SOURCES = \
	common/macro.h \
	common/log.c common/log.h \
	common/strv.c common/strv.h \
	common/paths.c common/paths.h \
	common/fileio.c common/fileio.h \
	common/agent-state.c common/agent-state.h
common_libsysctr_common_a_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)

COMMON_LIBS = common/libsysctr-common.a $(SYSTEMD_LIBS)
