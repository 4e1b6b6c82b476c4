/*
 * Unit tests for digest.c: Repr-Digest and Want-Repr-Digest values as
 * RFC 9530 writes them and as a hostile origin might (malformed
 * dictionaries, wrong lengths, bad base64, trailing commas), the hex form
 * and the extended-attribute record (a record for another version never
 * matches).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include "digest.h"
#include "unit.h"

/* SHA-256 of "hello world\n" (sha256sum), in hex and base64. */
#define HELLO_HEX                                                              \
	"a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447"
#define HELLO_B64 "qUiQTy8PR5uPgZdpSzAYSw0u0cHNKh7A+4XSmaGSpEc="

static void
test_repr_format(void)
{
	unsigned char d[32];
	char out[DIGEST_REPR_MAX], hex[65];

	CHECK_INT(digest_hex_parse(HELLO_HEX, d), 0);
	digest_repr_format(d, out, sizeof(out));
	CHECK_STR(out, "sha-256=:" HELLO_B64 ":");
	digest_hex_format(d, hex);
	CHECK_STR(hex, HELLO_HEX);
}

static void
test_repr_parse(void)
{
	static const struct {
		const char *v;
		int ret, has256, has512;
	} rows[] = {
	    {"sha-256=:" HELLO_B64 ":", 0, 1, 0},
	    {"  sha-256=:" HELLO_B64 ":  ", 0, 1, 0},
	    {"unixsum=:AAAA:, sha-256=:" HELLO_B64 ":", 0, 1, 0},
	    {"sha-256=:" HELLO_B64 ":;p=1;q, md5=:AAAA:", 0, 1, 0},
	    {"sha-512=:"
	     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAA==:",
	        0, 0, 1},
	    {"", 0, 0, 0},
	    {"md5=:AAAAAAAAAAAAAAAAAAAAAA==:", 0, 0, 0},
	    {"a=1, b=2.5, c=\"s\\\"\", d=tok/en:x, e=?0, f, g=(1 \"x\" ?1);k=v",
	        0, 0, 0},
	    /* A sha-256 member that is no 32-byte sequence spoils the field. */
	    {"sha-256=:AAAA:", -1, 0, 0},
	    {"sha-256=" HELLO_HEX, -1, 0, 0},
	    {"sha-256=\"" HELLO_B64 "\"", -1, 0, 0},
	    {"sha-256=:" HELLO_B64, -1, 0, 0},
	    {"sha-256=:" HELLO_B64 ":,", -1, 0, 0},
	    {"sha-256=:" HELLO_B64 ": x", -1, 0, 0},
	    {"sha-256=:qUiQ*y8PR5uPgZdpSzAYSw0u0cHNKh7A+4XSmaGSpEc=:", -1, 0,
	        0},
	    {"sha-256=:qUiQTy8PR5uPgZdpSzAYSw0u0cHNKh7A+4XSmaGSp=Ec:", -1, 0,
	        0},
	    {"SHA-256=:" HELLO_B64 ":", -1, 0, 0},
	    {",sha-256=:" HELLO_B64 ":", -1, 0, 0},
	    {"a=1.", -1, 0, 0},
	    {"a=1234567890123456", -1, 0, 0},
	    {"a=1234567890123.5", -1, 0, 0},
	    {"a=\"\x01\"", -1, 0, 0},
	    {"a=\"unterminated", -1, 0, 0},
	    {"a=(1 2", -1, 0, 0},
	    {"a=?2", -1, 0, 0},
	    {"a=@", -1, 0, 0},
	    {"a;=1", -1, 0, 0},
	};
	struct digest_set s;
	size_t i;
	unsigned char want[32];

	digest_hex_parse(HELLO_HEX, want);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int r = digest_repr_parse(rows[i].v, &s);

		if (r != rows[i].ret || s.has_sha256 != rows[i].has256 ||
		    s.has_sha512 != rows[i].has512)
			FAILF("row %zu \"%s\": %d %d %d", i, rows[i].v, r,
			    s.has_sha256, s.has_sha512);
		if (s.has_sha256 && memcmp(s.sha256, want, 32) != 0)
			FAILF("row %zu: wrong bytes", i);
	}
}

static void
test_want(void)
{
	int a, b;

	CHECK_INT(digest_want_parse("sha-256=10, sha-512=3", &a, &b), 0);
	CHECK_INT(a, 10);
	CHECK_INT(b, 3);
	CHECK_INT(digest_want_parse("md5=1", &a, &b), 0);
	CHECK_INT(a, -1);
	CHECK_INT(b, -1);
	CHECK_INT(digest_want_parse("sha-256=11", &a, &b), -1);
	CHECK_INT(digest_want_parse("sha-256=-1", &a, &b), -1);
	CHECK_INT(digest_want_parse("sha-256=1.5", &a, &b), -1);
	CHECK_INT(digest_want_parse("sha-256", &a, &b), -1);
	CHECK_INT(digest_want_parse("sha-256=1,", &a, &b), -1);
}

static void
test_hex(void)
{
	unsigned char d[32];

	CHECK_INT(digest_hex_parse(HELLO_HEX, d), 0);
	CHECK_INT(
	    digest_hex_parse("A948904F2F0F479B8F8197694B30184B0D2ED1C1CD2A"
	                     "1EC0FB85D299A192A447",
	        d),
	    0);
	CHECK_INT(digest_hex_parse("", d), -1);
	CHECK_INT(digest_hex_parse(HELLO_HEX "0", d), -1);
	CHECK_INT(
	    digest_hex_parse("g948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1"
	                     "ec0fb85d299a192a447",
	        d),
	    -1);
	CHECK_INT(
	    digest_hex_parse(" 948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1"
	                     "ec0fb85d299a192a447",
	        d),
	    -1);
}

static void
test_xattr(void)
{
	struct digest_version v = {1234, 1700000000, 123456789, 42}, w;
	unsigned char d[32], got[32];
	char rec[DIGEST_XATTR_MAX];
	int n;

	digest_hex_parse(HELLO_HEX, d);
	n = digest_xattr_format(&v, d, rec, sizeof(rec));
	CHECK_STR(rec, "haul1 1234 1700000000.123456789 42 " HELLO_HEX);
	CHECK_INT(n, (int)strlen(rec));
	CHECK_INT(digest_xattr_match(rec, (size_t)n, &v, got), 1);
	CHECK(memcmp(got, d, 32) == 0);
	w = v;
	w.mtime_nsec++;
	CHECK_INT(digest_xattr_match(rec, (size_t)n, &w, got), 0);
	w = v;
	w.size++;
	CHECK_INT(digest_xattr_match(rec, (size_t)n, &w, got), 0);
	w = v;
	w.ino++;
	CHECK_INT(digest_xattr_match(rec, (size_t)n, &w, got), 0);
	CHECK_INT(digest_xattr_match(rec, (size_t)n - 1, &v, got), 0);
	rec[n - 1] = 'x';
	CHECK_INT(digest_xattr_match(rec, (size_t)n, &v, got), 0);
	CHECK_INT(digest_xattr_match("", 0, &v, got), 0);
	CHECK_INT(digest_xattr_format(&v, d, rec, 20), -1);
}

static const struct unit_test tests[] = {
    {"repr_format", test_repr_format},
    {"repr_parse", test_repr_parse},
    {"want", test_want},
    {"hex", test_hex},
    {"xattr", test_xattr},
};

UNIT_MAIN(tests)
