/* app/app.c: open and close what one process needs. */
#include "app/app_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"
#include "core/phone.h"
#include "listener/ingest.h"

struct app {
	const struct config *cfg;
	struct store *st;
	struct wake *wake;
	struct store_writer *writer;
	struct ingest *ingest;
	struct listener *listener;
	struct daraja *daraja;
	struct app_req *reqs;     /* requests in flight (app_int.h) */
	struct app_clock clock;   /* the flows' clock (timing.c) */
	struct {
		int64_t txn_id, mono;
	} stk_asked[16];          /* the latest STK queries, oldest overwritten */
	unsigned stk_asked_next;
	/* Reaching Daraja (app_daraja_reachable) and the probe that finds out. */
	struct {
		enum app_reach state;     /* from the last result */
		int64_t since_ms;
		char why[POS_ERR_MSG_MAX];
		enum app_reach shown;     /* as last reported, for the serial */
		enum daraja_breaker_state shown_breaker;
		unsigned serial;
	} reach;
	struct app_loop *probe_loop;
	uint64_t probe_timer;
	struct app_req *probe_req;
	char secret[STORE_SECRET_HEX_LEN + 1];
	/* The initiator password's date, once looked up for the password in
	 * use (known by its SHA-256, in memory only): the fingerprint costs an
	 * Argon2id hash, and the status line asks every minute. */
	struct {
		bool have;
		uint8_t sha[CRYPTO_SHA256_LEN];
		int64_t set_at;
	} pw_seen;
};

bool app_phone_match(const char *recorded, const char *shown, void *ctx)
{
	(void)ctx;
	return phone_matches_shown(recorded, shown) != PHONE_SHOWN_MISMATCH;
}

static struct store_opts store_opts_of(const struct config *cfg, bool read_only)
{
	return (struct store_opts){
		.read_only = read_only,
		.busy_timeout_ms = (int)cfg->store.busy_timeout_ms,
		.phone_match = app_phone_match,
	};
}

enum pos_status app_store_open(const struct config *cfg, bool read_only,
                               struct store **out, struct pos_err *err)
{
	struct store_opts o = store_opts_of(cfg, read_only);
	return store_open(cfg->store.path, &o, out, err);
}

/* Called on the writer's thread after each commit. */
static void on_commit(void *ctx, const int64_t *txn_ids, size_t n)
{
	struct app *a = ctx;
	for (size_t i = 0; i < n; i++)
		wake_push(a->wake, txn_ids[i]);
}

static enum pos_status start_listener(struct app *a, const struct app_opts *opts,
                                      struct pos_err *err)
{
	const struct config *cfg = a->cfg;
	enum pos_status st;
	struct store_writer_opts wo = {
		.store = store_opts_of(cfg, false),
		.notify = on_commit,
		.notify_ctx = a,
	};
	if ((st = store_writer_open(cfg->store.path, &wo, &a->writer, err)) != POS_OK)
		return st;
	struct ingest_opts io = {
		.writer = a->writer,
		.max_body = (size_t)cfg->listener.max_body,
		.shortcode = cfg->daraja.business_shortcode,
		.till_number = cfg->daraja.till_number,
		.till_id = cfg->till.id,
		.balance_shortcode = cfg->daraja.b2c_shortcode,
		.c2b_account_pattern = cfg->listener.c2b_account_pattern,
		.c2b_min_minor = cfg->listener.c2b_min_amount * 100,
		.c2b_max_minor = cfg->listener.c2b_max_amount * 100,
	};
	if ((st = ingest_new(&io, &a->ingest, err)) != POS_OK)
		return st;
	struct listener_opts lo = {
		.bind = opts->bind ? opts->bind : cfg->listener.bind,
		.secret = a->secret,
		.allow = cfg->listener.allow,
		.trusted_proxy = cfg->listener.trusted_proxy,
		.max_body = (size_t)cfg->listener.max_body,
		.rate_per_minute = (unsigned)cfg->listener.rate_per_minute,
		.num_threads = (unsigned)cfg->listener.threads,
		.ingest = ingest_handle,
		.ingest_user = a->ingest,
	};
	return listener_start(&lo, &a->listener, err);
}

enum pos_status app_open(const struct config *cfg, const struct app_opts *opts,
                         struct app **out, struct pos_err *err)
{
	static const struct app_opts none = {0};
	enum pos_status st;
	struct app *a = calloc(1, sizeof *a);
	if (!a)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	if (!opts)
		opts = &none;
	a->cfg = cfg;
	if ((st = wake_new(4096, &a->wake, err)) != POS_OK)
		goto fail;
	if ((st = app_store_open(cfg, false, &a->st, err)) != POS_OK)
		goto fail;
	if ((st = store_listener_secret(a->st, a->secret, err)) != POS_OK)
		goto fail;
	/* The callback URLs carry it (a request's body in the debug log, a
	 * registered URL): whoever reads the log must not learn it. */
	log_secret_add(a->secret);
	if (opts->listen && (st = start_listener(a, opts, err)) != POS_OK)
		goto fail;
	*out = a;
	return POS_OK;
fail:
	app_close(a);
	return st;
}

void app_close(struct app *a)
{
	if (!a)
		return;
	daraja_free(a->daraja); /* drops pending completions: free their records */
	while (a->reqs)
		app_req_free(a->reqs);
	listener_stop(a->listener); /* in-flight callbacks finish first */
	store_writer_close(a->writer);
	ingest_free(a->ingest);
	store_close(a->st);
	wake_free(a->wake);
	crypto_wipe(a->secret, sizeof a->secret);
	free(a);
}

int64_t app_now_ms(struct app *a)
{
	return app_clock_now(&a->clock);
}

int64_t app_stk_last_query(struct app *a, int64_t txn_id)
{
	int64_t last = 0;
	for (size_t i = 0; i < sizeof a->stk_asked / sizeof a->stk_asked[0]; i++)
		if (a->stk_asked[i].txn_id == txn_id && a->stk_asked[i].mono > last)
			last = a->stk_asked[i].mono;
	return last;
}

void app_stk_queried(struct app *a, int64_t txn_id)
{
	size_t n = sizeof a->stk_asked / sizeof a->stk_asked[0];
	size_t slot = n;
	for (size_t i = 0; i < n && slot == n; i++)
		if (a->stk_asked[i].txn_id == txn_id)
			slot = i; /* one entry per transaction */
	if (slot == n)
		slot = a->stk_asked_next++ % n;
	a->stk_asked[slot].txn_id = txn_id;
	a->stk_asked[slot].mono = app_mono_ms();
}

const struct config *app_config(const struct app *a)
{
	return a->cfg;
}

struct store *app_store(struct app *a)
{
	return a->st;
}

struct wake *app_wake(struct app *a)
{
	return a->wake;
}

const char *app_listener_url(const struct app *a)
{
	return a->listener ? listener_local_url(a->listener) : NULL;
}

bool app_callbacks_on(const struct app *a)
{
	return a->cfg->listener.public_url[0] != '\0';
}

enum pos_status app_callback_url(struct app *a, enum listener_route route,
                                 const char *ref, bool mask, char *out,
                                 size_t outsz, struct pos_err *err)
{
	if (!app_callbacks_on(a))
		return pos_err_set(err, POS_E_CONFIG, "[listener] public_url",
		                   "no public callback URL is set: the till is in poll mode");
	if (!listener_url(out, outsz, a->cfg->listener.public_url, a->secret, route, ref,
	                  mask))
		return pos_err_set(err, POS_E_TOO_LONG, "[listener] public_url",
		                   "the callback URL would be longer than %zu characters", outsz);
	return POS_OK;
}

/* The breaker's changes, in the log and on IF.bus. */
static void on_breaker(void *user, enum daraja_breaker_state from,
                       enum daraja_breaker_state to)
{
	struct app *a = user;
	const char *env = a->cfg->daraja.environment;
	char msg[160];
	(void)from;
	if (to == DARAJA_CIRCUIT_OPEN) {
		str_fmt(msg, sizeof msg, "Daraja failed %lld times in a row; requests pause for %lld s",
		        (long long)a->cfg->daraja.breaker_failures,
		        (long long)a->cfg->daraja.breaker_open_seconds);
		log_warn("daraja", "%s", msg);
		const char *v[EVENT_FIELD_COUNT] = {[EVF_ENVIRONMENT] = env,
		                                    [EVF_ERROR_TYPE] = "breaker_open",
		                                    [EVF_MESSAGE] = msg};
		app_emit(a, EV_BREAKER_OPENED, v);
	} else if (to == DARAJA_CIRCUIT_CLOSED) {
		str_copy(msg, sizeof msg, "Daraja answered; requests resume");
		log_info("daraja", "%s", msg);
		const char *v[EVENT_FIELD_COUNT] = {[EVF_ENVIRONMENT] = env, [EVF_MESSAGE] = msg};
		app_emit(a, EV_BREAKER_CLOSED, v);
	}
}

struct daraja *app_daraja(struct app *a, struct pos_err *err)
{
	if (a->daraja)
		return a->daraja;
	struct daraja_opts o;
	char cert[1024];
	app_backend_opts(a->cfg, &o, cert, sizeof cert);
	o.on_breaker = on_breaker;
	o.hook_user = a;
	a->daraja = daraja_new(&o, err);
	if (!a->daraja && err && err->code == POS_OK)
		pos_err_set(err, POS_E_CONFIG, "[daraja]", "the Daraja client could not be set up");
	return a->daraja;
}

struct daraja *app_daraja_if_open(struct app *a)
{
	return a->daraja;
}

enum pos_status app_set_config(struct app *a, const struct config *cfg,
                               struct pos_err *err)
{
	struct daraja_opts o;
	char cert[1024];
	app_backend_opts(cfg, &o, cert, sizeof cert);
	struct daraja *probe = daraja_new(&o, err); /* checks; sends nothing */
	if (!probe) {
		if (err && err->code == POS_OK)
			pos_err_set(err, POS_E_CONFIG, "[daraja]", "the Daraja client could not be set up");
		return POS_E_CONFIG;
	}
	daraja_free(probe);
	if (o.cert_path && o.initiator_password && o.initiator_password[0]) {
		char cred[DARAJA_CREDENTIAL_MAX];
		enum pos_status st = daraja_security_credential(o.cert_path, o.initiator_password,
		                                                cred, sizeof cred, err);
		crypto_wipe(cred, sizeof cred);
		if (st != POS_OK)
			return st;
	}
	a->cfg = cfg;
	return POS_OK;
}

bool app_daraja_renew(struct app *a)
{
	if (!a->daraja)
		return true;
	if (daraja_outstanding(a->daraja) > 0 || a->reqs)
		return false;
	daraja_free(a->daraja);
	a->daraja = NULL; /* the next request makes one from the configuration now */
	return true;
}

/* ---- reaching Daraja ------------------------------------------------------------- */

static void reach_set(struct app *a, enum app_reach st, const struct pos_err *why)
{
	a->reach.state = st;
	a->reach.since_ms = app_now_ms(a);
	a->reach.why[0] = '\0';
	if (why && st != APP_REACH_UP) {
		char msg[POS_ERR_MSG_MAX + POS_ERR_HINT_MAX + POS_ERR_FIELD_MAX + 8];
		str_copy(a->reach.why, sizeof a->reach.why, pos_err_format(why, msg, sizeof msg));
	}
}

void app_note_result(struct app *a, const struct daraja_result *res)
{
	bool sign_in = res->api == DARAJA_API_OAUTH;
	switch (res->cls) {
	case DARAJA_OK:
	case DARAJA_PENDING:
		reach_set(a, APP_REACH_UP, NULL);
		break;
	case DARAJA_REFUSED:
		/* Daraja answered; but a refused sign-in (credentials) stops every
		 * request as surely as a cable cut. */
		if (sign_in || res->err.code == POS_E_CONFIG)
			reach_set(a, APP_REACH_DOWN, &res->err);
		else
			reach_set(a, APP_REACH_UP, NULL);
		break;
	case DARAJA_UNREACHABLE:
	case DARAJA_BREAKER_OPEN:
		reach_set(a, APP_REACH_DOWN, &res->err);
		break;
	case DARAJA_UNKNOWN:
		/* A request that may have reached Daraja says little, except a
		 * sign-in that did not come back. */
		if (sign_in)
			reach_set(a, APP_REACH_DOWN, &res->err);
		break;
	default: /* our own rate limit: nothing learned */
		break;
	}
}

bool app_daraja_reachable(struct app *a, struct app_reach_info *out)
{
	enum daraja_breaker_state br = a->daraja ? daraja_breaker_state(a->daraja)
	                                         : DARAJA_CIRCUIT_CLOSED;
	enum app_reach st = br == DARAJA_CIRCUIT_OPEN ? APP_REACH_BREAKER : a->reach.state;
	if (st != a->reach.shown || br != a->reach.shown_breaker) {
		a->reach.shown = st;
		a->reach.shown_breaker = br;
		a->reach.serial++;
	}
	if (out) {
		out->state = st;
		out->breaker = br;
		out->since_ms = a->reach.since_ms;
		out->serial = a->reach.serial;
		str_copy(out->why, sizeof out->why, a->reach.why);
	}
	return st != APP_REACH_DOWN && st != APP_REACH_BREAKER;
}

/* The probe: a token fetch (never a money request) at start and then, while
 * Daraja cannot be reached, every PROBE_EVERY_MS. An open breaker answers it
 * locally until its pause ends, so Daraja sees at most one sign-in per
 * PROBE_EVERY_MS from a till that cannot reach it. */
enum { PROBE_EVERY_MS = 5000 };

static void on_probe(void *user, struct daraja_result *res)
{
	struct app_req *r = user;
	struct app *a = r->app;
	app_note_result(a, res);
	if (a->probe_req == r)
		a->probe_req = NULL;
	app_req_free(r);
}

static void probe(void *user)
{
	struct app *a = user;
	a->probe_timer = app_loop_timer(a->probe_loop, PROBE_EVERY_MS, probe, a);
	if (a->probe_req || (app_daraja_reachable(a, NULL) && a->reach.state == APP_REACH_UP))
		return; /* out already, or nothing to find out */
	struct pos_err e;
	pos_err_clear(&e);
	struct daraja *d = app_daraja(a, &e);
	struct app_req *r = d ? app_req_new(a, NULL, 0, DARAJA_API_OAUTH) : NULL;
	if (d && !r)
		return;
	if (!d || daraja_oauth(d, on_probe, r, NULL, &e) != POS_OK) {
		app_req_free(r);
		reach_set(a, APP_REACH_DOWN, &e);
		return;
	}
	a->probe_req = r;
}

void app_daraja_probe_start(struct app_loop *l)
{
	struct app *a = app_loop_app(l);
	if (a->probe_loop)
		app_loop_cancel(a->probe_loop, a->probe_timer);
	a->probe_loop = l;
	a->probe_timer = app_loop_timer(l, 0, probe, a);
}

void app_daraja_probe_stop(struct app_loop *l)
{
	struct app *a = app_loop_app(l);
	if (a->probe_loop != l)
		return;
	app_loop_cancel(l, a->probe_timer);
	a->probe_loop = NULL;
	a->probe_timer = 0;
}

static bool url_is_local(const char *u)
{
	const char *p = strstr(u, "://");
	char host[256];
	size_t n;
	if (!p)
		return false;
	p += 3;
	if (*p == '[') {
		n = strcspn(p, "]");
		if (p[n] != ']')
			return false;
		n++;
	} else {
		n = strcspn(p, ":/");
	}
	if (n == 0 || n >= sizeof host)
		return false;
	memcpy(host, p, n);
	host[n] = '\0';
	return config_host_is_loopback(host);
}

bool app_public_url_is_local(const struct app *a)
{
	return url_is_local(a->cfg->listener.public_url);
}

bool app_listen_here(const struct config *cfg)
{
	return !cfg->listener.public_url[0] || url_is_local(cfg->listener.public_url);
}

struct app_req *app_req_new(struct app *a, struct app_flow *f, int64_t txn_id,
                            enum daraja_api api)
{
	struct app_req *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->app = a;
	r->flow = f;
	r->txn_id = txn_id;
	r->api = api;
	r->next = a->reqs;
	if (a->reqs)
		a->reqs->prev = r;
	a->reqs = r;
	return r;
}

void app_req_free(struct app_req *r)
{
	if (!r)
		return;
	if (r->prev)
		r->prev->next = r->next;
	else
		r->app->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	if (r->flow && r->flow->req == r)
		r->flow->req = NULL;
	free(r);
}

enum pos_status app_initiator_password_seen(struct app *a, const char *password,
                                            int64_t *set_at, struct pos_err *err)
{
	uint8_t sha[CRYPTO_SHA256_LEN];
	crypto_sha256(password, strlen(password), sha);
	bool same = a->pw_seen.have && memcmp(sha, a->pw_seen.sha, sizeof sha) == 0;
	enum pos_status rc = POS_OK;
	if (!same) {
		rc = store_initiator_password_seen(a->st, password, clock_now_ms(),
		                                   &a->pw_seen.set_at, NULL, err);
		a->pw_seen.have = rc == POS_OK;
		memcpy(a->pw_seen.sha, sha, sizeof sha);
	}
	crypto_wipe(sha, sizeof sha);
	if (rc == POS_OK)
		*set_at = a->pw_seen.set_at;
	return rc;
}

bool app_results_reachable(const struct app *a)
{
	return app_callbacks_on(a) || app_backend_is_sim(a->cfg);
}

enum pos_status app_reply_url(struct app *a, enum listener_route route,
                              const char *ref, char *out, size_t outsz,
                              struct pos_err *err)
{
	if (app_callbacks_on(a))
		return app_callback_url(a, route, ref, false, out, outsz, err);
	char host[128], origin[192];
	unsigned port = 0;
	if (!config_hostport_split(a->cfg->listener.bind, host, sizeof host, &port))
		return pos_err_set(err, POS_E_CONFIG, "[listener] bind",
		                   "\"%s\" is not host:port", a->cfg->listener.bind);
	if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0 || host[0] == '\0')
		str_copy(host, sizeof host, "127.0.0.1");
	bool v6 = strchr(host, ':') != NULL;
	str_fmt(origin, sizeof origin, "http://%s%s%s:%u", v6 ? "[" : "", host,
	        v6 ? "]" : "", port);
	if (!listener_url(out, outsz, origin, a->secret, route, ref, false))
		return pos_err_set(err, POS_E_TOO_LONG, "[listener] bind",
		                   "the callback URL would be longer than %zu characters", outsz);
	return POS_OK;
}
