/*
 * The access log of hauld and haulproxy: opening, reopening after a
 * rotation, and the one writer of its combined-format lines.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "accesslog.h"
#include "log.h"
#include "opts.h"
#include "proc.h"

#define ACCESSLOG_FLAGS (O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC)

static void accesslog_quote(char *, size_t, const char *);

int
accesslog_open(const char **path, uid_t uid, gid_t gid)
{
	int fd, is_stderr = strcmp(*path, "-") == 0;

	if (is_stderr) {
		fd = dup(STDERR_FILENO);
	} else {
		*path = proc_absolute(*path);
		fd = open(*path, ACCESSLOG_FLAGS, 0644);
	}
	if (fd == -1)
		opts_die("-l", "%s: %s", *path, strerror(errno));
	/* --user: the log belongs to the user the workers run as. */
	if (uid != ACCESSLOG_KEEP_OWNER && fchown(fd, uid, gid) == -1 &&
	    !is_stderr)
		opts_die("-l", "fchown %s: %s", *path, strerror(errno));
	return fd;
}

int
accesslog_reopen(const char *path, int fd, uid_t uid, gid_t gid)
{
	int nfd, rc = 0;

	if (path == NULL || strcmp(path, "-") == 0)
		return 0;
	if ((nfd = open(path, ACCESSLOG_FLAGS, 0644)) == -1) {
		log_warn("%s: %s", __func__, path);
		return -1;
	}
	if (uid != ACCESSLOG_KEEP_OWNER && fchown(nfd, uid, gid) == -1)
		log_warn("%s: fchown %s", __func__, path);
	/* Same descriptor number: writers and later workers use the new file.
	 */
	if (dup3(nfd, fd, O_CLOEXEC) == -1) {
		log_warn("%s: dup3", __func__);
		rc = -1;
	}
	close(nfd);
	return rc;
}

/* A client string for a quoted field: "-" if absent, no '"' or '\'. */
static void
accesslog_quote(char *out, size_t len, const char *s)
{
	size_t i;

	snprintf(out, len, "%s", s != NULL ? s : "-");
	for (i = 0; out[i] != '\0'; i++)
		if (out[i] == '"' || out[i] == '\\')
			out[i] = '\'';
}

int
accesslog_write(int fd, const struct accesslog_entry *e)
{
	char line[1024], stamp[64], ref[200], ua[200];
	struct tm tm;
	int n;

	if (fd == -1)
		return 0;
	accesslog_quote(ref, sizeof(ref), e->referer);
	accesslog_quote(ua, sizeof(ua), e->user_agent);
	localtime_r(&e->when, &tm);
	strftime(stamp, sizeof(stamp), "%d/%b/%Y:%H:%M:%S %z", &tm);
	n = snprintf(line, sizeof(line),
	    "%s - - [%s] \"%s\" %d %llu \"%s\" \"%s\"\n", e->peer, stamp,
	    e->request, e->status, (unsigned long long)e->bytes, ref, ua);
	/* A line too long for the buffer is dropped, never cut. */
	if (n <= 0 || (size_t)n >= sizeof(line))
		return 0;
	return write(fd, line, (size_t)n) == -1 ? -1 : 0;
}
