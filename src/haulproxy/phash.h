/*
 * The digest of a download's part file, computed as it grows: a thread
 * hashes the contiguous prefix of written chunks while the rest is still
 * being fetched, so that verifying the finished file (SPEC "Integrity")
 * costs only the hash of its last chunks.  See phash.c.
 */
#ifndef HAUL_PHASH_H
#define HAUL_PHASH_H

#include <stdint.h>

struct phash;

/*
 * Hash the file open as fd (a duplicate is kept) from byte 0, SHA-256
 * and, with sha512, SHA-512 too.  NULL when a thread cannot be had (the
 * caller then reads the file back at the end).
 */
struct phash *phash_new(int fd, int sha512);
/* Bytes [0, upto) of the file are written: hash them when it can. */
void phash_advance(struct phash *, uint64_t upto);
/*
 * Wait until [0, size) is hashed and give the digests (sha512 may be
 * NULL): 0, or -1 when a read failed or the file was shorter.  Once only.
 */
int phash_finish(struct phash *, uint64_t size, unsigned char *sha256,
    unsigned char *sha512);
/* Stop the thread and free it all; NULL is fine. */
void phash_free(struct phash *);

#endif
