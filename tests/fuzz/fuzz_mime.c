/*
 * mime.c: mime_sniff() on a file's first bytes (the input, at most
 * MIME_SNIFF_LEN of them as serve.c reads, and all of it), and
 * mime_by_ext() / mime_compressible() on the input as a name or a type.
 * Properties: the sniff answers one of its two types, and text only when
 * no byte is a control byte other than HTAB, LF, FF, CR, ESC (bytes of
 * 0x80 and up are UTF-8's business); a prefix of a text buffer is text.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "fuzz.h"
#include "mime.h"

static int
is_text(const char *t)
{
	return strcmp(t, "text/plain; charset=utf-8") == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *t, *u;
	unsigned char *buf;
	size_t i, n;
	char *s;

	n = size < MIME_SNIFF_LEN ? size : MIME_SNIFF_LEN;
	if ((buf = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	memcpy(buf, data, size);
	t = mime_sniff(buf, n);
	FUZZ_CHECK(is_text(t) || strcmp(t, "application/octet-stream") == 0);
	if (is_text(t)) {
		for (i = 0; i < n; i++)
			FUZZ_CHECK((buf[i] >= 0x20 && buf[i] != 0x7f) ||
			    buf[i] == '\t' || buf[i] == '\n' ||
			    buf[i] == '\f' || buf[i] == '\r' || buf[i] == 033);
		FUZZ_CHECK(n == 0 || is_text(mime_sniff(buf, n - 1)));
		FUZZ_CHECK(mime_compressible(t));
	}
	u = mime_sniff(buf, size);
	FUZZ_CHECK(!is_text(u) || is_text(t));
	free(buf);

	s = fuzz_cstr(data, size);
	if ((t = mime_by_ext(s)) != NULL)
		FUZZ_CHECK(strchr(t, '/') != NULL);
	(void)mime_compressible(s);
	free(s);
	return 0;
}
