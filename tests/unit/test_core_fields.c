/* tests/unit/test_core_fields.c: core/fields — Daraja field rules for our
 * client: free-text fields, shortcodes, CommandID, TransactionType and
 * callback URLs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "core/fields.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

enum which { ACCOUNT_REF, TXN_DESC, REMARKS_REQ, REMARKS_OPT, OCCASION, SHORTCODE, URL };

static enum pos_status check(enum which w, const char *s, struct pos_err *err)
{
	switch (w) {
	case ACCOUNT_REF:
		return fields_check_account_ref(s, err);
	case TXN_DESC:
		return fields_check_txn_desc(s, err);
	case REMARKS_REQ:
		return fields_check_remarks(s, true, err);
	case REMARKS_OPT:
		return fields_check_remarks(s, false, err);
	case OCCASION:
		return fields_check_occasion(s, err);
	case SHORTCODE:
		return fields_check_shortcode(s, err);
	case URL:
		return fields_check_callback_url(s, err);
	}
	return POS_E_INTERNAL;
}

static const char *const field_of[] = {
	[ACCOUNT_REF] = "account_reference", [TXN_DESC] = "transaction_desc",
	[REMARKS_REQ] = "remarks",           [REMARKS_OPT] = "remarks",
	[OCCASION] = "occasion",             [SHORTCODE] = "shortcode",
	[URL] = "callback_url",
};

#define S100 "0123456789012345678901234567890123456789012345678901234567890123456789" \
             "012345678901234567890123456789"

static const struct field_case {
	enum which w;
	const char *value;
	enum pos_status want;
	const char *says;
} field_cases[] = {
	/* AccountReference: 1-12 */
	{ACCOUNT_REF, "INV-2041", POS_OK, NULL},
	{ACCOUNT_REF, "A", POS_OK, NULL},
	{ACCOUNT_REF, "123456789012", POS_OK, NULL},
	{ACCOUNT_REF, "A&B Ltd", POS_OK, NULL},
	{ACCOUNT_REF, "O'Brien #3", POS_OK, NULL},
	{ACCOUNT_REF, "a/b,c.d-e_f", POS_OK, NULL},
	{ACCOUNT_REF, "1234567890123", POS_E_TOO_LONG,
	 "'1234567890123' is 13 characters: M-Pesa allows at most 12 for the account reference"},
	{ACCOUNT_REF, "", POS_E_EMPTY, "the account reference is required"},
	{ACCOUNT_REF, NULL, POS_E_EMPTY, "is required"},
	{ACCOUNT_REF, "   ", POS_E_EMPTY, "is required"},
	{ACCOUNT_REF, "Caf\xc3\xa9", POS_E_INVALID,
	 "'Caf\xc3\xa9' has a character M-Pesa cannot carry (\xc3\xa9) at position 4"},
	{ACCOUNT_REF, "\xf0\x9f\x98\x80", POS_E_INVALID, "cannot carry (\xf0\x9f\x98\x80) at position 1"},
	{ACCOUNT_REF, "INV\xd9\xa3", POS_E_INVALID, "at position 4"}, /* Arabic-Indic 3 */
	{ACCOUNT_REF, "\xef\xbc\x91", POS_E_INVALID, "cannot carry"},  /* full-width 1 */
	{ACCOUNT_REF, "A\xff" "B", POS_E_INVALID, "cannot carry (?) at position 2"},
	{ACCOUNT_REF, "A\tB", POS_E_INVALID, "has a tab at position 2"},
	{ACCOUNT_REF, "A\nB", POS_E_INVALID, "has a line break at position 2"},
	{ACCOUNT_REF, "A\rB", POS_E_INVALID, "carriage return"},
	{ACCOUNT_REF, "A\x1b[31m", POS_E_INVALID, "a control character (0x1b) at position 2"},
	{ACCOUNT_REF, "A\x7f", POS_E_INVALID, "a delete character"},
	{ACCOUNT_REF, "A\"B", POS_E_INVALID, "the character \" at position 2"},
	{ACCOUNT_REF, "A\\B", POS_E_INVALID, "the character \\ at position 2"},
	{ACCOUNT_REF, "<b>", POS_E_INVALID, "the character < at position 1"},
	{ACCOUNT_REF, "a>b", POS_E_INVALID, "the character >"},
	/* TransactionDesc: 1-13 */
	{TXN_DESC, "Payment", POS_OK, NULL},
	{TXN_DESC, "1234567890123", POS_OK, NULL},
	{TXN_DESC, "12345678901234", POS_E_TOO_LONG, "is 14 characters: M-Pesa allows at most 13"},
	{TXN_DESC, "", POS_E_EMPTY, "the description is required"},
	{TXN_DESC, "Goods\x01", POS_E_INVALID, "control character"},
	/* Remarks: <= 100, required for B2C */
	{REMARKS_REQ, "Salary March", POS_OK, NULL},
	{REMARKS_REQ, S100, POS_OK, NULL},
	{REMARKS_REQ, S100 "x", POS_E_TOO_LONG, "is 101 characters: M-Pesa allows at most 100"},
	{REMARKS_REQ, "", POS_E_EMPTY, "the remarks is required"},
	{REMARKS_REQ, " ", POS_E_EMPTY, "is required"},
	{REMARKS_OPT, "", POS_OK, NULL},
	{REMARKS_OPT, NULL, POS_OK, NULL},
	{REMARKS_OPT, S100 "x", POS_E_TOO_LONG, "at most 100"},
	{REMARKS_OPT, "Na\xc3\xafve", POS_E_INVALID, "cannot carry"},
	/* Occasion: optional, <= 100 */
	{OCCASION, "", POS_OK, NULL},
	{OCCASION, "Bonus", POS_OK, NULL},
	{OCCASION, S100, POS_OK, NULL},
	{OCCASION, S100 "y", POS_E_TOO_LONG, "at most 100 for the occasion"},
	/* Shortcodes: 5-7 digits, no leading 0 */
	{SHORTCODE, "174379", POS_OK, NULL},
	{SHORTCODE, "60000", POS_OK, NULL},
	{SHORTCODE, "1234567", POS_OK, NULL},
	{SHORTCODE, "1234", POS_E_INVALID, "1234 is not a shortcode: a shortcode has 5 to 7 digits"},
	{SHORTCODE, "12345678", POS_E_INVALID, "has 5 to 7 digits"},
	{SHORTCODE, "0174379", POS_E_INVALID, "never starts with 0"},
	{SHORTCODE, "17437A", POS_E_INVALID, "has 5 to 7 digits"},
	{SHORTCODE, " 174379", POS_E_INVALID, "has 5 to 7 digits"},
	{SHORTCODE, "-17437", POS_E_INVALID, "has 5 to 7 digits"},
	{SHORTCODE, "\xef\xbc\x91\xef\xbc\x97\xef\xbc\x94\xef\xbc\x93\xef\xbc\x97", POS_E_INVALID,
	 "has 5 to 7 digits"},
	{SHORTCODE, "", POS_E_EMPTY, "no shortcode"},
	{SHORTCODE, NULL, POS_E_EMPTY, "no shortcode"},
	/* Callback URLs */
	{URL, "https://pos.example.com/cb/3f9a1c", POS_OK, NULL},
	{URL, "HTTPS://POS.EXAMPLE.COM/cb", POS_OK, NULL},
	{URL, "https://pos.example.com:8443/cb?t=1#x", POS_OK, NULL},
	{URL, "https://pos.example.com", POS_OK, NULL},
	{URL, "https://[2001:db8::1]:8443/cb", POS_OK, NULL},
	{URL, "http://127.0.0.1:8080/cb/x", POS_OK, NULL},
	{URL, "http://127.1.2.3/cb", POS_OK, NULL},
	{URL, "http://localhost:9000/cb", POS_OK, NULL},
	{URL, "HTTP://LOCALHOST/cb", POS_OK, NULL},
	{URL, "http://[::1]:9000/cb", POS_OK, NULL},
	{URL, "http://pos.example.com/cb", POS_E_INVALID, "uses http: Daraja calls back over https only"},
	{URL, "http://127.0.0.1.evil.example/cb", POS_E_INVALID, "uses http"},
	{URL, "http://127.0.0.256/cb", POS_E_INVALID, "uses http"},
	{URL, "http://127.0.0/cb", POS_E_INVALID, "uses http"},
	{URL, "http://10.0.0.5/cb", POS_E_INVALID, "uses http"},
	{URL, "https://pos.example.com/mpesa/cb", POS_E_INVALID, "contains 'mpesa', which Daraja refuses"},
	{URL, "https://pos.example.com/MpEsA", POS_E_INVALID, "contains 'mpesa'"},
	{URL, "https://pos.example.com/M-PESA/cb", POS_E_INVALID, "contains 'm-pesa'"},
	{URL, "https://safaricom.example.com/cb", POS_E_INVALID, "contains 'safaricom'"},
	{URL, "https://pos.example.com/cb.exe", POS_E_INVALID, "contains 'exe'"},
	{URL, "https://pos.example.com/Exec/cb", POS_E_INVALID, "contains 'exec'"},
	{URL, "https://pos.example.com/CMD", POS_E_INVALID, "contains 'cmd'"},
	{URL, "https://pos.example.com/mysql", POS_E_INVALID, "contains 'sql'"},
	{URL, "https://pos.example.com/cb?query=1", POS_E_INVALID, "contains 'query'"},
	{URL, "https://pos.example.com/status_QUERY", POS_E_INVALID, "contains 'query'"},
	{URL, "http://127.0.0.1:8080/mpesa", POS_E_INVALID, "contains 'mpesa'"},
	{URL, "", POS_E_EMPTY, "no callback URL"},
	{URL, NULL, POS_E_EMPTY, "no callback URL"},
	{URL, "ftp://pos.example.com/cb", POS_E_INVALID, "is not a web address"},
	{URL, "pos.example.com/cb", POS_E_INVALID, "is not a web address"},
	{URL, "https://", POS_E_INVALID, "is not a web address"},
	{URL, "https:///cb", POS_E_INVALID, "is not a web address"},
	{URL, "https://:443/cb", POS_E_INVALID, "is not a web address"},
	{URL, "https://pos.example.com:0/cb", POS_E_INVALID, "is not a web address"},
	{URL, "https://pos.example.com:65536/cb", POS_E_INVALID, "is not a web address"},
	{URL, "https://pos.example.com:443x/cb", POS_E_INVALID, "is not a web address"},
	{URL, "https://pos.example.com:/cb", POS_E_INVALID, "is not a web address"},
	{URL, "https://[::1/cb", POS_E_INVALID, "is not a web address"},
	{URL, "https://user:pw@pos.example.com/cb", POS_E_INVALID, "has a user name or an '@'"},
	{URL, "https://pos.example.com/a b", POS_E_INVALID, "a space or a character that is not plain ASCII at position 26"},
	{URL, "https://pos.example.com/caf\xc3\xa9", POS_E_INVALID, "not plain ASCII"},
	{URL, "https://pos.example.com/\x01", POS_E_INVALID, "not plain ASCII"},
	{URL, " https://pos.example.com/cb", POS_E_INVALID, "at position 1"},
};

static void test_fields_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(field_cases); i++) {
		const struct field_case *c = &field_cases[i];
		struct pos_err err;
		enum pos_status st = check(c->w, c->value, &err);
		if (st != c->want)
			fail_msg("case %zu '%s': got %s (%s), want %s", i, c->value ? c->value : "(null)",
			         pos_status_name(st), err.msg, pos_status_name(c->want));
		assert_int_equal(err.code, st);
		if (st == POS_OK)
			continue;
		assert_string_equal(err.field, field_of[c->w]);
		if (!strstr(err.msg, c->says))
			fail_msg("case %zu: '%s' does not say '%s'", i, err.msg, c->says);
		assert_true(err.hint[0] != '\0');
	}
}

static void test_fields_hints(void **state)
{
	(void)state;
	struct pos_err err;
	char line[POS_ERR_FIELD_MAX + POS_ERR_MSG_MAX + POS_ERR_HINT_MAX];
	fields_check_account_ref("INVOICE-2041-A", &err);
	assert_string_equal(pos_err_format(&err, line, sizeof line),
	                    "account_reference: 'INVOICE-2041-A' is 14 characters: M-Pesa "
	                    "allows at most 12 for the account reference; shorten it, for "
	                    "example to 'INVOICE-2041'");
	fields_check_callback_url("https://pos.example.com/mpesa/cb", &err);
	assert_non_null(strstr(err.hint, "mpesa, m-pesa, safaricom, exe, exec, cmd, sql or query"));
}

static void test_fields_huge(void **state)
{
	(void)state;
	size_t n = 10 * 1024;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'A', n);
	big[n] = '\0';
	struct pos_err err;
	assert_int_equal(fields_check_remarks(big, true, &err), POS_E_TOO_LONG);
	assert_non_null(strstr(err.msg, "is 10240 characters"));
	assert_non_null(strstr(err.msg, "..."));
	assert_int_equal(fields_check_account_ref(big, &err), POS_E_TOO_LONG);
	assert_int_equal(fields_check_shortcode(big, &err), POS_E_INVALID);
	memcpy(big, "https://", 8);
	assert_int_equal(fields_check_callback_url(big, &err), POS_E_TOO_LONG);
	assert_true(strlen(err.msg) < 200);
	/* A bad character far in is found and its position named. */
	memset(big, 'A', n);
	big[n - 1] = '\n';
	assert_int_equal(fields_check_occasion(big, &err), POS_E_INVALID);
	assert_non_null(strstr(err.msg, "at position 10240"));
	free(big);
}

static void test_fields_enums(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		enum pos_status want;
		enum fields_b2c_command c;
	} b2c[] = {
		{"BusinessPayment", POS_OK, FIELDS_B2C_BUSINESS},
		{"businesspayment", POS_OK, FIELDS_B2C_BUSINESS},
		{"business", POS_OK, FIELDS_B2C_BUSINESS},
		{"SalaryPayment", POS_OK, FIELDS_B2C_SALARY},
		{"SALARY", POS_OK, FIELDS_B2C_SALARY},
		{"PromotionPayment", POS_OK, FIELDS_B2C_PROMOTION},
		{"promotion", POS_OK, FIELDS_B2C_PROMOTION},
		{"Business Payment", POS_E_INVALID, 0},
		{"BusinessPayBill", POS_E_INVALID, 0},
		{"", POS_E_INVALID, 0},
		{NULL, POS_E_INVALID, 0},
	};
	for (size_t i = 0; i < N_ELEMS(b2c); i++) {
		enum fields_b2c_command c = FIELDS_B2C_COUNT;
		struct pos_err err;
		enum pos_status st = fields_b2c_command_parse(b2c[i].s, &c, &err);
		if (st != b2c[i].want)
			fail_msg("b2c case %zu", i);
		if (st == POS_OK) {
			assert_int_equal(c, b2c[i].c);
		} else {
			assert_int_equal(c, FIELDS_B2C_COUNT);
			assert_string_equal(err.field, "command_id");
			assert_non_null(strstr(err.hint, "BusinessPayment, SalaryPayment or PromotionPayment"));
		}
	}
	for (int i = 0; i < FIELDS_B2C_COUNT; i++) {
		enum fields_b2c_command c;
		assert_int_equal(fields_b2c_command_parse(fields_b2c_command_name(i), &c, NULL), POS_OK);
		assert_int_equal(c, i);
		assert_true(fields_b2c_command_label(i)[0] != '?');
	}
	assert_string_equal(fields_b2c_command_name(FIELDS_B2C_SALARY), "SalaryPayment");
	assert_string_equal(fields_b2c_command_name(FIELDS_B2C_COUNT), "?");

	static const struct {
		const char *s;
		enum pos_status want;
		enum fields_stk_type t;
	} stk[] = {
		{"CustomerPayBillOnline", POS_OK, FIELDS_STK_PAYBILL},
		{"paybill", POS_OK, FIELDS_STK_PAYBILL},
		{"CustomerBuyGoodsOnline", POS_OK, FIELDS_STK_BUYGOODS},
		{"customerbuygoodsonline", POS_OK, FIELDS_STK_BUYGOODS},
		{"till", POS_OK, FIELDS_STK_BUYGOODS},
		{"BuyGoods", POS_E_INVALID, 0},
		{"Pay Bill", POS_E_INVALID, 0},
		{"", POS_E_INVALID, 0},
		{NULL, POS_E_INVALID, 0},
	};
	for (size_t i = 0; i < N_ELEMS(stk); i++) {
		enum fields_stk_type t = FIELDS_STK_COUNT;
		struct pos_err err;
		enum pos_status st = fields_stk_type_parse(stk[i].s, &t, &err);
		if (st != stk[i].want)
			fail_msg("stk case %zu", i);
		if (st == POS_OK)
			assert_int_equal(t, stk[i].t);
		else
			assert_string_equal(err.field, "transaction_type");
	}
	assert_string_equal(fields_stk_type_name(FIELDS_STK_BUYGOODS), "CustomerBuyGoodsOnline");
	assert_string_equal(fields_stk_type_name((enum fields_stk_type)-1), "?");
	assert_string_equal(fields_stk_type_label(FIELDS_STK_PAYBILL), "Paybill");
}

static void test_fields_loopback(void **state)
{
	(void)state;
	static const struct {
		const char *url;
		bool loop;
	} cases[] = {
		{"http://127.0.0.1:8080/x", true},  {"http://127.255.255.255/", true},
		{"https://localhost/x", true},      {"http://[::1]/x", true},
		{"http://LocalHost:1/", true},      {"http://128.0.0.1/", false},
		{"http://127.0.0.1.nip.io/", false}, {"http://localhost.example/", false},
		{"http://127.0.0.1a/", false},      {"http://[::2]/", false},
		{"127.0.0.1", false},               {"", false},
		{"http://1277.0.0.1/", false},      {"http://127.00000000000000000001.0.1/", false},
		{"http://127.01.0.1/", false},       {"http://127.0.0.10/", true},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++)
		if (fields_url_is_loopback(cases[i].url) != cases[i].loop)
			fail_msg("case %zu '%s'", i, cases[i].url);
	assert_false(fields_url_is_loopback(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields_table),
		cmocka_unit_test(test_fields_hints),
		cmocka_unit_test(test_fields_huge),
		cmocka_unit_test(test_fields_enums),
		cmocka_unit_test(test_fields_loopback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
