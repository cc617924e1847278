/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include "container.h"
#include "fileio.h"
#include "image.h"
#include "log.h"
#include "manager.h"
#include "name.h"
#include "paths.h"
#include "polkit.h"
#include "unit.h"

static const char * const manager_mode_table[_MANAGER_MODE_MAX] = {
        [MANAGER_SYSTEMD] = "systemd",
        [MANAGER_STANDALONE] = "standalone",
};

DEFINE_STRING_TABLE_LOOKUP(manager_mode, ManagerMode, _MANAGER_MODE_MAX);

int manager_new(ManagerMode mode, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        m = calloc(1, sizeof(Manager));
        if (!m)
                return -ENOMEM;
        m->mode = mode;
        m->inotify_fd = -EBADF;

        r = sd_event_default(&m->event);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        while (m->containers) {
                Container *c = m->containers;

                m->containers = c->next;
                container_free(c);
        }
        image_builds_free(m);
        polkit_queries_free(m);
        sd_bus_slot_unref(m->job_removed_slot);
        sd_event_source_disable_unref(m->inotify_source);
        safe_close(m->inotify_fd);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

Container *manager_get_container(Manager *m, const char *name) {
        for (Container *c = m->containers; c; c = c->next)
                if (streq(c->name, name))
                        return c;
        return NULL;
}

void manager_add_container(Manager *m, Container *c) {
        Container **p = &m->containers;

        while (*p && strcmp((*p)->name, c->name) < 0)
                p = &(*p)->next;
        c->next = *p;
        *p = c;
}

void manager_remove_container(Manager *m, Container *c) {
        for (Container **p = &m->containers; *p; p = &(*p)->next)
                if (*p == c) {
                        *p = c->next;
                        c->next = NULL;
                        return;
                }
}

static const char * const state_subdirs[] = { "containers", "images" };

static int make_dirs(void) {
        const char *state = sysctr_state_dir(), *runtime = sysctr_runtime_dir();
        char p[PATH_MAX];
        int r;

        /* The state directory holds configs and upper layers: not for other users' eyes. */
        r = mkdir_p(state, 0700);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", state);
        for (size_t i = 0; i < ELEMENTSOF(state_subdirs); i++) {
                (void) snprintf(p, sizeof(p), "%s/%s", state, state_subdirs[i]);
                r = mkdir_p(p, 0700);
                if (r < 0)
                        return log_error_errno(r, "Failed to create %s: %m", p);
        }
        (void) snprintf(p, sizeof(p), "%s/agents", runtime);
        r = mkdir_p(p, 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", p);
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
        for (struct dirent *de; (de = readdir(d)); )
                if (strneq(de->d_name, ".#", 2)) {
                        int r = rm_rf_at(fd, de->d_name);
                        if (r < 0)
                                log_warning_errno(r, "Failed to remove leftover %s/%s: %m", dir, de->d_name);
                        else
                                log_info("Removed leftover %s/%s from an interrupted operation.", dir,
                                         de->d_name);
                }
        closedir(d);
}

static int load_containers(Manager *m) {
        _cleanup_free_ char *dir = NULL;
        DIR *d;

        if (asprintf(&dir, "%s/containers", sysctr_state_dir()) < 0)
                return log_oom();
        remove_leftovers(dir);

        d = opendir(dir);
        if (!d)
                return log_error_errno(-errno, "Failed to open %s: %m", dir);
        for (struct dirent *de; (de = readdir(d)); ) {
                _cleanup_(container_config_freep) ContainerConfig *cfg = NULL;
                _cleanup_free_ char *path = NULL, *err = NULL;
                Container *c;
                int r;

                if (de->d_name[0] == '.')
                        continue;
                if (!container_name_is_valid(de->d_name)) {
                        log_warning("Ignoring %s/%s: not a valid container name.", dir, de->d_name);
                        continue;
                }
                path = sysctr_container_config_path(de->d_name);
                if (!path) {
                        closedir(d);
                        return log_oom();
                }
                r = container_config_load(path, &cfg, &err);
                if (r < 0) {
                        log_warning_errno(r, "Ignoring container %s: %s", de->d_name, err ?: strerror(-r));
                        continue;
                }
                if (!streq(cfg->name, de->d_name)) {
                        log_warning("Ignoring container %s: its config names it \"%s\".", de->d_name,
                                    cfg->name);
                        continue;
                }
                r = container_new(m, de->d_name, TAKE_PTR(cfg), &c);
                if (r < 0) {
                        closedir(d);
                        return log_error_errno(r, "Failed to load container %s: %m", de->d_name);
                }
                manager_add_container(m, c);
                (void) container_refresh(c);
        }
        closedir(d);
        return 0;
}

static int on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        ssize_t n;

        n = read(fd, buf, sizeof(buf));
        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : log_error_errno(-errno, "inotify: %m");

        for (char *p = buf; p < buf + n; ) {
                struct inotify_event *e = (struct inotify_event *) p;

                p += sizeof(*e) + e->len;
                if (e->mask & IN_Q_OVERFLOW) {
                        for (Container *c = m->containers; c; c = c->next)
                                (void) container_refresh(c);
                        continue;
                }
                if (e->len == 0 || e->name[0] == '.')
                        continue;
                Container *c = manager_get_container(m, e->name);
                if (c && !c->creating)
                        (void) container_refresh(c);
        }
        return 0;
}

static int watch_agents(Manager *m) {
        _cleanup_free_ char *dir = NULL;
        int r;

        if (asprintf(&dir, "%s/agents", sysctr_runtime_dir()) < 0)
                return log_oom();
        m->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (m->inotify_fd < 0)
                return log_error_errno(-errno, "Failed to create inotify: %m");
        /* Agents write their state file atomically (rename), and remove it when they are done. */
        if (inotify_add_watch(m->inotify_fd, dir, IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM) < 0)
                return log_error_errno(-errno, "Failed to watch %s: %m", dir);
        r = sd_event_add_io(m->event, &m->inotify_source, m->inotify_fd, EPOLLIN, on_inotify, m);
        if (r < 0)
                return log_error_errno(r, "Failed to add inotify event source: %m");
        return 0;
}

/* Standalone, sysctrd starting is our "boot": start what is marked autostart. Under systemd the
 * units are enabled instead (WantedBy=machines.target), and systemd starts them. */
static void autostart_containers(Manager *m) {
        for (Container *c = m->containers; c; c = c->next) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

                if (!c->config->autostart || container_is_active(c))
                        continue;
                log_container_info(c->name, "Starting container %s (autostart).", c->name);
                if (container_start(c, NULL, &error) < 0)
                        log_container_error(c->name, "Failed to start container %s: %s", c->name, strna(error.message));
        }
}

int manager_startup(Manager *m) {
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
        r = load_containers(m);
        if (r < 0)
                return r;

        r = sd_bus_open_system(&m->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m");
        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");
        if (m->mode == MANAGER_SYSTEMD) {
                r = unit_subscribe(m);
                if (r < 0)
                        return r;
        }
        r = manager_bus_register(m);
        if (r < 0)
                return r;
        r = sd_bus_request_name(m->bus, "org.sysctr1", 0);
        if (r < 0)
                return log_error_errno(r, "Failed to acquire the bus name org.sysctr1: %m");
        if (m->mode == MANAGER_STANDALONE)
                autostart_containers(m);
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
        sigaddset(&ss, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0)
                return log_error_errno(-errno, "Failed to block signals: %m");
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
