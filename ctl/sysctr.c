/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>

#include "bind.h"
#include "fleet.h"
#include "log.h"
#include "name.h"
#include "network-config.h"
#include "parse-util.h"
#include "port-spec.h"
#include "signal-util.h"
#include "strv.h"
#include "sysctr.h"
#include "volume.h"

typedef enum CtlOption {
        OPTION_RELEASE,
        OPTION_HOSTNAME,
        OPTION_INIT,
        OPTION_STOP_SIGNAL,
        OPTION_STOP_TIMEOUT,
        OPTION_AUTOSTART,
        OPTION_MEMORY,
        OPTION_CPUS,
        OPTION_PIDS,
        OPTION_BIND,
        OPTION_TIMEOUT,
        OPTION_FORCE,
        OPTION_JSON,
        OPTION_ENV,
        OPTION_WORKDIR,
        OPTION_USER,
        OPTION_REBUILD,
        OPTION_FOLLOW,
        OPTION_LINES,
        OPTION_PRIVILEGED,
        OPTION_ID_BASE,
        OPTION_SHARED_IDS,
        OPTION_VOLUME,
        OPTION_TMPFS,
        OPTION_SIZE,
        OPTION_VOLUMES,
        OPTION_NO_IMAGE,
        OPTION_DRY_RUN,
        OPTION_PRUNE,
        OPTION_YES,
        OPTION_NETWORK,
        OPTION_PUBLISH,
        OPTION_ALLOW_HOST,
        OPTION_TYPE,
        OPTION_SUBNET,
        OPTION_IPV6,
        OPTION_GATEWAY,
        OPTION_NAT,
        OPTION_DNS,
        OPTION_DOMAIN,
        OPTION_MTU,
        OPTION_PARENT,
        OPTION_MODE,
        OPTION_HOST_ACCESS,
        OPTION_PEER,
        OPTION_VNI,
        OPTION_LOCAL,
        _OPTION_MAX,
} CtlOption;

#define OPT(x) (UINT64_C(1) << OPTION_##x)
/* getopt_long() values of the long options; short options map onto the same values. */
#define OPTION_VAL_BASE 0x100

static const struct {
        const char *name;
        char short_name;
        const char *arg;        /* NULL: takes no argument */
        const char *help;       /* N_() */
} options[_OPTION_MAX] = {
        [OPTION_RELEASE] = { "release", 0, "RELEASE", N_("Release of the template, e.g. \"bookworm\"") },
        [OPTION_HOSTNAME] = { "hostname", 0, "NAME", N_("Host name of the container (default: its name)") },
        [OPTION_INIT] = { "init", 0, "PATH", N_("Program to run as PID 1 (default: /sbin/init)") },
        [OPTION_STOP_SIGNAL] = { "stop-signal", 0, "SIGNAL", N_("Signal that asks the init to shut down") },
        [OPTION_STOP_TIMEOUT] = { "stop-timeout", 0, "SEC",
                                  N_("Seconds to wait for a shutdown before killing") },
        [OPTION_AUTOSTART] = { "autostart", 0, NULL, N_("Start the container when the host boots") },
        [OPTION_MEMORY] = { "memory", 0, "SIZE", N_("Memory limit, e.g. 512M or 2G") },
        [OPTION_CPUS] = { "cpus", 0, "N", N_("CPU time limit in CPUs, e.g. 1.5") },
        [OPTION_PIDS] = { "pids", 0, "N", N_("Limit of processes and threads") },
        [OPTION_BIND] = { "bind", 0, "SRC:DST[:OPTS]",
                          N_("Bind a host directory into the container (may be repeated)") },
        [OPTION_TIMEOUT] = { "timeout", 0, "SEC", N_("Seconds to wait before killing (0: kill at once)") },
        [OPTION_FORCE] = { "force", 'f', NULL, N_("Stop the container first if it is running") },
        [OPTION_JSON] = { "json", 0, NULL, N_("Print JSON") },
        [OPTION_ENV] = { "env", 'e', "VAR=VALUE", N_("Set an environment variable (may be repeated)") },
        [OPTION_WORKDIR] = { "workdir", 'w', "DIR", N_("Working directory in the container (default: /)") },
        [OPTION_USER] = { "user", 'u', "USER", N_("Run the command as this user of the container") },
        [OPTION_REBUILD] = { "rebuild", 0, NULL, N_("Build the image anew even if it is cached") },
        [OPTION_FOLLOW] = { "follow", 'f', NULL, N_("Show new log lines as they come, until interrupted") },
        [OPTION_LINES] = { "lines", 'n', "N", N_("Show only the last N lines of each log") },
        [OPTION_PRIVILEGED] = { "privileged", 0, NULL,
                                N_("No user namespace: the guest's root is the host's (not safe against a "
                                   "hostile guest)") },
        [OPTION_ID_BASE] = { "id-base", 0, "ID",
                             N_("First of the 65536 host IDs of the container (default: allocated)") },
        [OPTION_SHARED_IDS] = { "shared-ids", 0, NULL,
                                N_("Allow --id-base to overlap the IDs of another container") },
        [OPTION_VOLUME] = { "volume", 'v', "VOLUME:DST[:ro]",
                            N_("Mount a volume into the container (may be repeated)") },
        [OPTION_TMPFS] = { "tmpfs", 0, "DST[:size=SIZE]",
                           N_("Mount a tmpfs of the container's own (may be repeated)") },
        [OPTION_SIZE] = { "size", 0, "SIZE", N_("Size limit of the volume, e.g. 2G (default: none)") },
        [OPTION_VOLUMES] = { "volumes", 0, NULL, N_("Include the container's volumes") },
        [OPTION_NO_IMAGE] = { "no-image", 0, NULL,
                              N_("Leave the image out: the target finds it by its content hash") },
        [OPTION_DRY_RUN] = { "dry-run", 'n', NULL, N_("Show the plan, change nothing") },
        [OPTION_PRUNE] = { "prune", 0, NULL, N_("Delete what the file does not name") },
        [OPTION_YES] = { "yes", 'y', NULL, N_("Do not ask for confirmation") },
        [OPTION_NETWORK] = { "network", 0, "NET[:ip=A,ip6=A,mac=M]",
                             N_("Attach to a network (may be repeated; the first has the default route), or "
                                "host, none, container:NAME") },
        [OPTION_PUBLISH] = { "publish", 'p', "[ADDR:]HOST:CTR[/udp]",
                             N_("Publish a port of the container on the host (may be repeated)") },
        [OPTION_ALLOW_HOST] = { "allow-host", 0, NULL, N_("Let the container reach every service of the host") },
        [OPTION_TYPE] = { "type", 0, "TYPE", N_("Type of the network: bridge (default), macvlan or vxlan") },
        [OPTION_SUBNET] = { "subnet", 0, "CIDR", N_("IPv4 subnet (bridge: picked if not given; \"none\": no IPv4)") },
        [OPTION_IPV6] = { "ipv6", 0, "CIDR", N_("IPv6 subnet (bridge: a ULA /64 if not given; \"none\": no IPv6)") },
        [OPTION_GATEWAY] = { "gateway", 0, "ADDRESS",
                             N_("Gateway: the bridge's address, or the LAN's router (one per family)") },
        [OPTION_NAT] = { "nat", 0, NULL, N_("Masquerade what leaves the bridge for the outside") },
        [OPTION_DNS] = { "dns", 0, NULL, N_("Run a DNS and DHCP server for the bridge's containers") },
        [OPTION_DOMAIN] = { "domain", 0, "DOMAIN", N_("DNS domain of the containers (default: the network's name)") },
        [OPTION_MTU] = { "mtu", 0, "N", N_("MTU of the bridge and the containers' links") },
        [OPTION_PARENT] = { "parent", 0, "LINK", N_("macvlan: the host's link the containers sit on") },
        [OPTION_MODE] = { "mode", 0, "MODE", N_("macvlan: bridge (default), private or vepa") },
        [OPTION_HOST_ACCESS] = { "host-access", 0, NULL, N_("macvlan: let the host reach its containers") },
        [OPTION_PEER] = { "peer", 0, "HOST", N_("vxlan: another host of the network (may be repeated)") },
        [OPTION_VNI] = { "vni", 0, "N", N_("vxlan: the VXLAN network identifier (default: from the name)") },
        [OPTION_LOCAL] = { "local", 0, "ADDRESS", N_("vxlan: this host's address towards the peers") },
};

typedef struct Verb {
        const char *name;               /* one word, or two ("template list") */
        unsigned min_args, max_args;    /* positional arguments after the options */
        uint64_t options;               /* OPT() mask of the options it accepts */
        bool command_tail;              /* options end at the first argument after NAME (exec) */
        int failure_status;             /* exit status when the tool fails */
        const char *synopsis;
        const char *summary;            /* N_() */
        int (*run)(char **args, const CtlOptions *o);
        const char *details;            /* N_(), for "--help" of the verb; may be NULL */
        bool needs_fds;                 /* gets file descriptors from sysctrd: with -H, run over ssh */
} Verb;

static const Verb verbs[] = {
        { "create", 2, 2,
          OPT(RELEASE) | OPT(HOSTNAME) | OPT(INIT) | OPT(STOP_SIGNAL) | OPT(STOP_TIMEOUT) | OPT(AUTOSTART) |
          OPT(MEMORY) | OPT(CPUS) | OPT(PIDS) | OPT(BIND) | OPT(PRIVILEGED) | OPT(ID_BASE) | OPT(SHARED_IDS) |
          OPT(VOLUME) | OPT(TMPFS) | OPT(NETWORK) | OPT(PUBLISH) | OPT(ALLOW_HOST),
          false, EXIT_FAILURE, "TEMPLATE NAME", N_("Create a container from a template"), verb_create,
          N_("A container is unprivileged unless --privileged is given: its IDs 0-65535 are 65536 host IDs "
             "of its own, from the ranges /etc/subuid and /etc/subgid give root. Without --network it joins "
             "the default network, sysctr0 (a bridge with NAT, DNS and DHCP, IPv4 and IPv6). TEMPLATE may be "
             "oci:PATH[:TAG], an OCI image layout on disk.") },
        { "start", 1, UINT_MAX, 0, false, EXIT_FAILURE, "NAME...", N_("Start containers"), verb_start },
        { "stop", 1, UINT_MAX, OPT(TIMEOUT), false, EXIT_FAILURE, "NAME...", N_("Stop containers"),
          verb_stop },
        { "restart", 1, UINT_MAX, 0, false, EXIT_FAILURE, "NAME...", N_("Restart containers"),
          verb_restart },
        { "kill", 1, 2, 0, false, EXIT_FAILURE, "NAME [SIGNAL]",
          N_("Send a signal to the init of a container (default: SIGKILL)"), verb_kill },
        { "delete", 1, UINT_MAX, OPT(FORCE), false, EXIT_FAILURE, "NAME...", N_("Delete containers"),
          verb_delete },
        { "list", 0, 0, OPT(JSON), false, EXIT_FAILURE, "", N_("List containers"), verb_list },
        { "info", 1, 1, OPT(JSON), false, EXIT_FAILURE, "NAME", N_("Show the properties of a container"),
          verb_info },
        { "set", 2, UINT_MAX, 0, false, EXIT_FAILURE, "NAME KEY=VALUE...",
          N_("Change the settings of a container"), verb_set,
          N_("Keys: autostart=true|false, memory=SIZE|infinity, cpus=N|infinity, pids=N|infinity, "
             "stop-signal=SIGNAL, stop-timeout=SEC, hostname=NAME, init=PATH, bind=SRC:DST[:ro,idmap] (may be "
             "repeated; \"bind=\" alone removes all binds), network=NET[:ip=A,ip6=A,mac=M] (may be repeated; "
             "while stopped), publish=[ADDR:]HOST:CTR[/udp] (may be repeated; \"publish=\" alone removes all), "
             "allow-host=true|false. All changes are made at once, or none; limits, published ports and host "
             "access apply to a running container at once, the rest at its next start.") },
        { "logs", 1, 1, OPT(FOLLOW) | OPT(LINES), false, EXIT_FAILURE, "NAME",
          N_("Show the logs of a container and of its guest"), verb_logs, .needs_fds = true },
        { "exec", 2, UINT_MAX, OPT(ENV) | OPT(WORKDIR) | OPT(USER), true, EXIT_EXEC_TOOL, "NAME [--] COMMAND [ARG...]",
          N_("Run a command in a running container"), verb_exec, .needs_fds = true },
        { "shell", 1, 2, 0, false, EXIT_EXEC_TOOL, "NAME [USER]",
          N_("Open a login shell in a running container (default user: root)"), verb_shell,
          N_("The shell runs on a new terminal of the container; \"exit\" ends it, and its exit status is "
             "sysctr's."), .needs_fds = true },
        { "console", 1, 1, 0, false, EXIT_FAILURE, "NAME",
          N_("Attach to the console of a running container (^] 3x detaches)"), verb_console,
          N_("Press ^] three times within 1s to detach."), .needs_fds = true },
        { "apply", 1, 1, OPT(DRY_RUN) | OPT(PRUNE) | OPT(YES), false, EXIT_FAILURE, "FILE",
          N_("Make the hosts match a fleet file"), verb_apply,
          N_("Reads the networks, volumes and containers the file declares (sysctr.yaml(5)), and where its \"hosts\" "
             "place them; prints what must be created, changed and, with --prune, deleted; then does it, in "
             "that order. On a terminal it asks first (--yes does not); elsewhere, deleting needs --yes.") },
        { "move", 2, 2, OPT(VOLUMES), false, EXIT_FAILURE, "NAME [USER@]HOST[:PORT]",
          N_("Move a stopped container to another host"), verb_move,
          N_("Its configuration, layers and image go to the host over ssh (and its volumes with --volumes, "
             "which stay here too) as \"sysctr export\" and \"sysctr import\" make and read them; it is "
             "deleted here only once the host has it. If anything fails, the host has nothing of it and it "
             "is as it was here.") },
        { "copy", 2, 3, OPT(VOLUMES), false, EXIT_FAILURE, "NAME [USER@]HOST[:PORT] [NEW-NAME]",
          N_("Copy a stopped container to another host"), verb_copy,
          N_("As move, but the container stays here too. A copy under another name gets a new UUID.") },
        { "config show", 1, 1, 0, false, EXIT_FAILURE, "NAME",
          N_("Print the configuration of a container (its config.yaml)"), verb_config_show },
        { "template list", 0, 0, OPT(JSON), false, EXIT_FAILURE, "",
          N_("List the templates and cached images"), verb_template_list },
        { "template build", 1, 1, OPT(RELEASE) | OPT(REBUILD), false, EXIT_FAILURE, "TEMPLATE",
          N_("Build the image of a template and cache it"), verb_template_build },
        { "template remove", 1, 1, 0, false, EXIT_FAILURE, "IMAGE", N_("Remove a cached image"),
          verb_template_remove },
        /* Storage (verbs-storage.c, docs/storage.md). */
        { "volume create", 1, 1, OPT(SIZE), false, EXIT_FAILURE, "NAME", N_("Create a volume"),
          verb_volume_create,
          N_("Without --size the volume is a directory on the state file system; with --size it is an ext4 "
             "file system of that size in an image file, mounted through a loop device.") },
        { "volume list", 0, 0, OPT(JSON), false, EXIT_FAILURE, "", N_("List volumes"), verb_volume_list },
        { "volume show", 1, 1, OPT(JSON), false, EXIT_FAILURE, "NAME", N_("Show a volume"), verb_volume_show },
        { "volume delete", 1, UINT_MAX, 0, false, EXIT_FAILURE, "NAME...",
          N_("Delete volumes that no container uses"), verb_volume_delete },
        { "snapshot create", 2, 2, 0, false, EXIT_FAILURE, "CONTAINER SNAPSHOT",
          N_("Take a snapshot of a stopped container"), verb_snapshot_create },
        { "snapshot list", 1, 1, OPT(JSON), false, EXIT_FAILURE, "CONTAINER", N_("List a container's snapshots"),
          verb_snapshot_list },
        { "snapshot restore", 2, 2, 0, false, EXIT_FAILURE, "CONTAINER SNAPSHOT",
          N_("Put a stopped container back to a snapshot (later snapshots are kept)"), verb_snapshot_restore },
        { "snapshot delete", 2, 2, 0, false, EXIT_FAILURE, "CONTAINER SNAPSHOT", N_("Delete a snapshot"),
          verb_snapshot_delete },
        { "clone", 2, 2, 0, false, EXIT_FAILURE, "SOURCE[/SNAPSHOT] NAME",
          N_("Make a new container from a stopped one or from a snapshot"), verb_clone,
          N_("The clone gets its own UUID, machine ID, ID range and host name.") },
        { "export", 2, 2, OPT(VOLUMES) | OPT(NO_IMAGE), false, EXIT_FAILURE, "NAME FILE|-",
          N_("Write a stopped container to an archive (zstd-compressed tar)"), verb_export },
        { "import", 1, 2, 0, false, EXIT_FAILURE, "FILE|- [NAME]", N_("Make a container from an archive"),
          verb_import },
        { "network create", 1, 1,
          OPT(TYPE) | OPT(SUBNET) | OPT(IPV6) | OPT(GATEWAY) | OPT(NAT) | OPT(DNS) | OPT(DOMAIN) | OPT(MTU) |
          OPT(PARENT) | OPT(MODE) | OPT(HOST_ACCESS) | OPT(PEER) | OPT(VNI) | OPT(LOCAL),
          false, EXIT_FAILURE, "NAME", N_("Create a network"), verb_network_create,
          N_("A bridge network is dual stack unless told otherwise: an IPv4 subnet from 10.88.0.0/13 and an "
             "IPv6 /64 of the host's ULA prefix are picked where none is given. A macvlan network puts its "
             "containers on the LAN of --parent; give --subnet and --gateway to have sysctr configure their "
             "addresses, and --host-access to let the host reach them. A vxlan network is a bridge joined to "
             "the bridges of the same name on the --peer hosts (create it on each, with the same --subnet, "
             "each naming all the others): each host hands out addresses from its own share of the subnet.") },
        { "network list", 0, 0, OPT(JSON), false, EXIT_FAILURE, "", N_("List networks"), verb_network_list },
        { "network show", 1, 1, OPT(JSON), false, EXIT_FAILURE, "NAME", N_("Show the properties of a network"),
          verb_network_show },
        { "network delete", 1, UINT_MAX, 0, false, EXIT_FAILURE, "NAME...",
          N_("Delete networks (refused while containers use them)"), verb_network_delete },
        { "network doctor", 0, 0, 0, false, EXIT_FAILURE, "",
          N_("Find what on this host breaks the traffic of sysctr's networks"), verb_network_doctor,
          N_("Exits with status 1 if something breaks the traffic (an error), 0 otherwise.") },
};

static void help_option(const char *short_name, const char *long_name, const char *arg, const char *help) {
        char s[64];
        int n;

        n = snprintf(s, sizeof(s), "  %-2s --%s%s%s", strempty(short_name), long_name, arg ? "=" : "",
                     strempty(arg));
        printf("%s%*s%s\n", s, MAX(27 - n, 1), "", help);
}

static void help_main(void) {
        printf("%s [OPTIONS...] COMMAND [ARGS...]\n\n", program_invocation_short_name);
        printf("%s\n\n", _("Manage system containers through sysctrd."));
        printf("%s\n", _("Commands:"));
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                int n = printf("  %s %s", verbs[i].name, verbs[i].synopsis);
                printf("%*s%s\n", MAX(36 - n, 1), "", _(verbs[i].summary));
        }
        printf("\n%s\n", _("Options:"));
        help_option("-h", "help", NULL, _("Show this help"));
        help_option(NULL, "version", NULL, _("Show the package version"));
        help_option("-H", "host", "[USER@]HOST[:PORT]", _("Operate on a remote host, over SSH (default: $SYSCTR_HOST)"));
        printf("\n");
        printf(_("Run \"%s COMMAND --help\" for the options of a command; see sysctr(1) for details.\n"),
               program_invocation_short_name);
}

static void help_verb(const Verb *v) {
        printf("%s %s [OPTIONS...]%s%s\n\n", program_invocation_short_name, v->name,
               isempty(v->synopsis) ? "" : " ", v->synopsis);
        printf("%s.\n\n", _(v->summary));
        if (v->details)
                printf("%s\n\n", _(v->details));
        printf("%s\n", _("Options:"));
        help_option("-h", "help", NULL, _("Show this help"));
        for (size_t i = 0; i < _OPTION_MAX; i++) {
                char short_name[3] = { '-', options[i].short_name, '\0' };

                if (v->options & (UINT64_C(1) << i))
                        help_option(options[i].short_name ? short_name : NULL, options[i].name,
                                    options[i].arg, _(options[i].help));
        }
}

int ctl_parse_uint32(const char *s, uint32_t *ret) {
        unsigned long long v;
        char *end;

        /* Digits only: strtoull() would also take blanks, a sign and "0x". */
        if (isempty(s) || strspn(s, "0123456789") != strlen(s))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || *end || v > UINT32_MAX)
                return -ERANGE;
        *ret = (uint32_t) v;
        return 0;
}

/* create's limits and binds, checked as sysctrd checks them, so that a mistake is reported before
 * anything is done (and before a template image is built). */
static int apply_limit_option(CtlOption id, const char *arg, CtlOptions *o) {
        switch (id) {
        case OPTION_MEMORY:
                if (parse_size(arg, &o->memory_max) < 0) {
                        log_error(_("Invalid memory size \"%s\": expected a size such as 512M or 2G."), arg);
                        return -EINVAL;
                }
                return 0;
        case OPTION_CPUS:
                if (parse_cpus(arg, &o->cpu_millis) < 0) {
                        log_error(_("Invalid number of CPUs \"%s\": expected a number such as 1.5 (at most "
                                    "three decimals, more than 0)."),
                                  arg);
                        return -EINVAL;
                }
                return 0;
        case OPTION_PIDS:
                if (parse_count(arg, &o->tasks_max) < 0) {
                        log_error(_("Invalid number of processes \"%s\": expected a positive integer."),
                                  arg);
                        return -EINVAL;
                }
                return 0;
        case OPTION_BIND:
                if (!bind_spec_is_valid(arg)) {
                        log_error(_("Invalid bind \"%s\": expected SOURCE:TARGET[:OPTIONS] (options ro, "
                                    "rw, idmap, comma-separated) with absolute, normalized paths, the "
                                    "target not /, nor in /proc, /sys or /dev."),
                                  arg);
                        return -EINVAL;
                }
                return strv_extend(&o->binds, arg) < 0 ? log_oom() : 0;
        default:
                assert(false);
                return -EINVAL;
        }
}

/* Volumes, tmpfs mounts, and the options of the storage verbs. */
static int apply_storage_option(CtlOption id, const char *arg, CtlOptions *o) {
        switch (id) {
        case OPTION_VOLUME:
                if (!volume_spec_is_valid(arg)) {
                        log_error(_("Invalid volume \"%s\": expected VOLUME:TARGET[:ro] with an absolute, normalized "
                                    "target, not /, nor in /proc, /sys or /dev."), arg);
                        return -EINVAL;
                }
                return strv_extend(&o->volumes, arg) < 0 ? log_oom() : 0;
        case OPTION_TMPFS:
                if (!tmpfs_spec_is_valid(arg)) {
                        log_error(_("Invalid tmpfs \"%s\": expected TARGET[:size=SIZE,mode=OCTAL] with an absolute, "
                                    "normalized target, not /, nor in /proc, /sys or /dev."), arg);
                        return -EINVAL;
                }
                return strv_extend(&o->tmpfs, arg) < 0 ? log_oom() : 0;
        case OPTION_SIZE:
                if (parse_size(arg, &o->size) < 0) {
                        log_error(_("Invalid size \"%s\": expected a size such as 512M or 2G."), arg);
                        return -EINVAL;
                }
                return 0;
        case OPTION_VOLUMES:
                o->export_volumes = true;
                return 0;
        case OPTION_NO_IMAGE:
                o->no_image = true;
                return 0;
        default:
                assert(false);
                return -EINVAL;
        }
}

/* create's --network, --publish, --allow-host. */
static int apply_network_option(CtlOption id, const char *arg, CtlOptions *o) {
        int r;

        switch (id) {
        case OPTION_NETWORK:
                r = ctl_check_network_arg(arg);
                return r < 0 ? r : strv_extend(&o->networks, arg) < 0 ? log_oom() : 0;
        case OPTION_PUBLISH:
                r = ctl_check_publish_arg(arg);
                return r < 0 ? r : strv_extend(&o->publish, arg) < 0 ? log_oom() : 0;
        default:
                o->allow_host = true;
                return 0;
        }
}

/* "network create"'s options; sysctrd checks the subnets against the host's. */
static int apply_network_create_option(CtlOption id, const char *arg, CtlOptions *o) {
        union in_addr_union a;
        int family;

        switch (id) {
        case OPTION_TYPE:
                if (network_type_from_string(arg) < 0) {
                        log_error(_("Invalid network type \"%s\": expected bridge, macvlan or vxlan."), arg);
                        return -EINVAL;
                }
                o->type = arg;
                return 0;
        case OPTION_SUBNET:
        case OPTION_IPV6: {
                InAddrPrefix p;

                family = id == OPTION_SUBNET ? AF_INET : AF_INET6;
                if (!streq(arg, "none") && !streq(arg, "auto") &&
                    (in_addr_prefix_from_string(family, arg, &p) < 0 || !in_addr_prefix_is_network(&p))) {
                        log_error(_("Invalid subnet \"%s\" for --%s: expected a subnet such as %s, or none."), arg,
                                  options[id].name, family == AF_INET ? "10.88.0.0/24" : "fd42:1:2:3::/64");
                        return -EINVAL;
                }
                *(id == OPTION_SUBNET ? &o->subnet : &o->ipv6) = arg;
                return 0;
        }
        case OPTION_GATEWAY:
                if (in_addr_from_string(AF_UNSPEC, arg, &family, &a) < 0) {
                        log_error(_("Invalid gateway \"%s\": expected an IPv4 or IPv6 address."), arg);
                        return -EINVAL;
                }
                return strv_extend(&o->gateways, arg) < 0 ? log_oom() : 0;
        case OPTION_DOMAIN:
                if (!hostname_is_valid(arg)) {
                        log_error(_("Invalid domain \"%s\"."), arg);
                        return -EINVAL;
                }
                o->domain = arg;
                return 0;
        case OPTION_MTU:
                if (ctl_parse_uint32(arg, &o->mtu) < 0 || o->mtu < 68 || o->mtu > 65535) {
                        log_error(_("Invalid MTU \"%s\": expected 68 to 65535."), arg);
                        return -EINVAL;
                }
                return 0;
        case OPTION_PARENT:
                if (!ifname_is_valid(arg)) {
                        log_error(_("Invalid link name \"%s\"."), arg);
                        return -EINVAL;
                }
                o->parent = arg;
                return 0;
        case OPTION_PEER:
                if (isempty(arg) || arg[0] == '-' || strlen(arg) > 253) {
                        log_error(_("Invalid peer \"%s\": expected a host name or an address."), arg);
                        return -EINVAL;
                }
                return strv_extend(&o->peers, arg) < 0 ? log_oom() : 0;
        case OPTION_VNI:
                if (ctl_parse_uint32(arg, &o->vni) < 0 || o->vni < 1 || o->vni > NETWORK_VXLAN_VNI_MAX) {
                        log_error(_("Invalid VNI \"%s\": expected 1 to 16777215."), arg);
                        return -EINVAL;
                }
                return 0;
        case OPTION_LOCAL:
                if (in_addr_from_string(AF_UNSPEC, arg, &family, &a) < 0) {
                        log_error(_("Invalid local address \"%s\": expected an IPv4 or IPv6 address."), arg);
                        return -EINVAL;
                }
                o->local = arg;
                return 0;
        case OPTION_MODE:
                if (network_macvlan_mode_from_string(arg) < 0) {
                        log_error(_("Invalid macvlan mode \"%s\": expected bridge, private or vepa."), arg);
                        return -EINVAL;
                }
                o->mode = arg;
                return 0;
        case OPTION_NAT:
                o->nat = true;
                return 0;
        case OPTION_DNS:
                o->dns = true;
                return 0;
        default:
                o->host_access = true;
                return 0;
        }
}

static int apply_option(CtlOption id, const char *arg, CtlOptions *o) {
        uint32_t u;

        switch (id) {
        case OPTION_RELEASE:
                if (!release_name_is_valid(arg)) {
                        log_error(_("Invalid release \"%s\"."), arg);
                        return -EINVAL;
                }
                o->release = arg;
                return 0;
        case OPTION_HOSTNAME:
                if (!hostname_is_valid(arg)) {
                        log_error(_("Invalid host name \"%s\"."), arg);
                        return -EINVAL;
                }
                o->hostname = arg;
                return 0;
        case OPTION_INIT:
        case OPTION_WORKDIR:
                if (arg[0] != '/') {
                        log_error(_("Option --%s needs an absolute path, not \"%s\"."), options[id].name,
                                  arg);
                        return -EINVAL;
                }
                if (id == OPTION_INIT)
                        o->init = arg;
                else
                        o->workdir = arg;
                return 0;
        case OPTION_STOP_SIGNAL:
                /* sysctrd checks it too; checking here gives the message before any work is done. */
                if (signal_from_string(arg) <= 0) {
                        log_error(_("Invalid signal \"%s\"."), arg);
                        return -EINVAL;
                }
                o->stop_signal = arg;
                return 0;
        case OPTION_STOP_TIMEOUT:
        case OPTION_TIMEOUT:
                if (ctl_parse_uint32(arg, &u) < 0 || (id == OPTION_STOP_TIMEOUT && u == 0)) {
                        log_error(_("Invalid number of seconds for --%s: \"%s\"."), options[id].name, arg);
                        return -EINVAL;
                }
                if (id == OPTION_STOP_TIMEOUT) {
                        o->stop_timeout_sec = u;
                        o->stop_timeout_set = true;
                } else {
                        o->timeout_usec = u * USEC_PER_SEC;
                        o->timeout_set = true;
                }
                return 0;
        case OPTION_AUTOSTART:
                o->autostart = true;
                return 0;
        case OPTION_PRIVILEGED:
                o->privileged = true;
                return 0;
        case OPTION_SHARED_IDS:
                o->shared_ids = true;
                return 0;
        case OPTION_ID_BASE:
                if (ctl_parse_uint32(arg, &o->id_base) < 0 || o->id_base == 0) {
                        log_error(_("Invalid host ID \"%s\" for --id-base."), arg);
                        return -EINVAL;
                }
                return 0;
        case OPTION_MEMORY:
        case OPTION_CPUS:
        case OPTION_PIDS:
        case OPTION_BIND:
                return apply_limit_option(id, arg, o);
        case OPTION_VOLUME:
        case OPTION_TMPFS:
        case OPTION_SIZE:
        case OPTION_VOLUMES:
        case OPTION_NO_IMAGE:
                return apply_storage_option(id, arg, o);
        case OPTION_FOLLOW:
                o->follow = true;
                return 0;
        case OPTION_LINES:
                if (ctl_parse_uint32(arg, &o->lines) < 0) {
                        log_error(_("Invalid number of lines \"%s\"."), arg);
                        return -EINVAL;
                }
                o->lines_set = true;
                return 0;
        case OPTION_FORCE:
                o->force = true;
                return 0;
        case OPTION_JSON:
                o->json = true;
                return 0;
        case OPTION_REBUILD:
                o->rebuild = true;
                return 0;
        case OPTION_DRY_RUN:
                o->dry_run = true;
                return 0;
        case OPTION_PRUNE:
                o->prune = true;
                return 0;
        case OPTION_YES:
                o->yes = true;
                return 0;

        case OPTION_USER:
                /* Checked by sysctrd, which knows the rules of the guest's names. */
                if (isempty(arg) || arg[0] == '-') {
                        log_error(_("Invalid user name \"%s\"."), arg);
                        return -EINVAL;
                }
                o->user = arg;
                return 0;
        case OPTION_ENV:
                if (isempty(arg) || arg[0] == '=') {
                        log_error(_("Invalid environment assignment \"%s\": expected VAR=VALUE or VAR."),
                                  arg);
                        return -EINVAL;
                }
                return strv_extend(&o->env, arg) < 0 ? log_oom() : 0;
        case OPTION_NETWORK:
        case OPTION_PUBLISH:
        case OPTION_ALLOW_HOST:
                return apply_network_option(id, arg, o);
        case OPTION_TYPE:
        case OPTION_SUBNET:
        case OPTION_IPV6:
        case OPTION_GATEWAY:
        case OPTION_NAT:
        case OPTION_DNS:
        case OPTION_DOMAIN:
        case OPTION_MTU:
        case OPTION_PARENT:
        case OPTION_MODE:
        case OPTION_HOST_ACCESS:
        case OPTION_PEER:
        case OPTION_VNI:
        case OPTION_LOCAL:
                return apply_network_create_option(id, arg, o);
        default:
                assert(false);
                return -EINVAL;
        }
}

/* The getopt tables for one verb: only the options it accepts, so that getopt rejects the others. */
static void build_getopt_tables(const Verb *v, struct option *longopts, char *shortopts) {
        size_t n = 0;
        char *s = shortopts;

        /* "+": stop at the first non-option (the verb's command tail); ":": report a missing argument
         * as ':' so we can print our own message. */
        if (v->command_tail)
                *s++ = '+';
        *s++ = ':';
        *s++ = 'h';
        longopts[n++] = (struct option) { "help", no_argument, NULL, 'h' };

        for (size_t i = 0; i < _OPTION_MAX; i++) {
                if (!(v->options & (UINT64_C(1) << i)))
                        continue;
                longopts[n++] = (struct option) {
                        options[i].name, options[i].arg ? required_argument : no_argument, NULL,
                        (int) (OPTION_VAL_BASE + i),
                };
                if (options[i].short_name) {
                        *s++ = options[i].short_name;
                        if (options[i].arg)
                                *s++ = ':';
                }
        }
        longopts[n] = (struct option) {};
        *s = '\0';
}

static int short_option_id(const Verb *v, int c) {
        for (size_t i = 0; i < _OPTION_MAX; i++)
                if ((v->options & (UINT64_C(1) << i)) && options[i].short_name == c)
                        return (int) i;
        return -EINVAL;
}

static int log_usage_hint(const Verb *v) {
        log_error(_("Run \"%s %s --help\" for its usage."), program_invocation_short_name, v->name);
        return -EINVAL;
}

static int check_arg_count(const Verb *v, unsigned n) {
        if (n < v->min_args) {
                log_error(ngettext("\"%s\" needs at least %u argument.",
                                   "\"%s\" needs at least %u arguments.", v->min_args),
                          v->name, v->min_args);
                return log_usage_hint(v);
        }
        if (n > v->max_args) {
                if (v->max_args == 0)
                        log_error(_("\"%s\" takes no arguments."), v->name);
                else
                        log_error(ngettext("\"%s\" takes at most %u argument.",
                                           "\"%s\" takes at most %u arguments.", v->max_args),
                                  v->name, v->max_args);
                return log_usage_hint(v);
        }
        return 0;
}

static int handle_option(const Verb *v, int c, const char *current, CtlOptions *o) {
        int id;

        switch (c) {
        case '?':
                if (optopt > 0 && optopt < OPTION_VAL_BASE && optopt != '?')
                        log_error(_("Unknown option \"-%c\" for \"%s\"."), optopt, v->name);
                else
                        log_error(_("Unknown option \"%s\" for \"%s\"."), current, v->name);
                return log_usage_hint(v);
        case ':':
                log_error(_("Option \"%s\" needs an argument."), current);
                return log_usage_hint(v);
        default:
                id = c >= OPTION_VAL_BASE ? c - OPTION_VAL_BASE : short_option_id(v, c);
                assert(id >= 0 && id < _OPTION_MAX);
                return apply_option((CtlOption) id, optarg, o);
        }
}

/* Parses "VERB [OPTIONS...] ARGS..." (argv[0] is the verb). Returns 1 and the positional arguments
 * (pointing into argv) to go on, 0 after --help, or a negative errno after logging the mistake. */
static int parse_verb_argv(const Verb *v, int argc, char **argv, CtlOptions *o, char ***ret_args) {
        struct option longopts[_OPTION_MAX + 2];
        char shortopts[3 + 2 * _OPTION_MAX + 1];
        int name_index = -1, r;

        build_getopt_tables(v, longopts, shortopts);
        opterr = 0;
        optind = 1;

        for (;;) {
                int before = optind, c;

                c = getopt_long(argc, argv, shortopts, longopts, NULL);
                if (c == 'h') {
                        help_verb(v);
                        return 0;
                }
                if (c >= 0) {
                        /* The word getopt just looked at, for messages. */
                        r = handle_option(v, c, argv[MIN(MAX(optind - 1, before), argc - 1)], o);
                        if (r < 0)
                                return r;
                        continue;
                }

                /* exec: options may precede and follow NAME; the first word after NAME that is not an
                 * option, or whatever follows "--", is the command, whose options are its own. */
                if (!v->command_tail || name_index >= 0 || optind >= argc ||
                    (optind == before + 1 && streq(argv[before], "--")))
                        break;
                name_index = optind++;
        }

        if (name_index >= 0) {
                /* Put NAME right before the command: the slot before it held NAME, an option or "--". */
                argv[optind - 1] = argv[name_index];
                optind--;
        }

        r = check_arg_count(v, (unsigned) (argc - optind));
        if (r < 0)
                return r;

        *ret_args = argv + optind;
        return 1;
}

/* The verb named by argv[1] (and argv[2] for two-word verbs); *ret_words says how many words. */
static const Verb *find_verb(int argc, char **argv, int *ret_words) {
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                const char *name = verbs[i].name, *space = strchr(name, ' ');

                if (!space && streq(name, argv[1])) {
                        *ret_words = 1;
                        return &verbs[i];
                }
                if (space && argc > 2 && strlen(argv[1]) == (size_t) (space - name) &&
                    strneq(name, argv[1], (size_t) (space - name)) && streq(space + 1, argv[2])) {
                        *ret_words = 2;
                        return &verbs[i];
                }
        }
        return NULL;
}

/* True if word is the first word of two-word verbs ("template"). */
static bool is_verb_group(const char *word) {
        size_t n = strlen(word);

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (strneq(verbs[i].name, word, n) && verbs[i].name[n] == ' ')
                        return true;
        return false;
}

static void help_group(const char *group) {
        size_t n = strlen(group);

        printf("%s %s COMMAND [OPTIONS...] [ARGS...]\n\n", program_invocation_short_name, group);
        printf("%s\n", _("Commands:"));
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (strneq(verbs[i].name, group, n) && verbs[i].name[n] == ' ') {
                        int k = printf("  %s %s", verbs[i].name, verbs[i].synopsis);

                        printf("%*s%s\n", MAX(36 - k, 1), "", _(verbs[i].summary));
                }
}

/* "sysctr template", "sysctr template --help", "sysctr template frobnicate". 0: help printed. */
static int handle_verb_group(int argc, char **argv) {
        if (argc > 2 && (streq(argv[2], "-h") || streq(argv[2], "--help"))) {
                help_group(argv[1]);
                return 0;
        }
        if (argc <= 2)
                log_error(_("\"%s\" needs a command."), argv[1]);
        else
                log_error(_("Unknown command \"%s %s\"."), argv[1], argv[2]);
        log_error(_("Run \"%s %s --help\" for a list of commands."), program_invocation_short_name, argv[1]);
        return -EINVAL;
}

static void ctl_options_done(CtlOptions *o) {
        o->env = strv_free(o->env);
        o->binds = strv_free(o->binds);
        o->volumes = strv_free(o->volumes);
        o->tmpfs = strv_free(o->tmpfs);
        o->networks = strv_free(o->networks);
        o->publish = strv_free(o->publish);
        o->gateways = strv_free(o->gateways);
        o->peers = strv_free(o->peers);
}

/* "-H HOST", "--host HOST" or "--host=HOST" before the verb, else $SYSCTR_HOST: the host every verb
 * talks to (ctl_set_host()). Removes the option from argv. */
static int parse_host(int *argc, char ***argv) {
        char **a = *argv;
        const char *host = NULL;
        int shift = 0;

        if (*argc >= 2 && (streq(a[1], "-H") || streq(a[1], "--host"))) {
                if (*argc < 3) {
                        log_error(_("Option \"%s\" needs an argument."), a[1]);
                        return -EINVAL;
                }
                host = a[2];
                shift = 2;
        } else if (*argc >= 2 && strneq(a[1], "--host=", 7)) {
                host = a[1] + 7;
                shift = 1;
        } else
                host = getenv("SYSCTR_HOST");

        if (isempty(host) && shift == 0)
                host = NULL;
        else if (!host_address_is_valid(host)) {
                log_error(_("Invalid host \"%s\"%s: expected [USER@]HOST[:PORT]."), host,
                          shift == 0 ? _(" in $SYSCTR_HOST") : "");
                return -EINVAL;
        }
        ctl_set_host(host);
        if (shift > 0) {
                a[shift] = a[0];
                *argv = a + shift;
                *argc -= shift;
        }
        return 0;
}

/* A verb that needs file descriptors, on a remote host: sysctr runs there, through ssh, with the
 * words as given (argv before getopt reordered it). */
static int run_remote(char * const *words) {
        _cleanup_strv_free_ char **cmd = NULL;

        if (strv_extend(&cmd, "sysctr") < 0)
                return log_oom();
        STRV_FOREACH(w, words)
                if (strv_extend(&cmd, *w) < 0)
                        return log_oom();
        return ctl_run_remote(ctl_get_host(), cmd, isatty(STDIN_FILENO) && isatty(STDOUT_FILENO));
}

/* "sysctr list > /dev/full" must not succeed silently. */
static int flush_stdout(int status, int failure_status) {
        if (fflush(stdout) != 0 || ferror(stdout)) {
                log_error_errno(errno ?: EIO, _("Failed to write the output: %m"));
                return failure_status;
        }
        return status;
}

int main(int argc, char *argv[]) {
        _cleanup_(ctl_options_done) CtlOptions o = {};
        _cleanup_strv_free_ char **words_copy = NULL;
        const Verb *v;
        char **args;
        int r, words = 1;

        (void) setlocale(LC_ALL, "");
        (void) bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
        (void) textdomain(GETTEXT_PACKAGE);
        log_open("sysctr");

        /* Options that belong to no verb come first; every other option follows its verb. */
        if (parse_host(&argc, &argv) < 0)
                return EXIT_FAILURE;
        if (argc < 2) {
                log_error(_("No command given. Run \"%s --help\" for a list."),
                          program_invocation_short_name);
                return EXIT_FAILURE;
        }
        if (streq(argv[1], "-h") || streq(argv[1], "--help")) {
                help_main();
                return flush_stdout(EXIT_SUCCESS, EXIT_FAILURE);
        }
        if (streq(argv[1], "--version")) {
                printf("sysctr %s\n", PACKAGE_VERSION);
                return flush_stdout(EXIT_SUCCESS, EXIT_FAILURE);
        }
        v = find_verb(argc, argv, &words);
        if (!v && is_verb_group(argv[1])) {
                r = handle_verb_group(argc, argv);
                return r < 0 ? EXIT_FAILURE : flush_stdout(EXIT_SUCCESS, EXIT_FAILURE);
        }
        if (!v) {
                if (argv[1][0] == '-')
                        log_error(_("Unknown option \"%s\"."), argv[1]);
                else
                        log_error(_("Unknown command \"%s\"."), argv[1]);
                log_error(_("Run \"%s --help\" for a list of commands."), program_invocation_short_name);
                return EXIT_FAILURE;
        }

        if (v->needs_fds && ctl_get_host()) {
                words_copy = strv_copy(argv + 1);
                if (!words_copy)
                        return log_oom(), v->failure_status;
        }
        r = parse_verb_argv(v, argc - words, argv + words, &o, &args);
        if (r < 0)
                return v->failure_status;
        if (r == 0)
                return flush_stdout(EXIT_SUCCESS, v->failure_status);

        /* Checked here first, so that a mistake is reported as it is locally. */
        if (words_copy) {
                r = run_remote(words_copy);
                return r < 0 ? v->failure_status : r;
        }
        r = v->run(args, &o);
        if (r < 0)
                return v->failure_status;
        return flush_stdout(r, v->failure_status);
}
