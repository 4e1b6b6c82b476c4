/*
 * The haulproxy download journal (layout in journal.h): explicit
 * little-endian encoding, a strict decoder that trusts no field of a
 * record until its CRC and every cross-check pass, the two-slot loader,
 * and the durable write.  The chunk CRCs are only stored here: checking
 * them against the part file is the caller's (download.c).  No logging:
 * errors go to the caller's buffer (pure functions) or errno
 * (journal_write).
 *
 * Slots.  Record seq lives in slot (seq - 1) % 2 at offset slot *
 * journal_record_size(nchunks): journal_init() leaves seq 0, so the first
 * write (seq 1) lands at offset 0 and a file holding only that write is
 * one record long.  journal_write() overwrites the older slot, never the
 * newest valid record, so a torn write costs at most the chunks recorded
 * since the previous write.  The loader rejects a record found in the
 * slot its seq does not map to: after journal_read() the next
 * journal_write() must go to the other slot than the record just loaded.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "journal.h"

static const unsigned char journal_magic[8] = "HAULJRN";

/* Field offsets of the record head; see journal.h. */
#define OFF_MAGIC 0
#define OFF_VERSION 8
#define OFF_FLAGS 12
#define OFF_SEQ 16
#define OFF_SIZE 24
#define OFF_CHUNK 32
#define OFF_NCHUNKS 40
#define OFF_VLEN 44
#define OFF_VALIDATOR 48

#define JOURNAL_ALIGN 512

/* The version before chunk CRCs; refused by name (journal.h). */
#define JOURNAL_VERSION_1 1
/* The version before the digest block: still read (journal.h). */
#define JOURNAL_VERSION_2 2

#define DG_FLAG_SHA256 0x1
#define DG_FLAG_SHA512 0x2

static void journal_err(char *, size_t, const char *);
static void put_le32(unsigned char *, uint32_t);
static void put_le64(unsigned char *, uint64_t);
static uint32_t get_le32(const unsigned char *);
static uint64_t get_le64(const unsigned char *);
static size_t bitmap_bytes(uint32_t);
static int all_zero(const unsigned char *, size_t);
static size_t crcs_at(uint32_t);
static size_t digest_at(uint32_t);
static size_t crc_at(uint32_t, uint32_t);
static size_t record_size(uint32_t, uint32_t);
static const char *decode_digest(const unsigned char *, struct journal *);
static uint32_t record_crc(const unsigned char *, size_t);
static unsigned journal_slot(uint64_t);
static int digest_stray(const struct journal *);
static const char *journal_check(const struct journal *);
static int journal_peek_size(const unsigned char *, size_t, size_t *);
static int journal_try_slot1(
    const unsigned char *, size_t, size_t, struct journal *, char *, size_t);
static int pwrite_all(int, const unsigned char *, size_t, off_t);
static const char *decode_frame(
    const unsigned char *, size_t, uint32_t *, uint32_t *);
static const char *decode_validator(const unsigned char *, char *);
static int decode_chunks(const unsigned char *, struct journal *);
static int journal_slurp(int, unsigned char **, size_t *, char *, size_t);

static void
journal_err(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

static void
put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void
put_le64(unsigned char *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t
get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
get_le64(const unsigned char *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* Written without n + 7, which would wrap for n near UINT32_MAX. */
static size_t
bitmap_bytes(uint32_t n)
{
	return (size_t)(n / 8 + (n % 8 != 0));
}

static int
all_zero(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/*
 * Offsets of the chunk CRC array and of the record CRC in a record of n
 * chunks.  Only for n <= JOURNAL_MAX_CHUNKS, which every caller checks
 * first: then 4 * n is at most 256 MiB and no sum here can wrap, even
 * with a 32-bit size_t.
 */
static size_t
crcs_at(uint32_t n)
{
	return JOURNAL_HEAD + bitmap_bytes(n);
}

/* Version 3's digest block, after the chunk CRCs. */
static size_t
digest_at(uint32_t n)
{
	return crcs_at(n) + 4 * (size_t)n;
}

/* The record CRC: after the digest block, which version 2 lacks. */
static size_t
crc_at(uint32_t version, uint32_t n)
{
	return digest_at(n) + (version >= 3 ? JOURNAL_DIGEST_BLOCK : 0);
}

/* A record of n chunks in version 2 or 3, padded; 0 past the limit. */
static size_t
record_size(uint32_t version, uint32_t n)
{
	size_t rs;

	if (n > JOURNAL_MAX_CHUNKS)
		return 0;
	rs = crc_at(version, n) + 4;
	return (rs + JOURNAL_ALIGN - 1) / JOURNAL_ALIGN * JOURNAL_ALIGN;
}

/* zlib's crc32() takes a uInt length; records stay far below 4 GiB. */
static uint32_t
record_crc(const unsigned char *p, size_t len)
{
	return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)len);
}

static unsigned
journal_slot(uint64_t seq)
{
	return (unsigned)((seq + 1) % 2); /* (seq - 1) % 2, seq 0 too */
}

/* Digest bytes whose flag is clear (they must be zero). */
static int
digest_stray(const struct journal *j)
{
	return (!j->has_sha256 && !all_zero(j->sha256, sizeof(j->sha256))) ||
	    (!j->has_sha512 && !all_zero(j->sha512, sizeof(j->sha512)));
}

/*
 * The checks a decoded record and a record about to be encoded share, so
 * that journal_encode() never writes what journal_decode() would refuse.
 * NULL when j is consistent, else why not.
 */
static const char *
journal_check(const struct journal *j)
{
	uint64_t want;
	uint32_t i;

	if (j->flags & ~(uint32_t)JOURNAL_COMPLETE)
		return "journal has unknown flags";
	if (j->chunk_size == 0)
		return "journal chunk size is zero";
	if (j->chunk_size > JOURNAL_CHUNK_MAX)
		return "journal chunk size over 1 GiB";
	if (j->nchunks > JOURNAL_MAX_CHUNKS)
		return "journal has too many chunks";
	want = j->size / j->chunk_size + (j->size % j->chunk_size != 0);
	if (want != j->nchunks)
		return "journal chunk count does not match its size";
	if (strnlen(j->validator, sizeof(j->validator)) > JOURNAL_VALIDATOR_MAX)
		return "journal validator too long";
	if (digest_stray(j))
		return "journal has digest bytes without their flag";
	if (j->nchunks > 0 && j->bitmap == NULL)
		return "journal has no bitmap";
	if (j->nchunks > 0 && j->crc == NULL)
		return "journal has no chunk CRCs";
	/* Bits past nchunks in the last byte: a caller's bug or corruption. */
	if (j->nchunks % 8 != 0 &&
	    (j->bitmap[j->nchunks / 8] >> (j->nchunks % 8)) != 0)
		return "journal has chunks set past the last";
	for (i = 0; i < j->nchunks; i++) {
		if (journal_has(j, i))
			continue;
		if (j->flags & JOURNAL_COMPLETE)
			return "journal complete with chunks missing";
		/* 0 is the only CRC of a chunk not set (journal.h). */
		if (j->crc[i] != 0)
			return "journal has a CRC for a chunk not set";
	}
	return NULL;
}

size_t
journal_record_size(uint32_t nchunks)
{
	return record_size(JOURNAL_VERSION, nchunks);
}

int
journal_init(struct journal *j, uint64_t size, uint64_t chunk_size,
    const char *validator, char *err, size_t errlen)
{
	uint64_t n;
	size_t vlen;

	memset(j, 0, sizeof(*j));
	if (chunk_size == 0 || chunk_size > JOURNAL_CHUNK_MAX) {
		journal_err(err, errlen, "chunk size must be 1 byte to 1 GiB");
		return -1;
	}
	n = size / chunk_size + (size % chunk_size != 0);
	if (n > JOURNAL_MAX_CHUNKS) {
		journal_err(err, errlen, "file has too many chunks to journal");
		return -1;
	}
	if (validator == NULL) {
		journal_err(err, errlen, "no validator (pass \"\" for none)");
		return -1;
	}
	vlen = strnlen(validator, JOURNAL_VALIDATOR_MAX + 1);
	if (vlen > JOURNAL_VALIDATOR_MAX) {
		journal_err(err, errlen, "validator longer than 256 bytes");
		return -1;
	}
	/*
	 * One spare byte and one spare CRC: never NULL after success, and a
	 * caller's journal_set() one past the last chunk lands in memory
	 * that journal_check() then refuses to encode (or that is ignored),
	 * not past the allocation.
	 */
	if ((j->bitmap = calloc(bitmap_bytes((uint32_t)n) + 1, 1)) == NULL ||
	    (j->crc = calloc((size_t)n + 1, sizeof(*j->crc))) == NULL) {
		free(j->bitmap);
		j->bitmap = NULL;
		journal_err(err, errlen, "out of memory for the journal");
		return -1;
	}
	j->version = JOURNAL_VERSION;
	j->size = size;
	j->chunk_size = chunk_size;
	j->nchunks = (uint32_t)n;
	memcpy(j->validator, validator, vlen);
	return 0;
}

void
journal_set_digest(
    struct journal *j, const unsigned char *sha256, const unsigned char *sha512)
{
	j->has_sha256 = sha256 != NULL;
	j->has_sha512 = sha512 != NULL;
	memset(j->sha256, 0, sizeof(j->sha256));
	memset(j->sha512, 0, sizeof(j->sha512));
	if (sha256 != NULL)
		memcpy(j->sha256, sha256, sizeof(j->sha256));
	if (sha512 != NULL)
		memcpy(j->sha512, sha512, sizeof(j->sha512));
}

void
journal_free(struct journal *j)
{
	if (j == NULL)
		return;
	free(j->bitmap);
	j->bitmap = NULL;
	free(j->crc);
	j->crc = NULL;
}

size_t
journal_encode(const struct journal *j, void *buf, size_t len)
{
	unsigned char *p = buf;
	size_t rs, nb, at, vlen;
	uint32_t i;

	if (journal_check(j) != NULL)
		return 0;
	rs = journal_record_size(j->nchunks);
	if (len < rs)
		return 0;
	nb = bitmap_bytes(j->nchunks);
	at = crcs_at(j->nchunks);
	vlen = strlen(j->validator); /* bounded by journal_check() */
	/* Zeroes the validator padding and the record padding too. */
	memset(p, 0, rs);
	memcpy(p + OFF_MAGIC, journal_magic, sizeof(journal_magic));
	put_le32(p + OFF_VERSION, JOURNAL_VERSION);
	put_le32(p + OFF_FLAGS, j->flags);
	put_le64(p + OFF_SEQ, j->seq);
	put_le64(p + OFF_SIZE, j->size);
	put_le64(p + OFF_CHUNK, j->chunk_size);
	put_le32(p + OFF_NCHUNKS, j->nchunks);
	put_le32(p + OFF_VLEN, (uint32_t)vlen);
	memcpy(p + OFF_VALIDATOR, j->validator, vlen);
	if (nb > 0)
		memcpy(p + JOURNAL_HEAD, j->bitmap, nb);
	for (i = 0; i < j->nchunks; i++)
		put_le32(p + at + 4 * (size_t)i, j->crc[i]);
	at = digest_at(j->nchunks);
	put_le32(p + at,
	    (j->has_sha256 ? DG_FLAG_SHA256 : 0) |
	        (j->has_sha512 ? DG_FLAG_SHA512 : 0));
	memcpy(p + at + 4, j->sha256, sizeof(j->sha256));
	memcpy(p + at + 4 + sizeof(j->sha256), j->sha512, sizeof(j->sha512));
	at = crc_at(JOURNAL_VERSION, j->nchunks);
	put_le32(p + at, record_crc(p, at));
	return rs;
}

/*
 * Order of checks: what is needed to find the CRC (magic, version, a
 * bounded nchunks, enough bytes), then the CRC, then everything else; so
 * a torn record reports "CRC mismatch" rather than whatever field the
 * tear happened to spoil.  The padding after the CRC is outside it and
 * is checked to be zero, so no byte of a record can change unnoticed.
 * A version 1 record is named as such whatever its state: its layout
 * differs, so its CRC is not even looked for.  The chunk CRCs are under
 * the record CRC like the bitmap; a resealed record with changed chunk
 * CRCs decodes (only the part file's bytes can tell, download.c).
 */
/*
 * What must hold before anything else of a record is believed: magic,
 * version, a bounded nchunks, enough bytes, the CRC, zero padding.  NULL
 * with *nchunks set, or the reason.
 */
static const char *
decode_frame(const unsigned char *p, size_t len, uint32_t *version_out,
    uint32_t *nchunks)
{
	uint32_t version, n;
	size_t rs, at;

	if (p == NULL || len < JOURNAL_HEAD)
		return "journal record truncated in its head";
	if (memcmp(p + OFF_MAGIC, journal_magic, sizeof(journal_magic)) != 0)
		return "not a journal record (bad magic)";
	version = get_le32(p + OFF_VERSION);
	if (version == JOURNAL_VERSION_1)
		return "journal version 1: written by an older haulproxy";
	if (version != JOURNAL_VERSION && version != JOURNAL_VERSION_2)
		return "unknown journal version";
	n = get_le32(p + OFF_NCHUNKS);
	/* Bounded before any size is computed from it (crcs_at()). */
	if (n > JOURNAL_MAX_CHUNKS)
		return "journal claims too many chunks";
	rs = record_size(version, n);
	at = crc_at(version, n);
	if (len < rs)
		return "journal record truncated";
	if (get_le32(p + at) != record_crc(p, at))
		return "journal record CRC mismatch";
	if (!all_zero(p + at + 4, rs - (at + 4)))
		return "journal record padding not zero";
	*version_out = version;
	*nchunks = n;
	return NULL;
}

/* Version 3's digest block into t (version 2: none); NULL, or why not. */
static const char *
decode_digest(const unsigned char *p, struct journal *t)
{
	const unsigned char *b = p + digest_at(t->nchunks);
	uint32_t flags;

	if (t->version < 3)
		return NULL;
	flags = get_le32(b);
	if (flags & ~(uint32_t)(DG_FLAG_SHA256 | DG_FLAG_SHA512))
		return "journal digest has unknown flags";
	t->has_sha256 = (flags & DG_FLAG_SHA256) != 0;
	t->has_sha512 = (flags & DG_FLAG_SHA512) != 0;
	memcpy(t->sha256, b + 4, sizeof(t->sha256));
	memcpy(t->sha512, b + 4 + sizeof(t->sha256), sizeof(t->sha512));
	if (digest_stray(t))
		return "journal has digest bytes without their flag";
	return NULL;
}

/* The validator field into out (NUL-terminated); NULL, or the reason. */
static const char *
decode_validator(const unsigned char *p, char *out)
{
	uint32_t vlen = get_le32(p + OFF_VLEN);

	if (vlen > JOURNAL_VALIDATOR_MAX)
		return "journal validator length too large";
	if (memchr(p + OFF_VALIDATOR, '\0', vlen) != NULL)
		return "journal validator contains NUL";
	if (!all_zero(p + OFF_VALIDATOR + vlen, JOURNAL_VALIDATOR_MAX - vlen))
		return "journal validator padding not zero";
	memcpy(out, p + OFF_VALIDATOR, vlen);
	return NULL;
}

/* The bitmap and the chunk CRCs, with journal_init()'s zero spares. */
static int
decode_chunks(const unsigned char *p, struct journal *t)
{
	size_t nb = bitmap_bytes(t->nchunks), crcs = crcs_at(t->nchunks);
	uint32_t i;

	if ((t->bitmap = malloc(nb + 1)) == NULL ||
	    (t->crc = malloc(((size_t)t->nchunks + 1) * sizeof(*t->crc))) ==
	        NULL)
		return -1;
	memcpy(t->bitmap, p + JOURNAL_HEAD, nb);
	t->bitmap[nb] = 0;
	for (i = 0; i < t->nchunks; i++)
		t->crc[i] = get_le32(p + crcs + 4 * (size_t)i);
	t->crc[t->nchunks] = 0;
	return 0;
}

int
journal_decode(
    const void *buf, size_t len, struct journal *j, char *err, size_t errlen)
{
	const unsigned char *p = buf;
	struct journal t;
	const char *msg;

	memset(j, 0, sizeof(*j));
	memset(&t, 0, sizeof(t));
	if ((msg = decode_frame(p, len, &t.version, &t.nchunks)) != NULL ||
	    (msg = decode_validator(p, t.validator)) != NULL) {
		journal_err(err, errlen, msg);
		return -1;
	}
	t.flags = get_le32(p + OFF_FLAGS);
	t.seq = get_le64(p + OFF_SEQ);
	t.size = get_le64(p + OFF_SIZE);
	t.chunk_size = get_le64(p + OFF_CHUNK);
	if (decode_chunks(p, &t) == -1) {
		journal_free(&t);
		journal_err(err, errlen, "out of memory for the journal");
		errno = ENOMEM;
		return -1;
	}
	/* The digest after the rest: a wrong nchunks moves its block. */
	if ((msg = journal_check(&t)) != NULL ||
	    (msg = decode_digest(p, &t)) != NULL) {
		journal_err(err, errlen, msg);
		journal_free(&t);
		return -1;
	}
	*j = t;
	return 0;
}

/*
 * A record size from a head that failed its CRC, when magic, version and
 * nchunks still look right: the usual torn write spoils the bitmap or
 * the CRC, and nchunks is the same in every record of one file.
 */
static int
journal_peek_size(const unsigned char *p, size_t len, size_t *rs)
{
	uint32_t n, v;

	if (len < JOURNAL_HEAD ||
	    memcmp(p + OFF_MAGIC, journal_magic, sizeof(journal_magic)) != 0)
		return -1;
	v = get_le32(p + OFF_VERSION);
	if (v != JOURNAL_VERSION && v != JOURNAL_VERSION_2)
		return -1;
	if ((n = get_le32(p + OFF_NCHUNKS)) > JOURNAL_MAX_CHUNKS)
		return -1;
	*rs = record_size(v, n);
	return 0;
}

/*
 * Decode slot 1 assuming records of rs bytes.  It counts only if its own
 * size is rs (it was written as part of this file) and its seq maps to
 * slot 1 (see the top of the file).
 */
static int
journal_try_slot1(const unsigned char *img, size_t len, size_t rs,
    struct journal *j, char *err, size_t errlen)
{
	memset(j, 0, sizeof(*j));
	if (len <= rs) {
		journal_err(err, errlen, "missing");
		return -1;
	}
	if (journal_decode(img + rs, len - rs, j, err, errlen) == -1)
		return -1;
	if (record_size(j->version, j->nchunks) != rs) {
		journal_err(err, errlen, "record size differs from slot 0");
		journal_free(j);
		return -1;
	}
	if (journal_slot(j->seq) != 1) {
		journal_err(err, errlen, "sequence number in the wrong slot");
		journal_free(j);
		return -1;
	}
	return 0;
}

/*
 * Slot 0 is at offset 0 and tells its own size.  When it is not valid,
 * slot 1's offset (the record size) comes from slot 0's head if that
 * passes journal_peek_size(), else from half the image when the image
 * is exactly two aligned records (slot 0 overwritten by garbage or left
 * a hole); otherwise there is no journal.  Each candidate is confirmed
 * by slot 1's own CRC and size, so a wrong guess costs a failed decode.
 */
int
journal_load_image(
    const void *img, size_t len, struct journal *j, char *err, size_t errlen)
{
	const unsigned char *p = img;
	struct journal a, b;
	char aerr[64], berr[64];
	size_t rs, cand[2];
	int ha, hb = 0, ncand = 0, i;

	memset(j, 0, sizeof(*j));
	if (p == NULL || len == 0) {
		journal_err(err, errlen, "journal empty");
		return -1;
	}
	if ((ha = (journal_decode(p, len, &a, aerr, sizeof(aerr)) == 0)) &&
	    journal_slot(a.seq) != 0) {
		journal_err(
		    aerr, sizeof(aerr), "sequence number in the wrong slot");
		journal_free(&a);
		ha = 0;
	}
	if (ha)
		cand[ncand++] = record_size(a.version, a.nchunks);
	else {
		if (journal_peek_size(p, len, &rs) == 0)
			cand[ncand++] = rs;
		if (len % (2 * JOURNAL_ALIGN) == 0 &&
		    (ncand == 0 || cand[0] != len / 2))
			cand[ncand++] = len / 2;
	}
	journal_err(berr, sizeof(berr), "missing");
	for (i = 0; i < ncand && !hb; i++)
		hb = journal_try_slot1(
		         p, len, cand[i], &b, berr, sizeof(berr)) == 0;
	if (!ha && !hb) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen,
			    "no valid journal record (slot 0: %s; slot 1: %s)",
			    aerr, berr);
		return -1;
	}
	/*
	 * Both valid: the higher seq is the newer state.  The two can
	 * disagree on size, chunk size or validator only if one file served
	 * two representations without being truncated in between; the newer
	 * record is what the last writer meant, and the caller checks size
	 * and validator against the origin before trusting any chunk.
	 */
	if (ha && hb) {
		if (a.seq > b.seq) {
			*j = a;
			journal_free(&b);
		} else {
			*j = b;
			journal_free(&a);
		}
	} else
		*j = ha ? a : b;
	return 0;
}

uint32_t
journal_count(const struct journal *j)
{
	uint32_t i, n = 0;
	unsigned b;

	if (j->bitmap == NULL)
		return 0;
	for (i = 0; i < j->nchunks / 8; i++)
		for (b = j->bitmap[i]; b != 0; b &= b - 1)
			n++;
	for (i = j->nchunks / 8 * 8; i < j->nchunks; i++)
		n += (uint32_t)journal_has(j, i);
	return n;
}

/*
 * The whole of an open journal file into *img (malloc'd, *len bytes); a
 * file cut short since fstat() is read as far as it goes.  0, or an
 * errno value with err.
 */
static int
journal_slurp(
    int fd, unsigned char **img, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	size_t want;
	ssize_t n;
	int saved;

	if (fstat(fd, &st) == -1) {
		saved = errno;
		journal_err(err, errlen, "cannot stat the journal");
		return saved;
	}
	if (!S_ISREG(st.st_mode)) {
		journal_err(err, errlen, "journal is not a regular file");
		return EINVAL;
	}
	if ((uint64_t)st.st_size >
	    2 * (uint64_t)journal_record_size(JOURNAL_MAX_CHUNKS)) {
		journal_err(err, errlen, "journal file too large");
		return EFBIG;
	}
	want = (size_t)st.st_size;
	if ((*img = malloc(want + 1)) == NULL) {
		journal_err(err, errlen, "out of memory reading the journal");
		return ENOMEM;
	}
	*len = 0;
	while (*len < want) {
		n = read(fd, *img + *len, want - *len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			saved = errno;
			journal_err(err, errlen, "cannot read the journal");
			return saved;
		}
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	return 0;
}

int
journal_read(const char *path, struct journal *j, char *err, size_t errlen)
{
	unsigned char *img = NULL;
	size_t len = 0;
	int fd, saved;

	memset(j, 0, sizeof(*j));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		saved = errno;
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, strerror(saved));
		errno = saved;
		return -1;
	}
	saved = journal_slurp(fd, &img, &len, err, errlen);
	if (saved == 0 && journal_load_image(img, len, j, err, errlen) == -1)
		saved = EINVAL;
	free(img);
	close(fd);
	if (saved != 0) {
		errno = saved;
		return -1;
	}
	return 0;
}

static int
pwrite_all(int fd, const unsigned char *p, size_t len, off_t off)
{
	ssize_t n;

	while (len > 0) {
		n = pwrite(fd, p, len, off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/*
 * On failure j->seq goes back to what it was, so the retry writes the same
 * slot again: whatever half-written record this attempt left there is
 * overwritten, and the other slot (the last record known durable) is
 * kept until a write is confirmed.  Had seq stayed advanced, the retry
 * would overwrite that last good record while this one may be torn.
 * After an fdatasync() error the page cache may have dropped the dirty
 * pages (Linux marks them clean), so a caller should not assume a retry
 * that succeeds made the earlier data durable either.
 */
int
journal_write(int fd, struct journal *j)
{
	unsigned char *buf;
	uint64_t old_seq;
	size_t rs;
	int saved;

	if (j == NULL || journal_check(j) != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (j->seq == UINT64_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	rs = journal_record_size(j->nchunks);
	if ((buf = malloc(rs)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	old_seq = j->seq;
	if (j->version == JOURNAL_VERSION_2) {
		/* Slots of another size: start the file over (journal.h). */
		if (ftruncate(fd, 0) == -1) {
			saved = errno;
			free(buf);
			errno = saved;
			return -1;
		}
		j->seq = 0;
	}
	j->seq++;
	journal_encode(j, buf, rs);
	if (pwrite_all(fd, buf, rs, (off_t)(journal_slot(j->seq) * rs)) == -1 ||
	    fdatasync(fd) == -1) {
		saved = errno;
		j->seq = old_seq;
		free(buf);
		errno = saved;
		return -1;
	}
	j->version = JOURNAL_VERSION;
	free(buf);
	return 0;
}
