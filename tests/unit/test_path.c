/*
 * path_decode(): good names beside every spelling of traversal, NUL,
 * backslash and control characters we could think of, plus the length
 * limit at its edges.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "path.h"
#include "unit.h"

struct row {
	const char *in;
	const char *want; /* NULL: refused */
};

static void test_table(void);
static void test_lengths(void);
static void test_bad_args(void);

static const struct row rows[] = {
    /* good */
    {"a", "a"},
    {"file.txt", "file.txt"},
    {"dir/sub/file.bin", "dir/sub/file.bin"},
    {"/a", "a"},
    {"//a//b", "a/b"},
    {"a///b", "a/b"},
    {"a%20b", "a b"},
    {"%41%62c", "Abc"},
    {"a%2fb", "a/b"},
    {"a%2Fb", "a/b"},
    {"a%2f%2fb", "a/b"},
    {"%2fa", "a"},
    {"a?x=1", "a"},
    {"a?../../etc/passwd", "a"},
    {"a%3fb", "a?b"},
    {"...", "..."},
    {"..a", "..a"},
    {"a..", "a.."},
    {".hidden", ".hidden"},
    {"a/.b/c", "a/.b/c"},
    {"%2e%2e%2e", "..."},
    {"caf%C3%A9", "caf\xc3\xa9"},
    {"caf\xc3\xa9", "caf\xc3\xa9"},
    {"a b", "a b"},
    {"a#b", "a#b"},
    /* dot segments, however spelled */
    {"..", NULL},
    {".", NULL},
    {"../a", NULL},
    {"a/..", NULL},
    {"a/../b", NULL},
    {"a/./b", NULL},
    {"./a", NULL},
    {"%2e%2e", NULL},
    {"%2E%2e/", NULL},
    {"%2E%2E/etc/passwd", NULL},
    {".%2e", NULL},
    {"%2e.", NULL},
    {"%2e", NULL},
    {"a/%2e/b", NULL},
    {"a/%2e%2e/b", NULL},
    {"%2e%2e%2fsecret", NULL},
    {"a%2f..%2fb", NULL},
    {"a%2f.", NULL},
    {"..?x", NULL},
    {"a/..?x", NULL},
    {"//..//", NULL},
    /* NUL */
    {"%00", NULL},
    {"a%00b", NULL},
    {"a%00", NULL},
    {"a%00.txt", NULL},
    /* bad escapes */
    {"%", NULL},
    {"%4", NULL},
    {"a%4", NULL},
    {"%zz", NULL},
    {"%4g", NULL},
    {"%g4", NULL},
    {"%%41", NULL},
    {"%-1", NULL},
    {"% 1", NULL},
    /* backslash */
    {"a\\b", NULL},
    {"..\\a", NULL},
    {"%5c", NULL},
    {"%5C..%5Cetc", NULL},
    /* control characters */
    {"a\tb", NULL},
    {"a\nb", NULL},
    {"a\rb", NULL},
    {"a%0ab", NULL},
    {"a%0db", NULL},
    {"a%1fb", NULL},
    {"a%7fb", NULL},
    {"a\x7f", NULL},
    {"\x01", NULL},
    /* empty, listings */
    {"", NULL},
    {"/", NULL},
    {"//", NULL},
    {"?x", NULL},
    {"%2f", NULL},
    {"a/", NULL},
    {"a/b/", NULL},
    {"a//", NULL},
    {"a%2f", NULL},
};

static void
test_table(void)
{
	char out[PATH_MAX_LEN], err[128];
	size_t i;
	int r;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		err[0] = '\0';
		r = path_decode(rows[i].in, out, sizeof(out), err, sizeof(err));
		if (rows[i].want == NULL) {
			if (r != -1)
				FAILF("\"%s\" accepted as \"%s\"", rows[i].in,
				    out);
			else if (err[0] == '\0')
				FAILF("\"%s\" refused with no message",
				    rows[i].in);
		} else if (r != 0)
			FAILF("\"%s\" refused: %s", rows[i].in, err);
		else
			CHECK_STR(out, rows[i].want);
	}
}

static void
test_lengths(void)
{
	char in[3 * PATH_MAX_LEN + 16], out[PATH_MAX_LEN], small[4];
	char err[128];
	size_t i;

	/* The longest name that fits, and one byte more. */
	memset(in, 'a', PATH_MAX_LEN - 1);
	in[PATH_MAX_LEN - 1] = '\0';
	CHECK_INT(path_decode(in, out, sizeof(out), err, sizeof(err)), 0);
	CHECK_INT(strlen(out), PATH_MAX_LEN - 1);
	in[PATH_MAX_LEN - 1] = 'a';
	in[PATH_MAX_LEN] = '\0';
	CHECK_INT(path_decode(in, out, sizeof(out), err, sizeof(err)), -1);

	/* Escapes and slashes that shrink to fit. */
	for (i = 0; i + 3 <= 3 * (PATH_MAX_LEN - 1); i += 3)
		memcpy(in + i, "%61", 3);
	in[i] = '\0';
	CHECK_INT(path_decode(in, out, sizeof(out), err, sizeof(err)), 0);
	CHECK_INT(strlen(out), PATH_MAX_LEN - 1);
	memset(in, '/', sizeof(in) - 2);
	in[sizeof(in) - 2] = 'x';
	in[sizeof(in) - 1] = '\0';
	CHECK_INT(path_decode(in, out, sizeof(out), err, sizeof(err)), 0);
	CHECK_STR(out, "x");

	/* A very long input into a tiny buffer. */
	memset(in, 'b', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	CHECK_INT(path_decode(in, small, sizeof(small), err, sizeof(err)), -1);
	CHECK_INT(
	    path_decode("abc", small, sizeof(small), err, sizeof(err)), 0);
	CHECK_STR(small, "abc");
	CHECK_INT(
	    path_decode("abcd", small, sizeof(small), err, sizeof(err)), -1);
	CHECK_INT(
	    path_decode("a/b", small, sizeof(small), err, sizeof(err)), 0);
	CHECK_STR(small, "a/b");
}

static void
test_bad_args(void)
{
	char out[16], err[8];

	CHECK_INT(path_decode(NULL, out, sizeof(out), err, sizeof(err)), -1);
	CHECK_INT(path_decode("a", out, 0, err, sizeof(err)), -1);
	CHECK_INT(path_decode("a", NULL, 0, err, sizeof(err)), -1);
	/* No error buffer, or a tiny one: still refused, no overflow. */
	CHECK_INT(path_decode("..", out, sizeof(out), NULL, 0), -1);
	CHECK_INT(path_decode("..", out, sizeof(out), err, 1), -1);
	CHECK_STR(err, "");
	CHECK_INT(path_decode("..", out, sizeof(out), err, sizeof(err)), -1);
	CHECK_INT(strlen(err), sizeof(err) - 1);
}

/* path_check: decoded names (tus filenames), nothing collapsed. */
static void
test_check(void)
{
	static const struct {
		const char *name;
		size_t len; /* 0: strlen */
		int ok;
	} names[] = {
	    {"a.bin", 0, 1},
	    {"dir/sub/a.bin", 0, 1},
	    {"..a/b..", 0, 1},
	    {"a b%2e", 0, 1},
	    {"", 0, 0},
	    {"/etc/passwd", 0, 0},
	    {"../x", 0, 0},
	    {"a/../x", 0, 0},
	    {"a/..", 0, 0},
	    {"./a", 0, 0},
	    {"a/.", 0, 0},
	    {"a//b", 0, 0},
	    {"a/", 0, 0},
	    {"a\\b", 0, 0},
	    {"a\nb", 0, 0},
	    {"a\x7f", 0, 0},
	    {"a\0b", 3, 0},
	};
	char err[64], longname[PATH_MAX_LEN + 1];
	size_t i, len;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		len = names[i].len ? names[i].len : strlen(names[i].name);
		err[0] = '\0';
		if ((path_check(names[i].name, len, err, sizeof(err)) == 0) !=
		    names[i].ok)
			FAILF("row %zu \"%s\": %s", i, names[i].name, err);
		if (!names[i].ok && err[0] == '\0')
			FAILF("row %zu: no message", i);
	}
	memset(longname, 'a', sizeof(longname));
	CHECK_INT(path_check(longname, PATH_MAX_LEN - 1, err, sizeof(err)), 0);
	CHECK_INT(path_check(longname, PATH_MAX_LEN, err, sizeof(err)), -1);
}

static const struct unit_test tests[] = {
    {"check", test_check},
    {"table", test_table},
    {"lengths", test_lengths},
    {"bad_args", test_bad_args},
};

UNIT_MAIN(tests)
