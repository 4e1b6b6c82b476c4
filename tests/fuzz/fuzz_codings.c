/*
 * httphdr.c: the value helpers serve.c and conn.c apply to request
 * fields.  The input up to the first LF (or all of it) is the header
 * value; what follows an LF is an entity tag to look for.
 *   httphdr_accepts()     Accept-Encoding / TE, for gzip and identity
 *   httphdr_date_parse()  If-Modified-Since and friends
 *   httphdr_etag_match()  If-None-Match / If-Match / If-Range
 *   httphdr_has_token()   Connection
 * Properties: x-gzip means gzip; a parsed date formats as an IMF-fixdate
 * that parses back to the same time; a strong match is also a weak one;
 * "*" matches any tag, and a tag matches a list made of itself.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <time.h>

#include "fuzz.h"
#include "httphdr.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *val, *nl, out[64];
	const char *etag = "\"5f1e3c2a9b000-1000\"";
	time_t t, t2;
	int strong, weak, n;

	val = fuzz_cstr(data, size);
	if ((nl = memchr(val, '\n', size)) != NULL) {
		*nl = '\0';
		etag = nl + 1;
	}

	/* Negotiation: only 0 or 1, and the x- alias agrees. */
	n = httphdr_accepts(val, "gzip");
	FUZZ_CHECK(n == 0 || n == 1);
	FUZZ_CHECK(httphdr_accepts(val, "x-gzip") == n);
	FUZZ_CHECK(httphdr_accepts(val, "GZIP") == n);
	n = httphdr_accepts(val, "identity");
	FUZZ_CHECK(n == 0 || n == 1);
	(void)httphdr_accepts(val, "br");
	(void)httphdr_accepts(val, "");

	/* Dates: accepted ones survive a format/parse round trip. */
	if (httphdr_date_parse(val, &t) == 0) {
		/*
		 * The one date that does not round-trip: a leap second
		 * on the last day of 9999 folds into year 10000.
		 */
		n = httphdr_date_format(t, out, sizeof(out));
		FUZZ_CHECK(n == 29 || (n == -1 && t == 253402300800));
		if (n == 29)
			FUZZ_CHECK(
			    httphdr_date_parse(out, &t2) == 0 && t2 == t);
	}

	/* Entity tags. */
	strong = httphdr_etag_match(val, etag, 0);
	weak = httphdr_etag_match(val, etag, 1);
	FUZZ_CHECK(strong == 0 || strong == 1);
	FUZZ_CHECK(weak == 0 || weak == 1);
	FUZZ_CHECK(!strong || weak);
	if (httphdr_etag_match("*", etag, 1))
		FUZZ_CHECK(httphdr_etag_match(etag, etag, 1));
	(void)httphdr_etag_match(etag, val, 0);

	/* Connection tokens. */
	(void)httphdr_has_token(val, "close");
	(void)httphdr_has_token(val, "keep-alive");
	free(val);
	return 0;
}
