/* sim/initiator.c: the initiator products' shared path, Transaction Status,
 * Account Balance and Reversal. */
#include "sim/initiator.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "sim/cred.h"
#include "sim/http.h"
#include "sim/initiator_int.h"
#include "sim/json.h"
#include "sim/ledger.h"
#include "sim/result.h"
#include "sim/sim.h"

/* Where Daraja's own results queue lives: it shows in ReferenceData. */
static const char *const internal_queue[] = {
	[IJOB_B2C] = "https://internalsandbox.safaricom.co.ke/mpesa/b2cresults/v1/submit",
	[IJOB_STATUS] = "https://internalsandbox.safaricom.co.ke/mpesa/tsresults/v1/submit",
	[IJOB_BALANCE] = "https://internalsandbox.safaricom.co.ke/mpesa/abresults/v1/submit",
	[IJOB_REVERSAL] = "https://internalsandbox.safaricom.co.ke/mpesa/reversalresults/v1/submit",
};

static const char DESC_OK[] = "The service request is processed successfully.";

static void ijob_free(void *p)
{
	struct ijob *j = p;
	if (!j)
		return;
	free(j->result_url);
	free(j->queue_url);
	free(j);
}

/* "600000 - Daraja Sim Ltd" / "254712345678 - Jane Wanjiru". */
static void org_name(const struct sim *s, const char *shortcode, char *out, size_t n)
{
	str_fmt(out, n, "%s - %s", shortcode, s->cfg.org_name);
}

static void person_name(const char *msisdn, char *out, size_t n)
{
	char first[32], last[32];
	sim_customer_name(msisdn, first, sizeof first, last, sizeof last);
	str_fmt(out, n, "%s - %s %s", msisdn, first, last);
}

/* ---- results ---------------------------------------------------------------------- */

static cJSON *b2c_result(struct ijob *j, char *txid)
{
	struct sim *s = j->s;
	int64_t now = clock_now_ms();
	const char *code = "0", *desc = DESC_OK;
	struct sim_accounts after;
	struct sim_txn t;
	memset(&t, 0, sizeof t);
	sim_ids_receipt(&s->ids, (time_t)(now / 1000), txid);

	if (j->amount < 10) {
		code = "2";
		desc = "Declined due to limit rule: less than the minimum transaction amount.";
	} else if (j->amount > 250000) {
		code = "3";
		desc = "Declined due to limit rule: greater than the maximum transaction amount.";
	} else {
		t.kind = SIM_TXN_B2C;
		str_copy(t.receipt, sizeof t.receipt, txid);
		str_copy(t.shortcode, sizeof t.shortcode, j->party_a);
		str_copy(t.msisdn, sizeof t.msisdn, j->party_b);
		str_copy(t.command, sizeof t.command, j->command);
		str_copy(t.occasion, sizeof t.occasion, j->occasion);
		str_copy(t.conversation_id, sizeof t.conversation_id, j->conversation);
		str_copy(t.originator_id, sizeof t.originator_id, j->originator);
		t.amount = j->amount;
		t.initiated_ms = j->t0_ms;
		t.completed_ms = now;
		switch (sim_ledger_pay_out(s->ledger, &t, &after)) {
		case SIM_MOVE_OK:
			break;
		case SIM_MOVE_INSUFFICIENT:
			code = "1";
			desc = "The balance is insufficient for the transaction.";
			break;
		default:
			code = "17";
			desc = "System internal error.";
			break;
		}
	}

	cJSON *res;
	cJSON *root = sim_result_new(code, desc, j->originator, j->conversation, txid, &res);
	if (!root)
		return NULL;
	if (strcmp(code, "0") == 0) {
		char name[96], when[32];
		struct tm tm;
		clock_eat_tm((time_t)(now / 1000), &tm);
		snprintf(when, sizeof when, "%02u.%02u.%04u %02u:%02u:%02u",
		         (unsigned)tm.tm_mday % 100u, (unsigned)(tm.tm_mon + 1) % 100u,
		         (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)tm.tm_hour % 100u,
		         (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u);
		person_name(j->party_b, name, sizeof name);
		sim_result_param_int(res, "TransactionAmount", j->amount);
		sim_result_param_str(res, "TransactionReceipt", txid);
		sim_result_param_str(res, "B2CRecipientIsRegisteredCustomer", "Y");
		sim_result_param_cents(res, "B2CChargesPaidAccountAvailableFunds", after.charges);
		sim_result_param_str(res, "ReceiverPartyPublicName", name);
		sim_result_param_str(res, "TransactionCompletedDateTime", when);
		sim_result_param_cents(res, "B2CUtilityAccountAvailableFunds", after.utility);
		sim_result_param_cents(res, "B2CWorkingAccountAvailableFunds", after.working);
	}
	sim_result_ref(res, "QueueTimeoutURL", internal_queue[IJOB_B2C]);
	return root;
}

static const char *reason_type(const struct sim_txn *t)
{
	switch (t->kind) {
	case SIM_TXN_B2C:
		if (strcmp(t->command, "BusinessPayment") == 0)
			return "Business Payment via API";
		if (strcmp(t->command, "PromotionPayment") == 0)
			return "Promotion Payment via API";
		return "Salary Payment via API";
	case SIM_TXN_STK:
		return strcmp(t->command, "CustomerBuyGoodsOnline") == 0 ? "Pay Merchant Online"
		                                                         : "Pay Bill Online";
	case SIM_TXN_C2B:
		return strcmp(t->command, "CustomerBuyGoodsOnline") == 0 ? "Buy Goods" : "Pay Bill";
	case SIM_TXN_REVERSAL:
		return "Reversal";
	}
	return "";
}

static cJSON *status_result(struct ijob *j, char *txid)
{
	struct sim *s = j->s;
	struct sim_txn t;
	cJSON *res;
	sim_ids_placeholder(clock_now(), txid);
	if (!sim_ledger_find(s->ledger, j->transaction_id, &t)) {
		cJSON *root = sim_result_new("R000002", "The transaction could not be found.",
		                             j->originator, j->conversation, txid, &res);
		if (root)
			sim_result_ref(res, "Occasion", j->occasion[0] ? j->occasion : NULL);
		return root;
	}
	cJSON *root = sim_result_new("0", DESC_OK, j->originator, j->conversation, txid, &res);
	if (!root)
		return NULL;
	char debit[96], credit[96], charges[96], initiated[16], finalised[16], fee[32];
	const char *account = "Customer Account";
	sim_fmt_cents(t.fee_cents, fee);
	charges[0] = '\0';
	if (t.kind == SIM_TXN_B2C) {
		org_name(s, t.shortcode, debit, sizeof debit);
		person_name(t.msisdn, credit, sizeof credit);
		account = "Utility Account";
		str_fmt(charges, sizeof charges, "Fee For B2C Payment|KES|%s", fee);
	} else if (t.kind == SIM_TXN_REVERSAL) {
		org_name(s, t.shortcode, debit, sizeof debit);
		person_name(t.msisdn, credit, sizeof credit);
		account = "Working Account";
	} else {
		person_name(t.msisdn, debit, sizeof debit);
		org_name(s, t.party_b[0] ? t.party_b : t.shortcode, credit, sizeof credit);
	}
	sim_daraja_time(t.initiated_ms, initiated);
	sim_daraja_time(t.completed_ms, finalised);
	sim_result_param_str(res, "DebitPartyName", debit);
	sim_result_param_str(res, "CreditPartyName", credit);
	sim_result_param_str(res, "Originator Conversation ID", t.originator_id);
	sim_result_param_raw(res, "InitiatedTime", initiated);
	sim_result_param_str(res, "DebitAccountType", account);
	sim_result_param_str(res, "DebitPartyCharges", charges);
	sim_result_param_novalue(res, "TransactionReason");
	sim_result_param_str(res, "ReasonType", reason_type(&t));
	sim_result_param_str(res, "TransactionStatus", t.reversed ? "Reversed" : "Completed");
	sim_result_param_raw(res, "FinalisedTime", finalised);
	sim_result_param_int(res, "Amount", t.amount);
	sim_result_param_str(res, "Conversation ID", t.conversation_id);
	sim_result_param_str(res, "ReceiptNo", t.receipt);
	sim_result_ref(res, "Occasion", j->occasion[0] ? j->occasion : NULL);
	return root;
}

static cJSON *balance_result(struct ijob *j, char *txid)
{
	struct sim_accounts a;
	char balances[512], when[16];
	cJSON *res;
	int64_t now = clock_now_ms();
	sim_ids_placeholder((time_t)(now / 1000), txid);
	if (!sim_ledger_accounts(j->s->ledger, j->party_a, &a)) {
		cJSON *root = sim_result_new("17", "System internal error.", j->originator,
		                             j->conversation, txid, &res);
		if (root)
			sim_result_ref(res, "QueueTimeoutURL", internal_queue[IJOB_BALANCE]);
		return root;
	}
	sim_balance_string(&a, balances, sizeof balances);
	sim_daraja_time(now, when);
	cJSON *root = sim_result_new("0", DESC_OK, j->originator, j->conversation, txid, &res);
	if (!root)
		return NULL;
	sim_result_param_str(res, "AccountBalance", balances);
	sim_result_param_raw(res, "BOCompletedTime", when);
	sim_result_ref(res, "QueueTimeoutURL", internal_queue[IJOB_BALANCE]);
	return root;
}

static cJSON *reversal_result(struct ijob *j, char *txid)
{
	struct sim *s = j->s;
	int64_t now = clock_now_ms();
	struct sim_txn t, orig;
	struct sim_accounts after;
	const char *code = "0", *desc = DESC_OK;
	memset(&t, 0, sizeof t);
	memset(&orig, 0, sizeof orig);
	memset(&after, 0, sizeof after);
	sim_ids_receipt(&s->ids, (time_t)(now / 1000), txid);
	t.kind = SIM_TXN_REVERSAL;
	str_copy(t.receipt, sizeof t.receipt, txid);
	str_copy(t.shortcode, sizeof t.shortcode, j->party_b);
	str_copy(t.original_receipt, sizeof t.original_receipt, j->transaction_id);
	str_copy(t.conversation_id, sizeof t.conversation_id, j->conversation);
	str_copy(t.originator_id, sizeof t.originator_id, j->originator);
	str_copy(t.occasion, sizeof t.occasion, j->occasion);
	str_copy(t.command, sizeof t.command, "TransactionReversal");
	t.initiated_ms = j->t0_ms;
	t.completed_ms = now;
	switch (sim_ledger_reverse(s->ledger, &t, &orig, &after)) {
	case SIM_MOVE_OK:
		break;
	case SIM_MOVE_ALREADY:
		code = "R000001";
		desc = "The transaction has already been reversed.";
		break;
	case SIM_MOVE_NOT_FOUND:
	case SIM_MOVE_NOT_REVERSIBLE:
		code = "R000002";
		desc = "The OriginalTransactionID is invalid.";
		break;
	case SIM_MOVE_INSUFFICIENT:
		code = "1";
		desc = "The balance is insufficient for the transaction.";
		break;
	case SIM_MOVE_FULL:
		code = "17";
		desc = "System internal error.";
		break;
	}
	cJSON *res;
	cJSON *root = sim_result_new(code, desc, j->originator, j->conversation, txid, &res);
	if (!root)
		return NULL;
	if (strcmp(code, "0") == 0) {
		char balance[128], when[16], credit[96], debit[96];
		sim_account_string("Working Account", after.working, balance, sizeof balance);
		sim_daraja_time(now, when);
		person_name(orig.msisdn, credit, sizeof credit);
		org_name(s, orig.shortcode, debit, sizeof debit);
		sim_result_param_str(res, "DebitAccountBalance", balance);
		sim_result_param_cents(res, "Amount", orig.amount * 100);
		sim_result_param_raw(res, "TransCompletedTime", when);
		sim_result_param_str(res, "OriginalTransactionID", j->transaction_id);
		sim_result_param_cents(res, "Charge", 0);
		sim_result_param_str(res, "CreditPartyPublicName", credit);
		sim_result_param_str(res, "DebitPartyPublicName", debit);
	}
	sim_result_ref(res, "QueueTimeoutURL", internal_queue[IJOB_REVERSAL]);
	return root;
}

static void result_due(void *p)
{
	struct ijob *j = p;
	struct sim *s = j->s;
	char txid[SIM_ID_MAX];
	cJSON *root = NULL;
	const char *url = j->result_url, *kind = "result";

	if (j->queue_timeout) {
		cJSON *res;
		sim_ids_placeholder(clock_now(), txid);
		root = sim_result_new("1", "The service request timed out in the queue.",
		                      j->originator, j->conversation, txid, &res);
		if (root)
			cJSON_ReplaceItemInObjectCaseSensitive(res, "ResultType", cJSON_CreateNumber(1));
		url = j->queue_url;
		kind = "queue_timeout";
	} else if (j->preset_code) {
		cJSON *res;
		sim_ids_placeholder(clock_now(), txid);
		root = sim_result_new(j->preset_code, j->preset_desc, j->originator,
		                      j->conversation, txid, &res);
		if (root)
			sim_result_ref(res, "QueueTimeoutURL", internal_queue[j->kind]);
	} else {
		switch (j->kind) {
		case IJOB_B2C: root = b2c_result(j, txid); break;
		case IJOB_STATUS: root = status_result(j, txid); break;
		case IJOB_BALANCE: root = balance_result(j, txid); break;
		case IJOB_REVERSAL: root = reversal_result(j, txid); break;
		}
	}
	static const enum sim_api apis[] = {
		[IJOB_B2C] = SIM_API_B2C, [IJOB_STATUS] = SIM_API_STATUS,
		[IJOB_BALANCE] = SIM_API_BALANCE, [IJOB_REVERSAL] = SIM_API_REVERSAL,
	};
	if (root)
		sim_callback(s, apis[j->kind], kind, j->conversation, url, root, 0);
	ijob_free(j);
}

/* ---- the synchronous part ------------------------------------------------------------ */

void sim_initiator_accept(struct sim_req *r, struct ijob *j,
                          const char *name_field, const char *org,
                          bool check_org, const char *originator)
{
	struct sim *s = r->sim;
	char name[72], credential[4100], url[2100], queue[2100];
	j->s = s;
	j->t0_ms = r->t0_ms;
	sim_req_field(r, name_field, name, sizeof name);
	sim_req_field(r, "SecurityCredential", credential, sizeof credential);
	sim_req_field(r, "ResultURL", url, sizeof url);
	sim_req_field(r, "QueueTimeOutURL", queue, sizeof queue);
	j->result_url = strdup(url);
	j->queue_url = strdup(queue);
	if (!j->result_url || !j->queue_url) {
		ijob_free(j);
		sim_reply_error(r, 500, "500.003.1001", "Internal Server Error");
		return;
	}

	if (strcmp(name, s->cfg.initiator_name) != 0) {
		j->preset_code = "20";
		j->preset_desc = "Unresolved Initiator.";
	} else if (!sim_cred_check(s->key, credential, s->cfg.initiator_password)) {
		j->preset_code = "2001";
		j->preset_desc = "The initiator information is invalid.";
	} else if (check_org && !sim_known_org(s, org)) {
		j->preset_code = "21";
		j->preset_desc = "The initiator is not allowed to initiate this request.";
	}
	struct sim_fault f;
	sim_faults_get(&s->faults, r->api, &f);
	j->queue_timeout = sim_rng_chance(&s->rng, f.queue_timeout);

	sim_ids_conversation(&s->ids, (time_t)(r->t0_ms / 1000), j->conversation);
	if (originator)
		str_copy(j->originator, sizeof j->originator, originator);
	else
		sim_ids_request(&s->ids, j->originator);

	char orig_copy[132], conv_copy[SIM_ID_MAX];
	str_copy(orig_copy, sizeof orig_copy, j->originator);
	str_copy(conv_copy, sizeof conv_copy, j->conversation);
	sim_req_note(r, "OriginatorConversationID", orig_copy);
	sim_req_note(r, "ConversationID", conv_copy);
	if (j->preset_code)
		sim_req_note(r, "ResultCode", j->preset_code);
	sim_sched_after(s->sched, (int64_t)s->cfg.callback_delay_ms, result_due, ijob_free, j);

	cJSON *o = cJSON_CreateObject();
	if (o) {
		cJSON_AddStringToObject(o, "OriginatorConversationID", orig_copy);
		cJSON_AddStringToObject(o, "ConversationID", conv_copy);
		cJSON_AddStringToObject(o, "ResponseCode", "0");
		cJSON_AddStringToObject(o, "ResponseDescription",
		                        "Accept the service request successfully.");
	}
	r->accepted = true;
	sim_req_outcome(r, "accepted");
	sim_reply_json(r, 200, o);
}

void sim_status_query(struct sim_req *r)
{
	char txid[72], orig[132], party[16], idtype[8], occasion[104];
	if (!sim_req_check(r, SIM_OP_STATUS))
		return;
	sim_req_field(r, "TransactionID", txid, sizeof txid);
	sim_req_field(r, "OriginalConversationID", orig, sizeof orig);
	if (!orig[0])
		sim_req_field(r, "OriginalConcersationID", orig, sizeof orig);
	if (!txid[0] && !orig[0]) {
		sim_reply_invalid(r, "TransactionID");
		return;
	}
	struct ijob *j = calloc(1, sizeof *j);
	if (!j) {
		sim_reply_error(r, 500, "500.003.1001", "Internal Server Error");
		return;
	}
	j->kind = IJOB_STATUS;
	str_copy(j->transaction_id, sizeof j->transaction_id, txid[0] ? txid : orig);
	sim_req_field(r, "PartyA", party, sizeof party);
	sim_req_enum(r, "IdentifierType", "1|2|4", idtype, sizeof idtype);
	sim_req_field(r, "Occasion", occasion, sizeof occasion);
	str_copy(j->party_a, sizeof j->party_a, party);
	str_copy(j->occasion, sizeof j->occasion, occasion);
	sim_initiator_accept(r, j, "Initiator", party, strcmp(idtype, "4") == 0, NULL);
}

void sim_balance_query(struct sim_req *r)
{
	char party[16], idtype[8];
	if (!sim_req_check(r, SIM_OP_BALANCE))
		return;
	struct ijob *j = calloc(1, sizeof *j);
	if (!j) {
		sim_reply_error(r, 500, "500.003.1001", "Internal Server Error");
		return;
	}
	j->kind = IJOB_BALANCE;
	sim_req_field(r, "PartyA", party, sizeof party);
	sim_req_enum(r, "IdentifierType", "1|2|4", idtype, sizeof idtype);
	str_copy(j->party_a, sizeof j->party_a, party);
	sim_initiator_accept(r, j, "Initiator", party, strcmp(idtype, "1") != 0, NULL);
}

void sim_reversal_request(struct sim_req *r)
{
	char txid[72], receiver[16], occasion[104];
	if (!sim_req_check(r, SIM_OP_REVERSAL))
		return;
	struct ijob *j = calloc(1, sizeof *j);
	if (!j) {
		sim_reply_error(r, 500, "500.003.1001", "Internal Server Error");
		return;
	}
	j->kind = IJOB_REVERSAL;
	sim_req_field(r, "TransactionID", txid, sizeof txid);
	sim_req_field(r, "ReceiverParty", receiver, sizeof receiver);
	sim_req_field(r, "Occasion", occasion, sizeof occasion);
	str_copy(j->transaction_id, sizeof j->transaction_id, txid);
	str_copy(j->party_b, sizeof j->party_b, receiver);
	str_copy(j->occasion, sizeof j->occasion, occasion);
	j->amount = sim_req_amount(r, "Amount");
	sim_initiator_accept(r, j, "Initiator", receiver, true, NULL);
}
