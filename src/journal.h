/*
 * The haulproxy download journal, DIR/.NAME.journal beside DIR/.NAME.part:
 * which chunks of the part file are durably written, for which origin
 * representation (size and validator).  Two fixed-size records, written
 * alternately, each with a sequence number and a CRC-32: a torn write
 * spoils at most the record being written, and loading takes the valid
 * record with the highest sequence.  A journal that fails its checks
 * counts as no journal (chunks lost, never data trusted).
 *
 * Record layout (little-endian), JOURNAL_HEAD bytes, then the bitmap:
 *   0   magic "HAULJRN\0"           8
 *   8   version                     u32
 *   12  flags (JOURNAL_COMPLETE)    u32
 *   16  seq                         u64
 *   24  file size                   u64
 *   32  chunk size                  u64
 *   40  nchunks                     u32
 *   44  validator length            u32
 *   48  validator bytes             JOURNAL_VALIDATOR_MAX (zero padded)
 *   ... bitmap: bit i of byte i/8 set when chunk i is durable
 *   ... CRC-32 (zlib's) of everything before it  u32
 * The record is padded to a multiple of 512 bytes (zeros, checked).
 * Record seq is at offset ((seq - 1) % 2) * journal_record_size(nchunks):
 * the first write (seq 1) is slot 0.  A new download (journal_init) must
 * start from an empty journal file: truncate it when starting over.
 */
#ifndef HAUL_JOURNAL_H
#define HAUL_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#define JOURNAL_VERSION 1
#define JOURNAL_VALIDATOR_MAX 256
#define JOURNAL_HEAD (48 + JOURNAL_VALIDATOR_MAX)
#define JOURNAL_MAX_CHUNKS (1u << 26)	/* 32 TiB at 512 KiB chunks */
#define JOURNAL_CHUNK_MAX ((uint64_t)1 << 30)	/* largest chunk size */
#define JOURNAL_COMPLETE 0x1

struct journal {
	uint64_t seq;
	uint32_t flags;
	uint64_t size;
	uint64_t chunk_size;
	uint32_t nchunks;		/* ceil(size / chunk_size) */
	char validator[JOURNAL_VALIDATOR_MAX + 1];	/* NUL-terminated */
	uint8_t *bitmap;		/* (nchunks + 7) / 8 bytes, owned */
};

/*
 * Pure.  The functions that fill a struct journal (these and journal_read
 * below) leave it zeroed on failure, so journal_free() is always safe.
 */
/* Fill j for a new download (bitmap all clear, seq 0); 0, or -1 with err. */
int journal_init(struct journal *, uint64_t size, uint64_t chunk_size,
    const char *validator, char *err, size_t errlen);
void journal_free(struct journal *);
size_t journal_record_size(uint32_t nchunks);
/*
 * Encode j into buf (journal_record_size bytes); returns that size, or 0
 * when len is too small or j would not decode (unknown flags, bits past
 * nchunks, JOURNAL_COMPLETE with chunks missing, ...).
 */
size_t journal_encode(const struct journal *, void *buf, size_t len);
/* Decode and check one record; 0, or -1 with err. */
int journal_decode(const void *buf, size_t len, struct journal *,
    char *err, size_t errlen);
/*
 * Pick the newest valid record of a journal file's contents (two records
 * of the same size).  0 with j filled, or -1 with err when neither is
 * valid.
 */
int journal_load_image(const void *img, size_t len, struct journal *,
    char *err, size_t errlen);

static inline int
journal_has(const struct journal *j, uint32_t i)
{
	return (j->bitmap[i / 8] >> (i % 8)) & 1;
}

static inline void
journal_set(struct journal *j, uint32_t i)
{
	j->bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
}

/* Number of chunks set. */
uint32_t journal_count(const struct journal *);

/* I/O. */
/* Read and load a journal file; 0, or -1 with err (missing: errno ENOENT). */
int journal_read(const char *path, struct journal *, char *err,
    size_t errlen);
/*
 * Write j as its next record (seq incremented first, alternating slots)
 * with pwrite and fdatasync.  The caller has synced the data the bitmap
 * claims before calling.  0, or -1 with errno (EINVAL when j would not
 * decode); on failure j->seq is unchanged.
 */
int journal_write(int fd, struct journal *);

#endif
