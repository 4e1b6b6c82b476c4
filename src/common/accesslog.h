/*
 * The access log both daemons write: combined log format, one line per
 * response, one write(2) each, so lines from several workers sharing the
 * descriptor never interleave.  Also its opening (-l) and its reopening
 * onto the same descriptor after a rotation (SIGHUP).
 *
 *   PEER - - [dd/Mon/yyyy:hh:mm:ss +zzzz] "REQUEST" STATUS BYTES "REF" "UA"
 */
#ifndef HAUL_ACCESSLOG_H
#define HAUL_ACCESSLOG_H

#include <sys/types.h>
#include <stdint.h>
#include <time.h>

/* Pass as uid to leave the file's owner alone. */
#define ACCESSLOG_KEEP_OWNER ((uid_t)-1)

struct accesslog_entry {
	const char *peer;    /* client address as text, or "-" */
	time_t when;         /* the request's arrival, local time */
	const char *request; /* "METHOD TARGET HTTP/1.x", printable */
	int status;
	uint64_t bytes;         /* body bytes sent */
	const char *referer;    /* NULL: "-" */
	const char *user_agent; /* NULL: "-" */
};

/*
 * -l PATH, before detaching: "-" is a duplicate of stderr, anything else
 * is made absolute in *path (for the reopen after chdir /) and opened for
 * appending, then handed to uid:gid unless uid is ACCESSLOG_KEEP_OWNER.
 * Dies with one "-l" line (exit 2) on failure; returns the descriptor.
 */
int accesslog_open(const char **path, uid_t uid, gid_t gid);

/*
 * SIGHUP: open path anew onto the descriptor number fd, which writers
 * (and workers forked later) keep using.  Nothing to do for "-".  Logs a
 * warning and returns -1 if that fails.
 */
int accesslog_reopen(const char *path, int fd, uid_t uid, gid_t gid);

/*
 * One line to fd (-1: no access log).  Quotes and backslashes in the
 * referer and user agent become "'" so a client cannot forge fields.
 * Returns 0, or -1 if the write failed (the caller counts an error).
 */
int accesslog_write(int fd, const struct accesslog_entry *);

#endif
