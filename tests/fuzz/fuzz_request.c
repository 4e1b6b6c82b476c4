/*
 * hauld's whole parsing path for one request, without sockets or files:
 * httpreq_parse() on the bytes (pipelined heads too, as conn.c loops),
 * then the pure pieces conn_dispatch() and serve.c apply, in their order:
 *   Connection / Content-Length / Transfer-Encoding (persistence),
 *   absolute-form target, Host count, route, path_decode() of what
 *   follows /download/, mime_by_ext() of the name, If-Match and
 *   If-Unmodified-Since, If-None-Match and If-Modified-Since, Range (one
 *   field only) guarded by If-Range, range_parse() against three file
 *   sizes, TE and Accept-Encoding for gzip.
 * fuzz_conn runs the real conn.c and serve.c on a socketpair; this one is
 * the fast, file-free version of the same path.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>

#include <strings.h>
#include <time.h>

#include "fuzz.h"
#include "httphdr.h"
#include "httpreq.h"
#include "mime.h"
#include "path.h"
#include "range.h"

static const off_t sizes[3] = {0, 1000, (off_t)1 << 40};

static void
serve(const struct httpreq *req)
{
	char rel[PATH_MAX_LEN], err[128], etag[64];
	const char *t = req->target, *v, *type;
	struct range_set rs;
	enum range_result rr;
	time_t mtime = 784111777, d; /* Sun, 06 Nov 1994 08:49:37 GMT */
	size_t i;
	int ok;

	/* conn_dispatch(): persistence. */
	v = httpreq_header(req, "Connection");
	(void)httphdr_has_token(v, req->minor >= 1 ? "close" : "keep-alive");
	(void)httpreq_header(req, "Content-Length");
	(void)httpreq_header(req, "Transfer-Encoding");

	/* serve_request(): target and route. */
	if (strncasecmp(t, "http://", 7) == 0) {
		t = strchr(t + 7, '/');
		if (t == NULL)
			t = "/";
	}
	if (req->minor >= 1 && httpreq_count(req, "Host") != 1)
		return;
	if (*t != '/' || strncmp(t, "/download/", 10) != 0)
		return;

	/* serve_download(). */
	if (path_decode(t + 10, rel, sizeof(rel), err, sizeof(err)) == -1) {
		(void)strcspn(t + 10, "?");
		return;
	}
	type = mime_by_ext(rel);
	if (type == NULL)
		type = "application/octet-stream";
	(void)mime_compressible(type);

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		httphdr_etag(etag, sizeof(etag), (long long)mtime, 0, sizes[i]);
		if ((v = httpreq_header(req, "If-Match")) != NULL)
			(void)httphdr_etag_match(v, etag, 0);
		else if ((v = httpreq_header(req, "If-Unmodified-Since")) !=
		    NULL)
			(void)httphdr_date_parse(v, &d);
		if ((v = httpreq_header(req, "If-None-Match")) != NULL)
			(void)httphdr_etag_match(v, etag, 1);
		else if ((v = httpreq_header(req, "If-Modified-Since")) != NULL)
			(void)httphdr_date_parse(v, &d);

		v = httpreq_header(req, "Range");
		if (v != NULL && httpreq_count(req, "Range") > 1)
			v = NULL;
		if (v != NULL &&
		    (t = httpreq_header(req, "If-Range")) != NULL) {
			if (t[0] == '"' || strncmp(t, "W/", 2) == 0)
				ok = httphdr_etag_match(t, etag, 0);
			else
				ok = httphdr_date_parse(t, &d) == 0 &&
				    d == mtime;
			if (!ok)
				v = NULL;
		}
		rr = range_parse(v, sizes[i], &rs, err, sizeof(err));
		if (rr == RANGE_OK) {
			FUZZ_CHECK(rs.n >= 1 && rs.n <= RANGE_MAX);
			FUZZ_CHECK(rs.r[rs.n - 1].last < sizes[i]);
		}
	}
	if (req->minor >= 1)
		(void)httphdr_accepts(httpreq_header(req, "TE"), "gzip");
	(void)httphdr_accepts(httpreq_header(req, "Accept-Encoding"), "gzip");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct httpreq req;
	char err[128], *buf;
	size_t off = 0;
	int r, rounds;

	/* conn.c's buffer: HTTPREQ_MAX_HEAD + 1 bytes, read into up to MAX. */
	if (size > HTTPREQ_MAX_HEAD)
		size = HTTPREQ_MAX_HEAD;
	if ((buf = malloc(HTTPREQ_MAX_HEAD + 1)) == NULL)
		abort();
	memcpy(buf, data, size);
	for (rounds = 0; rounds < 16 && off < size; rounds++) {
		r = httpreq_parse(
		    buf + off, size - off, &req, err, sizeof(err));
		if (r <= 0)
			break;
		serve(&req);
		off += (size_t)r;
	}
	free(buf);
	return 0;
}
