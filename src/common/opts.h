/*
 * Command-line value parsing shared by the three programs: sizes with
 * k/m/g suffixes (powers of 1024) and bounded integers.  The parse
 * functions are pure; the opts_* wrappers print one line naming the option
 * and exit 2, as SPEC.md asks of every program.
 */
#ifndef HAUL_OPTS_H
#define HAUL_OPTS_H

#include <stddef.h>
#include <stdint.h>

/* "123", "8k", "512K", "1m", "2g": returns 0, or -1 with err set. */
int opts_parse_size(const char *s, uint64_t *out, char *err, size_t errlen);

/* Decimal integer in [min, max]: returns 0, or -1 with err set. */
int opts_parse_int(const char *s, long long min, long long max, long long *out,
    char *err, size_t errlen);

/* Set by main() for the messages below. */
extern const char *opts_progname;

/* Print "PROG: option OPT: MESSAGE" on stderr and exit 2. */
void opts_die(const char *opt, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/*
 * After getopt_long returned ':' (missing value) or '?' (unknown
 * option): one line naming it, exit 2.
 */
void opts_bad_option(char *const argv[], int ch) __attribute__((noreturn));

uint64_t opts_size(
    const char *opt, const char *val, uint64_t min, uint64_t max);
long long opts_int(
    const char *opt, const char *val, long long min, long long max);

#endif
