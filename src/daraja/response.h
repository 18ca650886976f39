/*
 * daraja/response.h: strict, pure parsers for Daraja's synchronous answers.
 *
 * Each parser takes the HTTP status and the body exactly as received and
 * returns a typed answer. The body is checked as callback.h describes
 * (size cap DARAJA_RESPONSE_MAX, depth 32, strict JSON, UTF-8, exact
 * numbers, duplicate keys refused, per-field caps).
 *
 * Return values, the same for every parser:
 *   POS_OK           the answer was understood and says "accepted" (or, for
 *                    the STK query, gives the final result or PENDING).
 *   POS_E_DARAJA     Daraja refused the request: the error envelope
 *                    {requestId, errorCode, errorMessage} (any letter case),
 *                    a non-zero ResponseCode on HTTP 200, or a non-2xx
 *                    status with a body that is not JSON. `error` in the
 *                    answer is filled and classified; err says what Daraja
 *                    said (an access token inside errorMessage is hidden)
 *                    and what to do next.
 *   POS_E_THROTTLED  the same, for spike-arrest and quota errors.
 *   anything else    a 2xx body that could not be understood (POS_E_PARSE,
 *                    POS_E_INVALID, POS_E_EMPTY, POS_E_TOO_LONG...): the
 *                    request may or may not have been taken.
 *
 * Ownership: answers are caller-owned. Only two hold heap memory, freed with
 * their release function (safe on a zeroed or already released answer, and
 * already done by the parser when it fails): daraja_qr_answer (the base64
 * PNG) and daraja_pull_answer (the records). The rest are fixed-size arrays.
 * Thread-safety: reentrant.
 */
#ifndef POS_DARAJA_RESPONSE_H
#define POS_DARAJA_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "daraja/callback.h"

enum {
	DARAJA_RESPONSE_MAX = 1024 * 1024, /* bytes of any answer body */
	DARAJA_TOKEN_LEN = 512,
	DARAJA_PULL_RECORDS_MAX = 5000,    /* records on one Pull page */
};

/* X(enum, name, hint: what to do next) */
#define DARAJA_API_ERRORS(X)                                                   \
	X(DARAJA_APIERR_NONE, "none", "")                                          \
	X(DARAJA_APIERR_INVALID_FIELD, "invalid-field",                            \
	  "Correct the field Daraja names and send the request again.")           \
	X(DARAJA_APIERR_BAD_PAYLOAD, "bad-payload",                                \
	  "Daraja could not read the request: this is a fault in mpesa-pos or a "  \
	  "proxy in between; report it with the log.")                             \
	X(DARAJA_APIERR_AUTH, "auth",                                              \
	  "The access token or the consumer key and secret were refused: a new "   \
	  "token is fetched and the request retried once; if it persists, check "  \
	  "the consumer key and secret in the [daraja] configuration.")            \
	X(DARAJA_APIERR_NOT_SUBSCRIBED, "not-subscribed",                          \
	  "The Daraja app is not subscribed to this API product or version: add "  \
	  "the product on the Daraja portal or change the API version in the "     \
	  "configuration.")                                                        \
	X(DARAJA_APIERR_NOT_FOUND, "not-found",                                    \
	  "Daraja does not know this address: check the base URL and the API "    \
	  "version in the configuration.")                                         \
	X(DARAJA_APIERR_METHOD, "method",                                          \
	  "Daraja refused the HTTP method: this is a fault in mpesa-pos; report "  \
	  "it with the log.")                                                      \
	X(DARAJA_APIERR_PENDING, "pending",                                        \
	  "The transaction is still being processed: ask again in a few seconds.") \
	X(DARAJA_APIERR_SUBSCRIBER_BUSY, "subscriber-busy",                        \
	  "The customer's phone already has an M-Pesa prompt open: wait about a "  \
	  "minute, then try again.")                                               \
	X(DARAJA_APIERR_CREDENTIALS, "credentials",                                \
	  "Daraja refused the shortcode or passkey: check them in the [daraja] "   \
	  "configuration (sandbox and production values differ).")                 \
	X(DARAJA_APIERR_DUPLICATE, "duplicate",                                    \
	  "Daraja has already seen this request id: check the earlier request's "  \
	  "status before sending a new one.")                                      \
	X(DARAJA_APIERR_THROTTLED, "throttled",                                    \
	  "Too many requests for this app: wait a minute and try again.")          \
	X(DARAJA_APIERR_ALREADY_REGISTERED, "already-registered",                  \
	  "The C2B URLs are already registered for this shortcode: change them on " \
	  "the Daraja portal (URL management) or through Safaricom API support.")  \
	X(DARAJA_APIERR_SERVER, "server",                                          \
	  "Daraja had an internal problem: the request may or may not have been "  \
	  "taken, so check its status before sending it again.")                   \
	X(DARAJA_APIERR_REJECTED, "rejected",                                      \
	  "Daraja did not accept the request: read its message, correct the "      \
	  "request and try again.")                                                \
	X(DARAJA_APIERR_OTHER, "other",                                            \
	  "Daraja answered with an error mpesa-pos does not know: the request "    \
	  "may or may not have been taken, so check its status first.")

enum daraja_api_error_class {
#define DARAJA_APIERR_ENUM(e, name, hint) e,
	DARAJA_API_ERRORS(DARAJA_APIERR_ENUM)
#undef DARAJA_APIERR_ENUM
	DARAJA_APIERR_COUNT
};

const char *daraja_api_error_class_name(enum daraja_api_error_class c);
const char *daraja_api_error_class_hint(enum daraja_api_error_class c);

/*
 * Classify by errorCode text first (400.002.02, 401.002.01, 500.003.02...),
 * then by its first segment, then by the HTTP status. 500.001.1001 is
 * PENDING only with HTTP 500 and the message "The transaction is being
 * processed"; with other messages it is SUBSCRIBER_BUSY ("Unable to lock
 * subscriber"), CREDENTIALS ("Wrong credentials", "Merchant does not exist")
 * or REJECTED. code and message may be NULL.
 */
enum daraja_api_error_class daraja_api_error_classify(long http_status,
                                                      const char *code,
                                                      const char *message);

/* A refusal as Daraja expressed it. cls NONE when the call was accepted. */
struct daraja_api_error {
	enum daraja_api_error_class cls;
	long http_status;
	char request_id[DARAJA_ID_LEN + 1];
	char code[DARAJA_CODE_LEN + 1];       /* "400.002.02", or a ResponseCode */
	char message[DARAJA_DESC_LEN + 1];    /* cut to fit; tokens hidden */
};

/* Parse an error envelope on its own: POS_OK when body is one (out filled
 * and classified), otherwise the reason it is not. */
enum pos_status daraja_api_error_parse(long http_status, const char *body,
                                       size_t len, struct daraja_api_error *out,
                                       struct pos_err *err);

/* ---- the answers ------------------------------------------------------------------- */

/* GET /oauth/v1/generate. The token is a secret: it is never quoted in err. */
struct daraja_token_answer {
	char access_token[DARAJA_TOKEN_LEN + 1];
	int64_t expires_in_s;                 /* "3599" or 3599; 1 .. 31536000 */
	struct daraja_api_error error;
};
enum pos_status daraja_token_answer_parse(long http_status, const char *body,
                                          size_t len,
                                          struct daraja_token_answer *out,
                                          struct pos_err *err);

/* POST /mpesa/stkpush/v1/processrequest */
struct daraja_stk_push_answer {
	char merchant_request_id[DARAJA_ID_LEN + 1];
	char checkout_request_id[DARAJA_ID_LEN + 1];
	struct daraja_code response_code;     /* "0" */
	char response_description[DARAJA_DESC_LEN + 1];
	char customer_message[DARAJA_DESC_LEN + 1];
	struct daraja_api_error error;
};
enum pos_status daraja_stk_push_answer_parse(long http_status, const char *body,
                                             size_t len,
                                             struct daraja_stk_push_answer *out,
                                             struct pos_err *err);

/* POST /mpesa/stkpushquery/v1/query. HTTP 500 + 500.001.1001 + "The
 * transaction is being processed" is POS_OK with pending = true (poll again);
 * other 500.001.1001 answers are refusals. */
struct daraja_stk_query_answer {
	bool pending;
	struct daraja_code response_code;
	char response_description[DARAJA_DESC_LEN + 1];
	char merchant_request_id[DARAJA_ID_LEN + 1];
	char checkout_request_id[DARAJA_ID_LEN + 1];
	struct daraja_code result_code;       /* "1032" or 1032 */
	char result_desc[DARAJA_DESC_LEN + 1];
	enum daraja_outcome outcome;          /* UNKNOWN while pending */
	struct daraja_api_error error;        /* cls PENDING while pending */
};
enum pos_status daraja_stk_query_answer_parse(long http_status, const char *body,
                                              size_t len,
                                              struct daraja_stk_query_answer *out,
                                              struct pos_err *err);

/* The acceptance of B2C, B2B, Transaction Status, Balance and Reversal. */
struct daraja_async_answer {
	char originator_conversation_id[DARAJA_ID_LEN + 1];
	char conversation_id[DARAJA_ID_LEN + 1];
	struct daraja_code response_code;
	char response_description[DARAJA_DESC_LEN + 1];
	struct daraja_api_error error;
};
enum pos_status daraja_async_answer_parse(long http_status, const char *body,
                                          size_t len,
                                          struct daraja_async_answer *out,
                                          struct pos_err *err);

/* C2B register URL (and simulate): "OriginatorCoversationID" (sic) or the
 * correct spelling; both at once is refused. */
struct daraja_c2b_register_answer {
	char originator_conversation_id[DARAJA_ID_LEN + 1];
	struct daraja_code response_code;
	char response_description[DARAJA_DESC_LEN + 1];
	struct daraja_api_error error;
};
enum pos_status daraja_c2b_register_answer_parse(long http_status,
                                                 const char *body, size_t len,
                                                 struct daraja_c2b_register_answer *out,
                                                 struct pos_err *err);

/* Dynamic QR: ResponseCode "00" or "0"; QRCode is base64 (PNG). */
struct daraja_qr_answer {
	struct daraja_code response_code;
	char response_description[DARAJA_DESC_LEN + 1];
	char request_id[DARAJA_ID_LEN + 1];
	char *qr_code;                        /* heap, NUL-terminated base64 */
	size_t qr_code_len;
	struct daraja_api_error error;
};
enum pos_status daraja_qr_answer_parse(long http_status, const char *body,
                                       size_t len, struct daraja_qr_answer *out,
                                       struct pos_err *err);
void daraja_qr_answer_release(struct daraja_qr_answer *a);

/* Pull Transactions query: ResponseCode "1000" with records, or "1001" (no
 * records, or the shortcode is not provisioned for Pull: never "0 imported").
 * "Response" is a list of records, or a list of such lists; keys are matched
 * ignoring case. transactionId is required in each record. */
struct daraja_pull_record {
	char transaction_id[DARAJA_ID_LEN + 1];
	char trx_date[DARAJA_ID_LEN + 1];         /* as sent; format unknown */
	struct daraja_msisdn msisdn;
	char sender[DARAJA_NAME_LEN + 1];
	char transaction_type[DARAJA_NAME_LEN + 1];
	char bill_reference[DARAJA_ID_LEN + 1];
	struct daraja_money amount;
	char organization_name[DARAJA_NAME_LEN + 1];
};
struct daraja_pull_answer {
	struct daraja_code response_code;
	char response_message[DARAJA_DESC_LEN + 1];
	bool no_records;                      /* ResponseCode 1001 */
	size_t n_records;
	struct daraja_pull_record *records;   /* heap; NULL when none */
	struct daraja_api_error error;
};
enum pos_status daraja_pull_answer_parse(long http_status, const char *body,
                                         size_t len, struct daraja_pull_answer *out,
                                         struct pos_err *err);
void daraja_pull_answer_release(struct daraja_pull_answer *a);

#endif
