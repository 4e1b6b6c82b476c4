/*
 * What the parts of the download engine share, and nobody else sees:
 * struct download (one file's life, download.c) and struct fetcher (one
 * connection fetching one chunk at a time, fetch.c).  The pure parts
 * have headers of their own: sched.h (chunk states, what is fetched
 * next), gzauto.h (the --gzip auto trial) and stage.h (a chunk's body on
 * its way to disk).
 *
 * Reentrancy: libevent and hclient call us from inside their own
 * callbacks, where a connection must not be freed.  Callbacks therefore
 * only record what happened and kick the download's tick event; tearing
 * down, restarting, finishing and scheduling happen in download.c's
 * tick, outside them.
 */
#ifndef HAUL_DLPRIV_H
#define HAUL_DLPRIV_H

#include <sys/queue.h>

#include <stdint.h>

#include "digest.h"
#include "download.h"
#include "gzauto.h"
#include "hclient.h"
#include "journal.h"
#include "sched.h"
#include "stage.h"
#include "stats.h"
#include "util.h"

/*
 * A fetcher's staging window, so each pwrite(2) is 32 KiB.  Larger writes
 * make the kernel fill larger page-cache folios, taken from the large
 * free blocks that this VM's balloon hands back to the host, and each
 * first touch of those faults in the host: 1 GiB --fetch from hauld, 8
 * alternating runs, 128 KiB writes 0.54-1.38 s (half of them over 1 s,
 * the time in copy_folio_from_iter_atomic), 32 KiB 0.56-0.70 s; over
 * https against curl's 0.86-1.02 s, 32 KiB 0.76-0.95 s, 64 KiB 0.81-1.37.
 */
#define STAGE_SIZE (32 * 1024)

enum dl_state {
	DL_HEAD,    /* asking HEAD */
	DL_PREPARE, /* HEAD answered: the tick looks at what is stored */
	DL_RUN,     /* fetching chunks */
	DL_REHEAD,  /* all in, the first HEAD had no digest: asking again */
	DL_DONE,
};

struct fetcher {
	struct download *d;
	struct dl_origin *org; /* the origin of hc and of the chunk */
	struct hc_conn *hc;
	int busy;            /* a request in flight */
	struct event *timer; /* back-off before a retry */
	int64_t chunk;       /* -1: idle */
	uint64_t off, len;
	uint64_t flushed; /* bytes written to the part file */
	uint32_t crc;     /* CRC-32 of the bytes flushed */
	struct stage st;  /* decoded bytes taken: st.got */
	struct buf rq;    /* the request, rebuilt per chunk */
	int asked_gzip, gzip_body;
	enum gzauto_role role;
	struct codec *inflate;
	enum why why;
	char msg[160];
};

/* The HEAD that starts (and restarts) a download, over hclient. */
struct head {
	struct hc_conn *hc;
	struct buf rq;
	int busy;        /* a request in flight */
	int code;        /* the answer's status; 0 before one came */
	char bad[64];    /* what was wrong with a 200, or "" */
	enum hc_err err; /* how it ended, when code is 0 */
	char why[160];
};

/*
 * One origin of a download.  Its HEAD says whether it takes part ("in":
 * it answered 200 with the reference's size and no other digest); its
 * chunks are asked with its own validator; a failure benches it for a
 * back-off that doubles from 1 s to 60 s (SPEC "Several origins").
 */
struct dl_origin {
	struct download *d;
	struct origin o;
	char url[300]; /* scheme://host:port, for logs and reports */
	int in;
	struct head head;
	uint64_t size;
	char validator[JOURNAL_VALIDATOR_MAX + 1];
	int validator_is_etag;
	struct digest_set dg;
	unsigned bench_n;     /* failures in a row */
	uint64_t bench_until; /* now_ms() before which it gets no chunk */
	uint64_t bytes, chunks, failures;
	struct stats_origin *total; /* since start: /metrics, haulstat */
};

struct waiter {
	TAILQ_ENTRY(waiter) entry;
	dl_done_cb cb;
	void *arg;
	int has_want; /* the caller gave a sha256 */
	unsigned char want[DIGEST_SHA256_LEN];
};

struct download {
	TAILQ_ENTRY(download) entry;
	struct dl_origin org[DL_MAX_ORIGINS];
	unsigned norg;
	unsigned ref;             /* the reference origin */
	unsigned head_tries;      /* rounds of HEADs that found none */
	struct event *head_timer; /* back-off before the next round */
	char *rpath, *final, *part, *jpath, *name;
	int part_fd, jfd;
	enum dl_state state;
	struct journal j;     /* what is on disk; see download_sync */
	struct chunk *chunks; /* j.nchunks of them */
	uint32_t ndone;       /* chunks durable */
	uint32_t nwritten;    /* chunks written, not yet synced */
	int syncing;          /* an fdatasync runs in sy for CHUNK_SYNCING */
	struct syncer *sy;    /* write-back and fdatasync off the loop */
	uint32_t cursor;      /* where sched_next looks first */
	uint64_t unsynced_bytes;
	uint64_t size;
	char validator[JOURNAL_VALIDATOR_MAX + 1];
	int validator_is_etag;
	uint64_t resumed_from, fetched, t0_ms;
	uint64_t done_bytes; /* written or durable */
	unsigned restarts;
	int gzip_ok;                 /* origin compresses ranges properly */
	unsigned gzip_plain_answers; /* asked gzip, got identity */
	struct gzauto gz;
	struct fetcher *f; /* --parallel of them */
	struct event *tick, *sync_timer;
	int fail_status; /* set: answer waiters and free */
	char fail_msg[256];
	int restart;                 /* set: start over from HEAD */
	struct digest_set origin_dg; /* the HEAD's Repr-Digest, if any */
	unsigned digest_restarts;    /* starts over for a mismatch: 1 max */
	int reheaded;                /* the HEAD before the rename was sent */
	struct phash *ph;            /* hashing the part file as it grows */
	uint32_t hash_next;          /* first chunk not handed to ph */
	int have_actual;             /* actual is the finished file's */
	unsigned char actual[DIGEST_SHA256_LEN];
	TAILQ_HEAD(, waiter) waiters;
};

extern struct dl_conf download_conf;

/* download.c */
void download_kick(struct download *);
void download_fail(struct download *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));
int download_sync(struct download *);
uint64_t download_chunk_len(const struct download *, uint32_t);
/* Chunk c is in the part file (crc of its len bytes): sync it soon. */
void download_written(struct download *, uint32_t c, uint32_t crc);
/* Bytes [off, off + len) of the part file were written: start the disk. */
void download_writeback(struct download *, uint64_t off, uint64_t len);

/* The origin that answers for the download as a whole. */
static inline struct dl_origin *
download_ref(struct download *d)
{
	return &d->org[d->ref];
}
/* origins.c */
/* An origin stops taking part in this download, said in the log. */
void download_origin_out(struct dl_origin *, const char *why);
/* The origins taking part, benched or not. */
unsigned download_origins_in(const struct download *);
void origins_init(struct download *, const struct origin *, unsigned n);
void origins_teardown(struct download *);
void origins_free(struct download *);
/* DL_HEAD: HEAD every origin, then DL_PREPARE; DL_REHEAD: the reference. */
void origins_head(struct download *);
struct dl_origin *origin_pick(struct download *, unsigned seat);
void origin_good(struct dl_origin *);
void origin_bytes(struct dl_origin *, uint64_t);
/* 1: the origin is out, ask the chunk elsewhere now; 0: retry as usual. */
int origin_failed(struct dl_origin *, enum why, const char *msg);
void origins_status_json(struct download *, struct buf *);

/* fetch.c */
void fetch_init(struct fetcher *, struct download *);
/* Stop: no request, no timer, no connection; memory kept for reuse. */
void fetch_close(struct fetcher *);
void fetch_free(struct fetcher *);
void fetch_start(struct fetcher *, uint32_t chunk);
/* CRC-32 as zlib computes it (ISA-L's is the same, several times faster). */
uint32_t fetch_crc(uint32_t crc, const void *, size_t);

#endif
