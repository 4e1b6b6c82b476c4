/*
 * A small TLS layer over OpenSSL in the manner of OpenBSD's libtls: a
 * configuration (one SSL_CTX, serving or fetching side) and connections on
 * non-blocking sockets whose read, write, handshake and close answer a
 * count or TLS_WANT_POLLIN / TLS_WANT_POLLOUT, so hauld's connections and
 * haulproxy's client treat plain and TLS sockets alike.  No libevent.
 *
 * TLS 1.2 and 1.3 only, ALPN "http/1.1".  Errors are text in the
 * connection (tls_error) or in the caller's buffer, never logged here.
 */
#ifndef HAUL_TLS_H
#define HAUL_TLS_H

#include <sys/types.h>
#include <stddef.h>

#define TLS_WANT_POLLIN (-2)
#define TLS_WANT_POLLOUT (-3)

struct tls_cfg;
struct tls;

/*
 * The serving side: a PEM certificate chain and its key, and with
 * client_ca (may be NULL) mutual TLS: a client must present a certificate
 * chaining to one of those CAs or the handshake fails.  NULL, with a
 * message naming the file at fault in err, when a file is missing,
 * unreadable or invalid, or the key does not match the certificate.
 */
struct tls_cfg *tls_cfg_server(const char *cert, const char *key,
    const char *client_ca, char *err, size_t errlen);

/*
 * The fetching side: peers are verified against cafile, or the system's
 * trust store when cafile is NULL, and their name checked, unless
 * insecure.  cert and key (both or neither) are a client certificate.
 * The last session is kept for resumption by the next connection.
 */
struct tls_cfg *tls_cfg_client(const char *cafile, const char *cert,
    const char *key, int insecure, char *err, size_t errlen);

void tls_cfg_free(struct tls_cfg *);

/*
 * The configuration's OpenSSL context, for a caller that hands TLS to
 * another layer (haulproxy's listener, libevent's bufferevent_openssl).
 * On the serving side it answers a plain-HTTP request that OpenSSL
 * recognises with an unencrypted 400 before the handshake fails.
 */
struct ssl_ctx_st *tls_cfg_ssl_ctx(struct tls_cfg *);

/*
 * A connection on fd (non-blocking, owned by the caller, never closed
 * here).  host names the peer for SNI and verification on the fetching
 * side (a name or an IP literal); NULL on the serving side.  NULL on ENOMEM.
 * Both sides read ahead: bytes may wait in the connection rather than the
 * socket, so ask tls_pending() before waiting for the socket to read.
 */
struct tls *tls_new(struct tls_cfg *, int fd, const char *host);
void tls_free(struct tls *);

/* 0 once done, TLS_WANT_*, or -1 (tls_error says why). */
int tls_handshake(struct tls *);
/* Bytes read (> 0), 0 at the peer's close_notify, TLS_WANT_*, or -1. */
ssize_t tls_read(struct tls *, void *, size_t);
/* Bytes written (> 0, maybe fewer than asked), TLS_WANT_*, or -1. */
ssize_t tls_write(struct tls *, const void *, size_t);
/*
 * Bytes of file fd from off sent through kernel TLS (SSL_sendfile), or
 * TLS_WANT_*, or -1.  Only when tls_ktls_send() says kernel TLS is on.
 */
ssize_t tls_sendfile(struct tls *, int fd, off_t off, size_t len);
/* Send close_notify: 0, TLS_WANT_*, or -1.  Not required before free. */
int tls_close(struct tls *);

/*
 * Bytes decrypted and waiting in the connection, or 1 when only a record
 * not yet decrypted waits: either way, read before waiting for the socket.
 */
size_t tls_pending(struct tls *);
/* After the handshake: whether sends go through kernel TLS. */
int tls_ktls_send(struct tls *);
/* After the handshake: whether the session was resumed. */
int tls_resumed(struct tls *);
/* After the handshake: whether the peer's certificate was verified. */
int tls_peer_verified(struct tls *);
/* After the handshake: "TLSv1.3" and the like. */
const char *tls_version(struct tls *);
/* The last error of this connection, never NULL. */
const char *tls_error(struct tls *);

/* "OpenSSL 3.0.x ..." and whether kTLS can be used at all. */
const char *tls_library(void);
/* Whether OpenSSL has kTLS and the kernel's tls module is loaded. */
int tls_ktls_supported(void);

#endif
