/* tests/unit/test_daraja_client.c: daraja/ client pieces that need no
 * network — breaker transitions and the token cache on a fake clock, the
 * base URL rule, options, the Basic header, and the engine's local paths
 * (validation before anything starts, the before_send hook refusing, the
 * callback never running inside the start call). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/status.h"
#include "daraja/client.h"
#include "daraja/client_int.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- breaker ------------------------------------------------------------------------- */

struct transitions {
	enum daraja_breaker_state from[16], to[16];
	size_t n;
};

static void record(void *user, enum daraja_breaker_state from,
                   enum daraja_breaker_state to)
{
	struct transitions *t = user;
	assert_true(t->n < N_ELEMS(t->from));
	t->from[t->n] = from;
	t->to[t->n] = to;
	t->n++;
}

static void assert_transition(const struct transitions *t, size_t i,
                              enum daraja_breaker_state from,
                              enum daraja_breaker_state to)
{
	assert_true(i < t->n);
	assert_int_equal(t->from[i], from);
	assert_int_equal(t->to[i], to);
}

static void test_breaker_transitions(void **state)
{
	(void)state;
	struct daraja_breaker b;
	struct transitions t = {0};
	bool probe;
	int64_t now = 1000;
	daraja_breaker_init(&b, 3, 60000, record, &t);

	/* Closed: failures below the threshold, and a success resets them. */
	assert_true(daraja_breaker_allow(&b, now, &probe));
	assert_false(probe);
	daraja_breaker_record(&b, now, true, false);
	daraja_breaker_record(&b, now, true, false);
	daraja_breaker_record(&b, now, false, false);
	daraja_breaker_record(&b, now, true, false);
	daraja_breaker_record(&b, now, true, false);
	assert_int_equal(daraja_breaker_peek(&b, now), DARAJA_CIRCUIT_CLOSED);
	assert_int_equal(t.n, 0);

	/* The third consecutive failure opens it. */
	daraja_breaker_record(&b, now, true, false);
	assert_int_equal(daraja_breaker_peek(&b, now), DARAJA_CIRCUIT_OPEN);
	assert_transition(&t, 0, DARAJA_CIRCUIT_CLOSED, DARAJA_CIRCUIT_OPEN);
	assert_false(daraja_breaker_allow(&b, now, &probe));
	assert_int_equal(daraja_breaker_wait_ms(&b, now), 60000);
	assert_false(daraja_breaker_allow(&b, now + 59999, &probe));
	assert_int_equal(daraja_breaker_wait_ms(&b, now + 59999), 1);
	/* A straggler failing while open does not extend the pause. */
	daraja_breaker_record(&b, now + 30000, true, false);
	assert_int_equal(daraja_breaker_wait_ms(&b, now + 30000), 30000);

	/* After the pause: half-open, one probe and one only. */
	now += 60000;
	assert_true(daraja_breaker_allow(&b, now, &probe));
	assert_true(probe);
	assert_transition(&t, 1, DARAJA_CIRCUIT_OPEN, DARAJA_CIRCUIT_HALF_OPEN);
	assert_false(daraja_breaker_allow(&b, now, &probe));
	assert_false(daraja_breaker_allow(&b, now + 1000, &probe));
	assert_int_equal(daraja_breaker_peek(&b, now), DARAJA_CIRCUIT_HALF_OPEN);

	/* The probe fails: open again for a full pause. */
	daraja_breaker_record(&b, now + 10, true, true);
	assert_transition(&t, 2, DARAJA_CIRCUIT_HALF_OPEN, DARAJA_CIRCUIT_OPEN);
	assert_false(daraja_breaker_allow(&b, now + 10, &probe));
	assert_int_equal(daraja_breaker_wait_ms(&b, now + 10), 60000);

	/* Next probe: granted, cancelled (not sent), granted again, succeeds. */
	now += 10 + 60000;
	assert_true(daraja_breaker_allow(&b, now, &probe));
	assert_true(probe);
	daraja_breaker_cancel_probe(&b);
	assert_true(daraja_breaker_allow(&b, now, &probe));
	assert_true(probe);
	daraja_breaker_record(&b, now, false, true);
	assert_int_equal(daraja_breaker_peek(&b, now), DARAJA_CIRCUIT_CLOSED);
	assert_transition(&t, 3, DARAJA_CIRCUIT_OPEN, DARAJA_CIRCUIT_HALF_OPEN);
	assert_transition(&t, 4, DARAJA_CIRCUIT_HALF_OPEN, DARAJA_CIRCUIT_CLOSED);
	assert_int_equal(t.n, 5);
	assert_true(daraja_breaker_allow(&b, now, &probe));
	assert_false(probe);
	/* Closed again with a fresh count: it takes three failures to open. */
	daraja_breaker_record(&b, now, true, false);
	daraja_breaker_record(&b, now, true, false);
	assert_int_equal(daraja_breaker_peek(&b, now), DARAJA_CIRCUIT_CLOSED);

	/* A threshold of 0 is taken as 1; no hook is fine. */
	daraja_breaker_init(&b, 0, 5, NULL, NULL);
	daraja_breaker_record(&b, 0, true, false);
	assert_int_equal(daraja_breaker_peek(&b, 0), DARAJA_CIRCUIT_OPEN);
	assert_int_equal(daraja_breaker_peek(&b, 5), DARAJA_CIRCUIT_HALF_OPEN);

	assert_string_equal(daraja_breaker_state_name(DARAJA_CIRCUIT_OPEN), "open");
	assert_string_equal(daraja_breaker_state_name(DARAJA_CIRCUIT_HALF_OPEN), "half-open");
	assert_string_equal(daraja_breaker_state_name(DARAJA_CIRCUIT_CLOSED), "closed");
}

/* ---- token cache --------------------------------------------------------------------------- */

static void test_token_cache(void **state)
{
	(void)state;
	struct daraja_token_cache c = {0};
	struct pos_err e;
	int64_t now = 5000;

	assert_false(daraja_token_fresh(&c, now));
	/* A 3599 s token is replaced 60 s before it expires. */
	assert_int_equal(daraja_token_store(&c, "c9SQxWWhmdVRlyh0zh8gZDTkubVF", 3599, now, &e),
	                 POS_OK);
	assert_true(daraja_token_fresh(&c, now));
	assert_true(daraja_token_fresh(&c, now + 3539 * 1000 - 1));
	assert_false(daraja_token_fresh(&c, now + 3539 * 1000));
	/* Short lives: 90% of the life (later than 60 s early). */
	assert_int_equal(daraja_token_refresh_at(0, 30), 27000);
	assert_int_equal(daraja_token_refresh_at(0, 1), 900);
	assert_int_equal(daraja_token_refresh_at(0, 600), 540000);
	assert_int_equal(daraja_token_refresh_at(0, 601), 541000);
	assert_int_equal(daraja_token_refresh_at(7, 0), 7);
	assert_int_equal(daraja_token_refresh_at(7, -5), 7);
	assert_true(daraja_token_refresh_at(0, INT64_MAX) > 0);

	/* A refusal with an older token keeps the newer one. */
	assert_int_equal(daraja_token_store(&c, "newer-token-abcdef", 3599, now, &e), POS_OK);
	daraja_token_invalidate(&c, "c9SQxWWhmdVRlyh0zh8gZDTkubVF");
	assert_true(daraja_token_fresh(&c, now));
	daraja_token_invalidate(&c, "newer-token-abcdef");
	assert_false(daraja_token_fresh(&c, now));
	daraja_token_invalidate(&c, NULL); /* nothing cached: fine */

	/* Tokens we cannot send are refused. */
	static const char *const bad[] = {"", "with space", "tab\there", "nl\n", "\x7f\x01",
	                                  "caf\xc3\xa9"};
	for (size_t i = 0; i < N_ELEMS(bad); i++)
		assert_int_equal(daraja_token_store(&c, bad[i], 3599, now, &e), POS_E_INVALID);
	char huge[DARAJA_TOKEN_MAX + 10];
	memset(huge, 'T', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	assert_int_equal(daraja_token_store(&c, huge, 3599, now, &e), POS_E_TOO_LONG);
	assert_false(daraja_token_fresh(&c, now));
	/* The error never quotes the token. */
	assert_null(strstr(e.msg, "TTTT"));

	/* A stored token is masked in every log line from then on. */
	assert_int_equal(daraja_token_store(&c, "Zq8secretTokenValue", 60, now, &e), POS_OK);
	char out[128];
	log_mask("Bearer Zq8secretTokenValue here", out, sizeof out);
	assert_null(strstr(out, "Zq8secretTokenValue"));
}

static void test_basic_auth(void **state)
{
	(void)state;
	char out[256];
	struct pos_err e;
	assert_int_equal(daraja_basic_auth("k", "s", out, sizeof out, &e), POS_OK);
	assert_string_equal(out, "Basic azpz");
	assert_int_equal(daraja_basic_auth("key", "secret", out, sizeof out, &e), POS_OK);
	assert_string_equal(out, "Basic a2V5OnNlY3JldA==");
	assert_int_equal(daraja_basic_auth("a:b", "s", out, sizeof out, &e), POS_E_CONFIG);
	assert_string_equal(e.field, "[daraja] consumer_key");
	assert_int_equal(daraja_basic_auth("", "s", out, sizeof out, &e), POS_E_CONFIG);
	assert_int_equal(daraja_basic_auth("k", NULL, out, sizeof out, &e), POS_E_CONFIG);
	assert_string_equal(e.field, "[daraja] consumer_secret");
	char small[8];
	assert_int_equal(daraja_basic_auth("key", "secret", small, sizeof small, &e),
	                 POS_E_TOO_LONG);
	char big[700];
	memset(big, 's', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(daraja_basic_auth("k", big, out, sizeof out, &e), POS_E_TOO_LONG);
	assert_null(strstr(e.msg, "sss"));
}

/* ---- base URL --------------------------------------------------------------------------------- */

static void test_base_url(void **state)
{
	(void)state;
	const struct {
		const char *url, *env;
		bool ok;
	} cases[] = {
		{"https://sandbox.safaricom.co.ke", "sandbox", true},
		{"https://api.safaricom.co.ke", "production", true},
		{"https://api.safaricom.co.ke/", "production", true},
		{"http://sandbox.safaricom.co.ke", "sandbox", true},
		{"http://sandbox.safaricom.co.ke", NULL, true},
		{"http://api.safaricom.co.ke", "production", false},
		{"http://127.0.0.1:8080", "production", true},
		{"http://127.1.2.3/", "production", true},
		{"http://localhost:9", "production", true},
		{"http://[::1]:80", "production", true},
		{"http://127.0.0.1.example.org", "production", false},
		{"http://localhost.example.org", "production", false},
		{"http://1270.0.0.1", "production", false},
		{"http://127.0.0.256", "production", false},
		{"http://128.0.0.1", "production", false},
		{"http://[::2]", "production", false},
		{"http://user@127.0.0.1", "production", false},
		{"https://user:pw@api.safaricom.co.ke", "production", false},
		{"ftp://api.safaricom.co.ke", "sandbox", false},
		{"HTTPS://api.safaricom.co.ke", "sandbox", false},
		{"api.safaricom.co.ke", "sandbox", false},
		{"https://", "sandbox", false},
		{"https:///path", "sandbox", false},
		{"https://host name", "sandbox", false},
		{"https://h\xc3\xa9st", "sandbox", false},
		{"", "sandbox", false},
		{NULL, "sandbox", false},
		{"https://api.safaricom.co.ke", "staging", false},
		{"https://api.safaricom.co.ke", "Production", false},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct pos_err e;
		enum pos_status st = daraja_check_base_url(cases[i].url, cases[i].env, &e);
		if ((st == POS_OK) != cases[i].ok)
			fail_msg("row %zu (%s, %s): %s %s", i, cases[i].url ? cases[i].url : "NULL",
			         cases[i].env ? cases[i].env : "NULL", pos_status_name(st), e.msg);
		if (st != POS_OK)
			assert_true(strcmp(e.field, "[daraja] base_url") == 0 ||
			            strcmp(e.field, "[daraja] environment") == 0);
	}
	char huge[1024] = "https://";
	memset(huge + 8, 'a', sizeof huge - 9);
	huge[sizeof huge - 1] = '\0';
	assert_int_not_equal(daraja_check_base_url(huge, NULL, NULL), POS_OK);
}

/* ---- the engine, without network ------------------------------------------------------------ */

struct hooks {
	unsigned calls;
	enum daraja_api apis[8];
	bool refuse;
	int64_t now;
};

static enum pos_status before_send(void *user, enum daraja_api api, struct pos_err *err)
{
	struct hooks *h = user;
	if (h->calls < N_ELEMS(h->apis))
		h->apis[h->calls] = api;
	h->calls++;
	if (!h->refuse)
		return POS_OK;
	return pos_err_set(err, POS_E_THROTTLED, NULL,
	                   "this shop sent too many requests: wait 4 s");
}

static int64_t fake_now(void *user)
{
	return ((struct hooks *)user)->now;
}

struct done {
	unsigned calls;
	struct daraja_result res;
};

static void on_done(void *user, struct daraja_result *res)
{
	struct done *d = user;
	d->calls++;
	daraja_result_release(&d->res);
	daraja_result_move(&d->res, res);
}

static struct daraja_opts opts_for(struct hooks *h)
{
	return (struct daraja_opts){
		.base_url = "http://127.0.0.1:9",
		.consumer_key = "unit-key",
		.consumer_secret = "unit-consumer-secret",
		.business_shortcode = "174379",
		.passkey = "unit-passkey-0123456789",
		.initiator_name = "testapi",
		.initiator_password = "unit-initiator-pw",
		.cert_path = "/nonexistent/unit.cer",
		.before_send = before_send,
		.hook_user = h,
		.now_ms = fake_now,
		.seam_user = h,
	};
}

static void test_options(void **state)
{
	(void)state;
	struct hooks h = {0};
	struct pos_err e;
	struct daraja_opts o = opts_for(&h);
	struct daraja *d = daraja_new(&o, &e);
	assert_non_null(d);
	assert_int_equal(daraja_breaker_state(d), DARAJA_CIRCUIT_CLOSED);
	assert_int_equal(daraja_outstanding(d), 0);
	assert_int_equal(daraja_timeout_ms(d), -1);
	daraja_free(d);
	daraja_free(NULL);

	/* Every secret given is masked in logs from daraja_new() on. */
	const char *secrets[] = {o.consumer_secret, o.passkey, o.initiator_password};
	for (size_t i = 0; i < N_ELEMS(secrets); i++) {
		char out[128];
		log_mask(secrets[i], out, sizeof out);
		assert_null(strstr(out, secrets[i]));
	}

	struct daraja_opts x;
	x = o, x.base_url = NULL;
	assert_null(daraja_new(&x, &e));
	assert_string_equal(e.field, "[daraja] base_url");
	x = o, x.consumer_key = "";
	assert_null(daraja_new(&x, &e));
	assert_string_equal(e.field, "[daraja] consumer_key");
	x = o, x.consumer_secret = NULL;
	assert_null(daraja_new(&x, &e));
	assert_string_equal(e.field, "[daraja] consumer_secret");
	x = o, x.transaction_type = "CustomerPaybillOnline2";
	assert_null(daraja_new(&x, &e));
	assert_string_equal(e.field, "[daraja] transaction_type");
	x = o, x.c2b_version = "v3";
	assert_null(daraja_new(&x, &e));
	assert_string_equal(e.field, "[daraja] c2b_version");
	x = o, x.environment = "production", x.base_url = "http://api.safaricom.co.ke";
	assert_null(daraja_new(&x, &e));
	assert_string_equal(e.field, "[daraja] base_url");
	/* Aliases for the STK type work. */
	x = o, x.transaction_type = "till";
	d = daraja_new(&x, &e);
	assert_non_null(d);
	daraja_free(d);
}

static void test_validation_before_start(void **state)
{
	(void)state;
	struct hooks h = {0};
	struct pos_err e;
	struct daraja_opts o = opts_for(&h);
	struct daraja *d = daraja_new(&o, &e);
	assert_non_null(d);
	struct done done = {0};
	uint64_t id = 777;

	struct daraja_stk_push_req push = {.phone = "0712", .amount = 10, .account_ref = "A",
	                                   .description = "B",
	                                   .callback_url = "https://pos.example.org/cb"};
	assert_int_not_equal(daraja_stk_push(d, &push, on_done, &done, &id, &e), POS_OK);
	assert_string_equal(e.field, "phone");
	assert_int_equal(id, 777);
	assert_int_equal(daraja_outstanding(d), 0);

	/* An initiator API with an unreadable certificate names [daraja] cert. */
	struct daraja_b2c_req b2c = {
		.originator_conversation_id = "oc-1", .phone = "0712345678", .amount = 100,
		.remarks = "Refund", .result_url = "https://pos.example.org/r",
		.timeout_url = "https://pos.example.org/t",
	};
	assert_int_equal(daraja_b2c(d, &b2c, on_done, &done, &id, &e), POS_E_IO);
	assert_string_equal(e.field, "[daraja] cert");
	assert_non_null(strstr(e.msg, "/nonexistent/unit.cer"));
	/* ... but a bad request is reported before the certificate. */
	b2c.phone = "12";
	assert_int_not_equal(daraja_b2c(d, &b2c, on_done, &done, &id, &e), POS_OK);
	assert_string_equal(e.field, "phone");

	/* The blocking wrapper reports the same, with nothing sent. */
	struct daraja_result r;
	assert_int_equal(daraja_stk_push_wait(d, &push, &r), DARAJA_REFUSED);
	assert_int_equal(r.attempts, 0);
	assert_string_equal(r.err.field, "phone");
	daraja_result_release(&r);

	assert_int_equal(daraja_perform(d), 0);
	assert_int_equal(done.calls, 0);
	assert_int_equal(h.calls, 0);
	daraja_free(d);
}

/* The shared rate limit refuses: the request completes THROTTLED_LOCAL with
 * the hook's sentence, nothing sent, and the callback runs from perform, not
 * from inside the start call. The token fetch is asked about first. */
static void test_before_send_refuses(void **state)
{
	(void)state;
	struct hooks h = {.refuse = true, .now = 1000};
	struct pos_err e;
	struct daraja_opts o = opts_for(&h);
	struct daraja *d = daraja_new(&o, &e);
	assert_non_null(d);
	struct done done = {0};
	uint64_t id = 0;
	struct daraja_stk_push_req push = {.phone = "0712345678", .amount = 10,
	                                   .account_ref = "A", .description = "B",
	                                   .callback_url = "https://pos.example.org/cb"};
	assert_int_equal(daraja_stk_push(d, &push, on_done, &done, &id, &e), POS_OK);
	assert_true(id > 0);
	assert_int_equal(done.calls, 0);        /* not from inside the start */
	assert_int_equal(daraja_outstanding(d), 1);
	assert_int_equal(daraja_timeout_ms(d), 0); /* a completion is due */
	assert_int_equal(h.calls, 1);
	assert_int_equal(h.apis[0], DARAJA_API_OAUTH);

	assert_int_equal(daraja_perform(d), 0);
	assert_int_equal(done.calls, 1);
	assert_int_equal(done.res.id, id);
	assert_int_equal(done.res.api, DARAJA_API_STK_PUSH);
	assert_int_equal(done.res.cls, DARAJA_THROTTLED_LOCAL);
	assert_int_equal(done.res.attempts, 0);
	assert_int_equal(done.res.err.code, POS_E_THROTTLED);
	assert_non_null(strstr(done.res.err.msg, "wait 4 s"));
	assert_string_equal(done.res.code, "");
	daraja_result_release(&done.res);

	/* A query the same way, through the blocking wrapper. */
	struct daraja_stk_query_req q = {.checkout_request_id = "ws_CO_1"};
	struct daraja_result r;
	assert_int_equal(daraja_stk_query_wait(d, &q, &r), DARAJA_THROTTLED_LOCAL);
	assert_int_equal(r.api, DARAJA_API_STK_QUERY);
	assert_int_equal(r.attempts, 0);
	daraja_result_release(&r);
	daraja_free(d);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(daraja_class_name(DARAJA_OK), "ok");
	assert_string_equal(daraja_class_name(DARAJA_UNKNOWN), "unknown");
	assert_string_equal(daraja_class_name(DARAJA_THROTTLED_LOCAL), "throttled_local");
	assert_string_equal(daraja_class_name((enum daraja_class)99), "?");
	assert_string_equal(daraja_api_name(DARAJA_API_STK_PUSH), "stk_push");
	assert_string_equal(daraja_api_label(DARAJA_API_B2C), "Payout");
	assert_string_equal(daraja_api_name((enum daraja_api)99), "?");
	/* Releasing a zeroed or moved-from result is safe. */
	struct daraja_result a = {0}, b;
	a.api = DARAJA_API_QR;
	a.as.qr.qr_code = malloc(4);
	daraja_result_move(&b, &a);
	assert_null(a.as.qr.qr_code);
	daraja_result_release(&a);
	daraja_result_release(&b);
	assert_null(b.as.qr.qr_code);
	daraja_result_release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_breaker_transitions),
		cmocka_unit_test(test_token_cache),
		cmocka_unit_test(test_basic_auth),
		cmocka_unit_test(test_base_url),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_validation_before_start),
		cmocka_unit_test(test_before_send_refuses),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
