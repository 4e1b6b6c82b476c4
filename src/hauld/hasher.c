/*
 * The SHA-256 of served files for Repr-Digest (SPEC "Integrity").
 *
 * Where it runs, and why: a worker's event loop must never wait for a
 * hash (a 1 GiB file is about a second of CPU), so each worker starts one
 * thread, at nice 10, that hashes the files the loop queues (at most
 * HASHER_QUEUE waiting, each with a dup of the descriptor the request
 * opened).  A thread rather than a process of the master's: it needs
 * nothing but the descriptor, and its result goes straight to where
 * every worker looks:
 *
 *   - the file's user.haul.sha256 extended attribute, whose value names
 *     the version (size, mtime to the nanosecond, inode) it belongs to
 *     (digest.c's format), so it survives restarts and is shared by all
 *     workers and by any hauld serving the same files;
 *   - and a small table in the worker's memory, which is all there is
 *     where the file system or the permissions refuse the attribute.
 *
 * A file rewritten while it is hashed (its version changed between the
 * queueing and the end of the hash) is not recorded: the next request
 * queues it again.  The loop's side costs a table lookup under a mutex
 * and, on a miss, one fgetxattr(2).  OpenSSL's EVP does the hashing.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/xattr.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "hasher.h"
#include "log.h"
#include "stats.h"
#include "util.h"

#define HASHER_QUEUE 32
#define HASHER_MEM 256        /* digests remembered in memory */
#define HASHER_READ (1 << 20) /* bytes per pread */

struct hasher_item {
	int fd;
	dev_t dev;
	struct digest_version v;
};

struct hasher_mem {
	dev_t dev;
	struct digest_version v;
	unsigned char sha256[DIGEST_SHA256_LEN];
	int used;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct hasher_item q[HASHER_QUEUE];
	unsigned head, n;
	struct hasher_item cur; /* being hashed; fd -1 when none */
	struct hasher_mem mem[HASHER_MEM];
	unsigned mem_next;
	struct stats_slot *slot;
	int started;
} H = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void *hasher_main(void *);
static int hasher_hash(int, unsigned char *);
static void hasher_done(const struct hasher_item *, const unsigned char *);

static void
hasher_version(const struct stat *st, struct digest_version *v)
{
	v->size = (uint64_t)st->st_size;
	v->mtime_sec = (int64_t)st->st_mtim.tv_sec;
	v->mtime_nsec = st->st_mtim.tv_nsec;
	v->ino = (uint64_t)st->st_ino;
}

static int
hasher_same(dev_t da, const struct digest_version *a, dev_t db,
    const struct digest_version *b)
{
	return da == db && a->ino == b->ino && a->size == b->size &&
	    a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec;
}

int
hasher_start(struct stats_slot *slot)
{
	pthread_attr_t attr;
	pthread_t t;
	int r;

	H.slot = slot;
	H.cur.fd = -1;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = thread_start(&t, &attr, hasher_main, NULL);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		log_warnx("%s: pthread_create: %s", __func__, strerror(r));
		return -1;
	}
	H.started = 1;
	return 0;
}

/* Whether dev/v is queued or being hashed.  H.mu held. */
static int
hasher_pending(dev_t dev, const struct digest_version *v)
{
	unsigned i;

	if (H.cur.fd != -1 && hasher_same(H.cur.dev, &H.cur.v, dev, v))
		return 1;
	for (i = 0; i < H.n; i++) {
		const struct hasher_item *it =
		    &H.q[(H.head + i) % HASHER_QUEUE];

		if (hasher_same(it->dev, &it->v, dev, v))
			return 1;
	}
	return 0;
}

/* The memory table: 1 with the digest.  H.mu held. */
static int
hasher_mem_find(dev_t dev, const struct digest_version *v, unsigned char *sha)
{
	unsigned i;

	for (i = 0; i < HASHER_MEM; i++)
		if (H.mem[i].used &&
		    hasher_same(H.mem[i].dev, &H.mem[i].v, dev, v)) {
			memcpy(sha, H.mem[i].sha256, DIGEST_SHA256_LEN);
			return 1;
		}
	return 0;
}

/* Remember a digest, replacing the oldest entry.  H.mu held. */
static void
hasher_mem_put(
    dev_t dev, const struct digest_version *v, const unsigned char *sha)
{
	struct hasher_mem *m;
	unsigned i;

	for (i = 0; i < HASHER_MEM; i++)
		if (H.mem[i].used && H.mem[i].dev == dev &&
		    H.mem[i].v.ino == v->ino)
			break; /* another version of the same file: replaced */
	m = i < HASHER_MEM ? &H.mem[i] : &H.mem[H.mem_next++ % HASHER_MEM];
	m->dev = dev;
	m->v = *v;
	memcpy(m->sha256, sha, DIGEST_SHA256_LEN);
	m->used = 1;
}

int
hasher_lookup(int fd, const struct stat *st, unsigned char *sha256)
{
	struct digest_version v;
	char val[DIGEST_XATTR_MAX];
	ssize_t n;
	int found, dfd;

	hasher_version(st, &v);
	pthread_mutex_lock(&H.mu);
	found = hasher_mem_find(st->st_dev, &v, sha256);
	pthread_mutex_unlock(&H.mu);
	if (found)
		return 1;
	n = fgetxattr(fd, HASHER_XATTR, val, sizeof(val) - 1);
	if (n > 0 && digest_xattr_match(val, (size_t)n, &v, sha256) == 1) {
		pthread_mutex_lock(&H.mu);
		hasher_mem_put(st->st_dev, &v, sha256);
		pthread_mutex_unlock(&H.mu);
		return 1;
	}
	if (!H.started)
		return 0;
	pthread_mutex_lock(&H.mu);
	if (H.n < HASHER_QUEUE && !hasher_pending(st->st_dev, &v) &&
	    (dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) != -1) {
		H.q[(H.head + H.n) % HASHER_QUEUE] =
		    (struct hasher_item){dfd, st->st_dev, v};
		H.n++;
		pthread_cond_signal(&H.cv);
	}
	pthread_mutex_unlock(&H.mu);
	return 0;
}

static void *
hasher_main(void *arg)
{
	unsigned char sha[DIGEST_SHA256_LEN];
	struct hasher_item it;

	(void)arg;
	/* Below the event loop: serving comes first. */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
	for (;;) {
		pthread_mutex_lock(&H.mu);
		while (H.n == 0)
			pthread_cond_wait(&H.cv, &H.mu);
		it = H.q[H.head];
		H.head = (H.head + 1) % HASHER_QUEUE;
		H.n--;
		H.cur = it;
		pthread_mutex_unlock(&H.mu);

		if (hasher_hash(it.fd, sha) == 0)
			hasher_done(&it, sha);
		close(it.fd);
		pthread_mutex_lock(&H.mu);
		H.cur.fd = -1;
		pthread_mutex_unlock(&H.mu);
	}
	return NULL;
}

/* SHA-256 of the whole file: 0, or -1 on a read error. */
static int
hasher_hash(int fd, unsigned char *sha)
{
	static unsigned char *buf;
	EVP_MD_CTX *ctx;
	unsigned int len;
	off_t off = 0;
	ssize_t n;
	int rc = -1;

	if (buf == NULL && (buf = malloc(HASHER_READ)) == NULL)
		return -1;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	for (;;) {
		n = pread(fd, buf, HASHER_READ, off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto out;
		if (n == 0)
			break;
		if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
			goto out;
		off += n;
	}
	if (EVP_DigestFinal_ex(ctx, sha, &len) == 1 && len == DIGEST_SHA256_LEN)
		rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/*
 * A hash is done: record it, unless the file changed meanwhile (then the
 * bytes hashed may mix two versions).
 */
static void
hasher_done(const struct hasher_item *it, const unsigned char *sha)
{
	struct digest_version now;
	char val[DIGEST_XATTR_MAX];
	struct stat st;
	int len;

	if (fstat(it->fd, &st) == -1)
		return;
	hasher_version(&st, &now);
	if (!hasher_same(st.st_dev, &now, it->dev, &it->v)) {
		log_debug("%s: inode %llu changed while hashed: not recorded",
		    __func__, (unsigned long long)it->v.ino);
		return;
	}
	stats_add(H.slot, STATS_digests_computed, 1);
	len = digest_xattr_format(&it->v, sha, val, sizeof(val));
	/* Refused (no user xattrs here, not our file): memory only. */
	if (len > 0)
		(void)fsetxattr(it->fd, HASHER_XATTR, val, (size_t)len, 0);
	pthread_mutex_lock(&H.mu);
	hasher_mem_put(it->dev, &it->v, sha);
	pthread_mutex_unlock(&H.mu);
}
