/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "bus-names.h"
#include "enter-protocol.h"
#include "log.h"
#include "paths.h"
#include "process.h"
#include "strv.h"

/* An abandoned command (its caller left the bus) gets SIGHUP, as a closed terminal would send, and
 * SIGKILL this long after. */
#define PROCESS_KILL_DELAY_USEC (5 * USEC_PER_SEC)

static const char * const process_mode_table[_PROCESS_MODE_MAX] = {
        [PROCESS_EXEC] = "exec",
        [PROCESS_PTY] = "pty",
        [PROCESS_SHELL] = "shell",
};

const char *process_mode_to_string(ProcessMode m) {
        return m >= 0 && m < _PROCESS_MODE_MAX ? process_mode_table[m] : NULL;
}

int manager_load_enter_binary(Manager *m) {
        _cleanup_close_ int fd = -EBADF, memfd = -EBADF;
        const char *path = sysctr_enter_path();
        struct stat st;
        off_t left;

        /* A sealed copy in memory, made once: every process that enters a container is executed from
         * it, so /proc/PID/exe of such a process, which a guest root could open while it runs in the
         * container's PID namespace (runc's CVE-2019-5736), points to this copy and never to a file of
         * the host. The seals make even the copy unwritable. */
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0) {
                log_warning_errno(errno, "Cannot read %s, running commands in containers will fail: %m", path);
                return 0;
        }
        memfd = memfd_create("sysctr-enter", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (memfd < 0)
                return log_error_errno(errno, "Failed to create a memfd: %m");
        for (left = st.st_size; left > 0;) {
                ssize_t k = sendfile(memfd, fd, NULL, (size_t) left);

                if (k <= 0)
                        return log_error_errno(k < 0 ? errno : EIO, "Failed to copy %s: %m", path);
                left -= k;
        }
        if (fchmod(memfd, 0555) < 0 ||
            fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                return log_error_errno(errno, "Failed to seal the copy of %s: %m", path);
        m->enter_fd = TAKE_FD(memfd);
        return 0;
}

Process *process_free(Process *p) {
        if (!p)
                return NULL;
        if (p->id > 0)
                (void) hashmap_remove_value(p->manager->processes, UINT_TO_PTR(p->id), p);
        for (size_t i = 0; i < p->n_wait_calls; i++) {
                (void) sd_bus_reply_method_errorf(p->wait_calls[i], SYSCTR_ERROR_NO_SUCH_PROCESS,
                                                  "The process is gone.");
                sd_bus_message_unref(p->wait_calls[i]);
        }
        free(p->wait_calls);
        if (p->start_call)
                (void) sd_bus_reply_method_errorf(p->start_call, SD_BUS_ERROR_FAILED, "sysctrd is shutting down.");
        sd_bus_message_unref(p->start_call);
        sd_event_source_disable_unref(p->helper_source);
        sd_event_source_disable_unref(p->control_source);
        sd_event_source_disable_unref(p->kill_timer);
        safe_close(p->control_fd);
        safe_close(p->pidfd);
        for (size_t i = 0; i < ELEMENTSOF(p->client_fds); i++)
                safe_close(p->client_fds[i]);
        sd_bus_track_unref(p->track);
        strv_free(p->command);
        free(p->container);
        free(p->path);
        free(p);
        return NULL;
}

/* Off the bus and gone. */
static void process_drop(Process *p) {
        if (p->track)
                manager_emit_object_removed(p->manager, p->path);
        process_free(p);
}

void manager_free_processes(Manager *m) {
        Process *p;

        for (;;) {
                size_t i = 0;

                if (!hashmap_next(m->processes, &i, (void **) &p))
                        break;
                process_free(p);
        }
}

Process *manager_get_process(Manager *m, uint32_t id) {
        return hashmap_get(m->processes, UINT_TO_PTR(id));
}

int process_kill(Process *p, int sig) {
        if (p->pidfd < 0 || p->exited)
                return -ESRCH;
        return RET_NERRNO(syscall(SYS_pidfd_send_signal, p->pidfd, sig, NULL, 0));
}

void process_reply_waiters(Process *p) {
        static const char * const codes[] = { [CLD_EXITED] = "exited", [CLD_KILLED] = "killed",
                                              [CLD_DUMPED] = "dumped" };
        const char *code = p->exit_code > 0 && p->exit_code < (int) ELEMENTSOF(codes) ? codes[p->exit_code] : NULL;

        for (size_t i = 0; i < p->n_wait_calls; i++) {
                (void) sd_bus_reply_method_return(p->wait_calls[i], "si", code ?: "killed", p->exit_status);
                sd_bus_message_unref(p->wait_calls[i]);
        }
        if (p->n_wait_calls > 0)
                p->waited = true;
        p->wait_calls = mfree(p->wait_calls);
        p->n_wait_calls = 0;
}

static bool process_owner_gone(Process *p) {
        return !p->track || sd_bus_track_count(p->track) == 0;
}

/* Nobody will ask about it again once it has ended, its helper is reaped, and its caller has its
 * status or is gone. */
void process_maybe_drop(Process *p) {
        if (p->exited && p->helper_pid == 0 && (p->waited || process_owner_gone(p)))
                process_drop(p);
}

static void process_exited(Process *p, int code, int status) {
        if (p->exited)
                return;
        p->exited = true;
        p->exit_code = code;
        p->exit_status = status;
        p->pidfd = safe_close(p->pidfd);
        p->kill_timer = sd_event_source_disable_unref(p->kill_timer);
        log_debug("Process %" PRIu32 " in %s ended (code %d, status %d).", p->id, p->container, code, status);
        if (p->track && p->manager->bus)
                (void) sd_bus_emit_properties_changed(p->manager->bus, p->path, SYSCTR_PROCESS_INTERFACE, "State",
                                                      "ExitCode", "ExitStatus", NULL);
        process_reply_waiters(p);
}

static int on_kill_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Process *p = userdata;

        (void) process_kill(p, SIGKILL);
        return 0;
}

/* The caller left the bus: nobody reads the command's output or waits for it any more. */
static int on_owner_gone(sd_bus_track *track, void *userdata) {
        Process *p = userdata;

        if (p->exited) {
                process_maybe_drop(p);
                return 0;
        }
        log_debug("The caller of process %" PRIu32 " left; ending it.", p->id);
        (void) process_kill(p, SIGHUP);
        if (!p->kill_timer)
                (void) sd_event_add_time_relative(p->manager->event, &p->kill_timer, CLOCK_MONOTONIC,
                                                  PROCESS_KILL_DELAY_USEC, 0, on_kill_timer, p);
        return 0;
}

static int reply_failure(Process *p, const EnterMessage *msg) {
        const char *text = msg->text[0] ? msg->text : NULL;
        sd_bus_message *call = TAKE_PTR(p->start_call);
        int r;

        switch (msg->failure) {
        case ENTER_FAILURE_NOT_FOUND:
                r = sd_bus_reply_method_errorf(call, SYSCTR_ERROR_COMMAND_NOT_FOUND,
                                               "Command \"%s\" not found in container \"%s\".",
                                               strna(text), p->container);
                break;
        case ENTER_FAILURE_NOT_EXECUTABLE:
                r = sd_bus_reply_method_errorf(call, SYSCTR_ERROR_COMMAND_NOT_EXECUTABLE,
                                               "Cannot execute \"%s\" in container \"%s\": %s.", strna(text),
                                               p->container, strerror(msg->error ?: EACCES));
                break;
        case ENTER_FAILURE_NO_USER:
                r = sd_bus_reply_method_errorf(call, SYSCTR_ERROR_NO_SUCH_USER, "There is no user \"%s\" in container "
                                               "\"%s\".", strna(text), p->container);
                break;
        case ENTER_FAILURE_WORKDIR:
                r = sd_bus_reply_method_errorf(call, SD_BUS_ERROR_INVALID_ARGS,
                                               "Cannot change to directory \"%s\" in container \"%s\": %s.",
                                               strna(text), p->container, strerror(msg->error ?: ENOENT));
                break;
        default:
                r = sd_bus_reply_method_errnof(call, msg->error ?: EIO, "Failed to run a command in container "
                                               "\"%s\": %s: %m", p->container, text ?: "entering it failed");
        }
        sd_bus_message_unref(call);
        return r;
}

static int reply_started(Process *p, int pty_fd, const char *pty_path) {
        sd_bus_message *call = p->start_call;
        int r;

        if (p->mode == PROCESS_EXEC)
                r = sd_bus_reply_method_return(call, "hhho", p->client_fds[0], p->client_fds[1], p->client_fds[2],
                                               p->path);
        else
                r = sd_bus_reply_method_return(call, "hso", pty_fd, pty_path, p->path);
        for (size_t i = 0; i < ELEMENTSOF(p->client_fds); i++)
                p->client_fds[i] = safe_close(p->client_fds[i]);
        p->start_call = sd_bus_message_unref(p->start_call);
        return r;
}

static int process_started(Process *p, const EnterMessage *msg, int pty_fd) {
        int r;

        p->pid = msg->pid;
        /* Our grandchild, not reaped before its parent (our child) reports its end: the PID is its. */
        p->pidfd = (int) syscall(SYS_pidfd_open, p->pid, 0);
        if (p->pidfd < 0)
                log_debug_errno(errno, "Failed to open process %d: %m", (int) p->pid);
        r = sd_bus_track_new(p->manager->bus, &p->track, on_owner_gone, p);
        if (r >= 0)
                r = sd_bus_track_add_sender(p->track, p->start_call);
        if (r < 0)
                return r;
        r = reply_started(p, pty_fd, msg->text);
        if (r < 0)
                return r;
        log_debug("Process %" PRIu32 " (%s) runs in container %s as PID %d.", p->id, process_mode_to_string(p->mode),
                  p->container, (int) p->pid);
        manager_emit_object_added(p->manager, p->path);
        return 0;
}

/* One message from sysctr-enter, with the terminal's master attached for ENTER_STARTED of a pty. */
static int read_message(int fd, EnterMessage *ret, int *ret_fd) {
        union {
                struct cmsghdr cmsghdr;
                uint8_t buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct iovec iov = { .iov_base = ret, .iov_len = sizeof(*ret) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                             .msg_controllen = sizeof(control) };
        ssize_t n;

        *ret_fd = -EBADF;
        n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
        if (n < 0)
                return -errno;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
                    c->cmsg_len == CMSG_LEN(sizeof(int)))
                        memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
        if (n == 0)
                return 0;
        if (n != sizeof(*ret))
                return -EBADMSG;
        ret->text[sizeof(ret->text) - 1] = '\0';
        return 1;
}

static void handle_message(Process *p, const EnterMessage *msg, int pty_fd) {
        int r;

        if (msg->type == ENTER_STARTED && p->start_call) {
                r = process_started(p, msg, pty_fd);
                if (r < 0) {
                        log_warning_errno(r, "Failed to announce a process in %s: %m", p->container);
                        (void) process_kill(p, SIGKILL);
                }
        } else if (msg->type == ENTER_FAILED && p->start_call)
                (void) reply_failure(p, msg);
        else if (msg->type == ENTER_EXITED && p->pid > 0)
                process_exited(p, msg->code, msg->status);
}

/* Everything sysctr-enter has said so far. */
static void drain_control(Process *p) {
        while (p->control_source) {
                _cleanup_close_ int pty_fd = -EBADF;
                EnterMessage msg;
                int r;

                r = read_message(p->control_fd, &msg, &pty_fd);
                if (r == -EAGAIN)
                        return;
                if (r <= 0) {
                        /* The helper is gone (its exit is handled there) or spoke nonsense. */
                        p->control_source = sd_event_source_disable_unref(p->control_source);
                        return;
                }
                handle_message(p, &msg, pty_fd);
        }
}

static int on_control(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        drain_control(userdata);
        return 0;
}

static int on_helper_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        Process *p = userdata;
        EnterMessage msg = { .type = ENTER_FAILED, .failure = ENTER_FAILURE_ENTER, .error = EIO };

        p->helper_source = sd_event_source_disable_unref(p->helper_source);
        p->helper_pid = 0;
        drain_control(p);
        if (p->start_call) {
                (void) snprintf(msg.text, sizeof(msg.text), "sysctr-enter %s %d", si->si_code == CLD_EXITED ?
                                "exited with status" : "was killed by signal", si->si_status);
                (void) reply_failure(p, &msg);
                process_free(p);
                return 0;
        }
        if (!p->exited)
                /* It died before it could tell: the command's end is unknown. */
                process_exited(p, CLD_KILLED, SIGKILL);
        process_maybe_drop(p);
        return 0;
}

/* --- starting --- */

static int strv_push_format(char ***l, const char *format, ...) _printf_(2, 3);
static int strv_push_format(char ***l, const char *format, ...) {
        va_list ap;
        char *s;
        int k;

        va_start(ap, format);
        k = vasprintf(&s, format, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        return strv_push(l, s);
}

int process_build_argv(Container *c, const ProcessRequest *req, char ***ret) {
        _cleanup_strv_free_ char **argv = NULL;
        const char *delay = getenv("SYSCTR_TEST_ENTER_DELAY_MS");
        int r;

        r = strv_extend(&argv, "sysctr-enter");
        if (r >= 0)
                r = strv_push_format(&argv, "--leader=%d", (int) c->leader);
        if (r >= 0)
                r = strv_push_format(&argv, "--mode=%s", process_mode_to_string(req->mode));
        if (r >= 0 && !isempty(req->user))
                r = strv_push_format(&argv, "--user=%s", req->user);
        if (r >= 0 && !isempty(req->workdir))
                r = strv_push_format(&argv, "--workdir=%s", req->workdir);
        if (r >= 0 && req->rows > 0)
                r = strv_push_format(&argv, "--rows=%u", req->rows);
        if (r >= 0 && req->columns > 0)
                r = strv_push_format(&argv, "--columns=%u", req->columns);
        STRV_FOREACH(e, req->environment)
                if (r >= 0)
                        r = strv_push_format(&argv, "--env=%s", *e);
        /* Test-only: hold the command back before it executes, so that a test in the guest can try to
         * get at the process while it is still ours (tests/integration/test-exec-hostile.sh). */
        if (r >= 0 && !isempty(delay))
                r = strv_push_format(&argv, "--test-delay-ms=%s", delay);
        if (r >= 0)
                r = strv_extend(&argv, "--");
        STRV_FOREACH(a, req->command)
                if (r >= 0)
                        r = strv_extend(&argv, *a);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(argv);
        return 0;
}

/* In the child of fork(): the descriptors of the protocol, then sysctr-enter from its memfd. Only
 * async-signal-safe calls from here on. */
_noreturn_ void process_exec_helper(int enter_fd, int stdio[3], int control_fd, int leader_fd, char **argv) {
        static char *empty_env[] = { NULL };
        EnterMessage msg = { .type = ENTER_FAILED, .failure = ENTER_FAILURE_ENTER };
        /* 0-4 as the protocol says, 5 the memfd to execute (close-on-exec: it must not reach the
         * container, and the kernel has it open for the execution anyway). */
        int fds[6] = { stdio[0], stdio[1], stdio[2], control_fd, leader_fd, enter_fd };
        sigset_t none;

        /* Move them out of the way of the numbers they must end up at, then into place. */
        for (int i = 0; i < 6; i++) {
                fds[i] = fcntl(fds[i], F_DUPFD, 10);
                if (fds[i] < 0)
                        goto fail;
        }
        for (int i = 0; i < 6; i++)
                if (dup3(fds[i], i, i == 5 ? O_CLOEXEC : 0) < 0 && !(i == fds[i]))
                        goto fail;
        if (syscall(SYS_close_range, 6U, ~0U, 0) < 0)
                goto fail;
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void) signal(sig, SIG_DFL);
        (void) setsid();
        /* Nothing of sysctrd's environment goes along: the command's is built from --env. */
        (void) syscall(SYS_execveat, 5, "", argv, empty_env, AT_EMPTY_PATH);
fail:
        msg.error = errno;
        (void) send(ENTER_CONTROL_FD, &msg, sizeof(msg), MSG_NOSIGNAL);
        _exit(127);
}

static int process_new(Container *c, const ProcessRequest *req, Process **ret) {
        Manager *m = c->manager;
        Process *p;

        p = calloc(1, sizeof(Process));
        if (!p)
                return -ENOMEM;
        p->manager = m;
        p->mode = req->mode;
        p->control_fd = p->pidfd = -EBADF;
        for (size_t i = 0; i < ELEMENTSOF(p->client_fds); i++)
                p->client_fds[i] = -EBADF;
        p->id = ++m->last_process_id;
        p->container = strdup(c->name);
        /* A shell's command is chosen inside the container (su, login or the user's shell). */
        p->command = req->command ? strv_copy(req->command) : calloc(1, sizeof(char *));
        if (!p->container || !p->command ||
            asprintf(&p->path, SYSCTR_PROCESS_PATH_PREFIX "/%" PRIu32, p->id) < 0) {
                p->id = 0;
                process_free(p);
                return -ENOMEM;
        }
        *ret = p;
        return 0;
}

int process_start(Container *c, sd_bus_message *message, const ProcessRequest *req, sd_bus_error *error) {
        Manager *m = c->manager;
        _cleanup_close_pair_ int control[2] = { -EBADF, -EBADF }, in[2] = { -EBADF, -EBADF },
                                 out[2] = { -EBADF, -EBADF }, err[2] = { -EBADF, -EBADF };
        _cleanup_close_ int leader_fd = -EBADF, null_fd = -EBADF;
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_(process_freep) Process *p = NULL;
        int stdio[3];
        pid_t pid;
        int r;

        if (m->enter_fd < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "%s could not be read when sysctrd started; "
                                         "commands cannot be run in containers.", sysctr_enter_path());
        r = container_open_leader(c, &leader_fd, error);
        if (r < 0)
                return r;
        r = process_build_argv(c, req, &argv);
        if (r < 0)
                return r;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control) < 0)
                return -errno;
        if (req->mode == PROCESS_EXEC) {
                if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
                        return -errno;
                stdio[0] = in[0], stdio[1] = out[1], stdio[2] = err[1];
        } else {
                null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null_fd < 0)
                        return -errno;
                stdio[0] = stdio[1] = stdio[2] = null_fd;
        }
        r = process_new(c, req, &p);
        if (r < 0)
                return r;

        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0)
                process_exec_helper(m->enter_fd, stdio, control[1], leader_fd, argv);

        p->helper_pid = pid;
        r = sd_event_add_child(m->event, &p->helper_source, pid, WEXITED, on_helper_exit, p);
        if (r < 0) {
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                return r;
        }
        p->control_fd = TAKE_FD(control[0]);
        r = sd_event_add_io(m->event, &p->control_source, p->control_fd, EPOLLIN, on_control, p);
        if (r < 0)
                return r;       /* the child watch kills nothing: the helper exits when its socket closes */
        if (req->mode == PROCESS_EXEC) {
                p->client_fds[0] = TAKE_FD(in[1]);
                p->client_fds[1] = TAKE_FD(out[0]);
                p->client_fds[2] = TAKE_FD(err[0]);
        }
        p->start_call = sd_bus_message_ref(message);
        /* Now owned by its event sources; freed when the helper has exited (or at shutdown). */
        r = hashmap_put(m->processes, UINT_TO_PTR(p->id), p);
        if (r < 0)
                return r;
        TAKE_PTR(p);
        return 1;
}
