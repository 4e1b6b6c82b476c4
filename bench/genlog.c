/*
 * genlog: write MiB mebibytes of realistic JSON access-log lines (one
 * object per line, like a service's structured log) to stdout.
 * Deterministic (fixed seed), fast, and tuned so that `gzip -1` shrinks
 * the output about 4.7x, as real logs of this kind do.
 *
 * Usage: genlog MIB > file
 * Built by bench/run.sh with the system compiler; no dependencies.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static unsigned
pick(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* A skewed pick: low indices much more likely (as in real traffic). */
static unsigned
skew(unsigned n)
{
	unsigned a = pick(n), b = pick(n);
	return a < b ? a : b;
}

static const char *levels[] = { "info", "info", "info", "info", "info",
	"info", "debug", "warn", "error" };
static const char *services[] = { "api", "auth", "billing", "search",
	"catalog", "gateway" };
static const char *methods[] = { "GET", "GET", "GET", "GET", "POST", "PUT",
	"DELETE", "GET" };
static const char *paths[] = { "/api/v1/users/%u", "/api/v1/users/%u/orders",
	"/api/v1/orders/%u", "/api/v1/products/%u", "/api/v1/search?q=item%u",
	"/api/v2/cart/%u/items", "/healthz", "/static/js/app.%u.js",
	"/api/v1/sessions", "/api/v1/invoices/%u/pdf" };
static const unsigned statuses[] = { 200, 200, 200, 200, 200, 200, 200,
	201, 204, 304, 400, 401, 404, 500 };
static const char *agents[] = {
	"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
	    "(KHTML, like Gecko) Version/17.5 Safari/605.1.15",
	"curl/8.5.0", "python-requests/2.31.0", "Go-http-client/1.1",
	"okhttp/4.12.0" };
static const char *messages[] = { "request completed", "request completed",
	"request completed", "cache miss", "upstream slow",
	"token refreshed", "validation failed", "rate limited" };

#define N(a) (sizeof(a) / sizeof((a)[0]))

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: genlog MIB\n");
		return 2;
	}
	unsigned long long want = strtoull(argv[1], NULL, 10) << 20;
	unsigned long long done = 0;
	static char buf[1 << 16];
	char line[1024], path[128];
	size_t used = 0;
	/* 2026-11-24T00:00:00Z, advancing a few ms a line */
	unsigned long long ms = 0;
	static const char hex[] = "0123456789abcdef";

	while (done < want) {
		ms += pick(7);
		unsigned s = (unsigned)(ms / 1000), h = s / 3600 % 24,
		    m = s / 60 % 60, sec = s % 60;
		unsigned pi = skew(N(paths));
		snprintf(path, sizeof(path), paths[pi], pick(1000000));
		unsigned st = statuses[skew(N(statuses))];
		char trace[33], span[17];
		for (int i = 0; i < 32; i++)
			trace[i] = hex[pick(16)];
		trace[32] = 0;
		for (int i = 0; i < 16; i++)
			span[i] = hex[pick(16)];
		span[16] = 0;
		int n = snprintf(line, sizeof(line),
		    "{\"ts\":\"2026-11-24T%02u:%02u:%02u.%03uZ\","
		    "\"level\":\"%s\",\"service\":\"%s\",\"host\":\"web-%02u\","
		    "\"method\":\"%s\",\"path\":\"%s\",\"status\":%u,"
		    "\"bytes\":%u,\"duration_ms\":%u.%u,"
		    "\"remote_ip\":\"198.51.100.%u\",\"user_agent\":\"%s\","
		    "\"trace_id\":\"%s\",\"span_id\":\"%s\",\"msg\":\"%s\"}\n",
		    h, m, sec, (unsigned)(ms % 1000),
		    levels[pick(N(levels))], services[skew(N(services))],
		    pick(24) + 1, methods[pick(N(methods))], path, st,
		    st == 204 || st == 304 ? 0 : 200 + pick(250000),
		    pick(900), pick(10), pick(254) + 1,
		    agents[pick(N(agents))], trace, span,
		    messages[skew(N(messages))]);
		if (n <= 0 || (size_t)n >= sizeof(line))
			return 1;
		if (done + (unsigned)n > want)
			n = (int)(want - done);
		if (used + (size_t)n > sizeof(buf)) {
			if (fwrite(buf, 1, used, stdout) != used)
				return 1;
			used = 0;
		}
		memcpy(buf + used, line, (size_t)n);
		used += (size_t)n;
		done += (unsigned)n;
	}
	if (fwrite(buf, 1, used, stdout) != used || fflush(stdout) != 0)
		return 1;
	return 0;
}
