/*
 * Which chunk of a download is fetched next, and what a failed chunk
 * leads to.  A chunk's state is one value in one array (struct chunk),
 * from missing to durable; the journal's bitmap is made from it at the
 * journal boundary (download.c).  Pure: no libevent, no I/O, so
 * tests/unit/test_sched.c drives it with tables.
 */
#ifndef HAUL_SCHED_H
#define HAUL_SCHED_H

#include <stdint.h>

enum chunk_state {
	CHUNK_MISSING = 0, /* nobody has it: to be handed out */
	CHUNK_INFLIGHT,    /* a fetcher has it (asking, or backing off) */
	CHUNK_WRITTEN,     /* in the part file, not yet synced */
	CHUNK_SYNCING,     /* written, in an fdatasync that runs */
	CHUNK_DURABLE,     /* synced and in the journal */
};

struct chunk {
	uint8_t state; /* enum chunk_state */
	uint8_t tries; /* failures counted against --retries */
	uint32_t crc;  /* CRC-32 of its bytes once written */
};

/* Why a chunk failed: decides retry, restart or giving up. */
enum why {
	WHY_NONE,
	WHY_NET, /* connection refused, reset, truncated */
	WHY_TIMEOUT,
	WHY_BAD,     /* a wrong answer: retry */
	WHY_NOGZIP,  /* a 200 for a gzip Range: retry plain */
	WHY_CHANGED, /* the origin's file changed: start over */
	WHY_GONE,    /* 404 */
	WHY_NORANGE, /* origin ignores Range */
	WHY_DISK,    /* pwrite failed */
};

/* What follows a chunk's failure. */
enum sched_verdict {
	SCHED_RETRY,   /* back off, then ask the same chunk again */
	SCHED_AGAIN,   /* ask it again at once (plain), no retry counted */
	SCHED_GIVE_UP, /* --retries used up: the download fails */
	SCHED_RESTART, /* the file changed: start over from HEAD */
	SCHED_GONE,    /* 404: the download fails */
	SCHED_NORANGE, /* the origin ignores Range: the download fails */
	SCHED_DISK,    /* cannot write: the download fails, data kept */
};

#define SCHED_BACKOFF_BASE_MS 200
#define SCHED_BACKOFF_MAX_MS 10000

/*
 * Hand out the next missing chunk at or after *cursor (wrapping), mark it
 * in flight and move *cursor past it; -1 when none is missing.  Chunks go
 * out in file order, each once, whatever the parallelism.
 */
int64_t sched_next(struct chunk *, uint32_t nchunks, uint32_t *cursor);
/*
 * Chunk c failed for why: the verdict, counting the try against retries
 * where one counts (c->tries then says how many so far).
 */
enum sched_verdict sched_failed(struct chunk *c, enum why, unsigned retries);
/*
 * The back-off before try number tries (1, 2, ...): exponential from
 * SCHED_BACKOFF_BASE_MS, at most SCHED_BACKOFF_MAX_MS, its second half
 * jittered by rnd (random()).
 */
uint64_t sched_backoff_ms(unsigned tries, uint64_t rnd);

#endif
