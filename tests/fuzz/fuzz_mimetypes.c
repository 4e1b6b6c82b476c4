/*
 * mime.c: mime_load() on the input as a mime.types file (read through a
 * memfd), then lookups, then mime_unload().  /etc/mime.types is trusted
 * input, but a parser of lines with a fixed buffer, strtok and a sort
 * deserves the same treatment as the others.  Properties: the count is
 * -1 or at least 0; every type found by extension has a '/'; unloading
 * frees everything (LeakSanitizer checks) and restores the built-ins.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/mman.h>

#include <unistd.h>

#include "fuzz.h"
#include "mime.h"

static const char *const names[] = {"a.txt", "b.json", "c.TXT", "d.x", "e.html",
    "f.bin", "g.gz", "noext", "h.", ".bashrc", "i.tar.gz"};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	const char *t;
	size_t i;
	int fd, n;

	if ((fd = memfd_create("mime.types", MFD_CLOEXEC)) == -1)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = mime_load(path);
	FUZZ_CHECK(n >= -1);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((t = mime_by_ext(names[i])) != NULL) {
			FUZZ_CHECK(strchr(t, '/') != NULL);
			(void)mime_compressible(t);
		}
	mime_unload();
	FUZZ_CHECK(strcmp(mime_by_ext("x.txt"), "text/plain") == 0);
	close(fd);
	return 0;
}
