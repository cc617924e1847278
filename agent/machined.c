/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>

#include "log.h"
#include "machined.h"
#include "macro.h"

static int uuid_to_bytes(const char *uuid, uint8_t ret[static 16]) {
        size_t n = 0;

        for (const char *p = uuid; *p && n < 32; p++) {
                int v;

                if (*p == '-')
                        continue;
                if (*p >= '0' && *p <= '9')
                        v = *p - '0';
                else if (*p >= 'a' && *p <= 'f')
                        v = *p - 'a' + 10;
                else
                        return -EINVAL;
                if (n % 2 == 0)
                        ret[n / 2] = (uint8_t) (v << 4);
                else
                        ret[n / 2] |= (uint8_t) v;
                n++;
        }
        return n == 32 ? 0 : -EINVAL;
}

static bool error_means_no_machined(const sd_bus_error *e) {
        return sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
                                      SD_BUS_ERROR_UNKNOWN_OBJECT, SD_BUS_ERROR_NO_REPLY);
}

int machined_register(const char *name, const char *uuid, pid_t leader, const int *ifindices, size_t n_ifindices) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        uint8_t id[16];
        int r;

        if (access("/run/systemd/machines", F_OK) < 0 && access("/run/systemd/system", F_OK) < 0)
                return 0;       /* not a systemd host: nobody to register with */
        r = uuid_to_bytes(uuid, id);
        if (r < 0)
                return log_error_errno(r, "Invalid container UUID %s.", uuid);
        r = sd_bus_open_system(&bus);
        if (r < 0) {
                log_debug_errno(r, "No system bus, not registering with systemd-machined: %m");
                return 0;
        }
        r = sd_bus_message_new_method_call(bus, &m, "org.freedesktop.machine1", "/org/freedesktop/machine1",
                                           "org.freedesktop.machine1.Manager", "RegisterMachineWithNetwork");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r >= 0)
                r = sd_bus_message_append_array(m, 'y', id, sizeof(id));
        if (r >= 0)
                r = sd_bus_message_append(m, "ssus", "sysctr", "container", (uint32_t) leader, "");
        if (r >= 0)
                r = sd_bus_message_append_array(m, 'i', ifindices, n_ifindices * sizeof(int));
        if (r < 0)
                return log_error_errno(r, "Failed to build the machined registration: %m");
        r = sd_bus_call(bus, m, 0, &error, NULL);
        if (r < 0) {
                if (error_means_no_machined(&error)) {
                        log_debug("systemd-machined is not available, not registering: %s", error.message);
                        return 0;
                }
                return log_warning_errno(r, "Failed to register with systemd-machined: %s",
                                         error.message ?: strerror(-r));
        }
        log_debug("Registered with systemd-machined as %s.", name);
        return 1;
}

void machined_unregister(const char *name) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (sd_bus_open_system(&bus) < 0)
                return;
        r = sd_bus_call_method(bus, "org.freedesktop.machine1", "/org/freedesktop/machine1",
                               "org.freedesktop.machine1.Manager", "UnregisterMachine", &error, NULL, "s", name);
        /* Gone already is fine: machined also drops a machine when its leader dies. */
        if (r < 0 && !sd_bus_error_has_name(&error, "org.freedesktop.machine1.NoSuchMachine"))
                log_debug("Failed to unregister from systemd-machined: %s", error.message ?: strerror(-r));
}

/* Make upper/var/log/journal/<machine-id> one level at a time, never following a symlink, and give
 * each new directory the mode and owner of the same directory in the lower layer (what overlayfs'
 * copy-up would do; an unprivileged container sees the image's owners shifted by its id-base), so
 * that the merged view keeps them. */
static int make_guest_journal_dir(const char *upper, const char *lower, const char *machine_id, uid_t shift) {
        const char *components[] = { "var", "log", "journal", machine_id };
        _cleanup_close_ int fd = -EBADF, lfd = -EBADF;

        fd = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        lfd = open(lower, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        for (size_t i = 0; i < ELEMENTSOF(components); i++) {
                struct stat st = { .st_mode = S_IFDIR | 0755 };
                int next, lnext = -EBADF;

                if (lfd >= 0 && fstatat(lfd, components[i], &st, AT_SYMLINK_NOFOLLOW) >= 0 && S_ISDIR(st.st_mode))
                        lnext = openat(lfd, components[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (!S_ISDIR(st.st_mode))
                        st = (struct stat) { .st_mode = S_IFDIR | 0755 };
                if (mkdirat(fd, components[i], st.st_mode & 07777) >= 0) {
                        (void) fchownat(fd, components[i], st.st_uid + shift, st.st_gid + shift, AT_SYMLINK_NOFOLLOW);
                        (void) fchmodat(fd, components[i], st.st_mode & 07777, 0);
                } else if (errno != EEXIST) {
                        safe_close(lnext);
                        return -errno;
                }
                next = openat(fd, components[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0) {
                        safe_close(lnext);
                        return -errno;
                }
                safe_close(fd);
                fd = next;
                safe_close(lfd);
                lfd = lnext;
        }
        return 0;
}

void journal_link(const char *upper, const char *lower, const char *machine_id, uid_t shift) {
        char guest_dir[PATH_MAX], lower_dir[PATH_MAX], host_link[PATH_MAX], target[PATH_MAX];
        struct stat st;
        ssize_t n;

        /* Only when both sides keep persistent journals (nspawn's "try-guest"). */
        if (stat("/var/log/journal", &st) < 0 || !S_ISDIR(st.st_mode))
                return;
        (void) snprintf(lower_dir, sizeof(lower_dir), "%s/var/log/journal", lower);
        (void) snprintf(guest_dir, sizeof(guest_dir), "%s/var/log/journal", upper);
        if ((stat(lower_dir, &st) < 0 || !S_ISDIR(st.st_mode)) && (stat(guest_dir, &st) < 0 || !S_ISDIR(st.st_mode)))
                return;

        /* The guest's journald writes to /var/log/journal/<machine-id>, which lands in the upper
         * layer, where the guest may have planted symlinks: create it without following any. */
        if (make_guest_journal_dir(upper, lower, machine_id, shift) < 0)
                return;
        (void) snprintf(guest_dir, sizeof(guest_dir), "%s/var/log/journal/%s", upper, machine_id);
        (void) snprintf(host_link, sizeof(host_link), "/var/log/journal/%s", machine_id);
        n = readlink(host_link, target, sizeof(target) - 1);
        if (n >= 0) {
                target[n] = '\0';
                if (streq(target, guest_dir))
                        return;
                (void) unlink(host_link);
        } else if (errno != ENOENT)
                return;         /* a real directory of the host's: not ours to replace */
        if (symlink(guest_dir, host_link) < 0)
                log_debug_errno(-errno, "Failed to link %s to %s: %m", host_link, guest_dir);
}
