/*
 * core/event.h: the IF.bus event catalogue, as data.
 *
 * Every event the till publishes has a name ("mpesa.stk_push.success") and a
 * list of payload fields. The payload field names are the subset the Python
 * IF.bus adapter understands (phone_number, amount, currency, ...) plus ours
 * (txn_id, receipt, operator, state). Every event also carries the common
 * envelope: id, name, occurred_at, till_id, shortcode, schema_version (= 1).
 * Values are strings on the wire, result_code included ("1032").
 *
 * event_for_transition() says which event a change of transaction state
 * publishes, so store/ can put it in the outbox in the same SQL transaction
 * as the change. No JSON here (core has no cJSON): bus/ builds the bodies.
 *
 * Ownership: names are static strings.
 * Thread-safety: pure functions over const tables.
 */
#ifndef POS_CORE_EVENT_H
#define POS_CORE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/txn.h"

#define EVENT_SCHEMA_VERSION 1

/* X(enum, name) — payload fields. At most 32. */
#define EVENT_FIELDS(X)                                                        \
	X(EVF_PHONE_NUMBER, "phone_number")                                        \
	X(EVF_AMOUNT, "amount")                                                    \
	X(EVF_CURRENCY, "currency")                                                \
	X(EVF_ACCOUNT_REFERENCE, "account_reference")                              \
	X(EVF_MERCHANT_REQUEST_ID, "merchant_request_id")                          \
	X(EVF_CHECKOUT_REQUEST_ID, "checkout_request_id")                          \
	X(EVF_RESULT_CODE, "result_code")                                          \
	X(EVF_RESULT_DESCRIPTION, "result_description")                            \
	X(EVF_COMMAND_ID, "command_id")                                            \
	X(EVF_CONVERSATION_ID, "conversation_id")                                  \
	X(EVF_ORIGINATOR_CONVERSATION_ID, "originator_conversation_id")            \
	X(EVF_TRANSACTION_ID, "transaction_id")                                    \
	X(EVF_ENVIRONMENT, "environment")                                          \
	X(EVF_ERROR_TYPE, "error_type")                                            \
	X(EVF_MESSAGE, "message")                                                  \
	X(EVF_TXN_ID, "txn_id")                                                    \
	X(EVF_RECEIPT, "receipt")                                                  \
	X(EVF_OPERATOR, "operator")                                                \
	X(EVF_STATE, "state")

enum event_field {
#define EVENT_FIELD_ENUM(e, name) e,
	EVENT_FIELDS(EVENT_FIELD_ENUM)
#undef EVENT_FIELD_ENUM
	EVENT_FIELD_COUNT
};

/* X(enum, name) — the envelope every event carries. */
#define EVENT_ENVELOPE(X)                                                      \
	X(EVE_ID, "id")                                                            \
	X(EVE_NAME, "name")                                                        \
	X(EVE_OCCURRED_AT, "occurred_at")                                          \
	X(EVE_TILL_ID, "till_id")                                                  \
	X(EVE_SHORTCODE, "shortcode")                                              \
	X(EVE_SCHEMA_VERSION, "schema_version")

enum event_envelope {
#define EVENT_ENVELOPE_ENUM(e, name) e,
	EVENT_ENVELOPE(EVENT_ENVELOPE_ENUM)
#undef EVENT_ENVELOPE_ENUM
	EVENT_ENVELOPE_COUNT
};

#define EVF(f) (UINT32_C(1) << (f))
/* Field groups used below. */
#define EVF_MONEY_ (EVF(EVF_AMOUNT) | EVF(EVF_CURRENCY))
#define EVF_TXN_ (EVF(EVF_TXN_ID) | EVF(EVF_STATE))
#define EVF_RESULT_ (EVF(EVF_RESULT_CODE) | EVF(EVF_RESULT_DESCRIPTION))
#define EVF_STK_IDS_                                                           \
	(EVF(EVF_MERCHANT_REQUEST_ID) | EVF(EVF_CHECKOUT_REQUEST_ID))
#define EVF_CONV_IDS_                                                          \
	(EVF(EVF_CONVERSATION_ID) | EVF(EVF_ORIGINATOR_CONVERSATION_ID))

/* X(enum, name, payload fields) */
#define EVENT_TYPES(X)                                                         \
	X(EV_AUTH_TOKEN_ACQUIRED, "mpesa.auth.token_acquired",                     \
	  EVF(EVF_ENVIRONMENT))                                                    \
	X(EV_STK_PUSH_INITIATED, "mpesa.stk_push.initiated",                       \
	  EVF(EVF_PHONE_NUMBER) | EVF_MONEY_ | EVF(EVF_ACCOUNT_REFERENCE) |        \
	      EVF_STK_IDS_ | EVF_TXN_ | EVF(EVF_OPERATOR))                         \
	X(EV_STK_PUSH_SUCCESS, "mpesa.stk_push.success",                           \
	  EVF(EVF_PHONE_NUMBER) | EVF_MONEY_ | EVF(EVF_ACCOUNT_REFERENCE) |        \
	      EVF_STK_IDS_ | EVF_RESULT_ | EVF(EVF_TRANSACTION_ID) |               \
	      EVF(EVF_RECEIPT) | EVF_TXN_ | EVF(EVF_OPERATOR))                     \
	X(EV_STK_PUSH_FAILED, "mpesa.stk_push.failed",                             \
	  EVF(EVF_PHONE_NUMBER) | EVF_MONEY_ | EVF(EVF_ACCOUNT_REFERENCE) |        \
	      EVF_STK_IDS_ | EVF_RESULT_ | EVF_TXN_ | EVF(EVF_OPERATOR))           \
	X(EV_B2C_INITIATED, "mpesa.b2c.initiated",                                 \
	  EVF(EVF_PHONE_NUMBER) | EVF_MONEY_ | EVF(EVF_COMMAND_ID) |               \
	      EVF_CONV_IDS_ | EVF_TXN_ | EVF(EVF_OPERATOR))                        \
	X(EV_B2C_SUCCESS, "mpesa.b2c.success",                                     \
	  EVF(EVF_PHONE_NUMBER) | EVF_MONEY_ | EVF(EVF_COMMAND_ID) |               \
	      EVF_CONV_IDS_ | EVF_RESULT_ | EVF(EVF_TRANSACTION_ID) |              \
	      EVF(EVF_RECEIPT) | EVF_TXN_ | EVF(EVF_OPERATOR))                     \
	X(EV_B2C_FAILED, "mpesa.b2c.failed",                                       \
	  EVF(EVF_PHONE_NUMBER) | EVF_MONEY_ | EVF(EVF_COMMAND_ID) |               \
	      EVF_CONV_IDS_ | EVF_RESULT_ | EVF_TXN_ | EVF(EVF_OPERATOR))          \
	X(EV_TRANSACTION_STATUS_QUERY, "mpesa.transaction.status_query",           \
	  EVF(EVF_TRANSACTION_ID) | EVF_CONV_IDS_ | EVF_TXN_ | EVF(EVF_OPERATOR))  \
	X(EV_BALANCE_QUERY, "mpesa.balance.query",                                 \
	  EVF_CONV_IDS_ | EVF_TXN_ | EVF(EVF_OPERATOR))                            \
	X(EV_ERROR_OCCURRED, "mpesa.error.occurred",                               \
	  EVF(EVF_ERROR_TYPE) | EVF(EVF_MESSAGE) | EVF(EVF_ENVIRONMENT) |          \
	      EVF(EVF_TXN_ID))                                                     \
	X(EV_C2B_VALIDATION, "mpesa.c2b.validation",                               \
	  EVF(EVF_PHONE_NUMBER) | EVF_MONEY_ | EVF(EVF_ACCOUNT_REFERENCE) |        \
	      EVF(EVF_TRANSACTION_ID) | EVF(EVF_RESULT_CODE) | EVF_TXN_)           \
	X(EV_C2B_CONFIRMED, "mpesa.c2b.confirmed",                                 \
	  EVF(EVF_PHONE_NUMBER) | EVF_MONEY_ | EVF(EVF_ACCOUNT_REFERENCE) |        \
	      EVF(EVF_TRANSACTION_ID) | EVF(EVF_RECEIPT) | EVF_TXN_)               \
	X(EV_REVERSAL_INITIATED, "mpesa.reversal.initiated",                       \
	  EVF_MONEY_ | EVF(EVF_TRANSACTION_ID) | EVF_CONV_IDS_ | EVF_TXN_ |        \
	      EVF(EVF_OPERATOR))                                                   \
	X(EV_REVERSAL_SUCCESS, "mpesa.reversal.success",                           \
	  EVF_MONEY_ | EVF(EVF_TRANSACTION_ID) | EVF_CONV_IDS_ | EVF_RESULT_ |     \
	      EVF(EVF_RECEIPT) | EVF_TXN_ | EVF(EVF_OPERATOR))                     \
	X(EV_REVERSAL_FAILED, "mpesa.reversal.failed",                             \
	  EVF_MONEY_ | EVF(EVF_TRANSACTION_ID) | EVF_CONV_IDS_ | EVF_RESULT_ |     \
	      EVF_TXN_ | EVF(EVF_OPERATOR))                                        \
	X(EV_BALANCE_RESULT, "mpesa.balance.result",                               \
	  EVF_CONV_IDS_ | EVF_RESULT_ | EVF(EVF_MESSAGE) | EVF_TXN_)               \
	X(EV_BREAKER_OPENED, "mpesa.breaker.opened",                               \
	  EVF(EVF_ERROR_TYPE) | EVF(EVF_MESSAGE) | EVF(EVF_ENVIRONMENT))           \
	X(EV_BREAKER_CLOSED, "mpesa.breaker.closed",                               \
	  EVF(EVF_MESSAGE) | EVF(EVF_ENVIRONMENT))                                 \
	X(EV_CALLBACK_ORPHAN, "mpesa.callback.orphan",                             \
	  EVF(EVF_PHONE_NUMBER) | EVF_MONEY_ | EVF_STK_IDS_ | EVF_CONV_IDS_ |      \
	      EVF(EVF_RESULT_CODE) | EVF(EVF_TRANSACTION_ID) | EVF(EVF_RECEIPT) |  \
	      EVF(EVF_MESSAGE))                                                    \
	X(EV_CALLBACK_CONFLICT, "mpesa.callback.conflict",                         \
	  EVF(EVF_PHONE_NUMBER) | EVF_MONEY_ | EVF_STK_IDS_ | EVF_CONV_IDS_ |      \
	      EVF(EVF_RESULT_CODE) | EVF(EVF_TRANSACTION_ID) | EVF(EVF_RECEIPT) |  \
	      EVF(EVF_MESSAGE) | EVF_TXN_)                                         \
	X(EV_RECONCILE_RESOLVED, "mpesa.reconcile.resolved",                       \
	  EVF_MONEY_ | EVF_RESULT_ | EVF(EVF_RECEIPT) | EVF(EVF_MESSAGE) |         \
	      EVF_TXN_ | EVF(EVF_OPERATOR))                                        \
	X(EV_RECONCILE_UNRESOLVED, "mpesa.reconcile.unresolved",                   \
	  EVF_MONEY_ | EVF(EVF_PHONE_NUMBER) | EVF(EVF_MESSAGE) | EVF_TXN_)        \
	X(EV_OPERATOR_SIGNED_IN, "mpesa.operator.signed_in", EVF(EVF_OPERATOR))    \
	X(EV_SALE_CASH_RECORDED, "mpesa.sale.cash_recorded",                       \
	  EVF_MONEY_ | EVF(EVF_ACCOUNT_REFERENCE) | EVF_TXN_ | EVF(EVF_OPERATOR))    \
	X(EV_ALERT_FAILURES, "mpesa.alert.failures",                               \
	  EVF(EVF_ERROR_TYPE) | EVF(EVF_MESSAGE) | EVF(EVF_ENVIRONMENT))

enum event_type {
#define EVENT_TYPE_ENUM(e, name, fields) e,
	EVENT_TYPES(EVENT_TYPE_ENUM)
#undef EVENT_TYPE_ENUM
	EVENT_TYPE_COUNT
};

/* "mpesa.stk_push.success"; "?" out of range. */
const char *event_name(enum event_type ev);
/* Lookup by exact name. */
bool event_parse(const char *name, enum event_type *out);

/* Payload fields of ev, as a mask of EVF(field) bits (0 out of range). */
uint32_t event_fields(enum event_type ev);
bool event_has_field(enum event_type ev, enum event_field f);
/* Number of payload fields of ev; the i-th one (0-based, in field order). */
size_t event_field_count(enum event_type ev);
bool event_field_at(enum event_type ev, size_t i, enum event_field *out);

const char *event_field_name(enum event_field f);  /* "phone_number" */
bool event_field_parse(const char *name, enum event_field *out);
const char *event_envelope_name(enum event_envelope e); /* "occurred_at" */

/*
 * The event that the move from -> to of a kind-k transaction publishes; false
 * when it publishes none (e.g. created -> sent). The product events:
 *   STK: sent -> awaiting: stk_push.initiated; -> completed: stk_push.success;
 *        -> failed, cancelled, timed_out: stk_push.failed
 *   B2C: sent -> awaiting: b2c.initiated; -> completed / failed: b2c.success /
 *        b2c.failed; REVERSAL the same with reversal.*
 *   C2B: created -> awaiting or failed: c2b.validation (accepted or refused);
 *        -> completed: c2b.confirmed; a later -> failed: error.occurred
 *   CASH: -> completed: sale.cash_recorded
 *   STATUS: sent -> awaiting: transaction.status_query; -> failed:
 *        error.occurred (the result of the looked-up transaction is
 *        published by that transaction's own move)
 *   BALANCE: sent -> awaiting: balance.query; -> completed: balance.result;
 *        -> failed: error.occurred
 * and for every kind: -> review: callback.conflict; -> unresolved:
 * reconcile.unresolved; review or unresolved -> completed/failed (closed by a
 * supervisor): reconcile.resolved. The pair need not be a legal move; ask
 * txn_transition() for that.
 */
bool event_for_transition(enum txn_kind k, enum txn_state from, enum txn_state to,
                          enum event_type *out);

#endif
