/*
 * Unit tests for httphdr.c: the field-line parser both HTTP parsers share
 * and its lookup, tchar, Content-Length, q-value negotiation, HTTP-dates
 * in all three forms, entity tags and their comparison, comma-list
 * tokens.  Good rows sit beside hostile ones: obs-fold, control bytes,
 * signs and lists in lengths, bad qvalues, impossible dates, trailing
 * junk, unterminated quotes, binary bytes.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>

#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httphdr.h"
#include "unit.h"

struct accept_case {
	const char *value;
	const char *coding;
	int want;
};

static const struct accept_case accept_cases[] = {
    /* plain and case-insensitive */
    {"gzip", "gzip", 1},
    {"GZIP", "gzip", 1},
    {"gzip", "GZip", 1},
    {"deflate, gzip", "gzip", 1},
    {"deflate, gzip", "deflate", 1},
    {"gzip, deflate, br", "br", 1},
    /* x-gzip is gzip (RFC 9110 8.4.1.3), x-compress is compress */
    {"x-gzip", "gzip", 1},
    {"X-GZIP", "gzip", 1},
    {"gzip", "x-gzip", 1},
    {"x-gzip;q=0", "gzip", 0},
    {"x-compress", "compress", 1},
    {"x-deflate", "deflate", 0},
    {"xgzip", "gzip", 0},
    {"x-", "gzip", 0},
    /* qvalues (RFC 9110 12.4.2) */
    {"gzip;q=0", "gzip", 0},
    {"gzip;q=0.", "gzip", 0},
    {"gzip;q=0.0", "gzip", 0},
    {"gzip;q=0.000", "gzip", 0},
    {"gzip;q=0.001", "gzip", 1},
    {"gzip;q=0.5", "gzip", 1},
    {"gzip;q=0.999", "gzip", 1},
    {"gzip;q=1", "gzip", 1},
    {"gzip;q=1.", "gzip", 1},
    {"gzip;q=1.000", "gzip", 1},
    {"gzip;Q=0.5", "gzip", 1},
    {"gzip;Q=0", "gzip", 0},
    {"gzip; q=0.5", "gzip", 1},
    {"gzip ; q=0", "gzip", 0},
    {"gzip;q = 0", "gzip", 0},
    {"gzip\t;\tq=0", "gzip", 0},
    /* invalid qvalues: the element is ignored */
    {"gzip;q=2", "gzip", 0},
    {"gzip;q=abc", "gzip", 0},
    {"gzip;q=1.001", "gzip", 0},
    {"gzip;q=1.5", "gzip", 0},
    {"gzip;q=0.0001", "gzip", 0},
    {"gzip;q=1.0000", "gzip", 0},
    {"gzip;q=.5", "gzip", 0},
    {"gzip;q=-1", "gzip", 0},
    {"gzip;q=+1", "gzip", 0},
    {"gzip;q=01", "gzip", 0},
    {"gzip;q=1e0", "gzip", 0},
    {"gzip;q=0.5x", "gzip", 0},
    {"gzip;q=", "gzip", 0},
    {"gzip;q", "gzip", 0},
    {"gzip;q=\"0.5\"", "gzip", 0},
    {"gzip;q=0.5;q=1", "gzip", 0},
    {"gzip;q=0.5 x", "gzip", 0},
    {"gzip;q=99999999999999999999", "gzip", 0},
    /* an ignored element leaves "*" in charge */
    {"gzip;q=2, *", "gzip", 1},
    {"gzip;q=abc, *;q=0", "gzip", 0},
    /* "*" and explicit entries (RFC 9110 12.5.3) */
    {"*", "gzip", 1},
    {"*;q=0", "gzip", 0},
    {"*;q=0.5", "gzip", 1},
    {"deflate, *", "gzip", 1},
    {"deflate;q=0, *", "gzip", 1},
    {"gzip;q=0, *", "gzip", 0},
    {"*, gzip;q=0", "gzip", 0},
    {"*;q=0, gzip", "gzip", 1},
    {"gzip, *;q=0", "gzip", 1},
    {"gzip;q=0, *", "deflate", 1},
    {"x-gzip;q=0, *", "gzip", 0},
    /* duplicates: the lowest q wins */
    {"gzip, gzip;q=0", "gzip", 0},
    {"gzip;q=0, gzip", "gzip", 0},
    {"gzip;q=0.2, gzip;q=0.9", "gzip", 1},
    {"*, *;q=0", "gzip", 0},
    /* other codings, prefixes, suffixes */
    {"deflate", "gzip", 0},
    {"br, deflate", "gzip", 0},
    {"gzipx", "gzip", 0},
    {"gzi", "gzip", 0},
    {"gzip-foo", "gzip", 0},
    {"identity", "gzip", 0},
    {"identity", "identity", 1},
    {"identity;q=0", "identity", 0},
    {"", "gzip", 0},
    {" ", "gzip", 0},
    {",,,", "gzip", 0},
    {"gzip", "", 0},
    /* parameters other than q are ignored */
    {"gzip;level=9", "gzip", 1},
    {"gzip;level=9;q=0", "gzip", 0},
    {"gzip;q=0;level=9", "gzip", 0},
    {"gzip;foo=\"a,b;q=0\"", "gzip", 1},
    {"gzip;foo=\"a,b\";q=0", "gzip", 0},
    {"gzip;foo=\"a\\\"b\";q=0", "gzip", 0},
    {"gzip;foo = bar ; q = 0.5", "gzip", 1},
    /* malformed elements are skipped */
    {"gzip;=1", "gzip", 0},
    {"gzip;;q=1", "gzip", 0},
    {"gzip;", "gzip", 0},
    {"gzip;foo", "gzip", 0},
    {"gzip;foo=", "gzip", 0},
    {"gzip;foo=\"unterminated", "gzip", 0},
    {"gz ip", "gzip", 0},
    {"@@@, gzip", "gzip", 1},
    {"gz ip, gzip", "gzip", 1},
    {"\"gzip\", deflate", "gzip", 0},
    {"\"unterminated, gzip", "gzip", 1},
    {"gzip;foo=\"x,y\" z, gzip;q=0", "gzip", 0},
    {"=, ;, gzip", "gzip", 1},
    /* whitespace and empty elements (RFC 9110 5.6.1) */
    {" gzip ", "gzip", 1},
    {"\tgzip\t", "gzip", 1},
    {",,gzip,,", "gzip", 1},
    {"deflate , gzip", "gzip", 1},
    {"deflate ,gzip;q=0", "gzip", 0},
    /* binary bytes */
    {"\xff\xfe", "gzip", 0},
    {"gzip\xff", "gzip", 0},
    {"\x80, gzip", "gzip", 1},
    {"gzip\r\n", "gzip", 0},
    {"g\x01zip, gzip;q=0", "gzip", 0},
    /* TE (RFC 9110 10.1.4) */
    {"trailers, gzip;q=0.5", "gzip", 1},
    {"gzip;q=0.5, trailers", "gzip", 1},
    {"trailers", "gzip", 0},
    {"trailers, deflate", "gzip", 0},
    {"chunked", "gzip", 0},
};

static void
test_accepts(void)
{
	const struct accept_case *c;
	size_t i;
	int got;

	for (i = 0; i < sizeof(accept_cases) / sizeof(accept_cases[0]); i++) {
		c = &accept_cases[i];
		got = httphdr_accepts(c->value, c->coding);
		if (got != c->want)
			FAILF("row %zu accepts(\"%s\", \"%s\") = %d, want %d",
			    i, c->value, c->coding, got, c->want);
	}
	CHECK_INT(httphdr_accepts(NULL, "gzip"), 0);
	CHECK_INT(httphdr_accepts("gzip", NULL), 0);
}

static void
test_accepts_long(void)
{
	char *v;
	size_t i, n = 5000, off = 0;

	/* Thousands of junk elements before the real one. */
	v = malloc(n * 8 + 32);
	if (v == NULL)
		abort();
	for (i = 0; i < n; i++)
		off += (size_t)sprintf(v + off, "a;q=9, ");
	strcpy(v + off, "gzip;q=0.1");
	CHECK_INT(httphdr_accepts(v, "gzip"), 1);
	strcpy(v + off, "gzip;q=0");
	CHECK_INT(httphdr_accepts(v, "gzip"), 0);
	free(v);
}

struct date_case {
	const char *s;
	int ok;
	long long t;
};

static const struct date_case date_cases[] = {
    /* the three forms of RFC 9110 5.6.7 */
    {"Sun, 06 Nov 1994 08:49:37 GMT", 1, 784111777},
    {"Sunday, 06-Nov-94 08:49:37 GMT", 1, 784111777},
    {"Sun Nov  6 08:49:37 1994", 1, 784111777},
    {"Sun Nov 06 08:49:37 1994", 1, 784111777},
    {"Thu, 01 Jan 1970 00:00:00 GMT", 1, 0},
    {"Wed, 31 Dec 1969 23:59:59 GMT", 1, -1},
    {"Thu, 29 Feb 2024 12:00:00 GMT", 1, 1709208000},
    {"Tue, 29 Feb 2000 00:00:00 GMT", 1, 951782400},
    {"Tue, 19 Jan 2038 03:14:08 GMT", 1, 2147483648LL},
    {"Fri, 31 Dec 9999 23:59:59 GMT", 1, 253402300799LL},
    {"Mon, 01 Jan 1900 00:00:00 GMT", 1, -2208988800LL},
    {"Thu Feb 29 12:00:00 2024", 1, 1709208000},
    {"Wed Dec 31 23:59:59 1969", 1, -1},
    /* a leap second folds into the next minute */
    {"Wed, 31 Dec 2008 23:59:60 GMT", 1, 1230768000},
    /* the day name is redundant and not checked against the date */
    {"Mon, 06 Nov 1994 08:49:37 GMT", 1, 784111777},
    /* OWS around the whole value is not part of it (5.5) */
    {" Sun, 06 Nov 1994 08:49:37 GMT ", 1, 784111777},
    {"\tSun Nov  6 08:49:37 1994\t", 1, 784111777},
    /* out-of-range fields */
    {"Sun, 30 Feb 1994 08:49:37 GMT", 0, 0},
    {"Sun, 29 Feb 1994 08:49:37 GMT", 0, 0},
    {"Thu, 29 Feb 1900 00:00:00 GMT", 0, 0},
    {"Sun, 31 Apr 1994 08:49:37 GMT", 0, 0},
    {"Sun, 32 Jan 1994 08:49:37 GMT", 0, 0},
    {"Sun, 00 Nov 1994 08:49:37 GMT", 0, 0},
    {"Sun, 06 Nov 1994 25:49:37 GMT", 0, 0},
    {"Sun, 06 Nov 1994 24:00:00 GMT", 0, 0},
    {"Sun, 06 Nov 1994 08:60:37 GMT", 0, 0},
    {"Sun, 06 Nov 1994 08:49:61 GMT", 0, 0},
    {"Sun, 06 Nov 1899 08:49:37 GMT", 0, 0},
    {"Sun, 06 Nov 0000 08:49:37 GMT", 0, 0},
    {"Sunday, 30-Feb-94 08:49:37 GMT", 0, 0},
    {"Sunday, 06-Nov-94 25:49:37 GMT", 0, 0},
    {"Sun Feb 30 08:49:37 1994", 0, 0},
    {"Sun Nov  6 25:49:37 1994", 0, 0},
    {"Sun Nov  0 08:49:37 1994", 0, 0},
    /* trailing junk */
    {"Sun, 06 Nov 1994 08:49:37 GMT junk", 0, 0},
    {"Sun, 06 Nov 1994 08:49:37 GMTx", 0, 0},
    {"Sun, 06 Nov 1994 08:49:37 GMT\r\n", 0, 0},
    {"Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT", 0, 0},
    {"Sunday, 06-Nov-94 08:49:37 GMT junk", 0, 0},
    {"Sun Nov  6 08:49:37 1994 GMT", 0, 0},
    {"Sun Nov  6 08:49:37 19945", 0, 0},
    /* wrong shapes */
    {"Sun, 06 Nov 1994 08:49:37 UTC", 0, 0},
    {"Sun, 06 Nov 1994 08:49:37 +0000", 0, 0},
    {"Sun, 06 Nov 1994 08:49:37", 0, 0},
    {"sun, 06 nov 1994 08:49:37 gmt", 0, 0},
    {"SUN, 06 NOV 1994 08:49:37 GMT", 0, 0},
    {"Sun, 6 Nov 1994 08:49:37 GMT", 0, 0},
    {"Sun, 06 Nov 94 08:49:37 GMT", 0, 0},
    {"Sun,06 Nov 1994 08:49:37 GMT", 0, 0},
    {"Sun, 06  Nov 1994 08:49:37 GMT", 0, 0},
    {"Sun, 06 Foo 1994 08:49:37 GMT", 0, 0},
    {"Sun, 06 Nov 1994 8:49:37 GMT", 0, 0},
    {"Sun, 06 Nov 1994 08:49 GMT", 0, 0},
    {"Sun, 06-Nov-1994 08:49:37 GMT", 0, 0},
    {"Sun, -6 Nov 1994 08:49:37 GMT", 0, 0},
    {"Sun, 0x Nov 1994 08:49:37 GMT", 0, 0},
    {"Sunday, 06-Nov-1994 08:49:37 GMT", 0, 0},
    {"Sunday, 06 Nov 94 08:49:37 GMT", 0, 0},
    {"Sunday, 06-Nov-94 08:49:37", 0, 0},
    {"Sunday 06-Nov-94 08:49:37 GMT", 0, 0},
    {"Sun Nov 6 08:49:37 1994", 0, 0},
    {"Sun Nov   6 08:49:37 1994", 0, 0},
    {"Sun Nov  6 08:49:37 94", 0, 0},
    {"Sun  Nov  6 08:49:37 1994", 0, 0},
    {"Funday, 06-Nov-94 08:49:37 GMT", 0, 0},
    {"Sund, 06 Nov 1994 08:49:37 GMT", 0, 0},
    {"1994-11-06T08:49:37Z", 0, 0},
    {"784111777", 0, 0},
    {"", 0, 0},
    {"   ", 0, 0},
    {"garbage", 0, 0},
    {"Sun", 0, 0},
    {"Sun,", 0, 0},
    {"\xff\xfe\xfd", 0, 0},
    {"Sun, \xb0\xb6 Nov 1994 08:49:37 GMT", 0, 0},
};

static void
test_date_parse(void)
{
	const struct date_case *c;
	time_t t;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(date_cases) / sizeof(date_cases[0]); i++) {
		c = &date_cases[i];
		t = 424242;
		rc = httphdr_date_parse(c->s, &t);
		if (rc != (c->ok ? 0 : -1))
			FAILF("row %zu \"%s\": rc %d", i, c->s, rc);
		else if (c->ok && (long long)t != c->t)
			FAILF("row %zu \"%s\": %lld, want %lld", i, c->s,
			    (long long)t, c->t);
	}
	CHECK_INT(httphdr_date_parse(NULL, &t), -1);
}

/*
 * RFC 9110 5.6.7: a two-digit year more than 50 years ahead is the most
 * recent past one.  Built from today's year so the test never ages.
 */
static void
test_date_rfc850_year(void)
{
	struct tm now, got;
	time_t t = time(NULL);
	char buf[64];
	int cur;

	if (gmtime_r(&t, &now) == NULL) {
		FAILF("gmtime_r failed");
		return;
	}
	cur = now.tm_year + 1900;

	/* 50 years ahead is still the future... */
	snprintf(buf, sizeof(buf), "Monday, 01-Jan-%02d 00:00:00 GMT",
	    (cur + 50) % 100);
	CHECK_INT(httphdr_date_parse(buf, &t), 0);
	gmtime_r(&t, &got);
	CHECK_INT(got.tm_year + 1900, cur + 50);
	/* ...51 years ahead is the past. */
	snprintf(buf, sizeof(buf), "Monday, 01-Jan-%02d 00:00:00 GMT",
	    (cur + 51) % 100);
	CHECK_INT(httphdr_date_parse(buf, &t), 0);
	gmtime_r(&t, &got);
	CHECK_INT(got.tm_year + 1900, cur + 51 - 100);
	/* This year is this year. */
	snprintf(
	    buf, sizeof(buf), "Monday, 01-Jan-%02d 00:00:00 GMT", cur % 100);
	CHECK_INT(httphdr_date_parse(buf, &t), 0);
	gmtime_r(&t, &got);
	CHECK_INT(got.tm_year + 1900, cur);
}

static void
test_date_format(void)
{
	char buf[64];

	CHECK_INT(httphdr_date_format(784111777, buf, sizeof(buf)), 29);
	CHECK_STR(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
	CHECK_INT(httphdr_date_format(0, buf, 30), 29);
	CHECK_STR(buf, "Thu, 01 Jan 1970 00:00:00 GMT");
	httphdr_date_format(1709208000, buf, sizeof(buf));
	CHECK_STR(buf, "Thu, 29 Feb 2024 12:00:00 GMT");
	httphdr_date_format(-1, buf, sizeof(buf));
	CHECK_STR(buf, "Wed, 31 Dec 1969 23:59:59 GMT");
	if (sizeof(time_t) >= 8) {
		httphdr_date_format((time_t)253402300799LL, buf, sizeof(buf));
		CHECK_STR(buf, "Fri, 31 Dec 9999 23:59:59 GMT");
		CHECK_INT(httphdr_date_format(
		              (time_t)253402300800LL, buf, sizeof(buf)),
		    -1);
		CHECK_STR(buf, "");
		CHECK_INT(
		    httphdr_date_format((time_t)LLONG_MAX, buf, sizeof(buf)),
		    -1);
	}
	/* A short buffer truncates; the count says 29 were needed. */
	CHECK_INT(httphdr_date_format(784111777, buf, 10), 29);
	CHECK_STR(buf, "Sun, 06 N");
}

/* format -> parse is the identity across the 4-digit-year range. */
static void
test_date_round_trip(void)
{
	char buf[64];
	long long t;
	time_t got;

	for (t = -2208988800LL; t <= 253402300799LL; t += 97LL * 86400 + 3541) {
		if (sizeof(time_t) < 8 && (t < INT32_MIN || t > INT32_MAX))
			continue;
		if (httphdr_date_format((time_t)t, buf, sizeof(buf)) != 29) {
			FAILF("format %lld failed", t);
			return;
		}
		if (httphdr_date_parse(buf, &got) != 0 || got != t) {
			FAILF("round trip %lld -> \"%s\"", t, buf);
			return;
		}
	}
}

static void
test_etag_build(void)
{
	char buf[48];

	CHECK_INT(
	    httphdr_etag(buf, sizeof(buf), 784111777, 123456789, 1000), 21);
	CHECK_STR(buf, "\"ae1b981c3a4d715-3e8\"");
	httphdr_etag(buf, sizeof(buf), 0, 0, 0);
	CHECK_STR(buf, "\"0-0\"");
	/* Pre-1970 and far-future mtimes wrap, never overflow. */
	httphdr_etag(buf, sizeof(buf), -1, 0, 1);
	CHECK_STR(buf, "\"ffffffffc4653600-1\"");
	CHECK_INT(httphdr_etag(
	              buf, sizeof(buf), LLONG_MAX, 999999999, (off_t)INT64_MAX),
	    35);
	CHECK_STR(buf, "\"ffffffffffffffff-7fffffffffffffff\"");
	/* What we build is a strong tag that matches itself. */
	CHECK_INT(httphdr_etag_match(buf, buf, 0), 1);
	/* A change of a nanosecond or a byte changes the tag. */
	{
		char a[48], b[48], c[48];

		httphdr_etag(a, sizeof(a), 1700000000, 1, 10);
		httphdr_etag(b, sizeof(b), 1700000000, 2, 10);
		httphdr_etag(c, sizeof(c), 1700000000, 1, 11);
		CHECK(strcmp(a, b) != 0);
		CHECK(strcmp(a, c) != 0);
		CHECK_INT(httphdr_etag_match(a, b, 1), 0);
	}
}

struct etag_case {
	const char *list;
	const char *etag;
	int strong; /* want, strong comparison */
	int weak;   /* want, weak comparison */
};

#define E "\"abc\""
#define WE "W/\"abc\""

static const struct etag_case etag_cases[] = {
    /* RFC 9110 8.8.3.2 table */
    {"W/\"1\"", "W/\"1\"", 0, 1},
    {"W/\"1\"", "W/\"2\"", 0, 0},
    {"W/\"1\"", "\"1\"", 0, 1},
    {"\"1\"", "\"1\"", 1, 1},
    /* single tags */
    {E, E, 1, 1},
    {WE, E, 0, 1},
    {E, WE, 0, 1},
    {WE, WE, 0, 1},
    {"\"ABC\"", E, 0, 0},
    {"\"abcd\"", E, 0, 0},
    {"\"ab\"", E, 0, 0},
    {"\"\"", "\"\"", 1, 1},
    {"\"\"", E, 0, 0},
    {"\"\xc3\xa9\"", "\"\xc3\xa9\"", 1, 1},
    /* lists */
    {"\"a\", " E, E, 1, 1},
    {"\"a\",\"b\"", E, 0, 0},
    {"\"a\" , " E " , \"b\"", E, 1, 1},
    {"\"a\", " WE, E, 0, 1},
    {WE ", " E, E, 1, 1},
    {"  " E "  ", E, 1, 1},
    {"\t" E, E, 1, 1},
    {",," E ",,", E, 1, 1},
    {", ,\t," E, E, 1, 1},
    /* "*" alone matches anything */
    {"*", E, 1, 1},
    {"*", WE, 1, 1},
    {" * ", E, 1, 1},
    {"*, " E, E, 0, 0},
    {E ", *", E, 0, 0},
    {"**", E, 0, 0},
    {"*x", E, 0, 0},
    /* malformed lists match nothing, even with a match in them */
    {"\"abc", E, 0, 0},
    {E ", \"x", E, 0, 0},
    {"\"x, " E, E, 0, 0},
    {"abc", E, 0, 0},
    {E " " E, E, 0, 0},
    {E "x", E, 0, 0},
    {E ";", E, 0, 0},
    {"w/\"abc\"", E, 0, 0},
    {"W/ \"abc\"", E, 0, 0},
    {"W\"abc\"", E, 0, 0},
    {"W/abc", E, 0, 0},
    {"\"ab c\"", "\"ab c\"", 0, 0},
    {"\"ab\tc\"", "\"ab\tc\"", 0, 0},
    {"\"ab\x7f\"", "\"ab\x7f\"", 0, 0},
    {E "\x7f", E, 0, 0},
    {E ",\xff", E, 0, 0},
    {"\"a\"\"abc\"", E, 0, 0},
    {"\"", E, 0, 0},
    {"\"\"\"", "\"\"", 0, 0},
    {"", E, 0, 0},
    {" ", E, 0, 0},
    {",", E, 0, 0},
    /* a malformed tag to look for matches nothing */
    {E, "abc", 0, 0},
    {E, "\"abc", 0, 0},
    {E, E ", " E, 0, 0},
    {E, "", 0, 0},
};

static void
test_etag_match(void)
{
	const struct etag_case *c;
	size_t i;
	int s, w;

	for (i = 0; i < sizeof(etag_cases) / sizeof(etag_cases[0]); i++) {
		c = &etag_cases[i];
		s = httphdr_etag_match(c->list, c->etag, 0);
		w = httphdr_etag_match(c->list, c->etag, 1);
		if (s != c->strong || w != c->weak)
			FAILF("row %zu match(\"%s\", \"%s\"): strong %d weak "
			      "%d, want %d %d",
			    i, c->list, c->etag, s, w, c->strong, c->weak);
	}
	CHECK_INT(httphdr_etag_match(NULL, E, 1), 0);
	CHECK_INT(httphdr_etag_match("*", NULL, 1), 0);
}

static void
test_etag_match_long(void)
{
	char *v;
	size_t i, n = 2000, off = 0;

	v = malloc(n * 8 + 64);
	if (v == NULL)
		abort();
	for (i = 0; i < n; i++)
		off += (size_t)sprintf(v + off, "\"%04zu\", ", i);
	strcpy(v + off, E);
	CHECK_INT(httphdr_etag_match(v, E, 0), 1);
	CHECK_INT(httphdr_etag_match(v, "\"1999\"", 0), 1);
	CHECK_INT(httphdr_etag_match(v, "\"2000\"", 0), 0);
	/* One bad element at the end spoils the lot. */
	strcpy(v + off, "\"unterminated");
	CHECK_INT(httphdr_etag_match(v, "\"0000\"", 1), 0);
	free(v);
}

struct token_case {
	const char *list;
	const char *token;
	int want;
};

static const struct token_case token_cases[] = {
    {"close", "close", 1},
    {"Close", "close", 1},
    {"close", "CLOSE", 1},
    {"Keep-Alive", "keep-alive", 1},
    {"keep-alive, close", "close", 1},
    {"keep-alive,close", "close", 1},
    {"keep-alive,close", "keep-alive", 1},
    {" close ", "close", 1},
    {"\tclose\t", "close", 1},
    {",,close,,", "close", 1},
    {"upgrade , close , te", "close", 1},
    {"upgrade , close , te", "te", 1},
    {"keep-alive-ish", "keep-alive", 0},
    {"xkeep-alive", "keep-alive", 0},
    {"keep-alive x", "keep-alive", 0},
    {"keep", "keep-alive", 0},
    {"closed", "close", 0},
    {"clos", "close", 0},
    {"close;x", "close", 0},
    {"\"close\"", "close", 0},
    {"", "close", 0},
    {" , , ", "close", 0},
    {"close", "", 0},
    {"\xff"
     "close",
        "close", 0},
    {"close\xff", "close", 0},
    {"\xff, close", "close", 1},
    {"close\r\n", "close", 0},
};

static void
test_has_token(void)
{
	const struct token_case *c;
	size_t i;
	int got;

	for (i = 0; i < sizeof(token_cases) / sizeof(token_cases[0]); i++) {
		c = &token_cases[i];
		got = httphdr_has_token(c->list, c->token);
		if (got != c->want)
			FAILF("row %zu has_token(\"%s\", \"%s\") = %d, want %d",
			    i, c->list, c->token, got, c->want);
	}
	CHECK_INT(httphdr_has_token(NULL, "close"), 0);
	CHECK_INT(httphdr_has_token("close", NULL), 0);
}

/* The string literal and its length: rows may hold NUL bytes. */
#define RAW(s) s, sizeof(s) - 1

struct fields_case {
	const char *raw; /* field lines and the blank line */
	size_t len;
	int flags;
	enum httphdr_err want;
	size_t n;         /* fields parsed (before an error too) */
	const char *f[8]; /* name, value pairs; NULL ends */
};

static const struct fields_case fields_cases[] = {
    {RAW("\r\n"), HTTPHDR_STRICT, HTTPHDR_OK, 0, {NULL}},
    {RAW("\n"), 0, HTTPHDR_OK, 0, {NULL}},
    {RAW("A: 1\r\nb:2\n\r\n"), HTTPHDR_STRICT, HTTPHDR_OK, 2,
        {"A", "1", "b", "2", NULL}},
    /* OWS around a value is trimmed, inside it is kept */
    {RAW("X: \t a \t b \t\r\nY:\r\nZ:   \r\n\r\n"), HTTPHDR_STRICT, HTTPHDR_OK,
        3, {"X", "a \t b", "Y", "", "Z", "", NULL}},
    /* a colon in a value, obs-text */
    {RAW("Host: h:80\r\nV: caf\xc3\xa9\r\n\r\n"), HTTPHDR_STRICT, HTTPHDR_OK, 2,
        {"Host", "h:80", "V", "caf\xc3\xa9", NULL}},
    /* only the blank line ends the fields: what follows is left */
    {RAW("A: 1\r\n\r\nB: 2\r\n\r\n"), 0, HTTPHDR_OK, 1, {"A", "1", NULL}},
    /* RFC 9112 5.1: no whitespace before the colon */
    {RAW("A : 1\r\n\r\n"), HTTPHDR_STRICT, HTTPHDR_ENAME, 0, {NULL}},
    {RAW("A\t: 1\r\n\r\n"), 0, HTTPHDR_ENAME, 0, {NULL}},
    {RAW("A(b): 1\r\n\r\n"), 0, HTTPHDR_ENAME, 0, {NULL}},
    {RAW("\xc3\xa9: 1\r\n\r\n"), 0, HTTPHDR_ENAME, 0, {NULL}},
    /* RFC 9112 5.2: obs-fold is refused */
    {RAW("A: 1\r\n b\r\n\r\n"), HTTPHDR_STRICT, HTTPHDR_EFOLD, 1,
        {"A", "1", NULL}},
    {RAW("A: 1\r\n\tb\r\n\r\n"), 0, HTTPHDR_EFOLD, 1, {"A", "1", NULL}},
    /* no colon, or no name */
    {RAW("no colon\r\n\r\n"), 0, HTTPHDR_ELINE, 0, {NULL}},
    {RAW(": v\r\n\r\n"), HTTPHDR_STRICT, HTTPHDR_ELINE, 0, {NULL}},
    /* control bytes: refused when strict, left to the caller if not */
    {RAW("A: a\x01z\r\n\r\n"), HTTPHDR_STRICT, HTTPHDR_ECTL, 0, {NULL}},
    {RAW("A: a\x7fz\r\n\r\n"), HTTPHDR_STRICT, HTTPHDR_ECTL, 0, {NULL}},
    {RAW("A: a\rz\r\n\r\n"), HTTPHDR_STRICT, HTTPHDR_ECTL, 0, {NULL}},
    {RAW("A: a\r\r\n\r\n"), HTTPHDR_STRICT, HTTPHDR_ECTL, 0, {NULL}},
    {RAW("A: a\0z\r\n\r\n"), HTTPHDR_STRICT, HTTPHDR_ECTL, 0, {NULL}},
    {RAW(" A\x01: 1\r\n\r\n"), HTTPHDR_STRICT, HTTPHDR_ECTL, 0, {NULL}},
    {RAW("A: a\x01z\r\n\r\n"), 0, HTTPHDR_OK, 1, {"A", "a\x01z", NULL}},
    {RAW("A: a\0z\r\n\r\n"), 0, HTTPHDR_OK, 1, {"A", "a", NULL}},
    {RAW("A\0: 1\r\n\r\n"), 0, HTTPHDR_ENAME, 0, {NULL}},
    /* tab inside a value is no control byte */
    {RAW("A: a\tb\r\n\r\n"), HTTPHDR_STRICT, HTTPHDR_OK, 1,
        {"A", "a\tb", NULL}},
};

static void
test_fields_parse(void)
{
	struct httphdr_field f[4];
	enum httphdr_err e;
	size_t i, k, n;
	char *buf;

	for (i = 0; i < sizeof(fields_cases) / sizeof(fields_cases[0]); i++) {
		const struct fields_case *c = &fields_cases[i];

		buf = malloc(c->len);
		memcpy(buf, c->raw, c->len);
		n = 0;
		e = httphdr_fields_parse(buf, buf + c->len, c->flags, f, 4, &n);
		if (e != c->want || n != c->n)
			FAILF("row %zu: err %d n %zu, want %d %zu", i, (int)e,
			    n, (int)c->want, c->n);
		for (k = 0; k < n && k < c->n && c->f[2 * k] != NULL; k++) {
			if (strcmp(f[k].name, c->f[2 * k]) != 0 ||
			    strcmp(f[k].value, c->f[2 * k + 1]) != 0)
				FAILF("row %zu field %zu: \"%s\" \"%s\"", i, k,
				    f[k].name, f[k].value);
		}
		free(buf);
	}
}

/* The room for fields runs out: the fields so far stay, the next one errs. */
static void
test_fields_many(void)
{
	char buf[] = "A: 1\r\nB: 2\r\nC: 3\r\n\r\n";
	char bad[] = "A: 1\r\nB: 2\r\nC : 3\r\n\r\n";
	struct httphdr_field f[2];
	size_t n = 0;

	CHECK_INT(httphdr_fields_parse(
	              buf, buf + sizeof(buf) - 1, HTTPHDR_STRICT, f, 2, &n),
	    HTTPHDR_EMANY);
	CHECK_INT(n, 2);
	CHECK_STR(f[0].name, "A");
	CHECK_STR(f[1].value, "2");
	/* a bad line past the room is reported as bad, not as too many */
	n = 0;
	CHECK_INT(httphdr_fields_parse(
	              bad, bad + sizeof(bad) - 1, HTTPHDR_STRICT, f, 2, &n),
	    HTTPHDR_ENAME);
	CHECK_INT(n, 2);
	CHECK_STR(httphdr_strerror(HTTPHDR_EMANY), "too many header fields");
	CHECK_STR(httphdr_strerror(HTTPHDR_EFOLD), "obsolete line folding");
}

static void
test_find(void)
{
	static const struct httphdr_field f[] = {
	    {"Accept", "a"}, {"Host", "h"}, {"ACCEPT", "b"}, {"X", ""}};

	CHECK_STR(httphdr_find(f, 4, "accept"), "a");
	CHECK_STR(httphdr_find(f, 4, "HOST"), "h");
	CHECK_STR(httphdr_find(f, 4, "x"), "");
	CHECK(httphdr_find(f, 4, "Acc") == NULL);
	CHECK(httphdr_find(f, 4, "") == NULL);
	CHECK(httphdr_find(f, 1, "Host") == NULL);
	CHECK(httphdr_find(f, 0, "Accept") == NULL);
	CHECK_INT(httphdr_count(f, 4, "accept"), 2);
	CHECK_INT(httphdr_count(f, 4, "Host"), 1);
	CHECK_INT(httphdr_count(f, 4, "Y"), 0);
}

static void
test_tchar(void)
{
	static const char extra[] = "!#$%&'*+-.^_`|~";
	int c, want;

	for (c = -1; c < 256; c++) {
		want = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') ||
		    (c > 0 && memchr(extra, c, sizeof(extra) - 1) != NULL);
		if (httphdr_tchar(c) != want)
			FAILF("tchar(%d) = %d, want %d", c, httphdr_tchar(c),
			    want);
	}
}

struct length_case {
	const char *s;
	int ok;
	uint64_t want;
};

static const struct length_case length_cases[] = {
    {"0", 1, 0},
    {"5", 1, 5},
    {"007", 1, 7},
    {"000", 1, 0},
    {"1234567890", 1, 1234567890},
    {"18446744073709551609", 1, UINT64_C(18446744073709551609)},
    /* over (UINT64_MAX - 9) / 10 before the last digit: refused */
    {"18446744073709551610", 0, 0},
    {"18446744073709551615", 0, 0},
    {"18446744073709551616", 0, 0},
    {"99999999999999999999999", 0, 0},
    {"", 0, 0},
    {"+5", 0, 0},
    {"-5", 0, 0},
    {"-0", 0, 0},
    {" 5", 0, 0},
    {"5 ", 0, 0},
    {"5\t", 0, 0},
    {"5, 5", 0, 0},
    {"5,5", 0, 0},
    {"0x10", 0, 0},
    {"1e3", 0, 0},
    {"5.0", 0, 0},
    {"\xd9\xa5", 0, 0},
};

static void
test_content_length(void)
{
	size_t i;
	uint64_t v;
	int r;

	for (i = 0; i < sizeof(length_cases) / sizeof(length_cases[0]); i++) {
		const struct length_case *c = &length_cases[i];

		v = 12345;
		r = httphdr_content_length(c->s, &v);
		if (c->ok ? r != 0 || v != c->want : r != -1 || v != 12345)
			FAILF("\"%s\": %d %" PRIu64 ", want ok %d %" PRIu64,
			    c->s, r, v, c->ok, c->want);
	}
}

static void
test_length(void)
{
	static const struct httphdr_field none[] = {{"Host", "h"}};
	static const struct httphdr_field one[] = {
	    {"Host", "h"}, {"content-length", "42"}};
	static const struct httphdr_field same[] = {
	    {"Content-Length", "3"}, {"CONTENT-LENGTH", "003"}};
	static const struct httphdr_field differ[] = {
	    {"Content-Length", "3"}, {"Content-Length", "4"}};
	static const struct httphdr_field bad[] = {
	    {"Content-Length", "3"}, {"Content-Length", "3, 3"}};
	static const struct httphdr_field empty[] = {{"Content-Length", ""}};
	uint64_t v = 7;

	CHECK_INT(httphdr_length(none, 1, &v), 0);
	CHECK_INT(v, 7);
	CHECK_INT(httphdr_length(one, 2, &v), 1);
	CHECK_INT(v, 42);
	CHECK_INT(httphdr_length(same, 2, &v), 1);
	CHECK_INT(v, 3);
	CHECK_INT(httphdr_length(differ, 2, &v), -1);
	CHECK_INT(httphdr_length(bad, 2, &v), -1);
	CHECK_INT(httphdr_length(empty, 1, &v), -1);
}

static const struct unit_test tests[] = {
    {"fields_parse", test_fields_parse},
    {"fields_many", test_fields_many},
    {"find", test_find},
    {"tchar", test_tchar},
    {"content_length", test_content_length},
    {"length", test_length},
    {"accepts", test_accepts},
    {"accepts_long", test_accepts_long},
    {"date_parse", test_date_parse},
    {"date_rfc850_year", test_date_rfc850_year},
    {"date_format", test_date_format},
    {"date_round_trip", test_date_round_trip},
    {"etag_build", test_etag_build},
    {"etag_match", test_etag_match},
    {"etag_match_long", test_etag_match_long},
    {"has_token", test_has_token},
};

UNIT_MAIN(tests)
