/*
 * Shared bits of the libFuzzer harnesses (tests/fuzz/fuzz_*.c): the entry
 * point's prototype, a NUL-terminated heap copy of the input (exact size,
 * so ASan sees any read past its end), and FUZZ_CHECK for the properties
 * a harness asserts beyond "does not crash": a failed check prints
 * file:line and aborts, which libFuzzer reports as a crash with the input.
 */
#ifndef HAUL_FUZZ_H
#define HAUL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_CHECK(cond)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: property failed: %s\n",        \
			    __FILE__, __LINE__, #cond);                        \
			abort();                                               \
		}                                                              \
	} while (0)

/* The input as a C string of exactly size + 1 bytes (NULs inside stay). */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Little-endian integer from up to n bytes at *data, consumed. */
static inline uint64_t
fuzz_take_le(const uint8_t **data, size_t *size, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n && i < *size; i++)
		v |= (uint64_t)(*data)[i] << (8 * i);
	if (n > *size)
		n = *size;
	*data += n;
	*size -= n;
	return v;
}

#endif
