/*
 * Unit tests for tus.c: offsets and lengths, Upload-Metadata as
 * tus-js-client writes it and as a hostile client might (empty keys,
 * repeated keys, bad base64, spaces in values, too many keys, values too
 * long), Upload-Checksum for each algorithm and hostile ones, the
 * streaming checksums against known digests, and upload names.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include "base64.h"
#include "tus.h"
#include "unit.h"

static void
test_u64(void)
{
	static const struct {
		const char *s;
		int ok;
		uint64_t v;
	} rows[] = {
	    {"0", 1, 0},
	    {"42", 1, 42},
	    {"007", 1, 7},
	    {"9223372036854775807", 1, 9223372036854775807ull},
	    {"9223372036854775808", 0, 0},
	    {"99999999999999999999", 0, 0},
	    {"", 0, 0},
	    {"-1", 0, 0},
	    {"+1", 0, 0},
	    {" 1", 0, 0},
	    {"1 ", 0, 0},
	    {"0x10", 0, 0},
	    {"1e3", 0, 0},
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		v = 12345;
		if ((tus_u64(rows[i].s, &v) == 0) != rows[i].ok ||
		    (rows[i].ok && v != rows[i].v))
			FAILF("row %zu \"%s\"", i, rows[i].s);
	}
	CHECK_INT(tus_u64(NULL, &v), -1);
}

static void
test_meta(void)
{
	static const struct {
		const char *value;
		int ret, found;
		const char *want;
	} rows[] = {
	    {"filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential", 0,
	        1, "world_domination_plan.pdf"},
	    {"is_confidential,filename YS5iaW4=", 0, 1, "a.bin"},
	    {"filetype dGV4dC9wbGFpbg==, filename ZGlyL2EudHh0", 0, 1,
	        "dir/a.txt"},
	    {"filename", 0, 1, ""}, {"filename ", 0, 1, ""},
	    {"other YQ==", 0, 0, NULL}, {"", 0, 0, NULL},
	    {"filename YS5iaW4", 0, 1, "a.bin"},
	    {"filename YS5iaW4=,filename Yi5iaW4=", -1, 0, NULL},
	    {"a YQ==,a", -1, 0, NULL}, {",filename YQ==", -1, 0, NULL},
	    {"filename YS5i aW4=", -1, 0, NULL},
	    {"filename YS5*aW4=", -1, 0, NULL}, {"filename Y", -1, 0, NULL},
	    {"a,,b", -1, 0, NULL},
	    {"filename YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh", -1, 0,
	        NULL}, /* > cap */
	};
	char out[33], err[100];
	size_t i, len;
	int found;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		err[0] = '\0';
		int r = tus_meta_get(rows[i].value, "filename", out, 32, &len,
		    &found, err, sizeof(err));

		if (r != rows[i].ret || found != rows[i].found)
			FAILF("row %zu \"%s\": %d found %d (%s)", i,
			    rows[i].value, r, found, err);
		else if (found && strcmp(out, rows[i].want) != 0)
			FAILF("row %zu: \"%s\", want \"%s\"", i, out,
			    rows[i].want);
		if (r == -1 && err[0] == '\0')
			FAILF("row %zu: no message", i);
	}
}

static void
test_meta_many(void)
{
	char v[2000], out[8], err[100], k[8];
	size_t len;
	int i, found;

	v[0] = '\0';
	for (i = 0; i < TUS_META_PAIRS; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		CHECK_INT(tus_meta_put(v, sizeof(v), k, "x", 1), 0);
	}
	CHECK_INT(tus_meta_get(v, "k63", out, 7, &len, &found, err, 100), 0);
	CHECK(found && len == 1 && out[0] == 'x');
	CHECK_INT(tus_meta_put(v, sizeof(v), "one", "more", 4), 0);
	CHECK_INT(tus_meta_get(v, "k1", out, 7, &len, &found, err, 100), -1);
	CHECK(strstr(err, "too many") != NULL);
	CHECK_INT(tus_meta_put(v, 10, "x", "y", 1), -1);
}

static void
test_checksum_parse(void)
{
	static const struct {
		const char *value;
		int ret;
		enum tus_algo algo;
		size_t len;
	} rows[] = {
	    {"sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=", 0, TUS_SHA1, 20},
	    {"md5 XrY7u+Ae7tCTyyK7j1rNww==", 0, TUS_MD5, 16},
	    {"crc32 DUoRhQ==", 0, TUS_CRC32, 4},
	    {"sha256 uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=", 0,
	        TUS_SHA256, 32},
	    {"sha512 AAAA", -2, 0, 0},
	    {"SHA1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=", -2, 0, 0},
	    {"sha1", -1, 0, 0},
	    {"sha1Kq5sNclPz7QV2+lfQIuc6R7oRu0=", -1, 0, 0},
	    {"sha1 ", -1, 0, 0},
	    {"sha1 XrY7u+Ae7tCTyyK7j1rNww==", -1, 0, 0}, /* md5's length */
	    {"sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0= ", -1, 0, 0},
	    {"sha1  Kq5sNclPz7QV2+lfQIuc6R7oRu0=", -1, 0, 0},
	    {"crc32 DUoRhQ==DUoRhQ==", -1, 0, 0},
	    {" sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=", -2, 0, 0},
	};
	unsigned char d[TUS_DIGEST_MAX];
	char err[100];
	enum tus_algo a;
	size_t i, len;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int r = tus_checksum_parse(
		    rows[i].value, &a, d, &len, err, sizeof(err));

		if (r != rows[i].ret ||
		    (r == 0 && (a != rows[i].algo || len != rows[i].len)))
			FAILF("row %zu \"%s\": %d", i, rows[i].value, r);
	}
}

/* "hello world" digests, as sha1sum, sha256sum, md5sum and zlib print. */
static void
test_cksum(void)
{
	static const struct {
		enum tus_algo a;
		const char *b64;
	} rows[] = {
	    {TUS_SHA1, "Kq5sNclPz7QV2+lfQIuc6R7oRu0="},
	    {TUS_SHA256, "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="},
	    {TUS_MD5, "XrY7u+Ae7tCTyyK7j1rNww=="},
	    {TUS_CRC32, "DUoRhQ=="},
	};
	struct tus_cksum c;
	unsigned char d[TUS_DIGEST_MAX];
	char b[BASE64_LEN(TUS_DIGEST_MAX)];
	size_t i, n;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		CHECK_INT(tus_cksum_init(&c, rows[i].a), 0);
		tus_cksum_update(&c, "hello ", 6);
		tus_cksum_update(&c, "", 0);
		tus_cksum_update(&c, "world", 5);
		n = tus_cksum_final(&c, d);
		tus_cksum_free(&c);
		base64_encode(d, n, b, 0, 1);
		CHECK_STR(b, rows[i].b64);
	}
	CHECK_STR(tus_algo_name(TUS_CRC32), "crc32");
}

static void
test_names(void)
{
	char err[100];

	CHECK_INT(tus_name_check("a.bin", 5, err, sizeof(err)), 0);
	CHECK_INT(tus_name_check("sub/.haulx", 10, err, sizeof(err)), 0);
	CHECK_INT(tus_name_check(".haulfile", 9, err, sizeof(err)), 0);
	CHECK_INT(tus_name_check(".haul", 5, err, sizeof(err)), -1);
	CHECK_INT(tus_name_check(".haul/x", 7, err, sizeof(err)), -1);
	CHECK_INT(tus_name_check("../x", 4, err, sizeof(err)), -1);
	CHECK_INT(tus_name_check("/x", 2, err, sizeof(err)), -1);
	CHECK_INT(tus_name_check("a\0b", 3, err, sizeof(err)), -1);
}

static const struct unit_test tests[] = {
    {"u64", test_u64},
    {"meta", test_meta},
    {"meta_many", test_meta_many},
    {"checksum_parse", test_checksum_parse},
    {"cksum", test_cksum},
    {"names", test_names},
};

UNIT_MAIN(tests)
