/*
 * The SHA-256 of whole files, for Repr-Digest (SPEC "Integrity"),
 * computed off the event loop.  See hasher.c.
 */
#ifndef HAUL_HASHER_H
#define HAUL_HASHER_H

#include <sys/stat.h>

#include "digest.h"

struct stats_slot;

/* The name of the extended attribute that keeps a file's digest. */
#define HASHER_XATTR "user.haul.sha256"

/* Start the worker's hashing thread; counts go to slot.  0, or -1. */
int hasher_start(struct stats_slot *slot);

/*
 * The digest of the version st describes of the open file fd, into
 * sha256: 1 when known; 0 when not yet, and then the file is queued for
 * hashing (unless it is already, or the queue is full).  Never waits for
 * a hash: at most an fgetxattr(2) and a short lock.
 */
int hasher_lookup(int fd, const struct stat *st, unsigned char *sha256);

#endif
