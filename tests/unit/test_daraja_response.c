/* tests/unit/test_daraja_response.c: daraja/response.h — every synchronous
 * answer of the API facts, the error envelope and its classes, type quirks,
 * and hostile bodies (truncation at every byte, caps, wrong types, secrets
 * kept out of messages). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "daraja/response.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* One parser, behind a common face, for table rows. */
enum kind { K_TOKEN, K_PUSH, K_QUERY, K_ASYNC, K_C2B, K_QR, K_PULL, K_COUNT };

struct any {
	struct daraja_token_answer token;
	struct daraja_stk_push_answer push;
	struct daraja_stk_query_answer query;
	struct daraja_async_answer async;
	struct daraja_c2b_register_answer c2b;
	struct daraja_qr_answer qr;
	struct daraja_pull_answer pull;
};

static enum pos_status run(enum kind k, long http, const char *body, size_t len,
                           struct any *a, struct pos_err *err)
{
	switch (k) {
	case K_TOKEN:
		return daraja_token_answer_parse(http, body, len, &a->token, err);
	case K_PUSH:
		return daraja_stk_push_answer_parse(http, body, len, &a->push, err);
	case K_QUERY:
		return daraja_stk_query_answer_parse(http, body, len, &a->query, err);
	case K_ASYNC:
		return daraja_async_answer_parse(http, body, len, &a->async, err);
	case K_C2B:
		return daraja_c2b_register_answer_parse(http, body, len, &a->c2b, err);
	case K_QR:
		return daraja_qr_answer_parse(http, body, len, &a->qr, err);
	case K_PULL:
		return daraja_pull_answer_parse(http, body, len, &a->pull, err);
	case K_COUNT:
		break;
	}
	return POS_E_INTERNAL;
}

static const struct daraja_api_error *error_of(enum kind k, const struct any *a)
{
	switch (k) {
	case K_TOKEN: return &a->token.error;
	case K_PUSH: return &a->push.error;
	case K_QUERY: return &a->query.error;
	case K_ASYNC: return &a->async.error;
	case K_C2B: return &a->c2b.error;
	case K_QR: return &a->qr.error;
	case K_PULL: return &a->pull.error;
	case K_COUNT: break;
	}
	return NULL;
}

static void release(struct any *a)
{
	daraja_qr_answer_release(&a->qr);
	daraja_pull_answer_release(&a->pull);
}

/* ---- the documented answers ------------------------------------------------------------- */

static const char TOKEN_OK[] =
	"{ \"access_token\": \"c9SQxWWhmdVRlyh0zh8gZDTkubVF\", \"expires_in\": \"3599\" }";
static const char PUSH_OK[] =
	"{\n  \"MerchantRequestID\": \"7311-4022163-1\",\n"
	"  \"CheckoutRequestID\": \"ws_CO_14032025101502123712345678\",\n"
	"  \"ResponseCode\": \"0\",\n"
	"  \"ResponseDescription\": \"Success. Request accepted for processing\",\n"
	"  \"CustomerMessage\": \"Success. Request accepted for processing\"\n}";
static const char QUERY_FINAL[] =
	"{\n  \"ResponseCode\": \"0\",\n"
	"  \"ResponseDescription\": \"The service request has been accepted successfully\",\n"
	"  \"MerchantRequestID\": \"7311-4022163-1\",\n"
	"  \"CheckoutRequestID\": \"ws_CO_14032025101502123712345678\",\n"
	"  \"ResultCode\": \"1032\",\n  \"ResultDesc\": \"Request cancelled by user\"\n}";
static const char QUERY_PENDING[] =
	"{ \"requestId\": \"ws_CO_14032025101502123712345678\", \"errorCode\": \"500.001.1001\", "
	"\"errorMessage\": \"The transaction is being processed\" }";
static const char ASYNC_OK[] =
	"{ \"OriginatorConversationID\": \"5118-111210482-1\", \"ConversationID\": "
	"\"AG_20250314_2010759fd5662ef6d054\",\n  \"ResponseCode\": \"0\", "
	"\"ResponseDescription\": \"Accept the service request successfully.\" }";
static const char C2B_OK[] =
	"{ \"OriginatorCoversationID\": \"6139-21486301-1\", \"ResponseCode\": \"0\", "
	"\"ResponseDescription\": \"Success\" }";
static const char C2B_SIMULATE_OK[] =
	"{\"OriginatorCoversationID\":\"53e3-4aa8-9fe0-8fb5e4092cdd3405976\",\"ResponseCode\":\"0\","
	"\"ResponseDescription\":\"Accept the service request successfully.\"}";
static const char QR_OK[] =
	"{\"ResponseCode\":\"00\",\"ResponseDescription\":\"The service request is processed "
	"successfully.\",\"QRCode\":\"iVBORw0KGgoAAAANSUhEUgAAASwAAAEsCAYAAAB5fY51AAAAAXNSR0IArs4c6QAAAARnQU1B\"}";
static const char PULL_OK[] =
	"{\"ResponseRefID\":\"a1b2\",\"ResponseCode\":\"1000\",\"ResponseMessage\":\"Success\","
	"\"Response\":[[{\"transactionId\":\"TCE5KD81PA\",\"trxDate\":\"2025-03-14T11:22:33.000+03:00\","
	"\"msisdn\":254712345678,\"sender\":\"UNKNOWN\",\"transactiontype\":\"c2b-pay-bill-debit\","
	"\"billreference\":\"INV-2041\",\"amount\":\"500.0\",\"organizationname\":\"Acme Ltd\"},"
	"{\"transactionId\":\"TCE6LM92QB\",\"trxDate\":\"2025-03-14T12:05:01.000+03:00\","
	"\"msisdn\":\"254712345679\",\"transactiontype\":\"c2b-buy-goods-debit\",\"billreference\":\"\","
	"\"amount\":75}]]}";
static const char PULL_NONE[] =
	"{\"ResponseRefID\":\"c3d4\",\"ResponseCode\":\"1001\",\"ResponseMessage\":\"No records found "
	"or Organization Name not available\",\"Response\":[[]]}";

static void test_documented_answers(void **state)
{
	(void)state;
	struct any a;
	struct pos_err err;

	assert_int_equal(run(K_TOKEN, 200, TOKEN_OK, strlen(TOKEN_OK), &a, &err), POS_OK);
	assert_string_equal(a.token.access_token, "c9SQxWWhmdVRlyh0zh8gZDTkubVF");
	assert_true(a.token.expires_in_s == 3599);
	assert_int_equal(a.token.error.cls, DARAJA_APIERR_NONE);

	assert_int_equal(run(K_PUSH, 200, PUSH_OK, strlen(PUSH_OK), &a, &err), POS_OK);
	assert_string_equal(a.push.merchant_request_id, "7311-4022163-1");
	assert_string_equal(a.push.checkout_request_id, "ws_CO_14032025101502123712345678");
	assert_string_equal(a.push.response_code.text, "0");
	assert_string_equal(a.push.customer_message, "Success. Request accepted for processing");

	assert_int_equal(run(K_QUERY, 200, QUERY_FINAL, strlen(QUERY_FINAL), &a, &err), POS_OK);
	assert_false(a.query.pending);
	assert_string_equal(a.query.result_code.text, "1032");
	assert_true(a.query.result_code.numeric && a.query.result_code.value == 1032);
	assert_int_equal(a.query.outcome, DARAJA_OUTCOME_FAILED);
	assert_string_equal(a.query.result_desc, "Request cancelled by user");

	assert_int_equal(run(K_QUERY, 500, QUERY_PENDING, strlen(QUERY_PENDING), &a, &err), POS_OK);
	assert_true(a.query.pending);
	assert_int_equal(a.query.outcome, DARAJA_OUTCOME_UNKNOWN);
	assert_int_equal(a.query.error.cls, DARAJA_APIERR_PENDING);
	assert_string_equal(a.query.error.code, "500.001.1001");
	assert_string_equal(a.query.checkout_request_id, "ws_CO_14032025101502123712345678");
	assert_int_equal(err.code, POS_OK);

	assert_int_equal(run(K_ASYNC, 200, ASYNC_OK, strlen(ASYNC_OK), &a, &err), POS_OK);
	assert_string_equal(a.async.originator_conversation_id, "5118-111210482-1");
	assert_string_equal(a.async.conversation_id, "AG_20250314_2010759fd5662ef6d054");
	assert_string_equal(a.async.response_description, "Accept the service request successfully.");

	assert_int_equal(run(K_C2B, 200, C2B_OK, strlen(C2B_OK), &a, &err), POS_OK);
	assert_string_equal(a.c2b.originator_conversation_id, "6139-21486301-1");
	assert_int_equal(run(K_C2B, 200, C2B_SIMULATE_OK, strlen(C2B_SIMULATE_OK), &a, &err), POS_OK);

	assert_int_equal(run(K_QR, 200, QR_OK, strlen(QR_OK), &a, &err), POS_OK);
	assert_string_equal(a.qr.response_code.text, "00");
	assert_non_null(a.qr.qr_code);
	assert_true(a.qr.qr_code_len == strlen(a.qr.qr_code));
	assert_true(strncmp(a.qr.qr_code, "iVBORw0KGgo", 11) == 0);
	daraja_qr_answer_release(&a.qr);
	assert_null(a.qr.qr_code);
	daraja_qr_answer_release(&a.qr); /* twice is fine */

	assert_int_equal(run(K_PULL, 200, PULL_OK, strlen(PULL_OK), &a, &err), POS_OK);
	assert_false(a.pull.no_records);
	assert_int_equal(a.pull.n_records, 2);
	assert_string_equal(a.pull.records[0].transaction_id, "TCE5KD81PA");
	assert_string_equal(a.pull.records[0].msisdn.text, "254712345678");
	assert_int_equal(a.pull.records[0].msisdn.kind, DARAJA_MSISDN_DIGITS);
	assert_true(a.pull.records[0].amount.minor == 50000);
	assert_string_equal(a.pull.records[0].transaction_type, "c2b-pay-bill-debit");
	assert_string_equal(a.pull.records[0].organization_name, "Acme Ltd");
	assert_string_equal(a.pull.records[1].msisdn.text, "254712345679");
	assert_true(a.pull.records[1].amount.minor == 7500);
	assert_string_equal(a.pull.records[1].sender, "");
	daraja_pull_answer_release(&a.pull);
	assert_null(a.pull.records);

	/* Pull carries full numbers; a masked or hashed one is still classified. */
	static const char PULL_MASKED[] =
		"{\"ResponseCode\":\"1000\",\"Response\":[{\"TransactionID\":\"A1\",\"Amount\":\"1\","
		"\"MSISDN\":\"2547 ***** 126\"},{\"transactionId\":\"B2\",\"msisdn\":"
		"\"7132104d6aae9c3fac82095a42c2817952bca48e09d98d5bf4ac08218982fb90\"}]}";
	assert_int_equal(run(K_PULL, 200, PULL_MASKED, strlen(PULL_MASKED), &a, &err), POS_OK);
	assert_int_equal(a.pull.n_records, 2);
	assert_int_equal(a.pull.records[0].msisdn.kind, DARAJA_MSISDN_MASKED);
	assert_int_equal(a.pull.records[1].msisdn.kind, DARAJA_MSISDN_HASHED);
	assert_false(a.pull.records[1].amount.present);
	daraja_pull_answer_release(&a.pull);

	assert_int_equal(run(K_PULL, 200, PULL_NONE, strlen(PULL_NONE), &a, &err), POS_OK);
	assert_true(a.pull.no_records);
	assert_int_equal(a.pull.n_records, 0);
	assert_non_null(strstr(a.pull.response_message, "No records"));
	daraja_pull_answer_release(&a.pull);
}

/* ---- table of answers -------------------------------------------------------------------- */

struct answer_case {
	const char *name;
	enum kind kind;
	long http;
	const char *body;
	enum pos_status want;
	enum daraja_api_error_class cls;  /* on refusal */
	const char *field;                /* substring of err.field otherwise */
};

#define ENV(code, msg)                                                         \
	"{\"requestId\":\"4417-18862215-1\",\"errorCode\":\"" code                 \
	"\",\"errorMessage\":\"" msg "\"}"

static const struct answer_case cases[] = {
	/* OAuth. */
	{"token expires_in number", K_TOKEN, 200, "{\"access_token\":\"abc\",\"expires_in\":3599}", POS_OK, 0, NULL},
	{"token expires_in 0", K_TOKEN, 200, "{\"access_token\":\"abc\",\"expires_in\":\"0\"}", POS_E_RANGE, 0, "expires_in"},
	{"token expires_in -1", K_TOKEN, 200, "{\"access_token\":\"abc\",\"expires_in\":-1}", POS_E_RANGE, 0, "expires_in"},
	{"token expires_in 1.5", K_TOKEN, 200, "{\"access_token\":\"abc\",\"expires_in\":1.5}", POS_E_INVALID, 0, "expires_in"},
	{"token expires_in \"3599.0\"", K_TOKEN, 200, "{\"access_token\":\"abc\",\"expires_in\":\"3599.0\"}", POS_E_INVALID, 0, "expires_in"},
	{"token expires_in words", K_TOKEN, 200, "{\"access_token\":\"abc\",\"expires_in\":\"soon\"}", POS_E_INVALID, 0, "expires_in"},
	{"token expires_in 1e400", K_TOKEN, 200, "{\"access_token\":\"abc\",\"expires_in\":1e400}", POS_E_INVALID, 0, "expires_in"},
	{"token expires_in huge", K_TOKEN, 200, "{\"access_token\":\"abc\",\"expires_in\":99999999999999999999}", POS_E_RANGE, 0, "expires_in"},
	{"token expires_in missing", K_TOKEN, 200, "{\"access_token\":\"abc\"}", POS_E_EMPTY, 0, "expires_in"},
	{"token missing", K_TOKEN, 200, "{\"expires_in\":\"3599\"}", POS_E_EMPTY, 0, "access_token"},
	{"token empty", K_TOKEN, 200, "{\"access_token\":\"\",\"expires_in\":\"3599\"}", POS_E_EMPTY, 0, "access_token"},
	{"token number", K_TOKEN, 200, "{\"access_token\":12345,\"expires_in\":\"3599\"}", POS_E_INVALID, 0, "access_token"},
	{"token with space", K_TOKEN, 200, "{\"access_token\":\"ab cd\",\"expires_in\":\"3599\"}", POS_E_INVALID, 0, "access_token"},
	{"token twice", K_TOKEN, 200, "{\"access_token\":\"a\",\"access_token\":\"b\",\"expires_in\":\"1\"}", POS_E_DUPLICATE, 0, "access_token"},
	{"token 400 empty body", K_TOKEN, 400, "", POS_E_DARAJA, DARAJA_APIERR_AUTH, NULL},
	{"token 400.008.01", K_TOKEN, 400, ENV("400.008.01", "Invalid Authentication passed"), POS_E_DARAJA, DARAJA_APIERR_AUTH, NULL},
	{"token 400.008.02", K_TOKEN, 400, ENV("400.008.02", "Invalid grant type passed"), POS_E_DARAJA, DARAJA_APIERR_AUTH, NULL},
	/* The error table of section 3, on the APIs where each is seen. */
	{"400.002.02", K_PUSH, 400, ENV("400.002.02", "Bad Request - Invalid PhoneNumber"), POS_E_DARAJA, DARAJA_APIERR_INVALID_FIELD, NULL},
	{"400.002.05", K_ASYNC, 400, ENV("400.002.05", "Invalid Request Payload"), POS_E_DARAJA, DARAJA_APIERR_BAD_PAYLOAD, NULL},
	{"400.003.01", K_PUSH, 400, ENV("400.003.01", "Invalid Access Token"), POS_E_DARAJA, DARAJA_APIERR_AUTH, NULL},
	{"400.003.02", K_C2B, 400, ENV("400.003.02", "Bad Request"), POS_E_DARAJA, DARAJA_APIERR_INVALID_FIELD, NULL},
	{"401.002.01", K_ASYNC, 401, ENV("401.002.01", "Error Occurred - Invalid Access Token - c9SQxWWhmdVRlyh0zh8gZDTkubVF"), POS_E_DARAJA, DARAJA_APIERR_AUTH, NULL},
	{"401.003.01", K_C2B, 401, ENV("401.003.01", "Error Occurred - Invalid Access Token - Invalid API call as no apiproduct match found"), POS_E_DARAJA, DARAJA_APIERR_NOT_SUBSCRIBED, NULL},
	{"404.001.01", K_PUSH, 404, ENV("404.001.01", "Resource not found"), POS_E_DARAJA, DARAJA_APIERR_NOT_FOUND, NULL},
	{"404.001.03", K_QUERY, 404, ENV("404.001.03", "Invalid Access Token"), POS_E_DARAJA, DARAJA_APIERR_AUTH, NULL},
	{"404.001.04", K_PUSH, 404, ENV("404.001.04", "Invalid Authentication Header"), POS_E_DARAJA, DARAJA_APIERR_AUTH, NULL},
	{"404.002.01", K_QR, 404, ENV("404.002.01", "Resource not found"), POS_E_DARAJA, DARAJA_APIERR_NOT_FOUND, NULL},
	{"405.001", K_PUSH, 405, ENV("405.001", "GET Method Not Allowed"), POS_E_DARAJA, DARAJA_APIERR_METHOD, NULL},
	{"500.001.1001 lock", K_PUSH, 500, ENV("500.001.1001", "Unable to lock subscriber, a transaction is already in process for the current subscriber"), POS_E_DARAJA, DARAJA_APIERR_SUBSCRIBER_BUSY, NULL},
	{"500.001.1001 wrong credentials", K_PUSH, 500, ENV("500.001.1001", "Wrong credentials"), POS_E_DARAJA, DARAJA_APIERR_CREDENTIALS, NULL},
	{"500.001.1001 merchant", K_PUSH, 500, ENV("500.001.1001", "Merchant does not exist"), POS_E_DARAJA, DARAJA_APIERR_CREDENTIALS, NULL},
	{"500.001.1001 other text", K_QUERY, 500, ENV("500.001.1001", "System error"), POS_E_DARAJA, DARAJA_APIERR_REJECTED, NULL},
	{"query: wrong credentials is a failure", K_QUERY, 500, ENV("500.001.1001", "Wrong credentials"), POS_E_DARAJA, DARAJA_APIERR_CREDENTIALS, NULL},
	{"query: processing at HTTP 200 is not pending", K_QUERY, 200, QUERY_PENDING, POS_E_DARAJA, DARAJA_APIERR_REJECTED, NULL},
	{"query: processing any case", K_QUERY, 500, ENV("500.001.1001", "THE TRANSACTION IS BEING PROCESSED"), POS_OK, 0, NULL},
	{"500.002.1001", K_ASYNC, 500, ENV("500.002.1001", "Duplicate OriginatorConversationID"), POS_E_DARAJA, DARAJA_APIERR_DUPLICATE, NULL},
	{"500.003.02 spike", K_QUERY, 500, ENV("500.003.02", "Error Occurred: Spike Arrest Violation"), POS_E_THROTTLED, DARAJA_APIERR_THROTTLED, NULL},
	{"500.003.03 quota", K_PUSH, 500, ENV("500.003.03", "Quota Violation"), POS_E_THROTTLED, DARAJA_APIERR_THROTTLED, NULL},
	{"500.003.1001 registered", K_C2B, 500, ENV("500.003.1001", "Urls are already registered"), POS_E_DARAJA, DARAJA_APIERR_ALREADY_REGISTERED, NULL},
	{"500.003.1001 internal", K_ASYNC, 500, ENV("500.003.1001", "Internal Server Error"), POS_E_DARAJA, DARAJA_APIERR_SERVER, NULL},
	{"unknown 400 code", K_PUSH, 400, ENV("400.009.09", "Something new"), POS_E_DARAJA, DARAJA_APIERR_INVALID_FIELD, NULL},
	{"unknown 503 code", K_PUSH, 503, ENV("503.001.01", "Service Unavailable"), POS_E_DARAJA, DARAJA_APIERR_SERVER, NULL},
	{"QR bad TrxCode", K_QR, 400, "{\"errorCode\":\"400\",\"errorMessage\":\"Bad Request - Invalid TrxCode\"}", POS_E_DARAJA, DARAJA_APIERR_INVALID_FIELD, NULL},
	{"envelope keys in capitals", K_PUSH, 400, "{\"RequestID\":\"r\",\"ErrorCode\":\"400.002.02\",\"ErrorMessage\":\"Bad Request - Invalid Amount\"}", POS_E_DARAJA, DARAJA_APIERR_INVALID_FIELD, NULL},
	{"envelope on HTTP 200", K_ASYNC, 200, ENV("500.003.02", "Spike Arrest"), POS_E_THROTTLED, DARAJA_APIERR_THROTTLED, NULL},
	{"envelope code number", K_PUSH, 400, "{\"errorCode\":400,\"errorMessage\":\"x\"}", POS_E_DARAJA, DARAJA_APIERR_INVALID_FIELD, NULL},
	/* A malformed envelope on a refusal status is still a refusal (by status);
	 * on a 2xx status it is an answer we do not understand. */
	{"envelope code object", K_PUSH, 400, "{\"errorCode\":{},\"errorMessage\":\"x\"}", POS_E_DARAJA, DARAJA_APIERR_INVALID_FIELD, NULL},
	{"envelope code empty", K_PUSH, 500, "{\"errorCode\":\"\",\"errorMessage\":\"x\"}", POS_E_DARAJA, DARAJA_APIERR_SERVER, NULL},
	{"envelope code case twice", K_PUSH, 429, "{\"errorCode\":\"400.002.02\",\"ErrorCode\":\"500.003.02\"}", POS_E_THROTTLED, DARAJA_APIERR_THROTTLED, NULL},
	{"envelope message ESC", K_PUSH, 401, "{\"errorCode\":\"400.002.02\",\"errorMessage\":\"\\u001b[31m\"}", POS_E_DARAJA, DARAJA_APIERR_AUTH, NULL},
	{"200 envelope code object", K_PUSH, 200, "{\"errorCode\":{},\"errorMessage\":\"x\"}", POS_E_INVALID, 0, "errorCode"},
	{"200 envelope code empty", K_PUSH, 200, "{\"errorCode\":\"\",\"errorMessage\":\"x\"}", POS_E_EMPTY, 0, "errorCode"},
	{"200 envelope code case twice", K_PUSH, 200, "{\"errorCode\":\"400.002.02\",\"ErrorCode\":\"500.003.02\"}", POS_E_DUPLICATE, 0, "errorCode"},
	{"200 envelope message list", K_PUSH, 200, "{\"errorCode\":\"400.002.02\",\"errorMessage\":[]}", POS_E_INVALID, 0, "errorMessage"},
	{"200 envelope message ESC", K_PUSH, 200, "{\"errorCode\":\"400.002.02\",\"errorMessage\":\"\\u001b[31m\"}", POS_E_INVALID, 0, "errorMessage"},
	/* Non-JSON refusals: the status decides the class. */
	{"502 HTML", K_PUSH, 502, "<html><body>Bad Gateway</body></html>", POS_E_DARAJA, DARAJA_APIERR_SERVER, NULL},
	{"503 empty", K_ASYNC, 503, "", POS_E_DARAJA, DARAJA_APIERR_SERVER, NULL},
	{"429 text", K_QUERY, 429, "Too Many Requests", POS_E_THROTTLED, DARAJA_APIERR_THROTTLED, NULL},
	{"401 JSON without errorCode", K_PUSH, 401, "{\"fault\":{\"faultstring\":\"Invalid ApiKey\"}}", POS_E_DARAJA, DARAJA_APIERR_AUTH, NULL},
	{"404 list", K_PUSH, 404, "[]", POS_E_DARAJA, DARAJA_APIERR_NOT_FOUND, NULL},
	{"302 redirect", K_PUSH, 302, "", POS_E_DARAJA, DARAJA_APIERR_OTHER, NULL},
	/* 2xx bodies that cannot be understood. */
	{"200 HTML", K_PUSH, 200, "<html>", POS_E_INVALID, 0, "body"},
	{"200 empty", K_PUSH, 200, "", POS_E_EMPTY, 0, "body"},
	{"200 null", K_PUSH, 200, "null", POS_E_INVALID, 0, "body"},
	{"200 list", K_ASYNC, 200, "[{}]", POS_E_INVALID, 0, "body"},
	{"HTTP 0", K_PUSH, 0, PUSH_OK, POS_E_INVALID, 0, "http_status"},
	{"HTTP 600", K_PUSH, 600, PUSH_OK, POS_E_INVALID, 0, "http_status"},
	/* STK push. */
	{"push ResponseCode number", K_PUSH, 200, "{\"MerchantRequestID\":\"m\",\"CheckoutRequestID\":\"c\",\"ResponseCode\":0}", POS_OK, 0, NULL},
	{"push ResponseCode 1", K_PUSH, 200, "{\"MerchantRequestID\":\"m\",\"CheckoutRequestID\":\"c\",\"ResponseCode\":\"1\",\"ResponseDescription\":\"Rejected\"}", POS_E_DARAJA, DARAJA_APIERR_REJECTED, NULL},
	{"push no ResponseCode", K_PUSH, 200, "{\"MerchantRequestID\":\"m\",\"CheckoutRequestID\":\"c\"}", POS_E_EMPTY, 0, "ResponseCode"},
	{"push ResponseCode 0.0", K_PUSH, 200, "{\"MerchantRequestID\":\"m\",\"CheckoutRequestID\":\"c\",\"ResponseCode\":0.0}", POS_E_INVALID, 0, "ResponseCode"},
	{"push ResponseCode true", K_PUSH, 200, "{\"MerchantRequestID\":\"m\",\"CheckoutRequestID\":\"c\",\"ResponseCode\":true}", POS_E_INVALID, 0, "ResponseCode"},
	{"push no CheckoutRequestID", K_PUSH, 200, "{\"MerchantRequestID\":\"m\",\"ResponseCode\":\"0\"}", POS_E_EMPTY, 0, "CheckoutRequestID"},
	{"push no MerchantRequestID", K_PUSH, 200, "{\"CheckoutRequestID\":\"c\",\"ResponseCode\":\"0\"}", POS_E_EMPTY, 0, "MerchantRequestID"},
	{"push CheckoutRequestID object", K_PUSH, 200, "{\"MerchantRequestID\":\"m\",\"CheckoutRequestID\":{},\"ResponseCode\":\"0\"}", POS_E_INVALID, 0, "CheckoutRequestID"},
	{"push CheckoutRequestID twice", K_PUSH, 200, "{\"MerchantRequestID\":\"m\",\"CheckoutRequestID\":\"a\",\"CheckoutRequestID\":\"b\",\"ResponseCode\":\"0\"}", POS_E_DUPLICATE, 0, "CheckoutRequestID"},
	{"push CustomerMessage number", K_PUSH, 200, "{\"MerchantRequestID\":\"m\",\"CheckoutRequestID\":\"c\",\"ResponseCode\":\"0\",\"CustomerMessage\":1}", POS_E_INVALID, 0, "CustomerMessage"},
	/* STK query. */
	{"query ResultCode number", K_QUERY, 200, "{\"ResponseCode\":\"0\",\"CheckoutRequestID\":\"c\",\"ResultCode\":0,\"ResultDesc\":\"ok\"}", POS_OK, 0, NULL},
	{"query ResultCode SFC", K_QUERY, 200, "{\"ResponseCode\":\"0\",\"CheckoutRequestID\":\"c\",\"ResultCode\":\"SFC_IC0003\"}", POS_OK, 0, NULL},
	{"query no ResultCode", K_QUERY, 200, "{\"ResponseCode\":\"0\",\"CheckoutRequestID\":\"c\"}", POS_E_EMPTY, 0, "ResultCode"},
	{"query ResultCode 1.5", K_QUERY, 200, "{\"ResponseCode\":\"0\",\"CheckoutRequestID\":\"c\",\"ResultCode\":1.5}", POS_E_INVALID, 0, "ResultCode"},
	{"query ResultCode list", K_QUERY, 200, "{\"ResponseCode\":\"0\",\"CheckoutRequestID\":\"c\",\"ResultCode\":[]}", POS_E_INVALID, 0, "ResultCode"},
	{"query no CheckoutRequestID", K_QUERY, 200, "{\"ResponseCode\":\"0\",\"ResultCode\":\"0\"}", POS_E_EMPTY, 0, "CheckoutRequestID"},
	/* Async acceptance. */
	{"async no ConversationID", K_ASYNC, 200, "{\"OriginatorConversationID\":\"o\",\"ResponseCode\":\"0\"}", POS_E_EMPTY, 0, "ConversationID"},
	{"async no OriginatorConversationID", K_ASYNC, 200, "{\"ConversationID\":\"c\",\"ResponseCode\":\"0\"}", POS_E_EMPTY, 0, "OriginatorConversationID"},
	{"async ConversationID 65 bytes", K_ASYNC, 200,
	 "{\"OriginatorConversationID\":\"o\",\"ConversationID\":\"AG_20250314_2010759fd5662ef6d054xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",\"ResponseCode\":\"0\"}",
	 POS_E_TOO_LONG, 0, "ConversationID"},
	{"async ResponseCode 1 refused", K_ASYNC, 200, "{\"OriginatorConversationID\":\"o\",\"ConversationID\":\"c\",\"ResponseCode\":\"1\"}", POS_E_DARAJA, DARAJA_APIERR_REJECTED, NULL},
	/* C2B register. */
	{"c2b correct spelling", K_C2B, 200, "{\"OriginatorConversationID\":\"o\",\"ResponseCode\":\"0\",\"ResponseDescription\":\"success\"}", POS_OK, 0, NULL},
	{"c2b both spellings", K_C2B, 200, "{\"OriginatorCoversationID\":\"o\",\"OriginatorConversationID\":\"o\",\"ResponseCode\":\"0\"}", POS_E_DUPLICATE, 0, "OriginatorCoversationID"},
	{"c2b no id", K_C2B, 200, "{\"ResponseCode\":\"0\",\"ResponseDescription\":\"success\"}", POS_OK, 0, NULL},
	{"c2b id object", K_C2B, 200, "{\"OriginatorCoversationID\":{},\"ResponseCode\":\"0\"}", POS_E_INVALID, 0, "OriginatorCoversationID"},
	/* QR. */
	{"QR code \"0\"", K_QR, 200, "{\"ResponseCode\":\"0\",\"QRCode\":\"iVBORw0KGgo=\"}", POS_OK, 0, NULL},
	{"QR with RequestID", K_QR, 200, "{\"ResponseCode\":\"00\",\"RequestID\":\"16738-27456357-1\",\"QRCode\":\"QUJD\"}", POS_OK, 0, NULL},
	{"QR not base64", K_QR, 200, "{\"ResponseCode\":\"00\",\"QRCode\":\"iVBOR*0K\"}", POS_E_INVALID, 0, "QRCode"},
	{"QR bad length", K_QR, 200, "{\"ResponseCode\":\"00\",\"QRCode\":\"iVBORw0\"}", POS_E_INVALID, 0, "QRCode"},
	{"QR padding inside", K_QR, 200, "{\"ResponseCode\":\"00\",\"QRCode\":\"iV=Rw0KG\"}", POS_E_INVALID, 0, "QRCode"},
	{"QR three pads", K_QR, 200, "{\"ResponseCode\":\"00\",\"QRCode\":\"iV===\"}", POS_E_INVALID, 0, "QRCode"},
	{"QR missing", K_QR, 200, "{\"ResponseCode\":\"00\"}", POS_E_EMPTY, 0, "QRCode"},
	{"QR number", K_QR, 200, "{\"ResponseCode\":\"00\",\"QRCode\":5}", POS_E_INVALID, 0, "QRCode"},
	{"QR ResponseCode 01", K_QR, 200, "{\"ResponseCode\":\"01\",\"QRCode\":\"QUJD\"}", POS_E_DARAJA, DARAJA_APIERR_REJECTED, NULL},
	/* Pull. */
	{"pull flat list", K_PULL, 200, "{\"ResponseCode\":\"1000\",\"Response\":[{\"transactionId\":\"A1\",\"amount\":\"1\"}]}", POS_OK, 0, NULL},
	{"pull empty list", K_PULL, 200, "{\"ResponseCode\":\"1000\",\"Response\":[]}", POS_OK, 0, NULL},
	{"pull no Response", K_PULL, 200, "{\"ResponseCode\":\"1000\"}", POS_OK, 0, NULL},
	{"pull keys in capitals", K_PULL, 200, "{\"ResponseCode\":\"1000\",\"Response\":[[{\"TransactionID\":\"A1\",\"Amount\":\"1\",\"MSISDN\":\"2547 ***** 126\"}]]}", POS_OK, 0, NULL},
	{"pull record without id", K_PULL, 200, "{\"ResponseCode\":\"1000\",\"Response\":[[{\"amount\":\"1\"}]]}", POS_E_EMPTY, 0, "transactionId"},
	{"pull record amount words", K_PULL, 200, "{\"ResponseCode\":\"1000\",\"Response\":[[{\"transactionId\":\"A1\",\"amount\":\"ten\"}]]}", POS_E_AMOUNT, 0, "amount"},
	{"pull record text", K_PULL, 200, "{\"ResponseCode\":\"1000\",\"Response\":[[\"x\"]]}", POS_E_INVALID, 0, "Response[0]"},
	{"pull three levels", K_PULL, 200, "{\"ResponseCode\":\"1000\",\"Response\":[[[{}]]]}", POS_E_INVALID, 0, "Response[0]"},
	{"pull Response object", K_PULL, 200, "{\"ResponseCode\":\"1000\",\"Response\":{}}", POS_E_INVALID, 0, "Response"},
	{"pull id twice by case", K_PULL, 200, "{\"ResponseCode\":\"1000\",\"Response\":[{\"transactionId\":\"A1\",\"TransactionId\":\"B2\"}]}", POS_E_DUPLICATE, 0, "transactionId"},
	{"pull code 0 refused", K_PULL, 200, "{\"ResponseCode\":\"0\",\"ResponseMessage\":\"?\"}", POS_E_DARAJA, DARAJA_APIERR_REJECTED, NULL},
	{"pull code number 1001", K_PULL, 200, "{\"ResponseCode\":1001}", POS_OK, 0, NULL},
	{"pull msisdn fraction", K_PULL, 200, "{\"ResponseCode\":\"1000\",\"Response\":[{\"transactionId\":\"A1\",\"msisdn\":2547.5}]}", POS_E_INVALID, 0, "msisdn"},
	/* Hostile JSON. */
	{"deep", K_PUSH, 200, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", POS_E_RANGE, 0, "body"},
	{"NaN", K_PUSH, 200, "{\"ResponseCode\":NaN}", POS_E_INVALID, 0, "body"},
	{"bad UTF-8", K_ASYNC, 200, "{\"ResponseDescription\":\"\xc3\x28\"}", POS_E_INVALID, 0, "body"},
	{"escaped NUL", K_ASYNC, 200, "{\"ResponseDescription\":\"a\\u0000b\"}", POS_E_INVALID, 0, "body"},
	{"truncated", K_ASYNC, 200, "{\"ResponseCode\":\"0\"", POS_E_PARSE, 0, "body"},
	{"trailing data", K_ASYNC, 200, "{} []", POS_E_INVALID, 0, "body"},
};

static void test_answer_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		const struct answer_case *c = &cases[i];
		struct any a;
		struct pos_err err;
		memset(&a, 0, sizeof a);
		enum pos_status st = run(c->kind, c->http, c->body, strlen(c->body), &a, &err);
		if (st != c->want)
			fail_msg("%s: got %s (%s: %s), want %s", c->name, pos_status_name(st),
			         err.field, err.msg, pos_status_name(c->want));
		const struct daraja_api_error *e = error_of(c->kind, &a);
		if (st == POS_E_DARAJA || st == POS_E_THROTTLED) {
			if (e->cls != c->cls)
				fail_msg("%s: class %s, want %s", c->name, daraja_api_error_class_name(e->cls),
				         daraja_api_error_class_name(c->cls));
			assert_true(e->http_status == c->http);
			assert_string_equal(err.field, "daraja");
			assert_true(err.msg[0] && err.hint[0]);
		} else if (st != POS_OK) {
			if (!err.msg[0] || !err.hint[0])
				fail_msg("%s: no message or hint (%s: %s; %s)", c->name, err.field, err.msg,
				         err.hint);
			if (!strstr(err.field, c->field))
				fail_msg("%s: field \"%s\" does not name \"%s\"", c->name, err.field, c->field);
		}
		release(&a);
	}
}

/* ---- secrets and messages ------------------------------------------------------------------ */

static void test_token_never_quoted(void **state)
{
	(void)state;
	struct daraja_token_answer t;
	struct pos_err err;
	char fmt[1024];

	/* A token inside errorMessage is hidden from the answer and from err. */
	const char *b = ENV("401.002.01", "Error Occurred - Invalid Access Token - c9SQxWWhmdVRlyh0zh8gZDTkubVF");
	assert_int_equal(daraja_async_answer_parse(401, b, strlen(b), &(struct daraja_async_answer){0}, &err),
	                 POS_E_DARAJA);
	pos_err_format(&err, fmt, sizeof fmt);
	assert_null(strstr(fmt, "c9SQxWWhmdVRlyh0zh8gZDTkubVF"));
	assert_non_null(strstr(fmt, "Invalid Access Token - [token hidden]"));
	assert_non_null(strstr(fmt, "401.002.01"));
	/* 401.003.01's sentence is not a token and stays. */
	b = ENV("401.003.01", "Error Occurred - Invalid Access Token - Invalid API call as no apiproduct match found");
	struct daraja_async_answer aa;
	assert_int_equal(daraja_async_answer_parse(401, b, strlen(b), &aa, &err), POS_E_DARAJA);
	assert_non_null(strstr(aa.error.message, "no apiproduct match found"));

	/* An over-long or malformed token is refused without quoting it. */
	char body[2048], tok[600];
	memset(tok, 'Z', sizeof tok - 1);
	tok[sizeof tok - 1] = '\0';
	snprintf(body, sizeof body, "{\"access_token\":\"%s\",\"expires_in\":\"3599\"}", tok);
	assert_int_equal(daraja_token_answer_parse(200, body, strlen(body), &t, &err), POS_E_TOO_LONG);
	pos_err_format(&err, fmt, sizeof fmt);
	assert_null(strstr(fmt, "ZZZZ"));
	assert_string_equal(t.access_token, "");
	snprintf(body, sizeof body, "{\"access_token\":\"SECRETtok en\",\"expires_in\":\"3599\"}");
	assert_int_equal(daraja_token_answer_parse(200, body, strlen(body), &t, &err), POS_E_INVALID);
	pos_err_format(&err, fmt, sizeof fmt);
	assert_null(strstr(fmt, "SECRET"));
	assert_string_equal(t.access_token, "");
	/* A token that parsed but whose expires_in did not is wiped too. */
	snprintf(body, sizeof body, "{\"access_token\":\"SECRETtoken\",\"expires_in\":\"x\"}");
	assert_int_equal(daraja_token_answer_parse(200, body, strlen(body), &t, &err), POS_E_INVALID);
	assert_string_equal(t.access_token, "");

	/* A refusal quotes what Daraja said and names the class's next step. */
	b = ENV("400.002.02", "Bad Request - Invalid PhoneNumber");
	struct daraja_stk_push_answer p;
	assert_int_equal(daraja_stk_push_answer_parse(400, b, strlen(b), &p, &err), POS_E_DARAJA);
	assert_non_null(strstr(err.msg, "400.002.02 Bad Request - Invalid PhoneNumber"));
	assert_string_equal(err.hint, daraja_api_error_class_hint(DARAJA_APIERR_INVALID_FIELD));
	assert_string_equal(p.error.request_id, "4417-18862215-1");

	/* A long errorMessage is kept, cut to fit, not refused. */
	char msg[700];
	memset(msg, 'm', sizeof msg - 1);
	msg[sizeof msg - 1] = '\0';
	snprintf(body, sizeof body, "{\"errorCode\":\"400.002.02\",\"errorMessage\":\"%s\"}", msg);
	assert_int_equal(daraja_stk_push_answer_parse(400, body, strlen(body), &p, &err), POS_E_DARAJA);
	assert_int_equal(strlen(p.error.message), DARAJA_DESC_LEN);
}

static void test_classify(void **state)
{
	(void)state;
	static const struct {
		long http;
		const char *code, *msg;
		enum daraja_api_error_class want;
	} rows[] = {
		{500, "500.001.1001", "The transaction is being processed", DARAJA_APIERR_PENDING},
		{500, "500.001.1001", "the transaction is being processed.", DARAJA_APIERR_PENDING},
		{400, "500.001.1001", "The transaction is being processed", DARAJA_APIERR_REJECTED},
		{200, "500.001.1001", "The transaction is being processed", DARAJA_APIERR_REJECTED},
		{500, "500.001.1001", NULL, DARAJA_APIERR_REJECTED},
		{500, NULL, NULL, DARAJA_APIERR_SERVER},
		{401, "", "", DARAJA_APIERR_AUTH},
		{418, "418.001", "", DARAJA_APIERR_OTHER},
		{400, "4000", "", DARAJA_APIERR_INVALID_FIELD},
		{500, "404.001.01", "", DARAJA_APIERR_NOT_FOUND},
		{500, "SFC_IC0003", "", DARAJA_APIERR_SERVER},
	};
	for (size_t i = 0; i < N_ELEMS(rows); i++) {
		enum daraja_api_error_class c = daraja_api_error_classify(rows[i].http, rows[i].code, rows[i].msg);
		if (c != rows[i].want)
			fail_msg("row %zu: %s", i, daraja_api_error_class_name(c));
	}
	for (int c = 0; c < DARAJA_APIERR_COUNT; c++) {
		assert_true(strlen(daraja_api_error_class_name((enum daraja_api_error_class)c)) > 0);
		if (c != DARAJA_APIERR_NONE)
			assert_true(strlen(daraja_api_error_class_hint((enum daraja_api_error_class)c)) > 0);
	}
	assert_string_equal(daraja_api_error_class_name(DARAJA_APIERR_COUNT), "?");

	/* The envelope alone. */
	struct daraja_api_error e;
	struct pos_err err;
	assert_int_equal(daraja_api_error_parse(500, QUERY_PENDING, strlen(QUERY_PENDING), &e, &err), POS_OK);
	assert_int_equal(e.cls, DARAJA_APIERR_PENDING);
	assert_int_equal(daraja_api_error_parse(200, PUSH_OK, strlen(PUSH_OK), &e, &err), POS_E_NOT_FOUND);
	assert_int_equal(daraja_api_error_parse(200, "{", 1, &e, &err), POS_E_PARSE);
}

/* ---- hostile sizes and truncation --------------------------------------------------------- */

static void test_prefixes(void **state)
{
	(void)state;
	static const struct {
		enum kind k;
		long http;
		const char *body;
	} goods[] = {
		{K_TOKEN, 200, TOKEN_OK}, {K_PUSH, 200, PUSH_OK}, {K_QUERY, 200, QUERY_FINAL},
		{K_ASYNC, 200, ASYNC_OK}, {K_C2B, 200, C2B_OK}, {K_QR, 200, QR_OK},
		{K_PULL, 200, PULL_OK}, {K_PULL, 200, PULL_NONE},
	};
	for (size_t i = 0; i < N_ELEMS(goods); i++) {
		size_t len = strlen(goods[i].body);
		for (size_t n = 0; n < len; n++) {
			struct any a;
			struct pos_err err;
			memset(&a, 0, sizeof a);
			char *copy = malloc(n ? n : 1); /* exact size: ASan sees any overread */
			assert_non_null(copy);
			memcpy(copy, goods[i].body, n);
			enum pos_status st = run(goods[i].k, goods[i].http, copy, n, &a, &err);
			free(copy);
			if (st == POS_OK)
				fail_msg("answer %zu cut at %zu bytes was accepted", i, n);
			assert_true(err.msg[0] != '\0');
			/* On failure the parsers have released their heap already. */
			assert_null(a.qr.qr_code);
			assert_null(a.pull.records);
		}
	}
	/* The pending envelope, truncated: never PENDING by accident. */
	size_t len = strlen(QUERY_PENDING);
	for (size_t n = 0; n < len; n++) {
		struct daraja_stk_query_answer q;
		struct pos_err err;
		enum pos_status st = daraja_stk_query_answer_parse(500, QUERY_PENDING, n, &q, &err);
		assert_int_equal(st, POS_E_DARAJA);
		assert_false(q.pending);
		assert_int_equal(q.error.cls, DARAJA_APIERR_SERVER);
	}
}

static void test_size_caps(void **state)
{
	(void)state;
	struct any a;
	struct pos_err err;
	/* DARAJA_RESPONSE_MAX is accepted, one more byte is not. */
	size_t cap = DARAJA_RESPONSE_MAX;
	char *big = malloc(cap + 1);
	assert_non_null(big);
	size_t k = strlen(ASYNC_OK);
	memcpy(big, ASYNC_OK, k);
	memset(big + k, ' ', cap + 1 - k);
	assert_int_equal(run(K_ASYNC, 200, big, cap, &a, &err), POS_OK);
	assert_int_equal(run(K_ASYNC, 200, big, cap + 1, &a, &err), POS_E_TOO_LONG);
	/* The same oversized body on a 500 is still a refusal by status. */
	assert_int_equal(run(K_ASYNC, 500, big, cap + 1, &a, &err), POS_E_DARAJA);
	assert_int_equal(a.async.error.cls, DARAJA_APIERR_SERVER);

	/* A large QR code (~700 KB of base64) is kept whole. */
	k = (size_t)snprintf(big, cap, "{\"ResponseCode\":\"00\",\"QRCode\":\"");
	size_t qr = 700 * 1024;
	memset(big + k, 'A', qr);
	k += qr;
	k += (size_t)snprintf(big + k, cap - k, "\"}");
	assert_int_equal(run(K_QR, 200, big, k, &a, &err), POS_OK);
	assert_true(a.qr.qr_code_len == qr);
	daraja_qr_answer_release(&a.qr);

	/* Pull: 5000 records are fine, 10,000 are refused. */
	for (int n = 5000; n <= 10000; n += 5000) {
		k = (size_t)snprintf(big, cap, "{\"ResponseCode\":\"1000\",\"Response\":[[");
		for (int i = 0; i < n; i++)
			k += (size_t)snprintf(big + k, cap - k, "%s{\"transactionId\":\"T%d\",\"amount\":1}",
			                      i ? "," : "", i);
		k += (size_t)snprintf(big + k, cap - k, "]]}");
		enum pos_status st = run(K_PULL, 200, big, k, &a, &err);
		if (n == 5000) {
			assert_int_equal(st, POS_OK);
			assert_int_equal(a.pull.n_records, 5000);
			assert_string_equal(a.pull.records[4999].transaction_id, "T4999");
		} else {
			assert_int_equal(st, POS_E_RANGE);
			assert_null(a.pull.records);
		}
		daraja_pull_answer_release(&a.pull);
	}
	/* 40 KB of '[' on every parser, 2xx and 5xx. */
	memset(big, '[', 40 * 1024);
	for (int kk = 0; kk < K_COUNT; kk++) {
		assert_int_equal(run((enum kind)kk, 200, big, 40 * 1024, &a, &err), POS_E_RANGE);
		enum pos_status st = run((enum kind)kk, 500, big, 40 * 1024, &a, &err);
		assert_true(st == POS_E_DARAJA);
	}
	/* NUL in the middle of a good answer. */
	memcpy(big, PUSH_OK, sizeof PUSH_OK);
	big[10] = '\0';
	assert_int_equal(run(K_PUSH, 200, big, sizeof PUSH_OK - 1, &a, &err), POS_E_INVALID);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_documented_answers),
		cmocka_unit_test(test_answer_cases),
		cmocka_unit_test(test_token_never_quoted),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_size_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
