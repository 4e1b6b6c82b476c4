/*
 * Unit tests for sched.c: which chunk an idle fetcher gets next, given
 * the chunk states, the cursor and how many fetchers are idle; what a
 * failed chunk leads to, given why and its tries against --retries; and
 * the back-off before a retry.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sched.h"
#include "unit.h"

#define MAXCH 32

/* States as letters: '.' missing, 'I' in flight, 'W' written, 'D' durable. */
static const char letters[] = ".IWD";

static void
states(struct chunk *ch, const char *s)
{
	size_t i;

	memset(ch, 0, MAXCH * sizeof(*ch));
	for (i = 0; s[i] != '\0'; i++)
		ch[i].state = (uint8_t)(strchr(letters, s[i]) - letters);
}

struct next_case {
	const char *states;
	uint32_t cursor;
	unsigned idle;     /* fetchers asking, one after another */
	const char *picks; /* the chunks they get, "-" for none */
	uint32_t cursor_after;
	const char *after; /* the states afterwards */
};

static const struct next_case next_cases[] = {
    /* A fresh download: in file order, one each. */
    {"....", 0, 1, "0", 1, "I..."},
    {"....", 0, 4, "0 1 2 3", 0, "IIII"},
    {"......", 0, 4, "0 1 2 3", 4, "IIII.."},
    /* More fetchers than chunks: the rest stay idle. */
    {"..", 0, 4, "0 1 - -", 0, "II"},
    /* Resumed: durable and written chunks are never asked again. */
    {"DD.D.", 0, 2, "2 4", 0, "DDIDI"},
    {"WDW.", 0, 1, "3", 0, "WDWI"},
    /* In flight (or backing off to retry) is someone else's. */
    {"I.I.", 0, 3, "1 3 -", 0, "IIII"},
    /* The cursor goes on from the last chunk handed out, wrapping. */
    {"....", 2, 3, "2 3 0", 1, "I.II"},
    {".DDD", 1, 1, "0", 1, "IDDD"},
    /* Nothing missing: no chunk, the cursor where it was. */
    {"DWID", 3, 1, "-", 3, "DWID"},
    {"", 0, 1, "-", 0, ""},
};

static void
test_next(void)
{
	struct chunk ch[MAXCH];
	char got[128], after[MAXCH + 1];
	size_t i, k;
	unsigned f;
	uint32_t cursor, n;
	int64_t c;

	for (i = 0; i < sizeof(next_cases) / sizeof(next_cases[0]); i++) {
		const struct next_case *t = &next_cases[i];
		int before = unit_failures;

		states(ch, t->states);
		n = (uint32_t)strlen(t->states);
		cursor = t->cursor;
		got[0] = '\0';
		for (f = 0; f < t->idle; f++) {
			c = sched_next(ch, n, &cursor);
			k = strlen(got);
			if (c == -1)
				snprintf(got + k, sizeof(got) - k, "%s-",
				    f ? " " : "");
			else
				snprintf(got + k, sizeof(got) - k, "%s%lld",
				    f ? " " : "", (long long)c);
		}
		for (k = 0; k < n; k++)
			after[k] = letters[ch[k].state];
		after[n] = '\0';
		CHECK_STR(got, t->picks);
		CHECK_INT(cursor, t->cursor_after);
		CHECK_STR(after, t->after);
		if (unit_failures != before)
			fprintf(stderr, "  row %zu: %s\n", i, t->states);
	}
}

struct failed_case {
	enum why why;
	unsigned tries; /* before this failure */
	unsigned retries;
	enum sched_verdict want;
	unsigned tries_after;
};

static const struct failed_case failed_cases[] = {
    /* Counted failures: retried until --retries are used up. */
    {WHY_NET, 0, 3, SCHED_RETRY, 1},
    {WHY_TIMEOUT, 2, 3, SCHED_RETRY, 3},
    {WHY_BAD, 3, 3, SCHED_GIVE_UP, 4},
    {WHY_NET, 0, 0, SCHED_GIVE_UP, 1},
    /* Not the chunk's fault: no try counted. */
    {WHY_NOGZIP, 5, 3, SCHED_AGAIN, 5},
    {WHY_CHANGED, 0, 3, SCHED_RESTART, 0},
    {WHY_GONE, 0, 3, SCHED_GONE, 0},
    {WHY_NORANGE, 1, 3, SCHED_NORANGE, 1},
    {WHY_DISK, 0, 3, SCHED_DISK, 0},
};

static void
test_failed(void)
{
	size_t i;

	for (i = 0; i < sizeof(failed_cases) / sizeof(failed_cases[0]); i++) {
		const struct failed_case *t = &failed_cases[i];
		struct chunk c = {CHUNK_INFLIGHT, (uint8_t)t->tries, 0};

		CHECK_INT(sched_failed(&c, t->why, t->retries), t->want);
		CHECK_INT(c.tries, t->tries_after);
		CHECK_INT(c.state, CHUNK_INFLIGHT); /* the fetcher keeps it */
	}
}

struct backoff_case {
	unsigned tries;
	uint64_t rnd;
	uint64_t want;
};

static const struct backoff_case backoff_cases[] = {
    /* Half fixed, half jitter: 200 ms doubling, 10 s at most. */
    {1, 0, 100},
    {1, 100, 200},
    {1, 101, 100}, /* rnd is taken modulo the jitter + 1 */
    {2, 0, 200},
    {3, 200, 600},
    {6, 0, 3200},
    {7, 0, 5000},
    {7, 5000, 10000},
    {40, 0, 5000},
    {255, 5000, 10000},
};

static void
test_backoff(void)
{
	size_t i;

	for (i = 0; i < sizeof(backoff_cases) / sizeof(backoff_cases[0]); i++)
		CHECK_INT(sched_backoff_ms(
		              backoff_cases[i].tries, backoff_cases[i].rnd),
		    backoff_cases[i].want);
}

static const struct unit_test tests[] = {
    {"sched_next", test_next},
    {"sched_failed", test_failed},
    {"sched_backoff_ms", test_backoff},
};

UNIT_MAIN(tests)
