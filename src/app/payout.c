/* app/payout.c: a payout (B2C v3) and a reversal: who may, the limits, the
 * second approver, the intent, and the one request. */
#include "app/app_int.h"
#include "app/c2b.h"

#include <stdio.h>
#include <string.h>

#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"
#include "core/money.h"
#include "core/phone.h"

enum { UUID_LEN = 36 };

/* A random (version 4) UUID: our OriginatorConversationID, unique per
 * payout, recorded with the intent before anything is sent. */
static enum pos_status uuid4(char out[UUID_LEN + 1])
{
	uint8_t b[16];
	char hex[33];
	enum pos_status rc = crypto_random(b, sizeof b);
	if (rc != POS_OK)
		return rc;
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	crypto_hex(b, sizeof b, hex);
	str_fmt(out, UUID_LEN + 1, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
	        hex + 16, hex + 20);
	return POS_OK;
}

enum pos_status app_payout_start(struct app_loop *l, const struct app_operator *op,
                                 const struct app_payout_req *rq, app_flow_fn fn,
                                 void *user, struct app_flow **out,
                                 struct pos_err *err)
{
	struct app *a = app_loop_app(l);
	const struct config *cfg = app_config(a);
	struct phone ph;
	struct money_limits lim;
	enum fields_b2c_command cmd;
	int64_t minor;
	enum pos_status rc;
	char pretty[MONEY_FMT_MAX], uuid[UUID_LEN + 1];
	const char *remarks = rq->remarks && rq->remarks[0] ? rq->remarks : "Payout";

	if ((rc = flow_check_role(a, op, ROLE_ACT_PAYOUT, err)) != POS_OK ||
	    (rc = phone_normalize(rq->phone, PHONE_DEFAULT_COUNTRY, &ph, err)) != POS_OK ||
	    (rc = money_parse(rq->amount, CURRENCY_KES, &minor, err)) != POS_OK)
		return rc;
	limit_money(cfg, &lim);
	if ((rc = money_check_limit(&lim, CURRENCY_KES, MONEY_OP_PAYOUT, minor, err)) != POS_OK ||
	    (rc = fields_b2c_command_parse(rq->command && rq->command[0] ? rq->command
	                                                                : cfg->daraja.b2c_command_id,
	                                   &cmd, err)) != POS_OK ||
	    (rc = fields_check_remarks(remarks, true, err)) != POS_OK ||
	    (rc = fields_check_occasion(rq->occasion, err)) != POS_OK)
		return rc;
	if ((rc = limit_payout(a, op, rq->approver, minor, err)) != POS_OK) {
		if (rc == POS_E_DENIED)
			flow_audit(a, op->id, "denied", "payout", "%s", err ? err->msg : "");
		return rc;
	}
	if (!app_daraja(a, err))
		return err ? err->code : POS_E_CONFIG;
	if ((rc = uuid4(uuid)) != POS_OK)
		return pos_err_set(err, rc, NULL, "no random numbers for the payout's id");

	struct app_flow *f;
	if ((rc = flow_new(l, APP_FLOW_PAYOUT, op, fn, user, &f, err)) != POS_OK)
		return rc;
	const struct store_txn_new in = {
		.kind = TXN_KIND_B2C,
		.amount_minor = minor,
		.msisdn = ph.msisdn,
		.description = remarks,
		.command_id = fields_b2c_command_name(cmd),
		.originator_conversation_id = uuid,
		.till_id = cfg->till.id,
		.shortcode = cfg->daraja.b2c_shortcode,
		.operator_id = op->id,
		.approver_id = rq->approver ? rq->approver->id : 0,
		.detail = "payout started",
	};
	if ((rc = flow_record(f, &in, out, err)) != POS_OK)
		return rc;
	money_format(minor, CURRENCY_KES, pretty, sizeof pretty);
	flow_audit(a, op->id, "payout", f->txn.public_id, "%s to %s (%s)%s", pretty,
	           ph.pretty, fields_b2c_command_name(cmd),
	           rq->approver ? ", approved by a second operator" : "");
	if (rq->approver)
		flow_audit(a, rq->approver->id, "payout.approve", f->txn.public_id,
		           "%s to %s approved by %s", pretty, ph.pretty, rq->approver->name);
	log_info("payout", "%s: %s to %s by operator %lld", f->txn.public_id, pretty,
	         ph.msisdn, (long long)op->id);

	struct pos_err lim_err;
	if (limit_rate(a, &f->txn, &lim_err) != POS_OK) {
		flow_fail_unsent(a, &f->txn, "local:throttled", &lim_err);
		f->err = lim_err;
		flow_finish(f);
		return POS_OK;
	}
	b2c_send(f, cmd, remarks, rq->occasion);
	return POS_OK;
}

/* ---- reversal --------------------------------------------------------------------- */

enum pos_status app_reversal_start(struct app_loop *l, const struct app_operator *op,
                                   const char *txn, bool claimed_ok, app_flow_fn fn,
                                   void *user, struct app_flow **out, struct pos_err *err)
{
	struct app *a = app_loop_app(l);
	const struct config *cfg = app_config(a);
	struct store_txn orig, prev;
	enum pos_status rc;
	bool found;
	char pretty[MONEY_FMT_MAX], desc[64];

	if ((rc = flow_check_role(a, op, ROLE_ACT_REVERSAL, err)) != POS_OK)
		return rc;
	if (!txn || !txn[0])
		return pos_err_set(err, POS_E_EMPTY, "id", "give the id of the payment to reverse");
	if ((rc = store_txn_get_public(app_store(a), txn, &orig, err)) != POS_OK)
		return rc;
	if (orig.kind != TXN_KIND_STK && orig.kind != TXN_KIND_C2B)
		return pos_err_set(err, POS_E_INVALID, "id",
		                   "%s is a %s: only customer payments (M-Pesa charges and "
		                   "paybill/till payments) can be reversed; Daraja offers no "
		                   "reversal of payouts",
		                   orig.public_id, txn_kind_label(orig.kind));
	if (orig.state != TXN_COMPLETED || !orig.receipt[0])
		return pos_err_set(err, POS_E_STATE, "id",
		                   "%s is %s: only a completed payment with an M-Pesa receipt can "
		                   "be reversed", orig.public_id, txn_state_label(orig.state));
	/* one reversal a payment: one already under way or done refuses another */
	if ((rc = app_reversal_of(a, orig.id, &prev, &found, err)) != POS_OK)
		return rc;
	if (found)
		return pos_err_set(err, POS_E_DUPLICATE, "id",
		                   "%s already has reversal %s (%s): a payment is reversed once",
		                   orig.public_id, prev.public_id, txn_state_label(prev.state));
	/* A claimed payment paid a sale: reversing it takes that money back. */
	char claim[STORE_NAME_MAX + STORE_REASON_MAX + 96];
	bool claimed = orig.kind == TXN_KIND_C2B && app_c2b_claim_of(a, orig.id, claim, sizeof claim);
	if (claimed && !claimed_ok) {
		money_format(orig.amount_minor, CURRENCY_KES, pretty, sizeof pretty);
		pos_err_set(err, POS_E_CONFLICT, "id",
		            "%s (%s, receipt %s) was %s: reversing it takes back the money that "
		            "paid that sale", orig.public_id, pretty, orig.receipt, claim);
		str_copy(err->hint, sizeof err->hint,
		         "make sure the sale is settled another way, then confirm the reversal");
		return POS_E_CONFLICT;
	}
	if (!app_daraja(a, err))
		return err ? err->code : POS_E_CONFIG;

	struct app_flow *f;
	if ((rc = flow_new(l, APP_FLOW_REVERSAL, op, fn, user, &f, err)) != POS_OK)
		return rc;
	str_fmt(desc, sizeof desc, "Reversal of %s", orig.public_id);
	const struct store_txn_new in = {
		.kind = TXN_KIND_REVERSAL,
		.amount_minor = orig.amount_minor,
		.msisdn = orig.msisdn[0] ? orig.msisdn : NULL,
		.account_reference = orig.public_id,
		.description = desc,
		.command_id = "TransactionReversal",
		.till_id = cfg->till.id,
		.shortcode = cfg->daraja.business_shortcode,
		.operator_id = op->id,
		.original_txn_id = orig.id,
		.detail = desc,
	};
	if ((rc = flow_record(f, &in, out, err)) != POS_OK)
		return rc;
	money_format(orig.amount_minor, CURRENCY_KES, pretty, sizeof pretty);
	flow_audit(a, op->id, "reversal", f->txn.public_id, "reverse %s (%s, receipt %s)%s%s",
	           orig.public_id, pretty, orig.receipt, claimed ? "; confirmed although " : "",
	           claimed ? claim : "");
	reversal_send(f, &orig);
	return POS_OK;
}
