/*
 * haulproxy's download engine: HEAD for size and validator, then Range
 * chunks over --parallel kept-alive hclient connections, inflated and
 * checked as they stream, written with pwrite at their offsets, made
 * durable in batches and recorded in the journal; finally synced and
 * renamed into place.  Several callers waiting on one file share one
 * download.
 */
#ifndef HAUL_DOWNLOAD_H
#define HAUL_DOWNLOAD_H

#include <stdint.h>

#include "util.h"

struct event_base;
struct stats_slot;
struct stats_region;

enum gzip_policy { GZIP_AUTO, GZIP_ALWAYS, GZIP_NEVER };

struct tls_cfg;

struct origin {
	char *host;
	int port;
	char *hostport; /* for the Host header */
	int https;
};

/* -o may be given this many times (SPEC "Several origins"). */
#define DL_MAX_ORIGINS 8

/* --verify: what the origin's Repr-Digest is used for. */
enum verify_policy { VERIFY_AUTO, VERIFY_REQUIRE, VERIFY_OFF };

struct dl_conf {
	struct event_base *base;
	uint64_t chunk_size;
	unsigned parallel;
	unsigned retries;
	int timeout_s;
	enum gzip_policy gzip;
	struct stats_slot *slot;
	struct stats_region *stats; /* its origins table: per-origin counters */
	struct tls_cfg *tls;        /* for https:// origins */
	/* "Authorization: Bearer T\r\n" (--origin-token), or "". */
	const char *origin_auth;
	enum verify_policy verify;
};

struct dl_result {
	int status;            /* 200, or the HTTP status to answer with */
	const char *message;   /* one line, no newline */
	int already;           /* the stored copy was complete and current */
	uint64_t bytes;        /* file size */
	uint64_t resumed_from; /* bytes already on disk at the start */
	uint64_t fetched;      /* body bytes received from the origin */
	double seconds;
	char sha256[65]; /* the verified SHA-256 in hex, or "none" */
};

typedef void (*dl_done_cb)(const struct dl_result *, void *arg);

/* Parse "http[s]://host[:port][/]" into o; 0, or -1 with err. */
/*
 * The request target for the origin: path (pathlen bytes, encoded) and,
 * when query (after '?', may be NULL) has parameters other than
 * haulproxy's own sha256, "?" and those, unchanged.  Allocated.
 */
char *origin_target(const char *path, size_t pathlen, const char *query);
/*
 * "http[s]://host[:port][/path]": its origin into o and its path (from
 * the first '/', query included; "/" when none) into *path, allocated.
 * 0, or -1 with err.
 */
int origin_parse_url(
    const char *url, struct origin *o, char **path, char *err, size_t errlen);
/* Whether s starts with http:// or https://. */
int origin_is_url(const char *s);
int origin_parse(const char *url, struct origin *o, char *err, size_t errlen);

void download_init(const struct dl_conf *);

/*
 * Fetch rpath (an encoded request path) from the n origins (mirrors of
 * one another, SPEC "Several origins") into final_path, or join the
 * download already doing so; name is what logs and /status call it.
 * want_sha256 (NULL: none) is the caller's own digest, which the file
 * must have (SPEC "Integrity").  cb(arg) runs exactly once, from the
 * event loop.
 */
void download_request(const struct origin *, unsigned n, const char *rpath,
    const char *final_path, const char *name, const unsigned char *want_sha256,
    dl_done_cb cb, void *arg);

/* JSON array of downloads in progress: name, done, total, rate, origins. */
void download_status_json(struct buf *);

/* Progress of the download of final_path; 0, or -1 when unknown. */
int download_progress(
    const char *final_path, uint64_t *done, uint64_t *total, double *rate);

/*
 * Stop everything: cancel in-flight chunks, make what was written durable
 * and journal it (so every download resumes later), answer waiters with
 * 503.
 */
void download_shutdown(void);

#endif
