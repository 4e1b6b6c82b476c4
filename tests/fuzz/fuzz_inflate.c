/*
 * codec.c inflate, driven by haulproxy's own inflate step (stage.c,
 * stage_inflate() and stage_end()): the body arrives in pieces, each
 * piece is inflated into what is left of a staging window, the window is
 * flushed when full, a chunk may decode to at most its length (the gzip
 * bomb rule), data after the member, a stall or a short stream refuse the
 * chunk, and at the end the codec is drained with finish = 1.
 *
 * Input: byte 0 picks the window (bits 0-2), the piece size (bits 3-5),
 * whether the chunk length is the reference length (bit 6) and whether
 * the trailer is repaired (bit 7: when zlib can inflate the deflate data
 * after a plain 10-byte header, the CRC-32 and ISIZE of what it decodes
 * are written after it, so mutated deflate data still makes a valid
 * member and the two decoders are compared on it); bytes 1-2 are the
 * chunk length unless bit 6 says otherwise; the rest is the gzip body.
 *
 * The reference is zlib's inflate() on the whole body.  Properties:
 *   - the window never holds more than its size, nor is more input
 *     used than was given;
 *   - the chunk is never longer than asked, whatever the body;
 *   - accepted => zlib decodes the body, one member and nothing after it,
 *     to exactly the same bytes;
 *   - zlib decodes it to exactly the length asked => accepted: a good
 *     chunk is never refused for arriving in pieces or small windows.
 * With ISA-L as the codec this is a differential test of ISA-L and our
 * gzip header parser against zlib; fuzz_inflate_zlib runs the same with
 * the zlib backend.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <zlib.h>

#include "codec.h"
#include "fuzz.h"
#include "stage.h"

#define REF_MAX (1u << 20) /* reference output past this: "a bomb" */

static const size_t windows[8] = {1, 2, 7, 64, 512, 4096, 65536, 131072};
static const size_t pieces[8] = {1, 3, 16, 100, 1024, 4096, 65536, (size_t)-1};

struct chunk {
	struct codec *inflate;
	struct stage st;
	unsigned char *file; /* the part file: st.want bytes */
	size_t flushed;
	enum stage_err why; /* STAGE_OK while the chunk is good */
};

/* zlib on the whole body: length, or -1 if not exactly one member. */
static long
reference(const unsigned char *in, size_t len, unsigned char *out)
{
	z_stream z;
	int ret;
	long n;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		abort();
	z.next_in = (unsigned char *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = REF_MAX;
	ret = inflate(&z, Z_FINISH);
	n = ret == Z_STREAM_END && z.avail_in == 0 ? (long)z.total_out : -1;
	inflateEnd(&z);
	return n;
}

/*
 * Bit 7: give a member with a plain header (no FLG bits) the trailer its
 * deflate data deserves, cutting what follows.  Returns the new length.
 */
static size_t
repair(unsigned char *b, size_t len, unsigned char *out)
{
	z_stream z;
	uint32_t crc;
	size_t end;
	int ret;

	if (len < 10 + 2 || b[0] != 0x1f || b[1] != 0x8b || b[2] != 8 ||
	    b[3] != 0)
		return len;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, -15) != Z_OK)
		abort();
	z.next_in = b + 10;
	z.avail_in = (uInt)(len - 10);
	z.next_out = out;
	z.avail_out = REF_MAX;
	ret = inflate(&z, Z_FINISH);
	end = 10 + z.total_in;
	crc = (uint32_t)crc32(0L, out, (uInt)z.total_out);
	if (ret == Z_STREAM_END) {
		b[end] = (unsigned char)crc;
		b[end + 1] = (unsigned char)(crc >> 8);
		b[end + 2] = (unsigned char)(crc >> 16);
		b[end + 3] = (unsigned char)(crc >> 24);
		b[end + 4] = (unsigned char)z.total_out;
		b[end + 5] = (unsigned char)(z.total_out >> 8);
		b[end + 6] = (unsigned char)(z.total_out >> 16);
		b[end + 7] = (unsigned char)(z.total_out >> 24);
		len = end + 8;
	}
	inflateEnd(&z);
	return len;
}

/* The part file: the window's bytes at their offset. */
static int
flush(void *arg, const char *p, size_t n)
{
	struct chunk *f = arg;

	FUZZ_CHECK(n <= f->st.size);
	FUZZ_CHECK(f->flushed + n <= f->st.want);
	memcpy(f->file + f->flushed, p, n);
	f->flushed += n;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char ref[REF_MAX];
	struct chunk f;
	unsigned char *body;
	size_t blen, psize, off, n, len;
	long rlen;
	uint8_t mode;

	if (size < 3)
		return 0;
	mode = data[0];
	blen = size - 3;
	/* Room for a repaired trailer after the whole body. */
	if ((body = malloc(blen + 8)) == NULL)
		abort();
	memcpy(body, data + 3, blen);
	if (mode & 0x80)
		blen = repair(body, blen, ref);
	rlen = reference(body, blen, ref);

	memset(&f, 0, sizeof(f));
	f.st.size = windows[mode & 7];
	f.st.flush = flush;
	f.st.arg = &f;
	psize = pieces[(mode >> 3) & 7];
	if ((mode & 0x40) && rlen >= 0)
		len = (size_t)rlen;
	else
		len = (size_t)data[1] | (size_t)data[2] << 8;
	stage_start(&f.st, len);
	if ((f.inflate = codec_inflate_new()) == NULL)
		abort();
	if ((f.st.buf = malloc(f.st.size)) == NULL ||
	    (f.file = malloc(len > 0 ? len : 1)) == NULL)
		abort();

	for (off = 0; off < blen && f.why == STAGE_OK; off += n) {
		n = blen - off < psize ? blen - off : psize;
		/* Each piece in its own exact-size buffer, as evbuffer's. */
		{
			unsigned char *p = malloc(n);

			if (p == NULL)
				abort();
			memcpy(p, body + off, n);
			f.why = stage_inflate(&f.st, f.inflate, (char *)p, n);
			FUZZ_CHECK(f.st.len <= f.st.size);
			free(p);
		}
	}
	if (f.why == STAGE_OK)
		f.why = stage_end(&f.st, f.inflate);

	FUZZ_CHECK(f.st.got <= len);
	FUZZ_CHECK(codec_total_in(f.inflate) <= blen);
	if (f.why == STAGE_OK) {
		FUZZ_CHECK(f.flushed == len);
		FUZZ_CHECK(codec_total_out(f.inflate) == len);
		FUZZ_CHECK(codec_total_in(f.inflate) == blen);
		FUZZ_CHECK(rlen >= 0 && (size_t)rlen == len);
		FUZZ_CHECK(len == 0 || memcmp(f.file, ref, len) == 0);
	} else if (rlen >= 0 && (size_t)rlen == len) {
		fprintf(stderr, "refused a good chunk of %zu bytes: %d\n",
		    len, (int)f.why);
		FUZZ_CHECK(!"zlib decodes it to the length asked");
	}
	codec_free(f.inflate);
	free(f.st.buf);
	free(f.file);
	free(body);
	return 0;
}
