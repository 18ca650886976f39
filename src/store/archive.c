/* store/archive.c: reading the raw callback archive. */
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/str.h"

static bool outcome_parse(const char *s, enum store_cb_outcome *out)
{
	for (int o = 0; o < STORE_CB_OUTCOME_COUNT; o++)
		if (str_eq(s, store_cb_outcome_name((enum store_cb_outcome)o))) {
			*out = (enum store_cb_outcome)o;
			return true;
		}
	return false;
}

enum pos_status store_callback_get(struct store *st, int64_t id,
                                   struct store_callback_row *out,
                                   struct pos_err *err)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *s = store_stmt(st, SQL_CB_GET, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	enum pos_status prc = POS_OK;
	if (rc == SQLITE_ROW) {
		out->id = store_col_i64(s, 0);
		out->received_at = store_col_i64(s, 1);
		store_col_text(s, 2, out->route, sizeof out->route);
		store_col_text(s, 3, out->source, sizeof out->source);
		if (!outcome_parse(store_col_str(s, 4), &out->outcome))
			out->outcome = STORE_CB_REJECTED;
		store_col_text(s, 5, out->reason, sizeof out->reason);
		out->txn_id = store_col_i64(s, 6);
		out->resolved_at = store_col_i64(s, 7);
		const void *b = sqlite3_column_blob(s, 8);
		size_t n = (size_t)sqlite3_column_bytes(s, 8);
		if (!(out->body = malloc(n + 1))) {
			prc = pos_err_set(err, POS_E_NOMEM, "", NULL);
		} else {
			if (n)
				memcpy(out->body, b, n);
			out->body[n] = '\0';
			out->body_len = n;
		}
	} else if (rc == SQLITE_DONE) {
		prc = pos_err_set(err, POS_E_NOT_FOUND, "callback",
		                  "no archived callback number %lld", (long long)id);
	} else {
		prc = store_db_error(st, rc, "reading an archived callback", err);
	}
	store_done(s);
	return prc;
}

void store_callback_row_release(struct store_callback_row *row)
{
	if (row) {
		free(row->body);
		row->body = NULL;
		row->body_len = 0;
	}
}

enum pos_status store_callback_ids_for(struct store *st, int64_t txn_id,
                                       int64_t *ids, size_t cap, size_t *n,
                                       struct pos_err *err)
{
	sqlite3_stmt *s = store_stmt(st, SQL_CB_FOR_TXN, err);
	int rc = SQLITE_DONE;
	*n = 0;
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, txn_id);
	while (*n < cap && (rc = sqlite3_step(s)) == SQLITE_ROW)
		ids[(*n)++] = store_col_i64(s, 0);
	if (*n == cap)
		rc = SQLITE_DONE;
	store_done(s);
	if (rc != SQLITE_DONE)
		return store_db_error(st, rc, "reading the callbacks of a transaction", err);
	return POS_OK;
}
