/*
 * daraja/client.c: the request engine on libcurl's multi interface.
 *
 * Every request is a struct req on one list, in one of these states:
 *
 *   NEW ---------> WAIT_TOKEN (no fresh token: one OAuth refresh runs,
 *    |                 |       however many requests wait for it)
 *    |<----------------+
 *    v
 *   send_attempt: breaker -> before_send hook -> curl_multi_add_handle
 *    v
 *   IN_FLIGHT --(curl done)--> classify (retry.c)
 *        |-- invalid token, first time --> NEW (refresh, resend once)
 *        |-- refused before processing  --> BACKOFF (full jitter) --> NEW
 *        |-- Pull page with rows         --> NEW (next OffSetValue)
 *        '-- anything else               --> DONE
 *   DONE: the callback runs from daraja_perform(), then the req is freed.
 *
 * One multi handle keeps the connection pool, so connections are reused
 * across requests (keep-alive); an easy handle lives as long as its request.
 * Only the thread that owns the struct daraja touches any of this.
 */
#include "daraja/client_int.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"
#include "daraja/json_int.h"

#ifndef POS_VERSION
#define POS_VERSION "0"
#endif

static const char LOG_MOD[] = "daraja";

enum {
	POLL_EXTRA_MAX = 16,
	AUTH_HEADER_MAX = DARAJA_TOKEN_MAX + 32,
	POLL_IDLE_MS = 24 * 3600 * 1000,
};

/* ---- the API table ------------------------------------------------------------- */

static const struct {
	const char *name, *label, *path;
	bool money;
} apis[DARAJA_API_COUNT] = {
#define DARAJA_API_ROW(e, name, label, path, money) [e] = {name, label, path, money},
	DARAJA_APIS(DARAJA_API_ROW)
#undef DARAJA_API_ROW
};

static const char *const class_names[DARAJA_CLASS_COUNT] = {
#define DARAJA_CLASS_ROW(e, name) [e] = name,
	DARAJA_CLASSES(DARAJA_CLASS_ROW)
#undef DARAJA_CLASS_ROW
};

const char *daraja_api_name(enum daraja_api api)
{
	return (unsigned)api < DARAJA_API_COUNT ? apis[api].name : "?";
}

const char *daraja_api_label(enum daraja_api api)
{
	return (unsigned)api < DARAJA_API_COUNT ? apis[api].label : "Daraja";
}

bool daraja_api_moves_money(enum daraja_api api)
{
	/* Unknown values are treated as money-moving: never resent blindly. */
	return (unsigned)api < DARAJA_API_COUNT ? apis[api].money : true;
}

const char *daraja_class_name(enum daraja_class o)
{
	return (unsigned)o < DARAJA_CLASS_COUNT ? class_names[o] : "?";
}

const char *daraja_breaker_state_name(enum daraja_breaker_state s)
{
	switch (s) {
	case DARAJA_CIRCUIT_CLOSED:
		return "closed";
	case DARAJA_CIRCUIT_OPEN:
		return "open";
	case DARAJA_CIRCUIT_HALF_OPEN:
		return "half-open";
	}
	return "?";
}

void daraja_api_path(const struct daraja_conf *c, enum daraja_api api,
                     char *out, size_t outsz)
{
	if (api == DARAJA_API_C2B_REGISTER)
		str_fmt(out, outsz, "/mpesa/c2b/%s/registerurl", c->c2b_version);
	else if (api == DARAJA_API_C2B_SIMULATE)
		str_fmt(out, outsz, "/mpesa/c2b/%s/simulate", c->c2b_version);
	else
		str_copy(out, outsz, apis[api].path);
}

/* ---- structures ------------------------------------------------------------------ */

enum req_state { RQ_NEW, RQ_WAIT_TOKEN, RQ_BACKOFF, RQ_IN_FLIGHT, RQ_DONE };

struct req {
	struct req *prev, *next;
	uint64_t id;
	enum daraja_api api;
	enum req_state state;
	bool internal;             /* the client's own OAuth refresh */
	daraja_done_fn cb;
	void *user;
	char *body;                /* JSON to POST; NULL for the OAuth GET */
	char path[DARAJA_PATH_MAX];
	CURL *easy;
	struct curl_slist *headers;
	struct buf resp;
	bool too_large;
	char token_used[DARAJA_TOKEN_MAX];
	unsigned retries;          /* backoff resends so far */
	bool token_retried;        /* the one resend after a refresh is spent */
	bool probe;                /* this attempt is the breaker's probe */
	int64_t due;               /* BACKOFF: when to send again (now_ms) */
	int64_t t_start;           /* clock_mono_ms at start */
	int64_t t_sent;            /* clock_mono_ms of the last send */
	uint64_t done_tick;
	struct daraja_result res;
	/* Pull query walk */
	char pull_shortcode[16];
	time_t pull_start, pull_end;
	enum { PULL_UNKNOWN, PULL_BY_PAGE, PULL_BY_ROW } pull_mode;
	char pull_second[DARAJA_ID_LEN + 1]; /* 2nd record of the first page */
};

struct daraja {
	struct daraja_conf c;
	CURLM *multi;
	struct req *head, *tail;
	unsigned outstanding;
	uint64_t next_id;
	uint64_t tick;
	struct daraja_token_cache token;
	struct req *refresh;       /* the OAuth refresh in flight, or NULL */
	char basic[AUTH_HEADER_MAX];
	char credential[DARAJA_CREDENTIAL_MAX];
	bool have_credential;
	struct daraja_breaker breaker;
	enum pos_status (*before_send)(void *, enum daraja_api, struct pos_err *);
	void (*on_breaker)(void *, enum daraja_breaker_state, enum daraja_breaker_state);
	void (*on_result)(void *, const struct daraja_result *);
	void *hook_user;
	int64_t (*now_ms)(void *);
	uint64_t (*rng)(void *);
	void *seam_user;
};

static int64_t now_of(struct daraja *d)
{
	return d->now_ms ? d->now_ms(d->seam_user) : clock_mono_ms();
}

static uint64_t random64(struct daraja *d)
{
	if (d->rng)
		return d->rng(d->seam_user);
	uint64_t r = 0;
	if (crypto_random(&r, sizeof r) != POS_OK)
		r = (uint64_t)clock_mono_ms() * UINT64_C(0x9e3779b97f4a7c15);
	return r;
}

/* ---- results ------------------------------------------------------------------------ */

void daraja_result_release(struct daraja_result *r)
{
	if (!r)
		return;
	if (r->api == DARAJA_API_QR)
		daraja_qr_answer_release(&r->as.qr);
	else if (r->api == DARAJA_API_PULL_QUERY)
		free(r->as.pull.records);
	memset(r, 0, sizeof *r);
}

void daraja_result_move(struct daraja_result *dst, struct daraja_result *src)
{
	*dst = *src;
	memset(src, 0, sizeof *src);
}

/* ---- options ----------------------------------------------------------------------- */

static bool is_loopback_host(const char *host, size_t n)
{
	if (n == 9 && strncmp(host, "localhost", 9) == 0)
		return true;
	if (n == 5 && strncmp(host, "[::1]", 5) == 0)
		return true;
	/* 127.a.b.c, each part 0..255 */
	const char *p = host, *end = host + n;
	for (int part = 0; part < 4; part++) {
		uint64_t v;
		if (parse_u64(&p, end, 255, &v) != POS_OK)
			return false;
		if (part == 0 && v != 127)
			return false;
		if (part < 3) {
			if (p == end || *p != '.')
				return false;
			p++;
		}
	}
	return p == end;
}

enum pos_status daraja_check_base_url(const char *url, const char *environment,
                                      struct pos_err *err)
{
	static const char field[] = "[daraja] base_url";
	char q[64];
	bool production;
	if (!environment || !*environment || str_eq(environment, "sandbox"))
		production = false;
	else if (str_eq(environment, "production"))
		production = true;
	else
		return pos_err_set(err, POS_E_CONFIG, "[daraja] environment",
		                   "environment \"%.40s\" is not sandbox or production",
		                   environment);
	if (!url || !*url) {
		pos_err_set(err, POS_E_CONFIG, field, "the Daraja address is not set");
		pos_err_hint(err, "use https://sandbox.safaricom.co.ke or "
		                  "https://api.safaricom.co.ke");
		return POS_E_CONFIG;
	}
	str_copy(q, sizeof q, url);
	if (strlen(url) >= DARAJA_URL_MAX || !str_is_printable_ascii(url) ||
	    strchr(url, ' '))
		return pos_err_set(err, POS_E_CONFIG, field,
		                   "\"%s\" is not a usable address", q);
	bool https = str_starts_with(url, "https://");
	if (!https && !str_starts_with(url, "http://")) {
		pos_err_set(err, POS_E_CONFIG, field,
		            "\"%s\" does not start with https:// or http://", q);
		pos_err_hint(err, "use https://sandbox.safaricom.co.ke or "
		                  "https://api.safaricom.co.ke");
		return POS_E_CONFIG;
	}
	const char *host = url + (https ? 8 : 7);
	size_t n;
	if (*host == '[') {
		const char *close = strchr(host, ']');
		n = close ? (size_t)(close - host) + 1 : 0;
	} else {
		n = strcspn(host, ":/?#");
	}
	if (n == 0 || memchr(host, '@', strcspn(host, "/?#")))
		return pos_err_set(err, POS_E_CONFIG, field,
		                   "\"%s\" has no host name (or holds a user name)", q);
	if (production && !https && !is_loopback_host(host, n)) {
		pos_err_set(err, POS_E_CONFIG, field,
		            "\"%s\" is plain http; production needs https (plain http "
		            "is allowed only to this machine)", q);
		pos_err_hint(err, "use https://api.safaricom.co.ke");
		return POS_E_CONFIG;
	}
	return POS_OK;
}

static enum pos_status dup_opt(char **dst, const char *src, const char *dflt)
{
	const char *v = src && *src ? src : dflt;
	*dst = NULL;
	if (!v)
		return POS_OK;
	*dst = strdup(v);
	return *dst ? POS_OK : POS_E_NOMEM;
}

static void conf_release(struct daraja_conf *c)
{
	char **strs[] = {&c->base_url, &c->consumer_key, &c->consumer_secret,
	                 &c->business_shortcode, &c->passkey, &c->transaction_type,
	                 &c->till_number, &c->b2c_shortcode, &c->initiator_name,
	                 &c->initiator_password, &c->cert_path, &c->ca_bundle,
	                 &c->c2b_version, &c->user_agent};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
		if (*strs[i]) {
			crypto_wipe(*strs[i], strlen(*strs[i]));
			free(*strs[i]);
			*strs[i] = NULL;
		}
	}
}

static enum pos_status renamed_err(enum pos_status st, const char *field,
                                   struct pos_err *err)
{
	if (st != POS_OK && err)
		str_copy(err->field, sizeof err->field, field);
	return st;
}

static enum pos_status conf_init(struct daraja_conf *c, const struct daraja_opts *o,
                                 struct pos_err *err)
{
	enum pos_status st = POS_OK;
	*c = (struct daraja_conf){0};
	st = daraja_check_base_url(o->base_url, o->environment, err);
	if (st != POS_OK)
		return st;
	c->production = str_eq(o->environment, "production");
	enum fields_stk_type stk_type = FIELDS_STK_PAYBILL;
	if (o->transaction_type && *o->transaction_type &&
	    renamed_err(fields_stk_type_parse(o->transaction_type, &stk_type, err),
	                "[daraja] transaction_type", err) != POS_OK)
		return POS_E_CONFIG;
	if (o->c2b_version && *o->c2b_version && !str_eq(o->c2b_version, "v1") &&
	    !str_eq(o->c2b_version, "v2"))
		return pos_err_set(err, POS_E_CONFIG, "[daraja] c2b_version",
		                   "\"%.40s\" is not v1 or v2", o->c2b_version);

	char ua[64];
	str_fmt(ua, sizeof ua, "mpesa-pos/%s", POS_VERSION);
	const struct { char **dst; const char *src, *dflt; } strs[] = {
		{&c->base_url, o->base_url, NULL},
		{&c->consumer_key, o->consumer_key, NULL},
		{&c->consumer_secret, o->consumer_secret, NULL},
		{&c->business_shortcode, o->business_shortcode, NULL},
		{&c->passkey, o->passkey, NULL},
		{&c->transaction_type, fields_stk_type_name(stk_type), NULL},
		{&c->till_number, o->till_number, NULL},
		{&c->b2c_shortcode, o->b2c_shortcode, NULL},
		{&c->initiator_name, o->initiator_name, NULL},
		{&c->initiator_password, o->initiator_password, NULL},
		{&c->cert_path, o->cert_path, NULL},
		{&c->ca_bundle, o->ca_bundle, NULL},
		{&c->c2b_version, o->c2b_version, "v1"},
		{&c->user_agent, o->user_agent, ua},
	};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0] && st == POS_OK; i++)
		st = dup_opt(strs[i].dst, strs[i].src, strs[i].dflt);
	if (st != POS_OK) {
		conf_release(c);
		return pos_err_set(err, POS_E_NOMEM, "daraja", NULL);
	}
	/* base_url without its trailing slashes, so base + "/path" is clean. */
	size_t n = strlen(c->base_url);
	while (n > 0 && c->base_url[n - 1] == '/')
		c->base_url[--n] = '\0';

	c->timeout_s = o->timeout_s ? o->timeout_s : DARAJA_DEFAULT_TIMEOUT_S;
	c->connect_timeout_s = o->connect_timeout_s ? o->connect_timeout_s
	                                            : DARAJA_DEFAULT_CONNECT_TIMEOUT_S;
	c->max_retries = o->max_retries < 0 ? DARAJA_DEFAULT_MAX_RETRIES
	                                    : (unsigned)o->max_retries;
	c->backoff_base_ms = o->backoff_base_ms ? o->backoff_base_ms
	                                        : DARAJA_DEFAULT_BACKOFF_BASE_MS;
	c->backoff_cap_ms = o->backoff_cap_ms ? o->backoff_cap_ms
	                                      : DARAJA_DEFAULT_BACKOFF_CAP_MS;
	if (c->backoff_cap_ms < c->backoff_base_ms)
		c->backoff_cap_ms = c->backoff_base_ms;
	c->breaker_failures = o->breaker_failures ? o->breaker_failures
	                                          : DARAJA_DEFAULT_BREAKER_FAILURES;
	c->breaker_open_s = o->breaker_open_s ? o->breaker_open_s
	                                      : DARAJA_DEFAULT_BREAKER_OPEN_S;
	/* response.h refuses anything larger anyway. */
	c->max_response_bytes = o->max_response_bytes && o->max_response_bytes < DARAJA_RESPONSE_MAX
	                            ? o->max_response_bytes : DARAJA_RESPONSE_MAX;
	c->pull_max_pages = o->pull_max_pages ? o->pull_max_pages
	                                      : DARAJA_DEFAULT_PULL_MAX_PAGES;
	return POS_OK;
}

/* ---- lifecycle ----------------------------------------------------------------------- */

static void breaker_changed(void *user, enum daraja_breaker_state from,
                            enum daraja_breaker_state to)
{
	struct daraja *d = user;
	if (to == DARAJA_CIRCUIT_OPEN)
		log_warn(LOG_MOD, "breaker %s -> %s: pausing Daraja requests for %u s "
		         "after %u failures", daraja_breaker_state_name(from),
		         daraja_breaker_state_name(to), d->c.breaker_open_s,
		         d->breaker.failures);
	else
		log_info(LOG_MOD, "breaker %s -> %s", daraja_breaker_state_name(from),
		         daraja_breaker_state_name(to));
	if (d->on_breaker)
		d->on_breaker(d->hook_user, from, to);
}

struct daraja *daraja_new(const struct daraja_opts *opts, struct pos_err *err)
{
	struct daraja *d = calloc(1, sizeof *d);
	if (!d) {
		pos_err_set(err, POS_E_NOMEM, "daraja", NULL);
		return NULL;
	}
	if (conf_init(&d->c, opts, err) != POS_OK) {
		free(d);
		return NULL;
	}
	if (daraja_basic_auth(d->c.consumer_key, d->c.consumer_secret, d->basic,
	                      sizeof d->basic, err) != POS_OK) {
		conf_release(&d->c);
		free(d);
		return NULL;
	}
	log_secret_add(d->c.consumer_secret);
	log_secret_add(d->c.passkey);
	log_secret_add(d->c.initiator_password);

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    !(d->multi = curl_multi_init())) {
		pos_err_set(err, POS_E_INTERNAL, "daraja", "libcurl could not start");
		crypto_wipe(d->basic, sizeof d->basic);
		conf_release(&d->c);
		free(d);
		return NULL;
	}
	d->before_send = opts->before_send;
	d->on_breaker = opts->on_breaker;
	d->on_result = opts->on_result;
	d->hook_user = opts->hook_user;
	d->now_ms = opts->now_ms;
	d->rng = opts->rng;
	d->seam_user = opts->seam_user;
	d->next_id = 1;
	daraja_breaker_init(&d->breaker, d->c.breaker_failures,
	                    (int64_t)d->c.breaker_open_s * 1000, breaker_changed, d);
	return d;
}

static void req_free(struct req *r)
{
	if (r->easy)
		curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	buf_release(&r->resp);
	if (r->body) {
		crypto_wipe(r->body, strlen(r->body));
		free(r->body);
	}
	daraja_result_release(&r->res);
	crypto_wipe(r->token_used, sizeof r->token_used);
	free(r);
}

static void unlink_req(struct daraja *d, struct req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		d->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		d->tail = r->prev;
	r->prev = r->next = NULL;
}

void daraja_free(struct daraja *d)
{
	if (!d)
		return;
	struct req *r = d->head;
	while (r) {
		struct req *next = r->next;
		if (r->state == RQ_IN_FLIGHT && r->easy)
			curl_multi_remove_handle(d->multi, r->easy);
		req_free(r);
		r = next;
	}
	curl_multi_cleanup(d->multi);
	curl_global_cleanup();
	crypto_wipe(d->basic, sizeof d->basic);
	crypto_wipe(d->credential, sizeof d->credential);
	crypto_wipe(&d->token, sizeof d->token);
	conf_release(&d->c);
	free(d);
}

unsigned daraja_outstanding(const struct daraja *d)
{
	return d->outstanding;
}

enum daraja_breaker_state daraja_breaker_state(struct daraja *d)
{
	return daraja_breaker_peek(&d->breaker, now_of(d));
}

void daraja_wakeup(struct daraja *d)
{
	curl_multi_wakeup(d->multi);
}

/* ---- completing ---------------------------------------------------------------------- */

static void start_pending(struct daraja *d, struct req *r);
static void oauth_finished(struct daraja *d, struct req *r);

/* r is done: its callback runs from the next delivery in daraja_perform(). */
static void finish(struct daraja *d, struct req *r, enum daraja_class cls)
{
	r->state = RQ_DONE;
	r->res.cls = cls;
	r->res.elapsed_ms = clock_mono_ms() - r->t_start;
	r->done_tick = d->tick;
	if (r->easy) {
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
	}
	if (r->api == DARAJA_API_OAUTH)
		oauth_finished(d, r);
}

/* Complete r without an answer from Daraja (a local refusal). */
static void finish_local(struct daraja *d, struct req *r, enum daraja_class cls,
                         const struct pos_err *why)
{
	r->res.code[0] = '\0';
	r->res.err = *why;
	finish(d, r, cls);
}

/* A token arrived (ok) or the refresh failed: send, or fail, every request
 * that waited for it. A request that waited was never sent, so whatever
 * became of the sign-in, its own class says "not sent". */
static void release_waiters(struct daraja *d, const struct req *oauth, bool ok)
{
	for (struct req *w = d->head; w; w = w->next) {
		if (w->state != RQ_WAIT_TOKEN)
			continue;
		if (ok) {
			w->state = RQ_NEW;
			start_pending(d, w);
			continue;
		}
		enum daraja_class cls = oauth->res.cls;
		if (cls != DARAJA_REFUSED && cls != DARAJA_BREAKER_OPEN &&
		    cls != DARAJA_THROTTLED_LOCAL)
			cls = DARAJA_UNREACHABLE;
		w->res.http_status = oauth->res.http_status;
		str_copy(w->res.code, sizeof w->res.code, oauth->res.code);
		str_copy(w->res.daraja_message, sizeof w->res.daraja_message,
		         oauth->res.daraja_message);
		w->res.err = oauth->res.err;
		finish(d, w, cls);
	}
}

static void oauth_finished(struct daraja *d, struct req *r)
{
	bool ok = r->res.cls == DARAJA_OK;
	if (d->refresh == r)
		d->refresh = NULL;
	else if (!ok)
		return; /* an explicit daraja_oauth() failed; the refresh goes on */
	release_waiters(d, r, ok);
}

/* ---- sending --------------------------------------------------------------------------- */

static size_t on_write(char *data, size_t size, size_t n, void *user)
{
	struct req *r = user;
	size_t len = size * n;
	if (buf_append(&r->resp, data, len) != POS_OK) {
		r->too_large = true;
		return 0; /* curl aborts the transfer: CURLE_WRITE_ERROR */
	}
	return len;
}

static struct req *req_new(struct daraja *d, enum daraja_api api,
                           daraja_done_fn cb, void *user)
{
	struct req *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->id = d->next_id++;
	r->api = api;
	r->cb = cb;
	r->user = user;
	r->t_start = clock_mono_ms();
	r->res.id = r->id;
	r->res.api = api;
	buf_init(&r->resp, d->c.max_response_bytes);
	daraja_api_path(&d->c, api, r->path, sizeof r->path);
	r->prev = d->tail;
	if (d->tail)
		d->tail->next = r;
	else
		d->head = r;
	d->tail = r;
	d->outstanding++;
	return r;
}

static enum pos_status setup_easy(struct daraja *d, struct req *r,
                                  struct pos_err *err)
{
	char url[DARAJA_URL_MAX + DARAJA_PATH_MAX];
	char auth[AUTH_HEADER_MAX + 32];
	const struct daraja_conf *c = &d->c;

	if (!r->easy)
		r->easy = curl_easy_init();
	else
		curl_easy_reset(r->easy);
	curl_slist_free_all(r->headers);
	r->headers = NULL;
	if (!r->easy)
		return pos_err_set(err, POS_E_NOMEM, "daraja", "libcurl: out of memory");

	str_fmt(url, sizeof url, "%s%s", c->base_url, r->path);
	if (r->api == DARAJA_API_OAUTH) {
		str_fmt(auth, sizeof auth, "Authorization: %s", d->basic);
		r->token_used[0] = '\0';
	} else {
		str_fmt(auth, sizeof auth, "Authorization: Bearer %s", d->token.token);
		str_copy(r->token_used, sizeof r->token_used, d->token.token);
	}
	const char *lines[] = {"Accept: application/json", auth, "Expect:",
	                       r->body ? "Content-Type: application/json" : NULL};
	struct curl_slist *h = NULL;
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		if (!lines[i])
			continue;
		struct curl_slist *t = curl_slist_append(h, lines[i]);
		if (!t) {
			curl_slist_free_all(h);
			crypto_wipe(auth, sizeof auth);
			return pos_err_set(err, POS_E_NOMEM, "daraja", "libcurl: out of memory");
		}
		h = t;
	}
	crypto_wipe(auth, sizeof auth); /* curl keeps its own copy */
	r->headers = h;

	CURL *e = r->easy;
	CURLcode rc = CURLE_OK;
#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val); } while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_HTTPHEADER, r->headers);
	SET(CURLOPT_USERAGENT, c->user_agent);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_TIMEOUT_MS, (long)c->timeout_s * 1000L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_s * 1000L);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_bundle)
		SET(CURLOPT_CAINFO, c->ca_bundle);
	/* libcurl resends a request on its own when a REUSED connection dies
	 * before an answer ("Connection died, retrying a fresh connect"): for a
	 * request that moves money that would be a second payment. A fresh
	 * connection is never retried that way, so money never rides a reused
	 * one (one extra handshake per payment). It is closed after its answer
	 * too, so payments never pile idle connections up in curl's cache (they
	 * would hold a server's worker threads until its keep-alive timeout). */
	if (daraja_api_moves_money(r->api)) {
		SET(CURLOPT_FRESH_CONNECT, 1L);
		SET(CURLOPT_FORBID_REUSE, 1L);
	}
	SET(CURLOPT_WRITEFUNCTION, on_write);
	SET(CURLOPT_WRITEDATA, (void *)r);
	SET(CURLOPT_PRIVATE, (void *)r);
	if (r->body) {
		SET(CURLOPT_POST, 1L);
		SET(CURLOPT_POSTFIELDSIZE, (long)strlen(r->body));
		SET(CURLOPT_POSTFIELDS, r->body);
	} else {
		SET(CURLOPT_HTTPGET, 1L);
	}
#undef SET
	if (rc != CURLE_OK)
		return pos_err_set(err, POS_E_INTERNAL, "daraja", "libcurl: %s",
		                   curl_easy_strerror(rc));
	return POS_OK;
}

/* One attempt: ask the breaker and the rate limit, then hand it to curl. */
static void send_attempt(struct daraja *d, struct req *r)
{
	int64_t now = now_of(d);
	struct pos_err why;
	bool probe = false;

	pos_err_clear(&why);
	if (!daraja_breaker_allow(&d->breaker, now, &probe)) {
		int64_t wait = daraja_breaker_wait_ms(&d->breaker, now);
		pos_err_set(&why, POS_E_BREAKER, daraja_api_label(r->api),
		            "Daraja failed %u times in a row; requests are paused "
		            "for about %lld s more; nothing was sent",
		            d->c.breaker_failures, (long long)((wait + 999) / 1000));
		pos_err_hint(&why, "check the internet connection; requests resume "
		                   "by themselves");
		finish_local(d, r, DARAJA_BREAKER_OPEN, &why);
		return;
	}
	if (d->before_send) {
		enum pos_status st = d->before_send(d->hook_user, r->api, &why);
		if (st != POS_OK) {
			if (probe)
				daraja_breaker_cancel_probe(&d->breaker);
			if (why.code == POS_OK)
				pos_err_set(&why, st, NULL, "too many requests to Daraja "
				            "from this shop: wait a moment and try again");
			if (!why.field[0])
				str_copy(why.field, sizeof why.field, daraja_api_label(r->api));
			log_info(LOG_MOD, "%s %s not sent: local rate limit",
			         r->body ? "POST" : "GET", r->path);
			finish_local(d, r, DARAJA_THROTTLED_LOCAL, &why);
			return;
		}
	}
	r->probe = probe;
	r->too_large = false;
	buf_reset(&r->resp);
	if (setup_easy(d, r, &why) != POS_OK ||
	    curl_multi_add_handle(d->multi, r->easy) != CURLM_OK) {
		if (probe)
			daraja_breaker_cancel_probe(&d->breaker);
		if (why.code == POS_OK)
			pos_err_set(&why, POS_E_INTERNAL, "daraja",
			            "libcurl refused the transfer");
		finish_local(d, r, DARAJA_UNREACHABLE, &why);
		return;
	}
	r->state = RQ_IN_FLIGHT;
	r->res.attempts++;
	r->t_sent = clock_mono_ms();
	if (r->body)
		log_debug(LOG_MOD, "%s %s body %s", daraja_api_name(r->api), r->path,
		          r->body);
}

/* Start the one OAuth refresh, unless it is already running. */
static void ensure_refresh(struct daraja *d)
{
	if (d->refresh)
		return;
	struct req *r = req_new(d, DARAJA_API_OAUTH, NULL, NULL);
	if (!r) {
		struct pos_err e;
		pos_err_set(&e, POS_E_NOMEM, "Daraja sign-in", NULL);
		for (struct req *w = d->head; w; w = w->next) {
			if (w->state == RQ_WAIT_TOKEN) {
				w->res.err = e;
				finish(d, w, DARAJA_UNREACHABLE);
			}
		}
		return;
	}
	r->internal = true; /* not one of the caller's requests */
	d->outstanding--;
	d->refresh = r;
	send_attempt(d, r);
}

/* Move a NEW request on: wait for a token, or send. */
static void start_pending(struct daraja *d, struct req *r)
{
	if (r->api != DARAJA_API_OAUTH && !daraja_token_fresh(&d->token, now_of(d))) {
		r->state = RQ_WAIT_TOKEN;
		ensure_refresh(d);
		return;
	}
	send_attempt(d, r);
}

/* ---- reading answers ------------------------------------------------------------------------ */

/* What one HTTP answer said, in the terms retry.c classifies. */
struct answer {
	bool parsed;                          /* a 2xx with the expected shape */
	bool has_response_code;
	char response_code[DARAJA_CODE_MAX];
	char error_code[DARAJA_CODE_MAX];     /* an envelope's errorCode */
	char error_message[DARAJA_TEXT_MAX];
	struct daraja_pull_answer page;       /* Pull query: this page */
};

/* "400.002.02", "500.001.1001": an envelope code, not "HTTP 503" or "1". */
static bool dotted_code(const char *code)
{
	return code[0] >= '0' && code[0] <= '9' && strchr(code, '.') != NULL;
}

static void from_refusal(struct answer *ans, const struct daraja_api_error *e,
                         long http)
{
	if (dotted_code(e->code)) {
		str_copy(ans->error_code, sizeof ans->error_code, e->code);
		str_copy(ans->error_message, sizeof ans->error_message, e->message);
	} else if (e->cls == DARAJA_APIERR_REJECTED && http >= 200 && http < 300 &&
	           e->code[0]) {
		/* A 200 whose ResponseCode is not success. */
		ans->parsed = true;
		ans->has_response_code = true;
		str_copy(ans->response_code, sizeof ans->response_code, e->code);
		str_copy(ans->error_message, sizeof ans->error_message, e->message);
	}
	/* "HTTP 503" with a body that is not JSON: the status says it all. */
}

/*
 * Pull register answers {"ResponseRefID", "ResponseStatus" (or
 * "ResponseCode"), "ShortCode", "ResponseDescription"}; response.h has no
 * parser for it yet, so it is read here, as strictly, into the C2B register
 * shape (ResponseRefID in originator_conversation_id). Envelopes and non-2xx
 * answers go through response.h.
 */
static enum pos_status pull_register_parse(long http, const char *body, size_t len,
                                           struct daraja_c2b_register_answer *out,
                                           struct pos_err *err)
{
	struct dj_doc doc;
	const cJSON *v = NULL;
	enum pos_status st;
	bool numeric;
	int64_t value;

	memset(out, 0, sizeof *out);
	out->error.http_status = http;
	if (http < 200 || http > 299)
		return daraja_c2b_register_answer_parse(http, body, len, out, err);
	st = dj_parse(&doc, "Pull registration answer", body, len, DARAJA_RESPONSE_MAX, err);
	if (st != POS_OK)
		return st;
	if (!cJSON_IsObject(doc.root)) {
		st = pos_err_set(err, POS_E_INVALID, "body", "the Pull registration answer "
		                 "is %s; a JSON object is expected", dj_type_name(doc.root));
		goto out;
	}
	if ((st = dj_member(doc.root, "errorCode", true, "", &v, err)) != POS_OK)
		goto out;
	if (v) { /* an error envelope on a 2xx */
		dj_release(&doc);
		return daraja_c2b_register_answer_parse(http, body, len, out, err);
	}
	if ((st = dj_member(doc.root, "ResponseCode", false, "", &v, err)) != POS_OK)
		goto out;
	const char *key = "ResponseCode";
	if (!v) {
		key = "ResponseStatus";
		if ((st = dj_member(doc.root, key, false, "", &v, err)) != POS_OK)
			goto out;
	}
	if ((st = dj_code(&doc, v, key, DJ_REQUIRED, out->response_code.text,
	                  sizeof out->response_code.text, &numeric, &value, NULL, err)) != POS_OK)
		goto out;
	out->response_code.numeric = numeric;
	out->response_code.value = value;
	if ((st = dj_member(doc.root, "ResponseDescription", false, "", &v, err)) != POS_OK ||
	    (st = dj_text(&doc, v, "ResponseDescription", DJ_NUMBER_OK,
	                  out->response_description, sizeof out->response_description,
	                  NULL, err)) != POS_OK ||
	    (st = dj_member(doc.root, "ResponseRefID", false, "", &v, err)) != POS_OK ||
	    (st = dj_text(&doc, v, "ResponseRefID", DJ_NUMBER_OK,
	                  out->originator_conversation_id,
	                  sizeof out->originator_conversation_id, NULL, err)) != POS_OK)
		goto out;
out:
	dj_release(&doc);
	return st;
}

/* Parse r's answer into r->res.as (or, for OAuth, the token cache). */
static void parse_answer(struct daraja *d, struct req *r, long http,
                         struct answer *ans)
{
	const char *body = r->resp.data ? r->resp.data : "";
	size_t len = r->resp.len;
	const struct daraja_api_error *e = NULL;
	const struct daraja_code *code = NULL;
	struct daraja_token_answer tok;
	struct pos_err perr;
	enum pos_status st;

	switch (r->api) {
	case DARAJA_API_OAUTH:
		st = daraja_token_answer_parse(http, body, len, &tok, &perr);
		e = &tok.error;
		if (st == POS_OK &&
		    daraja_token_store(&d->token, tok.access_token, tok.expires_in_s,
		                       now_of(d), &perr) != POS_OK)
			st = POS_E_PARSE;
		crypto_wipe(tok.access_token, sizeof tok.access_token);
		break;
	case DARAJA_API_STK_PUSH:
		st = daraja_stk_push_answer_parse(http, body, len, &r->res.as.stk_push, &perr);
		e = &r->res.as.stk_push.error;
		code = &r->res.as.stk_push.response_code;
		break;
	case DARAJA_API_STK_QUERY:
		st = daraja_stk_query_answer_parse(http, body, len, &r->res.as.stk_query, &perr);
		e = &r->res.as.stk_query.error;
		code = &r->res.as.stk_query.response_code;
		if (st == POS_OK && r->res.as.stk_query.pending) {
			/* Daraja's "still processing" envelope: PENDING in retry.c. */
			str_copy(ans->error_code, sizeof ans->error_code, e->code);
			str_copy(ans->error_message, sizeof ans->error_message, e->message);
			return;
		}
		break;
	case DARAJA_API_B2C:
	case DARAJA_API_TXN_STATUS:
	case DARAJA_API_BALANCE:
	case DARAJA_API_REVERSAL:
		st = daraja_async_answer_parse(http, body, len, &r->res.as.ack, &perr);
		e = &r->res.as.ack.error;
		code = &r->res.as.ack.response_code;
		break;
	case DARAJA_API_C2B_REGISTER:
	case DARAJA_API_C2B_SIMULATE:
		st = daraja_c2b_register_answer_parse(http, body, len, &r->res.as.c2b, &perr);
		e = &r->res.as.c2b.error;
		code = &r->res.as.c2b.response_code;
		break;
	case DARAJA_API_PULL_REGISTER:
		/* "1000" is success; retry.c knows Pull's codes. */
		st = pull_register_parse(http, body, len, &r->res.as.c2b, &perr);
		e = &r->res.as.c2b.error;
		code = &r->res.as.c2b.response_code;
		break;
	case DARAJA_API_QR:
		st = daraja_qr_answer_parse(http, body, len, &r->res.as.qr, &perr);
		e = &r->res.as.qr.error;
		code = &r->res.as.qr.response_code;
		break;
	case DARAJA_API_PULL_QUERY:
		st = daraja_pull_answer_parse(http, body, len, &ans->page, &perr);
		e = &ans->page.error;
		code = &ans->page.response_code;
		break;
	default:
		return;
	}
	if (st == POS_OK) {
		ans->parsed = true;
		if (code) {
			ans->has_response_code = true;
			str_copy(ans->response_code, sizeof ans->response_code, code->text);
		}
	} else if (st == POS_E_DARAJA || st == POS_E_THROTTLED) {
		from_refusal(ans, e, http);
	} else if (http >= 200 && http < 300) {
		log_warn(LOG_MOD, "%s: unreadable answer: %s: %s", daraja_api_name(r->api),
		         perr.field, perr.msg);
	}
}

/* ---- finishing an attempt ------------------------------------------------------------------- */

static void log_attempt(const struct req *r, const struct daraja_attempt *a,
                        const struct daraja_verdict *v, int64_t ms)
{
	log_info(LOG_MOD, "%s %s -> HTTP %ld code %s %lld ms (%s, attempt %u)",
	         r->body ? "POST" : "GET", r->path, a->http_status,
	         r->res.code[0] ? r->res.code : "-", (long long)ms,
	         daraja_class_name(v->outcome), r->res.attempts);
}

static void fill_code(struct req *r, const struct daraja_attempt *a)
{
	struct daraja_result *res = &r->res;
	if (a->error_code)
		str_copy(res->code, sizeof res->code, a->error_code);
	else if (a->curl_code)
		str_fmt(res->code, sizeof res->code, "curl:%d", a->curl_code);
	else if (a->response_code)
		str_copy(res->code, sizeof res->code, a->response_code);
	else if (a->http_status)
		str_fmt(res->code, sizeof res->code, "http:%ld", a->http_status);
	else
		res->code[0] = '\0';
	str_copy(res->daraja_message, sizeof res->daraja_message,
	         a->error_message ? a->error_message : "");
}

/* Records of the walk so far, keyed by transactionId: a page that repeats
 * rows (if OffSetValue counts rows, not pages) adds only the new ones. */
static bool pull_seen(const struct daraja_pull *p, const char *id)
{
	for (size_t i = 0; i < p->n_records; i++)
		if (strcmp(p->records[i].transaction_id, id) == 0)
			return true;
	return false;
}

/* Add a page's records; returns how many were new, or -1 without memory. */
static long pull_add(struct daraja_pull *p, const struct daraja_pull_answer *page)
{
	long added = 0;
	if (page->n_records == 0)
		return 0;
	struct daraja_pull_record *grown =
		realloc(p->records, (p->n_records + page->n_records) * sizeof *grown);
	if (!grown)
		return -1;
	p->records = grown;
	for (size_t i = 0; i < page->n_records; i++) {
		if (pull_seen(p, page->records[i].transaction_id))
			continue;
		p->records[p->n_records++] = page->records[i];
		added++;
	}
	return added;
}

/*
 * What OffSetValue counts is not documented (daraja-api.md 13): pages or
 * rows. The walk finds out: after the first page it asks for OffSetValue 1;
 * if that page starts with the first page's second record, it counts rows
 * (the next offset is the number of records so far), otherwise pages. Either
 * way no record is skipped, and repeats are dropped by transactionId.
 */
static unsigned pull_next_offset(struct req *r, const struct daraja_pull_answer *page)
{
	const struct daraja_pull *p = &r->res.as.pull;
	if (p->pages == 1) {
		if (page->n_records >= 2)
			str_copy(r->pull_second, sizeof r->pull_second,
			         page->records[1].transaction_id);
		return 1;
	}
	if (r->pull_mode == PULL_UNKNOWN) {
		bool rows = r->pull_second[0] && page->n_records > 0 &&
		            strcmp(page->records[0].transaction_id, r->pull_second) == 0;
		r->pull_mode = rows ? PULL_BY_ROW : PULL_BY_PAGE;
		log_info(LOG_MOD, "pull_query: OffSetValue counts %s",
		         rows ? "rows" : "pages");
	}
	return r->pull_mode == PULL_BY_ROW ? (unsigned)p->n_records : p->pages;
}

/* A Pull page came back: keep its records and ask for the next one, or
 * finish the walk (empty page, 1001, nothing new, or the page cap). */
static void pull_page_done(struct daraja *d, struct req *r, struct answer *ans)
{
	struct daraja_pull *p = &r->res.as.pull;
	struct pos_err e;
	p->pages++;
	str_copy(p->response_code, sizeof p->response_code, ans->response_code);
	if (p->pages == 1 && ans->page.no_records)
		p->none = true;
	long added = pull_add(p, &ans->page);
	unsigned offset = added > 0 ? pull_next_offset(r, &ans->page) : 0;
	bool last = ans->page.no_records || added == 0;
	daraja_pull_answer_release(&ans->page);
	if (added < 0) {
		pos_err_set(&r->res.err, POS_E_NOMEM, daraja_api_label(r->api), NULL);
		finish(d, r, DARAJA_UNKNOWN);
		return;
	}
	if (last) {
		finish(d, r, DARAJA_OK);
		return;
	}
	if (p->pages >= d->c.pull_max_pages) {
		p->truncated = true;
		log_warn(LOG_MOD, "pull_query: stopped after %u pages ([daraja] "
		         "pull_max_pages); more records may exist", p->pages);
		finish(d, r, DARAJA_OK);
		return;
	}
	struct daraja_pull_query_req q = {.shortcode = r->pull_shortcode,
	                                  .start = r->pull_start, .end = r->pull_end};
	char *json = NULL;
	if (daraja_build_pull_query(&d->c, &q, offset, &json, &e) != POS_OK) {
		r->res.err = e;
		finish(d, r, DARAJA_REFUSED);
		return;
	}
	free(r->body);
	r->body = json;
	r->retries = 0;
	r->state = RQ_NEW;
	start_pending(d, r);
}

static void attempt_done(struct daraja *d, struct req *r, CURLcode rc)
{
	struct answer ans;
	struct daraja_attempt a = {.api = r->api, .curl_code = (int)rc};
	struct daraja_verdict v;
	long status = 0, sent = 0;
	int64_t ms = clock_mono_ms() - r->t_sent;

	curl_multi_remove_handle(d->multi, r->easy);
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(r->easy, CURLINFO_REQUEST_SIZE, &sent);
	memset(&ans, 0, sizeof ans);
	a.http_status = status;
	a.too_large = r->too_large;
	a.nothing_sent = rc != CURLE_OK && sent == 0;
	if (a.too_large)
		a.curl_code = 0; /* Daraja answered; we refused to read it all */
	else if (rc == CURLE_OK)
		parse_answer(d, r, status, &ans);
	crypto_wipe(r->resp.data, r->resp.len);
	a.answer_parsed = ans.parsed;
	a.error_code = ans.error_code[0] ? ans.error_code : NULL;
	a.error_message = ans.error_message[0] ? ans.error_message : NULL;
	a.response_code = ans.has_response_code ? ans.response_code : NULL;

	daraja_classify(&a, &v);
	daraja_breaker_record(&d->breaker, now_of(d), v.breaker_failure, r->probe);
	r->probe = false;
	r->res.http_status = status;
	fill_code(r, &a);
	log_attempt(r, &a, &v, ms);

	if (v.refresh_token && !r->token_retried) {
		r->token_retried = true;
		daraja_token_invalidate(&d->token, r->token_used);
		r->state = RQ_NEW;
		start_pending(d, r);
		return;
	}
	if (v.outcome == DARAJA_RETRYABLE && !v.refresh_token &&
	    r->retries < d->c.max_retries) {
		int64_t wait = daraja_backoff_ms(r->retries, d->c.backoff_base_ms,
		                                 d->c.backoff_cap_ms, random64(d));
		r->retries++;
		r->state = RQ_BACKOFF;
		r->due = now_of(d) + wait;
		log_info(LOG_MOD, "%s: sending again in %lld ms (retry %u of %u)",
		         daraja_api_name(r->api), (long long)wait, r->retries,
		         d->c.max_retries);
		daraja_pull_answer_release(&ans.page);
		return;
	}
	enum daraja_class cls = v.outcome == DARAJA_RETRYABLE ? v.final : v.outcome;
	daraja_explain(&a, cls, cls == DARAJA_OK ? POS_OK : v.status, &r->res.err);
	if (r->api == DARAJA_API_PULL_QUERY && cls == DARAJA_OK) {
		pull_page_done(d, r, &ans);
		return;
	}
	daraja_pull_answer_release(&ans.page);
	finish(d, r, cls);
}

/* ---- the loop -------------------------------------------------------------------------------- */

int daraja_timeout_ms(struct daraja *d)
{
	int64_t t = -1;
	int64_t now = now_of(d);
	for (struct req *r = d->head; r; r = r->next) {
		if (r->state == RQ_DONE)
			return 0;
		if (r->state == RQ_BACKOFF) {
			int64_t left = r->due > now ? r->due - now : 0;
			if (t < 0 || left < t)
				t = left;
		}
	}
	long ct = -1;
	if (curl_multi_timeout(d->multi, &ct) == CURLM_OK && ct >= 0 &&
	    (t < 0 || ct < t))
		t = ct;
	return t > INT_MAX ? INT_MAX : (int)t;
}

int daraja_poll(struct daraja *d, struct daraja_extra_fd *extra, unsigned n,
                int timeout_ms)
{
	struct curl_waitfd w[POLL_EXTRA_MAX];
	if (n > POLL_EXTRA_MAX || (n && !extra))
		return -1;
	for (unsigned i = 0; i < n; i++) {
		w[i].fd = extra[i].fd;
		w[i].events = extra[i].events;
		w[i].revents = 0;
	}
	int t = daraja_timeout_ms(d);
	if (timeout_ms < 0)
		timeout_ms = POLL_IDLE_MS;
	if (t >= 0 && t < timeout_ms)
		timeout_ms = t;
	int numfds = 0;
	if (curl_multi_poll(d->multi, n ? w : NULL, n, timeout_ms, &numfds) != CURLM_OK)
		return -1;
	int ready = 0;
	for (unsigned i = 0; i < n; i++) {
		extra[i].revents = w[i].revents;
		if (w[i].revents)
			ready++;
	}
	return ready;
}

unsigned daraja_perform(struct daraja *d)
{
	int running = 0;
	CURLMsg *m;
	int left;

	curl_multi_perform(d->multi, &running);
	while ((m = curl_multi_info_read(d->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		char *p = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &p);
		if (p)
			attempt_done(d, (struct req *)(void *)p, m->data.result);
	}
	int64_t now = now_of(d);
	for (struct req *r = d->head; r; r = r->next) {
		if (r->state == RQ_BACKOFF && r->due <= now) {
			r->state = RQ_NEW;
			start_pending(d, r);
		}
	}
	/* Deliver what finished before this point; what callbacks start (and
	 * what finishes at once, like a breaker refusal) waits for the next
	 * call, so a callback that retries at once cannot spin here. */
	uint64_t cutoff = d->tick++;
	for (;;) {
		struct req *r = d->head;
		while (r && !(r->state == RQ_DONE && r->done_tick <= cutoff))
			r = r->next;
		if (!r)
			break;
		unlink_req(d, r);
		if (!r->internal)
			d->outstanding--;
		if (d->on_result)
			d->on_result(d->hook_user, &r->res);
		if (r->cb && !r->internal)
			r->cb(r->user, &r->res);
		req_free(r);
	}
	/* No curl_multi_perform() after the messages are read: a transfer it
	 * finished would sit unread while the next poll sleeps. Transfers added
	 * above make curl_multi_timeout() 0, so the next poll returns at once. */
	return d->outstanding;
}

/* ---- starting requests --------------------------------------------------------------------------- */

static enum pos_status start(struct daraja *d, enum daraja_api api, char *json,
                             daraja_done_fn cb, void *user, uint64_t *id,
                             struct pos_err *err, struct req **out)
{
	struct req *r = req_new(d, api, cb, user);
	if (!r) {
		free(json);
		return pos_err_set(err, POS_E_NOMEM, daraja_api_label(api), NULL);
	}
	r->body = json;
	if (id)
		*id = r->id;
	if (out)
		*out = r;
	pos_err_clear(err);
	log_debug(LOG_MOD, "%s: request %llu started", daraja_api_name(api),
	          (unsigned long long)r->id);
	start_pending(d, r);
	return POS_OK;
}

static enum pos_status ensure_credential(struct daraja *d, struct pos_err *err)
{
	if (d->have_credential)
		return POS_OK;
	enum pos_status st = daraja_security_credential(
		d->c.cert_path, d->c.initiator_password, d->credential,
		sizeof d->credential, err);
	if (st != POS_OK)
		return st;
	log_secret_add(d->credential);
	d->have_credential = true;
	return POS_OK;
}

enum pos_status daraja_stk_push(struct daraja *d, const struct daraja_stk_push_req *req,
                                daraja_done_fn cb, void *user, uint64_t *id,
                                struct pos_err *err)
{
	char *json;
	enum pos_status st = daraja_build_stk_push(&d->c, req, clock_now(), &json, err);
	return st != POS_OK ? st : start(d, DARAJA_API_STK_PUSH, json, cb, user, id, err, NULL);
}

enum pos_status daraja_stk_query(struct daraja *d, const struct daraja_stk_query_req *req,
                                 daraja_done_fn cb, void *user, uint64_t *id,
                                 struct pos_err *err)
{
	char *json;
	enum pos_status st = daraja_build_stk_query(&d->c, req, clock_now(), &json, err);
	return st != POS_OK ? st : start(d, DARAJA_API_STK_QUERY, json, cb, user, id, err, NULL);
}

enum pos_status daraja_b2c(struct daraja *d, const struct daraja_b2c_req *req,
                           daraja_done_fn cb, void *user, uint64_t *id,
                           struct pos_err *err)
{
	char *json;
	enum pos_status st;
	if ((st = daraja_check_b2c(&d->c, req, err)) != POS_OK ||
	    (st = ensure_credential(d, err)) != POS_OK ||
	    (st = daraja_build_b2c(&d->c, req, d->credential, &json, err)) != POS_OK)
		return st;
	return start(d, DARAJA_API_B2C, json, cb, user, id, err, NULL);
}

enum pos_status daraja_txn_status(struct daraja *d, const struct daraja_status_req *req,
                                  daraja_done_fn cb, void *user, uint64_t *id,
                                  struct pos_err *err)
{
	char *json;
	enum pos_status st;
	if ((st = daraja_check_txn_status(&d->c, req, err)) != POS_OK ||
	    (st = ensure_credential(d, err)) != POS_OK ||
	    (st = daraja_build_txn_status(&d->c, req, d->credential, &json, err)) != POS_OK)
		return st;
	return start(d, DARAJA_API_TXN_STATUS, json, cb, user, id, err, NULL);
}

enum pos_status daraja_balance(struct daraja *d, const struct daraja_balance_req *req,
                               daraja_done_fn cb, void *user, uint64_t *id,
                               struct pos_err *err)
{
	char *json;
	enum pos_status st;
	if ((st = daraja_check_balance(&d->c, req, err)) != POS_OK ||
	    (st = ensure_credential(d, err)) != POS_OK ||
	    (st = daraja_build_balance(&d->c, req, d->credential, &json, err)) != POS_OK)
		return st;
	return start(d, DARAJA_API_BALANCE, json, cb, user, id, err, NULL);
}

enum pos_status daraja_reversal(struct daraja *d, const struct daraja_reversal_req *req,
                                daraja_done_fn cb, void *user, uint64_t *id,
                                struct pos_err *err)
{
	char *json;
	enum pos_status st;
	if ((st = daraja_check_reversal(&d->c, req, err)) != POS_OK ||
	    (st = ensure_credential(d, err)) != POS_OK ||
	    (st = daraja_build_reversal(&d->c, req, d->credential, &json, err)) != POS_OK)
		return st;
	return start(d, DARAJA_API_REVERSAL, json, cb, user, id, err, NULL);
}

enum pos_status daraja_c2b_register(struct daraja *d, const struct daraja_c2b_register_req *req,
                                    daraja_done_fn cb, void *user, uint64_t *id,
                                    struct pos_err *err)
{
	char *json;
	enum pos_status st = daraja_build_c2b_register(&d->c, req, &json, err);
	return st != POS_OK ? st : start(d, DARAJA_API_C2B_REGISTER, json, cb, user, id, err, NULL);
}

enum pos_status daraja_c2b_simulate(struct daraja *d, const struct daraja_c2b_simulate_req *req,
                                    daraja_done_fn cb, void *user, uint64_t *id,
                                    struct pos_err *err)
{
	char *json;
	enum pos_status st = daraja_build_c2b_simulate(&d->c, req, &json, err);
	return st != POS_OK ? st : start(d, DARAJA_API_C2B_SIMULATE, json, cb, user, id, err, NULL);
}

enum pos_status daraja_pull_register(struct daraja *d, const struct daraja_pull_register_req *req,
                                     daraja_done_fn cb, void *user, uint64_t *id,
                                     struct pos_err *err)
{
	char *json;
	enum pos_status st = daraja_build_pull_register(&d->c, req, &json, err);
	return st != POS_OK ? st : start(d, DARAJA_API_PULL_REGISTER, json, cb, user, id, err, NULL);
}

enum pos_status daraja_pull_query(struct daraja *d, const struct daraja_pull_query_req *req,
                                  daraja_done_fn cb, void *user, uint64_t *id,
                                  struct pos_err *err)
{
	char *json;
	struct req *r = NULL;
	enum pos_status st = daraja_build_pull_query(&d->c, req, 0, &json, err);
	if (st != POS_OK)
		return st;
	/* The builder checked the shortcode (at most 7 digits). */
	const char *sc = req->shortcode && *req->shortcode ? req->shortcode
	                                                   : d->c.business_shortcode;
	char shortcode[sizeof r->pull_shortcode];
	str_copy(shortcode, sizeof shortcode, sc);
	/* Set the walk's state before the first send: start() may send at once. */
	r = req_new(d, DARAJA_API_PULL_QUERY, cb, user);
	if (!r) {
		free(json);
		return pos_err_set(err, POS_E_NOMEM, daraja_api_label(DARAJA_API_PULL_QUERY), NULL);
	}
	str_copy(r->pull_shortcode, sizeof r->pull_shortcode, shortcode);
	r->pull_start = req->start;
	r->pull_end = req->end;
	r->body = json;
	if (id)
		*id = r->id;
	pos_err_clear(err);
	start_pending(d, r);
	return POS_OK;
}

enum pos_status daraja_qr(struct daraja *d, const struct daraja_qr_req *req,
                          daraja_done_fn cb, void *user, uint64_t *id,
                          struct pos_err *err)
{
	char *json;
	enum pos_status st = daraja_build_qr(&d->c, req, &json, err);
	return st != POS_OK ? st : start(d, DARAJA_API_QR, json, cb, user, id, err, NULL);
}

enum pos_status daraja_oauth(struct daraja *d, daraja_done_fn cb, void *user,
                             uint64_t *id, struct pos_err *err)
{
	return start(d, DARAJA_API_OAUTH, NULL, cb, user, id, err, NULL);
}

/* ---- blocking wrappers ----------------------------------------------------------------------------- */

struct waiter {
	bool done;
	struct daraja_result *out;
};

static void waiter_done(void *user, struct daraja_result *res)
{
	struct waiter *w = user;
	daraja_result_move(w->out, res);
	w->done = true;
}

static void waiter_init(struct waiter *w, struct daraja_result *out,
                        enum daraja_api api)
{
	memset(out, 0, sizeof *out);
	out->api = api;
	w->done = false;
	w->out = out;
}

/* Run the loop until w's request completes (st: what its start returned). */
static enum daraja_class wait_for(struct daraja *d, struct waiter *w,
                                  enum pos_status st, const struct pos_err *e)
{
	if (st != POS_OK) {
		w->out->cls = DARAJA_REFUSED;
		w->out->err = *e;
		return DARAJA_REFUSED;
	}
	while (!w->done) {
		daraja_poll(d, NULL, 0, 1000);
		daraja_perform(d);
	}
	return w->out->cls;
}

#define WAIT_BODY(api, call)                                                   \
	struct waiter w;                                                           \
	struct pos_err e;                                                          \
	waiter_init(&w, out, api);                                                 \
	return wait_for(d, &w, call, &e)

enum daraja_class daraja_stk_push_wait(struct daraja *d, const struct daraja_stk_push_req *req, struct daraja_result *out)
{
	WAIT_BODY(DARAJA_API_STK_PUSH, daraja_stk_push(d, req, waiter_done, &w, NULL, &e));
}

enum daraja_class daraja_stk_query_wait(struct daraja *d, const struct daraja_stk_query_req *req, struct daraja_result *out)
{
	WAIT_BODY(DARAJA_API_STK_QUERY, daraja_stk_query(d, req, waiter_done, &w, NULL, &e));
}

enum daraja_class daraja_b2c_wait(struct daraja *d, const struct daraja_b2c_req *req, struct daraja_result *out)
{
	WAIT_BODY(DARAJA_API_B2C, daraja_b2c(d, req, waiter_done, &w, NULL, &e));
}

enum daraja_class daraja_txn_status_wait(struct daraja *d, const struct daraja_status_req *req, struct daraja_result *out)
{
	WAIT_BODY(DARAJA_API_TXN_STATUS, daraja_txn_status(d, req, waiter_done, &w, NULL, &e));
}

enum daraja_class daraja_balance_wait(struct daraja *d, const struct daraja_balance_req *req, struct daraja_result *out)
{
	WAIT_BODY(DARAJA_API_BALANCE, daraja_balance(d, req, waiter_done, &w, NULL, &e));
}

enum daraja_class daraja_reversal_wait(struct daraja *d, const struct daraja_reversal_req *req, struct daraja_result *out)
{
	WAIT_BODY(DARAJA_API_REVERSAL, daraja_reversal(d, req, waiter_done, &w, NULL, &e));
}

enum daraja_class daraja_c2b_register_wait(struct daraja *d, const struct daraja_c2b_register_req *req, struct daraja_result *out)
{
	WAIT_BODY(DARAJA_API_C2B_REGISTER, daraja_c2b_register(d, req, waiter_done, &w, NULL, &e));
}

enum daraja_class daraja_c2b_simulate_wait(struct daraja *d, const struct daraja_c2b_simulate_req *req, struct daraja_result *out)
{
	WAIT_BODY(DARAJA_API_C2B_SIMULATE, daraja_c2b_simulate(d, req, waiter_done, &w, NULL, &e));
}

enum daraja_class daraja_pull_register_wait(struct daraja *d, const struct daraja_pull_register_req *req, struct daraja_result *out)
{
	WAIT_BODY(DARAJA_API_PULL_REGISTER, daraja_pull_register(d, req, waiter_done, &w, NULL, &e));
}

enum daraja_class daraja_pull_query_wait(struct daraja *d, const struct daraja_pull_query_req *req, struct daraja_result *out)
{
	WAIT_BODY(DARAJA_API_PULL_QUERY, daraja_pull_query(d, req, waiter_done, &w, NULL, &e));
}

enum daraja_class daraja_qr_wait(struct daraja *d, const struct daraja_qr_req *req, struct daraja_result *out)
{
	WAIT_BODY(DARAJA_API_QR, daraja_qr(d, req, waiter_done, &w, NULL, &e));
}

enum daraja_class daraja_oauth_wait(struct daraja *d, struct daraja_result *out)
{
	WAIT_BODY(DARAJA_API_OAUTH, daraja_oauth(d, waiter_done, &w, NULL, &e));
}
