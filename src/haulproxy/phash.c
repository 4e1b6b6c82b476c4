/*
 * A download's digest, hashed as the file grows (phash.h).
 *
 * haulproxy has one event loop; hashing a GiB there at the end would
 * stall it and every other download for about half a second, and reading
 * the file back after the last chunk adds that half second to the
 * download.  Instead each verified download has a thread that hashes
 * [0, target) of the part file with pread(2) and OpenSSL's SHA-2 as the
 * loop moves target forward (the contiguous prefix of written chunks,
 * read back from the page cache they were just written to), on the
 * machine's other core.  At the end the loop waits only for the tail.
 *
 * The hashing is OpenSSL's SHA-256 and SHA-512 functions, not EVP: the
 * same code (SHA-NI where the CPU has it), but EVP's first use loads
 * OpenSSL 3's default provider, which touches 2.1 MiB more of libcrypto
 * and kept a plain --fetch over bench d's 6 MiB peak RSS target (8.2
 * MiB measured; the low-level calls touch 0.3 MiB).
 * The thread touches nothing of the loop's: target, done and the flags
 * under one mutex, the SHA contexts only while the loop waits or after
 * the thread is done.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

/* SHA256_Init and friends: deprecated in OpenSSL 3, kept for RSS (above). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "phash.h"
#include "util.h"

#define PHASH_READ (256 << 10) /* bytes per pread */

struct phash {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t more; /* target moved, or quit */
	pthread_cond_t done_cv;
	int fd;
	uint64_t target, done;
	int failed, quit;
	SHA256_CTX c256;
	SHA512_CTX c512;
	int sha512; /* c512 too */
	unsigned char *buf;
};

static void *phash_main(void *);

struct phash *
phash_new(int fd, int sha512)
{
	struct phash *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	p->sha512 = sha512;
	p->buf = malloc(PHASH_READ);
	if (p->fd == -1 || p->buf == NULL || SHA256_Init(&p->c256) != 1 ||
	    (sha512 && SHA512_Init(&p->c512) != 1))
		goto fail;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->more, NULL);
	pthread_cond_init(&p->done_cv, NULL);
	if (thread_start(&p->thread, NULL, phash_main, p) != 0) {
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->more);
		pthread_cond_destroy(&p->done_cv);
		goto fail;
	}
	return p;
fail:
	if (p->fd != -1)
		close(p->fd);
	free(p->buf);
	free(p);
	return NULL;
}

void
phash_advance(struct phash *p, uint64_t upto)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	if (upto > p->target) {
		p->target = upto;
		pthread_cond_signal(&p->more);
	}
	pthread_mutex_unlock(&p->mu);
}

/* Hash [from, to): 0, or -1 on a read error or a short file. */
static int
phash_range(struct phash *p, uint64_t from, uint64_t to)
{
	size_t want;
	ssize_t n;

	while (from < to) {
		/* phash_free waits for the thread: let it go at once. */
		if (__atomic_load_n(&p->quit, __ATOMIC_RELAXED))
			return -1;
		want =
		    to - from < PHASH_READ ? (size_t)(to - from) : PHASH_READ;
		n = pread(p->fd, p->buf, want, (off_t)from);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0 || SHA256_Update(&p->c256, p->buf, (size_t)n) != 1 ||
		    (p->sha512 &&
		        SHA512_Update(&p->c512, p->buf, (size_t)n) != 1))
			return -1;
		from += (uint64_t)n;
	}
	return 0;
}

static void *
phash_main(void *arg)
{
	struct phash *p = arg;
	uint64_t from, to;
	int bad;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->quit && (p->failed || p->done >= p->target))
			pthread_cond_wait(&p->more, &p->mu);
		if (p->quit)
			break;
		from = p->done;
		to = p->target;
		pthread_mutex_unlock(&p->mu);
		bad = phash_range(p, from, to);
		pthread_mutex_lock(&p->mu);
		if (bad)
			p->failed = 1;
		else
			p->done = to;
		pthread_cond_broadcast(&p->done_cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int
phash_finish(struct phash *p, uint64_t size, unsigned char *sha256,
    unsigned char *sha512)
{
	int rc = -1;

	pthread_mutex_lock(&p->mu);
	if (size > p->target) {
		p->target = size;
		pthread_cond_signal(&p->more);
	}
	while (!p->failed && p->done < size)
		pthread_cond_wait(&p->done_cv, &p->mu);
	/* The thread waits now: the contexts are the caller's. */
	if (!p->failed && p->done == size &&
	    SHA256_Final(sha256, &p->c256) == 1 &&
	    (sha512 == NULL ||
	        (p->sha512 && SHA512_Final(sha512, &p->c512) == 1)))
		rc = 0;
	p->failed = 1; /* finished: no more hashing */
	pthread_mutex_unlock(&p->mu);
	return rc;
}

void
phash_free(struct phash *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	__atomic_store_n(&p->quit, 1, __ATOMIC_RELAXED);
	pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->more);
	pthread_cond_destroy(&p->done_cv);
	close(p->fd);
	free(p->buf);
	free(p);
}
