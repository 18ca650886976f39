/* sim/result.c: the Result envelope of the initiator products. */
#include "sim/result.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/str.h"
#include "sim/json.h"

void sim_daraja_time(int64_t ms, char out[16])
{
	struct tm tm;
	clock_eat_tm((time_t)(ms / 1000), &tm);
	snprintf(out, 16, "%04u%02u%02u%02u%02u%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
	         (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
	         (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
	         (unsigned)tm.tm_sec % 100u);
}

cJSON *sim_result_new(const char *code, const char *desc, const char *originator_id,
                      const char *conversation_id, const char *transaction_id,
                      cJSON **inner)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *res = root ? cJSON_AddObjectToObject(root, "Result") : NULL;
	if (!res) {
		cJSON_Delete(root);
		*inner = NULL;
		return NULL;
	}
	cJSON_AddNumberToObject(res, "ResultType", 0);
	if (str_is_digits(code))
		sim_json_add_raw(res, "ResultCode", code);
	else
		cJSON_AddStringToObject(res, "ResultCode", code);
	cJSON_AddStringToObject(res, "ResultDesc", desc);
	cJSON_AddStringToObject(res, "OriginatorConversationID", originator_id);
	cJSON_AddStringToObject(res, "ConversationID", conversation_id);
	cJSON_AddStringToObject(res, "TransactionID", transaction_id);
	*inner = res;
	return root;
}

/* The ResultParameter array, created on first use. */
static cJSON *params(cJSON *inner)
{
	cJSON *rp = cJSON_GetObjectItemCaseSensitive(inner, "ResultParameters");
	if (!rp) {
		/* keep the documented member order: parameters before ReferenceData */
		cJSON *ref = cJSON_DetachItemFromObjectCaseSensitive(inner, "ReferenceData");
		rp = cJSON_AddObjectToObject(inner, "ResultParameters");
		if (rp)
			cJSON_AddArrayToObject(rp, "ResultParameter");
		if (ref)
			cJSON_AddItemToObject(inner, "ReferenceData", ref);
	}
	return rp ? cJSON_GetObjectItemCaseSensitive(rp, "ResultParameter") : NULL;
}

static cJSON *param(cJSON *inner, const char *key)
{
	cJSON *arr = params(inner);
	cJSON *item = arr ? cJSON_CreateObject() : NULL;
	if (!item)
		return NULL;
	cJSON_AddStringToObject(item, "Key", key);
	cJSON_AddItemToArray(arr, item);
	return item;
}

void sim_result_param_str(cJSON *inner, const char *key, const char *value)
{
	cJSON *p = param(inner, key);
	if (p)
		cJSON_AddStringToObject(p, "Value", value);
}

void sim_result_param_raw(cJSON *inner, const char *key, const char *number_text)
{
	cJSON *p = param(inner, key);
	if (p)
		sim_json_add_raw(p, "Value", number_text);
}

void sim_result_param_int(cJSON *inner, const char *key, int64_t v)
{
	cJSON *p = param(inner, key);
	if (p)
		sim_json_add_int(p, "Value", v);
}

void sim_result_param_cents(cJSON *inner, const char *key, int64_t cents)
{
	cJSON *p = param(inner, key);
	if (p)
		sim_json_add_cents(p, "Value", cents);
}

void sim_result_param_novalue(cJSON *inner, const char *key)
{
	param(inner, key);
}

void sim_result_ref(cJSON *inner, const char *key, const char *value)
{
	cJSON *rd = cJSON_GetObjectItemCaseSensitive(inner, "ReferenceData");
	if (!rd)
		rd = cJSON_AddObjectToObject(inner, "ReferenceData");
	if (!rd)
		return;
	cJSON *item = cJSON_CreateObject();
	if (!item)
		return;
	cJSON_AddStringToObject(item, "Key", key);
	if (value)
		cJSON_AddStringToObject(item, "Value", value);
	cJSON *existing = cJSON_GetObjectItemCaseSensitive(rd, "ReferenceItem");
	if (!existing) {
		cJSON_AddItemToObject(rd, "ReferenceItem", item); /* a lone item is bare */
	} else if (cJSON_IsArray(existing)) {
		cJSON_AddItemToArray(existing, item);
	} else {
		cJSON *arr = cJSON_CreateArray();
		cJSON *first = cJSON_DetachItemFromObjectCaseSensitive(rd, "ReferenceItem");
		if (!arr) {
			cJSON_Delete(item);
			if (first)
				cJSON_AddItemToObject(rd, "ReferenceItem", first);
			return;
		}
		cJSON_AddItemToArray(arr, first);
		cJSON_AddItemToArray(arr, item);
		cJSON_AddItemToObject(rd, "ReferenceItem", arr);
	}
}
