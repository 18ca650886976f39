/* store/batch.c: a bulk-payout batch recorded whole (the batch and every row
 * as a transaction, in one database transaction), read back in row order,
 * confirmed by its creator below the approval limit, and found again after
 * a crash (store_batch_confirm is beside the other moves, store/misc.c). */
#include "store/store_int.h"

#include <string.h>

#include "base/clock.h"
#include "base/str.h"

/* A created row waits for its batch to send it: kept off reconciliation's
 * due list this long (the batch moves it on; reconcile --force still sees
 * it, and app/ leaves batch rows in `created` to their batch). */
#define BATCH_ROW_PARK_MS ((int64_t)30 * 24 * 3600 * 1000)

static enum pos_status prep(struct store *st, const char *sql, sqlite3_stmt **s,
                            const char *doing, struct pos_err *err)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, s, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(*s);
		*s = NULL;
		return store_db_error(st, rc, doing, err);
	}
	return POS_OK;
}

enum pos_status store_batch_create_rows(struct store *st, const char *file_name,
                                        const char *file_sha256, int64_t created_by,
                                        struct store_txn_new *rows, size_t n,
                                        int64_t *id, struct pos_err *err)
{
	enum pos_status rc;
	int64_t total = 0, bid;
	if (!store_is_set(file_name))
		return pos_err_set(err, POS_E_EMPTY, "file", "a batch needs its file name");
	if ((rc = store_check_text("file", file_name, STORE_FILE_NAME_MAX, err)) ||
	    (rc = store_check_text("sha256", file_sha256, STORE_SHA256_HEX_MAX, err)))
		return rc;
	if (n == 0)
		return pos_err_set(err, POS_E_EMPTY, "rows", "a batch needs at least one row");
	for (size_t i = 0; i < n; i++) {
		if (rows[i].kind != TXN_KIND_B2C || rows[i].amount_minor <= 0)
			return pos_err_set(err, POS_E_INVALID, "rows",
			                   "row %zu is not a payout of a positive amount", i + 1);
		total += rows[i].amount_minor;
	}
	if ((rc = store_begin(st, err)) != POS_OK)
		return rc;
	sqlite3_stmt *s = store_stmt(st, SQL_BATCH_INSERT, err);
	if (!s) {
		rc = err ? err->code : POS_E_STORE;
		goto fail;
	}
	int64_t now = clock_now_ms();
	sqlite3_bind_text(s, 1, file_name, -1, SQLITE_STATIC);
	store_bind_text(s, 2, file_sha256);
	sqlite3_bind_int64(s, 3, (int64_t)n);
	sqlite3_bind_int64(s, 4, total);
	sqlite3_bind_int64(s, 5, created_by);
	sqlite3_bind_int64(s, 6, now);
	if ((rc = store_step_done(st, s, "recording the batch", err)) != POS_OK)
		goto fail;
	bid = sqlite3_last_insert_rowid(st->db);
	for (size_t i = 0; i < n; i++) {
		struct store_txn t;
		rows[i].batch_id = bid;
		rows[i].batch_row = (int64_t)i + 1;
		if ((rc = store_txn_insert_in(st, &rows[i], TXN_CREATED, NULL, 0, &t, err)) != POS_OK)
			goto fail;
	}
	sqlite3_stmt *u = NULL;
	if ((rc = prep(st, "UPDATE txn SET next_query_at = ?2 WHERE batch_id = ?1", &u,
	               "recording the batch", err)) != POS_OK)
		goto fail;
	sqlite3_bind_int64(u, 1, bid);
	sqlite3_bind_int64(u, 2, now + BATCH_ROW_PARK_MS);
	int src = sqlite3_step(u);
	sqlite3_finalize(u);
	if (src != SQLITE_DONE) {
		rc = store_db_error(st, src, "recording the batch", err);
		goto fail;
	}
	if ((rc = store_commit(st, "the batch", err)) != POS_OK)
		goto fail;
	if (id)
		*id = bid;
	return POS_OK;
fail:
	store_rollback(st);
	for (size_t i = 0; i < n; i++)
		rows[i].batch_id = rows[i].batch_row = 0;
	return rc;
}

enum pos_status store_batch_txns(struct store *st, int64_t batch_id, int64_t after_row,
                                 struct store_txn *rows, size_t cap, size_t *n,
                                 struct pos_err *err)
{
	sqlite3_stmt *s = NULL;
	enum pos_status rc;
	*n = 0;
	if ((rc = prep(st, "SELECT " STORE_TXN_COLS " FROM txn WHERE batch_id = ?1 "
	               "AND batch_row > ?2 ORDER BY batch_row LIMIT ?3", &s,
	               "reading the batch's rows", err)) != POS_OK)
		return rc;
	sqlite3_bind_int64(s, 1, batch_id);
	sqlite3_bind_int64(s, 2, after_row);
	sqlite3_bind_int64(s, 3, (int64_t)cap);
	int src = SQLITE_DONE;
	while (*n < cap && (src = sqlite3_step(s)) == SQLITE_ROW)
		store_txn_from_row(s, &rows[(*n)++]);
	if (*n < cap && src != SQLITE_DONE)
		rc = store_db_error(st, src, "reading the batch's rows", err);
	sqlite3_finalize(s);
	return rc;
}

enum pos_status store_batch_list(struct store *st, enum store_batch_status status,
                                 struct store_batch *out, size_t cap, size_t *n,
                                 struct pos_err *err)
{
	sqlite3_stmt *s = NULL;
	enum pos_status rc;
	int64_t ids[64];
	size_t k = 0;
	*n = 0;
	if ((rc = prep(st, "SELECT id FROM batch WHERE status = ?1 ORDER BY id LIMIT ?2", &s,
	               "listing batches", err)) != POS_OK)
		return rc;
	sqlite3_bind_text(s, 1, store_batch_status_name(status), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (int64_t)(cap < 64 ? cap : 64));
	int src = SQLITE_DONE;
	while (k < 64 && (src = sqlite3_step(s)) == SQLITE_ROW)
		ids[k++] = sqlite3_column_int64(s, 0);
	if (src != SQLITE_DONE && src != SQLITE_ROW)
		rc = store_db_error(st, src, "listing batches", err);
	sqlite3_finalize(s);
	for (size_t i = 0; rc == POS_OK && i < k && *n < cap; i++)
		if ((rc = store_batch_get(st, ids[i], &out[*n], err)) == POS_OK)
			(*n)++;
	return rc;
}

enum pos_status store_batch_find_file(struct store *st, const char *file_sha256,
                                      struct store_batch *out, struct pos_err *err)
{
	sqlite3_stmt *s = NULL;
	enum pos_status rc;
	int64_t id = 0;
	if (!store_is_set(file_sha256))
		return pos_err_set(err, POS_E_EMPTY, "sha256", "give the file's SHA-256");
	/* batch_sha256 (schema v1) indexes file_sha256. A cancelled batch counts
	 * when any of its rows was sent and did not fail (money may have moved):
	 * the same file again would pay those recipients twice. */
	if ((rc = prep(st, "SELECT id FROM batch b WHERE file_sha256 = ?1 AND (status <> "
	               "'cancelled' OR EXISTS (SELECT 1 FROM txn WHERE batch_id = b.id AND "
	               "state NOT IN ('created','failed'))) ORDER BY id DESC LIMIT 1", &s,
	               "looking for the file's earlier batches", err)) != POS_OK)
		return rc;
	sqlite3_bind_text(s, 1, file_sha256, -1, SQLITE_STATIC);
	int src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	else if (src != SQLITE_DONE)
		rc = store_db_error(st, src, "looking for the file's earlier batches", err);
	sqlite3_finalize(s);
	if (rc != POS_OK)
		return rc;
	if (!id)
		return pos_err_set(err, POS_E_NOT_FOUND, "file", "no batch was recorded from this file");
	return store_batch_get(st, id, out, err);
}

enum pos_status store_batch_pause(struct store *st, int64_t id, int64_t operator_id,
                                  struct pos_err *err)
{
	sqlite3_stmt *s = NULL;
	struct store_batch b;
	enum pos_status rc;
	if ((rc = prep(st, "UPDATE batch SET paused_at = CASE WHEN ?2 > 0 THEN ?3 END, "
	               "paused_by = nullif(?2, 0), updated_at = ?3 WHERE id = ?1 AND "
	               "status = 'running'", &s, "pausing the batch", err)) != POS_OK)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, operator_id);
	sqlite3_bind_int64(s, 3, clock_now_ms());
	int src = sqlite3_step(s);
	sqlite3_finalize(s);
	if (src != SQLITE_DONE)
		return store_db_error(st, src, "pausing the batch", err);
	if (sqlite3_changes(st->db) == 1)
		return POS_OK;
	if ((rc = store_batch_get(st, id, &b, err)) != POS_OK)
		return rc;
	return pos_err_set(err, POS_E_STATE, "batch", "batch %lld is %s: only a running batch "
	                   "can be paused or go on", (long long)id,
	                   store_batch_status_name(b.status));
}
