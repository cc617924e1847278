# SPDX-License-Identifier: LGPL-2.1-or-later
sbin_PROGRAMS += sysctrd
sysctrd_SOURCES = \
	manager/sysctrd.c \
	manager/manager.c manager/manager.h \
	manager/manager-dbus.c \
	manager/container.c manager/container.h \
	manager/container-dbus.c \
	manager/create.c manager/create.h \
	manager/options.c manager/options.h \
	manager/limits.c manager/limits.h \
	manager/settings.c manager/settings.h \
	manager/polkit.c manager/polkit.h \
	manager/image.c manager/image.h \
	manager/image-dbus.c manager/image-dbus.h \
	manager/spawn.c manager/spawn.h \
	manager/unit.c manager/unit.h \
	manager/errors.h
sysctrd_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)
sysctrd_LDADD = $(COMMON_LIBS)

# The networking data plane of sysctrd (not wired into it yet): address management, the dnsmasq
# configuration of a bridge, and our nftables table. A library of its own, so that the unit tests
# (no root) and the integration driver link exactly what sysctrd will. nft.c is the only user of
# libnftnl; it talks nfnetlink through libmnl.
noinst_LIBRARIES += manager/libsysctr-net.a
manager_libsysctr_net_a_SOURCES = \
	manager/ipam.c manager/ipam.h \
	manager/dnsmasq-config.c manager/dnsmasq-config.h \
	manager/nft.h manager/nft-plan.c manager/nft.c
manager_libsysctr_net_a_CFLAGS = $(AM_CFLAGS) $(NFTNL_CFLAGS) $(MNL_CFLAGS)
NET_LIBS = manager/libsysctr-net.a $(NFTNL_LIBS) $(MNL_LIBS)
EXTRA_DIST += docs/networking.md
