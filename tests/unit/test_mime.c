/*
 * Content types: the built-in table and its extension rule, mime_load()
 * on a mime.types file written here (with garbage, overlong lines and a
 * NUL byte), sniffing of text, UTF-8 (whole, cut and broken) and binary,
 * and the compressible list.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <unistd.h>

#include "mime.h"
#include "unit.h"

struct ext_row {
	const char *path;
	const char *want; /* NULL: unknown */
};

struct sniff_row {
	const char *name;
	const char *buf;
	size_t len;
	int text;
};

struct comp_row {
	const char *type;
	int want;
};

static void test_ext(void);
static int write_temp(char *, const char *, size_t);
static void test_load(void);
static void test_load_errors(void);
static void test_sniff(void);
static void test_compressible(void);

static const struct ext_row ext_rows[] = {
    {"a.txt", "text/plain"},
    {"A.TXT", "text/plain"},
    {"dir/file.Json", "application/json"},
    {"x.tar.gz", "application/gzip"},
    {"x.tgz", "application/gzip"},
    {"x.html", "text/html"},
    {"x.htm", "text/html"},
    {"x.css", "text/css"},
    {"x.js", "text/javascript"},
    {"x.mjs", "text/javascript"},
    {"x.csv", "text/csv"},
    {"x.tsv", "text/tab-separated-values"},
    {"x.ndjson", "application/x-ndjson"},
    {"x.jsonl", "application/x-ndjson"},
    {"x.xml", "application/xml"},
    {"x.yaml", "application/yaml"},
    {"x.yml", "application/yaml"},
    {"x.svg", "image/svg+xml"},
    {"x.md", "text/markdown"},
    {"x.c", "text/x-c"},
    {"x.h", "text/x-c"},
    {"x.png", "image/png"},
    {"x.JPG", "image/jpeg"},
    {"x.jpeg", "image/jpeg"},
    {"x.mp4", "video/mp4"},
    {"x.pdf", "application/pdf"},
    {"x.iso", "application/x-iso9660-image"},
    {"x.bin", "application/octet-stream"},
    {"x.wasm", "application/wasm"},
    {"x.woff2", "font/woff2"},
    {"x.zst", "application/zstd"},
    {"x.7z", "application/x-7z-compressed"},
    {"x.log", "text/plain"},
    /* no extension */
    {"README", NULL},
    {"a.b/c", NULL},
    {"a.txt/", NULL},
    {".bashrc", NULL},
    {"dir/.txt", NULL},
    {"x.", NULL},
    {"", NULL},
    {".", NULL},
    {"..", NULL},
    {"x.unknownext", NULL},
    {"x.txtx", NULL},
    {"x.tx", NULL},
    {"x.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        NULL},
    {"x.t\xc3\xa9", NULL},
    /* the last segment's last dot */
    {".hidden.txt", "text/plain"},
    {"a.json/b.txt", "text/plain"},
    {"x.txt.unknown", NULL},
};

static void
test_ext(void)
{
	size_t i;

	for (i = 0; i < sizeof(ext_rows) / sizeof(ext_rows[0]); i++) {
		if (ext_rows[i].want == NULL) {
			if (mime_by_ext(ext_rows[i].path) != NULL)
				FAILF("\"%s\" = \"%s\", want NULL",
				    ext_rows[i].path,
				    mime_by_ext(ext_rows[i].path));
		} else
			CHECK_STR(
			    mime_by_ext(ext_rows[i].path), ext_rows[i].want);
	}
	CHECK(mime_by_ext(NULL) == NULL);
}

/* Write len bytes to a new temporary file; its name goes to path. */
static int
write_temp(char *path, const char *data, size_t len)
{
	int fd;

	strcpy(path, "/tmp/test_mime.XXXXXX");
	if ((fd = mkstemp(path)) == -1)
		return -1;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		return -1;
	}
	return close(fd);
}

static void
test_load(void)
{
	static const char head[] =
	    "# mime.types for the test\n"
	    "\n"
	    "   \t  \n"
	    "application/x-haul\thaul HLX\n"
	    "text/x-custom   cst  # trailing comment ext\n"
	    "text/markdown\t\t\tmd markdown\n" /* overrides the built-in */
	    "application/json json\r\n"        /* CRLF */
	    "image/x-late late\n"
	    "image/x-later late\n" /* the later line wins */
	    "garbage\n"
	    "no-slash ext1\n"
	    "/leading ext2\n"
	    "trailing/ ext3\n"
	    "two/sl/ashes ext4\n"
	    "text/plain dot.ted sla/sh semi; back\\slash ok1\n"
	    "text/x-semi html;\n"
	    "#text/x-commented commented\n"
	    "\t  application/x-indented   ind\n"
	    "\x01\x02\x03\xff\xfe garbage bytes\n"
	    "text/x-bin \x01"
	    "bad \xff"
	    "ok2\n"
	    "text/x-nul nul1\0 nul2\n"
	    "type/only\n";
	char buf[sizeof(head) + 3 * 8192 + 256], path[64];
	size_t len;
	int n;

	/* head, then a 10 KiB line, then a last line with no newline. */
	len = sizeof(head) - 1;
	memcpy(buf, head, len);
	memcpy(buf + len, "text/x-long long1 ", 18);
	len += 18;
	memset(buf + len, 'x', 10240 - 18);
	len += 10240 - 18;
	memcpy(buf + len, " long2\ntext/x-tail tail", 23);
	len += 23;

	if (write_temp(path, buf, len) == -1) {
		FAILF("cannot write a temporary file: %s", strerror(errno));
		return;
	}
	n = mime_load(path);
	unlink(path);
	/* haul HLX cst md markdown json late late ok1 ind nul1 tail */
	CHECK_INT(n, 12);
	CHECK_STR(mime_by_ext("a.haul"), "application/x-haul");
	CHECK_STR(mime_by_ext("a.hlx"), "application/x-haul");
	CHECK_STR(mime_by_ext("a.HLX"), "application/x-haul");
	CHECK_STR(mime_by_ext("a.cst"), "text/x-custom");
	CHECK(mime_by_ext("a.comment") == NULL);
	CHECK(mime_by_ext("a.ext") == NULL);
	CHECK_STR(mime_by_ext("a.md"), "text/markdown");
	CHECK_STR(mime_by_ext("a.markdown"), "text/markdown");
	CHECK_STR(mime_by_ext("a.json"), "application/json");
	CHECK_STR(mime_by_ext("a.late"), "image/x-later");
	CHECK(mime_by_ext("a.ext1") == NULL);
	CHECK(mime_by_ext("a.ext2") == NULL);
	CHECK(mime_by_ext("a.ext3") == NULL);
	CHECK(mime_by_ext("a.ext4") == NULL);
	CHECK_STR(mime_by_ext("a.ok1"), "text/plain");
	CHECK(mime_by_ext("a.ted") == NULL);
	CHECK(mime_by_ext("a.semi") == NULL);
	CHECK(mime_by_ext("a.back") == NULL);
	CHECK_STR(mime_by_ext("a.html"), "text/html");
	CHECK(mime_by_ext("a.commented") == NULL);
	CHECK_STR(mime_by_ext("a.ind"), "application/x-indented");
	CHECK(mime_by_ext("a.bytes") == NULL);
	CHECK(mime_by_ext("a.ok2") == NULL);
	CHECK_STR(mime_by_ext("a.nul1"), "text/x-nul");
	CHECK(mime_by_ext("a.nul2") == NULL);
	CHECK(mime_by_ext("a.long1") == NULL);
	CHECK(mime_by_ext("a.long2") == NULL);
	CHECK_STR(mime_by_ext("a.tail"), "text/x-tail");
	/* Built-ins not named in the file are still there. */
	CHECK_STR(mime_by_ext("a.png"), "image/png");

	/* A second load takes precedence over the first. */
	if (write_temp(path, "image/x-haul haul\n", 18) == 0) {
		CHECK_INT(mime_load(path), 1);
		unlink(path);
		CHECK_STR(mime_by_ext("b.haul"), "image/x-haul");
		CHECK_STR(mime_by_ext("b.hlx"), "application/x-haul");
	} else
		FAILF("cannot write a temporary file: %s", strerror(errno));

	mime_unload();
	CHECK(mime_by_ext("a.haul") == NULL);
	CHECK_STR(mime_by_ext("a.json"), "application/json");
	CHECK_STR(mime_by_ext("a.md"), "text/markdown");
	CHECK_STR(mime_by_ext("a.txt"), "text/plain");
}

static void
test_load_errors(void)
{
	char path[64];

	errno = 0;
	CHECK_INT(mime_load("/nonexistent/mime.types"), -1);
	CHECK_INT(errno, ENOENT);

	/* An empty file and a directory. */
	if (write_temp(path, "", 0) == 0) {
		CHECK_INT(mime_load(path), 0);
		unlink(path);
	}
	errno = 0;
	CHECK_INT(mime_load("/"), -1);
	CHECK(errno != 0);
	mime_unload();
	mime_unload();
}

#define S(s) s, sizeof(s) - 1

static const struct sniff_row sniff_rows[] = {
    {"empty", "", 0, 1},
    {"ascii", S("hello, world\n"), 1},
    {"tab cr lf ff esc", S("a\tb\r\nc\fd\033[0m"), 1},
    {"utf8 2-byte", S("caf\xc3\xa9"), 1},
    {"utf8 3-byte", S("\xe2\x82\xac 5"), 1},
    {"utf8 4-byte", S("\xf0\x9f\x98\x80"), 1},
    {"utf8 U+10FFFF", S("\xf4\x8f\xbf\xbf"), 1},
    {"utf8 U+D7FF", S("\xed\x9f\xbf"), 1},
    {"utf8 U+E000", S("\xee\x80\x80"), 1},
    {"cut 2-byte", S("abc\xc3"), 1},
    {"cut 3-byte after 1", S("abc\xe2"), 1},
    {"cut 3-byte after 2", S("abc\xe2\x82"), 1},
    {"cut 4-byte after 3", S("abc\xf0\x9f\x98"), 1},
    {"NUL", "a\0b", 3, 0},
    {"NUL only", "\0", 1, 0},
    {"trailing NUL", "abc\0", 4, 0},
    {"bell", S("a\007b"), 0},
    {"vertical tab", S("a\vb"), 0},
    {"backspace", S("a\bb"), 0},
    {"DEL", S("a\x7f"), 0},
    {"lone continuation", S("a\x80z"), 0},
    {"latin-1", S("caf\xe9 au lait"), 0},
    {"overlong C0", S("\xc0\xaf"), 0},
    {"overlong C1", S("\xc1\xbf"), 0},
    {"overlong E0", S("\xe0\x80\xaf"), 0},
    {"overlong F0", S("\xf0\x80\x80\xaf"), 0},
    {"surrogate", S("\xed\xa0\x80"), 0},
    {"past U+10FFFF", S("\xf4\x90\x80\x80"), 0},
    {"F5", S("\xf5\x80\x80\x80"), 0},
    {"FF", S("\xff"), 0},
    {"short sequence", S("\xc3z"), 0},
    {"short 3-byte", S("\xe2\x82z"), 0},
    {"cut overlong E0", S("abc\xe0\x80"), 0},
    {"cut surrogate", S("abc\xed\xa0"), 0},
    {"png", S("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), 0},
    {"gzip", S("\x1f\x8b\x08\0"), 0},
};

static void
test_sniff(void)
{
	const char *text = "text/plain; charset=utf-8";
	const char *bin = "application/octet-stream";
	unsigned char big[MIME_SNIFF_LEN];
	size_t i;

	for (i = 0; i < sizeof(sniff_rows) / sizeof(sniff_rows[0]); i++) {
		const char *got =
		    mime_sniff((const unsigned char *)sniff_rows[i].buf,
		        sniff_rows[i].len);
		const char *want = sniff_rows[i].text ? text : bin;

		if (strcmp(got, want) != 0)
			FAILF("sniff %s = \"%s\", want \"%s\"",
			    sniff_rows[i].name, got, want);
	}
	CHECK_STR(mime_sniff(NULL, 0), text);

	/* A full buffer of text with a euro sign cut by its end. */
	memset(big, 'a', sizeof(big));
	memcpy(big + sizeof(big) - 2, "\xe2\x82", 2);
	CHECK_STR(mime_sniff(big, sizeof(big)), text);
	big[10] = 0;
	CHECK_STR(mime_sniff(big, sizeof(big)), bin);
}

static const struct comp_row comp_rows[] = {
    {"text/plain", 1},
    {"text/html; charset=utf-8", 1},
    {"TEXT/CSS", 1},
    {"text/csv", 1},
    {"text/javascript", 1},
    {"text/plain ; charset=utf-8", 1},
    {"text/plain;charset=utf-8", 1},
    {"application/json", 1},
    {"Application/JSON", 1},
    {"application/json; charset=utf-8", 1},
    {"application/ld+json", 1},
    {"application/problem+json", 1},
    {"application/vnd.api+json", 1},
    {"application/xml", 1},
    {"application/atom+xml", 1},
    {"application/xhtml+xml", 1},
    {"image/svg+xml", 1},
    {"IMAGE/SVG+XML", 1},
    {"application/javascript", 1},
    {"application/x-javascript", 1},
    {"application/yaml", 1},
    {"application/x-yaml", 1},
    {"application/x-ndjson", 1},
    {"application/toml", 1},
    {"application/wasm", 1},
    {"font/ttf", 1},
    /* not compressible */
    {"application/octet-stream", 0},
    {"application/gzip", 0},
    {"application/zip", 0},
    {"application/zstd", 0},
    {"image/png", 0},
    {"image/jpeg", 0},
    {"video/mp4", 0},
    {"audio/mpeg", 0},
    {"font/woff2", 0},
    {"application/pdf", 0},
    {"application/jsonx", 0},
    {"application/json-seq-not", 0},
    {"application/xmlfoo", 0},
    {"application/+json", 0},
    {"+json", 0},
    {"text", 0},
    {"text/", 0},
    {"/plain", 0},
    {"texts/plain", 0},
    {"tex/plain", 0},
    {"", 0},
    {";text/plain", 0},
    {"application/x-tar", 0},
};

static void
test_compressible(void)
{
	size_t i;

	for (i = 0; i < sizeof(comp_rows) / sizeof(comp_rows[0]); i++)
		if (mime_compressible(comp_rows[i].type) != comp_rows[i].want)
			FAILF("compressible \"%s\" = %d, want %d",
			    comp_rows[i].type,
			    mime_compressible(comp_rows[i].type),
			    comp_rows[i].want);
	CHECK_INT(mime_compressible(NULL), 0);
	/* Every type the built-in table gives for a text extension. */
	CHECK_INT(mime_compressible(mime_by_ext("a.svg")), 1);
	CHECK_INT(mime_compressible(mime_by_ext("a.yml")), 1);
	CHECK_INT(mime_compressible(mime_by_ext("a.jsonl")), 1);
	CHECK_INT(mime_compressible(mime_by_ext("a.js")), 1);
	CHECK_INT(mime_compressible(mime_by_ext("a.gz")), 0);
	CHECK_INT(mime_compressible(mime_by_ext("a.unknown")), 0);
}

static const struct unit_test tests[] = {
    {"ext", test_ext},
    {"load", test_load},
    {"load_errors", test_load_errors},
    {"sniff", test_sniff},
    {"compressible", test_compressible},
};

UNIT_MAIN(tests)
