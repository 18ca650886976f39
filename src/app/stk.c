/* app/stk.c: the charge (M-Pesa Express): start, push, and resolution by
 * callback or STK query until the prompt has certainly expired. */
#include "app/app_int.h"

#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/str.h"
#include "core/money.h"
#include "core/phone.h"
#include "core/result.h"

static const char DEFAULT_DESC[] = "Payment";

/* ---- timing -------------------------------------------------------------------- */

static int64_t final_deadline(const struct app_flow *f)
{
	const struct store_txn *t = &f->txn;
	int64_t d = t->deadline_at ? t->deadline_at : t->created_at + f->tm.prompt_ms;
	return d + f->tm.margin_ms;
}

/* The wait before query number n+1 (n made so far): 3 s, 4.5 s, ... 15 s. */
static int64_t query_backoff(const struct app_flow *f, int n)
{
	int64_t d = f->tm.query_first_ms;
	for (int i = 0; i < n && d < f->tm.query_cap_ms; i++)
		d += d / 2;
	return d < f->tm.query_cap_ms ? d : f->tm.query_cap_ms;
}

/* Wait, or in a reconciliation pass leave it for the next pass (a pass
 * asked for by a person waits for the least spacing of queries). */
static void stk_wait(struct app_flow *f, int64_t delay_ms)
{
	if (delay_ms < 0)
		delay_ms = 0;
	if (f->mode == FLOW_PASS && delay_ms > f->tm.pass_horizon_ms && !f->success_seen_ms &&
	    !(f->force && delay_ms <= f->tm.query_min_gap_ms)) {
		flow_finish(f);
		return;
	}
	flow_schedule(f, delay_ms);
}

/* ---- moves -------------------------------------------------------------------- */

/* The prompt has certainly expired and nothing final is known: a person
 * decides (never a guess). */
static void make_unresolved(struct app_flow *f, const char *why)
{
	struct app *a = f->app;
	if (f->txn.state == TXN_AWAITING &&
	    flow_move(a, &f->txn, TXN_UNKNOWN, TXN_BY_SYSTEM, 0, NULL, "expired", why,
	              NULL) != POS_OK)
		return;
	struct store_txn_fields set = {.result_desc = why};
	if (flow_move(a, &f->txn, TXN_UNRESOLVED, TXN_BY_SYSTEM, 0, &set, "unresolved",
	              why, NULL) == POS_OK)
		log_warn("charge", "%s is unresolved: %s", f->txn.public_id, why);
	flow_changed(f);
}

/* ---- the STK query ------------------------------------------------------------- */

static void apply_query(struct app *a, struct app_flow *f, int64_t txn_id,
                        const struct daraja_result *r)
{
	struct store_txn t;
	char detail[STORE_RESULT_DESC_MAX + 64];
	if (store_txn_get(app_store(a), txn_id, &t, NULL) != POS_OK ||
	    txn_state_is_terminal(t.state) || t.state == TXN_UNRESOLVED ||
	    t.state == TXN_REVIEW)
		return;
	if (r->cls == DARAJA_OK && !r->as.stk_query.pending) {
		const struct daraja_stk_query_answer *q = &r->as.stk_query;
		const char *code = q->result_code.text;
		if (strcmp(code, "0") == 0 && !t.receipt[0] && app_results_reachable(a)) {
			/* Paid: the callback brings the receipt; give it a moment. */
			if (!f || !f->success_seen_ms) {
				if (f) {
					f->success_seen_ms = app_mono_ms();
					flow_set_note(f, "M-Pesa says paid; waiting for the receipt");
				}
				return;
			}
			if (app_mono_ms() - f->success_seen_ms < f->tm.receipt_grace_ms)
				return;
		}
		enum txn_state to = result_final_state(code, TXN_KIND_STK);
		struct store_txn_fields set = {
			.merchant_request_id = q->merchant_request_id,
			.checkout_request_id = q->checkout_request_id,
			.result_code = code,
			.result_desc = q->result_desc,
		};
		str_fmt(detail, sizeof detail, "query: %s %s%s", code, q->result_desc,
		        strcmp(code, "0") == 0 ? " (no receipt: M-Pesa gives it only in the callback)"
		                               : "");
		flow_move(a, &t, to, TXN_BY_SYSTEM, 0, &set, "query", detail, NULL);
		return;
	}
	if (r->cls == DARAJA_PENDING || (r->cls == DARAJA_OK && r->as.stk_query.pending)) {
		if (f)
			flow_set_note(f, "waiting for the customer to enter their M-Pesa PIN");
		return;
	}
	char msg[POS_ERR_MSG_MAX + POS_ERR_HINT_MAX + POS_ERR_FIELD_MAX + 8];
	pos_err_format(&r->err, msg, sizeof msg);
	str_fmt(detail, sizeof detail, "query did not answer (%s): %s",
	        daraja_class_name(r->cls), msg);
	(void)store_txn_note(app_store(a), t.id, "query", detail, NULL);
	if (f) {
		f->err = r->err;
		flow_set_note(f, "could not check with M-Pesa; will try again");
	}
}

static void on_query(void *user, struct daraja_result *res)
{
	struct app_req *r = user;
	struct app_flow *f;
	flow_req_done_common(r, res, &f);
	apply_query(r->app, f, r->txn_id, res);
	app_req_free(r);
	if (f) {
		flow_reload(f);
		flow_step(f);
	}
}

static void send_query(struct app_flow *f)
{
	struct app *a = f->app;
	struct pos_err e;
	struct daraja *d = app_daraja(a, &e);
	int n = f->txn.attempts + 1;
	int64_t now = app_now_ms(a);
	int64_t next = now + query_backoff(f, n) + f->tm.query_slack_ms;
	f->last_query_ms = now;
	f->next_query_mono = app_mono_ms() + query_backoff(f, n);
	app_stk_queried(a, f->txn.id);
	(void)store_txn_schedule(app_store(a), f->txn.id, n, next, NULL);
	f->txn.attempts = n;
	f->txn.next_query_at = next;
	struct app_req *r = d ? app_req_new(a, f, f->txn.id, DARAJA_API_STK_QUERY) : NULL;
	struct daraja_stk_query_req q = {.checkout_request_id = f->txn.checkout_request_id};
	if (d && !r)
		pos_err_set(&e, POS_E_NOMEM, NULL, NULL);
	if (!r || daraja_stk_query(d, &q, on_query, r, NULL, &e) != POS_OK) {
		app_req_free(r);
		f->err = e;
		flow_set_note(f, "could not check with M-Pesa; will try again");
		stk_wait(f, query_backoff(f, n));
		return;
	}
	f->req = r;
	f->force = false;
	flow_set_note(f, "checking with M-Pesa (check %d)", n);
}

/* ---- the resolver ----------------------------------------------------------------- */

void stk_step(struct app_flow *f)
{
	struct store_txn *t = &f->txn;
	int64_t now = app_now_ms(f->app), mono = app_mono_ms();
	int64_t age = now - t->created_at;
	int64_t end = final_deadline(f);
	struct pos_err why;

	switch (t->state) {
	case TXN_CREATED:
		if (age < f->tm.created_stale_ms) {
			stk_wait(f, f->tm.created_stale_ms - age);
			return;
		}
		pos_err_set(&why, POS_E_INTERNAL, NULL,
		            "the program stopped before sending the push");
		flow_fail_unsent(f->app, t, "local:not-sent", &why);
		flow_changed(f);
		flow_finish(f);
		return;
	case TXN_SENT:
		if (age < f->tm.sent_stale_ms) {
			stk_wait(f, f->tm.sent_stale_ms - age);
			return;
		}
		if (flow_move(f->app, t, TXN_UNKNOWN, TXN_BY_SYSTEM, 0, NULL, "answer",
		              "no answer to the push was recorded (its program stopped "
		              "while sending): the outcome is not known", NULL) != POS_OK)
			return;
		flow_changed(f);
		break;
	case TXN_AWAITING:
	case TXN_UNKNOWN:
		break;
	default:
		flow_finish(f);
		return;
	}

	if (!t->checkout_request_id[0]) {
		/* The push's answer was lost: only the callback (its URL names this
		 * transaction) can tell, until the prompt has certainly expired. */
		if (now >= end) {
			make_unresolved(f, "the answer to the push was lost and no result came "
			                   "before the prompt expired: ask the customer for the "
			                   "M-Pesa message and close it as paid or not paid");
			flow_finish(f);
			return;
		}
		if (f->mode == FLOW_PASS)
			(void)store_txn_schedule(app_store(f->app), t->id, t->attempts, end, NULL);
		flow_set_note(f, "the answer to the push was lost: waiting for M-Pesa's result");
		stk_wait(f, end - now);
		return;
	}

	if (f->success_seen_ms && mono - f->success_seen_ms >= f->tm.receipt_grace_ms) {
		send_query(f); /* the last look; then paid without the receipt */
		return;
	}
	if (f->success_seen_ms) {
		stk_wait(f, f->tm.receipt_grace_ms - (mono - f->success_seen_ms));
		return;
	}
	if (now >= end && f->last_query_ms >= end && !f->force) {
		/* The last look, after the prompt had certainly expired, was not
		 * final either. */
		make_unresolved(f, "M-Pesa gave no final answer before the prompt expired: "
		                   "ask the customer for the M-Pesa message and close it as "
		                   "paid or not paid");
		flow_finish(f);
		return;
	}
	/* When to ask next (monotonic): this flow's own plan, else the one
	 * recorded (by another process, or before a restart); once more when
	 * the prompt has certainly expired; at once when a person asks (force);
	 * never sooner than query_min_gap_ms after the last query about this
	 * charge from this process, however fast the failures come back (a
	 * breaker, a 503) or the keys are pressed. */
	int64_t due = mono;
	if (!f->force) {
		due = f->next_query_mono ? f->next_query_mono
		      : t->next_query_at ? mono + (t->next_query_at - f->tm.query_slack_ms - now)
		                         : mono;
		if (due - mono > end - now && f->last_query_ms < end)
			due = mono + (end - now); /* a look once the prompt has certainly expired */
	}
	int64_t last = app_stk_last_query(f->app, t->id);
	if (last && due < last + f->tm.query_min_gap_ms)
		due = last + f->tm.query_min_gap_ms;
	if (due <= mono) {
		send_query(f);
		return;
	}
	stk_wait(f, due - mono);
}

/* ---- the push ------------------------------------------------------------------- */

static void on_push(void *user, struct daraja_result *res)
{
	struct app_flow *f = flow_send_done(user, res, false);
	if (!f)
		return;
	flow_reload(f);
	if (f->txn.state == TXN_AWAITING) {
		flow_set_note(f, "waiting for the customer to enter their M-Pesa PIN");
		flow_follow(f, f->tm.query_first_ms);
	} else if (f->txn.state == TXN_UNKNOWN) {
		flow_follow(f, 0);
	} else {
		flow_finish(f);
	}
}

void stk_send_push(struct app_flow *f, const char *account_ref)
{
	struct app *a = f->app;
	struct store_txn *t = &f->txn;
	char url[LISTENER_REF_MAX + 1024];
	struct pos_err e;
	struct daraja *d = app_daraja(a, &e);
	if (!d || app_reply_url(a, LISTENER_STK, t->public_id, url, sizeof url, &e) != POS_OK) {
		flow_fail_unsent(a, t, "local:config", &e);
		goto stop;
	}
	if (flow_move(a, t, TXN_SENT, TXN_BY_SYSTEM, f->op.id, NULL, "request",
	              "sending the M-Pesa prompt", &e) != POS_OK)
		goto stop; /* someone else moved it: nothing is sent */
	struct daraja_stk_push_req req = {
		.phone = t->msisdn,
		.amount = t->amount_minor / MONEY_SCALE,
		.account_ref = account_ref,
		.description = t->description[0] ? t->description : DEFAULT_DESC,
		.callback_url = url,
	};
	struct app_req *r = app_req_new(a, f, t->id, DARAJA_API_STK_PUSH);
	if (!r) {
		pos_err_set(&e, POS_E_NOMEM, NULL, NULL);
		flow_fail_unsent(a, t, "local:not-sent", &e);
		goto stop;
	}
	if (daraja_stk_push(d, &req, on_push, r, NULL, &e) != POS_OK) {
		app_req_free(r);
		flow_fail_unsent(a, t, e.field[0] == '[' ? "local:config" : "local:invalid", &e);
		goto stop;
	}
	f->req = r;
	flow_set_note(f, "sending the M-Pesa prompt to %s", t->msisdn);
	return;
stop:
	f->err = e;
	flow_finish(f);
}

/* ---- start ---------------------------------------------------------------------- */

enum pos_status app_charge_start(struct app_loop *l, const struct app_operator *op,
                                 const struct app_charge_req *rq, app_flow_fn fn,
                                 void *user, struct app_flow **out,
                                 struct pos_err *err)
{
	struct app *a = app_loop_app(l);
	const struct config *cfg = app_config(a);
	struct phone ph;
	struct money_limits lim;
	int64_t minor;
	enum pos_status rc;
	char ref[FIELDS_ACCOUNT_REF_MAX + 1] = "", desc[FIELDS_TXN_DESC_MAX + 1];
	char pretty[MONEY_FMT_MAX];

	if ((rc = flow_check_role(a, op, ROLE_ACT_CHARGE, err)) != POS_OK ||
	    (rc = phone_normalize(rq->phone, PHONE_DEFAULT_COUNTRY, &ph, err)) != POS_OK ||
	    (rc = money_parse(rq->amount, CURRENCY_KES, &minor, err)) != POS_OK)
		return rc;
	limit_money(cfg, &lim);
	if ((rc = money_check_limit(&lim, CURRENCY_KES, MONEY_OP_CHARGE, minor, err)) != POS_OK)
		return rc;
	if (rq->account_ref && rq->account_ref[0]) {
		if ((rc = fields_check_account_ref(rq->account_ref, err)) != POS_OK)
			return rc;
		str_copy(ref, sizeof ref, rq->account_ref);
	}
	str_copy(desc, sizeof desc, DEFAULT_DESC);
	if (rq->description && rq->description[0]) {
		if ((rc = fields_check_txn_desc(rq->description, err)) != POS_OK)
			return rc;
		str_copy(desc, sizeof desc, rq->description);
	}
	if (!app_daraja(a, err))
		return err ? err->code : POS_E_CONFIG;

	struct store_txn open;
	bool busy = false;
	if ((rc = limit_open_for_phone(a, TXN_KIND_STK, ph.msisdn, &open, &busy, err)) != POS_OK)
		return rc;
	if (busy)
		return pos_err_set(err, POS_E_CONFLICT, "phone",
		                   "%s already has charge %s (%s, %s) that is not finished; a "
		                   "new charge to this phone waits until it is final or a "
		                   "supervisor closes it",
		                   ph.pretty, open.public_id, txn_state_label(open.state),
		                   money_format(open.amount_minor, CURRENCY_KES, pretty, sizeof pretty));

	struct app_flow *f;
	if ((rc = flow_new(l, APP_FLOW_CHARGE, op, fn, user, &f, err)) != POS_OK)
		return rc;
	const struct store_txn_new in = {
		.kind = TXN_KIND_STK,
		.amount_minor = minor,
		.msisdn = ph.msisdn,
		.account_reference = ref[0] ? ref : NULL,
		.description = desc,
		.till_id = cfg->till.id,
		.shortcode = cfg->daraja.business_shortcode,
		.operator_id = op->id,
		.deadline_at = app_now_ms(a) + f->tm.prompt_ms,
		.detail = "charge started",
	};
	if ((rc = flow_record(f, &in, out, err)) != POS_OK)
		return rc;
	money_format(minor, CURRENCY_KES, pretty, sizeof pretty);
	flow_audit(a, op->id, "charge", f->txn.public_id, "%s from %s%s%s", pretty,
	           ph.pretty, ref[0] ? ", reference " : "", ref);
	log_info("charge", "%s: %s from %s by operator %lld", f->txn.public_id, pretty,
	         ph.msisdn, (long long)op->id);

	struct pos_err lim_err;
	if (limit_rate(a, &f->txn, &lim_err) != POS_OK) {
		flow_fail_unsent(a, &f->txn, "local:throttled", &lim_err);
		f->err = lim_err;
		flow_finish(f);
		return POS_OK;
	}
	stk_send_push(f, ref[0] ? ref : f->txn.public_id);
	return POS_OK;
}
