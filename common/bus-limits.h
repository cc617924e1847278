/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

/* The system bus's own limits, hit when many containers are handled at once: dbus-daemon refuses
 * with org.freedesktop.DBus.Error.LimitsExceeded, which sd-bus maps to -ENOBUFS. The ones sysctr
 * meets (defaults of dbus-daemon 1.14, /usr/share/dbus-1/system.conf):
 *   max_connections_per_user 256     every sysctr command and every agent registering with machined
 *                                    is a connection of root: "sysctr start" run once per container
 *                                    from a loop with "&" reaches it. The daemon drops the new
 *                                    connection; sd-bus then reports LimitsExceeded with the text
 *                                    of ENOBUFS, "No buffer space available".
 *   max_replies_per_connection 128   calls one connection has waiting for a reply (sysctrd's
 *                                    StartUnit calls, polkit checks)
 *   max_match_rules_per_connection 512, max_names_per_connection 512,
 *   max_pending_service_starts 512, max_completed_connections 2048
 * Limits can be raised by a drop-in in /etc/dbus-1/system.d/ (a <limit> element there counts like
 * one in system.conf; "systemctl reload dbus" or the bus's ReloadConfig() applies it: verified with
 * dbus-daemon 1.14). dbus-broker has quotas of its own. */

/* If (error, r) is the bus refusing for a limit (the error name is LimitsExceeded, or there is no
 * error name and r is -ENOBUFS), a message for the user in *ret that names the limit (recognized
 * from dbus-daemon's text, or the likeliest one) and what to change: 1. Otherwise 0 and *ret NULL.
 * error may be NULL. -ENOMEM. */
int bus_limits_explain(const sd_bus_error *error, int r, char **ret);
