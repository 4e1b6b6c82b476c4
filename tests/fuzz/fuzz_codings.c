/*
 * httphdr.c: the value helpers serve.c and conn.c apply to request
 * fields, and the field-line parser and Content-Length that hauld and
 * hclient share.  The input up to the first LF (or all of it) is the
 * header value; what follows an LF is an entity tag to look for.  The
 * whole input, with a blank line after it, is also parsed as field lines.
 *   httphdr_accepts()        Accept-Encoding / TE, for gzip and identity
 *   httphdr_date_parse()     If-Modified-Since and friends
 *   httphdr_etag_match()     If-None-Match / If-Match / If-Range
 *   httphdr_has_token()      Connection
 *   httphdr_content_length() Content-Length
 *   httphdr_fields_parse()   field lines, strict and not
 * Properties: x-gzip means gzip; a parsed date formats as an IMF-fixdate
 * that parses back to the same time; a strong match is also a weak one;
 * "*" matches any tag, and a tag matches a list made of itself; a length
 * prints back as its digits without leading zeros; parsed fields lie in
 * the buffer, names are tokens, values start with no OWS (and, when
 * strict, end with none and hold no control byte but HTAB); what strict
 * parsing takes, the lenient one takes the same.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <inttypes.h>
#include <time.h>

#include "fuzz.h"
#include "httphdr.h"

#define MAXF 8

static void check_fields(const char *, size_t, int, struct httphdr_field *,
    size_t *, enum httphdr_err *);
static void check_length(const char *);

/* Parse in[0..len) and a blank line as field lines; check each field. */
static void
check_fields(const char *in, size_t len, int flags, struct httphdr_field *f,
    size_t *n, enum httphdr_err *e)
{
	char *buf = malloc(len + 2);
	const char *q;
	size_t i, k;

	if (buf == NULL)
		abort();
	memcpy(buf, in, len);
	memcpy(buf + len, "\n\n", 2);
	*n = 0;
	*e = httphdr_fields_parse(buf, buf + len + 2, flags, f, MAXF, n);
	FUZZ_CHECK(*e >= HTTPHDR_OK && *e <= HTTPHDR_EMANY);
	FUZZ_CHECK(*n <= MAXF);
	for (i = 0; i < *n; i++) {
		FUZZ_CHECK(f[i].name >= buf && f[i].name < buf + len);
		FUZZ_CHECK(f[i].value > f[i].name && f[i].value <= buf + len);
		FUZZ_CHECK(*f[i].name != '\0');
		for (q = f[i].name; *q != '\0'; q++)
			FUZZ_CHECK(httphdr_tchar((unsigned char)*q));
		/* Without STRICT a NUL may end a value before its OWS. */
		k = strlen(f[i].value);
		FUZZ_CHECK(k == 0 ||
		    (f[i].value[0] != ' ' && f[i].value[0] != '\t'));
		if (!(flags & HTTPHDR_STRICT))
			continue;
		FUZZ_CHECK(k == 0 || (f[i].value[k - 1] != ' ' &&
		                         f[i].value[k - 1] != '\t'));
		for (q = f[i].value; *q != '\0'; q++)
			FUZZ_CHECK(((unsigned char)*q >= 0x20 || *q == '\t') &&
			    *q != 0x7f);
	}
	/* The fields are checked; their text must outlive the caller's use. */
	for (i = 0; i < *n; i++) {
		f[i].name = strdup(f[i].name);
		f[i].value = strdup(f[i].value);
	}
	free(buf);
}

/* A length prints back as its digits, leading zeros aside. */
static void
check_length(const char *s)
{
	char out[32];
	uint64_t v;

	if (httphdr_content_length(s, &v) == -1)
		return;
	while (*s == '0' && s[1] != '\0')
		s++;
	snprintf(out, sizeof(out), "%" PRIu64, v);
	FUZZ_CHECK(strcmp(out, s) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *val, *nl, out[64];
	const char *etag = "\"5f1e3c2a9b000-1000\"";
	struct httphdr_field sf[MAXF], lf[MAXF];
	enum httphdr_err se, le;
	size_t sn, ln, i;
	time_t t, t2;
	int strong, weak, n;

	/* Field lines: strict, then lenient. */
	check_fields((const char *)data, size, HTTPHDR_STRICT, sf, &sn, &se);
	check_fields((const char *)data, size, 0, lf, &ln, &le);
	if (se == HTTPHDR_OK) {
		FUZZ_CHECK(le == HTTPHDR_OK && ln == sn);
		for (i = 0; i < sn; i++)
			FUZZ_CHECK(strcmp(sf[i].name, lf[i].name) == 0 &&
			    strcmp(sf[i].value, lf[i].value) == 0);
	}
	for (i = 0; i < sn; i++) {
		free((char *)sf[i].name);
		free((char *)sf[i].value);
	}
	for (i = 0; i < ln; i++) {
		free((char *)lf[i].name);
		free((char *)lf[i].value);
	}

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

	check_length(val);

	/* Connection tokens. */
	(void)httphdr_has_token(val, "close");
	(void)httphdr_has_token(val, "keep-alive");
	free(val);
	return 0;
}
