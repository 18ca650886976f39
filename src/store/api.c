/*
 * store/api.c: API tokens (for `serve`'s local API), kept as SHA-256
 * hashes only.
 *
 * The table is created on first use with CREATE TABLE IF NOT EXISTS rather
 * than as a schema step: it is additive, holds nothing the ledger depends on,
 * and a database without it simply has no tokens. (A later schema step may
 * adopt it unchanged.) Rows are never deleted: a revoked token keeps its row,
 * with revoked_at set, so `token list` shows the history.
 *
 * These statements are prepared per call, not cached: tokens are checked
 * once per API request, far from the ledger's hot paths.
 *
 * Idempotency keys (api_idempotency, schema step 2) are here too: a key is
 * reserved before a POST's flow starts, then bound to the transaction it
 * made, or released when the request recorded nothing.
 */
#include "store/store_int.h"

#include <string.h>

#include "base/clock.h"
#include "base/str.h"

static const char create_sql[] =
	"CREATE TABLE IF NOT EXISTS api_token (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  operator_id INTEGER NOT NULL,\n"
	"  name TEXT NOT NULL DEFAULT '',\n"
	"  hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*'),\n"
	"  created_at INTEGER NOT NULL,\n"
	"  revoked_at INTEGER\n"
	");\n"
	"CREATE TRIGGER IF NOT EXISTS api_token_no_delete BEFORE DELETE ON api_token "
	"BEGIN SELECT RAISE(ABORT, 'an API token is revoked, never deleted'); END;\n";

#define TOKEN_COLS "id, operator_id, name, hash, created_at, revoked_at"

static enum pos_status ensure_table(struct store *st, struct pos_err *err)
{
	int rc = sqlite3_exec(st->db, create_sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_db_error(st, rc, "preparing the API token table", err);
	return POS_OK;
}

static enum pos_status prepare(struct store *st, const char *sql, sqlite3_stmt **s,
                               const char *doing, struct pos_err *err)
{
	enum pos_status prc = ensure_table(st, err);
	if (prc != POS_OK)
		return prc;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, s, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(*s);
		*s = NULL;
		return store_db_error(st, rc, doing, err);
	}
	return POS_OK;
}

static bool hash_valid(const char *h)
{
	if (!h || strlen(h) != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return false;
	return true;
}

static void token_from_row(sqlite3_stmt *s, struct store_api_token *t)
{
	memset(t, 0, sizeof *t);
	t->id = store_col_i64(s, 0);
	t->operator_id = store_col_i64(s, 1);
	store_col_text(s, 2, t->name, sizeof t->name);
	store_col_text(s, 3, t->hash, sizeof t->hash);
	t->created_at = store_col_i64(s, 4);
	t->revoked_at = store_col_i64(s, 5);
}

enum pos_status store_token_add(struct store *st, int64_t operator_id,
                                const char *name, const char *hash_hex,
                                int64_t *id, struct pos_err *err)
{
	sqlite3_stmt *s = NULL;
	enum pos_status prc;
	if (operator_id <= 0)
		return pos_err_set(err, POS_E_RANGE, "operator",
		                   "%lld is not an operator id", (long long)operator_id);
	if (!hash_valid(hash_hex))
		return pos_err_set(err, POS_E_INVALID, "hash",
		                   "an API token is stored as a SHA-256 hex digest, never as issued");
	if ((prc = store_check_text("name", name, STORE_NAME_MAX, err)) != POS_OK)
		return prc;
	if ((prc = prepare(st, "INSERT INTO api_token (operator_id, name, hash, created_at) "
	                       "VALUES (?1, ?2, ?3, ?4)", &s, "saving an API token", err)) != POS_OK)
		return prc;
	sqlite3_bind_int64(s, 1, operator_id);
	sqlite3_bind_text(s, 2, name ? name : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, hash_hex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, clock_now_ms());
	int rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		prc = store_db_error(st, rc, "saving an API token", err);
	else if (id)
		*id = sqlite3_last_insert_rowid(st->db);
	sqlite3_finalize(s);
	return prc;
}

enum pos_status store_token_find(struct store *st, const char *hash_hex,
                                 struct store_api_token *out, struct pos_err *err)
{
	sqlite3_stmt *s = NULL;
	enum pos_status prc;
	if (!hash_valid(hash_hex))
		return pos_err_set(err, POS_E_NOT_FOUND, "token", "no such API token");
	if ((prc = prepare(st, "SELECT " TOKEN_COLS " FROM api_token WHERE hash = ?1 "
	                       "AND revoked_at IS NULL", &s, "checking an API token", err)) != POS_OK)
		return prc;
	sqlite3_bind_text(s, 1, hash_hex, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		token_from_row(s, out);
	else if (rc == SQLITE_DONE)
		prc = pos_err_set(err, POS_E_NOT_FOUND, "token", "no such API token, or it was revoked");
	else
		prc = store_db_error(st, rc, "checking an API token", err);
	sqlite3_finalize(s);
	return prc;
}

enum pos_status store_token_list(struct store *st, struct store_api_token *out,
                                 size_t cap, size_t *n, struct pos_err *err)
{
	sqlite3_stmt *s = NULL;
	enum pos_status prc;
	*n = 0;
	if ((prc = prepare(st, "SELECT " TOKEN_COLS " FROM api_token ORDER BY id LIMIT ?1",
	                   &s, "listing API tokens", err)) != POS_OK)
		return prc;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)cap);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < cap)
		token_from_row(s, &out[(*n)++]);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		prc = store_db_error(st, rc, "listing API tokens", err);
	sqlite3_finalize(s);
	return prc;
}

enum pos_status store_token_revoke(struct store *st, int64_t id,
                                   struct store_api_token *out, struct pos_err *err)
{
	sqlite3_stmt *s = NULL;
	enum pos_status prc;
	if ((prc = prepare(st, "UPDATE api_token SET revoked_at = ?2 WHERE id = ?1 AND "
	                       "revoked_at IS NULL", &s, "revoking an API token", err)) != POS_OK)
		return prc;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, clock_now_ms());
	int rc = sqlite3_step(s);
	bool changed = rc == SQLITE_DONE && sqlite3_changes(st->db) == 1;
	if (rc != SQLITE_DONE)
		prc = store_db_error(st, rc, "revoking an API token", err);
	sqlite3_finalize(s);
	if (prc != POS_OK)
		return prc;
	/* Read it back: unknown, already revoked, or now revoked. */
	if ((prc = prepare(st, "SELECT " TOKEN_COLS " FROM api_token WHERE id = ?1", &s,
	                   "revoking an API token", err)) != POS_OK)
		return prc;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		struct store_api_token t;
		token_from_row(s, &t);
		if (out)
			*out = t;
		if (!changed)
			prc = pos_err_set(err, POS_E_DUPLICATE, "id", "API token %lld was already revoked",
			                  (long long)id);
	} else if (rc == SQLITE_DONE) {
		prc = pos_err_set(err, POS_E_NOT_FOUND, "id", "there is no API token %lld",
		                  (long long)id);
	} else {
		prc = store_db_error(st, rc, "revoking an API token", err);
	}
	sqlite3_finalize(s);
	return prc;
}

/* ---- idempotency keys (schema step 2) ------------------------------------------ */

/* A statement on the api_idempotency table (a schema step: no ensure_table),
 * with ?1 bound to operator_id and ?2 to key (borrowed until finalized). */
static enum pos_status idem_prepare(struct store *st, const char *sql, int64_t operator_id,
                                    const char *key, sqlite3_stmt **s, struct pos_err *err)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, s, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(*s);
		*s = NULL;
		return store_db_error(st, rc, "looking up an idempotency key", err);
	}
	sqlite3_bind_int64(*s, 1, operator_id);
	sqlite3_bind_text(*s, 2, key, -1, SQLITE_STATIC);
	return POS_OK;
}

static enum pos_status idem_get(struct store *st, int64_t operator_id, const char *key,
                                struct store_idem *out, struct pos_err *err)
{
	sqlite3_stmt *s = NULL;
	enum pos_status prc = idem_prepare(st, "SELECT operator_id, key, request_sha256, txn_id, "
	                                       "created_at FROM api_idempotency WHERE "
	                                       "operator_id = ?1 AND key = ?2", operator_id, key,
	                                   &s, err);
	if (prc != POS_OK)
		return prc;
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof *out);
		out->operator_id = store_col_i64(s, 0);
		store_col_text(s, 1, out->key, sizeof out->key);
		store_col_text(s, 2, out->request_sha256, sizeof out->request_sha256);
		out->txn_id = store_col_i64(s, 3);
		out->created_at = store_col_i64(s, 4);
	} else if (rc == SQLITE_DONE) {
		prc = POS_E_NOT_FOUND;
	} else {
		prc = store_db_error(st, rc, "looking up an idempotency key", err);
	}
	sqlite3_finalize(s);
	return prc;
}

enum pos_status store_idem_reserve(struct store *st, int64_t operator_id, const char *key,
                                   const char *request_sha256, struct store_idem *out,
                                   struct pos_err *err)
{
	sqlite3_stmt *s = NULL;
	enum pos_status prc;
	size_t n = key ? strlen(key) : 0;
	if (n == 0 || n >= STORE_IDEM_KEY_MAX)
		return pos_err_set(err, POS_E_INVALID, "Idempotency-Key",
		                   "an idempotency key is 1 to %d characters", STORE_IDEM_KEY_MAX - 1);
	if (!hash_valid(request_sha256))
		return pos_err_set(err, POS_E_INVALID, "request", "a request is kept as a SHA-256 "
		                   "hex digest");
	if ((prc = idem_prepare(st, "INSERT INTO api_idempotency (operator_id, key, "
	                            "request_sha256, created_at) VALUES (?1, ?2, ?3, ?4) "
	                            "ON CONFLICT (operator_id, key) DO NOTHING", operator_id, key,
	                            &s, err)) != POS_OK)
		return prc;
	sqlite3_bind_text(s, 3, request_sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, clock_now_ms());
	int rc = sqlite3_step(s);
	bool added = rc == SQLITE_DONE && sqlite3_changes(st->db) == 1;
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_db_error(st, rc, "keeping an idempotency key", err);
	if (added)
		return POS_OK;
	struct store_idem row;
	prc = idem_get(st, operator_id, key, &row, err);
	if (prc == POS_E_NOT_FOUND) /* released in between: not ours to guess */
		return pos_err_set(err, POS_E_BUSY, "Idempotency-Key", "the key changed while it "
		                   "was being kept");
	if (prc != POS_OK)
		return prc;
	if (out)
		*out = row;
	return pos_err_set(err, POS_E_DUPLICATE, "Idempotency-Key",
	                   "idempotency key \"%s\" was used before", key);
}

enum pos_status store_idem_bind(struct store *st, int64_t operator_id, const char *key,
                                int64_t txn_id, struct pos_err *err)
{
	sqlite3_stmt *s = NULL;
	enum pos_status prc = idem_prepare(st, "UPDATE api_idempotency SET txn_id = ?3 WHERE "
	                                       "operator_id = ?1 AND key = ?2 AND txn_id IS NULL",
	                                   operator_id, key, &s, err);
	if (prc != POS_OK)
		return prc;
	sqlite3_bind_int64(s, 3, txn_id);
	int rc = sqlite3_step(s);
	bool changed = rc == SQLITE_DONE && sqlite3_changes(st->db) == 1;
	if (rc != SQLITE_DONE)
		prc = store_db_error(st, rc, "keeping an idempotency key", err);
	else if (!changed)
		prc = pos_err_set(err, POS_E_NOT_FOUND, "Idempotency-Key",
		                  "idempotency key \"%s\" is not reserved", key);
	sqlite3_finalize(s);
	return prc;
}

enum pos_status store_idem_release(struct store *st, int64_t operator_id, const char *key,
                                   struct pos_err *err)
{
	sqlite3_stmt *s = NULL;
	enum pos_status prc = idem_prepare(st, "DELETE FROM api_idempotency WHERE "
	                                       "operator_id = ?1 AND key = ?2 AND txn_id IS NULL",
	                                   operator_id, key, &s, err);
	if (prc != POS_OK)
		return prc;
	int rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		prc = store_db_error(st, rc, "releasing an idempotency key", err);
	sqlite3_finalize(s);
	return prc;
}

/* ---- metrics ------------------------------------------------------------------ */

enum pos_status store_txn_counts(struct store *st,
                                 int64_t counts[TXN_KIND_COUNT][TXN_STATE_COUNT],
                                 struct pos_err *err)
{
	sqlite3_stmt *s = NULL;
	memset(counts, 0, sizeof(int64_t) * TXN_KIND_COUNT * TXN_STATE_COUNT);
	int rc = sqlite3_prepare_v2(st->db, "SELECT kind, state, count(*) FROM txn "
	                            "GROUP BY kind, state", -1, &s, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(s);
		return store_db_error(st, rc, "counting transactions", err);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		enum txn_kind k;
		enum txn_state t;
		if (txn_kind_parse(store_col_str(s, 0), &k) && txn_state_parse(store_col_str(s, 1), &t))
			counts[k][t] = store_col_i64(s, 2);
	}
	enum pos_status prc = POS_OK;
	if (rc != SQLITE_DONE)
		prc = store_db_error(st, rc, "counting transactions", err);
	sqlite3_finalize(s);
	return prc;
}

enum pos_status store_callback_counts(struct store *st,
                                      int64_t counts[STORE_CB_OUTCOME_COUNT],
                                      struct pos_err *err)
{
	sqlite3_stmt *s = NULL;
	memset(counts, 0, sizeof(int64_t) * STORE_CB_OUTCOME_COUNT);
	int rc = sqlite3_prepare_v2(st->db, "SELECT outcome, count(*) FROM callback "
	                            "GROUP BY outcome", -1, &s, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(s);
		return store_db_error(st, rc, "counting callbacks", err);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = store_col_str(s, 0);
		for (int o = 0; o < STORE_CB_OUTCOME_COUNT; o++)
			if (strcmp(name, store_cb_outcome_name((enum store_cb_outcome)o)) == 0)
				counts[o] = store_col_i64(s, 1);
	}
	enum pos_status prc = POS_OK;
	if (rc != SQLITE_DONE)
		prc = store_db_error(st, rc, "counting callbacks", err);
	sqlite3_finalize(s);
	return prc;
}
