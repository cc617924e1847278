/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>

#include "bus-names.h"
#include "log.h"
#include "parse-util.h"
#include "strv.h"
#include "sysctr.h"

static int log_parse_error(int r) {
        return log_error_errno(r, _("Failed to parse the reply of sysctrd: %m"));
}

typedef struct ContainerInfo {
        /* Strings point into the reply message. */
        const char *name, *id, *template, *release, *image, *state, *result, *unit, *stop_signal, *hostname,
                *network_mode;
        const char *guest_state;
        int allow_host;
        uint32_t leader;
        uint64_t creation_usec, last_start_usec;
        int autostart, privileged;
        uint32_t id_base, id_count;
        uint64_t stop_timeout_usec;
        /* UINT64_MAX: no limit, or unknown usage */
        uint64_t memory_max, cpu_quota_per_sec_usec, tasks_max;
        uint64_t memory_current, cpu_usage_nsec, tasks_current;
        char **addresses, **init, **binds, **networks, **publish;
} ContainerInfo;

#define CONTAINER_INFO_INIT                                                                             \
        ((ContainerInfo) {                                                                              \
                .memory_max = UINT64_MAX, .cpu_quota_per_sec_usec = UINT64_MAX, .tasks_max = UINT64_MAX, \
                .memory_current = UINT64_MAX, .cpu_usage_nsec = UINT64_MAX, .tasks_current = UINT64_MAX, \
        })

static void container_info_done(ContainerInfo *i) {
        i->addresses = strv_free(i->addresses);
        i->init = strv_free(i->init);
        i->binds = strv_free(i->binds);
        i->networks = strv_free(i->networks);
        i->publish = strv_free(i->publish);
}

static const struct {
        const char *key;
        char type;
        size_t offset;
} info_properties[] = {
        { "Name",               's', offsetof(ContainerInfo, name)                   },
        { "Id",                 's', offsetof(ContainerInfo, id)                     },
        { "Template",           's', offsetof(ContainerInfo, template)               },
        { "Release",            's', offsetof(ContainerInfo, release)                },
        { "Image",              's', offsetof(ContainerInfo, image)                  },
        { "State",              's', offsetof(ContainerInfo, state)                  },
        { "Result",             's', offsetof(ContainerInfo, result)                 },
        { "GuestState",         's', offsetof(ContainerInfo, guest_state)            },
        { "Unit",               's', offsetof(ContainerInfo, unit)                   },
        { "StopSignal",         's', offsetof(ContainerInfo, stop_signal)            },
        { "Hostname",           's', offsetof(ContainerInfo, hostname)               },
        { "CreationTimestamp",  't', offsetof(ContainerInfo, creation_usec)          },
        { "LastStartTimestamp", 't', offsetof(ContainerInfo, last_start_usec)        },
        { "Leader",             'u', offsetof(ContainerInfo, leader)                 },
        { "Autostart",          'b', offsetof(ContainerInfo, autostart)              },
        { "Privileged",         'b', offsetof(ContainerInfo, privileged)             },
        { "IdBase",             'u', offsetof(ContainerInfo, id_base)                },
        { "IdCount",            'u', offsetof(ContainerInfo, id_count)               },
        { "StopTimeoutUSec",    't', offsetof(ContainerInfo, stop_timeout_usec)      },
        { "MemoryMax",          't', offsetof(ContainerInfo, memory_max)             },
        { "CPUQuotaPerSecUSec", 't', offsetof(ContainerInfo, cpu_quota_per_sec_usec) },
        { "TasksMax",           't', offsetof(ContainerInfo, tasks_max)              },
        { "MemoryCurrent",      't', offsetof(ContainerInfo, memory_current)         },
        { "CPUUsageNSec",       't', offsetof(ContainerInfo, cpu_usage_nsec)         },
        { "TasksCurrent",       't', offsetof(ContainerInfo, tasks_current)          },
        { "NetworkMode",        's', offsetof(ContainerInfo, network_mode)           },
        { "AllowHost",          'b', offsetof(ContainerInfo, allow_host)             },
};

static int info_read_property(sd_bus_message *m, const char *key, ContainerInfo *info) {
        int r;

        char ***strv = streq(key, "Addresses") ? &info->addresses : streq(key, "Init") ? &info->init :
                       streq(key, "Binds") ? &info->binds : streq(key, "Networks") ? &info->networks :
                       streq(key, "Publish") ? &info->publish : NULL;

        if (strv) {
                *strv = strv_free(*strv);
                r = sd_bus_message_enter_container(m, 'v', "as");
                if (r >= 0)
                        r = sd_bus_message_read_strv(m, strv);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                return r;
        }

        for (size_t i = 0; i < ELEMENTSOF(info_properties); i++)
                if (streq(key, info_properties[i].key)) {
                        char sig[2] = { info_properties[i].type, 0 };

                        return sd_bus_message_read(m, "v", sig,
                                                   (uint8_t *) info + info_properties[i].offset);
                }

        /* Properties added later are shown by newer versions of this tool. */
        return sd_bus_message_skip(m, "v");
}

static int info_read(sd_bus_message *reply, ContainerInfo *info) {
        const char *key;
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                r = sd_bus_message_read(reply, "s", &key);
                if (r >= 0)
                        r = info_read_property(reply, key, info);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(reply);
}

/* --- list: every container, from one GetManagedObjects call --- */

/* Column headers and field names are not translated: scripts match on them (see sysctr(1)). */
static const char *const list_header[] = { "NAME", "STATE", "TEMPLATE", "PRIVILEGED" };

typedef struct ContainerList {
        ContainerInfo *items;
        size_t n;
} ContainerList;

static void container_list_done(ContainerList *l) {
        for (size_t i = 0; i < l->n; i++)
                container_info_done(&l->items[i]);
        l->items = mfree(l->items);
        l->n = 0;
}

/* One object's a{sa{sv}}: the container interface's properties, the rest skipped. */
static int list_read_object(sd_bus_message *reply, ContainerList *l) {
        bool found = false;
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "{sa{sv}}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sa{sv}")) > 0) {
                const char *interface;

                r = sd_bus_message_read(reply, "s", &interface);
                if (r < 0)
                        return r;
                if (streq(interface, SYSCTR_CONTAINER_INTERFACE) && !found) {
                        ContainerInfo *n = reallocarray(l->items, l->n + 1, sizeof(ContainerInfo));

                        if (!n)
                                return -ENOMEM;
                        l->items = n;
                        l->items[l->n] = CONTAINER_INFO_INIT;
                        r = info_read(reply, &l->items[l->n++]);
                        found = true;
                } else
                        r = sd_bus_message_skip(reply, "a{sv}");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(reply);
}

static int list_read(sd_bus_message *reply, ContainerList *l) {
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}")) > 0) {
                r = sd_bus_message_skip(reply, "o");
                if (r >= 0)
                        r = list_read_object(reply, l);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(reply);
}

static int compare_by_name(const void *a, const void *b) {
        return strcmp(strempty(((const ContainerInfo *) a)->name), strempty(((const ContainerInfo *) b)->name));
}

/* The STATE column: a running container whose guest's systemd is degraded shows as "degraded". */
static const char *list_state(const ContainerInfo *c) {
        if (streq_ptr(c->state, "running") && streq_ptr(c->guest_state, "degraded"))
                return "degraded";
        return strempty(c->state);
}

static void list_print_table(const ContainerList *l) {
        size_t width[ELEMENTSOF(list_header) - 1];

        for (size_t c = 0; c < ELEMENTSOF(width); c++)
                width[c] = strlen(list_header[c]);
        for (size_t i = 0; i < l->n; i++) {
                width[0] = MAX(width[0], strlen(strempty(l->items[i].name)));
                width[1] = MAX(width[1], strlen(list_state(&l->items[i])));
                width[2] = MAX(width[2], strlen(strempty(l->items[i].template)));
        }
        /* One space between columns and none after the last, as machinectl(1) does. */
        printf("%-*s %-*s %-*s %s\n", (int) width[0], list_header[0], (int) width[1], list_header[1],
               (int) width[2], list_header[2], list_header[3]);
        for (size_t i = 0; i < l->n; i++)
                printf("%-*s %-*s %-*s %s\n", (int) width[0], strempty(l->items[i].name), (int) width[1],
                       list_state(&l->items[i]), (int) width[2], strempty(l->items[i].template),
                       yes_no(l->items[i].privileged));
}

static void list_print_json(const ContainerList *l) {
        fputc('[', stdout);
        for (size_t i = 0; i < l->n; i++) {
                const ContainerInfo *c = &l->items[i];

                fputs(i == 0 ? "{\"name\":" : ",{\"name\":", stdout);
                json_print_string(stdout, c->name);
                fputs(",\"state\":", stdout);
                json_print_string(stdout, c->state);
                fputs(",\"template\":", stdout);
                json_print_string(stdout, c->template);
                printf(",\"privileged\":%s", c->privileged ? "true" : "false");
                fputs(",\"guest_state\":", stdout);
                json_print_string(stdout, strempty(c->guest_state));
                fputc('}', stdout);
        }
        fputs("]\n", stdout);
}

int verb_list(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(container_list_done) ContainerList l = {};
        int r;

        r = ctl_bus_open(&bus);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, SYSCTR_BUS_NAME, SYSCTR_MANAGER_PATH, "org.freedesktop.DBus.ObjectManager",
                               "GetManagedObjects", &error, &reply, NULL);
        if (r < 0)
                return ctl_log_bus_error(&error, r, "GetManagedObjects");
        r = list_read(reply, &l);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_parse_error(r);
        if (l.n > 0)
                qsort(l.items, l.n, sizeof(ContainerInfo), compare_by_name);
        if (o->json)
                list_print_json(&l);
        else
                list_print_table(&l);
        return 0;
}

static void info_print_line(const char *key, const char *value) {
        /* No trailing blank after an empty value. */
        if (isempty(value))
                printf("%s:\n", key);
        else
                printf("%s: %s\n", key, value);
}

/* "23.4M", "512.0K", "812B": usage as systemctl status shows it, with one decimal. */
static const char *format_bytes_human(uint64_t bytes, char buf[static FORMAT_SIZE_MAX]) {
        static const char suffixes[] = "KMGTP";
        double v = (double) bytes;
        int i = -1;

        while (v >= 1024 && i < 4) {
                v /= 1024;
                i++;
        }
        if (i < 0)
                (void) snprintf(buf, FORMAT_SIZE_MAX, "%" PRIu64 "B", bytes);
        else
                (void) snprintf(buf, FORMAT_SIZE_MAX, "%.1f%c", v, suffixes[i]);
        return buf;
}

/* "Memory: 512M (current 23.4M)", "CPUs: 1.5", "Tasks: 2048 (current 12)", "CPUTime: 1.2s": the limit
 * as the user wrote it, the usage only while it is known (the container runs). */
static void info_print_limits(const ContainerInfo *i) {
        char limit[MAX(FORMAT_SIZE_MAX, FORMAT_CPUS_MAX)], usage[FORMAT_SIZE_MAX];

        printf("Memory: %s", i->memory_max == UINT64_MAX ? "no limit" : format_size(i->memory_max, limit));
        if (i->memory_current != UINT64_MAX)
                printf(" (current %s)", format_bytes_human(i->memory_current, usage));
        /* The quota is µs of CPU time per second: 1 CPU = 1000000. */
        printf("\nCPUs: %s", i->cpu_quota_per_sec_usec == UINT64_MAX ? "no limit" :
               format_cpus((uint32_t) MIN(i->cpu_quota_per_sec_usec / 1000, UINT32_MAX), limit));
        if (i->tasks_max == UINT64_MAX)
                printf("\nTasks: no limit");
        else
                printf("\nTasks: %" PRIu64, i->tasks_max);
        if (i->tasks_current != UINT64_MAX)
                printf(" (current %" PRIu64 ")", i->tasks_current);
        putchar('\n');
        if (i->cpu_usage_nsec != UINT64_MAX)
                printf("CPUTime: %.1fs\n", (double) i->cpu_usage_nsec / 1e9);
}

/* "2026-11-30 08:36:15 UTC", or "never" for 0. */
static const char *format_time(uint64_t usec, char buf[static 64]) {
        time_t t = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;

        if (usec == 0 || !localtime_r(&t, &tm) || strftime(buf, 64, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                return "never";
        return buf;
}

/* "Privileged: no", "IDs: 1073741824-1073807359 (65536, mapped to 0-65535)". */
static void info_print_ids(const ContainerInfo *i) {
        info_print_line("Privileged", i->privileged ? "yes (not safe against a hostile guest root)" : "no");
        if (i->id_count > 0)
                printf("IDs: %" PRIu32 "-%" PRIu32 " (%" PRIu32 " host IDs for the container's 0-%" PRIu32 ")\n",
                       i->id_base, i->id_base + (i->id_count - 1), i->id_count, i->id_count - 1);
}

static int info_print_text(const ContainerInfo *i) {
        _cleanup_free_ char *addresses = NULL, *init = NULL, *binds = NULL, *networks = NULL, *publish = NULL;
        char t[64];

        addresses = strv_join(i->addresses, " ");
        init = strv_join(i->init, " ");
        binds = strv_join(i->binds, " ");
        networks = strv_join(i->networks, " ");
        publish = strv_join(i->publish, " ");
        if (!addresses || !init || !binds || !networks || !publish)
                return log_oom();

        info_print_line("Name", i->name);
        info_print_line("Id", i->id);
        info_print_line("Template", i->template);
        info_print_line("Release", i->release);
        info_print_line("Image", i->image);
        info_print_line("State", i->state);
        if (!isempty(i->guest_state))
                info_print_line("GuestState", i->guest_state);
        printf("Leader: %" PRIu32 "\n", i->leader);
        info_print_line("Unit", i->unit);
        info_print_line("Hostname", i->hostname);
        info_print_line("Init", init);
        info_print_line("Created", format_time(i->creation_usec, t));
        info_print_line("LastStart", format_time(i->last_start_usec, t));
        info_print_line("Autostart", yes_no(i->autostart));
        info_print_ids(i);
        info_print_line("StopSignal", i->stop_signal);
        if (i->stop_timeout_usec % USEC_PER_SEC == 0)
                printf("StopTimeout: %" PRIu64 "s\n", i->stop_timeout_usec / USEC_PER_SEC);
        else
                printf("StopTimeout: %.3fs\n", (double) i->stop_timeout_usec / USEC_PER_SEC);
        if (!isempty(i->result))
                info_print_line("Result", i->result);
        info_print_limits(i);
        info_print_line("Binds", binds);
        /* Networks only in the default mode: the others name the namespace instead. */
        if (streq_ptr(i->network_mode, "private") || !i->network_mode)
                info_print_line("Networks", networks);
        else
                info_print_line("NetworkMode", i->network_mode);
        info_print_line("Publish", publish);
        if (i->allow_host)
                info_print_line("AllowHost", "yes");
        info_print_line("Addresses", addresses);
        return 0;
}

static void json_print_field(const char *key, const char *value, bool first) {
        fputs(first ? "{" : ",", stdout);
        json_print_string(stdout, key);
        fputc(':', stdout);
        json_print_string(stdout, value);
}

/* A number, or null for UINT64_MAX (no limit, unknown usage). */
static void json_print_u64(const char *key, uint64_t v) {
        fputc(',', stdout);
        json_print_string(stdout, key);
        if (v == UINT64_MAX)
                fputs(":null", stdout);
        else
                printf(":%" PRIu64, v);
}

static void json_print_strv(const char *key, char * const *l) {
        fputc(',', stdout);
        json_print_string(stdout, key);
        fputs(":[", stdout);
        STRV_FOREACH(a, l) {
                if (a != l)
                        fputc(',', stdout);
                json_print_string(stdout, *a);
        }
        fputc(']', stdout);
}

static int info_print_json(const ContainerInfo *i) {
        char cpus[FORMAT_CPUS_MAX];

        json_print_field("name", i->name, true);
        json_print_field("id", i->id, false);
        json_print_field("template", i->template, false);
        json_print_field("release", i->release, false);
        json_print_field("image", i->image, false);
        json_print_field("state", i->state, false);
        json_print_field("guest_state", strempty(i->guest_state), false);
        printf(",\"leader\":%" PRIu32, i->leader);
        json_print_field("unit", i->unit, false);
        json_print_field("hostname", i->hostname, false);
        json_print_strv("init", i->init);
        json_print_strv("binds", i->binds);
        printf(",\"creation_usec\":%" PRIu64 ",\"last_start_usec\":%" PRIu64, i->creation_usec,
               i->last_start_usec);
        printf(",\"autostart\":%s", i->autostart ? "true" : "false");
        printf(",\"privileged\":%s,\"id_base\":%" PRIu32 ",\"id_count\":%" PRIu32, i->privileged ? "true" : "false",
               i->id_base, i->id_count);
        json_print_field("stop_signal", i->stop_signal, false);
        printf(",\"stop_timeout_usec\":%" PRIu64, i->stop_timeout_usec);
        json_print_field("result", i->result, false);
        json_print_u64("memory_max", i->memory_max);
        if (i->cpu_quota_per_sec_usec == UINT64_MAX)
                fputs(",\"cpus\":null", stdout);
        else    /* "1.5", "2": a JSON number as it is */
                printf(",\"cpus\":%s",
                       format_cpus((uint32_t) MIN(i->cpu_quota_per_sec_usec / 1000, UINT32_MAX), cpus));
        json_print_u64("tasks_max", i->tasks_max);
        json_print_u64("memory_current", i->memory_current);
        json_print_u64("cpu_usage_nsec", i->cpu_usage_nsec);
        json_print_u64("tasks_current", i->tasks_current);
        json_print_field("network_mode", i->network_mode, false);
        json_print_strv("networks", i->networks);
        json_print_strv("publish", i->publish);
        printf(",\"allow_host\":%s", i->allow_host ? "true" : "false");
        json_print_strv("addresses", i->addresses);
        fputs("}\n", stdout);
        return 0;
}

int verb_info(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *path = NULL;
        _cleanup_(container_info_done) ContainerInfo info = CONTAINER_INFO_INIT;
        int r;

        r = ctl_check_container_name(args[0]);
        if (r < 0)
                return r;

        r = ctl_bus_open(&bus);
        if (r < 0)
                return r;

        r = ctl_get_container_path(bus, args[0], &path);
        if (r < 0)
                return r;

        r = ctl_get_container_properties(bus, path, &reply);
        if (r < 0)
                return r;

        r = info_read(reply, &info);
        if (r < 0)
                return log_parse_error(r);

        return o->json ? info_print_json(&info) : info_print_text(&info);
}

int verb_config_show(char **args, const CtlOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *yaml;
        int r;

        r = ctl_check_container_name(args[0]);
        if (r < 0)
                return r;
        r = ctl_bus_open(&bus);
        if (r < 0)
                return r;
        r = ctl_call_manager(bus, CTL_TIMEOUT_DEFAULT, &reply, "GetContainerConfig", "s", args[0]);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "s", &yaml);
        if (r < 0)
                return log_parse_error(r);
        fputs(yaml, stdout);
        return 0;
}
