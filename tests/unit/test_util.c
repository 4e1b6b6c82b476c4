/*
 * Unit tests for util.c's formatters, which the hot paths use instead of
 * printf: decimal and hex at their extremes, snprintf-style truncation,
 * and buf_adds growing past the first allocation.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "util.h"

static void
test_fmt(void)
{
	static const uint64_t v[] = {0, 1, 9, 10, 99, 100, 4096, 1073741824,
	    UINT64_C(9223372036854775807), UINT64_MAX};
	char got[24], want[24];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(want, sizeof(want), "%" PRIu64, v[i]);
		CHECK_INT(fmt_u64(got, v[i]), strlen(want));
		CHECK_STR(got, want);
		snprintf(want, sizeof(want), "%" PRIx64, v[i]);
		CHECK_INT(fmt_x64(got, v[i]), strlen(want));
		CHECK_STR(got, want);
	}
}

static void
test_copy_out(void)
{
	char buf[8];

	CHECK_INT(copy_out(buf, sizeof(buf), "abc", 3), 3);
	CHECK_STR(buf, "abc");
	/* As snprintf: truncated, terminated, the full length returned. */
	CHECK_INT(copy_out(buf, sizeof(buf), "abcdefghij", 10), 10);
	CHECK_STR(buf, "abcdefg");
	CHECK_INT(copy_out(buf, 1, "abc", 3), 3);
	CHECK_STR(buf, "");
	memcpy(buf, "zz", 3);
	CHECK_INT(copy_out(buf, 0, "abc", 3), 3);
	CHECK_STR(buf, "zz");
}

static void
test_buf(void)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; i < 100; i++)
		CHECK_INT(buf_adds(&b, "0123456789"), 0);
	CHECK_INT(b.len, 1000);
	CHECK(b.data[1000] == '\0');
	CHECK(memcmp(b.data + 990, "0123456789", 10) == 0);
	buf_free(&b);
}

static const struct unit_test tests[] = {
    {"fmt", test_fmt},
    {"copy_out", test_copy_out},
    {"buf", test_buf},
};

UNIT_MAIN(tests)
