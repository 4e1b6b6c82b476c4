/*
 * Pushing a file to a tus 1.0 server (hauld's /uploads/, or any tus
 * endpoint), resumable after any interruption: haulproxy --upload, and
 * the daemon's POST /upload/NAME.  See pushcmd.c.
 */
#ifndef HAUL_PUSHCMD_H
#define HAUL_PUSHCMD_H

#include <stdint.h>

struct event_base;
struct tls_cfg;

struct pushcmd {
	struct event_base *base;
	const char *file;     /* the file to send */
	const char *name;     /* its name there; NULL: FILE's base name */
	const char *endpoint; /* the tus creation URL */
	const char *dir;      /* where resume state lives */
	const char *auth;     /* "Authorization: ...\r\n" or NULL */
	struct tls_cfg *tls;  /* for an https endpoint */
	unsigned retries;     /* -r */
	int timeout_s;        /* -t */
	int progress;         /* a progress line on stderr */
	int status;           /* pushcmd_run's */
};

/* How a push ended: status 0 done, 1 failed (msg says why), 2 unusable
 * file or URL; bytes, resumed_from and location (the upload's URL) when
 * done. */
struct push_result {
	int status;
	const char *msg;
	uint64_t bytes, resumed_from;
	const char *location;
};

typedef void (*push_done_fn)(const struct push_result *, void *arg);

struct push;

/*
 * Start a push on conf's event base (conf and its strings stay valid
 * until done runs); done(arg) runs exactly once, from the loop.  NULL
 * (and done not called) when the file or URL cannot be used: a message
 * is in err.
 */
struct push *push_start(const struct pushcmd *conf, push_done_fn done,
    void *arg, char *err, size_t errlen);

/* --upload: one push, the loop run until it ends; the exit status. */
int pushcmd_run(struct pushcmd *);

#endif
