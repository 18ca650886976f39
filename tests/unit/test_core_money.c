/* tests/unit/test_core_money.c: core/money — what cashiers type, what Daraja
 * sends, formatting, limits and their overrides. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "core/digits.h"
#include "core/money.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- money_parse ---------------------------------------------------------- */

static const struct parse_case {
	const char *typed;
	enum currency cur;
	enum pos_status want;
	int64_t minor;      /* when POS_OK */
	const char *says;   /* part of the sentence when not */
	const char *hint;   /* part of the hint, or NULL */
} parse_cases[] = {
	/* accepted forms */
	{"1000", CURRENCY_KES, POS_OK, 100000, NULL, NULL},
	{"1,000", CURRENCY_KES, POS_OK, 100000, NULL, NULL},
	{"1000.00", CURRENCY_KES, POS_OK, 100000, NULL, NULL},
	{"1,000.00", CURRENCY_KES, POS_OK, 100000, NULL, NULL},
	{"KES 1,000", CURRENCY_KES, POS_OK, 100000, NULL, NULL},
	{"Ksh 1,000", CURRENCY_KES, POS_OK, 100000, NULL, NULL},
	{"KSh1000", CURRENCY_KES, POS_OK, 100000, NULL, NULL},
	{" 1000 ", CURRENCY_KES, POS_OK, 100000, NULL, NULL},
	{"Ksh. 1,000", CURRENCY_KES, POS_OK, 100000, NULL, NULL},
	{"kes 1000", CURRENCY_KES, POS_OK, 100000, NULL, NULL},
	{"KShs 500", CURRENCY_KES, POS_OK, 50000, NULL, NULL},
	{"Sh 50", CURRENCY_KES, POS_OK, 5000, NULL, NULL},
	{"1000 KES", CURRENCY_KES, POS_OK, 100000, NULL, NULL},
	{"1,000/=", CURRENCY_KES, POS_OK, 100000, NULL, NULL},
	{"1000 /-", CURRENCY_KES, POS_OK, 100000, NULL, NULL},
	{"1000.0", CURRENCY_KES, POS_OK, 100000, NULL, NULL},
	{"1000.000", CURRENCY_KES, POS_OK, 100000, NULL, NULL},
	{"\t250,000\n", CURRENCY_KES, POS_OK, 25000000, NULL, NULL},
	{"1,000,000", CURRENCY_KES, POS_OK, 100000000, NULL, NULL},
	{"0", CURRENCY_KES, POS_OK, 0, NULL, NULL},
	{"007", CURRENCY_KES, POS_OK, 700, NULL, NULL},
	{"1", CURRENCY_KES, POS_OK, 100, NULL, NULL},
	{"999,999,999,999", CURRENCY_KES, POS_OK, INT64_C(99999999999900), NULL, NULL},
	{"1000000000000", CURRENCY_KES, POS_OK, INT64_C(100000000000000), NULL, NULL},
	{"TZS 10,000", CURRENCY_TZS, POS_OK, 1000000, NULL, NULL},
	{"Tsh 500", CURRENCY_TZS, POS_OK, 50000, NULL, NULL},
	{"UGX 4,000,000", CURRENCY_UGX, POS_OK, 400000000, NULL, NULL},
	{"USh 500", CURRENCY_UGX, POS_OK, 50000, NULL, NULL},
	{"Sh 500", CURRENCY_UGX, POS_OK, 50000, NULL, NULL},
	/* empty */
	{"", CURRENCY_KES, POS_E_EMPTY, 0, "no amount was entered", "like 1,000"},
	{"   ", CURRENCY_KES, POS_E_EMPTY, 0, "no amount was entered", NULL},
	/* cents: refused, never rounded */
	{"10.50", CURRENCY_KES, POS_E_AMOUNT, 0, "10.50 has cents: Daraja takes whole shillings", "enter 10 or 11"},
	{"10.5", CURRENCY_KES, POS_E_AMOUNT, 0, "10.5 has cents", "enter 10 or 11"},
	{"10.01", CURRENCY_KES, POS_E_AMOUNT, 0, "has cents", "enter 10 or 11"},
	{"1,000.50", CURRENCY_KES, POS_E_AMOUNT, 0, "1,000.50 has cents", "enter 1,000 or 1,001"},
	{"1999.99", CURRENCY_KES, POS_E_AMOUNT, 0, "has cents", "enter 1999 or 2000"},
	{"KES 10.50", CURRENCY_KES, POS_E_AMOUNT, 0, "KES 10.50 has cents", "enter 10 or 11"},
	{"0.50", CURRENCY_KES, POS_E_AMOUNT, 0, "0.50 has cents", "enter 1"},
	{".50", CURRENCY_KES, POS_E_AMOUNT, 0, ".50 has cents", "enter 1"},
	{"10.500", CURRENCY_KES, POS_E_AMOUNT, 0, "has cents", "enter 10 or 11"},
	{"10.505", CURRENCY_KES, POS_E_AMOUNT, 0, "has more than two digits after the point", NULL},
	{"10.001", CURRENCY_KES, POS_E_AMOUNT, 0, "has more than two digits after the point", NULL},
	/* bad grouping */
	{"1,00", CURRENCY_KES, POS_E_AMOUNT, 0, "1,00 has a comma in the wrong place", "in threes"},
	{"1,0000", CURRENCY_KES, POS_E_AMOUNT, 0, "a comma in the wrong place", NULL},
	{",100", CURRENCY_KES, POS_E_AMOUNT, 0, "a comma in the wrong place", NULL},
	{"1000,000", CURRENCY_KES, POS_E_AMOUNT, 0, "a comma in the wrong place", NULL},
	{"1,000,", CURRENCY_KES, POS_E_AMOUNT, 0, "a comma in the wrong place", NULL},
	{"1,,000", CURRENCY_KES, POS_E_AMOUNT, 0, "a comma in the wrong place", NULL},
	{"12,34,567", CURRENCY_KES, POS_E_AMOUNT, 0, "a comma in the wrong place", NULL},
	{"1,000.00,0", CURRENCY_KES, POS_E_AMOUNT, 0, "has ',' in it", NULL},
	/* negative */
	{"-100", CURRENCY_KES, POS_E_AMOUNT, 0, "-100 is negative", "without a minus sign"},
	{"KES -100", CURRENCY_KES, POS_E_AMOUNT, 0, "is negative", NULL},
	{"- 100", CURRENCY_KES, POS_E_AMOUNT, 0, "is negative", NULL},
	{"100-", CURRENCY_KES, POS_E_AMOUNT, 0, "minus sign in it", NULL},
	/* huge */
	{"1000000000001", CURRENCY_KES, POS_E_AMOUNT, 0, "is too large", NULL},
	{"99999999999999999999999", CURRENCY_KES, POS_E_AMOUNT, 0, "is too large", NULL},
	{"9,223,372,036,854,775,808", CURRENCY_KES, POS_E_AMOUNT, 0, "is too large", NULL},
	/* letters and other characters */
	{"abc", CURRENCY_KES, POS_E_AMOUNT, 0, "abc has a letter (a) in it", "digits 0-9"},
	{"10O0", CURRENCY_KES, POS_E_AMOUNT, 0, "10O0 has a letter (O) in it", NULL},
	{"1e3", CURRENCY_KES, POS_E_AMOUNT, 0, "has a letter (e) in it", NULL},
	{"0x10", CURRENCY_KES, POS_E_AMOUNT, 0, "has a letter (x) in it", NULL},
	{"NaN", CURRENCY_KES, POS_E_AMOUNT, 0, "has a letter (N) in it", NULL},
	{"KES 1000 KES", CURRENCY_KES, POS_E_AMOUNT, 0, "has a letter (K) in it", NULL},
	{"$100", CURRENCY_KES, POS_E_AMOUNT, 0, "has '$' in it", NULL},
	{"+100", CURRENCY_KES, POS_E_AMOUNT, 0, "has '+' in it", NULL},
	{"1000/", CURRENCY_KES, POS_E_AMOUNT, 0, "has '/' in it", NULL},
	{"1 000", CURRENCY_KES, POS_E_AMOUNT, 0, "has a space inside the number", NULL},
	{"1000\x01", CURRENCY_KES, POS_E_AMOUNT, 0, "not one of the digits 0-9", NULL},
	{"\xef\xbc\x91\xef\xbc\x90\xef\xbc\x90\xef\xbc\x90", CURRENCY_KES, POS_E_AMOUNT, 0,
	 "not one of the digits 0-9", NULL}, /* full-width 1000 */
	{"\xd9\xa1\xd9\xa0\xd9\xa0\xd9\xa0", CURRENCY_KES, POS_E_AMOUNT, 0,
	 "not one of the digits 0-9", NULL}, /* Arabic-Indic 1000 */
	{"1000\xc2\xa0", CURRENCY_KES, POS_E_AMOUNT, 0, "not one of the digits 0-9", NULL},
	{"KES", CURRENCY_KES, POS_E_AMOUNT, 0, "it has no digits", NULL},
	{"Ksh.", CURRENCY_KES, POS_E_AMOUNT, 0, "it has no digits", NULL},
	/* points */
	{"1.000.00", CURRENCY_KES, POS_E_AMOUNT, 0, "has more than one decimal point", NULL},
	{"1..0", CURRENCY_KES, POS_E_AMOUNT, 0, "has more than one decimal point", NULL},
	{"1000.", CURRENCY_KES, POS_E_AMOUNT, 0, "1000. ends with a point", NULL},
	{".", CURRENCY_KES, POS_E_AMOUNT, 0, "is not an amount", NULL},
	/* another currency */
	{"TZS 1,000", CURRENCY_KES, POS_E_AMOUNT, 0, "TZS 1,000 is in Tanzanian shillings: this till takes KES", "in KES"},
	{"UGX 500", CURRENCY_KES, POS_E_AMOUNT, 0, "is in Ugandan shillings", NULL},
	{"1000 Tsh", CURRENCY_KES, POS_E_AMOUNT, 0, "is in Tanzanian shillings", NULL},
	{"KES 1000", CURRENCY_TZS, POS_E_AMOUNT, 0, "is in Kenyan shillings: this till takes TZS", NULL},
};

static void test_money_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		int64_t v = -12345;
		struct pos_err err;
		enum pos_status st = money_parse(c->typed, c->cur, &v, &err);
		if (st != c->want)
			fail_msg("case %zu '%s': got %s (%s), want %s", i, c->typed,
			         pos_status_name(st), err.msg, pos_status_name(c->want));
		if (st == POS_OK) {
			if (v != c->minor)
				fail_msg("case %zu '%s': got %lld want %lld", i, c->typed, (long long)v,
				         (long long)c->minor);
			assert_int_equal(err.code, POS_OK);
			continue;
		}
		assert_true(v == -12345); /* untouched */
		assert_string_equal(err.field, "amount");
		if (!strstr(err.msg, c->says))
			fail_msg("case %zu '%s': '%s' does not say '%s'", i, c->typed, err.msg, c->says);
		if (c->hint && !strstr(err.hint, c->hint))
			fail_msg("case %zu '%s': hint '%s' does not say '%s'", i, c->typed, err.hint,
			         c->hint);
		assert_true(err.hint[0] != '\0');
	}
}

static void test_money_parse_sentence(void **state)
{
	(void)state;
	struct pos_err err;
	char line[POS_ERR_FIELD_MAX + POS_ERR_MSG_MAX + POS_ERR_HINT_MAX];
	assert_int_equal(money_parse("10.50", CURRENCY_KES, NULL, &err), POS_E_AMOUNT);
	assert_string_equal(pos_err_format(&err, line, sizeof line),
	                    "amount: 10.50 has cents: Daraja takes whole shillings; enter 10 "
	                    "or 11");
}

static void test_money_parse_hostile(void **state)
{
	(void)state;
	int64_t v = 7;
	struct pos_err err;
	assert_int_equal(money_parse(NULL, CURRENCY_KES, &v, &err), POS_E_EMPTY);
	assert_int_equal(money_parse("100", (enum currency)9, &v, &err), POS_E_INVALID);
	assert_true(v == 7);
	/* minor may be NULL: a pure check */
	assert_int_equal(money_parse("100", CURRENCY_KES, NULL, NULL), POS_OK);

	/* Counted: a NUL inside is refused, not a silent cut at "10". */
	static const char with_nul[] = "10\0" "00";
	assert_int_equal(money_parse_n(with_nul, sizeof with_nul - 1, CURRENCY_KES, &v, &err),
	                 POS_E_AMOUNT);
	assert_non_null(strstr(err.msg, "10?00"));
	/* Counted: only n bytes are read. */
	char raw[4] = {'1', '2', '3', '4'};
	assert_int_equal(money_parse_n(raw, 3, CURRENCY_KES, &v, &err), POS_OK);
	assert_true(v == 12300);

	/* 10 KB of digits: refused as too long, quoted short. */
	size_t n = 10 * 1024;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, '9', n);
	big[n] = '\0';
	assert_int_equal(money_parse(big, CURRENCY_KES, &v, &err), POS_E_AMOUNT);
	assert_non_null(strstr(err.msg, "is too long to be an amount"));
	assert_non_null(strstr(err.msg, "..."));
	/* Spaces around do not count. */
	memset(big, ' ', n);
	memcpy(big + 100, "1,000", 5);
	assert_int_equal(money_parse(big, CURRENCY_KES, &v, &err), POS_OK);
	assert_true(v == 100000);
	free(big);
}

/* ---- money_parse_daraja ------------------------------------------------- */

static const struct daraja_case {
	const char *text;
	enum pos_status want;
	int64_t minor;
} daraja_cases[] = {
	{"1", POS_OK, 100},
	{"1.0", POS_OK, 100},
	{"10.00", POS_OK, 1000},
	{"\"190.00\"", POS_OK, 19000},
	{"190.00", POS_OK, 19000},
	{"-4510.00", POS_OK, -451000},
	{"\"-1540.00\"", POS_OK, -154000},
	{"150.5", POS_OK, 15050},
	{"0.01", POS_OK, 1},
	{"346568.83", POS_OK, 34656883},
	{"1500", POS_OK, 150000},
	{" 1500 ", POS_OK, 150000},
	{"\" 98116.00 \"", POS_OK, 9811600},
	{"0", POS_OK, 0},
	{"-0.00", POS_OK, 0},
	{"1.000", POS_OK, 100},
	{"1.2300", POS_OK, 123},
	{"1000000000000.99", POS_OK, INT64_C(100000000000099)},
	{"-1000000000000", POS_OK, -INT64_C(100000000000000)},
	{"1.001", POS_E_PARSE, 0},
	{"1.005", POS_E_PARSE, 0},
	{"1e3", POS_E_PARSE, 0},
	{"1E3", POS_E_PARSE, 0},
	{"1,000", POS_E_PARSE, 0},
	{"1,000.00", POS_E_PARSE, 0},
	{"", POS_E_PARSE, 0},
	{"\"\"", POS_E_PARSE, 0},
	{"\"", POS_E_PARSE, 0},
	{"\"190.00", POS_E_PARSE, 0},
	{"abc", POS_E_PARSE, 0},
	{"1.", POS_E_PARSE, 0},
	{".5", POS_E_PARSE, 0},
	{"-", POS_E_PARSE, 0},
	{"+1", POS_E_PARSE, 0},
	{"--1", POS_E_PARSE, 0},
	{"1.2.3", POS_E_PARSE, 0},
	{"1 000", POS_E_PARSE, 0},
	{"KES 100", POS_E_PARSE, 0},
	{"10000000000000", POS_E_PARSE, 0},
	{"99999999999999999999999", POS_E_PARSE, 0},
	{"\xef\xbc\x91", POS_E_PARSE, 0},
	{"null", POS_E_PARSE, 0},
	{"NaN", POS_E_PARSE, 0},
};

static void test_money_parse_daraja(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(daraja_cases); i++) {
		const struct daraja_case *c = &daraja_cases[i];
		int64_t v = -777;
		struct pos_err err;
		enum pos_status st = money_parse_daraja(c->text, &v, &err);
		if (st != c->want)
			fail_msg("case %zu '%s': got %s (%s)", i, c->text, pos_status_name(st), err.msg);
		if (st == POS_OK) {
			if (v != c->minor)
				fail_msg("case %zu '%s': got %lld want %lld", i, c->text, (long long)v,
				         (long long)c->minor);
		} else {
			assert_true(v == -777);
			assert_string_equal(err.field, "amount");
			assert_true(err.msg[0] != '\0');
		}
	}
	int64_t v;
	assert_int_equal(money_parse_daraja(NULL, &v, NULL), POS_E_PARSE);
	static const char with_nul[] = "10\0" "0";
	assert_int_equal(money_parse_daraja_n(with_nul, sizeof with_nul - 1, &v, NULL),
	                 POS_E_PARSE);
	char raw[5] = {'1', '2', '.', '5', '9'};
	assert_int_equal(money_parse_daraja_n(raw, 4, &v, NULL), POS_OK);
	assert_true(v == 1250);
}

/* ---- formatting ----------------------------------------------------------- */

static void test_money_format(void **state)
{
	(void)state;
	static const struct {
		int64_t minor;
		enum currency cur;
		const char *pretty, *plain;
		bool wire_ok;
		const char *wire;
	} cases[] = {
		{100000, CURRENCY_KES, "KES 1,000", "1000", true, "1000"},
		{100050, CURRENCY_KES, "KES 1,000.50", "1000.50", false, ""},
		{-451000, CURRENCY_KES, "KES -4,510", "-4510", false, ""},
		{-451001, CURRENCY_KES, "KES -4,510.01", "-4510.01", false, ""},
		{0, CURRENCY_KES, "KES 0", "0", true, "0"},
		{1, CURRENCY_KES, "KES 0.01", "0.01", false, ""},
		{5, CURRENCY_KES, "KES 0.05", "0.05", false, ""},
		{99900, CURRENCY_KES, "KES 999", "999", true, "999"},
		{25000000, CURRENCY_KES, "KES 250,000", "250000", true, "250000"},
		{1000000000, CURRENCY_TZS, "TZS 10,000,000", "10000000", true, "10000000"},
		{400000000, CURRENCY_UGX, "UGX 4,000,000", "4000000", true, "4000000"},
		{INT64_MAX, CURRENCY_KES, "KES 92,233,720,368,547,758.07", "92233720368547758.07",
		 false, ""},
		{INT64_MIN, CURRENCY_KES, "KES -92,233,720,368,547,758.08",
		 "-92233720368547758.08", false, ""},
		{(INT64_MAX / 100) * 100, CURRENCY_KES, "KES 92,233,720,368,547,758",
		 "92233720368547758", true, "92233720368547758"},
	};
	char out[MONEY_FMT_MAX];
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		assert_string_equal(money_format(cases[i].minor, cases[i].cur, out, sizeof out),
		                    cases[i].pretty);
		assert_string_equal(money_format_plain(cases[i].minor, out, sizeof out),
		                    cases[i].plain);
		bool ok = money_format_wire(cases[i].minor, out, sizeof out);
		if (ok != cases[i].wire_ok)
			fail_msg("case %zu: wire %d", i, ok);
		assert_string_equal(out, cases[i].wire);
		assert_true(money_is_whole(cases[i].minor) == (cases[i].minor % 100 == 0));
	}
	/* Too small a buffer: empty, never cut. */
	char tiny[6];
	assert_string_equal(money_format(100000, CURRENCY_KES, tiny, sizeof tiny), "");
	assert_string_equal(money_format_plain(12345600, tiny, sizeof tiny), "");
	assert_false(money_format_wire(12345600, tiny, sizeof tiny));
	assert_string_equal(tiny, "");
	assert_true(money_format_wire(1234500, tiny, sizeof tiny));
	assert_string_equal(tiny, "12345");
	assert_null(money_format(1, CURRENCY_KES, NULL, 0));
	assert_string_equal(money_format(100, (enum currency)5, out, sizeof out), "??? 1");
}

static void test_money_round_trip(void **state)
{
	(void)state;
	static const int64_t whole[] = {0, 1, 9, 10, 99, 100, 999, 1000, 1001, 12345, 100000,
	                                249999, 250000, 999999, 1000000, 123456789,
	                                999999999999, 1000000000000};
	char out[MONEY_FMT_MAX];
	for (size_t i = 0; i < N_ELEMS(whole); i++) {
		int64_t minor = whole[i] * MONEY_SCALE, back = -1;
		for (int c = 0; c < CURRENCY_COUNT; c++) {
			money_format(minor, (enum currency)c, out, sizeof out);
			assert_int_equal(money_parse(out, (enum currency)c, &back, NULL), POS_OK);
			assert_true(back == minor);
		}
		assert_true(money_format_wire(minor, out, sizeof out));
		assert_int_equal(money_parse(out, CURRENCY_KES, &back, NULL), POS_OK);
		assert_true(back == minor);
		assert_int_equal(money_parse_daraja(out, &back, NULL), POS_OK);
		assert_true(back == minor);
		money_format_plain(minor + 37, out, sizeof out);
		assert_int_equal(money_parse_daraja(out, &back, NULL), POS_OK);
		assert_true(back == minor + 37);
		money_format_plain(-minor - 37, out, sizeof out);
		assert_int_equal(money_parse_daraja(out, &back, NULL), POS_OK);
		assert_true(back == -minor - 37);
	}
}

/* ---- names ------------------------------------------------------------------ */

static void test_money_names(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		bool ok;
		enum currency c;
	} cases[] = {
		{"KES", true, CURRENCY_KES},  {"kes", true, CURRENCY_KES}, {"Ksh", true, CURRENCY_KES},
		{"KShs", true, CURRENCY_KES}, {"TZS", true, CURRENCY_TZS}, {"Tsh", true, CURRENCY_TZS},
		{"UGX", true, CURRENCY_UGX},  {"ush", true, CURRENCY_UGX}, {"SH", false, 0},
		{"USD", false, 0},            {"", false, 0},              {"KESX", false, 0},
		{"KE", false, 0},             {"K\xc3\xa9S", false, 0},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		enum currency c = CURRENCY_COUNT;
		bool ok = currency_parse(cases[i].s, &c);
		if (ok != cases[i].ok)
			fail_msg("case %zu '%s'", i, cases[i].s);
		if (ok)
			assert_int_equal(c, cases[i].c);
	}
	enum currency c;
	assert_false(currency_parse(NULL, &c));
	assert_string_equal(currency_code(CURRENCY_TZS), "TZS");
	assert_string_equal(currency_name(CURRENCY_UGX), "Ugandan shillings");
	assert_string_equal(currency_code((enum currency)-1), "???");

	enum money_op op;
	assert_true(money_op_parse("stk", &op) && op == MONEY_OP_CHARGE);
	assert_true(money_op_parse("B2C", &op) && op == MONEY_OP_PAYOUT);
	assert_true(money_op_parse("c2b", &op) && op == MONEY_OP_C2B);
	assert_false(money_op_parse("b2b", &op));
	assert_false(money_op_parse(NULL, &op));
	assert_string_equal(money_op_label(MONEY_OP_CHARGE), "an M-Pesa charge");
	assert_string_equal(money_op_name(MONEY_OP_C2B), "c2b");
	assert_string_equal(money_op_name((enum money_op)42), "?");
}

/* ---- limits ------------------------------------------------------------------ */

#define KES(x) ((int64_t)(x) * 100)

static const struct limit_case {
	enum currency cur;
	enum money_op op;
	int64_t minor;
	enum pos_status want;
	const char *says;
} limit_cases[] = {
	{CURRENCY_KES, MONEY_OP_CHARGE, KES(1), POS_OK, NULL},
	{CURRENCY_KES, MONEY_OP_CHARGE, KES(250000), POS_OK, NULL},
	{CURRENCY_KES, MONEY_OP_CHARGE, KES(300000), POS_E_RANGE,
	 "KES 300,000 is above the limit of KES 250,000 for an M-Pesa charge"},
	{CURRENCY_KES, MONEY_OP_CHARGE, KES(250001), POS_E_RANGE, "above the limit"},
	{CURRENCY_KES, MONEY_OP_CHARGE, 0, POS_E_RANGE,
	 "KES 0 is below the minimum of KES 1 for an M-Pesa charge"},
	{CURRENCY_KES, MONEY_OP_CHARGE, KES(-5), POS_E_RANGE, "KES -5 is below the minimum"},
	{CURRENCY_KES, MONEY_OP_CHARGE, INT64_MIN, POS_E_AMOUNT, "has cents"},
	{CURRENCY_KES, MONEY_OP_CHARGE, (INT64_MAX / 100) * 100, POS_E_RANGE, "above the limit"},
	{CURRENCY_KES, MONEY_OP_CHARGE, 1050, POS_E_AMOUNT, "KES 10.50 has cents"},
	{CURRENCY_KES, MONEY_OP_C2B, KES(1), POS_OK, NULL},
	{CURRENCY_KES, MONEY_OP_C2B, KES(250001), POS_E_RANGE,
	 "above the limit of KES 250,000 for a till or paybill payment"},
	{CURRENCY_KES, MONEY_OP_PAYOUT, KES(9), POS_E_RANGE,
	 "KES 9 is below the minimum of KES 10 for a payout"},
	{CURRENCY_KES, MONEY_OP_PAYOUT, KES(10), POS_OK, NULL},
	{CURRENCY_KES, MONEY_OP_PAYOUT, KES(250000), POS_OK, NULL},
	{CURRENCY_KES, MONEY_OP_PAYOUT, KES(250001), POS_E_RANGE, "for a payout"},
	{CURRENCY_TZS, MONEY_OP_CHARGE, KES(99), POS_E_RANGE, "TZS 99 is below the minimum of TZS 100"},
	{CURRENCY_TZS, MONEY_OP_CHARGE, KES(100), POS_OK, NULL},
	{CURRENCY_TZS, MONEY_OP_PAYOUT, KES(10000000), POS_OK, NULL},
	{CURRENCY_TZS, MONEY_OP_C2B, KES(10000001), POS_E_RANGE, "above the limit of TZS 10,000,000"},
	{CURRENCY_UGX, MONEY_OP_CHARGE, KES(499), POS_E_RANGE, "below the minimum of UGX 500"},
	{CURRENCY_UGX, MONEY_OP_CHARGE, KES(500), POS_OK, NULL},
	{CURRENCY_UGX, MONEY_OP_PAYOUT, KES(4000000), POS_OK, NULL},
	{CURRENCY_UGX, MONEY_OP_C2B, KES(4000001), POS_E_RANGE, "above the limit of UGX 4,000,000"},
};

static void test_money_limits_default(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(limit_cases); i++) {
		const struct limit_case *c = &limit_cases[i];
		struct pos_err err;
		enum pos_status st = money_check_limit(NULL, c->cur, c->op, c->minor, &err);
		if (st != c->want)
			fail_msg("case %zu: got %s (%s)", i, pos_status_name(st), err.msg);
		if (st != POS_OK) {
			assert_string_equal(err.field, "amount");
			if (!strstr(err.msg, c->says))
				fail_msg("case %zu: '%s' does not say '%s'", i, err.msg, c->says);
			assert_true(err.hint[0] != '\0');
		}
	}
	struct pos_err err;
	char line[POS_ERR_FIELD_MAX + POS_ERR_MSG_MAX + POS_ERR_HINT_MAX];
	money_check_limit(NULL, CURRENCY_KES, MONEY_OP_CHARGE, KES(300000), &err);
	assert_string_equal(pos_err_format(&err, line, sizeof line),
	                    "amount: KES 300,000 is above the limit of KES 250,000 for an "
	                    "M-Pesa charge; enter at most KES 250,000");
	assert_int_equal(money_check_limit(NULL, (enum currency)3, MONEY_OP_CHARGE, 100, &err),
	                 POS_E_INVALID);
	assert_int_equal(money_check_limit(NULL, CURRENCY_KES, (enum money_op)3, 100, &err),
	                 POS_E_INVALID);
}

static void test_money_limits_override(void **state)
{
	(void)state;
	struct money_limits l;
	struct pos_err err;
	money_limits_default(&l);
	assert_true(l.lim[CURRENCY_KES][MONEY_OP_PAYOUT].min == KES(10));
	assert_true(l.lim[CURRENCY_KES][MONEY_OP_PAYOUT].max == KES(250000));
	assert_true(l.lim[CURRENCY_UGX][MONEY_OP_C2B].min == KES(500));

	assert_int_equal(money_limits_set(&l, CURRENCY_KES, MONEY_OP_CHARGE, KES(50), KES(70000),
	                                  &err),
	                 POS_OK);
	assert_int_equal(money_check_limit(&l, CURRENCY_KES, MONEY_OP_CHARGE, KES(80000), &err),
	                 POS_E_RANGE);
	assert_non_null(strstr(err.msg, "above the limit of KES 70,000"));
	assert_int_equal(money_check_limit(&l, CURRENCY_KES, MONEY_OP_CHARGE, KES(49), &err),
	                 POS_E_RANGE);
	assert_non_null(strstr(err.msg, "below the minimum of KES 50"));
	assert_int_equal(money_check_limit(&l, CURRENCY_KES, MONEY_OP_CHARGE, KES(70000), &err),
	                 POS_OK);
	/* Other cells are untouched. */
	assert_int_equal(money_check_limit(&l, CURRENCY_KES, MONEY_OP_C2B, KES(80000), &err),
	                 POS_OK);

	static const struct {
		int64_t min, max;
		const char *says;
	} bad[] = {
		{0, KES(100), "below KES 1"},
		{-KES(1), KES(100), "below KES 1"},
		{KES(100), KES(99), "is below its minimum"},
		{KES(1), MONEY_MINOR_MAX + 100, "is too large"},
		{150, KES(100), "whole shillings"},
		{KES(1), KES(100) + 1, "whole shillings"},
	};
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		struct money_limits before = l;
		assert_int_equal(money_limits_set(&l, CURRENCY_KES, MONEY_OP_PAYOUT, bad[i].min,
		                                  bad[i].max, &err),
		                 POS_E_RANGE);
		assert_string_equal(err.field, "limits");
		if (!strstr(err.msg, bad[i].says))
			fail_msg("case %zu: '%s'", i, err.msg);
		assert_memory_equal(&before, &l, sizeof l);
	}
	assert_int_equal(money_limits_set(NULL, CURRENCY_KES, MONEY_OP_PAYOUT, 100, 200, &err),
	                 POS_E_INVALID);
	assert_int_equal(money_limits_set(&l, (enum currency)4, MONEY_OP_PAYOUT, 100, 200, &err),
	                 POS_E_INVALID);
	money_limits_default(NULL); /* harmless */
}

static void test_digits(void **state)
{
	(void)state;
	char out[DIGITS_U64_MAX];
	assert_int_equal(digits_format_u64(0, ',', out, sizeof out), 1);
	assert_string_equal(out, "0");
	digits_format_u64(999, ',', out, sizeof out);
	assert_string_equal(out, "999");
	digits_format_u64(1000, ',', out, sizeof out);
	assert_string_equal(out, "1,000");
	digits_format_u64(1234567, ' ', out, sizeof out);
	assert_string_equal(out, "1 234 567");
	digits_format_u64(UINT64_MAX, ',', out, sizeof out);
	assert_string_equal(out, "18,446,744,073,709,551,615");
	digits_format_u64(UINT64_MAX, 0, out, sizeof out);
	assert_string_equal(out, "18446744073709551615");
	char tiny[4];
	assert_int_equal(digits_format_u64(1000, 0, tiny, sizeof tiny), 0);
	assert_string_equal(tiny, "");
	assert_int_equal(digits_format_u64(999, 0, tiny, sizeof tiny), 3);
	assert_true(digits_is('0') && digits_is('9'));
	assert_false(digits_is('/') || digits_is(':') || digits_is('\0'));
	assert_false(digits_is((char)0xd9));
	assert_true(digits_all("0123", 4));
	assert_false(digits_all("01a3", 4));
	assert_false(digits_all("", 0));
	assert_false(digits_all(NULL, 3));
	assert_false(digits_all("12\0" "3", 4));
	assert_int_equal(digits_count("a1b2c3", 6), 3);
	assert_int_equal(digits_count(NULL, 6), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_money_parse_table),
		cmocka_unit_test(test_money_parse_sentence),
		cmocka_unit_test(test_money_parse_hostile),
		cmocka_unit_test(test_money_parse_daraja),
		cmocka_unit_test(test_money_format),
		cmocka_unit_test(test_money_round_trip),
		cmocka_unit_test(test_money_names),
		cmocka_unit_test(test_money_limits_default),
		cmocka_unit_test(test_money_limits_override),
		cmocka_unit_test(test_digits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
