/*
 * One client connection: read a request head, hand it to serve.c, write
 * the response (memory, sendfile or gzip segments), then keep the
 * connection alive, linger, or close.  Everything non-blocking on one
 * event per connection.
 */
#ifndef HAUL_CONN_H
#define HAUL_CONN_H

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <stdint.h>
#include <time.h>

#include "httpreq.h"
#include "util.h"

struct worker;
struct gzip_stream;

#define CONN_MAX_SEGS 40 /* 2 per range of a multipart body, + 2 */

enum seg_kind { SEG_MEM, SEG_FILE, SEG_GZIP };

struct seg {
	enum seg_kind kind;
	off_t off; /* MEM: offset in out; FILE: file offset */
	off_t len; /* bytes left to write (MEM, FILE) */
};

enum conn_state {
	CONN_HANDSHAKE, /* TLS: before the first request */
	CONN_READING,   /* waiting for / reading a request head */
	CONN_BODY,      /* handing a request body to serve.c (uploads) */
	CONN_WRITING,   /* sending a response */
	CONN_LINGER,    /* response sent; draining input before close */
};

/*
 * A connection is two allocations.  What it keeps for its whole life (the
 * socket, its event, the peer's address) is a small core, private to
 * conn.c.  struct conn, with the input buffer, the parsed request and the
 * response, exists only while a request is read or answered: an idle
 * keep-alive connection has none (nginx frees its buffers the same way).
 * conn_accept() and a readable idle connection allocate it; it is freed
 * when the connection goes idle with nothing buffered.
 */
struct conn_core;
struct conn_sink;

struct conn {
	TAILQ_ENTRY(conn) entry; /* on w->conns: connections not idle */
	struct worker *w;
	struct conn_core *core;
	int fd;
	enum conn_state state;
	uint64_t deadline_ms; /* header read deadline (slowloris bound) */
	size_t in_len;

	/* The response. */
	int status;
	int keepalive;
	int head_only;
	int chunked_body;
	struct buf out; /* status line, headers, small bodies */
	unsigned nsegs, cur;
	int file_fd;
	struct gzip_stream *gz;
	uint64_t head_bytes; /* length of the response head */
	uint64_t wire_bytes;
	time_t t_start;
	char peer[48];            /* the address as text, made when needed */
	int peer_verified;        /* TLS: a client certificate was verified */
	long long signed_expires; /* authorized by a signed URL: its expires */
	int tls_sniffed;          /* TLS: the first bytes were looked at */
	/* A request body being read (conn_read_body). */
	const struct conn_sink *sink;
	void *sink_arg;
	uint64_t body_left;
	char *bbuf;
	/* TLS without kTLS: file bytes read, not yet all encrypted. */
	char *tbuf;
	size_t tbuf_off, tbuf_len;

	/* Not cleared when allocated: each is written before it is read. */
	struct httpreq req;
	char reqline[256]; /* for the access log */
	struct seg segs[CONN_MAX_SEGS];
	char in[HTTPREQ_MAX_HEAD + 1];
};

/* A new connection from the peer at sa (any family; shown as "-" if
 * not IPv4 or IPv6). */
void conn_accept(struct worker *, int fd, const struct sockaddr *sa);
void conn_free(struct conn *);
/*
 * Close the connection idle the longest whose last response the kernel has
 * delivered (one still draining is busy); 1 if there was one.
 */
int conn_evict_idle(const struct worker *);
/* Graceful stop: close every idle connection after a short linger. */
void conn_linger_idle(const struct worker *);

/*
 * A request body, for uploads: serve.c calls conn_read_body from its
 * handler instead of answering; len bytes (Content-Length) are then
 * handed to data() as they arrive, bytes already read after the head
 * first, never more than len, and done() runs once: with 1 when all
 * came (it makes the answer), or 0 when the connection ended, timed out
 * or was closed first (no answer: the connection goes).  data() returns
 * 0 to go on, or -1 having made an answer itself (an error): the rest
 * of the body is not read and the connection closes after the answer;
 * done() does not run then.
 */
struct conn_sink {
	int (*data)(struct conn *, void *arg, const char *, size_t);
	void (*done)(struct conn *, void *arg, int complete);
};
void conn_read_body(
    struct conn *, uint64_t len, const struct conn_sink *, void *arg);

/* Response building, used by serve.c. */
void conn_status(struct conn *, int status);
void conn_header(struct conn *, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Ends the head; Content-Length, when known, is the caller's header. */
void conn_end_head(struct conn *);
void conn_body_mem(struct conn *, const void *, size_t);
/* Body from the file: takes ownership of fd (closed when done). */
void conn_set_file(struct conn *, int fd);
void conn_body_file(struct conn *, off_t off, off_t len);
void conn_body_gzip(struct conn *, struct gzip_stream *);
/* A complete text response: status, Content-Type text/plain, body. */
void conn_simple(struct conn *, int status, const char *body);

const char *conn_reason(int status);

#endif
