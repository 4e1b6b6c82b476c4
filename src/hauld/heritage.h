/*
 * What a hauld worker inherits across fork, in one place (varnish's
 * heritage.h): the parsed options and the resources the master opened.
 * Filled by hauld.c and master.c before the first fork; read-only after.
 */
#ifndef HAUL_HERITAGE_H
#define HAUL_HERITAGE_H

#include <sys/types.h>
#include <stdint.h>

#include "stats.h"

#define HERITAGE_MAX_LISTEN 4

struct heritage {
	/* Options. */
	const char *root;
	unsigned workers;
	unsigned max_conns;
	int timeout_s;
	int grace_s;
	uint64_t gzip_min;
	int gzip_level;         /* 0: --no-gzip */
	const char *access_log; /* NULL: off; "-": stderr */
	const char *stats_file;
	const char *pidfile;
	const char *user;
	int daemon;
	int debug;
	const char *tls_cert; /* NULL: plain HTTP */
	const char *tls_key;
	const char *tls_client_ca;    /* NULL: no client certificates */
	const char *auth_tokens_path; /* --auth-tokens, absolute */
	const char *url_key_path;     /* --url-key, absolute */
	const char *upload_dir;       /* -U; NULL: no uploads */
	uint64_t upload_max;          /* --upload-max; 0: none */
	int64_t upload_expire;        /* --upload-expire, seconds */

	/* Opened by the master. */
	int root_fd;                  /* O_PATH directory of --root */
	int lfd[HERITAGE_MAX_LISTEN]; /* nonblocking listening sockets */
	unsigned nlfd;
	int access_fd; /* -1: no access log */
	int death_fd;  /* read end: EOF when the master dies */
	uid_t uid;     /* --user, resolved */
	gid_t gid;
	struct stats_region stats;
	int is_master; /* ASSERT_MGT-style guard */
	/* Made by hauld.c, replaced by the master on SIGHUP. */
	struct tls_cfg *tls; /* NULL: plain HTTP */
	/* Loaded by hauld.c, re-read by the master on SIGHUP. */
	struct auth_set *auth_tokens; /* NULL: no bearer tokens */
	struct auth_set *url_keys;    /* NULL: no signed URLs */
};

extern struct heritage heritage;

#endif
