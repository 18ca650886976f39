/* tests/unit/test_daraja_client_retry.c: daraja/retry.c — the failure
 * classification table (every error code, HTTP status and transport error
 * from daraja-api.md, for money-moving and safe requests), the invariant that
 * a money-moving request is never resent unless it provably was not acted
 * on, the sentences, and backoff with full jitter through a fixed random
 * source. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "base/status.h"
#include "daraja/client_int.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

#define RETRY DARAJA_RETRYABLE
#define PUSH DARAJA_API_STK_PUSH
#define QUERY DARAJA_API_STK_QUERY
#define B2C DARAJA_API_B2C
#define REV DARAJA_API_REVERSAL
#define SIM DARAJA_API_C2B_SIMULATE
#define OAUTH DARAJA_API_OAUTH
#define STATUS DARAJA_API_TXN_STATUS
#define BAL DARAJA_API_BALANCE
#define REG DARAJA_API_C2B_REGISTER
#define QR DARAJA_API_QR
#define PULL DARAJA_API_PULL_QUERY
#define PULLREG DARAJA_API_PULL_REGISTER

struct row {
	const char *what;
	struct daraja_attempt a;
	enum daraja_class outcome;
	enum daraja_class final;
	bool refresh;
	bool breaker;
	enum pos_status status;
};

#define CURL_ERR(A, C, N) {.api = A, .curl_code = C, .nothing_sent = N}
#define ENVELOPE(A, H, C, M) {.api = A, .http_status = H, .error_code = C, .error_message = M}
#define ANSWER(A, RC) {.api = A, .http_status = 200, .answer_parsed = true, .response_code = RC}
#define STATUS_ONLY(A, H) {.api = A, .http_status = H}

static const struct row rows[] = {
	/* ---- transport: provably before processing -> resend, any API */
	{"push: connection refused", CURL_ERR(PUSH, CURLE_COULDNT_CONNECT, true), RETRY, DARAJA_UNREACHABLE, false, true, POS_E_NET},
	{"push: DNS", CURL_ERR(PUSH, CURLE_COULDNT_RESOLVE_HOST, true), RETRY, DARAJA_UNREACHABLE, false, true, POS_E_NET},
	{"b2c: proxy DNS", CURL_ERR(B2C, CURLE_COULDNT_RESOLVE_PROXY, true), RETRY, DARAJA_UNREACHABLE, false, true, POS_E_NET},
	{"reversal: TLS handshake", CURL_ERR(REV, CURLE_SSL_CONNECT_ERROR, true), RETRY, DARAJA_UNREACHABLE, false, true, POS_E_NET},
	{"push: connect timeout (nothing sent)", CURL_ERR(PUSH, CURLE_OPERATION_TIMEDOUT, true), RETRY, DARAJA_UNREACHABLE, false, true, POS_E_TIMEOUT},
	{"query: connection refused", CURL_ERR(QUERY, CURLE_COULDNT_CONNECT, true), RETRY, DARAJA_UNREACHABLE, false, true, POS_E_NET},
	{"oauth: connection refused", CURL_ERR(OAUTH, CURLE_COULDNT_CONNECT, true), RETRY, DARAJA_UNREACHABLE, false, true, POS_E_NET},
	/* ---- transport: after the body went out */
	{"push: timeout after send", CURL_ERR(PUSH, CURLE_OPERATION_TIMEDOUT, false), DARAJA_UNKNOWN, DARAJA_UNKNOWN, false, true, POS_E_TIMEOUT},
	{"b2c: reset", CURL_ERR(B2C, CURLE_RECV_ERROR, false), DARAJA_UNKNOWN, DARAJA_UNKNOWN, false, true, POS_E_UNKNOWN},
	{"reversal: empty reply", CURL_ERR(REV, CURLE_GOT_NOTHING, false), DARAJA_UNKNOWN, DARAJA_UNKNOWN, false, true, POS_E_UNKNOWN},
	{"c2b simulate: send error", CURL_ERR(SIM, CURLE_SEND_ERROR, false), DARAJA_UNKNOWN, DARAJA_UNKNOWN, false, true, POS_E_UNKNOWN},
	{"push: partial", CURL_ERR(PUSH, CURLE_PARTIAL_FILE, false), DARAJA_UNKNOWN, DARAJA_UNKNOWN, false, true, POS_E_UNKNOWN},
	{"query: timeout after send", CURL_ERR(QUERY, CURLE_OPERATION_TIMEDOUT, false), RETRY, DARAJA_UNKNOWN, false, true, POS_E_TIMEOUT},
	{"status: reset", CURL_ERR(STATUS, CURLE_RECV_ERROR, false), RETRY, DARAJA_UNKNOWN, false, true, POS_E_UNKNOWN},
	{"oauth: empty reply", CURL_ERR(OAUTH, CURLE_GOT_NOTHING, false), RETRY, DARAJA_UNKNOWN, false, true, POS_E_UNKNOWN},
	/* ---- transport: our configuration; no resend fixes it */
	{"push: certificate not trusted", CURL_ERR(PUSH, CURLE_PEER_FAILED_VERIFICATION, false), DARAJA_UNREACHABLE, DARAJA_UNREACHABLE, false, false, POS_E_NET},
	{"query: CA file missing", CURL_ERR(QUERY, CURLE_SSL_CACERT_BADFILE, true), DARAJA_UNREACHABLE, DARAJA_UNREACHABLE, false, false, POS_E_NET},
	{"b2c: bad URL", CURL_ERR(B2C, CURLE_URL_MALFORMAT, true), DARAJA_UNREACHABLE, DARAJA_UNREACHABLE, false, false, POS_E_NET},
	/* ---- invalid token: refresh once, resend (refused before it acted) */
	{"push: 404.001.03", ENVELOPE(PUSH, 404, "404.001.03", "Invalid Access Token"), RETRY, DARAJA_REFUSED, true, false, POS_E_DARAJA},
	{"b2c: 401.002.01", ENVELOPE(B2C, 401, "401.002.01", "Error Occurred - Invalid Access Token - [token hidden]"), RETRY, DARAJA_REFUSED, true, false, POS_E_DARAJA},
	{"reversal: 404.001.03", ENVELOPE(REV, 404, "404.001.03", "Invalid Access Token"), RETRY, DARAJA_REFUSED, true, false, POS_E_DARAJA},
	{"query: 400.003.01", ENVELOPE(QUERY, 400, "400.003.01", "Invalid Access Token"), RETRY, DARAJA_REFUSED, true, false, POS_E_DARAJA},
	/* ---- throttling: refused before processing */
	{"push: spike arrest", ENVELOPE(PUSH, 500, "500.003.02", "Error Occurred: Spike Arrest Violation"), RETRY, DARAJA_REFUSED, false, false, POS_E_THROTTLED},
	{"b2c: quota", ENVELOPE(B2C, 500, "500.003.03", "Quota Violation"), RETRY, DARAJA_REFUSED, false, false, POS_E_THROTTLED},
	{"query: spike arrest", ENVELOPE(QUERY, 500, "500.003.02", "System is busy"), RETRY, DARAJA_REFUSED, false, false, POS_E_THROTTLED},
	{"push: HTTP 429, no code", STATUS_ONLY(PUSH, 429), RETRY, DARAJA_REFUSED, false, false, POS_E_THROTTLED},
	/* ---- definite refusals */
	{"push: lock subscriber", ENVELOPE(PUSH, 500, "500.001.1001", "Unable to lock subscriber, a transaction is already in process for the current subscriber"), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_DARAJA},
	{"push: wrong credentials", ENVELOPE(PUSH, 500, "500.001.1001", "Wrong credentials"), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_DARAJA},
	{"push: merchant does not exist", ENVELOPE(PUSH, 500, "500.001.1001", "Merchant does not exist"), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_DARAJA},
	{"push: 'being processed' is not pending on a push", ENVELOPE(PUSH, 500, "500.001.1001", "The transaction is being processed"), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_DARAJA},
	{"push: invalid PhoneNumber", ENVELOPE(PUSH, 400, "400.002.02", "Bad Request - Invalid PhoneNumber"), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_DARAJA},
	{"b2c: invalid InitiatorName", ENVELOPE(B2C, 400, "400.002.02", "Bad Request - Invalid InitiatorName"), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_DARAJA},
	{"push: bad payload", ENVELOPE(PUSH, 400, "400.002.05", "Invalid Request Payload"), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_DARAJA},
	{"register: forbidden word", ENVELOPE(REG, 400, "400.003.02", "Bad Request"), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_DARAJA},
	{"register: not subscribed", ENVELOPE(REG, 401, "401.003.01", "Error Occurred - Invalid Access Token - Invalid API call as no apiproduct match found"), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_DARAJA},
	{"b2c: resource not found", ENVELOPE(B2C, 404, "404.001.01", "Resource not found"), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_DARAJA},
	{"push: bad auth header", ENVELOPE(PUSH, 404, "404.001.04", "Invalid Authentication Header"), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_DARAJA},
	{"b2c: method", ENVELOPE(B2C, 405, "405.001", "GET Method Not Allowed"), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_DARAJA},
	{"oauth: auth type", ENVELOPE(OAUTH, 400, "400.008.01", "Invalid Authentication passed"), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_DARAJA},
	{"oauth: grant type", ENVELOPE(OAUTH, 400, "400.008.02", "Invalid grant type passed"), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_DARAJA},
	{"oauth: wrong key (400, no body)", STATUS_ONLY(OAUTH, 400), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_CONFIG},
	{"b2c: duplicate originator id", ENVELOPE(B2C, 500, "500.002.1001", "Duplicate OriginatorConversationID"), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_DUPLICATE},
	{"register: already registered", ENVELOPE(REG, 500, "500.003.1001", "Urls are already registered"), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_DUPLICATE},
	{"push: unknown 4xx code", ENVELOPE(PUSH, 400, "400.999.99", "Something new"), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_DARAJA},
	{"push: HTTP 401, no code", STATUS_ONLY(PUSH, 401), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_DARAJA},
	{"push: ResponseCode 1 on a 200", ANSWER(PUSH, "1"), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_DARAJA},
	{"pull: ResponseCode 1002", ANSWER(PULL, "1002"), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_DARAJA},
	/* ---- STK query still processing */
	{"query: being processed", ENVELOPE(QUERY, 500, "500.001.1001", "The transaction is being processed"), DARAJA_PENDING, DARAJA_PENDING, false, false, POS_E_UNKNOWN},
	{"query: lock subscriber is a refusal", ENVELOPE(QUERY, 500, "500.001.1001", "Unable to lock subscriber"), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_DARAJA},
	/* ---- may have been processed: money -> UNKNOWN, safe -> resend */
	{"push: internal server error", ENVELOPE(PUSH, 500, "500.003.1001", "Internal Server Error"), DARAJA_UNKNOWN, DARAJA_UNKNOWN, false, true, POS_E_UNKNOWN},
	{"b2c: internal server error", ENVELOPE(B2C, 500, "500.003.1001", "Internal Server Error"), DARAJA_UNKNOWN, DARAJA_UNKNOWN, false, true, POS_E_UNKNOWN},
	{"query: internal server error", ENVELOPE(QUERY, 500, "500.003.1001", "Internal Server Error"), RETRY, DARAJA_UNKNOWN, false, true, POS_E_UNKNOWN},
	{"push: unknown 5xx code", ENVELOPE(PUSH, 500, "500.009.99", "Something new"), DARAJA_UNKNOWN, DARAJA_UNKNOWN, false, true, POS_E_UNKNOWN},
	{"balance: unknown 5xx code", ENVELOPE(BAL, 500, "500.009.99", "Something new"), RETRY, DARAJA_UNKNOWN, false, true, POS_E_UNKNOWN},
	{"push: HTTP 500, no body", STATUS_ONLY(PUSH, 500), DARAJA_UNKNOWN, DARAJA_UNKNOWN, false, true, POS_E_UNKNOWN},
	{"reversal: HTTP 503 from a proxy", STATUS_ONLY(REV, 503), DARAJA_UNKNOWN, DARAJA_UNKNOWN, false, true, POS_E_UNKNOWN},
	{"status: HTTP 502", STATUS_ONLY(STATUS, 502), RETRY, DARAJA_UNKNOWN, false, true, POS_E_UNKNOWN},
	{"push: HTTP 302", STATUS_ONLY(PUSH, 302), DARAJA_UNKNOWN, DARAJA_UNKNOWN, false, true, POS_E_UNKNOWN},
	{"push: unreadable 200", STATUS_ONLY(PUSH, 200), DARAJA_UNKNOWN, DARAJA_UNKNOWN, false, true, POS_E_PARSE},
	{"b2c: unreadable 200", STATUS_ONLY(B2C, 200), DARAJA_UNKNOWN, DARAJA_UNKNOWN, false, true, POS_E_PARSE},
	{"qr: unreadable 200", STATUS_ONLY(QR, 200), RETRY, DARAJA_UNKNOWN, false, true, POS_E_PARSE},
	{"oauth: unreadable 200", STATUS_ONLY(OAUTH, 200), RETRY, DARAJA_UNKNOWN, false, true, POS_E_PARSE},
	{"push: answer too large", {.api = PUSH, .http_status = 200, .too_large = true}, DARAJA_UNKNOWN, DARAJA_UNKNOWN, false, false, POS_E_TOO_LONG},
	{"pull: answer too large", {.api = PULL, .http_status = 200, .too_large = true}, DARAJA_UNKNOWN, DARAJA_UNKNOWN, false, false, POS_E_TOO_LONG},
	/* ---- accepted */
	{"push: accepted", ANSWER(PUSH, "0"), DARAJA_OK, DARAJA_OK, false, false, POS_OK},
	{"query: final state", ANSWER(QUERY, "0"), DARAJA_OK, DARAJA_OK, false, false, POS_OK},
	{"b2c: accepted", ANSWER(B2C, "0"), DARAJA_OK, DARAJA_OK, false, false, POS_OK},
	{"qr: 00", ANSWER(QR, "00"), DARAJA_OK, DARAJA_OK, false, false, POS_OK},
	{"qr: 0", ANSWER(QR, "0"), DARAJA_OK, DARAJA_OK, false, false, POS_OK},
	{"pull: 1000", ANSWER(PULL, "1000"), DARAJA_OK, DARAJA_OK, false, false, POS_OK},
	{"pull: 1001 (no records)", ANSWER(PULL, "1001"), DARAJA_OK, DARAJA_OK, false, false, POS_OK},
	{"pull register: 1000", ANSWER(PULLREG, "1000"), DARAJA_OK, DARAJA_OK, false, false, POS_OK},
	{"pull register: 1001 (already registered)", ANSWER(PULLREG, "1001"), DARAJA_REFUSED, DARAJA_REFUSED, false, false, POS_E_DARAJA},
	{"oauth: token", {.api = OAUTH, .http_status = 200, .answer_parsed = true}, DARAJA_OK, DARAJA_OK, false, false, POS_OK},
};

static void test_classification_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(rows); i++) {
		const struct row *r = &rows[i];
		struct daraja_verdict v;
		daraja_classify(&r->a, &v);
		if (v.outcome != r->outcome || v.final != r->final ||
		    v.refresh_token != r->refresh || v.breaker_failure != r->breaker ||
		    v.status != r->status)
			fail_msg("%s: got %s/%s refresh=%d breaker=%d %s; want %s/%s "
			         "refresh=%d breaker=%d %s", r->what,
			         daraja_class_name(v.outcome), daraja_class_name(v.final),
			         v.refresh_token, v.breaker_failure, pos_status_name(v.status),
			         daraja_class_name(r->outcome), daraja_class_name(r->final),
			         r->refresh, r->breaker, pos_status_name(r->status));
	}
}

/* The rule that matters, checked over a grid of everything that can come
 * back: a money-moving request is resent only when it provably was not acted
 * on (nothing sent, connection/DNS/TLS failure, throttling, invalid token). */
static void test_money_never_resent_blindly(void **state)
{
	(void)state;
	static const enum daraja_api money[] = {PUSH, B2C, REV, SIM};
	static const int curls[] = {0, CURLE_OPERATION_TIMEDOUT, CURLE_RECV_ERROR,
	                            CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE,
	                            CURLE_WRITE_ERROR, CURLE_HTTP2, CURLE_ABORTED_BY_CALLBACK,
	                            CURLE_COULDNT_CONNECT, CURLE_SSL_CONNECT_ERROR};
	static const long statuses[] = {0, 100, 200, 201, 204, 301, 400, 401, 403, 404, 405,
	                                409, 429, 500, 501, 502, 503, 504, 599};
	static const char *const codes[] = {NULL, "", "500.003.1001", "500.001.1001",
	                                    "500.003.02", "404.001.03", "400.002.02",
	                                    "999.999.999", "SFC_IC0003", "0", "5"};
	static const char *const rcs[] = {NULL, "0", "1", "00", "1001"};
	size_t n = 0;
	for (size_t m = 0; m < N_ELEMS(money); m++)
	for (size_t c = 0; c < N_ELEMS(curls); c++)
	for (int sent = 0; sent < 2; sent++)
	for (size_t s = 0; s < N_ELEMS(statuses); s++)
	for (size_t k = 0; k < N_ELEMS(codes); k++)
	for (size_t p = 0; p < 2; p++)
	for (size_t q = 0; q < N_ELEMS(rcs); q++) {
		struct daraja_attempt a = {
			.api = money[m], .curl_code = curls[c], .nothing_sent = sent == 0 && curls[c] != 0,
			.http_status = statuses[s], .error_code = codes[k], .error_message = "x",
			.answer_parsed = p == 1, .response_code = rcs[q],
		};
		struct daraja_verdict v;
		daraja_classify(&a, &v);
		n++;
		if (v.outcome != DARAJA_RETRYABLE)
			continue;
		bool provable = (curls[c] != 0 && (a.nothing_sent || curls[c] == CURLE_COULDNT_CONNECT ||
		                                   curls[c] == CURLE_SSL_CONNECT_ERROR)) ||
		                (curls[c] == 0 && codes[k] &&
		                 (strcmp(codes[k], "500.003.02") == 0 ||
		                  strcmp(codes[k], "404.001.03") == 0)) ||
		                (curls[c] == 0 && (!codes[k] || !codes[k][0]) && statuses[s] == 429);
		if (!provable)
			fail_msg("%s resent: curl %d sent %d HTTP %ld code %s parsed %zu rc %s",
			         daraja_api_name(money[m]), curls[c], sent, statuses[s],
			         codes[k] ? codes[k] : "(null)", p, rcs[q] ? rcs[q] : "(null)");
		/* The only resend after a Daraja answer is the token refresh or
		 * throttling, which never count as a breaker failure. */
		if (curls[c] == 0)
			assert_false(v.breaker_failure);
	}
	assert_true(n > 10000);
}

static void test_sentences(void **state)
{
	(void)state;
	const struct {
		struct daraja_attempt a;
		enum daraja_class cls;
		enum pos_status st;
		const char *needles[3];
	} cases[] = {
		{CURL_ERR(PUSH, CURLE_COULDNT_CONNECT, true), DARAJA_UNREACHABLE, POS_E_NET,
		 {"could not be reached", "nothing was sent", NULL}},
		{CURL_ERR(PUSH, CURLE_OPERATION_TIMEDOUT, false), DARAJA_UNKNOWN, POS_E_TIMEOUT,
		 {"may or may not", NULL, NULL}},
		{ENVELOPE(PUSH, 500, "500.001.1001", "Unable to lock subscriber"), DARAJA_REFUSED,
		 POS_E_DARAJA, {"busy with another M-Pesa prompt", "500.001.1001", NULL}},
		{ENVELOPE(PUSH, 500, "500.001.1001", "Wrong credentials"), DARAJA_REFUSED,
		 POS_E_DARAJA, {"STK password", NULL, NULL}},
		{ENVELOPE(PUSH, 400, "400.002.02", "Bad Request - Invalid PhoneNumber"),
		 DARAJA_REFUSED, POS_E_DARAJA, {"PhoneNumber field", "400.002.02", NULL}},
		{ENVELOPE(B2C, 500, "500.003.02", "Spike Arrest Violation"), DARAJA_REFUSED,
		 POS_E_THROTTLED, {"busy", "500.003.02", NULL}},
		{ENVELOPE(B2C, 500, "500.002.1001", "Duplicate OriginatorConversationID"),
		 DARAJA_REFUSED, POS_E_DUPLICATE, {"OriginatorConversationID", NULL, NULL}},
		{ENVELOPE(PUSH, 400, "400.002.05", "Invalid Request Payload"), DARAJA_REFUSED,
		 POS_E_DARAJA, {"400.002.05", "Invalid Request Payload", NULL}},
		{ENVELOPE(QUERY, 500, "500.001.1001", "The transaction is being processed"),
		 DARAJA_PENDING, POS_E_UNKNOWN, {"not finished", NULL, NULL}},
		{STATUS_ONLY(OAUTH, 400), DARAJA_REFUSED, POS_E_CONFIG,
		 {"consumer key or secret", NULL, NULL}},
		{STATUS_ONLY(B2C, 503), DARAJA_UNKNOWN, POS_E_UNKNOWN,
		 {"HTTP 503", "may or may not", NULL}},
		{ENVELOPE(REG, 401, "401.003.01", "no apiproduct match found"), DARAJA_REFUSED,
		 POS_E_DARAJA, {"not subscribed", NULL, NULL}},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct pos_err e;
		daraja_explain(&cases[i].a, cases[i].cls, cases[i].st, &e);
		assert_int_equal(e.code, cases[i].st);
		assert_string_equal(e.field, daraja_api_label(cases[i].a.api));
		assert_true(e.hint[0] != '\0');
		for (size_t k = 0; k < N_ELEMS(cases[i].needles) && cases[i].needles[k]; k++)
			if (!strstr(e.msg, cases[i].needles[k]))
				fail_msg("row %zu: \"%s\" not in \"%s\"", i, cases[i].needles[k], e.msg);
	}
	/* An OK outcome leaves no error. */
	struct pos_err e;
	struct daraja_attempt ok = ANSWER(PUSH, "0");
	daraja_explain(&ok, DARAJA_OK, POS_OK, &e);
	assert_int_equal(e.code, POS_OK);
	assert_string_equal(e.msg, "");
	/* A very long Daraja message is cut, never overflowing. */
	char longmsg[2000];
	memset(longmsg, 'm', sizeof longmsg - 1);
	longmsg[sizeof longmsg - 1] = '\0';
	struct daraja_attempt big = ENVELOPE(PUSH, 400, "400.999.99", longmsg);
	daraja_explain(&big, DARAJA_REFUSED, POS_E_DARAJA, &e);
	assert_true(strlen(e.msg) < sizeof e.msg);
}

/* ---- backoff ------------------------------------------------------------------------ */

static void test_backoff_full_jitter(void **state)
{
	(void)state;
	const unsigned base = 500, cap = 8000;
	const int64_t bounds[] = {500, 1000, 2000, 4000, 8000, 8000, 8000};
	for (unsigned retry = 0; retry < N_ELEMS(bounds); retry++) {
		int64_t b = bounds[retry];
		/* The whole range is reachable, and nothing outside it. */
		assert_int_equal(daraja_backoff_ms(retry, base, cap, 0), 0);
		assert_int_equal(daraja_backoff_ms(retry, base, cap, (uint64_t)b), b);
		assert_int_equal(daraja_backoff_ms(retry, base, cap, (uint64_t)b + 1), 0);
		static const uint64_t draws[] = {1, 7, 499, 12345, 0x9e3779b97f4a7c15u,
		                                 UINT64_MAX, UINT64_MAX - 1};
		for (size_t i = 0; i < N_ELEMS(draws); i++) {
			int64_t w = daraja_backoff_ms(retry, base, cap, draws[i]);
			assert_true(w >= 0 && w <= b);
		}
	}
	/* Huge retry counts neither overflow nor pass the cap. */
	assert_true(daraja_backoff_ms(1000, base, cap, UINT64_MAX) <= cap);
	assert_true(daraja_backoff_ms(UINT32_MAX, 1, UINT32_MAX, UINT64_MAX) <= UINT32_MAX);
	/* A cap below the base wins. */
	assert_true(daraja_backoff_ms(0, 1000, 300, UINT64_MAX) <= 300);
	/* Base 0: no wait at all. */
	assert_int_equal(daraja_backoff_ms(5, 0, 8000, UINT64_MAX), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classification_table),
		cmocka_unit_test(test_money_never_resent_blindly),
		cmocka_unit_test(test_sentences),
		cmocka_unit_test(test_backoff_full_jitter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
