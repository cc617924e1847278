/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <fcntl.h>
#include <netinet/ether.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "dnsmasq-config.h"
#include "fileio.h"
#include "strv.h"
#include "tap.h"

static InAddrPrefix prefix(const char *s) {
        InAddrPrefix p;

        assert(in_addr_prefix_from_string(AF_UNSPEC, s, &p) == 0);
        return p;
}

static union in_addr_union addr(const char *s) {
        union in_addr_union a;
        int family;

        assert(in_addr_from_string(AF_UNSPEC, s, &family, &a) == 0);
        return a;
}

static bool has_line(const char *text, const char *line) {
        size_t n = strlen(line);

        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strneq(p, line, n) && (p[n] == '\n' || p[n] == '\0'))
                        return true;
        return false;
}

static DnsmasqNetwork network(void) {
        return (DnsmasqNetwork) {
                .name = "lan0",
                .ifname = "sxbr-lan0",
                .subnet4 = prefix("10.88.0.0/24"),
                .gateway4 = addr("10.88.0.1"),
                .subnet6 = prefix("fd42:1:2:3::/64"),
                .gateway6 = addr("fd42:1:2:3::1"),
                .pid_file = "/run/sysctr/networks/lan0/dnsmasq.pid",
                .lease_file = "/var/lib/sysctr/networks/lan0/dnsmasq.leases",
                .hosts_file = "/run/sysctr/networks/lan0/hosts",
                .dhcp_hosts_file = "/run/sysctr/networks/lan0/dhcp-hosts",
        };
}

static void test_config(void) {
        DnsmasqNetwork n = network();
        _cleanup_free_ char *c = NULL;
        char *servers[] = { (char *) "192.0.2.53", (char *) "2001:db8::53", NULL };

        ok(dnsmasq_config_build(&n, &c) == 0, "build the configuration");
        diag("%s", c);
        ok(has_line(c, "interface=sxbr-lan0"), "bound to the bridge");
        ok(has_line(c, "except-interface=lo"), "never loopback");
        ok(has_line(c, "bind-dynamic"), "bound to addresses, not the wildcard");
        ok(!has_line(c, "bind-interfaces") && !strstr(c, "listen-address="),
           "no wildcard, no other address");
        ok(has_line(c, "no-hosts"), "the host's /etc/hosts is not served");
        ok(has_line(c, "addn-hosts=/run/sysctr/networks/lan0/hosts"), "the hosts file");
        ok(has_line(c, "domain=lan0") && has_line(c, "local=/lan0/"), "the domain, answered locally");
        ok(has_line(c, "domain-needed") && has_line(c, "bogus-priv"),
           "no plain names or private PTR upstream");
        ok(has_line(c, "resolv-file=/etc/resolv.conf"), "upstream from the host's resolv.conf by default");
        ok(has_line(c, "dhcp-range=10.88.0.0,static,255.255.255.0,3600"), "static IPv4 leases only");
        ok(has_line(c, "dhcp-range=fd42:1:2:3::,static,64,3600"), "static IPv6 leases only");
        ok(has_line(c, "enable-ra"), "router advertisements");
        ok(has_line(c, "dhcp-option=option:router,10.88.0.1"), "router option");
        ok(has_line(c, "dhcp-option=option6:dns-server,[fd42:1:2:3::1]"), "IPv6 DNS option");
        ok(has_line(c, "dhcp-hostsfile=/run/sysctr/networks/lan0/dhcp-hosts"), "static leases file");
        ok(has_line(c, "pid-file=/run/sysctr/networks/lan0/dnsmasq.pid"), "pid file");
        ok(has_line(c, "dhcp-leasefile=/var/lib/sysctr/networks/lan0/dnsmasq.leases"), "lease file");
        ok(has_line(c, "dhcp-lease-max=254"), "a lease for every address of the /24");
        free(c);
        c = NULL;

        n.servers = servers;
        n.subnet6.family = 0;
        n.lease_seconds = 600;
        ok(dnsmasq_config_build(&n, &c) == 0, "IPv4 only, explicit servers");
        ok(has_line(c, "no-resolv") && has_line(c, "server=192.0.2.53") &&
                   has_line(c, "server=2001:db8::53"),
           "explicit servers, no resolv.conf");
        ok(!strstr(c, "enable-ra") && !strstr(c, "option6"), "nothing IPv6");
        ok(has_line(c, "dhcp-range=10.88.0.0,static,255.255.255.0,600"), "lease time");
        ok(has_line(c, "dhcp-authoritative"), "authoritative on a bridge of its own");
        free(c);
        c = NULL;

        n.shared_link = true;
        ok(dnsmasq_config_build(&n, &c) == 0, "a bridge shared with other hosts (vxlan)");
        ok(!strstr(c, "dhcp-authoritative") && has_line(c, "dhcp-range=10.88.0.0,static,255.255.255.0,600"),
           "...not authoritative: the other hosts' clients are left to their own server");
}

static void test_bad_config(void) {
        static const char * const bad_paths[] = { "relative/pid", "/run/x\nserver=1.2.3.4", "/run/a,b",
                                                  "/run/#x" };
        DnsmasqNetwork n;
        char *c = NULL;
        char *bad_server[] = { (char *) "8.8.8.8#53", NULL };

        n = network();
        n.name = "Lan0";
        is_int(dnsmasq_config_build(&n, &c), -EINVAL, "a bad network name is refused");
        n = network();
        n.ifname = "a/b";
        is_int(dnsmasq_config_build(&n, &c), -EINVAL, "a bad interface name is refused");
        for (size_t i = 0; i < ELEMENTSOF(bad_paths); i++) {
                n = network();
                n.pid_file = bad_paths[i];
                is_int(dnsmasq_config_build(&n, &c), -EINVAL, "pid file path %zu refused", i);
        }
        n = network();
        n.gateway4 = addr("10.89.0.1");
        is_int(dnsmasq_config_build(&n, &c), -EINVAL, "a gateway outside its subnet is refused");
        n = network();
        n.servers = bad_server;
        is_int(dnsmasq_config_build(&n, &c), -EINVAL, "a server that is not an address is refused");
        n = network();
        n.subnet4.family = n.subnet6.family = 0;
        is_int(dnsmasq_config_build(&n, &c), -EINVAL, "a network without subnets is refused");
        ok(!c, "nothing returned on failure");
}

static DnsmasqHost host(const char *name, const char *mac, const char *in4, const char *in6) {
        DnsmasqHost h = { .name = name };

        if (mac) {
                assert(ether_aton_r(mac, &h.mac));
                h.has_mac = true;
        }
        if (in4) {
                h.has_in4 = true;
                h.in4 = addr(in4).in;
        }
        if (in6) {
                h.has_in6 = true;
                h.in6 = addr(in6).in6;
        }
        return h;
}

static void test_hosts(void) {
        DnsmasqNetwork n = network();
        DnsmasqHost hosts[] = {
                host("web1", "52:54:00:12:34:56", "10.88.0.2", "fd42:1:2:3::2"),
                host("db", "52:54:00:ab:cd:ef", "10.88.0.3", NULL),
                host("dnsonly", NULL, "10.88.0.4", NULL),
        };
        DnsmasqHost outside = host("x", NULL, "10.89.0.2", NULL), bad = host("X_y", NULL, NULL, NULL);
        _cleanup_free_ char *h = NULL, *d = NULL;
        char *c = NULL;

        ok(dnsmasq_hosts_build(&n, hosts, ELEMENTSOF(hosts), &h) == 0, "hosts file");
        ok(has_line(h, "10.88.0.2 web1.lan0 web1"), "web1 IPv4");
        ok(has_line(h, "fd42:1:2:3::2 web1.lan0 web1"), "web1 IPv6");
        ok(has_line(h, "10.88.0.3 db.lan0 db") && has_line(h, "10.88.0.4 dnsonly.lan0 dnsonly"),
           "the others");
        ok(dnsmasq_dhcp_hosts_build(&n, hosts, ELEMENTSOF(hosts), &d) == 0, "static leases");
        ok(has_line(d, "52:54:00:12:34:56,10.88.0.2,[fd42:1:2:3::2],web1"), "web1's lease, both families");
        ok(has_line(d, "52:54:00:ab:cd:ef,10.88.0.3,db"), "db's lease");
        ok(!strstr(d, "dnsonly"), "no lease without a MAC");
        is_int(dnsmasq_hosts_build(&n, &outside, 1, &c), -EDOM, "an address outside the subnet is refused");
        is_int(dnsmasq_dhcp_hosts_build(&n, &bad, 1, &c), -EINVAL, "a bad name is refused");
}

static void test_domain(void) {
        DnsmasqNetwork n = network();
        DnsmasqHost h = host("web1", NULL, "10.88.0.2", NULL);
        _cleanup_free_ char *c = NULL, *hosts = NULL;
        char *bad = NULL;

        n.domain = "corp.example";
        ok(dnsmasq_config_build(&n, &c) == 0, "a network with a domain of its own");
        ok(has_line(c, "domain=corp.example") && has_line(c, "local=/corp.example/"), "...served, locally");
        ok(dnsmasq_hosts_build(&n, &h, 1, &hosts) == 0 && has_line(hosts, "10.88.0.2 web1.corp.example web1"),
           "...names in it");
        n.domain = "bad_domain";
        is_int(dnsmasq_config_build(&n, &bad), -EINVAL, "a bad domain is refused");
}

/* dnsmasq itself must accept what we write: run "dnsmasq --test" on it when dnsmasq is installed. */
static void test_dnsmasq_accepts(void) {
        const char *dnsmasq = NULL,
                   *candidates[] = { "/usr/sbin/dnsmasq", "/sbin/dnsmasq", "/usr/bin/dnsmasq" };
        _cleanup_free_ char *dir = NULL, *conf = NULL, *text = NULL, *hosts = NULL, *leases = NULL;
        _cleanup_strv_free_ char **argv = NULL;
        DnsmasqNetwork n = network();
        DnsmasqHost h = host("web1", "52:54:00:12:34:56", "10.88.0.2", "fd42:1:2:3::2");
        char *pid_file, *lease_file, *hosts_file, *dhcp_file;
        int status;
        pid_t pid;

        for (size_t i = 0; i < ELEMENTSOF(candidates) && !dnsmasq; i++)
                if (access(candidates[i], X_OK) == 0)
                        dnsmasq = candidates[i];
        if (!dnsmasq) {
                printf("ok %u # SKIP dnsmasq is not installed\n", ++tap_count);
                return;
        }
        dir = test_mkdtemp("test-dnsmasq-config");
        assert(dir);
        assert(asprintf(&conf, "%s/dnsmasq.conf", dir) > 0 && asprintf(&pid_file, "%s/pid", dir) > 0 &&
               asprintf(&lease_file, "%s/leases", dir) > 0 && asprintf(&hosts_file, "%s/hosts", dir) > 0 &&
               asprintf(&dhcp_file, "%s/dhcp-hosts", dir) > 0);
        n.pid_file = pid_file;
        n.lease_file = lease_file;
        n.hosts_file = hosts_file;
        n.dhcp_hosts_file = dhcp_file;
        assert(dnsmasq_config_build(&n, &text) == 0 && dnsmasq_hosts_build(&n, &h, 1, &hosts) == 0 &&
               dnsmasq_dhcp_hosts_build(&n, &h, 1, &leases) == 0);
        assert(write_file_atomic(conf, text, strlen(text), 0644) == 0);
        assert(write_file_atomic(hosts_file, hosts, strlen(hosts), 0644) == 0);
        assert(write_file_atomic(dhcp_file, leases, strlen(leases), 0644) == 0);
        assert(dnsmasq_argv(dnsmasq, conf, &argv) == 0);
        ok(strv_length(argv) == 3 && streq(argv[2], "--keep-in-foreground"), "command line");
        assert(strv_extend(&argv, "--test") == 0);

        pid = fork();
        assert(pid >= 0);
        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY);

                dup2(null, STDOUT_FILENO);
                dup2(null, STDERR_FILENO);
                execv(argv[0], argv);
                _exit(127);
        }
        assert(waitpid(pid, &status, 0) == pid);
        ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "dnsmasq --test accepts the configuration");
        free(pid_file);
        free(lease_file);
        free(hosts_file);
        free(dhcp_file);
        assert(rm_rf(dir) >= 0);
}

int main(void) {
        test_config();
        test_bad_config();
        test_hosts();
        test_domain();
        test_dnsmasq_accepts();
        return done_testing();
}
