/*
 * haulproxy's evhttp routes: /download/ (handed to download.c, answered
 * when the file is complete), /status, /metrics and /healthz, each answer
 * counted in the stats slot and written to the access log.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/queue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <openssl/ssl.h>

#include "accesslog.h"
#include "api.h"
#include "auth.h"
#include "digest.h"
#include "log.h"
#include "path.h"
#include "pushcmd.h"
#include "tls.h"
#include "util.h"

#define API_MAX_LISTEN 4

static struct bufferevent *api_accept_cb(struct event_base *, void *);
static void api_serve_cb(struct evhttp_request *, void *);
static void api_answer_cb(const struct dl_result *, void *);
static int api_method_ok(struct evhttp_request *, const char *);
static int api_authorized(struct evhttp_request *, const char *);
static void api_report(struct evhttp_request *, const char *);
static void api_download(struct evhttp_request *, const char *);
static void api_upload(struct evhttp_request *, const char *);
static int api_want_sha256(const char *, unsigned char *);
static void api_reply(struct evhttp_request *, int, const char *, const char *);
static void api_access_log(struct evhttp_request *, int, size_t);

static struct {
	struct api_conf conf;
	struct evhttp *http;
	struct evhttp_bound_socket *bound[API_MAX_LISTEN];
	int nbound;
} api;

void
api_start(const struct api_conf *conf, const int *fds, int nfds)
{
	int i;

	api.conf = *conf;
	if ((api.http = evhttp_new(conf->base)) == NULL)
		fatalx("evhttp_new failed");
	evhttp_set_allowed_methods(api.http,
	    EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
	        EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
	        EVHTTP_REQ_PATCH);
	evhttp_set_timeout(api.http, conf->timeout_s);
	evhttp_set_max_headers_size(api.http, 16384);
	evhttp_set_gencb(api.http, api_serve_cb, NULL);
	evhttp_set_bevcb(api.http, api_accept_cb, NULL);
	for (i = 0; i < nfds && i < API_MAX_LISTEN; i++)
		if ((api.bound[api.nbound++] = evhttp_accept_socket_with_handle(
		         api.http, fds[i])) == NULL)
			fatalx("cannot accept on socket %d", fds[i]);
}

void
api_stop_accepting(void)
{
	int i;

	for (i = 0; i < api.nbound; i++)
		evhttp_del_accept_socket(api.http, api.bound[i]);
	api.nbound = 0;
}

void
api_set_auth(struct auth_set *tokens, struct auth_set *keys)
{
	api.conf.tokens = tokens;
	api.conf.keys = keys;
}

/*
 * SPEC "Authorization", as hauld's serve_authorized: 1 when the request
 * may go on, else it is answered 401 (with the Bearer challenge) or 403.
 */
static int
api_authorized(struct evhttp_request *req, const char *uri)
{
	enum auth_result bearer = AUTH_NONE, sig = AUTH_NONE;
	const char *q = strchr(uri, '?');

	if ((api.conf.tokens == NULL && api.conf.keys == NULL) || api.conf.mtls)
		return 1;
	if (api.conf.tokens != NULL)
		bearer = auth_bearer(api.conf.tokens,
		    evhttp_find_header(evhttp_request_get_input_headers(req),
		        "Authorization"));
	if (api.conf.keys != NULL)
		sig = auth_signed(api.conf.keys, uri,
		    q ? (size_t)(q - uri) : strlen(uri), q ? q + 1 : NULL,
		    time(NULL));
	if (bearer == AUTH_OK || sig == AUTH_OK)
		return 1;
	stats_add(api.conf.slot, STATS_auth_refused, 1);
	if (bearer == AUTH_BAD || sig == AUTH_BAD) {
		api_reply(
		    req, 403, "text/plain", "forbidden: credentials refused\n");
		return 0;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "WWW-Authenticate", "Bearer realm=\"haul\"");
	api_reply(req, 401, "text/plain", "credentials required\n");
	return 0;
}

void
api_set_tls(struct tls_cfg *t)
{
	api.conf.tls = t;
}

/*
 * evhttp makes a bufferevent per new connection: count it there.  With
 * --tls-cert it is libevent's OpenSSL one, accepting; a failed handshake
 * ends the connection there (a plain-HTTP request first gets tls.c's
 * unencrypted 400).  A client that closes without close_notify after
 * its answer is no error.
 */
static struct bufferevent *
api_accept_cb(struct event_base *base, void *arg)
{
	struct bufferevent *bev;
	SSL *ssl;

	stats_add(api.conf.slot, STATS_conn_accepted, 1);
	if (api.conf.tls == NULL)
		return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if ((ssl = SSL_new(tls_cfg_ssl_ctx(api.conf.tls))) == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(
	    base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

static void
api_serve_cb(struct evhttp_request *req, void *arg)
{
	const char *uri = evhttp_request_get_uri(req);

	stats_add(api.conf.slot, STATS_requests, 1);
	if (strcmp(uri, "/healthz") != 0 && !api_authorized(req, uri))
		return;
	if (!api_method_ok(req, uri))
		return;
	if (strcmp(uri, "/healthz") == 0)
		api_reply(req, 200, "text/plain", "ok\n");
	else if (strcmp(uri, "/metrics") == 0 || strcmp(uri, "/status") == 0)
		api_report(req, uri);
	else if (strncmp(uri, "/download/", 10) == 0)
		api_download(req, uri + 10);
	else if (strncmp(uri, "/upload/", 8) == 0)
		api_upload(req, uri + 8);
	else
		api_reply(req, 404, "text/plain", "not found\n");
}

/* GET everywhere, HEAD but for a download; else answer 405 and say no. */
static int
api_method_ok(struct evhttp_request *req, const char *uri)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	int download = strncmp(uri, "/download/", 10) == 0;
	int upload = strncmp(uri, "/upload/", 8) == 0;

	/* HEAD of a download would start it: only GET does. */
	if (upload ? cmd == EVHTTP_REQ_POST
	           : cmd == EVHTTP_REQ_GET ||
	            (cmd == EVHTTP_REQ_HEAD && !download))
		return 1;
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
	    upload         ? "POST"
	        : download ? "GET"
	                   : "GET, HEAD");
	api_reply(req, 405, "text/plain", "method not allowed\n");
	return 0;
}

/* /metrics or /status. */
static void
api_report(struct evhttp_request *req, const char *uri)
{
	int metrics = strcmp(uri, "/metrics") == 0;
	struct buf b;

	buf_init(&b);
	if (metrics) {
		stats_format_metrics(api.conf.stats, &b);
	} else {
		download_status_json(&b);
		buf_add(&b, "\n", 1);
	}
	if (b.failed)
		api_reply(req, 500, "text/plain", "out of memory\n");
	else
		api_reply(req, 200,
		    metrics ? "text/plain; version=0.0.4" : "application/json",
		    b.data);
	buf_free(&b);
}

/* /download/NAME: name is the request target after "/download/". */
/* A push of DIR/NAME in progress, and the requests waiting for it. */
struct api_push {
	TAILQ_ENTRY(api_push) entry;
	char *rel; /* NAME, decoded */
	struct pushcmd conf;
	char *file, *endpoint;
	struct evhttp_request *waiters[64];
	unsigned nwaiters;
};
static TAILQ_HEAD(, api_push) api_pushes = TAILQ_HEAD_INITIALIZER(api_pushes);

static void
api_push_free(struct api_push *p)
{
	TAILQ_REMOVE(&api_pushes, p, entry);
	free(p->rel);
	free(p->file);
	free(p->endpoint);
	free(p);
}

static void
api_push_done(const struct push_result *r, void *arg)
{
	struct api_push *p = arg;
	char body[1600];
	unsigned i;

	if (r->status == 0)
		snprintf(body, sizeof(body),
		    "Upload complete\nbytes: %llu\nresumed-from: %llu\n"
		    "location: %s\n",
		    (unsigned long long)r->bytes,
		    (unsigned long long)r->resumed_from, r->location);
	else
		snprintf(body, sizeof(body), "%s\n", r->msg);
	for (i = 0; i < p->nwaiters; i++)
		api_reply(p->waiters[i], r->status == 0 ? 200 : 502,
		    "text/plain", body);
	api_push_free(p);
}

/*
 * POST /upload/NAME: DIR/NAME pushed to the origin's /uploads/ as NAME
 * (pushcmd.c, resumable: a later request continues an interrupted
 * push); the answer comes when it is done.  Requests for a NAME being
 * pushed wait for the same push.
 */
static void
api_upload(struct evhttp_request *req, const char *name)
{
	const struct origin *o = api.conf.origin;
	char rel[PATH_MAX_LEN], err[600], msg[700];
	struct api_push *p;
	size_t n;

	n = strcspn(name, "?");
	snprintf(msg, sizeof(msg), "%.*s", (int)(n < 600 ? n : 600), name);
	if (path_decode(msg, rel, sizeof(rel), err, sizeof(err)) == -1) {
		snprintf(msg, sizeof(msg), "bad name: %s\n", err);
		api_reply(req, 400, "text/plain", msg);
		return;
	}
	TAILQ_FOREACH(p, &api_pushes, entry) {
		if (strcmp(p->rel, rel) != 0)
			continue;
		if (p->nwaiters == sizeof(p->waiters) / sizeof(p->waiters[0])) {
			api_reply(req, 503, "text/plain", "too many waiters\n");
			return;
		}
		p->waiters[p->nwaiters++] = req;
		return;
	}
	p = xcalloc(1, sizeof(*p));
	p->rel = xstrdup(rel);
	p->file = xmalloc(strlen(api.conf.dir) + strlen(rel) + 2);
	sprintf(p->file, "%s/%s", api.conf.dir, rel);
	p->endpoint = xmalloc(strlen(o->hostport) + 32);
	sprintf(p->endpoint, "%s://%s/uploads/", o->https ? "https" : "http",
	    o->hostport);
	p->conf = (struct pushcmd){.base = api.conf.base,
	    .file = p->file,
	    .name = p->rel,
	    .endpoint = p->endpoint,
	    .dir = api.conf.dir,
	    .auth = api.conf.origin_auth,
	    .tls = api.conf.origin_tls,
	    .retries = api.conf.retries,
	    .timeout_s = api.conf.timeout_s};
	p->waiters[p->nwaiters++] = req;
	TAILQ_INSERT_TAIL(&api_pushes, p, entry);
	if (push_start(&p->conf, api_push_done, p, err, sizeof(err)) == NULL) {
		snprintf(msg, sizeof(msg), "%s\n", err);
		api_reply(req, access(p->file, F_OK) == -1 ? 404 : 400,
		    "text/plain", msg);
		api_push_free(p);
	}
}

/*
 * ?sha256=HEX in query (NULL: none): 1 with the digest, 0 when absent,
 * -1 when malformed or given twice (SPEC "Integrity": a 400).
 */
static int
api_want_sha256(const char *q, unsigned char *sha)
{
	char hex[2 * DIGEST_SHA256_LEN + 1];
	const char *v;
	size_t len;
	int r;

	if (q == NULL ||
	    (r = query_param(q, strlen(q), "sha256", &v, &len)) == 0)
		return 0;
	if (r == -1 || len != 2 * DIGEST_SHA256_LEN)
		return -1;
	memcpy(hex, v, len);
	hex[len] = '\0';
	return digest_hex_parse(hex, sha) == -1 ? -1 : 1;
}
static void
api_download(struct evhttp_request *req, const char *name)
{
	char rel[PATH_MAX_LEN], err[160], msg[256], *rpath, *final, *path;
	unsigned char want[DIGEST_SHA256_LEN], *wantp = NULL;
	const char *q;
	size_t rawlen;

	/* Same rules as hauld: nothing may leave --dir. */
	if (path_decode(name, rel, sizeof(rel), err, sizeof(err)) == -1) {
		snprintf(msg, sizeof(msg), "bad name: %s\n", err);
		api_reply(req, 400, "text/plain", msg);
		return;
	}
	/*
	 * The origin is asked for the name as it came, with the query
	 * (a signed URL's, say) less haulproxy's own sha256 parameter; the
	 * query is not part of the download's identity, the name is.
	 */
	q = strchr(name, '?');
	rawlen = q ? (size_t)(q - name) : strlen(name);
	switch (api_want_sha256(q ? q + 1 : NULL, want)) {
	case -1:
		api_reply(req, 400, "text/plain",
		    "bad sha256: 64 hex digits, once\n");
		return;
	case 1:
		wantp = want;
		break;
	}
	path = xmalloc(rawlen + 11);
	snprintf(path, rawlen + 11, "/download/%.*s", (int)rawlen, name);
	rpath = origin_target(path, strlen(path), q ? q + 1 : NULL);
	free(path);
	final = xmalloc(strlen(api.conf.dir) + strlen(rel) + 2);
	sprintf(final, "%s/%s", api.conf.dir, rel);
	download_request(api.conf.origin, api.conf.norigins, rpath, final, rel,
	    wantp, api_answer_cb, req);
	free(rpath);
	free(final);
}

static void
api_answer_cb(const struct dl_result *r, void *arg)
{
	struct evhttp_request *req = arg;
	char body[512];

	if (r->status != 200) {
		snprintf(body, sizeof(body), "%s\n", r->message);
		api_reply(req, r->status, "text/plain", body);
		return;
	}
	snprintf(body, sizeof(body),
	    "%s\nbytes: %llu\nresumed-from: %llu\n"
	    "fetched: %llu\nseconds: %.3f\nsha-256: %s\n",
	    r->message, (unsigned long long)r->bytes,
	    (unsigned long long)r->resumed_from, (unsigned long long)r->fetched,
	    r->seconds, r->sha256[0] ? r->sha256 : "none");
	api_reply(req, 200, "text/plain", body);
}

static void
api_reply(
    struct evhttp_request *req, int status, const char *type, const char *body)
{
	struct evbuffer *out = evbuffer_new();
	size_t len = strlen(body);

	evhttp_add_header(
	    evhttp_request_get_output_headers(req), "Content-Type", type);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Server",
	    "haulproxy/" PACKAGE_VERSION);
	if (out != NULL)
		evbuffer_add(out, body, len);
	switch (status / 100) {
	case 2:
		stats_add(api.conf.slot, STATS_resp_2xx, 1);
		break;
	case 3:
		stats_add(api.conf.slot, STATS_resp_3xx, 1);
		break;
	case 4:
		stats_add(api.conf.slot, STATS_resp_4xx, 1);
		break;
	default:
		stats_add(api.conf.slot, STATS_resp_5xx, 1);
		break;
	}
	stats_add(api.conf.slot, STATS_bytes_out, len);
	api_access_log(req, status, len);
	evhttp_send_reply(req, status, NULL, out);
	if (out != NULL)
		evbuffer_free(out);
}

static void
api_access_log(struct evhttp_request *req, int status, size_t len)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	char host[64], request[256], ua[101], target[256];
	struct accesslog_entry e;
	const char *agent;
	char *addr = NULL;
	ev_uint16_t port;

	if (api.conf.access_fd == -1)
		return;
	memset(&e, 0, sizeof(e));
	e.peer = "-";
	if (conn != NULL) {
		evhttp_connection_get_peer(conn, &addr, &port);
		if (addr != NULL) {
			snprintf(host, sizeof(host), "%s", addr);
			e.peer = host;
		}
	}
	e.when = time(NULL);
	/* A signed URL's sig is written as "-". */
	auth_redact(evhttp_request_get_uri(req), target, sizeof(target));
	snprintf(request, sizeof(request), "%s %.200s HTTP/1.x",
	    cmd == EVHTTP_REQ_GET        ? "GET"
	        : cmd == EVHTTP_REQ_HEAD ? "HEAD"
	                                 : "OTHER",
	    target);
	e.request = request;
	e.status = status;
	e.bytes = len;
	agent = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "User-Agent");
	if (agent != NULL) {
		snprintf(ua, sizeof(ua), "%s", agent);
		e.user_agent = ua;
	}
	if (accesslog_write(api.conf.access_fd, &e) == -1)
		stats_add(api.conf.slot, STATS_errors, 1);
}
