/*
 * listener/ratelimit.h: the per-source request rate limit of the callback
 * listener. (Address allow-lists are config's CIDR sets: config_cidr_*.)
 *
 * Shared by the listener's worker threads; it locks internally.
 */
#ifndef POS_LISTENER_RATELIMIT_H
#define POS_LISTENER_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A per-source sliding limit: at most `per_minute` requests from one source
 * address in any 60 s window (approximated by a token bucket refilled at
 * per_minute/60 a second). per_minute 0 disables it. Tracks at most
 * `max_sources` addresses; the least recently seen is forgotten first. */
struct ratelimit;
struct ratelimit *ratelimit_new(unsigned per_minute, size_t max_sources);
void ratelimit_free(struct ratelimit *rl);
/* True when the request from addr at now_ms may proceed. */
bool ratelimit_allow(struct ratelimit *rl, const char *addr, int64_t now_ms);

#endif
