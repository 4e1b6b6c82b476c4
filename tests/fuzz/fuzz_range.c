/*
 * range.c: range_parse() against a representation size taken from the
 * first 8 bytes (little-endian, any value: negative sizes included), the
 * rest being the Range value; and range_parse_content_range() on the same
 * value, as haulproxy meets it in an origin's 206.  Beyond not crashing:
 * a RANGE_OK set is sorted, disjoint, non-adjacent, inside the file and
 * at most RANGE_MAX long; every range formats to a Content-Range that
 * parses back to itself; a parsed Content-Range obeys RFC 9110 14.4.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>

#include "fuzz.h"
#include "range.h"

static void
check_content_range(off_t first, off_t last, off_t size)
{
	char buf[96];
	off_t f, l, s;
	int n;

	n = range_format(buf, sizeof(buf), first, last, size);
	FUZZ_CHECK(n > 0 && (size_t)n < sizeof(buf));
	FUZZ_CHECK(range_parse_content_range(buf, &f, &l, &s, NULL, 0) == 0);
	FUZZ_CHECK(f == first && l == last && s == size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct range_set rs;
	enum range_result rr;
	char err[64], *hdr;
	off_t fsize, first, last, clen, total;
	size_t i;

	fsize = (off_t)(int64_t)fuzz_take_le(&data, &size, 8);
	hdr = fuzz_cstr(data, size);

	rr = range_parse(hdr, fsize, &rs, err, sizeof(err));
	FUZZ_CHECK(
	    rr == RANGE_IGNORE || rr == RANGE_OK || rr == RANGE_UNSATISFIABLE);
	if (rr == RANGE_OK) {
		FUZZ_CHECK(fsize > 0);
		FUZZ_CHECK(rs.n >= 1 && rs.n <= RANGE_MAX);
		total = 0;
		for (i = 0; i < rs.n; i++) {
			FUZZ_CHECK(rs.r[i].first >= 0);
			FUZZ_CHECK(rs.r[i].first <= rs.r[i].last);
			FUZZ_CHECK(rs.r[i].last < fsize);
			if (i > 0)
				FUZZ_CHECK(
				    rs.r[i].first > rs.r[i - 1].last + 1);
			total += rs.r[i].last - rs.r[i].first + 1;
			check_content_range(rs.r[i].first, rs.r[i].last, fsize);
		}
		/* Merged ranges never amplify: at most the file. */
		FUZZ_CHECK(total <= fsize);
	} else
		FUZZ_CHECK(rs.n == 0);
	/* The same answer twice: no hidden state. */
	{
		struct range_set again;

		FUZZ_CHECK(range_parse(hdr, fsize, &again, NULL, 0) == rr);
		FUZZ_CHECK(again.n == rs.n);
		FUZZ_CHECK(rs.n == 0 ||
		    memcmp(again.r, rs.r, rs.n * sizeof(rs.r[0])) == 0);
	}

	if (range_parse_content_range(
	        hdr, &first, &last, &clen, err, sizeof(err)) == 0) {
		FUZZ_CHECK(first >= 0 && first <= last);
		FUZZ_CHECK(clen == -1 || (clen > 0 && last < clen));
		if (clen != -1)
			check_content_range(first, last, clen);
	}
	free(hdr);
	return 0;
}
