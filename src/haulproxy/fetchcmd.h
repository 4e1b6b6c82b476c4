/*
 * haulproxy --fetch: the download engine run once from the command line,
 * with a progress bar when stderr is a terminal.
 */
#ifndef HAUL_FETCHCMD_H
#define HAUL_FETCHCMD_H

#include "download.h"

struct event_base;

struct fetchcmd {
	struct event_base *base;      /* download_init has been called on it */
	const char *what;             /* --fetch NAME-or-URL */
	const struct origin *origins; /* -o, norigins of them */
	unsigned norigins;
	struct origin origin;        /* a URL's own */
	const char *dir;             /* --dir, absolute */
	const char *out;             /* -O FILE; NULL: DIR/NAME */
	const unsigned char *sha256; /* --sha256; NULL: none */
};

/*
 * NAME is fetched from the origin's /download/NAME; a URL names its own
 * origin and path.  Returns the exit status: 0 done, 1 failed, 2 a bad
 * name or URL, 130 interrupted (the download stays resumable).
 */
int fetchcmd_run(struct fetchcmd *);

#endif
