/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notify: systemd's readiness protocol for Type=notify services: one
 * datagram, "READY=1" and the like, to the AF_UNIX socket $NOTIFY_SOCKET
 * names (a path, or an abstract name after "@").  sd_notify(3) documents
 * the protocol as stable for implementations of their own; libsystemd
 * would bring six libraries, about 1 MiB resident, for this one call.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "extern.h"

void
notify(const char *state)
{
	struct sockaddr_un	 sun;
	const char		*path = getenv("NOTIFY_SOCKET");
	size_t			 len;
	int			 fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		return;
	if ((len = strlen(path)) >= sizeof(sun.sun_path)) {
		log_warnx("NOTIFY_SOCKET: path too long");
		return;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, len);
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("NOTIFY_SOCKET: socket");
		return;
	}
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, offsetof(struct sockaddr_un, sun_path) +
	    len) == -1)
		log_warn("NOTIFY_SOCKET %s", path);
	(void)close(fd);
}
