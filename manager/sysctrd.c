/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <sys/stat.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "log.h"
#include "manager.h"

static void help(void) {
        printf("%s [OPTIONS...]\n\n"
               "The sysctr container manager: serves org.sysctr1 on the system bus.\n\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "     --mode=MODE         auto (default), systemd or standalone\n"
               "     --log-level=LEVEL   info (default) or debug\n\n"
               "In systemd mode containers are the units sysctr@NAME.service; in standalone mode (chosen\n"
               "automatically when PID 1 is not systemd) sysctrd runs their agents itself.\n"
               "See sysctrd(8).\n",
               program_invocation_short_name);
}

static int parse_argv(int argc, char *argv[], ManagerMode *mode) {
        enum { ARG_VERSION = 0x100, ARG_MODE, ARG_LOG_LEVEL };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "mode", required_argument, NULL, ARG_MODE },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                {}
        };
        int c;

        *mode = _MANAGER_MODE_INVALID;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        puts(PACKAGE_STRING);
                        return 0;
                case ARG_MODE:
                        if (streq(optarg, "auto"))
                                *mode = _MANAGER_MODE_INVALID;
                        else if ((*mode = manager_mode_from_string(optarg)) < 0)
                                return log_error_errno(-EINVAL, "Invalid --mode \"%s\": use auto, systemd or "
                                                       "standalone.", optarg);
                        break;
                case ARG_LOG_LEVEL:
                        if (streq(optarg, "debug"))
                                log_set_max_level(LOG_DEBUG);
                        else if (streq(optarg, "info"))
                                log_set_max_level(LOG_INFO);
                        else
                                return log_error_errno(-EINVAL, "Invalid --log-level \"%s\".", optarg);
                        break;
                case '?':
                        return -EINVAL;
                default:
                        abort();
                }
        if (optind < argc)
                return log_error_errno(-EINVAL, "%s takes no arguments.", program_invocation_short_name);
        return 1;
}

int main(int argc, char *argv[]) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagerMode mode;
        int r;

        log_open("sysctrd");
        r = parse_argv(argc, argv, &mode);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        if (mode < 0)
                mode = sd_booted() > 0 ? MANAGER_SYSTEMD : MANAGER_STANDALONE;
        srandom((unsigned) time(NULL) ^ (unsigned) getpid());
        umask(0022);

        r = manager_new(mode, &m);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the manager: %m"), EXIT_FAILURE;
        log_info("Starting in %s mode.", manager_mode_to_string(mode));
        r = manager_startup(m);
        if (r < 0)
                return EXIT_FAILURE;
        r = manager_run(m);
        if (r < 0) {
                log_error_errno(r, "Event loop failed: %m");
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}
