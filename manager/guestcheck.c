/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus-names.h"
#include "container.h"
#include "guestcheck.h"
#include "log.h"
#include "manager.h"
#include "process.h"
#include "strv.h"

/* Once a container runs, ask its systemd how the boot went: "systemctl is-system-running" in the
 * guest, through sysctr-enter as every command (the guest's own binary, confined as its init). A
 * guest without systemctl has nothing to say. "degraded" (failed units) is logged, with the host
 * limits that are short if there are any: a guest that ran out of inotify instances, say, fails
 * units quietly inside; here it is said where the administrator looks. */

#define GUEST_CHECK_TIMEOUT_USEC (15 * USEC_PER_SEC)
#define GUEST_CHECK_OUTPUT_MAX 128

typedef struct GuestCheck GuestCheck;
struct GuestCheck {
        GuestCheck *next;
        Manager *manager;
        char *container;                /* by name: the container may be gone when the answer comes */
        pid_t leader;                   /* the run it is about */
        pid_t helper_pid;
        sd_event_source *child_source, *output_source, *timer;
        int output_fd, control_fd;
        char output[GUEST_CHECK_OUTPUT_MAX];
        size_t n_output;
        bool exited, eof;
};

static GuestCheck *guest_check_free(GuestCheck *g) {
        if (!g)
                return NULL;
        for (GuestCheck **p = (GuestCheck **) &g->manager->guest_checks; *p; p = &(*p)->next)
                if (*p == g) {
                        *p = g->next;
                        break;
                }
        if (g->helper_pid > 0 && !g->exited) {
                (void) kill(g->helper_pid, SIGKILL);
                (void) waitpid(g->helper_pid, NULL, 0);
        }
        sd_event_source_disable_unref(g->child_source);
        sd_event_source_disable_unref(g->output_source);
        sd_event_source_disable_unref(g->timer);
        safe_close(g->output_fd);
        safe_close(g->control_fd);
        free(g->container);
        return mfree(g);
}

/* "running", "degraded", "starting", ...: systemctl's one word, "" if it said nothing usable. */
static const char *guest_state_word(GuestCheck *g) {
        g->output[MIN(g->n_output, sizeof(g->output) - 1)] = '\0';
        g->output[strcspn(g->output, "\n")] = '\0';
        for (const char *p = g->output; *p; p++)
                if (!(*p >= 'a' && *p <= 'z') && *p != '-')
                        return "";
        return g->output;
}

static void guest_check_done(GuestCheck *g) {
        Container *c = manager_get_container(g->manager, g->container);
        const char *state = guest_state_word(g);

        if (!c || c->state != CONTAINER_RUNNING || c->leader != g->leader || isempty(state)) {
                guest_check_free(g);
                return;
        }
        if (!streq_ptr(c->guest_state, state)) {
                free(c->guest_state);
                c->guest_state = strdup(state);
                container_send_changed(c, "GuestState", NULL);
        }
        if (streq(state, "degraded")) {
                _cleanup_free_ char *limits = NULL;

                manager_check_host_limits(g->manager, false);
                limits = strv_join(g->manager->host_warnings, "; ");
                log_container_warning(c->name, "Container %s runs, but its systemd is degraded (failed units: "
                                      "\"systemctl --failed\" inside)%s%s.", c->name,
                                      isempty(limits) ? "" : "; host limits that are short: ", strempty(limits));
        } else if (!streq(state, "running"))
                log_container_info(c->name, "Container %s runs; its systemd says \"%s\".", c->name, state);
        guest_check_free(g);
}

static void guest_check_maybe_done(GuestCheck *g) {
        if (g->exited && g->eof)
                guest_check_done(g);
}

static int on_output(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        GuestCheck *g = userdata;
        char buf[256];
        ssize_t n;

        n = read(fd, buf, sizeof(buf));
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) {
                g->eof = true;
                g->output_source = sd_event_source_disable_unref(g->output_source);
                guest_check_maybe_done(g);
                return 0;
        }
        for (ssize_t i = 0; i < n && g->n_output < sizeof(g->output) - 1; i++)
                g->output[g->n_output++] = buf[i];
        return 0;
}

static int on_helper_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        GuestCheck *g = userdata;

        g->exited = true;
        g->child_source = sd_event_source_disable_unref(g->child_source);
        guest_check_maybe_done(g);
        return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        GuestCheck *g = userdata;

        log_debug("Asking the guest of %s how its boot went took too long, giving up.", g->container);
        guest_check_free(g);
        return 0;
}

int container_check_guest(Container *c) {
        static char *const command[] = { (char *) "systemctl", (char *) "is-system-running", NULL };
        Manager *m = c->manager;
        ProcessRequest req = { .mode = PROCESS_EXEC, .command = (char **) command };
        _cleanup_close_pair_ int control[2] = { -EBADF, -EBADF }, out[2] = { -EBADF, -EBADF };
        _cleanup_close_ int leader_fd = -EBADF, null_fd = -EBADF;
        _cleanup_strv_free_ char **argv = NULL;
        GuestCheck *g;
        int stdio[3], r;
        pid_t pid;

        if (m->enter_fd < 0 || c->leader <= 0)
                return 0;
        r = container_open_leader(c, &leader_fd, NULL);
        if (r < 0)
                return r;
        r = process_build_argv(c, &req, &argv);
        if (r < 0)
                return r;
        null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null_fd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control) < 0 ||
            pipe2(out, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        stdio[0] = null_fd, stdio[1] = out[1], stdio[2] = null_fd;

        g = calloc(1, sizeof(GuestCheck));
        if (!g)
                return -ENOMEM;
        g->manager = m;
        g->next = m->guest_checks;
        m->guest_checks = g;
        g->leader = c->leader;
        g->output_fd = g->control_fd = -EBADF;
        g->container = strdup(c->name);
        if (!g->container) {
                guest_check_free(g);
                return -ENOMEM;
        }
        pid = fork();
        if (pid < 0) {
                guest_check_free(g);
                return -errno;
        }
        if (pid == 0)
                process_exec_helper(m->enter_fd, stdio, control[1], leader_fd, argv);
        g->helper_pid = pid;
        g->output_fd = TAKE_FD(out[0]);
        /* Kept open, never read: sysctr-enter reports into it, a few small messages. */
        g->control_fd = TAKE_FD(control[0]);
        r = sd_event_add_child(m->event, &g->child_source, pid, WEXITED, on_helper_exit, g);
        if (r >= 0)
                r = sd_event_add_io(m->event, &g->output_source, g->output_fd, EPOLLIN, on_output, g);
        if (r >= 0)
                r = sd_event_add_time_relative(m->event, &g->timer, CLOCK_MONOTONIC, GUEST_CHECK_TIMEOUT_USEC, 0,
                                               on_timeout, g);
        if (r < 0) {
                guest_check_free(g);
                return r;
        }
        return 0;
}

void manager_free_guest_checks(Manager *m) {
        while (m->guest_checks)
                guest_check_free(m->guest_checks);
}
