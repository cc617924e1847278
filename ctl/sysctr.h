/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libintl.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-bus.h>

#include "macro.h"

/* Only the CLI's user-facing messages are translated (see STYLE.md); the glibc declaration of
 * gettext() carries format_arg, so -Wformat still checks "printf(_("%s"), x)". */
#define _(s) gettext(s)
#define N_(s) (s)

/* Exit statuses of "sysctr exec" when the tool itself fails, the same as docker exec, chroot(1),
 * env(1) and the shell use: the tool failed, the command cannot be executed, it was not found. */
#define EXIT_EXEC_TOOL 125
#define EXIT_EXEC_CANNOT_INVOKE 126
#define EXIT_EXEC_NOT_FOUND 127

#define USEC_PER_MINUTE (60 * USEC_PER_SEC)

/* Call timeouts: every call returns quickly (what takes long is a job, waited for without a
 * timeout), but a host under load may answer slowly; a generous bound beats giving up. */
#define CTL_TIMEOUT_DEFAULT (5 * USEC_PER_MINUTE)

/* Everything the command line said, filled in by main() and handed read-only to the verbs. */
typedef struct CtlOptions {
        /* create */
        const char *release;
        const char *hostname;
        const char *init;
        const char *stop_signal;        /* as given (checked), e.g. "RTMIN+3" */
        bool stop_timeout_set;
        uint32_t stop_timeout_sec;
        bool autostart;
        uint64_t memory_max;            /* bytes, 0: not given */
        uint32_t cpu_millis;            /* thousandths of a CPU, 0: not given */
        uint64_t tasks_max;             /* 0: not given */
        char **binds;                   /* "SRC:DST[:ro]", checked, in the order given */
        bool privileged;
        uint32_t id_base;               /* 0: not given */
        bool shared_ids;
        char **volumes;                 /* "VOLUME:DST[:ro]", checked */
        char **tmpfs;                   /* "DST[:size=N,mode=M]", checked */
        /* volume create */
        uint64_t size;                  /* bytes, 0: not given */
        /* export (and --volumes below) */
        bool no_image;
        char **networks;                /* --network, checked, in the order given */
        char **publish;                 /* --publish, checked */
        bool allow_host;
        /* network create */
        const char *type, *subnet, *ipv6, *domain, *parent, *mode;
        char **gateways;                /* one per family */
        bool nat, dns, host_access;
        uint32_t mtu;
        char **peers;                   /* vxlan: host names or addresses, as given */
        uint32_t vni;                   /* 0: not given */
        const char *local;
        /* stop */
        bool timeout_set;
        uint64_t timeout_usec;
        /* delete */
        bool force;
        /* list, info */
        bool json;
        /* exec */
        char **env;                     /* VAR=VALUE, in the order given */
        const char *workdir;
        const char *user;
        /* template build (and --release above) */
        bool rebuild;
        /* move, copy (and export) */
        bool export_volumes;
        /* apply */
        bool dry_run;
        bool prune;
        bool yes;
        /* logs */
        bool follow;
        bool lines_set;
        uint32_t lines;
} CtlOptions;

/* ctl-bus.c: every function logs its own error ("sysctr: <message>") and returns it. */
int ctl_bus_open(sd_bus **ret);
/* -H: the host that ctl_bus_open() connects to ([user@]host[:port], NULL: this one). */
void ctl_set_host(const char *address);
const char *ctl_get_host(void);
/* The system bus of address over SSH, or the local one for NULL; no interactive authorization. */
int ctl_bus_open_host(const char *address, sd_bus **ret);
int ctl_new_manager_call(sd_bus *bus, const char *member, sd_bus_message **ret);
int ctl_call(sd_bus *bus, sd_bus_message *m, uint64_t timeout_usec, sd_bus_message **ret_reply);
int ctl_call_manager(sd_bus *bus, uint64_t timeout_usec, sd_bus_message **ret_reply, const char *member,
                     const char *types, ...);
int ctl_get_container_path(sd_bus *bus, const char *name, char **ret);
int ctl_get_container_state(sd_bus *bus, const char *path, char **ret_state, uint32_t *ret_leader);
int ctl_log_bus_error(const sd_bus_error *error, int r, const char *what);
int ctl_get_container_properties(sd_bus *bus, const char *path, sd_bus_message **ret_reply);
/* The manager's "Mode" property: "systemd" or "standalone". */
int ctl_get_manager_mode(sd_bus *bus, char **ret);

/* polkit-agent.c: on a terminal, an unprivileged caller gets a text agent (pkttyagent) that asks
 * for the password when polkit wants one, as systemctl does. Ended at exit; failures are ignored. */
void ctl_polkit_agent_open(void);

/* jobs.c: waiting for sysctrd's jobs (create, start, stop, restart, build), with their progress shown
 * on a terminal and Ctrl-C canceling them. Make the JobWait before the calls that make jobs. */
typedef struct JobWait JobWait;
int job_wait_new(sd_bus *bus, JobWait **ret);
JobWait *job_wait_free(JobWait *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(JobWait *, job_wait_free);
/* A job returned by a call, about target (a container's or image's name, for messages). */
int job_wait_add(JobWait *w, const char *path, const char *target);
/* The create job of container name, if the next CreateContainer makes one. */
int job_wait_expect_create(JobWait *w, const char *name);
/* Until every job added has ended; each failure is logged. 0, or the first failure. */
int job_wait_run(JobWait *w);
/* The target JobRemoved named for the job at path once it has ended (NULL before). */
const char *job_wait_final_target(JobWait *w, const char *path);

/* Appends the entry {"binds": <as>} (an empty array removes all binds). No message. */
int ctl_append_binds(sd_bus_message *m, char * const *binds);

/* Checks a container name given on the command line, with a message that names it. */
int ctl_check_container_name(const char *name);

/* json.c */
void json_print_string(FILE *f, const char *s);

/* Parsers of command-line values (sysctr.c), shared with "set": 0 or -EINVAL/-ERANGE, no message. */
int ctl_parse_uint32(const char *s, uint32_t *ret);

/* verbs-container.c */
int verb_create(char **args, const CtlOptions *o);
int verb_start(char **args, const CtlOptions *o);
int verb_stop(char **args, const CtlOptions *o);
int verb_restart(char **args, const CtlOptions *o);
int verb_delete(char **args, const CtlOptions *o);
int verb_kill(char **args, const CtlOptions *o);
int verb_list(char **args, const CtlOptions *o);
int verb_info(char **args, const CtlOptions *o);

int verb_config_show(char **args, const CtlOptions *o);

/* verbs-set.c */
int verb_set(char **args, const CtlOptions *o);

/* exec.c: sessions through file descriptors that sysctrd hands over */
int verb_exec(char **args, const CtlOptions *o);
int verb_shell(char **args, const CtlOptions *o);
int verb_console(char **args, const CtlOptions *o);
int verb_logs(char **args, const CtlOptions *o);

/* verbs-storage.c: volumes, snapshots, clone, export, import */
int verb_volume_create(char **args, const CtlOptions *o);
int verb_volume_list(char **args, const CtlOptions *o);
int verb_volume_show(char **args, const CtlOptions *o);
int verb_volume_delete(char **args, const CtlOptions *o);
int verb_snapshot_create(char **args, const CtlOptions *o);
int verb_snapshot_list(char **args, const CtlOptions *o);
int verb_snapshot_restore(char **args, const CtlOptions *o);
int verb_snapshot_delete(char **args, const CtlOptions *o);
int verb_clone(char **args, const CtlOptions *o);
int verb_export(char **args, const CtlOptions *o);
int verb_import(char **args, const CtlOptions *o);
/* remote.c: sysctr itself run on host address through ssh ("sysctr" + words), for the verbs that
 * need file descriptors; the remote exit status, or a negative errno after a message. */
int ctl_run_remote(const char *address, char * const *words, bool terminal);
/* The words quoted for the remote shell, space-separated. */
int ctl_remote_command_line(char * const *words, char **ret);
/* "ssh -x{t|T} [-p PORT] -- [USER@]HOST 'word' 'word'..."; logs its errors. */
int ctl_ssh_argv(const char *address, char * const *words, bool terminal, char ***ret);

/* verbs-move.c: container name from the host at address from to the host at address to (NULL: this
 * host), as new_name, through "sysctr export" there and "sysctr import" here (or over ssh): the
 * import is atomic, so the target holds the whole container or nothing, and the source is not
 * touched. With remove_source, the source is deleted once the target has it (a move). The
 * container must be stopped. Logs its errors. */
int ctl_transfer_container(sd_bus *from_bus, const char *from, sd_bus *to_bus, const char *to, const char *name,
                           const char *new_name, bool volumes, bool remove_source);
int verb_move(char **args, const CtlOptions *o);
int verb_copy(char **args, const CtlOptions *o);

/* verbs-apply.c */
int verb_apply(char **args, const CtlOptions *o);
/* verbs-network.c */
int verb_network_create(char **args, const CtlOptions *o);
int verb_network_list(char **args, const CtlOptions *o);
int verb_network_show(char **args, const CtlOptions *o);
int verb_network_delete(char **args, const CtlOptions *o);
int verb_network_doctor(char **args, const CtlOptions *o);
/* Appends {"KEY": <as>} (networks, publish, volumes, tmpfs; an empty array clears the list). No
 * message. */
int ctl_append_strv_option(sd_bus_message *m, const char *key, char * const *l);
/* "lan0:ip=..." and "host", "none", "container:NAME", checked as sysctrd checks them: 0, or -EINVAL
 * after a message naming the bad value. */
int ctl_check_network_arg(const char *arg);
/* vxlan peers as sysctrd takes them: addresses, names resolved here (to the family of local or of
 * the peers given as addresses, else IPv4 where there is one). -errno after a message. */
int ctl_resolve_peers(char * const *peers, const char *local, char ***ret);
int ctl_check_publish_arg(const char *arg);

/* verbs-template.c */
int verb_template_list(char **args, const CtlOptions *o);
int verb_template_build(char **args, const CtlOptions *o);
int verb_template_remove(char **args, const CtlOptions *o);
