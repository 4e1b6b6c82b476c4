/*
 * The download engine of haulproxy: a file's life and its waiters.
 *
 *   download_request() -> HEAD (size, validator), over hclient
 *     -> stored copy complete and current?  answer "already downloaded"
 *     -> journal matches?  resume with its chunks, else start over
 *     -> chunks: sched_next() hands each idle fetcher the next missing
 *        one; fetch.c asks for it, checks the answer and writes it
 *     -> written chunks are made durable with fdatasync in batches, and
 *        only then recorded in the journal (download_sync)
 *     -> all in: fsync, rename to the final name, fsync the directory
 *
 * Every waiter of one file is answered once, when the download ends
 * (dlpriv.h says why the work happens in download_tick_cb).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/queue.h>
#include <sys/stat.h>
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

#include <event2/http.h>

#include "dlpriv.h"
#include "phash.h"
#include "syncer.h"
#include "log.h"
#include "stats.h"
#include "util.h"

#define SYNC_BYTES (64ull << 20) /* fdatasync after this much */
#define SYNC_MS 250              /* or after this long */
#define MAX_RESTARTS 3

static void download_tick_cb(evutil_socket_t, short, void *);
static void download_sync_cb(evutil_socket_t, short, void *);
static void download_free(struct download *);
static void download_teardown(struct download *);
static void download_answer(struct download *, const struct dl_result *);
static void download_end(struct download *, int, const char *);
static void download_restart(struct download *);
static void download_prepare(struct download *);
static int prepare_digest(struct download *, const struct journal *);
static int prepare_already(struct download *, struct journal *);
static int prepare_resume(struct download *, struct journal *);
static int prepare_fresh(struct download *, int);
static int prepare_journal(struct download *, int);
static void prepare_chunks(struct download *);
static void hash_start(struct download *);
static void hash_advance(struct download *);
static void sync_later(struct download *);
static void sync_start(struct download *);
static void download_synced(void *, int);
static int sync_record(struct download *, int);
static void part_verify(struct download *);
static void download_schedule(struct download *);
static void download_finish(struct download *);
#define DIGEST_MSG_LEN (8 + 2 * DIGEST_SHA512_LEN + 1) /* "sha-512 HEX" */
static int verify_against(struct download *, const struct digest_set *,
    const unsigned char *, const unsigned char *, char *, char *);
static int verify_mismatch(struct download *, const char *, const char *);
static char *side_path(const char *, const char *);
static int sync_dir(const char *);
static int make_parents(const char *);

struct dl_conf download_conf;

static TAILQ_HEAD(, download) downloads = TAILQ_HEAD_INITIALIZER(downloads);

char *
origin_target(const char *path, size_t pathlen, const char *query)
{
	const char *p, *amp;
	char *out, *o;

	out = xmalloc(pathlen + (query ? strlen(query) : 0) + 2);
	memcpy(out, path, pathlen);
	o = out + pathlen;
	for (p = query; p != NULL && *p != '\0'; p = *amp ? amp + 1 : amp) {
		amp = p + strcspn(p, "&");
		if (amp == p ||
		    (strncmp(p, "sha256", 6) == 0 &&
		        (p[6] == '=' || p + 6 == amp)))
			continue; /* empty, or haulproxy's own */
		*o = o == out + pathlen ? '?' : '&';
		o++;
		memcpy(o, p, (size_t)(amp - p));
		o += amp - p;
	}
	*o = '\0';
	return out;
}

int
origin_parse_url(
    const char *url, struct origin *o, char **path, char *err, size_t errlen)
{
	char *base, *slash;
	int r;

	if (!origin_is_url(url)) {
		snprintf(
		    err, errlen, "'%s' is not an http:// or https:// URL", url);
		return -1;
	}
	base = xstrdup(url);
	slash = strchr(strstr(base, "://") + 3, '/');
	*path = xstrdup(slash ? slash : "/");
	if (slash)
		*slash = '\0';
	if ((r = origin_parse(base, o, err, errlen)) == -1) {
		free(*path);
		*path = NULL;
	}
	free(base);
	return r;
}

int
origin_is_url(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 ||
	    strncasecmp(s, "https://", 8) == 0;
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
	if (scheme == NULL ||
	    (strcasecmp(scheme, "http") != 0 &&
	        strcasecmp(scheme, "https") != 0)) {
		snprintf(err, errlen,
		    "'%s': only http:// and https:// origins are "
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
	o->https = strcasecmp(scheme, "https") == 0;
	o->port = port == -1 ? (o->https ? 443 : 80) : port;
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
	download_conf = *c;
}

uint64_t
download_chunk_len(const struct download *d, uint32_t i)
{
	uint64_t off = (uint64_t)i * download_conf.chunk_size;

	return d->size - off < download_conf.chunk_size
	    ? d->size - off
	    : download_conf.chunk_size;
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
download_request(const struct origin *o, unsigned norg, const char *rpath,
    const char *final_path, const char *name, const unsigned char *want_sha256,
    dl_done_cb cb, void *arg)
{
	struct download *d;
	struct waiter *w;
	unsigned i;

	w = xcalloc(1, sizeof(*w));
	w->cb = cb;
	w->arg = arg;
	if (want_sha256 != NULL) {
		w->has_want = 1;
		memcpy(w->want, want_sha256, DIGEST_SHA256_LEN);
	}
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
	d->rpath = xstrdup(rpath);
	d->final = xstrdup(final_path);
	d->name = xstrdup(name);
	d->part = side_path(final_path, ".part");
	d->jpath = side_path(final_path, ".journal");
	d->part_fd = d->jfd = -1;
	d->gzip_ok = 1;
	d->t0_ms = now_ms();
	d->f = xcalloc(download_conf.parallel, sizeof(*d->f));
	for (i = 0; i < download_conf.parallel; i++)
		fetch_init(&d->f[i], d);
	origins_init(d, o, norg);
	d->tick = event_new(download_conf.base, -1, 0, download_tick_cb, d);
	d->sync_timer = evtimer_new(download_conf.base, download_sync_cb, d);
	TAILQ_INSERT_TAIL(&downloads, d, entry);
	origins_head(d);
}

void
download_kick(struct download *d)
{
	event_active(d->tick, 0, 0);
}

void
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
	uint32_t c;

	for (i = 0; i < download_conf.parallel; i++)
		fetch_close(&d->f[i]);
	origins_teardown(d);
	for (c = 0; d->chunks != NULL && c < d->j.nchunks; c++)
		if (d->chunks[c].state == CHUNK_INFLIGHT)
			d->chunks[c].state = CHUNK_MISSING;
}

/*
 * Answer every waiter with r; a waiter whose own sha256 the finished
 * file does not have gets a 502 of its own (SPEC "Integrity": the file
 * matched the origin's digest, so nothing is fetched again).
 */
static void
download_answer(struct download *d, const struct dl_result *r)
{
	char want[2 * DIGEST_SHA256_LEN + 1], msg[256];
	struct dl_result mine;
	struct waiter *w;

	while ((w = TAILQ_FIRST(&d->waiters)) != NULL) {
		TAILQ_REMOVE(&d->waiters, w, entry);
		if (r->status == 200 && w->has_want && d->have_actual &&
		    memcmp(w->want, d->actual, DIGEST_SHA256_LEN) != 0) {
			digest_hex_format(w->want, want);
			snprintf(msg, sizeof(msg),
			    "digest mismatch: asked for sha-256 %s, the file "
			    "has %s",
			    want, r->sha256);
			mine = *r;
			mine.status = 502;
			mine.message = msg;
			stats_add(download_conf.slot, STATS_digest_failed, 1);
			w->cb(&mine, w->arg);
		} else {
			w->cb(r, w->arg);
		}
		free(w);
	}
}

static void
download_free(struct download *d)
{
	unsigned i;

	download_teardown(d);
	TAILQ_REMOVE(&downloads, d, entry);
	for (i = 0; i < download_conf.parallel; i++)
		fetch_free(&d->f[i]);
	origins_free(d);
	event_free(d->tick);
	event_free(d->sync_timer);
	if (d->part_fd != -1)
		close(d->part_fd);
	if (d->jfd != -1)
		close(d->jfd);
	journal_free(&d->j);
	phash_free(d->ph);
	syncer_free(d->sy);
	free(d->chunks);
	free(d->f);
	free(d->rpath);
	free(d->final);
	free(d->name);
	free(d->part);
	free(d->jpath);
	free(d);
}

/* The download failed: keep what was written, answer, free. */
static void
download_end(struct download *d, int status, const char *msg)
{
	struct dl_result r;

	download_teardown(d);
	if (d->state == DL_RUN)
		download_sync(d); /* keep what we have */
	log_warnx("%s: %s", d->name, msg);
	memset(&r, 0, sizeof(r));
	r.status = status;
	r.message = msg;
	r.bytes = d->size;
	r.resumed_from = d->resumed_from;
	r.fetched = d->fetched;
	r.seconds = (double)(now_ms() - d->t0_ms) / 1000;
	download_answer(d, &r);
	download_free(d);
}

/* The origin's file changed: from HEAD again, a few times at most. */
static void
download_restart(struct download *d)
{
	d->restart = 0;
	download_teardown(d);
	if (++d->restarts > MAX_RESTARTS) {
		download_fail(d, 502,
		    "the origin's file keeps changing (%u restarts)",
		    d->restarts - 1);
		return;
	}
	log_info("%s: the origin's file changed: starting over", d->name);
	stats_add(download_conf.slot, STATS_downloads_restarted, 1);
	if (d->jfd != -1) {
		close(d->jfd);
		d->jfd = -1;
	}
	unlink(d->jpath);
	syncer_free(d->sy);
	d->sy = NULL;
	d->syncing = 0;
	d->state = DL_HEAD;
	origins_head(d);
}

static void
download_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct download *d = arg;

	if (d->fail_status != 0) {
		download_end(d, d->fail_status, d->fail_msg);
		return;
	}
	if (d->restart) {
		download_restart(d);
		return;
	}
	if (d->state == DL_PREPARE) {
		download_prepare(d);
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
		left = download_chunk_len(d, i);
		crc = 0;
		while (left > 0) {
			r = pread(d->part_fd, buf,
			    left < STAGE_SIZE ? (size_t)left : STAGE_SIZE,
			    (off_t)off);
			if (r == -1 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			crc = fetch_crc(crc, buf, (size_t)r);
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
		stats_add(download_conf.slot, STATS_retries, bad);
	free(buf);
}

/*
 * After HEAD: already complete?  resumable?  else a fresh part file.
 */
static void
download_prepare(struct download *d)
{
	struct journal old;
	char err[256];
	int have_old, match, fresh;

	memset(&old, 0, sizeof(old));
	have_old = journal_read(d->jpath, &old, err, sizeof(err)) == 0;
	if (!have_old && errno != ENOENT)
		log_warnx("%s: journal ignored: %s", d->name, err);
	match = have_old && old.size == d->size &&
	    strcmp(old.validator, d->validator) == 0 && d->validator[0] &&
	    prepare_digest(d, &old) == 0;
	if (match && prepare_already(d, &old))
		return; /* answered, d freed */
	if (make_parents(d->final) == -1) {
		journal_free(&old);
		download_fail(d, 500, "cannot create directories for %s: %s",
		    d->final, strerror(errno));
		return;
	}
	journal_free(&d->j);
	free(d->chunks);
	d->chunks = NULL;
	fresh = !match || !prepare_resume(d, &old);
	if (fresh) {
		journal_free(&old);
		if (prepare_fresh(d, have_old) == -1)
			return;
	}
	journal_set_digest(&d->j,
	    d->origin_dg.has_sha256 ? d->origin_dg.sha256 : NULL,
	    d->origin_dg.has_sha512 ? d->origin_dg.sha512 : NULL);
	if (prepare_journal(d, fresh) == -1)
		return;
	prepare_chunks(d);
}

/*
 * SPEC "Integrity": the journal keeps the origin's digest.  A HEAD that
 * brings another is another file (-1: start over, whatever the
 * validator says); one that brings none (an origin restarted and not
 * done hashing) gets the journal's, so the resumed file is still
 * verified.  0 when the journal may be used.
 */
static int
prepare_digest(struct download *d, const struct journal *old)
{
	struct digest_set *o = &d->origin_dg;

	if ((o->has_sha256 && old->has_sha256 &&
	        memcmp(o->sha256, old->sha256, sizeof(o->sha256)) != 0) ||
	    (o->has_sha512 && old->has_sha512 &&
	        memcmp(o->sha512, old->sha512, sizeof(o->sha512)) != 0)) {
		log_info("%s: the origin's digest differs from the journal's",
		    d->name);
		return -1;
	}
	if (!o->has_sha256 && !o->has_sha512 &&
	    (old->has_sha256 || old->has_sha512)) {
		o->has_sha256 = old->has_sha256;
		o->has_sha512 = old->has_sha512;
		memcpy(o->sha256, old->sha256, sizeof(o->sha256));
		memcpy(o->sha512, old->sha512, sizeof(o->sha512));
		log_info("%s: the origin sent no digest: the journal's is used",
		    d->name);
	}
	return 0;
}

/*
 * SPEC: complete and the origin's validator still matches: answer
 * "already downloaded" and free d (1), else 0.
 */
static int
prepare_already(struct download *d, struct journal *old)
{
	struct dl_result r;
	struct stat st;

	if (!(old->flags & JOURNAL_COMPLETE) || stat(d->final, &st) == -1 ||
	    !S_ISREG(st.st_mode) || (uint64_t)st.st_size != d->size)
		return 0;
	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.already = 1;
	r.message = "File already downloaded";
	snprintf(r.sha256, sizeof(r.sha256), "none"); /* not re-read */
	r.bytes = d->size;
	r.resumed_from = d->size;
	r.seconds = (double)(now_ms() - d->t0_ms) / 1000;
	journal_free(old);
	download_answer(d, &r);
	download_free(d);
	return 1;
}

/*
 * The journal old matches the origin: take it and its part file (1), if
 * the part file is there and of the right size; else 0.
 */
static int
prepare_resume(struct download *d, struct journal *old)
{
	struct stat st;
	uint32_t i;

	if ((old->flags & JOURNAL_COMPLETE) ||
	    old->chunk_size != download_conf.chunk_size ||
	    stat(d->part, &st) == -1 || (uint64_t)st.st_size != d->size)
		return 0;
	if (d->part_fd != -1)
		close(d->part_fd);
	if ((d->part_fd = open(d->part, O_RDWR | O_CLOEXEC)) == -1)
		return 0;
	d->j = *old;
	memset(old, 0, sizeof(*old));
	part_verify(d);
	d->resumed_from = 0;
	for (i = 0; i < d->j.nchunks; i++)
		if (journal_has(&d->j, i))
			d->resumed_from += download_chunk_len(d, i);
	stats_add(download_conf.slot, STATS_downloads_resumed, 1);
	log_info("%s: resuming: %llu of %llu bytes already here", d->name,
	    (unsigned long long)d->resumed_from, (unsigned long long)d->size);
	return 1;
}

/* A new, empty part file of the origin's size and a new journal. */
static int
prepare_fresh(struct download *d, int have_old)
{
	char err[256];

	if (have_old || access(d->part, F_OK) == 0)
		log_info("%s: stored part does not match the origin: starting "
		         "over",
		    d->name);
	if (d->part_fd != -1)
		close(d->part_fd);
	d->part_fd =
	    open(d->part, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (d->part_fd == -1 || ftruncate(d->part_fd, (off_t)d->size) == -1) {
		download_fail(
		    d, 500, "cannot create %s: %s", d->part, strerror(errno));
		return -1;
	}
	if (journal_init(&d->j, d->size, download_conf.chunk_size, d->validator,
	        err, sizeof(err)) == -1) {
		download_fail(d, 502, "%s", err);
		return -1;
	}
	d->resumed_from = 0;
	stats_add(download_conf.slot, STATS_downloads_started, 1);
	return 0;
}

/* Open the journal file; a new download's is truncated and written. */
static int
prepare_journal(struct download *d, int fresh)
{
	if (d->jfd != -1)
		close(d->jfd);
	/* A new download starts from an empty journal (journal.h). */
	d->jfd = open(d->jpath,
	    O_RDWR | O_CREAT | O_CLOEXEC | (fresh ? O_TRUNC : 0), 0644);
	if (d->jfd == -1) {
		download_fail(
		    d, 500, "cannot open %s: %s", d->jpath, strerror(errno));
		return -1;
	}
	if (fresh &&
	    (journal_write(d->jfd, &d->j) == -1 || sync_dir(d->final) == -1)) {
		download_fail(
		    d, 507, "cannot write %s: %s", d->jpath, strerror(errno));
		return -1;
	}
	return 0;
}

/* The chunk states from the journal's bitmap, and the run begins. */
static void
prepare_chunks(struct download *d)
{
	uint32_t i;

	d->chunks = xcalloc(d->j.nchunks + 1, sizeof(*d->chunks));
	for (i = 0; i < d->j.nchunks; i++)
		if (journal_has(&d->j, i))
			d->chunks[i].state = CHUNK_DURABLE;
	d->ndone = journal_count(&d->j);
	d->nwritten = 0;
	d->cursor = 0;
	d->done_bytes = d->resumed_from;
	d->unsynced_bytes = 0;
	gzauto_init(&d->gz, download_conf.parallel);
	hash_start(d);
	syncer_free(d->sy);
	d->sy = syncer_new(download_conf.base, d->part_fd, download_synced, d);
	d->syncing = 0;
	d->state = DL_RUN;
	download_kick(d);
}

/*
 * SPEC "Integrity": when there is a digest to check (the origin's, unless
 * --verify off, or a caller's), a thread hashes the part file's
 * contiguous prefix of written chunks as it grows (phash.c), so the check
 * at the end waits only for the last chunks.  Otherwise no CPU goes to
 * hashing: an origin without digests (nginx) costs nothing, and when the
 * HEAD before the rename brings one after all, download_verify reads
 * the file back instead.
 */
static void
hash_start(struct download *d)
{
	struct waiter *w;
	int want = download_conf.verify != VERIFY_OFF &&
	    (d->origin_dg.has_sha256 || d->origin_dg.has_sha512);

	TAILQ_FOREACH(w, &d->waiters, entry)
		want = want || w->has_want;
	phash_free(d->ph);
	d->ph = NULL;
	d->hash_next = 0;
	if (!want)
		return;
	d->ph = phash_new(d->part_fd,
	    d->origin_dg.has_sha512 && download_conf.verify != VERIFY_OFF);
	hash_advance(d);
}

/* Hand the thread the chunks written right after its prefix. */
static void
hash_advance(struct download *d)
{
	uint32_t c = d->hash_next;

	if (d->ph == NULL)
		return;
	while (c < d->j.nchunks && d->chunks[c].state >= CHUNK_WRITTEN)
		c++;
	if (c == d->hash_next)
		return;
	d->hash_next = c;
	phash_advance(d->ph,
	    c == d->j.nchunks ? d->size
	                      : (uint64_t)c * download_conf.chunk_size);
}

/* Give every idle fetcher the next chunk nobody has. */
static void
download_schedule(struct download *d)
{
	unsigned i;
	int64_t c;

	for (i = 0; i < download_conf.parallel; i++) {
		if (d->f[i].chunk >= 0)
			continue;
		c = sched_next(d->chunks, d->j.nchunks, &d->cursor);
		if (c == -1)
			return; /* nothing left to hand out */
		fetch_start(&d->f[i], (uint32_t)c);
	}
}

void
download_written(struct download *d, uint32_t c, uint32_t crc)
{
	uint64_t len = download_chunk_len(d, c);

	d->chunks[c].state = CHUNK_WRITTEN;
	d->chunks[c].crc = crc;
	d->nwritten++;
	if (c == d->hash_next)
		hash_advance(d);
	d->done_bytes += len;
	d->unsynced_bytes += len;
	/* The disk starts on it now; the batch's fdatasync waits less. */
	download_writeback(d, (uint64_t)c * d->j.chunk_size, len);
	sync_later(d);
}

void
download_writeback(struct download *d, uint64_t off, uint64_t len)
{
	if (d->sy != NULL)
		syncer_writeback(d->sy, off, len);
	else
		fd_writeback(d->part_fd, off, len);
}

/* Written chunks wait for a batch: SYNC_BYTES of them, or SYNC_MS. */
static void
sync_later(struct download *d)
{
	struct timeval tv = {SYNC_MS / 1000, (SYNC_MS % 1000) * 1000};

	if (d->unsynced_bytes >= SYNC_BYTES)
		sync_start(d);
	else if (d->unsynced_bytes > 0 && !evtimer_pending(d->sync_timer, NULL))
		evtimer_add(d->sync_timer, &tv);
}

static void
download_sync_cb(evutil_socket_t fd, short what, void *arg)
{
	sync_start(arg);
}

/*
 * A batch: the written chunks go to the syncer's fdatasync, and the loop
 * goes on (download_synced hears the end).  One batch at a time; without
 * a syncer, download_sync does it here.
 */
static void
sync_start(struct download *d)
{
	uint32_t i;

	evtimer_del(d->sync_timer);
	if (d->sy == NULL) {
		(void)download_sync(d);
		return;
	}
	if (d->syncing || d->unsynced_bytes == 0 || d->jfd == -1)
		return; /* download_synced looks again */
	for (i = 0; i < d->j.nchunks; i++)
		if (d->chunks[i].state == CHUNK_WRITTEN)
			d->chunks[i].state = CHUNK_SYNCING;
	d->unsynced_bytes = 0;
	d->syncing = 1;
	syncer_sync(d->sy);
}

/* The syncer's fdatasync ended (unless download_sync took it over). */
static void
download_synced(void *arg, int err)
{
	struct download *d = arg;

	if (!d->syncing)
		return;
	d->syncing = 0;
	if (err != 0) {
		download_fail(d, 507, "syncing %s: %s", d->part, strerror(err));
		return;
	}
	if (sync_record(d, 0) == 0)
		sync_later(d);
}

/*
 * Chunks the disk has now (those of the batch, and with all, those
 * written since) become durable: their bits and CRCs go to the journal.
 * The journal boundary: a durable chunk is a bit (and its CRC) there.
 */
static int
sync_record(struct download *d, int all)
{
	uint32_t i, n = 0;
	uint8_t st;

	for (i = 0; i < d->j.nchunks; i++) {
		st = d->chunks[i].state;
		if (st == CHUNK_SYNCING || (all && st == CHUNK_WRITTEN)) {
			journal_set_crc(&d->j, i, d->chunks[i].crc);
			d->chunks[i].state = CHUNK_DURABLE;
			n++;
		}
	}
	d->ndone += n;
	d->nwritten -= n;
	if (all)
		d->unsynced_bytes = 0;
	if (journal_write(d->jfd, &d->j) == -1) {
		download_fail(
		    d, 507, "writing %s: %s", d->jpath, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Make every written chunk durable now, waiting here (the end, a stop),
 * then say so in the journal: data first, so the journal never claims a
 * chunk the disk may not have.  A batch the syncer runs is waited for,
 * and its error is this call's.
 */
int
download_sync(struct download *d)
{
	int err;

	evtimer_del(d->sync_timer);
	if (d->syncing) {
		d->syncing = 0;
		if ((err = syncer_wait(d->sy)) != 0) {
			download_fail(
			    d, 507, "syncing %s: %s", d->part, strerror(err));
			return -1;
		}
	}
	if (d->nwritten == 0 || d->part_fd == -1 || d->jfd == -1)
		return 0;
	if (fdatasync(d->part_fd) == -1) {
		download_fail(
		    d, 507, "syncing %s: %s", d->part, strerror(errno));
		return -1;
	}
	return sync_record(d, 1);
}

/*
 * The finished part file's digests into d->actual (and sha512): from the
 * thread that hashed it as it grew, or, without one (or one that
 * failed, or lacks the SHA-512 asked for), read back once here.
 */
static int
hash_result(struct download *d, unsigned char *sha512)
{
	struct phash *ph;
	int r;

	r = d->ph != NULL ? phash_finish(d->ph, d->size, d->actual, sha512)
	                  : -1;
	phash_free(d->ph);
	d->ph = NULL;
	if (r == 0)
		return 0;
	/* The same thread, over the whole file, waited for here. */
	if ((ph = phash_new(d->part_fd, sha512 != NULL)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	r = phash_finish(ph, d->size, d->actual, sha512);
	phash_free(ph);
	return r;
}
/*
 * SPEC "Integrity", before the rename: the finished part file against
 * the origin's digest (unless --verify off), or the first caller's when
 * it is the only one.  0: verified or nothing to verify (hex in out);
 * 1: a mismatch, starting over (once); -1: failed (download_fail).
 */
static int
download_verify(struct download *d, char *out)
{
	unsigned char sha512[DIGEST_SHA512_LEN] = {0};
	char want[DIGEST_MSG_LEN], mine[DIGEST_MSG_LEN];
	char got[2 * DIGEST_SHA256_LEN + 1];
	const struct digest_set *o = &d->origin_dg;
	const unsigned char *caller = NULL;
	struct waiter *w;
	int origin, bad;

	snprintf(out, 65, "none");
	origin = download_conf.verify != VERIFY_OFF &&
	    (o->has_sha256 || o->has_sha512);
	/* SPEC: no digest yet (a file just published, its hash not done):
	 * ask once more before the rename. */
	if (download_conf.verify != VERIFY_OFF && !origin && !d->reheaded) {
		d->reheaded = 1;
		d->state = DL_REHEAD;
		origins_head(d);
		return 1;
	}
	TAILQ_FOREACH(w, &d->waiters, entry)
		if (w->has_want && caller == NULL)
			caller = w->want;
	if (!origin && caller == NULL) {
		if (download_conf.verify != VERIFY_REQUIRE)
			return 0;
		download_fail(d, 502,
		    "no digest known (--verify require): the origin sent no "
		    "Repr-Digest");
		return -1;
	}
	if (hash_result(d, origin && o->has_sha512 ? sha512 : NULL) == -1) {
		download_fail(d, 500, "reading %s back to verify it: %s",
		    d->part, strerror(errno));
		return -1;
	}
	d->have_actual = 1;
	digest_hex_format(d->actual, got);
	bad = verify_against(d, origin ? o : NULL, caller, sha512, want, mine);
	if (!bad) {
		stats_add(download_conf.slot, STATS_digest_verified, 1);
		snprintf(out, 65, "%s", got);
		return 0;
	}
	return verify_mismatch(d, want, mine);
}

/*
 * Whether the finished file (d->actual, and sha512 when the origin gave
 * one) differs from the origin's digest o, or else from caller's: the
 * expected digest into want ("sha-256 HEX"; sha-512 when the origin gave
 * only that) and the file's of the same algorithm into mine ("HEX").
 */
static int
verify_against(struct download *d, const struct digest_set *o,
    const unsigned char *caller, const unsigned char *sha512, char *want,
    char *mine)
{
	const unsigned char *expect = o != NULL ? o->sha256 : caller;

	if (o != NULL && !o->has_sha256) {
		memcpy(want, "sha-512 ", 8);
		digest_hex(o->sha512, DIGEST_SHA512_LEN, want + 8);
		digest_hex(sha512, DIGEST_SHA512_LEN, mine);
	} else {
		memcpy(want, "sha-256 ", 8);
		digest_hex(expect, DIGEST_SHA256_LEN, want + 8);
		digest_hex(d->actual, DIGEST_SHA256_LEN, mine);
	}
	if (o == NULL)
		return memcmp(caller, d->actual, DIGEST_SHA256_LEN) != 0;
	return (o->has_sha256 &&
	           memcmp(o->sha256, d->actual, DIGEST_SHA256_LEN) != 0) ||
	    (o->has_sha512 &&
	        memcmp(o->sha512, sha512, DIGEST_SHA512_LEN) != 0);
}

/*
 * A mismatch: the bytes are never published.  The first time the
 * download starts over from HEAD with a fresh part file (1); the second
 * fails it (-1).
 */
static int
verify_mismatch(struct download *d, const char *want, const char *got)
{
	stats_add(download_conf.slot, STATS_digest_failed, 1);
	unlink(d->jpath);
	if (d->digest_restarts++ == 0) {
		log_warnx("%s: digest mismatch: expected %s, got %s: "
		          "starting over",
		    d->name, want, got);
		if (d->jfd != -1) {
			close(d->jfd);
			d->jfd = -1;
		}
		d->state = DL_HEAD;
		origins_head(d);
		return 1;
	}
	unlink(d->part);
	download_fail(
	    d, 502, "digest mismatch: expected %s, got %s", want, got);
	return -1;
}

/*
 * Verify, fsync, rename into place, fsync the directory: all or
 * nothing.
 */
static void
download_finish(struct download *d)
{
	struct dl_result r;
	char hex[65];

	if (download_verify(d, hex) != 0)
		return;
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
	stats_add(download_conf.slot, STATS_downloads_completed, 1);
	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.message = "Download complete";
	snprintf(r.sha256, sizeof(r.sha256), "%s", hex);
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
		    "\"rate\":%.0f",
		    d->state == DL_HEAD || d->state == DL_PREPARE ? "head"
		                                                  : "fetching",
		    (unsigned long long)d->done_bytes,
		    (unsigned long long)d->size,
		    (unsigned long long)d->resumed_from,
		    (unsigned long long)d->fetched,
		    secs > 0 ? (double)(d->done_bytes - d->resumed_from) / secs
		             : 0.0);
		origins_status_json(d, b);
		buf_printf(b, "}");
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
