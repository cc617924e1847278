# SPDX-License-Identifier: LGPL-2.1-or-later
noinst_LIBRARIES += common/libsysctr-common.a

common_libsysctr_common_a_SOURCES = \
	common/macro.h \
	common/log.c common/log.h \
	common/strv.c common/strv.h \
	common/paths.c common/paths.h \
	common/fileio.c common/fileio.h \
	common/agent-state.c common/agent-state.h \
	common/name.c common/name.h \
	common/signal-util.c common/signal-util.h \
	common/id.c common/id.h \
	common/config.c common/config.h \
	common/config-yaml.c common/config-yaml-private.h \
	common/fleet.c common/fleet.h common/fleet-yaml.c \
	common/fleet-plan.c common/fleet-plan.h \
	common/cgroup-util.c common/cgroup-util.h \
	common/parse-util.c common/parse-util.h \
	common/bind.c common/bind.h \
	common/volume.c common/volume.h \
	common/layers.c common/layers.h \
	common/tree-copy.c common/tree-copy.h \
	common/sha256.c common/sha256.h \
	common/bus-limits.c common/bus-limits.h \
	common/bus-names.h \
	common/enter-protocol.h \
	common/guest-path.c common/guest-path.h \
	common/hashmap.c common/hashmap.h \
	common/time-util.h \
	common/in-addr-util.c common/in-addr-util.h \
	common/netlink-util.c common/netlink-util.h \
	common/port-spec.c common/port-spec.h \
	common/network-config.c common/network-config.h
common_libsysctr_common_a_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS) $(YAML_CFLAGS) $(UUID_CFLAGS)

# Everything a program needs to link the common library.
COMMON_LIBS = common/libsysctr-common.a $(SYSTEMD_LIBS) $(YAML_LIBS) $(UUID_LIBS)

# rtnetlink (links, addresses, routes) is a library of its own: it is the only user of libmnl for
# NETLINK_ROUTE, and only the programs that plumb networks link it (and libmnl), through
# $(RTNL_LIBS) (sysctrd and sysctr-agent once they plumb networks), not every program that links
# $(COMMON_LIBS).
noinst_LIBRARIES += common/libsysctr-rtnl.a
common_libsysctr_rtnl_a_SOURCES = common/rtnl.c common/rtnl.h
common_libsysctr_rtnl_a_CFLAGS = $(AM_CFLAGS) $(MNL_CFLAGS)
RTNL_LIBS = common/libsysctr-rtnl.a $(MNL_LIBS)
