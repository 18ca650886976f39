/* listener/ratelimit.c: the per-source rate limit. */
#include "listener/ratelimit.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Sources are keyed by their 16-byte address (IPv4 mapped into IPv6). */
static bool addr_key(const char *text, uint8_t out[16])
{
	struct in_addr v4;
	if (text && inet_pton(AF_INET, text, &v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &v4, 4);
		return true;
	}
	return text && inet_pton(AF_INET6, text, out) == 1;
}

struct rl_entry {
	uint8_t addr[16];
	double tokens;
	int64_t last_ms;
	bool used;
};

struct ratelimit {
	pthread_mutex_t mu;
	unsigned per_minute;
	size_t n;
	struct rl_entry *e;
};

struct ratelimit *ratelimit_new(unsigned per_minute, size_t max_sources)
{
	struct ratelimit *rl = calloc(1, sizeof *rl);
	if (!rl)
		return NULL;
	if (max_sources == 0)
		max_sources = 1;
	rl->e = calloc(max_sources, sizeof *rl->e);
	if (!rl->e) {
		free(rl);
		return NULL;
	}
	rl->n = max_sources;
	rl->per_minute = per_minute;
	pthread_mutex_init(&rl->mu, NULL);
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	pthread_mutex_destroy(&rl->mu);
	free(rl->e);
	free(rl);
}

bool ratelimit_allow(struct ratelimit *rl, const char *addr, int64_t now_ms)
{
	uint8_t a[16];
	if (!rl || rl->per_minute == 0)
		return true;
	if (!addr_key(addr, a))
		memset(a, 0, sizeof a); /* unparseable sources share one bucket */
	pthread_mutex_lock(&rl->mu);
	struct rl_entry *hit = NULL, *oldest = &rl->e[0];
	for (size_t i = 0; i < rl->n; i++) {
		struct rl_entry *x = &rl->e[i];
		if (x->used && memcmp(x->addr, a, 16) == 0) {
			hit = x;
			break;
		}
		if (!x->used || (oldest->used && x->last_ms < oldest->last_ms))
			oldest = x;
	}
	if (!hit) {
		hit = oldest;
		memcpy(hit->addr, a, 16);
		hit->tokens = rl->per_minute;
		hit->last_ms = now_ms;
		hit->used = true;
	}
	if (now_ms > hit->last_ms) { /* a clock going backwards grants nothing */
		double elapsed = (double)(now_ms - hit->last_ms) / 1000.0;
		hit->tokens += elapsed * rl->per_minute / 60.0;
		if (hit->tokens > rl->per_minute)
			hit->tokens = rl->per_minute;
		hit->last_ms = now_ms;
	}
	bool ok = hit->tokens >= 1.0;
	if (ok)
		hit->tokens -= 1.0;
	pthread_mutex_unlock(&rl->mu);
	return ok;
}
