/*
 * Listening sockets for the daemons: all interfaces (IPv4 and IPv6) or
 * the addresses a name resolves to, one port for all, nonblocking and
 * close-on-exec.
 */
#ifndef HAUL_LISTEN_H
#define HAUL_LISTEN_H

#include <stddef.h>

/*
 * Bind and listen.  addr NULL: 0.0.0.0 and [::] (v6-only), the latter
 * skipped where IPv6 is missing.  *port 0 picks a free port, the same for
 * every socket, and is updated.  Returns the number of sockets put in
 * fds (at most max), or -1 with err set.  If $HAUL_PORT_FILE is set, the
 * port is written there (tests start daemons on port 0).
 */
int listen_bind(const char *addr, int *port, int *fds, unsigned max, char *err,
    size_t errlen);

#endif
