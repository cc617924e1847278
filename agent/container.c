/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "cgroup-util.h"
#include "config.h"
#include "container.h"
#include "fileio.h"
#include "guest.h"
#include "id.h"
#include "log.h"
#include "mount.h"
#include "notify.h"
#include "security.h"
#include "strv.h"
#include "userns.h"

#define NAMESPACE_FLAGS (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET)

/* Bounds each wait for the child. The unit's TimeoutStartSec= (or the manager) usually gives up
 * earlier; this only keeps a standalone agent from hanging forever on a wedged mount. */
#define SYNC_TIMEOUT_MSEC (90 * 1000)

/* The idmapped trees a child gets with SYNC_GO: the image, and one per ":idmap" bind. */
#define CHILD_TREES_MAX 64

typedef enum SyncType {
        SYNC_READY,     /* child → parent: death signal armed; move me now if clone3 could not */
        SYNC_GO,        /* parent → child: you are in your cgroups (and your IDs are mapped), go on;
                         * carries the idmapped trees of an unprivileged container (SCM_RIGHTS) */
        SYNC_FAILED,    /* child → parent: step, errno, detail (mount plan entry or -1) */
        SYNC_INIT,      /* child → parent: detail 1 if the init is systemd (waits for its READY=1) */
} SyncType;

typedef struct SyncMsg {
        int32_t type;
        int32_t step;
        int32_t error;
        int32_t detail;
} SyncMsg;

typedef struct Child {
        const ContainerLaunch *launch;
        const MountPlan *plan;
        const char *overlay_options;
        char **env;
        int sync_fd;
        int root_fd;
        int detail;
        char machine_id[ID_MACHINE_ID_STRING_MAX];
        /* Unprivileged: what the parent sent, and the host paths opened before we became the
         * container's root (which may not reach them). */
        int trees[CHILD_TREES_MAX];
        size_t n_trees;
        int upper_fd, work_fd;
        MountSources sources;
} Child;

static bool launch_userns(const ContainerLaunch *l) {
        return l->id_base > 0;
}

static int sync_send(int fd, SyncType type, int step, int error, int detail) {
        SyncMsg m = { .type = type, .step = step, .error = error, .detail = detail };

        return send(fd, &m, sizeof(m), MSG_NOSIGNAL) == (ssize_t) sizeof(m) ? 0 : negative_errno();
}

/* SYNC_GO with descriptors attached. */
static int sync_send_fds(int fd, SyncType type, const int *fds, size_t n_fds) {
        SyncMsg m = { .type = type, .detail = -1 };
        union {
                struct cmsghdr cmsghdr;
                uint8_t buf[CMSG_SPACE(sizeof(int) * CHILD_TREES_MAX)];
        } control = {};
        struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

        if (n_fds > CHILD_TREES_MAX)
                return -E2BIG;
        if (n_fds > 0) {
                struct cmsghdr *c;

                mh.msg_control = &control;
                mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
        }
        return sendmsg(fd, &mh, MSG_NOSIGNAL) == (ssize_t) sizeof(m) ? 0 : negative_errno();
}

/* A message and the descriptors that came with it (at most CHILD_TREES_MAX; *ret_n of them). */
static int sync_recv_fds(int fd, SyncMsg *ret, int *fds, size_t *ret_n) {
        union {
                struct cmsghdr cmsghdr;
                uint8_t buf[CMSG_SPACE(sizeof(int) * CHILD_TREES_MAX)];
        } control = {};
        struct iovec iov = { .iov_base = ret, .iov_len = sizeof(*ret) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                             .msg_controllen = sizeof(control) };
        ssize_t k;

        *ret_n = 0;
        do
                k = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
        while (k < 0 && errno == EINTR);
        if (k < 0)
                return -errno;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

                        memcpy(fds, CMSG_DATA(c), n * sizeof(int));
                        *ret_n = n;
                }
        if (k == 0)
                return 0;
        return k == (ssize_t) sizeof(*ret) ? 1 : -EBADMSG;
}

/* 1 with a message, 0 on EOF (the peer closed its end: exec or death), -errno otherwise. */
static int sync_recv(int fd, int timeout_msec, SyncMsg *ret) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        ssize_t k;
        int r;

        do
                r = poll(&p, 1, timeout_msec);
        while (r < 0 && errno == EINTR);
        if (r < 0)
                return -errno;
        if (r == 0)
                return -ETIMEDOUT;
        k = recv(fd, ret, sizeof(*ret), 0);
        if (k < 0)
                return -errno;
        if (k == 0)
                return 0;
        return k == (ssize_t) sizeof(*ret) ? 1 : -EBADMSG;
}

/* --- the child's steps, in order --- */

static int child_sync(Child *c) {
        SyncMsg m;
        int r;

        /* The container must not outlive a SIGKILLed agent. The parent only sends GO after it saw
         * READY, so if it died before this prctl took effect, we read EOF and give up. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                return -errno;
        r = sync_send(c->sync_fd, SYNC_READY, 0, 0, -1);
        if (r < 0)
                return r;
        r = sync_recv_fds(c->sync_fd, &m, c->trees, &c->n_trees);
        if (r < 0)
                return r;
        return r == 0 || m.type != SYNC_GO ? -ECONNRESET : 0;
}

/* Unprivileged: the host paths we need, opened while we still may (the container's root has no
 * right to search the host's 0700 state directory, say); the binds' sources too. The trees the
 * parent sent go where they belong: the first is the image, the others the ":idmap" binds in order. */
static int child_open_host_paths(Child *c) {
        const ContainerLaunch *l = c->launch;
        size_t next_tree = 1;
        int r;

        if (!launch_userns(l))
                return 0;
        c->upper_fd = open(l->upper, O_PATH | O_DIRECTORY | O_CLOEXEC);
        c->work_fd = open(l->work, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (c->upper_fd < 0 || c->work_fd < 0)
                return -errno;
        r = mount_sources_open(c->plan, &c->sources);
        if (r < 0)
                return r;
        for (size_t i = 0; i < c->plan->n_entries; i++)
                if (c->plan->entries[i].flags & MOUNT_IDMAP) {
                        if (next_tree >= c->n_trees)
                                return -EPROTO;
                        mount_sources_set_tree(&c->sources, i, c->trees[next_tree++]);
                }
        return c->n_trees > 0 ? 0 : -EPROTO;
}

/* Unprivileged: become the container's root. Cloned by host root, we hold every capability in our
 * new user namespace, but our IDs (the host's 0) are not mapped in it. */
static int child_become_root(Child *c) {
        if (!launch_userns(c->launch))
                return 0;
        if (setresgid(0, 0, 0) < 0 || setgroups(0, NULL) < 0 || setresuid(0, 0, 0) < 0)
                return -errno;
        return 0;
}

static int child_cgroup_namespace(Child *c) {
        /* The parent put us into payload/ and, on a hybrid host, into a cgroup of our own in every v1
         * hierarchy: the namespace is rooted where we are in each, so a guest root that mounts one of
         * them ("mount -t cgroup -o memory") sees only its own subtree, not the host's root and its
         * release_agent. A cgroup namespace makes payload/ the guest's root ("0::/"). */
        return RET_NERRNO(unshare(CLONE_NEWCGROUP));
}

static int child_mount_propagation(Child *c) {
        /* Nothing mounted from here on shows up on the host, and nothing of the host's leaks in. */
        return RET_NERRNO(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
}

static int child_overlay(Child *c) {
        _cleanup_free_ char *options = NULL;
        const char *o = c->overlay_options;
        int r;

        if (launch_userns(c->launch)) {
                char upper[32], work[32];

                /* The image, idmapped by the parent, into our mount namespace (overlayfs takes only
                 * layers there), then the layers by descriptor: the upper and work directories are
                 * in the host's state directory, which our root cannot search. In a user namespace
                 * overlayfs keeps its whiteouts and opaque markers in user.* xattrs (userxattr). */
                if (syscall(SYS_move_mount, c->trees[0], "", AT_FDCWD, c->launch->lower_stage,
                            MOVE_MOUNT_F_EMPTY_PATH) < 0)
                        return -errno;
                (void) snprintf(upper, sizeof(upper), "/proc/self/fd/%d", c->upper_fd);
                (void) snprintf(work, sizeof(work), "/proc/self/fd/%d", c->work_fd);
                r = mount_overlay_options(c->launch->lower_stage, upper, work, true, &options);
                if (r < 0)
                        return r;
                o = options;
        }
        r = mount_overlay(o, c->launch->rootfs);
        if (r < 0)
                return r;
        c->root_fd = open(c->launch->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        return c->root_fd < 0 ? -errno : 0;
}

static void log_guest_file_error(int r, const char *path) {
        if (r == -ENOENT)       /* no /etc at all: a minimal image, nothing to say */
                log_debug("Not writing %s in the container: no /etc.", path);
        else if (r == -ELOOP || r == -ENOTDIR)
                log_warning("Not writing %s in the container: it or /etc is a symlink (not followed).",
                            path);
        else
                log_warning_errno(r, "Not writing %s in the container: %m", path);
}

static int child_guest_files(Child *c) {
        int r;

        if (c->launch->resolv_conf) {
                r = guest_setup_resolv_conf(c->root_fd, c->launch->resolv_conf);
                if (r < 0)
                        log_guest_file_error(r, "/etc/resolv.conf");
        }

        /* Before the init runs, so it finds them on its first boot. Trouble here is the guest's own
         * (a symlink where a file belongs, a read-only /etc): warn and boot anyway. */
        r = guest_setup_hostname(c->root_fd, c->launch->hostname);
        if (r < 0)
                log_guest_file_error(r, "/etc/hostname");
        r = guest_setup_machine_id(c->root_fd, c->machine_id);
        if (r < 0)
                log_guest_file_error(r, "/etc/machine-id");
        return 0;
}

static int child_identify_init(Child *c) {
        int r;

        /* The agent waits for READY=1 only from an init that speaks the notify protocol. An init we
         * cannot resolve is not systemd; the exec step reports why it is missing. */
        r = guest_init_is_systemd(c->root_fd, c->launch->init[0]);
        if (r < 0)
                log_debug_errno(r, "Failed to resolve %s in the container: %m", c->launch->init[0]);
        return sync_send(c->sync_fd, SYNC_INIT, 0, 0, r > 0);
}

static int child_mounts(Child *c) {
        size_t failed = 0;
        int r;

        r = mount_plan_apply(c->plan, c->root_fd, launch_userns(c->launch) ? &c->sources : NULL, &failed);
        if (r < 0)
                c->detail = (int) failed;
        return r;
}

static int child_pivot_root(Child *c) {
        return mount_pivot_root(c->root_fd);
}

static int child_hostname(Child *c) {
        return RET_NERRNO(sethostname(c->launch->hostname, strlen(c->launch->hostname)));
}

static int child_console(Child *c) {
        _cleanup_close_ int fd = -EBADF;

        /* A session of its own with /dev/console as controlling terminal, as a kernel gives init. */
        if (setsid() < 0)
                return -errno;
        fd = open(c->launch->console ? "/dev/console" : "/dev/null", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (c->launch->console && ioctl(fd, TIOCSCTTY, 0) < 0)
                return -errno;
        for (int i = 0; i < 3; i++)
                if (dup2(fd, i) < 0)
                        return -errno;
        if (fd <= 2)
                TAKE_FD(fd);
        return 0;
}

static int child_reset(Child *c) {
        sigset_t none;

        /* The agent blocks the signals it reads through its signalfd and ignores some; both would
         * be inherited across execve(). */
        sigemptyset(&none);
        if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
                return -errno;
        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void) signal(sig, SIG_DFL);
        /* Our own fds are all O_CLOEXEC, but whoever started the agent may have leaked some. */
        if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
                return -errno;
        return 0;
}

static int child_security(Child *c) {
        /* Last before execve(): the seccomp filter must not get in the way of our own setup. */
        return security_apply_container_baseline();
}

static int child_exec(Child *c) {
        execve(c->launch->init[0], c->launch->init, c->env);
        return -errno;
}

typedef struct ChildStep {
        const char *name;
        int (*run)(Child *c);
} ChildStep;

static const ChildStep child_steps[] = {
        { "sync", child_sync },
        { "open-host-paths", child_open_host_paths },
        { "become-root", child_become_root },
        { "cgroup-namespace", child_cgroup_namespace },
        { "mount-propagation", child_mount_propagation },
        { "overlay", child_overlay },
        { "guest-files", child_guest_files },
        { "identify-init", child_identify_init },
        { "mounts", child_mounts },
        { "pivot-root", child_pivot_root },
        { "hostname", child_hostname },
        { "console", child_console },
        { "reset", child_reset },
        { "security", child_security },
        { "exec", child_exec },
};

_noreturn_ static void child_run(Child *c) {
        for (size_t i = 0; i < ELEMENTSOF(child_steps); i++) {
                int r;

                c->detail = -1;
                r = child_steps[i].run(c);
                if (r < 0) {
                        (void) sync_send(c->sync_fd, SYNC_FAILED, (int) i, -r, c->detail);
                        _exit(EXIT_FAILURE);
                }
        }
        _exit(EXIT_FAILURE); /* not reached: the exec step either replaced us or failed */
}

/* --- the parent's side --- */

static pid_t clone_child(int cgroup_fd, uint64_t namespaces, bool *ret_in_cgroup) {
        struct clone_args args = {
                .flags = namespaces | CLONE_INTO_CGROUP,
                .exit_signal = SIGCHLD,
                .cgroup = (uint64_t) cgroup_fd,
        };
        long pid;

        /* clone3() has no glibc wrapper. Without a stack it forks like clone(2) does; CLONE_INTO_CGROUP
         * (Linux 5.7) makes the child start in payload/, so it never runs in supervisor/. */
        pid = syscall(SYS_clone3, &args, sizeof(args));
        if (pid >= 0) {
                *ret_in_cgroup = true;
                return (pid_t) pid;
        }
        if (errno != ENOSYS && errno != E2BIG && errno != EINVAL)
                return -errno;
        log_debug_errno(errno, "clone3(CLONE_INTO_CGROUP) failed, falling back to clone(): %m");
        /* The argument order after flags differs between architectures, but all of them are 0. */
        pid = syscall(SYS_clone, namespaces | SIGCHLD, 0, 0, 0, 0);
        if (pid < 0)
                return -errno;
        *ret_in_cgroup = false;
        return (pid_t) pid;
}

/* Unprivileged: the child's IDs, its cgroup handed to its root, and the idmapped trees it attaches
 * itself (the image first, then the ":idmap" binds in the plan's order). */
static int parent_setup_userns(const ContainerLaunch *l, const MountPlan *plan, pid_t pid, int *trees,
                               size_t *ret_n) {
        _cleanup_free_ char *payload = NULL;
        size_t n = 0;
        int r;

        r = userns_write_maps(pid, l->id_base, CONFIG_ID_COUNT);
        if (r < 0)
                return r;
        r = cg_full_path(l->payload_cgroup, NULL, &payload);
        if (r >= 0)
                r = userns_chown_cgroup(payload, l->id_base);
        if (r < 0)
                return r;
        r = userns_idmapped_tree(pid, l->lower, false, &trees[n]);
        if (r < 0)
                return r;
        n++;
        for (size_t i = 0; i < plan->n_entries; i++) {
                const MountEntry *e = &plan->entries[i];

                if (!(e->flags & MOUNT_IDMAP))
                        continue;
                if (n >= CHILD_TREES_MAX)
                        r = -E2BIG;
                else
                        r = userns_idmapped_tree(pid, e->source, e->flags & MOUNT_RECURSIVE, &trees[n]);
                if (r < 0) {
                        *ret_n = n;
                        return r;
                }
                n++;
        }
        *ret_n = n;
        return 0;
}

/* The child waits for SYNC_GO: put it into its cgroups (payload/ if clone3 could not, and its own
 * cgroup in each v1 hierarchy of a hybrid host), unprivileged, set up its user namespace, and plumb
 * its network namespace. */
static int parent_prepare_child(const ContainerLaunch *l, const MountPlan *plan, pid_t pid, bool in_cgroup,
                                int fd) {
        int trees[CHILD_TREES_MAX];
        size_t n_trees = 0;
        char w[16];
        int r;

        if (!in_cgroup) {
                r = cg_attach(l->payload_cgroup, pid);
                if (r < 0)
                        return r;
        }
        (void) snprintf(w, sizeof(w), "%d", (int) pid);
        STRV_FOREACH(dir, l->payload_v1) {
                char path[PATH_MAX];

                (void) snprintf(path, sizeof(path), "%s/cgroup.procs", *dir);
                r = write_string_file(path, w);
                if (r < 0)
                        return r;
        }
        if (launch_userns(l)) {
                r = parent_setup_userns(l, plan, pid, trees, &n_trees);
                if (r < 0)
                        goto finish;
        }
        /* Its links, before its init can look for them (network.c). */
        if (l->network_setup && !l->share_netns) {
                r = l->network_setup(pid, l->network_userdata);
                if (r < 0)
                        goto finish;
        }
        r = sync_send_fds(fd, SYNC_GO, trees, n_trees);
finish:
        for (size_t i = 0; i < n_trees; i++)
                safe_close(trees[i]);
        return r;
}

static int parent_sync(const ContainerLaunch *l, const MountPlan *plan, int fd, pid_t pid, bool in_cgroup,
                       bool *ret_systemd, SyncMsg *ret_failure) {
        SyncMsg m;
        int r;

        r = sync_recv(fd, SYNC_TIMEOUT_MSEC, &m);
        if (r == 1 && m.type == SYNC_FAILED) {
                *ret_failure = m;
                return -m.error;
        }
        if (r <= 0 || m.type != SYNC_READY)
                return r < 0 ? r : -EPROTO;
        r = parent_prepare_child(l, plan, pid, in_cgroup, fd);
        if (r < 0)
                return r;
        /* EOF: the child's end was closed by a successful execve() (it is O_CLOEXEC). */
        for (;;) {
                r = sync_recv(fd, SYNC_TIMEOUT_MSEC, &m);
                if (r == 1 && m.type == SYNC_INIT) {
                        *ret_systemd = m.detail > 0;
                        continue;
                }
                if (r == 1 && m.type == SYNC_FAILED) {
                        *ret_failure = m;
                        return -m.error;
                }
                return r < 0 ? r : r == 0 ? 0 : -EPROTO;
        }
}

static char *describe_failure(const ContainerLaunch *l, const MountPlan *plan, const SyncMsg *m, int r) {
        _cleanup_free_ char *what = NULL;
        const char *step = "start";
        char *s;

        if (m->type == SYNC_FAILED && m->step >= 0 && (size_t) m->step < ELEMENTSOF(child_steps)) {
                step = child_steps[m->step].name;
                if (m->detail >= 0 && (size_t) m->detail < plan->n_entries)
                        (void) mount_entry_to_string(&plan->entries[m->detail], &what);
                else if (streq(step, "overlay"))
                        (void) asprintf(&what, "lower layer %s", l->lower);
                else if (streq(step, "exec"))
                        what = strdup(l->init[0]);
        }
        if (asprintf(&s, "Container setup failed at step '%s'%s%s%s: %s", step, what ? " (" : "",
                     strempty(what), what ? ")" : "", strerror(-r)) < 0)
                return NULL;
        return s;
}

static int build_env(const ContainerLaunch *l, char ***ret) {
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_free_ char *uuid = NULL;

        /* Exactly what systemd's container interface expects, and nothing of the agent's own
         * environment (SYSCTR_*, NOTIFY_SOCKET, ...). */
        if (asprintf(&uuid, "container_uuid=%s", l->id) < 0)
                return -ENOMEM;
        if (l->notify_dir && strv_extend(&env, "NOTIFY_SOCKET=" SYSCTR_NOTIFY_GUEST_SOCKET) < 0)
                return -ENOMEM;
        if (strv_extend(&env, "container=sysctr") < 0 || strv_push(&env, TAKE_PTR(uuid)) < 0 ||
            strv_extend(&env, "TERM=vt220") < 0 ||
            strv_extend(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") < 0 ||
            strv_extend(&env, "HOME=/root") < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(env);
        return 0;
}

int container_launch(const ContainerLaunch *l, ContainerStarted *ret, char **ret_error) {
        _cleanup_(mount_plan_freep) MountPlan *plan = NULL;
        _cleanup_free_ char *options = NULL;
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_close_pair_ int pair[2] = { -EBADF, -EBADF };
        _cleanup_close_ int cgroup_fd = -EBADF;
        char machine_id[ID_MACHINE_ID_STRING_MAX], boot_id[ID_STRING_MAX];
        SyncMsg failure = {};
        bool in_cgroup = false, systemd = false;
        pid_t pid;
        int r;

        r = id_to_machine_id(l->id, machine_id);
        if (r >= 0)
                r = id_generate(boot_id);
        if (r >= 0)
                r = mount_plan_build(&(MountPlanParams) { .console = l->console, .container_uuid = l->id,
                                                          .notify_dir = l->notify_dir,
                                                          .os_release = l->os_release,
                                                          .binds = l->binds,
                                                          .boot_id = boot_id },
                                     &plan);
        if (r >= 0)
                r = mount_overlay_options(l->lower, l->upper, l->work, false, &options);
        if (r >= 0)
                r = build_env(l, &env);
        if (r < 0) {
                if (ret_error)
                        *ret_error = strdup(r == -EINVAL ? "Container paths not usable for an overlay mount"
                                                         : "Out of memory");
                return r;
        }
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return -errno;
        cgroup_fd = cg_open(l->payload_cgroup);
        if (cgroup_fd < 0)
                return cgroup_fd;

        /* Unprivileged, every namespace is created owned by the container's user namespace, so
         * that its root can manage them (mount its /proc, configure its network). A container
         * in the host's or another container's network namespace (network.h) gets none of its own. */
        pid = clone_child(cgroup_fd,
                          (NAMESPACE_FLAGS | (launch_userns(l) ? (uint64_t) CLONE_NEWUSER : 0)) &
                                  ~(l->share_netns ? (uint64_t) CLONE_NEWNET : 0),
                          &in_cgroup);
        if (pid < 0)
                return pid;
        if (pid == 0) {
                Child c = { .launch = l, .plan = plan, .overlay_options = options, .env = env,
                            .sync_fd = pair[1], .root_fd = -EBADF, .detail = -1,
                            .upper_fd = -EBADF, .work_fd = -EBADF };

                memcpy(c.machine_id, machine_id, sizeof(machine_id));
                pair[0] = safe_close(pair[0]);
                child_run(&c);
        }
        pair[1] = safe_close(pair[1]);

        r = parent_sync(l, plan, pair[0], pid, in_cgroup, &systemd, &failure);
        if (r < 0) {
                if (ret_error)
                        *ret_error = describe_failure(l, plan, &failure, r);
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                return r;
        }
        *ret = (ContainerStarted) { .pid = pid, .init_is_systemd = systemd };
        return 0;
}
