/*
 * Bearer tokens and signed URLs (auth.h).  Tokens are stored as their
 * SHA-256 and a presented token is hashed before it is compared, so
 * every comparison is CRYPTO_memcmp over 32 bytes against every stored
 * value, whatever matched before: the time taken says nothing about
 * which token, or how much of one, was right.  Keys sign with
 * HMAC-SHA256; a signature is checked against every key (rotation:
 * the first key signs, all verify).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "auth.h"
#include "util.h"
#include "base64.h"

#define AUTH_FILE_MAX (1 << 20) /* a secrets file larger is refused */

struct auth_secret {
	unsigned char *p; /* a key's bytes, or a token's SHA-256 */
	size_t len;
};

struct auth_set {
	enum auth_kind kind;
	size_t n;
	struct auth_secret *v;
};

static int auth_b64token(const char *, size_t);
static int auth_add(struct auth_set *, const char *, size_t);
static void auth_mac(const struct auth_secret *, const char *, size_t,
    const char *, size_t, char *);

/* RFC 6750 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" /
 * "+" / "/" ) *"=" */
static int
auth_b64token(const char *s, size_t n)
{
	size_t i = 0, body;

	while (i < n &&
	    ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
	        (s[i] >= '0' && s[i] <= '9') ||
	        strchr("-._~+/", s[i]) != NULL) &&
	    s[i] != '\0')
		i++;
	body = i;
	while (i < n && s[i] == '=')
		i++;
	return body > 0 && i == n;
}

static int
auth_add(struct auth_set *set, const char *s, size_t n)
{
	struct auth_secret *v;
	unsigned char *p;
	size_t len = set->kind == AUTH_TOKENS ? SHA256_DIGEST_LENGTH : n;

	if ((p = malloc(len)) == NULL)
		return -1;
	if (set->kind == AUTH_TOKENS)
		SHA256((const unsigned char *)s, n, p);
	else
		memcpy(p, s, n);
	if ((v = realloc(set->v, (set->n + 1) * sizeof(*v))) == NULL) {
		OPENSSL_cleanse(p, len);
		free(p);
		return -1;
	}
	set->v = v;
	set->v[set->n].p = p;
	set->v[set->n].len = len;
	set->n++;
	return 0;
}

struct auth_set *
auth_parse(
    enum auth_kind kind, const char *buf, size_t len, char *err, size_t errlen)
{
	struct auth_set *set;
	const char *p = buf, *end = buf + len, *nl;
	size_t n, line = 0;

	if ((set = calloc(1, sizeof(*set))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	set->kind = kind;
	for (; p < end; p = nl + 1) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0 || p[0] == '#')
			continue;
		if (kind == AUTH_TOKENS &&
		    (n < AUTH_TOKEN_MIN || !auth_b64token(p, n))) {
			snprintf(err, errlen,
			    "line %zu: a token must be at least %d characters "
			    "of A-Z a-z 0-9 - . _ ~ + / (then =)",
			    line, AUTH_TOKEN_MIN);
			goto fail;
		}
		if (kind == AUTH_KEYS && n < AUTH_KEY_MIN) {
			snprintf(err, errlen,
			    "line %zu: a key must be at least %d bytes", line,
			    AUTH_KEY_MIN);
			goto fail;
		}
		if (auth_add(set, p, n) == -1) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	if (set->n == 0) {
		snprintf(err, errlen, "no %s in it",
		    kind == AUTH_TOKENS ? "token" : "key");
		goto fail;
	}
	return set;
fail:
	auth_free(set);
	return NULL;
}

struct auth_set *
auth_load(enum auth_kind kind, const char *path, char *err, size_t errlen)
{
	struct auth_set *set = NULL;
	struct stat st;
	char *buf = NULL, why[160];
	ssize_t n = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > AUTH_FILE_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most 1 MiB",
		    path);
		goto done;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL ||
	    (n = read(fd, buf, (size_t)st.st_size)) != st.st_size) {
		snprintf(err, errlen, "%s: %s", path,
		    n == -1 ? strerror(errno) : "short read");
		goto done;
	}
	if ((set = auth_parse(kind, buf, (size_t)n, why, sizeof(why))) == NULL)
		snprintf(err, errlen, "%s: %s", path, why);
done:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, (size_t)st.st_size);
		free(buf);
	}
	if (fd != -1)
		close(fd);
	return set;
}

void
auth_free(struct auth_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++) {
		OPENSSL_cleanse(set->v[i].p, set->v[i].len);
		free(set->v[i].p);
	}
	free(set->v);
	free(set);
}

size_t
auth_count(const struct auth_set *set)
{
	return set ? set->n : 0;
}

enum auth_result
auth_bearer(const struct auth_set *tokens, const char *value)
{
	unsigned char d[SHA256_DIGEST_LENGTH];
	size_t i, n;
	int match = 0;

	if (value == NULL)
		return AUTH_NONE;
	while (*value == ' ' || *value == '\t')
		value++;
	/* RFC 9110 11.1: the scheme is case-insensitive. */
	if (strncasecmp(value, "Bearer", 6) != 0 ||
	    (value[6] != ' ' && value[6] != '\0'))
		return AUTH_NONE;
	value += 6;
	while (*value == ' ')
		value++;
	n = strlen(value);
	while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
		n--;
	if (!auth_b64token(value, n) || tokens == NULL)
		return AUTH_BAD;
	SHA256((const unsigned char *)value, n, d);
	for (i = 0; i < tokens->n; i++)
		match |= CRYPTO_memcmp(d, tokens->v[i].p, sizeof(d)) == 0;
	OPENSSL_cleanse(d, sizeof(d));
	return match ? AUTH_OK : AUTH_BAD;
}

/* sig = base64url(HMAC-SHA256(key, path "\n" expires)); sig has 44 bytes. */
static void
auth_mac(const struct auth_secret *key, const char *path, size_t pathlen,
    const char *expires, size_t elen, char *sig)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char *msg;

	sig[0] = '\0';
	if ((msg = malloc(pathlen + 1 + elen)) == NULL)
		return;
	memcpy(msg, path, pathlen);
	msg[pathlen] = '\n';
	memcpy(msg + pathlen + 1, expires, elen);
	if (HMAC(EVP_sha256(), key->p, (int)key->len, (unsigned char *)msg,
	        pathlen + 1 + elen, mac, &maclen) != NULL &&
	    maclen == 32)
		base64_encode(mac, maclen, sig, 1, 0);
	free(msg);
}

enum auth_result
auth_signed(const struct auth_set *keys, const char *path, size_t pathlen,
    const char *query, time_t now)
{
	const char *e = NULL, *s = NULL;
	size_t elen = 0, slen = 0, qlen, i;
	char want[AUTH_SIG_LEN + 1];
	long long exp = 0;
	int re, rs, match = 0;

	if (query == NULL)
		return AUTH_NONE;
	qlen = strlen(query);
	re = query_param(query, qlen, "expires", &e, &elen);
	rs = query_param(query, qlen, "sig", &s, &slen);
	if (re == 0 && rs == 0)
		return AUTH_NONE;
	if (re != 1 || rs != 1 || elen == 0 || elen > 18 ||
	    slen != AUTH_SIG_LEN || keys == NULL)
		return AUTH_BAD;
	for (i = 0; i < elen; i++) {
		if (e[i] < '0' || e[i] > '9')
			return AUTH_BAD;
		exp = exp * 10 + (e[i] - '0');
	}
	if (exp < (long long)now)
		return AUTH_BAD;
	for (i = 0; i < keys->n; i++) {
		auth_mac(&keys->v[i], path, pathlen, e, elen, want);
		match |= strlen(want) == AUTH_SIG_LEN &&
		    CRYPTO_memcmp(want, s, AUTH_SIG_LEN) == 0;
	}
	return match ? AUTH_OK : AUTH_BAD;
}

int
auth_sign(const struct auth_set *keys, const char *target, long long expires,
    char *out, size_t outlen)
{
	const char *q = strchr(target, '?');
	size_t pathlen = q ? (size_t)(q - target) : strlen(target);
	char e[24], sig[AUTH_SIG_LEN + 1];
	int n;

	if (keys == NULL || keys->n == 0 || expires < 0)
		return -1;
	snprintf(e, sizeof(e), "%lld", expires);
	auth_mac(&keys->v[0], target, pathlen, e, strlen(e), sig);
	if (sig[0] == '\0')
		return -1;
	n = snprintf(out, outlen, "%s%sexpires=%s&sig=%s", target,
	    q == NULL ? "?" : (q[1] == '\0' ? "" : "&"), e, sig);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

void
auth_redact(const char *target, char *out, size_t outlen)
{
	const char *p = strchr(target, '?'), *amp;
	size_t o, n;

	if (outlen == 0)
		return;
	n = p ? (size_t)(p - target) + 1 : strlen(target);
	o = n < outlen ? n : outlen - 1;
	memcpy(out, target, o);
	for (p = p ? p + 1 : NULL; p != NULL && *p != '\0' && o < outlen - 1;
	     p = *amp ? amp + 1 : amp) {
		amp = p + strcspn(p, "&");
		if (strncmp(p, "sig=", 4) == 0) {
			n = snprintf(
			    out + o, outlen - o, "sig=-%s", *amp ? "&" : "");
		} else {
			n = snprintf(out + o, outlen - o, "%.*s%s",
			    (int)(amp - p), p, *amp ? "&" : "");
		}
		o += n < outlen - o ? n : outlen - 1 - o;
	}
	out[o] = '\0';
}
