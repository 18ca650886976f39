/*
 * store/outbox.c: the event outbox. Events are written in the same database
 * transaction as the change they report; each backend (bus/) reads past its
 * own cursor and moves it forward once an event is delivered, so a crash
 * between delivery and acknowledgement repeats an event (at-least-once) but
 * never loses one.
 *
 * Names and payload fields come from core's catalogue (core/event.h): the
 * payload is a JSON object of the event's fields, as strings, plus the
 * envelope values only the store knows (occurred_at, till_id, shortcode).
 * bus/ adds the rest of the envelope (id = the outbox id, name,
 * schema_version) when it delivers.
 */
#include "store/store_int.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/str.h"
#include "core/event.h"
#include "core/money.h"

void store_txn_values(const struct store_txn *t, struct store_ev_values *ev)
{
	memset(ev, 0, sizeof *ev);
	money_format_plain(t->amount_minor, ev->amount, sizeof ev->amount);
	if (t->operator_id)
		str_fmt(ev->operator_id, sizeof ev->operator_id, "%lld", (long long)t->operator_id);
	ev->v[EVF_PHONE_NUMBER] = t->msisdn;
	ev->v[EVF_AMOUNT] = ev->amount;
	ev->v[EVF_CURRENCY] = t->currency;
	ev->v[EVF_ACCOUNT_REFERENCE] = t->account_reference;
	ev->v[EVF_MERCHANT_REQUEST_ID] = t->merchant_request_id;
	ev->v[EVF_CHECKOUT_REQUEST_ID] = t->checkout_request_id;
	ev->v[EVF_RESULT_CODE] = t->result_code;
	ev->v[EVF_RESULT_DESCRIPTION] = t->result_desc;
	ev->v[EVF_COMMAND_ID] = t->command_id;
	ev->v[EVF_CONVERSATION_ID] = t->conversation_id;
	ev->v[EVF_ORIGINATOR_CONVERSATION_ID] = t->originator_conversation_id;
	ev->v[EVF_TRANSACTION_ID] = t->receipt;
	ev->v[EVF_TXN_ID] = t->public_id;
	ev->v[EVF_RECEIPT] = t->receipt;
	ev->v[EVF_OPERATOR] = ev->operator_id;
	ev->v[EVF_STATE] = txn_state_name(t->state);
	ev->till_id = t->till_id;
	ev->shortcode = t->shortcode;
	ev->at = t->updated_at;
}

static bool add_str(cJSON *o, const char *key, const char *v)
{
	if (!store_is_set(v))
		return true;
	return cJSON_AddStringToObject(o, key, v) != NULL;
}

char *store_event_json(const struct store_ev_values *ev, uint32_t fields)
{
	char at[26];
	char *out = NULL;
	bool ok = true;
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	for (int f = 0; ok && f < EVENT_FIELD_COUNT; f++)
		if (fields & EVF(f))
			ok = add_str(o, event_field_name((enum event_field)f), ev->v[f]);
	clock_iso8601_eat((time_t)((ev->at ? ev->at : clock_now_ms()) / 1000), at);
	if (ok && add_str(o, event_envelope_name(EVE_OCCURRED_AT), at) &&
	    add_str(o, event_envelope_name(EVE_TILL_ID), ev->till_id) &&
	    add_str(o, event_envelope_name(EVE_SHORTCODE), ev->shortcode))
		out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out;
}

enum pos_status store_emit_in(struct store *st, const char *name, int64_t txn_id,
                              const struct store_ev_values *ev, uint32_t fields,
                              struct pos_err *err)
{
	char *payload = store_event_json(ev, fields);
	if (!payload)
		return pos_err_set(err, POS_E_NOMEM, "", NULL);
	enum pos_status rc = store_outbox_add_in(st, name, txn_id, payload, NULL, err);
	free(payload);
	return rc;
}

static enum pos_status check_event(const char *event, const char *payload,
                                   struct pos_err *err)
{
	enum pos_status rc;
	if (!store_is_set(event))
		return pos_err_set(err, POS_E_EMPTY, "event", "a name is required");
	if ((rc = store_check_text("event", event, STORE_EVENT_MAX, err)) != POS_OK)
		return rc;
	if (!store_is_set(payload))
		return pos_err_set(err, POS_E_EMPTY, "payload", "a JSON payload is required");
	if (strlen(payload) > STORE_DETAIL_MAX)
		return pos_err_set(err, POS_E_TOO_LONG, "payload",
		                   "%zu bytes is longer than the %zu allowed",
		                   strlen(payload), STORE_DETAIL_MAX);
	return POS_OK;
}

enum pos_status store_outbox_add_in(struct store *st, const char *event,
                                    int64_t txn_id, const char *payload,
                                    int64_t *id, struct pos_err *err)
{
	enum pos_status rc = check_event(event, payload, err);
	if (rc != POS_OK)
		return rc;
	sqlite3_stmt *s = store_stmt(st, SQL_OUTBOX_INSERT, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_text(s, 1, event, -1, SQLITE_STATIC);
	store_bind_id(s, 2, txn_id);
	sqlite3_bind_text(s, 3, payload, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, clock_now_ms());
	if ((rc = store_step_done(st, s, "queuing the event", err)) != POS_OK)
		return rc;
	if (id)
		*id = sqlite3_last_insert_rowid(st->db);
	return POS_OK;
}

enum pos_status store_outbox_add(struct store *st, const char *event,
                                 int64_t txn_id, const char *payload,
                                 int64_t *id, struct pos_err *err)
{
	enum pos_status rc = check_event(event, payload, err);
	if (rc != POS_OK || (rc = store_begin(st, err)) != POS_OK)
		return rc;
	if ((rc = store_outbox_add_in(st, event, txn_id, payload, id, err)) != POS_OK ||
	    (rc = store_commit(st, "the event", err)) != POS_OK)
		store_rollback(st);
	return rc;
}

static enum pos_status check_backend(const char *backend, struct pos_err *err)
{
	if (!store_is_set(backend))
		return pos_err_set(err, POS_E_EMPTY, "backend", "a name is required");
	return store_check_text("backend", backend, STORE_KEY_MAX, err);
}

enum pos_status store_outbox_read(struct store *st, const char *backend,
                                  size_t limit, store_outbox_fn fn, void *ctx,
                                  struct pos_err *err)
{
	enum pos_status prc = check_backend(backend, err);
	if (prc != POS_OK)
		return prc;
	sqlite3_stmt *s = store_stmt(st, SQL_OUTBOX_READ, err);
	int rc = SQLITE_DONE;
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_text(s, 1, backend, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, limit > INT32_MAX ? INT32_MAX : (int64_t)limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_outbox_row row = {
			.id = store_col_i64(s, 0),
			.event = store_col_str(s, 1),
			.txn_id = store_col_i64(s, 2),
			.payload = store_col_str(s, 3),
			.created_at = store_col_i64(s, 4),
		};
		if (!fn(&row, ctx)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	store_done(s);
	if (rc != SQLITE_DONE)
		return store_db_error(st, rc, "reading the outbox", err);
	return POS_OK;
}

enum pos_status store_outbox_ack(struct store *st, const char *backend,
                                 int64_t upto_id, struct pos_err *err)
{
	enum pos_status rc = check_backend(backend, err);
	if (rc != POS_OK)
		return rc;
	if (upto_id < 0)
		return pos_err_set(err, POS_E_RANGE, "upto_id",
		                   "%lld is negative", (long long)upto_id);
	sqlite3_stmt *s = store_stmt(st, SQL_OUTBOX_ACK, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_text(s, 1, backend, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, upto_id);
	sqlite3_bind_int64(s, 3, clock_now_ms());
	return store_step_done(st, s, "marking events delivered", err);
}

enum pos_status store_outbox_pending(struct store *st, const char *backend,
                                     int64_t *count, struct pos_err *err)
{
	enum pos_status prc = check_backend(backend, err);
	if (prc != POS_OK)
		return prc;
	sqlite3_stmt *s = store_stmt(st, SQL_OUTBOX_PENDING, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_text(s, 1, backend, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*count = store_col_i64(s, 0);
	store_done(s);
	if (rc != SQLITE_ROW)
		return store_db_error(st, rc, "counting undelivered events", err);
	return POS_OK;
}
