/* tests/unit/test_bus.c: bus/ without threads or sockets — the envelope built
 * from outbox rows (hostile payloads included), backend names and option
 * checks, the status JSON and sentence, and the generated events doc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "bus/bus_int.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const struct bus_opts opts = {
	.till_id = "till-9", .shortcode = "600984", .environment = "sandbox",
};

/* Build the event of (event, payload), parse it; the caller deletes it. */
static cJSON *build(const char *event, const char *payload, int64_t id, char *json_out,
                    size_t json_outsz)
{
	struct store_outbox_row row = {.id = id, .event = event, .txn_id = 1,
	                               .payload = payload, .created_at = INT64_C(1741936502123)};
	char *json = NULL, evid[BUS_ID_MAX];
	size_t len = 0;
	struct pos_err err;
	assert_int_equal(bus_event_json(&row, &opts, &json, &len, evid, &err), POS_OK);
	assert_non_null(json);
	assert_int_equal(strlen(json), len);
	assert_null(strchr(json, '\n')); /* one line, whatever the payload */
	if (json_out)
		str_copy(json_out, json_outsz, json);
	cJSON *o = cJSON_Parse(json);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "id")->valuestring, evid);
	free(json);
	return o;
}

static const char *s(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_envelope_of_a_store_payload(void **state)
{
	(void)state;
	/* What store/ writes for stk_push.success. */
	const char *payload =
		"{\"phone_number\":\"254712345678\",\"amount\":\"1500\",\"currency\":\"KES\","
		"\"account_reference\":\"T00001K\",\"merchant_request_id\":\"1-2-3\","
		"\"checkout_request_id\":\"ws_CO_1\",\"result_code\":\"0\","
		"\"result_description\":\"ok\",\"transaction_id\":\"TCE4XQ7B2M\","
		"\"txn_id\":\"T00001K\",\"receipt\":\"TCE4XQ7B2M\",\"operator\":\"7\","
		"\"state\":\"completed\",\"occurred_at\":\"2025-03-14T10:15:02+03:00\","
		"\"till_id\":\"till-1\",\"shortcode\":\"174379\"}";
	cJSON *o = build("mpesa.stk_push.success", payload, 123, NULL, 0);
	/* The envelope first, in order, then the kind's fields in catalogue order. */
	static const char *const order[] = {
		"id", "name", "occurred_at", "till_id", "shortcode", "schema_version",
		"phone_number", "amount", "currency", "account_reference", "merchant_request_id",
		"checkout_request_id", "result_code", "result_description", "transaction_id",
		"txn_id", "receipt", "operator", "state"};
	const cJSON *c = o->child;
	for (size_t i = 0; i < N_ELEMS(order); i++, c = c->next) {
		assert_non_null(c);
		assert_string_equal(c->string, order[i]);
	}
	assert_null(c);
	assert_string_equal(s(o, "id"), "till-1:000123:1741936502123");
	assert_string_equal(s(o, "name"), "mpesa.stk_push.success");
	assert_string_equal(s(o, "occurred_at"), "2025-03-14T10:15:02+03:00");
	assert_string_equal(s(o, "till_id"), "till-1"); /* the payload's, not the options' */
	assert_string_equal(s(o, "shortcode"), "174379");
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(o, "schema_version")->valueint, 1);
	const cJSON *amount = cJSON_GetObjectItemCaseSensitive(o, "amount");
	assert_true(cJSON_IsNumber(amount));
	assert_int_equal(amount->valueint, 1500);
	assert_string_equal(s(o, "result_code"), "0");
	cJSON_Delete(o);
}

/* Hostile and odd payloads: the event still goes out, well-formed. */
static const struct {
	const char *what, *event, *payload;
	const char *field, *want;   /* a string member's value; NULL: expect null */
} rows[] = {
	{"empty payload", "mpesa.stk_push.failed", "", "phone_number", NULL},
	{"NULL-ish payload", "mpesa.stk_push.failed", "null", "result_code", NULL},
	{"not JSON", "mpesa.stk_push.failed", "{\"phone_number\":", "phone_number", NULL},
	{"an array", "mpesa.stk_push.failed", "[1,2,3]", "state", NULL},
	{"deep nesting", "mpesa.stk_push.failed",
	 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]"
	 "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	 "state", NULL},
	{"result_code as a number", "mpesa.stk_push.failed", "{\"result_code\":1032}",
	 "result_code", "1032"},
	{"result_code as a big number", "mpesa.stk_push.failed",
	 "{\"result_code\":12345678901}", "result_code", "12345678901"},
	{"a boolean", "mpesa.stk_push.failed", "{\"state\":true}", "state", "true"},
	{"non-ASCII", "mpesa.c2b.confirmed", "{\"account_reference\":\"Mama Mboga \\u00e9\\u4e2d\"}",
	 "account_reference", "Mama Mboga \xc3\xa9\xe4\xb8\xad"},
	{"embedded NUL", "mpesa.c2b.confirmed", "{\"account_reference\":\"ab\\u0000cd\"}",
	 "account_reference", "ab"},
	{"an object where a string goes", "mpesa.c2b.confirmed",
	 "{\"account_reference\":{\"a\":1}}", "account_reference", "{\"a\":1}"},
	{"no till in the payload", "mpesa.operator.signed_in", "{\"operator\":\"3\"}", "till_id",
	 "till-9"},
	{"no shortcode in the payload", "mpesa.operator.signed_in", "{}", "shortcode", "600984"},
	{"environment from the options", "mpesa.auth.token_acquired", "{}", "environment",
	 "sandbox"},
	{"currency defaults with an amount", "mpesa.sale.cash_recorded", "{\"amount\":\"10\"}",
	 "currency", "KES"},
	{"an envelope member in the payload is not repeated", "mpesa.operator.signed_in",
	 "{\"id\":\"forged\",\"name\":\"forged\",\"schema_version\":\"9\"}", "name",
	 "mpesa.operator.signed_in"},
	{"occurred_at from the row when absent", "mpesa.operator.signed_in", "{}", "occurred_at",
	 "2025-03-14T10:15:02+03:00"},
	{"an event outside the catalogue keeps its fields", "pos.custom.thing",
	 "{\"colour\":\"blue\"}", "colour", "blue"},
};

static void test_envelope_hostile_payloads(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(rows); i++) {
		cJSON *o = build(rows[i].event, rows[i].payload, 7, NULL, 0);
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, rows[i].field);
		if (!v)
			fail_msg("%s: no member %s", rows[i].what, rows[i].field);
		if (rows[i].want) {
			if (!cJSON_IsString(v) || strcmp(v->valuestring, rows[i].want) != 0)
				fail_msg("%s: %s is not \"%s\"", rows[i].what, rows[i].field, rows[i].want);
		} else if (!cJSON_IsNull(v)) {
			fail_msg("%s: %s should be null", rows[i].what, rows[i].field);
		}
		/* The envelope is always complete, and never taken from the payload. */
		assert_string_equal(s(o, "name"), rows[i].event);
		assert_true(str_starts_with(s(o, "id"), "till-"));
		assert_int_equal(cJSON_GetObjectItemCaseSensitive(o, "schema_version")->valueint, 1);
		int names = 0;
		for (const cJSON *c = o->child; c; c = c->next)
			names += strcmp(c->string, "name") == 0;
		assert_int_equal(names, 1);
		cJSON_Delete(o);
	}
}

static void test_envelope_huge_payload(void **state)
{
	(void)state;
	size_t n = STORE_DETAIL_MAX - 64;
	char *payload = malloc(n + 64);
	assert_non_null(payload);
	memcpy(payload, "{\"message\":\"", 12);
	memset(payload + 12, 'x', n - 12);
	memcpy(payload + n, "\"}", 3);
	cJSON *o = build("mpesa.error.occurred", payload, 1, NULL, 0);
	assert_int_equal(strlen(s(o, "message")), n - 12);
	cJSON_Delete(o);
	free(payload);
}

static const struct {
	const char *in;     /* the payload's amount member, as JSON */
	const char *wire;   /* how it appears on the wire */
} amounts[] = {
	{"\"1500\"", "1500"},       {"\"1500.00\"", "1500"},      {"1500", "1500"},
	{"\"1500.50\"", "1500.50"}, {"\"0\"", "0"},               {"\"-4510\"", "-4510"},
	{"\"1000000000000\"", "1000000000000"},
	{"\"abc\"", "\"abc\""},     {"\"1,500\"", "\"1,500\""},   {"\"1500.005\"", "\"1500.005\""},
	{"1500.5", "\"1500.5\""},  {"1e400", "\"inf\""}, {"null", "null"},
	{"\"\"", "\"\""},
};

static void test_envelope_amounts(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(amounts); i++) {
		char payload[128], json[1024], want[128];
		str_fmt(payload, sizeof payload, "{\"amount\":%s}", amounts[i].in);
		cJSON_Delete(build("mpesa.sale.cash_recorded", payload, 1, json, sizeof json));
		str_fmt(want, sizeof want, "\"amount\":%s,", amounts[i].wire);
		if (!strstr(json, want))
			fail_msg("amount %s: want %s in %s", amounts[i].in, want, json);
	}
}

static void test_envelope_id_is_stable_and_unique(void **state)
{
	(void)state;
	const char *p = "{\"till_id\":\"till-1\",\"state\":\"completed\"}";
	char a[512], b[512], c[512];
	cJSON_Delete(build("mpesa.stk_push.success", p, 5, a, sizeof a));
	cJSON_Delete(build("mpesa.stk_push.success", p, 5, b, sizeof b));
	assert_string_equal(a, b); /* redelivery: the same bytes, the same id */
	cJSON_Delete(build("mpesa.stk_push.success", p, 6, c, sizeof c));
	assert_string_not_equal(a, c);
	cJSON *o = build("mpesa.stk_push.success", p, 1234567, NULL, 0);
	assert_string_equal(s(o, "id"), "till-1:1234567:1741936502123");
	cJSON_Delete(o);
	/* A till id too long for the id is cut, never overflowing. */
	char longp[300];
	str_fmt(longp, sizeof longp, "{\"till_id\":\"%0200d\"}", 7);
	o = build("mpesa.operator.signed_in", longp, 1, NULL, 0);
	assert_true(strlen(s(o, "id")) < BUS_ID_MAX);
	cJSON_Delete(o);
}

static void test_envelope_masks_secrets(void **state)
{
	(void)state;
	log_secret_add("Sup3rS3cretPasskey");
	log_secret_add("tok_abcdef123456");
	char json[2048];
	cJSON_Delete(build("mpesa.stk_push.failed",
	                   "{\"result_description\":\"bad Sup3rS3cretPasskey\","
	                   "\"message\":\"x\",\"extra\":{\"k\":[\"tok_abcdef123456\"]}}",
	                   1, json, sizeof json));
	assert_null(strstr(json, "Sup3rS3cretPasskey"));
	assert_null(strstr(json, "tok_abcdef123456"));
	assert_non_null(strstr(json, "[secret]"));
	log_secrets_clear();
}

static void test_backend_names(void **state)
{
	(void)state;
	static const struct {
		const char *list;
		size_t n;
		const char *first, *second;
		enum pos_status rc;
	} cases[] = {
		{"jsonl", 1, "jsonl", NULL, POS_OK},
		{"jsonl,webhook", 2, "jsonl", "webhook", POS_OK},
		{" jsonl ,\twebhook ", 2, "jsonl", "webhook", POS_OK},
		{"none", 0, NULL, NULL, POS_OK},
		{"", 0, NULL, NULL, POS_OK},
		{",,,", 0, NULL, NULL, POS_OK},
		{"jsonl,jsonl", 1, "jsonl", NULL, POS_OK},
		{"none,redis", 1, "redis", NULL, POS_OK},
		{"a,b,c,d,e,f,g,h", 8, "a", "b", POS_OK},
		{"a,b,c,d,e,f,g,h,i", 0, NULL, NULL, POS_E_CONFIG},
		{"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 0, NULL, NULL,
		 POS_E_CONFIG},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char names[BUS_BACKENDS_MAX][BUS_NAME_MAX];
		size_t n = 99;
		struct pos_err err;
		enum pos_status rc = bus_backend_names(cases[i].list, names, BUS_BACKENDS_MAX, &n, &err);
		assert_int_equal(rc, cases[i].rc);
		if (rc != POS_OK) {
			assert_string_equal(err.field, "[bus] backends");
			continue;
		}
		assert_int_equal(n, cases[i].n);
		if (cases[i].first)
			assert_string_equal(names[0], cases[i].first);
		if (cases[i].second)
			assert_string_equal(names[1], cases[i].second);
	}
	assert_ptr_equal(bus_backend_find("jsonl"), &bus_jsonl_ops);
	assert_ptr_equal(bus_backend_find("plugin"), &bus_plugin_ops);
	assert_null(bus_backend_find("JSONL"));
	assert_null(bus_backend_find(NULL));
}

static void test_opts_check(void **state)
{
	(void)state;
	static const struct {
		const char *backends, *url, *secret, *plugin;
		enum pos_status rc;
		const char *field;
	} cases[] = {
		{"jsonl", "", "", "", POS_OK, ""},
		{"none", "", "", "", POS_OK, ""},
		{"webhook", "", "k", "", POS_E_CONFIG, "[bus] webhook_url"},
		{"webhook", "http://127.0.0.1:9/x", "", "", POS_E_CONFIG, "[bus] webhook_secret"},
		{"webhook", "http://127.0.0.1:9/x", "k", "", POS_OK, ""},
		{"jsonl,plugin", "", "", "", POS_E_CONFIG, "[bus] plugin_path"},
		{"kafka", "", "", "", POS_E_CONFIG, "[bus] backends"},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct bus_opts o = {.backends = cases[i].backends, .jsonl_path = "e.jsonl",
		                     .webhook_url = cases[i].url, .webhook_secret = cases[i].secret,
		                     .plugin_path = cases[i].plugin, .redis_address = "127.0.0.1:1",
		                     .redis_stream = "s"};
		struct pos_err err;
		pos_err_clear(&err);
		assert_int_equal(bus_opts_check(&o, &err), cases[i].rc);
		assert_string_equal(err.field, cases[i].field);
		if (cases[i].rc != POS_OK)
			assert_true(err.hint[0] != '\0'); /* says what to do */
	}
}

static void test_status_json_and_sentence(void **state)
{
	(void)state;
	char sentence[1024];
	struct bus_status st = {.at = INT64_C(1741936502123), .n = 2};
	str_copy(st.backend[0].name, BUS_NAME_MAX, "jsonl");
	str_copy(st.backend[1].name, BUS_NAME_MAX, "webhook");
	bus_status_sentence(&st, sentence, sizeof sentence);
	assert_string_equal(sentence, "every event is delivered (jsonl, webhook)");

	st.backend[1].pending = 12;
	st.backend[1].oldest_at = st.at - 5 * 60 * 1000;
	st.backend[1].failing = true;
	st.backend[1].failures = 4;
	str_copy(st.backend[1].last_error, POS_ERR_MSG_MAX, "[bus] webhook_url: refused");
	st.pending = 12;
	st.oldest_at = st.backend[1].oldest_at;
	bus_status_sentence(&st, sentence, sizeof sentence);
	assert_string_equal(sentence,
	                    "webhook: 12 events wait, the oldest for 5 min; last error: [bus] "
	                    "webhook_url: refused; nothing is delivering them now: start serve, "
	                    "or run mpesa-pos bus deliver");
	char *json = bus_status_json(&st);
	assert_non_null(json);
	cJSON *o = cJSON_Parse(json);
	assert_non_null(o);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(o, "pending")->valueint, 12);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(o, "oldest_age_s")->valueint, 300);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o, "dispatcher_running")));
	const cJSON *b = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "backends"), 1);
	assert_string_equal(s(b, "name"), "webhook");
	assert_string_equal(s(b, "last_error"), "[bus] webhook_url: refused");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "failing")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "backends"), 0),
		"oldest_pending_at")));
	cJSON_Delete(o);
	free(json);

	struct bus_status none = {.n = 0};
	bus_status_sentence(&none, sentence, sizeof sentence);
	assert_true(str_starts_with(sentence, "no backend"));
	/* A tiny buffer: truncated, terminated. */
	char tiny[8];
	bus_status_sentence(&st, tiny, sizeof tiny);
	assert_int_equal(strlen(tiny), 7);
}

static void test_events_doc(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	bus_write_events_doc(f);
	fclose(f);
	/* Every event of the catalogue: a heading, a sentence, its fields, and an
	 * example that is exactly what bus_event_json builds (it parses, names
	 * the event, has every field of its kind). */
	for (int e = 0; e < EVENT_TYPE_COUNT; e++) {
		char heading[128];
		str_fmt(heading, sizeof heading, "\n### %s\n\n", event_name((enum event_type)e));
		const char *h = strstr(text, heading);
		if (!h)
			fail_msg("docs/events.md lacks %s", heading);
		h += strlen(heading);
		assert_true(h[0] != '\n' && h[0] != 'F'); /* a sentence before "Fields:" */
		const char *start = strstr(h, "```json\n");
		assert_non_null(start);
		start += 8;
		const char *stop = strstr(start, "```");
		assert_non_null(stop);
		char *json = strndup(start, (size_t)(stop - start));
		cJSON *o = cJSON_Parse(json);
		if (!o)
			fail_msg("the example of %s is not JSON", event_name((enum event_type)e));
		assert_string_equal(s(o, "name"), event_name((enum event_type)e));
		for (size_t i = 0; i < event_field_count((enum event_type)e); i++) {
			enum event_field fld;
			assert_true(event_field_at((enum event_type)e, i, &fld));
			assert_non_null(cJSON_GetObjectItemCaseSensitive(o, event_field_name(fld)));
		}
		cJSON_Delete(o);
		free(json);
	}
	for (int fld = 0; fld < EVENT_FIELD_COUNT; fld++) {
		char row[64];
		str_fmt(row, sizeof row, "\n| `%s` | ", event_field_name((enum event_field)fld));
		assert_non_null(strstr(text, row));
		assert_null(strstr(text, " |  |")); /* no field without its meaning */
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope_of_a_store_payload),
		cmocka_unit_test(test_envelope_hostile_payloads),
		cmocka_unit_test(test_envelope_huge_payload),
		cmocka_unit_test(test_envelope_amounts),
		cmocka_unit_test(test_envelope_id_is_stable_and_unique),
		cmocka_unit_test(test_envelope_masks_secrets),
		cmocka_unit_test(test_backend_names),
		cmocka_unit_test(test_opts_check),
		cmocka_unit_test(test_status_json_and_sentence),
		cmocka_unit_test(test_events_doc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
