/* tests/unit/test_app_signin.c: PIN rules, sign-in with lock-out, who may
 * manage operators, hostile names, the demo supervisor, the audit log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "app/signin.h"
#include "base/clock.h"
#include "test_app_fixture.h"

static void test_pin_rules(void **state)
{
	(void)state;
	static const struct {
		const char *pin;
		enum pos_status want;
	} rows[] = {
		{"1234", POS_OK},
		{"000000000000", POS_OK},
		{"", POS_E_EMPTY},
		{NULL, POS_E_EMPTY},
		{"123", POS_E_INVALID},
		{"1234567890123", POS_E_INVALID},
		{"12a4", POS_E_INVALID},
		{" 1234", POS_E_INVALID},
		{"1234\n", POS_E_INVALID},
		{"-123", POS_E_INVALID},
		{"\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4", POS_E_INVALID}, /* Arabic-Indic digits */
		{"１２３４", POS_E_INVALID},                           /* full-width digits */
		{"99999999999999999999999999999999999999999999999999", POS_E_INVALID},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct pos_err err;
		enum pos_status got = app_pin_check(rows[i].pin, &err);
		if (got != rows[i].want)
			fail_msg("row %zu: %s, expected %s", i, pos_status_name(got),
			         pos_status_name(rows[i].want));
		if (got != POS_OK)
			assert_string_equal(err.field, "pin");
	}
}

struct audit_ctx {
	const char *action;
	size_t n;
};

static bool visit(const struct store_audit_row *row, void *u)
{
	struct audit_ctx *c = u;
	if (strcmp(row->action, c->action) == 0)
		c->n++;
	return true;
}

static size_t audit_count(struct app *a, const char *action)
{
	struct audit_ctx c = {action, 0};
	assert_int_equal(store_audit_list(app_store(a), 10000, visit, &c, NULL), POS_OK);
	return c.n;
}

static void test_signin_and_lockout(void **state)
{
	(void)state;
	struct app_fx *f = app_fx_open(NULL, true);
	assert_non_null(f);
	struct app_operator op, admin = {0};
	struct pos_err err;
	int64_t id;
	assert_int_equal(app_operator_add(f->app, NULL, 1, "Ada Admin", "admin", "4444", &id, &err), POS_OK);
	assert_int_equal(app_operator_add(f->app, NULL, 2, "Cate", "cashier", "2222", &id, &err),
	                 POS_E_DENIED); /* an admin exists now */
	assert_int_equal(app_signin(f->app, 1, "4444", &admin, &err), POS_OK);
	assert_int_equal(admin.role, ROLE_ADMIN);
	assert_string_equal(admin.name, "Ada Admin");
	assert_int_equal(app_operator_add(f->app, &admin, 2, "Cate", "cashier", "2222", &id, &err), POS_OK);

	/* Wrong PIN and unknown id read the same. */
	char wrong[POS_ERR_MSG_MAX], unknown[POS_ERR_MSG_MAX];
	assert_int_equal(app_signin(f->app, 2, "9999", &op, &err), POS_E_AUTH);
	str_copy(wrong, sizeof wrong, err.msg);
	assert_int_equal(app_signin(f->app, 77, "9999", &op, &err), POS_E_AUTH);
	str_copy(unknown, sizeof unknown, err.msg);
	assert_string_equal(wrong, unknown);

	/* Enter before typing the PIN: refused, neither counted nor audited. */
	for (int i = 0; i < APP_SIGNIN_MAX_FAILURES + 1; i++) {
		assert_int_equal(app_signin(f->app, 2, "", &op, &err), POS_E_EMPTY);
		assert_int_equal(app_signin(f->app, 2, NULL, &op, &err), POS_E_EMPTY);
	}
	assert_non_null(strstr(err.msg, "type the PIN"));

	for (int i = 0; i < APP_SIGNIN_MAX_FAILURES - 2; i++)
		assert_int_equal(app_signin(f->app, 2, "0000", &op, &err), POS_E_AUTH);
	assert_int_equal(app_signin(f->app, 2, "2222", &op, &err), POS_OK); /* 4 failures: not yet */
	for (int i = 0; i < APP_SIGNIN_MAX_FAILURES; i++)
		assert_int_equal(app_signin(f->app, 2, "0000", &op, &err), POS_E_AUTH);
	assert_int_equal(app_signin(f->app, 2, "2222", &op, &err), POS_E_LOCKED);
	assert_non_null(strstr(err.msg, "until"));
	assert_int_equal(app_signin(f->app, 2, "1234", &op, &err), POS_E_LOCKED);

	/* An admin's new PIN clears the lock. */
	assert_int_equal(app_operator_passwd(f->app, &admin, 2, "5555", &err), POS_OK);
	assert_int_equal(app_signin(f->app, 2, "5555", &op, &err), POS_OK);
	assert_int_equal(op.role, ROLE_CASHIER);
	/* The cashier changes their own PIN but cannot manage others. */
	assert_int_equal(app_operator_passwd(f->app, &op, 2, "6666", &err), POS_OK);
	assert_int_equal(app_operator_passwd(f->app, &op, 1, "6666", &err), POS_E_DENIED);
	assert_int_equal(app_operator_disable(f->app, &op, 1, &err), POS_E_DENIED);
	assert_int_equal(app_operator_add(f->app, &op, 3, "X", "admin", "1234", &id, &err), POS_E_DENIED);
	/* Disabled: no sign-in, whatever the PIN. */
	assert_int_equal(app_operator_disable(f->app, &admin, 1, &err), POS_E_DENIED); /* self */
	assert_int_equal(app_operator_disable(f->app, &admin, 2, &err), POS_OK);
	assert_int_equal(app_signin(f->app, 2, "6666", &op, &err), POS_E_DENIED);

	assert_int_equal(audit_count(f->app, "signin"), 3);
	assert_int_equal(audit_count(f->app, "signin.locked"), 1);
	assert_int_equal(audit_count(f->app, "signin.failed"), 2 + (APP_SIGNIN_MAX_FAILURES - 2) +
	                                                     (APP_SIGNIN_MAX_FAILURES - 1) + 2 + 1);
	assert_int_equal(audit_count(f->app, "operator.add"), 2);
	assert_int_equal(audit_count(f->app, "operator.passwd"), 2);
	assert_int_equal(audit_count(f->app, "operator.disable"), 1);
	assert_int_equal(store_audit_verify(app_store(f->app), NULL), POS_OK);
	app_fx_close(f);
}

static void test_hostile_operators(void **state)
{
	(void)state;
	struct app_fx *f = app_fx_open(NULL, true);
	assert_non_null(f);
	char huge[400];
	memset(huge, 'a', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	static const struct {
		int64_t id;
		const char *name, *role, *pin;
		enum pos_status want;
		const char *field;
	} rows[] = {
		{10, "", "cashier", "1234", POS_E_EMPTY, "name"},
		{10, NULL, "cashier", "1234", POS_E_EMPTY, "name"},
		{10, "Bell\a", "cashier", "1234", POS_E_INVALID, "name"},
		{10, "Bad \xff UTF-8", "cashier", "1234", POS_E_INVALID, "name"},
		{10, "Jo", "Cashier ", "1234", POS_E_INVALID, "role"},
		{10, "Jo", "", "1234", POS_E_INVALID, "role"},
		{10, "Jo", "root", "1234", POS_E_INVALID, "role"},
		{10, "Jo", "cashier", "12", POS_E_INVALID, "pin"},
		{-5, "Jo", "cashier", "1234", POS_E_RANGE, "id"},
		{10, "Ñandú José 王", "SUPERVISOR", "1234", POS_OK, ""},
		{10, "Again", "cashier", "1234", POS_E_DUPLICATE, "id"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct pos_err err;
		int64_t id = 0;
		enum pos_status got = app_operator_add(f->app, NULL, rows[i].id, rows[i].name,
		                                       rows[i].role, rows[i].pin, &id, &err);
		if (got != rows[i].want)
			fail_msg("row %zu: %s (%s), expected %s", i, pos_status_name(got), err.msg,
			         pos_status_name(rows[i].want));
		if (got != POS_OK)
			assert_string_equal(err.field, rows[i].field);
	}
	struct pos_err err;
	assert_int_not_equal(app_operator_add(f->app, NULL, 11, huge, "cashier", "1234", NULL, &err), POS_OK);
	struct app_operator op;
	assert_int_equal(app_signin(f->app, 10, "1234", &op, &err), POS_OK);
	assert_int_equal(op.role, ROLE_SUPERVISOR);
	assert_string_equal(op.name, "Ñandú José 王");
	app_fx_close(f);
}

static void test_demo_operator(void **state)
{
	(void)state;
	char pin[APP_PIN_MAX + 1];
	bool created;
	struct pos_err err;
	struct app_operator op;

	struct app_fx *f = app_fx_open(NULL, true);
	assert_non_null(f);
	assert_int_equal(app_ensure_demo_operator(f->app, pin, &created, &err), POS_OK);
	assert_true(created);
	assert_int_equal(strlen(pin), 4);
	assert_int_equal(app_pin_check(pin, NULL), POS_OK);
	assert_int_equal(app_signin(f->app, APP_DEMO_OPERATOR_ID, pin, &op, &err), POS_OK);
	assert_int_equal(op.role, ROLE_SUPERVISOR);
	assert_string_equal(op.name, "Demo Supervisor");
	assert_int_equal(app_ensure_demo_operator(f->app, pin, &created, &err), POS_OK);
	assert_false(created); /* first run only */
	assert_string_equal(pin, "");
	app_fx_close(f);

	f = app_fx_open(NULL, false); /* not the simulator: never */
	assert_non_null(f);
	assert_int_equal(app_ensure_demo_operator(f->app, pin, &created, &err), POS_OK);
	assert_false(created);
	assert_int_equal(store_operator_get(app_store(f->app), APP_DEMO_OPERATOR_ID, NULL, NULL),
	                 POS_E_NOT_FOUND);
	app_fx_close(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pin_rules),
		cmocka_unit_test(test_signin_and_lockout),
		cmocka_unit_test(test_hostile_operators),
		cmocka_unit_test(test_demo_operator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
