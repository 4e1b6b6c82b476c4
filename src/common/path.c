/*
 * Request path checks for /download/ (and names of uploads): percent-
 * decoding and the segment rules that keep a name inside the served root.
 * Everything is checked after decoding, one segment at a time, so no encoding
 * of "..", NUL or a backslash gets through.  Symlinks are serve.c's concern.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "path.h"

static int hexval(int);
static int fail(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static int dot_segment(const char *, size_t);

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
dot_segment(const char *seg, size_t len)
{
	return (len == 1 && seg[0] == '.') ||
	    (len == 2 && seg[0] == '.' && seg[1] == '.');
}

/*
 * One pass: each input byte (or %XX) is decoded, then either ends a
 * segment ('/', also when written %2F: the decoded name is what reaches
 * the filesystem, and a checked segment is safe however its slash was
 * spelled) or is appended to out.  A segment is checked when it ends;
 * empty segments vanish, which collapses "//" and drops a leading '/'.
 * seg is where the current segment starts in out; pos is the output
 * length.
 */
int
path_decode(
    const char *target, char *out, size_t outlen, char *err, size_t errlen)
{
	const char *p;
	size_t pos = 0, seg = 0;
	int c, hi, lo;

	if (target == NULL || out == NULL || outlen == 0)
		return fail(err, errlen, "no path");
	for (p = target;; p++) {
		c = (unsigned char)*p;
		if (c == '\0' || c == '?')
			break;
		if (c == '%') {
			if ((hi = hexval((unsigned char)p[1])) == -1 ||
			    (lo = hexval((unsigned char)p[2])) == -1)
				return fail(err, errlen, "bad %%-escape");
			c = hi << 4 | lo;
			p += 2;
		}
		if (c == '\0')
			return fail(err, errlen, "NUL in path");
		if (c == '\\')
			return fail(err, errlen, "backslash in path");
		if (c < 0x20 || c == 0x7f)
			return fail(err, errlen, "control character in path");
		if (c == '/') {
			if (pos == seg)
				continue;
			if (dot_segment(out + seg, pos - seg))
				return fail(err, errlen, "dot segment in path");
		}
		if (pos + 1 >= outlen)
			return fail(err, errlen, "path too long");
		out[pos++] = (char)c;
		if (c == '/')
			seg = pos;
	}
	if (pos == 0)
		return fail(err, errlen, "empty path");
	if (pos == seg)
		return fail(err, errlen, "trailing slash (no listings)");
	if (dot_segment(out + seg, pos - seg))
		return fail(err, errlen, "dot segment in path");
	out[pos] = '\0';
	return 0;
}

int
path_check(const char *name, size_t len, char *err, size_t errlen)
{
	size_t i, seg = 0;
	unsigned char c;

	if (len == 0)
		return fail(err, errlen, "empty name");
	if (len >= PATH_MAX_LEN)
		return fail(err, errlen, "name too long");
	if (name[0] == '/')
		return fail(err, errlen, "absolute name");
	for (i = 0; i <= len; i++) {
		c = i < len ? (unsigned char)name[i] : '/';
		if (c == '\0')
			return fail(err, errlen, "NUL in name");
		if (c == '\\')
			return fail(err, errlen, "backslash in name");
		if (c < 0x20 || c == 0x7f)
			return fail(err, errlen, "control character in name");
		if (c != '/')
			continue;
		if (i == seg)
			return fail(err, errlen, "empty segment in name");
		if (dot_segment(name + seg, i - seg))
			return fail(err, errlen, "dot segment in name");
		seg = i + 1;
	}
	return 0;
}
