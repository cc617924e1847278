/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/socket.h>

#include "dnsmasq-config.h"
#include "name.h"
#include "strv.h"

#define DEFAULT_LEASE_SECONDS 3600U
#define DEFAULT_RESOLV_FILE "/etc/resolv.conf"

static void fclose_memstream(FILE **f) {
        if (*f)
                (void) fclose(*f);
}

/* A path that ends up on a line of dnsmasq's configuration: absolute, and nothing that could end the
 * line or start another option (dnsmasq has no quoting for file names). */
static bool path_is_usable(const char *p) {
        if (!p || p[0] != '/')
                return false;
        for (const char *c = p; *c; c++)
                if ((unsigned char) *c < ' ' || *c == 0x7f || *c == ',' || *c == '#')
                        return false;
        return true;
}

static int network_check(const DnsmasqNetwork *n) {
        const char *paths[] = { n->pid_file, n->lease_file, n->hosts_file, n->dhcp_hosts_file };

        if (!network_name_is_valid(n->name) || !ifname_is_valid(n->ifname) ||
            (n->domain && !hostname_is_valid(n->domain)))
                return -EINVAL;
        if (n->subnet4.family == 0 && n->subnet6.family == 0)
                return -EINVAL;
        if (n->subnet4.family != 0 &&
            (n->subnet4.family != AF_INET || !in_addr_prefix_contains(&n->subnet4, AF_INET, &n->gateway4)))
                return -EINVAL;
        if (n->subnet6.family != 0 &&
            (n->subnet6.family != AF_INET6 || !in_addr_prefix_contains(&n->subnet6, AF_INET6, &n->gateway6)))
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(paths); i++)
                if (!path_is_usable(paths[i]))
                        return -EINVAL;
        if (n->resolv_file && !path_is_usable(n->resolv_file))
                return -EINVAL;
        STRV_FOREACH (s, n->servers) {
                int family;

                if (in_addr_from_string(AF_UNSPEC, *s, &family, NULL) < 0)
                        return -EINVAL;
        }
        return 0;
}

static void write_listen(FILE *f, const DnsmasqNetwork *n) {
        fputs("# Serve the bridge only, on its own addresses: never the wildcard 0.0.0.0:53 or [::]:53,\n"
              "# which belong to the host (its own resolver) and to other networks' dnsmasqs.\n"
              "# bind-dynamic binds each address of the bridge as it appears, so dnsmasq may start\n"
              "# before the bridge's addresses are all configured.\n",
              f);
        fprintf(f, "interface=%s\nexcept-interface=lo\nbind-dynamic\n\n", n->ifname);
}

static void write_files(FILE *f, const DnsmasqNetwork *n) {
        fprintf(f, "pid-file=%s\ndhcp-leasefile=%s\n\n", n->pid_file, n->lease_file);
}

static const char *domain(const DnsmasqNetwork *n) {
        return n->domain ?: n->name;
}

static void write_dns(FILE *f, const DnsmasqNetwork *n) {
        fputs("# Names: the network's containers as NAME.DOMAIN and NAME, from sysctr's hosts file\n"
              "# (reread on SIGHUP). Not the host's /etc/hosts: its names are the host's business.\n"
              "# Nothing about this domain, no plain name and no private reverse lookup goes upstream.\n",
              f);
        fprintf(f, "no-hosts\naddn-hosts=%s\ndomain=%s\nlocal=/%s/\ndomain-needed\nbogus-priv\n\n",
                n->hosts_file, domain(n), domain(n));

        if (n->servers) {
                fputs("# Upstream: the servers sysctr was given, nothing from resolv.conf.\nno-resolv\n", f);
                STRV_FOREACH (s, n->servers)
                        fprintf(f, "server=%s\n", *s);
        } else
                fprintf(f,
                        "# Upstream: the nameserver lines of %s (nothing else of it is used).\n"
                        "resolv-file=%s\n",
                        n->resolv_file ?: DEFAULT_RESOLV_FILE, n->resolv_file ?: DEFAULT_RESOLV_FILE);
        fputc('\n', f);
}

static uint32_t lease_max(const DnsmasqNetwork *n) {
        /* dnsmasq refuses leases beyond dhcp-lease-max (default 1000): allow one per address the
         * IPv4 subnet holds (or a generous bound for large or IPv6-only networks). */
        if (n->subnet4.family == AF_INET && n->subnet4.prefixlen >= 12)
                return (UINT32_C(1) << (32 - n->subnet4.prefixlen)) - 2;
        return 1U << 20;
}

static void write_dhcp(FILE *f, const DnsmasqNetwork *n) {
        char a[IN_ADDR_STRLEN], m[IN_ADDR_STRLEN];
        uint32_t lease = n->lease_seconds ?: DEFAULT_LEASE_SECONDS;

        fprintf(f,
                "# DHCP: static leases only, one per container (keyed by its MAC, with the address sysctr\n"
                "# allocated), from the dhcp-hosts file (reread on SIGHUP). No dynamic pool: sysctr is the\n"
                "# only allocator of these subnets. Authoritative: the subnet is ours, so a client asking\n"
                "# for a lease dnsmasq does not know (after a restart) gets an answer at once, unless the\n"
                "# link is shared with other hosts' servers (vxlan), whose clients it must leave alone.\n"
                "dhcp-hostsfile=%s\n%sdhcp-lease-max=%" PRIu32 "\n",
                n->dhcp_hosts_file, n->shared_link ? "" : "dhcp-authoritative\n", lease_max(n));

        if (n->subnet4.family == AF_INET) {
                union in_addr_union network = n->subnet4.address, mask = {};

                in_addr_mask(AF_INET, &network, n->subnet4.prefixlen);
                mask.in.s_addr =
                        n->subnet4.prefixlen == 0 ? 0 : htonl(UINT32_MAX << (32 - n->subnet4.prefixlen));
                fprintf(f, "dhcp-range=%s,static,%s,%" PRIu32 "\n", in_addr_to_string(AF_INET, &network, a),
                        in_addr_to_string(AF_INET, &mask, m), lease);
                fprintf(f, "dhcp-option=option:router,%s\n", in_addr_to_string(AF_INET, &n->gateway4, a));
                fprintf(f, "dhcp-option=option:dns-server,%s\n", a);
        }
        if (n->subnet6.family == AF_INET6) {
                union in_addr_union network = n->subnet6.address;

                in_addr_mask(AF_INET6, &network, n->subnet6.prefixlen);
                fputs("# IPv6: router advertisements (managed: ask DHCPv6), and the same static leases "
                      "over\n"
                      "# DHCPv6, which dnsmasq matches by the MAC of clients on the link.\n"
                      "enable-ra\n",
                      f);
                fprintf(f, "dhcp-range=%s,static,%u,%" PRIu32 "\n", in_addr_to_string(AF_INET6, &network, a),
                        n->subnet6.prefixlen, lease);
                fprintf(f, "dhcp-option=option6:dns-server,[%s]\n",
                        in_addr_to_string(AF_INET6, &n->gateway6, a));
        }
        fputc('\n', f);
}

int dnsmasq_config_build(const DnsmasqNetwork *n, char **ret) {
        _cleanup_(fclose_memstream) FILE *f = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t size;
        int r;

        r = network_check(n);
        if (r < 0)
                return r;
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;

        fprintf(f,
                "# dnsmasq configuration of the sysctr network %s, written by sysctrd: do not edit.\n"
                "# Run as: dnsmasq --conf-file=THIS-FILE --keep-in-foreground (nothing else is read).\n\n",
                n->name);
        write_listen(f, n);
        write_files(f, n);
        write_dns(f, n);
        write_dhcp(f, n);
        fputs("# Log to stderr, which sysctrd collects (dnsmasq runs in the foreground).\nlog-facility=-\n",
              f);

        if (fclose(TAKE_PTR(f)) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

static int host_check(const DnsmasqNetwork *n, const DnsmasqHost *h) {
        if (!container_name_is_valid(h->name))
                return -EINVAL;
        if (h->has_in4 &&
            (n->subnet4.family != AF_INET ||
             !in_addr_prefix_contains(&n->subnet4, AF_INET, (const union in_addr_union *) &h->in4)))
                return -EDOM;
        if (h->has_in6 &&
            (n->subnet6.family != AF_INET6 ||
             !in_addr_prefix_contains(&n->subnet6, AF_INET6, (const union in_addr_union *) &h->in6)))
                return -EDOM;
        return 0;
}

typedef void (*HostWriter)(FILE *f, const DnsmasqNetwork *n, const DnsmasqHost *h);

static int hosts_file_build(const DnsmasqNetwork *n, const DnsmasqHost *hosts, size_t n_hosts,
                            const char *what, HostWriter writer, char **ret) {
        _cleanup_(fclose_memstream) FILE *f = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t size;
        int r;

        if (!network_name_is_valid(n->name) || (n->domain && !hostname_is_valid(n->domain)))
                return -EINVAL;
        for (size_t i = 0; i < n_hosts; i++) {
                r = host_check(n, &hosts[i]);
                if (r < 0)
                        return r;
        }
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fprintf(f, "# %s of the sysctr network %s, written by sysctrd: do not edit.\n", what, n->name);
        for (size_t i = 0; i < n_hosts; i++)
                writer(f, n, &hosts[i]);
        if (fclose(TAKE_PTR(f)) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

static void write_host(FILE *f, const DnsmasqNetwork *n, const DnsmasqHost *h) {
        char a[IN_ADDR_STRLEN];

        if (h->has_in4)
                fprintf(f, "%s %s.%s %s\n",
                        in_addr_to_string(AF_INET, (const union in_addr_union *) &h->in4, a), h->name,
                        domain(n), h->name);
        if (h->has_in6)
                fprintf(f, "%s %s.%s %s\n",
                        in_addr_to_string(AF_INET6, (const union in_addr_union *) &h->in6, a), h->name,
                        domain(n), h->name);
}

static void write_dhcp_host(FILE *f, const DnsmasqNetwork *n, const DnsmasqHost *h) {
        const uint8_t *m = h->mac.ether_addr_octet;
        char a[IN_ADDR_STRLEN];

        if (!h->has_mac || (!h->has_in4 && !h->has_in6))
                return;
        fprintf(f, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
        if (h->has_in4)
                fprintf(f, ",%s", in_addr_to_string(AF_INET, (const union in_addr_union *) &h->in4, a));
        if (h->has_in6)
                fprintf(f, ",[%s]", in_addr_to_string(AF_INET6, (const union in_addr_union *) &h->in6, a));
        fprintf(f, ",%s\n", h->name);
}

int dnsmasq_hosts_build(const DnsmasqNetwork *n, const DnsmasqHost *hosts, size_t n_hosts, char **ret) {
        return hosts_file_build(n, hosts, n_hosts, "Hosts", write_host, ret);
}

int dnsmasq_dhcp_hosts_build(const DnsmasqNetwork *n, const DnsmasqHost *hosts, size_t n_hosts, char **ret) {
        return hosts_file_build(n, hosts, n_hosts, "Static DHCP leases", write_dhcp_host, ret);
}

int dnsmasq_argv(const char *binary, const char *config_path, char ***ret) {
        _cleanup_strv_free_ char **argv = NULL;
        char *conf;

        if (!path_is_usable(config_path) || isempty(binary))
                return -EINVAL;
        if (asprintf(&conf, "--conf-file=%s", config_path) < 0)
                return -ENOMEM;
        if (strv_extend(&argv, binary) < 0 || strv_push(&argv, conf) < 0 ||
            strv_extend(&argv, "--keep-in-foreground") < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(argv);
        return 0;
}
