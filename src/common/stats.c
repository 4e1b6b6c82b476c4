/*
 * Stats region: creation (anonymous or file-backed, published with a
 * ready flag and an atomic rename), read-only attachment with validation,
 * summing, and the three output formats (dump, Prometheus, JSON).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"

static size_t stats_map_len(unsigned, unsigned);
static void stats_bind(struct stats_region *, void *, size_t);
static void *stats_map_file(const char *, char *, size_t, size_t, int *);
static void stats_init_header(struct stats_header *, enum stats_kind, unsigned);

const char *const stats_field_name[STATS_NFIELDS] = {
#define X(name, who, type, help) #name,
    STATS_FIELDS(X)
#undef X
};
const char *const stats_field_help[STATS_NFIELDS] = {
#define X(name, who, type, help) help,
    STATS_FIELDS(X)
#undef X
};
const unsigned char stats_field_who[STATS_NFIELDS] = {
#define X(name, who, type, help) who,
    STATS_FIELDS(X)
#undef X
};
const unsigned char stats_field_type[STATS_NFIELDS] = {
#define X(name, who, type, help) type,
    STATS_FIELDS(X)
#undef X
};
const struct stats_column stats_slot_columns[STATS_NSLOTCOLS] = {
#define Y(name, heading, width) {STATS_##name, heading, width},
    STATS_SLOT_FIELDS(Y)
#undef Y
};

_Static_assert(sizeof(struct stats_header) <= STATS_HEADER_SIZE,
    "stats header outgrew its reserved size");
_Static_assert(sizeof(struct stats_slot) % 64 == 0,
    "stats slots must fill whole cache lines");

static size_t
stats_map_len(unsigned slot_count, unsigned origin_count)
{
	return STATS_HEADER_SIZE +
	    ((size_t)slot_count + 1) * sizeof(struct stats_slot) +
	    (size_t)origin_count * sizeof(struct stats_origin);
}

static void
stats_bind(struct stats_region *r, void *base, size_t len)
{
	r->base = base;
	r->map_len = len;
	r->hdr = base;
	r->slots = (struct stats_slot *)((char *)base + STATS_HEADER_SIZE);
	r->slot_count = r->hdr->slot_count;
	r->retired = &r->slots[r->slot_count];
	r->origin_count = r->hdr->origin_count;
	r->origins = (struct stats_origin *)(r->retired + 1);
}

/*
 * A file-backed region is built under tmp (path.tmp.PID) and renamed into
 * place once ready, so a reader never maps a half-made one.  Returns the
 * mapping and the open descriptor in *fdp, or MAP_FAILED with errno.
 */
static void *
stats_map_file(const char *path, char *tmp, size_t tmplen, size_t len, int *fdp)
{
	void *base;
	int saved;

	*fdp = -1;
	if ((size_t)snprintf(tmp, tmplen, "%s.tmp.%ld", path, (long)getpid()) >=
	    tmplen) {
		errno = ENAMETOOLONG;
		return MAP_FAILED;
	}
	if ((*fdp = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) ==
	    -1)
		return MAP_FAILED;
	if (ftruncate(*fdp, (off_t)len) == -1)
		base = MAP_FAILED;
	else
		base = mmap(
		    NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, *fdp, 0);
	if (base == MAP_FAILED) {
		saved = errno;
		close(*fdp);
		unlink(tmp);
		errno = saved;
	}
	return base;
}

static void
stats_init_header(
    struct stats_header *h, enum stats_kind kind, unsigned slot_count)
{
	h->magic = STATS_MAGIC;
	h->version = STATS_VERSION;
	h->header_size = STATS_HEADER_SIZE;
	h->slot_size = sizeof(struct stats_slot);
	h->slot_count = slot_count;
	h->nfields = STATS_NFIELDS;
	h->kind = kind;
	h->origin_count = kind == STATS_KIND_PROXY ? STATS_ORIGINS : 0;
	h->master_pid = getpid();
	h->start_time = time(NULL);
}

int
stats_create(struct stats_region *r, const char *path, enum stats_kind kind,
    unsigned slot_count)
{
	size_t len = stats_map_len(
	    slot_count, kind == STATS_KIND_PROXY ? STATS_ORIGINS : 0);
	char tmp[4096];
	void *base;
	int fd = -1, saved;

	memset(r, 0, sizeof(*r));
	if (path == NULL)
		base = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	else
		base = stats_map_file(path, tmp, sizeof(tmp), len, &fd);
	if (base == MAP_FAILED)
		return -1;
	memset(base, 0, len);
	stats_init_header(base, kind, slot_count);
	stats_bind(r, base, len);
	/* Publish, then ready (varnish common_vsc.c): readers check it. */
	atomic_store_explicit(&r->hdr->ready, 1, memory_order_release);
	if (fd == -1)
		return 0;
	if (rename(tmp, path) == -1) {
		saved = errno;
		munmap(base, len);
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	close(fd);
	return 0;
}

int
stats_validate(const void *base, size_t len, char *err, size_t errlen)
{
	const struct stats_header *h = base;
	size_t want;

	if (len < STATS_HEADER_SIZE) {
		snprintf(err, errlen,
		    "too small to be a stats region "
		    "(%zu bytes)",
		    len);
		return -1;
	}
	if (h->magic != STATS_MAGIC) {
		snprintf(err, errlen, "not a haul stats file (bad magic)");
		return -1;
	}
	if (h->version != STATS_VERSION) {
		snprintf(err, errlen,
		    "stats layout version %u, this program "
		    "reads version %u",
		    h->version, STATS_VERSION);
		return -1;
	}
	if (h->header_size != STATS_HEADER_SIZE ||
	    h->slot_size != sizeof(struct stats_slot) ||
	    h->nfields != STATS_NFIELDS) {
		snprintf(err, errlen,
		    "stats layout sizes do not match "
		    "(header %u, slot %u, fields %u)",
		    h->header_size, h->slot_size, h->nfields);
		return -1;
	}
	if (h->slot_count == 0 || h->slot_count > 4096 ||
	    h->origin_count > 256) {
		snprintf(err, errlen,
		    "implausible slot count %u or origin count %u",
		    h->slot_count, h->origin_count);
		return -1;
	}
	want = stats_map_len(h->slot_count, h->origin_count);
	if (len < want) {
		snprintf(err, errlen,
		    "truncated stats file (%zu of %zu "
		    "bytes)",
		    len, want);
		return -1;
	}
	if (h->kind != STATS_KIND_HAULD && h->kind != STATS_KIND_PROXY) {
		snprintf(err, errlen, "unknown daemon kind %u", h->kind);
		return -1;
	}
	if (!atomic_load_explicit(
	        &((struct stats_header *)base)->ready, memory_order_acquire)) {
		snprintf(err, errlen, "stats region is not ready yet");
		return -1;
	}
	return 0;
}

int
stats_attach(struct stats_region *r, const char *path, char *err, size_t errlen)
{
	struct stat st;
	void *base;
	int fd;

	memset(r, 0, sizeof(*r));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size < STATS_HEADER_SIZE) {
		snprintf(err, errlen,
		    "%s: too small to be a stats region "
		    "(%lld bytes)",
		    path, (long long)st.st_size);
		close(fd);
		return -1;
	}
	base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (base == MAP_FAILED) {
		snprintf(err, errlen, "%s: mmap: %s", path, strerror(errno));
		return -1;
	}
	if (stats_validate(base, (size_t)st.st_size, err, errlen) == -1) {
		munmap(base, (size_t)st.st_size);
		return -1;
	}
	stats_bind(r, base, (size_t)st.st_size);
	return 0;
}

void
stats_detach(struct stats_region *r)
{
	if (r->base != NULL)
		munmap(r->base, r->map_len);
	memset(r, 0, sizeof(*r));
}

void
stats_slot_read(const struct stats_slot *s, uint64_t out[STATS_NFIELDS])
{
	int i;

	for (i = 0; i < STATS_NFIELDS; i++)
		out[i] = atomic_load_explicit(
		    &((struct stats_slot *)s)->c[i], memory_order_relaxed);
}

int
stats_slot_row(
    const struct stats_region *r, unsigned idx, struct stats_row *row)
{
	struct stats_slot *s = &r->slots[idx];

	row->state = atomic_load_explicit(&s->state, memory_order_relaxed);
	if (row->state == SLOT_FREE)
		return -1;
	stats_slot_read(s, row->v);
	row->pid =
	    (long long)atomic_load_explicit(&s->pid, memory_order_relaxed);
	return 0;
}

static void
stats_sum(const struct stats_region *r, uint64_t out[STATS_NFIELDS])
{
	uint64_t v[STATS_NFIELDS];
	unsigned i;
	int f;

	stats_slot_read(r->retired, out);
	for (i = 0; i < r->slot_count; i++) {
		if (atomic_load_explicit(
		        &r->slots[i].state, memory_order_relaxed) == SLOT_FREE)
			continue;
		stats_slot_read(&r->slots[i], v);
		for (f = 0; f < STATS_NFIELDS; f++)
			out[f] += v[f];
	}
}

/*
 * A sum taken while the master moves a dead worker's counters into the
 * retired block could count them twice or not at all; retire_seq is a
 * sequence lock around that move, so retry until a sum saw none.
 */
void
stats_totals(const struct stats_region *r, uint64_t out[STATS_NFIELDS])
{
	struct stats_header *h = r->hdr;
	uint32_t s1, s2;
	int tries;

	/*
	 * The master may be descheduled mid-retire on a busy machine: yield
	 * rather than spin, for up to some 20,000 rounds; a master that died
	 * mid-retire leaves the count odd for good, hence the bound.
	 */
	for (tries = 0; tries < 20000; tries++) {
		s1 = atomic_load_explicit(&h->retire_seq, memory_order_acquire);
		if (s1 & 1) {
			sched_yield();
			continue;
		}
		stats_sum(r, out);
		atomic_thread_fence(memory_order_acquire);
		s2 = atomic_load_explicit(&h->retire_seq, memory_order_relaxed);
		if (s1 == s2)
			return;
	}
	stats_sum(r, out); /* a master stuck mid-retire: best effort */
}

void
stats_slot_retire(struct stats_region *r, unsigned idx)
{
	struct stats_slot *s = &r->slots[idx];
	uint64_t v[STATS_NFIELDS];
	int f;

	/* Readers retry a sum that overlaps this (see stats_totals). */
	atomic_fetch_add_explicit(&r->hdr->retire_seq, 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	stats_slot_read(s, v);
	for (f = 0; f < STATS_NFIELDS; f++) {
		if (stats_field_type[f] == COUNTER)
			atomic_fetch_add_explicit(
			    &r->retired->c[f], v[f], memory_order_relaxed);
	}
	atomic_store_explicit(&s->state, SLOT_FREE, memory_order_release);
	for (f = 0; f < STATS_NFIELDS; f++)
		atomic_store_explicit(&s->c[f], 0, memory_order_relaxed);
	atomic_store_explicit(&s->pid, 0, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->generation, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&r->hdr->retire_seq, 1, memory_order_release);
}

const char *
stats_state_name(unsigned st)
{
	static const char *const names[] = {
	    "free", "starting", "running", "stopping"};

	return st < sizeof(names) / sizeof(names[0]) ? names[st] : "unknown";
}

const char *
stats_kind_name(unsigned kind)
{
	return kind == STATS_KIND_HAULD ? "hauld"
	    : kind == STATS_KIND_PROXY  ? "haulproxy"
	                                : "unknown";
}

static int
stats_shown(const struct stats_region *r, int f)
{
	unsigned who = r->hdr->kind == STATS_KIND_HAULD ? STATS_D : STATS_P;

	return (stats_field_who[f] & who) != 0;
}

int
stats_format_dump(const struct stats_region *r, struct buf *b)
{
	uint64_t tot[STATS_NFIELDS];
	struct stats_row row;
	unsigned i;
	int f, c;

	stats_totals(r, tot);
	buf_printf(b, "stats: up %llds, worker restarts %llu\n",
	    (long long)(time(NULL) - r->hdr->start_time),
	    (unsigned long long)atomic_load_explicit(
	        &r->hdr->worker_restarts, memory_order_relaxed));
	buf_printf(b, "stats: totals:");
	for (f = 0; f < STATS_NFIELDS; f++)
		if (stats_shown(r, f))
			buf_printf(b, " %s=%llu", stats_field_name[f],
			    (unsigned long long)tot[f]);
	buf_printf(b, "\n");
	for (i = 0; i < r->slot_count; i++) {
		if (stats_slot_row(r, i, &row) == -1)
			continue;
		buf_printf(b, "stats: slot %u pid %lld %s", i, row.pid,
		    stats_state_name(row.state));
		for (c = 0; c < STATS_NSLOTCOLS; c++)
			buf_printf(b, " %s=%llu",
			    stats_field_name[stats_slot_columns[c].field],
			    (unsigned long long)
			        row.v[stats_slot_columns[c].field]);
		buf_printf(b, "\n");
	}
	return b->failed ? -1 : 0;
}

struct stats_origin *
stats_origin_for(struct stats_region *r, const char *url)
{
	unsigned i;

	if (r == NULL || url[0] == '\0' || strlen(url) >= STATS_ORIGIN_URL)
		return NULL;
	for (i = 0; i < r->origin_count; i++) {
		if (strcmp(r->origins[i].url, url) == 0)
			return &r->origins[i];
		if (r->origins[i].url[0] == '\0') {
			memcpy(r->origins[i].url, url, strlen(url) + 1);
			return &r->origins[i];
		}
	}
	return NULL;
}

int
stats_origin_row(const struct stats_region *r, unsigned i, char *url,
    size_t urllen, uint64_t v[3])
{
	const struct stats_origin *o;
	size_t n;

	if (i >= r->origin_count || urllen == 0)
		return -1;
	o = &r->origins[i];
	/* Another process's bytes: bounded, and never trusted to end. */
	n = strnlen(o->url, STATS_ORIGIN_URL - 1);
	if (n == 0)
		return -1;
	if (n >= urllen)
		n = urllen - 1;
	memcpy(url, o->url, n);
	url[n] = '\0';
	for (n = 0; url[n] != '\0'; n++)
		if (url[n] < 0x21 || url[n] > 0x7e || url[n] == '"' ||
		    url[n] == '\\')
			url[n] = '?';
	v[0] = atomic_load_explicit(&o->bytes, memory_order_relaxed);
	v[1] = atomic_load_explicit(&o->chunks, memory_order_relaxed);
	v[2] = atomic_load_explicit(&o->failures, memory_order_relaxed);
	return 0;
}

/* Per-origin counters with an origin label (haulproxy). */
static void
stats_format_origins(const struct stats_region *r, struct buf *b)
{
	static const char *const name[3] = {"bytes", "chunks", "failures"};
	static const char *const help[3] = {"Body bytes fetched from",
	    "Chunks fetched whole from", "Chunk failures at"};
	char url[STATS_ORIGIN_URL];
	uint64_t v[3];
	unsigned i, k;

	for (k = 0; k < 3 && r->origin_count > 0; k++) {
		buf_printf(b,
		    "# HELP haulproxy_origin_%s_total %s each origin since "
		    "start.\n# TYPE haulproxy_origin_%s_total counter\n",
		    name[k], help[k], name[k]);
		for (i = 0; i < r->origin_count; i++)
			if (stats_origin_row(r, i, url, sizeof(url), v) == 0)
				buf_printf(b,
				    "haulproxy_origin_%s_total{origin=\"%s\"} "
				    "%llu\n",
				    name[k], url, (unsigned long long)v[k]);
	}
}

int
stats_format_metrics(const struct stats_region *r, struct buf *b)
{
	const char *prefix = stats_kind_name(r->hdr->kind);
	uint64_t tot[STATS_NFIELDS];
	int f;

	/* Prometheus text exposition format 0.0.4. */
	stats_totals(r, tot);
	for (f = 0; f < STATS_NFIELDS; f++) {
		const char *sfx;

		if (!stats_shown(r, f))
			continue;
		sfx = stats_field_type[f] == COUNTER ? "_total" : "";
		buf_printf(b,
		    "# HELP %s_%s%s %s.\n# TYPE %s_%s%s %s\n"
		    "%s_%s%s %llu\n",
		    prefix, stats_field_name[f], sfx, stats_field_help[f],
		    prefix, stats_field_name[f], sfx,
		    stats_field_type[f] == COUNTER ? "counter" : "gauge",
		    prefix, stats_field_name[f], sfx,
		    (unsigned long long)tot[f]);
	}
	buf_printf(b,
	    "# HELP %s_worker_restarts_total Workers restarted "
	    "after dying.\n# TYPE %s_worker_restarts_total counter\n"
	    "%s_worker_restarts_total %llu\n",
	    prefix, prefix, prefix,
	    (unsigned long long)atomic_load_explicit(
	        &r->hdr->worker_restarts, memory_order_relaxed));
	buf_printf(b,
	    "# HELP %s_start_time_seconds Start time of the "
	    "master process since the epoch.\n# TYPE %s_start_time_seconds "
	    "gauge\n%s_start_time_seconds %lld\n",
	    prefix, prefix, prefix, (long long)r->hdr->start_time);
	stats_format_origins(r, b);
	return b->failed ? -1 : 0;
}

/* ,"origins":[...] for haulproxy. */
static void
stats_json_origins(const struct stats_region *r, struct buf *b)
{
	char url[STATS_ORIGIN_URL];
	const char *sep = "";
	uint64_t v[3];
	unsigned i;

	if (r->origin_count == 0)
		return;
	buf_printf(b, ",\"origins\":[");
	for (i = 0; i < r->origin_count; i++) {
		if (stats_origin_row(r, i, url, sizeof(url), v) == -1)
			continue;
		buf_printf(b,
		    "%s{\"url\":\"%s\",\"bytes\":%llu,\"chunks\":%llu,"
		    "\"failures\":%llu}",
		    sep, url, (unsigned long long)v[0],
		    (unsigned long long)v[1], (unsigned long long)v[2]);
		sep = ",";
	}
	buf_printf(b, "]");
}

int
stats_format_json(const struct stats_region *r, struct buf *b)
{
	uint64_t tot[STATS_NFIELDS];
	struct stats_row row;
	const char *sep = "";
	unsigned i;
	int f, c;

	stats_totals(r, tot);
	buf_printf(b,
	    "{\"kind\":\"%s\",\"master_pid\":%lld,"
	    "\"start_time\":%lld,\"uptime\":%lld,\"worker_restarts\":%llu,"
	    "\"totals\":{",
	    stats_kind_name(r->hdr->kind), (long long)r->hdr->master_pid,
	    (long long)r->hdr->start_time,
	    (long long)(time(NULL) - r->hdr->start_time),
	    (unsigned long long)atomic_load_explicit(
	        &r->hdr->worker_restarts, memory_order_relaxed));
	for (f = 0; f < STATS_NFIELDS; f++) {
		if (!stats_shown(r, f))
			continue;
		buf_printf(b, "%s\"%s\":%llu", sep, stats_field_name[f],
		    (unsigned long long)tot[f]);
		sep = ",";
	}
	buf_printf(b, "},\"workers\":[");
	sep = "";
	for (i = 0; i < r->slot_count; i++) {
		if (stats_slot_row(r, i, &row) == -1)
			continue;
		buf_printf(b, "%s{\"slot\":%u,\"pid\":%lld,\"state\":\"%s\"",
		    sep, i, row.pid, stats_state_name(row.state));
		for (c = 0; c < STATS_NSLOTCOLS; c++)
			buf_printf(b, ",\"%s\":%llu",
			    stats_field_name[stats_slot_columns[c].field],
			    (unsigned long long)
			        row.v[stats_slot_columns[c].field]);
		buf_printf(b, "}");
		sep = ",";
	}
	buf_printf(b, "]");
	stats_json_origins(r, b);
	buf_printf(b, "}\n");
	return b->failed ? -1 : 0;
}
