/*
 * Error log: one line per event on stderr (or syslog once daemonised),
 * "TIME PROG[PID]: ROLE: message".  The access log is accesslog.c's.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static void log_vwrite(int, const char *, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

static const char *log_prog = "haul";
static char log_role[32] = "main";
static int log_debug_on;
static int log_syslog;
static int log_quiet;

void
log_init(const char *prog, int debug, int to_syslog)
{
	log_prog = prog;
	log_debug_on = debug;
	log_syslog = to_syslog;
	if (to_syslog)
		openlog(prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setquiet(int quiet)
{
	log_quiet = quiet;
}

void
log_setrole(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(log_role, sizeof(log_role), fmt, ap);
	va_end(ap);
}

static void
log_vwrite(int pri, const char *suffix, const char *fmt, va_list ap)
{
	char msg[1024], stamp[32];
	struct tm tm;
	time_t now;
	int saved = errno;

	if (log_quiet && pri > LOG_CRIT) {
		errno = saved;
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_syslog) {
		syslog(pri, "%s: %s%s%s", log_role, msg, suffix ? ": " : "",
		    suffix ? suffix : "");
	} else {
		now = time(NULL);
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(stderr, "%s %s[%ld]: %s: %s%s%s\n", stamp, log_prog,
		    (long)getpid(), log_role, msg, suffix ? ": " : "",
		    suffix ? suffix : "");
	}
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_debug_on)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
