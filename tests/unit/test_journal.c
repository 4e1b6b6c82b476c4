/*
 * Unit tests for journal.c: round trips of empty, one-chunk, boundary,
 * 10,000-chunk and million-chunk records with empty, binary and
 * maximum-length validators and chunk CRCs (recorded, 0 and all ones);
 * every single-byte change of a record refused, chunk CRCs included;
 * every truncation refused; hostile fields resealed with a good CRC so
 * the field checks themselves are what refuses them; version 1 records
 * refused by name; journal_set_crc() / journal_set() / journal_clear();
 * the two-slot loader against torn, zeroed, garbage, misplaced and
 * missing slots; and journal_write() / journal_read() through a real
 * file, torn and truncated on disk.
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
#include "unit.h"

#define KIB 1024ULL
#define GIB (1024ULL * 1024 * 1024)

/* Validators a row can ask for. */
enum vkind { V_EMPTY, V_ETAG, V_WEAK, V_DATE, V_BINARY, V_MAX, V_TOO_LONG };

/* Which chunks a row sets. */
enum pattern { P_NONE, P_ALL, P_THIRDS, P_FIRST_LAST };

struct rt_case {
	uint64_t size;
	uint64_t chunk;
	enum vkind v;
	enum pattern pat;
	uint32_t nchunks; /* expected */
};

static const struct rt_case rt_cases[] = {
    {0, 512 * KIB, V_ETAG, P_NONE, 0},
    {0, 512 * KIB, V_EMPTY, P_ALL, 0}, /* complete, vacuously */
    {1, 512 * KIB, V_ETAG, P_NONE, 1},
    {1, 512 * KIB, V_ETAG, P_ALL, 1},
    {512 * KIB - 1, 512 * KIB, V_WEAK, P_ALL, 1},
    {512 * KIB, 512 * KIB, V_DATE, P_THIRDS, 1},
    {512 * KIB + 1, 512 * KIB, V_DATE, P_THIRDS, 2},
    {512 * KIB + 1, 512 * KIB, V_MAX, P_FIRST_LAST, 2},
    {10000 * 512 * KIB, 512 * KIB, V_ETAG, P_THIRDS, 10000},
    {10000 * 512 * KIB - 1, 512 * KIB, V_BINARY, P_ALL, 10000},
    {10000 * 512 * KIB + 1, 512 * KIB, V_MAX, P_FIRST_LAST, 10001},
    {1, 1, V_EMPTY, P_ALL, 1},
    {7, 1, V_EMPTY, P_THIRDS, 7},
    {8, 1, V_EMPTY, P_ALL, 8},
    {9, 1, V_EMPTY, P_FIRST_LAST, 9},
    {1, GIB, V_ETAG, P_ALL, 1},
    {3 * GIB + 1, GIB, V_ETAG, P_THIRDS, 4},
    /*
     * Not JOURNAL_MAX_CHUNKS: with its CRCs such a record is 264 MiB and
     * this test holds four of them.  The limit itself is checked by
     * test_init, test_record_size and the hostile nchunks rows.
     */
    {1 << 20, 1, V_MAX, P_FIRST_LAST, 1 << 20},
    {(1 << 20) + 3, 1, V_BINARY, P_THIRDS, (1 << 20) + 3},
};

struct init_bad {
	uint64_t size;
	uint64_t chunk;
	enum vkind v;
	int null_validator;
	const char *want; /* substring of the error; NULL: success */
};

static const struct init_bad init_cases[] = {
    {100, 0, V_ETAG, 0, "chunk size"},
    {100, GIB + 1, V_ETAG, 0, "chunk size"},
    {100, UINT64_MAX, V_ETAG, 0, "chunk size"},
    {0, 0, V_ETAG, 0, "chunk size"},
    {UINT64_MAX, 1, V_ETAG, 0, "too many chunks"},
    {UINT64_MAX, GIB, V_ETAG, 0, "too many chunks"},
    {(uint64_t)JOURNAL_MAX_CHUNKS + 1, 1, V_ETAG, 0, "too many chunks"},
    {100, 10, V_TOO_LONG, 0, "validator longer"},
    {100, 10, V_ETAG, 1, "no validator"},
    /* The boundaries that must pass. */
    {100, GIB, V_MAX, 0, NULL},
    {JOURNAL_MAX_CHUNKS, 1, V_EMPTY, 0, NULL},
    {(uint64_t)JOURNAL_MAX_CHUNKS * GIB, GIB, V_EMPTY, 0, NULL},
    {UINT64_MAX, UINT64_MAX, V_EMPTY, 0, "chunk size"},
};

/*
 * A field rewritten in the base record (95 bytes in chunks of 10: ten
 * chunks, validator "\"v1\"", chunks 0, 2 and 9 set, with CRCs
 * 0xdeadbeef, none and 0x01020304), then the CRC recomputed when reseal
 * is set, so only the field checks can refuse it.
 */
enum edit { E_SET, E_XOR };

struct hostile {
	const char *desc;
	size_t off;
	int width; /* 1, 4 or 8 bytes, little-endian */
	enum edit how;
	uint64_t val;
	int reseal;
	const char *want; /* substring of the error; NULL: still valid */
};

#define B_BITMAP JOURNAL_HEAD               /* bytes 304 and 305 */
#define B_CRCS (JOURNAL_HEAD + 2)           /* chunk CRCs, 306 to 345 */
#define B_DG (JOURNAL_HEAD + 2 + 40)        /* the digest block, 346 to 445 */
#define B_CRC (B_DG + JOURNAL_DIGEST_BLOCK) /* the record CRC, 446 */
#define OLDER "journal version 1: written by an older haulproxy"

static const struct hostile hostile_cases[] = {
    {"magic first byte", 0, 1, E_SET, 'X', 1, "bad magic"},
    {"magic NUL", 7, 1, E_SET, '!', 1, "bad magic"},
    {"magic lower case", 0, 1, E_SET, 'h', 1, "bad magic"},
    {"version 0", 8, 4, E_SET, 0, 1, "unknown journal version"},
    {"version 1", 8, 4, E_SET, 1, 1, OLDER},
    {"version 1, no reseal", 8, 4, E_SET, 1, 0, OLDER},
    {"version 4", 8, 4, E_SET, 4, 1, "unknown journal version"},
    /* Version 2 has no digest block: resealed, the record still holds. */
    {"version 2", 8, 4, E_SET, 2, 1, NULL},
    {"version big-endian", 8, 4, E_SET, 0x02000000, 1, "unknown journal"},
    {"flags unknown bit", 12, 4, E_SET, 2, 1, "unknown flags"},
    {"flags top bit", 12, 4, E_SET, 0x80000000u, 1, "unknown flags"},
    {"flags all", 12, 4, E_SET, 0xffffffffu, 1, "unknown flags"},
    {"complete, chunks missing", 12, 4, E_SET, JOURNAL_COMPLETE, 1,
        "chunks missing"},
    {"seq changed", 16, 8, E_SET, 12345, 1, NULL},
    {"seq max", 16, 8, E_SET, UINT64_MAX, 1, NULL},
    {"size same chunk count", 24, 8, E_SET, 100, 1, NULL},
    {"size one more chunk", 24, 8, E_SET, 101, 1, "chunk count"},
    {"size one less chunk", 24, 8, E_SET, 90, 1, "chunk count"},
    {"size zero", 24, 8, E_SET, 0, 1, "chunk count"},
    {"size huge", 24, 8, E_SET, UINT64_MAX, 1, "chunk count"},
    {"chunk zero", 32, 8, E_SET, 0, 1, "chunk size is zero"},
    {"chunk 9", 32, 8, E_SET, 9, 1, "chunk count"},
    {"chunk 1 GiB", 32, 8, E_SET, GIB, 1, "chunk count"},
    {"chunk over 1 GiB", 32, 8, E_SET, GIB + 1, 1, "over 1 GiB"},
    {"chunk max", 32, 8, E_SET, UINT64_MAX, 1, "over 1 GiB"},
    {"nchunks 11", 40, 4, E_SET, 11, 1, "chunk count"},
    {"nchunks 9", 40, 4, E_SET, 9, 1, "chunk count"},
    {"nchunks 0", 40, 4, E_SET, 0, 1, "chunk count"},
    {"nchunks past the record", 40, 4, E_SET, 2000, 1, "truncated"},
    /* 25 chunks: CRC array, digest block and record CRC end at 511. */
    {"nchunks 25, last in one sector", 40, 4, E_SET, 25, 1, "chunk count"},
    {"nchunks 26, two sectors", 40, 4, E_SET, 26, 1, "truncated"},
    {"nchunks at the limit", 40, 4, E_SET, JOURNAL_MAX_CHUNKS, 1, "truncated"},
    {"nchunks over the limit", 40, 4, E_SET, JOURNAL_MAX_CHUNKS + 1, 1,
        "too many chunks"},
    {"nchunks max", 40, 4, E_SET, 0xffffffffu, 1, "too many chunks"},
    {"validator length 257", 44, 4, E_SET, 257, 1, "length too large"},
    {"validator length max", 44, 4, E_SET, 0xffffffffu, 1, "length too large"},
    {"validator length short", 44, 4, E_SET, 3, 1, "padding not zero"},
    {"validator length zero", 44, 4, E_SET, 0, 1, "padding not zero"},
    {"validator length long", 44, 4, E_SET, 5, 1, "contains NUL"},
    {"validator NUL inside", 49, 1, E_SET, 0, 1, "contains NUL"},
    {"validator padding", 48 + 100, 1, E_SET, 'x', 1, "padding not zero"},
    {"validator padding last", 48 + 255, 1, E_SET, 1, 1, "padding not zero"},
    {"validator byte changed", 49, 1, E_SET, 'w', 1, NULL},
    {"bit 10 set", B_BITMAP + 1, 1, E_XOR, 0x04, 1, "past the last"},
    {"bit 15 set", B_BITMAP + 1, 1, E_XOR, 0x80, 1, "past the last"},
    {"bit 1 set", B_BITMAP, 1, E_XOR, 0x02, 1, NULL},
    {"bitmap, no reseal", B_BITMAP, 1, E_XOR, 0x02, 0, "CRC"},
    {"bit 0 cleared, its CRC kept", B_BITMAP, 1, E_XOR, 0x01, 1,
        "CRC for a chunk not set"},
    {"bit 9 cleared, its CRC kept", B_BITMAP + 1, 1, E_XOR, 0x02, 1,
        "CRC for a chunk not set"},
    {"bit 2 cleared (no CRC recorded)", B_BITMAP, 1, E_XOR, 0x04, 1, NULL},
    {"chunk 0 CRC changed", B_CRCS, 4, E_XOR, 1, 1, NULL},
    {"chunk 0 CRC dropped", B_CRCS, 4, E_SET, 0, 1, NULL},
    {"chunk 2 CRC recorded", B_CRCS + 8, 4, E_SET, 0x55, 1, NULL},
    {"chunk 9 CRC all ones", B_CRCS + 36, 4, E_SET, 0xffffffffu, 1, NULL},
    {"CRC for chunk 1, not set", B_CRCS + 4, 4, E_SET, 1, 1,
        "CRC for a chunk not set"},
    {"CRC for chunk 8, not set", B_CRCS + 35, 1, E_SET, 0x80, 1,
        "CRC for a chunk not set"},
    {"chunk CRC, no reseal", B_CRCS + 1, 1, E_XOR, 0x10, 0, "CRC mismatch"},
    {"chunk 9 CRC last byte, no reseal", B_CRCS + 39, 1, E_XOR, 0x80, 0,
        "CRC mismatch"},
    {"CRC for chunk 1, no reseal", B_CRCS + 4, 4, E_SET, 7, 0, "CRC mismatch"},
    {"digest flags unknown bit", B_DG, 4, E_SET, 4, 1, "digest has unknown"},
    {"digest flags top bit", B_DG, 4, E_SET, 0x80000000u, 1,
        "digest has unknown"},
    {"sha-256 byte, no flag", B_DG + 4, 1, E_SET, 1, 1, "without their flag"},
    {"sha-512 last byte, no flag", B_DG + 99, 1, E_SET, 1, 1,
        "without their flag"},
    {"sha-256 flag, zero digest", B_DG, 4, E_SET, 1, 1, NULL},
    {"digest flags, no reseal", B_DG, 4, E_SET, 1, 0, "CRC mismatch"},
    {"CRC flipped", B_CRC, 1, E_XOR, 0x01, 0, "CRC"},
    {"CRC last byte", B_CRC + 3, 1, E_XOR, 0x80, 0, "CRC"},
    {"seq, no reseal", 16, 8, E_SET, 2, 0, "CRC"},
    {"record padding", B_CRC + 4, 1, E_SET, 1, 0, "padding not zero"},
    {"record padding last", 511, 1, E_SET, 0xff, 0, "padding not zero"},
};

/*
 * Images of two slots for journal_load_image().  Each slot holds one of
 * these, with seq as given; the bitmap of a record of seq s has chunks
 * 0 .. s-1 set, so the content shows which record was picked.
 */
enum slot_kind {
	K_ABSENT, /* not in the image (slot 1 only) */
	K_VALID,
	K_ALT,     /* valid, another validator, same record size */
	K_TORN,    /* valid head, bitmap byte spoiled */
	K_GARBAGE, /* random bytes */
	K_ZERO,    /* a hole */
	K_BIG,     /* valid, but a larger record size */
};

struct img_case {
	const char *desc;
	enum slot_kind k0;
	uint64_t seq0;
	enum slot_kind k1;
	uint64_t seq1;
	long extra;    /* bytes appended (garbage) or, negative, cut */
	uint64_t want; /* seq picked; 0: no journal */
	int want_alt;  /* picked record has the other validator */
};

static const struct img_case img_cases[] = {
    {"one record only", K_VALID, 1, K_ABSENT, 0, 0, 1, 0},
    {"one record, garbage after", K_VALID, 1, K_ABSENT, 0, 700, 1, 0},
    {"slot 1 garbage", K_VALID, 1, K_GARBAGE, 0, 0, 1, 0},
    {"slot 1 zero", K_VALID, 1, K_ZERO, 0, 0, 1, 0},
    {"slot 1 torn", K_VALID, 1, K_TORN, 2, 0, 1, 0},
    {"slot 1 cut by a byte", K_VALID, 1, K_VALID, 2, -1, 1, 0},
    {"slot 1 cut in half", K_VALID, 1, K_VALID, 2, -256, 1, 0},
    {"slot 0 garbage", K_GARBAGE, 0, K_VALID, 2, 0, 2, 0},
    {"slot 0 hole", K_ZERO, 0, K_VALID, 2, 0, 2, 0},
    {"slot 0 torn", K_TORN, 3, K_VALID, 2, 0, 2, 0},
    {"slot 0 torn, garbage after", K_TORN, 3, K_VALID, 2, 100, 2, 0},
    {"slot 0 garbage, garbage after", K_GARBAGE, 0, K_VALID, 2, 100, 0, 0},
    {"both valid, slot 0 newer", K_VALID, 3, K_VALID, 2, 0, 3, 0},
    {"both valid, slot 1 newer", K_VALID, 1, K_VALID, 2, 0, 2, 0},
    {"both valid, slot 0 newer, later", K_VALID, 5, K_VALID, 4, 0, 5, 0},
    {"both valid, slot 1 newer, later", K_VALID, 3, K_VALID, 4, 0, 4, 0},
    {"newer has other validator", K_VALID, 1, K_ALT, 2, 0, 2, 1},
    {"older has other validator", K_ALT, 3, K_VALID, 2, 0, 3, 1},
    {"slot 1 of another size", K_VALID, 1, K_BIG, 2, 0, 1, 0},
    {"slot 0 even seq", K_VALID, 2, K_ABSENT, 0, 0, 0, 0},
    {"both seqs in the wrong slot", K_VALID, 2, K_VALID, 1, 0, 0, 0},
    {"slot 1 odd seq", K_VALID, 1, K_VALID, 3, 0, 1, 0},
    {"slot 0 torn alone", K_TORN, 1, K_ABSENT, 0, 0, 0, 0},
    {"both torn", K_TORN, 3, K_TORN, 2, 0, 0, 0},
    {"both garbage", K_GARBAGE, 0, K_GARBAGE, 0, 0, 0, 0},
    {"both zero", K_ZERO, 0, K_ZERO, 0, 0, 0, 0},
    {"empty", K_ABSENT, 0, K_ABSENT, 0, 0, 0, 0},
    {"head cut", K_VALID, 1, K_ABSENT, 0, -924, 0, 0},
    {"record cut", K_VALID, 1, K_ABSENT, 0, -1, 0, 0},
};

#define IMG_SIZE 1000 /* in chunks of 10: 100 chunks, 1024-byte record */
#define IMG_CHUNK 10

static uint32_t chunk_crc(uint32_t);
static void make_validator(char *, enum vkind);
static void set_pattern(struct journal *, enum pattern);
static int same(const struct journal *, const struct journal *);
static unsigned char *encode_new(const struct journal *, size_t *);
static void put_le(unsigned char *, int, uint64_t);
static uint64_t get_le(const unsigned char *, int);
static void reseal(unsigned char *, size_t);
static void fill_random(unsigned char *, size_t, uint64_t *);
static size_t put_slot(unsigned char *, enum slot_kind, uint64_t, uint64_t *);
static size_t slot_off(uint64_t, size_t);
static int tmp_journal(char *, size_t);
static int flip_byte(const char *, off_t);
static void test_record_size(void);
static void test_roundtrip(void);
static void test_init(void);
static void test_encode_refuses(void);
static void test_flip_every_byte(void);
static void test_flip_large(void);
static void test_truncated(void);
static void test_hostile(void);
static void test_complete(void);
static void test_count(void);
static void test_load_image(void);
static void test_load_random(void);
static void test_file_cycle(void);
static void test_file_large(void);
static void test_file_errors(void);
static void test_crc_api(void);
static void test_crc_encode(void);
static void test_version1(void);
static void make_v1(const struct journal *, unsigned char *, size_t);

/* The CRC a test records for chunk i: 0 (not recorded), all ones, or
 * scattered values. */
static uint32_t
chunk_crc(uint32_t i)
{
	switch (i % 5) {
	case 0:
		return 0;
	case 1:
		return 0xffffffffu;
	default:
		return i * 2654435761u + 1;
	}
}

static void
make_validator(char *v, enum vkind k)
{
	size_t i;

	switch (k) {
	case V_EMPTY:
		v[0] = '\0';
		break;
	case V_ETAG:
		strcpy(v, "\"5f3a-1b2c\"");
		break;
	case V_WEAK:
		strcpy(v, "W/\"x\"");
		break;
	case V_DATE:
		strcpy(v, "Tue, 15 Nov 1994 08:12:31 GMT");
		break;
	case V_BINARY:
		for (i = 0; i < 255; i++)
			v[i] = (char)(i + 1);
		v[255] = '\0';
		break;
	case V_MAX:
	case V_TOO_LONG:
		for (i = 0; i < JOURNAL_VALIDATOR_MAX; i++)
			v[i] = (char)('a' + i % 26);
		if (k == V_TOO_LONG)
			v[i++] = 'z';
		v[i] = '\0';
		break;
	}
}

static void
set_pattern(struct journal *j, enum pattern p)
{
	uint32_t i;

	for (i = 0; i < j->nchunks; i++)
		if (p == P_ALL || (p == P_THIRDS && i % 3 == 0) ||
		    (p == P_FIRST_LAST && (i == 0 || i == j->nchunks - 1)))
			journal_set_crc(j, i, chunk_crc(i));
	if (p == P_ALL)
		j->flags |= JOURNAL_COMPLETE;
}

static int
same(const struct journal *a, const struct journal *b)
{
	size_t nb = (a->nchunks + 7) / 8;

	return a->seq == b->seq && a->flags == b->flags && a->size == b->size &&
	    a->chunk_size == b->chunk_size && a->nchunks == b->nchunks &&
	    strcmp(a->validator, b->validator) == 0 &&
	    (nb == 0 || memcmp(a->bitmap, b->bitmap, nb) == 0) &&
	    (a->nchunks == 0 ||
	        memcmp(a->crc, b->crc, a->nchunks * sizeof(*a->crc)) == 0) &&
	    a->has_sha256 == b->has_sha256 && a->has_sha512 == b->has_sha512 &&
	    memcmp(a->sha256, b->sha256, sizeof(a->sha256)) == 0 &&
	    memcmp(a->sha512, b->sha512, sizeof(a->sha512)) == 0;
}

static unsigned char *
encode_new(const struct journal *j, size_t *len)
{
	unsigned char *buf;

	*len = journal_record_size(j->nchunks);
	if ((buf = malloc(*len)) == NULL)
		abort();
	if (journal_encode(j, buf, *len) != *len) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void
put_le(unsigned char *p, int width, uint64_t v)
{
	int i;

	for (i = 0; i < width; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_le(const unsigned char *p, int width)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < width; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/*
 * Recompute the CRC where the record's (edited) nchunks puts it (after
 * the bitmap and the chunk CRCs) and zero what follows, as an encoder of
 * that record would have.
 */
static void
reseal(unsigned char *p, size_t len)
{
	uint64_t n = get_le(p + 40, 4);
	uint64_t at = JOURNAL_HEAD + n / 8 + (n % 8 != 0) + 4 * n +
	    (get_le(p + 8, 4) >= 3 ? JOURNAL_DIGEST_BLOCK : 0);

	if (at + 4 > len)
		return;
	put_le(p + at, 4, crc32(crc32(0L, Z_NULL, 0), p, (uInt)at));
	memset(p + at + 4, 0, len - (size_t)at - 4);
}

static void
fill_random(unsigned char *p, size_t len, uint64_t *x)
{
	size_t i;

	for (i = 0; i < len; i++) {
		*x ^= *x << 13;
		*x ^= *x >> 7;
		*x ^= *x << 17;
		p[i] = (unsigned char)(*x >> 32);
	}
}

/* The contract of journal.h: record seq lives in slot (seq - 1) % 2. */
static size_t
slot_off(uint64_t seq, size_t rs)
{
	return (size_t)((seq - 1) % 2) * rs;
}

/* Write a slot of the given kind at p (IMG_SIZE record); its length. */
static size_t
put_slot(unsigned char *p, enum slot_kind k, uint64_t seq, uint64_t *rnd)
{
	struct journal j;
	uint64_t i;
	size_t rs, len;

	rs = journal_record_size(IMG_SIZE / IMG_CHUNK);
	switch (k) {
	case K_ABSENT:
		return 0;
	case K_GARBAGE:
		fill_random(p, rs, rnd);
		return rs;
	case K_ZERO:
		memset(p, 0, rs);
		return rs;
	default:
		break;
	}
	if (journal_init(&j, k == K_BIG ? 2000 : IMG_SIZE, IMG_CHUNK,
	        k == K_ALT ? "\"alt\"" : "\"v1\"", NULL, 0) == -1)
		abort();
	j.seq = seq;
	for (i = 0; i < seq && i < j.nchunks; i++)
		journal_set_crc(&j, (uint32_t)i, (uint32_t)(seq << 8 | i));
	len = journal_encode(&j, p, 4 * rs);
	if (len == 0)
		abort();
	if (k == K_TORN)
		p[JOURNAL_HEAD + 5] ^= 0x10;
	journal_free(&j);
	return len;
}

static int
tmp_journal(char *path, size_t len)
{
	snprintf(path, len, "/tmp/test_journal.XXXXXX");
	return mkstemp(path);
}

static int
flip_byte(const char *path, off_t off)
{
	unsigned char c;
	int fd, rc = -1;

	if ((fd = open(path, O_RDWR)) == -1)
		return -1;
	if (pread(fd, &c, 1, off) == 1) {
		c ^= 0x40;
		if (pwrite(fd, &c, 1, off) == 1)
			rc = 0;
	}
	close(fd);
	return rc;
}

static void
test_record_size(void)
{
	static const struct {
		uint32_t n;
		size_t want;
	} rows[] = {
	    /* head + ceil(n / 8) + 4 n + digest + 4, rounded up to 512 */
	    {0, 512},
	    {1, 512},
	    {24, 512}, /* 304 + 3 + 96 + 100 + 4 = 507 */
	    {25, 512}, /* 304 + 4 + 100 + 100 + 4 = 512 */
	    {26, 1024},
	    {8, 512},
	    {9, 512},
	    {161, 1536}, /* 304 + 21 + 644 + 100 + 4 = 1073 */
	    {10000, 41984},
	    {JOURNAL_MAX_CHUNKS - 1, 276824576},
	    {JOURNAL_MAX_CHUNKS, 276824576},
	    /* Past the limit: no such record. */
	    {JOURNAL_MAX_CHUNKS + 1, 0},
	    {UINT32_MAX / 4 + 1, 0},
	    {UINT32_MAX, 0},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (journal_record_size(rows[i].n) != rows[i].want)
			FAILF("record_size(%" PRIu32 ") = %zu, want %zu",
			    rows[i].n, journal_record_size(rows[i].n),
			    rows[i].want);
		CHECK(journal_record_size(rows[i].n) % 512 == 0);
		if (rows[i].want > 0)
			CHECK((size_t)JOURNAL_HEAD + rows[i].n / 8 +
			        (rows[i].n % 8 != 0) + 4 * (size_t)rows[i].n +
			        JOURNAL_DIGEST_BLOCK + 4 <=
			    rows[i].want);
	}
}

static void
test_roundtrip(void)
{
	char v[JOURNAL_VALIDATOR_MAX + 2], err[128];
	struct journal a, b;
	unsigned char *buf, *again;
	size_t i, len, len2;
	uint32_t want_count, k;

	for (i = 0; i < sizeof(rt_cases) / sizeof(rt_cases[0]); i++) {
		const struct rt_case *c = &rt_cases[i];

		make_validator(v, c->v);
		err[0] = '\0';
		if (journal_init(&a, c->size, c->chunk, v, err, sizeof(err)) ==
		    -1) {
			FAILF("row %zu: init: %s", i, err);
			continue;
		}
		if (a.nchunks != c->nchunks)
			FAILF("row %zu: nchunks %" PRIu32 ", want %" PRIu32, i,
			    a.nchunks, c->nchunks);
		CHECK_INT(journal_count(&a), 0);
		set_pattern(&a, c->pat);
		a.seq = 1000 + i;
		want_count = 0;
		for (k = 0; k < a.nchunks; k++)
			want_count += (uint32_t)journal_has(&a, k);
		if ((buf = encode_new(&a, &len)) == NULL) {
			FAILF("row %zu: encode refused", i);
			journal_free(&a);
			continue;
		}
		if (journal_decode(buf, len, &b, err, sizeof(err)) == -1) {
			FAILF("row %zu: decode: %s", i, err);
		} else {
			if (!same(&a, &b))
				FAILF("row %zu: decoded record differs", i);
			if (journal_count(&b) != want_count)
				FAILF("row %zu: count %" PRIu32
				      ", want %" PRIu32,
				    i, journal_count(&b), want_count);
			/* Re-encoding gives the same bytes. */
			if ((again = encode_new(&b, &len2)) == NULL ||
			    len2 != len || memcmp(again, buf, len) != 0)
				FAILF("row %zu: re-encoding differs", i);
			free(again);
			journal_free(&b);
		}
		/* A longer buffer (an image of two slots) decodes too. */
		if ((again = calloc(1, 2 * len)) == NULL)
			abort();
		memcpy(again, buf, len);
		if (journal_decode(again, 2 * len, &b, err, sizeof(err)) == -1)
			FAILF(
			    "row %zu: decode from a longer buffer: %s", i, err);
		else if (!same(&a, &b))
			FAILF("row %zu: longer buffer decodes differently", i);
		journal_free(&b);
		free(again);
		free(buf);
		journal_free(&a);
	}
}

static void
test_init(void)
{
	char v[JOURNAL_VALIDATOR_MAX + 2], err[128];
	struct journal j;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(init_cases) / sizeof(init_cases[0]); i++) {
		const struct init_bad *c = &init_cases[i];

		make_validator(v, c->v);
		err[0] = '\0';
		memset(&j, 0xa5, sizeof(j));
		rc = journal_init(&j, c->size, c->chunk,
		    c->null_validator ? NULL : v, err, sizeof(err));
		if (c->want == NULL) {
			if (rc != 0)
				FAILF("row %zu: init failed: %s", i, err);
			else {
				CHECK_INT(j.seq, 0);
				CHECK_INT(j.flags, 0);
				CHECK(j.bitmap != NULL);
				CHECK(j.crc != NULL);
				CHECK_STR(j.validator, v);
				CHECK_INT(journal_count(&j), 0);
			}
		} else {
			if (rc != -1)
				FAILF("row %zu: init succeeded", i);
			else if (strstr(err, c->want) == NULL)
				FAILF("row %zu: error \"%s\", want \"%s\"", i,
				    err, c->want);
			CHECK(j.bitmap == NULL);
			CHECK(j.crc == NULL);
		}
		journal_free(&j);
		journal_free(&j); /* twice is harmless */
	}
	/* No error buffer at all. */
	CHECK_INT(journal_init(&j, 1, 0, "", NULL, 0), -1);
	journal_free(NULL);
}

static void
test_encode_refuses(void)
{
	struct journal j;
	unsigned char buf[1024];

	CHECK_INT(journal_init(&j, 95, 10, "\"v1\"", NULL, 0), 0);
	CHECK_INT(journal_encode(&j, buf, sizeof(buf)), 512);
	CHECK_INT(journal_encode(&j, buf, 511), 0);
	CHECK_INT(journal_encode(&j, buf, 0), 0);
	journal_set(&j, 10); /* past nchunks: a caller's bug */
	CHECK_INT(journal_encode(&j, buf, sizeof(buf)), 0);
	CHECK_INT(journal_write(-1, &j), -1);
	CHECK_INT(errno, EINVAL);
	j.bitmap[1] = 0;
	j.flags = JOURNAL_COMPLETE; /* chunks missing */
	CHECK_INT(journal_encode(&j, buf, sizeof(buf)), 0);
	j.flags = 4;
	CHECK_INT(journal_encode(&j, buf, sizeof(buf)), 0);
	j.flags = 0;
	memset(j.validator, 'x', sizeof(j.validator)); /* unterminated */
	CHECK_INT(journal_encode(&j, buf, sizeof(buf)), 0);
	j.validator[0] = '\0';
	j.nchunks = 11;
	CHECK_INT(journal_encode(&j, buf, sizeof(buf)), 0);
	j.nchunks = 10;
	j.chunk_size = 0;
	CHECK_INT(journal_encode(&j, buf, sizeof(buf)), 0);
	j.chunk_size = 10;
	CHECK_INT(journal_encode(&j, buf, sizeof(buf)), 512);
	/* A CRC for a chunk not set: decode would refuse it, so encode does. */
	j.crc[3] = 0x1234;
	CHECK_INT(journal_encode(&j, buf, sizeof(buf)), 0);
	CHECK_INT(journal_write(-1, &j), -1);
	CHECK_INT(errno, EINVAL);
	journal_set(&j, 3); /* set it, dropping the CRC: fine again */
	CHECK_INT(journal_crc(&j, 3), 0);
	CHECK_INT(journal_encode(&j, buf, sizeof(buf)), 512);
	journal_set_crc(&j, 3, 0x1234);
	CHECK_INT(journal_encode(&j, buf, sizeof(buf)), 512);
	j.bitmap[0] = 0; /* cleared by hand, CRC left */
	CHECK_INT(journal_encode(&j, buf, sizeof(buf)), 0);
	j.crc[3] = 0;
	CHECK_INT(journal_encode(&j, buf, sizeof(buf)), 512);
	j.crc[9] = 1; /* the last chunk */
	CHECK_INT(journal_encode(&j, buf, sizeof(buf)), 0);
	j.crc[9] = 0;
	/* No CRC array at all. */
	free(j.crc);
	j.crc = NULL;
	CHECK_INT(journal_encode(&j, buf, sizeof(buf)), 0);
	journal_free(&j);
	/* No chunks: no CRC array needed. */
	CHECK_INT(journal_init(&j, 0, 10, "", NULL, 0), 0);
	free(j.crc);
	j.crc = NULL;
	CHECK_INT(journal_encode(&j, buf, sizeof(buf)), 512);
	journal_free(&j);
}

/*
 * CRC-32 catches every error within 32 consecutive bits, and the bytes
 * it does not cover (the record padding) must be zero: so every value
 * of every byte other than the original is refused.
 */
static void
test_flip_every_byte(void)
{
	struct journal j, out;
	unsigned char *buf;
	size_t len, i;
	unsigned mask;
	int missed = 0;

	CHECK_INT(journal_init(&j, 95, 10, "\"v1\"", NULL, 0), 0);
	journal_set_crc(&j, 0, 0xdeadbeef);
	journal_set(&j, 2);
	journal_set_crc(&j, 9, 0x01020304);
	j.seq = 7;
	if ((buf = encode_new(&j, &len)) == NULL) {
		FAILF("encode refused");
		journal_free(&j);
		return;
	}
	CHECK_INT(len, 512);
	CHECK_INT(journal_decode(buf, len, &out, NULL, 0), 0);
	journal_free(&out);
	for (i = 0; i < len; i++)
		for (mask = 1; mask < 256; mask++) {
			buf[i] ^= (unsigned char)mask;
			if (journal_decode(buf, len, &out, NULL, 0) == 0) {
				if (missed++ < 5)
					FAILF("byte %zu ^ 0x%02x accepted", i,
					    mask);
				journal_free(&out);
			}
			CHECK(out.bitmap == NULL);
			buf[i] ^= (unsigned char)mask;
		}
	CHECK_INT(missed, 0);
	free(buf);
	journal_free(&j);
}

/*
 * The same for a seventeen-sector record (2000 chunks, CRCs of a third
 * recorded: 8,000 bytes of chunk CRCs), three masks a byte.
 */
static void
test_flip_large(void)
{
	static const unsigned char masks[] = {0x01, 0x80, 0xff};
	struct journal j, out;
	unsigned char *buf;
	size_t len, i, m;
	int missed = 0;

	CHECK_INT(journal_init(
	              &j, 2000 * 512 * KIB, 512 * KIB, "W/\"large\"", NULL, 0),
	    0);
	set_pattern(&j, P_THIRDS);
	j.seq = 99;
	if ((buf = encode_new(&j, &len)) == NULL) {
		FAILF("encode refused");
		journal_free(&j);
		return;
	}
	CHECK_INT(len, 8704);
	for (i = 0; i < len; i++)
		for (m = 0; m < sizeof(masks); m++) {
			buf[i] ^= masks[m];
			if (journal_decode(buf, len, &out, NULL, 0) == 0) {
				if (missed++ < 5)
					FAILF("byte %zu ^ 0x%02x accepted", i,
					    masks[m]);
				journal_free(&out);
			}
			buf[i] ^= masks[m];
		}
	CHECK_INT(missed, 0);
	free(buf);
	journal_free(&j);
}

static void
test_truncated(void)
{
	struct journal j, out;
	unsigned char *buf, *cut;
	char err[128];
	size_t len, n;
	int bad = 0;

	CHECK_INT(
	    journal_init(&j, 10000 * 512 * KIB, 512 * KIB, "\"t\"", NULL, 0),
	    0);
	set_pattern(&j, P_FIRST_LAST);
	j.seq = 1;
	if ((buf = encode_new(&j, &len)) == NULL) {
		FAILF("encode refused");
		journal_free(&j);
		return;
	}
	/* Copied at each length so ASan sees any read past the end. */
	for (n = 0; n < len; n++) {
		if ((cut = malloc(n + 1)) == NULL)
			abort();
		memcpy(cut, buf, n);
		err[0] = '\0';
		if (journal_decode(cut, n, &out, err, sizeof(err)) == 0) {
			if (bad++ < 5)
				FAILF(
				    "decode accepted %zu of %zu bytes", n, len);
			journal_free(&out);
		} else if (strstr(err, "truncated") == NULL)
			FAILF("length %zu: error \"%s\"", n, err);
		if (journal_load_image(cut, n, &out, NULL, 0) == 0) {
			if (bad++ < 5)
				FAILF("load accepted %zu of %zu bytes", n, len);
			journal_free(&out);
		}
		free(cut);
	}
	CHECK_INT(journal_decode(NULL, 0, &out, err, sizeof(err)), -1);
	CHECK_INT(journal_decode(buf, len, &out, err, sizeof(err)), 0);
	CHECK(same(&j, &out));
	journal_free(&out);
	free(buf);
	journal_free(&j);
}

static void
test_hostile(void)
{
	struct journal j, out;
	unsigned char base[512], buf[512];
	char err[128];
	size_t i;
	int rc;

	CHECK_INT(journal_init(&j, 95, 10, "\"v1\"", NULL, 0), 0);
	journal_set_crc(&j, 0, 0xdeadbeef);
	journal_set(&j, 2);
	journal_set_crc(&j, 9, 0x01020304);
	j.seq = 4;
	CHECK_INT(journal_encode(&j, base, sizeof(base)), 512);
	journal_free(&j);
	for (i = 0; i < sizeof(hostile_cases) / sizeof(hostile_cases[0]); i++) {
		const struct hostile *c = &hostile_cases[i];

		memcpy(buf, base, sizeof(buf));
		if (c->how == E_SET)
			put_le(buf + c->off, c->width, c->val);
		else
			put_le(buf + c->off, c->width,
			    get_le(buf + c->off, c->width) ^ c->val);
		if (c->reseal)
			reseal(buf, sizeof(buf));
		err[0] = '\0';
		rc = journal_decode(buf, sizeof(buf), &out, err, sizeof(err));
		if (c->want == NULL) {
			if (rc != 0)
				FAILF("%s: refused: %s", c->desc, err);
			/* Resealed CRCs are believed: checking them against
			 * the part file is download.c's work. */
			else if (c->off >= B_CRCS && c->off < B_DG &&
			    journal_crc(
			        &out, (uint32_t)(c->off - B_CRCS) / 4) !=
			        (uint32_t)get_le(
			            buf + B_CRCS + (c->off - B_CRCS) / 4 * 4,
			            4))
				FAILF("%s: chunk CRC not as written", c->desc);
			journal_free(&out);
			continue;
		}
		if (rc != -1) {
			FAILF("%s: accepted", c->desc);
			journal_free(&out);
		} else if (strstr(err, c->want) == NULL)
			FAILF("%s: error \"%s\", want \"%s\"", c->desc, err,
			    c->want);
		CHECK(out.bitmap == NULL);
		CHECK(out.crc == NULL);
	}
}

static void
test_complete(void)
{
	struct journal j, out;
	unsigned char buf[512];
	uint32_t i;

	CHECK_INT(journal_init(&j, 95, 10, "", NULL, 0), 0);
	for (i = 0; i < 10; i++)
		journal_set(&j, i);
	CHECK_INT(journal_count(&j), 10);
	/* All set: the flag is allowed but not required. */
	CHECK_INT(journal_encode(&j, buf, sizeof(buf)), 512);
	CHECK_INT(journal_decode(buf, sizeof(buf), &out, NULL, 0), 0);
	CHECK_INT(out.flags, 0);
	journal_free(&out);
	j.flags = JOURNAL_COMPLETE;
	CHECK_INT(journal_encode(&j, buf, sizeof(buf)), 512);
	CHECK_INT(journal_decode(buf, sizeof(buf), &out, NULL, 0), 0);
	CHECK_INT(out.flags, JOURNAL_COMPLETE);
	journal_free(&out);
	/* Clear one chunk and seal the flag in anyway. */
	buf[JOURNAL_HEAD + 1] &= (unsigned char)~0x02;
	reseal(buf, sizeof(buf));
	CHECK_INT(journal_decode(buf, sizeof(buf), &out, NULL, 0), -1);
	journal_free(&j);
}

static void
test_count(void)
{
	static const struct {
		uint64_t size;
		enum pattern pat;
		uint32_t want;
	} rows[] = {
	    {0, P_ALL, 0},
	    {1, P_ALL, 1},
	    {7, P_ALL, 7},
	    {8, P_ALL, 8},
	    {9, P_ALL, 9},
	    {9, P_FIRST_LAST, 2},
	    {1, P_FIRST_LAST, 1},
	    {10, P_THIRDS, 4},
	    {10000, P_THIRDS, 3334},
	    {10000, P_ALL, 10000},
	    {10001, P_NONE, 0},
	};
	struct journal j;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		CHECK_INT(journal_init(&j, rows[i].size, 1, "", NULL, 0), 0);
		set_pattern(&j, rows[i].pat);
		if (journal_count(&j) != rows[i].want)
			FAILF("row %zu: count %" PRIu32 ", want %" PRIu32, i,
			    journal_count(&j), rows[i].want);
		journal_free(&j);
	}
}

static void
test_load_image(void)
{
	struct journal out;
	unsigned char *img;
	uint64_t rnd = 0x9e3779b97f4a7c15ULL;
	char err[256];
	size_t i, rs, len;
	int rc;

	rs = journal_record_size(IMG_SIZE / IMG_CHUNK);
	CHECK_INT(rs, 1024);
	for (i = 0; i < sizeof(img_cases) / sizeof(img_cases[0]); i++) {
		const struct img_case *c = &img_cases[i];

		if ((img = calloc(1, 8 * rs)) == NULL)
			abort();
		/* Slot 0 always spans rs bytes when present. */
		len = put_slot(img, c->k0, c->seq0, &rnd) > 0 ? rs : 0;
		len += put_slot(img + rs, c->k1, c->seq1, &rnd);
		if (c->extra > 0) {
			fill_random(img + len, (size_t)c->extra, &rnd);
			len += (size_t)c->extra;
		} else
			len -= (size_t)-c->extra;
		/* Exactly len bytes, so ASan sees any read past the end. */
		if ((img = realloc(img, len + 1)) == NULL)
			abort();
		err[0] = '\0';
		memset(&out, 0xa5, sizeof(out));
		rc = journal_load_image(img, len, &out, err, sizeof(err));
		if (c->want == 0) {
			if (rc == 0) {
				FAILF("%s: loaded seq %" PRIu64, c->desc,
				    out.seq);
				journal_free(&out);
			} else if (err[0] == '\0')
				FAILF("%s: no error message", c->desc);
			CHECK(out.bitmap == NULL);
		} else if (rc != 0)
			FAILF("%s: refused: %s", c->desc, err);
		else {
			if (out.seq != c->want ||
			    journal_count(&out) != c->want ||
			    journal_crc(&out, 0) != (uint32_t)(c->want << 8) ||
			    strcmp(out.validator,
			        c->want_alt ? "\"alt\"" : "\"v1\"") != 0)
				FAILF("%s: got seq %" PRIu64 " count %" PRIu32
				      " validator %s, want seq %" PRIu64,
				    c->desc, out.seq, journal_count(&out),
				    out.validator, c->want);
			journal_free(&out);
		}
		free(img);
	}
	CHECK_INT(journal_load_image(NULL, 0, &out, err, sizeof(err)), -1);
	CHECK_STR(err, "journal empty");
}

static void
test_load_random(void)
{
	struct journal out;
	unsigned char *img;
	uint64_t rnd = 12345;
	size_t i, len;

	for (i = 0; i < 2000; i++) {
		len = (size_t)(rnd % 3000);
		if ((img = malloc(len + 1)) == NULL)
			abort();
		fill_random(img, len, &rnd);
		/* Half the rows get a real head, to reach deeper checks. */
		if (i % 2 == 0 && len >= 12) {
			memcpy(img, "HAULJRN", 8);
			put_le(img + 8, 4, JOURNAL_VERSION);
			if (len >= JOURNAL_HEAD)
				put_le(img + 40, 4, rnd % 5000);
		}
		if (journal_load_image(img, len, &out, NULL, 0) == 0) {
			FAILF("random image %zu (%zu bytes) loaded", i, len);
			journal_free(&out);
		}
		free(img);
	}
}

static void
test_file_cycle(void)
{
	struct journal j, r;
	char path[64], err[256];
	size_t rs;
	uint64_t s;
	int fd;

	if ((fd = tmp_journal(path, sizeof(path))) == -1) {
		FAILF("mkstemp: %s", strerror(errno));
		return;
	}
	CHECK_INT(journal_init(&j, 1000, 10, "\"etag-1\"", NULL, 0), 0);
	rs = journal_record_size(j.nchunks);

	/* Three writes, each recording one more chunk. */
	for (s = 1; s <= 3; s++) {
		journal_set_crc(
		    &j, (uint32_t)s - 1, (uint32_t)(0xc0de0000 + s));
		CHECK_INT(journal_write(fd, &j), 0);
		CHECK_INT(j.seq, s);
		if (s == 1) {
			struct stat st;

			/* The first write alone: one record, slot 0. */
			CHECK_INT(fstat(fd, &st), 0);
			CHECK_INT(st.st_size, rs);
		}
	}
	err[0] = '\0';
	if (journal_read(path, &r, err, sizeof(err)) == -1)
		FAILF("read: %s", err);
	else {
		CHECK(same(&j, &r));
		CHECK_INT(r.seq, 3);
		CHECK_INT(journal_count(&r), 3);
		journal_free(&r);
	}

	/* A torn write of seq 3: the state of seq 2 comes back. */
	CHECK_INT(flip_byte(path, (off_t)(slot_off(3, rs) + JOURNAL_HEAD)), 0);
	if (journal_read(path, &r, err, sizeof(err)) == -1)
		FAILF("read after tear: %s", err);
	else {
		CHECK_INT(r.seq, 2);
		CHECK_INT(journal_count(&r), 2);
		CHECK(journal_has(&r, 0) && journal_has(&r, 1));
		CHECK(!journal_has(&r, 2));
		CHECK_INT(journal_crc(&r, 0), 0xc0de0001);
		CHECK_INT(journal_crc(&r, 1), 0xc0de0002);
		CHECK_INT(journal_crc(&r, 2), 0);
		CHECK_STR(r.validator, "\"etag-1\"");
		/*
		 * Resume from it: the next write goes over the torn slot,
		 * not over seq 2.
		 */
		journal_set(&r, 2);
		journal_set(&r, 3);
		CHECK_INT(journal_write(fd, &r), 0);
		CHECK_INT(r.seq, 3);
		journal_free(&r);
	}
	if (journal_read(path, &r, err, sizeof(err)) == -1)
		FAILF("read after rewrite: %s", err);
	else {
		CHECK_INT(r.seq, 3);
		CHECK_INT(journal_count(&r), 4);
		journal_free(&r);
	}

	/* Slot 1 (seq 2) cut in half: slot 0 (seq 3) still loads. */
	CHECK_INT(ftruncate(fd, (off_t)(rs + rs / 2)), 0);
	if (journal_read(path, &r, err, sizeof(err)) == -1)
		FAILF("read with slot 1 cut: %s", err);
	else {
		CHECK_INT(r.seq, 3);
		CHECK_INT(journal_count(&r), 4);
		journal_free(&r);
	}

	/* Cut to half a record: a clean error, nothing trusted. */
	CHECK_INT(ftruncate(fd, (off_t)(rs / 2)), 0);
	err[0] = '\0';
	memset(&r, 0xa5, sizeof(r));
	CHECK_INT(journal_read(path, &r, err, sizeof(err)), -1);
	CHECK_INT(errno, EINVAL);
	CHECK(err[0] != '\0');
	CHECK(r.bitmap == NULL);
	journal_free(&r);

	/* Empty file. */
	CHECK_INT(ftruncate(fd, 0), 0);
	CHECK_INT(journal_read(path, &r, err, sizeof(err)), -1);
	CHECK_INT(errno, EINVAL);

	/* Starting over on the truncated file works as a new journal. */
	j.seq = 0;
	CHECK_INT(journal_write(fd, &j), 0);
	if (journal_read(path, &r, err, sizeof(err)) == -1)
		FAILF("read after restart: %s", err);
	else {
		CHECK_INT(r.seq, 1);
		journal_free(&r);
	}

	journal_free(&j);
	close(fd);
	unlink(path);
}

static void
test_file_large(void)
{
	struct journal j, r;
	char path[64], err[256];
	int fd, k;

	if ((fd = tmp_journal(path, sizeof(path))) == -1) {
		FAILF("mkstemp: %s", strerror(errno));
		return;
	}
	CHECK_INT(journal_init(&j, 10000 * 512 * KIB + 17, 512 * KIB,
	              "Tue, 15 Nov 1994 08:12:31 GMT", NULL, 0),
	    0);
	for (k = 0; k < 4; k++) {
		set_pattern(&j, k < 3 ? P_THIRDS : P_ALL);
		CHECK_INT(journal_write(fd, &j), 0);
	}
	if (journal_read(path, &r, err, sizeof(err)) == -1)
		FAILF("read: %s", err);
	else {
		CHECK(same(&j, &r));
		CHECK_INT(r.seq, 4);
		CHECK_INT(r.flags, JOURNAL_COMPLETE);
		CHECK_INT(journal_count(&r), 10001);
		journal_free(&r);
	}
	journal_free(&j);
	close(fd);
	unlink(path);
}

static void
test_file_errors(void)
{
	struct journal j, r;
	char path[64], err[256];
	int fd, rofd;

	/* Missing file: ENOENT and a message. */
	err[0] = '\0';
	CHECK_INT(journal_read(
	              "/tmp/test_journal.missing/none", &r, err, sizeof(err)),
	    -1);
	CHECK_INT(errno, ENOENT);
	CHECK(err[0] != '\0');
	CHECK(r.bitmap == NULL);

	/* A directory is not a journal. */
	CHECK_INT(journal_read("/tmp", &r, err, sizeof(err)), -1);

	if ((fd = tmp_journal(path, sizeof(path))) == -1) {
		FAILF("mkstemp: %s", strerror(errno));
		return;
	}
	/* Larger than two of the largest records: refused unread. */
	CHECK_INT(ftruncate(fd,
	              (off_t)(2 * journal_record_size(JOURNAL_MAX_CHUNKS) + 1)),
	    0);
	CHECK_INT(journal_read(path, &r, err, sizeof(err)), -1);
	CHECK_INT(errno, EFBIG);
	CHECK(strstr(err, "too large") != NULL);
	CHECK_INT(ftruncate(fd, 0), 0);

	/* Write failures leave seq as it was. */
	CHECK_INT(journal_init(&j, 100, 10, "", NULL, 0), 0);
	j.seq = 41;
	CHECK_INT(journal_write(-1, &j), -1);
	CHECK_INT(errno, EBADF);
	CHECK_INT(j.seq, 41);
	if ((rofd = open(path, O_RDONLY)) == -1)
		FAILF("open: %s", strerror(errno));
	else {
		CHECK_INT(journal_write(rofd, &j), -1);
		CHECK_INT(errno, EBADF);
		CHECK_INT(j.seq, 41);
		close(rofd);
	}
	j.seq = UINT64_MAX;
	CHECK_INT(journal_write(fd, &j), -1);
	CHECK_INT(errno, EOVERFLOW);
	CHECK_INT(journal_write(fd, NULL), -1);
	CHECK_INT(errno, EINVAL);
	journal_free(&j);
	close(fd);
	unlink(path);
}

/* journal_set_crc(), journal_set(), journal_crc() and journal_clear(). */
static void
test_crc_api(void)
{
	static const uint32_t sizes[] = {0, 1, 7, 8, 9, 10, 16, 17};
	struct journal j, out;
	unsigned char *buf;
	size_t len, k;
	uint32_t i, n;

	CHECK_INT(journal_init(&j, 95, 10, "\"c\"", NULL, 0), 0);
	for (i = 0; i < j.nchunks; i++)
		CHECK_INT(journal_crc(&j, i), 0);
	journal_set_crc(&j, 0, 0xffffffffu);
	CHECK(journal_has(&j, 0));
	CHECK_INT(journal_crc(&j, 0), 0xffffffffu);
	journal_set_crc(&j, 0, 5); /* set again: the new CRC wins */
	CHECK_INT(journal_crc(&j, 0), 5);
	journal_set(&j, 0); /* set without a CRC drops it */
	CHECK(journal_has(&j, 0));
	CHECK_INT(journal_crc(&j, 0), 0);
	journal_set_crc(&j, 9, 0); /* set, CRC not recorded */
	CHECK(journal_has(&j, 9));
	CHECK_INT(journal_crc(&j, 9), 0);
	CHECK_INT(journal_count(&j), 2);
	/* Clearing a chunk not set changes nothing. */
	journal_clear(&j, 4);
	CHECK_INT(journal_count(&j), 2);
	journal_free(&j);

	/* Every size around a bitmap byte: fill, complete, clear one. */
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		n = sizes[k];
		CHECK_INT(journal_init(&j, n, 1, "", NULL, 0), 0);
		CHECK(j.crc != NULL);
		for (i = 0; i < n; i++)
			journal_set_crc(&j, i, 0x1000 + i);
		j.flags = JOURNAL_COMPLETE;
		if ((buf = encode_new(&j, &len)) == NULL)
			FAILF("%" PRIu32 " chunks: complete refused", n);
		free(buf);
		for (i = 0; i < n; i += (n > 2 ? n - 1 : 1)) {
			journal_clear(&j, i);
			CHECK(!journal_has(&j, i));
			CHECK_INT(journal_crc(&j, i), 0);
			CHECK_INT(j.flags, 0); /* no longer complete */
		}
		CHECK_INT(journal_count(&j), n > 2 ? n - 2 : 0);
		j.seq = 3;
		if ((buf = encode_new(&j, &len)) == NULL) {
			FAILF("%" PRIu32 " chunks: cleared refused", n);
			journal_free(&j);
			continue;
		}
		if (journal_decode(buf, len, &out, NULL, 0) == -1)
			FAILF("%" PRIu32 " chunks: decode refused", n);
		else {
			CHECK(same(&j, &out));
			for (i = 0; i < n; i++)
				if (journal_crc(&out, i) !=
				    (journal_has(&j, i) ? 0x1000 + i : 0))
					FAILF("%" PRIu32 " chunks: CRC %" PRIu32
					      " wrong",
					    n, i);
			journal_free(&out);
		}
		/* Refetched: set again with the new bytes' CRC. */
		if (n > 0) {
			journal_set_crc(&j, 0, 0xabcd);
			CHECK_INT(journal_crc(&j, 0), 0xabcd);
		}
		free(buf);
		journal_free(&j);
	}
}

/*
 * The chunk CRCs on the wire: little-endian after the bitmap, covered by
 * the record CRC, so a changed CRC byte is refused as a CRC mismatch.
 */
static void
test_crc_encode(void)
{
	struct journal j, out;
	unsigned char *buf;
	char err[128];
	size_t len, at, i;
	unsigned mask;
	int missed = 0;

	/* 37 chunks: a bitmap of 5 bytes, the CRCs at an odd offset. */
	CHECK_INT(journal_init(&j, 37 * 4096 - 5, 4096, "\"e\"", NULL, 0), 0);
	CHECK_INT(j.nchunks, 37);
	for (i = 0; i < j.nchunks; i += 2)
		journal_set_crc(&j, (uint32_t)i, chunk_crc((uint32_t)i));
	j.seq = 1;
	if ((buf = encode_new(&j, &len)) == NULL) {
		FAILF("encode refused");
		journal_free(&j);
		return;
	}
	at = JOURNAL_HEAD + 5;
	for (i = 0; i < j.nchunks; i++)
		if (get_le(buf + at + 4 * i, 4) != journal_crc(&j, (uint32_t)i))
			FAILF("chunk %zu: CRC on the wire %08llx", i,
			    (unsigned long long)get_le(buf + at + 4 * i, 4));
	CHECK_INT(get_le(buf + at + 4 * 37 + JOURNAL_DIGEST_BLOCK, 4),
	    crc32(crc32(0L, Z_NULL, 0), buf,
	        (uInt)(at + 4 * 37 + JOURNAL_DIGEST_BLOCK)));
	CHECK(len == 1024);
	for (i = at; i < at + 4 * 37; i++)
		for (mask = 1; mask < 256; mask <<= 1) {
			buf[i] ^= (unsigned char)mask;
			err[0] = '\0';
			if (journal_decode(buf, len, &out, err, sizeof(err)) ==
			    0) {
				if (missed++ < 5)
					FAILF("CRC byte %zu ^ 0x%02x accepted",
					    i, mask);
				journal_free(&out);
			} else if (strcmp(err, "journal record CRC mismatch") !=
			    0)
				FAILF("CRC byte %zu: error \"%s\"", i, err);
			buf[i] ^= (unsigned char)mask;
		}
	CHECK_INT(missed, 0);
	/* Untouched, it still decodes to the same CRCs. */
	CHECK_INT(journal_decode(buf, len, &out, NULL, 0), 0);
	CHECK(same(&j, &out));
	journal_free(&out);
	free(buf);
	journal_free(&j);
}

/*
 * A version 1 record (no chunk CRCs: the CRC right after the bitmap),
 * as an older haulproxy wrote it, from the v2 encoding of j.
 */
static void
make_v1(const struct journal *j, unsigned char *p, size_t len)
{
	unsigned char *v2;
	size_t v2len, nb = (j->nchunks + 7) / 8;

	if ((v2 = encode_new(j, &v2len)) == NULL)
		abort();
	memset(p, 0, len);
	memcpy(p, v2, JOURNAL_HEAD + nb);
	put_le(p + 8, 4, 1);
	put_le(p + JOURNAL_HEAD + nb, 4,
	    crc32(crc32(0L, Z_NULL, 0), p, (uInt)(JOURNAL_HEAD + nb)));
	free(v2);
}

static void
test_version1(void)
{
	struct journal j, out;
	unsigned char img[1024];
	char path[64], err[256];
	int fd;

	/* 100 chunks: a v1 record was 512 bytes (a v2 one is 1024). */
	CHECK_INT(journal_init(&j, IMG_SIZE, IMG_CHUNK, "\"old\"", NULL, 0), 0);
	journal_set(&j, 0);
	j.seq = 1;
	make_v1(&j, img, 512);
	err[0] = '\0';
	memset(&out, 0xa5, sizeof(out));
	CHECK_INT(journal_decode(img, 512, &out, err, sizeof(err)), -1);
	CHECK_STR(err, OLDER);
	CHECK(out.bitmap == NULL && out.crc == NULL);
	/* Even torn, it is named for what it is. */
	img[JOURNAL_HEAD] ^= 0x80;
	CHECK_INT(journal_decode(img, 512, &out, err, sizeof(err)), -1);
	CHECK_STR(err, OLDER);
	img[JOURNAL_HEAD] ^= 0x80;

	/* A v1 file of two slots loads as no journal, and says why. */
	j.seq = 2;
	journal_set(&j, 1);
	make_v1(&j, img + 512, 512);
	err[0] = '\0';
	CHECK_INT(journal_load_image(img, 1024, &out, err, sizeof(err)), -1);
	CHECK(strstr(err, OLDER) != NULL);
	CHECK(out.bitmap == NULL);
	CHECK_INT(journal_load_image(img, 512, &out, err, sizeof(err)), -1);
	CHECK(strstr(err, OLDER) != NULL);

	/* Through a file, as download.c reads it: EINVAL, counts as none. */
	if ((fd = tmp_journal(path, sizeof(path))) == -1) {
		FAILF("mkstemp: %s", strerror(errno));
		journal_free(&j);
		return;
	}
	CHECK_INT(write(fd, img, sizeof(img)), sizeof(img));
	err[0] = '\0';
	CHECK_INT(journal_read(path, &out, err, sizeof(err)), -1);
	CHECK_INT(errno, EINVAL);
	CHECK(strstr(err, OLDER) != NULL);
	/* Starting over on it (truncated) gives a v2 journal. */
	CHECK_INT(ftruncate(fd, 0), 0);
	j.seq = 0;
	CHECK_INT(journal_write(fd, &j), 0);
	if (journal_read(path, &out, err, sizeof(err)) == -1)
		FAILF("read after starting over: %s", err);
	else {
		CHECK(same(&j, &out));
		journal_free(&out);
	}
	close(fd);
	unlink(path);
	journal_free(&j);
}

/* The digest block: each combination round-trips, and is refused bad. */
static void
test_digest(void)
{
	unsigned char s256[32], s512[64], *buf;
	struct journal j, out;
	size_t len, i;
	int k;

	for (i = 0; i < sizeof(s256); i++)
		s256[i] = (unsigned char)(0xa0 + i);
	for (i = 0; i < sizeof(s512); i++)
		s512[i] = (unsigned char)(0x10 + i);
	CHECK_INT(journal_init(&j, IMG_SIZE, IMG_CHUNK, "\"d\"", NULL, 0), 0);
	CHECK_INT(j.version, JOURNAL_VERSION);
	journal_set_crc(&j, 3, 0x12345678);
	for (k = 0; k < 4; k++) {
		journal_set_digest(
		    &j, (k & 1) ? s256 : NULL, (k & 2) ? s512 : NULL);
		j.seq = (uint64_t)k + 1;
		if ((buf = encode_new(&j, &len)) == NULL) {
			FAILF("digest %d: encode refused", k);
			continue;
		}
		if (journal_decode(buf, len, &out, NULL, 0) == -1)
			FAILF("digest %d: decode refused", k);
		else {
			CHECK(same(&j, &out));
			CHECK_INT(out.version, JOURNAL_VERSION);
			journal_free(&out);
		}
		free(buf);
	}
	/* Bytes without their flag are never written. */
	journal_set_digest(&j, NULL, NULL);
	j.sha512[63] = 1;
	len = journal_record_size(j.nchunks);
	buf = malloc(len);
	CHECK(buf != NULL && journal_encode(&j, buf, len) == 0);
	free(buf);
	journal_free(&j);
}

/*
 * A version 2 record (no digest block), as the previous haulproxy wrote
 * it, is read with its chunks; the next write starts the file over as
 * one version 3 record that carries the digest.
 */
static void
test_version2(void)
{
	unsigned char img[2048], s256[32];
	struct journal j, out;
	char path[64], err[256];
	size_t at;
	int fd;

	memset(s256, 0x5a, sizeof(s256));
	CHECK_INT(journal_init(&j, IMG_SIZE, IMG_CHUNK, "\"v2\"", NULL, 0), 0);
	journal_set_crc(&j, 0, 0xcafe);
	journal_set_crc(&j, 99, 0xbeef);
	j.seq = 2;
	memset(img, 0, sizeof(img));
	CHECK_INT(journal_encode(&j, img + 1024, 1024), 1024);
	/* Down to version 2: the CRC where the digest block would begin. */
	put_le(img + 1024 + 8, 4, 2);
	at = JOURNAL_HEAD + 13 + 4 * 100;
	memset(img + 1024 + at, 0, 1024 - at);
	put_le(img + 1024 + at, 4,
	    crc32(crc32(0L, Z_NULL, 0), img + 1024, (uInt)at));
	if ((fd = tmp_journal(path, sizeof(path))) == -1) {
		FAILF("mkstemp: %s", strerror(errno));
		journal_free(&j);
		return;
	}
	CHECK_INT(write(fd, img, sizeof(img)), sizeof(img));
	if (journal_read(path, &out, err, sizeof(err)) == -1) {
		FAILF("version 2 refused: %s", err);
		close(fd);
		unlink(path);
		journal_free(&j);
		return;
	}
	CHECK_INT(out.version, 2);
	CHECK(same(&j, &out) && !out.has_sha256);
	journal_set_digest(&out, s256, NULL);
	CHECK_INT(journal_write(fd, &out), 0);
	CHECK_INT(out.version, JOURNAL_VERSION);
	CHECK_INT(out.seq, 1);
	CHECK_INT(lseek(fd, 0, SEEK_END), journal_record_size(out.nchunks));
	journal_free(&j);
	if (journal_read(path, &j, err, sizeof(err)) == -1)
		FAILF("after the upgrade: %s", err);
	else {
		CHECK(same(&j, &out) && j.has_sha256);
		CHECK(journal_crc(&j, 99) == 0xbeef);
		/* And on as usual: the next record goes to slot 1. */
		CHECK_INT(journal_write(fd, &j), 0);
		CHECK_INT(
		    lseek(fd, 0, SEEK_END), 2 * journal_record_size(j.nchunks));
		journal_free(&j);
	}
	journal_free(&out);
	close(fd);
	unlink(path);
}

static const struct unit_test tests[] = {
    {"record_size", test_record_size},
    {"roundtrip", test_roundtrip},
    {"init", test_init},
    {"encode_refuses", test_encode_refuses},
    {"flip_every_byte", test_flip_every_byte},
    {"flip_large", test_flip_large},
    {"truncated", test_truncated},
    {"hostile", test_hostile},
    {"complete", test_complete},
    {"count", test_count},
    {"load_image", test_load_image},
    {"load_random", test_load_random},
    {"file_cycle", test_file_cycle},
    {"file_large", test_file_large},
    {"file_errors", test_file_errors},
    {"crc_api", test_crc_api},
    {"crc_encode", test_crc_encode},
    {"version1", test_version1},
    {"digest", test_digest},
    {"version2", test_version2},
};

UNIT_MAIN(tests)
