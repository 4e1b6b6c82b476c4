/*
 * hauld: parse options, bind, map the stats region, hand over to the
 * master.  Everything else lives in master.c, worker.c, conn.c, serve.c.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <netdb.h>
#include <netinet/in.h>

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
#include "mime.h"
#include "opts.h"
#include "stats.h"
#include "util.h"

struct heritage heritage;

static void usage(FILE *, int) __attribute__((noreturn));
static void version(void) __attribute__((noreturn));
static char *absolute(const char *);
static void bind_all(const char *, int);
static void fd_limit(void);
static void daemonize(void);
static void write_pidfile(void);

static const struct option longopts[] = {
	{ "port", required_argument, NULL, 'p' },
	{ "bind", required_argument, NULL, 'b' },
	{ "root", required_argument, NULL, 'r' },
	{ "workers", required_argument, NULL, 'w' },
	{ "max-connections", required_argument, NULL, 'c' },
	{ "timeout", required_argument, NULL, 't' },
	{ "grace", required_argument, NULL, 'g' },
	{ "gzip-min", required_argument, NULL, 'z' },
	{ "gzip-level", required_argument, NULL, 'Z' },
	{ "no-gzip", no_argument, NULL, 'N' },
	{ "access-log", required_argument, NULL, 'l' },
	{ "stats-file", required_argument, NULL, 's' },
	{ "pidfile", required_argument, NULL, 'P' },
	{ "user", required_argument, NULL, 'u' },
	{ "daemon", no_argument, NULL, 'd' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

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
	long cpus;
	int ch, status;

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
			heritage.workers = (unsigned)opts_int("-w", optarg, 1,
			    256);
			break;
		case 'c':
			heritage.max_conns = (unsigned)opts_int("-c", optarg,
			    1, 1000000);
			break;
		case 't':
			heritage.timeout_s = (int)opts_int("-t", optarg, 1,
			    86400);
			break;
		case 'g':
			heritage.grace_s = (int)opts_int("-g", optarg, 0,
			    86400);
			break;
		case 'z':
			heritage.gzip_min = opts_size("-z", optarg, 0,
			    UINT64_MAX);
			break;
		case 'Z':
			heritage.gzip_level = (int)opts_int("-Z", optarg, 1,
			    9);
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
		case ':':
			fprintf(stderr, "hauld: option %s needs a value\n",
			    argv[optind - 1]);
			exit(2);
		default:
			if (optopt != 0)
				fprintf(stderr, "hauld: unknown option -%c "
				    "(see hauld --help)\n", optopt);
			else
				fprintf(stderr, "hauld: unknown option %s "
				    "(see hauld --help)\n", argv[optind - 1]);
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hauld: unexpected argument '%s'\n",
		    argv[optind]);
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
	heritage.root = absolute(heritage.root);
	heritage.root_fd = open(heritage.root, O_PATH | O_DIRECTORY |
	    O_CLOEXEC);
	if (heritage.root_fd == -1)
		opts_die("-r", "%s: %s", heritage.root, strerror(errno));
	if (heritage.stats_file != NULL)
		heritage.stats_file = absolute(heritage.stats_file);
	if (heritage.pidfile != NULL)
		heritage.pidfile = absolute(heritage.pidfile);
	if (heritage.access_log != NULL) {
		if (strcmp(heritage.access_log, "-") == 0) {
			heritage.access_fd = dup(STDERR_FILENO);
		} else {
			heritage.access_log = absolute(heritage.access_log);
			heritage.access_fd = open(heritage.access_log,
			    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		}
		if (heritage.access_fd == -1)
			opts_die("-l", "%s: %s", heritage.access_log,
			    strerror(errno));
		if (heritage.user != NULL &&
		    fchown(heritage.access_fd, heritage.uid, heritage.gid) ==
		    -1 && strcmp(heritage.access_log, "-") != 0)
			opts_die("-l", "fchown %s: %s", heritage.access_log,
			    strerror(errno));
	}
	if (access(SYSCONFDIR "/mime.types", R_OK) == 0)
		mime_load(SYSCONFDIR "/mime.types");
	else if (access("/etc/mime.types", R_OK) == 0)
		mime_load("/etc/mime.types");

	bind_all(bind_addr, (int)port);
	fd_limit();
	if (heritage.daemon) {
		daemonize();
		log_init("hauld", heritage.debug, 1);
	}
	if (heritage.pidfile != NULL)
		write_pidfile();
	/* Two slots per worker: a SIGHUP runs two generations at once. */
	if (stats_create(&heritage.stats, heritage.stats_file,
	    STATS_KIND_HAULD, heritage.workers * 2) == -1)
		fatal("stats region %s", heritage.stats_file ?
		    heritage.stats_file : "(anonymous)");

	status = master_run();
	if (heritage.pidfile != NULL)
		unlink(heritage.pidfile);
	return status;
}

/* Paths are resolved before a daemon's chdir("/"). */
static char *
absolute(const char *path)
{
	char cwd[PATH_MAX], *p;

	if (path[0] == '/')
		return xstrdup(path);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		fatal("getcwd");
	p = xmalloc(strlen(cwd) + strlen(path) + 2);
	sprintf(p, "%s/%s", cwd, path);
	return p;
}

static int
listen_on(const struct sockaddr *sa, socklen_t len, int *port)
{
	struct sockaddr_storage ss;
	int fd, one = 1;

	memcpy(&ss, sa, len);
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(*port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(*port);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, 1024) == -1) {
		close(fd);
		return -1;
	}
	if (*port == 0) {
		len = sizeof(ss);
		getsockname(fd, (struct sockaddr *)&ss, &len);
		*port = ntohs(ss.ss_family == AF_INET ?
		    ((struct sockaddr_in *)&ss)->sin_port :
		    ((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return fd;
}

/*
 * Default: IPv4 and IPv6 wildcard sockets (v6-only, as nginx).  With -b,
 * every address the name resolves to.  Port 0 picks a free port, the same
 * for all sockets; $HAUL_PORT_FILE, if set, receives it (for tests).
 */
static void
bind_all(const char *addr, int port)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const char *pf;
	FILE *f;
	int fd, e, saved = 0;

	if (addr == NULL) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_ANY);
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_addr = in6addr_any;
		if ((fd = listen_on((struct sockaddr *)&sin, sizeof(sin),
		    &port)) == -1)
			opts_die("-p", "cannot listen on port %d: %s", port,
			    strerror(errno));
		heritage.lfd[heritage.nlfd++] = fd;
		if ((fd = listen_on((struct sockaddr *)&sin6, sizeof(sin6),
		    &port)) != -1)
			heritage.lfd[heritage.nlfd++] = fd;
		else if (errno != EAFNOSUPPORT && errno != EADDRNOTAVAIL)
			opts_die("-p", "cannot listen on [::]:%d: %s", port,
			    strerror(errno));
	} else {
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_PASSIVE;
		if ((e = getaddrinfo(addr, NULL, &hints, &res)) != 0)
			opts_die("-b", "%s: %s", addr, gai_strerror(e));
		for (ai = res; ai != NULL; ai = ai->ai_next) {
			if (heritage.nlfd == HERITAGE_MAX_LISTEN)
				break;
			if ((fd = listen_on(ai->ai_addr, ai->ai_addrlen,
			    &port)) == -1) {
				saved = errno;
				continue;
			}
			heritage.lfd[heritage.nlfd++] = fd;
		}
		freeaddrinfo(res);
		if (heritage.nlfd == 0)
			opts_die("-b", "cannot listen on %s port %d: %s", addr,
			    port, strerror(saved));
	}
	log_info("listening on %s port %d", addr ? addr : "*", port);
	if ((pf = getenv("HAUL_PORT_FILE")) != NULL) {
		if ((f = fopen(pf, "w")) == NULL)
			fatal("%s", pf);
		fprintf(f, "%d\n", port);
		fclose(f);
	}
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

static void
daemonize(void)
{
	int fd;

	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		_exit(0);
	}
	if (setsid() == -1)
		fatal("setsid");
	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		_exit(0);
	}
	if (chdir("/") == -1)
		fatal("chdir /");
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (heritage.access_fd != STDERR_FILENO)
			dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}

static void
write_pidfile(void)
{
	FILE *f;

	if ((f = fopen(heritage.pidfile, "w")) == NULL)
		fatal("pidfile %s", heritage.pidfile);
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) == EOF)
		fatal("pidfile %s", heritage.pidfile);
}
