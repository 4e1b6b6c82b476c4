/*
 * Pure parsing and formatting of HTTP byte ranges (RFC 9110 section 14):
 * the Range request header and the Content-Range response header.
 * No I/O, no libevent; every function is safe on hostile input.
 */
#ifndef HAUL_RANGE_H
#define HAUL_RANGE_H

#include <sys/types.h>
#include <stddef.h>

/* Most range specs accepted in one header; more and the header is ignored. */
#define RANGE_MAX_SPECS 64
/* Most ranges served after merging; see range_parse(). */
#define RANGE_MAX 16

struct range {
	off_t first; /* first byte, inclusive */
	off_t last;  /* last byte, inclusive, clamped to size - 1 */
};

struct range_set {
	size_t n;
	struct range r[RANGE_MAX];
};

enum range_result {
	RANGE_IGNORE = 0, /* no usable Range: serve the whole file (200) */
	RANGE_OK,         /* out holds 1..RANGE_MAX satisfiable ranges (206) */
	RANGE_UNSATISFIABLE, /* valid syntax, nothing satisfiable (416) */
};

/*
 * Parse a Range header value against a representation of `size` bytes.
 * hdr may be NULL (no header).  Unparsable syntax, a unit other than
 * "bytes", or more than RANGE_MAX_SPECS specs give RANGE_IGNORE, as
 * RFC 9110 14.2 allows.  Satisfiable specs are resolved (suffix, open end,
 * last position clamped to size - 1), unsatisfiable ones dropped; the
 * remainder is sorted and overlapping or adjacent ranges are merged
 * (RFC 9110 14.2 lets a server coalesce).  If more than RANGE_MAX remain
 * the header is ignored.  err (may be NULL) gets a short reason for any
 * result but RANGE_OK.
 */
enum range_result range_parse(const char *hdr, off_t size,
    struct range_set *out, char *err, size_t errlen);

/* "bytes FIRST-LAST/SIZE"; returns snprintf's count. */
int range_format(char *buf, size_t len, off_t first, off_t last, off_t size);

/* "bytes *\/SIZE" for a 416; returns snprintf's count. */
int range_format_unsatisfied(char *buf, size_t len, off_t size);

/*
 * Parse a Content-Range response value "bytes FIRST-LAST/SIZE" (SIZE may be
 * "*").  *size is -1 when unknown.  Returns 0, or -1 with err set.
 */
int range_parse_content_range(const char *hdr, off_t *first, off_t *last,
    off_t *size, char *err, size_t errlen);

#endif
