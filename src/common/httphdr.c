/*
 * Header fields and the values that are not ranges (RFC 9110): lookup
 * in a parsed head, q-value negotiation of
 * Accept-Encoding and TE, the three HTTP-date forms, entity tags and
 * their comparison, and token lookup in comma lists such as Connection.
 * Pure: no I/O, no logging; every input byte is treated as hostile.
 *
 * Lists follow RFC 9110 5.6.1: elements separated by commas with OWS
 * around them, empty elements tolerated.  Leading and trailing OWS on a
 * whole value is not part of it (5.5) and is skipped everywhere.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "httphdr.h"
#include "util.h"

/* A byte span inside a header value. */
struct span {
	const char *s;
	size_t len;
};

static int hh_is_ows(char);
static const char *hh_skip_ows(const char *);
static char *hh_eol(char *, char *, char **);
static enum httphdr_err hh_field_line(
    char *, char *, int, struct httphdr_field *);
static size_t hh_token_len(const char *);
static size_t hh_quoted_len(const char *);
static int hh_span_eq(struct span, const char *);
static const char *hh_skip_elem(const char *);
static struct span hh_coding_name(struct span);
static int hh_qvalue(struct span);
static int hh_accept_elem(const char **, struct span *, int *);
static int hh_date_digits(const char **, int, int *);
static int hh_date_name(const char **, const char *const *, int, int *);
static int hh_date_lit(const char **, const char *);
static int hh_date_time(const char **, struct tm *);
static int hh_date_year2(int);
static int hh_date_done(const char *, struct tm *, time_t *);
static int hh_date_imf(const char **, struct tm *);
static int hh_date_asctime(const char **, struct tm *);
static int hh_date_rfc850(const char **, struct tm *);
static int hh_etag_parse(const char **, int *, struct span *);

static const char *const hh_wday[7] = {
    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const hh_wday_long[7] = {"Sunday", "Monday", "Tuesday",
    "Wednesday", "Thursday", "Friday", "Saturday"};
static const char *const hh_month[12] = {"Jan", "Feb", "Mar", "Apr", "May",
    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* OWS = *( SP / HTAB ), RFC 9110 5.6.3. */
static int
hh_is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static const char *
hh_skip_ows(const char *p)
{
	while (hh_is_ows(*p))
		p++;
	return p;
}

/* tchar, RFC 9110 5.6.2; by hand, so bytes >= 0x80 are never tokens. */
int
httphdr_tchar(int c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return 1;
	return c > 0 && c < 0x80 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static size_t
hh_token_len(const char *p)
{
	size_t n = 0;

	while (httphdr_tchar((unsigned char)p[n]))
		n++;
	return n;
}

/*
 * Length of the quoted-string at p (RFC 9110 5.6.4), quotes included, or
 * 0 if p does not start one or it is unterminated.
 */
static size_t
hh_quoted_len(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t n;

	if (u[0] != '"')
		return 0;
	for (n = 1; u[n] != '\0'; n++) {
		if (u[n] == '"')
			return n + 1;
		if (u[n] == '\\') {
			/* quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ) */
			n++;
			if (u[n] != '\t' && u[n] < 0x20)
				return 0;
		} else if ((u[n] < 0x20 && u[n] != '\t') || u[n] == 0x7f)
			return 0;
	}
	return 0;
}

const char *
httphdr_find(const struct httphdr_field *f, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(f[i].name, name) == 0)
			return f[i].value;
	return NULL;
}

size_t
httphdr_count(const struct httphdr_field *f, size_t n, const char *name)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (strcasecmp(f[i].name, name) == 0)
			k++;
	return k;
}

/*
 * The line at p: returns the byte after its LF (or end when it has
 * none), and *le where the line proper ends, before a CR of a CRLF.
 */
static char *
hh_eol(char *p, char *end, char **le)
{
	char *nl = memchr(p, '\n', (size_t)(end - p));

	if (nl == NULL) {
		*le = end;
		return end;
	}
	*le = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
	return nl + 1;
}

/* One field line, p[0..le) without its line end, parsed in place. */
static enum httphdr_err
hh_field_line(char *p, char *le, int flags, struct httphdr_field *f)
{
	char *q, *colon, *v;

	if (flags & HTTPHDR_STRICT)
		for (q = p; q < le; q++)
			if (((unsigned char)*q < 0x20 && *q != '\t') ||
			    *q == 0x7f)
				return HTTPHDR_ECTL;
	if (hh_is_ows(*p))
		return HTTPHDR_EFOLD;
	colon = memchr(p, ':', (size_t)(le - p));
	if (colon == NULL || colon == p)
		return HTTPHDR_ELINE;
	for (q = p; q < colon; q++)
		if (!httphdr_tchar((unsigned char)*q))
			return HTTPHDR_ENAME;
	*colon = '\0';
	for (v = colon + 1; v < le && hh_is_ows(*v); v++)
		;
	while (le > v && hh_is_ows(le[-1]))
		le--;
	*le = '\0';
	f->name = p;
	f->value = v;
	return HTTPHDR_OK;
}

enum httphdr_err
httphdr_fields_parse(char *p, char *end, int flags, struct httphdr_field *f,
    size_t max, size_t *n)
{
	struct httphdr_field one;
	enum httphdr_err e;
	char *next, *le;

	for (; p < end; p = next) {
		next = hh_eol(p, end, &le);
		if (le == p)
			break; /* the blank line */
		if ((e = hh_field_line(p, le, flags, &one)) != HTTPHDR_OK)
			return e;
		if (*n == max)
			return HTTPHDR_EMANY;
		f[(*n)++] = one;
	}
	return HTTPHDR_OK;
}

const char *
httphdr_strerror(enum httphdr_err e)
{
	switch (e) {
	case HTTPHDR_OK:
		return "no error";
	case HTTPHDR_ECTL:
		return "control byte in header field";
	case HTTPHDR_EFOLD:
		return "obsolete line folding";
	case HTTPHDR_ELINE:
		return "malformed header field";
	case HTTPHDR_ENAME:
		return "bad header field name";
	case HTTPHDR_EMANY:
		return "too many header fields";
	}
	return "bad header field";
}

int
httphdr_content_length(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

int
httphdr_length(const struct httphdr_field *f, size_t n, uint64_t *out)
{
	uint64_t v;
	size_t i;
	int found = 0;

	for (i = 0; i < n; i++) {
		if (strcasecmp(f[i].name, "Content-Length") != 0)
			continue;
		if (httphdr_content_length(f[i].value, &v) == -1 ||
		    (found && v != *out))
			return -1;
		*out = v;
		found = 1;
	}
	return found;
}

/* Case-insensitive span == string, for ASCII tokens. */
static int
hh_span_eq(struct span a, const char *b)
{
	size_t i;
	char x, y;

	for (i = 0; i < a.len; i++) {
		x = a.s[i];
		y = b[i];
		if (y == '\0')
			return 0;
		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return 0;
	}
	return b[i] == '\0';
}

/*
 * Skip to just past the next comma outside a quoted-string, or to the
 * end: how a malformed list element is stepped over.
 */
static const char *
hh_skip_elem(const char *p)
{
	size_t q;

	while (*p != '\0' && *p != ',') {
		if (*p == '"' && (q = hh_quoted_len(p)) > 0)
			p += q;
		else
			p++;
	}
	return *p == ',' ? p + 1 : p;
}

/*
 * RFC 9110 8.4.1.3 and 8.4.1.1: a recipient SHOULD treat "x-gzip" as
 * "gzip" and "x-compress" as "compress".  Returns the canonical name.
 */
static struct span
hh_coding_name(struct span n)
{
	struct span t;

	if (n.len > 2 && (n.s[0] == 'x' || n.s[0] == 'X') && n.s[1] == '-') {
		t.s = n.s + 2;
		t.len = n.len - 2;
		if (hh_span_eq(t, "gzip") || hh_span_eq(t, "compress"))
			return t;
	}
	return n;
}

/*
 * RFC 9110 12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] )
 *                         / ( "1" [ "." 0*3("0") ] )
 * Returns thousandths 0..1000, or -1 for anything else ("2", ".5",
 * "0.0001", "1.5", "abc").
 */
static int
hh_qvalue(struct span v)
{
	size_t i;
	int q, scale;

	if (v.len == 0 || (v.s[0] != '0' && v.s[0] != '1'))
		return -1;
	q = (v.s[0] - '0') * 1000;
	if (v.len == 1)
		return q;
	if (v.s[1] != '.' || v.len > 5)
		return -1;
	scale = 100;
	for (i = 2; i < v.len; i++) {
		if (v.s[i] < '0' || v.s[i] > '9')
			return -1;
		q += (v.s[i] - '0') * scale;
		scale /= 10;
	}
	return q > 1000 ? -1 : q;
}

/*
 * Parse one Accept-Encoding or TE element at *pp and step past its comma:
 *
 *	element   = token *( OWS ";" OWS param )
 *	param     = token BWS "=" BWS ( token / quoted-string )
 *
 * which covers both weight (RFC 9110 12.4.2) and the transfer-parameter
 * of TE (10.1.4).  Returns 1 with the coding and its q (1000 by default),
 * 0 for an empty element, -1 for a malformed one: a bad token, a bad or
 * repeated q, or trailing junk.  Parameters other than q are skipped.
 */
static int
hh_accept_elem(const char **pp, struct span *name, int *q)
{
	struct span pn, pv;
	const char *p;
	size_t n;
	int seen_q = 0;

	p = hh_skip_ows(*pp);
	if (*p == ',' || *p == '\0') {
		*pp = *p == ',' ? p + 1 : p;
		return 0;
	}
	if ((n = hh_token_len(p)) == 0)
		goto bad;
	name->s = p;
	name->len = n;
	*q = 1000;
	p = hh_skip_ows(p + n);
	while (*p == ';') {
		p = hh_skip_ows(p + 1);
		if ((pn.len = hh_token_len(p)) == 0)
			goto bad;
		pn.s = p;
		p = hh_skip_ows(p + pn.len);
		if (*p != '=')
			goto bad;
		p = hh_skip_ows(p + 1);
		pv.s = p;
		if ((pv.len = hh_token_len(p)) == 0 &&
		    (pv.len = hh_quoted_len(p)) == 0)
			goto bad;
		p = hh_skip_ows(p + pv.len);
		if (hh_span_eq(pn, "q")) {
			/* Parameter names are case-insensitive (5.6.6). */
			if (seen_q || (*q = hh_qvalue(pv)) < 0)
				goto bad;
			seen_q = 1;
		}
	}
	if (*p != ',' && *p != '\0')
		goto bad;
	*pp = *p == ',' ? p + 1 : p;
	return 1;
bad:
	*pp = hh_skip_elem(p);
	return -1;
}

/*
 * RFC 9110 12.5.3: the explicit entry for a coding decides; "*" covers
 * codings not named; q=0 means "not acceptable".  When a coding (or "*")
 * is listed more than once, which the RFC leaves open, the lowest q
 * wins: sending identity to a confused client is always safe, sending
 * gzip it refused is not.
 */
int
httphdr_accepts(const char *value, const char *coding)
{
	struct span name, want;
	const char *p;
	int q, q_explicit = -1, q_star = -1;

	if (value == NULL || coding == NULL || *coding == '\0')
		return 0;
	want.s = coding;
	want.len = strlen(coding);
	want = hh_coding_name(want);

	p = value;
	while (*p != '\0') {
		if (hh_accept_elem(&p, &name, &q) != 1)
			continue;
		name = hh_coding_name(name);
		if (name.len == want.len && hh_span_eq(name, want.s)) {
			if (q_explicit < 0 || q < q_explicit)
				q_explicit = q;
		} else if (hh_span_eq(name, "*")) {
			if (q_star < 0 || q < q_star)
				q_star = q;
		}
	}
	q = q_explicit >= 0 ? q_explicit : q_star;
	return q > 0;
}

/* Two digits of v (0-99) at p. */
static char *
hh_two(char *p, int v)
{
	*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/*
 * "Sun, 06 Nov 1994 08:49:37 GMT" (29 bytes) without printf: once per
 * response served (Last-Modified).  The year is 0-9999.
 */
static int
hh_date_emit(const struct tm *tm, char *buf, size_t len)
{
	char tmp[32], *p = tmp;

	memcpy(p, hh_wday[tm->tm_wday], 3);
	memcpy(p + 3, ", ", 2);
	p = hh_two(p + 5, tm->tm_mday);
	*p++ = ' ';
	memcpy(p, hh_month[tm->tm_mon], 3);
	p[3] = ' ';
	p = hh_two(p + 4, (tm->tm_year + 1900) / 100);
	p = hh_two(p, (tm->tm_year + 1900) % 100);
	*p++ = ' ';
	p = hh_two(p, tm->tm_hour);
	*p++ = ':';
	p = hh_two(p, tm->tm_min);
	*p++ = ':';
	p = hh_two(p, tm->tm_sec);
	memcpy(p, " GMT", 4);
	return copy_out(buf, len, tmp, (size_t)(p + 4 - tmp));
}

/*
 * IMF-fixdate (RFC 9110 5.6.7), the only form a sender may generate.
 * The names come from tables, not strftime(), so no locale leaks in.
 * Returns snprintf's count, or -1 if t has no 4-digit year.
 */
int
httphdr_date_format(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 < 0 ||
	    tm.tm_year + 1900 > 9999) {
		if (buf != NULL && len > 0)
			buf[0] = '\0';
		return -1;
	}
	return hh_date_emit(&tm, buf, len);
}

/* Exactly n DIGITs. */
static int
hh_date_digits(const char **pp, int n, int *out)
{
	const char *p = *pp;
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*pp = p + n;
	*out = v;
	return 0;
}

/* One of n names, case-sensitively (5.6.7: HTTP-date is case-sensitive). */
static int
hh_date_name(const char **pp, const char *const *names, int n, int *out)
{
	size_t len;
	int i;

	for (i = 0; i < n; i++) {
		len = strlen(names[i]);
		if (strncmp(*pp, names[i], len) == 0) {
			*pp += len;
			*out = i;
			return 0;
		}
	}
	return -1;
}

static int
hh_date_lit(const char **pp, const char *lit)
{
	size_t len = strlen(lit);

	if (strncmp(*pp, lit, len) != 0)
		return -1;
	*pp += len;
	return 0;
}

/* time-of-day = hour ":" minute ":" second */
static int
hh_date_time(const char **pp, struct tm *tm)
{
	if (hh_date_digits(pp, 2, &tm->tm_hour) == -1 ||
	    hh_date_lit(pp, ":") == -1 ||
	    hh_date_digits(pp, 2, &tm->tm_min) == -1 ||
	    hh_date_lit(pp, ":") == -1 ||
	    hh_date_digits(pp, 2, &tm->tm_sec) == -1)
		return -1;
	return 0;
}

/*
 * RFC 9110 5.6.7: a two-digit rfc850 year that "appears to be more than
 * 50 years in the future" is the most recent past year with those digits.
 */
static int
hh_date_year2(int yy)
{
	struct tm now;
	time_t t;
	int cur, year;

	t = time(NULL);
	if (t == (time_t)-1 || gmtime_r(&t, &now) == NULL)
		cur = 2000;
	else
		cur = now.tm_year + 1900;
	year = cur - cur % 100 + yy;
	if (year > cur + 50)
		year -= 100;
	else if (year <= cur - 50)
		year += 100;
	return year;
}

/*
 * Check the fields (tm_year holds the full year on entry), demand the end
 * of the value after optional OWS, and convert with timegm().  The day
 * name is not checked against the date: 5.6.7 makes it redundant, and
 * like nginx we let the numbers decide.  Seconds may be 60, a leap
 * second (RFC 5322 3.3); timegm() folds it into the next minute.
 * Years before 1900 have no business in HTTP and are refused.
 */
static int
hh_date_done(const char *p, struct tm *tm, time_t *out)
{
	static const int mdays[12] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int year = tm->tm_year, leap, dim;
	time_t t;

	p = hh_skip_ows(p);
	if (*p != '\0')
		return -1;
	if (year < 1900 || year > 9999)
		return -1;
	leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	dim = mdays[tm->tm_mon] + (tm->tm_mon == 1 && leap);
	if (tm->tm_mday < 1 || tm->tm_mday > dim || tm->tm_hour > 23 ||
	    tm->tm_min > 59 || tm->tm_sec > 60)
		return -1;
	tm->tm_year = year - 1900;
	tm->tm_isdst = 0;
	t = timegm(tm);
	/* -1 is also 1969-12-31 23:59:59; otherwise it is overflow. */
	if (t == (time_t)-1 &&
	    !(year == 1969 && tm->tm_mon == 11 && tm->tm_mday == 31 &&
	        tm->tm_hour == 23 && tm->tm_min == 59 && tm->tm_sec == 59))
		return -1;
	*out = t;
	return 0;
}

/* IMF-fixdate after its day-name ",": SP date1 SP time SP "GMT" */
static int
hh_date_imf(const char **pp, struct tm *tm)
{
	if (hh_date_lit(pp, " ") == -1 ||
	    hh_date_digits(pp, 2, &tm->tm_mday) == -1 ||
	    hh_date_lit(pp, " ") == -1 ||
	    hh_date_name(pp, hh_month, 12, &tm->tm_mon) == -1 ||
	    hh_date_lit(pp, " ") == -1 ||
	    hh_date_digits(pp, 4, &tm->tm_year) == -1 ||
	    hh_date_lit(pp, " ") == -1 || hh_date_time(pp, tm) == -1 ||
	    hh_date_lit(pp, " GMT") == -1)
		return -1;
	return 0;
}

/* asctime-date after its day-name SP: month SP day SP time SP year */
static int
hh_date_asctime(const char **pp, struct tm *tm)
{
	if (hh_date_name(pp, hh_month, 12, &tm->tm_mon) == -1 ||
	    hh_date_lit(pp, " ") == -1)
		return -1;
	if (**pp == ' ') {
		(*pp)++;
		if (hh_date_digits(pp, 1, &tm->tm_mday) == -1)
			return -1;
	} else if (hh_date_digits(pp, 2, &tm->tm_mday) == -1)
		return -1;
	if (hh_date_lit(pp, " ") == -1 || hh_date_time(pp, tm) == -1 ||
	    hh_date_lit(pp, " ") == -1 ||
	    hh_date_digits(pp, 4, &tm->tm_year) == -1)
		return -1;
	return 0;
}

/* rfc850-date after its day-name-l ",": SP date2 SP time SP "GMT" */
static int
hh_date_rfc850(const char **pp, struct tm *tm)
{
	if (hh_date_lit(pp, " ") == -1 ||
	    hh_date_digits(pp, 2, &tm->tm_mday) == -1 ||
	    hh_date_lit(pp, "-") == -1 ||
	    hh_date_name(pp, hh_month, 12, &tm->tm_mon) == -1 ||
	    hh_date_lit(pp, "-") == -1 ||
	    hh_date_digits(pp, 2, &tm->tm_year) == -1 ||
	    hh_date_lit(pp, " ") == -1 || hh_date_time(pp, tm) == -1 ||
	    hh_date_lit(pp, " GMT") == -1)
		return -1;
	tm->tm_year = hh_date_year2(tm->tm_year);
	return 0;
}

/*
 * RFC 9110 5.6.7, all three forms, exactly as the grammar says:
 *
 *	IMF-fixdate  Sun, 06 Nov 1994 08:49:37 GMT
 *	rfc850-date  Sunday, 06-Nov-94 08:49:37 GMT
 *	asctime-date Sun Nov  6 08:49:37 1994
 *
 * The asctime day is 2DIGIT or SP DIGIT; other spacing is refused.  The
 * day name and the byte after it tell the form.
 */
int
httphdr_date_parse(const char *s, time_t *out)
{
	struct tm tm;
	const char *p;
	int wday;

	if (s == NULL)
		return -1;
	memset(&tm, 0, sizeof(tm));
	p = hh_skip_ows(s);
	if (hh_date_name(&p, hh_wday, 7, &wday) == 0 && *p == ',') {
		p++;
		if (hh_date_imf(&p, &tm) == -1)
			return -1;
		return hh_date_done(p, &tm, out);
	}
	p = hh_skip_ows(s);
	if (hh_date_name(&p, hh_wday, 7, &wday) == 0 && *p == ' ') {
		p++;
		if (hh_date_asctime(&p, &tm) == -1)
			return -1;
		return hh_date_done(p, &tm, out);
	}
	p = hh_skip_ows(s);
	if (hh_date_name(&p, hh_wday_long, 7, &wday) == 0 && *p == ',') {
		p++;
		if (hh_date_rfc850(&p, &tm) == -1)
			return -1;
		return hh_date_done(p, &tm, out);
	}
	return -1;
}

/*
 * The mtime in nanoseconds, computed in unsigned arithmetic so a far
 * future or pre-1970 mtime wraps instead of overflowing; the tag only
 * has to change when the file does.  Lower-case hex.
 */
int
httphdr_etag(
    char *buf, size_t len, long long mtime_sec, long mtime_nsec, off_t size)
{
	char tmp[2 * 16 + 4];
	size_t n = 1;
	uint64_t ns;

	ns = (uint64_t)mtime_sec * UINT64_C(1000000000) + (uint64_t)mtime_nsec;
	tmp[0] = '"';
	n += fmt_x64(tmp + n, ns);
	tmp[n++] = '-';
	n += fmt_x64(tmp + n, (uint64_t)size);
	tmp[n++] = '"';
	return copy_out(buf, len, tmp, n);
}

/*
 * entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE (RFC 9110 8.8.3), etagc =
 * %x21 / %x23-7E / obs-text.  "W/" is case-sensitive.  On success *pp
 * is past the closing quote and tag spans the quotes and what they hold.
 */
static int
hh_etag_parse(const char **pp, int *weak, struct span *tag)
{
	const unsigned char *u;
	size_t n;

	u = (const unsigned char *)*pp;
	*weak = 0;
	if (u[0] == 'W' && u[1] == '/') {
		*weak = 1;
		u += 2;
	}
	if (u[0] != '"')
		return -1;
	for (n = 1; u[n] != '"'; n++) {
		if (u[n] < 0x21 || u[n] == 0x7f)
			return -1; /* includes the NUL of "unterminated */
	}
	tag->s = (const char *)u;
	tag->len = n + 1;
	*pp = (const char *)u + n + 1;
	return 0;
}

/*
 * If-Match / If-None-Match = "*" / #entity-tag (RFC 9110 13.1.1, 13.1.2).
 * The whole list is checked before answering: a malformed one matches
 * nothing, so a broken If-None-Match never produces a 304 by accident.
 * 8.8.3.2: the strong comparison needs both tags strong and equal; the
 * weak one ignores W/.
 */
int
httphdr_etag_match(const char *list, const char *etag, int weak)
{
	struct span want, tag;
	const char *p;
	int want_weak, tag_weak, match = 0;

	if (list == NULL || etag == NULL)
		return 0;
	p = hh_skip_ows(etag);
	if (hh_etag_parse(&p, &want_weak, &want) == -1 ||
	    *hh_skip_ows(p) != '\0')
		return 0;

	p = hh_skip_ows(list);
	if (*p == '*')
		return *hh_skip_ows(p + 1) == '\0';

	for (;;) {
		p = hh_skip_ows(p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\0')
			break;
		if (hh_etag_parse(&p, &tag_weak, &tag) == -1)
			return 0;
		if (tag.len == want.len &&
		    memcmp(tag.s, want.s, tag.len) == 0 &&
		    (weak || (!tag_weak && !want_weak)))
			match = 1;
		p = hh_skip_ows(p);
		if (*p == ',')
			p++;
		else if (*p != '\0')
			return 0;
	}
	return match;
}

/*
 * Whether a comma list holds token as a whole element (RFC 9110 7.6.1
 * Connection options are case-insensitive).  Elements are compared
 * after trimming OWS, so "keep-alive-ish" and "keep-alive x" do not
 * match "keep-alive".
 */
int
httphdr_has_token(const char *list, const char *token)
{
	struct span e;
	const char *p, *end;

	if (list == NULL || token == NULL || *token == '\0')
		return 0;
	p = list;
	for (;;) {
		p = hh_skip_ows(p);
		end = p;
		while (*end != '\0' && *end != ',')
			end++;
		e.s = p;
		e.len = (size_t)(end - p);
		while (e.len > 0 && hh_is_ows(e.s[e.len - 1]))
			e.len--;
		if (e.len > 0 && hh_span_eq(e, token))
			return 1;
		if (*end == '\0')
			return 0;
		p = end + 1;
	}
}
