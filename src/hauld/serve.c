/*
 * What hauld answers.  Routes:
 *   GET|HEAD /download/PATH   a file under --root, with ranges and gzip
 *   GET|HEAD /metrics         the stats region, Prometheus text format
 *   GET|HEAD /healthz         "ok"
 * Errors map in one place (serve_errno_status): ENOENT 404, EACCES 403...
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "auth.h"
#include "conn.h"
#include "digest.h"
#include "gzip.h"
#include "hasher.h"
#include "heritage.h"
#include "httphdr.h"
#include "log.h"
#include "mime.h"
#include "path.h"
#include "range.h"
#include "serve.h"
#include "upload.h"
#include "stats.h"
#include "worker.h"

enum gzip_mode { GZ_NONE, GZ_CONTENT, GZ_TRANSFER };

struct serve_file;
static int serve_route_is(const char *, const char *);
static int serve_has_segment(const char *, const char *);
static void serve_digest(struct serve_file *);
static int serve_authorized(struct conn *, const char *);
static void serve_download(struct conn *, const char *);
static void serve_metrics(struct conn *);
static int serve_open(const char *);
static int serve_open_walk(const char *);
static int serve_errno_status(int);
static int serve_not_modified(struct conn *, const char *, time_t);
static int serve_if_range_ok(struct conn *, const char *, time_t);
static enum gzip_mode serve_gzip_mode(struct conn *, const char *, off_t);
struct serve_file;
static void serve_multipart(
    struct conn *, int, const struct range_set *, const struct serve_file *);
struct serve_file;
struct serve_body;
static int serve_file_open(struct conn *, const char *, struct serve_file *);
static void serve_file_describe(struct serve_file *);
static int serve_conditional(struct conn *, const struct serve_file *);
static enum range_result serve_select_range(
    struct conn *, const struct serve_file *, struct range_set *);
static void serve_body_coding(
    struct conn *, const struct serve_file *, struct serve_body *);
static void serve_single(
    struct conn *, const struct serve_file *, const struct serve_body *);

void
serve_request(struct conn *c)
{
	const char *t = c->req.target, *m = c->req.method;
	int get_or_head;

	/* RFC 9112 3.2.2: accept absolute-form; the authority is ignored. */
	if (strncasecmp(t, "http://", 7) == 0) {
		t = strchr(t + 7, '/');
		if (t == NULL)
			t = "/";
	}
	/* RFC 9112 3.2: a 1.1 request without exactly one Host is a 400. */
	if (c->req.minor >= 1 && httpreq_count(&c->req, "Host") != 1) {
		conn_simple(c, 400, "bad request: missing or repeated Host");
		return;
	}
	if (*t != '/') {
		conn_simple(c, 400, "bad request target");
		return;
	}
	if (!serve_route_is(t, "/healthz") && !serve_authorized(c, t))
		return;
	if (heritage.upload_dir != NULL &&
	    (serve_route_is(t, "/uploads") ||
	        strncmp(t, "/uploads/", 9) == 0)) {
		upload_request(c, t);
		return;
	}
	get_or_head = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
	if (!serve_route_is(t, "/metrics") && !serve_route_is(t, "/healthz") &&
	    strncmp(t, "/download/", 10) != 0) {
		conn_simple(c, 404, "not found");
		return;
	}
	if (!get_or_head) {
		/* RFC 9110 15.5.6: 405 lists what is allowed. */
		conn_status(c, 405);
		conn_header(c, "Allow", "GET, HEAD");
		conn_header(c, "Content-Type", "text/plain; charset=utf-8");
		conn_header(c, "Content-Length", "19");
		conn_end_head(c);
		conn_body_mem(c, "method not allowed\n", 19);
		return;
	}
	if (serve_route_is(t, "/healthz"))
		conn_simple(c, 200, "ok");
	else if (serve_route_is(t, "/metrics"))
		serve_metrics(c);
	else
		serve_download(c, t + 10);
}

/*
 * SPEC "Authorization": with --auth-tokens or --url-key every route but
 * /healthz needs a bearer token, a signed URL, or (with --tls-client-ca)
 * a verified client certificate.  No credentials: 401 with the Bearer
 * challenge; credentials that fail: 403.  1 when the request may go on;
 * else the answer is made.
 */
static int
serve_authorized(struct conn *c, const char *t)
{
	static const char body[] = "credentials required\n";
	enum auth_result bearer = AUTH_NONE, sig = AUTH_NONE;
	const char *q = strchr(t, '?'), *e = "0";
	size_t elen;

	if ((heritage.auth_tokens == NULL && heritage.url_keys == NULL) ||
	    c->peer_verified)
		return 1;
	if (heritage.auth_tokens != NULL)
		bearer = auth_bearer(heritage.auth_tokens,
		    httpreq_header(&c->req, "Authorization"));
	if (heritage.url_keys != NULL)
		sig = auth_signed(heritage.url_keys, t,
		    q ? (size_t)(q - t) : strlen(t), q ? q + 1 : NULL,
		    time(NULL));
	if (bearer == AUTH_OK)
		return 1;
	if (sig == AUTH_OK) {
		/* An upload created so answers with a Location signed alike. */
		(void)query_param(q + 1, strlen(q + 1), "expires", &e, &elen);
		c->signed_expires = strtoll(e, NULL, 10); /* checked digits */
		return 1;
	}
	stats_add(c->w->slot, STATS_auth_refused, 1);
	if (bearer == AUTH_BAD || sig == AUTH_BAD) {
		conn_simple(c, 403, "forbidden: credentials refused");
		return 0;
	}
	conn_status(c, 401);
	conn_header(c, "WWW-Authenticate", "Bearer realm=\"haul\"");
	conn_header(c, "Content-Type", "text/plain; charset=utf-8");
	conn_header(c, "Content-Length", "%zu", sizeof(body) - 1);
	conn_end_head(c);
	conn_body_mem(c, body, sizeof(body) - 1);
	return 0;
}

/* Whether the relative path rel has seg as one of its segments. */
static int
serve_has_segment(const char *rel, const char *seg)
{
	size_t n = strlen(seg);
	const char *p;

	for (p = rel; (p = strstr(p, seg)) != NULL; p += n)
		if ((p == rel || p[-1] == '/') && (p[n] == '\0' || p[n] == '/'))
			return 1;
	return 0;
}

/* t is route exactly, or route followed by a query. */
static int
serve_route_is(const char *t, const char *route)
{
	size_t n = strlen(route);

	return strncmp(t, route, n) == 0 && (t[n] == '\0' || t[n] == '?');
}

static void
serve_metrics(struct conn *c)
{
	struct buf b;

	buf_init(&b);
	if (stats_format_metrics(&heritage.stats, &b) == -1) {
		buf_free(&b);
		stats_add(c->w->slot, STATS_errors, 1);
		conn_simple(c, 500, "out of memory");
		return;
	}
	conn_status(c, 200);
	conn_header(c, "Content-Type",
	    "text/plain; version=0.0.4; "
	    "charset=utf-8");
	conn_header(c, "Content-Length", "%zu", b.len);
	conn_end_head(c);
	conn_body_mem(c, b.data, b.len);
	buf_free(&b);
}

static int
serve_errno_status(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return 404;
	case EACCES:
	case EPERM:
	case EXDEV: /* RESOLVE_BENEATH: the path left the root */
	case ELOOP:
		return 403;
	case ENAMETOOLONG:
		return 414;
	default:
		return 500;
	}
}

/*
 * Open rel beneath the root.  openat2(RESOLVE_BENEATH) lets the kernel
 * refuse any "..", absolute symlink or symlink that climbs out, with no
 * race between check and open; a FIFO must not block us, hence O_NONBLOCK.
 */
static int
serve_open(const char *rel)
{
	struct open_how how;
	long fd;

	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	fd = syscall(SYS_openat2, heritage.root_fd, rel, &how, sizeof(how));
	if (fd != -1 || errno != ENOSYS)
		return (int)fd;

	/*
	 * Kernels before 5.6 (and valgrind) lack openat2: walk the path one
	 * segment at a time from the root with O_NOFOLLOW.  path_decode has
	 * removed "." and "..", so this stays beneath the root; symlinks are
	 * then refused even when they point inside it.
	 */
	return serve_open_walk(rel);
}

static int
serve_open_walk(const char *rel)
{
	char seg[PATH_MAX_LEN];
	const char *p = rel, *slash;
	int dfd = heritage.root_fd, fd, saved;
	size_t n;

	for (;;) {
		slash = strchr(p, '/');
		if (slash == NULL)
			break;
		n = (size_t)(slash - p);
		memcpy(seg, p, n);
		seg[n] = '\0';
		fd = openat(
		    dfd, seg, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		saved = errno;
		if (dfd != heritage.root_fd)
			close(dfd);
		if (fd == -1) {
			errno = saved;
			return -1;
		}
		dfd = fd;
		p = slash + 1;
	}
	fd = openat(
	    dfd, p, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW);
	saved = errno;
	if (dfd != heritage.root_fd)
		close(dfd);
	errno = saved;
	return fd;
}

/* RFC 9110 13.2.2 steps 3-4: 1 when a 304 should be sent. */
static int
serve_not_modified(struct conn *c, const char *etag, time_t mtime)
{
	const char *inm = httpreq_header(&c->req, "If-None-Match");
	const char *ims = httpreq_header(&c->req, "If-Modified-Since");
	time_t t;

	if (inm != NULL)
		return httphdr_etag_match(inm, etag, 1);
	if (ims != NULL && httphdr_date_parse(ims, &t) == 0)
		return mtime <= t;
	return 0;
}

/* RFC 9110 13.1.5: whether the Range may be honoured. */
static int
serve_if_range_ok(struct conn *c, const char *etag, time_t mtime)
{
	const char *ir = httpreq_header(&c->req, "If-Range");
	time_t t;

	if (ir == NULL)
		return 1;
	if (ir[0] == '"' || strncmp(ir, "W/", 2) == 0)
		return httphdr_etag_match(ir, etag, 0);
	/* A date matches only when it is exactly our Last-Modified. */
	return httphdr_date_parse(ir, &t) == 0 && t == mtime;
}

/*
 * SPEC.md: compress when the client allows gzip (q-values honoured), the
 * type is compressible and the range is at least --gzip-min.  TE: gzip
 * (RFC 9112 7.4, a transfer coding, HTTP/1.1 only) is preferred when
 * offered: it leaves the representation and its ranges untouched.
 */
static enum gzip_mode
serve_gzip_mode(struct conn *c, const char *type, off_t len)
{
	if (heritage.gzip_level == 0 || c->head_only ||
	    !mime_compressible(type) || (uint64_t)len < heritage.gzip_min)
		return GZ_NONE;
	if (c->req.minor >= 1 &&
	    httphdr_accepts(httpreq_header(&c->req, "TE"), "gzip"))
		return GZ_TRANSFER;
	if (httphdr_accepts(httpreq_header(&c->req, "Accept-Encoding"), "gzip"))
		return GZ_CONTENT;
	return GZ_NONE;
}

/* The file a download names, opened, with what its responses say of it. */
struct serve_file {
	char rel[PATH_MAX_LEN];
	char digest[DIGEST_REPR_MAX]; /* Repr-Digest's value, or "" */
	char etag[64];
	char lastmod[40];
	const char *type;
	struct stat st;
	int fd;
	int vary;
};

/* The part of the file one response sends, and how. */
struct serve_body {
	int status; /* 200 or 206 */
	off_t first;
	off_t len;
	enum gzip_mode gzm;
	struct gzip_stream *gz;
};

static void
serve_download(struct conn *c, const char *rest)
{
	struct serve_file f;
	struct range_set rs;
	struct serve_body b;
	enum range_result rr;

	if (serve_file_open(c, rest, &f) == -1)
		return;
	serve_file_describe(&f);
	if (serve_conditional(c, &f)) {
		close(f.fd);
		return;
	}
	rr = serve_select_range(c, &f, &rs);
	if (rr == RANGE_UNSATISFIABLE) {
		close(f.fd);
		return;
	}
	serve_digest(&f);
	if (rr == RANGE_OK && rs.n > 1) {
		serve_multipart(c, f.fd, &rs, &f);
		return;
	}
	if (rr == RANGE_OK) {
		b.status = 206;
		b.first = rs.r[0].first;
		b.len = rs.r[0].last - rs.r[0].first + 1;
	} else {
		b.status = 200;
		b.first = 0;
		b.len = f.st.st_size;
	}
	serve_body_coding(c, &f, &b);
	serve_single(c, &f, &b);
}

/*
 * SPEC "Integrity": Repr-Digest once the file's digest is known for this
 * version (hasher.c), asked for with Want-Repr-Digest or not; until then
 * answers go without it, and the file is queued for hashing.
 */
static void
serve_digest(struct serve_file *f)
{
	unsigned char sha[DIGEST_SHA256_LEN];

	f->digest[0] = '\0';
	if (hasher_lookup(f->fd, &f->st, sha) == 1)
		digest_repr_format(sha, f->digest, sizeof(f->digest));
}

/*
 * Decode the path, open it under --root and check it is a regular file.
 * On failure the error response is sent and -1 returned.
 */
static int
serve_file_open(struct conn *c, const char *rest, struct serve_file *f)
{
	char err[128], body[160];
	int status;

	if (path_decode(rest, f->rel, sizeof(f->rel), err, sizeof(err)) == -1) {
		/* RFC 9110 15.5.15: a path longer than we take is a 414. */
		if (strcspn(rest, "?") >= sizeof(f->rel)) {
			conn_simple(c, 414, "path too long");
			return -1;
		}
		snprintf(body, sizeof(body), "bad path: %s", err);
		conn_simple(c, 400, body);
		return -1;
	}
	/* SPEC "Uploads": the upload state directory is never served. */
	if (heritage.upload_dir != NULL && serve_has_segment(f->rel, ".haul")) {
		conn_simple(c, 404, "not found");
		return -1;
	}
	if ((f->fd = serve_open(f->rel)) == -1) {
		status = serve_errno_status(errno);
		if (status == 500) {
			log_warn("%s: open %s", __func__, f->rel);
			stats_add(c->w->slot, STATS_errors, 1);
		}
		conn_simple(c, status,
		    status == 404       ? "not found"
		        : status == 403 ? "forbidden"
		        : status == 414 ? "path too long"
		                        : "internal error");
		return -1;
	}
	if (fstat(f->fd, &f->st) == -1) {
		log_warn("%s: fstat %s", __func__, f->rel);
		stats_add(c->w->slot, STATS_errors, 1);
		close(f->fd);
		conn_simple(c, 500, "internal error");
		return -1;
	}
	if (!S_ISREG(f->st.st_mode)) {
		close(f->fd);
		conn_simple(c, 403, "forbidden: not a regular file");
		return -1;
	}
	return 0;
}

/* The validators, the type (by extension, else sniffed) and Vary. */
static void
serve_file_describe(struct serve_file *f)
{
	unsigned char sniff[MIME_SNIFF_LEN];
	ssize_t n;

	httphdr_etag(f->etag, sizeof(f->etag), (long long)f->st.st_mtim.tv_sec,
	    f->st.st_mtim.tv_nsec, f->st.st_size);
	httphdr_date_format(
	    f->st.st_mtim.tv_sec, f->lastmod, sizeof(f->lastmod));
	if ((f->type = mime_by_ext(f->rel)) == NULL) {
		n = pread(f->fd, sniff, sizeof(sniff), 0);
		f->type = mime_sniff(sniff, n > 0 ? (size_t)n : 0);
	}
	f->vary = heritage.gzip_level > 0 && mime_compressible(f->type);
}

/*
 * RFC 9110 13.2.2: If-Match, If-Unmodified-Since, then the rest.  Sends a
 * 412 or a 304 and returns 1 when a precondition decides the response.
 */
static int
serve_conditional(struct conn *c, const struct serve_file *f)
{
	const char *im, *ius;
	time_t t;

	im = httpreq_header(&c->req, "If-Match");
	ius = httpreq_header(&c->req, "If-Unmodified-Since");
	if ((im != NULL && !httphdr_etag_match(im, f->etag, 0)) ||
	    (im == NULL && ius != NULL && httphdr_date_parse(ius, &t) == 0 &&
	        f->st.st_mtim.tv_sec > t)) {
		conn_simple(c, 412, "precondition failed");
		return 1;
	}
	if (serve_not_modified(c, f->etag, f->st.st_mtim.tv_sec)) {
		conn_status(c, 304);
		conn_header(c, "ETag", "%s", f->etag);
		conn_header(c, "Last-Modified", "%s", f->lastmod);
		if (f->vary)
			conn_header(c, "Vary", "Accept-Encoding");
		conn_end_head(c);
		return 1;
	}
	return 0;
}

/*
 * The ranges the request asks for, if it may ask (RFC 9110 14.2: only GET
 * has range semantics; HEAD gets a 200; a stale If-Range gets the whole).
 * An unsatisfiable set is answered here with a 416.
 */
static enum range_result
serve_select_range(
    struct conn *c, const struct serve_file *f, struct range_set *rs)
{
	char err[128], cr[96];
	const char *range_hdr;
	enum range_result rr;

	range_hdr = c->head_only ? NULL : httpreq_header(&c->req, "Range");
	if (range_hdr != NULL && httpreq_count(&c->req, "Range") > 1)
		range_hdr = NULL;
	if (range_hdr != NULL &&
	    !serve_if_range_ok(c, f->etag, f->st.st_mtim.tv_sec))
		range_hdr = NULL;
	rr = range_parse(range_hdr, f->st.st_size, rs, err, sizeof(err));
	if (rr == RANGE_UNSATISFIABLE) {
		conn_status(c, 416);
		range_format_unsatisfied(cr, sizeof(cr), f->st.st_size);
		conn_header(c, "Content-Range", "%s", cr);
		conn_header(c, "Content-Type", "text/plain; charset=utf-8");
		conn_header(c, "Content-Length", "22");
		conn_end_head(c);
		conn_body_mem(c, "range not satisfiable\n", 22);
	}
	return rr;
}

/* Choose the body's coding and open its gzip stream if it has one. */
static void
serve_body_coding(
    struct conn *c, const struct serve_file *f, struct serve_body *b)
{
	b->gz = NULL;
	b->gzm = serve_gzip_mode(c, f->type, b->len);
	if (b->gzm == GZ_NONE)
		return;
	/* HTTP/1.0 has no chunks: the body ends when we close. */
	if (c->req.minor == 0)
		c->keepalive = 0;
	b->gz = gzip_open(
	    f->fd, b->first, b->len, heritage.gzip_level, c->req.minor >= 1);
	if (b->gz == NULL) {
		log_warnx("%s: no memory for a gzip stream", __func__);
		stats_add(c->w->slot, STATS_errors, 1);
		b->gzm = GZ_NONE; /* serve it plain instead */
	}
}

/* A 200 or single-range 206: the head, then the body in its coding. */
static void
serve_single(
    struct conn *c, const struct serve_file *f, const struct serve_body *b)
{
	char cr[96];

	conn_status(c, b->status);
	conn_set_file(c, f->fd);
	conn_header(c, "Content-Type", "%s", f->type);
	conn_header(c, "Accept-Ranges", "bytes");
	conn_header(c, "ETag", "%s", f->etag);
	conn_header(c, "Last-Modified", "%s", f->lastmod);
	if (f->vary)
		conn_header(c, "Vary", "Accept-Encoding");
	if (b->status == 206) {
		range_format(cr, sizeof(cr), b->first, b->first + b->len - 1,
		    f->st.st_size);
		conn_header(c, "Content-Range", "%s", cr);
	}
	/* Never on a content-coded body: it is not the representation's. */
	if (f->digest[0] != '\0' && b->gzm != GZ_CONTENT) {
		conn_header(c, "Repr-Digest", "%s", f->digest);
		stats_add(c->w->slot, STATS_digests_served, 1);
	}
	switch (b->gzm) {
	case GZ_NONE:
		conn_header(c, "Content-Length", "%lld", (long long)b->len);
		conn_end_head(c);
		conn_body_file(c, b->first, b->len);
		break;
	case GZ_TRANSFER:
		conn_header(c, "Transfer-Encoding", "gzip, chunked");
		conn_end_head(c);
		conn_body_gzip(c, b->gz);
		break;
	case GZ_CONTENT:
		/*
		 * Deliberate: the range names identity bytes and the body is
		 * their gzip (SPEC.md, as in the original demo; RFC 9110
		 * section 14 lets a range apply to the identity form, while
		 * nginx and lighttpd don't compress a 206); see gzip.c.
		 */
		conn_header(c, "Content-Encoding", "gzip");
		if (c->req.minor >= 1)
			conn_header(c, "Transfer-Encoding", "chunked");
		conn_end_head(c);
		conn_body_gzip(c, b->gz);
		break;
	}
}

/*
 * RFC 9110 14.6: several ranges as multipart/byteranges.  Each part is a
 * small head in memory and a sendfile segment; the total length is known,
 * so the response has a Content-Length.  Parts are not compressed.
 */
static void
serve_multipart(struct conn *c, int fd, const struct range_set *rs,
    const struct serve_file *f)
{
	const char *type = f->type, *etag = f->etag;
	off_t size = f->st.st_size;
	char boundary[40], part[RANGE_MAX][256];
	size_t plen[RANGE_MAX], i, closing_len;
	char closing[64];
	off_t total = 0;
	static unsigned long seq;

	snprintf(boundary, sizeof(boundary), "haul%08lx%08lx",
	    (unsigned long)getpid(), ++seq);
	for (i = 0; i < rs->n; i++) {
		char cr[96];

		range_format(
		    cr, sizeof(cr), rs->r[i].first, rs->r[i].last, size);
		plen[i] = (size_t)snprintf(part[i], sizeof(part[i]),
		    "\r\n--%s\r\nContent-Type: %s\r\nContent-Range: %s\r\n\r\n",
		    boundary, type, cr);
		total += (off_t)plen[i] + rs->r[i].last - rs->r[i].first + 1;
	}
	closing_len = (size_t)snprintf(
	    closing, sizeof(closing), "\r\n--%s--\r\n", boundary);
	total += (off_t)closing_len;

	conn_status(c, 206);
	conn_set_file(c, fd);
	conn_header(
	    c, "Content-Type", "multipart/byteranges; boundary=%s", boundary);
	conn_header(c, "Accept-Ranges", "bytes");
	conn_header(c, "ETag", "%s", etag);
	if (f->digest[0] != '\0') {
		conn_header(c, "Repr-Digest", "%s", f->digest);
		stats_add(c->w->slot, STATS_digests_served, 1);
	}
	conn_header(c, "Content-Length", "%lld", (long long)total);
	conn_end_head(c);
	for (i = 0; i < rs->n; i++) {
		conn_body_mem(c, part[i], plen[i]);
		conn_body_file(
		    c, rs->r[i].first, rs->r[i].last - rs->r[i].first + 1);
	}
	conn_body_mem(c, closing, closing_len);
}
