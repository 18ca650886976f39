/* app/cash.c: a sale paid by other means (cash, card) while M-Pesa cannot be
 * used: recorded completed at once, audited, with its event on the outbox. */
#include "app/app_int.h"

#include <string.h>

#include "base/log.h"
#include "base/str.h"
#include "core/fields.h"
#include "core/money.h"
#include "core/phone.h"

enum pos_status app_cash_record(struct app *a, const struct app_operator *op,
                                const struct app_cash_req *rq, struct store_txn *out,
                                struct pos_err *err)
{
	const struct config *cfg = app_config(a);
	enum pos_status rc;
	int64_t minor;
	struct phone ph;
	bool have_phone = rq->phone && rq->phone[0];
	const char *means = rq->means && rq->means[0] ? rq->means : "cash";

	if ((rc = flow_check_role(a, op, ROLE_ACT_CHARGE, err)) != POS_OK ||
	    (rc = money_parse(rq->amount, CURRENCY_KES, &minor, err)) != POS_OK)
		return rc;
	if (minor <= 0)
		return pos_err_set(err, POS_E_AMOUNT, "amount",
		                   "a cash sale needs an amount above zero");
	if (have_phone &&
	    (rc = phone_normalize(rq->phone, PHONE_DEFAULT_COUNTRY, &ph, err)) != POS_OK)
		return rc;
	if (rq->account_ref && rq->account_ref[0] &&
	    (rc = fields_check_account_ref(rq->account_ref, err)) != POS_OK)
		return rc;
	if (rq->description && rq->description[0] &&
	    (rc = fields_check_txn_desc(rq->description, err)) != POS_OK)
		return rc;
	if (strlen(means) >= STORE_MEANS_MAX)
		return pos_err_set(err, POS_E_TOO_LONG, "means",
		                   "how it was paid takes at most %d characters",
		                   STORE_MEANS_MAX - 1);

	const struct store_txn_new in = {
		.kind = TXN_KIND_CASH,
		.amount_minor = minor,
		.msisdn = have_phone ? ph.msisdn : NULL,
		.account_reference = rq->account_ref && rq->account_ref[0] ? rq->account_ref : NULL,
		.description = rq->description && rq->description[0] ? rq->description : NULL,
		.other_means = means,
		.till_id = cfg->till.id,
		.shortcode = cfg->daraja.business_shortcode,
		.operator_id = op->id,
		.detail = "recorded as paid by other means",
	};
	struct store_txn t;
	if ((rc = store_txn_create(app_store(a), &in, &t, err)) != POS_OK)
		return rc;
	/* created -> completed (core allows it for cash only); the change
	 * writes the outbox event mpesa.sale.cash_recorded. */
	if ((rc = flow_move(a, &t, TXN_COMPLETED, TXN_BY_SYSTEM, op->id, NULL, "cash", means,
	                    err)) != POS_OK)
		return rc;
	char amount[MONEY_FMT_MAX];
	money_format(minor, CURRENCY_KES, amount, sizeof amount);
	flow_audit(a, op->id, "sale.cash", t.public_id, "%s paid by %s", amount, means);
	log_info("cash", "%s: %s paid by %s, recorded by operator %lld", t.public_id, amount,
	         means, (long long)op->id);
	if (out)
		*out = t;
	return POS_OK;
}
