/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <time.h>

#include "bus-names.h"
#include "log.h"
#include "name.h"
#include "parse-util.h"
#include "strv.h"
#include "sysctr.h"

/* "sysctr volume|snapshot|clone|export|import" (docs/storage.md). Like every verb, a pure D-Bus client:
 * export and import hand sysctrd a file descriptor (the file the caller opened, or its stdout/stdin),
 * never a path, so sysctrd reads and writes only what the caller could. */

static int log_parse_error(int r) {
        return log_error_errno(r, _("Failed to parse the reply of sysctrd: %m"));
}

static int check_volume_name(const char *name) {
        if (volume_name_is_valid(name))
                return 0;
        log_error(_("Invalid volume name \"%s\": names are 1-63 characters of a-z, 0-9 and \"-\", begin and end "
                    "with a letter or digit, and are not all digits."), name);
        return -EINVAL;
}

static int check_snapshot_name(const char *name) {
        if (snapshot_name_is_valid(name))
                return 0;
        log_error(_("Invalid snapshot name \"%s\": names are 1-63 characters of a-z, 0-9, \".\", \"_\" and \"-\", "
                    "and begin and end with a letter or digit."), name);
        return -EINVAL;
}

/* A call that returns a job ("o" at position skip of its reply), then the wait for it. */
static int call_and_wait(sd_bus *bus, sd_bus_message *m, const char *target, char **ret_final_target) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(job_wait_freep) JobWait *w = NULL;
        const char *job = NULL;
        int r;

        r = job_wait_new(bus, &w);
        if (r < 0)
                return r;
        r = ctl_call(bus, m, CTL_TIMEOUT_DEFAULT, &reply);
        if (r < 0)
                return r;
        /* The job is the reply's last value. */
        for (;;) {
                char type;

                r = sd_bus_message_peek_type(reply, &type, NULL);
                if (r <= 0)
                        break;
                if (type == 'o') {
                        r = sd_bus_message_read(reply, "o", &job);
                        if (r < 0)
                                return log_parse_error(r);
                } else if ((r = sd_bus_message_skip(reply, NULL)) < 0)
                        return log_parse_error(r);
        }
        if (!job)
                return log_parse_error(-EBADMSG);
        r = job_wait_add(w, job, target);
        if (r >= 0)
                r = job_wait_run(w);
        if (r >= 0 && ret_final_target) {
                *ret_final_target = strdup(strempty(job_wait_final_target(w, job)));
                if (!*ret_final_target)
                        return log_oom();
        }
        return r;
}

/* --- volumes --- */

int verb_volume_create(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = check_volume_name(args[0]);
        if (r < 0)
                return r;
        r = ctl_bus_open(&bus);
        if (r >= 0)
                r = ctl_new_manager_call(bus, "CreateVolume", &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "s", args[0]);
        if (r >= 0)
                r = o->size > 0 ? sd_bus_message_append(m, "a{sv}", 1, "size", "t", o->size)
                                : sd_bus_message_append(m, "a{sv}", 0);
        if (r < 0)
                return log_error_errno(r, _("Failed to create a bus message: %m"));
        return ctl_call(bus, m, CTL_TIMEOUT_DEFAULT, NULL);
}

typedef struct VolumeRow {
        const char *name, *backend;
        uint64_t size;
        char **used_by;
} VolumeRow;

static const char *backend_text(const char *backend) {
        /* volume show says how the size is enforced (docs/storage.md). */
        if (streq(backend, "loop"))
                return "loop (an ext4 image file on a loop device: its size is the limit)";
        if (streq(backend, "directory"))
                return "directory (no size limit)";
        return backend;
}

static void volume_print_json(const VolumeRow *v) {
        fputs("{\"name\":", stdout);
        json_print_string(stdout, v->name);
        fputs(",\"backend\":", stdout);
        json_print_string(stdout, v->backend);
        if (v->size > 0)
                printf(",\"size\":%" PRIu64, v->size);
        else
                fputs(",\"size\":null", stdout);
        fputs(",\"used_by\":[", stdout);
        STRV_FOREACH(u, v->used_by) {
                if (u != v->used_by)
                        fputc(',', stdout);
                json_print_string(stdout, *u);
        }
        fputs("]}", stdout);
}

/* Each row of ListVolumes, to fn; only name if not NULL. */
static int for_each_volume(sd_bus_message *reply, const char *only, const CtlOptions *o, bool *found,
                           void (*fn)(const VolumeRow *v, const CtlOptions *o, bool first)) {
        bool first = true;
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "(sstaso)");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "sstaso")) > 0) {
                _cleanup_strv_free_ char **users = NULL;
                VolumeRow v = {};
                const char *path;

                r = sd_bus_message_read(reply, "sst", &v.name, &v.backend, &v.size);
                if (r >= 0)
                        r = sd_bus_message_read_strv(reply, &users);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "o", &path);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        break;
                v.used_by = users;
                if (only && !streq(only, v.name))
                        continue;
                fn(&v, o, first);
                first = false;
                if (found)
                        *found = true;
        }
        return r < 0 ? log_parse_error(r) : 0;
}

static void volume_list_row(const VolumeRow *v, const CtlOptions *o, bool first) {
        _cleanup_free_ char *users = strv_join(v->used_by, ",");
        char size[FORMAT_SIZE_MAX];

        if (o->json) {
                if (!first)
                        fputc(',', stdout);
                volume_print_json(v);
                return;
        }
        printf("%-20s %-10s %-8s %s\n", v->name, v->backend, v->size > 0 ? format_size(v->size, size) : "-",
               isempty(users) ? "-" : users);
}

static void volume_show_row(const VolumeRow *v, const CtlOptions *o, bool first) {
        _cleanup_free_ char *users = strv_join(v->used_by, " ");
        char size[FORMAT_SIZE_MAX];

        if (o->json) {
                volume_print_json(v);
                fputc('\n', stdout);
                return;
        }
        printf("Name: %s\n", v->name);
        printf("Backend: %s\n", backend_text(v->backend));
        printf("Size: %s\n", v->size > 0 ? format_size(v->size, size) : "unlimited");
        printf("UsedBy: %s\n", isempty(users) ? "-" : users);
}

static int list_volumes(sd_bus_message **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = ctl_bus_open(&bus);
        if (r < 0)
                return r;
        return ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, ret, "ListVolumes", NULL);
}

int verb_volume_list(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = list_volumes(&reply);
        if (r < 0)
                return r;
        /* Column headers are not translated: scripts match on them. */
        if (o->json)
                fputs("[", stdout);
        else
                printf("%-20s %-10s %-8s %s\n", "NAME", "BACKEND", "SIZE", "USED-BY");
        r = for_each_volume(reply, NULL, o, NULL, volume_list_row);
        if (o->json)
                fputs("]\n", stdout);
        return r;
}

int verb_volume_show(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        bool found = false;
        int r;

        r = check_volume_name(args[0]);
        if (r < 0)
                return r;
        r = list_volumes(&reply);
        if (r < 0)
                return r;
        r = for_each_volume(reply, args[0], o, &found, volume_show_row);
        if (r >= 0 && !found) {
                log_error(_("No volume \"%s\"."), args[0]);
                return -ENOENT;
        }
        return r;
}

int verb_volume_delete(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r, ret = 0;

        STRV_FOREACH(n, args) {
                r = check_volume_name(*n);
                if (r < 0)
                        return r;
        }
        r = ctl_bus_open(&bus);
        if (r < 0)
                return r;
        STRV_FOREACH(n, args) {
                r = ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, NULL, "DeleteVolume", "s", *n);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}

/* --- snapshots --- */

static int snapshot_call(char **args, const char *method, bool job) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = ctl_check_container_name(args[0]);
        if (r >= 0)
                r = check_snapshot_name(args[1]);
        if (r < 0)
                return r;
        r = ctl_bus_open(&bus);
        if (r >= 0)
                r = ctl_new_manager_call(bus, method, &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "ss", args[0], args[1]);
        if (r < 0)
                return log_error_errno(r, _("Failed to create a bus message: %m"));
        if (job)
                return call_and_wait(bus, m, args[0], NULL);
        return ctl_call(bus, m, CTL_TIMEOUT_DEFAULT, NULL);
}

int verb_snapshot_create(char **args, const CtlOptions *o) {
        return snapshot_call(args, "CreateSnapshot", true);
}

int verb_snapshot_restore(char **args, const CtlOptions *o) {
        return snapshot_call(args, "RestoreSnapshot", true);
}

int verb_snapshot_delete(char **args, const CtlOptions *o) {
        return snapshot_call(args, "DeleteSnapshot", false);
}

int verb_snapshot_list(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *name;
        uint64_t created;
        bool first = true;
        int r;

        r = ctl_check_container_name(args[0]);
        if (r < 0)
                return r;
        r = ctl_bus_open(&bus);
        if (r >= 0)
                r = ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, &reply, "ListSnapshots", "s", args[0]);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(st)");
        if (r < 0)
                return log_parse_error(r);
        if (o->json)
                fputs("[", stdout);
        else
                printf("%-30s %s\n", "NAME", "CREATED");
        while ((r = sd_bus_message_read(reply, "(st)", &name, &created)) > 0) {
                char buf[64] = "-";
                time_t t = (time_t) (created / USEC_PER_SEC);
                struct tm tm;

                if (o->json) {
                        fputs(first ? "{\"name\":" : ",{\"name\":", stdout);
                        json_print_string(stdout, name);
                        printf(",\"created_usec\":%" PRIu64 "}", created);
                } else {
                        if (created > 0 && localtime_r(&t, &tm))
                                (void) strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
                        printf("%-30s %s\n", name, buf);
                }
                first = false;
        }
        if (o->json)
                fputs("]\n", stdout);
        return r < 0 ? log_parse_error(r) : 0;
}

/* --- clone --- */

int verb_clone(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_free_ char *source = NULL;
        const char *snapshot = "", *slash;
        int r;

        /* SOURCE or SOURCE/SNAPSHOT */
        slash = strchr(args[0], '/');
        source = slash ? strndup(args[0], (size_t) (slash - args[0])) : strdup(args[0]);
        if (!source)
                return log_oom();
        if (slash) {
                snapshot = slash + 1;
                r = check_snapshot_name(snapshot);
                if (r < 0)
                        return r;
        }
        r = ctl_check_container_name(source);
        if (r >= 0)
                r = ctl_check_container_name(args[1]);
        if (r < 0)
                return r;
        r = ctl_bus_open(&bus);
        if (r >= 0)
                r = ctl_new_manager_call(bus, "CloneContainer", &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "sssa{sv}", source, snapshot, args[1], 0);
        if (r < 0)
                return log_error_errno(r, _("Failed to create a bus message: %m"));
        return call_and_wait(bus, m, args[1], NULL);
}

/* --- export and import --- */

int verb_export(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *file = args[1];
        bool to_stdout = streq(file, "-");
        int r;

        r = ctl_check_container_name(args[0]);
        if (r < 0)
                return r;
        if (to_stdout && isatty(STDOUT_FILENO)) {
                log_error(_("Refusing to write an archive to a terminal; redirect the output or name a file."));
                return -EINVAL;
        }
        /* Opened by us, as the caller: sysctrd writes into what we hand it. */
        fd = to_stdout ? fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)
                       : open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0)
                return log_error_errno(errno, _("Failed to open %s: %m"), to_stdout ? _("standard output") : file);
        r = ctl_bus_open(&bus);
        if (r >= 0)
                r = ctl_new_manager_call(bus, "ExportContainer", &m);
        if (r >= 0) {
                r = sd_bus_message_append(m, "sha{sv}", args[0], fd, 2, "volumes", "b", (int) o->export_volumes,
                                          "image", "b", (int) !o->no_image);
                if (r < 0)
                        r = log_error_errno(r, _("Failed to create a bus message: %m"));
        }
        if (r >= 0) {
                fd = safe_close(fd);    /* sysctrd has its own copy now; ours must not keep the pipe open */
                r = call_and_wait(bus, m, args[0], NULL);
        }
        if (r < 0 && !to_stdout)
                (void) unlink(file);    /* no half archive under the name asked for */
        return r;
}

int verb_import(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *made = NULL;
        const char *file = args[0], *name = args[1] ?: "";
        bool from_stdin = streq(file, "-");
        int r;

        if (!isempty(name)) {
                r = ctl_check_container_name(name);
                if (r < 0)
                        return r;
        }
        fd = from_stdin ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3) : open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return log_error_errno(errno, _("Failed to open %s: %m"), from_stdin ? _("standard input") : file);
        r = ctl_bus_open(&bus);
        if (r >= 0)
                r = ctl_new_manager_call(bus, "ImportContainer", &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "hsa{sv}", fd, name, 0);
        if (r < 0)
                return log_error_errno(r, _("Failed to create a bus message: %m"));
        fd = safe_close(fd);
        r = call_and_wait(bus, m, isempty(name) ? file : name, &made);
        if (r < 0)
                return r;
        /* The one thing a script needs: the container's name (the archive's, unless NAME was given). The
         * import's job ends naming it (docs/dbus-api.md). */
        printf("%s\n", isempty(made) ? name : made);
        return 0;
}
