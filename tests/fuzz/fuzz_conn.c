/*
 * hauld's request handling for real: conn.c, serve.c and gzip.c linked
 * as in hauld, one connection on a socketpair, libevent driving it.  The
 * worker is a stub (its event base, one stats slot, worker_conn_closed()
 * ending the loop when the connection is gone) and the heritage is set
 * up as hauld.c would, over a temporary --root holding a text file big
 * enough to gzip, a binary file, an empty file, a file in a
 * subdirectory, a name to sniff, a directory, a FIFO, a symlink inside
 * the root and symlinks that leave it (to /etc/passwd, and to a secret
 * file beside the root).  The access log goes to /dev/null (it is still
 * formatted).
 *
 * Input: byte 0 is the size of the pieces the client writes (1..255, 0 =
 * all at once), one piece per turn of the event loop, so heads arrive
 * split anywhere; the rest is what the client sends, after which it
 * shuts down its write side and reads until the server closes.
 *
 * Properties: the loop ends with the connection freed (no hang: a
 * watchdog aborts after 5 s), no descriptor leaks, the open-connection
 * gauge is back to zero; no byte of the secret file beside the root ever
 * reaches the client, however the path is spelled; and what the client
 * receives is a well-framed sequence of HTTP/1.1 responses, one per
 * request head as httpreq_parse() splits the input (the same parser
 * conn.c uses): a status line, a head, then exactly the body its
 * Content-Length or chunked framing announces (none for HEAD and 304;
 * to the close when neither is given), no more responses than requests,
 * and never a 500 (SPEC: 500 only for real server faults).
 * FUZZ_CONN_VERBOSE=1 in the environment prints each status line.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <strings.h>
#include <unistd.h>

#include <event2/event.h>

#include "conn.h"
#include "fuzz.h"
#include "heritage.h"
#include "httpreq.h"
#include "log.h"
#include "stats.h"
#include "worker.h"

/* hauld.c owns these in hauld; here the harness does. */
struct heritage heritage;

static struct worker w;
static char base[64] = "/tmp/haul-fuzz-conn.XXXXXX";
static char root[96]; /* base/root, served; base/secret.txt is not */
#define SECRET "HAUL-FUZZ-SECRET-7f3a"
#define SECRET_LEN (sizeof(SECRET) - 1)
#define RESP_MAX (32u << 20)
#define MAX_REQS 4096

void
worker_conn_closed(struct worker *wk)
{
	if (wk->nconns == 0)
		event_base_loopbreak(wk->base);
}

struct client {
	int fd;
	struct event *ev;
	const uint8_t *data;
	size_t len, off, piece;
	int shut;
	char *resp; /* everything received, up to RESP_MAX */
	size_t resp_len, resp_cap;
	int resp_over; /* more than RESP_MAX: not checked */
	uint64_t got;
	char tail[SECRET_LEN]; /* last bytes of the previous read */
	size_t tail_len;
};

static void
put_file(const char *rel, const void *p, size_t len)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1 ||
	    (len > 0 && write(fd, p, len) != (ssize_t)len))
		abort();
	close(fd);
}

static void
cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_conn: could not remove %s\n", base);
}

static void
setup(void)
{
	static char text[20000], bin[3000];
	char path[256];
	size_t i;
	int fd;

	if (mkdtemp(base) == NULL)
		abort();
	atexit(cleanup);
	snprintf(root, sizeof(root), "%s/root", base);
	if (mkdir(root, 0755) == -1)
		abort();
	snprintf(path, sizeof(path), "%s/secret.txt", base);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644)) == -1 ||
	    write(fd, SECRET "\n", SECRET_LEN + 1) != SECRET_LEN + 1)
		abort();
	close(fd);
	for (i = 0; i < sizeof(text); i++)
		text[i] =
		    "the quick brown fox jumps over the lazy dog\n"[i % 44];
	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (char)(i * 7 + (i >> 3));
	put_file("a.txt", text, sizeof(text));
	put_file("data.bin", bin, sizeof(bin));
	put_file("empty.txt", "", 0);
	put_file("noext", text, 700);
	snprintf(path, sizeof(path), "%s/sub", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sub/dir", root);
	mkdir(path, 0755);
	put_file("sub/dir/b.json", text, 5000);
	snprintf(path, sizeof(path), "%s/fifo", root);
	mkfifo(path, 0644);
	snprintf(path, sizeof(path), "%s/in.txt", root);
	if (symlink("a.txt", path) == -1)
		abort();
	snprintf(path, sizeof(path), "%s/out", root);
	if (symlink("/etc/passwd", path) == -1)
		abort();
	snprintf(path, sizeof(path), "%s/up.txt", root);
	if (symlink("../secret.txt", path) == -1)
		abort();
	snprintf(path, sizeof(path), "%s/sub/parent", root);
	if (symlink("../..", path) == -1)
		abort();

	log_init("fuzz_conn", 0, 0);
	log_setquiet(1);
	heritage.root = root;
	heritage.workers = 1;
	heritage.max_conns = 16;
	heritage.timeout_s = 3;
	heritage.grace_s = 1;
	heritage.gzip_min = 1024;
	heritage.gzip_level = 1;
	heritage.death_fd = -1;
	if ((heritage.root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		abort();
	if ((heritage.access_fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) ==
	    -1)
		abort();
	if (stats_create(&heritage.stats, NULL, STATS_KIND_HAULD, 1) == -1)
		abort();

	if ((w.base = event_base_new()) == NULL)
		abort();
	w.slot = &heritage.stats.slots[0];
	w.accepting = 1;
	TAILQ_INIT(&w.conns);
}

static void
client_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;
	char buf[65536], *win;
	size_t n, wlen;
	ssize_t r;

	if (what & EV_READ) {
		while ((r = read(fd, buf + SECRET_LEN,
		            sizeof(buf) - SECRET_LEN)) > 0) {
			/* The secret, even split between two reads. */
			win = buf + SECRET_LEN - cl->tail_len;
			wlen = cl->tail_len + (size_t)r;
			memcpy(win, cl->tail, cl->tail_len);
			FUZZ_CHECK(
			    memmem(win, wlen, SECRET, SECRET_LEN) == NULL);
			n = wlen < SECRET_LEN - 1 ? wlen : SECRET_LEN - 1;
			memcpy(cl->tail, win + wlen - n, n);
			cl->tail_len = n;

			cl->got += (uint64_t)r;
			if (cl->resp_over ||
			    cl->resp_len + (size_t)r > RESP_MAX) {
				cl->resp_over = 1;
				continue;
			}
			if (cl->resp_len + (size_t)r > cl->resp_cap) {
				cl->resp_cap = (cl->resp_len + (size_t)r) * 2;
				if ((cl->resp = realloc(
				         cl->resp, cl->resp_cap)) == NULL)
					abort();
			}
			memcpy(cl->resp + cl->resp_len, buf + SECRET_LEN,
			    (size_t)r);
			cl->resp_len += (size_t)r;
		}
	}
	if ((what & EV_WRITE) && !cl->shut) {
		n = cl->len - cl->off;
		if (cl->piece > 0 && n > cl->piece)
			n = cl->piece;
		if (n > 0) {
			r = write(fd, cl->data + cl->off, n);
			if (r > 0)
				cl->off += (size_t)r;
			else if (r == -1 && errno != EAGAIN)
				cl->off = cl->len; /* server gone */
		}
		if (cl->off == cl->len) {
			shutdown(fd, SHUT_WR);
			cl->shut = 1;
			event_del(cl->ev);
			event_assign(cl->ev, w.base, fd, EV_READ | EV_PERSIST,
			    client_cb, cl);
			event_add(cl->ev, NULL);
		}
	}
}

static void
watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	fprintf(stderr, "fuzz_conn: the connection is still open after 5 s\n");
	abort();
}

/*
 * The request heads in what the client sent, as conn.c meets them: each
 * parsed from where the previous one ended, at most HTTPREQ_MAX_HEAD
 * bytes at a time (conn.c's buffer).  head[i] says whether request i is
 * a HEAD; a head that does not parse ends the list (its error response
 * is the last, with a body).  Returns the number of responses possible.
 */
static size_t
split_requests(const uint8_t *data, size_t len, int *head, size_t max)
{
	static struct httpreq req;
	char *buf, err[128];
	size_t off = 0, n, i = 0;
	int r;

	if ((buf = malloc(HTTPREQ_MAX_HEAD + 1)) == NULL)
		abort();
	while (off < len && i < max) {
		n = len - off < HTTPREQ_MAX_HEAD ? len - off : HTTPREQ_MAX_HEAD;
		memcpy(buf, data + off, n);
		r = httpreq_parse(buf, n, &req, err, sizeof(err));
		if (r == 0)
			break;
		if (r < 0) {
			head[i++] = 0;
			break;
		}
		head[i++] = strcmp(req.method, "HEAD") == 0;
		off += (size_t)r;
	}
	free(buf);
	return i;
}

static int
starts(const char *p, size_t left, const char *s)
{
	size_t n = strlen(s);

	return left >= n && memcmp(p, s, n) == 0;
}

/* Value of a header in head [p, end), or NULL; case-blind names. */
static const char *
find_header(const char *p, const char *end, const char *name, size_t *vlen)
{
	size_t n = strlen(name);
	const char *eol, *v;

	for (p = memchr(p, '\n', (size_t)(end - p)); p != NULL && p + 1 < end;
	     p = eol) {
		p++;
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			break;
		if ((size_t)(eol - p) > n + 1 && strncasecmp(p, name, n) == 0 &&
		    p[n] == ':') {
			for (v = p + n + 1; *v == ' '; v++)
				;
			*vlen = (size_t)(eol - v) - (eol[-1] == '\r');
			return v;
		}
	}
	return NULL;
}

/* A chunked body at p: its length, or FUZZ_CHECK fails. */
static size_t
chunked_len(const char *p, size_t left)
{
	size_t off = 0, size;
	const char *q;
	int digits;

	for (;;) {
		size = 0;
		digits = 0;
		for (q = p + off; q < p + left; q++) {
			int d = *q >= '0' && *q <= '9' ? *q - '0'
			    : *q >= 'a' && *q <= 'f'   ? *q - 'a' + 10
			    : *q >= 'A' && *q <= 'F'   ? *q - 'A' + 10
			                               : -1;

			if (d < 0)
				break;
			FUZZ_CHECK(size < ((size_t)1 << 40));
			size = size * 16 + (size_t)d;
			digits++;
		}
		FUZZ_CHECK(
		    digits > 0 && starts(q, (size_t)(p + left - q), "\r\n"));
		off = (size_t)(q - p) + 2;
		FUZZ_CHECK(left - off >= size + 2);
		FUZZ_CHECK(memcmp(p + off + size, "\r\n", 2) == 0);
		off += size + 2;
		if (size == 0)
			return off;
	}
}

/* The whole response stream: framing, count, statuses. */
static void
check_responses(const char *r, size_t len, const int *head, size_t nreq)
{
	const char *end, *v;
	size_t i, off = 0, vl, clen;
	int status, verbose = getenv("FUZZ_CONN_VERBOSE") != NULL;

	for (i = 0; off < len; i++) {
		FUZZ_CHECK(i < nreq);
		FUZZ_CHECK(starts(r + off, len - off, "HTTP/1.1 "));
		FUZZ_CHECK(len - off >= 13 && r[off + 9] >= '1' &&
		    r[off + 9] <= '5' && r[off + 12] == ' ');
		status = atoi(r + off + 9);
		if (verbose)
			fprintf(stderr, "fuzz_conn: %.*s\n",
			    (int)strcspn(r + off, "\r"), r + off);
		FUZZ_CHECK(status != 500);
		end = memmem(r + off, len - off, "\r\n\r\n", 4);
		FUZZ_CHECK(end != NULL);
		end += 4;
		if (head[i] || status == 304 || status < 200) {
			FUZZ_CHECK(find_header(r + off, end,
			               "Transfer-Encoding", &vl) == NULL ||
			    head[i]);
			off = (size_t)(end - r);
			continue;
		}
		if ((v = find_header(r + off, end, "Transfer-Encoding", &vl)) !=
		    NULL) {
			FUZZ_CHECK(
			    vl >= 7 && memcmp(v + vl - 7, "chunked", 7) == 0);
			off = (size_t)(end - r);
			off += chunked_len(r + off, len - off);
		} else if ((v = find_header(
		                r + off, end, "Content-Length", &vl)) != NULL) {
			clen = strtoull(v, NULL, 10);
			off = (size_t)(end - r);
			FUZZ_CHECK(len - off >= clen);
			off += clen;
		} else {
			/* Delimited by the close: must be the last. */
			FUZZ_CHECK(find_header(r + off, end, "Connection",
			               &vl) != NULL);
			off = len;
		}
	}
}

static int
count_fds(void)
{
	int fd, n = 0;

	for (fd = 0; fd < 256; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready, fds_before, head[MAX_REQS];
	struct timeval five = {5, 0};
	struct sockaddr_in peer = {0};
	struct client cl;
	struct event *dog;
	uint64_t c[STATS_NFIELDS];
	size_t nreq;
	int sv[2];

	if (!ready) {
		setup();
		ready = 1;
	}
	if (size < 1)
		return 0;
	fds_before = count_fds();
	memset(&cl, 0, sizeof(cl));
	cl.piece = data[0];
	cl.data = data + 1;
	cl.len = size - 1;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	        sv) == -1)
		abort();
	cl.fd = sv[1];
	cl.ev = event_new(
	    w.base, sv[1], EV_READ | EV_WRITE | EV_PERSIST, client_cb, &cl);
	dog = evtimer_new(w.base, watchdog_cb, NULL);
	if (cl.ev == NULL || dog == NULL)
		abort();
	event_add(cl.ev, NULL);
	evtimer_add(dog, &five);

	peer.sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", &peer.sin_addr);
	conn_accept(&w, sv[0], (struct sockaddr *)&peer);
	if (w.nconns > 0)
		event_base_dispatch(w.base);

	FUZZ_CHECK(w.nconns == 0 && TAILQ_EMPTY(&w.conns));
	/* What the server wrote after the loop ended. */
	client_cb(sv[1], EV_READ, &cl);
	event_free(cl.ev);
	event_free(dog);
	close(sv[1]);

	stats_slot_read(w.slot, c);
	FUZZ_CHECK(c[STATS_conn_open] == 0);
	FUZZ_CHECK(count_fds() == fds_before);
	if (!cl.resp_over) {
		nreq = split_requests(cl.data, cl.len, head, MAX_REQS);
		check_responses(cl.resp, cl.resp_len, head, nreq);
	}
	free(cl.resp);
	return 0;
}
