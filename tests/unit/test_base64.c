/*
 * Unit tests for base64.c: RFC 4648 section 10's vectors both ways, the
 * URL alphabet, and hostile input (bad characters, padding in the
 * middle or too much of it, a lone character, output too small).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "base64.h"
#include "unit.h"

static void
test_rfc4648(void)
{
	static const char *plain[] = {
	    "", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *enc[] = {
	    "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	char out[16];
	unsigned char dec[16];
	size_t i, n;

	for (i = 0; i < 7; i++) {
		n = strlen(plain[i]);
		base64_encode((const unsigned char *)plain[i], n, out, 0, 1);
		CHECK_STR(out, enc[i]);
		CHECK_INT(
		    base64_decode(enc[i], strlen(enc[i]), dec, sizeof(dec), 0),
		    n);
		CHECK(memcmp(dec, plain[i], n) == 0);
		/* Unpadded input decodes the same. */
		CHECK_INT(base64_decode(enc[i], strcspn(enc[i], "="), dec,
		              sizeof(dec), 0),
		    n);
	}
}

static void
test_url(void)
{
	static const unsigned char b[] = {0xfb, 0xff, 0xbf};
	char out[8];
	unsigned char dec[8];

	base64_encode(b, 3, out, 1, 0);
	CHECK_STR(out, "-_-_");
	base64_encode(b, 3, out, 0, 0);
	CHECK_STR(out, "+/+/");
	base64_encode(b, 2, out, 1, 0);
	CHECK_STR(out, "-_8");
	CHECK_INT(base64_decode("-_-_", 4, dec, sizeof(dec), 1), 3);
	CHECK_INT(base64_decode("-_-_", 4, dec, sizeof(dec), 0), -1);
	CHECK_INT(base64_decode("+/+/", 4, dec, sizeof(dec), 1), -1);
}

static void
test_hostile(void)
{
	static const char *bad[] = {"Zg=a", "Z===", "Zm9v Yg==", "Zm9vY",
	    "Zm9vYg=", "=Zg=", "Zm9\nv", "Zg\0=", "Zm9vYg==="};
	unsigned char dec[16];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (base64_decode(bad[i], strlen(bad[i]) + (i == 7), dec,
		        sizeof(dec), 0) != -1)
			FAILF("row %zu \"%s\" decoded", i, bad[i]);
	CHECK_INT(base64_decode("Zm9vYmFy", 8, dec, 5, 0), -1);
	CHECK_INT(base64_decode("Zm9vYmFy", 8, dec, 6, 0), 6);
}

static const struct unit_test tests[] = {
    {"rfc4648", test_rfc4648},
    {"url", test_url},
    {"hostile", test_hostile},
};

UNIT_MAIN(tests)
