/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dnsmasq-config.h"
#include "fileio.h"
#include "log.h"
#include "network.h"
#include "paths.h"
#include "strv.h"
#include "time-util.h"

/* One dnsmasq per bridge network with DNS (dnsmasq-config.h says what it does and why). sysctrd
 * starts it in a session of its own with sysctrd's stderr as its log, and it outlives sysctrd as
 * the containers do: a restarted sysctrd adopts it from its pid file (restarting it only if its
 * configuration changed), so DNS and DHCP never pause for a restart of sysctrd. A dnsmasq that dies
 * is started again, a few times. */

#define DNSMASQ_RESTART_DELAY_USEC (1 * USEC_PER_SEC)
#define DNSMASQ_RESTART_BURST 5
#define DNSMASQ_RESTART_WINDOW_USEC (60 * USEC_PER_SEC)
#define DNSMASQ_STOP_TIMEOUT_MSEC 2000

static const char *dnsmasq_binary(void) {
        static const char * const candidates[] = { "/usr/sbin/dnsmasq", "/sbin/dnsmasq", "/usr/bin/dnsmasq" };
        const char *e = getenv("SYSCTR_DNSMASQ");

        if (e && e[0] == '/')
                return e;
        for (size_t i = 0; i < ELEMENTSOF(candidates); i++)
                if (access(candidates[i], X_OK) >= 0)
                        return candidates[i];
        return NULL;
}

bool dnsmasq_available(void) {
        return dnsmasq_binary() != NULL;
}

typedef struct DnsmasqFiles {
        char *dir, *conf, *hosts, *dhcp_hosts, *leases, *pid;
} DnsmasqFiles;

static void dnsmasq_files_done(DnsmasqFiles *f) {
        free(f->dir);
        free(f->conf);
        free(f->hosts);
        free(f->dhcp_hosts);
        free(f->leases);
        free(f->pid);
}

static int dnsmasq_files(const Network *n, DnsmasqFiles *f) {
        f->dir = sysctr_network_runtime_dir(n->config->name);
        if (!f->dir || asprintf(&f->conf, "%s/" SYSCTR_DNSMASQ_CONF, f->dir) < 0 ||
            asprintf(&f->hosts, "%s/" SYSCTR_DNSMASQ_HOSTS, f->dir) < 0 ||
            asprintf(&f->dhcp_hosts, "%s/" SYSCTR_DNSMASQ_DHCP_HOSTS, f->dir) < 0 ||
            asprintf(&f->leases, "%s/" SYSCTR_DNSMASQ_LEASES, f->dir) < 0 ||
            asprintf(&f->pid, "%s/" SYSCTR_DNSMASQ_PID, f->dir) < 0)
                return -ENOMEM;
        return 0;
}

static DnsmasqNetwork dnsmasq_network(const Network *n, const DnsmasqFiles *f) {
        const NetworkConfig *c = n->config;

        /* Upstream: the host's resolv.conf. dnsmasq runs in the host's namespace, where even a
         * loopback resolver there (systemd-resolved's 127.0.0.53) is reachable. */
        return (DnsmasqNetwork) { .name = c->name,
                                  .domain = c->domain,
                                  .ifname = c->bridge,
                                  .subnet4 = c->subnet4,
                                  .subnet6 = c->subnet6,
                                  .gateway4 = c->gateway4,
                                  .gateway6 = c->gateway6,
                                  .pid_file = f->pid,
                                  .lease_file = f->leases,
                                  .hosts_file = f->hosts,
                                  .dhcp_hosts_file = f->dhcp_hosts,
                                  .shared_link = c->type == NETWORK_VXLAN };
}

/* 1 if the file changed, 0 if it already held text. 0644: dnsmasq rereads it after dropping root. */
static int write_if_changed(const char *path, const char *text) {
        _cleanup_free_ char *old = NULL;
        int r;

        if (read_full_file(path, &old, NULL) >= 0 && streq(old, text))
                return 0;
        r = write_file_atomic(path, text, strlen(text), 0644);
        return r < 0 ? r : 1;
}

/* The names and leases of n's containers (all of them, running or not: a name resolves, and a
 * lease is there, whenever the container comes up). */
static int write_hosts(Network *n, const DnsmasqFiles *f, const Container *exclude) {
        _cleanup_free_ Container **all = manager_sorted_containers(n->manager);
        _cleanup_free_ DnsmasqHost *hosts = NULL;
        _cleanup_free_ char *h = NULL, *d = NULL;
        DnsmasqNetwork dn = dnsmasq_network(n, f);
        size_t k = 0;
        int r, changed;

        if (!all)
                return -ENOMEM;
        hosts = calloc(hashmap_size(n->manager->containers) + 1, sizeof(DnsmasqHost));
        if (!hosts)
                return -ENOMEM;
        for (size_t i = 0; i < hashmap_size(n->manager->containers); i++) {
                const ContainerConfig *c = all[i]->config;

                if (all[i] == exclude)
                        continue;
                for (size_t j = 0; j < c->n_networks; j++) {
                        const ContainerNetwork *a = &c->networks[j];

                        if (!streq(a->name, n->config->name))
                                continue;
                        hosts[k++] = (DnsmasqHost) { .name = c->name, .has_mac = a->has_mac, .mac = a->mac,
                                                     .has_in4 = a->has_ip4, .in4 = a->ip4.in,
                                                     .has_in6 = a->has_ip6, .in6 = a->ip6.in6 };
                }
        }
        r = dnsmasq_hosts_build(&dn, hosts, k, &h);
        if (r >= 0)
                r = dnsmasq_dhcp_hosts_build(&dn, hosts, k, &d);
        if (r < 0)
                return r;
        r = write_if_changed(f->hosts, h);
        if (r < 0)
                return r;
        changed = r;
        r = write_if_changed(f->dhcp_hosts, d);
        return r < 0 ? r : changed || r;
}

static void dnsmasq_forget(Network *n) {
        n->dnsmasq_exit_source = sd_event_source_disable_unref(n->dnsmasq_exit_source);
        n->dnsmasq_pidfd = safe_close(n->dnsmasq_pidfd);
        n->dnsmasq_pid = 0;
        n->dnsmasq_child = false;
}

static int dnsmasq_signal(Network *n, int sig) {
        if (n->dnsmasq_pidfd >= 0)
                return RET_NERRNO(syscall(SYS_pidfd_send_signal, n->dnsmasq_pidfd, sig, NULL, 0));
        return -ESRCH;
}

int network_dnsmasq_update(Network *n, const Container *exclude) {
        _cleanup_(dnsmasq_files_done) DnsmasqFiles f = {};
        int r;

        if (!n->config->dns)
                return 0;
        r = dnsmasq_files(n, &f);
        if (r >= 0)
                r = write_hosts(n, &f, exclude);
        if (r < 0)
                return log_warning_errno(r, "Network %s: failed to write the DNS names and leases: %m", n->config->name);
        /* SIGHUP: dnsmasq rereads addn-hosts and dhcp-hostsfile (dnsmasq(8)), no restart. */
        if (r > 0 && n->dnsmasq_pid > 0)
                (void) dnsmasq_signal(n, SIGHUP);
        return 0;
}

static int on_restart_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Network *n = userdata;

        n->dnsmasq_restart_timer = sd_event_source_disable_unref(n->dnsmasq_restart_timer);
        (void) network_dnsmasq_start(n);
        return 0;
}

static void dnsmasq_died(Network *n, const char *how) {
        uint64_t t = now(CLOCK_MONOTONIC);
        int r;

        dnsmasq_forget(n);
        if (t - n->dnsmasq_window_usec > DNSMASQ_RESTART_WINDOW_USEC) {
                n->dnsmasq_window_usec = t;
                n->dnsmasq_failures = 0;
        }
        if (++n->dnsmasq_failures > DNSMASQ_RESTART_BURST) {
                log_error("Network %s: dnsmasq %s, %u times within a minute: giving up (DNS and DHCP are off; "
                          "restart sysctrd once the cause is fixed).", n->config->name, how, DNSMASQ_RESTART_BURST);
                network_set_problem(n, "its dnsmasq keeps failing (see sysctrd's log)");
                return;
        }
        log_warning("Network %s: dnsmasq %s; starting it again.", n->config->name, how);
        r = sd_event_add_time_relative(n->manager->event, &n->dnsmasq_restart_timer, CLOCK_MONOTONIC,
                                       DNSMASQ_RESTART_DELAY_USEC, 0, on_restart_timer, n);
        if (r < 0)
                log_error_errno(r, "Network %s: failed to schedule a restart of dnsmasq: %m", n->config->name);
}

/* Our own child: sd-event reaps it. */
static int on_child_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        Network *n = userdata;
        char how[64];

        if (si->si_code == CLD_EXITED)
                (void) snprintf(how, sizeof(how), "exited with status %d", si->si_status);
        else
                (void) snprintf(how, sizeof(how), "was killed by signal %d", si->si_status);
        dnsmasq_died(n, how);
        return 0;
}

/* One a previous sysctrd started: its pidfd tells when it is gone (its parent reaps it). */
static int on_adopted_exit(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        dnsmasq_died(userdata, "exited");
        return 0;
}

static int dnsmasq_spawn(Network *n, char **argv) {
        pid_t pid;
        int r;

        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                sigset_t none;
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

                /* A session of its own, sysctrd's stderr as its log (stdout too), nothing else of
                 * sysctrd's (its bus connection), default signals. It outlives sysctrd. */
                (void) setsid();
                sigemptyset(&none);
                (void) sigprocmask(SIG_SETMASK, &none, NULL);
                if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
                        _exit(EXIT_FAILURE);
                (void) syscall(SYS_close_range, 3U, ~0U, 0);
                execv(argv[0], argv);
                _exit(127);
        }
        r = sd_event_add_child(n->manager->event, &n->dnsmasq_exit_source, pid, WEXITED, on_child_exit, n);
        if (r < 0) {
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                return r;
        }
        n->dnsmasq_pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        n->dnsmasq_pid = pid;
        n->dnsmasq_child = true;
        log_info("Network %s: started dnsmasq (PID %d) on %s.", n->config->name, (int) pid, n->config->bridge);
        return 0;
}

/* The dnsmasq of the pid file, if it still runs with exactly our command line. */
static int dnsmasq_adopt(Network *n, const DnsmasqFiles *f, char **argv) {
        _cleanup_free_ char *pid_text = NULL, *cmdline = NULL, *want = NULL;
        _cleanup_close_ int pidfd = -EBADF;
        char proc[64];
        size_t size = 0, len = 0;
        pid_t pid;
        int r;

        if (read_full_file(f->pid, &pid_text, NULL) < 0 || (pid = (pid_t) atoi(pid_text)) <= 0)
                return 0;
        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0)
                return 0;
        (void) snprintf(proc, sizeof(proc), "/proc/%d/cmdline", (int) pid);
        if (read_full_file(proc, &cmdline, &size) < 0)
                return 0;
        STRV_FOREACH(a, argv)
                len += strlen(*a) + 1;
        want = malloc(len + 1);
        if (!want)
                return -ENOMEM;
        len = 0;
        STRV_FOREACH(a, argv) {
                memcpy(want + len, *a, strlen(*a) + 1);
                len += strlen(*a) + 1;
        }
        if (size != len || memcmp(cmdline, want, len) != 0)
                return 0;
        r = sd_event_add_io(n->manager->event, &n->dnsmasq_exit_source, pidfd, EPOLLIN, on_adopted_exit, n);
        if (r < 0)
                return r;
        n->dnsmasq_pidfd = TAKE_FD(pidfd);
        n->dnsmasq_pid = pid;
        n->dnsmasq_child = false;
        log_info("Network %s: adopted its running dnsmasq (PID %d).", n->config->name, (int) pid);
        return 1;
}

/* Ask it to go, and wait for it (a new one binds the same addresses). */
static void dnsmasq_terminate(Network *n) {
        struct pollfd p = { .fd = n->dnsmasq_pidfd, .events = POLLIN };
        bool child = n->dnsmasq_child;
        pid_t pid = n->dnsmasq_pid;

        if (pid <= 0)
                return;
        /* Our end first: this exit is no failure to restart after. */
        n->dnsmasq_exit_source = sd_event_source_disable_unref(n->dnsmasq_exit_source);
        (void) dnsmasq_signal(n, SIGTERM);
        if (p.fd >= 0 && poll(&p, 1, DNSMASQ_STOP_TIMEOUT_MSEC) == 0) {
                log_warning("Network %s: dnsmasq did not stop, killing it.", n->config->name);
                (void) dnsmasq_signal(n, SIGKILL);
                (void) poll(&p, 1, DNSMASQ_STOP_TIMEOUT_MSEC);
        }
        if (child)
                (void) waitpid(pid, NULL, 0);
        dnsmasq_forget(n);
}

int network_dnsmasq_start(Network *n) {
        _cleanup_(dnsmasq_files_done) DnsmasqFiles f = {};
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_free_ char *conf = NULL;
        DnsmasqNetwork dn;
        const char *binary = dnsmasq_binary();
        int r, changed;

        if (!n->config->dns || !network_type_is_bridged(n->config->type))
                return 0;
        if (!binary) {
                network_set_problem(n, "dnsmasq is not installed (Debian: dnsmasq-base): no DNS and DHCP");
                return log_error_errno(-ENOENT, "Network %s: %s.", n->config->name, n->problem);
        }
        r = dnsmasq_files(n, &f);
        if (r >= 0)
                r = mkdir_p(f.dir, 0755);
        dn = dnsmasq_network(n, &f);
        if (r >= 0)
                r = dnsmasq_config_build(&dn, &conf);
        if (r >= 0)
                r = write_if_changed(f.conf, conf);
        if (r < 0)
                return log_error_errno(r, "Network %s: failed to write dnsmasq's configuration: %m", n->config->name);
        changed = r;
        r = write_hosts(n, &f, NULL);
        if (r >= 0)
                r = dnsmasq_argv(binary, f.conf, &argv);
        if (r < 0)
                return log_error_errno(r, "Network %s: failed to prepare dnsmasq: %m", n->config->name);

        if (n->dnsmasq_pid <= 0 && dnsmasq_adopt(n, &f, argv) < 0)
                log_warning("Network %s: failed to adopt the running dnsmasq.", n->config->name);
        if (n->dnsmasq_pid > 0 && !changed) {
                (void) dnsmasq_signal(n, SIGHUP);
                return 0;
        }
        /* A new configuration is read only at start. */
        dnsmasq_terminate(n);
        r = dnsmasq_spawn(n, argv);
        if (r < 0)
                return log_error_errno(r, "Network %s: failed to start dnsmasq: %m", n->config->name);
        return 0;
}

void network_dnsmasq_stop(Network *n) {
        _cleanup_(dnsmasq_files_done) DnsmasqFiles f = {};

        n->dnsmasq_restart_timer = sd_event_source_disable_unref(n->dnsmasq_restart_timer);
        if (n->dnsmasq_pid <= 0 && n->config->dns && dnsmasq_files(n, &f) >= 0) {
                /* Not adopted yet (a failed start of sysctrd's): find it by its pid file all the same. */
                _cleanup_strv_free_ char **argv = NULL;

                if (dnsmasq_binary() && dnsmasq_argv(dnsmasq_binary(), f.conf, &argv) >= 0)
                        (void) dnsmasq_adopt(n, &f, argv);
        }
        if (n->dnsmasq_pid > 0)
                log_info("Network %s: stopping dnsmasq (PID %d).", n->config->name, (int) n->dnsmasq_pid);
        dnsmasq_terminate(n);
}
