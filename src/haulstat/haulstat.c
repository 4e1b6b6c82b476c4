/*
 * haulstat: read a hauld or haulproxy stats file (read-only mmap) and
 * show its counters, like varnishstat: once (-1), as JSON (-j), or
 * refreshed every -i seconds until interrupted.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "opts.h"
#include "stats.h"
#include "util.h"

/* The command line. */
struct haulstat_opts {
	int once;           /* -1 */
	int json;           /* -j */
	long long interval; /* -i, seconds */
	const char *file;
};

static void usage(FILE *, int) __attribute__((noreturn));
static void haulstat_options(struct haulstat_opts *, int, char *[]);
static void show(const struct stats_region *, const uint64_t *, double, int);
static void show_slots(const struct stats_region *);
static void show_origins(const struct stats_region *);
static int show_json(const struct stats_region *);

static volatile sig_atomic_t done;

static const struct option longopts[] = {{"once", no_argument, NULL, '1'},
    {"json", no_argument, NULL, 'j'},
    {"interval", required_argument, NULL, 'i'},
    {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0}};

/* The synopsis is haulstat.1's; the list names every option of longopts. */
static void
usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: haulstat [-1hjV] [-i seconds] statsfile\n"
	    "  -1, --once                    show once and exit\n"
	    "  -h, --help                    this help\n"
	    "  -i, --interval seconds        refresh every seconds [1]\n"
	    "  -j, --json                    JSON instead of the table\n"
	    "  -V, --version                 print the version\n");
	exit(status);
}

static void
haulstat_options(struct haulstat_opts *o, int argc, char *argv[])
{
	int ch;

	memset(o, 0, sizeof(*o));
	o->interval = 1;
	opterr = 0;
	while (
	    (ch = getopt_long(argc, argv, ":1ji:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case '1':
			o->once = 1;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'i':
			o->interval = opts_int("-i", optarg, 1, 3600);
			break;
		case 'h':
			usage(stdout, 0);
		case 'V':
			printf("haulstat %s (stats layout %u, codec %s)\n",
			    PACKAGE_VERSION, STATS_VERSION, codec_name());
			exit(0);
		default:
			opts_bad_option(argv, ch);
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr,
		    "haulstat: expected one stats file "
		    "(see haulstat --help)\n");
		exit(2);
	}
	o->file = argv[optind];
}

static void
on_signal(int sig)
{
	done = 1;
}

/* Totals with per-second rates (since start when prev is NULL). */
static void
show(const struct stats_region *r, const uint64_t *prev, double secs, int live)
{
	uint64_t tot[STATS_NFIELDS];
	unsigned who = r->hdr->kind == STATS_KIND_HAULD ? STATS_D : STATS_P;
	long long up = (long long)(time(NULL) - r->hdr->start_time);
	int f, alive;

	stats_totals(r, tot);
	alive = kill((pid_t)r->hdr->master_pid, 0) == 0 || errno == EPERM;
	if (live)
		printf("\033[H\033[2J");
	printf("%s master pid %lld%s, up %llds, worker restarts %llu\n",
	    stats_kind_name(r->hdr->kind), (long long)r->hdr->master_pid,
	    alive ? "" : " (not running)", up,
	    (unsigned long long)atomic_load_explicit(
	        &r->hdr->worker_restarts, memory_order_relaxed));
	printf("%-22s %16s %14s\n", "counter", "total",
	    prev ? "per second" : "avg per second");
	for (f = 0; f < STATS_NFIELDS; f++) {
		double rate;

		if (!(stats_field_who[f] & who))
			continue;
		if (stats_field_type[f] == GAUGE) {
			printf("%-22s %16llu %14s\n", stats_field_name[f],
			    (unsigned long long)tot[f], "");
			continue;
		}
		if (prev != NULL)
			rate = secs > 0 && tot[f] >= prev[f]
			    ? (double)(tot[f] - prev[f]) / secs
			    : 0;
		else
			rate = up > 0 ? (double)tot[f] / (double)up : 0;
		printf("%-22s %16llu %14.1f\n", stats_field_name[f],
		    (unsigned long long)tot[f], rate);
	}
	show_slots(r);
	show_origins(r);
	fflush(stdout);
}

/* One row per live slot, the columns of STATS_SLOT_FIELDS. */
static void
show_slots(const struct stats_region *r)
{
	const struct stats_column *col = stats_slot_columns;
	struct stats_row row;
	unsigned i;
	int c;

	printf("\n%-5s %-8s %-9s", "slot", "pid", "state");
	for (c = 0; c < STATS_NSLOTCOLS; c++)
		printf(" %*s", col[c].width, col[c].heading);
	printf("\n");
	for (i = 0; i < r->slot_count; i++) {
		if (stats_slot_row(r, i, &row) == -1)
			continue;
		printf("%-5u %-8lld %-9s", i, row.pid,
		    stats_state_name(row.state));
		for (c = 0; c < STATS_NSLOTCOLS; c++)
			printf(" %*llu", col[c].width,
			    (unsigned long long)row.v[col[c].field]);
		printf("\n");
	}
}

/* haulproxy: one row per origin it has fetched from since start. */
static void
show_origins(const struct stats_region *r)
{
	char url[STATS_ORIGIN_URL];
	uint64_t v[3];
	unsigned i;
	int head = 0;

	for (i = 0; i < r->origin_count; i++) {
		if (stats_origin_row(r, i, url, sizeof(url), v) == -1)
			continue;
		if (!head++)
			printf("\n%-40s %16s %10s %9s\n", "origin", "bytes",
			    "chunks", "failures");
		printf("%-40s %16llu %10llu %9llu\n", url,
		    (unsigned long long)v[0], (unsigned long long)v[1],
		    (unsigned long long)v[2]);
	}
}

static int
show_json(const struct stats_region *r)
{
	struct buf b;

	buf_init(&b);
	if (stats_format_json(r, &b) == -1) {
		fprintf(stderr, "haulstat: out of memory\n");
		return -1;
	}
	fwrite(b.data, 1, b.len, stdout);
	fflush(stdout);
	buf_free(&b);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct haulstat_opts o;
	struct stats_region r;
	uint64_t prev[STATS_NFIELDS];
	int have_prev = 0;
	char err[256];

	opts_progname = "haulstat";
	haulstat_options(&o, argc, argv);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (;;) {
		/* Re-attach each round: a restarted daemon makes a new file. */
		if (stats_attach(&r, o.file, err, sizeof(err)) == -1) {
			fprintf(stderr, "haulstat: %s\n", err);
			return 1;
		}
		if (o.json) {
			if (show_json(&r) == -1)
				return 1;
		} else {
			show(&r, have_prev ? prev : NULL, (double)o.interval,
			    !o.once && isatty(STDOUT_FILENO));
		}
		stats_totals(&r, prev);
		have_prev = 1;
		stats_detach(&r);
		if (o.once || done)
			return 0;
		sleep((unsigned)o.interval);
		if (done)
			return 0;
	}
}
