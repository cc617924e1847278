/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "backend.h"
#include "bus-names.h"
#include "crash-point.h"
#include "create.h"
#include "fileio.h"
#include "id.h"
#include "idrange.h"
#include "image.h"
#include "job.h"
#include "log.h"
#include "name.h"
#include "oci.h"
#include "network.h"
#include "options.h"
#include "paths.h"
#include "signal-util.h"
#include "strv.h"
#include "volumes.h"

/* Creating and deleting containers: their directory under <state>/containers. */

#define NAME_RULES "names are 1-63 characters of a-z, 0-9 and \"-\", start and end with a letter or digit, " \
                   "and are not all digits"

/* Fill in what the template decides: image, default release, init and stop signal. */
static int apply_template(ContainerConfig *cfg, bool have_init, bool have_signal, sd_bus_error *error) {
        _cleanup_(template_info_freep) TemplateInfo *t = NULL;
        _cleanup_free_ char *err = NULL, *image = NULL;
        int r;

        r = template_load(cfg->template, &t, &err);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_TEMPLATE,
                                         "No template \"%s\" (templates are in %s).", cfg->template,
                                         sysctr_template_dir());
        if (r < 0)
                return sd_bus_error_setf(error, SYSCTR_ERROR_INVALID_CONFIG, "Template \"%s\" is broken: %s",
                                         cfg->template, err ?: strerror(-r));

        r = template_info_image_name(t, cfg->release, image_native_arch(), &image, &err);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s", err ?: strerror(-r));
        free(cfg->image);
        cfg->image = TAKE_PTR(image);
        if (!cfg->release && strv_length(t->releases) > 0) {
                cfg->release = strdup(t->releases[0]);
                if (!cfg->release)
                        return -ENOMEM;
        }
        if (!have_init) {
                char **l = strv_copy(t->init);

                if (!l)
                        return -ENOMEM;
                strv_free(cfg->init);
                cfg->init = l;
        }
        if (!have_signal)
                cfg->stop_signal = t->stop_signal;
        return 0;
}

/* "oci:PATH[:TAG]": template "oci", the image named after the layout's manifest; the builder learns
 * the layout from its environment (templates/oci/build). */
static int apply_oci(ContainerConfig *cfg, const char *ref, char ***ret_env, sd_bus_error *error) {
        _cleanup_free_ char *path = NULL, *tag = NULL, *image = NULL, *err = NULL, *e1 = NULL, *e2 = NULL;
        _cleanup_strv_free_ char **env = NULL;
        int r;

        r = oci_ref_parse(ref, &path, &tag);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_TEMPLATE,
                                         "Invalid OCI image \"%s\": expected oci:/ABSOLUTE/PATH[:TAG].", ref);
        r = oci_image_name(path, tag, &image, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_TEMPLATE, "%s", strna(err));
        if (asprintf(&e1, "SYSCTR_OCI_LAYOUT=%s", path) < 0 || asprintf(&e2, "SYSCTR_OCI_TAG=%s", tag) < 0 ||
            strv_push(&env, TAKE_PTR(e1)) < 0 || strv_push(&env, TAKE_PTR(e2)) < 0)
                return -ENOMEM;
        free(cfg->template);
        free(cfg->image);
        cfg->template = strdup("oci");
        cfg->image = TAKE_PTR(image);
        if (!cfg->template)
                return -ENOMEM;
        *ret_env = TAKE_PTR(env);
        return 0;
}

/* An oci container's init is its image's entrypoint and command, unless the creator chose one. */
static int oci_init(ContainerConfig *cfg) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        _cleanup_strv_free_ char **args = NULL;
        size_t n;
        int r;

        if (asprintf(&path, "%s/images/%s/oci-config.json", sysctr_state_dir(), cfg->image) < 0)
                return -ENOMEM;
        r = read_full_file(path, &text, &n);
        if (r >= 0)
                r = oci_runtime_args(text, n, &args);
        if (r == -ENOENT || (r >= 0 && args[0][0] != '/'))
                return 0;       /* nothing usable: /sbin/init, as for every template */
        if (r < 0)
                return r;
        strv_free(cfg->init);
        cfg->init = TAKE_PTR(args);
        return 0;
}

/* <state>/containers/.#new-NAME-XXXXXX with upper/, work/ and config.yaml, renamed into place: the
 * container appears whole, or not at all. */
static int container_disk_create(const ContainerConfig *cfg) {
        _cleanup_free_ char *dir = sysctr_containers_dir(), *tmp = NULL, *target = sysctr_container_dir(cfg->name);
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *text = NULL;
        int r;

        if (!dir || !target || asprintf(&tmp, "%s/" SYSCTR_TEMP_PREFIX "new-%s-XXXXXX", dir, cfg->name) < 0)
                return -ENOMEM;
        if (!mkdtemp(tmp))
                return -errno;
        fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                r = -errno;
                goto fail;
        }
        /* upper/ becomes the container's "/": it must not be 0700 (mkdirat() obeys the umask). */
        if (mkdirat(fd, SYSCTR_UPPER_DIR, 0755) < 0 || fchmodat(fd, SYSCTR_UPPER_DIR, 0755, 0) < 0 ||
            mkdirat(fd, SYSCTR_WORK_DIR, 0700) < 0) {
                r = -errno;
                goto fail;
        }
        /* Unprivileged: both belong to the guest's root, who mounts the overlay in its namespace. */
        if (!cfg->privileged &&
            (fchownat(fd, SYSCTR_UPPER_DIR, cfg->id_base, cfg->id_base, AT_SYMLINK_NOFOLLOW) < 0 ||
             fchownat(fd, SYSCTR_WORK_DIR, cfg->id_base, cfg->id_base, AT_SYMLINK_NOFOLLOW) < 0)) {
                r = -errno;
                goto fail;
        }
        r = container_config_format(cfg, &text);
        if (r >= 0)
                r = write_file_atomic_at(fd, SYSCTR_CONFIG_FILE, text, strlen(text), 0600);
        if (r < 0)
                goto fail;
        crash_point("create-before-rename");
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, target, RENAME_NOREPLACE) < 0) {
                r = -errno;
                goto fail;
        }
        crash_point("create-renamed");
        return fsync_directory_of(dir);
fail:
        (void) rm_rf(tmp);
        return r;
}

/* The agent linked the guest's journal from the host's /var/log/journal/<machine-id> (nspawn's
 * try-guest): remove that link if it points into the container we delete. */
static void unlink_journal(Container *c, const char *container_dir) {
        char machine_id[ID_MACHINE_ID_STRING_MAX], link[PATH_MAX], target[PATH_MAX];
        ssize_t n;

        if (id_to_machine_id(c->config->id, machine_id) < 0)
                return;
        (void) snprintf(link, sizeof(link), "/var/log/journal/%s", machine_id);
        n = readlink(link, target, sizeof(target) - 1);
        if (n < 0)
                return;
        target[n] = '\0';
        if (strneq(target, container_dir, strlen(container_dir)) && target[strlen(container_dir)] == '/')
                (void) unlink(link);
}

void container_announce(Container *c, bool added) {
        Manager *m = c->manager;

        if (!m->bus)
                return;
        if (strv_length(c->config->volumes) > 0)
                manager_volume_users_changed(m);
        if (added)
                manager_emit_object_added(m, c->path);
        else
                manager_emit_object_removed(m, c->path);
        (void) sd_bus_emit_signal(m->bus, SYSCTR_MANAGER_PATH, SYSCTR_MANAGER_INTERFACE,
                                  added ? "ContainerNew" : "ContainerRemoved", "so", c->name, c->path);
}

/* Gone from the bus and from memory. */
void container_drop(Container *c) {
        container_announce(c, false);
        manager_remove_container(c->manager, c);
        container_free(c);
}

/* The image is there: make the container on disk. The answer goes to the job, or is returned. */
static int create_on_disk(Container *c, sd_bus_error *error) {
        _cleanup_free_ char *version = NULL;
        int r;

        /* The container keeps the version of its image that is current now (image-store.c). */
        r = image_resolve(c->config->image, &version);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Image \"%s\" of container \"%s\" is gone: %m",
                                               c->config->image, c->name);
        free(c->config->image);
        c->config->image = TAKE_PTR(version);
        if (c->init_from_image) {
                r = oci_init(c->config);
                if (r < 0)
                        return sd_bus_error_set_errnof(error, r, "Failed to read the entrypoint of image \"%s\": %m",
                                                       c->config->image);
        }
        r = container_disk_create(c->config);
        if (r == -EEXIST)
                return sd_bus_error_setf(error, SYSCTR_ERROR_CONTAINER_EXISTS, "Container \"%s\" already exists.",
                                         c->name);
        if (r < 0) {
                log_container_error_errno(c->name, r, "Failed to create container %s: %m", c->name);
                return sd_bus_error_set_errnof(error, r, "Failed to create container \"%s\": %s%m", c->name,
                                               r == -ENOSPC ? "no space left on the state file system: " : "");
        }
        c->on_disk = true;
        c->manager->backend->created(c);
        network_container_changed(c, NULL);
        log_container_info(c->name, "Created container %s (%s) from template %s, image %s.", c->name, c->config->id,
                           c->config->template, c->config->image);
        return 0;
}

static void create_image_ready(Manager *m, int error, const char *message, void *userdata) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        Container *c = userdata;
        Job *j = c->job;

        c->job = NULL;
        if (error < 0) {
                job_finish(j, JOB_FAILED, SYSCTR_ERROR_TEMPLATE_FAILED, "%s",
                           message ?: "Building the template image failed.");
                container_drop(c);
                return;
        }
        if (create_on_disk(c, &e) < 0) {
                job_finish(j, JOB_FAILED, e.name, "%s", strna(e.message));
                container_drop(c);
                return;
        }
        container_send_changed(c, "Job", NULL);
        container_set_state(c, CONTAINER_STOPPED, 0, NULL);
        job_finish(j, JOB_DONE, NULL, NULL);
}

static int create_job_cancel(Job *j, sd_bus_error *error) {
        Container *c = j->userdata;

        /* Our interest in the build goes; the build itself stops if nobody else waits for it. */
        image_forget_waiter(c->manager, c);
        c->job = NULL;
        job_finish(j, JOB_CANCELED, SYSCTR_ERROR_CANCELED, "Creating container \"%s\" was canceled.", c->name);
        container_drop(c);
        return 0;
}

static bool container_dir_exists(const char *name) {
        _cleanup_free_ char *d = sysctr_container_dir(name);
        struct stat st;

        return d && lstat(d, &st) >= 0;
}

/* The host ID bases of the other unprivileged containers (also those still being created). */
static int used_id_bases(Manager *m, uint32_t **ret, size_t *ret_n) {
        _cleanup_free_ Container **all = manager_sorted_containers(m);
        _cleanup_free_ uint32_t *used = NULL;
        size_t n = 0, total = hashmap_size(m->containers);

        if (!all && total > 0)
                return -ENOMEM;
        used = calloc(total + 1, sizeof(uint32_t));
        if (!used)
                return -ENOMEM;
        for (size_t i = 0; i < total; i++)
                if (!all[i]->config->privileged && all[i]->config->id_base > 0)
                        used[n++] = all[i]->config->id_base;
        *ret = TAKE_PTR(used);
        *ret_n = n;
        return 0;
}

/* An unprivileged container's block of 65,536 host IDs: the one asked for (checked against root's
 * ranges and, unless sharing is asked for, against the others' blocks), or the lowest free one. There
 * is no falling back to privileged. */
static int assign_ids(Manager *m, ContainerConfig *cfg, bool explicit, bool shared, sd_bus_error *error) {
        _cleanup_(subid_file_freep) SubIdFile *uids = NULL, *gids = NULL;
        _cleanup_free_ uint32_t *used = NULL;
        _cleanup_free_ char *err = NULL;
        uint32_t other;
        size_t n_used;
        int r;

        r = subid_file_load(sysctr_subuid_path(), &uids, &err);
        if (r >= 0)
                r = subid_file_load(sysctr_subgid_path(), &gids, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_ID_RANGE, "%s", err ?: strerror(-r));
        r = used_id_bases(m, &used, &n_used);
        if (r < 0)
                return r;

        if (!explicit) {
                r = idrange_allocate(uids, gids, used, n_used, &cfg->id_base, &err);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return sd_bus_error_setf(error, SYSCTR_ERROR_NO_ID_RANGE,
                                                 "Cannot create container \"%s\" unprivileged: %s", cfg->name,
                                                 err ?: strerror(-r));
                return 0;
        }
        r = idrange_check_base(uids, gids, cfg->id_base, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_ID_RANGE, "%s", err ?: strerror(-r));
        if (!shared && idrange_find_overlap(cfg->id_base, used, n_used, &other)) {
                _cleanup_free_ Container **all = manager_sorted_containers(m);
                const char *who = "another container";

                for (size_t i = 0; all && i < hashmap_size(m->containers); i++)
                        if (!all[i]->config->privileged && all[i]->config->id_base == other)
                                who = all[i]->name;
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_ID_RANGE,
                                         "Host IDs %" PRIu32 "-%" PRIu32 " (id-base %" PRIu32 ") overlap those of "
                                         "container %s (id-base %" PRIu32 "); give shared-ids to share them.",
                                         cfg->id_base, cfg->id_base + (CONFIG_ID_COUNT - 1), cfg->id_base, who, other);
        }
        return 0;
}

int container_assign_new_ids(Manager *m, ContainerConfig *cfg, sd_bus_error *error) {
        cfg->id_base = 0;
        return assign_ids(m, cfg, false, false, error);
}

int container_assign_new_addresses(Manager *m, ContainerConfig *cfg, bool keep_ports, sd_bus_error *error) {
        for (size_t i = 0; i < cfg->n_networks; i++) {
                cfg->networks[i].has_ip4 = cfg->networks[i].has_ip6 = cfg->networks[i].has_mac = false;
                cfg->networks[i].ip4 = cfg->networks[i].ip6 = (union in_addr_union) {};
                cfg->networks[i].mac = (struct ether_addr) {};
        }
        if (!keep_ports)
                cfg->publish = strv_free(cfg->publish);
        /* The same networks, by name: they must exist here; new addresses and MACs on them. */
        return network_prepare_container(m, cfg, NULL, true, error);
}

/* Read and check everything the call says; the complete config. */
static int create_config(Manager *m, sd_bus_message *message, ContainerConfig **ret, char ***ret_env,
                         bool *ret_oci_init, sd_bus_error *error) {
        _cleanup_(container_config_freep) ContainerConfig *cfg = NULL;
        _cleanup_free_ char *err = NULL;
        const char *name, *template;
        char id[ID_STRING_MAX];
        struct timespec now;
        OptionExtra extra = {};
        OptionMask given;
        int r;

        r = sd_bus_message_read(message, "ss", &name, &template);
        if (r < 0)
                return r;
        if (!container_name_is_valid(name))
                return sd_bus_error_setf(error, SYSCTR_ERROR_INVALID_NAME, "Invalid container name \"%s\": %s.",
                                         name, NAME_RULES);
        if (!template_name_is_valid(template) && !strneq(template, "oci:", 4))
                return sd_bus_error_setf(error, SYSCTR_ERROR_NO_SUCH_TEMPLATE, "No template \"%s\".", template);

        cfg = container_config_new();
        if (!cfg)
                return -ENOMEM;
        r = options_parse(cfg, message, OPTIONS_CREATE, &given, &extra, error);
        if (r < 0)
                return r;
        if (cfg->privileged && (given & (OPTION_ID_BASE | OPTION_SHARED_IDS)))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Option \"%s\" is for unprivileged containers; a privileged one uses the "
                                         "host's IDs.", given & OPTION_ID_BASE ? "id-base" : "shared-ids");
        if (extra.shared_ids && !(given & OPTION_ID_BASE))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Option \"shared-ids\" needs \"id-base\": the block to share.");
        if (manager_get_container(m, name) || container_dir_exists(name))
                return sd_bus_error_setf(error, SYSCTR_ERROR_CONTAINER_EXISTS, "Container \"%s\" already exists.",
                                         name);

        r = id_generate(id);
        if (r < 0)
                return r;
        (void) clock_gettime(CLOCK_REALTIME, &now);
        cfg->created_usec = (uint64_t) now.tv_sec * USEC_PER_SEC;
        cfg->name = strdup(name);
        cfg->template = strdup(template);
        cfg->id = strdup(id);
        if (!cfg->name || !cfg->template || !cfg->id)
                return -ENOMEM;
        if (strneq(template, "oci:", 4)) {
                r = apply_oci(cfg, template, ret_env, error);
                *ret_oci_init = !(given & OPTION_INIT);
        } else
                r = apply_template(cfg, given & OPTION_INIT, given & OPTION_STOP_SIGNAL, error);
        if (r < 0)
                return r;
        if (!cfg->privileged) {
                r = assign_ids(m, cfg, given & OPTION_ID_BASE, extra.shared_ids, error);
                if (r < 0)
                        return r;
        }
        r = container_config_verify(cfg, &err);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s", err ?: "Invalid configuration.");
        r = volumes_check_exist(m, cfg->volumes, error);
        if (r < 0)
                return r;
        /* Its networks (the default one unless told), addresses and MAC allocated, ports checked. */
        r = network_prepare_container(m, cfg, NULL, given & OPTION_NETWORKS, error);
        if (r < 0)
                return r;
        r = container_config_verify(cfg, &err);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "%s", err ?: "Invalid configuration.");
        *ret = TAKE_PTR(cfg);
        return 0;
}

int manager_create_container(Manager *m, sd_bus_message *message, sd_bus_error *error) {
        _cleanup_(container_config_freep) ContainerConfig *cfg = NULL;
        _cleanup_strv_free_ char **env = NULL;
        bool oci_init = false;
        const char *name;
        Container *c;
        Job *j;
        int r;

        r = create_config(m, message, &cfg, &env, &oci_init, error);
        if (r < 0)
                return r;
        /* Reserve the name: a second create of it fails at once, even while the image builds. */
        name = cfg->name;       /* argument order is unspecified: not in the call that takes cfg */
        r = container_new(m, name, TAKE_PTR(cfg), &c);
        if (r < 0)
                return r;
        c->state = CONTAINER_CREATING;
        c->init_from_image = oci_init;
        r = manager_add_container(m, c);
        if (r < 0) {
                container_free(c);
                return r;
        }

        r = image_ensure_env(m, c->config->template, c->config->release, c->config->image, false, env,
                             create_image_ready, c, NULL);
        if (r > 0) {
                /* The image is cached: done now. */
                r = create_on_disk(c, error);
                if (r < 0) {
                        manager_remove_container(m, c);
                        container_free(c);
                        return r;
                }
                c->state = CONTAINER_STOPPED;
                container_announce(c, true);
                return sd_bus_reply_method_return(message, "o", c->path);
        }
        if (r >= 0)
                r = job_new(m, JOB_CREATE, c->name, c->path, &j);
        if (r < 0) {
                image_forget_waiter(m, c);
                manager_remove_container(m, c);
                container_free(c);
                return sd_bus_error_set_errnof(error, r, "Failed to build the image of template \"%s\": %m",
                                               c->config->template);
        }
        /* Visible at once, "creating", its job building the image. */
        j->userdata = c;
        j->cancel = create_job_cancel;
        c->job = j;
        image_follow_progress(m, c, j);
        container_announce(c, true);
        return sd_bus_reply_method_return(message, "o", c->path);
}

static int on_remover_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        if (si->si_code != CLD_EXITED || si->si_status != 0)
                log_warning("Removing a deleted container's files failed; they will be removed at the next start.");
        sd_event_source_disable_unref(s);
        return 0;
}

/* The files of a deleted container (renamed away already) go in a child: a big upper layer takes
 * seconds to remove, and the caller need not wait for that. If sysctrd dies meanwhile, the next
 * start removes the ".#" entry. */
static void remove_in_background(Manager *m, const char *path) {
        sd_event_source *child = NULL;
        pid_t pid;

        pid = fork();
        if (pid < 0) {
                (void) rm_rf(path);
                return;
        }
        if (pid == 0) {
                /* Nothing of sysctrd's stays open here: its bus connection would outlive a restart. */
                (void) syscall(SYS_close_range, 3U, ~0U, 0);
                (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
                _exit(rm_rf(path) < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
        }
        /* The source belongs to its callback, which ends it. */
        if (sd_event_add_child(m->event, &child, pid, WEXITED, on_remover_exit, NULL) < 0)
                (void) waitpid(pid, NULL, 0);
}

int container_delete(Container *c, sd_bus_error *error) {
        Manager *m = c->manager;
        _cleanup_free_ char *dir = sysctr_containers_dir(), *tmp = NULL, *target = sysctr_container_dir(c->name),
                            *state = sysctr_agent_state_path(c->name), *log_path = sysctr_container_log_path(c->name),
                            *runtime = sysctr_container_runtime_dir(c->name);

        if (c->state == CONTAINER_CREATING && c->job)
                return job_cancel(c->job, error);
        if (c->storage_job)
                return sd_bus_error_setf(error, SYSCTR_ERROR_BUSY, "Container \"%s\" is being copied; delete it "
                                         "once that is done (or cancel job %" PRIu32 ").", c->name, c->storage_job->id);
        if (container_is_active(c) || c->job)
                return sd_bus_error_setf(error, SYSCTR_ERROR_CONTAINER_RUNNING,
                                         "Container \"%s\" is %s; stop it first (or use --force).", c->name,
                                         container_state_to_string(c->state));
        if (!dir || !target || !state || !log_path || !runtime ||
            asprintf(&tmp, "%s/" SYSCTR_TEMP_PREFIX "deleted-%s-%08lx", dir, c->name, random()) < 0)
                return -ENOMEM;

        /* Rename first: from this instant the container is gone, even if we crash while deleting. */
        if (renameat2(AT_FDCWD, target, AT_FDCWD, tmp, RENAME_NOREPLACE) < 0)
                return sd_bus_error_set_errnof(error, errno, "Failed to delete container \"%s\": %m", c->name);
        (void) fsync_directory_of(dir);
        crash_point("delete-renamed");
        remove_in_background(m, tmp);
        (void) unlink(state);
        (void) unlink(log_path);
        (void) rm_rf(runtime);
        if (c->state != CONTAINER_BROKEN) {
                m->backend->deleted(c);
                network_container_removed(c);
        }
        unlink_journal(c, target);

        log_container_info(c->name, "Deleted container %s.", c->name);
        container_drop(c);
        /* Its image version may have been the last thing it kept. */
        image_gc(m);
        return 0;
}
