/*
 * A download's disk work in a thread (syncer.h).
 *
 * Keeping written chunks durable costs the loop twice if it does the
 * work itself: sync_file_range(2) submits the I/O in the caller's
 * context (on a virtual machine each submission is an exit to the host:
 * measured, 13% of the loop's CPU on a 1 GiB https fetch), and the batch
 * fdatasync(2) blocks the loop, and with it every connection of every
 * download, until the disk answers.  Here both run in a thread per
 * download on the machine's other core; the loop only hands it ranges
 * and, when it asks for an fdatasync, hears back through a pipe.
 *
 * The thread touches nothing of the loop's: the pending write-back span,
 * the flags and the result under one mutex.  Write-back is advice: a
 * span not started before an fdatasync is that fdatasync's to write.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

#include "syncer.h"
#include "util.h"

/*
 * Write-back waits for this much: each start is a request to the disk
 * (a doorbell, an exit to the host on a virtual machine).  Measured on a
 * 1 GiB https fetch: every 128 KiB window 0.90-1.03 s, 1 MiB 0.88-0.90,
 * 4 MiB 0.80-0.86, 16 MiB 0.83-0.93.
 */
#define WB_MIN (4ull << 20)

struct syncer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t more; /* work, or quit */
	pthread_cond_t idle; /* an fdatasync ended */
	int fd;
	int pipe[2]; /* the thread tells the loop: an fdatasync ended */
	struct event *ev;
	void (*done)(void *, int);
	void *arg;
	uint64_t wb_lo, wb_hi; /* write-back to start: [lo, hi) */
	int wb, asked, running, quit;
	int ready, err; /* a result done() has not had */
};

static void *syncer_main(void *);
static void syncer_cb(evutil_socket_t, short, void *);

struct syncer *
syncer_new(
    struct event_base *base, int fd, void (*done)(void *, int), void *arg)
{
	struct syncer *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->pipe[0] = s->pipe[1] = -1;
	s->done = done;
	s->arg = arg;
	s->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (s->fd == -1 || pipe(s->pipe) == -1 ||
	    fd_nonblock(s->pipe[0]) == -1 || fd_nonblock(s->pipe[1]) == -1 ||
	    fcntl(s->pipe[0], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(s->pipe[1], F_SETFD, FD_CLOEXEC) == -1 ||
	    (s->ev = event_new(base, s->pipe[0], EV_READ | EV_PERSIST,
	         syncer_cb, s)) == NULL ||
	    event_add(s->ev, NULL) == -1)
		goto fail;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->more, NULL);
	pthread_cond_init(&s->idle, NULL);
	if (thread_start(&s->thread, NULL, syncer_main, s) == 0)
		return s;
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->more);
	pthread_cond_destroy(&s->idle);
fail:
	if (s->ev != NULL)
		event_free(s->ev);
	if (s->pipe[0] != -1)
		close(s->pipe[0]);
	if (s->pipe[1] != -1)
		close(s->pipe[1]);
	if (s->fd != -1)
		close(s->fd);
	free(s);
	return NULL;
}

void
syncer_writeback(struct syncer *s, uint64_t off, uint64_t len)
{
	pthread_mutex_lock(&s->mu);
	if (!s->wb) {
		s->wb_lo = off;
		s->wb_hi = off + len;
	} else {
		/* One span: the kernel skips its pages that are not dirty. */
		if (off < s->wb_lo)
			s->wb_lo = off;
		if (off + len > s->wb_hi)
			s->wb_hi = off + len;
	}
	s->wb = 1;
	/* The thread sleeps until there is enough: wake it only then. */
	if (s->wb_hi - s->wb_lo >= WB_MIN)
		pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->mu);
}

void
syncer_sync(struct syncer *s)
{
	pthread_mutex_lock(&s->mu);
	s->asked = 1;
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->mu);
}

int
syncer_wait(struct syncer *s)
{
	int err;

	pthread_mutex_lock(&s->mu);
	while (s->asked || s->running)
		pthread_cond_wait(&s->idle, &s->mu);
	err = s->ready ? s->err : 0;
	s->ready = 0;
	pthread_mutex_unlock(&s->mu);
	return err;
}

/* One fdatasync, the lock held on entry and on return. */
static void
syncer_datasync(struct syncer *s)
{
	int err;

	s->asked = 0;
	s->running = 1;
	s->wb = 0; /* the fdatasync writes it all */
	pthread_mutex_unlock(&s->mu);
	err = fdatasync(s->fd) == -1 ? errno : 0;
	pthread_mutex_lock(&s->mu);
	s->running = 0;
	/* A result not yet delivered is kept if it was an error. */
	if (!s->ready || s->err == 0)
		s->err = err;
	s->ready = 1;
	pthread_cond_broadcast(&s->idle);
	/* Full pipe: a byte is waiting already, the loop reads them all. */
	(void)!write(s->pipe[1], "", 1);
}

static void *
syncer_main(void *arg)
{
	struct syncer *s = arg;
	uint64_t lo, hi;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->quit && !s->asked &&
		    !(s->wb && s->wb_hi - s->wb_lo >= WB_MIN))
			pthread_cond_wait(&s->more, &s->mu);
		if (s->quit)
			break;
		if (s->asked) {
			syncer_datasync(s);
			continue;
		}
		lo = s->wb_lo;
		hi = s->wb_hi;
		s->wb = 0;
		pthread_mutex_unlock(&s->mu);
		fd_writeback(s->fd, lo, hi - lo);
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* The loop's side of the pipe: hand done() the result, if still there. */
static void
syncer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct syncer *s = arg;
	char buf[64];
	int ready, err;

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&s->mu);
	ready = s->ready;
	err = s->err;
	if (ready)
		s->ready = 0;
	pthread_mutex_unlock(&s->mu);
	if (ready)
		s->done(s->arg, err);
}

void
syncer_free(struct syncer *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->quit = 1;
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->more);
	pthread_cond_destroy(&s->idle);
	event_free(s->ev);
	close(s->pipe[0]);
	close(s->pipe[1]);
	close(s->fd);
	free(s);
}
