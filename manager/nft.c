/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The apply layer of nft.h: plan → libnftnl objects → one nfnetlink batch, sent with libmnl; and
 * the readers. The only user of libnftnl (STYLE.md rule 10). The bytecode of each term is what nft
 * itself generates for the same text (compare "nft --debug=netlink"), so "nft list" shows our table
 * exactly as nft-plan.c prints it. */
#include <assert.h>
#include <net/if.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "fileio.h"
#include "netlink-util.h"
#include "nft.h"
#include "strv.h"

/* nftables' datatype numbers (nftables' include/datatype.h): what "nft list" uses to print a set's
 * keys, and how a concatenation is named: each part shifted in by 6 bits. */
#define NFT_DATATYPE_IPADDR 7
#define NFT_DATATYPE_IP6ADDR 8
#define NFT_DATATYPE_INET_PROTOCOL 12
#define NFT_DATATYPE_INET_SERVICE 13
#define NFT_DATATYPE_IFNAME 41
#define NFT_DATATYPE_BITS 6
/* nftables' byte order tags in a set's user data (NFTNL_UDATA_SET_KEYBYTEORDER). */
#define NFT_BYTEORDER_HOST 1
#define NFT_BYTEORDER_BIG 2

typedef struct TypeInfo {
        uint32_t datatype;
        size_t size; /* bytes of the value */
        uint32_t byteorder;
} TypeInfo;

static const TypeInfo type_info[_NFT_TYPE_MAX] = {
        [NFT_TYPE_IFNAME] = { NFT_DATATYPE_IFNAME, IFNAMSIZ, NFT_BYTEORDER_HOST },
        [NFT_TYPE_IPV4] = { NFT_DATATYPE_IPADDR, 4, NFT_BYTEORDER_BIG },
        [NFT_TYPE_IPV6] = { NFT_DATATYPE_IP6ADDR, 16, NFT_BYTEORDER_BIG },
        [NFT_TYPE_PROTO] = { NFT_DATATYPE_INET_PROTOCOL, 1, NFT_BYTEORDER_HOST },
        [NFT_TYPE_PORT] = { NFT_DATATYPE_INET_SERVICE, 2, NFT_BYTEORDER_BIG },
};

/* In a concatenation each part takes whole 32-bit registers. */
static size_t padded(size_t n) {
        return (n + 3) & ~(size_t) 3;
}

static size_t types_len(const NftType *t, size_t n) {
        size_t len = 0;

        if (n == 1)
                return type_info[t[0]].size;
        for (size_t i = 0; i < n; i++)
                len += padded(type_info[t[i]].size);
        return len;
}

static uint32_t types_datatype(const NftType *t, size_t n) {
        uint32_t d = 0;

        for (size_t i = 0; i < n; i++)
                d = d << NFT_DATATYPE_BITS | type_info[t[i]].datatype;
        return d;
}

/* The register that holds the byte at offset of the register file: the 16-byte registers where the
 * offset allows (as nft writes them), else the 32-bit ones. */
static uint32_t reg_at(size_t offset) {
        assert(offset % 4 == 0 && offset < 64);
        if (offset % 16 == 0)
                return NFT_REG_1 + (uint32_t) (offset / 16);
        return NFT_REG32_00 + (uint32_t) (offset / 4);
}

/* ------------------------------------------------------------------------------------------------
 * Expressions */

static int add_expr(struct nftnl_rule *r, struct nftnl_expr *e) {
        if (!e)
                return -ENOMEM;
        nftnl_rule_add_expr(r, e);
        return 0;
}

static int add_meta(struct nftnl_rule *r, uint32_t key, uint32_t dreg) {
        struct nftnl_expr *e = nftnl_expr_alloc("meta");

        if (e) {
                nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
                nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
        }
        return add_expr(r, e);
}

static int add_payload(struct nftnl_rule *r, uint32_t base, uint32_t offset, uint32_t len, uint32_t dreg) {
        struct nftnl_expr *e = nftnl_expr_alloc("payload");

        if (e) {
                nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
                nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
                nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
                nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
        }
        return add_expr(r, e);
}

static int add_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len) {
        struct nftnl_expr *e = nftnl_expr_alloc("cmp");

        if (e) {
                nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
                nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
                nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
        }
        return add_expr(r, e);
}

/* reg 1 = reg 1 & mask; then "!= 0": the bits of mask that are set (ct state, ct status). */
static int add_bits_set(struct nftnl_rule *r, uint32_t mask) {
        struct nftnl_expr *e = nftnl_expr_alloc("bitwise");
        uint32_t zero = 0;

        if (e) {
                nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
                nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
                nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, sizeof(uint32_t));
                nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof(mask));
                nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, sizeof(zero));
        }
        if (add_expr(r, e) < 0)
                return -ENOMEM;
        return add_cmp(r, NFT_CMP_NEQ, &zero, sizeof(zero));
}

/* A set's id within a batch: its place in nft_sets(), from 1. */
static uint32_t set_id(const NftSetDef *def) {
        size_t n;
        const NftSetDef *all = nft_sets(&n);

        assert(def >= all && def < all + n);
        return (uint32_t) (def - all) + 1;
}

static int add_lookup(struct nftnl_rule *r, const char *set, bool negate, int dreg) {
        const NftSetDef *def = nft_set_find(set);
        struct nftnl_expr *e = nftnl_expr_alloc("lookup");

        assert(def);
        if (e) {
                nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
                nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
                /* The set's id in a batch that creates it too (a name is found either way). */
                nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set_id(def));
                if (dreg >= 0)
                        nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, (uint32_t) dreg);
                if (negate)
                        nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
        }
        return add_expr(r, e);
}

static int add_ct(struct nftnl_rule *r, uint32_t key) {
        struct nftnl_expr *e = nftnl_expr_alloc("ct");

        if (e) {
                nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
                nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
        }
        return add_expr(r, e);
}

static int add_fib(struct nftnl_rule *r, uint32_t flags, uint32_t result) {
        struct nftnl_expr *e = nftnl_expr_alloc("fib");

        if (e) {
                nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, flags);
                nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, result);
                nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
        }
        return add_expr(r, e);
}

static int add_verdict(struct nftnl_rule *r, int verdict, const char *chain) {
        struct nftnl_expr *e = nftnl_expr_alloc("immediate");

        if (e) {
                nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
                nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t) verdict);
                if (chain)
                        nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
        }
        return add_expr(r, e);
}

/* A rule being built: the family an earlier term checked already is not checked again (nft drops
 * such a repeated dependency the same way). */
typedef struct RuleBuilder {
        struct nftnl_rule *rule;
        int family_checked;
} RuleBuilder;

static int add_nfproto(RuleBuilder *b, int family) {
        uint8_t proto = family == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
        int k;

        if (b->family_checked == family)
                return 0;
        k = add_meta(b->rule, NFT_META_NFPROTO, NFT_REG_1);
        if (k >= 0)
                k = add_cmp(b->rule, NFT_CMP_EQ, &proto, sizeof(proto));
        if (k >= 0)
                b->family_checked = family;
        return k;
}

/* Offsets in the IPv4 and IPv6 headers. */
static uint32_t addr_offset(int family, bool source) {
        if (family == AF_INET6)
                return source ? 8 : 24;
        return source ? 12 : 16;
}

static int add_addr_match(RuleBuilder *b, const NftTerm *t) {
        struct nftnl_rule *r = b->rule;
        InAddrPrefix p;
        int k;

        assert(in_addr_prefix_from_string(t->family, t->address, &p) >= 0);
        /* Whole bytes only (all the rules need): a /8 is a one-byte compare, as nft makes it. */
        assert(p.prefixlen % 8 == 0 && p.prefixlen > 0);
        k = add_nfproto(b, t->family);
        if (k >= 0)
                k = add_payload(r, NFT_PAYLOAD_NETWORK_HEADER,
                                addr_offset(t->family, t->kind == NFT_TERM_SADDR), p.prefixlen / 8,
                                NFT_REG_1);
        if (k >= 0)
                k = add_cmp(r, t->negate ? NFT_CMP_NEQ : NFT_CMP_EQ, &p.address, p.prefixlen / 8);
        return k;
}

/* l4proto at offset, the transport header's destination port 4 bytes further. */
static int add_l4proto_dport(struct nftnl_rule *r, size_t offset) {
        int k = add_meta(r, NFT_META_L4PROTO, reg_at(offset));

        return k < 0 ? k : add_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, reg_at(offset + 4));
}

static int add_dnat(RuleBuilder *b, const NftTerm *t) {
        struct nftnl_rule *r = b->rule;
        size_t addr_len = t->family == AF_INET6 ? 16 : 4, offset = 0;
        struct nftnl_expr *e;
        int k = 0;

        if (t->kind == NFT_TERM_DNAT_ADDR_PORTS) {
                k = add_nfproto(b, t->family);
                if (k >= 0)
                        k = add_payload(r, NFT_PAYLOAD_NETWORK_HEADER, addr_offset(t->family, false),
                                        addr_len, NFT_REG_1);
                offset = addr_len;
        }
        if (k >= 0)
                k = add_l4proto_dport(r, offset);
        /* The map's value, address . port, lands in the registers from reg 1 on. */
        if (k >= 0)
                k = add_lookup(r, t->set, false, NFT_REG_1);
        if (k < 0)
                return k;
        e = nftnl_expr_alloc("nat");
        if (e) {
                nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
                nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY,
                                   t->family == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
                nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
                nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, reg_at(addr_len));
        }
        return add_expr(r, e);
}

static int add_term(RuleBuilder *b, const NftTerm *t) {
        struct nftnl_rule *r = b->rule;
        uint32_t u32;
        uint8_t u8;
        int k;

        switch (t->kind) {
        case NFT_TERM_NFPROTO:
                return add_nfproto(b, t->family);
        case NFT_TERM_L4PROTO:
                u8 = (uint8_t) t->value;
                k = add_meta(r, NFT_META_L4PROTO, NFT_REG_1);
                return k < 0 ? k : add_cmp(r, NFT_CMP_EQ, &u8, sizeof(u8));
        case NFT_TERM_IIFNAME_IN:
        case NFT_TERM_OIFNAME_IN:
                k = add_meta(r, t->kind == NFT_TERM_IIFNAME_IN ? NFT_META_IIFNAME : NFT_META_OIFNAME,
                             NFT_REG_1);
                return k < 0 ? k : add_lookup(r, t->set, t->negate, -1);
        case NFT_TERM_IIFNAME_OIFNAME_IN:
                k = add_meta(r, NFT_META_IIFNAME, reg_at(0));
                if (k >= 0)
                        k = add_meta(r, NFT_META_OIFNAME, reg_at(IFNAMSIZ));
                return k < 0 ? k : add_lookup(r, t->set, t->negate, -1);
        case NFT_TERM_CT_STATE:
        case NFT_TERM_CT_STATUS_DNAT:
                k = add_ct(r, t->kind == NFT_TERM_CT_STATE ? NFT_CT_STATE : NFT_CT_STATUS);
                return k < 0 ? k : add_bits_set(r, t->kind == NFT_TERM_CT_STATE ? t->value : IPS_DST_NAT);
        case NFT_TERM_SADDR:
        case NFT_TERM_DADDR:
                return add_addr_match(b, t);
        case NFT_TERM_SADDR_IN:
                k = add_nfproto(b, t->family);
                if (k >= 0)
                        k = add_payload(r, NFT_PAYLOAD_NETWORK_HEADER, addr_offset(t->family, true),
                                        t->family == AF_INET6 ? 16 : 4, NFT_REG_1);
                return k < 0 ? k : add_lookup(r, t->set, t->negate, -1);
        case NFT_TERM_FIB_DADDR_LOCAL:
                u32 = RTN_LOCAL;
                k = add_fib(r, NFTA_FIB_F_DADDR, NFT_FIB_RESULT_ADDRTYPE);
                return k < 0 ? k : add_cmp(r, NFT_CMP_EQ, &u32, sizeof(u32));
        case NFT_TERM_FIB_SADDR_IIF_MISSING:
                u32 = 0;
                k = add_fib(r, NFTA_FIB_F_SADDR | NFTA_FIB_F_IIF | NFTA_FIB_F_PRESENT, NFT_FIB_RESULT_OIF);
                return k < 0 ? k : add_cmp(r, NFT_CMP_EQ, &u32, sizeof(u32));
        case NFT_TERM_IIFNAME_DADDR_IN:
                k = add_nfproto(b, t->family);
                if (k >= 0)
                        k = add_meta(r, NFT_META_IIFNAME, reg_at(0));
                if (k >= 0)
                        k = add_payload(r, NFT_PAYLOAD_NETWORK_HEADER, addr_offset(t->family, false),
                                        t->family == AF_INET6 ? 16 : 4, reg_at(IFNAMSIZ));
                return k < 0 ? k : add_lookup(r, t->set, false, -1);
        case NFT_TERM_L4PROTO_DPORT_IN:
                k = add_l4proto_dport(r, 0);
                return k < 0 ? k : add_lookup(r, t->set, false, -1);
        case NFT_TERM_IIFNAME_L4PROTO_DPORT_IN:
                k = add_meta(r, NFT_META_IIFNAME, reg_at(0));
                if (k >= 0)
                        k = add_l4proto_dport(r, IFNAMSIZ);
                return k < 0 ? k : add_lookup(r, t->set, false, -1);
        case NFT_TERM_ACCEPT:
                return add_verdict(r, NF_ACCEPT, NULL);
        case NFT_TERM_DROP:
                return add_verdict(r, NF_DROP, NULL);
        case NFT_TERM_JUMP:
                return add_verdict(r, NFT_JUMP, t->set);
        case NFT_TERM_REJECT: {
                struct nftnl_expr *e = nftnl_expr_alloc("reject");

                if (e) {
                        nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_ICMPX_UNREACH);
                        nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, NFT_REJECT_ICMPX_ADMIN_PROHIBITED);
                }
                return add_expr(r, e);
        }
        case NFT_TERM_MASQUERADE:
                return add_expr(r, nftnl_expr_alloc("masq"));
        case NFT_TERM_DNAT_PORTS:
        case NFT_TERM_DNAT_ADDR_PORTS:
                return add_dnat(b, t);
        default:
                assert(!"unknown term");
                return -EINVAL;
        }
}

/* ------------------------------------------------------------------------------------------------
 * Objects */

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nftnl_table *, nftnl_table_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nftnl_chain *, nftnl_chain_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nftnl_set *, nftnl_set_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nftnl_rule *, nftnl_rule_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nftnl_udata_buf *, nftnl_udata_buf_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nftnl_batch *, nftnl_batch_free);

#define TABLE_COMMENT "sysctr: networks of system containers, managed by sysctrd: do not edit"

/* User data holding one comment (and for sets, nft's byte order tags), as nft writes it. */
static int udata_comment(uint8_t type, const char *comment, struct nftnl_udata_buf **ret) {
        _cleanup_(nftnl_udata_buf_freep) struct nftnl_udata_buf *u = NULL;

        u = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
        if (!u)
                return -ENOMEM;
        if (comment && !nftnl_udata_put_strz(u, type, comment))
                return -E2BIG;
        *ret = TAKE_PTR(u);
        return 0;
}

static int build_table(struct nftnl_batch *b, NftVerb verb, uint32_t seq, uint16_t flags) {
        _cleanup_(nftnl_table_freep) struct nftnl_table *t = nftnl_table_alloc();
        _cleanup_(nftnl_udata_buf_freep) struct nftnl_udata_buf *u = NULL;
        struct nlmsghdr *nlh;
        int k;

        if (!t)
                return -ENOMEM;
        nftnl_table_set_str(t, NFTNL_TABLE_NAME, NFT_TABLE_NAME);
        if (verb == NFT_VERB_ADD) {
                /* Ignored when the table exists already (an update only changes flags). */
                k = udata_comment(NFTNL_UDATA_TABLE_COMMENT, TABLE_COMMENT, &u);
                if (k < 0)
                        return k;
                nftnl_table_set_data(t, NFTNL_TABLE_USERDATA, nftnl_udata_buf_data(u),
                                     nftnl_udata_buf_len(u));
        }
        nlh = nftnl_nlmsg_build_hdr(nftnl_batch_buffer(b),
                                    verb == NFT_VERB_ADD ? NFT_MSG_NEWTABLE : NFT_MSG_DELTABLE, NFPROTO_INET,
                                    flags | (verb == NFT_VERB_ADD ? NLM_F_CREATE : 0), seq);
        nftnl_table_nlmsg_build_payload(nlh, t);
        return 0;
}

static int build_chain(struct nftnl_batch *b, NftVerb verb, const NftChainDef *def, uint32_t seq,
                       uint16_t flags) {
        _cleanup_(nftnl_chain_freep) struct nftnl_chain *c = nftnl_chain_alloc();
        _cleanup_(nftnl_udata_buf_freep) struct nftnl_udata_buf *u = NULL;
        struct nlmsghdr *nlh;
        int k;

        if (!c)
                return -ENOMEM;
        nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NFT_TABLE_NAME);
        nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, def->name);
        if (verb == NFT_VERB_ADD && def->hook >= 0) {
                nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, (uint32_t) def->hook);
                nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, def->priority);
                nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, def->type);
                nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
        }
        if (verb == NFT_VERB_ADD && def->comment) {
                k = udata_comment(NFTNL_UDATA_CHAIN_COMMENT, def->comment, &u);
                if (k < 0)
                        return k;
                nftnl_chain_set_data(c, NFTNL_CHAIN_USERDATA, nftnl_udata_buf_data(u),
                                     nftnl_udata_buf_len(u));
        }
        nlh = nftnl_nlmsg_build_hdr(nftnl_batch_buffer(b),
                                    verb == NFT_VERB_ADD ? NFT_MSG_NEWCHAIN : NFT_MSG_DELCHAIN, NFPROTO_INET,
                                    flags | (verb == NFT_VERB_ADD ? NLM_F_CREATE : 0), seq);
        nftnl_chain_nlmsg_build_payload(nlh, c);
        return 0;
}

static int set_udata(const NftSetDef *def, struct nftnl_udata_buf **ret) {
        _cleanup_(nftnl_udata_buf_freep) struct nftnl_udata_buf *u = NULL;

        u = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
        if (!u)
                return -ENOMEM;
        /* nft tags the byte order of single-type keys and values (0 for concatenations). */
        if (!nftnl_udata_put_u32(u, NFTNL_UDATA_SET_KEYBYTEORDER,
                                 def->n_key == 1 ? type_info[def->key[0]].byteorder : 0))
                return -E2BIG;
        if (def->n_data > 0 &&
            !nftnl_udata_put_u32(u, NFTNL_UDATA_SET_DATABYTEORDER,
                                 def->n_data == 1 ? type_info[def->data[0]].byteorder : 0))
                return -E2BIG;
        if (def->comment && !nftnl_udata_put_strz(u, NFTNL_UDATA_SET_COMMENT, def->comment))
                return -E2BIG;
        *ret = TAKE_PTR(u);
        return 0;
}

static struct nftnl_set *set_alloc(const NftSetDef *def) {
        struct nftnl_set *s = nftnl_set_alloc();

        if (!s)
                return NULL;
        nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE_NAME);
        nftnl_set_set_str(s, NFTNL_SET_NAME, def->name);
        nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
        nftnl_set_set_u32(s, NFTNL_SET_ID, set_id(def));
        return s;
}

static int build_set(struct nftnl_batch *b, NftVerb verb, const NftSetDef *def, uint32_t seq,
                     uint16_t flags) {
        _cleanup_(nftnl_set_freep) struct nftnl_set *s = set_alloc(def);
        _cleanup_(nftnl_udata_buf_freep) struct nftnl_udata_buf *u = NULL;
        struct nlmsghdr *nlh;
        int k;

        if (!s)
                return -ENOMEM;
        if (verb == NFT_VERB_ADD) {
                nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, types_datatype(def->key, def->n_key));
                nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, (uint32_t) types_len(def->key, def->n_key));
                nftnl_set_set_u32(s, NFTNL_SET_FLAGS,
                                  (def->n_data > 0 ? NFT_SET_MAP : 0) |
                                          (def->interval ? NFT_SET_INTERVAL : 0));
                if (def->n_data > 0) {
                        nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, types_datatype(def->data, def->n_data));
                        nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN,
                                          (uint32_t) types_len(def->data, def->n_data));
                }
                k = set_udata(def, &u);
                if (k < 0)
                        return k;
                nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(u), nftnl_udata_buf_len(u));
        }
        nlh = nftnl_nlmsg_build_hdr(nftnl_batch_buffer(b),
                                    verb == NFT_VERB_ADD ? NFT_MSG_NEWSET : NFT_MSG_DELSET, NFPROTO_INET,
                                    flags | (verb == NFT_VERB_ADD ? NLM_F_CREATE : 0), seq);
        nftnl_set_nlmsg_build_payload(nlh, s);
        return 0;
}

static int build_rule(struct nftnl_batch *b, const NftRuleDef *def, uint32_t seq, uint16_t flags) {
        _cleanup_(nftnl_rule_freep) struct nftnl_rule *r = nftnl_rule_alloc();
        _cleanup_(nftnl_udata_buf_freep) struct nftnl_udata_buf *u = NULL;
        RuleBuilder builder = { .rule = r };
        struct nlmsghdr *nlh;
        int k;

        if (!r)
                return -ENOMEM;
        nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_TABLE_NAME);
        nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, def->chain);
        nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
        for (size_t i = 0; i < NFT_RULE_TERMS_MAX && def->terms[i].kind != NFT_TERM_END; i++) {
                k = add_term(&builder, &def->terms[i]);
                if (k < 0)
                        return k;
        }
        if (def->comment) {
                k = udata_comment(NFTNL_UDATA_RULE_COMMENT, def->comment, &u);
                if (k < 0)
                        return k;
                nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(u), nftnl_udata_buf_len(u));
        }
        nlh = nftnl_nlmsg_build_hdr(nftnl_batch_buffer(b), NFT_MSG_NEWRULE, NFPROTO_INET,
                                    flags | NLM_F_CREATE | NLM_F_APPEND, seq);
        nftnl_rule_nlmsg_build_payload(nlh, r);
        return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Elements */

/* The bytes of a key or value: each part in network order where nft keeps it so, padded to 32 bits
 * in a concatenation. Returns the length. */
static size_t encode_values(const NftValue *v, const NftType *types, size_t n, uint8_t *buf) {
        size_t off = 0;

        for (size_t i = 0; i < n; i++) {
                size_t size = type_info[types[i]].size;
                uint16_t port;

                assert(v[i].type == types[i]);
                memset(buf + off, 0, padded(size));
                switch (types[i]) {
                case NFT_TYPE_IFNAME:
                        strncpy((char *) buf + off, v[i].ifname, IFNAMSIZ - 1);
                        break;
                case NFT_TYPE_IPV4:
                case NFT_TYPE_IPV6:
                        memcpy(buf + off, &v[i].address, size);
                        break;
                case NFT_TYPE_PROTO:
                        buf[off] = v[i].protocol;
                        break;
                case NFT_TYPE_PORT:
                        port = htons(v[i].port);
                        memcpy(buf + off, &port, sizeof(port));
                        break;
                default:
                        assert(!"unknown type");
                }
                off += n == 1 ? size : padded(size);
        }
        return off;
}

/* a += 2^bit (bit 0: the least significant bit of the address). False on overflow. */
static bool address_add_power_of_two(uint8_t *a, size_t size, unsigned bit) {
        unsigned carry;
        size_t i;

        if (bit >= size * 8)
                return false;
        i = size - 1 - bit / 8;
        carry = 1u << (bit % 8);
        for (;; i--) {
                unsigned v = a[i] + carry;

                a[i] = (uint8_t) v;
                carry = v >> 8;
                if (carry == 0)
                        return true;
                if (i == 0)
                        return false;
        }
}

static int elem_add(struct nftnl_set *s, const uint8_t *key, size_t key_len, const uint8_t *data,
                    size_t data_len, uint32_t flags, const char *comment) {
        _cleanup_(nftnl_udata_buf_freep) struct nftnl_udata_buf *u = NULL;
        struct nftnl_set_elem *e = nftnl_set_elem_alloc();
        int k;

        if (!e)
                return -ENOMEM;
        nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, (uint32_t) key_len);
        if (data_len > 0)
                nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, data, (uint32_t) data_len);
        if (flags != 0)
                nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, flags);
        if (comment) {
                k = udata_comment(NFTNL_UDATA_SET_ELEM_COMMENT, comment, &u);
                if (k < 0) {
                        nftnl_set_elem_free(e);
                        return k;
                }
                nftnl_set_elem_set(e, NFTNL_SET_ELEM_USERDATA, nftnl_udata_buf_data(u),
                                   nftnl_udata_buf_len(u));
        }
        nftnl_set_elem_add(s, e);
        return 0;
}

static int build_element(struct nftnl_batch *b, NftVerb verb, const NftElement *el, uint32_t seq,
                         uint16_t flags) {
        _cleanup_(nftnl_set_freep) struct nftnl_set *s = set_alloc(el->set);
        uint8_t key[64], data[64];
        size_t key_len, data_len = 0;
        struct nlmsghdr *nlh;
        int k;

        if (!s)
                return -ENOMEM;
        if (el->interval_end_only) {
                key_len = types_len(el->set->key, 1);
                memset(key, 0, key_len);
                k = elem_add(s, key, key_len, NULL, 0, NFT_SET_ELEM_INTERVAL_END, NULL);
        } else {
                key_len = encode_values(el->key, el->set->key, el->set->n_key, key);
                if (verb == NFT_VERB_ADD && el->set->n_data > 0)
                        data_len = encode_values(el->data, el->set->data, el->set->n_data, data);
                k = elem_add(s, key, key_len, data, data_len, 0, verb == NFT_VERB_ADD ? el->comment : NULL);
                /* A prefix in an interval set: its first address, and one past its last marked as
                 * the end (none if the prefix reaches the top of the address space). */
                if (k >= 0 && el->set->interval &&
                    address_add_power_of_two(key, key_len, (unsigned) (key_len * 8 - el->prefixlen)))
                        k = elem_add(s, key, key_len, NULL, 0, NFT_SET_ELEM_INTERVAL_END, NULL);
        }
        if (k < 0)
                return k;
        /* Adding what exists is an error (NLM_F_EXCL): a port published twice must not pass. */
        nlh = nftnl_nlmsg_build_hdr(
                nftnl_batch_buffer(b), verb == NFT_VERB_ADD ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM,
                NFPROTO_INET, flags | (verb == NFT_VERB_ADD ? NLM_F_CREATE | NLM_F_EXCL : 0), seq);
        nftnl_set_elems_nlmsg_build_payload(nlh, s);
        return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Batches */

static int build_command(struct nftnl_batch *b, const NftCommand *c, uint32_t seq, uint16_t flags) {
        switch (c->type) {
        case NFT_OBJECT_TABLE:
                return build_table(b, c->verb, seq, flags);
        case NFT_OBJECT_CHAIN:
                return build_chain(b, c->verb, c->chain, seq, flags);
        case NFT_OBJECT_SET:
                return build_set(b, c->verb, c->set, seq, flags);
        case NFT_OBJECT_RULE:
                if (c->verb != NFT_VERB_ADD)
                        return -EOPNOTSUPP; /* rules go with their table */
                return build_rule(b, c->rule, seq, flags);
        case NFT_OBJECT_ELEMENT:
                return build_element(b, c->verb, &c->element, seq, flags);
        default:
                return -EINVAL;
        }
}

/* Message i+1 of the batch is command i; seq and seq + n + 1 are the batch's begin and end. Only
 * the last command asks for an ack: the kernel reports every failing message anyway, and a batch
 * of 10,000 acks could overflow the socket's receive buffer. Errors and that one ack come back
 * before sendmsg() returns (nfnetlink handles a batch in the sender's context). */
static int build_batch(const NftPlan *p, uint32_t seq, struct nftnl_batch **ret) {
        _cleanup_(nftnl_batch_freep) struct nftnl_batch *b = NULL;
        int k;

        if (p->n_commands == 0)
                return -ENODATA;
        b = nftnl_batch_alloc(MNL_SOCKET_BUFFER_SIZE, MNL_SOCKET_BUFFER_SIZE);
        if (!b)
                return -ENOMEM;
        nftnl_batch_begin(nftnl_batch_buffer(b), seq);
        if (nftnl_batch_update(b) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < p->n_commands; i++) {
                k = build_command(b, &p->commands[i], seq + 1 + (uint32_t) i,
                                  i + 1 == p->n_commands ? NLM_F_ACK : 0);
                if (k < 0)
                        return k;
                if (nftnl_batch_update(b) < 0)
                        return -ENOMEM;
        }
        nftnl_batch_end(nftnl_batch_buffer(b), seq + 1 + (uint32_t) p->n_commands);
        if (nftnl_batch_update(b) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(b);
        return 0;
}

int nft_plan_to_batch(const NftPlan *p, uint32_t seq, void **ret, size_t *ret_size) {
        _cleanup_(nftnl_batch_freep) struct nftnl_batch *b = NULL;
        _cleanup_free_ struct iovec *iov = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size = 0;
        int k, n;

        k = build_batch(p, seq, &b);
        if (k < 0)
                return k;
        n = nftnl_batch_iovec_len(b);
        iov = calloc(n, sizeof(struct iovec));
        if (!iov)
                return -ENOMEM;
        nftnl_batch_iovec(b, iov, n);
        for (int i = 0; i < n; i++)
                size += iov[i].iov_len;
        buf = malloc(size ?: 1);
        if (!buf)
                return -ENOMEM;
        size = 0;
        for (int i = 0; i < n; i++) {
                memcpy(buf + size, iov[i].iov_base, iov[i].iov_len);
                size += iov[i].iov_len;
        }
        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Talking to the kernel */

typedef struct NfSocket {
        struct mnl_socket *nl;
        uint32_t portid;
} NfSocket;

static void nf_socket_close(NfSocket *s) {
        if (s->nl)
                mnl_socket_close(s->nl);
        s->nl = NULL;
}

static int nf_socket_open(int netns_fd, NfSocket *ret) {
        _cleanup_close_ int fd = -EBADF;
        struct mnl_socket *nl;
        int one = 1;

        fd = netns_socket(netns_fd, AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER);
        if (fd < 0)
                return fd;
        (void) setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
        (void) setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
        nl = mnl_socket_fdopen(fd);
        if (!nl)
                return negative_errno();
        TAKE_FD(fd);
        if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
                int k = negative_errno();

                mnl_socket_close(nl);
                return k;
        }
        *ret = (NfSocket) { nl, mnl_socket_get_portid(nl) };
        return 0;
}

typedef struct BatchResult {
        uint32_t seq;      /* the batch's first sequence number */
        uint32_t last_seq; /* the message that asked for the ack */
        bool acked;
        int error; /* the first error */
        uint32_t error_seq;
        char *message; /* its extended ack */
} BatchResult;

static void batch_result_message(BatchResult *res, const struct nlmsghdr *nlh) {
        const char *message;
        int error;

        if (netlink_error_parse(nlh, nlh->nlmsg_len, &error, &message) < 0) {
                if (res->error == 0)
                        res->error = -EBADMSG;
                return;
        }
        if (error == 0) {
                if (nlh->nlmsg_seq == res->last_seq)
                        res->acked = true;
                return;
        }
        if (res->error != 0)
                return; /* the first error is the cause, the rest follows from it */
        res->error = error;
        res->error_seq = nlh->nlmsg_seq;
        res->message = message ? strdup(message) : NULL;
}

/* Everything the kernel answered, then whether it is all: errors and the final ack are queued
 * before sendmsg() returns, so the socket is read until it is empty; a short wait covers a kernel
 * that would ever answer later. */
static int batch_read_answers(NfSocket *s, BatchResult *res) {
        _cleanup_free_ uint8_t *buf = malloc(MNL_SOCKET_BUFFER_SIZE);
        struct pollfd pfd = { .fd = mnl_socket_get_fd(s->nl), .events = POLLIN };

        if (!buf)
                return -ENOMEM;
        while (!res->acked && res->error == 0) {
                ssize_t n;

                if (poll(&pfd, 1, 5000) <= 0)
                        return -ETIMEDOUT;
                n = recv(pfd.fd, buf, MNL_SOCKET_BUFFER_SIZE, MSG_DONTWAIT);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        continue;
                if (n < 0)
                        return -errno;
                int len = (int) n;

                for (const struct nlmsghdr *nlh = (const struct nlmsghdr *) buf; mnl_nlmsg_ok(nlh, len);
                     nlh = mnl_nlmsg_next(nlh, &len))
                        if (nlh->nlmsg_type == NLMSG_ERROR)
                                batch_result_message(res, nlh);
        }
        return 0;
}

static int describe_failure(const NftPlan *p, const BatchResult *res, char **ret_error) {
        _cleanup_free_ char *what = NULL;
        uint32_t index = res->error_seq - res->seq; /* 1..n: command index + 1 */

        if (!ret_error)
                return 0;
        if (index >= 1 && index <= p->n_commands) {
                if (nft_command_to_string(&p->commands[index - 1], &what) < 0)
                        what = NULL;
        } else
                what = strdup(index == 0 ? "batch begin" : "batch end");
        if (asprintf(ret_error, "%s: %s%s%s%s", strna(what), strerror(-res->error), res->message ? " (" : "",
                     strempty(res->message), res->message ? ")" : "") < 0)
                *ret_error = NULL;
        return 0;
}

int nft_plan_apply(const NftPlan *p, int netns_fd, char **ret_error) {
        _cleanup_(nftnl_batch_freep) struct nftnl_batch *b = NULL;
        _cleanup_free_ struct iovec *iov = NULL;
        NfSocket s = {};
        BatchResult res = {};
        struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
        struct msghdr msg = { .msg_name = &kernel, .msg_namelen = sizeof(kernel) };
        int k, n;

        if (ret_error)
                *ret_error = NULL;
        res.seq = (uint32_t) time(NULL) << 8; /* any; distinct from earlier batches of this socket */
        res.last_seq = res.seq + (uint32_t) p->n_commands;
        k = build_batch(p, res.seq, &b);
        if (k < 0)
                return k;
        n = nftnl_batch_iovec_len(b);
        iov = calloc(n, sizeof(struct iovec));
        if (!iov)
                return -ENOMEM;
        nftnl_batch_iovec(b, iov, n);
        msg.msg_iov = iov;
        msg.msg_iovlen = (size_t) n;

        k = nf_socket_open(netns_fd, &s);
        if (k < 0)
                return k;
        if (sendmsg(mnl_socket_get_fd(s.nl), &msg, 0) < 0)
                k = -errno;
        else
                k = batch_read_answers(&s, &res);
        nf_socket_close(&s);
        if (k >= 0 && res.error != 0) {
                k = res.error;
                describe_failure(p, &res, ret_error);
        }
        free(res.message);
        return k;
}

/* ------------------------------------------------------------------------------------------------
 * Reading */

/* Dumps come in messages of up to 32 KiB when the reader's buffer allows. */
#define NF_DUMP_BUFFER_SIZE (32U * 1024U)

typedef struct DumpCall {
        int (*parse)(const struct nlmsghdr *nlh, void *userdata);
        void *userdata;
        int error;
} DumpCall;

static int dump_cb(const struct nlmsghdr *nlh, void *data) {
        DumpCall *d = data;
        int k;

        /* After a failure keep reading to the end, so that nothing is left in the socket. */
        if (d->error < 0)
                return MNL_CB_OK;
        k = d->parse(nlh, d->userdata);
        if (k < 0)
                d->error = k;
        return MNL_CB_OK;
}

/* Send a request (a dump, or a get with NLM_F_ACK) and pass each answer to parse. */
static int nf_request(NfSocket *s, struct nlmsghdr *nlh, int (*parse)(const struct nlmsghdr *, void *),
                      void *userdata) {
        _cleanup_free_ uint8_t *buf = malloc(NF_DUMP_BUFFER_SIZE);
        DumpCall d = { parse, userdata, 0 };
        uint32_t seq = nlh->nlmsg_seq;
        int n;

        if (!buf)
                return -ENOMEM;
        if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
                return negative_errno();
        for (;;) {
                n = (int) mnl_socket_recvfrom(s->nl, buf, NF_DUMP_BUFFER_SIZE);
                if (n < 0)
                        return negative_errno();
                n = mnl_cb_run(buf, (size_t) n, seq, s->portid, dump_cb, &d);
                if (n < 0)
                        return negative_errno();
                if (n == MNL_CB_STOP)
                        return d.error;
        }
}

static uint32_t next_seq(void) {
        static uint32_t seq;

        if (seq == 0)
                seq = (uint32_t) time(NULL);
        return ++seq;
}

typedef struct Collector {
        void *items;
        size_t n, allocated, item_size;
} Collector;

static void *collector_next(Collector *c) {
        if (c->n == c->allocated) {
                size_t m = MAX(c->allocated * 2, (size_t) 16);
                void *p = realloc(c->items, m * c->item_size);

                if (!p)
                        return NULL;
                c->items = p;
                c->allocated = m;
        }
        return memset((uint8_t *) c->items + c->n++ * c->item_size, 0, c->item_size);
}

void nft_chain_infos_free(NftChainInfo *c, size_t n) {
        for (size_t i = 0; c && i < n; i++) {
                free(c[i].table);
                free(c[i].name);
                free(c[i].type);
        }
        free(c);
}

static int parse_chain(const struct nlmsghdr *nlh, void *userdata) {
        _cleanup_(nftnl_chain_freep) struct nftnl_chain *c = nftnl_chain_alloc();
        NftChainInfo *info;

        if (!c)
                return -ENOMEM;
        if (nftnl_chain_nlmsg_parse(nlh, c) < 0)
                return -EBADMSG;
        info = collector_next(userdata);
        if (!info)
                return -ENOMEM;
        info->family = (int) nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY);
        info->table = strdup(strempty(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE)));
        info->name = strdup(strempty(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME)));
        info->hook = -1;
        if (nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM)) {
                info->hook = (int) nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
                info->priority = nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO);
                info->type = strdup(strempty(nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE)));
                info->policy_drop = nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY) &&
                                    nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) == NF_DROP;
                if (!info->type)
                        return -ENOMEM;
        }
        return info->table && info->name ? 0 : -ENOMEM;
}

static int chains_list(NfSocket *s, NftChainInfo **ret, size_t *ret_n) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        Collector c = { .item_size = sizeof(NftChainInfo) };
        struct nlmsghdr *nlh;
        int k;

        nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, NFPROTO_UNSPEC, NLM_F_DUMP, next_seq());
        k = nf_request(s, nlh, parse_chain, &c);
        if (k < 0) {
                nft_chain_infos_free(c.items, c.n);
                return k;
        }
        *ret = c.items;
        *ret_n = c.n;
        return 0;
}

int nft_chains_list(int netns_fd, NftChainInfo **ret, size_t *ret_n) {
        NfSocket s = {};
        int k;

        k = nf_socket_open(netns_fd, &s);
        if (k < 0)
                return k;
        k = chains_list(&s, ret, ret_n);
        nf_socket_close(&s);
        return k;
}

static int parse_nothing(const struct nlmsghdr *nlh, void *userdata) {
        return 0;
}

static int table_exists(NfSocket *s) {
        _cleanup_(nftnl_table_freep) struct nftnl_table *t = nftnl_table_alloc();
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh;
        int k;

        if (!t)
                return -ENOMEM;
        nftnl_table_set_str(t, NFTNL_TABLE_NAME, NFT_TABLE_NAME);
        nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_ACK, next_seq());
        nftnl_table_nlmsg_build_payload(nlh, t);
        k = nf_request(s, nlh, parse_nothing, NULL);
        if (k == -ENOENT)
                return 0;
        return k < 0 ? k : 1;
}

static int parse_rule(const struct nlmsghdr *nlh, void *userdata) {
        _cleanup_(nftnl_rule_freep) struct nftnl_rule *r = nftnl_rule_alloc();
        NftTableState *st = userdata;
        const char *chain;

        if (!r)
                return -ENOMEM;
        if (nftnl_rule_nlmsg_parse(nlh, r) < 0)
                return -EBADMSG;
        chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
        st->n_rules++;
        for (size_t i = 0; chain && i < st->n_chains; i++)
                if (streq(st->chains[i].name, chain))
                        st->chains[i].n_rules++;
        return 0;
}

static int count_rules(NfSocket *s, NftTableState *st) {
        _cleanup_(nftnl_rule_freep) struct nftnl_rule *r = nftnl_rule_alloc();
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh;

        if (!r)
                return -ENOMEM;
        nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_TABLE_NAME);
        nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET, NLM_F_DUMP, next_seq());
        nftnl_rule_nlmsg_build_payload(nlh, r);
        return nf_request(s, nlh, parse_rule, st);
}

static int parse_set_name(const struct nlmsghdr *nlh, void *userdata) {
        _cleanup_(nftnl_set_freep) struct nftnl_set *s = nftnl_set_alloc();

        if (!s)
                return -ENOMEM;
        if (nftnl_set_nlmsg_parse(nlh, s) < 0)
                return -EBADMSG;
        return strv_extend(userdata, strempty(nftnl_set_get_str(s, NFTNL_SET_NAME)));
}

static int decode_values(const uint8_t *buf, size_t len, const NftType *types, size_t n, NftValue *ret) {
        size_t off = 0;

        if (len != types_len(types, n))
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                size_t size = type_info[types[i]].size;
                NftValue v = { .type = types[i] };
                uint16_t port;

                switch (types[i]) {
                case NFT_TYPE_IFNAME:
                        memcpy(v.ifname, buf + off, IFNAMSIZ - 1);
                        break;
                case NFT_TYPE_IPV4:
                case NFT_TYPE_IPV6:
                        memcpy(&v.address, buf + off, size);
                        break;
                case NFT_TYPE_PROTO:
                        v.protocol = buf[off];
                        break;
                case NFT_TYPE_PORT:
                        memcpy(&port, buf + off, sizeof(port));
                        v.port = ntohs(port);
                        break;
                default:
                        return -EBADMSG;
                }
                ret[i] = v;
                off += n == 1 ? size : padded(size);
        }
        return 0;
}

/* An element as the kernel dumps it, before interval pairs are joined. */
typedef struct RawElement {
        uint8_t key[64];
        size_t key_len;
        uint8_t data[64];
        size_t data_len;
        uint32_t flags;
        char *comment;
} RawElement;

static int udata_comment_cb(const struct nftnl_udata *attr, void *data) {
        if (nftnl_udata_type(attr) == NFTNL_UDATA_SET_ELEM_COMMENT && nftnl_udata_len(attr) > 0) {
                const char *s = nftnl_udata_get(attr);

                if (memchr(s, '\0', nftnl_udata_len(attr)))
                        *(const char **) data = s;
        }
        return 0;
}

static int collect_element(struct nftnl_set_elem *e, void *userdata) {
        const void *p;
        uint32_t len;
        RawElement *raw;

        raw = collector_next(userdata);
        if (!raw)
                return -ENOMEM;
        p = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
        if (!p || len > sizeof(raw->key))
                return -EBADMSG;
        memcpy(raw->key, p, len);
        raw->key_len = len;
        if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_DATA)) {
                p = nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &len);
                if (!p || len > sizeof(raw->data))
                        return -EBADMSG;
                memcpy(raw->data, p, len);
                raw->data_len = len;
        }
        if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS))
                raw->flags = nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS);
        if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_USERDATA)) {
                const char *comment = NULL;

                p = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &len);
                if (p && nftnl_udata_parse(p, len, udata_comment_cb, &comment) >= 0 && comment) {
                        raw->comment = strdup(comment);
                        if (!raw->comment)
                                return -ENOMEM;
                }
        }
        return 0;
}

static int parse_elements(const struct nlmsghdr *nlh, void *userdata) {
        _cleanup_(nftnl_set_freep) struct nftnl_set *s = nftnl_set_alloc();

        if (!s)
                return -ENOMEM;
        if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0)
                return -EBADMSG;
        return nftnl_set_elem_foreach(s, collect_element, userdata) < 0 ? -ENOMEM : 0;
}

static int raw_compare(const void *a, const void *b) {
        const RawElement *x = a, *y = b;

        return memcmp(x->key, y->key, MIN(x->key_len, y->key_len));
}

/* The prefix length that makes [start, end) a prefix, or -1. */
static int interval_prefixlen(const uint8_t *start, const uint8_t *end, size_t size) {
        for (unsigned host_bits = 0; host_bits <= size * 8; host_bits++) {
                uint8_t x[16];

                memcpy(x, start, size);
                if (address_add_power_of_two(x, size, host_bits) && memcmp(x, end, size) == 0)
                        return (int) (size * 8 - host_bits);
        }
        return -1;
}

static int decode_elements(NftSetInfo *info, RawElement *raw, size_t n) {
        const NftSetDef *def = nft_set_find(info->name);
        Collector c = { .item_size = sizeof(NftElement) };
        int k = 0;

        if (!def)
                return 0; /* not a set of our design: listed by name only */
        if (def->interval)
                qsort(raw, n, sizeof(RawElement), raw_compare);
        for (size_t i = 0; k >= 0 && i < n; i++) {
                NftElement *e;
                int prefixlen = 0;

                if (raw[i].flags & NFT_SET_ELEM_INTERVAL_END)
                        continue; /* ends are read with their start; the lone first one is nft's */
                if (def->interval) {
                        if (i + 1 >= n || !(raw[i + 1].flags & NFT_SET_ELEM_INTERVAL_END))
                                continue;
                        prefixlen = interval_prefixlen(raw[i].key, raw[i + 1].key, raw[i].key_len);
                        if (prefixlen < 0)
                                continue;
                }
                e = collector_next(&c);
                if (!e) {
                        k = -ENOMEM;
                        break;
                }
                e->set = def;
                e->prefixlen = (unsigned char) prefixlen;
                k = decode_values(raw[i].key, raw[i].key_len, def->key, def->n_key, e->key);
                if (k >= 0 && def->n_data > 0)
                        k = decode_values(raw[i].data, raw[i].data_len, def->data, def->n_data, e->data);
                if (k >= 0 && raw[i].comment) {
                        e->comment = raw[i].comment;
                        k = strv_push(&info->strings, TAKE_PTR(raw[i].comment));
                }
        }
        if (k < 0) {
                free(c.items);
                return k;
        }
        info->elements = c.items;
        info->n_elements = c.n;
        return 0;
}

static int read_set(NfSocket *s, NftSetInfo *info) {
        _cleanup_(nftnl_set_freep) struct nftnl_set *set = nftnl_set_alloc();
        char buf[MNL_SOCKET_BUFFER_SIZE];
        Collector c = { .item_size = sizeof(RawElement) };
        struct nlmsghdr *nlh;
        int k;

        if (!set)
                return -ENOMEM;
        nftnl_set_set_str(set, NFTNL_SET_TABLE, NFT_TABLE_NAME);
        nftnl_set_set_str(set, NFTNL_SET_NAME, info->name);
        nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_DUMP, next_seq());
        nftnl_set_elems_nlmsg_build_payload(nlh, set);
        k = nf_request(s, nlh, parse_elements, &c);
        if (k >= 0)
                k = decode_elements(info, c.items, c.n);
        for (size_t i = 0; i < c.n; i++)
                free(((RawElement *) c.items)[i].comment);
        free(c.items);
        return k;
}

static int read_sets(NfSocket *s, NftTableState *st) {
        _cleanup_(nftnl_set_freep) struct nftnl_set *set = nftnl_set_alloc();
        _cleanup_strv_free_ char **names = NULL;
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh;
        int k;

        if (!set)
                return -ENOMEM;
        nftnl_set_set_str(set, NFTNL_SET_TABLE, NFT_TABLE_NAME);
        nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, NFPROTO_INET, NLM_F_DUMP, next_seq());
        nftnl_set_nlmsg_build_payload(nlh, set);
        k = nf_request(s, nlh, parse_set_name, &names);
        if (k < 0)
                return k;
        st->sets = calloc(strv_length(names) ?: 1, sizeof(NftSetInfo));
        if (!st->sets)
                return -ENOMEM;
        STRV_FOREACH (name, names) {
                NftSetInfo *info = &st->sets[st->n_sets++];

                info->name = strdup(*name);
                if (!info->name)
                        return -ENOMEM;
                k = read_set(s, info);
                if (k < 0)
                        return k;
        }
        return 0;
}

NftTableState *nft_table_state_free(NftTableState *st) {
        if (!st)
                return NULL;
        nft_chain_infos_free(st->chains, st->n_chains);
        for (size_t i = 0; i < st->n_sets; i++) {
                free(st->sets[i].name);
                free(st->sets[i].elements);
                strv_free(st->sets[i].strings);
        }
        free(st->sets);
        free(st);
        return NULL;
}

/* Our chains out of every chain of the namespace. */
static int keep_our_chains(NftTableState *st, NftChainInfo *all, size_t n) {
        st->chains = calloc(n ?: 1, sizeof(NftChainInfo));
        if (!st->chains) {
                nft_chain_infos_free(all, n);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
                if (all[i].family == NFPROTO_INET && streq(all[i].table, NFT_TABLE_NAME))
                        st->chains[st->n_chains++] = all[i];
                else {
                        free(all[i].table);
                        free(all[i].name);
                        free(all[i].type);
                }
        free(all);
        return 0;
}

static int table_read(NfSocket *s, NftTableState *st) {
        NftChainInfo *all;
        size_t n;
        int k;

        k = table_exists(s);
        if (k <= 0)
                return k;
        st->exists = true;
        k = chains_list(s, &all, &n);
        if (k < 0)
                return k;
        k = keep_our_chains(st, all, n);
        if (k >= 0)
                k = count_rules(s, st);
        if (k >= 0)
                k = read_sets(s, st);
        return k;
}

int nft_table_read(int netns_fd, NftTableState **ret) {
        _cleanup_(nft_table_state_freep) NftTableState *st = NULL;
        NfSocket s = {};
        int k;

        st = calloc(1, sizeof(NftTableState));
        if (!st)
                return -ENOMEM;
        k = nf_socket_open(netns_fd, &s);
        if (k < 0)
                return k;
        k = table_read(&s, st);
        nf_socket_close(&s);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(st);
        return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Doctor facts */

static int read_int_file(const char *path) {
        _cleanup_free_ char *s = NULL;
        int k;

        k = read_full_file(path, &s, NULL);
        if (k < 0)
                return -1;
        return atoi(s);
}

static int facts_read(void *userdata) {
        NftDoctorFacts *f = userdata;

        /* /proc/sys/net shows the namespace of whoever opens it: this runs inside the target. */
        f->ip_forward = read_int_file("/proc/sys/net/ipv4/ip_forward");
        f->ipv6_forwarding = read_int_file("/proc/sys/net/ipv6/conf/all/forwarding");
        f->bridge_nf_call_iptables = read_int_file("/proc/sys/net/bridge/bridge-nf-call-iptables");
        return 0;
}

int nft_doctor_facts_read(int netns_fd, NftDoctorFacts *facts) {
        return netns_run(netns_fd, facts_read, facts);
}
