/*
 * A hauld worker process: after fork it clears the master's signal
 * handlers, drops privileges, builds its own event_base, and accepts on
 * the inherited listening sockets until told to stop.
 *
 * Signals (apache's prefork and nginx's workers do the same):
 *   SIGTERM  stop accepting, finish in-flight responses, exit 0
 *   SIGQUIT  exit now
 *   SIGINT   ignored: a Ctrl-C reaches the whole process group, and the
 *            master alone decides how the workers stop
 *   SIGHUP, SIGUSR1, SIGPIPE  ignored
 * EOF on the death pipe (the master is gone) acts as SIGTERM.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "conn.h"
#include "hasher.h"
#include "heritage.h"
#include "log.h"
#include "stats.h"
#include "worker.h"

/*
 * Connections taken per wakeup of a listening socket.  One, as nginx
 * without multi_accept: every worker is woken by a new connection and
 * the first to run takes it, so a burst spreads over the workers.  With
 * 32, a worker woken by a burst took most of it (wrk's 64 connections
 * split 47/19) and the busier one capped the rate: 4 KiB ranges over TLS
 * went from 0.98x to 1.08x nginx.  A SO_REUSEPORT socket per worker
 * balanced as well but measured no faster, and leaves connections
 * queued behind a worker at --max-connections; EPOLLEXCLUSIVE is not
 * reachable through libevent 2.1.
 */
#define ACCEPT_BATCH 1

static void worker_accept_cb(evutil_socket_t, short, void *);
static void worker_retry_cb(evutil_socket_t, short, void *);
static void worker_term_cb(evutil_socket_t, short, void *);
static void worker_quit_cb(evutil_socket_t, short, void *);
static void worker_death_cb(evutil_socket_t, short, void *);
static void worker_accepting(struct worker *, int);
static int worker_evict(struct worker *);
static int worker_make_room(struct worker *, evutil_socket_t);
static void worker_accept_failed(struct worker *, int);
static void worker_stop(struct worker *);

static struct worker worker;

void
worker_main(unsigned slot_idx)
{
	static const int dfl[] = {SIGTERM, SIGQUIT, SIGCHLD, SIGUSR1};
	struct worker *w = &worker;
	unsigned i;

	heritage.is_master = 0;
	log_setrole("worker %u", slot_idx);
	for (i = 0; i < sizeof(dfl) / sizeof(dfl[0]); i++)
		signal(dfl[i], SIG_DFL);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	if (heritage.user != NULL) {
		if (setgroups(1, &heritage.gid) == -1 ||
		    setgid(heritage.gid) == -1 || setuid(heritage.uid) == -1)
			fatal("cannot drop privileges to %s", heritage.user);
	}

	memset(w, 0, sizeof(*w));
	TAILQ_INIT(&w->conns);
	w->slot_idx = slot_idx;
	w->slot = &heritage.stats.slots[slot_idx];
	/* A fresh base: the master's epoll set is shared across fork. */
	if ((w->base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	for (i = 0; i < heritage.nlfd; i++)
		w->lev[i] = event_new(w->base, heritage.lfd[i],
		    EV_READ | EV_PERSIST, worker_accept_cb, w);
	/* Repr-Digest's hashing, off this loop (hasher.c). */
	if (hasher_start(w->slot) == -1)
		log_warnx("no hashing thread: answers go without Repr-Digest");
	w->accept_retry = evtimer_new(w->base, worker_retry_cb, w);
	w->sig_term = evsignal_new(w->base, SIGTERM, worker_term_cb, w);
	w->sig_quit = evsignal_new(w->base, SIGQUIT, worker_quit_cb, w);
	w->death =
	    event_new(w->base, heritage.death_fd, EV_READ, worker_death_cb, w);
	if (w->accept_retry == NULL || w->sig_term == NULL ||
	    w->sig_quit == NULL || w->death == NULL)
		fatalx("event_new failed");
	evsignal_add(w->sig_term, NULL);
	evsignal_add(w->sig_quit, NULL);
	event_add(w->death, NULL);
	worker_accepting(w, 1);

	atomic_store_explicit(
	    &w->slot->state, SLOT_RUNNING, memory_order_relaxed);
	log_debug("started");
	event_base_dispatch(w->base);
	log_debug("exiting");
	_exit(0);
}

static void
worker_accepting(struct worker *w, int on)
{
	unsigned i;

	if (w->accepting == on)
		return;
	for (i = 0; i < heritage.nlfd; i++) {
		if (on)
			event_add(w->lev[i], NULL);
		else
			event_del(w->lev[i]);
	}
	w->accepting = on;
}

static void
worker_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct worker *w = arg;
	struct sockaddr_storage ss;
	socklen_t sl;
	int i, fd, one = 1;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		if (w->nconns >= heritage.max_conns &&
		    !worker_make_room(w, lfd))
			return;
		sl = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			worker_accept_failed(w, errno);
			return;
		}
		/*
		 * No Nagle, as nginx's tcp_nodelay: a response's last small
		 * segment must not wait for the ACK of the one before, which a
		 * delayed ACK holds 40 ms (seen as 44 ms chunks in haulproxy's
		 * second round).  Heads still go out with the body (MSG_MORE).
		 */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		conn_accept(w, fd, (struct sockaddr *)&ss);
		if (w->stopping)
			return;
	}
}

/*
 * At --max-connections: 1 when a connection was evicted for one waiting
 * on lfd, 0 when there is nobody waiting or no room to make (accepting
 * then pauses and is retried soon).
 */
static int
worker_make_room(struct worker *w, evutil_socket_t lfd)
{
	struct pollfd p = {lfd, POLLIN, 0};
	/*
	 * Excess connections wait in the backlog; look again soon, when a
	 * stalled head has aged past a second and becomes evictable.
	 */
	struct timeval tv = {0, 200000};

	/* Make room only for someone actually waiting. */
	if (poll(&p, 1, 0) != 1)
		return 0;
	if (worker_evict(w))
		return 1;
	worker_accepting(w, 0);
	if (!evtimer_pending(w->accept_retry, NULL))
		evtimer_add(w->accept_retry, &tv);
	return 0;
}

/* accept4(2) failed with err: nothing to take, or back off on resources. */
static void
worker_accept_failed(struct worker *w, int err)
{
	/* Back off a little instead of spinning. */
	struct timeval tv = {0, 100000};

	if (err == EAGAIN || err == EINTR || err == ECONNABORTED)
		return;
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		errno = err;
		log_warn("worker_accept_cb: accept");
		stats_add(w->slot, STATS_errors, 1);
		worker_accepting(w, 0);
		evtimer_add(w->accept_retry, &tv);
		return;
	}
	errno = err;
	log_warn("worker_accept_cb: accept");
}

/*
 * At --max-connections, make room the way nginx reuses connections: an
 * idle keep-alive connection goes first, then the slowest request head
 * (one that has taken more than a second so far), so stalled clients
 * cannot hold every slot for a whole --timeout.  1 if one was closed.
 */
static int
worker_evict(struct worker *w)
{
	uint64_t limit = now_ms() + (uint64_t)heritage.timeout_s * 1000 - 1000;
	struct conn *c, *slowest = NULL;

	if (conn_evict_idle(w)) {
		stats_add(w->slot, STATS_timeouts, 1);
		return 1;
	}
	/* w->conns holds no idle connection: those live in conn.c. */
	TAILQ_FOREACH(c, &w->conns, entry) {
		if (c->state != CONN_READING || c->in_len == 0)
			continue;
		if (c->deadline_ms < limit &&
		    (slowest == NULL || c->deadline_ms < slowest->deadline_ms))
			slowest = c;
	}
	if (slowest == NULL)
		return 0;
	stats_add(w->slot, STATS_timeouts, 1);
	conn_free(slowest);
	return 1;
}

static void
worker_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	if (!w->stopping)
		worker_accepting(w, 1);
}

void
worker_conn_closed(struct worker *w)
{
	if (w->stopping) {
		if (w->nconns == 0)
			event_base_loopbreak(w->base);
		return;
	}
	if (!w->accepting && w->nconns < heritage.max_conns &&
	    !evtimer_pending(w->accept_retry, NULL))
		worker_accepting(w, 1);
}

/* Graceful stop: no new connections; idle ones close after a short
 * linger (conn_linger_idle), busy ones after their response (conn.c
 * drops keep-alive while stopping). */
static void
worker_stop(struct worker *w)
{
	if (w->stopping)
		return;
	w->stopping = 1;
	atomic_store_explicit(
	    &w->slot->state, SLOT_STOPPING, memory_order_relaxed);
	worker_accepting(w, 0);
	evtimer_del(w->accept_retry);
	event_del(w->death);
	conn_linger_idle(w);
	if (w->nconns == 0)
		event_base_loopbreak(w->base);
}

static void
worker_term_cb(evutil_socket_t sig, short what, void *arg)
{
	log_debug("SIGTERM: finishing in-flight responses");
	worker_stop(arg);
}

static void
worker_quit_cb(evutil_socket_t sig, short what, void *arg)
{
	_exit(0);
}

static void
worker_death_cb(evutil_socket_t fd, short what, void *arg)
{
	log_warnx("master gone: stopping");
	worker_stop(arg);
}
