/*
 * The gzip codec, whichever backend the build uses (zlib, or ISA-L igzip
 * with HAVE_ISAL): round trips of text and random data of several sizes
 * through tiny and ordinary buffers, the deflate output checked by zlib's
 * own inflate at every level, gzip streams made by zlib (every block
 * type, header fields, flushes) decoded by the codec, corrupt and
 * truncated streams refused, trailing data left to the caller, a caller
 * that stops once its input is used, the byte totals, and codec_reset
 * (whole new streams from a used codec, whatever state it was left in).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>

#include <zlib.h>

#include "codec.h"
#include "unit.h"

struct buf {
	unsigned char *p;
	size_t len;
};

static void fill_text(unsigned char *, size_t);
static void fill_random(unsigned char *, size_t);
static int compress_buf(
    const unsigned char *, size_t, int, size_t, size_t, struct buf *);
static int inflate_buf(
    const unsigned char *, size_t, size_t, size_t, struct buf *, size_t *);
static int zlib_gunzip(const unsigned char *, size_t, size_t, struct buf *);
static int zlib_gzip(
    const unsigned char *, size_t, int, int, int, gz_header *, struct buf *);
static void test_name(void);
static void test_roundtrip(void);
static void test_levels(void);
static void test_from_zlib(void);
static void test_corrupt(void);
static void test_trailing(void);
static int inflate_reads(
    const struct buf *, size_t, size_t, struct buf *, size_t, size_t *);
static void test_used_up(void);
static void test_edges(void);
static void test_fuzz_found(void);
static int run_into(struct codec *, const unsigned char *, size_t, size_t,
    size_t, struct buf *);
static void test_reset(void);

static const size_t sizes[] = {0, 1, 100, 65536, 1024 * 1024 + 1};

/* Output and input chunk sizes: tiny to exercise streaming, and usual. */
static const size_t outs[] = {7, 4096, 1 << 20};
static const size_t ins[] = {3, 4096, (size_t)-1};

/* inflate_buf(): the codec neither took input nor gave output. */
#define STALLED (-2)

static void
fill_text(unsigned char *p, size_t len)
{
	static const char words[] = "the quick brown fox jumps over the lazy "
	                            "dog, 0123456789 times\n";
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)
		    words[(i * 7 + i / 61) % (sizeof(words) - 1)];
}

/* xorshift: reproducible and incompressible. */
static void
fill_random(unsigned char *p, size_t len)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)(x >> 32);
	}
}

/*
 * Compress src through the codec, chunk bytes of input and outsz bytes of
 * output space per call; 0 on CODEC_END with the totals right.
 */
static int
compress_buf(const unsigned char *src, size_t len, int level, size_t chunk,
    size_t outsz, struct buf *dst)
{
	struct codec *c;
	size_t off = 0, n, o, used, made, cap = len + len / 2 + 1024;
	enum codec_status st;
	unsigned long calls = 0;
	int rv = -1;

	dst->len = 0;
	if ((dst->p = malloc(cap)) == NULL)
		return -1;
	if ((c = codec_deflate_new(level)) == NULL)
		return -1;
	for (;;) {
		n = len - off < chunk ? len - off : chunk;
		o = cap - dst->len < outsz ? cap - dst->len : outsz;
		if (o == 0) {
			FAILF("deflate output too large");
			goto done;
		}
		st = codec_run(c, src + off, n, &used, dst->p + dst->len, o,
		    &made, off + n == len);
		off += used;
		dst->len += made;
		if (st == CODEC_END)
			break;
		if (st != CODEC_OK || ++calls > 100000000) {
			FAILF("deflate status %d after %zu bytes", st, off);
			goto done;
		}
	}
	if (off != len || codec_total_in(c) != len ||
	    codec_total_out(c) != dst->len) {
		FAILF("deflate totals: in %" PRIu64 " out %" PRIu64
		      ", want %zu %zu",
		    codec_total_in(c), codec_total_out(c), len, dst->len);
		goto done;
	}
	rv = 0;
done:
	codec_free(c);
	return rv;
}

/*
 * Inflate src through the codec as compress_buf() does, finish = 1 with
 * the last of the input; returns the last status (or STALLED) and says
 * how much input was used.
 */
static int
inflate_buf(const unsigned char *src, size_t len, size_t chunk, size_t outsz,
    struct buf *dst, size_t *consumed)
{
	struct codec *c;
	size_t off = 0, n, o, used, made, cap = 4 * 1024 * 1024;
	int st;

	dst->len = 0;
	*consumed = 0;
	if ((dst->p = malloc(cap)) == NULL)
		return CODEC_ERROR;
	if ((c = codec_inflate_new()) == NULL)
		return CODEC_ERROR;
	for (;;) {
		n = len - off < chunk ? len - off : chunk;
		o = cap - dst->len < outsz ? cap - dst->len : outsz;
		if (o == 0) {
			st = STALLED;
			break;
		}
		st = codec_run(c, src + off, n, &used, dst->p + dst->len, o,
		    &made, off + n == len);
		off += used;
		dst->len += made;
		if (st != CODEC_OK)
			break;
		/* Given input and space, the codec must use one of them. */
		if (used == 0 && made == 0) {
			st = STALLED;
			break;
		}
	}
	if (codec_total_in(c) != off || codec_total_out(c) != dst->len)
		FAILF("inflate totals: in %" PRIu64 " out %" PRIu64
		      ", want %zu %zu",
		    codec_total_in(c), codec_total_out(c), off, dst->len);
	*consumed = off;
	codec_free(c);
	return st;
}

/* zlib's own gzip decoder, as a check on our deflate output. */
static int
zlib_gunzip(const unsigned char *src, size_t len, size_t want, struct buf *dst)
{
	z_stream z;
	int r;

	dst->len = 0;
	if ((dst->p = malloc(want + 1)) == NULL)
		return -1;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -1;
	z.next_in = (unsigned char *)(uintptr_t)src;
	z.avail_in = (uInt)len;
	z.next_out = dst->p;
	z.avail_out = (uInt)(want + 1);
	r = inflate(&z, Z_FINISH);
	dst->len = z.total_out;
	inflateEnd(&z);
	return r == Z_STREAM_END && z.avail_in == 0 ? 0 : -1;
}

/*
 * zlib's own gzip encoder, as a source of streams for our decoder: level 0
 * (stored blocks) to 9, a strategy, a full or sync flush every `flush`
 * bytes (0: none), an optional header with fields.
 */
static int
zlib_gzip(const unsigned char *src, size_t len, int level, int strategy,
    int flush, gz_header *head, struct buf *dst)
{
	z_stream z;
	size_t off = 0, n, cap = len + len / 2 + 1024;
	int r = Z_OK, mode;

	dst->len = 0;
	if ((dst->p = malloc(cap)) == NULL)
		return -1;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, strategy) != Z_OK)
		return -1;
	if (head != NULL && deflateSetHeader(&z, head) != Z_OK) {
		deflateEnd(&z);
		return -1;
	}
	z.next_out = dst->p;
	z.avail_out = (uInt)cap;
	do {
		n = len - off;
		mode = Z_FINISH;
		if (flush > 0 && n > (size_t)flush) {
			n = (size_t)flush;
			mode = (off / n) % 2 ? Z_SYNC_FLUSH : Z_FULL_FLUSH;
		}
		z.next_in = (unsigned char *)(uintptr_t)(src + off);
		z.avail_in = (uInt)n;
		r = deflate(&z, mode);
		off += n - z.avail_in;
	} while (r == Z_OK && off < len);
	while (r == Z_OK)
		r = deflate(&z, Z_FINISH);
	dst->len = z.total_out;
	deflateEnd(&z);
	return r == Z_STREAM_END ? 0 : -1;
}

static void
test_name(void)
{
	const char *n = codec_name();

	CHECK(n != NULL);
#ifdef HAVE_ISAL
	CHECK(strncmp(n, "isa-l", 5) == 0);
#else
	CHECK(strncmp(n, "zlib ", 5) == 0);
	CHECK_STR(n + 5, ZLIB_VERSION);
#endif
}

static void
test_roundtrip(void)
{
	struct buf src, gz, plain, check;
	size_t s, i, in, consumed;
	int kind, level, st;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (kind = 0; kind < 2; kind++) {
			src.len = sizes[s];
			src.p = malloc(src.len + 1);
			(kind ? fill_random : fill_text)(src.p, src.len);
			for (i = 0; i < 3; i++) {
				/* 1 MiB in 3-byte pieces is slow, not useful.
				 */
				in = sizes[s] > 65536 && i == 0 ? 4096 : ins[i];
				level = i == 0 ? 1 : i == 1 ? 6 : 9;
				if (compress_buf(src.p, src.len, level, in,
				        outs[i], &gz) == -1) {
					FAILF("size %zu kind %d outs %zu",
					    sizes[s], kind, outs[i]);
					free(gz.p);
					continue;
				}
				/* gzip magic, and zlib's own decoder agrees. */
				CHECK(gz.len >= 18 && gz.p[0] == 0x1f &&
				    gz.p[1] == 0x8b);
				if (zlib_gunzip(
				        gz.p, gz.len, src.len, &check) == -1 ||
				    check.len != src.len ||
				    memcmp(check.p, src.p, src.len) != 0)
					FAILF("zlib refused our gzip: size %zu "
					      "kind %d out %zu",
					    sizes[s], kind, outs[i]);
				free(check.p);
				st = inflate_buf(gz.p, gz.len, ins[i], outs[i],
				    &plain, &consumed);
				if (st != CODEC_END || consumed != gz.len ||
				    plain.len != src.len ||
				    memcmp(plain.p, src.p, src.len) != 0)
					FAILF("round trip: size %zu kind %d "
					      "out %zu: status %d, %zu of %zu",
					    sizes[s], kind, outs[i], st,
					    plain.len, src.len);
				free(plain.p);
				free(gz.p);
			}
			free(src.p);
		}
	}
}

/*
 * Every level, on text with incompressible stretches: zlib decodes it, the
 * codec decodes it, and text does shrink.
 */
static void
test_levels(void)
{
	struct buf src, gz, plain, check;
	size_t consumed;
	int level, st;

	src.len = 300000;
	src.p = malloc(src.len);
	fill_text(src.p, src.len);
	fill_random(src.p + 100000, 20000);
	for (level = 1; level <= 9; level++) {
		if (compress_buf(src.p, src.len, level, 65536, 65536, &gz) ==
		    -1) {
			FAILF("level %d", level);
			free(gz.p);
			continue;
		}
		if (gz.len > src.len / 2)
			FAILF("level %d: %zu bytes to %zu", level, src.len,
			    gz.len);
		if (zlib_gunzip(gz.p, gz.len, src.len, &check) == -1 ||
		    check.len != src.len ||
		    memcmp(check.p, src.p, src.len) != 0)
			FAILF("zlib refused our level %d", level);
		free(check.p);
		st = inflate_buf(gz.p, gz.len, 1000, 5000, &plain, &consumed);
		if (st != CODEC_END || consumed != gz.len ||
		    plain.len != src.len ||
		    memcmp(plain.p, src.p, src.len) != 0)
			FAILF("level %d round trip: status %d", level, st);
		free(plain.p);
		free(gz.p);
	}
	free(src.p);
}

/* Standard gzip from zlib decodes with the codec, whatever it holds. */
static void
test_from_zlib(void)
{
	static const struct {
		int level, strategy, flush;
	} kinds[] = {
	    {0, Z_DEFAULT_STRATEGY, 0}, /* stored blocks */
	    {1, Z_DEFAULT_STRATEGY, 0},
	    {6, Z_DEFAULT_STRATEGY, 0},
	    {9, Z_DEFAULT_STRATEGY, 0},
	    {6, Z_FIXED, 0}, /* static Huffman blocks */
	    {6, Z_HUFFMAN_ONLY, 0},
	    {6, Z_RLE, 0},
	    {6, Z_DEFAULT_STRATEGY, 10007}, /* sync and full flushes */
	    {0, Z_DEFAULT_STRATEGY, 777},
	};
	static const size_t chunks[][2] = {
	    {1, 1}, {3, 7}, {4096, 4096}, {(size_t)-1, 1 << 20}};
	unsigned char extra[] = "XYzz";
	struct buf src, gz, plain;
	gz_header head;
	size_t k, i, len, consumed;
	int st;

	src.len = 200000;
	src.p = malloc(src.len);
	fill_text(src.p, src.len);
	fill_random(src.p + 50000, 30000);
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
			/* Byte by byte on a shorter input: slow otherwise. */
			len = chunks[i][0] == 1 ? 20000 : src.len;
			if (zlib_gzip(src.p, len, kinds[k].level,
			        kinds[k].strategy, kinds[k].flush, NULL,
			        &gz) == -1) {
				FAILF("zlib gzip kind %zu", k);
				free(gz.p);
				continue;
			}
			st = inflate_buf(gz.p, gz.len, chunks[i][0],
			    chunks[i][1], &plain, &consumed);
			if (st != CODEC_END || consumed != gz.len ||
			    plain.len != len ||
			    memcmp(plain.p, src.p, len) != 0)
				FAILF("zlib's gzip kind %zu chunks %zu: "
				      "status %d, %zu of %zu",
				    k, i, st, plain.len, len);
			free(plain.p);
			free(gz.p);
		}
	}

	/* Header fields: FTEXT, MTIME, FEXTRA, FNAME, FCOMMENT, FHCRC. */
	memset(&head, 0, sizeof(head));
	head.text = 1;
	head.time = 1700000000;
	head.os = 3;
	head.extra = extra;
	head.extra_len = 4;
	head.name = (Bytef *)"sample.txt";
	head.comment = (Bytef *)"made by zlib for test_codec";
	head.hcrc = 1;
	if (zlib_gzip(src.p, 5000, 6, Z_DEFAULT_STRATEGY, 0, &head, &gz) == 0) {
		CHECK_INT(gz.p[3], 0x1f);
		for (i = 0; i < 2; i++) {
			st = inflate_buf(gz.p, gz.len, i ? 1 : 4096,
			    i ? 1 : 4096, &plain, &consumed);
			CHECK_INT(st, CODEC_END);
			CHECK_INT(consumed, gz.len);
			CHECK(plain.len == 5000 &&
			    memcmp(plain.p, src.p, 5000) == 0);
			free(plain.p);
		}
		/* The header CRC (bytes 10 + 2 + 4 + 11 + 28 on) is checked. */
		gz.p[55] ^= 0x01;
		st = inflate_buf(gz.p, gz.len, 4096, 4096, &plain, &consumed);
		CHECK_INT(st, CODEC_ERROR);
		free(plain.p);
	} else
		FAILF("zlib gzip with a header");
	free(gz.p);
	free(src.p);
}

static void
test_corrupt(void)
{
	struct buf src, gz, plain;
	size_t consumed, cut;
	int st;

	src.len = 100000;
	src.p = malloc(src.len);
	fill_text(src.p, src.len);
	if (compress_buf(src.p, src.len, 6, 4096, 4096, &gz) == -1) {
		free(gz.p);
		free(src.p);
		return;
	}

	/* A flipped byte in the deflate body. */
	gz.p[gz.len / 2] ^= 0x55;
	st = inflate_buf(gz.p, gz.len, 4096, 4096, &plain, &consumed);
	CHECK(st == CODEC_ERROR);
	free(plain.p);
	gz.p[gz.len / 2] ^= 0x55;

	/* A bad CRC, then a bad length, in the trailer. */
	gz.p[gz.len - 8] ^= 0x01;
	st = inflate_buf(gz.p, gz.len, 4096, 4096, &plain, &consumed);
	CHECK_INT(st, CODEC_ERROR);
	free(plain.p);
	gz.p[gz.len - 8] ^= 0x01;
	gz.p[gz.len - 1] ^= 0x80;
	st = inflate_buf(gz.p, gz.len, 4096, 4096, &plain, &consumed);
	CHECK_INT(st, CODEC_ERROR);
	free(plain.p);
	gz.p[gz.len - 1] ^= 0x80;

	/* Truncated: finish = 1 with input missing is an error. */
	for (cut = 0; cut < gz.len; cut += cut < 40 ? 1 : 997) {
		st = inflate_buf(gz.p, cut, 4096, 4096, &plain, &consumed);
		if (st != CODEC_ERROR)
			FAILF("truncated at %zu of %zu: status %d", cut, gz.len,
			    st);
		free(plain.p);
	}
	st = inflate_buf(gz.p, gz.len - 1, 7, 7, &plain, &consumed);
	CHECK_INT(st, CODEC_ERROR);
	free(plain.p);

	/* Garbage and foreign headers. */
	st = inflate_buf((const unsigned char *)"hello, world", 12, 4096, 4096,
	    &plain, &consumed);
	CHECK_INT(st, CODEC_ERROR);
	free(plain.p);
	gz.p[0] = 0x1e;
	st = inflate_buf(gz.p, gz.len, 4096, 4096, &plain, &consumed);
	CHECK_INT(st, CODEC_ERROR);
	free(plain.p);
	gz.p[0] = 0x1f;
	gz.p[2] = 7; /* compression method other than deflate */
	st = inflate_buf(gz.p, gz.len, 4096, 4096, &plain, &consumed);
	CHECK_INT(st, CODEC_ERROR);
	free(plain.p);
	gz.p[2] = 8;
	gz.p[3] = 0xe0; /* reserved flag bits */
	st = inflate_buf(gz.p, gz.len, 4096, 4096, &plain, &consumed);
	CHECK_INT(st, CODEC_ERROR);
	free(plain.p);
	gz.p[3] = 0;

	/* A zlib (not gzip) stream is refused. */
	{
		unsigned char zbuf[256];
		uLongf zlen = sizeof(zbuf);

		CHECK_INT(compress(zbuf, &zlen, src.p, 100), Z_OK);
		st = inflate_buf(zbuf, zlen, 4096, 4096, &plain, &consumed);
		CHECK_INT(st, CODEC_ERROR);
		free(plain.p);
	}

	/* Sanity: restored, it decodes again. */
	st = inflate_buf(gz.p, gz.len, 4096, 4096, &plain, &consumed);
	CHECK_INT(st, CODEC_END);
	CHECK_INT(plain.len, src.len);
	free(plain.p);
	free(gz.p);
	free(src.p);
}

static void
test_trailing(void)
{
	struct buf gz, plain;
	unsigned char *two;
	size_t consumed;
	int st;

	if (compress_buf((const unsigned char *)"abcabcabc", 9, 1, 4096, 4096,
	        &gz) == -1) {
		free(gz.p);
		return;
	}
	/* Two members back to back: the codec stops after the first. */
	two = malloc(2 * gz.len + 5);
	memcpy(two, gz.p, gz.len);
	memcpy(two + gz.len, gz.p, gz.len);
	memcpy(two + 2 * gz.len, "junk!", 5);
	st = inflate_buf(two, 2 * gz.len + 5, 4096, 4096, &plain, &consumed);
	CHECK_INT(st, CODEC_END);
	CHECK_INT(consumed, gz.len);
	CHECK_INT(plain.len, 9);
	CHECK(memcmp(plain.p, "abcabcabc", 9) == 0);
	free(plain.p);
	st = inflate_buf(two, 2 * gz.len + 5, 3, 7, &plain, &consumed);
	CHECK_INT(st, CODEC_END);
	CHECK_INT(consumed, gz.len);
	free(plain.p);
	free(two);
	free(gz.p);
}

/*
 * Inflate as haulproxy does: the input arrives in reads of `rd` bytes,
 * each given until it is used up (or nothing moves), `outsz` bytes of
 * space per call; at the end, finish with no input and no space.  Returns
 * that last status and how much input and output there was.
 */
static int
inflate_reads(const struct buf *gz, size_t rd, size_t outsz, struct buf *dst,
    size_t cap, size_t *consumed)
{
	struct codec *c = codec_inflate_new();
	size_t off, n, left = 0, room, used, made;
	enum codec_status st = CODEC_OK;

	dst->len = 0;
	for (off = 0; off < gz->len && st == CODEC_OK && left == 0; off += n) {
		n = gz->len - off < rd ? gz->len - off : rd;
		for (left = n; left > 0;) {
			room = cap - dst->len < outsz ? cap - dst->len : outsz;
			st = codec_run(c, gz->p + off + n - left, left, &used,
			    dst->p + dst->len, room, &made, 0);
			dst->len += made;
			left -= used;
			if (st != CODEC_OK || (used == 0 && made == 0))
				break;
		}
	}
	*consumed = off - left;
	st = codec_run(c, NULL, 0, &used, NULL, 0, &made, 1);
	codec_free(c);
	return st;
}

/*
 * A caller that stops giving input once it is all used: the stream must
 * have ended by then, whatever the decoder holds (ISA-L reads ahead).
 */
static void
test_used_up(void)
{
	static const size_t reads[] = {1, 100, 1460, 16384, 65536, 1 << 20};
	static const size_t spaces[] = {1, 4096, 65536};
	struct buf src, gz, plain;
	size_t r, o, consumed;
	int level, st;

	src.len = 1 << 20;
	src.p = malloc(src.len);
	fill_text(src.p, src.len);
	fill_random(src.p + 500000, 10000);
	plain.p = malloc(src.len);
	for (level = 1; level <= 9; level += 8) {
		if (compress_buf(src.p, src.len, level, 65536, 65536, &gz) ==
		    -1) {
			free(gz.p);
			continue;
		}
		for (r = 0; r < sizeof(reads) / sizeof(reads[0]); r++) {
			for (o = 0; o < sizeof(spaces) / sizeof(spaces[0]);
			     o++) {
				/* 1 MiB a byte at a time: slow, not useful */
				if (spaces[o] == 1 && reads[r] < 16384)
					continue;
				st = inflate_reads(&gz, reads[r], spaces[o],
				    &plain, src.len, &consumed);
				if (st != CODEC_END || consumed != gz.len ||
				    plain.len != src.len ||
				    memcmp(plain.p, src.p, src.len) != 0)
					FAILF("level %d reads %zu space %zu: "
					      "status %d, in %zu of %zu, "
					      "out %zu of %zu",
					    level, reads[r], spaces[o], st,
					    consumed, gz.len, plain.len,
					    src.len);
			}
		}
		free(gz.p);
	}
	free(plain.p);
	free(src.p);
}

static void
test_edges(void)
{
	struct codec *c;
	unsigned char out[64], gz[64];
	size_t used = 99, made = 99, gzlen = 0, off;
	enum codec_status st;
	struct buf b;

	errno = 0;
	CHECK(codec_deflate_new(0) == NULL);
	CHECK_INT(errno, EINVAL);
	CHECK(codec_deflate_new(10) == NULL);
	CHECK(codec_deflate_new(-1) == NULL);
	codec_free(NULL);

	/* No input and no space: nothing happens, and it is not an error. */
	c = codec_deflate_new(1);
	CHECK_INT(codec_run(c, NULL, 0, &used, NULL, 0, &made, 0), CODEC_OK);
	CHECK_INT(used, 0);
	CHECK_INT(made, 0);
	CHECK_INT(codec_run(c, "abc", 3, &used, NULL, 0, &made, 0), CODEC_OK);
	CHECK_INT(codec_run(c, NULL, 0, &used, NULL, 0, &made, 1), CODEC_OK);
	CHECK_INT(made, 0);
	/* Empty input, finished: a valid empty gzip stream. */
	do {
		st = codec_run(c, NULL, 0, &used, gz + gzlen, 1, &made, 1);
		gzlen += made;
	} while (st == CODEC_OK && gzlen < sizeof(gz));
	CHECK_INT(st, CODEC_END);
	/* END is sticky and uses nothing. */
	CHECK_INT(
	    codec_run(c, "x", 1, &used, out, sizeof(out), &made, 1), CODEC_END);
	CHECK_INT(used, 0);
	CHECK_INT(made, 0);
	CHECK_INT(codec_total_out(c), gzlen);
	codec_free(c);

	/* The empty stream inflates to nothing. */
	c = codec_inflate_new();
	CHECK_INT(codec_run(c, gz, gzlen, NULL, out, sizeof(out), NULL, 1),
	    CODEC_END);
	CHECK_INT(codec_total_in(c), gzlen);
	CHECK_INT(codec_total_out(c), 0);
	codec_free(c);

	/* Inflate fed nothing, or given no room, just waits. */
	if (compress_buf((const unsigned char *)"hello", 5, 1, 5, 64, &b) ==
	    0) {
		c = codec_inflate_new();
		CHECK_INT(
		    codec_run(c, NULL, 0, &used, out, sizeof(out), &made, 0),
		    CODEC_OK);
		CHECK_INT(used + made, 0);
		CHECK_INT(codec_run(c, b.p, b.len, &used, NULL, 0, &made, 0),
		    CODEC_OK);
		CHECK(used < b.len); /* at most the header, no output */
		CHECK_INT(made, 0);
		off = used;
		CHECK_INT(codec_run(c, b.p + off, b.len - off, &used, out,
		              sizeof(out), &made, 1),
		    CODEC_END);
		CHECK_INT(off + used, b.len);
		CHECK_INT(made, 5);
		CHECK(memcmp(out, "hello", 5) == 0);
		CHECK_INT(codec_total_in(c), b.len);
		CHECK_INT(codec_total_out(c), 5);
		codec_free(c);
	}
	free(b.p);

	/* NULL with a length is the caller's bug: an error, and sticky. */
	c = codec_inflate_new();
	CHECK_INT(codec_run(c, NULL, 5, &used, out, sizeof(out), &made, 0),
	    CODEC_ERROR);
	CHECK_INT(codec_run(c, gz, gzlen, &used, out, sizeof(out), &made, 1),
	    CODEC_ERROR);
	CHECK_INT(used, 0);
	codec_free(c);

	/* Freed mid-stream: no leak (ASan) and no crash. */
	c = codec_deflate_new(9);
	CHECK_INT(codec_run(c, "abc", 3, &used, out, sizeof(out), &made, 0),
	    CODEC_OK);
	codec_free(c);
}

/*
 * Inputs tests/fuzz/fuzz_inflate found, fed the way it found them: in
 * pieces of `piece` bytes into windows of `window` bytes, as haulproxy
 * does.  Whatever the stream, a call never reports more input used or
 * output made than it was given, and the totals agree.
 */
static const unsigned char fuzz_wrapped_used[] = {
    /*
     * A corrupt deflate body: ISA-L 2.30 fails it on the third 16-byte
     * piece with avail_in wrapped below zero, which codec.c reported as
     * 17 bytes used of the 16 given.
     */
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xab, 0x56,
    0xca, 0x4b, 0xcc, 0x4d, 0x55, 0xb2, 0x52, 0x50, 0xca, 0x48, 0x2c, 0xcd,
    0x51, 0xd2, 0xac, 0x4d, 0xf1, 0x2a, 0x51, 0x50, 0x02, 0xce, 0x8d, 0x4c,
    0x8c, 0x2c, 0x2c, 0x6a, 0x75, 0xb8, 0x18, 0x46, 0x95, 0x8c, 0x2a, 0x19,
    0x55, 0x34, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0xaa, 0x64, 0x54, 0xc9, 0xa8, 0x92, 0x51, 0x25, 0xa3, 0x4a,
    0x46, 0x95, 0x8c, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00};

static const struct fuzz_row {
	const char *name;
	const unsigned char *in;
	size_t len, piece, window;
	enum codec_status want;
} fuzz_rows[] = {
    {"wrapped avail_in, 16/64", fuzz_wrapped_used, sizeof(fuzz_wrapped_used),
        16, 64, CODEC_ERROR},
    {"wrapped avail_in, 1/1", fuzz_wrapped_used, sizeof(fuzz_wrapped_used), 1,
        1, CODEC_ERROR},
    {"wrapped avail_in, whole", fuzz_wrapped_used, sizeof(fuzz_wrapped_used),
        sizeof(fuzz_wrapped_used), 65536, CODEC_ERROR},
};

static void
test_fuzz_found(void)
{
	const struct fuzz_row *r;
	unsigned char out[65536];
	enum codec_status st;
	struct codec *c;
	size_t i, off, left, used, made, in_total;

	for (i = 0; i < sizeof(fuzz_rows) / sizeof(fuzz_rows[0]); i++) {
		r = &fuzz_rows[i];
		if ((c = codec_inflate_new()) == NULL) {
			FAILF("%s: codec_inflate_new", r->name);
			continue;
		}
		st = CODEC_OK;
		in_total = 0;
		for (off = 0; off < r->len && st == CODEC_OK;) {
			left =
			    r->len - off < r->piece ? r->len - off : r->piece;
			st = codec_run(c, r->in + off, left, &used, out,
			    r->window, &made, off + left == r->len);
			if (used > left || made > r->window)
				FAILF("%s: at %zu: used %zu of %zu, made %zu "
				      "of %zu",
				    r->name, off, used, left, made, r->window);
			if (used > left)
				used = left;
			off += used;
			in_total += used;
			if (st == CODEC_OK && used == 0 && made == 0)
				break;
		}
		if (st == CODEC_OK)
			st = codec_run(
			    c, NULL, 0, NULL, out, r->window, &made, 1);
		if (st != r->want)
			FAILF("%s: status %d, want %d", r->name, st, r->want);
		CHECK(codec_total_in(c) <= r->len);
		CHECK_INT(codec_total_in(c), in_total);
		codec_free(c);
	}
}

/*
 * Run src through c (deflate or inflate) in pieces of chunk bytes with
 * outsz of space a call, finish with the last piece; the final status,
 * dst the output (cap 4 MiB).
 */
static int
run_into(struct codec *c, const unsigned char *src, size_t len, size_t chunk,
    size_t outsz, struct buf *dst)
{
	size_t off = 0, n, o, used, made, cap = 4 * 1024 * 1024;
	int st;

	dst->len = 0;
	if ((dst->p = malloc(cap)) == NULL)
		return CODEC_ERROR;
	for (;;) {
		n = len - off < chunk ? len - off : chunk;
		o = cap - dst->len < outsz ? cap - dst->len : outsz;
		if (o == 0)
			return STALLED;
		st = codec_run(c, src + off, n, &used, dst->p + dst->len, o,
		    &made, off + n == len);
		off += used;
		dst->len += made;
		if (st != CODEC_OK)
			break;
		if (used == 0 && made == 0)
			return STALLED;
	}
	if (codec_total_in(c) != off || codec_total_out(c) != dst->len)
		FAILF("totals after reset: in %" PRIu64 " out %" PRIu64
		      ", want %zu %zu",
		    codec_total_in(c), codec_total_out(c), off, dst->len);
	return st;
}

/*
 * A reset codec makes a whole new stream: the same bytes as a new codec
 * (gzip header included: ISA-L marks it written in the stream's flags),
 * whether the last stream ended, stopped half way or failed, and totals
 * from zero.  hauld's gzip.c reuses its deflate codecs this way.
 */
static void
test_reset(void)
{
	static const int levels[] = {1, 3, 7, 9};
	size_t len = 300000, i, k, used, made;
	unsigned char *text = malloc(len), *rnd = malloc(len), out[4096];
	struct buf fresh, again, plain, gz;
	struct codec *c;
	int st;

	if (text == NULL || rnd == NULL) {
		FAILF("malloc");
		return;
	}
	fill_text(text, len);
	fill_random(rnd, len);
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (compress_buf(text, len, levels[i], 65536, 65536, &fresh)) {
			FAILF("level %d: compress_buf", levels[i]);
			continue;
		}
		if ((c = codec_deflate_new(levels[i])) == NULL) {
			FAILF("codec_deflate_new");
			free(fresh.p);
			continue;
		}
		for (k = 0; k < 3; k++) {
			/* k: after an ended, a half-done, an unused stream */
			if (k > 0)
				CHECK_INT(codec_reset(c), 0);
			if (k == 1) {
				st = codec_run(c, rnd, 100000, &used, out,
				    sizeof(out), &made, 0);
				CHECK_INT(st, CODEC_OK);
				CHECK_INT(codec_reset(c), 0);
			}
			CHECK_INT(codec_total_in(c), 0);
			st = run_into(c, text, len, 65536, 65536, &again);
			CHECK_INT(st, CODEC_END);
			if (again.len != fresh.len ||
			    memcmp(again.p, fresh.p, fresh.len) != 0)
				FAILF("level %d, case %zu: %zu bytes, a new "
				      "codec made %zu, or they differ",
				    levels[i], k, again.len, fresh.len);
			free(again.p);
		}
		/* Random data through the same codec, checked by zlib. */
		CHECK_INT(codec_reset(c), 0);
		st = run_into(c, rnd, len, 4096, 7, &gz);
		CHECK_INT(st, CODEC_END);
		CHECK_INT(zlib_gunzip(gz.p, gz.len, len, &plain), 0);
		CHECK(plain.len == len && memcmp(plain.p, rnd, len) == 0);
		free(plain.p);
		free(gz.p);
		codec_free(c);

		/* Inflate: new, after an ended, a failed, a half-read one. */
		if ((c = codec_inflate_new()) == NULL) {
			FAILF("codec_inflate_new");
			free(fresh.p);
			continue;
		}
		for (k = 0; k < 4; k++) {
			if (k > 0)
				CHECK_INT(codec_reset(c), 0);
			if (k == 2) {
				/* Bad magic: CODEC_ERROR, sticky until reset.
				 */
				st = codec_run(c, "\x1f\x8c", 2, &used, out,
				    sizeof(out), &made, 1);
				CHECK_INT(st, CODEC_ERROR);
			} else if (k == 3) {
				/* Stopped inside the header, then mid-data. */
				st = codec_run(c, fresh.p, 5, &used, out,
				    sizeof(out), &made, 0);
				CHECK_INT(st, CODEC_OK);
				CHECK_INT(codec_reset(c), 0);
				st = codec_run(c, fresh.p, fresh.len / 2, &used,
				    out, sizeof(out), &made, 0);
				CHECK_INT(st, CODEC_OK);
			}
			if (k >= 2)
				CHECK_INT(codec_reset(c), 0);
			st = run_into(
			    c, fresh.p, fresh.len, 1000, 65536, &plain);
			CHECK_INT(st, CODEC_END);
			CHECK(plain.len == len &&
			    memcmp(plain.p, text, len) == 0);
			free(plain.p);
		}
		codec_free(c);
		free(fresh.p);
	}
	free(text);
	free(rnd);
}

static const struct unit_test tests[] = {
    {"name", test_name},
    {"roundtrip", test_roundtrip},
    {"levels", test_levels},
    {"from_zlib", test_from_zlib},
    {"corrupt", test_corrupt},
    {"trailing", test_trailing},
    {"used_up", test_used_up},
    {"edges", test_edges},
    {"fuzz_found", test_fuzz_found},
    {"reset", test_reset},
};

UNIT_MAIN(tests)
