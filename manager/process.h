/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <sys/types.h>

#include "container.h"
#include "macro.h"
#include "manager.h"

/* Commands run in a container for a D-Bus caller (ExecContainer, ExecContainerPTY,
 * OpenContainerShell), in the manner of machined's OpenMachineShell. sysctrd forks, and the child
 * executes sysctr-enter from a sealed memfd (common/enter-protocol.h); sysctr-enter enters the
 * container, confines itself as the container's init is, and forks the command into the container's
 * PID namespace. The call is answered once the command runs (or could not be started: the reason is
 * the call's error); the command is then an object, /org/sysctr1/process/ID, whose Wait() gives its
 * exit status. The object lives until its caller has waited for it or has left the bus. */

typedef enum ProcessMode {
        PROCESS_EXEC,           /* pipes for stdin, stdout, stderr */
        PROCESS_PTY,            /* a new pseudo-terminal of the container's devpts */
        PROCESS_SHELL,          /* a login session of a user, on a new pseudo-terminal */
        _PROCESS_MODE_MAX,
        _PROCESS_MODE_INVALID = -EINVAL,
} ProcessMode;

const char *process_mode_to_string(ProcessMode m) _const_;

typedef struct ProcessRequest {
        ProcessMode mode;
        char **command;         /* exec, pty */
        char **environment;     /* VAR=VALUE */
        const char *workdir;    /* NULL or "" : default */
        const char *user;       /* NULL or "": root */
        unsigned rows, columns; /* 0: not given */
} ProcessRequest;

typedef struct Process {
        Manager *manager;
        uint32_t id;
        char *path;
        char *container;
        char **command;
        ProcessMode mode;

        pid_t helper_pid;               /* sysctr-enter, our child */
        sd_event_source *helper_source;
        int control_fd;
        sd_event_source *control_source;

        pid_t pid;                      /* the command, host PID (0 until started) */
        int pidfd;
        bool exited;
        int exit_code;                  /* CLD_EXITED, CLD_KILLED, CLD_DUMPED */
        int exit_status;

        sd_bus_message *start_call;     /* the Exec* call, answered once started */
        int client_fds[3];              /* what the reply hands over (exec: the pipes' other ends) */
        sd_bus_track *track;            /* the caller: when it leaves, the command is ended */
        uid_t owner_uid;
        sd_bus_message **wait_calls;    /* Wait() calls to answer once it has exited */
        size_t n_wait_calls;
        bool waited;                    /* the owner has its exit status */
        sd_event_source *kill_timer;    /* SIGKILL after the SIGHUP of an abandoned command */
} Process;

/* Start what req says in container c for the caller of message; the reply is sent later (or an
 * error returned now). */
int process_start(Container *c, sd_bus_message *message, const ProcessRequest *req, sd_bus_error *error);
Process *process_free(Process *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(Process *, process_free);
Process *manager_get_process(Manager *m, uint32_t id);
void manager_free_processes(Manager *m);
/* Load SYSCTR_ENTER into a sealed memfd, once, at startup. */
int manager_load_enter_binary(Manager *m);

/* For sysctrd's own commands in a container (guestcheck.c): sysctr-enter's arguments for req, and
 * what the child of fork() runs: sysctr-enter from its memfd with the protocol's descriptors. */
int process_build_argv(Container *c, const ProcessRequest *req, char ***ret);
_noreturn_ void process_exec_helper(int enter_fd, int stdio[3], int control_fd, int leader_fd, char **argv);

/* process-dbus.c */
extern const sd_bus_vtable process_vtable[];
int process_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                        sd_bus_error *error);
int process_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                            sd_bus_error *error);
/* Only the caller that started it, and root (or the daemon's own user, in tests). */
int process_check_owner(Process *p, sd_bus_message *message, sd_bus_error *error);
void process_reply_waiters(Process *p);
/* Send the command a signal: -ESRCH once it has ended. */
int process_kill(Process *p, int sig);
/* Free it (off the bus) if nobody can ask about it any more: it has ended and its caller has waited
 * for it or left. */
void process_maybe_drop(Process *p);
