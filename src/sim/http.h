/*
 * sim/http.h: one Daraja request being answered, and the ways to answer it.
 *
 * The server (sim/server.c) fills struct sim_req: the product, the parsed
 * JSON body (an empty object when the client did not send
 * Content-Type: application/json, which is how Daraja ends up reporting a
 * misleading "Invalid <first field>"), and the time. A handler validates,
 * acts, and answers with exactly one sim_reply_*() call; it may note ids and
 * an outcome for the request log.
 *
 * Ownership: the server owns the request; a reply takes the JSON it is given.
 * Thread-safety: a request belongs to the worker thread handling it.
 */
#ifndef SIM_HTTP_H
#define SIM_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "sim/api.h"
#include "sim/sim.h"
#include "sim/valid.h"

struct sim_req {
	struct sim *sim;
	void *conn;              /* struct mg_connection * (server.c only) */
	enum sim_api api;
	const char *method;
	const char *path;
	const char *query;       /* may be NULL */
	cJSON *body;             /* JSON object; never NULL for POST handlers */
	int64_t t0_ms;           /* wall clock at arrival */
	/* the answer */
	int status;
	char *resp;              /* body text (malloc) */
	const char *content_type;
	bool accepted;           /* the request was taken on (ids issued, work scheduled) */
	char error_code[24];
	char outcome[64];
	cJSON *notes;            /* ids etc. for the request log */
};

/* Header value or NULL (case-insensitive name). */
const char *sim_req_header(const struct sim_req *r, const char *name);
/* Query-string variable into out; false if absent. */
bool sim_req_query(const struct sim_req *r, const char *name, char *out,
                   size_t outsz);

/* Answer with obj (consumed). */
void sim_reply_json(struct sim_req *r, int status, cJSON *obj);
/* Answer with a text body (taken). */
void sim_reply_text(struct sim_req *r, int status, const char *content_type,
                    char *body);
/* {"requestId":..., "errorCode":code, "errorMessage":msg}; request_id NULL
 * makes a fresh one. */
void sim_reply_error_id(struct sim_req *r, int status, const char *request_id,
                        const char *code, const char *msg);
void sim_reply_error(struct sim_req *r, int status, const char *code,
                     const char *msg);
/* 400.002.02 "Bad Request - Invalid <field>". */
void sim_reply_invalid(struct sim_req *r, const char *field);
/* 400.002.05 "Invalid Request Payload". */
void sim_reply_payload(struct sim_req *r);

/* Run op's rule table; on failure answer and return false. */
bool sim_req_check(struct sim_req *r, enum sim_op op);
/* Field text (string or number) into out; "" when missing. Trailing spaces
 * are kept; use sim_req_enum for enumerated values. */
const char *sim_req_field(const struct sim_req *r, const char *key, char *out,
                          size_t outsz);
/* An enumerated field's canonical choice (trailing spaces removed). */
const char *sim_req_enum(const struct sim_req *r, const char *key,
                         const char *choices, char *out, size_t outsz);
/* The whole amount of field key (already validated). */
int64_t sim_req_amount(const struct sim_req *r, const char *key);

/* Note an id or fact for the request log. */
void sim_req_note(struct sim_req *r, const char *key, const char *value);
void sim_req_outcome(struct sim_req *r, const char *outcome);

#endif
