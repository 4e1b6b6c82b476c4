/*
 * The haulproxy download journal, DIR/.NAME.journal beside DIR/.NAME.part:
 * which chunks of the part file are durably written, for which origin
 * representation (size and validator), and a CRC-32 of each durable
 * chunk's bytes, so that a part file changed in place between runs is
 * caught on resume.  Two fixed-size records, written alternately, each
 * with a sequence number and a CRC-32: a torn write spoils at most the
 * record being written, and loading takes the valid record with the
 * highest sequence.  A journal that fails its checks counts as no journal
 * (chunks lost, never data trusted); so does a version 1 journal (written
 * by an older haulproxy, without chunk CRCs): the download starts over.
 * The record also keeps the origin's digest (SPEC "Integrity"), so that a
 * resume whose HEAD brings none (an origin restarted and not done hashing)
 * still verifies the file, and one whose HEAD brings another starts over.
 *
 * Record layout, version 3 (little-endian), JOURNAL_HEAD bytes, then the
 * bitmap, the chunk CRCs and the digest block:
 *   0   magic "HAULJRN\0"           8
 *   8   version (2)                 u32
 *   12  flags (JOURNAL_COMPLETE)    u32
 *   16  seq                         u64
 *   24  file size                   u64
 *   32  chunk size                  u64
 *   40  nchunks                     u32
 *   44  validator length            u32
 *   48  validator bytes             JOURNAL_VALIDATOR_MAX (zero padded)
 *   304 bitmap: bit i of byte i/8 set when chunk i is durable
 *                                   ceil(nchunks / 8)
 *   ... chunk CRCs: nchunks u32, CRC-32 (zlib's crc32()) of chunk i's
 *       bytes as written to the part file (identity, after any inflate);
 *       0 for a chunk not set, and 0 for a set chunk whose CRC was not
 *       recorded (not checked on resume)
 *                                   4 * nchunks
 *   ... digest block                JOURNAL_DIGEST_BLOCK (100):
 *         flags: bit 0 sha-256 known, bit 1 sha-512 known   u32
 *         sha-256 (zeros unless known)                      32
 *         sha-512 (zeros unless known)                      64
 *   ... CRC-32 (zlib's) of everything before it  u32
 * The record is padded to a multiple of 512 bytes (zeros, checked).
 * Record seq is at offset ((seq - 1) % 2) * journal_record_size(nchunks):
 * the first write (seq 1) is slot 0.  A new download (journal_init) must
 * start from an empty journal file: truncate it when starting over.
 *
 * A chunk whose bytes really have CRC-32 0 (one in 2^32) is recorded as
 * 0 and so is not checked: the cost of keeping "not recorded" in band.
 *
 * Version 2 is version 3 without the digest block.  It is still read (a
 * download in progress survives an upgrade, with no digest); since its
 * records may have another size, so that the slots would not line up,
 * the first journal_write() after loading one truncates the file and
 * starts again at seq 1 in slot 0.  A crash between the truncation and
 * that write loses the journal: the chunks are fetched again, never
 * trusted wrongly.
 */
#ifndef HAUL_JOURNAL_H
#define HAUL_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#define JOURNAL_VERSION 3
#define JOURNAL_DIGEST_BLOCK 100
#define JOURNAL_VALIDATOR_MAX 256
#define JOURNAL_HEAD (48 + JOURNAL_VALIDATOR_MAX)
#define JOURNAL_MAX_CHUNKS (1u << 26)         /* 32 TiB at 512 KiB chunks */
#define JOURNAL_CHUNK_MAX ((uint64_t)1 << 30) /* largest chunk size */
#define JOURNAL_COMPLETE 0x1

struct journal {
	uint32_t version; /* of the record read; journal_init: the current */
	uint64_t seq;
	uint32_t flags;
	uint64_t size;
	uint64_t chunk_size;
	uint32_t nchunks;                          /* ceil(size / chunk_size) */
	char validator[JOURNAL_VALIDATOR_MAX + 1]; /* NUL-terminated */
	uint8_t *bitmap; /* (nchunks + 7) / 8 bytes, owned */
	uint32_t *crc;   /* nchunks CRC-32s (see above), owned */
	/* The origin's digest; bytes zero unless has_ (journal_set_digest). */
	int has_sha256, has_sha512;
	unsigned char sha256[32], sha512[64];
};

/*
 * Pure.  The functions that fill a struct journal (these and journal_read
 * below) leave it zeroed on failure, so journal_free() is always safe.
 */
/*
 * Fill j for a new download (bitmap all clear, every CRC 0, seq 0); 0, or
 * -1 with err.  bitmap and crc are never NULL after success.
 */
int journal_init(struct journal *, uint64_t size, uint64_t chunk_size,
    const char *validator, char *err, size_t errlen);
void journal_free(struct journal *);
/* The origin's digest (NULL: not known), recorded with the next write. */
void journal_set_digest(
    struct journal *, const unsigned char *sha256, const unsigned char *sha512);
/* Bytes of one record; 0 when nchunks > JOURNAL_MAX_CHUNKS. */
size_t journal_record_size(uint32_t nchunks);
/*
 * Encode j into buf (journal_record_size bytes); returns that size, or 0
 * when len is too small or j would not decode (unknown flags, bits past
 * nchunks, JOURNAL_COMPLETE with chunks missing, a non-zero CRC for a
 * chunk not set, ...).
 */
size_t journal_encode(const struct journal *, void *buf, size_t len);
/*
 * Decode and check one record; 0, or -1 with err (a version 1 record:
 * "journal version 1: written by an older haulproxy").
 */
int journal_decode(
    const void *buf, size_t len, struct journal *, char *err, size_t errlen);
/*
 * Pick the newest valid record of a journal file's contents (two records
 * of the same size).  0 with j filled, or -1 with err when neither is
 * valid.
 */
int journal_load_image(
    const void *img, size_t len, struct journal *, char *err, size_t errlen);

static inline int
journal_has(const struct journal *j, uint32_t i)
{
	return (j->bitmap[i / 8] >> (i % 8)) & 1;
}

/*
 * Chunk i is durable and its bytes have CRC-32 crc (0: not recorded, the
 * chunk is not checked on resume).  i < nchunks.
 */
static inline void
journal_set_crc(struct journal *j, uint32_t i, uint32_t crc)
{
	j->bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
	j->crc[i] = crc;
}

/* Chunk i is durable, its CRC not recorded: journal_set_crc(j, i, 0). */
static inline void
journal_set(struct journal *j, uint32_t i)
{
	journal_set_crc(j, i, 0);
}

/* The CRC recorded for chunk i: 0 when not set or not recorded. */
static inline uint32_t
journal_crc(const struct journal *j, uint32_t i)
{
	return j->crc[i];
}

/*
 * Chunk i is no longer durable (found damaged: fetch it again): clears
 * its bit and CRC, and JOURNAL_COMPLETE, which no longer holds.
 */
static inline void
journal_clear(struct journal *j, uint32_t i)
{
	j->bitmap[i / 8] &= (uint8_t) ~(1u << (i % 8));
	j->crc[i] = 0;
	j->flags &= ~(uint32_t)JOURNAL_COMPLETE;
}

/* Number of chunks set. */
uint32_t journal_count(const struct journal *);

/* I/O. */
/* Read and load a journal file; 0, or -1 with err (missing: errno ENOENT). */
int journal_read(const char *path, struct journal *, char *err, size_t errlen);
/*
 * Write j as its next record (seq incremented first, alternating slots)
 * with pwrite and fdatasync.  The caller has synced the data the bitmap
 * claims before calling.  0, or -1 with errno (EINVAL when j would not
 * decode); on failure j->seq is unchanged.
 */
int journal_write(int fd, struct journal *);

#endif
