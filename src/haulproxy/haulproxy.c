/*
 * haulproxy: the downloader daemon.  One libevent process: an evhttp
 * server for its own endpoints and the evhttp client of download.c.
 *
 *   GET /download/NAME   fetch ORIGIN/download/NAME into DIR/NAME, answer
 *                        when complete (shared by concurrent askers)
 *   GET /status          JSON of downloads in progress
 *   GET /metrics         stats, Prometheus text format
 *   GET /healthz         "ok"
 *
 * --fetch runs the same engine once, with a progress bar on a terminal.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "codec.h"
#include "download.h"
#include "listen.h"
#include "log.h"
#include "opts.h"
#include "path.h"
#include "proc.h"
#include "stats.h"
#include "util.h"

#define MAX_LISTEN 4

static void usage(FILE *, int) __attribute__((noreturn));
static struct bufferevent *accept_cb(struct event_base *, void *);
static void version(void) __attribute__((noreturn));
static void serve_cb(struct evhttp_request *, void *);
static void download_answer_cb(const struct dl_result *, void *);
static void reply(struct evhttp_request *, int, const char *, const char *);
static void signal_cb(evutil_socket_t, short, void *);
static int fetch_main(const char *, const char *);
static char *encode_path(const char *);

static struct {
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound[MAX_LISTEN];
	int nbound;
	struct origin origin;
	const char *dir;
	const char *access_log;
	int access_fd;
	const char *stats_file;
	const char *pidfile;
	int daemon;
	int debug;
	int stopping;
	struct stats_region stats;
	struct stats_slot *slot;
	/* --fetch */
	int fetch_status;
	int interrupted;
	const char *fetch_out;
	struct event *progress;
	int tty;
} px;

static const struct option longopts[] = {{"port", required_argument, NULL, 'p'},
    {"bind", required_argument, NULL, 'b'},
    {"origin", required_argument, NULL, 'o'},
    {"dir", required_argument, NULL, 'D'},
    {"chunk-size", required_argument, NULL, 'C'},
    {"parallel", required_argument, NULL, 'j'},
    {"retries", required_argument, NULL, 'r'},
    {"timeout", required_argument, NULL, 't'},
    {"gzip", required_argument, NULL, 'G'}, {"no-gzip", no_argument, NULL, 'N'},
    {"fetch", required_argument, NULL, 'F'},
    {"output", required_argument, NULL, 'O'},
    {"access-log", required_argument, NULL, 'l'},
    {"stats-file", required_argument, NULL, 's'},
    {"pidfile", required_argument, NULL, 'P'},
    {"daemon", no_argument, NULL, 'd'}, {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0}};

static void
usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: haulproxy [-dhVv] [-b addr] [-C chunk-size] [-D dir]\n"
	    "                 [-j parallel] [-l access-log] [-o origin]\n"
	    "                 [-P pidfile] [-p port] [-r retries]\n"
	    "                 [-s stats-file] [-t timeout]\n"
	    "                 [--gzip auto|always|never | --no-gzip]\n"
	    "       haulproxy --fetch name-or-url [-O file] [options]\n");
	exit(status);
}

static void
version(void)
{
	printf("haulproxy %s (libevent %s, codec %s)\n", PACKAGE_VERSION,
	    event_get_version(), codec_name());
	exit(0);
}

int
main(int argc, char *argv[])
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1};
	struct dl_conf dc;
	const char *bind_addr = NULL, *origin_url = "http://localhost:8000";
	const char *fetch = NULL;
	long long port = 8888;
	char err[256];
	int ch, fds[MAX_LISTEN], n, i, bport, pidfd = -1;

	opts_progname = "haulproxy";
	memset(&dc, 0, sizeof(dc));
	dc.chunk_size = 512 * 1024;
	dc.parallel = 4;
	dc.retries = 5;
	dc.timeout_s = 30;
	dc.gzip = GZIP_AUTO;
	px.dir = ".";
	px.access_fd = -1;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":p:b:o:D:C:j:r:t:O:l:s:P:dvhV",
	            longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			port = opts_int("-p", optarg, 0, 65535);
			break;
		case 'b':
			bind_addr = optarg;
			break;
		case 'o':
			origin_url = optarg;
			break;
		case 'D':
			px.dir = optarg;
			break;
		case 'C':
			dc.chunk_size =
			    opts_size("-C", optarg, 4096, 1024ull << 20);
			break;
		case 'j':
			dc.parallel = (unsigned)opts_int("-j", optarg, 1, 64);
			break;
		case 'r':
			dc.retries = (unsigned)opts_int("-r", optarg, 0, 100);
			break;
		case 't':
			dc.timeout_s = (int)opts_int("-t", optarg, 1, 86400);
			break;
		case 'G':
			if (strcmp(optarg, "auto") == 0)
				dc.gzip = GZIP_AUTO;
			else if (strcmp(optarg, "always") == 0)
				dc.gzip = GZIP_ALWAYS;
			else if (strcmp(optarg, "never") == 0)
				dc.gzip = GZIP_NEVER;
			else
				opts_die("--gzip",
				    "'%s' is not auto, always "
				    "or never",
				    optarg);
			break;
		case 'N':
			dc.gzip = GZIP_NEVER;
			break;
		case 'F':
			fetch = optarg;
			break;
		case 'O':
			px.fetch_out = optarg;
			break;
		case 'l':
			px.access_log = optarg;
			break;
		case 's':
			px.stats_file = optarg;
			break;
		case 'P':
			px.pidfile = optarg;
			break;
		case 'd':
			px.daemon = 1;
			break;
		case 'v':
			px.debug = 1;
			break;
		case 'h':
			usage(stdout, 0);
		case 'V':
			version();
		default:
			opts_bad_option(argv, ch);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "haulproxy: unexpected argument '%s'\n",
		    argv[optind]);
		exit(2);
	}
	if (px.fetch_out != NULL && fetch == NULL)
		opts_die("-O", "goes with --fetch");
	log_init("haulproxy", px.debug, 0);
	log_setrole("proxy");
	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned)(time(NULL) ^ getpid()));
	if (fetch == NULL || strncasecmp(fetch, "http://", 7) != 0) {
		if (origin_parse(origin_url, &px.origin, err, sizeof(err)) ==
		    -1)
			opts_die("-o", "%s", err);
	}
	px.dir = proc_absolute(px.dir);
	if (mkdir(px.dir, 0755) == -1 && errno != EEXIST)
		opts_die("-D", "%s: %s", px.dir, strerror(errno));
	if (access(px.dir, W_OK) == -1)
		opts_die("-D", "%s: %s", px.dir, strerror(errno));
	if (px.stats_file != NULL)
		px.stats_file = proc_absolute(px.stats_file);
	if (px.pidfile != NULL)
		px.pidfile = proc_absolute(px.pidfile);
	if (px.access_log != NULL) {
		if (strcmp(px.access_log, "-") == 0)
			px.access_fd = dup(STDERR_FILENO);
		else
			px.access_fd = open(
			    px.access_log = proc_absolute(px.access_log),
			    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (px.access_fd == -1)
			opts_die(
			    "-l", "%s: %s", px.access_log, strerror(errno));
	}

	if (fetch != NULL) {
		if ((px.base = event_base_new()) == NULL)
			fatalx("event_base_new failed");
		if (stats_create(&px.stats, NULL, STATS_KIND_PROXY, 1) == -1)
			fatal("stats region");
		px.slot = &px.stats.slots[0];
		dc.base = px.base;
		dc.slot = px.slot;
		download_init(&dc);
		log_setquiet(!px.debug);
		return fetch_main(fetch, origin_url);
	}

	bport = (int)port;
	if ((n = listen_bind(
	         bind_addr, &bport, fds, MAX_LISTEN, err, sizeof(err))) == -1)
		opts_die(bind_addr ? "-b" : "-p", "%s", err);
	log_info("listening on %s port %d, origin %s, dir %s",
	    bind_addr ? bind_addr : "*", bport, px.origin.hostport, px.dir);
	if (px.pidfile != NULL && (pidfd = proc_pidfile_open(px.pidfile)) == -1)
		opts_die("-P", "%s: %s", px.pidfile, strerror(errno));
	if (stats_create(&px.stats, px.stats_file, STATS_KIND_PROXY, 1) == -1)
		opts_die("-s", "%s: %s",
		    px.stats_file ? px.stats_file : "(anonymous)",
		    strerror(errno));
	if (px.daemon) {
		proc_daemonize(px.access_fd);
		log_init("haulproxy", px.debug, 1);
		px.stats.hdr->master_pid = getpid();
	}
	if (pidfd != -1)
		proc_pidfile_write(pidfd, px.pidfile);
	px.slot = &px.stats.slots[0];
	atomic_store_explicit(&px.slot->pid, getpid(), memory_order_relaxed);
	atomic_store_explicit(
	    &px.slot->state, SLOT_RUNNING, memory_order_relaxed);

	if ((px.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	if ((px.http = evhttp_new(px.base)) == NULL)
		fatalx("evhttp_new failed");
	evhttp_set_allowed_methods(px.http,
	    EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
	        EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
	        EVHTTP_REQ_PATCH);
	evhttp_set_timeout(px.http, dc.timeout_s);
	evhttp_set_max_headers_size(px.http, 16384);
	evhttp_set_gencb(px.http, serve_cb, NULL);
	evhttp_set_bevcb(px.http, accept_cb, NULL);
	for (i = 0; i < n; i++)
		if ((px.bound[px.nbound++] = evhttp_accept_socket_with_handle(
		         px.http, fds[i])) == NULL)
			fatalx("cannot accept on socket %d", fds[i]);
	for (i = 0; i < (int)(sizeof(sigs) / sizeof(sigs[0])); i++) {
		struct event *ev =
		    evsignal_new(px.base, sigs[i], signal_cb, NULL);

		if (ev == NULL || evsignal_add(ev, NULL) == -1)
			fatalx("cannot watch signal %d", sigs[i]);
	}
	dc.base = px.base;
	dc.slot = px.slot;
	download_init(&dc);
	event_base_dispatch(px.base);
	download_shutdown();
	if (px.pidfile != NULL)
		unlink(px.pidfile);
	log_info("stopped");
	return 0;
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct timeval flush = {0, 300000};
	struct buf b;
	int i;
	char *line, *next;
	int fd;

	switch (sig) {
	case SIGTERM:
	case SIGINT:
		/* Journal what is durable, answer waiters, leave. */
		if (px.stopping)
			break;
		px.stopping = 1;
		log_info("stopping: partial downloads stay resumable");
		for (i = 0; i < px.nbound; i++) /* no new connections */
			evhttp_del_accept_socket(px.http, px.bound[i]);
		px.nbound = 0;
		download_shutdown(); /* answers waiters with 503 */
		/* Let those answers reach the clients before leaving. */
		event_base_loopexit(px.base, &flush);
		break;
	case SIGQUIT:
		/* The journal only names synced chunks: still resumable. */
		_exit(0);
	case SIGHUP:
		if (px.access_log != NULL && strcmp(px.access_log, "-") != 0) {
			fd = open(px.access_log,
			    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
			if (fd == -1 || dup3(fd, px.access_fd, O_CLOEXEC) == -1)
				log_warn("reopening %s", px.access_log);
			if (fd != -1)
				close(fd);
		}
		break;
	case SIGUSR1:
		buf_init(&b);
		if (stats_format_dump(&px.stats, &b) == 0) {
			for (line = b.data; line && *line; line = next) {
				if ((next = strchr(line, '\n')) != NULL)
					*next++ = '\0';
				log_info("%s", line);
			}
		}
		buf_free(&b);
		break;
	}
}

static void
access_log(struct evhttp_request *req, int status, size_t len)
{
	char line[1024], stamp[64], host[64];
	const char *peer = "-", *ua;
	ev_uint16_t port;
	struct tm tm;
	time_t now;
	char *addr = NULL;
	int n;

	if (px.access_fd == -1)
		return;
	if (evhttp_request_get_connection(req) != NULL) {
		evhttp_connection_get_peer(
		    evhttp_request_get_connection(req), &addr, &port);
		if (addr != NULL) {
			snprintf(host, sizeof(host), "%s", addr);
			peer = host;
		}
	}
	ua = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "User-Agent");
	now = time(NULL);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%d/%b/%Y:%H:%M:%S %z", &tm);
	n = snprintf(line, sizeof(line),
	    "%s - - [%s] \"%s %.200s HTTP/1.x\" "
	    "%d %zu \"-\" \"%.100s\"\n",
	    peer, stamp,
	    evhttp_request_get_command(req) == EVHTTP_REQ_GET        ? "GET"
	        : evhttp_request_get_command(req) == EVHTTP_REQ_HEAD ? "HEAD"
	                                                             : "OTHER",
	    evhttp_request_get_uri(req), status, len, ua ? ua : "-");
	if (n > 0 && (size_t)n < sizeof(line) &&
	    write(px.access_fd, line, (size_t)n) == -1)
		stats_add(px.slot, STATS_errors, 1);
}

/* evhttp makes a bufferevent per new connection: count it there. */
static struct bufferevent *
accept_cb(struct event_base *base, void *arg)
{
	stats_add(px.slot, STATS_conn_accepted, 1);
	return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
}

static void
reply(
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
		stats_add(px.slot, STATS_resp_2xx, 1);
		break;
	case 3:
		stats_add(px.slot, STATS_resp_3xx, 1);
		break;
	case 4:
		stats_add(px.slot, STATS_resp_4xx, 1);
		break;
	default:
		stats_add(px.slot, STATS_resp_5xx, 1);
		break;
	}
	stats_add(px.slot, STATS_bytes_out, len);
	access_log(req, status, len);
	evhttp_send_reply(req, status, NULL, out);
	if (out != NULL)
		evbuffer_free(out);
}

static void
serve_cb(struct evhttp_request *req, void *arg)
{
	const char *uri = evhttp_request_get_uri(req), *q;
	char rel[PATH_MAX_LEN], err[160], msg[256], *raw, *rpath, *final;
	enum evhttp_cmd_type cmd;
	struct buf b;
	size_t rawlen;

	stats_add(px.slot, STATS_requests, 1);
	cmd = evhttp_request_get_command(req);
	if (cmd != EVHTTP_REQ_GET &&
	    (cmd != EVHTTP_REQ_HEAD || strncmp(uri, "/download/", 10) == 0)) {
		/* HEAD of a download would start it: only GET does. */
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow",
		    strncmp(uri, "/download/", 10) == 0 ? "GET" : "GET, HEAD");
		reply(req, 405, "text/plain", "method not allowed\n");
		return;
	}
	if (strcmp(uri, "/healthz") == 0) {
		reply(req, 200, "text/plain", "ok\n");
		return;
	}
	if (strcmp(uri, "/metrics") == 0 || strcmp(uri, "/status") == 0) {
		buf_init(&b);
		if (uri[1] == 'm')
			stats_format_metrics(&px.stats, &b);
		else {
			download_status_json(&b);
			buf_add(&b, "\n", 1);
		}
		if (b.failed)
			reply(req, 500, "text/plain", "out of memory\n");
		else
			reply(req, 200,
			    uri[1] == 'm' ? "text/plain; version=0.0.4"
			                  : "application/json",
			    b.data);
		buf_free(&b);
		return;
	}
	if (strncmp(uri, "/download/", 10) != 0) {
		reply(req, 404, "text/plain", "not found\n");
		return;
	}
	/* Same rules as hauld: nothing may leave --dir. */
	if (path_decode(uri + 10, rel, sizeof(rel), err, sizeof(err)) == -1) {
		snprintf(msg, sizeof(msg), "bad name: %s\n", err);
		reply(req, 400, "text/plain", msg);
		return;
	}
	q = strchr(uri + 10, '?');
	rawlen = q ? (size_t)(q - (uri + 10)) : strlen(uri + 10);
	raw = xmalloc(rawlen + 1);
	memcpy(raw, uri + 10, rawlen);
	raw[rawlen] = '\0';
	rpath = xmalloc(rawlen + 11);
	sprintf(rpath, "/download/%s", raw);
	final = xmalloc(strlen(px.dir) + strlen(rel) + 2);
	sprintf(final, "%s/%s", px.dir, rel);
	download_request(
	    &px.origin, rpath, final, rel, download_answer_cb, req);
	free(raw);
	free(rpath);
	free(final);
}

static void
download_answer_cb(const struct dl_result *r, void *arg)
{
	struct evhttp_request *req = arg;
	char body[512];

	if (r->status != 200) {
		snprintf(body, sizeof(body), "%s\n", r->message);
		reply(req, r->status, "text/plain", body);
		return;
	}
	snprintf(body, sizeof(body),
	    "%s\nbytes: %llu\nresumed-from: %llu\n"
	    "fetched: %llu\nseconds: %.3f\n",
	    r->message, (unsigned long long)r->bytes,
	    (unsigned long long)r->resumed_from, (unsigned long long)r->fetched,
	    r->seconds);
	reply(req, 200, "text/plain", body);
}

/* Percent-encode a decoded name for a request path ('/' kept). */
static char *
encode_path(const char *name)
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
human(double v, char *buf, size_t len)
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
progress_cb(evutil_socket_t fd, short what, void *arg)
{
	uint64_t done, total;
	double rate, eta;
	char a[32], b[32], c[32];

	if (download_progress(px.fetch_out, &done, &total, &rate) == -1)
		return;
	human((double)done, a, sizeof(a));
	human((double)total, b, sizeof(b));
	human(rate, c, sizeof(c));
	eta = rate > 0 ? (double)(total - done) / rate : 0;
	fprintf(stderr, "\r%3.0f%%  %s / %s  %s/s  ETA %d:%02d   ",
	    total ? 100.0 * (double)done / (double)total : 100.0, a, b, c,
	    (int)eta / 60, (int)eta % 60);
}

static void
fetch_done_cb(const struct dl_result *r, void *arg)
{
	char a[32], c[32];

	if (px.tty)
		fputc('\n', stderr);
	if (r->status == 200) {
		px.fetch_status = 0;
		if (px.tty && r->already) {
			fprintf(stderr, "%s: %s\n", px.fetch_out, r->message);
		} else if (px.tty) {
			human((double)r->bytes, a, sizeof(a));
			human(r->seconds > 0
			        ? (double)(r->bytes - r->resumed_from) /
			            r->seconds
			        : 0,
			    c, sizeof(c));
			fprintf(stderr, "%s: %s (%s, %s/s)\n", px.fetch_out,
			    r->message, a, c);
		}
	} else if (!px.interrupted) {
		px.fetch_status = 1;
		fprintf(stderr, "haulproxy: %s: %s (%d)\n", px.fetch_out,
		    r->message, r->status);
	}
	event_base_loopexit(px.base, NULL);
}

static void
fetch_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	fprintf(stderr, "%shaulproxy: interrupted; run again to resume\n",
	    px.tty ? "\n" : "");
	px.interrupted = 1;
	download_shutdown();
	px.fetch_status = 130;
	event_base_loopexit(px.base, NULL);
}

/*
 * One-shot: NAME is fetched from --origin's /download/NAME; a URL names
 * its own origin and path.  The file goes to -O, else DIR/NAME.
 */
static int
fetch_main(const char *what, const char *origin_url)
{
	char err[256], rel[PATH_MAX_LEN], *rpath, *out, *url, *slash;
	struct timeval tv = {0, 250000};
	struct event *sint, *sterm;
	const char *name;

	if (strncasecmp(what, "http://", 7) == 0) {
		/* Split "http://host:port/path" into origin and path. */
		url = xstrdup(what);
		slash = strchr(url + 7, '/');
		rpath = xstrdup(slash ? slash : "/");
		if (slash)
			*slash = '\0';
		if (origin_parse(url, &px.origin, err, sizeof(err)) == -1) {
			fprintf(stderr, "haulproxy: --fetch: %s\n", err);
			return 2;
		}
		free(url);
		if (strchr(rpath, '?'))
			*strchr(rpath, '?') = '\0';
		name = strrchr(rpath, '/') + 1;
		if (path_decode(name, rel, sizeof(rel), err, sizeof(err)) ==
		    -1) {
			fprintf(stderr,
			    "haulproxy: --fetch: no file name in "
			    "'%s': %s\n",
			    what, err);
			return 2;
		}
	} else {
		if (path_decode(what, rel, sizeof(rel), err, sizeof(err)) ==
		    -1) {
			fprintf(stderr,
			    "haulproxy: --fetch: bad name '%s': "
			    "%s\n",
			    what, err);
			return 2;
		}
		out = encode_path(rel);
		rpath = xmalloc(strlen(out) + 11);
		sprintf(rpath, "/download/%s", out);
		free(out);
	}
	if (px.fetch_out != NULL) {
		out = proc_absolute(px.fetch_out);
	} else {
		out = xmalloc(strlen(px.dir) + strlen(rel) + 2);
		sprintf(out, "%s/%s", px.dir, rel);
	}
	px.fetch_out = out;
	px.fetch_status = 1;
	px.tty = isatty(STDERR_FILENO);
	if (px.tty) {
		px.progress =
		    event_new(px.base, -1, EV_PERSIST, progress_cb, NULL);
		event_add(px.progress, &tv);
	}
	sint = evsignal_new(px.base, SIGINT, fetch_signal_cb, NULL);
	sterm = evsignal_new(px.base, SIGTERM, fetch_signal_cb, NULL);
	evsignal_add(sint, NULL);
	evsignal_add(sterm, NULL);
	(void)origin_url;
	download_request(&px.origin, rpath, out, rel, fetch_done_cb, NULL);
	event_base_dispatch(px.base);
	free(rpath);
	return px.fetch_status;
}
