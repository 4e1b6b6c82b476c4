/*
 * The option parsers: sizes and bounded integers, good and hostile rows,
 * overflow at the edges; opts_die() and the wrappers in a forked child,
 * checking exit status 2 and the one-line message.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>
#include <sys/wait.h>

#include <limits.h>
#include <unistd.h>

#include "opts.h"
#include "unit.h"

struct size_row {
	const char *in;
	int ok;
	uint64_t want;
};

struct int_row {
	const char *in;
	long long min, max;
	int ok;
	long long want;
};

static void test_size(void);
static void test_int(void);
static int run_child(int, char *, size_t);
static void test_die(void);
static void test_wrappers(void);

#define K 1024ULL

static const struct size_row size_rows[] = {
    {"0", 1, 0},
    {"1", 1, 1},
    {"123", 1, 123},
    {"007", 1, 7},
    {"8k", 1, 8 * K},
    {"8K", 1, 8 * K},
    {"512K", 1, 512 * K},
    {"1m", 1, K *K},
    {"1M", 1, K *K},
    {"2g", 1, 2 * K *K *K},
    {"2G", 1, 2 * K *K *K},
    {"0k", 1, 0},
    {"18446744073709551615", 1, UINT64_MAX},
    {"17179869183g", 1, 17179869183ULL << 30},
    {"18014398509481983k", 1, 18014398509481983ULL << 10},
    /* overflow */
    {"18446744073709551616", 0, 0},
    {"99999999999999999999999", 0, 0},
    {"17179869184g", 0, 0},
    {"18014398509481984k", 0, 0},
    /* junk */
    {"", 0, 0},
    {"-1", 0, 0},
    {"+1", 0, 0},
    {"k", 0, 0},
    {"g", 0, 0},
    {"1.5k", 0, 0},
    {"1.0", 0, 0},
    {"1kb", 0, 0},
    {"1KB", 0, 0},
    {"1KiB", 0, 0},
    {"1b", 0, 0},
    {"1t", 0, 0},
    {"1kk", 0, 0},
    {"1km", 0, 0},
    {" 1", 0, 0},
    {"1 ", 0, 0},
    {"1 k", 0, 0},
    {"\t1", 0, 0},
    {"0x10", 0, 0},
    {"1e3", 0, 0},
    {"1,000", 0, 0},
    {"1\n", 0, 0},
};

static const struct int_row int_rows[] = {
    {"0", 0, 10, 1, 0},
    {"10", 0, 10, 1, 10},
    {"1", 1, 9, 1, 1},
    {"9", 1, 9, 1, 9},
    {"-5", -10, 10, 1, -5},
    {"-10", -10, 10, 1, -10},
    {"0065535", 1, 65535, 1, 65535},
    {"9223372036854775807", LLONG_MIN, LLONG_MAX, 1, LLONG_MAX},
    {"-9223372036854775808", LLONG_MIN, LLONG_MAX, 1, LLONG_MIN},
    /* bounds */
    {"11", 0, 10, 0, 0},
    {"-1", 0, 10, 0, 0},
    {"0", 1, 9, 0, 0},
    {"10", 1, 9, 0, 0},
    {"65536", 1, 65535, 0, 0},
    /* overflow */
    {"9223372036854775808", LLONG_MIN, LLONG_MAX, 0, 0},
    {"-9223372036854775809", LLONG_MIN, LLONG_MAX, 0, 0},
    {"99999999999999999999999", 0, 10, 0, 0},
    /* junk */
    {"", 0, 10, 0, 0},
    {"-", 0, 10, 0, 0},
    {"--1", -10, 10, 0, 0},
    {"+1", 0, 10, 0, 0},
    {"1x", 0, 10, 0, 0},
    {"x1", 0, 10, 0, 0},
    {"0x10", 0, 100, 0, 0},
    {"1k", 0, 10000, 0, 0},
    {"1.0", 0, 10, 0, 0},
    {" 1", 0, 10, 0, 0},
    {"1 ", 0, 10, 0, 0},
    {"1\n", 0, 10, 0, 0},
};

static void
test_size(void)
{
	char err[128];
	uint64_t v;
	size_t i;
	int r;

	for (i = 0; i < sizeof(size_rows) / sizeof(size_rows[0]); i++) {
		v = 12345;
		err[0] = '\0';
		r = opts_parse_size(size_rows[i].in, &v, err, sizeof(err));
		if (size_rows[i].ok && r != 0)
			FAILF("size \"%s\" refused: %s", size_rows[i].in, err);
		else if (size_rows[i].ok && v != size_rows[i].want)
			FAILF("size \"%s\" = %" PRIu64 ", want %" PRIu64,
			    size_rows[i].in, v, size_rows[i].want);
		else if (!size_rows[i].ok && r != -1)
			FAILF("size \"%s\" accepted as %" PRIu64,
			    size_rows[i].in, v);
		else if (!size_rows[i].ok && (err[0] == '\0' || v != 12345))
			FAILF("size \"%s\": no message or out touched",
			    size_rows[i].in);
	}
	CHECK_INT(opts_parse_size(NULL, &v, err, sizeof(err)), -1);
	CHECK_INT(opts_parse_size("x", &v, NULL, 0), -1);
}

static void
test_int(void)
{
	const struct int_row *t;
	char err[128];
	long long v;
	size_t i;
	int r;

	for (i = 0; i < sizeof(int_rows) / sizeof(int_rows[0]); i++) {
		t = &int_rows[i];
		v = 12345;
		err[0] = '\0';
		r = opts_parse_int(t->in, t->min, t->max, &v, err, sizeof(err));
		if (t->ok && r != 0)
			FAILF("int \"%s\" refused: %s", t->in, err);
		else if (t->ok && v != t->want)
			FAILF(
			    "int \"%s\" = %lld, want %lld", t->in, v, t->want);
		else if (!t->ok && r != -1)
			FAILF("int \"%s\" accepted as %lld", t->in, v);
		else if (!t->ok && (err[0] == '\0' || v != 12345))
			FAILF("int \"%s\": no message or out touched", t->in);
	}
	CHECK_INT(opts_parse_int(NULL, 0, 1, &v, err, sizeof(err)), -1);
	CHECK_INT(opts_parse_int("x", 0, 1, &v, NULL, 0), -1);
	CHECK_INT(opts_parse_int("5", 0, 10, &v, err, sizeof(err)), 0);
	CHECK_INT(opts_parse_int("11", 0, 10, &v, err, sizeof(err)), -1);
	CHECK_STR(err, "11 is out of range 0..10");
}

/*
 * Fork, run case `which` in the child with stderr on a pipe, and return
 * the child's exit status (-1 if it did not exit); msg gets its stderr.
 */
static int
run_child(int which, char *msg, size_t len)
{
	int fd[2], status;
	size_t off = 0;
	ssize_t n;
	pid_t pid;

	msg[0] = '\0';
	if (pipe(fd) == -1)
		return -1;
	fflush(NULL);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		close(fd[0]);
		dup2(fd[1], STDERR_FILENO);
		switch (which) {
		case 0:
			opts_progname = NULL;
			opts_die("--port", "bad value \"%s\"", "x");
			break;
		case 1:
			opts_progname = "hauld";
			opts_die("-w/--workers", "%d is too many", 5000);
			break;
		case 2:
			opts_progname = "hauld";
			opts_size("--gzip-min", "1kb", 0, UINT64_MAX);
			break;
		case 3:
			opts_progname = "hauld";
			opts_size("--gzip-min", "2g", 1, 1024 * 1024);
			break;
		case 4:
			opts_progname = "haulproxy";
			opts_int("--port", "70000", 1, 65535);
			break;
		case 5:
			opts_progname = "haulstat";
			opts_die(NULL, "no stats file");
			break;
		}
		_exit(0);
	}
	close(fd[1]);
	while (off + 1 < len && (n = read(fd[0], msg + off, len - 1 - off)) > 0)
		off += (size_t)n;
	msg[off] = '\0';
	close(fd[0]);
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void
test_die(void)
{
	char msg[256];

	CHECK_INT(run_child(0, msg, sizeof(msg)), 2);
	CHECK_STR(msg, "haul: option --port: bad value \"x\"\n");
	CHECK_INT(run_child(1, msg, sizeof(msg)), 2);
	CHECK_STR(msg, "hauld: option -w/--workers: 5000 is too many\n");
	CHECK_INT(run_child(5, msg, sizeof(msg)), 2);
	CHECK_STR(msg, "haulstat: no stats file\n");
}

static void
test_wrappers(void)
{
	char msg[256];

	CHECK_INT(opts_size("--gzip-min", "8k", 0, UINT64_MAX), 8192);
	CHECK_INT(opts_int("--port", "8000", 1, 65535), 8000);
	CHECK_INT(run_child(2, msg, sizeof(msg)), 2);
	CHECK(strncmp(msg, "hauld: option --gzip-min: bad size \"1kb\"", 40) ==
	    0);
	CHECK_INT(run_child(3, msg, sizeof(msg)), 2);
	CHECK_STR(
	    msg, "hauld: option --gzip-min: size 2g is out of range 1..1m\n");
	CHECK_INT(run_child(4, msg, sizeof(msg)), 2);
	CHECK_STR(
	    msg, "haulproxy: option --port: 70000 is out of range 1..65535\n");
}

static const struct unit_test tests[] = {
    {"size", test_size},
    {"int", test_int},
    {"die", test_die},
    {"wrappers", test_wrappers},
};

UNIT_MAIN(tests)
