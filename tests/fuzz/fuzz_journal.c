/*
 * journal.c: the decoder haulproxy runs on DIR/.NAME.journal after a
 * crash, when the file may hold anything (torn writes, another program's
 * bytes, a hand edit).  The first input byte picks a mode, the rest is
 * the file image:
 *   bit 0: repair the CRC of slot 0 before decoding, so mutations reach
 *          the checks that come after the CRC (flags, sizes, bitmap,
 *          chunk CRCs, padding) instead of dying at "CRC mismatch";
 *   bit 1: likewise for slot 1 at the offset slot 0's head implies;
 *   bit 2: before those repairs, zero the chunk CRCs of chunks whose bit
 *          is clear in slot 0, so mutated bitmaps and CRCs get past "a
 *          CRC for a chunk not set" to the checks after it.
 * Then journal_decode() on the image as one record and
 * journal_load_image() on it as a file.  A journal that loads must be
 * consistent (chunk count matches size and chunk size, no bit past the
 * last chunk, a complete one has every chunk, a chunk not set has CRC 0),
 * re-encode to a record that decodes to the same journal (chunk CRCs
 * included), survive journal_clear() and journal_set_crc() and still
 * encode, and be freed without leaks.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <zlib.h>

#include "fuzz.h"
#include "journal.h"

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/*
 * Where the record at img + off keeps its chunk CRCs (*crcs) and its own
 * CRC (*at), for the nchunks its head claims (*n); -1 when the head or
 * the record CRC is not inside the image.  Layout: journal.h, version 3
 * (2: no digest block before the CRC).
 */
static int
locate(const uint8_t *img, size_t len, size_t off, uint32_t *n,
    size_t *crcs, size_t *at)
{
	if (off > len || len - off < JOURNAL_HEAD)
		return -1;
	*n = le32(img + off + 40);
	if (*n > JOURNAL_MAX_CHUNKS)
		return -1;
	*crcs = JOURNAL_HEAD + *n / 8 + (*n % 8 != 0);
	*at = *crcs + 4 * (size_t)*n +
	    (le32(img + off + 8) >= 3 ? JOURNAL_DIGEST_BLOCK : 0);
	if (len - off < *at + 4)
		return -1;
	return 0;
}

/* Recompute the CRC of a record at img + off, if it is there. */
static void
fix_crc(uint8_t *img, size_t len, size_t off)
{
	uint32_t n, crc;
	size_t crcs, at;

	if (locate(img, len, off, &n, &crcs, &at) == -1)
		return;
	crc = (uint32_t)crc32(0L, img + off, (uInt)at);
	img[off + at] = (uint8_t)crc;
	img[off + at + 1] = (uint8_t)(crc >> 8);
	img[off + at + 2] = (uint8_t)(crc >> 16);
	img[off + at + 3] = (uint8_t)(crc >> 24);
}

/* Zero the chunk CRCs of chunks not set in the record at img + off. */
static void
fix_unset(uint8_t *img, size_t len, size_t off)
{
	uint32_t n, i;
	size_t crcs, at;

	if (locate(img, len, off, &n, &crcs, &at) == -1)
		return;
	for (i = 0; i < n; i++)
		if (!((img[off + JOURNAL_HEAD + i / 8] >> (i % 8)) & 1))
			memset(img + off + crcs + 4 * (size_t)i, 0, 4);
}

static void
check_journal(const struct journal *j)
{
	struct journal k;
	uint64_t want;
	uint8_t *buf;
	size_t rs;
	uint32_t i;

	FUZZ_CHECK(j->chunk_size > 0 && j->chunk_size <= JOURNAL_CHUNK_MAX);
	FUZZ_CHECK(j->nchunks <= JOURNAL_MAX_CHUNKS);
	want = j->size / j->chunk_size + (j->size % j->chunk_size != 0);
	FUZZ_CHECK(want == j->nchunks);
	FUZZ_CHECK(j->bitmap != NULL);
	FUZZ_CHECK(j->crc != NULL);
	FUZZ_CHECK(strlen(j->validator) <= JOURNAL_VALIDATOR_MAX);
	FUZZ_CHECK(journal_count(j) <= j->nchunks);
	if (j->flags & JOURNAL_COMPLETE)
		FUZZ_CHECK(journal_count(j) == j->nchunks);
	for (i = 0; i < j->nchunks; i++)
		if (!journal_has(j, i))
			FUZZ_CHECK(journal_crc(j, i) == 0);

	rs = journal_record_size(j->nchunks);
	FUZZ_CHECK(rs % 512 == 0);
	if ((buf = malloc(rs)) == NULL)
		abort();
	FUZZ_CHECK(journal_encode(j, buf, rs) == rs);
	FUZZ_CHECK(journal_encode(j, buf, rs - 1) == 0);
	FUZZ_CHECK(journal_decode(buf, rs, &k, NULL, 0) == 0);
	FUZZ_CHECK(k.seq == j->seq && k.flags == j->flags &&
	    k.size == j->size && k.chunk_size == j->chunk_size &&
	    k.nchunks == j->nchunks && strcmp(k.validator, j->validator) == 0);
	FUZZ_CHECK(k.has_sha256 == j->has_sha256 &&
	    k.has_sha512 == j->has_sha512 &&
	    memcmp(k.sha256, j->sha256, sizeof(k.sha256)) == 0 &&
	    memcmp(k.sha512, j->sha512, sizeof(k.sha512)) == 0);
	FUZZ_CHECK(memcmp(k.bitmap, j->bitmap,
	               j->nchunks / 8 + (j->nchunks % 8 != 0)) == 0);
	FUZZ_CHECK(j->nchunks == 0 ||
	    memcmp(k.crc, j->crc, j->nchunks * sizeof(*j->crc)) == 0);
	/* What download.c does with a chunk found damaged, and after. */
	if (k.nchunks > 0) {
		i = (uint32_t)(k.seq % k.nchunks);
		journal_clear(&k, i);
		FUZZ_CHECK(!journal_has(&k, i) && journal_crc(&k, i) == 0 &&
		    !(k.flags & JOURNAL_COMPLETE));
		FUZZ_CHECK(journal_encode(&k, buf, rs) == rs);
		journal_set_crc(&k, i, (uint32_t)k.size | 1);
		FUZZ_CHECK(journal_has(&k, i) && journal_crc(&k, i) != 0);
		FUZZ_CHECK(journal_encode(&k, buf, rs) == rs);
	}
	journal_free(&k);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct journal j;
	char err[128];
	uint8_t mode, *img;
	size_t len;

	if (size < 1)
		return 0;
	mode = data[0];
	len = size - 1;
	if ((img = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	memcpy(img, data + 1, len);
	if (mode & 4) {
		fix_unset(img, len, 0);
		if (len >= JOURNAL_HEAD && le32(img + 40) <= JOURNAL_MAX_CHUNKS)
			fix_unset(img, len, journal_record_size(le32(img + 40)));
	}
	if (mode & 1)
		fix_crc(img, len, 0);
	if ((mode & 2) && len >= JOURNAL_HEAD &&
	    le32(img + 40) <= JOURNAL_MAX_CHUNKS)
		fix_crc(img, len, journal_record_size(le32(img + 40)));

	if (journal_decode(img, len, &j, err, sizeof(err)) == 0) {
		check_journal(&j);
		journal_free(&j);
	} else {
		FUZZ_CHECK(j.bitmap == NULL && j.crc == NULL && err[0] != '\0');
		journal_free(&j);
	}
	if (journal_load_image(img, len, &j, err, sizeof(err)) == 0) {
		check_journal(&j);
		journal_free(&j);
	} else {
		FUZZ_CHECK(j.bitmap == NULL && j.crc == NULL && err[0] != '\0');
		journal_free(&j);
	}
	free(img);
	return 0;
}
