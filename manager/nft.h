/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "in-addr-util.h"
#include "macro.h"
#include "port-spec.h"

/* sysctr's nftables table, "inet sysctr": the forwarding, NAT, published ports and filtering of
 * every bridge network, in one table of our own that we replace or change atomically and that
 * nothing else of the host's firewall depends on (we never flush or edit another table).
 *
 * Plan, then execute (STYLE.md rule 9):
 *   1. The caller describes its networks in our own types (NftRuleset, NftNetwork, NftEndpoint,
 *      NftPort) and builds a plan: a list of commands on tables, chains, sets, rules and set
 *      elements (nft-plan.c, pure, unit-tested without root). The rules are fixed; everything that
 *      belongs to a network or a container is an element of a set or a map, so the rule count does
 *      not grow with containers (nor with networks).
 *   2. nft_plan_apply() turns the plan into one nfnetlink batch (libnftnl objects between
 *      NFNL_MSG_BATCH_BEGIN and END) and sends it: the kernel applies all of it or none of it.
 *
 * nft.c is the only user of libnftnl; docs/networking.md explains the ruleset rule by rule. */

#define NFT_TABLE_NAME "sysctr"
#define NFT_TABLE_FAMILY_NAME "inet"

typedef enum NftNetworkType {
        NFT_NETWORK_BRIDGE,  /* containers behind a bridge of ours: routed, NATed, filtered here */
        NFT_NETWORK_MACVLAN, /* containers on the parent's LAN: nothing of theirs in this table */
        _NFT_NETWORK_TYPE_MAX,
        _NFT_NETWORK_TYPE_INVALID = -EINVAL,
} NftNetworkType;

const char *nft_network_type_to_string(NftNetworkType t) _const_;
NftNetworkType nft_network_type_from_string(const char *s) _pure_;

/* A published port: --publish [HOST_ADDRESS:]HOST_PORT:CONTAINER_PORT[/tcp|/udp] (common/port-spec.h,
 * which the config shares). */
typedef PortSpec NftPort;

#define NFT_PORT_STRLEN PORT_SPEC_STRLEN
static inline int nft_port_from_string(const char *s, NftPort *ret) {
        return port_spec_from_string(s, ret);
}
static inline const char *nft_port_to_string(const NftPort *p, char buf[static NFT_PORT_STRLEN]) {
        return port_spec_to_string(p, buf);
}
static inline bool nft_ports_conflict(const NftPort *a, const NftPort *b) {
        return port_specs_conflict(a, b);
}

/* A host service the containers of a network may reach on the host (--allow-host tcp/22). */
typedef struct NftHostService {
        uint8_t protocol; /* IPPROTO_TCP or IPPROTO_UDP */
        uint16_t port;
} NftHostService;

/* A container on a network. */
typedef struct NftEndpoint {
        const char *owner; /* the container's name: the comment of its elements */
        bool has_address4, has_address6;
        union in_addr_union address4, address6;
        const NftPort *ports;
        size_t n_ports;
        bool allow_host; /* may reach every service of the host */
} NftEndpoint;

typedef struct NftNetwork {
        const char *name;
        NftNetworkType type;
        const char *ifname;                     /* the bridge */
        InAddrPrefix subnet4, subnet6;          /* family 0: none */
        union in_addr_union gateway4, gateway6; /* the bridge's own addresses in them */
        bool nat;                               /* masquerade what leaves for the outside */
        bool isolated;                          /* no traffic with the other sysctr bridges */
        const NftHostService *host_services;
        size_t n_host_services;
        const NftEndpoint *endpoints;
        size_t n_endpoints;
} NftNetwork;

typedef struct NftRuleset {
        const NftNetwork *networks;
        size_t n_networks;
} NftRuleset;

/* Everything checked at once before a plan is built: names, bridge interface names (unique),
 * addresses inside their subnets, gateways, ports (none published twice, none on macvlan
 * networks). On failure *ret_error (may be NULL) says what and names it. */
int nft_ruleset_check(const NftRuleset *rs, char **ret_error);

/* ------------------------------------------------------------------------------------------------
 * The vocabulary of the plan */

typedef enum NftVerb {
        NFT_VERB_ADD,
        NFT_VERB_DELETE,
        _NFT_VERB_MAX,
        _NFT_VERB_INVALID = -EINVAL,
} NftVerb;

typedef enum NftObjectType {
        NFT_OBJECT_TABLE,
        NFT_OBJECT_CHAIN,
        NFT_OBJECT_SET,
        NFT_OBJECT_RULE,
        NFT_OBJECT_ELEMENT,
        _NFT_OBJECT_TYPE_MAX,
        _NFT_OBJECT_TYPE_INVALID = -EINVAL,
} NftObjectType;

/* The data types of set keys and map values (nftables' names in the comments). */
typedef enum NftType {
        NFT_TYPE_IFNAME, /* ifname: 16 bytes, NUL padded */
        NFT_TYPE_IPV4,   /* ipv4_addr */
        NFT_TYPE_IPV6,   /* ipv6_addr */
        NFT_TYPE_PROTO,  /* inet_proto */
        NFT_TYPE_PORT,   /* inet_service */
        _NFT_TYPE_MAX,
        _NFT_TYPE_INVALID = -EINVAL,
} NftType;

#define NFT_CONCAT_MAX 4

typedef struct NftValue {
        NftType type;
        union {
                char ifname[IFNAMSIZ];
                union in_addr_union address;
                uint8_t protocol;
                uint16_t port;
        };
} NftValue;

typedef struct NftSetDef {
        const char *name;
        NftType key[NFT_CONCAT_MAX];
        size_t n_key;
        NftType data[NFT_CONCAT_MAX]; /* maps only */
        size_t n_data;
        bool interval; /* keys are prefixes (single-type keys only) */
        const char *comment;
} NftSetDef;

typedef struct NftChainDef {
        const char *name;
        const char *type; /* "filter", "nat"; NULL for a regular chain */
        int hook;         /* NF_INET_*; -1 for a regular chain */
        int priority;
        const char *comment;
} NftChainDef;

/* The terms a rule is made of: matches, then one statement. Each is a fixed piece of bytecode
 * (nft.c) with a fixed text, the same nft prints for it (nft-plan.c). */
typedef enum NftTermKind {
        NFT_TERM_END,                      /* ends a rule's terms (the zero of the array) */
        NFT_TERM_NFPROTO,                  /* meta nfproto ipv4|ipv6 (family) */
        NFT_TERM_L4PROTO,                  /* meta l4proto icmp|ipv6-icmp|tcp|udp (value) */
        NFT_TERM_IIFNAME_IN,               /* iifname [!=] @set */
        NFT_TERM_OIFNAME_IN,               /* oifname [!=] @set */
        NFT_TERM_IIFNAME_OIFNAME_IN,       /* iifname . oifname [!=] @set */
        NFT_TERM_CT_STATE,                 /* ct state established,related... (value: bits) */
        NFT_TERM_CT_STATUS_DNAT,           /* ct status dnat */
        NFT_TERM_SADDR,                    /* ip[6] saddr [!=] prefix (family, address) */
        NFT_TERM_DADDR,                    /* ip[6] daddr [!=] prefix (family, address) */
        NFT_TERM_SADDR_IN,                 /* ip[6] saddr @set (family) */
        NFT_TERM_FIB_DADDR_LOCAL,          /* fib daddr type local */
        NFT_TERM_FIB_SADDR_IIF_MISSING,    /* fib saddr . iif oif missing */
        NFT_TERM_IIFNAME_DADDR_IN,         /* iifname . ip[6] daddr @set (family) */
        NFT_TERM_L4PROTO_DPORT_IN,         /* meta l4proto . th dport @set */
        NFT_TERM_IIFNAME_L4PROTO_DPORT_IN, /* iifname . meta l4proto . th dport @set */
        NFT_TERM_ACCEPT,
        NFT_TERM_DROP,
        NFT_TERM_JUMP,   /* jump set (the chain's name) */
        NFT_TERM_REJECT, /* reject with icmpx admin-prohibited */
        NFT_TERM_MASQUERADE,
        NFT_TERM_DNAT_PORTS,      /* dnat ip[6] to meta l4proto . th dport map @set */
        NFT_TERM_DNAT_ADDR_PORTS, /* dnat ip[6] to ip[6] daddr . meta l4proto . th dport map @set */
        _NFT_TERM_KIND_MAX,
        _NFT_TERM_KIND_INVALID = -EINVAL,
} NftTermKind;

typedef struct NftTerm {
        NftTermKind kind;
        const char *set; /* set, map or (jump) chain */
        bool negate;
        int family; /* AF_INET or AF_INET6 for family-bound terms */
        uint32_t value;
        const char *address; /* NFT_TERM_[SD]ADDR: "127.0.0.0/8", "::1/128" */
} NftTerm;

#define NFT_RULE_TERMS_MAX 8

typedef struct NftRuleDef {
        const char *chain;
        NftTerm terms[NFT_RULE_TERMS_MAX]; /* up to the first NFT_TERM_END */
        const char *comment;               /* short; the long why is in nft-plan.c */
} NftRuleDef;

typedef struct NftElement {
        const NftSetDef *set;
        NftValue key[NFT_CONCAT_MAX];
        NftValue data[NFT_CONCAT_MAX];
        unsigned char prefixlen; /* interval sets: the key is this prefix */
        bool interval_end_only;  /* the lone "end" element an interval set starts with */
        const char *comment;
} NftElement;

typedef struct NftCommand {
        NftVerb verb;
        NftObjectType type;
        const NftChainDef *chain; /* NFT_OBJECT_CHAIN */
        const NftSetDef *set;     /* NFT_OBJECT_SET */
        const NftRuleDef *rule;   /* NFT_OBJECT_RULE */
        NftElement element;       /* NFT_OBJECT_ELEMENT */
} NftCommand;

typedef struct NftPlan {
        NftCommand *commands;
        size_t n_commands;
        char **strings; /* owns the element comments */
} NftPlan;

const char *nft_verb_to_string(NftVerb v) _const_;
const char *nft_object_type_to_string(NftObjectType t) _const_;

/* The design: every chain, set and rule of the table (nft-plan.c). */
const NftChainDef *nft_chains(size_t *ret_n);
const NftSetDef *nft_sets(size_t *ret_n);
const NftRuleDef *nft_rules(size_t *ret_n);
const NftSetDef *nft_set_find(const char *name);

/* ------------------------------------------------------------------------------------------------
 * Plans. Each builder appends to p; a plan goes out as one batch, so several changes can be made
 * atomic together (e.g. move a port from one container to another). */

int nft_plan_new(NftPlan **ret);
NftPlan *nft_plan_free(NftPlan *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(NftPlan *, nft_plan_free);

/* Replace the whole table with the one rs describes: "add table, delete table, add table..." in
 * one batch, so there is no moment without rules and it works whether the table exists or not.
 * This is also the reconciliation after a crash: rebuild from sysctr's own state. Calls
 * nft_ruleset_check() first. */
int nft_plan_sync(NftPlan *p, const NftRuleset *rs, char **ret_error);
/* Remove the table if it exists. */
int nft_plan_delete_table(NftPlan *p);

/* A network's elements (and those of its endpoints). rs: all networks (with or without n), for the
 * bridge pairs that non-isolated networks share. Adding what exists fails with -EEXIST, deleting
 * what does not with -ENOENT, at apply time (nothing of the batch is applied then). */
int nft_plan_network(NftPlan *p, NftVerb verb, const NftRuleset *rs, const NftNetwork *n);
/* A container's elements on network n: its published ports and its host access. */
int nft_plan_endpoint(NftPlan *p, NftVerb verb, const NftNetwork *n, const NftEndpoint *e);
/* One published port of endpoint e on network n. */
int nft_plan_port(NftPlan *p, NftVerb verb, const NftNetwork *n, const NftEndpoint *e, const NftPort *port);
/* One host service opened to the containers of network n. */
int nft_plan_host_service(NftPlan *p, NftVerb verb, const NftNetwork *n, const NftHostService *s);

/* How many commands of p have this verb, type and chain or set name (NULL: any). For tests. */
size_t nft_plan_count(const NftPlan *p, NftVerb verb, NftObjectType type, const char *name);

/* nft's syntax: "add rule inet sysctr forward ct state established,related accept comment ...",
 * "add element inet sysctr ports_v4 { tcp . 8080 comment \"web1\" : 10.88.0.2 . 80 }". */
int nft_command_to_string(const NftCommand *c, char **ret);
/* A rule's text as "nft list" prints it inside its chain. */
int nft_rule_to_string(const NftRuleDef *r, char **ret);
int nft_element_to_string(const NftElement *e, char **ret);
/* One command a line. */
int nft_plan_to_string(const NftPlan *p, char **ret);

/* ------------------------------------------------------------------------------------------------
 * Apply and read (nft.c, libnftnl) */

/* The batch as bytes, exactly as nft_plan_apply() sends it (sequence numbers from seq). */
int nft_plan_to_batch(const NftPlan *p, uint32_t seq, void **ret, size_t *ret_size);

/* Send the plan as one batch into the network namespace netns_fd (-1: the caller's), and wait for
 * the kernel's verdict on every message. All or nothing. On failure *ret_error (may be NULL) names
 * the command the kernel refused, its error and its explanation (extended ack). */
int nft_plan_apply(const NftPlan *p, int netns_fd, char **ret_error);

typedef struct NftChainInfo {
        char *table;
        int family; /* NFPROTO_* */
        char *name;
        char *type; /* "filter", "nat", "route"; NULL for regular */
        int hook;   /* NF_INET_*, -1 for a regular chain */
        int priority;
        bool policy_drop;
        size_t n_rules; /* filled by nft_table_read() only */
} NftChainInfo;

typedef struct NftSetInfo {
        char *name;
        NftElement *elements; /* decoded for the sets of nft_sets() */
        size_t n_elements;
        char **strings;
} NftSetInfo;

/* What "inet sysctr" holds, for reconciliation after a crash and for tests. */
typedef struct NftTableState {
        bool exists;
        NftChainInfo *chains;
        size_t n_chains;
        NftSetInfo *sets;
        size_t n_sets;
        size_t n_rules;
} NftTableState;

NftTableState *nft_table_state_free(NftTableState *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(NftTableState *, nft_table_state_free);
int nft_table_read(int netns_fd, NftTableState **ret);

/* Every chain of every table (all families), for the doctor. */
void nft_chain_infos_free(NftChainInfo *c, size_t n);
int nft_chains_list(int netns_fd, NftChainInfo **ret, size_t *ret_n);

/* ------------------------------------------------------------------------------------------------
 * The doctor: what on this host breaks sysctr's networks that sysctr must not fix itself. */

typedef struct NftDoctorFacts {
        const NftChainInfo *chains; /* nft_chains_list() */
        size_t n_chains;
        int ip_forward;              /* net.ipv4.ip_forward; -1: unknown */
        int ipv6_forwarding;         /* net.ipv6.conf.all.forwarding; -1: unknown */
        int bridge_nf_call_iptables; /* br_netfilter; -1: not loaded */
        char * const *bridges;       /* sysctr's bridges, for the remedies (NULL: "BRIDGE") */
} NftDoctorFacts;

/* The sysctl facts of the namespace netns_fd (-1: the caller's). */
int nft_doctor_facts_read(int netns_fd, NftDoctorFacts *facts);

typedef enum NftSeverity {
        NFT_SEVERITY_ERROR,   /* traffic of sysctr's networks is dropped */
        NFT_SEVERITY_WARNING, /* a part of it is (DNS, DHCP), or will be in some cases */
        NFT_SEVERITY_INFO,    /* worth knowing; nothing is broken by it alone */
        _NFT_SEVERITY_MAX,
        _NFT_SEVERITY_INVALID = -EINVAL,
} NftSeverity;

const char *nft_severity_to_string(NftSeverity s) _const_;

typedef struct NftFinding {
        NftSeverity severity;
        char *problem; /* "table ip filter, chain FORWARD: hook forward, policy drop: ..." */
        char *remedy;  /* what the administrator can do, as commands where there are some */
} NftFinding;

void nft_findings_free(NftFinding *f, size_t n);

/* What breaks our traffic on this host, most severe first: a foreign base chain with policy drop
 * on the forward or input hook (recognizing Docker's, ufw's and firewalld's for the remedy),
 * forwarding switched off, br_netfilter. None (*ret_n = 0) when all is well. Pure (nft-doctor.c). */
int nft_doctor(const NftDoctorFacts *facts, NftFinding **ret, size_t *ret_n);
