/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Every D-Bus name of org.sysctr1, defined once (docs/dbus-api.md): sysctrd serves them, sysctr
 * calls them, the tests and outside tools depend on them. As systemd's bus-locator.c does for its
 * services, no program spells one of these itself. */

#define SYSCTR_BUS_NAME "org.sysctr1"

#define SYSCTR_MANAGER_PATH "/org/sysctr1"
#define SYSCTR_MANAGER_INTERFACE "org.sysctr1.Manager"

/* Object paths below these prefixes end in the object's name or id, escaped with
 * sd_bus_path_encode() (names) or as a decimal number (jobs, processes). */
#define SYSCTR_CONTAINER_PATH_PREFIX "/org/sysctr1/container"
#define SYSCTR_CONTAINER_INTERFACE "org.sysctr1.Container"
#define SYSCTR_JOB_PATH_PREFIX "/org/sysctr1/job"
#define SYSCTR_JOB_INTERFACE "org.sysctr1.Job"
#define SYSCTR_PROCESS_PATH_PREFIX "/org/sysctr1/process"
#define SYSCTR_PROCESS_INTERFACE "org.sysctr1.Process"
#define SYSCTR_LOGWATCH_PATH_PREFIX "/org/sysctr1/logwatch"
#define SYSCTR_LOGWATCH_INTERFACE "org.sysctr1.LogWatch"
#define SYSCTR_NETWORK_PATH_PREFIX "/org/sysctr1/network"
#define SYSCTR_NETWORK_INTERFACE "org.sysctr1.Network"
#define SYSCTR_VOLUME_PATH_PREFIX "/org/sysctr1/volume"
#define SYSCTR_VOLUME_INTERFACE "org.sysctr1.Volume"

/* Error names. Clients match on them; each error also carries a message for humans. */
#define SYSCTR_ERROR_NO_SUCH_CONTAINER "org.sysctr1.Error.NoSuchContainer"
#define SYSCTR_ERROR_CONTAINER_EXISTS "org.sysctr1.Error.ContainerExists"
#define SYSCTR_ERROR_INVALID_NAME "org.sysctr1.Error.InvalidName"
#define SYSCTR_ERROR_NO_SUCH_TEMPLATE "org.sysctr1.Error.NoSuchTemplate"
#define SYSCTR_ERROR_CONTAINER_RUNNING "org.sysctr1.Error.ContainerRunning"
#define SYSCTR_ERROR_CONTAINER_NOT_RUNNING "org.sysctr1.Error.ContainerNotRunning"
#define SYSCTR_ERROR_CONTAINER_BROKEN "org.sysctr1.Error.ContainerBroken"
#define SYSCTR_ERROR_START_FAILED "org.sysctr1.Error.StartFailed"
#define SYSCTR_ERROR_STOP_FAILED "org.sysctr1.Error.StopFailed"
#define SYSCTR_ERROR_TEMPLATE_FAILED "org.sysctr1.Error.TemplateFailed"
#define SYSCTR_ERROR_INVALID_CONFIG "org.sysctr1.Error.InvalidConfig"
#define SYSCTR_ERROR_BUSY "org.sysctr1.Error.Busy"
#define SYSCTR_ERROR_NO_SUCH_JOB "org.sysctr1.Error.NoSuchJob"
#define SYSCTR_ERROR_NO_SUCH_PROCESS "org.sysctr1.Error.NoSuchProcess"
#define SYSCTR_ERROR_NO_SUCH_USER "org.sysctr1.Error.NoSuchUser"
#define SYSCTR_ERROR_COMMAND_NOT_FOUND "org.sysctr1.Error.CommandNotFound"
#define SYSCTR_ERROR_COMMAND_NOT_EXECUTABLE "org.sysctr1.Error.CommandNotExecutable"
#define SYSCTR_ERROR_CANCELED "org.sysctr1.Error.Canceled"
#define SYSCTR_ERROR_NO_ID_RANGE "org.sysctr1.Error.NoIdRange"
#define SYSCTR_ERROR_NO_SUCH_NETWORK "org.sysctr1.Error.NoSuchNetwork"
#define SYSCTR_ERROR_NETWORK_EXISTS "org.sysctr1.Error.NetworkExists"
#define SYSCTR_ERROR_NETWORK_IN_USE "org.sysctr1.Error.NetworkInUse"

/* polkit actions (units/org.sysctr1.policy). The details of each check carry the object's name under
 * the key of its kind ("container", "network", "volume", "image"), so that a rule can grant one user
 * a shell in one container. */
#define SYSCTR_POLKIT_MANAGE_CONTAINERS "org.sysctr1.manage-containers"
#define SYSCTR_POLKIT_SHELL "org.sysctr1.shell"
#define SYSCTR_POLKIT_CONSOLE "org.sysctr1.console"
#define SYSCTR_POLKIT_LOGS "org.sysctr1.logs"
#define SYSCTR_POLKIT_MANAGE_NETWORKS "org.sysctr1.manage-networks"
#define SYSCTR_POLKIT_MANAGE_VOLUMES "org.sysctr1.manage-volumes"
