/*
 * haulproxy --upload: a file pushed to a tus 1.0 server (hauld's
 * /uploads/, or any tus endpoint), resumable after any interruption.
 */
#ifndef HAUL_PUSHCMD_H
#define HAUL_PUSHCMD_H

struct event_base;
struct tls_cfg;

struct pushcmd {
	struct event_base *base;
	const char *file;     /* --upload FILE */
	const char *name;     /* --as NAME; NULL: FILE's base name */
	const char *endpoint; /* the tus creation URL */
	const char *dir;      /* --dir: where resume state lives */
	const char *auth;     /* "Authorization: ...\r\n" or NULL */
	struct tls_cfg *tls;  /* for an https endpoint */
	unsigned retries;     /* -r */
	int timeout_s;        /* -t */
};

/* The exit status: 0 done, 1 failed, 2 a bad file or URL. */
int pushcmd_run(struct pushcmd *);

#endif
