/* tests/unit/test_sim_valid.c: daraja-sim's own table of Daraja's field
 * rules — liberal where Daraja is liberal, never the console's rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sim/valid.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_msisdn(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		bool ok;
	} cases[] = {
		{"254708374149", true},
		{"254111111111", true},   /* integration-guide alias, not Kenyan */
		{"254222222222", true},
		{"254712345678", true},
		{"0712345678", false},    /* national form: Daraja wants 2547... */
		{"+254712345678", false},
		{"25471234567", false},   /* 11 digits */
		{"2547123456789", false}, /* 13 digits */
		{"255712345678", false},  /* Tanzania */
		{"", false},
		{"254 712345678", false},
		{"25471234567a", false},
		{"\xd9\xa2\xd9\xa5\xd9\xa4" "712345678", false}, /* Arabic-Indic 254 */
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++)
		assert_int_equal(sim_valid_msisdn(cases[i].in), cases[i].ok);
}

static void test_amount_text(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		bool ok;
		int64_t v;
	} cases[] = {
		{"1", true, 1},
		{"10", true, 10},
		{"10.00", true, 10},     /* whole-valued */
		{"10.0", true, 10},
		{"250000", true, 250000},
		{"0", false, 0},
		{"0.00", false, 0},
		{"10.5", false, 0},      /* fractions are refused, never rounded */
		{"10.", false, 0},
		{".5", false, 0},
		{"-1", false, 0},
		{"+1", false, 0},
		{" 1", false, 0},
		{"1e3", false, 0},
		{"", false, 0},
		{"abc", false, 0},
		{"99999999999999999999", false, 0},
		{"1000000000", false, 0}, /* above the sanity cap */
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		int64_t v = -7;
		assert_int_equal(sim_valid_amount_text(cases[i].in, &v), cases[i].ok);
		if (cases[i].ok)
			assert_int_equal(v, cases[i].v);
	}
}

static void test_amount_number(void **state)
{
	(void)state;
	static const struct {
		double in;
		bool ok;
	} cases[] = {
		{1, true}, {1.0, true}, {150, true}, {1e3, true}, {0, false},
		{0.5, false}, {10.5, false}, {-10, false}, {1e12, false},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++)
		assert_int_equal(sim_valid_amount_number(cases[i].in, NULL), cases[i].ok);
}

static void test_urls(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		bool url, c2b;
	} cases[] = {
		{"http://127.0.0.1:8080/cb", true, true},
		{"https://example.com/hooks/c2b/confirm", true, true},
		{"HTTPS://EXAMPLE.COM/x", true, true},
		{"https://example.com/mpesa/confirm", true, false},
		{"https://example.com/M-PESA/confirm", true, false},
		{"https://safaricom.example.com/x", true, false},
		{"https://example.com/run.exe", true, false},
		{"https://example.com/cmd", true, false},
		{"https://example.com/sql/x", true, false},
		{"https://example.com/x?query=1", true, false},
		{"ftp://example.com/x", false, false},
		{"http://", false, false},
		{"http:///path", false, false},
		{"example.com/x", false, false},
		{"http://exa mple.com/x", false, false},
		{"", false, false},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		assert_int_equal(sim_valid_url(cases[i].in), cases[i].url);
		assert_int_equal(sim_valid_c2b_url(cases[i].in), cases[i].c2b);
	}
}

static void test_enum(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		bool ok;
		const char *canon;
	} cases[] = {
		{"Completed", true, "Completed"},
		{"Cancelled", true, "Cancelled"},
		{"Completed   ", true, "Completed"}, /* trailing spaces accepted */
		{" Completed", false, ""},
		{"completed", false, ""},             /* exact case */
		{"COMPLETED", false, ""},
		{"Complete", false, ""},
		{"CompletedCancelled", false, ""},
		{"", false, ""},
		{"   ", false, ""},
		{"Completed|Cancelled", false, ""},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char canon[32] = "";
		assert_int_equal(sim_valid_enum(cases[i].in, "Completed|Cancelled", canon,
		                                sizeof canon), cases[i].ok);
		if (cases[i].ok)
			assert_string_equal(canon, cases[i].canon);
	}
}

static void test_datetime(void **state)
{
	(void)state;
	assert_true(sim_valid_datetime("2025-03-14 11:22:33"));
	assert_true(sim_valid_datetime("2025-12-31 23:59:59"));
	assert_false(sim_valid_datetime("2025-13-01 00:00:00"));
	assert_false(sim_valid_datetime("2025-03-14T11:22:33"));
	assert_false(sim_valid_datetime("2025-03-14 24:00:00"));
	assert_false(sim_valid_datetime("2025-3-14 11:22:33"));
	assert_false(sim_valid_datetime(""));
}

/* The STK push table against whole bodies: the first broken field is named. */
static const char *stk_verdict(const char *json, enum sim_verdict *v)
{
	static char field[64];
	cJSON *body = cJSON_Parse(json);
	const char *bad = NULL;
	*v = sim_validate(sim_rules_for(SIM_OP_STK_PUSH), body, &bad);
	field[0] = '\0';
	if (bad)
		strncpy(field, bad, sizeof field - 1);
	cJSON_Delete(body);
	return field;
}

#define GOOD_STK                                                               \
	"\"BusinessShortCode\":174379,\"Password\":\"x\",\"Timestamp\":\"20160216165627\"," \
	"\"TransactionType\":\"CustomerPayBillOnline\",\"PartyA\":254708374149,"     \
	"\"PartyB\":\"174379\",\"PhoneNumber\":\"254708374149\","                     \
	"\"CallBackURL\":\"https://example.com/cb\",\"AccountReference\":\"INV-1\""

static void test_stk_table(void **state)
{
	(void)state;
	static const struct {
		const char *body;
		enum sim_verdict v;
		const char *field;
	} cases[] = {
		{"{" GOOD_STK ",\"Amount\":1}", SIM_V_OK, ""},
		{"{" GOOD_STK ",\"Amount\":\"1\"}", SIM_V_OK, ""},      /* string amount */
		{"{" GOOD_STK ",\"Amount\":1.0}", SIM_V_OK, ""},        /* whole-valued */
		{"{" GOOD_STK ",\"Amount\":10.5}", SIM_V_FIELD, "Amount"},
		{"{" GOOD_STK ",\"Amount\":0}", SIM_V_FIELD, "Amount"},
		{"{" GOOD_STK ",\"Amount\":true}", SIM_V_FIELD, "Amount"},
		{"{" GOOD_STK ",\"Amount\":[1]}", SIM_V_PAYLOAD, "Amount"},
		{"{" GOOD_STK ",\"Amount\":{\"v\":1}}", SIM_V_PAYLOAD, "Amount"},
		{"{" GOOD_STK "}", SIM_V_FIELD, "Amount"},
		{"{" GOOD_STK ",\"Amount\":null}", SIM_V_FIELD, "Amount"},
		{"{" GOOD_STK ",\"Amount\":1,\"TransactionDesc\":\"a description of 40 chars.....\"}",
		 SIM_V_OK, ""},                                            /* > 13 accepted */
		{"{}", SIM_V_FIELD, "BusinessShortCode"},                  /* the misleading first field */
		{"{\"BusinessShortCode\":\"17437\"}", SIM_V_FIELD, "Password"},
		{"{\"BusinessShortCode\":\"abc\"}", SIM_V_FIELD, "BusinessShortCode"},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		enum sim_verdict v;
		const char *field = stk_verdict(cases[i].body, &v);
		assert_int_equal(v, cases[i].v);
		assert_string_equal(field, cases[i].field);
	}
}

static void test_stk_fields(void **state)
{
	(void)state;
	/* One field broken at a time, in a body otherwise valid. */
	static const struct {
		const char *key, *value;
		const char *field;
	} cases[] = {
		{"Timestamp", "\"2016021616562\"", "Timestamp"},
		{"Timestamp", "\"20161316165627\"", "Timestamp"},
		{"Timestamp", "\"2016-02-16 16:56\"", "Timestamp"},
		{"Timestamp", "20160216165627", ""},                 /* number accepted */
		{"TransactionType", "\"CustomerPayBillOnline  \"", ""},
		{"TransactionType", "\"customerpaybillonline\"", "TransactionType"},
		{"PartyA", "\"0708374149\"", "PartyA"},
		{"PhoneNumber", "254708374149", ""},
		{"PhoneNumber", "\"+254708374149\"", "PhoneNumber"},
		{"CallBackURL", "\"\"", "CallBackURL"},
		{"CallBackURL", "\"not a url\"", "CallBackURL"},
		{"AccountReference", "\"ABCDEFGHIJKL\"", ""},          /* 12: fine */
		{"AccountReference", "\"ABCDEFGHIJKLM\"", "AccountReference"},
		{"AccountReference", "\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"", ""}, /* 12 characters, 24 bytes */
		{"AccountReference", "\"A\\u0000B\"", ""},             /* embedded NUL cuts it short */
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		cJSON *body = cJSON_Parse("{" GOOD_STK ",\"Amount\":1}");
		cJSON *item = cJSON_Parse(cases[i].value);
		assert_non_null(item);
		cJSON_ReplaceItemInObjectCaseSensitive(body, cases[i].key, item);
		const char *bad = NULL;
		enum sim_verdict v = sim_validate(sim_rules_for(SIM_OP_STK_PUSH), body, &bad);
		if (cases[i].field[0]) {
			assert_int_equal(v, SIM_V_FIELD);
			assert_string_equal(bad, cases[i].field);
		} else {
			assert_int_equal(v, SIM_V_OK);
		}
		cJSON_Delete(body);
	}
}

static void test_every_table(void **state)
{
	(void)state;
	/* Every operation has rows, each naming a field; an empty body is refused
	 * by naming a required field. */
	for (int op = 0; op < SIM_OP_COUNT; op++) {
		const struct sim_rules *rules = sim_rules_for((enum sim_op)op);
		assert_non_null(rules);
		assert_true(rules->n > 0);
		cJSON *empty = cJSON_CreateObject();
		const char *bad = NULL;
		assert_int_equal(sim_validate(rules, empty, &bad), SIM_V_FIELD);
		assert_non_null(bad);
		cJSON_Delete(empty);
		/* NULL body counts as empty, never a crash */
		assert_int_equal(sim_validate(rules, NULL, &bad), SIM_V_FIELD);
	}
	assert_null(sim_rules_for(SIM_OP_COUNT));
}

static void test_huge_text(void **state)
{
	(void)state;
	size_t n = 100000;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'A', n);
	big[n] = '\0';
	cJSON *body = cJSON_Parse("{" GOOD_STK ",\"Amount\":1}");
	cJSON_AddStringToObject(body, "TransactionDesc", big);
	const char *bad = NULL;
	assert_int_equal(sim_validate(sim_rules_for(SIM_OP_STK_PUSH), body, &bad), SIM_V_FIELD);
	assert_string_equal(bad, "TransactionDesc");
	cJSON_Delete(body);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msisdn),
		cmocka_unit_test(test_amount_text),
		cmocka_unit_test(test_amount_number),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_enum),
		cmocka_unit_test(test_datetime),
		cmocka_unit_test(test_stk_table),
		cmocka_unit_test(test_stk_fields),
		cmocka_unit_test(test_every_table),
		cmocka_unit_test(test_huge_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
