/*
 * auth.c: secrets files, Authorization values, signed-URL queries and
 * their redaction, from one input.  Properties beyond "no crash": a
 * Bearer value is accepted only when it carries the one known token; a
 * signed URL is accepted only when it carries the very signature the
 * harness's key makes for its path and expires; a parsed secrets file has at
 * least one secret; and a redacted target keeps no byte of a sig value after
 * "sig=".
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "auth.h"
#include "fuzz.h"

#define TOKEN "abcdefghijklmnopqrstuvwx"
#define KEY "0123456789abcdef0123456789abcdef"

static struct auth_set *tokens, *keys;

/* An accepted target holds the signature auth_sign() makes for it. */
static void
check_accepted(const char *s, const char *q)
{
	char path[4096], out[4200];
	const char *e;
	long long exp = 0;

	FUZZ_CHECK(q != NULL && (size_t)(q - s) < sizeof(path));
	memcpy(path, s, (size_t)(q - s));
	path[q - s] = '\0';
	e = strstr(q, "expires=");
	FUZZ_CHECK(e != NULL);
	for (e += 8; *e >= '0' && *e <= '9'; e++)
		exp = exp * 10 + (*e - '0');
	FUZZ_CHECK(auth_sign(keys, path, exp, out, sizeof(out)) == 0);
	FUZZ_CHECK(strstr(s, strstr(out, "sig=")) != NULL);
}

static void
check_redacted(const char *in)
{
	char out[256];
	const char *p;

	auth_redact(in, out, sizeof(out));
	FUZZ_CHECK(strlen(out) < sizeof(out));
	if (strchr(out, '?') == NULL)
		return;
	/* Every "sig=" that begins a parameter is followed by "-". */
	for (p = strchr(out, '?') + 1; *p != '\0'; p += strcspn(p, "&")) {
		if (*p == '&')
			p++;
		if (strncmp(p, "sig=", 4) == 0)
			FUZZ_CHECK(p[4] == '-' || p[4] == '\0');
		if (*p == '\0')
			break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[200], *s;
	const char *q;
	struct auth_set *set;
	enum auth_result r;

	if (tokens == NULL) {
		tokens = auth_parse(
		    AUTH_TOKENS, TOKEN, strlen(TOKEN), err, sizeof(err));
		keys =
		    auth_parse(AUTH_KEYS, KEY, strlen(KEY), err, sizeof(err));
		FUZZ_CHECK(tokens != NULL && keys != NULL);
	}
	s = fuzz_cstr(data, size);
	set = auth_parse(AUTH_TOKENS, s, size, err, sizeof(err));
	FUZZ_CHECK(set == NULL ? err[0] != '\0' : auth_count(set) > 0);
	auth_free(set);
	set = auth_parse(AUTH_KEYS, s, size, err, sizeof(err));
	FUZZ_CHECK(set == NULL ? err[0] != '\0' : auth_count(set) > 0);
	auth_free(set);

	r = auth_bearer(tokens, s);
	FUZZ_CHECK(r != AUTH_OK || strstr(s, TOKEN) != NULL);
	q = strchr(s, '?');
	r = auth_signed(
	    keys, s, q ? (size_t)(q - s) : strlen(s), q ? q + 1 : NULL, 0);
	if (r == AUTH_OK)
		check_accepted(s, q);
	check_redacted(s);
	free(s);
	return 0;
}
