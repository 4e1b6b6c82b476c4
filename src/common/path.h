/*
 * Pure checks of request paths: percent-decoding and segment rules that
 * keep a name inside the served root.  Symlinks are the caller's concern
 * (serve.c opens beneath the root).
 */
#ifndef HAUL_PATH_H
#define HAUL_PATH_H

#include <stddef.h>

#define PATH_MAX_LEN 4096

/*
 * Turn the part of a request target after "/download/" into a relative
 * path: stop at '?' (the query is ignored), percent-decode, refuse NUL
 * (raw or %00), a bad %-escape, "." and ".." segments (however encoded),
 * a backslash, control characters, an empty result and results longer
 * than outlen - 1; collapse repeated slashes and drop a leading one.  A
 * trailing slash is refused (no directory listings).  Returns 0 with out
 * set, or -1 with err set.
 */
int path_decode(
    const char *target, char *out, size_t outlen, char *err, size_t errlen);

/*
 * Check a name that is already decoded (a tus upload's filename): the
 * same rules as path_decode()'s result, but nothing is collapsed: an
 * absolute name, an empty segment ("a//b", a trailing '/'), "." or "..",
 * NUL, a backslash or a control character, and len 0 or len >=
 * PATH_MAX_LEN are refused.  0, or -1 with err set.
 */
int path_check(const char *name, size_t len, char *err, size_t errlen);

#endif
