/*
 * store/dayend.c: what the day-end report and the Balance screen read
 * besides the totals of store/report.c: balance readings (a day's first and
 * last per account, one query's lines, the reading before one), the
 * completed M-Pesa money between two readings, and the C2B payments found
 * by Pull Transactions. Read-only; each function is one or two indexed
 * queries.
 */
#include "store/store_int.h"

#include <string.h>

#include "base/str.h"

/* A statement of this file: prepared per call (these run a few times a
 * day, not per payment, so they stay out of the cached table). */
static sqlite3_stmt *prep(struct store *st, const char *sql, struct pos_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK) {
		store_db_error(st, rc, "preparing a report query", err);
		sqlite3_finalize(s);
		return NULL;
	}
	return s;
}

#define BAL_COLS                                                              \
	"at, shortcode, account, currency, current_minor, available_minor, "     \
	"reserved_minor, uncleared_minor, coalesce(txn_id, 0)"

static void balance_from_row(sqlite3_stmt *s, int c, struct store_balance *b)
{
	memset(b, 0, sizeof *b);
	b->at = store_col_i64(s, c);
	store_col_text(s, c + 1, b->shortcode, sizeof b->shortcode);
	store_col_text(s, c + 2, b->account, sizeof b->account);
	store_col_text(s, c + 3, b->currency, sizeof b->currency);
	b->current_minor = store_col_i64(s, c + 4);
	b->available_minor = store_col_i64(s, c + 5);
	b->reserved_minor = store_col_i64(s, c + 6);
	b->uncleared_minor = store_col_i64(s, c + 7);
	b->txn_id = store_col_i64(s, c + 8);
}

enum pos_status store_balance_of_txn(struct store *st, int64_t txn_id,
                                     struct store_balance *out, size_t cap,
                                     size_t *n, struct pos_err *err)
{
	*n = 0;
	sqlite3_stmt *s = prep(st, "SELECT " BAL_COLS " FROM balance WHERE txn_id = ?1 "
	                           "ORDER BY id", err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, txn_id);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < cap)
		balance_from_row(s, 0, &out[(*n)++]);
	if (rc == SQLITE_ROW)
		rc = SQLITE_DONE; /* more lines than cap: the first cap are enough */
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? POS_OK : store_db_error(st, rc, "reading balances", err);
}

enum pos_status store_balance_previous(struct store *st, const struct store_balance *cur,
                                       struct store_balance *prev, bool *found,
                                       struct pos_err *err)
{
	*found = false;
	sqlite3_stmt *s = prep(st, "SELECT " BAL_COLS " FROM balance WHERE shortcode = ?1 "
	                           "AND account = ?2 AND at <= ?3 AND coalesce(txn_id, 0) <> ?4 "
	                           "ORDER BY at DESC, id DESC LIMIT 1", err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_text(s, 1, cur->shortcode, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, cur->account, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, cur->at);
	sqlite3_bind_int64(s, 4, cur->txn_id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		balance_from_row(s, 0, prev);
		*found = true;
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? POS_OK : store_db_error(st, rc, "reading balances", err);
}

enum pos_status store_balance_span(struct store *st, const char *shortcode,
                                   int64_t from_ms, int64_t to_ms,
                                   struct store_balance_span *out, size_t cap,
                                   size_t *n, struct pos_err *err)
{
	*n = 0;
	/* Per account: the first and the last reading in the window. */
	sqlite3_stmt *s = prep(st,
		"WITH w AS (SELECT id, at, shortcode, account, currency, current_minor, "
		"  available_minor, reserved_minor, uncleared_minor, txn_id FROM balance WHERE "
		"  (?1 IS NULL OR shortcode = ?1) AND at >= ?2 AND at < ?3), "
		"f AS (SELECT shortcode, account, count(*) AS k, "
		"  (SELECT id FROM w x WHERE x.shortcode = w.shortcode AND x.account = w.account "
		"   ORDER BY at, id LIMIT 1) AS fid, "
		"  (SELECT id FROM w x WHERE x.shortcode = w.shortcode AND x.account = w.account "
		"   ORDER BY at DESC, id DESC LIMIT 1) AS lid FROM w GROUP BY shortcode, account) "
		"SELECT f.k, b.at, b.shortcode, b.account, b.currency, b.current_minor, "
		" b.available_minor, b.reserved_minor, b.uncleared_minor, coalesce(b.txn_id, 0), "
		" e.at, e.shortcode, e.account, e.currency, e.current_minor, "
		" e.available_minor, e.reserved_minor, e.uncleared_minor, coalesce(e.txn_id, 0) "
		"FROM f JOIN w b ON b.id = f.fid JOIN w e ON e.id = f.lid ORDER BY f.shortcode, f.account",
		err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	store_bind_text(s, 1, shortcode);
	sqlite3_bind_int64(s, 2, from_ms);
	sqlite3_bind_int64(s, 3, to_ms);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < cap) {
		struct store_balance_span *sp = &out[(*n)++];
		memset(sp, 0, sizeof *sp);
		sp->readings = store_col_i64(s, 0);
		balance_from_row(s, 1, &sp->first);
		balance_from_row(s, 10, &sp->last);
	}
	if (rc == SQLITE_ROW)
		rc = SQLITE_DONE;
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? POS_OK : store_db_error(st, rc, "reading the day's balances", err);
}

enum pos_status store_money_between(struct store *st, int64_t after_ms, int64_t upto_ms,
                                    struct store_sum *in, struct store_sum *out,
                                    struct pos_err *err)
{
	memset(in, 0, sizeof *in);
	memset(out, 0, sizeof *out);
	sqlite3_stmt *s = prep(st,
		"SELECT kind, count(*), coalesce(sum(amount_minor), 0) FROM txn "
		"WHERE state = 'completed' AND created_at > ?1 AND created_at <= ?2 "
		"AND kind IN ('stk', 'c2b', 'b2c', 'reversal') GROUP BY kind",
		err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, after_ms);
	sqlite3_bind_int64(s, 2, upto_ms);
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *k = store_col_str(s, 0);
		bool is_in = strcmp(k, "stk") == 0 || strcmp(k, "c2b") == 0;
		struct store_sum *to = is_in ? in : out;
		to->count += store_col_i64(s, 1);
		to->sum_minor += store_col_i64(s, 2);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? POS_OK
	                         : store_db_error(st, rc, "adding up the money between readings", err);
}

enum pos_status store_pull_check(struct store *st, int64_t from_ms, int64_t to_ms,
                                 const char *till_id, struct store_pull_result *out,
                                 struct pos_err *err)
{
	memset(out, 0, sizeof *out);
	enum pos_status prc;
	if ((prc = store_check_text("till", till_id, STORE_TILL_MAX, err)) != POS_OK)
		return prc;
	sqlite3_stmt *s = prep(st,
		"SELECT (SELECT max(received_at) FROM callback WHERE source = 'pull'), "
		" (SELECT count(*) FROM txn WHERE kind = 'c2b' AND created_at >= ?1 AND "
		"  created_at < ?2 AND (?3 IS NULL OR till_id = ?3) AND EXISTS (SELECT 1 "
		"  FROM callback c WHERE c.txn_id = txn.id AND c.source = 'pull')), "
		" (SELECT coalesce(sum(amount_minor), 0) FROM txn WHERE kind = 'c2b' AND "
		"  created_at >= ?1 AND created_at < ?2 AND (?3 IS NULL OR till_id = ?3) AND "
		"  EXISTS (SELECT 1 FROM callback c WHERE c.txn_id = txn.id AND "
		"  c.source = 'pull'))",
		err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, from_ms);
	sqlite3_bind_int64(s, 2, to_ms);
	store_bind_text(s, 3, till_id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->last_pull_at = store_col_i64(s, 0);
		out->found.count = store_col_i64(s, 1);
		out->found.sum_minor = store_col_i64(s, 2);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? POS_OK
	                         : store_db_error(st, rc, "looking for payments found by Pull", err);
}
