/*
 * Daemon chores: the start-up sequence after binding (pidfile, stats
 * region, detaching), absolute paths, the stats dump to the log.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tls.h"
#include "opts.h"
#include "proc.h"
#include "util.h"

char *
proc_absolute(const char *path)
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

void
proc_daemonize(int keep_fd)
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
		if (keep_fd != STDERR_FILENO)
			dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}

int
proc_pidfile_open(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

void
proc_pidfile_write(int fd, const char *path)
{
	char buf[32];
	int n;

	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n || close(fd) == -1)
		fatal("pidfile %s", path);
}

void
proc_start(struct proc_conf *pc, struct stats_region *stats)
{
	int pidfd = -1;

	if (pc->pidfile != NULL)
		pc->pidfile = proc_absolute(pc->pidfile);
	if (pc->stats_file != NULL)
		pc->stats_file = proc_absolute(pc->stats_file);
	/* Everything that can fail on a bad option fails before detaching. */
	if (pc->pidfile != NULL &&
	    (pidfd = proc_pidfile_open(pc->pidfile)) == -1)
		opts_die("-P", "%s: %s", pc->pidfile, strerror(errno));
	if (stats_create(stats, pc->stats_file, pc->kind, pc->slots) == -1)
		opts_die("-s", "%s: %s",
		    pc->stats_file ? pc->stats_file : "(anonymous)",
		    strerror(errno));
	if (pc->detach) {
		proc_daemonize(pc->keep_fd);
		log_init(pc->prog, pc->debug, 1);
		stats->hdr->master_pid = getpid();
	}
	if (pidfd != -1)
		proc_pidfile_write(pidfd, pc->pidfile);
}

void
proc_finish(const struct proc_conf *pc)
{
	if (pc->pidfile != NULL)
		unlink(pc->pidfile);
}

void
proc_stats_dump(const struct stats_region *stats)
{
	struct buf b;
	char *line, *next;

	buf_init(&b);
	if (stats_format_dump(stats, &b) == -1) {
		log_warnx("%s: out of memory", __func__);
		buf_free(&b);
		return;
	}
	for (line = b.data; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		log_info("%s", line);
	}
	buf_free(&b);
}

void
proc_reload_auth(enum auth_kind kind, const char *path, struct auth_set **set)
{
	struct auth_set *a;
	char err[512];

	if (path == NULL)
		return;
	if ((a = auth_load(kind, path, err, sizeof(err))) == NULL) {
		log_warnx("SIGHUP: %s: the set in use stays", err);
		return;
	}
	auth_free(*set);
	*set = a;
	log_info("SIGHUP: %s re-read: %zu %s", path, auth_count(a),
	    kind == AUTH_TOKENS ? "tokens" : "keys");
}

int
proc_reload_tls(
    const char *cert, const char *key, const char *ca, struct tls_cfg **cfg)
{
	struct tls_cfg *t;
	char err[512];

	if (*cfg == NULL)
		return 0;
	if ((t = tls_cfg_server(cert, key, ca, err, sizeof(err))) == NULL) {
		log_warnx("SIGHUP: TLS: %s: the files in use stay", err);
		return 0;
	}
	/* Connections in flight hold their own reference to the old one. */
	tls_cfg_free(*cfg);
	*cfg = t;
	log_info("SIGHUP: TLS certificate, key and CA files re-read");
	return 1;
}
