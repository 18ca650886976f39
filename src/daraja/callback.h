/*
 * daraja/callback.h: strict, pure parsers for the bodies Daraja POSTs to us.
 *
 * One parser per body: the STK (M-Pesa Express) callback, the asynchronous
 * Result envelope of B2C, Transaction Status, Account Balance and Reversal
 * (and their QueueTimeOutURL bodies), and the C2B validation and confirmation
 * requests. daraja_callback_parse() takes the route the body arrived on (the
 * listener knows it) and runs the right one.
 *
 * What "strict" means here:
 * - Before any JSON parsing: a body over max_body bytes (0 = 64 KiB), with a
 *   NUL byte, nested deeper than 32 levels, not strict JSON (NaN, Infinity,
 *   leading zeros, trailing data, raw control characters), with invalid UTF-8
 *   or an escaped NUL is refused. No recursion happens on a hostile body.
 * - Every field has a type, a length cap (ids 64 bytes, codes 32,
 *   descriptions 256, names 128, raw texts 256) and, when required, must be
 *   there. Text may not hold control characters (it may reach a terminal).
 * - Numbers are read from their exact text in the body, never through a
 *   double: "1", 1.0, 10.00 and "190.00" are exact minor units (cents, x100);
 *   10.50 is 1050 (never rounded; the caller decides what a fraction means);
 *   more than two non-zero decimals, exponents, and values beyond int64 are
 *   refused. Where a whole number is required, 1.5 and 1.0 are refused.
 * - A key that we read and that appears twice in its object is refused
 *   (cJSON would keep the first, other parsers the last). Keys we never read
 *   are ignored, so new Daraja fields do not break us. In Name/Value lists an
 *   item name given twice is refused.
 * - Lists that Daraja sends as an array or, for one item, a bare object, are
 *   accepted in both shapes; items without "Value" are fine.
 * A refused body fills err: field = the JSON path ("Body.stkCallback.
 * CheckoutRequestID"), msg = what is wrong, quoting the value (never a secret),
 * hint = what to do next.
 *
 * Ownership: every output struct is caller-owned and holds only fixed-size
 * arrays; there is nothing to free. On failure its contents are unspecified.
 * Thread-safety: reentrant; safe from listener threads (stack use is small:
 * the largest struct, struct daraja_callback, is a few KiB).
 */
#ifndef POS_DARAJA_CALLBACK_H
#define POS_DARAJA_CALLBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/status.h"

enum {
	DARAJA_CB_BODY_MAX_DEFAULT = 64 * 1024,
	DARAJA_ID_LEN = 64,            /* ids, receipts, references */
	DARAJA_CODE_LEN = 32,          /* "0", "1032", "SFC_IC0003" */
	DARAJA_DESC_LEN = 256,         /* ResultDesc and other sentences */
	DARAJA_NAME_LEN = 128,         /* people, parties, account types */
	DARAJA_RAW_LEN = 256,          /* kept-as-sent texts (Balance, charges) */
	DARAJA_MSISDN_LEN = 64,        /* 64 hex chars of a SHA-256 */
	DARAJA_SHORTCODE_LEN = 12,
	DARAJA_TIME_TEXT_LEN = 23,
	DARAJA_ITEMS_MAX = 64,         /* Item / ResultParameter entries */
	DARAJA_REF_ITEMS_MAX = 8,      /* ReferenceItem entries */
	DARAJA_REF_VALUE_LEN = 256,
	DARAJA_ACCOUNTS_MAX = 16,      /* accounts in an AccountBalance string */
	DARAJA_ACCOUNT_NAME_LEN = 64,
};

/* A result code normalised to text: 0 → "0", "SFC_IC0003" stays. */
struct daraja_code {
	char text[DARAJA_CODE_LEN + 1];
	bool numeric;    /* text is all digits; value holds it */
	int64_t value;
};

/* An optional amount, exact, in minor units (cents). */
struct daraja_money {
	bool present;
	int64_t minor;
};

/* A date and time as Daraja sent it, and the instant when it is complete. */
struct daraja_time {
	char text[DARAJA_TIME_TEXT_LEN + 1]; /* "" when absent */
	bool known;                          /* t is set */
	time_t t;                            /* Unix seconds (text is EAT) */
};

/* X(enum, name) */
#define DARAJA_MSISDN_KINDS(X)                                                 \
	X(DARAJA_MSISDN_ABSENT, "absent")                                          \
	X(DARAJA_MSISDN_DIGITS, "digits")  /* 254712345678 */                      \
	X(DARAJA_MSISDN_MASKED, "masked")  /* "2547 ***** 126" */                  \
	X(DARAJA_MSISDN_HASHED, "hashed")  /* 64 hex chars: SHA-256 (C2B v1) */    \
	X(DARAJA_MSISDN_OTHER, "other")    /* printable, none of the above */

enum daraja_msisdn_kind {
#define DARAJA_MSISDN_ENUM(e, name) e,
	DARAJA_MSISDN_KINDS(DARAJA_MSISDN_ENUM)
#undef DARAJA_MSISDN_ENUM
};

/* A phone number as shown by Daraja: display and matching only, never a key. */
struct daraja_msisdn {
	enum daraja_msisdn_kind kind;
	char text[DARAJA_MSISDN_LEN + 1];
};

/* X(enum, name) */
#define DARAJA_OUTCOMES(X)                                                     \
	X(DARAJA_OUTCOME_SUCCESS, "success")         /* ResultCode 0 */            \
	X(DARAJA_OUTCOME_FAILED, "failed")           /* any other code */          \
	X(DARAJA_OUTCOME_UNKNOWN, "timeout: outcome unknown") /* queue timeout */

enum daraja_outcome {
#define DARAJA_OUTCOME_ENUM(e, name) e,
	DARAJA_OUTCOMES(DARAJA_OUTCOME_ENUM)
#undef DARAJA_OUTCOME_ENUM
};

const char *daraja_outcome_name(enum daraja_outcome o);
const char *daraja_msisdn_kind_name(enum daraja_msisdn_kind k);

/* ---- STK (M-Pesa Express) callback: Body.stkCallback ------------------------ */

struct daraja_stk_callback {
	char merchant_request_id[DARAJA_ID_LEN + 1];  /* required */
	char checkout_request_id[DARAJA_ID_LEN + 1];  /* required */
	struct daraja_code result_code;               /* required, number or text */
	char result_desc[DARAJA_DESC_LEN + 1];        /* display only */
	enum daraja_outcome outcome;                  /* SUCCESS iff code is 0 */
	bool has_metadata;
	/* CallbackMetadata items (looked up by Name, any order). On SUCCESS,
	 * Amount and MpesaReceiptNumber are required. */
	struct daraja_money amount;
	char receipt[DARAJA_ID_LEN + 1];              /* "" when absent */
	bool has_balance;                             /* item present */
	char balance[DARAJA_RAW_LEN + 1];             /* raw text; often "" */
	struct daraja_time transaction_date;          /* 12-14 digits; known if 14 */
	struct daraja_msisdn phone;
};

enum pos_status daraja_stk_callback_parse(const char *body, size_t len,
                                          size_t max_body,
                                          struct daraja_stk_callback *out,
                                          struct pos_err *err);

/* ---- asynchronous Result envelope (B2C, status, balance, reversal) ----------- */

struct daraja_ref_item {
	char key[DARAJA_ID_LEN + 1];
	bool has_value;
	char value[DARAJA_REF_VALUE_LEN + 1];
};

struct daraja_result_common {
	bool timeout;              /* came to the QueueTimeOutURL: outcome UNKNOWN */
	int64_t result_type;       /* normally 0 */
	bool has_result_code;      /* always true for results; may be false for timeouts */
	struct daraja_code result_code;
	char result_desc[DARAJA_DESC_LEN + 1];
	char originator_conversation_id[DARAJA_ID_LEN + 1];
	char conversation_id[DARAJA_ID_LEN + 1];
	char transaction_id[DARAJA_ID_LEN + 1];       /* "" when absent */
	enum daraja_outcome outcome;                  /* UNKNOWN for every timeout */
	bool has_params;                              /* a ResultParameter list came */
	size_t n_ref;
	struct daraja_ref_item ref[DARAJA_REF_ITEMS_MAX]; /* ReferenceData items */
};

/* One account of an AccountBalance string, amounts in minor units. */
struct daraja_account {
	char name[DARAJA_ACCOUNT_NAME_LEN + 1];
	char currency[4];                             /* "KES" */
	int64_t current, available, reserved, uncleared;
};

/*
 * Parse `account ( "&" account )*`, account = Name|Currency|Current|Available|
 * Reserved|Uncleared; amounts -?digits with up to two decimals. At most
 * max_accounts (refused beyond). `path` names the field in messages.
 */
enum pos_status daraja_account_balance_parse(const char *s, size_t n,
                                             const char *path,
                                             struct daraja_account *accounts,
                                             size_t max_accounts, size_t *count,
                                             struct pos_err *err);

struct daraja_b2c_result {
	struct daraja_result_common common;
	/* ResultParameters; on SUCCESS TransactionAmount is required, and receipt
	 * falls back to Result.TransactionID when TransactionReceipt is absent. */
	struct daraja_money amount;                   /* TransactionAmount */
	char receipt[DARAJA_ID_LEN + 1];              /* TransactionReceipt */
	char recipient_registered;                    /* 'Y', 'N', or 0 absent */
	struct daraja_money charges_paid_funds;       /* may be negative */
	char receiver_public_name[DARAJA_NAME_LEN + 1];
	struct daraja_time completed;                 /* DD.MM.YYYY HH:mm:ss */
	struct daraja_money utility_funds;
	struct daraja_money working_funds;
};

struct daraja_status_result {
	struct daraja_result_common common;
	char receipt_no[DARAJA_ID_LEN + 1];           /* ReceiptNo */
	struct daraja_money amount;                   /* Amount */
	char transaction_status[DARAJA_NAME_LEN + 1]; /* "Completed", ... */
	char debit_party_name[DARAJA_NAME_LEN + 1];
	char credit_party_name[DARAJA_NAME_LEN + 1];
	char debit_account_type[DARAJA_NAME_LEN + 1];
	char debit_party_charges[DARAJA_RAW_LEN + 1];
	char reason_type[DARAJA_NAME_LEN + 1];
	char transaction_reason[DARAJA_DESC_LEN + 1];
	/* "ConversationID" or "Conversation ID", likewise the originator's. */
	char conversation_id[DARAJA_ID_LEN + 1];
	char originator_conversation_id[DARAJA_ID_LEN + 1];
	struct daraja_time initiated;                 /* InitiatedTime */
	struct daraja_time finalised;                 /* FinalisedTime/FinalizedTime */
};

struct daraja_balance_result {
	struct daraja_result_common common;
	size_t n_accounts;                            /* on SUCCESS at least 1 */
	struct daraja_account accounts[DARAJA_ACCOUNTS_MAX];
	struct daraja_time completed;                 /* BOCompletedTime */
};

struct daraja_reversal_result {
	struct daraja_result_common common;
	char debit_account_balance[DARAJA_RAW_LEN + 1]; /* raw, as sent */
	bool has_debit_account;                       /* raw text was pipe format */
	struct daraja_account debit_account;
	struct daraja_money amount;
	struct daraja_time completed;                 /* TransCompletedTime */
	char original_transaction_id[DARAJA_ID_LEN + 1];
	struct daraja_money charge;
	char credit_party_public_name[DARAJA_NAME_LEN + 1];
	char debit_party_public_name[DARAJA_NAME_LEN + 1];
};

/* timeout: the body came to the QueueTimeOutURL. Then ResultCode may be
 * absent, one of the two conversation ids is enough, and the outcome is
 * UNKNOWN whatever the code says (query Transaction Status; never a failure). */
enum pos_status daraja_b2c_result_parse(const char *body, size_t len,
                                        size_t max_body, bool timeout,
                                        struct daraja_b2c_result *out,
                                        struct pos_err *err);
enum pos_status daraja_status_result_parse(const char *body, size_t len,
                                           size_t max_body, bool timeout,
                                           struct daraja_status_result *out,
                                           struct pos_err *err);
enum pos_status daraja_balance_result_parse(const char *body, size_t len,
                                            size_t max_body, bool timeout,
                                            struct daraja_balance_result *out,
                                            struct pos_err *err);
enum pos_status daraja_reversal_result_parse(const char *body, size_t len,
                                             size_t max_body, bool timeout,
                                             struct daraja_reversal_result *out,
                                             struct pos_err *err);

/* ---- C2B validation request and confirmation ------------------------------- */

struct daraja_c2b {
	bool confirmation;                            /* false: validation */
	char transaction_type[DARAJA_NAME_LEN + 1];   /* "Pay Bill", "Buy Goods" */
	char trans_id[DARAJA_ID_LEN + 1];             /* required */
	struct daraja_time trans_time;                /* required, 14 digits */
	struct daraja_money amount;                   /* TransAmount, required */
	char business_short_code[DARAJA_SHORTCODE_LEN + 1]; /* required, digits */
	char bill_ref_number[DARAJA_ID_LEN + 1];
	char invoice_number[DARAJA_ID_LEN + 1];
	struct daraja_money org_account_balance;      /* "" → absent */
	char third_party_trans_id[DARAJA_ID_LEN + 1];
	struct daraja_msisdn msisdn;
	char first_name[DARAJA_NAME_LEN + 1];
	char middle_name[DARAJA_NAME_LEN + 1];
	char last_name[DARAJA_NAME_LEN + 1];
};

/* All values are strings on the wire; numbers are tolerated as numbers. */
enum pos_status daraja_c2b_parse(const char *body, size_t len, size_t max_body,
                                 bool confirmation, struct daraja_c2b *out,
                                 struct pos_err *err);

/* ---- by route ------------------------------------------------------------------ */

/* X(enum, name, what) */
#define DARAJA_CB_ROUTES(X)                                                    \
	X(DARAJA_CB_STK, "stk", "STK callback")                                    \
	X(DARAJA_CB_B2C_RESULT, "b2c-result", "B2C result")                        \
	X(DARAJA_CB_B2C_TIMEOUT, "b2c-timeout", "B2C queue timeout")               \
	X(DARAJA_CB_STATUS_RESULT, "status-result", "transaction status result")   \
	X(DARAJA_CB_STATUS_TIMEOUT, "status-timeout", "transaction status queue timeout") \
	X(DARAJA_CB_BALANCE_RESULT, "balance-result", "account balance result")    \
	X(DARAJA_CB_BALANCE_TIMEOUT, "balance-timeout", "account balance queue timeout") \
	X(DARAJA_CB_REVERSAL_RESULT, "reversal-result", "reversal result")         \
	X(DARAJA_CB_REVERSAL_TIMEOUT, "reversal-timeout", "reversal queue timeout") \
	X(DARAJA_CB_C2B_VALIDATION, "c2b-validation", "C2B validation request")    \
	X(DARAJA_CB_C2B_CONFIRMATION, "c2b-confirmation", "C2B confirmation")

enum daraja_cb_route {
#define DARAJA_CB_ROUTE_ENUM(e, name, what) e,
	DARAJA_CB_ROUTES(DARAJA_CB_ROUTE_ENUM)
#undef DARAJA_CB_ROUTE_ENUM
	DARAJA_CB_ROUTE_COUNT
};

const char *daraja_cb_route_name(enum daraja_cb_route r);   /* "b2c-result" */
const char *daraja_cb_route_what(enum daraja_cb_route r);   /* "B2C result" */
bool daraja_cb_route_from_name(const char *name, enum daraja_cb_route *out);

struct daraja_callback {
	enum daraja_cb_route route;
	union {
		struct daraja_stk_callback stk;               /* DARAJA_CB_STK */
		struct daraja_b2c_result b2c;                 /* B2C result/timeout */
		struct daraja_status_result status;           /* status result/timeout */
		struct daraja_balance_result balance;         /* balance result/timeout */
		struct daraja_reversal_result reversal;       /* reversal result/timeout */
		struct daraja_c2b c2b;                        /* C2B validation/confirmation */
	} u;
};

/*
 * Parse body as the route says. A body of another kind (an STK callback on a
 * result route, balance parameters on the B2C route, a Result envelope on a
 * C2B route...) is refused with a message naming both, since it means a
 * callback URL was given to the wrong request.
 */
enum pos_status daraja_callback_parse(enum daraja_cb_route route,
                                      const char *body, size_t len,
                                      size_t max_body,
                                      struct daraja_callback *out,
                                      struct pos_err *err);

#endif
