/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* D-Bus error names of org.sysctr1 (docs/dbus-api.md). Stable: clients match on them. */
#define SYSCTR_ERROR_NO_SUCH_CONTAINER "org.sysctr1.Error.NoSuchContainer"
#define SYSCTR_ERROR_CONTAINER_EXISTS "org.sysctr1.Error.ContainerExists"
#define SYSCTR_ERROR_INVALID_NAME "org.sysctr1.Error.InvalidName"
#define SYSCTR_ERROR_NO_SUCH_TEMPLATE "org.sysctr1.Error.NoSuchTemplate"
#define SYSCTR_ERROR_CONTAINER_RUNNING "org.sysctr1.Error.ContainerRunning"
#define SYSCTR_ERROR_CONTAINER_NOT_RUNNING "org.sysctr1.Error.ContainerNotRunning"
#define SYSCTR_ERROR_START_FAILED "org.sysctr1.Error.StartFailed"
#define SYSCTR_ERROR_STOP_FAILED "org.sysctr1.Error.StopFailed"
#define SYSCTR_ERROR_TEMPLATE_FAILED "org.sysctr1.Error.TemplateFailed"
#define SYSCTR_ERROR_INVALID_CONFIG "org.sysctr1.Error.InvalidConfig"
#define SYSCTR_ERROR_BUSY "org.sysctr1.Error.Busy"
