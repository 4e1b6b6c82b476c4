/*
 * RFC 9530 digest fields, pure: Repr-Digest and Want-Repr-Digest are
 * Structured Field dictionaries (RFC 8941 3.2); Repr-Digest's members
 * that matter here are sha-256 and sha-512, each a byte sequence.  Also
 * the hex form a caller gives (--sha256 HEX, ?sha256=HEX) and the record
 * hauld keeps in a file's user.haul.sha256 extended attribute, which
 * names the file version (size, mtime to the nanosecond, inode) that the
 * digest belongs to.  No I/O.
 */
#ifndef HAUL_DIGEST_H
#define HAUL_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define DIGEST_SHA256_LEN 32
#define DIGEST_SHA512_LEN 64
/* "sha-256=:" + base64 of 32 bytes + ":" and a NUL */
#define DIGEST_REPR_MAX 64
#define DIGEST_XATTR_MAX 160

struct digest_set {
	int has_sha256, has_sha512;
	unsigned char sha256[DIGEST_SHA256_LEN];
	unsigned char sha512[DIGEST_SHA512_LEN];
};

struct digest_version {
	uint64_t size;
	int64_t mtime_sec;
	long mtime_nsec;
	uint64_t ino;
};

/* "sha-256=:BASE64:" into out (DIGEST_REPR_MAX bytes). */
void digest_repr_format(const unsigned char *sha256, char *out, size_t outlen);

/*
 * A Repr-Digest value into set: 0 (set says which algorithms it named,
 * perhaps none), or -1 when the field is not a valid dictionary or a
 * sha-256/sha-512 member is not a byte sequence of the right length
 * (then the field is to be ignored as a whole, RFC 8941 4.2).
 */
int digest_repr_parse(const char *value, struct digest_set *set);

/*
 * A Want-Repr-Digest value: the preference (0-10) given to sha-256 and
 * sha-512, -1 for an algorithm not named.  0, or -1 when malformed.
 */
int digest_want_parse(const char *value, int *sha256, int *sha512);

/* 64 hex digits (either case) into 32 bytes: 0, or -1. */
int digest_hex_parse(const char *hex, unsigned char *sha256);
/* 32 bytes as 64 lower-case hex digits and a NUL (out of 65 bytes). */
void digest_hex_format(const unsigned char *sha256, char *out);
/* len bytes as lowercase hex, NUL-terminated: out holds 2 * len + 1. */
void digest_hex(const unsigned char *, size_t len, char *out);

/* The extended attribute's value for a version and its digest. */
int digest_xattr_format(const struct digest_version *,
    const unsigned char *sha256, char *out, size_t outlen);
/*
 * 1 with the digest when the value records exactly version v; 0 when it
 * records another version or does not parse (never an error: a stale or
 * foreign value is simply not this version's digest).
 */
int digest_xattr_match(const char *value, size_t len,
    const struct digest_version *v, unsigned char *sha256);

#endif
