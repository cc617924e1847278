# SPDX-License-Identifier: LGPL-2.1-or-later
pkglibexec_PROGRAMS += sysctr-agent
sysctr_agent_SOURCES = \
	agent/agent.c agent/agent.h \
	agent/cgroup.c \
	agent/loop.c \
	agent/container.c agent/container.h \
	agent/console.c agent/console.h \
	agent/mount-plan.c agent/mount.c agent/mount.h
sysctr_agent_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)
sysctr_agent_LDADD = $(COMMON_LIBS)

# The mount plan is plain data: checked without root.
check_PROGRAMS += test-mount-plan
TESTS += test-mount-plan
test_mount_plan_SOURCES = tests/unit/test-mount-plan.c agent/mount-plan.c agent/mount.h
test_mount_plan_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/agent
test_mount_plan_LDADD = $(COMMON_LIBS)

EXTRA_DIST += agent/README.md
