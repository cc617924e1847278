# SPDX-License-Identifier: LGPL-2.1-or-later
# Templates: one directory each under $(pkgdatadir)/templates/, holding an executable "build" (the
# template contract, see DESIGN.md) and "template.yaml" (its metadata). dist_ puts both in the
# tarball, so "make distcheck" builds and installs them like everything else.
templatebusyboxdir = $(pkgdatadir)/templates/busybox
dist_templatebusybox_SCRIPTS = templates/busybox/build
dist_templatebusybox_DATA = templates/busybox/template.yaml

templatedebiandir = $(pkgdatadir)/templates/debian
dist_templatedebian_SCRIPTS = templates/debian/build
dist_templatedebian_DATA = templates/debian/template.yaml

templateocidir = $(pkgdatadir)/templates/oci
dist_templateoci_SCRIPTS = templates/oci/build
dist_templateoci_DATA = templates/oci/template.yaml
