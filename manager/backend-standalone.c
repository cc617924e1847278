/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "backend.h"
#include "cgroup-util.h"
#include "fileio.h"
#include "limits.h"
#include "log.h"
#include "manager.h"
#include "paths.h"

/* Standalone mode (PID 1 is not systemd): we run the agent ourselves, detached (it survives us), in
 * a cgroup2 cgroup of its own, "<cgroup2 mount>/<SYSCTR_CGROUP_PARENT>/sysctr@NAME.service", as
 * systemd would; limits are written to that cgroup's files (limits.c); autostart containers are
 * started when sysctrd starts. */

static int prepare_cgroup(const char *cgroup) {
        _cleanup_free_ char *parent = NULL;
        int r;

        parent = strdup(cgroup);
        if (!parent)
                return -ENOMEM;
        *strrchr(parent, '/') = '\0';
        r = cg_create(parent);
        if (r < 0)
                return r;
        /* A previous run that was killed may have left its cgroup (and processes) behind. */
        r = cg_kill_and_remove(cgroup, 5 * USEC_PER_SEC);
        if (r < 0)
                return r;
        return cg_create(cgroup);
}

_noreturn_ static void exec_agent(const char *name, int log_fd, int status_fd) {
        const char *agent = sysctr_agent_path();
        int null_fd, e;

        null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 || dup2(log_fd, STDOUT_FILENO) < 0 ||
            dup2(log_fd, STDERR_FILENO) < 0)
                goto fail;
        /* Not ours to pass on: the agent talks to no service manager in standalone mode. */
        (void) unsetenv("NOTIFY_SOCKET");
        (void) unsetenv("LISTEN_FDS");
        (void) unsetenv("LISTEN_PID");
        (void) unsetenv("JOURNAL_STREAM");
        /* Empty: no unit stands behind this agent (agent/README.md). */
        (void) setenv("SYSCTR_UNIT", "", 1);
        execl(agent, "sysctr-agent", name, (char *) NULL);
fail:
        e = errno;
        (void) !write(status_fd, &e, sizeof(e));
        _exit(EXIT_FAILURE);
}

/* The intermediate child: a session of its own, the cgroup, then the agent as a grandchild that
 * init adopts. Reports the agent's pid (or -errno) once it has exec'd. */
_noreturn_ static void run_intermediate(const char *name, const char *cgroup, int log_fd, int report_fd) {
        _cleanup_close_pair_ int status[2] = { -EBADF, -EBADF };
        sigset_t ss;
        int r, e;
        pid_t pid;

        sigemptyset(&ss);
        (void) sigprocmask(SIG_SETMASK, &ss, NULL);
        for (int sig = 1; sig < _NSIG; sig++)
                (void) signal(sig, SIG_DFL);
        (void) setsid();

        r = cg_attach(cgroup, 0);
        if (r >= 0)
                r = limits_standalone_attach(cgroup, 0);
        if (r < 0)
                goto report;
        if (pipe2(status, O_CLOEXEC) < 0) {
                r = -errno;
                goto report;
        }
        pid = fork();
        if (pid < 0) {
                r = -errno;
                goto report;
        }
        if (pid == 0) {
                status[0] = safe_close(status[0]);
                exec_agent(name, log_fd, status[1]);
        }
        status[1] = safe_close(status[1]);
        /* EOF: the exec worked (the pipe is O_CLOEXEC). Otherwise we read its errno. */
        if (read(status[0], &e, sizeof(e)) == (ssize_t) sizeof(e))
                r = -e;
        else
                r = pid;
report:
        (void) !write(report_fd, &r, sizeof(r));
        _exit(r < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}

static int standalone_start(Container *c) {
        _cleanup_free_ char *cgroup = NULL, *log_path = NULL;
        _cleanup_close_pair_ int report[2] = { -EBADF, -EBADF };
        _cleanup_close_ int log_fd = -EBADF;
        pid_t child;
        int r, result = -EIO;

        cgroup = sysctr_unit_cgroup(c->name, false);
        log_path = sysctr_container_log_path(c->name);
        if (!cgroup || !log_path)
                return -ENOMEM;

        r = prepare_cgroup(cgroup);
        if (r >= 0)
                r = limits_standalone_prepare(cgroup);
        if (r < 0)
                return log_container_error_errno(c->name, r, "Failed to set up cgroup %s for container %s: %m", cgroup, c->name);
        r = limits_standalone_write(c);
        if (r < 0 && (r != -EOPNOTSUPP || c->config->memory_max + c->config->cpu_millis + c->config->tasks_max > 0))
                log_container_warning_errno(c->name, r, "Failed to apply the limits of %s, starting it anyway: %m", c->name);

        log_fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
        if (log_fd < 0)
                return log_error_errno(-errno, "Failed to open %s: %m", log_path);
        if (pipe2(report, O_CLOEXEC) < 0)
                return -errno;

        child = fork();
        if (child < 0)
                return -errno;
        if (child == 0) {
                report[0] = safe_close(report[0]);
                run_intermediate(c->name, cgroup, log_fd, report[1]);
        }
        report[1] = safe_close(report[1]);
        if (read(report[0], &result, sizeof(result)) != (ssize_t) sizeof(result))
                result = -EIO;
        (void) waitpid(child, NULL, 0);
        if (result < 0) {
                (void) cg_kill_and_remove(cgroup, USEC_PER_SEC);
                limits_standalone_cleanup(cgroup);
                return log_container_error_errno(c->name, result, "Failed to run %s for container %s: %m", sysctr_agent_path(),
                                       c->name);
        }

        r = container_watch_agent(c, (pid_t) result);
        if (r < 0)
                return log_container_error_errno(c->name, r, "Failed to follow the agent of %s (pid %d): %m", c->name, result);
        log_container_info(c->name, "Started agent of container %s as pid %d in cgroup %s.", c->name, result, cgroup);
        return 0;
}

static int standalone_stop(Container *c) {
        /* The agent we spawned is followed at once (container_watch_agent()), so there is always a
         * pidfd to signal; without one the container is not ours to stop yet. */
        return -EAGAIN;
}

/* After an agent died without cleaning up: kill what is left in its cgroup and remove it (systemd
 * does that for units), and remove its runtime directory. */
static void standalone_agent_gone(Container *c) {
        _cleanup_free_ char *cgroup = NULL, *runtime = NULL;
        int r;

        cgroup = sysctr_unit_cgroup(c->name, false);
        if (cgroup) {
                r = cg_kill_and_remove(cgroup, 5 * USEC_PER_SEC);
                if (r < 0)
                        log_warning_errno(r, "Failed to remove cgroup %s: %m", cgroup);
                limits_standalone_cleanup(cgroup);
        }
        runtime = sysctr_container_runtime_dir(c->name);
        if (runtime) {
                r = rm_rf(runtime);
                if (r < 0)
                        log_warning_errno(r, "Failed to remove %s: %m", runtime);
        }
}

static int standalone_apply_limits(Container *c, sd_bus_error *error) {
        int r;

        if (!container_is_active(c))
                return 0;       /* written at the next start */
        r = limits_standalone_write(c);
        if (r == -EOPNOTSUPP)
                return sd_bus_error_setf(error, SD_BUS_ERROR_NOT_SUPPORTED,
                                         "This host's cgroups offer no controller for a limit of \"%s\".", c->name);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to apply the limits of \"%s\": %m", c->name);
        return 0;
}

static int standalone_set_autostart(Container *c, bool enable, sd_bus_error *error) {
        return 0;       /* the config says it; sysctrd starts those containers when it starts */
}

static void standalone_nothing(Container *c) {
}

/* sysctrd starting is our "boot": start what is marked autostart. */
static void standalone_startup(Manager *m) {
        _cleanup_free_ Container **all = manager_sorted_containers(m);
        size_t n = hashmap_size(m->containers);

        for (size_t i = 0; all && i < n; i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                Container *c = all[i];

                if (c->state == CONTAINER_BROKEN || !c->config->autostart || container_is_active(c))
                        continue;
                log_container_info(c->name, "Starting container %s (autostart).", c->name);
                if (container_start(c, NULL, &error) < 0)
                        log_container_error(c->name, "Failed to start container %s: %s", c->name,
                                            strna(error.message));
        }
}

const Backend backend_standalone = {
        .name = "standalone",
        .units = false,
        .start = standalone_start,
        .stop = standalone_stop,
        .agent_gone = standalone_agent_gone,
        .apply_limits = standalone_apply_limits,
        .set_autostart = standalone_set_autostart,
        .created = standalone_nothing,
        .deleted = standalone_nothing,
        .startup = standalone_startup,
};
