/*
 * store/query.c: history, search and the reconciliation list.
 *
 * History pages by keyset, newest first: WHERE (created_at, id) < cursor
 * ORDER BY created_at DESC, id DESC LIMIT n. Every index on txn ends with
 * created_at (and, implicitly, the rowid), so each filter shape walks one
 * index in order and stops after n rows: the cost of a page does not grow
 * with the table, and no COUNT(*) is ever needed.
 *
 * With several filters, the most selective one is left to the planner and
 * the others are written "+col = ?" (which SQLite does not use an index
 * for), so the plan does not depend on statistics the database may not
 * have yet.
 */
#include "store/store_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/str.h"

enum { SQL_MAX = 2048 };

/* Filters in order of selectivity: the first present one drives the plan. */
enum col { C_PUBLIC, C_RECEIPT, C_MSISDN, C_REFERENCE, C_OPERATOR, C_TILL,
           C_STATE, C_KIND, C_COUNT };
static const char *const col_name[C_COUNT] = {
	"public_id", "receipt", "msisdn", "account_reference", "operator_id",
	"till_id", "state", "kind",
};

static bool col_present(const struct store_filter *f, enum col c)
{
	switch (c) {
	case C_PUBLIC: return store_is_set(f->public_id);
	case C_RECEIPT: return store_is_set(f->receipt);
	case C_MSISDN: return store_is_set(f->msisdn);
	case C_REFERENCE: return store_is_set(f->reference);
	case C_OPERATOR: return f->operator_id != 0;
	case C_TILL: return store_is_set(f->till_id);
	case C_STATE: return f->has_state;
	case C_KIND: return f->has_kind;
	case C_COUNT: break;
	}
	return false;
}

static enum pos_status check_filter(const struct store_filter *f, struct pos_err *err)
{
	enum pos_status rc;
	if (f->has_kind && (unsigned)f->kind >= TXN_KIND_COUNT)
		return pos_err_set(err, POS_E_INVALID, "kind", "not a transaction kind");
	if (f->has_state && (unsigned)f->state >= TXN_STATE_COUNT)
		return pos_err_set(err, POS_E_INVALID, "state", "not a transaction state");
	if (f->from_ms && f->to_ms && f->from_ms > f->to_ms)
		return pos_err_set(err, POS_E_RANGE, "to",
		                   "the date range ends before it starts");
	if ((rc = store_check_text("phone", f->msisdn, STORE_MSISDN_MAX, err)) ||
	    (rc = store_check_text("receipt", f->receipt, STORE_RECEIPT_MAX, err)) ||
	    (rc = store_check_text("reference", f->reference, STORE_REFERENCE_MAX, err)) ||
	    (rc = store_check_text("till", f->till_id, STORE_TILL_MAX, err)) ||
	    (rc = store_check_text("transaction", f->public_id, STORE_PUBLIC_ID_MAX, err)))
		return rc;
	return POS_OK;
}

/* Append to sql, never past sqlsz (a truncated query fails to prepare). */
static void app(char *sql, size_t sqlsz, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void app(char *sql, size_t sqlsz, size_t *n, const char *fmt, ...)
{
	va_list ap;
	if (*n >= sqlsz - 1)
		return;
	va_start(ap, fmt);
	int k = vsnprintf(sql + *n, sqlsz - *n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= sqlsz - *n)
		*n = sqlsz - 1;
	else
		*n += (size_t)k;
}

static void build_sql(const struct store_filter *f, bool cursor, char *sql,
                      size_t sqlsz)
{
	int lead = C_COUNT;
	size_t n = 0;
	for (int c = 0; c < C_COUNT; c++)
		if (col_present(f, (enum col)c)) {
			lead = c;
			break;
		}
	app(sql, sqlsz, &n, "SELECT %s FROM txn WHERE 1", STORE_TXN_COLS);
	for (int c = 0; c < C_COUNT; c++)
		if (col_present(f, (enum col)c))
			app(sql, sqlsz, &n, " AND %s%s = :%s", c == lead ? "" : "+",
			    col_name[c], col_name[c]);
	if (f->from_ms)
		app(sql, sqlsz, &n, " AND created_at >= :from");
	if (f->to_ms)
		app(sql, sqlsz, &n, " AND created_at < :to");
	if (cursor)
		app(sql, sqlsz, &n, " AND (created_at, id) < (:c_at, :c_id)");
	app(sql, sqlsz, &n, " ORDER BY created_at DESC, id DESC LIMIT :limit");
}

static void bind_named_text(sqlite3_stmt *s, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(s, name);
	if (i > 0)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

static void bind_named_i64(sqlite3_stmt *s, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(s, name);
	if (i > 0)
		sqlite3_bind_int64(s, i, v);
}

static void bind_filter(sqlite3_stmt *s, const struct store_filter *f,
                        const struct store_cursor *after, int64_t limit)
{
	bind_named_text(s, ":public_id", f->public_id);
	bind_named_text(s, ":receipt", f->receipt);
	bind_named_text(s, ":msisdn", f->msisdn);
	bind_named_text(s, ":account_reference", f->reference);
	bind_named_i64(s, ":operator_id", f->operator_id);
	bind_named_text(s, ":till_id", f->till_id);
	if (f->has_state)
		bind_named_text(s, ":state", txn_state_name(f->state));
	if (f->has_kind)
		bind_named_text(s, ":kind", txn_kind_name(f->kind));
	bind_named_i64(s, ":from", f->from_ms);
	bind_named_i64(s, ":to", f->to_ms);
	if (after) {
		bind_named_i64(s, ":c_at", after->created_at);
		bind_named_i64(s, ":c_id", after->id);
	}
	bind_named_i64(s, ":limit", limit);
}

static bool has_cursor(const struct store_cursor *after)
{
	return after && (after->created_at || after->id);
}

static enum pos_status prepare(struct store *st, const char *sql, sqlite3_stmt **s,
                               struct pos_err *err)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, s, NULL);
	if (rc != SQLITE_OK)
		return store_db_error(st, rc, "preparing the history query", err);
	return POS_OK;
}

enum pos_status store_txn_history(struct store *st, const struct store_filter *f,
                                  const struct store_cursor *after,
                                  struct store_txn *rows, size_t cap, size_t *n,
                                  struct store_cursor *next, bool *more,
                                  struct pos_err *err)
{
	static const struct store_filter none;
	char sql[SQL_MAX];
	sqlite3_stmt *s = NULL;
	enum pos_status prc;
	int rc = SQLITE_DONE;

	*n = 0;
	if (more)
		*more = false;
	if (!f)
		f = &none;
	if ((prc = check_filter(f, err)) != POS_OK)
		return prc;
	if (cap == 0 || cap > INT32_MAX - 1)
		return pos_err_set(err, POS_E_RANGE, "cap", "a page holds 1 row or more");
	bool cur = has_cursor(after);
	build_sql(f, cur, sql, sizeof sql);
	if ((prc = prepare(st, sql, &s, err)) != POS_OK)
		return prc;
	bind_filter(s, f, cur ? after : NULL, (int64_t)cap + 1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			if (more)
				*more = true;
			rc = SQLITE_DONE;
			break;
		}
		store_txn_from_row(s, &rows[(*n)++]);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_db_error(st, rc, "reading the history", err);
	if (next) {
		if (*n) {
			next->created_at = rows[*n - 1].created_at;
			next->id = rows[*n - 1].id;
		} else {
			*next = after ? *after : (struct store_cursor){0, 0};
		}
	}
	return POS_OK;
}

enum pos_status store_debug_explain_history(struct store *st,
                                            const struct store_filter *f,
                                            char *out, size_t outsz,
                                            struct pos_err *err)
{
	static const struct store_filter none;
	static const struct store_cursor some = {1, 1};
	char sql[SQL_MAX + 32];
	sqlite3_stmt *s = NULL;
	enum pos_status prc;
	int rc = SQLITE_DONE;
	size_t w = 0;

	if (!f)
		f = &none;
	if (!out || outsz < 2)
		return pos_err_set(err, POS_E_RANGE, "out", "no room for the plan");
	if ((prc = check_filter(f, err)) != POS_OK)
		return prc;
	str_copy(sql, sizeof sql, "EXPLAIN QUERY PLAN ");
	build_sql(f, true, sql + strlen(sql), sizeof sql - strlen(sql));
	if ((prc = prepare(st, sql, &s, err)) != POS_OK)
		return prc;
	bind_filter(s, f, &some, 51);
	out[0] = '\0';
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *d = store_col_str(s, 3);
		app(out, outsz, &w, "%s\n", d);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_db_error(st, rc, "explaining the history query", err);
	return POS_OK;
}

enum pos_status store_txn_list_open(struct store *st, int64_t due_ms,
                                    struct store_txn *rows, size_t cap,
                                    size_t *n, struct pos_err *err)
{
	sqlite3_stmt *s = store_stmt(st, SQL_TXN_OPEN, err);
	int rc = SQLITE_DONE;
	*n = 0;
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, due_ms);
	sqlite3_bind_int64(s, 2, cap > INT32_MAX ? INT32_MAX : (int64_t)cap);
	while (*n < cap && (rc = sqlite3_step(s)) == SQLITE_ROW)
		store_txn_from_row(s, &rows[(*n)++]);
	if (*n == cap)
		rc = SQLITE_DONE;
	store_done(s);
	if (rc != SQLITE_DONE)
		return store_db_error(st, rc, "listing open transactions", err);
	return POS_OK;
}
