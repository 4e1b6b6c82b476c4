/*
 * Unit tests for syncer.c, a download's write-back and fdatasync thread:
 * a sync asked is heard on the loop, once; write-back spans of any size
 * are taken; an fdatasync that fails (a pipe cannot be synced) reaches
 * done() with its errno, or syncer_wait() when the loop waits instead,
 * and then done() is not called for it; free with work pending.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "syncer.h"
#include "unit.h"

struct seen {
	int calls;
	int err;
	struct event_base *base;
};

static void
on_done(void *arg, int err)
{
	struct seen *s = arg;

	s->calls++;
	s->err = err;
	event_base_loopbreak(s->base);
}

/* Run the loop until done() or ms milliseconds. */
static void
run_loop(struct event_base *base, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

/* A scratch file of n bytes, open for writing; its path is unlinked. */
static int
scratch(size_t n)
{
	char path[] = "/tmp/test_syncer.XXXXXX";
	char buf[4096];
	size_t k;
	int fd = mkstemp(path);

	if (fd == -1)
		return -1;
	unlink(path);
	memset(buf, 'x', sizeof(buf));
	for (k = 0; k < n; k += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return -1;
	return fd;
}

static void
test_sync(void)
{
	struct seen s = {0, -1, event_base_new()};
	struct syncer *sy;
	int fd = scratch(8u << 20);

	CHECK(fd != -1);
	sy = syncer_new(s.base, fd, on_done, &s);
	CHECK(sy != NULL);
	if (sy == NULL)
		return;
	/* Small spans wait; a span of 8 MiB starts the thread. */
	syncer_writeback(sy, 0, 4096);
	syncer_writeback(sy, 1u << 20, 4096);
	syncer_writeback(sy, 0, 8u << 20);
	syncer_sync(sy);
	run_loop(s.base, 5000);
	CHECK_INT(s.calls, 1);
	CHECK_INT(s.err, 0);
	/* Nothing more to hear: the loop ends on its timer. */
	syncer_sync(sy);
	CHECK_INT(syncer_wait(sy), 0);
	run_loop(s.base, 200);
	CHECK_INT(s.calls, 1);
	syncer_free(sy);
	close(fd);
	event_base_free(s.base);
}

static void
test_errors(void)
{
	struct seen s = {0, -1, event_base_new()};
	struct syncer *sy;
	int p[2];

	CHECK(pipe(p) == 0);
	/* fdatasync(2) of a pipe fails with EINVAL. */
	sy = syncer_new(s.base, p[1], on_done, &s);
	CHECK(sy != NULL);
	if (sy == NULL)
		return;
	syncer_sync(sy);
	run_loop(s.base, 5000);
	CHECK_INT(s.calls, 1);
	CHECK_INT(s.err, EINVAL);
	/* The loop waits instead: the error is syncer_wait's, once. */
	syncer_sync(sy);
	CHECK_INT(syncer_wait(sy), EINVAL);
	CHECK_INT(syncer_wait(sy), 0);
	s.calls = 0;
	event_base_loop(s.base, EVLOOP_NONBLOCK);
	CHECK_INT(s.calls, 0);
	/* Freed with a sync asked and write-back pending. */
	syncer_writeback(sy, 0, 64u << 20);
	syncer_sync(sy);
	syncer_free(sy);
	close(p[0]);
	close(p[1]);
	event_base_free(s.base);
}

static const struct unit_test tests[] = {
    {"sync heard on the loop", test_sync},
    {"errors to done or to wait", test_errors},
};

UNIT_MAIN(tests)
