/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <stdio.h>

#include "signal-util.h"
#include "tap.h"

static void test_names(void) {
        static const struct {
                const char *s;
                int sig;
        } names[] = {
                { "SIGUSR2", SIGUSR2 }, { "USR2", SIGUSR2 }, { "SIGTERM", SIGTERM }, { "TERM", SIGTERM },
                { "SIGKILL", SIGKILL }, { "SIGHUP", SIGHUP }, { "SIGINT", SIGINT }, { "SIGPWR", SIGPWR },
                { "SIGCHLD", SIGCHLD }, { "SIGCLD", SIGCHLD }, { "SIGIOT", SIGABRT },
                { "SIGWINCH", SIGWINCH },
                { "SIGSYS", SIGSYS }, { "12", 12 }, { "1", 1 }, { "15", SIGTERM },
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                is_int(signal_from_string(names[i].s), names[i].sig, "\"%s\" parses", names[i].s);
}

static void test_realtime(void) {
        char s[32];

        is_int(signal_from_string("SIGRTMIN+3"), SIGRTMIN + 3, "SIGRTMIN+3");
        is_int(signal_from_string("RTMIN+3"), SIGRTMIN + 3, "RTMIN+3");
        is_int(signal_from_string("SIGRTMIN"), SIGRTMIN, "SIGRTMIN");
        is_int(signal_from_string("SIGRTMIN+0"), SIGRTMIN, "SIGRTMIN+0");
        is_int(signal_from_string("SIGRTMAX"), SIGRTMAX, "SIGRTMAX");
        is_int(signal_from_string("SIGRTMAX-2"), SIGRTMAX - 2, "SIGRTMAX-2");
        is_int(signal_from_string("RTMAX-2"), SIGRTMAX - 2, "RTMAX-2");

        snprintf(s, sizeof(s), "SIGRTMIN+%d", SIGRTMAX - SIGRTMIN);
        is_int(signal_from_string(s), SIGRTMAX, "%s is the last real-time signal", s);
        snprintf(s, sizeof(s), "SIGRTMIN+%d", SIGRTMAX - SIGRTMIN + 1);
        is_int(signal_from_string(s), -EINVAL, "%s is out of range", s);
        snprintf(s, sizeof(s), "SIGRTMAX-%d", SIGRTMAX - SIGRTMIN + 1);
        is_int(signal_from_string(s), -EINVAL, "%s is out of range", s);
        snprintf(s, sizeof(s), "%d", SIGRTMIN + 3);
        is_int(signal_from_string(s), SIGRTMIN + 3, "number %s", s);
        snprintf(s, sizeof(s), "%d", SIGRTMAX + 1);
        is_int(signal_from_string(s), -EINVAL, "number %s is out of range", s);
}

static void test_bad(void) {
        static const char * const bad[] = {
                "", "usr2", "sigusr2", "SIGusr2", "SIG", "SIGFOO", "0", "-1", "+1", "012", "12x",
                "99999999999",
                "SIGRTMIN-1", "SIGRTMAX+1", "SIGRTMIN+", "SIGRTMIN+-1", "SIGRTMIN+03", "RTMIN3", "SIG12",
                " SIGTERM", "SIGTERM ", "SIGRT",
        };

        is_int(signal_from_string(NULL), -EINVAL, "NULL is refused");
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                is_int(signal_from_string(bad[i]), -EINVAL, "\"%s\" is refused", bad[i]);
}

static void test_to_string(void) {
        char buf[SIGNAL_STRING_MAX];

        is_str(signal_to_string(SIGUSR2, buf), "SIGUSR2", "SIGUSR2 formats");
        is_str(signal_to_string(SIGABRT, buf), "SIGABRT", "SIGABRT formats with its canonical name");
        is_str(signal_to_string(SIGCHLD, buf), "SIGCHLD", "SIGCHLD formats with its canonical name");
        is_str(signal_to_string(SIGRTMIN + 3, buf), "SIGRTMIN+3", "SIGRTMIN+3 formats");
        is_str(signal_to_string(SIGRTMIN, buf), "SIGRTMIN", "SIGRTMIN formats");
        ok(signal_to_string(0, buf) == NULL, "0 has no name");
        ok(signal_to_string(-1, buf) == NULL, "-1 has no name");
        ok(signal_to_string(SIGRTMAX + 1, buf) == NULL, "SIGRTMAX+1 has no name");
        ok(!signal_is_valid(0), "0 is not a valid signal");
        ok(signal_is_valid(SIGRTMAX), "SIGRTMAX is a valid signal");
}

static void test_round_trip(void) {
        unsigned bad = 0, n = 0;

        /* Every signal with a name formats to a string that parses back to it. */
        for (int sig = 1; sig <= SIGRTMAX; sig++) {
                char buf[SIGNAL_STRING_MAX];

                if (!signal_to_string(sig, buf))
                        continue;
                n++;
                if (signal_from_string(buf) != sig) {
                        diag("%d → %s → %d", sig, buf, signal_from_string(buf));
                        bad++;
                }
        }
        ok(bad == 0, "all %u named signals round-trip", n);
        ok(n >= 31 + (unsigned) (SIGRTMAX - SIGRTMIN), "every standard and real-time signal has a name");
}

int main(void) {
        test_names();
        test_realtime();
        test_bad();
        test_to_string();
        test_round_trip();
        return done_testing();
}
