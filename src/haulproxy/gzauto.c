/*
 * The --gzip auto trial (gzauto.h): when a trial starts, which way each
 * chunk is asked during it, and the verdict.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "gzauto.h"

void
gzauto_init(struct gzauto *g, unsigned parallel)
{
	memset(g, 0, sizeof(*g));
	g->state = GZAUTO_WARMUP;
	g->best = 1;
	g->parallel = parallel;
}

double
gzauto_rate(const struct gzauto_phase *p)
{
	return p->t1_us > p->t0_us
	    ? (double)p->bytes / (double)(p->t1_us - p->t0_us)
	    : 0;
}

static int
gzauto_due(const struct gzauto *g)
{
	switch (g->state) {
	case GZAUTO_WARMUP:
		return g->nasked == g->parallel + 1;
	case GZAUTO_SETTLED:
		return g->nasked - g->trial_at >= GZAUTO_EVERY;
	default:
		return 0;
	}
}

int
gzauto_ask(struct gzauto *g, uint64_t now_us, enum gzauto_role *role)
{
	struct gzauto_phase *p;

	g->nasked++;
	if (gzauto_due(g)) {
		memset(&g->plain, 0, sizeof(g->plain));
		memset(&g->gzip, 0, sizeof(g->gzip));
		g->plain.to_start = g->gzip.to_start =
		    GZAUTO_TRIAL_CHUNKS * g->parallel;
		g->state = GZAUTO_TRIAL;
		g->trial_at = g->nasked;
	}
	if (g->state != GZAUTO_TRIAL) {
		*role = GZAUTO_NONE;
		return g->best;
	}
	if (g->gzip.to_start > 0) {
		p = &g->gzip; /* gzip first */
		*role = GZAUTO_GZIP;
	} else if (g->plain.to_start > 0) {
		p = &g->plain;
		*role = GZAUTO_PLAIN;
	} else {
		*role = GZAUTO_FILLER;
		return 0;
	}
	p->to_start--;
	p->outstanding++;
	if (p->t0_us == 0)
		p->t0_us = now_us;
	return *role == GZAUTO_GZIP;
}

int
gzauto_end(
    struct gzauto *g, enum gzauto_role role, uint64_t bytes, uint64_t now_us)
{
	struct gzauto_phase *p;

	if (role != GZAUTO_PLAIN && role != GZAUTO_GZIP)
		return 0;
	if (g->state != GZAUTO_TRIAL)
		return 0; /* settled early */
	p = role == GZAUTO_GZIP ? &g->gzip : &g->plain;
	if (p->outstanding > 0)
		p->outstanding--;
	p->bytes += bytes;
	p->t1_us = now_us;
	if (p->to_start > 0 || p->outstanding > 0)
		return 0;
	p->done = 1;
	if (!g->plain.done || !g->gzip.done)
		return 0;
	g->state = GZAUTO_SETTLED;
	if (gzauto_rate(&g->plain) == 0 && gzauto_rate(&g->gzip) == 0)
		return 0; /* all failed: no verdict */
	g->best = gzauto_rate(&g->gzip) > gzauto_rate(&g->plain);
	return 1;
}

int
gzauto_watching(const struct gzauto *g, uint64_t now_us)
{
	return g->state == GZAUTO_TRIAL && g->gzip.done &&
	    g->plain.t0_us != 0 && now_us - g->plain.t0_us >= GZAUTO_MIN_US;
}

int
gzauto_watch(struct gzauto *g, uint64_t inflight, uint64_t now_us)
{
	uint64_t got = g->plain.bytes + inflight;

	if (!gzauto_watching(g, now_us))
		return 0;
	if ((double)got / (double)(now_us - g->plain.t0_us) >=
	    0.5 * gzauto_rate(&g->gzip))
		return 0;
	g->state = GZAUTO_SETTLED;
	g->best = 1;
	return 1;
}
