/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Where sysctr keeps things, and the names the programs agree on. Every path of the state and
 * runtime layout is made here and nowhere else (DESIGN.md, "Agreements between the programs").
 *
 * The base directories have a compiled-in default and an environment override, which the test suite
 * uses to run a whole private instance (state, runtime, logs, cgroups) side by side with the real
 * one. The manager passes its environment on to the agents it spawns.
 *
 *   SYSCTR_STATE_DIR     /var/lib/sysctr      containers/NAME/{config.yaml,upper,work}, images/IMAGE/,
 *                                             volumes/NAME/, networks/NAME.yaml
 *   SYSCTR_RUNTIME_DIR   /run/sysctr          agents/NAME (agent state file), containers/NAME/,
 *                                             networks/NAME/ (dnsmasq's files)
 *   SYSCTR_LOG_DIR       /var/log/sysctr      NAME.log (agent log in standalone mode)
 *   SYSCTR_TEMPLATE_DIR  $(pkgdatadir)/templates   NAME/{build,template.yaml}
 *   SYSCTR_AGENT         $(libexecdir)/sysctr/sysctr-agent
 *   SYSCTR_ENTER         $(libexecdir)/sysctr/sysctr-enter
 *   SYSCTR_CGROUP_PARENT sysctr.slice          standalone mode: the agents' cgroups go below this,
 *                                              relative to the cgroup2 mount
 *
 * The functions that build a path return a malloc'ed string, or NULL on OOM. */

const char *sysctr_state_dir(void);
const char *sysctr_runtime_dir(void);
const char *sysctr_log_dir(void);
const char *sysctr_template_dir(void);
const char *sysctr_agent_path(void);
const char *sysctr_enter_path(void);
const char *sysctr_cgroup_parent(void);
/* subuid(5)/subgid(5): where root's ranges for unprivileged containers are ($SYSCTR_SUBUID,
 * $SYSCTR_SUBGID for tests; /etc/subuid, /etc/subgid otherwise). */
const char *sysctr_subuid_path(void);
const char *sysctr_subgid_path(void);
/* Where sysctrd reads the host's limits: /proc/sys ($SYSCTR_PROC_SYS: a fake tree, for tests). */
const char *sysctr_proc_sys_dir(void);

/* --- <state> --- */
char *sysctr_containers_dir(void);                     /* <state>/containers */
char *sysctr_container_dir(const char *name);          /* <state>/containers/NAME */
char *sysctr_container_config_path(const char *name);  /* .../NAME/config.yaml */
char *sysctr_container_upper_dir(const char *name);    /* .../NAME/upper: the guest's writable layer */
char *sysctr_container_work_dir(const char *name);     /* .../NAME/work: overlayfs' work directory */
char *sysctr_container_status_path(const char *name);  /* .../NAME/status: what sysctrd records */
/* File names inside a container's directory, for code that works relative to its fd. */
#define SYSCTR_CONFIG_FILE "config.yaml"
#define SYSCTR_UPPER_DIR "upper"
#define SYSCTR_WORK_DIR "work"
#define SYSCTR_STATUS_FILE "status"
/* Snapshots (layers.h, docs/storage.md): read-only layers below upper/, the chain the container runs
 * on, the snapshots' own chains, and the record of a snapshot operation under way. */
#define SYSCTR_LAYERS_DIR "layers"
#define SYSCTR_LOWER_FILE "lower"
#define SYSCTR_SNAPSHOTS_DIR "snapshots"
#define SYSCTR_JOURNAL_FILE "journal"

char *sysctr_images_dir(void);                         /* <state>/images */
char *sysctr_image_dir(const char *image);             /* <state>/images/IMAGE */
char *sysctr_image_rootfs(const char *image);          /* .../IMAGE/rootfs: the lower layer */
char *sysctr_image_info_path(const char *image);       /* .../IMAGE/image.info */
char *sysctr_volumes_dir(void);                        /* <state>/volumes */
char *sysctr_volume_dir(const char *name);             /* <state>/volumes/NAME (volume.h says what is in it) */
#define SYSCTR_IMAGE_ROOTFS "rootfs"
#define SYSCTR_IMAGE_INFO_FILE "image.info"
#define SYSCTR_IMAGE_BUILD_LOG "build.log"

char *sysctr_networks_dir(void);                       /* <state>/networks */
char *sysctr_network_config_path(const char *name);    /* <state>/networks/NAME.yaml */
#define SYSCTR_NETWORK_SUFFIX ".yaml"
/* The host's RFC 4193 Global ID (10 hex digits), the /48 of every network's IPv6 subnet that
 * sysctrd picks: <state>/networks/ula-global-id. */
char *sysctr_ula_global_id_path(void);

/* Temporaries in <state>/containers and <state>/images start with this: a crash leaves at most such
 * an entry, which sysctrd removes when it starts. */
#define SYSCTR_TEMP_PREFIX ".#"

/* --- <runtime> --- */
char *sysctr_agents_dir(void);                         /* <runtime>/agents */
char *sysctr_agent_state_path(const char *name);       /* <runtime>/agents/NAME */
char *sysctr_runtime_containers_dir(void);             /* <runtime>/containers */
char *sysctr_container_runtime_dir(const char *name);  /* <runtime>/containers/NAME (0700) */
char *sysctr_container_console_socket(const char *name); /* .../NAME/console.sock */
char *sysctr_container_console_log(const char *name);  /* .../NAME/console.log */
/* Entries of a container's runtime directory. */
#define SYSCTR_CONSOLE_SOCKET "console.sock"
#define SYSCTR_CONSOLE_LOG "console.log"
#define SYSCTR_ROOTFS_DIR "rootfs"
#define SYSCTR_LOWER_DIR "lower"                       /* unprivileged: the idmapped image */
#define SYSCTR_APIVFS_DIR "apivfs"                     /* unprivileged, nested: proc and sysfs */
#define SYSCTR_NOTIFY_DIR "notify"                     /* bound onto the guest's /run/host/notify */
#define SYSCTR_NOTIFY_SOCKET "notify"
#define SYSCTR_NOTIFY_GUEST_SOCKET "/run/host/notify/notify"

char *sysctr_runtime_networks_dir(void);               /* <runtime>/networks */
char *sysctr_network_runtime_dir(const char *name);    /* <runtime>/networks/NAME (0755: dnsmasq reads it) */
/* Entries of a network's runtime directory: dnsmasq's configuration, names, leases and pid. */
#define SYSCTR_DNSMASQ_CONF "dnsmasq.conf"
#define SYSCTR_DNSMASQ_HOSTS "hosts"
#define SYSCTR_DNSMASQ_DHCP_HOSTS "dhcp-hosts"
#define SYSCTR_DNSMASQ_LEASES "leases"
#define SYSCTR_DNSMASQ_PID "dnsmasq.pid"

/* --- <log> --- */
char *sysctr_container_log_path(const char *name);     /* <log>/NAME.log (standalone agents) */

/* --- units and cgroups --- */
#define SYSCTR_UNIT_PREFIX "sysctr@"
#define SYSCTR_UNIT_SUFFIX ".service"
#define SYSCTR_SYSTEMD_SLICE "machine.slice"
/* The two children of a container's unit cgroup (systemd's delegation rules): the agent sits in
 * the first, the container (and what enters it) in the second, which is also the root of the
 * container's cgroup namespace. */
#define SYSCTR_CGROUP_SUPERVISOR "supervisor"
#define SYSCTR_CGROUP_PAYLOAD "payload"

char *sysctr_unit_name(const char *name);              /* sysctr@NAME.service */
/* "sysctr@NAME.service" → "NAME" (not checked against the name rules); NULL if not such a name. */
char *sysctr_unit_name_to_container(const char *unit);
/* The unit's cgroup, relative to the cgroup2 mount: "/machine.slice/sysctr@NAME.service" under
 * systemd, "/<SYSCTR_CGROUP_PARENT>/sysctr@NAME.service" in standalone mode. */
char *sysctr_unit_cgroup(const char *name, bool systemd);

/* --- network links ---
 * Names of the links sysctr makes on the host. They carry a prefix of their own, so that sysctrd
 * recognizes its leftovers after a crash (a link of ours that no running container or network
 * explains), and never touches anybody else's. */
#define SYSCTR_IFNAMSIZ 16
/* The host side of a container's veth: "vsx" + the first 10 hex digits of its id + the index of the
 * network in its list (2 hex digits), e.g. "vsx0b0c1d2e3f00". Unique per container, stable across
 * restarts, and never a name the guest can choose. NULL if id is not a UUID or index > 255. */
#define SYSCTR_VETH_PREFIX "vsx"
char *sysctr_veth_name(const char *container_id, unsigned index, char buf[static SYSCTR_IFNAMSIZ]);
/* The host's own macvlan link on a macvlan network's parent (host-access): "sxh" + 8 hex digits of
 * a hash of the network's name. */
#define SYSCTR_HOST_ACCESS_PREFIX "sxh"
char *sysctr_host_access_link_name(const char *network, char buf[static SYSCTR_IFNAMSIZ]);
/* The VXLAN link of a vxlan network, a port of its bridge: "sxv" + 8 hex digits of a hash of the
 * network's name. */
#define SYSCTR_VXLAN_PREFIX "sxv"
char *sysctr_vxlan_link_name(const char *network, char buf[static SYSCTR_IFNAMSIZ]);
/* The container's side: eth0, eth1... in the order of its networks. */
#define SYSCTR_GUEST_LINK_FORMAT "eth%u"
