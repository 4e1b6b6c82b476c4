/*
 * Per-range gzip for hauld.  SPEC.md: the range selects the file's
 * identity bytes and those bytes are then compressed, either as a
 * Content-Encoding (206 names the identity range) or, the standards-clean
 * way, as a transfer coding (TE: gzip, RFC 9112 7.4).  nginx and lighttpd
 * deliberately do not compress 206 responses; we do, on purpose.
 *
 * Each piece handed out is one HTTP/1.1 chunk when chunked:
 *   out[]: [ hex size CRLF ][ up to GZ_OUT deflated bytes ][ CRLF ]
 * and the last piece carries "0" CRLF CRLF after the final data chunk.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "gzip.h"

/*
 * 128 KiB of input a read: isal_deflate copies the start of each call's
 * input (up to its 32 KiB window and look-ahead) and the last 32 KiB (the
 * history for the next call) into its own buffer, a cost per call, so
 * larger calls compress faster: 128 KiB took 2 % less CPU per byte than
 * 64 KiB (256 KiB another 1 %, not worth the memory).  128 KiB of output:
 * a 512 KiB range of text (about 100 KiB gzipped) goes out in one send.
 */
#define GZ_IN (128 * 1024)
#define GZ_OUT (128 * 1024)
#define GZ_HDR 16 /* room for "ffffffff\r\n" before the data */
#define GZ_TAIL 8 /* "\r\n0\r\n\r\n" */

struct gzip_stream {
	struct gzip_stream *next_idle; /* in gz_idle, when idle */
	struct codec *codec;
	int level;
	int fd;
	off_t off;  /* next file byte to read */
	off_t left; /* file bytes not yet read */
	int chunked;
	int finished; /* codec returned CODEC_END */
	int done;     /* nothing more to hand out */
	unsigned char in[GZ_IN];
	size_t in_pos, in_len;
	char out[GZ_HDR + GZ_OUT + GZ_TAIL];
	size_t pend_off, pend_len; /* pending window of out[] */
};

static int gzip_refill(struct gzip_stream *);
static void gzip_frame(struct gzip_stream *, size_t);

/*
 * Streams whose response has ended, kept for the next one in this process
 * (a hauld worker is one process with one thread).  A new stream costs
 * about half a megabyte of allocations, which the allocator may hand out
 * as fresh pages to fault in, and the codec's set-up; a reused one only
 * a codec_reset.  A connection holds a stream only while its response is
 * in flight, and at most GZ_IDLE wait here: a worker that has served gzip
 * keeps up to GZ_IDLE * (sizeof(struct gzip_stream) + the codec's state),
 * about 1.2 MiB, whatever its connections.  (hauld compresses a piece
 * only when the socket has taken the last one, so a worker seldom has
 * more than one stream in flight: in bench scenario c each had one.)
 */
#define GZ_IDLE 2
static struct gzip_stream *gz_idle;
static unsigned gz_nidle;

static void
gzip_free(struct gzip_stream *gz)
{
	codec_free(gz->codec);
	free(gz);
}

/* An idle stream at this level, or a new one; NULL with errno. */
static struct gzip_stream *
gzip_get(int level)
{
	struct gzip_stream *gz;

	while ((gz = gz_idle) != NULL) {
		gz_idle = gz->next_idle;
		gz_nidle--;
		/* Another level (not in hauld: it is fixed): let it go. */
		if (gz->level == level && codec_reset(gz->codec) == 0)
			return gz;
		gzip_free(gz);
	}
	/* Not calloc: the buffers are written before they are read. */
	if ((gz = malloc(sizeof(*gz))) == NULL)
		return NULL;
	if ((gz->codec = codec_deflate_new(level)) == NULL) {
		free(gz);
		return NULL;
	}
	gz->level = level;
	return gz;
}

struct gzip_stream *
gzip_open(int fd, off_t off, off_t len, int level, int chunked)
{
	struct gzip_stream *gz;

	if ((gz = gzip_get(level)) == NULL)
		return NULL;
	gz->next_idle = NULL;
	gz->fd = fd;
	gz->off = off;
	gz->left = len;
	gz->chunked = chunked;
	gz->finished = 0;
	gz->done = 0;
	gz->in_pos = gz->in_len = 0;
	gz->pend_off = gz->pend_len = 0;
	return gz;
}

void
gzip_close(struct gzip_stream *gz)
{
	if (gz == NULL)
		return;
	if (gz_nidle >= GZ_IDLE) {
		gzip_free(gz);
		return;
	}
	gz->fd = -1;
	gz->next_idle = gz_idle;
	gz_idle = gz;
	gz_nidle++;
}

/* Fill out[] with the next piece; 0 ok, -1 error. */
static int
gzip_produce(struct gzip_stream *gz)
{
	char *data = gz->out + GZ_HDR;
	size_t made = 0, used, n;
	enum codec_status st;

	while (made < GZ_OUT && !gz->finished) {
		if (gz->in_pos == gz->in_len && gz->left > 0 &&
		    gzip_refill(gz) == -1)
			return -1;
		st = codec_run(gz->codec, gz->in + gz->in_pos,
		    gz->in_len - gz->in_pos, &used, data + made, GZ_OUT - made,
		    &n, gz->left == 0);
		if (st == CODEC_ERROR) {
			errno = EIO;
			return -1;
		}
		gz->in_pos += used;
		made += n;
		if (st == CODEC_END)
			gz->finished = 1;
		else if (used == 0 && n == 0 && made < GZ_OUT &&
		    gz->in_pos < gz->in_len) {
			errno = EIO; /* codec stalled with room and input */
			return -1;
		}
	}
	gzip_frame(gz, made);
	if (gz->finished)
		gz->done = 1;
	return 0;
}

/* Read the next GZ_IN (at most) of the range into in[]; 0 ok, -1 error. */
static int
gzip_refill(struct gzip_stream *gz)
{
	size_t n;
	ssize_t r;

	n = gz->left < GZ_IN ? (size_t)gz->left : GZ_IN;
	r = pread(gz->fd, gz->in, n, gz->off);
	if (r == -1)
		return -1;
	if (r == 0) {
		/* The file shrank under us. */
		errno = EIO;
		return -1;
	}
	gz->in_pos = 0;
	gz->in_len = (size_t)r;
	gz->off += r;
	gz->left -= r;
	return 0;
}

/*
 * Make the made deflated bytes at out[GZ_HDR] the pending piece: as they
 * are, or framed as a chunk (and the last chunk once finished).
 */
static void
gzip_frame(struct gzip_stream *gz, size_t made)
{
	char *data = gz->out + GZ_HDR;
	char hex[GZ_HDR];
	int hl;

	gz->pend_off = GZ_HDR;
	gz->pend_len = made;
	if (!gz->chunked)
		return;
	if (made > 0) {
		hl = snprintf(hex, sizeof(hex), "%zx\r\n", made);
		memcpy(gz->out + GZ_HDR - hl, hex, (size_t)hl);
		gz->pend_off = GZ_HDR - (size_t)hl;
		memcpy(data + made, "\r\n", 2);
		gz->pend_len = (size_t)hl + made + 2;
	}
	if (gz->finished) {
		memcpy(gz->out + gz->pend_off + gz->pend_len, "0\r\n\r\n", 5);
		gz->pend_len += 5;
	}
}

int
gzip_pending(struct gzip_stream *gz, const char **p, size_t *len)
{
	while (gz->pend_len == 0) {
		if (gz->done)
			return 0;
		if (gzip_produce(gz) == -1)
			return -1;
	}
	*p = gz->out + gz->pend_off;
	*len = gz->pend_len;
	return 1;
}

void
gzip_consume(struct gzip_stream *gz, size_t n)
{
	gz->pend_off += n;
	gz->pend_len -= n;
}

uint64_t
gzip_bytes_in(const struct gzip_stream *gz)
{
	return codec_total_in(gz->codec);
}

uint64_t
gzip_bytes_out(const struct gzip_stream *gz)
{
	return codec_total_out(gz->codec);
}
