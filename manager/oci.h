/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "macro.h"

/* The "oci" template (docs/storage.md): sysctr create oci:PATH[:TAG] NAME makes a container of an
 * OCI image layout on disk (as skopeo copy or umoci make them), offline. The image is unpacked
 * by templates/oci/build (umoci) into a cached image named after the manifest's digest
 * (oci-<16 hex digits>), versioned like every image; the container's init is the image's
 * entrypoint and command (as umoci's runtime configuration has them), unless --init says
 * otherwise. This module reads the two JSON files involved. */

/* "oci:/srv/images/app:1.0" → "/srv/images/app", "1.0" (tag "latest" if none). -EINVAL if bad. */
int oci_ref_parse(const char *s, char **ret_path, char **ret_tag);

/* The manifest digest (64 hex digits) that index.json names tag with. -ENOENT: no such tag;
 * -EBADMSG: not a valid index. */
int oci_index_find(const char *index_text, size_t n, const char *tag, char **ret_digest);

/* process.args of a runtime configuration (config.json). -ENOENT if there are none. */
int oci_runtime_args(const char *config_text, size_t n, char ***ret);

/* The image name of PATH:TAG ("oci-" and 16 hex digits of the manifest digest); *ret_error says
 * what is wrong with the layout. */
int oci_image_name(const char *path, const char *tag, char **ret_image, char **ret_error);
