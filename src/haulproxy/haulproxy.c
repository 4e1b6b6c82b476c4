/*
 * haulproxy: the downloader daemon.  One libevent process: the evhttp
 * server of its own API (api.c) and the HTTP client of download.c on one
 * event loop.  This file holds main, its options and its signals; --fetch
 * runs the same engine once (fetchcmd.c).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "accesslog.h"
#include "api.h"
#include "auth.h"
#include "codec.h"
#include "digest.h"
#include "download.h"
#include "fetchcmd.h"
#include "pushcmd.h"
#include "listen.h"
#include "log.h"
#include "opts.h"
#include "proc.h"
#include "stats.h"
#include "tls.h"
#include "util.h"

#define MAX_LISTEN 4

/* The command line. */
struct proxy_opts {
	const char *bind_addr; /* NULL: all interfaces */
	int port;
	const char *origin_url[DL_MAX_ORIGINS]; /* -o, in order */
	unsigned norigins;
	const char *dir;
	const char *fetch;     /* --fetch NAME-or-URL */
	const char *fetch_out; /* -O */
	const char *access_log;
	const char *stats_file;
	const char *pidfile;
	int daemon;
	int debug;
	struct dl_conf dc; /* the engine's knobs */
	/* TLS to the origin (fetching side). */
	const char *cacert, *cert, *key;
	int insecure;
	/* TLS on the listener (serving side). */
	const char *tls_cert, *tls_key, *tls_client_ca;
	/* Authorization: of our API, and ours at the origin. */
	const char *auth_tokens, *url_key, *origin_token;
	/* --upload FILE [--as NAME] [--upload-endpoint URL] */
	const char *upload, *upload_as, *upload_endpoint;
	/* --sha256: the digest --fetch's file must have. */
	int has_sha256;
	unsigned char sha256[DIGEST_SHA256_LEN];
};

/* Long options with no short form. */
enum {
	OPT_GZIP = 'G',
	OPT_NO_GZIP = 'N',
	OPT_FETCH = 'F',
	OPT_CACERT = 256,
	OPT_CERT,
	OPT_KEY,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_TLS_CA,
	OPT_AUTH_TOKENS,
	OPT_URL_KEY,
	OPT_ORIGIN_TOKEN,
	OPT_VERIFY,
	OPT_SHA256,
	OPT_UPLOAD,
	OPT_AS,
	OPT_UPLOAD_ENDPOINT,
};

static void usage(FILE *, int) __attribute__((noreturn));
static void usage_options(FILE *);
static void version(void) __attribute__((noreturn));
static void proxy_options(struct proxy_opts *, int, char *[]);
static void proxy_option(struct proxy_opts *, int, char *[]);
static void proxy_long_option(struct proxy_opts *, int, char *[]);
static int proxy_security_option(struct proxy_opts *, int);
static void proxy_tls(struct proxy_opts *);
static void proxy_auth(struct proxy_opts *);
static char *proxy_origin_token(const char *);
static int proxy_any_https(void);
static enum gzip_policy proxy_gzip(const char *);
static void proxy_prepare(struct proxy_opts *);
static void proxy_serve(struct proxy_opts *, const int *, int);
static int proxy_fetch(struct proxy_opts *);
static int proxy_upload(struct proxy_opts *);
static int proxy_listen(const struct proxy_opts *, int *);
static void proxy_stop(int);
static void proxy_quit(int);
static void proxy_reopen(int);
static void proxy_dump(int);

/* What the signal actions reach. */
static struct {
	struct event_base *base;
	struct origin origin[DL_MAX_ORIGINS];
	unsigned norigins;
	const char *access_log; /* absolute, or "-" */
	int access_fd;
	int stopping;
	struct stats_region stats;
	struct stats_slot *slot;
	const struct proxy_opts *o;
	struct tls_cfg *tls_server;     /* --tls-cert's, re-read on SIGHUP */
	struct auth_set *tokens, *keys; /* likewise */
} px;

static const struct proc_signal proxy_signals[] = {
    {SIGTERM, "SIGTERM", proxy_stop},
    {SIGINT, "SIGINT", proxy_stop},
    {SIGQUIT, "SIGQUIT", proxy_quit},
    {SIGHUP, "SIGHUP", proxy_reopen},
    {SIGUSR1, "SIGUSR1", proxy_dump},
};

static const struct option longopts[] = {{"port", required_argument, NULL, 'p'},
    {"bind", required_argument, NULL, 'b'},
    {"origin", required_argument, NULL, 'o'},
    {"dir", required_argument, NULL, 'D'},
    {"chunk-size", required_argument, NULL, 'C'},
    {"parallel", required_argument, NULL, 'j'},
    {"retries", required_argument, NULL, 'r'},
    {"timeout", required_argument, NULL, 't'},
    {"gzip", required_argument, NULL, OPT_GZIP},
    {"no-gzip", no_argument, NULL, OPT_NO_GZIP},
    {"fetch", required_argument, NULL, OPT_FETCH},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"cert", required_argument, NULL, OPT_CERT},
    {"key", required_argument, NULL, OPT_KEY},
    {"insecure", no_argument, NULL, 'k'},
    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
    {"tls-client-ca", required_argument, NULL, OPT_TLS_CA},
    {"auth-tokens", required_argument, NULL, OPT_AUTH_TOKENS},
    {"url-key", required_argument, NULL, OPT_URL_KEY},
    {"origin-token", required_argument, NULL, OPT_ORIGIN_TOKEN},
    {"verify", required_argument, NULL, OPT_VERIFY},
    {"sha256", required_argument, NULL, OPT_SHA256},
    {"upload", required_argument, NULL, OPT_UPLOAD},
    {"as", required_argument, NULL, OPT_AS},
    {"upload-endpoint", required_argument, NULL, OPT_UPLOAD_ENDPOINT},
    {"output", required_argument, NULL, 'O'},
    {"access-log", required_argument, NULL, 'l'},
    {"stats-file", required_argument, NULL, 's'},
    {"pidfile", required_argument, NULL, 'P'},
    {"daemon", no_argument, NULL, 'd'}, {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0}};

/* The synopsis is haulproxy.8's; the list names every option of longopts. */
static void
usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: haulproxy [-dhkVv] [-b addr] [-C chunk-size] [-D dir]\n"
	    "                 [-j parallel] [-l access-log] [-o origin]\n"
	    "                 [-P pidfile] [-p port] [-r retries]\n"
	    "                 [-s stats-file] [-t timeout]\n"
	    "                 [--gzip auto|always|never | --no-gzip]\n"
	    "                 [--cacert file] [--cert file --key file]\n"
	    "                 [--tls-cert file --tls-key file "
	    "[--tls-client-ca file]]\n"
	    "                 [--auth-tokens file] [--url-key file]\n"
	    "                 [--origin-token file] [--verify "
	    "auto|require|off]\n"
	    "       haulproxy --fetch name-or-url [-O file] [--sha256 hex] "
	    "[options]\n"
	    "       haulproxy --upload file [--as name] [--upload-endpoint "
	    "url] "
	    "[options]\n");
	usage_options(f);
	exit(status);
}

/* usage()'s list of options, one a line, in the order of the man page. */
static void
usage_options(FILE *f)
{
	fprintf(f,
	    "      --auth-tokens file        bearer tokens for the API\n"
	    "      --as name                 --upload's name [file's base "
	    "name]\n"
	    "  -b, --bind addr               address to listen on [all]\n"
	    "      --cacert file             CAs for https origins [system]\n"
	    "      --cert file               client certificate for origins\n"
	    "  -C, --chunk-size bytes        size of each Range request "
	    "[512k]\n"
	    "  -D, --dir dir                 where files are written [.]\n"
	    "  -d, --daemon                  detach from the terminal\n"
	    "      --fetch name-or-url       download it once and exit\n"
	    "      --gzip auto|always|never  ask for gzip'd chunks [auto]\n"
	    "  -h, --help                    this help\n"
	    "  -j, --parallel n              chunks in flight at once [4]\n"
	    "  -k, --insecure                do not verify origins' "
	    "certificates\n"
	    "      --key file                the client certificate's key\n"
	    "  -l, --access-log path         combined log format; - is stderr\n"
	    "      --no-gzip                 the same as --gzip never\n"
	    "  -O, --output file             --fetch's file [dir/name]\n"
	    "  -o, --origin url              [http://localhost:8000]; up to "
	    "8: mirrors\n"
	    "      --origin-token file       send its first token to the "
	    "origin\n"
	    "  -P, --pidfile path            written at start\n"
	    "  -p, --port port               TCP port [8888]\n"
	    "  -r, --retries n               retries per chunk [5]\n"
	    "      --sha256 hex              --fetch's file must have this "
	    "digest\n"
	    "  -s, --stats-file path         file backing the stats region\n"
	    "  -t, --timeout secs            per-request timeout [30]\n"
	    "      --tls-cert file           serve the API over TLS\n"
	    "      --tls-key file            its PEM private key\n"
	    "      --tls-client-ca file      require client certificates "
	    "from these CAs\n"
	    "      --url-key file            keys for signed API URLs\n"
	    "      --verify auto|require|off check the origin's Repr-Digest "
	    "[auto]\n"
	    "      --upload file             push it to origin/uploads/ (tus) "
	    "and exit\n"
	    "      --upload-endpoint url     another tus endpoint for "
	    "--upload\n"
	    "  -V, --version                 print the version\n"
	    "  -v, --verbose                 debug messages\n");
}

static void
version(void)
{
	printf("haulproxy %s (libevent %s, codec %s, %s)\n", PACKAGE_VERSION,
	    event_get_version(), codec_name(), tls_library());
	exit(0);
}

int
main(int argc, char *argv[])
{
	/* Static: the paths made absolute (proc_absolute) stay reachable. */
	static struct proxy_opts o;
	static struct proc_conf pc;
	int fds[MAX_LISTEN], n;

	opts_progname = "haulproxy";
	proxy_options(&o, argc, argv);
	log_init("haulproxy", o.debug, 0);
	log_setrole("proxy");
	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned)(time(NULL) ^ getpid()));
	proxy_prepare(&o);
	proxy_tls(&o);
	proxy_auth(&o);
	if (o.fetch != NULL)
		return proxy_fetch(&o);
	if (o.upload != NULL)
		return proxy_upload(&o);

	n = proxy_listen(&o, fds);
	memset(&pc, 0, sizeof(pc));
	pc.prog = "haulproxy";
	pc.pidfile = o.pidfile;
	pc.stats_file = o.stats_file;
	pc.kind = STATS_KIND_PROXY;
	pc.slots = 1;
	pc.detach = o.daemon;
	pc.debug = o.debug;
	pc.keep_fd = px.access_fd;
	proc_start(&pc, &px.stats);
	px.slot = &px.stats.slots[0];
	atomic_store_explicit(&px.slot->pid, getpid(), memory_order_relaxed);
	atomic_store_explicit(
	    &px.slot->state, SLOT_RUNNING, memory_order_relaxed);

	proxy_serve(&o, fds, n);
	event_base_dispatch(px.base);
	download_shutdown();
	proc_finish(&pc);
	log_info("stopped");
	return 0;
}

/* The daemon's loop: the API on fds, the signals, the engine. */
static void
proxy_serve(struct proxy_opts *o, const int *fds, int n)
{
	struct api_conf ac;

	if ((px.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	ac = (struct api_conf){.base = px.base,
	    .origin = px.origin,
	    .norigins = px.norigins,
	    .dir = o->dir,
	    .access_fd = px.access_fd,
	    .timeout_s = o->dc.timeout_s,
	    .stats = &px.stats,
	    .slot = px.slot,
	    .tls = px.tls_server,
	    .mtls = o->tls_client_ca != NULL,
	    .tokens = px.tokens,
	    .keys = px.keys,
	    .origin_auth = o->dc.origin_auth,
	    .origin_tls = o->dc.tls,
	    .retries = o->dc.retries};
	api_start(&ac, fds, n);
	proc_set_signals(px.base, proxy_signals,
	    sizeof(proxy_signals) / sizeof(proxy_signals[0]));
	o->dc.base = px.base;
	o->dc.slot = px.slot;
	o->dc.stats = &px.stats;
	download_init(&o->dc);
}

/* Defaults, then the command line. */
static void
proxy_options(struct proxy_opts *o, int argc, char *argv[])
{
	int ch;

	memset(o, 0, sizeof(*o));
	o->port = 8888;
	o->norigins = 0;
	o->dir = ".";
	o->dc.chunk_size = 512 * 1024;
	o->dc.parallel = 4;
	o->dc.retries = 5;
	o->dc.timeout_s = 30;
	o->dc.gzip = GZIP_AUTO;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":p:b:o:D:C:j:r:t:O:l:s:P:dkvhV",
	            longopts, NULL)) != -1)
		proxy_option(o, ch, argv);
	if (optind < argc) {
		fprintf(stderr, "haulproxy: unexpected argument '%s'\n",
		    argv[optind]);
		exit(2);
	}
	if (o->fetch_out != NULL && o->fetch == NULL)
		opts_die("-O", "goes with --fetch");
	if ((o->upload_as != NULL || o->upload_endpoint != NULL) &&
	    o->upload == NULL)
		opts_die(o->upload_as ? "--as" : "--upload-endpoint",
		    "goes with --upload");
	if (o->upload != NULL && o->fetch != NULL)
		opts_die("--upload", "not with --fetch");
	if (o->has_sha256 && o->fetch == NULL)
		opts_die("--sha256",
		    "goes with --fetch (the daemon takes "
		    "?sha256=)");
}

static void
proxy_option(struct proxy_opts *o, int ch, char *argv[])
{
	switch (ch) {
	case 'p':
		o->port = (int)opts_int("-p", optarg, 0, 65535);
		break;
	case 'b':
		o->bind_addr = optarg;
		break;
	case 'o':
		if (o->norigins == DL_MAX_ORIGINS)
			opts_die("-o", "at most %d origins", DL_MAX_ORIGINS);
		o->origin_url[o->norigins++] = optarg;
		break;
	case 'D':
		o->dir = optarg;
		break;
	case 'C':
		o->dc.chunk_size = opts_size("-C", optarg, 4096, 1024ull << 20);
		break;
	case 'j':
		o->dc.parallel = (unsigned)opts_int("-j", optarg, 1, 64);
		break;
	case 'r':
		o->dc.retries = (unsigned)opts_int("-r", optarg, 0, 100);
		break;
	case 't':
		o->dc.timeout_s = (int)opts_int("-t", optarg, 1, 86400);
		break;
	case 'O':
		o->fetch_out = optarg;
		break;
	case 'l':
		o->access_log = optarg;
		break;
	case 's':
		o->stats_file = optarg;
		break;
	case 'P':
		o->pidfile = optarg;
		break;
	case 'd':
		o->daemon = 1;
		break;
	case 'v':
		o->debug = 1;
		break;
	case 'k':
		o->insecure = 1;
		break;
	case 'h':
		usage(stdout, 0);
	case 'V':
		version();
	default:
		proxy_long_option(o, ch, argv);
	}
}

/* The options with a long name only. */
/* The TLS and authorization options (all long only). */
static int
proxy_security_option(struct proxy_opts *o, int ch)
{
	switch (ch) {
	case OPT_CACERT:
		o->cacert = optarg;
		break;
	case OPT_CERT:
		o->cert = optarg;
		break;
	case OPT_KEY:
		o->key = optarg;
		break;
	case OPT_TLS_CERT:
		o->tls_cert = optarg;
		break;
	case OPT_TLS_KEY:
		o->tls_key = optarg;
		break;
	case OPT_TLS_CA:
		o->tls_client_ca = optarg;
		break;
	case OPT_AUTH_TOKENS:
		o->auth_tokens = optarg;
		break;
	case OPT_URL_KEY:
		o->url_key = optarg;
		break;
	case OPT_ORIGIN_TOKEN:
		o->origin_token = optarg;
		break;
	default:
		return 0;
	}
	return 1;
}

static void
proxy_long_option(struct proxy_opts *o, int ch, char *argv[])
{
	if (proxy_security_option(o, ch))
		return;
	switch (ch) {
	case OPT_GZIP:
	case OPT_NO_GZIP: /* --no-gzip is --gzip never */
		o->dc.gzip = proxy_gzip(ch == OPT_NO_GZIP ? "never" : optarg);
		break;
	case OPT_FETCH:
		o->fetch = optarg;
		break;
	case OPT_VERIFY:
		if (strcmp(optarg, "auto") == 0)
			o->dc.verify = VERIFY_AUTO;
		else if (strcmp(optarg, "require") == 0)
			o->dc.verify = VERIFY_REQUIRE;
		else if (strcmp(optarg, "off") == 0)
			o->dc.verify = VERIFY_OFF;
		else
			opts_die("--verify", "'%s' is not auto, require or off",
			    optarg);
		break;
	case OPT_UPLOAD:
		o->upload = optarg;
		break;
	case OPT_AS:
		o->upload_as = optarg;
		break;
	case OPT_UPLOAD_ENDPOINT:
		o->upload_endpoint = optarg;
		break;
	case OPT_SHA256:
		if (digest_hex_parse(optarg, o->sha256) == -1)
			opts_die(
			    "--sha256", "'%s' is not 64 hex digits", optarg);
		o->has_sha256 = 1;
		break;
	default:
		opts_bad_option(argv, ch);
	}
}

/* Whether any -o origin is https. */
static int
proxy_any_https(void)
{
	unsigned k;

	for (k = 0; k < px.norigins; k++)
		if (px.origin[k].https)
			return 1;
	return 0;
}

/*
 * Both TLS sides, read now so that a bad file stops the start (exit 2)
 * naming it.  The fetching side is made whenever an origin may be https
 * (the daemon's -o, --fetch's URL) or one of its options is given.
 */
static void
proxy_tls(struct proxy_opts *o)
{
	char err[512];
	int https = proxy_any_https() ||
	    (o->fetch != NULL && strncasecmp(o->fetch, "https://", 8) == 0) ||
	    (o->upload_endpoint != NULL &&
	        strncasecmp(o->upload_endpoint, "https://", 8) == 0);

	if ((o->cert == NULL) != (o->key == NULL))
		opts_die(o->cert == NULL ? "--key" : "--cert",
		    "--cert and --key go together");
	if (https || o->cacert != NULL || o->cert != NULL || o->insecure) {
		o->dc.tls = tls_cfg_client(
		    o->cacert, o->cert, o->key, o->insecure, err, sizeof(err));
		if (o->dc.tls == NULL)
			opts_die(NULL, "%s", err);
		if (o->insecure)
			log_warnx("-k: origin certificates are not verified");
	}
	if (o->tls_cert == NULL && o->tls_key == NULL) {
		if (o->tls_client_ca != NULL)
			opts_die("--tls-client-ca",
			    "needs --tls-cert and "
			    "--tls-key");
		return;
	}
	if (o->fetch != NULL)
		opts_die("--tls-cert", "serves the API: not with --fetch");
	if (o->tls_cert == NULL || o->tls_key == NULL)
		opts_die(o->tls_cert == NULL ? "--tls-key" : "--tls-cert",
		    "--tls-cert and --tls-key go together");
	o->tls_cert = proc_absolute(o->tls_cert);
	o->tls_key = proc_absolute(o->tls_key);
	if (o->tls_client_ca != NULL)
		o->tls_client_ca = proc_absolute(o->tls_client_ca);
	if ((px.tls_server = tls_cfg_server(o->tls_cert, o->tls_key,
	         o->tls_client_ca, err, sizeof(err))) == NULL)
		opts_die(NULL, "%s", err);
	px.o = o;
}

/*
 * --auth-tokens and --url-key guard the API (not with --fetch, which
 * has none); --origin-token's first token goes to the origin.  Each file
 * is read now: a bad one stops the start (exit 2), named, no secret
 * shown.
 */
static void
proxy_auth(struct proxy_opts *o)
{
	char err[512];

	px.o = o;
	if (o->fetch != NULL && (o->auth_tokens != NULL || o->url_key != NULL))
		opts_die(o->auth_tokens ? "--auth-tokens" : "--url-key",
		    "guards the API: not with --fetch");
	if (o->auth_tokens != NULL) {
		o->auth_tokens = proc_absolute(o->auth_tokens);
		px.tokens =
		    auth_load(AUTH_TOKENS, o->auth_tokens, err, sizeof(err));
		if (px.tokens == NULL)
			opts_die("--auth-tokens", "%s", err);
	}
	if (o->url_key != NULL) {
		o->url_key = proc_absolute(o->url_key);
		px.keys = auth_load(AUTH_KEYS, o->url_key, err, sizeof(err));
		if (px.keys == NULL)
			opts_die("--url-key", "%s", err);
	}
	if (o->origin_token != NULL)
		o->dc.origin_auth = proxy_origin_token(o->origin_token);
}

/*
 * --origin-token FILE: its first token (the same file rules as
 * --auth-tokens, checked by auth_parse) as a ready header line.
 */
static char *
proxy_origin_token(const char *path)
{
	char buf[8192], err[512], *line, *end, *next, *hdr;
	struct auth_set *check;
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		opts_die("--origin-token", "%s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (line = buf;; line = next) {
		end = line + strcspn(line, "\n");
		next = *end != '\0' ? end + 1 : end;
		*end = '\0';
		if (end > line && end[-1] == '\r')
			end[-1] = '\0';
		if ((*line != '\0' && *line != '#') || next == end)
			break;
	}
	check = auth_parse(AUTH_TOKENS, line, strlen(line), err, sizeof(err));
	if (check == NULL)
		opts_die("--origin-token", "%s: %s", path, err);
	auth_free(check);
	hdr = xmalloc(strlen(line) + 32);
	sprintf(hdr, "Authorization: Bearer %s\r\n", line);
	explicit_bzero(buf, sizeof(buf));
	return hdr;
}

static enum gzip_policy
proxy_gzip(const char *arg)
{
	if (strcmp(arg, "auto") == 0)
		return GZIP_AUTO;
	if (strcmp(arg, "always") == 0)
		return GZIP_ALWAYS;
	if (strcmp(arg, "never") == 0)
		return GZIP_NEVER;
	opts_die("--gzip", "'%s' is not auto, always or never", arg);
}

/* The origin, --dir and the access log: each checked before binding. */
static void
proxy_prepare(struct proxy_opts *o)
{
	char err[256];

	if (o->norigins == 0)
		o->origin_url[o->norigins++] = "http://localhost:8000";
	if (o->fetch == NULL || !origin_is_url(o->fetch)) {
		for (px.norigins = 0; px.norigins < o->norigins; px.norigins++)
			if (origin_parse(o->origin_url[px.norigins],
			        &px.origin[px.norigins], err,
			        sizeof(err)) == -1)
				opts_die("-o", "%s", err);
	}
	o->dir = proc_absolute(o->dir);
	if (mkdir(o->dir, 0755) == -1 && errno != EEXIST)
		opts_die("-D", "%s: %s", o->dir, strerror(errno));
	if (access(o->dir, W_OK) == -1)
		opts_die("-D", "%s: %s", o->dir, strerror(errno));
	px.access_fd = -1;
	px.access_log = o->access_log;
	if (px.access_log != NULL)
		px.access_fd = accesslog_open(
		    &px.access_log, ACCESSLOG_KEEP_OWNER, (gid_t)-1);
}

/* --fetch: one download with an anonymous stats slot, then exit. */
static int
proxy_fetch(struct proxy_opts *o)
{
	static struct fetchcmd f; /* static: its origin stays reachable */

	if ((px.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	if (stats_create(&px.stats, NULL, STATS_KIND_PROXY, 1) == -1)
		fatal("stats region");
	o->dc.base = px.base;
	o->dc.slot = &px.stats.slots[0];
	o->dc.stats = &px.stats;
	download_init(&o->dc);
	log_setquiet(!o->debug);
	f = (struct fetchcmd){.base = px.base,
	    .what = o->fetch,
	    .origins = px.origin,
	    .norigins = px.norigins,
	    .dir = o->dir,
	    .out = o->fetch_out,
	    .sha256 = o->has_sha256 ? o->sha256 : NULL};
	return fetchcmd_run(&f);
}

/* --upload: one push to a tus server, then exit. */
static int
proxy_upload(struct proxy_opts *o)
{
	static struct pushcmd p;
	char *ep = NULL;

	if ((px.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	log_setquiet(!o->debug);
	if (o->upload_endpoint == NULL) {
		const char *u = o->origin_url[0];

		ep = xmalloc(strlen(u) + 16);
		sprintf(ep, "%s%s", u,
		    u[strlen(u) - 1] == '/' ? "uploads/" : "/uploads/");
	}
	p = (struct pushcmd){.base = px.base,
	    .file = o->upload,
	    .name = o->upload_as,
	    .endpoint = ep != NULL ? ep : o->upload_endpoint,
	    .dir = o->dir,
	    .auth = o->dc.origin_auth,
	    .tls = o->dc.tls,
	    .retries = o->dc.retries,
	    .timeout_s = o->dc.timeout_s};
	return pushcmd_run(&p);
}

static int
proxy_listen(const struct proxy_opts *o, int *fds)
{
	char err[256];
	int port = o->port, n;

	if ((n = listen_bind(
	         o->bind_addr, &port, fds, MAX_LISTEN, err, sizeof(err))) == -1)
		opts_die(o->bind_addr ? "-b" : "-p", "%s", err);
	log_info("listening on %s port %d, origin %s%s, dir %s",
	    o->bind_addr ? o->bind_addr : "*", port, px.origin[0].hostport,
	    px.norigins > 1 ? " and mirrors" : "", o->dir);
	return n;
}

/* SIGTERM, SIGINT: journal what is durable, answer waiters, leave. */
static void
proxy_stop(int sig)
{
	struct timeval flush = {0, 300000};

	if (px.stopping)
		return;
	px.stopping = 1;
	log_info("stopping: partial downloads stay resumable");
	api_stop_accepting();
	download_shutdown(); /* answers waiters with 503 */
	/* Let those answers reach the clients before leaving. */
	event_base_loopexit(px.base, &flush);
}

/* SIGQUIT: the journal only names synced chunks: still resumable. */
static void
proxy_quit(int sig)
{
	_exit(0);
}

/* SIGHUP: the access log, the token and key files, and the listener's
 * TLS files when served. */
static void
proxy_reopen(int sig)
{
	accesslog_reopen(px.access_log, px.access_fd, ACCESSLOG_KEEP_OWNER, 0);
	proc_reload_auth(AUTH_TOKENS, px.o->auth_tokens, &px.tokens);
	proc_reload_auth(AUTH_KEYS, px.o->url_key, &px.keys);
	api_set_auth(px.tokens, px.keys);
	if (proc_reload_tls(px.o->tls_cert, px.o->tls_key, px.o->tls_client_ca,
	        &px.tls_server))
		api_set_tls(px.tls_server);
}
static void
proxy_dump(int sig)
{
	proc_stats_dump(&px.stats);
}
