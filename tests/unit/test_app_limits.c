/* tests/unit/test_app_limits.c: [limits] as the flows apply them: amounts,
 * one open charge per phone, the per-minute limit (this till's window in
 * the ledger and the shared token bucket of each shortcode),
 * the daily payout total and the second approver. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "app/app_int.h"
#include "base/clock.h"
#include "base/str.h"
#include "test_app_fixture.h"

static int64_t add_txn(struct app *a, enum txn_kind k, const char *msisdn,
                       int64_t minor, const char *till, enum txn_state to,
                       const char *code)
{
	struct store_txn t;
	struct store_txn_new in = {.kind = k, .amount_minor = minor, .msisdn = msisdn,
	                           .till_id = till};
	assert_int_equal(store_txn_create(app_store(a), &in, &t, NULL), POS_OK);
	static const enum txn_state path_stk[] = {TXN_SENT, TXN_AWAITING};
	if (to == TXN_CREATED)
		return t.id;
	if (to == TXN_FAILED) {
		struct store_txn_change ch = {.to = TXN_FAILED};
		ch.set.result_code = code;
		assert_int_equal(store_txn_transition(app_store(a), t.id, &ch, NULL, NULL), POS_OK);
		return t.id;
	}
	for (size_t i = 0; i < 2; i++) {
		struct store_txn_change ch = {.to = path_stk[i]};
		assert_int_equal(store_txn_transition(app_store(a), t.id, &ch, NULL, NULL), POS_OK);
		if (path_stk[i] == to)
			return t.id;
	}
	struct store_txn_change ch = {.to = to == TXN_UNRESOLVED ? TXN_UNKNOWN : to};
	assert_int_equal(store_txn_transition(app_store(a), t.id, &ch, NULL, NULL), POS_OK);
	if (to == TXN_UNRESOLVED) {
		ch.to = TXN_UNRESOLVED;
		assert_int_equal(store_txn_transition(app_store(a), t.id, &ch, NULL, NULL), POS_OK);
	}
	return t.id;
}

static void test_money_limits(void **state)
{
	(void)state;
	struct app_fx *f = app_fx_open("[limits]\nstk_min_amount = 5\nstk_max_amount = 70000\n"
	                               "payout_max = 1000\npayout_daily_max = 5000\n", true);
	assert_non_null(f);
	struct money_limits l;
	limit_money(app_config(f->app), &l);
	static const struct {
		enum money_op op;
		int64_t whole;
		enum pos_status want;
	} rows[] = {
		{MONEY_OP_CHARGE, 4, POS_E_RANGE},   {MONEY_OP_CHARGE, 5, POS_OK},
		{MONEY_OP_CHARGE, 70000, POS_OK},    {MONEY_OP_CHARGE, 70001, POS_E_RANGE},
		{MONEY_OP_CHARGE, 0, POS_E_RANGE},   {MONEY_OP_PAYOUT, 9, POS_E_RANGE},
		{MONEY_OP_PAYOUT, 10, POS_OK},       {MONEY_OP_PAYOUT, 1000, POS_OK},
		{MONEY_OP_PAYOUT, 1001, POS_E_RANGE},
		{MONEY_OP_CHARGE, INT64_C(1000000000000), POS_E_RANGE},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct pos_err err;
		enum pos_status got = money_check_limit(&l, CURRENCY_KES, rows[i].op,
		                                        rows[i].whole * MONEY_SCALE, &err);
		if (got != rows[i].want)
			fail_msg("row %zu: %s", i, pos_status_name(got));
	}
	app_fx_close(f);

	/* [limits] may narrow core's limits, never widen them. */
	f = app_fx_open("[limits]\nstk_max_amount = 1000000\npayout_max = 1000000\n"
	                "payout_daily_max = 2000000\n", true);
	assert_non_null(f);
	limit_money(app_config(f->app), &l);
	assert_int_equal(money_check_limit(&l, CURRENCY_KES, MONEY_OP_CHARGE, 250000 * MONEY_SCALE, NULL), POS_OK);
	assert_int_equal(money_check_limit(&l, CURRENCY_KES, MONEY_OP_CHARGE, 250001 * MONEY_SCALE, NULL), POS_E_RANGE);
	assert_int_equal(money_check_limit(&l, CURRENCY_KES, MONEY_OP_PAYOUT, 250001 * MONEY_SCALE, NULL), POS_E_RANGE);
	assert_int_equal(money_check_limit(&l, CURRENCY_KES, MONEY_OP_PAYOUT, 10 * MONEY_SCALE, NULL), POS_OK);
	app_fx_close(f);
}

static void test_open_per_phone(void **state)
{
	(void)state;
	struct app_fx *f = app_fx_open(NULL, true);
	assert_non_null(f);
	struct app *a = f->app;
	static const struct {
		enum txn_state state;
		bool blocks;
	} rows[] = {
		{TXN_CREATED, true}, {TXN_SENT, true},   {TXN_AWAITING, true},
		{TXN_UNKNOWN, true}, {TXN_UNRESOLVED, true},
		{TXN_FAILED, false}, {TXN_COMPLETED, false}, {TXN_CANCELLED, false},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char phone[16];
		str_fmt(phone, sizeof phone, "25470800%04zu", i);
		add_txn(a, TXN_KIND_STK, phone, 100, "till-1", rows[i].state, "1");
		struct store_txn open;
		bool found;
		assert_int_equal(limit_open_for_phone(a, TXN_KIND_STK, phone, &open, &found, NULL), POS_OK);
		if (found != rows[i].blocks)
			fail_msg("row %zu (%s): found %d", i, txn_state_name(rows[i].state), found);
		/* Another phone and another kind never block. */
		assert_int_equal(limit_open_for_phone(a, TXN_KIND_B2C, phone, &open, &found, NULL), POS_OK);
		assert_false(found);
	}
	struct store_txn open;
	bool found;
	assert_int_equal(limit_open_for_phone(a, TXN_KIND_STK, "254799999999", &open, &found, NULL), POS_OK);
	assert_false(found);
	assert_int_equal(limit_open_for_phone(a, TXN_KIND_STK, "", &open, &found, NULL), POS_OK);
	app_fx_close(f);
}

static void test_rate_from_ledger(void **state)
{
	(void)state;
	struct app_fx *f = app_fx_open("[till]\nid = till-a\n[limits]\nstk_per_minute = 3\n"
	                               "b2c_per_minute = 1\n", true);
	assert_non_null(f);
	struct app *a = f->app;
	struct store_txn t;
	struct pos_err err;
	/* Another till's and our own refused ones do not count. */
	add_txn(a, TXN_KIND_STK, "254708000001", 100, "till-b", TXN_AWAITING, NULL);
	add_txn(a, TXN_KIND_STK, "254708000002", 100, "till-a", TXN_FAILED, "local:throttled");
	for (int i = 0; i < 3; i++) {
		int64_t id = add_txn(a, TXN_KIND_STK, "254708000003", 100, "till-a", TXN_CREATED, NULL);
		assert_int_equal(store_txn_get(app_store(a), id, &t, NULL), POS_OK);
		if (limit_rate(a, &t, &err) != POS_OK)
			fail_msg("charge %d of 3 refused: %s", i + 1, err.msg);
	}
	int64_t id = add_txn(a, TXN_KIND_STK, "254708000004", 100, "till-a", TXN_CREATED, NULL);
	assert_int_equal(store_txn_get(app_store(a), id, &t, NULL), POS_OK);
	assert_int_equal(limit_rate(a, &t, &err), POS_E_THROTTLED);
	assert_string_equal(err.field, "[limits] stk_per_minute");
	assert_non_null(strstr(err.hint, "try again in"));
	assert_non_null(strstr(err.msg, "nothing was sent"));
	/* The window refused it before the bucket: no token was taken. */
	/* Payouts have their own counter; queries none. */
	id = add_txn(a, TXN_KIND_B2C, "254708000005", 1000, "till-a", TXN_CREATED, NULL);
	assert_int_equal(store_txn_get(app_store(a), id, &t, NULL), POS_OK);
	assert_int_equal(limit_rate(a, &t, NULL), POS_OK);
	id = add_txn(a, TXN_KIND_B2C, "254708000006", 1000, "till-a", TXN_CREATED, NULL);
	assert_int_equal(store_txn_get(app_store(a), id, &t, NULL), POS_OK);
	assert_int_equal(limit_rate(a, &t, &err), POS_E_THROTTLED);
	assert_string_equal(err.field, "[limits] b2c_per_minute");
	for (int i = 0; i < 5; i++) {
		id = add_txn(a, TXN_KIND_STATUS, NULL, 0, "till-a", TXN_CREATED, NULL);
		assert_int_equal(store_txn_get(app_store(a), id, &t, NULL), POS_OK);
		assert_int_equal(limit_rate(a, &t, NULL), POS_OK);
	}
	/* A minute later the window is empty again. */
	clock_set_fixed((time_t)(clock_now() + 61));
	id = add_txn(a, TXN_KIND_STK, "254708000007", 100, "till-a", TXN_CREATED, NULL);
	assert_int_equal(store_txn_get(app_store(a), id, &t, NULL), POS_OK);
	assert_int_equal(limit_rate(a, &t, NULL), POS_OK);
	clock_set_fixed(-1);
	app_fx_close(f);
}

static void test_rate_bucket_per_shortcode(void **state)
{
	(void)state;
	struct app_fx *f = app_fx_open("[till]\nid = till-a\n[limits]\nstk_per_minute = 20\n"
	                               "b2c_per_minute = 2\n", true);
	assert_non_null(f);
	struct app *a = f->app;
	struct store_txn t;
	struct pos_err err;
	int64_t id, wait;
	clock_set_fixed(clock_now());
	/* Other tills on this database have used the shortcode's 20 tokens:
	 * this till's window is empty, the shared bucket is not. */
	for (int i = 0; i < 20; i++)
		assert_int_equal(store_bucket_take(app_store(a), "rate:stk:555000", 20, 20, &wait, NULL),
		                 POS_OK);
	id = add_txn(a, TXN_KIND_STK, "254708000004", 100, "till-a", TXN_CREATED, NULL);
	assert_int_equal(store_txn_get(app_store(a), id, &t, NULL), POS_OK);
	str_copy(t.shortcode, sizeof t.shortcode, "555000");
	assert_int_equal(limit_rate(a, &t, &err), POS_E_THROTTLED);
	assert_string_equal(err.field, "[limits] stk_per_minute");
	assert_string_equal(err.hint, "try again in 3 s");
	assert_non_null(strstr(err.msg, "555000"));
	assert_non_null(strstr(err.msg, "nothing was sent"));
	/* Refill is continuous: one token every 3 s; a refusal takes none. */
	clock_set_fixed((time_t)(clock_now() + 2));
	assert_int_equal(limit_rate(a, &t, &err), POS_E_THROTTLED);
	assert_string_equal(err.hint, "try again in 1 s");
	clock_set_fixed((time_t)(clock_now() + 1));
	assert_int_equal(limit_rate(a, &t, NULL), POS_OK);
	assert_int_equal(limit_rate(a, &t, &err), POS_E_THROTTLED);
	/* Another shortcode has its own bucket, payouts theirs. */
	str_copy(t.shortcode, sizeof t.shortcode, "600984");
	assert_int_equal(limit_rate(a, &t, NULL), POS_OK);
	assert_int_equal(store_bucket_take(app_store(a), "rate:b2c:555000", 2, 2, &wait, NULL),
	                 POS_OK);
	assert_int_equal(store_bucket_take(app_store(a), "rate:b2c:555000", 2, 2, &wait, NULL),
	                 POS_OK);
	id = add_txn(a, TXN_KIND_B2C, "254708000005", 1000, "till-a", TXN_CREATED, NULL);
	assert_int_equal(store_txn_get(app_store(a), id, &t, NULL), POS_OK);
	str_copy(t.shortcode, sizeof t.shortcode, "555000");
	assert_int_equal(limit_rate(a, &t, &err), POS_E_THROTTLED);
	assert_string_equal(err.field, "[limits] b2c_per_minute");
	assert_string_equal(err.hint, "try again in 30 s");
	clock_set_fixed(-1);
	app_fx_close(f);
}

static void test_payout_rules(void **state)
{
	(void)state;
	struct app_fx *f = app_fx_open("[limits]\napproval_above = 1000\npayout_daily_max = 5000\n"
	                               "payout_max = 5000\n", true);
	assert_non_null(f);
	struct app *a = f->app;
	const struct app_operator sup = {1, "Sam", ROLE_SUPERVISOR}, sup2 = {2, "Ann", ROLE_SUPERVISOR},
	                          cash = {3, "Cate", ROLE_CASHIER}, adm = {4, "Ada", ROLE_ADMIN};
	static const struct {
		int64_t whole;
		int approver; /* 0 none, else index into the table below */
		enum pos_status want;
		const char *field;
	} rows[] = {
		{1000, 0, POS_OK, ""},           /* at the limit: no approver */
		{1001, 0, POS_E_DENIED, "approver"},
		{1001, 1, POS_E_DENIED, "approver"}, /* the payer themselves */
		{1001, 3, POS_E_DENIED, "approver"}, /* a cashier */
		{1001, 2, POS_OK, ""},
		{1001, 4, POS_OK, ""},           /* an admin may approve */
		{5001, 2, POS_E_RANGE, "amount"}, /* past the daily total at once */
	};
	const struct app_operator *by[] = {NULL, &sup, &sup2, &cash, &adm};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct pos_err err;
		pos_err_clear(&err);
		enum pos_status got = limit_payout(a, &sup, by[rows[i].approver],
		                                   rows[i].whole * MONEY_SCALE, &err);
		if (got != rows[i].want)
			fail_msg("row %zu: %s (%s)", i, pos_status_name(got), err.msg);
		if (got != POS_OK)
			assert_string_equal(err.field, rows[i].field);
	}
	/* Today's payouts count unless they failed. */
	add_txn(a, TXN_KIND_B2C, "254708000001", 3000 * MONEY_SCALE, "t", TXN_AWAITING, NULL);
	add_txn(a, TXN_KIND_B2C, "254708000002", 4000 * MONEY_SCALE, "t", TXN_FAILED, "1");
	assert_int_equal(limit_payout(a, &sup, NULL, 1000 * MONEY_SCALE, NULL), POS_OK);
	add_txn(a, TXN_KIND_B2C, "254708000003", 1000 * MONEY_SCALE, "t", TXN_UNKNOWN, NULL);
	struct pos_err err;
	assert_int_equal(limit_payout(a, &sup, &sup2, 1001 * MONEY_SCALE, &err), POS_E_RANGE);
	assert_non_null(strstr(err.msg, "daily limit"));
	assert_int_equal(limit_payout(a, &sup, NULL, 1000 * MONEY_SCALE, NULL), POS_OK);
	app_fx_close(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_money_limits),
		cmocka_unit_test(test_open_per_phone),
		cmocka_unit_test(test_rate_from_ledger),
		cmocka_unit_test(test_rate_bucket_per_shortcode),
		cmocka_unit_test(test_payout_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
