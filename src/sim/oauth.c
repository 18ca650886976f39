/* sim/oauth.c: token store and the OAuth endpoint. */
#include "sim/oauth.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/str.h"
#include "sim/http.h"
#include "sim/map.h"

struct token_slot {
	char token[SIM_ID_MAX];
	int64_t expires; /* monotonic ms */
};

struct sim_tokens {
	pthread_mutex_t mu;
	struct token_slot *ring; /* issue order = expiry order */
	size_t cap, head, count;
	struct sim_map index;    /* token -> slot + 1 */
};

struct sim_tokens *sim_tokens_new(size_t cap)
{
	struct sim_tokens *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->cap = cap ? cap : 1;
	t->ring = calloc(t->cap, sizeof *t->ring);
	if (!t->ring) {
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->mu, NULL);
	sim_map_init(&t->index);
	return t;
}

void sim_tokens_free(struct sim_tokens *t)
{
	if (!t)
		return;
	sim_map_release(&t->index, NULL);
	crypto_wipe(t->ring, t->cap * sizeof *t->ring);
	free(t->ring);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

static void drop_oldest_locked(struct sim_tokens *t)
{
	struct token_slot *old = &t->ring[t->head];
	sim_map_remove(&t->index, old->token);
	crypto_wipe(old, sizeof *old);
	t->head = (t->head + 1) % t->cap;
	t->count--;
}

void sim_tokens_issue(struct sim_tokens *t, struct sim_ids *ids, int64_t ttl_ms,
                      char out[SIM_ID_MAX])
{
	int64_t now = clock_mono_ms();
	pthread_mutex_lock(&t->mu);
	while (t->count > 0 && t->ring[t->head].expires <= now)
		drop_oldest_locked(t);
	if (t->count == t->cap)
		drop_oldest_locked(t);
	size_t i = (t->head + t->count) % t->cap;
	struct token_slot *slot = &t->ring[i];
	do
		sim_ids_token(ids, slot->token);
	while (sim_map_get(&t->index, slot->token));
	slot->expires = now + ttl_ms;
	if (sim_map_put(&t->index, slot->token, (void *)(uintptr_t)(i + 1)))
		t->count++;
	str_copy(out, SIM_ID_MAX, slot->token);
	pthread_mutex_unlock(&t->mu);
}

bool sim_tokens_valid(struct sim_tokens *t, const char *token)
{
	bool ok = false;
	int64_t now = clock_mono_ms();
	pthread_mutex_lock(&t->mu);
	uintptr_t i = (uintptr_t)sim_map_get(&t->index, token);
	if (i)
		ok = t->ring[i - 1].expires > now;
	pthread_mutex_unlock(&t->mu);
	return ok;
}

void sim_tokens_expire_all(struct sim_tokens *t)
{
	pthread_mutex_lock(&t->mu);
	while (t->count > 0)
		drop_oldest_locked(t);
	t->head = 0;
	pthread_mutex_unlock(&t->mu);
}

void sim_bearer_token(const char *authorization, char *out, size_t outsz)
{
	out[0] = '\0';
	if (!authorization)
		return;
	while (*authorization == ' ')
		authorization++;
	if (strncasecmp(authorization, "Bearer", 6) != 0)
		return;
	const char *p = authorization + 6;
	if (*p != ' ' && *p != '\0')
		return;
	while (*p == ' ')
		p++;
	str_copy(out, outsz, p);
	str_trim(out);
}

/* Decode "Basic base64(key:secret)"; false when the header is not that. */
static bool basic_credentials(const char *authorization, char *key, size_t keysz,
                              char *secret, size_t secretsz)
{
	uint8_t raw[512];
	size_t rawlen = 0;
	if (!authorization)
		return false;
	while (*authorization == ' ')
		authorization++;
	if (strncasecmp(authorization, "Basic ", 6) != 0)
		return false;
	const char *b64 = authorization + 6;
	while (*b64 == ' ')
		b64++;
	size_t n = strcspn(b64, " \r\n");
	if (n == 0 || crypto_base64_decode(b64, n, raw, sizeof raw - 1, &rawlen) != POS_OK)
		return false;
	raw[rawlen] = '\0';
	char *colon = memchr(raw, ':', rawlen);
	bool ok = colon && !memchr(raw, '\0', rawlen) &&
	          str_copyn(key, keysz, (const char *)raw, (size_t)(colon - (char *)raw)) &&
	          str_copy(secret, secretsz, colon + 1);
	crypto_wipe(raw, sizeof raw);
	return ok;
}

void sim_oauth_generate(struct sim_req *r)
{
	struct sim *s = r->sim;
	char key[256], secret[256], grant[64];

	if (!basic_credentials(sim_req_header(r, "Authorization"), key, sizeof key,
	                       secret, sizeof secret)) {
		sim_reply_error(r, 400, "400.008.01", "Invalid Authentication passed");
		sim_req_outcome(r, "rejected: no Basic credentials");
		return;
	}
	if (!sim_req_query(r, "grant_type", grant, sizeof grant) ||
	    strcmp(grant, "client_credentials") != 0) {
		crypto_wipe(secret, sizeof secret);
		sim_reply_error(r, 400, "400.008.02", "Invalid grant type passed");
		sim_req_outcome(r, "rejected: grant_type");
		return;
	}
	bool ok = str_eq_ct(key, strlen(key), s->cfg.consumer_key,
	                    strlen(s->cfg.consumer_key)) &&
	          str_eq_ct(secret, strlen(secret), s->cfg.consumer_secret,
	                    strlen(s->cfg.consumer_secret));
	crypto_wipe(secret, sizeof secret);
	if (!ok) {
		/* Daraja answers a wrong key or secret with an empty 400. */
		char *empty = strdup("");
		sim_reply_text(r, 400, "application/json", empty);
		str_copy(r->error_code, sizeof r->error_code, "");
		sim_req_outcome(r, "rejected: wrong consumer key or secret");
		return;
	}

	char token[SIM_ID_MAX], ttl[24];
	sim_tokens_issue(s->tokens, &s->ids, (int64_t)s->cfg.token_ttl_s * 1000, token);
	str_fmt(ttl, sizeof ttl, "%llu", (unsigned long long)s->cfg.token_ttl_s);
	cJSON *o = cJSON_CreateObject();
	if (o) {
		cJSON_AddStringToObject(o, "access_token", token);
		cJSON_AddStringToObject(o, "expires_in", ttl);
	}
	crypto_wipe(token, sizeof token);
	r->accepted = true;
	sim_req_outcome(r, "token issued");
	sim_reply_json(r, 200, o);
}
