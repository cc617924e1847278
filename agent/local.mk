# SPDX-License-Identifier: LGPL-2.1-or-later
# The container security baseline (capabilities, seccomp) is a library of its own: it is the only
# user of libseccomp, and "sysctr exec" (ctl/) links it too, through $(SECURITY_LIBS).
noinst_LIBRARIES += common/libsysctr-security.a
common_libsysctr_security_a_SOURCES = common/security.c common/security.h
common_libsysctr_security_a_CFLAGS = $(AM_CFLAGS) $(SECCOMP_CFLAGS)
SECURITY_LIBS = common/libsysctr-security.a $(SECCOMP_LIBS)

pkglibexec_PROGRAMS += sysctr-agent
sysctr_agent_SOURCES = \
	agent/agent.c agent/agent.h \
	agent/cgroup.c agent/cgroup-v1.c \
	agent/loop.c \
	agent/container.c agent/container.h \
	agent/console.c agent/console.h \
	agent/guest.c agent/guest.h \
	agent/notify.c agent/notify.h \
	agent/machined.c agent/machined.h \
	agent/mount-plan.c agent/mount.c agent/mount.h \
	agent/userns.c agent/userns.h \
	agent/devices.c agent/devices.h \
	agent/network-plan.c agent/network.c agent/network.h
sysctr_agent_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)
sysctr_agent_LDADD = $(SECURITY_LIBS) $(RTNL_LIBS) $(COMMON_LIBS)

# sysctr-enter: runs a command in a running container for sysctrd (common/enter-protocol.h).
pkglibexec_PROGRAMS += sysctr-enter
sysctr_enter_SOURCES = \
	agent/enter.c agent/enter.h \
	agent/enter-guest.c
sysctr_enter_LDADD = $(SECURITY_LIBS) $(COMMON_LIBS)

# The mount plan is plain data: checked without root.
check_PROGRAMS += test-mount-plan
TESTS += test-mount-plan
test_mount_plan_SOURCES = tests/unit/test-mount-plan.c agent/mount-plan.c agent/mount.h
test_mount_plan_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/agent
test_mount_plan_LDADD = $(COMMON_LIBS)

# The network plan is plain data too: links, addresses, routes and resolv.conf from the configs.
check_PROGRAMS += test-network-plan
TESTS += test-network-plan
test_network_plan_SOURCES = tests/unit/test-network-plan.c tests/unit/tap.h agent/network-plan.c agent/network.h
test_network_plan_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/agent
test_network_plan_LDADD = $(COMMON_LIBS)

# The security baseline and the guest file helpers (planted symlinks): no root needed (what needs
# root says "skip" without it).
check_PROGRAMS += test-security
TESTS += test-security
test_security_SOURCES = tests/unit/test-security.c tests/unit/tap.h agent/guest.c agent/guest.h
test_security_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/agent
test_security_LDADD = $(SECURITY_LIBS) $(COMMON_LIBS)

# The notify socket and the console relay, with a pty and sockets of the test's own.
check_PROGRAMS += test-agent-sockets
TESTS += test-agent-sockets
test_agent_sockets_SOURCES = tests/unit/test-agent-sockets.c tests/unit/tap.h \
	agent/notify.c agent/notify.h agent/console.c agent/console.h
test_agent_sockets_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/agent
test_agent_sockets_LDADD = $(COMMON_LIBS)

# The device policy as data (the BPF program through an interpreter, the v1 lines), no root; then
# in the kernel (cgroup2 BPF and the v1 devices controller): "1..0 # SKIP needs root" without it.
check_PROGRAMS += test-devices test-devices-cgroup
TESTS += test-devices test-devices-cgroup
test_devices_SOURCES = tests/unit/test-devices.c tests/unit/tap.h agent/devices.c agent/devices.h
test_devices_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/agent
test_devices_LDADD = $(COMMON_LIBS)
test_devices_cgroup_SOURCES = tests/unit/test-devices-cgroup.c tests/unit/tap.h agent/devices.c agent/devices.h
test_devices_cgroup_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/agent
test_devices_cgroup_LDADD = $(COMMON_LIBS)

EXTRA_DIST += agent/README.md
