/*
 * A lean HTTP/1.1 client connection: see hclient.h.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/event.h>

#include "hclient.h"
#include "httphdr.h"
#include "stats.h"
#include "tls.h"

#define CHUNK_LINE_MAX 1024 /* a chunk-size line, extensions included */
#define TRAILER_MAX (16 * 1024)

enum hc_state {
	S_DOWN, /* no socket */
	S_IDLE, /* connected, nothing asked */
	S_CONNECTING,
	S_HANDSHAKE, /* TLS */
	S_WRITING,
	S_HEAD,
	S_BODY,  /* Content-Length or to the close */
	S_CSIZE, /* chunked: the size line */
	S_CDATA,
	S_CCRLF, /* the CRLF after a chunk's data */
	S_TRAILER,
};

enum framing { F_NONE, F_LENGTH, F_CLOSE, F_CHUNKED };

/* What one parsing step asks of hc_parse()'s loop. */
enum hc_step {
	STEP_END,   /* the exchange ended (reported) or was cancelled */
	STEP_MORE,  /* more bytes are needed */
	STEP_AGAIN, /* the state changed: go on */
};

struct hc_conn {
	struct event_base *base;
	char *host;
	unsigned short port;
	int timeout_s;
	int fd;
	struct event *ev;
	short ev_what; /* what ev is set up for */
	enum hc_state st;
	struct addrinfo *ai, *ai_cur;
	char *req; /* a copy, kept for a resend */
	size_t req_len, req_off, req_cap;
	/* A body sent from a file after req (hc_request_file); len 0: none. */
	int body_fd;
	uint64_t body_off, body_len, body_sent;
	size_t wpos, wlen; /* TLS: body bytes staged in buf[wpos..wlen) */
	const struct hc_cbs *cbs;
	void *arg;
	char *buf;       /* HC_READ bytes */
	size_t pos, len; /* unread bytes: buf[pos..len) */
	enum framing framing;
	int head_req;  /* the request in flight is a HEAD */
	uint64_t left; /* of the body or of the chunk */
	size_t trailer;
	struct httphdr_fields fields; /* of the head being parsed */
	int keepalive;
	int reused;  /* served a request before this one */
	int got_any; /* a response byte came */
	int resent;
	unsigned gen; /* changes on cancel or done */
	int in_cb, dead;
	/* A failure inside hc_request() is reported from the loop. */
	int sync;
	struct event *defer;
	const struct hc_cbs *pend_cbs;
	void *pend_arg;
	enum hc_err pend_err;
	const char *pend_why;
	struct tls_cfg *tls_cfg; /* NULL: plain HTTP */
	struct tls *tls;
	struct stats_slot *slot;
	short want;        /* the event an EAGAIN waits for (TLS may turn it) */
	char tls_why[300]; /* a TLS failure, kept past the close */
};

static void hc_event_cb(evutil_socket_t, short, void *);
static int hc_value_ok(const char *);
static int hc_head_parse(
    struct hc_conn *, char *, char *, int *, int *, const char **);
static int hc_framing(struct hc_conn *, int, int, const char **);
static int hc_head(struct hc_conn *, char *, char *, const char **);
static int hc_give(struct hc_conn *, const char *, size_t);
static enum hc_step hc_end(struct hc_conn *, enum hc_err, const char *);
static char *hc_head_end(struct hc_conn *, char *);
static enum hc_step hc_st_head(struct hc_conn *);
static enum hc_step hc_st_body(struct hc_conn *);
static int hc_chunk_size(const char *, const char *, uint64_t *);
static enum hc_step hc_st_csize(struct hc_conn *);
static enum hc_step hc_st_cdata(struct hc_conn *);
static enum hc_step hc_st_ccrlf(struct hc_conn *);
static enum hc_step hc_st_trailer(struct hc_conn *);
static int hc_parse(struct hc_conn *);
static void hc_handshake(struct hc_conn *);
static ssize_t hc_io(struct hc_conn *, ssize_t);
static ssize_t hc_read(struct hc_conn *, char *, size_t);
static void hc_idle_readable(struct hc_conn *);
static void hc_read_failed(struct hc_conn *, ssize_t);
static void hc_connected(struct hc_conn *, short);

static void
hc_close(struct hc_conn *c)
{
	if (c->ev != NULL) {
		event_free(c->ev);
		c->ev = NULL;
	}
	c->ev_what = 0;
	tls_free(c->tls);
	c->tls = NULL;
	if (c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
	c->st = S_DOWN;
	c->reused = 0;
	c->pos = c->len = 0;
}

/* Watch the socket for what (EV_READ or EV_WRITE), with the timeout. */
static int
hc_watch(struct hc_conn *c, short what, int timed)
{
	struct timeval tv = {c->timeout_s, 0};

	if (c->ev == NULL || c->ev_what != what) {
		if (c->ev != NULL)
			event_free(c->ev);
		c->ev = event_new(
		    c->base, c->fd, what | EV_PERSIST, hc_event_cb, c);
		if (c->ev == NULL)
			return -1;
		c->ev_what = what;
	}
	return event_add(c->ev, timed ? &tv : NULL);
}

/* The exchange ended: report it.  The connection is idle or down. */
static void
hc_finish(struct hc_conn *c, enum hc_err err, const char *why)
{
	const struct hc_cbs *cbs = c->cbs;
	void *arg = c->arg;

	if (err != HC_OK || !c->keepalive || c->pos != c->len) {
		/* Errors, close-delimited bodies and stray bytes: no reuse. */
		hc_close(c);
	} else if (c->fd != -1) {
		c->st = S_IDLE;
		c->reused = 1;
		c->pos = c->len = 0;
		/* Idle: watch for the origin closing, no timeout. */
		if (hc_watch(c, EV_READ, 0) == -1)
			hc_close(c);
	} else {
		c->st = S_DOWN; /* hc_test_feed() */
		c->pos = c->len = 0;
	}
	c->gen++;
	c->cbs = NULL;
	c->arg = NULL;
	if (c->sync) {
		struct timeval zero = {0, 0};

		c->pend_cbs = cbs;
		c->pend_arg = arg;
		c->pend_err = err;
		c->pend_why = why;
		evtimer_add(c->defer, &zero);
		return;
	}
	c->in_cb++;
	cbs->done(arg, err, why);
	c->in_cb--;
}

static void
hc_defer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hc_conn *c = arg;
	const struct hc_cbs *cbs = c->pend_cbs;

	(void)fd;
	(void)what;
	c->pend_cbs = NULL;
	if (cbs == NULL)
		return;
	c->in_cb++;
	cbs->done(c->pend_arg, c->pend_err, c->pend_why);
	c->in_cb--;
	if (c->dead && c->in_cb == 0)
		hc_free(c);
}

static int hc_connect(struct hc_conn *);
static void hc_write(struct hc_conn *);

/*
 * The connection failed before the answer began.  A kept-alive
 * connection the origin closed just as we asked is no fault of the
 * request: send it again, once, on a fresh connection.
 */
static void
hc_fail_net(struct hc_conn *c, const char *why)
{
	if (c->reused && !c->got_any && !c->resent && c->st <= S_HEAD) {
		c->resent = 1;
		hc_close(c);
		c->req_off = 0;
		c->body_sent = 0;
		c->wpos = c->wlen = 0;
		if (hc_connect(c) == 0)
			return;
	}
	hc_finish(c, HC_ENET, why);
}

static int
hc_connect(struct hc_conn *c)
{
	struct addrinfo hints;
	char port[8];
	int one = 1;

	if (c->ai == NULL) {
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_ADDRCONFIG;
		snprintf(port, sizeof(port), "%u", c->port);
		if (getaddrinfo(c->host, port, &hints, &c->ai) != 0) {
			c->ai = NULL;
			return -1;
		}
		c->ai_cur = c->ai;
	}
	for (; c->ai_cur != NULL; c->ai_cur = c->ai_cur->ai_next) {
		c->fd = socket(c->ai_cur->ai_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd == -1)
			continue;
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(c->fd, c->ai_cur->ai_addr, c->ai_cur->ai_addrlen) ==
		        0 ||
		    errno == EINPROGRESS) {
			c->st = S_CONNECTING;
			if (hc_watch(c, EV_WRITE, 1) == 0)
				return 0;
		}
		hc_close(c);
	}
	c->ai_cur = c->ai; /* from the first address next time */
	return -1;
}

/*
 * Some of the file body: sendfile(2) on a plain socket; over TLS, read
 * into buf (idle while a request is sent) and written from there, the
 * same bytes offered again after a "want" as OpenSSL requires.  As
 * send(2) answers; 0 when the file ends early.
 */
static ssize_t
hc_write_body(struct hc_conn *c)
{
	uint64_t left = c->body_len - c->body_sent;
	off_t off = (off_t)(c->body_off + c->body_sent);
	size_t n = left < HC_READ ? (size_t)left : HC_READ;
	ssize_t r;

	if (c->tls == NULL)
		return sendfile(c->fd, c->body_fd, &off, n);
	if (c->wpos == c->wlen) {
		if ((r = pread(c->body_fd, c->buf, n, off)) <= 0)
			return r;
		c->wpos = 0;
		c->wlen = (size_t)r;
	}
	r = hc_io(c, tls_write(c->tls, c->buf + c->wpos, c->wlen - c->wpos));
	if (r > 0)
		c->wpos += (size_t)r;
	return r;
}

/* The request's next bytes: its head, then its file body. */
static ssize_t
hc_write_some(struct hc_conn *c)
{
	c->want = EV_WRITE;
	if (c->req_off < c->req_len) {
		if (c->tls != NULL)
			return hc_io(c,
			    tls_write(c->tls, c->req + c->req_off,
			        c->req_len - c->req_off));
		return send(c->fd, c->req + c->req_off, c->req_len - c->req_off,
		    MSG_NOSIGNAL);
	}
	return hc_write_body(c);
}

static void
hc_write(struct hc_conn *c)
{
	ssize_t n;

	c->st = S_WRITING;
	while (c->req_off < c->req_len || c->body_sent < c->body_len) {
		n = hc_write_some(c);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (hc_watch(c, c->want, 1) == -1)
				hc_finish(
				    c, HC_ENET, "cannot watch the socket");
			return;
		}
		if (n == 0) { /* only the file body can come up short */
			hc_finish(c, HC_EABORT, "the file to send shrank");
			return;
		}
		if (n == -1) {
			hc_fail_net(c,
			    c->tls_why[0] ? c->tls_why
			                  : "cannot send the request");
			return;
		}
		if (c->req_off < c->req_len)
			c->req_off += (size_t)n;
		else
			c->body_sent += (uint64_t)n;
	}
	c->st = S_HEAD;
	c->pos = c->len = 0;
	if (hc_watch(c, EV_READ, 1) == -1)
		hc_finish(c, HC_ENET, "cannot watch the socket");
}

int
hc_parse_status(const char *l, size_t len, int *status, int *minor)
{
	/* "HTTP/1.x SSS" then nothing, or a space and any reason. */
	if (len < 12 || memcmp(l, "HTTP/1.", 7) != 0 || l[7] < '0' ||
	    l[7] > '9' || l[8] != ' ' || l[9] < '1' || l[9] > '5' ||
	    l[10] < '0' || l[10] > '9' || l[11] < '0' || l[11] > '9' ||
	    (len > 12 && l[12] != ' '))
		return -1;
	*minor = l[7] - '0';
	*status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	return 0;
}

/*
 * A CR inside a value is refused, as evhttp_add_header() refused it when
 * these fields were kept in an evkeyvalq; the value ends at its first
 * NUL, as a C string.
 */
static int
hc_value_ok(const char *v)
{
	return strchr(v, '\r') == NULL;
}

/*
 * The status line and the fields of the head in p[0..end), into
 * c->fields: 0, or -1 with *why.
 */
static int
hc_head_parse(struct hc_conn *c, char *p, char *end, int *status, int *minor,
    const char **why)
{
	struct httphdr_fields *h = &c->fields;
	char *nl, *ve;
	size_t i;

	nl = memchr(p, '\n', (size_t)(end - p));
	ve = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
	*ve = '\0';
	if (hc_parse_status(p, (size_t)(ve - p), status, minor) == -1) {
		*why = "bad status line";
		return -1;
	}
	h->n = 0;
	if (httphdr_fields_parse(
	        nl + 1, end, 0, h->f, HTTPHDR_FIELDS_MAX, &h->n) != HTTPHDR_OK)
		return -1;
	for (i = 0; i < h->n; i++)
		if (!hc_value_ok(h->f[i].value))
			return -1;
	return 0;
}

/*
 * How the body of a final answer is framed (RFC 9112 6.3), and whether
 * the connection may serve another request: 0, or -1 with *why.
 */
static int
hc_framing(struct hc_conn *c, int status, int minor, const char **why)
{
	const struct httphdr_fields *h = &c->fields;
	const char *te, *conn, *last;
	uint64_t cl = 0;
	int cls;

	conn = httphdr_find(h->f, h->n, "Connection");
	c->keepalive =
	    minor >= 1 ? !(conn && httphdr_has_token(conn, "close")) : 0;
	te = httphdr_find(h->f, h->n, "Transfer-Encoding");
	if ((cls = httphdr_length(h->f, h->n, &cl)) == -1) {
		*why = "bad Content-Length";
		return -1;
	}
	/* RFC 9112 6.3: no body after HEAD, 204 or 304, whatever the
	 * fields say (a HEAD's Content-Length is the GET's). */
	if (c->head_req || status == 204 || status == 304) {
		c->framing = F_NONE;
	} else if (te != NULL) {
		if (minor == 0) {
			*why = "Transfer-Encoding in HTTP/1.0";
			return -1;
		}
		/* Chunked only when it is the last coding. */
		last = strrchr(te, ',');
		last = last ? last + 1 : te;
		while (*last == ' ' || *last == '\t')
			last++;
		if (strncasecmp(last, "chunked", 7) == 0 &&
		    (last[7] == '\0' || last[7] == ' ' || last[7] == '\t')) {
			c->framing = F_CHUNKED;
			if (cls)
				c->keepalive = 0; /* both: close after */
		} else {
			c->framing = F_CLOSE;
			c->keepalive = 0;
		}
	} else if (cls) {
		c->framing = cl > 0 ? F_LENGTH : F_NONE;
		c->left = cl;
	} else {
		c->framing = F_CLOSE;
		c->keepalive = 0;
	}
	return 0;
}

/*
 * One response head in buf[pos..end): parse it, decide the framing and
 * call head().  0 ok, 1 skipped (1xx), 2 cancelled from head(), 3
 * refused by head(), -1 with *why on a bad head.
 */
static int
hc_head(struct hc_conn *c, char *p, char *end, const char **why)
{
	int status = 0, minor = 0, r;
	unsigned gen = c->gen;

	*why = "bad response head";
	if (hc_head_parse(c, p, end, &status, &minor, why) == -1)
		return -1;
	if (status >= 100 && status < 200) {
		if (status == 101) {
			*why = "origin switched protocols";
			return -1;
		}
		return 1; /* interim: the real answer follows */
	}
	if (hc_framing(c, status, minor, why) == -1)
		return -1;
	c->in_cb++;
	r = c->cbs->head(c->arg, status, &c->fields);
	c->in_cb--;
	if (c->gen != gen || c->dead)
		return 2; /* cancelled from the callback */
	if (r == -1)
		return 3; /* refused by the caller */
	return r;
}

/*
 * Hand body bytes to the caller: 0, or -1 when it refused them (the
 * exchange is then reported ended) or cancelled from the callback.
 */
static int
hc_give(struct hc_conn *c, const char *p, size_t n)
{
	unsigned gen = c->gen;
	int r;

	if (n == 0)
		return 0;
	c->in_cb++;
	r = c->cbs->body(c->arg, p, n);
	c->in_cb--;
	if (c->gen != gen || c->dead)
		return -1;
	if (r == -1) {
		hc_finish(c, HC_EABORT, "refused by the caller");
		return -1;
	}
	return 0;
}

/* End the exchange and report it (hc_finish) from a parsing step. */
static enum hc_step
hc_end(struct hc_conn *c, enum hc_err err, const char *why)
{
	hc_finish(c, err, why);
	return STEP_END;
}

/* The blank line that ends the head starting at p, or NULL. */
static char *
hc_head_end(struct hc_conn *c, char *p)
{
	char *end = c->buf + c->len, *nl;

	for (nl = memchr(p, '\n', (size_t)(end - p)); nl != NULL;
	     nl = memchr(nl + 1, '\n', (size_t)(end - nl - 1))) {
		if (nl + 1 < end && nl[1] == '\n')
			return nl + 2;
		if (nl + 2 < end && nl[1] == '\r' && nl[2] == '\n')
			return nl + 3;
	}
	return NULL;
}

/* S_HEAD: a whole head, then the body's state (or a 1xx's next head). */
static enum hc_step
hc_st_head(struct hc_conn *c)
{
	char *p = c->buf + c->pos, *e = hc_head_end(c, p);
	const char *why;
	int r;

	if (e == NULL) {
		if (c->len - c->pos >= HC_HEAD_MAX)
			return hc_end(c, HC_EPROTO, "response head too large");
		return STEP_MORE;
	}
	if ((size_t)(e - p) > HC_HEAD_MAX)
		return hc_end(c, HC_EPROTO, "response head too large");
	r = hc_head(c, p, e, &why);
	if (r == 2)
		return STEP_END;
	if (r == -1)
		return hc_end(c, HC_EPROTO, why);
	if (r == 3)
		return hc_end(c, HC_EABORT, "refused by the caller");
	c->pos = (size_t)(e - c->buf);
	if (r == 1)
		return STEP_AGAIN; /* 1xx: parse the next head */
	if (c->framing == F_NONE)
		return hc_end(c, HC_OK, NULL);
	c->st = c->framing == F_CHUNKED ? S_CSIZE : S_BODY;
	return STEP_AGAIN;
}

/* S_BODY: Content-Length or to the close. */
static enum hc_step
hc_st_body(struct hc_conn *c)
{
	size_t n = c->len - c->pos;

	if (c->framing == F_LENGTH && n > c->left)
		n = (size_t)c->left;
	if (hc_give(c, c->buf + c->pos, n) != 0)
		return STEP_END;
	c->pos += n;
	if (c->framing == F_LENGTH) {
		c->left -= n;
		if (c->left == 0)
			return hc_end(c, HC_OK, NULL);
	}
	return STEP_MORE;
}

/*
 * chunk-size [ chunk-ext ] in p[0..nl), nl its LF: at most 15 hex
 * digits, then extensions (not read), or the line's end.  0 or -1.
 */
static int
hc_chunk_size(const char *p, const char *nl, uint64_t *out)
{
	uint64_t v = 0;
	int digits, x;

	for (digits = 0; p < nl; p++, digits++) {
		if (*p >= '0' && *p <= '9')
			x = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			x = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			x = *p - 'A' + 10;
		else
			break;
		if (digits >= 15)
			return -1;
		v = v * 16 + (uint64_t)x;
	}
	if (digits == 0 ||
	    (p < nl && *p != ';' && *p != ' ' && *p != '\t' &&
	        !(*p == '\r' && p + 1 == nl)))
		return -1;
	*out = v;
	return 0;
}

/* S_CSIZE: a chunk-size line; size 0 starts the trailer. */
static enum hc_step
hc_st_csize(struct hc_conn *c)
{
	char *p = c->buf + c->pos, *nl = memchr(p, '\n', c->len - c->pos);
	uint64_t v;

	if (nl == NULL) {
		if (c->len - c->pos > CHUNK_LINE_MAX)
			return hc_end(c, HC_EPROTO, "chunk size line too long");
		return STEP_MORE;
	}
	if (hc_chunk_size(p, nl, &v) == -1)
		return hc_end(c, HC_EPROTO, "bad chunk size");
	c->pos = (size_t)(nl + 1 - c->buf);
	c->left = v;
	c->st = v == 0 ? S_TRAILER : S_CDATA;
	c->trailer = 0;
	return STEP_AGAIN;
}

/* S_CDATA: a chunk's data. */
static enum hc_step
hc_st_cdata(struct hc_conn *c)
{
	size_t n = c->len - c->pos;

	if (n > c->left)
		n = (size_t)c->left;
	if (hc_give(c, c->buf + c->pos, n) != 0)
		return STEP_END;
	c->pos += n;
	c->left -= n;
	if (c->left > 0)
		return STEP_MORE;
	c->st = S_CCRLF;
	return STEP_AGAIN;
}

/* S_CCRLF: the CRLF (or LF) after a chunk's data. */
static enum hc_step
hc_st_ccrlf(struct hc_conn *c)
{
	const char *p = c->buf + c->pos;
	size_t n = c->len - c->pos;

	if (n >= 1 && p[0] == '\n')
		c->pos += 1;
	else if (n >= 2 && p[0] == '\r' && p[1] == '\n')
		c->pos += 2;
	else if (n < 2 && (n == 0 || p[0] == '\r'))
		return STEP_MORE;
	else
		return hc_end(c, HC_EPROTO, "no CRLF after a chunk");
	c->st = S_CSIZE;
	return STEP_AGAIN;
}

/* S_TRAILER: trailer lines, skipped, up to the blank line. */
static enum hc_step
hc_st_trailer(struct hc_conn *c)
{
	char *p = c->buf + c->pos, *nl = memchr(p, '\n', c->len - c->pos);

	if (nl == NULL) {
		if (c->trailer + (c->len - c->pos) > TRAILER_MAX)
			return hc_end(c, HC_EPROTO, "trailer too large");
		return STEP_MORE;
	}
	c->trailer += (size_t)(nl + 1 - p);
	c->pos = (size_t)(nl + 1 - c->buf);
	if (c->trailer > TRAILER_MAX)
		return hc_end(c, HC_EPROTO, "trailer too large");
	if (nl == p || (nl == p + 1 && p[0] == '\r'))
		return hc_end(c, HC_OK, NULL);
	return STEP_AGAIN;
}

/*
 * Parse what is buffered, state by state.  Returns 1 when more bytes are
 * needed, 0 when the exchange ended (reported) or was cancelled.
 */
static int
hc_parse(struct hc_conn *c)
{
	enum hc_step r;

	for (;;) {
		switch (c->st) {
		case S_HEAD:
			r = hc_st_head(c);
			break;
		case S_BODY:
			r = hc_st_body(c);
			break;
		case S_CSIZE:
			r = hc_st_csize(c);
			break;
		case S_CDATA:
			r = hc_st_cdata(c);
			break;
		case S_CCRLF:
			r = hc_st_ccrlf(c);
			break;
		case S_TRAILER:
			r = hc_st_trailer(c);
			break;
		default:
			return 0;
		}
		if (r != STEP_AGAIN)
			return r == STEP_MORE;
	}
}

/* Room to read into, keeping the unparsed tail at the buffer's start. */
static size_t
hc_room(struct hc_conn *c)
{
	if (c->pos == c->len) {
		c->pos = c->len = 0;
	} else if (c->pos > 0 && c->len - c->pos < HC_READ / 2) {
		memmove(c->buf, c->buf + c->pos, c->len - c->pos);
		c->len -= c->pos;
		c->pos = 0;
	}
	return HC_READ - c->len;
}

/* Readable: read big, parse, repeat while the socket has more. */
static void
hc_readable(struct hc_conn *c)
{
	ssize_t n;
	size_t room;
	int rounds;

	/* TLS may have waited for POLLOUT in the middle of a read. */
	if (c->ev_what != EV_READ && hc_watch(c, EV_READ, 1) == -1) {
		hc_finish(c, HC_ENET, "cannot watch the socket");
		return;
	}
	for (rounds = 0; rounds < 32; rounds++) {
		room = hc_room(c);
		if (room == 0) {
			/* Only a head can fill the buffer unparsed. */
			hc_finish(c, HC_EPROTO, "response head too large");
			return;
		}
		n = hc_read(c, c->buf + c->len, room);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (c->want != EV_READ && hc_watch(c, c->want, 1) == -1)
				hc_finish(
				    c, HC_ENET, "cannot watch the socket");
			return;
		}
		if (n == 0 && c->st == S_BODY && c->framing == F_CLOSE) {
			hc_finish(c, HC_OK, NULL); /* close-delimited */
			return;
		}
		if (n <= 0) {
			hc_read_failed(c, n);
			return;
		}
		c->got_any = 1;
		c->len += (size_t)n;
		if (hc_parse(c) == 0)
			return;
		/* Drained: wait for the next event.  TLS reads a record at
		 * a time: read on until it says "want". */
		if ((size_t)n < room && c->tls == NULL)
			return;
	}
	/* Rounds used up with bytes decrypted and waiting: come back. */
	if (c->tls != NULL && tls_pending(c->tls) > 0)
		event_active(c->ev, EV_READ, 0);
}

/* A read came to the end of the stream (n 0) or an error (n -1). */
static void
hc_read_failed(struct hc_conn *c, ssize_t n)
{
	const char *why;

	if (n < 0 && c->tls_why[0] != '\0')
		why = c->tls_why;
	else if (n < 0)
		why = "connection reset";
	else if (!c->got_any)
		why = "origin closed the connection";
	else
		why = "origin closed the connection early";
	if (!c->got_any)
		hc_fail_net(c, why);
	else
		hc_finish(c, HC_ENET, why);
}

/* A read, plain or TLS, as read(2) answers (hc_io for TLS). */
static ssize_t
hc_read(struct hc_conn *c, char *p, size_t len)
{
	c->want = EV_READ;
	if (c->tls == NULL)
		return read(c->fd, p, len);
	return hc_io(c, tls_read(c->tls, p, len));
}

/*
 * A tls.c result as a system call's: a "want" is -1 with EAGAIN and the
 * event in c->want; a TLS error is -1 with ECONNRESET, its reason kept.
 */
static ssize_t
hc_io(struct hc_conn *c, ssize_t n)
{
	if (n >= 0)
		return n;
	if (n == TLS_WANT_POLLIN || n == TLS_WANT_POLLOUT) {
		c->want = n == TLS_WANT_POLLIN ? EV_READ : EV_WRITE;
		errno = EAGAIN;
		return -1;
	}
	snprintf(c->tls_why, sizeof(c->tls_why), "TLS %s", tls_error(c->tls));
	errno = ECONNRESET;
	return -1;
}

/*
 * TLS: the handshake after the connect, under the timeout.  A failure is
 * HC_ETLS with the reason (a certificate that does not verify, a name
 * that does not match): retrying will not change it.
 */
static void
hc_handshake(struct hc_conn *c)
{
	int r;

	c->st = S_HANDSHAKE;
	if (c->tls == NULL &&
	    (c->tls = tls_new(c->tls_cfg, c->fd, c->host)) == NULL) {
		hc_finish(c, HC_ENET, "out of memory for TLS");
		return;
	}
	r = tls_handshake(c->tls);
	if (r == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT) {
		if (hc_watch(c, r == TLS_WANT_POLLIN ? EV_READ : EV_WRITE, 1) ==
		    -1)
			hc_finish(c, HC_ENET, "cannot watch the socket");
		return;
	}
	if (r != 0) {
		snprintf(c->tls_why, sizeof(c->tls_why), "TLS %s",
		    tls_error(c->tls));
		hc_finish(c, HC_ETLS, c->tls_why);
		return;
	}
	if (c->slot != NULL) {
		stats_add(c->slot, STATS_tls_handshakes, 1);
		if (tls_resumed(c->tls))
			stats_add(c->slot, STATS_tls_resumed, 1);
	}
	c->req_off = 0;
	hc_write(c);
}

/*
 * Readable while idle: the origin closed, or babbled, and the connection
 * goes; over TLS it may be a TLS 1.3 session ticket, which is kept.
 */
static void
hc_idle_readable(struct hc_conn *c)
{
	char b[512];
	ssize_t n;

	if (c->tls != NULL) {
		n = hc_read(c, b, sizeof(b));
		if (n == -1 && errno == EAGAIN && c->want == EV_READ)
			return;
	}
	hc_close(c);
}

/* The connect finished, failed or timed out. */
static void
hc_connected(struct hc_conn *c, short what)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (what & EV_TIMEOUT) {
		hc_finish(c, HC_ETIMEOUT, "connecting timed out");
		return;
	}
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
	    err != 0) {
		/* This address refused: the next one, if any. */
		hc_close(c);
		if (c->ai_cur != NULL)
			c->ai_cur = c->ai_cur->ai_next;
		if (c->ai_cur != NULL && hc_connect(c) == 0)
			return;
		c->ai_cur = c->ai;
		hc_finish(c, HC_ENET, "cannot connect to the origin");
		return;
	}
	if (c->tls_cfg != NULL) {
		hc_handshake(c);
		return;
	}
	c->req_off = 0;
	hc_write(c);
}

static void
hc_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hc_conn *c = arg;

	(void)fd;
	c->in_cb++;
	switch (c->st) {
	case S_IDLE:
		hc_idle_readable(c);
		break;
	case S_CONNECTING:
		hc_connected(c, what);
		break;
	case S_HANDSHAKE:
		if (what & EV_TIMEOUT)
			hc_finish(c, HC_ETIMEOUT, "TLS handshake timed out");
		else
			hc_handshake(c);
		break;
	case S_WRITING:
		if (what & EV_TIMEOUT)
			hc_finish(c, HC_ETIMEOUT, "sending timed out");
		else
			hc_write(c);
		break;
	case S_DOWN:
		break;
	default:
		if (what & EV_TIMEOUT)
			hc_finish(c, HC_ETIMEOUT, "origin timed out");
		else
			hc_readable(c);
		break;
	}
	c->in_cb--;
	if (c->dead && c->in_cb == 0)
		hc_free(c);
}

struct hc_conn *
hc_new(struct event_base *base, const char *host, unsigned short port,
    int timeout_s)
{
	struct hc_conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->host = strdup(host)) == NULL ||
	    (c->buf = malloc(HC_READ + 1)) == NULL) {
		free(c->host);
		free(c);
		return NULL;
	}
	if ((c->defer = evtimer_new(base, hc_defer_cb, c)) == NULL) {
		free(c->buf);
		free(c->host);
		free(c);
		return NULL;
	}
	c->base = base;
	c->port = port;
	c->timeout_s = timeout_s > 0 ? timeout_s : 60;
	c->fd = -1;
	c->st = S_DOWN;
	return c;
}

void
hc_set_tls(struct hc_conn *c, struct tls_cfg *cfg, struct stats_slot *slot)
{
	c->tls_cfg = cfg;
	c->slot = slot;
}

int
hc_request(struct hc_conn *c, const char *req, size_t len,
    const struct hc_cbs *cbs, void *arg)
{
	return hc_request_file(c, req, len, -1, 0, 0, cbs, arg);
}

int
hc_request_file(struct hc_conn *c, const char *req, size_t len, int fd,
    uint64_t off, uint64_t blen, const struct hc_cbs *cbs, void *arg)
{
	char *copy;

	if (c->cbs != NULL || c->pend_cbs != NULL || c->dead)
		return -1;
	if (len > c->req_cap) { /* grown, not allocated per request */
		if ((copy = realloc(c->req, len)) == NULL)
			return -1;
		c->req = copy;
		c->req_cap = len;
	}
	memcpy(c->req, req, len);
	c->req_len = len;
	c->head_req = len >= 5 && memcmp(req, "HEAD ", 5) == 0;
	c->req_off = 0;
	c->body_fd = fd;
	c->body_off = off;
	c->body_len = blen;
	c->body_sent = 0;
	c->wpos = c->wlen = 0;
	c->cbs = cbs;
	c->arg = arg;
	c->got_any = 0;
	c->resent = 0;
	c->tls_why[0] = '\0';
	c->framing = F_NONE;
	c->left = 0;
	c->gen++;
	c->sync = 1;
	if (c->st == S_IDLE) {
		hc_write(c);
	} else {
		hc_close(c);
		if (hc_connect(c) == -1)
			hc_finish(c, HC_ENET, "cannot connect to the origin");
	}
	c->sync = 0;
	return 0;
}

/* No callback for the exchange runs from now on, deferred ones included. */
static void
hc_detach(struct hc_conn *c)
{
	c->pend_cbs = NULL;
	evtimer_del(c->defer);
	c->cbs = NULL;
	c->arg = NULL;
	c->gen++;
}

void
hc_cancel(struct hc_conn *c)
{
	int busy;

	if (c == NULL)
		return;
	busy = c->cbs != NULL;
	hc_detach(c);
	if (busy)
		hc_close(c);
}

void
hc_free(struct hc_conn *c)
{
	if (c == NULL)
		return;
	hc_detach(c);
	if (c->in_cb > 0) {
		c->dead = 1; /* finish once the handler unwinds */
		return;
	}
	hc_close(c);
	event_free(c->defer);
	if (c->ai != NULL)
		freeaddrinfo(c->ai);
	free(c->req);
	free(c->buf);
	free(c->host);
	free(c);
}

int
hc_test_feed(struct hc_conn *c, const char *data, size_t len,
    const struct hc_cbs *cbs, void *arg)
{
	size_t room, n;

	if (c->cbs == NULL) {
		if (c->fd != -1 || cbs == NULL)
			return -1;
		c->cbs = cbs;
		c->arg = arg;
		c->st = S_HEAD;
		c->pos = c->len = 0;
		c->got_any = 1;
		c->gen++;
	}
	if (len == 0) {
		/* The origin closed the connection. */
		if (c->st == S_BODY && c->framing == F_CLOSE)
			hc_finish(c, HC_OK, NULL);
		else
			hc_finish(c, HC_ENET,
			    "origin closed the connection "
			    "early");
		return 0;
	}
	while (len > 0) {
		if ((room = hc_room(c)) == 0) {
			hc_finish(c, HC_EPROTO, "response head too large");
			return 0;
		}
		n = len < room ? len : room;
		memcpy(c->buf + c->len, data, n);
		c->len += n;
		data += n;
		len -= n;
		if (hc_parse(c) == 0)
			return 0;
	}
	return 1;
}
