/*
 * Unit tests for gzauto.c, the --gzip auto trial: when a trial starts
 * and which part each chunk plays in it, which way it chooses given the
 * rates measured, when the watch on a slow plain phase stops it early,
 * and when the next trial comes.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gzauto.h"
#include "unit.h"

/* The roles of the next n chunks asked, as letters, each ended at once. */
static void
roles(struct gzauto *g, unsigned n, char *out)
{
	static const char letter[] = {'-', 'p', 'g', 'f'};
	enum gzauto_role role;
	unsigned i;
	int gz;

	for (i = 0; i < n; i++) {
		gz = gzauto_ask(g, 1000 + i, &role);
		out[i] = letter[role];
		CHECK_INT(gz,
		    role == GZAUTO_GZIP || (role == GZAUTO_NONE && g->best));
	}
	out[n] = '\0';
}

/*
 * --parallel 2: two warm-up chunks asked the default way (gzip), then a
 * trial: 4 x 2 gzip, 4 x 2 plain, then plain fillers until the plain
 * phase's chunks have all ended.
 */
static void
test_trial_roles(void)
{
	struct gzauto g;
	char got[64];

	gzauto_init(&g, 2);
	CHECK_INT(g.state, GZAUTO_WARMUP);
	CHECK_INT(g.best, 1);
	roles(&g, 2, got);
	CHECK_STR(got, "--");
	CHECK_INT(g.state, GZAUTO_WARMUP);
	roles(&g, 20, got);
	CHECK_STR(got, "ggggggggppppppppffff");
	CHECK_INT(g.state, GZAUTO_TRIAL);
	CHECK_INT(g.trial_at, 3);
}

struct verdict_case {
	const char *name;
	uint64_t gzip_bytes, gzip_us;   /* the gzip phase, in aggregate */
	uint64_t plain_bytes, plain_us; /* the plain phase */
	int want_verdict;               /* gzauto_end() said so */
	int want_best;                  /* 1: gzip */
};

static const struct verdict_case verdict_cases[] = {
    {"loopback: plain faster", 8 << 20, 40000, 8 << 20, 10000, 1, 0},
    {"slow link: gzip faster", 8 << 20, 10000, 8 << 20, 40000, 1, 1},
    {"a tie goes plain", 8 << 20, 10000, 8 << 20, 10000, 1, 0},
    {"plain all failed", 8 << 20, 10000, 0, 10000, 1, 1},
    {"gzip all failed", 0, 10000, 8 << 20, 10000, 1, 0},
    {"all failed: no verdict, best kept", 0, 10000, 0, 10000, 0, 1},
};

/*
 * --parallel 1: one warm-up chunk, then the gzip phase's 4 chunks
 * started at t = 1 s and ended gzip_us later, then the plain phase's 4
 * likewise; bytes are shared out among a phase's chunks.
 */
static void
run_trial(struct gzauto *g, const struct verdict_case *t, int *verdict)
{
	enum gzauto_role role;
	uint64_t t0 = 1000000;
	unsigned i;

	gzauto_init(g, 1);
	gzauto_ask(g, 1, &role);
	gzauto_end(g, role, 1000, 2);
	for (i = 0; i < 4; i++)
		gzauto_ask(g, t0, &role);
	for (i = 0; i < 4; i++)
		*verdict = gzauto_end(
		    g, GZAUTO_GZIP, t->gzip_bytes / 4, t0 + t->gzip_us);
	t0 += t->gzip_us;
	for (i = 0; i < 4; i++) {
		gzauto_ask(g, t0, &role);
		CHECK_INT(role, GZAUTO_PLAIN);
	}
	for (i = 0; i < 4; i++)
		*verdict = gzauto_end(
		    g, GZAUTO_PLAIN, t->plain_bytes / 4, t0 + t->plain_us);
}

static void
test_verdict(void)
{
	struct gzauto g;
	size_t i;
	int verdict = -1;

	for (i = 0; i < sizeof(verdict_cases) / sizeof(verdict_cases[0]); i++) {
		const struct verdict_case *t = &verdict_cases[i];
		int before = unit_failures;

		run_trial(&g, t, &verdict);
		CHECK_INT(verdict, t->want_verdict);
		CHECK_INT(g.best, t->want_best);
		CHECK_INT(g.state, GZAUTO_SETTLED);
		if (unit_failures != before)
			fprintf(stderr, "  row: %s\n", t->name);
	}
}

struct watch_case {
	const char *name;
	uint64_t plain_us; /* how long the plain phase has run */
	uint64_t inflight; /* bytes of its chunks received so far */
	int want_stop;
};

/* The gzip phase ran at 100 bytes/us; half of it is 50 bytes/us. */
static const struct watch_case watch_cases[] = {
    {"too early to judge", GZAUTO_MIN_US - 1, 0, 0},
    {"slow after MIN_US: gzip wins", GZAUTO_MIN_US, 0, 1},
    {"just under half", 100000, 100000 * 50 - 1, 1},
    {"half the rate is enough", 100000, 100000 * 50, 0},
    {"as fast", 100000, 100000 * 100, 0},
};

static void
test_watch(void)
{
	struct gzauto g;
	enum gzauto_role role;
	uint64_t t0 = 1000000;
	size_t i;
	unsigned k;

	for (i = 0; i < sizeof(watch_cases) / sizeof(watch_cases[0]); i++) {
		const struct watch_case *t = &watch_cases[i];
		int before = unit_failures;

		gzauto_init(&g, 1);
		gzauto_ask(&g, 1, &role); /* warm-up */
		for (k = 0; k < 4; k++)
			gzauto_ask(&g, t0, &role);
		for (k = 0; k < 4; k++)
			gzauto_end(&g, GZAUTO_GZIP, 100 * 10000, t0 + 40000);
		/* Not watched while the plain phase has not started. */
		CHECK_INT(gzauto_watch(&g, 0, t0 + 10000000), 0);
		gzauto_ask(&g, t0 + 40000, &role);
		CHECK_INT(role, GZAUTO_PLAIN);
		CHECK_INT(
		    gzauto_watch(&g, t->inflight, t0 + 40000 + t->plain_us),
		    t->want_stop);
		CHECK_INT(
		    g.state, t->want_stop ? GZAUTO_SETTLED : GZAUTO_TRIAL);
		CHECK_INT(g.best, 1);
		if (t->want_stop) /* chunks of the trial ending late: ignored */
			CHECK_INT(
			    gzauto_end(&g, GZAUTO_PLAIN, 1, t0 + 900000), 0);
		if (unit_failures != before)
			fprintf(stderr, "  row: %s\n", t->name);
	}
}

/* Settled, the next trial starts GZAUTO_EVERY chunks after the last. */
static void
test_next_trial(void)
{
	static const struct verdict_case fast_plain = {
	    "", 8 << 20, 40000, 8 << 20, 10000, 1, 0};
	struct gzauto g;
	enum gzauto_role role;
	uint32_t asked;
	int verdict, gz;

	run_trial(&g, &fast_plain, &verdict);
	CHECK_INT(g.best, 0);
	/* 1 warm-up + 8 trial chunks asked; the trial began at chunk 2. */
	for (asked = g.nasked + 1; asked < 2 + GZAUTO_EVERY; asked++) {
		gz = gzauto_ask(&g, 5000000, &role);
		if (role != GZAUTO_NONE || gz != 0) {
			FAILF("chunk %u: role %d gzip %d", asked, role, gz);
			return;
		}
	}
	gz = gzauto_ask(&g, 5000000, &role);
	CHECK_INT(role, GZAUTO_GZIP);
	CHECK_INT(gz, 1);
	CHECK_INT(g.state, GZAUTO_TRIAL);
	CHECK_INT(g.trial_at, 2 + GZAUTO_EVERY);
	CHECK_INT(g.gzip.to_start, GZAUTO_TRIAL_CHUNKS - 1);
}

static const struct unit_test tests[] = {
    {"trial roles", test_trial_roles},
    {"verdict from the rates", test_verdict},
    {"watch on the plain phase", test_watch},
    {"next trial", test_next_trial},
};

UNIT_MAIN(tests)
