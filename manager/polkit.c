/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "container.h"
#include "job.h"
#include "bus-names.h"
#include "log.h"
#include "polkit.h"

struct PolkitQuery {
        PolkitQuery *next;
        Manager *manager;
        sd_bus_message *message;
        char *action;
        const char *details_key;        /* "container", "network": static strings */
        char *container_name;           /* the object's name, whatever its kind */
        PolkitRerun rerun;
        AuthorizedHandler handler;
        sd_bus_slot *slot;
        bool authorized;
};

static PolkitQuery *polkit_query_free(PolkitQuery *q) {
        if (!q)
                return NULL;
        sd_bus_slot_unref(q->slot);
        sd_bus_message_unref(q->message);
        free(q->action);
        free(q->container_name);
        free(q);
        return NULL;
}

static void polkit_query_unlink(Manager *m, PolkitQuery *q) {
        for (PolkitQuery **p = &m->polkit_queries; *p; p = &(*p)->next)
                if (*p == q) {
                        *p = q->next;
                        return;
                }
}

void polkit_queries_free(Manager *m) {
        while (m->polkit_queries) {
                PolkitQuery *q = m->polkit_queries;

                m->polkit_queries = q->next;
                polkit_query_free(q);
        }
}

/* Run the method again, now authorized, and answer for it if it fails. */
static void polkit_query_rerun(PolkitQuery *q) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        void *userdata = q->manager;
        int r;

        if (q->rerun == POLKIT_RERUN_CONTAINER) {
                Container *c = manager_get_container(q->manager, q->container_name);

                if (!c) {
                        (void) sd_bus_reply_method_errorf(q->message, SYSCTR_ERROR_NO_SUCH_CONTAINER,
                                                          "No container \"%s\".", q->container_name);
                        return;
                }
                userdata = c;
        } else if (q->rerun == POLKIT_RERUN_JOB) {
                const char *path = sd_bus_message_get_path(q->message);
                void *j = NULL;

                if (!path || job_object_find(q->manager->bus, path, NULL, q->manager, &j, NULL) <= 0 || !j) {
                        (void) sd_bus_reply_method_errorf(q->message, SYSCTR_ERROR_NO_SUCH_JOB,
                                                          "The job %s has ended.", strna(path));
                        return;
                }
                userdata = j;
        }
        r = sd_bus_message_rewind(q->message, true);
        if (r >= 0)
                r = q->handler(q->message, userdata, &error);
        if (r < 0) {
                if (sd_bus_error_is_set(&error))
                        (void) sd_bus_reply_method_error(q->message, &error);
                else
                        (void) sd_bus_reply_method_errnof(q->message, r, "Failed: %m");
        }
}

static int on_check_authorization(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        PolkitQuery *q = userdata;
        Manager *m = q->manager;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int authorized = false, challenge = false, r;

        q->slot = sd_bus_slot_unref(q->slot);
        if (e) {
                log_info("polkit could not decide on %s: %s", q->action, e->message);
                (void) sd_bus_reply_method_errorf(q->message, SD_BUS_ERROR_ACCESS_DENIED,
                                                  "Access denied: only root may do this (polkit: %s).",
                                                  e->message);
                goto finish;
        }
        r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
        if (r >= 0)
                r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
        if (r < 0) {
                (void) sd_bus_reply_method_errnof(q->message, r, "Failed to parse polkit's answer: %m");
                goto finish;
        }
        if (!authorized) {
                (void) sd_bus_reply_method_errorf(q->message,
                                                  challenge ? SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED
                                                            : SD_BUS_ERROR_ACCESS_DENIED,
                                                  "Access denied: not authorized for %s.", q->action);
                goto finish;
        }
        q->authorized = true;
        polkit_query_rerun(q);
finish:
        polkit_query_unlink(m, q);
        polkit_query_free(q);
        return 0;
}

static int check_authorization_async(Manager *m, PolkitQuery *q) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        const char *sender = sd_bus_message_get_sender(q->message);
        int r;

        if (!sender)
                return -EBADMSG;
        r = sd_bus_message_new_method_call(m->bus, &call, "org.freedesktop.PolicyKit1",
                                           "/org/freedesktop/PolicyKit1/Authority",
                                           "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
        if (r < 0)
                return r;
        r = sd_bus_message_append(call, "(sa{sv})s", "system-bus-name", 1, "name", "s", sender, q->action);
        if (r < 0)
                return r;
        if (q->container_name)
                r = sd_bus_message_append(call, "a{ss}", 1, q->details_key, q->container_name);
        else
                r = sd_bus_message_append(call, "a{ss}", 0);
        if (r < 0)
                return r;
        r = sd_bus_message_append(call, "us",
                                  (uint32_t) (sd_bus_message_get_allow_interactive_authorization(q->message) ? 1 : 0),
                                  "");
        if (r < 0)
                return r;
        /* Interactive authentication can take as long as a person needs. */
        return sd_bus_call_async(m->bus, &q->slot, call, on_check_authorization, q, 5 * 60 * USEC_PER_SEC);
}

static int authorize(Manager *m, sd_bus_message *message, const char *action, AuthorizedHandler handler,
                     const char *details_key, const char *container_name, PolkitRerun rerun, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        PolkitQuery *q;
        uid_t uid;
        int r;

        /* The second run of a method that polkit allowed. */
        for (q = m->polkit_queries; q; q = q->next)
                if (q->message == message && q->authorized && streq(q->action, action))
                        return 1;

        r = sd_bus_query_sender_creds(message, SD_BUS_CREDS_EUID, &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return r;
        /* Root may do everything; a daemon run by a normal user (tests) trusts that user. */
        if (uid == 0 || uid == geteuid())
                return 1;

        q = calloc(1, sizeof(PolkitQuery));
        if (!q)
                return -ENOMEM;
        q->manager = m;
        q->handler = handler;
        q->message = sd_bus_message_ref(message);
        q->action = strdup(action);
        q->details_key = details_key;
        q->container_name = container_name ? strdup(container_name) : NULL;
        q->rerun = rerun;
        if (!q->action || (container_name && !q->container_name)) {
                polkit_query_free(q);
                return -ENOMEM;
        }
        r = check_authorization_async(m, q);
        if (r < 0) {
                polkit_query_free(q);
                return sd_bus_error_set_errnof(error, r, "Failed to ask polkit: %m");
        }
        q->next = m->polkit_queries;
        m->polkit_queries = q;
        return 0;
}

int manager_authorize(Manager *m, sd_bus_message *message, const char *action, AuthorizedHandler handler,
                      const char *container_name, PolkitRerun rerun, sd_bus_error *error) {
        return authorize(m, message, action, handler, "container", container_name, rerun, error);
}

int manager_authorize_object(Manager *m, sd_bus_message *message, const char *action, AuthorizedHandler handler,
                             const char *key, const char *name, sd_bus_error *error) {
        return authorize(m, message, action, handler, key, name, POLKIT_RERUN_MANAGER, error);
}
