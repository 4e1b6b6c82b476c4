/*
 * journal.c: the decoder haulproxy runs on DIR/.NAME.journal after a
 * crash, when the file may hold anything (torn writes, another program's
 * bytes, a hand edit).  The first input byte picks a mode, the rest is
 * the file image:
 *   bit 0: repair the CRC of slot 0 before decoding, so mutations reach
 *          the checks that come after the CRC (flags, sizes, bitmap,
 *          padding) instead of dying at "CRC mismatch";
 *   bit 1: likewise for slot 1 at the offset slot 0's head implies.
 * Then journal_decode() on the image as one record and
 * journal_load_image() on it as a file.  A journal that loads must be
 * consistent (chunk count matches size and chunk size, no bit past the
 * last chunk, a complete one has every chunk), re-encode to a record that
 * decodes to the same journal, and be freed without leaks.
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

/* Recompute the CRC of a record at img + off, if its head is there. */
static void
fix_crc(uint8_t *img, size_t len, size_t off)
{
	uint32_t n, crc;
	size_t nb;

	if (off > len || len - off < JOURNAL_HEAD)
		return;
	n = le32(img + off + 40);
	if (n > JOURNAL_MAX_CHUNKS)
		return;
	nb = n / 8 + (n % 8 != 0);
	if (len - off < JOURNAL_HEAD + nb + 4)
		return;
	crc = (uint32_t)crc32(0L, img + off, (uInt)(JOURNAL_HEAD + nb));
	img[off + JOURNAL_HEAD + nb] = (uint8_t)crc;
	img[off + JOURNAL_HEAD + nb + 1] = (uint8_t)(crc >> 8);
	img[off + JOURNAL_HEAD + nb + 2] = (uint8_t)(crc >> 16);
	img[off + JOURNAL_HEAD + nb + 3] = (uint8_t)(crc >> 24);
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
	FUZZ_CHECK(strlen(j->validator) <= JOURNAL_VALIDATOR_MAX);
	FUZZ_CHECK(journal_count(j) <= j->nchunks);
	if (j->flags & JOURNAL_COMPLETE)
		FUZZ_CHECK(journal_count(j) == j->nchunks);
	for (i = 0; i < j->nchunks; i++)
		(void)journal_has(j, i);

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
	FUZZ_CHECK(memcmp(k.bitmap, j->bitmap,
	               j->nchunks / 8 + (j->nchunks % 8 != 0)) == 0);
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
	if (mode & 1)
		fix_crc(img, len, 0);
	if ((mode & 2) && len >= JOURNAL_HEAD &&
	    le32(img + 40) <= JOURNAL_MAX_CHUNKS)
		fix_crc(img, len, journal_record_size(le32(img + 40)));

	if (journal_decode(img, len, &j, err, sizeof(err)) == 0) {
		check_journal(&j);
		journal_free(&j);
	} else {
		FUZZ_CHECK(j.bitmap == NULL && err[0] != '\0');
		journal_free(&j);
	}
	if (journal_load_image(img, len, &j, err, sizeof(err)) == 0) {
		check_journal(&j);
		journal_free(&j);
	} else {
		FUZZ_CHECK(j.bitmap == NULL && err[0] != '\0');
		journal_free(&j);
	}
	free(img);
	return 0;
}
