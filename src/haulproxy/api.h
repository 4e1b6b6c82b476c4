/*
 * haulproxy's own HTTP API, served with libevent's evhttp (its requests
 * are small; the bulk bytes go through download.c's client):
 *
 *   GET /download/NAME   fetch ORIGIN/download/NAME into DIR/NAME, answer
 *                        when complete (shared by concurrent askers)
 *   GET /status          JSON of downloads in progress
 *   GET /metrics         stats, Prometheus text format
 *   GET /healthz         "ok"
 *   POST /upload/NAME    push DIR/NAME to ORIGIN/uploads/ (tus 1.0), answer
 *                        when done (shared by concurrent askers)
 *
 * With --auth-tokens or --url-key every route but /healthz needs a
 * bearer token or a signed URL (401 without, 403 when refused), unless
 * --tls-client-ca already verified the client.
 */
#ifndef HAUL_API_H
#define HAUL_API_H

#include "download.h"
#include "stats.h"

struct event_base;
struct tls_cfg;
struct auth_set;

struct api_conf {
	struct event_base *base;
	const struct origin *origin; /* norigins of them, -o order */
	unsigned norigins;
	const char *dir; /* --dir, absolute */
	int access_fd;   /* -1: no access log */
	int timeout_s;   /* --timeout, also for API clients */
	struct stats_region *stats;
	struct stats_slot *slot;
	struct tls_cfg *tls; /* NULL: plain HTTP; --tls-cert's */
	int mtls;            /* --tls-client-ca: a client is verified */
	struct auth_set *tokens, *keys; /* NULL: not asked for */
	/* POST /upload/NAME pushes to origin/uploads/ with these. */
	const char *origin_auth;    /* --origin-token's header, or NULL */
	struct tls_cfg *origin_tls; /* for an https origin */
	unsigned retries;           /* -r */
};

/* Serve on the nfds listening sockets fds; dies if it cannot. */
void api_start(const struct api_conf *, const int *fds, int nfds);
/* SIGHUP's re-read TLS files, for connections accepted from now on. */
void api_set_tls(struct tls_cfg *);
/* SIGHUP's re-read tokens and keys (NULL: not asked for). */
void api_set_auth(struct auth_set *tokens, struct auth_set *keys);
/* A stop: accept no new connection; requests in flight still finish. */
void api_stop_accepting(void);

#endif
