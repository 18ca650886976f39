/* app/resolve.c: a supervisor closes an unresolved (or held) transaction:
 * as not paid at once, or as paid with the receipt the customer shows,
 * after Transaction Status confirms that receipt, its amount and its phone. */
#include "app/app_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/str.h"
#include "core/money.h"
#include "core/phone.h"

static bool open_for_supervisor(enum txn_state s)
{
	return s == TXN_UNRESOLVED || s == TXN_REVIEW;
}

static void stop(struct app_flow *f, enum pos_status code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void stop(struct app_flow *f, enum pos_status code, const char *fmt, ...)
{
	char msg[POS_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pos_err_set(&f->err, code, "receipt", "%s", msg);
	flow_finish(f);
}

void resolve_step(struct app_flow *f)
{
	struct app *a = f->app;
	struct store_txn *t = &f->txn;
	struct store_txn c;
	struct status_finding fd;
	char detail[STORE_RESULT_DESC_MAX], want[MONEY_FMT_MAX], got[MONEY_FMT_MAX];

	if (!open_for_supervisor(t->state)) {
		flow_finish(f); /* closed meanwhile (late evidence, another supervisor) */
		return;
	}
	if (!f->child_id || store_txn_get(app_store(a), f->child_id, &c, NULL) != POS_OK) {
		stop(f, POS_E_INTERNAL, "the receipt check was lost: try again");
		return;
	}
	if (!txn_state_is_terminal(c.state)) {
		int64_t age = app_now_ms(f->app) - c.created_at;
		if (age < f->tm.child_wait_ms) {
			flow_set_note(f, "checking receipt %s with M-Pesa", f->resolve_receipt);
			flow_schedule(f, f->tm.child_wait_ms - age);
			return;
		}
		stop(f, POS_E_TIMEOUT, "M-Pesa did not answer the check of receipt %s: "
		     "nothing was changed; try again later", f->resolve_receipt);
		return;
	}
	if (status_finding_of(a, &c, &fd, &f->err) != POS_OK || !fd.answered) {
		stop(f, POS_E_TIMEOUT, "no answer came to the check of receipt %s: nothing "
		     "was changed; try again", f->resolve_receipt);
		return;
	}
	if (!fd.found) {
		stop(f, POS_E_NOT_FOUND, "M-Pesa does not know receipt %s (%s): nothing was "
		     "changed; check the number on the customer's message",
		     f->resolve_receipt, fd.r.common.result_desc);
		return;
	}
	if (!str_eq_nocase(fd.r.transaction_status, "Completed")) {
		stop(f, POS_E_INVALID, "M-Pesa says receipt %s is \"%s\", not completed: "
		     "nothing was changed", f->resolve_receipt, fd.r.transaction_status);
		return;
	}
	if (fd.r.amount.present && fd.r.amount.minor != t->amount_minor) {
		money_format(fd.r.amount.minor, CURRENCY_KES, got, sizeof got);
		money_format(t->amount_minor, CURRENCY_KES, want, sizeof want);
		str_fmt(detail, sizeof detail, "receipt %s is for %s", f->resolve_receipt, got);
		stop(f, POS_E_INVALID, "%s, not %s: nothing was changed", detail, want);
		return;
	}
	const char *party = t->kind == TXN_KIND_B2C ? fd.r.credit_party_name
	                                            : fd.r.debit_party_name;
	if (t->msisdn[0] && party[0] &&
	    phone_matches_shown(t->msisdn, party) == PHONE_SHOWN_MISMATCH) {
		stop(f, POS_E_INVALID, "receipt %s belongs to %s, not to this transaction's "
		     "phone: nothing was changed", f->resolve_receipt, party);
		return;
	}
	str_fmt(detail, sizeof detail,
	        "closed as paid by %s (operator %lld): receipt %s checked by Transaction "
	        "Status (%s)", f->op.name, (long long)f->op.id, f->resolve_receipt, c.public_id);
	struct store_txn_fields set = {.receipt = f->resolve_receipt, .result_code = "0",
	                               .result_desc = detail};
	if (flow_move(a, t, TXN_COMPLETED, TXN_BY_SUPERVISOR, f->op.id, &set, "resolved",
	              detail, &f->err) == POS_OK) {
		pos_err_clear(&f->err);
		flow_audit(a, f->op.id, "resolve.paid", t->public_id, "%s", detail);
	}
	flow_changed(f);
	flow_finish(f);
}

static bool receipt_ok(const char *s, char out[STORE_RECEIPT_MAX])
{
	size_t n = 0;
	for (; s && *s; s++) {
		if (isspace((unsigned char)*s))
			continue;
		if (!isalnum((unsigned char)*s) || n >= 10)
			return false;
		out[n++] = (char)toupper((unsigned char)*s);
	}
	out[n] = '\0';
	return n == 10;
}

enum pos_status app_resolve_start(struct app_loop *l, const struct app_operator *op,
                                  const struct app_resolve_req *rq, app_flow_fn fn,
                                  void *user, struct app_flow **out,
                                  struct pos_err *err)
{
	struct app *a = app_loop_app(l);
	struct store_txn t, other;
	enum pos_status rc;
	char receipt[STORE_RECEIPT_MAX] = "";

	if (!op || op->id <= 0)
		return pos_err_set(err, POS_E_DENIED, "operator",
		                   "closing a transaction needs a signed-in supervisor");
	if ((rc = role_check(op->role, ROLE_ACT_RESOLVE_UNRESOLVED, err)) != POS_OK) {
		flow_audit(a, op->id, "denied", "resolve", "%s (%s) tried to close %s",
		           op->name, role_name(op->role), rq->txn ? rq->txn : "?");
		return rc;
	}
	if ((rc = store_txn_get_public(app_store(a), rq->txn, &t, err)) != POS_OK)
		return rc;
	if (!open_for_supervisor(t.state))
		return pos_err_set(err, POS_E_STATE, "id",
		                   "%s is %s: only unresolved or held transactions are closed by "
		                   "hand", t.public_id, txn_state_label(t.state));
	if (rq->paid) {
		if (!receipt_ok(rq->receipt, receipt))
			return pos_err_set(err, POS_E_INVALID, "receipt",
			                   "\"%s\" is not an M-Pesa receipt: 10 letters and digits, "
			                   "as on the customer's message", rq->receipt ? rq->receipt : "");
		if (store_txn_find(app_store(a), STORE_KEY_RECEIPT, receipt, &other, NULL) == POS_OK)
			return pos_err_set(err, POS_E_DUPLICATE, "receipt",
			                   "receipt %s is already recorded on %s", receipt,
			                   other.public_id);
		if (!app_results_reachable(a))
			return pos_err_set(err, POS_E_CONFIG, "[listener] public_url",
			                   "the receipt can be checked only when M-Pesa's answers reach "
			                   "this till; set [listener] public_url (docs/going-live.md)");
		if (!app_daraja(a, err))
			return err ? err->code : POS_E_CONFIG;
	}
	struct app_flow *f;
	if ((rc = flow_new(l, APP_FLOW_RESOLVE, op, fn, user, &f, err)) != POS_OK)
		return rc;
	f->txn_id = t.id;
	f->txn = t;
	f->have_txn = true;
	f->resolve_paid = rq->paid;
	str_copy(f->resolve_receipt, sizeof f->resolve_receipt, receipt);
	*out = f;
	if (!rq->paid) {
		char detail[STORE_RESULT_DESC_MAX];
		str_fmt(detail, sizeof detail, "closed as not paid by %s (operator %lld)",
		        op->name, (long long)op->id);
		struct store_txn_fields set = {.result_desc = detail};
		if (flow_move(a, &f->txn, TXN_FAILED, TXN_BY_SUPERVISOR, op->id, &set, "resolved",
		              detail, &f->err) == POS_OK)
			flow_audit(a, op->id, "resolve.not_paid", t.public_id, "%s", detail);
		flow_finish(f);
		return POS_OK;
	}
	flow_audit(a, op->id, "resolve.check", t.public_id, "checking receipt %s", receipt);
	if (status_child_send(f, &f->txn, receipt, &f->err) != POS_OK) {
		flow_finish(f);
		return POS_OK;
	}
	flow_follow(f, f->tm.child_wait_ms);
	return POS_OK;
}
