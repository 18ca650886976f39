/* store/txn.c: transactions: intent, changes of state, timeline. */
#include "store/store_int.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/str.h"
#include "core/event.h"
#include "core/money.h"

/* ---- reading ------------------------------------------------------------- */

void store_txn_from_row(sqlite3_stmt *s, struct store_txn *t)
{
	memset(t, 0, sizeof *t);
	t->id = store_col_i64(s, 0);
	store_col_text(s, 1, t->public_id, sizeof t->public_id);
	if (!txn_kind_parse(store_col_str(s, 2), &t->kind))
		t->kind = TXN_KIND_COUNT;
	if (!txn_state_parse(store_col_str(s, 3), &t->state))
		t->state = TXN_STATE_COUNT;
	t->amount_minor = store_col_i64(s, 4);
	store_col_text(s, 5, t->currency, sizeof t->currency);
	store_col_text(s, 6, t->msisdn, sizeof t->msisdn);
	store_col_text(s, 7, t->account_reference, sizeof t->account_reference);
	store_col_text(s, 8, t->description, sizeof t->description);
	store_col_text(s, 9, t->command_id, sizeof t->command_id);
	store_col_text(s, 10, t->merchant_request_id, sizeof t->merchant_request_id);
	store_col_text(s, 11, t->checkout_request_id, sizeof t->checkout_request_id);
	store_col_text(s, 12, t->conversation_id, sizeof t->conversation_id);
	store_col_text(s, 13, t->originator_conversation_id,
	               sizeof t->originator_conversation_id);
	store_col_text(s, 14, t->receipt, sizeof t->receipt);
	store_col_text(s, 15, t->result_code, sizeof t->result_code);
	store_col_text(s, 16, t->result_desc, sizeof t->result_desc);
	store_col_text(s, 17, t->payer_name, sizeof t->payer_name);
	t->operator_id = store_col_i64(s, 18);
	t->approver_id = store_col_i64(s, 19);
	store_col_text(s, 20, t->till_id, sizeof t->till_id);
	store_col_text(s, 21, t->shortcode, sizeof t->shortcode);
	t->original_txn_id = store_col_i64(s, 22);
	t->batch_id = store_col_i64(s, 23);
	t->batch_row = store_col_i64(s, 24);
	store_col_text(s, 25, t->other_means, sizeof t->other_means);
	t->created_at = store_col_i64(s, 26);
	t->updated_at = store_col_i64(s, 27);
	t->deadline_at = store_col_i64(s, 28);
	t->attempts = (int)store_col_i64(s, 29);
	t->next_query_at = store_col_i64(s, 30);
}

enum pos_status store_txn_load(struct store *st, enum store_sql q,
                               const char *key, int64_t id,
                               struct store_txn *out, struct pos_err *err)
{
	sqlite3_stmt *s = store_stmt(st, q, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	if (key)
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		store_txn_from_row(s, out);
	store_done(s);
	if (rc == SQLITE_DONE) {
		if (key)
			return pos_err_set(err, POS_E_NOT_FOUND, "transaction",
			                   "no transaction has the id '%s'", key);
		return pos_err_set(err, POS_E_NOT_FOUND, "transaction",
		                   "no transaction number %lld", (long long)id);
	}
	if (rc != SQLITE_ROW)
		return store_db_error(st, rc, "reading a transaction", err);
	if (out->kind == TXN_KIND_COUNT || out->state == TXN_STATE_COUNT)
		return pos_err_set(err, POS_E_STORE, "transaction",
		                   "transaction %s has a kind or state this program does not know (written by a newer mpesa-pos?)",
		                   out->public_id);
	return POS_OK;
}

/* ---- checking ------------------------------------------------------------ */

static enum pos_status check_id(const char *field, const char *recorded,
                                const char *v, size_t max, struct pos_err *err)
{
	enum pos_status rc = store_check_text(field, v, max, err);
	if (rc != POS_OK)
		return rc;
	if (store_is_set(v) && recorded[0] && strcmp(recorded, v) != 0)
		return pos_err_set(err, POS_E_CONFLICT, field,
		                   "the transaction already has '%s', not '%s'",
		                   recorded, v);
	return POS_OK;
}

enum pos_status store_fields_check(const struct store_txn *t,
                                   const struct store_txn_fields *f,
                                   struct pos_err *err)
{
	enum pos_status rc;
	if (!f)
		return POS_OK;
	if ((rc = check_id("merchant_request_id", t->merchant_request_id,
	                   f->merchant_request_id, STORE_DARAJA_ID_MAX, err)) ||
	    (rc = check_id("checkout_request_id", t->checkout_request_id,
	                   f->checkout_request_id, STORE_DARAJA_ID_MAX, err)) ||
	    (rc = check_id("conversation_id", t->conversation_id,
	                   f->conversation_id, STORE_DARAJA_ID_MAX, err)) ||
	    (rc = check_id("originator_conversation_id", t->originator_conversation_id,
	                   f->originator_conversation_id, STORE_DARAJA_ID_MAX, err)) ||
	    (rc = check_id("receipt", t->receipt, f->receipt, STORE_RECEIPT_MAX, err)) ||
	    (rc = store_check_text("result_code", f->result_code,
	                           STORE_RESULT_CODE_MAX, err)) ||
	    (rc = store_check_text("result_desc", f->result_desc,
	                           STORE_RESULT_DESC_MAX, err)) ||
	    (rc = store_check_text("payer_name", f->payer_name, STORE_NAME_MAX, err)) ||
	    (rc = check_id("account_reference", t->account_reference,
	                   f->account_reference, STORE_REFERENCE_MAX, err)))
		return rc;
	return POS_OK;
}

static void copy_if_set(char *dst, size_t dstsz, const char *v)
{
	if (store_is_set(v))
		str_copy(dst, dstsz, v);
}

static void fields_into(struct store_txn *t, const struct store_txn_fields *f)
{
	if (!f)
		return;
	copy_if_set(t->merchant_request_id, sizeof t->merchant_request_id,
	            f->merchant_request_id);
	copy_if_set(t->checkout_request_id, sizeof t->checkout_request_id,
	            f->checkout_request_id);
	copy_if_set(t->conversation_id, sizeof t->conversation_id, f->conversation_id);
	copy_if_set(t->originator_conversation_id, sizeof t->originator_conversation_id,
	            f->originator_conversation_id);
	copy_if_set(t->receipt, sizeof t->receipt, f->receipt);
	copy_if_set(t->result_code, sizeof t->result_code, f->result_code);
	copy_if_set(t->result_desc, sizeof t->result_desc, f->result_desc);
	copy_if_set(t->payer_name, sizeof t->payer_name, f->payer_name);
	copy_if_set(t->account_reference, sizeof t->account_reference,
	            f->account_reference);
}

/* ---- writing (inside a transaction) ---------------------------------------- */

/* Length of detail cut to STORE_DETAIL_MAX on a UTF-8 boundary: a note must
 * never stop a change of state. */
static int detail_len(const char *d)
{
	size_t n = strlen(d);
	if (n <= STORE_DETAIL_MAX)
		return (int)n;
	n = STORE_DETAIL_MAX;
	while (n > 0 && ((unsigned char)d[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

enum pos_status store_timeline_add_in(struct store *st, int64_t txn_id,
                                      const char *what, const char *from,
                                      const char *to, int64_t operator_id,
                                      int64_t callback_id, const char *detail,
                                      struct pos_err *err)
{
	enum pos_status rc = store_check_text("what", what, STORE_WHAT_MAX, err);
	if (rc != POS_OK)
		return rc;
	sqlite3_stmt *s = store_stmt(st, SQL_TIMELINE_INSERT, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, txn_id);
	sqlite3_bind_int64(s, 2, clock_now_ms());
	store_bind_text(s, 3, what);
	store_bind_text(s, 4, from);
	store_bind_text(s, 5, to);
	store_bind_id(s, 6, operator_id);
	store_bind_id(s, 7, callback_id);
	if (store_is_set(detail))
		sqlite3_bind_text(s, 8, detail, detail_len(detail), SQLITE_STATIC);
	return store_step_done(st, s, "recording the transaction's timeline", err);
}

/* Every field a transaction can fill (for an event not in the catalogue). */
#define TXN_FIELDS                                                            \
	((EVF(EVENT_FIELD_COUNT) - 1) & ~(EVF(EVF_ENVIRONMENT) | EVF(EVF_ERROR_TYPE)))

/* The outbox event of a change from `from` to t->state: the caller's, or the
 * one core's catalogue names (none when it names none). */
static enum pos_status emit(struct store *st, const struct store_txn *t,
                            enum txn_state from, const char *event,
                            const char *payload, const char *message,
                            struct pos_err *err)
{
	struct store_ev_values v;
	enum event_type ev;
	const char *name;
	uint32_t fields;

	if (store_is_set(event)) {
		name = event;
		fields = event_parse(event, &ev) ? event_fields(ev) : TXN_FIELDS;
	} else if (event_for_transition(t->kind, from, t->state, &ev)) {
		name = event_name(ev);
		fields = event_fields(ev);
	} else {
		return POS_OK;
	}
	if (store_is_set(payload))
		return store_outbox_add_in(st, name, t->id, payload, NULL, err);
	store_txn_values(t, &v);
	v.v[EVF_MESSAGE] = message;
	return store_emit_in(st, name, t->id, &v, fields, err);
}

/* A unique id or receipt already belongs to another transaction: say which. */
static enum pos_status duplicate_id(const struct store_txn *t,
                                    const struct store_txn_fields *set,
                                    struct pos_err *err)
{
	static const struct {
		const char *field;
		size_t off;
	} ids[] = {
		{"checkout_request_id", offsetof(struct store_txn_fields, checkout_request_id)},
		{"conversation_id", offsetof(struct store_txn_fields, conversation_id)},
		{"originator_conversation_id",
		 offsetof(struct store_txn_fields, originator_conversation_id)},
		{"receipt", offsetof(struct store_txn_fields, receipt)},
	};
	char field[POS_ERR_FIELD_MAX] = "";
	if (err)
		str_copy(field, sizeof field, err->field);
	for (size_t i = 0; set && i < sizeof ids / sizeof ids[0]; i++) {
		const char *v = *(const char *const *)((const char *)set + ids[i].off);
		if (str_eq(field, ids[i].field) && store_is_set(v))
			return pos_err_set(err, POS_E_DUPLICATE, field,
			                   "'%s' is already recorded on another transaction, not on %s",
			                   v, t->public_id);
	}
	return POS_E_DUPLICATE;
}

/* The columns a change may write, in the order of their bit in a mask. */
#define UPD_COL(c) {#c, offsetof(struct store_txn_fields, c), offsetof(struct store_txn, c)}
static const struct {
	const char *col;
	size_t set_off, txn_off;
} upd_cols[] = {
	UPD_COL(merchant_request_id), UPD_COL(checkout_request_id),
	UPD_COL(conversation_id), UPD_COL(originator_conversation_id),
	UPD_COL(receipt), UPD_COL(result_code), UPD_COL(result_desc),
	UPD_COL(payer_name), UPD_COL(account_reference),
};
#undef UPD_COL
enum { UPD_N = sizeof upd_cols / sizeof upd_cols[0] };
#define UPD_STATE (1u << UPD_N)

/* "UPDATE txn SET updated_at = ?2[, state = ?3][, col = ?4+i ...] WHERE
 * id = ?1" for the columns in mask, prepared once per connection (a few
 * shapes cover every flow). */
static sqlite3_stmt *update_stmt(struct store *st, uint32_t mask, struct pos_err *err)
{
	const size_t slots = sizeof st->upd / sizeof st->upd[0];
	for (size_t i = 0; i < slots; i++)
		if (st->upd[i].s && st->upd[i].mask == mask)
			return st->upd[i].s;
	char sql[640];
	size_t n = 0;
	n += (size_t)snprintf(sql + n, sizeof sql - n, "UPDATE txn SET updated_at = ?2%s",
	                      mask & UPD_STATE ? ", state = ?3" : "");
	for (unsigned i = 0; i < UPD_N; i++)
		if (mask & (1u << i))
			n += (size_t)snprintf(sql + n, sizeof sql - n, ", %s = ?%u",
			                      upd_cols[i].col, 4 + i);
	snprintf(sql + n, sizeof sql - n, " WHERE id = ?1");
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
	if (rc != SQLITE_OK) {
		store_db_error(st, rc, "preparing a query", err);
		return NULL;
	}
	size_t k = st->upd_next++ % slots;
	sqlite3_finalize(st->upd[k].s);
	st->upd[k].mask = mask;
	st->upd[k].s = s;
	return s;
}

static enum pos_status update_row(struct store *st, struct store_txn *t,
                                  enum txn_state state,
                                  const struct store_txn_fields *set,
                                  struct pos_err *err)
{
	int64_t now = clock_now_ms();
	uint32_t mask = state != t->state ? UPD_STATE : 0;
	const char *v[UPD_N] = {0};
	for (unsigned i = 0; set && i < UPD_N; i++) {
		v[i] = *(const char *const *)((const char *)set + upd_cols[i].set_off);
		if (store_is_set(v[i]) && strcmp(v[i], (const char *)t + upd_cols[i].txn_off) != 0)
			mask |= 1u << i;
	}
	sqlite3_stmt *s = update_stmt(st, mask, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, t->id);
	sqlite3_bind_int64(s, 2, now);
	if (mask & UPD_STATE)
		sqlite3_bind_text(s, 3, txn_state_name(state), -1, SQLITE_STATIC);
	for (unsigned i = 0; i < UPD_N; i++)
		if (mask & (1u << i))
			sqlite3_bind_text(s, (int)(4 + i), v[i], -1, SQLITE_STATIC);
	enum pos_status rc = store_step_done(st, s, "updating the transaction", err);
	if (rc == POS_E_DUPLICATE)
		return duplicate_id(t, set, err);
	if (rc != POS_OK)
		return rc;
	fields_into(t, set);
	t->state = state;
	t->updated_at = now;
	return store_note_changed(st, t->id) == POS_OK
	               ? POS_OK
	               : pos_err_set(err, POS_E_NOMEM, "", NULL);
}

enum pos_status store_txn_move_in(struct store *st, struct store_txn *t,
                                  const struct store_move *mv,
                                  struct pos_err *err)
{
	enum txn_state from = t->state, state = t->state;
	enum pos_status rc = txn_transition(t->kind, &state, mv->to, mv->actor, err);
	if (rc != POS_OK)
		return rc;
	if ((rc = update_row(st, t, state, mv->set, err)) != POS_OK)
		return rc;
	if ((rc = store_timeline_add_in(st, t->id, store_is_set(mv->what) ? mv->what : "state",
	                                txn_state_name(from), txn_state_name(state),
	                                mv->operator_id, mv->callback_id, mv->detail,
	                                err)) != POS_OK)
		return rc;
	return emit(st, t, from, mv->event, mv->payload, mv->detail, err);
}

enum pos_status store_txn_fill_in(struct store *st, struct store_txn *t,
                                  const struct store_txn_fields *set,
                                  const char *what, const char *detail,
                                  int64_t callback_id, struct pos_err *err)
{
	enum pos_status rc = update_row(st, t, t->state, set, err);
	if (rc != POS_OK)
		return rc;
	return store_timeline_add_in(st, t->id, what, NULL, NULL, 0, callback_id, detail, err);
}

static enum pos_status bind_new(sqlite3_stmt *s, const struct store_txn_new *in,
                                enum txn_state state,
                                const struct store_txn_fields *f, int64_t now)
{
	static const struct store_txn_fields none;
	if (!f)
		f = &none;
	sqlite3_bind_text(s, 1, txn_kind_name(in->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, txn_state_name(state), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, in->amount_minor);
	sqlite3_bind_text(s, 4, store_is_set(in->currency) ? in->currency : "KES",
	                  -1, SQLITE_STATIC);
	store_bind_text(s, 5, in->msisdn);
	store_bind_text(s, 6, store_is_set(f->account_reference) ? f->account_reference
	                                                          : in->account_reference);
	store_bind_text(s, 7, in->description);
	store_bind_text(s, 8, in->command_id);
	store_bind_text(s, 9, store_is_set(f->originator_conversation_id)
	                          ? f->originator_conversation_id
	                          : in->originator_conversation_id);
	store_bind_text(s, 10, in->till_id);
	store_bind_text(s, 11, in->shortcode);
	store_bind_text(s, 12, in->other_means);
	store_bind_text(s, 13, store_is_set(f->payer_name) ? f->payer_name : in->payer_name);
	store_bind_id(s, 14, in->operator_id);
	store_bind_id(s, 15, in->approver_id);
	store_bind_id(s, 16, in->original_txn_id);
	store_bind_id(s, 17, in->batch_id);
	store_bind_id(s, 18, in->batch_row);
	store_bind_id(s, 19, in->deadline_at);
	store_bind_text(s, 20, f->merchant_request_id);
	store_bind_text(s, 21, f->checkout_request_id);
	store_bind_text(s, 22, f->conversation_id);
	store_bind_text(s, 23, f->receipt);
	store_bind_text(s, 24, f->result_code);
	store_bind_text(s, 25, f->result_desc);
	sqlite3_bind_int64(s, 26, now);
	return POS_OK;
}

enum pos_status store_txn_insert_in(struct store *st,
                                    const struct store_txn_new *in,
                                    enum txn_state state,
                                    const struct store_txn_fields *set,
                                    int64_t callback_id, struct store_txn *out,
                                    struct pos_err *err)
{
	char pub[STORE_PUBLIC_ID_MAX];
	enum pos_status rc;
	sqlite3_stmt *s = store_stmt(st, SQL_TXN_INSERT, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	bind_new(s, in, state, set, clock_now_ms());
	if ((rc = store_step_done(st, s, "recording the transaction", err)) != POS_OK)
		return rc;
	int64_t id = sqlite3_last_insert_rowid(st->db);
	if (!store_public_id_format(id, pub))
		return pos_err_set(err, POS_E_RANGE, "transaction",
		                   "transaction number %lld is beyond what a public id can hold",
		                   (long long)id);
	if (!(s = store_stmt(st, SQL_TXN_SET_PUBLIC, err)))
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, pub, -1, SQLITE_STATIC);
	if (in->kind == TXN_KIND_STK) /* only when none was given */
		sqlite3_bind_text(s, 3, pub, -1, SQLITE_STATIC);
	if ((rc = store_step_done(st, s, "recording the transaction", err)) != POS_OK)
		return rc;
	if ((rc = store_txn_load(st, SQL_TXN_GET, NULL, id, out, err)) != POS_OK)
		return rc;
	if ((rc = store_timeline_add_in(st, id, "created", NULL, txn_state_name(state),
	                                in->operator_id, callback_id, in->detail,
	                                err)) != POS_OK)
		return rc;
	if (store_note_changed(st, id) != POS_OK)
		return pos_err_set(err, POS_E_NOMEM, "", NULL);
	return emit(st, out, TXN_CREATED, NULL, NULL, NULL, err);
}

/* ---- the public functions --------------------------------------------------- */

static enum pos_status check_new(const struct store_txn_new *in, struct pos_err *err)
{
	enum pos_status rc;
	if ((unsigned)in->kind >= TXN_KIND_COUNT)
		return pos_err_set(err, POS_E_INVALID, "kind",
		                   "%d is not a transaction kind", (int)in->kind);
	if (in->amount_minor < 0)
		return pos_err_set(err, POS_E_AMOUNT, "amount",
		                   "%lld is negative", (long long)in->amount_minor);
	if (store_is_set(in->currency) && !str_eq(in->currency, "KES")) {
		enum currency cur;
		if (strlen(in->currency) >= STORE_CURRENCY_MAX ||
		    !currency_parse(in->currency, &cur) ||
		    !str_eq(currency_code(cur), in->currency))
			return pos_err_set(err, POS_E_INVALID, "currency",
			                   "'%.8s' is not a currency code the till knows (KES, TZS, UGX)",
			                   in->currency);
	}
	if ((in->batch_id == 0) != (in->batch_row == 0))
		return pos_err_set(err, POS_E_INVALID, "batch_row",
		                   "a bulk payout row needs both its batch and its row number");
	if (in->batch_row < 0)
		return pos_err_set(err, POS_E_RANGE, "batch_row",
		                   "%lld is not a row number", (long long)in->batch_row);
	if ((rc = store_check_text("msisdn", in->msisdn, STORE_MSISDN_MAX, err)) ||
	    (rc = store_check_text("account_reference", in->account_reference,
	                           STORE_REFERENCE_MAX, err)) ||
	    (rc = store_check_text("description", in->description, STORE_DESC_MAX, err)) ||
	    (rc = store_check_text("command_id", in->command_id, STORE_COMMAND_MAX, err)) ||
	    (rc = store_check_text("originator_conversation_id",
	                           in->originator_conversation_id, STORE_DARAJA_ID_MAX, err)) ||
	    (rc = store_check_text("till_id", in->till_id, STORE_TILL_MAX, err)) ||
	    (rc = store_check_text("shortcode", in->shortcode, STORE_SHORTCODE_MAX, err)) ||
	    (rc = store_check_text("other_means", in->other_means, STORE_MEANS_MAX, err)) ||
	    (rc = store_check_text("payer_name", in->payer_name, STORE_NAME_MAX, err)))
		return rc;
	return POS_OK;
}

enum pos_status store_txn_create(struct store *st, const struct store_txn_new *in,
                                 struct store_txn *out, struct pos_err *err)
{
	struct store_txn t;
	enum pos_status rc;
	if (!in)
		return pos_err_set(err, POS_E_INVALID, "", "no transaction given");
	if ((rc = check_new(in, err)) != POS_OK)
		return rc;
	if ((rc = store_begin(st, err)) != POS_OK)
		return rc;
	if ((rc = store_txn_insert_in(st, in, TXN_CREATED, NULL, 0, &t, err)) != POS_OK ||
	    (rc = store_commit(st, "the new transaction", err)) != POS_OK) {
		store_rollback(st);
		return rc;
	}
	if (out)
		*out = t;
	return POS_OK;
}

/* After a change: apply waiting callbacks, re-read the row if they moved it. */
static enum pos_status adopt_and_reload(struct store *st, struct store_txn *t,
                                        struct pos_err *err)
{
	size_t n = 0;
	enum pos_status rc = store_adopt_in(st, t, &n, err);
	if (rc == POS_OK && n > 0)
		rc = store_txn_load(st, SQL_TXN_GET, NULL, t->id, t, err);
	return rc;
}

enum pos_status store_txn_transition(struct store *st, int64_t txn_id,
                                     const struct store_txn_change *ch,
                                     struct store_txn *out, struct pos_err *err)
{
	struct store_txn t;
	enum pos_status rc;

	if (!ch || (unsigned)ch->to >= TXN_STATE_COUNT ||
	    (ch->check_from && (unsigned)ch->from >= TXN_STATE_COUNT))
		return pos_err_set(err, POS_E_INVALID, "state", "not a transaction state");
	if ((rc = store_begin(st, err)) != POS_OK)
		return rc;
	if ((rc = store_txn_load(st, SQL_TXN_GET, NULL, txn_id, &t, err)) != POS_OK ||
	    (rc = store_fields_check(&t, &ch->set, err)) != POS_OK)
		goto fail;
	if (t.state == ch->to) {
		rc = pos_err_set(err, POS_E_DUPLICATE, "state",
		                 "%s is already %s: nothing was changed", t.public_id,
		                 txn_state_name(t.state));
		goto fail;
	}
	if (ch->check_from && t.state != ch->from) {
		rc = pos_err_set(err, POS_E_CONFLICT, "state",
		                 "%s is %s, not %s as expected: nothing was changed",
		                 t.public_id, txn_state_name(t.state), txn_state_name(ch->from));
		goto fail;
	}
	const struct store_move mv = {
		.to = ch->to, .actor = ch->actor, .operator_id = ch->operator_id,
		.set = &ch->set, .what = ch->what, .detail = ch->detail,
		.event = ch->event, .payload = ch->payload,
	};
	if ((rc = store_txn_move_in(st, &t, &mv, err)) != POS_OK ||
	    (rc = adopt_and_reload(st, &t, err)) != POS_OK ||
	    (rc = store_commit(st, "the change of state", err)) != POS_OK)
		goto fail;
	if (out)
		*out = t;
	return POS_OK;
fail:
	store_rollback(st);
	return rc;
}

enum pos_status store_txn_update(struct store *st, int64_t txn_id,
                                 const struct store_txn_fields *set,
                                 const char *what, const char *detail,
                                 struct store_txn *out, struct pos_err *err)
{
	struct store_txn t;
	enum pos_status rc;

	if ((rc = store_begin(st, err)) != POS_OK)
		return rc;
	if ((rc = store_txn_load(st, SQL_TXN_GET, NULL, txn_id, &t, err)) != POS_OK ||
	    (rc = store_fields_check(&t, set, err)) != POS_OK ||
	    (rc = update_row(st, &t, t.state, set, err)) != POS_OK ||
	    (rc = store_timeline_add_in(st, t.id, store_is_set(what) ? what : "ids",
	                                NULL, NULL, 0, 0, detail, err)) != POS_OK ||
	    (rc = adopt_and_reload(st, &t, err)) != POS_OK ||
	    (rc = store_commit(st, "the transaction's new details", err)) != POS_OK)
		goto fail;
	if (out)
		*out = t;
	return POS_OK;
fail:
	store_rollback(st);
	return rc;
}

enum pos_status store_txn_note(struct store *st, int64_t txn_id,
                               const char *what, const char *detail,
                               struct pos_err *err)
{
	struct store_txn t;
	enum pos_status rc;

	if (!store_is_set(what))
		return pos_err_set(err, POS_E_EMPTY, "what", "a timeline row needs a label");
	if ((rc = store_begin(st, err)) != POS_OK)
		return rc;
	if ((rc = store_txn_load(st, SQL_TXN_GET, NULL, txn_id, &t, err)) != POS_OK ||
	    (rc = store_timeline_add_in(st, txn_id, what, NULL, NULL, 0, 0, detail,
	                                err)) != POS_OK ||
	    (rc = store_commit(st, "the timeline note", err)) != POS_OK) {
		store_rollback(st);
		return rc;
	}
	return POS_OK;
}

enum pos_status store_txn_schedule(struct store *st, int64_t txn_id,
                                   int attempts, int64_t next_query_at,
                                   struct pos_err *err)
{
	if (attempts < 0)
		return pos_err_set(err, POS_E_RANGE, "attempts",
		                   "%d is negative", attempts);
	sqlite3_stmt *s = store_stmt(st, SQL_TXN_SCHEDULE, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, txn_id);
	sqlite3_bind_int(s, 2, attempts);
	store_bind_id(s, 3, next_query_at);
	sqlite3_bind_int64(s, 4, clock_now_ms());
	enum pos_status rc = store_step_done(st, s, "scheduling the next query", err);
	if (rc == POS_OK && sqlite3_changes(st->db) == 0)
		return pos_err_set(err, POS_E_NOT_FOUND, "transaction",
		                   "no transaction number %lld", (long long)txn_id);
	return rc;
}

enum pos_status store_txn_get(struct store *st, int64_t txn_id,
                              struct store_txn *out, struct pos_err *err)
{
	return store_txn_load(st, SQL_TXN_GET, NULL, txn_id, out, err);
}

enum pos_status store_txn_get_public(struct store *st, const char *public_id,
                                     struct store_txn *out, struct pos_err *err)
{
	int64_t id;
	enum pos_status rc = store_public_id_parse(public_id, &id, err);
	if (rc != POS_OK)
		return rc;
	return store_txn_load(st, SQL_TXN_GET, NULL, id, out, err);
}

enum pos_status store_txn_find(struct store *st, enum store_key key,
                               const char *value, struct store_txn *out,
                               struct pos_err *err)
{
	static const enum store_sql q[] = {
		[STORE_KEY_CHECKOUT] = SQL_TXN_BY_CHECKOUT,
		[STORE_KEY_CONVERSATION] = SQL_TXN_BY_CONVERSATION,
		[STORE_KEY_ORIGINATOR] = SQL_TXN_BY_ORIGINATOR,
		[STORE_KEY_RECEIPT] = SQL_TXN_BY_RECEIPT,
	};
	if ((unsigned)key >= sizeof q / sizeof q[0])
		return pos_err_set(err, POS_E_INVALID, "key", "not a key to find by");
	if (!store_is_set(value))
		return pos_err_set(err, POS_E_EMPTY, "value", "nothing to search for");
	return store_txn_load(st, q[key], value, 0, out, err);
}

enum pos_status store_txn_timeline(struct store *st, int64_t txn_id,
                                   store_timeline_fn fn, void *ctx,
                                   struct pos_err *err)
{
	sqlite3_stmt *s = store_stmt(st, SQL_TIMELINE_LIST, err);
	int rc = SQLITE_DONE;
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, txn_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_timeline_row row = {
			.id = store_col_i64(s, 0),
			.at = store_col_i64(s, 1),
			.what = store_col_str(s, 2),
			.from_state = store_col_str(s, 3),
			.to_state = store_col_str(s, 4),
			.operator_id = store_col_i64(s, 5),
			.callback_id = store_col_i64(s, 6),
			.detail = store_col_str(s, 7),
		};
		if (!fn(&row, ctx)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	store_done(s);
	if (rc != SQLITE_DONE)
		return store_db_error(st, rc, "reading the timeline", err);
	return POS_OK;
}
