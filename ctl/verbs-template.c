/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <inttypes.h>
#include <time.h>

#include "log.h"
#include "name.h"
#include "strv.h"
#include "sysctr.h"

/* "sysctr template list|build|remove": the templates sysctrd knows and the images it has cached. */

static int log_parse_error(int r) {
        if (r == -ENOMEM)
                return log_oom();
        return log_error_errno(r, _("Failed to parse the reply of sysctrd: %m"));
}

/* A table as a strv of cells, row after row, the header first. An empty value is shown as "-" so that
 * every row has all its columns for scripts that split on blanks (but the last column, CREATED or
 * DESCRIPTION, which has blanks of its own). */
static int table_add(char ***cells, const char *value) {
        return strv_extend(cells, isempty(value) ? "-" : value);
}

static int table_add_header(char ***cells, const char *const *header, size_t n) {
        for (size_t i = 0; i < n; i++) {
                int r = strv_extend(cells, header[i]);

                if (r < 0)
                        return r;
        }
        return 0;
}

static void table_print(char * const *cells, size_t n_columns) {
        size_t width[8] = {}, n = strv_length(cells);

        assert(n_columns <= ELEMENTSOF(width));
        for (size_t i = 0; i < n; i++)
                width[i % n_columns] = MAX(width[i % n_columns], strlen(cells[i]));
        /* One space between columns and none after the last, as "sysctr list". */
        for (size_t i = 0; i < n; i++) {
                if (i % n_columns == n_columns - 1)
                        printf("%s\n", cells[i]);
                else
                        printf("%-*s ", (int) width[i % n_columns], cells[i]);
        }
}

static void format_created(uint64_t created, char buf[static 32]) {
        time_t t = (time_t) created;
        struct tm tm;

        if (created == 0 || !localtime_r(&t, &tm) || strftime(buf, 32, "%Y-%m-%d %H:%M", &tm) == 0)
                strcpy(buf, "-");
}

/* Column headers are not translated: scripts match on them (see sysctr(1)). */
static const char *const template_header[] = { "NAME", "DESCRIPTION" };
static const char *const image_header[] = { "IMAGE", "TEMPLATE", "RELEASE", "ARCH", "CREATED" };

static int templates_print_table(sd_bus_message *templates) {
        _cleanup_strv_free_ char **cells = NULL;
        const char *name, *description;
        int r;

        r = table_add_header(&cells, template_header, ELEMENTSOF(template_header));
        if (r >= 0)
                r = sd_bus_message_enter_container(templates, 'a', "(ss)");
        while (r >= 0 && (r = sd_bus_message_read(templates, "(ss)", &name, &description)) > 0) {
                r = table_add(&cells, name);
                if (r >= 0)
                        r = table_add(&cells, description);
        }
        if (r < 0)
                return log_parse_error(r);
        table_print(cells, ELEMENTSOF(template_header));
        return 0;
}

static int images_print_table(sd_bus_message *images) {
        _cleanup_strv_free_ char **cells = NULL;
        const char *name, *template, *release, *arch;
        uint64_t created;
        char buf[32];
        int r;

        r = table_add_header(&cells, image_header, ELEMENTSOF(image_header));
        if (r >= 0)
                r = sd_bus_message_enter_container(images, 'a', "(sssst)");
        while (r >= 0 && (r = sd_bus_message_read(images, "(sssst)", &name, &template, &release, &arch,
                                                   &created)) > 0) {
                format_created(created, buf);
                r = table_add(&cells, name);
                if (r >= 0)
                        r = table_add(&cells, template);
                if (r >= 0)
                        r = table_add(&cells, release);
                if (r >= 0)
                        r = table_add(&cells, arch);
                if (r >= 0)
                        r = table_add(&cells, buf);
        }
        if (r < 0)
                return log_parse_error(r);
        table_print(cells, ELEMENTSOF(image_header));
        return 0;
}

static void json_print_key(const char *key, bool first) {
        fputs(first ? "{" : ",", stdout);
        json_print_string(stdout, key);
        fputc(':', stdout);
}

static void json_print_field(const char *key, const char *value, bool first) {
        json_print_key(key, first);
        json_print_string(stdout, value);
}

/* {"templates":[{"name":…,"description":…}…],"images":[{"name":…,"template":…,"release":…,
 * "arch":…,"created":SECONDS}…]} on one line. */
static int templates_print_json(sd_bus_message *templates, sd_bus_message *images) {
        const char *name, *description, *template, *release, *arch;
        uint64_t created;
        bool first = true;
        int r;

        r = sd_bus_message_enter_container(templates, 'a', "(ss)");
        if (r < 0)
                return log_parse_error(r);
        fputs("{\"templates\":[", stdout);
        while ((r = sd_bus_message_read(templates, "(ss)", &name, &description)) > 0) {
                if (!first)
                        fputc(',', stdout);
                json_print_field("name", name, true);
                json_print_field("description", description, false);
                fputc('}', stdout);
                first = false;
        }
        if (r < 0)
                return log_parse_error(r);

        r = sd_bus_message_enter_container(images, 'a', "(sssst)");
        if (r < 0)
                return log_parse_error(r);
        fputs("],\"images\":[", stdout);
        first = true;
        while ((r = sd_bus_message_read(images, "(sssst)", &name, &template, &release, &arch,
                                        &created)) > 0) {
                if (!first)
                        fputc(',', stdout);
                json_print_field("name", name, true);
                json_print_field("template", template, false);
                json_print_field("release", release, false);
                json_print_field("arch", arch, false);
                json_print_key("created", false);
                printf("%" PRIu64 "}", created);
                first = false;
        }
        fputs("]}\n", stdout);
        if (r < 0)
                return log_parse_error(r);
        return 0;
}

int verb_template_list(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *templates = NULL, *images = NULL;
        int r;

        r = ctl_bus_open(&bus);
        if (r < 0)
                return r;
        r = ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, &templates, "ListTemplates", NULL);
        if (r < 0)
                return r;
        r = ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, &images, "ListImages", NULL);
        if (r < 0)
                return r;

        if (o->json)
                return templates_print_json(templates, images);

        r = templates_print_table(templates);
        if (r < 0)
                return r;
        fputc('\n', stdout);
        return images_print_table(images);
}

int verb_template_build(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(job_wait_freep) JobWait *w = NULL;
        const char *template = args[0], *image, *job;
        int r;

        if (!template_name_is_valid(template)) {
                log_error(_("Invalid template name \"%s\"."), template);
                return -EINVAL;
        }

        r = ctl_bus_open(&bus);
        if (r < 0)
                return r;
        r = job_wait_new(bus, &w);
        if (r < 0)
                return r;
        r = ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, &reply, "BuildImage", "ssb", template, strempty(o->release),
                             (int) o->rebuild);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "so", &image, &job);
        if (r < 0)
                return log_parse_error(r);
        r = job_wait_add(w, job, image);
        if (r >= 0)
                r = job_wait_run(w);
        if (r < 0)
                return r;
        /* The one thing a script needs to go on (e.g. to remove it later). */
        printf("%s\n", image);
        return 0;
}

int verb_template_remove(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (!image_ref_is_valid(args[0])) {
                log_error(_("Invalid image name \"%s\"."), args[0]);
                return -EINVAL;
        }

        r = ctl_bus_open(&bus);
        if (r < 0)
                return r;
        return ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, NULL, "RemoveImage", "s", args[0]);
}
