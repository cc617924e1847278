/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Name rules, checked once at every boundary (CLI, D-Bus, YAML) before anything touches disk.
 * These names become directory names, unit instance names, host names and D-Bus object path
 * components, so the rules are deliberately narrow: no '/', no '.', no upper case. */

#define CONTAINER_NAME_MAX 63U
#define IMAGE_NAME_MAX 128U
#define HOSTNAME_MAX 64U
#define IFNAME_MAX 15U       /* IFNAMSIZ - 1 */

/* ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$ and not all digits (a number would read as a PID or an
 * index in CLI tools). NULL is invalid. */
bool container_name_is_valid(const char *s);

/* Same rule as container names. */
bool template_name_is_valid(const char *s);

/* Image directory names under <state>/images/: [a-z0-9._-], at most 128 characters, first and
 * last character [a-z0-9] (so never ".", ".." or a hidden file), not all digits. */
bool image_name_is_valid(const char *s);

/* Template release names ("bookworm", "24.04", "12"): [a-z0-9._-], at most 63 characters, first
 * and last character [a-z0-9]. Digits only is fine here (Debian "12"). They end up inside image
 * names, so the charset is the image charset. */
bool release_name_is_valid(const char *s);

/* A host name per RFC 1123: dot-separated labels of [A-Za-z0-9-], 1..63 characters each, not
 * starting or ending with '-'; at most 64 characters in all (HOST_NAME_MAX on Linux). */
bool hostname_is_valid(const char *s);

/* Network names (sysctr network create NAME): the container name rule, and not "host", "none",
 * "container" or "private" (words of --network and network-mode:). They also serve as the DNS
 * domain of a bridge's containers (web1.lan0), which the rule keeps a valid DNS label. */
bool network_name_is_valid(const char *s);

/* Interface names: 1..15 characters, not "." or "..", no '/', ':' (alias syntax), '%' (templates
 * such as "eth%d"), white space or control characters: what the kernel's dev_valid_name() takes,
 * minus the forms that mean something else to tools. */
bool ifname_is_valid(const char *s);
