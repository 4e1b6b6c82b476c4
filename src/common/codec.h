/*
 * The gzip codec behind one small interface, so a faster backend (ISA-L)
 * can sit beside zlib.  Streams only: memory is the codec's fixed state
 * whatever the input length.
 */
#ifndef HAUL_CODEC_H
#define HAUL_CODEC_H

#include <stddef.h>
#include <stdint.h>

struct codec;

enum codec_status {
	CODEC_OK = 0, /* progress made; call again with more input/space */
	CODEC_END,    /* stream finished (deflate: trailer written) */
	CODEC_ERROR,  /* corrupt input or internal failure */
};

/* Name of the backend compiled in, for -V ("zlib 1.2.13"). */
const char *codec_name(void);

/*
 * A gzip-wrapped deflate stream at level 1..9; NULL with errno on
 * allocation failure (ENOMEM) or a level out of range (EINVAL).
 */
struct codec *codec_deflate_new(int level);
/* A gzip inflate stream (one member; a zlib or raw stream is an error). */
struct codec *codec_inflate_new(void);
/*
 * Start a new stream of the same kind and level, reusing the memory: a
 * deflate stream that is reset writes a complete new gzip member, an
 * inflate stream expects one.  Cheap (no allocation, no zeroing of the
 * large buffers), so a caller that makes many streams keeps a few codecs
 * and resets them.  Works whatever state the stream is in (finished,
 * failed or half way).  0, or -1 with errno (the codec then stays in
 * CODEC_ERROR).
 */
int codec_reset(struct codec *);
void codec_free(struct codec *);

/*
 * Feed in_len bytes and produce at most out_len bytes.  finish = 1 tells a
 * deflate stream that no more input follows (call until CODEC_END).
 * *in_used and *out_made say what was consumed and produced (either
 * pointer may be NULL).  CODEC_OK with nothing used means the call needs
 * input or output space.  On inflate, CODEC_END comes at the end of the
 * gzip member and *in_used says where that was: bytes after it are the
 * caller's concern; finish = 1 says the input is complete, so a stream
 * that ends short of its trailer with output space to spare is
 * CODEC_ERROR (truncated).  CODEC_END and CODEC_ERROR are sticky: later
 * calls return them again and use nothing.
 */
enum codec_status codec_run(struct codec *, const void *in, size_t in_len,
    size_t *in_used, void *out, size_t out_len, size_t *out_made, int finish);

/* Bytes of input consumed and output produced so far. */
uint64_t codec_total_in(const struct codec *);
uint64_t codec_total_out(const struct codec *);

#endif
