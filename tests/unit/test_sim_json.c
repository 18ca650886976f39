/* tests/unit/test_sim_json.c: the simulator's JSON guards and builders (depth
 * and UTF-8 checks before cJSON, number-or-string fields, money text, the
 * Result envelope), its journals and its hash map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "sim/journal.h"
#include "sim/json.h"
#include "sim/map.h"
#include "sim/result.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_depth(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		unsigned max;
		bool ok;
	} cases[] = {
		{"{}", 1, true},
		{"{\"a\":[1,{\"b\":2}]}", 3, true},
		{"{\"a\":[1,{\"b\":2}]}", 2, false},
		{"{\"a\":\"[[[[[[[[\"}", 1, true},          /* brackets in strings */
		{"{\"a\":\"\\\"[[[[\"}", 1, true},          /* escaped quote */
		{"]]]]]]{}", 1, true},                      /* unbalanced closers */
		{"", 1, true},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++)
		assert_int_equal(sim_json_depth_ok(cases[i].in, strlen(cases[i].in), cases[i].max),
		                 cases[i].ok);
	/* 40 KB of [ (the stack-overflow body) */
	size_t n = 40 * 1024;
	char *deep = malloc(n);
	memset(deep, '[', n);
	assert_false(sim_json_depth_ok(deep, n, SIM_JSON_MAX_DEPTH));
	free(deep);
}

static void test_text_ok(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t n;
		bool ok;
	} cases[] = {
		{"{\"a\":\"b\"}", 9, true},
		{"caf\xc3\xa9", 5, true},
		{"\xe2\x82\xac", 3, true},                 /* euro sign */
		{"\xf0\x9f\x98\x80", 4, true},             /* emoji */
		{"\xff\xfe", 2, false},
		{"\xc0\xaf", 2, false},                    /* overlong slash */
		{"\xe0\x80\xaf", 3, false},                /* overlong */
		{"\xed\xa0\x80", 3, false},                /* surrogate */
		{"\xf4\x90\x80\x80", 4, false},            /* above U+10FFFF */
		{"\xc3", 1, false},                        /* truncated */
		{"a\0b", 3, false},                        /* raw NUL */
		{"", 0, true},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++)
		assert_int_equal(sim_json_text_ok(cases[i].in, cases[i].n), cases[i].ok);
}

static void test_field_text(void **state)
{
	(void)state;
	cJSON *o = cJSON_Parse("{\"n\":254708374149,\"f\":10.5,\"s\":\"x \",\"b\":true,"
	                       "\"z\":null,\"a\":[1],\"big\":1e300,\"neg\":-3}");
	char out[64];
	assert_int_equal(sim_json_text(o, "n", out, sizeof out), SIM_J_NUMBER);
	assert_string_equal(out, "254708374149");
	assert_int_equal(sim_json_text(o, "f", out, sizeof out), SIM_J_NUMBER);
	assert_string_equal(out, "10.5");
	assert_int_equal(sim_json_text(o, "s", out, sizeof out), SIM_J_STRING);
	assert_string_equal(out, "x ");
	assert_int_equal(sim_json_text(o, "b", out, sizeof out), SIM_J_BOOL);
	assert_int_equal(sim_json_text(o, "z", out, sizeof out), SIM_J_MISSING);
	assert_string_equal(out, "");
	assert_int_equal(sim_json_text(o, "a", out, sizeof out), SIM_J_COMPOSITE);
	assert_int_equal(sim_json_text(o, "nope", out, sizeof out), SIM_J_MISSING);
	assert_int_equal(sim_json_text(o, "N", NULL, 0), SIM_J_MISSING); /* case-sensitive */
	assert_int_equal(sim_json_text(o, "big", out, sizeof out), SIM_J_NUMBER);
	assert_int_equal(sim_json_text(o, "neg", out, sizeof out), SIM_J_NUMBER);
	assert_string_equal(out, "-3");
	char tiny[4];
	assert_int_equal(sim_json_text(o, "n", tiny, sizeof tiny), SIM_J_NUMBER);
	assert_string_equal(tiny, "254");
	assert_int_equal(sim_json_text(NULL, "n", out, sizeof out), SIM_J_MISSING);
	cJSON_Delete(o);
}

static void test_cents(void **state)
{
	(void)state;
	static const struct {
		int64_t c;
		const char *want;
	} cases[] = {
		{0, "0.00"}, {5, "0.05"}, {-5, "-0.05"}, {100, "1.00"}, {-154000, "-1540.00"},
		{4671300, "46713.00"}, {INT64_MIN, "-92233720368547758.08"},
		{INT64_MAX, "92233720368547758.07"},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char out[32];
		sim_fmt_cents(cases[i].c, out);
		assert_string_equal(out, cases[i].want);
	}
}

static void test_result_envelope(void **state)
{
	(void)state;
	cJSON *res;
	cJSON *root = sim_result_new("0", "ok", "5118-111210482-1",
	                             "AG_20250314_2010759fd5662ef6d054", "TCE81HAY6Q", &res);
	sim_result_param_int(res, "TransactionAmount", 1500);
	sim_result_param_cents(res, "B2CChargesPaidAccountAvailableFunds", -451000);
	sim_result_param_novalue(res, "TransactionReason");
	sim_result_ref(res, "QueueTimeoutURL", "https://internal/x");
	char *text = cJSON_PrintUnformatted(root);
	assert_string_equal(text,
		"{\"Result\":{\"ResultType\":0,\"ResultCode\":0,\"ResultDesc\":\"ok\","
		"\"OriginatorConversationID\":\"5118-111210482-1\","
		"\"ConversationID\":\"AG_20250314_2010759fd5662ef6d054\","
		"\"TransactionID\":\"TCE81HAY6Q\",\"ResultParameters\":{\"ResultParameter\":["
		"{\"Key\":\"TransactionAmount\",\"Value\":1500},"
		"{\"Key\":\"B2CChargesPaidAccountAvailableFunds\",\"Value\":-4510.00},"
		"{\"Key\":\"TransactionReason\"}]},"
		"\"ReferenceData\":{\"ReferenceItem\":{\"Key\":\"QueueTimeoutURL\","
		"\"Value\":\"https://internal/x\"}}}}");
	free(text);
	/* a second reference item turns the bare object into an array; parameters
	 * added after ReferenceData still come before it */
	sim_result_ref(res, "Occasion", NULL);
	sim_result_param_str(res, "Late", "x");
	text = cJSON_PrintUnformatted(root);
	assert_non_null(strstr(text, "\"ReferenceItem\":[{\"Key\":\"QueueTimeoutURL\""));
	assert_non_null(strstr(text, "{\"Key\":\"Occasion\"}]"));
	assert_true(strstr(text, "ResultParameters") < strstr(text, "ReferenceData"));
	free(text);
	cJSON_Delete(root);

	/* non-numeric codes are strings */
	root = sim_result_new("R000001", "already", "a", "b", "c", &res);
	text = cJSON_PrintUnformatted(root);
	assert_non_null(strstr(text, "\"ResultCode\":\"R000001\""));
	assert_null(strstr(text, "ResultParameters"));
	free(text);
	cJSON_Delete(root);
}

static void test_daraja_time(void **state)
{
	(void)state;
	char out[16];
	sim_daraja_time(1742023502000, out); /* 2025-03-15T07:25:02Z */
	assert_string_equal(out, "20250315102502");
}

static void test_journal(void **state)
{
	(void)state;
	struct sim_journal *j = sim_journal_new(3);
	struct buf b;
	buf_init(&b, 1 << 20);
	assert_int_equal(sim_journal_add(j, "/a", strdup("{\"n\":1}")), 1);
	assert_int_equal(sim_journal_add(j, "/b", strdup("{\"n\":2}")), 2);
	assert_int_equal(sim_journal_add(j, "/a", strdup("{}")), 3);
	assert_int_equal(sim_journal_add(j, "/a", strdup("{\"n\":4}")), 4); /* evicts 1 */
	assert_int_equal(sim_journal_add(j, "/a", strdup("not json")), 0);
	assert_int_equal(sim_journal_add(j, "/a", NULL), 0);

	struct sim_journal_filter all = {0};
	assert_int_equal(sim_journal_list(j, &all, &b), POS_OK);
	assert_string_equal(b.data, "[{\"seq\":2,\"n\":2},{\"seq\":3},{\"seq\":4,\"n\":4}]");
	buf_reset(&b);
	struct sim_journal_filter fa = {.key = "/a"};
	assert_int_equal(sim_journal_count(j, &fa), 2);
	struct sim_journal_filter since = {.key = "/a", .since = 3};
	sim_journal_list(j, &since, &b);
	assert_string_equal(b.data, "[{\"seq\":4,\"n\":4}]");
	buf_reset(&b);
	struct sim_journal_filter last = {.limit = 1};
	sim_journal_list(j, &last, &b);
	assert_string_equal(b.data, "[{\"seq\":4,\"n\":4}]");
	buf_reset(&b);
	struct sim_journal_filter has = {.contains = "\"n\":2"};
	sim_journal_list(j, &has, &b);
	assert_string_equal(b.data, "[{\"seq\":2,\"n\":2}]");
	buf_reset(&b);
	sim_journal_reset(j);
	sim_journal_list(j, &all, &b);
	assert_string_equal(b.data, "[]");
	buf_release(&b);
	sim_journal_free(j);
}

static void test_map(void **state)
{
	(void)state;
	struct sim_map m;
	int v1 = 1, v2 = 2;
	sim_map_init(&m);
	assert_null(sim_map_get(&m, "x"));
	assert_null(sim_map_remove(&m, "x"));
	assert_true(sim_map_put(&m, "x", &v1));
	assert_false(sim_map_put(&m, "x", &v2)); /* present: unchanged */
	assert_ptr_equal(sim_map_get(&m, "x"), &v1);
	assert_true(sim_map_put(&m, "", &v2));   /* the empty key is a key */
	for (int i = 0; i < 5000; i++) {
		char k[16];
		snprintf(k, sizeof k, "k%d", i);
		assert_true(sim_map_put(&m, k, &v2));
	}
	assert_int_equal(sim_map_count(&m), 5002);
	assert_ptr_equal(sim_map_get(&m, "k4999"), &v2);
	assert_ptr_equal(sim_map_remove(&m, "k0"), &v2);
	assert_null(sim_map_get(&m, "k0"));
	assert_int_equal(sim_map_count(&m), 5001);
	sim_map_release(&m, NULL);
	assert_int_equal(sim_map_count(&m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_text_ok),
		cmocka_unit_test(test_field_text),
		cmocka_unit_test(test_cents),
		cmocka_unit_test(test_result_envelope),
		cmocka_unit_test(test_daraja_time),
		cmocka_unit_test(test_journal),
		cmocka_unit_test(test_map),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
