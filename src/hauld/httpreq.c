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

#include "httpreq.h"

static int httpreq_tchar(int);
static char *httpreq_eol(char *, char *);

/* RFC 9110 5.6.2 tchar */
static int
httpreq_tchar(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

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
	char *p = buf, *end = buf + len, *eol, *line_end, *sp, *ver, *q, *v;
	char *head_end = NULL;
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
		if (!httpreq_tchar((unsigned char)*q)) {
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
	for (p = eol + 1; p < head_end; p = eol + 1) {
		eol = httpreq_eol(p, head_end);
		line_end = (eol > p && eol[-1] == '\r') ? eol - 1 : eol;
		if (line_end == p)
			break; /* the blank line */
		for (q = p; q < line_end; q++) {
			if (((unsigned char)*q < 0x20 && *q != '\t') ||
			    *q == 0x7f) {
				snprintf(err, errlen,
				    "control byte in header field");
				return -400;
			}
		}
		*line_end = '\0';
		if (*p == ' ' || *p == '\t') {
			snprintf(err, errlen, "obsolete line folding");
			return -400;
		}
		if ((q = strchr(p, ':')) == NULL || q == p) {
			snprintf(err, errlen, "malformed header field");
			return -400;
		}
		*q = '\0';
		for (v = p; *v != '\0'; v++) {
			if (!httpreq_tchar((unsigned char)*v)) {
				snprintf(err, errlen, "bad header field name");
				return -400;
			}
		}
		v = q + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		q = v + strlen(v);
		while (q > v && (q[-1] == ' ' || q[-1] == '\t'))
			*--q = '\0';
		if (req->nheaders == HTTPREQ_MAX_HEADERS) {
			snprintf(err, errlen, "too many header fields");
			return -431;
		}
		req->h[req->nheaders].name = p;
		req->h[req->nheaders].value = v;
		req->nheaders++;
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
