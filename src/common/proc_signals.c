/*
 * The daemons' signal table: each row's signal becomes a libevent signal
 * event whose callback runs the row's action in the loop.  Linked into
 * hauld and haulproxy only, so that libhaul.a stays free of libevent.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>

#include <event2/event.h>

#include "log.h"
#include "proc.h"

static void proc_signal_cb(evutil_socket_t, short, void *);

static void
proc_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	const struct proc_signal *row = arg;

	row->action(row->sig);
}

void
proc_set_signals(
    struct event_base *base, const struct proc_signal *table, size_t n)
{
	struct event *ev;
	size_t i;

	for (i = 0; i < n; i++) {
		if (table[i].action == NULL) {
			signal(table[i].sig, SIG_IGN);
			continue;
		}
		ev = evsignal_new(
		    base, table[i].sig, proc_signal_cb, (void *)&table[i]);
		if (ev == NULL || evsignal_add(ev, NULL) == -1)
			fatalx("cannot watch %s", table[i].name);
	}
}
