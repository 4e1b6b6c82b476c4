/*
 * Unit tests for range.c: the cases of nginx-tests range.t (suffix, open
 * end, past the end, multipart, letters, missing hyphen or comma,
 * overlapping sets) beside hostile rows: huge and negative numbers,
 * whitespace, binary garbage, empty files, too many specs.  Where nginx
 * answers 416 to bad syntax we answer 200 (RANGE_IGNORE), as RFC 9110
 * 14.2 says; those rows say so.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "range.h"
#include "unit.h"

#define OFF_MAX ((off_t)INT64_MAX)

struct parse_case {
	const char *hdr;
	off_t size;
	enum range_result want;
	const char *ranges; /* "F-L,F-L" when want is RANGE_OK */
};

/* The 1000-byte file of range.t unless a row says otherwise. */
static const struct parse_case parse_cases[] = {
    /* range.t: single ranges */
    {"bytes=0-8", 1000, RANGE_OK, "0-8"},
    {"bytes=-10", 1000, RANGE_OK, "990-999"},
    {"bytes=990-", 1000, RANGE_OK, "990-999"},
    {"bytes=990-1990", 1000, RANGE_OK, "990-999"},
    {"bytes=0-10001", 1000, RANGE_OK, "0-999"},
    {"bytes=100000-", 1000, RANGE_UNSATISFIABLE, NULL},
    {"bytes=1000-", 1000, RANGE_UNSATISFIABLE, NULL},
    {"bytes=999-", 1000, RANGE_OK, "999-999"},
    {"bytes=0-0", 1000, RANGE_OK, "0-0"},
    {"bytes=-1000", 1000, RANGE_OK, "0-999"},
    {"bytes=-1001", 1000, RANGE_OK, "0-999"},
    /* range.t: multipart, sorted and merged (0-9 and 10-19 touch) */
    {"bytes=0-9, -10, 10-19", 1000, RANGE_OK, "0-19,990-999"},
    {"bytes=0-9, -10, 100000-, 10-19", 1000, RANGE_OK, "0-19,990-999"},
    {"bytes=0-9, -10", 1000, RANGE_OK, "0-9,990-999"},
    {"bytes=0-9, -10, 10000-", 1000, RANGE_OK, "0-9,990-999"},
    /* range.t "malicious byte ranges": nginx 200s, we merge to one */
    {"bytes=0-10001, 0-0", 1000, RANGE_OK, "0-999"},
    /* range.t letters, missing hyphen or comma: nginx 416, RFC 200 */
    {"bytes=alpha", 1000, RANGE_IGNORE, NULL},
    {"bytes=10-alpha", 1000, RANGE_IGNORE, NULL},
    {"bytes=10", 1000, RANGE_IGNORE, NULL},
    {"bytes=10-11 12-", 1000, RANGE_IGNORE, NULL},
    {"bytes=0-9,alpha", 1000, RANGE_IGNORE, NULL},
    {"bytes=0x10-0x20", 1000, RANGE_IGNORE, NULL},
    {"bytes=1e3-", 1000, RANGE_IGNORE, NULL},
    /* overlapping and adjacent sets */
    {"bytes=0-499,400-599,100-200", 1000, RANGE_OK, "0-599"},
    {"bytes=500-600,601-999", 1000, RANGE_OK, "500-999"},
    {"bytes=0-0,2-2", 1000, RANGE_OK, "0-0,2-2"},
    {"bytes=5-9,0-4", 1000, RANGE_OK, "0-9"},
    {"bytes=900-,-50,0-", 1000, RANGE_OK, "0-999"},
    {"bytes=10-20,10-20,10-20", 1000, RANGE_OK, "10-20"},
    {"bytes=30-40,10-20,50-60", 1000, RANGE_OK, "10-20,30-40,50-60"},
    {"bytes=10-20,15-", 1000, RANGE_OK, "10-999"},
    /* huge numbers: first overflow = unsatisfiable, last = clamp */
    {"bytes=9223372036854775807-", 1000, RANGE_UNSATISFIABLE, NULL},
    {"bytes=9223372036854775808-", 1000, RANGE_UNSATISFIABLE, NULL},
    {"bytes=99999999999999999999-", 1000, RANGE_UNSATISFIABLE, NULL},
    {"bytes=0-9223372036854775807", 1000, RANGE_OK, "0-999"},
    {"bytes=0-9223372036854775808", 1000, RANGE_OK, "0-999"},
    {"bytes=0-99999999999999999999", 1000, RANGE_OK, "0-999"},
    {"bytes=0-18446744073709551616", 1000, RANGE_OK, "0-999"},
    {"bytes=-9223372036854775808", 1000, RANGE_OK, "0-999"},
    {"bytes=-99999999999999999999", 1000, RANGE_OK, "0-999"},
    {"bytes=0-9, 99999999999999999999-", 1000, RANGE_OK, "0-9"},
    {"bytes=99999999999999999999-5", 1000, RANGE_IGNORE, NULL},
    {"bytes=99999999999999999999-99999999999999999998", 1000, RANGE_IGNORE,
        NULL},
    {"bytes=99999999999999999998-99999999999999999999", 1000,
        RANGE_UNSATISFIABLE, NULL},
    {"bytes=0099999999999999999999-99999999999999999999", 1000,
        RANGE_UNSATISFIABLE, NULL},
    {"bytes=000000000000000000000000000001-0000000000000000000000002", 1000,
        RANGE_OK, "1-2"},
    {"bytes=9223372036854775806-", OFF_MAX, RANGE_OK,
        "9223372036854775806-9223372036854775806"},
    {"bytes=-1", OFF_MAX, RANGE_OK, "9223372036854775806-9223372036854775806"},
    {"bytes=9223372036854775807-", OFF_MAX, RANGE_UNSATISFIABLE, NULL},
    {"bytes=0-", OFF_MAX, RANGE_OK, "0-9223372036854775806"},
    /* negative numbers and stray hyphens */
    {"bytes=-5-10", 1000, RANGE_IGNORE, NULL},
    {"bytes=-1--5", 1000, RANGE_IGNORE, NULL},
    {"bytes=5--10", 1000, RANGE_IGNORE, NULL},
    {"bytes=+5-10", 1000, RANGE_IGNORE, NULL},
    {"bytes=5-+10", 1000, RANGE_IGNORE, NULL},
    {"bytes=-", 1000, RANGE_IGNORE, NULL},
    {"bytes=--1", 1000, RANGE_IGNORE, NULL},
    {"bytes=1-2-3", 1000, RANGE_IGNORE, NULL},
    {"bytes=-1-", 1000, RANGE_IGNORE, NULL},
    /* last < first is invalid syntax (14.1.1), even beside good ones */
    {"bytes=5-4", 1000, RANGE_IGNORE, NULL},
    {"bytes=0-1,5-4", 1000, RANGE_IGNORE, NULL},
    {"bytes=2000-1500", 1000, RANGE_IGNORE, NULL},
    /* suffix -0 selects nothing */
    {"bytes=-0", 1000, RANGE_UNSATISFIABLE, NULL},
    {"bytes=-000", 1000, RANGE_UNSATISFIABLE, NULL},
    {"bytes=-0,0-0", 1000, RANGE_OK, "0-0"},
    /* empty sets */
    {"", 1000, RANGE_IGNORE, NULL},
    {"bytes=", 1000, RANGE_IGNORE, NULL},
    {"bytes=,", 1000, RANGE_IGNORE, NULL},
    {"bytes= , ,\t,", 1000, RANGE_IGNORE, NULL},
    /* whitespace and empty elements (RFC 9110 5.6.1) */
    {"bytes=0-1 , 3-4", 1000, RANGE_OK, "0-1,3-4"},
    {"bytes=0-1\t,\t3-4", 1000, RANGE_OK, "0-1,3-4"},
    {"bytes= 0-1", 1000, RANGE_OK, "0-1"},
    {" bytes=0-1 ", 1000, RANGE_OK, "0-1"},
    {"bytes=,,0-1,,3-4,,", 1000, RANGE_OK, "0-1,3-4"},
    {"bytes=0-1,", 1000, RANGE_OK, "0-1"},
    {"bytes =0-1", 1000, RANGE_IGNORE, NULL},
    {"bytes= 0 -1", 1000, RANGE_IGNORE, NULL},
    {"bytes=0- 1", 1000, RANGE_IGNORE, NULL},
    {"bytes=0-1\r\n", 1000, RANGE_IGNORE, NULL},
    {"bytes=0-1\n3-4", 1000, RANGE_IGNORE, NULL},
    {"bytes=0-1\v", 1000, RANGE_IGNORE, NULL},
    /* units */
    {"BYTES=0-1", 1000, RANGE_OK, "0-1"},
    {"Bytes=0-1", 1000, RANGE_OK, "0-1"},
    {"bytes:0-1", 1000, RANGE_IGNORE, NULL},
    {"items=0-1", 1000, RANGE_IGNORE, NULL},
    {"byte=0-1", 1000, RANGE_IGNORE, NULL},
    {"bytesx=0-1", 1000, RANGE_IGNORE, NULL},
    {"bytes", 1000, RANGE_IGNORE, NULL},
    {"bytes0-1", 1000, RANGE_IGNORE, NULL},
    {"=0-1", 1000, RANGE_IGNORE, NULL},
    {"0-1", 1000, RANGE_IGNORE, NULL},
    /* binary garbage, NUL-free */
    {"\x01\x02\xff\xfe", 1000, RANGE_IGNORE, NULL},
    {"bytes=\xff-\x80", 1000, RANGE_IGNORE, NULL},
    {"bytes=0-1\x7f", 1000, RANGE_IGNORE, NULL},
    {"bytes=0-1,\xc3\xa9", 1000, RANGE_IGNORE, NULL},
    {"\xe2yte\xf3=0-1", 1000, RANGE_IGNORE, NULL},
    {"bytes=\xb0-\xb9", 1000, RANGE_IGNORE, NULL},
    /* size 0: every spec is unsatisfiable, but bad syntax still 200s */
    {"bytes=0-", 0, RANGE_UNSATISFIABLE, NULL},
    {"bytes=0-0", 0, RANGE_UNSATISFIABLE, NULL},
    {"bytes=-1", 0, RANGE_UNSATISFIABLE, NULL},
    {"bytes=-0", 0, RANGE_UNSATISFIABLE, NULL},
    {"bytes=0-0,-5,7-", 0, RANGE_UNSATISFIABLE, NULL},
    {"bytes=abc", 0, RANGE_IGNORE, NULL},
    {"bytes=1-0", 0, RANGE_IGNORE, NULL},
    /* size 1 */
    {"bytes=0-0", 1, RANGE_OK, "0-0"},
    {"bytes=0-", 1, RANGE_OK, "0-0"},
    {"bytes=-1", 1, RANGE_OK, "0-0"},
    {"bytes=-5", 1, RANGE_OK, "0-0"},
    {"bytes=0-5", 1, RANGE_OK, "0-0"},
    {"bytes=1-", 1, RANGE_UNSATISFIABLE, NULL},
    {"bytes=1-1", 1, RANGE_UNSATISFIABLE, NULL},
    {"bytes=0-0,0-0,-1", 1, RANGE_OK, "0-0"},
    /* a negative size is a caller bug, not a 416 */
    {"bytes=0-1", -1, RANGE_IGNORE, NULL},
};

/* Render a set as "F-L,F-L" for one CHECK_STR per row. */
static const char *
set_str(const struct range_set *s, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < s->n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%lld-%lld",
		    i ? "," : "", (long long)s->r[i].first,
		    (long long)s->r[i].last);
	return buf;
}

static void
test_parse_table(void)
{
	const struct parse_case *c;
	struct range_set s;
	char buf[1024], err[128];
	enum range_result res;
	size_t i;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		c = &parse_cases[i];
		err[0] = '\0';
		s.n = 99;
		res = range_parse(c->hdr, c->size, &s, err, sizeof(err));
		if (res != c->want) {
			FAILF("row %zu \"%s\" size %lld: result %d, want %d "
			      "(%s)",
			    i, c->hdr, (long long)c->size, (int)res,
			    (int)c->want, err);
			continue;
		}
		if (res == RANGE_OK) {
			set_str(&s, buf, sizeof(buf));
			if (strcmp(buf, c->ranges) != 0)
				FAILF("row %zu \"%s\": ranges %s, want %s", i,
				    c->hdr, buf, c->ranges);
		} else {
			if (s.n != 0)
				FAILF("row %zu \"%s\": n = %zu on failure", i,
				    c->hdr, s.n);
			if (err[0] == '\0')
				FAILF("row %zu \"%s\": no error message", i,
				    c->hdr);
		}
	}
}

static void
test_parse_null(void)
{
	struct range_set s;
	char err[64];

	s.n = 5;
	CHECK_INT(range_parse(NULL, 1000, &s, err, sizeof(err)), RANGE_IGNORE);
	CHECK_INT(s.n, 0);
	CHECK_STR(err, "no Range header");
	/* err may be NULL, or too small: the message is truncated. */
	CHECK_INT(range_parse("bytes=x", 1000, &s, NULL, 0), RANGE_IGNORE);
	CHECK_INT(range_parse("bytes=x", 1000, &s, err, 1), RANGE_IGNORE);
	CHECK_STR(err, "");
	CHECK_INT(range_parse("bytes=5-", 3, &s, err, 4), RANGE_UNSATISFIABLE);
	CHECK_STR(err, "no ");
}

static void
test_parse_messages(void)
{
	struct range_set s;
	char err[64];

	range_parse("items=0-1", 10, &s, err, sizeof(err));
	CHECK_STR(err, "range unit is not bytes");
	range_parse("bytes=0-1,x", 10, &s, err, sizeof(err));
	CHECK_STR(err, "malformed range spec");
	range_parse("bytes=,", 10, &s, err, sizeof(err));
	CHECK_STR(err, "empty range set");
	range_parse("bytes=10-", 10, &s, err, sizeof(err));
	CHECK_STR(err, "no satisfiable range");
}

/*
 * "bytes=" and n specs "I*step-I*step"; with unsat_every > 0, only every
 * unsat_every-th spec is satisfiable, the rest start past any test file.
 */
static char *
many_specs(size_t n, long long step, long long unsat_every)
{
	size_t i, len = 6 + n * 48 + 1, off;
	char *h = malloc(len);

	if (h == NULL)
		abort();
	off = (size_t)snprintf(h, len, "bytes=");
	for (i = 0; i < n; i++) {
		if (unsat_every > 0 && (long long)i % unsat_every != 0)
			off += (size_t)snprintf(h + off, len - off, "%s%lld-",
			    i ? "," : "", 1000000LL + (long long)i);
		else
			off += (size_t)snprintf(h + off, len - off,
			    "%s%lld-%lld", i ? "," : "", (long long)i * step,
			    (long long)i * step);
	}
	return h;
}

static void
test_parse_many(void)
{
	struct range_set s;
	char *h;
	char err[64];

	/* 64 identical specs is the limit and merges to one range. */
	h = many_specs(RANGE_MAX_SPECS, 0, 0);
	CHECK_INT(range_parse(h, 1000, &s, err, sizeof(err)), RANGE_OK);
	CHECK_INT(s.n, 1);
	free(h);
	/* 65 is too many, whatever they hold. */
	h = many_specs(RANGE_MAX_SPECS + 1, 0, 0);
	CHECK_INT(range_parse(h, 1000, &s, err, sizeof(err)), RANGE_IGNORE);
	CHECK_STR(err, "too many range specs");
	free(h);
	/* 1000 specs. */
	h = many_specs(1000, 2, 0);
	CHECK_INT(range_parse(h, 1 << 20, &s, err, sizeof(err)), RANGE_IGNORE);
	free(h);
	/* 16 disjoint ranges are served, 17 are not. */
	h = many_specs(RANGE_MAX, 2, 0);
	CHECK_INT(range_parse(h, 1000, &s, err, sizeof(err)), RANGE_OK);
	CHECK_INT(s.n, RANGE_MAX);
	CHECK_INT(s.r[RANGE_MAX - 1].first, 2 * (RANGE_MAX - 1));
	free(h);
	h = many_specs(RANGE_MAX + 1, 2, 0);
	CHECK_INT(range_parse(h, 1000, &s, err, sizeof(err)), RANGE_IGNORE);
	CHECK_STR(err, "too many ranges after merging");
	free(h);
	/* 64 disjoint ranges: within the spec limit, past RANGE_MAX. */
	h = many_specs(RANGE_MAX_SPECS, 2, 0);
	CHECK_INT(range_parse(h, 1000, &s, err, sizeof(err)), RANGE_IGNORE);
	free(h);
	/* 64 specs, 16 satisfiable and disjoint: unsatisfiable are dropped. */
	h = many_specs(RANGE_MAX_SPECS, 2, 4);
	CHECK_INT(range_parse(h, 1000, &s, err, sizeof(err)), RANGE_OK);
	CHECK_INT(s.n, RANGE_MAX);
	free(h);
	/* 64 adjacent single bytes merge into one range. */
	h = many_specs(RANGE_MAX_SPECS, 1, 0);
	CHECK_INT(range_parse(h, 1000, &s, err, sizeof(err)), RANGE_OK);
	CHECK_INT(s.n, 1);
	CHECK_INT(s.r[0].first, 0);
	CHECK_INT(s.r[0].last, RANGE_MAX_SPECS - 1);
	free(h);
}

static void
test_parse_long_input(void)
{
	struct range_set s;
	char *h;
	size_t n = 100000;

	/* 100000 nines: overflow, unsatisfiable, no crash. */
	h = malloc(n + 8);
	if (h == NULL)
		abort();
	memcpy(h, "bytes=", 6);
	memset(h + 6, '9', n);
	h[6 + n] = '-';
	h[7 + n] = '\0';
	CHECK_INT(range_parse(h, 1000, &s, NULL, 0), RANGE_UNSATISFIABLE);
	/* As a last position it clamps. */
	memcpy(h, "bytes=0-", 8);
	h[6 + n] = '9';
	CHECK_INT(range_parse(h, 1000, &s, NULL, 0), RANGE_OK);
	CHECK_INT(s.r[0].last, 999);
	free(h);

	/* 100000 empty elements around one spec do not count as specs. */
	h = malloc(n + 16);
	if (h == NULL)
		abort();
	memcpy(h, "bytes=", 6);
	memset(h + 6, ',', n);
	memcpy(h + 6 + n, "5-6", 4);
	CHECK_INT(range_parse(h, 1000, &s, NULL, 0), RANGE_OK);
	CHECK_INT(s.r[0].first, 5);
	free(h);
}

/* A deterministic xorshift so failures reproduce. */
static uint32_t
rnd(uint32_t *st)
{
	uint32_t x = *st;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *st = x;
}

/*
 * Random headers built from range-syntax pieces, and random bytes: any
 * RANGE_OK must be 1..RANGE_MAX sorted, disjoint, non-adjacent ranges
 * inside the file.
 */
static void
test_parse_random(void)
{
	static const char *const piece[] = {"0", "7", "42", "500", "999",
	    "1000", "1999", "99999999999999999999", "-", "-", "-", ",", ",",
	    ", ", " ", "\t", "x", "-0"};
	struct range_set s;
	char h[512];
	uint32_t st = 0x9e3779b9;
	off_t size;
	size_t i, j, len, nok = 0;
	int bad;

	for (i = 0; i < 200000; i++) {
		if (i % 2 == 0) {
			len = (size_t)snprintf(h, sizeof(h), "bytes=");
			for (j = rnd(&st) % 16; j > 0; j--)
				len += (size_t)snprintf(h + len,
				    sizeof(h) - len, "%s",
				    piece[rnd(&st) %
				        (sizeof(piece) / sizeof(piece[0]))]);
		} else {
			len = rnd(&st) % 80;
			for (j = 0; j < len; j++)
				h[j] = (char)(1 + rnd(&st) % 255);
			h[len] = '\0';
		}
		size = (off_t)(rnd(&st) % 2000);
		if (range_parse(h, size, &s, NULL, 0) != RANGE_OK)
			continue;
		nok++;
		bad = s.n == 0 || s.n > RANGE_MAX;
		for (j = 0; !bad && j < s.n; j++) {
			bad = s.r[j].first < 0 || s.r[j].first > s.r[j].last ||
			    s.r[j].last >= size ||
			    (j > 0 && s.r[j].first <= s.r[j - 1].last + 1);
		}
		if (bad) {
			FAILF(
			    "bad set for \"%s\" size %lld", h, (long long)size);
			return;
		}
	}
	/* The generator must reach the interesting branch often. */
	CHECK(nok > 2000);
}

static void
test_format(void)
{
	char buf[64];

	CHECK_INT(range_format(buf, sizeof(buf), 0, 8, 1000), 14);
	CHECK_STR(buf, "bytes 0-8/1000");
	range_format(buf, sizeof(buf), 0, OFF_MAX - 1, OFF_MAX);
	CHECK_STR(buf, "bytes 0-9223372036854775806/9223372036854775807");
	CHECK_INT(range_format_unsatisfied(buf, sizeof(buf), 1000), 12);
	CHECK_STR(buf, "bytes */1000");
	range_format_unsatisfied(buf, sizeof(buf), 0);
	CHECK_STR(buf, "bytes */0");
	/* Truncation: snprintf's count says how much was needed. */
	CHECK_INT(range_format(buf, 6, 10, 20, 30), 14);
	CHECK_STR(buf, "bytes");
}

struct cr_case {
	const char *hdr;
	int ok;
	long long first, last, size;
};

static const struct cr_case cr_cases[] = {
    {"bytes 0-499/1234", 1, 0, 499, 1234},
    {"bytes 500-999/*", 1, 500, 999, -1},
    {"bytes 0-0/1", 1, 0, 0, 1},
    {"BYTES 7-7/8", 1, 7, 7, 8},
    {" bytes 1-2/3 ", 1, 1, 2, 3},
    {"bytes 0-9223372036854775806/9223372036854775807", 1, 0, INT64_MAX - 1,
        INT64_MAX},
    {"bytes 9223372036854775806-9223372036854775806/*", 1, INT64_MAX - 1,
        INT64_MAX - 1, -1},
    {"bytes 007-008/009", 1, 7, 8, 9},
    /* rejects */
    {"bytes 5-4/10", 0, 0, 0, 0},
    {"bytes 0-10/10", 0, 0, 0, 0},
    {"bytes 10-10/10", 0, 0, 0, 0},
    {"bytes 0-9/0", 0, 0, 0, 0},
    {"bytes */100", 0, 0, 0, 0},
    {"bytes 0-1/100 junk", 0, 0, 0, 0},
    {"bytes 0-1/100,", 0, 0, 0, 0},
    {"bytes  0-1/100", 0, 0, 0, 0},
    {"bytes\t0-1/100", 0, 0, 0, 0},
    {"bytes=0-1/100", 0, 0, 0, 0},
    {"bytes0-1/100", 0, 0, 0, 0},
    {"bytes 0-1", 0, 0, 0, 0},
    {"bytes 0-1/", 0, 0, 0, 0},
    {"bytes 0-/100", 0, 0, 0, 0},
    {"bytes -1/100", 0, 0, 0, 0},
    {"bytes -1-5/100", 0, 0, 0, 0},
    {"bytes 0 - 1/100", 0, 0, 0, 0},
    {"bytes 0-1 /100", 0, 0, 0, 0},
    {"bytes 0-1/1x", 0, 0, 0, 0},
    {"bytes 0-1/-5", 0, 0, 0, 0},
    {"bytes 0-1/**", 0, 0, 0, 0},
    {"bytes 0x1-2/3", 0, 0, 0, 0},
    {"bytes 0-99999999999999999999/*", 0, 0, 0, 0},
    {"bytes 9223372036854775808-9223372036854775809/*", 0, 0, 0, 0},
    {"bytes 0-1/9223372036854775808", 0, 0, 0, 0},
    {"items 0-1/2", 0, 0, 0, 0},
    {"", 0, 0, 0, 0},
    {"bytes", 0, 0, 0, 0},
    {"bytes 0-1/2\r\n", 0, 0, 0, 0},
    {"bytes \xff-\xfe/\x80", 0, 0, 0, 0},
};

static void
test_content_range(void)
{
	const struct cr_case *c;
	off_t f, l, sz;
	char err[128];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cr_cases) / sizeof(cr_cases[0]); i++) {
		c = &cr_cases[i];
		f = l = sz = 12345;
		err[0] = '\0';
		rc = range_parse_content_range(
		    c->hdr, &f, &l, &sz, err, sizeof(err));
		if (rc != (c->ok ? 0 : -1)) {
			FAILF("row %zu \"%s\": rc %d (%s)", i, c->hdr, rc, err);
			continue;
		}
		if (!c->ok) {
			if (err[0] == '\0')
				FAILF("row %zu \"%s\": no error message", i,
				    c->hdr);
			continue;
		}
		if (f != c->first || l != c->last || sz != c->size)
			FAILF("row %zu \"%s\": got %lld-%lld/%lld", i, c->hdr,
			    (long long)f, (long long)l, (long long)sz);
	}
	CHECK_INT(range_parse_content_range(NULL, &f, &l, &sz, NULL, 0), -1);
	/* Round trip through range_format(). */
	range_format(err, sizeof(err), 100, 199, 1000);
	CHECK_INT(range_parse_content_range(err, &f, &l, &sz, NULL, 0), 0);
	CHECK_INT(f, 100);
	CHECK_INT(l, 199);
	CHECK_INT(sz, 1000);
}

static const struct unit_test tests[] = {
    {"parse_table", test_parse_table},
    {"parse_null", test_parse_null},
    {"parse_messages", test_parse_messages},
    {"parse_many", test_parse_many},
    {"parse_long_input", test_parse_long_input},
    {"parse_random", test_parse_random},
    {"format", test_format},
    {"content_range", test_content_range},
};

UNIT_MAIN(tests)
