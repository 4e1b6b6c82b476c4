/*
 * path.c: path_decode() on the part of a request target after
 * "/download/", into the full PATH_MAX_LEN buffer and into a small one.
 * A decoded name must be safe to hand to openat2 beneath the root: no
 * NUL before its end, no backslash or control byte, no "." or ".."
 * segment, no empty segment (so no leading, doubled or trailing '/'),
 * and it fits its buffer.  Decoding is also deterministic: the small
 * buffer either fails or gives the same name.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "fuzz.h"
#include "path.h"

static void
check_safe(const char *out, size_t outlen)
{
	size_t len = strnlen(out, outlen), i, seg = 0;

	FUZZ_CHECK(len > 0 && len < outlen);
	FUZZ_CHECK(out[0] != '/' && out[len - 1] != '/');
	for (i = 0; i <= len; i++) {
		unsigned char c = (unsigned char)out[i];

		if (i < len) {
			FUZZ_CHECK(c >= 0x20 && c != 0x7f && c != '\\');
			if (c != '/')
				continue;
		}
		/* out[seg..i) is one segment */
		FUZZ_CHECK(i > seg);
		FUZZ_CHECK(!(i - seg == 1 && out[seg] == '.'));
		FUZZ_CHECK(
		    !(i - seg == 2 && out[seg] == '.' && out[seg + 1] == '.'));
		seg = i + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *target, err[64];
	static char out[PATH_MAX_LEN];
	char small[16];
	int r, rs;

	target = fuzz_cstr(data, size);
	r = path_decode(target, out, sizeof(out), err, sizeof(err));
	if (r == 0)
		check_safe(out, sizeof(out));
	else
		FUZZ_CHECK(r == -1 && err[0] != '\0');

	rs = path_decode(target, small, sizeof(small), err, sizeof(err));
	if (rs == 0) {
		FUZZ_CHECK(r == 0 && strcmp(small, out) == 0);
		check_safe(small, sizeof(small));
	}
	/* An error message that does not fit is cut, never overflowed. */
	(void)path_decode(target, small, sizeof(small), err, 1);
	(void)path_decode(target, small, sizeof(small), NULL, 0);
	free(target);
	return 0;
}
