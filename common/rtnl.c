/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/ip.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include "name.h"
#include "netlink-util.h"
#include "rtnl.h"

struct Rtnl {
        struct mnl_socket *nl;
        uint32_t portid;
        uint32_t seq;
        char *error_message;
};

/* Requests are small; dumps come in messages of up to 32 KiB (what the kernel sends when the
 * reader's buffer allows it). */
#define RTNL_BUFFER_SIZE (32U * 1024U)
#define RTNL_REQUEST_SIZE 1024U

static const char * const rtnl_macvlan_mode_table[_RTNL_MACVLAN_MAX] = {
        [RTNL_MACVLAN_BRIDGE] = "bridge",
        [RTNL_MACVLAN_PRIVATE] = "private",
        [RTNL_MACVLAN_VEPA] = "vepa",
};

DEFINE_STRING_TABLE_LOOKUP(rtnl_macvlan_mode, RtnlMacvlanMode, _RTNL_MACVLAN_MAX);

static const uint32_t macvlan_mode_kernel[_RTNL_MACVLAN_MAX] = {
        [RTNL_MACVLAN_BRIDGE] = MACVLAN_MODE_BRIDGE,
        [RTNL_MACVLAN_PRIVATE] = MACVLAN_MODE_PRIVATE,
        [RTNL_MACVLAN_VEPA] = MACVLAN_MODE_VEPA,
};

Rtnl *rtnl_free(Rtnl *r) {
        if (!r)
                return NULL;
        if (r->nl)
                mnl_socket_close(r->nl);
        free(r->error_message);
        free(r);
        return NULL;
}

int rtnl_open(int netns_fd, Rtnl **ret) {
        _cleanup_(rtnl_freep) Rtnl *r = NULL;
        _cleanup_close_ int fd = -EBADF;
        int one = 1;

        fd = netns_socket(netns_fd, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
        if (fd < 0)
                return fd;
        /* Ask for the kernel's explanation with every error (4.12), and for acks without a copy of
         * our request. A kernel that refuses the options just gives errors without text. */
        (void) setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
        (void) setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

        r = calloc(1, sizeof(Rtnl));
        if (!r)
                return -ENOMEM;
        r->nl = mnl_socket_fdopen(fd);
        if (!r->nl)
                return negative_errno();
        TAKE_FD(fd);
        if (mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0)
                return negative_errno();
        r->portid = mnl_socket_get_portid(r->nl);
        r->seq = (uint32_t) time(NULL);
        *ret = TAKE_PTR(r);
        return 0;
}

const char *rtnl_error_message(const Rtnl *r) {
        return r->error_message;
}

/* ------------------------------------------------------------------------------------------------
 * One request, its replies */

/* libmnl hands one pointer to both the data and the error callbacks: this is it. */
typedef struct RtnlCall {
        Rtnl *rtnl;
        int (*parse)(const struct nlmsghdr *nlh, void *userdata);
        void *userdata;
        int parse_error;
} RtnlCall;

static int call_error_cb(const struct nlmsghdr *nlh, void *data) {
        RtnlCall *c = data;
        const char *message;
        int error;

        if (netlink_error_parse(nlh, nlh->nlmsg_len, &error, &message) < 0) {
                errno = EBADMSG;
                return MNL_CB_ERROR;
        }
        if (error == 0)
                return MNL_CB_STOP; /* the ack */
        if (message) {
                free(c->rtnl->error_message);
                c->rtnl->error_message = strdup(message);
        }
        errno = -error;
        return MNL_CB_ERROR;
}

static int call_done_cb(const struct nlmsghdr *nlh, void *data) {
        return MNL_CB_STOP; /* the end of a dump */
}

static int call_data_cb(const struct nlmsghdr *nlh, void *data) {
        RtnlCall *c = data;
        int r;

        /* After a failure (out of memory) keep reading to the end of the dump, so that nothing of
         * it is left in the socket for the next request; report the failure then. */
        if (!c->parse || c->parse_error < 0)
                return MNL_CB_OK;
        r = c->parse(nlh, c->userdata);
        if (r < 0)
                c->parse_error = r;
        return MNL_CB_OK;
}

static int rtnl_call(Rtnl *r, struct nlmsghdr *nlh, int (*parse)(const struct nlmsghdr *, void *),
                     void *userdata) {
        /* Given a table of control callbacks, libmnl calls nothing else for control messages. */
        mnl_cb_t ctl[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = call_error_cb, [NLMSG_DONE] = call_done_cb };
        RtnlCall c = { .rtnl = r, .parse = parse, .userdata = userdata };
        _cleanup_free_ char *buf = NULL;
        int n;

        free(r->error_message);
        r->error_message = NULL;
        nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
        nlh->nlmsg_seq = ++r->seq;
        if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
                return negative_errno();

        buf = malloc(RTNL_BUFFER_SIZE);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                n = mnl_socket_recvfrom(r->nl, buf, RTNL_BUFFER_SIZE);
                if (n < 0)
                        return negative_errno();
                n = mnl_cb_run2(buf, n, nlh->nlmsg_seq, r->portid, call_data_cb, &c, ctl, ELEMENTSOF(ctl));
                if (n < 0)
                        return negative_errno();
                if (n == MNL_CB_STOP)
                        return c.parse_error;
        }
}

static struct nlmsghdr *put_link_header(char *buf, uint16_t type, uint16_t flags, int ifindex) {
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        struct ifinfomsg *ifi;

        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = flags;
        ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = ifindex;
        return nlh;
}

/* ------------------------------------------------------------------------------------------------
 * Links */

static int parse_index(const struct nlmsghdr *nlh, void *userdata) {
        const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

        if (nlh->nlmsg_type == RTM_NEWLINK)
                *(int *) userdata = ifi->ifi_index;
        return 0;
}

int rtnl_link_index(Rtnl *r, const char *name) {
        char buf[RTNL_REQUEST_SIZE];
        struct nlmsghdr *nlh;
        int ifindex = 0, k;

        if (!ifname_is_valid(name))
                return -EINVAL;
        nlh = put_link_header(buf, RTM_GETLINK, 0, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        /* Only the basics in the reply, not every statistic (5.x+; ignored before). */
        mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        k = rtnl_call(r, nlh, parse_index, &ifindex);
        if (k < 0)
                return k;
        return ifindex > 0 ? ifindex : -ENODEV;
}

/* ifi: the ifinfomsg the attributes belong to (the request's, or a veth peer's). */
static void put_link_params(struct nlmsghdr *nlh, struct ifinfomsg *ifi, const RtnlLinkParams *p) {
        if (!p)
                return;
        if (p->mtu > 0)
                mnl_attr_put_u32(nlh, IFLA_MTU, p->mtu);
        if (p->mac)
                mnl_attr_put(nlh, IFLA_ADDRESS, ETH_ALEN, p->mac);
        if (p->master > 0)
                mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t) p->master);
        if (p->up) {
                ifi->ifi_change |= IFF_UP;
                ifi->ifi_flags |= IFF_UP;
        }
}

static int link_params_check(const RtnlLinkParams *p) {
        if (!p)
                return 0;
        /* Unicast only: a multicast source address is invalid on the wire. */
        if (p->mac && (p->mac->ether_addr_octet[0] & 0x01))
                return -EINVAL;
        if (p->master < 0)
                return -EINVAL;
        return 0;
}

static void random_mac(struct ether_addr *ret) {
        if (getrandom(ret, sizeof(*ret), 0) != (ssize_t) sizeof(*ret)) {
                /* getrandom() of 6 bytes does not fail once the pool is ready (long before any
                 * bridge is made); time is a fallback that still gives a valid address. */
                uint64_t t = (uint64_t) time(NULL) ^ (uint64_t) getpid() << 16;

                memcpy(ret, &t, sizeof(*ret));
        }
        ret->ether_addr_octet[0] &= 0xfe; /* unicast */
        ret->ether_addr_octet[0] |= 0x02; /* locally administered */
}

int rtnl_bridge_create(Rtnl *r, const char *name, const RtnlLinkParams *p) {
        char buf[RTNL_REQUEST_SIZE];
        RtnlLinkParams q = p ? *p : (RtnlLinkParams) {};
        struct ether_addr mac;
        struct nlmsghdr *nlh;
        struct nlattr *info, *data;

        if (!ifname_is_valid(name) || link_params_check(p) < 0)
                return -EINVAL;
        if (!q.mac) {
                random_mac(&mac);
                q.mac = &mac;
        }
        nlh = put_link_header(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        put_link_params(nlh, mnl_nlmsg_get_payload(nlh), &q);
        info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
        data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, 0);
        /* Accepted below the STP minimum (2 s) because STP is off. */
        mnl_attr_put_u32(nlh, IFLA_BR_FORWARD_DELAY, 0);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, info);
        return rtnl_call(r, nlh, NULL, NULL);
}

int rtnl_veth_create(Rtnl *r, const char *name, const RtnlLinkParams *p, const char *peer, int peer_netns_fd,
                     const RtnlLinkParams *peer_p) {
        char buf[RTNL_REQUEST_SIZE];
        struct nlmsghdr *nlh;
        struct nlattr *info, *data, *peer_nest;
        struct ifinfomsg *peer_ifi;

        if (!ifname_is_valid(name) || !ifname_is_valid(peer) || link_params_check(p) < 0 ||
            link_params_check(peer_p) < 0)
                return -EINVAL;
        nlh = put_link_header(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        put_link_params(nlh, mnl_nlmsg_get_payload(nlh), p);
        info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
        data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        /* VETH_INFO_PEER holds an ifinfomsg followed by the peer's own link attributes. */
        peer_nest = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
        peer_ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
        peer_ifi->ifi_family = AF_UNSPEC;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
        if (peer_netns_fd >= 0)
                mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t) peer_netns_fd);
        /* The peer's master, if any, is looked up in its own namespace. */
        put_link_params(nlh, peer_ifi, peer_p);
        mnl_attr_nest_end(nlh, peer_nest);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, info);
        return rtnl_call(r, nlh, NULL, NULL);
}

int rtnl_macvlan_create(Rtnl *r, const char *name, const char *parent, RtnlMacvlanMode mode, int netns_fd,
                        const RtnlLinkParams *p) {
        char buf[RTNL_REQUEST_SIZE];
        struct nlmsghdr *nlh;
        struct nlattr *info, *data;
        int parent_index;

        if (!ifname_is_valid(name) || mode < 0 || mode >= _RTNL_MACVLAN_MAX || link_params_check(p) < 0)
                return -EINVAL;
        parent_index = rtnl_link_index(r, parent);
        if (parent_index < 0)
                return parent_index;

        nlh = put_link_header(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t) parent_index);
        /* The parent is looked up here, the new link is born in netns_fd. */
        if (netns_fd >= 0)
                mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t) netns_fd);
        put_link_params(nlh, mnl_nlmsg_get_payload(nlh), p);
        info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "macvlan");
        data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, macvlan_mode_kernel[mode]);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, info);
        return rtnl_call(r, nlh, NULL, NULL);
}

int rtnl_vxlan_create(Rtnl *r, const char *name, uint32_t vni, int family, const union in_addr_union *local,
                      uint16_t port, const RtnlLinkParams *p) {
        char buf[RTNL_REQUEST_SIZE];
        struct nlmsghdr *nlh;
        struct nlattr *info, *data;

        if (!ifname_is_valid(name) || vni == 0 || vni > 0xffffffU || (family != AF_INET && family != AF_INET6) ||
            port == 0 || link_params_check(p) < 0)
                return -EINVAL;
        nlh = put_link_header(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        put_link_params(nlh, mnl_nlmsg_get_payload(nlh), p);
        info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vxlan");
        data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, vni);
        if (family == AF_INET)
                mnl_attr_put(nlh, IFLA_VXLAN_LOCAL, sizeof(local->in), &local->in);
        else
                mnl_attr_put(nlh, IFLA_VXLAN_LOCAL6, sizeof(local->in6), &local->in6);
        mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons(port));
        mnl_attr_put_u8(nlh, IFLA_VXLAN_LEARNING, 1);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, info);
        return rtnl_call(r, nlh, NULL, NULL);
}

int rtnl_fdb_append(Rtnl *r, const char *name, int family, const union in_addr_union *dst) {
        static const uint8_t zero_mac[ETH_ALEN] = {};
        char buf[RTNL_REQUEST_SIZE];
        struct nlmsghdr *nlh;
        struct ndmsg *ndm;
        int ifindex;

        if (family != AF_INET && family != AF_INET6)
                return -EINVAL;
        ifindex = rtnl_link_index(r, name);
        if (ifindex < 0)
                return ifindex;
        nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = RTM_NEWNEIGH;
        /* APPEND: the all-zero MAC takes one entry per destination (each gets a copy). */
        nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_APPEND;
        ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
        ndm->ndm_family = AF_BRIDGE;
        ndm->ndm_ifindex = ifindex;
        ndm->ndm_state = NUD_NOARP | NUD_PERMANENT;
        ndm->ndm_flags = NTF_SELF;
        mnl_attr_put(nlh, NDA_LLADDR, ETH_ALEN, zero_mac);
        mnl_attr_put(nlh, NDA_DST, in_addr_size(family), dst);
        return rtnl_call(r, nlh, NULL, NULL);
}

/* Changes to an existing link go through RTM_NEWLINK without NLM_F_CREATE, as "ip link set" does:
 * unlike RTM_SETLINK it also takes bridge port settings (IFLA_INFO_SLAVE_DATA). */
static int link_change_start(Rtnl *r, const char *name, char *buf, struct nlmsghdr **ret) {
        int ifindex = rtnl_link_index(r, name);

        if (ifindex < 0)
                return ifindex;
        *ret = put_link_header(buf, RTM_NEWLINK, 0, ifindex);
        return 0;
}

int rtnl_link_set_up(Rtnl *r, const char *name, bool up) {
        char buf[RTNL_REQUEST_SIZE];
        struct nlmsghdr *nlh;
        struct ifinfomsg *ifi;
        int k;

        k = link_change_start(r, name, buf, &nlh);
        if (k < 0)
                return k;
        ifi = mnl_nlmsg_get_payload(nlh);
        ifi->ifi_change = IFF_UP;
        ifi->ifi_flags = up ? IFF_UP : 0;
        return rtnl_call(r, nlh, NULL, NULL);
}

int rtnl_link_set_mtu(Rtnl *r, const char *name, uint32_t mtu) {
        char buf[RTNL_REQUEST_SIZE];
        struct nlmsghdr *nlh;
        int k;

        if (mtu == 0)
                return -EINVAL;
        k = link_change_start(r, name, buf, &nlh);
        if (k < 0)
                return k;
        mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
        return rtnl_call(r, nlh, NULL, NULL);
}

int rtnl_link_set_mac(Rtnl *r, const char *name, const struct ether_addr *mac) {
        char buf[RTNL_REQUEST_SIZE];
        struct nlmsghdr *nlh;
        int k;

        if (link_params_check(&(RtnlLinkParams) { .mac = mac }) < 0 || !mac)
                return -EINVAL;
        k = link_change_start(r, name, buf, &nlh);
        if (k < 0)
                return k;
        mnl_attr_put(nlh, IFLA_ADDRESS, ETH_ALEN, mac);
        return rtnl_call(r, nlh, NULL, NULL);
}

int rtnl_link_set_master(Rtnl *r, const char *name, const char *master) {
        char buf[RTNL_REQUEST_SIZE];
        struct nlmsghdr *nlh;
        int master_index = 0, k;

        if (master) {
                master_index = rtnl_link_index(r, master);
                if (master_index < 0)
                        return master_index;
        }
        k = link_change_start(r, name, buf, &nlh);
        if (k < 0)
                return k;
        mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t) master_index);
        return rtnl_call(r, nlh, NULL, NULL);
}

int rtnl_link_rename(Rtnl *r, const char *name, const char *new_name) {
        char buf[RTNL_REQUEST_SIZE];
        struct nlmsghdr *nlh;
        int k;

        if (!ifname_is_valid(new_name))
                return -EINVAL;
        k = link_change_start(r, name, buf, &nlh);
        if (k < 0)
                return k;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, new_name);
        return rtnl_call(r, nlh, NULL, NULL);
}

int rtnl_link_move(Rtnl *r, const char *name, int netns_fd, const char *new_name) {
        char buf[RTNL_REQUEST_SIZE];
        struct nlmsghdr *nlh;
        int k;

        if (netns_fd < 0 || (new_name && !ifname_is_valid(new_name)))
                return -EINVAL;
        k = link_change_start(r, name, buf, &nlh);
        if (k < 0)
                return k;
        mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t) netns_fd);
        if (new_name)
                mnl_attr_put_strz(nlh, IFLA_IFNAME, new_name);
        return rtnl_call(r, nlh, NULL, NULL);
}

int rtnl_link_delete(Rtnl *r, const char *name) {
        char buf[RTNL_REQUEST_SIZE];
        int ifindex;

        ifindex = rtnl_link_index(r, name);
        if (ifindex < 0)
                return ifindex;
        return rtnl_call(r, put_link_header(buf, RTM_DELLINK, 0, ifindex), NULL, NULL);
}

int rtnl_bridge_port_set_hairpin(Rtnl *r, const char *name, bool on) {
        char buf[RTNL_REQUEST_SIZE];
        struct nlmsghdr *nlh;
        struct nlattr *info, *data;
        int k;

        k = link_change_start(r, name, buf, &nlh);
        if (k < 0)
                return k;
        info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_SLAVE_KIND, "bridge");
        data = mnl_attr_nest_start(nlh, IFLA_INFO_SLAVE_DATA);
        mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, on);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, info);
        return rtnl_call(r, nlh, NULL, NULL);
}

int rtnl_link_set_route_localnet(Rtnl *r, const char *name, bool on) {
        char buf[RTNL_REQUEST_SIZE];
        struct nlmsghdr *nlh;
        struct nlattr *spec, *inet, *conf;
        int k;

        k = link_change_start(r, name, buf, &nlh);
        if (k < 0)
                return k;
        /* IFLA_AF_SPEC/AF_INET/IFLA_INET_CONF: attribute type = IPV4_DEVCONF_* index (linux/ip.h). */
        spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
        inet = mnl_attr_nest_start(nlh, AF_INET);
        conf = mnl_attr_nest_start(nlh, IFLA_INET_CONF);
        mnl_attr_put_u32(nlh, IPV4_DEVCONF_ROUTE_LOCALNET, on);
        mnl_attr_nest_end(nlh, conf);
        mnl_attr_nest_end(nlh, inet);
        mnl_attr_nest_end(nlh, spec);
        return rtnl_call(r, nlh, NULL, NULL);
}

/* ------------------------------------------------------------------------------------------------
 * Addresses and routes */

static int address_request(Rtnl *r, uint16_t type, uint16_t flags, const char *ifname, const InAddrPrefix *a,
                           RtnlAddressFlags aflags) {
        char buf[RTNL_REQUEST_SIZE];
        struct nlmsghdr *nlh;
        struct ifaddrmsg *ifa;
        size_t size = in_addr_size(a->family);
        int ifindex;

        if (size == 0 || a->prefixlen > size * 8)
                return -EINVAL;
        ifindex = rtnl_link_index(r, ifname);
        if (ifindex < 0)
                return ifindex;

        nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = flags;
        ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
        ifa->ifa_family = (uint8_t) a->family;
        ifa->ifa_prefixlen = a->prefixlen;
        ifa->ifa_scope = RT_SCOPE_UNIVERSE;
        ifa->ifa_index = (uint32_t) ifindex;
        if (aflags & RTNL_ADDRESS_NODAD) {
                ifa->ifa_flags = IFA_F_NODAD;
                mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
        }
        /* IPv4 wants IFA_LOCAL (the address) besides IFA_ADDRESS (the peer on point-to-point). */
        if (a->family == AF_INET)
                mnl_attr_put(nlh, IFA_LOCAL, size, &a->address);
        mnl_attr_put(nlh, IFA_ADDRESS, size, &a->address);
        if (a->family == AF_INET && a->prefixlen <= 30 && type == RTM_NEWADDR) {
                struct in_addr b = a->address.in;

                b.s_addr |= htonl(a->prefixlen == 0 ? UINT32_MAX : (UINT32_C(1) << (32 - a->prefixlen)) - 1);
                mnl_attr_put(nlh, IFA_BROADCAST, sizeof(b), &b);
        }
        return rtnl_call(r, nlh, NULL, NULL);
}

int rtnl_address_add(Rtnl *r, const char *ifname, const InAddrPrefix *a, RtnlAddressFlags flags) {
        return address_request(r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifname, a, flags);
}

int rtnl_address_del(Rtnl *r, const char *ifname, const InAddrPrefix *a) {
        return address_request(r, RTM_DELADDR, 0, ifname, a, 0);
}

static int route_request(Rtnl *r, uint16_t type, uint16_t flags, const RtnlRoute *rt) {
        char buf[RTNL_REQUEST_SIZE];
        struct nlmsghdr *nlh;
        struct rtmsg *rtm;
        int family = rt->dst.family, ifindex = 0;
        size_t size = in_addr_size(family);

        if (size == 0 || rt->dst.prefixlen > size * 8 || (!rt->has_gateway && !rt->ifname))
                return -EINVAL;
        if (rt->ifname) {
                ifindex = rtnl_link_index(r, rt->ifname);
                if (ifindex < 0)
                        return ifindex;
        }

        nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = flags;
        rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
        rtm->rtm_family = (uint8_t) family;
        rtm->rtm_dst_len = rt->dst.prefixlen;
        rtm->rtm_table = RT_TABLE_MAIN;
        rtm->rtm_protocol = RTPROT_STATIC;
        /* A route through a gateway reaches beyond the link; one without is on the link itself. */
        rtm->rtm_scope = rt->has_gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
        rtm->rtm_type = RTN_UNICAST;
        if (type == RTM_DELROUTE)
                rtm->rtm_scope = RT_SCOPE_NOWHERE; /* "any scope" when deleting */

        if (rt->dst.prefixlen > 0)
                mnl_attr_put(nlh, RTA_DST, size, &rt->dst.address);
        if (rt->has_gateway)
                mnl_attr_put(nlh, RTA_GATEWAY, size, &rt->gateway);
        if (ifindex > 0)
                mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t) ifindex);
        if (rt->has_prefsrc)
                mnl_attr_put(nlh, RTA_PREFSRC, size, &rt->prefsrc);
        if (rt->metric > 0)
                mnl_attr_put_u32(nlh, RTA_PRIORITY, rt->metric);
        return rtnl_call(r, nlh, NULL, NULL);
}

int rtnl_route_add(Rtnl *r, const RtnlRoute *route) {
        return route_request(r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, route);
}

int rtnl_route_del(Rtnl *r, const RtnlRoute *route) {
        return route_request(r, RTM_DELROUTE, 0, route);
}

/* ------------------------------------------------------------------------------------------------
 * Dumps */

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

static int link_info_kind(const struct nlattr *info, char *kind, size_t size) {
        const struct nlattr *a;

        mnl_attr_for_each_nested(a, info) if (mnl_attr_get_type(a) == IFLA_INFO_KIND &&
                                              mnl_attr_validate(a, MNL_TYPE_STRING) >= 0)
                snprintf(kind, size, "%s", mnl_attr_get_str(a));
        return 0;
}

static int parse_link(const struct nlmsghdr *nlh, void *userdata) {
        const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
        const struct nlattr *a;
        RtnlLink *l;

        if (nlh->nlmsg_type != RTM_NEWLINK)
                return 0;
        l = collector_next(userdata);
        if (!l)
                return -ENOMEM;
        l->ifindex = ifi->ifi_index;
        l->flags = ifi->ifi_flags;
        mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
                switch (mnl_attr_get_type(a)) {
                case IFLA_IFNAME:
                        if (mnl_attr_validate(a, MNL_TYPE_STRING) >= 0)
                                snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(a));
                        break;
                case IFLA_MASTER:
                        if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
                                l->master = (int) mnl_attr_get_u32(a);
                        break;
                case IFLA_MTU:
                        if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
                                l->mtu = mnl_attr_get_u32(a);
                        break;
                case IFLA_ADDRESS:
                        if (mnl_attr_get_payload_len(a) == ETH_ALEN) {
                                memcpy(&l->mac, mnl_attr_get_payload(a), ETH_ALEN);
                                l->has_mac = true;
                        }
                        break;
                case IFLA_LINKINFO:
                        (void) link_info_kind(a, l->kind, sizeof(l->kind));
                        break;
                }
        }
        return 0;
}

int rtnl_link_list(Rtnl *r, RtnlLink **ret, size_t *ret_n) {
        char buf[RTNL_REQUEST_SIZE];
        Collector c = { .item_size = sizeof(RtnlLink) };
        struct nlmsghdr *nlh;
        int k;

        nlh = put_link_header(buf, RTM_GETLINK, NLM_F_DUMP, 0);
        mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        k = rtnl_call(r, nlh, parse_link, &c);
        if (k < 0) {
                free(c.items);
                return k;
        }
        *ret = c.items;
        *ret_n = c.n;
        return 0;
}

static int parse_address(const struct nlmsghdr *nlh, void *userdata) {
        const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
        size_t size = in_addr_size(ifa->ifa_family);
        const struct nlattr *a;
        bool have_local = false;
        RtnlAddress *x;

        if (nlh->nlmsg_type != RTM_NEWADDR || size == 0)
                return 0;
        x = collector_next(userdata);
        if (!x)
                return -ENOMEM;
        x->ifindex = (int) ifa->ifa_index;
        x->prefix.family = ifa->ifa_family;
        x->prefix.prefixlen = ifa->ifa_prefixlen;
        x->flags = ifa->ifa_flags;
        x->scope = ifa->ifa_scope;
        mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
                uint16_t type = mnl_attr_get_type(a);

                if ((type == IFA_LOCAL || (type == IFA_ADDRESS && !have_local)) &&
                    mnl_attr_get_payload_len(a) == size) {
                        /* IFA_LOCAL is the address itself where both exist (point-to-point). */
                        memcpy(&x->prefix.address, mnl_attr_get_payload(a), size);
                        have_local = have_local || type == IFA_LOCAL;
                } else if (type == IFA_FLAGS && mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
                        x->flags = mnl_attr_get_u32(a);
        }
        return 0;
}

int rtnl_address_list(Rtnl *r, int family, RtnlAddress **ret, size_t *ret_n) {
        char buf[RTNL_REQUEST_SIZE];
        Collector c = { .item_size = sizeof(RtnlAddress) };
        struct nlmsghdr *nlh;
        struct ifaddrmsg *ifa;
        int k;

        if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
                return -EAFNOSUPPORT;
        nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = RTM_GETADDR;
        nlh->nlmsg_flags = NLM_F_DUMP;
        ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
        ifa->ifa_family = (uint8_t) family;
        k = rtnl_call(r, nlh, parse_address, &c);
        if (k < 0) {
                free(c.items);
                return k;
        }
        *ret = c.items;
        *ret_n = c.n;
        return 0;
}
