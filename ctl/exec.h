/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

typedef struct ExecParams {
        char **argv;            /* the command; argv[0] is looked up in the PATH of env */
        char **env;             /* the command's whole environment */
        const char *workdir;    /* absolute path in the container; NULL: "/" */
} ExecParams;

/* Runs p->argv inside the running container whose init is leader (a host PID; leader_pidfd refers to
 * it and was checked by the caller to still be that init): in its cgroup (cgroup2), its mnt, pid,
 * uts, ipc, net and cgroup namespaces and its root directory, with stdin, stdout and stderr passed
 * through. Returns the command's exit status (128+N if it was killed by signal N), 126 or 127 after
 * logging why the command could not be executed, or a negative errno after logging why entering the
 * container failed. */
int exec_in_container(int leader_pidfd, pid_t leader, const ExecParams *p);

/* The environment of a command run in a container: a fixed PATH, HOME, TERM from the caller,
 * container=sysctr, then the user's VAR=VALUE entries (a bare VAR copies the caller's value, if
 * any), later ones replacing earlier ones. */
int exec_build_environment(char * const *user_env, char ***ret);
