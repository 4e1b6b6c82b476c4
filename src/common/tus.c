/*
 * tus 1.0.0 header values (tus.h).  The protocol's own words decide each
 * rule: Upload-Metadata keys "MUST NOT contain spaces and commas and MUST
 * NOT be empty", "all keys MUST be unique", a value "MUST be Base64
 * encoded" and "MAY be empty" (the space then optional); Upload-Checksum
 * is "the name of the used checksum algorithm and the Base64 encoded
 * checksum separated by a space".  crc32 comes from zlib, the others
 * from OpenSSL's EVP.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>
#ifdef HAVE_ISAL
#include <isa-l/crc.h>
#endif

#include "base64.h"
#include "path.h"
#include "tus.h"

#define TUS_STATE_DIR ".haul"

static const struct {
	const char *name;
	size_t len;
} algos[] = {
    [TUS_SHA1] = {"sha1", 20},
    [TUS_SHA256] = {"sha256", 32},
    [TUS_MD5] = {"md5", 16},
    [TUS_CRC32] = {"crc32", 4},
};

/* One "key base64" pair of Upload-Metadata, pointing into the value. */
struct tus_pair {
	const char *k, *v;
	size_t klen, vlen;
};

static const EVP_MD *tus_md(enum tus_algo);
static int tus_meta_split(
    const char *, struct tus_pair *, size_t *, char *, size_t);
static int tus_err(char *, size_t, const char *);

int
tus_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (INT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/*
 * Split an Upload-Metadata value into its pairs and check each: 0 with
 * the count, or -1 with a message.
 */
static int
tus_meta_split(const char *p, struct tus_pair *pair, size_t *count, char *err,
    size_t errlen)
{
	const char *end, *sp;
	size_t n = 0, i;

	for (; *p != '\0'; p = *end ? end + 1 : end) {
		while (*p == ' ')
			p++;
		end = p + strcspn(p, ",");
		sp = memchr(p, ' ', (size_t)(end - p));
		if (n == TUS_META_PAIRS)
			return tus_err(err, errlen, "too many keys");
		pair[n].k = p;
		pair[n].klen = (size_t)((sp ? sp : end) - p);
		pair[n].v = sp ? sp + 1 : end;
		pair[n].vlen = sp ? (size_t)(end - sp - 1) : 0;
		if (pair[n].klen == 0)
			return tus_err(err, errlen, "an empty key");
		if (base64_decode(pair[n].v, pair[n].vlen, NULL, 0, 0) < 0)
			return tus_err(
			    err, errlen, "a value that is not base64");
		for (i = 0; i < n; i++)
			if (pair[i].klen == pair[n].klen &&
			    memcmp(pair[i].k, p, pair[n].klen) == 0)
				return tus_err(
				    err, errlen, "a key given twice");
		n++;
	}
	*count = n;
	return 0;
}

static int
tus_err(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "Upload-Metadata: %s", what);
	return -1;
}

int
tus_meta_get(const char *value, const char *key, char *out, size_t cap,
    size_t *len, int *found, char *err, size_t errlen)
{
	struct tus_pair pair[TUS_META_PAIRS];
	size_t n, i;
	long r;

	*found = 0;
	*len = 0;
	if (tus_meta_split(value, pair, &n, err, errlen) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (strlen(key) != pair[i].klen ||
		    memcmp(pair[i].k, key, pair[i].klen) != 0)
			continue;
		r = base64_decode(
		    pair[i].v, pair[i].vlen, (unsigned char *)out, cap, 0);
		if (r < 0) {
			snprintf(
			    err, errlen, "Upload-Metadata: %s too long", key);
			return -1;
		}
		out[r] = '\0';
		*len = (size_t)r;
		*found = 1;
	}
	return 0;
}

int
tus_meta_put(
    char *out, size_t outlen, const char *key, const void *val, size_t len)
{
	size_t used = strlen(out), need;

	need = used + (used ? 1 : 0) + strlen(key) + 1 + BASE64_LEN(len);
	if (need > outlen)
		return -1;
	if (used)
		out[used++] = ',';
	used += (size_t)sprintf(out + used, "%s ", key);
	base64_encode(val, len, out + used, 0, 1);
	return 0;
}

int
tus_checksum_parse(const char *value, enum tus_algo *algo,
    unsigned char *digest, size_t *len, char *err, size_t errlen)
{
	const char *sp = strchr(value, ' ');
	size_t i, nlen;
	long n;

	if (sp == NULL) {
		snprintf(err, errlen,
		    "Upload-Checksum: no space after the "
		    "algorithm");
		return -1;
	}
	nlen = (size_t)(sp - value);
	for (i = 0; i < sizeof(algos) / sizeof(algos[0]); i++)
		if (strlen(algos[i].name) == nlen &&
		    memcmp(value, algos[i].name, nlen) == 0)
			break;
	if (i == sizeof(algos) / sizeof(algos[0])) {
		snprintf(err, errlen,
		    "Upload-Checksum: unsupported algorithm (use one of "
		    "%s)",
		    TUS_CHECKSUMS);
		return -2;
	}
	n = base64_decode(sp + 1, strlen(sp + 1), digest, TUS_DIGEST_MAX, 0);
	if (n != (long)algos[i].len) {
		snprintf(err, errlen, "Upload-Checksum: not a base64 %s digest",
		    algos[i].name);
		return -1;
	}
	*algo = (enum tus_algo)i;
	*len = (size_t)n;
	return 0;
}

const char *
tus_algo_name(enum tus_algo a)
{
	return algos[a].name;
}

static const EVP_MD *
tus_md(enum tus_algo a)
{
	switch (a) {
	case TUS_SHA1:
		return EVP_sha1();
	case TUS_SHA256:
		return EVP_sha256();
	case TUS_MD5:
		return EVP_md5();
	default:
		return NULL;
	}
}

int
tus_cksum_init(struct tus_cksum *c, enum tus_algo a)
{
	memset(c, 0, sizeof(*c));
	c->algo = a;
	if (a == TUS_CRC32) {
		c->crc = (uint32_t)crc32(0L, Z_NULL, 0);
		return 0;
	}
	if ((c->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(c->md, tus_md(a), NULL) != 1) {
		tus_cksum_free(c);
		return -1;
	}
	return 0;
}

void
tus_cksum_update(struct tus_cksum *c, const void *p, size_t n)
{
	const unsigned char *b = p;

	if (c->algo != TUS_CRC32) {
		EVP_DigestUpdate(c->md, p, n);
		return;
	}
#ifdef HAVE_ISAL
	/* The same CRC-32 as zlib's, several times faster. */
	c->crc = crc32_gzip_refl(c->crc, b, (uint64_t)n);
#else
	while (n > 0) {
		uInt step = n > (1u << 30) ? 1u << 30 : (uInt)n;

		c->crc = (uint32_t)crc32(c->crc, b, step);
		b += step;
		n -= step;
	}
#endif
}
size_t
tus_cksum_final(struct tus_cksum *c, unsigned char *out)
{
	unsigned int n = 0;

	if (c->algo == TUS_CRC32) {
		out[0] = (unsigned char)(c->crc >> 24);
		out[1] = (unsigned char)(c->crc >> 16);
		out[2] = (unsigned char)(c->crc >> 8);
		out[3] = (unsigned char)c->crc;
		return 4;
	}
	if (EVP_DigestFinal_ex(c->md, out, &n) != 1)
		return 0;
	return n;
}

void
tus_cksum_free(struct tus_cksum *c)
{
	EVP_MD_CTX_free(c->md);
	c->md = NULL;
}

int
tus_name_check(const char *name, size_t len, char *err, size_t errlen)
{
	size_t sl = sizeof(TUS_STATE_DIR) - 1;

	if (path_check(name, len, err, errlen) == -1)
		return -1;
	if (len >= sl && memcmp(name, TUS_STATE_DIR, sl) == 0 &&
	    (len == sl || name[sl] == '/')) {
		snprintf(err, errlen, "name in the upload state directory");
		return -1;
	}
	return 0;
}
