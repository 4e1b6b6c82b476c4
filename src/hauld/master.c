/*
 * The master process only supervises: it never touches a client.
 *
 *   signal     action (the table master_signals[] below)
 *   SIGTERM    graceful stop: SIGTERM the workers, SIGKILL any still
 *   SIGINT     running after --grace, exit 0
 *   SIGQUIT    immediate stop: SIGQUIT the workers, exit
 *   SIGHUP     reopen the access log, fork a new generation of workers,
 *              then SIGTERM the old one (it finishes what it serves)
 *   SIGUSR1    dump the stats region to the error log
 *   SIGCHLD    reap; respawn a worker that died unasked
 *   SIGPIPE    ignored (workers inherit that: a write to a closed
 *              connection fails with EPIPE instead of killing them)
 *
 * A worker that dies is respawned after a delay that doubles while deaths
 * keep coming (100 ms up to 10 s) and resets when none has died for 10 s
 * or the one that died had lived a second, so a crash loop never becomes
 * a fork storm while a worker killed now and then is back at once.
 * Signals arrive as libevent signal events: handlers run in the loop, not
 * in signal context.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "accesslog.h"
#include "auth.h"
#include "heritage.h"
#include "log.h"
#include "master.h"
#include "proc.h"
#include "stats.h"
#include "upload.h"
#include "util.h"
#include "worker.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 10000
#define STABLE_MS 10000 /* no death this long resets it */
#define LIVED_MS 1000   /* so does a death after this long a life */

struct wproc {
	pid_t pid; /* 0: slot free */
	int old;   /* of a generation being replaced */
	uint64_t started_ms;
};

static void master_grace_cb(evutil_socket_t, short, void *);
static void master_respawn_cb(evutil_socket_t, short, void *);
static void master_reap(void);
static void master_sigchld(int);
static int master_spawn(void);
static void master_fill(void);
static void master_stop(int);
static void master_replace(int);
static void master_dump(int);
static unsigned master_live(void);
static void master_sweep_start(void);

static struct {
	struct event_base *base;
	struct event *grace, *respawn;
	struct event *sweep; /* uploads: expired ones go (-U) */
	struct wproc *procs; /* heritage.stats.slot_count of them */
	int death_wfd;
	int stopping;
	unsigned backoff_ms;
	uint64_t last_death_ms;
} m;

static const struct proc_signal master_signals[] = {
    {SIGTERM, "SIGTERM", master_stop},
    {SIGINT, "SIGINT", master_stop},
    {SIGQUIT, "SIGQUIT", master_stop},
    {SIGHUP, "SIGHUP", master_replace},
    {SIGUSR1, "SIGUSR1", master_dump},
    {SIGCHLD, "SIGCHLD", master_sigchld},
    {SIGPIPE, "SIGPIPE", NULL},
};

int
master_run(void)
{
	int pfd[2];

	heritage.is_master = 1;
	log_setrole("master");
	if (pipe2(pfd, O_CLOEXEC) == -1)
		fatal("pipe");
	heritage.death_fd = pfd[0];
	m.death_wfd = pfd[1];
	m.procs = xcalloc(heritage.stats.slot_count, sizeof(*m.procs));
	m.backoff_ms = 0;

	if ((m.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	proc_set_signals(m.base, master_signals,
	    sizeof(master_signals) / sizeof(master_signals[0]));
	m.grace = evtimer_new(m.base, master_grace_cb, NULL);
	m.respawn = evtimer_new(m.base, master_respawn_cb, NULL);
	if (m.grace == NULL || m.respawn == NULL)
		fatalx("evtimer_new failed");

	if (heritage.upload_dir != NULL)
		master_sweep_start();
	master_fill();
	log_info("%u workers started", master_live());
	event_base_dispatch(m.base);
	log_info("stopped");
	return 0;
}

/* -U: expired uploads are removed by the master, on a timer. */
static void
master_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	upload_sweep();
}

static void
master_sweep_start(void)
{
	const char *env = getenv("HAUL_SWEEP_SECS");
	struct timeval tv = {UPLOAD_SWEEP_SECS, 0};

	if (env != NULL && atoi(env) > 0)
		tv.tv_sec = atoi(env);
	m.sweep = event_new(m.base, -1, EV_PERSIST, master_sweep_cb, NULL);
	if (m.sweep == NULL || event_add(m.sweep, &tv) == -1)
		fatalx("cannot start the uploads' sweep");
}

static unsigned
master_live(void)
{
	unsigned i, n = 0;

	for (i = 0; i < heritage.stats.slot_count; i++)
		if (m.procs[i].pid != 0 && !m.procs[i].old)
			n++;
	return n;
}

/* Fork one worker into a free slot; 0 or -1. */
static int
master_spawn(void)
{
	struct stats_slot *s;
	sigset_t all, old;
	unsigned i;
	pid_t pid;

	for (i = 0; i < heritage.stats.slot_count; i++)
		if (m.procs[i].pid == 0)
			break;
	if (i == heritage.stats.slot_count) {
		log_warnx("%s: no free stats slot", __func__);
		return -1;
	}
	s = &heritage.stats.slots[i];
	atomic_store_explicit(&s->state, SLOT_STARTING, memory_order_relaxed);
	/*
	 * Until the child has its own signal handling, a signal meant for
	 * it would go down libevent's signal channel, which it still
	 * shares with the master, and the master would act on it: block
	 * everything across fork.
	 */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	switch (pid = fork()) {
	case -1:
		sigprocmask(SIG_SETMASK, &old, NULL);
		log_warn("%s: fork", __func__);
		atomic_store_explicit(
		    &s->state, SLOT_FREE, memory_order_relaxed);
		return -1;
	case 0:
		/*
		 * The child must not use the master's base: its epoll set is
		 * shared with the parent.  event_reinit gives the child its
		 * own, then freeing it restores the signal dispositions.
		 */
		close(m.death_wfd);
		event_reinit(m.base);
		event_base_free(m.base);
		sigprocmask(SIG_SETMASK, &old, NULL);
		worker_main(i);
		/* NOTREACHED */
	default:
		sigprocmask(SIG_SETMASK, &old, NULL);
		break;
	}
	atomic_store_explicit(&s->pid, pid, memory_order_relaxed);
	m.procs[i].pid = pid;
	m.procs[i].old = 0;
	m.procs[i].started_ms = now_ms();
	log_debug("worker %u is pid %ld", i, (long)pid);
	return 0;
}

/* Bring the current generation up to --workers. */
static void
master_fill(void)
{
	while (!m.stopping && master_live() < heritage.workers) {
		if (master_spawn() == -1) {
			/* apache: pause after a failed fork, then retry */
			struct timeval tv = {1, 0};

			evtimer_add(m.respawn, &tv);
			return;
		}
	}
}

static void
master_respawn_cb(evutil_socket_t fd, short what, void *arg)
{
	master_fill();
}

static void
master_sigchld(int sig)
{
	master_reap();
}

static void
master_reap(void)
{
	uint64_t now = now_ms(), lived;
	struct timeval tv;
	unsigned i;
	int st, died_unasked = 0;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < heritage.stats.slot_count; i++)
			if (m.procs[i].pid == pid)
				break;
		if (i == heritage.stats.slot_count)
			continue;
		if (WIFSIGNALED(st))
			log_warnx("worker %u (pid %ld) killed by signal %d", i,
			    (long)pid, WTERMSIG(st));
		else if (WEXITSTATUS(st) != 0)
			log_warnx("worker %u (pid %ld) exited with status %d",
			    i, (long)pid, WEXITSTATUS(st));
		else
			log_debug("worker %u (pid %ld) exited", i, (long)pid);
		lived = now - m.procs[i].started_ms;
		if (!m.stopping && !m.procs[i].old) {
			died_unasked = 1;
			atomic_fetch_add_explicit(
			    &heritage.stats.hdr->worker_restarts, 1,
			    memory_order_relaxed);
			/*
			 * A worker that served for a second was killed, not
			 * caught in a crash loop: no longer delay for it.
			 */
			if (lived >= LIVED_MS)
				m.backoff_ms = 0;
		}
		stats_slot_retire(&heritage.stats, i);
		memset(&m.procs[i], 0, sizeof(m.procs[i]));
	}
	if (m.stopping) {
		for (i = 0; i < heritage.stats.slot_count; i++)
			if (m.procs[i].pid != 0)
				return;
		event_base_loopbreak(m.base);
		return;
	}
	if (died_unasked) {
		if (m.backoff_ms == 0 || now - m.last_death_ms > STABLE_MS)
			m.backoff_ms = BACKOFF_MIN_MS;
		else if ((m.backoff_ms *= 2) > BACKOFF_MAX_MS)
			m.backoff_ms = BACKOFF_MAX_MS;
		m.last_death_ms = now;
		tv.tv_sec = m.backoff_ms / 1000;
		tv.tv_usec = (m.backoff_ms % 1000) * 1000;
		log_info("respawning in %u ms", m.backoff_ms);
		evtimer_del(m.respawn);
		evtimer_add(m.respawn, &tv);
	}
}

static void
master_signal_all(int sig, int old_only)
{
	unsigned i;

	for (i = 0; i < heritage.stats.slot_count; i++)
		if (m.procs[i].pid != 0 && (!old_only || m.procs[i].old))
			kill(m.procs[i].pid, sig);
}

static void
master_stop(int sig)
{
	struct timeval tv = {heritage.grace_s, 0};

	if (sig == SIGQUIT) {
		log_info("SIGQUIT: stopping now");
		master_signal_all(SIGQUIT, 0);
		m.stopping = 1;
		while (waitpid(-1, NULL, 0) > 0)
			;
		event_base_loopbreak(m.base);
		return;
	}
	if (m.stopping)
		return;
	log_info("graceful stop: waiting up to %d s for in-flight responses",
	    heritage.grace_s);
	m.stopping = 1;
	evtimer_del(m.respawn);
	master_signal_all(SIGTERM, 0);
	evtimer_add(m.grace, &tv);
	master_reap();
}

static void
master_grace_cb(evutil_socket_t fd, short what, void *arg)
{
	unsigned i;

	for (i = 0; i < heritage.stats.slot_count; i++) {
		if (m.procs[i].pid == 0)
			continue;
		if (!m.stopping && !m.procs[i].old)
			continue;
		log_warnx("worker %u (pid %ld) still busy after %d s: killing",
		    i, (long)m.procs[i].pid, heritage.grace_s);
		kill(m.procs[i].pid, SIGKILL);
	}
}

/* SIGHUP: new workers first, then the old ones finish and leave. */
static void
master_replace(int sig)
{
	struct timeval tv = {heritage.grace_s, 0};
	unsigned i, free_slots;

	if (m.stopping)
		return;
	accesslog_reopen(heritage.access_log, heritage.access_fd,
	    heritage.user != NULL ? heritage.uid : ACCESSLOG_KEEP_OWNER,
	    heritage.gid);
	/*
	 * A new generation needs free slots; while an older one still
	 * drains there may be none, and retiring the current workers
	 * then would leave nobody accepting.  Reopen logs only.
	 */
	for (i = 0, free_slots = 0; i < heritage.stats.slot_count; i++)
		if (m.procs[i].pid == 0)
			free_slots++;
	if (free_slots < heritage.workers) {
		log_warnx(
		    "SIGHUP: logs reopened; workers not replaced: the "
		    "previous generation is still finishing (try again later)");
		return;
	}
	log_info("SIGHUP: reopening logs and replacing workers");
	/* The workers forked next inherit what is re-read. */
	(void)proc_reload_tls(heritage.tls_cert, heritage.tls_key,
	    heritage.tls_client_ca, &heritage.tls);
	proc_reload_auth(
	    AUTH_TOKENS, heritage.auth_tokens_path, &heritage.auth_tokens);
	proc_reload_auth(AUTH_KEYS, heritage.url_key_path, &heritage.url_keys);
	for (i = 0; i < heritage.stats.slot_count; i++)
		if (m.procs[i].pid != 0)
			m.procs[i].old = 1;
	master_fill();
	master_signal_all(SIGTERM, 1);
	evtimer_del(m.grace);
	evtimer_add(m.grace, &tv);
}

static void
master_dump(int sig)
{
	proc_stats_dump(&heritage.stats);
}
