/*
 * idleconns: open N keep-alive connections to an HTTP server, complete one
 * request on each (so the server has accepted, parsed and answered, and is
 * now holding an idle keep-alive connection), then hold them all open.
 *
 * Usage: idleconns HOST PORT PATH N [SRCADDR]
 *
 * Prints "ready N" (connections that completed their request) on stdout
 * once all are open, then waits until its stdin reaches EOF (or SIGTERM /
 * SIGINT), checks which connections the server has closed meanwhile,
 * prints "alive M" and exits.  Everything is bounded: each connect, send
 * and receive times out after 10 s.  SRCADDR (a 127.x address) spreads
 * the local ports of several runs over different source addresses.
 */
#define _GNU_SOURCE /* strcasestr */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Read one response (headers + Content-Length body); 0 on success. */
static int
read_response(int fd)
{
	char buf[8192];
	size_t have = 0;
	long body = -1;
	size_t hdr_end = 0;
	for (;;) {
		ssize_t n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
		if (n <= 0)
			return -1;
		have += (size_t)n;
		buf[have] = 0;
		if (hdr_end == 0) {
			char *e = strstr(buf, "\r\n\r\n");
			if (e == NULL) {
				if (have >= sizeof(buf) - 1)
					return -1;
				continue;
			}
			hdr_end = (size_t)(e - buf) + 4;
			if (strncmp(buf, "HTTP/1.1 2", 10) != 0)
				return -1;
			char *cl = strcasestr(buf, "\r\ncontent-length:");
			if (cl == NULL || cl > e)
				return -1;
			body = strtol(cl + 17, NULL, 10);
		}
		if (have - hdr_end >= (size_t)body)
			return have - hdr_end == (size_t)body ? 0 : -1;
		if (have >= sizeof(buf) - 1) {
			/* larger bodies: keep only the count */
			body -= (long)(have - hdr_end);
			have = hdr_end = 0;
			if (body < 0)
				return -1;
			/* from now on everything read is body */
			for (;;) {
				if (body == 0)
					return 0;
				n = recv(fd, buf, sizeof(buf), 0);
				if (n <= 0 || n > body)
					return -1;
				body -= n;
			}
		}
	}
}

/* Allow want connections plus a few (as far as the hard limit goes). */
static void
raise_nofile(int want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)want + 64) {
		rl.rlim_cur = (rlim_t)want + 64;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			getrlimit(RLIMIT_NOFILE, &rl);
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
}

/*
 * Open want connections to sa (from la when src is set), each completing
 * one request req; keep those that did in fds.  Gives up after 100
 * failures.  Returns how many are kept.
 */
static int
open_conns(const struct sockaddr_in *sa, const struct sockaddr_in *la,
    const char *src, const char *req, int rlen, int want, int *fds)
{
	int ok = 0, failed = 0;
	struct timeval tv = {10, 0};
	for (int i = 0; i < want; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd == -1) {
			fprintf(stderr, "idleconns: socket after %d: %s\n", ok,
			    strerror(errno));
			break;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (src != NULL &&
		    bind(fd, (const struct sockaddr *)la, sizeof(*la)) == -1) {
			fprintf(stderr, "idleconns: bind %s: %s\n", src,
			    strerror(errno));
			close(fd);
			break;
		}
		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) ==
		        -1 ||
		    send(fd, req, (size_t)rlen, 0) != rlen ||
		    read_response(fd) != 0) {
			if (failed++ == 0)
				fprintf(stderr,
				    "idleconns: connection %d: %s\n", i,
				    errno ? strerror(errno) : "bad response");
			close(fd);
			if (failed > 100)
				break;
			continue;
		}
		fds[ok++] = fd;
	}
	return ok;
}

/* How many of fds[0..n) the server still holds open. */
static int
count_alive(const int *fds, int n)
{
	int alive = 0;
	for (int i = 0; i < n; i++) {
		struct pollfd p = {fds[i], POLLIN, 0};
		/* readable now = EOF or reset: the server let it go */
		if (poll(&p, 1, 0) == 0)
			alive++;
	}
	return alive;
}

int
main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(
		    stderr, "usage: idleconns HOST PORT PATH N [SRCADDR]\n");
		return 2;
	}
	const char *host = argv[1];
	int port = atoi(argv[2]);
	const char *path = argv[3];
	int want = atoi(argv[4]);
	const char *src = argc > 5 ? argv[5] : NULL;
	struct sockaddr_in sa, la;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "idleconns: bad address %s\n", host);
		return 2;
	}
	memset(&la, 0, sizeof(la));
	la.sin_family = AF_INET;
	if (src != NULL && inet_pton(AF_INET, src, &la.sin_addr) != 1) {
		fprintf(stderr, "idleconns: bad source address %s\n", src);
		return 2;
	}

	raise_nofile(want);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);

	int *fds = calloc((size_t)want, sizeof(int));
	if (fds == NULL)
		return 1;
	char req[1024];
	int rlen = snprintf(req, sizeof(req),
	    "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: idleconns\r\n\r\n",
	    path, host, port);
	int ok = open_conns(&sa, &la, src, req, rlen, want, fds);
	printf("ready %d\n", ok);
	fflush(stdout);

	/* Hold them until told to stop (EOF on stdin or a signal). */
	char c;
	while (!stop && read(STDIN_FILENO, &c, 1) > 0)
		;

	printf("alive %d\n", count_alive(fds, ok));
	fflush(stdout);
	return 0;
}
