/* app/initiator.c: B2C payouts and reversals (initiator APIs): sending them,
 * and resolving them from their result callback or, when that does not
 * come, from Transaction Status queries sent as STATUS transactions whose
 * results come back by callback. */
#include "app/app_int.h"

#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/str.h"
#include "core/phone.h"

/* ---- sending --------------------------------------------------------------------- */

static void on_sent(void *user, struct daraja_result *res)
{
	struct app_flow *f = flow_send_done(user, res, false);
	if (!f)
		return;
	flow_reload(f);
	if (f->txn.state == TXN_AWAITING) {
		flow_set_note(f, "accepted by M-Pesa: waiting for the result");
		flow_follow(f, f->tm.status_at_ms[0]);
	} else if (f->txn.state == TXN_UNKNOWN) {
		flow_set_note(f, "the answer was lost: waiting for M-Pesa's result");
		flow_follow(f, f->tm.status_at_ms[0]);
	} else {
		flow_finish(f);
	}
}

/* created -> sent, then start(); any failure before the request is on its
 * way fails the transaction as not sent. */
static bool begin_send(struct app_flow *f, enum listener_route result,
                       enum listener_route timeout, char *rurl, char *turl,
                       size_t urlsz, struct daraja **d, struct pos_err *e)
{
	struct app *a = f->app;
	if (!(*d = app_daraja(a, e)) ||
	    app_reply_url(a, result, f->txn.public_id, rurl, urlsz, e) != POS_OK ||
	    app_reply_url(a, timeout, f->txn.public_id, turl, urlsz, e) != POS_OK) {
		flow_fail_unsent(a, &f->txn, "local:config", e);
		return false;
	}
	return flow_move(a, &f->txn, TXN_SENT, TXN_BY_SYSTEM, f->op.id, NULL, "request",
	                 "sending the request", e) == POS_OK;
}

static void after_start(struct app_flow *f, struct app_req *r, enum pos_status rc,
                        struct pos_err *e, const char *note)
{
	if (rc != POS_OK) {
		app_req_free(r);
		flow_fail_unsent(f->app, &f->txn, e->field[0] == '[' ? "local:config" : "local:invalid", e);
		f->err = *e;
		flow_finish(f);
		return;
	}
	f->req = r;
	flow_set_note(f, "%s", note);
}

void b2c_send(struct app_flow *f, enum fields_b2c_command cmd, const char *remarks,
              const char *occasion)
{
	char rurl[1024], turl[1024];
	struct daraja *d;
	struct pos_err e;
	if (!begin_send(f, LISTENER_B2C_RESULT, LISTENER_B2C_TIMEOUT, rurl, turl,
	                sizeof rurl, &d, &e)) {
		f->err = e;
		flow_finish(f);
		return;
	}
	struct daraja_b2c_req req = {
		.originator_conversation_id = f->txn.originator_conversation_id,
		.command = cmd,
		.phone = f->txn.msisdn,
		.amount = f->txn.amount_minor / MONEY_SCALE,
		.remarks = remarks,
		.occasion = occasion && occasion[0] ? occasion : NULL,
		.result_url = rurl,
		.timeout_url = turl,
	};
	struct app_req *r = app_req_new(f->app, f, f->txn.id, DARAJA_API_B2C);
	enum pos_status rc = r ? daraja_b2c(d, &req, on_sent, r, NULL, &e)
	                       : pos_err_set(&e, POS_E_NOMEM, NULL, NULL);
	after_start(f, r, rc, &e, "sending the payout");
}

void reversal_send(struct app_flow *f, const struct store_txn *original)
{
	char rurl[1024], turl[1024], remarks[64];
	struct daraja *d;
	struct pos_err e;
	if (!begin_send(f, LISTENER_REVERSAL_RESULT, LISTENER_REVERSAL_TIMEOUT, rurl, turl,
	                sizeof rurl, &d, &e)) {
		f->err = e;
		flow_finish(f);
		return;
	}
	str_fmt(remarks, sizeof remarks, "Reversal of %s", original->public_id);
	struct daraja_reversal_req req = {
		.transaction_id = original->receipt,
		.amount = original->amount_minor / MONEY_SCALE,
		.remarks = remarks,
		.result_url = rurl,
		.timeout_url = turl,
	};
	struct app_req *r = app_req_new(f->app, f, f->txn.id, DARAJA_API_REVERSAL);
	enum pos_status rc = r ? daraja_reversal(d, &req, on_sent, r, NULL, &e)
	                       : pos_err_set(&e, POS_E_NOMEM, NULL, NULL);
	after_start(f, r, rc, &e, "sending the reversal");
}

/* ---- status queries as transactions ------------------------------------------------ */

static void on_status_sent(void *user, struct daraja_result *res)
{
	struct app_flow *f = flow_send_done(user, res, true);
	if (!f)
		return;
	flow_step(f);
}

enum pos_status status_child_send(struct app_flow *f, const struct store_txn *parent,
                                  const char *receipt, struct pos_err *err)
{
	struct app *a = f->app;
	const struct config *cfg = app_config(a);
	char desc[64], rurl[1024], turl[1024];
	struct store_txn c;
	struct daraja *d = app_daraja(a, err);
	enum pos_status rc;
	if (!d)
		return err ? err->code : POS_E_CONFIG;
	if (parent)
		str_fmt(desc, sizeof desc, "Status of %s", parent->public_id);
	else
		str_fmt(desc, sizeof desc, "Status of %s", receipt);
	const struct store_txn_new in = {
		.kind = TXN_KIND_STATUS,
		.account_reference = parent ? parent->public_id : receipt,
		.description = desc,
		.till_id = cfg->till.id,
		.shortcode = cfg->daraja.b2c_shortcode,
		.operator_id = f->op.id,
		.original_txn_id = parent ? parent->id : 0,
		.detail = desc,
	};
	if ((rc = store_txn_create(app_store(a), &in, &c, err)) != POS_OK)
		return rc;
	if (parent)
		f->child_id = c.id;
	else
		f->txn_id = c.id;
	struct pos_err e;
	if (app_reply_url(a, LISTENER_STATUS_RESULT, c.public_id, rurl, sizeof rurl, &e) != POS_OK ||
	    app_reply_url(a, LISTENER_STATUS_TIMEOUT, c.public_id, turl, sizeof turl, &e) != POS_OK) {
		flow_fail_unsent(a, &c, "local:config", &e);
		if (err)
			*err = e;
		return e.code;
	}
	if (flow_move(a, &c, TXN_SENT, TXN_BY_SYSTEM, f->op.id, NULL, "request", desc, err) != POS_OK)
		return err ? err->code : POS_E_STATE;
	struct daraja_status_req req = {
		.transaction_id = receipt,
		.original_conversation_id = receipt ? NULL : parent->originator_conversation_id,
		.remarks = desc,
		.result_url = rurl,
		.timeout_url = turl,
	};
	struct app_req *r = app_req_new(a, f, c.id, DARAJA_API_TXN_STATUS);
	if (!r) {
		pos_err_set(&e, POS_E_NOMEM, NULL, NULL);
		rc = POS_E_NOMEM;
	} else {
		r->parent_id = parent ? parent->id : 0;
		rc = daraja_txn_status(d, &req, on_status_sent, r, NULL, &e);
	}
	if (rc != POS_OK) {
		app_req_free(r);
		flow_fail_unsent(a, &c, e.field[0] == '[' ? "local:config" : "local:invalid", &e);
		if (err)
			*err = e;
		return rc;
	}
	f->req = r;
	log_info("status", "%s: Transaction Status about %s", c.public_id,
	         parent ? parent->public_id : receipt);
	return POS_OK;
}

enum pos_status status_child_latest(struct app *a, const struct store_txn *parent,
                                    struct store_txn *out, struct pos_err *err)
{
	struct store_filter flt = {
		.has_kind = true,
		.kind = TXN_KIND_STATUS,
		.reference = parent->public_id,
	};
	size_t n = 0;
	bool more = false;
	struct store_cursor next;
	enum pos_status rc = store_txn_history(app_store(a), &flt, NULL, out, 1, &n,
	                                       &next, &more, err);
	if (rc == POS_OK && n == 0)
		return pos_err_set(err, POS_E_NOT_FOUND, "status", "no status query about %s",
		                   parent->public_id);
	return rc;
}

enum pos_status status_finding_of(struct app *a, const struct store_txn *status,
                                  struct status_finding *out, struct pos_err *err)
{
	int64_t ids[16];
	size_t n = 0;
	enum pos_status rc;
	memset(out, 0, sizeof *out);
	if ((rc = store_callback_ids_for(app_store(a), status->id, ids, 16, &n, err)) != POS_OK)
		return rc;
	for (size_t i = n; i-- > 0;) {
		struct store_callback_row row;
		if (store_callback_get(app_store(a), ids[i], &row, NULL) != POS_OK)
			continue;
		bool timeout = strcmp(row.route, "status/timeout") == 0;
		bool ok = strcmp(row.route, "status/result") == 0 && !timeout &&
		          row.outcome != STORE_CB_REJECTED &&
		          daraja_status_result_parse(row.body, row.body_len, 0, false, &out->r,
		                                     NULL) == POS_OK;
		store_callback_row_release(&row);
		if (ok) {
			out->answered = true;
			out->found = strcmp(out->r.common.result_code.text, "0") == 0;
			return POS_OK;
		}
	}
	return POS_OK;
}

enum pos_status app_status_result(struct app *a, int64_t status_txn_id,
                                  struct daraja_status_result *out,
                                  struct pos_err *err)
{
	struct store_txn t;
	struct status_finding fd;
	enum pos_status rc;
	if ((rc = store_txn_get(app_store(a), status_txn_id, &t, err)) != POS_OK ||
	    (rc = status_finding_of(a, &t, &fd, err)) != POS_OK)
		return rc;
	if (!fd.answered)
		return pos_err_set(err, POS_E_NOT_FOUND, "status",
		                   "no Transaction Status result has come for %s", t.public_id);
	*out = fd.r;
	return POS_OK;
}

/* ---- settling a payout or reversal from what a status query found ----------------------- */

static bool status_is(const struct status_finding *fd, const char *word)
{
	return str_eq_nocase(fd->r.transaction_status, word);
}

/* True when the finding settled t (it may have moved it to review). */
static bool settle(struct app *a, struct store_txn *t, const struct store_txn *child,
                   const struct status_finding *fd)
{
	char detail[STORE_RESULT_DESC_MAX];
	if (!fd->answered || !fd->found)
		return false;
	bool paid = t->kind == TXN_KIND_B2C
	                    ? status_is(fd, "Completed") || status_is(fd, "Reversed")
	                    : status_is(fd, "Reversed");
	bool declined = status_is(fd, "Failed") || status_is(fd, "Declined") ||
	                status_is(fd, "Cancelled") || status_is(fd, "Expired");
	if (paid && t->kind == TXN_KIND_B2C && fd->r.amount.present &&
	    fd->r.amount.minor != t->amount_minor) {
		str_fmt(detail, sizeof detail,
		        "Transaction Status (%s) shows %lld.%02lld, not the amount sent",
		        child->public_id, (long long)(fd->r.amount.minor / 100),
		        (long long)(fd->r.amount.minor % 100));
		struct store_txn_fields set = {.result_desc = detail};
		flow_move(a, t, TXN_REVIEW, TXN_BY_SYSTEM, 0, &set, "conflict", detail, NULL);
		return true;
	}
	if (paid) {
		str_fmt(detail, sizeof detail, "confirmed by Transaction Status (%s): %s",
		        child->public_id, fd->r.transaction_status);
		struct store_txn_fields set = {
			.receipt = t->kind == TXN_KIND_B2C && fd->r.receipt_no[0] ? fd->r.receipt_no
			                                                          : NULL,
			.result_code = "0",
			.result_desc = detail,
		};
		return flow_move(a, t, TXN_COMPLETED, TXN_BY_SYSTEM, 0, &set, "status", detail,
		                 NULL) == POS_OK;
	}
	if (declined && t->kind == TXN_KIND_B2C) {
		str_fmt(detail, sizeof detail, "Transaction Status (%s) says %s",
		        child->public_id, fd->r.transaction_status);
		struct store_txn_fields set = {.result_desc = detail};
		return flow_move(a, t, TXN_FAILED, TXN_BY_SYSTEM, 0, &set, "status", detail,
		                 NULL) == POS_OK;
	}
	return false;
}

void app_settle_on_change(struct app_loop *l, int64_t txn_id)
{
	struct app *a = app_loop_app(l);
	struct store_txn c, p;
	struct status_finding fd;
	if (txn_id <= 0 || store_txn_get(app_store(a), txn_id, &c, NULL) != POS_OK ||
	    c.kind != TXN_KIND_STATUS || !c.original_txn_id ||
	    !txn_state_is_terminal(c.state) ||
	    store_txn_get(app_store(a), c.original_txn_id, &p, NULL) != POS_OK ||
	    (p.kind != TXN_KIND_B2C && p.kind != TXN_KIND_REVERSAL) ||
	    (p.state != TXN_AWAITING && p.state != TXN_UNKNOWN && p.state != TXN_SENT) ||
	    status_finding_of(a, &c, &fd, NULL) != POS_OK)
		return;
	if (settle(a, &p, &c, &fd))
		log_info("status", "%s settled by %s: %s", p.public_id, c.public_id,
		         txn_state_name(p.state));
}

/* ---- the resolver -------------------------------------------------------------------- */

static void wait_or_leave(struct app_flow *f, int64_t delay_ms)
{
	if (delay_ms < 0)
		delay_ms = 0;
	if (f->mode == FLOW_PASS && delay_ms > f->tm.pass_horizon_ms &&
	    !(f->child_id && f->patient)) {
		flow_finish(f);
		return;
	}
	flow_schedule(f, delay_ms);
}

static bool find_request(const struct store_timeline_row *row, void *ctx)
{
	int64_t *at = ctx;
	if (!str_eq(row->what, "request"))
		return true;
	*at = row->at;
	return false;
}

/* When the request left. A transaction is recorded just before its request,
 * except a bulk-payout row: recorded with its whole batch, sent in its turn
 * (minutes or days later), its "request" timeline row says when
 * (app/batch.c). */
static int64_t sent_at(struct app_flow *f, const struct store_txn *t)
{
	int64_t at = 0;
	if (t->batch_id && t->state != TXN_CREATED &&
	    store_txn_timeline(app_store(f->app), t->id, find_request, &at, NULL) == POS_OK &&
	    at > t->created_at)
		return at;
	return t->created_at;
}

/* When Transaction Status query number n+1 (n made so far) is due, or, once
 * all were made, when the last one's answer has had its time: measured from
 * `since`, when the request was sent (timing.c). */
static int64_t status_due(const struct app_flow *f, int64_t since, int n)
{
	if (n < f->tm.status_queries)
		return since + f->tm.status_at_ms[n];
	return since + f->tm.status_at_ms[f->tm.status_queries - 1] + f->tm.child_wait_ms;
}

static void make_unresolved(struct app_flow *f, const char *why)
{
	struct store_txn_fields set = {.result_desc = why};
	if (f->txn.state == TXN_AWAITING || f->txn.state == TXN_SENT)
		flow_move(f->app, &f->txn, TXN_UNKNOWN, TXN_BY_SYSTEM, 0, NULL, "status", why, NULL);
	if (flow_move(f->app, &f->txn, TXN_UNRESOLVED, TXN_BY_SYSTEM, 0, &set, "unresolved",
	              why, NULL) == POS_OK)
		log_warn("status", "%s is unresolved: %s", f->txn.public_id, why);
	flow_changed(f);
}

void initiator_step(struct app_flow *f)
{
	struct app *a = f->app;
	struct store_txn *t = &f->txn;
	int64_t now = app_now_ms(a);
	int64_t since = sent_at(f, t);
	int64_t age = now - since;
	struct pos_err why;

	switch (t->state) {
	case TXN_CREATED:
		if (t->batch_id) {
			/* A bulk-payout row waiting its turn: its batch sends it
			 * (app/batch.c), however long the rate limit or a pause
			 * keeps it; a cancelled batch fails its rows itself. */
			wait_or_leave(f, f->tm.created_stale_ms);
			return;
		}
		if (age < f->tm.created_stale_ms) {
			wait_or_leave(f, f->tm.created_stale_ms - age);
			return;
		}
		pos_err_set(&why, POS_E_INTERNAL, NULL, "the program stopped before sending it");
		flow_fail_unsent(a, t, "local:not-sent", &why);
		flow_changed(f);
		flow_finish(f);
		return;
	case TXN_SENT:
		if (age < f->tm.sent_stale_ms) {
			wait_or_leave(f, f->tm.sent_stale_ms - age);
			return;
		}
		if (flow_move(a, t, TXN_UNKNOWN, TXN_BY_SYSTEM, 0, NULL, "answer",
		              "no answer was recorded (its program stopped while sending): "
		              "the outcome is not known", NULL) != POS_OK)
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

	/* What the newest status query found, or whether it is still out. */
	struct store_txn c;
	if (status_child_latest(a, t, &c, NULL) == POS_OK) {
		f->child_id = c.id;
		if (txn_state_is_terminal(c.state)) {
			struct status_finding fd;
			if (status_finding_of(a, &c, &fd, NULL) == POS_OK && settle(a, t, &c, &fd)) {
				flow_changed(f);
				flow_finish(f);
				return;
			}
			f->child_id = 0;
		} else if (now - c.created_at < f->tm.child_wait_ms) {
			flow_set_note(f, "asked M-Pesa for the status (%s): waiting for the answer",
			              c.public_id);
			wait_or_leave(f, f->tm.child_wait_ms - (now - c.created_at));
			return;
		} else {
			f->child_id = 0; /* its answer never came */
		}
	}

	if (t->kind == TXN_KIND_REVERSAL && !t->original_txn_id) {
		make_unresolved(f, "the reversal's outcome is not known and its original payment "
		                   "is not recorded: check it on the M-Pesa portal");
		flow_finish(f);
		return;
	}
	int n = t->attempts;
	if (n >= f->tm.status_queries && !f->force) {
		make_unresolved(f, "Transaction Status could not establish the outcome after "
		                   "repeated queries: check it on the M-Pesa portal and close it");
		flow_finish(f);
		return;
	}
	int64_t due = status_due(f, since, n);
	if (t->next_query_at > due)
		due = t->next_query_at;
	if (!f->force && now < due) {
		flow_set_note(f, "waiting for M-Pesa's result");
		wait_or_leave(f, due - now);
		return;
	}
	f->force = false;

	const char *receipt = NULL;
	struct store_txn orig;
	if (t->kind == TXN_KIND_REVERSAL) {
		if (store_txn_get(app_store(a), t->original_txn_id, &orig, NULL) != POS_OK ||
		    !orig.receipt[0]) {
			make_unresolved(f, "the reversal's outcome is not known and the receipt of "
			                   "its original payment is not recorded");
			flow_finish(f);
			return;
		}
		receipt = orig.receipt;
	}
	int64_t next = status_due(f, since, n + 1);
	if (next < now + f->tm.child_wait_ms)
		next = now + f->tm.child_wait_ms; /* late, or asked for: its answer first */
	(void)store_txn_schedule(app_store(a), t->id, n + 1, next, NULL);
	t->attempts = n + 1;
	struct pos_err e;
	if (status_child_send(f, t, receipt, &e) != POS_OK) {
		f->err = e;
		flow_set_note(f, "could not ask M-Pesa for the status; will try again");
		wait_or_leave(f, next - now);
		return;
	}
	flow_set_note(f, "asking M-Pesa for the status (query %d)", n + 1);
}
