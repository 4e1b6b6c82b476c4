/*
 * Writes the binary seed corpora of tests/fuzz/corpus/: journal records
 * and files made by journal_encode() (fuzz_journal), and gzip members
 * made by codec.c's deflate (ISA-L or zlib, whichever the build uses: what
 * hauld sends) and by zlib with header fields hauld never writes
 * (FNAME, FCOMMENT, FEXTRA, FHCRC), for fuzz_inflate.  Run once by hand
 * from a build directory; its output is committed:
 *
 *   cc -I. -I$SRC/src -o gen_corpus $SRC/tests/fuzz/gen_corpus.c \
 *       src/common/libhaul.a -lz $(pkg-config --libs libisal 2>/dev/null)
 *   ./gen_corpus $SRC/tests/fuzz/corpus
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "codec.h"
#include "journal.h"

static const char *outdir;

static void
put(const char *sub, const char *name, const void *p, size_t len)
{
	char path[1024];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", outdir, sub);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, sub, name);
	if ((fp = fopen(path, "wb")) == NULL || fwrite(p, 1, len, fp) != len ||
	    fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
}

/*
 * The chunk CRC a seed records for chunk i: every third not recorded
 * (0, as journal_set() leaves it), the others scattered values.
 */
static void
seed_set(struct journal *j, uint32_t i)
{
	journal_set_crc(j, i, i % 3 == 2 ? 0 : (i + 1) * 2654435761u);
}

/*
 * One or two journal records (a file image), mode byte first.  Two
 * records of at most 4096 bytes each, so 1 + 8192 fits run.sh's
 * -max_len for fuzz_journal: at most 894 chunks (journal.h layout).
 * seed_digest set: the records carry a sha-256 and a sha-512.
 */
static int seed_digest;

static void
journal_seed(const char *name, uint64_t size, uint64_t chunk,
    const char *validator, unsigned setbits, int complete, int two,
    unsigned char mode)
{
	static unsigned char img[1 + 2 * 4096];
	struct journal j;
	size_t rs, n;
	uint32_t i;

	if (journal_init(&j, size, chunk, validator, NULL, 0) == -1)
		abort();
	for (i = 0; i < j.nchunks && i < setbits; i++)
		seed_set(&j, i);
	if (complete) {
		for (i = 0; i < j.nchunks; i++)
			seed_set(&j, i);
		j.flags = JOURNAL_COMPLETE;
	}
	if (seed_digest) {
		unsigned char d[64];

		for (i = 0; i < sizeof(d); i++)
			d[i] = (unsigned char)(i * 7 + 1);
		journal_set_digest(&j, d, d);
	}
	rs = journal_record_size(j.nchunks);
	if ((two ? 2 : 1) * rs > sizeof(img) - 1)
		abort();
	img[0] = mode;
	j.seq = 1;
	if ((n = journal_encode(&j, img + 1, rs)) != rs)
		abort();
	if (two) {
		/* The second write lands in slot 1, one more chunk done. */
		j.seq = 2;
		if (j.nchunks > setbits && !complete)
			seed_set(&j, setbits);
		n += journal_encode(&j, img + 1 + rs, rs);
	}
	put("journal", name, img, 1 + n);
	journal_free(&j);
}

/* A gzip member of text by codec.c, prefixed for fuzz_inflate. */
static void
codec_seed(const char *name, const char *text, size_t tlen, int level,
    unsigned char mode)
{
	static unsigned char out[1 << 16];
	struct codec *c;
	size_t used, made, n = 3;
	enum codec_status st;

	if ((c = codec_deflate_new(level)) == NULL)
		abort();
	out[0] = mode;
	out[1] = (unsigned char)tlen;
	out[2] = (unsigned char)(tlen >> 8);
	do {
		st = codec_run(
		    c, text, tlen, &used, out + n, sizeof(out) - n, &made, 1);
		text += used;
		tlen -= used;
		n += made;
	} while (st == CODEC_OK);
	if (st != CODEC_END)
		abort();
	codec_free(c);
	put("inflate", name, out, n);
}

/* A gzip member by zlib with the optional header fields. */
static void
zlib_seed(const char *name, const char *text, size_t tlen, int fields,
    unsigned char mode)
{
	static unsigned char out[1 << 16];
	static unsigned char extra[] = "AB\004\000haul";
	gz_header h;
	z_stream z;

	memset(&z, 0, sizeof(z));
	memset(&h, 0, sizeof(h));
	if (deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	if (fields) {
		h.name = (Bytef *)"seed.txt";
		h.comment = (Bytef *)"a comment";
		h.extra = extra;
		h.extra_len = 8;
		h.hcrc = 1;
		h.time = 784111777;
		h.os = 3;
		deflateSetHeader(&z, &h);
	}
	out[0] = mode;
	out[1] = (unsigned char)tlen;
	out[2] = (unsigned char)(tlen >> 8);
	z.next_in = (Bytef *)(uintptr_t)text;
	z.avail_in = (uInt)tlen;
	z.next_out = out + 3;
	z.avail_out = sizeof(out) - 3;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	put("inflate", name, out, 3 + z.total_out);
	deflateEnd(&z);
}

int
main(int argc, char **argv)
{
	static char text[3000], rnd[1500];
	size_t i;
	uint32_t x = 12345;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus CORPUSDIR\n");
		return 2;
	}
	outdir = argv[1];
	for (i = 0; i < sizeof(text); i++)
		text[i] = "{\"name\": \"haul\", \"size\": 524288},\n"[i % 35];
	for (i = 0; i < sizeof(rnd); i++) {
		x = x * 1103515245 + 12345;
		rnd[i] = (char)(x >> 16);
	}

	/* Mode 0: as is; 1, 2, 3: the harness repairs CRCs; 4: it zeroes
	 * the chunk CRCs of chunks not set first. */
	journal_seed("new-empty", 0, 524288, "", 0, 0, 0, 0);
	journal_seed("fresh-etag", 10 << 20, 524288, "\"5f1e3c2a9b000-a00000\"",
	    0, 0, 0, 0);
	journal_seed("half-done", 10 << 20, 524288, "\"abc\"", 10, 0, 0, 1);
	journal_seed("two-slots", 5000000, 65536,
	    "Tue, 24 Nov 2026 07:39:30 GMT", 30, 0, 1, 0);
	journal_seed("two-slots-fix", 5000000, 65536, "W/\"weak\"", 3, 0, 1, 3);
	journal_seed("complete", 1000, 100, "\"x\"", 0, 1, 0, 0);
	journal_seed("odd-bits", 1234567, 2000, "", 600, 0, 1, 1);
	journal_seed("one-byte-chunks", 700, 1, "\"tiny\"", 300, 0, 0, 1);
	journal_seed("big-chunk", (uint64_t)3 << 30, (uint64_t)1 << 30,
	    "\"gig\"", 2, 0, 1, 0);
	journal_seed("many-chunks", 880 * 512, 512, "\"many\"", 500, 0, 0, 0);
	seed_digest = 1;
	journal_seed("digest", 10 << 20, 524288, "\"dg\"", 7, 0, 1, 3);
	seed_digest = 0;
	journal_seed("crcs-two-fix", 300 * 4096 - 1, 4096, "\"c\"", 150, 0, 1,
	    7);
	journal_seed("crcs-complete-fix", 40 * 4096, 4096, "\"d\"", 0, 1, 1,
	    5);

	/* Mode bit 6: the length asked is the reference length; bit 7:
	 * the harness repairs the trailer after mutations. */
	codec_seed("codec-json-l1", text, sizeof(text), 1, 0x40 | 0x05 | 0x28);
	codec_seed("codec-json-l9", text, sizeof(text), 9, 0xc0 | 0x03 | 0x10);
	codec_seed("codec-random", rnd, sizeof(rnd), 1, 0xc0 | 0x06 | 0x38);
	codec_seed("codec-empty", "", 0, 1, 0x40 | 0x07 | 0x38);
	codec_seed("codec-one-byte-windows", text, 400, 1, 0x40 | 0x00 | 0x00);
	codec_seed("codec-short-asked", text, sizeof(text), 1, 0x05 | 0x20);
	zlib_seed("zlib-fields", text, 1000, 1, 0x40 | 0x04 | 0x18);
	zlib_seed("zlib-plain", text, sizeof(text), 0, 0xc0 | 0x02 | 0x08);
	zlib_seed("zlib-stored", rnd, 200, 0, 0x40 | 0x01 | 0x30);
	return 0;
}
