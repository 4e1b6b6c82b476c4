/*
 * Authorization, pure: bearer tokens (RFC 6750) and signed URLs
 * (PATH?expires=E&sig=S, S the unpadded base64url HMAC-SHA256 of PATH,
 * a newline and E, under a key), as SPEC.md's "Authorization" section
 * says.  Secrets are files of one secret a line; tokens are kept only as
 * SHA-256 digests and every comparison is constant-time (CRYPTO_memcmp
 * over fixed-size values), so neither a token's bytes nor its length
 * leaks through timing.  Nothing here logs: callers never see a secret
 * to log, and auth_redact() blanks signatures out of a request target.
 */
#ifndef HAUL_AUTH_H
#define HAUL_AUTH_H

#include <stddef.h>
#include <time.h>

#define AUTH_TOKEN_MIN 16 /* characters of a bearer token */
#define AUTH_KEY_MIN 32   /* bytes of a URL-signing key */
#define AUTH_SIG_LEN 43   /* base64url of 32 bytes, unpadded */

enum auth_kind { AUTH_TOKENS, AUTH_KEYS };

/* What a request's credentials come to (401, authorized, 403). */
enum auth_result { AUTH_NONE, AUTH_OK, AUTH_BAD };

struct auth_set;

/*
 * Parse a secrets file's contents: one secret a line, blank lines and
 * lines starting with '#' ignored, CRLF or LF line ends.  AUTH_TOKENS:
 * each at least AUTH_TOKEN_MIN characters of RFC 6750's b64token set;
 * AUTH_KEYS: each line's raw bytes are the key, at least AUTH_KEY_MIN.
 * An empty set is an error.  NULL with a message naming the line in err
 * (never the secret).
 */
struct auth_set *auth_parse(
    enum auth_kind, const char *buf, size_t len, char *err, size_t errlen);
/* The same from a file; the message names the file. */
struct auth_set *auth_load(
    enum auth_kind, const char *path, char *err, size_t errlen);
/* Wipes the secrets. */
void auth_free(struct auth_set *);
size_t auth_count(const struct auth_set *);

/*
 * An Authorization field value (NULL when absent) against the tokens:
 * AUTH_NONE without a Bearer credential (no field, or another scheme),
 * AUTH_OK when its token is one of them, AUTH_BAD otherwise (including
 * a malformed Bearer credential).
 */
enum auth_result auth_bearer(const struct auth_set *tokens, const char *value);

/*
 * A request target's signed-URL query against the keys.  path is the
 * target up to '?' (percent-encoding as sent), query what follows it (NULL
 * when there is none).  AUTH_NONE when the query has neither expires nor
 * sig; AUTH_BAD when it has only one, either twice, a malformed value, an
 * expires before now, or a signature no key makes; else AUTH_OK.
 */
enum auth_result auth_signed(const struct auth_set *keys, const char *path,
    size_t pathlen, const char *query, time_t now);

/*
 * Sign path (up to any '?', which stays with what follows it) with the
 * first key, valid until expires: writes "PATH?[QUERY&]expires=E&sig=S"
 * into out.  0, or -1 when out is too small.
 */
int auth_sign(const struct auth_set *keys, const char *target,
    long long expires, char *out, size_t outlen);

/*
 * Copy a request target into out with each sig parameter's value
 * written as "-", for logs.  Truncates to fit; out is always terminated.
 */
void auth_redact(const char *target, char *out, size_t outlen);

#endif
