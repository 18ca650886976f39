/* listener/ingest.c: parse, convert, commit through the group writer, answer. */
#include "listener/ingest.h"

#include <regex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/str.h"
#include "core/result.h"
#include "daraja/callback.h"

struct ingest {
	struct ingest_opts o;
	char shortcode[STORE_SHORTCODE_MAX];
	char balance_shortcode[STORE_SHORTCODE_MAX];
	char till_number[STORE_SHORTCODE_MAX];
	char till_id[STORE_TILL_MAX];
	bool has_pattern;
	regex_t pattern;
	_Atomic uint64_t outcome[STORE_CB_OUTCOME_COUNT];
	_Atomic uint64_t store_failures, c2b_rejected;
};

/* The listener's routes and the parsers' routes, row for row. */
static const enum daraja_cb_route route_map[LISTENER_ROUTE_COUNT] = {
	[LISTENER_STK] = DARAJA_CB_STK,
	[LISTENER_B2C_RESULT] = DARAJA_CB_B2C_RESULT,
	[LISTENER_B2C_TIMEOUT] = DARAJA_CB_B2C_TIMEOUT,
	[LISTENER_STATUS_RESULT] = DARAJA_CB_STATUS_RESULT,
	[LISTENER_STATUS_TIMEOUT] = DARAJA_CB_STATUS_TIMEOUT,
	[LISTENER_BALANCE_RESULT] = DARAJA_CB_BALANCE_RESULT,
	[LISTENER_BALANCE_TIMEOUT] = DARAJA_CB_BALANCE_TIMEOUT,
	[LISTENER_REVERSAL_RESULT] = DARAJA_CB_REVERSAL_RESULT,
	[LISTENER_REVERSAL_TIMEOUT] = DARAJA_CB_REVERSAL_TIMEOUT,
	[LISTENER_C2B_VALIDATION] = DARAJA_CB_C2B_VALIDATION,
	[LISTENER_C2B_CONFIRMATION] = DARAJA_CB_C2B_CONFIRMATION,
};

/* The kind of transaction a route's callback concerns. */
static const enum txn_kind route_kind[LISTENER_ROUTE_COUNT] = {
	[LISTENER_STK] = TXN_KIND_STK,
	[LISTENER_B2C_RESULT] = TXN_KIND_B2C,
	[LISTENER_B2C_TIMEOUT] = TXN_KIND_B2C,
	[LISTENER_STATUS_RESULT] = TXN_KIND_STATUS,
	[LISTENER_STATUS_TIMEOUT] = TXN_KIND_STATUS,
	[LISTENER_BALANCE_RESULT] = TXN_KIND_BALANCE,
	[LISTENER_BALANCE_TIMEOUT] = TXN_KIND_BALANCE,
	[LISTENER_REVERSAL_RESULT] = TXN_KIND_REVERSAL,
	[LISTENER_REVERSAL_TIMEOUT] = TXN_KIND_REVERSAL,
	[LISTENER_C2B_VALIDATION] = TXN_KIND_C2B,
	[LISTENER_C2B_CONFIRMATION] = TXN_KIND_C2B,
};

static const char ACK_OK[] = "{\"ResultCode\":0,\"ResultDesc\":\"Accepted\"}";
static const char C2B_CONFIRM_OK[] = "{\"ResultCode\":0,\"ResultDesc\":\"Success\"}";

enum pos_status ingest_new(const struct ingest_opts *opts, struct ingest **out,
                           struct pos_err *err)
{
	struct ingest *in = calloc(1, sizeof *in);
	if (!in)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	in->o = *opts;
	if (!in->o.max_body)
		in->o.max_body = DARAJA_CB_BODY_MAX_DEFAULT;
	str_copy(in->shortcode, sizeof in->shortcode, opts->shortcode);
	str_copy(in->till_number, sizeof in->till_number, opts->till_number);
	str_copy(in->till_id, sizeof in->till_id, opts->till_id);
	str_copy(in->balance_shortcode, sizeof in->balance_shortcode,
	         opts->balance_shortcode && *opts->balance_shortcode ? opts->balance_shortcode
	                                                             : in->shortcode);
	in->o.shortcode = in->shortcode;
	in->o.till_number = in->till_number;
	in->o.till_id = in->till_id;
	in->o.balance_shortcode = in->balance_shortcode;
	in->o.c2b_account_pattern = NULL; /* compiled below; not kept */
	if (opts->c2b_account_pattern && *opts->c2b_account_pattern) {
		char anchored[600];
		if (!str_fmt(anchored, sizeof anchored, "^(%s)$", opts->c2b_account_pattern) ||
		    regcomp(&in->pattern, anchored, REG_EXTENDED | REG_NOSUB) != 0) {
			free(in);
			return pos_err_set(err, POS_E_CONFIG, "[listener] c2b_account_pattern",
			                   "\"%s\" is not a valid regular expression",
			                   opts->c2b_account_pattern);
		}
		in->has_pattern = true;
	}
	*out = in;
	return POS_OK;
}

void ingest_free(struct ingest *in)
{
	if (!in)
		return;
	if (in->has_pattern)
		regfree(&in->pattern);
	free(in);
}

void ingest_get_stats(struct ingest *in, struct ingest_stats *out)
{
	for (int i = 0; i < STORE_CB_OUTCOME_COUNT; i++)
		out->outcome[i] = atomic_load(&in->outcome[i]);
	out->store_failures = atomic_load(&in->store_failures);
	out->c2b_rejected = atomic_load(&in->c2b_rejected);
}

/* The state an async Result asks for: success/failure by its code, and
 * "outcome unknown" for a queue timeout (resolved by Transaction Status,
 * never taken as a failure). */
static enum txn_state result_state(const struct daraja_result_common *c,
                                   enum txn_kind k)
{
	if (c->timeout || c->outcome == DARAJA_OUTCOME_UNKNOWN)
		return TXN_UNKNOWN;
	return result_final_state(c->result_code.text, k);
}

static void from_common(struct store_callback *sc, const struct daraja_result_common *c,
                        enum txn_kind k)
{
	sc->conversation_id = c->conversation_id;
	sc->originator_conversation_id = c->originator_conversation_id;
	sc->result_code = c->has_result_code ? c->result_code.text : NULL;
	sc->result_desc = c->result_desc;
	sc->to = result_state(c, k);
}

/* C2B validation: the rules in order; NULL when the payment is accepted,
 * else Daraja's rejection code and our reason. */
static const char *c2b_judge(const struct ingest *in, const struct daraja_c2b *p,
                             const char **why)
{
	if (in->o.c2b_accept_all)
		return NULL;
	if (in->shortcode[0] && strcmp(p->business_short_code, in->shortcode) != 0 &&
	    !(in->till_number[0] && strcmp(p->business_short_code, in->till_number) == 0)) {
		*why = "the payment is for another shortcode";
		return "C2B00015";
	}
	if (!p->amount.present || p->amount.minor % 100 != 0 ||
	    (in->o.c2b_min_minor && p->amount.minor < in->o.c2b_min_minor) ||
	    (in->o.c2b_max_minor && p->amount.minor > in->o.c2b_max_minor)) {
		*why = "the amount is outside the till's limits";
		return "C2B00013";
	}
	if (in->has_pattern && regexec(&in->pattern, p->bill_ref_number, 0, NULL, 0) != 0) {
		*why = "the account number does not match [listener] c2b_account_pattern";
		return "C2B00012";
	}
	return NULL;
}

static void c2b_name(const struct daraja_c2b *p, char *out, size_t n)
{
	str_fmt(out, n, "%s%s%s%s%s", p->first_name,
	        p->middle_name[0] ? " " : "", p->middle_name,
	        p->last_name[0] ? " " : "", p->last_name);
	str_trim(out);
}

static void c2b_reply(struct listener_reply *reply, const char *code, const char *desc)
{
	str_fmt(reply->body, sizeof reply->body,
	        "{\"ResultCode\":\"%s\",\"ResultDesc\":\"%s\"}", code, desc);
}

void ingest_handle(void *user, const struct listener_request *rq,
                   struct listener_reply *reply)
{
	struct ingest *in = user;
	struct store_callback sc = {0};
	struct store_cb_result res;
	struct pos_err err, perr;
	struct daraja_callback *cb = NULL;
	char reason[LISTENER_REASON_MAX + POS_ERR_MSG_MAX];
	char payer[3 * DARAJA_NAME_LEN + 3];
	struct store_balance lines[DARAJA_ACCOUNTS_MAX];
	const char *c2b_code = NULL, *c2b_why = NULL;
	bool validation = rq->route == LISTENER_C2B_VALIDATION;

	sc.route = rq->route < LISTENER_ROUTE_COUNT ? listener_route_path(rq->route) : "unrouted";
	sc.source = rq->source;
	sc.body = rq->body;
	sc.body_len = rq->body_len;
	sc.received_at = rq->received_ms;
	sc.txn_public_id = rq->ref[0] ? rq->ref : NULL;

	if (rq->rejected) {
		sc.reject_reason = rq->reject_reason;
		goto submit;
	}

	cb = malloc(sizeof *cb);
	if (!cb) {
		reply->status = 503;
		return;
	}
	if (daraja_callback_parse(route_map[rq->route], rq->body, rq->body_len,
	                          in->o.max_body, cb, &perr) != POS_OK) {
		pos_err_format(&perr, reason, sizeof reason);
		sc.reject_reason = reason;
		reply->status = 400;
		str_copy(reply->body, sizeof reply->body,
		         "{\"ResultCode\":1,\"ResultDesc\":\"Rejected: malformed body\"}");
		log_warn("ingest", "%s from %s refused: %s", sc.route, rq->source, reason);
		goto submit;
	}

	enum txn_kind kind = route_kind[rq->route];
	switch (cb->route) {
	case DARAJA_CB_STK: {
		const struct daraja_stk_callback *s = &cb->u.stk;
		sc.checkout_request_id = s->checkout_request_id;
		sc.merchant_request_id = s->merchant_request_id;
		sc.result_code = s->result_code.text;
		sc.result_desc = s->result_desc;
		sc.to = result_final_state(s->result_code.text, kind);
		sc.receipt = s->receipt[0] ? s->receipt : NULL;
		sc.has_amount = s->amount.present;
		sc.amount_minor = s->amount.minor;
		sc.msisdn_shown = s->phone.kind != DARAJA_MSISDN_ABSENT ? s->phone.text : NULL;
		break;
	}
	case DARAJA_CB_B2C_RESULT:
	case DARAJA_CB_B2C_TIMEOUT: {
		const struct daraja_b2c_result *b = &cb->u.b2c;
		from_common(&sc, &b->common, kind);
		/* A failed payout carries a placeholder TransactionID: only a
		 * completed one has a receipt. */
		sc.receipt = sc.to != TXN_COMPLETED ? NULL
		           : b->receipt[0] ? b->receipt
		           : b->common.transaction_id[0] ? b->common.transaction_id : NULL;
		sc.has_amount = b->amount.present;
		sc.amount_minor = b->amount.minor;
		sc.payer_name = b->receiver_public_name[0] ? b->receiver_public_name : NULL;
		break;
	}
	case DARAJA_CB_STATUS_RESULT:
	case DARAJA_CB_STATUS_TIMEOUT:
		from_common(&sc, &cb->u.status.common, kind);
		break;
	case DARAJA_CB_BALANCE_RESULT:
	case DARAJA_CB_BALANCE_TIMEOUT: {
		const struct daraja_balance_result *b = &cb->u.balance;
		from_common(&sc, &b->common, kind);
		for (size_t i = 0; i < b->n_accounts; i++) {
			struct store_balance *l = &lines[i];
			memset(l, 0, sizeof *l);
			/* When the reading reached us, on the ledger's clock: the
			 * day-end report sets transactions against readings by their
			 * times, and M-Pesa's own time (whole seconds, another clock)
			 * puts a payout made the same second after the reading. */
			l->at = rq->received_ms;
			str_copy(l->shortcode, sizeof l->shortcode, in->balance_shortcode);
			str_copy(l->account, sizeof l->account, b->accounts[i].name);
			str_copy(l->currency, sizeof l->currency, b->accounts[i].currency);
			l->current_minor = b->accounts[i].current;
			l->available_minor = b->accounts[i].available;
			l->reserved_minor = b->accounts[i].reserved;
			l->uncleared_minor = b->accounts[i].uncleared;
		}
		sc.balances = lines;
		sc.n_balances = b->n_accounts;
		break;
	}
	case DARAJA_CB_REVERSAL_RESULT:
	case DARAJA_CB_REVERSAL_TIMEOUT: {
		const struct daraja_reversal_result *r = &cb->u.reversal;
		from_common(&sc, &r->common, kind);
		sc.receipt = r->common.transaction_id[0] && sc.to == TXN_COMPLETED
		                 ? r->common.transaction_id : NULL;
		sc.has_amount = r->amount.present;
		sc.amount_minor = r->amount.minor;
		break;
	}
	case DARAJA_CB_C2B_VALIDATION:
	case DARAJA_CB_C2B_CONFIRMATION: {
		const struct daraja_c2b *p = &cb->u.c2b;
		c2b_name(p, payer, sizeof payer);
		sc.receipt = p->trans_id;
		sc.has_amount = p->amount.present;
		sc.amount_minor = p->amount.minor;
		sc.msisdn_shown = p->msisdn.kind != DARAJA_MSISDN_ABSENT ? p->msisdn.text : NULL;
		sc.payer_name = payer[0] ? payer : NULL;
		sc.creates_txn = true;
		sc.kind = TXN_KIND_C2B;
		sc.shortcode = p->business_short_code;
		sc.account_reference = p->bill_ref_number;
		sc.till_id = in->till_id;
		if (validation) {
			c2b_code = c2b_judge(in, p, &c2b_why);
			sc.to = c2b_code ? TXN_FAILED : TXN_AWAITING;
			sc.result_code = c2b_code ? c2b_code : "0";
			sc.result_desc = c2b_code ? c2b_why : "Accepted by validation";
		} else {
			sc.to = TXN_COMPLETED;
			sc.result_code = "0";
			sc.result_desc = "Confirmed";
		}
		break;
	}
	default:
		break;
	}

submit:
	if (store_writer_submit(in->o.writer, &sc, &res, &err) != POS_OK) {
		char msg[POS_ERR_MSG_MAX + 64];
		atomic_fetch_add(&in->store_failures, 1);
		log_error("ingest", "%s from %s NOT stored, not acknowledged: %s", sc.route,
		          rq->source, pos_err_format(&err, msg, sizeof msg));
		if (validation && !rq->rejected) {
			/* Never accept a payment we could not record. */
			reply->status = 200;
			c2b_reply(reply, "C2B00016", "Rejected");
		} else if (!rq->rejected) {
			reply->status = 503;
			str_copy(reply->body, sizeof reply->body,
			         "{\"ResultCode\":1,\"ResultDesc\":\"Not stored: try again\"}");
		}
		free(cb);
		return;
	}
	atomic_fetch_add(&in->outcome[res.outcome], 1);
	if (res.outcome != STORE_CB_APPLIED)
		log_info("ingest", "%s for %s: %s%s%s", sc.route,
		         res.txn_public_id[0] ? res.txn_public_id : "?",
		         store_cb_outcome_name(res.outcome), res.reason[0] ? ": " : "",
		         res.reason);
	if (!sc.reject_reason) {
		reply->status = 200;
		if (validation) {
			if (c2b_code) {
				atomic_fetch_add(&in->c2b_rejected, 1);
				c2b_reply(reply, c2b_code, "Rejected");
			} else {
				c2b_reply(reply, "0", "Accepted");
			}
		} else if (rq->route == LISTENER_C2B_CONFIRMATION) {
			str_copy(reply->body, sizeof reply->body, C2B_CONFIRM_OK);
		} else {
			str_copy(reply->body, sizeof reply->body, ACK_OK);
		}
	}
	free(cb);
}
