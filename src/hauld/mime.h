/*
 * Content types: a built-in extension table, optionally extended from a
 * mime.types file, sniffing of a file's first bytes, and the rule for
 * which types are worth compressing.  Pure apart from mime_load().
 */
#ifndef HAUL_MIME_H
#define HAUL_MIME_H

#include <stddef.h>

#define MIME_SNIFF_LEN 512

/*
 * Load "type ext ext..." lines (comments with #) from a mime.types file;
 * entries add to, and take precedence over, the built-in table (and over
 * earlier loads; within a file a later line wins).  Lines that are not
 * "type/subtype ext...", bad extensions and overlong lines are skipped.
 * Returns the number of extensions loaded or -1 with errno (entries read
 * before an error stay loaded).  Call before fork.
 */
int mime_load(const char *file);

/* Forget every loaded entry and free its memory (tests, clean exit). */
void mime_unload(void);

/*
 * Type for path's extension (case-blind), or NULL when unknown.  The
 * extension follows the last '.' of the last '/'-segment: "a.b/c" and
 * ".bashrc" have none.  Types are bare, without "; charset=".
 */
const char *mime_by_ext(const char *path);

/*
 * Type by content: "text/plain; charset=utf-8" when the bytes hold no
 * binary bytes (NUL or control characters other than tab, CR, LF, FF,
 * ESC, including a UTF-8 sequence cut at the end of buf), else
 * "application/octet-stream".  An empty buf is text/plain.
 */
const char *mime_sniff(const unsigned char *buf, size_t len);

/*
 * Whether a type is compressible: any text type, JSON, XML, JavaScript,
 * YAML, SVG and other +json/+xml/+yaml types, and a few binary formats
 * stored uncompressed (wasm, ttf/otf, bmp, ico).  Case-blind, parameters
 * after ';' ignored; NULL gives 0.
 */
int mime_compressible(const char *type);

#endif
