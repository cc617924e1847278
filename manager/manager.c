/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include "backend.h"
#include "bus-names.h"
#include "cgroup-util.h"
#include "container.h"
#include "fileio.h"
#include "guestcheck.h"
#include "host-limits.h"
#include "image.h"
#include "job.h"
#include "log.h"
#include "manager.h"
#include "name.h"
#include "network.h"
#include "paths.h"
#include "polkit.h"
#include "logs.h"
#include "process.h"
#include "strv.h"

/* Start jobs that run at once; the others wait their turn. A booting guest is mostly CPU work of its
 * own systemd, so more at once than a few per CPU only makes each of them slower. */
#define STARTS_PER_CPU 4U
#define STARTS_MIN 4U

static const char * const manager_mode_table[_MANAGER_MODE_MAX] = {
        [MANAGER_SYSTEMD] = "systemd",
        [MANAGER_STANDALONE] = "standalone",
};

DEFINE_STRING_TABLE_LOOKUP(manager_mode, ManagerMode, _MANAGER_MODE_MAX);

int manager_new(ManagerMode mode, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        sigset_t ss;
        int r;

        m = calloc(1, sizeof(Manager));
        if (!m)
                return -ENOMEM;
        m->mode = mode;
        m->backend = mode == MANAGER_SYSTEMD ? &backend_systemd : &backend_standalone;
        m->inotify_fd = -EBADF;
        m->enter_fd = -EBADF;
        m->max_parallel_starts = MAX(STARTS_MIN, STARTS_PER_CPU * (unsigned) MAX(cpus, 1L));
        /* For benchmarks of the bound itself. */
        const char *e = getenv("SYSCTR_MAX_PARALLEL_STARTS");
        if (e && atoi(e) > 0)
                m->max_parallel_starts = (unsigned) atoi(e);

        m->containers = hashmap_new(&string_hash_ops);
        m->container_leaders = hashmap_new(&trivial_hash_ops);
        m->jobs = hashmap_new(&trivial_hash_ops);
        m->processes = hashmap_new(&trivial_hash_ops);
        m->log_watches = hashmap_new(&trivial_hash_ops);
        m->networks = hashmap_new(&string_hash_ops);
        if (!m->containers || !m->container_leaders || !m->jobs || !m->processes || !m->log_watches ||
            !m->networks)
                return -ENOMEM;

        /* sd-event watches our children (image builders, sysctr-enter, log readers) through
         * SIGCHLD, which must be blocked before the first one is forked. */
        sigemptyset(&ss);
        sigaddset(&ss, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0)
                return -errno;
        r = sd_event_default(&m->event);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        Container *c;

        if (!m)
                return NULL;
        manager_free_processes(m);
        manager_free_log_watches(m);
        /* The owners of jobs end them as they go; then what is left. */
        while (hashmap_size(m->containers) > 0) {
                size_t i = 0;

                if (!hashmap_next(m->containers, &i, (void **) &c))
                        break;
                manager_remove_container(m, c);
                container_free(c);
        }
        image_builds_free(m);
        manager_networks_free(m);
        hashmap_free(m->networks);
        manager_free_jobs(m);
        polkit_queries_free(m);
        hashmap_free(m->containers);
        hashmap_free(m->container_leaders);
        hashmap_free(m->jobs);
        hashmap_free(m->processes);
        hashmap_free(m->log_watches);
        manager_free_guest_checks(m);
        strv_free(m->host_warnings);
        sd_bus_slot_unref(m->job_removed_slot);
        sd_event_source_disable_unref(m->inotify_source);
        safe_close(m->inotify_fd);
        safe_close(m->enter_fd);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

Container *manager_get_container(Manager *m, const char *name) {
        return hashmap_get(m->containers, name);
}

int manager_add_container(Manager *m, Container *c) {
        return hashmap_put(m->containers, c->name, c);
}

void manager_remove_container(Manager *m, Container *c) {
        (void) hashmap_remove_value(m->containers, c->name, c);
        if (c->leader > 0)
                (void) hashmap_remove_value(m->container_leaders, UINT_TO_PTR(c->leader), c);
}

static int container_compare(const void *a, const void *b) {
        return strcmp((*(Container * const *) a)->name, (*(Container * const *) b)->name);
}

Container **manager_sorted_containers(Manager *m) {
        return (Container **) hashmap_sorted_values(m->containers, container_compare);
}

Container *manager_get_container_by_pid(Manager *m, pid_t pid) {
        _cleanup_free_ char *cgroup = NULL, *name = NULL;
        Container *c;
        const char *unit, *end;

        /* The init itself, the cheap way. */
        c = hashmap_get(m->container_leaders, UINT_TO_PTR(pid));
        if (c)
                return c;
        /* Anything else is below the container's unit cgroup: ".../sysctr@NAME.service/payload/...". */
        if (cg_pid_get_path(pid, &cgroup) < 0)
                return NULL;
        unit = strstr(cgroup, "/" SYSCTR_UNIT_PREFIX);
        if (!unit)
                return NULL;
        unit++;
        end = strchr(unit, '/');
        name = sysctr_unit_name_to_container(end ? strndupa(unit, (size_t) (end - unit)) : unit);
        if (!name)
                return NULL;
        c = manager_get_container(m, name);
        if (!c || !c->on_disk)
                return NULL;
        /* Only what is below the cgroup this mode gives the unit, not some other sysctr@ lookalike. */
        _cleanup_free_ char *expected = backend_unit_cgroup(c);
        if (!expected || !strneq(cgroup, expected, strlen(expected)) ||
            (cgroup[strlen(expected)] != '\0' && cgroup[strlen(expected)] != '/'))
                return NULL;
        return c;
}

static int make_dirs(void) {
        _cleanup_free_ char *containers = sysctr_containers_dir(), *images = sysctr_images_dir(),
                            *agents = sysctr_agents_dir();
        const char *state = sysctr_state_dir();
        int r;

        if (!containers || !images || !agents)
                return log_oom();
        /* The state directory holds configs and upper layers: not for other users' eyes. */
        r = mkdir_p(state, 0700);
        if (r >= 0)
                r = mkdir_p(containers, 0700);
        if (r >= 0)
                r = mkdir_p(images, 0700);
        if (r < 0)
                return log_error_errno(r, "Failed to create the state directories in %s: %m", state);
        r = mkdir_p(agents, 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", agents);
        r = mkdir_p(sysctr_log_dir(), 0700);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", sysctr_log_dir());
        return 0;
}

/* Names starting with ".#" are our temporaries (a create, a delete or an image build that a crash
 * interrupted): they never became visible, so removing them finishes the crash's "old state". */
static void remove_leftovers(const char *dir) {
        _cleanup_close_ int fd = -EBADF;
        DIR *d;

        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return;
        d = fdopendir(fcntl(fd, F_DUPFD_CLOEXEC, 3));
        if (!d)
                return;
        for (struct dirent *de; (de = readdir(d));)
                if (strneq(de->d_name, SYSCTR_TEMP_PREFIX, strlen(SYSCTR_TEMP_PREFIX))) {
                        int r = rm_rf_at(fd, de->d_name);
                        if (r < 0)
                                log_warning_errno(r, "Failed to remove leftover %s/%s: %m", dir, de->d_name);
                        else
                                log_info("Removed leftover %s/%s from an interrupted operation.", dir,
                                         de->d_name);
                }
        closedir(d);
}

/* One container directory: a usable container, or a broken one that can at least be deleted. */
static int load_container(Manager *m, const char *name) {
        _cleanup_(container_config_freep) ContainerConfig *cfg = NULL;
        _cleanup_free_ char *path = NULL, *err = NULL, *why = NULL;
        Container *c;
        int r;

        path = sysctr_container_config_path(name);
        if (!path)
                return log_oom();
        r = container_config_load(path, &cfg, &err);
        if (r >= 0 && !streq(cfg->name, name))
                r = asprintf(&why, "its config.yaml names it \"%s\"", cfg->name) < 0 ? -ENOMEM : -EINVAL;
        else if (r < 0 && r != -ENOMEM)
                why = err ? TAKE_PTR(err) : strdup(strerror(-r));
        if (r == -ENOMEM)
                return log_oom();

        if (r >= 0 && !cfg->privileged && cfg->id_base == 0) {
                _cleanup_free_ char *text = NULL;

                /* Made before containers had user namespaces: it stays as it was, and says so. */
                cfg->privileged = true;
                r = container_config_format(cfg, &text);
                if (r >= 0)
                        r = write_file_atomic(path, text, strlen(text), 0600);
                if (r < 0)
                        log_container_full_errno(name, LOG_WARNING, r, "Failed to record container %s as privileged: %m",
                                                    name);
                else
                        log_container_info(name, "Container %s predates user namespaces: it stays privileged "
                                           "(privileged: true in its config.yaml).", name);
                r = 0;
        }
        if (r < 0) {
                log_container_warning(name, "Container %s is broken: %s", name, strna(why));
                r = container_new_broken(m, name, why ?: "its config.yaml cannot be read", &c);
        } else
                r = container_new(m, name, TAKE_PTR(cfg), &c);
        if (r < 0)
                return log_error_errno(r, "Failed to load container %s: %m", name);
        c->on_disk = true;
        r = manager_add_container(m, c);
        if (r < 0) {
                container_free(c);
                return log_error_errno(r, "Failed to add container %s: %m", name);
        }
        if (c->state != CONTAINER_BROKEN)
                (void) container_refresh(c);
        return 0;
}

static int load_containers(Manager *m) {
        _cleanup_free_ char *dir = sysctr_containers_dir();
        DIR *d;
        int r = 0;

        if (!dir)
                return log_oom();
        remove_leftovers(dir);

        d = opendir(dir);
        if (!d)
                return log_error_errno(-errno, "Failed to open %s: %m", dir);
        for (struct dirent *de; r >= 0 && (de = readdir(d));) {
                if (de->d_name[0] == '.')
                        continue;
                if (!container_name_is_valid(de->d_name)) {
                        log_warning("Ignoring %s/%s: not a valid container name.", dir, de->d_name);
                        continue;
                }
                r = load_container(m, de->d_name);
        }
        closedir(d);
        return r;
}

static void refresh_all(Manager *m) {
        _cleanup_free_ Container **all = manager_sorted_containers(m);

        for (size_t i = 0; all && i < hashmap_size(m->containers); i++)
                if (all[i]->on_disk && all[i]->state != CONTAINER_BROKEN)
                        (void) container_refresh(all[i]);
}

static int on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        ssize_t n;

        n = read(fd, buf, sizeof(buf));
        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : log_error_errno(-errno, "inotify: %m");

        for (char *p = buf; p < buf + n;) {
                struct inotify_event *e = (struct inotify_event *) p;
                Container *c;

                p += sizeof(*e) + e->len;
                if (e->mask & IN_Q_OVERFLOW) {
                        refresh_all(m);
                        continue;
                }
                if (e->len == 0 || e->name[0] == '.')
                        continue;
                c = manager_get_container(m, e->name);
                if (c && c->on_disk && c->state != CONTAINER_BROKEN)
                        (void) container_refresh(c);
        }
        return 0;
}

static int watch_agents(Manager *m) {
        _cleanup_free_ char *dir = sysctr_agents_dir();
        int r;

        if (!dir)
                return log_oom();
        m->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (m->inotify_fd < 0)
                return log_error_errno(-errno, "Failed to create an inotify instance: %m%s",
                                       errno == EMFILE ? " (fs.inotify.max_user_instances is used up)" : "");
        /* Agents write their state file atomically (rename), and remove it when they are done. */
        if (inotify_add_watch(m->inotify_fd, dir, IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM) < 0)
                return log_error_errno(-errno, "Failed to watch %s: %m", dir);
        r = sd_event_add_io(m->event, &m->inotify_source, m->inotify_fd, EPOLLIN, on_inotify, m);
        if (r < 0)
                return log_error_errno(r, "Failed to add inotify event source: %m");
        return 0;
}

int manager_load(Manager *m) {
        int r;

        r = make_dirs();
        if (r < 0)
                return r;
        r = image_cleanup_leftovers(m);
        if (r < 0)
                return r;
        /* Watch before loading, so that no transition between the two is missed. */
        r = watch_agents(m);
        if (r < 0)
                return r;
        return load_containers(m);
}

int manager_connect(Manager *m) {
        int r;

        if (!m->bus) {
                r = sd_bus_open_system(&m->bus);
                if (r < 0)
                        return log_error_errno(r, "Failed to connect to the system bus: %m");
        }
        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");
        if (m->backend->connected) {
                r = m->backend->connected(m);
                if (r < 0)
                        return r;
        }
        r = manager_bus_register(m);
        if (r < 0)
                return r;
        /* A direct connection (the unit tests') has no bus daemon to own names on. */
        if (sd_bus_is_bus_client(m->bus) <= 0)
                return 0;
        r = sd_bus_request_name(m->bus, SYSCTR_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to acquire the bus name " SYSCTR_BUS_NAME ": %m");
        return 0;
}

void manager_check_host_limits(Manager *m, bool log_all) {
        _cleanup_free_ Container **all = manager_sorted_containers(m);
        _cleanup_strv_free_ char **text = NULL;
        HostShortfall *s = NULL;
        HostDemand d = {
                /* The agent creates each user namespace as root (agent/container.c): its inotify use
                 * is charged to root as well. */
                .userns_owned_by_root = true,
        };
        size_t n = 0;
        int r;

        if (!all)
                return (void) log_oom();
        for (size_t i = 0; i < hashmap_size(m->containers); i++)
                if (container_is_active(all[i])) {
                        if (all[i]->config->privileged)
                                d.n_privileged++;
                        else
                                d.n_unprivileged++;
                }
        r = host_limits_check(sysctr_proc_sys_dir(), &d, &s, &n);
        if (r < 0) {
                log_debug_errno(r, "Failed to check the host's limits: %m");
                return;
        }
        for (size_t i = 0; i < n; i++) {
                char *t;

                if (host_shortfall_format(&s[i], &t) < 0 || strv_push(&text, t) < 0) {
                        host_shortfalls_free(s, n);
                        return (void) log_oom();
                }
        }
        host_shortfalls_free(s, n);

        if (!log_all && strv_equal(text, m->host_warnings))
                return;
        STRV_FOREACH(t, text)
                log_warning("Host limit short: %s", *t);
        if (!strv_equal(text, m->host_warnings)) {
                if (!text && m->host_warnings)
                        log_info("The host's limits suffice again for the containers that run.");
                strv_free(m->host_warnings);
                m->host_warnings = TAKE_PTR(text);
                if (m->bus)
                        (void) sd_bus_emit_properties_changed(m->bus, SYSCTR_MANAGER_PATH, SYSCTR_MANAGER_INTERFACE,
                                                              "HostWarnings", NULL);
        }
}

int manager_startup(Manager *m) {
        int r;

        r = manager_load_enter_binary(m);
        if (r < 0)
                return r;
        r = manager_load(m);
        if (r < 0)
                return r;
        /* Before the bus: the networks are up, and their table synced, before anything can start. */
        r = manager_networks_startup(m);
        if (r < 0)
                return r;
        r = manager_connect(m);
        if (r < 0)
                return r;
        m->backend->startup(m);
        manager_check_host_limits(m, true);
        return 0;
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        /* Containers are left running: the agents are independent of us (DESIGN.md). */
        log_info("Received %s, exiting. Running containers are left running.", strsignal(si->ssi_signo));
        return sd_event_exit(m->event, 0);
}

int manager_run(Manager *m) {
        sigset_t ss;
        int r;

        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0)
                return log_error_errno(-errno, "Failed to block signals: %m");
        /* A client that goes away while we write to its pipe must not kill us. */
        (void) signal(SIGPIPE, SIG_IGN);
        r = sd_event_add_signal(m->event, NULL, SIGTERM, on_exit_signal, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT, on_exit_signal, m);
        if (r < 0)
                return log_error_errno(r, "Failed to add signal handlers: %m");

        (void) sd_notify(false, "READY=1\nSTATUS=Processing requests...");
        r = sd_event_loop(m->event);
        (void) sd_notify(false, "STOPPING=1");
        return r;
}
