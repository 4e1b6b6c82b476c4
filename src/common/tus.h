/*
 * The tus 1.0.0 resumable-upload protocol's header values, pure: both
 * hauld (the server) and haulproxy (the pusher) read and write them.
 * Offsets and lengths, Upload-Metadata (comma-separated "key base64"
 * pairs), Upload-Checksum ("algo base64") and a streaming checksum for
 * the algorithms haul supports, and the check of an upload's filename.
 * https://tus.io/protocols/resumable-upload
 */
#ifndef HAUL_TUS_H
#define HAUL_TUS_H

#include <stddef.h>
#include <stdint.h>

#define TUS_VERSION "1.0.0"
#define TUS_EXTENSIONS                                                         \
	"creation,creation-with-upload,creation-defer-length,expiration,"      \
	"checksum,termination"
#define TUS_CHECKSUMS "sha1,sha256,md5,crc32"
#define TUS_DIGEST_MAX 32 /* sha256 */
#define TUS_META_PAIRS 64 /* more keys in Upload-Metadata: refused */

enum tus_algo { TUS_SHA1, TUS_SHA256, TUS_MD5, TUS_CRC32 };

/*
 * An Upload-Offset or Upload-Length value: decimal digits only (no sign,
 * no space), at most INT64_MAX.  0, or -1.
 */
int tus_u64(const char *, uint64_t *);

/*
 * Check a whole Upload-Metadata value and find key in it: keys non-empty,
 * without spaces or commas, unique, at most TUS_META_PAIRS of them;
 * values base64 (may be empty, the space then optional).  0 with *found and,
 * when found, the decoded value in out[0..*len) (NUL-terminated, so out needs
 * cap + 1 bytes); -1 with a message when the value is malformed or the key's
 * value exceeds cap.
 */
int tus_meta_get(const char *value, const char *key, char *out, size_t cap,
    size_t *len, int *found, char *err, size_t errlen);

/*
 * Append "key base64(val)" to the Upload-Metadata value in out (with ","
 * when out is not empty).  0, or -1 when out is too small.
 */
int tus_meta_put(
    char *out, size_t outlen, const char *key, const void *val, size_t len);

/*
 * An Upload-Checksum value: 0 with the algorithm and expected digest;
 * -1 malformed (a missing space, bad base64, a digest of the wrong
 * length for its algorithm); -2 an algorithm not supported.
 */
int tus_checksum_parse(const char *value, enum tus_algo *,
    unsigned char *digest, size_t *len, char *err, size_t errlen);

/* "sha256" and the like. */
const char *tus_algo_name(enum tus_algo);

/* A streaming checksum; memory is bounded whatever is fed. */
struct tus_cksum {
	enum tus_algo algo;
	void *md; /* EVP_MD_CTX, for all but crc32 */
	uint32_t crc;
};

int tus_cksum_init(struct tus_cksum *, enum tus_algo);
void tus_cksum_update(struct tus_cksum *, const void *, size_t);
/* The digest's bytes (crc32: 4 bytes, big-endian); returns its length. */
size_t tus_cksum_final(struct tus_cksum *, unsigned char *out);
void tus_cksum_free(struct tus_cksum *);

/*
 * An upload's filename (decoded from metadata) under download path rules
 * (path_check), and not reaching the state directory ".haul".  0, or -1.
 */
int tus_name_check(const char *name, size_t len, char *err, size_t errlen);

#endif
