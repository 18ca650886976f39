/*
 * daraja/client_int.h: the client's internals, shared by client.c, oauth.c,
 * requests.c, retry.c, breaker.c and their unit tests. Not for use outside
 * src/daraja/ (the layer check refuses it elsewhere in src/).
 *
 * Each piece here is pure (no network, no globals) so that tests can drive
 * it with a fake clock and a fake random source.
 */
#ifndef POS_DARAJA_CLIENT_INT_H
#define POS_DARAJA_CLIENT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/status.h"
#include "daraja/client.h"

/* ---- configuration with defaults applied (client.c owns the strings) ---- */

struct daraja_conf {
	char *base_url;
	bool production;
	char *consumer_key;
	char *consumer_secret;
	char *business_shortcode;
	char *passkey;
	char *transaction_type;
	char *till_number;
	char *b2c_shortcode;
	char *initiator_name;
	char *initiator_password;
	char *cert_path;
	char *ca_bundle;
	char *c2b_version;
	char *user_agent;
	unsigned timeout_s;
	unsigned connect_timeout_s;
	unsigned max_retries;
	unsigned backoff_base_ms;
	unsigned backoff_cap_ms;
	unsigned breaker_failures;
	unsigned breaker_open_s;
	size_t max_response_bytes;
	unsigned pull_max_pages;
};

enum {
	DARAJA_DEFAULT_TIMEOUT_S = 30,
	DARAJA_DEFAULT_CONNECT_TIMEOUT_S = 10,
	DARAJA_DEFAULT_MAX_RETRIES = 3,
	DARAJA_DEFAULT_BACKOFF_BASE_MS = 500,
	DARAJA_DEFAULT_BACKOFF_CAP_MS = 8000,
	DARAJA_DEFAULT_BREAKER_FAILURES = 5,
	DARAJA_DEFAULT_BREAKER_OPEN_S = 60,
	DARAJA_DEFAULT_PULL_MAX_PAGES = 100,
	DARAJA_URL_MAX = 512,        /* base_url and every callback URL */
	DARAJA_PATH_MAX = 96,
};

/* "/mpesa/c2b/v2/registerurl" for api under conf into out. */
void daraja_api_path(const struct daraja_conf *c, enum daraja_api api,
                     char *out, size_t outsz);

/* ---- requests.c: validate and build each request body ---------------------- */
/*
 * Each builder validates the typed request (core/'s rules; configuration
 * fields the API needs) and returns POS_OK with *json a heap string (free()),
 * or an error naming the field. `now` is the wall clock used for the STK
 * Timestamp; `credential` is the SecurityCredential for initiator APIs.
 * Field types follow Safaricom's own samples and the SDKs: identifiers that
 * are numbers there (BusinessShortCode, PartyA, PartyB, PhoneNumber, Amount,
 * ShortCode, Msisdn, ReceiverParty) are JSON numbers; codes and types that
 * are strings there (IdentifierType "4", RecieverIdentifierType "11",
 * OffSetValue, Size, CPI) are strings. See docs/daraja-client.md.
 */
enum pos_status daraja_build_stk_push(const struct daraja_conf *c,
                                      const struct daraja_stk_push_req *r,
                                      time_t now, char **json,
                                      struct pos_err *err);
enum pos_status daraja_build_stk_query(const struct daraja_conf *c,
                                       const struct daraja_stk_query_req *r,
                                       time_t now, char **json,
                                       struct pos_err *err);
/* Validation only (no credential yet). */
enum pos_status daraja_check_b2c(const struct daraja_conf *c,
                                 const struct daraja_b2c_req *r,
                                 struct pos_err *err);
enum pos_status daraja_build_b2c(const struct daraja_conf *c,
                                 const struct daraja_b2c_req *r,
                                 const char *credential, char **json,
                                 struct pos_err *err);
enum pos_status daraja_check_txn_status(const struct daraja_conf *c,
                                        const struct daraja_status_req *r,
                                        struct pos_err *err);
enum pos_status daraja_build_txn_status(const struct daraja_conf *c,
                                        const struct daraja_status_req *r,
                                        const char *credential, char **json,
                                        struct pos_err *err);
enum pos_status daraja_check_balance(const struct daraja_conf *c,
                                     const struct daraja_balance_req *r,
                                     struct pos_err *err);
enum pos_status daraja_build_balance(const struct daraja_conf *c,
                                     const struct daraja_balance_req *r,
                                     const char *credential, char **json,
                                     struct pos_err *err);
enum pos_status daraja_check_reversal(const struct daraja_conf *c,
                                      const struct daraja_reversal_req *r,
                                      struct pos_err *err);
enum pos_status daraja_build_reversal(const struct daraja_conf *c,
                                      const struct daraja_reversal_req *r,
                                      const char *credential, char **json,
                                      struct pos_err *err);
enum pos_status daraja_build_c2b_register(const struct daraja_conf *c,
                                          const struct daraja_c2b_register_req *r,
                                          char **json, struct pos_err *err);
enum pos_status daraja_build_c2b_simulate(const struct daraja_conf *c,
                                          const struct daraja_c2b_simulate_req *r,
                                          char **json, struct pos_err *err);
enum pos_status daraja_build_pull_register(const struct daraja_conf *c,
                                           const struct daraja_pull_register_req *r,
                                           char **json, struct pos_err *err);
/* One page of the walk: OffSetValue = offset. */
enum pos_status daraja_build_pull_query(const struct daraja_conf *c,
                                        const struct daraja_pull_query_req *r,
                                        unsigned offset, char **json,
                                        struct pos_err *err);
enum pos_status daraja_build_qr(const struct daraja_conf *c,
                                const struct daraja_qr_req *r, char **json,
                                struct pos_err *err);

/* ---- retry.c: what a failed attempt means, and how long to wait ---------- */

/* What is known of one attempt. */
struct daraja_attempt {
	enum daraja_api api;
	int curl_code;            /* CURLcode; 0 when an HTTP answer came */
	bool nothing_sent;        /* not one byte of the request went out */
	long http_status;         /* 0 when none */
	const char *error_code;   /* errorCode of the envelope, or NULL */
	const char *error_message;/* errorMessage, or NULL */
	bool answer_parsed;       /* a 2xx whose body is the expected answer */
	const char *response_code;/* that answer's ResponseCode, or NULL */
	bool too_large;           /* the answer passed max_response_bytes */
};

struct daraja_verdict {
	/* DARAJA_RETRYABLE when it may be resent; otherwise the final outcome. */
	enum daraja_class outcome;
	/* What to report if it is not (or no longer) resent. */
	enum daraja_class final;
	bool refresh_token;       /* invalid token: refresh, then resend once */
	bool breaker_failure;     /* counts towards opening the breaker */
	enum pos_status status;   /* for err.code when not OK */
};

void daraja_classify(const struct daraja_attempt *a, struct daraja_verdict *v);

/* Fill err with the cashier's sentence for a finished attempt: what
 * happened (Daraja's code and words, quoted) and what to do next. */
void daraja_explain(const struct daraja_attempt *a, enum daraja_class outcome,
                    enum pos_status status, struct pos_err *err);

/* Full jitter: a uniform draw from [0, min(cap, base * 2^retry)] using the
 * 64 random bits r. retry counts from 0. */
int64_t daraja_backoff_ms(unsigned retry, unsigned base_ms, unsigned cap_ms,
                          uint64_t r);

/* ---- breaker.c --------------------------------------------------------------- */

struct daraja_breaker {
	enum daraja_breaker_state state;
	unsigned failures;        /* consecutive */
	unsigned threshold;
	int64_t open_ms;
	int64_t opened_at;
	bool probe_out;           /* half-open: the one probe is in flight */
	void (*hook)(void *user, enum daraja_breaker_state from,
	             enum daraja_breaker_state to);
	void *hook_user;
};

void daraja_breaker_init(struct daraja_breaker *b, unsigned threshold,
                         int64_t open_ms,
                         void (*hook)(void *, enum daraja_breaker_state,
                                      enum daraja_breaker_state),
                         void *hook_user);
/* May a request be sent now? Moves OPEN to HALF_OPEN when the pause is
 * over; in HALF_OPEN grants one probe (*probe = true) and refuses the rest
 * until it reports. */
bool daraja_breaker_allow(struct daraja_breaker *b, int64_t now, bool *probe);
/* Report an attempt that was allowed. failure: unreachable, timeout, 5xx. */
void daraja_breaker_record(struct daraja_breaker *b, int64_t now, bool failure,
                           bool probe);
/* A granted probe that was not sent after all (local throttle). */
void daraja_breaker_cancel_probe(struct daraja_breaker *b);
/* The state as it stands at now (an expired OPEN reads as HALF_OPEN). */
enum daraja_breaker_state daraja_breaker_peek(struct daraja_breaker *b,
                                              int64_t now);
/* Milliseconds until an OPEN breaker lets a probe through; 0 otherwise. */
int64_t daraja_breaker_wait_ms(const struct daraja_breaker *b, int64_t now);

/* ---- oauth.c: the token cache -------------------------------------------------- */

enum { DARAJA_TOKEN_MAX = 512 };

struct daraja_token_cache {
	char token[DARAJA_TOKEN_MAX];
	bool have;
	int64_t refresh_at;       /* monotonic ms: after this, fetch a new one */
};

/* When a token that lives expires_in_s seconds, fetched at now, should be
 * replaced: the later of 60 s before expiry and 90% of its life. */
int64_t daraja_token_refresh_at(int64_t now, int64_t expires_in_s);
/* Store a token (registered with log_secret_add). POS_E_TOO_LONG when it
 * does not fit, POS_E_INVALID when empty or not printable. */
enum pos_status daraja_token_store(struct daraja_token_cache *c,
                                   const char *token, int64_t expires_in_s,
                                   int64_t now, struct pos_err *err);
bool daraja_token_fresh(const struct daraja_token_cache *c, int64_t now);
/* Forget the token if it is still `used` (a request was refused with it);
 * a newer token is kept. NULL forgets whatever is cached. */
void daraja_token_invalidate(struct daraja_token_cache *c, const char *used);
/* "Basic base64(key:secret)" into out. */
enum pos_status daraja_basic_auth(const char *key, const char *secret,
                                  char *out, size_t outsz, struct pos_err *err);

#endif
