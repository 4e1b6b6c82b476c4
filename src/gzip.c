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

#define GZ_IN (64 * 1024)
#define GZ_OUT (64 * 1024)
#define GZ_HDR 16	/* room for "ffffffff\r\n" before the data */
#define GZ_TAIL 8	/* "\r\n0\r\n\r\n" */

struct gzip_stream {
	struct codec *codec;
	int fd;
	off_t off;		/* next file byte to read */
	off_t left;		/* file bytes not yet read */
	int chunked;
	int finished;		/* codec returned CODEC_END */
	int done;		/* nothing more to hand out */
	unsigned char in[GZ_IN];
	size_t in_pos, in_len;
	char out[GZ_HDR + GZ_OUT + GZ_TAIL];
	size_t pend_off, pend_len;	/* pending window of out[] */
};

struct gzip_stream *
gzip_open(int fd, off_t off, off_t len, int level, int chunked)
{
	struct gzip_stream *gz;

	if ((gz = calloc(1, sizeof(*gz))) == NULL)
		return NULL;
	if ((gz->codec = codec_deflate_new(level)) == NULL) {
		free(gz);
		return NULL;
	}
	gz->fd = fd;
	gz->off = off;
	gz->left = len;
	gz->chunked = chunked;
	return gz;
}

void
gzip_close(struct gzip_stream *gz)
{
	if (gz == NULL)
		return;
	codec_free(gz->codec);
	free(gz);
}

/* Fill out[] with the next piece; 0 ok, -1 error. */
static int
gzip_produce(struct gzip_stream *gz)
{
	char *data = gz->out + GZ_HDR;
	size_t made = 0, used, n;
	enum codec_status st;
	ssize_t r;
	char hex[GZ_HDR];
	int hl, finish;

	while (made < GZ_OUT && !gz->finished) {
		if (gz->in_pos == gz->in_len && gz->left > 0) {
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
		}
		finish = gz->left == 0;
		st = codec_run(gz->codec, gz->in + gz->in_pos,
		    gz->in_len - gz->in_pos, &used, data + made,
		    GZ_OUT - made, &n, finish);
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
			errno = EIO;	/* codec stalled with room and input */
			return -1;
		}
	}
	if (!gz->chunked) {
		gz->pend_off = GZ_HDR;
		gz->pend_len = made;
	} else {
		if (made > 0) {
			hl = snprintf(hex, sizeof(hex), "%zx\r\n", made);
			memcpy(gz->out + GZ_HDR - hl, hex, (size_t)hl);
			gz->pend_off = GZ_HDR - (size_t)hl;
			memcpy(data + made, "\r\n", 2);
			gz->pend_len = (size_t)hl + made + 2;
		} else {
			gz->pend_off = GZ_HDR;
			gz->pend_len = 0;
		}
		if (gz->finished) {
			memcpy(gz->out + gz->pend_off + gz->pend_len,
			    "0\r\n\r\n", 5);
			gz->pend_len += 5;
		}
	}
	if (gz->finished)
		gz->done = 1;
	return 0;
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
