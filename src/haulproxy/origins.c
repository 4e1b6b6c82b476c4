/*
 * The origins of a download (SPEC "Several origins"): the HEADs that
 * start it, which origins take part, which one a fetcher asks next, and
 * what a failing origin costs it.
 *
 *   origins_head()  a HEAD to every origin at once, each under
 *                   --timeout; when all have ended, the first origin in
 *                   -o order that answered 200 is the reference: its
 *                   size, validator and digest are the download's.  An
 *                   origin whose size differs, whose digest differs (one
 *                   without a digest does not differ) or that did not
 *                   answer 200 is left out, and logged.  When none
 *                   answered at all, the round is retried with back-off
 *                   (-r rounds); 404 from all is a 404.
 *   origin_pick()   fetcher i asks origin (i mod the usable ones): each
 *                   origin keeps its share of the connections busy, so
 *                   chunks go to it in proportion to the rate it
 *                   delivers, with no estimate to tune.  A benched
 *                   origin's seats go to the others.
 *   origin_failed() a chunk failed on an origin: benched for 1 s, 2 s,
 *                   ... 60 s; an answer that says the origin has another
 *                   file leaves it out of the download.
 *
 * With one origin all of this is the single HEAD and single connection
 * set of before.  The journal keeps the reference's validator and the
 * digest; a resume with the same -o set has the same reference.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "dlpriv.h"
#include "hclient.h"
#include "httphdr.h"
#include "log.h"
#include "stats.h"
#include "util.h"

#define BENCH_MIN_MS 1000
#define BENCH_MAX_MS 60000

static void head_send(struct dl_origin *);
static void head_retry_cb(evutil_socket_t, short, void *);
static int head_fields_cb(void *, int, const struct httphdr_fields *);
static int head_body_cb(void *, const char *, size_t);
static void head_done_cb(void *, enum hc_err, const char *);
static const char *head_take(struct dl_origin *, const struct httphdr_fields *);
static const char *head_recheck(
    struct dl_origin *, const struct httphdr_fields *);
static void rehead_done(struct download *);
static void heads_settle(struct download *);
static void heads_none(struct download *);
static int origin_agrees(const struct dl_origin *, const struct dl_origin *);

static const struct hc_cbs head_cbs = {
    head_fields_cb, head_body_cb, head_done_cb};

void
origins_init(struct download *d, const struct origin *o, unsigned n)
{
	struct dl_origin *g;
	unsigned k;

	for (k = 0; k < n && k < DL_MAX_ORIGINS; k++) {
		g = &d->org[k];
		g->d = d;
		g->o.host = xstrdup(o[k].host);
		g->o.port = o[k].port;
		g->o.https = o[k].https;
		g->o.hostport = xstrdup(o[k].hostport);
		snprintf(g->url, sizeof(g->url), "%s://%s",
		    o[k].https ? "https" : "http", o[k].hostport);
		/* Counted since start in the stats region's origins table. */
		g->total = stats_origin_for(download_conf.stats, g->url);
	}
	d->norg = k;
	d->head_timer = evtimer_new(download_conf.base, head_retry_cb, d);
}

/* No HEAD in flight, no retry pending, no connection. */
void
origins_teardown(struct download *d)
{
	struct head *h;
	unsigned k;

	for (k = 0; k < d->norg; k++) {
		h = &d->org[k].head;
		if (h->busy) {
			h->busy = 0;
			hc_cancel(h->hc);
		}
		hc_free(h->hc);
		h->hc = NULL;
	}
	evtimer_del(d->head_timer);
}

void
origins_free(struct download *d)
{
	unsigned k;

	origins_teardown(d);
	for (k = 0; k < d->norg; k++) {
		buf_free(&d->org[k].head.rq);
		free(d->org[k].o.host);
		free(d->org[k].o.hostport);
	}
	event_free(d->head_timer);
}

/*
 * DL_HEAD: a HEAD to every origin at once.  DL_REHEAD (the HEAD before
 * the rename, when the first had no digest): to the reference only.
 */
void
origins_head(struct download *d)
{
	unsigned k;

	if (d->state == DL_REHEAD) {
		head_send(download_ref(d));
		return;
	}
	for (k = 0; k < d->norg; k++) {
		d->org[k].in = 0;
		head_send(&d->org[k]);
	}
}

static void
head_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	origins_head(arg);
}

static void
head_send(struct dl_origin *g)
{
	struct head *h = &g->head;

	h->code = 0;
	h->bad[0] = h->why[0] = '\0';
	h->err = HC_OK;
	if (h->hc == NULL &&
	    (h->hc = hc_new(download_conf.base, g->o.host,
	         (unsigned short)g->o.port, download_conf.timeout_s)) == NULL) {
		h->err = HC_ENET;
		snprintf(h->why, sizeof(h->why), "out of memory");
		heads_settle(g->d);
		return;
	}
	if (g->o.https)
		hc_set_tls(h->hc, download_conf.tls, download_conf.slot);
	buf_reset(&h->rq);
	buf_printf(&h->rq,
	    "HEAD %s HTTP/1.1\r\nHost: %s\r\n"
	    "%sAccept-Encoding: identity\r\n"
	    "Want-Repr-Digest: sha-256=10, sha-512=3\r\n\r\n",
	    g->d->rpath, g->o.hostport,
	    download_conf.origin_auth ? download_conf.origin_auth : "");
	h->busy = 1;
	if (h->rq.failed ||
	    hc_request(h->hc, h->rq.data, h->rq.len, &head_cbs, g) == -1) {
		h->busy = 0;
		h->err = HC_ENET;
		snprintf(h->why, sizeof(h->why), "cannot send HEAD");
		heads_settle(g->d);
	}
}

/* The size and the validator of a 200, into g; NULL, or what is wrong. */
static const char *
head_take(struct dl_origin *g, const struct httphdr_fields *h)
{
	const char *cl = httphdr_find(h->f, h->n, "Content-Length");
	const char *etag = httphdr_find(h->f, h->n, "ETag");
	const char *lm = httphdr_find(h->f, h->n, "Last-Modified");
	const char *rd;
	unsigned long long size;
	char *end;

	if (cl == NULL || *cl < '0' || *cl > '9')
		return "origin sent no Content-Length";
	errno = 0;
	size = strtoull(cl, &end, 10);
	if (errno != 0 || *end != '\0' ||
	    size > (unsigned long long)JOURNAL_MAX_CHUNKS *
	            download_conf.chunk_size)
		return "origin sent a bad Content-Length";
	g->validator[0] = '\0';
	g->validator_is_etag = 0;
	/* Only a strong ETag may guard a Range (RFC 9110 13.1.5). */
	if (etag != NULL && strncmp(etag, "W/", 2) != 0 &&
	    strlen(etag) <= JOURNAL_VALIDATOR_MAX) {
		snprintf(g->validator, sizeof(g->validator), "%s", etag);
		g->validator_is_etag = 1;
	} else if (lm != NULL && strlen(lm) <= JOURNAL_VALIDATOR_MAX) {
		snprintf(g->validator, sizeof(g->validator), "%s", lm);
	}
	g->size = size;
	/* RFC 9530: a malformed field is ignored as a whole. */
	memset(&g->dg, 0, sizeof(g->dg));
	rd = httphdr_find(h->f, h->n, "Repr-Digest");
	if (rd != NULL && digest_repr_parse(rd, &g->dg) == -1) {
		log_warnx("%s: %s's Repr-Digest ignored: malformed", g->d->name,
		    g->url);
		memset(&g->dg, 0, sizeof(g->dg));
	}
	return NULL;
}

/*
 * The HEAD before the rename (DL_REHEAD), to the reference: the same
 * file (size and validator as the download has them), and its digest
 * now.  NULL, or "changed".
 */
static const char *
head_recheck(struct dl_origin *g, const struct httphdr_fields *h)
{
	struct download *d = g->d;

	if (head_take(g, h) != NULL || g->size != d->size ||
	    strcmp(g->validator, d->validator) != 0)
		return "changed";
	d->origin_dg = g->dg;
	return NULL;
}

/*
 * The HEAD before the rename is answered: the file changed (start over),
 * or go on to verify with whatever digest it brought; no answer at all
 * is no reason to fail a complete download: it goes on without one.
 */
static void
rehead_done(struct download *d)
{
	struct head *h = &download_ref(d)->head;

	d->state = DL_RUN;
	if (h->code == 200 && strcmp(h->bad, "changed") == 0)
		d->restart = 1;
	download_kick(d);
}

/*
 * The HEAD's answer: its fields are only valid during this call, so what
 * is needed is taken now.  hclient knows an answer to HEAD has no body,
 * so the connection stays open for the next HEAD of this download.
 */
static int
head_fields_cb(void *arg, int code, const struct httphdr_fields *h)
{
	struct dl_origin *g = arg;
	const char *bad = NULL;

	g->head.code = code;
	if (code == 200 && g->d->state == DL_REHEAD)
		bad = head_recheck(g, h);
	else if (code == 200)
		bad = head_take(g, h);
	if (bad != NULL)
		snprintf(g->head.bad, sizeof(g->head.bad), "%s", bad);
	return 0;
}

static int
head_body_cb(void *arg, const char *p, size_t n)
{
	return -1; /* not reached: hclient gives no body after a HEAD */
}

static void
head_done_cb(void *arg, enum hc_err err, const char *why)
{
	struct dl_origin *g = arg;
	struct head *h = &g->head;

	if (!h->busy)
		return; /* cancelled by us */
	h->busy = 0;
	if (g->d->state == DL_REHEAD) {
		rehead_done(g->d);
		return;
	}
	h->err = err;
	snprintf(h->why, sizeof(h->why), "%s", why ? why : "");
	heads_settle(g->d);
}

/* Another origin against the reference: the same file as far as known. */
static int
origin_agrees(const struct dl_origin *g, const struct dl_origin *ref)
{
	if (g->size != ref->size)
		return 0;
	if (g->dg.has_sha256 && ref->dg.has_sha256 &&
	    memcmp(g->dg.sha256, ref->dg.sha256, sizeof(g->dg.sha256)) != 0)
		return 0;
	if (g->dg.has_sha512 && ref->dg.has_sha512 &&
	    memcmp(g->dg.sha512, ref->dg.sha512, sizeof(g->dg.sha512)) != 0)
		return 0;
	return 1;
}

/* Every HEAD of the round has ended: the reference, and who takes part. */
static void
heads_settle(struct download *d)
{
	struct dl_origin *g, *ref = NULL;
	unsigned k;

	for (k = 0; k < d->norg; k++)
		if (d->org[k].head.busy)
			return;
	for (k = 0; k < d->norg && ref == NULL; k++)
		if (d->org[k].head.code == 200 && d->org[k].head.bad[0] == '\0')
			ref = &d->org[k];
	if (ref == NULL) {
		heads_none(d);
		return;
	}
	d->ref = (unsigned)(ref - d->org);
	d->size = ref->size;
	memcpy(d->validator, ref->validator, sizeof(d->validator));
	d->validator_is_etag = ref->validator_is_etag;
	d->origin_dg = ref->dg;
	d->head_tries = 0;
	for (k = 0; k < d->norg; k++) {
		g = &d->org[k];
		g->in = g == ref ||
		    (g->head.code == 200 && g->head.bad[0] == '\0' &&
		        origin_agrees(g, ref));
		g->bench_n = 0;
		g->bench_until = 0;
		if (g->in || d->norg == 1)
			continue;
		if (g->head.code == 200 && g->head.bad[0] == '\0')
			log_warnx("%s: %s left out: %s than %s", d->name,
			    g->url,
			    g->size != ref->size ? "another size"
			                         : "another digest",
			    ref->url);
		else if (g->head.code != 0)
			log_warnx("%s: %s left out: HEAD answered %d%s%s",
			    d->name, g->url, g->head.code,
			    g->head.bad[0] ? ": " : "", g->head.bad);
		else
			log_warnx("%s: %s left out: %s", d->name, g->url,
			    g->head.why[0] ? g->head.why : "no answer");
	}
	d->state = DL_PREPARE; /* in the tick, outside hclient */
	download_kick(d);
}

/*
 * No origin answered 200: a 404 is the answer if one said so; another
 * status, or a 200 that was wrong, fails the download; no answer at all
 * is retried with back-off, a whole round at a time.
 */
static void
heads_none(struct download *d)
{
	struct dl_origin *g;
	struct timeval tv;
	uint64_t ms;
	unsigned k;

	for (k = 0; k < d->norg; k++)
		if (d->org[k].head.code == 404 || d->org[k].head.code == 410) {
			download_fail(d, 404, "not found at the origin");
			return;
		}
	for (k = 0; k < d->norg; k++) {
		g = &d->org[k];
		if (g->head.code == 200) {
			download_fail(d, 502, "%s", g->head.bad);
			return;
		}
		if (g->head.code != 0) {
			download_fail(d, 502, "origin answered HEAD with %d",
			    g->head.code);
			return;
		}
	}
	g = &d->org[0];
	if (d->norg == 1 &&
	    (g->head.err == HC_EPROTO || g->head.err == HC_ETLS)) {
		/* Not HTTP, or a certificate: retrying will not mend it. */
		download_fail(d, 502, "origin %s%s%s", g->o.hostport,
		    g->head.err == HC_EPROTO ? " answered HEAD badly: " : ": ",
		    g->head.why[0] ? g->head.why : "?");
		return;
	}
	if (++d->head_tries > download_conf.retries) {
		if (g->head.err == HC_ETIMEOUT)
			download_fail(
			    d, 504, "origin %s timed out", g->o.hostport);
		else if (d->norg == 1)
			download_fail(
			    d, 502, "origin %s unreachable", g->o.hostport);
		else
			download_fail(d, 502, "no origin reachable (%s: %s)",
			    g->o.hostport, g->head.why);
		return;
	}
	stats_add(download_conf.slot, STATS_retries, 1);
	ms = sched_backoff_ms(d->head_tries, (uint64_t)random());
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(d->head_timer, &tv);
}

unsigned
download_origins_in(const struct download *d)
{
	unsigned k, n = 0;

	for (k = 0; k < d->norg; k++)
		n += d->org[k].in != 0;
	return n;
}

/*
 * The origin for fetcher seat: the seat-th usable one (taking part and
 * not benched), wrapping; when all are benched, the one whose bench
 * ends first (the chunk's own back-off has passed by then).
 */
struct dl_origin *
origin_pick(struct download *d, unsigned seat)
{
	struct dl_origin *usable[DL_MAX_ORIGINS], *soonest = NULL;
	uint64_t now = now_ms();
	unsigned k, n = 0;

	for (k = 0; k < d->norg; k++) {
		if (!d->org[k].in)
			continue;
		if (d->org[k].bench_until <= now)
			usable[n++] = &d->org[k];
		else if (soonest == NULL ||
		    d->org[k].bench_until < soonest->bench_until)
			soonest = &d->org[k];
	}
	if (n > 0)
		return usable[seat % n];
	return soonest != NULL ? soonest : download_ref(d);
}

/* A chunk came whole from g. */
void
origin_good(struct dl_origin *g)
{
	g->chunks++;
	g->bench_n = 0;
	if (g->total != NULL)
		atomic_fetch_add_explicit(
		    &g->total->chunks, 1, memory_order_relaxed);
}

/* Body bytes from g. */
void
origin_bytes(struct dl_origin *g, uint64_t n)
{
	g->bytes += n;
	if (g->total != NULL)
		atomic_fetch_add_explicit(
		    &g->total->bytes, n, memory_order_relaxed);
}

/*
 * A chunk failed on g for why.  With other origins taking part: an
 * answer that says g has another file (or none, or no ranges) leaves it
 * out (1: ask the chunk elsewhere at once, no retry counted); any other
 * failure benches it (0: the chunk's retry goes on as usual, elsewhere).
 */
int
origin_failed(struct dl_origin *g, enum why why, const char *msg)
{
	uint64_t ms;

	g->failures++;
	if (g->total != NULL)
		atomic_fetch_add_explicit(
		    &g->total->failures, 1, memory_order_relaxed);
	if (download_origins_in(g->d) < 2 || why == WHY_DISK)
		return 0;
	if (why == WHY_CHANGED || why == WHY_GONE || why == WHY_NORANGE) {
		if (g == download_ref(g->d))
			return 0; /* the download's own file: as before */
		download_origin_out(g, msg);
		return 1;
	}
	if (g->bench_n < 16)
		g->bench_n++;
	ms = (uint64_t)BENCH_MIN_MS << (g->bench_n - 1);
	if (ms > BENCH_MAX_MS)
		ms = BENCH_MAX_MS;
	g->bench_until = now_ms() + ms;
	log_info("%s: %s benched for %llu ms: %s", g->d->name, g->url,
	    (unsigned long long)ms, msg);
	return 0;
}

void
download_origin_out(struct dl_origin *g, const char *why)
{
	if (!g->in)
		return;
	g->in = 0;
	log_warnx("%s: %s left out: %s", g->d->name, g->url, why);
}

/* "origins":[...] of one download, for /status. */
void
origins_status_json(struct download *d, struct buf *b)
{
	uint64_t now = now_ms();
	struct dl_origin *g;
	unsigned k;

	buf_printf(b, ",\"origins\":[");
	for (k = 0; k < d->norg; k++) {
		g = &d->org[k];
		/* A URL from -o or --fetch: host and port, no quotes. */
		buf_printf(b,
		    "%s{\"url\":\"%s\",\"in\":%s,\"reference\":%s,"
		    "\"bytes\":%llu,\"chunks\":%llu,\"failures\":%llu,"
		    "\"benched\":%s}",
		    k ? "," : "", g->url, g->in ? "true" : "false",
		    k == d->ref && d->state != DL_HEAD ? "true" : "false",
		    (unsigned long long)g->bytes, (unsigned long long)g->chunks,
		    (unsigned long long)g->failures,
		    g->bench_until > now ? "true" : "false");
	}
	buf_printf(b, "]");
}
