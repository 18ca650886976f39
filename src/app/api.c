/*
 * app/api.c: serve's local API, /metrics, the failed-transaction alert and
 * API tokens (see app/api.h for the threads: CivetWeb workers only queue
 * and wait; the loop thread does everything else).
 */
#include "app/api.h"

#include <cjson/cJSON.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app_int.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"
#include "bus/bus.h"
#include "core/money.h"
#include "listener/routes.h"

enum { API_JSON_DEPTH_MAX = 16, API_PAGE_DEFAULT = 50, API_PAGE_MAX = 500,
       API_GET_WAIT_MS = 30000, API_ALERT_ROWS = 500 };

enum api_route { R_CHARGE_POST, R_CHARGE_GET, R_PAYOUT_POST, R_TXNS, R_METRICS };

struct job {
	struct job *next;
	struct app_api *api;
	enum api_route route;
	/* the request, copied (the worker may give up waiting) */
	char *body;
	size_t body_len;
	bool too_large, is_json, loopback;
	char tail[64];
	char *query;
	char auth[ROUTES_AUTH_MAX];
	char idem[ROUTES_IDEM_MAX];
	bool has_idem, idem_long, auth_long;
	/* the answer */
	int status;
	char *reply;
	const char *ctype;
	bool done, abandoned;
	pthread_cond_t cond;
	/* loop side */
	struct app_flow *flow;
	uint64_t timer;
	bool finishing;
	struct job *anext;        /* the active list (jobs with a flow) */
	/* the flow's transaction, once it exists (written by the loop thread
	 * under api->mu; the worker names it when it gives up waiting) */
	char txn[STORE_PUBLIC_ID_MAX];
};

struct app_api {
	struct app_loop *loop;
	struct app *app;
	struct routes *http;
	struct wake *wake;
	pthread_mutex_t mu;
	struct job *qhead, *qtail;
	struct job *active;
	bool stopping;
	int64_t wait_ms;
};

/* ---- measurements (the loop thread writes and reads them) ------------------------ */

static const double latency_bounds[] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
#define N_BOUNDS (sizeof latency_bounds / sizeof latency_bounds[0])

static struct {
	uint64_t by_class[DARAJA_API_COUNT][DARAJA_CLASS_COUNT];
	uint64_t bucket[DARAJA_API_COUNT][N_BOUNDS]; /* not cumulative */
	uint64_t count[DARAJA_API_COUNT];
	double sum_s[DARAJA_API_COUNT];
	uint64_t api_status[6];   /* by hundreds: 1xx..5xx, [0] other */
	uint64_t reloads_ok, reloads_refused;
	uint64_t alerts;
} g_metrics;

void app_metrics_reload(bool ok)
{
	if (ok)
		g_metrics.reloads_ok++;
	else
		g_metrics.reloads_refused++;
}

void app_metrics_daraja_result(void *user, const struct daraja_result *res)
{
	(void)user;
	if ((unsigned)res->api >= DARAJA_API_COUNT || (unsigned)res->cls >= DARAJA_CLASS_COUNT)
		return;
	g_metrics.by_class[res->api][res->cls]++;
	if (res->attempts == 0)
		return; /* nothing went on the wire: no latency to speak of */
	double s = (double)res->elapsed_ms / 1000.0;
	g_metrics.count[res->api]++;
	g_metrics.sum_s[res->api] += s;
	for (size_t i = 0; i < N_BOUNDS; i++)
		if (s <= latency_bounds[i]) {
			g_metrics.bucket[res->api][i]++;
			break;
		}
}

/* ---- pure parts ------------------------------------------------------------------ */

void app_api_token_hash(const char *token, char out[STORE_SHA256_HEX_MAX])
{
	app_api_token_hash_n(token, strlen(token), out);
}

void app_api_token_hash_n(const void *data, size_t n, char out[STORE_SHA256_HEX_MAX])
{
	uint8_t h[CRYPTO_SHA256_LEN];
	crypto_sha256(data, n, h);
	crypto_hex(h, sizeof h, out);
}

static bool b64url_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

bool app_api_token_well_formed(const char *token)
{
	if (!token || strlen(token) != APP_API_TOKEN_MAX - 1 || strncmp(token, "mpos_", 5) != 0)
		return false;
	for (size_t i = APP_API_TOKEN_PREFIX_LEN; i < APP_API_TOKEN_MAX - 1; i++)
		if (!b64url_char(token[i]))
			return false;
	return true;
}

int app_api_http_status(int exit_code, enum pos_status cause, bool created)
{
	switch (exit_code) {
	case 0: return created ? 201 : 200;
	case 10: case 11: case 12: case 13: case 14: return 200;
	case 20: case 21: return 202;
	case 30: return cause == POS_E_THROTTLED ? 429 : 409;
	case 31: return 503;
	case 64: return 400;
	case 77: return cause == POS_E_AUTH ? 401 : 403;
	default: return 500;
	}
}

bool app_api_idem_key_valid(const char *key)
{
	size_t n = key ? strlen(key) : 0;
	if (n == 0 || n > APP_API_IDEM_KEY_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)key[i] < 0x20 || (unsigned char)key[i] > 0x7e)
			return false;
	return true;
}

void app_api_cursor_format(const struct store_cursor *c, char *out, size_t outsz)
{
	str_fmt(out, outsz, "%lld.%lld", (long long)c->created_at, (long long)c->id);
}

bool app_api_cursor_parse(const char *s, struct store_cursor *out)
{
	char a[24], b[24];
	const char *dot = s ? strchr(s, '.') : NULL;
	int64_t x, y;
	if (!dot || (size_t)(dot - s) >= sizeof a || !str_copyn(a, sizeof a, s, (size_t)(dot - s)) ||
	    !str_copy(b, sizeof b, dot + 1) || parse_i64_str(a, 0, INT64_MAX, &x) != POS_OK ||
	    parse_i64_str(b, 1, INT64_MAX, &y) != POS_OK)
		return false;
	out->created_at = x;
	out->id = y;
	return true;
}

size_t app_api_json_depth(const char *s, size_t n)
{
	size_t depth = 0, max = 0;
	bool in_str = false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			if (++depth > max)
				max = depth;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return max;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool app_api_query_get(const char *query, const char *key, char *out, size_t outsz)
{
	size_t kn = strlen(key);
	const char *p = query;
	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		if (len > kn && strncmp(p, key, kn) == 0 && p[kn] == '=') {
			size_t o = 0;
			for (size_t i = kn + 1; i < len; i++) {
				char c = p[i];
				if (c == '+')
					c = ' ';
				else if (c == '%' && i + 2 < len + 1 && hexval(p[i + 1]) >= 0 &&
				         hexval(p[i + 2]) >= 0) {
					c = (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
					i += 2;
				}
				if (o + 1 >= outsz || c == '\0')
					return false;
				out[o++] = c;
			}
			out[o] = '\0';
			return true;
		}
		p = amp ? amp + 1 : NULL;
	}
	return false;
}

/* ---- tokens ------------------------------------------------------------------------ */

static enum pos_status check_admin(struct app *a, const struct app_operator *by,
                                   const char *what, struct pos_err *err)
{
	if (by)
		return role_check(by->role, ROLE_ACT_OPERATORS, err);
	bool exists = false;
	enum pos_status st = app_operator_admin_exists(a, &exists, err);
	if (st != POS_OK)
		return st;
	if (exists) {
		pos_err_set(err, POS_E_DENIED, "admin", "%s needs an admin: give --admin ID", what);
		pos_err_hint(err, "the admin's PIN is read from the terminal or --admin-pin-fd N");
		return POS_E_DENIED;
	}
	return POS_OK;
}

enum pos_status app_api_token_add(struct app *a, const struct app_operator *by,
                                  int64_t operator_id, const char *name,
                                  char token[APP_API_TOKEN_MAX], int64_t *id,
                                  struct pos_err *err)
{
	struct store_operator op;
	uint8_t raw[32];
	char b64[64], hash[STORE_SHA256_HEX_MAX];
	enum pos_status st = check_admin(a, by, "making an API token", err);
	if (st != POS_OK)
		return st;
	if ((st = store_operator_get(app_store(a), operator_id, &op, err)) != POS_OK) {
		if (st == POS_E_NOT_FOUND)
			pos_err_set(err, POS_E_NOT_FOUND, "operator", "there is no operator %lld",
			            (long long)operator_id);
		return st;
	}
	if (op.disabled)
		return pos_err_set(err, POS_E_DENIED, "operator",
		                   "operator %lld is disabled: a token for them would be refused",
		                   (long long)operator_id);
	if (crypto_random(raw, sizeof raw) != POS_OK)
		return pos_err_set(err, POS_E_CRYPTO, "token", "no random numbers for the token");
	size_t n = crypto_base64_encode(raw, sizeof raw, b64, sizeof b64);
	crypto_wipe(raw, sizeof raw);
	while (n > 0 && b64[n - 1] == '=')
		b64[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		b64[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
	str_fmt(token, APP_API_TOKEN_MAX, "mpos_%s", b64);
	crypto_wipe(b64, sizeof b64);
	log_secret_add(token);
	app_api_token_hash(token, hash);
	if ((st = store_token_add(app_store(a), operator_id, name, hash, id, err)) != POS_OK) {
		crypto_wipe(token, APP_API_TOKEN_MAX);
		return st;
	}
	flow_audit(a, by ? by->id : 0, "api_token_add", "api token",
	           "token %lld (\"%s\") for operator %lld (%s)", (long long)*id, name ? name : "",
	           (long long)operator_id, op.role);
	return POS_OK;
}

enum pos_status app_api_token_revoke(struct app *a, const struct app_operator *by,
                                     int64_t id, struct pos_err *err)
{
	struct store_api_token t;
	enum pos_status st = check_admin(a, by, "revoking an API token", err);
	if (st == POS_OK)
		st = store_token_revoke(app_store(a), id, &t, err);
	if (st == POS_OK)
		flow_audit(a, by ? by->id : 0, "api_token_revoke", "api token",
		           "token %lld of operator %lld", (long long)id, (long long)t.operator_id);
	return st;
}

enum pos_status app_api_token_check(struct app *a, const char *token,
                                    struct app_operator *out, struct pos_err *err)
{
	char hash[STORE_SHA256_HEX_MAX];
	struct store_api_token t;
	struct store_operator op;
	if (!token || !token[0]) {
		pos_err_set(err, POS_E_AUTH, "token", "no API token was given");
		pos_err_hint(err, "send the header Authorization: Bearer TOKEN "
		                  "(mpesa-pos token add makes one)");
		return POS_E_AUTH;
	}
	if (!app_api_token_well_formed(token))
		return pos_err_set(err, POS_E_AUTH, "token", "that is not an API token");
	app_api_token_hash(token, hash);
	enum pos_status st = store_token_find(app_store(a), hash, &t, err);
	if (st == POS_E_NOT_FOUND)
		return pos_err_set(err, POS_E_AUTH, "token", "the API token is unknown or revoked");
	if (st != POS_OK)
		return st;
	if ((st = store_operator_get(app_store(a), t.operator_id, &op, err)) != POS_OK)
		return st;
	if (op.disabled)
		return pos_err_set(err, POS_E_DENIED, "operator", "operator %lld is disabled",
		                   (long long)op.id);
	memset(out, 0, sizeof *out);
	out->id = op.id;
	str_copy(out->name, sizeof out->name, op.name);
	if (!role_parse(op.role, &out->role))
		return pos_err_set(err, POS_E_DENIED, "operator", "operator %lld has no known role",
		                   (long long)op.id);
	return POS_OK;
}

/* ---- answers ----------------------------------------------------------------------- */

static char *print(cJSON *o)
{
	char *s = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	return s;
}

void app_api_pending_hint(const char *txn, bool charge, char *out, size_t outsz)
{
	if (!txn || !txn[0])
		str_copy(out, outsz, "do not send it again before GET /api/v1/transactions shows "
		                     "whether it was taken");
	else if (charge)
		str_fmt(out, outsz, "do not send it again; GET /api/v1/charges/%s tells how it ended",
		        txn);
	else
		str_fmt(out, outsz, "do not send it again; GET /api/v1/transactions?kind=b2c shows "
		        "%s and how it ended", txn);
}

char *app_api_pending_body(const char *txn, bool charge, bool stopping)
{
	struct pos_err err;
	char hint[POS_ERR_HINT_MAX];
	bool known = txn && txn[0];
	if (stopping)
		pos_err_set(&err, POS_E_BUSY, "", known ? "serve is stopping; transaction %s goes on "
		            "in the ledger and may still complete" : "serve is stopping; the request "
		            "may have been taken", known ? txn : "");
	else
		pos_err_set(&err, POS_E_TIMEOUT, "", known ? "no answer in time; transaction %s may "
		            "still complete" : "no answer in time; the request may have been taken",
		            known ? txn : "");
	app_api_pending_hint(txn, charge, hint, sizeof hint);
	pos_err_hint(&err, "%s", hint);
	cJSON *o = app_err_json(&err, 20);
	if (o && known)
		cJSON_AddStringToObject(o, "txn", txn);
	else if (o)
		cJSON_AddNullToObject(o, "txn");
	return print(o);
}

/* Hand the answer to the waiting worker (or free the job it gave up on). */
static void complete(struct job *j, int status, char *body, const char *ctype)
{
	struct app_api *api = j->api;
	unsigned h = (unsigned)status / 100;
	g_metrics.api_status[h < 6 ? h : 0]++;
	pthread_mutex_lock(&api->mu);
	if (j->abandoned) {
		pthread_mutex_unlock(&api->mu);
		free(body);
		free(j->body);
		free(j->query);
		pthread_cond_destroy(&j->cond);
		free(j);
		return;
	}
	j->status = status;
	j->reply = body;
	j->ctype = ctype;
	j->done = true;
	pthread_cond_signal(&j->cond);
	pthread_mutex_unlock(&api->mu);
}

static void fail(struct job *j, const struct pos_err *err)
{
	int code = app_err_exit(err);
	complete(j, app_api_http_status(code, err->code, false), print(app_err_json(err, code)),
	         NULL);
}

/* The status of a POST answered with its (new) transaction. */
static int created_status(const struct store_txn *t)
{
	enum pos_status cause = str_eq(t->result_code, "local:throttled") ? POS_E_THROTTLED : POS_OK;
	return app_api_http_status(app_txn_exit(t), cause, true);
}

static void answer_txn(struct job *j, const struct store_txn *t, bool created)
{
	complete(j, created ? created_status(t) : 200, print(app_txn_json(t, false)), NULL);
}

/* ---- the flows (loop thread) -------------------------------------------------------- */

static void active_remove(struct app_api *api, struct job *j)
{
	for (struct job **p = &api->active; *p; p = &(*p)->anext)
		if (*p == j) {
			*p = j->anext;
			return;
		}
}

static bool answered(struct app_flow *f)
{
	if (app_flow_done(f))
		return true;
	const struct store_txn *t = app_flow_txn(f);
	return t && t->state != TXN_CREATED && t->state != TXN_SENT;
}

/* Answer with the flow's transaction (or its error) and free it. */
static void finish_flow(void *user)
{
	struct job *j = user;
	struct app_api *api = j->api;
	struct app_flow *f = j->flow;
	app_loop_cancel(api->loop, j->timer);
	active_remove(api, j);
	const struct store_txn *t = app_flow_txn(f);
	/* The answer is the last use of j: the worker frees it once woken. */
	if (t)
		answer_txn(j, t, true);
	else
		fail(j, app_flow_error(f));
	app_flow_free(f);
}

static void on_flow(void *user, struct app_flow *f)
{
	struct job *j = user;
	if (j->finishing || !answered(f))
		return;
	j->finishing = true;
	/* Never free a flow from its own callback: on the next turn. */
	app_loop_cancel(j->api->loop, j->timer);
	j->timer = app_loop_timer(j->api->loop, 0, finish_flow, j);
}

static void flow_timeout(void *user)
{
	struct job *j = user;
	j->timer = 0;
	j->finishing = true;
	finish_flow(j);
}

static void follow(struct job *j, struct app_flow *f)
{
	struct app_api *api = j->api;
	const struct store_txn *t = app_flow_txn(f);
	j->flow = f;
	if (t) {
		pthread_mutex_lock(&api->mu);
		str_copy(j->txn, sizeof j->txn, t->public_id);
		pthread_mutex_unlock(&api->mu);
	}
	if (answered(f)) {
		j->finishing = true;
		finish_flow(j);
		return;
	}
	j->anext = api->active;
	api->active = j;
	j->timer = app_loop_timer(api->loop, api->wait_ms, flow_timeout, j);
}

/* A JSON object body with only the allowed string fields (amount may be a
 * number). Fills vals[i] (borrowed from *doc). */
static bool parse_body(struct job *j, const char *const *keys, size_t nkeys,
                       const char **vals, char *amount_buf, size_t amount_sz, cJSON **doc,
                       struct pos_err *err)
{
	*doc = NULL;
	if (j->too_large) {
		pos_err_set(err, POS_E_TOO_LONG, "body", "the request body is larger than [api] max_body");
		return false;
	}
	if (!j->is_json) {
		pos_err_set(err, POS_E_INVALID, "Content-Type", "send the body as application/json");
		return false;
	}
	if (app_api_json_depth(j->body, j->body_len) > API_JSON_DEPTH_MAX) {
		pos_err_set(err, POS_E_INVALID, "body", "the JSON is nested too deeply");
		return false;
	}
	cJSON *o = cJSON_ParseWithLength(j->body, j->body_len);
	if (!o || !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		pos_err_set(err, POS_E_PARSE, "body", "the body is not a JSON object");
		pos_err_hint(err, "e.g. {\"phone\":\"0712345678\",\"amount\":100}");
		return false;
	}
	for (cJSON *it = o->child; it; it = it->next) {
		size_t k = 0;
		while (k < nkeys && strcmp(keys[k], it->string) != 0)
			k++;
		if (k == nkeys) {
			pos_err_set(err, POS_E_INVALID, it->string, "\"%.60s\" is not a field of this "
			            "request", it->string);
			cJSON_Delete(o);
			return false;
		}
		if (cJSON_IsString(it)) {
			vals[k] = it->valuestring;
		} else if (strcmp(keys[k], "amount") == 0 && cJSON_IsNumber(it)) {
			double v = it->valuedouble;
			/* range first: a cast of |v| >= 2^63 (or inf) to int64_t is undefined */
			if (!(v >= -APP_API_AMOUNT_NUM_MAX && v <= APP_API_AMOUNT_NUM_MAX)) {
				pos_err_set(err, POS_E_AMOUNT, "amount", "amount: too %s (%.6g): no amount "
				            "can be over 1,000,000,000,000", v < 0 ? "small" : "large", v);
				pos_err_hint(err, "send whole shillings, e.g. 1500");
				cJSON_Delete(o);
				return false;
			}
			if (v == (double)(int64_t)v)
				str_fmt(amount_buf, amount_sz, "%lld", (long long)(int64_t)v);
			else
				str_fmt(amount_buf, amount_sz, "%.2f", v); /* refused: cents */
			vals[k] = amount_buf;
		} else if (!cJSON_IsNull(it)) {
			pos_err_set(err, POS_E_INVALID, it->string, "must be %s",
			            strcmp(keys[k], "amount") == 0 ? "a number or a string" : "a string");
			cJSON_Delete(o);
			return false;
		}
	}
	*doc = o;
	return true;
}

/*
 * A POST's Idempotency-Key (none: *keyed false, go on). Reserve it for the
 * token's operator with the SHA-256 of what and the body, and go on (true);
 * or answer (false): a bad header (400), the same request again (200 with
 * its first transaction, as GET shows it), the key with another request or
 * a first request that never recorded its transaction (409).
 */
static bool idem_begin(struct job *j, const struct app_operator *op, const char *what,
                       bool *keyed)
{
	struct store *st = app_store(j->api->app);
	struct pos_err err;
	struct store_idem row;
	char hash[STORE_SHA256_HEX_MAX];
	*keyed = false;
	if (!j->has_idem)
		return true;
	if (j->idem_long || !app_api_idem_key_valid(j->idem)) {
		pos_err_set(&err, POS_E_INVALID, "Idempotency-Key", "the Idempotency-Key header must "
		            "be 1 to %d printable ASCII characters", APP_API_IDEM_KEY_MAX);
		pos_err_hint(&err, "e.g. the order number, or a random UUID per new request");
		fail(j, &err);
		return false;
	}
	size_t wn = strlen(what), n = wn + 1 + j->body_len;
	char *req = malloc(n);
	if (!req) {
		pos_err_set(&err, POS_E_NOMEM, NULL, NULL);
		fail(j, &err);
		return false;
	}
	memcpy(req, what, wn);
	req[wn] = '\n';
	memcpy(req + wn + 1, j->body, j->body_len);
	app_api_token_hash_n(req, n, hash);
	free(req);
	enum pos_status rc = store_idem_reserve(st, op->id, j->idem, hash, &row, &err);
	if (rc == POS_OK) {
		*keyed = true;
		return true;
	}
	if (rc != POS_E_DUPLICATE) {
		fail(j, &err);
		return false;
	}
	struct store_txn t;
	if (strcmp(row.request_sha256, hash) != 0) {
		pos_err_set(&err, POS_E_CONFLICT, "Idempotency-Key", "Idempotency-Key \"%s\" was "
		            "used for another request", j->idem);
		pos_err_hint(&err, "a repeat must send the same body to the same path; a new "
		                   "request needs a new key");
	} else if (row.txn_id == 0) {
		pos_err_set(&err, POS_E_CONFLICT, "Idempotency-Key", "the first request with "
		            "Idempotency-Key \"%s\" was cut short before its transaction was recorded",
		            j->idem);
		pos_err_hint(&err, "look in GET /api/v1/transactions before sending it again with a "
		                   "new key");
	} else if ((rc = store_txn_get(st, row.txn_id, &t, &err)) == POS_OK) {
		answer_txn(j, &t, false);
		return false;
	}
	fail(j, &err);
	return false;
}

/* Bind the reserved key to the flow's transaction, or release it when the
 * request recorded nothing. */
static void idem_end(struct job *j, const struct app_operator *op, bool keyed,
                     const struct app_flow *f)
{
	struct pos_err err;
	const struct store_txn *t = f ? app_flow_txn(f) : NULL;
	if (!keyed)
		return;
	enum pos_status rc = t ? store_idem_bind(app_store(j->api->app), op->id, j->idem, t->id, &err)
	                       : store_idem_release(app_store(j->api->app), op->id, j->idem, &err);
	if (rc != POS_OK)
		log_warn("api", "idempotency key of %s: %s", t ? t->public_id : "a refused request",
		         err.msg);
}

static void do_charge(struct job *j, const struct app_operator *op)
{
	static const char *const keys[] = {"phone", "amount", "account_reference", "description"};
	const char *v[4] = {0};
	char amount[48];
	cJSON *doc;
	struct pos_err err;
	struct app_flow *f = NULL;
	if (!parse_body(j, keys, 4, v, amount, sizeof amount, &doc, &err)) {
		fail(j, &err);
		return;
	}
	bool keyed;
	if (!idem_begin(j, op, "charge", &keyed)) {
		cJSON_Delete(doc);
		return;
	}
	struct app_charge_req rq = {.phone = v[0], .amount = v[1], .account_ref = v[2],
	                            .description = v[3]};
	enum pos_status st = app_charge_start(j->api->loop, op, &rq, on_flow, j, &f, &err);
	cJSON_Delete(doc);
	idem_end(j, op, keyed, st == POS_OK ? f : NULL);
	if (st != POS_OK) {
		fail(j, &err);
		return;
	}
	follow(j, f);
}

static void do_payout(struct job *j, const struct app_operator *op)
{
	static const char *const keys[] = {"phone", "amount", "command", "remarks", "occasion"};
	const char *v[5] = {0};
	char amount[48];
	cJSON *doc;
	struct pos_err err;
	struct app_flow *f = NULL;
	if (!parse_body(j, keys, 5, v, amount, sizeof amount, &doc, &err)) {
		fail(j, &err);
		return;
	}
	bool keyed;
	if (!idem_begin(j, op, "payout", &keyed)) {
		cJSON_Delete(doc);
		return;
	}
	struct app_payout_req rq = {.phone = v[0], .amount = v[1], .command = v[2],
	                            .remarks = v[3], .occasion = v[4], .approver = NULL};
	enum pos_status st = app_payout_start(j->api->loop, op, &rq, on_flow, j, &f, &err);
	cJSON_Delete(doc);
	idem_end(j, op, keyed, st == POS_OK ? f : NULL);
	if (st != POS_OK) {
		if (st == POS_E_DENIED && str_eq(err.field, "approver"))
			pos_err_hint(&err, "the API cannot take a second person's PIN: pay this one "
			                   "from the console or with mpesa-pos payout --approver ID");
		fail(j, &err);
		return;
	}
	follow(j, f);
}

static void do_charge_get(struct job *j, const struct app_operator *op)
{
	struct store_txn t;
	struct pos_err err;
	enum pos_status st = store_txn_get_public(app_store(j->api->app), j->tail, &t, &err);
	if (st == POS_OK && t.kind != TXN_KIND_STK)
		st = POS_E_NOT_FOUND;
	if (st == POS_E_NOT_FOUND || st == POS_E_PARSE) {
		pos_err_set(&err, POS_E_NOT_FOUND, "id", "there is no charge %.40s", j->tail);
		complete(j, 404, print(app_err_json(&err, 64)), NULL);
		return;
	}
	if (st != POS_OK) {
		fail(j, &err);
		return;
	}
	if (!role_allows(op->role, ROLE_ACT_ALL_HISTORY) && t.operator_id != op->id) {
		pos_err_set(&err, POS_E_DENIED, "id", "charge %s was taken by another operator",
		            t.public_id);
		fail(j, &err);
		return;
	}
	answer_txn(j, &t, false);
}

/* A bound of the transactions list: YYYY-MM-DD (Nairobi day) or Unix ms. */
static bool time_param(struct job *j, const char *key, bool end, int64_t *out,
                       struct pos_err *err)
{
	char v[32];
	time_t day;
	int64_t ms;
	*out = 0;
	if (!app_api_query_get(j->query, key, v, sizeof v)) {
		char probe[40];
		str_fmt(probe, sizeof probe, "%s=", key);
		if (!str_starts_with(j->query, probe) && !strstr(j->query, probe))
			return true;
		pos_err_set(err, POS_E_TOO_LONG, key, "the value is too long");
		return false;
	}
	if (clock_parse_date_eat(v, &day)) {
		*out = ((int64_t)day + (end ? 86400 : 0)) * 1000;
		return true;
	}
	if (parse_i64_str(v, 1, INT64_MAX, &ms) == POS_OK) {
		*out = ms;
		return true;
	}
	pos_err_set(err, POS_E_INVALID, key, "\"%.30s\" is not a date (YYYY-MM-DD) or Unix "
	            "milliseconds", v);
	return false;
}

static void do_txns(struct job *j, const struct app_operator *op)
{
	struct pos_err err;
	struct store_filter f = {0};
	struct store_cursor after = {0, 0}, next;
	char v[64];
	int64_t limit = API_PAGE_DEFAULT;
	bool more = false, have_after = false;
	if (!time_param(j, "since", false, &f.from_ms, &err) ||
	    !time_param(j, "until", true, &f.to_ms, &err)) {
		fail(j, &err);
		return;
	}
	if (app_api_query_get(j->query, "limit", v, sizeof v) &&
	    parse_i64_str(v, 1, API_PAGE_MAX, &limit) != POS_OK) {
		pos_err_set(&err, POS_E_RANGE, "limit", "\"%.20s\" is not 1 to %d", v, API_PAGE_MAX);
		fail(j, &err);
		return;
	}
	if (app_api_query_get(j->query, "cursor", v, sizeof v)) {
		if (!app_api_cursor_parse(v, &after)) {
			pos_err_set(&err, POS_E_INVALID, "cursor", "\"%.40s\" is not a cursor this API gave",
			            v);
			fail(j, &err);
			return;
		}
		have_after = true;
	}
	if (app_api_query_get(j->query, "kind", v, sizeof v)) {
		if (!txn_kind_parse(v, &f.kind)) {
			pos_err_set(&err, POS_E_INVALID, "kind", "\"%.20s\" is not a kind (stk, b2c, c2b, "
			            "reversal, cash, status, balance)", v);
			fail(j, &err);
			return;
		}
		f.has_kind = true;
	}
	if (!role_allows(op->role, ROLE_ACT_ALL_HISTORY))
		f.operator_id = op->id; /* a cashier sees their own */
	struct store_txn *rows = calloc((size_t)limit, sizeof *rows);
	size_t n = 0;
	if (!rows) {
		pos_err_set(&err, POS_E_NOMEM, NULL, NULL);
		fail(j, &err);
		return;
	}
	if (store_txn_history(app_store(j->api->app), &f, have_after ? &after : NULL, rows,
	                      (size_t)limit, &n, &next, &more, &err) != POS_OK) {
		free(rows);
		fail(j, &err);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = o ? cJSON_AddArrayToObject(o, "transactions") : NULL;
	for (size_t i = 0; arr && i < n; i++)
		cJSON_AddItemToArray(arr, app_txn_json(&rows[i], false));
	if (o) {
		cJSON_AddBoolToObject(o, "ok", true);
		if (more) {
			app_api_cursor_format(&next, v, sizeof v);
			cJSON_AddStringToObject(o, "next_cursor", v);
		} else {
			cJSON_AddNullToObject(o, "next_cursor");
		}
	}
	free(rows);
	complete(j, 200, print(o), NULL);
}

static const char *bearer(const char *auth)
{
	if (strncasecmp(auth, "Bearer ", 7) != 0)
		return "";
	auth += 7;
	while (*auth == ' ')
		auth++;
	return auth;
}

static void dispatch(struct app_api *api, struct job *j)
{
	struct app_operator op;
	struct pos_err err;
	if (api->stopping) {
		pos_err_set(&err, POS_E_BUSY, "", "serve is stopping");
		complete(j, 503, print(app_err_json(&err, 70)), NULL);
		return;
	}
	bool need_token = j->route != R_METRICS || !j->loopback ||
	                  !app_config(api->app)->api.metrics_open;
	if (need_token && j->auth_long) {
		pos_err_set(&err, POS_E_AUTH, "Authorization", "the Authorization header is longer "
		            "than %d characters", ROUTES_AUTH_MAX - 1);
		pos_err_hint(&err, "send Authorization: Bearer TOKEN, the token as mpesa-pos token "
		                   "add printed it");
		fail(j, &err);
		return;
	}
	if (need_token && app_api_token_check(api->app, bearer(j->auth), &op, &err) != POS_OK) {
		if (err.code == POS_E_AUTH)
			log_warn("api", "refused a request without a valid token (%s)", err.msg);
		fail(j, &err);
		return;
	}
	switch (j->route) {
	case R_CHARGE_POST: do_charge(j, &op); break;
	case R_PAYOUT_POST: do_payout(j, &op); break;
	case R_CHARGE_GET: do_charge_get(j, &op); break;
	case R_TXNS: do_txns(j, &op); break;
	case R_METRICS: {
		char *text = app_metrics_text(api->app, &err);
		if (!text)
			fail(j, &err);
		else
			complete(j, 200, text, "text/plain; version=0.0.4");
		break;
	}
	}
}

/* The wake fd: take what the workers queued. */
static void on_wake(void *user, short revents)
{
	struct app_api *api = user;
	int64_t ids[8];
	(void)revents;
	while (wake_drain(api->wake, ids, 8, NULL) == 8)
		;
	pthread_mutex_lock(&api->mu);
	struct job *j = api->qhead;
	api->qhead = api->qtail = NULL;
	pthread_mutex_unlock(&api->mu);
	while (j) {
		struct job *next = j->next;
		j->next = NULL;
		dispatch(api, j);
		j = next;
	}
}

/* ---- the workers' side ------------------------------------------------------------ */

static void submit(struct app_api *api, enum api_route route, const struct routes_request *rq,
                   struct routes_reply *rp)
{
	struct job *j = calloc(1, sizeof *j);
	char *body = malloc(rq->body_len + 1);
	char *query = strdup(rq->query);
	if (!j || !body || !query) {
		free(j);
		free(body);
		free(query);
		rp->status = 503;
		rp->body = strdup("{\"ok\":false,\"exit\":70,\"error\":{\"code\":\"POS_E_NOMEM\"}}");
		return;
	}
	memcpy(body, rq->body, rq->body_len);
	body[rq->body_len] = '\0';
	j->api = api;
	j->route = route;
	j->body = body;
	j->body_len = rq->body_len;
	j->query = query;
	j->too_large = rq->body_too_large;
	j->is_json = rq->body_json;
	j->loopback = rq->source_loopback;
	str_copy(j->tail, sizeof j->tail, rq->tail);
	str_copy(j->auth, sizeof j->auth, rq->authorization);
	j->auth_long = rq->authorization_long;
	str_copy(j->idem, sizeof j->idem, rq->idempotency_key);
	j->has_idem = rq->has_idempotency_key;
	j->idem_long = rq->idempotency_key_long;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cond, &ca);
	pthread_condattr_destroy(&ca);

	int64_t wait = (route == R_CHARGE_POST || route == R_PAYOUT_POST ? api->wait_ms
	                                                                 : API_GET_WAIT_MS) + 5000;
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += wait / 1000;
	until.tv_nsec += (wait % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&api->mu);
	if (api->stopping) {
		pthread_mutex_unlock(&api->mu);
		j->done = true;
		j->status = 503;
		j->reply = strdup("{\"ok\":false,\"exit\":70,\"error\":{\"code\":\"POS_E_BUSY\","
		                  "\"field\":\"\",\"message\":\"serve is stopping\",\"hint\":\"\"}}");
		pthread_mutex_lock(&api->mu);
	} else {
		if (api->qtail)
			api->qtail->next = j;
		else
			api->qhead = j;
		api->qtail = j;
		pthread_mutex_unlock(&api->mu);
		wake_poke(api->wake);
		pthread_mutex_lock(&api->mu);
	}
	while (!j->done)
		if (pthread_cond_timedwait(&j->cond, &api->mu, &until) != 0 && !j->done)
			break;
	if (!j->done) {
		char txn[STORE_PUBLIC_ID_MAX];
		str_copy(txn, sizeof txn, j->txn);
		j->abandoned = true; /* the loop frees it when it answers */
		pthread_mutex_unlock(&api->mu);
		rp->status = 504;
		rp->body = app_api_pending_body(txn, route == R_CHARGE_POST, false);
		return;
	}
	pthread_mutex_unlock(&api->mu);
	rp->status = j->status;
	rp->body = j->reply;
	rp->content_type = j->ctype;
	free(j->body);
	free(j->query);
	pthread_cond_destroy(&j->cond);
	free(j);
}

static void h_charge_post(void *u, const struct routes_request *rq, struct routes_reply *rp)
{
	submit(u, R_CHARGE_POST, rq, rp);
}
static void h_charge_get(void *u, const struct routes_request *rq, struct routes_reply *rp)
{
	submit(u, R_CHARGE_GET, rq, rp);
}
static void h_payout_post(void *u, const struct routes_request *rq, struct routes_reply *rp)
{
	submit(u, R_PAYOUT_POST, rq, rp);
}
static void h_txns(void *u, const struct routes_request *rq, struct routes_reply *rp)
{
	submit(u, R_TXNS, rq, rp);
}
static void h_metrics(void *u, const struct routes_request *rq, struct routes_reply *rp)
{
	submit(u, R_METRICS, rq, rp);
}

static const struct routes_route api_routes[] = {
	{"POST", "/api/v1/charges", false, h_charge_post},
	{"GET", "/api/v1/charges/", true, h_charge_get},
	{"POST", "/api/v1/payouts", false, h_payout_post},
	{"GET", "/api/v1/transactions", false, h_txns},
	{"GET", "/metrics", false, h_metrics},
};

enum pos_status app_api_start(struct app_loop *l, const struct app_api_opts *opts,
                              struct app_api **out, struct pos_err *err)
{
	struct app_api *api = calloc(1, sizeof *api);
	enum pos_status st;
	if (!api)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	api->loop = l;
	api->app = app_loop_app(l);
	api->wait_ms = opts->wait_ms ? opts->wait_ms
	                             : (app_config(api->app)->daraja.timeout + 15) * 1000;
	pthread_mutex_init(&api->mu, NULL);
	if ((st = wake_new(64, &api->wake, err)) != POS_OK) {
		pthread_mutex_destroy(&api->mu);
		free(api);
		return st;
	}
	struct routes_opts ro = {
		.bind = opts->bind,
		.max_body = opts->max_body,
		.num_threads = opts->threads,
		.routes = api_routes,
		.n_routes = sizeof api_routes / sizeof api_routes[0],
		.user = api,
	};
	if ((st = routes_start(&ro, &api->http, err)) != POS_OK) {
		if (err)
			str_copy(err->field, sizeof err->field, "[api] port");
		wake_free(api->wake);
		pthread_mutex_destroy(&api->mu);
		free(api);
		return st;
	}
	app_loop_set_fd(l, wake_fd(api->wake), POLLIN, on_wake, api);
	log_info("api", "serving the local API on %s", routes_local_url(api->http));
	*out = api;
	return POS_OK;
}

void app_api_stop(struct app_api *api)
{
	if (!api)
		return;
	pthread_mutex_lock(&api->mu);
	api->stopping = true;
	pthread_mutex_unlock(&api->mu);
	on_wake(api, 0); /* answers what is queued: 503, nothing was taken */
	/* A request with a flow may have moved money: never 503 ("nothing moved")
	 * but 202 with its transaction as it stands, before the flow is freed. */
	while (api->active) {
		struct job *j = api->active;
		api->active = j->anext;
		app_loop_cancel(api->loop, j->timer);
		const struct store_txn *t = app_flow_txn(j->flow);
		bool charge = j->route == R_CHARGE_POST;
		int status = 202;
		char *body;
		if (t) {
			char hint[POS_ERR_HINT_MAX];
			int code = app_txn_exit(t);
			cJSON *o = app_txn_json(t, false);
			status = created_status(t);
			app_api_pending_hint(t->public_id, charge, hint, sizeof hint);
			if (o && (code == 20 || code == 21))
				cJSON_AddStringToObject(o, "hint", hint);
			body = print(o);
		} else {
			body = app_api_pending_body(NULL, charge, true);
		}
		app_flow_free(j->flow);
		complete(j, status, body, NULL);
	}
	app_loop_set_fd(api->loop, -1, 0, NULL, NULL);
	routes_stop(api->http);
	wake_free(api->wake);
	pthread_mutex_destroy(&api->mu);
	free(api);
}

const char *app_api_url(const struct app_api *api)
{
	return routes_local_url(api->http);
}

/* ---- /metrics ---------------------------------------------------------------------- */

static void metric_head(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The ledger's figures scan whole tables: a scrape reuses them for
 * APP_METRICS_CACHE_MS (the app's thread only reads and writes this). */
static struct {
	const struct app *app;
	int64_t at_ms;            /* monotonic; 0: nothing kept */
	int64_t counts[TXN_KIND_COUNT][TXN_STATE_COUNT];
	int64_t cbs[STORE_CB_OUTCOME_COUNT];
} g_ledger;

static enum pos_status ledger_figures(struct app *a, struct pos_err *err)
{
	int64_t now = clock_mono_ms();
	if (g_ledger.app == a && g_ledger.at_ms && now - g_ledger.at_ms < APP_METRICS_CACHE_MS)
		return POS_OK;
	g_ledger.at_ms = 0;
	if (store_txn_counts(app_store(a), g_ledger.counts, err) != POS_OK ||
	    store_callback_counts(app_store(a), g_ledger.cbs, err) != POS_OK)
		return err ? err->code : POS_E_STORE;
	g_ledger.app = a;
	g_ledger.at_ms = now ? now : 1;
	return POS_OK;
}

char *app_metrics_text(struct app *a, struct pos_err *err)
{
	struct buf b;
	if (ledger_figures(a, err) != POS_OK)
		return NULL;
	int64_t (*counts)[TXN_STATE_COUNT] = g_ledger.counts;
	const int64_t *cbs = g_ledger.cbs;
	buf_init(&b, (size_t)1 << 20);
	metric_head(&b, "mpesa_pos_transactions", "gauge",
	            "Transactions in the ledger by kind and state.");
	for (int k = 0; k < TXN_KIND_COUNT; k++)
		for (int s = 0; s < TXN_STATE_COUNT; s++)
			buf_printf(&b, "mpesa_pos_transactions{kind=\"%s\",state=\"%s\"} %lld\n",
			           txn_kind_name((enum txn_kind)k), txn_state_name((enum txn_state)s),
			           (long long)counts[k][s]);
	metric_head(&b, "mpesa_pos_transactions_final", "gauge",
	            "Finished charges, payouts and reversals by outcome: success rate = "
	            "success / (success + declined + failed).");
	static const enum txn_kind money[] = {TXN_KIND_STK, TXN_KIND_B2C, TXN_KIND_REVERSAL};
	for (size_t i = 0; i < sizeof money / sizeof money[0]; i++) {
		const int64_t *c = counts[money[i]];
		const char *kn = txn_kind_name(money[i]);
		buf_printf(&b, "mpesa_pos_transactions_final{kind=\"%s\",outcome=\"success\"} %lld\n",
		           kn, (long long)c[TXN_COMPLETED]);
		buf_printf(&b, "mpesa_pos_transactions_final{kind=\"%s\",outcome=\"declined\"} %lld\n",
		           kn, (long long)(c[TXN_CANCELLED] + c[TXN_TIMED_OUT]));
		buf_printf(&b, "mpesa_pos_transactions_final{kind=\"%s\",outcome=\"failed\"} %lld\n",
		           kn, (long long)c[TXN_FAILED]);
	}

	metric_head(&b, "mpesa_pos_callbacks", "gauge",
	            "Callbacks archived in the ledger by outcome (every process on it).");
	int64_t total = 0;
	for (int o = 0; o < STORE_CB_OUTCOME_COUNT; o++) {
		total += cbs[o];
		buf_printf(&b, "mpesa_pos_callbacks{outcome=\"%s\"} %lld\n",
		           store_cb_outcome_name((enum store_cb_outcome)o), (long long)cbs[o]);
	}
	metric_head(&b, "mpesa_pos_callbacks_received", "gauge", "Callbacks received (archived).");
	buf_printf(&b, "mpesa_pos_callbacks_received %lld\n", (long long)total);
	metric_head(&b, "mpesa_pos_callbacks_rejected", "gauge",
	            "Callbacks the listener refused (source, path, method, size, type).");
	buf_printf(&b, "mpesa_pos_callbacks_rejected %lld\n", (long long)cbs[STORE_CB_REJECTED]);
	metric_head(&b, "mpesa_pos_callbacks_duplicated", "gauge",
	            "Callbacks that repeated one already applied (no second effect).");
	buf_printf(&b, "mpesa_pos_callbacks_duplicated %lld\n", (long long)cbs[STORE_CB_DUPLICATE]);

	metric_head(&b, "mpesa_pos_daraja_requests_total", "counter",
	            "Daraja requests finished by this process, by API and outcome class.");
	for (int i = 0; i < DARAJA_API_COUNT; i++)
		for (int c = 0; c < DARAJA_CLASS_COUNT; c++)
			if (g_metrics.by_class[i][c])
				buf_printf(&b, "mpesa_pos_daraja_requests_total{api=\"%s\",class=\"%s\"} %llu\n",
				           daraja_api_name((enum daraja_api)i),
				           daraja_class_name((enum daraja_class)c),
				           (unsigned long long)g_metrics.by_class[i][c]);
	metric_head(&b, "mpesa_pos_daraja_request_duration_seconds", "histogram",
	            "Time from a request's start to its answer, retries included.");
	for (int i = 0; i < DARAJA_API_COUNT; i++) {
		if (!g_metrics.count[i])
			continue;
		const char *an = daraja_api_name((enum daraja_api)i);
		uint64_t cum = 0;
		for (size_t k = 0; k < N_BOUNDS; k++) {
			cum += g_metrics.bucket[i][k];
			buf_printf(&b, "mpesa_pos_daraja_request_duration_seconds_bucket{api=\"%s\","
			           "le=\"%g\"} %llu\n", an, latency_bounds[k], (unsigned long long)cum);
		}
		buf_printf(&b, "mpesa_pos_daraja_request_duration_seconds_bucket{api=\"%s\","
		           "le=\"+Inf\"} %llu\n", an, (unsigned long long)g_metrics.count[i]);
		buf_printf(&b, "mpesa_pos_daraja_request_duration_seconds_sum{api=\"%s\"} %.3f\n", an,
		           g_metrics.sum_s[i]);
		buf_printf(&b, "mpesa_pos_daraja_request_duration_seconds_count{api=\"%s\"} %llu\n", an,
		           (unsigned long long)g_metrics.count[i]);
	}

	struct daraja *d = app_daraja_if_open(a);
	enum daraja_breaker_state bs = d ? daraja_breaker_state(d) : DARAJA_CIRCUIT_CLOSED;
	metric_head(&b, "mpesa_pos_breaker_state", "gauge",
	            "The Daraja circuit breaker: 1 for the state it is in.");
	static const enum daraja_breaker_state states[] = {
		DARAJA_CIRCUIT_CLOSED, DARAJA_CIRCUIT_OPEN, DARAJA_CIRCUIT_HALF_OPEN};
	for (size_t i = 0; i < 3; i++)
		buf_printf(&b, "mpesa_pos_breaker_state{state=\"%s\"} %d\n",
		           daraja_breaker_state_name(states[i]), bs == states[i]);

	struct bus_opts bo;
	struct bus_status bst;
	struct pos_err berr;
	bus_opts_from_config(app_config(a), &bo);
	if (bus_status(app_store(a), &bo, &bst, &berr) == POS_OK) {
		int64_t now = clock_now_ms();
		metric_head(&b, "mpesa_pos_outbox_pending", "gauge",
		            "Events waiting in the outbox for each backend.");
		for (size_t i = 0; i < bst.n; i++)
			buf_printf(&b, "mpesa_pos_outbox_pending{backend=\"%s\"} %lld\n",
			           bst.backend[i].name, (long long)bst.backend[i].pending);
		metric_head(&b, "mpesa_pos_outbox_lag_seconds", "gauge",
		            "Age of the oldest event a backend has not taken (0: none waits).");
		for (size_t i = 0; i < bst.n; i++) {
			int64_t at = bst.backend[i].oldest_at;
			buf_printf(&b, "mpesa_pos_outbox_lag_seconds{backend=\"%s\"} %.3f\n",
			           bst.backend[i].name,
			           at && now > at ? (double)(now - at) / 1000.0 : 0.0);
		}
	}

	metric_head(&b, "mpesa_pos_api_responses_total", "counter",
	            "Answers of the local API by status class.");
	static const char *const cls[] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
	for (int i = 0; i < 6; i++)
		buf_printf(&b, "mpesa_pos_api_responses_total{code=\"%s\"} %llu\n", cls[i],
		           (unsigned long long)g_metrics.api_status[i]);
	metric_head(&b, "mpesa_pos_config_reloads_total", "counter",
	            "Configuration reloads (SIGHUP) taken and refused.");
	buf_printf(&b, "mpesa_pos_config_reloads_total{result=\"ok\"} %llu\n",
	           (unsigned long long)g_metrics.reloads_ok);
	buf_printf(&b, "mpesa_pos_config_reloads_total{result=\"refused\"} %llu\n",
	           (unsigned long long)g_metrics.reloads_refused);
	metric_head(&b, "mpesa_pos_alerts_total", "counter",
	            "Failed-transaction alerts published (mpesa.alert.failures).");
	buf_printf(&b, "mpesa_pos_alerts_total %llu\n", (unsigned long long)g_metrics.alerts);
	if (!b.data) {
		buf_release(&b);
		pos_err_set(err, POS_E_NOMEM, NULL, NULL);
		return NULL;
	}
	return b.data; /* the buffer's storage becomes the caller's */
}

/* ---- the alert ---------------------------------------------------------------------- */

enum pos_status app_alert_check(struct app *a, struct app_alert *st, int threshold,
                                int64_t window_ms, bool *fired, struct pos_err *err)
{
	if (fired)
		*fired = false;
	int64_t now = clock_now_ms();
	if (threshold <= 0 || now < st->quiet_until_ms)
		return POS_OK;
	struct store_filter f = {.from_ms = now - window_ms, .has_state = true,
	                         .state = TXN_FAILED};
	struct store_cursor next;
	bool more;
	size_t n = 0, failed = 0;
	struct store_txn *rows = calloc(API_ALERT_ROWS, sizeof *rows);
	if (!rows)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	enum pos_status rc = store_txn_history(app_store(a), &f, NULL, rows, API_ALERT_ROWS, &n,
	                                       &next, &more, err);
	for (size_t i = 0; rc == POS_OK && i < n; i++)
		if (rows[i].kind == TXN_KIND_STK || rows[i].kind == TXN_KIND_B2C ||
		    rows[i].kind == TXN_KIND_REVERSAL)
			failed++;
	free(rows);
	if (rc != POS_OK || failed < (size_t)threshold)
		return rc;
	char msg[200];
	str_fmt(msg, sizeof msg, "%zu%s charges, payouts or reversals failed in the last %lld min "
	        "(alert at %d)", failed, more ? "+" : "", (long long)(window_ms / 60000), threshold);
	const char *v[EVENT_FIELD_COUNT] = {
		[EVF_ERROR_TYPE] = "failed_transactions",
		[EVF_MESSAGE] = msg,
		[EVF_ENVIRONMENT] = app_config(a)->daraja.environment,
	};
	app_emit(a, EV_ALERT_FAILURES, v);
	log_warn("alert", "%s", msg);
	g_metrics.alerts++;
	st->quiet_until_ms = now + window_ms;
	if (fired)
		*fired = true;
	return POS_OK;
}
