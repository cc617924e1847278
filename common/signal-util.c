/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "signal-util.h"

/* The standard (non real-time) signals by their Linux names. Not sys_signame or sigabbrev_np():
 * the former is gone from glibc and the latter is glibc ≥ 2.32 only and returns names without the
 * alias handling we want. */
static const struct {
        int sig;
        const char *name;       /* without "SIG" */
} signal_table[] = {
        { SIGHUP,    "HUP"    },
        { SIGINT,    "INT"    },
        { SIGQUIT,   "QUIT"   },
        { SIGILL,    "ILL"    },
        { SIGTRAP,   "TRAP"   },
        { SIGABRT,   "ABRT"   },
        { SIGBUS,    "BUS"    },
        { SIGFPE,    "FPE"    },
        { SIGKILL,   "KILL"   },
        { SIGUSR1,   "USR1"   },
        { SIGSEGV,   "SEGV"   },
        { SIGUSR2,   "USR2"   },
        { SIGPIPE,   "PIPE"   },
        { SIGALRM,   "ALRM"   },
        { SIGTERM,   "TERM"   },
#ifdef SIGSTKFLT
        { SIGSTKFLT, "STKFLT" },
#endif
        { SIGCHLD,   "CHLD"   },
        { SIGCONT,   "CONT"   },
        { SIGSTOP,   "STOP"   },
        { SIGTSTP,   "TSTP"   },
        { SIGTTIN,   "TTIN"   },
        { SIGTTOU,   "TTOU"   },
        { SIGURG,    "URG"    },
        { SIGXCPU,   "XCPU"   },
        { SIGXFSZ,   "XFSZ"   },
        { SIGVTALRM, "VTALRM" },
        { SIGPROF,   "PROF"   },
        { SIGWINCH,  "WINCH"  },
        { SIGIO,     "IO"     },
#ifdef SIGPWR
        { SIGPWR,    "PWR"    },
#endif
        { SIGSYS,    "SYS"    },
        /* Aliases, accepted when parsing; the canonical name above comes first so that formatting
         * finds it. */
        { SIGABRT,   "IOT"    },
        { SIGIO,     "POLL"   },
        { SIGCHLD,   "CLD"    },
};

static const char *signal_table_name(int sig) {
        for (size_t i = 0; i < ELEMENTSOF(signal_table); i++)
                if (signal_table[i].sig == sig)
                        return signal_table[i].name;
        return NULL;
}

bool signal_is_valid(int sig) {
        /* 32 and 33 (on glibc) lie between the standard and the real-time signals and have no
         * name: glibc keeps them for itself. */
        if (sig >= SIGRTMIN && sig <= SIGRTMAX)
                return true;
        return signal_table_name(sig) != NULL;
}

/* Strict decimal: digits only, no sign, no leading zero, no overflow. */
static int parse_small_uint(const char *s, int *ret) {
        int v = 0;

        if (!s[0] || (s[0] == '0' && s[1]))
                return -EINVAL;

        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                if (v > 1000)
                        return -EINVAL;
                v = v * 10 + (*p - '0');
        }

        *ret = v;
        return 0;
}

/* "RTMIN", "RTMIN+N", "RTMAX", "RTMAX-N", without the "SIG" prefix. */
static int signal_rt_from_string(const char *s) {
        int base, sign, n = 0;
        const char *p;

        if (strneq(s, "RTMIN", 5)) {
                base = SIGRTMIN;
                sign = 1;
        } else if (strneq(s, "RTMAX", 5)) {
                base = SIGRTMAX;
                sign = -1;
        } else
                return -EINVAL;

        p = s + 5;
        if (*p) {
                if (*p != (sign > 0 ? '+' : '-'))
                        return -EINVAL;
                if (parse_small_uint(p + 1, &n) < 0)
                        return -EINVAL;
        }

        if (n > SIGRTMAX - SIGRTMIN)
                return -EINVAL;

        return base + sign * n;
}

int signal_from_string(const char *s) {
        int sig;

        if (isempty(s))
                return -EINVAL;

        if (s[0] >= '0' && s[0] <= '9') {
                if (parse_small_uint(s, &sig) < 0 || !signal_is_valid(sig))
                        return -EINVAL;
                return sig;
        }

        if (strneq(s, "SIG", 3))
                s += 3;

        if (strneq(s, "RT", 2))
                return signal_rt_from_string(s);

        for (size_t i = 0; i < ELEMENTSOF(signal_table); i++)
                if (streq(signal_table[i].name, s))
                        return signal_table[i].sig;

        return -EINVAL;
}

const char *signal_to_string(int sig, char buf[static SIGNAL_STRING_MAX]) {
        const char *name;

        if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
                /* Always relative to SIGRTMIN: that is how systemd documents its signals
                 * ("SIGRTMIN+3" is poweroff), whatever SIGRTMIN happens to be here. */
                if (sig == SIGRTMIN)
                        snprintf(buf, SIGNAL_STRING_MAX, "SIGRTMIN");
                else
                        snprintf(buf, SIGNAL_STRING_MAX, "SIGRTMIN+%d", sig - SIGRTMIN);
                return buf;
        }

        name = signal_table_name(sig);
        if (!name)
                return NULL;

        snprintf(buf, SIGNAL_STRING_MAX, "SIG%s", name);
        return buf;
}
