# SPDX-License-Identifier: LGPL-2.1-or-later
# Unit tests of common/: plain programs printing TAP (tests/unit/tap.h), no root needed.
UNIT_TESTS = \
	test-name \
	test-signal \
	test-id \
	test-config \
	test-fleet \
	test-fleet-plan \
	test-network-config \
	test-template-info \
	test-fileio \
	test-strv \
	test-agent-state \
	test-parse-util \
	test-bind \
	test-volume \
	test-layers \
	test-sha256 \
	test-bus-limits \
	test-in-addr-util \
	test-ipam \
	test-network-alloc \
	test-dnsmasq-config \
	test-nft

check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

UNIT_TEST_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)

test_name_SOURCES = tests/unit/test-name.c tests/unit/tap.h
test_name_CFLAGS = $(UNIT_TEST_CFLAGS)
test_name_LDADD = $(COMMON_LIBS)

test_signal_SOURCES = tests/unit/test-signal.c tests/unit/tap.h
test_signal_CFLAGS = $(UNIT_TEST_CFLAGS)
test_signal_LDADD = $(COMMON_LIBS)

test_id_SOURCES = tests/unit/test-id.c tests/unit/tap.h
test_id_CFLAGS = $(UNIT_TEST_CFLAGS)
test_id_LDADD = $(COMMON_LIBS)

test_fleet_plan_SOURCES = tests/unit/test-fleet-plan.c tests/unit/tap.h
test_fleet_plan_CFLAGS = $(UNIT_TEST_CFLAGS)
test_fleet_plan_LDADD = $(COMMON_LIBS)

test_fleet_SOURCES = tests/unit/test-fleet.c tests/unit/tap.h
test_fleet_CFLAGS = $(UNIT_TEST_CFLAGS)
test_fleet_LDADD = $(COMMON_LIBS)

test_config_SOURCES = tests/unit/test-config.c tests/unit/tap.h
test_config_CFLAGS = $(UNIT_TEST_CFLAGS)
test_config_LDADD = $(COMMON_LIBS)

test_network_config_SOURCES = tests/unit/test-network-config.c tests/unit/tap.h
test_network_config_CFLAGS = $(UNIT_TEST_CFLAGS)
test_network_config_LDADD = $(COMMON_LIBS)

test_template_info_SOURCES = tests/unit/test-template-info.c tests/unit/tap.h
test_template_info_CFLAGS = $(UNIT_TEST_CFLAGS)
test_template_info_LDADD = $(COMMON_LIBS)

test_fileio_SOURCES = tests/unit/test-fileio.c tests/unit/tap.h
test_fileio_CFLAGS = $(UNIT_TEST_CFLAGS)
test_fileio_LDADD = $(COMMON_LIBS)

test_strv_SOURCES = tests/unit/test-strv.c tests/unit/tap.h
test_strv_CFLAGS = $(UNIT_TEST_CFLAGS)
test_strv_LDADD = $(COMMON_LIBS)

test_agent_state_SOURCES = tests/unit/test-agent-state.c tests/unit/tap.h
test_agent_state_CFLAGS = $(UNIT_TEST_CFLAGS)
test_agent_state_LDADD = $(COMMON_LIBS)

test_parse_util_SOURCES = tests/unit/test-parse-util.c tests/unit/tap.h
test_parse_util_CFLAGS = $(UNIT_TEST_CFLAGS)
test_parse_util_LDADD = $(COMMON_LIBS)

test_bind_SOURCES = tests/unit/test-bind.c tests/unit/tap.h
test_bind_CFLAGS = $(UNIT_TEST_CFLAGS)
test_bind_LDADD = $(COMMON_LIBS)

# The bus's refusals explained: dbus-daemon's texts, then a private dbus-daemon with tiny limits.
test_bus_limits_SOURCES = tests/unit/test-bus-limits.c tests/unit/tap.h
test_bus_limits_CFLAGS = $(UNIT_TEST_CFLAGS)
test_bus_limits_LDADD = $(COMMON_LIBS)

test_in_addr_util_SOURCES = tests/unit/test-in-addr-util.c tests/unit/tap.h
test_in_addr_util_CFLAGS = $(UNIT_TEST_CFLAGS)
test_in_addr_util_LDADD = $(COMMON_LIBS)

test_network_alloc_SOURCES = tests/unit/test-network-alloc.c tests/unit/tap.h
test_network_alloc_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/manager
test_network_alloc_CFLAGS = $(UNIT_TEST_CFLAGS)
test_network_alloc_LDADD = $(NET_LIBS) $(COMMON_LIBS)

test_ipam_SOURCES = tests/unit/test-ipam.c tests/unit/tap.h
test_ipam_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/manager
test_ipam_CFLAGS = $(UNIT_TEST_CFLAGS)
test_ipam_LDADD = $(NET_LIBS) $(COMMON_LIBS)

test_dnsmasq_config_SOURCES = tests/unit/test-dnsmasq-config.c tests/unit/tap.h
test_dnsmasq_config_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/manager
test_dnsmasq_config_CFLAGS = $(UNIT_TEST_CFLAGS)
test_dnsmasq_config_LDADD = $(NET_LIBS) $(COMMON_LIBS)

# The nft module's test parses the batch back with libnftnl, as libnftnl's own tests do.
test_nft_SOURCES = tests/unit/test-nft.c tests/unit/tap.h
test_nft_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/manager
test_nft_CFLAGS = $(UNIT_TEST_CFLAGS) $(NFTNL_CFLAGS) $(MNL_CFLAGS)
test_nft_LDADD = $(NET_LIBS) $(COMMON_LIBS)

test_volume_SOURCES = tests/unit/test-volume.c tests/unit/tap.h
test_volume_CFLAGS = $(UNIT_TEST_CFLAGS)
test_volume_LDADD = $(COMMON_LIBS)

test_layers_SOURCES = tests/unit/test-layers.c tests/unit/tap.h
test_layers_CFLAGS = $(UNIT_TEST_CFLAGS)
test_layers_LDADD = $(COMMON_LIBS)

test_sha256_SOURCES = tests/unit/test-sha256.c tests/unit/tap.h
test_sha256_CFLAGS = $(UNIT_TEST_CFLAGS)
test_sha256_LDADD = $(COMMON_LIBS)
# common/hashmap.c against a model: random puts, replaces and removes, colliding hashes, growth.
check_PROGRAMS += test-hashmap
TESTS += test-hashmap
test_hashmap_SOURCES = tests/unit/test-hashmap.c tests/unit/tap.h
test_hashmap_CFLAGS = $(UNIT_TEST_CFLAGS)
test_hashmap_LDADD = $(COMMON_LIBS)

# sysctrd's logic (libsysctrd.a) through org.sysctr1 on a socketpair, with a fake backend: no root,
# no bus daemon, no systemd.
check_PROGRAMS += test-manager
TESTS += test-manager
test_manager_SOURCES = tests/unit/test-manager.c tests/unit/tap.h
test_manager_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/manager
test_manager_CFLAGS = $(UNIT_TEST_CFLAGS)
test_manager_LDADD = $(SYSCTRD_LIBS)

# The bash and zsh completion scripts against "sysctr --help" and "sysctr VERB --help".
TESTS += tests/unit/test-completion.sh
EXTRA_DIST += tests/unit/test-completion.sh tests/unit/complete-bash.sh tests/unit/complete-zsh.zsh

# docs/dbus-api.md and man/org.sysctr1.5 name every method, property and signal of sysctrd's vtables.
TESTS += tests/unit/test-dbus-docs.sh
EXTRA_DIST += tests/unit/test-dbus-docs.sh

# tests/tap.sh, the TAP library of every shell test.
TESTS += tests/unit/test-tap.sh
EXTRA_DIST += tests/unit/test-tap.sh
