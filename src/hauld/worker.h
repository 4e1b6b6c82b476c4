/*
 * A hauld worker: one event_base accepting on the inherited listening
 * sockets, its connections, and its slot of the stats region.
 */
#ifndef HAUL_WORKER_H
#define HAUL_WORKER_H

#include <sys/queue.h>

#include "heritage.h"

struct event_base;
struct event;
struct conn;

struct worker {
	struct event_base *base;
	struct event *lev[HERITAGE_MAX_LISTEN];
	struct event *sig_term, *sig_quit, *death, *accept_retry;
	struct stats_slot *slot;
	unsigned slot_idx;
	unsigned nconns;
	int accepting;
	int stopping;
	TAILQ_HEAD(, conn) conns;
};

/* Child side of fork: never returns. */
void worker_main(unsigned slot_idx) __attribute__((noreturn));

/* A connection closed: may resume accepting or finish a graceful stop. */
void worker_conn_closed(struct worker *);

#endif
