/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Where sysctr keeps things. Each has a compiled-in default and an environment override, which the
 * test suite uses to run a whole private instance (state, runtime, logs, cgroups) side by side with
 * the real one. The manager passes its environment on to the agents it spawns.
 *
 *   SYSCTR_STATE_DIR     /var/lib/sysctr      containers/NAME/{config.yaml,upper,work}, images/NAME/
 *   SYSCTR_RUNTIME_DIR   /run/sysctr          agents/NAME (agent state file), containers/NAME/
 *   SYSCTR_LOG_DIR       /var/log/sysctr      NAME.log (agent log in standalone mode)
 *   SYSCTR_TEMPLATE_DIR  $(pkgdatadir)/templates   NAME/{build,template.yaml}
 *   SYSCTR_AGENT         $(libexecdir)/sysctr/sysctr-agent
 *   SYSCTR_CGROUP_PARENT sysctr.slice          standalone mode: the agents' cgroups go below this,
 *                                              relative to the cgroup2 mount
 */

const char *sysctr_state_dir(void);
const char *sysctr_runtime_dir(void);
const char *sysctr_log_dir(void);
const char *sysctr_template_dir(void);
const char *sysctr_agent_path(void);
const char *sysctr_cgroup_parent(void);

/* Convenience: malloc'ed "<state>/containers/<name>" etc. NULL on OOM. */
char *sysctr_container_dir(const char *name);
char *sysctr_container_config_path(const char *name);
char *sysctr_image_dir(const char *image);
char *sysctr_agent_state_path(const char *name);
char *sysctr_container_runtime_dir(const char *name);
