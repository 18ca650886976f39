/* app/doctor.c: checks a configuration against the configured Daraja
 * without moving money (app/doctor.h). */
#include "app/doctor.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "app/app_int.h"
#include "app/flow.h"
#include "base/clock.h"
#include "base/str.h"

static const char SANDBOX_URL[] = "https://sandbox.safaricom.co.ke";
static const char PRODUCTION_URL[] = "https://api.safaricom.co.ke";
/* A CheckoutRequestID no push ever had: the STK probe finds nothing. */
static const char PROBE_CHECKOUT[] = "ws_CO_01012000000000000000000000";
/* Words Daraja refuses in callback URLs (daraja-api.md §6.1). */
static const char *const FORBIDDEN[] = {"m-pesa", "mpesa", "safaricom", "exec", "exe",
                                        "cmd", "sql", "query"};
/* Public tunnel hosts: fine for the sandbox, not for a shop. */
static const char *const TUNNELS[] = {"ngrok", "trycloudflare.com", "loca.lt",
                                      "localtunnel", "serveo.net", "localhost.run"};

enum { DAY_MS = 86400000, WARN_DAYS = 14 };

const char *app_verdict_name(enum app_verdict v)
{
	switch (v) {
	case APP_VERDICT_OK:
		return "ok";
	case APP_VERDICT_WARNING:
		return "warning";
	default:
		return "failed";
	}
}

static void check_set(struct app_check *c, const char *name, enum app_verdict v,
                      const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void check_set(struct app_check *c, const char *name, enum app_verdict v,
                      const char *fix, const char *fmt, ...)
{
	va_list ap;
	memset(c, 0, sizeof *c);
	str_copy(c->name, sizeof c->name, name);
	c->verdict = v;
	va_start(ap, fmt);
	vsnprintf(c->what, sizeof c->what, fmt, ap);
	va_end(ap);
	str_copy(c->fix, sizeof c->fix, fix ? fix : "");
}

static struct app_check *next_check(struct app_doctor_report *r)
{
	static struct app_check spare;
	if (r->n >= APP_DOCTOR_MAX)
		return &spare;
	return &r->checks[r->n++];
}

/* ---- the callback URL --------------------------------------------------------- */

static bool host_is_loopback(const char *h)
{
	return str_eq(h, "localhost") || str_starts_with(h, "127.") || str_eq(h, "::1") ||
	       str_eq(h, "[::1]");
}

static bool host_is_private(const char *h)
{
	unsigned a = 0, b = 0;
	if (host_is_loopback(h) || str_eq(h, "0.0.0.0"))
		return true;
	size_t n = strlen(h);
	if ((n > 6 && str_eq(h + n - 6, ".local")) || (n > 9 && str_eq(h + n - 9, ".internal")) ||
	    (n > 4 && str_eq(h + n - 4, ".lan")) || !strchr(h, '.'))
		return true;
	if (sscanf(h, "%u.%u.", &a, &b) == 2)
		return a == 10 || (a == 192 && b == 168) || (a == 172 && b >= 16 && b <= 31) ||
		       (a == 169 && b == 254) || (a == 100 && b >= 64 && b <= 127);
	return false;
}

/* Split "scheme://host[:port]..." into its host (brackets kept off) and port. */
static bool url_host(const char *url, char *host, size_t hostsz, unsigned *port, bool *https)
{
	const char *p = strstr(url, "://");
	if (!p)
		return false;
	*https = (size_t)(p - url) == 5 && strncmp(url, "https", 5) == 0;
	p += 3;
	size_t n;
	const char *after;
	if (*p == '[') {
		n = strcspn(p + 1, "]");
		if (p[1 + n] != ']' || n + 1 > hostsz)
			return false;
		memcpy(host, p + 1, n);
		host[n] = '\0';
		after = p + n + 2;
	} else {
		n = strcspn(p, ":/?#");
		if (n == 0 || n + 1 > hostsz)
			return false;
		memcpy(host, p, n);
		host[n] = '\0';
		after = p + n;
	}
	for (char *h = host; *h; h++)
		*h = (char)tolower((unsigned char)*h);
	*port = *https ? 443 : 80;
	if (*after == ':') {
		uint64_t v = 0;
		const char *q = after + 1;
		if (parse_u64(&q, q + strcspn(q, "/?#"), 65535, &v) != POS_OK)
			return false;
		*port = (unsigned)v;
	}
	return true;
}

enum app_verdict app_doctor_judge_url(const char *url, const char *environment,
                                      bool sim, struct app_check *c)
{
	static const char name[] = "callback_url";
	bool production = environment && str_eq(environment, "production");
	char lower[1024], host[256];
	unsigned port = 0;
	bool https = false;
	if (!url || !url[0]) {
		check_set(c, name, APP_VERDICT_WARNING,
		          "set [listener] public_url to the https address of your reverse proxy "
		          "or tunnel (docs/going-live.md)",
		          "no public callback URL: results are found by polling, and C2B "
		          "payments reach the till only through `mpesa-pos reconcile --c2b`");
		return c->verdict;
	}
	size_t i = 0;
	for (; url[i] && i + 1 < sizeof lower; i++)
		lower[i] = (char)tolower((unsigned char)url[i]);
	lower[i] = '\0';
	for (size_t k = 0; k < sizeof FORBIDDEN / sizeof FORBIDDEN[0]; k++) {
		if (strstr(lower, FORBIDDEN[k])) {
			check_set(c, name, APP_VERDICT_FAILED,
			          "use a host name without words Daraja refuses (mpesa, m-pesa, "
			          "safaricom, exe, exec, cmd, sql, query), e.g. pay.example.co.ke",
			          "%s contains \"%s\", which Daraja refuses in callback URLs", url,
			          FORBIDDEN[k]);
			return c->verdict;
		}
	}
	if (!url_host(url, host, sizeof host, &port, &https)) {
		check_set(c, name, APP_VERDICT_FAILED, "write it as https://host[:port]",
		          "%s is not a URL Daraja can post to", url);
		return c->verdict;
	}
	if (sim && host_is_loopback(host)) {
		check_set(c, name, APP_VERDICT_OK, NULL,
		          "%s: the simulator on this machine reaches it (real Daraja needs a "
		          "public https address)", url);
		return c->verdict;
	}
	if (host_is_private(host)) {
		check_set(c, name, APP_VERDICT_FAILED,
		          "put a reverse proxy or tunnel with a public https name in front of "
		          "the listener and set [listener] public_url to it (docs/going-live.md)",
		          "%s names a private or local host (%s): Daraja, on the Internet, "
		          "cannot reach it", url, host);
		return c->verdict;
	}
	if (!https) {
		check_set(c, name, production ? APP_VERDICT_FAILED : APP_VERDICT_WARNING,
		          "terminate TLS in front of the listener and use https:// "
		          "(docs/going-live.md)",
		          production ? "%s is plain http: production Daraja posts only to https"
		                     : "%s is plain http: the sandbox tolerates it, production "
		                       "refuses it", url);
		return c->verdict;
	}
	if (production) {
		for (size_t k = 0; k < sizeof TUNNELS / sizeof TUNNELS[0]; k++) {
			if (strstr(host, TUNNELS[k])) {
				check_set(c, name, APP_VERDICT_WARNING,
				          "use your own domain behind a reverse proxy: tunnel names "
				          "change and may be refused in production",
				          "%s is a public tunnel host", url);
				return c->verdict;
			}
		}
	}
	check_set(c, name, APP_VERDICT_OK, NULL, "%s follows Daraja's rules (https, public "
	          "host, no refused words)", url);
	return c->verdict;
}

/* GET /healthz on a loopback address: 1 answered 200, 0 refused or no
 * answer, -1 cannot tell. */
static int probe_health(const char *host, unsigned port)
{
	struct sockaddr_in sa;
	char buf[256];
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, str_eq(host, "localhost") ? "127.0.0.1" : host, &sa.sin_addr) != 1)
		return -1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	int got = 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
		static const char req[] = "GET /healthz HTTP/1.0\r\nHost: doctor\r\n\r\n";
		if (write(fd, req, sizeof req - 1) == (ssize_t)(sizeof req - 1)) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			if (poll(&p, 1, 3000) == 1) {
				ssize_t n = read(fd, buf, sizeof buf - 1);
				if (n > 0) {
					buf[n] = '\0';
					got = strstr(buf, " 200 ") != NULL;
				}
			}
		}
	}
	close(fd);
	return got;
}

static void check_callback(struct app *a, struct app_doctor_report *r)
{
	const struct config *cfg = app_config(a);
	struct app_check *c = next_check(r);
	const char *url = cfg->listener.public_url;
	if (app_doctor_judge_url(url, cfg->daraja.environment, app_backend_is_sim(cfg), c) ==
	        APP_VERDICT_FAILED ||
	    !url[0])
		return;
	char host[256];
	unsigned port;
	bool https;
	if (!url_host(url, host, sizeof host, &port, &https) || !host_is_loopback(host))
		return; /* a public name: only Daraja's own delivery proves it */
	int h = probe_health(host, port);
	size_t len = strlen(c->what);
	if (h == 1) {
		snprintf(c->what + len, sizeof c->what - len, "; the listener answers at %s/healthz",
		         url);
	} else if (h == 0) {
		c->verdict = APP_VERDICT_WARNING;
		snprintf(c->what + len, sizeof c->what - len, "; but nothing answers at %s/healthz",
		         url);
		str_copy(c->fix, sizeof c->fix, "start `mpesa-pos serve` (or the console) so that "
		         "results and C2B payments are received");
	}
}

/* ---- the initiator password's age -------------------------------------------------- */

void app_password_age_judge(int64_t set_at_ms, int64_t days, int64_t now_ms,
                            struct app_password_age *out)
{
	memset(out, 0, sizeof *out);
	if (set_at_ms <= 0 || days <= 0)
		return;
	out->known = true;
	out->set_at_ms = set_at_ms;
	out->expires_at_ms = set_at_ms + days * DAY_MS;
	int64_t left = out->expires_at_ms - now_ms;
	out->days_left = left > 0 ? left / DAY_MS : -((-left) / DAY_MS);
	out->verdict = left <= 0                        ? APP_VERDICT_FAILED
	               : left < (int64_t)WARN_DAYS * DAY_MS ? APP_VERDICT_WARNING
	                                                : APP_VERDICT_OK;
}

const char *app_password_age_sentence(const struct app_password_age *p, char *out,
                                      size_t outsz)
{
	char day[16];
	struct tm tm;
	if (!p->known) {
		str_copy(out, outsz, "when the initiator password was set is not known");
		return out;
	}
	clock_eat_tm((time_t)(p->expires_at_ms / 1000), &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	if (p->verdict == APP_VERDICT_FAILED)
		snprintf(out, outsz, "the initiator password expired on %s", day);
	else if (p->days_left == 0)
		snprintf(out, outsz, "the initiator password expires on %s (today)", day);
	else
		snprintf(out, outsz, "the initiator password expires on %s (in %lld day%s)", day,
		         (long long)p->days_left, p->days_left == 1 ? "" : "s");
	return out;
}

enum pos_status app_password_age(struct app *a, struct app_password_age *out,
                                 struct pos_err *err)
{
	const struct config *cfg = app_config(a);
	struct daraja_opts o;
	char cert[1024];
	int64_t set_at = 0;
	memset(out, 0, sizeof *out);
	app_backend_opts(cfg, &o, cert, sizeof cert);
	if (!o.initiator_password || !o.initiator_password[0])
		return POS_OK;
	enum pos_status rc = app_initiator_password_seen(a, o.initiator_password, &set_at, err);
	if (rc != POS_OK)
		return rc;
	bool from_config = cfg->daraja.initiator_password_set_on > 0;
	if (from_config)
		set_at = (int64_t)cfg->daraja.initiator_password_set_on * 1000;
	app_password_age_judge(set_at, cfg->daraja.initiator_password_days, clock_now_ms(), out);
	out->from_config = from_config;
	return POS_OK;
}

static void check_password_age(struct app *a, struct app_doctor_report *r)
{
	struct app_password_age p;
	struct pos_err e;
	char s[160];
	struct app_check *c = next_check(r);
	if (app_password_age(a, &p, &e) != POS_OK) {
		check_set(c, "password_age", APP_VERDICT_WARNING, "see the log", "%s", e.msg);
		return;
	}
	if (!p.known) {
		check_set(c, "password_age", APP_VERDICT_OK, NULL,
		          "no initiator password is configured (payouts, reversals, status and "
		          "balance need one)");
		return;
	}
	app_password_age_sentence(&p, s, sizeof s);
	check_set(c, "password_age", p.verdict,
	          p.verdict == APP_VERDICT_OK ? NULL
	          : "change it on the M-Pesa business portal, then put the new one in "
	            "[daraja] initiator_password (and initiator_password_set_on, if you use it)",
	          "%s%s", s,
	          p.from_config ? " (from [daraja] initiator_password_set_on)"
	                        : " (counted from when this ledger first saw it)");
}

/* ---- Daraja ------------------------------------------------------------------------ */

/* Ask another environment for a token with the same keys. */
static bool other_env_takes_keys(const struct config *cfg, const char *url)
{
	struct daraja_opts o;
	struct daraja_result res;
	char cert[1024];
	app_backend_opts(cfg, &o, cert, sizeof cert);
	o.base_url = url;
	o.environment = str_eq(cfg->daraja.environment, "production") ? "sandbox" : "production";
	o.max_retries = 0;
	o.breaker_failures = 100;
	struct daraja *d = daraja_new(&o, NULL);
	if (!d)
		return false;
	memset(&res, 0, sizeof res);
	bool ok = daraja_oauth_wait(d, &res) == DARAJA_OK;
	daraja_result_release(&res);
	daraja_free(d);
	return ok;
}

static bool check_token(struct app *a, struct daraja *d, const struct app_doctor_opts *o,
                        struct app_doctor_report *r)
{
	const struct config *cfg = app_config(a);
	struct app_check *c = next_check(r);
	struct daraja_result res;
	const char *env = cfg->daraja.environment;
	bool production = str_eq(env, "production");
	memset(&res, 0, sizeof res);
	enum daraja_class cls = daraja_oauth_wait(d, &res);
	if (cls == DARAJA_OK) {
		check_set(c, "token", APP_VERDICT_OK, NULL,
		          "the consumer key and secret give a token (%s)", config_backend_label(cfg));
	} else if (cls == DARAJA_REFUSED) {
		const char *other = o->other_env_url ? o->other_env_url
		                    : cfg->daraja.base_url[0] ? NULL
		                    : production ? SANDBOX_URL : PRODUCTION_URL;
		if (other && other_env_takes_keys(cfg, other)) {
			check_set(c, "token", APP_VERDICT_FAILED,
			          production ? "put the keys of your production (Go Live) app in "
			                       "consumer_key and consumer_secret, or set "
			                       "[daraja] environment = sandbox"
			                     : "put the keys of your sandbox app in consumer_key and "
			                       "consumer_secret, or set [daraja] environment = production",
			          "these are %s keys: %s refused them and %s gave a token",
			          production ? "SANDBOX" : "PRODUCTION",
			          production ? "production" : "the sandbox",
			          production ? "the sandbox" : "production");
		} else {
			check_set(c, "token", APP_VERDICT_FAILED,
			          "copy the consumer key and secret again from the app on Safaricom's "
			          "developer portal (My Apps) into [daraja] consumer_key and consumer_secret",
			          "%s refused the consumer key and secret (%s%s%s)",
			          config_backend_label(cfg), res.code[0] ? res.code : "no code",
			          res.daraja_message[0] ? ": " : "", res.daraja_message);
		}
	} else {
		check_set(c, "token", APP_VERDICT_FAILED,
		          "check the network, [daraja] base_url and [daraja] ca_bundle",
		          "Daraja could not be asked for a token: %s", res.err.msg);
	}
	daraja_result_release(&res);
	return c->verdict == APP_VERDICT_OK;
}

static bool not_subscribed(const struct daraja_result *res)
{
	return str_eq(res->code, "401.003.01");
}

static void check_stk(struct app *a, struct daraja *d, struct app_doctor_report *r)
{
	const struct config *cfg = app_config(a);
	struct app_check *c = next_check(r);
	struct daraja_result res;
	struct daraja_stk_query_req q = {.checkout_request_id = PROBE_CHECKOUT};
	memset(&res, 0, sizeof res);
	daraja_stk_query_wait(d, &q, &res);
	const char *msg = res.daraja_message;
	if (res.cls == DARAJA_OK || str_eq(res.code, "400.002.02")) {
		check_set(c, "stk", APP_VERDICT_OK, NULL,
		          "M-Pesa Express: the app has the product, and shortcode %s and its "
		          "passkey are accepted", cfg->daraja.business_shortcode);
	} else if (not_subscribed(&res)) {
		check_set(c, "stk", APP_VERDICT_FAILED,
		          "add the M-Pesa Express (Lipa Na M-Pesa Online) product to the app on "
		          "the developer portal",
		          "the Daraja app is not subscribed to M-Pesa Express (401.003.01)");
	} else if (strstr(msg, "Merchant does not exist")) {
		check_set(c, "stk", APP_VERDICT_FAILED,
		          "set [daraja] business_shortcode to the paybill or store number of the "
		          "app's Lipa Na M-Pesa Online product",
		          "Daraja does not know shortcode %s for M-Pesa Express (\"%s\")",
		          cfg->daraja.business_shortcode, msg);
	} else if (strstr(msg, "Wrong credentials")) {
		check_set(c, "stk", APP_VERDICT_FAILED,
		          "copy the Lipa Na M-Pesa Online passkey of this shortcode into "
		          "[daraja] passkey (Safaricom e-mails it at go-live)",
		          "Daraja refused the passkey for shortcode %s (\"%s\")",
		          cfg->daraja.business_shortcode, msg);
	} else {
		check_set(c, "stk", APP_VERDICT_WARNING, "run doctor again in a minute",
		          "the M-Pesa Express probe got no clear answer: %s", res.err.msg);
	}
	daraja_result_release(&res);
}

/* paybill: CustomerPayBillOnline; till: CustomerBuyGoodsOnline. */
static void check_shortcode_type(struct app *a, struct app_doctor_report *r)
{
	const struct config *cfg = app_config(a);
	const struct config_daraja *dc = &cfg->daraja;
	struct app_check *c = next_check(r);
	bool buy_goods = str_eq(dc->transaction_type, "CustomerBuyGoodsOnline");
	if (buy_goods && !dc->till_number[0]) {
		check_set(c, "shortcode_type", APP_VERDICT_FAILED,
		          "set [daraja] till_number to the till (PartyB), keeping business_shortcode "
		          "the store number; or, for a paybill, transaction_type = CustomerPayBillOnline",
		          "transaction_type is CustomerBuyGoodsOnline (a till) but no till_number is set");
		return;
	}
	if (!buy_goods && dc->till_number[0]) {
		check_set(c, "shortcode_type", APP_VERDICT_FAILED,
		          "set [daraja] transaction_type = CustomerBuyGoodsOnline for a till, or "
		          "remove till_number for a paybill",
		          "till_number %s says %s is a till's store number, but transaction_type "
		          "is CustomerPayBillOnline (a paybill's)", dc->till_number,
		          dc->business_shortcode);
		return;
	}
	/* What Daraja said about recent pushes: SFC_IC0003 is a type/till mismatch. */
	struct store_filter f = {.has_kind = true, .kind = TXN_KIND_STK};
	struct store_txn rows[50];
	size_t n = 0;
	bool more = false;
	struct store_cursor next;
	if (store_txn_history(app_store(a), &f, NULL, rows, 50, &n, &next, &more, NULL) == POS_OK) {
		for (size_t i = 0; i < n; i++) {
			if (str_eq(rows[i].result_code, "SFC_IC0003")) {
				check_set(c, "shortcode_type", APP_VERDICT_FAILED,
				          buy_goods ? "check that till_number is the till and "
				                      "business_shortcode its store (head-office) number"
				                    : "if the shortcode is a till, set transaction_type = "
				                      "CustomerBuyGoodsOnline and till_number",
				          "M-Pesa answered charge %s with SFC_IC0003 (\"The operator does "
				          "not exist\"): shortcode %s does not take %s", rows[i].public_id,
				          dc->business_shortcode, dc->transaction_type);
				return;
			}
		}
	}
	if (buy_goods && str_eq(dc->till_number, dc->business_shortcode))
		check_set(c, "shortcode_type", APP_VERDICT_WARNING,
		          "business_shortcode is normally the store (head-office) number and "
		          "till_number the till: check both on the M-Pesa portal",
		          "till_number and business_shortcode are both %s", dc->till_number);
	else
		check_set(c, "shortcode_type", APP_VERDICT_OK, NULL, "%s %s takes %s%s%s",
		          buy_goods ? "till" : "paybill", buy_goods ? dc->till_number
		                                                    : dc->business_shortcode,
		          dc->transaction_type, buy_goods ? " through store " : "",
		          buy_goods ? dc->business_shortcode : "");
}

static bool balance_done(void *user)
{
	return app_flow_done(user);
}

static void check_credential(struct app_loop *l, const struct app_doctor_opts *o,
                             struct app_doctor_report *r)
{
	struct app *a = app_loop_app(l);
	const struct config *cfg = app_config(a);
	struct app_check *c = next_check(r);
	struct app_flow *f = NULL;
	struct pos_err e;
	if (!o->op) {
		check_set(c, "credential", APP_VERDICT_WARNING,
		          "run `mpesa-pos doctor --operator ID` as a supervisor to test it with an "
		          "Account Balance query (nothing moves)",
		          "the SecurityCredential was not tested");
		return;
	}
	if (app_balance_start(l, o->op, NULL, NULL, &f, &e) != POS_OK) {
		check_set(c, "credential", APP_VERDICT_FAILED, e.hint[0] ? e.hint : NULL,
		          "the Account Balance query could not be sent: %s", e.msg);
		return;
	}
	unsigned wait_s = o->result_wait_s ? o->result_wait_s : 30;
	app_loop_run(l, balance_done, f, clock_mono_ms() + (int64_t)wait_s * 1000);
	const struct store_txn *t = app_flow_txn(f);
	const struct pos_err *fe = app_flow_error(f);
	const char *code = t ? t->result_code : "";
	const char *who = cfg->daraja.initiator_name;
	if (t && t->state == TXN_COMPLETED) {
		check_set(c, "credential", APP_VERDICT_OK, NULL,
		          "initiator %s and the SecurityCredential are accepted: Account Balance "
		          "of %s answered (%s)", who, cfg->daraja.b2c_shortcode, t->public_id);
	} else if (str_eq(code, "2001") || str_eq(code, "18")) {
		check_set(c, "credential", APP_VERDICT_FAILED,
		          "check [daraja] initiator_password (the API operator's, not the portal "
		          "login's) and that [daraja] cert is Safaricom's certificate for this "
		          "environment",
		          "M-Pesa refused the SecurityCredential of initiator %s (%s: the initiator "
		          "information is invalid)", who, code);
	} else if (str_eq(code, "20")) {
		check_set(c, "credential", APP_VERDICT_FAILED,
		          "set [daraja] initiator_name to the API operator created on the M-Pesa "
		          "business portal",
		          "M-Pesa does not know initiator %s (20)", who);
	} else if (str_eq(code, "8006")) {
		check_set(c, "credential", APP_VERDICT_FAILED,
		          "ask the M-Pesa portal's administrator to unlock the API operator and set "
		          "a new password",
		          "the security credential of initiator %s is locked (8006)", who);
	} else if (str_eq(code, "21") || str_eq(code, "2028")) {
		check_set(c, "credential", APP_VERDICT_FAILED,
		          "give the API operator the Balance Query (and B2C, Reversal, Status) "
		          "roles on the M-Pesa business portal",
		          "initiator %s may not query shortcode %s (%s)", who,
		          cfg->daraja.b2c_shortcode, code);
	} else if (str_eq(code, "401.003.01")) {
		check_set(c, "credential", APP_VERDICT_FAILED,
		          "add the Account Balance product to the app on the developer portal",
		          "the Daraja app is not subscribed to Account Balance (401.003.01)");
	} else if (t && t->state == TXN_FAILED) {
		check_set(c, "credential", APP_VERDICT_FAILED, fe->hint[0] ? fe->hint : NULL,
		          "the Account Balance query failed (%s): %s", code,
		          t->result_desc[0] ? t->result_desc : fe->msg);
	} else {
		check_set(c, "credential", APP_VERDICT_WARNING,
		          "make sure Daraja's results reach the listener ([listener] public_url, "
		          "a running serve), then run doctor again",
		          "no Account Balance result came within %u s (%s)", wait_s,
		          t ? t->public_id : "not recorded");
	}
	app_flow_free(f);
}

static void check_pull(struct daraja *d, struct app_doctor_report *r)
{
	struct app_check *c = next_check(r);
	struct daraja_result res;
	time_t now = (time_t)(clock_now_ms() / 1000);
	struct daraja_pull_query_req q = {.start = now - 3600, .end = now};
	memset(&res, 0, sizeof res);
	daraja_pull_query_wait(d, &q, &res);
	if (res.cls == DARAJA_OK)
		check_set(c, "pull", APP_VERDICT_OK, NULL,
		          "Pull Transactions answers (%s): missed C2B payments can be backfilled "
		          "with `mpesa-pos reconcile --c2b`",
		          res.as.pull.none ? "no records in the last hour" : "records found");
	else if (not_subscribed(&res))
		check_set(c, "pull", APP_VERDICT_WARNING,
		          "ask Safaricom to add Pull Transactions to the app if you take C2B "
		          "payments, so that missed confirmations can be found",
		          "the Daraja app is not subscribed to Pull Transactions (401.003.01)");
	else
		check_set(c, "pull", APP_VERDICT_WARNING, NULL,
		          "the Pull Transactions probe got no clear answer: %s", res.err.msg);
	daraja_result_release(&res);
}

void app_doctor_run(struct app_loop *l, const struct app_doctor_opts *o,
                    struct app_doctor_report *out)
{
	static const struct app_doctor_opts none;
	struct app *a = app_loop_app(l);
	const struct config *cfg = app_config(a);
	struct pos_err e;
	if (!o)
		o = &none;
	memset(out, 0, sizeof *out);

	check_set(next_check(out), "daraja", APP_VERDICT_OK, NULL, "%s at %s",
	          config_backend_label(cfg), config_daraja_base_url(cfg));
	struct daraja *d = app_daraja(a, &e);
	if (!d) {
		check_set(next_check(out), "token", APP_VERDICT_FAILED, e.hint[0] ? e.hint : NULL,
		          "the Daraja client cannot be set up: %s%s%s", e.field,
		          e.field[0] ? ": " : "", e.msg);
	} else if (check_token(a, d, o, out)) {
		check_stk(a, d, out);
		check_shortcode_type(a, out);
		check_credential(l, o, out);
		check_pull(d, out);
	} else {
		check_shortcode_type(a, out);
	}
	check_callback(a, out);
	check_password_age(a, out);
	for (size_t i = 0; i < out->n; i++)
		if (out->checks[i].verdict > out->worst)
			out->worst = out->checks[i].verdict;
}
