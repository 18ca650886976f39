/* tests/fuzz/fuzz_callback.c: every callback parser (daraja/callback.h) on
 * every input, under every route, plus the AccountBalance grammar. Checks a
 * few invariants: a refusal is explained; a SUCCESS STK callback carries an
 * amount and a receipt; a timeout is never SUCCESS or FAILED. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "daraja/callback.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	for (int r = 0; r < DARAJA_CB_ROUTE_COUNT; r++) {
		struct daraja_callback cb;
		struct pos_err err;
		enum pos_status st = daraja_callback_parse((enum daraja_cb_route)r, body, size, 0,
		                                           &cb, &err);
		if (st != POS_OK) {
			check(err.code == st && err.msg[0] != '\0' && err.hint[0] != '\0');
			continue;
		}
		check(err.code == POS_OK);
		if (r == DARAJA_CB_STK) {
			const struct daraja_stk_callback *s = &cb.u.stk;
			check(s->checkout_request_id[0] != '\0' && s->result_code.text[0] != '\0');
			if (s->outcome == DARAJA_OUTCOME_SUCCESS)
				check(s->amount.present && s->amount.minor >= 0 && s->receipt[0] != '\0');
		}
		const struct daraja_result_common *c = common_of(&cb);
		if (c) {
			check(c->timeout == (c->outcome == DARAJA_OUTCOME_UNKNOWN));
			check(c->conversation_id[0] != '\0' || c->originator_conversation_id[0] != '\0');
		}
		if (r == DARAJA_CB_BALANCE_RESULT)
			check(cb.u.balance.n_accounts <= DARAJA_ACCOUNTS_MAX);
		if (r == DARAJA_CB_C2B_VALIDATION || r == DARAJA_CB_C2B_CONFIRMATION)
			check(cb.u.c2b.amount.present && cb.u.c2b.trans_time.known);
	}
	/* The AccountBalance grammar on raw bytes (it takes a counted string). */
	struct daraja_account acc[DARAJA_ACCOUNTS_MAX];
	size_t n;
	if (daraja_account_balance_parse(body, size, "AccountBalance", acc, DARAJA_ACCOUNTS_MAX,
	                                 &n, NULL) == POS_OK)
		check(n >= 1 && n <= DARAJA_ACCOUNTS_MAX);
	return 0;
}
