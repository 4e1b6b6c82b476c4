/*
 * Client connections of a hauld worker.  A connection is a small state
 * machine driven by conn_run():
 *
 *   READING --head parsed--> serve_request() --> WRITING --done-->
 *       keep-alive: READING (pipelined bytes are parsed at once);
 *                   with nothing buffered it goes idle, holding only its
 *                   core until the next bytes arrive
 *       otherwise:  LINGER (shutdown write side, drain, close)
 *
 * With TLS a connection starts in HANDSHAKE, which goes to READING; a
 * plain-HTTP request there gets an unencrypted 400 (conn_tls_sniff).
 * Socket I/O goes through conn_io_*, which use tls.c when the port
 * speaks TLS: a TLS "want" comes back as EAGAIN with the event to wait
 * for in the core (conn_want).
 *
 * Timeouts (--timeout): the TLS handshake must finish within it, the
 * whole request head must arrive within it from
 * its first byte (a slowloris client cannot stretch it byte by byte), an
 * idle keep-alive connection is closed after it, and so is a send that
 * makes no progress for that long.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/sockios.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "accesslog.h"
#include "auth.h"
#include "conn.h"
#include "gzip.h"
#include "heritage.h"
#include "httphdr.h"
#include "log.h"
#include "serve.h"
#include "stats.h"
#include "tls.h"
#include "worker.h"

#define LINGER_MS 2000
#define SENDFILE_MAX (1 << 30)
#define CONN_SEG_FAILED (-2)     /* a segment writer's fatal error */
#define TLS_COPY_BUF (64 * 1024) /* file bytes per pread without kTLS */
#define BODY_BUF (64 * 1024)     /* request body bytes per read */

/*
 * All a connection holds while idle: the event is in the same allocation
 * (event_get_struct_event_size() bytes after the struct), so an idle
 * keep-alive connection costs one small block here plus libevent's
 * per-descriptor entry.
 */
struct conn_core {
	TAILQ_ENTRY(conn_core) idle; /* on conn_idle while c is NULL */
	struct worker *w;
	struct conn *c; /* the request in progress; NULL when idle */
	int fd;
	short armed;     /* what the event waits for */
	short want;      /* TLS: what the last EAGAIN waits for, or 0 */
	struct tls *tls; /* NULL: plain HTTP */
	unsigned char tls_done, ktls, verified;
	unsigned char af; /* 4, 6, or 0: addr unknown */
	unsigned char addr[16];
	uint64_t ev[]; /* struct event */
};

#define CORE_EV(k) ((struct event *)(void *)(k)->ev)

/* Idle connections, the longest idle first (one worker per process). */
static TAILQ_HEAD(, conn_core) conn_idle = TAILQ_HEAD_INITIALIZER(conn_idle);

static void conn_cb(evutil_socket_t, short, void *);
static void conn_wake(struct conn_core *);
static void conn_sleep(struct conn *);
static void conn_close(struct conn_core *);
static void conn_run(struct conn *);
static int conn_state_handshake(struct conn *);
static int conn_tls_sniff(struct conn *);
static int conn_state_reading(struct conn *);
static int conn_state_body(struct conn *);
static void conn_body_abort(struct conn *);
static int conn_state_writing(struct conn *);
static int conn_state_linger(struct conn *);
static void conn_reject(struct conn *, int, const char *);
static ssize_t conn_io_read(struct conn *, void *, size_t);
static ssize_t conn_io_write(struct conn *, const void *, size_t, int);
static ssize_t conn_io_sendfile(struct conn *, off_t *, size_t);
static ssize_t conn_write_mem(struct conn *, struct seg *, int);
static ssize_t conn_write_file(struct conn *, struct seg *, int);
static int conn_write_tls(struct conn *);
static int conn_tls_fill(struct conn *);
static ssize_t conn_tls_result(struct conn_core *, ssize_t);
static short conn_want(const struct conn_core *, short);
static ssize_t conn_write_gzip(struct conn *, struct seg *, int);
static int conn_fill(struct conn *);
static void conn_dispatch(struct conn *);
static int conn_write(struct conn *);
static void conn_finish(struct conn *);
static void conn_reset_response(struct conn *);
static void conn_arm(struct conn_core *, short, uint64_t);

/* How long an idle connection lives on once its worker is stopping. */
#define STOP_LINGER_MS 1000
static void conn_access_log(struct conn *);
static const char *conn_peer(struct conn *);
static const char *conn_date(void);

void
conn_accept(struct worker *w, int fd, const struct sockaddr *sa)
{
	struct conn_core *k;

	k = malloc(sizeof(*k) + event_get_struct_event_size());
	if (k == NULL) {
		log_warn("%s: malloc", __func__);
		stats_add(w->slot, STATS_errors, 1);
		close(fd);
		return;
	}
	k->w = w;
	k->c = NULL;
	k->fd = fd;
	k->armed = 0;
	k->want = 0;
	k->tls = NULL;
	k->tls_done = k->ktls = k->verified = 0;
	if (heritage.tls != NULL &&
	    (k->tls = tls_new(heritage.tls, fd, NULL)) == NULL) {
		log_warnx("%s: out of memory for TLS", __func__);
		stats_add(w->slot, STATS_errors, 1);
		close(fd);
		free(k);
		return;
	}
	/* Kept binary: the text is made only for a log line (conn_peer). */
	k->af = 0;
	if (sa->sa_family == AF_INET) {
		memcpy(k->addr,
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    4);
		k->af = 4;
	} else if (sa->sa_family == AF_INET6) {
		memcpy(k->addr,
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    16);
		k->af = 6;
	}
	if (event_assign(CORE_EV(k), w->base, fd, 0, conn_cb, k) == -1) {
		log_warnx("%s: event_assign failed", __func__);
		stats_add(w->slot, STATS_errors, 1);
		tls_free(k->tls);
		close(fd);
		free(k);
		return;
	}
	TAILQ_INSERT_TAIL(&conn_idle, k, idle);
	w->nconns++;
	stats_add(w->slot, STATS_conn_accepted, 1);
	stats_add(w->slot, STATS_conn_open, 1);
	/* Data usually arrives with the accept: try reading at once. */
	conn_wake(k);
}

/* An idle connection has bytes (or news) to read: give it a struct conn. */
static void
conn_wake(struct conn_core *k)
{
	struct worker *w = k->w;
	struct conn *c;

	if ((c = malloc(sizeof(*c))) == NULL) {
		log_warn("%s: malloc", __func__);
		stats_add(w->slot, STATS_errors, 1);
		conn_close(k);
		return;
	}
	memset(c, 0, offsetof(struct conn, req));
	c->w = w;
	c->core = k;
	c->fd = k->fd;
	c->file_fd = -1;
	c->state = CONN_READING;
	c->peer_verified = k->verified;
	if (k->tls != NULL && !k->tls_done) {
		c->state = CONN_HANDSHAKE;
		c->deadline_ms = now_ms() + (uint64_t)heritage.timeout_s * 1000;
	}
	buf_init(&c->out);
	c->req.method = c->req.target = NULL;
	c->req.minor = 0;
	c->req.nheaders = 0;
	c->req.head_len = 0;
	snprintf(c->reqline, sizeof(c->reqline), "-");
	TAILQ_REMOVE(&conn_idle, k, idle);
	k->c = c;
	TAILQ_INSERT_TAIL(&w->conns, c, entry);
	conn_run(c);
}

/*
 * Nothing buffered, nothing to send: wait for the next request with only
 * the core.  The read event stays as it is when already armed.  c is gone
 * on return.
 */
static void
conn_sleep(struct conn *c)
{
	struct conn_core *k = c->core;
	struct worker *w = c->w;

	conn_reset_response(c);
	buf_free(&c->out);
	TAILQ_REMOVE(&w->conns, c, entry);
	free(c->tbuf);
	free(c->bbuf);
	free(c);
	k->c = NULL;
	TAILQ_INSERT_TAIL(&conn_idle, k, idle);
	/* Stopping: the last answer promised keep-alive; see STOP_LINGER_MS. */
	conn_arm(k, conn_want(k, EV_READ),
	    w->stopping ? STOP_LINGER_MS : (uint64_t)heritage.timeout_s * 1000);
}

void
conn_free(struct conn *c)
{
	conn_close(c->core);
}

/* Close the connection, busy or idle, and free everything it holds. */
static void
conn_close(struct conn_core *k)
{
	struct worker *w = k->w;
	struct conn *c = k->c;

	if (c != NULL) {
		conn_body_abort(c);
		conn_reset_response(c);
		buf_free(&c->out);
		TAILQ_REMOVE(&w->conns, c, entry);
		free(c->tbuf);
		free(c->bbuf);
		free(c);
	} else {
		TAILQ_REMOVE(&conn_idle, k, idle);
	}
	event_del(CORE_EV(k));
	tls_free(k->tls);
	close(k->fd);
	free(k);
	w->nconns--;
	stats_sub(w->slot, STATS_conn_open, 1);
	worker_conn_closed(w);
}

int
conn_evict_idle(const struct worker *w)
{
	struct conn_core *k;
	int unsent;

	TAILQ_FOREACH(k, &conn_idle, idle) {
		/*
		 * Idle only once the kernel has delivered its last response:
		 * one still draining is busy.
		 */
		if (k->w != w ||
		    (ioctl(k->fd, SIOCOUTQ, &unsent) == 0 && unsent > 0))
			continue;
		conn_close(k);
		return 1;
	}
	return 0;
}

/*
 * A graceful stop or a SIGHUP: idle keep-alive connections get
 * STOP_LINGER_MS more, not an immediate close (as do those whose answer,
 * in flight at the stop, promised keep-alive: conn_sleep).  A client that
 * sends its next request just as we would close (a busy one, always) then
 * gets an answer, with "Connection: close" since keep-alive is off while
 * stopping, instead of an EOF it must guess about; an idle one is closed
 * when the linger ends, with no more race than any keep-alive timeout.
 */
void
conn_linger_idle(const struct worker *w)
{
	struct conn_core *k;

	TAILQ_FOREACH(k, &conn_idle, idle)
		if (k->w == w)
			conn_arm(k, EV_READ, STOP_LINGER_MS);
}

static void
conn_arm(struct conn_core *k, short what, uint64_t ms)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	/*
	 * Persistent, so firing does not remove it from epoll; with the same
	 * interest only the timeout moves: no epoll_ctl per request.
	 */
	if (k->armed != what) {
		event_del(CORE_EV(k));
		event_assign(CORE_EV(k), k->w->base, k->fd, what | EV_PERSIST,
		    conn_cb, k);
		k->armed = what;
	}
	event_add(CORE_EV(k), &tv);
}

static void
conn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn_core *k = arg;
	struct conn *c = k->c;

	if (c == NULL) {
		if (what & EV_TIMEOUT) {
			if (!k->w->stopping) /* not a stop's linger */
				stats_add(k->w->slot, STATS_timeouts, 1);
			conn_close(k);
		} else {
			conn_wake(k);
		}
		return;
	}
	if (what & EV_TIMEOUT) {
		stats_add(c->w->slot, STATS_timeouts, 1);
		if (c->state == CONN_HANDSHAKE)
			stats_add(c->w->slot, STATS_tls_handshake_failures, 1);
		if (c->state == CONN_READING && c->in_len > 0) {
			/* RFC 9110 15.5.9: tell a slow client why. */
			c->keepalive = 0;
			conn_simple(c, 408, "request timeout");
			c->state = CONN_WRITING;
			conn_run(c);
			return;
		}
		conn_free(c);
		return;
	}
	conn_run(c);
}

/*
 * Read what the socket has.  Returns 1 with new bytes, 0 when it would
 * block (the event is armed; c is freed when it went idle), -1 when the
 * connection is gone (freed).
 */
static int
conn_fill(struct conn *c)
{
	uint64_t now, timeout_ms = (uint64_t)heritage.timeout_s * 1000;
	ssize_t n;

	for (;;) {
		n = conn_io_read(
		    c, c->in + c->in_len, HTTPREQ_MAX_HEAD - c->in_len);
		if (n > 0)
			break;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			if (c->in_len == 0) {
				/* Idle: hold nothing but the core. */
				conn_sleep(c);
			} else {
				now = now_ms();
				conn_arm(c->core, conn_want(c->core, EV_READ),
				    c->deadline_ms > now ? c->deadline_ms - now
				                         : 0);
			}
			return 0;
		}
		conn_free(c); /* EOF or a reset */
		return -1;
	}
	if (c->in_len == 0)
		c->deadline_ms = now_ms() + timeout_ms;
	c->in_len += (size_t)n;
	return 1;
}

/*
 * The state machine: each state's function does its work and returns 1 to
 * go on with the (possibly new) state, 0 when the connection waits for an
 * event or is gone.
 */
static void
conn_run(struct conn *c)
{
	int more;

	do {
		switch (c->state) {
		case CONN_HANDSHAKE:
			more = conn_state_handshake(c);
			break;
		case CONN_READING:
			more = conn_state_reading(c);
			break;
		case CONN_BODY:
			more = conn_state_body(c);
			break;
		case CONN_WRITING:
			more = conn_state_writing(c);
			break;
		case CONN_LINGER:
			more = conn_state_linger(c);
			break;
		default:
			more = 0;
			break;
		}
	} while (more);
}

/*
 * TLS: the handshake, bounded by --timeout from the accept.  Failures
 * are counted, and logged only with -v: a port scanner must not fill
 * the log.
 */
static int
conn_state_handshake(struct conn *c)
{
	struct conn_core *k = c->core;
	struct stats_slot *slot = c->w->slot;
	uint64_t now;
	int r;

	if (!c->tls_sniffed && (r = conn_tls_sniff(c)) != 1)
		return r == 2; /* 2: a plain-HTTP request, answered plainly */
	r = tls_handshake(k->tls);
	if (r == 0) {
		k->tls_done = 1;
		k->ktls = (unsigned char)tls_ktls_send(k->tls);
		k->verified = (unsigned char)tls_peer_verified(k->tls);
		c->peer_verified = k->verified;
		stats_add(slot, STATS_tls_handshakes, 1);
		if (tls_resumed(k->tls))
			stats_add(slot, STATS_tls_resumed, 1);
		c->state = CONN_READING;
		return 1;
	}
	if (r == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT) {
		now = now_ms();
		conn_arm(k, r == TLS_WANT_POLLIN ? EV_READ : EV_WRITE,
		    c->deadline_ms > now ? c->deadline_ms - now : 0);
		return 0;
	}
	stats_add(slot, STATS_tls_handshake_failures, 1);
	log_debug("%s: %s: TLS %s", __func__, conn_peer(c), tls_error(k->tls));
	conn_free(c);
	return 0;
}

/*
 * Before the handshake, a look at the first byte: a TLS record starts
 * with 22 (handshake), an HTTP request with a method's capital letter.
 * To the latter the connection answers an unencrypted 400, as nginx
 * does, and closes: TLS is dropped for it.  1: go on with the
 * handshake; 2: the 400 is ready to write; 0: waiting, or gone.
 */
static int
conn_tls_sniff(struct conn *c)
{
	struct conn_core *k = c->core;
	unsigned char b;
	uint64_t now;
	ssize_t n;

	n = recv(c->fd, &b, 1, MSG_PEEK);
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		now = now_ms();
		conn_arm(k, EV_READ,
		    c->deadline_ms > now ? c->deadline_ms - now : 0);
		return 0;
	}
	if (n != 1) {
		conn_free(c);
		return 0;
	}
	c->tls_sniffed = 1;
	if (b < 'A' || b > 'Z')
		return 1;
	stats_add(c->w->slot, STATS_tls_handshake_failures, 1);
	tls_free(k->tls);
	k->tls = NULL;
	stats_add(c->w->slot, STATS_requests, 1);
	c->t_start = time(NULL);
	conn_reject(c, 400, "this port speaks TLS: use https://");
	c->state = CONN_WRITING;
	return 2;
}

/* Parse the head from what is buffered, reading more until it is whole. */
static int
conn_state_reading(struct conn *c)
{
	char err[128];
	int r;

	r = c->in_len > 0
	    ? httpreq_parse(c->in, c->in_len, &c->req, err, sizeof(err))
	    : 0;
	if (r == 0) {
		if (c->in_len >= HTTPREQ_MAX_HEAD) {
			/* httpreq_parse said 431 already */
			conn_free(c);
			return 0;
		}
		return conn_fill(c) == 1;
	}
	stats_add(c->w->slot, STATS_requests, 1);
	c->t_start = time(NULL);
	if (r < 0)
		conn_reject(c, -r, err);
	else
		conn_dispatch(c);
	/*
	 * The read event stays armed: most responses go out at once and
	 * reading resumes without an epoll_ctl.  An upload reads its body
	 * first (conn_read_body).
	 */
	c->state = c->sink != NULL ? CONN_BODY : CONN_WRITING;
	return 1;
}

void
conn_read_body(
    struct conn *c, uint64_t len, const struct conn_sink *sink, void *arg)
{
	const char *conn_hdr = httpreq_header(&c->req, "Connection");
	const char *expect = httpreq_header(&c->req, "Expect");

	c->sink = sink;
	c->sink_arg = arg;
	c->body_left = len;
	/* The body is read whole: the connection may serve another. */
	if (c->req.minor >= 1)
		c->keepalive = !httphdr_has_token(conn_hdr, "close");
	else
		c->keepalive = httphdr_has_token(conn_hdr, "keep-alive");
	if (c->w->stopping)
		c->keepalive = 0;
	c->deadline_ms = now_ms() + (uint64_t)heritage.timeout_s * 1000;
	/*
	 * RFC 9110 10.1.1: a client that waits for "100 Continue" (curl
	 * does, for bodies over 1 MiB) is told to send the body now, rather
	 * than after its own timeout.  Best effort: a full socket skips it.
	 */
	if (expect != NULL && strcasecmp(expect, "100-continue") == 0 &&
	    c->req.minor >= 1 && c->in_len == c->req.head_len)
		(void)conn_io_write(c, "HTTP/1.1 100 Continue\r\n\r\n", 25, 0);
}

/*
 * CONN_BODY: hand the body to the sink, the bytes already read after
 * the head first (they then count as part of the head for what follows
 * it), then reads of at most what is left, so a pipelined request stays
 * in the socket.  --timeout bounds each wait for more.
 */
static int
conn_state_body(struct conn *c)
{
	const struct conn_sink *sink = c->sink;
	size_t have, n;
	ssize_t got;

	have = c->in_len > c->req.head_len ? c->in_len - c->req.head_len : 0;
	if (have > 0 && c->body_left > 0) {
		n = have < c->body_left ? have : (size_t)c->body_left;
		c->body_left -= n;
		c->req.head_len += n;
		if (sink->data(
		        c, c->sink_arg, c->in + c->req.head_len - n, n) == -1)
			goto refused;
	}
	while (c->body_left > 0) {
		if (c->bbuf == NULL && (c->bbuf = malloc(BODY_BUF)) == NULL) {
			conn_free(c); /* done(0) runs there */
			return 0;
		}
		n = c->body_left < BODY_BUF ? (size_t)c->body_left : BODY_BUF;
		got = conn_io_read(c, c->bbuf, n);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1 && errno == EAGAIN) {
			conn_arm(c->core, conn_want(c->core, EV_READ),
			    (uint64_t)heritage.timeout_s * 1000);
			return 0;
		}
		if (got <= 0) {
			conn_free(c); /* EOF or reset: done(0) runs there */
			return 0;
		}
		stats_add(c->w->slot, STATS_upload_bytes, (uint64_t)got);
		c->body_left -= (uint64_t)got;
		if (sink->data(c, c->sink_arg, c->bbuf, (size_t)got) == -1)
			goto refused;
	}
	c->sink = NULL;
	sink->done(c, c->sink_arg, 1);
	c->state = CONN_WRITING;
	return 1;
refused:
	c->sink = NULL;
	c->keepalive = 0; /* the rest of the body is not read */
	c->state = CONN_WRITING;
	return 1;
}

/* The connection goes with a body half read: the sink hears of it. */
static void
conn_body_abort(struct conn *c)
{
	const struct conn_sink *sink = c->sink;

	if (sink == NULL)
		return;
	c->sink = NULL;
	sink->done(c, c->sink_arg, 0);
}

/* A head that does not parse: answer status with why, then close. */
static void
conn_reject(struct conn *c, int status, const char *why)
{
	log_debug("%s: %s: %s", __func__, conn_peer(c), why);
	c->keepalive = 0;
	c->req.nheaders = 0;
	c->req.method = NULL;
	c->req.head_len = c->in_len;
	snprintf(c->reqline, sizeof(c->reqline), "-");
	conn_simple(c, status, why);
}

/* Send the response; once out, wait for the next request or linger. */
static int
conn_state_writing(struct conn *c)
{
	int r;

	r = conn_write(c);
	if (r == 0)
		return 0;
	if (r == -1) {
		stats_add(c->w->slot, STATS_errors, 1);
		conn_access_log(c);
		conn_free(c);
		return 0;
	}
	conn_finish(c);
	if (c->state == CONN_READING && c->in_len == 0 &&
	    (c->core->tls == NULL || tls_pending(c->core->tls) == 0)) {
		/*
		 * Nothing pipelined: the client sends its next request after
		 * reading this response, so a read now would only say
		 * EAGAIN.  Wait for it.
		 */
		conn_sleep(c);
		return 0;
	}
	if (c->state == CONN_LINGER) {
		/*
		 * Closing with unread input would send a reset that can
		 * destroy the response in flight; drain for a bounded time
		 * first.
		 */
		if (c->core->tls != NULL)
			(void)tls_close(c->core->tls); /* close_notify */
		shutdown(c->fd, SHUT_WR);
		c->deadline_ms = now_ms() + LINGER_MS;
		conn_arm(c->core, EV_READ, LINGER_MS);
		return 0;
	}
	return 1;
}

/* Drain and discard input until EOF or the linger deadline, then close. */
static int
conn_state_linger(struct conn *c)
{
	char junk[4096];
	ssize_t n;

	while ((n = conn_io_read(c, junk, sizeof(junk))) > 0)
		;
	if (n == -1 && errno == EAGAIN && now_ms() < c->deadline_ms) {
		conn_arm(c->core, conn_want(c->core, EV_READ),
		    c->deadline_ms - now_ms());
		return 0;
	}
	conn_free(c);
	return 0;
}

/* A complete head is in c->req: decide persistence and serve it. */
static void
conn_dispatch(struct conn *c)
{
	const char *conn_hdr = httpreq_header(&c->req, "Connection");
	const char *cl = httpreq_header(&c->req, "Content-Length");
	const char *te = httpreq_header(&c->req, "Transfer-Encoding");
	char target[sizeof(c->reqline)];
	size_t i, j;

	/* RFC 9112 9.3: 1.1 persists unless "close"; 1.0 only if asked. */
	if (c->req.minor >= 1)
		c->keepalive = !httphdr_has_token(conn_hdr, "close");
	else
		c->keepalive = httphdr_has_token(conn_hdr, "keep-alive");
	/* We read no request bodies: one would desync the next request. */
	if (te != NULL || (cl != NULL && strcmp(cl, "0") != 0))
		c->keepalive = 0;
	if (c->w->stopping)
		c->keepalive = 0;

	/* "METHOD TARGET HTTP/1.x" for the access log, printable only,
	 * with any signed URL's sig written as "-" (auth_redact). */
	/* A method is any token: a long one must not push j past the end. */
	auth_redact(c->req.target, target, sizeof(target));
	j = strnlen(c->req.method, 32);
	memcpy(c->reqline, c->req.method, j);
	c->reqline[j++] = ' ';
	for (i = 0; target[i] != '\0' && j + 14 < sizeof(c->reqline); i++) {
		unsigned char ch = (unsigned char)target[i];

		if (ch < 0x21 || ch >= 0x7f || ch == '"' || ch == '\\') {
			c->reqline[j++] = '\\';
			c->reqline[j++] = 'x';
			c->reqline[j++] = "0123456789ABCDEF"[ch >> 4];
			c->reqline[j++] = "0123456789ABCDEF"[ch & 15];
		} else
			c->reqline[j++] = (char)ch;
	}
	memcpy(c->reqline + j, " HTTP/1.", 8);
	c->reqline[j + 8] = (char)('0' + c->req.minor); /* 0-9 */
	c->reqline[j + 9] = '\0';

	c->head_only = strcmp(c->req.method, "HEAD") == 0;
	c->signed_expires = 0; /* per request: set by serve_authorized */
	serve_request(c);
}

/*
 * The socket I/O of a connection, all in these three, plain or TLS.  They
 * return what read(2), send(2) and sendfile(2) return; a TLS "want" is
 * -1 with EAGAIN and the event it waits for in k->want (conn_want).
 */
static ssize_t
conn_io_read(struct conn *c, void *buf, size_t len)
{
	struct conn_core *k = c->core;

	if (k->tls == NULL)
		return read(c->fd, buf, len);
	return conn_tls_result(k, tls_read(k->tls, buf, len));
}

static ssize_t
conn_io_write(struct conn *c, const void *buf, size_t len, int flags)
{
	struct conn_core *k = c->core;

	if (k->tls == NULL)
		return send(c->fd, buf, len, MSG_NOSIGNAL | flags);
	return conn_tls_result(k, tls_write(k->tls, buf, len));
}

/* With TLS, only when kernel TLS sends (else conn_write_tls_copy). */
static ssize_t
conn_io_sendfile(struct conn *c, off_t *off, size_t len)
{
	struct conn_core *k = c->core;
	ssize_t n;

	if (k->tls == NULL)
		return sendfile(c->fd, c->file_fd, off, len);
	n = conn_tls_result(k, tls_sendfile(k->tls, c->file_fd, *off, len));
	if (n > 0)
		*off += n;
	return n;
}

/* A tls.c result as a system call's, with k->want set for a "want". */
static ssize_t
conn_tls_result(struct conn_core *k, ssize_t n)
{
	k->want = 0;
	if (n >= 0)
		return n;
	if (n == TLS_WANT_POLLIN || n == TLS_WANT_POLLOUT) {
		k->want = n == TLS_WANT_POLLIN ? EV_READ : EV_WRITE;
		errno = EAGAIN;
		return -1;
	}
	log_debug("%s: TLS %s", __func__, tls_error(k->tls));
	errno = ECONNRESET;
	return -1;
}

/* The event an EAGAIN waits for: TLS may want the other direction. */
static short
conn_want(const struct conn_core *k, short plain)
{
	return k->tls != NULL && k->want != 0 ? k->want : plain;
}

/* One writer per segment kind (enum seg_kind), see conn_write. */
static ssize_t (*const conn_seg_writers[])(struct conn *, struct seg *, int) = {
    [SEG_MEM] = conn_write_mem,
    [SEG_FILE] = conn_write_file,
    [SEG_GZIP] = conn_write_gzip,
};

/*
 * Write the response segments.  Returns 1 when all is sent, 0 when the
 * socket is full (the write event is armed), -1 on an error.
 */
static int
conn_write(struct conn *c)
{
	struct stats_slot *slot = c->w->slot;
	struct seg *s;
	ssize_t n;
	int more;

	if (c->core->tls != NULL && !c->core->ktls)
		return conn_write_tls(c);
	while (c->cur < c->nsegs) {
		s = &c->segs[c->cur];
		more = c->cur + 1 < c->nsegs ? MSG_MORE : 0;
		if ((size_t)s->kind >=
		    sizeof(conn_seg_writers) / sizeof(conn_seg_writers[0]))
			return -1;
		n = conn_seg_writers[s->kind](c, s, more);
		if (n == CONN_SEG_FAILED)
			return -1;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				conn_arm(c->core, conn_want(c->core, EV_WRITE),
				    (uint64_t)heritage.timeout_s * 1000);
				return 0;
			}
			log_debug("%s: %s: %s", __func__, conn_peer(c),
			    strerror(errno));
			return -1;
		}
		c->wire_bytes += (uint64_t)n;
		stats_add(slot, STATS_bytes_out, (uint64_t)n);
		if (s->len == 0)
			c->cur++;
	}
	return 1;
}

/*
 * TLS without kTLS: the response goes out through c->tbuf, filled from
 * the segments in order (memory copied, file bytes read with pread(2),
 * gzip pieces copied), so that a head and a small body share one TLS
 * record and one send; the buffer is written until empty, a write that
 * must be retried getting the same bytes, as OpenSSL requires.  As
 * conn_write: 1 all sent, 0 would block (armed), -1 an error.
 */
static int
conn_write_tls(struct conn *c)
{
	struct stats_slot *slot = c->w->slot;
	ssize_t n;

	for (;;) {
		if (c->tbuf_off == c->tbuf_len) {
			c->tbuf_off = c->tbuf_len = 0;
			if (conn_tls_fill(c) == -1)
				return -1;
			if (c->tbuf_len == 0)
				return 1;
		}
		n = conn_io_write(
		    c, c->tbuf + c->tbuf_off, c->tbuf_len - c->tbuf_off, 0);
		if (n > 0) {
			c->tbuf_off += (size_t)n;
			c->wire_bytes += (uint64_t)n;
			stats_add(slot, STATS_bytes_out, (uint64_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			conn_arm(c->core, conn_want(c->core, EV_WRITE),
			    (uint64_t)heritage.timeout_s * 1000);
			return 0;
		}
		return -1;
	}
}

/* Fill c->tbuf from the segments left: 0, or -1 when one failed. */
static int
conn_tls_fill(struct conn *c)
{
	struct stats_slot *slot = c->w->slot;
	struct seg *s;
	const char *p;
	size_t room, n;
	ssize_t got;
	int r;

	if (c->tbuf == NULL && (c->tbuf = malloc(TLS_COPY_BUF)) == NULL) {
		log_warn("%s: malloc", __func__);
		return -1;
	}
	while (c->cur < c->nsegs && c->tbuf_len < TLS_COPY_BUF) {
		s = &c->segs[c->cur];
		room = TLS_COPY_BUF - c->tbuf_len;
		n = s->len < (off_t)room ? (size_t)s->len : room;
		if (s->kind == SEG_MEM) {
			memcpy(c->tbuf + c->tbuf_len, c->out.data + s->off, n);
		} else if (s->kind == SEG_FILE) {
			got =
			    pread(c->file_fd, c->tbuf + c->tbuf_len, n, s->off);
			if (got == -1 && errno == EINTR)
				continue;
			if (got <= 0) {
				log_warnx(
				    "%s: %s: file truncated or unreadable "
				    "while sending",
				    __func__, conn_peer(c));
				return -1;
			}
			n = (size_t)got;
			stats_add(slot, STATS_file_bytes, n);
			stats_add(slot, STATS_tls_copy_bytes, n);
		} else {
			if ((r = gzip_pending(c->gz, &p, &n)) == -1) {
				log_warn(
				    "%s: %s: gzip", __func__, conn_peer(c));
				return -1;
			}
			if (r == 0) {
				c->cur++; /* the stream ended */
				continue;
			}
			n = n < room ? n : room;
			memcpy(c->tbuf + c->tbuf_len, p, n);
			gzip_consume(c->gz, n);
			c->tbuf_len += n;
			continue;
		}
		s->off += (off_t)n;
		s->len -= (off_t)n;
		c->tbuf_len += n;
		if (s->len == 0)
			c->cur++;
	}
	return 0;
}

/*
 * The segment writers send what they can of s and account for it in s.
 * They return the bytes sent, -1 with errno from the socket, or
 * CONN_SEG_FAILED when the response cannot go on.
 */
static ssize_t
conn_write_mem(struct conn *c, struct seg *s, int more)
{
	ssize_t n;

	n = conn_io_write(c, c->out.data + s->off, (size_t)s->len, more);
	if (n > 0) {
		s->off += n;
		s->len -= n;
	}
	return n;
}

static ssize_t
conn_write_file(struct conn *c, struct seg *s, int more)
{
	ssize_t n;

	(void)more; /* sendfile(2) takes no MSG_MORE */
	n = conn_io_sendfile(
	    c, &s->off, s->len > SENDFILE_MAX ? SENDFILE_MAX : (size_t)s->len);
	stats_add(c->w->slot, STATS_sendfile_calls, 1);
	if (n == 0) {
		/* The file shrank while we served it. */
		log_warnx("%s: %s: file truncated while sending", __func__,
		    conn_peer(c));
		return CONN_SEG_FAILED;
	}
	if (n > 0) {
		s->len -= n;
		stats_add(c->w->slot, STATS_file_bytes, (uint64_t)n);
	}
	return n;
}

static ssize_t
conn_write_gzip(struct conn *c, struct seg *s, int more)
{
	const char *p;
	size_t len;
	ssize_t n;
	int r;

	(void)more; /* gzip pieces go without MSG_MORE */
	r = gzip_pending(c->gz, &p, &len);
	if (r == -1) {
		log_warn("%s: %s: gzip", __func__, conn_peer(c));
		return CONN_SEG_FAILED;
	}
	if (r == 0) {
		s->len = 0;
		return 0;
	}
	n = conn_io_write(c, p, len, 0);
	if (n > 0)
		gzip_consume(c->gz, (size_t)n);
	return n;
}

/* The response is out: count it, log it, then keep alive or linger. */
static void
conn_finish(struct conn *c)
{
	struct stats_slot *slot = c->w->slot;
	size_t left;

	switch (c->status / 100) {
	case 1:
		stats_add(slot, STATS_resp_1xx, 1);
		break;
	case 2:
		stats_add(slot, STATS_resp_2xx, 1);
		break;
	case 3:
		stats_add(slot, STATS_resp_3xx, 1);
		break;
	case 4:
		stats_add(slot, STATS_resp_4xx, 1);
		break;
	default:
		stats_add(slot, STATS_resp_5xx, 1);
		break;
	}
	if (c->status == 206)
		stats_add(slot, STATS_resp_206, 1);
	conn_access_log(c);

	/* Pipelined bytes after this head move to the front. */
	left = c->in_len > c->req.head_len ? c->in_len - c->req.head_len : 0;
	if (left > 0)
		memmove(c->in, c->in + c->req.head_len, left);
	c->in_len = left;
	conn_reset_response(c);
	/*
	 * Per request, like the response: an error or timeout answer to
	 * the next head (which skips conn_dispatch) must not inherit a
	 * HEAD's "no body" and send a Content-Length with nothing after it.
	 */
	c->head_only = 0;
	/* Nor may the log line of such an answer name this request. */
	c->req.method = NULL;
	c->req.nheaders = 0;
	snprintf(c->reqline, sizeof(c->reqline), "-");
	/*
	 * Stopping after an answer that promised keep-alive: the client may
	 * already be sending its next request, so it goes idle for a short
	 * linger and that request is answered (with "Connection: close").
	 */
	if (!c->keepalive) {
		c->state = CONN_LINGER;
		return;
	}
	c->state = CONN_READING;
	if (left > 0)
		c->deadline_ms = now_ms() + (uint64_t)heritage.timeout_s * 1000;
}

static void
conn_reset_response(struct conn *c)
{
	if (c->gz != NULL) {
		stats_add(c->w->slot, STATS_gzip_in, gzip_bytes_in(c->gz));
		stats_add(c->w->slot, STATS_file_bytes, gzip_bytes_in(c->gz));
		stats_add(c->w->slot, STATS_gzip_out, gzip_bytes_out(c->gz));
		gzip_close(c->gz);
		c->gz = NULL;
	}
	if (c->file_fd != -1) {
		close(c->file_fd);
		c->file_fd = -1;
	}
	buf_reset(&c->out);
	c->tbuf_off = c->tbuf_len = 0;
	c->nsegs = c->cur = 0;
	c->wire_bytes = 0;
	c->head_bytes = 0;
	c->status = 0;
	c->chunked_body = 0;
}

/* One access log line per response (accesslog.c writes it). */
static void
conn_access_log(struct conn *c)
{
	struct accesslog_entry e;
	uint64_t head = c->head_bytes;

	if (heritage.access_fd == -1)
		return;
	memset(&e, 0, sizeof(e));
	if (c->req.method != NULL) {
		e.referer = httpreq_header(&c->req, "Referer");
		e.user_agent = httpreq_header(&c->req, "User-Agent");
	}
	e.peer = conn_peer(c);
	e.when = c->t_start;
	e.request = c->reqline;
	e.status = c->status;
	e.bytes = c->wire_bytes > head ? c->wire_bytes - head : 0;
	if (accesslog_write(heritage.access_fd, &e) == -1)
		stats_add(c->w->slot, STATS_errors, 1);
}

static const char *
conn_peer(struct conn *c)
{
	struct conn_core *k = c->core;

	if (c->peer[0] == '\0' &&
	    (k->af == 0 ||
	        inet_ntop(k->af == 4 ? AF_INET : AF_INET6, k->addr, c->peer,
	            sizeof(c->peer)) == NULL))
		snprintf(c->peer, sizeof(c->peer), "-");
	return c->peer;
}

static const char *
conn_date(void)
{
	static char date[40];
	static time_t last;
	time_t now = time(NULL);

	if (now != last) {
		httphdr_date_format(now, date, sizeof(date));
		last = now;
	}
	return date;
}

/* The reason phrases of the statuses hauld answers with. */
static const struct {
	int status;
	const char *reason;
} conn_reasons[] = {
    {200, "OK"},
    {201, "Created"},
    {204, "No Content"},
    {206, "Partial Content"},
    {304, "Not Modified"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Range Not Satisfiable"},
    {423, "Locked"},
    {431, "Request Header Fields Too Large"},
    {460, "Checksum Mismatch"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {503, "Service Unavailable"},
    {505, "HTTP Version Not Supported"},
    {507, "Insufficient Storage"},
};

const char *
conn_reason(int status)
{
	size_t i;

	for (i = 0; i < sizeof(conn_reasons) / sizeof(conn_reasons[0]); i++)
		if (conn_reasons[i].status == status)
			return conn_reasons[i].reason;
	return "Unknown";
}

void
conn_status(struct conn *c, int status)
{
	/* The head is put together without printf: it is per request. */
	const char code[4] = {(char)('0' + status / 100 % 10),
	    (char)('0' + status / 10 % 10), (char)('0' + status % 10), ' '};

	conn_reset_response(c);
	c->status = status;
	buf_adds(&c->out, "HTTP/1.1 ");
	buf_add(&c->out, code, sizeof(code));
	buf_adds(&c->out, conn_reason(status));
	buf_adds(&c->out, "\r\nServer: hauld/" PACKAGE_VERSION "\r\nDate: ");
	buf_adds(&c->out, conn_date());
	buf_adds(&c->out, "\r\n");
}

/*
 * "name: value" with value from fmt; the formats most headers use (a
 * plain string, "%s", "%lld") go without vsnprintf.
 */
void
conn_header(struct conn *c, const char *name, const char *fmt, ...)
{
	char val[512];
	const char *v = val;
	va_list ap;

	va_start(ap, fmt);
	if (strchr(fmt, '%') == NULL)
		v = fmt;
	else if (strcmp(fmt, "%s") == 0)
		v = va_arg(ap, const char *);
	else if (strcmp(fmt, "%lld") == 0) {
		long long n = va_arg(ap, long long);

		val[0] = '-';
		fmt_u64(val + (n < 0), n < 0 ? 0 - (uint64_t)n : (uint64_t)n);
	} else
		vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	buf_adds(&c->out, name);
	buf_add(&c->out, ": ", 2);
	buf_adds(&c->out, v);
	buf_add(&c->out, "\r\n", 2);
}

void
conn_end_head(struct conn *c)
{
	if (!c->keepalive)
		buf_adds(&c->out, "Connection: close\r\n");
	else if (c->req.minor == 0)
		buf_adds(&c->out, "Connection: keep-alive\r\n");
	buf_add(&c->out, "\r\n", 2);
	c->head_bytes = c->out.len;
	c->segs[0].kind = SEG_MEM;
	c->segs[0].off = 0;
	c->segs[0].len = (off_t)c->out.len;
	c->nsegs = 1;
}

void
conn_body_mem(struct conn *c, const void *p, size_t len)
{
	struct seg *s;

	if (c->head_only || len == 0)
		return;
	s = &c->segs[c->nsegs - 1];
	if (s->kind == SEG_MEM && (size_t)(s->off + s->len) == c->out.len) {
		s->len += (off_t)len; /* extends the segment before it */
	} else if (c->nsegs < CONN_MAX_SEGS) {
		s = &c->segs[c->nsegs++];
		s->kind = SEG_MEM;
		s->off = (off_t)c->out.len;
		s->len = (off_t)len;
	}
	buf_add(&c->out, p, len);
}

void
conn_set_file(struct conn *c, int fd)
{
	if (c->file_fd != -1)
		close(c->file_fd);
	c->file_fd = fd;
}

void
conn_body_file(struct conn *c, off_t off, off_t len)
{
	struct seg *s;

	if (c->head_only || len == 0 || c->nsegs == CONN_MAX_SEGS)
		return;
	s = &c->segs[c->nsegs++];
	s->kind = SEG_FILE;
	s->off = off;
	s->len = len;
}

void
conn_body_gzip(struct conn *c, struct gzip_stream *gz)
{
	struct seg *s;

	c->gz = gz;
	if (c->head_only || c->nsegs == CONN_MAX_SEGS)
		return;
	s = &c->segs[c->nsegs++];
	s->kind = SEG_GZIP;
	s->off = 0;
	s->len = 1; /* until gzip_pending says the stream ended */
}

void
conn_simple(struct conn *c, int status, const char *body)
{
	size_t len = strlen(body);

	conn_status(c, status);
	conn_header(c, "Content-Type", "text/plain; charset=utf-8");
	conn_header(c, "Content-Length", "%zu", len + 1);
	conn_end_head(c);
	conn_body_mem(c, body, len);
	conn_body_mem(c, "\n", 1);
}
