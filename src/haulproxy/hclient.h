/*
 * A lean HTTP/1.1 client connection for haulproxy's requests to the
 * origin, the HEAD that starts a download and the chunk fetches: one
 * kept-alive connection to the origin, one request at a time, on raw
 * non-blocking sockets with libevent events.
 *
 * Why not evhttp: libevent 2.1's evbuffer reads at most 4096 bytes per
 * read(2) (EVBUFFER_MAX_READ) and asks FIONREAD before each, so a GiB
 * costs about 530,000 syscalls through the evhttp client.  Here a body
 * is read with reads of HC_READ bytes straight into one buffer and
 * handed to the caller as it comes (bench/README.md, scenario d).
 * Response fields are kept in a struct httphdr_fields pointing into
 * that buffer, not in an evkeyvalq.
 *
 * Responses are framed as RFC 9112 section 6.3 says: no body for 1xx
 * (skipped), 204, 304 and any answer to a HEAD; Transfer-Encoding
 * chunked decoded; otherwise Content-Length, or the body runs to the
 * connection's close.  A response that cannot be framed safely is an
 * error and the connection is closed.
 *
 * Over TLS (hc_set_tls) the same, with the handshake between the connect
 * and the request; a failed handshake is HC_ETLS with OpenSSL's reason.
 *
 * Callbacks run from the client's event handler.  When done() runs the
 * connection is already idle (or closed), so done() may start the next
 * request; hc_cancel() and hc_free() may be called from any callback.
 */
#ifndef HAUL_HCLIENT_H
#define HAUL_HCLIENT_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct hc_conn;
struct httphdr_fields;
struct stats_slot;
struct tls_cfg;

#define HC_READ (128 * 1024)    /* one read(2) at most */
#define HC_HEAD_MAX (32 * 1024) /* a response head larger is refused */

enum hc_err {
	HC_OK = 0,
	HC_ENET,     /* cannot connect, reset, closed early */
	HC_ETIMEOUT, /* no progress for the timeout */
	HC_EPROTO,   /* a response that cannot be parsed or framed */
	HC_EABORT,   /* a callback returned -1 */
	HC_ETLS,     /* the TLS handshake failed: not worth a retry */
};

struct hc_cbs {
	/*
	 * The head: status and fields (look them up with httphdr_find()).
	 * The fields point into the client's buffer: valid only during the
	 * call.  -1 drops the connection.
	 */
	int (*head)(void *arg, int status, const struct httphdr_fields *h);
	/* Body bytes, decoded of chunked framing.  -1 drops it. */
	int (*body)(void *arg, const char *p, size_t n);
	/* The end of the exchange: HC_OK when the body was complete. */
	void (*done)(void *arg, enum hc_err err, const char *why);
};

/* A connection object; it connects on the first request.  NULL: ENOMEM. */
struct hc_conn *hc_new(
    struct event_base *, const char *host, unsigned short port, int timeout_s);
/*
 * Speak TLS on every connection from now on (cfg from tls_cfg_client,
 * owned by the caller; the host given to hc_new is the name verified and
 * sent as SNI).  Handshakes, and those that resumed a session, are
 * counted in slot when it is not NULL.
 */
void hc_set_tls(struct hc_conn *, struct tls_cfg *, struct stats_slot *);
/*
 * Send one request (the complete head, CRLF CRLF included).  0, or -1
 * when a request is already in flight or memory runs out; errors after
 * that are reported through done().
 */
int hc_request(struct hc_conn *, const char *req, size_t len,
    const struct hc_cbs *, void *arg);
/*
 * The same with a body of blen bytes read from fd at off (the head in
 * req says Content-Length): sendfile(2) on a plain connection, through
 * a HC_READ buffer over TLS, so a large body costs no memory.  fd stays
 * the caller's and must stay open until done() runs.
 */
int hc_request_file(struct hc_conn *, const char *req, size_t len, int fd,
    uint64_t off, uint64_t blen, const struct hc_cbs *, void *arg);
/* Abandon the request in flight, if any, and close; no callback runs. */
void hc_cancel(struct hc_conn *);
void hc_free(struct hc_conn *);
/* Pure, for tests: "HTTP/1.x NNN ..." -> status, minor; -1 if bad. */
int hc_parse_status(const char *line, size_t len, int *status, int *minor);
/*
 * For tests and fuzzing, on a connection that never connected: parse
 * response bytes as if read from the socket (len 0: the origin closed).
 * The first call starts the exchange with cbs.  1 when more bytes are
 * needed, 0 once done() has run, -1 when misused.
 */
int hc_test_feed(
    struct hc_conn *, const char *, size_t, const struct hc_cbs *, void *arg);

#endif
