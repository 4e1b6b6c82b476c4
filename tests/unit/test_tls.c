/*
 * Unit tests for tls.c: both sides of a handshake on a non-blocking
 * socketpair in one process, driven by hand.  The certificates are made
 * here with OpenSSL (a CA, a server certificate for 127.0.0.1 and
 * localhost, an expired one, a client certificate) into a temporary
 * directory.  Hostile rows: garbage and truncated ClientHellos, a wrong
 * host name, an unknown CA, a missing client certificate, bad files.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tls.h"
#include "unit.h"

static char dir[] = "/tmp/haul-test-tls.XXXXXX";
static char path_buf[8][512];

/* dir/name, in one of a few rotating buffers. */
static const char *
path(const char *name)
{
	static int i;
	char *p = path_buf[i++ % 8];

	snprintf(p, sizeof(path_buf[0]), "%s/%s", dir, name);
	return p;
}

static EVP_PKEY *
key_new(void)
{
	return EVP_EC_gen("P-256");
}

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (e == NULL) {
		FAILF("extension %s", value);
		return;
	}
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

/*
 * A certificate for cn signed by (ca, cakey), or self-signed when ca is
 * NULL; valid from days_from to days_to (relative to now).
 */
static X509 *
cert_new(const char *cn, EVP_PKEY *key, X509 *ca, EVP_PKEY *cakey,
    const char *san, int days_from, int days_to)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *n;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), (long)days_from * 86400);
	X509_gmtime_adj(X509_getm_notAfter(x), (long)days_to * 86400);
	X509_set_pubkey(x, key);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(
	    n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, ca ? X509_get_subject_name(ca) : n);
	if (ca == NULL)
		add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
	if (san != NULL)
		add_ext(x, ca ? ca : x, NID_subject_alt_name, san);
	if (X509_sign(x, ca ? cakey : key, EVP_sha256()) == 0)
		FAILF("X509_sign %s", cn);
	return x;
}

static void
write_pem(const char *name, X509 *x, EVP_PKEY *k)
{
	FILE *f = fopen(path(name), "w");

	if (f == NULL) {
		FAILF("fopen %s", name);
		return;
	}
	if (x != NULL)
		PEM_write_X509(f, x);
	if (k != NULL)
		PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	fclose(f);
}

/* ca.pem, srv.pem/srv.key, expired.pem, other-ca.pem, cli.pem/cli.key. */
static void
make_certs(void)
{
	EVP_PKEY *cak = key_new(), *sk = key_new(), *ok = key_new();
	EVP_PKEY *ck = key_new();
	X509 *ca = cert_new("haul test CA", cak, NULL, NULL, NULL, -1, 30);
	X509 *other = cert_new("other CA", ok, NULL, NULL, NULL, -1, 30);
	X509 *srv = cert_new(
	    "localhost", sk, ca, cak, "DNS:localhost,IP:127.0.0.1", -1, 30);
	X509 *old = cert_new(
	    "localhost", sk, ca, cak, "DNS:localhost,IP:127.0.0.1", -30, -1);
	X509 *cli = cert_new("client", ck, ca, cak, NULL, -1, 30);

	if (mkdtemp(dir) == NULL) {
		FAILF("mkdtemp");
		exit(1);
	}
	write_pem("ca.pem", ca, NULL);
	write_pem("other-ca.pem", other, NULL);
	write_pem("srv.pem", srv, NULL);
	write_pem("srv.key", NULL, sk);
	write_pem("expired.pem", old, NULL);
	write_pem("cli.pem", cli, NULL);
	write_pem("cli.key", NULL, ck);
	write_pem("other.key", NULL, ok);
	X509_free(ca);
	X509_free(other);
	X509_free(srv);
	X509_free(old);
	X509_free(cli);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(sk);
	EVP_PKEY_free(ok);
	EVP_PKEY_free(ck);
}

static void
remove_certs(void)
{
	const char *f[] = {"ca.pem", "other-ca.pem", "srv.pem", "srv.key",
	    "expired.pem", "cli.pem", "cli.key", "other.key", "bad.pem"};
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		unlink(path(f[i]));
	rmdir(dir);
}

struct pair {
	int fd[2]; /* [0] client, [1] server */
	struct tls *c, *s;
	int rc, rs; /* handshake results */
};

static void
pair_open(
    struct pair *p, struct tls_cfg *cc, struct tls_cfg *sc, const char *host)
{
	memset(p, 0, sizeof(*p));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, p->fd) == -1) {
		FAILF("socketpair");
		exit(1);
	}
	fcntl(p->fd[0], F_SETFL, O_NONBLOCK);
	fcntl(p->fd[1], F_SETFL, O_NONBLOCK);
	p->c = cc ? tls_new(cc, p->fd[0], host) : NULL;
	p->s = sc ? tls_new(sc, p->fd[1], NULL) : NULL;
}

static void
pair_close(struct pair *p)
{
	tls_free(p->c);
	tls_free(p->s);
	close(p->fd[0]);
	close(p->fd[1]);
}

/* Drive both handshakes until neither wants more: 0 when both done. */
static int
pair_handshake(struct pair *p)
{
	int i;

	p->rc = p->rs = TLS_WANT_POLLIN;
	for (i = 0; i < 100; i++) {
		if (p->rc < -1)
			p->rc = tls_handshake(p->c);
		if (p->rs < -1)
			p->rs = tls_handshake(p->s);
		if (p->rc >= -1 && p->rs >= -1)
			break;
		/* One side failed: the other waits on a peer that is gone. */
		if (p->rc == -1 || p->rs == -1)
			break;
	}
	return p->rc == 0 && p->rs == 0 ? 0 : -1;
}

static struct tls_cfg *
server(const char *cert, const char *ca)
{
	char err[256];
	struct tls_cfg *c = tls_cfg_server(path(cert), path("srv.key"),
	    ca ? path(ca) : NULL, err, sizeof(err));

	if (c == NULL)
		FAILF("tls_cfg_server: %s", err);
	return c;
}

static struct tls_cfg *
client(const char *ca, int insecure, int with_cert)
{
	char err[256];
	struct tls_cfg *c =
	    tls_cfg_client(path(ca), with_cert ? path("cli.pem") : NULL,
	        with_cert ? path("cli.key") : NULL, insecure, err, sizeof(err));

	if (c == NULL)
		FAILF("tls_cfg_client: %s", err);
	return c;
}

static void
test_echo(void)
{
	struct tls_cfg *sc = server("srv.pem", NULL),
	               *cc = client("ca.pem", 0, 0);
	struct pair p;
	char big[200000], got[200000];
	size_t sent = 0, recvd = 0;
	ssize_t n;
	int i;

	pair_open(&p, cc, sc, "localhost");
	CHECK_INT(pair_handshake(&p), 0);
	CHECK_STR(tls_version(p.c), "TLSv1.3");
	CHECK_INT(tls_resumed(p.c), 0);
	CHECK_INT(tls_peer_verified(p.c), 1);
	CHECK_INT(tls_peer_verified(p.s), 0);
	for (i = 0; i < (int)sizeof(big); i++)
		big[i] = (char)(i * 7);
	/* More than the socket buffer: writes and reads interleave. */
	for (i = 0; i < 10000 && recvd < sizeof(big); i++) {
		if (sent < sizeof(big)) {
			n = tls_write(p.c, big + sent, sizeof(big) - sent);
			if (n > 0)
				sent += (size_t)n;
			else
				CHECK(n == TLS_WANT_POLLOUT);
		}
		n = tls_read(p.s, got + recvd, sizeof(got) - recvd);
		if (n > 0)
			recvd += (size_t)n;
		else
			CHECK(n == TLS_WANT_POLLIN);
	}
	CHECK_INT(recvd, sizeof(big));
	CHECK(memcmp(big, got, sizeof(big)) == 0);
	/* close_notify reads as 0. */
	CHECK_INT(tls_close(p.c), 0);
	CHECK_INT(tls_read(p.s, got, 10), 0);
	pair_close(&p);
	tls_cfg_free(sc);
	tls_cfg_free(cc);
}

static void
test_ip_and_resumption(void)
{
	struct tls_cfg *sc = server("srv.pem", NULL),
	               *cc = client("ca.pem", 0, 0);
	struct pair p;
	char b[8];
	int i;

	for (i = 0; i < 3; i++) {
		pair_open(&p, cc, sc, "127.0.0.1");
		CHECK_INT(pair_handshake(&p), 0);
		/* TLS 1.3 tickets arrive after the handshake: read them. */
		CHECK_INT(tls_write(p.s, "x", 1), 1);
		CHECK_INT(tls_read(p.c, b, sizeof(b)), 1);
		CHECK_INT(tls_resumed(p.c), i > 0);
		pair_close(&p);
	}
	tls_cfg_free(sc);
	tls_cfg_free(cc);
}

static void
expect_client_fails(
    struct tls_cfg *sc, struct tls_cfg *cc, const char *host, const char *want)
{
	struct pair p;

	pair_open(&p, cc, sc, host);
	CHECK_INT(pair_handshake(&p), -1);
	CHECK_INT(p.rc, -1);
	if (strstr(tls_error(p.c), want) == NULL)
		FAILF("error \"%s\", want \"%s\"", tls_error(p.c), want);
	pair_close(&p);
}

static void
test_verify_failures(void)
{
	struct tls_cfg *sc = server("srv.pem", NULL),
	               *old = server("expired.pem", NULL);
	struct tls_cfg *cc = client("ca.pem", 0, 0),
	               *oc = client("other-ca.pem", 0, 0);
	struct tls_cfg *ic = client("other-ca.pem", 1, 0);
	struct pair p;

	expect_client_fails(sc, cc, "example.org", "hostname mismatch");
	expect_client_fails(sc, cc, "127.0.0.2", "IP address mismatch");
	expect_client_fails(sc, oc, "localhost", "unable to get local issuer");
	expect_client_fails(old, cc, "localhost", "certificate has expired");
	/* -k: an unknown CA and a wrong name are let through. */
	pair_open(&p, ic, sc, "example.org");
	CHECK_INT(pair_handshake(&p), 0);
	CHECK_INT(tls_peer_verified(p.c), 0);
	pair_close(&p);
	tls_cfg_free(sc);
	tls_cfg_free(old);
	tls_cfg_free(cc);
	tls_cfg_free(oc);
	tls_cfg_free(ic);
}

static void
test_mutual(void)
{
	struct tls_cfg *sc = server("srv.pem", "ca.pem");
	struct tls_cfg *with = client("ca.pem", 0, 1),
	               *without = client("ca.pem", 0, 0);
	struct pair p;
	char b[4];

	pair_open(&p, with, sc, "localhost");
	CHECK_INT(pair_handshake(&p), 0);
	CHECK_INT(tls_peer_verified(p.s), 1);
	pair_close(&p);
	/* Without a certificate the server refuses; in TLS 1.3 the client
	 * learns it on its first read. */
	pair_open(&p, without, sc, "localhost");
	(void)pair_handshake(&p);
	CHECK_INT(p.rs, -1);
	if (strstr(tls_error(p.s), "certificate") == NULL)
		FAILF("server error \"%s\"", tls_error(p.s));
	if (p.rc == 0)
		CHECK_INT(tls_read(p.c, b, sizeof(b)), -1);
	pair_close(&p);
	tls_cfg_free(sc);
	tls_cfg_free(with);
	tls_cfg_free(without);
}

/* Raw bytes to a server connection: the handshake fails, cleanly. */
static void
hostile(const char *bytes, size_t len, int then_close, const char *name)
{
	struct tls_cfg *sc = server("srv.pem", NULL);
	struct pair p;
	int r, i;

	pair_open(&p, NULL, sc, NULL);
	if (write(p.fd[0], bytes, len) != (ssize_t)len)
		FAILF("%s: write", name);
	if (then_close)
		shutdown(p.fd[0], SHUT_WR);
	for (i = 0, r = TLS_WANT_POLLIN; i < 10 && r == TLS_WANT_POLLIN; i++)
		r = tls_handshake(p.s);
	if (then_close || len > 5)
		CHECK_INT(r, -1);
	else
		CHECK_INT(r, TLS_WANT_POLLIN);
	if (r == -1 && strncmp(tls_error(p.s), "handshake", 9) != 0)
		FAILF("%s: error \"%s\"", name, tls_error(p.s));
	pair_close(&p);
	tls_cfg_free(sc);
}

static void
test_hostile_hello(void)
{
	/* A ClientHello record header promising 512 bytes, cut after 9. */
	static const char trunc[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc";
	/* A record of a type that does not exist. */
	static const char badtype[] = "\x63\x03\x01\x00\x05hello";
	/* A handshake record whose message is no ClientHello. */
	static const char notch[] = "\x16\x03\x01\x00\x04\x02\x00\x00\x00";

	hostile("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27, 0, "plain HTTP");
	hostile(trunc, sizeof(trunc) - 1, 1, "truncated ClientHello");
	hostile(badtype, sizeof(badtype) - 1, 0, "bad record type");
	hostile(notch, sizeof(notch) - 1, 0, "not a ClientHello");
	hostile("\x16\x03", 2, 0, "two bytes, then a stall");
	hostile("", 0, 1, "closed at once");
}

static void
expect_cfg_error(struct tls_cfg *c, const char *err, const char *want)
{
	CHECK(c == NULL);
	tls_cfg_free(c);
	if (strstr(err, want) == NULL)
		FAILF("error \"%s\", want \"%s\"", err, want);
}

static void
test_bad_files(void)
{
	char err[256], k[512];
	FILE *f;

	snprintf(k, sizeof(k), "%s", path("srv.key"));
	expect_cfg_error(
	    tls_cfg_server(path("nope.pem"), k, NULL, err, sizeof(err)), err,
	    "nope.pem: No such file");
	expect_cfg_error(tls_cfg_server(path("srv.pem"), path("nokey"), NULL,
	                     err, sizeof(err)),
	    err, "nokey");
	expect_cfg_error(tls_cfg_server(path("srv.pem"), path("other.key"),
	                     NULL, err, sizeof(err)),
	    err, "does not match");
	expect_cfg_error(tls_cfg_server(dir, k, NULL, err, sizeof(err)), err,
	    "not a regular file");
	if ((f = fopen(path("bad.pem"), "w")) != NULL) {
		fputs("-----BEGIN CERTIFICATE-----\nnot base64\n", f);
		fclose(f);
	}
	expect_cfg_error(
	    tls_cfg_server(path("bad.pem"), k, NULL, err, sizeof(err)), err,
	    "bad.pem");
	expect_cfg_error(tls_cfg_server(path("srv.pem"), k, path("bad.pem"),
	                     err, sizeof(err)),
	    err, "bad.pem");
	expect_cfg_error(tls_cfg_client(path("missing-ca.pem"), NULL, NULL, 0,
	                     err, sizeof(err)),
	    err, "missing-ca.pem");
	expect_cfg_error(
	    tls_cfg_client(NULL, path("cli.pem"), NULL, 0, err, sizeof(err)),
	    err, "needs its key");
}

static void
test_library(void)
{
	CHECK(strncmp(tls_library(), "OpenSSL", 7) == 0);
	CHECK(strstr(tls_library(), "kTLS") != NULL);
}

int
main(void)
{
	static const struct unit_test tests[] = {
	    {"echo", test_echo},
	    {"ip_and_resumption", test_ip_and_resumption},
	    {"verify_failures", test_verify_failures},
	    {"mutual", test_mutual},
	    {"hostile_hello", test_hostile_hello},
	    {"bad_files", test_bad_files},
	    {"library", test_library},
	};
	int r;

	make_certs();
	r = unit_run(tests, sizeof(tests) / sizeof(tests[0]));
	remove_certs();
	return r;
}
