/*
 * Unit tests for auth.c: secrets files (good, short, bad characters,
 * comments, CRLF, empty), Bearer credentials (good, wrong, malformed,
 * other schemes), signed URLs (round trip, rotation, expiry, tampered
 * path, expires or signature, missing and repeated parameters) and the
 * redaction of signatures for logs.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "unit.h"

#define TOK1 "abcdefghijklmnop"
#define TOK2 "Zm9vYmFyYmF6cXV4LTEyMw=="
#define KEY1 "0123456789abcdef0123456789abcdef"
#define KEY2 "another key of at least 32 bytes!!"

static struct auth_set *
parse(enum auth_kind k, const char *s, char *err)
{
	return auth_parse(k, s, strlen(s), err, 200);
}

static void
test_parse_files(void)
{
	static const struct {
		enum auth_kind kind;
		const char *text;
		size_t count; /* 0: an error containing err */
		const char *err;
	} rows[] = {
	    {AUTH_TOKENS, TOK1 "\n", 1, NULL},
	    {AUTH_TOKENS, "# c\n\n" TOK1 "\r\n" TOK2, 2, NULL},
	    {AUTH_TOKENS, "short\n", 0, "line 1"},
	    {AUTH_TOKENS, "\n" TOK1 " x\n", 0, "line 2"},
	    {AUTH_TOKENS, "abcdefghijklmnop=q\n", 0, "line 1"},
	    {AUTH_TOKENS, "================\n", 0, "line 1"},
	    {AUTH_TOKENS, "# only a comment\n\n", 0, "no token"},
	    {AUTH_TOKENS, "", 0, "no token"},
	    {AUTH_KEYS, KEY1 "\n" KEY2 "\n", 2, NULL},
	    {AUTH_KEYS, "0123456789abcdef0123456789abcde\n", 0, "line 1"},
	    {AUTH_KEYS, "# k\n" KEY1 "\r\n", 1, NULL},
	    {AUTH_KEYS, "\n\n", 0, "no key"},
	};
	char err[200];
	struct auth_set *s;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		err[0] = '\0';
		s = parse(rows[i].kind, rows[i].text, err);
		CHECK_INT(auth_count(s), rows[i].count);
		if (rows[i].count == 0 && strstr(err, rows[i].err) == NULL)
			FAILF("row %zu: error \"%s\", want \"%s\"", i, err,
			    rows[i].err);
		/* An error names the line, never the secret. */
		if (rows[i].count == 0 && strstr(err, "short") != NULL)
			FAILF("row %zu: error shows the secret: %s", i, err);
		auth_free(s);
	}
}

static void
test_load(void)
{
	char dir[] = "/tmp/haul-test-auth.XXXXXX", p[256], err[300];
	struct auth_set *s;
	FILE *f;

	if (mkdtemp(dir) == NULL) {
		FAILF("mkdtemp");
		return;
	}
	snprintf(p, sizeof(p), "%s/tokens", dir);
	s = auth_load(AUTH_TOKENS, p, err, sizeof(err));
	CHECK(s == NULL && strstr(err, "No such file") != NULL);
	if ((f = fopen(p, "w")) != NULL) {
		fputs(TOK1 "\n", f);
		fclose(f);
	}
	s = auth_load(AUTH_TOKENS, p, err, sizeof(err));
	CHECK_INT(auth_count(s), 1);
	auth_free(s);
	s = auth_load(AUTH_TOKENS, dir, err, sizeof(err));
	CHECK(s == NULL && strstr(err, "regular file") != NULL);
	unlink(p);
	rmdir(dir);
}

static void
test_bearer(void)
{
	static const struct {
		const char *value;
		enum auth_result want;
	} rows[] = {
	    {NULL, AUTH_NONE},
	    {"Bearer " TOK1, AUTH_OK},
	    {"bearer " TOK2, AUTH_OK},
	    {"BEARER   " TOK1 "  ", AUTH_OK},
	    {"Bearer " TOK1 "x", AUTH_BAD},
	    {"Bearer abcdefghijklmno", AUTH_BAD},
	    {"Bearer", AUTH_BAD},
	    {"Bearer ", AUTH_BAD},
	    {"Bearer " TOK1 " " TOK1, AUTH_BAD},
	    {"Bearer \"" TOK1 "\"", AUTH_BAD},
	    {"Bearer " TOK1 ",x", AUTH_BAD},
	    {"Basic dXNlcjpwYXNz", AUTH_NONE},
	    {"Bearertoken", AUTH_NONE},
	    {"", AUTH_NONE},
	    {"Bearer =", AUTH_BAD},
	};
	char err[200];
	struct auth_set *t = parse(AUTH_TOKENS, TOK1 "\n" TOK2 "\n", err);
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (auth_bearer(t, rows[i].value) != rows[i].want)
			FAILF("row %zu \"%s\": got %d, want %d", i,
			    rows[i].value ? rows[i].value : "(null)",
			    auth_bearer(t, rows[i].value), rows[i].want);
	auth_free(t);
}

/* Split a signed target and check it. */
static enum auth_result
check(const struct auth_set *k, const char *target, time_t now)
{
	const char *q = strchr(target, '?');

	return auth_signed(k, target, q ? (size_t)(q - target) : strlen(target),
	    q ? q + 1 : NULL, now);
}

static void
test_signed(void)
{
	char err[200], url[512], bad[600];
	struct auth_set *k = parse(AUTH_KEYS, KEY1 "\n" KEY2 "\n", err);
	struct auth_set *k2 = parse(AUTH_KEYS, KEY2 "\n", err);
	struct auth_set *other = parse(AUTH_KEYS, KEY2 "\n" KEY1 "\n", err);
	char *sig;

	CHECK_INT(
	    auth_sign(k, "/download/a%20b.bin", 2000000000, url, sizeof(url)),
	    0);
	CHECK(strncmp(url, "/download/a%20b.bin?expires=2000000000&sig=", 43) ==
	    0);
	CHECK_INT(strlen(url), 43 + AUTH_SIG_LEN);
	/* The same as: printf '/download/a%%20b.bin\n2000000000' | openssl
	 * dgst -sha256 -mac HMAC -macopt key:KEY1 -binary | basenc
	 * --base64url | tr -d = */
	CHECK_STR(strstr(url, "sig=") + 4,
	    "30xuvCSfiGHsZ3FQg7hLg5uYjoRnzwLj9monAsJSDwg");
	CHECK_INT(check(k, url, 1000), AUTH_OK);
	CHECK_INT(check(other, url, 1000), AUTH_OK); /* any key verifies */
	CHECK_INT(check(k2, url, 1000), AUTH_BAD);   /* not the signer */
	CHECK_INT(check(k, url, 2000000000), AUTH_OK);
	CHECK_INT(check(k, url, 2000000001), AUTH_BAD); /* expired */
	/* The path is covered exactly as sent, percent-encoding included. */
	snprintf(bad, sizeof(bad), "/download/a b.bin%s", strchr(url, '?'));
	CHECK_INT(check(k, bad, 1000), AUTH_BAD);
	/* expires is covered. */
	snprintf(bad, sizeof(bad), "%s", url);
	bad[strlen("/download/a%20b.bin?expires=")] = '3';
	CHECK_INT(check(k, bad, 1000), AUTH_BAD);
	/* One flipped character of the signature. */
	snprintf(bad, sizeof(bad), "%s", url);
	sig = strstr(bad, "sig=") + 4;
	sig[5] = sig[5] == 'A' ? 'B' : 'A';
	CHECK_INT(check(k, bad, 1000), AUTH_BAD);
	/* Other parameters are allowed and not covered. */
	snprintf(bad, sizeof(bad), "%s&x=1", url);
	CHECK_INT(check(k, bad, 1000), AUTH_OK);
	CHECK_INT(auth_sign(k, "/d/x?v=2", 2000000000, url, sizeof(url)), 0);
	CHECK(strncmp(url, "/d/x?v=2&expires=", 17) == 0);
	CHECK_INT(check(k, url, 1000), AUTH_OK);
	CHECK_INT(auth_sign(k, "/d/x", 1, url, 10), -1); /* too small */
	auth_free(k);
	auth_free(k2);
	auth_free(other);
}

static void
test_signed_hostile(void)
{
	static const struct {
		const char *target;
		enum auth_result want;
	} rows[] = {
	    {"/d/x", AUTH_NONE},
	    {"/d/x?", AUTH_NONE},
	    {"/d/x?a=1&b=2", AUTH_NONE},
	    {"/d/x?expires=2000000000", AUTH_BAD},
	    {"/d/x?sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", AUTH_BAD},
	    {"/d/x?expires=&sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	        AUTH_BAD},
	    {"/d/x?expires=-1&sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	        AUTH_BAD},
	    {"/d/"
	     "x?expires=99999999999999999999&sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	     "AAAAAAAAAAAAAAA",
	        AUTH_BAD},
	    {"/d/x?expires=2000000000&sig=short", AUTH_BAD},
	    {"/d/x?expires=2000000000&sig=", AUTH_BAD},
	    {"/d/x?expires=2000000000&sig", AUTH_BAD},
	    {"/d/"
	     "x?expires=2000000000&expires=2000000000&sig=AAAAAAAAAAAAAAAAAAA"
	     "AAAAAAAAAAAAAAAAAAAAAAAA",
	        AUTH_BAD},
	    {"/d/"
	     "x?expires=2000000000&sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	     "AAAAA",
	        AUTH_BAD},
	    {"/d/"
	     "x?expires=0x10&sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	        AUTH_BAD},
	    {"/d/x?expires= "
	     "2000000000&sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	     "AAAAA",
	        AUTH_BAD},
	};
	char err[200];
	struct auth_set *k = parse(AUTH_KEYS, KEY1 "\n", err);
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (check(k, rows[i].target, 1000) != rows[i].want)
			FAILF("row %zu \"%s\": got %d, want %d", i,
			    rows[i].target, check(k, rows[i].target, 1000),
			    rows[i].want);
	auth_free(k);
}

static void
test_redact(void)
{
	static const struct {
		const char *in, *want;
	} rows[] = {
	    {"/download/a", "/download/a"},
	    {"/download/a?", "/download/a?"},
	    {"/d?expires=1&sig=SECRET", "/d?expires=1&sig=-"},
	    {"/d?sig=SECRET&expires=1", "/d?sig=-&expires=1"},
	    {"/d?sig=A&sig=B", "/d?sig=-&sig=-"},
	    {"/d?xsig=keep&sig=", "/d?xsig=keep&sig=-"},
	    {"/d?a=1&&sig=X&", "/d?a=1&&sig=-&"},
	};
	char out[64], small[8];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		auth_redact(rows[i].in, out, sizeof(out));
		CHECK_STR(out, rows[i].want);
	}
	auth_redact("/download/abcdefgh?sig=SECRET", small, sizeof(small));
	CHECK_STR(small, "/downlo");
	auth_redact("/d?sig=SECRETSECRET", small, sizeof(small));
	CHECK(strstr(small, "SECRET") == NULL);
}

static const struct unit_test tests[] = {
    {"parse_files", test_parse_files},
    {"load", test_load},
    {"bearer", test_bearer},
    {"signed", test_signed},
    {"signed_hostile", test_signed_hostile},
    {"redact", test_redact},
};

UNIT_MAIN(tests)
