/* sim/rng.c: xoshiro256** behind a mutex. */
#include "sim/rng.h"

#include <string.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t next_locked(struct sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

void sim_rng_init(struct sim_rng *r, uint64_t seed)
{
	pthread_mutex_init(&r->mu, NULL);
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

void sim_rng_release(struct sim_rng *r)
{
	pthread_mutex_destroy(&r->mu);
	memset(r->s, 0, sizeof r->s);
}

uint64_t sim_rng_next(struct sim_rng *r)
{
	pthread_mutex_lock(&r->mu);
	uint64_t v = next_locked(r);
	pthread_mutex_unlock(&r->mu);
	return v;
}

uint64_t sim_rng_below(struct sim_rng *r, uint64_t n)
{
	if (n == 0)
		return 0;
	/* Rejection sampling: no modulo bias. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t v;
	pthread_mutex_lock(&r->mu);
	do
		v = next_locked(r);
	while (v >= limit);
	pthread_mutex_unlock(&r->mu);
	return v % n;
}

bool sim_rng_chance(struct sim_rng *r, double p)
{
	if (!(p > 0.0))
		return false;
	if (p >= 1.0)
		return true;
	/* 53 random bits -> [0, 1). */
	double u = (double)(sim_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
	return u < p;
}

void sim_rng_fill(struct sim_rng *r, char *out, size_t n, const char *alphabet)
{
	size_t k = strlen(alphabet);
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[next_locked(r) % k];
	pthread_mutex_unlock(&r->mu);
	out[n] = '\0';
}
