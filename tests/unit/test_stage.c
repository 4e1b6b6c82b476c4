/*
 * Unit tests for stage.c, a chunk's staging window and inflate step: an
 * identity body in pieces, flushed in whole windows; too long, too short,
 * a failing flush; a gzip body (made with codec.c's deflate) that is
 * right, longer than asked, followed by more data, cut short or corrupt.
 * fuzz_inflate drives the same functions with arbitrary bodies.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "stage.h"
#include "unit.h"

#define WINDOW 4

struct sink {
	char file[4096];
	size_t len;
	char sizes[128]; /* the flushes' sizes, "4 4 2" */
	int fail_at;     /* the flush that fails, 1-based; 0: none */
	int nflush;
};

static int
sink_flush(void *arg, const char *p, size_t n)
{
	struct sink *s = arg;
	size_t k = strlen(s->sizes);

	if (++s->nflush == s->fail_at)
		return -1;
	snprintf(s->sizes + k, sizeof(s->sizes) - k, "%s%zu", k ? " " : "", n);
	memcpy(s->file + s->len, p, n);
	s->len += n;
	return 0;
}

static void
setup(struct stage *st, char *buf, struct sink *s, uint64_t want)
{
	memset(s, 0, sizeof(*s));
	memset(st, 0, sizeof(*st));
	st->buf = buf;
	st->size = WINDOW;
	st->flush = sink_flush;
	st->arg = s;
	stage_start(st, want);
}

struct take_case {
	const char *name;
	uint64_t want;
	const char *pieces[4]; /* NULL-terminated */
	int fail_at;
	enum stage_err want_err; /* of the first piece that fails, or end */
	const char *file;        /* what reached the part file */
	const char *sizes;
};

static const struct take_case take_cases[] = {
    {"pieces of any size, whole windows", 10, {"abc", "defgh", "ij", NULL}, 0,
        STAGE_OK, "abcdefghij", "4 4 2"},
    {"one piece, several windows", 9, {"abcdefghi", NULL}, 0, STAGE_OK,
        "abcdefghi", "4 4 1"},
    {"an empty chunk", 0, {NULL}, 0, STAGE_OK, "", ""},
    {"longer than asked", 3, {"ab", "cd", NULL}, 0, STAGE_LONG, "", ""},
    {"short", 5, {"abc", NULL}, 0, STAGE_SHORT, "abc", "3"},
    {"the flush fails", 8, {"abcdefgh", NULL}, 1, STAGE_FLUSH, "", ""},
    {"the last flush fails", 6, {"abcdef", NULL}, 2, STAGE_FLUSH, "abcd", "4"},
};

static void
test_take(void)
{
	char buf[WINDOW];
	struct stage st;
	struct sink s;
	enum stage_err e;
	size_t i, k;

	for (i = 0; i < sizeof(take_cases) / sizeof(take_cases[0]); i++) {
		const struct take_case *t = &take_cases[i];
		int before = unit_failures;

		setup(&st, buf, &s, t->want);
		s.fail_at = t->fail_at;
		e = STAGE_OK;
		for (k = 0; t->pieces[k] != NULL && e == STAGE_OK; k++)
			e = stage_take(&st, t->pieces[k], strlen(t->pieces[k]));
		if (e == STAGE_OK)
			e = stage_end(&st, NULL);
		s.file[s.len] = '\0';
		CHECK_INT(e, t->want_err);
		CHECK_STR(s.file, t->file);
		CHECK_STR(s.sizes, t->sizes);
		if (unit_failures != before)
			fprintf(stderr, "  row: %s\n", t->name);
	}
}

/* A gzip member of text, in out; its length. */
static size_t
gzip(const char *text, unsigned char *out, size_t room)
{
	struct codec *z = codec_deflate_new(6);
	size_t used, made, len = 0;
	enum codec_status st;

	if (z == NULL)
		return 0;
	codec_run(z, text, strlen(text), &used, out, room, &made, 0);
	len += made;
	do {
		st = codec_run(
		    z, NULL, 0, NULL, out + len, room - len, &made, 1);
		len += made;
	} while (st == CODEC_OK && made > 0);
	codec_free(z);
	return st == CODEC_END ? len : 0;
}

enum gz_damage { GZ_NONE, GZ_TRAILING, GZ_CUT, GZ_CORRUPT };

struct gz_case {
	const char *name;
	uint64_t want;
	enum gz_damage damage;
	enum stage_err want_err;
};

#define TEXT "to be or not to be, that is the question; to be or not"

static const struct gz_case gz_cases[] = {
    {"right", sizeof(TEXT) - 1, GZ_NONE, STAGE_OK},
    {"decodes longer than asked (a bomb)", 10, GZ_NONE, STAGE_LONG},
    {"decodes shorter than asked", sizeof(TEXT), GZ_NONE, STAGE_SHORT},
    {"data after the member", sizeof(TEXT) - 1, GZ_TRAILING, STAGE_TRAILING},
    {"cut before its trailer", sizeof(TEXT) - 1, GZ_CUT, STAGE_EARLY},
    {"a corrupt header", sizeof(TEXT) - 1, GZ_CORRUPT, STAGE_CORRUPT},
};

static void
test_inflate(void)
{
	unsigned char body[512];
	char buf[WINDOW];
	struct stage st;
	struct sink s;
	struct codec *z;
	enum stage_err e;
	size_t i, len, off, n;

	for (i = 0; i < sizeof(gz_cases) / sizeof(gz_cases[0]); i++) {
		const struct gz_case *t = &gz_cases[i];
		int before = unit_failures;

		len = gzip(TEXT, body, sizeof(body) - 8);
		CHECK(len > 18);
		if (t->damage == GZ_TRAILING)
			body[len++] = 'x';
		else if (t->damage == GZ_CUT)
			len -= 8;
		else if (t->damage == GZ_CORRUPT)
			body[2] = 7; /* CM: not deflate */
		setup(&st, buf, &s, t->want);
		z = codec_inflate_new();
		e = STAGE_OK;
		/* In pieces of 5 bytes into a window of 4. */
		for (off = 0; off < len && e == STAGE_OK; off += n) {
			n = len - off < 5 ? len - off : 5;
			e = stage_inflate(&st, z, (char *)body + off, n);
		}
		if (e == STAGE_OK)
			e = stage_end(&st, z);
		CHECK_INT(e, t->want_err);
		if (t->want_err == STAGE_OK) {
			CHECK_INT(s.len, sizeof(TEXT) - 1);
			CHECK(memcmp(s.file, TEXT, sizeof(TEXT) - 1) == 0);
		}
		codec_free(z);
		if (unit_failures != before)
			fprintf(stderr, "  row: %s\n", t->name);
	}
}

static const struct unit_test tests[] = {
    {"identity bodies", test_take},
    {"gzip bodies", test_inflate},
};

UNIT_MAIN(tests)
