/* tests/unit/test_daraja_callback.c: daraja/callback.h — every callback body
 * of the API facts (tests/fixtures/callbacks/), every type quirk, and hostile
 * input (truncation at every byte, caps, deep nesting, NUL, bad UTF-8, huge
 * numbers, wrong types, duplicate keys, bodies on the wrong route). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/status.h"
#include "daraja/callback.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define FIXTURES "tests/fixtures/callbacks/"

/* ---- helpers ------------------------------------------------------------------- */

static char *slurp(const char *name, size_t *len)
{
	char path[256];
	snprintf(path, sizeof path, FIXTURES "%s", name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (run from the repository root)", path);
	char *buf = malloc(128 * 1024);
	assert_non_null(buf);
	*len = fread(buf, 1, 128 * 1024 - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static enum pos_status parse_route(enum daraja_cb_route r, const char *body, size_t len,
                                   struct daraja_callback *cb, struct pos_err *err)
{
	return daraja_callback_parse(r, body, len, 0, cb, err);
}

static enum pos_status parse_str(enum daraja_cb_route r, const char *body,
                                 struct daraja_callback *cb, struct pos_err *err)
{
	return parse_route(r, body, strlen(body), cb, err);
}

/* Every refusal names a field and says something. */
static void assert_refusal_explained(const struct pos_err *err)
{
	assert_true(err->code != POS_OK);
	assert_true(err->field[0] != '\0');
	assert_true(err->msg[0] != '\0');
	assert_true(err->hint[0] != '\0');
}

/* ---- every fixture ------------------------------------------------------------------ */

struct fixture_case {
	const char *file;
	enum daraja_cb_route route;
	const char *code;          /* result code text, NULL: not checked */
	enum daraja_outcome outcome;
	int64_t amount;            /* minor units; -1: absent */
	const char *receipt;       /* NULL: not checked */
	void (*extra)(const struct daraja_callback *cb);
};

static void x_stk_success(const struct daraja_callback *cb)
{
	const struct daraja_stk_callback *s = &cb->u.stk;
	assert_string_equal(s->merchant_request_id, "7311-4022163-1");
	assert_string_equal(s->checkout_request_id, "ws_CO_14032025101502123712345678");
	assert_true(s->result_code.numeric);
	assert_true(s->has_metadata);
	assert_true(s->has_balance);
	assert_string_equal(s->balance, "");
	assert_string_equal(s->transaction_date.text, "20250314101544");
	assert_true(s->transaction_date.known);
	assert_true(s->transaction_date.t == 1741936544);
	assert_int_equal(s->phone.kind, DARAJA_MSISDN_DIGITS);
	assert_string_equal(s->phone.text, "254712345678");
}

static void x_stk_strings(const struct daraja_callback *cb)
{
	const struct daraja_stk_callback *s = &cb->u.stk;
	assert_true(s->transaction_date.t == 1576740075);
	assert_int_equal(s->phone.kind, DARAJA_MSISDN_DIGITS);
	assert_string_equal(s->phone.text, "254708374149");
	assert_true(s->result_code.numeric);
	assert_int_equal(s->result_code.value, 0);
}

static void x_stk_masked(const struct daraja_callback *cb)
{
	assert_int_equal(cb->u.stk.phone.kind, DARAJA_MSISDN_MASKED);
	assert_string_equal(cb->u.stk.phone.text, "2547 ***** 126");
	assert_false(cb->u.stk.has_balance);
}

static void x_stk_no_phone(const struct daraja_callback *cb)
{
	assert_int_equal(cb->u.stk.phone.kind, DARAJA_MSISDN_ABSENT);
	assert_string_equal(cb->u.stk.phone.text, "");
}

static void x_stk_brace(const struct daraja_callback *cb)
{
	assert_true(cb->u.stk.has_balance);
	assert_string_equal(cb->u.stk.balance,
	                    "{Amount={BasicAmount=100.00, MinimumAmount=10000, CurrencyCode=KES}}");
}

static void x_stk_sfc(const struct daraja_callback *cb)
{
	assert_false(cb->u.stk.result_code.numeric);
	assert_false(cb->u.stk.has_metadata);
	assert_string_equal(cb->u.stk.result_desc, "The operator does not exist.");
}

static void x_stk_single_item(const struct daraja_callback *cb)
{
	assert_true(cb->u.stk.has_metadata);
	assert_true(cb->u.stk.has_balance);
	assert_false(cb->u.stk.amount.present);
}

static void x_b2c_success(const struct daraja_callback *cb)
{
	const struct daraja_b2c_result *b = &cb->u.b2c;
	assert_false(b->common.timeout);
	assert_true(b->common.has_params);
	assert_int_equal(b->common.result_type, 0);
	assert_string_equal(b->common.conversation_id, "AG_20250314_201033c1b7f4e9a2d6c8");
	assert_string_equal(b->common.originator_conversation_id,
	                    "7f3c2a9e-1b4d-4e8a-9c6b-2d5e8f1a0b37");
	assert_string_equal(b->common.transaction_id, "TCE81HAY6Q");
	assert_int_equal(b->recipient_registered, 'Y');
	assert_true(b->charges_paid_funds.present);
	assert_true(b->charges_paid_funds.minor == -451000);
	assert_string_equal(b->receiver_public_name, "254712345678 - Jane Doe");
	assert_true(b->completed.known);
	assert_true(b->completed.t == 1741936961);
	assert_true(b->utility_funds.minor == 9811600);
	assert_true(b->working_funds.minor == 90000000);
	assert_int_equal(b->common.n_ref, 1);
	assert_string_equal(b->common.ref[0].key, "QueueTimeoutURL");
	assert_true(b->common.ref[0].has_value);
}

static void x_b2c_strings(const struct daraja_callback *cb)
{
	const struct daraja_b2c_result *b = &cb->u.b2c;
	assert_int_equal(b->recipient_registered, 'N');
	assert_true(b->charges_paid_funds.present && b->charges_paid_funds.minor == 0);
	assert_int_equal(b->common.n_ref, 2);
	assert_string_equal(b->common.ref[1].key, "Occasion");
	assert_false(b->common.ref[1].has_value);
}

static void x_b2c_single(const struct daraja_callback *cb)
{
	/* The receipt falls back to Result.TransactionID. */
	assert_string_equal(cb->u.b2c.receipt, "TCF3KLM4NP");
	assert_int_equal(cb->u.b2c.recipient_registered, 0);
	assert_false(cb->u.b2c.completed.known);
}

static void x_b2c_failed(const struct daraja_callback *cb)
{
	assert_false(cb->u.b2c.common.has_params);
	assert_false(cb->u.b2c.amount.present);
}

static void x_timeout(const struct daraja_callback *cb)
{
	/* The union shares the common envelope at the same place for every kind. */
	const struct daraja_result_common *c = &cb->u.b2c.common;
	if (cb->route == DARAJA_CB_BALANCE_TIMEOUT)
		c = &cb->u.balance.common;
	assert_true(c->timeout);
	assert_int_equal(c->outcome, DARAJA_OUTCOME_UNKNOWN);
	assert_string_equal(daraja_outcome_name(c->outcome), "timeout: outcome unknown");
}

static void x_status_completed(const struct daraja_callback *cb)
{
	const struct daraja_status_result *s = &cb->u.status;
	assert_string_equal(s->conversation_id, "AG_20250314_201033c1b7f4e9a2d6c8");
	assert_string_equal(s->originator_conversation_id,
	                    "7f3c2a9e-1b4d-4e8a-9c6b-2d5e8f1a0b37");
	assert_string_equal(s->transaction_status, "Completed");
	assert_string_equal(s->debit_party_name, "600984 - Acme Ltd");
	assert_string_equal(s->credit_party_name, "254712345678 - Jane Doe");
	assert_string_equal(s->debit_party_charges, "Fee For B2C Payment|KES|33.00");
	assert_string_equal(s->transaction_reason, "");
	assert_string_equal(s->reason_type, "Salary Payment via API");
	assert_true(s->initiated.known);
	assert_true(s->finalised.known);
	assert_true(s->finalised.t - s->initiated.t == 1);
}

static void x_status_finalized(const struct daraja_callback *cb)
{
	const struct daraja_status_result *s = &cb->u.status;
	assert_string_equal(s->finalised.text, "20250315081502");
	assert_string_equal(s->conversation_id, "AG_20250315_20104f2c9a7be1d3c560");
	assert_string_equal(s->originator_conversation_id,
	                    "0a6b3c2d-9e8f-4a1b-b2c3-d4e5f6a7b8c9");
}

static void x_balance(const struct daraja_callback *cb)
{
	const struct daraja_balance_result *b = &cb->u.balance;
	assert_int_equal(b->n_accounts, 5);
	assert_string_equal(b->accounts[0].name, "Working Account");
	assert_string_equal(b->accounts[0].currency, "KES");
	assert_true(b->accounts[0].current == 70000000);
	assert_string_equal(b->accounts[3].name, "Charges Paid Account");
	assert_true(b->accounts[3].current == -154000);
	assert_true(b->accounts[3].available == -154000);
	assert_string_equal(b->accounts[4].name, "Organization Settlement Account");
	assert_true(b->completed.known);
	assert_true(b->completed.t == 1741937251);
}

static void x_balance_inverted(const struct daraja_callback *cb)
{
	const struct daraja_balance_result *b = &cb->u.balance;
	assert_int_equal(b->n_accounts, 2);
	assert_true(b->accounts[0].current == 34656883);
	assert_true(b->accounts[0].available == 618683);
	assert_true(b->accounts[0].reserved == 34038200);
	assert_true(b->accounts[0].current == b->accounts[0].available + b->accounts[0].reserved);
	assert_string_equal(b->accounts[1].name, "Utility Account");
	assert_true(b->completed.known);
}

static void x_balance_failed(const struct daraja_callback *cb)
{
	assert_int_equal(cb->u.balance.n_accounts, 0);
	assert_true(cb->u.balance.completed.known);
	assert_true(cb->u.balance.common.has_params);
}

static void x_reversal(const struct daraja_callback *cb)
{
	const struct daraja_reversal_result *r = &cb->u.reversal;
	assert_true(r->has_debit_account);
	assert_string_equal(r->debit_account.name, "Utility Account");
	assert_true(r->debit_account.available == 5166100);
	assert_true(r->completed.t == 1742105532);
	assert_string_equal(r->original_transaction_id, "TCE4XQ7B2M");
	assert_true(r->charge.present && r->charge.minor == 0);
	assert_string_equal(r->credit_party_public_name, "254712345678 - Jane Doe");
	assert_string_equal(r->debit_party_public_name, "600984 - Acme Ltd");
}

static void x_reversal_r1(const struct daraja_callback *cb)
{
	assert_false(cb->u.reversal.common.result_code.numeric);
	assert_false(cb->u.reversal.has_debit_account);
}

static void x_c2b_validation(const struct daraja_callback *cb)
{
	const struct daraja_c2b *c = &cb->u.c2b;
	assert_false(c->confirmation);
	assert_string_equal(c->transaction_type, "Pay Bill");
	assert_true(c->trans_time.t == 1741940553);
	assert_string_equal(c->business_short_code, "600984");
	assert_string_equal(c->bill_ref_number, "INV-2041");
	assert_false(c->org_account_balance.present);
	assert_int_equal(c->msisdn.kind, DARAJA_MSISDN_MASKED);
	assert_string_equal(c->first_name, "Jane");
	assert_string_equal(c->last_name, "");
}

static void x_c2b_buy_goods(const struct daraja_callback *cb)
{
	assert_int_equal(cb->u.c2b.msisdn.kind, DARAJA_MSISDN_DIGITS);
	assert_string_equal(cb->u.c2b.bill_ref_number, "");
	assert_string_equal(cb->u.c2b.business_short_code, "5432101");
}

static void x_c2b_hashed(const struct daraja_callback *cb)
{
	assert_true(cb->u.c2b.confirmation);
	assert_int_equal(cb->u.c2b.msisdn.kind, DARAJA_MSISDN_HASHED);
	assert_true(cb->u.c2b.org_account_balance.present);
	assert_true(cb->u.c2b.org_account_balance.minor == 4919700);
	assert_string_equal(cb->u.c2b.third_party_trans_id, "POS-8842");
}

static void x_c2b_masked(const struct daraja_callback *cb)
{
	assert_int_equal(cb->u.c2b.msisdn.kind, DARAJA_MSISDN_MASKED);
	assert_string_equal(cb->u.c2b.first_name, "J***");
}

static void x_c2b_numbers(const struct daraja_callback *cb)
{
	const struct daraja_c2b *c = &cb->u.c2b;
	assert_string_equal(c->business_short_code, "600638");
	assert_int_equal(c->msisdn.kind, DARAJA_MSISDN_DIGITS);
	assert_string_equal(c->msisdn.text, "254708374149");
	assert_string_equal(c->invoice_number, "");
	assert_true(c->org_account_balance.minor == 4919700);
	assert_string_equal(c->trans_time.text, "20191122063845");
}

static const struct fixture_case fixtures[] = {
	{"stk_success.json", DARAJA_CB_STK, "0", DARAJA_OUTCOME_SUCCESS, 15000, "TCE4XQ7B2M", x_stk_success},
	{"stk_cancelled_1032.json", DARAJA_CB_STK, "1032", DARAJA_OUTCOME_FAILED, -1, "", NULL},
	{"stk_operator_sfc_ic0003.json", DARAJA_CB_STK, "SFC_IC0003", DARAJA_OUTCOME_FAILED, -1, "", x_stk_sfc},
	{"stk_ds_timeout_1037_old_desc.json", DARAJA_CB_STK, "1037", DARAJA_OUTCOME_FAILED, -1, "", NULL},
	{"stk_wrong_pin_2001.json", DARAJA_CB_STK, "2001", DARAJA_OUTCOME_FAILED, -1, "", NULL},
	{"stk_success_strings_reordered.json", DARAJA_CB_STK, "0", DARAJA_OUTCOME_SUCCESS, 19000, "NLJ7RT61SV", x_stk_strings},
	{"stk_success_masked_phone.json", DARAJA_CB_STK, "0", DARAJA_OUTCOME_SUCCESS, 100, "TCK2AB34CD", x_stk_masked},
	{"stk_success_no_phone.json", DARAJA_CB_STK, "0", DARAJA_OUTCOME_SUCCESS, 100, "TCL0ZZ9Y8X", x_stk_no_phone},
	{"stk_success_balance_brace.json", DARAJA_CB_STK, "0", DARAJA_OUTCOME_SUCCESS, 1000, "TCL1QW2ER3", x_stk_brace},
	{"stk_success_fraction.json", DARAJA_CB_STK, "0", DARAJA_OUTCOME_SUCCESS, 1050, "TCL2ZX3CV4", NULL},
	{"stk_failed_single_item.json", DARAJA_CB_STK, "1", DARAJA_OUTCOME_FAILED, -1, "", x_stk_single_item},
	{"b2c_success.json", DARAJA_CB_B2C_RESULT, "0", DARAJA_OUTCOME_SUCCESS, 150000, "TCE81HAY6Q", x_b2c_success},
	{"b2c_success_strings.json", DARAJA_CB_B2C_RESULT, "0", DARAJA_OUTCOME_SUCCESS, 25000, "TCE82JBZ7R", x_b2c_strings},
	{"b2c_success_single_param.json", DARAJA_CB_B2C_RESULT, "0", DARAJA_OUTCOME_SUCCESS, 10000, "TCF3KLM4NP", x_b2c_single},
	{"b2c_failed_2001.json", DARAJA_CB_B2C_RESULT, "2001", DARAJA_OUTCOME_FAILED, -1, NULL, x_b2c_failed},
	{"b2c_queue_timeout.json", DARAJA_CB_B2C_TIMEOUT, "1", DARAJA_OUTCOME_UNKNOWN, -1, NULL, x_timeout},
	{"b2c_queue_timeout.json", DARAJA_CB_B2C_RESULT, "1", DARAJA_OUTCOME_FAILED, -1, NULL, NULL},
	{"status_completed.json", DARAJA_CB_STATUS_RESULT, "0", DARAJA_OUTCOME_SUCCESS, 150000, NULL, x_status_completed},
	{"status_finalized_spelling.json", DARAJA_CB_STATUS_RESULT, "0", DARAJA_OUTCOME_SUCCESS, 49900, NULL, x_status_finalized},
	{"status_failed_2001.json", DARAJA_CB_STATUS_RESULT, "2001", DARAJA_OUTCOME_FAILED, -1, NULL, NULL},
	{"status_failed_2001.json", DARAJA_CB_STATUS_TIMEOUT, "2001", DARAJA_OUTCOME_UNKNOWN, -1, NULL, NULL},
	{"balance_success.json", DARAJA_CB_BALANCE_RESULT, "0", DARAJA_OUTCOME_SUCCESS, -1, NULL, x_balance},
	{"balance_inverted_shape.json", DARAJA_CB_BALANCE_RESULT, "0", DARAJA_OUTCOME_SUCCESS, -1, NULL, x_balance_inverted},
	{"balance_failed_single_param.json", DARAJA_CB_BALANCE_RESULT, "21", DARAJA_OUTCOME_FAILED, -1, NULL, x_balance_failed},
	{"balance_queue_timeout.json", DARAJA_CB_BALANCE_TIMEOUT, "1037", DARAJA_OUTCOME_UNKNOWN, -1, NULL, x_timeout},
	{"reversal_success.json", DARAJA_CB_REVERSAL_RESULT, "0", DARAJA_OUTCOME_SUCCESS, 15000, NULL, x_reversal},
	{"reversal_already_r000001.json", DARAJA_CB_REVERSAL_RESULT, "R000001", DARAJA_OUTCOME_FAILED, -1, NULL, x_reversal_r1},
	{"reversal_invalid_r000002.json", DARAJA_CB_REVERSAL_RESULT, "R000002", DARAJA_OUTCOME_FAILED, -1, NULL, x_reversal_r1},
	{"reversal_already_r000001.json", DARAJA_CB_REVERSAL_TIMEOUT, "R000001", DARAJA_OUTCOME_UNKNOWN, -1, NULL, NULL},
	{"c2b_validation.json", DARAJA_CB_C2B_VALIDATION, NULL, 0, 50000, NULL, x_c2b_validation},
	{"c2b_validation_buy_goods.json", DARAJA_CB_C2B_VALIDATION, NULL, 0, 7500, NULL, x_c2b_buy_goods},
	{"c2b_confirmation_hashed.json", DARAJA_CB_C2B_CONFIRMATION, NULL, 0, 50000, NULL, x_c2b_hashed},
	{"c2b_confirmation_masked.json", DARAJA_CB_C2B_CONFIRMATION, NULL, 0, 120000, NULL, x_c2b_masked},
	{"c2b_confirmation_numbers.json", DARAJA_CB_C2B_CONFIRMATION, NULL, 0, 1000, NULL, x_c2b_numbers},
};

static const struct daraja_result_common *common_of(const struct daraja_callback *cb)
{
	switch (cb->route) {
	case DARAJA_CB_B2C_RESULT:
	case DARAJA_CB_B2C_TIMEOUT:
		return &cb->u.b2c.common;
	case DARAJA_CB_STATUS_RESULT:
	case DARAJA_CB_STATUS_TIMEOUT:
		return &cb->u.status.common;
	case DARAJA_CB_BALANCE_RESULT:
	case DARAJA_CB_BALANCE_TIMEOUT:
		return &cb->u.balance.common;
	case DARAJA_CB_REVERSAL_RESULT:
	case DARAJA_CB_REVERSAL_TIMEOUT:
		return &cb->u.reversal.common;
	default:
		return NULL;
	}
}

static void test_fixtures(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(fixtures); i++) {
		const struct fixture_case *fc = &fixtures[i];
		struct daraja_callback cb;
		struct pos_err err;
		size_t len;
		char *body = slurp(fc->file, &len);
		enum pos_status st = parse_route(fc->route, body, len, &cb, &err);
		if (st != POS_OK)
			fail_msg("%s on %s: %s: %s", fc->file, daraja_cb_route_name(fc->route),
			         err.field, err.msg);
		assert_int_equal(cb.route, fc->route);
		const struct daraja_money *amount = NULL;
		const char *receipt = NULL;
		const struct daraja_result_common *c = common_of(&cb);
		if (fc->route == DARAJA_CB_STK) {
			assert_string_equal(cb.u.stk.result_code.text, fc->code);
			assert_int_equal(cb.u.stk.outcome, fc->outcome);
			amount = &cb.u.stk.amount;
			receipt = cb.u.stk.receipt;
		} else if (c) {
			assert_string_equal(c->result_code.text, fc->code);
			assert_int_equal(c->outcome, fc->outcome);
			if (cb.route == DARAJA_CB_B2C_RESULT || cb.route == DARAJA_CB_B2C_TIMEOUT) {
				amount = &cb.u.b2c.amount;
				receipt = cb.u.b2c.receipt;
			} else if (cb.route == DARAJA_CB_STATUS_RESULT ||
			           cb.route == DARAJA_CB_STATUS_TIMEOUT) {
				amount = &cb.u.status.amount;
			} else if (cb.route == DARAJA_CB_REVERSAL_RESULT ||
			           cb.route == DARAJA_CB_REVERSAL_TIMEOUT) {
				amount = &cb.u.reversal.amount;
			}
		} else {
			amount = &cb.u.c2b.amount;
		}
		if (amount) {
			assert_int_equal(amount->present, fc->amount >= 0);
			if (fc->amount >= 0)
				assert_true(amount->minor == fc->amount);
		}
		if (fc->receipt && receipt)
			assert_string_equal(receipt, fc->receipt);
		if (fc->extra)
			fc->extra(&cb);
		free(body);
	}
}

/* Truncated at every byte: never accepted, never a crash, always explained. */
static void test_fixture_prefixes(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(fixtures); i++) {
		size_t len;
		char *body = slurp(fixtures[i].file, &len);
		size_t full = len;
		while (full > 0 && (body[full - 1] == '\n' || body[full - 1] == ' '))
			full--;
		for (size_t n = 0; n < full; n++) {
			struct daraja_callback cb;
			struct pos_err err;
			char *copy = malloc(n ? n : 1); /* exact size: ASan sees any overread */
			assert_non_null(copy);
			memcpy(copy, body, n);
			enum pos_status st = parse_route(fixtures[i].route, copy, n, &cb, &err);
			if (st == POS_OK)
				fail_msg("%s cut at %zu bytes was accepted", fixtures[i].file, n);
			assert_refusal_explained(&err);
			free(copy);
		}
		free(body);
	}
}

/* Every fixture on every route: each is accepted only where it belongs (or
 * on the matching result/timeout sibling), and never crashes. */
static void test_fixtures_on_every_route(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(fixtures); i++) {
		size_t len;
		char *body = slurp(fixtures[i].file, &len);
		for (int r = 0; r < DARAJA_CB_ROUTE_COUNT; r++) {
			struct daraja_callback cb;
			struct pos_err err;
			enum pos_status st = parse_route((enum daraja_cb_route)r, body, len, &cb, &err);
			bool stk_body = fixtures[i].route == DARAJA_CB_STK;
			bool c2b_body = fixtures[i].route == DARAJA_CB_C2B_VALIDATION ||
			                fixtures[i].route == DARAJA_CB_C2B_CONFIRMATION;
			bool stk_route = r == DARAJA_CB_STK;
			bool c2b_route = r == DARAJA_CB_C2B_VALIDATION || r == DARAJA_CB_C2B_CONFIRMATION;
			if (stk_body != stk_route || c2b_body != c2b_route) {
				if (st == POS_OK)
					fail_msg("%s accepted on route %s", fixtures[i].file,
					         daraja_cb_route_name((enum daraja_cb_route)r));
				assert_refusal_explained(&err);
			}
		}
		free(body);
	}
}

/* ---- STK quirks, table-driven ---------------------------------------------------------- */

#define STK_HEAD                                                               \
	"{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":\"7311-4022163-1\","    \
	"\"CheckoutRequestID\":\"ws_CO_14032025101502123712345678\","
#define STK_OK_ITEMS(amount)                                                   \
	",\"CallbackMetadata\":{\"Item\":[{\"Name\":\"Amount\",\"Value\":" amount  \
	"},{\"Name\":\"MpesaReceiptNumber\",\"Value\":\"TCE4XQ7B2M\"}]}"
#define STK_PAID(amount)                                                       \
	STK_HEAD "\"ResultCode\":0,\"ResultDesc\":\"ok\"" STK_OK_ITEMS(amount) "}}}"
#define STK_CODE(code) STK_HEAD "\"ResultCode\":" code ",\"ResultDesc\":\"x\"}}}"
#define STK_ITEM(item)                                                         \
	STK_HEAD "\"ResultCode\":0,\"ResultDesc\":\"ok\",\"CallbackMetadata\":"    \
	"{\"Item\":[{\"Name\":\"Amount\",\"Value\":1},{\"Name\":"                  \
	"\"MpesaReceiptNumber\",\"Value\":\"TCE4XQ7B2M\"}," item "]}}}}"

struct stk_case {
	const char *name;
	const char *body;
	enum pos_status want;
	const char *field;         /* substring of err.field on refusal */
	int64_t amount;            /* on success; -1 not checked */
	const char *code;          /* on success; NULL not checked */
};

static const struct stk_case stk_cases[] = {
	/* Amounts: numbers and strings, exact, never rounded. */
	{"amount 1", STK_PAID("1"), POS_OK, NULL, 100, "0"},
	{"amount 1.0", STK_PAID("1.0"), POS_OK, NULL, 100, NULL},
	{"amount 10.00", STK_PAID("10.00"), POS_OK, NULL, 1000, NULL},
	{"amount \"190.00\"", STK_PAID("\"190.00\""), POS_OK, NULL, 19000, NULL},
	{"amount 10.50 kept", STK_PAID("10.50"), POS_OK, NULL, 1050, NULL},
	{"amount 10.5 kept", STK_PAID("10.5"), POS_OK, NULL, 1050, NULL},
	{"amount 10.500 kept", STK_PAID("10.500"), POS_OK, NULL, 1050, NULL},
	{"amount 250000", STK_PAID("250000"), POS_OK, NULL, 25000000, NULL},
	{"amount 0.01", STK_PAID("0.01"), POS_OK, NULL, 1, NULL},
	{"amount 10.505 refused", STK_PAID("10.505"), POS_E_AMOUNT, "[Amount]", -1, NULL},
	{"amount 1e2 refused", STK_PAID("1e2"), POS_E_AMOUNT, "[Amount]", -1, NULL},
	{"amount 1e400 refused", STK_PAID("1e400"), POS_E_AMOUNT, "[Amount]", -1, NULL},
	{"amount -5 refused", STK_PAID("-5"), POS_E_AMOUNT, "[Amount]", -1, NULL},
	{"amount -0 refused", STK_PAID("-0"), POS_E_AMOUNT, "[Amount]", -1, NULL},
	{"amount huge refused", STK_PAID("99999999999999999999"), POS_E_AMOUNT, "[Amount]", -1, NULL},
	{"amount \"abc\"", STK_PAID("\"abc\""), POS_E_AMOUNT, "[Amount]", -1, NULL},
	{"amount \"1,000\"", STK_PAID("\"1,000\""), POS_E_AMOUNT, "[Amount]", -1, NULL},
	{"amount true", STK_PAID("true"), POS_E_INVALID, "[Amount]", -1, NULL},
	{"amount object", STK_PAID("{}"), POS_E_INVALID, "[Amount]", -1, NULL},
	{"amount list", STK_PAID("[1]"), POS_E_INVALID, "[Amount]", -1, NULL},
	{"amount null on success", STK_PAID("null"), POS_E_EMPTY, "CallbackMetadata", -1, NULL},
	{"amount \"\" on success", STK_PAID("\"\""), POS_E_EMPTY, "CallbackMetadata", -1, NULL},
	/* Result codes: number or text, normalised to text. */
	{"code 1032", STK_CODE("1032"), POS_OK, NULL, -1, "1032"},
	{"code \"1032\"", STK_CODE("\"1032\""), POS_OK, NULL, -1, "1032"},
	{"code SFC_IC0003", STK_CODE("\"SFC_IC0003\""), POS_OK, NULL, -1, "SFC_IC0003"},
	{"code 1.5", STK_CODE("1.5"), POS_E_INVALID, "ResultCode", -1, NULL},
	{"code 1.0", STK_CODE("1.0"), POS_E_INVALID, "ResultCode", -1, NULL},
	{"code 1e3", STK_CODE("1e3"), POS_E_INVALID, "ResultCode", -1, NULL},
	{"code -1", STK_CODE("-1"), POS_E_INVALID, "ResultCode", -1, NULL},
	{"code -0", STK_CODE("-0"), POS_E_INVALID, "ResultCode", -1, NULL},
	{"code 1e400", STK_CODE("1e400"), POS_E_INVALID, "ResultCode", -1, NULL},
	{"code > int64", STK_CODE("9223372036854775808"), POS_E_RANGE, "ResultCode", -1, NULL},
	{"code true", STK_CODE("true"), POS_E_INVALID, "ResultCode", -1, NULL},
	{"code object", STK_CODE("{}"), POS_E_INVALID, "ResultCode", -1, NULL},
	{"code list", STK_CODE("[0]"), POS_E_INVALID, "ResultCode", -1, NULL},
	{"code null", STK_CODE("null"), POS_E_EMPTY, "ResultCode", -1, NULL},
	{"code \"\"", STK_CODE("\"\""), POS_E_EMPTY, "ResultCode", -1, NULL},
	{"code with space", STK_CODE("\"10 32\""), POS_E_INVALID, "ResultCode", -1, NULL},
	{"code too long", STK_CODE("\"ABCDEFGHIJABCDEFGHIJABCDEFGHIJABC\""), POS_E_TOO_LONG, "ResultCode", -1, NULL},
	{"code missing", STK_HEAD "\"ResultDesc\":\"x\"}}}", POS_E_EMPTY, "ResultCode", -1, NULL},
	/* Required ids and their types and caps. */
	{"no CheckoutRequestID",
	 "{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":\"m\",\"ResultCode\":1}}}",
	 POS_E_EMPTY, "Body.stkCallback.CheckoutRequestID", -1, NULL},
	{"no MerchantRequestID",
	 "{\"Body\":{\"stkCallback\":{\"CheckoutRequestID\":\"c\",\"ResultCode\":1}}}",
	 POS_E_EMPTY, "Body.stkCallback.MerchantRequestID", -1, NULL},
	{"CheckoutRequestID object",
	 "{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":\"m\",\"CheckoutRequestID\":{},\"ResultCode\":1}}}",
	 POS_E_INVALID, "CheckoutRequestID", -1, NULL},
	{"CheckoutRequestID number",
	 "{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":\"m\",\"CheckoutRequestID\":5,\"ResultCode\":1}}}",
	 POS_E_INVALID, "CheckoutRequestID", -1, NULL},
	{"CheckoutRequestID 65 bytes",
	 "{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":\"m\",\"CheckoutRequestID\":"
	 "\"ws_CO_1234567890123456789012345678901234567890123456789012345678A\",\"ResultCode\":1}}}",
	 POS_E_TOO_LONG, "CheckoutRequestID", -1, NULL},
	{"CheckoutRequestID 64 bytes ok",
	 "{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":\"m\",\"CheckoutRequestID\":"
	 "\"ws_CO_123456789012345678901234567890123456789012345678901234567A\",\"ResultCode\":1}}}",
	 POS_OK, NULL, -1, "1"},
	{"CheckoutRequestID with ESC",
	 "{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":\"m\",\"CheckoutRequestID\":\"a\\u001b[2J\",\"ResultCode\":1}}}",
	 POS_E_INVALID, "CheckoutRequestID", -1, NULL},
	{"ResultDesc with C1 control",
	 "{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":\"m\",\"CheckoutRequestID\":\"c\",\"ResultCode\":1,\"ResultDesc\":\"a\\u009bb\"}}}",
	 POS_E_INVALID, "ResultDesc", -1, NULL},
	{"ResultDesc non-ASCII ok",
	 "{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":\"m\",\"CheckoutRequestID\":\"c\",\"ResultCode\":1,\"ResultDesc\":\"Ombi limeghairiwa \\u2014 \xc3\xa9\"}}}",
	 POS_OK, NULL, -1, "1"},
	{"stkCallback a list", "{\"Body\":{\"stkCallback\":[]}}", POS_E_INVALID, "stkCallback", -1, NULL},
	{"stkCallback missing", "{\"Body\":{}}", POS_E_EMPTY, "stkCallback", -1, NULL},
	{"Body text", "{\"Body\":\"x\"}", POS_E_INVALID, "Body", -1, NULL},
	{"empty object", "{}", POS_E_EMPTY, "Body", -1, NULL},
	/* Success needs a receipt and an amount. */
	{"paid without metadata", STK_CODE("0"), POS_E_EMPTY, "CallbackMetadata", -1, NULL},
	{"paid without receipt",
	 STK_HEAD "\"ResultCode\":0,\"CallbackMetadata\":{\"Item\":[{\"Name\":\"Amount\",\"Value\":1}]}}}}",
	 POS_E_EMPTY, "CallbackMetadata", -1, NULL},
	{"Balance item without Value", STK_ITEM("{\"Name\":\"Balance\"}"), POS_OK, NULL, 100, "0"},
	{"receipt not alnum",
	 STK_HEAD "\"ResultCode\":0,\"CallbackMetadata\":{\"Item\":[{\"Name\":\"Amount\",\"Value\":1},"
	 "{\"Name\":\"MpesaReceiptNumber\",\"Value\":\"TCE4 XQ7B2M\"}]}}}}",
	 POS_E_INVALID, "MpesaReceiptNumber", -1, NULL},
	/* Items: any order, no Value, single object, unknown names ignored. */
	{"unknown item ignored", STK_ITEM("{\"Name\":\"SomethingNew\",\"Value\":[1,2]}"), POS_OK, NULL, 100, NULL},
	{"item without Name", STK_ITEM("{\"Value\":1}"), POS_E_EMPTY, "Item[2]", -1, NULL},
	{"item Name number", STK_ITEM("{\"Name\":5}"), POS_E_INVALID, "Item[2]", -1, NULL},
	{"item not an object", STK_ITEM("5"), POS_E_INVALID, "Item[2]", -1, NULL},
	{"item given twice", STK_ITEM("{\"Name\":\"Amount\",\"Value\":1000}"), POS_E_DUPLICATE, "Item", -1, NULL},
	{"Value key twice", STK_ITEM("{\"Name\":\"Balance\",\"Value\":1,\"Value\":2}"), POS_E_DUPLICATE, "Value", -1, NULL},
	{"Item is text",
	 STK_HEAD "\"ResultCode\":1,\"CallbackMetadata\":{\"Item\":\"x\"}}}}", POS_E_INVALID, "Item", -1, NULL},
	{"CallbackMetadata a list",
	 STK_HEAD "\"ResultCode\":1,\"CallbackMetadata\":[]}}}", POS_E_INVALID, "CallbackMetadata", -1, NULL},
	{"metadata without Item",
	 STK_HEAD "\"ResultCode\":1,\"CallbackMetadata\":{}}}}", POS_OK, NULL, -1, "1"},
	/* Dates: 12-14 digits, number or text. */
	{"date 14 digits number", STK_ITEM("{\"Name\":\"TransactionDate\",\"Value\":20250314101544}"), POS_OK, NULL, 100, NULL},
	{"date 12 digits", STK_ITEM("{\"Name\":\"TransactionDate\",\"Value\":202503141015}"), POS_OK, NULL, 100, NULL},
	{"date 15 digits", STK_ITEM("{\"Name\":\"TransactionDate\",\"Value\":202503141015440}"), POS_E_INVALID, "TransactionDate", -1, NULL},
	{"date month 13", STK_ITEM("{\"Name\":\"TransactionDate\",\"Value\":20251314101544}"), POS_E_INVALID, "TransactionDate", -1, NULL},
	{"date Feb 30", STK_ITEM("{\"Name\":\"TransactionDate\",\"Value\":\"20250230101544\"}"), POS_E_INVALID, "TransactionDate", -1, NULL},
	{"date fraction", STK_ITEM("{\"Name\":\"TransactionDate\",\"Value\":20250314101544.5}"), POS_E_INVALID, "TransactionDate", -1, NULL},
	{"date negative", STK_ITEM("{\"Name\":\"TransactionDate\",\"Value\":-20250314101544}"), POS_E_INVALID, "TransactionDate", -1, NULL},
	{"date text with dashes", STK_ITEM("{\"Name\":\"TransactionDate\",\"Value\":\"2025-03-14 10:15\"}"), POS_E_INVALID, "TransactionDate", -1, NULL},
	/* Phones: number, text, masked, hashed, absent. */
	{"phone number", STK_ITEM("{\"Name\":\"PhoneNumber\",\"Value\":254712345678}"), POS_OK, NULL, 100, NULL},
	{"phone fraction", STK_ITEM("{\"Name\":\"PhoneNumber\",\"Value\":2547123456.78}"), POS_E_INVALID, "PhoneNumber", -1, NULL},
	{"phone too long", STK_ITEM("{\"Name\":\"PhoneNumber\",\"Value\":2547123456789012}"), POS_E_INVALID, "PhoneNumber", -1, NULL},
	{"phone object", STK_ITEM("{\"Name\":\"PhoneNumber\",\"Value\":{}}"), POS_E_INVALID, "PhoneNumber", -1, NULL},
	{"phone null", STK_ITEM("{\"Name\":\"PhoneNumber\",\"Value\":null}"), POS_OK, NULL, 100, NULL},
	{"balance number", STK_ITEM("{\"Name\":\"Balance\",\"Value\":100.5}"), POS_OK, NULL, 100, NULL},
	/* Duplicate keys: refused where we read them, ignored elsewhere. */
	{"CheckoutRequestID twice",
	 "{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":\"m\",\"CheckoutRequestID\":\"a\",\"CheckoutRequestID\":\"b\",\"ResultCode\":1}}}",
	 POS_E_DUPLICATE, "CheckoutRequestID", -1, NULL},
	{"ResultCode twice", STK_HEAD "\"ResultCode\":0,\"ResultCode\":1032}}}", POS_E_DUPLICATE, "ResultCode", -1, NULL},
	{"Body twice", "{\"Body\":{},\"Body\":{}}", POS_E_DUPLICATE, "Body", -1, NULL},
	{"unread key twice ignored",
	 STK_HEAD "\"ResultCode\":1,\"Extra\":1,\"Extra\":2}}}", POS_OK, NULL, -1, "1"},
	{"case variant is another key",
	 STK_HEAD "\"ResultCode\":1,\"resultcode\":0}}}", POS_OK, NULL, -1, "1"},
};

static void test_stk_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(stk_cases); i++) {
		const struct stk_case *c = &stk_cases[i];
		struct daraja_stk_callback out;
		struct pos_err err;
		enum pos_status st = daraja_stk_callback_parse(c->body, strlen(c->body), 0, &out, &err);
		if (st != c->want)
			fail_msg("%s: got %s (%s: %s), want %s", c->name, pos_status_name(st),
			         err.field, err.msg, pos_status_name(c->want));
		if (st != POS_OK) {
			assert_refusal_explained(&err);
			if (!strstr(err.field, c->field))
				fail_msg("%s: field \"%s\" does not name \"%s\"", c->name, err.field,
				         c->field);
			continue;
		}
		if (c->amount >= 0)
			assert_true(out.amount.present && out.amount.minor == c->amount);
		if (c->code)
			assert_string_equal(out.result_code.text, c->code);
	}
	/* ResultDesc: 256 bytes are kept, 257 refused. */
	for (size_t n = 255; n <= 257; n++) {
		char body[1024], desc[300];
		struct daraja_stk_callback out;
		struct pos_err err;
		memset(desc, 'x', n);
		desc[n] = '\0';
		snprintf(body, sizeof body, STK_HEAD "\"ResultCode\":1,\"ResultDesc\":\"%s\"}}}", desc);
		enum pos_status st = daraja_stk_callback_parse(body, strlen(body), 0, &out, &err);
		assert_int_equal(st, n <= 256 ? POS_OK : POS_E_TOO_LONG);
		if (st == POS_OK)
			assert_int_equal(strlen(out.result_desc), n);
		else
			assert_string_equal(err.field, "Body.stkCallback.ResultDesc");
	}
}

static void test_stk_phone_kinds(void **state)
{
	(void)state;
	static const struct {
		const char *value;
		enum daraja_msisdn_kind kind;
	} cases[] = {
		{"254712345678", DARAJA_MSISDN_DIGITS},
		{"\"254712345678\"", DARAJA_MSISDN_DIGITS},
		{"\"2547 ***** 126\"", DARAJA_MSISDN_MASKED},
		{"\"254712***678\"", DARAJA_MSISDN_MASKED},
		{"\"7132104d6aae9c3fac82095a42c2817952bca48e09d98d5bf4ac08218982fb90\"", DARAJA_MSISDN_HASHED},
		{"\"7132104D6AAE9C3FAC82095A42C2817952BCA48E09D98D5BF4AC08218982FB90\"", DARAJA_MSISDN_HASHED},
		{"\"7132104d6aae9c3fac82095a42c2817952bca48e09d98d5bf4ac08218982fb9\"", DARAJA_MSISDN_OTHER},
		{"\"+254 712 345 678\"", DARAJA_MSISDN_OTHER},
		{"\"*****\"", DARAJA_MSISDN_OTHER},
		{"\"\"", DARAJA_MSISDN_ABSENT},
		{"null", DARAJA_MSISDN_ABSENT},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char body[1024];
		snprintf(body, sizeof body,
		         STK_ITEM("{\"Name\":\"PhoneNumber\",\"Value\":%s}"), cases[i].value);
		struct daraja_stk_callback out;
		struct pos_err err;
		assert_int_equal(daraja_stk_callback_parse(body, strlen(body), 0, &out, &err), POS_OK);
		if (out.phone.kind != cases[i].kind)
			fail_msg("%s: kind %s", cases[i].value, daraja_msisdn_kind_name(out.phone.kind));
	}
	assert_string_equal(daraja_msisdn_kind_name(DARAJA_MSISDN_HASHED), "hashed");
}

/* ---- hostile bodies, on every route ---------------------------------------------------- */

struct hostile_case {
	const char *name;
	const char *body;
	size_t len;                /* 0: strlen */
	enum pos_status want;      /* POS_OK: not checked (route-dependent) */
};

#define H(name, body, want) {name, body, sizeof(body) - 1, want}

static const struct hostile_case hostile[] = {
	H("empty", "", POS_E_EMPTY),
	H("spaces only", "  \n\t ", POS_E_EMPTY),
	H("null", "null", POS_E_INVALID),
	H("true", "true", POS_E_INVALID),
	H("number", "12", POS_E_INVALID),
	H("string", "\"Body\"", POS_E_INVALID),
	H("list", "[]", POS_E_INVALID),
	H("list of object", "[{\"Body\":{}}]", POS_E_INVALID),
	H("not closed", "{", POS_E_PARSE),
	H("key only", "{\"Body\"", POS_E_PARSE),
	H("string not closed", "{\"Body", POS_E_PARSE),
	H("trailing comma", "{\"a\":1,}", POS_E_INVALID),
	H("trailing data", "{} {}", POS_E_INVALID),
	H("trailing garbage", "{}x", POS_E_INVALID),
	H("single quotes", "{'a':1}", POS_E_INVALID),
	H("bare key", "{a:1}", POS_E_INVALID),
	H("missing colon", "{\"a\" 1}", POS_E_INVALID),
	H("mismatched brackets", "{\"a\":[1}", POS_E_INVALID),
	H("NaN", "{\"a\":NaN}", POS_E_INVALID),
	H("Infinity", "{\"a\":Infinity}", POS_E_INVALID),
	H("-Infinity", "{\"a\":-Infinity}", POS_E_INVALID),
	H("nan lower", "{\"a\":nan}", POS_E_INVALID),
	H("leading zero", "{\"a\":01}", POS_E_INVALID),
	H("plus sign", "{\"a\":+1}", POS_E_INVALID),
	H("dot first", "{\"a\":.5}", POS_E_INVALID),
	H("dot last", "{\"a\":1.}", POS_E_INVALID),
	H("empty exponent", "{\"a\":1e}", POS_E_INVALID),
	H("hex number", "{\"a\":0x10}", POS_E_INVALID),
	H("number 41 chars", "{\"a\":12345678901234567890123456789012345678901}", POS_E_RANGE),
	H("raw tab in string", "{\"a\":\"x\ty\"}", POS_E_INVALID),
	H("raw newline in string", "{\"a\":\"x\ny\"}", POS_E_INVALID),
	H("bad escape", "{\"a\":\"\\x41\"}", POS_E_INVALID),
	H("short \\u", "{\"a\":\"\\u12\"}", POS_E_INVALID),
	H("escaped NUL", "{\"a\":\"x\\u0000y\"}", POS_E_INVALID),
	H("lone high surrogate", "{\"a\":\"\\ud800\"}", POS_E_INVALID),
	H("lone low surrogate", "{\"a\":\"\\udc00\"}", POS_E_INVALID),
	H("high + non-low", "{\"a\":\"\\ud800\\u0041\"}", POS_E_INVALID),
	H("embedded NUL", "{\"Body\":{}}\0", POS_E_INVALID),
	H("NUL in string", "{\"a\":\"x\0y\"}", POS_E_INVALID),
	H("invalid UTF-8 byte", "{\"a\":\"\xff\"}", POS_E_INVALID),
	H("lone continuation", "{\"a\":\"\x80\"}", POS_E_INVALID),
	H("overlong slash", "{\"a\":\"\xc0\xaf\"}", POS_E_INVALID),
	H("overlong 3-byte", "{\"a\":\"\xe0\x80\xaf\"}", POS_E_INVALID),
	H("UTF-8 surrogate", "{\"a\":\"\xed\xa0\x80\"}", POS_E_INVALID),
	H("above U+10FFFF", "{\"a\":\"\xf4\x90\x80\x80\"}", POS_E_INVALID),
	H("F5 lead", "{\"a\":\"\xf5\x80\x80\x80\"}", POS_E_INVALID),
	H("cut 3-byte", "{\"a\":\"\xe2\x82\"}", POS_E_INVALID),
	H("UTF-8 in a key", "{\"\xff\":1}", POS_E_INVALID),
	H("BOM", "\xef\xbb\xbf{}", POS_E_INVALID),
	H("comment", "{/*x*/}", POS_E_INVALID),
};

static void test_hostile_everywhere(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(hostile); i++) {
		for (int r = 0; r < DARAJA_CB_ROUTE_COUNT; r++) {
			struct daraja_callback cb;
			struct pos_err err;
			char *copy = malloc(hostile[i].len ? hostile[i].len : 1);
			assert_non_null(copy);
			memcpy(copy, hostile[i].body, hostile[i].len);
			enum pos_status st = parse_route((enum daraja_cb_route)r, copy, hostile[i].len,
			                                 &cb, &err);
			free(copy);
			if (st != hostile[i].want)
				fail_msg("%s on %s: got %s (%s: %s)", hostile[i].name,
				         daraja_cb_route_name((enum daraja_cb_route)r), pos_status_name(st),
				         err.field, err.msg);
			assert_refusal_explained(&err);
			assert_string_equal(err.field, "body");
		}
	}
	/* A valid surrogate pair and non-ASCII text are fine. */
	const char *ok = "{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":\"m\",\"CheckoutRequestID\":\"c\","
	                 "\"ResultCode\":1,\"ResultDesc\":\"\\ud83d\\ude00 \xe2\x82\xac \xf0\x9f\x98\x80\"}}}";
	struct daraja_callback cb;
	struct pos_err err;
	assert_int_equal(parse_str(DARAJA_CB_STK, ok, &cb, &err), POS_OK);
	assert_string_equal(cb.u.stk.result_desc, "\xf0\x9f\x98\x80 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* NULL body with a length is refused, not dereferenced. */
	assert_int_equal(daraja_callback_parse(DARAJA_CB_STK, NULL, 0, 0, &cb, &err), POS_E_EMPTY);
}

static char *padded_stk(size_t total)
{
	size_t len;
	char *fx = slurp("stk_cancelled_1032.json", &len);
	char *body = malloc(total);
	assert_non_null(body);
	assert_true(len <= total);
	memcpy(body, fx, len);
	memset(body + len, ' ', total - len); /* trailing white space is allowed */
	free(fx);
	return body;
}

static void test_size_cap(void **state)
{
	(void)state;
	struct daraja_callback cb;
	struct pos_err err;
	size_t cap = DARAJA_CB_BODY_MAX_DEFAULT;
	char *body = padded_stk(cap + 1);
	assert_int_equal(parse_route(DARAJA_CB_STK, body, cap, &cb, &err), POS_OK);
	assert_int_equal(parse_route(DARAJA_CB_STK, body, cap + 1, &cb, &err), POS_E_TOO_LONG);
	assert_string_equal(err.field, "body");
	assert_non_null(strstr(err.msg, "65537"));
	assert_non_null(strstr(err.msg, "65536"));
	/* The cap is a parameter. */
	assert_int_equal(daraja_callback_parse(DARAJA_CB_STK, body, 1000, 999, &cb, &err),
	                 POS_E_TOO_LONG);
	assert_int_equal(daraja_callback_parse(DARAJA_CB_STK, body, cap + 1, cap + 1, &cb, &err),
	                 POS_OK);
	free(body);
}

static void test_depth_cap(void **state)
{
	(void)state;
	struct daraja_callback cb;
	struct pos_err err;
	/* 40 KB of '[': refused by the scan, without recursion. */
	size_t n = 40 * 1024;
	char *deep = malloc(n);
	assert_non_null(deep);
	memset(deep, '[', n);
	for (int r = 0; r < DARAJA_CB_ROUTE_COUNT; r++) {
		assert_int_equal(parse_route((enum daraja_cb_route)r, deep, n, &cb, &err), POS_E_RANGE);
		assert_non_null(strstr(err.msg, "32 levels"));
	}
	for (size_t i = 0; i + 5 <= n; i += 5)
		memcpy(deep + i, "{\"a\":", 5);
	assert_int_equal(parse_route(DARAJA_CB_STK, deep, n, &cb, &err), POS_E_RANGE);
	/* Balanced nesting: 32 levels pass the scan, 33 do not. */
	char buf[256];
	for (int depth = 31; depth <= 33; depth++) {
		size_t k = 0;
		buf[k++] = '{';
		memcpy(buf + k, "\"a\":", 4);
		k += 4;
		for (int d = 1; d < depth; d++)
			buf[k++] = '[';
		for (int d = 1; d < depth; d++)
			buf[k++] = ']';
		buf[k++] = '}';
		enum pos_status st = parse_route(DARAJA_CB_STK, buf, k, &cb, &err);
		if (depth <= 32)
			assert_int_equal(st, POS_E_EMPTY); /* valid JSON, no "Body" */
		else
			assert_int_equal(st, POS_E_RANGE);
	}
	free(deep);
}

static void test_many_items(void **state)
{
	(void)state;
	struct daraja_callback cb;
	struct pos_err err;
	/* CallbackMetadata.Item with 10,000 entries. */
	size_t cap = 300 * 1024, k = 0;
	char *body = malloc(cap);
	assert_non_null(body);
	k += (size_t)snprintf(body, cap, "%s", STK_HEAD "\"ResultCode\":1,\"CallbackMetadata\":{\"Item\":[");
	for (int i = 0; i < 10000; i++)
		k += (size_t)snprintf(body + k, cap - k, "%s{\"Name\":\"N%d\"}", i ? "," : "", i);
	k += (size_t)snprintf(body + k, cap - k, "]}}}}");
	assert_int_equal(daraja_callback_parse(DARAJA_CB_STK, body, k, cap, &cb, &err), POS_E_RANGE);
	assert_non_null(strstr(err.field, "Item"));
	/* Within the default cap: a list of 10,000 numbers under an unread key is
	 * fine (ignored), the same under ResultParameter is refused. */
	k = (size_t)snprintf(body, cap, "%s", STK_HEAD "\"ResultCode\":1,\"Junk\":[");
	for (int i = 0; i < 10000; i++)
		k += (size_t)snprintf(body + k, cap - k, "%s1", i ? "," : "");
	k += (size_t)snprintf(body + k, cap - k, "]}}}");
	assert_int_equal(parse_route(DARAJA_CB_STK, body, k, &cb, &err), POS_OK);
	k = (size_t)snprintf(body, cap, "%s",
	                     "{\"Result\":{\"ResultCode\":1,\"OriginatorConversationID\":\"o\","
	                     "\"ConversationID\":\"c\",\"ResultParameters\":{\"ResultParameter\":[");
	for (int i = 0; i < 10000; i++)
		k += (size_t)snprintf(body + k, cap - k, "%s{\"Key\":\"K%d\"}", i ? "," : "", i);
	k += (size_t)snprintf(body + k, cap - k, "]}}}");
	assert_int_equal(daraja_callback_parse(DARAJA_CB_B2C_RESULT, body, k, cap, &cb, &err),
	                 POS_E_RANGE);
	/* 64 items are fine, 65 are not. */
	for (int n = 64; n <= 65; n++) {
		k = (size_t)snprintf(body, cap, "%s", STK_HEAD "\"ResultCode\":1,\"CallbackMetadata\":{\"Item\":[");
		for (int i = 0; i < n; i++)
			k += (size_t)snprintf(body + k, cap - k, "%s{\"Name\":\"N%d\"}", i ? "," : "", i);
		k += (size_t)snprintf(body + k, cap - k, "]}}}}");
		assert_int_equal(parse_route(DARAJA_CB_STK, body, k, &cb, &err),
		                 n == 64 ? POS_OK : POS_E_RANGE);
	}
	free(body);
}

/* ---- async results ------------------------------------------------------------------------ */

#define RES_HEAD                                                               \
	"{\"Result\":{\"ResultType\":0,\"ResultDesc\":\"d\","                      \
	"\"OriginatorConversationID\":\"o-1\",\"ConversationID\":\"AG_1\","
#define RES(code, params) RES_HEAD "\"ResultCode\":" code params "}}"
#define PARAMS(list) ",\"ResultParameters\":{\"ResultParameter\":" list "}"

struct result_case {
	const char *name;
	enum daraja_cb_route route;
	const char *body;
	enum pos_status want;
	const char *field;
};

static const struct result_case result_cases[] = {
	{"b2c ok minimal", DARAJA_CB_B2C_RESULT,
	 RES("0", PARAMS("{\"Key\":\"TransactionAmount\",\"Value\":10}")), POS_OK, NULL},
	{"b2c paid without amount", DARAJA_CB_B2C_RESULT, RES("0", ""), POS_E_EMPTY, "ResultParameters"},
	{"b2c amount 1.005", DARAJA_CB_B2C_RESULT,
	 RES("0", PARAMS("{\"Key\":\"TransactionAmount\",\"Value\":1.005}")), POS_E_AMOUNT, "TransactionAmount"},
	{"b2c amount negative", DARAJA_CB_B2C_RESULT,
	 RES("0", PARAMS("{\"Key\":\"TransactionAmount\",\"Value\":-10}")), POS_E_AMOUNT, "TransactionAmount"},
	{"b2c registered X", DARAJA_CB_B2C_RESULT,
	 RES("0", PARAMS("[{\"Key\":\"TransactionAmount\",\"Value\":10},{\"Key\":\"B2CRecipientIsRegisteredCustomer\",\"Value\":\"X\"}]")),
	 POS_E_INVALID, "B2CRecipientIsRegisteredCustomer"},
	{"b2c bad completed date", DARAJA_CB_B2C_RESULT,
	 RES("0", PARAMS("[{\"Key\":\"TransactionAmount\",\"Value\":10},{\"Key\":\"TransactionCompletedDateTime\",\"Value\":\"2025-03-14 10:22:41\"}]")),
	 POS_E_INVALID, "TransactionCompletedDateTime"},
	{"b2c impossible completed date", DARAJA_CB_B2C_RESULT,
	 RES("0", PARAMS("[{\"Key\":\"TransactionAmount\",\"Value\":10},{\"Key\":\"TransactionCompletedDateTime\",\"Value\":\"31.02.2025 10:22:41\"}]")),
	 POS_E_INVALID, "TransactionCompletedDateTime"},
	{"b2c Key twice", DARAJA_CB_B2C_RESULT,
	 RES("0", PARAMS("[{\"Key\":\"TransactionAmount\",\"Value\":10},{\"Key\":\"TransactionAmount\",\"Value\":10000}]")),
	 POS_E_DUPLICATE, "ResultParameter"},
	{"b2c param without Key", DARAJA_CB_B2C_RESULT,
	 RES("0", PARAMS("[{\"Value\":10}]")), POS_E_EMPTY, "ResultParameter[0]"},
	{"b2c params text", DARAJA_CB_B2C_RESULT, RES("1", PARAMS("\"x\"")), POS_E_INVALID, "ResultParameter"},
	{"b2c ResultParameters list", DARAJA_CB_B2C_RESULT,
	 RES("1", ",\"ResultParameters\":[]"), POS_E_INVALID, "ResultParameters"},
	{"b2c both param shapes", DARAJA_CB_B2C_RESULT,
	 RES("1", ",\"ResultParameters\":{},\"ResultParameter\":{}"), POS_E_DUPLICATE, "ResultParameters"},
	{"no Result", DARAJA_CB_B2C_RESULT, "{\"result\":{}}", POS_E_EMPTY, "Result"},
	{"Result a list", DARAJA_CB_B2C_RESULT, "{\"Result\":[]}", POS_E_INVALID, "Result"},
	{"no ResultCode", DARAJA_CB_B2C_RESULT, RES_HEAD "\"X\":1}}", POS_E_EMPTY, "ResultCode"},
	{"no ResultCode on timeout", DARAJA_CB_B2C_TIMEOUT, RES_HEAD "\"X\":1}}", POS_OK, NULL},
	{"ResultCode object", DARAJA_CB_STATUS_RESULT, RES("{}", ""), POS_E_INVALID, "ResultCode"},
	{"ResultCode \"21\"", DARAJA_CB_REVERSAL_RESULT, RES("\"21\"", ""), POS_OK, NULL},
	{"ResultType 1.5", DARAJA_CB_B2C_RESULT,
	 "{\"Result\":{\"ResultType\":1.5,\"ResultCode\":1,\"OriginatorConversationID\":\"o\",\"ConversationID\":\"c\"}}",
	 POS_E_INVALID, "ResultType"},
	{"ResultType -0", DARAJA_CB_B2C_RESULT,
	 "{\"Result\":{\"ResultType\":-0,\"ResultCode\":1,\"OriginatorConversationID\":\"o\",\"ConversationID\":\"c\"}}",
	 POS_E_INVALID, "ResultType"},
	{"ResultType huge", DARAJA_CB_B2C_RESULT,
	 "{\"Result\":{\"ResultType\":99999999999999999999,\"ResultCode\":1,\"OriginatorConversationID\":\"o\",\"ConversationID\":\"c\"}}",
	 POS_E_RANGE, "ResultType"},
	{"no ConversationID", DARAJA_CB_B2C_RESULT,
	 "{\"Result\":{\"ResultCode\":1,\"OriginatorConversationID\":\"o\"}}", POS_E_EMPTY, "ConversationID"},
	{"no OriginatorConversationID", DARAJA_CB_B2C_RESULT,
	 "{\"Result\":{\"ResultCode\":1,\"ConversationID\":\"c\"}}", POS_E_EMPTY, "OriginatorConversationID"},
	{"timeout with one id", DARAJA_CB_B2C_TIMEOUT,
	 "{\"Result\":{\"ResultCode\":1,\"ConversationID\":\"c\"}}", POS_OK, NULL},
	{"timeout with no id", DARAJA_CB_B2C_TIMEOUT,
	 "{\"Result\":{\"ResultCode\":1}}", POS_E_EMPTY, "ConversationID"},
	{"ConversationID number", DARAJA_CB_B2C_RESULT,
	 "{\"Result\":{\"ResultCode\":1,\"OriginatorConversationID\":\"o\",\"ConversationID\":7}}",
	 POS_E_INVALID, "ConversationID"},
	{"TransactionID not alnum", DARAJA_CB_B2C_RESULT, RES("1", ",\"TransactionID\":\"TC-1\""), POS_E_INVALID, "TransactionID"},
	{"ReferenceItem 9 items", DARAJA_CB_B2C_RESULT,
	 RES("1", ",\"ReferenceData\":{\"ReferenceItem\":[{\"Key\":\"a\"},{\"Key\":\"b\"},{\"Key\":\"c\"},{\"Key\":\"d\"},"
	          "{\"Key\":\"e\"},{\"Key\":\"f\"},{\"Key\":\"g\"},{\"Key\":\"h\"},{\"Key\":\"i\"}]}"),
	 POS_E_RANGE, "ReferenceItem"},
	{"ReferenceItem value object", DARAJA_CB_B2C_RESULT,
	 RES("1", ",\"ReferenceData\":{\"ReferenceItem\":{\"Key\":\"Occasion\",\"Value\":{}}}"), POS_E_INVALID, "ReferenceItem"},
	{"ReferenceData text", DARAJA_CB_B2C_RESULT, RES("1", ",\"ReferenceData\":\"x\""), POS_E_INVALID, "ReferenceData"},
	/* Status: spellings, aliases given twice. */
	{"status both Finalised and Finalized", DARAJA_CB_STATUS_RESULT,
	 RES("0", PARAMS("[{\"Key\":\"FinalisedTime\",\"Value\":20250314102241},{\"Key\":\"FinalizedTime\",\"Value\":20250314102241}]")),
	 POS_E_DUPLICATE, "ResultParameter"},
	{"status both Conversation ID spellings", DARAJA_CB_STATUS_RESULT,
	 RES("0", PARAMS("[{\"Key\":\"Conversation ID\",\"Value\":\"a\"},{\"Key\":\"ConversationID\",\"Value\":\"b\"},{\"Key\":\"ReceiptNo\",\"Value\":\"X1\"}]")),
	 POS_E_DUPLICATE, "ResultParameter"},
	{"status InitiatedTime 12 digits", DARAJA_CB_STATUS_RESULT,
	 RES("0", PARAMS("[{\"Key\":\"ReceiptNo\",\"Value\":\"X1\"},{\"Key\":\"InitiatedTime\",\"Value\":202503141022}]")),
	 POS_E_INVALID, "InitiatedTime"},
	{"status Amount string", DARAJA_CB_STATUS_RESULT,
	 RES("0", PARAMS("[{\"Key\":\"ReceiptNo\",\"Value\":\"X1\"},{\"Key\":\"Amount\",\"Value\":\"10.00\"}]")), POS_OK, NULL},
	/* Balance grammar. */
	{"balance paid without AccountBalance", DARAJA_CB_BALANCE_RESULT,
	 RES("0", PARAMS("{\"Key\":\"BOCompletedTime\",\"Value\":20250314102731}")), POS_E_EMPTY, "ResultParameters"},
	{"balance trailing &", DARAJA_CB_BALANCE_RESULT,
	 RES("0", PARAMS("{\"Key\":\"AccountBalance\",\"Value\":\"Working Account|KES|1.00|1.00|0.00|0.00&\"}")),
	 POS_E_INVALID, "AccountBalance"},
	{"balance as a number", DARAJA_CB_BALANCE_RESULT,
	 RES("0", PARAMS("{\"Key\":\"AccountBalance\",\"Value\":5}")), POS_E_INVALID, "AccountBalance"},
	/* Reversal. */
	{"reversal brace DebitAccountBalance kept raw", DARAJA_CB_REVERSAL_RESULT,
	 RES("0", PARAMS("[{\"Key\":\"DebitAccountBalance\",\"Value\":\"{Amount={BasicAmount=46713.00, MinimumAmount=4671300, CurrencyCode=KES}}\"},"
	                 "{\"Key\":\"OriginalTransactionID\",\"Value\":\"TCE4XQ7B2M\"}]")),
	 POS_OK, NULL},
	{"reversal Charge negative", DARAJA_CB_REVERSAL_RESULT,
	 RES("0", PARAMS("[{\"Key\":\"Charge\",\"Value\":-1},{\"Key\":\"OriginalTransactionID\",\"Value\":\"TCE4XQ7B2M\"}]")),
	 POS_E_AMOUNT, "Charge"},
	/* A body of another product on this route. */
	{"balance params on b2c route", DARAJA_CB_B2C_RESULT,
	 RES("0", PARAMS("{\"Key\":\"AccountBalance\",\"Value\":\"Working Account|KES|1.00|1.00|0.00|0.00\"}")),
	 POS_E_INVALID, "ResultParameter"},
	{"b2c params on status route", DARAJA_CB_STATUS_RESULT,
	 RES("0", PARAMS("{\"Key\":\"TransactionAmount\",\"Value\":10}")), POS_E_INVALID, "ResultParameter"},
	{"reversal params on balance timeout route", DARAJA_CB_BALANCE_TIMEOUT,
	 RES("0", PARAMS("{\"Key\":\"OriginalTransactionID\",\"Value\":\"TCE4XQ7B2M\"}")), POS_E_INVALID, "ResultParameter"},
	{"stk body on b2c route", DARAJA_CB_B2C_RESULT, "{\"Body\":{\"stkCallback\":{}}}", POS_E_INVALID, "body"},
	{"c2b body on reversal route", DARAJA_CB_REVERSAL_RESULT, "{\"TransID\":\"X\"}", POS_E_INVALID, "body"},
	{"result body on stk route", DARAJA_CB_STK, "{\"Result\":{}}", POS_E_INVALID, "body"},
	{"result body on c2b route", DARAJA_CB_C2B_CONFIRMATION, "{\"Result\":{}}", POS_E_INVALID, "body"},
	{"stk body on c2b route", DARAJA_CB_C2B_VALIDATION, "{\"Body\":{}}", POS_E_INVALID, "body"},
};

static void test_result_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(result_cases); i++) {
		const struct result_case *c = &result_cases[i];
		struct daraja_callback cb;
		struct pos_err err;
		enum pos_status st = parse_str(c->route, c->body, &cb, &err);
		if (st != c->want)
			fail_msg("%s: got %s (%s: %s), want %s", c->name, pos_status_name(st),
			         err.field, err.msg, pos_status_name(c->want));
		if (st != POS_OK) {
			assert_refusal_explained(&err);
			if (!strstr(err.field, c->field))
				fail_msg("%s: field \"%s\" does not name \"%s\"", c->name, err.field,
				         c->field);
		}
	}
}

static void test_timeout_never_failure(void **state)
{
	(void)state;
	static const enum daraja_cb_route timeouts[] = {
		DARAJA_CB_B2C_TIMEOUT, DARAJA_CB_STATUS_TIMEOUT, DARAJA_CB_BALANCE_TIMEOUT,
		DARAJA_CB_REVERSAL_TIMEOUT};
	static const char *const bodies[] = {
		"{\"Result\":{\"ResultType\":0,\"ResultCode\":1,\"ResultDesc\":\"timeout\","
		"\"OriginatorConversationID\":\"o\",\"ConversationID\":\"c\"}}",
		"{\"Result\":{\"ResultCode\":\"0\",\"ConversationID\":\"c\"}}",
		"{\"Result\":{\"OriginatorConversationID\":\"o\"}}",
	};
	for (size_t t = 0; t < N_ELEMS(timeouts); t++) {
		for (size_t b = 0; b < N_ELEMS(bodies); b++) {
			struct daraja_callback cb;
			struct pos_err err;
			assert_int_equal(parse_str(timeouts[t], bodies[b], &cb, &err), POS_OK);
			const struct daraja_result_common *c = common_of(&cb);
			assert_non_null(c);
			assert_true(c->timeout);
			assert_int_equal(c->outcome, DARAJA_OUTCOME_UNKNOWN);
		}
	}
}

/* ---- AccountBalance grammar ------------------------------------------------------------------ */

static void test_account_balance_grammar(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		enum pos_status want;
		size_t count;
		int64_t first_current, first_uncleared;
	} cases[] = {
		{"Working Account|KES|700000.00|700000.00|0.00|0.00", POS_OK, 1, 70000000, 0},
		{"Working Account|KES|346568.83|6186.83|340382.00|0.00&Utility Account|KES|1|1|0|0", POS_OK, 2, 34656883, 0},
		{"Charges Paid Account|KES|-1540.00|-1540.00|0.00|-0.50", POS_OK, 1, -154000, -50},
		{"A|KES|0.1|0|0|0", POS_OK, 1, 10, 0},
		{"", POS_E_EMPTY, 0, 0, 0},
		{"Working Account|KES|1.00|1.00|0.00", POS_E_INVALID, 0, 0, 0},
		{"Working Account|KES|1.00|1.00|0.00|0.00|9", POS_E_INVALID, 0, 0, 0},
		{"Working Account|kes|1.00|1.00|0.00|0.00", POS_E_INVALID, 0, 0, 0},
		{"Working Account|KESH|1.00|1.00|0.00|0.00", POS_E_INVALID, 0, 0, 0},
		{"|KES|1.00|1.00|0.00|0.00", POS_E_INVALID, 0, 0, 0},
		{"W|KES|1.001|1.00|0.00|0.00", POS_E_AMOUNT, 0, 0, 0},
		{"W|KES|1e3|1.00|0.00|0.00", POS_E_AMOUNT, 0, 0, 0},
		{"W|KES||1.00|0.00|0.00", POS_E_AMOUNT, 0, 0, 0},
		{"W|KES|1,000.00|1.00|0.00|0.00", POS_E_AMOUNT, 0, 0, 0},
		{"W|KES|1.00|1.00|0.00|0.00&", POS_E_INVALID, 0, 0, 0},
		{"&W|KES|1.00|1.00|0.00|0.00", POS_E_INVALID, 0, 0, 0},
		{"W|KES|1.00|1.00|0.00|0.00&&W|KES|1.00|1.00|0.00|0.00", POS_E_INVALID, 0, 0, 0},
		{"12345678901234567890123456789012345678901234567890123456789012345|KES|1|1|0|0", POS_E_INVALID, 0, 0, 0},
		{"1234567890123456789012345678901234567890123456789012345678901234|KES|1|1|0|0", POS_OK, 1, 100, 0},
		{"W\x1b[2J|KES|1|1|0|0", POS_E_INVALID, 0, 0, 0},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct daraja_account acc[DARAJA_ACCOUNTS_MAX];
		size_t n = 99;
		struct pos_err err;
		pos_err_clear(&err);
		enum pos_status st = daraja_account_balance_parse(cases[i].s, strlen(cases[i].s),
		                                                  "AccountBalance", acc,
		                                                  DARAJA_ACCOUNTS_MAX, &n, &err);
		if (st != cases[i].want)
			fail_msg("\"%s\": got %s (%s)", cases[i].s, pos_status_name(st), err.msg);
		if (st == POS_OK) {
			assert_int_equal(n, cases[i].count);
			assert_true(acc[0].current == cases[i].first_current);
			assert_true(acc[0].uncleared == cases[i].first_uncleared);
		} else {
			assert_non_null(strstr(err.field, "AccountBalance"));
		}
	}
	/* 16 accounts are fine, 17 are not. */
	char s[2048];
	size_t k = 0;
	for (int i = 0; i < 17; i++)
		k += (size_t)snprintf(s + k, sizeof s - k, "%sA%d|KES|1.00|1.00|0.00|0.00", i ? "&" : "", i);
	struct daraja_account acc[DARAJA_ACCOUNTS_MAX];
	size_t n;
	assert_int_equal(daraja_account_balance_parse(s, k, "AccountBalance", acc,
	                                              DARAJA_ACCOUNTS_MAX, &n, NULL), POS_E_RANGE);
	size_t sixteen = (size_t)(strrchr(s, '&') - s);
	assert_int_equal(daraja_account_balance_parse(s, sixteen, "AccountBalance", acc,
	                                              DARAJA_ACCOUNTS_MAX, &n, NULL), POS_OK);
	assert_int_equal(n, 16);
	assert_string_equal(acc[15].name, "A15");
}

/* ---- C2B -------------------------------------------------------------------------------------- */

#define C2B(tid, time, amount, code, msisdn)                                   \
	"{\"TransactionType\":\"Pay Bill\",\"TransID\":" tid ",\"TransTime\":" time \
	",\"TransAmount\":" amount ",\"BusinessShortCode\":" code                  \
	",\"BillRefNumber\":\"INV-1\",\"MSISDN\":" msisdn "}"
#define C2B_OK C2B("\"TCE5KD81PA\"", "\"20250314112233\"", "\"500.00\"", "\"600984\"", "\"254712345678\"")

static void test_c2b_cases(void **state)
{
	(void)state;
	static const struct {
		const char *name, *body;
		enum pos_status want;
		const char *field;
		enum daraja_msisdn_kind kind;
	} cases[] = {
		{"ok", C2B_OK, POS_OK, NULL, DARAJA_MSISDN_DIGITS},
		{"numbers", C2B("\"TCE5KD81PA\"", "20250314112233", "500", "600984", "254712345678"), POS_OK, NULL, DARAJA_MSISDN_DIGITS},
		{"masked", C2B("\"TCE5KD81PA\"", "\"20250314112233\"", "\"500.00\"", "\"600984\"", "\"2547 ***** 126\""), POS_OK, NULL, DARAJA_MSISDN_MASKED},
		{"hashed", C2B("\"TCE5KD81PA\"", "\"20250314112233\"", "\"500.00\"", "\"600984\"",
		               "\"7132104d6aae9c3fac82095a42c2817952bca48e09d98d5bf4ac08218982fb90\""), POS_OK, NULL, DARAJA_MSISDN_HASHED},
		{"no MSISDN", "{\"TransID\":\"A1\",\"TransTime\":\"20250314112233\",\"TransAmount\":\"1\",\"BusinessShortCode\":\"600984\"}",
		 POS_OK, NULL, DARAJA_MSISDN_ABSENT},
		{"no TransID", "{\"TransTime\":\"20250314112233\",\"TransAmount\":\"1\",\"BusinessShortCode\":\"600984\"}", POS_E_EMPTY, "TransID", 0},
		{"TransID empty", C2B("\"\"", "\"20250314112233\"", "\"500.00\"", "\"600984\"", "\"1\""), POS_E_EMPTY, "TransID", 0},
		{"TransID object", C2B("{}", "\"20250314112233\"", "\"500.00\"", "\"600984\"", "\"1\""), POS_E_INVALID, "TransID", 0},
		{"TransID with quote mark", C2B("\"TCE'5\"", "\"20250314112233\"", "\"500.00\"", "\"600984\"", "\"1\""), POS_E_INVALID, "TransID", 0},
		{"TransTime short", C2B("\"A1\"", "\"202503141122\"", "\"500.00\"", "\"600984\"", "\"1\""), POS_E_INVALID, "TransTime", 0},
		{"TransTime hour 25", C2B("\"A1\"", "\"20250314252233\"", "\"500.00\"", "\"600984\"", "\"1\""), POS_E_INVALID, "TransTime", 0},
		{"TransTime missing", "{\"TransID\":\"A1\",\"TransAmount\":\"1\",\"BusinessShortCode\":\"600984\"}", POS_E_EMPTY, "TransTime", 0},
		{"TransAmount words", C2B("\"A1\"", "\"20250314112233\"", "\"five\"", "\"600984\"", "\"1\""), POS_E_AMOUNT, "TransAmount", 0},
		{"TransAmount 1.5 kept", C2B("\"A1\"", "\"20250314112233\"", "1.5", "\"600984\"", "\"254712345678\""), POS_OK, NULL, DARAJA_MSISDN_DIGITS},
		{"TransAmount negative", C2B("\"A1\"", "\"20250314112233\"", "\"-1.00\"", "\"600984\"", "\"1\""), POS_E_AMOUNT, "TransAmount", 0},
		{"TransAmount empty", C2B("\"A1\"", "\"20250314112233\"", "\"\"", "\"600984\"", "\"1\""), POS_E_EMPTY, "TransAmount", 0},
		{"TransAmount huge", C2B("\"A1\"", "\"20250314112233\"", "1e400", "\"600984\"", "\"1\""), POS_E_AMOUNT, "TransAmount", 0},
		{"shortcode letters", C2B("\"A1\"", "\"20250314112233\"", "\"1\"", "\"60A984\"", "\"1\""), POS_E_INVALID, "BusinessShortCode", 0},
		{"shortcode 13 digits", C2B("\"A1\"", "\"20250314112233\"", "\"1\"", "\"6009846009846\"", "\"1\""), POS_E_INVALID, "BusinessShortCode", 0},
		{"shortcode fraction", C2B("\"A1\"", "\"20250314112233\"", "\"1\"", "600984.5", "\"1\""), POS_E_INVALID, "BusinessShortCode", 0},
		{"MSISDN list", C2B("\"A1\"", "\"20250314112233\"", "\"1\"", "\"600984\"", "[]"), POS_E_INVALID, "MSISDN", 0},
		{"MSISDN 65 chars", C2B("\"A1\"", "\"20250314112233\"", "\"1\"", "\"600984\"",
		                        "\"7132104d6aae9c3fac82095a42c2817952bca48e09d98d5bf4ac08218982fb901\""), POS_E_TOO_LONG, "MSISDN", 0},
		{"FirstName 129 bytes", "{\"TransID\":\"A1\",\"TransTime\":\"20250314112233\",\"TransAmount\":\"1\",\"BusinessShortCode\":\"600984\",\"FirstName\":\""
		                        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
		 POS_E_TOO_LONG, "FirstName", 0},
		{"FirstName with ESC", "{\"TransID\":\"A1\",\"TransTime\":\"20250314112233\",\"TransAmount\":\"1\",\"BusinessShortCode\":\"600984\",\"FirstName\":\"\\u001b]0;x\"}",
		 POS_E_INVALID, "FirstName", 0},
		{"TransID twice", "{\"TransID\":\"A1\",\"TransID\":\"B2\",\"TransTime\":\"20250314112233\",\"TransAmount\":\"1\",\"BusinessShortCode\":\"600984\"}",
		 POS_E_DUPLICATE, "TransID", 0},
		{"TransAmount twice", "{\"TransID\":\"A1\",\"TransTime\":\"20250314112233\",\"TransAmount\":\"1\",\"TransAmount\":\"1000\",\"BusinessShortCode\":\"600984\"}",
		 POS_E_DUPLICATE, "TransAmount", 0},
		{"BillRefNumber null", "{\"TransID\":\"A1\",\"TransTime\":\"20250314112233\",\"TransAmount\":\"1\",\"BusinessShortCode\":\"600984\",\"BillRefNumber\":null}",
		 POS_OK, NULL, DARAJA_MSISDN_ABSENT},
		{"BillRefNumber number", "{\"TransID\":\"A1\",\"TransTime\":\"20250314112233\",\"TransAmount\":\"1\",\"BusinessShortCode\":\"600984\",\"BillRefNumber\":2041}",
		 POS_OK, NULL, DARAJA_MSISDN_ABSENT},
		{"names non-ASCII", "{\"TransID\":\"A1\",\"TransTime\":\"20250314112233\",\"TransAmount\":\"1\",\"BusinessShortCode\":\"600984\",\"FirstName\":\"Ren\xc3\xa9\"}",
		 POS_OK, NULL, DARAJA_MSISDN_ABSENT},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct daraja_c2b out;
		struct pos_err err;
		enum pos_status st = daraja_c2b_parse(cases[i].body, strlen(cases[i].body), 0, true,
		                                      &out, &err);
		if (st != cases[i].want)
			fail_msg("%s: got %s (%s: %s)", cases[i].name, pos_status_name(st), err.field,
			         err.msg);
		if (st == POS_OK) {
			assert_true(out.confirmation);
			assert_int_equal(out.msisdn.kind, cases[i].kind);
		} else {
			assert_refusal_explained(&err);
			if (!strstr(err.field, cases[i].field))
				fail_msg("%s: field \"%s\"", cases[i].name, err.field);
		}
	}
	/* The quoted value shows in the message (what happened, quoting it). */
	struct daraja_c2b out;
	struct pos_err err;
	const char *b = C2B("\"A1\"", "\"20250314112233\"", "\"five\"", "\"600984\"", "\"1\"");
	assert_int_equal(daraja_c2b_parse(b, strlen(b), 0, false, &out, &err), POS_E_AMOUNT);
	assert_non_null(strstr(err.msg, "five"));
}

/* ---- wrong types for each required field -------------------------------------------------- */

/* Take a valid fixture, replace (or remove) one required field with each
 * wrong type, and expect a refusal that names the field. */
static void test_required_fields_wrong_types(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		enum daraja_cb_route route;
		const char *path[4];   /* object keys from the root */
		const char *wrong;     /* JSON values, '|'-separated; "-" = remove */
	} rows[] = {
		{"stk_success.json", DARAJA_CB_STK, {"Body"}, "-|null|[]|\"x\"|1|true"},
		{"stk_success.json", DARAJA_CB_STK, {"Body", "stkCallback"}, "-|null|[]|\"x\"|1"},
		{"stk_success.json", DARAJA_CB_STK, {"Body", "stkCallback", "MerchantRequestID"}, "-|null|\"\"|{}|[]|1|true"},
		{"stk_success.json", DARAJA_CB_STK, {"Body", "stkCallback", "CheckoutRequestID"}, "-|null|\"\"|{}|[\"ws_CO_1\"]|1|false"},
		{"stk_success.json", DARAJA_CB_STK, {"Body", "stkCallback", "ResultCode"}, "-|null|\"\"|{}|[]|true|1.5|-1|1e400|\"0 \""},
		{"stk_success.json", DARAJA_CB_STK, {"Body", "stkCallback", "CallbackMetadata"}, "-|null|[]|\"x\"|1"},
		{"stk_success.json", DARAJA_CB_STK, {"Body", "stkCallback", "ResultDesc"}, "{}|[]|1|true"},
		{"b2c_success.json", DARAJA_CB_B2C_RESULT, {"Result"}, "-|null|[]|\"x\"|1"},
		{"b2c_success.json", DARAJA_CB_B2C_RESULT, {"Result", "ResultCode"}, "-|null|\"\"|{}|[]|true|0.0|-0"},
		{"b2c_success.json", DARAJA_CB_B2C_RESULT, {"Result", "ConversationID"}, "-|null|\"\"|{}|[]|1|true"},
		{"b2c_success.json", DARAJA_CB_B2C_RESULT, {"Result", "OriginatorConversationID"}, "-|null|\"\"|{}|[]|1|true"},
		{"b2c_success.json", DARAJA_CB_B2C_RESULT, {"Result", "ResultParameters"}, "-|null|[]|\"x\"|1"},
		{"b2c_success.json", DARAJA_CB_B2C_RESULT, {"Result", "ResultParameters", "ResultParameter"}, "-|null|\"x\"|1|[1]|[[]]"},
		{"b2c_success.json", DARAJA_CB_B2C_RESULT, {"Result", "ResultType"}, "{}|[]|true|1.5|-1|\"x\""},
		{"status_completed.json", DARAJA_CB_STATUS_RESULT, {"Result", "ResultCode"}, "-|{}|[]|true"},
		{"balance_success.json", DARAJA_CB_BALANCE_RESULT, {"Result", "ResultParameters"}, "-|null|[]"},
		{"balance_inverted_shape.json", DARAJA_CB_BALANCE_RESULT, {"Result", "ResultParameter", "ResultParameters"}, "-|null|\"x\"|[1]"},
		{"reversal_success.json", DARAJA_CB_REVERSAL_RESULT, {"Result", "ConversationID"}, "-|{}|[]"},
		{"c2b_validation.json", DARAJA_CB_C2B_VALIDATION, {"TransID"}, "-|null|\"\"|{}|[]|1|true|\"TC E5\""},
		{"c2b_validation.json", DARAJA_CB_C2B_VALIDATION, {"TransTime"}, "-|null|\"\"|{}|[]|true|1.5|\"14.03.2025\""},
		{"c2b_validation.json", DARAJA_CB_C2B_VALIDATION, {"TransAmount"}, "-|null|\"\"|{}|[]|true|\"x\"|-1|1e400"},
		{"c2b_confirmation_hashed.json", DARAJA_CB_C2B_CONFIRMATION, {"BusinessShortCode"}, "-|null|\"\"|{}|[]|true|1.5|\"60 0984\""},
		{"c2b_confirmation_hashed.json", DARAJA_CB_C2B_CONFIRMATION, {"MSISDN"}, "{}|[]|true|1.5"},
		{"c2b_confirmation_hashed.json", DARAJA_CB_C2B_CONFIRMATION, {"OrgAccountBalance"}, "{}|[]|true|\"x\""},
	};
	for (size_t i = 0; i < N_ELEMS(rows); i++) {
		size_t len;
		char *text = slurp(rows[i].file, &len);
		char wrong[256];
		snprintf(wrong, sizeof wrong, "%s", rows[i].wrong);
		for (char *w = wrong, *next; w; w = next) {
			next = strchr(w, '|');
			if (next)
				*next++ = '\0';
			cJSON *root = cJSON_Parse(text);
			assert_non_null(root);
			cJSON *parent = root;
			size_t depth = 0;
			while (depth + 1 < N_ELEMS(rows[i].path) && rows[i].path[depth + 1]) {
				parent = cJSON_GetObjectItemCaseSensitive(parent, rows[i].path[depth]);
				assert_non_null(parent);
				depth++;
			}
			const char *key = rows[i].path[depth];
			if (strcmp(w, "-") == 0) {
				cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
			} else {
				/* Raw: numbers keep their exact text (1e400, -0, 1.5). */
				cJSON *v = cJSON_CreateRaw(w);
				assert_true(cJSON_ReplaceItemInObjectCaseSensitive(parent, key, v));
			}
			char *body = cJSON_PrintUnformatted(root);
			assert_non_null(body);
			struct daraja_callback cb;
			struct pos_err err;
			enum pos_status st = parse_str(rows[i].route, body, &cb, &err);
			if (st == POS_OK)
				fail_msg("%s with %s = %s was accepted", rows[i].file, key, w);
			assert_refusal_explained(&err);
			if (!strstr(err.field, key) && !strstr(err.msg, key))
				fail_msg("%s with %s = %s: refusal names \"%s\" (%s)", rows[i].file, key, w,
				         err.field, err.msg);
			cJSON_free(body);
			cJSON_Delete(root);
		}
		free(text);
	}
}

/* ---- names ------------------------------------------------------------------------------------ */

static void test_route_names(void **state)
{
	(void)state;
	for (int r = 0; r < DARAJA_CB_ROUTE_COUNT; r++) {
		enum daraja_cb_route back;
		const char *name = daraja_cb_route_name((enum daraja_cb_route)r);
		assert_true(daraja_cb_route_from_name(name, &back));
		assert_int_equal(back, r);
		assert_true(strlen(daraja_cb_route_what((enum daraja_cb_route)r)) > 0);
	}
	enum daraja_cb_route x;
	assert_false(daraja_cb_route_from_name("STK", &x));
	assert_false(daraja_cb_route_from_name("", &x));
	assert_false(daraja_cb_route_from_name(NULL, &x));
	assert_string_equal(daraja_cb_route_name(DARAJA_CB_ROUTE_COUNT), "?");
	struct daraja_callback cb;
	struct pos_err err;
	assert_int_equal(daraja_callback_parse(DARAJA_CB_ROUTE_COUNT, "{}", 2, 0, &cb, &err),
	                 POS_E_INVALID);
	assert_string_equal(err.field, "route");
	/* err may be NULL. */
	assert_int_equal(daraja_callback_parse(DARAJA_CB_STK, "{", 1, 0, &cb, NULL), POS_E_PARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_fixture_prefixes),
		cmocka_unit_test(test_fixtures_on_every_route),
		cmocka_unit_test(test_stk_cases),
		cmocka_unit_test(test_stk_phone_kinds),
		cmocka_unit_test(test_hostile_everywhere),
		cmocka_unit_test(test_size_cap),
		cmocka_unit_test(test_depth_cap),
		cmocka_unit_test(test_many_items),
		cmocka_unit_test(test_result_cases),
		cmocka_unit_test(test_timeout_never_failure),
		cmocka_unit_test(test_account_balance_grammar),
		cmocka_unit_test(test_c2b_cases),
		cmocka_unit_test(test_required_fields_wrong_types),
		cmocka_unit_test(test_route_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
