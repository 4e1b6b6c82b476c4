/*
 * Unit tests for httpreq.c, the in-place HTTP/1.x request-head parser
 * (RFC 9112 sections 2-5).  A table of raw heads, good rows beside hostile
 * ones (NUL and other control bytes, obs-fold, whitespace before a colon,
 * malformed request lines and versions), then the limits (414, 431, the
 * field count), every split point of every row, and seeded random buffers.
 *
 * Each input is copied into a buffer of exactly its length, so under
 * -fsanitize=address or valgrind a read past len is an error, and the
 * copy is compared with the original afterwards: a need-more answer must
 * leave the buffer alone, a parsed head must leave the bytes after it
 * (the next pipelined request) alone.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpreq.h"
#include "unit.h"

/* The string literal and its length: rows may hold NUL bytes. */
#define RAW(s) s, sizeof(s) - 1
/* want: the head is the whole input. */
#define ALL INT_MAX

struct want_field {
	const char *name;  /* looked up case-blind; NULL ends the list */
	const char *value; /* first value; NULL: absent */
	size_t count;      /* httpreq_count() */
};

struct parse_case {
	const char *raw;
	size_t len;
	int want; /* 0 need more, ALL or a head length, or -status */
	const char *method;
	const char *target;
	int minor;
	size_t nheaders;
	struct want_field f[4];
};

/* A row that looks up no fields (spelt out: clang warns on {{NULL}}). */
#define NO_FIELDS                                                              \
	{                                                                      \
		{                                                              \
			NULL, NULL, 0                                          \
		}                                                              \
	}

#define REQ1 "GET /a HTTP/1.1\r\nHost: one\r\n\r\n"
#define CRLF5 "\r\n\r\n\r\n\r\n\r\n"

static const struct parse_case parse_cases[] = {
    /* simple requests */
    {RAW("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"), ALL, "GET", "/", 1, 1,
        {{"Host", "example.com", 1}, {"host", "example.com", 1},
            {"Accept", NULL, 0}}},
    {RAW("HEAD /index.html HTTP/1.1\r\nHost: a\r\nUser-Agent: curl/8.0\r\n"
         "Accept: */*\r\n\r\n"),
        ALL, "HEAD", "/index.html", 1, 3,
        {{"HOST", "a", 1}, {"user-agent", "curl/8.0", 1},
            {"aCcEpT", "*/*", 1}}},
    {RAW("GET /x HTTP/1.0\r\n\r\n"), ALL, "GET", "/x", 0, 0,
        {{"Host", NULL, 0}}},
    {RAW("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), ALL, "GET", "/x",
        0, 1, {{"connection", "keep-alive", 1}}},
    /* RFC 9112 2.3: a higher 1.x minor is still HTTP/1.x */
    {RAW("GET / HTTP/1.2\r\n\r\n"), ALL, "GET", "/", 2, 0, NO_FIELDS},
    /* request-target forms (RFC 9112 3.2) and other methods */
    {RAW("GET /a/b?c=d%20e&f HTTP/1.1\r\n\r\n"), ALL, "GET", "/a/b?c=d%20e&f",
        1, 0, NO_FIELDS},
    {RAW("GET http://h.example:8080/p?q=1 HTTP/1.1\r\n\r\n"), ALL, "GET",
        "http://h.example:8080/p?q=1", 1, 0, NO_FIELDS},
    {RAW("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"), ALL, "OPTIONS", "*", 1, 1,
        {{"Host", "h", 1}}},
    {RAW("CONNECT h.example:443 HTTP/1.1\r\n\r\n"), ALL, "CONNECT",
        "h.example:443", 1, 0, NO_FIELDS},
    {RAW("M-SEARCH * HTTP/1.1\r\n\r\n"), ALL, "M-SEARCH", "*", 1, 0, NO_FIELDS},
    {RAW("x!#$%&'*+-.^_`|~9 / HTTP/1.1\r\n\r\n"), ALL, "x!#$%&'*+-.^_`|~9", "/",
        1, 0, NO_FIELDS},
    /* bare LF line ends (RFC 9112 2.2), alone and mixed with CRLF */
    {RAW("GET / HTTP/1.1\nHost: a\nX: b\n\n"), ALL, "GET", "/", 1, 2,
        {{"host", "a", 1}, {"x", "b", 1}}},
    {RAW("GET / HTTP/1.1\r\nHost: a\n\r\n"), ALL, "GET", "/", 1, 1,
        {{"Host", "a", 1}}},
    {RAW("GET / HTTP/1.1\nHost: a\r\n\n"), ALL, "GET", "/", 1, 1,
        {{"Host", "a", 1}}},
    {RAW("GET / HTTP/1.0\n\n"), ALL, "GET", "/", 0, 0, NO_FIELDS},
    /* leading empty lines before the request line (RFC 9112 2.2) */
    {RAW("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), ALL, "GET", "/", 1, 1,
        {{"Host", "a", 1}}},
    {RAW("\n\nGET / HTTP/1.1\r\n\r\n"), ALL, "GET", "/", 1, 0, NO_FIELDS},
    {RAW("\r\n\n\r\nGET / HTTP/1.1\r\n\r\n"), ALL, "GET", "/", 1, 0, NO_FIELDS},
    {RAW("\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n"), ALL, "GET", "/", 1, 0,
        NO_FIELDS},
    /* OWS around values is trimmed, inside it is kept */
    {RAW("GET / HTTP/1.1\r\nHost:   a  \r\nX:\t b \t\r\nY:c\r\n"
         "Z: a  b\tc \r\n\r\n"),
        ALL, "GET", "/", 1, 4,
        {{"Host", "a", 1}, {"X", "b", 1}, {"Y", "c", 1}, {"Z", "a  b\tc", 1}}},
    /* empty values */
    {RAW("GET / HTTP/1.1\r\nX:\r\nY:   \r\nZ:\t\r\n\r\n"), ALL, "GET", "/", 1,
        3, {{"X", "", 1}, {"Y", "", 1}, {"Z", "", 1}}},
    /* tab, colon, obs-text in values */
    {RAW("GET / HTTP/1.1\r\nX: a\tb\r\nHost: h:8080\r\nY: :\r\n"
         "Z: caf\xc3\xa9\r\n\r\n"),
        ALL, "GET", "/", 1, 4,
        {{"X", "a\tb", 1}, {"host", "h:8080", 1}, {"y", ":", 1},
            {"z", "caf\xc3\xa9", 1}}},
    /* duplicates: the first value, and the count */
    {RAW("GET / HTTP/1.1\r\nAccept: a\r\naccept: b\r\nHost: h\r\n"
         "ACCEPT: c\r\n\r\n"),
        ALL, "GET", "/", 1, 4,
        {{"Accept", "a", 3}, {"HOST", "h", 1}, {"Accep", NULL, 0},
            {"Accepts", NULL, 0}}},
    /* field-name tchars */
    {RAW("GET / HTTP/1.1\r\nX-a_b.c!#$%&'*+^`|~: v\r\n\r\n"), ALL, "GET", "/",
        1, 1, {{"x-A_B.C!#$%&'*+^`|~", "v", 1}}},
    /* pipelining: the head stops at the first blank line */
    {RAW(REQ1 "GET /b HTTP/1.1\r\nHost: two\r\n\r\n"), sizeof(REQ1) - 1, "GET",
        "/a", 1, 1, {{"Host", "one", 1}}},
    {RAW(REQ1 "GET /b HT"), sizeof(REQ1) - 1, "GET", "/a", 1, 1,
        {{"Host", "one", 1}}},
    {RAW(REQ1 "\r\n"), sizeof(REQ1) - 1, "GET", "/a", 1, 1,
        {{"Host", "one", 1}}},
    {RAW(REQ1 "garbage\0\x01\x7f\xff\n\n"), sizeof(REQ1) - 1, "GET", "/a", 1, 1,
        {{"Host", "one", 1}}},

    /* incomplete */
    {RAW(""), 0, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("\r"), 0, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("\r\n"), 0, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("\r\n\r\n\r\n\r\n"), 0, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET"), 0, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\n"), 0, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\nHost: a\r\n"), 0, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\nHost: a\r\n\r"), 0, NULL, NULL, 0, 0, NO_FIELDS},
    /* incomplete but already hopeless: still need-more (the head decides) */
    {RAW("G\0T / HTTP/1.1\r\n"), 0, NULL, NULL, 0, 0, NO_FIELDS},

    /* obs-fold (RFC 9112 5.2) and whitespace before the first field (2.2) */
    {RAW("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\n Host: a\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\n \r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\nX: a\r\n\t\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    /* whitespace before the colon (RFC 9112 5.1) */
    {RAW("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    /* missing colon, empty or bad field name */
    {RAW("GET / HTTP/1.1\r\nHost a\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\nHost\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\n: a\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\n:\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\nX Y: a\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\nX(: a\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\nX/Y: a\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\nX\xc3\xa9: a\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\nHost: a\r\nbad\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    /* NUL bytes: request line, name, value (middle and end: no truncation) */
    {RAW("\0GET / HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET /\0x HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1.1\0\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GE\0 / HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\nHo\0st: a\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\n\0Host: a\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\nHost: a\0evil\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\nHost: a\0\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\nHost: \0\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\nHost: a\r\n\0\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    /* other control bytes */
    {RAW("GET /\x01 HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET /\x7f HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET\t/ HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1.1\t\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET /\x1b[0m HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\nX: a\x01"
         "b\r\n\r\n"),
        -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\nX\x7f: a\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\nX\x01: a\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\nX: \x0b\x0c\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    /* bare CR is not a line end (RFC 9112 2.2) */
    {RAW("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\nX: a\r\r\n\r\n"), -400, NULL, NULL, 0, 0,
        NO_FIELDS},
    {RAW("GET / HTTP/1.1\r\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1.1\rHost: a\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("\rGET / HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("\r\n\rGET / HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("\r\r\nGET / HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    /* leading empty lines are skipped up to a point, then refused */
    {RAW(CRLF5 "GET / HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW(CRLF5), -400, NULL, NULL, 0, 0, NO_FIELDS},
    /* bad method characters */
    {RAW("G(ET / HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GE\"T / HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("G@T / HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET{} / HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GE:T / HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("G/T / HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("G\xc3\xa9T / HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("\xff / HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    /* missing parts, extra spaces */
    {RAW("GET HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET  HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET  / HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET /  HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / a HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW(" GET / HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1.1 \r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET /\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET \r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / \r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW(" / HTTP/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("  \r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    /* versions: not 1.x is 505, malformed is 400 */
    {RAW("GET / HTTP/2.0\r\n\r\n"), -505, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/3.0\r\nHost: a\r\n\r\n"), -505, NULL, NULL, 0, 0,
        NO_FIELDS},
    {RAW("GET / HTTP/0.9\r\n\r\n"), -505, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/2\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1.\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1.10\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/10.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/11\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1,1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1.x\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/a.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / http/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / Http/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTPS/1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1.1junk\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1.1 junk\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1.1/\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/1.1\xff\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
    {RAW("GET / HTTP/\xb1.1\r\n\r\n"), -400, NULL, NULL, 0, 0, NO_FIELDS},
};

#define NCASES (sizeof(parse_cases) / sizeof(parse_cases[0]))

/* Printable form of a row for failure messages. */
static const char *
show(const char *raw, size_t len, char *out, size_t outlen)
{
	size_t i, o = 0;
	unsigned char c;

	for (i = 0; i < len && o + 8 < outlen; i++) {
		c = (unsigned char)raw[i];
		if (c == '\r')
			o += (size_t)snprintf(out + o, outlen - o, "\\r");
		else if (c == '\n')
			o += (size_t)snprintf(out + o, outlen - o, "\\n");
		else if (c == '\\')
			o += (size_t)snprintf(out + o, outlen - o, "\\\\");
		else if (c < 0x20 || c >= 0x7f)
			o +=
			    (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	if (i < len)
		o += (size_t)snprintf(out + o, outlen - o, "...");
	out[o] = '\0';
	return out;
}

/* A heap copy of exactly len bytes: a read past the end trips ASan. */
static char *
dup_exact(const char *raw, size_t len)
{
	char *p = malloc(len > 0 ? len : 1);

	if (p == NULL)
		abort();
	if (len > 0)
		memcpy(p, raw, len);
	return p;
}

static int
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int
within(const char *p, const char *buf, size_t len)
{
	return p != NULL && p >= buf && p < buf + len;
}

/*
 * What holds for any input: a known return value; need-more leaves the
 * buffer alone; a parsed head fits the limits, leaves the bytes after it
 * alone and hands back well-formed tokens that lie inside the head.
 * Returns the number of failures found.
 */
static int
check_invariants(const char *orig, const char *buf, size_t len, int r,
    const struct httpreq *req, const char *err, const char *what)
{
	int before = unit_failures;
	const char *s;
	size_t i, n;

	if (r == 0) {
		if (len > 0 && memcmp(buf, orig, len) != 0)
			FAILF("%s: need-more changed the buffer", what);
		return unit_failures - before;
	}
	if (r < 0) {
		if (r != -400 && r != -414 && r != -431 && r != -505)
			FAILF("%s: unknown status %d", what, r);
		if (err[0] == '\0')
			FAILF("%s: status %d without a message", what, r);
		return unit_failures - before;
	}
	if ((size_t)r > len || r > HTTPREQ_MAX_HEAD) {
		FAILF("%s: head length %d, buffer %zu", what, r, len);
		return unit_failures - before;
	}
	if (req->head_len != (size_t)r)
		FAILF("%s: head_len %zu, returned %d", what, req->head_len, r);
	if (memcmp(buf + r, orig + r, len - (size_t)r) != 0)
		FAILF("%s: bytes after the head changed", what);
	if (buf[r - 1] != '\n')
		FAILF("%s: head does not end in LF", what);
	if (!within(req->method, buf, (size_t)r) || req->method[0] == '\0')
		FAILF("%s: bad method pointer", what);
	else
		for (s = req->method; *s != '\0'; s++)
			if (!is_tchar((unsigned char)*s)) {
				FAILF("%s: method byte 0x%02x", what,
				    (unsigned char)*s);
				break;
			}
	if (!within(req->target, buf, (size_t)r) || req->target[0] == '\0')
		FAILF("%s: bad target pointer", what);
	else
		for (s = req->target; *s != '\0'; s++)
			if ((unsigned char)*s <= 0x20 || *s == 0x7f) {
				FAILF("%s: target byte 0x%02x", what,
				    (unsigned char)*s);
				break;
			}
	if (req->minor < 0 || req->minor > 9)
		FAILF("%s: minor %d", what, req->minor);
	if (req->nheaders > HTTPREQ_MAX_HEADERS) {
		FAILF("%s: %zu headers", what, req->nheaders);
		return unit_failures - before;
	}
	for (i = 0; i < req->nheaders; i++) {
		s = req->h[i].name;
		if (!within(s, buf, (size_t)r) || *s == '\0') {
			FAILF("%s: header %zu: bad name", what, i);
			continue;
		}
		for (; *s != '\0'; s++)
			if (!is_tchar((unsigned char)*s))
				FAILF("%s: header %zu: name byte 0x%02x", what,
				    i, (unsigned char)*s);
		s = req->h[i].value;
		if (!within(s, buf, (size_t)r)) {
			FAILF("%s: header %zu: bad value", what, i);
			continue;
		}
		n = strlen(s);
		if (s + n >= buf + r)
			FAILF("%s: header %zu: value runs out of the head",
			    what, i);
		if (n > 0 &&
		    (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' ||
		        s[n - 1] == '\t'))
			FAILF("%s: header %zu: untrimmed value", what, i);
		for (; *s != '\0'; s++)
			if (((unsigned char)*s < 0x20 && *s != '\t') ||
			    *s == 0x7f)
				FAILF("%s: header %zu: value byte 0x%02x", what,
				    i, (unsigned char)*s);
		if (httpreq_header(req, req->h[i].name) == NULL ||
		    httpreq_count(req, req->h[i].name) == 0)
			FAILF("%s: header %zu: lookup of own name fails", what,
			    i);
	}
	return unit_failures - before;
}

/* Parse a fresh exact copy of raw[0..len); check the invariants. */
static int
parse_copy(const char *raw, size_t len, const char *what)
{
	struct httpreq req;
	char err[128], *buf = dup_exact(raw, len);
	int r;

	err[0] = '\0';
	r = httpreq_parse(buf, len, &req, err, sizeof(err));
	check_invariants(raw, buf, len, r, &req, err, what);
	free(buf);
	return r;
}

static int
case_want(const struct parse_case *c)
{
	return c->want == ALL ? (int)c->len : c->want;
}

static void
test_table(void)
{
	const struct parse_case *c;
	const struct want_field *f;
	struct httpreq req;
	char err[128], shown[512], *buf;
	size_t i, j;
	int r, want;

	for (i = 0; i < NCASES; i++) {
		c = &parse_cases[i];
		want = case_want(c);
		show(c->raw, c->len, shown, sizeof(shown));
		buf = dup_exact(c->raw, c->len);
		err[0] = '\0';
		r = httpreq_parse(buf, c->len, &req, err, sizeof(err));
		if (check_invariants(
		        c->raw, buf, c->len, r, &req, err, shown) != 0) {
			free(buf);
			continue;
		}
		if (r != want) {
			FAILF("row %zu \"%s\": %d, want %d (%s)", i, shown, r,
			    want, r < 0 ? err : "");
			free(buf);
			continue;
		}
		if (r <= 0) {
			free(buf);
			continue;
		}
		if (strcmp(req.method, c->method) != 0 ||
		    strcmp(req.target, c->target) != 0 ||
		    req.minor != c->minor || req.nheaders != c->nheaders)
			FAILF("row %zu \"%s\": got \"%s\" \"%s\" 1.%d with "
			      "%zu fields, want \"%s\" \"%s\" 1.%d with %zu",
			    i, shown, req.method, req.target, req.minor,
			    req.nheaders, c->method, c->target, c->minor,
			    c->nheaders);
		for (j = 0; j < 4 && c->f[j].name != NULL; j++) {
			const char *v;

			f = &c->f[j];
			v = httpreq_header(&req, f->name);
			if (v == NULL || f->value == NULL
			        ? v != f->value
			        : strcmp(v, f->value) != 0)
				FAILF(
				    "row %zu \"%s\": %s = \"%s\", want \"%s\"",
				    i, shown, f->name, v ? v : "(null)",
				    f->value ? f->value : "(null)");
			if (httpreq_count(&req, f->name) != f->count)
				FAILF(
				    "row %zu \"%s\": count(%s) = %zu, want %zu",
				    i, shown, f->name,
				    httpreq_count(&req, f->name), f->count);
		}
		free(buf);
	}
}

/*
 * Every row cut at every point: a prefix shorter than the head is
 * need-more and untouched; from the end of the head on, the answer is the
 * full one and pipelined bytes stay as they were.  A bad row's prefixes
 * say need-more or already the row's error, nothing else.
 */
static void
test_split_points(void)
{
	const struct parse_case *c;
	char shown[512], what[600];
	size_t i, k;
	int r, want;

	for (i = 0; i < NCASES; i++) {
		c = &parse_cases[i];
		want = case_want(c);
		show(c->raw, c->len, shown, sizeof(shown));
		for (k = 0; k <= c->len; k++) {
			snprintf(what, sizeof(what),
			    "row %zu \"%s\" cut at %zu", i, shown, k);
			r = parse_copy(c->raw, k, what);
			if (want > 0 && r != ((int)k < want ? 0 : want))
				FAILF("%s: %d, want %d", what, r,
				    (int)k < want ? 0 : want);
			if (want <= 0 && r != 0 && r != want)
				FAILF("%s: %d, want 0 or %d", what, r, want);
		}
	}
}

static void
test_empty(void)
{
	struct httpreq req;
	char err[64], one[1] = {'x'};

	memset(&req, 0xa5, sizeof(req));
	err[0] = '\0';
	CHECK_INT(httpreq_parse(one, 0, &req, err, sizeof(err)), 0);
	CHECK(one[0] == 'x');
	CHECK_STR(err, "");
	/* err may be NULL with errlen 0, or too small to hold it all. */
	CHECK_INT(httpreq_parse(one, 0, &req, NULL, 0), 0);
	{
		char b[] = "GET / HTTP/9.9\r\n\r\n";

		CHECK_INT(httpreq_parse(b, sizeof(b) - 1, &req, NULL, 0), -505);
	}
	{
		char b[] = "GET / HTTP/9.9\r\n\r\n";

		CHECK_INT(httpreq_parse(b, sizeof(b) - 1, &req, err, 5), -505);
		CHECK_INT(strlen(err), 4);
	}
}

/*
 * The message says which rule a head broke, so a check that another one
 * happens to shadow (obs-fold also lacks a colon) is still pinned down.
 */
static const struct {
	const char *raw;
	size_t len;
	int want;
	const char *err;
} message_cases[] = {
    {RAW("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"), -400,
        "obsolete line folding"},
    {RAW("GET / HTTP/1.1\r\n Host: a\r\n\r\n"), -400, "obsolete line folding"},
    {RAW("GET / HTTP/1.1\r\nX: a\r\n\tb: c\r\n\r\n"), -400,
        "obsolete line folding"},
    {RAW("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), -400, "bad header field name"},
    {RAW("GET / HTTP/1.1\r\nHost a\r\n\r\n"), -400, "malformed header field"},
    {RAW("GET / HTTP/1.1\r\n: a\r\n\r\n"), -400, "malformed header field"},
    {RAW("GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n"), -400,
        "control byte in header field"},
    {RAW("GET / HTTP/1.1\r\nHo\0st: a\r\n\r\n"), -400,
        "control byte in header field"},
    {RAW("GET /\0 HTTP/1.1\r\n\r\n"), -400, "control byte in request line"},
    {RAW("\rGET / HTTP/1.1\r\n\r\n"), -400, "control byte in request line"},
    {RAW(CRLF5 "GET / HTTP/1.1\r\n\r\n"), -400, "empty request line"},
    {RAW("G(T / HTTP/1.1\r\n\r\n"), -400, "bad method token"},
    {RAW("GET  / HTTP/1.1\r\n\r\n"), -400, "malformed request target"},
    {RAW("GET HTTP/1.1\r\n\r\n"), -400, "malformed request line"},
    {RAW(" GET / HTTP/1.1\r\n\r\n"), -400, "malformed request line"},
    {RAW("GET / HTTP/1.10\r\n\r\n"), -400, "malformed HTTP version"},
    {RAW("GET / HTTP/2.0\r\n\r\n"), -505, "HTTP version not supported"},
};

static void
test_messages(void)
{
	struct httpreq req;
	char err[128], shown[256], *buf;
	size_t i;
	int r;

	for (i = 0; i < sizeof(message_cases) / sizeof(message_cases[0]); i++) {
		buf = dup_exact(message_cases[i].raw, message_cases[i].len);
		err[0] = '\0';
		r = httpreq_parse(
		    buf, message_cases[i].len, &req, err, sizeof(err));
		if (r != message_cases[i].want ||
		    strcmp(err, message_cases[i].err) != 0)
			FAILF("\"%s\": %d \"%s\", want %d \"%s\"",
			    show(message_cases[i].raw, message_cases[i].len,
			        shown, sizeof(shown)),
			    r, err, message_cases[i].want,
			    message_cases[i].err);
		free(buf);
	}
}

/* A parsed head is not NUL-terminated as a whole: lookups still work. */
static void
test_lookup(void)
{
	struct httpreq req;
	char b[] = "GET / HTTP/1.1\r\nA: 1\r\nb: 2\r\nA: 3\r\n\r\n";
	char err[64];

	CHECK_INT(httpreq_parse(b, sizeof(b) - 1, &req, err, sizeof(err)),
	    sizeof(b) - 1);
	CHECK_STR(httpreq_header(&req, "a"), "1");
	CHECK_STR(httpreq_header(&req, "B"), "2");
	CHECK_INT(httpreq_count(&req, "a"), 2);
	CHECK_INT(httpreq_count(&req, "A"), 2);
	CHECK_INT(httpreq_count(&req, "b"), 1);
	CHECK(httpreq_header(&req, "") == NULL);
	CHECK(httpreq_header(&req, "A ") == NULL);
	CHECK(httpreq_header(&req, "A:") == NULL);
	CHECK_INT(httpreq_count(&req, "c"), 0);
	CHECK_STR(req.h[2].name, "A");
	CHECK_STR(req.h[2].value, "3");
}

/* Two requests back to back: parse one, consume it, parse the next. */
static void
test_pipelined(void)
{
	static const char two[] = "GET /a HTTP/1.1\r\nHost: one\r\n\r\n"
	                          "\r\n" /* a stray CRLF between them */
	                          "HEAD /b HTTP/1.0\nX: y\n\n"
	                          "GET /c";
	struct httpreq req;
	char err[64], *buf = dup_exact(two, sizeof(two) - 1);
	size_t len = sizeof(two) - 1, off = 0;
	int r;

	r = httpreq_parse(buf, len, &req, err, sizeof(err));
	CHECK_INT(r, 30);
	if (r != 30)
		goto done;
	CHECK_STR(req.method, "GET");
	CHECK_STR(req.target, "/a");
	CHECK_STR(httpreq_header(&req, "host"), "one");
	CHECK(memcmp(buf + 30, two + 30, len - 30) == 0);
	off += (size_t)r;
	r = httpreq_parse(buf + off, len - off, &req, err, sizeof(err));
	CHECK_INT(r, 2 + 17 + 5 + 1);
	if (r != 2 + 17 + 5 + 1)
		goto done;
	CHECK_STR(req.method, "HEAD");
	CHECK_STR(req.target, "/b");
	CHECK_INT(req.minor, 0);
	CHECK_INT(req.nheaders, 1);
	CHECK_STR(httpreq_header(&req, "X"), "y");
	off += (size_t)r;
	CHECK(memcmp(buf + off, "GET /c", 6) == 0);
	CHECK_INT(
	    httpreq_parse(buf + off, len - off, &req, err, sizeof(err)), 0);
	CHECK(memcmp(buf + off, "GET /c", 6) == 0);
done:
	free(buf);
}

/* "GET /xxx...x HTTP/1.1" with a request line of line_len bytes. */
static char *
long_line(size_t line_len, const char *eol, const char *rest, size_t *lenp)
{
	size_t n = line_len + strlen(eol) + strlen(rest), t;
	char *b = malloc(n);

	if (b == NULL || line_len < 14)
		abort();
	t = line_len - 4 - 9; /* "GET " and " HTTP/1.1" */
	memcpy(b, "GET ", 4);
	b[4] = '/';
	memset(b + 5, 'x', t - 1);
	memcpy(b + 4 + t, " HTTP/1.1", 9);
	memcpy(b + line_len, eol, strlen(eol));
	memcpy(b + line_len + strlen(eol), rest, strlen(rest));
	*lenp = n;
	return b;
}

/* Request line limit: HTTPREQ_MAX_LINE bytes, not counting its end. */
static void
test_line_limit(void)
{
	static const struct {
		size_t line;
		const char *eol, *rest;
		int want; /* ALL: the whole input is the head */
	} rows[] = {
	    {HTTPREQ_MAX_LINE, "\r\n", "\r\n", ALL},
	    {HTTPREQ_MAX_LINE, "\n", "\n", ALL},
	    {HTTPREQ_MAX_LINE, "\r\n", "Host: a\r\n\r\n", ALL},
	    {HTTPREQ_MAX_LINE + 1, "\r\n", "\r\n", -414},
	    {HTTPREQ_MAX_LINE + 1, "\n", "\n", -414},
	    {HTTPREQ_MAX_LINE * 3, "\r\n", "\r\n", -414},
	    /* complete line, head still incomplete */
	    {HTTPREQ_MAX_LINE + 1, "\r\n", "Host: a\r\n", -414},
	    {HTTPREQ_MAX_LINE, "\r\n", "Host: a\r\n", 0},
	    /* no line end yet */
	    {HTTPREQ_MAX_LINE, "", "", 0},
	    {HTTPREQ_MAX_LINE, "\r", "", 0},
	    {HTTPREQ_MAX_LINE + 1, "", "", -414},
	    {HTTPREQ_MAX_LINE + 1, "\r", "", -414},
	    {HTTPREQ_MAX_LINE * 3, "", "", -414},
	};
	char what[128], *b;
	size_t i, len, k;
	int r, want;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		b = long_line(rows[i].line, rows[i].eol, rows[i].rest, &len);
		want = rows[i].want == ALL ? (int)len : rows[i].want;
		snprintf(what, sizeof(what), "line %zu + \"%s\" + %zu bytes",
		    rows[i].line, rows[i].eol[0] == '\r' ? "CR..." : "LF...",
		    strlen(rows[i].rest));
		r = parse_copy(b, len, what);
		if (r != want)
			FAILF("%s: %d, want %d", what, r, want);
		if (want == -414) {
			struct httpreq req;
			char err[64], *c = dup_exact(b, len);

			err[0] = '\0';
			httpreq_parse(c, len, &req, err, sizeof(err));
			if (strcmp(err, "request line too long") != 0)
				FAILF("%s: message \"%s\"", what, err);
			free(c);
		}
		/* With leading CRLFs the limit is the same. */
		{
			char *pre = malloc(len + 4);

			if (pre == NULL)
				abort();
			memcpy(pre, "\r\n\n\n", 4);
			memcpy(pre + 4, b, len);
			r = parse_copy(pre, len + 4, what);
			if (r != (want > 0 ? want + 4 : want))
				FAILF(
				    "%s after 4 blank-line bytes: %d", what, r);
			free(pre);
		}
		/* A good line is need-more at every cut short of the end. */
		for (k = 0; want > 0 && k < len; k += 97)
			if ((r = parse_copy(b, k, what)) != 0)
				FAILF("%s cut at %zu: %d", what, k, r);
		free(b);
	}
}

/* A head of head_len bytes: one request line, a long X field, blank line. */
static char *
sized_head(size_t head_len, int complete, const char *after, size_t *lenp)
{
	static const char line[] = "GET / HTTP/1.1\r\nX: ";
	size_t fixed = sizeof(line) - 1 + 4, vlen, n;
	char *b;

	if (head_len < fixed + 1)
		abort();
	vlen = head_len - fixed;
	n = head_len - (complete ? 0 : 2) + strlen(after);
	if ((b = malloc(n)) == NULL)
		abort();
	memcpy(b, line, sizeof(line) - 1);
	memset(b + sizeof(line) - 1, 'v', vlen);
	memcpy(b + sizeof(line) - 1 + vlen, complete ? "\r\n\r\n" : "\r\n",
	    complete ? 4 : 2);
	memcpy(b + head_len - (complete ? 0 : 2), after, strlen(after));
	*lenp = n;
	return b;
}

static void
test_head_limit(void)
{
	struct httpreq req;
	char err[64], *b;
	size_t len;
	int r;

	/* exactly HTTPREQ_MAX_HEAD bytes: fine, with or without more after */
	b = sized_head(HTTPREQ_MAX_HEAD, 1, "", &len);
	CHECK_INT(len, HTTPREQ_MAX_HEAD);
	r = httpreq_parse(b, len, &req, err, sizeof(err));
	CHECK_INT(r, HTTPREQ_MAX_HEAD);
	CHECK(r == HTTPREQ_MAX_HEAD && httpreq_header(&req, "x") != NULL &&
	    strlen(httpreq_header(&req, "x")) == HTTPREQ_MAX_HEAD - 23);
	free(b);
	b = sized_head(HTTPREQ_MAX_HEAD, 1, "GET /next HTTP/1.1\r\n\r\n", &len);
	CHECK_INT(parse_copy(b, len, "max head + pipelined"), HTTPREQ_MAX_HEAD);
	free(b);
	/* one byte more: 431, complete or not */
	b = sized_head(HTTPREQ_MAX_HEAD + 1, 1, "", &len);
	err[0] = '\0';
	CHECK_INT(httpreq_parse(b, len, &req, err, sizeof(err)), -431);
	CHECK_STR(err, "request head too long");
	free(b);
	b = sized_head(HTTPREQ_MAX_HEAD + 1, 0, "", &len);
	CHECK_INT(len, HTTPREQ_MAX_HEAD - 1);
	CHECK_INT(parse_copy(b, len, "incomplete, MAX_HEAD - 1"), 0);
	CHECK_INT(parse_copy(b, len - 1, "incomplete, MAX_HEAD - 2"), 0);
	free(b);
	b = sized_head(HTTPREQ_MAX_HEAD + 2, 0, "", &len);
	CHECK_INT(len, HTTPREQ_MAX_HEAD);
	CHECK_INT(parse_copy(b, len, "incomplete, MAX_HEAD"), -431);
	free(b);
	b = sized_head(4 * HTTPREQ_MAX_HEAD, 0, "", &len);
	CHECK_INT(parse_copy(b, len, "incomplete, 4 * MAX_HEAD"), -431);
	free(b);
	b = sized_head(4 * HTTPREQ_MAX_HEAD, 1, "", &len);
	CHECK_INT(parse_copy(b, len, "complete, 4 * MAX_HEAD"), -431);
	free(b);
}

/* A request line and n fields "H<i>: v<i>" (or all named same). */
static char *
many_fields(size_t n, const char *same, size_t *lenp)
{
	size_t cap = 32 + n * 32, off;
	char *b = malloc(cap);
	size_t i;

	if (b == NULL)
		abort();
	off = (size_t)snprintf(b, cap, "GET / HTTP/1.1\r\n");
	for (i = 0; i < n; i++) {
		if (same != NULL)
			off += (size_t)snprintf(
			    b + off, cap - off, "%s: v%zu\r\n", same, i);
		else
			off += (size_t)snprintf(
			    b + off, cap - off, "H%zu: v%zu\r\n", i, i);
	}
	off += (size_t)snprintf(b + off, cap - off, "\r\n");
	*lenp = off;
	return b;
}

static void
test_max_headers(void)
{
	struct httpreq req;
	char err[64], *b;
	size_t len;

	b = many_fields(HTTPREQ_MAX_HEADERS, NULL, &len);
	CHECK_INT(httpreq_parse(b, len, &req, err, sizeof(err)), len);
	CHECK_INT(req.nheaders, HTTPREQ_MAX_HEADERS);
	CHECK_STR(httpreq_header(&req, "h0"), "v0");
	CHECK_STR(httpreq_header(&req, "H63"), "v63");
	CHECK_INT(httpreq_count(&req, "h63"), 1);
	CHECK(httpreq_header(&req, "H64") == NULL);
	free(b);

	b = many_fields(HTTPREQ_MAX_HEADERS, "Cookie", &len);
	CHECK_INT(httpreq_parse(b, len, &req, err, sizeof(err)), len);
	CHECK_INT(httpreq_count(&req, "cookie"), HTTPREQ_MAX_HEADERS);
	CHECK_STR(httpreq_header(&req, "COOKIE"), "v0");
	free(b);

	b = many_fields(HTTPREQ_MAX_HEADERS + 1, NULL, &len);
	err[0] = '\0';
	CHECK_INT(httpreq_parse(b, len, &req, err, sizeof(err)), -431);
	CHECK_STR(err, "too many header fields");
	free(b);
	b = many_fields(HTTPREQ_MAX_HEADERS + 1, "Cookie", &len);
	CHECK_INT(parse_copy(b, len, "65 Cookie fields"), -431);
	free(b);
	b = many_fields(1000, NULL, &len);
	CHECK_INT(parse_copy(b, len, "1000 fields"), -431);
	free(b);
	/* 65 fields but the head is still incomplete: need more */
	b = many_fields(HTTPREQ_MAX_HEADERS + 1, NULL, &len);
	CHECK_INT(parse_copy(b, len - 2, "65 fields, no blank line"), 0);
	free(b);
}

/* xorshift64*: deterministic across platforms. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

#define RANDOM_LEN (100 * 1024)

/* 100 KB of random bytes, bare and behind a valid request line. */
static void
test_random_bytes(void)
{
	static const char start[] = "GET / HTTP/1.1\r\n";
	uint64_t seed, s;
	char what[64], *b;
	size_t i;

	if ((b = malloc(RANDOM_LEN)) == NULL)
		abort();
	for (seed = 1; seed <= 8; seed++) {
		s = seed * 0x9e3779b97f4a7c15ULL;
		for (i = 0; i < RANDOM_LEN; i++)
			b[i] = (char)(rnd(&s) >> 56);
		snprintf(what, sizeof(what), "random seed %" PRIu64, seed);
		parse_copy(b, RANDOM_LEN, what);
		memcpy(b, start, sizeof(start) - 1);
		parse_copy(b, RANDOM_LEN, what);
		/* sparse line ends: more lines, some blank */
		for (i = sizeof(start); i < RANDOM_LEN; i++)
			if ((unsigned char)b[i] < 8)
				b[i] = (b[i] & 1) ? '\n' : '\r';
		parse_copy(b, RANDOM_LEN, what);
	}
	free(b);
}

/*
 * Many short buffers drawn from the bytes that matter to the grammar.
 * Besides the invariants: when a buffer parses, each shorter prefix of
 * its head is need-more and each longer one gives the same head.
 */
static void
test_random_grammar(void)
{
	static const char alpha[] = "GET / HTTP/1.0\r\n\r\nHost: x\t:\r\n"
	                            " \n\n\r\0\x01\x7f\xff"
	                            "HTTP/1.1";
	static const char *const pieces[] = {"GET / HTTP/1.1\r\n",
	    "GET / HTTP/1.0\n", "\r\n", "\n", "Host: a\r\n", "X:\t b \r\n",
	    "X: a\n", " ", ":", "\r", "\0", "HTTP/1.1", "HEAD", "\t"};
	char b[256], what[64];
	uint64_t s = 42;
	size_t len, k, p;
	int iter, r, r2, parsed = 0;

	for (iter = 0; iter < 20000; iter++) {
		len = 0;
		if (iter % 2 == 0) {
			/* byte soup */
			len = (size_t)(rnd(&s) % 120);
			for (k = 0; k < len; k++)
				b[k] = alpha[rnd(&s) % (sizeof(alpha) - 1)];
		} else {
			/* plausible pieces */
			while (len < 160 && rnd(&s) % 16 != 0) {
				p = (size_t)(rnd(&s) %
				    (sizeof(pieces) / sizeof(pieces[0])));
				k = pieces[p][0] == '\0' ? 1
				                         : strlen(pieces[p]);
				memcpy(b + len, pieces[p], k);
				len += k;
			}
			if (rnd(&s) % 2)
				len += (size_t)snprintf(
				    b + len, sizeof(b) - len, "\r\n");
		}
		snprintf(what, sizeof(what), "grammar iteration %d", iter);
		r = parse_copy(b, len, what);
		if (r <= 0)
			continue;
		parsed++;
		for (k = 0; k <= len; k++) {
			r2 = parse_copy(b, k, what);
			if (r2 != ((int)k < r ? 0 : r)) {
				FAILF("%s cut at %zu of %zu: %d, full %d", what,
				    k, len, r2, r);
				break;
			}
		}
	}
	/* The generator must reach the good path, or it proves little. */
	CHECK(parsed > 100);
}

/* Nothing but empty lines: skipped up to a point, never need-more forever. */
static void
test_crlf_only(void)
{
	static const size_t counts[] = {
	    1, 2, 3, 4, 5, 6, 100, 8192, RANDOM_LEN / 2};
	char what[64], *b;
	size_t i, j, n;
	int r;

	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		n = counts[i];
		if ((b = malloc(2 * n)) == NULL)
			abort();
		for (j = 0; j < n; j++)
			memcpy(b + 2 * j, "\r\n", 2);
		snprintf(what, sizeof(what), "%zu CRLFs", n);
		r = parse_copy(b, 2 * n, what);
		/* Four leading CRLFs are skipped; a fifth is an empty line. */
		if (r != (n <= 4 ? 0 : -400))
			FAILF("%s: %d", what, r);
		snprintf(what, sizeof(what), "%zu LFs", 2 * n);
		memset(b, '\n', 2 * n);
		r = parse_copy(b, 2 * n, what);
		if (r != (2 * n <= 8 ? 0 : -400))
			FAILF("%s: %d", what, r);
		free(b);
	}
}

static const struct unit_test tests[] = {
    {"table", test_table},
    {"split points", test_split_points},
    {"error messages", test_messages},
    {"empty buffer", test_empty},
    {"lookup", test_lookup},
    {"pipelined", test_pipelined},
    {"request line limit", test_line_limit},
    {"head limit", test_head_limit},
    {"field count limit", test_max_headers},
    {"random bytes", test_random_bytes},
    {"random grammar", test_random_grammar},
    {"CRLF only", test_crlf_only},
};

UNIT_MAIN(tests)
