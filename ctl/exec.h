/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

#include "macro.h"

typedef struct ExecParams {
        char **argv;            /* the command; argv[0] is looked up in the PATH of env */
        const char *path;       /* if set, executed instead of looking up argv[0] (for "-sh") */
        char **env;             /* the command's whole environment */
        const char *workdir;    /* absolute path in the container; NULL: "/" */

        /* A terminal of the container's own ("sysctr shell"): the command gets a new pty from the
         * container's devpts as its controlling terminal and stdin/stdout/stderr, in a session of its
         * own, and the pty's master is sent to pty_socket (SCM_RIGHTS, one byte of data). */
        bool new_pty;
        int pty_socket;
        const struct termios *termios;  /* for the new pty; NULL: the kernel's defaults */
        const struct winsize *winsize;  /* for the new pty; NULL: 0x0 */

        /* Run as this user rather than root (after the confinement, before execve()). */
        bool set_credentials;
        uid_t uid;
        gid_t gid;
        const gid_t *groups;            /* supplementary groups */
        size_t n_groups;
} ExecParams;

/* The running container to enter, pinned on the host: its init (a host PID and a pidfd that was
 * checked to still be that init), the init's root directory and cgroup2 path. */
typedef struct ExecTarget {
        int pidfd;
        pid_t leader;
        int root_fd;            /* O_PATH, /proc/LEADER/root opened on the host */
        char *cgroup;           /* NULL if the host has no cgroup2 */
        char **cgroups_v1;      /* hybrid hosts: cgroup.procs of the init's v1 cgroups below the root */
} ExecTarget;

#define EXEC_TARGET_NULL ((ExecTarget) { .pidfd = -EBADF, .root_fd = -EBADF })

/* Asks sysctrd for the container's init and pins it. Logs its errors ("not running" included). The
 * bus connection is not kept: a session in the container may run for days. */
int exec_target_open(const char *name, ExecTarget *ret);
void exec_target_done(ExecTarget *t);

/* A started command: the process that entered the container (its exit status is the command's). */
typedef struct ExecChild {
        pid_t pid;
        int pidfd;              /* of pid: readable once it has exited */
        int report_fd;          /* why entering or executing failed, if it did */
} ExecChild;

#define EXEC_CHILD_NULL ((ExecChild) { .pidfd = -EBADF, .report_fd = -EBADF })

/* Starts p in the container. The caller blocks exec_signals() (and whatever else it waits for)
 * before, so that no signal is lost between the fork and the wait. Logs its errors. */
int exec_spawn(const ExecTarget *t, const ExecParams *p, ExecChild *ret);
/* Waits for it (forwarding exec_signals() that arrive meanwhile) and returns the command's exit status
 * (128+N if killed by signal N), 126 or 127 after logging why the command could not be executed, or a
 * negative errno after logging why entering the container failed. */
int exec_child_wait(ExecChild *c, const ExecParams *p);
void exec_child_done(ExecChild *c);

/* The signals to block around exec_spawn() and exec_child_wait(): SIGCHLD, and those sysctr passes
 * on to the command (kill(1) and timeout(1) send them to sysctr alone). */
void exec_signals(sigset_t *ret);

/* Runs p->argv inside the running container t: in its cgroup (cgroup2), its mnt, pid, uts, ipc, net
 * and cgroup namespaces and its root directory, with stdin, stdout and stderr passed through,
 * confined like the container's init. Returns as exec_child_wait() does. */
int exec_in_container(const ExecTarget *t, const ExecParams *p);

/* The environment of a command run in a container: a fixed PATH, HOME, TERM from the caller,
 * container=sysctr, then the user's VAR=VALUE entries (a bare VAR copies the caller's value, if
 * any), later ones replacing earlier ones. */
int exec_build_environment(char * const *user_env, char ***ret);
