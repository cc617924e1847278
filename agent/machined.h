/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Registration with systemd-machined, so that machinectl, "systemd-run -M", "journalctl -M" see the
 * container, as they see systemd-nspawn's. RegisterMachineWithNetwork registers the caller's unit
 * (sysctr@NAME.service) instead of making a scope, like nspawn's --keep-unit. Where no machined
 * runs (standalone mode, no system bus) this quietly does nothing: returns 0. Returns 1 when
 * registered. The bus connection lives only for the call, which keeps the agent small. */
/* ifindices: the host sides of the container's links (machined lists the container's addresses
 * through them, "machinectl status" shows them), or NULL. */
int machined_register(const char *name, const char *uuid, pid_t leader, const int *ifindices, size_t n_ifindices);
void machined_unregister(const char *name);

/* systemd-nspawn's --link-journal=try-guest: if the host keeps a persistent journal and the guest
 * has /var/log/journal, make the guest's journal directory for its machine-id (in the container's
 * upper layer, where the guest's writes land) and link it from the host's /var/log/journal, so that
 * "journalctl -m" on the host merges it. Best effort. */
void journal_link(const char *upper, const char *lower, const char *machine_id, uid_t shift);
