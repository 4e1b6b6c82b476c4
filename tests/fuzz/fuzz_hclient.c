/*
 * hclient.c: haulproxy's response parser (status line, headers, framing
 * by Content-Length, chunked or the close), fed through hc_test_feed().
 * The first input byte picks the piece size (1..256) the rest is fed in,
 * the second whether the origin closes after it.  Beyond not crashing:
 * done() runs at most once and never before head() is done with; body
 * bytes handed out never exceed the input; once done, the parser asks
 * for nothing more.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <event2/event.h>

#include "fuzz.h"
#include "hclient.h"

struct seen {
	int heads, dones;
	size_t body;
};

static int
f_head(void *arg, int status, const struct httphdr_fields *h)
{
	struct seen *s = arg;

	(void)h;
	FUZZ_CHECK(s->dones == 0);
	FUZZ_CHECK(status >= 100 && status <= 599);
	s->heads++;
	return 0;
}

static int
f_body(void *arg, const char *p, size_t n)
{
	struct seen *s = arg;

	FUZZ_CHECK(s->dones == 0 && s->heads == 1 && n > 0);
	(void)p;
	s->body += n;
	return 0;
}

static void
f_done(void *arg, enum hc_err err, const char *why)
{
	struct seen *s = arg;

	FUZZ_CHECK(s->dones == 0);
	FUZZ_CHECK(err == HC_OK || why != NULL);
	if (err == HC_OK)
		FUZZ_CHECK(s->heads == 1);
	s->dones++;
}

static const struct hc_cbs cbs = { f_head, f_body, f_done };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct event_base *base;
	struct hc_conn *c;
	struct seen s = { 0, 0, 0 };
	size_t step, off, n;
	int r = 1, eof;

	if (size < 2)
		return 0;
	if (base == NULL && (base = event_base_new()) == NULL)
		abort();
	step = (size_t)data[0] + 1;
	eof = data[1] & 1;
	data += 2;
	size -= 2;
	if ((c = hc_new(base, "127.0.0.1", 9, 5)) == NULL)
		abort();
	for (off = 0; off < size && r == 1; off += n) {
		n = size - off < step ? size - off : step;
		r = hc_test_feed(c, (const char *)data + off, n, &cbs, &s);
	}
	if (r == 1 && eof)
		r = hc_test_feed(c, "", 0, &cbs, &s);
	FUZZ_CHECK(r == 0 || r == 1);
	FUZZ_CHECK(r == 1 ? s.dones == 0 : s.dones == 1);
	FUZZ_CHECK(s.body <= size);
	hc_free(c);
	return 0;
}
