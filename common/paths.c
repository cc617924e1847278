/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdint.h>
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

const char *sysctr_enter_path(void) {
        return env_or("SYSCTR_ENTER", SYSCTR_DEFAULT_ENTER);
}

const char *sysctr_cgroup_parent(void) {
        return env_or("SYSCTR_CGROUP_PARENT", "sysctr.slice");
}

const char *sysctr_subuid_path(void) {
        return env_or("SYSCTR_SUBUID", "/etc/subuid");
}

const char *sysctr_proc_sys_dir(void) {
        return env_or("SYSCTR_PROC_SYS", "/proc/sys");
}

const char *sysctr_subgid_path(void) {
        return env_or("SYSCTR_SUBGID", "/etc/subgid");
}

_printf_(1, 2) static char *path_format(const char *format, ...) {
        va_list ap;
        char *r;
        int k;

        va_start(ap, format);
        k = vasprintf(&r, format, ap);
        va_end(ap);
        return k < 0 ? NULL : r;
}

char *sysctr_containers_dir(void) {
        return path_format("%s/containers", sysctr_state_dir());
}

char *sysctr_container_dir(const char *name) {
        return path_format("%s/containers/%s", sysctr_state_dir(), name);
}

char *sysctr_container_config_path(const char *name) {
        return path_format("%s/containers/%s/" SYSCTR_CONFIG_FILE, sysctr_state_dir(), name);
}

char *sysctr_container_upper_dir(const char *name) {
        return path_format("%s/containers/%s/" SYSCTR_UPPER_DIR, sysctr_state_dir(), name);
}

char *sysctr_container_work_dir(const char *name) {
        return path_format("%s/containers/%s/" SYSCTR_WORK_DIR, sysctr_state_dir(), name);
}

char *sysctr_container_status_path(const char *name) {
        return path_format("%s/containers/%s/" SYSCTR_STATUS_FILE, sysctr_state_dir(), name);
}

char *sysctr_images_dir(void) {
        return path_format("%s/images", sysctr_state_dir());
}

char *sysctr_image_dir(const char *image) {
        return path_format("%s/images/%s", sysctr_state_dir(), image);
}

char *sysctr_image_rootfs(const char *image) {
        return path_format("%s/images/%s/" SYSCTR_IMAGE_ROOTFS, sysctr_state_dir(), image);
}

char *sysctr_image_info_path(const char *image) {
        return path_format("%s/images/%s/" SYSCTR_IMAGE_INFO_FILE, sysctr_state_dir(), image);
}

char *sysctr_volumes_dir(void) {
        return path_format("%s/volumes", sysctr_state_dir());
}

char *sysctr_volume_dir(const char *name) {
        return path_format("%s/volumes/%s", sysctr_state_dir(), name);
}

char *sysctr_networks_dir(void) {
        return path_format("%s/networks", sysctr_state_dir());
}

char *sysctr_network_config_path(const char *name) {
        return path_format("%s/networks/%s" SYSCTR_NETWORK_SUFFIX, sysctr_state_dir(), name);
}

char *sysctr_ula_global_id_path(void) {
        return path_format("%s/networks/ula-global-id", sysctr_state_dir());
}

char *sysctr_runtime_networks_dir(void) {
        return path_format("%s/networks", sysctr_runtime_dir());
}

char *sysctr_network_runtime_dir(const char *name) {
        return path_format("%s/networks/%s", sysctr_runtime_dir(), name);
}

char *sysctr_agents_dir(void) {
        return path_format("%s/agents", sysctr_runtime_dir());
}

char *sysctr_agent_state_path(const char *name) {
        return path_format("%s/agents/%s", sysctr_runtime_dir(), name);
}

char *sysctr_runtime_containers_dir(void) {
        return path_format("%s/containers", sysctr_runtime_dir());
}

char *sysctr_container_runtime_dir(const char *name) {
        return path_format("%s/containers/%s", sysctr_runtime_dir(), name);
}

char *sysctr_container_console_socket(const char *name) {
        return path_format("%s/containers/%s/" SYSCTR_CONSOLE_SOCKET, sysctr_runtime_dir(), name);
}

char *sysctr_container_console_log(const char *name) {
        return path_format("%s/containers/%s/" SYSCTR_CONSOLE_LOG, sysctr_runtime_dir(), name);
}

char *sysctr_container_log_path(const char *name) {
        return path_format("%s/%s.log", sysctr_log_dir(), name);
}

char *sysctr_unit_name(const char *name) {
        return path_format(SYSCTR_UNIT_PREFIX "%s" SYSCTR_UNIT_SUFFIX, name);
}

char *sysctr_unit_name_to_container(const char *unit) {
        size_t n = strlen(unit), p = strlen(SYSCTR_UNIT_PREFIX), s = strlen(SYSCTR_UNIT_SUFFIX);

        if (n <= p + s || !strneq(unit, SYSCTR_UNIT_PREFIX, p) || !streq(unit + n - s, SYSCTR_UNIT_SUFFIX))
                return NULL;
        return strndup(unit + p, n - p - s);
}

char *sysctr_unit_cgroup(const char *name, bool systemd) {
        return path_format("/%s/" SYSCTR_UNIT_PREFIX "%s" SYSCTR_UNIT_SUFFIX,
                           systemd ? SYSCTR_SYSTEMD_SLICE : sysctr_cgroup_parent(), name);
}

char *sysctr_veth_name(const char *container_id, unsigned index, char buf[static SYSCTR_IFNAMSIZ]) {
        char hex[11];
        size_t n = 0;

        if (!container_id || index > 255)
                return NULL;
        for (const char *p = container_id; *p && n < 10; p++) {
                if (*p == '-')
                        continue;
                if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
                        return NULL;
                hex[n++] = *p;
        }
        if (n < 10)
                return NULL;
        hex[n] = '\0';
        (void) snprintf(buf, SYSCTR_IFNAMSIZ, SYSCTR_VETH_PREFIX "%s%02x", hex, index);
        return buf;
}

static uint32_t name_hash(const char *network) {
        uint32_t h = 2166136261U;       /* FNV-1a: stable everywhere, no library needed */

        for (const char *p = network; *p; p++) {
                h ^= (uint8_t) *p;
                h *= 16777619U;
        }
        return h;
}

char *sysctr_host_access_link_name(const char *network, char buf[static SYSCTR_IFNAMSIZ]) {
        (void) snprintf(buf, SYSCTR_IFNAMSIZ, SYSCTR_HOST_ACCESS_PREFIX "%08x", name_hash(network));
        return buf;
}

char *sysctr_vxlan_link_name(const char *network, char buf[static SYSCTR_IFNAMSIZ]) {
        (void) snprintf(buf, SYSCTR_IFNAMSIZ, SYSCTR_VXLAN_PREFIX "%08x", name_hash(network));
        return buf;
}
