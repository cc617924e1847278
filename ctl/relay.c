/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <time.h>

#include "log.h"
#include "relay.h"
#include "time-util.h"
#include "sysctr.h"

#define RELAY_BUFFER_SIZE 4096U

/* A pty master reads EIO while no slave is open: for a moment when login(1) closes its terminal and
 * hangs it up (vhangup(2)) before opening it again, for good once the session is over. Until the
 * process of the session exits, look again after this long. */
#define RELAY_HUP_RETRY_USEC (50 * USEC_PER_MSEC)
/* Input typed (or piped) before the session has said anything is held back for at most this long:
 * login(1) flushes its terminal with vhangup(2) at start, which would swallow it. */
#define RELAY_HOLD_INPUT_USEC (3 * USEC_PER_SEC)
/* When the process of the session has exited: what is still in the pty is passed on until it has
 * been quiet this long (a background job of the shell may still hold the terminal open). */
#define RELAY_DRAIN_QUIET_USEC (100 * USEC_PER_MSEC)
#define RELAY_DRAIN_MAX_USEC USEC_PER_SEC

typedef struct Buffer {
        char data[RELAY_BUFFER_SIZE];
        size_t len, off;
} Buffer;

typedef struct Relay {
        const RelayParams *p;
        Buffer in, out;                 /* stdin → peer, peer → stdout */
        bool input_eof, peer_eof, input_held;
        uint64_t peer_retry_at;         /* pty peer hung up: poll it again then; 0: now */
        uint64_t started_at, input_eof_at, last_output_at;
        unsigned escape_count;
        uint64_t escape_first_at;
} Relay;

static uint64_t now_usec(void) {
        return now(CLOCK_MONOTONIC);
}

int terminal_save(int fd, TerminalState *ret) {
        *ret = TERMINAL_STATE_NULL;
        if (!isatty(fd))
                return 0;
        if (tcgetattr(fd, &ret->saved) < 0)
                return -errno;
        ret->fd = fd;
        return 0;
}

int terminal_make_raw(const TerminalState *s) {
        struct termios t;

        if (s->fd < 0)
                return 0;
        t = s->saved;
        cfmakeraw(&t);
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
        return tcsetattr(s->fd, TCSANOW, &t) < 0 ? -errno : 0;
}

void terminal_restore(TerminalState *s) {
        sigset_t ttou, old;

        if (s->fd < 0)
                return;
        /* Put in the background meanwhile (by a job control shell), tcsetattr() would stop us with
         * SIGTTOU and leave the terminal raw: blocked, the call goes through. */
        sigemptyset(&ttou);
        sigaddset(&ttou, SIGTTOU);
        (void) sigprocmask(SIG_BLOCK, &ttou, &old);
        (void) tcsetattr(s->fd, TCSADRAIN, &s->saved);
        (void) sigprocmask(SIG_SETMASK, &old, NULL);
        s->fd = -EBADF;
}

void relay_signals(sigset_t *ret) {
        sigemptyset(ret);
        sigaddset(ret, SIGINT);
        sigaddset(ret, SIGTERM);
        sigaddset(ret, SIGHUP);
        sigaddset(ret, SIGQUIT);
        sigaddset(ret, SIGWINCH);
}

static void relay_resize(const Relay *r) {
        struct winsize ws;

        if (!r->p->peer_is_pty)
                return;
        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
                return;
        (void) ioctl(r->p->peer_fd, TIOCSWINSZ, &ws);
}

/* Blocking writes to stdout: it is the caller's (a terminal, a pipe), not ours to make non-blocking. */
static int write_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

/* Returns true when the escape sequence is complete; the bytes before its last ^] still go out. */
static bool relay_scan_escape(Relay *r, size_t *len) {
        for (size_t i = 0; i < *len; i++) {
                uint64_t now;

                if ((unsigned char) r->in.data[i] != RELAY_ESCAPE_CHAR)
                        continue;
                now = now_usec();
                if (r->escape_count == 0 || now > r->escape_first_at + RELAY_ESCAPE_USEC) {
                        r->escape_first_at = now;
                        r->escape_count = 1;
                } else if (++r->escape_count >= RELAY_ESCAPE_COUNT) {
                        *len = i;
                        return true;
                }
        }
        return false;
}

static void relay_input_eof(Relay *r) {
        struct termios t;

        r->input_eof = true;
        r->input_eof_at = now_usec();
        if (!r->p->peer_is_pty)
                return;
        /* The shell reads the end of its input as it would from a terminal: VEOF on an empty line. */
        r->in.data[0] = tcgetattr(r->p->peer_fd, &t) >= 0 && t.c_cc[VEOF] ? (char) t.c_cc[VEOF] : 0x04;
        r->in.len = 1;
        r->in.off = 0;
}

/* 1: the escape sequence was typed. */
static int relay_read_input(Relay *r) {
        ssize_t n;
        size_t len;

        n = read(STDIN_FILENO, r->in.data, sizeof(r->in.data));
        if (n < 0) {
                if (errno == EINTR || errno == EAGAIN)
                        return 0;
                if (errno != EIO)       /* EIO: our terminal went away */
                        return log_error_errno(errno, _("Failed to read standard input: %m"));
                n = 0;
        }
        if (n == 0) {
                relay_input_eof(r);
                return 0;
        }
        len = (size_t) n;
        if (r->p->escape && relay_scan_escape(r, &len)) {
                /* Best effort: whatever preceded the escape on this read. */
                if (len > 0)
                        (void) !write(r->p->peer_fd, r->in.data, len);
                return 1;
        }
        r->in.len = len;
        r->in.off = 0;
        return 0;
}

/* What reading or writing a pty master with no slave, or a socket whose other end closed, fails with. */
static bool peer_gone_errno(int e) {
        return e == EIO || e == EPIPE || e == ECONNRESET || e == ENOTCONN;
}

static void relay_peer_gone(Relay *r) {
        if (r->p->peer_is_pty && r->p->child_fd >= 0)
                /* Perhaps only for a moment (see RELAY_HUP_RETRY_USEC). */
                r->peer_retry_at = now_usec() + RELAY_HUP_RETRY_USEC;
        else
                r->peer_eof = true;
}

static int relay_write_peer(Relay *r) {
        ssize_t n;

        n = write(r->p->peer_fd, r->in.data + r->in.off, r->in.len - r->in.off);
        if (n < 0) {
                if (errno == EINTR || errno == EAGAIN)
                        return 0;
                if (peer_gone_errno(errno)) {
                        relay_peer_gone(r);
                        return 0;
                }
                return log_error_errno(errno, _("Failed to write to the container: %m"));
        }
        r->in.off += (size_t) n;
        if (r->in.off >= r->in.len)
                r->in.len = r->in.off = 0;
        return 0;
}

static int relay_read_peer(Relay *r) {
        ssize_t n;

        n = read(r->p->peer_fd, r->out.data, sizeof(r->out.data));
        if (n < 0) {
                if (errno == EINTR || errno == EAGAIN)
                        return 0;
                if (peer_gone_errno(errno)) {
                        relay_peer_gone(r);
                        return 0;
                }
                return log_error_errno(errno, _("Failed to read from the container: %m"));
        }
        if (n == 0) {
                relay_peer_gone(r);
                return 0;
        }
        r->out.len = (size_t) n;
        r->out.off = 0;
        r->last_output_at = now_usec();
        r->input_held = false;
        return 0;
}

/* 1: stdout is gone. */
static int relay_write_output(Relay *r) {
        ssize_t n;

        n = write(STDOUT_FILENO, r->out.data + r->out.off, r->out.len - r->out.off);
        if (n < 0) {
                if (errno == EINTR || errno == EAGAIN)
                        return 0;
                if (errno == EPIPE)
                        return 1;
                return log_error_errno(errno, _("Failed to write standard output: %m"));
        }
        r->out.off += (size_t) n;
        if (r->out.off >= r->out.len)
                r->out.len = r->out.off = 0;
        return 0;
}

/* The process of the session exited: pass on what it left in the pty, then stop. */
static int relay_drain(Relay *r) {
        uint64_t deadline = now_usec() + RELAY_DRAIN_MAX_USEC;
        int k;

        k = write_all(STDOUT_FILENO, r->out.data + r->out.off, r->out.len - r->out.off);
        r->out.len = r->out.off = 0;
        while (k >= 0 && !r->peer_eof && now_usec() < deadline) {
                struct pollfd pfd = { .fd = r->p->peer_fd, .events = POLLIN };

                if (poll(&pfd, 1, (int) (RELAY_DRAIN_QUIET_USEC / USEC_PER_MSEC)) <= 0)
                        break;
                r->out.len = 0;
                k = relay_read_peer(r);
                if (k < 0 || r->out.len == 0)
                        break;
                k = write_all(STDOUT_FILENO, r->out.data, r->out.len);
                r->out.len = 0;
        }
        return k == -EPIPE ? 0 : k;
}

static int relay_timeout_ms(const Relay *r, uint64_t now) {
        uint64_t until = UINT64_MAX;

        if (r->peer_retry_at > 0)
                until = MIN(until, r->peer_retry_at);
        if (r->input_held)
                until = MIN(until, r->started_at + RELAY_HOLD_INPUT_USEC);
        if (r->input_eof && !r->p->peer_is_pty && r->p->linger_quiet_usec > 0)
                until = MIN(until, MIN(MAX(r->last_output_at, r->input_eof_at) + r->p->linger_quiet_usec,
                                       r->input_eof_at + r->p->linger_max_usec));
        if (until == UINT64_MAX)
                return -1;
        return until <= now ? 0 : (int) MIN((until - now + 999) / USEC_PER_MSEC, (uint64_t) INT32_MAX);
}

enum { POLL_INPUT, POLL_OUTPUT, POLL_PEER, POLL_SIGNAL, POLL_CHILD, _POLL_MAX };

static void relay_poll_setup(Relay *r, uint64_t now, int signal_fd, struct pollfd fds[static _POLL_MAX]) {
        short peer_events = 0;

        if (r->peer_retry_at > 0 && now >= r->peer_retry_at)
                r->peer_retry_at = 0;
        if (r->input_held && now >= r->started_at + RELAY_HOLD_INPUT_USEC)
                r->input_held = false;

        for (size_t i = 0; i < _POLL_MAX; i++)
                fds[i] = (struct pollfd) { .fd = -1 };

        if (!r->input_eof && !r->input_held && r->in.len == 0 && !r->peer_eof)
                fds[POLL_INPUT] = (struct pollfd) { .fd = STDIN_FILENO, .events = POLLIN };
        if (r->out.len > 0)
                fds[POLL_OUTPUT] = (struct pollfd) { .fd = STDOUT_FILENO, .events = POLLOUT };
        if (r->out.len == 0)
                peer_events |= POLLIN;
        if (r->in.len > 0)
                peer_events |= POLLOUT;
        if (!r->peer_eof && r->peer_retry_at == 0 && peer_events)
                fds[POLL_PEER] = (struct pollfd) { .fd = r->p->peer_fd, .events = peer_events };
        fds[POLL_SIGNAL] = (struct pollfd) { .fd = signal_fd, .events = POLLIN };
        if (r->p->child_fd >= 0)
                fds[POLL_CHILD] = (struct pollfd) { .fd = r->p->child_fd, .events = POLLIN };
}

/* > 0: a RelayEnd + 1 (the relay is over), 0: go on. */
static int relay_check_end(const Relay *r, uint64_t now) {
        if (r->out.len > 0)
                return 0;
        if (r->peer_eof && r->p->child_fd < 0)
                return 1 + RELAY_PEER_CLOSED;
        if (r->input_eof && !r->p->peer_is_pty && r->in.len == 0) {
                if (r->p->linger_quiet_usec == 0 ||
                    now >= MAX(r->last_output_at, r->input_eof_at) + r->p->linger_quiet_usec ||
                    now >= r->input_eof_at + r->p->linger_max_usec)
                        return 1 + RELAY_INPUT_DONE;
        }
        return 0;
}

/* > 0: a RelayEnd + 1, 0: go on. */
static int relay_handle_signal(Relay *r, int signal_fd, int *ret_signal) {
        struct signalfd_siginfo si;
        ssize_t n;

        n = read(signal_fd, &si, sizeof(si));
        if (n != (ssize_t) sizeof(si))
                return 0;
        if (si.ssi_signo == SIGWINCH) {
                relay_resize(r);
                return 0;
        }
        *ret_signal = (int) si.ssi_signo;
        return 1 + RELAY_SIGNAL;
}

/* Handles what poll() reported. > 0: a RelayEnd + 1, 0: go on, < 0: error (logged). */
static int relay_dispatch(Relay *r, const struct pollfd fds[static _POLL_MAX], int signal_fd,
                          int *ret_signal) {
        int k;

        if (fds[POLL_SIGNAL].revents) {
                k = relay_handle_signal(r, signal_fd, ret_signal);
                if (k != 0)
                        return k;
        }
        if (fds[POLL_INPUT].revents) {
                k = relay_read_input(r);
                if (k != 0)
                        return k < 0 ? k : 1 + RELAY_DETACHED;
        }
        if (fds[POLL_PEER].revents & (POLLOUT | POLLERR)) {
                k = relay_write_peer(r);
                if (k < 0)
                        return k;
        }
        if (fds[POLL_PEER].revents & (POLLIN | POLLHUP | POLLERR) && r->out.len == 0) {
                k = relay_read_peer(r);
                if (k < 0)
                        return k;
        }
        if (fds[POLL_OUTPUT].revents) {
                k = relay_write_output(r);
                if (k != 0)
                        return k < 0 ? k : 1 + RELAY_OUTPUT_CLOSED;
        }
        if (fds[POLL_CHILD].revents) {
                k = r->p->child_check(r->p->userdata);
                if (k < 0)
                        return k;
                if (k > 0) {
                        k = relay_drain(r);
                        return k < 0 ? k : 1 + RELAY_CHILD_EXITED;
                }
        }
        return 0;
}

int relay_run(const RelayParams *p, int *ret_signal) {
        _cleanup_close_ int signal_fd = -EBADF;
        struct sigaction sa_ignore = { .sa_handler = SIG_IGN }, sa_old;
        Relay r = {
                .p = p,
                .input_held = p->peer_is_pty,
        };
        sigset_t set;
        int flags, k = 0;

        relay_signals(&set);
        signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
        if (signal_fd < 0)
                return log_error_errno(errno, _("Failed to watch signals: %m"));

        flags = fcntl(p->peer_fd, F_GETFL);
        if (flags < 0 || fcntl(p->peer_fd, F_SETFL, flags | O_NONBLOCK) < 0)
                return log_error_errno(errno, _("Failed to set up the connection to the container: %m"));

        r.started_at = r.last_output_at = now_usec();
        relay_resize(&r);

        /* A closed stdout is an EPIPE to handle, not a death that leaves the terminal raw. */
        (void) sigaction(SIGPIPE, &sa_ignore, &sa_old);
        for (;;) {
                struct pollfd fds[_POLL_MAX];
                uint64_t now = now_usec();

                k = relay_check_end(&r, now);
                if (k != 0)
                        break;
                relay_poll_setup(&r, now, signal_fd, fds);
                if (poll(fds, _POLL_MAX, relay_timeout_ms(&r, now)) < 0) {
                        if (errno == EINTR)
                                continue;
                        k = log_error_errno(errno, _("Failed to wait for input: %m"));
                        break;
                }
                k = relay_dispatch(&r, fds, signal_fd, ret_signal);
                if (k != 0)
                        break;
        }
        (void) sigaction(SIGPIPE, &sa_old, NULL);
        return k < 0 ? k : k - 1;
}

/* --- plain copying --- */

typedef struct Pipe {
        int from, to;
        Buffer buf;
        bool eof;
} Pipe;

/* One step of a pipe: read when its buffer is empty, write what it holds. -EPIPE: the reader of "to"
 * is gone. */
static int pipe_step(Pipe *p, short revents_from, short revents_to) {
        ssize_t n;

        if (p->buf.len == 0 && (revents_from & (POLLIN | POLLHUP | POLLERR))) {
                n = read(p->from, p->buf.data, sizeof(p->buf.data));
                if (n < 0 && errno != EAGAIN && errno != EINTR)
                        return -errno;
                if (n == 0)
                        p->eof = true;
                if (n > 0) {
                        p->buf.len = (size_t) n;
                        p->buf.off = 0;
                }
        }
        if (p->buf.len > 0 && (revents_to & (POLLOUT | POLLERR))) {
                n = write(p->to, p->buf.data + p->buf.off, p->buf.len - p->buf.off);
                if (n < 0 && errno != EAGAIN && errno != EINTR)
                        return -errno;
                if (n > 0 && (p->buf.off += (size_t) n) >= p->buf.len)
                        p->buf.len = p->buf.off = 0;
        }
        return 0;
}

static bool pipe_open(const Pipe *p) {
        return p->from >= 0 && !(p->eof && p->buf.len == 0);
}

int relay_pipes(int in, int out, int err, int *ret_signal) {
        _cleanup_close_ int signal_fd = -EBADF;
        struct sigaction sa_ignore = { .sa_handler = SIG_IGN }, sa_old;
        Pipe pipes[3] = {
                { .from = in >= 0 ? STDIN_FILENO : -EBADF, .to = in },
                { .from = out, .to = STDOUT_FILENO },
                { .from = err, .to = STDERR_FILENO },
        };
        sigset_t set;
        int k = 0;

        relay_signals(&set);
        sigdelset(&set, SIGWINCH);
        signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
        if (signal_fd < 0)
                k = log_error_errno(errno, _("Failed to watch signals: %m"));
        for (size_t i = 0; i < 3 && k >= 0; i++)
                /* Only our ends of sysctrd's pipes; our own streams are the caller's. */
                if ((i == 0 ? in : pipes[i].from) >= 0 && fcntl(i == 0 ? in : pipes[i].from, F_SETFL, O_NONBLOCK) < 0)
                        k = log_error_errno(errno, _("Failed to set up the streams of the command: %m"));
        (void) sigaction(SIGPIPE, &sa_ignore, &sa_old);

        while (k >= 0 && (pipe_open(&pipes[1]) || pipe_open(&pipes[2]))) {
                struct pollfd fds[7];
                size_t n = 0;

                for (size_t i = 0; i < 3; i++) {
                        bool active = pipe_open(&pipes[i]);

                        fds[n++] = (struct pollfd) { .fd = active && pipes[i].buf.len == 0 ? pipes[i].from : -1,
                                                     .events = POLLIN };
                        fds[n++] = (struct pollfd) { .fd = active && pipes[i].buf.len > 0 ? pipes[i].to : -1,
                                                     .events = POLLOUT };
                }
                fds[n++] = (struct pollfd) { .fd = signal_fd, .events = POLLIN };
                if (poll(fds, n, -1) < 0) {
                        if (errno != EINTR)
                                k = log_error_errno(errno, _("Failed to wait for the command: %m"));
                        continue;
                }
                if (fds[6].revents) {
                        struct signalfd_siginfo si;

                        if (read(signal_fd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
                                *ret_signal = (int) si.ssi_signo;
                                k = 1 + RELAY_SIGNAL;
                                break;
                        }
                }
                for (size_t i = 0; i < 3 && k >= 0; i++) {
                        if (!pipe_open(&pipes[i]))
                                continue;
                        k = pipe_step(&pipes[i], fds[2 * i].revents, fds[2 * i + 1].revents);
                        if (k == -EPIPE && i == 0) {
                                /* The command stopped reading its input: fine. */
                                pipes[0].eof = true, pipes[0].buf.len = 0, k = 0;
                        } else if (k == -EPIPE) {
                                /* Our reader is gone: so is the point of going on. */
                                k = 1 + RELAY_OUTPUT_CLOSED;
                                break;
                        } else if (k < 0)
                                k = log_error_errno(k, _("Failed to pass on the streams of the command: %m"));
                }
                /* The end of our input is the end of the command's. */
                if (!pipe_open(&pipes[0]) && in >= 0)
                        in = safe_close(in);
        }
        (void) sigaction(SIGPIPE, &sa_old, NULL);
        safe_close(in);
        safe_close(out);
        safe_close(err);
        if (k < 0)
                return k;
        return k > 0 ? k - 1 : RELAY_CHILD_EXITED;
}

int relay_copy_to_stdout(int fd) {
        sigset_t set, old;
        int sig = 0, k;

        relay_signals(&set);
        (void) sigprocmask(SIG_BLOCK, &set, &old);
        /* A pipe with no input: the same loop, with stdin closed at once. */
        k = relay_pipes(-EBADF, fd, -EBADF, &sig);
        (void) sigprocmask(SIG_SETMASK, &old, NULL);
        return k < 0 ? k : 0;
}
