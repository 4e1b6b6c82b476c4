/*
 * Process chores shared by the daemons: the start-up sequence after
 * binding (pidfile, stats region, detaching), absolute paths (resolved
 * before a daemon changes to /), the SIGUSR1 stats dump, and a table of
 * signals and their actions (proc_signals.c, the one part with libevent),
 * and SIGHUP's re-reading of the secrets and TLS files both daemons take.
 */
#ifndef HAUL_PROC_H
#define HAUL_PROC_H

#include <stddef.h>

#include "auth.h"
#include "stats.h"

struct event_base;
struct tls_cfg;

/* What proc_start needs to know of a daemon, from its options. */
struct proc_conf {
	const char *prog;       /* "hauld": the log's name once detached */
	const char *pidfile;    /* -P; NULL: none.  Made absolute. */
	const char *stats_file; /* -s; NULL: an anonymous mapping.  Ditto. */
	enum stats_kind kind;
	unsigned slots; /* stats slots: one per process that counts */
	int detach;     /* -d */
	int debug;      /* -v */
	int keep_fd;    /* stays open across detaching (the access log) */
};

/*
 * After binding, in this order: create the pidfile and the stats region
 * (a bad path is one line naming -P or -s and exit 2, still on the
 * terminal), detach if asked (then log to syslog), and write the final
 * pid.  proc_finish removes the pidfile on the way out.
 */
void proc_start(struct proc_conf *, struct stats_region *);
void proc_finish(const struct proc_conf *);

/* SIGUSR1: the stats dump to the error log, one log line per row. */
void proc_stats_dump(const struct stats_region *);

/*
 * One row per signal and its action, which runs in the event loop, not in
 * signal context (tmux's proc_set_signals, nginx's signals[]).  A NULL
 * action ignores the signal (SIGPIPE).  The table must outlive the loop.
 */
struct proc_signal {
	int sig;
	const char *name;
	void (*action)(int sig);
};
void proc_set_signals(struct event_base *, const struct proc_signal *, size_t);

/* Fork twice, setsid, chdir /, stdio to /dev/null (keep_fd stays open). */
void proc_daemonize(int keep_fd);
/*
 * The pidfile is opened (created) before detaching, so a bad path is a
 * startup error on the terminal, and written after, with the final pid.
 * open returns the descriptor or -1 with errno; write dies on failure.
 */
int proc_pidfile_open(const char *path);
void proc_pidfile_write(int fd, const char *path);
/* path made absolute against the current directory (allocated). */
char *proc_absolute(const char *path);

/*
 * SIGHUP: the token or key file at path (NULL: none asked for) read
 * again into *set; a bad one is logged and the set in use stays.
 */
void proc_reload_auth(enum auth_kind, const char *path, struct auth_set **);
/*
 * SIGHUP: the serving side's TLS files read again into *cfg (NULL: no
 * TLS); 1 when *cfg was replaced, 0 when the files in use stay (logged).
 */
int proc_reload_tls(
    const char *cert, const char *key, const char *ca, struct tls_cfg **cfg);

#endif
