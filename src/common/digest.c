/*
 * RFC 9530 digest fields (digest.h).  The fields are RFC 8941 Structured
 * Field dictionaries; a small parser here walks one member at a time and
 * skips, with full syntax checks, the items it has no use for (integers,
 * decimals, strings, tokens, booleans, inner lists, parameters), so that
 * a field is either understood whole or refused whole (RFC 8941 4.2).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include "base64.h"
#include "digest.h"

#define SF_KEY_MAX 64
#define SF_BYTES_MAX 96 /* decoded; sha-512 needs 64 */

enum sf_type { SF_INT, SF_DEC, SF_STR, SF_TOKEN, SF_BYTES, SF_BOOL, SF_LIST };

struct sf_item {
	enum sf_type type;
	long long num;
	size_t len; /* SF_BYTES */
	unsigned char bytes[SF_BYTES_MAX];
};

typedef int (*sf_member_fn)(const char *key, const struct sf_item *, void *);

static int sf_lcalpha(char);
static int sf_digit(char);
static int sf_key(const char **, char *);
static int sf_number(const char **, struct sf_item *);
static int sf_string(const char **);
static int sf_token(const char **);
static int sf_bytes(const char **, struct sf_item *);
static int sf_bare_item(const char **, struct sf_item *);
static int sf_params(const char **);
static int sf_inner_list(const char **);
static int sf_dict(const char *, sf_member_fn, void *);
static int repr_member(const char *, const struct sf_item *, void *);
static int want_member(const char *, const struct sf_item *, void *);

static int
sf_lcalpha(char c)
{
	return c >= 'a' && c <= 'z';
}

static int
sf_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* key = ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" ) */
static int
sf_key(const char **pp, char *key)
{
	const char *p = *pp;
	size_t n = 0;

	if (!sf_lcalpha(*p) && *p != '*')
		return -1;
	while (sf_lcalpha(*p) || sf_digit(*p) || (*p && strchr("_-.*", *p))) {
		if (n == SF_KEY_MAX - 1)
			return -1;
		key[n++] = *p++;
	}
	key[n] = '\0';
	*pp = p;
	return 0;
}

/* RFC 8941 4.2.4: at most 15 integer digits, or 12 and 3 decimals. */
static int
sf_number(const char **pp, struct sf_item *it)
{
	const char *p = *pp;
	int neg = 0, ndig = 0, nfrac = -1;
	long long v = 0;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (!sf_digit(*p))
		return -1;
	for (; sf_digit(*p) || (*p == '.' && nfrac < 0); p++) {
		if (*p == '.') {
			if (ndig > 12)
				return -1;
			nfrac = 0;
			continue;
		}
		if (nfrac >= 0 && ++nfrac > 3)
			return -1;
		if (++ndig > 15)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (nfrac == 0)
		return -1; /* "1." */
	it->type = nfrac < 0 ? SF_INT : SF_DEC;
	it->num = neg ? -v : v;
	*pp = p;
	return 0;
}

static int
sf_string(const char **pp)
{
	const char *p = *pp + 1;

	for (;; p++) {
		if (*p == '"') {
			*pp = p + 1;
			return 0;
		}
		if (*p == '\\') {
			p++;
			if (*p != '"' && *p != '\\')
				return -1;
		} else if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return -1; /* the end of the value too */
	}
}

/* token = ( ALPHA / "*" ) *( tchar / ":" / "/" ) */
static int
sf_token(const char **pp)
{
	const char *p = *pp;

	while (*p != '\0' &&
	    ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	        sf_digit(*p) || strchr("!#$%&'*+-.^_`|~:/", *p) != NULL))
		p++;
	*pp = p;
	return 0;
}

/* ":" base64 ":", padded or not (RFC 8941 4.2.7 lets parsers accept). */
static int
sf_bytes(const char **pp, struct sf_item *it)
{
	const char *p = *pp + 1, *end = strchr(p, ':');
	long n;

	if (end == NULL ||
	    (n = base64_decode(
	         p, (size_t)(end - p), it->bytes, SF_BYTES_MAX, 0)) < 0)
		return -1;
	it->type = SF_BYTES;
	it->len = (size_t)n;
	*pp = end + 1;
	return 0;
}

static int
sf_bare_item(const char **pp, struct sf_item *it)
{
	const char *p = *pp;

	if (*p == '-' || sf_digit(*p))
		return sf_number(pp, it);
	if (*p == '"') {
		it->type = SF_STR;
		return sf_string(pp);
	}
	if (*p == ':')
		return sf_bytes(pp, it);
	if (*p == '?') {
		if (p[1] != '0' && p[1] != '1')
			return -1;
		it->type = SF_BOOL;
		it->num = p[1] == '1';
		*pp = p + 2;
		return 0;
	}
	if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '*') {
		it->type = SF_TOKEN;
		return sf_token(pp);
	}
	return -1;
}

/* *( ";" *SP key [ "=" bare-item ] ) */
static int
sf_params(const char **pp)
{
	struct sf_item it;
	char key[SF_KEY_MAX];

	while (**pp == ';') {
		(*pp)++;
		while (**pp == ' ')
			(*pp)++;
		if (sf_key(pp, key) == -1)
			return -1;
		if (**pp == '=') {
			(*pp)++;
			if (sf_bare_item(pp, &it) == -1)
				return -1;
		}
	}
	return 0;
}

/* "(" *SP [ item *( 1*SP item ) *SP ] ")" parameters */
static int
sf_inner_list(const char **pp)
{
	struct sf_item it;
	const char *p = *pp + 1;

	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == ')')
			break;
		if (sf_bare_item(&p, &it) == -1 || sf_params(&p) == -1)
			return -1;
		if (*p != ' ' && *p != ')')
			return -1;
	}
	*pp = p + 1;
	return sf_params(pp);
}

/* RFC 8941 4.2.2; each member goes to fn, which may refuse it. */
static int
sf_dict(const char *value, sf_member_fn fn, void *arg)
{
	const char *p = value;
	char key[SF_KEY_MAX];
	struct sf_item it;

	while (*p == ' ')
		p++;
	while (*p != '\0') {
		if (sf_key(&p, key) == -1)
			return -1;
		it.type = SF_BOOL;
		it.num = 1;
		if (*p == '=') {
			p++;
			if (*p == '(') {
				it.type = SF_LIST;
				if (sf_inner_list(&p) == -1)
					return -1;
			} else if (sf_bare_item(&p, &it) == -1)
				return -1;
		}
		if (sf_params(&p) == -1 || fn(key, &it, arg) == -1)
			return -1;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (*p++ != ',')
			return -1;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return -1; /* a trailing comma */
	}
	return 0;
}

static int
repr_member(const char *key, const struct sf_item *it, void *arg)
{
	struct digest_set *set = arg;

	if (strcmp(key, "sha-256") == 0) {
		if (it->type != SF_BYTES || it->len != DIGEST_SHA256_LEN)
			return -1;
		memcpy(set->sha256, it->bytes, it->len);
		set->has_sha256 = 1;
	} else if (strcmp(key, "sha-512") == 0) {
		if (it->type != SF_BYTES || it->len != DIGEST_SHA512_LEN)
			return -1;
		memcpy(set->sha512, it->bytes, it->len);
		set->has_sha512 = 1;
	}
	return 0; /* other algorithms are not ours to check */
}

int
digest_repr_parse(const char *value, struct digest_set *set)
{
	memset(set, 0, sizeof(*set));
	if (sf_dict(value, repr_member, set) == -1) {
		memset(set, 0, sizeof(*set));
		return -1;
	}
	return 0;
}

static int
want_member(const char *key, const struct sf_item *it, void *arg)
{
	int *pref = arg;

	if (strcmp(key, "sha-256") != 0 && strcmp(key, "sha-512") != 0)
		return 0;
	/* RFC 9530 4: an Integer from 0 to 10. */
	if (it->type != SF_INT || it->num < 0 || it->num > 10)
		return -1;
	pref[key[4] == '5' ? 1 : 0] = (int)it->num;
	return 0;
}

int
digest_want_parse(const char *value, int *sha256, int *sha512)
{
	int pref[2] = {-1, -1};

	*sha256 = *sha512 = -1;
	if (sf_dict(value, want_member, pref) == -1)
		return -1;
	*sha256 = pref[0];
	*sha512 = pref[1];
	return 0;
}

void
digest_repr_format(const unsigned char *d, char *out, size_t outlen)
{
	char enc[BASE64_LEN(DIGEST_SHA256_LEN)];

	base64_encode(d, DIGEST_SHA256_LEN, enc, 0, 1);
	snprintf(out, outlen, "sha-256=:%s:", enc);
}

int
digest_hex_parse(const char *hex, unsigned char *d)
{
	size_t i;
	int hi, lo;

	if (strlen(hex) != 2 * DIGEST_SHA256_LEN)
		return -1;
	for (i = 0; i < DIGEST_SHA256_LEN; i++) {
		hi = hex[2 * i];
		lo = hex[2 * i + 1];
#define HEXV(c)                                                                \
	(sf_digit(c)                       ? (c) - '0'                         \
	        : (c) >= 'a' && (c) <= 'f' ? (c) - 'a' + 10                    \
	        : (c) >= 'A' && (c) <= 'F' ? (c) - 'A' + 10                    \
	                                   : -1)
		hi = HEXV(hi);
		lo = HEXV(lo);
#undef HEXV
		if (hi < 0 || lo < 0)
			return -1;
		d[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

void
digest_hex_format(const unsigned char *d, char *out)
{
	digest_hex(d, DIGEST_SHA256_LEN, out);
}

void
digest_hex(const unsigned char *d, size_t len, char *out)
{
	static const char x[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = x[d[i] >> 4];
		out[2 * i + 1] = x[d[i] & 15];
	}
	out[2 * len] = '\0';
}

/* "haul1 SIZE MTIME.NSEC INO HEX": the version first, then the digest. */
int
digest_xattr_format(const struct digest_version *v, const unsigned char *d,
    char *out, size_t outlen)
{
	char hex[2 * DIGEST_SHA256_LEN + 1];
	int n;

	digest_hex_format(d, hex);
	n = snprintf(out, outlen, "haul1 %llu %lld.%09ld %llu %s",
	    (unsigned long long)v->size, (long long)v->mtime_sec, v->mtime_nsec,
	    (unsigned long long)v->ino, hex);
	return n < 0 || (size_t)n >= outlen ? -1 : n;
}

int
digest_xattr_match(const char *value, size_t len,
    const struct digest_version *v, unsigned char *d)
{
	char want[DIGEST_XATTR_MAX], hex[2 * DIGEST_SHA256_LEN + 1];
	unsigned char zero[DIGEST_SHA256_LEN] = {0};
	int n;

	/* The value this version would have, but for its digest. */
	if ((n = digest_xattr_format(v, zero, want, sizeof(want))) == -1)
		return 0;
	n -= 2 * DIGEST_SHA256_LEN;
	if (len != (size_t)n + 2 * DIGEST_SHA256_LEN ||
	    memcmp(value, want, (size_t)n) != 0)
		return 0;
	memcpy(hex, value + n, 2 * DIGEST_SHA256_LEN);
	hex[2 * DIGEST_SHA256_LEN] = '\0';
	return digest_hex_parse(hex, d) == 0;
}
