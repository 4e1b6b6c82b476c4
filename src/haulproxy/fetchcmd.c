/*
 * haulproxy --fetch: turn a name or URL into an origin, a request path
 * and an output file, run the download to its end on the event loop, and
 * report: a progress bar and a summary on a terminal, one line on failure,
 * a resume hint when interrupted.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/event.h>

#include "fetchcmd.h"
#include "log.h"
#include "path.h"
#include "proc.h"
#include "util.h"

static int fetchcmd_url(struct fetchcmd *, char *, char **);
static int fetchcmd_name(struct fetchcmd *, char *, char **);
static char *fetchcmd_encode(const char *);
static void fetchcmd_human(double, char *, size_t);
static void fetchcmd_progress_cb(evutil_socket_t, short, void *);
static void fetchcmd_done_cb(const struct dl_result *, void *);
static void fetchcmd_stop(int);

static struct {
	struct event_base *base;
	const char *out; /* the file being written */
	int status;
	int interrupted;
	int tty;
} fc;

/* SIGINT or SIGTERM: stop, keeping what is durable for a resume. */
static const struct proc_signal fetchcmd_signals[] = {
    {SIGINT, "SIGINT", fetchcmd_stop},
    {SIGTERM, "SIGTERM", fetchcmd_stop},
};

int
fetchcmd_run(struct fetchcmd *f)
{
	char rel[PATH_MAX_LEN], *rpath, *out;
	struct timeval tv = {0, 250000};
	struct event *progress;

	if (origin_is_url(f->what)) {
		if (fetchcmd_url(f, rel, &rpath) == -1)
			return 2;
	} else if (fetchcmd_name(f, rel, &rpath) == -1)
		return 2;
	if (f->out != NULL) {
		out = proc_absolute(f->out);
	} else {
		out = xmalloc(strlen(f->dir) + strlen(rel) + 2);
		sprintf(out, "%s/%s", f->dir, rel);
	}
	fc.base = f->base;
	fc.out = out;
	fc.status = 1;
	fc.tty = isatty(STDERR_FILENO);
	if (fc.tty) {
		progress = event_new(
		    fc.base, -1, EV_PERSIST, fetchcmd_progress_cb, NULL);
		event_add(progress, &tv);
	}
	proc_set_signals(fc.base, fetchcmd_signals,
	    sizeof(fetchcmd_signals) / sizeof(fetchcmd_signals[0]));
	if (origin_is_url(f->what))
		download_request(&f->origin, 1, rpath, out, rel, f->sha256,
		    fetchcmd_done_cb, NULL);
	else
		download_request(f->origins, f->norigins, rpath, out, rel,
		    f->sha256, fetchcmd_done_cb, NULL);
	event_base_dispatch(fc.base);
	free(rpath);
	return fc.status;
}

/*
 * "http[s]://host:port/path": its origin, path and (decoded) last
 * segment.
 */
static int
fetchcmd_url(struct fetchcmd *f, char *rel, char **rpath)
{
	char err[256], *path, *target, *q;
	const char *name;
	int rc = 0;

	if (origin_parse_url(f->what, &f->origin, rpath, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "haulproxy: --fetch: %s\n", err);
		return -1;
	}
	/* The query goes to the origin unchanged, less our sha256. */
	path = xstrdup(*rpath);
	if ((q = strchr(path, '?')) != NULL) {
		target = origin_target(path, (size_t)(q - path), q + 1);
		free(*rpath);
		*rpath = target;
		*q = '\0';
	}
	name = strrchr(path, '/') + 1;
	if (path_decode(name, rel, PATH_MAX_LEN, err, sizeof(err)) == -1) {
		fprintf(stderr,
		    "haulproxy: --fetch: no file name in '%s': %s\n", f->what,
		    err);
		rc = -1;
	}
	free(path);
	return rc;
}

/* NAME: /download/NAME of --origin, encoded for the request line. */
static int
fetchcmd_name(struct fetchcmd *f, char *rel, char **rpath)
{
	char err[256], *enc;

	if (path_decode(f->what, rel, PATH_MAX_LEN, err, sizeof(err)) == -1) {
		fprintf(stderr, "haulproxy: --fetch: bad name '%s': %s\n",
		    f->what, err);
		return -1;
	}
	enc = fetchcmd_encode(rel);
	*rpath = xmalloc(strlen(enc) + 11);
	sprintf(*rpath, "/download/%s", enc);
	free(enc);
	return 0;
}

/* Percent-encode a decoded name for a request path ('/' kept). */
static char *
fetchcmd_encode(const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = xmalloc(strlen(name) * 3 + 1), *o = out;
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p) != NULL) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

static void
fetchcmd_human(double v, char *buf, size_t len)
{
	const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, unit[u]);
}

static void
fetchcmd_progress_cb(evutil_socket_t fd, short what, void *arg)
{
	uint64_t done, total;
	double rate, eta;
	char a[32], b[32], c[32];

	if (download_progress(fc.out, &done, &total, &rate) == -1)
		return;
	fetchcmd_human((double)done, a, sizeof(a));
	fetchcmd_human((double)total, b, sizeof(b));
	fetchcmd_human(rate, c, sizeof(c));
	eta = rate > 0 ? (double)(total - done) / rate : 0;
	fprintf(stderr, "\r%3.0f%%  %s / %s  %s/s  ETA %d:%02d   ",
	    total ? 100.0 * (double)done / (double)total : 100.0, a, b, c,
	    (int)eta / 60, (int)eta % 60);
}

static void
fetchcmd_done_cb(const struct dl_result *r, void *arg)
{
	char a[32], c[32];

	if (fc.tty)
		fputc('\n', stderr);
	if (r->status == 200) {
		fc.status = 0;
		printf("sha-256: %s\n", r->sha256[0] ? r->sha256 : "none");
		if (fc.tty && r->already) {
			fprintf(stderr, "%s: %s\n", fc.out, r->message);
		} else if (fc.tty) {
			fetchcmd_human((double)r->bytes, a, sizeof(a));
			fetchcmd_human(r->seconds > 0
			        ? (double)(r->bytes - r->resumed_from) /
			            r->seconds
			        : 0,
			    c, sizeof(c));
			fprintf(stderr, "%s: %s (%s, %s/s)\n", fc.out,
			    r->message, a, c);
		}
	} else if (!fc.interrupted) {
		fc.status = 1;
		fprintf(stderr, "haulproxy: %s: %s (%d)\n", fc.out, r->message,
		    r->status);
	}
	event_base_loopexit(fc.base, NULL);
}

static void
fetchcmd_stop(int sig)
{
	fprintf(stderr, "%shaulproxy: interrupted; run again to resume\n",
	    fc.tty ? "\n" : "");
	fc.interrupted = 1;
	download_shutdown();
	fc.status = 130;
	event_base_loopexit(fc.base, NULL);
}
