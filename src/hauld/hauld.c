/*
 * hauld: parse options, bind, map the stats region, hand over to the
 * master.  Everything else lives in master.c, worker.c, conn.c, serve.c.
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
#include <unistd.h>

#include <event2/event.h>

#include "codec.h"
#include "heritage.h"
#include "log.h"
#include "master.h"
#include "listen.h"
#include "mime.h"
#include "opts.h"
#include "proc.h"
#include "stats.h"
#include "util.h"

struct heritage heritage;

static void usage(FILE *, int) __attribute__((noreturn));
static void version(void) __attribute__((noreturn));
static void fd_limit(void);

static const struct option longopts[] = {{"port", required_argument, NULL, 'p'},
    {"bind", required_argument, NULL, 'b'},
    {"root", required_argument, NULL, 'r'},
    {"workers", required_argument, NULL, 'w'},
    {"max-connections", required_argument, NULL, 'c'},
    {"timeout", required_argument, NULL, 't'},
    {"grace", required_argument, NULL, 'g'},
    {"gzip-min", required_argument, NULL, 'z'},
    {"gzip-level", required_argument, NULL, 'Z'},
    {"no-gzip", no_argument, NULL, 'N'},
    {"access-log", required_argument, NULL, 'l'},
    {"stats-file", required_argument, NULL, 's'},
    {"pidfile", required_argument, NULL, 'P'},
    {"user", required_argument, NULL, 'u'}, {"daemon", no_argument, NULL, 'd'},
    {"verbose", no_argument, NULL, 'v'}, {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0}};

static void
usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: hauld [-dhVv] [-b addr] [-c max-connections] [-g grace]\n"
	    "             [-l access-log] [-P pidfile] [-p port] [-r root]\n"
	    "             [-s stats-file] [-t timeout] [-u user] [-w workers]\n"
	    "             [-Z gzip-level | --no-gzip] [-z gzip-min]\n");
	exit(status);
}

static void
version(void)
{
	printf("hauld %s (libevent %s, codec %s)\n", PACKAGE_VERSION,
	    event_get_version(), codec_name());
	exit(0);
}

int
main(int argc, char *argv[])
{
	const char *bind_addr = NULL;
	struct passwd *pw;
	long long port = 8000;
	char err[256];
	long cpus;
	int ch, status, bport, n, pidfd = -1;

	opts_progname = "hauld";
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	heritage.root = "./files";
	heritage.workers = cpus > 0 ? (unsigned)cpus : 1;
	heritage.max_conns = 1024;
	heritage.timeout_s = 60;
	heritage.grace_s = 30;
	heritage.gzip_min = 8192;
	heritage.gzip_level = 1;
	heritage.access_fd = -1;
	heritage.death_fd = -1;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":p:b:r:w:c:t:g:z:Z:l:s:P:u:dvhV",
	            longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			port = opts_int("-p", optarg, 0, 65535);
			break;
		case 'b':
			bind_addr = optarg;
			break;
		case 'r':
			heritage.root = optarg;
			break;
		case 'w':
			heritage.workers =
			    (unsigned)opts_int("-w", optarg, 1, 256);
			break;
		case 'c':
			heritage.max_conns =
			    (unsigned)opts_int("-c", optarg, 1, 1000000);
			break;
		case 't':
			heritage.timeout_s =
			    (int)opts_int("-t", optarg, 1, 86400);
			break;
		case 'g':
			heritage.grace_s =
			    (int)opts_int("-g", optarg, 0, 86400);
			break;
		case 'z':
			heritage.gzip_min =
			    opts_size("-z", optarg, 0, UINT64_MAX);
			break;
		case 'Z':
			heritage.gzip_level = (int)opts_int("-Z", optarg, 1, 9);
			break;
		case 'N':
			heritage.gzip_level = 0;
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
			opts_bad_option(argv, ch);
		}
	}
	if (optind < argc) {
		fprintf(
		    stderr, "hauld: unexpected argument '%s'\n", argv[optind]);
		exit(2);
	}
	log_init("hauld", heritage.debug, 0);

	if (heritage.user != NULL) {
		if ((pw = getpwnam(heritage.user)) == NULL)
			opts_die("-u", "no such user '%s'", heritage.user);
		if (geteuid() != 0)
			opts_die("-u", "dropping privileges needs root");
		heritage.uid = pw->pw_uid;
		heritage.gid = pw->pw_gid;
	}
	heritage.root = proc_absolute(heritage.root);
	heritage.root_fd =
	    open(heritage.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (heritage.root_fd == -1)
		opts_die("-r", "%s: %s", heritage.root, strerror(errno));
	if (heritage.stats_file != NULL)
		heritage.stats_file = proc_absolute(heritage.stats_file);
	if (heritage.pidfile != NULL)
		heritage.pidfile = proc_absolute(heritage.pidfile);
	if (heritage.access_log != NULL) {
		if (strcmp(heritage.access_log, "-") == 0) {
			heritage.access_fd = dup(STDERR_FILENO);
		} else {
			heritage.access_log =
			    proc_absolute(heritage.access_log);
			heritage.access_fd = open(heritage.access_log,
			    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		}
		if (heritage.access_fd == -1)
			opts_die("-l", "%s: %s", heritage.access_log,
			    strerror(errno));
		if (heritage.user != NULL &&
		    fchown(heritage.access_fd, heritage.uid, heritage.gid) ==
		        -1 &&
		    strcmp(heritage.access_log, "-") != 0)
			opts_die("-l", "fchown %s: %s", heritage.access_log,
			    strerror(errno));
	}
	if (access(SYSCONFDIR "/mime.types", R_OK) == 0)
		mime_load(SYSCONFDIR "/mime.types");
	else if (access("/etc/mime.types", R_OK) == 0)
		mime_load("/etc/mime.types");

	bport = (int)port;
	if ((n = listen_bind(bind_addr, &bport, heritage.lfd,
	         HERITAGE_MAX_LISTEN, err, sizeof(err))) == -1)
		opts_die(bind_addr ? "-b" : "-p", "%s", err);
	heritage.nlfd = (unsigned)n;
	log_info("listening on %s port %d", bind_addr ? bind_addr : "*", bport);
	fd_limit();
	/* Everything that can fail on a bad option fails before detaching. */
	if (heritage.pidfile != NULL &&
	    (pidfd = proc_pidfile_open(heritage.pidfile)) == -1)
		opts_die("-P", "%s: %s", heritage.pidfile, strerror(errno));
	/* Two slots per worker: a SIGHUP runs two generations at once. */
	if (stats_create(&heritage.stats, heritage.stats_file, STATS_KIND_HAULD,
	        heritage.workers * 2) == -1)
		opts_die("-s", "%s: %s",
		    heritage.stats_file ? heritage.stats_file : "(anonymous)",
		    strerror(errno));
	if (heritage.daemon) {
		proc_daemonize(heritage.access_fd);
		log_init("hauld", heritage.debug, 1);
		heritage.stats.hdr->master_pid = getpid();
	}
	if (pidfd != -1)
		proc_pidfile_write(pidfd, heritage.pidfile);

	status = master_run();
	if (heritage.pidfile != NULL)
		unlink(heritage.pidfile);
	return status;
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
