/* tests/unit/test_app_outcome.c: a transaction's state -> the command
 * line's exit code and the sentence a person reads (app/flow.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "app/flow.h"
#include "base/str.h"

struct row {
	enum txn_kind kind;
	enum txn_state state;
	const char *code;   /* result code recorded */
	int exit_code;
	const char *in_sentence; /* a word the sentence must hold */
};

static const struct row rows[] = {
	{TXN_KIND_STK, TXN_COMPLETED, "0", 0, "PAID"},
	{TXN_KIND_B2C, TXN_COMPLETED, "0", 0, "PAID OUT"},
	{TXN_KIND_REVERSAL, TXN_COMPLETED, "0", 0, "REVERSED"},
	{TXN_KIND_BALANCE, TXN_COMPLETED, "0", 0, "answered"},
	{TXN_KIND_STK, TXN_CANCELLED, "1032", 10, "CANCELLED"},
	{TXN_KIND_STK, TXN_CANCELLED, "", 10, "CANCELLED"},
	{TXN_KIND_STK, TXN_FAILED, "1", 11, "result 1"},
	{TXN_KIND_STK, TXN_TIMED_OUT, "1037", 12, "NO ANSWER"},
	{TXN_KIND_STK, TXN_TIMED_OUT, "1019", 12, "1019"},
	{TXN_KIND_STK, TXN_TIMED_OUT, "", 12, "NO ANSWER"},
	{TXN_KIND_STK, TXN_FAILED, "2001", 13, "2001"},
	{TXN_KIND_STK, TXN_FAILED, "SFC_IC0003", 14, "SFC_IC0003"},
	{TXN_KIND_B2C, TXN_FAILED, "2001", 14, "2001"},       /* not a PIN on B2C */
	{TXN_KIND_STK, TXN_FAILED, "", 14, "FAILED"},
	{TXN_KIND_STK, TXN_FAILED, "77777", 14, "77777"},     /* unknown code */
	{TXN_KIND_STK, TXN_FAILED, "500.001.1001", 30, "FAILED"},
	{TXN_KIND_STK, TXN_FAILED, "400.002.02", 30, "FAILED"},
	{TXN_KIND_STK, TXN_FAILED, "http:503", 30, "FAILED"},
	{TXN_KIND_STK, TXN_FAILED, "local:throttled", 30, "FAILED"},
	{TXN_KIND_STK, TXN_FAILED, "local:unreachable", 31, "FAILED"},
	{TXN_KIND_STK, TXN_FAILED, "local:breaker", 31, "FAILED"},
	{TXN_KIND_STK, TXN_FAILED, "local:config", 78, "FAILED"},
	{TXN_KIND_STK, TXN_FAILED, "local:invalid", 64, "FAILED"},
	{TXN_KIND_STK, TXN_FAILED, "local:something-new", 30, "FAILED"},
	{TXN_KIND_STK, TXN_FAILED, "1025", 31, "1025"},
	{TXN_KIND_STK, TXN_AWAITING, "", 20, "waiting"},
	{TXN_KIND_STK, TXN_UNKNOWN, "", 20, "not known"},
	{TXN_KIND_STK, TXN_SENT, "", 20, "being sent"},
	{TXN_KIND_STK, TXN_CREATED, "", 20, "not been sent"},
	{TXN_KIND_STK, TXN_UNRESOLVED, "", 21, "UNRESOLVED"},
	{TXN_KIND_B2C, TXN_REVIEW, "", 21, "REVIEW"},
	/* hostile codes: spaces, non-ASCII, very long */
	{TXN_KIND_STK, TXN_FAILED, " 1032 ", 10, "1032"},
	{TXN_KIND_STK, TXN_FAILED, "\xd9\xa1\xd9\xa0\xd9\xa3\xd9\xa2", 14, "FAILED"},
	{TXN_KIND_STK, TXN_FAILED, "99999999999999999999999999999999", 14, "FAILED"},
};

/* ASCII case-insensitive strstr (strcasestr is a GNU extension). */
static bool has_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i] && (hay[i] | 0x20) == (needle[i] | 0x20))
			i++;
		if (i == n)
			return true;
	}
	return n == 0;
}

static void fill(struct store_txn *t, const struct row *r)
{
	memset(t, 0, sizeof *t);
	t->id = 1;
	str_copy(t->public_id, sizeof t->public_id, "T000001Y");
	t->kind = r->kind;
	t->state = r->state;
	t->amount_minor = 1000;
	str_copy(t->currency, sizeof t->currency, "KES");
	str_copy(t->msisdn, sizeof t->msisdn, "254708374149");
	str_copy(t->result_code, sizeof t->result_code, r->code);
	if (r->state == TXN_COMPLETED && r->kind != TXN_KIND_BALANCE)
		str_copy(t->receipt, sizeof t->receipt, "TCE4XQ7B2M");
}

static void test_exit_codes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct store_txn t;
		fill(&t, &rows[i]);
		int got = app_txn_exit(&t);
		if (got != rows[i].exit_code)
			fail_msg("row %zu (%s %s \"%s\"): exit %d, expected %d", i,
			         txn_kind_name(rows[i].kind), txn_state_name(rows[i].state),
			         rows[i].code, got, rows[i].exit_code);
	}
}

static void test_sentences(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct store_txn t;
		char out[640];
		fill(&t, &rows[i]);
		app_txn_sentence(&t, out, sizeof out);
		if (!strstr(out, "T000001Y"))
			fail_msg("row %zu: the sentence does not name the transaction: %s", i, out);
		if (!has_nocase(out, rows[i].in_sentence))
			fail_msg("row %zu: \"%s\" not in: %s", i, rows[i].in_sentence, out);
		if (rows[i].state == TXN_COMPLETED && rows[i].kind == TXN_KIND_STK &&
		    !strstr(out, "TCE4XQ7B2M"))
			fail_msg("row %zu: a paid charge's sentence gives the receipt: %s", i, out);
	}
}

/* A tiny buffer truncates, never overflows. */
static void test_sentence_small_buffer(void **state)
{
	(void)state;
	struct store_txn t;
	char out[8];
	fill(&t, &rows[0]);
	memset(out, 'x', sizeof out);
	app_txn_sentence(&t, out, sizeof out);
	assert_true(memchr(out, '\0', sizeof out) != NULL);
}

/* Every state of every kind maps to one of the documented codes. */
static void test_every_state_documented(void **state)
{
	(void)state;
	static const int documented[] = {0, 10, 11, 12, 13, 14, 20, 21, 30, 31, 64, 78};
	for (int k = 0; k < TXN_KIND_COUNT; k++) {
		for (int s = 0; s < TXN_STATE_COUNT; s++) {
			struct row r = {(enum txn_kind)k, (enum txn_state)s, "", 0, ""};
			struct store_txn t;
			fill(&t, &r);
			int got = app_txn_exit(&t);
			bool ok = false;
			for (size_t i = 0; i < sizeof documented / sizeof documented[0]; i++)
				ok = ok || documented[i] == got;
			if (!ok)
				fail_msg("%s %s: exit %d is not documented", txn_kind_name(r.kind),
				         txn_state_name(r.state), got);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_sentences),
		cmocka_unit_test(test_sentence_small_buffer),
		cmocka_unit_test(test_every_state_documented),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
