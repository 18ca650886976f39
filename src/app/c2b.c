/* app/c2b.c: the C2B feed, claiming a payment for a sale, C2B URL
 * registration, Dynamic QR and a reversal with its reason (app/c2b.h). */
#include "app/c2b.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app_int.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"
#include "core/fields.h"
#include "core/money.h"

enum { EAT_OFFSET_MS = 3 * 3600 * 1000, DAY_MS = 24 * 3600 * 1000 };

int64_t app_c2b_day_start(int64_t now_ms)
{
	int64_t local = now_ms + EAT_OFFSET_MS;
	int64_t day = local >= 0 ? local / DAY_MS : -((-local + DAY_MS - 1) / DAY_MS);
	return day * DAY_MS - EAT_OFFSET_MS;
}

static enum pos_status need(struct app *a, const struct app_operator *op,
                            enum role_action act, struct pos_err *err)
{
	if (!op || op->id <= 0)
		return pos_err_set(err, POS_E_DENIED, "operator", "this needs a signed-in operator");
	enum pos_status rc = role_check(op->role, act, err);
	if (rc != POS_OK)
		flow_audit(a, op->id, "denied", role_action_name(act), "%s (%s) tried to %s",
		           op->name, role_name(op->role), role_action_label(act));
	return rc;
}

/* "Ann Cashier (2001) at 10:15:02 on 14 Mar" into out. */
static void who_when(struct app *a, int64_t operator_id, int64_t at_ms, char *out,
                     size_t outsz)
{
	struct store_operator o;
	struct tm tm;
	char when[32] = "";
	clock_eat_tm((time_t)(at_ms / 1000), &tm);
	strftime(when, sizeof when, "%H:%M:%S on %d %b", &tm);
	if (operator_id && store_operator_get(app_store(a), operator_id, &o, NULL) == POS_OK)
		str_fmt(out, outsz, "%s (%lld) at %s", o.name, (long long)operator_id, when);
	else if (operator_id)
		str_fmt(out, outsz, "operator %lld at %s", (long long)operator_id, when);
	else
		str_fmt(out, outsz, "someone at %s", when);
}

bool app_c2b_claim_of(struct app *a, int64_t txn_id, char *out, size_t outsz)
{
	struct store_c2b_claim_row c;
	char who[STORE_NAME_MAX + 64];
	out[0] = '\0';
	if (store_c2b_claim_get(app_store(a), txn_id, &c, NULL) != POS_OK)
		return false;
	who_when(a, c.operator_id, c.claimed_at, who, sizeof who);
	str_fmt(out, outsz, "claimed by %s for a sale%s%s%s", who, c.note[0] ? " (" : "", c.note,
	        c.note[0] ? ")" : "");
	return true;
}

/* ---- the feed ------------------------------------------------------------------- */

static void day_date(int64_t since_ms, char out[11])
{
	struct tm tm;
	clock_eat_tm((time_t)(app_c2b_day_start(since_ms) / 1000), &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

enum pos_status app_c2b_feed(struct app *a, const struct app_operator *op,
                             int64_t since_ms, struct app_c2b_row *rows, size_t cap,
                             size_t *n, struct app_c2b_day *day, struct pos_err *err)
{
	enum pos_status rc = need(a, op, ROLE_ACT_C2B_FEED, err);
	*n = 0;
	if (rc != POS_OK)
		return rc;
	struct store *st = app_store(a);
	struct store_filter f = {.from_ms = since_ms, .has_kind = true, .kind = TXN_KIND_C2B};
	struct store_txn *txns = cap ? calloc(cap, sizeof *txns) : NULL;
	struct store_cursor next;
	bool more;
	size_t got = 0;
	if (cap && !txns)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	if (cap && (rc = store_txn_history(st, &f, NULL, txns, cap, &got, &next, &more,
	                                   err)) != POS_OK) {
		free(txns);
		return rc;
	}
	for (size_t i = 0; i < got; i++) {
		struct app_c2b_row *r = &rows[i];
		struct store_c2b_claim_row c;
		memset(r, 0, sizeof *r);
		r->t = txns[i];
		if (store_c2b_claim_get(st, txns[i].id, &c, NULL) == POS_OK) {
			struct store_operator o;
			r->claimed = true;
			r->claimed_by = c.operator_id;
			r->claimed_at = c.claimed_at;
			if (c.operator_id && store_operator_get(st, c.operator_id, &o, NULL) == POS_OK)
				str_copy(r->claimed_by_name, sizeof r->claimed_by_name, o.name);
		}
	}
	free(txns);
	*n = got;
	if (!day)
		return POS_OK;
	struct store_day_report rep;
	char date[11];
	memset(day, 0, sizeof *day);
	day_date(since_ms, date);
	if ((rc = store_report_day(st, date, NULL, &rep, err)) != POS_OK)
		return rc;
	for (size_t i = 0; i < rep.n_rows; i++)
		if (rep.rows[i].kind == TXN_KIND_C2B && rep.rows[i].state == TXN_COMPLETED) {
			day->count += rep.rows[i].total.count;
			day->sum_minor += rep.rows[i].total.sum_minor;
		}
	store_day_report_release(&rep);
	return POS_OK;
}

/* ---- claiming ------------------------------------------------------------------ */

enum pos_status app_c2b_unclaimed(struct app *a, const struct app_operator *op,
                                  int64_t since_ms, int64_t amount_minor,
                                  struct store_txn *rows, size_t cap, size_t *n,
                                  size_t *exact, struct pos_err *err)
{
	enum pos_status rc = need(a, op, ROLE_ACT_CLAIM_C2B, err);
	*n = 0;
	*exact = 0;
	if (rc != POS_OK)
		return rc;
	if ((rc = store_c2b_unclaimed(app_store(a), since_ms, rows, cap, n, err)) != POS_OK)
		return rc;
	if (amount_minor <= 0)
		return POS_OK;
	/* A stable partition: exact amounts first, each group newest first. */
	struct store_txn *tmp = *n ? malloc(*n * sizeof *tmp) : NULL;
	if (*n && !tmp)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	size_t k = 0;
	for (size_t i = 0; i < *n; i++)
		if (rows[i].amount_minor == amount_minor)
			tmp[k++] = rows[i];
	*exact = k;
	for (size_t i = 0; i < *n; i++)
		if (rows[i].amount_minor != amount_minor)
			tmp[k++] = rows[i];
	if (*n)
		memcpy(rows, tmp, *n * sizeof *tmp);
	free(tmp);
	return POS_OK;
}

enum pos_status app_c2b_claim(struct app *a, const struct app_operator *op,
                              const char *public_id, const char *note,
                              struct store_txn *out, struct pos_err *err)
{
	struct store *st = app_store(a);
	struct store_txn t;
	char pretty[MONEY_FMT_MAX], who[STORE_NAME_MAX + 64], detail[STORE_REASON_MAX + 200];
	enum pos_status rc = need(a, op, ROLE_ACT_CLAIM_C2B, err);
	if (rc != POS_OK)
		return rc;
	if (!public_id || !public_id[0])
		return pos_err_set(err, POS_E_EMPTY, "transaction", "choose the payment to claim");
	if ((rc = store_txn_get_public(st, public_id, &t, err)) != POS_OK)
		return rc;
	money_format(t.amount_minor, CURRENCY_KES, pretty, sizeof pretty);
	rc = store_c2b_claim(st, t.id, op->id, note && note[0] ? note : NULL, err);
	if (rc == POS_E_DUPLICATE) {
		struct store_c2b_claim_row c;
		if (store_c2b_claim_get(st, t.id, &c, NULL) == POS_OK)
			who_when(a, c.operator_id, c.claimed_at, who, sizeof who);
		else
			str_copy(who, sizeof who, "someone");
		pos_err_set(err, POS_E_DUPLICATE, "transaction",
		            "%s (%s, receipt %s) was already claimed by %s: a payment is "
		            "claimed once", t.public_id, pretty, t.receipt, who);
		flow_audit(a, op->id, "c2b.claim.refused", t.public_id,
		           "already claimed by %s", who);
		return rc;
	}
	if (rc != POS_OK)
		return rc;
	str_fmt(detail, sizeof detail, "claimed by %s (%lld) for a sale%s%s", op->name,
	        (long long)op->id, note && note[0] ? ": " : "", note ? note : "");
	if (store_txn_note(st, t.id, "claim", detail, NULL) != POS_OK)
		log_warn("c2b", "%s: the claim is recorded but its timeline note is not", t.public_id);
	flow_audit(a, op->id, "c2b.claim", t.public_id, "%s from %s, receipt %s%s%s", pretty,
	           t.payer_name[0] ? t.payer_name : "?", t.receipt,
	           note && note[0] ? ", " : "", note ? note : "");
	if (out)
		*out = t;
	return POS_OK;
}

/* ---- requests to Daraja --------------------------------------------------------- */

struct app_c2b_req {
	struct app *app;
	app_c2b_req_fn fn;
	void *user;
	struct app_loop *loop;
	uint64_t timer;
	bool done;
	bool dropped;              /* freed by its owner while in flight */
	enum daraja_api api;
	struct pos_err err;
	char message[DARAJA_TEXT_MAX];
	char url[512];
	unsigned char *png;
	size_t png_len;
};

static void tell(void *user)
{
	struct app_c2b_req *r = user;
	r->timer = 0;
	if (r->fn)
		r->fn(r->user, r);
}

static void on_done(void *user, struct daraja_result *res)
{
	struct app_c2b_req *r = user;
	if (r->dropped) {
		free(r);
		return;
	}
	r->done = true;
	if (res->cls != DARAJA_OK) {
		r->err = res->err;
		if (r->err.code == POS_OK)
			pos_err_set(&r->err, POS_E_DARAJA, NULL, "%s", res->daraja_message);
		/* Daraja refused what we sent (already registered, a URL it
		 * does not take): a refusal, not the operator's typing. */
		if (r->err.code == POS_E_INVALID || r->err.code == POS_E_DUPLICATE ||
		    r->err.code == POS_E_PARSE)
			r->err.code = POS_E_DARAJA;
	} else if (r->api == DARAJA_API_C2B_REGISTER) {
		str_copy(r->message, sizeof r->message, res->as.c2b.response_description);
	} else if (r->api == DARAJA_API_QR) {
		const struct daraja_qr_answer *q = &res->as.qr;
		size_t cap = q->qr_code_len / 4 * 3 + 3;
		r->png = q->qr_code ? malloc(cap) : NULL;
		if (!r->png || crypto_base64_decode(q->qr_code, q->qr_code_len, r->png, cap,
		                                    &r->png_len) != POS_OK) {
			free(r->png);
			r->png = NULL;
			pos_err_set(&r->err, POS_E_DARAJA, "QRCode",
			            "M-Pesa's answer holds no readable QR image");
		}
	}
	if (r->api == DARAJA_API_C2B_REGISTER)
		flow_audit(r->app, 0, "c2b.register.result", "c2b",
		           "%s", r->err.code == POS_OK ? r->message : r->err.msg);
	/* Tell the owner from the loop, not from inside daraja_perform. */
	r->timer = app_loop_timer(r->loop, 0, tell, r);
	if (!r->timer)
		tell(r);
}

static struct app_c2b_req *req_new(struct app_loop *l, enum daraja_api api,
                                   app_c2b_req_fn fn, void *user)
{
	struct app_c2b_req *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->app = app_loop_app(l);
	r->loop = l;
	r->api = api;
	r->fn = fn;
	r->user = user;
	pos_err_clear(&r->err);
	return r;
}

enum pos_status app_c2b_register_start(struct app_loop *l, const struct app_operator *op,
                                       const char *response_type, app_c2b_req_fn fn,
                                       void *user, struct app_c2b_req **out,
                                       struct pos_err *err)
{
	struct app *a = app_loop_app(l);
	const struct config *cfg = app_config(a);
	char confirm[512], validate[512], shown[512];
	enum pos_status rc = need(a, op, ROLE_ACT_C2B_REGISTER, err);
	if (rc != POS_OK)
		return rc;
	const char *rt = response_type && response_type[0] ? response_type
	                                                   : cfg->listener.c2b_response_type;
	if (!str_eq(rt, "Completed") && !str_eq(rt, "Cancelled"))
		return pos_err_set(err, POS_E_INVALID, "response type",
		                   "\"%s\" is not a response type: Completed (M-Pesa completes "
		                   "the payment when our validation does not answer) or Cancelled",
		                   rt);
	if (!app_callbacks_on(a))
		return pos_err_set(err, POS_E_CONFIG, "[listener] public_url",
		                   "the till is in poll mode: M-Pesa can only send paybill and "
		                   "till payments to a public https address; set [listener] "
		                   "public_url (docs/going-live.md)");
	if ((rc = app_callback_url(a, LISTENER_C2B_CONFIRMATION, NULL, false, confirm,
	                           sizeof confirm, err)) != POS_OK ||
	    (rc = app_callback_url(a, LISTENER_C2B_VALIDATION, NULL, false, validate,
	                           sizeof validate, err)) != POS_OK ||
	    (rc = app_callback_url(a, LISTENER_C2B_CONFIRMATION, NULL, true, shown,
	                           sizeof shown, err)) != POS_OK)
		return rc;
	struct daraja *d = app_daraja(a, err);
	if (!d)
		return err ? err->code : POS_E_CONFIG;
	struct app_c2b_req *r = req_new(l, DARAJA_API_C2B_REGISTER, fn, user);
	if (!r)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	str_copy(r->url, sizeof r->url, shown);
	struct daraja_c2b_register_req rq = {
		.shortcode = cfg->daraja.business_shortcode,
		.response_type = rt,
		.confirmation_url = confirm,
		.validation_url = validate,
	};
	if ((rc = daraja_c2b_register(d, &rq, on_done, r, NULL, err)) != POS_OK) {
		free(r);
		return rc;
	}
	flow_audit(a, op->id, "c2b.register", cfg->daraja.business_shortcode,
	           "register %s (response type %s)", shown, rt);
	*out = r;
	return POS_OK;
}

enum pos_status app_qr_start(struct app_loop *l, const struct app_operator *op,
                             const char *amount, const char *reference,
                             unsigned size_px, app_c2b_req_fn fn, void *user,
                             struct app_c2b_req **out, struct pos_err *err)
{
	struct app *a = app_loop_app(l);
	const struct config *cfg = app_config(a);
	int64_t minor;
	enum pos_status rc = need(a, op, ROLE_ACT_C2B_FEED, err);
	if (rc != POS_OK || (rc = money_parse(amount, CURRENCY_KES, &minor, err)) != POS_OK)
		return rc;
	if (minor < MONEY_SCALE)
		return pos_err_set(err, POS_E_RANGE, "amount", "the amount must be at least KES 1");
	if (!reference || !reference[0])
		return pos_err_set(err, POS_E_EMPTY, "reference",
		                   "type the account reference the payment will carry");
	if ((rc = fields_check_account_ref(reference, err)) != POS_OK)
		return rc;
	bool till = str_eq(cfg->daraja.transaction_type, "CustomerBuyGoodsOnline") &&
	            cfg->daraja.till_number[0];
	struct daraja *d = app_daraja(a, err);
	if (!d)
		return err ? err->code : POS_E_CONFIG;
	struct app_c2b_req *r = req_new(l, DARAJA_API_QR, fn, user);
	if (!r)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	struct daraja_qr_req rq = {
		.merchant_name = cfg->till.name,
		.ref_no = reference,
		.amount = minor / MONEY_SCALE,
		.trx_code = till ? "BG" : "PB",
		.cpi = till ? cfg->daraja.till_number : cfg->daraja.business_shortcode,
		.size_px = size_px,
	};
	if ((rc = daraja_qr(d, &rq, on_done, r, NULL, err)) != POS_OK) {
		free(r);
		return rc;
	}
	*out = r;
	return POS_OK;
}

bool app_c2b_req_done(const struct app_c2b_req *r)
{
	return r->done;
}

const struct pos_err *app_c2b_req_error(const struct app_c2b_req *r)
{
	return &r->err;
}

const char *app_c2b_req_message(const struct app_c2b_req *r)
{
	return r->message;
}

const char *app_c2b_req_url(const struct app_c2b_req *r)
{
	return r->url;
}

const unsigned char *app_c2b_req_png(const struct app_c2b_req *r, size_t *len)
{
	*len = r->png_len;
	return r->png;
}

void app_c2b_req_free(struct app_c2b_req *r)
{
	if (!r)
		return;
	if (r->timer)
		app_loop_cancel(r->loop, r->timer);
	free(r->png);
	r->png = NULL;
	if (!r->done) {
		r->dropped = true; /* on_done frees it */
		return;
	}
	free(r);
}

/* ---- reversal with a reason ------------------------------------------------------- */

enum pos_status app_reversal_of(struct app *a, int64_t original_id, struct store_txn *out,
                                bool *found, struct pos_err *err)
{
	struct store_txn orig;
	enum pos_status rc = store_txn_get(app_store(a), original_id, &orig, err);
	*found = false;
	if (rc != POS_OK)
		return rc;
	struct store_filter flt = {.has_kind = true, .kind = TXN_KIND_REVERSAL,
	                           .reference = orig.public_id};
	struct store_txn rows[8];
	struct store_cursor cur = {0, 0}, next;
	bool more = true, first = true;
	while (more) {
		size_t n = 0;
		if ((rc = store_txn_history(app_store(a), &flt, first ? NULL : &cur, rows, 8, &n,
		                            &next, &more, err)) != POS_OK)
			return rc;
		for (size_t i = 0; i < n; i++)
			if (rows[i].original_txn_id == original_id && rows[i].state != TXN_FAILED) {
				*out = rows[i];
				*found = true;
				return POS_OK;
			}
		cur = next;
		first = false;
	}
	return POS_OK;
}

enum pos_status app_reversal_start_reason(struct app_loop *l,
                                          const struct app_operator *op,
                                          const char *txn, const char *reason,
                                          bool claimed_ok, app_flow_fn fn, void *user,
                                          struct app_flow **out, struct pos_err *err)
{
	struct app *a = app_loop_app(l);
	char why[4 * STORE_DESC_MAX], detail[sizeof why + 128];
	bool fits = str_copy(why, sizeof why, reason ? reason : "");
	str_trim(why);
	if (!why[0])
		return pos_err_set(err, POS_E_EMPTY, "reason",
		                   "say why the payment is reversed (it goes into the audit log)");
	if (!fits || str_utf8_len(why) < 0 || str_utf8_len(why) > 100)
		return pos_err_set(err, POS_E_INVALID, "reason",
		                   "the reason is too long: at most 100 characters");
	enum pos_status rc = app_reversal_start(l, op, txn, claimed_ok, fn, user, out, err);
	if (rc != POS_OK)
		return rc;
	const struct store_txn *t = app_flow_txn(*out);
	if (!t)
		return POS_OK;
	str_fmt(detail, sizeof detail, "reason: %s", why);
	store_txn_note(app_store(a), t->id, "reason", detail, NULL);
	str_fmt(detail, sizeof detail, "reversal %s started by %s (%lld): %s", t->public_id,
	        op->name, (long long)op->id, why);
	if (t->original_txn_id)
		store_txn_note(app_store(a), t->original_txn_id, "reversal", detail, NULL);
	flow_audit(a, op->id, "reversal.reason", t->public_id, "%s", why);
	return POS_OK;
}
