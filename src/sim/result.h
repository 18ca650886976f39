/*
 * sim/result.h: the asynchronous Result envelope of B2C, Transaction Status,
 * Account Balance and Reversal, built the way Daraja sends it:
 *
 *   {"Result":{"ResultType":0,"ResultCode":0,"ResultDesc":"...",
 *    "OriginatorConversationID":"...","ConversationID":"...",
 *    "TransactionID":"...",
 *    "ResultParameters":{"ResultParameter":[{"Key":"...","Value":...}]},
 *    "ReferenceData":{"ReferenceItem":{"Key":"...","Value":"..."}}}}
 *
 * A ResultCode that is all digits is a JSON number, any other (R000001) a
 * string. A single ReferenceItem is a bare object, several are an array.
 * Items may lack a Value.
 *
 * Ownership: cJSON trees the caller deletes (or hands to a reply).
 * Thread-safety: reentrant.
 */
#ifndef SIM_RESULT_H
#define SIM_RESULT_H

#include <stdint.h>

#include <cjson/cJSON.h>

/* The envelope; returns the root, *inner gets the "Result" object. */
cJSON *sim_result_new(const char *code, const char *desc, const char *originator_id,
                      const char *conversation_id, const char *transaction_id,
                      cJSON **inner);
/* Parameters ({"Key":k,"Value":...}) appended in order. */
void sim_result_param_str(cJSON *inner, const char *key, const char *value);
void sim_result_param_raw(cJSON *inner, const char *key, const char *number_text);
void sim_result_param_int(cJSON *inner, const char *key, int64_t v);
void sim_result_param_cents(cJSON *inner, const char *key, int64_t cents);
void sim_result_param_novalue(cJSON *inner, const char *key);
/* ReferenceData items; value NULL leaves the Value out. */
void sim_result_ref(cJSON *inner, const char *key, const char *value);

/* The number YYYYMMDDHHmmss (EAT) of unix ms into out[16]. */
void sim_daraja_time(int64_t ms, char out[16]);

#endif
