# SPDX-License-Identifier: LGPL-2.1-or-later
# Fuzz targets: the fleet loader (common/fleet-yaml.c, config.yaml's container parser within it) and
# sysctrd's option parser (manager/options.c). In every build they run over their seed corpus as a
# test (fuzz-driver.c gives them a main()); configured with CC=clang --enable-fuzzers they are
# libFuzzer programs instead, which tools/run-fuzzers runs for a bounded time (CI does).
FUZZ_TARGETS = fuzz-fleet fuzz-options
check_PROGRAMS += $(FUZZ_TARGETS)

fuzz_fleet_SOURCES = tests/fuzz/fuzz-fleet.c
fuzz_fleet_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)
fuzz_fleet_LDADD = $(COMMON_LIBS)

fuzz_options_SOURCES = tests/fuzz/fuzz-options.c
fuzz_options_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/manager
fuzz_options_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS)
fuzz_options_LDADD = $(SYSCTRD_LIBS)

if ENABLE_FUZZERS
fuzz_fleet_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
fuzz_options_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
else
fuzz_fleet_SOURCES += tests/fuzz/fuzz-driver.c
fuzz_options_SOURCES += tests/fuzz/fuzz-driver.c
TESTS += tests/fuzz/test-fuzz-corpus.sh
endif

EXTRA_DIST += tests/fuzz/test-fuzz-corpus.sh tests/fuzz/corpus
