/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The doctor: what on this host breaks the traffic of sysctr's networks, and what the administrator
 * can do about it. We never flush or edit another table (DESIGN.md): nftables runs every base chain
 * of a hook, and an accept in our chain does not spare a packet their drop, so the only cure for a
 * foreign drop policy is an accept in their chain, which is the administrator's call. Pure: the
 * facts come from nft_chains_list() and nft_doctor_facts_read() (nft.c). */
#include <net/if.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter_bridge.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "nft.h"
#include "strv.h"

static const char * const nft_severity_table[_NFT_SEVERITY_MAX] = {
        [NFT_SEVERITY_ERROR] = "error",
        [NFT_SEVERITY_WARNING] = "warning",
        [NFT_SEVERITY_INFO] = "info",
};

const char *nft_severity_to_string(NftSeverity s) {
        return s >= 0 && s < _NFT_SEVERITY_MAX ? nft_severity_table[s] : NULL;
}

typedef struct Findings {
        NftFinding *items;
        size_t n;
} Findings;

void nft_findings_free(NftFinding *f, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(f[i].problem);
                free(f[i].remedy);
        }
        free(f);
}

/* Adds a finding; remedy is already formatted (and taken over, also on failure). */
_printf_(4, 5) static int add(Findings *l, NftSeverity severity, char *remedy, const char *format, ...) {
        _cleanup_free_ char *problem = NULL, *r = remedy;
        NftFinding *grown;
        va_list ap;
        int k;

        va_start(ap, format);
        k = vasprintf(&problem, format, ap);
        va_end(ap);
        if (k < 0 || !r)
                return -ENOMEM;
        grown = reallocarray(l->items, l->n + 1, sizeof(NftFinding));
        if (!grown)
                return -ENOMEM;
        l->items = grown;
        l->items[l->n++] = (NftFinding) { severity, TAKE_PTR(problem), TAKE_PTR(r) };
        return 0;
}

_printf_(1, 2) static char *text(const char *format, ...) {
        va_list ap;
        char *s;
        int k;

        va_start(ap, format);
        k = vasprintf(&s, format, ap);
        va_end(ap);
        return k < 0 ? NULL : s;
}

static const char *family_name(int family) {
        switch (family) {
        case NFPROTO_INET:
                return "inet";
        case NFPROTO_IPV4:
                return "ip";
        case NFPROTO_IPV6:
                return "ip6";
        case NFPROTO_ARP:
                return "arp";
        case NFPROTO_BRIDGE:
                return "bridge";
        case NFPROTO_NETDEV:
                return "netdev";
        default:
                return "?";
        }
}

typedef enum Firewall {
        FIREWALL_OTHER,
        FIREWALL_DOCKER,
        FIREWALL_UFW,
        FIREWALL_FIREWALLD,
} Firewall;

/* Who made the table of chain c, from its neighbours: Docker provides DOCKER-USER for rules of the
 * administrator's, ufw names its chains ufw-*, firewalld has a table of its own name. */
static Firewall firewall_of(const NftDoctorFacts *facts, const NftChainInfo *c) {
        if (streq(c->table, "firewalld"))
                return FIREWALL_FIREWALLD;
        for (size_t i = 0; i < facts->n_chains; i++) {
                const NftChainInfo *o = &facts->chains[i];

                if (o->family != c->family || !streq(o->table, c->table))
                        continue;
                if (streq(o->name, "DOCKER-USER"))
                        return FIREWALL_DOCKER;
                if (strneq(o->name, "ufw-", 4) || strneq(o->name, "ufw6-", 5))
                        return FIREWALL_UFW;
        }
        return FIREWALL_OTHER;
}

/* The bridges for a command: "sysctr0", or "{ "a", "b" }" for nft; NULL on OOM. */
static char *bridges_nft(const NftDoctorFacts *facts) {
        _cleanup_free_ char *joined = NULL;

        if (strv_length(facts->bridges) == 0)
                return strdup("\"BRIDGE\"");
        if (strv_length(facts->bridges) == 1)
                return text("\"%s\"", facts->bridges[0]);
        joined = strv_join(facts->bridges, "\", \"");
        return joined ? text("{ \"%s\" }", joined) : NULL;
}

/* One command per bridge, "; " between them: format holds %1$s for the bridge. */
static char *per_bridge(const NftDoctorFacts *facts, const char *format) {
        char * const fallback[] = { (char *) "BRIDGE", NULL };
        char * const *l = strv_length(facts->bridges) > 0 ? facts->bridges : fallback;
        _cleanup_free_ char *s = NULL;

        STRV_FOREACH(b, l) {
                _cleanup_free_ char *one = NULL;
                char *joined;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
                if (asprintf(&one, format, *b) < 0)
                        return NULL;
#pragma GCC diagnostic pop
                joined = text("%s%s%s", strempty(s), s ? "; " : "", one);
                if (!joined)
                        return NULL;
                free(s);
                s = joined;
        }
        return TAKE_PTR(s);
}

static char *forward_remedy(const NftDoctorFacts *facts, const NftChainInfo *c) {
        _cleanup_free_ char *b = NULL, *commands = NULL;

        switch (firewall_of(facts, c)) {
        case FIREWALL_DOCKER:
                commands = per_bridge(facts, "iptables -I DOCKER-USER -i %1$s -j ACCEPT; "
                                             "iptables -I DOCKER-USER -o %1$s -j ACCEPT");
                return commands ? text("%s (and the same with ip6tables)", commands) : NULL;
        case FIREWALL_UFW:
                return per_bridge(facts, "ufw route allow in on %1$s; ufw route allow out on %1$s");
        case FIREWALL_FIREWALLD:
                return per_bridge(facts, "firewall-cmd --permanent --zone=trusted --add-interface=%1$s");
        default:
                b = bridges_nft(facts);
                if (!b)
                        return NULL;
                return text("nft insert rule %1$s %2$s %3$s iifname %4$s accept; "
                            "nft insert rule %1$s %2$s %3$s oifname %4$s accept (or the same in the "
                            "configuration that makes that table)",
                            family_name(c->family), c->table, c->name, b);
        }
}

static char *input_remedy(const NftDoctorFacts *facts, const NftChainInfo *c) {
        _cleanup_free_ char *b = NULL;

        switch (firewall_of(facts, c)) {
        case FIREWALL_UFW:
                return per_bridge(facts, "ufw allow in on %1$s to any port 53; "
                                         "ufw allow in on %1$s to any port 67 proto udp; "
                                         "ufw allow in on %1$s to any port 547 proto udp");
        case FIREWALL_FIREWALLD:
                return per_bridge(facts, "firewall-cmd --permanent --zone=trusted --add-interface=%1$s");
        default:
                b = bridges_nft(facts);
                if (!b)
                        return NULL;
                return text("nft insert rule %s %s %s iifname %s meta l4proto . th dport "
                            "{ udp . 53, tcp . 53, udp . 67, udp . 547 } accept",
                            family_name(c->family), c->table, c->name, b);
        }
}

/* A base chain of someone else's table whose policy drops what it does not accept. */
static int doctor_chain(Findings *l, const NftDoctorFacts *facts, const NftChainInfo *c) {
        bool ours = c->family == NFPROTO_INET && streq(c->table, NFT_TABLE_NAME);
        _cleanup_free_ char *b = NULL;

        if (ours || !c->type || !c->policy_drop)
                return 0;
        if (c->family == NFPROTO_BRIDGE && c->hook == NF_BR_FORWARD) {
                b = bridges_nft(facts);
                return add(l, NFT_SEVERITY_ERROR,
                           b ? text("nft insert rule bridge %s %s meta ibrname %s accept", c->table, c->name, b) : NULL,
                           "table bridge %s, chain %s: hook forward, policy drop: frames between containers of "
                           "one sysctr bridge are dropped there unless that chain accepts them",
                           c->table, c->name);
        }
        if (c->family != NFPROTO_INET && c->family != NFPROTO_IPV4 && c->family != NFPROTO_IPV6)
                return 0;
        if (c->hook == NF_INET_FORWARD)
                return add(l, NFT_SEVERITY_ERROR, forward_remedy(facts, c),
                           "table %s %s, chain %s: hook forward, policy drop: traffic of sysctr's bridges (to the "
                           "outside, published ports%s) is dropped there unless that chain accepts it first",
                           family_name(c->family), c->table, c->name,
                           facts->bridge_nf_call_iptables == 1 ? ", and with br_netfilter on, even between "
                                                                 "containers of one bridge" : "");
        if (c->hook == NF_INET_LOCAL_IN)
                return add(l, NFT_SEVERITY_WARNING, input_remedy(facts, c),
                           "table %s %s, chain %s: hook input, policy drop: DNS and DHCP from containers to their "
                           "bridge (udp 53, tcp 53, udp 67, udp 547) are dropped there unless that chain accepts "
                           "them",
                           family_name(c->family), c->table, c->name);
        return 0;
}

static int doctor_sysctls(Findings *l, const NftDoctorFacts *facts) {
        int r = 0;

        if (facts->ip_forward == 0)
                r = add(l, NFT_SEVERITY_ERROR,
                        strdup("sysctl -w net.ipv4.ip_forward=1, and keep it in /etc/sysctl.d/ (sysctrd turns it "
                               "on when it brings up a bridge network: something turned it off again)"),
                        "net.ipv4.ip_forward is 0: the host does not route IPv4, so containers of bridge networks "
                        "reach nothing beyond the host, and published ports do not work");
        if (r >= 0 && facts->ipv6_forwarding == 0)
                r = add(l, NFT_SEVERITY_WARNING,
                        strdup("set accept_ra=2 on the links the host configures by SLAAC (forwarding makes the "
                               "kernel ignore router advertisements otherwise), then sysctl -w "
                               "net.ipv6.conf.all.forwarding=1"),
                        "net.ipv6.conf.all.forwarding is 0: the host does not route IPv6 for containers of bridge "
                        "networks");
        if (r >= 0 && facts->bridge_nf_call_iptables == 1)
                r = add(l, NFT_SEVERITY_INFO,
                        strdup("nothing, unless a forward chain above drops their traffic; if nothing on the host "
                               "needs br_netfilter (Docker does), sysctl -w net.bridge.bridge-nf-call-iptables=0"),
                        "br_netfilter is on (net.bridge.bridge-nf-call-iptables=1): frames between containers of "
                        "one bridge pass the forward chains of every table too (sysctr's own rules work either "
                        "way)");
        return r;
}

static int compare_severity(const void *a, const void *b) {
        const NftFinding *x = a, *y = b;

        return x->severity < y->severity ? -1 : x->severity > y->severity;
}

int nft_doctor(const NftDoctorFacts *facts, NftFinding **ret, size_t *ret_n) {
        Findings l = {};
        int r;

        r = doctor_sysctls(&l, facts);
        for (size_t i = 0; r >= 0 && i < facts->n_chains; i++)
                r = doctor_chain(&l, facts, &facts->chains[i]);
        if (r < 0) {
                nft_findings_free(l.items, l.n);
                return r;
        }
        /* Most severe first, in the order found within a severity: an insertion sort is stable (and
         * there are a handful of findings). */
        for (size_t i = 1; i < l.n; i++)
                for (size_t j = i; j > 0 && compare_severity(&l.items[j - 1], &l.items[j]) > 0; j--) {
                        NftFinding t = l.items[j];

                        l.items[j] = l.items[j - 1];
                        l.items[j - 1] = t;
                }
        *ret = l.items;
        *ret_n = l.n;
        return 0;
}
