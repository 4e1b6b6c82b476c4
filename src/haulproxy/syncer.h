/*
 * A download's disk work off the event loop: a thread that starts
 * write-back of the ranges just written and runs the batch fdatasync,
 * telling the loop when a batch is on disk.  See syncer.c.
 */
#ifndef HAUL_SYNCER_H
#define HAUL_SYNCER_H

#include <stdint.h>

struct event_base;
struct syncer;

/*
 * A thread for the file open as fd (a duplicate is kept).  done(arg, err)
 * runs on base's loop when a syncer_sync has ended: err 0, or the errno
 * of the fdatasync.  NULL when a thread or a pipe cannot be had (the
 * caller then does its disk work itself).
 */
struct syncer *syncer_new(struct event_base *base, int fd,
    void (*done)(void *arg, int err), void *arg);
/* Bytes [off, off + len) were written: start their write-back. */
void syncer_writeback(struct syncer *, uint64_t off, uint64_t len);
/* fdatasync the file once what was asked before is done. */
void syncer_sync(struct syncer *);
/*
 * Wait until no fdatasync is asked or running.  0, or the errno of one
 * that ended and that done() has not been given: it will not be.
 */
int syncer_wait(struct syncer *);
/* Stop the thread and free it all; NULL is fine. */
void syncer_free(struct syncer *);

#endif
