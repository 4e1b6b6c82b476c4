/*
 * tus 1.0.0 uploads into --upload-dir (SPEC "Uploads").
 *
 * State lives on disk only, in DIR/.haul/, so any worker, a restarted
 * hauld, or another hauld sharing the directory continues an upload:
 *   ID.part   the bytes received, written with pwrite at their offset;
 *   ID.info   "haul-tus1 LENGTH OFFSET EXPIRES DONE NAME-HEX\n", LENGTH -1
 *             while deferred, replaced whole (write, fdatasync, rename).
 * OFFSET is the durable offset: the part file's bytes up to it were
 * fdatasync'ed before the info file said so, which is what HEAD and PATCH
 * answer.  A PATCH body is streamed to the part file in BODY_BUF pieces
 * (memory bounded whatever its size) and made durable every SYNC_STEP
 * bytes and at its end, except under Upload-Checksum, whose bytes count
 * only once verified at the end (a mismatch, 460, or a cut-short body,
 * truncates them away).  The finished file is fsync'ed and renamed to
 * DIR/NAME in one step.  One PATCH at a time per upload (the part file's
 * flock): a newer PATCH or HEAD takes over from an open one (a client
 * that reconnected), which stops at its durable offset, unanswered; 423
 * only when that takes longer than TAKEOVER_WAIT_MS.  Expired uploads
 * go when a request finds them (410), and the master sweeps the others.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/file.h>
#include <sys/queue.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <linux/openat2.h>
#include <openssl/rand.h>

#include "auth.h"
#include "conn.h"
#include "heritage.h"
#include "httphdr.h"
#include "httpreq.h"
#include "log.h"
#include "path.h"
#include "stats.h"
#include "tus.h"
#include "upload.h"
#include "util.h"
#include "worker.h"

#define STATE_DIR ".haul"
#define ID_LEN 32
#define SYNC_STEP (8u << 20)      /* bytes between fdatasyncs of a PATCH */
#define WRITEBACK_STEP (1u << 20) /* bytes between fd_writeback calls */
#define OCTET "application/offset+octet-stream"

struct upload {
	char id[ID_LEN + 1];
	int64_t length;  /* -1: deferred */
	uint64_t offset; /* durable */
	time_t expires;
	int done;
	char name[PATH_MAX_LEN];
};

/* One PATCH (or POST with a body) in progress. */
struct patch {
	struct upload u;
	int fd;
	uint64_t start, cur, synced;
	uint64_t kicked; /* written back up to here (fd_writeback) */
	int has_cksum;
	struct tus_cksum ck;
	unsigned char want[TUS_DIGEST_MAX];
	size_t want_len;
	int created; /* a POST: answer 201 */
	char location[600];
	struct conn *conn;       /* while its body is read */
	LIST_ENTRY(patch) entry; /* on up_active then */
};

static int up_dirfd = -1, up_statefd = -1;

/*
 * Taking over from a stale PATCH (a client that reconnected while its
 * old connection still looks open): the PATCHes of this process whose
 * body is being read, and a timer that, while there are any, looks for
 * an ID.stop file another process left for one of them.
 */
static LIST_HEAD(, patch) up_active = LIST_HEAD_INITIALIZER(up_active);
static struct event *up_watch;
#define WATCH_MS 50
#define TAKEOVER_WAIT_MS 500

static void upload_options(struct conn *);
static void upload_create(struct conn *);
static void upload_head(struct conn *, const char *);
static void upload_patch(struct conn *, const char *);
static void upload_delete(struct conn *, const char *);
static int patch_data(struct conn *, void *, const char *, size_t);
static void patch_done(struct conn *, void *, int);
static const struct conn_sink patch_sink = {patch_data, patch_done};
static void patch_watch(struct conn *, struct patch *);
static int up_takeover(const char *, int);

int
upload_init(const char *dir, char *err, size_t errlen)
{
	if ((up_dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (mkdirat(up_dirfd, STATE_DIR, 0700) == -1 && errno != EEXIST) {
		snprintf(
		    err, errlen, "%s/%s: %s", dir, STATE_DIR, strerror(errno));
		return -1;
	}
	up_statefd =
	    openat(up_dirfd, STATE_DIR, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (up_statefd == -1) {
		snprintf(
		    err, errlen, "%s/%s: %s", dir, STATE_DIR, strerror(errno));
		return -1;
	}
	return 0;
}

/* Every answer says which protocol it speaks. */
static void
up_status(struct conn *c, int status)
{
	conn_status(c, status);
	conn_header(c, "Tus-Resumable", TUS_VERSION);
	conn_header(c, "Cache-Control", "no-store");
}

static void
up_error(struct conn *c, int status, const char *why)
{
	size_t len = strlen(why);

	up_status(c, status);
	if (status == 412)
		conn_header(c, "Tus-Version", TUS_VERSION);
	conn_header(c, "Content-Type", "text/plain; charset=utf-8");
	conn_header(c, "Content-Length", "%zu", len + 1);
	conn_end_head(c);
	conn_body_mem(c, why, len);
	conn_body_mem(c, "\n", 1);
}

/* ------------------------------------------------------------- state */

static int
up_id_ok(const char *id)
{
	size_t i;

	for (i = 0; i < ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		        (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return id[ID_LEN] == '\0';
}

/* ID.info into u: 0, or -1 (absent or not ours: 404). */
static int
up_load(const char *id, struct upload *u)
{
	char path[64], buf[2 * PATH_MAX_LEN + 128], *hex;
	long long len, off, exp;
	int fd, done, pos = 0;
	size_t i, hl;
	ssize_t got;
	unsigned v;

	if (!up_id_ok(id))
		return -1;
	snprintf(path, sizeof(path), "%s.info", id);
	if ((fd = openat(up_statefd, path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0)
		return -1;
	buf[got] = '\0';
	if (sscanf(buf, "haul-tus1 %lld %lld %lld %d %n", &len, &off, &exp,
	        &done, &pos) != 4 ||
	    pos == 0 || len < -1 || off < 0 || (len >= 0 && off > len))
		return -1;
	memset(u, 0, sizeof(*u));
	snprintf(u->id, sizeof(u->id), "%s", id);
	u->length = len;
	u->offset = (uint64_t)off;
	u->expires = (time_t)exp;
	u->done = done;
	hex = buf + pos;
	hl = strcspn(hex, "\n");
	if (hl % 2 != 0 || hl / 2 >= sizeof(u->name))
		return -1;
	for (i = 0; i < hl; i += 2) {
		if (sscanf(hex + i, "%2x", &v) != 1)
			return -1;
		u->name[i / 2] = (char)v;
	}
	u->name[hl / 2] = '\0';
	return 0;
}

/* Write ID.info whole: temporary file, fdatasync, rename.  0, or -1. */
static int
up_store(const struct upload *u)
{
	char tmp[64], path[64], hex[2 * PATH_MAX_LEN + 1];
	char line[2 * PATH_MAX_LEN + 128];
	size_t i;
	int fd, n;

	for (i = 0; i < PATH_MAX_LEN - 1 && u->name[i] != '\0'; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)u->name[i]);
	hex[2 * i] = '\0';
	n = snprintf(line, sizeof(line), "haul-tus1 %lld %llu %lld %d %s\n",
	    (long long)u->length, (unsigned long long)u->offset,
	    (long long)u->expires, u->done, hex);
	snprintf(tmp, sizeof(tmp), "%s.info.%ld", u->id, (long)getpid());
	snprintf(path, sizeof(path), "%s.info", u->id);
	fd = openat(
	    up_statefd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	if (write(fd, line, (size_t)n) != n || fdatasync(fd) == -1) {
		close(fd);
		unlinkat(up_statefd, tmp, 0);
		return -1;
	}
	close(fd);
	if (renameat(up_statefd, tmp, up_statefd, path) == -1) {
		unlinkat(up_statefd, tmp, 0);
		return -1;
	}
	return 0;
}

static void
up_remove(const struct upload *u, int data)
{
	char path[64];

	snprintf(path, sizeof(path), "%s.info", u->id);
	unlinkat(up_statefd, path, 0);
	if (data) {
		snprintf(path, sizeof(path), "%s.part", u->id);
		unlinkat(up_statefd, path, 0);
	}
}

/*
 * The upload named by the target's last segment, answered 404 or 410
 * when it is unknown or expired (an expired one goes now).  0, or -1.
 */
static int
up_find(struct conn *c, const char *id, struct upload *u)
{
	if (up_load(id, u) == -1) {
		up_error(c, 404, "no such upload");
		return -1;
	}
	if (!u->done && u->expires <= time(NULL)) {
		up_remove(u, 1);
		up_error(c, 410, "upload expired");
		return -1;
	}
	return 0;
}

static void
up_expires_header(struct conn *c, const struct upload *u)
{
	char date[40];

	if (u->done)
		return;
	httphdr_date_format(u->expires, date, sizeof(date));
	conn_header(c, "Upload-Expires", "%s", date);
}

void
upload_sweep(void)
{
	char id[ID_LEN + 1], info[64];
	struct upload u;
	struct dirent *e;
	struct stat st;
	time_t now = time(NULL);
	size_t len;
	DIR *dir;
	int fd;

	if (up_statefd == -1 ||
	    (fd = openat(
	         up_statefd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    (dir = fdopendir(fd)) == NULL)
		return;
	while ((e = readdir(dir)) != NULL) {
		len = strlen(e->d_name);
		if (len < ID_LEN + 5 || e->d_name[ID_LEN] != '.')
			continue;
		memcpy(id, e->d_name, ID_LEN);
		id[ID_LEN] = '\0';
		if (strcmp(e->d_name + ID_LEN, ".info") == 0) {
			if (up_load(id, &u) == 0 && !u.done &&
			    u.expires <= now) {
				up_remove(&u, 1);
				log_info("upload %s expired: removed", id);
			}
			continue;
		}
		/* A crash's leftovers: a temporary info, a lone part. */
		if (fstatat(up_statefd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		        -1 ||
		    st.st_mtime > now - 3600)
			continue;
		snprintf(info, sizeof(info), "%s.info", id);
		if (strncmp(e->d_name + ID_LEN, ".info.", 6) == 0 ||
		    (strcmp(e->d_name + ID_LEN, ".part") == 0 &&
		        faccessat(up_statefd, info, F_OK, 0) == -1))
			unlinkat(up_statefd, e->d_name, 0);
	}
	closedir(dir);
}

/* ------------------------------------------------------------ routes */

void
upload_request(struct conn *c, const char *t)
{
	const char *m = c->req.method, *id, *tr, *q;
	char idbuf[ID_LEN + 2];
	size_t n;

	if (strcmp(m, "OPTIONS") == 0) {
		upload_options(c);
		return;
	}
	tr = httpreq_header(&c->req, "Tus-Resumable");
	if (tr == NULL || strcmp(tr, TUS_VERSION) != 0) {
		up_error(c, 412, "Tus-Resumable: 1.0.0 is required");
		return;
	}
	id = t + 8; /* after "/uploads" */
	if (*id == '/')
		id++;
	n = (q = strchr(id, '?')) ? (size_t)(q - id) : strlen(id);
	if (n == 0 && strcmp(m, "POST") == 0) {
		upload_create(c);
		return;
	}
	if (n != ID_LEN) {
		up_error(c, n == 0 ? 405 : 404,
		    n == 0 ? "method not allowed" : "no such upload");
		return;
	}
	memcpy(idbuf, id, n);
	idbuf[n] = '\0';
	if (strcmp(m, "HEAD") == 0)
		upload_head(c, idbuf);
	else if (strcmp(m, "PATCH") == 0)
		upload_patch(c, idbuf);
	else if (strcmp(m, "DELETE") == 0)
		upload_delete(c, idbuf);
	else
		up_error(c, 405, "method not allowed");
}

static void
upload_options(struct conn *c)
{
	up_status(c, 204);
	conn_header(c, "Tus-Version", TUS_VERSION);
	conn_header(c, "Tus-Extension", "%s", TUS_EXTENSIONS);
	conn_header(c, "Tus-Checksum-Algorithm", "%s", TUS_CHECKSUMS);
	if (heritage.upload_max > 0)
		conn_header(c, "Tus-Max-Size", "%" PRIu64, heritage.upload_max);
	conn_end_head(c);
}

static void
upload_head(struct conn *c, const char *id)
{
	struct upload u;
	char part[64];
	int fd;

	if (up_find(c, id, &u) == -1)
		return;
	/* A client asking where it is ends its own stale PATCH first. */
	snprintf(part, sizeof(part), "%s.part", id);
	if (!u.done &&
	    (fd = openat(up_statefd, part, O_RDONLY | O_CLOEXEC)) != -1) {
		if ((flock(fd, LOCK_EX | LOCK_NB) == 0 ||
		        up_takeover(id, fd) == 0) &&
		    up_load(id, &u) == -1) {
			close(fd);
			up_error(c, 404, "no such upload");
			return;
		}
		close(fd);
	}
	up_status(c, 200);
	conn_header(c, "Upload-Offset", "%" PRIu64, u.offset);
	if (u.length >= 0)
		conn_header(c, "Upload-Length", "%lld", (long long)u.length);
	else
		conn_header(c, "Upload-Defer-Length", "1");
	up_expires_header(c, &u);
	conn_header(c, "Content-Length", "0");
	conn_end_head(c);
}

static void
upload_delete(struct conn *c, const char *id)
{
	struct upload u;

	if (up_load(id, &u) == -1) {
		up_error(c, 404, "no such upload");
		return;
	}
	/* Unfinished: its data goes; finished: forgotten, the file stays. */
	up_remove(&u, !u.done);
	up_status(c, 204);
	conn_end_head(c);
}

/* -------------------------------------------------------- publishing */

/*
 * Each directory of name below the upload directory, made if missing,
 * never through a symlink (RESOLVE_NO_SYMLINKS): the parent's fd (for
 * fsync), the last segment in *base.  -1 with errno (ELOOP: a symlink).
 */
static int
up_parent(const char *name, int create, const char **base)
{
	struct open_how how;
	char seg[PATH_MAX_LEN];
	const char *p = name, *slash;
	int fd, next;

	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
	fd = (int)syscall(SYS_openat2, up_dirfd, ".", &how, sizeof(how));
	while (fd != -1 && (slash = strchr(p, '/')) != NULL) {
		snprintf(seg, sizeof(seg), "%.*s", (int)(slash - p), p);
		next = (int)syscall(SYS_openat2, fd, seg, &how, sizeof(how));
		if (next == -1 && errno == ENOENT && create &&
		    mkdirat(fd, seg, 0755) == 0)
			next = (int)syscall(
			    SYS_openat2, fd, seg, &how, sizeof(how));
		close(fd);
		fd = next;
		p = slash + 1;
	}
	*base = p;
	return fd;
}

/* The whole file is in: sync it, rename it to DIR/NAME, say so. */
static int
up_publish(struct upload *u, int fd)
{
	char part[64];
	const char *base;
	int dfd;

	snprintf(part, sizeof(part), "%s.part", u->id);
	if (fsync(fd) == -1 || (dfd = up_parent(u->name, 1, &base)) == -1)
		return -1;
	if (renameat(up_statefd, part, dfd, base) == -1) {
		close(dfd);
		return -1;
	}
	fsync(dfd);
	close(dfd);
	u->done = 1;
	u->offset = u->length >= 0 ? (uint64_t)u->length : u->offset;
	if (up_store(u) == -1)
		log_warn("%s: upload %s published, state not saved", __func__,
		    u->id);
	return 0;
}

/* ---------------------------------------------------------- creation */

/* Upload-Metadata's filename into u->name (the id without one). */
static int
up_name(struct conn *c, struct upload *u)
{
	const char *meta = httpreq_header(&c->req, "Upload-Metadata"), *base;
	char err[160];
	size_t len = 0;
	int found = 0, fd;

	if (meta != NULL &&
	    tus_meta_get(meta, "filename", u->name, sizeof(u->name) - 1, &len,
	        &found, err, sizeof(err)) == -1) {
		up_error(c, 400, err);
		return -1;
	}
	if (!found || len == 0) {
		snprintf(u->name, sizeof(u->name), "%s", u->id);
		return 0;
	}
	if (strlen(u->name) != len ||
	    tus_name_check(u->name, len, err, sizeof(err)) == -1) {
		up_error(
		    c, 400, strlen(u->name) != len ? "NUL in filename" : err);
		return -1;
	}
	/* Its existing directories must not go through a symlink. */
	fd = up_parent(u->name, 0, &base);
	if (fd == -1 && errno == ELOOP) {
		up_error(c, 400, "filename goes through a symlink");
		return -1;
	}
	if (fd != -1)
		close(fd);
	return 0;
}

/* Upload-Length or Upload-Defer-Length: 1 into u: 0, or -1 (answered). */
static int
up_length(struct conn *c, struct upload *u)
{
	const char *ul = httpreq_header(&c->req, "Upload-Length");
	const char *dl = httpreq_header(&c->req, "Upload-Defer-Length");
	uint64_t len;

	if (ul != NULL) {
		if (tus_u64(ul, &len) == -1) {
			up_error(c, 400, "bad Upload-Length");
			return -1;
		}
		if (heritage.upload_max > 0 && len > heritage.upload_max) {
			up_error(c, 413, "upload larger than --upload-max");
			return -1;
		}
		u->length = (int64_t)len;
	} else if (dl != NULL && strcmp(dl, "1") == 0) {
		u->length = -1;
	} else {
		up_error(c, 400,
		    "Upload-Length or Upload-Defer-Length: 1 is "
		    "required");
		return -1;
	}
	return 0;
}

/* Content-Length of a body (no Transfer-Encoding): 0, or -1 (answered). */
static int
up_body_len(struct conn *c, uint64_t *len)
{
	const char *cl = httpreq_header(&c->req, "Content-Length");

	*len = 0;
	if (httpreq_header(&c->req, "Transfer-Encoding") != NULL) {
		up_error(c, 411, "send the body with a Content-Length");
		return -1;
	}
	if (cl != NULL && httphdr_content_length(cl, len) == -1) {
		up_error(c, 400, "bad Content-Length");
		return -1;
	}
	return 0;
}

/*
 * The absolute URL of an upload, from the scheme and Host the client
 * used; signed alike (the same expires) when a signed URL authorized its
 * creation, so resuming through it ends when that URL does.
 */
static void
up_location(struct conn *c, const struct upload *u, char *out, size_t len)
{
	const char *host = httpreq_header(&c->req, "Host");
	char path[64], target[512];

	snprintf(path, sizeof(path), "/uploads/%s", u->id);
	if (c->signed_expires <= 0 || heritage.url_keys == NULL ||
	    auth_sign(heritage.url_keys, path, c->signed_expires, target,
	        sizeof(target)) == -1)
		snprintf(target, sizeof(target), "%s", path);
	snprintf(out, len, "%s://%s%s", heritage.tls != NULL ? "https" : "http",
	    host ? host : "localhost", target);
}

static void patch_answer(struct conn *, struct patch *);
static int patch_begin(struct conn *, struct patch *, uint64_t);

static void
upload_create(struct conn *c)
{
	unsigned char rnd[ID_LEN / 2];
	const char *ct = httpreq_header(&c->req, "Content-Type");
	struct upload u;
	struct patch *p;
	char part[64];
	uint64_t body;
	size_t i;
	int fd;

	memset(&u, 0, sizeof(u));
	if (up_length(c, &u) == -1 || up_body_len(c, &body) == -1)
		return;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		up_error(c, 500, "no random bytes");
		return;
	}
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(u.id + 2 * i, 3, "%02x", rnd[i]);
	if (up_name(c, &u) == -1)
		return;
	if (body > 0 && (ct == NULL || strcmp(ct, OCTET) != 0)) {
		up_error(c, 415, "a body needs Content-Type: " OCTET);
		return;
	}
	if (u.length >= 0 && body > (uint64_t)u.length) {
		up_error(c, 400, "body longer than Upload-Length");
		return;
	}
	snprintf(part, sizeof(part), "%s.part", u.id);
	fd = openat(
	    up_statefd, part, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	u.expires = time(NULL) + heritage.upload_expire;
	if (fd == -1 || up_store(&u) == -1) {
		up_error(c, errno == ENOSPC ? 507 : 500, strerror(errno));
		if (fd != -1)
			close(fd);
		return;
	}
	stats_add(c->w->slot, STATS_uploads_created, 1);
	p = xcalloc(1, sizeof(*p));
	p->u = u;
	p->fd = fd;
	p->created = 1;
	up_location(c, &u, p->location, sizeof(p->location));
	if (patch_begin(c, p, body) == 0 && body == 0)
		patch_answer(c, p);
}

/* ---------------------------------------------------------- takeover */

/* End the PATCH p at its durable offset; its connection goes unanswered. */
static void
patch_stop(struct patch *p)
{
	log_debug("upload %s: a newer request takes over", p->u.id);
	conn_free(p->conn); /* patch_done(0): sync, free, unlock */
}

static void
up_watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct patch *p, *next;
	char stop[64];

	for (p = LIST_FIRST(&up_active); p != NULL; p = next) {
		next = LIST_NEXT(p, entry);
		snprintf(stop, sizeof(stop), "%s.stop", p->u.id);
		if (faccessat(up_statefd, stop, F_OK, 0) == 0)
			patch_stop(p);
	}
}

/* p reads its body from now on: listed, and the timer runs. */
static void
patch_watch(struct conn *c, struct patch *p)
{
	struct timeval tv = {0, WATCH_MS * 1000};

	if (up_watch == NULL &&
	    (up_watch = event_new(
	         c->w->base, -1, EV_PERSIST, up_watch_cb, NULL)) == NULL)
		return;
	p->conn = c;
	LIST_INSERT_HEAD(&up_active, p, entry);
	if (!evtimer_pending(up_watch, NULL))
		evtimer_add(up_watch, &tv);
}

/*
 * The part file fd of upload id is locked by an earlier PATCH: stop it
 * (at once when it is this process's; else by leaving ID.stop for its
 * process's timer) and take the lock, waiting TAKEOVER_WAIT_MS at most.
 * 0 with the lock, -1 without.
 */
static int
up_takeover(const char *id, int fd)
{
	struct timespec ten = {0, 10 * 1000 * 1000};
	struct patch *p;
	char stop[64];
	int i, sfd;

	LIST_FOREACH(p, &up_active, entry) {
		if (strcmp(p->u.id, id) == 0) {
			patch_stop(p);
			break;
		}
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	snprintf(stop, sizeof(stop), "%s.stop", id);
	sfd = openat(up_statefd, stop, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (sfd != -1)
		close(sfd);
	for (i = 0; i < TAKEOVER_WAIT_MS / 10; i++) {
		nanosleep(&ten, NULL);
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
	}
	unlinkat(up_statefd, stop, 0);
	return i < TAKEOVER_WAIT_MS / 10 ? 0 : -1;
}

/* ------------------------------------------------------------- PATCH */

static void
patch_free(struct patch *p)
{
	if (p->conn != NULL) {
		LIST_REMOVE(p, entry);
		if (LIST_EMPTY(&up_active) && up_watch != NULL)
			evtimer_del(up_watch);
	}
	if (p->has_cksum)
		tus_cksum_free(&p->ck);
	close(p->fd);
	free(p);
}

/* Make [.., cur) durable and say so in the info file: 0, or -1. */
static int
patch_sync(struct conn *c, struct patch *p)
{
	if (p->cur == p->u.offset)
		return 0;
	if (fdatasync(p->fd) == -1)
		return -1;
	p->u.offset = p->cur;
	p->u.expires = time(NULL) + heritage.upload_expire;
	if (up_store(&p->u) == -1)
		return -1;
	p->synced = p->cur;
	stats_add(c->w->slot, STATS_upload_offsets_acked, 1);
	return 0;
}

/*
 * Read the body (body bytes) into the part file from p->cur, or with no
 * body go straight to the answer's checks.  0, or -1 when answered.
 */
static int
patch_begin(struct conn *c, struct patch *p, uint64_t body)
{
	const char *ck = httpreq_header(&c->req, "Upload-Checksum");
	enum tus_algo algo;
	char err[160];
	int r;

	p->start = p->cur = p->synced = p->kicked = p->u.offset;
	if (ck != NULL) {
		r = tus_checksum_parse(
		    ck, &algo, p->want, &p->want_len, err, sizeof(err));
		if (r != 0 || tus_cksum_init(&p->ck, algo) == -1) {
			up_error(c, 400,
			    r == -2 ? "checksum algorithm not "
			              "supported"
			            : "bad Upload-Checksum");
			patch_free(p);
			return -1;
		}
		p->has_cksum = 1;
	}
	if (body > 0) {
		conn_read_body(c, body, &patch_sink, p);
		patch_watch(c, p);
	}
	return 0;
}

static int
patch_data(struct conn *c, void *arg, const char *buf, size_t n)
{
	struct patch *p = arg;
	ssize_t w;

	if (p->has_cksum)
		tus_cksum_update(&p->ck, buf, n);
	while (n > 0) {
		w = pwrite(p->fd, buf, n, (off_t)p->cur);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			/* Full disk: what is durable stays; the rest goes. */
			int full = errno == ENOSPC || errno == EDQUOT;

			if (!p->has_cksum)
				(void)patch_sync(c, p);
			(void)ftruncate(p->fd, (off_t)p->u.offset);
			up_error(c, full ? 507 : 500,
			    full ? "disk full: the durable offset is kept"
			         : "cannot write the upload");
			patch_free(p);
			return -1;
		}
		buf += w;
		n -= (size_t)w;
		p->cur += (uint64_t)w;
	}
	/* The disk writes as the body arrives, not all at the sync. */
	if (p->cur - p->kicked >= WRITEBACK_STEP) {
		fd_writeback(p->fd, p->kicked, p->cur - p->kicked);
		p->kicked = p->cur;
	}
	/* Offsets are acknowledged as they become durable, in steps. */
	if (!p->has_cksum && p->cur - p->synced >= SYNC_STEP &&
	    patch_sync(c, p) == -1)
		log_warn("%s: upload %s", __func__, p->u.id);
	return 0;
}

static void
patch_done(struct conn *c, void *arg, int complete)
{
	struct patch *p = arg;

	if (!complete) {
		/* Cut short: keep what came, unless it cannot be checked. */
		if (p->has_cksum)
			(void)ftruncate(p->fd, (off_t)p->start);
		else if (patch_sync(c, p) == -1)
			log_warn("%s: upload %s", __func__, p->u.id);
		patch_free(p);
		return;
	}
	patch_answer(c, p);
}

/* The body is all in: check, make durable, publish if whole, answer. */
static void
patch_answer(struct conn *c, struct patch *p)
{
	unsigned char got[TUS_DIGEST_MAX];
	size_t len;

	if (p->has_cksum) {
		len = tus_cksum_final(&p->ck, got);
		if (len != p->want_len || memcmp(got, p->want, len) != 0) {
			(void)ftruncate(p->fd, (off_t)p->start);
			up_error(
			    c, 460, "checksum mismatch: the PATCH is dropped");
			patch_free(p);
			return;
		}
	}
	if (patch_sync(c, p) == -1 ||
	    (p->u.length >= 0 && p->cur == (uint64_t)p->u.length &&
	        !p->u.done && up_publish(&p->u, p->fd) == -1)) {
		up_error(c, errno == ENOSPC ? 507 : 500, strerror(errno));
		patch_free(p);
		return;
	}
	if (p->u.done)
		stats_add(c->w->slot, STATS_uploads_completed, 1);
	up_status(c, p->created ? 201 : 204);
	if (p->created)
		conn_header(c, "Location", "%s", p->location);
	conn_header(c, "Upload-Offset", "%" PRIu64, p->cur);
	up_expires_header(c, &p->u);
	if (p->created)
		conn_header(c, "Content-Length", "0");
	conn_end_head(c);
	patch_free(p);
}

/*
 * Upload-Length on a PATCH: the length of a deferred upload, or the
 * same as it was.  0, or -1 (answered 400).
 */
static int
patch_length(struct conn *c, struct upload *u, const char *ul, uint64_t off)
{
	uint64_t len;

	if (tus_u64(ul, &len) == -1 ||
	    (u->length >= 0 && len != (uint64_t)u->length) || len < off ||
	    (heritage.upload_max > 0 && len > heritage.upload_max)) {
		up_error(c, 400, "bad Upload-Length");
		return -1;
	}
	u->length = (int64_t)len;
	return 0;
}

/*
 * The part file of upload id, opened and locked (taking over from an
 * open PATCH), and the upload's state as it is then: fd, or -1
 * (answered).
 */
static int
patch_lock(struct conn *c, const char *id, struct upload *u)
{
	char part[64];
	int fd;

	snprintf(part, sizeof(part), "%s.part", id);
	if ((fd = openat(up_statefd, part, O_RDWR | O_CLOEXEC)) == -1) {
		up_error(c, u->done ? 409 : 404,
		    u->done ? "upload finished" : "no such upload");
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1 && up_takeover(id, fd) == -1) {
		close(fd);
		up_error(c, 423, "another PATCH to this upload is open");
		return -1;
	}
	/* A stopped PATCH may have moved the durable offset. */
	if (up_load(id, u) == -1) {
		close(fd);
		up_error(c, 404, "no such upload");
		return -1;
	}
	return fd;
}

static void
upload_patch(struct conn *c, const char *id)
{
	const char *ct = httpreq_header(&c->req, "Content-Type");
	const char *uo = httpreq_header(&c->req, "Upload-Offset");
	const char *ul = httpreq_header(&c->req, "Upload-Length");
	struct upload u;
	struct patch *p;
	uint64_t off, body;
	int fd;

	if (ct == NULL || strcmp(ct, OCTET) != 0) {
		up_error(c, 415, "a PATCH needs Content-Type: " OCTET);
		return;
	}
	if (up_find(c, id, &u) == -1)
		return;
	if (uo == NULL || tus_u64(uo, &off) == -1) {
		up_error(c, 400, "a PATCH needs Upload-Offset");
		return;
	}
	if (up_body_len(c, &body) == -1 || (fd = patch_lock(c, id, &u)) == -1)
		return;
	p = xcalloc(1, sizeof(*p));
	p->u = u;
	p->fd = fd;
	if (off != u.offset) {
		up_error(c, 409, "Upload-Offset is not the upload's offset");
		patch_free(p);
		return;
	}
	if (ul != NULL && patch_length(c, &p->u, ul, off) == -1) {
		patch_free(p);
		return;
	}
	if (p->u.length >= 0 && off + body > (uint64_t)p->u.length) {
		up_error(c, 400, "body longer than Upload-Length");
		patch_free(p);
		return;
	}
	/* Bytes past the durable offset (a crash's leftovers) go. */
	(void)ftruncate(fd, (off_t)p->u.offset);
	if (ul != NULL && up_store(&p->u) == -1) {
		up_error(c, 500, "cannot save the upload's length");
		patch_free(p);
		return;
	}
	if (patch_begin(c, p, body) == 0 && body == 0)
		patch_answer(c, p);
}
