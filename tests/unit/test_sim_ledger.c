/* tests/unit/test_sim_ledger.c: the simulator's books: fees, the
 * AccountBalance string, money moving and adding up, reversals, memory cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sim/ledger.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_fees(void **state)
{
	(void)state;
	static const struct {
		int64_t amount, in, out;
	} cases[] = {
		{0, 0, 0},          {1, 1, 0},          {100, 55, 0},
		{101, 56, 1500},    {1000, 550, 1500},  {1001, 551, 2200},
		{10000, 5500, 2200},{10001, 5501, 3300},{36363, 20000, 3300},
		{250000, 20000, 3300}, {-5, 0, 0},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		assert_int_equal(sim_fee_pay_in(cases[i].amount), cases[i].in);
		assert_int_equal(sim_fee_pay_out(cases[i].amount), cases[i].out);
	}
}

static void test_balance_string(void **state)
{
	(void)state;
	struct sim_accounts a = {70000000, 22803700, -154000, 0};
	char out[512];
	assert_true(sim_balance_string(&a, out, sizeof out));
	assert_string_equal(out,
		"Working Account|KES|700000.00|700000.00|0.00|0.00&"
		"Utility Account|KES|228037.00|228037.00|0.00|0.00&"
		"Charges Paid Account|KES|-1540.00|-1540.00|0.00|0.00&"
		"Organization Settlement Account|KES|0.00|0.00|0.00|0.00");
	struct sim_accounts b = {-5, 1, INT64_MIN / 2, 99};
	assert_true(sim_balance_string(&b, out, sizeof out));
	assert_non_null(strstr(out, "Working Account|KES|-0.05|-0.05|"));
	assert_non_null(strstr(out, "Utility Account|KES|0.01|"));
	assert_non_null(strstr(out, "Settlement Account|KES|0.99|"));
	/* too small a buffer says so instead of truncating silently */
	assert_false(sim_balance_string(&a, out, 40));
}

static struct sim_txn txn(enum sim_txn_kind k, const char *receipt,
                          const char *sc, const char *msisdn, int64_t amount)
{
	struct sim_txn t;
	memset(&t, 0, sizeof t);
	t.kind = k;
	snprintf(t.receipt, sizeof t.receipt, "%s", receipt);
	snprintf(t.shortcode, sizeof t.shortcode, "%s", sc);
	snprintf(t.msisdn, sizeof t.msisdn, "%s", msisdn);
	t.amount = amount;
	return t;
}

static void test_money_adds_up(void **state)
{
	(void)state;
	struct sim_ledger_opts o = {50000000, 1000000, 100, 8};
	struct sim_ledger *l = sim_ledger_new(&o);
	struct sim_accounts a;
	assert_non_null(l);

	assert_true(sim_ledger_accounts(l, "174379", &a));
	assert_int_equal(a.working, 50000000);
	assert_int_equal(a.utility, 1000000);

	struct sim_txn t = txn(SIM_TXN_STK, "TCE1AAAAAA", "174379", "254708374149", 1000);
	assert_int_equal(sim_ledger_pay_in(l, &t, &a), SIM_MOVE_OK);
	assert_int_equal(a.working, 50000000 + 100000);
	assert_int_equal(a.charges, -550);
	assert_int_equal(t.fee_cents, 550);

	/* B2C from 600000: utility 10,000.00 covers 9,000 but not 2,000 more */
	struct sim_txn b = txn(SIM_TXN_B2C, "TCE1BBBBBB", "600000", "254712345678", 9000);
	assert_int_equal(sim_ledger_pay_out(l, &b, &a), SIM_MOVE_OK);
	assert_int_equal(a.utility, 100000);
	assert_int_equal(a.charges, -2200);
	struct sim_txn c = txn(SIM_TXN_B2C, "TCE1CCCCCC", "600000", "254712345678", 2000);
	assert_int_equal(sim_ledger_pay_out(l, &c, &a), SIM_MOVE_INSUFFICIENT);
	assert_int_equal(a.utility, 100000); /* nothing moved */
	assert_false(sim_ledger_find(l, "TCE1CCCCCC", NULL));

	/* reversal of the STK payment, once */
	struct sim_txn r = txn(SIM_TXN_REVERSAL, "TCE1DDDDDD", "174379", "", 0);
	struct sim_txn orig;
	snprintf(r.original_receipt, sizeof r.original_receipt, "TCE1AAAAAA");
	assert_int_equal(sim_ledger_reverse(l, &r, &orig, &a), SIM_MOVE_OK);
	assert_int_equal(a.working, 50000000);
	assert_int_equal(r.amount, 1000);
	assert_string_equal(r.msisdn, "254708374149");
	struct sim_txn again = txn(SIM_TXN_REVERSAL, "TCE1EEEEEE", "174379", "", 0);
	snprintf(again.original_receipt, sizeof again.original_receipt, "TCE1AAAAAA");
	assert_int_equal(sim_ledger_reverse(l, &again, &orig, &a), SIM_MOVE_ALREADY);
	assert_true(orig.reversed);
	assert_string_equal(orig.reversed_by, "TCE1DDDDDD");

	/* not found, a B2C receipt, another shortcode's receipt */
	snprintf(again.original_receipt, sizeof again.original_receipt, "NOSUCHRCPT");
	assert_int_equal(sim_ledger_reverse(l, &again, NULL, NULL), SIM_MOVE_NOT_FOUND);
	snprintf(again.original_receipt, sizeof again.original_receipt, "TCE1BBBBBB");
	snprintf(again.shortcode, sizeof again.shortcode, "600000");
	assert_int_equal(sim_ledger_reverse(l, &again, NULL, NULL), SIM_MOVE_NOT_REVERSIBLE);
	struct sim_txn p = txn(SIM_TXN_C2B, "TCE1FFFFFF", "600001", "254712345678", 50);
	assert_int_equal(sim_ledger_pay_in(l, &p, NULL), SIM_MOVE_OK);
	snprintf(again.original_receipt, sizeof again.original_receipt, "TCE1FFFFFF");
	snprintf(again.shortcode, sizeof again.shortcode, "174379");
	assert_int_equal(sim_ledger_reverse(l, &again, NULL, NULL), SIM_MOVE_NOT_REVERSIBLE);

	/* lookups by receipt and by originator id */
	struct sim_txn found;
	assert_true(sim_ledger_find(l, "TCE1BBBBBB", &found));
	assert_int_equal(found.amount, 9000);
	struct sim_txn q = txn(SIM_TXN_B2C, "TCE1GGGGGG", "600000", "254712345678", 10);
	snprintf(q.originator_id, sizeof q.originator_id, "my-uuid-1");
	assert_int_equal(sim_ledger_pay_out(l, &q, NULL), SIM_MOVE_OK);
	assert_true(sim_ledger_find(l, "my-uuid-1", &found));
	assert_string_equal(found.receipt, "TCE1GGGGGG");
	assert_false(sim_ledger_find(l, "", &found));

	sim_ledger_reset(l);
	assert_false(sim_ledger_find(l, "TCE1BBBBBB", NULL));
	assert_true(sim_ledger_accounts(l, "174379", &a));
	assert_int_equal(a.working, 50000000); /* reopened at the opening balance */
	sim_ledger_free(l);
}

static bool count(const struct sim_txn *t, void *arg)
{
	(void)t;
	(*(int *)arg)++;
	return true;
}

static void test_caps(void **state)
{
	(void)state;
	struct sim_ledger_opts o = {0, 0, 5, 2};
	struct sim_ledger *l = sim_ledger_new(&o);
	assert_non_null(l);
	for (int i = 0; i < 12; i++) {
		char r[16];
		snprintf(r, sizeof r, "TCE000000%d", i % 10);
		struct sim_txn t = txn(SIM_TXN_C2B, r, "600000", "254712345678", 1);
		snprintf(t.receipt, sizeof t.receipt, "R%09d", i);
		assert_int_equal(sim_ledger_pay_in(l, &t, NULL), SIM_MOVE_OK);
	}
	int n = 0;
	sim_ledger_each(l, count, &n);
	assert_int_equal(n, 5);              /* only the newest five remembered */
	assert_false(sim_ledger_find(l, "R000000006", NULL));
	assert_true(sim_ledger_find(l, "R000000007", NULL));
	/* two shortcodes at most */
	assert_true(sim_ledger_accounts(l, "600001", NULL));
	assert_false(sim_ledger_accounts(l, "600002", NULL));
	struct sim_txn t = txn(SIM_TXN_C2B, "RFULL00000", "600003", "254712345678", 1);
	assert_int_equal(sim_ledger_pay_in(l, &t, NULL), SIM_MOVE_FULL);
	sim_ledger_free(l);
}

static void test_names(void **state)
{
	(void)state;
	char f[32], l[32], f2[32], l2[32];
	sim_customer_name("254708374149", f, sizeof f, l, sizeof l);
	assert_string_equal(f, "John");
	assert_string_equal(l, "Doe");
	sim_customer_name("254712345678", f, sizeof f, l, sizeof l);
	sim_customer_name("254712345678", f2, sizeof f2, l2, sizeof l2);
	assert_string_equal(f, f2); /* deterministic */
	assert_string_equal(l, l2);
	sim_customer_name("", f, sizeof f, l, sizeof l);
	assert_true(f[0] && l[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fees),
		cmocka_unit_test(test_balance_string),
		cmocka_unit_test(test_money_adds_up),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
