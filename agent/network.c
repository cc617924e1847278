/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdarg.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "agent.h"
#include "bus-names.h"
#include "fileio.h"
#include "log.h"
#include "netlink-util.h"
#include "network.h"
#include "paths.h"
#include "rtnl.h"
#include "time-util.h"

/* The executor of the network plan (network.h). Everything here runs in the agent, as host root:
 * with the user namespace the child may get, its network namespace belongs to that user namespace,
 * and we still hold every capability over it. */

#define HOST_RESOLV_CONF "/etc/resolv.conf"
/* sysctrd's start (its networks brought up) under D-Bus activation, at boot on a slow machine. */
#define SYSCTRD_ACTIVATION_TIMEOUT_USEC (90 * USEC_PER_SEC)
/* systemd-resolved's list of the real upstream servers, for hosts whose /etc/resolv.conf points at
 * its stub 127.0.0.53, which a container cannot reach. */
#define RESOLVED_RESOLV_CONF "/run/systemd/resolve/resolv.conf"

/* A link that the kernel is still tearing down (the namespace of the previous boot of a rebooting
 * container is freed asynchronously) keeps its name for a moment. */
#define LINK_BUSY_RETRIES 20
#define LINK_BUSY_WAIT_NSEC (25 * 1000 * 1000)

/* agent_fail() with the kernel's own explanation of a refused request (its extended ack). */
_printf_(4, 5) static int rtnl_fail(Agent *a, Rtnl *rt, int r, const char *format, ...) {
        const char *kernel = rt ? rtnl_error_message(rt) : NULL;
        char what[256];
        va_list ap;

        va_start(ap, format);
        (void) vsnprintf(what, sizeof(what), format, ap);
        va_end(ap);
        return agent_fail(a, r, "%s: %s%s%s%s", what, strerror(-r), kernel ? " (" : "", strempty(kernel),
                          kernel ? ")" : "");
}

static int read_host_resolv_conf(char **ret) {
        _cleanup_free_ char *text = NULL, *upstream = NULL;
        int r;

        r = read_full_file(HOST_RESOLV_CONF, &text, NULL);
        if (r < 0) {
                log_debug_errno(r, "No " HOST_RESOLV_CONF " on the host: %m");
                *ret = NULL;
                return 0;
        }
        upstream = resolv_conf_nameservers(text, false);
        if (!upstream && read_full_file(RESOLVED_RESOLV_CONF, ret, NULL) >= 0)
                return 0;
        *ret = TAKE_PTR(text);
        return 0;
}

/* network-mode container:NAME: that container's namespace, which must exist (it runs). */
static int open_joined_namespace(Agent *a, const char *other) {
        _cleanup_free_ char *path = sysctr_agent_state_path(other);
        _cleanup_(agent_state_done) AgentState s = {}, again = {};
        char ns[64];
        int fd, r;

        if (!path)
                return log_oom();
        r = agent_state_read(path, &s);
        if (r < 0 || s.state != CONTAINER_RUNNING || s.leader_pid <= 0)
                return agent_fail(a, -ESRCH, "Container %s is not running: this container joins its network "
                                  "namespace (network-mode container:%s).", other, other);
        (void) snprintf(ns, sizeof(ns), "/proc/%d/ns/net", (int) s.leader_pid);
        fd = netns_open(ns);
        /* The pid may have been reused between reading and opening: it must still be the leader. */
        if (fd >= 0 && (agent_state_read(path, &again) < 0 || again.leader_pid != s.leader_pid)) {
                safe_close(fd);
                fd = -ESRCH;
        }
        if (fd < 0)
                return agent_fail(a, fd, "Failed to open the network namespace of container %s: %m", other);
        a->net_join_fd = fd;
        return 0;
}

static int load_networks(Agent *a, NetworkConfig ***ret) {
        NetworkConfig **l = calloc(a->config->n_networks + 1, sizeof(NetworkConfig *));
        int r = 0;

        if (!l)
                return log_oom();
        for (size_t i = 0; r >= 0 && i < a->config->n_networks; i++) {
                _cleanup_free_ char *path = sysctr_network_config_path(a->config->networks[i].name), *err = NULL;

                if (!path) {
                        r = log_oom();
                        break;
                }
                r = network_config_load(path, &l[i], &err);
                if (r == -ENOENT)
                        r = agent_fail(a, r, "Network %s does not exist (no %s).", a->config->networks[i].name, path);
                else if (r < 0)
                        r = agent_fail(a, r, "Failed to load network %s: %s", a->config->networks[i].name,
                                       err ?: strerror(-r));
        }
        if (r < 0) {
                for (size_t i = 0; i < a->config->n_networks; i++)
                        network_config_free(l[i]);
                free(l);
                return r;
        }
        *ret = l;
        return 0;
}

/* A bridge is missing: the host booted and sysctrd has not run yet (the container starts at boot, as
 * a unit of machines.target). sysctrd makes the bridges before it takes its bus name, so a call to
 * it, which D-Bus activation answers by starting it, returns once they are there. With sysctrd
 * running, or without a bus, this changes nothing and the caller says what is missing. */
static void ask_sysctrd(void) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        log_info("A bridge is missing: asking sysctrd to bring up its networks.");
        r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_message_new_method_call(bus, &m, SYSCTR_BUS_NAME, SYSCTR_MANAGER_PATH,
                                                   "org.freedesktop.DBus.Peer", "Ping");
        if (r >= 0)
                r = sd_bus_call(bus, m, SYSCTRD_ACTIVATION_TIMEOUT_USEC, &error, NULL);
        if (r < 0)
                log_debug("sysctrd could not be reached: %s", error.message ?: strerror(-r));
}

/* What the links hang on must be there: sysctrd makes the bridges, the parents are the host's. */
static int check_masters(Agent *a) {
        _cleanup_(rtnl_freep) Rtnl *host = NULL;
        bool asked = false;
        int r;

        if (a->net->n_links == 0)
                return 0;
        r = rtnl_open(-1, &host);
        if (r < 0)
                return agent_fail(a, r, "Failed to open rtnetlink: %m");
        for (size_t i = 0; i < a->net->n_links; i++) {
                NetLink *l = &a->net->links[i];

                r = l->master_ifindex = rtnl_link_index(host, l->master);
                if (r == -ENODEV && l->kind == NET_LINK_VETH && !asked) {
                        ask_sysctrd();
                        asked = true;
                        r = l->master_ifindex = rtnl_link_index(host, l->master);
                }
                if (r == -ENODEV && l->kind == NET_LINK_VETH)
                        return agent_fail(a, r, "The bridge %s of network %s does not exist: sysctrd makes it when "
                                          "it starts (is sysctrd running?).", l->master, l->network);
                if (r == -ENODEV)
                        return agent_fail(a, r, "The parent link %s of network %s does not exist.", l->master,
                                          l->network);
                if (r < 0)
                        return agent_fail(a, r, "Failed to look up %s: %m", l->master);
        }
        return 0;
}

int agent_network_prepare(Agent *a) {
        _cleanup_free_ char *resolv = NULL, *err = NULL;
        NetworkConfig **networks = NULL;
        int r;

        if (a->config->network_mode == NETWORK_MODE_CONTAINER) {
                r = open_joined_namespace(a, a->config->network_container);
                if (r < 0)
                        return r;
        }
        r = load_networks(a, &networks);
        if (r < 0)
                return r;
        (void) read_host_resolv_conf(&resolv);
        r = net_plan_build(a->config, networks, resolv, &a->net, &err);
        for (size_t i = 0; i < a->config->n_networks; i++)
                network_config_free(networks[i]);
        free(networks);
        if (r < 0)
                return agent_fail(a, r, "Invalid network configuration: %s", err ?: strerror(-r));
        return check_masters(a);
}

int agent_network_enter(Agent *a) {
        if (a->net_join_fd < 0)
                return 0;
        a->net_saved_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (a->net_saved_fd < 0)
                return agent_fail(a, errno, "Failed to open our own network namespace: %m");
        if (setns(a->net_join_fd, CLONE_NEWNET) < 0)
                return agent_fail(a, errno, "Failed to enter the network namespace of container %s: %m",
                                  a->config->network_container);
        return 0;
}

void agent_network_leave(Agent *a) {
        if (a->net_saved_fd < 0)
                return;
        if (setns(a->net_saved_fd, CLONE_NEWNET) < 0)
                log_warning_errno(errno, "Failed to return to our own network namespace: %m");
        a->net_saved_fd = safe_close(a->net_saved_fd);
}

static void sleep_nsec(long nsec) {
        struct timespec t = { 0, nsec };

        (void) nanosleep(&t, NULL);
}

/* A veth pair in one request: the host side a port of the bridge and up, its peer born in the
 * container under its name there (up only later: the kernel refuses a veth peer that is made up
 * with ENOTCONN); then hairpin mode on the port (a container reaching its own
 * published port with br_netfilter on; rtnl.h). A start is a handful of requests: they count. */
static int make_veth(Agent *a, Rtnl *host, int netns_fd, const NetLink *l) {
        int r;

        for (unsigned i = 0;; i++) {
                r = rtnl_veth_create(host, l->host_name,
                                     &(RtnlLinkParams) { .mtu = l->mtu, .master = l->master_ifindex, .up = true },
                                     l->guest_name, netns_fd,
                                     &(RtnlLinkParams) { .mtu = l->mtu, .mac = l->has_mac ? &l->mac : NULL });
                if (r != -EEXIST || i >= LINK_BUSY_RETRIES)
                        break;
                /* A leftover of ours: a namespace that outlived its container, or the previous
                 * boot's of a rebooting one, which the kernel frees asynchronously. */
                if (rtnl_link_delete(host, l->host_name) >= 0)
                        log_debug("Removed a leftover link %s.", l->host_name);
                else
                        sleep_nsec(LINK_BUSY_WAIT_NSEC);
        }
        if (r < 0)
                return rtnl_fail(a, host, r, "Failed to create the veth %s of network %s", l->host_name, l->network);
        r = rtnl_bridge_port_set_hairpin(host, l->host_name, true);
        if (r < 0)
                return rtnl_fail(a, host, r, "Failed to set up the bridge port %s of network %s", l->host_name,
                                 l->network);
        return 0;
}

static int make_macvlan(Agent *a, Rtnl *host, int netns_fd, const NetLink *l) {
        int r;

        r = rtnl_macvlan_create(host, l->guest_name, l->master, (RtnlMacvlanMode) l->macvlan_mode, netns_fd,
                                &(RtnlLinkParams) { .mtu = l->mtu, .mac = l->has_mac ? &l->mac : NULL, .up = true });
        if (r < 0)
                return rtnl_fail(a, host, r, "Failed to create a macvlan on %s for network %s", l->master, l->network);
        return 0;
}

/* Inside: the addresses (no duplicate address detection: sysctr allocated them, and DAD would keep
 * an IPv6 address unusable for a second or more), the link up (a macvlan is born up), the default
 * routes (through a gateway of the link's subnet: the kernel finds the link itself). */
static int configure_inside(Agent *a, Rtnl *in, const NetLink *l) {
        int r;

        for (size_t i = 0; i < l->n_addresses; i++) {
                r = rtnl_address_add(in, l->guest_name, &l->addresses[i], RTNL_ADDRESS_NODAD);
                if (r < 0)
                        return rtnl_fail(a, in, r, "Failed to add an address to %s (network %s)", l->guest_name,
                                         l->network);
        }
        if (l->kind == NET_LINK_VETH && (r = rtnl_link_set_up(in, l->guest_name, true)) < 0)
                return rtnl_fail(a, in, r, "Failed to bring up %s (network %s)", l->guest_name, l->network);
        for (int family = AF_INET; family != 0; family = family == AF_INET ? AF_INET6 : 0) {
                bool has = family == AF_INET ? l->has_gateway4 : l->has_gateway6;
                RtnlRoute route = { .dst.family = family, .has_gateway = true,
                                    .gateway = family == AF_INET ? l->gateway4 : l->gateway6 };

                if (!has)
                        continue;
                r = rtnl_route_add(in, &route);
                if (r < 0 && r != -EEXIST)
                        return rtnl_fail(a, in, r, "Failed to add the default route of %s (network %s)", l->guest_name,
                                         l->network);
        }
        return 0;
}

static int remember_host_ifindex(Agent *a, Rtnl *host, const char *name) {
        int *grown, index = rtnl_link_index(host, name);

        if (index < 0)
                return 0;
        grown = reallocarray(a->net_ifindices, a->n_net_ifindices + 1, sizeof(int));
        if (!grown)
                return log_oom();
        a->net_ifindices = grown;
        a->net_ifindices[a->n_net_ifindices++] = index;
        return 0;
}

int agent_network_setup(pid_t child, void *userdata) {
        _cleanup_(rtnl_freep) Rtnl *host = NULL, *in = NULL;
        _cleanup_close_ int netns_fd = -EBADF;
        uint64_t t0 = now(CLOCK_MONOTONIC);
        Agent *a = userdata;
        char path[64];
        int r;

        /* Only a namespace of the container's own is ours to plumb. */
        if (a->net->mode != NETWORK_MODE_PRIVATE && a->net->mode != NETWORK_MODE_NONE)
                return 0;
        (void) snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) child);
        netns_fd = netns_open(path);
        if (netns_fd < 0)
                return agent_fail(a, netns_fd, "Failed to open the container's network namespace: %m");
        r = rtnl_open(netns_fd, &in);
        if (r >= 0 && a->net->n_links > 0)
                r = rtnl_open(-1, &host);
        if (r < 0)
                return agent_fail(a, r, "Failed to open rtnetlink: %m");
        r = rtnl_link_set_up(in, "lo", true);
        if (r < 0)
                return rtnl_fail(a, in, r, "Failed to bring up lo in the container");
        a->n_net_ifindices = 0;
        for (size_t i = 0; i < a->net->n_links; i++) {
                const NetLink *l = &a->net->links[i];

                r = l->kind == NET_LINK_VETH ? make_veth(a, host, netns_fd, l) : make_macvlan(a, host, netns_fd, l);
                if (r >= 0)
                        r = configure_inside(a, in, l);
                if (r >= 0 && l->kind == NET_LINK_VETH)
                        r = remember_host_ifindex(a, host, l->host_name);
                if (r < 0)
                        return r;
        }
        if (a->net->n_links > 0)
                log_info("Network: %zu link%s plumbed in %.1f ms.", a->net->n_links, a->net->n_links == 1 ? "" : "s",
                         (double) (now(CLOCK_MONOTONIC) - t0) / 1000.0);
        return 0;
}

void agent_network_cleanup(Agent *a) {
        _cleanup_(rtnl_freep) Rtnl *host = NULL;

        a->net_join_fd = safe_close(a->net_join_fd);
        agent_network_leave(a);
        if (!a->net || rtnl_open(-1, &host) < 0)
                return;
        for (size_t i = 0; i < a->net->n_links; i++) {
                const NetLink *l = &a->net->links[i];
                int r;

                if (l->kind != NET_LINK_VETH)
                        continue;
                /* Deleting one end of a veth deletes both; usually the kernel did already, with the
                 * container's namespace. */
                r = rtnl_link_delete(host, l->host_name);
                if (r < 0 && r != -ENODEV)
                        log_warning_errno(r, "Failed to remove the link %s: %m", l->host_name);
        }
}
