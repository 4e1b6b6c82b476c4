/*
 * A harness small enough to read in one go: CHECK-style macros that print
 * file:line and the values on failure, and a {name, fn} table run by main.
 */
#ifndef HAUL_UNIT_H
#define HAUL_UNIT_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_failures;

#define FAILF(...)                                                             \
	do {                                                                   \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                \
		fprintf(stderr, __VA_ARGS__);                                  \
		fputc('\n', stderr);                                           \
		unit_failures++;                                               \
	} while (0)

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			FAILF("check failed: %s", #cond);                      \
	} while (0)

#define CHECK_INT(got, want)                                                   \
	do {                                                                   \
		long long g_ = (long long)(got), w_ = (long long)(want);       \
		if (g_ != w_)                                                  \
			FAILF("%s = %lld, want %lld", #got, g_, w_);           \
	} while (0)

#define CHECK_STR(got, want)                                                   \
	do {                                                                   \
		const char *g_ = (got), *w_ = (want);                          \
		if (g_ == NULL || w_ == NULL ? g_ != w_ : strcmp(g_, w_) != 0) \
			FAILF("%s = \"%s\", want \"%s\"", #got,                \
			    g_ ? g_ : "(null)", w_ ? w_ : "(null)");           \
	} while (0)

struct unit_test {
	const char *name;
	void (*fn)(void);
};

static int
unit_run(const struct unit_test *t, size_t n)
{
	size_t i;
	int before;

	for (i = 0; i < n; i++) {
		before = unit_failures;
		t[i].fn();
		printf("%s %s\n", unit_failures == before ? "ok  " : "FAIL",
		    t[i].name);
	}
	printf("%d failure(s)\n", unit_failures);
	return unit_failures == 0 ? 0 : 1;
}

#define UNIT_MAIN(table)                                                       \
	int main(void)                                                         \
	{                                                                      \
		return unit_run(table, sizeof(table) / sizeof(table[0]));      \
	}

#endif
