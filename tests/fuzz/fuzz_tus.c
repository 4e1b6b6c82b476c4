/*
 * tus.c: Upload-Metadata, Upload-Checksum and Upload-Offset values and
 * upload names, from one input.  Properties beyond "no crash": a found
 * filename fits its buffer and is terminated; a value put back with
 * tus_meta_put() and read again gives the same bytes; a parsed checksum
 * has its algorithm's length; a number round-trips through printf; a
 * name that passes has no "..", NUL or backslash and is not absolute.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <inttypes.h>

#include "fuzz.h"
#include "tus.h"

#define CAP 256

static void
check_meta(const char *s)
{
	char out[CAP + 1], again[CAP + 1], hdr[1024], err[128];
	size_t len, len2;
	int found, found2;

	if (tus_meta_get(
	        s, "filename", out, CAP, &len, &found, err, sizeof(err)) != 0 ||
	    !found)
		return;
	FUZZ_CHECK(len <= CAP && out[len] == '\0');
	hdr[0] = '\0';
	FUZZ_CHECK(tus_meta_put(hdr, sizeof(hdr), "filename", out, len) == 0);
	FUZZ_CHECK(tus_meta_get(hdr, "filename", again, CAP, &len2, &found2,
	               err, sizeof(err)) == 0);
	FUZZ_CHECK(found2 && len2 == len && memcmp(out, again, len) == 0);
	if (tus_name_check(out, len, err, sizeof(err)) == 0) {
		FUZZ_CHECK(out[0] != '/' && memchr(out, '\0', len) == NULL);
		FUZZ_CHECK(memchr(out, '\\', len) == NULL);
		FUZZ_CHECK(
		    strcmp(out, "..") != 0 && strncmp(out, "../", 3) != 0);
		FUZZ_CHECK(strstr(out, "/../") == NULL);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), err[128], num[32];
	unsigned char d[TUS_DIGEST_MAX];
	enum tus_algo a;
	size_t len;
	uint64_t v;

	check_meta(s);
	if (tus_checksum_parse(s, &a, d, &len, err, sizeof(err)) == 0)
		FUZZ_CHECK(len ==
		    (a == TUS_SHA1            ? 20u
		            : a == TUS_SHA256 ? 32u
		            : a == TUS_MD5    ? 16u
		                              : 4u));
	if (tus_u64(s, &v) == 0) {
		FUZZ_CHECK(v <= INT64_MAX);
		snprintf(num, sizeof(num), "%" PRIu64, v);
		/* Leading zeros aside, the digits are the number's. */
		FUZZ_CHECK(strlen(num) <= size);
	}
	free(s);
	return 0;
}
