/*
 * Pure helpers for HTTP header fields (RFC 9110): the field type both
 * parsers fill and its lookup, content-coding negotiation with q-values,
 * HTTP-dates, entity tags and comma lists.  No I/O, no libevent.
 */
#ifndef HAUL_HTTPHDR_H
#define HAUL_HTTPHDR_H

#include <sys/types.h>
#include <stddef.h>
#include <time.h>

/* One field line, NUL-terminated where it lies in the parser's buffer. */
struct httphdr_field {
	const char *name;
	const char *value; /* OWS trimmed */
};

#define HTTPHDR_FIELDS_MAX 100 /* a response head with more is refused */

/* The fields of one head, in the order they came. */
struct httphdr_fields {
	size_t n;
	struct httphdr_field f[HTTPHDR_FIELDS_MAX];
};

/* Value of the first of f[0..n) named name, case-blind; NULL when absent. */
const char *httphdr_find(
    const struct httphdr_field *f, size_t n, const char *name);

/* How many of f[0..n) are named name, case-blind. */
size_t httphdr_count(const struct httphdr_field *f, size_t n, const char *name);

/*
 * Whether a coding (e.g. "gzip") is acceptable in an Accept-Encoding or TE
 * value (RFC 9110 12.5.3 and 10.1.4): 1 if its q-value (explicit, or
 * through "*") is above zero, else 0.  A NULL or empty value accepts
 * nothing.  "x-gzip" counts as "gzip".  Malformed elements are skipped.
 * A coding listed twice takes its lowest q.  "identity" gets no implicit
 * acceptance here: the caller knows identity is the fallback.
 */
int httphdr_accepts(const char *value, const char *coding);

/*
 * IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"; buf needs 30 bytes.
 * Returns snprintf's count, or -1 (buf emptied) if t has no 4-digit year.
 */
int httphdr_date_format(time_t t, char *buf, size_t len);

/*
 * Parse an HTTP-date in any of the three RFC 9110 5.6.7 forms
 * (IMF-fixdate, RFC 850, asctime), case-sensitively as 5.6.7 says.
 * Returns 0, or -1 if invalid (bad syntax, a field out of range such
 * as Feb 30 or hour 25, a year before 1900, trailing bytes).
 */
int httphdr_date_parse(const char *s, time_t *out);

/*
 * Strong entity tag for a file, made of its mtime (nanoseconds) and size:
 * "\"<mtime-ns hex>-<size hex>\"".  buf needs 48 bytes.  Returns
 * snprintf's count.
 */
int httphdr_etag(
    char *buf, size_t len, long long mtime_sec, long mtime_nsec, off_t size);

/*
 * Whether `etag` is in a list of entity tags such as an If-None-Match or
 * If-Match value ("*" matches anything).  weak = 1 uses the weak comparison
 * (If-None-Match, RFC 9110 13.1.2), weak = 0 the strong one (a W/ tag never
 * matches).  A malformed list matches nothing.
 */
int httphdr_etag_match(const char *list, const char *etag, int weak);

/* Whether a comma-separated list (e.g. Connection) holds token, case-blind. */
int httphdr_has_token(const char *list, const char *token);

#endif
