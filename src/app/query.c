/* app/query.c: Account Balance, and `status`: one of our transactions
 * checked with Daraja once, or an M-Pesa receipt looked up with Transaction
 * Status. Query transactions are settled by their result callback; one
 * whose result never comes fails after a while (nothing moved). */
#include "app/app_int.h"

#include <ctype.h>
#include <string.h>

#include "base/log.h"
#include "base/str.h"

void query_step(struct app_flow *f)
{
	struct store_txn *t = &f->txn;
	int64_t now = app_now_ms(f->app);
	int64_t age = now - t->created_at;
	struct pos_err why;

	if (t->state == TXN_CREATED || t->state == TXN_SENT) {
		int64_t stale = t->state == TXN_CREATED ? f->tm.created_stale_ms : f->tm.sent_stale_ms;
		if (age < stale) {
			if (f->mode == FLOW_PASS && stale - age > f->tm.pass_horizon_ms)
				flow_finish(f);
			else
				flow_schedule(f, stale - age);
			return;
		}
		if (t->state == TXN_CREATED) {
			pos_err_set(&why, POS_E_INTERNAL, NULL, "the program stopped before sending it");
			flow_fail_unsent(f->app, t, "local:not-sent", &why);
			flow_changed(f);
			flow_finish(f);
			return;
		}
	}
	if (age >= f->tm.query_expire_ms) {
		const char *desc = "no result came from M-Pesa: nothing changed; ask again";
		struct store_txn_fields set = {.result_desc = desc};
		if (t->state == TXN_SENT)
			flow_move(f->app, t, TXN_UNKNOWN, TXN_BY_SYSTEM, 0, NULL, "expired", desc, NULL);
		flow_move(f->app, t, TXN_FAILED, TXN_BY_SYSTEM, 0, &set, "expired", desc, NULL);
		flow_changed(f);
		flow_finish(f);
		return;
	}
	if (f->mode == FLOW_PASS) {
		flow_finish(f);
		return;
	}
	flow_set_note(f, "waiting for M-Pesa's result");
	flow_schedule(f, f->tm.query_expire_ms - age);
}

/* ---- balance ------------------------------------------------------------------------ */

static void on_balance(void *user, struct daraja_result *res)
{
	struct app_flow *f = flow_send_done(user, res, true);
	if (!f)
		return;
	flow_reload(f);
	flow_follow(f, 0);
}

enum pos_status app_balance_start(struct app_loop *l, const struct app_operator *op,
                                  app_flow_fn fn, void *user,
                                  struct app_flow **out, struct pos_err *err)
{
	struct app *a = app_loop_app(l);
	const struct config *cfg = app_config(a);
	enum pos_status rc;
	char rurl[1024], turl[1024];
	if (!op || op->id <= 0)
		return pos_err_set(err, POS_E_DENIED, "operator",
		                   "a balance query needs a signed-in operator");
	if ((rc = role_check(op->role, ROLE_ACT_BALANCE, err)) != POS_OK) {
		flow_audit(a, op->id, "denied", "balance", "%s (%s) tried to check the balance",
		           op->name, role_name(op->role));
		return rc;
	}
	struct daraja *d = app_daraja(a, err);
	if (!d)
		return err ? err->code : POS_E_CONFIG;
	struct app_flow *f;
	if ((rc = flow_new(l, APP_FLOW_BALANCE, op, fn, user, &f, err)) != POS_OK)
		return rc;
	const struct store_txn_new in = {
		.kind = TXN_KIND_BALANCE,
		.description = "Balance query",
		.till_id = cfg->till.id,
		.shortcode = cfg->daraja.b2c_shortcode,
		.operator_id = op->id,
		.detail = "balance query",
	};
	if ((rc = flow_record(f, &in, out, err)) != POS_OK)
		return rc;
	flow_audit(a, op->id, "balance", f->txn.public_id, "balance of %s",
	           cfg->daraja.b2c_shortcode);
	struct pos_err e;
	if (app_reply_url(a, LISTENER_BALANCE_RESULT, f->txn.public_id, rurl, sizeof rurl, &e) != POS_OK ||
	    app_reply_url(a, LISTENER_BALANCE_TIMEOUT, f->txn.public_id, turl, sizeof turl, &e) != POS_OK ||
	    flow_move(a, &f->txn, TXN_SENT, TXN_BY_SYSTEM, op->id, NULL, "request",
	              "asking for the balance", &e) != POS_OK) {
		flow_fail_unsent(a, &f->txn, "local:config", &e);
		f->err = e;
		flow_finish(f);
		return POS_OK;
	}
	struct daraja_balance_req req = {.remarks = "Balance query", .result_url = rurl,
	                                 .timeout_url = turl};
	struct app_req *r = app_req_new(a, f, f->txn.id, DARAJA_API_BALANCE);
	rc = r ? daraja_balance(d, &req, on_balance, r, NULL, &e)
	       : pos_err_set(&e, POS_E_NOMEM, NULL, NULL);
	if (rc != POS_OK) {
		app_req_free(r);
		flow_fail_unsent(a, &f->txn, e.field[0] == '[' ? "local:config" : "local:invalid", &e);
		f->err = e;
		flow_finish(f);
		return POS_OK;
	}
	f->req = r;
	flow_set_note(f, "asking M-Pesa for the balance");
	return POS_OK;
}

enum pos_status app_balance_result(struct app *a, int64_t balance_txn_id,
                                   struct daraja_balance_result *out,
                                   struct pos_err *err)
{
	int64_t ids[16];
	size_t n = 0;
	enum pos_status rc = store_callback_ids_for(app_store(a), balance_txn_id, ids, 16, &n, err);
	if (rc != POS_OK)
		return rc;
	for (size_t i = n; i-- > 0;) {
		struct store_callback_row row;
		if (store_callback_get(app_store(a), ids[i], &row, NULL) != POS_OK)
			continue;
		bool ok = strcmp(row.route, "balance/result") == 0 &&
		          row.outcome != STORE_CB_REJECTED &&
		          daraja_balance_result_parse(row.body, row.body_len, 0, false, out,
		                                      NULL) == POS_OK;
		store_callback_row_release(&row);
		if (ok)
			return POS_OK;
	}
	return pos_err_set(err, POS_E_NOT_FOUND, "balance", "no balance result has come yet");
}

/* ---- status ------------------------------------------------------------------------- */

/* A receipt as typed: 10 letters and digits, upper-cased. */
static bool receipt_norm(const char *s, char out[STORE_RECEIPT_MAX])
{
	size_t n = 0;
	for (; *s; s++) {
		if (!isalnum((unsigned char)*s) || n >= 10)
			return false;
		out[n++] = (char)toupper((unsigned char)*s);
	}
	out[n] = '\0';
	return n == 10;
}

enum pos_status app_status_start(struct app_loop *l, const struct app_operator *op,
                                 const char *id, app_flow_fn fn, void *user,
                                 struct app_flow **out, struct pos_err *err)
{
	struct app *a = app_loop_app(l);
	struct store_txn t;
	char receipt[STORE_RECEIPT_MAX];
	bool is_receipt = id && receipt_norm(id, receipt);
	enum pos_status rc = POS_E_NOT_FOUND;
	if (!id || !id[0])
		return pos_err_set(err, POS_E_EMPTY, "id",
		                   "give a transaction id (T000001Y) or an M-Pesa receipt");
	int64_t row;
	if (store_public_id_parse(id, &row, NULL) == POS_OK)
		rc = store_txn_get(app_store(a), row, &t, err);
	if (rc == POS_E_NOT_FOUND && is_receipt)
		rc = store_txn_find(app_store(a), STORE_KEY_RECEIPT, receipt, &t, err);
	if (rc != POS_OK && rc != POS_E_NOT_FOUND)
		return rc;

	struct app_flow *f;
	if (rc == POS_OK) {
		if ((rc = flow_new(l, APP_FLOW_STATUS, op, fn, user, &f, err)) != POS_OK)
			return rc;
		f->txn_id = t.id;
		f->txn = t;
		f->have_txn = true;
		f->mode = FLOW_PASS;
		f->force = true;
		f->patient = true;
		*out = f;
		if (txn_state_is_terminal(t.state) || t.state == TXN_UNRESOLVED ||
		    t.state == TXN_REVIEW) {
			flow_finish(f);
			return POS_OK;
		}
		if (!app_daraja(a, &f->err)) {
			flow_finish(f); /* show what the ledger knows */
			return POS_OK;
		}
		flow_follow(f, 0);
		return POS_OK;
	}
	if (!is_receipt)
		return pos_err_set(err, POS_E_NOT_FOUND, "id",
		                   "\"%s\" is neither a transaction of this till nor an M-Pesa "
		                   "receipt (10 letters and digits)", id);
	/* A receipt we do not hold: ask M-Pesa. */
	if (!op || op->id <= 0)
		return pos_err_set(err, POS_E_DENIED, "operator",
		                   "looking up an M-Pesa receipt needs a signed-in supervisor");
	if ((rc = role_check(op->role, ROLE_ACT_ALL_HISTORY, err)) != POS_OK)
		return rc;
	if (!app_daraja(a, err))
		return err ? err->code : POS_E_CONFIG;
	if ((rc = flow_new(l, APP_FLOW_STATUS, op, fn, user, &f, err)) != POS_OK)
		return rc;
	if ((rc = status_child_send(f, NULL, receipt, err)) != POS_OK && !f->txn_id) {
		app_flow_free(f);
		return rc;
	}
	*out = f;
	flow_audit(a, op->id, "status", receipt, "Transaction Status of receipt %s", receipt);
	flow_reload(f);
	if (rc != POS_OK) {
		f->err = *err;
		flow_finish(f);
		return POS_OK;
	}
	flow_set_note(f, "asking M-Pesa about receipt %s", receipt);
	flow_follow(f, f->tm.query_expire_ms);
	return POS_OK;
}
