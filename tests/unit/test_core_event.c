/* tests/unit/test_core_event.c: core/event — the IF.bus catalogue: names,
 * payload fields, envelope, and the event each state change publishes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/event.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const names[] = {
	"mpesa.auth.token_acquired",   "mpesa.stk_push.initiated",  "mpesa.stk_push.success",
	"mpesa.stk_push.failed",       "mpesa.b2c.initiated",       "mpesa.b2c.success",
	"mpesa.b2c.failed",            "mpesa.transaction.status_query", "mpesa.balance.query",
	"mpesa.error.occurred",        "mpesa.c2b.validation",      "mpesa.c2b.confirmed",
	"mpesa.reversal.initiated",    "mpesa.reversal.success",    "mpesa.reversal.failed",
	"mpesa.balance.result",        "mpesa.breaker.opened",      "mpesa.breaker.closed",
	"mpesa.callback.orphan",       "mpesa.callback.conflict",   "mpesa.reconcile.resolved",
	"mpesa.reconcile.unresolved",  "mpesa.operator.signed_in",  "mpesa.sale.cash_recorded",
	"mpesa.alert.failures",
};

/* The Python adapter's subset, then ours. */
static const char *const field_names[] = {
	"phone_number", "amount", "currency", "account_reference", "merchant_request_id",
	"checkout_request_id", "result_code", "result_description", "command_id",
	"conversation_id", "originator_conversation_id", "transaction_id", "environment",
	"error_type", "message", "txn_id", "receipt", "operator", "state",
};

static void test_event_names(void **state)
{
	(void)state;
	assert_int_equal(N_ELEMS(names), EVENT_TYPE_COUNT);
	for (size_t i = 0; i < N_ELEMS(names); i++) {
		enum event_type ev = EVENT_TYPE_COUNT;
		if (!event_parse(names[i], &ev))
			fail_msg("%s is not in the catalogue", names[i]);
		assert_string_equal(event_name(ev), names[i]);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(names[i], names[j]);
	}
	for (int ev = 0; ev < EVENT_TYPE_COUNT; ev++)
		assert_true(strncmp(event_name((enum event_type)ev), "mpesa.", 6) == 0);
	static const char *const junk[] = {"", "mpesa", "mpesa.stk_push", "MPESA.STK_PUSH.SUCCESS",
	                                   "mpesa.stk_push.success ", "stk_push.success", NULL};
	for (size_t i = 0; i < N_ELEMS(junk); i++) {
		enum event_type ev;
		assert_false(event_parse(junk[i], &ev));
	}
	assert_string_equal(event_name(EVENT_TYPE_COUNT), "?");
}

static void test_event_fields(void **state)
{
	(void)state;
	assert_int_equal(N_ELEMS(field_names), EVENT_FIELD_COUNT);
	for (size_t i = 0; i < N_ELEMS(field_names); i++) {
		enum event_field f;
		assert_true(event_field_parse(field_names[i], &f));
		assert_string_equal(event_field_name(f), field_names[i]);
	}
	assert_string_equal(event_field_name(EVENT_FIELD_COUNT), "?");
	enum event_field f;
	assert_false(event_field_parse("phone", &f));
	assert_false(event_field_parse(NULL, &f));

	static const char *const envelope[] = {"id", "name", "occurred_at", "till_id",
	                                       "shortcode", "schema_version"};
	assert_int_equal(N_ELEMS(envelope), EVENT_ENVELOPE_COUNT);
	for (size_t i = 0; i < N_ELEMS(envelope); i++) {
		assert_string_equal(event_envelope_name((enum event_envelope)i), envelope[i]);
		/* A payload field never shadows the envelope. */
		assert_false(event_field_parse(envelope[i], &f));
	}
	assert_int_equal(EVENT_SCHEMA_VERSION, 1);

	/* Count, index and membership agree; every event carries something. */
	for (int ev = 0; ev < EVENT_TYPE_COUNT; ev++) {
		size_t n = event_field_count((enum event_type)ev), seen = 0;
		assert_true(n > 0);
		for (int g = 0; g < EVENT_FIELD_COUNT; g++)
			seen += event_has_field((enum event_type)ev, (enum event_field)g);
		assert_int_equal(seen, n);
		int last = -1;
		for (size_t i = 0; i < n; i++) {
			assert_true(event_field_at((enum event_type)ev, i, &f));
			assert_true(event_has_field((enum event_type)ev, f));
			assert_true((int)f > last); /* in field order */
			last = (int)f;
		}
		assert_false(event_field_at((enum event_type)ev, n, &f));
	}
	assert_int_equal(event_fields(EVENT_TYPE_COUNT), 0);
	assert_int_equal(event_field_count((enum event_type)-1), 0);
	assert_false(event_has_field(EV_STK_PUSH_SUCCESS, EVENT_FIELD_COUNT));
}

static const struct has_case {
	enum event_type ev;
	const char *field;
	bool has;
} has_cases[] = {
	{EV_STK_PUSH_INITIATED, "phone_number", true},
	{EV_STK_PUSH_INITIATED, "amount", true},
	{EV_STK_PUSH_INITIATED, "currency", true},
	{EV_STK_PUSH_INITIATED, "account_reference", true},
	{EV_STK_PUSH_INITIATED, "checkout_request_id", true},
	{EV_STK_PUSH_INITIATED, "merchant_request_id", true},
	{EV_STK_PUSH_INITIATED, "result_code", false},
	{EV_STK_PUSH_INITIATED, "receipt", false},
	{EV_STK_PUSH_SUCCESS, "result_code", true},
	{EV_STK_PUSH_SUCCESS, "result_description", true},
	{EV_STK_PUSH_SUCCESS, "receipt", true},
	{EV_STK_PUSH_SUCCESS, "txn_id", true},
	{EV_STK_PUSH_SUCCESS, "command_id", false},
	{EV_STK_PUSH_FAILED, "result_code", true},
	{EV_STK_PUSH_FAILED, "receipt", false},
	{EV_B2C_INITIATED, "command_id", true},
	{EV_B2C_INITIATED, "originator_conversation_id", true},
	{EV_B2C_SUCCESS, "transaction_id", true},
	{EV_B2C_SUCCESS, "conversation_id", true},
	{EV_B2C_SUCCESS, "checkout_request_id", false},
	{EV_B2C_FAILED, "result_code", true},
	{EV_C2B_CONFIRMED, "transaction_id", true},
	{EV_C2B_CONFIRMED, "account_reference", true},
	{EV_C2B_VALIDATION, "result_code", true},
	{EV_REVERSAL_INITIATED, "transaction_id", true},
	{EV_AUTH_TOKEN_ACQUIRED, "environment", true},
	{EV_AUTH_TOKEN_ACQUIRED, "message", false},
	{EV_ERROR_OCCURRED, "error_type", true},
	{EV_ERROR_OCCURRED, "message", true},
	{EV_BREAKER_OPENED, "error_type", true},
	{EV_OPERATOR_SIGNED_IN, "operator", true},
	{EV_OPERATOR_SIGNED_IN, "phone_number", false},
	{EV_SALE_CASH_RECORDED, "amount", true},
	{EV_SALE_CASH_RECORDED, "operator", true},
	{EV_SALE_CASH_RECORDED, "phone_number", false},
	{EV_CALLBACK_CONFLICT, "state", true},
	{EV_RECONCILE_RESOLVED, "state", true},
	{EV_BALANCE_RESULT, "message", true},
};

static void test_event_payloads(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(has_cases); i++) {
		enum event_field f;
		assert_true(event_field_parse(has_cases[i].field, &f));
		if (event_has_field(has_cases[i].ev, f) != has_cases[i].has)
			fail_msg("%s %s %s", event_name(has_cases[i].ev),
			         has_cases[i].has ? "lacks" : "should not have", has_cases[i].field);
	}
	assert_int_equal(event_field_count(EV_OPERATOR_SIGNED_IN), 1);
	/* Every event about money says how much, and in which currency. */
	for (int ev = 0; ev < EVENT_TYPE_COUNT; ev++)
		assert_true(event_has_field((enum event_type)ev, EVF_AMOUNT) ==
		            event_has_field((enum event_type)ev, EVF_CURRENCY));
}

/* Expected event per move; -1: none. Written here independently. */
static const struct move_case {
	enum txn_kind k;
	enum txn_state from, to;
	int ev;
} move_cases[] = {
	{TXN_KIND_STK, TXN_CREATED, TXN_SENT, -1},
	{TXN_KIND_STK, TXN_SENT, TXN_AWAITING, EV_STK_PUSH_INITIATED},
	{TXN_KIND_STK, TXN_UNKNOWN, TXN_AWAITING, -1},
	{TXN_KIND_STK, TXN_SENT, TXN_UNKNOWN, -1},
	{TXN_KIND_STK, TXN_AWAITING, TXN_UNKNOWN, -1},
	{TXN_KIND_STK, TXN_AWAITING, TXN_COMPLETED, EV_STK_PUSH_SUCCESS},
	{TXN_KIND_STK, TXN_UNKNOWN, TXN_COMPLETED, EV_STK_PUSH_SUCCESS},
	{TXN_KIND_STK, TXN_AWAITING, TXN_FAILED, EV_STK_PUSH_FAILED},
	{TXN_KIND_STK, TXN_SENT, TXN_FAILED, EV_STK_PUSH_FAILED},
	{TXN_KIND_STK, TXN_CREATED, TXN_FAILED, EV_STK_PUSH_FAILED},
	{TXN_KIND_STK, TXN_AWAITING, TXN_CANCELLED, EV_STK_PUSH_FAILED},
	{TXN_KIND_STK, TXN_AWAITING, TXN_TIMED_OUT, EV_STK_PUSH_FAILED},
	{TXN_KIND_STK, TXN_AWAITING, TXN_REVIEW, EV_CALLBACK_CONFLICT},
	{TXN_KIND_STK, TXN_UNKNOWN, TXN_UNRESOLVED, EV_RECONCILE_UNRESOLVED},
	{TXN_KIND_STK, TXN_UNRESOLVED, TXN_COMPLETED, EV_RECONCILE_RESOLVED},
	{TXN_KIND_STK, TXN_REVIEW, TXN_FAILED, EV_RECONCILE_RESOLVED},
	{TXN_KIND_STK, TXN_UNRESOLVED, TXN_REVIEW, EV_CALLBACK_CONFLICT},
	{TXN_KIND_B2C, TXN_SENT, TXN_AWAITING, EV_B2C_INITIATED},
	{TXN_KIND_B2C, TXN_SENT, TXN_COMPLETED, EV_B2C_SUCCESS},
	{TXN_KIND_B2C, TXN_AWAITING, TXN_COMPLETED, EV_B2C_SUCCESS},
	{TXN_KIND_B2C, TXN_AWAITING, TXN_FAILED, EV_B2C_FAILED},
	{TXN_KIND_B2C, TXN_AWAITING, TXN_UNKNOWN, -1},
	{TXN_KIND_B2C, TXN_REVIEW, TXN_COMPLETED, EV_RECONCILE_RESOLVED},
	{TXN_KIND_REVERSAL, TXN_SENT, TXN_AWAITING, EV_REVERSAL_INITIATED},
	{TXN_KIND_REVERSAL, TXN_AWAITING, TXN_COMPLETED, EV_REVERSAL_SUCCESS},
	{TXN_KIND_REVERSAL, TXN_UNKNOWN, TXN_FAILED, EV_REVERSAL_FAILED},
	{TXN_KIND_C2B, TXN_CREATED, TXN_AWAITING, EV_C2B_VALIDATION},
	{TXN_KIND_C2B, TXN_CREATED, TXN_FAILED, EV_C2B_VALIDATION},
	{TXN_KIND_C2B, TXN_CREATED, TXN_COMPLETED, EV_C2B_CONFIRMED},
	{TXN_KIND_C2B, TXN_AWAITING, TXN_COMPLETED, EV_C2B_CONFIRMED},
	{TXN_KIND_C2B, TXN_AWAITING, TXN_FAILED, EV_ERROR_OCCURRED},
	{TXN_KIND_C2B, TXN_AWAITING, TXN_REVIEW, EV_CALLBACK_CONFLICT},
	{TXN_KIND_C2B, TXN_UNKNOWN, TXN_AWAITING, -1},
	{TXN_KIND_CASH, TXN_CREATED, TXN_COMPLETED, EV_SALE_CASH_RECORDED},
	{TXN_KIND_STATUS, TXN_SENT, TXN_AWAITING, EV_TRANSACTION_STATUS_QUERY},
	{TXN_KIND_STATUS, TXN_AWAITING, TXN_COMPLETED, -1},
	{TXN_KIND_STATUS, TXN_AWAITING, TXN_FAILED, EV_ERROR_OCCURRED},
	{TXN_KIND_BALANCE, TXN_SENT, TXN_AWAITING, EV_BALANCE_QUERY},
	{TXN_KIND_BALANCE, TXN_AWAITING, TXN_COMPLETED, EV_BALANCE_RESULT},
	{TXN_KIND_BALANCE, TXN_UNKNOWN, TXN_COMPLETED, EV_BALANCE_RESULT},
	{TXN_KIND_BALANCE, TXN_SENT, TXN_FAILED, EV_ERROR_OCCURRED},
	/* not a change */
	{TXN_KIND_STK, TXN_COMPLETED, TXN_COMPLETED, -1},
	{TXN_KIND_STK, TXN_AWAITING, TXN_AWAITING, -1},
};

static void test_event_for_transition(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(move_cases); i++) {
		const struct move_case *c = &move_cases[i];
		enum event_type ev = EVENT_TYPE_COUNT;
		bool got = event_for_transition(c->k, c->from, c->to, &ev);
		if (got != (c->ev >= 0) || (got && (int)ev != c->ev))
			fail_msg("case %zu %s %s -> %s: got %s", i, txn_kind_name(c->k),
			         txn_state_name(c->from), txn_state_name(c->to),
			         got ? event_name(ev) : "none");
	}
	enum event_type ev;
	assert_false(event_for_transition((enum txn_kind)99, TXN_SENT, TXN_AWAITING, &ev));
	assert_false(event_for_transition(TXN_KIND_STK, (enum txn_state)99, TXN_AWAITING, &ev));
	assert_false(event_for_transition(TXN_KIND_STK, TXN_SENT, (enum txn_state)-1, &ev));
	assert_true(event_for_transition(TXN_KIND_STK, TXN_SENT, TXN_AWAITING, NULL));
}

/* Over every legal move: a money-moving or cash transaction never reaches an
 * end state silently, and the event belongs to the kind. */
static void test_event_every_legal_move(void **state)
{
	(void)state;
	static const char *const family[TXN_KIND_COUNT] = {
		[TXN_KIND_STK] = "mpesa.stk_push.",     [TXN_KIND_B2C] = "mpesa.b2c.",
		[TXN_KIND_C2B] = "mpesa.c2b.",          [TXN_KIND_REVERSAL] = "mpesa.reversal.",
		[TXN_KIND_CASH] = "mpesa.sale.",        [TXN_KIND_STATUS] = "mpesa.transaction.",
		[TXN_KIND_BALANCE] = "mpesa.balance.",
	};
	for (int k = 0; k < TXN_KIND_COUNT; k++) {
		for (int from = 0; from < TXN_STATE_COUNT; from++) {
			for (int to = 0; to < TXN_STATE_COUNT; to++) {
				if (!txn_transition_allowed(k, from, to, TXN_BY_SYSTEM) &&
				    !txn_transition_allowed(k, from, to, TXN_BY_SUPERVISOR))
					continue;
				enum event_type ev;
				bool got = event_for_transition(k, from, to, &ev);
				if (txn_state_is_terminal(to) && k != TXN_KIND_STATUS && !got)
					fail_msg("%s %s -> %s publishes nothing", txn_kind_name(k),
					         txn_state_name(from), txn_state_name(to));
				if (!got)
					continue;
				const char *name = event_name(ev);
				bool ok = strncmp(name, family[k], strlen(family[k])) == 0 ||
				          ev == EV_CALLBACK_CONFLICT || ev == EV_RECONCILE_RESOLVED ||
				          ev == EV_RECONCILE_UNRESOLVED || ev == EV_ERROR_OCCURRED;
				if (!ok)
					fail_msg("%s %s -> %s publishes %s", txn_kind_name(k),
					         txn_state_name(from), txn_state_name(to), name);
				if (to == TXN_REVIEW)
					assert_int_equal(ev, EV_CALLBACK_CONFLICT);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_names),
		cmocka_unit_test(test_event_fields),
		cmocka_unit_test(test_event_payloads),
		cmocka_unit_test(test_event_for_transition),
		cmocka_unit_test(test_event_every_legal_move),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
