/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <systemd/sd-bus.h>

#include "container.h"

/* Snapshots of a container as read-only layers (snapshot.c, common/layers.h, docs/storage.md). Each
 * returns 0, or an error set in error. Taking and restoring need the container stopped; a delete
 * removes the record at once and the layers that nothing names any more. */
int container_snapshot_create(Container *c, const char *name, sd_bus_error *error);
int container_snapshot_restore(Container *c, const char *name, sd_bus_error *error);
int container_snapshot_delete(Container *c, const char *name, sd_bus_error *error);
/* Names (sorted) and creation times (µs), in step. */
int container_snapshot_list(Container *c, char ***ret_names, uint64_t **ret_created, sd_bus_error *error);

/* The snapshot names in the container directory dir_fd, sorted (empty if none). */
int snapshot_list_names(int dir_fd, char ***ret);
/* Remove the layers that neither "lower" nor a snapshot names (not while a journal is there). */
int layers_gc(int dir_fd);

/* At sysctrd's start, before the container is used: finish or undo what a crash interrupted (the
 * journal), then remove unused layers. *ret_done says what was done (NULL: nothing). */
int container_storage_recover(const char *name, char **ret_done);
