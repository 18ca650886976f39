/* tests/unit/test_core_role.c: core/role — roles, actions and who may do
 * what, walked for every (role, action). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/role.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Independent expectation: the minimum role of each action, by name. */
static const struct {
	const char *action;
	const char *min;
} minimum[] = {
	{"charge", "cashier"},         {"own_history", "cashier"},
	{"c2b_feed", "cashier"},       {"claim_c2b", "cashier"},
	{"payout", "supervisor"},      {"balance", "supervisor"},
	{"reversal", "supervisor"},    {"all_history", "supervisor"},
	{"day_end_report", "supervisor"}, {"resolve_unresolved", "supervisor"},
	{"c2b_register", "supervisor"},
	{"operators", "admin"},        {"settings", "admin"},
};

static int rank(const char *role)
{
	return strcmp(role, "cashier") == 0 ? 0 : strcmp(role, "supervisor") == 0 ? 1 : 2;
}

static void test_role_every_pair(void **state)
{
	(void)state;
	static const char *const roles[] = {"cashier", "supervisor", "admin"};
	assert_int_equal(N_ELEMS(roles), ROLE_COUNT);
	assert_int_equal(N_ELEMS(minimum), ROLE_ACTION_COUNT);
	for (size_t r = 0; r < N_ELEMS(roles); r++) {
		enum role role;
		assert_true(role_parse(roles[r], &role));
		for (size_t a = 0; a < N_ELEMS(minimum); a++) {
			enum role_action act;
			assert_true(role_action_parse(minimum[a].action, &act));
			bool want = rank(roles[r]) >= rank(minimum[a].min);
			if (role_allows(role, act) != want)
				fail_msg("%s / %s: got %d", roles[r], minimum[a].action, !want);
			struct pos_err err;
			enum pos_status st = role_check(role, act, &err);
			assert_int_equal(st, want ? POS_OK : POS_E_DENIED);
			if (!want) {
				assert_string_equal(err.field, "role");
				assert_non_null(strstr(err.msg, roles[r]));
				assert_non_null(strstr(err.msg, minimum[a].min));
				assert_non_null(strstr(err.hint, minimum[a].min));
			}
			assert_string_equal(role_name(role_action_min(act)), minimum[a].min);
		}
	}
}

static void test_role_sentence(void **state)
{
	(void)state;
	struct pos_err err;
	assert_int_equal(role_check(ROLE_CASHIER, ROLE_ACT_PAYOUT, &err), POS_E_DENIED);
	assert_string_equal(err.msg, "a cashier cannot pay money out (B2C): it needs a supervisor");
	assert_string_equal(err.hint, "ask a supervisor to sign in");
	assert_int_equal(role_check(ROLE_SUPERVISOR, ROLE_ACT_SETTINGS, &err), POS_E_DENIED);
	assert_string_equal(err.msg,
	                    "a supervisor cannot change the settings: it needs an admin");
	assert_int_equal(role_check(ROLE_ADMIN, ROLE_ACT_SETTINGS, NULL), POS_OK);
	assert_int_equal(role_check((enum role)9, ROLE_ACT_CHARGE, &err), POS_E_DENIED);
	assert_int_equal(role_check(ROLE_ADMIN, (enum role_action)99, &err), POS_E_DENIED);
}

static void test_role_names(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		bool ok;
		enum role r;
	} cases[] = {
		{"cashier", true, ROLE_CASHIER},       {"Cashier", true, ROLE_CASHIER},
		{"SUPERVISOR", true, ROLE_SUPERVISOR}, {"admin", true, ROLE_ADMIN},
		{"administrator", false, 0},           {"root", false, 0},
		{"", false, 0},                        {" admin", false, 0},
		{"admin\n", false, 0},                 {"\xd8\xa7", false, 0},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		enum role r = ROLE_COUNT;
		if (role_parse(cases[i].s, &r) != cases[i].ok)
			fail_msg("case %zu '%s'", i, cases[i].s);
		if (cases[i].ok)
			assert_int_equal(r, cases[i].r);
	}
	enum role r;
	assert_false(role_parse(NULL, &r));
	assert_true(ROLE_CASHIER < ROLE_SUPERVISOR && ROLE_SUPERVISOR < ROLE_ADMIN);
	assert_string_equal(role_label(ROLE_ADMIN), "Administrator");
	assert_string_equal(role_name((enum role)-1), "?");
	assert_false(role_allows((enum role)-1, ROLE_ACT_CHARGE));
	assert_false(role_allows((enum role)3, ROLE_ACT_CHARGE));
	assert_false(role_allows(ROLE_ADMIN, (enum role_action)-1));
	enum role_action a;
	assert_true(role_action_parse("PAYOUT", &a) && a == ROLE_ACT_PAYOUT);
	assert_false(role_action_parse("pay", &a));
	assert_false(role_action_parse(NULL, &a));
	assert_string_equal(role_action_name(ROLE_ACT_DAY_END_REPORT), "day_end_report");
	assert_string_equal(role_action_name(ROLE_ACTION_COUNT), "?");
	assert_true(role_action_label(ROLE_ACT_CLAIM_C2B)[0] != '\0');
	/* Unknown actions need the highest role (fail closed). */
	assert_int_equal(role_action_min((enum role_action)77), ROLE_ADMIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_role_every_pair),
		cmocka_unit_test(test_role_sentence),
		cmocka_unit_test(test_role_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
