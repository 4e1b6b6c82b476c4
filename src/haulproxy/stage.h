/*
 * One chunk's body on its way to the part file: a staging window that
 * the decoded bytes fill and that is flushed whole, and the gunzip step
 * into it, with the checks a chunk's body must pass (never longer than
 * asked, one gzip member and nothing after it, not short).  Pure: no
 * libevent, no download; the flush is the caller's (download writes the
 * window with pwrite, tests/fuzz/fuzz_inflate.c into memory).
 *
 * Why a window at all: an inflate needs room to write its output into.
 * For an identity body the window only gathers reads.  hclient reads up
 * to HC_READ (128 KiB) at a time; on loopback most of a body comes in
 * full reads (measured: a 64 MiB --gzip never fetch from hauld took 655
 * reads, 475 of them 128 KiB, 93% of the bytes), so there the window is
 * mostly one more copy.  Where reads return less (a slower link, a
 * throttled origin, TLS records of 16 KiB) it keeps the pwrite and CRC
 * calls at one per window whatever the read sizes.  Kept for both.  The
 * window is smaller than a read (STAGE_SIZE in dlpriv.h says why).
 */
#ifndef HAUL_STAGE_H
#define HAUL_STAGE_H

#include <stddef.h>
#include <stdint.h>

struct codec;

enum stage_err {
	STAGE_OK = 0,
	STAGE_FLUSH,    /* the flush failed: its reason is the caller's */
	STAGE_LONG,     /* more bytes than the chunk's length (a bomb) */
	STAGE_CORRUPT,  /* corrupt gzip body */
	STAGE_TRAILING, /* data after the gzip member */
	STAGE_STALLED,  /* the codec took nothing and gave nothing */
	STAGE_EARLY,    /* the gzip body ends before its trailer */
	STAGE_SHORT,    /* the body ended before the chunk's length */
};

struct stage {
	char *buf;
	size_t size;   /* of buf */
	size_t len;    /* bytes waiting in buf */
	uint64_t want; /* the chunk's length */
	uint64_t got;  /* decoded bytes taken, flushed or waiting */
	/* Write n bytes of the window out: 0, or -1 to stop the chunk. */
	int (*flush)(void *arg, const char *p, size_t n);
	void *arg;
};

/* A new chunk of want bytes into the same window. */
void stage_start(struct stage *, uint64_t want);
/* Take n bytes of an identity body. */
enum stage_err stage_take(struct stage *, const char *p, size_t n);
/* Inflate n bytes of a gzip body (z reset for this chunk) into the window. */
enum stage_err stage_inflate(
    struct stage *, struct codec *z, const char *p, size_t n);
/*
 * The body ended: drain z (NULL for an identity body), flush what waits,
 * and check that exactly want bytes came.
 */
enum stage_err stage_end(struct stage *, struct codec *z);
/* Flush the window now (a no-op when empty): 0, or -1 (STAGE_FLUSH). */
int stage_flush(struct stage *);

#endif
