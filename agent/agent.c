/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>

#include "agent.h"
#include "container.h"
#include "fileio.h"
#include "id.h"
#include "log.h"
#include "machined.h"
#include "name.h"
#include "network.h"
#include "notify.h"
#include "paths.h"
#include "strv.h"
#include "time-util.h"
#include "userns.h"

static void help(void) {
        printf("sysctr-agent [OPTIONS...] NAME\n\n"
               "Run the system container NAME: set up its namespaces, cgroups, root file system and\n"
               "console, start its init, supervise it and clean up after it. Started by\n"
               "sysctr@NAME.service or by sysctrd; stop it with SIGTERM (sigqueue(3) with a value\n"
               "to give the stop timeout in seconds).\n\n"
               "  -h --help     Show this help\n"
               "     --version  Show the package version\n");
}

static int parse_argv(int argc, char *argv[], const char **ret_name) {
        enum { ARG_VERSION = 0x100 };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        puts(PACKAGE_STRING);
                        return 0;
                default:
                        return -EINVAL;
                }
        if (optind + 1 != argc) {
                log_error("Expected exactly one argument, the container's name (see --help).");
                return -EINVAL;
        }
        *ret_name = argv[optind];
        return 1;
}

int agent_fail(Agent *a, int error, const char *format, ...) {
        char buf[512];
        va_list ap;

        errno = error < 0 ? -error : error;
        va_start(ap, format);
        (void) vsnprintf(buf, sizeof(buf), format, ap);
        va_end(ap);
        /* RESULT= in the state file is a single line. */
        for (char *p = buf; *p; p++)
                if (*p == '\n')
                        *p = ' ';
        log_error_errno(error, "%s", buf);
        if (!a->result)
                a->result = strdup(buf);
        return error < 0 ? error : error > 0 ? -error : -EIO;
}

void agent_write_state(Agent *a, ContainerState state) {
        AgentState s = {
                .state = state,
                .agent_pid = getpid(),
                .leader_pid = a->leader,
                .id = a->config ? a->config->id : NULL,
                .unit = a->unit,
                .cgroup = a->cgroup,
                .started_usec = a->started_usec,
                .result = state == CONTAINER_FAILED ? a->result : NULL,
        };
        int r;

        r = agent_state_write(a->state_path, &s);
        if (r < 0)
                log_warning_errno(r, "Failed to write %s: %m", a->state_path);
}

static int agent_init_paths(Agent *a, const char *name) {
        const char *unit = getenv("SYSCTR_UNIT");

        a->name = strdup(name);
        a->state_path = sysctr_agent_state_path(name);
        a->runtime_dir = sysctr_container_runtime_dir(name);
        if (!a->name || !a->state_path || !a->runtime_dir ||
            asprintf(&a->rootfs_dir, "%s/" SYSCTR_ROOTFS_DIR, a->runtime_dir) < 0 ||
            asprintf(&a->lower_stage, "%s/" SYSCTR_LOWER_DIR, a->runtime_dir) < 0)
                return log_oom();
        /* sysctrd sets SYSCTR_UNIT="" for agents it spawns itself (standalone mode: no unit). */
        if (!unit && !(a->unit = sysctr_unit_name(name)))
                return log_oom();
        if (!isempty(unit) && !(a->unit = strdup(unit)))
                return log_oom();
        return 0;
}

static int agent_prepare_runtime(Agent *a) {
        _cleanup_free_ char *agents = sysctr_agents_dir(), *containers = sysctr_runtime_containers_dir();
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (!agents || !containers)
                return log_oom();
        r = mkdir_p(agents, 0755);
        if (r >= 0)
                r = mkdir_p(containers, 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", sysctr_runtime_dir());
        if (mkdir(a->runtime_dir, 0700) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Failed to create %s: %m", a->runtime_dir);
        fd = open(a->runtime_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", a->runtime_dir);
        /* One agent per container: a second one would share the upper layer and kill the first's
         * payload/. The lock dies with us, even on SIGKILL. Until we hold it, nothing that belongs to
         * the container (state file, runtime dir, cgroups) is ours to touch. */
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                if (errno == EWOULDBLOCK)
                        return log_error_errno(errno, "Container is already run by another agent.");
                return log_error_errno(errno, "Failed to lock %s: %m", a->runtime_dir);
        }
        /* 0711: an unprivileged container's root, setting up its own mounts, must reach rootfs/ and
         * lower/ by path; nobody may list what is here, and what must stay private (the console's
         * socket and log) is 0600 and root's. */
        if (fchmod(fd, 0711) < 0)
                return log_error_errno(errno, "Failed to set the mode of %s: %m", a->runtime_dir);
        if (mkdirat(fd, SYSCTR_ROOTFS_DIR, 0755) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Failed to create %s: %m", a->rootfs_dir);
        if (mkdirat(fd, SYSCTR_LOWER_DIR, 0755) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Failed to create %s/" SYSCTR_LOWER_DIR ": %m", a->runtime_dir);
        a->lock_fd = TAKE_FD(fd);
        return 0;
}

static int agent_open_sockets(Agent *a) {
        _cleanup_close_ int dir_fd = -EBADF;
        int r;

        /* The notify socket gets a directory of its own: that directory, not the runtime dir with
         * console.log and the console socket, is what the guest sees. 0700: only the guest's root
         * (its init) can reach the socket. */
        if (asprintf(&a->notify_dir, "%s/" SYSCTR_NOTIFY_DIR, a->runtime_dir) < 0)
                return log_oom();
        if (mkdirat(a->lock_fd, SYSCTR_NOTIFY_DIR, 0700) < 0 && errno != EEXIST)
                return agent_fail(a, errno, "Failed to create %s: %m", a->notify_dir);
        dir_fd = openat(a->lock_fd, SYSCTR_NOTIFY_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir_fd < 0 || fchmod(dir_fd, 0700) < 0)
                return agent_fail(a, errno, "Failed to open %s: %m", a->notify_dir);
        r = notify_socket_open(dir_fd, SYSCTR_NOTIFY_SOCKET, &a->notify_fd);
        if (r < 0)
                return agent_fail(a, r, "Failed to create the notify socket in %s: %m", a->notify_dir);
        /* Unprivileged: the guest's root is the host's id-base. */
        if (!a->config->privileged &&
            (fchown(dir_fd, a->config->id_base, a->config->id_base) < 0 ||
             fchownat(dir_fd, SYSCTR_NOTIFY_SOCKET, a->config->id_base, a->config->id_base, AT_SYMLINK_NOFOLLOW) < 0))
                return agent_fail(a, errno, "Failed to hand %s to the container's root: %m", a->notify_dir);
        r = console_listen(&a->console, a->lock_fd, SYSCTR_CONSOLE_SOCKET);
        if (r < 0)
                return agent_fail(a, r, "Failed to create %s/" SYSCTR_CONSOLE_SOCKET ": %m", a->runtime_dir);
        r = agent_watch_sockets(a);
        if (r < 0)
                return agent_fail(a, r, "Failed to watch the container's sockets: %m");
        return 0;
}

static void agent_read_host_info(Agent *a) {
        const char *timeout = getenv("SYSCTR_READY_TIMEOUT_SEC");
        unsigned long t;
        char *end;
        int r;

        /* os-release(5): /etc/os-release, else /usr/lib/os-release. The guest does without it. */
        r = read_full_file("/etc/os-release", &a->os_release, NULL);
        if (r == -ENOENT)
                r = read_full_file("/usr/lib/os-release", &a->os_release, NULL);
        if (r < 0)
                log_debug_errno(r, "No os-release of the host for the container: %m");

        a->ready_timeout_sec = AGENT_READY_TIMEOUT_SEC;
        if (!isempty(timeout)) {
                errno = 0;
                t = strtoul(timeout, &end, 10);
                if (errno != 0 || *end != '\0' || t == 0 || t > 24 * 3600)
                        log_warning("Ignoring invalid SYSCTR_READY_TIMEOUT_SEC='%s'.", timeout);
                else
                        a->ready_timeout_sec = (unsigned) t;
        }
}

static int agent_load_config(Agent *a) {
        _cleanup_free_ char *path = NULL, *error = NULL;
        int r;

        path = sysctr_container_config_path(a->name);
        if (!path)
                return log_oom();
        r = container_config_load(path, &a->config, &error);
        if (r < 0)
                return agent_fail(a, r, "Failed to load the container's configuration: %s",
                                  error ?: strerror(-r));
        if (!streq(a->config->name, a->name))
                return agent_fail(a, -EINVAL, "%s: name is '%s', not '%s'.", path, a->config->name, a->name);
        if (!a->config->privileged && a->config->id_base == 0)
                return agent_fail(a, -EINVAL, "%s: an unprivileged container needs an id-base.", path);
        return 0;
}

static int agent_prepare_layers(Agent *a) {
        struct stat st;

        a->lower = sysctr_image_rootfs(a->config->image);
        a->upper = sysctr_container_upper_dir(a->name);
        a->work = sysctr_container_work_dir(a->name);
        if (!a->lower || !a->upper || !a->work)
                return log_oom();
        if (stat(a->lower, &st) < 0)
                return agent_fail(a, errno, "Image '%s' is not usable (%s): %m", a->config->image, a->lower);
        if (!S_ISDIR(st.st_mode))
                return agent_fail(a, -ENOTDIR, "Image '%s' is not usable (%s): %m", a->config->image,
                                  a->lower);
        /* The upper layer's root is the guest's "/": 0755, or every unprivileged service in the guest
         * fails. The manager creates both at create time; an old or restored container may lack them. */
        if (mkdir(a->upper, 0755) < 0 && errno != EEXIST)
                return agent_fail(a, errno, "Failed to create %s: %m", a->upper);
        if (mkdir(a->work, 0700) < 0 && errno != EEXIST)
                return agent_fail(a, errno, "Failed to create %s: %m", a->work);
        return 0;
}

static void agent_link_journal(Agent *a) {
        char machine_id[ID_MACHINE_ID_STRING_MAX];

        if (id_to_machine_id(a->config->id, machine_id) >= 0)
                journal_link(a->upper, a->lower, machine_id, a->config->privileged ? 0 : a->config->id_base);
}

int agent_start_container(Agent *a) {
        _cleanup_free_ char *error = NULL;
        ContainerStarted started = {};
        ContainerLaunch l;
        int r;

        agent_link_journal(a);
        r = console_open_pty(&a->console);
        /* Unprivileged: the guest's root must be able to open its /dev/console. */
        if (r >= 0 && !a->config->privileged && chown(a->console.slave_path, a->config->id_base, a->config->id_base) < 0)
                r = -errno;
        if (r >= 0)
                r = agent_watch_console(a);
        if (r < 0)
                return agent_fail(a, r, "Failed to set up the container's console: %m");

        l = (ContainerLaunch) {
                .lower = a->lower, .upper = a->upper, .work = a->work, .rootfs = a->rootfs_dir,
                .hostname = a->config->hostname ?: a->config->name,
                .init = a->config->init,
                .id = a->config->id,
                .console = a->console.slave_path,
                .payload_cgroup = a->payload_cgroup,
                .payload_v1 = a->payload_v1,
                .notify_dir = a->notify_dir,
                .os_release = a->os_release,
                .binds = a->config->binds,
                .id_base = a->config->privileged ? 0 : a->config->id_base,
                .lower_stage = a->lower_stage,
                .share_netns = a->net->mode == NETWORK_MODE_HOST || a->net->mode == NETWORK_MODE_CONTAINER,
                .network_setup = agent_network_setup,
                .network_userdata = a,
                .resolv_conf = a->net->resolv_conf,
        };
        r = agent_network_enter(a);
        if (r < 0) {
                console_close_pty(&a->console);
                return r;
        }
        r = container_launch(&l, &started, &error);
        agent_network_leave(a);
        if (r < 0) {
                console_close_pty(&a->console);
                return agent_fail(a, r, "%s", error ?: "Failed to start the container: %m");
        }
        a->leader = started.pid;
        a->wait_ready = started.init_is_systemd;
        log_info("Container started, its init is PID %i%s.", (int) a->leader,
                 a->wait_ready ? " (systemd: waiting for its READY=1)" : "");
        /* machinectl, "systemd-run -M", "journalctl -M" find it from now on (a no-op without machined). */
        a->registered = machined_register(a->name, a->config->id, a->leader, a->net_ifindices,
                                          a->n_net_ifindices) > 0;
        agent_container_started(a);
        return 0;
}

/* Run on a host that is a container itself (its manager says so, as ours and nspawn do). */
static int agent_prepare_nested(Agent *a) {
        _cleanup_free_ char *dir = NULL;
        int r;

        if (a->config->privileged || (access("/run/host/container-manager", F_OK) < 0 &&
                                      access("/run/systemd/container", F_OK) < 0))
                return 0;
        if (asprintf(&dir, "%s/" SYSCTR_APIVFS_DIR, a->runtime_dir) < 0)
                return log_oom();
        r = userns_nested_apivfs(dir);
        a->nested_apivfs = true;        /* also when it failed half-way */
        if (r < 0)
                return agent_fail(a, r, "Failed to mount a proc and a sysfs for a user namespace inside this "
                                        "container (%s): %m", dir);
        return 0;
}

static int agent_setup(Agent *a, const char *name) {
        _cleanup_free_ char *log_path = NULL;
        int r;

        /* First of all: a stop request that arrives while we set up must wait for us, not kill us
         * half-way (it is handled as soon as the container runs). */
        r = agent_signals_setup(a);
        if (r < 0)
                return log_error_errno(r, "Failed to set up signal handling: %m");
        a->started_usec = now(CLOCK_REALTIME);
        r = agent_init_paths(a, name);
        if (r >= 0)
                r = agent_prepare_runtime(a);
        if (r >= 0)
                r = agent_load_config(a);
        if (r >= 0)
                r = agent_prepare_layers(a);
        if (r >= 0)
                r = agent_prepare_nested(a);
        if (r >= 0)
                r = agent_network_prepare(a);
        if (r >= 0)
                r = agent_open_sockets(a);
        if (r >= 0)
                r = agent_cgroup_setup(a);
        if (r >= 0)
                r = agent_cgroup_v1_setup(a);
        if (r < 0)
                return r;
        agent_read_host_info(a);
        agent_write_state(a, CONTAINER_STARTING);
        if (asprintf(&log_path, "%s/" SYSCTR_CONSOLE_LOG, a->runtime_dir) < 0)
                return agent_fail(a, -ENOMEM, "Out of memory.");
        r = console_open_log(&a->console, log_path);
        if (r < 0)
                return agent_fail(a, r, "Failed to open %s: %m", log_path);
        log_info("Starting container from image %s.", a->config->image);
        return 0;
}

/* Undo everything, whatever point we reached. Returns the exit status. */
static int agent_finish(Agent *a, int r) {
        bool failed = r < 0 || a->result;

        if (a->leader > 0) {
                (void) kill(a->leader, SIGKILL);
                (void) waitpid(a->leader, NULL, 0);
                a->leader = 0;
        }
        console_close_pty(&a->console);
        agent_network_cleanup(a);
        agent_cgroup_cleanup(a);
        agent_cgroup_v1_cleanup(a);
        if (a->nested_apivfs) {
                _cleanup_free_ char *dir = NULL;

                if (asprintf(&dir, "%s/" SYSCTR_APIVFS_DIR, a->runtime_dir) >= 0)
                        (void) userns_nested_apivfs_release(dir);
        }
        if (a->lock_fd < 0)     /* not ours: another agent's, or we never got that far */
                return EXIT_FAILURE;
        if (failed) {
                /* Keep console.log: it is often the only account of why the guest died. Sockets
                 * nobody listens on any more go. */
                (void) rmdir(a->rootfs_dir);
                (void) unlinkat(a->lock_fd, SYSCTR_CONSOLE_SOCKET, 0);
                (void) rm_rf_at(a->lock_fd, SYSCTR_NOTIFY_DIR);
                if (!a->result)
                        a->result = strdup("Agent failed, see its log.");
                agent_write_state(a, CONTAINER_FAILED);
                (void) sd_notifyf(0, "STATUS=Failed: %s", strna(a->result));
                return EXIT_FAILURE;
        }
        r = rm_rf(a->runtime_dir);
        if (r < 0)
                log_warning_errno(r, "Failed to remove %s: %m", a->runtime_dir);
        if (unlink(a->state_path) < 0 && errno != ENOENT)
                log_warning_errno(errno, "Failed to remove %s: %m", a->state_path);
        return EXIT_SUCCESS;
}

static void agent_done(Agent *a) {
        console_done(&a->console);
        container_config_free(a->config);
        free(a->name);
        free(a->state_path);
        free(a->runtime_dir);
        free(a->rootfs_dir);
        free(a->lower_stage);
        free(a->lower);
        free(a->upper);
        free(a->work);
        free(a->unit);
        free(a->cgroup);
        free(a->supervisor_cgroup);
        free(a->payload_cgroup);
        strv_free(a->payload_v1);
        strv_free(a->v1_bases);
        free(a->notify_dir);
        free(a->os_release);
        free(a->result);
        safe_close(a->notify_fd);
        safe_close(a->lock_fd);
        safe_close(a->epoll_fd);
        safe_close(a->signal_fd);
        safe_close(a->timer_fd);
        net_plan_free(a->net);
        free(a->net_ifindices);
        safe_close(a->net_join_fd);
        safe_close(a->net_saved_fd);
}

int main(int argc, char *argv[]) {
        _cleanup_(agent_done) Agent a = {
                .console = CONSOLE_INIT,
                .lock_fd = -EBADF,
                .notify_fd = -EBADF,
                .epoll_fd = -EBADF,
                .signal_fd = -EBADF,
                .timer_fd = -EBADF,
                .net_join_fd = -EBADF,
                .net_saved_fd = -EBADF,
        };
        const char *name = NULL;
        int r;

        log_open("sysctr-agent");
        r = parse_argv(argc, argv, &name);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        log_set_field("SYSCTR_CONTAINER", name);
        if (!container_name_is_valid(name)) {
                log_error("Invalid container name: '%s'.", name);
                return EXIT_FAILURE;
        }

        r = agent_setup(&a, name);
        if (r >= 0)
                r = agent_start_container(&a);
        if (r >= 0)
                r = agent_run(&a);
        return agent_finish(&a, r);
}
