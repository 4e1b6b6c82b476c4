/*
 * hauld: parse options, open what they name, bind, run the start-up
 * chores (proc.c), hand over to the master.  Everything else lives in
 * master.c, worker.c, conn.c, serve.c.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "accesslog.h"
#include "auth.h"
#include "codec.h"
#include "heritage.h"
#include "log.h"
#include "master.h"
#include "listen.h"
#include "mime.h"
#include "opts.h"
#include "proc.h"
#include "stats.h"
#include "tls.h"
#include "upload.h"
#include "util.h"

struct heritage heritage;

/* What main() needs of the command line beyond the heritage. */
struct hauld_opts {
	const char *bind_addr; /* NULL: all interfaces */
	int port;
};

static void usage(FILE *, int) __attribute__((noreturn));
static void version(void) __attribute__((noreturn));
static void hauld_options(struct hauld_opts *, int, char *[]);
static void hauld_option(struct hauld_opts *, int, char *[]);
static void hauld_long_option(int, char *[]);
static void hauld_user(void);
static void hauld_root(void);
static void hauld_mime(void);
static void hauld_listen(const struct hauld_opts *);
static void hauld_tls(void);
static void hauld_upload(void);
static void hauld_auth(void);
static void hauld_sign(void) __attribute__((noreturn));
static void fd_limit(void);

/* Long options with no short form. */
enum {
	OPT_NO_GZIP = 'N',
	OPT_TLS_CERT = 256,
	OPT_TLS_KEY,
	OPT_TLS_CA,
	OPT_AUTH_TOKENS,
	OPT_URL_KEY,
	OPT_SIGN,
	OPT_TTL,
	OPT_UPLOAD_MAX,
	OPT_UPLOAD_EXPIRE,
};

/* --sign and --ttl: print a signed URL and exit. */
static const char *sign_path;
static long long sign_ttl = 3600;

static const struct option longopts[] = {{"port", required_argument, NULL, 'p'},
    {"bind", required_argument, NULL, 'b'},
    {"root", required_argument, NULL, 'r'},
    {"workers", required_argument, NULL, 'w'},
    {"max-connections", required_argument, NULL, 'c'},
    {"timeout", required_argument, NULL, 't'},
    {"grace", required_argument, NULL, 'g'},
    {"gzip-min", required_argument, NULL, 'z'},
    {"gzip-level", required_argument, NULL, 'Z'},
    {"no-gzip", no_argument, NULL, OPT_NO_GZIP},
    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
    {"tls-client-ca", required_argument, NULL, OPT_TLS_CA},
    {"auth-tokens", required_argument, NULL, OPT_AUTH_TOKENS},
    {"url-key", required_argument, NULL, OPT_URL_KEY},
    {"sign", required_argument, NULL, OPT_SIGN},
    {"ttl", required_argument, NULL, OPT_TTL},
    {"upload-dir", required_argument, NULL, 'U'},
    {"upload-max", required_argument, NULL, OPT_UPLOAD_MAX},
    {"upload-expire", required_argument, NULL, OPT_UPLOAD_EXPIRE},
    {"access-log", required_argument, NULL, 'l'},
    {"stats-file", required_argument, NULL, 's'},
    {"pidfile", required_argument, NULL, 'P'},
    {"user", required_argument, NULL, 'u'}, {"daemon", no_argument, NULL, 'd'},
    {"verbose", no_argument, NULL, 'v'}, {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0}};

/* The synopsis is hauld.8's; the list names every option of longopts. */
static void
usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: hauld [-dhVv] [-b addr] [-c max-connections] [-g grace]\n"
	    "             [-l access-log] [-P pidfile] [-p port] [-r root]\n"
	    "             [-s stats-file] [-t timeout] [-u user] [-w workers]\n"
	    "             [-Z gzip-level | --no-gzip] [-z gzip-min]\n"
	    "             [--tls-cert file --tls-key file [--tls-client-ca "
	    "file]]\n"
	    "             [--auth-tokens file] [--url-key file]\n"
	    "             [-U upload-dir [--upload-max bytes] "
	    "[--upload-expire secs]]\n"
	    "       hauld --url-key file --sign path [--ttl secs]\n"
	    "      --auth-tokens file        bearer tokens, one a line\n"
	    "  -b, --bind addr               address to listen on [all]\n"
	    "  -c, --max-connections n       connections per worker [1024]\n"
	    "  -d, --daemon                  detach from the terminal\n"
	    "  -g, --grace secs              graceful stop's wait [30]\n"
	    "  -h, --help                    this help\n"
	    "  -l, --access-log path         combined log format; - is stderr\n"
	    "  -P, --pidfile path            written by the master\n"
	    "  -p, --port port               TCP port [8000]\n"
	    "  -r, --root dir                served under /download/ "
	    "[./files]\n"
	    "  -s, --stats-file path         file backing the stats region\n"
	    "      --sign path               print path signed with --url-key\n"
	    "  -t, --timeout secs            per-connection timeout [60]\n"
	    "      --tls-cert file           PEM certificate chain: serve TLS\n"
	    "      --tls-key file            its PEM private key\n"
	    "      --tls-client-ca file      require client certificates "
	    "from these CAs\n"
	    "      --ttl secs                --sign's validity [3600]\n"
	    "  -U, --upload-dir dir          accept tus uploads into dir\n"
	    "      --upload-expire secs      unfinished uploads expire "
	    "[86400]\n"
	    "      --upload-max bytes        largest upload [none]\n"
	    "  -u, --user user               drop privileges after binding\n"
	    "      --url-key file            keys for signed URLs, one a line\n"
	    "  -V, --version                 print the version\n"
	    "  -v, --verbose                 debug messages\n"
	    "  -w, --workers n               worker processes [online CPUs]\n"
	    "  -Z, --gzip-level 1..9         deflate level [1]\n"
	    "      --no-gzip                 no compression\n"
	    "  -z, --gzip-min bytes          smallest range compressed [8k]\n");
	exit(status);
}

static void
version(void)
{
	printf("hauld %s (libevent %s, codec %s, %s)\n", PACKAGE_VERSION,
	    event_get_version(), codec_name(), tls_library());
	exit(0);
}

int
main(int argc, char *argv[])
{
	/* Static: the paths proc_start makes absolute stay reachable. */
	static struct proc_conf pc;
	struct hauld_opts o;
	int status;

	opts_progname = "hauld";
	hauld_options(&o, argc, argv);
	hauld_auth();
	if (sign_path != NULL)
		hauld_sign();
	log_init("hauld", heritage.debug, 0);
	hauld_user();
	hauld_root();
	if (heritage.access_log != NULL)
		heritage.access_fd = accesslog_open(&heritage.access_log,
		    heritage.user != NULL ? heritage.uid : ACCESSLOG_KEEP_OWNER,
		    heritage.gid);
	hauld_mime();
	hauld_tls();
	hauld_upload();
	hauld_listen(&o);
	fd_limit();

	memset(&pc, 0, sizeof(pc));
	pc.prog = "hauld";
	pc.pidfile = heritage.pidfile;
	pc.stats_file = heritage.stats_file;
	pc.kind = STATS_KIND_HAULD;
	/* Two slots per worker: a SIGHUP runs two generations at once. */
	pc.slots = heritage.workers * 2;
	pc.detach = heritage.daemon;
	pc.debug = heritage.debug;
	pc.keep_fd = heritage.access_fd;
	proc_start(&pc, &heritage.stats);

	status = master_run();
	proc_finish(&pc);
	return status;
}

/* Defaults, then the command line, into the heritage and o. */
static void
hauld_options(struct hauld_opts *o, int argc, char *argv[])
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int ch;

	o->bind_addr = NULL;
	o->port = 8000;
	heritage.root = "./files";
	heritage.workers = cpus > 0 ? (unsigned)cpus : 1;
	heritage.max_conns = 1024;
	heritage.timeout_s = 60;
	heritage.grace_s = 30;
	heritage.gzip_min = 8192;
	heritage.gzip_level = 1;
	heritage.access_fd = -1;
	heritage.death_fd = -1;
	heritage.upload_expire = 86400;

	opterr = 0;
	while ((ch = getopt_long(argc, argv,
	            ":p:b:r:w:c:t:g:z:Z:l:s:P:u:U:dvhV", longopts, NULL)) != -1)
		hauld_option(o, ch, argv);
	if (optind < argc) {
		fprintf(
		    stderr, "hauld: unexpected argument '%s'\n", argv[optind]);
		exit(2);
	}
}

static void
hauld_option(struct hauld_opts *o, int ch, char *argv[])
{
	switch (ch) {
	case 'p':
		o->port = (int)opts_int("-p", optarg, 0, 65535);
		break;
	case 'b':
		o->bind_addr = optarg;
		break;
	case 'r':
		heritage.root = optarg;
		break;
	case 'w':
		heritage.workers = (unsigned)opts_int("-w", optarg, 1, 256);
		break;
	case 'c':
		heritage.max_conns =
		    (unsigned)opts_int("-c", optarg, 1, 1000000);
		break;
	case 't':
		heritage.timeout_s = (int)opts_int("-t", optarg, 1, 86400);
		break;
	case 'g':
		heritage.grace_s = (int)opts_int("-g", optarg, 0, 86400);
		break;
	case 'z':
		heritage.gzip_min = opts_size("-z", optarg, 0, UINT64_MAX);
		break;
	case 'Z':
		heritage.gzip_level = (int)opts_int("-Z", optarg, 1, 9);
		break;
	case 'l':
		heritage.access_log = optarg;
		break;
	case 's':
		heritage.stats_file = optarg;
		break;
	case 'P':
		heritage.pidfile = optarg;
		break;
	case 'u':
		heritage.user = optarg;
		break;
	case 'U':
		heritage.upload_dir = optarg;
		break;
	case 'd':
		heritage.daemon = 1;
		break;
	case 'v':
		heritage.debug = 1;
		break;
	case 'h':
		usage(stdout, 0);
	case 'V':
		version();
	default:
		hauld_long_option(ch, argv);
	}
}

/* The options with a long name only. */
static void
hauld_long_option(int ch, char *argv[])
{
	switch (ch) {
	case OPT_NO_GZIP:
		heritage.gzip_level = 0;
		break;
	case OPT_TLS_CERT:
		heritage.tls_cert = optarg;
		break;
	case OPT_TLS_KEY:
		heritage.tls_key = optarg;
		break;
	case OPT_TLS_CA:
		heritage.tls_client_ca = optarg;
		break;
	case OPT_AUTH_TOKENS:
		heritage.auth_tokens_path = optarg;
		break;
	case OPT_URL_KEY:
		heritage.url_key_path = optarg;
		break;
	case OPT_SIGN:
		sign_path = optarg;
		break;
	case OPT_TTL:
		sign_ttl = opts_int("--ttl", optarg, 1, 10L * 365 * 86400);
		break;
	case OPT_UPLOAD_MAX:
		heritage.upload_max =
		    opts_size("--upload-max", optarg, 1, INT64_MAX);
		break;
	case OPT_UPLOAD_EXPIRE:
		heritage.upload_expire =
		    opts_int("--upload-expire", optarg, 1, 10L * 365 * 86400);
		break;
	default:
		opts_bad_option(argv, ch);
	}
}

/* -u: resolved now, dropped by each worker after it starts. */
static void
hauld_user(void)
{
	struct passwd *pw;

	if (heritage.user == NULL)
		return;
	if ((pw = getpwnam(heritage.user)) == NULL)
		opts_die("-u", "no such user '%s'", heritage.user);
	if (geteuid() != 0)
		opts_die("-u", "dropping privileges needs root");
	heritage.uid = pw->pw_uid;
	heritage.gid = pw->pw_gid;
}

/* -r: every file is opened relative to this descriptor. */
static void
hauld_root(void)
{
	heritage.root = proc_absolute(heritage.root);
	heritage.root_fd =
	    open(heritage.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (heritage.root_fd == -1)
		opts_die("-r", "%s: %s", heritage.root, strerror(errno));
}

static void
hauld_mime(void)
{
	if (access(SYSCONFDIR "/mime.types", R_OK) == 0)
		mime_load(SYSCONFDIR "/mime.types");
	else if (access("/etc/mime.types", R_OK) == 0)
		mime_load("/etc/mime.types");
}

/*
 * --tls-*: the files are read now, so that a bad one stops the start
 * (exit 2) before anything binds or detaches; their absolute paths are
 * kept for SIGHUP's re-read (the daemon's directory is then "/").
 */
static void
hauld_tls(void)
{
	char err[512];

	if (heritage.tls_cert == NULL && heritage.tls_key == NULL) {
		if (heritage.tls_client_ca != NULL)
			opts_die("--tls-client-ca",
			    "needs --tls-cert and "
			    "--tls-key");
		return;
	}
	if (heritage.tls_cert == NULL || heritage.tls_key == NULL)
		opts_die(heritage.tls_cert == NULL ? "--tls-key" : "--tls-cert",
		    "--tls-cert and --tls-key go together");
	heritage.tls_cert = proc_absolute(heritage.tls_cert);
	heritage.tls_key = proc_absolute(heritage.tls_key);
	if (heritage.tls_client_ca != NULL)
		heritage.tls_client_ca = proc_absolute(heritage.tls_client_ca);
	heritage.tls = tls_cfg_server(heritage.tls_cert, heritage.tls_key,
	    heritage.tls_client_ca, err, sizeof(err));
	if (heritage.tls == NULL)
		opts_die(NULL, "%s", err);
}

/*
 * --auth-tokens, --url-key: read now (a short token or key, or an
 * unreadable file, stops the start with exit 2; the message names the
 * file and line, never a secret); absolute for SIGHUP's re-read.
 */
static void
hauld_auth(void)
{
	char err[512];

	if (heritage.auth_tokens_path != NULL) {
		heritage.auth_tokens_path =
		    proc_absolute(heritage.auth_tokens_path);
		heritage.auth_tokens = auth_load(
		    AUTH_TOKENS, heritage.auth_tokens_path, err, sizeof(err));
		if (heritage.auth_tokens == NULL)
			opts_die("--auth-tokens", "%s", err);
	}
	if (heritage.url_key_path != NULL) {
		heritage.url_key_path = proc_absolute(heritage.url_key_path);
		heritage.url_keys = auth_load(
		    AUTH_KEYS, heritage.url_key_path, err, sizeof(err));
		if (heritage.url_keys == NULL)
			opts_die("--url-key", "%s", err);
	}
	if (sign_path != NULL && heritage.url_keys == NULL)
		opts_die("--sign", "needs --url-key");
}

/*
 * -U: writes need credentials (SPEC "Uploads"): refused without an
 * authorization option, before anything binds.
 */
static void
hauld_upload(void)
{
	char err[512];

	if (heritage.upload_dir == NULL) {
		if (heritage.upload_max > 0)
			opts_die("--upload-max", "goes with -U");
		return;
	}
	if (heritage.auth_tokens == NULL && heritage.url_keys == NULL &&
	    heritage.tls_client_ca == NULL)
		opts_die("-U",
		    "uploads need credentials: give --auth-tokens, "
		    "--url-key or --tls-client-ca");
	heritage.upload_dir = proc_absolute(heritage.upload_dir);
	if (upload_init(heritage.upload_dir, err, sizeof(err)) == -1)
		opts_die("-U", "%s", err);
}

/* --sign PATH: the signed target, valid for --ttl seconds, and exit. */
static void
hauld_sign(void)
{
	char out[8192];

	if (sign_path[0] != '/')
		opts_die("--sign", "'%s' is not a path (it starts with /)",
		    sign_path);
	if (auth_sign(heritage.url_keys, sign_path,
	        (long long)time(NULL) + sign_ttl, out, sizeof(out)) == -1)
		opts_die("--sign", "path too long");
	printf("%s\n", out);
	exit(0);
}

static void
hauld_listen(const struct hauld_opts *o)
{
	char err[256];
	int port = o->port, n;

	if ((n = listen_bind(o->bind_addr, &port, heritage.lfd,
	         HERITAGE_MAX_LISTEN, err, sizeof(err))) == -1)
		opts_die(o->bind_addr ? "-b" : "-p", "%s", err);
	heritage.nlfd = (unsigned)n;
	log_info(
	    "listening on %s port %d", o->bind_addr ? o->bind_addr : "*", port);
}

/*
 * Each connection may hold a socket and a file: make sure the descriptor
 * limit covers --max-connections, so a worker never runs out.
 */
static void
fd_limit(void)
{
	rlim_t need = (rlim_t)heritage.max_conns * 2 + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur < need) {
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 128) {
			heritage.max_conns = (unsigned)((rl.rlim_cur - 64) / 2);
			log_warnx("file descriptor limit %llu: "
			          "--max-connections lowered to %u",
			    (unsigned long long)rl.rlim_cur,
			    heritage.max_conns);
		}
	}
}
