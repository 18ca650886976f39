/*
 * listener/acl.h: source-address allow-lists (IPv4/IPv6 CIDRs) and the
 * per-source request rate limit of the callback listener.
 *
 * An acl is parsed once from a comma- or space-separated list such as
 * "196.201.214.200/32, 196.201.213.0/24, ::1" and is read-only afterwards
 * (any thread). A rate limiter is shared by the listener's worker threads and
 * locks internally.
 */
#ifndef POS_LISTENER_ACL_H
#define POS_LISTENER_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

enum { ACL_MAX_RULES = 128 };

struct acl_rule {
	uint8_t addr[16]; /* IPv4 stored as ::ffff:a.b.c.d */
	unsigned prefix;  /* 0..128, in the IPv6 space */
};

struct acl {
	struct acl_rule rules[ACL_MAX_RULES];
	size_t n;
};

/* Parse a list; empty text gives an empty acl. The word "safaricom" stands
 * for ACL_SAFARICOM_SOURCES. field names the config key for the error
 * ("[listener] allow"). */
enum pos_status acl_parse(struct acl *acl, const char *text, const char *field,
                          struct pos_err *err);
/* Parse one textual address (IPv4 or IPv6) into 16 bytes. */
bool acl_addr_parse(const char *text, uint8_t out[16]);
/* True when addr (text) is inside any rule. False for unparseable text. */
bool acl_contains(const struct acl *acl, const char *addr);

/* The Safaricom callback source addresses published by integrators (see
 * daraja-api.md section 16), as an allow-list text for the docs and for
 * `[listener] allow = safaricom`. */
extern const char ACL_SAFARICOM_SOURCES[];

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
