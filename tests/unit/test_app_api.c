/* tests/unit/test_app_api.c: the pure parts of serve's local API (app/api.h)
 * and the extra-routes matcher (listener/routes.h), table-driven with
 * hostile rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "app/api.h"
#include "listener/routes.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_http_status(void **state)
{
	static const struct {
		int exit_code;
		enum pos_status cause;
		bool created;
		int want;
	} rows[] = {
		{0, POS_OK, true, 201},         {0, POS_OK, false, 200},
		{10, POS_OK, true, 200},        {11, POS_OK, true, 200},
		{12, POS_OK, false, 200},       {13, POS_OK, true, 200},
		{14, POS_OK, true, 200},        {20, POS_OK, true, 202},
		{21, POS_OK, false, 202},       {30, POS_E_CONFLICT, true, 409},
		{30, POS_E_THROTTLED, true, 429}, {31, POS_E_NET, true, 503},
		{64, POS_E_PHONE, false, 400},  {70, POS_E_STORE, false, 500},
		{77, POS_E_DENIED, false, 403}, {77, POS_E_AUTH, false, 401},
		{78, POS_E_CONFIG, false, 500}, {-1, POS_OK, false, 500},
		{99999, POS_OK, true, 500},
	};
	(void)state;
	for (size_t i = 0; i < N_ELEMS(rows); i++)
		assert_int_equal(app_api_http_status(rows[i].exit_code, rows[i].cause, rows[i].created),
		                 rows[i].want);
}

static void test_cursor(void **state)
{
	static const struct {
		const char *text;
		bool ok;
		int64_t created_at, id;
	} rows[] = {
		{"1700000000000.42", true, 1700000000000, 42},
		{"0.1", true, 0, 1},
		{"9223372036854775807.9223372036854775807", true, INT64_MAX, INT64_MAX},
		{"", false, 0, 0},          {".", false, 0, 0},
		{"1.", false, 0, 0},        {".1", false, 0, 0},
		{"1.0", false, 0, 0},       {"a.b", false, 0, 0},
		{"-1.5", false, 0, 0},      {"1.5.6", false, 0, 0},
		{"1 .5", false, 0, 0},      {"99999999999999999999.1", false, 0, 0},
		{"1.\xc3\xa9", false, 0, 0},
	};
	(void)state;
	for (size_t i = 0; i < N_ELEMS(rows); i++) {
		struct store_cursor c = {-7, -7};
		assert_int_equal(app_api_cursor_parse(rows[i].text, &c), rows[i].ok);
		if (!rows[i].ok)
			continue;
		assert_int_equal(c.created_at, rows[i].created_at);
		assert_int_equal(c.id, rows[i].id);
		char back[64];
		app_api_cursor_format(&c, back, sizeof back);
		assert_string_equal(back, rows[i].text);
	}
	assert_false(app_api_cursor_parse(NULL, &(struct store_cursor){0, 0}));
}

static void test_json_depth(void **state)
{
	static const struct {
		const char *json;
		size_t want;
	} rows[] = {
		{"", 0},
		{"{}", 1},
		{"{\"a\":[1,{\"b\":[]}]}", 4},
		{"{\"a\":\"[[[[[[\"}", 1},          /* brackets in a string */
		{"{\"a\":\"\\\"[[[\"}", 1},          /* an escaped quote */
		{"]]]]{", 1},
		{"[[[[[[[[[[[[[[[[[[[[", 20},
	};
	(void)state;
	for (size_t i = 0; i < N_ELEMS(rows); i++)
		assert_int_equal(app_api_json_depth(rows[i].json, strlen(rows[i].json)), rows[i].want);
	/* A huge body is scanned, not parsed: no recursion. */
	static char deep[40001];
	memset(deep, '[', sizeof deep - 1);
	assert_int_equal(app_api_json_depth(deep, sizeof deep - 1), sizeof deep - 1);
}

static void test_query_get(void **state)
{
	static const struct {
		const char *query, *key;
		bool found;
		const char *want;
	} rows[] = {
		{"since=2025-03-14&limit=2", "since", true, "2025-03-14"},
		{"since=2025-03-14&limit=2", "limit", true, "2"},
		{"limit=2", "since", false, NULL},
		{"", "since", false, NULL},
		{"sincere=1&since=2", "since", true, "2"},  /* no prefix match */
		{"cursor=17%2E3", "cursor", true, "17.3"},
		{"a=b+c", "a", true, "b c"},
		{"a=%zz", "a", true, "%zz"},               /* not an escape: kept */
		{"a=%00", "a", false, NULL},               /* embedded NUL refused */
		{"a=", "a", true, ""},                     /* present, empty */
		{"a=0123456789012345678901234567890123456789", "a", false, NULL}, /* too long */
	};
	(void)state;
	for (size_t i = 0; i < N_ELEMS(rows); i++) {
		char out[32] = "x";
		assert_int_equal(app_api_query_get(rows[i].query, rows[i].key, out, sizeof out),
		                 rows[i].found);
		if (rows[i].found)
			assert_string_equal(out, rows[i].want);
	}
}

static void test_tokens(void **state)
{
	static const struct {
		const char *token;
		bool ok;
	} rows[] = {
		{"mpos_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", true},
		{"mpos_abcdefghijklmnopqrstuvwxyz-_0123456789ABCDE", true},
		{"mpos_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", false},   /* 42 */
		{"mpos_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", false}, /* 44 */
		{"mpos_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", false},
		{"mpos_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+", false},
		{"MPOS_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", false},
		{"mpos_AAAAAAAAAAAAAAAAAAAAAA" "\xc3\xa9" "AAAAAAAAAAAAAAAAAAA", false},
		{"", false},
	};
	(void)state;
	for (size_t i = 0; i < N_ELEMS(rows); i++)
		assert_int_equal(app_api_token_well_formed(rows[i].token), rows[i].ok);
	assert_false(app_api_token_well_formed(NULL));
	char h[STORE_SHA256_HEX_MAX];
	app_api_token_hash("abc", h); /* FIPS 180-2 test vector */
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* A POST whose end is unknown (serve stopping, no answer in time) names its
 * transaction, exit 20, and says not to send it again: never "nothing moved". */
static void test_pending_body(void **state)
{
	static const struct {
		const char *txn;
		bool charge, stopping;
		const char *code, *hint_has, *msg_has;
	} rows[] = {
		{"T000001Y", true, false, "POS_E_TIMEOUT", "GET /api/v1/charges/T000001Y tells how it ended",
		 "T000001Y may still complete"},
		{"T00000AB", false, true, "POS_E_BUSY", "/api/v1/transactions?kind=b2c shows T00000AB",
		 "T00000AB goes on in the ledger"},
		{NULL, true, false, "POS_E_TIMEOUT", "before GET /api/v1/transactions shows whether",
		 "may have been taken"},
		{"", false, true, "POS_E_BUSY", "before GET /api/v1/transactions shows whether",
		 "may have been taken"},
	};
	(void)state;
	for (size_t i = 0; i < N_ELEMS(rows); i++) {
		char *text = app_api_pending_body(rows[i].txn, rows[i].charge, rows[i].stopping);
		assert_non_null(text);
		cJSON *o = cJSON_Parse(text);
		assert_non_null(o);
		assert_int_equal(cJSON_GetObjectItem(o, "exit")->valueint, 20);
		assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "ok")));
		cJSON *txn = cJSON_GetObjectItem(o, "txn");
		if (rows[i].txn && rows[i].txn[0])
			assert_string_equal(cJSON_GetStringValue(txn), rows[i].txn);
		else
			assert_true(cJSON_IsNull(txn));
		cJSON *e = cJSON_GetObjectItem(o, "error");
		assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(e, "code")), rows[i].code);
		const char *hint = cJSON_GetStringValue(cJSON_GetObjectItem(e, "hint"));
		assert_non_null(strstr(hint, "do not send it again"));
		assert_non_null(strstr(hint, rows[i].hint_has));
		assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(e, "message")),
		                       rows[i].msg_has));
		cJSON_Delete(o);
		free(text);
	}
}

static void test_idem_key(void **state)
{
	static const struct {
		const char *key;
		bool ok;
	} rows[] = {
		{"order-1001", true},
		{"k", true},
		{"550e8400-e29b-41d4-a716-446655440000", true},
		{"with space and ~!@#$%^&*()", true},
		{"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk", true},  /* 64 */
		{"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk", false}, /* 65 */
		{"", false},
		{"caf\xc3\xa9", false},
		{"tab\there", false},
		{"del\x7f", false},
	};
	(void)state;
	for (size_t i = 0; i < N_ELEMS(rows); i++)
		assert_int_equal(app_api_idem_key_valid(rows[i].key), rows[i].ok);
	assert_false(app_api_idem_key_valid(NULL));
}

static void noop(void *user, const struct routes_request *rq, struct routes_reply *rp)
{
	(void)user;
	(void)rq;
	(void)rp;
}

static void test_routes_match(void **state)
{
	static const struct routes_route exact = {"POST", "/api/v1/charges", false, noop};
	static const struct routes_route prefix = {"GET", "/api/v1/charges/", true, noop};
	static const struct routes_route any = {NULL, "/metrics", false, noop};
	static const struct {
		const struct routes_route *rt;
		const char *method, *path;
		int want;
		const char *tail;
	} rows[] = {
		{&exact, "POST", "/api/v1/charges", 1, ""},
		{&exact, "GET", "/api/v1/charges", -1, ""},
		{&exact, "POST", "/api/v1/charges/", 0, ""},
		{&exact, "POST", "/API/V1/CHARGES", 0, ""},   /* case matters */
		{&exact, "POST", "/api/v1/chargesX", 0, ""},
		{&prefix, "GET", "/api/v1/charges/T000001Y", 1, "T000001Y"},
		{&prefix, "GET", "/api/v1/charges/", 0, ""},   /* needs an id */
		{&prefix, "POST", "/api/v1/charges/T1", -1, "T1"},
		{&any, "DELETE", "/metrics", 1, ""},
		{&any, "GET", "/metrics/", 0, ""},
	};
	(void)state;
	for (size_t i = 0; i < N_ELEMS(rows); i++) {
		const char *tail = "unset";
		assert_int_equal(routes_match(rows[i].rt, rows[i].method, rows[i].path, &tail),
		                 rows[i].want);
		if (rows[i].want != 0)
			assert_string_equal(tail, rows[i].tail);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_status),
		cmocka_unit_test(test_cursor),
		cmocka_unit_test(test_json_depth),
		cmocka_unit_test(test_query_get),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_routes_match),
		cmocka_unit_test(test_pending_body),
		cmocka_unit_test(test_idem_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
