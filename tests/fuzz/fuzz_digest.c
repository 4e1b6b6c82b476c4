/*
 * digest.c: Repr-Digest and Want-Repr-Digest values (RFC 9530 / RFC 8941
 * dictionaries), hex digests and extended-attribute records, from one
 * input.  Properties beyond "no crash": a refused field leaves nothing
 * set; an accepted sha-256 formats back to a value that parses to the
 * same bytes; preferences are within 0-10; a record that matches a
 * version gives back the digest that formats to the same record.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <strings.h>

#include "digest.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct digest_set set, again;
	struct digest_version v = {1234, 1700000000, 123456789, 42};
	unsigned char d[32], d2[32];
	char *s = fuzz_cstr(data, size), out[DIGEST_XATTR_MAX];
	int a, b;

	if (digest_repr_parse(s, &set) == -1)
		FUZZ_CHECK(!set.has_sha256 && !set.has_sha512);
	else if (set.has_sha256) {
		digest_repr_format(set.sha256, out, sizeof(out));
		FUZZ_CHECK(digest_repr_parse(out, &again) == 0);
		FUZZ_CHECK(again.has_sha256 &&
		    memcmp(again.sha256, set.sha256, 32) == 0);
	}
	if (digest_want_parse(s, &a, &b) == 0)
		FUZZ_CHECK(a >= -1 && a <= 10 && b >= -1 && b <= 10);
	if (digest_hex_parse(s, d) == 0) {
		digest_hex_format(d, out);
		FUZZ_CHECK(strlen(out) == 64 &&
		    digest_hex_parse(out, d2) == 0 && memcmp(d, d2, 32) == 0);
	}
	if (digest_xattr_match(s, size, &v, d) == 1) {
		FUZZ_CHECK(digest_xattr_format(&v, d, out, sizeof(out)) > 0);
		/* Hex digits may come in either case. */
		FUZZ_CHECK(
		    strlen(out) == size && strncasecmp(out, s, size) == 0);
	}
	free(s);
	return 0;
}
