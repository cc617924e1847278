/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/ioctl.h>

#include "log.h"
#include "sysctr.h"

/* The progress of long calls (CreateContainer and BuildImage may build a template image, minutes for
 * Debian): the builder's output lines, which sysctrd sends as ImageBuildProgress signals, shown on one
 * line of the terminal that is rewritten for each. Nothing extra when stderr is not a terminal. */

typedef struct Progress {
        const char *template;
        char *image;                    /* the image we follow, once its first line came */
        bool shown;                     /* a progress line is on the screen */
        bool done;
        sd_bus_message *reply;
        sd_bus_error error;
} Progress;

/* The call names a template, the signal an image: the images of a template are named after it (see
 * image-name in template.yaml: "busybox", "debian-bookworm-amd64"). Of several builds at once, the
 * first image that matches is followed. */
static bool progress_follows(Progress *p, const char *image) {
        size_t n = strlen(p->template);

        if (p->image)
                return streq(p->image, image);
        if (!strneq(image, p->template, n) || (image[n] != '\0' && image[n] != '-'))
                return false;
        p->image = strdup(image);
        return p->image != NULL;
}

static unsigned terminal_columns(void) {
        struct winsize ws;

        if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0)
                return 80;
        return ws.ws_col;
}

static void progress_clear(Progress *p) {
        if (!p->shown)
                return;
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->shown = false;
}

/* "IMAGE: line", cut to the width of the terminal so that it never wraps (and "\r" can rewrite it),
 * control characters of the builder's output replaced, so that they cannot move the cursor. */
static void progress_show(Progress *p, const char *image, const char *line) {
        size_t width = terminal_columns(), used;

        used = strlen(image) + 2;
        if (used + 8 > width)
                return;
        fprintf(stderr, "\r\033[K%s: ", image);
        for (const unsigned char *c = (const unsigned char *) line; *c; c++) {
                /* One column for each character: a UTF-8 continuation byte adds none. */
                if ((*c & 0xc0) != 0x80 && ++used >= width)
                        break;
                fputc(*c < 0x20 || *c == 0x7f ? ' ' : *c, stderr);
        }
        fflush(stderr);
        p->shown = true;
}

static int on_progress(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Progress *p = userdata;
        const char *image, *line;

        if (sd_bus_message_read(m, "ss", &image, &line) < 0)
                return 0;       /* a malformed signal is not worth failing the call */
        if (progress_follows(p, image) && !isempty(line))
                progress_show(p, image, line);
        return 0;
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Progress *p = userdata;

        p->done = true;
        if (sd_bus_message_is_method_error(m, NULL)) {
                (void) sd_bus_error_copy(&p->error, sd_bus_message_get_error(m));
                return 0;
        }
        p->reply = sd_bus_message_ref(m);
        return 0;
}

static void progress_done(Progress *p) {
        progress_clear(p);
        free(p->image);
        sd_bus_message_unref(p->reply);
        sd_bus_error_free(&p->error);
}

int ctl_call_with_progress(sd_bus *bus, sd_bus_message *m, uint64_t timeout_usec, const char *template,
                           sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *match = NULL, *call = NULL;
        _cleanup_(progress_done) Progress p = {
                .template = template,
                .error = SD_BUS_ERROR_NULL,
        };
        int r;

        if (!isatty(STDERR_FILENO))
                return ctl_call(bus, m, timeout_usec, ret_reply);
        ctl_polkit_agent_open();        /* both calls made here need authorization */

        /* Subscribed (synchronously) before the call, so that no line of the build is missed. */
        r = sd_bus_match_signal(bus, &match, "org.sysctr1", "/org/sysctr1", "org.sysctr1.Manager",
                                "ImageBuildProgress", on_progress, &p);
        if (r < 0)
                return log_error_errno(r, _("Failed to subscribe to the progress of sysctrd: %m"));

        r = sd_bus_call_async(bus, &call, m, on_reply, &p, timeout_usec);
        if (r < 0)
                return log_error_errno(r, _("Failed to call %s: %m"), strna(sd_bus_message_get_member(m)));

        while (!p.done) {
                r = sd_bus_process(bus, NULL);
                if (r < 0) {
                        progress_clear(&p);
                        return log_error_errno(r, _("Failed to talk to sysctrd: %m"));
                }
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0 && r != -EINTR) {
                        progress_clear(&p);
                        return log_error_errno(r, _("Failed to talk to sysctrd: %m"));
                }
        }

        progress_clear(&p);
        if (sd_bus_error_is_set(&p.error))
                return ctl_log_bus_error(&p.error, -sd_bus_error_get_errno(&p.error),
                                         strna(sd_bus_message_get_member(m)));
        if (!p.reply)   /* the error could not be copied */
                return log_oom();
        if (ret_reply)
                *ret_reply = TAKE_PTR(p.reply);
        return 0;
}
