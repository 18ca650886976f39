/* tests/unit/test_core_result.c: core/result — the Daraja outcome-code
 * catalogue: every documented code is known, per-kind sentences, number-or-
 * string normalisation, unknown codes quoted, CLI exit codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/result.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Every code the brief and daraja-api.md name. */
static const char *const documented[] = {
	"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15",
	"17", "18", "20", "21", "22", "24", "25", "26", "29", "1001", "1019", "1025", "1032",
	"1037", "2001", "2028", "8006", "9999", "SFC_IC0003", "R000001", "R000002",
	"C2B00011", "C2B00012", "C2B00013", "C2B00014", "C2B00015", "C2B00016",
	"400.002.02", "400.002.05", "400.003.01", "400.003.02", "401.002.01", "401.003.01",
	"404.001.01", "404.001.03", "404.001.04", "405.001", "500.001.1001", "500.002.1001",
	"500.003.02", "500.003.03", "500.003.1001", "400.008.01", "400.008.02",
};

static void test_result_every_code_known(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(documented); i++) {
		for (int k = 0; k < TXN_KIND_COUNT; k++) {
			struct result_info r;
			result_lookup(documented[i], (enum txn_kind)k, &r);
			if (!r.known)
				fail_msg("%s (kind %d) is not in the catalogue", documented[i], k);
			assert_string_equal(r.code, documented[i]);
			assert_true(r.category != RESULT_UNKNOWN);
			assert_non_null(r.meaning);
			assert_true(r.sentence[0] != '\0');
		}
	}
}

static const struct expect {
	const char *code;
	enum txn_kind kind;
	enum result_category cat;
	int exit_code;
	const char *sentence; /* exact when it ends with '.', else a part */
} expects[] = {
	{"1032", TXN_KIND_STK, RESULT_CUSTOMER_DECLINED, 10,
	 "The customer cancelled the payment on their phone."},
	{"1037", TXN_KIND_STK, RESULT_CUSTOMER_UNREACHABLE, 12,
	 "The customer's phone could not be reached or they did not answer in time."},
	{"1019", TXN_KIND_STK, RESULT_CUSTOMER_UNREACHABLE, 12, "expired"},
	{"1", TXN_KIND_STK, RESULT_INSUFFICIENT_FUNDS, 11,
	 "The customer does not have enough money in M-Pesa."},
	{"1", TXN_KIND_C2B, RESULT_INSUFFICIENT_FUNDS, 11,
	 "The customer does not have enough money in M-Pesa."},
	{"1", TXN_KIND_B2C, RESULT_INSUFFICIENT_FUNDS, 11, "business account"},
	{"1", TXN_KIND_REVERSAL, RESULT_INSUFFICIENT_FUNDS, 11, "business account"},
	{"5", TXN_KIND_STK, RESULT_INSUFFICIENT_FUNDS, 11, "minimum"},
	{"2001", TXN_KIND_STK, RESULT_WRONG_PIN, 13, "The customer entered the wrong M-Pesa PIN."},
	{"2001", TXN_KIND_B2C, RESULT_PERMANENT_FAILURE, 14, "initiator"},
	{"2001", TXN_KIND_BALANCE, RESULT_PERMANENT_FAILURE, 14, "initiator"},
	{"0", TXN_KIND_STK, RESULT_SUCCESS, 0, "The customer paid."},
	{"0", TXN_KIND_C2B, RESULT_SUCCESS, 0, "The customer paid."},
	{"0", TXN_KIND_B2C, RESULT_SUCCESS, 0, "The payout was sent to the customer."},
	{"0", TXN_KIND_REVERSAL, RESULT_SUCCESS, 0, "The payment was reversed."},
	{"0", TXN_KIND_STATUS, RESULT_SUCCESS, 0, "M-Pesa completed the request."},
	{"1025", TXN_KIND_STK, RESULT_CUSTOMER_UNREACHABLE, 31, "could not send the prompt"},
	{"9999", TXN_KIND_STK, RESULT_CUSTOMER_UNREACHABLE, 31, "could not send the prompt"},
	{"1001", TXN_KIND_STK, RESULT_RETRY_LATER, 14, "another M-Pesa request"},
	{"26", TXN_KIND_B2C, RESULT_RETRY_LATER, 14, "too busy"},
	{"15", TXN_KIND_STK, RESULT_PERMANENT_FAILURE, 14, "duplicate"},
	{"SFC_IC0003", TXN_KIND_STK, RESULT_PERMANENT_FAILURE, 14, "till or paybill"},
	{"R000001", TXN_KIND_REVERSAL, RESULT_PERMANENT_FAILURE, 14, "already reversed"},
	{"C2B00012", TXN_KIND_C2B, RESULT_REFUSED, 30, "account number"},
	{"400.002.02", TXN_KIND_STK, RESULT_REFUSED, 30, "nothing was charged"},
	{"404.001.03", TXN_KIND_STK, RESULT_RETRY_LATER, 30, "access token"},
	{"500.003.02", TXN_KIND_B2C, RESULT_RETRY_LATER, 30, "too many requests"},
	{"500.002.1001", TXN_KIND_B2C, RESULT_REFUSED, 30, "earlier request"},
	{"401.003.01", TXN_KIND_BALANCE, RESULT_REFUSED, 30, "not subscribed"},
	{"8006", TXN_KIND_B2C, RESULT_PERMANENT_FAILURE, 14, "locked"},
};

static void test_result_expectations(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(expects); i++) {
		const struct expect *e = &expects[i];
		struct result_info r;
		result_lookup(e->code, e->kind, &r);
		assert_true(r.known);
		if (r.category != e->cat || (int)r.exit_code != e->exit_code)
			fail_msg("case %zu %s: category %s exit %d", i, e->code,
			         result_category_name(r.category), r.exit_code);
		size_t n = strlen(e->sentence);
		if (e->sentence[n - 1] == '.')
			assert_string_equal(r.sentence, e->sentence);
		else if (!strstr(r.sentence, e->sentence))
			fail_msg("case %zu %s: '%s' lacks '%s'", i, e->code, r.sentence, e->sentence);
		assert_int_equal(result_exit_code(e->code, e->kind), e->exit_code);
	}
}

static const struct norm_case {
	const char *in;
	bool ok;
	const char *out;
} norm_cases[] = {
	{"1032", true, "1032"},
	{" 1032 ", true, "1032"},
	{"\"1032\"", true, "1032"},
	{" \" 1032 \" ", true, "1032"},
	{"01032", true, "1032"},
	{"1032.0", true, "1032"},
	{"1032.000", true, "1032"},
	{"0", true, "0"},
	{"00", true, "0"},
	{"0.0", true, "0"},
	{"-0", true, "0"},
	{"-1", true, "-1"},
	{"-01", true, "-1"},
	{"1032.5", true, "1032.5"},
	{"1032.", true, "1032."},
	{"sfc_ic0003", true, "SFC_IC0003"},
	{"c2b00011", true, "C2B00011"},
	{"400.002.02", true, "400.002.02"},
	{"500.001.1001", true, "500.001.1001"},
	{"12\x01", true, "12?"},
	{"INS-2006", true, "INS-2006"},
	{"\xd9\xa1", true, "??"},
	{"", false, ""},
	{"   ", false, ""},
	{"\"\"", false, ""},
	{NULL, false, ""},
	{"0123456789012345678901234567890123456789X", false, ""},
};

static void test_result_normalize(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(norm_cases); i++) {
		char out[RESULT_CODE_MAX];
		bool ok = result_normalize(norm_cases[i].in, out, sizeof out);
		if (ok != norm_cases[i].ok)
			fail_msg("case %zu '%s': %d", i, norm_cases[i].in ? norm_cases[i].in : "(null)", ok);
		assert_string_equal(out, norm_cases[i].out);
	}
	/* Number forms look up the same row. */
	static const char *const forms[] = {"1032", "\"1032\"", " 01032", "1032.00"};
	for (size_t i = 0; i < N_ELEMS(forms); i++) {
		struct result_info r;
		result_lookup(forms[i], TXN_KIND_STK, &r);
		assert_true(r.known);
		assert_string_equal(r.code, "1032");
		assert_int_equal(r.category, RESULT_CUSTOMER_DECLINED);
	}
	char tiny[3];
	assert_false(result_normalize("1032", tiny, sizeof tiny));
	assert_false(result_normalize("1032", NULL, 0));
}

static void test_result_unknown(void **state)
{
	(void)state;
	static const struct {
		const char *code;
		const char *quoted;
	} cases[] = {
		{"4242", "code 4242,"},
		{"INS-2006", "code INS-2006,"},
		{"1032.5", "code 1032.5,"},
		{"12\x01\x02", "code 12??,"},
		{"-1", "code -1,"},
		{"404.002.01", "code 404.002.01,"},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct result_info r;
		result_lookup(cases[i].code, TXN_KIND_STK, &r);
		assert_false(r.known);
		assert_int_equal(r.category, RESULT_UNKNOWN);
		assert_int_equal(r.exit_code, RESULT_EXIT_DECLINED);
		if (!strstr(r.sentence, cases[i].quoted))
			fail_msg("case %zu: '%s'", i, r.sentence);
		assert_non_null(strstr(r.sentence, "M-Pesa portal"));
	}
	struct result_info r;
	result_lookup("", TXN_KIND_STK, &r);
	assert_false(r.known);
	assert_non_null(strstr(r.sentence, "without a result code"));
	result_lookup(NULL, TXN_KIND_STK, &r);
	assert_false(r.known);
	assert_non_null(strstr(r.sentence, "without a result code"));
	/* A huge code: not found, quoted short. */
	size_t n = 10 * 1024;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, '7', n);
	big[n] = '\0';
	result_lookup(big, TXN_KIND_STK, &r);
	assert_false(r.known);
	assert_non_null(strstr(r.sentence, "..."));
	assert_true(strlen(r.sentence) < RESULT_SENTENCE_MAX);
	free(big);
	/* A kind out of range sees only the rows for any kind. */
	result_lookup("2001", (enum txn_kind)99, &r);
	assert_true(r.known);
	assert_int_equal(r.category, RESULT_PERMANENT_FAILURE);
	result_lookup("1032", TXN_KIND_STK, NULL); /* harmless */
}

static bool exit_allowed(int e)
{
	return e == 0 || e == 10 || e == 11 || e == 12 || e == 13 || e == 14 || e == 30 || e == 31;
}

static void test_result_catalogue_invariants(void **state)
{
	(void)state;
	size_t n = 0;
	const struct result_entry *cat = result_catalogue(&n);
	assert_true(n >= N_ELEMS(documented));
	for (size_t i = 0; i < n; i++) {
		const struct result_entry *e = &cat[i];
		char norm[RESULT_CODE_MAX];
		assert_true(result_normalize(e->code, norm, sizeof norm));
		if (strcmp(norm, e->code) != 0)
			fail_msg("row %zu: '%s' is not in normal form", i, e->code);
		assert_true(e->category < RESULT_CATEGORY_COUNT && e->category != RESULT_UNKNOWN);
		if (!exit_allowed((int)e->exit_code))
			fail_msg("row %zu %s: exit %d", i, e->code, e->exit_code);
		assert_true(e->meaning && e->meaning[0]);
		size_t len = strlen(e->sentence);
		assert_true(len > 10 && len < RESULT_SENTENCE_MAX);
		assert_true(e->sentence[len - 1] == '.');
		assert_true(e->sentence[0] >= 'A' && e->sentence[0] <= 'Z');
		/* Synchronous codes are the dotted ones; they were refused before
		 * anything happened. */
		assert_true(e->sync == (strchr(e->code, '.') != NULL));
		if (e->sync)
			assert_int_equal(e->exit_code, RESULT_EXIT_REFUSED);
		/* Category and exit code agree. */
		if (e->category == RESULT_SUCCESS)
			assert_int_equal(e->exit_code, 0);
		if (e->exit_code == 0)
			assert_int_equal(e->category, RESULT_SUCCESS);
		if (e->category == RESULT_WRONG_PIN)
			assert_int_equal(e->exit_code, 13);
		if (e->category == RESULT_INSUFFICIENT_FUNDS)
			assert_int_equal(e->exit_code, 11);
		if (e->exit_code == RESULT_EXIT_CANCELLED)
			assert_string_equal(e->code, "1032");
		/* No row hides a later one: a general row comes last for its code. */
		for (size_t j = i + 1; j < n; j++) {
			if (strcmp(cat[j].code, e->code) != 0)
				continue;
			if (e->kinds == RESULT_ANY)
				fail_msg("row %zu %s: a general row before row %zu", i, e->code, j);
			if (cat[j].kinds != RESULT_ANY && (cat[j].kinds & e->kinds))
				fail_msg("rows %zu and %zu of %s overlap", i, j, e->code);
		}
	}
	/* Every code has a general row, so every kind gets an answer. */
	for (size_t i = 0; i < n; i++) {
		bool general = false;
		for (size_t j = 0; j < n; j++)
			general |= strcmp(cat[j].code, cat[i].code) == 0 && cat[j].kinds == RESULT_ANY;
		if (!general)
			fail_msg("%s has no row for any kind", cat[i].code);
	}
	assert_non_null(result_catalogue(NULL));
}

static void test_result_categories(void **state)
{
	(void)state;
	static const char *const names[] = {
		"success", "customer_declined", "customer_unreachable", "insufficient_funds",
		"wrong_pin", "retry_later", "refused_before_processing", "permanent_failure", "unknown",
	};
	assert_int_equal(N_ELEMS(names), RESULT_CATEGORY_COUNT);
	for (size_t i = 0; i < N_ELEMS(names); i++) {
		enum result_category c;
		assert_string_equal(result_category_name((enum result_category)i), names[i]);
		assert_true(result_category_parse(names[i], &c));
		assert_int_equal(c, i);
		assert_true(result_category_label((enum result_category)i)[0] != '\0');
	}
	enum result_category c;
	assert_false(result_category_parse("declined", &c));
	assert_false(result_category_parse(NULL, &c));
	assert_string_equal(result_category_name(RESULT_CATEGORY_COUNT), "unknown");
	/* The documented exit numbers. */
	assert_int_equal(RESULT_EXIT_COMPLETED, 0);
	assert_int_equal(RESULT_EXIT_CANCELLED, 10);
	assert_int_equal(RESULT_EXIT_INSUFFICIENT, 11);
	assert_int_equal(RESULT_EXIT_NO_ANSWER, 12);
	assert_int_equal(RESULT_EXIT_WRONG_PIN, 13);
	assert_int_equal(RESULT_EXIT_DECLINED, 14);
	assert_int_equal(RESULT_EXIT_REFUSED, 30);
	assert_int_equal(RESULT_EXIT_UNREACHABLE, 31);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_result_every_code_known),
		cmocka_unit_test(test_result_expectations),
		cmocka_unit_test(test_result_normalize),
		cmocka_unit_test(test_result_unknown),
		cmocka_unit_test(test_result_catalogue_invariants),
		cmocka_unit_test(test_result_categories),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
