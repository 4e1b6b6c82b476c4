/*
 * Content types for hauld: the built-in extension table, extensions loaded
 * from a mime.types file (heap copies that live until mime_unload()), the
 * sniffing of a file's first bytes, and the list of types worth gzipping.
 *
 * Types come back bare ("text/plain", no charset): an extension says
 * nothing about a file's encoding, so only mime_sniff(), which has looked
 * at the bytes, adds "; charset=utf-8".
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime.h"

/* Longest extension and type kept; longer tokens in mime.types are junk. */
#define MIME_EXT_MAX 32
#define MIME_TYPE_MAX 255 /* RFC 6838 4.2: 127 + "/" + 127 */
/* Longest mime.types line read; a longer one is skipped whole. */
#define MIME_LINE_MAX 4096

struct mime_ext {
	const char *ext;
	const char *type;
};

/* A loaded entry: one allocation holding "ext\0type\0". */
struct mime_entry {
	char *ext;
	const char *type;
	size_t seq; /* load order: the newest entry for an ext wins */
};

static const char *ext_of(const char *);
static const char *table_find(const struct mime_ext *, size_t, const char *);
static int valid_type(const char *);
static int valid_ext(const char *);
static int entry_add(const char *, const char *);
static int load_line(char *, int *);
static int entry_cmp(const void *, const void *);
static const char *loaded_find(const char *);
static int type_eq(const char *, size_t, const char *);
static int suffix_eq(const char *, size_t, const char *);
static size_t utf8_check(const unsigned char *, size_t, int *);

static const struct mime_ext builtin[] = {
    {"txt", "text/plain"},
    {"log", "text/plain"},
    {"ini", "text/plain"},
    {"conf", "text/plain"},
    {"csv", "text/csv"},
    {"tsv", "text/tab-separated-values"},
    {"html", "text/html"},
    {"htm", "text/html"},
    {"css", "text/css"},
    {"js", "text/javascript"}, /* RFC 9239 */
    {"mjs", "text/javascript"},
    {"md", "text/markdown"}, /* RFC 7763 */
    {"c", "text/x-c"},
    {"h", "text/x-c"},
    {"sh", "text/x-shellscript"},
    {"py", "text/x-python"},
    {"diff", "text/x-diff"},
    {"patch", "text/x-diff"},
    {"json", "application/json"},
    {"jsonld", "application/ld+json"},
    {"ndjson", "application/x-ndjson"},
    {"jsonl", "application/x-ndjson"},
    {"xml", "application/xml"},
    {"yaml", "application/yaml"}, /* RFC 9512 */
    {"yml", "application/yaml"},
    {"toml", "application/toml"},
    {"svg", "image/svg+xml"},
    {"gz", "application/gzip"},
    {"tgz", "application/gzip"},
    {"zip", "application/zip"},
    {"bz2", "application/x-bzip2"},
    {"xz", "application/x-xz"},
    {"zst", "application/zstd"},
    {"7z", "application/x-7z-compressed"},
    {"tar", "application/x-tar"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/vnd.microsoft.icon"},
    {"bmp", "image/bmp"},
    {"mp3", "audio/mpeg"},
    {"ogg", "audio/ogg"},
    {"wav", "audio/wav"},
    {"flac", "audio/flac"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
    {"mkv", "video/x-matroska"},
    {"avi", "video/x-msvideo"},
    {"mov", "video/quicktime"},
    {"pdf", "application/pdf"},
    {"iso", "application/x-iso9660-image"},
    {"img", "application/octet-stream"},
    {"bin", "application/octet-stream"},
    {"exe", "application/octet-stream"},
    {"so", "application/octet-stream"},
    {"deb", "application/vnd.debian.binary-package"},
    {"rpm", "application/x-rpm"},
    {"wasm", "application/wasm"},
    {"woff", "font/woff"}, /* RFC 8081 */
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
};

/*
 * Compressible types besides text/<any> and the +json, +xml and +yaml
 * structured suffixes (RFC 6838 4.2.8): the textual application types, and
 * binary formats stored uncompressed, after h5bp's server-configs-nginx
 * gzip_types list.
 */
static const char *const compressible[] = {
    "application/json",
    "application/x-ndjson",
    "application/jsonl",
    "application/xml",
    "application/yaml",
    "application/x-yaml",
    "application/toml",
    "application/javascript",
    "application/x-javascript",
    "application/ecmascript",
    "application/x-sh",
    "application/wasm",
    "application/vnd.ms-fontobject",
    "font/ttf",
    "font/otf",
    "font/eot",
    "image/bmp",
    "image/vnd.microsoft.icon",
    "image/x-icon",
};

/*
 * Loaded entries, sorted after each mime_load() by extension (case-blind)
 * and, for one extension, newest first, so a lookup is a binary search
 * even with the thousand-odd extensions of /etc/mime.types.
 */
static struct mime_entry *loaded;
static size_t nloaded, loaded_cap, loaded_seq;

/*
 * The extension is what follows the last '.' of the last path segment,
 * so "a.b/c" has none.  A segment whose only dot is its first byte
 * (".bashrc") is a hidden file with no extension, as in Python's
 * os.path.splitext(); "x." has none either.
 */
static const char *
ext_of(const char *path)
{
	const char *seg, *dot;

	seg = strrchr(path, '/');
	seg = seg == NULL ? path : seg + 1;
	dot = strrchr(seg, '.');
	if (dot == NULL || dot == seg || dot[1] == '\0')
		return NULL;
	if (strlen(dot + 1) > MIME_EXT_MAX)
		return NULL;
	return dot + 1;
}

static const char *
table_find(const struct mime_ext *t, size_t n, const char *ext)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(t[i].ext, ext) == 0)
			return t[i].type;
	return NULL;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct mime_entry *x = a, *y = b;
	int c;

	if ((c = strcasecmp(x->ext, y->ext)) != 0)
		return c;
	return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

/* The first (newest) loaded entry for ext, by binary search. */
static const char *
loaded_find(const char *ext)
{
	size_t lo = 0, hi = nloaded, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcasecmp(loaded[mid].ext, ext) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < nloaded && strcasecmp(loaded[lo].ext, ext) == 0)
		return loaded[lo].type;
	return NULL;
}

const char *
mime_by_ext(const char *path)
{
	const char *ext, *type;

	if (path == NULL || (ext = ext_of(path)) == NULL)
		return NULL;
	if ((type = loaded_find(ext)) != NULL)
		return type;
	return table_find(builtin, sizeof(builtin) / sizeof(builtin[0]), ext);
}

/* "type/subtype" of RFC 6838 restricted-name characters, nothing more. */
static int
valid_type(const char *t)
{
	const char *p;
	int slash = 0;

	if (strlen(t) > MIME_TYPE_MAX || !isalnum((unsigned char)*t))
		return 0;
	for (p = t; *p != '\0'; p++) {
		if (*p == '/') {
			if (slash++ || !isalnum((unsigned char)p[1]))
				return 0;
		} else if (!isalnum((unsigned char)*p) &&
		    strchr("!#$&-^_.+", *p) == NULL)
			return 0;
	}
	return slash == 1;
}

/*
 * An extension that ext_of() could return: printable ASCII with no '.',
 * '/', ';' or '\\' (nginx-style "html;" is not mime.types syntax).
 */
static int
valid_ext(const char *e)
{
	const char *p;

	if (*e == '\0' || strlen(e) > MIME_EXT_MAX)
		return 0;
	for (p = e; *p != '\0'; p++)
		if (!isgraph((unsigned char)*p) || strchr("./;\\", *p) != NULL)
			return 0;
	return 1;
}

static int
entry_add(const char *ext, const char *type)
{
	struct mime_entry *n;
	size_t elen = strlen(ext) + 1, tlen = strlen(type) + 1, cap;
	char *buf;

	if (nloaded == loaded_cap) {
		cap = loaded_cap == 0 ? 64 : loaded_cap * 2;
		if (cap > SIZE_MAX / sizeof(*n)) {
			errno = ENOMEM;
			return -1;
		}
		if ((n = realloc(loaded, cap * sizeof(*n))) == NULL)
			return -1;
		loaded = n;
		loaded_cap = cap;
	}
	if ((buf = malloc(elen + tlen)) == NULL)
		return -1;
	memcpy(buf, ext, elen);
	memcpy(buf + elen, type, tlen);
	loaded[nloaded].ext = buf;
	loaded[nloaded].type = buf + elen;
	loaded[nloaded].seq = loaded_seq++;
	nloaded++;
	return 0;
}

/*
 * One mime.types line: "type ext ext ...", '#' to the end of the line is
 * a comment.  A line whose first word is not a type is skipped; bad
 * extensions are skipped one by one.  Adds to *count; -1 on ENOMEM.
 */
static int
load_line(char *line, int *count)
{
	static const char sep[] = " \t\r\n\f\v";
	char *hash, *type, *ext, *save;

	if ((hash = strchr(line, '#')) != NULL)
		*hash = '\0';
	if ((type = strtok_r(line, sep, &save)) == NULL || !valid_type(type))
		return 0;
	while ((ext = strtok_r(NULL, sep, &save)) != NULL) {
		if (!valid_ext(ext))
			continue;
		if (entry_add(ext, type) == -1)
			return -1;
		(*count)++;
	}
	return 0;
}

int
mime_load(const char *file)
{
	FILE *fp;
	char line[MIME_LINE_MAX];
	int count = 0, skipping = 0, full, rv = -1, saved;

	if ((fp = fopen(file, "re")) == NULL)
		return -1;
	errno = 0;
	for (;;) {
		/*
		 * An overlong line is skipped whole, not read in pieces.  The
		 * sentinel tells a filled buffer even when the line holds a
		 * NUL byte, which strlen() would stop at.
		 */
		line[sizeof(line) - 1] = 'x';
		if (fgets(line, sizeof(line), fp) == NULL)
			break;
		full = line[sizeof(line) - 1] == '\0' &&
		    line[sizeof(line) - 2] != '\n';
		if (skipping || full) {
			skipping = full;
			continue;
		}
		if (load_line(line, &count) == -1)
			goto done;
	}
	if (ferror(fp)) {
		if (errno == 0)
			errno = EIO;
		goto done;
	}
	rv = count;
done:
	/* Entries read before an error stay, so sort them either way. */
	saved = errno;
	if (nloaded > 1)
		qsort(loaded, nloaded, sizeof(*loaded), entry_cmp);
	fclose(fp);
	errno = saved;
	return rv;
}

void
mime_unload(void)
{
	size_t i;

	for (i = 0; i < nloaded; i++)
		free(loaded[i].ext);
	free(loaded);
	loaded = NULL;
	nloaded = loaded_cap = loaded_seq = 0;
}

/*
 * Length of the valid UTF-8 sequence at s (RFC 3629 table 3-7: no
 * overlong forms, no surrogates, nothing past U+10FFFF), or 0 when it is
 * invalid.  A valid prefix cut by the end of the buffer counts as valid
 * (*cut set): the sniff buffer ends at an arbitrary byte.
 */
static size_t
utf8_check(const unsigned char *s, size_t len, int *cut)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need, i;

	*cut = 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	for (i = 1; i < need; i++) {
		if (i == len) {
			*cut = 1;
			return len;
		}
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return need;
}

const char *
mime_sniff(const unsigned char *buf, size_t len)
{
	static const char text[] = "text/plain; charset=utf-8";
	static const char binary[] = "application/octet-stream";
	size_t i, n;
	int cut;

	for (i = 0; i < len; i++) {
		if (buf[i] >= 0x80) {
			if ((n = utf8_check(buf + i, len - i, &cut)) == 0)
				return binary;
			i += n - 1;
		} else if (buf[i] < 0x20 || buf[i] == 0x7f) {
			switch (buf[i]) {
			case '\t':
			case '\n':
			case '\f':
			case '\r':
			case '\033':
				break;
			default:
				return binary;
			}
		}
	}
	return text;
}

/* Whether t[0..len) equals want, case-blind. */
static int
type_eq(const char *t, size_t len, const char *want)
{
	return strlen(want) == len && strncasecmp(t, want, len) == 0;
}

/* Whether t[0..len) ends in suffix, case-blind, with a subtype before it. */
static int
suffix_eq(const char *t, size_t len, const char *suffix)
{
	size_t slen = strlen(suffix);
	const char *slash;

	if (len <= slen || strncasecmp(t + len - slen, suffix, slen) != 0)
		return 0;
	slash = memchr(t, '/', len);
	return slash != NULL && slash + 1 < t + len - slen;
}

int
mime_compressible(const char *type)
{
	const char *end, *slash;
	size_t len, i;

	if (type == NULL)
		return 0;
	while (*type == ' ' || *type == '\t')
		type++;
	/* Parameters (";charset=...") do not change the answer. */
	end = type + strcspn(type, ";");
	while (end > type && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	len = end - type;
	slash = memchr(type, '/', len);
	if (slash == NULL || slash == type || slash + 1 == end)
		return 0;
	if (slash - type == 4 && strncasecmp(type, "text", 4) == 0)
		return 1;
	if (suffix_eq(type, len, "+json") || suffix_eq(type, len, "+xml") ||
	    suffix_eq(type, len, "+yaml"))
		return 1;
	for (i = 0; i < sizeof(compressible) / sizeof(compressible[0]); i++)
		if (type_eq(type, len, compressible[i]))
			return 1;
	return 0;
}
