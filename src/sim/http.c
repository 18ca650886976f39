/* sim/http.c: reading a request and answering it the way Daraja does. */
#include "sim/http.h"

#include <stdlib.h>
#include <string.h>

#include <civetweb.h>

#include "base/str.h"
#include "sim/json.h"

const char *sim_req_header(const struct sim_req *r, const char *name)
{
	return r->conn ? mg_get_header(r->conn, name) : NULL;
}

bool sim_req_query(const struct sim_req *r, const char *name, char *out,
                   size_t outsz)
{
	if (!r->query || outsz == 0)
		return false;
	int n = mg_get_var(r->query, strlen(r->query), name, out, outsz);
	return n >= 0;
}

void sim_reply_text(struct sim_req *r, int status, const char *content_type,
                    char *body)
{
	free(r->resp);
	r->status = status;
	r->content_type = content_type;
	r->resp = body;
}

void sim_reply_json(struct sim_req *r, int status, cJSON *obj)
{
	char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;
	cJSON_Delete(obj);
	if (!text) {
		text = strdup("{\"errorCode\":\"500.003.1001\",\"errorMessage\":\"Internal Server Error\"}");
		status = 500;
	}
	sim_reply_text(r, status, "application/json", text);
}

void sim_reply_error_id(struct sim_req *r, int status, const char *request_id,
                        const char *code, const char *msg)
{
	char rid[SIM_ID_MAX];
	if (!request_id) {
		sim_ids_request(&r->sim->ids, rid);
		request_id = rid;
	}
	cJSON *o = cJSON_CreateObject();
	if (o) {
		cJSON_AddStringToObject(o, "requestId", request_id);
		cJSON_AddStringToObject(o, "errorCode", code);
		cJSON_AddStringToObject(o, "errorMessage", msg);
	}
	str_copy(r->error_code, sizeof r->error_code, code);
	sim_reply_json(r, status, o);
}

void sim_reply_error(struct sim_req *r, int status, const char *code,
                     const char *msg)
{
	sim_reply_error_id(r, status, NULL, code, msg);
}

void sim_reply_invalid(struct sim_req *r, const char *field)
{
	char msg[160];
	str_fmt(msg, sizeof msg, "Bad Request - Invalid %s", field);
	sim_reply_error(r, 400, "400.002.02", msg);
	sim_req_outcome(r, "rejected");
}

void sim_reply_payload(struct sim_req *r)
{
	sim_reply_error(r, 400, "400.002.05", "Invalid Request Payload");
	sim_req_outcome(r, "rejected");
}

bool sim_req_check(struct sim_req *r, enum sim_op op)
{
	const char *bad = NULL;
	switch (sim_validate(sim_rules_for(op), r->body, &bad)) {
	case SIM_V_OK:
		return true;
	case SIM_V_FIELD:
		sim_reply_invalid(r, bad);
		return false;
	case SIM_V_PAYLOAD:
		sim_reply_payload(r);
		return false;
	}
	return false;
}

const char *sim_req_field(const struct sim_req *r, const char *key, char *out,
                          size_t outsz)
{
	sim_json_text(r->body, key, out, outsz);
	return out;
}

const char *sim_req_enum(const struct sim_req *r, const char *key,
                         const char *choices, char *out, size_t outsz)
{
	char raw[128];
	sim_json_text(r->body, key, raw, sizeof raw);
	if (!sim_valid_enum(raw, choices, out, outsz))
		out[0] = '\0';
	return out;
}

int64_t sim_req_amount(const struct sim_req *r, const char *key)
{
	int64_t v = 0;
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(r->body, key);
	if (!sim_valid_amount_item(item, &v))
		return 0;
	return v;
}

void sim_req_note(struct sim_req *r, const char *key, const char *value)
{
	if (!r->notes)
		r->notes = cJSON_CreateObject();
	if (r->notes) {
		cJSON_DeleteItemFromObjectCaseSensitive(r->notes, key);
		cJSON_AddStringToObject(r->notes, key, value ? value : "");
	}
}

void sim_req_outcome(struct sim_req *r, const char *outcome)
{
	str_copy(r->outcome, sizeof r->outcome, outcome);
}
