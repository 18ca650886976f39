/*
 * core/fields.h: rules for the Daraja request fields our client sends.
 *
 * Stricter than Daraja on purpose, so a request never bounces for a field
 * the cashier could have fixed at the till:
 *  - AccountReference: 1-12 characters (shown on the customer's prompt);
 *  - TransactionDesc: 1-13 characters;
 *  - Remarks: up to 100, required for B2C, reversal, status and balance;
 *  - Occasion: up to 100, optional;
 *  - shortcode: 5-7 ASCII digits, not starting with 0;
 *  - callback URLs: https (http only for a loopback host), and none of the
 *    words Daraja refuses (daraja-api.md 6.1): mpesa, m-pesa, safaricom,
 *    exe, exec, cmd, sql, query, in any case.
 *
 * Characters of the free-text fields: printable ASCII (0x20-0x7e) except
 * the four that JSON or markup must escape: " \ < >. Daraja's back end is
 * XML-based and the text reaches the customer's phone, where escapes show as
 * garbage; letters, digits, space and the other punctuation (& ' # - / . ,)
 * are allowed, because business names use them. Control characters and any
 * non-ASCII character (é, emoji, Arabic-Indic digits) are refused with a
 * sentence naming the character and its position. Values are checked as
 * given: trim them first if spaces at the ends are not meant.
 *
 * Every check returns POS_OK or an error whose field is the snake_case name
 * ("account_reference", "transaction_desc", "remarks", "occasion",
 * "shortcode", "callback_url", "command_id", "transaction_type"); a caller
 * with its own name for the value (a config key) may overwrite err->field.
 *
 * Ownership: names and labels are static strings; struct pos_err is the
 * caller's. Thread-safety: pure functions over const tables.
 */
#ifndef POS_CORE_FIELDS_H
#define POS_CORE_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"

enum {
	FIELDS_ACCOUNT_REF_MAX = 12,
	FIELDS_TXN_DESC_MAX = 13,
	FIELDS_REMARKS_MAX = 100,
	FIELDS_OCCASION_MAX = 100,
	FIELDS_SHORTCODE_MIN = 5,
	FIELDS_SHORTCODE_MAX = 7,
	FIELDS_URL_MAX = 512,
};

/* X(enum, Daraja CommandID, short alias, label) */
#define FIELDS_B2C_COMMANDS(X)                                                 \
	X(FIELDS_B2C_BUSINESS, "BusinessPayment", "business", "Business payment")  \
	X(FIELDS_B2C_SALARY, "SalaryPayment", "salary", "Salary payment")          \
	X(FIELDS_B2C_PROMOTION, "PromotionPayment", "promotion", "Promotion payment")

enum fields_b2c_command {
#define FIELDS_B2C_ENUM(e, wire, alias, label) e,
	FIELDS_B2C_COMMANDS(FIELDS_B2C_ENUM)
#undef FIELDS_B2C_ENUM
	FIELDS_B2C_COUNT
};

/* X(enum, Daraja TransactionType, short alias, label) */
#define FIELDS_STK_TYPES(X)                                                    \
	X(FIELDS_STK_PAYBILL, "CustomerPayBillOnline", "paybill", "Paybill")       \
	X(FIELDS_STK_BUYGOODS, "CustomerBuyGoodsOnline", "till", "Buy goods (till)")

enum fields_stk_type {
#define FIELDS_STK_ENUM(e, wire, alias, label) e,
	FIELDS_STK_TYPES(FIELDS_STK_ENUM)
#undef FIELDS_STK_ENUM
	FIELDS_STK_COUNT
};

/* "BusinessPayment"; "?" when out of range. */
const char *fields_b2c_command_name(enum fields_b2c_command c);
const char *fields_b2c_command_label(enum fields_b2c_command c);
/* The Daraja name or the alias, any case. POS_E_INVALID (field "command_id")
 * naming the allowed values otherwise. */
enum pos_status fields_b2c_command_parse(const char *s, enum fields_b2c_command *out,
                                         struct pos_err *err);

const char *fields_stk_type_name(enum fields_stk_type t); /* "CustomerPayBillOnline" */
const char *fields_stk_type_label(enum fields_stk_type t);
enum pos_status fields_stk_type_parse(const char *s, enum fields_stk_type *out,
                                      struct pos_err *err);

/* The free-text fields. NULL counts as empty. */
enum pos_status fields_check_account_ref(const char *s, struct pos_err *err);
enum pos_status fields_check_txn_desc(const char *s, struct pos_err *err);
enum pos_status fields_check_remarks(const char *s, bool required,
                                     struct pos_err *err);
enum pos_status fields_check_occasion(const char *s, struct pos_err *err);

/* 5-7 ASCII digits, not starting with 0. */
enum pos_status fields_check_shortcode(const char *s, struct pos_err *err);

/* A callback URL (STK CallBackURL, B2C ResultURL/QueueTimeOutURL, C2B
 * Confirmation/ValidationURL). */
enum pos_status fields_check_callback_url(const char *url, struct pos_err *err);

/* True when the URL's host is 127.0.0.0/8, ::1 or localhost. */
bool fields_url_is_loopback(const char *url);

#endif
