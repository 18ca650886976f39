/*
 * sim/rng.h: the simulator's one source of random choices.
 *
 * xoshiro256** seeded through splitmix64. With --seed N every id, receipt and
 * fault decision comes out the same for the same sequence of requests; without
 * it the seed comes from the operating system. Not for secrets: the access
 * tokens it makes guard a test double, nothing more.
 *
 * Ownership: struct sim_rng is caller-owned (sim_rng_init / sim_rng_release).
 * Thread-safety: every function takes the generator's own mutex.
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_rng {
	pthread_mutex_t mu;
	uint64_t s[4];
};

void sim_rng_init(struct sim_rng *r, uint64_t seed);
void sim_rng_release(struct sim_rng *r);

uint64_t sim_rng_next(struct sim_rng *r);
/* Uniform in [0, n); 0 when n == 0. */
uint64_t sim_rng_below(struct sim_rng *r, uint64_t n);
/* True with probability p (p <= 0: never, p >= 1: always). */
bool sim_rng_chance(struct sim_rng *r, double p);
/* n characters drawn from alphabet (non-empty), then a NUL: out holds n+1. */
void sim_rng_fill(struct sim_rng *r, char *out, size_t n, const char *alphabet);

#endif
