/*
 * Small helpers: allocation that dies with a message (setup code only),
 * file descriptor flags, monotonic time, and a growable text buffer.
 */
#ifndef HAUL_UTIL_H
#define HAUL_UTIL_H

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
char *xstrdup(const char *);

int fd_cloexec(int);
int fd_nonblock(int);

/*
 * Start writing [off, off + len) of fd back to disk without waiting for
 * it (Linux sync_file_range; elsewhere nothing), so that a later
 * fdatasync finds little left to write: disk and network then overlap
 * instead of taking turns.  Durability still comes only from fdatasync.
 */
void fd_writeback(int fd, uint64_t off, uint64_t len);

/*
 * pthread_create, the new thread with every signal blocked: the loop's
 * handlers stay the loop's.  0, or pthread_create's error number.
 */
int thread_start(
    pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t now_ms(void);

/*
 * Parameter name=VALUE of the query q[0..len) ("a=1&b=2", no '?'): 1
 * with the value in *val[0..*vlen) when it is there once, 0 when absent,
 * -1 when there twice or as a bare name.
 */
int query_param(const char *q, size_t len, const char *name, const char **val,
    size_t *vlen);

/* A growable byte buffer; on allocation failure it sets failed and stops. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	int failed;
};

void buf_init(struct buf *);
void buf_free(struct buf *);
void buf_reset(struct buf *);
int buf_add(struct buf *, const void *, size_t);
int buf_printf(struct buf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
/* buf_add of a C string. */
int buf_adds(struct buf *, const char *);

/*
 * v in decimal at dst (room for 20 digits and a NUL), NUL-terminated: its
 * length.  For the hot paths that would otherwise call printf for a number.
 */
size_t fmt_u64(char *dst, uint64_t v);
/* The same in lower-case hex (room for 16 digits and a NUL). */
size_t fmt_x64(char *dst, uint64_t v);
/*
 * src[0..n) to dst as snprintf(dst, len, "%s", src) would, truncated to
 * len - 1 bytes and NUL-terminated when len > 0: returns n, as an int.
 */
int copy_out(char *dst, size_t len, const char *src, size_t n);

#endif
