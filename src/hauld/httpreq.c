/*
 * HTTP/1.x request heads, parsed in place.
 *
 *   request-line = method SP request-target SP HTTP-version CRLF
 *   field-line   = field-name ":" OWS field-value OWS CRLF
 *   head         = request-line *( field-line ) CRLF
 *
 * The whole head must be in the buffer before parsing starts, so a slow
 * client costs a memmem per read, not a re-parse.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include "httphdr.h"
#include "httpreq.h"

static char *httpreq_eol(char *, char *);

/* Pointer to the LF ending the line at p, or NULL. */
static char *
httpreq_eol(char *p, char *end)
{
	return memchr(p, '\n', (size_t)(end - p));
}

int
httpreq_parse(
    char *buf, size_t len, struct httpreq *req, char *err, size_t errlen)
{
	char *p = buf, *end = buf + len, *eol, *line_end, *sp, *ver, *q;
	char *head_end = NULL;
	enum httphdr_err e;
	size_t skip = 0;

	/*
	 * RFC 9112 2.2: ignore at least one empty line before the request;
	 * we skip them until 8 bytes are gone, so at least four.  An empty
	 * line is CRLF or a bare LF: a lone CR is no line end (2.2), so it
	 * stays and the request line refuses it as a control byte.
	 */
	while (skip < 8) {
		if (skip < len && buf[skip] == '\n')
			skip++;
		else if (skip + 1 < len && buf[skip] == '\r' &&
		    buf[skip + 1] == '\n')
			skip += 2;
		else
			break;
	}
	p = buf + skip;

	/* Is the whole head here yet? */
	for (q = p; q < end; q = eol + 1) {
		if ((eol = httpreq_eol(q, end)) == NULL)
			break;
		/* The limit counts the line, not its CRLF or LF. */
		if (q == p &&
		    (size_t)(eol - p) - (eol > p && eol[-1] == '\r') >
		        HTTPREQ_MAX_LINE) {
			snprintf(err, errlen, "request line too long");
			return -414;
		}
		if (eol == q || (eol == q + 1 && *q == '\r')) {
			if (q == p) {
				snprintf(err, errlen, "empty request line");
				return -400;
			}
			head_end = eol + 1;
			break;
		}
	}
	if (head_end == NULL) {
		/* No LF yet: a final CR may be the start of a CRLF. */
		if (memchr(p, '\n', (size_t)(end - p)) == NULL &&
		    (size_t)(end - p) - (end > p && end[-1] == '\r') >
		        HTTPREQ_MAX_LINE) {
			snprintf(err, errlen, "request line too long");
			return -414;
		}
		if (len >= HTTPREQ_MAX_HEAD) {
			snprintf(err, errlen, "request head too long");
			return -431;
		}
		return 0;
	}
	if ((size_t)(head_end - buf) > HTTPREQ_MAX_HEAD) {
		snprintf(err, errlen, "request head too long");
		return -431;
	}

	memset(req, 0, sizeof(*req));
	req->head_len = (size_t)(head_end - buf);

	/* Request line. */
	eol = httpreq_eol(p, head_end);
	line_end = (eol > p && eol[-1] == '\r') ? eol - 1 : eol;
	*line_end = '\0';
	for (q = p; q < line_end; q++) {
		if ((unsigned char)*q < 0x20 || *q == 0x7f) {
			snprintf(err, errlen, "control byte in request line");
			return -400;
		}
	}
	sp = strchr(p, ' ');
	if (sp == NULL || sp == p) {
		snprintf(err, errlen, "malformed request line");
		return -400;
	}
	*sp = '\0';
	for (q = p; *q != '\0'; q++) {
		if (!httphdr_tchar((unsigned char)*q)) {
			snprintf(err, errlen, "bad method token");
			return -400;
		}
	}
	req->method = p;
	req->target = sp + 1;
	ver = strrchr(req->target, ' ');
	if (ver == NULL || ver == req->target) {
		snprintf(err, errlen, "malformed request line");
		return -400;
	}
	*ver++ = '\0';
	if (strchr(req->target, ' ') != NULL || *req->target == '\0') {
		snprintf(err, errlen, "malformed request target");
		return -400;
	}
	if (strncmp(ver, "HTTP/", 5) != 0 || ver[5] < '0' || ver[5] > '9' ||
	    ver[6] != '.' || ver[7] < '0' || ver[7] > '9' || ver[8] != '\0') {
		snprintf(err, errlen, "malformed HTTP version");
		return -400;
	}
	if (ver[5] != '1') {
		snprintf(err, errlen, "HTTP version not supported");
		return -505;
	}
	req->minor = ver[7] - '0';

	/* Field lines. */
	e = httphdr_fields_parse(eol + 1, head_end, HTTPHDR_STRICT, req->h,
	    HTTPREQ_MAX_HEADERS, &req->nheaders);
	if (e != HTTPHDR_OK) {
		snprintf(err, errlen, "%s", httphdr_strerror(e));
		return e == HTTPHDR_EMANY ? -431 : -400;
	}
	return (int)req->head_len;
}

const char *
httpreq_header(const struct httpreq *req, const char *name)
{
	return httphdr_find(req->h, req->nheaders, name);
}

size_t
httpreq_count(const struct httpreq *req, const char *name)
{
	return httphdr_count(req->h, req->nheaders, name);
}
