/*
 * The download engine of haulproxy.
 *
 *   download_request() -> HEAD (size, validator)
 *     -> stored copy complete and current?  answer "already downloaded"
 *     -> journal matches?  resume with its chunks, else start over
 *     -> chunks: GET Range: bytes=A-B, If-Range: validator, gzip or not,
 *        over --parallel kept-alive connections (one fetcher each)
 *     -> every answer is checked as nginx's slice module does: 206, the
 *        Content-Range asked for, the validator unchanged; a gzip body is
 *        inflated as it streams and must give exactly B-A+1 bytes
 *     -> data is pwrite()n at its offset, made durable with fdatasync in
 *        batches, and only then recorded in the journal
 *     -> all in: fsync, rename to the final name, fsync the directory
 *
 * Reentrancy: libevent calls us from inside its own callbacks, where a
 * connection must not be freed.  Callbacks therefore only record what
 * happened and kick the download's tick event; tearing down, restarting,
 * finishing and scheduling happen in download_tick_cb(), outside evhttp.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#ifdef HAVE_ISAL
#include <isa-l/crc.h>
#endif
#include <zlib.h>

#include "codec.h"
#include "download.h"
#include "hclient.h"
#include "httphdr.h"
#include "journal.h"
#include "log.h"
#include "range.h"
#include "stats.h"
#include "util.h"

#define SYNC_BYTES (64ull << 20) /* fdatasync after this much */
#define SYNC_MS 250              /* or after this long */
#define BACKOFF_BASE_MS 200
#define BACKOFF_MAX_MS 10000
#define MAX_RESTARTS 3
#define STAGE_SIZE (128 * 1024)
#define TRIAL_CHUNKS 4     /* --gzip auto: x --parallel a phase */
#define TRIAL_MIN_US 20000 /* plain's partial rate counts after */
#define TRIAL_EVERY 2048   /* chunks between trials */

enum dl_state { DL_HEAD, DL_RUN, DL_DONE };

/* Why a chunk failed: decides retry, restart or giving up. */
enum why {
	WHY_NONE,
	WHY_NET, /* connection refused, reset, truncated */
	WHY_TIMEOUT,
	WHY_BAD,     /* a wrong answer: retry */
	WHY_NOGZIP,  /* a 200 for a gzip Range: retry plain */
	WHY_CHANGED, /* the origin's file changed: start over */
	WHY_GONE,    /* 404 */
	WHY_NORANGE, /* origin ignores Range */
	WHY_DISK,    /* pwrite failed */
};

struct waiter {
	TAILQ_ENTRY(waiter) entry;
	dl_done_cb cb;
	void *arg;
};

struct fetcher {
	struct download *d;
	struct evhttp_connection *evcon; /* the HEAD's */
	struct evhttp_request *req;      /* the HEAD in flight, or NULL */
	struct hc_conn *hc;              /* a chunk fetcher's connection */
	int busy;                        /* a chunk request in flight */
	struct event *timer;             /* back-off before a retry */
	int64_t chunk;                   /* -1: idle */
	uint64_t off, len;
	uint64_t got;     /* decoded bytes taken */
	uint64_t flushed; /* of which written to the part file */
	uint64_t wire;
	uint32_t crc;  /* CRC-32 of the bytes flushed */
	char *stage;   /* STAGE_SIZE bytes, see fetch_write */
	struct buf rq; /* the request, rebuilt per chunk */
	size_t stage_len;
	int asked_gzip, gzip_body;
	int trial; /* 1 + way: a trial chunk; 3: filler */
	struct codec *inflate;
	enum why why;
	int err_no;
	char msg[160];
	uint64_t t0_ms;
};

struct download {
	TAILQ_ENTRY(download) entry;
	struct origin origin;
	char *rpath, *final, *part, *jpath, *name;
	int part_fd, jfd;
	enum dl_state state;
	struct journal j; /* durable chunks */
	uint8_t *written; /* written, not yet synced */
	uint32_t *wcrc;   /* their CRCs, for the journal */
	uint8_t *inflight;
	uint8_t *tries;
	uint32_t ndone, nwritten, cursor;
	uint64_t unsynced_bytes, last_sync_ms;
	uint64_t size;
	char validator[JOURNAL_VALIDATOR_MAX + 1];
	int validator_is_etag;
	uint64_t resumed_from, fetched, t0_ms;
	uint64_t done_bytes; /* written or durable */
	unsigned restarts;
	int gzip_ok;                 /* origin compresses ranges properly */
	unsigned gzip_plain_answers; /* asked gzip, got identity */
	uint32_t nchunks_fetched;
	/* --gzip auto: the way chunks are asked, and its trials. */
	int best;
	/* A trial of each way in aggregate: ph[0] plain, ph[1] gzip (first). */
	struct phase {
		unsigned to_start, outstanding;
		int done;
		uint64_t bytes, t0_us, t1_us;
	} ph[2];
	int trial;                /* a trial is running */
	uint32_t nauto, trial_at; /* chunks asked; when the last trial began */
	struct fetcher head;      /* the HEAD request's fetcher */
	unsigned head_tries;
	struct fetcher *f;
	struct event *tick, *sync_timer;
	int fail_status; /* set: answer waiters and free */
	char fail_msg[256];
	int restart; /* set: start over from HEAD */
	int already;
	TAILQ_HEAD(, waiter) waiters;
};

static void download_tick_cb(evutil_socket_t, short, void *);
static void download_sync_cb(evutil_socket_t, short, void *);
static void download_kick(struct download *);
static void download_fail(struct download *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void download_free(struct download *);
static void download_teardown(struct download *);
static void download_head(struct download *);
static void download_prepare(struct download *);
static void download_schedule(struct download *);
static int download_sync(struct download *);
static void download_finish(struct download *);
static void download_answer(struct download *, const struct dl_result *);
static void fetch_start(struct fetcher *, uint32_t);
static void fetch_failed(struct fetcher *);
static void fetch_reset(struct fetcher *);
static void fetch_cancel(struct fetcher *);
static int fetch_connect(struct fetcher *);
static void fetch_retry_cb(evutil_socket_t, short, void *);
static int fetch_head_cb(void *, int, const struct httphdr_fields *);
static int fetch_data_cb(void *, const char *, size_t);
static void fetch_end_cb(void *, enum hc_err, const char *);

static const struct hc_cbs fetch_cbs = {
    fetch_head_cb, fetch_data_cb, fetch_end_cb};
static void head_done_cb(struct evhttp_request *, void *);
static void head_error_cb(enum evhttp_request_error, void *);
static int fetch_write(struct fetcher *, const char *, size_t);
static int fetch_flush(struct fetcher *);
static void fetch_inflate(struct fetcher *, const char *, size_t);
static int want_gzip(struct download *, struct fetcher *);
static void auto_end(struct download *, struct fetcher *, uint64_t);
static void trial_watch(struct download *);
static uint64_t chunk_len(const struct download *, uint32_t);
static int bit(const uint8_t *, uint32_t);
static void bit_set(uint8_t *, uint32_t);
static void bit_clear(uint8_t *, uint32_t);

static struct dl_conf conf;

static TAILQ_HEAD(, download) downloads = TAILQ_HEAD_INITIALIZER(downloads);

/* CRC-32 as zlib computes it (ISA-L's is the same, several times faster). */
static uint32_t
chunk_crc(uint32_t crc, const void *p, size_t n)
{
#ifdef HAVE_ISAL
	return crc32_gzip_refl(crc, (const unsigned char *)p, (uint64_t)n);
#else
	const unsigned char *b = p;

	while (n > 0) {
		uInt k = n > (1u << 30) ? 1u << 30 : (uInt)n;

		crc = (uint32_t)crc32(crc, b, k);
		b += k;
		n -= k;
	}
	return crc;
#endif
}

static int
bit(const uint8_t *b, uint32_t i)
{
	return (b[i / 8] >> (i % 8)) & 1;
}

static void
bit_set(uint8_t *b, uint32_t i)
{
	b[i / 8] |= (uint8_t)(1u << (i % 8));
}

static void
bit_clear(uint8_t *b, uint32_t i)
{
	b[i / 8] &= (uint8_t) ~(1u << (i % 8));
}

int
origin_parse(const char *url, struct origin *o, char *err, size_t errlen)
{
	struct evhttp_uri *u;
	const char *host, *path, *scheme;
	int port;

	memset(o, 0, sizeof(*o));
	if ((u = evhttp_uri_parse(url)) == NULL) {
		snprintf(err, errlen, "'%s' is not a URL", url);
		return -1;
	}
	scheme = evhttp_uri_get_scheme(u);
	host = evhttp_uri_get_host(u);
	path = evhttp_uri_get_path(u);
	port = evhttp_uri_get_port(u);
	if (scheme == NULL || strcasecmp(scheme, "http") != 0) {
		snprintf(err, errlen,
		    "'%s': only http:// origins are "
		    "supported",
		    url);
		evhttp_uri_free(u);
		return -1;
	}
	if (host == NULL || *host == '\0') {
		snprintf(err, errlen, "'%s' has no host", url);
		evhttp_uri_free(u);
		return -1;
	}
	if (path != NULL && *path != '\0' && strcmp(path, "/") != 0) {
		snprintf(err, errlen,
		    "'%s': the origin is a server, give "
		    "no path",
		    url);
		evhttp_uri_free(u);
		return -1;
	}
	o->port = port == -1 ? 80 : port;
	o->host = xstrdup(host);
	o->hostport = xmalloc(strlen(host) + 16);
	if (strchr(host, ':') != NULL)
		sprintf(o->hostport, "[%s]:%d", host, o->port);
	else
		sprintf(o->hostport, "%s:%d", host, o->port);
	evhttp_uri_free(u);
	return 0;
}

void
download_init(const struct dl_conf *c)
{
	conf = *c;
}

static uint64_t
chunk_len(const struct download *d, uint32_t i)
{
	uint64_t off = (uint64_t)i * conf.chunk_size;

	return d->size - off < conf.chunk_size ? d->size - off
	                                       : conf.chunk_size;
}

/* DIR/a/b.bin -> DIR/a/.b.bin<suffix> */
static char *
side_path(const char *final, const char *suffix)
{
	const char *slash = strrchr(final, '/');
	size_t dirlen = slash ? (size_t)(slash - final) + 1 : 0;
	char *p = xmalloc(strlen(final) + strlen(suffix) + 2);

	memcpy(p, final, dirlen);
	p[dirlen] = '.';
	strcpy(p + dirlen + 1, final + dirlen);
	strcat(p, suffix);
	return p;
}

/* fsync the directory holding path, so a create or rename is durable. */
static int
sync_dir(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int fd, rc = -1;

	if (slash == dir)
		slash++;
	if (slash != NULL)
		*slash = '\0';
	fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd != -1) {
		rc = fsync(fd);
		close(fd);
	}
	free(dir);
	return rc;
}

/* mkdir -p of final's parent directories. */
static int
make_parents(const char *final)
{
	char *p = xstrdup(final), *s;
	int rc = 0;

	for (s = strchr(p + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST) {
			rc = -1;
			break;
		}
		*s = '/';
	}
	free(p);
	return rc;
}

void
download_request(const struct origin *o, const char *rpath,
    const char *final_path, const char *name, dl_done_cb cb, void *arg)
{
	struct download *d;
	struct waiter *w;
	unsigned i;

	w = xcalloc(1, sizeof(*w));
	w->cb = cb;
	w->arg = arg;
	TAILQ_FOREACH(d, &downloads, entry) {
		if (strcmp(d->final, final_path) == 0) {
			/* SPEC: two requests for one file share a download. */
			TAILQ_INSERT_TAIL(&d->waiters, w, entry);
			return;
		}
	}
	d = xcalloc(1, sizeof(*d));
	TAILQ_INIT(&d->waiters);
	TAILQ_INSERT_TAIL(&d->waiters, w, entry);
	d->origin.host = xstrdup(o->host);
	d->origin.port = o->port;
	d->origin.hostport = xstrdup(o->hostport);
	d->rpath = xstrdup(rpath);
	d->final = xstrdup(final_path);
	d->name = xstrdup(name);
	d->part = side_path(final_path, ".part");
	d->jpath = side_path(final_path, ".journal");
	d->part_fd = d->jfd = -1;
	d->gzip_ok = 1;
	d->t0_ms = now_ms();
	d->f = xcalloc(conf.parallel, sizeof(*d->f));
	for (i = 0; i < conf.parallel; i++) {
		d->f[i].d = d;
		d->f[i].chunk = -1;
		d->f[i].timer =
		    evtimer_new(conf.base, fetch_retry_cb, &d->f[i]);
	}
	d->head.d = d;
	d->head.chunk = -1;
	d->head.timer = evtimer_new(conf.base, fetch_retry_cb, &d->head);
	d->tick = event_new(conf.base, -1, 0, download_tick_cb, d);
	d->sync_timer = evtimer_new(conf.base, download_sync_cb, d);
	TAILQ_INSERT_TAIL(&downloads, d, entry);
	download_head(d);
}

static void
download_kick(struct download *d)
{
	event_active(d->tick, 0, 0);
}

static void
download_fail(struct download *d, int status, const char *fmt, ...)
{
	va_list ap;

	if (d->fail_status != 0)
		return; /* the first reason is the one reported */
	d->fail_status = status;
	va_start(ap, fmt);
	vsnprintf(d->fail_msg, sizeof(d->fail_msg), fmt, ap);
	va_end(ap);
	download_kick(d);
}

/* Connections of all fetchers closed; in-flight requests dropped. */
static void
download_teardown(struct download *d)
{
	unsigned i;

	for (i = 0; i < conf.parallel; i++) {
		fetch_reset(&d->f[i]);
		hc_free(d->f[i].hc);
		d->f[i].hc = NULL;
	}
	fetch_reset(&d->head);
	if (d->head.evcon != NULL) {
		evhttp_connection_free(d->head.evcon);
		d->head.evcon = NULL;
	}
	if (d->j.nchunks > 0)
		memset(d->inflight, 0, (d->j.nchunks + 7) / 8);
}

static void
download_answer(struct download *d, const struct dl_result *r)
{
	struct waiter *w;

	while ((w = TAILQ_FIRST(&d->waiters)) != NULL) {
		TAILQ_REMOVE(&d->waiters, w, entry);
		w->cb(r, w->arg);
		free(w);
	}
}

static void
download_free(struct download *d)
{
	unsigned i;

	download_teardown(d);
	TAILQ_REMOVE(&downloads, d, entry);
	for (i = 0; i < conf.parallel; i++) {
		event_free(d->f[i].timer);
		free(d->f[i].stage);
		buf_free(&d->f[i].rq);
	}
	event_free(d->head.timer);
	event_free(d->tick);
	event_free(d->sync_timer);
	if (d->part_fd != -1)
		close(d->part_fd);
	if (d->jfd != -1)
		close(d->jfd);
	journal_free(&d->j);
	free(d->written);
	free(d->wcrc);
	free(d->inflight);
	free(d->tries);
	free(d->f);
	free(d->origin.host);
	free(d->origin.hostport);
	free(d->rpath);
	free(d->final);
	free(d->name);
	free(d->part);
	free(d->jpath);
	free(d);
}

static void
download_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct download *d = arg;
	struct dl_result r;

	if (d->fail_status != 0) {
		download_teardown(d);
		if (d->state == DL_RUN)
			download_sync(d); /* keep what we have */
		log_warnx("%s: %s", d->name, d->fail_msg);
		memset(&r, 0, sizeof(r));
		r.status = d->fail_status;
		r.message = d->fail_msg;
		r.bytes = d->size;
		r.resumed_from = d->resumed_from;
		r.fetched = d->fetched;
		r.seconds = (double)(now_ms() - d->t0_ms) / 1000;
		download_answer(d, &r);
		download_free(d);
		return;
	}
	if (d->restart) {
		d->restart = 0;
		download_teardown(d);
		if (++d->restarts > MAX_RESTARTS) {
			download_fail(d, 502,
			    "the origin's file keeps "
			    "changing (%u restarts)",
			    d->restarts - 1);
			return;
		}
		log_info(
		    "%s: the origin's file changed: starting over", d->name);
		stats_add(conf.slot, STATS_downloads_restarted, 1);
		if (d->jfd != -1) {
			close(d->jfd);
			d->jfd = -1;
		}
		unlink(d->jpath);
		d->state = DL_HEAD;
		download_head(d);
		return;
	}
	if (d->state != DL_RUN)
		return;
	if (d->nwritten + d->ndone == d->j.nchunks) {
		if (download_sync(d) == 0)
			download_finish(d);
		return;
	}
	download_schedule(d);
}

/* HEAD: learn the size and the validator. */
static void
download_head(struct download *d)
{
	struct fetcher *f = &d->head;
	struct evhttp_request *req;

	if (f->evcon == NULL) {
		f->evcon = evhttp_connection_base_new(conf.base, NULL,
		    d->origin.host, (unsigned short)d->origin.port);
		if (f->evcon == NULL) {
			download_fail(d, 500,
			    "cannot make a connection "
			    "object");
			return;
		}
		evhttp_connection_set_timeout(f->evcon, conf.timeout_s);
		evhttp_connection_set_retries(f->evcon, 0);
	}
	req = evhttp_request_new(head_done_cb, f);
	evhttp_request_set_error_cb(req, head_error_cb);
	evhttp_add_header(
	    evhttp_request_get_output_headers(req), "Host", d->origin.hostport);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Accept-Encoding", "identity");
	f->why = WHY_NONE;
	f->req = req;
	if (evhttp_make_request(f->evcon, req, EVHTTP_REQ_HEAD, d->rpath) ==
	    -1) {
		f->req = NULL;
		download_fail(
		    d, 502, "cannot send HEAD to %s", d->origin.hostport);
	}
}

static void
head_error_cb(enum evhttp_request_error e, void *arg)
{
	struct fetcher *f = arg;

	f->why = e == EVREQ_HTTP_TIMEOUT ? WHY_TIMEOUT : WHY_NET;
}

static void
head_done_cb(struct evhttp_request *req, void *arg)
{
	struct fetcher *f = arg;
	struct download *d = f->d;
	struct evkeyvalq *h;
	const char *cl, *etag, *lm;
	char *end;
	int code = req ? evhttp_request_get_response_code(req) : 0;
	unsigned long long size;
	struct timeval tv;
	uint64_t ms;

	f->req = NULL;
	if (code == 0) {
		/* Unreachable or too slow: retry with back-off. */
		if (++d->head_tries > conf.retries) {
			if (f->why == WHY_TIMEOUT)
				download_fail(d, 504, "origin %s timed out",
				    d->origin.hostport);
			else
				download_fail(d, 502,
				    "origin %s "
				    "unreachable",
				    d->origin.hostport);
			return;
		}
		stats_add(conf.slot, STATS_retries, 1);
		ms = (uint64_t)BACKOFF_BASE_MS << (d->head_tries - 1);
		if (ms > BACKOFF_MAX_MS)
			ms = BACKOFF_MAX_MS;
		ms = ms / 2 + (uint64_t)random() % (ms / 2 + 1);
		tv.tv_sec = (time_t)(ms / 1000);
		tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
		evtimer_add(f->timer, &tv);
		return;
	}
	if (code == 404 || code == 410) {
		download_fail(d, 404, "not found at the origin");
		return;
	}
	if (code != 200) {
		download_fail(d, 502, "origin answered HEAD with %d", code);
		return;
	}
	h = evhttp_request_get_input_headers(req);
	cl = evhttp_find_header(h, "Content-Length");
	if (cl == NULL || *cl < '0' || *cl > '9') {
		download_fail(d, 502, "origin sent no Content-Length");
		return;
	}
	errno = 0;
	size = strtoull(cl, &end, 10);
	if (errno != 0 || *end != '\0' ||
	    size > (unsigned long long)JOURNAL_MAX_CHUNKS * conf.chunk_size) {
		download_fail(d, 502, "origin sent a bad Content-Length");
		return;
	}
	etag = evhttp_find_header(h, "ETag");
	lm = evhttp_find_header(h, "Last-Modified");
	d->validator[0] = '\0';
	d->validator_is_etag = 0;
	/* Only a strong ETag may guard a Range (RFC 9110 13.1.5). */
	if (etag != NULL && strncmp(etag, "W/", 2) != 0 &&
	    strlen(etag) <= JOURNAL_VALIDATOR_MAX) {
		snprintf(d->validator, sizeof(d->validator), "%s", etag);
		d->validator_is_etag = 1;
	} else if (lm != NULL && strlen(lm) <= JOURNAL_VALIDATOR_MAX) {
		snprintf(d->validator, sizeof(d->validator), "%s", lm);
	}
	d->size = size;
	download_prepare(d);
}

static void
fetch_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fetcher *f = arg;
	struct download *d = f->d;

	if (f == &d->head) {
		download_head(d);
		return;
	}
	if (f->chunk >= 0 && d->state == DL_RUN)
		fetch_start(f, (uint32_t)f->chunk);
}

/*
 * Resuming: read back every chunk the journal has and check it against
 * the CRC recorded when it was written, so that a part file changed by
 * hand (or by a failing disk) between runs never ends up under the
 * final name.  A chunk that does not match is fetched again.  Costs one
 * read of the part file per resume: about 0.2 s a GiB from page cache.
 */
static void
part_verify(struct download *d)
{
	char *buf = xmalloc(STAGE_SIZE);
	uint64_t off, left;
	uint32_t i, crc, bad = 0;
	ssize_t r;

	for (i = 0; i < d->j.nchunks; i++) {
		if (!journal_has(&d->j, i) || journal_crc(&d->j, i) == 0)
			continue;
		off = (uint64_t)i * d->j.chunk_size;
		left = chunk_len(d, i);
		crc = 0;
		while (left > 0) {
			r = pread(d->part_fd, buf,
			    left < STAGE_SIZE ? (size_t)left : STAGE_SIZE,
			    (off_t)off);
			if (r == -1 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			crc = chunk_crc(crc, buf, (size_t)r);
			off += (uint64_t)r;
			left -= (uint64_t)r;
		}
		if (left == 0 && crc == journal_crc(&d->j, i))
			continue;
		log_warnx("%s: chunk %u of the part file does not match its "
		          "journal: fetching it again",
		    d->name, i);
		journal_clear(&d->j, i);
		bad++;
	}
	if (bad > 0)
		stats_add(conf.slot, STATS_retries, bad);
	free(buf);
}

/*
 * After HEAD: already complete?  resumable?  else a fresh part file.
 */
static void
download_prepare(struct download *d)
{
	struct journal old;
	struct dl_result r;
	struct stat st;
	char err[256];
	size_t bm;
	uint32_t i;
	int have_old, match, fresh = 1;

	memset(&old, 0, sizeof(old));
	have_old = journal_read(d->jpath, &old, err, sizeof(err)) == 0;
	if (!have_old && errno != ENOENT)
		log_warnx("%s: journal ignored: %s", d->name, err);
	match = have_old && old.size == d->size &&
	    strcmp(old.validator, d->validator) == 0 && d->validator[0];

	/* SPEC: complete and the origin's validator still matches. */
	if (match && (old.flags & JOURNAL_COMPLETE) &&
	    stat(d->final, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size == d->size) {
		journal_free(&old);
		memset(&r, 0, sizeof(r));
		r.status = 200;
		r.already = 1;
		r.message = "File already downloaded";
		r.bytes = d->size;
		r.resumed_from = d->size;
		r.seconds = (double)(now_ms() - d->t0_ms) / 1000;
		download_answer(d, &r);
		download_free(d);
		return;
	}
	if (make_parents(d->final) == -1) {
		journal_free(&old);
		download_fail(d, 500, "cannot create directories for %s: %s",
		    d->final, strerror(errno));
		return;
	}

	journal_free(&d->j);
	if (match && !(old.flags & JOURNAL_COMPLETE) &&
	    old.chunk_size == conf.chunk_size && stat(d->part, &st) == 0 &&
	    (uint64_t)st.st_size == d->size &&
	    (d->part_fd = open(d->part, O_RDWR | O_CLOEXEC)) != -1) {
		d->j = old;
		fresh = 0;
		part_verify(d);
		d->resumed_from = 0;
		for (i = 0; i < d->j.nchunks; i++)
			if (journal_has(&d->j, i))
				d->resumed_from += chunk_len(d, i);
		stats_add(conf.slot, STATS_downloads_resumed, 1);
		log_info("%s: resuming: %llu of %llu bytes already here",
		    d->name, (unsigned long long)d->resumed_from,
		    (unsigned long long)d->size);
	} else {
		journal_free(&old);
		if (have_old || access(d->part, F_OK) == 0)
			log_info("%s: stored part does not match the origin: "
			         "starting over",
			    d->name);
		if (d->part_fd != -1)
			close(d->part_fd);
		d->part_fd =
		    open(d->part, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (d->part_fd == -1 ||
		    ftruncate(d->part_fd, (off_t)d->size) == -1) {
			download_fail(d, 500, "cannot create %s: %s", d->part,
			    strerror(errno));
			return;
		}
		if (journal_init(&d->j, d->size, conf.chunk_size, d->validator,
		        err, sizeof(err)) == -1) {
			download_fail(d, 502, "%s", err);
			return;
		}
		d->resumed_from = 0;
		stats_add(conf.slot, STATS_downloads_started, 1);
	}
	if (d->jfd != -1)
		close(d->jfd);
	/* A new download starts from an empty journal (journal.h). */
	d->jfd = open(d->jpath,
	    O_RDWR | O_CREAT | O_CLOEXEC | (fresh ? O_TRUNC : 0), 0644);
	if (d->jfd == -1) {
		download_fail(
		    d, 500, "cannot open %s: %s", d->jpath, strerror(errno));
		return;
	}
	if (fresh &&
	    (journal_write(d->jfd, &d->j) == -1 || sync_dir(d->final) == -1)) {
		download_fail(
		    d, 507, "cannot write %s: %s", d->jpath, strerror(errno));
		return;
	}
	bm = (d->j.nchunks + 7) / 8;
	free(d->written);
	free(d->wcrc);
	free(d->inflight);
	free(d->tries);
	d->written = xcalloc(1, bm + 1);
	d->wcrc = xcalloc(d->j.nchunks + 1, sizeof(*d->wcrc));
	d->inflight = xcalloc(1, bm + 1);
	d->tries = xcalloc(1, d->j.nchunks + 1);
	d->ndone = journal_count(&d->j);
	d->nwritten = 0;
	d->cursor = 0;
	d->done_bytes = d->resumed_from;
	d->unsynced_bytes = 0;
	d->last_sync_ms = now_ms();
	d->best = 1;
	memset(d->ph, 0, sizeof(d->ph));
	d->trial = 0;
	d->nauto = d->trial_at = 0;
	d->state = DL_RUN;
	download_kick(d);
}

/* Give every idle fetcher the next chunk nobody has. */
static void
download_schedule(struct download *d)
{
	uint32_t n = d->j.nchunks, scanned;
	unsigned i;

	for (i = 0; i < conf.parallel; i++) {
		struct fetcher *f = &d->f[i];

		if (f->chunk >= 0)
			continue;
		for (scanned = 0; scanned < n; scanned++) {
			uint32_t c = d->cursor;

			d->cursor = (d->cursor + 1) % n;
			if (!journal_has(&d->j, c) && !bit(d->written, c) &&
			    !bit(d->inflight, c)) {
				fetch_start(f, c);
				break;
			}
		}
		if (scanned == n)
			return; /* nothing left to hand out */
	}
}

static int
fetch_connect(struct fetcher *f)
{
	struct download *d = f->d;

	if (f->hc != NULL)
		return 0;
	f->hc = hc_new(conf.base, d->origin.host,
	    (unsigned short)d->origin.port, conf.timeout_s);
	return f->hc == NULL ? -1 : 0;
}

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * --gzip auto.  Which way is faster depends on what limits: on a slow
 * link every wire byte of gzip carries ratio times the payload; on
 * loopback or a fast link compressing (the origin's deflate, our
 * inflate) limits and plain chunks are faster.  Per-connection timings
 * cannot tell (they charge each way for the other's work on the shared
 * CPU), so a trial measures each way in aggregate: after one warm-up
 * round of gzip, TRIAL_CHUNKS x --parallel chunks gzip, then as many
 * plain, each phase timed from its first start to its last end; the
 * faster wins (until the plain phase ends, more chunks go plain,
 * uncounted, so gzip work does not slow it).  A slow link makes the
 * plain phase expensive, so it is watched as it streams: once it has run
 * TRIAL_MIN_US and delivers less than half the gzip phase's rate (its
 * partly received chunks counted), gzip has won and the plain chunks
 * still in flight are abandoned (to be asked again with gzip).  The trial
 * repeats every TRIAL_EVERY chunks, so a change of link is noticed.
 */
static int
want_gzip(struct download *d, struct fetcher *f)
{
	struct phase *p = NULL;
	int g;

	f->trial = 0;
	if (conf.gzip == GZIP_NEVER || !d->gzip_ok)
		return 0;
	if (conf.gzip == GZIP_ALWAYS)
		return 1;
	d->nauto++;
	if (!d->trial &&
	    (d->nauto == conf.parallel + 1 ||
	        (d->trial_at != 0 && d->nauto - d->trial_at >= TRIAL_EVERY))) {
		memset(d->ph, 0, sizeof(d->ph));
		d->ph[0].to_start = d->ph[1].to_start =
		    TRIAL_CHUNKS * conf.parallel;
		d->trial = 1;
		d->trial_at = d->nauto;
	}
	if (d->trial) {
		if (d->ph[1].to_start > 0)
			p = &d->ph[1]; /* gzip first */
		else if (d->ph[0].to_start > 0)
			p = &d->ph[0];
	}
	if (p == NULL && d->trial) {
		/*
		 * Waiting for the plain phase's last chunks: more plain, not
		 * counted, so that gzip work does not slow the phase down.
		 */
		f->trial = 3;
		return 0;
	}
	if (p == NULL)
		return d->best;
	g = p == &d->ph[1];
	p->to_start--;
	p->outstanding++;
	if (p->t0_us == 0)
		p->t0_us = now_us();
	f->trial = g + 1;
	return g;
}

static double
phase_rate(const struct phase *p)
{
	return p->t1_us > p->t0_us
	    ? (double)p->bytes / (double)(p->t1_us - p->t0_us)
	    : 0;
}

/* Drop the chunk request in flight, if any: no callback follows. */
static void
fetch_cancel(struct fetcher *f)
{
	if (f->busy) {
		f->busy = 0;
		hc_cancel(f->hc);
	}
}

/* Give up a chunk in flight without counting a retry: asked again later. */
static void
fetch_abandon(struct fetcher *f)
{
	struct download *d = f->d;

	if (f->chunk < 0)
		return;
	fetch_cancel(f);
	bit_clear(d->inflight, (uint32_t)f->chunk);
	f->chunk = -1;
	f->trial = 0;
	f->stage_len = 0;
	f->why = WHY_NONE;
}

/*
 * The plain phase is streaming: if it already runs at less than half
 * the gzip phase's rate, stop the trial and abandon its chunks.
 */
static void
trial_watch(struct download *d)
{
	struct phase *g = &d->ph[1], *p = &d->ph[0];
	uint64_t now = now_us(), got = p->bytes;
	unsigned i;

	if (!d->trial || !g->done || p->t0_us == 0 ||
	    now - p->t0_us < TRIAL_MIN_US)
		return;
	for (i = 0; i < conf.parallel; i++)
		if (d->f[i].trial == 1)
			got += d->f[i].got;
	if ((double)got / (double)(now - p->t0_us) >= 0.5 * phase_rate(g))
		return;
	d->trial = 0;
	d->best = 1;
	for (i = 0; i < conf.parallel; i++)
		if (d->f[i].trial == 1 || d->f[i].trial == 3)
			fetch_abandon(&d->f[i]);
	log_debug("%s: gzip auto: trial: gzip %.0f MB/s, plain below half "
	          "of it (%.0f MB/s so far): asking gzip",
	    d->name, phase_rate(g), (double)got / (double)(now - p->t0_us));
	download_kick(d);
}

/* A chunk of --gzip auto ended with bytes of payload (0: failed). */
static void
auto_end(struct download *d, struct fetcher *f, uint64_t bytes)
{
	struct phase *p;

	if (f->trial == 0 || f->trial == 3) {
		f->trial = 0;
		return;
	}
	p = &d->ph[f->trial - 1];
	f->trial = 0;
	if (!d->trial)
		return; /* settled early */
	if (p->outstanding > 0)
		p->outstanding--;
	p->bytes += bytes;
	p->t1_us = now_us();
	if (p->to_start > 0 || p->outstanding > 0)
		return;
	p->done = 1;
	if (!d->ph[0].done || !d->ph[1].done)
		return;
	d->trial = 0;
	if (phase_rate(&d->ph[0]) == 0 && phase_rate(&d->ph[1]) == 0)
		return; /* all failed: no verdict */
	d->best = phase_rate(&d->ph[1]) > phase_rate(&d->ph[0]);
	log_debug("%s: gzip auto: trial: all plain %.0f MB/s, all gzip "
	          "%.0f MB/s: asking %s",
	    d->name, phase_rate(&d->ph[0]), phase_rate(&d->ph[1]),
	    d->best ? "gzip" : "plain");
}

static void
fetch_reset(struct fetcher *f)
{
	fetch_cancel(f);
	if (f->req != NULL) {
		struct evhttp_request *req = f->req;

		f->req = NULL;
		evhttp_cancel_request(req);
	}
	evtimer_del(f->timer);
	codec_free(f->inflate);
	f->inflate = NULL;
	f->chunk = -1;
	f->why = WHY_NONE;
}

static void
fetch_start(struct fetcher *f, uint32_t c)
{
	struct download *d = f->d;
	int r;

	if (fetch_connect(f) == -1) {
		download_fail(d, 500, "cannot make a connection object");
		return;
	}
	f->chunk = c;
	f->off = (uint64_t)c * conf.chunk_size;
	f->len = chunk_len(d, c);
	f->got = f->flushed = f->wire = 0;
	f->crc = 0;
	f->stage_len = 0;
	if (f->stage == NULL)
		f->stage = xmalloc(STAGE_SIZE);
	f->why = WHY_NONE;
	f->err_no = 0;
	f->msg[0] = '\0';
	f->gzip_body = 0;
	f->asked_gzip = want_gzip(d, f);
	f->t0_ms = now_ms();
	bit_set(d->inflight, c);

	buf_reset(&f->rq);
	buf_printf(&f->rq,
	    "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "Range: bytes=%llu-%llu\r\n%s%s%sAccept-Encoding: %s\r\n\r\n",
	    d->rpath, d->origin.hostport, (unsigned long long)f->off,
	    (unsigned long long)(f->off + f->len - 1),
	    d->validator[0] ? "If-Range: " : "", d->validator,
	    d->validator[0] ? "\r\n" : "", f->asked_gzip ? "gzip" : "identity");
	f->busy = 1;
	r = f->rq.failed
	    ? -1
	    : hc_request(f->hc, f->rq.data, f->rq.len, &fetch_cbs, f);
	if (r == -1) {
		f->busy = 0;
		f->why = WHY_NET;
		snprintf(f->msg, sizeof(f->msg), "cannot send the request");
		fetch_failed(f);
	}
}

static void fetch_reject(struct fetcher *f, enum why why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fetch_reject(struct fetcher *f, enum why why, const char *fmt, ...)
{
	va_list ap;

	if (f->why != WHY_NONE)
		return;
	f->why = why;
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
}

/*
 * The answer's head: is this the chunk we asked for?  Returning -1 makes
 * hclient drop the connection before reading any of the body.
 */
static int
fetch_head_cb(void *arg, int code, const struct httphdr_fields *h)
{
	struct fetcher *f = arg;
	struct download *d = f->d;
	const char *ce = httphdr_find(h->f, h->n, "Content-Encoding");
	const char *cr = httphdr_find(h->f, h->n, "Content-Range");
	const char *etag = httphdr_find(h->f, h->n, "ETag"), *lm;
	off_t first, last, size;
	char err[128];

	if (ce != NULL && strcasecmp(ce, "identity") == 0)
		ce = NULL;
	if (ce != NULL && (strcasecmp(ce, "gzip") != 0 || !f->asked_gzip)) {
		fetch_reject(f, WHY_BAD, "unexpected Content-Encoding %s", ce);
		return -1;
	}
	f->gzip_body = ce != NULL;
	if (code == 404 || code == 410) {
		fetch_reject(f, WHY_GONE, "the file vanished at the origin");
		return -1;
	}
	if (code == 416) {
		fetch_reject(f, WHY_CHANGED, "416: the file shrank");
		return -1;
	}
	if (code == 200) {
		if (f->gzip_body && !(f->off == 0 && f->len == d->size)) {
			/*
			 * nginx with "gzip on" answers a Range that allows
			 * gzip with the whole file compressed: not a chunk.
			 * Ask this origin for plain chunks from now on.
			 */
			d->gzip_ok = 0;
			fetch_reject(f, WHY_NOGZIP,
			    "200 with a compressed "
			    "whole file for a Range: asking plain from now "
			    "on");
			return -1;
		}
		if (f->off == 0 && f->len == d->size)
			goto check_etag; /* the whole file is a chunk */
		/*
		 * If-Range failed (the file changed), or the origin does not
		 * do ranges at all: then its validator is still ours, or it
		 * has none to compare.
		 */
		lm = httphdr_find(h->f, h->n, "Last-Modified");
		if (d->validator[0] == '\0' ||
		    (d->validator_is_etag && etag != NULL &&
		        strcmp(etag, d->validator) == 0) ||
		    (!d->validator_is_etag && lm != NULL &&
		        strcmp(lm, d->validator) == 0))
			fetch_reject(f, WHY_NORANGE, "origin ignores Range");
		else
			fetch_reject(f, WHY_CHANGED,
			    "200 to a Range with "
			    "If-Range: the file changed");
		return -1;
	}
	if (code != 206) {
		fetch_reject(f, code >= 500 ? WHY_NET : WHY_BAD,
		    "origin answered %d", code);
		return -1;
	}
	if (cr == NULL ||
	    range_parse_content_range(
	        cr, &first, &last, &size, err, sizeof(err)) == -1) {
		fetch_reject(
		    f, WHY_BAD, "bad Content-Range: %s", cr ? err : "missing");
		return -1;
	}
	if (size != -1 && (uint64_t)size != d->size) {
		fetch_reject(
		    f, WHY_CHANGED, "size changed to %lld", (long long)size);
		return -1;
	}
	if ((uint64_t)first != f->off ||
	    (uint64_t)last != f->off + f->len - 1) {
		fetch_reject(f, WHY_BAD,
		    "Content-Range %s is not the range "
		    "asked",
		    cr);
		return -1;
	}
check_etag:
	if (d->validator_is_etag && etag != NULL &&
	    strcmp(etag, d->validator) != 0) {
		fetch_reject(f, WHY_CHANGED, "ETag changed");
		return -1;
	}
	/* One inflate state a fetcher, reset for each chunk: no calloc. */
	if (f->gzip_body && f->inflate != NULL &&
	    codec_reset(f->inflate) == -1) {
		codec_free(f->inflate);
		f->inflate = NULL;
	}
	if (f->gzip_body && f->inflate == NULL &&
	    (f->inflate = codec_inflate_new()) == NULL) {
		fetch_reject(f, WHY_BAD, "no memory for inflate");
		return -1;
	}
	return 0;
}

/* Write the staged bytes at their offset in the part file. */
static int
fetch_flush(struct fetcher *f)
{
	struct download *d = f->d;
	const char *p = f->stage;
	size_t n = f->stage_len;
	ssize_t w;

	f->crc = chunk_crc(f->crc, p, n);
	while (n > 0) {
		w = pwrite(d->part_fd, p, n, (off_t)(f->off + f->flushed));
		if (w == -1) {
			if (errno == EINTR)
				continue;
			f->err_no = errno;
			fetch_reject(f, WHY_DISK, "writing %s: %s", d->part,
			    strerror(errno));
			return -1;
		}
		p += w;
		n -= (size_t)w;
		f->flushed += (uint64_t)w;
		stats_add(conf.slot, STATS_bytes_written, (uint64_t)w);
	}
	/*
	 * Start writeback now, without waiting, so the batched fdatasync
	 * finds little left to do (as rsync and aria2 do).
	 */
	if (f->stage_len > 0)
		sync_file_range(d->part_fd,
		    (off_t)(f->off + f->flushed - f->stage_len),
		    (off_t)f->stage_len, SYNC_FILE_RANGE_WRITE);
	f->stage_len = 0;
	return 0;
}

/*
 * Take n decoded bytes of the chunk, never past its end.  libevent 2.1
 * reads sockets 4 KiB at a time, so bytes are staged and written in
 * STAGE_SIZE pieces: one pwrite per 128 KiB instead of one per read.
 */
static int
fetch_write(struct fetcher *f, const char *p, size_t n)
{
	size_t room;

	if (n > f->len - f->got) {
		fetch_reject(f, WHY_BAD,
		    "body longer than the %llu bytes "
		    "asked",
		    (unsigned long long)f->len);
		return -1;
	}
	f->got += n;
	while (n > 0) {
		if (f->stage_len == STAGE_SIZE && fetch_flush(f) == -1)
			return -1;
		room = STAGE_SIZE - f->stage_len;
		if (room > n)
			room = n;
		memcpy(f->stage + f->stage_len, p, room);
		f->stage_len += room;
		p += room;
		n -= room;
	}
	return 0;
}

/* Inflate one piece of a gzip body straight into the stage. */
static void
fetch_inflate(struct fetcher *f, const char *p, size_t left)
{
	enum codec_status st;
	size_t used, made, room;

	while (left > 0 && f->why == WHY_NONE) {
		if (f->stage_len == STAGE_SIZE && fetch_flush(f) == -1)
			return;
		room = STAGE_SIZE - f->stage_len;
		st = codec_run(f->inflate, p, left, &used,
		    f->stage + f->stage_len, room, &made, 0);
		if (st == CODEC_ERROR) {
			fetch_reject(f, WHY_BAD, "corrupt gzip body");
			return;
		}
		/* SPEC: stop inflating at the range length (a bomb). */
		if (made > f->len - f->got) {
			fetch_reject(f, WHY_BAD,
			    "gzip body longer than the "
			    "%llu bytes asked",
			    (unsigned long long)f->len);
			return;
		}
		f->got += made;
		f->stage_len += made;
		p += used;
		left -= used;
		if (st == CODEC_END && left > 0) {
			fetch_reject(f, WHY_BAD, "data after the gzip stream");
			return;
		}
		if (used == 0 && made == 0 && f->stage_len < STAGE_SIZE) {
			fetch_reject(f, WHY_BAD, "gzip stream stalled");
			return;
		}
	}
}

static int
fetch_data_cb(void *arg, const char *p, size_t n)
{
	struct fetcher *f = arg;

	f->wire += n;
	f->d->fetched += n;
	stats_add(conf.slot, STATS_bytes_fetched, n);
	if (f->why == WHY_NONE) {
		if (f->gzip_body)
			fetch_inflate(f, p, n);
		else
			fetch_write(f, p, n);
	}
	if ((f->trial == 1 || f->trial == 3) && f->d->trial)
		trial_watch(f->d); /* may cancel this request */
	return f->why == WHY_NONE ? 0 : -1;
}

static void
fetch_end_cb(void *arg, enum hc_err err, const char *why)
{
	struct fetcher *f = arg;
	struct download *d = f->d;
	enum codec_status st;
	uint32_t c;
	size_t made;

	if (!f->busy)
		return; /* cancelled by us */
	f->busy = 0;
	switch (err) {
	case HC_OK:
		break;
	case HC_ETIMEOUT:
		fetch_reject(f, WHY_TIMEOUT, "origin timed out");
		break;
	case HC_EPROTO:
	case HC_EABORT: /* our refusal: f->why is already set */
		fetch_reject(f, WHY_BAD, "%s", why);
		break;
	default:
		fetch_reject(f, WHY_NET, "connection to the origin failed: %s",
		    why ? why : "?");
		break;
	}
	/*
	 * The stream must end here, CRC and length checked; a codec may
	 * still hold decoded bytes (ISA-L reads ahead), so give it room.
	 */
	while (f->why == WHY_NONE && f->gzip_body) {
		if (f->stage_len == STAGE_SIZE && fetch_flush(f) == -1)
			break;
		st = codec_run(f->inflate, NULL, 0, NULL,
		    f->stage + f->stage_len, STAGE_SIZE - f->stage_len, &made,
		    1);
		if (made > f->len - f->got) {
			fetch_reject(f, WHY_BAD,
			    "gzip body longer than the "
			    "%llu bytes asked",
			    (unsigned long long)f->len);
			break;
		}
		f->got += made;
		f->stage_len += made;
		if (st == CODEC_END)
			break;
		if (st == CODEC_ERROR || made == 0)
			fetch_reject(f, WHY_BAD, "gzip body ends early");
	}
	if (f->why == WHY_NONE)
		fetch_flush(f);
	if (f->why == WHY_NONE && f->got != f->len)
		fetch_reject(f, WHY_BAD, "short body: %llu of %llu bytes",
		    (unsigned long long)f->got, (unsigned long long)f->len);
	if (f->why != WHY_NONE) {
		fetch_failed(f);
		download_kick(d);
		return;
	}

	/* A good chunk. */
	c = (uint32_t)f->chunk;
	bit_clear(d->inflight, c);
	bit_set(d->written, c);
	d->wcrc[c] = f->crc;
	d->nwritten++;
	d->done_bytes += f->len;
	d->unsynced_bytes += f->len;
	d->nchunks_fetched++;
	stats_add(conf.slot, STATS_chunks_fetched, 1);
	auto_end(d, f, f->len);
	if (f->asked_gzip && !f->gzip_body) {
		/* Asked gzip, got identity (say, not compressible). */
		if (++d->gzip_plain_answers >= 4)
			d->gzip_ok = 0;
	}
	f->chunk = -1;
	if (d->unsynced_bytes >= SYNC_BYTES) {
		download_sync(d);
	} else if (!evtimer_pending(d->sync_timer, NULL)) {
		struct timeval tv = {SYNC_MS / 1000, (SYNC_MS % 1000) * 1000};

		evtimer_add(d->sync_timer, &tv);
	}
	download_kick(d);
}

/* A chunk failed: retry it, start over, or give up on the download. */
static void
fetch_failed(struct fetcher *f)
{
	struct download *d = f->d;
	struct timeval tv;
	uint32_t c = (uint32_t)f->chunk;
	uint64_t ms;

	codec_free(f->inflate);
	f->inflate = NULL;
	if (f->chunk < 0)
		return;
	auto_end(d, f, 0);
	log_debug("%s: chunk %u: %s", d->name, c, f->msg);
	switch (f->why) {
	case WHY_CHANGED:
		d->restart = 1;
		return;
	case WHY_GONE:
		download_fail(d, 404, "not found at the origin any more");
		return;
	case WHY_NORANGE:
		download_fail(d, 502, "origin does not honour Range");
		return;
	case WHY_DISK:
		/* Keep the data; a later request resumes once space is back. */
		download_fail(d, 507,
		    "%s (partial data kept, ask again when "
		    "there is room)",
		    f->msg);
		return;
	case WHY_NOGZIP:
		/* Not the chunk's fault: at once, plain, no retry counted. */
		f->why = WHY_NONE;
		fetch_start(f, c);
		return;
	default:
		break;
	}
	stats_add(conf.slot, STATS_retries, 1);
	if (++d->tries[c] > conf.retries) {
		if (f->why == WHY_TIMEOUT)
			download_fail(d, 504,
			    "origin too slow: chunk at %llu "
			    "timed out %u times",
			    (unsigned long long)f->off, d->tries[c]);
		else
			download_fail(d, 502,
			    "chunk at %llu failed %u times, "
			    "last: %s",
			    (unsigned long long)f->off, d->tries[c], f->msg);
		return;
	}
	log_info("%s: chunk at %llu: %s; retry %u of %u", d->name,
	    (unsigned long long)f->off, f->msg, d->tries[c], conf.retries);
	/* Exponential back-off with jitter: half fixed, half random. */
	ms = (uint64_t)BACKOFF_BASE_MS << (d->tries[c] - 1);
	if (ms > BACKOFF_MAX_MS)
		ms = BACKOFF_MAX_MS;
	ms = ms / 2 + (uint64_t)random() % (ms / 2 + 1);
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	f->why = WHY_NONE;
	evtimer_add(f->timer, &tv); /* the fetcher keeps its chunk */
}

static void
download_sync_cb(evutil_socket_t fd, short what, void *arg)
{
	download_sync(arg);
}

/*
 * Make written chunks durable, then say so in the journal: data first,
 * so the journal never claims a chunk the disk may not have.
 */
static int
download_sync(struct download *d)
{
	uint32_t i;

	evtimer_del(d->sync_timer);
	if (d->nwritten == 0 || d->part_fd == -1 || d->jfd == -1)
		return 0;
	if (fdatasync(d->part_fd) == -1) {
		download_fail(
		    d, 507, "syncing %s: %s", d->part, strerror(errno));
		return -1;
	}
	for (i = 0; i < d->j.nchunks; i++) {
		if (bit(d->written, i)) {
			journal_set_crc(&d->j, i, d->wcrc[i]);
			bit_clear(d->written, i);
		}
	}
	d->ndone += d->nwritten;
	d->nwritten = 0;
	d->unsynced_bytes = 0;
	d->last_sync_ms = now_ms();
	if (journal_write(d->jfd, &d->j) == -1) {
		download_fail(
		    d, 507, "writing %s: %s", d->jpath, strerror(errno));
		return -1;
	}
	return 0;
}

/* fsync, rename into place, fsync the directory: all or nothing. */
static void
download_finish(struct download *d)
{
	struct dl_result r;

	if (fsync(d->part_fd) == -1 || rename(d->part, d->final) == -1) {
		download_fail(d, 500, "cannot complete %s: %s", d->final,
		    strerror(errno));
		return;
	}
	if (sync_dir(d->final) == -1)
		log_warn("%s: fsync of its directory", d->name);
	/* The journal stays, marked complete: "already downloaded" later. */
	d->j.flags |= JOURNAL_COMPLETE;
	if (journal_write(d->jfd, &d->j) == -1)
		log_warn("%s: marking %s complete", d->name, d->jpath);
	d->state = DL_DONE;
	stats_add(conf.slot, STATS_downloads_completed, 1);
	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.message = "Download complete";
	r.bytes = d->size;
	r.resumed_from = d->resumed_from;
	r.fetched = d->fetched;
	r.seconds = (double)(now_ms() - d->t0_ms) / 1000;
	log_info("%s: complete: %llu bytes, %llu fetched, resumed from %llu, "
	         "%.2f s",
	    d->name, (unsigned long long)r.bytes, (unsigned long long)r.fetched,
	    (unsigned long long)r.resumed_from, r.seconds);
	download_answer(d, &r);
	download_free(d);
}

void
download_status_json(struct buf *b)
{
	struct download *d;
	const char *sep = "";
	double secs;

	buf_printf(b, "[");
	TAILQ_FOREACH(d, &downloads, entry) {
		secs = (double)(now_ms() - d->t0_ms) / 1000;
		buf_printf(b, "%s{\"name\":\"", sep);
		/* Names passed path_decode: no control bytes; escape " \ */
		for (const char *p = d->name; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_printf(b, "\\%c", *p);
			else
				buf_add(b, p, 1);
		}
		buf_printf(b,
		    "\",\"state\":\"%s\",\"done\":%llu,"
		    "\"total\":%llu,\"resumed_from\":%llu,\"fetched\":%llu,"
		    "\"rate\":%.0f}",
		    d->state == DL_HEAD ? "head" : "fetching",
		    (unsigned long long)d->done_bytes,
		    (unsigned long long)d->size,
		    (unsigned long long)d->resumed_from,
		    (unsigned long long)d->fetched,
		    secs > 0 ? (double)(d->done_bytes - d->resumed_from) / secs
		             : 0.0);
		sep = ",";
	}
	buf_printf(b, "]");
}

int
download_progress(
    const char *final_path, uint64_t *done, uint64_t *total, double *rate)
{
	struct download *d;
	double secs;

	TAILQ_FOREACH(d, &downloads, entry) {
		if (strcmp(d->final, final_path) != 0)
			continue;
		secs = (double)(now_ms() - d->t0_ms) / 1000;
		*done = d->done_bytes;
		*total = d->size;
		*rate = secs > 0
		    ? (double)(d->done_bytes - d->resumed_from) / secs
		    : 0;
		return d->state == DL_RUN ? 0 : -1;
	}
	return -1;
}

void
download_shutdown(void)
{
	struct download *d;
	struct dl_result r;

	while ((d = TAILQ_FIRST(&downloads)) != NULL) {
		download_teardown(d);
		if (d->state == DL_RUN)
			download_sync(d);
		memset(&r, 0, sizeof(r));
		r.status = 503;
		r.message = "haulproxy is stopping; ask again to resume";
		r.bytes = d->size;
		download_answer(d, &r);
		download_free(d);
	}
}
