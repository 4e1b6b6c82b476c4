/*
 * httpreq.c: httpreq_parse() on a copy of the input, exactly as long as
 * the input (ASan sees any read past it), then again on what follows
 * each parsed head, as conn.c does with pipelined requests.  Properties:
 *   - 0 ("need more") leaves the buffer untouched;
 *   - a parsed head lies inside the buffer, and its length is what was
 *     returned; method, target and fields point into the buffer;
 *   - method and field names are tokens, values carry no OWS at either
 *     end and no control byte but HTAB; at most HTTPREQ_MAX_HEADERS;
 *   - any prefix one byte short of a parsed head needs more (0): a
 *     head never parses differently for arriving in pieces;
 *   - errors are -400, -414, -431 or -505.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "fuzz.h"
#include "httpreq.h"

static int
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int
inside(const char *p, const char *buf, size_t len)
{
	return p >= buf && p < buf + len;
}

static void
check_head(const struct httpreq *req, const char *buf, size_t len, int r)
{
	const char *q;
	size_t i, vl;

	FUZZ_CHECK((size_t)r == req->head_len && req->head_len <= len);
	FUZZ_CHECK(req->head_len <= HTTPREQ_MAX_HEAD);
	FUZZ_CHECK(req->minor >= 0 && req->minor <= 9);
	FUZZ_CHECK(inside(req->method, buf, req->head_len));
	FUZZ_CHECK(inside(req->target, buf, req->head_len));
	FUZZ_CHECK(req->method[0] != '\0' && req->target[0] != '\0');
	for (q = req->method; *q != '\0'; q++)
		FUZZ_CHECK(is_tchar((unsigned char)*q));
	for (q = req->target; *q != '\0'; q++)
		FUZZ_CHECK((unsigned char)*q > 0x20 && *q != 0x7f);
	FUZZ_CHECK(req->nheaders <= HTTPREQ_MAX_HEADERS);
	for (i = 0; i < req->nheaders; i++) {
		FUZZ_CHECK(inside(req->h[i].name, buf, req->head_len));
		FUZZ_CHECK(inside(req->h[i].value, buf, req->head_len));
		FUZZ_CHECK(req->h[i].name[0] != '\0');
		for (q = req->h[i].name; *q != '\0'; q++)
			FUZZ_CHECK(is_tchar((unsigned char)*q));
		vl = strlen(req->h[i].value);
		FUZZ_CHECK(req->h[i].value + vl < buf + req->head_len);
		for (q = req->h[i].value; *q != '\0'; q++)
			FUZZ_CHECK(((unsigned char)*q >= 0x20 || *q == '\t') &&
			    *q != 0x7f);
		if (vl > 0) {
			FUZZ_CHECK(req->h[i].value[0] != ' ' &&
			    req->h[i].value[0] != '\t');
			FUZZ_CHECK(req->h[i].value[vl - 1] != ' ' &&
			    req->h[i].value[vl - 1] != '\t');
		}
		FUZZ_CHECK(httpreq_header(req, req->h[i].name) != NULL);
		FUZZ_CHECK(httpreq_count(req, req->h[i].name) >= 1);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct httpreq req;
	char err[128], *buf, *pre;
	size_t off = 0, left;
	int r, rp, rounds;

	for (rounds = 0; rounds < 8 && off <= size; rounds++) {
		left = size - off;
		/* Exact size, no NUL after it: as conn.c's buffer may be. */
		buf = malloc(left > 0 ? left : 1);
		if (buf == NULL)
			abort();
		memcpy(buf, data + off, left);
		r = httpreq_parse(buf, left, &req, err, sizeof(err));
		if (r == 0)
			FUZZ_CHECK(memcmp(buf, data + off, left) == 0);
		if (r < 0)
			FUZZ_CHECK(
			    r == -400 || r == -414 || r == -431 || r == -505);
		if (r > 0) {
			check_head(&req, buf, left, r);
			(void)httpreq_header(&req, "Host");
			(void)httpreq_count(&req, "Range");
			/* One byte short: still waiting, not another answer. */
			pre = malloc((size_t)r);
			if (pre == NULL)
				abort();
			memcpy(pre, data + off, (size_t)r - 1);
			rp = httpreq_parse(
			    pre, (size_t)r - 1, &req, err, sizeof(err));
			FUZZ_CHECK(rp == 0);
			free(pre);
		}
		free(buf);
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	return 0;
}
