/*
 * Pure HTTP/1.x request-head parser (RFC 9112 sections 2-5).  It works in
 * place on the connection's input buffer: once a complete head is there,
 * tokens are NUL-terminated where they lie, so no allocation happens per
 * request.  No libevent, no I/O.
 */
#ifndef HAUL_HTTPREQ_H
#define HAUL_HTTPREQ_H

#include <stddef.h>

#include "httphdr.h"

#define HTTPREQ_MAX_HEADERS 64 /* more: 431 */
#define HTTPREQ_MAX_LINE 8192  /* longer request line: 414 */
#define HTTPREQ_MAX_HEAD 16384 /* longer head: 431 */

struct httpreq {
	const char *method;
	const char *target;
	int minor; /* 0 for HTTP/1.0, 1 for HTTP/1.1 */
	size_t nheaders;
	struct httphdr_field h[HTTPREQ_MAX_HEADERS];
	size_t head_len; /* bytes of the head, blank line included */
};

/*
 * Look for a complete head in buf[0..len).  Returns 0 when more bytes are
 * needed, the head length (> 0) once parsed into req, or a negative HTTP
 * status: -400 malformed, -414 request line too long, -431 head too long or
 * too many fields, -505 version not 1.x.  Leading blank lines are skipped
 * (RFC 9112 2.2).  Bare LF line ends are accepted; obs-fold, whitespace
 * before a colon and control bytes are refused (RFC 9112 5.1, 5.2).  An
 * error message goes to err.  buf is modified only when a head is parsed.
 */
int httpreq_parse(
    char *buf, size_t len, struct httpreq *req, char *err, size_t errlen);

/* First value of a field, case-blind; NULL when absent. */
const char *httpreq_header(const struct httpreq *, const char *name);

/* Number of fields with that name. */
size_t httpreq_count(const struct httpreq *, const char *name);

#endif
