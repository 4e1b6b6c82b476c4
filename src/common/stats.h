/*
 * The shared-memory stats region: a versioned header, then one slot per
 * worker on its own cache lines, then a block of retired totals.  Workers
 * write only their slot's counters (relaxed atomics); the master writes
 * the header and each slot's pid, state and generation.  Readers (haulstat,
 * /metrics) copy and sum with atomic loads and tolerate concurrent updates.
 *
 *   offset 0            struct stats_header   (STATS_HEADER_SIZE bytes)
 *   then                struct stats_slot[slot_count]
 *   then                struct stats_slot     retired totals
 *   then                struct stats_origin[origin_count]   (haulproxy)
 *
 * The origins table (haulproxy only; hauld's origin_count is 0) counts
 * per origin URL since start (SPEC "Several origins"): an entry is
 * claimed by writing its URL, once, by the one process that writes it.
 */
#ifndef HAUL_STATS_H
#define HAUL_STATS_H

#include <sys/types.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "stats_fields.h"
#include "util.h"

#define STATS_MAGIC 0x4c554148u /* "HAUL" little-endian */
#define STATS_VERSION 4u
#define STATS_ORIGINS 16     /* haulproxy's origins table */
#define STATS_ORIGIN_URL 104 /* a URL, NUL-terminated; "" is free */
#define STATS_HEADER_SIZE 128

enum stats_kind { STATS_KIND_HAULD = 1, STATS_KIND_PROXY = 2 };
enum stats_who { STATS_D = 1, STATS_P = 2, STATS_DP = 3 };
enum stats_type { COUNTER, GAUGE };

enum stats_field {
#define X(name, who, type, help) STATS_##name,
	STATS_FIELDS(X)
#undef X
	    STATS_NFIELDS
};

/* The per-slot columns (STATS_SLOT_FIELDS), in the order shown. */
enum {
#define Y(name, heading, width) STATS_SLOTCOL_##name,
	STATS_SLOT_FIELDS(Y)
#undef Y
	    STATS_NSLOTCOLS
};

struct stats_column {
	enum stats_field field;
	const char *heading;
	int width;
};

enum stats_state {
	SLOT_FREE = 0,
	SLOT_STARTING,
	SLOT_RUNNING,
	SLOT_STOPPING,
};

struct stats_header {
	uint32_t magic;
	uint32_t version;
	uint32_t header_size;
	uint32_t slot_size;
	uint32_t slot_count;
	uint32_t nfields;
	uint32_t kind;
	uint32_t origin_count;
	int64_t master_pid;
	int64_t start_time;               /* wall clock seconds */
	_Atomic uint64_t worker_restarts; /* written by the master */
	_Atomic uint32_t ready;           /* set last, with release order */
	_Atomic uint32_t retire_seq;      /* odd while a slot is retired */
};

struct stats_slot {
	_Alignas(64) _Atomic int64_t pid;
	_Atomic uint64_t generation;
	_Atomic uint32_t state;
	_Alignas(64) _Atomic uint64_t c[STATS_NFIELDS];
};

struct stats_origin {
	char url[STATS_ORIGIN_URL];
	_Atomic uint64_t bytes, chunks, failures;
};

struct stats_region {
	void *base;
	size_t map_len;
	struct stats_header *hdr;
	struct stats_slot *slots;
	struct stats_slot *retired;
	unsigned slot_count;
	struct stats_origin *origins;
	unsigned origin_count;
};

/* Field metadata, expanded from stats_fields.h. */
extern const char *const stats_field_name[STATS_NFIELDS];
extern const char *const stats_field_help[STATS_NFIELDS];
extern const unsigned char stats_field_who[STATS_NFIELDS];
extern const unsigned char stats_field_type[STATS_NFIELDS];
extern const struct stats_column stats_slot_columns[STATS_NSLOTCOLS];

/* One live slot as its rows show it. */
struct stats_row {
	long long pid;
	unsigned state;
	uint64_t v[STATS_NFIELDS];
};

/*
 * Create a region for slot_count slots.  path NULL: an anonymous shared
 * mapping (inherited across fork).  Otherwise the file is built under a
 * temporary name, filled, marked ready and renamed into place.  Returns 0
 * or -1 with errno.
 */
int stats_create(struct stats_region *, const char *path, enum stats_kind,
    unsigned slot_count);

/*
 * Map an existing stats file read-only and validate magic, version, sizes
 * and readiness.  Returns 0, or -1 with a message in err.
 */
int stats_attach(
    struct stats_region *, const char *path, char *err, size_t errlen);
void stats_detach(struct stats_region *);

/* Pure validation of a mapped region of len bytes (used by attach). */
int stats_validate(const void *base, size_t len, char *err, size_t errlen);

static inline void
stats_add(struct stats_slot *s, enum stats_field f, uint64_t n)
{
	if (s != NULL)
		atomic_fetch_add_explicit(&s->c[f], n, memory_order_relaxed);
}

static inline void
stats_sub(struct stats_slot *s, enum stats_field f, uint64_t n)
{
	if (s != NULL)
		atomic_fetch_sub_explicit(&s->c[f], n, memory_order_relaxed);
}

/*
 * The writer's entry for url (claimed when new); NULL when the table is
 * full or the region has none.
 */
struct stats_origin *stats_origin_for(struct stats_region *, const char *url);
/*
 * A reader's copy of origin entry i: its URL into url (urllen bytes) and
 * bytes, chunks, failures into v; 0, or -1 when the entry is free.
 */
int stats_origin_row(const struct stats_region *, unsigned i, char *url,
    size_t urllen, uint64_t v[3]);

/* Slot idx's row: 0, or -1 if the slot is free. */
int stats_slot_row(
    const struct stats_region *, unsigned idx, struct stats_row *);

/* Copy one slot's counters. */
void stats_slot_read(const struct stats_slot *, uint64_t out[STATS_NFIELDS]);

/* Totals: live slots plus the retired block (gauges: live slots only). */
void stats_totals(const struct stats_region *, uint64_t out[STATS_NFIELDS]);

/*
 * Master: fold a dead worker's counters into the retired block, zero the
 * slot, bump its generation and mark it free.  Gauges are not folded.
 */
void stats_slot_retire(struct stats_region *, unsigned idx);

/* Prometheus text exposition of the region. prefix: "hauld" or "haulproxy" */
int stats_format_metrics(const struct stats_region *, struct buf *);

/* The SIGUSR1 dump: totals, then one row per live slot. */
int stats_format_dump(const struct stats_region *, struct buf *);

/* JSON object with totals and per-slot rows (haulstat -j). */
int stats_format_json(const struct stats_region *, struct buf *);

const char *stats_state_name(unsigned);
const char *stats_kind_name(unsigned);

#endif
