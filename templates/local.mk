# SPDX-License-Identifier: LGPL-2.1-or-later
# Templates: one directory each under $(pkgdatadir)/templates/, holding an executable "build" (the
# template contract, see DESIGN.md) and "template.yaml" (its metadata).
templatebusyboxdir = $(pkgdatadir)/templates/busybox
dist_templatebusybox_SCRIPTS = templates/busybox/build
dist_templatebusybox_DATA = templates/busybox/template.yaml
