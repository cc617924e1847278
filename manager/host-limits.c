/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

#include "fileio.h"
#include "host-limits.h"

/* SYSCTR_SYSCTL_DROPIN: where "make install" puts units/sysctl.d/60-sysctr.conf (Makefile.am). */

/* Who a limit's counter belongs to (see host-limits.h). */
typedef enum LimitScope {
        SCOPE_SYSTEM,           /* one counter for the host: every container */
        SCOPE_ROOT,             /* root's ucounts: privileged containers, and unprivileged ones when
                                 * root owns their user namespaces; else one counter per container */
        SCOPE_ROOT_KEYS,        /* UID 0's key quota: privileged containers */
        SCOPE_USER_KEYS,        /* each other UID's key quota: an unprivileged guest's root (one per
                                 * container), and a privileged guest's users, shared by all of them */
        SCOPE_PROCESS,          /* a per-process cap: the same for any number of containers */
} LimitScope;

typedef struct HostLimit {
        const char *sysctl;
        LimitScope scope;
        uint64_t per_privileged, per_unprivileged;
        uint64_t host_reserve;  /* what the host itself takes of a shared counter */
        uint64_t dropin;        /* what units/sysctl.d/60-sysctr.conf sets; 0: it does not set it */
        uint64_t max;           /* the largest value the kernel takes; 0: no matter */
} HostLimit;

/* Per guest, measured on a Debian 12 guest (systemd 252, journald, logind, dbus, getty) booted by
 * sysctr on this project's test machines, then rounded up with room for a few more services:
 *   - inotify: 8 instances and 26 watches once booted, 14 and 50 at the peak of its boot (systemd,
 *     journald, logind, dbus-daemon, agetty, and the short-lived boot services). Guests boot together
 *     (machines.target), so the peak counts. The host's root takes its own: systemd, udevd, polkitd...
 *   - tasks: 5-7 in an idle guest; 128 leaves room for a small workload.
 *   - open files: about 90 per guest with its agent (fs.file-nr before and after).
 *   - keys: none today, because the security baseline fails the keyring calls (common/security.c).
 *     Where a guest may use them, its systemd gives each service a session keyring holding an
 *     "invocation_id" key: 2 keys and 39 bytes of quota per service (measured the same way here),
 *     about 25 keys and 500 bytes for a guest's root; a login session adds a keyring for its user.
 *   - user namespaces: one for an unprivileged container itself, plus the guest's services that ask
 *     for PrivateUsers=.
 *   - fs.nr_open: a guest's systemd gives its services a hard RLIMIT_NOFILE of 524288 (systemd's
 *     default), which fs.nr_open caps. */
static const HostLimit limits[] = {
        { "fs.inotify.max_user_instances", SCOPE_ROOT, 14, 14, 32, 8192, 0 },
        { "fs.inotify.max_user_watches", SCOPE_ROOT, 64, 64, 8192, 1048576, 0 },
        { "user.max_user_namespaces", SCOPE_ROOT, 2, 3, 64, 0, 0 },
        { "kernel.keys.root_maxkeys", SCOPE_ROOT_KEYS, 32, 0, 200, 1000000, 0 },
        { "kernel.keys.root_maxbytes", SCOPE_ROOT_KEYS, 1024, 0, 20000, 25000000, 0 },
        { "kernel.keys.maxkeys", SCOPE_USER_KEYS, 4, 32, 16, 2000, 0 },
        { "kernel.keys.maxbytes", SCOPE_USER_KEYS, 256, 1024, 1024, 2000000, 0 },
        { "kernel.pid_max", SCOPE_SYSTEM, 128, 128, 4096, 4194304, 4194304 },
        { "kernel.threads-max", SCOPE_SYSTEM, 128, 128, 4096, 0, 0 },
        { "fs.file-max", SCOPE_SYSTEM, 512, 512, 65536, 0, 0 },
        { "fs.nr_open", SCOPE_PROCESS, 524288, 524288, 0, 0, 0 },
};

void host_shortfalls_free(HostShortfall *s, size_t n) {
        for (size_t i = 0; s && i < n; i++) {
                free(s[i].who);
                free(s[i].hint);
        }
        free(s);
}

/* "fs.inotify.max_user_instances" below proc_sys. 0, -ENOENT, or -EBADMSG for no number. */
static int read_sysctl(const char *proc_sys, const char *name, uint64_t *ret) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        char *end;
        int r;

        if (asprintf(&path, "%s/%s", proc_sys, name) < 0)
                return -ENOMEM;
        for (char *p = path + strlen(proc_sys) + 1; *p; p++)
                if (*p == '.')
                        *p = '/';
        r = read_full_file(path, &text, NULL);
        if (r < 0)
                return r;
        errno = 0;
        *ret = strtoull(text, &end, 10);
        if (errno != 0 || end == text || text[0] == '-' || !isempty(end + strspn(end, " \t\n")))
                return -EBADMSG;
        return 0;
}

/* "30 privileged and 10 unprivileged containers (note)". */
static int describe(unsigned p, unsigned u, const char *note, char **ret, bool *ret_plural) {
        int k;

        if (p > 0 && u > 0)
                k = asprintf(ret, "%u privileged and %u unprivileged containers", p, u);
        else
                k = asprintf(ret, "%u %sprivileged container%s", p + u, p > 0 ? "" : "un",
                             p + u == 1 ? "" : "s");
        if (k >= 0 && note) {
                char *n;

                k = asprintf(&n, "%s (%s)", *ret, note);
                free(*ret);
                *ret = k >= 0 ? n : NULL;
        }
        *ret_plural = p + u != 1;
        return k < 0 ? -ENOMEM : 0;
}

/* One container's own counter is the larger need: "each unprivileged container". */
static int describe_each(const char *what, char **ret, bool *ret_plural) {
        *ret = strdup(what);
        *ret_plural = false;
        return *ret ? 0 : -ENOMEM;
}

/* How much of the limit the demand takes, and who takes it; *ret_needed 0 if nobody counts. */
static int limit_need(const HostLimit *l, const HostDemand *d, uint64_t *ret_needed, char **ret_who,
                      bool *ret_plural) {
        unsigned p = d->n_privileged, u = d->n_unprivileged;
        unsigned shared_u = l->scope == SCOPE_ROOT && !d->userns_owned_by_root ? 0 : u;
        uint64_t shared = 0, own = 0;

        *ret_needed = 0;
        *ret_who = NULL;
        switch (l->scope) {
        case SCOPE_SYSTEM:
        case SCOPE_ROOT:
                if (p + shared_u > 0)
                        shared = l->host_reserve + l->per_privileged * p + l->per_unprivileged * shared_u;
                if (shared_u < u)
                        own = l->per_unprivileged;
                break;
        case SCOPE_ROOT_KEYS:
                if (p > 0)
                        shared = l->host_reserve + l->per_privileged * p;
                break;
        case SCOPE_USER_KEYS:
                if (p > 0)
                        shared = l->host_reserve + l->per_privileged * p;
                if (u > 0)
                        own = l->per_unprivileged;
                break;
        case SCOPE_PROCESS:
                if (p + u > 0)
                        own = l->per_privileged;
                *ret_needed = own;
                return own > 0 ? describe_each("a guest's systemd", ret_who, ret_plural) : 0;
        }
        if (shared == 0 && own == 0)
                return 0;
        if (own > shared) {
                *ret_needed = own;
                return describe_each(l->scope == SCOPE_USER_KEYS ? "each unprivileged container's root"
                                                                 : "each unprivileged container",
                                     ret_who, ret_plural);
        }
        *ret_needed = shared;
        if (l->scope == SCOPE_SYSTEM)
                return describe(p, u, NULL, ret_who, ret_plural);
        if (l->scope == SCOPE_ROOT)
                return describe(p, shared_u, shared_u > 0 ? "all counted against root" : NULL, ret_who,
                                ret_plural);
        /* Key quotas: what is shared comes from the privileged containers. */
        return describe(p, 0, NULL, ret_who, ret_plural);
}

static uint64_t suggest(const HostLimit *l, uint64_t needed) {
        uint64_t v = 1;

        if (l->dropin >= needed)
                return l->dropin;
        while (v < needed && v < (UINT64_C(1) << 62))
                v <<= 1;
        return l->max > 0 ? MIN(v, l->max) : v;
}

static int make_shortfall(const HostLimit *l, uint64_t current, uint64_t needed, HostShortfall *s) {
        s->sysctl = l->sysctl;
        s->current = current;
        s->needed = needed;
        s->suggested = suggest(l, needed);
        if (l->dropin >= needed && l->dropin > 0) {
                if (asprintf(&s->hint, "run sysctl -w %s=%" PRIu64 ", or apply sysctr's settings: sysctl -p %s",
                             l->sysctl, s->suggested, SYSCTR_SYSCTL_DROPIN) < 0)
                        return -ENOMEM;
        } else if (asprintf(&s->hint, "run sysctl -w %s=%" PRIu64 " and keep it in a file in /etc/sysctl.d/",
                            l->sysctl, s->suggested) < 0)
                return -ENOMEM;
        return 0;
}

typedef struct ShortfallList {
        HostShortfall *v;
        size_t n;
} ShortfallList;

static void shortfall_list_done(ShortfallList *l) {
        host_shortfalls_free(l->v, l->n);
}

static int shortfall_list_add(ShortfallList *l, const HostLimit *limit, uint64_t current, uint64_t needed,
                              char *who, bool plural) {
        HostShortfall *m = realloc(l->v, (l->n + 1) * sizeof(HostShortfall));

        if (!m) {
                free(who);
                return -ENOMEM;
        }
        l->v = m;
        l->v[l->n] = (HostShortfall) { .who = who, .plural = plural };
        return make_shortfall(limit, current, needed, &l->v[l->n++]);
}

int host_limits_check(const char *proc_sys, const HostDemand *demand, HostShortfall **ret, size_t *ret_n) {
        _cleanup_(shortfall_list_done) ShortfallList list = {};
        int r;

        assert(demand && ret && ret_n);

        proc_sys = proc_sys ?: "/proc/sys";
        for (size_t i = 0; i < ELEMENTSOF(limits); i++) {
                _cleanup_free_ char *who = NULL;
                uint64_t current, needed;
                bool plural;

                r = read_sysctl(proc_sys, limits[i].sysctl, &current);
                if (r == -ENOENT)
                        continue;
                if (r >= 0)
                        r = limit_need(&limits[i], demand, &needed, &who, &plural);
                if (r < 0)
                        return r;
                if (needed == 0 || current >= needed)
                        continue;
                r = shortfall_list_add(&list, &limits[i], current, needed, TAKE_PTR(who), plural);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(list.v);
        *ret_n = list.n;
        list.n = 0;
        return 0;
}

int host_shortfall_format(const HostShortfall *s, char **ret) {
        assert(s && ret);

        if (asprintf(ret, "%s is %" PRIu64 "; %s need%s about %" PRIu64 ": %s", s->sysctl, s->current, s->who,
                     s->plural ? "" : "s", s->needed, s->hint) < 0)
                return -ENOMEM;
        return 0;
}
