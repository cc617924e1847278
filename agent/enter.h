/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "enter-protocol.h"
#include "macro.h"

/* sysctr-enter: runs one command in a running container for sysctrd (common/enter-protocol.h).
 * enter.c: arguments, entering, confinement, the command's process; enter-guest.c: what is looked up
 * in the guest's own files (its users, its PATH) to decide what to execute. */

typedef enum EnterMode {
        ENTER_MODE_EXEC,        /* the command, on the standard streams sysctrd gave us */
        ENTER_MODE_PTY,         /* the command, on a new terminal of the container */
        ENTER_MODE_SHELL,       /* a login session of a user, on a new terminal */
        _ENTER_MODE_MAX,
        _ENTER_MODE_INVALID = -EINVAL,
} EnterMode;

/* What is executed, and how: decided inside the container, before the process that runs it exists. */
typedef struct EnterPlan {
        char *path;             /* what to execute (absolute, inside the container) */
        char **argv;
        char **env;
        char *workdir;
        bool set_credentials;
        uid_t uid;
        gid_t gid;
        gid_t *groups;
        size_t n_groups;
} EnterPlan;

void enter_plan_done(EnterPlan *p);

/* Why a plan could not be made: the failure for sysctrd, and what to name in its message. */
typedef struct EnterFailureInfo {
        EnterFailure failure;
        int error;
        const char *what;
} EnterFailureInfo;

/* enter-guest.c. root_fd is the container's root; every file of the guest is opened below it with
 * common/guest-path.h. user NULL: root. */
int enter_plan_shell(int root_fd, const char *user, char * const *env, EnterPlan *plan, EnterFailureInfo *fail);
int enter_plan_command(int root_fd, const char *user, char * const *command, char * const *env,
                       const char *workdir, bool terminal, EnterPlan *plan, EnterFailureInfo *fail);
