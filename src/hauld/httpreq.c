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

static int httpreq_fail(char *, size_t, int, const char *);
static char *httpreq_eol(char *, const char *);
static size_t httpreq_skip_empty(const char *, size_t);
static int httpreq_find_end(char *, size_t, char *, char **, char *, size_t);
static int httpreq_line(char *, char *, struct httpreq *, char *, size_t);
static int httpreq_version(const char *, struct httpreq *, char *, size_t);

/* Put msg in err and return status. */
static int
httpreq_fail(char *err, size_t errlen, int status, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return status;
}

/* Pointer to the LF ending the line at p, or NULL. */
static char *
httpreq_eol(char *p, const char *end)
{
	return memchr(p, '\n', (size_t)(end - p));
}

/*
 * RFC 9112 2.2: ignore at least one empty line before the request; we
 * skip them until 8 bytes are gone, so at least four.  An empty line is
 * CRLF or a bare LF: a lone CR is no line end (2.2), so it stays and the
 * request line refuses it as a control byte.  Returns the bytes skipped.
 */
static size_t
httpreq_skip_empty(const char *buf, size_t len)
{
	size_t skip = 0;

	while (skip < 8) {
		if (skip < len && buf[skip] == '\n')
			skip++;
		else if (skip + 1 < len && buf[skip] == '\r' &&
		    buf[skip + 1] == '\n')
			skip += 2;
		else
			break;
	}
	return skip;
}

/*
 * Is the whole head, from the request line at p, in buf[0..len) yet?
 * 1 with *head_end just past its blank line, 0 when more is needed, or a
 * negative status when the request line or the head is too long.
 */
static int
httpreq_find_end(
    char *buf, size_t len, char *p, char **head_end, char *err, size_t errlen)
{
	char *end = buf + len, *q, *eol;

	for (q = p; q < end; q = eol + 1) {
		if ((eol = httpreq_eol(q, end)) == NULL)
			break;
		/* The limit counts the line, not its CRLF or LF. */
		if (q == p &&
		    (size_t)(eol - p) - (eol > p && eol[-1] == '\r') >
		        HTTPREQ_MAX_LINE)
			return httpreq_fail(
			    err, errlen, -414, "request line too long");
		if (eol == q || (eol == q + 1 && *q == '\r')) {
			if (q == p)
				return httpreq_fail(
				    err, errlen, -400, "empty request line");
			*head_end = eol + 1;
			if ((size_t)(*head_end - buf) > HTTPREQ_MAX_HEAD)
				return httpreq_fail(
				    err, errlen, -431, "request head too long");
			return 1;
		}
	}
	/* No LF yet: a final CR may be the start of a CRLF. */
	if (memchr(p, '\n', (size_t)(end - p)) == NULL &&
	    (size_t)(end - p) - (end > p && end[-1] == '\r') > HTTPREQ_MAX_LINE)
		return httpreq_fail(err, errlen, -414, "request line too long");
	if (len >= HTTPREQ_MAX_HEAD)
		return httpreq_fail(err, errlen, -431, "request head too long");
	return 0;
}

/* The request line p[0..eol), eol its LF: method, target and version. */
static int
httpreq_line(char *p, char *eol, struct httpreq *req, char *err, size_t errlen)
{
	char *line_end = (eol > p && eol[-1] == '\r') ? eol - 1 : eol;
	char *sp, *ver, *q;

	*line_end = '\0';
	for (q = p; q < line_end; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			return httpreq_fail(
			    err, errlen, -400, "control byte in request line");
	sp = strchr(p, ' ');
	if (sp == NULL || sp == p)
		return httpreq_fail(
		    err, errlen, -400, "malformed request line");
	*sp = '\0';
	for (q = p; *q != '\0'; q++)
		if (!httphdr_tchar((unsigned char)*q))
			return httpreq_fail(
			    err, errlen, -400, "bad method token");
	req->method = p;
	req->target = sp + 1;
	ver = strrchr(req->target, ' ');
	if (ver == NULL || ver == req->target)
		return httpreq_fail(
		    err, errlen, -400, "malformed request line");
	*ver++ = '\0';
	if (strchr(req->target, ' ') != NULL || *req->target == '\0')
		return httpreq_fail(
		    err, errlen, -400, "malformed request target");
	return httpreq_version(ver, req, err, errlen);
}

/* HTTP-version = "HTTP/" DIGIT "." DIGIT; only 1.x is served. */
static int
httpreq_version(const char *ver, struct httpreq *req, char *err, size_t errlen)
{
	if (strncmp(ver, "HTTP/", 5) != 0 || ver[5] < '0' || ver[5] > '9' ||
	    ver[6] != '.' || ver[7] < '0' || ver[7] > '9' || ver[8] != '\0')
		return httpreq_fail(
		    err, errlen, -400, "malformed HTTP version");
	if (ver[5] != '1')
		return httpreq_fail(
		    err, errlen, -505, "HTTP version not supported");
	req->minor = ver[7] - '0';
	return 0;
}

int
httpreq_parse(
    char *buf, size_t len, struct httpreq *req, char *err, size_t errlen)
{
	char *p = buf + httpreq_skip_empty(buf, len), *head_end = NULL, *eol;
	enum httphdr_err e;
	int r;

	r = httpreq_find_end(buf, len, p, &head_end, err, errlen);
	if (r <= 0)
		return r;
	memset(req, 0, sizeof(*req));
	req->head_len = (size_t)(head_end - buf);
	eol = httpreq_eol(p, head_end);
	if ((r = httpreq_line(p, eol, req, err, errlen)) != 0)
		return r;
	e = httphdr_fields_parse(eol + 1, head_end, HTTPHDR_STRICT, req->h,
	    HTTPREQ_MAX_HEADERS, &req->nheaders);
	if (e != HTTPHDR_OK)
		return httpreq_fail(err, errlen,
		    e == HTTPHDR_EMANY ? -431 : -400, httphdr_strerror(e));
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
