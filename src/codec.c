/*
 * The gzip codec: one streaming interface over a backend chosen at build
 * time.  zlib is the backend today and always the fallback; a faster one
 * (ISA-L igzip, behind HAVE_ISAL) is meant to sit beside it as a second
 * struct codec_backend and a member of the state union, nothing more.
 * This file owns the common rules (sticky end and error states, totals,
 * argument checks), the backends only move bytes.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#define ZLIB_CONST /* const next_in: no casts from the caller's input */
#include <zlib.h>

#include "codec.h"

/* zlib: a gzip wrapper (RFC 1952) round a raw deflate stream. */
#define ZLIB_GZIP_WBITS (15 + 16)
#define ZLIB_MEM_LEVEL 8

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
	void (*end)(struct codec *);
};

struct codec {
	const struct codec_backend *be;
	int inflate;              /* 1: inflate stream, 0: deflate */
	enum codec_status status; /* CODEC_OK until END or ERROR */
	uint64_t total_in;
	uint64_t total_out;
	union {
		z_stream z;
		/* HAVE_ISAL: struct isal_zstream, struct inflate_state */
	} u;
};

static struct codec *codec_new(int, int);
static int zlib_deflate_init(struct codec *, int);
static int zlib_inflate_init(struct codec *);
static enum codec_status zlib_run(struct codec *, const unsigned char *, size_t,
    size_t *, unsigned char *, size_t, size_t *, int);
static void zlib_end(struct codec *);

static const struct codec_backend zlib_backend = {
    "zlib " ZLIB_VERSION,
    zlib_deflate_init,
    zlib_inflate_init,
    zlib_run,
    zlib_end,
};

/*
 * The backend every stream uses.  With HAVE_ISAL this becomes
 * &isal_backend (same gzip format, same rules), zlib_backend staying as
 * the fallback.
 */
static const struct codec_backend *const backend = &zlib_backend;

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

static void
zlib_end(struct codec *c)
{
	if (c->inflate)
		inflateEnd(&c->u.z);
	else
		deflateEnd(&c->u.z);
}
