/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ptrace-probe PID: try to attach to PID with ptrace(2), as a hostile guest root would to the process
 * that enters its container. Exit status 0 if the attach worked (then it detaches at once), 1 if it
 * was refused (the error is printed), 2 on bad usage. Linked statically: it runs inside guests. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>

int main(int argc, char *argv[]) {
        pid_t pid;

        if (argc != 2 || (pid = (pid_t) atoi(argv[1])) <= 0) {
                fprintf(stderr, "usage: ptrace-probe PID\n");
                return 2;
        }
        if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0) {
                printf("ptrace(PTRACE_SEIZE, %d) refused: %s\n", (int) pid, strerror(errno));
                return 1;
        }
        printf("attached to %d\n", (int) pid);
        (void) ptrace(PTRACE_DETACH, pid, NULL, NULL);
        return 0;
}
