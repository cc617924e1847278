/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>

#include "macro.h"
#include "paths.h"

static const char *env_or(const char *var, const char *def) {
        const char *e = getenv(var);

        return isempty(e) ? def : e;
}

const char *sysctr_state_dir(void) {
        return env_or("SYSCTR_STATE_DIR", SYSCTR_DEFAULT_STATE_DIR);
}

const char *sysctr_runtime_dir(void) {
        return env_or("SYSCTR_RUNTIME_DIR", SYSCTR_DEFAULT_RUNTIME_DIR);
}

const char *sysctr_log_dir(void) {
        return env_or("SYSCTR_LOG_DIR", SYSCTR_DEFAULT_LOG_DIR);
}

const char *sysctr_template_dir(void) {
        return env_or("SYSCTR_TEMPLATE_DIR", SYSCTR_DEFAULT_TEMPLATE_DIR);
}

const char *sysctr_agent_path(void) {
        return env_or("SYSCTR_AGENT", SYSCTR_DEFAULT_AGENT);
}

const char *sysctr_cgroup_parent(void) {
        return env_or("SYSCTR_CGROUP_PARENT", "sysctr.slice");
}

static char *join(const char *a, const char *b, const char *c) {
        char *r;

        if (asprintf(&r, "%s/%s/%s", a, b, c) < 0)
                return NULL;
        return r;
}

char *sysctr_container_dir(const char *name) {
        return join(sysctr_state_dir(), "containers", name);
}

char *sysctr_container_config_path(const char *name) {
        char *r;

        if (asprintf(&r, "%s/containers/%s/config.yaml", sysctr_state_dir(), name) < 0)
                return NULL;
        return r;
}

char *sysctr_image_dir(const char *image) {
        return join(sysctr_state_dir(), "images", image);
}

char *sysctr_agent_state_path(const char *name) {
        return join(sysctr_runtime_dir(), "agents", name);
}

char *sysctr_container_runtime_dir(const char *name) {
        return join(sysctr_runtime_dir(), "containers", name);
}
