/*
 * codecspeed: the single-core speed of haul's own codec (src/common/codec.c,
 * the backend configure chose: ISA-L or zlib) on a file, cut as hauld cuts it:
 * one gzip stream per CHUNK bytes (a Range), at LEVEL.  Prints one line:
 *
 *   level=L chunk=C in=BYTES out=BYTES ratio=R deflate_MBps=D
 *       inflate_MBps=I codec=NAME (the rest of the line: "isa-l 2.30.0")
 *
 * Speeds are input (uncompressed) megabytes (10^6) per CPU second of this
 * process, so another process on the machine does not skew them much.
 * Built by bench/run.sh: cc -I$srcdir/src/common codecspeed.c
 * $builddir/src/common/libhaul.a plus the build's codec libraries.
 *
 * Usage: codecspeed FILE [LEVEL [CHUNK [MIN_SECONDS]]]
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"

static double
cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Compress in[0..n) as one gzip stream into out (cap bytes); its length.
 * One codec, reset for each stream, fed 128 KiB at a time: as hauld
 * does since gzip.c keeps closed streams for reuse, so this is the
 * codec's own best, not burdened with allocation.
 */
static size_t
deflate_one(int level, const unsigned char *in, size_t n, unsigned char *out,
    size_t cap)
{
	static struct codec *c;
	static int c_level;
	size_t ip = 0, op = 0;

	if (c != NULL && (c_level != level || codec_reset(c) == -1)) {
		codec_free(c);
		c = NULL;
	}
	if (c == NULL && (c = codec_deflate_new(level)) == NULL) {
		perror("codec_deflate_new");
		exit(1);
	}
	c_level = level;
	for (;;) {
		size_t used = 0, made = 0;
		size_t feed = n - ip > 131072 ? 131072 : n - ip;
		size_t room = cap - op > 131072 ? 131072 : cap - op;
		enum codec_status st = codec_run(c, in + ip, feed, &used,
		    out + op, room, &made, ip + feed == n);
		ip += used;
		op += made;
		if (st == CODEC_END)
			break;
		if (st == CODEC_ERROR || op == cap) {
			fprintf(stderr, "codecspeed: deflate failed\n");
			exit(1);
		}
	}
	return op;
}

static void
inflate_one(const unsigned char *in, size_t n, unsigned char *out, size_t want)
{
	struct codec *c = codec_inflate_new();
	size_t ip = 0, op = 0;
	if (c == NULL) {
		perror("codec_inflate_new");
		exit(1);
	}
	for (;;) {
		size_t used = 0, made = 0;
		size_t feed = n - ip > 65536 ? 65536 : n - ip;
		size_t room = want - op > 65536 ? 65536 : want - op;
		enum codec_status st = codec_run(c, in + ip, feed, &used,
		    out + op, room, &made, ip + feed == n);
		ip += used;
		op += made;
		if (st == CODEC_END)
			break;
		if (st == CODEC_ERROR || (used == 0 && made == 0)) {
			fprintf(stderr, "codecspeed: inflate failed\n");
			exit(1);
		}
	}
	if (op != want) {
		fprintf(stderr, "codecspeed: inflated %zu bytes, want %zu\n",
		    op, want);
		exit(1);
	}
	codec_free(c);
}

/* Map path read-only and read it all into the page cache; NULL on error. */
static const unsigned char *
map_file(const char *path, size_t *size)
{
	int fd = open(path, O_RDONLY);
	struct stat sb;
	if (fd == -1 || fstat(fd, &sb) == -1 || sb.st_size == 0) {
		perror(path);
		return NULL;
	}
	*size = (size_t)sb.st_size;
	const unsigned char *data =
	    mmap(NULL, *size, PROT_READ, MAP_SHARED, fd, 0);
	if (data == MAP_FAILED) {
		perror("mmap");
		return NULL;
	}
	/* Touch it all first: the page cache, not the disk, is measured. */
	volatile unsigned char sink = 0;
	for (size_t i = 0; i < *size; i += 4096)
		sink ^= data[i];
	(void)sink;
	return data;
}

/*
 * Deflate: whole chunks, passes over the file until min_secs of CPU and
 * at least the whole file.  Returns MB/s; the bytes in and out add up
 * in *in_total and *out_total.
 */
static double
deflate_speed(const unsigned char *data, size_t size, int level, size_t chunk,
    double min_secs, unsigned char *out, size_t cap,
    unsigned long long *in_total, unsigned long long *out_total)
{
	double t0 = cpu_now(), t;
	size_t off = 0;

	*in_total = *out_total = 0;
	do {
		size_t n = size - off < chunk ? size - off : chunk;
		*out_total += deflate_one(level, data + off, n, out, cap);
		*in_total += n;
		off += n;
		if (off == size)
			off = 0;
		t = cpu_now() - t0;
	} while (t < min_secs || *in_total < size);
	return (double)*in_total / t / 1e6;
}

/*
 * Inflate: compress a chunk, then time inflating it and check the round
 * trip, chunk by chunk, until min_secs / 2 of CPU or 4 passes.  MB/s, or
 * -1 when a round trip differs.
 */
static double
inflate_speed(const unsigned char *data, size_t size, int level, size_t chunk,
    double min_secs, unsigned char *out, size_t cap, unsigned char *back)
{
	unsigned long long inf_total = 0;
	double inf_time = 0;
	size_t off = 0;

	do {
		size_t n = size - off < chunk ? size - off : chunk;
		size_t z = deflate_one(level, data + off, n, out, cap);
		double a = cpu_now();
		inflate_one(out, z, back, n);
		inf_time += cpu_now() - a;
		if (memcmp(back, data + off, n) != 0) {
			fprintf(stderr, "codecspeed: round trip differs\n");
			return -1;
		}
		inf_total += n;
		off += n;
		if (off == size)
			off = 0;
	} while (inf_time < min_secs / 2 && inf_total < 4ull * size);
	return (double)inf_total / inf_time / 1e6;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr,
		    "usage: codecspeed FILE [LEVEL [CHUNK [MIN_SECONDS]]]\n");
		return 2;
	}
	int level = argc > 2 ? atoi(argv[2]) : 1;
	size_t chunk = argc > 3 ? strtoul(argv[3], NULL, 10) : 512 * 1024;
	double min_secs = argc > 4 ? atof(argv[4]) : 2.0;
	size_t size;
	const unsigned char *data = map_file(argv[1], &size);
	if (data == NULL)
		return 1;

	size_t cap = chunk + chunk / 8 + 4096;
	unsigned char *out = malloc(cap), *back = malloc(chunk);
	if (out == NULL || back == NULL)
		return 1;

	unsigned long long in_total, out_total;
	double dspeed = deflate_speed(data, size, level, chunk, min_secs, out,
	    cap, &in_total, &out_total);
	double ratio = (double)in_total / (double)out_total;
	double ispeed =
	    inflate_speed(data, size, level, chunk, min_secs, out, cap, back);
	if (ispeed < 0)
		return 1;

	printf("level=%d chunk=%zu in=%llu out=%llu ratio=%.2f "
	       "deflate_MBps=%.1f inflate_MBps=%.1f codec=%s\n",
	    level, chunk, in_total, out_total, ratio, dspeed, ispeed,
	    codec_name());
	return 0;
}
