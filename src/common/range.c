/*
 * Byte ranges (RFC 9110 section 14): parsing the Range request header
 * into a sorted, merged, bounded set of ranges, formatting Content-Range,
 * and parsing a Content-Range the proxy receives.  Pure: no I/O, no
 * logging, no allocation; every input byte is treated as hostile.
 *
 * What range_parse() accepts (RFC 9110 14.1.1 and 5.6.1):
 *
 *	Range     = OWS "bytes" "=" list OWS      ; unit case-insensitive
 *	list      = OWS *( "," OWS ) spec *( OWS "," [ OWS spec ] )
 *	spec      = first "-" [ last ]            ; int-range
 *	          / "-" suffix                    ; suffix-range
 *	first, last, suffix = 1*DIGIT
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "range.h"
#include "util.h"

/* Largest off_t, computed without overflowing a signed type. */
#define RANGE_OFF_MAX ((off_t)(((uint64_t)1 << (sizeof(off_t) * 8 - 1)) - 1))

/* A run of digits as read from the header. */
struct range_num {
	const char *s; /* first digit */
	size_t len;    /* digits; 0 if none were there */
	off_t val;     /* value, saturated at RANGE_OFF_MAX */
	int ovf;       /* the real value does not fit in off_t */
};

enum spec_result {
	SPEC_BAD = -1, /* syntax error: ignore the whole header */
	SPEC_UNSAT,    /* valid but selects nothing of this representation */
	SPEC_SAT,      /* *r holds a resolved, clamped range */
};

static void range_err(char *, size_t, const char *);
static int range_is_ows(char);
static const char *range_skip_ows(const char *);
static int range_unit_is_bytes(const char **);
static void range_digits(const char **, struct range_num *);
static int range_num_cmp(const struct range_num *, const struct range_num *);
static enum spec_result range_spec(const char **, off_t, struct range *);
static int range_after(const struct range *, const struct range *);
static void range_sort(struct range *, size_t);
static size_t range_merge(struct range *, size_t);
static enum range_result range_read_set(
    const char *, off_t, struct range *, size_t *, char *, size_t);
static int range_spec_end(const char **);
static int range_cr_read(const char *, struct range_num *, struct range_num *,
    struct range_num *, char *, size_t);

static void
range_err(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

/* OWS = *( SP / HTAB ), RFC 9110 5.6.3. */
static int
range_is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static const char *
range_skip_ows(const char *p)
{
	while (range_is_ows(*p))
		p++;
	return p;
}

/*
 * Consume "bytes" at *pp.  Range units are case-insensitive (RFC 9110
 * 14.1); compare by hand so no locale or signed-char ctype can interfere.
 */
static int
range_unit_is_bytes(const char **pp)
{
	static const char unit[] = "bytes";
	const char *p = *pp;
	size_t i;

	for (i = 0; i < sizeof(unit) - 1; i++) {
		if (p[i] == '\0' || (p[i] | 0x20) != unit[i])
			return 0;
	}
	*pp = p + i;
	return 1;
}

/*
 * Read 1*DIGIT at *pp into n and advance past it.  Any number of digits
 * is accepted; a value past RANGE_OFF_MAX saturates and sets n->ovf, so
 * the caller decides what overflow means (see range_spec()).  Leading
 * zeros never overflow.
 */
static void
range_digits(const char **pp, struct range_num *n)
{
	const char *p = *pp;
	off_t d;

	n->s = p;
	n->val = 0;
	n->ovf = 0;
	while (*p >= '0' && *p <= '9') {
		d = *p - '0';
		if (n->ovf || n->val > (RANGE_OFF_MAX - d) / 10) {
			n->val = RANGE_OFF_MAX;
			n->ovf = 1;
		} else
			n->val = n->val * 10 + d;
		p++;
	}
	n->len = (size_t)(p - n->s);
	*pp = p;
}

/*
 * Compare two digit runs by their exact decimal value, even when both
 * overflowed: strip leading zeros, then the longer is larger, else the
 * bytes decide.
 */
static int
range_num_cmp(const struct range_num *a, const struct range_num *b)
{
	const char *as = a->s, *bs = b->s;
	size_t al = a->len, bl = b->len;
	int c;

	if (!a->ovf && !b->ovf)
		return a->val < b->val ? -1 : a->val > b->val;
	while (al > 1 && *as == '0') {
		as++;
		al--;
	}
	while (bl > 1 && *bs == '0') {
		bs++;
		bl--;
	}
	if (al != bl)
		return al < bl ? -1 : 1;
	c = memcmp(as, bs, al);
	return c < 0 ? -1 : c > 0;
}

/*
 * Parse one range-spec at *pp against a representation of `size` bytes
 * and resolve it (RFC 9110 14.1.2).  *pp is left on the first byte after
 * the spec; the caller checks what follows.
 *
 * Numbers too big for off_t are not syntax errors: the grammar is
 * 1*DIGIT with no limit, and each overflow has one sane meaning.  A first
 * position past RANGE_OFF_MAX lies past the end of any file, so the spec
 * is unsatisfiable and is dropped like "bytes=100000-" on a small file
 * (the others in the set are still served).  A last position past it is
 * "greater than or equal to the current length", which 14.1.2 says means
 * the rest of the representation: clamp.  A suffix length past it is
 * longer than the representation, which 14.1.2 says selects all of it.
 * Comparing last with first stays exact through range_num_cmp().
 */
static enum spec_result
range_spec(const char **pp, off_t size, struct range *r)
{
	struct range_num first, last;
	const char *p = *pp;

	if (*p == '-') {
		/* suffix-range = "-" suffix-length */
		p++;
		range_digits(&p, &last);
		*pp = p;
		if (last.len == 0)
			return SPEC_BAD;
		/*
		 * 14.1.1: a set is satisfiable through a suffix-range only
		 * if its suffix-length is non-zero.  An empty file has no
		 * byte to send, and a 206 needs first <= last in its
		 * Content-Range (14.4), so there it is unsatisfiable too.
		 */
		if (last.val == 0 || size == 0)
			return SPEC_UNSAT;
		r->first = last.val >= size ? 0 : size - last.val;
		r->last = size - 1;
		return SPEC_SAT;
	}

	/* int-range = first-pos "-" [ last-pos ] */
	range_digits(&p, &first);
	if (first.len == 0 || *p != '-') {
		*pp = p;
		return SPEC_BAD;
	}
	p++;
	range_digits(&p, &last);
	*pp = p;
	/* 14.1.1: last-pos below first-pos makes the spec invalid. */
	if (last.len > 0 && range_num_cmp(&last, &first) < 0)
		return SPEC_BAD;
	/* 14.1.1: first-pos at or past the length is unsatisfiable. */
	if (first.val >= size)
		return SPEC_UNSAT;
	r->first = first.val;
	if (last.len == 0 || last.val >= size)
		r->last = size - 1;
	else
		r->last = last.val;
	return SPEC_SAT;
}

/* Whether a sorts after b: by first, then by last. */
static int
range_after(const struct range *a, const struct range *b)
{
	return a->first > b->first ||
	    (a->first == b->first && a->last > b->last);
}

/* Insertion sort: n is at most RANGE_MAX_SPECS. */
static void
range_sort(struct range *r, size_t n)
{
	struct range t;
	size_t i, j;

	for (i = 1; i < n; i++) {
		t = r[i];
		for (j = i; j > 0 && range_after(&r[j - 1], &t); j--)
			r[j] = r[j - 1];
		r[j] = t;
	}
}

/*
 * Merge sorted ranges that overlap or touch, in place; returns the new
 * count.  RFC 9110 14.6 lets a server coalesce such ranges, and doing so
 * is what defeats "bytes=0-,0-,0-,..." amplification: the merged ranges
 * are disjoint, so together they never exceed the file.  last <= size - 1
 * < RANGE_OFF_MAX, so last + 1 cannot overflow.
 */
static size_t
range_merge(struct range *r, size_t n)
{
	size_t i, out;

	if (n == 0)
		return 0;
	out = 0;
	for (i = 1; i < n; i++) {
		if (r[i].first <= r[out].last + 1) {
			if (r[i].last > r[out].last)
				r[out].last = r[i].last;
		} else
			r[++out] = r[i];
	}
	return out + 1;
}

enum range_result
range_parse(const char *hdr, off_t size, struct range_set *out, char *err,
    size_t errlen)
{
	struct range tmp[RANGE_MAX_SPECS];
	enum range_result rr;
	const char *p;
	size_t nsat, n, i;

	out->n = 0;
	if (hdr == NULL) {
		range_err(err, errlen, "no Range header");
		return RANGE_IGNORE;
	}
	if (size < 0) {
		range_err(err, errlen, "negative representation size");
		return RANGE_IGNORE;
	}

	/*
	 * 14.1: ranges-specifier = range-unit "=" range-set, no whitespace
	 * around "=".  14.2: a server MAY ignore a Range it does not
	 * understand, so another unit, like bad syntax, means a 200.
	 */
	p = range_skip_ows(hdr);
	if (!range_unit_is_bytes(&p) || *p != '=') {
		range_err(err, errlen, "range unit is not bytes");
		return RANGE_IGNORE;
	}
	p++;
	rr = range_read_set(p, size, tmp, &nsat, err, errlen);
	if (rr != RANGE_OK)
		return rr;

	/*
	 * Sorted and merged output is bounded and canonical.  15.3.7.2 asks
	 * for parts in request order "excluding those ... coalesced", and
	 * 14.6 allows coalescing regardless of order.  Sorting first finds
	 * every overlap in one pass and gives multipart bodies a canonical
	 * shape, at the cost of that SHOULD on order.
	 */
	range_sort(tmp, nsat);
	n = range_merge(tmp, nsat);
	if (n > RANGE_MAX) {
		range_err(err, errlen, "too many ranges after merging");
		return RANGE_IGNORE;
	}
	for (i = 0; i < n; i++)
		out->r[i] = tmp[i];
	out->n = n;
	return RANGE_OK;
}

/*
 * range-set = 1#range-spec, from p.  5.6.1.2: recipients accept empty list
 * elements ("bytes=,0-1,,2-3,") and OWS around the commas; empty elements
 * are not counted as specs.  The satisfiable ranges go to tmp (at most
 * RANGE_MAX_SPECS), their number to *nsat.
 */
static enum range_result
range_read_set(const char *p, off_t size, struct range *tmp, size_t *nsat,
    char *err, size_t errlen)
{
	struct range r;
	size_t nspec = 0;

	*nsat = 0;
	for (;;) {
		p = range_skip_ows(p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\0')
			break;
		/*
		 * 14.2 lets a server ignore a Range with many small or
		 * overlapping ranges; past RANGE_MAX_SPECS we stop reading
		 * at once, which also bounds the work per header.
		 */
		if (nspec == RANGE_MAX_SPECS) {
			range_err(err, errlen, "too many range specs");
			return RANGE_IGNORE;
		}
		switch (range_spec(&p, size, &r)) {
		case SPEC_BAD:
			range_err(err, errlen, "malformed range spec");
			return RANGE_IGNORE;
		case SPEC_SAT:
			tmp[(*nsat)++] = r;
			break;
		case SPEC_UNSAT:
			break;
		}
		nspec++;
		if (!range_spec_end(&p)) {
			range_err(err, errlen, "malformed range spec");
			return RANGE_IGNORE;
		}
	}
	if (nspec == 0) {
		range_err(err, errlen, "empty range set");
		return RANGE_IGNORE;
	}
	if (*nsat == 0) {
		range_err(err, errlen, "no satisfiable range");
		return RANGE_UNSATISFIABLE;
	}
	return RANGE_OK;
}

/* A spec ends at OWS, a comma or the end ("10-11 12-"); 0 if it does not. */
static int
range_spec_end(const char **pp)
{
	const char *p = range_skip_ows(*pp);

	if (*p == ',')
		p++;
	else if (*p != '\0')
		return 0;
	*pp = p;
	return 1;
}

/*
 * Without printf: this runs once per range served.  Offsets are never
 * negative here; a negative one would be a caller's bug, shown as 0.
 */
int
range_format(char *buf, size_t len, off_t first, off_t last, off_t size)
{
	char tmp[6 + 3 * 21];
	size_t n = 6;

	memcpy(tmp, "bytes ", 6);
	n += fmt_u64(tmp + n, first < 0 ? 0 : (uint64_t)first);
	tmp[n++] = '-';
	n += fmt_u64(tmp + n, last < 0 ? 0 : (uint64_t)last);
	tmp[n++] = '/';
	n += fmt_u64(tmp + n, size < 0 ? 0 : (uint64_t)size);
	return copy_out(buf, len, tmp, n);
}

int
range_format_unsatisfied(char *buf, size_t len, off_t size)
{
	return snprintf(buf, len, "bytes */%lld", (long long)size);
}

/*
 * RFC 9110 14.4: Content-Range = range-unit SP range-resp, range-resp =
 * incl-range "/" ( complete-length / "*" ).  Strict, because the proxy
 * trusts these numbers to place bytes in a file: exactly one SP, no
 * overflow, first <= last, last < complete-length.  The unsatisfied form
 * "bytes *\/SIZE" carries no range and is refused.  Only OWS around the
 * whole value, which is not part of a field value anyway (5.5), is let
 * through.
 */
int
range_parse_content_range(const char *hdr, off_t *first, off_t *last,
    off_t *size, char *err, size_t errlen)
{
	struct range_num f, l, s;

	if (hdr == NULL) {
		range_err(err, errlen, "no Content-Range");
		return -1;
	}
	if (range_cr_read(hdr, &f, &l, &s, err, errlen) == -1)
		return -1;
	if (f.ovf || l.ovf || s.ovf) {
		range_err(err, errlen, "Content-Range number too large");
		return -1;
	}
	/* 14.4: an invalid incl-range or last >= length is invalid. */
	if (f.val > l.val) {
		range_err(err, errlen, "Content-Range first byte after last");
		return -1;
	}
	if (s.val >= 0 && l.val >= s.val) {
		range_err(err, errlen, "Content-Range past complete length");
		return -1;
	}
	*first = f.val;
	*last = l.val;
	*size = s.val;
	return 0;
}

/*
 * The syntax of a Content-Range value: its three numbers, the complete
 * length -1 when it is "*".  0, or -1 with err set.
 */
static int
range_cr_read(const char *hdr, struct range_num *f, struct range_num *l,
    struct range_num *s, char *err, size_t errlen)
{
	const char *p = range_skip_ows(hdr);

	if (!range_unit_is_bytes(&p) || *p != ' ') {
		range_err(err, errlen, "Content-Range unit is not bytes");
		return -1;
	}
	p++;
	range_digits(&p, f);
	if (f->len == 0 || *p != '-') {
		range_err(err, errlen, "malformed Content-Range first byte");
		return -1;
	}
	p++;
	range_digits(&p, l);
	if (l->len == 0 || *p != '/') {
		range_err(err, errlen, "malformed Content-Range last byte");
		return -1;
	}
	p++;
	if (*p == '*') {
		p++;
		s->ovf = 0;
		s->val = -1;
	} else {
		range_digits(&p, s);
		if (s->len == 0) {
			range_err(
			    err, errlen, "malformed Content-Range length");
			return -1;
		}
	}
	p = range_skip_ows(p);
	if (*p != '\0') {
		range_err(err, errlen, "trailing bytes after Content-Range");
		return -1;
	}
	return 0;
}
