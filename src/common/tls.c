/*
 * The TLS layer (tls.h): OpenSSL's SSL_CTX and SSL behind calls that
 * answer "want read" / "want write", as OpenBSD's libtls does, so that a
 * caller's event loop needs no OpenSSL knowledge.  Every call clears the
 * thread's error queue first: a stale error from another connection must
 * not be reported as this one's (SSL_get_error(3) requires it).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tls.h"

struct tls_cfg {
	SSL_CTX *ctx;
	int client;
	SSL_SESSION *sess; /* the fetching side's last session */
	char *sess_host;   /* the host it belongs to */
};

struct tls {
	struct tls_cfg *cfg;
	SSL *ssl;
	char *host;
	char err[256];
};

static const unsigned char alpn_http11[] = "\x08http/1.1";

static int tls_file_check(const char *, const char *, char *, size_t);
static SSL_CTX *tls_ctx_new(const SSL_METHOD *, char *, size_t);
static int tls_alpn_cb(SSL *, const unsigned char **, unsigned char *,
    const unsigned char *, unsigned int, void *);
static int tls_new_session_cb(SSL *, SSL_SESSION *);
static void tls_info_cb(const SSL *, int, int);
static int tls_fail(struct tls *, int, const char *);
static void tls_reason(char *, size_t, const char *);

/* A readable regular file, or a message naming it. */
static int
tls_file_check(const char *what, const char *path, char *err, size_t errlen)
{
	struct stat st;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s %s: not a regular file", what, path);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* Last OpenSSL error as "prefix: reason", or prefix alone. */
static void
tls_reason(char *err, size_t errlen, const char *prefix)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	if (r != NULL)
		snprintf(err, errlen, "%s: %s", prefix, r);
	else
		snprintf(err, errlen, "%s", prefix);
	ERR_clear_error();
}

static SSL_CTX *
tls_ctx_new(const SSL_METHOD *m, char *err, size_t errlen)
{
	SSL_CTX *ctx;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(m)) == NULL) {
		tls_reason(err, errlen, "SSL_CTX_new");
		return NULL;
	}
	/* RFC 9325: TLS 1.2 and 1.3 only. */
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/*
	 * Partial writes and a moving buffer let a write that wanted
	 * POLLOUT be retried with whatever the caller has then; released
	 * buffers keep an idle keep-alive connection small.
	 */
	SSL_CTX_set_mode(ctx,
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
	        SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
	/* cppcheck-suppress knownConditionTrueFalse ; false only without kTLS
	 */
	if (tls_ktls_supported())
		SSL_CTX_set_options(ctx, SSL_OP_ENABLE_KTLS);
	return ctx;
}

/* ALPN: http/1.1 when offered; a client offering only others gets none. */
static int
tls_alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	unsigned char *sel;

	if (SSL_select_next_proto(&sel, outlen, alpn_http11,
	        sizeof(alpn_http11) - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

struct tls_cfg *
tls_cfg_server(const char *cert, const char *key, const char *client_ca,
    char *err, size_t errlen)
{
	struct tls_cfg *c;
	STACK_OF(X509_NAME) * names;

	if (tls_file_check("certificate", cert, err, errlen) == -1 ||
	    tls_file_check("key", key, err, errlen) == -1 ||
	    (client_ca != NULL &&
	        tls_file_check("client CA", client_ca, err, errlen) == -1))
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((c->ctx = tls_ctx_new(TLS_server_method(), err, errlen)) == NULL)
		goto fail;
	if (SSL_CTX_use_certificate_chain_file(c->ctx, cert) != 1) {
		tls_reason(err, errlen, cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(c->ctx, key, SSL_FILETYPE_PEM) != 1 &&
	    ERR_GET_REASON(ERR_peek_last_error()) !=
	        X509_R_KEY_VALUES_MISMATCH) {
		tls_reason(err, errlen, key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(c->ctx) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "key %s does not match certificate %s",
		    key, cert);
		goto fail;
	}
	SSL_CTX_set_alpn_select_cb(c->ctx, tls_alpn_cb, NULL);
	SSL_CTX_set_info_callback(c->ctx, tls_info_cb);
	/* Needed for resumption once client certificates are asked for. */
	SSL_CTX_set_session_id_context(
	    c->ctx, (const unsigned char *)"haul", 4);
	if (client_ca != NULL) {
		if (SSL_CTX_load_verify_locations(c->ctx, client_ca, NULL) !=
		        1 ||
		    (names = SSL_load_client_CA_file(client_ca)) == NULL) {
			tls_reason(err, errlen, client_ca);
			goto fail;
		}
		SSL_CTX_set_client_CA_list(c->ctx, names);
		SSL_CTX_set_verify(c->ctx,
		    SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	return c;
fail:
	tls_cfg_free(c);
	return NULL;
}

struct tls_cfg *
tls_cfg_client(const char *cafile, const char *cert, const char *key,
    int insecure, char *err, size_t errlen)
{
	struct tls_cfg *c;

	if ((cert == NULL) != (key == NULL)) {
		snprintf(err, errlen, "a client certificate needs its key");
		return NULL;
	}
	if ((cafile != NULL &&
	        tls_file_check("CA file", cafile, err, errlen) == -1) ||
	    (cert != NULL &&
	        (tls_file_check("certificate", cert, err, errlen) == -1 ||
	            tls_file_check("key", key, err, errlen) == -1)))
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->client = 1;
	if ((c->ctx = tls_ctx_new(TLS_client_method(), err, errlen)) == NULL)
		goto fail;
	if (cafile != NULL
	        ? SSL_CTX_load_verify_locations(c->ctx, cafile, NULL) != 1
	        : SSL_CTX_set_default_verify_paths(c->ctx) != 1) {
		tls_reason(err, errlen, cafile ? cafile : "system trust store");
		goto fail;
	}
	if (cert != NULL &&
	    (SSL_CTX_use_certificate_chain_file(c->ctx, cert) != 1 ||
	        SSL_CTX_use_PrivateKey_file(c->ctx, key, SSL_FILETYPE_PEM) !=
	            1 ||
	        SSL_CTX_check_private_key(c->ctx) != 1)) {
		tls_reason(err, errlen, cert);
		goto fail;
	}
	SSL_CTX_set_verify(
	    c->ctx, insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_set_alpn_protos(
	        c->ctx, alpn_http11, sizeof(alpn_http11) - 1) != 0) {
		tls_reason(err, errlen, "ALPN");
		goto fail;
	}
	/* Fewer, bigger reads: records are decrypted from a 64 KiB buffer. */
	SSL_CTX_set_read_ahead(c->ctx, 1);
	SSL_CTX_set_default_read_buffer_len(c->ctx, 64 * 1024);
	/* Keep each new session (TLS 1.3 tickets come after the handshake). */
	SSL_CTX_set_session_cache_mode(
	    c->ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(c->ctx, tls_new_session_cb);
	SSL_CTX_set_app_data(c->ctx, c);
	return c;
fail:
	tls_cfg_free(c);
	return NULL;
}

struct ssl_ctx_st *
tls_cfg_ssl_ctx(struct tls_cfg *c)
{
	return c->ctx;
}

/*
 * A handshake that failed because the client spoke plain HTTP (OpenSSL
 * names it SSL_R_HTTP_REQUEST): tell it so, unencrypted, as nginx does.
 * One non-blocking send on the socket; the caller closes it.
 */
static void
tls_info_cb(const SSL *ssl, int where, int ret)
{
	static const char msg[] = "HTTP/1.1 400 Bad Request\r\n"
	                          "Content-Type: text/plain\r\n"
	                          "Content-Length: 35\r\n"
	                          "Connection: close\r\n\r\n"
	                          "this port speaks TLS: use https://\n";
	unsigned long e;
	int fd;

	if (!(where & SSL_CB_EXIT) || ret > 0 ||
	    SSL_get_error(ssl, ret) != SSL_ERROR_SSL)
		return;
	e = ERR_peek_error();
	if (ERR_GET_LIB(e) != ERR_LIB_SSL ||
	    ERR_GET_REASON(e) != SSL_R_HTTP_REQUEST ||
	    (fd = SSL_get_fd(ssl)) == -1)
		return;
	(void)send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
}

void
tls_cfg_free(struct tls_cfg *c)
{
	if (c == NULL)
		return;
	SSL_SESSION_free(c->sess);
	free(c->sess_host);
	SSL_CTX_free(c->ctx);
	free(c);
}

/* The fetching side keeps the newest session, with the host it is for. */
static int
tls_new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
	struct tls *t = SSL_get_app_data(ssl);
	struct tls_cfg *c;
	char *host;

	if (t == NULL || t->host == NULL || (host = strdup(t->host)) == NULL)
		return 0;
	c = t->cfg;
	SSL_SESSION_free(c->sess);
	free(c->sess_host);
	c->sess = sess;
	c->sess_host = host;
	return 1; /* the reference is ours now */
}

struct tls *
tls_new(struct tls_cfg *c, int fd, const char *host)
{
	struct tls *t;
	unsigned char ip[16];
	int is_ip;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->cfg = c;
	ERR_clear_error();
	if ((t->ssl = SSL_new(c->ctx)) == NULL || SSL_set_fd(t->ssl, fd) != 1 ||
	    (host != NULL && (t->host = strdup(host)) == NULL))
		goto fail;
	SSL_set_app_data(t->ssl, t);
	if (!c->client) {
		SSL_set_accept_state(t->ssl);
		/*
		 * A record in one read(2), not its header then its body: one
		 * read per small request.  Callers ask tls_pending() before
		 * waiting, so nothing read ahead is left behind.
		 */
		SSL_set_read_ahead(t->ssl, 1);
		return t;
	}
	SSL_set_connect_state(t->ssl);
	if (host != NULL) {
		is_ip = inet_pton(AF_INET, host, ip) == 1 ||
		    inet_pton(AF_INET6, host, ip) == 1;
		/* RFC 6066 3: SNI carries host names, never addresses. */
		if (is_ip ? X509_VERIFY_PARAM_set1_ip_asc(
		                SSL_get0_param(t->ssl), host) != 1
		          : (SSL_set_tlsext_host_name(t->ssl, host) != 1 ||
		                SSL_set1_host(t->ssl, host) != 1))
			goto fail;
		if (c->sess != NULL && c->sess_host != NULL &&
		    strcmp(c->sess_host, host) == 0)
			SSL_set_session(t->ssl, c->sess);
	}
	return t;
fail:
	ERR_clear_error();
	tls_free(t);
	return NULL;
}

void
tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	/*
	 * SSL_free() of a connection never shut down marks its session
	 * unresumable, and with it the one kept for the next connection.
	 * A connection that ends between exchanges is no sign of a bad
	 * session (fatal errors already spoil it inside OpenSSL).
	 */
	if (t->ssl != NULL && SSL_is_init_finished(t->ssl))
		SSL_set_shutdown(
		    t->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(t->ssl);
	free(t->host);
	free(t);
}

/*
 * Map a failed SSL call's result: TLS_WANT_*, 0 for a clean close_notify,
 * else -1 with the reason in t->err.
 */
static int
tls_fail(struct tls *t, int r, const char *what)
{
	long v;
	char pre[64];

	switch (SSL_get_error(t->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_POLLIN;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_POLLOUT;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_last_error() == 0) {
			snprintf(t->err, sizeof(t->err), "%s: %s", what,
			    errno ? strerror(errno) : "connection closed");
			return -1;
		}
		break;
	default:
		break;
	}
	v = SSL_get_verify_result(t->ssl);
	if (v != X509_V_OK) {
		ERR_clear_error();
		snprintf(t->err, sizeof(t->err),
		    "%s: certificate verify failed: %s", what,
		    X509_verify_cert_error_string(v));
		return -1;
	}
	snprintf(pre, sizeof(pre), "%s", what);
	tls_reason(t->err, sizeof(t->err), pre);
	return -1;
}

int
tls_handshake(struct tls *t)
{
	int r;

	ERR_clear_error();
	errno = 0;
	if ((r = SSL_do_handshake(t->ssl)) == 1)
		return 0;
	r = tls_fail(t, r, "handshake");
	if (r == 0) {
		snprintf(t->err, sizeof(t->err), "handshake: peer closed");
		return -1;
	}
	return r;
}

ssize_t
tls_read(struct tls *t, void *buf, size_t len)
{
	size_t n;

	ERR_clear_error();
	errno = 0;
	if (SSL_read_ex(t->ssl, buf, len, &n) == 1)
		return (ssize_t)n;
	return tls_fail(t, 0, "read");
}

ssize_t
tls_write(struct tls *t, const void *buf, size_t len)
{
	size_t n;
	int r;

	if (len == 0)
		return 0;
	ERR_clear_error();
	errno = 0;
	if (SSL_write_ex(t->ssl, buf, len, &n) == 1)
		return (ssize_t)n;
	r = tls_fail(t, 0, "write");
	if (r == 0) {
		snprintf(t->err, sizeof(t->err), "write: peer closed");
		return -1;
	}
	return r;
}

ssize_t
tls_sendfile(struct tls *t, int fd, off_t off, size_t len)
{
	ossl_ssize_t n;
	int r;

	ERR_clear_error();
	errno = 0;
	if ((n = SSL_sendfile(t->ssl, fd, off, len, 0)) > 0)
		return (ssize_t)n;
	if (errno == EAGAIN)
		return TLS_WANT_POLLOUT;
	r = tls_fail(t, (int)n, "sendfile");
	return r == 0 ? -1 : r;
}

int
tls_close(struct tls *t)
{
	int r;

	ERR_clear_error();
	errno = 0;
	if ((r = SSL_shutdown(t->ssl)) >= 0)
		return 0; /* sent; the peer's reply is not waited for */
	r = tls_fail(t, r, "close");
	return r == 0 ? 0 : r;
}

size_t
tls_pending(struct tls *t)
{
	int n = SSL_pending(t->ssl);

	/* Also a record read ahead but not yet decrypted. */
	if (n <= 0)
		return SSL_has_pending(t->ssl) ? 1 : 0;
	return (size_t)n;
}

int
tls_ktls_send(struct tls *t)
{
#ifdef BIO_get_ktls_send
	return BIO_get_ktls_send(SSL_get_wbio(t->ssl)) == 1;
#else
	return 0;
#endif
}

int
tls_resumed(struct tls *t)
{
	return SSL_session_reused(t->ssl) == 1;
}

int
tls_peer_verified(struct tls *t)
{
	X509 *x = SSL_get0_peer_certificate(t->ssl);

	if (x == NULL)
		return 0;
	return SSL_get_verify_result(t->ssl) == X509_V_OK &&
	    SSL_get_verify_mode(t->ssl) != SSL_VERIFY_NONE;
}

const char *
tls_version(struct tls *t)
{
	return SSL_get_version(t->ssl);
}

const char *
tls_error(struct tls *t)
{
	return t->err[0] ? t->err : "no error";
}

/*
 * Kernel TLS needs OpenSSL built with it and the kernel's tls module
 * (CONFIG_TLS); the module's presence is the cheap run-time check.
 */
int
tls_ktls_supported(void)
{
#ifdef OPENSSL_NO_KTLS
	return 0;
#else
	return access("/sys/module/tls", F_OK) == 0;
#endif
}

const char *
tls_library(void)
{
	static char s[160];
	const char *ktls = "not in this kernel";

#ifdef OPENSSL_NO_KTLS
	ktls = "not built in OpenSSL";
#endif
	/* cppcheck-suppress knownConditionTrueFalse ; false only without kTLS
	 */
	if (tls_ktls_supported())
		ktls = "available";
	snprintf(s, sizeof(s), "%s, kTLS %s", OpenSSL_version(OPENSSL_VERSION),
	    ktls);
	return s;
}
