/* tests/unit/test_core_txn.c: core/txn — names, and every (kind, from, to,
 * actor) combination against an expectation table written here, separately
 * from the matrix in core/txn.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/txn.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

enum { SYS = 1, SUP = 2 };

/* The legal moves, one line each, as the header documents them. Anything not
 * listed is illegal for both actors. */
static const struct legal {
	enum txn_kind k;
	enum txn_state from, to;
	int by;
} legal[] = {
	/* STK */
	{TXN_KIND_STK, TXN_CREATED, TXN_SENT, SYS},
	{TXN_KIND_STK, TXN_CREATED, TXN_FAILED, SYS},
	{TXN_KIND_STK, TXN_SENT, TXN_AWAITING, SYS},
	{TXN_KIND_STK, TXN_SENT, TXN_FAILED, SYS},
	{TXN_KIND_STK, TXN_SENT, TXN_UNKNOWN, SYS},
	{TXN_KIND_STK, TXN_AWAITING, TXN_COMPLETED, SYS},
	{TXN_KIND_STK, TXN_AWAITING, TXN_FAILED, SYS},
	{TXN_KIND_STK, TXN_AWAITING, TXN_CANCELLED, SYS},
	{TXN_KIND_STK, TXN_AWAITING, TXN_TIMED_OUT, SYS},
	{TXN_KIND_STK, TXN_AWAITING, TXN_UNKNOWN, SYS},
	{TXN_KIND_STK, TXN_AWAITING, TXN_REVIEW, SYS},
	{TXN_KIND_STK, TXN_UNKNOWN, TXN_AWAITING, SYS},
	{TXN_KIND_STK, TXN_UNKNOWN, TXN_COMPLETED, SYS},
	{TXN_KIND_STK, TXN_UNKNOWN, TXN_FAILED, SYS},
	{TXN_KIND_STK, TXN_UNKNOWN, TXN_CANCELLED, SYS},
	{TXN_KIND_STK, TXN_UNKNOWN, TXN_TIMED_OUT, SYS},
	{TXN_KIND_STK, TXN_UNKNOWN, TXN_UNRESOLVED, SYS},
	{TXN_KIND_STK, TXN_UNKNOWN, TXN_REVIEW, SYS},
	{TXN_KIND_STK, TXN_UNRESOLVED, TXN_REVIEW, SYS},
	{TXN_KIND_STK, TXN_UNRESOLVED, TXN_COMPLETED, SUP},
	{TXN_KIND_STK, TXN_UNRESOLVED, TXN_FAILED, SUP},
	{TXN_KIND_STK, TXN_REVIEW, TXN_COMPLETED, SUP},
	{TXN_KIND_STK, TXN_REVIEW, TXN_FAILED, SUP},
	/* B2C */
	{TXN_KIND_B2C, TXN_CREATED, TXN_SENT, SYS},
	{TXN_KIND_B2C, TXN_CREATED, TXN_FAILED, SYS},
	{TXN_KIND_B2C, TXN_SENT, TXN_AWAITING, SYS},
	{TXN_KIND_B2C, TXN_SENT, TXN_COMPLETED, SYS},
	{TXN_KIND_B2C, TXN_SENT, TXN_FAILED, SYS},
	{TXN_KIND_B2C, TXN_SENT, TXN_UNKNOWN, SYS},
	{TXN_KIND_B2C, TXN_AWAITING, TXN_COMPLETED, SYS},
	{TXN_KIND_B2C, TXN_AWAITING, TXN_FAILED, SYS},
	{TXN_KIND_B2C, TXN_AWAITING, TXN_UNKNOWN, SYS},
	{TXN_KIND_B2C, TXN_AWAITING, TXN_REVIEW, SYS},
	{TXN_KIND_B2C, TXN_UNKNOWN, TXN_AWAITING, SYS},
	{TXN_KIND_B2C, TXN_UNKNOWN, TXN_COMPLETED, SYS},
	{TXN_KIND_B2C, TXN_UNKNOWN, TXN_FAILED, SYS},
	{TXN_KIND_B2C, TXN_UNKNOWN, TXN_UNRESOLVED, SYS},
	{TXN_KIND_B2C, TXN_UNKNOWN, TXN_REVIEW, SYS},
	{TXN_KIND_B2C, TXN_UNRESOLVED, TXN_REVIEW, SYS},
	{TXN_KIND_B2C, TXN_UNRESOLVED, TXN_COMPLETED, SUP},
	{TXN_KIND_B2C, TXN_UNRESOLVED, TXN_FAILED, SUP},
	{TXN_KIND_B2C, TXN_REVIEW, TXN_COMPLETED, SUP},
	{TXN_KIND_B2C, TXN_REVIEW, TXN_FAILED, SUP},
	/* Reversal: as B2C */
	{TXN_KIND_REVERSAL, TXN_CREATED, TXN_SENT, SYS},
	{TXN_KIND_REVERSAL, TXN_CREATED, TXN_FAILED, SYS},
	{TXN_KIND_REVERSAL, TXN_SENT, TXN_AWAITING, SYS},
	{TXN_KIND_REVERSAL, TXN_SENT, TXN_COMPLETED, SYS},
	{TXN_KIND_REVERSAL, TXN_SENT, TXN_FAILED, SYS},
	{TXN_KIND_REVERSAL, TXN_SENT, TXN_UNKNOWN, SYS},
	{TXN_KIND_REVERSAL, TXN_AWAITING, TXN_COMPLETED, SYS},
	{TXN_KIND_REVERSAL, TXN_AWAITING, TXN_FAILED, SYS},
	{TXN_KIND_REVERSAL, TXN_AWAITING, TXN_UNKNOWN, SYS},
	{TXN_KIND_REVERSAL, TXN_AWAITING, TXN_REVIEW, SYS},
	{TXN_KIND_REVERSAL, TXN_UNKNOWN, TXN_AWAITING, SYS},
	{TXN_KIND_REVERSAL, TXN_UNKNOWN, TXN_COMPLETED, SYS},
	{TXN_KIND_REVERSAL, TXN_UNKNOWN, TXN_FAILED, SYS},
	{TXN_KIND_REVERSAL, TXN_UNKNOWN, TXN_UNRESOLVED, SYS},
	{TXN_KIND_REVERSAL, TXN_UNKNOWN, TXN_REVIEW, SYS},
	{TXN_KIND_REVERSAL, TXN_UNRESOLVED, TXN_REVIEW, SYS},
	{TXN_KIND_REVERSAL, TXN_UNRESOLVED, TXN_COMPLETED, SUP},
	{TXN_KIND_REVERSAL, TXN_UNRESOLVED, TXN_FAILED, SUP},
	{TXN_KIND_REVERSAL, TXN_REVIEW, TXN_COMPLETED, SUP},
	{TXN_KIND_REVERSAL, TXN_REVIEW, TXN_FAILED, SUP},
	/* C2B */
	{TXN_KIND_C2B, TXN_CREATED, TXN_COMPLETED, SYS},
	{TXN_KIND_C2B, TXN_CREATED, TXN_AWAITING, SYS},
	{TXN_KIND_C2B, TXN_CREATED, TXN_FAILED, SYS},
	{TXN_KIND_C2B, TXN_AWAITING, TXN_COMPLETED, SYS},
	{TXN_KIND_C2B, TXN_AWAITING, TXN_FAILED, SYS},
	{TXN_KIND_C2B, TXN_AWAITING, TXN_UNKNOWN, SYS},
	{TXN_KIND_C2B, TXN_AWAITING, TXN_REVIEW, SYS},
	{TXN_KIND_C2B, TXN_UNKNOWN, TXN_COMPLETED, SYS},
	{TXN_KIND_C2B, TXN_UNKNOWN, TXN_FAILED, SYS},
	{TXN_KIND_C2B, TXN_UNKNOWN, TXN_UNRESOLVED, SYS},
	{TXN_KIND_C2B, TXN_UNKNOWN, TXN_REVIEW, SYS},
	{TXN_KIND_C2B, TXN_UNRESOLVED, TXN_REVIEW, SYS},
	{TXN_KIND_C2B, TXN_UNRESOLVED, TXN_COMPLETED, SUP},
	{TXN_KIND_C2B, TXN_UNRESOLVED, TXN_FAILED, SUP},
	{TXN_KIND_C2B, TXN_REVIEW, TXN_COMPLETED, SUP},
	{TXN_KIND_C2B, TXN_REVIEW, TXN_FAILED, SUP},
	/* Cash */
	{TXN_KIND_CASH, TXN_CREATED, TXN_COMPLETED, SYS},
	/* Status and balance queries */
	{TXN_KIND_STATUS, TXN_CREATED, TXN_SENT, SYS},
	{TXN_KIND_STATUS, TXN_CREATED, TXN_FAILED, SYS},
	{TXN_KIND_STATUS, TXN_SENT, TXN_AWAITING, SYS},
	{TXN_KIND_STATUS, TXN_SENT, TXN_FAILED, SYS},
	{TXN_KIND_STATUS, TXN_SENT, TXN_UNKNOWN, SYS},
	{TXN_KIND_STATUS, TXN_AWAITING, TXN_COMPLETED, SYS},
	{TXN_KIND_STATUS, TXN_AWAITING, TXN_FAILED, SYS},
	{TXN_KIND_STATUS, TXN_AWAITING, TXN_UNKNOWN, SYS},
	{TXN_KIND_STATUS, TXN_UNKNOWN, TXN_COMPLETED, SYS},
	{TXN_KIND_STATUS, TXN_UNKNOWN, TXN_FAILED, SYS},
	{TXN_KIND_BALANCE, TXN_CREATED, TXN_SENT, SYS},
	{TXN_KIND_BALANCE, TXN_CREATED, TXN_FAILED, SYS},
	{TXN_KIND_BALANCE, TXN_SENT, TXN_AWAITING, SYS},
	{TXN_KIND_BALANCE, TXN_SENT, TXN_FAILED, SYS},
	{TXN_KIND_BALANCE, TXN_SENT, TXN_UNKNOWN, SYS},
	{TXN_KIND_BALANCE, TXN_AWAITING, TXN_COMPLETED, SYS},
	{TXN_KIND_BALANCE, TXN_AWAITING, TXN_FAILED, SYS},
	{TXN_KIND_BALANCE, TXN_AWAITING, TXN_UNKNOWN, SYS},
	{TXN_KIND_BALANCE, TXN_UNKNOWN, TXN_COMPLETED, SYS},
	{TXN_KIND_BALANCE, TXN_UNKNOWN, TXN_FAILED, SYS},
};

static int expected(enum txn_kind k, enum txn_state from, enum txn_state to)
{
	for (size_t i = 0; i < N_ELEMS(legal); i++)
		if (legal[i].k == k && legal[i].from == from && legal[i].to == to)
			return legal[i].by;
	return 0;
}

static void test_txn_every_combination(void **state)
{
	(void)state;
	size_t walked = 0, allowed = 0;
	for (int k = 0; k < TXN_KIND_COUNT; k++) {
		for (int from = 0; from < TXN_STATE_COUNT; from++) {
			for (int to = 0; to < TXN_STATE_COUNT; to++) {
				int want = expected(k, from, to);
				for (int a = 0; a < 2; a++) {
					enum txn_actor by = a ? TXN_BY_SUPERVISOR : TXN_BY_SYSTEM;
					bool ok = want == (a ? SUP : SYS);
					walked++;
					if (txn_transition_allowed(k, from, to, by) != ok)
						fail_msg("%s: %s -> %s by %s: allowed() says %d, want %d",
						         txn_kind_name(k), txn_state_name(from), txn_state_name(to),
						         a ? "supervisor" : "system", !ok, ok);
					enum txn_state s = from;
					struct pos_err err;
					enum pos_status st = txn_transition(k, &s, to, by, &err);
					if (from == to) {
						assert_int_equal(st, POS_E_DUPLICATE);
						assert_int_equal(s, from);
						assert_non_null(strstr(err.msg, "is already"));
					} else if (ok) {
						assert_int_equal(st, POS_OK);
						assert_int_equal(s, to);
						assert_int_equal(err.code, POS_OK);
						allowed++;
					} else {
						if (st != POS_E_STATE)
							fail_msg("%s: %s -> %s: %s", txn_kind_name(k),
							         txn_state_name(from), txn_state_name(to),
							         pos_status_name(st));
						assert_int_equal(s, from); /* untouched */
						assert_string_equal(err.field, "state");
						/* The sentence names both states. */
						assert_non_null(strstr(err.msg, txn_state_name(from)));
						assert_non_null(strstr(err.msg, txn_state_name(to)));
						assert_non_null(strstr(err.msg, txn_kind_label(k)));
					}
				}
			}
		}
	}
	assert_int_equal(walked, TXN_KIND_COUNT * TXN_STATE_COUNT * TXN_STATE_COUNT * 2);
	assert_int_equal(allowed, N_ELEMS(legal));
}

static void test_txn_table_shape(void **state)
{
	(void)state;
	/* The expectation table itself: no duplicates, no same-state moves,
	 * nothing leaves a terminal state, every non-terminal state reachable
	 * from created can reach a terminal state (no trap). */
	for (size_t i = 0; i < N_ELEMS(legal); i++) {
		assert_true(legal[i].from != legal[i].to);
		assert_false(txn_state_is_terminal(legal[i].from));
		for (size_t j = i + 1; j < N_ELEMS(legal); j++)
			assert_false(legal[i].k == legal[j].k && legal[i].from == legal[j].from &&
			             legal[i].to == legal[j].to);
	}
	for (int k = 0; k < TXN_KIND_COUNT; k++) {
		bool reach[TXN_STATE_COUNT] = {false};
		reach[TXN_CREATED] = true;
		for (int pass = 0; pass < TXN_STATE_COUNT; pass++)
			for (int f = 0; f < TXN_STATE_COUNT; f++)
				for (int t = 0; t < TXN_STATE_COUNT; t++)
					if (reach[f] && (txn_transition_allowed(k, f, t, TXN_BY_SYSTEM) ||
					                 txn_transition_allowed(k, f, t, TXN_BY_SUPERVISOR)))
						reach[t] = true;
		assert_true(reach[TXN_COMPLETED]);
		for (int s = 0; s < TXN_STATE_COUNT; s++) {
			if (!reach[s] || txn_state_is_terminal(s))
				continue;
			bool out = false;
			for (int t = 0; t < TXN_STATE_COUNT; t++)
				out |= txn_transition_allowed(k, s, t, TXN_BY_SYSTEM) ||
				       txn_transition_allowed(k, s, t, TXN_BY_SUPERVISOR);
			if (!out)
				fail_msg("%s: %s is reachable but has no way out", txn_kind_name(k),
				         txn_state_name(s));
		}
	}
}

static void test_txn_sentences(void **state)
{
	(void)state;
	struct pos_err err;
	enum txn_state s = TXN_UNRESOLVED;
	assert_int_equal(txn_transition(TXN_KIND_STK, &s, TXN_COMPLETED, TXN_BY_SYSTEM, &err),
	                 POS_E_STATE);
	assert_non_null(strstr(err.msg, "only a supervisor can close it"));
	assert_non_null(strstr(err.hint, "supervisor"));
	s = TXN_AWAITING;
	assert_int_equal(txn_transition(TXN_KIND_STK, &s, TXN_COMPLETED, TXN_BY_SUPERVISOR, &err),
	                 POS_E_STATE);
	assert_non_null(strstr(err.msg, "not by hand"));
	s = TXN_COMPLETED;
	assert_int_equal(txn_transition(TXN_KIND_B2C, &s, TXN_FAILED, TXN_BY_SYSTEM, &err),
	                 POS_E_STATE);
	assert_string_equal(err.msg, "Payout cannot go from completed (PAID) to failed (FAILED)");
	assert_non_null(strstr(err.hint, "final"));
	s = TXN_CANCELLED;
	assert_int_equal(txn_transition(TXN_KIND_STK, &s, TXN_CANCELLED, TXN_BY_SYSTEM, &err),
	                 POS_E_DUPLICATE);
	assert_string_equal(err.msg, "M-Pesa charge is already cancelled (CANCELLED)");
	/* err may be NULL. */
	s = TXN_CREATED;
	assert_int_equal(txn_transition(TXN_KIND_CASH, &s, TXN_COMPLETED, TXN_BY_SYSTEM, NULL),
	                 POS_OK);
	assert_int_equal(s, TXN_COMPLETED);
	/* Out of range values are refused, never indexed. */
	s = TXN_CREATED;
	assert_int_equal(txn_transition((enum txn_kind)99, &s, TXN_SENT, TXN_BY_SYSTEM, &err),
	                 POS_E_STATE);
	assert_int_equal(txn_transition(TXN_KIND_STK, &s, (enum txn_state)99, TXN_BY_SYSTEM, &err),
	                 POS_E_STATE);
	assert_int_equal(txn_transition(TXN_KIND_STK, &s, (enum txn_state)-1, TXN_BY_SYSTEM, &err),
	                 POS_E_STATE);
	assert_int_equal(txn_transition(TXN_KIND_STK, &s, TXN_SENT, (enum txn_actor)7, &err),
	                 POS_E_STATE);
	assert_int_equal(s, TXN_CREATED);
	assert_int_equal(txn_transition(TXN_KIND_STK, NULL, TXN_SENT, TXN_BY_SYSTEM, &err),
	                 POS_E_STATE);
	s = (enum txn_state)42;
	assert_int_equal(txn_transition(TXN_KIND_STK, &s, TXN_SENT, TXN_BY_SYSTEM, &err),
	                 POS_E_STATE);
	assert_false(txn_transition_allowed(TXN_KIND_STK, (enum txn_state)-3, TXN_SENT,
	                                    TXN_BY_SYSTEM));
}

static void test_txn_names(void **state)
{
	(void)state;
	static const struct {
		enum txn_kind k;
		const char *name;
		bool money;
	} kinds[] = {
		{TXN_KIND_STK, "stk", true},         {TXN_KIND_B2C, "b2c", true},
		{TXN_KIND_C2B, "c2b", true},         {TXN_KIND_REVERSAL, "reversal", true},
		{TXN_KIND_CASH, "cash", false},      {TXN_KIND_STATUS, "status", false},
		{TXN_KIND_BALANCE, "balance", false},
	};
	assert_int_equal(N_ELEMS(kinds), TXN_KIND_COUNT);
	for (size_t i = 0; i < N_ELEMS(kinds); i++) {
		enum txn_kind k;
		assert_string_equal(txn_kind_name(kinds[i].k), kinds[i].name);
		assert_true(txn_kind_parse(kinds[i].name, &k));
		assert_int_equal(k, kinds[i].k);
		assert_true(txn_kind_moves_money(kinds[i].k) == kinds[i].money);
		assert_true(txn_kind_label(kinds[i].k)[0] != '\0');
	}
	static const struct {
		enum txn_state s;
		const char *name;
		bool terminal;
		const char *label;
	} states[] = {
		{TXN_CREATED, "created", false, "Not sent"},
		{TXN_SENT, "sent", false, "Sending"},
		{TXN_AWAITING, "awaiting", false, "Waiting for customer"},
		{TXN_COMPLETED, "completed", true, "PAID"},
		{TXN_FAILED, "failed", true, "FAILED"},
		{TXN_CANCELLED, "cancelled", true, "CANCELLED"},
		{TXN_TIMED_OUT, "timed_out", true, "NO ANSWER"},
		{TXN_UNKNOWN, "unknown", false, "CHECKING"},
		{TXN_UNRESOLVED, "unresolved", false, "UNRESOLVED"},
		{TXN_REVIEW, "review", false, "HELD FOR REVIEW"},
	};
	assert_int_equal(N_ELEMS(states), TXN_STATE_COUNT);
	for (size_t i = 0; i < N_ELEMS(states); i++) {
		enum txn_state s;
		assert_string_equal(txn_state_name(states[i].s), states[i].name);
		assert_string_equal(txn_state_label(states[i].s), states[i].label);
		assert_true(txn_state_parse(states[i].name, &s));
		assert_int_equal(s, states[i].s);
		assert_true(txn_state_is_terminal(states[i].s) == states[i].terminal);
	}
	enum txn_kind k;
	enum txn_state s;
	static const char *const junk[] = {"", "STK", "stk ", "paid", "Completed", NULL};
	for (size_t i = 0; i < N_ELEMS(junk); i++) {
		assert_false(txn_kind_parse(junk[i], &k));
		assert_false(txn_state_parse(junk[i], &s));
	}
	assert_string_equal(txn_kind_name((enum txn_kind)77), "?");
	assert_string_equal(txn_state_name((enum txn_state)77), "?");
	assert_false(txn_state_is_terminal((enum txn_state)77));
	assert_false(txn_kind_moves_money((enum txn_kind)77));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_txn_every_combination),
		cmocka_unit_test(test_txn_table_shape),
		cmocka_unit_test(test_txn_sentences),
		cmocka_unit_test(test_txn_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
