/*
 * A byte range of a file as a gzip stream, produced piecewise with bounded
 * memory (two 128 KiB buffers plus the codec's state) whatever the range
 * length.  Framed as HTTP/1.1 chunks when asked, so a caller writes the
 * pieces as they come.  A closed stream's memory is kept for the next
 * one (at most two per process, see gzip.c), so opening one usually
 * allocates nothing.
 */
#ifndef HAUL_GZIP_H
#define HAUL_GZIP_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

struct gzip_stream;

/* A stream over fd's bytes [off, off + len); NULL on allocation failure. */
struct gzip_stream *gzip_open(
    int fd, off_t off, off_t len, int level, int chunked);
void gzip_close(struct gzip_stream *);

/*
 * The bytes ready to be written, producing more when none are pending.
 * Returns 1 with *p, *len set, 0 at the end of the body, -1 on a read or
 * codec error (errno set; the response cannot be completed).
 */
int gzip_pending(struct gzip_stream *, const char **p, size_t *len);
/* n of the pending bytes were written. */
void gzip_consume(struct gzip_stream *, size_t n);

uint64_t gzip_bytes_in(const struct gzip_stream *);
uint64_t gzip_bytes_out(const struct gzip_stream *);

#endif
