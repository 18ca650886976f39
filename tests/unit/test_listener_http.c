/* tests/unit/test_listener_http.c: the listener's routing and HTTP defences,
 * over real loopback HTTP, with a recording ingest function. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "listener/listener.h"
#include "support/http.h"

#define SECRET "0123456789abcdef0123456789abcdef"

struct record {
	pthread_mutex_t mu;
	int calls;
	struct listener_request last;
	char last_body[70000];
	const char *reply_body; /* what ingest answers with, or NULL */
};

static void ingest(void *user, const struct listener_request *rq,
                   struct listener_reply *reply)
{
	struct record *r = user;
	pthread_mutex_lock(&r->mu);
	r->calls++;
	r->last = *rq;
	memcpy(r->last_body, rq->body, rq->body_len < sizeof r->last_body ? rq->body_len : 0);
	r->last_body[rq->body_len < sizeof r->last_body ? rq->body_len : 0] = '\0';
	r->last.body = r->last_body;
	if (r->reply_body && !rq->rejected)
		str_copy(reply->body, sizeof reply->body, r->reply_body);
	pthread_mutex_unlock(&r->mu);
}

static struct listener *start(struct record *rec, const char *allow,
                              const char *proxies, unsigned rate)
{
	struct listener_opts o = {
		.bind = "127.0.0.1:0", .secret = SECRET, .allow = allow,
		.trusted_proxy = proxies, .max_body = 1024, .rate_per_minute = rate,
		.num_threads = 8, .ingest = ingest, .ingest_user = rec,
	};
	struct listener *l = NULL;
	struct pos_err err;
	memset(rec, 0, sizeof *rec);
	pthread_mutex_init(&rec->mu, NULL);
	assert_int_equal(listener_start(&o, &l, &err), POS_OK);
	assert_true(listener_port(l) > 0);
	return l;
}

static void url_for(char *out, size_t n, struct listener *l, const char *path)
{
	snprintf(out, n, "%s%s", listener_local_url(l), path);
}

static const char STK_BODY[] =
	"{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":\"1\",\"CheckoutRequestID\":\"ws_CO_1\","
	"\"ResultCode\":1032,\"ResultDesc\":\"Request cancelled by user\"}}}";

static void test_routes(void **state)
{
	(void)state;
	struct record rec;
	struct listener *l = start(&rec, NULL, NULL, 0);
	char url[256];
	struct http_resp r;

	url_for(url, sizeof url, l, "/healthz");
	assert_int_equal(http_do("GET", url, NULL, NULL, 0, NULL, &r), 200);
	assert_non_null(strstr(r.body, "ok"));
	http_resp_free(&r);
	assert_int_equal(rec.calls, 0);

	static const struct {
		const char *path;
		enum listener_route route;
		const char *ref;
	} ok_cases[] = {
		{"/" SECRET "/stk/T-000123", LISTENER_STK, "T-000123"},
		{"/" SECRET "/b2c/result/AB12", LISTENER_B2C_RESULT, "AB12"},
		{"/" SECRET "/b2c/timeout/AB12", LISTENER_B2C_TIMEOUT, "AB12"},
		{"/" SECRET "/status/result/x", LISTENER_STATUS_RESULT, "x"},
		{"/" SECRET "/status/timeout/x", LISTENER_STATUS_TIMEOUT, "x"},
		{"/" SECRET "/balance/result/x", LISTENER_BALANCE_RESULT, "x"},
		{"/" SECRET "/balance/timeout/x", LISTENER_BALANCE_TIMEOUT, "x"},
		{"/" SECRET "/reversal/result/x", LISTENER_REVERSAL_RESULT, "x"},
		{"/" SECRET "/reversal/timeout/x", LISTENER_REVERSAL_TIMEOUT, "x"},
		{"/" SECRET "/c2b/validation", LISTENER_C2B_VALIDATION, ""},
		{"/" SECRET "/c2b/confirmation", LISTENER_C2B_CONFIRMATION, ""},
	};
	for (size_t i = 0; i < sizeof ok_cases / sizeof ok_cases[0]; i++) {
		int before = rec.calls;
		url_for(url, sizeof url, l, ok_cases[i].path);
		assert_int_equal(http_post_json(url, STK_BODY, &r), 200);
		assert_string_equal(r.body, "{\"ResultCode\":0,\"ResultDesc\":\"Accepted\"}");
		http_resp_free(&r);
		assert_int_equal(rec.calls, before + 1);
		assert_false(rec.last.rejected);
		assert_int_equal(rec.last.route, ok_cases[i].route);
		assert_string_equal(rec.last.ref, ok_cases[i].ref);
		assert_string_equal(rec.last_body, STK_BODY);
		assert_string_equal(rec.last.source, "127.0.0.1");
	}

	/* The ingest function decides the answer body. */
	rec.reply_body = "{\"ResultCode\":\"C2B00012\",\"ResultDesc\":\"Rejected\"}";
	url_for(url, sizeof url, l, "/" SECRET "/c2b/validation");
	assert_int_equal(http_post_json(url, "{}", &r), 200);
	assert_string_equal(r.body, rec.reply_body);
	http_resp_free(&r);
	rec.reply_body = NULL;
	listener_stop(l);
}

static void test_rejections(void **state)
{
	(void)state;
	struct record rec;
	struct listener *l = start(&rec, NULL, NULL, 0);
	char url[256];
	static char big[2000];
	struct http_resp r;
	const struct {
		const char *method, *path, *ctype, *body;
		int status;
	} cases[] = {
		{"POST", "/" SECRET "/stk", "application/json", "{}", 404},          /* ref missing */
		{"POST", "/" SECRET "/stk/", "application/json", "{}", 404},
		{"POST", "/" SECRET "/stk/a/b", "application/json", "{}", 404},
		{"POST", "/" SECRET "/stk/a%2Fb", "application/json", "{}", 404},
		{"POST", "/" SECRET "/stk/a_b", "application/json", "{}", 404},
		{"POST", "/0123456789ABCDEF0123456789ABCDEF/stk/x", "application/json", "{}", 404},
		{"POST", "/ffffffffffffffffffffffffffffffff/stk/x", "application/json", "{}", 404},
		{"POST", "/" SECRET "/STK/x", "application/json", "{}", 404},
		{"POST", "/" SECRET "/c2b/validation/x", "application/json", "{}", 404},
		{"POST", "/", "application/json", "{}", 404},
		{"GET", "/" SECRET "/stk/x", NULL, NULL, 405},
		{"PUT", "/" SECRET "/stk/x", "application/json", "{}", 405},
		{"POST", "/" SECRET "/stk/x", "text/plain", "{}", 415},
		{"POST", "/" SECRET "/stk/x", NULL, "{}", 415},
		{"POST", "/" SECRET "/stk/x", "application/jsonx", "{}", 415},
		{"POST", "/" SECRET "/stk/x", "application/json", "", 400},
		{"POST", "/" SECRET "/stk/x", "application/json; charset=utf-8", big, 413},
	};
	memset(big, '[', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int before = rec.calls;
		url_for(url, sizeof url, l, cases[i].path);
		long st = http_do(cases[i].method, url, cases[i].ctype, cases[i].body,
		                  cases[i].body ? strlen(cases[i].body) : 0, NULL, &r);
		if (st != cases[i].status)
			fprintf(stderr, "case %zu: %s %s -> %ld\n", i, cases[i].method,
			        cases[i].path, st);
		assert_int_equal(st, cases[i].status);
		http_resp_free(&r);
		/* Every rejection is handed over for the archive, marked. */
		assert_int_equal(rec.calls, before + 1);
		assert_true(rec.last.rejected);
		assert_int_equal(rec.last.reject_status, cases[i].status);
		assert_true(strlen(rec.last.reject_reason) > 0);
	}
	/* An embedded NUL is refused. */
	url_for(url, sizeof url, l, "/" SECRET "/stk/x");
	assert_int_equal(http_do("POST", url, "application/json", "{\"a\0\":1}", 8, NULL, &r), 400);
	http_resp_free(&r);
	/* The listener is still up and keeps count. */
	assert_int_equal(http_post_json(url, "{}", &r), 200);
	http_resp_free(&r);
	struct listener_stats s;
	listener_get_stats(l, &s);
	assert_true(s.rejected >= 18);
	assert_true(s.accepted >= 1);
	listener_stop(l);
}

static void test_allow_list_and_proxy(void **state)
{
	(void)state;
	struct record rec;
	char url[256];
	struct http_resp r;

	struct listener *l = start(&rec, "196.201.214.200", NULL, 0);
	url_for(url, sizeof url, l, "/" SECRET "/stk/x");
	assert_int_equal(http_post_json(url, "{}", &r), 403);
	http_resp_free(&r);
	assert_true(rec.last.rejected);
	/* X-Forwarded-For is ignored from a peer that is not a trusted proxy. */
	assert_int_equal(http_do("POST", url, "application/json", "{}", 2,
	                         "X-Forwarded-For: 196.201.214.200", &r), 403);
	http_resp_free(&r);
	listener_stop(l);

	/* Behind a trusted proxy (loopback here), the right-most untrusted
	 * X-Forwarded-For address is the source. */
	l = start(&rec, "196.201.214.200", "127.0.0.0/8", 0);
	url_for(url, sizeof url, l, "/" SECRET "/stk/x");
	assert_int_equal(http_do("POST", url, "application/json", "{}", 2,
	                         "X-Forwarded-For: 10.9.9.9, 196.201.214.200", &r), 200);
	http_resp_free(&r);
	assert_string_equal(rec.last.source, "196.201.214.200");
	assert_int_equal(http_do("POST", url, "application/json", "{}", 2,
	                         "X-Forwarded-For: 196.201.214.200, 10.9.9.9", &r), 403);
	http_resp_free(&r);
	assert_string_equal(rec.last.source, "10.9.9.9");
	assert_int_equal(http_do("POST", url, "application/json", "{}", 2,
	                         "X-Forwarded-For: garbage", &r), 403);
	http_resp_free(&r);
	assert_string_equal(rec.last.source, "127.0.0.1");
	listener_stop(l);
}

static void test_rate_limit(void **state)
{
	(void)state;
	struct record rec;
	struct listener *l = start(&rec, NULL, NULL, 5);
	char url[256];
	struct http_resp r;
	url_for(url, sizeof url, l, "/" SECRET "/stk/x");
	int ok = 0, limited = 0;
	for (int i = 0; i < 10; i++) {
		long st = http_post_json(url, "{}", &r);
		http_resp_free(&r);
		ok += st == 200;
		limited += st == 429;
	}
	assert_int_equal(ok, 5);
	assert_int_equal(limited, 5);
	/* Rate-limited requests are counted, not handed over (a flood must not
	 * become disk writes). */
	assert_int_equal(rec.calls, 5);
	listener_stop(l);
}

static void test_start_errors_and_urls(void **state)
{
	(void)state;
	struct listener_opts o = {.bind = "127.0.0.1:0", .secret = "short"};
	struct listener *l = NULL;
	struct pos_err err;
	assert_int_equal(listener_start(&o, &l, &err), POS_E_CONFIG);
	o.secret = "0123456789ABCDEF0123456789ABCDEF"; /* upper case */
	assert_int_equal(listener_start(&o, &l, &err), POS_E_CONFIG);
	o.secret = SECRET;
	o.allow = "not-a-cidr";
	assert_int_equal(listener_start(&o, &l, &err), POS_E_CONFIG);
	assert_string_equal(err.field, "[listener] allow");
	o.allow = NULL;

	/* A port in use is a clear error. */
	struct record rec;
	struct listener *first = start(&rec, NULL, NULL, 0);
	char bind[64];
	snprintf(bind, sizeof bind, "127.0.0.1:%d", listener_port(first));
	o.bind = bind;
	assert_int_equal(listener_start(&o, &l, &err), POS_E_IO);
	assert_non_null(strstr(err.msg, bind));
	listener_stop(first);
	listener_stop(NULL);

	char url[256];
	assert_true(listener_url(url, sizeof url, "https://pos.example.com/", SECRET,
	                         LISTENER_STK, "T-1", false));
	assert_string_equal(url, "https://pos.example.com/" SECRET "/stk/T-1");
	assert_true(listener_url(url, sizeof url, "https://pos.example.com", SECRET,
	                         LISTENER_C2B_CONFIRMATION, NULL, true));
	assert_string_equal(url, "https://pos.example.com/<secret>/c2b/confirmation");
	assert_false(listener_url(url, 10, "https://pos.example.com", SECRET,
	                          LISTENER_STK, "T-1", false));
	assert_true(listener_ref_valid("T-20250314-1"));
	assert_false(listener_ref_valid(""));
	assert_false(listener_ref_valid("a/b"));
	assert_false(listener_ref_valid("caf\xc3\xa9"));
	assert_false(listener_ref_valid("0123456789012345678901234567890123456789"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_allow_list_and_proxy),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_start_errors_and_urls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
