/*
 * ui/cash.c: ADAPTER until app/ records sales paid by other means.
 *
 * Wanted in app/flow.h (then this file goes and the Charge screen calls it):
 *   struct app_cash_req { int64_t amount_minor; const char *msisdn, *reference,
 *                         *description, *means; };
 *   enum pos_status app_cash_record(struct app *a, const struct app_operator *op,
 *                                   const struct app_cash_req *rq,
 *                                   struct store_txn *out, struct pos_err *err);
 * It does what that function would: checks the role and the limits, records
 * the intent, completes it (core allows created -> completed for CASH only),
 * and writes the audit row.
 */
#include <stdio.h>
#include <string.h>

#include "base/str.h"
#include "core/money.h"
#include "ui/ui_int.h"

enum pos_status ui_cash_record(struct ui *ui, const struct ui_cash_req *rq,
                               struct store_txn *out, struct pos_err *err)
{
	const struct ui_operator *op = ui_operator(ui);
	const struct ui_opts *o = ui_opts_of(ui);
	struct store *st = ui_store(ui);
	enum pos_status s = role_check(op->role, ROLE_ACT_CHARGE, err);
	if (s != POS_OK)
		return s;
	if (rq->amount_minor <= 0 || !money_is_whole(rq->amount_minor))
		return pos_err_set(err, POS_E_AMOUNT, "amount",
		                   "a cash sale needs a whole amount above zero");
	struct store_txn_new in = {
		.kind = TXN_KIND_CASH,
		.amount_minor = rq->amount_minor,
		.msisdn = rq->msisdn,
		.account_reference = rq->reference && rq->reference[0] ? rq->reference : NULL,
		.description = rq->description && rq->description[0] ? rq->description : NULL,
		.other_means = rq->means,
		.till_id = o->till_id,
		.shortcode = o->shortcode,
		.operator_id = op->id,
		.detail = "recorded at the console as paid by other means",
	};
	struct store_txn t;
	if ((s = store_txn_create(st, &in, &t, err)) != POS_OK)
		return s;
	struct store_txn_change ch = {
		.check_from = true,
		.from = TXN_CREATED,
		.to = TXN_COMPLETED,
		.actor = TXN_BY_SYSTEM,
		.operator_id = op->id,
		.what = "cash",
		.detail = rq->means,
	};
	if ((s = store_txn_transition(st, t.id, &ch, out, err)) != POS_OK)
		return s;
	char amount[MONEY_FMT_MAX], detail[128];
	money_format(rq->amount_minor, CURRENCY_KES, amount, sizeof amount);
	snprintf(detail, sizeof detail, "%s paid by %s", amount, rq->means);
	store_audit_append(st, op->id, "sale.cash", out->public_id, detail, NULL);
	return POS_OK;
}
