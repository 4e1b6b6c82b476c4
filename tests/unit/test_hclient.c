/*
 * Unit tests for hclient.c's response parsing (RFC 9112 framing), fed
 * through hc_test_feed() whole, in pieces and byte by byte: well-formed
 * answers beside hostile ones (bad status lines, folded or nameless
 * headers, conflicting lengths, bad chunk sizes, oversized heads and
 * trailers, early closes).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/http.h>

#include "hclient.h"
#include "httphdr.h"
#include "unit.h"

struct got {
	int status, heads, dones, refuse_head, count_only;
	enum hc_err err;
	char body[4096];
	size_t body_len;
	int overflow;
	size_t nfields;
	char etag[64]; /* the ETag value the head had, "-" for none */
};

static int
t_head(void *arg, int status, const struct httphdr_fields *h)
{
	struct got *g = arg;
	const char *etag = httphdr_find(h->f, h->n, "etag");

	snprintf(g->etag, sizeof(g->etag), "%s", etag ? etag : "-");
	g->nfields = h->n;
	g->status = status;
	g->heads++;
	return g->refuse_head ? -1 : 0;
}

static int
t_body(void *arg, const char *p, size_t n)
{
	struct got *g = arg;

	if (g->count_only) {
		g->body_len += n;
		return 0;
	}
	if (g->body_len + n > sizeof(g->body)) {
		g->overflow = 1;
		return -1;
	}
	memcpy(g->body + g->body_len, p, n);
	g->body_len += n;
	return 0;
}

static void
t_done(void *arg, enum hc_err err, const char *why)
{
	struct got *g = arg;

	(void)why;
	g->err = err;
	g->dones++;
}

static const struct hc_cbs cbs = {t_head, t_body, t_done};
static struct event_base *base;

/* Feed resp in pieces of step bytes (0: whole), then EOF if eof. */
static void
feed(const char *resp, size_t len, size_t step, int eof, struct got *g)
{
	struct hc_conn *c = hc_new(base, "127.0.0.1", 9, 5);
	size_t off = 0, n;
	int r = 1;

	memset(g, 0, sizeof(*g));
	if (step == 0)
		step = len;
	while (off < len && r == 1) {
		n = len - off < step ? len - off : step;
		r = hc_test_feed(c, resp + off, n, &cbs, g);
		off += n;
	}
	if (r == 1 && eof)
		hc_test_feed(c, "", 0, &cbs, g);
	hc_free(c);
}

struct row {
	const char *resp;
	int eof;         /* the origin closes after resp */
	enum hc_err err; /* -1: not done yet (needs more) */
	int status;
	const char *body;
};

#define H11 "HTTP/1.1 206 Partial Content\r\n"
static const struct row rows[] = {
    /* Well-formed. */
    {H11 "Content-Length: 5\r\n\r\nhello", 0, HC_OK, 206, "hello"},
    {"HTTP/1.1 200 OK\nContent-Length: 2\n\nhi", 0, HC_OK, 200, "hi"},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
     "5\r\nhello\r\n6;ext=\"a\"\r\n world\r\n0\r\nX-T: 1\r\n\r\n",
        0, HC_OK, 200, "hello world"},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
     "A\r\n0123456789\r\na \r\nabcdefghij\r\n0\r\n\r\n",
        0, HC_OK, 200, "0123456789abcdefghij"},
    {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n" H11
     "Content-Length: 3\r\n\r\nabc",
        0, HC_OK, 206, "abc"},
    {"HTTP/1.1 204 No Content\r\n\r\n", 0, HC_OK, 204, ""},
    {"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", 0, HC_OK, 304,
        ""},
    {H11 "Content-Length: 0\r\n\r\n", 0, HC_OK, 206, ""},
    {H11 "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 0, HC_OK, 206,
        "abc"},
    /* Transfer-Encoding wins over Content-Length. */
    {H11 "Content-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
         "1\r\nz\r\n0\r\n\r\n",
        0, HC_OK, 206, "z"},
    /* No length: the body runs to the close. */
    {H11 "\r\nuntil close", 1, HC_OK, 206, "until close"},
    {H11 "Transfer-Encoding: gzip\r\n\r\nxyz", 1, HC_OK, 206, "xyz"},
    {"HTTP/1.0 200 OK\r\n\r\nold", 1, HC_OK, 200, "old"},
    {H11 "Content-Length: 5\r\n\r\nhel", 0, -1, 206, "hel"},
    /* Closed early. */
    {H11 "Content-Length: 5\r\n\r\nhel", 1, HC_ENET, 206, "hel"},
    {H11 "Content-Len", 1, HC_ENET, 0, ""},
    {"", 1, HC_ENET, 0, ""},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", 1,
        HC_ENET, 200, "hel"},
    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", 1, HC_ENET,
        200, ""},
    /* Bad status lines. */
    {"HTTP/2 200 OK\r\n\r\n", 0, HC_EPROTO, 0, ""},
    {"HTTP/1.1 20 OK\r\n\r\n", 0, HC_EPROTO, 0, ""},
    {"HTTP/1.1 2000 OK\r\n\r\n", 0, HC_EPROTO, 0, ""},
    {"HTTP/1.1 600 Odd\r\n\r\n", 0, HC_EPROTO, 0, ""},
    {"ICY 200 OK\r\n\r\n", 0, HC_EPROTO, 0, ""},
    {"http/1.1 200 OK\r\n\r\n", 0, HC_EPROTO, 0, ""},
    {"\r\nHTTP/1.1 200 OK\r\n\r\n", 0, HC_EPROTO, 0, ""},
    {"HTTP/1.1 101 Switching\r\n\r\n", 0, HC_EPROTO, 0, ""},
    /* Bad headers. */
    {H11 "Content-Length: 1\r\n folded\r\n\r\nx", 0, HC_EPROTO, 0, ""},
    {H11 "Content-Length : 1\r\n\r\nx", 0, HC_EPROTO, 0, ""},
    {H11 ": empty name\r\n\r\n", 0, HC_EPROTO, 0, ""},
    {H11 "no colon\r\n\r\n", 0, HC_EPROTO, 0, ""},
    {H11 "Bad\x01Name: 1\r\n\r\n", 0, HC_EPROTO, 0, ""},
    /* Bad lengths. */
    {H11 "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 0, HC_EPROTO, 0,
        ""},
    {H11 "Content-Length: -1\r\n\r\n", 0, HC_EPROTO, 0, ""},
    {H11 "Content-Length: 5x\r\n\r\n", 0, HC_EPROTO, 0, ""},
    {H11 "Content-Length: 3, 3\r\n\r\nabc", 0, HC_EPROTO, 0, ""},
    {H11 "Content-Length: \r\n\r\n", 0, HC_EPROTO, 0, ""},
    {H11 "Content-Length: 99999999999999999999999\r\n\r\n", 0, HC_EPROTO, 0,
        ""},
    {"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0,
        HC_EPROTO, 0, ""},
    /* Bad chunked framing. */
    {H11 "Transfer-Encoding: chunked\r\n\r\nzz\r\n", 0, HC_EPROTO, 206, ""},
    {H11 "Transfer-Encoding: chunked\r\n\r\n-5\r\n", 0, HC_EPROTO, 206, ""},
    {H11 "Transfer-Encoding: chunked\r\n\r\n\r\n", 0, HC_EPROTO, 206, ""},
    {H11 "Transfer-Encoding: chunked\r\n\r\n1000000000000000\r\n", 0, HC_EPROTO,
        206, ""},
    {H11 "Transfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n", 0, HC_EPROTO, 206,
        ""},
    {H11 "Transfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n", 0,
        HC_EPROTO, 206, "hello"},
    {H11 "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\r0\r\n\r\n", 0,
        HC_EPROTO, 206, "hello"},
};

static void
test_rows(void)
{
	static const size_t steps[] = {0, 1, 2, 7};
	struct got g;
	size_t i, s;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];

		for (s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
			feed(r->resp, strlen(r->resp), steps[s], r->eof, &g);
			if ((int)r->err == -1) {
				if (g.dones != 0)
					FAILF("row %zu step %zu: done, want "
					      "more",
					    i, steps[s]);
			} else if (g.dones != 1 || g.err != r->err) {
				FAILF("row %zu step %zu: dones %d err %d, want "
				      "err %d",
				    i, steps[s], g.dones, g.err, r->err);
			}
			if (r->status != 0 && g.status != r->status)
				FAILF("row %zu step %zu: status %d, want %d", i,
				    steps[s], g.status, r->status);
			if (r->err == HC_OK &&
			    (g.body_len != strlen(r->body) ||
			        memcmp(g.body, r->body, g.body_len) != 0))
				FAILF("row %zu step %zu: body \"%.*s\", want "
				      "\"%s\"",
				    i, steps[s], (int)g.body_len, g.body,
				    r->body);
		}
	}
}

/* Heads and trailers past the limits, and a refused head. */
static void
test_limits(void)
{
	size_t big = HC_HEAD_MAX + 100, n;
	char *resp = malloc(big + 64);
	struct got g;

	/* A head that never ends. */
	n = (size_t)sprintf(resp, H11);
	while (n < big)
		n += (size_t)sprintf(resp + n, "X-Pad: 0123456789\r\n");
	feed(resp, n, 0, 0, &g);
	CHECK_INT(g.dones, 1);
	CHECK_INT(g.err, HC_EPROTO);
	CHECK_INT(g.heads, 0);
	/* A trailer that never ends. */
	n = (size_t)sprintf(resp,
	    H11 "Transfer-Encoding: chunked\r\n\r\n"
	        "0\r\n");
	while (n < big)
		n += (size_t)sprintf(resp + n, "X-Pad: 0123456789\r\n");
	feed(resp, n, 0, 0, &g);
	CHECK_INT(g.dones, 1);
	CHECK_INT(g.err, HC_EPROTO);
	/* A chunk-size line that never ends. */
	n = (size_t)sprintf(resp, H11 "Transfer-Encoding: chunked\r\n\r\n1;");
	memset(resp + n, 'e', 2000);
	feed(resp, n + 2000, 0, 0, &g);
	CHECK_INT(g.dones, 1);
	CHECK_INT(g.err, HC_EPROTO);
	free(resp);
	/* The caller refuses the head: no body reaches it. */
	memset(&g, 0, sizeof(g));
	{
		struct hc_conn *c = hc_new(base, "127.0.0.1", 9, 5);
		static const char r[] = H11 "Content-Length: 3\r\n\r\nabc";

		g.refuse_head = 1;
		CHECK_INT(hc_test_feed(c, r, sizeof(r) - 1, &cbs, &g), 0);
		CHECK_INT(g.err, HC_EABORT);
		CHECK_INT(g.body_len, 0);
		hc_free(c);
	}
}

struct field_row {
	const char *fields; /* between the status line and the blank line */
	enum hc_err err;
	const char *etag; /* as head() saw it */
	size_t nfields;
};

static const struct field_row field_rows[] = {
    {"ETag: \"a\"\r\n", HC_OK, "\"a\"", 1},
    {"X: 1\r\netag:\t \"b\" \t\r\nETag: \"c\"\r\n", HC_OK, "\"b\"", 3},
    {"ETag:\r\n", HC_OK, "", 1},
    {"X: 1\r\n", HC_OK, "-", 1},
    {"", HC_OK, "-", 0},
    /* A CR in a value is refused, as evhttp_add_header() did. */
    {"ETag: a\r b\r\n", HC_EPROTO, "-", 0},
    {"ETag: a\r\r\tb\r\n", HC_EPROTO, "-", 0},
    {"ETag: a\rb\r\n", HC_EPROTO, "-", 0},
    {"ETag: a\r\r\n", HC_EPROTO, "-", 0},
    /* A NUL ends the value as a C string. */
    {"ETag: a\0\rb\r\n", HC_OK, "a", 1},
    {"ETag: \x01\x7f\x80\r\n", HC_OK, "\x01\x7f\x80", 1},
};

/* What head() is given: the fields, OWS trimmed, looked up case-blind. */
static void
test_fields(void)
{
	char resp[512];
	struct got g;
	size_t i, n, k;

	for (i = 0; i < sizeof(field_rows) / sizeof(field_rows[0]); i++) {
		const struct field_row *r = &field_rows[i];
		const char *f = r->fields;

		/* The NUL row: the field text runs to its CRLF. */
		k = strlen(f);
		if (k > 0 && f[k - 1] != '\n')
			k += strlen(f + k + 1) + 1;
		n = (size_t)snprintf(resp, sizeof(resp), "%s", H11);
		memcpy(resp + n, f, k);
		n += k;
		n += (size_t)snprintf(
		    resp + n, sizeof(resp) - n, "Content-Length: 0\r\n\r\n");
		feed(resp, n, 0, 0, &g);
		if (g.dones != 1 || g.err != r->err)
			FAILF("field row %zu: dones %d err %d, want %d", i,
			    g.dones, g.err, r->err);
		if (r->err == HC_OK &&
		    (strcmp(g.etag, r->etag) != 0 ||
		        g.nfields != r->nfields + 1))
			FAILF("field row %zu: etag \"%s\" %zu fields, want "
			      "\"%s\" %zu",
			    i, g.etag, g.nfields, r->etag, r->nfields + 1);
	}
}

/* HTTPHDR_FIELDS_MAX fields are taken, one more is refused. */
static void
test_many_fields(void)
{
	char *resp = malloc(64 * (HTTPHDR_FIELDS_MAX + 2));
	struct got g;
	size_t n, i;

	n = (size_t)sprintf(resp, H11);
	for (i = 0; i + 1 < HTTPHDR_FIELDS_MAX; i++)
		n += (size_t)sprintf(resp + n, "X-%zu: %zu\r\n", i, i);
	n += (size_t)sprintf(resp + n, "Content-Length: 0\r\n\r\n");
	feed(resp, n, 0, 0, &g);
	CHECK_INT(g.err, HC_OK);
	CHECK_INT(g.nfields, HTTPHDR_FIELDS_MAX);
	n = (size_t)sprintf(resp, H11 "X-Extra: 1\r\n");
	for (i = 0; i + 1 < HTTPHDR_FIELDS_MAX; i++)
		n += (size_t)sprintf(resp + n, "X-%zu: %zu\r\n", i, i);
	n += (size_t)sprintf(resp + n, "Content-Length: 0\r\n\r\n");
	feed(resp, n, 0, 0, &g);
	CHECK_INT(g.dones, 1);
	CHECK_INT(g.err, HC_EPROTO);
	CHECK_INT(g.heads, 0);
	free(resp);
}

/* A body bigger than the read buffer, fed in odd pieces. */
static void
test_big_body(void)
{
	size_t len = 3 * HC_READ + 17, n, off;
	char *resp = malloc(len + 128), *body;
	struct hc_conn *c = hc_new(base, "127.0.0.1", 9, 5);
	struct got *g = calloc(1, sizeof(*g));
	size_t total = 0;
	int r = 1;

	n = (size_t)sprintf(resp, H11 "Content-Length: %zu\r\n\r\n", len);
	body = resp + n;
	for (off = 0; off < len; off++)
		body[off] = (char)('a' + off % 26);
	/* Count bytes rather than keep them: the body outgrows g->body. */
	g->count_only = 1;
	for (off = 0; off < n + len && r == 1; off += 50001) {
		size_t k = n + len - off < 50001 ? n + len - off : 50001;

		g->body_len = 0;
		r = hc_test_feed(c, resp + off, k, &cbs, g);
		total += g->body_len;
		CHECK_INT(g->overflow, 0);
	}
	CHECK_INT(total, len);
	CHECK_INT(r, 0);
	CHECK_INT(g->dones, 1);
	CHECK_INT(g->err, HC_OK);
	hc_free(c);
	free(g);
	free(resp);
}

int
main(void)
{
	static const struct unit_test tests[] = {
	    {"rows", test_rows},
	    {"limits", test_limits},
	    {"fields", test_fields},
	    {"many_fields", test_many_fields},
	    {"big_body", test_big_body},
	};
	int r;

	base = event_base_new();
	r = unit_run(tests, sizeof(tests) / sizeof(tests[0]));
	event_base_free(base);
	return r;
}
