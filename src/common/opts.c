/*
 * Option values for hauld, haulproxy and haulstat: sizes with k/m/g
 * suffixes (powers of 1024) and bounded decimal integers.  The parsers are
 * pure and strict; the opts_* wrappers turn an error into the one-line
 * message and exit status 2 that SPEC.md asks of every program.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "opts.h"

const char *opts_progname;

static int fail(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static int isdigit_c(int);
static void fmt_size(uint64_t, char *, size_t);

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

/* isdigit() without the locale: only ASCII digits are numbers here. */
static int
isdigit_c(int c)
{
	return c >= '0' && c <= '9';
}

/*
 * Strict on purpose: digits, then at most one of k, m, g (either case),
 * then the end.  No spaces, sign, hex, fraction, or "kb"/"KiB" spelling:
 * a value that could be read two ways is refused rather than guessed.
 */
int
opts_parse_size(const char *s, uint64_t *out, char *err, size_t errlen)
{
	const char *p;
	uint64_t v = 0;
	unsigned int shift = 0;

	if (s == NULL || *s == '\0')
		return fail(err, errlen, "empty size");
	if (!isdigit_c((unsigned char)*s))
		return fail(err, errlen, "bad size \"%.64s\"", s);
	for (p = s; isdigit_c((unsigned char)*p); p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return fail(err, errlen, "size \"%.64s\" too large", s);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	default:
		return fail(err, errlen,
		    "bad size \"%.64s\" (want digits and k, m or g)", s);
	}
	if (*p != '\0' && p[1] != '\0')
		return fail(err, errlen,
		    "bad size \"%.64s\" (want digits and k, m or g)", s);
	if (v > UINT64_MAX >> shift)
		return fail(err, errlen, "size \"%.64s\" too large", s);
	*out = v << shift;
	return 0;
}

/* An optional '-', decimal digits, nothing else (no spaces, '+' or hex). */
int
opts_parse_int(const char *s, long long min, long long max, long long *out,
    char *err, size_t errlen)
{
	const char *p;
	char *end;
	long long v;

	if (s == NULL || *s == '\0')
		return fail(err, errlen, "empty number");
	p = *s == '-' ? s + 1 : s;
	if (!isdigit_c((unsigned char)*p))
		return fail(err, errlen, "bad number \"%.64s\"", s);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return fail(err, errlen, "bad number \"%.64s\"", s);
	if (errno == ERANGE || v < min || v > max)
		return fail(err, errlen, "%.64s is out of range %lld..%lld", s,
		    min, max);
	*out = v;
	return 0;
}

void
opts_die(const char *opt, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", opts_progname != NULL ? opts_progname : "haul");
	if (opt != NULL)
		fprintf(stderr, "option %s: ", opt);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* A bound for a message: "8k" when exact, else the byte count. */
static void
fmt_size(uint64_t v, char *buf, size_t len)
{
	static const char suffix[] = "gmk";
	unsigned int shift;
	int i;

	for (i = 0, shift = 30; i < 3; i++, shift -= 10) {
		if (v != 0 && v % ((uint64_t)1 << shift) == 0) {
			snprintf(
			    buf, len, "%" PRIu64 "%c", v >> shift, suffix[i]);
			return;
		}
	}
	snprintf(buf, len, "%" PRIu64, v);
}

uint64_t
opts_size(const char *opt, const char *val, uint64_t min, uint64_t max)
{
	char err[128], lo[32], hi[32];
	uint64_t v;

	if (opts_parse_size(val, &v, err, sizeof(err)) == -1)
		opts_die(opt, "%s", err);
	if (v < min || v > max) {
		fmt_size(min, lo, sizeof(lo));
		fmt_size(max, hi, sizeof(hi));
		opts_die(opt, "size %.64s is out of range %s..%s", val, lo, hi);
	}
	return v;
}

long long
opts_int(const char *opt, const char *val, long long min, long long max)
{
	char err[160];
	long long v;

	if (opts_parse_int(val, min, max, &v, err, sizeof(err)) == -1)
		opts_die(opt, "%s", err);
	return v;
}

void
opts_bad_option(char *const argv[], int ch)
{
	const char *prog = opts_progname ? opts_progname : "haul";

	if (ch == ':')
		fprintf(stderr, "%s: option %s needs a value\n", prog,
		    argv[optind - 1]);
	else if (optopt != 0)
		fprintf(stderr, "%s: unknown option -%c (see %s --help)\n",
		    prog, optopt, prog);
	else
		fprintf(stderr, "%s: unknown option %s (see %s --help)\n", prog,
		    argv[optind - 1], prog);
	exit(2);
}
