/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "bus-names.h"
#include "container.h"
#include "paths.h"

/* OpenContainerConsole: a connection to the agent's console relay (<runtime>/containers/NAME/
 * console.sock, root only), handed to the caller. The relay logs the console and serves one client at
 * a time; a second one is told so on the connection and closed (agent/README.md). */

/* sun_path holds 108 bytes: a longer runtime directory is reached through /proc/self/fd. */
static int console_connect(const char *name) {
        _cleanup_free_ char *dir = sysctr_container_runtime_dir(name);
        _cleanup_close_ int fd = -EBADF, dir_fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int n;

        if (!dir)
                return -ENOMEM;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/" SYSCTR_CONSOLE_SOCKET, dir);
        if (n < 0 || (size_t) n >= sizeof(sa.sun_path)) {
                dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (dir_fd < 0)
                        return -errno;
                (void) snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%i/" SYSCTR_CONSOLE_SOCKET, dir_fd);
        }
        if (connect(fd, (const struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        return TAKE_FD(fd);
}

int container_method_open_console(Container *c, sd_bus_message *message, sd_bus_error *error) {
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = container_check_usable(c, error);
        if (r < 0)
                return r;
        if (c->state != CONTAINER_RUNNING && c->state != CONTAINER_STARTING)
                return sd_bus_error_setf(error, SYSCTR_ERROR_CONTAINER_NOT_RUNNING, "Container \"%s\" is not running.",
                                         c->name);
        fd = console_connect(c->name);
        if (fd == -ENOENT || fd == -ECONNREFUSED)
                return sd_bus_error_setf(error, SYSCTR_ERROR_CONTAINER_NOT_RUNNING,
                                         "The console of container \"%s\" is not available (its agent does not "
                                         "accept connections).", c->name);
        if (fd < 0)
                return sd_bus_error_set_errnof(error, fd, "Failed to connect to the console of \"%s\": %m", c->name);
        return sd_bus_reply_method_return(message, "h", fd);
}
