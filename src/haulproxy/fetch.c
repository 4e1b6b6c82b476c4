/*
 * One chunk's fetch: the GET with Range, If-Range and the coding asked,
 * the checks on the answer's head (as nginx's slice module does: 206, the
 * Content-Range asked for, the validator unchanged), the body through
 * the staging window (stage.c) into the part file with pwrite, and what
 * a failure leads to (sched_failed): a retry after a back-off, a restart
 * or the end of the download.  The --gzip auto trial's glue is here too:
 * which way a chunk is asked (gzauto.c decides) and the watch on the
 * plain phase as it streams.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#ifdef HAVE_ISAL
#include <isa-l/crc.h>
#endif
#include <zlib.h>

#include "codec.h"
#include "dlpriv.h"
#include "hclient.h"
#include "httphdr.h"
#include "log.h"
#include "range.h"
#include "stats.h"

static void fetch_retry_cb(evutil_socket_t, short, void *);
static int fetch_head_cb(void *, int, const struct httphdr_fields *);
static int fetch_data_cb(void *, const char *, size_t);
static void fetch_end_cb(void *, enum hc_err, const char *);
static int fetch_flush(void *, const char *, size_t);
static void fetch_reject(struct fetcher *, enum why, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void fetch_stage_reject(struct fetcher *, enum stage_err);
static void fetch_check_206(struct fetcher *, const struct httphdr_fields *);
static void fetch_check_200(struct fetcher *, const struct httphdr_fields *);
static int fetch_use_inflate(struct fetcher *);
static void fetch_good(struct fetcher *);
static void fetch_failed(struct fetcher *);
static void fetch_retry(struct fetcher *, uint32_t);
static void fetch_cancel(struct fetcher *);
static void fetch_abandon(struct fetcher *);
static int want_gzip(struct download *, struct fetcher *);
static void trial_watch(struct download *);
static void trial_end(struct download *, struct fetcher *, uint64_t);
static uint64_t now_us(void);

static const struct hc_cbs fetch_cbs = {
    fetch_head_cb, fetch_data_cb, fetch_end_cb};

uint32_t
fetch_crc(uint32_t crc, const void *p, size_t n)
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

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void
fetch_init(struct fetcher *f, struct download *d)
{
	f->d = d;
	f->chunk = -1;
	f->timer = evtimer_new(download_conf.base, fetch_retry_cb, f);
	f->st.size = STAGE_SIZE;
	f->st.flush = fetch_flush;
	f->st.arg = f;
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

void
fetch_close(struct fetcher *f)
{
	fetch_cancel(f);
	evtimer_del(f->timer);
	codec_free(f->inflate);
	f->inflate = NULL;
	f->chunk = -1;
	f->why = WHY_NONE;
	hc_free(f->hc);
	f->hc = NULL;
}

void
fetch_free(struct fetcher *f)
{
	fetch_close(f);
	event_free(f->timer);
	free(f->st.buf);
	buf_free(&f->rq);
}

/* Give up a chunk in flight without counting a retry: asked again later. */
static void
fetch_abandon(struct fetcher *f)
{
	struct download *d = f->d;

	if (f->chunk < 0)
		return;
	fetch_cancel(f);
	d->chunks[f->chunk].state = CHUNK_MISSING;
	f->chunk = -1;
	f->role = GZAUTO_NONE;
	f->st.len = 0;
	f->why = WHY_NONE;
}

static void
fetch_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fetcher *f = arg;

	if (f->chunk >= 0 && f->d->state == DL_RUN)
		fetch_start(f, (uint32_t)f->chunk);
}

/* --gzip auto, never or always: 1 to ask this chunk gzip. */
static int
want_gzip(struct download *d, struct fetcher *f)
{
	f->role = GZAUTO_NONE;
	if (download_conf.gzip == GZIP_NEVER || !d->gzip_ok)
		return 0;
	if (download_conf.gzip == GZIP_ALWAYS)
		return 1;
	return gzauto_ask(&d->gz, now_us(), &f->role);
}

/*
 * The plain phase is streaming: if it already runs at less than half
 * the gzip phase's rate, stop the trial and abandon its chunks.
 */
static void
trial_watch(struct download *d)
{
	uint64_t now = now_us(), inflight = 0, t0 = d->gz.plain.t0_us;
	unsigned i;

	if (!gzauto_watching(&d->gz, now))
		return;
	for (i = 0; i < download_conf.parallel; i++)
		if (d->f[i].role == GZAUTO_PLAIN)
			inflight += d->f[i].st.got;
	if (!gzauto_watch(&d->gz, inflight, now))
		return;
	for (i = 0; i < download_conf.parallel; i++)
		if (d->f[i].role == GZAUTO_PLAIN ||
		    d->f[i].role == GZAUTO_FILLER)
			fetch_abandon(&d->f[i]);
	log_debug("%s: gzip auto: trial: gzip %.0f MB/s, plain below half "
	          "of it (%.0f MB/s so far): asking gzip",
	    d->name, gzauto_rate(&d->gz.gzip),
	    (double)(d->gz.plain.bytes + inflight) / (double)(now - t0));
	download_kick(d);
}

/* A chunk of --gzip auto ended with bytes of payload (0: failed). */
static void
trial_end(struct download *d, struct fetcher *f, uint64_t bytes)
{
	enum gzauto_role role = f->role;

	f->role = GZAUTO_NONE;
	if (!gzauto_end(&d->gz, role, bytes, now_us()))
		return;
	log_debug("%s: gzip auto: trial: all plain %.0f MB/s, all gzip "
	          "%.0f MB/s: asking %s",
	    d->name, gzauto_rate(&d->gz.plain), gzauto_rate(&d->gz.gzip),
	    d->gz.best ? "gzip" : "plain");
}

void
fetch_start(struct fetcher *f, uint32_t c)
{
	struct download *d = f->d;
	struct dl_origin *g = origin_pick(d, (unsigned)(f - d->f));
	int r;

	if (f->hc != NULL && f->org != g) { /* this seat moved */
		fetch_cancel(f);
		hc_free(f->hc);
		f->hc = NULL;
	}
	f->org = g;
	if (f->hc == NULL &&
	    (f->hc = hc_new(download_conf.base, g->o.host,
	         (unsigned short)g->o.port, download_conf.timeout_s)) == NULL) {
		download_fail(d, 500, "cannot make a connection object");
		return;
	}
	if (g->o.https)
		hc_set_tls(f->hc, download_conf.tls, download_conf.slot);
	f->chunk = c;
	f->off = (uint64_t)c * download_conf.chunk_size;
	f->len = download_chunk_len(d, c);
	f->flushed = 0;
	f->crc = 0;
	if (f->st.buf == NULL)
		f->st.buf = xmalloc(STAGE_SIZE);
	stage_start(&f->st, f->len);
	f->why = WHY_NONE;
	f->msg[0] = '\0';
	f->gzip_body = 0;
	f->asked_gzip = want_gzip(d, f);
	d->chunks[c].state = CHUNK_INFLIGHT;

	buf_reset(&f->rq);
	buf_printf(&f->rq,
	    "GET %s HTTP/1.1\r\nHost: %s\r\n%s"
	    "Range: bytes=%llu-%llu\r\n%s%s%sAccept-Encoding: %s\r\n\r\n",
	    d->rpath, g->o.hostport,
	    download_conf.origin_auth ? download_conf.origin_auth : "",
	    (unsigned long long)f->off,
	    (unsigned long long)(f->off + f->len - 1),
	    g->validator[0] ? "If-Range: " : "", g->validator,
	    g->validator[0] ? "\r\n" : "", f->asked_gzip ? "gzip" : "identity");
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

/* What the staging window found wrong with the body, in words. */
static void
fetch_stage_reject(struct fetcher *f, enum stage_err e)
{
	unsigned long long len = f->len, got = f->st.got;

	switch (e) {
	case STAGE_OK:
	case STAGE_FLUSH: /* fetch_flush said why */
		break;
	case STAGE_LONG:
		fetch_reject(f, WHY_BAD,
		    "%sbody longer than the %llu bytes asked",
		    f->gzip_body ? "gzip " : "", len);
		break;
	case STAGE_CORRUPT:
		fetch_reject(f, WHY_BAD, "corrupt gzip body");
		break;
	case STAGE_TRAILING:
		fetch_reject(f, WHY_BAD, "data after the gzip stream");
		break;
	case STAGE_STALLED:
		fetch_reject(f, WHY_BAD, "gzip stream stalled");
		break;
	case STAGE_EARLY:
		fetch_reject(f, WHY_BAD, "gzip body ends early");
		break;
	case STAGE_SHORT:
		fetch_reject(
		    f, WHY_BAD, "short body: %llu of %llu bytes", got, len);
		break;
	}
}

/* A 200 to a Range: never a chunk, unless the chunk is the whole file. */
static void
fetch_check_200(struct fetcher *f, const struct httphdr_fields *h)
{
	struct download *d = f->d;
	const struct dl_origin *g = f->org;
	const char *etag = httphdr_find(h->f, h->n, "ETag");
	const char *lm = httphdr_find(h->f, h->n, "Last-Modified");
	int whole = f->off == 0 && f->len == d->size;

	if (f->gzip_body && !whole) {
		/*
		 * nginx with "gzip on" answers a Range that allows gzip
		 * with the whole file compressed: not a chunk.  Ask this
		 * origin for plain chunks from now on.
		 */
		d->gzip_ok = 0;
		fetch_reject(f, WHY_NOGZIP,
		    "200 with a compressed whole file for a Range: asking "
		    "plain from now on");
		return;
	}
	if (whole)
		return;
	/*
	 * If-Range failed (the file changed), or the origin does not do
	 * ranges at all: then its validator is still ours, or it has none
	 * to compare.
	 */
	if (g->validator[0] == '\0' ||
	    (g->validator_is_etag && etag != NULL &&
	        strcmp(etag, g->validator) == 0) ||
	    (!g->validator_is_etag && lm != NULL &&
	        strcmp(lm, g->validator) == 0))
		fetch_reject(f, WHY_NORANGE, "origin ignores Range");
	else
		fetch_reject(f, WHY_CHANGED,
		    "200 to a Range with If-Range: the file changed");
}

/* A 206: the range asked, of the size known. */
static void
fetch_check_206(struct fetcher *f, const struct httphdr_fields *h)
{
	const char *cr = httphdr_find(h->f, h->n, "Content-Range");
	off_t first, last, size;
	char err[128];

	if (cr == NULL ||
	    range_parse_content_range(
	        cr, &first, &last, &size, err, sizeof(err)) == -1) {
		fetch_reject(
		    f, WHY_BAD, "bad Content-Range: %s", cr ? err : "missing");
		return;
	}
	if (size != -1 && (uint64_t)size != f->d->size) {
		fetch_reject(
		    f, WHY_CHANGED, "size changed to %lld", (long long)size);
		return;
	}
	if ((uint64_t)first != f->off ||
	    (uint64_t)last != f->off + f->len - 1) {
		fetch_reject(
		    f, WHY_BAD, "Content-Range %s is not the range asked", cr);
		return;
	}
}

/* One inflate state a fetcher, reset for each chunk: no calloc. */
static int
fetch_use_inflate(struct fetcher *f)
{
	if (f->inflate != NULL && codec_reset(f->inflate) == -1) {
		codec_free(f->inflate);
		f->inflate = NULL;
	}
	if (f->inflate == NULL && (f->inflate = codec_inflate_new()) == NULL) {
		fetch_reject(f, WHY_BAD, "no memory for inflate");
		return -1;
	}
	return 0;
}

/*
 * The answer's head: is this the chunk we asked for?  Returning -1 makes
 * hclient drop the connection before reading any of the body.
 */
static int
fetch_head_cb(void *arg, int code, const struct httphdr_fields *h)
{
	struct fetcher *f = arg;
	const char *ce = httphdr_find(h->f, h->n, "Content-Encoding");
	const char *etag = httphdr_find(h->f, h->n, "ETag");

	if (ce != NULL && strcasecmp(ce, "identity") == 0)
		ce = NULL;
	if (ce != NULL && (strcasecmp(ce, "gzip") != 0 || !f->asked_gzip)) {
		fetch_reject(f, WHY_BAD, "unexpected Content-Encoding %s", ce);
		return -1;
	}
	f->gzip_body = ce != NULL;
	if (code == 404 || code == 410)
		fetch_reject(f, WHY_GONE, "the file vanished at the origin");
	else if (code == 416)
		fetch_reject(f, WHY_CHANGED, "416: the file shrank");
	else if (code != 200 && code != 206)
		fetch_reject(f, code >= 500 ? WHY_NET : WHY_BAD,
		    "origin answered %d", code);
	else if (code == 200)
		fetch_check_200(f, h);
	else
		fetch_check_206(f, h);
	if (f->why != WHY_NONE)
		return -1;
	if (f->org->validator_is_etag && etag != NULL &&
	    strcmp(etag, f->org->validator) != 0) {
		fetch_reject(f, WHY_CHANGED, "ETag changed");
		return -1;
	}
	if (f->gzip_body && fetch_use_inflate(f) == -1)
		return -1;
	return 0;
}

/* The stage's flush: the window's bytes at their offset in the part file. */
static int
fetch_flush(void *arg, const char *p, size_t n)
{
	struct fetcher *f = arg;
	struct download *d = f->d;
	size_t len = n;
	ssize_t w;

	f->crc = fetch_crc(f->crc, p, n);
	while (n > 0) {
		w = pwrite(d->part_fd, p, n, (off_t)(f->off + f->flushed));
		if (w == -1) {
			if (errno == EINTR)
				continue;
			fetch_reject(f, WHY_DISK, "writing %s: %s", d->part,
			    strerror(errno));
			return -1;
		}
		p += w;
		n -= (size_t)w;
		f->flushed += (uint64_t)w;
		stats_add(download_conf.slot, STATS_bytes_written, (uint64_t)w);
	}
	/*
	 * Start writeback now, without waiting, so the batched fdatasync
	 * finds little left to do (as rsync and aria2 do).
	 */
	download_writeback(d, f->off + f->flushed - len, len);
	return 0;
}

static int
fetch_data_cb(void *arg, const char *p, size_t n)
{
	struct fetcher *f = arg;

	f->d->fetched += n;
	origin_bytes(f->org, n);
	stats_add(download_conf.slot, STATS_bytes_fetched, n);
	if (f->why == WHY_NONE)
		fetch_stage_reject(f,
		    f->gzip_body ? stage_inflate(&f->st, f->inflate, p, n)
		                 : stage_take(&f->st, p, n));
	if (f->role == GZAUTO_PLAIN || f->role == GZAUTO_FILLER)
		trial_watch(f->d); /* may cancel this request */
	return f->why == WHY_NONE ? 0 : -1;
}

static void
fetch_end_cb(void *arg, enum hc_err err, const char *why)
{
	struct fetcher *f = arg;

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
	case HC_ETLS: /* not retried: that origin fails with the reason */
		if (download_origins_in(f->d) > 1)
			download_origin_out(f->org, why ? why : "TLS");
		else
			download_fail(f->d, 502, "origin %s: %s",
			    f->org->o.hostport,
			    why ? why : "TLS handshake failed");
		fetch_reject(f, WHY_NET, "%s", why ? why : "TLS");
		break;
	default:
		fetch_reject(f, WHY_NET, "connection to the origin failed: %s",
		    why ? why : "?");
		break;
	}
	if (f->why == WHY_NONE)
		fetch_stage_reject(
		    f, stage_end(&f->st, f->gzip_body ? f->inflate : NULL));
	if (f->why != WHY_NONE)
		fetch_failed(f);
	else
		fetch_good(f);
	download_kick(f->d);
}

/* The chunk is in the part file, whole and checked. */
static void
fetch_good(struct fetcher *f)
{
	struct download *d = f->d;
	uint32_t c = (uint32_t)f->chunk;

	stats_add(download_conf.slot, STATS_chunks_fetched, 1);
	origin_good(f->org);
	trial_end(d, f, f->len);
	if (f->asked_gzip && !f->gzip_body) {
		/* Asked gzip, got identity (say, not compressible). */
		if (++d->gzip_plain_answers >= 4)
			d->gzip_ok = 0;
	}
	f->chunk = -1;
	download_written(d, c, f->crc);
}

/* A chunk failed: retry it, start over, or give up on the download. */
static void
fetch_failed(struct fetcher *f)
{
	struct download *d = f->d;
	uint32_t c = (uint32_t)f->chunk;

	codec_free(f->inflate);
	f->inflate = NULL;
	if (f->chunk < 0)
		return;
	trial_end(d, f, 0);
	log_debug("%s: chunk %u: %s", d->name, c, f->msg);
	if (origin_failed(f->org, f->why, f->msg)) {
		f->why = WHY_NONE; /* another origin has it: ask there */
		fetch_start(f, c);
		return;
	}
	switch (sched_failed(&d->chunks[c], f->why, download_conf.retries)) {
	case SCHED_RESTART:
		d->restart = 1;
		return;
	case SCHED_GONE:
		download_fail(d, 404, "not found at the origin any more");
		return;
	case SCHED_NORANGE:
		download_fail(d, 502, "origin does not honour Range");
		return;
	case SCHED_DISK:
		/* Keep the data; a later request resumes once space is back. */
		download_fail(d, 507,
		    "%s (partial data kept, ask again when there is room)",
		    f->msg);
		return;
	case SCHED_AGAIN:
		f->why = WHY_NONE;
		fetch_start(f, c);
		return;
	case SCHED_GIVE_UP:
	case SCHED_RETRY:
		break;
	}
	fetch_retry(f, c);
}

/*
 * The chunk's retry, counted: at once on another origin, after a
 * back-off on the same one, or the download fails when -r is used up.
 */
static void
fetch_retry(struct fetcher *f, uint32_t c)
{
	struct download *d = f->d;
	unsigned tries = d->chunks[c].tries;
	struct timeval tv;
	uint64_t ms;

	stats_add(download_conf.slot, STATS_retries, 1);
	if (tries > download_conf.retries) {
		if (f->why == WHY_TIMEOUT)
			download_fail(d, 504,
			    "origin too slow: chunk at %llu timed out %u times",
			    (unsigned long long)f->off, tries);
		else
			download_fail(d, 502,
			    "chunk at %llu failed %u times, last: %s",
			    (unsigned long long)f->off, tries, f->msg);
		return;
	}
	log_info("%s: chunk at %llu: %s; retry %u of %u", d->name,
	    (unsigned long long)f->off, f->msg, tries, download_conf.retries);
	f->why = WHY_NONE;
	if (origin_pick(d, (unsigned)(f - d->f)) != f->org) {
		fetch_start(f, c); /* another origin: no need to wait */
		return;
	}
	ms = sched_backoff_ms(tries, (uint64_t)random());
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(f->timer, &tv); /* the fetcher keeps its chunk */
}
