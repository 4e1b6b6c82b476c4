/*
 * chaos_statsread STATSFILE SECS: sum a stats region with stats_totals()
 * (the code behind haulstat and /metrics) again and again for SECS
 * seconds, and report every counter total that went down from one sum to
 * the next.  Used by tests/chaos_stats.sh while workers come and go.
 *
 * It sums in bursts of 5 ms with 5 ms pauses, so it takes half a core.
 * Prints "sums=N backwards=M", then up to ten lines naming a counter and
 * its two totals.  Exit status 0, or 2 when the file cannot be attached.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "stats.h"

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int
main(int argc, char **argv)
{
	struct stats_region r;
	struct timespec pause = { 0, 5000000 };
	uint64_t prev[STATS_NFIELDS], cur[STATS_NFIELDS], end, burst;
	unsigned long long sums = 0, back = 0;
	char err[256];
	int f, first = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: chaos_statsread STATSFILE SECS\n");
		return 2;
	}
	if (stats_attach(&r, argv[1], err, sizeof(err)) == -1) {
		fprintf(stderr, "chaos_statsread: %s\n", err);
		return 2;
	}
	end = now_us() + (uint64_t)atoi(argv[2]) * 1000000;
	while (now_us() < end) {
		burst = now_us() + 5000;
		while (now_us() < burst) {
			stats_totals(&r, cur);
			sums++;
			for (f = 0; f < STATS_NFIELDS; f++) {
				if (stats_field_type[f] != COUNTER || first ||
				    cur[f] >= prev[f])
					continue;
				if (++back <= 10)
					printf("%s went from %llu to %llu\n",
					    stats_field_name[f],
					    (unsigned long long)prev[f],
					    (unsigned long long)cur[f]);
			}
			for (f = 0; f < STATS_NFIELDS; f++)
				prev[f] = cur[f];
			first = 0;
		}
		nanosleep(&pause, NULL);
	}
	printf("sums=%llu backwards=%llu\n", sums, back);
	stats_detach(&r);
	return 0;
}
