/*
 * app/api.h: `serve`'s local API for the shop's other software, /metrics,
 * the failed-transaction alert, and the API tokens (docs/api.md).
 *
 *   POST /api/v1/charges          an STK push, as the token's operator
 *   GET  /api/v1/charges/{id}     a charge from the ledger
 *   POST /api/v1/payouts          a B2C payout (never above [limits]
 *                                 approval_above: no second person can sign)
 *   GET  /api/v1/transactions     newest first, ?since=&until=&limit=&cursor=
 *   GET  /metrics                 Prometheus text (a token; none from loopback
 *                                 with [api] metrics_open = true)
 *
 * A POST may carry "Idempotency-Key: KEY" (kept per operator with the
 * transaction it made, store/store.h): the same request again answers its
 * first transaction (200), the key with another request is refused (409).
 *
 * Every request is authenticated with "Authorization: Bearer TOKEN"; the
 * token is bound to an operator, whose current role the flows check
 * (app/flow.h): the same validation, roles, limits and audit as the console.
 *
 * Threads: the HTTP server (listener/routes.h) runs handlers on CivetWeb
 * workers. They never touch the app: each request is queued and the loop
 * thread is woken (a struct wake registered as the loop's fd); the loop
 * thread authenticates, runs the flow and fills the answer; the worker,
 * which waited on a condition variable, writes it. A POST waits for
 * Daraja's answer to the push (accepted: 202 with state `awaiting`), at most
 * wait_ms, then answers with what the ledger says.
 *
 * Ownership: app_api_start() borrows the loop (free the API before the
 * loop). Tokens are shown once (token out-parameter) and only their SHA-256
 * is kept (store/store.h).
 * Thread-safety: everything here on the thread that owns the app and loop.
 */
#ifndef POS_APP_API_H
#define POS_APP_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/loop.h"
#include "app/signin.h"
#include "store/store.h"

/* "mpos_" and 43 base64url characters (256 random bits), and the NUL. */
enum { APP_API_TOKEN_MAX = 49, APP_API_TOKEN_PREFIX_LEN = 5 };
/* A JSON number given as an amount beyond this is refused before any
 * conversion ("amount: too large"); the flows' own limit is lower. */
#define APP_API_AMOUNT_NUM_MAX 1e15
/* An Idempotency-Key header: 1 to 64 printable ASCII characters. */
enum { APP_API_IDEM_KEY_MAX = 64 };

struct app_api_opts {
	const char *bind;          /* "127.0.0.1:8091"; port 0 picks one */
	size_t max_body;           /* request body cap; 0 = 16384 */
	unsigned threads;          /* CivetWeb workers; 0 = 16 */
	int64_t wait_ms;           /* a POST waits this long for Daraja's answer;
	                              0 = ([daraja] timeout + 15) s */
};

struct app_api;

/* Start serving on opts->bind, on loop l. POS_E_IO naming "[api] port" when
 * the address is taken. */
enum pos_status app_api_start(struct app_loop *l, const struct app_api_opts *opts,
                              struct app_api **out, struct pos_err *err);
/* Answer every waiting request and stop the server. NULL ok. A request not
 * yet taken is answered 503 (nothing was done); one whose flow has started
 * is answered with its transaction as it stands (202 and exit 20 while its
 * end is unknown, with a hint not to send it again): never a status that
 * says nothing moved when money may have. */
void app_api_stop(struct app_api *api);
/* "http://127.0.0.1:PORT". */
const char *app_api_url(const struct app_api *api);

/* ---- monitoring ---------------------------------------------------------------- */

/* Count a configuration reload (shown on /metrics). Works without an API. */
void app_metrics_reload(bool ok);
/* Daraja client hook (daraja_opts.on_result): latency and outcome by API. */
struct daraja_result;
void app_metrics_daraja_result(void *user, const struct daraja_result *res);
enum { APP_METRICS_CACHE_MS = 5000 };
/* The Prometheus text of everything measured, for app a (malloc'd; caller
 * frees). NULL when out of memory or the ledger cannot be read. The
 * ledger's counts (transactions, callbacks: whole-table scans) are read at
 * most once every APP_METRICS_CACHE_MS and reused in between. */
char *app_metrics_text(struct app *a, struct pos_err *err);

/*
 * The failed-transaction alert: when at least `threshold` money-moving
 * transactions (charges, payouts, reversals) created in the last window_ms
 * are `failed`, publish mpesa.alert.failures on the event bus, then stay
 * quiet for one window. Call it periodically on the app's thread (serve
 * does, every 10 s). threshold 0: off. *fired (may be NULL) says whether it
 * published now.
 */
struct app_alert {
	int64_t quiet_until_ms;    /* wall clock; 0 = armed */
};
enum pos_status app_alert_check(struct app *a, struct app_alert *st, int threshold,
                                int64_t window_ms, bool *fired, struct pos_err *err);

/* ---- tokens ---------------------------------------------------------------------- */

/* Make a token for operator_id (who must exist and not be disabled), as
 * admin `by` (NULL only until the database has an admin, as for operators).
 * token gets the token, to show once; *id its number. Audited. */
enum pos_status app_api_token_add(struct app *a, const struct app_operator *by,
                                  int64_t operator_id, const char *name,
                                  char token[APP_API_TOKEN_MAX], int64_t *id,
                                  struct pos_err *err);
/* Revoke token id, as admin `by` (same rule). Audited. */
enum pos_status app_api_token_revoke(struct app *a, const struct app_operator *by,
                                     int64_t id, struct pos_err *err);
/* The operator a token acts as, with their role as it is now. POS_E_AUTH
 * (field "token") for a missing, malformed, unknown or revoked token;
 * POS_E_DENIED when the operator is disabled. */
enum pos_status app_api_token_check(struct app *a, const char *token,
                                    struct app_operator *out, struct pos_err *err);

/* ---- pure parts (unit-tested) ------------------------------------------------ */

/* SHA-256 of the token (or of n bytes) as 64 lower-case hex digits. */
void app_api_token_hash(const char *token, char out[STORE_SHA256_HEX_MAX]);
void app_api_token_hash_n(const void *data, size_t n, char out[STORE_SHA256_HEX_MAX]);
/* True for an Idempotency-Key: 1 to APP_API_IDEM_KEY_MAX characters from
 * space to '~'. */
bool app_api_idem_key_valid(const char *key);
/* True for "mpos_" + 43 base64url characters. */
bool app_api_token_well_formed(const char *token);
/* The HTTP status for a CLI exit code (docs/cli.md) and the error that
 * caused it (POS_OK for a transaction's outcome): 0 -> 200 (201 created),
 * 10-14 -> 200, 20/21 -> 202, 30 -> 409 (429 when throttled), 31 -> 503,
 * 64 -> 400, 70 -> 500, 77 -> 403 (401 for POS_E_AUTH), 78 -> 500. */
int app_api_http_status(int exit_code, enum pos_status cause, bool created);
/* The hint for a POST whose end is not known yet: "do not send it again;
 * GET /api/v1/charges/ID tells how it ended" (charge), the transactions list
 * for a payout, or, with no txn (NULL or ""), to look before sending again. */
void app_api_pending_hint(const char *txn, bool charge, char *out, size_t outsz);
/* The error answer (malloc'd JSON text; NULL out of memory) of a POST whose
 * end is not known: {"ok":false,"exit":20,"txn":txn or null,"error":{"code":
 * POS_E_BUSY (stopping) or POS_E_TIMEOUT (no answer in time),"field":"",
 * "message" naming txn,"hint": app_api_pending_hint}}. */
char *app_api_pending_body(const char *txn, bool charge, bool stopping);
/* A page cursor as text ("<created_at>.<id>") and back. */
void app_api_cursor_format(const struct store_cursor *c, char *out, size_t outsz);
bool app_api_cursor_parse(const char *s, struct store_cursor *out);
/* The deepest nesting of [ and { in a JSON text (strings skipped). */
size_t app_api_json_depth(const char *s, size_t n);
/* The value of key in a query string ("a=1&b=2"), percent-decoded, into out.
 * False when absent or too long. */
bool app_api_query_get(const char *query, const char *key, char *out, size_t outsz);

#endif
