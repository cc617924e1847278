# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmarks: run by hand as root (see each script's header), not by "make check".
EXTRA_DIST += bench/README bench/bench-busybox.sh bench/bench-debian.sh bench/bench-scale.sh bench/bench-exec.sh bench/bench-network.sh bench/bench-lib.sh \
	bench/bench-apply.sh bench/bench-storage.sh
