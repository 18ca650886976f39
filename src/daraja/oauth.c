/*
 * daraja/oauth.c: the OAuth token cache and the Basic header.
 *
 * A token is kept in memory only (never on disk, never in a log: it is
 * registered with log_secret_add() the moment it is stored) until the later
 * of 60 s before it expires and 90% of its life, so a normal 3599 s token is
 * replaced at 3539 s and a short one (the simulator's --token-ttl 1) is still
 * used for most of its second. client.c serialises refreshes: one OAuth
 * request at a time, however many requests wait for it.
 */
#include "daraja/client_int.h"

#include <string.h>

#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"

int64_t daraja_token_refresh_at(int64_t now, int64_t expires_in_s)
{
	if (expires_in_s <= 0)
		return now; /* already stale: use once, then refetch */
	if (expires_in_s > INT32_MAX)
		expires_in_s = INT32_MAX;
	int64_t life_ms = expires_in_s * 1000;
	int64_t early = life_ms - 60 * 1000;   /* 60 s before expiry */
	int64_t ninety = life_ms / 10 * 9;     /* 90% of its life */
	return now + (early > ninety ? early : ninety);
}

enum pos_status daraja_token_store(struct daraja_token_cache *c,
                                   const char *token, int64_t expires_in_s,
                                   int64_t now, struct pos_err *err)
{
	if (!token || !*token || !str_is_printable_ascii(token) ||
	    strchr(token, ' ')) {
		return pos_err_set(err, POS_E_INVALID, "Daraja sign-in",
		                   "Daraja sent an access token that is empty or "
		                   "holds spaces or control characters");
	}
	if (!str_copy(c->token, sizeof c->token, token)) {
		crypto_wipe(c->token, sizeof c->token);
		c->have = false;
		return pos_err_set(err, POS_E_TOO_LONG, "Daraja sign-in",
		                   "Daraja sent an access token longer than %d bytes",
		                   DARAJA_TOKEN_MAX - 1);
	}
	log_secret_add_temporary(c->token);
	c->have = true;
	c->refresh_at = daraja_token_refresh_at(now, expires_in_s);
	return POS_OK;
}

bool daraja_token_fresh(const struct daraja_token_cache *c, int64_t now)
{
	return c->have && now < c->refresh_at;
}

void daraja_token_invalidate(struct daraja_token_cache *c, const char *used)
{
	if (!c->have)
		return;
	if (used && strcmp(used, c->token) != 0)
		return; /* a newer token already replaced the refused one */
	crypto_wipe(c->token, sizeof c->token);
	c->have = false;
	c->refresh_at = 0;
}

enum pos_status daraja_basic_auth(const char *key, const char *secret,
                                  char *out, size_t outsz, struct pos_err *err)
{
	char pair[600];
	if (!key || !*key)
		return pos_err_set(err, POS_E_CONFIG, "[daraja] consumer_key",
		                   "the consumer key is empty");
	if (!secret || !*secret)
		return pos_err_set(err, POS_E_CONFIG, "[daraja] consumer_secret",
		                   "the consumer secret is empty");
	if (strchr(key, ':'))
		return pos_err_set(err, POS_E_CONFIG, "[daraja] consumer_key",
		                   "the consumer key holds a ':' and cannot be sent "
		                   "in a Basic header");
	if (!str_fmt(pair, sizeof pair, "%s:%s", key, secret))
		return pos_err_set(err, POS_E_TOO_LONG, "[daraja] consumer_secret",
		                   "the consumer key and secret are too long");
	static const char prefix[] = "Basic ";
	size_t pl = sizeof prefix - 1;
	enum pos_status st = POS_OK;
	if (outsz <= pl || crypto_base64_encode(pair, strlen(pair), out + pl,
	                                        outsz - pl) == 0) {
		st = pos_err_set(err, POS_E_TOO_LONG, "[daraja] consumer_secret",
		                 "the consumer key and secret are too long");
	} else {
		memcpy(out, prefix, pl);
		log_secret_add(out + pl);
	}
	crypto_wipe(pair, sizeof pair);
	return st;
}
