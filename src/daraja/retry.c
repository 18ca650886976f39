/*
 * daraja/retry.c: what a failed attempt means, and how long to wait.
 *
 * The rule that matters: a request is resent only when it provably was not
 * acted on. That is decided from Daraja's error code first (the HTTP status
 * alone says little: Daraja answers "pending" as a 500), then the HTTP
 * status, then the transport error:
 *
 *   provably refused before processing  -> resend with backoff (any API):
 *       connection refused, DNS, TLS handshake, a timeout before one byte
 *       went out, Daraja's throttling codes, HTTP 429;
 *   invalid access token                -> fetch a new token, resend once;
 *   definite refusal                    -> REFUSED, never resent;
 *   anything else after the body went out (timeout, reset, a generic 5xx,
 *   an unreadable 2xx)                  -> money-moving: UNKNOWN, never
 *       resent; queries and OAuth: resent (they are safe to repeat).
 *
 * The table is tested row by row in tests/unit/test_daraja_client_retry.c.
 */
#include "daraja/client_int.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "base/str.h"
#include "core/result.h"

/* ASCII case-insensitive "needle occurs in hay". */
static bool contains_nocase(const char *hay, const char *needle)
{
	if (!hay || !needle)
		return false;
	size_t n = strlen(needle);
	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i]) {
			char a = hay[i], b = needle[i];
			if (a >= 'A' && a <= 'Z')
				a = (char)(a - 'A' + 'a');
			if (b >= 'A' && b <= 'Z')
				b = (char)(b - 'A' + 'a');
			if (a != b)
				break;
			i++;
		}
		if (i == n)
			return true;
	}
	return false;
}

static bool is_token_code(const char *code)
{
	return str_eq(code, "404.001.03") || str_eq(code, "401.002.01") ||
	       str_eq(code, "400.003.01");
}

static bool is_throttle_code(const char *code)
{
	return str_eq(code, "500.003.02") || str_eq(code, "500.003.03");
}

/* Transport failures that happen before the request can have gone out. */
static bool curl_before_send(int code)
{
	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
		return true;
	default:
		return false;
	}
}

/* Failures that no resend will fix: our configuration is wrong. */
static bool curl_config_error(int code)
{
	switch (code) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_NOT_BUILT_IN:
	case CURLE_FAILED_INIT:
		return true;
	default:
		return false;
	}
}

static void set(struct daraja_verdict *v, enum daraja_class outcome,
                enum daraja_class final, bool breaker_failure,
                enum pos_status status)
{
	v->outcome = outcome;
	v->final = final;
	v->breaker_failure = breaker_failure;
	v->status = status;
}

/* After the body went out and the fate is not known. */
static void after_send(struct daraja_verdict *v, bool money,
                       enum pos_status status)
{
	if (money)
		set(v, DARAJA_UNKNOWN, DARAJA_UNKNOWN, true, status);
	else
		set(v, DARAJA_RETRYABLE, DARAJA_UNKNOWN, true, status);
}

static bool success_code(enum daraja_api api, const char *rc)
{
	/* Pull query: 1001 is "no records" (an answer, reported as such);
	 * Pull register: 1001 is "already registered" or "failed": refused. */
	if (api == DARAJA_API_PULL_QUERY)
		return str_eq(rc, "1000") || str_eq(rc, "1001");
	if (api == DARAJA_API_PULL_REGISTER)
		return str_eq(rc, "1000");
	if (api == DARAJA_API_QR)
		return str_eq(rc, "00") || str_eq(rc, "0");
	/* OAuth has no ResponseCode. */
	return rc == NULL || str_eq(rc, "0");
}

static void classify_code(const struct daraja_attempt *a,
                          struct daraja_verdict *v, bool money)
{
	const char *code = a->error_code, *msg = a->error_message;
	if (is_token_code(code)) {
		set(v, DARAJA_RETRYABLE, DARAJA_REFUSED, false, POS_E_DARAJA);
		v->refresh_token = true;
		return;
	}
	if (is_throttle_code(code)) {
		set(v, DARAJA_RETRYABLE, DARAJA_REFUSED, false, POS_E_THROTTLED);
		return;
	}
	if (str_eq(code, "500.001.1001")) {
		if (a->api == DARAJA_API_STK_QUERY && contains_nocase(msg, "being processed"))
			set(v, DARAJA_PENDING, DARAJA_PENDING, false, POS_E_UNKNOWN);
		else
			set(v, DARAJA_REFUSED, DARAJA_REFUSED, false, POS_E_DARAJA);
		return;
	}
	if (str_eq(code, "500.002.1001")) {
		set(v, DARAJA_REFUSED, DARAJA_REFUSED, false, POS_E_DUPLICATE);
		return;
	}
	if (str_eq(code, "500.003.1001") &&
	    (contains_nocase(msg, "already registered") ||
	     contains_nocase(msg, "duplicate"))) {
		set(v, DARAJA_REFUSED, DARAJA_REFUSED, false, POS_E_DUPLICATE);
		return;
	}
	if (code[0] == '4') {
		/* 400/401/404/405.*: the gateway refused before the product ran. */
		set(v, DARAJA_REFUSED, DARAJA_REFUSED, false, POS_E_DARAJA);
		return;
	}
	/* 500.003.1001 "Internal Server Error" and every code we do not know:
	 * the request may have been processed. */
	after_send(v, money, POS_E_UNKNOWN);
}

void daraja_classify(const struct daraja_attempt *a, struct daraja_verdict *v)
{
	bool money = daraja_api_moves_money(a->api);
	*v = (struct daraja_verdict){0};

	if (a->too_large) {
		/* Daraja answered; we could not read how. Resending a query would
		 * get the same oversized answer. */
		set(v, DARAJA_UNKNOWN, DARAJA_UNKNOWN, false, POS_E_TOO_LONG);
		return;
	}
	if (a->curl_code != 0) {
		if (curl_config_error(a->curl_code)) {
			set(v, DARAJA_UNREACHABLE, DARAJA_UNREACHABLE, false, POS_E_NET);
			return;
		}
		if (curl_before_send(a->curl_code) || a->nothing_sent) {
			set(v, DARAJA_RETRYABLE, DARAJA_UNREACHABLE, true,
			    a->curl_code == CURLE_OPERATION_TIMEDOUT ? POS_E_TIMEOUT
			                                             : POS_E_NET);
			return;
		}
		after_send(v, money, a->curl_code == CURLE_OPERATION_TIMEDOUT
		                         ? POS_E_TIMEOUT : POS_E_UNKNOWN);
		return;
	}
	if (a->error_code && a->error_code[0]) {
		classify_code(a, v, money);
		return;
	}
	long s = a->http_status;
	if (s == 429) {
		set(v, DARAJA_RETRYABLE, DARAJA_REFUSED, false, POS_E_THROTTLED);
		return;
	}
	if (s >= 200 && s < 300) {
		if (!a->answer_parsed) {
			after_send(v, money, POS_E_PARSE);
			return;
		}
		if (success_code(a->api, a->response_code))
			set(v, DARAJA_OK, DARAJA_OK, false, POS_OK);
		else
			set(v, DARAJA_REFUSED, DARAJA_REFUSED, false, POS_E_DARAJA);
		return;
	}
	if (s >= 400 && s < 500) {
		set(v, DARAJA_REFUSED, DARAJA_REFUSED, false,
		    a->api == DARAJA_API_OAUTH ? POS_E_CONFIG : POS_E_DARAJA);
		return;
	}
	/* 5xx without a Daraja code, and anything stranger (1xx, 3xx). */
	after_send(v, money, POS_E_UNKNOWN);
}

int64_t daraja_backoff_ms(unsigned retry, unsigned base_ms, unsigned cap_ms,
                          uint64_t r)
{
	uint64_t ceiling = base_ms;
	for (unsigned i = 0; i < retry && ceiling < cap_ms; i++)
		ceiling *= 2;
	if (ceiling > cap_ms)
		ceiling = cap_ms;
	return (int64_t)(r % (ceiling + 1));
}

/* ---- sentences ----------------------------------------------------------------- */

static enum txn_kind kind_of(enum daraja_api api)
{
	switch (api) {
	case DARAJA_API_B2C:
		return TXN_KIND_B2C;
	case DARAJA_API_REVERSAL:
		return TXN_KIND_REVERSAL;
	case DARAJA_API_TXN_STATUS:
		return TXN_KIND_STATUS;
	case DARAJA_API_BALANCE:
		return TXN_KIND_BALANCE;
	case DARAJA_API_C2B_REGISTER:
	case DARAJA_API_C2B_SIMULATE:
	case DARAJA_API_PULL_REGISTER:
	case DARAJA_API_PULL_QUERY:
		return TXN_KIND_C2B;
	default:
		return TXN_KIND_STK;
	}
}

/* "Bad Request - Invalid PhoneNumber" -> "PhoneNumber" into out. */
static bool invalid_field(const char *msg, char *out, size_t outsz)
{
	static const char mark[] = "Invalid ";
	if (!msg)
		return false;
	const char *p = strstr(msg, mark);
	if (!p)
		return false;
	p += sizeof mark - 1;
	size_t n = 0;
	while (p[n] && p[n] != ' ' && p[n] != ',' && p[n] != '.' && n + 1 < outsz)
		n++;
	if (n == 0)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

void daraja_explain(const struct daraja_attempt *a, enum daraja_class outcome,
                    enum pos_status status, struct pos_err *err)
{
	const char *label = daraja_api_label(a->api);
	const char *code = a->error_code && a->error_code[0] ? a->error_code : NULL;
	char words[120] = "";
	char field[64];
	bool money = daraja_api_moves_money(a->api);

	if (a->error_message && a->error_message[0])
		str_fmt(words, sizeof words, " \"%.100s\"", a->error_message);

	if (outcome == DARAJA_OK) {
		pos_err_clear(err);
		return;
	}
	if (a->too_large) {
		pos_err_set(err, status, label,
		            "Daraja's answer was too large to read");
		pos_err_hint(err, money ? "the outcome is not known: check the "
		                          "transaction's status before trying again"
		                        : "try again later; if it persists, raise "
		                          "[daraja] max_response_bytes");
		return;
	}
	if (a->curl_code != 0) {
		const char *why = curl_easy_strerror((CURLcode)a->curl_code);
		if (outcome == DARAJA_UNREACHABLE) {
			pos_err_set(err, status, label,
			            "Daraja could not be reached (%s); nothing was sent", why);
			if (curl_config_error(a->curl_code))
				pos_err_hint(err, "check [daraja] base_url and ca_bundle");
			else
				pos_err_hint(err, "check the internet connection, then try again");
		} else if (money) {
			pos_err_set(err, status, label,
			            "no answer from Daraja after the request was sent (%s): "
			            "it may or may not have gone through", why);
			pos_err_hint(err, "do not send it again: check its status first");
		} else {
			pos_err_set(err, status, label,
			            "no usable answer from Daraja (%s)", why);
			pos_err_hint(err, "try again in a minute");
		}
		return;
	}
	if (code && is_token_code(code)) {
		pos_err_set(err, status, label,
		            "Daraja refused the access token (%s%s), even a fresh one",
		            code, words);
		pos_err_hint(err, "check that [daraja] consumer_key and consumer_secret "
		                  "belong to this environment's app");
		return;
	}
	if ((code && is_throttle_code(code)) || a->http_status == 429) {
		pos_err_set(err, status, label, "Daraja is busy and refused the request "
		            "(%s%s); nothing was done", code ? code : "HTTP 429", words);
		pos_err_hint(err, "wait a minute and try again");
		return;
	}
	if (outcome == DARAJA_PENDING) {
		pos_err_set(err, status, label,
		            "the customer has not finished on the phone yet");
		pos_err_hint(err, "wait; the answer is checked again automatically");
		return;
	}
	if (code && str_eq(code, "500.001.1001")) {
		const char *m = a->error_message;
		if (contains_nocase(m, "lock subscriber")) {
			pos_err_set(err, status, label,
			            "the customer's phone is busy with another M-Pesa "
			            "prompt (%s%s)", code, words);
			pos_err_hint(err, "ask the customer to finish or cancel it, wait "
			                  "about a minute, then try again");
		} else if (contains_nocase(m, "wrong credentials")) {
			pos_err_set(err, status, label,
			            "Daraja refused the STK password (%s%s)", code, words);
			pos_err_hint(err, "check [daraja] passkey and business_shortcode");
		} else if (contains_nocase(m, "merchant does not exist")) {
			pos_err_set(err, status, label,
			            "Daraja does not know this shortcode (%s%s)", code, words);
			pos_err_hint(err, "check [daraja] business_shortcode");
		} else {
			pos_err_set(err, status, label, "Daraja refused the request (%s%s)",
			            code, words);
			pos_err_hint(err, "nothing was charged; correct it and try again");
		}
		return;
	}
	if (code && str_eq(code, "500.002.1001")) {
		pos_err_set(err, status, label,
		            "Daraja already has a request with this "
		            "OriginatorConversationID (%s%s)", code, words);
		pos_err_hint(err, "check the first request's status before paying again");
		return;
	}
	if (code && status == POS_E_DUPLICATE) {
		pos_err_set(err, status, label, "Daraja says this is already done (%s%s)",
		            code, words);
		pos_err_hint(err, "to change registered URLs use the Daraja portal "
		                  "(URL management)");
		return;
	}
	if (code && str_eq(code, "401.003.01")) {
		pos_err_set(err, status, label,
		            "this Daraja app is not subscribed to that API (%s%s)",
		            code, words);
		pos_err_hint(err, "add the product to the app on the Daraja portal%s",
		             a->api == DARAJA_API_C2B_REGISTER ||
		                     a->api == DARAJA_API_C2B_SIMULATE
		                 ? ", or change [daraja] c2b_version"
		                 : "");
		return;
	}
	if (code && str_starts_with(code, "404.")) {
		pos_err_set(err, status, label,
		            "Daraja does not know this address (%s%s)", code, words);
		pos_err_hint(err, "check [daraja] base_url");
		return;
	}
	if (code && str_eq(code, "400.002.02") && invalid_field(a->error_message, field, sizeof field)) {
		pos_err_set(err, status, label,
		            "Daraja refused the %s field (%s%s); nothing was done",
		            field, code, words);
		pos_err_hint(err, "correct %s and try again", field);
		return;
	}
	if (code && str_eq(code, "400.003.02") && (a->api == DARAJA_API_C2B_REGISTER)) {
		pos_err_set(err, status, label, "Daraja refused the URLs (%s%s)", code, words);
		pos_err_hint(err, "C2B URLs must not contain mpesa, m-pesa, safaricom, "
		                  "exe, exec, cmd, sql or query");
		return;
	}
	if (outcome == DARAJA_REFUSED) {
		if (a->api == DARAJA_API_OAUTH && !code) {
			pos_err_set(err, status, label,
			            "Daraja refused the consumer key or secret (HTTP %ld)",
			            a->http_status);
			pos_err_hint(err, "check [daraja] consumer_key and consumer_secret "
			                  "for this environment");
			return;
		}
		struct result_info info;
		if (code)
			result_lookup(code, kind_of(a->api), &info);
		if (code && info.known) {
			/* The catalogue's sentence (core/result.h), then Daraja's words. */
			pos_err_set(err, status, label, "%s (%s%s)", info.sentence, code,
			            words);
		} else if (code) {
			pos_err_set(err, status, label, "Daraja refused the request (%s%s); "
			            "nothing was done", code, words);
		} else if (a->response_code) {
			pos_err_set(err, status, label, "Daraja refused the request "
			            "(ResponseCode %s%s); nothing was done",
			            a->response_code, words);
		} else {
			pos_err_set(err, status, label, "Daraja refused the request "
			            "(HTTP %ld); nothing was done", a->http_status);
		}
		pos_err_hint(err, "correct the request and try again");
		return;
	}
	/* UNKNOWN after an answer we could not use. */
	char what[64];
	if (code)
		str_fmt(what, sizeof what, "%s", code);
	else if (a->http_status >= 200 && a->http_status < 300)
		str_fmt(what, sizeof what, "an unreadable answer, HTTP %ld", a->http_status);
	else
		str_fmt(what, sizeof what, "HTTP %ld", a->http_status);
	if (money) {
		pos_err_set(err, status, label, "Daraja failed after the request was "
		            "sent (%s%s): it may or may not have gone through",
		            what, words);
		pos_err_hint(err, "do not send it again: check its status first");
	} else {
		pos_err_set(err, status, label, "Daraja failed (%s%s)", what, words);
		pos_err_hint(err, "try again in a minute");
	}
}
