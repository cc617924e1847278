/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "bind.h"
#include "config.h"
#include "id.h"
#include "name.h"
#include "port-spec.h"
#include "signal-util.h"
#include "strv.h"
#include "volume.h"

#define CONFIG_QUOTE_MAX 64U
#define DEFAULT_INIT "/sbin/init"

char *config_quote(const char *s) {
        size_t n = 0;
        char *r, *p;

        if (!s)
                return strdup("(null)");

        /* Worst case: every byte becomes "\xNN" (4), plus quotes, "..." and the NUL. */
        r = malloc(MIN(strlen(s), CONFIG_QUOTE_MAX) * 4 + 6);
        if (!r)
                return NULL;

        p = r;
        *p++ = '"';
        for (const char *c = s; *c; c++, n++) {
                unsigned char u = (unsigned char) *c;

                if (n >= CONFIG_QUOTE_MAX) {
                        p = stpcpy(p, "...");
                        break;
                }
                if (u == '"' || u == '\\') {
                        *p++ = '\\';
                        *p++ = (char) u;
                } else if (u == '\n')
                        p = stpcpy(p, "\\n");
                else if (u == '\t')
                        p = stpcpy(p, "\\t");
                else if (u < 0x20 || u == 0x7f)
                        p += sprintf(p, "\\x%02x", u);
                else
                        *p++ = (char) u;
        }
        *p++ = '"';
        *p = '\0';
        return r;
}

static int config_error(char **ret_error, const char *format, ...) _printf_(2, 3);
static int config_error(char **ret_error, const char *format, ...) {
        va_list ap;
        int k;

        if (!ret_error)
                return -EINVAL;

        va_start(ap, format);
        k = vasprintf(ret_error, format, ap);
        va_end(ap);
        if (k < 0) {
                *ret_error = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

/* "Invalid container name \"A_b\"" */
static int invalid_value(char **ret_error, const char *what, const char *value) {
        _cleanup_free_ char *q = config_quote(value);

        if (!q)
                return -ENOMEM;
        return config_error(ret_error, "Invalid %s %s", what, q);
}

static int missing_key(char **ret_error, const char *key) {
        return config_error(ret_error, "Missing required key \"%s\"", key);
}

static int init_new(char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        r = strv_extend(&l, DEFAULT_INIT);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

static int verify_init(char * const *init, char **ret_error) {
        if (strv_length(init) == 0)
                return config_error(ret_error, "Invalid init: the command must not be empty");
        /* The agent execs it inside the container's root: a relative path would resolve against
         * whatever the working directory happens to be. */
        if (init[0][0] != '/')
                return invalid_value(ret_error, "init (must be an absolute path)", init[0]);
        return 0;
}

static int verify_stop_signal(int sig, char **ret_error) {
        if (!signal_is_valid(sig))
                return config_error(ret_error, "Invalid stop signal %d", sig);
        /* SIGKILL or SIGSTOP as the "graceful" signal make no sense and a pid namespace's init
         * cannot receive them from inside anyway: refuse them rather than surprise later. */
        if (sig == SIGKILL || sig == SIGSTOP)
                return config_error(ret_error, "Invalid stop signal %s: it cannot be caught",
                                    sig == SIGKILL ? "SIGKILL" : "SIGSTOP");
        return 0;
}

ContainerConfig *container_config_new(void) {
        _cleanup_(container_config_freep) ContainerConfig *c = NULL;

        c = calloc(1, sizeof(ContainerConfig));
        if (!c)
                return NULL;

        if (init_new(&c->init) < 0)
                return NULL;

        /* systemd powers off cleanly on SIGRTMIN+3, see systemd(1). */
        c->stop_signal = SIGRTMIN + 3;
        c->stop_timeout_sec = CONFIG_DEFAULT_STOP_TIMEOUT_SEC;
        return TAKE_PTR(c);
}

ContainerConfig *container_config_free(ContainerConfig *c) {
        if (!c)
                return NULL;

        free(c->name);
        free(c->id);
        free(c->template);
        free(c->release);
        free(c->image);
        free(c->hostname);
        strv_free(c->init);
        strv_free(c->binds);
        strv_free(c->volumes);
        strv_free(c->tmpfs);
        free(c->network_container);
        container_networks_free(c->networks, c->n_networks);
        strv_free(c->publish);
        free(c);
        return NULL;
}

/* Each a valid spec, and no two mounted on the same target. */
static int verify_binds(char * const *binds, char **ret_error) {
        STRV_FOREACH(b, binds) {
                _cleanup_(bind_spec_done) BindSpec spec = {};

                if (bind_spec_parse(*b, &spec) < 0)
                        return invalid_value(ret_error, "bind", *b);
                for (char * const *o = binds; o < b; o++) {
                        _cleanup_(bind_spec_done) BindSpec other = {};

                        if (bind_spec_parse(*o, &other) >= 0 && streq(other.target, spec.target))
                                return config_error(ret_error, "Two binds mount on %s", spec.target);
                }
        }
        return 0;
}

static int verify_publish(char * const *publish, char **ret_error) {
        STRV_FOREACH(p, publish) {
                PortSpec spec, other;

                if (port_spec_from_string(*p, &spec) < 0)
                        return invalid_value(ret_error, "published port", *p);
                for (char * const *o = publish; o < p; o++)
                        if (port_spec_from_string(*o, &other) >= 0 && port_specs_conflict(&spec, &other))
                                return config_error(ret_error, "Published ports %s and %s use the same host port",
                                                    *o, *p);
        }
        return 0;
}

static int verify_attachments(const ContainerConfig *c, char **ret_error) {
        if (c->n_networks > CONTAINER_NETWORKS_MAX)
                return config_error(ret_error, "Too many networks (%zu, at most %u)", c->n_networks,
                                    CONTAINER_NETWORKS_MAX);
        for (size_t i = 0; i < c->n_networks; i++) {
                if (!network_name_is_valid(c->networks[i].name))
                        return invalid_value(ret_error, "network name", c->networks[i].name);
                for (size_t j = 0; j < i; j++)
                        if (streq(c->networks[i].name, c->networks[j].name))
                                return config_error(ret_error, "Network %s is listed twice", c->networks[i].name);
                if (c->networks[i].has_mac && (c->networks[i].mac.ether_addr_octet[0] & 0x01))
                        return config_error(ret_error, "Network %s: a multicast MAC address", c->networks[i].name);
        }
        return 0;
}

static int verify_networking(const ContainerConfig *c, char **ret_error) {
        int r;

        if (c->network_mode < 0 || c->network_mode >= _NETWORK_MODE_MAX)
                return config_error(ret_error, "Invalid network mode");
        if ((c->network_mode == NETWORK_MODE_CONTAINER) != !!c->network_container)
                return config_error(ret_error, "Network mode container needs the name of a container");
        if (c->network_container && !container_name_is_valid(c->network_container))
                return invalid_value(ret_error, "container name", c->network_container);
        if (c->network_container && c->name && streq(c->network_container, c->name))
                return config_error(ret_error, "Container %s cannot join its own network namespace", c->name);
        if (c->network_mode == NETWORK_MODE_HOST && !c->privileged)
                return config_error(ret_error, "Network mode host is for privileged containers only: it gives "
                                    "the container the host's network namespace");
        if (c->network_mode != NETWORK_MODE_PRIVATE && (c->n_networks > 0 || c->publish || c->allow_host))
                return config_error(ret_error, "Network mode %s takes no networks, published ports or host "
                                    "access (they belong to the namespace it uses)",
                                    network_mode_to_string(c->network_mode));
        r = verify_attachments(c, ret_error);
        if (r < 0)
                return r;
        if (c->publish && c->n_networks == 0)
                return config_error(ret_error, "Published ports need a network to publish from");
        return verify_publish(c->publish, ret_error);
}

/* generated: the keys that sysctrd fills in (id, image) are required too. */
static int verify_required(const ContainerConfig *c, bool generated, char **ret_error) {
        if (!c->name)
                return missing_key(ret_error, "name");
        if (!c->id && generated)
                return missing_key(ret_error, "id");
        if (!c->template)
                return missing_key(ret_error, "template");
        if (!c->image && generated)
                return missing_key(ret_error, "image");
        return 0;
}

/* The target of a bind, volume or tmpfs spec (NULL for an invalid one). */
static char *mount_spec_target(const char *kind, const char *spec) {
        if (streq(kind, "bind")) {
                _cleanup_(bind_spec_done) BindSpec b = {};

                return bind_spec_parse(spec, &b) < 0 ? NULL : TAKE_PTR(b.target);
        }
        if (streq(kind, "volume")) {
                _cleanup_(volume_spec_done) VolumeSpec v = {};

                return volume_spec_parse(spec, &v) < 0 ? NULL : TAKE_PTR(v.target);
        }
        _cleanup_(tmpfs_spec_done) TmpfsSpec t = {};

        return tmpfs_spec_parse(spec, &t) < 0 ? NULL : TAKE_PTR(t.target);
}

/* Volumes and tmpfs: each valid, and no two mounts of the container (binds included) on one target. */
static int verify_mounts(const ContainerConfig *c, char **ret_error) {
        _cleanup_strv_free_ char **targets = NULL;
        const struct {
                const char *kind;
                char **specs;
        } lists[] = { { "bind", c->binds }, { "volume", c->volumes }, { "tmpfs", c->tmpfs } };

        for (size_t i = 0; i < ELEMENTSOF(lists); i++)
                STRV_FOREACH(s, lists[i].specs) {
                        char *t = mount_spec_target(lists[i].kind, *s);

                        if (!t)
                                return invalid_value(ret_error, lists[i].kind, *s);
                        if (strv_contains(targets, t)) {
                                int r = config_error(ret_error, "Two mounts on %s", t);

                                free(t);
                                return r;
                        }
                        if (strv_push(&targets, t) < 0)
                                return -ENOMEM;
                }
        return 0;
}

static int container_config_verify_full(const ContainerConfig *c, bool generated, char **ret_error) {
        int r;

        assert(c);

        if (ret_error)
                *ret_error = NULL;

        r = verify_required(c, generated, ret_error);
        if (r < 0)
                return r;

        if (!container_name_is_valid(c->name))
                return invalid_value(ret_error, "container name", c->name);
        if (c->id && !id_is_valid(c->id))
                return invalid_value(ret_error, "id", c->id);
        if (!template_name_is_valid(c->template))
                return invalid_value(ret_error, "template name", c->template);
        if (c->release && !release_name_is_valid(c->release))
                return invalid_value(ret_error, "release", c->release);
        if (c->image && !image_ref_is_valid(c->image))
                return invalid_value(ret_error, "image name", c->image);
        if (c->hostname && !hostname_is_valid(c->hostname))
                return invalid_value(ret_error, "hostname", c->hostname);

        r = verify_init(c->init, ret_error);
        if (r < 0)
                return r;

        r = verify_stop_signal(c->stop_signal, ret_error);
        if (r < 0)
                return r;

        if (c->stop_timeout_sec == 0)
                return config_error(ret_error,
                                    "Invalid stop timeout 0: must be a positive number of seconds");
        if (c->privileged && c->id_base > 0)
                return config_error(ret_error, "A privileged container has no id-base (its IDs are the host's)");

        r = verify_binds(c->binds, ret_error);
        if (r < 0)
                return r;
        r = verify_mounts(c, ret_error);
        if (r < 0)
                return r;
        return verify_networking(c, ret_error);
}

int container_config_verify(const ContainerConfig *c, char **ret_error) {
        return container_config_verify_full(c, true, ret_error);
}

int container_config_verify_entry(const ContainerConfig *c, char **ret_error) {
        return container_config_verify_full(c, false, ret_error);
}

TemplateInfo *template_info_new(void) {
        _cleanup_(template_info_freep) TemplateInfo *t = NULL;

        t = calloc(1, sizeof(TemplateInfo));
        if (!t)
                return NULL;

        if (init_new(&t->init) < 0)
                return NULL;

        t->stop_signal = SIGRTMIN + 3;
        return TAKE_PTR(t);
}

TemplateInfo *template_info_free(TemplateInfo *t) {
        if (!t)
                return NULL;

        free(t->name);
        free(t->description);
        strv_free(t->init);
        strv_free(t->releases);
        free(t->image_name);
        free(t);
        return NULL;
}

/* Expands "%r", "%a" and "%%". When a substitution is empty (no release, no arch), one separator
 * next to it goes too, so that "debian-%r-%a" without a release gives "debian-amd64" rather than
 * "debian--amd64". */
static int image_pattern_expand(const char *pattern, const char *release, const char *arch, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, widest;

        /* Each pattern character yields at most one character or one whole substitution. */
        widest = MAX((size_t) 1, MAX(strlen(strempty(release)), strlen(strempty(arch))));
        buf = malloc(strlen(pattern) * widest + 1);
        if (!buf)
                return -ENOMEM;

        for (const char *p = pattern; *p; p++) {
                const char *sub;

                if (*p != '%') {
                        buf[n++] = *p;
                        continue;
                }

                p++;
                if (*p == '%') {
                        buf[n++] = '%';
                        continue;
                } else if (*p == 'r')
                        sub = strempty(release);
                else if (*p == 'a')
                        sub = strempty(arch);
                else
                        return -EINVAL;

                if (!isempty(sub))
                        n = stpcpy(buf + n, sub) - buf;
                else if (n > 0 && strchr("-._", buf[n - 1]))
                        n--;
                else if (p[1] && strchr("-._", p[1]))
                        p++;
        }

        buf[n] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

static int verify_releases(const TemplateInfo *t, char **ret_error) {
        if (!t->releases)
                return 0;
        if (!t->releases[0])
                return config_error(ret_error, "Invalid releases: the list must not be empty");

        for (size_t i = 0; t->releases[i]; i++) {
                if (!release_name_is_valid(t->releases[i]))
                        return invalid_value(ret_error, "release", t->releases[i]);
                for (size_t j = 0; j < i; j++)
                        if (streq(t->releases[i], t->releases[j]))
                                return invalid_value(ret_error, "releases: duplicate release",
                                                     t->releases[i]);
        }
        return 0;
}

static int verify_image_pattern(const TemplateInfo *t, char **ret_error) {
        _cleanup_free_ char *probe = NULL;
        int r;

        if (!t->image_name)
                return 0;

        /* Expand with sample values: what comes out must be a valid image name, which also
         * catches unknown "%x" sequences and characters such as '/'. */
        r = image_pattern_expand(t->image_name, "release", "arch", &probe);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || !image_name_is_valid(probe))
                return invalid_value(ret_error, "image-name pattern", t->image_name);
        return 0;
}

int template_info_verify(const TemplateInfo *t, char **ret_error) {
        int r;

        assert(t);

        if (ret_error)
                *ret_error = NULL;

        if (!t->name)
                return missing_key(ret_error, "name");
        if (!template_name_is_valid(t->name))
                return invalid_value(ret_error, "template name", t->name);

        r = verify_init(t->init, ret_error);
        if (r < 0)
                return r;

        r = verify_stop_signal(t->stop_signal, ret_error);
        if (r < 0)
                return r;

        r = verify_releases(t, ret_error);
        if (r < 0)
                return r;

        return verify_image_pattern(t, ret_error);
}

static int unknown_release(const TemplateInfo *t, const char *release, char **ret_error) {
        _cleanup_free_ char *q = NULL, *valid = NULL;

        q = config_quote(release);
        if (!q)
                return -ENOMEM;

        if (strv_length(t->releases) == 0)
                return config_error(ret_error, "Template \"%s\" has no releases, cannot use release %s",
                                    t->name, q);

        valid = strv_join(t->releases, ", ");
        if (!valid)
                return -ENOMEM;
        return config_error(ret_error, "Template \"%s\" has no release %s (valid releases: %s)",
                            t->name, q, valid);
}

int template_info_image_name(const TemplateInfo *t, const char *release, const char *arch, char **ret,
                             char **ret_error) {
        _cleanup_free_ char *pattern = NULL, *name = NULL;
        int r;

        assert(t);
        assert(t->name);
        assert(ret);

        if (ret_error)
                *ret_error = NULL;

        if (release && !strv_contains(t->releases, release))
                return unknown_release(t, release, ret_error);
        if (!release && t->releases)
                release = t->releases[0];

        if (t->image_name)
                pattern = strdup(t->image_name);
        else if (t->releases) {
                if (asprintf(&pattern, "%s-%%r-%%a", t->name) < 0)
                        return -ENOMEM;
        } else
                pattern = strdup(t->name);
        if (!pattern)
                return -ENOMEM;

        r = image_pattern_expand(pattern, release, arch, &name);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || !image_name_is_valid(name)) {
                _cleanup_free_ char *qp = config_quote(pattern), *qa = config_quote(arch);

                if (!qp || !qa)
                        return -ENOMEM;
                return config_error(ret_error, "Template \"%s\": image-name pattern %s gives no valid "
                                    "image name for release \"%s\" and architecture %s",
                                    t->name, qp, strempty(release), qa);
        }

        *ret = TAKE_PTR(name);
        return 0;
}
