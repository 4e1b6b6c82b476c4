/*
 * --gzip auto: which way chunks are asked, gzip or plain, decided by
 * timing both.  Which is faster depends on what limits: on a slow link
 * every wire byte of gzip carries ratio times the payload; on loopback or
 * a fast link compressing (the origin's deflate, our inflate) limits and
 * plain chunks are faster.  Per-connection timings cannot tell (they
 * charge each way for the other's work on the shared CPU), so a trial
 * measures each way in aggregate: after one warm-up round of gzip,
 * GZAUTO_TRIAL_CHUNKS x --parallel chunks gzip, then as many plain, each
 * phase timed from its first start to its last end; the faster wins.
 * Until the plain phase ends, more chunks go plain as fillers, uncounted,
 * so gzip work does not slow it.  A slow link makes the plain phase
 * expensive, so it is watched as it streams: once it has run
 * GZAUTO_MIN_US and delivers less than half the gzip phase's rate (its
 * partly received chunks counted), gzip has won and the plain and filler
 * chunks in flight are abandoned (to be asked again with gzip).  The
 * trial repeats every GZAUTO_EVERY chunks, so a change of link is
 * noticed.
 *
 * Pure: the caller passes the clock (microseconds) and the bytes in
 * flight; tests/unit/test_gzauto.c drives it with tables.
 */
#ifndef HAUL_GZAUTO_H
#define HAUL_GZAUTO_H

#include <stdint.h>

#define GZAUTO_TRIAL_CHUNKS 4 /* x --parallel a phase */
#define GZAUTO_MIN_US 20000   /* plain's partial rate counts after */
#define GZAUTO_EVERY 2048     /* chunks between trials */

enum gzauto_state {
	GZAUTO_WARMUP,  /* the first --parallel chunks: gzip, no trial yet */
	GZAUTO_TRIAL,   /* timing both ways */
	GZAUTO_SETTLED, /* asking the winner until the next trial */
};

/* The part one chunk plays in a trial. */
enum gzauto_role {
	GZAUTO_NONE,   /* asked the settled way, not timed */
	GZAUTO_PLAIN,  /* a chunk of the plain phase */
	GZAUTO_GZIP,   /* a chunk of the gzip phase */
	GZAUTO_FILLER, /* plain, untimed, while the plain phase finishes */
};

/* One way's phase of a trial, timed in aggregate. */
struct gzauto_phase {
	unsigned to_start, outstanding;
	int done;
	uint64_t bytes, t0_us, t1_us;
};

struct gzauto {
	enum gzauto_state state;
	int best; /* 1: gzip, 0: plain */
	unsigned parallel;
	struct gzauto_phase plain, gzip;
	uint32_t nasked;   /* chunks asked */
	uint32_t trial_at; /* nasked when the last trial began */
};

void gzauto_init(struct gzauto *, unsigned parallel);
/* The next chunk: 1 to ask it gzip, 0 plain; *role its part. */
int gzauto_ask(struct gzauto *, uint64_t now_us, enum gzauto_role *role);
/*
 * A chunk of role ended with bytes of payload (0: failed).  1 when this
 * ended the trial with a verdict (g->best), else 0.
 */
int gzauto_end(
    struct gzauto *, enum gzauto_role, uint64_t bytes, uint64_t now_us);
/*
 * Whether the plain phase should be watched now: a trial whose gzip phase
 * is done and whose plain phase has run GZAUTO_MIN_US.
 */
int gzauto_watching(const struct gzauto *, uint64_t now_us);
/*
 * The plain phase is streaming and inflight bytes of its chunks have come
 * so far: 1 when it is too slow, the trial is over and gzip won (abandon
 * the PLAIN and FILLER chunks in flight), else 0.
 */
int gzauto_watch(struct gzauto *, uint64_t inflight, uint64_t now_us);
/* A phase's rate in bytes per microsecond (MB/s); 0 before it ran. */
double gzauto_rate(const struct gzauto_phase *);

#endif
