/*
 * The gzip codec: one streaming interface over a backend chosen at build
 * time.  ISA-L igzip when configure found it (HAVE_ISAL), zlib otherwise:
 * zlib is always the fallback.  Both write and read the same standard
 * gzip format (RFC 1952), so either end of a transfer may use either.
 * This file owns the common rules (sticky end and error states, totals,
 * argument checks), the backends only move bytes.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#ifdef HAVE_ISAL
#ifdef HAVE_ISA_L_H
#include <isa-l.h> /* ISAL_MAJOR_VERSION and friends */
#endif
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#else
#define ZLIB_CONST /* const next_in: no casts from the caller's input */
#include <zlib.h>
#endif

#include "codec.h"

#ifdef HAVE_ISAL
/*
 * ISA-L state: the stream (about 85 KiB either way), and for deflate the
 * level buffer (ISAL_DEF_LVLx_DEFAULT: 276 to 340 KiB), allocated with the
 * codec and kept by codec_reset, so memory is fixed whatever the input
 * length and however many streams a codec makes.
 */
struct isal_codec {
	union {
		struct isal_zstream d;
		struct inflate_state i;
	} s;
	uint8_t *level_buf;
	/* Inflate: the gzip header, parsed here (see igz_header). */
	unsigned char hstage; /* IGZ_H_* */
	unsigned char flg;    /* RFC 1952 FLG */
	uint32_t hcount;      /* bytes left in a fixed-size field */
	uint32_t xlen;        /* FEXTRA length, then FHCRC value */
	uint32_t hcrc;        /* CRC-32 of the header so far */
};

/* Where the gzip header parser is: each field in RFC 1952 order. */
enum {
	IGZ_H_ID1,
	IGZ_H_ID2,
	IGZ_H_CM,
	IGZ_H_FLG,
	IGZ_H_MTIME_XFL_OS, /* 6 bytes, not used */
	IGZ_H_XLEN,
	IGZ_H_EXTRA,
	IGZ_H_NAME,
	IGZ_H_COMMENT,
	IGZ_H_HCRC,
	IGZ_H_DONE,
};
#define IGZ_FHCRC 0x02
#define IGZ_FEXTRA 0x04
#define IGZ_FNAME 0x08
#define IGZ_FCOMMENT 0x10
#define IGZ_FRESERVED 0xe0
#else
/* zlib: a gzip wrapper (RFC 1952) round a raw deflate stream. */
#define ZLIB_GZIP_WBITS (15 + 16)
#define ZLIB_MEM_LEVEL 8
#endif

/*
 * What a backend provides.  run() gets in/out that are never NULL and
 * reports what it used; it returns CODEC_OK when the caller should call
 * again (including "no progress possible with what you gave me"),
 * CODEC_END at the end of the stream and CODEC_ERROR otherwise.  It is not
 * called again once it has returned anything but CODEC_OK.
 */
struct codec_backend {
	const char *name;
	int (*deflate_init)(struct codec *, int);
	int (*inflate_init)(struct codec *);
	enum codec_status (*run)(struct codec *, const unsigned char *, size_t,
	    size_t *, unsigned char *, size_t, size_t *, int);
	/* A new stream with the same settings and memory; 0 or -1. */
	int (*reset)(struct codec *);
	void (*end)(struct codec *);
};

struct codec {
	const struct codec_backend *be;
	int inflate;              /* 1: inflate stream, 0: deflate */
	int level;                /* deflate: 1..9 as asked */
	enum codec_status status; /* CODEC_OK until END or ERROR */
	uint64_t total_in;
	uint64_t total_out;
	union {
#ifdef HAVE_ISAL
		struct isal_codec isal;
#else
		z_stream z;
#endif
	} u;
};

static struct codec *codec_new(int, int);

#ifdef HAVE_ISAL
static int igz_deflate_init(struct codec *, int);
static int igz_inflate_init(struct codec *);
static enum codec_status igz_run(struct codec *, const unsigned char *, size_t,
    size_t *, unsigned char *, size_t, size_t *, int);
static enum codec_status igz_deflate_run(struct codec *, const unsigned char *,
    size_t, size_t *, unsigned char *, size_t, size_t *, int);
static enum codec_status igz_inflate_run(struct codec *, const unsigned char *,
    size_t, size_t *, unsigned char *, size_t, size_t *, int);
static int igz_reset(struct codec *);
static int igz_header(
    struct isal_codec *, const unsigned char *, size_t, size_t *);
static void igz_header_next(struct isal_codec *);
static void igz_end(struct codec *);

#define CODEC_STR_(x) #x
#define CODEC_STR(x) CODEC_STR_(x)
#ifdef ISAL_MAJOR_VERSION
#define IGZ_NAME                                                               \
	"isa-l " CODEC_STR(ISAL_MAJOR_VERSION) "." CODEC_STR(                  \
	    ISAL_MINOR_VERSION) "." CODEC_STR(ISAL_PATCH_VERSION)
#else
#define IGZ_NAME "isa-l"
#endif

static const struct codec_backend isal_backend = {
    IGZ_NAME,
    igz_deflate_init,
    igz_inflate_init,
    igz_run,
    igz_reset,
    igz_end,
};
#else
static int zlib_deflate_init(struct codec *, int);
static int zlib_inflate_init(struct codec *);
static enum codec_status zlib_run(struct codec *, const unsigned char *, size_t,
    size_t *, unsigned char *, size_t, size_t *, int);
static int zlib_reset(struct codec *);
static void zlib_end(struct codec *);

static const struct codec_backend zlib_backend = {
    "zlib " ZLIB_VERSION,
    zlib_deflate_init,
    zlib_inflate_init,
    zlib_run,
    zlib_reset,
    zlib_end,
};
#endif

/* The backend every stream uses: same gzip format, same rules. */
#ifdef HAVE_ISAL
static const struct codec_backend *const backend = &isal_backend;
#else
static const struct codec_backend *const backend = &zlib_backend;
#endif

const char *
codec_name(void)
{
	return backend->name;
}

static struct codec *
codec_new(int inflate, int level)
{
	struct codec *c;
	int r;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->be = backend;
	c->inflate = inflate;
	c->level = level;
	c->status = CODEC_OK;
	r = inflate ? c->be->inflate_init(c) : c->be->deflate_init(c, level);
	if (r == -1) {
		free(c);
		return NULL;
	}
	return c;
}

struct codec *
codec_deflate_new(int level)
{
	if (level < 1 || level > 9) {
		errno = EINVAL;
		return NULL;
	}
	return codec_new(0, level);
}

struct codec *
codec_inflate_new(void)
{
	return codec_new(1, 0);
}

int
codec_reset(struct codec *c)
{
	if (c->be->reset(c) == -1) {
		c->status = CODEC_ERROR;
		return -1;
	}
	c->status = CODEC_OK;
	c->total_in = 0;
	c->total_out = 0;
	return 0;
}

void
codec_free(struct codec *c)
{
	if (c == NULL)
		return;
	c->be->end(c);
	free(c);
}

enum codec_status
codec_run(struct codec *c, const void *in, size_t in_len, size_t *in_used,
    void *out, size_t out_len, size_t *out_made, int finish)
{
	/* zlib refuses a NULL next_out even when avail_out is 0. */
	static unsigned char none;
	size_t iu = 0, om = 0;
	enum codec_status st;

	if (in_used != NULL)
		*in_used = 0;
	if (out_made != NULL)
		*out_made = 0;
	if (c->status != CODEC_OK)
		return c->status;
	if ((in == NULL && in_len > 0) || (out == NULL && out_len > 0))
		return c->status = CODEC_ERROR;
	st = c->be->run(c, in != NULL ? in : &none, in_len, &iu,
	    out != NULL ? out : &none, out_len, &om, finish);
	c->total_in += iu;
	c->total_out += om;
	if (in_used != NULL)
		*in_used = iu;
	if (out_made != NULL)
		*out_made = om;
	return c->status = st;
}

uint64_t
codec_total_in(const struct codec *c)
{
	return c->total_in;
}

uint64_t
codec_total_out(const struct codec *c)
{
	return c->total_out;
}

#ifdef HAVE_ISAL
/* ISA-L igzip */

/*
 * --gzip-level 1..9 onto ISA-L's levels, ISAL_DEF_MIN_LEVEL 0 to
 * ISAL_DEF_MAX_LEVEL (3 in 2.30; older ones stop at 2):
 *   1-2 -> 1  8 KiB hash, dynamic Huffman blocks: about 4 times zlib -1's
 *             speed and a slightly better ratio;
 *   3-6 -> 2  32 KiB hash: a little smaller, about as fast;
 *   7-9 -> 3  hash map, deeper search: smaller again, half the speed.
 * Level 0 (static Huffman table) is not used: far worse than zlib -1 on
 * ratio.  No ISA-L level comes near zlib -6 on ratio (on JSON-like text:
 * ISA-L 23.6, 23.3, 22.8 % against zlib 24.9 % at -1, 20.0 % at -6), and
 * on very repetitive text 3 can come out a little larger than 1.
 */
static const struct {
	unsigned char level;
	uint32_t buf;
} igz_levels[] = {
    {1, ISAL_DEF_LVL1_DEFAULT}, /* 1 */
    {1, ISAL_DEF_LVL1_DEFAULT}, /* 2 */
    {2, ISAL_DEF_LVL2_DEFAULT}, /* 3 */
    {2, ISAL_DEF_LVL2_DEFAULT}, /* 4 */
    {2, ISAL_DEF_LVL2_DEFAULT}, /* 5 */
    {2, ISAL_DEF_LVL2_DEFAULT}, /* 6 */
#if ISAL_DEF_MAX_LEVEL >= 3
    {3, ISAL_DEF_LVL3_DEFAULT}, /* 7 */
    {3, ISAL_DEF_LVL3_DEFAULT}, /* 8 */
    {3, ISAL_DEF_LVL3_DEFAULT}, /* 9 */
#else
    {2, ISAL_DEF_LVL2_DEFAULT},
    {2, ISAL_DEF_LVL2_DEFAULT},
    {2, ISAL_DEF_LVL2_DEFAULT},
#endif
};

/* The stream's settings, on a fresh or a finished stream. */
static void
igz_deflate_setup(struct codec *c)
{
	struct isal_zstream *s = &c->u.isal.s.d;
	int level = c->level;

	/* init sets the defaults, so the settings come after it. */
	isal_deflate_init(s);
	s->level = igz_levels[level - 1].level;
	s->level_buf = c->u.isal.level_buf;
	s->level_buf_size = igz_levels[level - 1].buf;
	/* ISA-L writes the header and trailer (and, once the header is out,
	 * sets IGZIP_GZIP_NO_HDR: a reset must set it again). */
	s->gzip_flag = IGZIP_GZIP;
	s->flush = NO_FLUSH;
}

/*
 * The level buffer is zeroed once, here: ISA-L's lazy-hash matcher
 * (icf_body_lazyhash1_fillgreedy_greedy) reads parts of it before it
 * writes them (valgrind, with malloc: conditional jumps on uninitialised
 * values).  A reset does not zero it again, as isal_deflate_reset does
 * not: isal_deflate sets up its hash table at the start of each stream,
 * and test_reset holds a reset codec's output to a new one's, byte for
 * byte, at levels 1, 3, 7 and 9 (each of ISA-L's).
 */
static int
igz_deflate_init(struct codec *c, int level)
{
	if ((c->u.isal.level_buf = calloc(1, igz_levels[level - 1].buf)) ==
	    NULL)
		return -1;
	igz_deflate_setup(c);
	return 0;
}

static void
igz_inflate_setup(struct codec *c)
{
	struct isal_codec *g = &c->u.isal;

	isal_inflate_init(&g->s.i);
	/*
	 * The header is parsed here; ISA-L decodes the deflate data and checks
	 * the trailer's CRC-32 and ISIZE (_VER).
	 */
	g->s.i.crc_flag = ISAL_GZIP_NO_HDR_VER;
	g->hstage = IGZ_H_ID1;
	g->flg = 0;
	g->hcount = 0;
	g->xlen = 0;
	g->hcrc = 0;
}

static int
igz_inflate_init(struct codec *c)
{
	igz_inflate_setup(c);
	return 0;
}

/* The same settings and buffers, state as new: no allocation. */
static int
igz_reset(struct codec *c)
{
	if (c->inflate)
		igz_inflate_setup(c);
	else
		igz_deflate_setup(c);
	return 0;
}

static enum codec_status
igz_run(struct codec *c, const unsigned char *in, size_t in_len,
    size_t *in_used, unsigned char *out, size_t out_len, size_t *out_made,
    int finish)
{
	return (c->inflate ? igz_inflate_run : igz_deflate_run)(
	    c, in, in_len, in_used, out, out_len, out_made, finish);
}

/*
 * avail_in and avail_out are uint32_t: one call takes at most 4 GiB - 1
 * of each, and end_of_stream is set only with the last of the input.  It
 * stays set: ISA-L keeps compressing what it holds and then writes the
 * final block and the trailer; ZSTATE_END means all of it is out.
 *
 * With no output space nothing happens, as with zlib: isal_deflate would
 * take input into its buffer, which changes nothing for the caller.
 */
static enum codec_status
igz_deflate_run(struct codec *c, const unsigned char *in, size_t in_len,
    size_t *in_used, unsigned char *out, size_t out_len, size_t *out_made,
    int finish)
{
	struct isal_zstream *s = &c->u.isal.s.d;
	uint32_t ilen, olen;
	int ret;

	ilen = in_len > UINT32_MAX ? UINT32_MAX : (uint32_t)in_len;
	olen = out_len > UINT32_MAX ? UINT32_MAX : (uint32_t)out_len;
	if (olen == 0)
		return CODEC_OK;
	if (finish && ilen == in_len)
		s->end_of_stream = 1;
	s->next_in = (uint8_t *)(uintptr_t)in; /* ISA-L only reads it */
	s->avail_in = ilen;
	s->next_out = out;
	s->avail_out = olen;
	ret = isal_deflate(s);
	*in_used = ilen - s->avail_in;
	*out_made = olen - s->avail_out;
	if (ret != COMP_OK)
		return CODEC_ERROR;
	return s->internal_state.state == ZSTATE_END ? CODEC_END : CODEC_OK;
}

/*
 * The gzip header (RFC 1952), parsed here rather than by isal_inflate
 * with ISAL_GZIP: ISA-L 2.30 accepts the reserved FLG bits (RFC 1952 says
 * a decoder must refuse them, zlib does), and it rejects a good FHCRC
 * when the header arrives in more than one piece.  One byte at a time:
 * headers are short.  Returns 0 (done, or more input needed) or -1, and
 * how many bytes it used.
 */
static int
igz_header(
    struct isal_codec *g, const unsigned char *in, size_t len, size_t *used)
{
	size_t i;
	unsigned b;
	int ok = 1;

	for (i = 0; i < len && g->hstage != IGZ_H_DONE && ok; i++) {
		b = in[i];
		if (g->hstage < IGZ_H_HCRC)
			g->hcrc = crc32_gzip_refl(g->hcrc, &in[i], 1);
		switch (g->hstage) {
		case IGZ_H_ID1:
			ok = b == 0x1f;
			g->hstage++;
			break;
		case IGZ_H_ID2:
			ok = b == 0x8b;
			g->hstage++;
			break;
		case IGZ_H_CM:
			ok = b == 8; /* deflate */
			g->hstage++;
			break;
		case IGZ_H_FLG:
			ok = (b & IGZ_FRESERVED) == 0;
			g->flg = (unsigned char)b;
			g->hcount = 6;
			g->hstage++;
			break;
		case IGZ_H_XLEN:
		case IGZ_H_HCRC:
			/* Two bytes, little-endian, into xlen. */
			g->xlen |= (uint32_t)b << (g->hcount == 2 ? 0 : 8);
			if (--g->hcount == 0) {
				if (g->hstage == IGZ_H_HCRC)
					ok = g->xlen == (g->hcrc & 0xffff);
				igz_header_next(g);
			}
			break;
		case IGZ_H_NAME:
		case IGZ_H_COMMENT:
			if (b == 0)
				igz_header_next(g);
			break;
		default: /* MTIME XFL OS, EXTRA: skipped */
			if (--g->hcount == 0)
				igz_header_next(g);
			break;
		}
	}
	*used = i;
	return ok ? 0 : -1;
}

/* On to the next field the header has, after the current one. */
static void
igz_header_next(struct isal_codec *g)
{
	for (;;) {
		switch (++g->hstage) {
		case IGZ_H_XLEN:
			if (g->flg & IGZ_FEXTRA) {
				g->hcount = 2;
				g->xlen = 0;
				return;
			}
			break;
		case IGZ_H_EXTRA:
			if ((g->flg & IGZ_FEXTRA) && g->xlen > 0) {
				g->hcount = g->xlen;
				return;
			}
			break;
		case IGZ_H_NAME:
			if (g->flg & IGZ_FNAME)
				return;
			break;
		case IGZ_H_COMMENT:
			if (g->flg & IGZ_FCOMMENT)
				return;
			break;
		case IGZ_H_HCRC:
			if (g->flg & IGZ_FHCRC) {
				g->hcount = 2;
				g->xlen = 0;
				return;
			}
			break;
		default:
			return; /* IGZ_H_DONE */
		}
	}
}

/*
 * After the header, isal_inflate decodes the deflate data and checks the
 * trailer's CRC-32 and ISIZE (ISAL_INCORRECT_CHECKSUM).  It never takes
 * input past the trailer: at the end of the member next_in is where the
 * member ended.
 *
 * Unlike zlib, isal_inflate goes on taking input when the output space is
 * full: it decodes up to 64 KiB ahead into its own buffer.  But it reads
 * the trailer only once all of that is given out (before, at most 7 of
 * its 8 bytes sit in the 64-bit bit buffer), so a caller that stops when
 * its input is used up (download.c) is never left with output it does
 * not get: test_used_up in tests/unit/test_codec.c holds it to that.
 */
static enum codec_status
igz_inflate_run(struct codec *c, const unsigned char *in, size_t in_len,
    size_t *in_used, unsigned char *out, size_t out_len, size_t *out_made,
    int finish)
{
	struct isal_codec *g = &c->u.isal;
	struct inflate_state *s = &g->s.i;
	size_t hdr = 0;
	uint32_t ilen, olen;
	int ret, last;

	olen = out_len > UINT32_MAX ? UINT32_MAX : (uint32_t)out_len;
	if (g->hstage != IGZ_H_DONE) {
		if (igz_header(g, in, in_len, &hdr) == -1)
			return CODEC_ERROR;
		*in_used = hdr;
		if (g->hstage != IGZ_H_DONE)
			/* Header cut short: as below, truncated if final. */
			return finish && olen > 0 ? CODEC_ERROR : CODEC_OK;
		in += hdr;
		in_len -= hdr;
	}
	ilen = in_len > UINT32_MAX ? UINT32_MAX : (uint32_t)in_len;
	last = finish && ilen == in_len;
	s->next_in = (uint8_t *)(uintptr_t)in; /* ISA-L only reads it */
	s->avail_in = ilen;
	s->next_out = out;
	s->avail_out = olen;
	ret = isal_inflate(s);
	if (ret != ISAL_DECOMP_OK) {
		/*
		 * Bad data, or CRC-32 or ISIZE wrong.  ISA-L 2.30 can fail
		 * with avail_in wrapped below zero (seen: next_in 9 bytes
		 * on, avail_in 0xffffffff), which made used exceed in_len
		 * (tests/unit/test_codec.c fuzz_found): then count this
		 * call's input as used, never more.
		 */
		*in_used =
		    hdr + (s->avail_in <= ilen ? ilen - s->avail_in : ilen);
		*out_made = olen - s->avail_out;
		return CODEC_ERROR;
	}
	*in_used = hdr + (ilen - s->avail_in);
	*out_made = olen - s->avail_out;
	if (s->block_state == ISAL_BLOCK_FINISH)
		return CODEC_END;
	/* All the input taken, space to spare, no end: truncated. */
	if (last && s->avail_in == 0 && s->avail_out > 0)
		return CODEC_ERROR;
	return CODEC_OK;
}

static void
igz_end(struct codec *c)
{
	if (!c->inflate)
		free(c->u.isal.level_buf);
}
#endif /* HAVE_ISAL */

#ifndef HAVE_ISAL
/* zlib */

static int
zlib_deflate_init(struct codec *c, int level)
{
	switch (deflateInit2(&c->u.z, level, Z_DEFLATED, ZLIB_GZIP_WBITS,
	    ZLIB_MEM_LEVEL, Z_DEFAULT_STRATEGY)) {
	case Z_OK:
		return 0;
	case Z_MEM_ERROR:
		errno = ENOMEM;
		return -1;
	default:
		errno = EINVAL;
		return -1;
	}
}

/* 15 + 16: gzip only; a zlib or raw stream is corrupt input here. */
static int
zlib_inflate_init(struct codec *c)
{
	switch (inflateInit2(&c->u.z, ZLIB_GZIP_WBITS)) {
	case Z_OK:
		return 0;
	case Z_MEM_ERROR:
		errno = ENOMEM;
		return -1;
	default:
		errno = EINVAL;
		return -1;
	}
}

/*
 * avail_in and avail_out are uInt, so one call takes at most UINT_MAX of
 * each; the caller sees the rest unused and calls again.  Z_FINISH is only
 * passed with the last of the input, as deflate() requires.
 *
 * Z_BUF_ERROR means no progress was possible: no input, or no output
 * space.  That is the caller's move, not corruption, so it is CODEC_OK
 * with nothing used; a caller that loops must give input or space.
 *
 * inflate stops at the end of the (first) gzip member with Z_STREAM_END;
 * in_used then tells where, and what follows is the caller's concern.
 * finish = 1 on inflate says the input is complete: if it is all consumed,
 * output space is left and the stream has not ended, the stream is
 * truncated.  (inflate() returning with avail_out > 0 means it could not
 * go on without more input.)
 */
static enum codec_status
zlib_run(struct codec *c, const unsigned char *in, size_t in_len,
    size_t *in_used, unsigned char *out, size_t out_len, size_t *out_made,
    int finish)
{
	z_stream *z = &c->u.z;
	uInt ilen, olen;
	int ret, last;

	ilen = in_len > UINT_MAX ? UINT_MAX : (uInt)in_len;
	olen = out_len > UINT_MAX ? UINT_MAX : (uInt)out_len;
	last = finish && ilen == in_len;
	z->next_in = in;
	z->avail_in = ilen;
	z->next_out = out;
	z->avail_out = olen;
	if (c->inflate)
		ret = inflate(z, Z_NO_FLUSH);
	else
		ret = deflate(z, last ? Z_FINISH : Z_NO_FLUSH);
	*in_used = ilen - z->avail_in;
	*out_made = olen - z->avail_out;
	switch (ret) {
	case Z_STREAM_END:
		return CODEC_END;
	case Z_OK:
	case Z_BUF_ERROR:
		break;
	default:
		return CODEC_ERROR; /* Z_DATA_ERROR, Z_MEM_ERROR, ... */
	}
	if (c->inflate && last && z->avail_in == 0 && z->avail_out > 0)
		return CODEC_ERROR;
	return CODEC_OK;
}

/* deflateReset and inflateReset keep the window and the settings. */
static int
zlib_reset(struct codec *c)
{
	int r = c->inflate ? inflateReset(&c->u.z) : deflateReset(&c->u.z);

	if (r != Z_OK) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static void
zlib_end(struct codec *c)
{
	if (c->inflate)
		inflateEnd(&c->u.z);
	else
		deflateEnd(&c->u.z);
}
#endif /* !HAVE_ISAL */
