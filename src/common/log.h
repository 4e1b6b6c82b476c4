/*
 * The daemon log, after OpenBSD httpd and tmux: log_warn appends
 * strerror(errno), log_warnx does not; fatal and fatalx log and exit 1.
 * Every line names the program, pid and role ("master", "worker 2").
 * Logging preserves errno.
 */
#ifndef HAUL_LOG_H
#define HAUL_LOG_H

#include <stdarg.h>

/* prog: "hauld"; to_syslog: after --daemon detaches from the terminal. */
void log_init(const char *prog, int debug, int to_syslog);
/* Quiet: only fatal messages (haulproxy --fetch without -v). */
void log_setquiet(int);
void log_setrole(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
