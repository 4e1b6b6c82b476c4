/*
 * Base64 (RFC 4648 4) and base64url (RFC 4648 5), pure.  One codec for
 * the signed URLs (url, unpadded), RFC 9530 digests and tus metadata and
 * checksums (standard, padded).
 */
#ifndef HAUL_BASE64_H
#define HAUL_BASE64_H

#include <stddef.h>

/* Output bytes base64_encode() needs for n input bytes, NUL included. */
#define BASE64_LEN(n) (((n) + 2) / 3 * 4 + 1)

/*
 * Encode in[0..n) into out (BASE64_LEN(n) bytes): url selects the URL
 * alphabet, pad the '=' padding.  Returns the length written before NUL.
 */
size_t base64_encode(
    const unsigned char *in, size_t n, char *out, int url, int pad);

/*
 * Decode in[0..n) into out[0..cap): the alphabet url selects, '='
 * padding optional but only at the end and never more than two, no
 * whitespace, no leftover lone character.  Returns the decoded length,
 * or -1 when malformed or longer than cap.  With out NULL it only checks
 * and counts (cap is then ignored).
 */
long base64_decode(
    const char *in, size_t n, unsigned char *out, size_t cap, int url);

#endif
