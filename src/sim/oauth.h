/*
 * sim/oauth.h: access tokens and GET /oauth/v1/generate.
 *
 * Basic auth with the configured consumer key and secret buys a 28-character
 * token that lives --token-ttl seconds ("expires_in" is a string, as on
 * Daraja). Each call issues a new token; earlier ones stay valid until they
 * expire. Errors: 400.008.01 (no Basic credentials), 400.008.02 (grant_type
 * missing or not client_credentials), HTTP 400 with an empty body (wrong key
 * or secret).
 *
 * The newest `cap` tokens are remembered; older ones count as unknown.
 * Tokens are never written to the log.
 *
 * Ownership: opaque (sim_tokens_new / sim_tokens_free).
 * Thread-safety: every function may be called from any thread.
 */
#ifndef SIM_OAUTH_H
#define SIM_OAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/ids.h"

struct sim_req;
struct sim_tokens;

struct sim_tokens *sim_tokens_new(size_t cap);
void sim_tokens_free(struct sim_tokens *t);
/* Issue a token valid for ttl_ms into out. */
void sim_tokens_issue(struct sim_tokens *t, struct sim_ids *ids, int64_t ttl_ms,
                      char out[SIM_ID_MAX]);
/* True when token was issued and has not expired. */
bool sim_tokens_valid(struct sim_tokens *t, const char *token);
/* Expire every token at once (admin). */
void sim_tokens_expire_all(struct sim_tokens *t);

/* The token of an "Authorization: Bearer X" header into out ("" when the
 * header is missing or another scheme's). */
void sim_bearer_token(const char *authorization, char *out, size_t outsz);

void sim_oauth_generate(struct sim_req *r);

#endif
