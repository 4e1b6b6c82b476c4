/*
 * A chunk's staging window and inflate step (stage.h).  The flush is
 * called only with a full window or at the end, so a chunk reaches the
 * part file in window-sized writes.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "codec.h"
#include "stage.h"

void
stage_start(struct stage *s, uint64_t want)
{
	s->len = 0;
	s->want = want;
	s->got = 0;
}

int
stage_flush(struct stage *s)
{
	if (s->len > 0 && s->flush(s->arg, s->buf, s->len) == -1)
		return -1;
	s->len = 0;
	return 0;
}

enum stage_err
stage_take(struct stage *s, const char *p, size_t n)
{
	size_t room;

	if (n > s->want - s->got)
		return STAGE_LONG;
	s->got += n;
	while (n > 0) {
		if (s->len == s->size && stage_flush(s) == -1)
			return STAGE_FLUSH;
		room = s->size - s->len;
		if (room > n)
			room = n;
		memcpy(s->buf + s->len, p, room);
		s->len += room;
		p += room;
		n -= room;
	}
	return STAGE_OK;
}

enum stage_err
stage_inflate(struct stage *s, struct codec *z, const char *p, size_t left)
{
	enum codec_status st;
	size_t used, made;

	while (left > 0) {
		if (s->len == s->size && stage_flush(s) == -1)
			return STAGE_FLUSH;
		st = codec_run(z, p, left, &used, s->buf + s->len,
		    s->size - s->len, &made, 0);
		if (st == CODEC_ERROR)
			return STAGE_CORRUPT;
		/* SPEC: stop inflating at the range length (a bomb). */
		if (made > s->want - s->got)
			return STAGE_LONG;
		s->got += made;
		s->len += made;
		p += used;
		left -= used;
		if (st == CODEC_END && left > 0)
			return STAGE_TRAILING;
		if (used == 0 && made == 0 && s->len < s->size)
			return STAGE_STALLED;
	}
	return STAGE_OK;
}

/*
 * The stream must end here, its CRC and length checked; a codec may
 * still hold decoded bytes (ISA-L reads ahead), so give it room.
 */
static enum stage_err
stage_drain(struct stage *s, struct codec *z)
{
	enum codec_status st;
	size_t made;

	for (;;) {
		if (s->len == s->size && stage_flush(s) == -1)
			return STAGE_FLUSH;
		st = codec_run(z, NULL, 0, NULL, s->buf + s->len,
		    s->size - s->len, &made, 1);
		if (made > s->want - s->got)
			return STAGE_LONG;
		s->got += made;
		s->len += made;
		if (st == CODEC_END)
			return STAGE_OK;
		if (st == CODEC_ERROR || made == 0)
			return STAGE_EARLY;
	}
}

enum stage_err
stage_end(struct stage *s, struct codec *z)
{
	enum stage_err e;

	if (z != NULL && (e = stage_drain(s, z)) != STAGE_OK)
		return e;
	if (stage_flush(s) == -1)
		return STAGE_FLUSH;
	if (s->got != s->want)
		return STAGE_SHORT;
	return STAGE_OK;
}
