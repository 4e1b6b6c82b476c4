/*
 * haulproxy --upload FILE [--as NAME] [--upload-endpoint URL]: tus 1.0
 * from the client side, over hclient (SPEC "Uploads", haulproxy's part).
 *
 *   OPTIONS endpoint   which checksums the server takes (crc32, sha256,
 *                      sha1, in that order of preference), and whether
 *                      it has the termination extension
 *   HEAD url           when a resume state names an upload of this very
 *                      file: its offset
 *   DELETE url         when it names an upload of the file as it was
 *                      before a change, and the server terminates
 *   POST endpoint      else a new upload: Upload-Length, filename; the
 *                      Location is saved as the resume state at once
 *   PATCH url          PUSH_PATCH bytes at a time, with Upload-Checksum
 *                      when the server takes one, until the offset the
 *                      server answers is the file's size
 *
 * A failure (no answer, a reset, a timeout, a 5xx, a 409) is retried
 * after a back-off of 200 ms doubling to 10 s, at most -r times in a row,
 * each retry starting with a HEAD for the offset the server has.  The
 * resume state is DIR/.haul-upload-HASH, HASH the SHA-256 of the file's
 * absolute path, the endpoint and NAME; it holds the upload's URL and
 * the file's identity (size, mtime in ns, inode).  Running the same
 * command again after any interruption resumes; a changed file starts
 * a new upload, and the old one is deleted where the server allows.
 *
 * A PATCH body goes from the file to the socket (hclient sends it with
 * sendfile, or through its read buffer over TLS), its checksum taken by
 * a read pass through a PUSH_READ buffer, while the PATCH before it is
 * on the wire: memory stays small whatever PUSH_PATCH is, and big
 * PATCHes cost few round trips, each of which waits for the server's
 * sync.  A retry (and its log line, with -v) takes the checksum again.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/evp.h>

#include "base64.h"
#include "digest.h"
#include "download.h"
#include "hclient.h"
#include "httphdr.h"
#include "log.h"
#include "proc.h"
#include "pushcmd.h"
#include "tus.h"
#include "util.h"

#define PUSH_PATCH (64u << 20)  /* bytes per PATCH at most */
#define PUSH_READ (1u << 20)    /* the checksum pass's buffer */
#define PUSH_CK_STEP (4u << 20) /* checksummed per turn of the loop */

enum push_step { P_OPTIONS, P_HEAD, P_DELETE, P_CREATE, P_PATCH };

struct push {
	const struct pushcmd *cmd;
	struct hc_conn *hc;
	struct origin ep;
	char *ep_path;     /* the endpoint's path */
	char url[1024];    /* the upload's path on ep, "" until created */
	char stale[1024];  /* an upload of the file before it changed, or "" */
	char ident[128];   /* the file's size, mtime and inode */
	int terminate;     /* the server has the termination extension */
	uint64_t body_len; /* of the PATCH being sent */
	int fd;
	uint64_t size, offset, resumed_from;
	int resumed;
	char name[1024];
	char state[4200];
	enum push_step step;
	int algo; /* -1: no checksum, else enum tus_algo */
	unsigned tries;
	struct event *retry;
	struct buf rq;
	char *chunk; /* PUSH_READ bytes */
	/*
	 * A PATCH's checksum, taken a step per turn of the loop: of the
	 * PATCH to send (ck_send set: it goes when the pass ends), or of
	 * the one after the PATCH on the wire, while the server reads it.
	 */
	struct tus_cksum ck;
	int ck_on;    /* ck initialised: a pass runs */
	int ck_ready; /* ck_b64 is the digest of [ck_off, ck_off + ck_len) */
	int ck_send;  /* the PATCH being built waits for this pass */
	uint64_t ck_off, ck_len, ck_done;
	char ck_b64[BASE64_LEN(TUS_DIGEST_MAX)];
	struct event *ckev;
	/* What the answer said. */
	int status, has_offset;
	uint64_t resp_offset;
	char loc[1024];
	int status_out; /* the exit status */
	push_done_fn done;
	void *done_arg;
	int ended;
	struct event *fin; /* runs done, outside hclient's callbacks */
	char msg[300];
	char location[1200];
};

static void push_next(struct push *P);
static void push_patch_or_end(struct push *P);
static void push_failed(struct push *, const char *);
static void push_cksum_drop(struct push *);
static int push_head_cb(void *, int, const struct httphdr_fields *);
static int push_body_cb(void *, const char *, size_t);
static void push_done_cb(void *, enum hc_err, const char *);
static const struct hc_cbs push_cbs = {
    push_head_cb, push_body_cb, push_done_cb};

static void
push_end(struct push *P, int status, const char *msg)
{
	struct timeval zero = {0, 0};

	if (P->ended)
		return;
	P->ended = 1;
	P->status_out = status;
	snprintf(P->msg, sizeof(P->msg), "%s", msg ? msg : "");
	evtimer_add(P->fin, &zero);
}

static void
push_free(struct push *P)
{
	hc_free(P->hc);
	if (P->retry != NULL)
		event_free(P->retry);
	if (P->fin != NULL)
		event_free(P->fin);
	if (P->ckev != NULL)
		event_free(P->ckev);
	push_cksum_drop(P);
	buf_free(&P->rq);
	free(P->chunk);
	if (P->fd != -1)
		close(P->fd);
	free(P->ep_path);
	free(P->ep.host);
	free(P->ep.hostport);
	free(P);
}

/* The push ended: tell the caller, then it is gone. */
static void
push_fin_cb(evutil_socket_t fd, short what, void *arg)
{
	struct push *P = arg;
	struct push_result r;

	memset(&r, 0, sizeof(r));
	r.status = P->status_out;
	r.msg = P->msg;
	r.bytes = P->size;
	r.resumed_from = P->resumed_from;
	r.location = P->location;
	P->done(&r, P->done_arg);
	push_free(P);
}
/* The resume state's path, from the file's identity and the target. */
static void
push_state_path(struct push *P, const char *abs, const struct stat *st)
{
	unsigned char md[32];
	char key[8192], hex[65];
	unsigned int len;

	snprintf(P->ident, sizeof(P->ident), "%lld %lld.%09ld %llu",
	    (long long)st->st_size, (long long)st->st_mtim.tv_sec,
	    st->st_mtim.tv_nsec, (unsigned long long)st->st_ino);
	snprintf(
	    key, sizeof(key), "%s\n%s\n%s", abs, P->cmd->endpoint, P->name);
	EVP_Digest(key, strlen(key), md, &len, EVP_sha256(), NULL);
	digest_hex_format(md, hex);
	snprintf(P->state, sizeof(P->state), "%s/.haul-upload-%.32s",
	    P->cmd->dir, hex);
}

static void
push_state_save(struct push *P)
{
	char tmp[4300];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", P->state);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fprintf(f, "%s\n%s\n", P->url, P->ident);
	if (fflush(f) == 0 && fsync(fileno(f)) == 0 && fclose(f) == 0)
		rename(tmp, P->state);
	else
		unlink(tmp);
}

/*
 * The URL the state names: P->url when it was saved for the file as it
 * is now, else P->stale (to delete).
 */
static void
push_state_load(struct push *P)
{
	char ident[sizeof(P->ident) + 2];
	FILE *f;

	P->url[0] = P->stale[0] = '\0';
	if ((f = fopen(P->state, "r")) == NULL)
		return;
	if (fgets(P->url, sizeof(P->url), f) == NULL || P->url[0] != '/')
		P->url[0] = '\0';
	P->url[strcspn(P->url, "\r\n")] = '\0';
	if (fgets(ident, sizeof(ident), f) == NULL)
		ident[0] = '\0';
	ident[strcspn(ident, "\r\n")] = '\0';
	fclose(f);
	if (P->url[0] != '\0' && strcmp(ident, P->ident) != 0) {
		memcpy(P->stale, P->url, sizeof(P->stale));
		P->url[0] = '\0';
	}
}

/* Send the request in P->rq (head, and body when any). */
static void
push_send(struct push *P)
{
	if (P->hc == NULL &&
	    (P->hc = hc_new(P->cmd->base, P->ep.host,
	         (unsigned short)P->ep.port, P->cmd->timeout_s)) == NULL) {
		push_end(P, 1, "out of memory");
		return;
	}
	if (P->ep.https)
		hc_set_tls(P->hc, P->cmd->tls, NULL);
	P->status = 0;
	P->has_offset = 0;
	P->loc[0] = '\0';
	if (P->rq.failed ||
	    hc_request_file(P->hc, P->rq.data, P->rq.len, P->fd, P->offset,
	        P->step == P_PATCH ? P->body_len : 0, &push_cbs, P) == -1)
		push_end(P, 1, "cannot send a request");
}

static void
push_head_start(struct push *P, const char *method, const char *path)
{
	buf_reset(&P->rq);
	buf_printf(&P->rq,
	    "%s %s HTTP/1.1\r\nHost: %s\r\nTus-Resumable: " TUS_VERSION
	    "\r\n%s",
	    method, path, P->ep.hostport, P->cmd->auth ? P->cmd->auth : "");
}

static void
push_options(struct push *P)
{
	P->step = P_OPTIONS;
	push_head_start(P, "OPTIONS", P->ep_path);
	buf_printf(&P->rq, "\r\n");
	push_send(P);
}

static void
push_head(struct push *P)
{
	P->step = P_HEAD;
	push_head_start(P, "HEAD", P->url);
	buf_printf(&P->rq, "\r\n");
	push_send(P);
}

/* The upload of the file before it changed goes (any answer will do). */
static void
push_delete(struct push *P)
{
	P->step = P_DELETE;
	push_head_start(P, "DELETE", P->stale);
	buf_printf(&P->rq, "Content-Length: 0\r\n\r\n");
	P->stale[0] = '\0';
	push_send(P);
}

static void
push_create(struct push *P)
{
	char meta[2200];

	P->step = P_CREATE;
	meta[0] = '\0';
	tus_meta_put(meta, sizeof(meta), "filename", P->name, strlen(P->name));
	push_head_start(P, "POST", P->ep_path);
	buf_printf(&P->rq,
	    "Upload-Length: %" PRIu64 "\r\nUpload-Metadata: %s\r\n"
	    "Content-Length: 0\r\n\r\n",
	    P->size, meta);
	push_send(P);
}

/* No checksum pass, none ready, no PATCH waiting for one. */
static void
push_cksum_drop(struct push *P)
{
	if (P->ck_on)
		tus_cksum_free(&P->ck);
	P->ck_on = P->ck_ready = P->ck_send = 0;
}

/*
 * A checksum pass over [off, off + len), PUSH_CK_STEP bytes per turn of
 * the loop (the daemon's downloads share it; a 64 MiB pass at once
 * could hold it for the time a disk takes to read that).  A pass that
 * runs for another range is dropped.  0, or -1 (no checksum then).
 */
static int
push_cksum_start(struct push *P, uint64_t off, uint64_t len)
{
	push_cksum_drop(P);
	if (tus_cksum_init(&P->ck, (enum tus_algo)P->algo) == -1)
		return -1;
	P->ck_on = 1;
	P->ck_off = off;
	P->ck_len = len;
	P->ck_done = 0;
	event_active(P->ckev, 0, 0);
	return 0;
}

/*
 * The PATCH on the wire goes to [offset, offset + body_len): the next
 * one's checksum is taken now, while the server reads and syncs this
 * one, so the next PATCH can leave as soon as this one is answered
 * (measured on a 1 GiB upload into hauld: a quarter of both cores was
 * idle while each 64 MiB pass ran between the PATCHes).
 */
static void
push_cksum_ahead(struct push *P)
{
	uint64_t off = P->offset + P->body_len;

	if (P->algo < 0 || off >= P->size)
		return;
	(void)push_cksum_start(
	    P, off, P->size - off < PUSH_PATCH ? P->size - off : PUSH_PATCH);
}

/* The PATCH built in P->rq goes, with its checksum (ck_b64). */
static void
push_send_patch(struct push *P)
{
	P->ck_send = 0;
	buf_printf(&P->rq, "Upload-Checksum: %s %s\r\n\r\n",
	    tus_algo_name((enum tus_algo)P->algo), P->ck_b64);
	push_send(P);
	if (!P->ended)
		push_cksum_ahead(P);
}

static void
push_cksum_cb(evutil_socket_t fd, short what, void *arg)
{
	unsigned char dg[TUS_DIGEST_MAX];
	struct push *P = arg;
	uint64_t stop = P->ck_done + PUSH_CK_STEP;
	ssize_t r;

	if (P->ended || !P->ck_on)
		return;
	while (P->ck_done < P->ck_len && P->ck_done < stop) {
		r = pread(P->fd, P->chunk,
		    P->ck_len - P->ck_done < PUSH_READ
		        ? (size_t)(P->ck_len - P->ck_done)
		        : PUSH_READ,
		    (off_t)(P->ck_off + P->ck_done));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			push_end(
			    P, 1, r == 0 ? "the file shrank" : strerror(errno));
			return;
		}
		tus_cksum_update(&P->ck, P->chunk, (size_t)r);
		P->ck_done += (uint64_t)r;
	}
	if (P->ck_done < P->ck_len) {
		event_active(P->ckev, 0, 0);
		return;
	}
	base64_encode(dg, tus_cksum_final(&P->ck, dg), P->ck_b64, 0, 1);
	tus_cksum_free(&P->ck);
	P->ck_on = 0;
	P->ck_ready = 1;
	if (P->ck_send)
		push_send_patch(P);
}

/* The next PATCH: PUSH_PATCH bytes from the offset, checksummed. */
static void
push_patch(struct push *P)
{
	uint64_t n;

	P->step = P_PATCH;
	n = P->size - P->offset < PUSH_PATCH ? P->size - P->offset : PUSH_PATCH;
	P->body_len = n;
	push_head_start(P, "PATCH", P->url);
	buf_printf(&P->rq,
	    "Upload-Offset: %" PRIu64 "\r\n"
	    "Content-Type: application/offset+octet-stream\r\n"
	    "Content-Length: %" PRIu64 "\r\n",
	    P->offset, n);
	if (P->algo >= 0) {
		/* Taken ahead for this range, being taken, or to take. */
		if (P->ck_off == P->offset && P->ck_len == n &&
		    (P->ck_ready || P->ck_on)) {
			P->ck_send = 1;
			if (P->ck_ready)
				push_send_patch(P);
			return;
		}
		if (push_cksum_start(P, P->offset, n) == 0) {
			P->ck_send = 1;
			return;
		}
	}
	buf_printf(&P->rq, "\r\n");
	push_send(P);
}

static int
push_head_cb(void *arg, int status, const struct httphdr_fields *h)
{
	struct push *P = arg;
	const char *v;

	P->status = status;
	if ((v = httphdr_find(h->f, h->n, "Upload-Offset")) != NULL &&
	    tus_u64(v, &P->resp_offset) == 0)
		P->has_offset = 1;
	if ((v = httphdr_find(h->f, h->n, "Location")) != NULL)
		snprintf(P->loc, sizeof(P->loc), "%s", v);
	if (P->step == P_OPTIONS &&
	    (v = httphdr_find(h->f, h->n, "Tus-Extension")) != NULL)
		P->terminate = httphdr_has_token(v, "termination");
	if (P->step == P_OPTIONS &&
	    (v = httphdr_find(h->f, h->n, "Tus-Checksum-Algorithm")) != NULL) {
		/*
		 * CRC-32 first: it catches what a checksum is for here (bytes
		 * changed between the file and the server's disk; TLS guards
		 * against tampering) at a fraction of SHA-256's cost on both
		 * sides (a 256 MiB push: 0.49 s against 0.72 s).
		 */
		if (httphdr_has_token(v, "crc32"))
			P->algo = TUS_CRC32;
		else if (httphdr_has_token(v, "sha256"))
			P->algo = TUS_SHA256;
		else if (httphdr_has_token(v, "sha1"))
			P->algo = TUS_SHA1;
	}
	return 0;
}

static int
push_body_cb(void *arg, const char *p, size_t n)
{
	return 0; /* error texts are not kept */
}

/* A Location: its path (an absolute URL's, or itself). */
static int
push_take_location(struct push *P)
{
	const char *p = P->loc;

	if (strncasecmp(p, "http://", 7) == 0 ||
	    strncasecmp(p, "https://", 8) == 0)
		p = strchr(strstr(p, "://") + 3, '/');
	if (p == NULL || *p != '/' || strlen(p) >= sizeof(P->url))
		return -1;
	snprintf(P->url, sizeof(P->url), "%s", p);
	return 0;
}

/* The HEAD that resumes: the server's offset, or a new upload. */
static void
push_after_head(struct push *P)
{
	char msg[64];

	if (P->status == 200 && P->has_offset && P->resp_offset <= P->size) {
		P->offset = P->resp_offset;
		if (!P->resumed) {
			P->resumed = 1;
			P->resumed_from = P->offset;
		}
		push_patch_or_end(P);
	} else if (P->status == 404 || P->status == 410 || P->status == 403) {
		/* Gone (expired, deleted): a new upload. */
		P->url[0] = '\0';
		unlink(P->state);
		push_create(P);
	} else {
		snprintf(msg, sizeof(msg), "HEAD answered %d", P->status);
		push_failed(P, msg);
	}
}

static void
push_after_create(struct push *P)
{
	char msg[64];

	if (P->status != 201 || push_take_location(P) == -1) {
		snprintf(
		    msg, sizeof(msg), "creating the upload: %d", P->status);
		push_end(P, 1, msg);
		return;
	}
	push_state_save(P);
	P->offset = P->has_offset ? P->resp_offset : 0;
	push_patch_or_end(P);
}

/* A PATCH answered: on, retried, or (a 4xx retrying cannot mend) over. */
static void
push_after_patch(struct push *P)
{
	char msg[64];

	if (P->status == 204 && P->has_offset && P->resp_offset > P->offset &&
	    P->resp_offset <= P->size) {
		P->offset = P->resp_offset;
		P->tries = 0;
		push_patch_or_end(P);
		return;
	}
	snprintf(msg, sizeof(msg), "PATCH answered %d", P->status);
	if (P->status >= 400 && P->status < 500 && P->status != 409 &&
	    P->status != 423 && P->status != 460)
		push_end(P, 1, msg);
	else
		push_failed(P, msg);
}

static void
push_done_cb(void *arg, enum hc_err err, const char *why)
{
	struct push *P = arg;
	char msg[256];

	if (err != HC_OK && P->step != P_OPTIONS && P->step != P_DELETE) {
		snprintf(msg, sizeof(msg), "%s", why ? why : "no answer");
		push_failed(P, msg);
		return;
	}
	switch (P->step) {
	case P_OPTIONS: /* not required by tus: on either way */
		push_next(P);
		break;
	case P_HEAD:
		push_after_head(P);
		break;
	case P_DELETE: /* whatever the answer: it expires otherwise */
		push_create(P);
		break;
	case P_CREATE:
		push_after_create(P);
		break;
	case P_PATCH:
		push_after_patch(P);
		break;
	}
}

/* OPTIONS is answered (or not): resume what the state names, or create. */
static void
push_next(struct push *P)
{
	if (P->url[0] != '\0')
		push_head(P);
	else if (P->stale[0] != '\0' && P->terminate)
		push_delete(P);
	else
		push_create(P);
}

static void
push_patch_or_end(struct push *P)
{
	if (P->offset < P->size) {
		if (P->cmd->progress)
			fprintf(stderr,
			    "\r%s: %" PRIu64 " of %" PRIu64 " bytes", P->name,
			    P->offset, P->size);
		push_patch(P);
		return;
	}
	unlink(P->state);
	snprintf(P->location, sizeof(P->location), "%s://%s%s",
	    P->ep.https ? "https" : "http", P->ep.hostport, P->url);
	push_end(P, 0, NULL);
}

static void
push_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct push *P = arg;

	/* Where is the server?  Then on from there. */
	push_next(P);
}

/* A failure worth a retry: after a back-off, from a HEAD. */
static void
push_failed(struct push *P, const char *why)
{
	struct timeval tv;
	unsigned ms;

	/* A checksum taken ahead may be of bytes since changed (a 460). */
	push_cksum_drop(P);
	if (++P->tries > P->cmd->retries) {
		push_end(P, 1, why);
		return;
	}
	ms = P->tries >= 7 ? 10000 : 200u << (P->tries - 1);
	if (ms > 10000)
		ms = 10000;
	log_info("%s: %s; again in %u ms", P->name, why, ms);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(P->retry, &tv);
}

struct push *
push_start(const struct pushcmd *cmd, push_done_fn done, void *arg, char *err,
    size_t errlen)
{
	struct push *P = xcalloc(1, sizeof(*P));
	const char *slash;
	struct stat st;
	char *abs;

	P->cmd = cmd;
	P->algo = -1;
	P->status_out = 1;
	P->done = done;
	P->done_arg = arg;
	P->fd = -1;
	buf_init(&P->rq);
	if (origin_parse_url(cmd->endpoint, &P->ep, &P->ep_path, err, errlen) ==
	    -1)
		goto fail;
	if ((P->fd = open(cmd->file, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(P->fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", cmd->file,
		    P->fd == -1 ? strerror(errno) : "not a regular file");
		goto fail;
	}
	slash = strrchr(cmd->file, '/');
	snprintf(P->name, sizeof(P->name), "%s",
	    cmd->name != NULL ? cmd->name
	        : slash       ? slash + 1
	                      : cmd->file);
	P->size = (uint64_t)st.st_size;
	abs = proc_absolute(cmd->file);
	push_state_path(P, abs, &st);
	free(abs);
	push_state_load(P);
	P->chunk = xmalloc(PUSH_READ);
	P->retry = evtimer_new(cmd->base, push_retry_cb, P);
	P->fin = evtimer_new(cmd->base, push_fin_cb, P);
	P->ckev = event_new(cmd->base, -1, 0, push_cksum_cb, P);
	if (P->retry == NULL || P->fin == NULL || P->ckev == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	push_options(P);
	return P;
fail:
	push_free(P);
	return NULL;
}

/* --upload's end: the answer on stdout, or the reason on stderr. */
static void
pushcmd_done(const struct push_result *r, void *arg)
{
	struct pushcmd *cmd = arg;

	if (cmd->progress)
		fputc('\n', stderr);
	if (r->status == 0)
		printf("Upload complete\nbytes: %" PRIu64
		       "\nresumed-from: %" PRIu64 "\nlocation: %s\n",
		    r->bytes, r->resumed_from, r->location);
	else
		fprintf(stderr, "haulproxy: %s: %s\n", cmd->file, r->msg);
	cmd->status = r->status;
	event_base_loopexit(cmd->base, NULL);
}

int
pushcmd_run(struct pushcmd *cmd)
{
	char err[512];

	cmd->progress = isatty(STDERR_FILENO);
	cmd->status = 1;
	if (push_start(cmd, pushcmd_done, cmd, err, sizeof(err)) == NULL) {
		fprintf(stderr, "haulproxy: --upload: %s\n", err);
		return 2;
	}
	event_base_dispatch(cmd->base);
	return cmd->status;
}