/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <linux/openat2.h>
#include <systemd/sd-journal.h>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <linux/close_range.h>

#include "backend.h"
#include "bus-names.h"
#include "container.h"
#include "guest-path.h"
#include "log.h"
#include "logs.h"
#include "manager.h"
#include "paths.h"

/* GetContainerLogs (and "sysctr logs NAME [-f] [-n N]", which calls it): what the host recorded
 * about the container and what the guest recorded itself, written into a pipe by a child of sysctrd
 * that the caller reads.
 *
 *  - Where sysctrd runs in systemd mode, the agent logs to the host's journal: the entries of the unit
 *    sysctr@NAME.service, and those tagged SYSCTR_CONTAINER=NAME. In standalone mode (no journald on
 *    the host) it logs to <log dir>/NAME.log, which has no timestamps: it is shown first, as it is.
 *  - The guest's own journal, if it keeps one (a systemd guest does; busybox does not): its
 *    /var/log/journal and /run/log/journal, read through /proc/LEADER/root while it runs, from its
 *    writable layer while it is stopped (/run is gone then).
 *
 * The journals are merged by time and written as journalctl's short format. The child ends when the
 * reader closes the pipe (with "follow", it waits for new entries until then). Trouble on the way is
 * written into the stream as a "-- ... --" line, as journalctl writes "-- No entries --". */

/* The host's journal, and the guest's two directories. */
#define LOGS_JOURNALS_MAX 3
/* journalctl -f shows the last 10 entries before following; so do we. */
#define LOGS_FOLLOW_DEFAULT_LINES 10

typedef struct JournalSource {
        sd_journal *journal;
        int dir_fd;             /* the directory it reads (guests); the journal does not own it */
        bool pending;           /* positioned on an entry not printed yet */
        uint64_t realtime;      /* of that entry */
} JournalSource;

typedef struct LogFile {
        char *dir, *path;
        int fd;                 /* -EBADF while the file does not exist */
        int inotify_fd;         /* -f only */
} LogFile;

typedef struct Logs {
        JournalSource journals[LOGS_JOURNALS_MAX];
        size_t n_journals;
        LogFile file;
        bool use_file;
} Logs;

static void logs_done(Logs *l) {
        for (size_t i = 0; i < l->n_journals; i++) {
                sd_journal_close(l->journals[i].journal);
                safe_close(l->journals[i].dir_fd);
        }
        free(l->file.dir);
        free(l->file.path);
        safe_close(l->file.fd);
        safe_close(l->file.inotify_fd);
}

/* Trouble, told to the reader in the stream itself (sysctrd's log gets it too). */
static int logs_error(int error, const char *format, ...) _printf_(2, 3);
static int logs_error(int error, const char *format, ...) {
        char text[512];
        va_list ap;

        errno = error < 0 ? -error : error;
        va_start(ap, format);
        (void) vsnprintf(text, sizeof(text), format, ap);
        va_end(ap);
        printf("-- %s --\n", text);
        log_debug("Reading logs: %s", text);
        return error < 0 ? error : -EIO;
}

/* Guests write what they like into their logs: control characters (escape sequences, carriage
 * returns) are shown as "\xNN" so that they cannot drive the terminal. A newline inside a message
 * continues it on a new line, indented as journalctl does. */
static void print_sanitized(const char *s, size_t n, size_t indent) {
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];

                if (c == '\n' && indent > 0 && i + 1 < n)
                        printf("\n%*s", (int) indent, "");
                else if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f))
                        putchar(c);
                else
                        printf("\\x%02x", c);
        }
}

/* The value of FIELD in the current entry, not NUL-terminated. */
static int entry_field(sd_journal *j, const char *field, const char **ret, size_t *ret_len) {
        size_t n = strlen(field), len;
        const void *data;
        int r;

        r = sd_journal_get_data(j, field, &data, &len);
        if (r < 0)
                return r;
        if (len <= n || ((const char *) data)[n] != '=')
                return -EBADMSG;
        *ret = (const char *) data + n + 1;
        *ret_len = len - n - 1;
        return 0;
}

/* "Nov 29 06:36:31 web1 systemd[1]: Started ...": the short format of journalctl(1). */
static void print_entry(JournalSource *s) {
        const char *host = "", *ident = "", *pid = NULL, *message = "";
        size_t host_len = 0, ident_len = 0, pid_len = 0, message_len = 0;
        char stamp[64], prefix[256];
        time_t t = (time_t) (s->realtime / USEC_PER_SEC);
        struct tm tm;
        int n;

        if (!localtime_r(&t, &tm) || strftime(stamp, sizeof(stamp), "%b %d %H:%M:%S", &tm) == 0)
                (void) snprintf(stamp, sizeof(stamp), "@%" PRIu64, s->realtime / USEC_PER_SEC);
        (void) entry_field(s->journal, "_HOSTNAME", &host, &host_len);
        if (entry_field(s->journal, "SYSLOG_IDENTIFIER", &ident, &ident_len) < 0)
                (void) entry_field(s->journal, "_COMM", &ident, &ident_len);
        if (entry_field(s->journal, "_PID", &pid, &pid_len) < 0)
                (void) entry_field(s->journal, "SYSLOG_PID", &pid, &pid_len);
        (void) entry_field(s->journal, "MESSAGE", &message, &message_len);

        n = snprintf(prefix, sizeof(prefix), "%s %.*s %.*s%s%.*s%s: ", stamp, (int) MIN(host_len, 64), host,
                     (int) MIN(ident_len, 64), ident, pid ? "[" : "", (int) MIN(pid_len, 16), strempty(pid),
                     pid ? "]" : "");
        n = MIN(MAX(n, 0), (int) sizeof(prefix) - 1);
        print_sanitized(prefix, (size_t) n, 0);
        print_sanitized(message, message_len, (size_t) n);
        putchar('\n');
}

static int journal_next(JournalSource *s) {
        int r;

        r = sd_journal_next(s->journal);
        if (r < 0)
                return r;
        s->pending = r > 0 && sd_journal_get_realtime_usec(s->journal, &s->realtime) >= 0;
        return 0;
}

/* Positions the journal on its first entry to print; *ret_count is how many there are from there
 * on (with a limit; else 0). */
static int journal_seek(JournalSource *s, bool limit, uint32_t lines, uint64_t *ret_count) {
        int r;

        *ret_count = 0;
        if (!limit) {
                r = sd_journal_seek_head(s->journal);
                return r < 0 ? r : journal_next(s);
        }

        r = sd_journal_seek_tail(s->journal);
        if (r < 0)
                return r;
        /* Onto the last entry, then back lines-1 more: journal_next() goes on after it. With no line
         * at all, the last entry counts as shown. */
        r = sd_journal_previous(s->journal);
        if (r <= 0 || lines == 0)
                return r;
        if (lines > 1) {
                r = sd_journal_previous_skip(s->journal, lines - 1);
                if (r < 0)
                        return r;
        } else
                r = 0;
        *ret_count = (uint64_t) r + 1;
        s->pending = sd_journal_get_realtime_usec(s->journal, &s->realtime) >= 0;
        return 0;
}

/* Prints the pending entries of all journals, oldest first, skipping the first *skip of them. */
static int journals_print(Logs *l, uint64_t *skip) {
        int r;

        for (;;) {
                JournalSource *oldest = NULL;

                for (size_t i = 0; i < l->n_journals; i++)
                        if (l->journals[i].pending &&
                            (!oldest || l->journals[i].realtime < oldest->realtime))
                                oldest = &l->journals[i];
                if (!oldest)
                        return 0;
                if (*skip > 0)
                        (*skip)--;
                else
                        print_entry(oldest);
                r = journal_next(oldest);
                if (r < 0)
                        return logs_error(r, "Failed to read the journal: %m");
        }
}

static void logs_add_journal(Logs *l, sd_journal *j, int dir_fd) {
        assert(l->n_journals < LOGS_JOURNALS_MAX);
        l->journals[l->n_journals++] = (JournalSource) { .journal = j, .dir_fd = dir_fd };
}

/* The host's journal: the unit's entries (its processes', and systemd's about it) and the agent's. */
static int logs_open_host_journal(Logs *l, const char *name) {
        _cleanup_free_ char *unit = NULL, *m_unit = NULL, *m_pid1_unit = NULL, *m_field = NULL;
        sd_journal *j = NULL;
        int r;

        unit = sysctr_unit_name(name);
        if (!unit || asprintf(&m_unit, "_SYSTEMD_UNIT=%s", unit) < 0 || asprintf(&m_pid1_unit, "UNIT=%s", unit) < 0 ||
            asprintf(&m_field, "SYSCTR_CONTAINER=%s", name) < 0)
                return -ENOMEM;

        /* Local only: the guest's journal, linked into the host's, is read on its own. */
        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
        if (r < 0)
                return logs_error(r, "Failed to open the journal of the host: %m");
        r = sd_journal_add_match(j, m_unit, 0);
        if (r >= 0)
                r = sd_journal_add_disjunction(j);
        if (r >= 0)
                r = sd_journal_add_match(j, m_field, 0);
        if (r >= 0)
                r = sd_journal_add_disjunction(j);
        if (r >= 0)
                r = sd_journal_add_match(j, "_PID=1", 0);
        if (r >= 0)
                r = sd_journal_add_match(j, m_pid1_unit, 0);
        if (r < 0) {
                sd_journal_close(j);
                return logs_error(r, "Failed to filter the journal of the host: %m");
        }
        logs_add_journal(l, j, -EBADF);
        return 0;
}

/* The guest's journal directories below its root: those that exist. */
static int logs_open_guest_journals(Logs *l, int root_fd) {
        static const char *const dirs[] = { "var/log/journal", "run/log/journal" };

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_close_ int fd = -EBADF;
                sd_journal *j = NULL;
                int r;

                /* The guest owns the tree: its symlinks resolve inside it. */
                fd = guest_open_follow(root_fd, dirs[i], O_RDONLY | O_DIRECTORY, 0);
                if (fd == -ENOENT || fd == -ENOTDIR)
                        continue;
                if (fd < 0)
                        return logs_error(fd, "Failed to open /%s of the container: %m", dirs[i]);
                /* Its machine-ID subdirectories and their files, opened relative to fd. */
                r = sd_journal_open_directory_fd(&j, fd, 0);
                if (r < 0)
                        return logs_error(r, "Failed to open the journal in /%s of the container: %m",
                                               dirs[i]);
                logs_add_journal(l, j, TAKE_FD(fd));
        }
        return 0;
}

static int guest_root_of_leader(uint32_t leader, int *ret) {
        _cleanup_close_ int pidfd = -EBADF, fd = -EBADF;
        char path[32];

        pidfd = (int) syscall(SYS_pidfd_open, (pid_t) leader, 0);
        if (pidfd < 0)
                return -errno;
        (void) snprintf(path, sizeof(path), "/proc/%" PRIu32 "/root", leader);
        fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* Still alive, so /proc/LEADER was the init of the pidfd, not a successor with its PID. */
        if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
                return -errno;
        *ret = TAKE_FD(fd);
        return 0;
}

/* The guest's root: its init's while it runs, else its writable layer, which has all the guest wrote
 * but /run. */
static int guest_root_open(const char *name, uint32_t leader, int *ret) {
        _cleanup_free_ char *upper = NULL;
        int fd, r;

        if (leader > 0) {
                r = guest_root_of_leader(leader, ret);
                if (r != -ESRCH && r != -ENOENT)
                        return r;
                /* It stopped meanwhile. */
        }

        upper = sysctr_container_upper_dir(name);
        if (!upper)
                return -ENOMEM;
        fd = open(upper, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        *ret = fd;
        return 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* The agent's log file (standalone mode) */

static int log_file_copy(LogFile *f) {
        char buf[64 * 1024];
        ssize_t n;

        if (f->fd < 0)
                return 0;
        while ((n = read(f->fd, buf, sizeof(buf))) != 0) {
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return 0;
                        return logs_error(-errno, "Failed to read %s: %m", f->path);
                }
                print_sanitized(buf, (size_t) n, 0);
        }
        return 0;
}

/* Seeks to the start of the last lines lines. */
static int log_file_seek_tail(LogFile *f, uint32_t lines) {
        char buf[4096];
        struct stat st;
        off_t pos, end;
        uint32_t seen = 0;

        if (fstat(f->fd, &st) < 0)
                return -errno;
        end = pos = st.st_size;
        while (pos > 0 && lines > 0) {
                size_t n = (size_t) MIN((off_t) sizeof(buf), pos);

                pos -= (off_t) n;
                if (pread(f->fd, buf, n, pos) != (ssize_t) n)
                        return -EIO;
                /* A newline starts the line after it, but for the one that ends the file. */
                for (size_t i = n; i > 0; i--)
                        if (buf[i - 1] == '\n' && pos + (off_t) i != end && ++seen == lines)
                                return lseek(f->fd, pos + (off_t) i, SEEK_SET) < 0 ? -errno : 0;
        }
        return lseek(f->fd, lines > 0 ? 0 : end, SEEK_SET) < 0 ? -errno : 0;
}

/* -EACCES without a message: the caller decides. */
static int log_file_open(LogFile *f) {
        if (f->fd >= 0)
                return 0;
        f->fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
        if (f->fd < 0 && (errno == EACCES || errno == EPERM))
                return -EACCES;
        if (f->fd < 0 && errno != ENOENT)
                return logs_error(-errno, "Failed to open %s: %m", f->path);
        if (f->fd >= 0 && f->inotify_fd >= 0 && inotify_add_watch(f->inotify_fd, f->path, IN_MODIFY) < 0)
                return logs_error(-errno, "Failed to watch %s: %m", f->path);
        return 0;
}

/* -f: the directory is watched for the file to appear (a container that never ran has none yet),
 * the file for what is appended to it. Watches first, so that nothing written meanwhile is missed. */
static int log_file_setup(LogFile *f, bool seek, bool follow, uint32_t lines) {
        int r;

        if (follow) {
                f->inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
                if (f->inotify_fd < 0)
                        return logs_error(-errno, "Failed to watch %s: %m", f->path);
                /* No log directory at all: nothing to wait for there. */
                if (inotify_add_watch(f->inotify_fd, f->dir, IN_CREATE | IN_MOVED_TO) < 0 && errno != ENOENT)
                        return logs_error(-errno, "Failed to watch %s: %m", f->dir);
        }
        r = log_file_open(f);
        if (r == -EACCES) {
                (void) logs_error(-EACCES, "Cannot read %s: %m", f->path);
                f->inotify_fd = safe_close(f->inotify_fd);
                return 0;
        }
        if (r < 0 || f->fd < 0)
                return r;
        if (seek) {
                r = log_file_seek_tail(f, lines);
                if (r < 0)
                        return logs_error(r, "Failed to read %s: %m", f->path);
        }
        return log_file_copy(f);
}

static int log_file_process(LogFile *f) {
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        int r;

        /* What happened does not matter: open the file if it is new, print what was added. */
        while (read(f->inotify_fd, buf, sizeof(buf)) > 0)
                ;
        r = log_file_open(f);
        if (r == -EACCES)
                return 0;       /* appeared, but not for us */
        return r < 0 ? r : log_file_copy(f);
}

/* ---------------------------------------------------------------------------------------------- */
/* Following */

static int poll_timeout_ms(Logs *l) {
        uint64_t soonest = UINT64_MAX, t;
        struct timespec now;

        for (size_t i = 0; i < l->n_journals; i++)
                if (sd_journal_get_timeout(l->journals[i].journal, &t) >= 0)
                        soonest = MIN(soonest, t);
        if (soonest == UINT64_MAX)
                return -1;
        /* sd_journal_get_timeout(3): an absolute CLOCK_MONOTONIC time. */
        (void) clock_gettime(CLOCK_MONOTONIC, &now);
        t = (uint64_t) now.tv_sec * USEC_PER_SEC + (uint64_t) now.tv_nsec / 1000;
        return soonest <= t ? 0 : (int) MIN((soonest - t + 999) / 1000, (uint64_t) INT32_MAX);
}

static int flush_output(void) {
        /* The reader went away (EPIPE): that is the end, not an error worth a word. */
        if (fflush(stdout) != 0 || ferror(stdout))
                return errno > 0 ? -errno : -EIO;
        return 0;
}

/* Until the reader closes the pipe: new journal entries as they come, and what is appended to the
 * log file. */
static int logs_follow(Logs *l) {
        struct pollfd p[1 + LOGS_JOURNALS_MAX + 1];
        uint64_t skip = 0;
        size_t n;
        int r;

        for (;;) {
                r = flush_output();
                if (r < 0)
                        return r;

                n = 0;
                /* No events asked for: POLLERR comes when the reader has closed its end. */
                p[n++] = (struct pollfd) { .fd = STDOUT_FILENO, .events = 0 };
                for (size_t i = 0; i < l->n_journals; i++)
                        p[n++] = (struct pollfd) {
                                .fd = sd_journal_get_fd(l->journals[i].journal),
                                .events = (short) MAX(sd_journal_get_events(l->journals[i].journal), 0),
                        };
                if (l->file.inotify_fd >= 0)
                        p[n++] = (struct pollfd) { .fd = l->file.inotify_fd, .events = POLLIN };

                if (poll(p, n, poll_timeout_ms(l)) < 0) {
                        if (errno == EINTR)
                                continue;
                        return logs_error(-errno, "Failed to wait for new log entries: %m");
                }
                if (p[0].revents)
                        return 0;

                for (size_t i = 0; i < l->n_journals; i++) {
                        JournalSource *s = &l->journals[i];

                        r = sd_journal_process(s->journal);
                        if (r >= 0 && !s->pending)
                                r = journal_next(s);
                        if (r < 0)
                                return logs_error(r, "Failed to read the journal: %m");
                }
                r = journals_print(l, &skip);
                if (r < 0)
                        return r;
                if (l->file.inotify_fd >= 0 && p[n - 1].revents) {
                        r = log_file_process(&l->file);
                        if (r < 0)
                                return r;
                }
        }
}

/* ---------------------------------------------------------------------------------------------- */

static int logs_open(Logs *l, const LogsRequest *req) {
        _cleanup_close_ int root_fd = -EBADF;
        const char *name = req->name;
        int r;

        /* The mode says where the agent's messages went: under systemd to the journal, else to the file
         * that sysctrd gave it as stderr. (Not sd_booted(): a standalone sysctrd may run on a systemd
         * host, as the tests' private instances do.) */
        if (req->systemd) {
                r = logs_open_host_journal(l, name);
                if (r < 0)
                        return r;
        } else {
                l->use_file = true;
                l->file.dir = strdup(sysctr_log_dir());
                l->file.path = sysctr_container_log_path(name);
                if (!l->file.dir || !l->file.path)
                        return -ENOMEM;
        }

        r = guest_root_open(name, (uint32_t) req->leader, &root_fd);
        if (r == -ENOENT)
                return 0;       /* never started: no layer yet */
        if (r == -EACCES || r == -EPERM) {
                (void) logs_error(r, "Cannot read the journal of container \"%s\": %m", name);
                return 0;
        }
        if (r < 0)
                return logs_error(r, "Failed to open the root of container \"%s\": %m", name);
        r = logs_open_guest_journals(l, root_fd);
        if (r < 0)
                return r;

        /* Before anything is read, so that no change is missed (sd_journal_get_fd(3)). */
        for (size_t i = 0; req->follow && i < l->n_journals; i++) {
                r = sd_journal_get_fd(l->journals[i].journal);
                if (r < 0)
                        return logs_error(r, "Failed to watch the journal: %m");
        }
        return 0;
}

static int logs_run(const LogsRequest *req) {
        _cleanup_(logs_done) Logs l = { .file = { .fd = -EBADF, .inotify_fd = -EBADF } };
        uint32_t lines = req->lines_set ? req->lines : LOGS_FOLLOW_DEFAULT_LINES;
        bool limit = req->lines_set || req->follow;
        uint64_t total = 0, skip;
        int r;

        r = logs_open(&l, req);
        if (r < 0)
                return r;

        /* The file first: its lines have no time to merge them by. -n counts its lines apart. */
        if (l.use_file) {
                r = log_file_setup(&l.file, limit, req->follow, lines);
                if (r < 0)
                        return r;
        }

        for (size_t i = 0; i < l.n_journals; i++) {
                uint64_t count;

                r = journal_seek(&l.journals[i], limit, lines, &count);
                if (r < 0)
                        return logs_error(r, "Failed to read the journal: %m");
                total += count;
        }
        /* Each journal is at its last lines entries: of them all, only the last lines are shown. */
        skip = limit && total > lines ? total - lines : 0;
        r = journals_print(&l, &skip);
        if (r < 0)
                return r;

        if (req->follow)
                return logs_follow(&l);
        return flush_output();
}

/* The child that writes the logs: the pipe is its standard output, and nothing of sysctrd's (the bus
 * connection above all, which would outlive a restart of sysctrd) stays open in it. */
_noreturn_ static void logs_child(int fd, const LogsRequest *req) {
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
            syscall(SYS_close_range, 3U, ~0U, 0) < 0)
                _exit(EXIT_FAILURE);
        (void) signal(SIGPIPE, SIG_IGN);
        _exit(logs_run(req) < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}

static int on_logs_child_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        sd_event_source_disable_unref(s);
        return 0;
}

static int read_logs_options(sd_bus_message *m, LogsRequest *req, sd_bus_error *error) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        for (;;) {
                const char *key;
                uint64_t lines;
                int follow;

                r = sd_bus_message_enter_container(m, 'e', "sv");
                if (r <= 0)
                        break;
                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                if (streq(key, "lines")) {
                        r = sd_bus_message_read(m, "v", "t", &lines);
                        if (r >= 0 && lines > UINT32_MAX)
                                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                         "Invalid number of lines %" PRIu64 ".", lines);
                        req->lines_set = true;
                        req->lines = (uint32_t) lines;
                } else if (streq(key, "follow")) {
                        r = sd_bus_message_read(m, "v", "b", &follow);
                        req->follow = follow;
                } else
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Unknown option \"%s\" (known: lines, follow).", key);
                if (r < 0)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Option \"%s\" has the wrong type.",
                                                 key);
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

int logs_spawn(Manager *m, const LogsRequest *req, int *ret_fd) {
        _cleanup_close_pair_ int pipe_fds[2] = { -EBADF, -EBADF };
        sd_event_source *child = NULL;
        pid_t pid;
        int r;

        if (pipe2(pipe_fds, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                pipe_fds[0] = safe_close(pipe_fds[0]);
                logs_child(pipe_fds[1], req);
        }
        pipe_fds[1] = safe_close(pipe_fds[1]);
        /* The source belongs to its callback, which ends it. The child ends when the reader has
         * closed the pipe (it notices at its next write, or at once when following). */
        r = sd_event_add_child(m->event, &child, pid, WEXITED, on_logs_child_exit, NULL);
        if (r < 0) {
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                return r;
        }
        *ret_fd = TAKE_FD(pipe_fds[0]);
        return 0;
}

int logs_request_init(Container *c, sd_bus_message *message, LogsRequest *ret, sd_bus_error *error) {
        int r;

        *ret = (LogsRequest) {
                .name = c->name,
                .systemd = c->manager->backend->units,
                .leader = container_is_active(c) ? c->leader : 0,
        };
        r = read_logs_options(message, ret, error);
        if (r < 0)
                return r;
        if (c->state == CONTAINER_CREATING)
                return sd_bus_error_setf(error, SYSCTR_ERROR_BUSY, "Container \"%s\" is being created.", c->name);
        return 0;
}

int container_method_get_logs(Container *c, sd_bus_message *message, sd_bus_error *error) {
        _cleanup_close_ int fd = -EBADF;
        LogsRequest req;
        int r;

        r = logs_request_init(c, message, &req, error);
        if (r < 0)
                return r;
        r = logs_spawn(c->manager, &req, &fd);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to read the logs of \"%s\": %m", c->name);
        return sd_bus_reply_method_return(message, "h", fd);
}
