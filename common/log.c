/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "log.h"

static const char *log_ident = "sysctr";
static int log_max_level = LOG_INFO;
static bool log_to_journal = false;
static char log_field[256];

static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        /* systemd.exec(5): JOURNAL_STREAM is "DEV:INODE" of the stream stderr is connected to. */
        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

void log_open(const char *ident) {
        const char *e;

        if (ident)
                log_ident = ident;
        log_to_journal = stderr_is_journal();
        e = getenv("SYSCTR_LOG_LEVEL");
        if (e && streq(e, "debug"))
                log_max_level = LOG_DEBUG;
}

void log_set_max_level(int level) {
        log_max_level = level;
}

int log_get_max_level(void) {
        return log_max_level;
}

void log_set_field(const char *key, const char *value) {
        if (!key || !value)
                log_field[0] = '\0';
        else
                (void) snprintf(log_field, sizeof(log_field), "%s=%s", key, value);
}

static int log_internalv(int level, int error, const char *key, const char *value, const char *file, int line,
                         const char *func, const char *format, va_list ap) {
        int saved = errno, e = error < 0 ? -error : error;
        char buf[2048], extra[256] = "";

        if (level > log_max_level)
                return -e;

        /* Make %m print the error we were given, not whatever errno happens to be. */
        errno = e;
        (void) vsnprintf(buf, sizeof(buf), format, ap);
        if (key && value)
                (void) snprintf(extra, sizeof(extra), "%s=%s", key, value);

        if (log_to_journal) {
                char f_msg[2100], f_prio[32], f_ident[64], f_errno[32], f_file[256], f_line[32], f_func[128];
                struct iovec iov[9];
                size_t n = 0;

#define ADD(b, ...) do { (void) snprintf(b, sizeof(b), __VA_ARGS__); \
                          iov[n++] = (struct iovec) { .iov_base = b, .iov_len = strlen(b) }; } while (0)
                ADD(f_msg, "MESSAGE=%s", buf);
                ADD(f_prio, "PRIORITY=%i", level);
                ADD(f_ident, "SYSLOG_IDENTIFIER=%s", log_ident);
                ADD(f_file, "CODE_FILE=%s", file);
                ADD(f_line, "CODE_LINE=%i", line);
                ADD(f_func, "CODE_FUNC=%s", func);
                if (e > 0)
                        ADD(f_errno, "ERRNO=%i", e);
#undef ADD
                if (log_field[0])
                        iov[n++] = (struct iovec) { .iov_base = log_field, .iov_len = strlen(log_field) };
                if (extra[0])
                        iov[n++] = (struct iovec) { .iov_base = extra, .iov_len = strlen(extra) };
                (void) sd_journal_sendv(iov, (int) n);
        } else
                fprintf(stderr, "%s: %s\n", log_ident, buf);

        errno = saved;
        return -e;
}

int log_internal(int level, int error, const char *file, int line, const char *func, const char *format,
                 ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = log_internalv(level, error, NULL, NULL, file, line, func, format, ap);
        va_end(ap);
        return r;
}

int log_internal_field(int level, int error, const char *key, const char *value, const char *file, int line,
                       const char *func, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = log_internalv(level, error, key, value, file, line, func, format, ap);
        va_end(ap);
        return r;
}
