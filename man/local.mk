# SPDX-License-Identifier: LGPL-2.1-or-later
dist_man_MANS += \
	man/sysctr.1 \
	man/sysctrd.8 \
	man/sysctr.yaml.5
