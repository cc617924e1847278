/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "manager.h"
#include "volume.h"

/* Volumes in sysctrd: <state>/volumes/NAME (common/volume.h says what is in one), as objects
 * /org/sysctr1/volume/NAME (org.sysctr1.Volume). sysctrd makes and deletes them; agents mount them.
 * A volume outlives every container that uses it: deleting a container never deletes one, and a
 * volume that a container names (running or not) cannot be deleted. */

struct Volume {
        Manager *manager;
        char *name;
        char *path;             /* D-Bus object path */
        VolumeInfo info;
};
/* The name is reserved while the volume is being created: no object yet. */

/* A volume object (reserved: no object path yet, while it is being created). */
int volume_new(Manager *m, const char *name, const VolumeInfo *info, bool reserved, Volume **ret);
void volume_drop(Volume *v);
Volume *manager_get_volume(Manager *m, const char *name);
int manager_load_volumes(Manager *m);
void manager_free_volumes(Manager *m);

/* The containers whose config names the volume, sorted; NULL if none (or on OOM). */
char **volume_users(Manager *m, const char *name);
/* A container came, went or changed its volumes: UsedBy is sent (after the current call). */
void manager_volume_users_changed(Manager *m);

/* Every volume named in volumes (specs, volume.h) exists; otherwise an error naming the first that
 * does not. For create and set. */
int volumes_check_exist(Manager *m, char * const *volumes, sd_bus_error *error);

/* In a worker: DIR/disk.img, an ext4 of size bytes (allocated in full) made (mkfs.ext4 -d) from
 * DIR/seed, which holds data/; seed goes once it is done. */
int volume_make_loop_image(const char *dir, uint64_t size);

/* volumes-dbus.c */
extern const sd_bus_vtable volume_vtable[];
int volume_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                       sd_bus_error *error);
int volume_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error);
int method_create_volume(sd_bus_message *message, void *userdata, sd_bus_error *error);
int method_delete_volume(sd_bus_message *message, void *userdata, sd_bus_error *error);
int method_list_volumes(sd_bus_message *message, void *userdata, sd_bus_error *error);
int method_get_volume(sd_bus_message *message, void *userdata, sd_bus_error *error);
