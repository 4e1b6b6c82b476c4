/*
 * The chunk scheduler (sched.h): a cursor over the chunk states, the
 * failure verdicts and the retry back-off.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sched.h"

int64_t
sched_next(struct chunk *ch, uint32_t n, uint32_t *cursor)
{
	uint32_t scanned, c;

	for (scanned = 0; scanned < n; scanned++) {
		c = *cursor;
		*cursor = (*cursor + 1) % n;
		if (ch[c].state == CHUNK_MISSING) {
			ch[c].state = CHUNK_INFLIGHT;
			return c;
		}
	}
	return -1;
}

enum sched_verdict
sched_failed(struct chunk *c, enum why why, unsigned retries)
{
	switch (why) {
	case WHY_CHANGED:
		return SCHED_RESTART;
	case WHY_GONE:
		return SCHED_GONE;
	case WHY_NORANGE:
		return SCHED_NORANGE;
	case WHY_DISK:
		return SCHED_DISK;
	case WHY_NOGZIP:
		/* Not the chunk's fault: at once, plain, no retry counted. */
		return SCHED_AGAIN;
	default:
		break;
	}
	return ++c->tries > retries ? SCHED_GIVE_UP : SCHED_RETRY;
}

uint64_t
sched_backoff_ms(unsigned tries, uint64_t rnd)
{
	uint64_t ms = SCHED_BACKOFF_MAX_MS;

	/* Exponential back-off with jitter: half fixed, half random. */
	if (tries - 1 < 16)
		ms = (uint64_t)SCHED_BACKOFF_BASE_MS << (tries - 1);
	if (ms > SCHED_BACKOFF_MAX_MS)
		ms = SCHED_BACKOFF_MAX_MS;
	return ms / 2 + rnd % (ms / 2 + 1);
}
