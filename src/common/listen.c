/*
 * Listening sockets shared by hauld and haulproxy.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/socket.h>
#include <sys/types.h>

#include <netdb.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"

static int listen_on(const struct sockaddr *, socklen_t, int *);
static int listen_any(int *, int *, unsigned, char *, size_t);
static int listen_named(const char *, int *, int *, unsigned, char *, size_t);
static int listen_port_file(int, char *, size_t);

static int
listen_on(const struct sockaddr *sa, socklen_t len, int *port)
{
	struct sockaddr_storage ss;
	int fd, one = 1, saved;

	memcpy(&ss, sa, len);
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(*port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(*port);
	fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, 1024) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (*port == 0) {
		len = sizeof(ss);
		getsockname(fd, (struct sockaddr *)&ss, &len);
		*port = ntohs(ss.ss_family == AF_INET
		        ? ((struct sockaddr_in *)&ss)->sin_port
		        : ((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return fd;
}

/* See listen.h: the sockets, then the HAUL_PORT_FILE note. */
int
listen_bind(const char *addr, int *port, int *fds, unsigned max, char *err,
    size_t errlen)
{
	int n;

	if (addr == NULL)
		n = listen_any(port, fds, max, err, errlen);
	else
		n = listen_named(addr, port, fds, max, err, errlen);
	if (n == -1 || listen_port_file(*port, err, errlen) == -1)
		return -1;
	return n;
}

/* 0.0.0.0 and, where the host has IPv6, [::] (v6-only). */
static int
listen_any(int *port, int *fds, unsigned max, char *err, size_t errlen)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	unsigned n = 0;
	int fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_any;
	if ((fd = listen_on((struct sockaddr *)&sin, sizeof(sin), port)) ==
	    -1) {
		snprintf(err, errlen, "cannot listen on port %d: %s", *port,
		    strerror(errno));
		return -1;
	}
	fds[n++] = fd;
	if ((fd = listen_on((struct sockaddr *)&sin6, sizeof(sin6), port)) !=
	    -1) {
		if (n < max)
			fds[n++] = fd;
	} else if (errno != EAFNOSUPPORT && errno != EADDRNOTAVAIL) {
		snprintf(err, errlen, "cannot listen on [::]:%d: %s", *port,
		    strerror(errno));
		close(fds[0]);
		return -1;
	}
	return (int)n;
}

/* Every address addr resolves to that can be listened on. */
static int
listen_named(const char *addr, int *port, int *fds, unsigned max, char *err,
    size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	unsigned n = 0;
	int fd, e, saved = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((e = getaddrinfo(addr, NULL, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", addr, gai_strerror(e));
		return -1;
	}
	for (ai = res; ai != NULL && n < max; ai = ai->ai_next) {
		if ((fd = listen_on(ai->ai_addr, ai->ai_addrlen, port)) == -1) {
			saved = errno;
			continue;
		}
		fds[n++] = fd;
	}
	freeaddrinfo(res);
	if (n == 0) {
		snprintf(err, errlen, "cannot listen on %s port %d: %s", addr,
		    *port, strerror(saved));
		return -1;
	}
	return (int)n;
}

/* Tell the port to the file HAUL_PORT_FILE names, if set; 0 or -1. */
static int
listen_port_file(int port, char *err, size_t errlen)
{
	/* Written whole under a temporary name: readers never see half a
	 * number. */
	char tmp[4096];
	const char *pf;
	FILE *f;

	if ((pf = getenv("HAUL_PORT_FILE")) == NULL)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", pf);
	if ((f = fopen(tmp, "w")) == NULL || fprintf(f, "%d\n", port) < 0 ||
	    fclose(f) == EOF || rename(tmp, pf) == -1) {
		snprintf(
		    err, errlen, "HAUL_PORT_FILE %s: %s", pf, strerror(errno));
		return -1;
	}
	return 0;
}
