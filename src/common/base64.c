/*
 * Base64 and base64url (base64.h), by hand: a few lines, and every
 * caller wants the same strictness on input it does not trust.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "base64.h"

static const char std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char urlsafe[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int base64_value(char, int);

size_t
base64_encode(const unsigned char *in, size_t n, char *out, int url, int pad)
{
	const char *a = url ? urlsafe : std;
	size_t i, o = 0;
	unsigned long v;

	for (i = 0; i < n; i += 3) {
		v = (unsigned long)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned long)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = a[(v >> 18) & 63];
		out[o++] = a[(v >> 12) & 63];
		if (i + 1 < n)
			out[o++] = a[(v >> 6) & 63];
		else if (pad)
			out[o++] = '=';
		if (i + 2 < n)
			out[o++] = a[v & 63];
		else if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int
base64_value(char c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

long
base64_decode(const char *in, size_t n, unsigned char *out, size_t cap, int url)
{
	unsigned long acc = 0;
	size_t i, o = 0, pad = 0;
	int bits = 0, v;

	for (i = 0; i < n; i++) {
		if (in[i] == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (v = base64_value(in[i], url)) < 0)
			return -1;
		acc = (acc << 6) | (unsigned long)v;
		if ((bits += 6) >= 8) {
			bits -= 8;
			if (out != NULL && o == cap)
				return -1;
			if (out != NULL)
				out[o] = (unsigned char)(acc >> bits);
			o++;
			acc &= (1ul << bits) - 1;
		}
	}
	/* 6 bits left is a lone character; padding must fit what is left. */
	if (bits >= 6 || pad > 2 || (pad > 0 && (n % 4) != 0))
		return -1;
	return (long)o;
}
