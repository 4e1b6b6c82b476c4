/*
 * fuzz_inflate with the zlib backend of codec.c compiled in, whatever
 * configure chose: both backends are shipped, so both are fuzzed.  codec.c
 * is included here with HAVE_ISAL undefined; its symbols then come from
 * this file and libhaul.a's codec.o is not linked (stage.c, linked
 * beside, calls the codec compiled in here too).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#undef HAVE_CONFIG_H /* so codec.c and the harness do not reinclude it */
#endif
#undef HAVE_ISAL

#include "codec.c"
#include "fuzz_inflate.c"
